//! Read-out: the text of the chosen subtrees, paragraph by paragraph.

use super::arena::Item;
use super::flags::*;
use super::score::link_density;
use super::weights::Ctx;

pub(super) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Read the text of the chosen subtrees, paragraph by paragraph, skipping boilerplate.
pub(super) fn read_out(items: &[Item<'_>], roots: &[u32], cx: Ctx<'_>) -> Vec<String> {
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
                // Soft hyphens and zero-width spaces are invisible line-breaking hints that
                // would split words in the text.
                if it.text.contains(['\u{ad}', '\u{200b}']) {
                    cur.extend(
                        it.text
                            .chars()
                            .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}')),
                    );
                } else {
                    cur.push_str(it.text);
                }
                i += 1;
                continue;
            }
            let skip = i != root
                && (it.flags & (DEAD | BOILER) != 0
                    || (it.flags & INLINE == 0 && !cx.relaxed && skip_block(it)));
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
pub(super) fn skip_block(it: &Item<'_>) -> bool {
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
