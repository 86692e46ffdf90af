//! Sentence boundaries, shared by the cleaner (a title made from the first sentence) and the
//! enricher (summaries, sentence starts for names).

use crate::{fold_cow, lexicon};

/// Sentence spans (byte offsets) of `text`: split at `.`, `!`, `?`, `…` followed by a space and a
/// capital, quote or digit, and at line breaks. A full stop after an abbreviation ("U.S.",
/// "Mr.", "St.", a single capital) or after a day number before a month ("am 10. Oktober") does
/// not end one.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let lx = lexicon();
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        let end_here = match c {
            '\n' => Some(pos),
            '.' | '!' | '?' | '…' => {
                // A sentence may end inside a quotation or bracket: "… avec vous tous." Voici
                let closing = chars[i + 1..]
                    .iter()
                    .take_while(|x| "\"”»’)".contains(x.1))
                    .count();
                let next = chars.get(i + 1 + closing).map(|x| x.1);
                let after = chars.get(i + 2 + closing).map(|x| x.1);
                let boundary = next.is_none()
                    || (next.is_some_and(char::is_whitespace)
                        && after.is_some_and(|a| {
                            a.is_uppercase() || a.is_ascii_digit() || "\"“'‘¿¡(".contains(a)
                        }));
                let keep = c == '.' && boundary && next.is_some() && {
                    let before = text[start..pos]
                        .rsplit(char::is_whitespace)
                        .next()
                        .unwrap_or("");
                    let word_after = text[pos + 1..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(|ch: char| !ch.is_alphanumeric());
                    before.contains('.')
                        || (before.chars().count() == 1 && before.chars().all(char::is_uppercase))
                        || lx.is_abbreviation(&fold_cow(before))
                        // An ordinal day: "10. Oktober", "1. Januar".
                        || (before.len() <= 2
                            && before.bytes().all(|b| b.is_ascii_digit())
                            && lx.month(&fold_cow(word_after)).is_some())
                };
                (boundary && !keep).then(|| chars.get(i + 1 + closing).map_or(text.len(), |x| x.0))
            }
            _ => None,
        };
        if let Some(end) = end_here {
            if !text[start..end].trim().is_empty() {
                out.push(trim_span(text, start, end));
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(trim_span(text, start, text.len()));
    }
    out
}

fn trim_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    (start + lead, end - trail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(t: &str) -> Vec<&str> {
        sentences(t).iter().map(|&(a, b)| &t[a..b]).collect()
    }

    #[test]
    fn a_sentence_may_end_inside_a_quotation() {
        assert_eq!(
            split("\"Que la paix soit avec vous.\" Voici les mots. (Il a dit non.) Puis"),
            [
                "\"Que la paix soit avec vous.\"",
                "Voici les mots.",
                "(Il a dit non.)",
                "Puis"
            ]
        );
    }

    #[test]
    fn sentences_skip_abbreviations_and_ordinal_days() {
        assert_eq!(
            split("The U.S. official spoke. Mr. Rubio agreed! Then 10 left.\nNext line"),
            [
                "The U.S. official spoke.",
                "Mr. Rubio agreed!",
                "Then 10 left.",
                "Next line"
            ]
        );
        assert_eq!(
            split("Am 10. Oktober 2024 traf Milton Florida. Dann kam der Regen."),
            [
                "Am 10. Oktober 2024 traf Milton Florida.",
                "Dann kam der Regen."
            ]
        );
        assert_eq!(
            split("Floods hit St. Petersburg and Sra. Gómez left. Rain fell."),
            [
                "Floods hit St. Petersburg and Sra. Gómez left.",
                "Rain fell."
            ]
        );
        // A number that ends a sentence still ends it.
        assert_eq!(
            split("The toll rose to 10. Rescuers searched on."),
            ["The toll rose to 10.", "Rescuers searched on."]
        );
    }
}
