//! A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! NUL-terminated JSON on file descriptors 3 and 4, wired to named pipes by the shell), so that
//! tests can load pages, run the page's own script, read the DOM and take screenshots without a
//! WebSocket client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The Chromium binary: `CHROMIUM` or `chromium` on the PATH.
pub fn binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

/// A running headless browser.
pub struct Browser {
    child: Child,
    commands: std::fs::File,
    replies: Receiver<Value>,
    next: u64,
    dir: PathBuf,
}

/// A tab attached with its own protocol session.
pub struct Tab {
    session: String,
}

impl Browser {
    /// Start Chromium with a fresh profile in `dir`. Panics with how to install it when missing.
    pub fn launch(dir: &Path) -> Browser {
        let ok = Command::new(binary())
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "{} not found: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM",
            binary()
        );
        std::fs::create_dir_all(dir).expect("browser dir");
        let (cmd_pipe, out_pipe) = (dir.join("cdp-in"), dir.join("cdp-out"));
        for p in [&cmd_pipe, &out_pipe] {
            let _ = std::fs::remove_file(p);
            let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
            assert!(st.success(), "mkfifo {}", p.display());
        }
        let script = format!(
            "exec {bin} --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
             --hide-scrollbars --user-data-dir={profile} --remote-debugging-pipe about:blank 3<{cin} 4>{cout}",
            bin = binary(),
            profile = dir.join("profile").display(),
            cin = cmd_pipe.display(),
            cout = out_pipe.display(),
        );
        let child = Command::new("bash")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // The shell opens fd 3 first: open our write end, then our read end, in that order.
        let commands = std::fs::OpenOptions::new()
            .write(true)
            .open(&cmd_pipe)
            .expect("open command pipe");
        let out = std::fs::File::open(&out_pipe).expect("open reply pipe");
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out);
            loop {
                let mut buf = Vec::new();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        Browser {
            child,
            commands,
            replies,
            next: 0,
            dir: dir.to_path_buf(),
        }
    }

    /// Send one protocol command and wait for its answer (events in between are dropped).
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).expect("json");
        bytes.push(0);
        self.commands.write_all(&bytes).expect("write to chromium");
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(v) if v["id"] == id => {
                    assert!(v["error"].is_null(), "{method}: {}", v["error"]);
                    return v["result"].clone();
                }
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => panic!("chromium did not answer {method}"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium exited during {method}"),
            }
        }
    }

    /// Open `url` in a new tab of `width` × `height` CSS pixels and wait for it to load.
    pub fn open(&mut self, url: &str, width: u32, height: u32) -> Tab {
        self.open_with(url, width, height, true)
    }

    /// [`Browser::open`], with JavaScript turned off when `javascript` is false.
    pub fn open_with(&mut self, url: &str, width: u32, height: u32, javascript: bool) -> Tab {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("target id").to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        let tab = Tab {
            session: attached["sessionId"].as_str().expect("session").to_string(),
        };
        self.call(Some(&tab.session), "Page.enable", json!({}));
        self.call(
            Some(&tab.session),
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        if !javascript {
            self.call(
                Some(&tab.session),
                "Emulation.setScriptExecutionDisabled",
                json!({"value": true}),
            );
        }
        self.call(Some(&tab.session), "Page.navigate", json!({"url": url}));
        self.wait_for(
            &tab,
            "document.readyState === 'complete'",
            Duration::from_secs(20),
        );
        tab
    }

    /// Evaluate `expr` in the page and return its value.
    pub fn eval(&mut self, tab: &Tab, expr: &str) -> Value {
        let r = self.call(
            Some(&tab.session),
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Wait until `expr` is true in the page, or panic after `deadline`.
    pub fn wait_for(&mut self, tab: &Tab, expr: &str, deadline: Duration) {
        assert!(
            self.poll(tab, expr, deadline),
            "timed out waiting for `{expr}`"
        );
    }

    /// Whether `expr` became true in the page within `deadline`.
    pub fn poll(&mut self, tab: &Tab, expr: &str, deadline: Duration) -> bool {
        let end = Instant::now() + deadline;
        loop {
            if self.eval(tab, expr) == json!(true) {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page's DOM as HTML.
    pub fn dom(&mut self, tab: &Tab) -> String {
        self.eval(tab, "document.documentElement.outerHTML")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Save a PNG screenshot of the viewport.
    pub fn screenshot(&mut self, tab: &Tab, path: &Path) {
        let r = self.call(
            Some(&tab.session),
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": false}),
        );
        let data = r["data"].as_str().expect("screenshot data");
        let png = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data)
            .expect("base64 png");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(self.dir.join("profile"));
    }
}
