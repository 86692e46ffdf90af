//! HTTP with reqwest: a clear User-Agent, timeouts, a redirect limit, compressed transfer, a body
//! size cap enforced while streaming, and bytes decoded to UTF-8 from the declared charset.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;

use crate::politeness::{host_key, HostGate, Permit};
use crate::robots::{self, RobotsCache};
use crate::safety::{self, AddressPolicy, GuardedResolver, Origin, Refusal};

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
        url: model::SecretUrl,
        /// Why.
        reason: String,
        /// How long the server asked us to wait (429/503 `Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The server answered with something we cannot use: not worth retrying as is.
    #[error("fetching {url}: {reason}")]
    Permanent {
        /// URL.
        url: model::SecretUrl,
        /// Why.
        reason: String,
    },
    /// The server answered with a client error status (other than 408 and 429): not retried as is.
    #[error("fetching {url}: http status {status}")]
    Status {
        /// URL.
        url: model::SecretUrl,
        /// HTTP status.
        status: u16,
    },
    /// The address policy refused the URL, a redirect target or the resolved address.
    #[error("fetching {url}: refused: {reason}")]
    Refused {
        /// URL.
        url: model::SecretUrl,
        /// Why, naming the address and the allowance that did not cover it.
        reason: String,
        /// What was refused (the `reason` label of `newsflow_fetcher_refused_total`).
        kind: Refusal,
    },
    /// robots.txt does not allow the page.
    #[error("fetching {url}: disallowed by robots.txt")]
    RobotsDisallowed {
        /// URL.
        url: model::SecretUrl,
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

/// A feed's own origin and the client that may reach its non-public addresses.
struct Scope {
    /// Feed name, for refusal reasons.
    feed: String,
    /// The host and port the allowance is bound to.
    origin: Origin,
    /// The policy on that origin.
    policy: AddressPolicy,
    /// Link-local or metadata addresses named for that origin.
    named: Arc<[IpAddr]>,
    /// A client whose resolver applies `policy`; only ever given URLs of `origin`.
    client: reqwest::Client,
}

/// A shared HTTP client with per-host politeness and robots.txt. [`HttpClient::for_feed`] gives
/// a feed allowed non-public addresses its own handle, which may reach that feed's host only.
//
// Why one reqwest client per allowance, and redirects followed here rather than by reqwest:
// reqwest resolves names through one resolver per client and pools connections per client by
// scheme and authority. A resolver that let one feed's private host through would let it through
// for every feed, and a pooled connection to that host would be reused by other feeds' requests
// without any resolution at all. So the shared client (the global policy) never reaches an
// address the global switches refuse, and each allowed feed gets a client of its own whose
// resolver admits its allowance; that client is only handed URLs of the feed's own origin (host
// and port). Redirects are followed hop by hop so that each hop goes through the client of its
// own origin: a redirect from the allowed host to anywhere else leaves the allowed client. The
// resolver filters the very addresses the connector then connects to, so nothing can change
// between the check and the connection (no second lookup for DNS rebinding to exploit); literal
// IPs, which reqwest does not resolve, are checked before each hop.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    opts: Arc<HttpOptions>,
    gate: Arc<HostGate>,
    robots: Arc<RobotsCache>,
    scope: Option<Arc<Scope>>,
}

fn build_client(
    opts: &HttpOptions,
    policy: AddressPolicy,
    named: Arc<[IpAddr]>,
) -> Result<reqwest::Client, HttpError> {
    reqwest::Client::builder()
        .user_agent(&opts.user_agent)
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .timeout(opts.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver { policy, named }))
        .gzip(true)
        .brotli(true)
        .build()
        .map_err(|e| HttpError::Client(e.to_string()))
}

