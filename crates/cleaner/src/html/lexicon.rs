//! The class/id lexicon: which class and id names mark article bodies and which boilerplate.

/// Class/id tokens of boilerplate blocks (readability's "unlikely candidates", plus the usual
/// names of share bars, newsletter and cookie prompts). Ambiguous layout words ("widget",
/// "hidden-xs", "container") are deliberately absent.
pub(super) fn negative(tok: &str) -> bool {
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
pub(super) fn positive(tok: &str) -> bool {
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
pub(super) const GLUED_NEGATIVE: &[&str] = &[
    "comment",
    "share",
    "social",
    "related",
    "newsletter",
    "cookie",
    "promo",
];

/// Sign of an element's class and id (+1 body-like, -1 boilerplate-like, 0 neither or both),
/// and whether they mark it as boilerplate (a negative name and no positive one, as
/// readability does).
pub(super) fn class_weight(class: &str, id: &str, buf: &mut String) -> (f32, bool) {
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
        (true, false) => (1.0, false),
        (false, true) => (-1.0, true),
        _ => (0.0, false),
    }
}

/// Whether a class-name fragment has positive and negative tokens.
pub(super) fn verdict(name: &str, buf: &mut String) -> (bool, bool) {
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
        } else if t.len() > 8
            && GLUED_NEGATIVE
                .iter()
                .any(|g| t.starts_with(g) || t.ends_with(g))
        {
            neg = true;
        } else if t.len() > 8 && (t.contains("article") || t.contains("content")) {
            pos = true;
        }
    }
    (pos, neg)
}
