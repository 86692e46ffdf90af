//! Fetcher instances over a real broker: two instances share the hosts (each polled by exactly
//! one live instance) and the survivor takes a killed instance's hosts over within a bound; a
//! fetcher killed with SIGKILL restarts without missing or republishing an entry.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{output_of, run_once, scratch, write_config, Newsflow};
use testkit::{rss, Reply, ScriptServer};

const DATE: &str = "Fri, 18 Jul 2025 20:00:00 GMT";
const SESSION_MS: u64 = 6000;

async fn servers(n: usize) -> Vec<ScriptServer> {
    let mut out = Vec::new();
    for i in 0..n {
        let s = ScriptServer::start().await;
        let link = s.url(&format!("/a{i}"));
        s.set(
            "/feed.xml",
            Reply::ok(
                "application/rss+xml",
                rss(
                    &[(&format!("a{i}"), &link, &format!("Article {i}"))],
                    DATE,
                    "",
                ),
            )
            .header("etag", &format!("\"{i}\"")),
        );
        s.set(
            &format!("/a{i}"),
            Reply::ok(
                "text/html",
                format!("<html><head><title>Article {i}</title></head><body><p>Text {i}.</p></body></html>"),
            ),
        );
        out.push(s);
    }
    out
}

fn ua(q: &testkit::Seen) -> String {
    q.headers
        .get("user-agent")
        .and_then(|u| u.split('/').next())
        .unwrap_or("")
        .to_string()
}

fn feed_polls_after(s: &ScriptServer, t: Instant) -> Vec<testkit::Seen> {
    s.requests_to("/feed.xml")
        .into_iter()
        .filter(|q| q.at >= t)
        .collect()
}

