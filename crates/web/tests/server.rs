//! The web server over real HTTP on 127.0.0.1: pages, API against the OpenAPI document, security
//! headers, no writing methods, and live updates over server-sent events.

#[path = "support/openapi.rs"]
mod openapi;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use web::{Limits, Shared};

const EVIL: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">x</a>";

fn article(id: &str, story: &str, title: &str, published: Option<&str>) -> Value {
    let text = format!("{title}\n\nBaukele met Rubio. Nearly 250 Venezuelans flew home.");
    let start = text.find("Baukele").unwrap_or(0);
    let mut a = json!({
        "schema": "newsflow.enriched/1",
        "article_id": id,
        "revision": 1,
        "content_hash": format!("h-{id}"),
        "url": format!("https://news.example/{id}"),
        "source": {"kind": "feed", "name": "example"},
        "title": title,
        "text": text,
        "language": {"code": "en", "confidence": 0.9},
        "entities": [{"id": "person/nayib-bukele", "name": "Nayib Bukele", "kind": "person",
                      "mentions": [{"start": start, "end": start + 7, "surface": "Baukele"}]}],
        "outcome": "ok",
        "repairs": [{"kind": "doubled_word", "before": "warmly warmly", "after": "warmly"}],
        "fetched_at": "2025-07-19T10:00:00Z",
        "enriched_at": "2025-07-19T10:00:01Z",
        "story_id": story,
        "published_from": {"source": "text", "confidence": 0.6},
        "relevance": [{"tracked": "exchange", "score": 0.9, "relevant": true}],
    });
    if let Some(p) = published {
        a["published"] = json!(p);
    }
    a
}

fn story(id: &str, version: u32, ids: &[&str]) -> Value {
    json!({
        "schema": "newsflow.story/1",
        "story_id": id,
        "change": if version == 1 { "created" } else { "updated" },
        "version": version,
        "title": "Prisoner exchange",
        "article_id": ids.last().copied().unwrap_or(""),
        "article_ids": ids,
        "article_count": ids.len(),
        "sources": ["example"],
        "top_entities": [{"id": "person/nayib-bukele", "name": "Nayib Bukele", "articles": ids.len()}],
        "claims": [{"kind": "count", "subject": "venezuelans", "event": "freed", "agree": false, "values": [
            {"value": 252.0, "article_ids": ["a1"], "sources": ["example"]},
            {"value": 250.0, "hedges": ["nearly"], "article_ids": ["a2"], "sources": ["other"]}]}],
        "related": ["story-other"],
        "first_seen": "2025-07-18T10:00:00Z",
        "last_seen": "2025-07-19T10:00:00Z",
    })
}

fn body(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

async fn start(
    shared: Arc<Shared>,
) -> (
    String,
    CancellationToken,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = CancellationToken::new();
    let task = tokio::spawn(web::serve(listener, shared, stop.clone()));
    (format!("http://{addr}"), stop, task)
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let r = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().await.unwrap_or_default(), headers)
}

