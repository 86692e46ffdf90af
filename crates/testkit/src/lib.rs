//! Test harness: a real Kafka-protocol broker (Tansu) on loopback, a local HTTP server that serves
//! an RSS feed and its article pages, and helpers that read topics as oracles.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use bus::LocalBroker;

/// Start a fresh local broker; panics with the reason when Tansu is not installed.
pub async fn broker() -> LocalBroker {
    match LocalBroker::start(&bus::tansu_path()).await {
        Ok(b) => b,
        Err(e) => panic!("cannot start the local broker: {e}"),
    }
}

/// A unique name for topics and groups, so tests can run in parallel against one broker.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// One article the feed server publishes.
#[derive(Debug, Clone)]
pub struct Item {
    /// URL path slug: the page is served at `/articles/{slug}`.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Body paragraphs.
    pub paragraphs: Vec<String>,
}

#[derive(Default)]
struct Inner {
    items: Vec<Item>,
    hits: HashMap<String, u32>,
}

/// A local HTTP server with an RSS feed at `/feed.xml` and article pages at `/articles/{slug}`.
#[derive(Clone)]
pub struct FeedServer {
    inner: Arc<Mutex<Inner>>,
    addr: std::net::SocketAddr,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl FeedServer {
    /// Start serving on 127.0.0.1 on a free port.
    pub async fn start(items: Vec<Item>) -> FeedServer {
        let inner = Arc::new(Mutex::new(Inner {
            items,
            hits: HashMap::new(),
        }));
        let app = Router::new()
            .route("/feed.xml", get(feed))
            .route("/articles/{slug}", get(page))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local addr: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FeedServer { inner, addr }
    }

    /// Base URL, e.g. `http://127.0.0.1:4321`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The feed URL.
    pub fn feed_url(&self) -> String {
        format!("{}/feed.xml", self.base())
    }

    /// The page URL of `slug`.
    pub fn page_url(&self, slug: &str) -> String {
        format!("{}/articles/{slug}", self.base())
    }

    /// Add an item to the top of the feed.
    pub fn add(&self, item: Item) {
        self.lock().items.insert(0, item);
    }

    /// How often the page of `slug` was fetched.
    pub fn hits(&self, slug: &str) -> u32 {
        self.lock().hits.get(slug).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn feed(State(inner): State<Arc<Mutex<Inner>>>) -> Response {
    let items = inner
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .items
        .clone();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Test feed</title><link>/</link><description>test</description>\n",
    );
    for it in items {
        xml.push_str(&format!(
            "<item><title>{}</title><link>/articles/{}?utm_source=rss</link><guid isPermaLink=\"false\">{}</guid><pubDate>Fri, 18 Jul 2025 20:00:00 GMT</pubDate></item>\n",
            escape(&it.title),
            escape(&it.slug),
            escape(&it.slug)
        ));
    }
    xml.push_str("</channel></rss>\n");
    (
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

async fn page(State(inner): State<Arc<Mutex<Inner>>>, Path(slug): Path<String>) -> Response {
    let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
    *g.hits.entry(slug.clone()).or_insert(0) += 1;
    let Some(it) = g.items.iter().find(|i| i.slug == slug).cloned() else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    drop(g);
    let body: String = it
        .paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} | Test News</title></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{t}</h1>{body}</article>\
         <footer><p>Copyright Test News, all rights reserved, do not copy this page.</p></footer></body></html>",
        t = escape(&it.title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// A plausible article of `n` sentences about `topic`, for feeds in tests.
pub fn item(slug: &str, title: &str, topic: &str) -> Item {
    let paragraphs = (0..4)
        .map(|i| {
            format!(
                "Paragraph {i} of the report on {topic}: officials in the region said on Tuesday that \
                 the talks had moved forward, and observers expect further announcements in the \
                 coming days as both sides review the terms of the agreement."
            )
        })
        .collect();
    Item {
        slug: slug.to_string(),
        title: title.to_string(),
        paragraphs,
    }
}
