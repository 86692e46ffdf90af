//! A short extractive summary: the sentences that carry most of the article's key terms, with a
//! preference for the lead, returned in text order.

use std::collections::HashMap;

use crate::text::{fold_word, is_stop, sentences, stem, words};

/// Up to `max_sentences` sentences of `text` after `body_start` (the title is not repeated).
pub(crate) fn summarize(text: &str, body_start: usize, max_sentences: usize) -> String {
    let body = &text[body_start.min(text.len())..];
    let spans = sentences(body);
    let terms_of = |s: &str| -> Vec<String> {
        words(s)
            .iter()
            .map(|w| fold_word(w.raw))
            .filter(|f| f.chars().count() >= 3 && !is_stop(f) && f.chars().all(char::is_alphabetic))
            .map(|f| stem(&f).into_owned())
            .collect()
    };
    let sents: Vec<(&str, Vec<String>)> = spans
        .iter()
        .map(|&(a, b)| (&body[a..b], terms_of(&body[a..b])))
        .collect();
    let mut tf: HashMap<&str, f32> = HashMap::new();
    for (_, ts) in &sents {
        for t in ts {
            *tf.entry(t.as_str()).or_default() += 1.0;
        }
    }
    let mut scored: Vec<(usize, f32)> = sents
        .iter()
        .enumerate()
        .filter(|(_, (s, ts))| ts.len() >= 4 && s.len() <= 400 && !s.ends_with('?'))
        .map(|(i, (_, ts))| {
            let mass: f32 = ts
                .iter()
                .map(|t| tf.get(t.as_str()).copied().unwrap_or(0.0).ln_1p())
                .sum();
            let position = 1.0 + 0.5 / (1.0 + i as f32);
            (i, mass / (ts.len() as f32).sqrt() * position)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = Vec::new();
    for (i, _) in scored {
        // Skip a sentence that repeats one already chosen (repeated paragraphs, rewrites).
        let similar = chosen
            .iter()
            .any(|&c| overlap(&sents[c].1, &sents[i].1) > 0.6);
        if !similar {
            chosen.push(i);
        }
        if chosen.len() == max_sentences {
            break;
        }
    }
    chosen.sort_unstable();
    chosen
        .iter()
        .map(|&i| sents[i].0)
        .collect::<Vec<_>>()
        .join(" ")
}

fn overlap(a: &[String], b: &[String]) -> f32 {
    let hits = a.iter().filter(|t| b.contains(t)).count();
    hits as f32 / a.len().min(b.len()).max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_sentences_of_the_text_in_order() {
        let text = "Title line\n\nThe council approved the new harbour budget on Monday after a \
            long debate. Critics said the harbour budget ignored flood defences. The weather was \
            mild. The mayor said the harbour budget would create jobs in the port district.";
        let s = summarize(text, 12, 2);
        assert!(s.starts_with("The council approved"), "{s}");
        assert!(!s.contains("weather"), "{s}");
        let parts: Vec<&str> = s.split(". ").collect();
        assert_eq!(parts.len(), 2, "{s}");
        for p in parts {
            assert!(text.contains(p.trim_end_matches('.')), "{p}");
        }
    }

    #[test]
    fn repeated_sentences_are_not_chosen_twice() {
        let text = "T\n\nThe plane carrying repatriated migrants landed in Maiquetía on Friday. \
            The plane carrying repatriated migrants landed in Maiquetía on Friday. Officials \
            confirmed the prisoner exchange with Venezuela.";
        let s = summarize(text, 3, 2);
        assert_eq!(s.matches("The plane").count(), 1, "{s}");
    }

    #[test]
    fn empty_text_gives_empty_summary() {
        assert_eq!(summarize("", 0, 3), "");
    }
}
