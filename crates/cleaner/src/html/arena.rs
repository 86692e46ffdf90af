//! The arena and the walk: one iterative pass over the parsed tree builds a flat pre-order
//! arena of elements and text nodes with tag and class flags and raw text sizes, and collects
//! the page metadata on the way.

use ego_tree::iter::Edge;
use scraper::node::Element;
use scraper::{Html, Node};

use super::flags::*;
use std::collections::HashMap;

use super::classes::{name_verdict, sign as class_sign, ClassInfo};
use super::score::settle;
use super::weights::Ctx;
use crate::meta::Collected;

/// One node of the flat pre-order arena.
pub(super) struct Item<'a> {
    pub(super) parent: u32,
    /// One past the last descendant.
    pub(super) end: u32,
    pub(super) flags: u16,
    /// Tag name (empty for text).
    pub(super) tag: &'a str,
    /// The text of a text node.
    pub(super) text: &'a str,
    /// Class/id weight: positive for article-like names, negative for boilerplate-like ones.
    pub(super) weight: f32,
    /// Non-whitespace chars of text in the subtree (outside DEAD/BOILER parts).
    pub(super) chars: u32,
    /// Of which inside links.
    pub(super) link_chars: u32,
    /// Chars of this block's own flow text (text not inside a nested block).
    pub(super) flow: u32,
    pub(super) flow_link: u32,
    pub(super) flow_commas: u32,
    /// Content score received from paragraphs below.
    pub(super) score: f32,
    /// `class` attribute, kept to compare siblings.
    pub(super) class: &'a str,
    /// Non-whitespace chars of all text in the subtree outside DEAD parts, boilerplate or not.
    pub(super) raw: u32,
    /// For text nodes: the nearest enclosing block.
    pub(super) blk: u32,
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

pub(super) fn non_ws_chars(s: &str) -> (u32, u32) {
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

/// The attributes the walk reads, gathered in one pass over an element's attributes (looking
/// each up by name interns the name on every call, which cost more than the rest of the walk).
#[derive(Default)]
struct Attrs<'a> {
    href: Option<&'a str>,
    name: Option<&'a str>,
    class: &'a str,
    id: &'a str,
    hidden: bool,
    aria_hidden: Option<&'a str>,
    style: Option<&'a str>,
    role: Option<&'a str>,
    itemprop: Option<&'a str>,
    property: Option<&'a str>,
    http_equiv: Option<&'a str>,
    content: Option<&'a str>,
    rel: Option<&'a str>,
    kind: Option<&'a str>,
    datetime: Option<&'a str>,
    pubdate: bool,
    lang: Option<&'a str>,
    xml_lang: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    fn of(el: &'a Element) -> Self {
        let mut a = Attrs::default();
        for (k, v) in el.attrs.iter() {
            // Namespaced attributes (`xlink:href` in SVG) are not the ones looked up by name.
            if !k.ns.is_empty() {
                continue;
            }
            let v: &'a str = v;
            match &*k.local {
                "href" => a.href = Some(v),
                "name" => a.name = Some(v),
                "class" => a.class = v,
                "id" => a.id = v,
                "hidden" => a.hidden = true,
                "aria-hidden" => a.aria_hidden = Some(v),
                "style" => a.style = Some(v),
                "role" => a.role = Some(v),
                "itemprop" => a.itemprop = Some(v),
                "property" => a.property = Some(v),
                "http-equiv" => a.http_equiv = Some(v),
                "content" => a.content = Some(v),
                "rel" => a.rel = Some(v),
                "type" => a.kind = Some(v),
                "datetime" => a.datetime = Some(v),
                "pubdate" => a.pubdate = true,
                "lang" => a.lang = Some(v),
                "xml:lang" => a.xml_lang = Some(v),
                _ => {}
            }
        }
        a
    }
}

/// The DOM as a flat arena, plus the metadata collected on the way.
pub(super) struct Walk<'a> {
    pub(super) items: Vec<Item<'a>>,
    pub(super) meta: Collected<'a>,
    pub(super) paywall_marked: bool,
}

pub(super) const NONE: u32 = u32::MAX;

pub(super) fn walk<'a>(doc: &'a Html, cx: Ctx<'_>) -> Walk<'a> {
    let mut w = collect(doc, cx);
    settle(&mut w.items, cx);
    w
}

