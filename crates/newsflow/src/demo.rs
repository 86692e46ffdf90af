//! `newsflow demo-feed`: a local RSS feed that publishes the project's demo articles one at a time,
//! so that a newcomer without internet access sees new articles arrive over time.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

/// One demo article.
#[derive(Debug, Clone)]
pub struct DemoArticle {
    /// The last segment of its link (`/articles/{slug}`): the file name without the language tag.
    pub slug: String,
    lang: String,
    title: String,
    paragraphs: Vec<String>,
}

struct Demo {
    articles: Vec<DemoArticle>,
    started: Instant,
    interval: Duration,
    /// Configured base URL of the links (no trailing `/`); empty: from each request.
    public_url: String,
    /// The bound address, for requests without a usable `Host` header.
    local: SocketAddr,
}

impl Demo {
    /// Articles published so far: the first at once, then one per interval.
    fn visible(&self) -> &[DemoArticle] {
        let n = 1 + (self.started.elapsed().as_secs() / self.interval.as_secs().max(1)) as usize;
        &self.articles[..n.min(self.articles.len())]
    }

    /// Base URL of the article links for a request carrying `host`: the configured public URL,
    /// else the address the client used, else the bound one (an unspecified bind address such as
    /// `0.0.0.0` is no address to fetch from, and fetchers rightly refuse it).
    fn base(&self, host: Option<&str>) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.clone();
        }
        if let Some(h) = host.filter(|h| is_authority(h)) {
            return format!("http://{h}");
        }
        let mut addr = self.local;
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        format!("http://{addr}")
    }
}

