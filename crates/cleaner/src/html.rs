//! HTML pages: metadata and main text with `scraper`. Paragraph-bearing blocks vote for their
//! container; the best container's blocks, minus boilerplate, are the article.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use model::Repair;
use scraper::{ElementRef, Html, Selector};

use crate::repair_paragraph;

/// What the HTML extractor found.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlExtract {
    /// Title.
    pub title: String,
    /// Main-text paragraphs (headings and list items are paragraphs too).
    pub paragraphs: Vec<String>,
    /// Declared language (`<html lang>`, `og:locale`).
    pub language: Option<String>,
    /// Publication time from metadata.
    pub published: Option<DateTime<Utc>>,
    /// Authors from metadata.
    pub authors: Vec<String>,
    /// `<link rel=canonical>`.
    pub canonical: Option<String>,
    /// Repairs made to the text.
    pub repairs: Vec<Repair>,
    /// Confidence in [0, 1].
    pub confidence: f32,
}

fn sel(s: &str) -> Selector {
    // Selectors below are literals checked by the tests; a typo must fail loudly in development.
    #[allow(clippy::expect_used)]
    Selector::parse(s).expect("static selector")
}

const BLOCKS: &str = "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre";

// Parsed once: these are used per element on the hot path.
static BLOCKS_SEL: LazyLock<Selector> = LazyLock::new(|| sel(BLOCKS));
static LINK_SEL: LazyLock<Selector> = LazyLock::new(|| sel("a"));
const SKIP_TAGS: &[&str] = &[
    "nav",
    "aside",
    "footer",
    "header",
    "form",
    "script",
    "style",
    "noscript",
    "button",
    "select",
    "figcaption",
    "template",
    "svg",
    "iframe",
    "dialog",
];
const SKIP_WORDS: &[&str] = &[
    "comment",
    "share",
    "social",
    "related",
    "newsletter",
    "cookie",
    "promo",
    "advert",
    "subscribe",
    "footer",
    "sidebar",
    "breadcrumb",
    "menu",
    "navbar",
    "recommend",
    "popular",
    "trending",
    "signup",
    "sign-up",
    "paywall",
    "banner",
    "byline",
    "caption",
    "tags",
    "author-bio",
    "read-more",
    "more-from",
];

fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_boilerplate_element(el: ElementRef<'_>) -> bool {
    let v = el.value();
    if SKIP_TAGS.contains(&v.name()) {
        return true;
    }
    if v.attr("hidden").is_some() || v.attr("aria-hidden") == Some("true") {
        return true;
    }
    if matches!(
        v.attr("role"),
        Some("navigation" | "complementary" | "banner" | "contentinfo")
    ) {
        return true;
    }
    let marks = format!(
        "{} {}",
        v.attr("class").unwrap_or(""),
        v.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase();
    !marks.trim().is_empty()
        && SKIP_WORDS.iter().any(|w| marks.contains(w))
        && !marks.contains("article-body")
        && !marks.contains("content")
}

fn in_boilerplate(el: ElementRef<'_>, stop: Option<ElementRef<'_>>) -> bool {
    if is_boilerplate_element(el) {
        return true;
    }
    for a in el.ancestors().filter_map(ElementRef::wrap) {
        if Some(a.id()) == stop.map(|s| s.id()) {
            return false;
        }
        if is_boilerplate_element(a) {
            return true;
        }
    }
    false
}

fn link_density(el: ElementRef<'_>, text_len: usize) -> f32 {
    if text_len == 0 {
        return 1.0;
    }
    let linked: usize = el.select(&LINK_SEL).map(|l| text_of(l).len()).sum();
    linked as f32 / text_len as f32
}

fn meta(doc: &Html, names: &[&str]) -> Option<String> {
    let m = sel("meta");
    for name in names {
        for el in doc.select(&m) {
            let v = el.value();
            let key = v.attr("property").or(v.attr("name")).or(v.attr("itemprop"));
            if key.is_some_and(|k| k.eq_ignore_ascii_case(name)) {
                if let Some(c) = v.attr("content").map(str::trim).filter(|c| !c.is_empty()) {
                    return Some(c.to_string());
                }
            }
        }
    }
    None
}

fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(d.and_utc());
    }
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// A date in the future or before the web is not a publication date.
fn plausible(d: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let now = Utc::now();
    let earliest = DateTime::parse_from_rfc3339("1995-01-01T00:00:00Z")
        .ok()?
        .with_timezone(&Utc);
    (d > earliest && d <= now + chrono::Duration::hours(26)).then_some(d)
}

