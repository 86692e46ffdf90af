//! Test harness: a real Kafka-protocol broker (Tansu) on loopback, a local HTTP server that serves
//! an RSS feed and its article pages, and helpers that read topics as oracles.

pub mod fuzz;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub mod procfs;

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

/// One scripted answer of a [`ScriptServer`] route.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: std::time::Duration,
    /// Answer 304 when the request's `If-None-Match` / `If-Modified-Since` match this reply's
    /// `ETag` / `Last-Modified` (the default).
    pub conditional: bool,
    /// Send the body in 8 KB chunks without a `Content-Length`.
    pub chunked: bool,
    /// Answer 401 unless the request carries this header with this value (e.g. basic auth).
    pub require: Option<(String, String)>,
}

impl Reply {
    /// 200 with a content type and body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: std::time::Duration::ZERO,
            conditional: true,
            chunked: false,
            require: None,
        }
    }

    /// A bare status.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: std::time::Duration::ZERO,
            conditional: true,
            chunked: false,
            require: None,
        }
    }

    /// A redirect to `location`.
    pub fn redirect(location: &str) -> Reply {
        Reply::status(302).header("location", location)
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Answer 401 (with a basic-auth challenge) unless the request has header `name: value`.
    pub fn require(mut self, name: &str, value: &str) -> Reply {
        self.require = Some((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Send the body chunked, without a `Content-Length`.
    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }

    /// Answer after `delay`.
    pub fn delay(mut self, delay: std::time::Duration) -> Reply {
        self.delay = delay;
        self
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request a [`ScriptServer`] received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query.
    pub path: String,
    /// Request headers, names lower-case.
    pub headers: HashMap<String, String>,
    /// When it arrived.
    pub at: std::time::Instant,
    /// When the answer was sent.
    pub done: Option<std::time::Instant>,
    /// Status answered.
    pub status: u16,
}

#[derive(Default)]
struct ScriptInner {
    routes: HashMap<String, Reply>,
    log: Vec<Seen>,
    in_flight: u32,
    max_in_flight: u32,
}

/// A local HTTP server whose answers the test scripts per path (status, headers, body, delay),
/// with a log of the requests and the headers they carried.
#[derive(Clone)]
pub struct ScriptServer {
    inner: Arc<Mutex<ScriptInner>>,
    notify: Arc<tokio::sync::Notify>,
    addr: std::net::SocketAddr,
}

impl ScriptServer {
    /// Start on 127.0.0.1 on a free port.
    pub async fn start() -> ScriptServer {
        Self::start_on("127.0.0.1").await
    }

    /// Start on `ip` (any 127.x.y.z address works on Linux) on a free port.
    pub async fn start_on(ip: &str) -> ScriptServer {
        let inner = Arc::new(Mutex::new(ScriptInner::default()));
        let notify = Arc::new(tokio::sync::Notify::new());
        let state = (inner.clone(), notify.clone());
        let app = Router::new().fallback(scripted).with_state(state);
        let listener = tokio::net::TcpListener::bind((ip, 0))
            .await
            .unwrap_or_else(|e| panic!("bind {ip}:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local addr: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ScriptServer {
            inner,
            notify,
            addr,
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:4321`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// Script the answer for `path` (with its query, or without to match any query).
    pub fn set(&self, path: &str, reply: Reply) {
        self.lock().routes.insert(path.to_string(), reply);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().log.clone()
    }

    /// Requests for `path` (exact path and query) so far.
    pub fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.lock()
            .log
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Most requests in flight at once.
    pub fn max_in_flight(&self) -> u32 {
        self.lock().max_in_flight
    }

    /// Wait until `path` was requested at least `n` times (and answered); panics after `deadline`.
    pub async fn wait_for(&self, path: &str, n: usize, deadline: std::time::Duration) -> Vec<Seen> {
        let end = tokio::time::Instant::now() + deadline;
        loop {
            let notified = self.notify.notified();
            let got: Vec<Seen> = self
                .requests_to(path)
                .into_iter()
                .filter(|r| r.done.is_some())
                .collect();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(end, notified).await.is_err() {
                panic!(
                    "timed out after {deadline:?} waiting for {n} requests to {path}; log: {:?}",
                    self.requests()
                        .iter()
                        .map(|r| (r.path.clone(), r.status))
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScriptInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type ScriptState = (Arc<Mutex<ScriptInner>>, Arc<tokio::sync::Notify>);

async fn scripted(
    State((inner, notify)): State<ScriptState>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let headers: HashMap<String, String> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let (reply, index) = {
        let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
        let reply = g
            .routes
            .get(&path)
            .or_else(|| g.routes.get(uri.path()))
            .cloned()
            .unwrap_or_else(|| Reply::status(404));
        let reply = match &reply.require {
            Some((name, value)) if headers.get(name) != Some(value) => {
                Reply::status(401).header("www-authenticate", "Basic realm=\"feeds\"")
            }
            _ => reply,
        };
        let not_modified = reply.conditional
            && reply.status == 200
            && ((reply.get("etag").is_some()
                && headers.get("if-none-match").map(String::as_str) == reply.get("etag"))
                || (reply.get("last-modified").is_some()
                    && headers.get("if-modified-since").map(String::as_str)
                        == reply.get("last-modified")));
        let reply = if not_modified {
            let mut r = Reply::status(304);
            r.headers = reply
                .headers
                .iter()
                .filter(|(k, _)| k != "content-type")
                .cloned()
                .collect();
            r.delay = reply.delay;
            r
        } else {
            reply
        };
        g.in_flight += 1;
        g.max_in_flight = g.max_in_flight.max(g.in_flight);
        g.log.push(Seen {
            path: path.clone(),
            headers,
            at: std::time::Instant::now(),
            done: None,
            status: reply.status,
        });
        (reply, g.log.len() - 1)
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    {
        let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
        g.in_flight -= 1;
        if let Some(s) = g.log.get_mut(index) {
            s.done = Some(std::time::Instant::now());
        }
    }
    notify.notify_waiters();
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (k, v) in &reply.headers {
        resp = resp.header(k.as_str(), v.as_str());
    }
    let body = if reply.chunked {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            reply.body.chunks(8192).map(|c| Ok(c.to_vec())).collect();
        axum::body::Body::from_stream(futures::stream::iter(chunks))
    } else {
        axum::body::Body::from(reply.body)
    };
    resp.body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// An RSS 2.0 document with `(guid, link, title)` items, all published at `pub_date`.
pub fn rss(items: &[(&str, &str, &str)], pub_date: &str, channel_extra: &str) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel><title>t</title><link>/</link><description>d</description>{channel_extra}\n"
    );
    for (guid, link, title) in items {
        xml.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid><pubDate>{pub_date}</pubDate></item>\n",
            escape(title),
            escape(link),
            escape(guid)
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}
