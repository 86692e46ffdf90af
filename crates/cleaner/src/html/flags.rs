//! Per-element flags from tag names, roles and inline styles.

// Per-element flags.
pub(super) const DEAD: u16 = 1; // never text: script, style, head, ...
pub(super) const BOILER: u16 = 2; // boilerplate by tag, role, class/id or hidden
pub(super) const INLINE: u16 = 4; // does not break a paragraph
pub(super) const LINK: u16 = 8; // <a>
pub(super) const HEADING: u16 = 16;
pub(super) const BR: u16 = 32;
pub(super) const TEXT: u16 = 64; // a text node, not an element
pub(super) const LIST: u16 = 128; // ul, ol, dl, menu
pub(super) const UNDER: u16 = 256; // inside a DEAD or BOILER element (inherited)
pub(super) const IN_LINK: u16 = 512; // inside an <a> (inherited)
pub(super) const PARA: u16 = 1024; // <p>, <pre>, <blockquote>
pub(super) const TAG_BOILER: u16 = 2048; // boilerplate by tag, role or hidden: always dropped
pub(super) const CLASS_NEG: u16 = 4096; // boilerplate-like class or id: dropped unless it wraps most text
pub(super) const HIDDEN: u16 = 8192; // hidden attribute or style: dropped by the strict pass only

pub(super) fn is_inline(tag: &str) -> bool {
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

pub(super) fn is_dead(tag: &str) -> bool {
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
pub(super) fn is_boiler_tag(tag: &str) -> bool {
    matches!(tag, "nav" | "dialog" | "menu" | "figcaption")
}

/// Boilerplate unless they wrap most of the page (ASP.NET wraps whole pages in one `<form>`,
/// some themes put the article inside `<header>` or `<aside>` layouts). A `<figure>` holds an
/// image and its caption and credit, which are not article text.
pub(super) fn is_soft_boiler_tag(tag: &str) -> bool {
    matches!(tag, "aside" | "footer" | "header" | "form" | "figure")
}

/// `display: none` or `visibility: hidden` in an inline style, without allocating.
pub(super) fn hidden_style(style: &str) -> bool {
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
