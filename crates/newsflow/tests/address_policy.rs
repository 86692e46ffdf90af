//! The shipped configuration end to end (`config/newsflow.toml` and `config/feeds.toml` as they
//! ship; only the broker, topic names, ports and absolute paths come from the environment): the
//! demo feed, allowed its own host, delivers every demo article in `newsflow run`; an internal
//! feed allowed the same way gets its own pages fetched while its links and redirects to another
//! loopback address and to the metadata address are refused, counted and dead-lettered with the
//! reason; a config edit that turns a global switch on is logged at warn level with the key and
//! shown in `/readyz`.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bus::{KafkaSettings, TopicReader};
use common::{demo_slugs, free_port, repo, scratch, value, wait_for, Enriched, Newsflow};
use model::{DeadLetter, RawArticle};
use testkit::{Reply, ScriptServer};
use tokio::time::Instant;

/// Read `topic` from the start until `done` holds for the decoded records.
async fn read_until<T: model::Versioned>(
    reader: &TopicReader,
    got: &mut Vec<T>,
    deadline: Duration,
    what: &str,
    done: impl Fn(&[T]) -> bool,
) {
    let end = Instant::now() + deadline;
    while !done(got) {
        let rec = tokio::time::timeout_at(end, reader.next())
            .await
            .unwrap_or_else(|_| panic!("timed out after {deadline:?} waiting for {what}"))
            .unwrap_or_else(|e| panic!("reading: {e}"));
        got.push(
            model::decode(&rec.payload.unwrap_or_default())
                .unwrap_or_else(|e| panic!("record: {e}")),
        );
    }
}

