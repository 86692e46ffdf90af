//! HTML pages: metadata and main text. After `scraper` parses the page, one iterative walk over
//! the tree builds a flat pre-order arena with per-element text, link-text and paragraph scores
//! (accumulated bottom-up as elements close) and collects the metadata; the best-scoring
//! container and its qualifying siblings are then read out of the arena, skipping boilerplate.
//! No recursion anywhere, so deeply nested markup cannot overflow the stack.

use chrono::{DateTime, Utc};
use ego_tree::iter::Edge;
use model::{DatedFrom, Repair};
use scraper::{Html, Node};

use crate::meta::{self, Collected, LdArticle};
use crate::repair_paragraph;

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
}

// Per-element flags.
const DEAD: u16 = 1; // never text: script, style, head, ...
const BOILER: u16 = 2; // boilerplate by tag, role, class/id or hidden
const INLINE: u16 = 4; // does not break a paragraph
const LINK: u16 = 8; // <a>
const HEADING: u16 = 16;
const BR: u16 = 32;
const TEXT: u16 = 64; // a text node, not an element
const LIST: u16 = 128; // ul, ol, dl, menu
const UNDER: u16 = 256; // inside a DEAD or BOILER element (inherited)
const IN_LINK: u16 = 512; // inside an <a> (inherited)
const PARA: u16 = 1024; // <p>, <pre>, <blockquote>
const TAG_BOILER: u16 = 2048; // boilerplate by tag, role or hidden: always dropped
const CLASS_NEG: u16 = 4096; // boilerplate-like class or id: dropped unless it wraps most text

/// One node of the flat pre-order arena.
struct Item<'a> {
    parent: u32,
    /// One past the last descendant.
    end: u32,
    flags: u16,
    /// Tag name (empty for text).
    tag: &'a str,
    /// The text of a text node.
    text: &'a str,
    /// Class/id weight: positive for article-like names, negative for boilerplate-like ones.
    weight: f32,
    /// Non-whitespace chars of text in the subtree (outside DEAD/BOILER parts).
    chars: u32,
    /// Of which inside links.
    link_chars: u32,
    /// Chars of this block's own flow text (text not inside a nested block).
    flow: u32,
    flow_link: u32,
    flow_commas: u32,
    /// Content score received from paragraphs below.
    score: f32,
    /// `class` attribute, kept to compare siblings.
    class: &'a str,
    /// Non-whitespace chars of all text in the subtree outside DEAD parts, boilerplate or not.
    raw: u32,
    /// For text nodes: the nearest enclosing block.
    blk: u32,
}

impl<'a> Item<'a> {
    fn new(
        parent: u32,
        idx: u32,
        flags: u16,
        tag: &'a str,
        text: &'a str,
        weight: f32,
        class: &'a str,
    ) -> Self {
        Item {
            parent,
            end: idx + 1,
            flags,
            tag,
            text,
            weight,
            chars: 0,
            link_chars: 0,
            flow: 0,
            flow_link: 0,
            flow_commas: 0,
            score: 0.0,
            class,
            raw: 0,
            blk: NONE,
        }
    }
}

fn is_inline(tag: &str) -> bool {
    matches!(
        tag,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "big"
            | "cite"
            | "code"
            | "data"
            | "del"
            | "dfn"
            | "em"
            | "font"
            | "i"
            | "img"
            | "ins"
            | "kbd"
            | "label"
            | "mark"
            | "nobr"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strike"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "tt"
            | "u"
            | "var"
            | "wbr"
    )
}

fn is_dead(tag: &str) -> bool {
    matches!(
        tag,
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "select"
            | "option"
            | "textarea"
            | "button"
            | "input"
            | "audio"
            | "video"
            | "map"
            | "title"
    )
}

/// Always boilerplate.
fn is_boiler_tag(tag: &str) -> bool {
    matches!(tag, "nav" | "dialog" | "menu" | "figcaption")
}

/// Boilerplate unless they wrap most of the page (ASP.NET wraps whole pages in one `<form>`,
/// some themes put the article inside `<header>` or `<aside>` layouts). A `<figure>` holds an
/// image and its caption and credit, which are not article text.
fn is_soft_boiler_tag(tag: &str) -> bool {
    matches!(tag, "aside" | "footer" | "header" | "form" | "figure")
}

