//! Keywords and the term vector used to compare articles: content words (stop words removed,
//! crude plural stemming), weighted by frequency with a boost for the title and lead.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::text::{is_stop, stem, Folded};

/// A word that can be a term: three letters or more, not a stop word.
fn is_content(f: &str) -> bool {
    f.chars().count() >= 3 && !is_stop(f) && f.chars().all(char::is_alphabetic)
}

/// Stemmed terms of a text (its words, folded) with weights (1 + ln tf, title and lead words
/// count more), heaviest first, at most `limit`. `title_end` is the byte offset where the title
/// ends.
pub(crate) fn term_weights(
    words: &Folded<'_>,
    title_end: usize,
    limit: usize,
) -> Vec<(String, f32)> {
    let mut tf: HashMap<Cow<'_, str>, f32> = HashMap::new();
    for (w, f) in words.ws.iter().zip(&words.folded) {
        if !is_content(f) {
            continue;
        }
        let boost = if w.start < title_end {
            3.0
        } else if w.start < title_end + 400 {
            1.5
        } else {
            1.0
        };
        *tf.entry(stem(f)).or_default() += boost;
    }
    let mut v: Vec<(Cow<'_, str>, f32)> = tf.into_iter().map(|(t, n)| (t, 1.0 + n.ln())).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(limit);
    v.into_iter().map(|(t, w)| (t.into_owned(), w)).collect()
}

/// Up to `n` keywords: frequent two-word phrases and single terms, most important first, in the
/// folded form most often written.
pub(crate) fn keywords(text: &str, words: &Folded<'_>, title_end: usize, n: usize) -> Vec<String> {
    let (ws, folded) = (&words.ws, &words.folded);
    let content: Vec<bool> = folded.iter().map(|f| is_content(f)).collect();
    let boost = |start: usize| {
        if start < title_end {
            3.0
        } else {
            1.0
        }
    };
    // Per stem: score and its written forms with count and first position (ties go to the term
    // that appears first); per pair of words: score, count and first position.
    type Forms<'x> = Vec<(&'x str, u32, usize)>;
    let mut uni: HashMap<Cow<'_, str>, (f32, Forms<'_>)> = HashMap::new();
    let mut bi: HashMap<(&str, &str), (f32, u32, usize)> = HashMap::new();
    for i in 0..ws.len() {
        if !content[i] {
            continue;
        }
        let f: &str = &folded[i];
        let e = uni.entry(stem(f)).or_default();
        e.0 += boost(ws[i].start);
        match e.1.iter_mut().find(|x| x.0 == f) {
            Some(x) => x.1 += 1,
            None => e.1.push((f, 1, i)),
        }
        if i + 1 < ws.len()
            && content[i + 1]
            && text[ws[i].end..ws[i + 1].start].chars().all(|c| c == ' ')
        {
            let b = bi.entry((f, &folded[i + 1])).or_insert((0.0, 0, i));
            b.0 += boost(ws[i].start);
            b.1 += 1;
        }
    }
    let mut cands: Vec<(String, f32, usize)> = bi
        .into_iter()
        .filter(|(_, (_, count, _))| *count >= 2)
        .map(|((a, b), (s, _, pos))| (format!("{a} {b}"), s * 2.0, pos))
        .collect();
    for (_, (s, forms)) in uni {
        if let Some((form, _, pos)) = forms
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        {
            cands.push((form.to_string(), s, pos));
        }
    }
    cands.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.2.cmp(&b.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut out: Vec<String> = Vec::new();
    for (k, _, _) in cands {
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
        let k = keywords(TEXT, &Folded::new(TEXT), 29, 5);
        assert!(k.contains(&"volcano".to_string()), "{k:?}");
        assert!(k.contains(&"grindavik".to_string()), "{k:?}");
        assert!(k.contains(&"lava flow".to_string()), "{k:?}");
        assert!(!k.iter().any(|w| w == "the" || w == "tuesday"), "{k:?}");
    }

    #[test]
    fn term_weights_merge_plurals_and_skip_stop_words() {
        let t = term_weights(
            &Folded::new("Prisoners and a prisoner; los presos y el preso"),
            0,
            10,
        );
        let terms: Vec<&str> = t.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(terms.len(), 2, "{terms:?}");
        assert!(terms.contains(&"prisoner") && terms.contains(&"preso"));
    }
}
