//! HTML pages: metadata and main text. After `scraper` parses the page, one iterative walk over
//! the tree builds a flat pre-order arena with per-element text, link-text and paragraph scores
//! (accumulated bottom-up as elements close) and collects the metadata; the best-scoring
//! container and its qualifying siblings are then read out of the arena, skipping boilerplate.
//! No recursion anywhere, so deeply nested markup cannot overflow the stack.

mod arena;
mod choose;
mod classes;
mod flags;
mod lines;
mod nesting;
mod readout;
mod score;
mod title;
mod weights;

use chrono::{DateTime, Utc};
use model::{DatedFrom, Repair};
use scraper::Html;

use crate::meta;
use crate::repair_paragraph;
use arena::{walk, Walk};
use choose::choose;
use flags::*;
use lines::{is_furniture, same_text};
pub use nesting::nesting_estimate;
use readout::{collapse, read_out};
use score::{final_score, link_density};
use title::pick_title;
use weights::Ctx;
pub use weights::{Weights, WeightsError};

/// What the HTML extractor found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HtmlExtract {
    /// Title.
    pub title: String,
    /// Main-text paragraphs (headings and list items are paragraphs too).
    pub paragraphs: Vec<String>,
    /// Declared language (`<html lang>`, `og:locale`, `content-language`).
    pub language: Option<String>,
    /// Publication time from the page, with its source and confidence.
    pub published: Option<(DateTime<Utc>, DatedFrom)>,
    /// Modification time from the page, with its source and confidence.
    pub modified: Option<(DateTime<Utc>, DatedFrom)>,
    /// Authors from metadata.
    pub authors: Vec<String>,
    /// `<link rel=canonical>` or `og:url`.
    pub canonical: Option<String>,
    /// Site or publisher name.
    pub site_name: Option<String>,
    /// Declared description.
    pub description: Option<String>,
    /// Main image.
    pub image: Option<String>,
    /// Repairs made to the text.
    pub repairs: Vec<Repair>,
    /// Confidence in [0, 1].
    pub confidence: f32,
    /// Signals for the outcome: paywall markers seen.
    pub paywall_marked: bool,
    /// Share of the page's visible text that is link text (high on index pages).
    pub page_link_density: f32,
    /// The text came from a retry (relaxed reading or `<noscript>`), not the strict pass.
    pub retried: bool,
    /// Non-space characters of all text on the page outside scripts and styles.
    pub page_chars: usize,
    /// The kind of page it declares (`og:type`: "article", "website", "product").
    pub declared_type: Option<String>,
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(collapse).filter(|s| !s.is_empty())
}

/// Extract metadata and main text from an HTML document; `url` helps date and canonical finding.
pub fn extract_html(body: &str) -> HtmlExtract {
    extract_html_at(body, "", Utc::now())
}

/// [`extract_html`] with the page URL and the current time given (for dates in URLs and
/// refusing future dates deterministically).
pub fn extract_html_at(body: &str, url: &str, now: DateTime<Utc>) -> HtmlExtract {
    extract_html_with(body, url, now, &Weights::default())
}

/// [`extract_html_at`] with other scoring weights (for the extraction bench's sweeps).
pub fn extract_html_with(
    body: &str,
    url: &str,
    now: DateTime<Utc>,
    weights: &Weights,
) -> HtmlExtract {
    let doc = Html::parse_document(body);
    extract_doc(&doc, url, now, weights)
}

/// A strict pass giving less text than this (non-space characters, so that languages written
/// without spaces count alike) is retried relaxed, then on `<noscript>` bodies.
const RETRY_CHARS: usize = 250;

/// `<noscript>` text longer than this may hold the page's body (forums render their posts
/// there for clients without script).
const NOSCRIPT_MIN_CHARS: usize = 500;

/// The body text of one pass: paragraphs, repairs, whether a candidate was found, its score and
/// the runner-up's.
struct Body {
    paragraphs: Vec<String>,
    repairs: Vec<Repair>,
    found: bool,
    top_score: f32,
    second: f32,
    retried: bool,
    /// The microdata author name and byline text of a `<noscript>` body (forums render
    /// their posts, with the poster's name, there), for pages whose own markup has none.
    names: (String, String),
}

