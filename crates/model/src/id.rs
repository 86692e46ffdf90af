//! Stable identities: canonical URLs, article ids and content hashes.

use sha2::{Digest, Sha256};
use url::Url;

/// A URL that cannot be canonicalised.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    /// The text is not an absolute URL.
    #[error("invalid url {url:?}: {source}")]
    Parse {
        /// The offending input.
        url: String,
        /// What the parser said.
        source: url::ParseError,
    },
    /// Only web URLs identify articles.
    #[error("unsupported url scheme {scheme:?} in {url:?}")]
    Scheme {
        /// The offending input.
        url: String,
        /// Its scheme.
        scheme: String,
    },
}

/// Query parameters that only track the reader and never change the article.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "gclsrc"
                | "msclkid"
                | "yclid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "_gl"
                | "ocid"
                | "cmpid"
                | "smid"
                | "sr_share"
                | "at_medium"
                | "at_campaign"
                | "__twitter_impression"
        )
}

/// Query parameters whose values are secrets (API keys, tokens, signatures).
fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    matches!(
        n.as_str(),
        "token"
            | "key"
            | "apikey"
            | "auth"
            | "password"
            | "passwd"
            | "pwd"
            | "secret"
            | "sig"
            | "signature"
            | "session"
            | "sessionid"
            | "code"
    ) || [
        "token",
        "key",
        "secret",
        "password",
        "signature",
        "sig",
        "credential",
    ]
    .iter()
    .any(|s| n.ends_with(&format!("_{s}")))
        || n.starts_with("x_amz_")
}

