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

/// Canonical form of an article URL: lower-cased host, default port dropped, no fragment, tracking
/// parameters removed and the remaining query sorted, so that the same article reached through two
/// links has one identity.
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