fn json_ld_field(doc: &Html, field: &str) -> Option<String> {
    let s = sel(r#"script[type="application/ld+json"]"#);
    for el in doc.select(&s) {
        let raw: String = el.text().collect();
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&raw) else {
            continue;
        };
        if let Some(found) = find_field(&v, field) {
            return Some(found);
        }
    }
    None
}

fn find_field(v: &serde_json::Value, field: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(x) = map.get(field) {
                match x {
                    serde_json::Value::String(s) => return Some(s.clone()),
                    serde_json::Value::Object(o) => {
                        if let Some(serde_json::Value::String(n)) = o.get("name") {
                            return Some(n.clone());
                        }
                    }
                    serde_json::Value::Array(a) => {
                        let names: Vec<String> = a
                            .iter()
                            .filter_map(|e| match e {
                                serde_json::Value::String(s) => Some(s.clone()),
                                serde_json::Value::Object(o) => {
                                    o.get("name").and_then(|n| n.as_str()).map(str::to_string)
                                }
                                _ => None,
                            })
                            .collect();
                        if !names.is_empty() {
                            return Some(names.join("; "));
                        }
                    }
                    _ => {}
                }
            }
            map.values().find_map(|x| find_field(x, field))
        }
        serde_json::Value::Array(a) => a.iter().find_map(|x| find_field(x, field)),
        _ => None,
    }
}

fn clean_title(doc: &Html) -> String {
    let h1 = doc.select(&sel("h1")).map(text_of).find(|t| !t.is_empty());
    let og = meta(doc, &["og:title", "twitter:title"]);
    let title_tag = doc
        .select(&sel("title"))
        .map(text_of)
        .find(|t| !t.is_empty());
    if let Some(h) = &h1 {
        let in_meta = og
            .as_deref()
            .into_iter()
            .chain(title_tag.as_deref())
            .any(|t| t.contains(h.as_str()));
        if in_meta || (og.is_none() && title_tag.is_none()) {
            return h.clone();
        }
    }
    if let Some(o) = og {
        return o;
    }
    if let Some(t) = title_tag {
        // "Headline | Site Name" -> "Headline"
        for sep in [" | ", " - ", " — ", " – ", " :: "] {
            if let Some((head, _)) = t.rsplit_once(sep) {
                if head.split_whitespace().count() >= 3 {
                    return head.trim().to_string();
                }
            }
        }
        return t;
    }
    h1.unwrap_or_default()
}

