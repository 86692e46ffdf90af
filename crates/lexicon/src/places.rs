//! The place gazetteer: countries, US states and cities with their names in the six languages,
//! looked up by folded word sequence ("Vereinigte Staaten", "EE.UU.", "Moskau").

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::{fold, FastMap};

const FILES: &[&str] = &[
    include_str!("../data/places.tsv"),
    include_str!("../data/places-extra.tsv"),
];
const DEMONYMS: &str = include_str!("../data/demonyms.tsv");

/// One place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Stable id, e.g. `country/russia`.
    pub id: String,
    /// `country`, `region` or `city`.
    pub kind: String,
    /// English name.
    pub name: String,
}

/// Places by folded name.
#[derive(Debug, Default)]
pub struct Places {
    places: Vec<Place>,
    /// First folded token → (folded tokens, place index), longest first.
    index: FastMap<String, Vec<(Vec<String>, usize)>>,
    /// First four letters of one-word country names → (name less a final vowel, name, place
    /// index).
    countries: FastMap<String, Vec<(String, String, usize)>>,
    /// Demonyms the rule cannot derive ("american", "estadounidense") → place index.
    demonyms: FastMap<String, usize>,
    /// The same with every demonym and plural ending appended, built on first use: one lookup
    /// instead of one per ending for every capitalised word.
    demonym_forms: OnceLock<FastMap<String, usize>>,
}

fn prefix4(s: &str) -> &str {
    &s[..s.char_indices().nth(4).map_or(s.len(), |x| x.0)]
}