/// A URL fit for logs, messages and command output: credentials (`user:password@`) removed and the
/// values of secret-looking query parameters (`token`, `key`, `api_key`, `password`, `secret`,
/// `sig`, ...) replaced by `redacted`. Text that does not parse as a URL is redacted as text.
pub(crate) fn redact_url(input: &str) -> String {
    let Ok(mut url) = Url::parse(input.trim()) else {
        return redact_text(input);
    };
    let secret_query = url.query_pairs().any(|(k, _)| is_secret_param(&k));
    if url.username().is_empty() && url.password().is_none() && !secret_query {
        // Nothing to hide: the text as given, so ids and state keyed by it do not change.
        return input.to_string();
    }
    // Fails only for URLs that cannot carry credentials anyway (`mailto:`, `urn:`).
    let _ = url.set_password(None);
    let _ = url.set_username("");
    if secret_query {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_param(&k) {
                    "redacted".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Free text (an error message, a config snippet) with every `scheme://...` URL in it passed
/// through [`redact_url`].
pub(crate) fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let scheme_start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')'))
            .map_or(rest.len(), |i| at + i);
        out.push_str(&rest[..scheme_start]);
        out.push_str(&redact_url(&rest[scheme_start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// [`redact_url`] for text that is not a valid URL: userinfo before the host and secret query
/// values are cut out textually.
fn redact_text(input: &str) -> String {
    let (rest, fragment) = match input.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (input, None),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, after)) => {
            let end = after.find('/').unwrap_or(after.len());
            let authority = &after[..end];
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{}", &after[end..])
        }
        None => base.to_string(),
    };
    if let Some(q) = query {
        let parts: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if is_secret_param(k) => format!("{k}=redacted"),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Canonical form of an article URL: lower-cased host, default port dropped, no credentials, no
/// fragment, tracking parameters removed and the remaining query sorted, so that the same article
/// reached through two links has one identity.
pub fn canonical_url(input: &str) -> Result<String, UrlError> {
    let mut url = Url::parse(input.trim()).map_err(|source| UrlError::Parse {
        url: input.to_string(),
        source,
    })?;
    match url.scheme() {
        "http" | "https" => {}
        "urn" => return Ok(url.to_string()),
        other => {
            return Err(UrlError::Scheme {
                url: input.to_string(),
                scheme: other.to_string(),
            })
        }
    }
    url.set_fragment(None);
    // Credentials say who fetched, not which article; they must not reach messages either.
    let _ = url.set_password(None);
    let _ = url.set_username("");
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    Ok(url.to_string())
}

/// The stable URN of an article that arrived as a file (seed directory, inbox).
pub fn urn_for_file(kind: &str, file_name: &str) -> String {
    let safe: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("urn:newsflow:{kind}:{safe}")
}

/// The article id for a canonical URL or URN: 32 hex characters of its SHA-256.
pub fn article_id(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    hex::encode(&digest[..16])
}

/// Hash of cleaned text, insensitive to whitespace differences.
pub fn content_hash(text: &str) -> String {
    let mut hasher = Sha256::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_url_drops_tracking_fragment_and_sorts_query() {
        let a =
            canonical_url("HTTPS://News.Example.COM:443/a/b?z=1&utm_source=x&a=2&fbclid=abc#top")
                .expect("valid url");
        assert_eq!(a, "https://news.example.com/a/b?a=2&z=1");
        let b = canonical_url("https://news.example.com/a/b?a=2&z=1&gclid=q").expect("valid url");
        assert_eq!(article_id(&a), article_id(&b));
    }

    #[test]
    fn canonical_url_keeps_meaningful_query_and_path() {
        let a = canonical_url("http://example.com/story?id=7").expect("valid url");
        let b = canonical_url("http://example.com/story?id=8").expect("valid url");
        assert_ne!(article_id(&a), article_id(&b));
        assert_eq!(
            canonical_url("http://example.com/x?utm_medium=rss").expect("valid"),
            "http://example.com/x"
        );
    }

    #[test]
    fn bad_urls_are_refused_with_the_input_named() {
        let err = canonical_url("not a url").expect_err("must fail");
        assert!(err.to_string().contains("not a url"));
        assert!(canonical_url("ftp://example.com/x").is_err());
    }

    #[test]
    fn redact_url_removes_credentials_and_secret_parameters() {
        assert_eq!(
            redact_url("https://user:s3cr3t@feeds.example.com/a/feed.xml?token=t0k3n&page=2"),
            "https://feeds.example.com/a/feed.xml?token=redacted&page=2"
        );
        assert_eq!(
            redact_url("http://u@h.example/x?API_KEY=k&sig=s&X-Amz-Signature=z&q=news#f"),
            "http://h.example/x?API_KEY=redacted&sig=redacted&X-Amz-Signature=redacted&q=news#f"
        );
        for plain in [
            "https://h.example/world/?id=7",
            "HTTP://H.example",
            "not a url",
        ] {
            assert_eq!(redact_url(plain), plain);
        }
        assert_eq!(
            redact_url("http://user:pw@bad host/x?password=p&a=1"),
            "http://bad host/x?password=redacted&a=1"
        );
        assert_eq!(
            redact_url("urn:newsflow:seed:a.txt"),
            "urn:newsflow:seed:a.txt"
        );
        assert_eq!(
            redact_urls_in(
                "at line 3: url = \"https://u:pw@h.example/f?key=k\" (bad), see http://x/"
            ),
            "at line 3: url = \"https://h.example/f?key=redacted\" (bad), see http://x/"
        );
        assert_eq!(
            canonical_url("https://user:pw@H.example/a?utm_source=x").expect("url"),
            "https://h.example/a"
        );
    }

    #[test]
    fn file_urns_are_stable_and_safe() {
        assert_eq!(
            urn_for_file("seed", "000_d369b0808f76e2a4.txt"),
            "urn:newsflow:seed:000_d369b0808f76e2a4.txt"
        );
        assert_eq!(
            urn_for_file("inbox", "my file?.txt"),
            "urn:newsflow:inbox:my_file_.txt"
        );
        let urn = urn_for_file("seed", "a.txt");
        assert_eq!(canonical_url(&urn).expect("urn"), urn);
    }

    #[test]
    fn content_hash_ignores_whitespace_only_changes() {
        assert_eq!(content_hash("a  b\n\nc"), content_hash(" a b c "));
        assert_ne!(content_hash("a b c"), content_hash("a b d"));
    }
}
