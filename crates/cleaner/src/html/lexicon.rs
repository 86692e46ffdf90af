//! The class/id lexicon: which class and id names mark article bodies and which boilerplate.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

/// The lexicon file, embedded.
const LEXICON: &str = include_str!("../../data/lexicon.toml");

#[derive(Deserialize)]
struct File {
    classes: Classes,
    furniture: BTreeMap<String, Phrases>,
    dates: Dates,
    bylines: BTreeMap<String, Bylines>,
}

#[derive(Deserialize)]
struct Classes {
    negative: Vec<String>,
    positive: Vec<String>,
    glued_negative: Vec<String>,
    glued_positive: Vec<String>,
    author: Vec<String>,
}

#[derive(Deserialize)]
struct Phrases {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

#[derive(Deserialize)]
struct Dates {
    words: Vec<String>,
}

#[derive(Deserialize)]
struct Bylines {
    prefixes: Vec<String>,
}

/// Class/id tokens, furniture phrases (all languages together: a line that is only "drukuj"
/// is furniture on any page) and date words, from `data/lexicon.toml`.
pub(super) struct Lexicon {
    // Sorted, searched by bisection: cheaper than hashing for a few dozen short tokens, and
    // looked up for every class token of every element.
    negative: Vec<String>,
    positive: Vec<String>,
    glued_negative: Vec<String>,
    glued_positive: Vec<String>,
    pub(super) furniture_exact: HashSet<String>,
    pub(super) furniture_prefixes: Vec<String>,
    pub(super) date_words: HashSet<String>,
    /// Class names of the element holding the author's name.
    pub(super) author_classes: HashSet<String>,
    /// Words before a name in a byline ("by", "von", "por"), all languages.
    pub(super) byline_prefixes: Vec<String>,
}

impl Lexicon {
    fn parse(text: &str) -> Result<Self, toml::de::Error> {
        let f: File = toml::from_str(text)?;
        let mut furniture_exact = HashSet::new();
        let mut furniture_prefixes = Vec::new();
        for p in f.furniture.into_values() {
            furniture_exact.extend(p.exact);
            furniture_prefixes.extend(p.prefixes);
        }
        Ok(Lexicon {
            negative: sorted(f.classes.negative),
            positive: sorted(f.classes.positive),
            glued_negative: f.classes.glued_negative,
            glued_positive: f.classes.glued_positive,
            furniture_exact,
            furniture_prefixes,
            date_words: f.dates.words.into_iter().collect(),
            author_classes: f.classes.author.into_iter().collect(),
            byline_prefixes: f.bylines.into_values().flat_map(|b| b.prefixes).collect(),
        })
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn has(sorted: &[String], t: &str) -> bool {
    sorted.binary_search_by(|x| x.as_str().cmp(t)).is_ok()
}

/// The embedded lexicon, parsed on first use.
pub(super) fn lexicon() -> &'static Lexicon {
    static L: LazyLock<Lexicon> = LazyLock::new(|| {
        // The file is part of the source; the lexicon test parses it, so this cannot fail in
        // a tested build.
        #[allow(clippy::expect_used)]
        Lexicon::parse(LEXICON).expect("data/lexicon.toml parses")
    });
    &L
}

/// Sign of an element's class and id (+1 body-like, -1 boilerplate-like, 0 neither or both),
/// and whether they mark it as boilerplate (a negative name and no positive one, as
/// readability does).
pub(super) fn class_weight(class: &str, id: &str, buf: &mut String) -> (f32, bool) {
    let mut neg = false;
    let mut pos = false;
    for name in class.split_ascii_whitespace().chain(std::iter::once(id)) {
        // BEM names ("article-body__newsletter"): the part after the last "__" names the
        // element itself and decides; the block part before it counts only when the element
        // part says nothing ("article__chunks").
        let (block, own) = name.rsplit_once("__").unwrap_or(("", name));
        let (own_pos, own_neg) = verdict(own, buf);
        let (p, n) = if own_pos || own_neg {
            (own_pos && !own_neg, own_neg && !own_pos)
        } else {
            let (bp, bn) = verdict(block, buf);
            (bp && !bn, bn && !bp)
        };
        pos |= p;
        neg |= n;
    }
    match (pos, neg) {
        (true, false) => (1.0, false),
        (false, true) => (-1.0, true),
        _ => (0.0, false),
    }
}

/// Whether a class-name fragment has positive and negative tokens.
pub(super) fn verdict(name: &str, buf: &mut String) -> (bool, bool) {
    let lex = lexicon();
    let (mut pos, mut neg) = (false, false);
    for tok in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if tok.is_empty() {
            continue;
        }
        buf.clear();
        buf.extend(tok.chars().map(|c| c.to_ascii_lowercase()));
        let t = buf.as_str();
        if has(&lex.negative, t) {
            neg = true;
        } else if has(&lex.positive, t) {
            pos = true;
        } else if t.len() > 8
            && lex
                .glued_negative
                .iter()
                .any(|g| t.starts_with(g.as_str()) || t.ends_with(g.as_str()))
        {
            neg = true;
        } else if t.len() > 8 && lex.glued_positive.iter().any(|g| t.contains(g.as_str())) {
            pos = true;
        }
    }
    (pos, neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_parses_and_has_every_section() {
        let l = Lexicon::parse(LEXICON).expect("parses");
        assert!(has(&l.negative, "sidebar") && has(&l.positive, "content"));
        assert!(
            l.furniture_exact.contains("drukuj") && l.furniture_exact.contains("advertisement")
        );
        assert!(l.date_words.contains("janvier"));
    }
}
