//! Small text helpers shared by the enrichment steps: words with offsets, stop words, sentences.

/// Lower-case and strip Latin diacritics, so "Nicolás" and "Nicolas" meet.
pub(crate) fn fold_word(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            '’' => '\'',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
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

/// English and Spanish function words and reporting verbs that carry no topic.
const STOP: &[&str] = &[
    // English
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "less",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "per",
    "said",
    "same",
    "say",
    "says",
    "see",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "thus",
    "to",
    "too",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "today",
    "told",
    "according",
    "well",
    "including",
    "three",
    "first",
    "s",
    "t",
    "mr",
    "ms",
    "mrs",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "week",
    "year",
    "years",
    "time",
    "day",
    "days",
    "month",
    "months",
    "part",
    "way",
    "back",
    "around",
    "nearly",
    "approximately",
    "currently",
    "recently",
    "later",
    "already",
    "often",
    "really",
    "another",
    "several",
    "among",
    "across",
    "being",
    "every",
    "via",
    "though",
    "although",
    "whereas",
    // Spanish
    "el",
    "la",
    "los",
    "las",
    "un",
    "una",
    "unos",
    "unas",
    "de",
    "del",
    "al",
    "y",
    "e",
    "o",
    "u",
    "en",
    "por",
    "para",
    "con",
    "sin",
    "sobre",
    "entre",
    "que",
    "se",
    "su",
    "sus",
    "lo",
    "le",
    "les",
    "es",
    "son",
    "fue",
    "fueron",
    "ser",
    "ha",
    "han",
    "había",
    "habia",
    "como",
    "más",
    "mas",
    "pero",
    "este",
    "esta",
    "estos",
    "estas",
    "ese",
    "esa",
    "esos",
    "esas",
    "también",
    "tambien",
    "ya",
    "muy",
    "sí",
    "si",
    "no",
    "ni",
    "hasta",
    "desde",
    "cuando",
    "donde",
    "quien",
    "quienes",
    "cual",
    "cuales",
    "porque",
    "sido",
    "está",
    "esta",
    "están",
    "estan",
    "dijo",
    "según",
    "segun",
    "tras",
    "durante",
    "este",
    "otro",
    "otros",
    "otra",
    "otras",
    "mismo",
    "misma",
    "cada",
    "todo",
    "todos",
    "toda",
    "todas",
    "hay",
    "así",
    "asi",
    "nos",
    "mi",
    "tu",
    "yo",
    "él",
    "ella",
    "ellos",
    "ellas",
    "viernes",
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "sábado",
    "domingo",
    "año",
    "años",
    "día",
    "días",
    "hoy",
    "parte",
    "cerca",
    "casi",
];

/// True for a stop word (after folding).
pub(crate) fn is_stop(folded: &str) -> bool {
    // A sorted copy would allow binary search; the list is short enough that a static set built
    // once is simpler.
    static SET: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| STOP.iter().map(|w| fold_word(w)).collect())
        .contains(folded)
}

/// A crude, language-agnostic stem: fold and drop common plural endings, so that "prisoners" and
/// "prisoner", "presos" and "preso" count as one term.
pub(crate) fn stem(folded: &str) -> String {
    let n = folded.chars().count();
    if n > 4 && folded.ends_with("ies") {
        return format!("{}y", &folded[..folded.len() - 3]);
    }
    if n > 3 && folded.ends_with('s') && !folded.ends_with("ss") && !folded.ends_with("us") {
        return folded[..folded.len() - 1].to_string();
    }
    folded.to_string()
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
