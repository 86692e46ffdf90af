//! Keywords and the term vector used to compare articles: content words (stop words removed,
//! crude plural stemming), weighted by frequency with a boost for the title and lead.

use std::collections::HashMap;

use crate::text::{fold_word, is_stop, stem, words};

/// Stemmed terms of `text` with weights (1 + ln tf, title and lead words count more), heaviest
/// first, at most `limit`. `title_end` is the byte offset where the title ends.
pub(crate) fn term_weights(text: &str, title_end: usize, limit: usize) -> Vec<(String, f32)> {
    let mut tf: HashMap<String, f32> = HashMap::new();
    for w in words(text) {
        let f = fold_word(w.raw);
        if f.chars().count() < 3 || is_stop(&f) || !f.chars().all(char::is_alphabetic) {
            continue;
        }
        let boost = if w.start < title_end {
            3.0
        } else if w.start < title_end + 400 {
            1.5
        } else {
            1.0
        };
        *tf.entry(stem(&f)).or_default() += boost;
    }
    let mut v: Vec<(String, f32)> = tf.into_iter().map(|(t, n)| (t, 1.0 + n.ln())).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(limit);
    v
}

/// Up to `n` keywords: frequent two-word phrases and single terms, most important first, in the
/// folded form most often written.
pub(crate) fn keywords(text: &str, title_end: usize, n: usize) -> Vec<String> {
    let ws = words(text);
    let folded: Vec<String> = ws.iter().map(|w| fold_word(w.raw)).collect();
    let content = |i: usize| {
        let f = &folded[i];
        f.chars().count() >= 3 && !is_stop(f) && f.chars().all(char::is_alphabetic)
    };
    let boost = |start: usize| {
        if start < title_end {
            3.0
        } else {
            1.0
        }
    };
    // Ties go to the term that appears first.
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut uni: HashMap<String, (f32, HashMap<&str, u32>)> = HashMap::new();
    let mut bi: HashMap<String, (f32, u32)> = HashMap::new();
    for i in 0..ws.len() {
        if !content(i) {
            continue;
        }
        first.entry(folded[i].clone()).or_insert(i);
        let e = uni.entry(stem(&folded[i])).or_default();
        e.0 += boost(ws[i].start);
        *e.1.entry(folded[i].as_str()).or_default() += 1;
        if i + 1 < ws.len()
            && content(i + 1)
            && text[ws[i].end..ws[i + 1].start].chars().all(|c| c == ' ')
        {
            let key = format!("{} {}", folded[i], folded[i + 1]);
            first.entry(key.clone()).or_insert(i);
            let b = bi.entry(key).or_default();
            b.0 += boost(ws[i].start);
            b.1 += 1;
        }
    }
    let mut cands: Vec<(String, f32)> = bi
        .into_iter()
        .filter(|(_, (_, count))| *count >= 2)
        .map(|(k, (s, _))| (k, s * 2.0))
        .collect();
    for (_, (s, forms)) in uni {
        let form = forms
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(f, _)| f.to_string())
            .unwrap_or_default();
        cands.push((form, s));
    }
    let pos = |k: &str| first.get(k).copied().unwrap_or(usize::MAX);
    cands.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| pos(&a.0).cmp(&pos(&b.0)))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut out: Vec<String> = Vec::new();
    for (k, _) in cands {
        // A word already inside a chosen phrase adds little.
        let covered = out.iter().any(|o| {
            o.split(' ').any(|w| w == k) || k.split(' ').all(|w| out.iter().any(|o| o == w))
        });
        if !covered {
            out.push(k);
        }
        if out.len() == n {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Volcano erupts near Grindavik\n\nA volcano erupted on the Reykjanes \
        peninsula on Tuesday, sending lava towards the town of Grindavik. The lava flow reached \
        the defensive walls. Residents of Grindavik were evacuated as the volcano kept erupting, \
        and the lava flow slowed overnight.";

    #[test]
    fn keywords_favour_repeated_and_title_terms() {
        let k = keywords(TEXT, 29, 5);
        assert!(k.contains(&"volcano".to_string()), "{k:?}");
        assert!(k.contains(&"grindavik".to_string()), "{k:?}");
        assert!(k.contains(&"lava flow".to_string()), "{k:?}");
        assert!(!k.iter().any(|w| w == "the" || w == "tuesday"), "{k:?}");
    }

    #[test]
    fn term_weights_merge_plurals_and_skip_stop_words() {
        let t = term_weights("Prisoners and a prisoner; los presos y el preso", 0, 10);
        let terms: Vec<&str> = t.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(terms.len(), 2, "{terms:?}");
        assert!(terms.contains(&"prisoner") && terms.contains(&"preso"));
    }
}