#[tokio::test]
async fn pages_and_api_answer_over_http_and_match_the_openapi_document() {
    let shared = Shared::new(Limits::default());
    shared
        .apply_story_body(&body(&story("s1", 1, &["a1", "a2"])))
        .expect("story");
    shared
        .apply_article_body(&body(&article(
            "a1",
            "s1",
            "Swap agreed",
            Some("2025-07-18T12:00:00Z"),
        )))
        .expect("a1");
    shared
        .apply_article_body(&body(&article("a2", "s1", "Undated report", None)))
        .expect("a2");
    let mut evil = article("a3", "s1", EVIL, None);
    evil["url"] = json!("javascript:alert(4)");
    evil["source"]["name"] = json!(EVIL);
    shared.apply_article_body(&body(&evil)).expect("evil");
    shared.set_feeds(vec![web::FeedRow {
        name: "demo".into(),
        url: "http://127.0.0.1:8089/feed.xml".into(),
        removed: false,
        last_success: None,
        last_error_at: None,
        next_poll: None,
        items: 3,
        failures: 0,
        validators: "none".into(),
        last_error: None,
    }]);
    let (base, stop, task) = start(shared.clone()).await;
    let client = reqwest::Client::new();
    let api = openapi::Api::load();

    assert_eq!(get(&client, &format!("{base}/healthz")).await.0, 200);
    assert_eq!(
        get(&client, &format!("{base}/readyz")).await.0,
        503,
        "not rebuilt yet"
    );
    shared.set_ready();
    assert_eq!(get(&client, &format!("{base}/readyz")).await.0, 200);

    let (status, html, headers) = get(&client, &format!("{base}/")).await;
    assert_eq!(status, 200);
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(
        headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert!(html.contains("Prisoner exchange") && html.contains("/stories/s1"));

    let (status, html, _) = get(&client, &format!("{base}/stories/s1")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Swap agreed") && html.contains(">undated<"));
    assert!(
        html.contains("agree (within hedges)"),
        "nearly 250 agrees with 252"
    );
    assert!(
        !html.contains("<img") && !html.contains("<script>alert"),
        "{html}"
    );

    let (status, html, _) = get(&client, &format!("{base}/articles/a1")).await;
    assert_eq!(status, 200);
    assert!(html.contains("title=\"Nayib Bukele (person)\">Baukele<span class=\"canon\"> → Nayib Bukele</span></mark>"), "{html}");
    assert!(html.contains("<del>warmly warmly</del>") && html.contains("<ins>warmly</ins>"));
    assert!(html.contains("from text, confidence 0.60"));
    assert!(html.contains("href=\"https://news.example/a1\""));
    let (_, html, _) = get(&client, &format!("{base}/articles/a3")).await;
    assert!(
        !html.contains("href=\"javascript")
            && !html.contains("<img")
            && !html.contains("<script>alert")
    );

    let (status, html, _) = get(&client, &format!("{base}/feeds")).await;
    assert_eq!(status, 200);
    assert!(html.contains("demo"));

    let (_, js, headers) = get(&client, &format!("{base}/static/live.js")).await;
    assert!(js.contains("EventSource"));
    assert!(headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .starts_with("text/javascript"));
    assert_eq!(get(&client, &format!("{base}/nope")).await.0, 404);
    assert_eq!(get(&client, &format!("{base}/stories/nope")).await.0, 404);

    // The API, each answer checked against the OpenAPI document.
    for (url, path, status) in [
        ("/api/stories", "/api/stories", 200),
        ("/api/stories?q=exchange&entity=bukele&lang=en&source=example&tracked=exchange&page=1&per_page=5", "/api/stories", 200),
        ("/api/stories/s1", "/api/stories/{id}", 200),
        ("/api/stories/none", "/api/stories/{id}", 404),
        ("/api/articles/a1", "/api/articles/{id}", 200),
        ("/api/articles/a2", "/api/articles/{id}", 200),
        ("/api/articles/none", "/api/articles/{id}", 404),
        ("/api/feeds", "/api/feeds", 200),
        ("/api/stats", "/api/stats", 200),
    ] {
        let (got, text, _) = get(&client, &format!("{base}{url}")).await;
        assert_eq!(got, status, "{url}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"));
        api.check(path, status, &v);
    }
    let (_, text, _) = get(&client, &format!("{base}/api/stories?lang=de")).await;
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["total"], 0);
    let (_, text, _) = get(&client, &format!("{base}/api/stories/s1")).await;
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["claims"][0]["agree"], true);
    assert_eq!(
        v["claims"][0]["event"], "freed",
        "a field newer producers add is shown"
    );
    assert_eq!(v["articles"][0]["article_id"], "a1", "dated articles first");
    assert_eq!(v["articles"][1]["dated"], false);

    // The check can fail: a story without its fields does not pass.
    let bad = json!({"total": 1, "page": 1, "per_page": 50, "stories": [{"story_id": "x"}]});
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        api.check("/api/stories", 200, &bad)
    }));
    assert!(caught.is_err(), "an incomplete story passed the schema");

    // Every documented path is served.
    for p in api.paths() {
        let url = format!("{base}{}", p.replace("{id}", "s1"));
        if p == "/api/events" {
            continue;
        }
        let (got, _, _) = get(&client, &url).await;
        assert!(
            got == 200 || (p == "/api/articles/{id}" && got == 404),
            "{p}: {got}"
        );
    }

    // Nothing writes: no method but GET/HEAD is routed.
    for path in [
        "/",
        "/api/stories",
        "/api/stories/s1",
        "/api/articles/a1",
        "/api/feeds",
    ] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
        ] {
            let r = client
                .request(method.clone(), format!("{base}{path}"))
                .body("x")
                .send()
                .await
                .expect("send");
            assert_eq!(r.status().as_u16(), 405, "{method} {path}");
        }
    }
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("server stops")
        .expect("join")
        .expect("serve");
}

#[tokio::test]
async fn changes_arrive_as_server_sent_events_and_streams_end_on_shutdown() {
    let shared = Shared::new(Limits::default());
    let (base, stop, task) = start(shared.clone()).await;
    let client = reqwest::Client::new();
    let mut resp = client
        .get(format!("{base}/api/events"))
        .send()
        .await
        .expect("events");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .starts_with("text/event-stream"));
    // The subscription exists once the response head is sent; apply changes now.
    shared
        .apply_story_body(&body(&story("s1", 1, &["a1"])))
        .expect("story");
    shared
        .apply_article_body(&body(&article("a1", "s1", "Swap agreed", None)))
        .expect("a1");
    let mut seen = String::new();
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        while !(seen.contains("\"kind\":\"story\"") && seen.contains("\"kind\":\"article\"")) {
            match resp.chunk().await.expect("chunk") {
                Some(c) => seen.push_str(&String::from_utf8_lossy(&c)),
                None => break,
            }
        }
    })
    .await;
    assert!(got.is_ok(), "events: {seen}");
    for line in seen.lines().filter_map(|l| l.strip_prefix("data: ")) {
        let v: Value = serde_json::from_str(line).expect("event json");
        assert!(v["kind"] == "story" || v["kind"] == "article");
        assert_eq!(v["story_id"], "s1");
    }
    stop.cancel();
    // The open stream ends with the server.
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = resp.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "event stream did not end on shutdown");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("server stops")
        .expect("join")
        .expect("serve");
}