/// Folded tokens of a name: letters and digits, dots dropped ("U.S." → "us").
pub fn name_tokens(s: &str) -> Vec<String> {
    fold(s)
        .replace('.', "")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// [`name_tokens`] with hyphens kept inside words ("guinea-bissau").
fn hyphen_tokens(s: &str) -> Vec<String> {
    fold(s)
        .replace('.', "")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Places {
    fn build() -> Self {
        let mut p = Places::default();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for file in FILES {
            for line in file.lines() {
                if line.starts_with('#') || line.trim().is_empty() {
                    continue;
                }
                let cols: Vec<&str> = line.split('\t').collect();
                if cols.len() < 3 {
                    continue;
                }
                let names: Vec<&str> = cols[2].split('|').map(str::trim).collect();
                let idx = *by_id.entry(cols[0].to_string()).or_insert_with(|| {
                    p.places.push(Place {
                        id: cols[0].to_string(),
                        kind: cols[1].to_string(),
                        name: names.first().copied().unwrap_or("").to_string(),
                    });
                    p.places.len() - 1
                });
                // "Guinea-Bissau" is found written with or without its hyphen: the entity
                // tokenizer keeps a hyphen inside a word, the place index splits at it.
                let hyphened = names.iter().filter(|n| n.contains('-')).map(|n| (*n, true));
                for (n, keep_hyphen) in names.iter().map(|n| (*n, false)).chain(hyphened) {
                    let toks = if keep_hyphen {
                        hyphen_tokens(n)
                    } else {
                        name_tokens(n)
                    };
                    let Some(first) = toks.first().cloned() else {
                        continue;
                    };
                    if !keep_hyphen
                        && toks.len() == 1
                        && cols[1] == "country"
                        && first.chars().count() >= 4
                    {
                        let stem = first
                            .trim_end_matches(['a', 'e', 'o', 'y', 'i'])
                            .to_string();
                        p.countries
                            .entry(prefix4(&first).to_string())
                            .or_default()
                            .push((stem, first.clone(), idx));
                    }
                    let list = p.index.entry(first).or_default();
                    if !list.iter().any(|(t, _)| *t == toks) {
                        list.push((toks, idx));
                    }
                }
            }
        }
        for v in p.index.values_mut() {
            v.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        }
        for line in DEMONYMS.lines() {
            if line.starts_with('#') {
                continue;
            }
            if let Some((form, id)) = line.split_once('\t') {
                if let Some(&idx) = by_id.get(id.trim()) {
                    p.demonyms.insert(fold(form.trim()), idx);
                }
            }
        }
        p
    }

    /// The longest place name starting at `tokens[0]` (folded tokens): the place and how many
    /// tokens it spans.
    pub fn longest_at(&self, tokens: &[&str]) -> Option<(&Place, usize)> {
        let first = tokens.first()?;
        let cands = self.index.get(*first)?;
        cands.iter().find_map(|(seq, idx)| {
            (seq.len() <= tokens.len() && seq.iter().zip(tokens).all(|(a, b)| a == b))
                .then(|| (&self.places[*idx], seq.len()))
        })
    }

    /// The place a single folded word is ("moskau" → Moscow), without allocating.
    pub fn lookup_word(&self, folded: &str) -> Option<&Place> {
        self.index
            .get(folded)?
            .iter()
            .find(|(seq, _)| seq.len() == 1)
            .map(|(_, i)| &self.places[*i])
    }

    /// The place a whole name is ("Moskau" → Moscow).
    pub fn lookup(&self, name: &str) -> Option<&Place> {
        let toks = name_tokens(name);
        let refs: Vec<&str> = toks.iter().map(String::as_str).collect();
        self.longest_at(&refs)
            .filter(|(_, n)| *n == refs.len())
            .map(|(p, _)| p)
    }

    /// The country a demonym or adjective of place belongs to ("venezolanos", "Russian",
    /// "israeliennes"): a country name that the word extends by a demonym ending, sharing all
    /// but its last one or two letters.
    pub fn country_of_demonym(&self, folded: &str, endings: &[String]) -> Option<&Place> {
        // Irregular forms first: the form itself, or the form and an ending ("americanos").
        let forms = self.demonym_forms.get_or_init(|| {
            const PLURALS: &[&str] = &["s", "es", "e", "en", "n", "er", "in", "innen"];
            let mut m: FastMap<String, usize> = FastMap::default();
            let mut sorted: Vec<(&String, &usize)> = self.demonyms.iter().collect();
            sorted.sort();
            for (d, &i) in &sorted {
                m.insert((*d).clone(), i);
            }
            // In the order the forms were tried before: the first ending that leaves a known
            // demonym wins.
            for e in endings
                .iter()
                .map(String::as_str)
                .chain(PLURALS.iter().copied())
            {
                for (d, &i) in &sorted {
                    m.entry(format!("{d}{e}")).or_insert(i);
                }
            }
            m
        });
        if let Some(&i) = forms.get(folded) {
            return Some(&self.places[i]);
        }
        if folded.chars().count() < 5 {
            return None;
        }
        let cands = self.countries.get(prefix4(folded))?;
        let mut best: Option<(usize, usize)> = None;
        for e in endings {
            let Some(stem) = folded.strip_suffix(e.as_str()) else {
                continue;
            };
            // A one-letter ending, alone or plural ("Israeli", "Iraqis"), follows a country's
            // whole name: from a shortened stem it would make surnames demonyms ("Bruni" of
            // Brunei, "Salvini" of El Salvador, "Francis" of France).
            let whole = e.trim_end_matches('s').chars().count() == 1 && e != "es";
            // "venezol|anos" and "venezuel|a" share "venez": enough for stems of 7 and 8.
            for (c, full, idx) in cands {
                if whole && stem != full.as_str() {
                    continue;
                }
                let common = stem
                    .chars()
                    .zip(c.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let shorter = stem.chars().count().min(c.chars().count());
                // Nor may the stem leave more than three letters of the name ("Salv|ini" is
                // not of Salvador).
                let leaves = c.chars().count().saturating_sub(3);
                if common >= 4.max(shorter.saturating_sub(2)).max(leaves)
                    && best.is_none_or(|(b, _)| common > b)
                {
                    best = Some((common, *idx));
                }
            }
        }
        best.map(|(_, i)| &self.places[i])
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
}

/// The shared place gazetteer, built on first use.
pub fn places() -> &'static Places {
    static P: OnceLock<Places> = OnceLock::new();
    P.get_or_init(Places::build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_six_languages_resolve() {
        let p = places();
        assert!(p.len() > 500);
        for (name, id) in [
            ("Russland", "country/russia"),
            ("Vereinigten Staaten", "country/united-states"),
            ("EE.UU.", "country/united-states"),
            ("Moskau", "city/moscow"),
            ("Abu Dhabi", "city/abu-dhabi"),
            ("Rússia", "country/russia"),
            ("Tampa", "city/tampa"),
            ("Maryland", "region/maryland"),
        ] {
            assert_eq!(p.lookup(name).map(|x| x.id.as_str()), Some(id), "{name}");
        }
        assert!(p.lookup("Maduro").is_none());
        // Written with its hyphen, as the entity tokenizer keeps it, and without.
        let gb = p.lookup("Guinea-Bissau").map(|x| x.id.clone());
        assert!(gb.is_some());
        assert_eq!(p.longest_at(&["guinea-bissau"]).map(|x| x.0.id.clone()), gb);
        assert_eq!(
            p.longest_at(&["guinea", "bissau"]).map(|x| x.0.id.clone()),
            gb
        );
        let endings = crate::lexicon().demonym_endings();
        for (word, id) in [
            ("venezolanos", "country/venezuela"),
            ("russian", "country/russia"),
            ("israelis", "country/israel"),
            ("iraqi", "country/iraq"),
            ("franceses", "country/france"),
        ] {
            assert_eq!(
                p.country_of_demonym(word, endings).map(|x| x.id.as_str()),
                Some(id),
                "{word}"
            );
        }
        // Surnames and first names of a demonym's shape, from a shortened country name.
        for word in ["bruni", "salvini", "francis"] {
            assert!(
                p.country_of_demonym(word, endings).is_none(),
                "{word} is not a demonym"
            );
        }
    }
}