/// Pass 1: the tree as a pre-order arena, tag and class flags, raw text sizes, metadata.
pub(super) fn collect<'a>(doc: &'a Html, cx: Ctx<'_>) -> Walk<'a> {
    let mut items: Vec<Item<'_>> = Vec::with_capacity(4096);
    let mut meta = Collected::default();
    let mut stack: Vec<u32> = Vec::with_capacity(64);
    // Nearest enclosing block (non-inline element), to attribute flow text to its paragraph.
    let mut blocks: Vec<u32> = Vec::with_capacity(64);
    let mut buf = String::new();
    let mut class_info: HashMap<&'a str, ClassInfo> = HashMap::new();
    let mut paywall_marked = false;
    let mut dead_depth = 0usize;
    let mut in_title = false;
    let mut in_ld = false;
    let mut in_h1: Option<usize> = None;
    let mut in_byline: Option<usize> = None;
    // Microdata: inside the first `itemprop=author` element, the `itemprop=name` element or
    // `<meta itemprop=name content>` is the name alone (forum and Q&A pages put badges,
    // reputation and dates beside it).
    let mut in_author: Option<usize> = None;
    let mut in_author_name: Option<usize> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let tag = el.name();
                    let at = Attrs::of(el);
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
                        // A named anchor without href (`<a name>`) is a target, not a link;
                        // left unclosed it would turn the rest of the page into link text.
                        "a" if at.href.is_some() || at.name.is_none() => flags |= LINK,
                        "br" | "hr" => flags |= BR,
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => flags |= HEADING,
                        "ul" | "ol" | "dl" => flags |= LIST,
                        "p" | "pre" | "blockquote" => flags |= PARA,
                        _ => {}
                    }
                    if is_boiler_tag(tag) {
                        flags |= TAG_BOILER;
                    }
                    let (class, id) = (at.class, at.id);
                    let ci = if class.is_empty() {
                        ClassInfo::default()
                    } else {
                        *class_info
                            .entry(class)
                            .or_insert_with(|| ClassInfo::of(class, &mut buf))
                    };
                    let (ip, in_) = name_verdict(id, &mut buf);
                    let (sign, neg) = class_sign(ci.pos || ip, ci.neg || in_);
                    let mut weight = if sign > 0.0 {
                        cx.w.class_positive
                    } else if sign < 0.0 {
                        -cx.w.class_negative
                    } else {
                        0.0
                    };
                    if is_soft_boiler_tag(tag)
                        || neg && !matches!(tag, "body" | "html" | "main" | "article" | "a")
                    {
                        flags |= CLASS_NEG;
                    }
                    if ci.paywall || id.contains("paywall") {
                        paywall_marked = true;
                    }
                    if at.hidden
                        || at.aria_hidden.is_some_and(|v| v == "true")
                        || at.style.is_some_and(hidden_style)
                    {
                        flags |= HIDDEN;
                    }
                    if let Some(role) = at.role {
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
                    if matches!(at.itemprop, Some("articleBody" | "text")) {
                        weight += cx.w.itemprop_body;
                    }
                    if tag == "article" {
                        weight += cx.w.article_tag;
                    }
                    match tag {
                        "meta" => {
                            let key = at.property.or(at.name).or(at.itemprop).or(at.http_equiv);
                            if let (Some(k), Some(c)) = (key, at.content) {
                                meta.metas.push((k, c));
                            }
                        }
                        "link"
                            if meta.canonical.is_none()
                                && el
                                    .attr("rel")
                                    .is_some_and(|r| r.eq_ignore_ascii_case("canonical")) =>
                        {
                            meta.canonical = at.href;
                        }
                        "title" => in_title = meta.title_tag.is_empty(),
                        "script" => {
                            in_ld = at
                                .kind
                                .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json"));
                        }
                        "time" => {
                            if let Some(dt) = at.datetime {
                                let marked = at.pubdate
                                    || at.itemprop.is_some_and(|p| p == "datePublished")
                                    || class.contains("publish");
                                meta.times.push((dt, marked));
                            }
                        }
                        "html" => meta.lang = at.lang.or(at.xml_lang),
                        "h1" if in_h1.is_none() && meta.h1.is_empty() && dead_depth == 0 => {
                            in_h1 = Some(stack.len());
                        }
                        _ => {}
                    }
                    if in_author.is_some() && meta.author_name.is_empty() {
                        if at.itemprop == Some("name") {
                            match (tag, at.content) {
                                ("meta", Some(c)) => meta.author_name.push_str(c),
                                _ => in_author_name = Some(stack.len()),
                            }
                        }
                    } else if in_author.is_none()
                        && meta.author_name.is_empty()
                        && dead_depth == 0
                        && at.itemprop == Some("author")
                        && !matches!(tag, "meta" | "link")
                    {
                        in_author = Some(stack.len());
                    }
                    if in_byline.is_none()
                        && meta.byline.is_empty()
                        && dead_depth == 0
                        && !matches!(tag, "meta" | "link")
                        && (at.rel.is_some_and(|r| r.contains("author"))
                            || at.itemprop == Some("author")
                            || ci.author)
                    {
                        in_byline = Some(stack.len());
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
                    if in_author_name.is_some() && meta.author_name.len() < 200 {
                        meta.author_name.push_str(text);
                    }
                    if in_byline.is_some() && meta.byline.len() < 200 {
                        meta.byline.push_str(text);
                        meta.byline.push(' ');
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
                if in_author_name == Some(stack.len()) {
                    in_author_name = None;
                }
                if in_author == Some(stack.len()) {
                    in_author = None;
                }
                if in_byline == Some(stack.len()) {
                    in_byline = None;
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