/// Redirect statuses that are followed (as reqwest does).
fn is_followed_redirect(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

impl HttpClient {
    /// Build a client from the options.
    pub fn new(opts: &HttpOptions) -> Result<Self, HttpError> {
        Ok(Self {
            inner: build_client(opts, opts.addresses, Arc::from(Vec::new()))?,
            opts: Arc::new(opts.clone()),
            gate: Arc::new(HostGate::new(opts.host_min_interval)),
            robots: Arc::new(RobotsCache::default()),
            scope: None,
        })
    }

    /// The handle `feed` fetches with. Without an allowance it is this client. With one, requests
    /// to the feed's own origin (host and port of its URL) may reach what the allowance names,
    /// while every other URL — item links and redirects elsewhere — stays under the global
    /// policy. Politeness and robots.txt stay shared.
    pub fn for_feed(&self, feed: &crate::FeedSpec) -> Result<HttpClient, HttpError> {
        let mut c = self.clone();
        c.scope = None;
        if feed.access.is_none() {
            return Ok(c);
        }
        let origin = url::Url::parse(feed.url.expose())
            .ok()
            .as_ref()
            .and_then(Origin::of)
            .ok_or_else(|| HttpError::Permanent {
                url: feed.url.clone(),
                reason: "feed url has no host and port to bind its allowance to".into(),
            })?;
        let global = self.opts.addresses;
        let policy = if feed.access.allow_private {
            AddressPolicy::Private
        } else {
            global
        };
        let named: Arc<[IpAddr]> = Arc::from(feed.access.allow_link_local.clone());
        c.scope = Some(Arc::new(Scope {
            feed: feed.name.clone(),
            client: build_client(&self.opts, policy, named.clone())?,
            origin,
            policy,
            named,
        }));
        Ok(c)
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
                url: url.into(),
                reason: "unexpected 304 without validators".into(),
            }),
        }
    }

    /// GET an article page: robots.txt first, then the page.
    pub async fn get_article(&self, url: &str) -> Result<Page, HttpError> {
        let parsed = parse_url(url)?;
        // A literal address the policy refuses: no robots.txt request, no wait for the host.
        self.check_first_hop(url, &parsed)?;
        let mut crawl_delay = None;
        if self.opts.robots {
            let v = self.robots_verdict(&parsed).await;
            if !v.allowed {
                return Err(HttpError::RobotsDisallowed { url: url.into() });
            }
            crawl_delay = v.crawl_delay;
        }
        let mut permit = self.gate.acquire(&host_key(&parsed)).await;
        permit.set_crawl_delay(crawl_delay);
        match self.request(url, &parsed, None, &mut permit).await? {
            Fetched::Page(p) => Ok(p),
            Fetched::NotModified(_) => Err(HttpError::Permanent {
                url: url.into(),
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
        self.check_first_hop(url, &parsed)?;
        let mut permit = self.gate.acquire(&host_key(&parsed)).await;
        self.request(url, &parsed, validators, &mut permit).await
    }

    /// The scheme and literal address of the first hop, before waiting for the host's turn
    /// (`request` checks every hop again, names after resolution).
    fn check_first_hop(&self, url: &str, parsed: &url::Url) -> Result<(), HttpError> {
        let (_, policy, named, on_origin) = self.route(parsed);
        policy
            .check_url_named(parsed, named)
            .map_err(|r| HttpError::Refused {
                url: url.into(),
                reason: format!("{}{}", r.reason, self.refusal_context(on_origin)),
                kind: r.kind,
            })
    }

    async fn robots_verdict(&self, url: &url::Url) -> robots::Verdict {
        let origin = url.origin().ascii_serialization();
        let rules = match self.robots.get(&origin) {
            Some(r) => r,
            None => {
                // With the page's credentials: a site behind basic auth answers 401 to an
                // anonymous robots.txt request, which would read as "disallow everything".
                let robots_url = url
                    .join("/robots.txt")
                    .map(String::from)
                    .unwrap_or_else(|_| format!("{origin}/robots.txt"));
                let agent = robots::agent_token(&self.opts.user_agent).to_string();
                let rules = match self.fetch(&robots_url, None).await {
                    Ok(Fetched::Page(p)) => robots::rules_from(&agent, p.status, &p.bytes),
                    Ok(Fetched::NotModified(_)) => robots::Rules::AllowAll,
                    Err(HttpError::Status { status, .. }) => {
                        robots::rules_from(&agent, status, b"")
                    }
                    // Not remembered: another feed allowed this host must read the real rules.
                    // The page request is refused the same way and reports it.
                    Err(HttpError::Refused { .. }) => {
                        return robots::verdict(&robots::Rules::AllowAll, url.as_str())
                    }
                    Err(e) => {
                        tracing::debug!(url = %model::SecretUrl::new(&robots_url), error = %e, "robots.txt unavailable");
                        robots::Rules::AllowAll
                    }
                };
                self.robots.put(&origin, rules.clone());
                rules
            }
        };
        robots::verdict(&rules, url.as_str())
    }

    /// The client, policy and named addresses for one hop to `url`, and whether it is the
    /// feed's own origin.
    fn route(&self, url: &url::Url) -> (&reqwest::Client, AddressPolicy, &[IpAddr], bool) {
        if let Some(s) = &self.scope {
            if Origin::of(url).as_ref() == Some(&s.origin) {
                return (&s.client, s.policy, &s.named, true);
            }
        }
        (&self.inner, self.opts.addresses, &[], false)
    }

    /// What a refusal reason adds: which allowance did not cover the address.
    fn refusal_context(&self, on_origin: bool) -> String {
        match (&self.scope, on_origin) {
            (Some(s), true) => format!(
                " (feed {:?} is allowed {} on its own host {}; link-local and metadata addresses need allow_link_local)",
                s.feed,
                if s.policy == AddressPolicy::Private { "private addresses" } else { "only the addresses it names" },
                s.origin
            ),
            (Some(s), false) => format!(
                " (only feed {:?}'s own host {} is allowed non-public addresses)",
                s.feed, s.origin
            ),
            (None, _) => " (a feed on an internal host needs allow_private = true in its [[feed]] entry)".into(),
        }
    }

    async fn request(
        &self,
        url: &str,
        parsed: &url::Url,
        validators: Option<&Validators>,
        permit: &mut Permit,
    ) -> Result<Fetched, HttpError> {
        // Errors end up in logs, dead letters and feed state: never with credentials in them.
        let shown = model::SecretUrl::from(url);
        let transient = |reason: String, retry_after: Option<Duration>| HttpError::Transient {
            url: shown.clone(),
            reason,
            retry_after,
        };
        let permanent = |reason: String| HttpError::Permanent {
            url: shown.clone(),
            reason,
        };
        let refused = |kind: Refusal, reason: String| HttpError::Refused {
            url: shown.clone(),
            reason,
            kind,
        };
        // One bound for the whole chain of redirects, as reqwest's own timeout would be.
        let deadline = tokio::time::Instant::now() + self.opts.timeout;
        let mut current = parsed.clone();
        let mut hops = 0usize;
        let mut resp = loop {
            let (client, policy, named, on_origin) = self.route(&current);
            let via = if hops > 0 {
                format!("redirect to {}: ", model::SecretUrl::new(current.as_str()))
            } else {
                String::new()
            };
            if let Err(r) = policy.check_url_named(&current, named) {
                let ctx = self.refusal_context(on_origin);
                return Err(refused(r.kind, format!("{via}{}{ctx}", r.reason)));
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return Err(transient(
                    format!("{via}timed out following redirects"),
                    None,
                ));
            }
            let mut req = client.get(current.clone()).timeout(remaining);
            if let Some(v) = validators {
                if let Some(etag) = &v.etag {
                    req = req.header(reqwest::header::IF_NONE_MATCH, etag);
                }
                if let Some(lm) = &v.last_modified {
                    req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
                }
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    if let Some(r) = safety::find_refusal(&e) {
                        let ctx = self.refusal_context(on_origin);
                        return Err(refused(r.kind, format!("{via}{}{ctx}", r.reason)));
                    }
                    let builder = e.is_builder();
                    let reason = format!("{via}{}", reqwest_reason(e));
                    return Err(if builder {
                        permanent(reason)
                    } else {
                        transient(reason, None)
                    });
                }
            };
            if !is_followed_redirect(resp.status()) {
                break resp;
            }
            let Some(location) = resp.headers().get(reqwest::header::LOCATION) else {
                break resp;
            };
            hops += 1;
            if hops > self.opts.max_redirects {
                return Err(permanent(format!(
                    "more than {} redirects ({hops})",
                    self.opts.max_redirects
                )));
            }
            let location = location
                .to_str()
                .map_err(|_| permanent(format!("{via}redirect location is not text")))?;
            current = current.join(location).map_err(|e| {
                permanent(format!(
                    "{via}redirect location {:?}: {e}",
                    model::SecretUrl::new(location)
                ))
            })?;
        };
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
                url: shown.clone(),
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
            .map_err(|e| transient(reqwest_reason(e), None))?
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

/// The reason of a reqwest error, with the URL it names redacted (a redirect target or the
/// request URL may carry secret query parameters).
fn reqwest_reason(mut e: reqwest::Error) -> String {
    if let Some(u) = e.url_mut() {
        if let Ok(r) = url::Url::parse(&model::SecretUrl::new(u.as_str()).redacted()) {
            *u = r;
        }
    }
    error_chain(&e)
}

fn parse_url(url: &str) -> Result<url::Url, HttpError> {
    url::Url::parse(url).map_err(|e| HttpError::Permanent {
        url: url.into(),
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
    fn a_feeds_allowance_routes_only_its_own_origin() {
        let base = HttpClient::new(&HttpOptions::default()).expect("client");
        let spec = crate::FeedSpec {
            name: "meta".into(),
            url: "http://169.254.169.254/feed.xml".into(),
            cadence: crate::Cadence::Adaptive(Duration::from_secs(60)),
            access: crate::FeedAccess {
                allow_private: true,
                allow_link_local: vec!["169.254.169.254".parse().expect("ip")],
            },
        };
        let c = base.for_feed(&spec).expect("feed client");
        let u = |s: &str| url::Url::parse(s).expect("url");
        let verdict = |s: &str| {
            let (_, policy, named, on_origin) = c.route(&u(s));
            (policy.check_url_named(&u(s), named).is_ok(), on_origin)
        };
        // The feed's own origin, in any spelling the URL parser accepts.
        assert_eq!(verdict("http://169.254.169.254/latest/x"), (true, true));
        assert_eq!(verdict("http://2852039166:80/feed.xml"), (true, true));
        // Anything else goes through the shared client and its global policy.
        assert_eq!(verdict("http://169.254.169.254:8080/"), (false, false));
        assert_eq!(verdict("https://169.254.169.254/"), (false, false));
        assert_eq!(verdict("http://127.0.0.1/"), (false, false));
        assert_eq!(verdict("http://example.com/"), (true, false));
        // Without an allowance, the handle is the shared client.
        let plain = crate::FeedSpec {
            access: crate::FeedAccess::default(),
            ..spec
        };
        let c = base.for_feed(&plain).expect("plain");
        assert!(c.scope.is_none());
    }

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
