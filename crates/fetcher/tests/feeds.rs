//! The fetcher against local HTTP servers the tests script: conditional GET and validator trust,
//! schedule hints, politeness, robots.txt, encodings, canonical identity, autodiscovery, hot
//! reload and restart.

mod common;

use std::time::Duration;

use common::{config, feed, page, Running, DATE};
use fetcher::FeedList;
use testkit::{rss, Reply, ScriptServer};

const RSS: &str = "application/rss+xml";
const SECS: Duration = Duration::from_secs(15);

fn count(c: &fetcher::Counter) -> u64 {
    Running::count(c)
}

#[tokio::test]
async fn conditional_get_sends_validators_and_a_304_publishes_nothing() {
    let s = ScriptServer::start().await;
    s.set(
        "/feed.xml",
        Reply::ok(RSS, rss(&[("a", &s.url("/a"), "A")], DATE, ""))
            .header("etag", "\"v1\"")
            .header("last-modified", DATE),
    );
    s.set("/a", Reply::ok("text/html; charset=utf-8", page("A", "")));
    let r = Running::start(config(vec![feed("f", &s.url("/feed.xml"), 100)]));
    let reqs = s.wait_for("/feed.xml", 3, SECS).await;
    assert!(!reqs[0].headers.contains_key("if-none-match"));
    assert_eq!(
        reqs[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(
        reqs[1].headers.get("if-modified-since").map(String::as_str),
        Some(DATE)
    );
    assert_eq!(reqs[1].status, 304);
    assert_eq!(reqs[2].status, 304);
    r.sink
        .until(SECS, "two 304s in the feed state", |rec| {
            rec.feeds.iter().any(|f| f.not_modified >= 2)
        })
        .await;
    assert!(count(&r.stats.not_modified) >= 2);
    let ua = reqs[0]
        .headers
        .get("user-agent")
        .cloned()
        .unwrap_or_default();
    assert!(ua.contains("+https://example.org/contact"), "{ua}");
    let sink = r.stop().await;
    assert_eq!(sink.urls(), vec![s.url("/a")]);
    assert_eq!(s.requests_to("/a").len(), 1);
}

#[tokio::test]
async fn a_feed_that_keeps_validators_while_changing_is_distrusted_alone() {
    let s = ScriptServer::start().await;
    let liar = |items: &[(&str, &str, &str)]| {
        Reply::ok(RSS, rss(items, DATE, "")).header("etag", "\"same\"")
    };
    let a = s.url("/a");
    let b = s.url("/b");
    s.set("/liar.xml", liar(&[("a", &a, "A")]));
    s.set(
        "/honest.xml",
        Reply::ok(RSS, rss(&[], DATE, "")).header("etag", "\"h1\""),
    );
    s.set("/a", Reply::ok("text/html", page("A", "")));
    s.set("/b", Reply::ok("text/html", page("B", "")));
    let mut cfg = config(vec![
        feed("liar", &s.url("/liar.xml"), 100),
        feed("honest", &s.url("/honest.xml"), 100),
    ]);
    cfg.poll.validator_check_every = 3;
    let r = Running::start(cfg);
    s.wait_for("/liar.xml", 2, SECS).await;
    // The feed changes, the server keeps its ETag (and answers 304 to it).
    s.set("/liar.xml", liar(&[("b", &b, "B"), ("a", &a, "A")]));
    r.sink
        .until(SECS, "the entry behind stale validators", |rec| {
            rec.published.iter().any(|p| p.url == b)
        })
        .await;
    assert_eq!(count(&r.stats.validators_distrusted), 1);
    let n = s.requests_to("/liar.xml").len();
    let after = s.wait_for("/liar.xml", n + 3, SECS).await;
    assert!(
        after[n..]
            .iter()
            .all(|q| !q.headers.contains_key("if-none-match")),
        "distrusted validators were sent"
    );
    r.sink
        .until(SECS, "both feeds' state saved", |rec| {
            rec.feeds
                .iter()
                .any(|f| f.name == "honest" && f.not_modified > 0)
                && rec
                    .feeds
                    .iter()
                    .any(|f| f.name == "liar" && !f.validators_trusted)
        })
        .await;
    let sink = r.stop().await;
    let rec = sink.lock();
    let honest = rec.feeds.iter().rev().find(|f| f.name == "honest").cloned();
    assert!(honest.is_some_and(|h| h.validators_trusted));
    assert_eq!(rec.published.len(), 2);
}

#[tokio::test]
async fn cache_control_max_age_stretches_the_schedule() {
    let s = ScriptServer::start().await;
    s.set(
        "/feed.xml",
        Reply::ok(RSS, rss(&[], DATE, "")).header("cache-control", "max-age=1"),
    );
    let r = Running::start(config(vec![feed("f", &s.url("/feed.xml"), 100)]));
    let reqs = s.wait_for("/feed.xml", 3, SECS).await;
    for w in reqs.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(950), "polled after {gap:?}");
    }
    r.sink
        .until(SECS, "next poll saved", |rec| {
            rec.feeds
                .iter()
                .any(|f| f.next_poll.is_some() && f.last_success.is_some())
        })
        .await;
    r.stop().await;
}

