//! Scoring: what is boilerplate, how much text and link text each element holds, and how
//! paragraphs score their ancestors.

use super::arena::Item;
use super::flags::*;

/// A class-named boilerplate block holding more than this share of the page's text is a layout
/// wrapper ("has-sidebar", "page-header-offset"), not boilerplate.
pub(super) const WRAPPER_SHARE: f32 = 0.5;

/// Passes 2 and 3: decide what is boilerplate (top-down), then sum visible text and link text
/// and let each paragraph score its ancestors (bottom-up). Linear, no recursion.
pub(super) fn settle(items: &mut [Item<'_>]) {
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

pub(super) fn tag_bonus(tag: &str) -> f32 {
    match tag {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

pub(super) fn link_density(it: &Item<'_>) -> f32 {
    if it.chars == 0 {
        0.0
    } else {
        it.link_chars as f32 / it.chars as f32
    }
}

pub(super) fn final_score(it: &Item<'_>) -> f32 {
    (it.score + tag_bonus(it.tag) + it.weight) * (1.0 - link_density(it))
}
