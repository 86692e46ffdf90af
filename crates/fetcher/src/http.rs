//! HTTP with reqwest: a clear User-Agent, timeouts, a redirect limit, compressed transfer, a body
//! size cap enforced while streaming, and bytes decoded to UTF-8 from the declared charset.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;

use crate::politeness::{host_key, HostGate, Permit};
use crate::robots::{self, RobotsCache};
use crate::safety::{self, AddressPolicy, GuardedResolver};

/// HTTP behaviour from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// `User-Agent` header, with a contact URL.
    pub user_agent: String,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response.
    pub read_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Bodies larger than this are refused (the transfer is aborted).
    pub max_body_bytes: usize,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Which non-public addresses may be fetched.
    pub addresses: AddressPolicy,
    /// Minimum time between two requests to one host.
    pub host_min_interval: Duration,
    /// Honour robots.txt for article pages.
    pub robots: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            user_agent: concat!("newsflow/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(20),
            timeout: Duration::from_secs(30),
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            addresses: AddressPolicy::default(),
            host_min_interval: Duration::from_secs(1),
            robots: true,
        }
    }
}

/// A failed fetch, with the URL.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The client could not be built.
    #[error("http client: {0}")]
    Client(String),
    /// Network trouble, a timeout or a server error: worth retrying later.
    #[error("fetching {url}: {reason}")]
    Transient {
        /// URL.
        url: String,
        /// Why.
        reason: String,
        /// How long the server asked us to wait (429/503 `Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The server answered with something we cannot use: not worth retrying as is.
    #[error("fetching {url}: {reason}")]
    Permanent {
        /// URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server answered with a client error status (other than 408 and 429): not retried as is.
    #[error("fetching {url}: http status {status}")]
    Status {
        /// URL.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// The address policy refused the URL, a redirect target or the resolved address.
    #[error("fetching {url}: {reason}")]
    Refused {
        /// URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// robots.txt does not allow the page.
    #[error("fetching {url}: disallowed by robots.txt")]
    RobotsDisallowed {
        /// URL.
        url: String,
    },
}

impl HttpError {
    /// True when a retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, HttpError::Transient { .. })
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Validators sent with a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag` of the last full answer.
    pub etag: Option<String>,
    /// `Last-Modified` of the last full answer.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// Caching and scheduling hints from the response headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseMeta {
    /// `ETag` / `Last-Modified`.
    pub validators: Validators,
    /// `Cache-Control: max-age` (or `s-maxage`).
    pub max_age: Option<Duration>,
    /// `Expires`, as a delay from the response's `Date` (or now).
    pub expires_in: Option<Duration>,
    /// `Retry-After`.
    pub retry_after: Option<Duration>,
}

/// Read the hints from response headers; `now` is used when the server sent no `Date`.
pub fn response_meta(headers: &reqwest::header::HeaderMap, now: DateTime<Utc>) -> ResponseMeta {
    let get = |name: reqwest::header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    use reqwest::header as h;
    let date = get(h::DATE)
        .and_then(|d| parse_http_date(&d))
        .unwrap_or(now);
    let max_age = get(h::CACHE_CONTROL).and_then(|cc| {
        let mut best = None;
        for part in cc.split(',') {
            let part = part.trim().to_ascii_lowercase();
            if part == "no-cache" || part == "no-store" {
                return Some(Duration::ZERO);
            }
            if let Some(v) = part
                .strip_prefix("s-maxage=")
                .or_else(|| part.strip_prefix("max-age="))
            {
                if let Ok(n) = v.trim_matches('"').parse::<u64>() {
                    best = Some(Duration::from_secs(n));
                }
            }
        }
        best
    });
    let expires_in = get(h::EXPIRES)
        .and_then(|e| parse_http_date(&e))
        .map(|e| (e - date).to_std().unwrap_or(Duration::ZERO));
    let retry_after = get(h::RETRY_AFTER).and_then(|r| match r.parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => parse_http_date(&r).map(|t| (t - date).to_std().unwrap_or(Duration::ZERO)),
    });
    ResponseMeta {
        validators: Validators {
            etag: get(h::ETAG),
            last_modified: get(h::LAST_MODIFIED),
        },
        max_age,
        expires_in,
        retry_after,
    }
}

/// Parse an HTTP date (RFC 9110 IMF-fixdate; RFC 2822 forms accepted).
pub fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A fetched document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// URL after redirects.
    pub final_url: String,
    /// HTTP status.
    pub status: u16,
    /// Media type without parameters, lower-case.
    pub media_type: String,
    /// Raw bytes.
    pub bytes: Vec<u8>,
    /// Charset named by the Content-Type header, if any.
    pub charset: Option<String>,
    /// Caching hints.
    pub meta: ResponseMeta,
}

impl Page {
    /// The body decoded to UTF-8.
    pub fn text(&self) -> String {
        decode_body(&self.bytes, self.charset.as_deref(), &self.media_type)
    }
}

/// The outcome of a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 200 with a body.
    Page(Page),
    /// 304: the validators still match.
    NotModified(ResponseMeta),
}

/// Decode bytes: BOM first, then the declared charset, then an HTML `<meta charset>`; when nothing
/// is declared, UTF-8 if the bytes are valid UTF-8, else the encoding `chardetng` detects.
pub fn decode_body(bytes: &[u8], declared: Option<&str>, media_type: &str) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let enc = declared
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()))
        .or_else(|| {
            if media_type.contains("html") || media_type.is_empty() {
                meta_charset(bytes)
            } else {
                None
            }
        })
        .unwrap_or_else(|| detect(bytes));
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// The encoding of undeclared bytes: UTF-8 when valid, else chardetng's guess.
fn detect(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return encoding_rs::UTF_8;
    }
    let mut d = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    d.feed(bytes, true);
    d.guess(None, chardetng::Utf8Detection::Allow)
}

/// `<meta charset="...">` or `<meta http-equiv content="...; charset=...">` in the first 2 KB.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let rest = head[at..].trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest.as_bytes()[..end])
}

/// What is being fetched: pages are subject to robots.txt, feeds are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A feed (or a site page during autodiscovery).
    Feed,
    /// An article page.
    Article,
}

/// A shared HTTP client with per-host politeness and robots.txt.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    opts: Arc<HttpOptions>,
    gate: Arc<HostGate>,
    robots: Arc<RobotsCache>,
}

impl HttpClient {
    /// Build a client from the options.
    pub fn new(opts: &HttpOptions) -> Result<Self, HttpError> {
        let max_redirects = opts.max_redirects;
        let policy = opts.addresses;
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                let n = attempt.previous().len();
                return attempt.error(format!("more than {max_redirects} redirects ({n})"));
            }
            if let Err(e) = policy.check_url(attempt.url()) {
                return attempt.error(e);
            }
            attempt.follow()
        });
        let inner = reqwest::Client::builder()
            .user_agent(&opts.user_agent)
            .connect_timeout(opts.connect_timeout)
            .read_timeout(opts.read_timeout)
            .timeout(opts.timeout)
            .redirect(redirect)
            .dns_resolver(Arc::new(GuardedResolver { policy }))
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(Self {
            inner,
            opts: Arc::new(opts.clone()),
            gate: Arc::new(HostGate::new(opts.host_min_interval)),
            robots: Arc::new(RobotsCache::default()),
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// GET a feed or site page, reading at most the body cap.
    pub async fn get(&self, url: &str) -> Result<Page, HttpError> {
        match self.fetch(url, None).await? {
            Fetched::Page(p) => Ok(p),
            Fetched::NotModified(_) => Err(HttpError::Permanent {
                url: url.to_string(),
                reason: "unexpected 304 without validators".into(),
            }),
        }
    }

    /// GET an article page: robots.txt first, then the page.
    pub async fn get_article(&self, url: &str) -> Result<Page, HttpError> {
        let parsed = parse_url(url)?;
        let mut crawl_delay = None;
        if self.opts.robots {
            let v = self.robots_verdict(&parsed).await;
            if !v.allowed {
                return Err(HttpError::RobotsDisallowed {
                    url: url.to_string(),
                });
            }
            crawl_delay = v.crawl_delay;
        }
        let mut permit = self.gate.acquire(&host_key(&parsed)).await;
        permit.set_crawl_delay(crawl_delay);
        match self.request(url, &parsed, None, &mut permit).await? {
            Fetched::Page(p) => Ok(p),
            Fetched::NotModified(_) => Err(HttpError::Permanent {
                url: url.to_string(),
                reason: "unexpected 304 without validators".into(),
            }),
        }
    }

    /// A conditional GET: `validators` are sent when given.
    pub async fn fetch(
        &self,
        url: &str,
        validators: Option<&Validators>,
    ) -> Result<Fetched, HttpError> {
        let parsed = parse_url(url)?;
        let mut permit = self.gate.acquire(&host_key(&parsed)).await;
        self.request(url, &parsed, validators, &mut permit).await
    }

    async fn robots_verdict(&self, url: &url::Url) -> robots::Verdict {
        let origin = url.origin().ascii_serialization();
        let rules = match self.robots.get(&origin) {
            Some(r) => r,
            None => {
                let robots_url = format!("{origin}/robots.txt");
                let agent = robots::agent_token(&self.opts.user_agent).to_string();
                let rules = match self.fetch(&robots_url, None).await {
                    Ok(Fetched::Page(p)) => robots::rules_from(&agent, p.status, &p.bytes),
                    Ok(Fetched::NotModified(_)) => robots::Rules::AllowAll,
                    Err(HttpError::Status { status, .. }) => {
                        robots::rules_from(&agent, status, b"")
                    }
                    Err(e) => {
                        tracing::debug!(url = %robots_url, error = %e, "robots.txt unavailable");
                        robots::Rules::AllowAll
                    }
                };
                self.robots.put(&origin, rules.clone());
                rules
            }
        };
        robots::verdict(&rules, url.as_str())
    }

    async fn request(
        &self,
        url: &str,
        parsed: &url::Url,
        validators: Option<&Validators>,
        permit: &mut Permit,
    ) -> Result<Fetched, HttpError> {
        let transient = |reason: String, retry_after: Option<Duration>| HttpError::Transient {
            url: url.to_string(),
            reason,
            retry_after,
        };
        let permanent = |reason: String| HttpError::Permanent {
            url: url.to_string(),
            reason,
        };
        let refused = |reason: String| HttpError::Refused {
            url: url.to_string(),
            reason,
        };
        self.opts
            .addresses
            .check_url(parsed)
            .map_err(|e| refused(e.0))?;
        let mut req = self.inner.get(parsed.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let mut resp = req.send().await.map_err(|e| {
            if safety::is_refusal(&e) {
                refused(error_chain(&e))
            } else if e.is_builder() || e.is_redirect() {
                permanent(error_chain(&e))
            } else {
                transient(error_chain(&e), None)
            }
        })?;
        let status = resp.status();
        let meta = response_meta(resp.headers(), Utc::now());
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified(meta));
        }
        if status.as_u16() == 429 || status.as_u16() == 503 {
            if let Some(ra) = meta.retry_after {
                permit.throttle(ra);
            }
            return Err(transient(format!("http status {status}"), meta.retry_after));
        }
        if status.is_server_error() || status.as_u16() == 408 {
            return Err(transient(format!("http status {status}"), None));
        }
        if !status.is_success() {
            return Err(HttpError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut parts = content_type.split(';');
        let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let charset = parts.find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("charset"))
                .then(|| v.trim().trim_matches('"').to_string())
        });
        let max_body = self.opts.max_body_bytes;
        if resp.content_length().is_some_and(|n| n as usize > max_body) {
            return Err(permanent(format!("body larger than {max_body} bytes")));
        }
        let final_url = resp.url().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| transient(error_chain(&e), None))?
        {
            if bytes.len() + chunk.len() > max_body {
                return Err(permanent(format!("body larger than {max_body} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Page(Page {
            final_url,
            status: status.as_u16(),
            media_type,
            bytes,
            charset,
            meta,
        }))
    }
}

fn parse_url(url: &str) -> Result<url::Url, HttpError> {
    url::Url::parse(url).map_err(|e| HttpError::Permanent {
        url: url.to_string(),
        reason: format!("invalid url: {e}"),
    })
}

/// An error with its sources, `a: b: c`.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_declared_in_header() {
        let bytes = b"caf\xe9 ma\xf1ana \x93quoted\x94";
        assert_eq!(
            decode_body(bytes, Some("windows-1252"), "text/html"),
            "café mañana “quoted”"
        );
    }

    #[test]
    fn meta_charset_when_header_is_silent() {
        let bytes = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
        assert!(decode_body(bytes, None, "text/html").contains("café"));
    }

    #[test]
    fn undeclared_legacy_bytes_are_detected() {
        // ISO-8859-1 / windows-1252 text without any declaration.
        let bytes = b"Le pr\xe9sident a annonc\xe9 que les n\xe9gociations \xe9taient termin\xe9es \xe0 Gen\xe8ve, a d\xe9clar\xe9 le minist\xe8re des affaires \xe9trang\xe8res.";
        let text = decode_body(bytes, None, "text/plain");
        assert!(text.contains("président"), "{text}");
        assert!(text.contains("Genève"), "{text}");
        let iso = b"<p>Se\xf1or Mu\xf1oz visit\xf3 la regi\xf3n, dijo el portavoz del gobierno espa\xf1ol.</p>";
        assert!(decode_body(iso, Some("iso-8859-1"), "text/html").contains("Señor Muñoz visitó"));
        assert!(decode_body(iso, None, "text/html").contains("Señor Muñoz visitó"));
    }

    #[test]
    fn response_meta_reads_cache_hints() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let mut h = HeaderMap::new();
        let now = Utc::now();
        h.insert("etag", HeaderValue::from_static("\"v1\""));
        h.insert(
            "last-modified",
            HeaderValue::from_static("Fri, 18 Jul 2025 20:00:00 GMT"),
        );
        h.insert(
            "cache-control",
            HeaderValue::from_static("public, max-age=600"),
        );
        h.insert(
            "date",
            HeaderValue::from_static("Fri, 18 Jul 2025 20:00:00 GMT"),
        );
        h.insert(
            "expires",
            HeaderValue::from_static("Fri, 18 Jul 2025 21:00:00 GMT"),
        );
        h.insert("retry-after", HeaderValue::from_static("120"));
        let m = response_meta(&h, now);
        assert_eq!(m.validators.etag.as_deref(), Some("\"v1\""));
        assert!(m.validators.last_modified.is_some());
        assert_eq!(m.max_age, Some(Duration::from_secs(600)));
        assert_eq!(m.expires_in, Some(Duration::from_secs(3600)));
        assert_eq!(m.retry_after, Some(Duration::from_secs(120)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Fri, 18 Jul 2025 20:05:00 GMT"),
        );
        assert_eq!(
            response_meta(&h, now).retry_after,
            Some(Duration::from_secs(300))
        );
    }

    #[test]
    fn bom_wins_and_utf8_is_default() {
        assert_eq!(
            decode_body(b"\xef\xbb\xbfhola", Some("latin1"), "text/plain"),
            "hola"
        );
        assert_eq!(decode_body("niño".as_bytes(), None, "text/plain"), "niño");
    }
}