/// Class/id tokens of boilerplate blocks (readability's "unlikely candidates", plus the usual
/// names of share bars, newsletter and cookie prompts). Ambiguous layout words ("widget",
/// "hidden-xs", "container") are deliberately absent.
fn negative(tok: &str) -> bool {
    matches!(
        tok,
        "comment"
            | "comments"
            | "commentlist"
            | "disqus"
            | "share"
            | "sharing"
            | "sharebar"
            | "social"
            | "related"
            | "newsletter"
            | "subscribe"
            | "subscription"
            | "signup"
            | "cookie"
            | "cookies"
            | "consent"
            | "gdpr"
            | "promo"
            | "advert"
            | "advertisement"
            | "ad"
            | "ads"
            | "adsense"
            | "dfp"
            | "sponsor"
            | "sponsored"
            | "outbrain"
            | "taboola"
            | "sidebar"
            | "breadcrumb"
            | "breadcrumbs"
            | "navbar"
            | "navigation"
            | "nav"
            | "menu"
            | "recommended"
            | "recommendations"
            | "trending"
            | "popular"
            | "modal"
            | "popup"
            | "masthead"
            | "footer"
            | "header"
            | "banner"
            | "readmore"
            | "byline"
            | "pagination"
            | "pager"
            | "skyscraper"
            | "shoutbox"
            | "remark"
            | "replies"
            | "rss"
            | "agegate"
            | "supplemental"
            | "community"
            | "tags"
            | "caption"
            | "credit"
            | "credits"
            | "gallery"
            | "slideshow"
            | "carousel"
            | "cta"
            | "donate"
    )
}

/// Tokens that mark the article body (readability's "maybe a candidate" plus common names).
fn positive(tok: &str) -> bool {
    matches!(
        tok,
        "article"
            | "articlebody"
            | "body"
            | "content"
            | "entry"
            | "main"
            | "post"
            | "story"
            | "text"
            | "blog"
            | "prose"
            | "richtext"
            // Embedded posts quoted by the article ("social-media-embed") are part of it.
            | "embed"
            | "column"
            | "shadow"
    )
}

/// Substrings for camelCase or glued names the tokenizer cannot split.
const GLUED_NEGATIVE: &[&str] = &[
    "comment",
    "share",
    "social",
    "related",
    "newsletter",
    "cookie",
    "promo",
];

/// Weight of an element's class and id, and whether they mark it as boilerplate (a negative
/// name and no positive one, as readability does).
fn class_weight(class: &str, id: &str, buf: &mut String) -> (f32, bool) {
    let mut neg = false;
    let mut pos = false;
    for name in class.split_ascii_whitespace().chain(std::iter::once(id)) {
        // BEM names ("article-body__newsletter"): the part after the last "__" names the
        // element itself and decides; the block part before it counts only when the element
        // part says nothing ("article__chunks").
        let (block, own) = name.rsplit_once("__").unwrap_or(("", name));
        let (own_pos, own_neg) = verdict(own, buf);
        let (p, n) = if own_pos || own_neg {
            (own_pos && !own_neg, own_neg && !own_pos)
        } else {
            let (bp, bn) = verdict(block, buf);
            (bp && !bn, bn && !bp)
        };
        pos |= p;
        neg |= n;
    }
    match (pos, neg) {
        (true, false) => (25.0, false),
        (false, true) => (-25.0, true),
        _ => (0.0, false),
    }
}

/// Whether a class-name fragment has positive and negative tokens.
fn verdict(name: &str, buf: &mut String) -> (bool, bool) {
    let (mut pos, mut neg) = (false, false);
    for tok in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if tok.is_empty() {
            continue;
        }
        buf.clear();
        buf.extend(tok.chars().map(|c| c.to_ascii_lowercase()));
        let t = buf.as_str();
        if negative(t) {
            neg = true;
        } else if positive(t) {
            pos = true;
        } else if t.len() > 8 && GLUED_NEGATIVE.iter().any(|g| t.contains(g)) {
            neg = true;
        } else if t.len() > 8 && (t.contains("article") || t.contains("content")) {
            pos = true;
        }
    }
    (pos, neg)
}

/// `display: none` or `visibility: hidden` in an inline style, without allocating.
fn hidden_style(style: &str) -> bool {
    let squeezed = |s: &str, want: &str| {
        let mut w = want.bytes();
        let mut cur = w.next();
        for b in s.bytes().filter(|b| !b.is_ascii_whitespace()) {
            match cur {
                None => return true,
                Some(c) if c == b.to_ascii_lowercase() => cur = w.next(),
                Some(_) => {
                    w = want.bytes();
                    cur = w.next();
                    if cur == Some(b.to_ascii_lowercase()) {
                        cur = w.next();
                    }
                }
            }
        }
        cur.is_none()
    };
    (style.contains("none") && squeezed(style, "display:none"))
        || (style.contains("hidden") && squeezed(style, "visibility:hidden"))
}

