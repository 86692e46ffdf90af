//! Per-feed allowances against local servers, with the global switches off (as shipped): a feed
//! allowed private addresses reaches its own host and port, and nothing else non-public — not
//! another loopback address, not another port, not the metadata address, not by a redirect, not
//! through another feed's pooled connection.

mod common;

use std::time::Duration;

use common::Running;
use fetcher::{AddressPolicy, FeedAccess, FeedSpec, HttpClient, HttpError};
use testkit::{Reply, ScriptServer};

const PUB: &str = "Fri, 18 Jul 2025 20:00:00 GMT";

/// HTTP options as shipped: no global switch on.
fn shipped_http() -> fetcher::HttpOptions {
    let mut o = common::http();
    o.addresses = AddressPolicy::default();
    o
}

fn allowed(name: &str, url: &str) -> FeedSpec {
    let mut f = common::feed(name, url, 200);
    f.access = FeedAccess {
        allow_private: true,
        allow_link_local: Vec::new(),
    };
    f
}

fn page(title: &str) -> Reply {
    Reply::ok(
        "text/html; charset=utf-8",
        format!("<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{title} body text.</p></article></body></html>"),
    )
}

fn refusal(err: &HttpError) -> &'static str {
    match err {
        HttpError::Refused { kind, .. } => kind.label(),
        other => panic!("not a refusal: {other}"),
    }
}

#[tokio::test]
async fn an_allowance_covers_the_feeds_own_host_and_port_only() {
    let own = ScriptServer::start().await;
    let other_ip = ScriptServer::start_on("127.0.0.2").await;
    let other_port = ScriptServer::start().await;
    own.set("/feed.xml", Reply::ok("application/rss+xml", "<rss/>"));
    own.set("/a", page("own"));
    own.set("/hop", Reply::redirect("/a"));
    own.set("/to-other-ip", Reply::redirect(&other_ip.url("/secret")));
    own.set(
        "/to-other-port",
        Reply::redirect(&other_port.url("/secret")),
    );
    own.set(
        "/to-metadata",
        Reply::redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
    );
    own.set(
        "/to-metadata-v6",
        Reply::redirect("http://[fd00:ec2::254]/"),
    );
    other_ip.set("/secret", Reply::ok("text/plain", "internal"));
    other_port.set("/secret", Reply::ok("text/plain", "internal"));

    let base = HttpClient::new(&shipped_http()).expect("client");
    let feed = base
        .for_feed(&allowed("own", &own.url("/feed.xml")))
        .expect("feed client");

    // Its own host and port: the feed, its pages, redirects among them.
    feed.get(&own.url("/feed.xml")).await.expect("feed");
    assert_eq!(
        feed.get_article(&own.url("/a")).await.expect("page").bytes,
        page("own").body
    );
    let hopped = feed
        .get(&own.url("/hop"))
        .await
        .expect("same-host redirect");
    assert_eq!(hopped.final_url, own.url("/a"));

    // Everything else non-public: refused before any connection.
    for (url, reason) in [
        (other_ip.url("/secret"), "loopback"),
        (other_port.url("/secret"), "loopback"),
        (
            other_ip.url("/secret").replace("127.0.0.2", "localhost"),
            "loopback",
        ),
        (own.url("/to-other-ip"), "loopback"),
        (own.url("/to-other-port"), "loopback"),
        (own.url("/to-metadata"), "metadata"),
        (own.url("/to-metadata-v6"), "metadata"),
        (
            "http://169.254.169.254/latest/meta-data/".into(),
            "metadata",
        ),
        ("http://2852039166/latest/meta-data/".into(), "metadata"),
        ("http://0xa9fea9fe/".into(), "metadata"),
        ("http://0251.0376.0251.0376/".into(), "metadata"),
        ("http://[::ffff:169.254.169.254]/".into(), "metadata"),
        ("http://169.254.1.1/".into(), "link_local"),
        ("http://10.255.255.1/".into(), "private"),
    ] {
        let err = feed.get(&url).await.expect_err(&url);
        assert_eq!(refusal(&err), reason, "{url}: {err}");
        assert!(!err.is_transient(), "{url}");
        // The reason names the address and what the allowance covers.
        let text = err.to_string();
        assert!(text.contains("refused: "), "{text}");
        if reason == "metadata" {
            assert!(text.contains("metadata"), "{text}");
        }
    }
    let redirect = feed
        .get(&own.url("/to-other-ip"))
        .await
        .expect_err("refused");
    assert!(
        redirect
            .to_string()
            .contains("redirect to http://127.0.0.2:")
            && redirect
                .to_string()
                .contains("only feed \"own\"'s own host"),
        "{redirect}"
    );
    assert!(
        other_ip.requests().is_empty(),
        "another address was contacted"
    );
    assert!(
        other_port.requests().is_empty(),
        "another port was contacted"
    );

    // The shared client (and any feed without an allowance) still refuses the allowed host, also
    // right after the allowed feed left a pooled connection to it.
    let before = own.requests().len();
    for c in [
        &base,
        &base
            .for_feed(&common::feed("plain", "http://example.com/feed.xml", 200))
            .expect("plain"),
    ] {
        let err = c.get(&own.url("/a")).await.expect_err("not allowed");
        assert_eq!(refusal(&err), "loopback", "{err}");
        assert!(err.to_string().contains("allow_private = true"), "{err}");
    }
    // Another feed allowed its own (other) host does not reach this one either.
    let neighbour = base
        .for_feed(&allowed("neighbour", &other_ip.url("/feed.xml")))
        .expect("neighbour");
    let err = neighbour
        .get(&own.url("/a"))
        .await
        .expect_err("not its host");
    assert_eq!(refusal(&err), "loopback", "{err}");
    assert_eq!(
        own.requests().len(),
        before,
        "a refused fetch reached the host"
    );
}

