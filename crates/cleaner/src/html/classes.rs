//! The class/id lexicon: which class and id names mark article bodies and which boilerplate, and
//! the furniture phrases of the chosen block. Language data shared with the enricher (calendar
//! words, byline words) lives in the `lexicon` crate.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

/// The lexicon file, embedded.
const CLASSES: &str = include_str!("../../data/classes.toml");

#[derive(Deserialize)]
struct File {
    classes: Names,
    furniture: BTreeMap<String, Phrases>,
}

#[derive(Deserialize)]
struct Names {
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

/// Class/id tokens, furniture phrases (all languages together: a line that is only "drukuj"
/// is furniture on any page), from `data/classes.toml`.
pub(super) struct ClassLexicon {
    // Sorted, searched by bisection: cheaper than hashing for a few dozen short tokens, and
    // looked up for every class token of every element.
    negative: Vec<String>,
    positive: Vec<String>,
    glued_negative: Vec<String>,
    glued_positive: Vec<String>,
    pub(super) furniture_exact: HashSet<String>,
    pub(super) furniture_prefixes: Vec<String>,
    /// Class names of the element holding the author's name.
    pub(super) author_classes: HashSet<String>,
}

impl ClassLexicon {
    fn parse(text: &str) -> Result<Self, toml::de::Error> {
        let f: File = toml::from_str(text)?;
        let mut furniture_exact = HashSet::new();
        let mut furniture_prefixes = Vec::new();
        for p in f.furniture.into_values() {
            furniture_exact.extend(p.exact);
            furniture_prefixes.extend(p.prefixes);
        }
        Ok(ClassLexicon {
            negative: sorted(f.classes.negative),
            positive: sorted(f.classes.positive),
            glued_negative: f.classes.glued_negative,
            glued_positive: f.classes.glued_positive,
            furniture_exact,
            furniture_prefixes,
            author_classes: f.classes.author.into_iter().collect(),
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

/// The embedded class lexicon, parsed on first use.
pub(super) fn classes() -> &'static ClassLexicon {
    static L: LazyLock<ClassLexicon> = LazyLock::new(|| {
        // The file is part of the source; the class lexicon test parses it, so this cannot fail
        // in a tested build.
        #[allow(clippy::expect_used)]
        ClassLexicon::parse(CLASSES).expect("data/classes.toml parses")
    });
    &L
}

/// What an element's `class` attribute says, worked out once per distinct attribute value on a
/// page (pages repeat a few hundred class strings over thousands of elements, and splitting and
/// looking up every token of every element cost more than the rest of the walk).
#[derive(Clone, Copy, Default)]
pub(super) struct ClassInfo {
    /// Some name is body-like.
    pub(super) pos: bool,
    /// Some name is boilerplate-like.
    pub(super) neg: bool,
    /// One of the names is an author class (the byline element).
    pub(super) author: bool,
    /// The attribute mentions a paywall.
    pub(super) paywall: bool,
}

impl ClassInfo {
    /// The class attribute's verdicts.
    pub(super) fn of(class: &str, buf: &mut String) -> Self {
        let (mut pos, mut neg) = (false, false);
        for name in class.split_ascii_whitespace() {
            let (p, n) = name_verdict(name, buf);
            pos |= p;
            neg |= n;
        }
        let author = (class.contains("uthor") || class.contains("yline"))
            && class.split_ascii_whitespace().any(|c| {
                classes()
                    .author_classes
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(c))
            });
        ClassInfo {
            pos,
            neg,
            author,
            paywall: class.contains("paywall"),
        }
    }
}

/// Sign of an element's class and id (+1 body-like, -1 boilerplate-like, 0 neither or both),
/// and whether they mark it as boilerplate (a negative name and no positive one, as
/// readability does). The walk uses the parts (with the class verdict cached); tests use this.
#[cfg(test)]
pub(super) fn class_weight(class: &str, id: &str, buf: &mut String) -> (f32, bool) {
    let c = ClassInfo::of(class, buf);
    let (ip, in_) = name_verdict(id, buf);
    sign(c.pos || ip, c.neg || in_)
}

/// The sign and boilerplate mark from whether any name is positive and any negative.
pub(super) fn sign(pos: bool, neg: bool) -> (f32, bool) {
    match (pos, neg) {
        (true, false) => (1.0, false),
        (false, true) => (-1.0, true),
        _ => (0.0, false),
    }
}

/// One class name (or an id): BEM names ("article-body__newsletter"): the part after the last
/// "__" names the element itself and decides; the block part before it counts only when the
/// element part says nothing ("article__chunks").
pub(super) fn name_verdict(name: &str, buf: &mut String) -> (bool, bool) {
    if name.is_empty() {
        return (false, false);
    }
    let (block, own) = name.rsplit_once("__").unwrap_or(("", name));
    let (own_pos, own_neg) = verdict(own, buf);
    if own_pos || own_neg {
        (own_pos && !own_neg, own_neg && !own_pos)
    } else {
        let (bp, bn) = verdict(block, buf);
        (bp && !bn, bn && !bp)
    }
}

/// Whether a class-name fragment has positive and negative tokens.
pub(super) fn verdict(name: &str, buf: &mut String) -> (bool, bool) {
    let lex = classes();
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
    fn the_class_lexicon_parses_and_has_every_section() {
        let l = ClassLexicon::parse(CLASSES).expect("parses");
        assert!(has(&l.negative, "sidebar") && has(&l.positive, "content"));
        assert!(
            l.furniture_exact.contains("drukuj") && l.furniture_exact.contains("advertisement")
        );
    }
}