impl Body {
    /// Non-space characters of text.
    fn size(&self) -> usize {
        self.paragraphs
            .iter()
            .map(|p| p.chars().filter(|c| !c.is_whitespace()).count())
            .sum()
    }
    /// A retry is taken only when it finds clearly more than the pass before.
    fn beats(&self, other: &Body) -> bool {
        self.size() > other.size() * 3 / 2 + 50
    }
}

fn body_of(items: &[arena::Item<'_>], title: &str, cx: Ctx<'_>) -> Body {
    let (roots, top_score, second) = choose(items, cx);
    let raw_paras = if roots.is_empty() {
        Vec::new()
    } else {
        read_out(items, &roots, cx)
    };
    let mut paragraphs = Vec::with_capacity(raw_paras.len());
    let mut repairs = Vec::new();
    for p in raw_paras {
        if is_furniture(&p) || same_text(&p, title) {
            continue;
        }
        let (fixed, mut r) = repair_paragraph(&p);
        repairs.append(&mut r);
        paragraphs.push(fixed);
    }
    Body {
        paragraphs,
        repairs,
        found: !roots.is_empty(),
        top_score,
        second,
        retried: cx.relaxed,
        names: Default::default(),
    }
}

/// Retries for pages where the strict pass found almost nothing: the page read relaxed, then
/// bodies inside `<noscript>` (parsed as their own documents). The pass with most words wins.
fn retry<'a>(
    doc: &Html,
    items: &[arena::Item<'a>],
    title: &str,
    strict: Body,
    weights: &Weights,
) -> Body {
    let mut best = strict;
    let relaxed = Ctx {
        w: weights,
        relaxed: true,
    };
    let w = walk(doc, relaxed);
    let b = body_of(&w.items, title, relaxed);
    if b.beats(&best) {
        best = b;
    }
    if best.size() < RETRY_CHARS {
        for (i, it) in items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.tag == "noscript")
        {
            let text: String = items[i..it.end as usize].iter().map(|x| x.text).collect();
            if text.len() < NOSCRIPT_MIN_CHARS || !text.contains('<') {
                continue;
            }
            let inner = Html::parse_document(&text);
            let strict = Ctx {
                w: weights,
                relaxed: false,
            };
            let w = walk(&inner, strict);
            let mut b = body_of(&w.items, title, strict);
            b.retried = true;
            b.names = (w.meta.author_name, w.meta.byline);
            if b.beats(&best) {
                best = b;
            }
        }
    }
    best
}

