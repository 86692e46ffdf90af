//! Links found in HTML: the feed of a site page (`<link rel="alternate">`, else common feed
//! paths) and an article's `<link rel="canonical">`.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::TokenizerResult;

/// Feed media types announced by `<link rel="alternate" type=...>`.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "text/xml",
    "application/xml",
];

/// Paths tried when a site page announces no feed.
pub const COMMON_FEED_PATHS: &[&str] = &[
    "/feed",
    "/rss",
    "/feed.xml",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/all.atom.xml",
];

/// The attributes of every `<link>` start tag, in document order (the tokenizer lower-cases names).
///
/// A tokenizer, not a tree builder: html5ever's tree builder is quadratic in nesting depth (a
/// 21 KB page of nested `<div>`s took seconds), and these links only need the tags themselves.
/// Tokenizing stops at `</head>` or `<body>`: these links belong in the head, and the body is
/// most of a 100 KB page (the pipeline's fetcher spent a third of its CPU here).
fn link_tags(html: &str) -> Vec<Vec<(String, String)>> {
    struct Links(RefCell<Vec<Vec<(String, String)>>>);
    impl TokenSink for Links {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token {
                match (tag.kind, &*tag.name) {
                    (TagKind::StartTag, "link") => {
                        let attrs = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        self.0.borrow_mut().push(attrs);
                    }
                    // `Script` makes `feed` return at once; nothing is fed after it.
                    (TagKind::StartTag, "body") | (TagKind::EndTag, "head") => {
                        return TokenSinkResult::Script(())
                    }
                    _ => {}
                }
            }
            TokenSinkResult::Continue
        }
    }
    let tok = Tokenizer::new(Links(RefCell::new(Vec::new())), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // The sink asks for a "script" only at the end of the head: then the rest is left unread.
    if let TokenizerResult::Done = tok.feed(&input) {
        tok.end();
    }
    tok.sink.0.take()
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Feed URLs announced by `<link rel="alternate" type="...feed type...">`, resolved against
/// `base`, in document order.
pub fn alternate_feeds(html: &str, base: &str) -> Vec<String> {
    let base = url::Url::parse(base).ok();
    link_tags(html)
        .iter()
        .filter(|l| {
            let rel = attr(l, "rel").unwrap_or("").to_ascii_lowercase();
            let ty = attr(l, "type").unwrap_or("").trim().to_ascii_lowercase();
            rel.split_whitespace().any(|r| r == "alternate") && FEED_TYPES.contains(&ty.as_str())
        })
        .filter_map(|l| resolve(base.as_ref(), attr(l, "href")?))
        .collect()
}

/// Candidate feed URLs at the common paths of `site`.
pub fn common_paths(site: &str) -> Vec<String> {
    let Ok(base) = url::Url::parse(site) else {
        return Vec::new();
    };
    COMMON_FEED_PATHS
        .iter()
        .filter_map(|p| base.join(p).ok().map(|u| u.to_string()))
        .collect()
}

/// The `<link rel="canonical">` of a page, resolved against `base`, when it is plausible: same
/// host as the page (ignoring a leading `www.`) and http(s).
pub fn canonical_link(html: &str, base: &str) -> Option<String> {
    let base_url = url::Url::parse(base).ok()?;
    let links = link_tags(html);
    let href = links.iter().find_map(|l| {
        let rel = attr(l, "rel")?.to_ascii_lowercase();
        rel.split_whitespace()
            .any(|r| r == "canonical")
            .then(|| attr(l, "href"))
            .flatten()
    })?;
    let canon = url::Url::parse(&resolve(Some(&base_url), href)?).ok()?;
    let strip = |h: &str| h.trim_start_matches("www.").to_ascii_lowercase();
    let same_site = matches!(canon.scheme(), "http" | "https")
        && strip(canon.host_str()?) == strip(base_url.host_str()?);
    same_site.then(|| canon.to_string())
}

fn resolve(base: Option<&url::Url>, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    match base {
        Some(b) => b.join(href).ok().map(|u| u.to_string()),
        None => url::Url::parse(href).ok().map(|u| u.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_alternate_feed_links() {
        let html = r#"<html><head>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="News" href="/news/rss.xml">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/atom+xml" href="https://other.example/atom">
</head></html>"#;
        assert_eq!(
            alternate_feeds(html, "http://h.example/section/"),
            vec![
                "http://h.example/news/rss.xml".to_string(),
                "https://other.example/atom".to_string()
            ]
        );
        assert!(alternate_feeds("<p>no head</p>", "http://h/").is_empty());
        assert_eq!(common_paths("http://h/x/y")[0], "http://h/feed");
    }

    #[test]
    fn deeply_nested_pages_are_scanned_in_linear_time() {
        // Found by the feed fuzzer: the tree builder took seconds on a few thousand nested divs.
        let html = format!(
            "<link rel=\"canonical\" href=\"/a\">{}",
            "<div>".repeat(50_000)
        );
        let started = std::time::Instant::now();
        assert_eq!(
            canonical_link(&html, "http://h.example/x").as_deref(),
            Some("http://h.example/a")
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn only_the_head_is_read() {
        let html = r#"<html><head><title>t</title></head><body>
<link rel="canonical" href="/from-body"></body>"#;
        assert_eq!(canonical_link(html, "http://h.example/x"), None);
        let html =
            r#"<head><link rel="canonical" href="/a"><body><link rel="canonical" href="/b">"#;
        assert_eq!(
            canonical_link(html, "http://h.example/x").as_deref(),
            Some("http://h.example/a")
        );
        // No head or body tags at all: the whole page is read.
        let html = r#"<p>text</p><link rel="canonical" href="/c">"#;
        assert_eq!(
            canonical_link(html, "http://h.example/x").as_deref(),
            Some("http://h.example/c")
        );
    }

    #[test]
    fn canonical_link_is_used_when_same_site() {
        let html = r#"<head><link rel="canonical" href="/articles/a?utm_source=x"></head>"#;
        assert_eq!(
            canonical_link(html, "http://h.example/amp/a").as_deref(),
            Some("http://h.example/articles/a?utm_source=x")
        );
        let www = r#"<link rel="canonical" href="https://www.h.example/a">"#;
        assert!(canonical_link(www, "http://h.example/b").is_some());
        let foreign = r#"<link rel="canonical" href="https://spam.example/a">"#;
        assert_eq!(canonical_link(foreign, "http://h.example/a"), None);
        assert_eq!(canonical_link("<p>x</p>", "http://h.example/a"), None);
    }
}
