//! A running pipeline serves Prometheus metrics, liveness and readiness: its counters move when
//! articles flow, and readiness follows the broker when it is paused (SIGSTOP) and resumed.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{get, value, wait_for};

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(st.success(), "kill {sig} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_move_and_readiness_follows_the_broker() {
    let broker = testkit::broker().await;
    let dir = common::scratch("observe");
    let (config, _prefix) = common::write_config(&dir, &broker.brokers(), &[], "");
    let addr = common::with_metrics(&config);
    let nf = common::Newsflow::start(&config, &["run"]);
    let metrics = format!("http://{addr}/metrics");
    let readyz = format!("http://{addr}/readyz");

    // The five seeds flow through; the counters of every stage say so.
    wait_for(&metrics, Duration::from_secs(90), "5 enriched", |_, t| {
        value(t, "newsflow_stories_processed_total").unwrap_or(0.0) >= 5.0
    })
    .await;
    let (status, text) = get(&metrics).await.expect("scrape");
    assert_eq!(status, 200);
    for series in [
        "newsflow_fetcher_published_total",
        "newsflow_cleaner_consumed_total",
        "newsflow_cleaner_produced_total",
        "newsflow_cleaner_outcomes_total{outcome=\"ok\"}",
        "newsflow_enricher_consumed_total",
        "newsflow_enricher_produced_total",
        "newsflow_stories_produced_total",
        "newsflow_enricher_enriched_total",
    ] {
        let v = value(&text, series).unwrap_or_else(|| panic!("{series} missing:\n{text}"));
        assert!(v >= 5.0, "{series} = {v}, expected at least 5");
    }
    assert_eq!(
        value(&text, "newsflow_cleaner_dead_lettered_total"),
        Some(0.0)
    );
    assert!(
        value(&text, "newsflow_stories_events_total{change=\"created\"}").unwrap_or(0.0) >= 1.0,
        "story events counted:\n{text}"
    );
    assert!(
        text.contains("newsflow_enricher_consumer_lag{topic="),
        "lag per partition:\n{text}"
    );
    assert!(
        value(&text, "process_resident_memory_bytes").unwrap_or(0.0) > 0.0,
        "{text}"
    );

    let (status, body) = get(&format!("http://{addr}/healthz"))
        .await
        .expect("healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    wait_for(&readyz, Duration::from_secs(30), "ready", |s, _| s == 200).await;
    for args in [&["health"][..], &["health", "--ready"][..]] {
        let st = Command::new(env!("CARGO_BIN_EXE_newsflow"))
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .expect("newsflow health");
        assert!(st.status.success(), "newsflow {args:?}: {st:?}");
    }

    // An invalid edit of the config is refused (the running config stays) and shows as not ready
    // until it is mended.
    let good = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, format!("{good}\n[bogus]\nkey = 1\n")).expect("edit config");
    wait_for(
        &readyz,
        Duration::from_secs(30),
        "config refused",
        |s, b| s == 503 && b.contains("fetcher_config_valid: failing"),
    )
    .await;
    std::fs::write(&config, &good).expect("mend config");
    wait_for(&readyz, Duration::from_secs(30), "config mended", |s, _| {
        s == 200
    })
    .await;
    let (_, text) = get(&metrics).await.expect("scrape");
    assert!(
        value(&text, "newsflow_fetcher_config_reload_failures_total").unwrap_or(0.0) >= 1.0,
        "{text}"
    );

    // A stalled broker makes the process not ready, and it recovers by itself.
    let pid = broker.pid().expect("broker pid");
    signal(pid, "-STOP");
    wait_for(&readyz, Duration::from_secs(30), "not ready", |s, b| {
        s == 503 && b.contains("broker_reachable: failing")
    })
    .await;
    let (status, _) = get(&format!("http://{addr}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(status, 200, "a stalled broker is not a reason to restart");
    signal(pid, "-CONT");
    wait_for(&readyz, Duration::from_secs(60), "ready again", |s, _| {
        s == 200
    })
    .await;

    nf.stop(Duration::from_secs(30));
}

#[test]
fn value_reads_exact_series() {
    let text = "# TYPE a counter\na_total 3\na_total{k=\"v\"} 4\nab_total 5\n";
    assert_eq!(value(text, "a_total"), Some(3.0));
    assert_eq!(value(text, "a_total{k=\"v\"}"), Some(4.0));
    assert_eq!(value(text, "ab_total"), Some(5.0));
    assert_eq!(value(text, "b_total"), None);
}
