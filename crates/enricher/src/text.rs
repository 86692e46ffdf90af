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

pub(crate) use lexicon::sentences::sentences;

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
    fn stems_meet() {
        assert_eq!(stem("prisoners"), stem("prisoner"));
        assert_eq!(stem("countries"), "country");
        assert_eq!(stem("presos"), stem("preso"));
        assert_eq!(stem("press"), "press");
    }
}
