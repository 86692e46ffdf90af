//! Scoring: what is boilerplate, how much text and link text each element holds, and how
//! paragraphs score their ancestors.

use super::arena::Item;
use super::flags::*;
use super::weights::Ctx;

/// Passes 2 and 3: decide what is boilerplate (top-down), then sum visible text and link text
/// and let each paragraph score its ancestors (bottom-up). Linear, no recursion.
pub(super) fn settle(items: &mut [Item<'_>], cx: Ctx<'_>) {
    let total_raw = items.first().map_or(0, |r| r.raw) as f32;
    for i in 0..items.len() {
        let parent = items[i].parent;
        let pflags = items.get(parent as usize).map_or(0, |p| p.flags);
        let it = &mut items[i];
        if pflags & (DEAD | BOILER | UNDER) != 0 {
            it.flags |= UNDER;
        }
        // A class-named block holding most of the page's text is a layout wrapper
        // ("has-sidebar"). The relaxed pass keeps class-named and hidden blocks: on the pages
        // it runs for, the strict pass found no body outside them (bodies hidden until a
        // script runs, inside "sidebar"-named layouts).
        let wrapper = (it.raw as f32) >= cx.w.wrapper_share * total_raw;
        if it.flags & TAG_BOILER != 0
            || (!cx.relaxed && (it.flags & HIDDEN != 0 || (it.flags & CLASS_NEG != 0 && !wrapper)))
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
        // Short table cells and list lines score a share in proportion to their length: a body
        // of many short lines is still a body.
        let full = it.flow >= cx.w.min_paragraph_chars;
        let short = !full
            && it.flow > 0
            && cx.w.short_block_share > 0.0
            && matches!(it.tag, "li" | "td" | "dd" | "dt" | "p");
        if flags & INLINE == 0 && (full || short) {
            // Link text is text on the relaxed pass (listings are made of it).
            let own_ld = if cx.relaxed {
                0.0
            } else {
                it.flow_link as f32 / it.flow as f32
            };
            let base = if full {
                1.0 + it.flow_commas as f32 + (it.flow as f32 / 100.0).min(3.0)
            } else {
                cx.w.short_block_share * it.flow as f32 / cx.w.min_paragraph_chars.max(1) as f32
            };
            let s = base * (1.0 - own_ld);
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

pub(super) fn tag_bonus(tag: &str, cx: Ctx<'_>) -> f32 {
    match tag {
        "div" | "article" | "main" | "section" => cx.w.tag_container,
        "pre" | "td" | "blockquote" => cx.w.tag_textlike,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => cx.w.tag_listlike,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => cx.w.tag_heading,
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

/// An element's score as a candidate: what its paragraphs gave it, its tag and class bonuses,
/// damped by its link text (not on the relaxed pass).
pub(super) fn final_score(it: &Item<'_>, cx: Ctx<'_>) -> f32 {
    let mut weight = it.weight;
    if cx.w.class_full_chars > 0.0 {
        weight *= (it.chars as f32 / cx.w.class_full_chars).min(1.0);
    }
    let ld = if cx.relaxed { 0.0 } else { link_density(it) };
    (it.score + tag_bonus(it.tag, cx) + weight) * (1.0 - ld)
}
