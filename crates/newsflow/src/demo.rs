//! `newsflow demo-feed`: a local RSS feed that publishes the project's demo articles one at a time,
//! so that a newcomer without internet access sees new articles arrive over time.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

/// One demo article.
#[derive(Debug, Clone)]
pub struct DemoArticle {
    slug: String,
    title: String,
    paragraphs: Vec<String>,
}

struct Demo {
    articles: Vec<DemoArticle>,
    started: Instant,
    interval: Duration,
    base: String,
}

impl Demo {
    /// Articles published so far: the first at once, then one per interval.
    fn visible(&self) -> &[DemoArticle] {
        let n = 1 + (self.started.elapsed().as_secs() / self.interval.as_secs().max(1)) as usize;
        &self.articles[..n.min(self.articles.len())]
    }
}

/// Load demo articles from `dir` (`*.md`, name order; first line is the headline).
pub fn load_articles(dir: &Path) -> Result<Vec<DemoArticle>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("demo feed: reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p)
            .with_context(|| format!("demo feed: reading {}", p.display()))?;
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(title) = lines.next() else { continue };
        let slug = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("article")
            .to_string();
        out.push(DemoArticle {
            slug,
            title: title.to_string(),
            paragraphs: lines.map(str::to_string).collect(),
        });
    }
    anyhow::ensure!(
        !out.is_empty(),
        "demo feed: no articles in {}",
        dir.display()
    );
    Ok(out)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Serve the demo feed on `listen` until `shutdown` fires.
pub async fn serve(
    listen: &str,
    dir: &Path,
    interval: Duration,
    shutdown: CancellationToken,
) -> Result<()> {
    let articles = load_articles(dir)?;
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("demo_feed.listen {listen:?}"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("demo feed: binding {addr}"))?;
    let base = format!("http://{}", listener.local_addr()?);
    tracing::info!(feed = %format!("{base}/feed.xml"), articles = articles.len(), interval_secs = interval.as_secs(), "demo feed serving");
    let state = Arc::new(Demo {
        articles,
        started: Instant::now(),
        interval,
        base,
    });
    let app = Router::new()
        .route("/feed.xml", get(feed))
        .route("/articles/{slug}", get(page))
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("demo feed server")?;
    Ok(())
}

async fn feed(State(demo): State<Arc<Demo>>) -> Response {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>newsflow demo feed</title><link>/</link>\
         <description>Articles written for the newsflow demo; not real reporting.</description>\n",
    );
    for a in demo.visible().iter().rev() {
        xml.push_str(&format!(
            "<item><title>{}</title><link>{}/articles/{}</link><guid isPermaLink=\"false\">demo-{}</guid></item>\n",
            escape(&a.title),
            demo.base,
            escape(&a.slug),
            escape(&a.slug)
        ));
    }
    xml.push_str("</channel></rss>\n");
    (
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

async fn page(State(demo): State<Arc<Demo>>, UrlPath(slug): UrlPath<String>) -> Response {
    let Some(a) = demo.visible().iter().find(|a| a.slug == slug) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let lang = if a.slug.contains("familias") {
        "es"
    } else {
        "en"
    };
    let body: String = a
        .paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{t} | newsflow demo</title>\
         <meta property=\"og:site_name\" content=\"newsflow demo\"></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/feed.xml\">Feed</a></nav>\
         <main><article><h1>{t}</h1>{body}</article></main>\
         <footer><p>Demo article written for the newsflow project; not real reporting.</p></footer></body></html>",
        t = escape(&a.title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_demo_articles_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
        let a = load_articles(&dir).expect("demo articles");
        assert!(a.len() >= 5);
        assert!(a.iter().all(|x| x.paragraphs.len() >= 3));
    }
}
