//! HTTP with reqwest: a clear User-Agent, timeouts, a redirect limit, compressed transfer, a body
//! size cap enforced while streaming, and bytes decoded to UTF-8 from the declared charset.

use std::time::Duration;

use encoding_rs::Encoding;

/// HTTP behaviour from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// `User-Agent` header, with a contact URL.
    pub user_agent: String,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Bodies larger than this are refused.
    pub max_body_bytes: usize,
    /// Redirects followed at most.
    pub max_redirects: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            user_agent: concat!("newsflow/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
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
    },
    /// The server answered with something we cannot use: not worth retrying as is.
    #[error("fetching {url}: {reason}")]
    Permanent {
        /// URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl HttpError {
    /// True when a retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, HttpError::Transient { .. })
    }
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
}

impl Page {
    /// The body decoded to UTF-8.
    pub fn text(&self) -> String {
        decode_body(&self.bytes, self.charset.as_deref(), &self.media_type)
    }
}

/// Decode bytes: BOM first, then the declared charset, then an HTML `<meta charset>`, else UTF-8.
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
            if media_type.contains("html") {
                meta_charset(bytes)
            } else {
                None
            }
        })
        .unwrap_or(encoding_rs::UTF_8);
    enc.decode_without_bom_handling(bytes).0.into_owned()
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

/// A shared HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    max_body: usize,
}

impl HttpClient {
    /// Build a client from the options.
    pub fn new(opts: &HttpOptions) -> Result<Self, HttpError> {
        let inner = reqwest::Client::builder()
            .user_agent(&opts.user_agent)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .redirect(reqwest::redirect::Policy::limited(opts.max_redirects))
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(Self {
            inner,
            max_body: opts.max_body_bytes,
        })
    }

    /// GET `url`, reading at most the body cap.
    pub async fn get(&self, url: &str) -> Result<Page, HttpError> {
        let transient = |reason: String| HttpError::Transient {
            url: url.to_string(),
            reason,
        };
        let permanent = |reason: String| HttpError::Permanent {
            url: url.to_string(),
            reason,
        };
        let mut resp = self.inner.get(url).send().await.map_err(|e| {
            if e.is_builder() {
                permanent(e.to_string())
            } else {
                transient(e.to_string())
            }
        })?;
        let status = resp.status();
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            return Err(transient(format!("http status {status}")));
        }
        if !status.is_success() {
            return Err(permanent(format!("http status {status}")));
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
        if resp
            .content_length()
            .is_some_and(|n| n as usize > self.max_body)
        {
            return Err(permanent(format!(
                "body larger than {} bytes",
                self.max_body
            )));
        }
        let final_url = resp.url().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transient(e.to_string()))? {
            if bytes.len() + chunk.len() > self.max_body {
                return Err(permanent(format!(
                    "body larger than {} bytes",
                    self.max_body
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Page {
            final_url,
            status: status.as_u16(),
            media_type,
            bytes,
            charset,
        })
    }
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
    fn bom_wins_and_utf8_is_default() {
        assert_eq!(
            decode_body(b"\xef\xbb\xbfhola", Some("latin1"), "text/plain"),
            "hola"
        );
        assert_eq!(decode_body("niño".as_bytes(), None, "text/plain"), "niño");
    }
}
