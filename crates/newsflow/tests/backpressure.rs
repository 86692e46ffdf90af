//! Backpressure: with the enricher stopped (SIGSTOP) while 100 KB pages pour in, the cleaner
//! goes on and the backlog waits in Kafka, not in memory; when the enricher resumes, its in-flight
//! work never exceeds `worker.max_in_flight`, and every worker's peak memory stays under the limit
//! stated in the README (200 MB).

mod common;

use std::process::Command;
use std::time::Duration;

use bus::{KafkaSettings, Publisher};
use model::{EntryHints, RawArticle, SourceRef, Versioned};
use tokio::time::Instant;

const LIMIT_MB: f64 = 200.0;
const MAX_IN_FLIGHT: f64 = 8.0;

async fn scrape(addr: &str) -> String {
    let Ok(resp) = reqwest::get(format!("http://{addr}/metrics")).await else {
        return String::new();
    };
    resp.text().await.unwrap_or_default()
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

/// A 100 KB news page: navigation, the article, comments and a footer.
fn page(n: usize) -> String {
    let para = |i: usize| {
        format!(
            "<p>Paragraph {i} of report {n}: the council met on Tuesday to discuss the harbour \
             budget, and officials said the railway works would continue through the winter \
             while the museum and the library stay open to visitors from the region.</p>"
        )
    };
    let nav: String = (0..60)
        .map(|i| format!("<li><a href=\"/section/{i}\">Section {i}</a></li>"))
        .collect();
    let body: String = (0..80).map(para).collect();
    let comments: String = (0..900)
        .map(|i| format!("<div class=\"comment\"><p>Comment {i}: I agree with this, thanks for the report.</p></div>"))
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><title>Report {n}</title></head><body>\
         <nav><ul>{nav}</ul></nav><article><h1>Report {n}</h1>{body}</article>\
         <section id=\"comments\">{comments}</section><footer>Footer</footer></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_enricher_does_not_swell_anyone() {
    let broker = testkit::broker().await;
    let dir = common::scratch("backpressure");
    let (config, prefix) = common::write_config(&dir, &broker.brokers(), &[], "");
    let (ok, out) = common::Newsflow::run(&config, &["topics", "create"]);
    assert!(ok, "{out}");
    // Two processes need two metrics ports: the cleaner takes the config's, the enricher another.
    let cleaner_addr = common::with_metrics(&config);
    let enricher_addr = format!("127.0.0.1:{}", common::free_port());
    let env = [("NEWSFLOW__WORKER__MAX_IN_FLIGHT", "8")];
    let cleaner = common::Newsflow::start_env(&config, &["cleaner"], &env);
    let enricher = common::Newsflow::start_env(
        &config,
        &["enricher"],
        &[
            env[0],
            ("NEWSFLOW__OBSERVABILITY__LISTEN", enricher_addr.as_str()),
        ],
    );
    let enricher_pid = enricher.0.id().to_string();
    // Wait until the enricher owns its partitions, then stop it.
    let end = Instant::now() + Duration::from_secs(60);
    while value(
        &scrape(&enricher_addr).await,
        "newsflow_enricher_assigned_partitions",
    ) < 1.0
    {
        assert!(Instant::now() < end, "enricher never got partitions");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(Command::new("kill")
        .args(["-STOP", &enricher_pid])
        .status()
        .expect("kill")
        .success());

    let n = 40;
    let publisher =
        Publisher::new(&KafkaSettings::new(broker.brokers()), 4 << 20).expect("producer");
    let topic = format!("{prefix}.raw");
    let mut pending = Vec::new();
    for i in 0..n {
        let raw = RawArticle {
            schema: RawArticle::schema_tag(),
            article_id: format!("bp-{i}"),
            url: format!("https://example.com/bp/{i}"),
            source: SourceRef {
                kind: "feed".into(),
                name: "bp".into(),
                origin: None,
            },
            fetched_at: chrono::Utc::now(),
            content_type: "text/html".into(),
            body: page(i),
            hints: EntryHints::default(),
            config_version: String::new(),
        };
        let payload = model::encode(&raw);
        assert!(payload.len() > 100_000, "pages of 100 KB");
        pending.push(
            publisher
                .enqueue(&topic, &raw.article_id, &payload)
                .await
                .expect("enqueue"),
        );
    }
    for d in pending {
        d.await.expect("delivered").expect("acked");
    }

    // The cleaner keeps going with the enricher stopped, with bounded in-flight work.
    let mut max_cleaner_in_flight: f64 = 0.0;
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let t = scrape(&cleaner_addr).await;
        max_cleaner_in_flight = max_cleaner_in_flight.max(value(&t, "newsflow_cleaner_in_flight"));
        if value(&t, "newsflow_cleaner_produced_total") >= n as f64 {
            break;
        }
        assert!(
            Instant::now() < end,
            "cleaner stalled behind a stopped enricher"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The enricher resumes and drains the backlog, never more than max_in_flight at once.
    assert!(Command::new("kill")
        .args(["-CONT", &enricher_pid])
        .status()
        .expect("kill")
        .success());
    let mut max_enricher_in_flight: f64 = 0.0;
    let end = Instant::now() + Duration::from_secs(180);
    loop {
        let t = scrape(&enricher_addr).await;
        max_enricher_in_flight =
            max_enricher_in_flight.max(value(&t, "newsflow_enricher_in_flight"));
        if value(&t, "newsflow_stories_processed_total") >= n as f64 {
            break;
        }
        assert!(Instant::now() < end, "enricher did not drain its backlog");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (cleaner_mb, enricher_mb) = (
        testkit::procfs::peak_mb(cleaner.0.id()),
        testkit::procfs::peak_mb(enricher.0.id()),
    );
    eprintln!(
        "backpressure: {n} pages of ~100 KB; cleaner peak {cleaner_mb:.0} MB, max in flight {max_cleaner_in_flight}; \
         enricher peak {enricher_mb:.0} MB, max in flight {max_enricher_in_flight}"
    );
    assert!(max_cleaner_in_flight <= MAX_IN_FLIGHT);
    assert!(max_enricher_in_flight <= MAX_IN_FLIGHT);
    assert!(
        cleaner_mb > 0.0 && cleaner_mb < LIMIT_MB,
        "cleaner peak {cleaner_mb:.0} MB"
    );
    assert!(
        enricher_mb > 0.0 && enricher_mb < LIMIT_MB,
        "enricher peak {enricher_mb:.0} MB"
    );
    cleaner.stop(Duration::from_secs(30));
    enricher.stop(Duration::from_secs(30));
    broker.stop().await;
}
