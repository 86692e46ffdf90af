//! The newsflow web view: a read-only view of stories and articles built from the topics, served
//! as HTML pages (working without JavaScript), a JSON API under `/api/` and server-sent events
//! for live updates. Nothing here knows about Kafka: the `newsflow` library (`newsflow::web`) feeds records into
//! [`Shared`].

pub mod pages;
pub mod view;

use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub use view::{ArticleExtras, Change, FeedRow, Limits, StoryQuery, View};

/// The Content-Security-Policy of every response: scripts and styles from this origin only,
/// no inline script, no plugins, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The OpenAPI description of the JSON API (`docs/openapi.yaml`), served at `/openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");
const STYLE: &str = include_str!("assets/style.css");
const LIVE_JS: &str = include_str!("assets/live.js");

/// The view shared by the readers that fill it and the server that shows it.
pub struct Shared {
    view: RwLock<View>,
    changes: broadcast::Sender<Change>,
    ready: std::sync::atomic::AtomicBool,
}

impl Shared {
    /// An empty view under `limits`.
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            view: RwLock::new(View::new(limits)),
            changes: broadcast::channel(1024).0,
            ready: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Mark the view rebuilt from the topics (`/readyz` answers 200 from then on).
    pub fn set_ready(&self) {
        self.ready.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the view has been rebuilt from the topics.
    pub fn is_ready(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, View> {
        self.view.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Read access to the view.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, View> {
        self.view.read().unwrap_or_else(|p| p.into_inner())
    }

    fn announce(&self, c: Option<Change>) {
        if let Some(c) = c {
            // No subscriber is not an error: nobody has a page open.
            let _ = self.changes.send(c);
        }
    }

    /// Apply a `news.enriched` record body; an unreadable one is an error for the caller to log.
    pub fn apply_article_body(&self, body: &[u8]) -> Result<(), model::DecodeError> {
        let a: model::EnrichedArticle = model::decode(body)?;
        let extras = ArticleExtras::from_body(body);
        let c = self.write().apply_article(a, extras, body.len());
        self.announce(c);
        Ok(())
    }

    /// Apply a `news.stories` record body.
    pub fn apply_story_body(&self, body: &[u8]) -> Result<(), model::DecodeError> {
        let ev: model::StoryEvent = model::decode(body)?;
        let c = self.write().apply_story_with(ev, view::claim_events(body));
        self.announce(c);
        Ok(())
    }

    /// Apply a decoded article.
    pub fn apply_article(&self, a: model::EnrichedArticle, bytes: usize) {
        let c = self
            .write()
            .apply_article(a, ArticleExtras::default(), bytes);
        self.announce(c);
    }

    /// Apply a decoded story event.
    pub fn apply_story(&self, ev: model::StoryEvent) {
        let c = self.write().apply_story(ev);
        self.announce(c);
    }

    /// Replace the feed list.
    pub fn set_feeds(&self, rows: Vec<FeedRow>) {
        let changes = self.write().set_feeds(rows);
        for c in changes {
            self.announce(Some(c));
        }
    }

    /// Update one feed.
    pub fn apply_feed(&self, row: FeedRow) {
        let c = self.write().apply_feed(row);
        self.announce(c);
    }

    /// Subscribe to changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}

#[derive(Clone)]
struct AppState {
    shared: Arc<Shared>,
    shutdown: CancellationToken,
}

/// The router: pages, API, assets. Only GET (and HEAD) routes exist: nothing writes.
pub fn router(shared: Arc<Shared>, shutdown: CancellationToken) -> Router {
    Router::new()
        .route("/", get(stories_page))
        .route("/stories/{id}", get(story_page))
        .route("/articles/{id}", get(article_page))
        .route("/feeds", get(feeds_page))
        .route(
            "/static/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route(
            "/static/live.js",
            get(|| async { asset("text/javascript; charset=utf-8", LIVE_JS) }),
        )
        .route(
            "/openapi.yaml",
            get(|| async { asset("application/yaml; charset=utf-8", OPENAPI) }),
        )
        .route("/api/stories", get(api_stories))
        .route("/api/stories/{id}", get(api_story))
        .route("/api/articles/{id}", get(api_article))
        .route("/api/feeds", get(api_feeds))
        .route("/api/stats", get(api_stats))
        .route("/api/events", get(events))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .fallback(|| async { (StatusCode::NOT_FOUND, Html(pages::not_found("page"))) })
        .layer(axum::middleware::map_response(security_headers))
        .with_state(AppState { shared, shutdown })
}

/// Serve on `listener` until `shutdown`; open event streams end with it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = router(shared, shutdown.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn query_of(q: &Option<String>) -> StoryQuery {
    StoryQuery::from_pairs(url::form_urlencoded::parse(
        q.as_deref().unwrap_or("").as_bytes(),
    ))
}

/// 200 once the view was rebuilt from the topics, 503 while it is being rebuilt.
async fn readyz(State(s): State<AppState>) -> Response {
    if s.shared.is_ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "rebuilding the view from the topics\n",
        )
            .into_response()
    }
}

async fn stories_page(State(s): State<AppState>, RawQuery(q): RawQuery) -> Html<String> {
    Html(pages::stories(&s.shared.read(), &query_of(&q)))
}

async fn story_page(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match pages::story(&s.shared.read(), &id) {
        Some(p) => Html(p).into_response(),
        None => (StatusCode::NOT_FOUND, Html(pages::not_found("story"))).into_response(),
    }
}

async fn article_page(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match pages::article(&s.shared.read(), &id) {
        Some(p) => Html(p).into_response(),
        None => (StatusCode::NOT_FOUND, Html(pages::not_found("article"))).into_response(),
    }
}

async fn feeds_page(State(s): State<AppState>) -> Html<String> {
    let rows = s.shared.read().feeds();
    Html(pages::feeds(&rows))
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(b) => (status, [(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(Serialize)]
struct ApiError {
    error: String,
}

fn not_found(what: &str, id: &str) -> Response {
    json(
        StatusCode::NOT_FOUND,
        &ApiError {
            error: format!("no {what} {id:?} in this view"),
        },
    )
}

async fn api_stories(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let page = s.shared.read().stories(&query_of(&q));
    json(StatusCode::OK, &page)
}

async fn api_story(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let d = s.shared.read().story(&id);
    match d {
        Some(d) => json(StatusCode::OK, &d),
        None => not_found("story", &id),
    }
}

async fn api_article(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let d = s.shared.read().article(&id);
    match d {
        Some(d) => json(StatusCode::OK, &d),
        None => not_found("article", &id),
    }
}

#[derive(Serialize)]
struct Feeds {
    feeds: Vec<FeedRow>,
}

async fn api_feeds(State(s): State<AppState>) -> Response {
    let feeds = s.shared.read().feeds();
    json(StatusCode::OK, &Feeds { feeds })
}

async fn api_stats(State(s): State<AppState>) -> Response {
    let st = s.shared.read().stats();
    json(StatusCode::OK, &st)
}

/// Server-sent events: one `data:` line of JSON ([`Change`]) per change; a `resync` event when
/// the subscriber fell behind (the page then reloads its content).
async fn events(State(s): State<AppState>) -> impl IntoResponse {
    let rx = s.shared.subscribe();
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(c) => Event::default().data(serde_json::to_string(&c).unwrap_or_default()),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                Event::default().event("resync").data("{}")
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(event), rx))
    })
    .take_until(s.shutdown.cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