/// Extraction from a parsed document.
fn extract_doc(doc: &Html, url: &str, now: DateTime<Utc>, weights: &Weights) -> HtmlExtract {
    let cx = Ctx {
        w: weights,
        relaxed: false,
    };
    let Walk {
        items,
        meta: c,
        paywall_marked,
    } = walk(doc, cx);
    let ld = meta::json_ld(&c.ld_json);
    let title = pick_title(&c, &ld);

    let mut body = body_of(&items, &title, cx);
    let mut retried = false;
    if body.size() < RETRY_CHARS {
        body = retry(doc, &items, &title, body, weights);
        retried = body.retried;
    }
    let Body {
        mut paragraphs,
        repairs,
        found,
        top_score,
        second,
        names: (noscript_author, noscript_byline),
        ..
    } = body;
    let mut words: usize = paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum();
    // JSON-LD articleBody as a fallback when the DOM gave little (script-rendered pages often
    // carry the full text there).
    let mut from_ld = false;
    if let Some(b) = &ld.body {
        let ld_words = b.split_whitespace().count();
        if ld_words >= 80 && words * 2 < ld_words {
            paragraphs = b.lines().map(collapse).filter(|l| !l.is_empty()).collect();
            words = ld_words;
            from_ld = true;
        }
    }
    let mut confidence: f32 = if from_ld {
        0.7
    } else if !found {
        0.1
    } else {
        let margin = if top_score > 0.0 {
            ((top_score - second) / top_score).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let size = (words as f32 / 300.0).min(1.0);
        0.35 + 0.35 * size + 0.25 * margin
    };
    confidence = confidence.clamp(0.0, 1.0);

    let language = nonempty(c.lang).or_else(|| {
        nonempty(c.meta(&["og:locale", "content-language", "language", "dc.language"]))
    });
    let mut authors: Vec<String> = if !ld.authors.is_empty() {
        ld.authors.clone()
    } else {
        c.meta(&[
            "author",
            "article:author",
            "dc.creator",
            "parsely-author",
            "sailthru.author",
        ])
        .map(|a| {
            a.split([';', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty() && !s.starts_with("http"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
    };
    // Then the page's own markup: a microdata author name, else a byline element's text (from
    // a `<noscript>` body when that is where the text came from).
    let (author_name, byline) = if c.author_name.trim().is_empty() && c.byline.is_empty() {
        (noscript_author.as_str(), noscript_byline.as_str())
    } else {
        (c.author_name.as_str(), c.byline.as_str())
    };
    if authors.is_empty() {
        authors.extend(byline_author(author_name));
    }
    if authors.is_empty() {
        authors.extend(byline_author(byline));
    }
    authors.dedup();
    let published = meta::published(&c, &ld, url, now);
    let modified = meta::modified(&c, &ld, now).filter(|(m, _)| {
        // A modification before publication is a mistake in the page.
        published.as_ref().is_none_or(|(p, _)| m >= p)
    });
    HtmlExtract {
        title,
        paragraphs,
        language,
        published,
        modified,
        authors,
        canonical: nonempty(c.canonical).or_else(|| nonempty(c.meta(&["og:url"]))),
        site_name: nonempty(c.meta(&["og:site_name", "application-name"])).or(ld.publisher.clone()),
        description: nonempty(c.meta(&["description", "og:description", "twitter:description"]))
            .or(ld.description.clone()),
        image: nonempty(c.meta(&["og:image", "og:image:url", "twitter:image"]))
            .or(ld.image.clone()),
        repairs,
        confidence,
        paywall_marked: paywall_marked || ld.paywalled,
        page_link_density: items
            .iter()
            .find(|it| it.tag == "body")
            .map_or(0.0, link_density),
        retried,
        page_chars: items.first().map_or(0, |r| r.raw as usize),
        declared_type: nonempty(c.meta(&["og:type"])),
    }
}

/// The author's name from a byline element's text: "By Ana Pérez" -> "Ana Pérez"; nothing
/// when it does not look like a name (too long, digits, a date).
fn byline_author(text: &str) -> Option<String> {
    let t = collapse(text);
    let lower = t.to_lowercase();
    // The longest byline word the line opens with ("escrito por" before "por"), from the
    // shared lexicon.
    let opener = lexicon::lexicon()
        .byline_words()
        .filter(|p| {
            lower.starts_with(p)
                && lower[p.len()..].starts_with([' ', ':'])
                && t.is_char_boundary(p.len())
        })
        .max_by_key(|p| p.len());
    let rest = opener.map_or(t.as_str(), |p| t[p.len()..].trim_start_matches([' ', ':']));
    let rest = rest.trim().trim_end_matches([',', '|', '-', '·']).trim();
    let words = rest.split_whitespace().count();
    // A number standing alone ("12 May 2024", "3:45") makes it a date line; digits inside a
    // word are part of a user name ("archuser38013").
    let number = rest
        .split_whitespace()
        .any(|w| w.chars().any(|c| c.is_ascii_digit()) && !w.chars().any(char::is_alphabetic));
    ((1..=6).contains(&words) && !number).then(|| rest.to_string())
}

/// Debugging aid for tuning: top candidates and large boilerplate-flagged blocks of a page.
#[doc(hidden)]
pub fn explain(body: &str) -> String {
    use std::fmt::Write;
    let doc = Html::parse_document(body);
    let weights = Weights::default();
    let cx = Ctx {
        w: &weights,
        relaxed: false,
    };
    let w = walk(&doc, cx);
    let items = &w.items;
    let mut out = String::new();
    let path = |mut i: u32| {
        let mut v = Vec::new();
        while let Some(it) = items.get(i as usize) {
            v.push(format!(
                "{}.{}",
                it.tag,
                it.class.split_whitespace().next().unwrap_or("")
            ));
            i = it.parent;
        }
        v.reverse();
        v.join(" > ")
    };
    let mut cands: Vec<(f32, u32)> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.score > 0.0 && it.flags & (DEAD | BOILER | UNDER | TEXT | INLINE) == 0)
        .map(|(i, it)| (final_score(it, cx), i as u32))
        .collect();
    cands.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (s, i) in cands.iter().take(6) {
        let it = &items[*i as usize];
        let _ = writeln!(
            out,
            "cand {s:.1} raw {:.1} chars {} ld {:.2}: {}",
            it.score,
            it.chars,
            link_density(it),
            path(*i)
        );
    }
    let (roots, _, _) = choose(items, cx);
    let _ = writeln!(
        out,
        "roots: {:?}",
        roots.iter().map(|&r| path(r)).collect::<Vec<_>>()
    );
    for (i, it) in items.iter().enumerate() {
        if it.flags & BOILER != 0 && it.flags & UNDER == 0 {
            let raw: usize = items[i..it.end as usize]
                .iter()
                .map(|x| x.text.trim().len())
                .sum();
            if raw > 300 {
                let _ = writeln!(out, "boiler {raw}: {}", path(i as u32));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::classes::class_weight;
    use super::flags::hidden_style;
    use super::*;
    use scraper::Node;

    const PAGE: &str = r#"<!doctype html><html lang="en"><head>
<title>Prisoner swap completed | Example News</title>
<meta property="og:title" content="Prisoner swap completed">
<meta property="og:site_name" content="Example News">
<meta name="description" content="A swap at the airport.">
<meta property="og:image" content="https://example.com/i.jpg">
<meta name="author" content="Ana Pérez">
<meta property="article:published_time" content="2025-07-18T20:00:00Z">
<meta property="article:modified_time" content="2025-07-19T08:00:00Z">
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
<p>Second part<br><br>after a double break, with more words.</p>
<div class="share-bar"><p>Share this article on Facebook, Twitter and by email with your friends.</p></div>
</article>
<aside><h3>Related</h3><ul><li><a href="/a">Another story about something else entirely</a></li></ul></aside>
</main>
<div id="comments"><p>Great article, I really enjoyed reading it, thanks a lot for writing.</p></div>
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
                "Second part",
                "after a double break, with more words.",
            ]
        );
        assert_eq!(x.language.as_deref(), Some("en"));
        assert_eq!(x.authors, vec!["Ana Pérez"]);
        assert_eq!(
            x.canonical.as_deref(),
            Some("https://example.com/news/swap")
        );
        assert_eq!(x.site_name.as_deref(), Some("Example News"));
        assert_eq!(x.description.as_deref(), Some("A swap at the airport."));
        assert_eq!(x.image.as_deref(), Some("https://example.com/i.jpg"));
        let (p, from) = x.published.expect("published");
        assert_eq!(p.to_rfc3339(), "2025-07-18T20:00:00+00:00");
        assert_eq!(from.source, model::MetaSource::Meta);
        let (m, _) = x.modified.expect("modified");
        assert_eq!(m.to_rfc3339(), "2025-07-19T08:00:00+00:00");
    }

    #[test]
    fn future_dates_are_refused() {
        let page = r#"<html><head><meta property="article:published_time" content="2999-01-01T00:00:00Z"></head><body><p>x</p></body></html>"#;
        assert!(extract_html(page).published.is_none());
    }

    #[test]
    fn date_from_url_and_time_element() {
        let page = r#"<html><body><p>text</p></body></html>"#;
        let x = extract_html_at(page, "https://x.com/2024/05/17/a", Utc::now());
        let (_, from) = x.published.expect("url date");
        assert_eq!(from.source, model::MetaSource::Url);
        let page = r#"<html><body><time datetime="2024-05-18T10:00:00Z" pubdate>May 18</time><p>t</p></body></html>"#;
        let x = extract_html_at(page, "https://x.com/2024/05/17/a", Utc::now());
        let (d, from) = x.published.expect("time date");
        assert_eq!(from.source, model::MetaSource::Time);
        assert_eq!(d.date_naive().to_string(), "2024-05-18");
    }

    #[test]
    fn json_ld_metadata() {
        let page = r#"<html><head><script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2025-07-19","author":[{"@type":"Person","name":"Luis Gómez"}]}</script></head><body><p>text</p></body></html>"#;
        let x = extract_html(page);
        assert_eq!(x.authors, vec!["Luis Gómez"]);
        let (_, from) = x.published.expect("published");
        assert_eq!(from.source, model::MetaSource::JsonLd);
    }

    #[test]
    fn text_directly_in_divs_with_breaks() {
        let page = "<html><body><div id=nav><a href=/>Home</a></div><div class=story>First paragraph of the story is here, with enough words to count.<br><br>Second paragraph, also long enough to be counted as text.</div></body></html>";
        let x = extract_html(page);
        assert_eq!(
            x.paragraphs,
            vec![
                "First paragraph of the story is here, with enough words to count.",
                "Second paragraph, also long enough to be counted as text."
            ]
        );
    }

    #[test]
    fn nesting_estimate_counts_open_elements() {
        assert_eq!(
            nesting_estimate("<div><div></div><div><span>x</span></div></div>"),
            3
        );
        assert_eq!(nesting_estimate("<p><p><p><br><img src=x><div/>"), 0);
        assert_eq!(nesting_estimate(&"<div>".repeat(1000)), 1000);
        assert_eq!(nesting_estimate("< div <!-- x --> a < b"), 0);
    }

    #[test]
    fn furniture_lines() {
        for l in [
            "Advertisement",
            "By Phil Helsel",
            "Nov. 19, 2019, 8:41 AM UTC",
            "2019-04-10 10:43",
            "Marcus De Guzman 2019-11-20 17:27:46",
            "Updated 11:21 pm CST, Tuesday, November 19, 2019",
            "Published November 20th, 2019 - 07:50 GMT",
            "sexta-feira, 22 de outubro de 2010 às 20:13",
            "02 Ago 2017",
            "By HNN Staff | November 18, 2019 at 2:26 PM HST - Updated November 18 at 4:46 PM",
            "Image 2 of 5",
            "(Image credit: Blue Origin)",
            "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        ] {
            assert!(is_furniture(l), "{l}");
        }
        for l in [
            "By the end of the year, prices had doubled.",
            "On May 3 2019 the court ruled against the company, officials said.",
            "The newsletter was first printed in 1902 by a local school.",
            "Palm Bay 18 22 13 17 — 70",
        ] {
            assert!(!is_furniture(l), "{l}");
        }
    }

    #[test]
    fn class_names() {
        let mut b = String::new();
        assert!(class_weight("article-body__tablet-newsletter", "", &mut b).1);
        assert!(!class_weight("article-body social-enabled", "", &mut b).1);
        assert!(class_weight("PromoSmall-title", "", &mut b).1);
        assert!(class_weight("", "comments", &mut b).1);
        assert!(!class_weight("col-md-9 hidden-xs widget", "", &mut b).1);
        assert!(class_weight("entry-content", "", &mut b).0 > 0.0);
        assert!(class_weight("article__chunks", "", &mut b).0 > 0.0);
        assert!(class_weight("comments__item", "", &mut b).1);
    }

    #[test]
    fn hidden_styles() {
        assert!(hidden_style("color:red; DISPLAY : none"));
        assert!(hidden_style("visibility:hidden"));
        assert!(!hidden_style("display:block; border:none"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // The tree is built directly (html5ever's own cost grows with depth squared, which the
        // cleaner guards against before parsing); the walks here must not recurse.
        let mut doc = Html::parse_document("<html><body><div></div></body></html>");
        let body = doc
            .tree
            .root()
            .descendants()
            .find(|n| matches!(n.value(), Node::Element(e) if e.name() == "body"));
        let div = doc.tree.root().descendants().find_map(|n| match n.value() {
            Node::Element(e) if e.name() == "div" => Some(e.clone()),
            _ => None,
        });
        let (Some(body), Some(div)) = (body.map(|b| b.id()), div) else {
            panic!("parsed skeleton");
        };
        let mut id = body;
        for _ in 0..100_000 {
            let Some(mut n) = doc.tree.get_mut(id) else {
                panic!("node");
            };
            id = n.append(Node::Element(div.clone())).id();
        }
        let text = "Deep text, with a comma, and more words here to be a paragraph.";
        if let Some(mut n) = doc.tree.get_mut(id) {
            n.append(Node::Text(scraper::node::Text { text: text.into() }));
        }
        let x = extract_doc(&doc, "", Utc::now(), &Weights::default());
        assert_eq!(x.paragraphs, vec![text]);
    }

    #[test]
    fn json_ld_body_when_the_page_is_rendered_by_script() {
        let body = "Sentence number one of the story, told in full here. ".repeat(20);
        let page = format!(
            r#"<html><head><script type="application/ld+json">{{"@type":"NewsArticle","headline":"H","articleBody":"{body}"}}</script></head><body><div id="root"><p>Loading</p></div></body></html>"#
        );
        let x = extract_html(&page);
        assert_eq!(x.paragraphs, vec![body.trim().to_string()]);
        assert_eq!(x.title, "H");
    }

    #[test]
    fn table_layouts_and_font_tags() {
        let text = "An old page lays its story out in a table cell, with font tags, and breaks.";
        let page = format!(
            "<html><body><table><tr><td><a href=/>Home</a> | <a href=/b>Back</a></td></tr><tr><td><font>{text}<br><br>{text}</font></td></tr></table></body></html>"
        );
        let x = extract_html(&page);
        assert_eq!(x.paragraphs, vec![text, text]);
    }

    #[test]
    fn a_body_in_repeated_blocks_is_read_whole() {
        // Forum posts, each deep in its own wrappers; their common ancestor is five levels above
        // any one post's text.
        let posts: String = (0..6)
            .map(|i| {
                format!(
                    r#"<div class="topic-post"><div class="row"><div class="avatar"><a href="/u/{i}">user{i}</a></div><div class="post-main"><div class="cooked"><p>Reply number {i} explains, at some length, what the poster tried and what happened when the service restarted, which was not what anyone expected.</p></div></div></div></div>"#
                )
            })
            .collect();
        let page = format!(
            r#"<html><body><nav><a href="/">Home</a></nav><main><div class="topic"><div class="posts">{posts}</div></div></main><footer><p>Forum software by someone, all rights reserved.</p></footer></body></html>"#
        );
        let x = extract_html(&page);
        let text = x.paragraphs.join("\n");
        for i in 0..6 {
            assert!(
                text.contains(&format!("Reply number {i} explains")),
                "{text}"
            );
        }
        assert!(!text.contains("all rights reserved"));
    }

    #[test]
    fn a_page_of_sections_under_main_is_read_whole() {
        // A service page: one longer section, four short ones, each in its own wrappers and
        // classes; together the short ones hold most of the text.
        let para = |c: &str| {
            format!("<p>Section {c} explains the service with a sentence of plain text, commas, and a full stop, then one more clause.</p>")
        };
        let long = format!(
            r#"<section class="intro"><div class="wrap"><div class="inner"><h2>Intro</h2>{}</div></div></section>"#,
            para("intro").repeat(5)
        );
        let sections: String = ["benefits", "how-it-works", "pricing", "faq"]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    r#"<section class="{c}"><div class="wrap-{i}"><div class="inner-{i}"><h2>About {c}</h2>{}{}</div></div></section>"#,
                    para(c),
                    para(c)
                )
            })
            .collect();
        let sections = format!("{long}{sections}");
        let page = format!(
            r#"<html><body><nav><a href="/">Home</a> <a href="/x">Services</a></nav><main>{sections}</main><footer><p>All rights reserved by the company, since a long time ago.</p></footer></body></html>"#
        );
        let text = extract_html(&page).paragraphs.join("\n");
        for c in ["intro", "benefits", "how-it-works", "pricing", "faq"] {
            assert!(
                text.contains(&format!("Section {c} explains")),
                "{c}: {text}"
            );
        }
        assert!(!text.contains("rights reserved"));
        // Without the rule one section is read.
        let off = Weights {
            main_share: 0.0,
            ..Weights::default()
        };
        let one = extract_html_with(&page, "", Utc::now(), &off)
            .paragraphs
            .len();
        assert_eq!(one, 6, "the intro section alone");
    }

    #[test]
    fn bodies_only_in_noscript_and_soft_hyphens() {
        let para = "A forum rendered for clients without script keeps every post in its noscript block, and this is one of them with enough words. ";
        let page = format!(
            r#"<html><body><div id="app"></div><noscript><div class="posts"><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p></div></noscript></body></html>"#
        );
        let x = extract_html(&page);
        assert_eq!(x.paragraphs.len(), 5, "{:?}", x.paragraphs);
        assert!(x.retried);
        let page = "<html><body><article><p>Extrac\u{ad}tion of hy\u{ad}phen\u{ad}ated words keeps them whole, as they are read, with commas, and more words.</p></article></body></html>";
        assert_eq!(
            extract_html(page).paragraphs,
            vec!["Extraction of hyphenated words keeps them whole, as they are read, with commas, and more words."]
        );
    }

    #[test]
    fn author_from_a_byline_when_metadata_names_none() {
        let page = r#"<html><body><article><h1>A headline</h1><div class="byline"><span class="author-name">By Ana Pérez</span> <time>May 3, 2024</time></div><p>The story itself, with enough words, commas, and a full stop to be a paragraph of text.</p></article></body></html>"#;
        assert_eq!(extract_html(page).authors, vec!["Ana Pérez"]);
        let meta = page.replace(
            "<html>",
            r#"<html><head><meta name="author" content="Luis Gómez"></head>"#,
        );
        assert_eq!(extract_html(&meta).authors, vec!["Luis Gómez"]);
        assert_eq!(byline_author("Posted on 12 May 2024"), None);
        assert_eq!(byline_author("von Max Müller"), Some("Max Müller".into()));
        assert_eq!(
            byline_author("Escrito por Ana Pérez"),
            Some("Ana Pérez".into())
        );
        assert_eq!(
            byline_author("Autor: Jan Kowalski"),
            Some("Jan Kowalski".into())
        );
    }

    #[test]
    fn forum_and_q_and_a_authors() {
        let post =
            "<p>The opening post asks a question at some length, with commas, and a full stop.</p>";
        // Microdata: the name inside the author element, not its badges and counts.
        let page = format!(
            r#"<html><body><div class="question"><div class="user-details" itemprop="author" itemscope><a href="/u/1">archuser38013</a><meta itemprop="name" content="archuser38013"><span>1,234</span> <span>3 gold badges</span></div>{post}</div></body></html>"#
        );
        assert_eq!(extract_html(&page).authors, vec!["archuser38013"]);
        // JSON-LD: the question of a Q&A page and a forum posting name the asker and poster;
        // an FAQ page's questions are not the page's title.
        let ld = |json: &str| {
            format!(
                r#"<html><head><title>T</title><script type="application/ld+json">{json}</script></head><body>{post}</body></html>"#
            )
        };
        let qa = ld(
            r#"{"@type":"QAPage","mainEntity":{"@type":"Question","name":"Q","author":{"@type":"Person","name":"drat"}}}"#,
        );
        assert_eq!(extract_html(&qa).authors, vec!["drat"]);
        let thread = ld(
            r#"{"@type":"DiscussionForumPosting","headline":"H","author":{"@type":"Person","name":"felixen"}}"#,
        );
        assert_eq!(extract_html(&thread).authors, vec!["felixen"]);
        let faq = ld(r#"{"@type":"FAQPage","mainEntity":[{"@type":"Question","name":"Why?"}]}"#);
        assert_eq!(extract_html(&faq).title, "T");
        assert_eq!(byline_author("InsaneSnow45"), Some("InsaneSnow45".into()));
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
            "<script type=application/ld+json>[[[[[[",
            "<html><title>x</title><h1>",
        ] {
            let _ = extract_html(s);
        }
    }
}