#[tokio::test]
async fn retry_after_slows_the_whole_host_and_failures_are_recorded() {
    let s = ScriptServer::start().await;
    s.set("/busy.xml", Reply::status(429).header("retry-after", "2"));
    s.set("/other.xml", Reply::ok(RSS, rss(&[], DATE, "")));
    let r = Running::start(config(vec![
        feed("busy", &s.url("/busy.xml"), 100),
        feed("other", &s.url("/other.xml"), 100),
    ]));
    let busy = s.wait_for("/busy.xml", 1, SECS).await;
    let done = busy[0].done.unwrap_or(busy[0].at);
    let before = s.requests().iter().filter(|q| q.at > done).count();
    assert_eq!(before, 0, "a request followed the 429 at once");
    let n = s.requests_to("/other.xml").len();
    let next = s.wait_for("/other.xml", n + 1, SECS).await;
    let gap = next[n].at - done;
    assert!(
        gap >= Duration::from_millis(1900),
        "host slowed for only {gap:?}"
    );
    r.sink
        .until(SECS, "the failure in the feed state", |rec| {
            rec.feeds.iter().any(|f| {
                f.name == "busy"
                    && f.failures >= 1
                    && f.last_error.as_deref().is_some_and(|e| e.contains("429"))
            })
        })
        .await;
    assert!(count(&r.stats.throttled) >= 1);
    r.stop().await;
}

#[tokio::test]
async fn one_request_in_flight_per_host_and_a_minimum_interval() {
    let s = ScriptServer::start().await;
    for f in ["/1.xml", "/2.xml", "/3.xml"] {
        s.set(
            f,
            Reply::ok(RSS, rss(&[], DATE, "")).delay(Duration::from_millis(50)),
        );
    }
    let mut cfg = config(vec![
        feed("1", &s.url("/1.xml"), 100),
        feed("2", &s.url("/2.xml"), 100),
        feed("3", &s.url("/3.xml"), 100),
    ]);
    cfg.http.host_min_interval = Duration::from_millis(200);
    let r = Running::start(cfg);
    for f in ["/1.xml", "/2.xml", "/3.xml"] {
        s.wait_for(f, 2, SECS).await;
    }
    r.stop().await;
    assert_eq!(s.max_in_flight(), 1);
    let mut log = s.requests();
    log.sort_by_key(|q| q.at);
    for w in log.windows(2) {
        let end = w[0].done.unwrap_or(w[0].at);
        let gap = w[1].at.saturating_duration_since(end);
        assert!(gap >= Duration::from_millis(190), "requests {gap:?} apart");
    }
}

#[tokio::test]
async fn robots_txt_is_honoured_for_article_pages_with_crawl_delay() {
    let s = ScriptServer::start().await;
    s.set(
        "/robots.txt",
        Reply::ok(
            "text/plain",
            "User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n",
        ),
    );
    let (p, y, z) = (
        s.url("/private/x"),
        s.url("/articles/y"),
        s.url("/articles/z"),
    );
    s.set(
        "/feed.xml",
        Reply::ok(
            RSS,
            rss(&[("x", &p, "X"), ("y", &y, "Y"), ("z", &z, "Z")], DATE, ""),
        ),
    );
    for path in ["/private/x", "/articles/y", "/articles/z"] {
        s.set(path, Reply::ok("text/html", page(path, "")));
    }
    let r = Running::start(config(vec![feed("f", &s.url("/feed.xml"), 100)]));
    r.sink
        .until(SECS, "two pages published and one skipped", |rec| {
            rec.published.len() == 2 && rec.seen.len() == 3
        })
        .await;
    assert_eq!(count(&r.stats.robots_denied), 1);
    r.stop().await;
    assert!(s.requests_to("/private/x").is_empty());
    assert_eq!(s.requests_to("/robots.txt").len(), 1);
    let ya = s.requests_to("/articles/y")[0].at;
    let za = s.requests_to("/articles/z")[0].at;
    let gap = if za > ya { za - ya } else { ya - za };
    assert!(
        gap >= Duration::from_millis(950),
        "crawl-delay ignored: {gap:?}"
    );
}

