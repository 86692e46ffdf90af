//! The title: the page's headline from `<h1>`, JSON-LD, Open Graph or `<title>`.

use super::readout::collapse;
use crate::meta::{Collected, LdArticle};

pub(super) fn pick_title(c: &Collected<'_>, ld: &LdArticle) -> String {
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