/// Extract metadata and main text from an HTML document.
pub fn extract_html(body: &str) -> HtmlExtract {
    let doc = Html::parse_document(body);
    let title = clean_title(&doc);
    let language = doc
        .root_element()
        .value()
        .attr("lang")
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .or_else(|| meta(&doc, &["og:locale", "language", "content-language"]));
    let published = meta(
        &doc,
        &[
            "article:published_time",
            "datePublished",
            "pubdate",
            "publishdate",
            "date",
            "dc.date",
        ],
    )
    .or_else(|| json_ld_field(&doc, "datePublished"))
    .or_else(|| {
        doc.select(&sel("time[datetime]"))
            .find_map(|t| t.value().attr("datetime").map(str::to_string))
    })
    .and_then(|s| parse_date(&s))
    .and_then(plausible);
    let authors: Vec<String> = meta(&doc, &["author", "article:author", "dc.creator"])
        .or_else(|| json_ld_field(&doc, "author"))
        .map(|a| {
            a.split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && !s.starts_with("http"))
                .collect()
        })
        .unwrap_or_default();
    let canonical = doc
        .select(&sel(r#"link[rel="canonical"]"#))
        .find_map(|l| l.value().attr("href").map(str::to_string));

    // Score containers by the text of the paragraphs they hold.
    let p_sel = sel("p, pre, blockquote");
    let mut scores: HashMap<ego_tree::NodeId, (f32, ElementRef<'_>)> = HashMap::new();
    for p in doc.select(&p_sel) {
        if in_boilerplate(p, None) {
            continue;
        }
        let t = text_of(p);
        let len = t.chars().count();
        if len < 25 {
            continue;
        }
        let score = 1.0 + (len as f32 / 100.0).min(3.0) + t.matches(',').count() as f32 * 0.3;
        let score = score * (1.0 - link_density(p, t.len()));
        let mut weight = 1.0;
        for a in p.ancestors().filter_map(ElementRef::wrap).take(3) {
            scores.entry(a.id()).or_insert((0.0, a)).0 += score * weight;
            weight /= 2.0;
        }
    }
    let best = scores
        .values()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, el)| *el);
    let root = best.unwrap_or_else(|| doc.root_element());

    let mut paragraphs = Vec::new();
    let mut repairs = Vec::new();
    let title_key: String = title.to_lowercase();
    for b in root.select(&BLOCKS_SEL) {
        // Nested blocks (p inside li or blockquote) are taken once, at the innermost level.
        if b.select(&BLOCKS_SEL).nth(1).is_some() {
            continue;
        }
        if in_boilerplate(b, Some(root)) {
            continue;
        }
        let t = text_of(b);
        if t.is_empty() || t.to_lowercase() == title_key {
            continue;
        }
        let is_li = b.value().name() == "li";
        if is_li && link_density(b, t.len()) > 0.5 {
            continue;
        }
        let (fixed, mut r) = repair_paragraph(&t);
        repairs.append(&mut r);
        paragraphs.push(fixed);
    }
    let words: usize = paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum();
    let confidence = if best.is_none() {
        0.2
    } else if words > 150 {
        0.9
    } else {
        0.6
    };
    HtmlExtract {
        title,
        paragraphs,
        language,
        published,
        authors,
        canonical,
        repairs,
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang="en"><head>
<title>Prisoner swap completed | Example News</title>
<meta property="og:title" content="Prisoner swap completed">
<meta name="author" content="Ana Pérez">
<meta property="article:published_time" content="2025-07-18T20:00:00Z">
<link rel="canonical" href="https://example.com/news/swap">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<div class="cookie-banner"><p>We use cookies to improve your experience on this website, accept them.</p></div>
<main><article>
<h1>Prisoner swap completed</h1>
<p>The exchange took place on Friday at the airport, officials said, after months of talks between the governments.</p>
<h2>How it happened</h2>
<p>Planes landed in the morning, and the released people were met by relatives, according to witnesses at the scene.</p>
<ul><li>First list item with some words</li></ul>
<div class="share-bar"><p>Share this article on Facebook, Twitter and by email with your friends.</p></div>
</article>
<aside><h3>Related</h3><ul><li><a href="/a">Another story about something else entirely</a></li></ul></aside>
</main>
<footer><p>Copyright Example News 2025, all rights reserved by the publisher.</p></footer>
</body></html>"#;

    #[test]
    fn main_text_without_boilerplate() {
        let x = extract_html(PAGE);
        assert_eq!(x.title, "Prisoner swap completed");
        assert_eq!(
            x.paragraphs,
            vec![
                "The exchange took place on Friday at the airport, officials said, after months of talks between the governments.",
                "How it happened",
                "Planes landed in the morning, and the released people were met by relatives, according to witnesses at the scene.",
                "First list item with some words",
            ]
        );
        assert_eq!(x.language.as_deref(), Some("en"));
        assert_eq!(x.authors, vec!["Ana Pérez"]);
        assert_eq!(
            x.canonical.as_deref(),
            Some("https://example.com/news/swap")
        );
        assert_eq!(
            x.published.map(|d| d.to_rfc3339()),
            Some("2025-07-18T20:00:00+00:00".into())
        );
    }

    #[test]
    fn future_dates_are_refused() {
        let page = r#"<html><head><meta property="article:published_time" content="2999-01-01T00:00:00Z"></head><body><p>x</p></body></html>"#;
        assert!(extract_html(page).published.is_none());
    }

    #[test]
    fn json_ld_metadata() {
        let page = r#"<html><head><script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2025-07-19","author":[{"@type":"Person","name":"Luis Gómez"}]}</script></head><body><p>text</p></body></html>"#;
        let x = extract_html(page);
        assert_eq!(x.authors, vec!["Luis Gómez"]);
        assert!(x.published.is_some());
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "",
            "<",
            "<<<>>>",
            "<p><p><p>",
            "\u{0}\u{1}",
            &"<div>".repeat(5000),
        ] {
            let _ = extract_html(s);
        }
    }
}