#[tokio::test]
async fn legacy_encodings_come_out_as_utf8() {
    let s = ScriptServer::start().await;
    let (a, b) = (s.url("/declared"), s.url("/undeclared"));
    s.set(
        "/feed.xml",
        Reply::ok(RSS, rss(&[("a", &a, "A"), ("b", &b, "B")], DATE, "")),
    );
    let mut declared = b"<html><head><title>x</title></head><body><p>Caf\xe9 \x93quoted\x94 \x80 price</p></body></html>".to_vec();
    declared.extend_from_slice(b"\n");
    s.set(
        "/declared",
        Reply::ok("text/html; charset=windows-1252", declared),
    );
    let undeclared = b"<html><body><p>Le pr\xe9sident a annonc\xe9 que les n\xe9gociations \xe9taient termin\xe9es \xe0 Gen\xe8ve, a d\xe9clar\xe9 le minist\xe8re.</p></body></html>".to_vec();
    s.set("/undeclared", Reply::ok("text/html", undeclared));
    let r = Running::start(config(vec![feed("f", &s.url("/feed.xml"), 100)]));
    r.sink
        .until(SECS, "both pages", |rec| rec.published.len() == 2)
        .await;
    let sink = r.stop().await;
    let rec = sink.lock();
    let body = |u: &str| {
        rec.published
            .iter()
            .find(|p| p.url == u)
            .map(|p| p.body.clone())
            .unwrap_or_default()
    };
    assert!(body(&a).contains("Café “quoted” € price"), "{}", body(&a));
    assert!(
        body(&b).contains("président") && body(&b).contains("Genève"),
        "{}",
        body(&b)
    );
}

#[tokio::test]
async fn the_same_article_through_two_feeds_is_published_once() {
    let s = ScriptServer::start().await;
    let canonical = s.url("/articles/x");
    s.set(
        "/one.xml",
        Reply::ok(
            RSS,
            rss(
                &[("x", &format!("{canonical}?utm_source=one#top"), "X")],
                DATE,
                "",
            ),
        ),
    );
    s.set(
        "/two.xml",
        Reply::ok(RSS, rss(&[("x2", &s.url("/amp/x?ref=two"), "X")], DATE, "")),
    );
    let head = "<link rel=\"canonical\" href=\"/articles/x\">";
    s.set("/articles/x", Reply::ok("text/html", page("X", head)));
    s.set("/amp/x", Reply::ok("text/html", page("X", head)));
    let r = Running::start(config(vec![
        feed("one", &s.url("/one.xml"), 100),
        feed("two", &s.url("/two.xml"), 100),
    ]));
    let amp_id = model::article_id(&model::canonical_url(&s.url("/amp/x?ref=two")).expect("url"));
    let canon_id = model::article_id(&canonical);
    r.sink
        .until(SECS, "both links settled", |rec| {
            rec.seen.iter().any(|e| e.key == amp_id) && rec.seen.iter().any(|e| e.key == canon_id)
        })
        .await;
    s.wait_for("/one.xml", 3, SECS).await;
    s.wait_for("/two.xml", 3, SECS).await;
    let sink = r.stop().await;
    let rec = sink.lock();
    assert_eq!(
        rec.published.len(),
        1,
        "{:?}",
        rec.published.iter().map(|p| &p.url).collect::<Vec<_>>()
    );
    assert_eq!(rec.published[0].url, canonical);
    assert_eq!(rec.published[0].article_id, canon_id);
}

#[tokio::test]
async fn a_site_url_resolves_to_its_feed() {
    let s = ScriptServer::start().await;
    let (a, b) = (s.url("/a"), s.url("/b"));
    s.set(
        "/announced/",
        Reply::ok(
            "text/html",
            page(
                "Site",
                "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/news/rss.xml\">",
            ),
        ),
    );
    s.set(
        "/news/rss.xml",
        Reply::ok(RSS, rss(&[("a", &a, "A")], DATE, "")),
    );
    s.set("/plain/", Reply::ok("text/html", page("Plain site", "")));
    s.set("/rss.xml", Reply::ok(RSS, rss(&[("b", &b, "B")], DATE, "")));
    s.set("/a", Reply::ok("text/html", page("A", "")));
    s.set("/b", Reply::ok("text/html", page("B", "")));
    let r = Running::start(config(vec![
        feed("announced", &s.url("/announced/"), 100),
        feed("plain", &s.url("/plain/"), 100),
    ]));
    r.sink
        .until(SECS, "articles of both discovered feeds", |rec| {
            rec.published.len() == 2
                && rec
                    .feeds
                    .iter()
                    .any(|f| f.name == "plain" && f.resolved_url.is_some())
        })
        .await;
    assert_eq!(count(&r.stats.discovered), 2);
    let sink = r.stop().await;
    let rec = sink.lock();
    let resolved = |n: &str| {
        rec.feeds
            .iter()
            .rev()
            .find(|f| f.name == n)
            .and_then(|f| f.resolved_url.clone())
    };
    assert_eq!(resolved("announced"), Some(s.url("/news/rss.xml")));
    assert_eq!(resolved("plain"), Some(s.url("/rss.xml")));
}

