//! Small text helpers shared by the enrichment steps: words with offsets, stop words, sentences.

use std::borrow::Cow;

/// Lower-case and strip Latin diacritics, so "Nicolás" and "Nicolas" meet; borrowed when the word
/// is folded already.
pub(crate) fn fold_word(s: &str) -> Cow<'_, str> {
    lexicon::fold_cow(s)
}

/// A run of letters or digits (with inner `.`, `,` between digits, `'` and `-`), by byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// The word as written.
    pub raw: &'a str,
}

impl Word<'_> {
    /// Written with a capital first letter.
    pub fn capitalised(&self) -> bool {
        self.raw.chars().next().is_some_and(char::is_uppercase)
    }

    /// All digits (allowing `,` and `.` between digits).
    pub fn is_number(&self) -> bool {
        self.raw.chars().next().is_some_and(|c| c.is_ascii_digit())
            && self
                .raw
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    }
}

/// The words of a text with their folded forms: tokenised and folded once per article and shared
/// by the steps that read words (names, claims, keywords, terms, shingles, numbers).
pub(crate) struct Folded<'a> {
    /// Words in order.
    pub ws: Vec<Word<'a>>,
    /// Folded form of each word.
    pub folded: Vec<Cow<'a, str>>,
}

impl<'a> Folded<'a> {
    /// Tokenise and fold `text`.
    pub fn new(text: &'a str) -> Self {
        let ws = words(text);
        let folded = ws.iter().map(|w| fold_word(w.raw)).collect();
        Self { ws, folded }
    }
}

/// Words of `text` in order.
pub(crate) fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut it = text.char_indices().peekable();
    while let Some((pos, c)) = it.next() {
        let next = it.peek().map(|x| x.1);
        let inner = start.is_some()
            && match c {
                '\'' | '’' | '-' => next.is_some_and(char::is_alphanumeric),
                '.' | ',' => {
                    next.is_some_and(|n| n.is_ascii_digit())
                        && start.is_some_and(|s| {
                            text[s..pos]
                                .chars()
                                .all(|x| x.is_ascii_digit() || x == ',' || x == '.')
                        })
                }
                _ => false,
            };
        if c.is_alphanumeric() || inner {
            start.get_or_insert(pos);
        } else if let Some(s) = start.take() {
            out.push(Word {
                start: s,
                end: pos,
                raw: &text[s..pos],
            });
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
            raw: &text[s..],
        });
    }
    out
}

/// True for a function word, reporting verb or calendar word in any of the six languages
/// (after folding); the lists are data (`lexicon`).
pub(crate) fn is_stop(folded: &str) -> bool {
    lexicon::lexicon().is_stop(folded)
}

/// A crude, language-agnostic stem: fold and drop common plural endings, so that "prisoners" and
/// "prisoner", "presos" and "preso" count as one term.
pub(crate) fn stem(folded: &str) -> Cow<'_, str> {
    let n = folded.chars().count();
    if n > 4 && folded.ends_with("ies") {
        return Cow::Owned(format!("{}y", &folded[..folded.len() - 3]));
    }
    if n > 3 && folded.ends_with('s') && !folded.ends_with("ss") && !folded.ends_with("us") {
        return Cow::Borrowed(&folded[..folded.len() - 1]);
    }
    Cow::Borrowed(folded)
}

/// Sentence spans (byte offsets) of `text`: split at `.`, `!`, `?` followed by space and a capital,
/// quote or digit, and at line breaks. Abbreviations such as "U.S." and "Mr." do not end one.
pub(crate) fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let end_here = match c {
            '\n' => Some(pos),
            '.' | '!' | '?' | '…' => {
                let next = chars.get(i + 1).map(|x| x.1);
                let after = chars.get(i + 2).map(|x| x.1);
                let word_before: String = text[start..pos]
                    .rsplit(|ch: char| ch.is_whitespace())
                    .next()
                    .unwrap_or("")
                    .to_string();
                let abbrev = c == '.'
                    && (word_before.contains('.')
                        || matches!(
                            word_before.as_str(),
                            "Mr" | "Mrs"
                                | "Ms"
                                | "Dr"
                                | "St"
                                | "Sr"
                                | "Sra"
                                | "Jr"
                                | "Gen"
                                | "Gov"
                                | "Sen"
                                | "Rep"
                                | "Lt"
                                | "Col"
                        )
                        || (word_before.chars().count() == 1
                            && word_before.chars().all(char::is_uppercase)));
                let boundary = next.is_none()
                    || (next.is_some_and(char::is_whitespace)
                        && after.is_some_and(|a| {
                            a.is_uppercase() || a.is_ascii_digit() || "\"“'‘¿¡(".contains(a)
                        }));
                (boundary && !abbrev).then(|| pos + c.len_utf8())
            }
            _ => None,
        };
        if let Some(end) = end_here {
            if !text[start..end].trim().is_empty() {
                out.push(trim_span(text, start, end));
            }
            start = end;
        }
        i += 1;
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

    #[test]
    fn words_keep_numbers_and_offsets() {
        let t = "About 1,500 people (U.S.) said: it's 3.5%.";
        let w: Vec<&str> = words(t).iter().map(|w| w.raw).collect();
        assert_eq!(
            w,
            ["About", "1,500", "people", "U", "S", "said", "it's", "3.5"]
        );
        for x in words(t) {
            assert_eq!(&t[x.start..x.end], x.raw);
        }
    }

    #[test]
    fn sentences_skip_abbreviations() {
        let t = "The U.S. official spoke. Mr. Rubio agreed! Then 10 left.\nNext line";
        let s: Vec<&str> = sentences(t).iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            s,
            [
                "The U.S. official spoke.",
                "Mr. Rubio agreed!",
                "Then 10 left.",
                "Next line"
            ]
        );
    }

    #[test]
    fn stems_meet() {
        assert_eq!(stem("prisoners"), stem("prisoner"));
        assert_eq!(stem("countries"), "country");
        assert_eq!(stem("presos"), stem("preso"));
        assert_eq!(stem("press"), "press");
    }
}