#[tokio::test]
async fn link_local_addresses_need_naming_and_stay_bound_to_the_feeds_host() {
    // Nothing here connects beyond loopback: every case is refused before a connection.
    let base = HttpClient::new(&shipped_http()).expect("client");
    let mut spec = allowed("meta", "http://169.254.169.254/feed.xml");
    // allow_private alone does not reach the metadata address.
    let err = base
        .for_feed(&spec)
        .expect("client")
        .get("http://169.254.169.254/feed.xml")
        .await
        .expect_err("metadata");
    assert_eq!(refusal(&err), "metadata", "{err}");
    assert!(err.to_string().contains("allow_link_local"), "{err}");
    // Named, it is allowed on the feed's own host and port only (see the unit tests of
    // `route`): the same address on another port, and other link-local addresses, stay refused.
    spec.access.allow_link_local = vec!["169.254.169.254".parse().expect("ip")];
    let c = base.for_feed(&spec).expect("client");
    for (url, reason) in [
        ("http://169.254.169.254:8080/", "metadata"),
        ("http://169.254.1.1/", "link_local"),
        ("http://[fd00:ec2::254]/", "metadata"),
    ] {
        let err = c.get(url).await.expect_err(url);
        assert_eq!(refusal(&err), reason, "{url}: {err}");
    }
}