fn non_ws_chars(s: &str) -> (u32, u32) {
    let mut n = 0u32;
    let mut commas = 0u32;
    for c in s.chars() {
        if !c.is_whitespace() {
            n += 1;
            if c == ',' || c == '，' || c == '、' {
                commas += 1;
            }
        }
    }
    (n, commas)
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The DOM as a flat arena, plus the metadata collected on the way.
struct Walk<'a> {
    items: Vec<Item<'a>>,
    meta: Collected<'a>,
    paywall_marked: bool,
}

const NONE: u32 = u32::MAX;

/// A class-named boilerplate block holding more than this share of the page's text is a layout
/// wrapper ("has-sidebar", "page-header-offset"), not boilerplate.
const WRAPPER_SHARE: f32 = 0.5;

fn walk(doc: &Html) -> Walk<'_> {
    let mut w = collect(doc);
    settle(&mut w.items);
    w
}

/// Pass 1: the tree as a pre-order arena, tag and class flags, raw text sizes, metadata.
fn collect(doc: &Html) -> Walk<'_> {
    let mut items: Vec<Item<'_>> = Vec::with_capacity(4096);
    let mut meta = Collected::default();
    let mut stack: Vec<u32> = Vec::with_capacity(64);
    // Nearest enclosing block (non-inline element), to attribute flow text to its paragraph.
    let mut blocks: Vec<u32> = Vec::with_capacity(64);
    let mut buf = String::new();
    let mut paywall_marked = false;
    let mut dead_depth = 0usize;
    let mut in_title = false;
    let mut in_ld = false;
    let mut in_h1: Option<usize> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let tag = el.name();
                    let parent = stack.last().copied().unwrap_or(NONE);
                    let pflags = items.get(parent as usize).map_or(0, |p| p.flags);
                    let mut flags = 0u16;
                    if pflags & (LINK | IN_LINK) != 0 {
                        flags |= IN_LINK;
                    }
                    if is_dead(tag) {
                        flags |= DEAD;
                        dead_depth += 1;
                    } else if is_inline(tag) {
                        flags |= INLINE;
                    }
                    match tag {
                        "a" => flags |= LINK,
                        "br" | "hr" => flags |= BR,
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => flags |= HEADING,
                        "ul" | "ol" | "dl" => flags |= LIST,
                        "p" | "pre" | "blockquote" => flags |= PARA,
                        _ => {}
                    }
                    if is_boiler_tag(tag) {
                        flags |= TAG_BOILER;
                    }
                    let class = el.attr("class").unwrap_or("");
                    let id = el.id().unwrap_or("");
                    let (mut weight, neg) = if class.is_empty() && id.is_empty() {
                        (0.0, false)
                    } else {
                        class_weight(class, id, &mut buf)
                    };
                    if is_soft_boiler_tag(tag)
                        || neg && !matches!(tag, "body" | "html" | "main" | "article" | "a")
                    {
                        flags |= CLASS_NEG;
                    }
                    if class.contains("paywall") || id.contains("paywall") {
                        paywall_marked = true;
                    }
                    if el.attr("hidden").is_some()
                        || el.attr("aria-hidden").is_some_and(|v| v == "true")
                        || el.attr("style").is_some_and(hidden_style)
                    {
                        flags |= TAG_BOILER;
                    }
                    if let Some(role) = el.attr("role") {
                        if matches!(
                            role,
                            "navigation"
                                | "complementary"
                                | "banner"
                                | "contentinfo"
                                | "menu"
                                | "menubar"
                                | "dialog"
                                | "alertdialog"
                                | "search"
                        ) {
                            flags |= TAG_BOILER;
                        }
                    }
                    if matches!(el.attr("itemprop"), Some("articleBody" | "text")) {
                        weight += 50.0;
                    }
                    if tag == "article" {
                        weight += 10.0;
                    }
                    match tag {
                        "meta" => {
                            let key = el
                                .attr("property")
                                .or_else(|| el.attr("name"))
                                .or_else(|| el.attr("itemprop"))
                                .or_else(|| el.attr("http-equiv"));
                            if let (Some(k), Some(c)) = (key, el.attr("content")) {
                                meta.metas.push((k, c));
                            }
                        }
                        "link"
                            if meta.canonical.is_none()
                                && el
                                    .attr("rel")
                                    .is_some_and(|r| r.eq_ignore_ascii_case("canonical")) =>
                        {
                            meta.canonical = el.attr("href");
                        }
                        "title" => in_title = meta.title_tag.is_empty(),
                        "script" => {
                            in_ld = el
                                .attr("type")
                                .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json"));
                        }
                        "time" => {
                            if let Some(dt) = el.attr("datetime") {
                                let marked = el.attr("pubdate").is_some()
                                    || el.attr("itemprop").is_some_and(|p| p == "datePublished")
                                    || class.contains("publish");
                                meta.times.push((dt, marked));
                            }
                        }
                        "html" => meta.lang = el.attr("lang").or_else(|| el.attr("xml:lang")),
                        "h1" if in_h1.is_none() && meta.h1.is_empty() && dead_depth == 0 => {
                            in_h1 = Some(stack.len());
                        }
                        _ => {}
                    }
                    let idx = items.len() as u32;
                    items.push(Item::new(parent, idx, flags, tag, "", weight, class));
                    stack.push(idx);
                    if flags & INLINE == 0 {
                        blocks.push(idx);
                    }
                }
                Node::Text(t) => {
                    let text: &str = t;
                    if in_title {
                        meta.title_tag.push_str(text);
                    }
                    if in_ld {
                        meta.ld_json.push(text);
                    }
                    if in_h1.is_some() {
                        meta.h1.push_str(text);
                    }
                    let parent = stack.last().copied().unwrap_or(NONE);
                    let Some(p) = items.get(parent as usize) else {
                        continue;
                    };
                    let mut flags = TEXT;
                    if p.flags & (LINK | IN_LINK) != 0 {
                        flags |= IN_LINK;
                    }
                    let idx = items.len() as u32;
                    let mut it = Item::new(parent, idx, flags, "", text, 0.0, "");
                    if dead_depth == 0 {
                        let (n, commas) = non_ws_chars(text);
                        it.chars = n;
                        it.raw = n;
                        it.flow_commas = commas;
                        it.blk = blocks.last().copied().unwrap_or(NONE);
                    }
                    let n = it.raw;
                    items.push(it);
                    if let Some(p) = items.get_mut(parent as usize) {
                        p.raw += n;
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                let Node::Element(_) = node.value() else {
                    continue;
                };
                let Some(idx) = stack.pop() else {
                    continue;
                };
                if in_h1 == Some(stack.len()) {
                    in_h1 = None;
                }
                in_title = false;
                in_ld = false;
                let end = items.len() as u32;
                let i = idx as usize;
                items[i].end = end;
                let flags = items[i].flags;
                if flags & INLINE == 0 {
                    blocks.pop();
                }
                if flags & DEAD != 0 {
                    dead_depth = dead_depth.saturating_sub(1);
                }
                let (raw, parent) = (items[i].raw, items[i].parent);
                if let Some(p) = items.get_mut(parent as usize) {
                    p.raw += raw;
                }
            }
        }
    }
    Walk {
        items,
        meta,
        paywall_marked,
    }
}

