//! Language as data: per-language word lists for English, Spanish, German, French, Portuguese and
//! Italian (`data/lang/*.toml`: month and weekday names, relative days, titles and honorifics,
//! demonym endings, claim hedges, subjects and events, stop words), a place gazetteer of countries,
//! regions and cities with their names in the six languages (`data/places*.tsv`, from Unicode
//! CLDR), and date finding built on them. Shared by the cleaner (publication dates, titles) and the
//! enricher (names, claims, terms, story features). Lookups are across all languages at once, by
//! folded form, so that a misdetected language or a mixed text loses nothing; the words that tell
//! a kind of report (`[story]`) are the exception, looked up in the article's language, because
//! one language's word is another's noun ("Firma").

pub mod dates;
pub mod given;
pub mod places;
pub mod sentences;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use serde::Deserialize;

/// The language files, embedded.
const LANGS: &[(&str, &str)] = &[
    ("en", include_str!("../data/lang/en.toml")),
    ("es", include_str!("../data/lang/es.toml")),
    ("de", include_str!("../data/lang/de.toml")),
    ("fr", include_str!("../data/lang/fr.toml")),
    ("pt", include_str!("../data/lang/pt.toml")),
    ("it", include_str!("../data/lang/it.toml")),
];

#[derive(Deserialize)]
struct LangFile {
    code: String,
    calendar: Calendar,
    names: Names,
    claims: Claims,
    terms: Terms,
    titles: Titles,
    #[serde(default)]
    story: StoryWords,
}

