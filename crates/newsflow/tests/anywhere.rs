//! The installed command works from any directory, without a checkout or a config file: the
//! built binary runs in an empty temporary directory with `NEWSFLOW_CONFIG` unset, on the
//! built-in configuration and gazetteer.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

/// `newsflow <args>` in `dir`, with no config named and extra environment `env`.
fn newsflow(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsflow"));
    c.current_dir(dir)
        .args(args)
        .env_remove("NEWSFLOW_CONFIG")
        .env("RUST_LOG", "warn,rdkafka=error,librdkafka=error");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output()
        .unwrap_or_else(|e| panic!("run newsflow {args:?}: {e}"))
}

fn ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = newsflow(dir, args, env);
    assert!(
        out.status.success(),
        "newsflow {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_work_from_an_empty_directory_without_a_config_file() {
    let dir = common::scratch("anywhere");
    assert!(!dir.join("config").exists());
    let page = dir.join("page.html");
    std::fs::write(
        &page,
        format!(
            "<html><head><title>Harbour Reopens</title></head><body><article><h1>Harbour Reopens After Storm</h1>{}</article></body></html>",
            "<p>The harbour reopened on Monday after the storm, the port authority said, and the first ferries left in the afternoon with passengers and freight.</p>".repeat(4)
        ),
    )
    .expect("write page");
    let seed = common::repo().join("data/seed");
    let first_seed = std::fs::read_dir(&seed)
        .expect("seeds")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .min()
        .expect("a seed");
    std::fs::copy(&first_seed, dir.join("seed.txt")).expect("copy seed");

    let clean: serde_json::Value =
        serde_json::from_str(&ok(&dir, &["clean", "page.html"], &[])).expect("clean JSON");
    assert!(
        clean["title"].as_str().unwrap_or("").contains("Harbour"),
        "{clean}"
    );

    // The built-in gazetteer recognises the seeds' places.
    let enriched = ok(&dir, &["enrich", "seed.txt", "page.html"], &[]);
    let lines: Vec<serde_json::Value> = enriched
        .lines()
        .map(|l| serde_json::from_str(l).expect("enriched JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "{enriched}");
    assert!(
        lines[0]["entities"]
            .as_array()
            .is_some_and(|es| es.iter().any(|e| e["id"] == "place/venezuela")),
        "{}",
        lines[0]
    );

    assert!(ok(&dir, &["schemas"], &[]).contains("newsflow.raw"));
    assert!(ok(&dir, &["config-reference"], &[]).contains("`fetcher.poll_interval_secs`"));

    // `health` asks the configured endpoint: a one-shot server stands in for a worker.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
        let _ =
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n");
    });
    let said = ok(
        &dir,
        &["health"],
        &[("NEWSFLOW__OBSERVABILITY__LISTEN", addr.as_str())],
    );
    assert_eq!(said, "ok\n");
    server.join().expect("health server");

    // `topics create` and `tail` need only the brokers.
    let broker = testkit::broker().await;
    let prefix = testkit::unique("anywhere").replace('-', "_");
    let env = [
        ("NEWSFLOW__KAFKA__BROKERS", broker.brokers()),
        ("NEWSFLOW__PIPELINE__TOPIC_PREFIX", prefix.clone()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok(&dir, &["topics", "create"], &env);
    assert_eq!(ok(&dir, &["tail", "dlq"], &env), "");

    // A config named but missing is an error, not a silent fallback.
    let out = newsflow(&dir, &["schemas", "--config", "nowhere.toml"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere.toml"));
    std::fs::remove_dir_all(&dir).ok();
}
