//! The local broker: a Tansu process on 127.0.0.1 for development, tests and CI. It keeps
//! everything in memory, so each start is a fresh cluster.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::BusError;

/// Where `deploy/install-tansu.sh` puts the pinned Tansu build, unless `NEWSFLOW_TANSU` names one.
pub fn tansu_path() -> PathBuf {
    if let Some(p) = std::env::var_os("NEWSFLOW_TANSU") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("newsflow").join("tansu-0.1.2").join("tansu")
}

/// A running Tansu child process; killed when dropped.
pub struct LocalBroker {
    child: Child,
    port: u16,
}

fn free_port() -> Result<u16, BusError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| local_err(format!("no free port: {e}")))?;
    let port = l.local_addr().map_err(|e| local_err(e.to_string()))?.port();
    Ok(port)
}

fn local_err(reason: String) -> BusError {
    BusError::LocalBroker(reason)
}

impl LocalBroker {
    /// Start Tansu from `binary` on a free port and wait until it accepts connections.
    pub async fn start(binary: &Path) -> Result<Self, BusError> {
        if !binary.exists() {
            return Err(local_err(format!(
                "tansu not found at {}: run deploy/install-tansu.sh (or set NEWSFLOW_TANSU)",
                binary.display()
            )));
        }
        let mut last = String::new();
        // A port picked as free can be taken before Tansu binds it: try a few.
        for _ in 0..5 {
            let port = free_port()?;
            let url = format!("tcp://127.0.0.1:{port}");
            let mut child = Command::new(binary)
                .arg("broker")
                .args(["--listener-url", &url, "--advertised-listener-url", &url])
                .args(["--storage-engine", "memory://tansu/"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .env("RUST_LOG", "error")
                // Its own process group: a terminal's Ctrl-C reaches only us, and we stop the
                // broker after the workers have flushed and committed.
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| local_err(format!("starting {}: {e}", binary.display())))?;
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("tansu exited with {status}");
                    break;
                }
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    tracing::info!(port, "local broker started");
                    return Ok(Self { child, port });
                }
                if Instant::now() > deadline {
                    last = "tansu did not start listening within 15 s".into();
                    let _ = child.kill().await;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Err(local_err(last))
    }

    /// `host:port` for clients.
    pub fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Process id, for tests that pause or kill the broker.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stop the broker and wait for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