#[derive(Deserialize, Default)]
struct StoryWords {
    /// Kinds of report by the words of headline and lead that tell them.
    #[serde(default)]
    kind: Vec<Group>,
    /// Pairs of canonical kinds one event shows together (a ceasefire and the releases it
    /// brings): never a sign of two events.
    #[serde(default)]
    together: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Titles {
    byline: Vec<String>,
    credits: Vec<String>,
}

#[derive(Deserialize)]
struct Calendar {
    months: Vec<Vec<String>>,
    weekdays: Vec<Vec<String>>,
    relative: Vec<(String, i64)>,
    date_joiners: Vec<String>,
    date_line_words: Vec<String>,
    /// Words of a date-and-time line besides dates: times, zones, "at", "um", "às".
    #[serde(default)]
    time_words: Vec<String>,
}

#[derive(Deserialize)]
struct Names {
    titles: Vec<String>,
    not_names: Vec<String>,
    connectors: Vec<String>,
    /// Connectors that coordinate ("and", "y", "und"): they join two names only inside a name
    /// that already holds another connector ("Archdiocese of Munich and Freising").
    #[serde(default)]
    coordinators: Vec<String>,
    /// Prepositions of place ("in", "en", "à"): a capitalised word after one names a place even
    /// when it occurs once ("universities in Bonn").
    #[serde(default)]
    place_prepositions: Vec<String>,
    /// Prepositions of the agent ("by", "par", "por"): a capitalised word after one names who
    /// did or said something even when it occurs once ("relayées par Haaretz").
    #[serde(default)]
    agent_prepositions: Vec<String>,
    demonym_endings: Vec<String>,
    /// Last words that give a name its kind: kind → words.
    #[serde(default)]
    kinds: HashMap<String, Vec<String>>,
    /// Endings of common nouns, where a language capitalises them (German).
    #[serde(default)]
    noun_endings: Vec<String>,
    /// Where a language capitalises its nouns: words before a noun, never before a name
    /// (definite articles and their contractions with prepositions, "pro").
    #[serde(default)]
    noun_markers: Vec<String>,
    /// The same, so sure of a noun that even a name-like run of several words after it is
    /// generic ("einem Moskauer Flughafen"): indefinite articles.
    #[serde(default)]
    indefinite_markers: Vec<String>,
    /// Endings of inflected adjectives, which stand before nouns ("russischen Straflager").
    #[serde(default)]
    adjective_endings: Vec<String>,
    /// Abbreviations written with a full stop that do not end a sentence ("Dr.", "St.", "Nr.").
    #[serde(default)]
    abbreviations: Vec<String>,
}

#[derive(Deserialize)]
struct Group {
    canonical: String,
    forms: Vec<String>,
}

#[derive(Deserialize)]
struct Claims {
    hedges: Vec<(String, String)>,
    particle_verbs: Vec<String>,
    number_words: Vec<(String, f64)>,
    scales: Vec<(String, f64)>,
    percent: Vec<String>,
    year_markers: Vec<String>,
    #[serde(default)]
    subject: Vec<Group>,
    #[serde(default)]
    event: Vec<Group>,
}

#[derive(Deserialize)]
struct Terms {
    stop: Vec<String>,
}

/// A hasher for fixed word tables built from the shipped data (FxHash's multiply-rotate): looked
/// up once or more per word of every article, where SipHash's cost showed in profiles. The
/// tables are never filled from input, so collision attacks do not apply.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map over fixed data keyed by words, with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A set over fixed data, with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// All languages' lists, merged and folded.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Language codes with a file.
    pub languages: Vec<String>,
    months: FastMap<String, u32>,
    /// Full month names only (abbreviations are dates only next to a day number).
    full_months: FastSet<String>,
    weekdays: FastMap<String, u32>,
    relative: FastMap<String, i64>,
    date_joiners: FastSet<String>,
    /// Longest month, relative-day or joiner word in characters: folding never shortens a word,
    /// so a longer token cannot be one and need not be folded.
    date_word_chars: usize,
    date_line_words: Vec<String>,
    time_words: FastSet<String>,
    titles: FastSet<String>,
    abbreviations: FastSet<String>,
    not_names: FastSet<String>,
    connectors: FastSet<String>,
    coordinators: FastSet<String>,
    /// Prepositions of place and of the agent by language code: a capitalised word after one
    /// is a name.
    name_prepositions: FastMap<String, FastSet<String>>,
    demonym_endings: Vec<String>,
    kinds: FastMap<String, &'static str>,
    noun_endings: Vec<String>,
    noun_markers: FastSet<String>,
    indefinite_markers: FastSet<String>,
    adjective_endings: Vec<String>,
    /// Languages whose files list noun endings: they capitalise their nouns.
    noun_caps: Vec<String>,
    /// Hedge word sequences (folded words), longest first, with their normal form.
    hedges: Vec<(Vec<String>, String)>,
    particle_verbs: FastSet<String>,
    number_words: FastMap<String, f64>,
    scales: FastMap<String, f64>,
    percent: Vec<Vec<String>>,
    year_markers: FastSet<String>,
    subjects: FastMap<String, String>,
    events: FastMap<String, String>,
    stop: FastSet<String>,
    bylines: Vec<String>,
    credits: Vec<String>,
    /// Canonical kinds of report, indexed by [`Lexicon::report_kind`]'s answers.
    report_kinds: Vec<String>,
    /// Words that tell a kind of report, by language code.
    kind_words: FastMap<String, KindWords>,
    /// Pairs of kinds one event shows together, both ways round.
    kinds_together: Vec<(u32, u32)>,
}

/// One language's words that tell a kind of report: words, two-word phrases (by first word),
/// prefixes and suffixes, each to an index of [`Lexicon::report_kinds`].
#[derive(Debug, Default)]
pub struct KindWords {
    words: FastMap<String, u32>,
    pairs: FastMap<String, Vec<(String, u32)>>,
    prefixes: Vec<(String, u32)>,
    suffixes: Vec<(String, u32)>,
}

impl KindWords {
    fn add(&mut self, form: &str, kind: u32) {
        let form = fold(form);
        if let Some(p) = form.strip_suffix('*') {
            self.prefixes.push((p.to_string(), kind));
        } else if let Some(s) = form.strip_prefix('*') {
            self.suffixes.push((s.to_string(), kind));
        } else if let Some((a, b)) = form.split_once(' ') {
            self.pairs
                .entry(a.to_string())
                .or_default()
                .push((b.to_string(), kind));
        } else {
            self.words.entry(form).or_insert(kind);
        }
    }