/// Passes 2 and 3: decide what is boilerplate (top-down), then sum visible text and link text
/// and let each paragraph score its ancestors (bottom-up). Linear, no recursion.
fn settle(items: &mut [Item<'_>]) {
    let total_raw = items.first().map_or(0, |r| r.raw) as f32;
    for i in 0..items.len() {
        let parent = items[i].parent;
        let pflags = items.get(parent as usize).map_or(0, |p| p.flags);
        let it = &mut items[i];
        if pflags & (DEAD | BOILER | UNDER) != 0 {
            it.flags |= UNDER;
        }
        if it.flags & TAG_BOILER != 0
            || (it.flags & CLASS_NEG != 0 && (it.raw as f32) < WRAPPER_SHARE * total_raw)
        {
            it.flags |= BOILER;
        }
        if it.flags & TEXT != 0 && it.flags & UNDER == 0 && it.chars > 0 {
            let (n, commas, linked, blk) =
                (it.chars, it.flow_commas, it.flags & IN_LINK != 0, it.blk);
            let lc = if linked { n } else { 0 };
            if let Some(p) = items.get_mut(parent as usize) {
                p.chars += n;
                p.link_chars += lc;
            }
            if let Some(b) = items.get_mut(blk as usize) {
                b.flow += n;
                b.flow_link += lc;
                b.flow_commas += commas;
            }
        }
    }
    for i in (0..items.len()).rev() {
        let it = &items[i];
        if it.flags & TEXT != 0 {
            continue;
        }
        let (chars, link_chars, flags, parent) = (it.chars, it.link_chars, it.flags, it.parent);
        if flags & (DEAD | BOILER | UNDER) != 0 {
            continue;
        }
        // A block with its own paragraph of text scores its ancestors (readability-style:
        // parent fully, grandparent half, then a third per level), damped by its link text.
        if flags & INLINE == 0 && it.flow >= 25 {
            let own_ld = it.flow_link as f32 / it.flow as f32;
            let s =
                (1.0 + it.flow_commas as f32 + (it.flow as f32 / 100.0).min(3.0)) * (1.0 - own_ld);
            // Text written straight into a div counts for the div itself (readability turns such
            // text into paragraphs of that div); a real paragraph counts for its container.
            let mut a =
                if flags & (PARA | HEADING) == 0 && !matches!(it.tag, "li" | "td" | "dd" | "dt") {
                    i as u32
                } else {
                    parent
                };
            let mut level = 0;
            while level < 5 {
                let Some(anc) = items.get_mut(a as usize) else {
                    break;
                };
                let div = match level {
                    0 => 1.0,
                    1 => 2.0,
                    l => l as f32 * 3.0,
                };
                anc.score += s / div;
                a = anc.parent;
                level += 1;
            }
        }
        if let Some(p) = items.get_mut(parent as usize) {
            p.chars += chars;
            p.link_chars += link_chars;
        }
    }
}

fn tag_bonus(tag: &str) -> f32 {
    match tag {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

fn link_density(it: &Item<'_>) -> f32 {
    if it.chars == 0 {
        0.0
    } else {
        it.link_chars as f32 / it.chars as f32
    }
}

fn final_score(it: &Item<'_>) -> f32 {
    (it.score + tag_bonus(it.tag) + it.weight) * (1.0 - link_density(it))
}

/// Pick the main container and the siblings that belong with it; indexes into the arena.
fn choose(items: &[Item<'_>]) -> (Vec<u32>, f32, f32) {
    // The five best candidates, best first.
    let mut tops: Vec<(f32, u32)> = Vec::with_capacity(6);
    for (i, it) in items.iter().enumerate() {
        if it.score <= 0.0 || it.flags & (DEAD | BOILER | UNDER | TEXT | INLINE) != 0 {
            continue;
        }
        let s = final_score(it);
        if tops.len() < 5 || tops.last().is_some_and(|l| s > l.0) {
            let at = tops.iter().position(|t| s > t.0).unwrap_or(tops.len());
            tops.insert(at, (s, i as u32));
            tops.truncate(5);
        }
    }
    let Some(&(first_score, first)) = tops.first() else {
        return (Vec::new(), 0.0, 0.0);
    };
    let second = tops.get(1).map_or(0.0, |t| t.0);
    let contains = |a: u32, b: u32| a <= b && b < items[a as usize].end;
    let mut top = first;
    // An article split into sibling chunks: other strong candidates that are neither inside nor
    // around the best one pull the choice up to their common ancestor (readability does this
    // with three; one is enough when it scores within 75% of the best).
    let alts: Vec<u32> = tops
        .iter()
        .skip(1)
        .filter(|(s, i)| *s >= 0.75 * first_score && !contains(*i, first) && !contains(first, *i))
        .map(|t| t.1)
        .collect();
    if !alts.is_empty() {
        // Only a near ancestor with little link text: chunks of one article sit close together,
        // while a far common ancestor is the page layout (footer text scoring like a paragraph).
        let mut a = items[first as usize].parent;
        let mut up = 0;
        while let Some(anc) = items.get(a as usize) {
            if matches!(anc.tag, "body" | "html") || up >= 3 {
                break;
            }
            if alts.iter().any(|&x| contains(a, x)) {
                if link_density(anc) <= 0.35 {
                    top = a;
                }
                break;
            }
            a = anc.parent;
            up += 1;
        }
    }
    // Parents whose score keeps rising hold more of the article (readability's climb).
    let mut last = final_score(&items[top as usize]);
    let floor = last / 3.0;
    let mut a = items[top as usize].parent;
    while let Some(anc) = items.get(a as usize) {
        if matches!(anc.tag, "body" | "html") || anc.flags & (BOILER | UNDER) != 0 {
            break;
        }
        if anc.score > 0.0 {
            let s = final_score(anc);
            if s < floor {
                break;
            }
            if s > last {
                top = a;
                break;
            }
            last = s;
        }
        a = anc.parent;
    }
    // An only child says nothing its parent does not; take the parent (siblings live there).
    loop {
        let parent = items[top as usize].parent;
        let Some(p) = items.get(parent as usize) else {
            break;
        };
        if matches!(p.tag, "body" | "html") || p.flags & (BOILER | UNDER) != 0 {
            break;
        }
        let mut elems = 0;
        let mut c = parent + 1;
        while c < p.end {
            if items[c as usize].flags & TEXT == 0 {
                elems += 1;
            }
            c = items[c as usize].end;
        }
        if elems != 1 {
            break;
        }
        top = parent;
    }
    let top_score = final_score(&items[top as usize]).max(first_score);
    let t = &items[top as usize];
    let parent = t.parent;
    let Some(p) = items.get(parent as usize) else {
        return (vec![top], top_score, second);
    };
    let threshold = (top_score * 0.2).max(10.0);
    let mut out = Vec::new();
    let mut c = parent + 1;
    while c < p.end {
        let s = &items[c as usize];
        let next = s.end;
        if c == top {
            out.push(c);
        } else if s.flags & (TEXT | DEAD | BOILER | UNDER) == 0 {
            let bonus = if !t.class.is_empty() && s.class == t.class {
                top_score * 0.2
            } else {
                0.0
            };
            let ld = link_density(s);
            let take = (s.score > 0.0 && final_score(s) + bonus >= threshold)
                || (s.flags & PARA != 0
                    && ((s.chars > 80 && ld < 0.25)
                        || (s.chars > 0 && ld == 0.0 && ends_sentence(items, c))));
            if take {
                out.push(c);
            }
        }
        c = next;
    }
    (out, top_score, second)
}

fn ends_sentence(items: &[Item<'_>], i: u32) -> bool {
    let it = &items[i as usize];
    let mut j = it.end;
    while j > i + 1 {
        j -= 1;
        let t = items[j as usize].text.trim_end();
        if !t.is_empty() {
            return t.ends_with(['.', '!', '?', '"', '”', '。']);
        }
    }
    false
}

/// Read the text of the chosen subtrees, paragraph by paragraph, skipping boilerplate.
fn read_out(items: &[Item<'_>], roots: &[u32]) -> Vec<String> {
    let mut paras = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, paras: &mut Vec<String>| {
        let p = collapse(cur);
        if !p.is_empty() {
            paras.push(p);
        }
        cur.clear();
    };
    for &root in roots {
        let end = items[root as usize].end;
        // Close stack: block elements whose end we wait for, to break the paragraph there.
        let mut closes: Vec<u32> = Vec::new();
        let mut i = root;
        while i < end {
            while closes.last().is_some_and(|&e| e <= i) {
                closes.pop();
                flush(&mut cur, &mut paras);
            }
            let it = &items[i as usize];
            if it.flags & TEXT != 0 {
                cur.push_str(it.text);
                i += 1;
                continue;
            }
            let skip = i != root
                && (it.flags & (DEAD | BOILER) != 0 || (it.flags & INLINE == 0 && skip_block(it)));
            if skip {
                i = it.end;
                continue;
            }
            if it.flags & BR != 0 {
                flush(&mut cur, &mut paras);
            } else if it.flags & INLINE == 0 {
                flush(&mut cur, &mut paras);
                closes.push(it.end);
            } else if it.tag == "img" {
                cur.push(' ');
            }
            i += 1;
        }
        closes.clear();
        flush(&mut cur, &mut paras);
    }
    paras
}

/// A block inside the article that is a link list or a widget rather than text.
fn skip_block(it: &Item<'_>) -> bool {
    if it.chars == 0 {
        return false;
    }
    let ld = link_density(it);
    if it.flags & HEADING != 0 {
        return ld > 0.5;
    }
    if it.flags & LIST != 0 {
        return ld > 0.65;
    }
    // A linked headline followed by a sentence of its own ("10 things" roundups) is text; a
    // block of links with a few words between them is not.
    let own = it.chars.saturating_sub(it.link_chars);
    ld > 0.8 || (ld > 0.5 && it.tag != "p" && own < 60)
}

/// Short lines that are page furniture wherever they appear.
fn is_furniture(p: &str) -> bool {
    if p.len() > 300 {
        return false;
    }
    let l = p.trim().to_lowercase();
    let l = l.trim_end_matches([':', '.', '!', '…']);
    const EXACT: &[&str] = &[
        "advertisement",
        "advertisment",
        "advert",
        "ad",
        "sponsored",
        "share",
        "share this",
        "share this article",
        "share this story",
        "tweet",
        "email",
        "print",
        "comments",
        "tags",
        "related",
        "related articles",
        "related stories",
        "read more",
        "continue reading",
        "more",
        "menu",
        "close",
        "don't miss",
        "don’t miss",
        "skip to content",
        "skip to main content",
        "loading",
        "tell us what you think",
        "this slideshow requires javascript",
        "publicidad",
        "anzeige",
    ];
    const PREFIXES: &[&str] = &[
        "like this story",
        "image credit",
        "(image credit",
        "photo credit",
        "(photo credit",
        "image:",
        "photo:",
        "click here to",
        "updated at ",
        "last updated",
        "published at ",
        "posted on ",
    ];
    let words = l.split_whitespace().count();
    if EXACT.contains(&l) || (words <= 12 && PREFIXES.iter().any(|x| l.starts_with(x))) {
        return true;
    }
    if words < 12 && crate::text::is_boilerplate(l) {
        return true;
    }
    // "Image 2 of 5", bylines and bare dates: metadata lines, not text.
    if words <= 4 && l.starts_with("image ") && l.contains(" of ") {
        return true;
    }
    let digit_tokens = l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
        .count();
    if l.starts_with("by ") && !l.contains(['!', '?', '"', '“']) {
        // "By Ana Pérez", "By HNN Staff | November 18, 2019 at 2:26 PM".
        if (words <= 8 && !l.contains('.')) || (words <= 24 && digit_tokens >= 2) {
            return true;
        }
    }
    if words <= 10 && is_dateline(l) {
        return true;
    }
    // "Marcus De Guzman 2019-11-20 17:27:46": a name and a timestamp.
    let has_year = l.split(|c: char| !c.is_alphanumeric()).any(|t| {
        t.len() == 4
            && (t.starts_with("19") || t.starts_with("20"))
            && t.chars().all(|c| c.is_ascii_digit())
    });
    if words <= 8 && digit_tokens >= 5 && has_year && !l.contains(['.', '!', '?']) {
        return true;
    }
    // Newsletter and subscription prompts.
    if words < 45 {
        let signals = [
            "newsletter",
            "sign up",
            "subscribe",
            "your inbox",
            "delivered to your",
        ]
        .iter()
        .filter(|x| l.contains(*x))
        .count();
        if signals >= 2 {
            return true;
        }
    }
    false
}

/// Equal ignoring case, without allocating.
fn same_text(a: &str, b: &str) -> bool {
    !b.is_empty()
        && a.len().abs_diff(b.len()) <= b.len() / 4
        && a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

/// A line made of a date and time only ("Nov. 19, 2019, 8:41 AM UTC", "2019-04-10 10:43").
fn is_dateline(l: &str) -> bool {
    const WORDS: &[&str] = &[
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "am",
        "pm",
        "a",
        "m",
        "p",
        "utc",
        "gmt",
        "est",
        "edt",
        "pst",
        "pdt",
        "cet",
        "cest",
        "bst",
        "et",
        "pt",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "updated",
        "published",
        "posted",
        "on",
        "at",
        "de",
        "of",
        "cst",
        "cdt",
        "mst",
        "mdt",
        "hst",
        "ist",
        "jst",
        "aest",
        "msk",
        "uhr",
        "um",
        "le",
        "la",
        "el",
        "del",
        "às",
        "as",
        "las",
        "à",
        "h",
        "min",
        // Spanish, Portuguese, French, German months and weekdays.
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "setiembre",
        "octubre",
        "noviembre",
        "diciembre",
        "janeiro",
        "fevereiro",
        "março",
        "maio",
        "junho",
        "julho",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "januar",
        "februar",
        "märz",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
        "segunda",
        "terça",
        "quarta",
        "quinta",
        "sexta",
        "feira",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "actualizado",
        "publicado",
        "atualizado",
        "publié",
        "aktualisiert",
        "veröffentlicht",
    ];
    let mut digits = 0;
    for tok in l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        // "20th", "1st": ordinals count as numbers.
        let num = tok.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
        if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) {
            digits += 1;
        } else if !WORDS.contains(&tok) {
            return false;
        }
    }
    digits >= 2
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(collapse).filter(|s| !s.is_empty())
}

fn pick_title(c: &Collected<'_>, ld: &LdArticle) -> String {
    let h1 = collapse(&c.h1);
    let og = c.meta(&["og:title", "twitter:title"]).map(collapse);
    let tag = collapse(&c.title_tag);
    if !h1.is_empty() {
        let in_meta = og.iter().any(|o| o.contains(h1.as_str()))
            || tag.contains(h1.as_str())
            || ld
                .headline
                .as_deref()
                .is_some_and(|h| h.contains(h1.as_str()));
        if in_meta || (og.is_none() && tag.is_empty()) {
            return h1;
        }
    }
    if let Some(h) = ld
        .headline
        .as_deref()
        .map(collapse)
        .filter(|h| !h.is_empty())
    {
        return h;
    }
    if let Some(o) = og.filter(|o| !o.is_empty()) {
        return o;
    }
    if !tag.is_empty() {
        // "Headline | Site Name" -> "Headline"
        for sep in [" | ", " - ", " — ", " – ", " :: "] {
            if let Some((head, _)) = tag.rsplit_once(sep) {
                if head.split_whitespace().count() >= 3 {
                    return head.trim().to_string();
                }
            }
        }
        return tag;
    }
    h1
}

/// Elements that never nest (void) or that the parser closes implicitly when a sibling opens,
/// so they do not deepen the tree however many are left open.
fn never_deepens(name: &[u8]) -> bool {
    const FLAT: &[&[u8]] = &[
        b"br",
        b"img",
        b"meta",
        b"link",
        b"input",
        b"hr",
        b"area",
        b"base",
        b"col",
        b"embed",
        b"source",
        b"track",
        b"wbr",
        b"param",
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"option",
        b"tr",
        b"td",
        b"th",
        b"!--",
        b"!doctype",
    ];
    FLAT.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// An upper estimate of how deep the markup nests, from one pass over the bytes: opening tags
/// minus closing tags, ignoring void and self-closing ones. html5ever's tree builder does work
/// proportional to the depth for every tag, so very deep markup costs quadratic time; the
/// cleaner refuses it before parsing.
pub fn nesting_estimate(body: &str) -> usize {
    let b = body.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        i += off + 1;
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = b.get(start..).map_or(0, |r| {
            r.iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'!' || **c == b'-')
                .count()
        });
        if name_len == 0 {
            continue;
        }
        let name = &b[start..start + name_len];
        if never_deepens(name) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            // A self-closing tag (`<div/>`) ends at "/>" before the next '<'.
            let rest = &b[start + name_len..];
            let end = rest.iter().position(|&c| c == b'>' || c == b'<');
            let self_closing = end.is_some_and(|e| e > 0 && rest[e] == b'>' && rest[e - 1] == b'/');
            if !self_closing {
                depth += 1;
                max = max.max(depth);
            }
        }
    }
    max
}

/// Extract metadata and main text from an HTML document; `url` helps date and canonical finding.
pub fn extract_html(body: &str) -> HtmlExtract {
    extract_html_at(body, "", Utc::now())
}

/// [`extract_html`] with the page URL and the current time given (for dates in URLs and
/// refusing future dates deterministically).
pub fn extract_html_at(body: &str, url: &str, now: DateTime<Utc>) -> HtmlExtract {
    let doc = Html::parse_document(body);
    extract_doc(&doc, url, now)
}

/// Extraction from a parsed document.
fn extract_doc(doc: &Html, url: &str, now: DateTime<Utc>) -> HtmlExtract {
    let Walk {
        items,
        meta: c,
        paywall_marked,
    } = walk(doc);
    let ld = meta::json_ld(&c.ld_json);
    let title = pick_title(&c, &ld);

    let (roots, top_score, second) = choose(&items);
    let raw_paras = if roots.is_empty() {
        Vec::new()
    } else {
        read_out(&items, &roots)
    };
    let mut paragraphs = Vec::with_capacity(raw_paras.len());
    let mut repairs = Vec::new();
    for p in raw_paras {
        if is_furniture(&p) || same_text(&p, &title) {
            continue;
        }
        let (fixed, mut r) = repair_paragraph(&p);
        repairs.append(&mut r);
        paragraphs.push(fixed);
    }
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
    } else if roots.is_empty() {
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
    }
}

/// Debugging aid for tuning: top candidates and large boilerplate-flagged blocks of a page.
#[doc(hidden)]
pub fn explain(body: &str) -> String {
    use std::fmt::Write;
    let doc = Html::parse_document(body);
    let w = walk(&doc);
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
        .map(|(i, it)| (final_score(it), i as u32))
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
    let (roots, _, _) = choose(items);
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
    use super::*;

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
        let x = extract_doc(&doc, "", Utc::now());
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