#[tokio::test]
async fn hot_reload_starts_and_stops_only_changed_feeds() {
    let s = ScriptServer::start().await;
    for (f, item) in [("/a.xml", "/pa"), ("/b.xml", "/pb"), ("/c.xml", "/pc")] {
        let link = s.url(item);
        s.set(f, Reply::ok(RSS, rss(&[(item, &link, item)], DATE, "")));
        s.set(item, Reply::ok("text/html", page(item, "")));
    }
    let a = feed("a", &s.url("/a.xml"), 100);
    let r = Running::start(config(vec![a.clone(), feed("b", &s.url("/b.xml"), 100)]));
    s.wait_for("/b.xml", 2, SECS).await;
    let a_before = s.requests_to("/a.xml").len();
    r.updates.send_replace(FeedList {
        version: "v2".into(),
        feeds: vec![a.clone(), feed("c", &s.url("/c.xml"), 100)],
        refreshed: None,
    });
    r.sink
        .until(SECS, "the added feed's article", |rec| {
            rec.published.iter().any(|p| p.url.ends_with("/pc"))
        })
        .await;
    let b_after = s.requests_to("/b.xml").len();
    let a_now = s.requests_to("/a.xml").len();
    s.wait_for("/a.xml", a_now + 3, SECS).await;
    assert_eq!(
        s.requests_to("/b.xml").len(),
        b_after,
        "the removed feed is still polled"
    );
    assert!(a_now >= a_before);
    assert_eq!(count(&r.stats.config_reloads), 1);
    let sink = r.stop().await;
    let rec = sink.lock();
    let version = |suffix: &str| {
        rec.published
            .iter()
            .find(|p| p.url.ends_with(suffix))
            .map(|p| p.config_version.clone())
    };
    assert_eq!(version("/pa").as_deref(), Some("v1"));
    assert_eq!(version("/pc").as_deref(), Some("v2"));
    // The unchanged feed was not restarted: its article was published once.
    assert_eq!(
        rec.published
            .iter()
            .filter(|p| p.url.ends_with("/pa"))
            .count(),
        1
    );
}

#[tokio::test]
async fn validators_seen_entries_and_schedule_survive_a_restart() {
    let s = ScriptServer::start().await;
    let a = s.url("/a");
    s.set(
        "/feed.xml",
        Reply::ok(RSS, rss(&[("a", &a, "A")], DATE, "")).header("etag", "\"e1\""),
    );
    s.set("/a", Reply::ok("text/html", page("A", "")));
    let cfg = config(vec![feed("f", &s.url("/feed.xml"), 1500)]);
    let r = Running::start(cfg.clone());
    r.sink
        .until(SECS, "the article and the feed state", |rec| {
            !rec.published.is_empty() && rec.feeds.iter().any(|f| f.etag.is_some())
        })
        .await;
    let sink = r.stop().await;
    let last = s
        .requests_to("/feed.xml")
        .last()
        .map(|q| q.at)
        .unwrap_or_else(std::time::Instant::now);
    let stored = sink.stored();
    let r = Running::start_with(cfg, stored, sink.clone());
    let n = s.requests_to("/feed.xml").len();
    let reqs = s.wait_for("/feed.xml", n + 1, SECS).await;
    let first = &reqs[n];
    assert_eq!(
        first.headers.get("if-none-match").map(String::as_str),
        Some("\"e1\"")
    );
    assert!(
        first.at - last >= Duration::from_millis(1400),
        "schedule lost: {:?}",
        first.at - last
    );
    r.stop().await;
    assert_eq!(
        sink.lock().published.len(),
        1,
        "published again after restart"
    );
    assert_eq!(s.requests_to("/a").len(), 1);
}

#[tokio::test]
async fn an_entry_that_failed_is_retried_even_when_the_feed_is_unchanged() {
    let s = ScriptServer::start().await;
    let a = s.url("/a");
    s.set(
        "/feed.xml",
        Reply::ok(RSS, rss(&[("a", &a, "A")], DATE, "")).header("etag", "\"e1\""),
    );
    s.set("/a", Reply::status(503));
    let r = Running::start(config(vec![feed("f", &s.url("/feed.xml"), 100)]));
    s.wait_for("/a", 1, SECS).await;
    s.set("/a", Reply::ok("text/html", page("A", "")));
    r.sink
        .until(SECS, "the entry after its page recovered", |rec| {
            rec.published.iter().any(|p| p.url == a)
        })
        .await;
    let feed_reqs = s.requests_to("/feed.xml");
    assert_eq!(
        feed_reqs[1].headers.get("if-none-match"),
        None,
        "a poll with an entry left over must not be answered 304"
    );
    r.stop().await;
}