async fn until(deadline: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !done() {
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Records per key in the raw topic.
async fn raw_counts(brokers: &str, prefix: &str) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    let recs = bus::read_to_end(&bus::KafkaSettings::new(brokers), &format!("{prefix}.raw"))
        .await
        .unwrap_or_else(|e| panic!("read raw: {e}"));
    for r in recs {
        let key = String::from_utf8_lossy(&r.key.unwrap_or_default()).into_owned();
        *n.entry(key).or_default() += 1;
    }
    n
}

fn item_id(s: &ScriptServer, i: usize) -> String {
    model::article_id(&model::canonical_url(&s.url(&format!("/a{i}"))).expect("url"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fetchers_share_hosts_and_the_survivor_takes_over() {
    let broker = testkit::broker().await;
    let srv = servers(10).await;
    let dir = scratch("scale");
    let urls: Vec<String> = srv.iter().map(|s| s.url("/feed.xml")).collect();
    let (config, prefix) = write_config(&dir, &broker.brokers(), &urls, "");
    run_once(&config, &["topics", "create"]);
    let session = SESSION_MS.to_string();
    let env = |name: &'static str| {
        vec![
            ("NEWSFLOW__FETCHER__SCALE_OUT", "true".to_string()),
            (
                "NEWSFLOW__FETCHER__GROUP_SESSION_TIMEOUT_MS",
                session.clone(),
            ),
            ("NEWSFLOW__FETCHER__USER_AGENT", format!("{name}/1")),
        ]
    };
    let start = |name: &'static str| {
        let e = env(name);
        let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Newsflow::start_env(&config, &["fetcher"], &e)
    };
    let a = start("nf-a");
    let b = start("nf-b");
    let b_started = Instant::now();
    // Both instances are in the group and polling.
    until(Duration::from_secs(90), "both instances polling", || {
        let after: Vec<String> = srv
            .iter()
            .flat_map(|s| feed_polls_after(s, b_started))
            .map(|q| ua(&q))
            .collect();
        after.iter().any(|u| u == "nf-a") && after.iter().any(|u| u == "nf-b")
    })
    .await;
    // A settled window: every host is polled, each by exactly one instance.
    let t0 = Instant::now();
    until(Duration::from_secs(60), "three polls of every host", || {
        srv.iter().all(|s| feed_polls_after(s, t0).len() >= 3)
    })
    .await;
    let mut owner_of = Vec::new();
    for (i, s) in srv.iter().enumerate() {
        let owners: std::collections::BTreeSet<String> =
            feed_polls_after(s, t0).iter().map(ua).collect();
        assert_eq!(owners.len(), 1, "host {i} polled by {owners:?}");
        owner_of.push(owners.into_iter().next().unwrap_or_default());
    }
    assert!(owner_of.iter().any(|o| o == "nf-a") && owner_of.iter().any(|o| o == "nf-b"));

    // Kill one instance without a clean shutdown: the survivor takes its hosts over.
    a.kill9();
    let killed = Instant::now();
    until(
        Duration::from_secs(60),
        "the survivor polling every host",
        || {
            srv.iter()
                .all(|s| feed_polls_after(s, killed).iter().any(|q| ua(q) == "nf-b"))
        },
    )
    .await;
    let takeover = killed.elapsed();
    eprintln!("takeover after kill -9: {takeover:?} (session timeout {SESSION_MS} ms)");
    assert!(
        takeover <= Duration::from_millis(SESSION_MS) + Duration::from_secs(10),
        "takeover took {takeover:?}"
    );
    // Every item published exactly once, every page fetched once.
    let counts = raw_counts(&broker.brokers(), &prefix).await;
    for (i, s) in srv.iter().enumerate() {
        assert_eq!(counts.get(&item_id(s, i)), Some(&1), "item {i}: {counts:?}");
        assert_eq!(
            s.requests_to(&format!("/a{i}")).len(),
            1,
            "page {i} fetched twice"
        );
    }
    b.stop(Duration::from_secs(30));
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetcher_killed_with_sigkill_resumes_without_loss_or_copies() {
    let broker = testkit::broker().await;
    let srv = servers(1).await;
    let s = &srv[0];
    let dir = scratch("kill9");
    let (config, prefix) = write_config(&dir, &broker.brokers(), &[s.url("/feed.xml")], "");
    run_once(&config, &["topics", "create"]);
    let first = Newsflow::start(&config, &["fetcher"]);
    until(Duration::from_secs(60), "a conditional poll", || {
        s.requests_to("/feed.xml").iter().any(|q| q.status == 304)
    })
    .await;
    first.kill9();
    // While the fetcher is down the feed gains an entry.
    let link = s.url("/late");
    s.set(
        "/feed.xml",
        Reply::ok(
            "application/rss+xml",
            rss(
                &[("late", &link, "Late"), ("a0", &s.url("/a0"), "Article 0")],
                DATE,
                "",
            ),
        )
        .header("etag", "\"late\""),
    );
    s.set(
        "/late",
        Reply::ok("text/html", "<html><body><p>Late.</p></body></html>"),
    );
    let n = s.requests_to("/feed.xml").len();
    let second = Newsflow::start(&config, &["fetcher"]);
    let reqs = s
        .wait_for("/feed.xml", n + 1, Duration::from_secs(60))
        .await;
    // The restarted fetcher still has the validators.
    assert_eq!(
        reqs[n].headers.get("if-none-match").map(String::as_str),
        Some("\"0\"")
    );
    s.wait_for("/late", 1, Duration::from_secs(60)).await;
    let late_id = model::article_id(&link);
    let end = Instant::now() + Duration::from_secs(30);
    let counts = loop {
        let c = raw_counts(&broker.brokers(), &prefix).await;
        if c.contains_key(&late_id) || Instant::now() > end {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    second.stop(Duration::from_secs(30));
    assert_eq!(counts.get(&late_id), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&item_id(s, 0)), Some(&1), "{counts:?}");
    assert_eq!(
        s.requests_to("/a0").len(),
        1,
        "page fetched again after kill -9"
    );
    // `newsflow feeds` shows the state the fetcher saved.
    let json = output_of(&config, &["feeds", "--json"]);
    let feeds: serde_json::Value = serde_json::from_str(&json).expect("feeds json");
    let f = &feeds[0];
    assert_eq!(f["name"], "feed0", "{json}");
    assert_eq!(f["etag"], "\"late\"", "{json}");
    assert_eq!(f["items"], 2, "{json}");
    assert_eq!(f["validators_trusted"], true, "{json}");
    assert!(
        f["last_success"].is_string() && f["next_poll"].is_string(),
        "{json}"
    );
    let table = output_of(&config, &["feeds"]);
    assert!(
        table.contains("feed0") && table.contains("trusted"),
        "{table}"
    );
    broker.stop().await;
}
