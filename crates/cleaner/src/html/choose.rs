//! Candidate choice: the main container and the siblings that belong with it.

use super::arena::Item;
use super::flags::*;
use super::score::{final_score, link_density};
use super::weights::Ctx;

/// Pick the main container and the siblings that belong with it; indexes into the arena.
pub(super) fn choose(items: &[Item<'_>], cx: Ctx<'_>) -> (Vec<u32>, f32, f32) {
    // The five best candidates, best first.
    let mut tops: Vec<(f32, u32)> = Vec::with_capacity(6);
    for (i, it) in items.iter().enumerate() {
        if it.score <= 0.0 || it.flags & (DEAD | BOILER | UNDER | TEXT | INLINE) != 0 {
            continue;
        }
        let s = final_score(it, cx);
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
        .filter(|(s, i)| {
            *s >= cx.w.chunk_ratio * first_score && !contains(*i, first) && !contains(first, *i)
        })
        .map(|t| t.1)
        .collect();
    if !alts.is_empty() {
        // Only an ancestor with little link text, up to `chunk_levels` up: chunks of one body
        // sit 4-10 levels below their common ancestor on page builders and forums, while an
        // ancestor holding the page layout carries its menus' and footers' links.
        let mut a = items[first as usize].parent;
        let mut up = 0;
        while let Some(anc) = items.get(a as usize) {
            if matches!(anc.tag, "body" | "html") || up >= cx.w.chunk_levels {
                break;
            }
            if alts.iter().any(|&x| contains(a, x)) {
                if link_density(anc) <= cx.w.chunk_max_link_density {
                    top = a;
                }
                break;
            }
            a = anc.parent;
            up += 1;
        }
    }
    // A candidate around the choice scoring nearly as well holds more of the same body (page
    // builders spread one body over many scoring blocks); the outermost such one is taken.
    if cx.w.ancestor_ratio > 0.0 {
        for &(s, i) in &tops {
            if i != top
                && contains(i, top)
                && s >= cx.w.ancestor_ratio * first_score
                && link_density(&items[i as usize]) <= cx.w.chunk_max_link_density
            {
                top = i;
            }
        }
    }
    // Parents whose score keeps rising hold more of the article (readability's climb).
    let mut last = final_score(&items[top as usize], cx);
    let floor = last / 3.0;
    let mut a = items[top as usize].parent;
    while let Some(anc) = items.get(a as usize) {
        if matches!(anc.tag, "body" | "html") || anc.flags & (BOILER | UNDER) != 0 {
            break;
        }
        if anc.score > 0.0 {
            let s = final_score(anc, cx);
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
    let top_score = final_score(&items[top as usize], cx).max(first_score);
    let t = &items[top as usize];
    let parent = t.parent;
    let Some(p) = items.get(parent as usize) else {
        return (vec![top], top_score, second);
    };
    let threshold = (top_score * cx.w.sibling_share).max(cx.w.sibling_min);
    let mut out = Vec::new();
    let mut c = parent + 1;
    while c < p.end {
        let s = &items[c as usize];
        let next = s.end;
        if c == top {
            out.push(c);
        } else if s.flags & (TEXT | DEAD | BOILER | UNDER) == 0 {
            let bonus = if !t.class.is_empty() && s.class == t.class {
                top_score * cx.w.same_class_bonus
            } else {
                0.0
            };
            let ld = link_density(s);
            let take = (s.score > 0.0 && final_score(s, cx) + bonus >= threshold)
                || (s.flags & PARA != 0
                    && ((s.chars > 80 && ld < 0.25)
                        || (s.chars > 0 && ld == 0.0 && ends_sentence(items, c))));
            if take {
                out.push(c);
            }
        }
        c = next;
    }
    if let Some(group) = repeated(items, top, &out, cx) {
        out = group;
    }
    if let Some(main) = main_whole(items, top, &out, cx) {
        out = vec![main];
    }
    (out, top_score, second)
}

/// A body in many repeated blocks (forum posts, answers, FAQ entries, product cards, recipe
/// steps, page-builder sections) of which the choice holds one: the nearest ancestor up to
/// `repeat_levels` whose child on the way down has siblings of the same tag and class, the
/// group holding clearly more text than the choice and little link text. The group replaces
/// the choice.
fn repeated(items: &[Item<'_>], top: u32, chosen: &[u32], cx: Ctx<'_>) -> Option<Vec<u32>> {
    if cx.w.repeat_levels == 0 {
        return None;
    }
    let chosen_chars: u32 = chosen.iter().map(|&c| items[c as usize].chars).sum();
    let mut best: Option<(u32, Vec<u32>)> = None;
    let mut child = top;
    let mut a = items[top as usize].parent;
    let mut up = 0;
    while let Some(anc) = items.get(a as usize) {
        if matches!(anc.tag, "body" | "html")
            || anc.flags & (BOILER | UNDER) != 0
            || up >= cx.w.repeat_levels
        {
            break;
        }
        let c0 = &items[child as usize];
        let keyed = !c0.class.is_empty() || matches!(c0.tag, "article" | "section" | "li" | "tr");
        if keyed {
            let mut group = Vec::new();
            let (mut chars, mut links) = (0u32, 0u32);
            let mut c = a + 1;
            while c < anc.end {
                let s = &items[c as usize];
                if s.flags & (TEXT | DEAD | BOILER | UNDER) == 0
                    && s.tag == c0.tag
                    && s.class == c0.class
                {
                    group.push(c);
                    chars += s.chars;
                    links += s.link_chars;
                }
                c = s.end;
            }
            let ld = links as f32 / chars.max(1) as f32;
            if group.len() >= 2
                && ld <= cx.w.repeat_max_link_density
                && chars as f32 >= cx.w.repeat_gain * chosen_chars as f32
                && best.as_ref().is_none_or(|(n, _)| chars > *n)
            {
                best = Some((chars, group));
            }
        }
        child = a;
        a = anc.parent;
        up += 1;
    }
    best.map(|(_, g)| g)
}

/// A page built of many sections under `<main>` (service, product and landing pages), of
/// which the choice holds one: when the choice holds less than `main_share` of the text of the
/// `<main>` around it and that `<main>` has little link text, the whole `<main>` is the body
/// (its boilerplate-named blocks and link lists are still skipped on read-out).
fn main_whole(items: &[Item<'_>], top: u32, chosen: &[u32], cx: Ctx<'_>) -> Option<u32> {
    if cx.w.main_share <= 0.0 {
        return None;
    }
    let chosen_chars: u32 = chosen.iter().map(|&c| items[c as usize].chars).sum();
    let mut a = items[top as usize].parent;
    while let Some(anc) = items.get(a as usize) {
        if matches!(anc.tag, "body" | "html") || anc.flags & (BOILER | UNDER) != 0 {
            return None;
        }
        if anc.tag == "main" {
            return (link_density(anc) <= cx.w.chunk_max_link_density
                && (chosen_chars as f32) < cx.w.main_share * anc.chars as f32)
                .then_some(a);
        }
        a = anc.parent;
    }
    None
}

pub(super) fn ends_sentence(items: &[Item<'_>], i: u32) -> bool {
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