    /// The kind of report (an index of [`Lexicon::report_kinds`]) a folded word tells, with the
    /// word after it for two-word phrases ("tocó tierra").
    pub fn kind(&self, word: &str, next: Option<&str>) -> Option<u32> {
        if let (Some(pairs), Some(next)) = (self.pairs.get(word), next) {
            if let Some(&(_, k)) = pairs.iter().find(|(b, _)| b == next) {
                return Some(k);
            }
        }
        if let Some(&k) = self.words.get(word) {
            return Some(k);
        }
        // Affixes tell inflections and compounds ("vereidigte", "Präsidentenwahl"); a word no
        // longer than the affix is the bare word, listed as such where it counts.
        let affixed = |list: &[(String, u32)], f: fn(&str, &str) -> bool| {
            list.iter()
                .find(|(a, _)| word.len() > a.len() && f(word, a))
                .map(|x| x.1)
        };
        affixed(&self.prefixes, |w, a| w.starts_with(a))
            .or_else(|| affixed(&self.suffixes, |w, a| w.ends_with(a)))
    }
}

/// Lower-case and strip Latin diacritics (and `ß` to `ss`), so "Nicolás" and "Nicolas", "März" and
/// "marz" meet; a curly apostrophe becomes a straight one.
pub fn fold(s: &str) -> String {
    fold_cow(s).into_owned()
}

/// [`fold`] without allocating when the word is already folded (lower-case ASCII, most words
/// of most texts).
pub fn fold_cow(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(fold_owned(s))
}

fn fold_owned(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let m = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            'ý' | 'ÿ' | 'Ý' => 'y',
            '’' | '‘' => '\'',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            other => other,
        };
        out.extend(m.to_lowercase());
    }
    out
}

fn folded_words(s: &str) -> Vec<String> {
    s.split_whitespace().map(fold).collect()
}