#[tokio::test]
async fn refused_links_and_redirects_are_counted_and_dead_lettered_with_the_reason() {
    let own = ScriptServer::start().await;
    let other_ip = ScriptServer::start_on("127.0.0.2").await;
    let other_port = ScriptServer::start().await;
    for s in [&other_ip, &other_port] {
        s.set("/secret", page("internal"));
    }
    own.set("/articles/one", page("One"));
    own.set("/articles/two", page("Two"));
    own.set(
        "/articles/moved",
        Reply::redirect("http://169.254.169.254/latest/meta-data/"),
    );
    own.set("/articles/away", Reply::redirect(&other_ip.url("/secret")));
    let items: Vec<(String, String, String)> = [
        ("one", own.url("/articles/one")),
        ("two", own.url("/articles/two")),
        ("other-ip", other_ip.url("/secret")),
        ("other-port", other_port.url("/secret")),
        (
            "metadata",
            "http://169.254.169.254/latest/meta-data/".into(),
        ),
        ("decimal", "http://2852039166/latest/user-data".into()),
        ("mapped", "http://[::ffff:169.254.169.254]/".into()),
        ("moved", own.url("/articles/moved")),
        ("away", own.url("/articles/away")),
    ]
    .into_iter()
    .map(|(g, l)| (g.to_string(), l, format!("Item {g}")))
    .collect();
    let borrowed: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    own.set(
        "/feed.xml",
        Reply::ok("application/rss+xml", testkit::rss(&borrowed, PUB, "")),
    );
    // A second feed on the allowed host that redirects to the metadata address itself.
    own.set(
        "/moved-feed.xml",
        Reply::redirect("http://169.254.169.254/latest/meta-data/"),
    );

    let mut cfg = common::config(vec![
        allowed("own", &own.url("/feed.xml")),
        allowed("moved-feed", &own.url("/moved-feed.xml")),
    ]);
    cfg.http = shipped_http();
    let run = Running::start(cfg);
    run.sink
        .until(Duration::from_secs(20), "2 published, 8 refused", |r| {
            r.published.len() >= 2
                && r.dead
                    .iter()
                    .filter(|d| d.error_class == "refused_address")
                    .count()
                    >= 8
        })
        .await;
    let stats = run.stats.clone();
    let sink = run.stop().await;
    let r = sink.lock();
    let mut published: Vec<&str> = r.published.iter().map(|a| a.url.as_str()).collect();
    published.sort_unstable();
    assert_eq!(
        published,
        [own.url("/articles/one"), own.url("/articles/two")],
        "only the feed's own pages"
    );
    let refused: Vec<(&str, &str)> = r
        .dead
        .iter()
        .filter(|d| d.error_class == "refused_address")
        .map(|d| (d.key.as_deref().unwrap_or(""), d.reason.as_str()))
        .collect();
    assert_eq!(refused.len(), 8, "one letter each: {refused:#?}");
    let letter = |needle: &str| {
        refused
            .iter()
            .find(|(key, _)| key.contains(needle))
            .unwrap_or_else(|| panic!("no letter for {needle}: {refused:#?}"))
            .1
    };
    assert!(letter("127.0.0.2").contains("address 127.0.0.2 is loopback"));
    let port = other_port.base();
    assert!(letter(&port).contains("is loopback"), "{}", letter(&port));
    assert!(letter("/articles/moved").contains("redirect to http://169.254.169.254/"));
    assert!(letter("/articles/moved").contains("cloud metadata address"));
    assert!(letter("/articles/away").contains("redirect to http://127.0.0.2:"));
    assert!(letter("moved-feed.xml").contains("cloud metadata address"));
    for key in ["user-data", "[::ffff:a9fe:a9fe]", "latest/meta-data/"] {
        assert!(letter(key).contains("metadata"), "{key}: {}", letter(key));
    }
    let counts: std::collections::BTreeMap<_, _> = stats.refused.snapshot().into_iter().collect();
    assert_eq!(counts["loopback"], 3, "{counts:?}");
    assert!(counts["metadata"] >= 5, "{counts:?}");
    assert_eq!(
        stats.refused.total(),
        counts["loopback"] + counts["metadata"]
    );
    assert!(
        other_ip.requests().is_empty(),
        "another address was contacted"
    );
    assert!(
        other_port.requests().is_empty(),
        "another port was contacted"
    );
}

#[tokio::test]
async fn an_allowance_added_to_the_feed_list_applies_without_a_restart() {
    let own = ScriptServer::start().await;
    own.set("/articles/one", page("One"));
    let link = own.url("/articles/one");
    own.set(
        "/feed.xml",
        Reply::ok(
            "application/rss+xml",
            testkit::rss(&[("one", link.as_str(), "One")], PUB, ""),
        ),
    );
    let plain = common::feed("internal", &own.url("/feed.xml"), 200);
    let mut cfg = common::config(vec![plain.clone()]);
    cfg.http = shipped_http();
    let run = Running::start(cfg);
    // Without the allowance the feed is refused (counted, one dead letter for the reason).
    run.sink
        .until(Duration::from_secs(10), "the feed refused", |r| {
            r.dead.iter().any(|d| d.error_class == "refused_address")
        })
        .await;
    assert!(own.requests().is_empty(), "the refused host was contacted");
    assert!(Running::count(&run.stats.polls) >= 1);
    // The edited list allows it: the feed restarts with its own client and gets through.
    run.updates.send_replace(fetcher::FeedList {
        version: "v2".into(),
        feeds: vec![allowed("internal", &own.url("/feed.xml"))],
        refreshed: None,
    });
    run.sink
        .until(Duration::from_secs(10), "the page published", |r| {
            r.published.iter().any(|a| a.url == link)
        })
        .await;
    let sink = run.stop().await;
    let letters = sink
        .lock()
        .dead
        .iter()
        .filter(|d| d.error_class == "refused_address")
        .count();
    assert_eq!(
        letters, 1,
        "one letter per distinct refusal, not one per poll"
    );
}
