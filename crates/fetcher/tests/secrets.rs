//! No credentials in logs or messages: feeds whose URLs carry `user:password@` and a `?token=`,
//! served by a local server that demands basic auth and sets cookies. The fetch must succeed with
//! the credentials, and neither they, the token, the cookie nor the `Authorization` value may
//! appear in any log line (every level, reqwest's own included), published message, dead letter
//! or feed state.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Running;
use testkit::{Reply, ScriptServer};

/// Everything written by the global subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

const AUTH: &str = "Basic dXNlcjpzM2NyM3Q="; // user:s3cr3t
const SECRETS: &[&str] = &["s3cr3t", "t0k3n", "c00k1e", "dXNlcjpzM2NyM3Q"];

#[tokio::test]
async fn credentials_tokens_and_cookies_never_reach_logs_or_messages() {
    let logs = Captured::default();
    let sink_logs = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink_logs.clone())
        .try_init()
        .unwrap_or_else(|e| panic!("subscriber: {e}"));

    let s = ScriptServer::start().await;
    let rss = testkit::rss(
        &[("a1", "/articles/a1", "Secured article")],
        common::DATE,
        "",
    );
    s.set(
        "/feed.xml",
        Reply::ok("application/rss+xml", rss)
            .require("authorization", AUTH)
            .header("set-cookie", "session=c00k1e-feed; HttpOnly; Path=/"),
    );
    s.set(
        "/articles/a1",
        Reply::ok("text/html", common::page("Secured article", ""))
            .require("authorization", AUTH)
            .header("set-cookie", "sid=c00k1e-page; Secure"),
    );
    // Behind basic auth too: fetched anonymously, its 401 would deny every page.
    s.set(
        "/robots.txt",
        Reply::ok("text/plain", "User-agent: *\nDisallow: /private/\n")
            .require("authorization", AUTH),
    );
    s.set(
        "/bad.xml",
        Reply::ok("application/rss+xml", "<rss><channel><item>").require("authorization", AUTH),
    );
    // A redirect to an address the policy refuses: the error names the target, redacted.
    s.set(
        "/moved.xml",
        Reply::redirect("http://10.0.0.1/internal.xml?token=t0k3n"),
    );
    // A redirect to another host: the credentials must not follow it.
    let other = ScriptServer::start_on("127.0.0.2").await;
    other.set("/elsewhere.xml", Reply::ok("application/rss+xml", "<rss/>"));
    s.set(
        "/away.xml",
        Reply::redirect(&other.url("/elsewhere.xml?key=t0k3n")),
    );
    let with_secrets =
        |path: &str, query: &str| s.url(path).replacen("http://", "http://user:s3cr3t@", 1) + query;
    let feeds = vec![
        common::feed("secure", &with_secrets("/feed.xml", "?token=t0k3n"), 60_000),
        common::feed(
            "broken",
            &with_secrets("/bad.xml", "?api_key=t0k3n"),
            60_000,
        ),
        common::feed(
            "gone",
            &with_secrets("/gone.xml", "?sig=t0k3n&page=1"),
            60_000,
        ),
        common::feed("moved", &with_secrets("/moved.xml", "?token=t0k3n"), 60_000),
        common::feed("away", &with_secrets("/away.xml", ""), 60_000),
    ];
    let shown_spec = format!("{:?}", feeds);
    let run = Running::start(common::config(feeds));
    run.sink
        .until(
            Duration::from_secs(10),
            "article, dead letter, failed feed",
            |r| {
                let failed = |name: &str| r.feeds.iter().any(|f| f.name == name && f.failures > 0);
                !r.published.is_empty()
                    && !r.dead.is_empty()
                    && failed("gone")
                    && failed("moved")
                    && !other.requests().is_empty()
            },
        )
        .await;
    let stats = run.stats.clone();
    let sink = run.stop().await;

    // The credentials were used: the server saw basic auth and answered the feed and the page.
    let fed = s.requests_to("/feed.xml?token=t0k3n");
    assert!(
        fed.iter()
            .any(|r| r.status == 200
                && r.headers.get("authorization").map(String::as_str) == Some(AUTH)),
        "feed not fetched with basic auth: {:?}",
        fed.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        s.requests_to("/articles/a1").last().map(|r| r.status),
        Some(200)
    );
    assert!(
        other
            .requests()
            .iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "credentials followed a redirect to another host"
    );
    // Cookies are not sent back (no cookie store).
    assert!(s
        .requests()
        .iter()
        .all(|r| !r.headers.contains_key("cookie")));

    let r = sink.lock();
    assert!(r.published[0].body.contains("Secured article"));
    let mut shown = vec![
        ("logs".to_string(), logs.text()),
        ("debug".to_string(), shown_spec),
    ];
    for a in &r.published {
        shown.push(("article".into(), serde_json::to_string(a).expect("json")));
    }
    for d in &r.dead {
        shown.push((
            "dead letter".into(),
            serde_json::to_string(d).expect("json"),
        ));
    }
    for f in r.feeds.iter().chain(stats.feed_states().iter()) {
        shown.push(("feed state".into(), serde_json::to_string(f).expect("json")));
    }
    for (what, text) in &shown {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} in {what}:\n{text}");
        }
    }
    // Redacted, not dropped: the logs still say which feed and URL.
    let log = &shown[0].1;
    assert!(log.contains("article published"), "{log}");
    assert!(
        log.contains("api_key=redacted") && log.contains("sig=redacted"),
        "{log}"
    );
    assert!(
        log.contains(
            "moved.xml?token=redacted: refused: redirect to http://10.0.0.1/internal.xml?token=redacted"
        ),
        "{log}"
    );
    assert_eq!(
        r.published[0].source.origin.as_deref(),
        Some(format!("{}?token=redacted", s.url("/feed.xml")).as_str())
    );
    assert!(r.dead.iter().any(|d| d
        .key
        .as_deref()
        .is_some_and(|k| k.ends_with("/bad.xml?api_key=redacted"))));
    // The refused redirect is dead-lettered too, its target redacted in the reason.
    assert!(r
        .dead
        .iter()
        .any(|d| d.error_class == "refused_address"
            && d.reason.contains("internal.xml?token=redacted")));
}