impl Lexicon {
    fn build() -> Self {
        let mut lx = Lexicon::default();
        for (code, text) in LANGS {
            // The files are part of the build and checked by a test; a broken one is a bug.
            let f: LangFile = match toml::from_str(text) {
                Ok(f) => f,
                Err(e) => panic!("lexicon data/lang/{code}.toml: {e}"),
            };
            lx.languages.push(f.code.clone());
            for (i, forms) in f.calendar.months.iter().enumerate() {
                for (k, form) in forms.iter().enumerate() {
                    let w = fold(form);
                    if k == 0 {
                        lx.full_months.insert(w.clone());
                    }
                    lx.months.entry(w).or_insert(i as u32 + 1);
                }
            }
            for (i, forms) in f.calendar.weekdays.iter().enumerate() {
                for form in forms {
                    lx.weekdays.entry(fold(form)).or_insert(i as u32);
                }
            }
            for (w, d) in &f.calendar.relative {
                lx.relative.insert(fold(w), *d);
            }
            lx.date_joiners
                .extend(f.calendar.date_joiners.iter().map(|w| fold(w)));
            lx.date_line_words
                .extend(f.calendar.date_line_words.iter().map(|w| fold(w)));
            lx.time_words
                .extend(f.calendar.time_words.iter().map(|w| fold(w)));
            lx.titles.extend(f.names.titles.iter().map(|w| fold(w)));
            lx.abbreviations
                .extend(f.names.abbreviations.iter().map(|w| fold(w)));
            lx.not_names
                .extend(f.names.not_names.iter().map(|w| fold(w)));
            lx.connectors
                .extend(f.names.connectors.iter().map(|w| fold(w)));
            lx.coordinators
                .extend(f.names.coordinators.iter().map(|w| fold(w)));
            lx.name_prepositions
                .entry(f.code.clone())
                .or_default()
                .extend(
                    f.names
                        .place_prepositions
                        .iter()
                        .chain(&f.names.agent_prepositions)
                        .map(|w| fold(w)),
                );
            for e in &f.names.demonym_endings {
                let e = fold(e);
                if !lx.demonym_endings.contains(&e) {
                    lx.demonym_endings.push(e);
                }
            }
            for (kind, words) in &f.names.kinds {
                let kind: &'static str = match kind.as_str() {
                    "organization" => "organization",
                    "facility" => "facility",
                    "law" => "law",
                    "event" => "event",
                    "place" => "place",
                    other => panic!("lexicon data/lang/{code}.toml: unknown kind {other}"),
                };
                for w in words {
                    lx.kinds.entry(fold(w)).or_insert(kind);
                }
            }
            if !f.names.noun_endings.is_empty() {
                lx.noun_caps.push(f.code.clone());
            }
            lx.noun_endings
                .extend(f.names.noun_endings.iter().map(|w| fold(w)));
            lx.noun_markers
                .extend(f.names.noun_markers.iter().map(|w| fold(w)));
            lx.indefinite_markers
                .extend(f.names.indefinite_markers.iter().map(|w| fold(w)));
            lx.adjective_endings
                .extend(f.names.adjective_endings.iter().map(|w| fold(w)));
            for (h, norm) in &f.claims.hedges {
                lx.hedges.push((folded_words(h), norm.clone()));
            }
            lx.particle_verbs
                .extend(f.claims.particle_verbs.iter().map(|w| fold(w)));
            for (w, v) in &f.claims.number_words {
                lx.number_words.entry(fold(w)).or_insert(*v);
            }
            for (w, v) in &f.claims.scales {
                lx.scales.entry(fold(w)).or_insert(*v);
            }
            lx.percent
                .extend(f.claims.percent.iter().map(|p| folded_words(p)));
            lx.year_markers
                .extend(f.claims.year_markers.iter().map(|w| fold(w)));
            for g in &f.claims.subject {
                for form in &g.forms {
                    lx.subjects
                        .entry(fold(form))
                        .or_insert_with(|| g.canonical.clone());
                }
            }
            for g in &f.claims.event {
                for form in &g.forms {
                    lx.events
                        .entry(fold(form))
                        .or_insert_with(|| g.canonical.clone());
                }
            }
            lx.stop.extend(f.terms.stop.iter().map(|w| fold(w)));
            lx.bylines
                .extend(f.titles.byline.iter().map(|w| format!("{} ", fold(w))));
            lx.credits.extend(f.titles.credits.iter().map(|w| fold(w)));
            for g in &f.story.kind {
                let k = match lx.report_kinds.iter().position(|x| *x == g.canonical) {
                    Some(i) => i,
                    None => {
                        lx.report_kinds.push(g.canonical.clone());
                        lx.report_kinds.len() - 1
                    }
                } as u32;
                let words = lx.kind_words.entry(f.code.clone()).or_default();
                for form in &g.forms {
                    words.add(form, k);
                }
            }
            for (a, b) in &f.story.together {
                let index = |x: &str| lx.report_kinds.iter().position(|k| k == x);
                match (index(a), index(b)) {
                    (Some(x), Some(y)) => {
                        lx.kinds_together.push((x as u32, y as u32));
                        lx.kinds_together.push((y as u32, x as u32));
                    }
                    _ => panic!("lexicon data/lang/{code}.toml: unknown kind in {a} / {b}"),
                }
            }
        }
        // Calendar words never carry a topic.
        let cal: Vec<String> = lx
            .full_months
            .iter()
            .chain(lx.weekdays.keys())
            .cloned()
            .collect();
        lx.stop.extend(cal);
        lx.hedges.sort_by_key(|h| std::cmp::Reverse(h.0.len()));
        lx.date_word_chars = lx
            .months
            .keys()
            .chain(lx.relative.keys())
            .chain(lx.date_joiners.iter())
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        lx.demonym_endings
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        lx
    }

    /// The month (1–12) a folded word names, abbreviations included.
    pub fn month(&self, folded: &str) -> Option<u32> {
        self.months.get(folded.trim_end_matches('.')).copied()
    }

    /// True for a full month name (not an abbreviation).
    pub fn is_full_month(&self, folded: &str) -> bool {
        self.full_months.contains(folded)
    }

    /// The weekday (0 = Monday) a folded word names.
    pub fn weekday(&self, folded: &str) -> Option<u32> {
        self.weekdays.get(folded).copied()
    }

    /// Days from the reference a relative-day word means ("yesterday" is -1).
    pub fn relative_day(&self, folded: &str) -> Option<i64> {
        self.relative.get(folded).copied()
    }

    /// Whether a word of this many characters can be a month, relative day or date joiner.
    pub fn may_be_date_word(&self, chars: usize) -> bool {
        chars <= self.date_word_chars
    }

    /// Words allowed between the parts of a date ("18 de julio de 2025").
    pub fn is_date_joiner(&self, folded: &str) -> bool {
        self.date_joiners.contains(folded)
    }

    /// Words that open a date line rather than a title ("Updated", "Publicado").
    pub fn date_line_words(&self) -> &[String] {
        &self.date_line_words
    }

    /// A word that may stand in a line holding only a date and a time: a month or weekday name
    /// (or abbreviation), a date joiner, a date-line word, a time or zone word (folded).
    pub fn is_calendar_word(&self, folded: &str) -> bool {
        self.months.contains_key(folded)
            || self.weekdays.contains_key(folded)
            || self.date_joiners.contains(folded)
            || self.time_words.contains(folded)
            || self.date_line_words.iter().any(|w| w == folded)
    }

    /// Words that open a byline before the author's name ("by", "von", "escrito por"), folded,
    /// in file order.
    pub fn byline_words(&self) -> impl Iterator<Item = &str> {
        self.bylines.iter().map(|b| b.trim_end())
    }

    /// A title, honorific or role that comes before a name.
    pub fn is_title(&self, folded: &str) -> bool {
        self.titles.contains(folded.trim_end_matches('.'))
    }

    /// A word written before a full stop that does not end a sentence: an abbreviation of any
    /// language (folded, without the stop).
    pub fn is_abbreviation(&self, folded: &str) -> bool {
        self.abbreviations.contains(folded)
    }

    /// A compound whose last part is a title ("US-Präsident", "Vice-Dean"), or, where
    /// `closed` (languages that write compounds as one word), whose ending of four letters or
    /// more is one ("Basketballstar", "Regierungschef").
    pub fn is_title_compound(&self, folded: &str, closed: bool) -> bool {
        let folded = folded.trim_end_matches('.');
        if self.is_title(folded) {
            return true;
        }
        if let Some((_, last)) = folded.rsplit_once('-') {
            if self.is_title(last) {
                return true;
            }
        }
        closed
            && folded
                .char_indices()
                .skip(3)
                .map(|(i, _)| &folded[i..])
                .take_while(|rest| rest.chars().count() >= 4)
                .any(|rest| self.titles.contains(rest))
    }

    /// A connector that coordinates two names ("and", "y", "und").
    pub fn is_coordinator(&self, folded: &str) -> bool {
        self.coordinators.contains(folded)
    }

    /// A preposition of place or of the agent in language `lang` ("in", "en", "à", "by"): the
    /// capitalised word after it is a name.
    pub fn is_name_preposition(&self, lang: &str, folded: &str) -> bool {
        self.name_prepositions
            .get(lang)
            .is_some_and(|s| s.contains(folded))
    }

    /// Capitalised words that are not names on their own.
    pub fn is_not_name(&self, folded: &str) -> bool {
        self.not_names.contains(folded)
            || self.full_months.contains(folded)
            || self.weekdays.contains_key(folded)
            || self.relative.contains_key(folded)
    }

    /// Lower-case words that may join the words of a name.
    pub fn is_connector(&self, folded: &str) -> bool {
        self.connectors.contains(folded)
    }

    /// True when a folded word ends like a demonym or an adjective of place.
    pub fn has_demonym_ending(&self, folded: &str) -> bool {
        self.demonym_endings
            .iter()
            .any(|e| folded.ends_with(e.as_str()))
    }

    /// Demonym endings, longest first.
    pub fn demonym_endings(&self) -> &[String] {
        &self.demonym_endings
    }

    /// The kind of entity a name ending in this folded word is ("court" → organization).
    pub fn kind_by_last(&self, folded: &str) -> Option<&'static str> {
        self.kinds.get(folded).copied()
    }

    /// True for a language (code) that capitalises its common nouns (German).
    pub fn capitalises_nouns(&self, code: &str) -> bool {
        self.noun_caps.iter().any(|c| c == code)
    }

    /// True when a folded word ends like a common noun of a language that capitalises nouns.
    pub fn has_noun_ending(&self, folded: &str) -> bool {
        self.noun_endings
            .iter()
            .any(|e| folded.ends_with(e.as_str()))
    }

    /// In a language that capitalises nouns, a lower-case word (folded) that stands before a
    /// noun and not before a name: an article, or an inflected adjective. With `generic_only`,
    /// only the words after which even a run of several capitalised words is generic.
    pub fn marks_noun(&self, folded: &str, generic_only: bool) -> bool {
        if generic_only {
            return self.indefinite_markers.contains(folded);
        }
        self.noun_markers.contains(folded)
            || self.indefinite_markers.contains(folded)
            || self
                .adjective_endings
                .iter()
                .any(|e| folded.len() > e.len() + 2 && folded.ends_with(e.as_str()))
    }

    /// Hedges as folded word sequences with their normal form, longest first.
    pub fn hedges(&self) -> &[(Vec<String>, String)] {
        &self.hedges
    }

    /// Verbs after which "over" is a particle.
    pub fn is_particle_verb(&self, folded: &str) -> bool {
        self.particle_verbs.contains(folded)
    }

    /// The value of a number word ("twelve", "zwölf").
    pub fn number_word(&self, folded: &str) -> Option<f64> {
        self.number_words.get(folded).copied()
    }

    /// The factor of a scale word ("million", "Millionen").
    pub fn scale(&self, folded: &str) -> Option<f64> {
        self.scales.get(folded).copied()
    }

    /// Words for "percent" as folded word sequences.
    pub fn percent_words(&self) -> &[Vec<String>] {
        &self.percent
    }

    /// Words before a number that make it a year ("Act of 1789").
    pub fn is_year_marker(&self, folded: &str) -> bool {
        self.year_markers.contains(folded)
    }

    /// The canonical claim subject a folded noun is a form of ("presos" → "prisoners").
    pub fn subject(&self, folded: &str) -> Option<&str> {
        self.subjects.get(folded).map(String::as_str)
    }

    /// The canonical event a folded verb form is a form of ("freigelassen" → "freed").
    pub fn event(&self, folded: &str) -> Option<&str> {
        self.events.get(folded).map(String::as_str)
    }

    /// The words that tell a kind of report in language `code`; none for a language without a
    /// list.
    pub fn kind_words(&self, code: &str) -> Option<&KindWords> {
        self.kind_words.get(code)
    }

    /// The kind of report (an index of [`Self::report_kinds`]) a folded word of a text in
    /// language `code` tells ([`KindWords::kind`]).
    pub fn report_kind(&self, code: &str, word: &str, next: Option<&str>) -> Option<u32> {
        self.kind_words(code)?.kind(word, next)
    }

    /// Whether one event shows both kinds of report (a ceasefire and a release).
    pub fn kinds_go_together(&self, a: u32, b: u32) -> bool {
        a == b || self.kinds_together.contains(&(a, b))
    }

    /// The canonical kinds of report ("death", "election", "inauguration", ...).
    pub fn report_kinds(&self) -> &[String] {
        &self.report_kinds
    }

    /// A line that is a byline ("By Jane Doe"), a photo caption or credit ("AFP via Getty
    /// Images"), or a date line ("Updated 8 December 2022", "Published ..."): never a title.
    pub fn is_non_title_line(&self, line: &str) -> bool {
        let f = fold(line.trim());
        let first = f.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        // Bylines are stored with a trailing space: "by " opens "by jane doe", and a byline of
        // several words ("written by ") is matched on the line's opening words.
        let byline = self.bylines.iter().any(|b| {
            b.trim_end() == first || (b.trim_end().contains(' ') && f.starts_with(b.as_str()))
        });
        if byline && line.split_whitespace().count() <= 8 {
            return true;
        }
        if self.is_credit_folded(&f) {
            return true;
        }
        if self
            .date_line_words
            .iter()
            .any(|w| f.starts_with(w.as_str()))
        {
            return true;
        }
        // Mostly a date: "December 8, 2022 at 8:38 AM EST", "18.07.2025 10:41".
        let dated: usize = crate::dates::find_dates(line)
            .iter()
            .filter(|d| d.form != crate::dates::Form::Relative)
            .map(|d| d.end - d.start)
            .sum();
        let letters = line.chars().filter(|c| c.is_alphanumeric()).count();
        dated > 0 && letters < 40
    }

    /// A photo caption or credit, or other page furniture ("FILE - ...", "Bild: keystone",
    /// "Getty Images"): its dates are a photo's, not the article's.
    pub fn is_credit_line(&self, line: &str) -> bool {
        self.is_credit_folded(&fold(line.trim()))
    }

    fn is_credit_folded(&self, folded: &str) -> bool {
        self.credits.iter().any(|c| folded.contains(c.as_str()))
    }

    /// A function word or reporting verb in any of the languages.
    pub fn is_stop(&self, folded: &str) -> bool {
        self.stop.contains(folded)
    }
}

