//! The article-extraction-benchmark metric (scrapinghub AEB): 4-token shingles counted as a
//! multiset, per-document TP/FP/FN scaled to sum to 1, corpus precision and recall as means over
//! documents, F1 as their harmonic mean. Kept here, beside the extractor, so its tests run in CI.

use std::collections::HashMap;

/// Shingle size the benchmark uses.
pub const SHINGLE: usize = 4;

/// One document's scaled match counts (they sum to 1, or are all 0 when both texts are empty).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Match {
    /// Shingles in both texts.
    pub tp: f64,
    /// Shingles predicted but not in the truth.
    pub fp: f64,
    /// Shingles in the truth but not predicted.
    pub fn_: f64,
}

/// Corpus precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Mean precision over documents with a prediction.
    pub precision: f64,
    /// Mean recall over documents with a truth.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

/// Maximal runs of word characters (Python's `\w+`: letters, digits, marks, underscore).
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let word = c.is_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

fn shingles<'a>(tokens: &[&'a str], n: usize) -> HashMap<Vec<&'a str>, u32> {
    let mut m = HashMap::new();
    if tokens.is_empty() {
        return m;
    }
    // Fewer than n tokens: one shingle of all of them (as the reference does).
    let windows = tokens.len().saturating_sub(n) + 1;
    for i in 0..windows {
        let end = (i + n).min(tokens.len());
        *m.entry(tokens[i..end].to_vec()).or_insert(0) += 1;
    }
    m
}

/// Scaled TP/FP/FN of a prediction against the truth with `n`-token shingles.
pub fn shingle_match(truth: &str, pred: &str, n: usize) -> Match {
    let n = n.max(1);
    let t = shingles(&tokens(truth), n);
    let p = shingles(&tokens(pred), n);
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    for (k, &tc) in &t {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += u64::from(tc.min(pc));
        fn_ += u64::from(tc.saturating_sub(pc));
        fp += u64::from(pc.saturating_sub(tc));
    }
    for (k, &pc) in &p {
        if !t.contains_key(k) {
            fp += u64::from(pc);
        }
    }
    let s = (tp + fp + fn_) as f64;
    if s == 0.0 {
        return Match::default();
    }
    Match {
        tp: tp as f64 / s,
        fp: fp as f64 / s,
        fn_: fn_ as f64 / s,
    }
}

fn precision_of(m: &Match) -> f64 {
    if m.fp == 0.0 && m.fn_ == 0.0 {
        1.0
    } else {
        m.tp / (m.tp + m.fp)
    }
}

fn recall_of(m: &Match) -> f64 {
    if m.fp == 0.0 && m.fn_ == 0.0 {
        1.0
    } else {
        m.tp / (m.tp + m.fn_)
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Corpus scores: precision over documents with TP+FP > 0, recall over those with TP+FN > 0.
pub fn corpus(docs: &[Match]) -> Scores {
    let precision = mean(docs.iter().filter(|m| m.tp + m.fp > 0.0).map(precision_of));
    let recall = mean(docs.iter().filter(|m| m.tp + m.fn_ > 0.0).map(recall_of));
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Scores {
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn tokens_are_word_runs() {
        assert_eq!(
            tokens("Hello, wörld! it's 2025_x —ok"),
            vec!["Hello", "wörld", "it", "s", "2025_x", "ok"]
        );
        assert!(tokens(" ,.; ").is_empty());
    }

    #[test]
    fn readme_case_three_token_shingles() {
        // truth shingles {abc, bcd}, prediction {abc}: TP 1, FN 1, FP 0 → 0.5/0/0.5.
        let m = shingle_match("a b c d", "a b c", 3);
        assert!(close(m.tp, 0.5) && close(m.fp, 0.0) && close(m.fn_, 0.5));
        let s = corpus(&[m]);
        assert!(close(s.precision, 1.0));
        assert!(close(s.recall, 0.5));
        assert!(close(s.f1, 2.0 / 3.0));
    }

    #[test]
    fn short_texts_are_one_shingle() {
        // Two tokens: one shingle each; identical → perfect, different → all wrong.
        let m = shingle_match("a b", "a b", 4);
        assert!(close(m.tp, 1.0));
        let m = shingle_match("a b", "a c", 4);
        assert!(close(m.tp, 0.0) && close(m.fp, 0.5) && close(m.fn_, 0.5));
    }

    #[test]
    fn repeated_shingles_count_as_a_multiset() {
        // truth: a b c d (1 shingle); prediction repeats it: "a b c d a b c d" has 5 shingles,
        // abcd twice, bcda, cdab, dabc once each → TP 1, FP 4, FN 0 → 0.2/0.8/0.
        let m = shingle_match("a b c d", "a b c d a b c d", 4);
        assert!(close(m.tp, 0.2) && close(m.fp, 0.8) && close(m.fn_, 0.0));
    }

    #[test]
    fn empty_prediction_counts_for_recall_only() {
        let empty = shingle_match("a b c d e", "", 4);
        assert!(close(empty.fn_, 1.0));
        let perfect = shingle_match("x y z w", "x y z w", 4);
        let s = corpus(&[empty, perfect]);
        // Precision ignores the document without a prediction; recall averages 0 and 1.
        assert!(close(s.precision, 1.0));
        assert!(close(s.recall, 0.5));
    }

    #[test]
    fn case_matters_and_punctuation_does_not() {
        let m = shingle_match("The cat sat down.", "the cat sat down", 4);
        assert!(close(m.tp, 0.0));
        let m = shingle_match("The cat, sat — down.", "The cat sat down", 4);
        assert!(close(m.tp, 1.0));
    }
}