fn page(title: &str) -> Reply {
    let paragraphs: String = (1..=4)
        .map(|i| format!("<p>{title}: paragraph {i} of a page served inside the private network, long enough to count as an article body for the cleaner and the enricher.</p>"))
        .collect();
    Reply::ok(
        "text/html; charset=utf-8",
        format!("<html lang=\"en\"><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_config_lets_the_demo_feed_through_and_nothing_else() {
    let broker = testkit::broker().await;
    let brokers = broker.brokers();
    let dir = scratch("allow");

    // An internal feed on 127.0.0.1 whose items link to its own pages, to another loopback
    // address, to the metadata address, and through redirects to both.
    let own = ScriptServer::start().await;
    let other = ScriptServer::start_on("127.0.0.2").await;
    other.set("/secret", page("Other host"));
    own.set("/articles/one", page("Internal report one"));
    own.set("/articles/two", page("Internal report two"));
    own.set(
        "/articles/to-metadata",
        Reply::redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
    );
    own.set("/articles/to-other", Reply::redirect(&other.url("/secret")));
    let links = [
        ("one", own.url("/articles/one")),
        ("two", own.url("/articles/two")),
        ("other", other.url("/secret")),
        (
            "metadata",
            "http://169.254.169.254/latest/meta-data/".to_string(),
        ),
        ("to-metadata", own.url("/articles/to-metadata")),
        ("to-other", own.url("/articles/to-other")),
    ];
    let items: Vec<(&str, &str, &str)> = links.iter().map(|(g, l)| (*g, l.as_str(), *g)).collect();
    own.set(
        "/feed.xml",
        Reply::ok(
            "application/rss+xml",
            testkit::rss(&items, "Fri, 18 Jul 2025 20:00:00 GMT", ""),
        ),
    );

    // The shipped files, copied as they are; the demo feed moves to a free port.
    let shipped = std::fs::read_to_string(repo().join("config/newsflow.toml")).expect("config");
    let config = dir.join("newsflow.toml");
    std::fs::write(&config, &shipped).expect("write config");
    let demo_port = free_port();
    let feeds = std::fs::read_to_string(repo().join("config/feeds.toml")).expect("feeds");
    assert!(feeds.contains("127.0.0.1:8089"), "demo feed moved: {feeds}");
    let feeds = format!(
        "{}\n[[feed]]\nname = \"internal\"\nurl = \"{}\"\ninterval_secs = 2\nallow_private = true\n",
        feeds.replace("127.0.0.1:8089", &format!("127.0.0.1:{demo_port}")),
        own.url("/feed.xml")
    );
    let feeds_file = dir.join("feeds.toml");
    std::fs::write(&feeds_file, feeds).expect("write feeds");
    let prefix = testkit::unique("allow").replace('-', "_");
    let metrics = format!("127.0.0.1:{}", free_port());
    let root = repo().canonicalize().expect("repo");
    let seed_dirs = format!(
        "[{{kind = \"seed\", name = \"seeds\", path = \"{}\", rescan_secs = 30}}]",
        root.join("data/seed").display()
    );
    let env: Vec<(&str, String)> = vec![
        ("NEWSFLOW__KAFKA__BROKERS", brokers.clone()),
        ("NEWSFLOW__PIPELINE__TOPIC_PREFIX", prefix.clone()),
        ("NEWSFLOW__PIPELINE__GROUP_PREFIX", prefix.clone()),
        (
            "NEWSFLOW__FETCHER__FEEDS_FILE",
            feeds_file.display().to_string(),
        ),
        ("NEWSFLOW__FETCHER__DIRS", seed_dirs),
        ("NEWSFLOW__FETCHER__RELOAD_SECS", "1".into()),
        (
            "NEWSFLOW__ENRICHER__GAZETTEER",
            root.join("config/gazetteer.toml").display().to_string(),
        ),
        (
            "NEWSFLOW__DEMO_FEED__DIR",
            root.join("data/demo").display().to_string(),
        ),
        (
            "NEWSFLOW__DEMO_FEED__LISTEN",
            format!("127.0.0.1:{demo_port}"),
        ),
        ("NEWSFLOW__DEMO_FEED__INTERVAL_SECS", "1".into()),
        ("NEWSFLOW__OBSERVABILITY__LISTEN", metrics.clone()),
        ("NEWSFLOW__OBSERVABILITY__LOG_FORMAT", "json".into()),
        // The web view's port is shared by every `run` on the machine; this test does not use it.
        ("NEWSFLOW__WEB__LISTEN", String::new()),
    ];
    // Logs are read for the warning about the global switch.
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_LOG", "info,rdkafka=error,librdkafka=error")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start newsflow");
    let logs = Arc::new(Mutex::new(Vec::<String>::new()));
    for out in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let logs = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                eprintln!("{line}");
                logs.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
    }
    let nf = Newsflow(child);

    // Every demo article arrives enriched.
    let demo_ids: HashMap<String, String> = demo_slugs(&repo().join("data/demo"))
        .into_iter()
        .map(|slug| {
            let url = format!("http://127.0.0.1:{demo_port}/articles/{slug}");
            (
                model::article_id(&model::canonical_url(&url).expect("url")),
                slug,
            )
        })
        .collect();
    assert!(demo_ids.len() >= 5, "{demo_ids:?}");
    let mut enriched = Enriched::open(&brokers, &prefix).await;
    enriched
        .until(Duration::from_secs(120), "every demo article", |all| {
            demo_ids
                .keys()
                .all(|id| all.iter().any(|a| &a.article_id == id))
        })
        .await;

    // The internal feed's own pages are fetched and published; nothing else of it.
    let settings = KafkaSettings::new(&brokers);
    let raw_reader = TopicReader::open(&settings, &format!("{prefix}.raw"), false)
        .await
        .expect("raw");
    let mut raw: Vec<RawArticle> = Vec::new();
    let own_pages = [own.url("/articles/one"), own.url("/articles/two")];
    read_until(
        &raw_reader,
        &mut raw,
        Duration::from_secs(60),
        "internal pages",
        |r| own_pages.iter().all(|u| r.iter().any(|a| &a.url == u)),
    )
    .await;
    let dlq = TopicReader::open(&settings, &format!("{prefix}.dlq"), false)
        .await
        .expect("dlq");
    let mut letters: Vec<DeadLetter> = Vec::new();
    read_until(
        &dlq,
        &mut letters,
        Duration::from_secs(60),
        "4 refusals",
        |l| {
            l.iter()
                .filter(|d| d.error_class == "refused_address")
                .count()
                >= 4
        },
    )
    .await;
    let refused: BTreeSet<(String, String)> = letters
        .iter()
        .filter(|d| d.error_class == "refused_address")
        .map(|d| (d.key.clone().unwrap_or_default(), d.reason.clone()))
        .collect();
    let reason_of = |key: &str| {
        refused
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("no refusal for {key}: {refused:#?}"))
    };
    assert_eq!(refused.len(), 4, "{refused:#?}");
    assert!(letters.iter().all(|d| d.stage == "fetcher"));
    assert!(reason_of(&other.url("/secret")).contains("address 127.0.0.2 is loopback"));
    assert!(reason_of("http://169.254.169.254/latest/meta-data/")
        .contains("address 169.254.169.254 is a cloud metadata address"));
    let r = reason_of(&own.url("/articles/to-metadata"));
    assert!(
        r.contains("redirect to http://169.254.169.254/") && r.contains("metadata"),
        "{r}"
    );
    let r = reason_of(&own.url("/articles/to-other"));
    assert!(
        r.contains("redirect to http://127.0.0.2:") && r.contains("loopback"),
        "{r}"
    );
    assert!(
        letters.iter().all(|d| d.error_class == "refused_address"),
        "other dead letters: {:?}",
        letters
            .iter()
            .map(|d| (&d.stage, &d.error_class, &d.reason))
            .collect::<Vec<_>>()
    );
    assert!(other.requests().is_empty(), "127.0.0.2 was contacted");
    let raw_urls: Vec<&str> = raw.iter().map(|a| a.url.as_str()).collect();
    assert!(
        !raw_urls
            .iter()
            .any(|u| u.contains("127.0.0.2") || u.contains("169.254")),
        "{raw_urls:?}"
    );

    // Counted by reason; the global switches are off and say so.
    let m = format!("http://{metrics}/metrics");
    wait_for(&m, Duration::from_secs(10), "refusal counters", |_, t| {
        value(t, "newsflow_fetcher_refused_total{reason=\"loopback\"}") == Some(2.0)
            && value(t, "newsflow_fetcher_refused_total{reason=\"metadata\"}") == Some(2.0)
            && value(t, "newsflow_fetcher_refused_total{reason=\"private\"}") == Some(0.0)
            && value(
                t,
                "newsflow_fetcher_address_override{key=\"fetcher.allow_private_addresses\"}",
            ) == Some(0.0)
            && value(
                t,
                "newsflow_fetcher_address_override{key=\"fetcher.allow_loopback\"}",
            ) == Some(0.0)
    })
    .await;
    let ready = format!("http://{metrics}/readyz");
    wait_for(&ready, Duration::from_secs(10), "override off", |_, t| {
        t.contains("fetcher_address_override: off")
    })
    .await;
    let warned = |key: &str| {
        logs.lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|l| {
                l.contains("\"WARN\"") && l.contains(key) && l.contains("global address override")
            })
    };
    assert!(!warned("fetcher.allow_private_addresses"));

    // An edit that turns a global switch on: a warning naming the key, and /readyz shows it.
    let edited = shipped.replace(
        "allow_private_addresses = false",
        "allow_private_addresses = true",
    );
    assert_ne!(edited, shipped);
    std::fs::write(&config, edited).expect("edit config");
    let end = Instant::now() + Duration::from_secs(20);
    while !warned("fetcher.allow_private_addresses") {
        assert!(Instant::now() < end, "no warning for the edit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(
        &ready,
        Duration::from_secs(10),
        "pending override",
        |_, t| t.contains("in force after a restart: fetcher.allow_private_addresses"),
    )
    .await;
    nf.stop(Duration::from_secs(30));
    std::fs::remove_dir_all(&dir).ok();
}