/// The shared lexicon, built on first use.
pub fn lexicon() -> &'static Lexicon {
    static LX: OnceLock<Lexicon> = OnceLock::new();
    LX.get_or_init(Lexicon::build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_file_parses_and_has_twelve_months() {
        for (code, text) in LANGS {
            let f: LangFile = toml::from_str(text).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(f.code, *code);
            assert_eq!(f.calendar.months.len(), 12, "{code}");
            assert_eq!(f.calendar.weekdays.len(), 7, "{code}");
        }
        let lx = lexicon();
        assert_eq!(lx.languages.len(), 6);
        assert_eq!(lx.month("juli"), Some(7));
        assert_eq!(lx.month(&fold("März")), Some(3));
        assert_eq!(lx.month("aout"), Some(8));
        assert_eq!(lx.weekday(&fold("quinta-feira")), Some(3));
        assert_eq!(lx.subject("presos"), Some("prisoners"));
        assert_eq!(lx.event(&fold("freigelassen")), Some("freed"));
        assert!(lx.is_title("papst") && lx.is_title("president"));
        assert!(lx.is_stop("der") && lx.is_stop("the") && lx.is_stop("gli"));
    }

    #[test]
    fn kinds_of_report_are_read_in_the_article_s_language() {
        let lx = lexicon();
        let name = |k: Option<u32>| k.map(|k| lx.report_kinds()[k as usize].as_str());
        assert_eq!(
            name(lx.report_kind("es", "toco", Some("tierra"))),
            Some("storm")
        );
        assert_eq!(
            name(lx.report_kind("de", "vereidigte", None)),
            Some("inauguration")
        );
        assert_eq!(
            name(lx.report_kind("de", "prasidentenwahl", None)),
            Some("election")
        );
        // A bare prefix is not an inflection of itself; another language's word is nothing.
        assert_eq!(name(lx.report_kind("de", "vereidig", None)), None);
        assert_eq!(name(lx.report_kind("de", "firma", None)), None);
        assert_eq!(name(lx.report_kind("xx", "died", None)), None);
        // Kinds one event shows together go both ways; every kind goes with itself.
        let k = |n: &str| {
            let i = lx.report_kinds().iter().position(|x| x == n);
            i.map(|i| i as u32).expect("a listed kind")
        };
        let (release, visit, death) = (k("release"), k("visit"), k("death"));
        assert!(lx.kinds_go_together(release, visit) && lx.kinds_go_together(visit, release));
        assert!(!lx.kinds_go_together(release, death));
        assert!(lx.kinds_go_together(death, death));
    }

    #[test]
    fn bylines_of_one_and_several_words_are_not_titles() {
        let lx = lexicon();
        assert!(lx.is_non_title_line("By Jane Doe"));
        assert!(lx.is_non_title_line("Written by Jane Doe and John Roe"));
        assert!(lx.is_non_title_line("Reporting by Jane Doe"));
        assert!(!lx.is_non_title_line("Written rules for a new era of trade"));
    }

    #[test]
    fn fold_strips_marks() {
        assert_eq!(fold("Nicolás"), "nicolas");
        assert_eq!(fold("Außenministerium"), "aussenministerium");
        assert_eq!(fold("Hélène"), "helene");
    }
}
