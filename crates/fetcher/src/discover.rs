//! Links found in HTML: the feed of a site page (`<link rel="alternate">`, else common feed
//! paths) and an article's `<link rel="canonical">`.

use scraper::{Html, Selector};

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

fn link_selector() -> Option<Selector> {
    Selector::parse("link[href]").ok()
}

/// Feed URLs announced by `<link rel="alternate" type="...feed type...">`, resolved against
/// `base`, in document order.
pub fn alternate_feeds(html: &str, base: &str) -> Vec<String> {
    let Some(sel) = link_selector() else {
        return Vec::new();
    };
    let base = url::Url::parse(base).ok();
    let doc = Html::parse_document(html);
    doc.select(&sel)
        .filter(|l| {
            let v = l.value();
            let rel = v.attr("rel").unwrap_or("").to_ascii_lowercase();
            let ty = v.attr("type").unwrap_or("").trim().to_ascii_lowercase();
            rel.split_whitespace().any(|r| r == "alternate") && FEED_TYPES.contains(&ty.as_str())
        })
        .filter_map(|l| resolve(base.as_ref(), l.value().attr("href")?))
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
    let sel = link_selector()?;
    let base_url = url::Url::parse(base).ok()?;
    let doc = Html::parse_document(html);
    let href = doc.select(&sel).find_map(|l| {
        let v = l.value();
        let rel = v.attr("rel")?.to_ascii_lowercase();
        rel.split_whitespace()
            .any(|r| r == "canonical")
            .then(|| v.attr("href"))
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