/// Whether a `Host` header value is a plain `host[:port]` (anything else is not echoed into links).
fn is_authority(h: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    !h.is_empty()
        && h.chars().all(allowed)
        && url::Url::parse(&format!("http://{h}/")).is_ok_and(|u| u.host().is_some())
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
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("article");
        // `name.es.md`: a language tag before the extension, not part of the link.
        let (slug, lang) = match stem.rsplit_once('.') {
            Some((slug, lang)) if is_language_tag(lang) => (slug, lang),
            _ => (stem, "en"),
        };
        out.push(DemoArticle {
            slug: slug.to_string(),
            lang: lang.to_string(),
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

/// A BCP 47 primary language subtag (`es`, `pt`, `haw`), possibly with a region (`pt-BR`).
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Serve the demo feed `cfg.demo_feed` describes until `shutdown`.
pub async fn serve_config(cfg: &crate::config::Config, shutdown: CancellationToken) -> Result<()> {
    let d = &cfg.demo_feed;
    serve(
        &d.listen,
        &cfg.data_path(&d.dir),
        d.interval_secs.get(),
        &d.public_url,
        shutdown,
    )
    .await
}

/// Serve the demo feed on `listen` until `shutdown` fires; article links start with `public_url`
/// when it is set, else with the address each request was sent to.
pub async fn serve(
    listen: &str,
    dir: &Path,
    interval: Duration,
    public_url: &str,
    shutdown: CancellationToken,
) -> Result<()> {
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("demo_feed.listen {listen:?}"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("demo feed: binding {addr}"))?;
    serve_on(listener, dir, interval, public_url, shutdown).await
}

/// Serve the demo feed on a bound listener until `shutdown` fires.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    dir: &Path,
    interval: Duration,
    public_url: &str,
    shutdown: CancellationToken,
) -> Result<()> {
    let articles = load_articles(dir)?;
    let public_url = public_url.trim_end_matches('/').to_string();
    if !public_url.is_empty() {
        url::Url::parse(&public_url)
            .with_context(|| format!("demo_feed.public_url {public_url:?}"))?;
    }
    let local = listener.local_addr()?;
    tracing::info!(listen = %local, public_url = %public_url, articles = articles.len(), interval_secs = interval.as_secs(), "demo feed serving /feed.xml");
    let state = Arc::new(Demo {
        articles,
        started: Instant::now(),
        interval,
        public_url,
        local,
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

async fn feed(State(demo): State<Arc<Demo>>, headers: HeaderMap) -> Response {
    let base = demo.base(headers.get(header::HOST).and_then(|h| h.to_str().ok()));
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>newsflow demo feed</title><link>/</link>\
         <description>Articles written for the newsflow demo; not real reporting.</description>\n",
    );
    for a in demo.visible().iter().rev() {
        xml.push_str(&format!(
            "<item><title>{}</title><link>{}/articles/{}</link><guid isPermaLink=\"false\">demo-{}</guid></item>\n",
            escape(&a.title),
            escape(&base),
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
    let lang = escape(&a.lang);
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

    fn demo_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo")
    }

    #[test]
    fn shipped_demo_articles_load() {
        let a = load_articles(&demo_dir()).expect("demo articles");
        assert!(a.len() >= 5);
        assert!(a.iter().all(|x| x.paragraphs.len() >= 3));
        // The language tag in a file name sets the page language and stays out of the link.
        let es: Vec<_> = a.iter().filter(|x| x.lang == "es").collect();
        assert_eq!(es.len(), 1, "one Spanish demo article");
        assert!(!es[0].slug.ends_with(".es"));
        assert!(a.iter().all(|x| !x.slug.contains('.')));
    }

    #[test]
    fn host_headers_are_echoed_only_when_plain() {
        for ok in [
            "demo-feed:8089",
            "127.0.0.1:8089",
            "[::1]:80",
            "news.example",
        ] {
            assert!(is_authority(ok), "{ok}");
        }
        for bad in ["a/b", "a b", "user@host", "host:99999", "x\"y", "a?b", ""] {
            assert!(!is_authority(bad), "{bad}");
        }
    }

    /// A feed bound to `0.0.0.0` (as in a container) and what it lists for its links.
    async fn links(public_url: &str, host: Option<&str>) -> (Vec<String>, u16) {
        let listener = tokio::net::TcpListener::bind("0.0.0.0:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = CancellationToken::new();
        let (public_url, s) = (public_url.to_string(), stop.clone());
        let server = tokio::spawn(async move {
            serve_on(
                listener,
                &demo_dir(),
                Duration::from_secs(3600),
                &public_url,
                s,
            )
            .await
        });
        let client = reqwest::Client::new();
        let mut req = client.get(format!("http://127.0.0.1:{port}/feed.xml"));
        if let Some(h) = host {
            req = req.header(header::HOST, h);
        }
        let xml = req.send().await.expect("feed").text().await.expect("body");
        let links: Vec<String> = xml
            .split("<link>")
            .skip(2) // the channel's own link
            .filter_map(|x| x.split("</link>").next().map(str::to_string))
            .collect();
        assert_eq!(links.len(), 1, "one article published so far: {xml}");
        // The listed page is served at the listed path.
        let path = links[0].split("/articles/").nth(1).expect("article path");
        let page = client
            .get(format!("http://127.0.0.1:{port}/articles/{path}"))
            .send()
            .await
            .expect("page");
        assert!(page.status().is_success());
        stop.cancel();
        server.await.expect("join").expect("server");
        (links, port)
    }

    #[tokio::test]
    async fn links_use_the_address_the_reader_used_not_the_bind_address() {
        let (l, port) = links("", None).await;
        assert!(
            l[0].starts_with(&format!("http://127.0.0.1:{port}/articles/")),
            "{l:?}"
        );
        // As fetched by another container: `http://demo-feed:8089/feed.xml`.
        let (l, _) = links("", Some("demo-feed:8089")).await;
        assert!(l[0].starts_with("http://demo-feed:8089/articles/"), "{l:?}");
        // A Host header that is not a plain authority falls back to the bound port on loopback.
        let (l, port) = links("", Some("evil/<x>")).await;
        assert!(
            l[0].starts_with(&format!("http://127.0.0.1:{port}/articles/")),
            "{l:?}"
        );
        let (l, _) = links("https://news.example/demo/", Some("demo-feed:8089")).await;
        assert!(
            l[0].starts_with("https://news.example/demo/articles/"),
            "{l:?}"
        );
        assert!(l.iter().all(|x| !x.contains("0.0.0.0")));
    }
}
