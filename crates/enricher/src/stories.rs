//! Online story clustering. Each article is compared with the recent stories that share an entity
//! or a key term, by a similarity built from what survives translation and garbling: canonical
//! entity ids (weighted by rarity), claim numbers, article dates and key terms. It joins the best
//! story above a threshold or founds a new one whose id derives from its own article id, so ids
//! never depend on a counter and are the same on every instance and after every restart.
//!
//! The index also holds what near-duplicate and exact-duplicate detection need (content hashes,
//! MinHash band keys), so that everything order-dependent lives in one place and one step.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use model::{
    ClaimRow, ClaimValue, EnrichedArticle, NearDuplicate, Outcome, StoryChange, StoryEntity,
    StoryEvent, Versioned,
};

use crate::keywords::term_weights;
use crate::minhash::{self, Sample, Signature};
use crate::text::{fold_word, is_stop, Folded};

/// A hasher for the index's own sequential `u32` ids (not input data): a multiply, instead of
/// SipHash on every one of the many lookups per article.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (u64::from(i) ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<V> = HashMap<u32, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Story clustering settings.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryConfig {
    /// Similarity at which an article joins a story.
    pub threshold: f32,
    /// Similarity to two stories at which they are merged.
    pub merge_threshold: f32,
    /// A dated article joins only stories with a dated article within this many days of its
    /// own date; an undated article is matched on content alone.
    pub window_days: i64,
    /// Stories that gained no article for this many days (by arrival, not by article date)
    /// leave the index, so a backfill of old articles neither drops stories nor evicts live ones.
    pub max_age_days: i64,
    /// Most stories kept in the index; the least recently updated leave first.
    pub max_stories: usize,
    /// Estimated share of the shorter text's word shingles found in the longer one at which an
    /// article is a near duplicate (a revision, a shortened republication).
    pub near_duplicate_threshold: f32,
}

impl Default for StoryConfig {
    fn default() -> Self {
        Self {
            threshold: 0.16,
            merge_threshold: 0.3,
            window_days: 7,
            max_age_days: 30,
            max_stories: 100_000,
            near_duplicate_threshold: 0.3,
        }
    }
}

/// Terms kept per article and per story.
const ARTICLE_TERMS: usize = 40;
const STORY_TERMS: usize = 64;
/// Features of a story that are indexed for candidate lookup.
const INDEXED_TERMS: usize = 12;
const MAX_CANDIDATES: usize = 16;
/// Stories listed per feature. A feature in more stories than this ("exchange", a country) does
/// not discriminate; only the most recent stories stay listed under it, so that lookups stay
/// cheap however large the index grows.
const MAX_POSTINGS: usize = 1000;
const MAX_STORY_CLAIMS: usize = 256;
const MAX_STORY_ENTITIES: usize = 256;
const MAX_STORY_KEYS: usize = 512;
/// Dates found with less confidence than this do not bound which stories an article may join.
const MIN_DATE_CONFIDENCE: f32 = 0.5;
/// Similarity two stories need to merge when one has no dated article: above the merge
/// threshold, since content alone must say they are one event; 0.35 on `stories-dev` merged the
/// halves of events founded apart in a backfill (worst of 20 orders 0.721 -> 0.754) where 0.5
/// left them apart, without merging two events that share names.
const UNDATED_MERGE: f32 = 0.35;
fn tune(name: &str, d: f32) -> f32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}
/// Whether the publication day is evidence too (beyond bounding the window).
const DAY_KEYS: bool = false;
/// Whether key terms are weighted by rarity.
const TERM_IDF: bool = true;
/// How long before a story's first article the latest day an undated article names may lie
/// for it to join: reports recall what led to an event.
const HISTORY_DAYS: i64 = 30;
/// Dated arrivals remembered to tell a live stream from a backfill.
const LAGS: usize = 16;
/// Dated arrivals it takes to call the input a backfill: one old page in a live feed (an
/// evergreen page, an old report resurfacing) does not make its undated neighbours old.
const BACKFILL_LAGS: usize = 3;
/// How much more similar an article must be to join a story of one article.
const SINGLE_JOIN: f32 = 1.5;
/// Relative difference within which a hedged figure agrees with another ("about 250", 252).
const HEDGE_TOLERANCE: f64 = 0.05;
/// Share of its weight that evidence no other article has keeps in an article's norm.
const UNSEEN: f32 = 0.4;
/// The same, in a language that capitalises its nouns.
const UNSEEN_NOUN_CAPS: f32 = 0.1;
/// Story merges checked after one assignment.
const MAX_MERGES: usize = 4;
/// Stories close to an article checked for a merge with the story it joined.
const MERGE_CANDIDATES: usize = 8;
/// Stories, and articles of each, searched for near copies beyond shared MinHash bands.
const NEAR_DUP_STORIES: usize = 4;
const NEAR_DUP_ARTICLES: usize = 32;
/// A story is related to another when the similarity reaches this share of the threshold.
const RELATED: f32 = 0.75;
const MAX_RELATED: usize = 8;
/// Article ids listed in a story event; a big story's event names only the latest.
const MAX_EVENT_ARTICLES: usize = 500;
/// Members of a story that grew or merged which are checked for a better story: the latest
/// ones of a bigger story (an early wrong join is corrected while the story is small).
const RECHECK_MEMBERS: usize = 48;
/// How much more similar a member must be to another story than to the rest of its own to move
/// there, so that members on the edge of two stories do not move back and forth.
const MOVE_MARGIN: f32 = 0.03;
/// Most articles one [`StoryIndex::regroup`] assigns again (those of the most recently grown
/// stories): bounds its cost on a large index to a few seconds.
const REGROUP_ARTICLES: usize = 20_000;
/// Join checks per article a regrouping may spend on deferring foundings
/// ([`StoryIndex::replay_day`]): bounds it to about this many times the cost of assigning.
const REGROUP_TRIES: usize = 8;

/// Most numbers and entity mentions kept in text order per article, for telling translations.
const MAX_ANCHORS: usize = 128;
/// Marks a number (rather than an entity feature id) in an anchor sequence.
const NUMBER_ANCHOR: u32 = 1 << 31;
/// A translation keeps its source's numbers in order; unrelated reports of one event share some
/// (the date, the toll) but not the run. On `stories-dev` the translated pairs keep all of at
/// least 5 numbers (the closest other cross-language pair 3 of 4), their numbers and entities
/// in order 0.58-0.74 (other pairs of one event up to 0.62, so both must hold), and their length
/// within 10% (shortened republications are caught by shingles in one language).
const XLANG_MIN_NUMBERS: usize = 5;
const XLANG_NUMBERS_KEPT: f32 = 0.9;
const XLANG_ANCHORS_KEPT: f32 = 0.5;
const XLANG_LENGTH_RATIO: f32 = 0.75;

/// A story before a regrouping: version, the ids merged into it, and its `merged` event should
/// it end empty.
type OldStory = (u32, Vec<String>, StoryEvent);

/// What a [`StoryIndex::regroup`] changed, to publish.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Regrouped {
    /// `created`, `updated` and `merged` events of the stories whose articles changed.
    pub events: Vec<StoryEvent>,
    /// Records of the articles whose story or duplicate links changed, as they are now.
    pub moved: Vec<EnrichedArticle>,
}

/// The outcome of story assignment for one article.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    /// The article with its story and duplicate links, and the story events to publish.
    Assigned {
        /// The article, completed.
        article: Box<EnrichedArticle>,
        /// `created`/`updated`/`merged` events.
        events: Vec<StoryEvent>,
        /// Earlier articles that the new evidence moved to another story: their records again,
        /// with the new story, to publish under their ids so that each article's latest record
        /// carries its final story.
        moved: Vec<EnrichedArticle>,
    },
    /// This id and content hash were assigned before (a redelivery): nothing new.
    Known {
        /// The article id.
        article_id: String,
        /// Its story.
        story_id: String,
    },
}

#[derive(Debug, Clone)]
struct EntityInfo {
    id: String,
    name: String,
    weight: f32,
}

#[derive(Debug, Clone)]
struct ArticleEntry {
    id: String,
    hash: String,
    story: u32,
    sig: Option<Box<Signature>>,
    /// A sample of the text's word shingles, for containment.
    sample: Sample,
    source: u32,
    /// What it contributes to its story (without signature and sample), so that it can be
    /// taken out of its story again and compared with others.
    ev: Box<Features>,
    /// Its latest record, to publish again when it moves to another story.
    record: Box<EnrichedArticle>,
}

#[derive(Debug, Clone)]
struct StoryClaim {
    kind: String,
    subject: String,
    value: f64,
    hedge: Option<String>,
    event: Option<String>,
    article: u32,
    source: u32,
}

#[derive(Debug, Clone)]
struct Story {
    id: String,
    version: u32,
    title: String,
    title_score: f32,
    articles: Vec<u32>,
    sources: Vec<u32>,
    /// Entity feature id → articles mentioning it, sorted by feature id.
    entities: Vec<(u32, u32)>,
    /// Evidence feature id (names, places, numbers, dates) → articles with it, sorted by id.
    keys: Vec<(u32, u32)>,
    /// Term feature id → summed normalised weight, sorted by feature id.
    terms: Vec<(u32, f32)>,
    claims: Vec<StoryClaim>,
    indexed: Vec<u32>,
    merged_from: Vec<String>,
    related: Vec<String>,
    /// Kind of report → articles of that kind, sorted by kind.
    kinds: Vec<(u32, u32)>,
    /// Earliest and latest publication date of its dated articles.
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// When it was founded and when it last gained an article, by arrival (fetch) time.
    founded: DateTime<Utc>,
    last_gained: DateTime<Utc>,
    /// Norms of its weighted evidence and term vectors, with the (story size, index size / 64)
    /// they were computed at: rarity weights drift slowly, so they are reused until either moves.
    norms: std::cell::Cell<((usize, usize), f32, f32)>,
}

impl Story {
    fn first_seen(&self) -> DateTime<Utc> {
        self.span.map_or(self.founded, |s| s.0)
    }
    fn last_seen(&self) -> DateTime<Utc> {
        self.span.map_or(self.last_gained, |s| s.1)
    }
}

/// A claim as a story keeps it: kind, subject, value, hedge, event.
type ClaimKey = (String, String, f64, Option<String>, Option<String>);

/// What an article contributes to a story.
#[derive(Debug, Clone)]
struct Features {
    entities: Vec<u32>,
    /// Evidence features, sorted: name tokens, places, numbers, dates, entity ids.
    keys: Vec<u32>,
    terms: Vec<(u32, f32)>,
    claims: Vec<ClaimKey>,
    /// Publication date, when the article has one.
    time: Option<DateTime<Utc>>,
    /// When it arrived (was fetched).
    arrival: DateTime<Utc>,
    sig: Option<Signature>,
    sample: Sample,
    /// Days the text names (year when written, month, day), and a weak publication date: for an
    /// undated article, what its text says about when it happened.
    days: Vec<(Option<i32>, u32, u32)>,
    /// The day a relative day in the text ("yesterday", "ayer") means against the fetch time: a
    /// hint of when an undated article's event happened, used only in a live stream and never
    /// as the article's date.
    hint: Option<DateTime<Utc>>,
    /// Written in a language that capitalises its nouns (German).
    noun_caps: bool,
    /// Numbers and entities in text order ([`anchor_sequence`]): what a translation keeps.
    anchors: Vec<u32>,
    /// The kind of report its headline and lead tell ([`report_kind`]), when one leads.
    kind: Option<u32>,
}

/// How an article's dates fit a story's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Within the story's window.
    In,
    /// Undated, naming only days well before the story.
    Recalls,
    /// Apart.
    Out,
}

/// Kinds of evidence, each with its weight in [`Weights`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A story-gazetteer entity id.
    Entity,
    /// A word of a name found by rule ("griner").
    Name,
    /// A country of the place gazetteer.
    Country,
    /// A city or region of the place gazetteer.
    City,
    /// A number in the text (not a year, not part of a date).
    Number,
    /// A day and month written in the text.
    Date,
    /// The article's own publication day.
    Day,
}

/// The weights of story similarity, in one place. Tuned on `stories-dev` (see the README).
#[derive(Debug, Clone, Copy)]
struct Weights {
    entity: f32,
    name: f32,
    country: f32,
    city: f32,
    number: f32,
    date: f32,
    day: f32,
    /// Share of the similarity from evidence features; the rest comes from key terms.
    evidence: f32,
    /// A name within a small edit distance of a story's name counts this much of a match.
    fuzzy: f32,
}

const WEIGHTS: Weights = Weights {
    entity: 1.0,
    name: 1.0,
    country: 0.35,
    city: 0.6,
    number: 0.7,
    date: 0.8,
    day: 0.4,
    evidence: 0.65,
    fuzzy: 0.7,
};

impl Class {
    fn of(key: &str) -> Class {
        match key.as_bytes().first() {
            Some(b'n') => Class::Name,
            Some(b'c') => Class::Country,
            Some(b'p') => Class::City,
            Some(b'#') => Class::Number,
            Some(b'd') => Class::Date,
            Some(b'y') => Class::Day,
            _ => Class::Entity,
        }
    }
    fn weight(self) -> f32 {
        let w = WEIGHTS;
        match self {
            Class::Entity => w.entity,
            Class::Name => w.name,
            Class::Country => w.country,
            Class::City => w.city,
            Class::Number => w.number,
            Class::Date => w.date,
            Class::Day => w.day,
        }
    }
}

/// The story index: stories, their features, and duplicate detection state. Bounded by
/// [`StoryConfig::max_stories`] and [`StoryConfig::max_age_days`].
pub struct StoryIndex {
    cfg: StoryConfig,
    features: HashMap<String, u32>,
    entity_info: IdMap<EntityInfo>,
    /// Articles mentioning each entity feature (for rarity weights).
    df: IdMap<u32>,
    /// Class and (for names) the folded word of each evidence feature.
    key_info: IdMap<(Class, String)>,
    sources: HashMap<String, u32>,
    source_names: Vec<String>,
    articles: IdMap<ArticleEntry>,
    article_by_id: HashMap<String, u32>,
    next_article: u32,
    by_hash: HashMap<String, u32>,
    bands: HashMap<u64, u32>,
    stories: IdMap<Story>,
    story_by_id: HashMap<String, u32>,
    next_story: u32,
    merged: HashMap<String, String>,
    /// Versions from events of stories not (yet) in the index, applied when they arrive.
    pending_versions: HashMap<String, (u32, String)>,
    postings: IdMap<Vec<u32>>,
    /// Stories evicted since postings were last compacted.
    evicted: usize,
    /// Stories by when they last gained an article (arrival time).
    by_age: BTreeSet<(i64, u32)>,
    /// The latest arrival time seen: the index's clock for eviction.
    clock: Option<DateTime<Utc>>,
    /// How long after publication the latest dated articles arrived (seconds): whether the
    /// input is a live stream, where arrival says when an undated article appeared, or a
    /// backfill, where it says nothing.
    lags: std::collections::VecDeque<i64>,
    /// The live-or-backfill judgement held through a [`StoryIndex::regroup`]: the input's, as
    /// it stood before, whatever order the replay meets the dated articles in.
    held_live: Option<bool>,
    /// Whether articles were assigned since the last [`StoryIndex::regroup`].
    dirty: bool,
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

fn kind_weight(kind: &str) -> f32 {
    match kind {
        // Countries and cities are the setting of many unrelated stories.
        "place" => 0.4,
        "unknown" => 0.6,
        _ => 1.0,
    }
}

/// The id of a story founded by `article_id`.
pub fn story_id_for(article_id: &str) -> String {
    format!("story-{article_id}")
}

/// Byte offset where the title ends in an enriched text (the title comes first).
pub(crate) fn title_end(a: &EnrichedArticle) -> usize {
    if a.text.starts_with(&a.title) {
        a.title.len()
    } else {
        0
    }
}

/// The date an article reports on: its publication time (from the feed, the page, the URL or
/// its text, as the cleaner found it), never the fetch time; none when it has no date. Never
/// later than a day after enrichment, so one wrong date cannot age the whole index out.
pub fn article_time(a: &EnrichedArticle) -> Option<DateTime<Utc>> {
    // A date guessed from deep in the text (the latest date it mentions) is kept on the
    // article but too weak to keep it out of a story: a wrong date splits an event.
    if a.published_from
        .is_some_and(|f| f.confidence < MIN_DATE_CONFIDENCE)
    {
        return None;
    }
    a.published
        .map(|t| t.min(a.enriched_at + Duration::days(1)))
}

/// Words of the lead, after the headline, that tell the kind of report: about its first two or
/// three sentences, where news says what happened.
const LEAD_WORDS: usize = 60;
/// A headline word counts this many lead words: the headline names the event.
const HEADLINE_KIND: f32 = 2.0;
/// The leading kind needs this much weight (a headline word, or two in the lead) and more than
/// any other kind: a report of two kinds ("hostages freed as the ceasefire begins") has none.
const MIN_KIND: f32 = 2.0;

/// The kind of report (death, election, inauguration, landfall, release, ...) an article's
/// headline and lead tell, by the words of its language's `[story]` list: the kind with the most
/// weight, when it has [`MIN_KIND`] and more than any other.
fn report_kind(words: &Folded<'_>, title_end: usize, lang: &str) -> Option<u32> {
    let table = lexicon::lexicon().kind_words(lang)?;
    let mut weights: Vec<(u32, f32)> = Vec::new();
    let mut lead = 0;
    for (i, (w, f)) in words.ws.iter().zip(&words.folded).enumerate() {
        let headline = w.start < title_end;
        if !headline {
            lead += 1;
            if lead > LEAD_WORDS {
                break;
            }
        }
        let next = words.folded.get(i + 1).map(|x| x.as_ref());
        if let Some(k) = table.kind(f, next) {
            let add = if headline { HEADLINE_KIND } else { 1.0 };
            match weights.iter_mut().find(|x| x.0 == k) {
                Some(x) => x.1 += add,
                None => weights.push((k, add)),
            }
        }
    }
    weights.sort_by(|a, b| b.1.total_cmp(&a.1));
    match weights.as_slice() {
        [(k, w), rest @ ..] if *w >= MIN_KIND && rest.first().is_none_or(|x| x.1 < *w) => Some(*k),
        _ => None,
    }
}

/// The kind of report most of a story's articles of a known kind are, if most are one.
fn story_kind(s: &Story) -> Option<u32> {
    let total: u32 = s.kinds.iter().map(|x| x.1).sum();
    let top = s.kinds.iter().max_by_key(|x| x.1)?;
    (top.1 * 2 > total).then_some(top.0)
}

/// Two kinds of report, both known, differ: reports of different events, when no date tells.
fn kinds_clash(a: Option<u32>, b: Option<u32>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if !lexicon::lexicon().kinds_go_together(x, y))
}

/// Evidence keys of an article: words of names found by rule, places, gazetteer entities,
/// numbers and day-month dates written in the text, and its publication day. These survive
/// translation: "Griner", "140", "26 septiembre" read the same in every language.
fn evidence_keys(
    a: &EnrichedArticle,
    dates: &[lexicon::dates::DateMention],
    words: &Folded<'_>,
) -> Vec<String> {
    let lx = lexicon::lexicon();
    let mut keys: Vec<String> = Vec::new();
    for e in &a.entities {
        if let Some(place) = e.id.strip_prefix("place/") {
            let country = lexicon::places::places()
                .lookup(&e.name)
                .is_some_and(|p| p.kind == "country");
            keys.push(format!("{}:{place}", if country { 'c' } else { 'p' }));
        } else if e.id.starts_with("name/") {
            for w in e.name.split(|c: char| !(c.is_alphanumeric() || c == '-')) {
                let f = fold_word(w);
                if f.chars().count() >= 3
                    && !lx.is_title(&f)
                    && !lx.is_connector(&f)
                    && !is_stop(&f)
                {
                    keys.push(format!("n:{}", lexicon::given::canonical(&f)));
                }
            }
        } else if e.kind == model::EntityKind::Person {
            // A known person is named by the words of its name, as names found by rule are.
            for w in e.name.split(' ') {
                let f = fold_word(w);
                if f.chars().count() >= 3 {
                    keys.push(format!("n:{}", lexicon::given::canonical(&f)));
                }
            }
        } else {
            keys.push(format!("e:{}", e.id));
        }
    }
    for d in dates {
        if let (Some(day), true) = (d.day, d.month > 0) {
            keys.push(format!("d:{:02}-{day:02}", d.month));
        }
    }
    let in_date = |s: usize| dates.iter().any(|d| s >= d.start && s < d.end);
    for w in &words.ws {
        if !w.is_number() || in_date(w.start) {
            continue;
        }
        let Some(v) = crate::claims::parse_number(w.raw) else {
            continue;
        };
        let year = !w.raw.contains([',', '.']) && (1900.0..=2100.0).contains(&v);
        if v >= 10.0 && !year {
            keys.push(format!("#:{v}"));
        }
    }
    if DAY_KEYS {
        if let Some(t) = article_time(a) {
            // The day and the next: articles a day apart share one key.
            let d = t.date_naive();
            keys.push(format!("y:{d}"));
            keys.push(format!("y:{}", d + Duration::days(1)));
        }
    }
    keys
}

impl StoryIndex {
    /// An empty index.
    pub fn new(cfg: StoryConfig) -> Self {
        Self {
            cfg,
            features: HashMap::new(),
            entity_info: IdMap::default(),
            df: IdMap::default(),
            key_info: IdMap::default(),
            sources: HashMap::new(),
            source_names: Vec::new(),
            articles: IdMap::default(),
            article_by_id: HashMap::new(),
            next_article: 0,
            by_hash: HashMap::new(),
            bands: HashMap::new(),
            stories: IdMap::default(),
            story_by_id: HashMap::new(),
            next_story: 0,
            merged: HashMap::new(),
            pending_versions: HashMap::new(),
            postings: IdMap::default(),
            evicted: 0,
            by_age: BTreeSet::new(),
            clock: None,
            lags: std::collections::VecDeque::new(),
            held_live: None,
            dirty: false,
        }
    }

    /// Stories in the index.
    pub fn stories(&self) -> usize {
        self.stories.len()
    }

    /// Articles in the index.
    pub fn articles(&self) -> usize {
        self.articles.len()
    }

    /// The story an article was assigned to, if it is in the index.
    pub fn story_of(&self, article_id: &str) -> Option<&str> {
        let a = self.articles.get(self.article_by_id.get(article_id)?)?;
        self.stories.get(&a.story).map(|s| s.id.as_str())
    }

    fn feature(&mut self, key: String) -> u32 {
        let n = self.features.len() as u32;
        *self.features.entry(key).or_insert(n)
    }

    fn source(&mut self, name: &str) -> u32 {
        if let Some(&s) = self.sources.get(name) {
            return s;
        }
        let n = self.source_names.len() as u32;
        self.source_names.push(name.to_string());
        self.sources.insert(name.to_string(), n);
        n
    }

    fn features_of(&mut self, a: &EnrichedArticle) -> Features {
        let mut entities = Vec::new();
        let mut mentions: Vec<(usize, u32)> = Vec::new();
        for e in &a.entities {
            let f = self.feature(format!("e:{}", e.id));
            mentions.extend(e.mentions.iter().map(|m| (m.start, f)));
            self.entity_info.entry(f).or_insert_with(|| EntityInfo {
                id: e.id.clone(),
                name: e.name.clone(),
                weight: kind_weight(e.kind.as_str()),
            });
            entities.push(f);
        }
        entities.sort_unstable();
        entities.dedup();
        let dates = lexicon::dates::find_dates(&a.text);
        let words = Folded::new(&a.text);
        let mut keys = Vec::new();
        for k in evidence_keys(a, &dates, &words) {
            let class = Class::of(&k);
            // Names are compared by spelling, days by distance: keep what each needs.
            let word = if matches!(class, Class::Name | Class::Date) {
                k[2..].to_string()
            } else {
                String::new()
            };
            let f = self.feature(k);
            self.key_info.entry(f).or_insert((class, word));
            keys.push(f);
        }
        keys.sort_unstable();
        keys.dedup();
        let raw = term_weights(&words, title_end(a), ARTICLE_TERMS);
        let norm = raw.iter().map(|(_, w)| w * w).sum::<f32>().sqrt().max(1e-6);
        let mut terms: Vec<(u32, f32)> = raw
            .into_iter()
            .map(|(t, w)| (self.feature(format!("t:{t}")), w / norm))
            .collect();
        terms.sort_unstable_by_key(|x| x.0);
        let claims = a
            .claims
            .iter()
            .filter(|c| c.kind != model::ClaimKind::Date)
            .map(|c| {
                (
                    c.kind.to_string(),
                    c.subject.clone(),
                    c.value,
                    c.hedge.clone(),
                    c.event.clone(),
                )
            })
            .collect();
        let (sig, sample) = match minhash::sketch(&words) {
            Some((s, n)) => (Some(s), n),
            None => (None, Sample::default()),
        };
        let hint = lexicon::dates::hint_from(&dates, a.fetched_at)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| t.and_utc());
        let mut days: Vec<(Option<i32>, u32, u32)> = dates
            .iter()
            .filter(|d| d.month > 0)
            .filter_map(|d| Some((d.year, d.month, u32::try_from(d.day?).ok()?)))
            .collect();
        if let Some(p) = a.published {
            use chrono::Datelike;
            days.push((Some(p.year()), p.month(), p.day()));
        }
        let kind = report_kind(&words, title_end(a), &a.language.code);
        Features {
            entities,
            keys,
            terms,
            claims,
            time: article_time(a),
            arrival: a.fetched_at,
            sig,
            sample,
            days,
            hint,
            noun_caps: lexicon::lexicon().capitalises_nouns(&a.language.code),
            kind,
            anchors: anchor_sequence(&words, mentions),
        }
    }

    fn idf(&self, f: u32) -> f32 {
        let n = self.articles.len() as f32 + 1.0;
        let df = self.df.get(&f).copied().unwrap_or(0) as f32;
        (1.0 + n / (df + 1.0)).ln()
    }

    /// Weight of an evidence feature: its class weight times its rarity.
    fn key_weight(&self, k: u32) -> f32 {
        let class = self.key_info.get(&k).map_or(Class::Entity, |x| x.0);
        class.weight() * self.idf(k)
    }

    /// A story's evidence key within a small edit distance of an unmatched name word of the
    /// article ("Wittkoff" and "Witkoff", "Vogel" and "Fogel"): its article count.
    fn fuzzy_name(&self, word: &str, keys: &[(u32, u32)]) -> Option<u32> {
        let n = word.chars().count();
        if n < 5 {
            return None;
        }
        let max = if n >= 8 { 2 } else { 1 };
        let sound = phonetic(word);
        let initial = sound.chars().next();
        keys.iter()
            .filter_map(|&(k, c)| {
                let (class, other) = self.key_info.get(&k)?;
                let m = other.len();
                // Byte lengths bound the edit distance from below, and a misspelt name keeps its
                // first sound ("Vogel", "Fogel"): skip what cannot be close.
                if *class != Class::Name
                    || m < 5
                    || m.abs_diff(word.len()) > max + 1
                    || other.chars().find_map(first_sound) != initial
                {
                    return None;
                }
                let d = strsim::damerau_levenshtein(word, other);
                (d <= max || (d <= max + 1 && phonetic(other) == sound)).then_some(c)
            })
            .max()
    }

    /// Cosine of rarity-weighted evidence between an article (each key once) and a story (each
    /// key by the share of its articles that have it); unmatched name words may match a story's
    /// name of close spelling at a lower weight.
    fn evidence_cosine(&self, keys: &[u32], s: &Story, fuzzy: bool, unseen: f32) -> f32 {
        let n = s.articles.len().max(1) as f32;
        let (mut dot, mut na) = (0.0f32, 0.0f32);
        for &k in keys {
            let w = self.key_weight(k);
            // Evidence no other article has (a name spelt once, a German noun) cannot point to
            // any story; counting it would only make long articles look unlike everything.
            na += if self.df.get(&k).copied().unwrap_or(0) > 0 {
                w * w
            } else {
                unseen * w * w
            };
            match s.keys.binary_search_by_key(&k, |x| x.0) {
                Ok(i) => dot += w * w * s.keys[i].1 as f32 / n,
                // A misspelling is rare: names other articles share are not tried.
                Err(_) if fuzzy && self.df.get(&k).copied().unwrap_or(0) <= 1 => {
                    if let Some((Class::Name, word)) = self.key_info.get(&k) {
                        if let Some(c) = self.fuzzy_name(word, &s.keys) {
                            dot += WEIGHTS.fuzzy * w * w * c as f32 / n;
                        }
                    }
                }
                Err(_) => {}
            }
        }
        let ns = self.story_norms(s).0;
        if na > 0.0 && ns > 0.0 {
            (dot / (na.sqrt() * ns.sqrt())).min(1.0)
        } else {
            0.0
        }
    }

    /// Squared norms of a story's weighted evidence and term vectors (cached, see `Story::norms`).
    fn story_norms(&self, s: &Story) -> (f32, f32) {
        let stamp = (s.articles.len(), self.articles.len() / 64);
        let (at, ev, tm) = s.norms.get();
        if at == stamp {
            return (ev, tm);
        }
        let n = s.articles.len().max(1) as f32;
        let ev: f32 = s
            .keys
            .iter()
            .map(|&(k, c)| {
                let v = self.key_weight(k) * c as f32 / n;
                v * v
            })
            .sum();
        let tm: f32 = s
            .terms
            .iter()
            .map(|&(t, v)| {
                let w = v * if TERM_IDF { self.idf(t) } else { 1.0 };
                w * w
            })
            .sum();
        s.norms.set((stamp, ev, tm));
        (ev, tm)
    }

    /// Similarity of an article to a story, in [0, 1]: evidence that survives translation
    /// (names, places, numbers, dates) and key terms of the same language.
    fn similarity(&self, f: &Features, s: &Story) -> f32 {
        let term = (1.0 - WEIGHTS.evidence) * self.term_cosine_to(&f.terms, s);
        // In a language that capitalises its nouns, most capitalised words no other article has
        // are nouns, not names: they count for less.
        let unseen = if f.noun_caps {
            UNSEEN_NOUN_CAPS
        } else {
            UNSEEN
        };
        let sim =
            (WEIGHTS.evidence * self.evidence_cosine(&f.keys, s, false, unseen) + term).min(1.0);
        // Close spellings of names (edit distance, sound) cost a comparison per pair of names:
        // worth it only where they can decide, just below the threshold.
        if sim < self.cfg.threshold * SINGLE_JOIN && sim >= self.cfg.threshold * 0.4 {
            (WEIGHTS.evidence * self.evidence_cosine(&f.keys, s, true, unseen) + term).min(1.0)
        } else {
            sim
        }
    }

    /// [`Self::term_cosine`] of an article's terms and a story's, with the story's norm cached.
    fn term_cosine_to(&self, a: &[(u32, f32)], s: &Story) -> f32 {
        let idf = |t: u32| if TERM_IDF { self.idf(t) } else { 1.0 };
        let (mut dot, mut na) = (0.0f32, 0.0f32);
        for &(t, v) in a {
            let u = v * idf(t);
            na += u * u;
            if let Ok(k) = s.terms.binary_search_by_key(&t, |x| x.0) {
                dot += u * s.terms[k].1 * idf(t);
            }
        }
        let nb = self.story_norms(s).1;
        if na > 0.0 && nb > 0.0 {
            dot / (na.sqrt() * nb.sqrt())
        } else {
            0.0
        }
    }

    /// Cosine of two term vectors weighted by rarity, so that the words every story on a topic
    /// uses ("hurricane", "landfall") count for less than the ones of this event.
    fn term_cosine(&self, a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
        let idf = |t: u32| if TERM_IDF { self.idf(t) } else { 1.0 };
        let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
        for &(t, v) in a {
            let u = v * idf(t);
            na += u * u;
            if let Ok(k) = b.binary_search_by_key(&t, |x| x.0) {
                dot += u * b[k].1 * idf(t);
            }
        }
        for &(t, v) in b {
            let w = v * idf(t);
            nb += w * w;
        }
        if na > 0.0 && nb > 0.0 {
            dot / (na.sqrt() * nb.sqrt())
        } else {
            0.0
        }
    }

    /// Similarity of two stories, for merging stories that turn out to be one.
    fn story_similarity(&self, a: &Story, b: &Story) -> f32 {
        let (na, nb) = (
            a.articles.len().max(1) as f32,
            b.articles.len().max(1) as f32,
        );
        let (mut dot, mut xa, mut xb) = (0.0f32, 0.0f32, 0.0f32);
        let (mut i, mut j) = (0, 0);
        while i < a.keys.len() || j < b.keys.len() {
            match (a.keys.get(i), b.keys.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    let w = self.key_weight(x.0);
                    let (u, v) = (w * x.1 as f32 / na, w * y.1 as f32 / nb);
                    dot += u * v;
                    xa += u * u;
                    xb += v * v;
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    let u = self.key_weight(x.0) * x.1 as f32 / na;
                    xa += u * u;
                    i += 1;
                }
                (Some(x), None) => {
                    let u = self.key_weight(x.0) * x.1 as f32 / na;
                    xa += u * u;
                    i += 1;
                }
                (_, Some(y)) => {
                    let v = self.key_weight(y.0) * y.1 as f32 / nb;
                    xb += v * v;
                    j += 1;
                }
                (None, None) => break,
            }
        }
        let ev = if xa > 0.0 && xb > 0.0 {
            dot / (xa.sqrt() * xb.sqrt())
        } else {
            0.0
        };
        let term = self.term_cosine(&a.terms, &b.terms);
        (WEIGHTS.evidence * ev + (1.0 - WEIGHTS.evidence) * term).min(1.0)
    }

    /// A dated article fits a story whose dated articles lie within the window of its date; an
    /// undated article, or a story without dated articles, is judged on content alone.
    /// Similarity needed to join story `s`: more for a story of one article, whose few shared
    /// names may be all two unrelated reports have in common (an IMF loan and a prisoner swap
    /// in the same country), and which would then pull in the rest of either.
    fn join_need(&self, s: u32) -> f32 {
        let single = self.stories.get(&s).is_some_and(|x| x.articles.len() < 2);
        if single {
            self.cfg.threshold * SINGLE_JOIN
        } else {
            self.cfg.threshold
        }
    }

    /// True while dated articles arrive within the window of their publication: a live stream,
    /// where an undated article or story is about as recent as its arrival. Until a dated
    /// article shows otherwise, the input is taken to be live.
    fn live(&self) -> bool {
        if let Some(live) = self.held_live {
            return live;
        }
        if self.lags.len() < BACKFILL_LAGS {
            return true;
        }
        let mut v: Vec<i64> = self.lags.iter().copied().collect();
        v.sort_unstable();
        v[v.len() / 2] <= Duration::days(self.cfg.window_days).num_seconds()
    }

    /// Whether an article of similarity `sim` may join story `s` by date: it is in the story's
    /// window, or it is undated and names only days well before the story, which a report of
    /// the story may recall (the attack before a hostage release, a commemoration months
    /// earlier): then content alone must say it is the same event, as for merging stories
    /// without dates.
    fn fits(&self, f: &Features, s: &Story, sim: f32) -> bool {
        // Without a date on both sides, only what the reports tell says whether they are of one
        // event: a report of another kind is of another event (the conclave after the death).
        if (f.time.is_none() || s.span.is_none()) && kinds_clash(f.kind, story_kind(s)) {
            return false;
        }
        match self.window(f, s) {
            Fit::In => true,
            Fit::Recalls => sim >= tune("NF_UM", UNDATED_MERGE),
            Fit::Out => false,
        }
    }

    fn in_window(&self, f: &Features, s: &Story) -> bool {
        self.window(f, s) == Fit::In
    }

    fn window(&self, f: &Features, s: &Story) -> Fit {
        let in_or_out = |x: bool| if x { Fit::In } else { Fit::Out };
        let w = Duration::days(self.cfg.window_days);
        match (f.time, s.span) {
            (Some(t), Some((first, last))) => in_or_out(t >= first - w && t <= last + w),
            // A dated article and a story of undated articles: in a live stream the story
            // appeared when its articles arrived.
            (Some(t), None) if self.live() => {
                in_or_out(t >= s.founded - w && t <= s.last_gained + w)
            }
            // Undated in a live stream: it was written before it arrived, and news arrives
            // fresh, so its arrival (or the day a relative day names) dates it, whatever older
            // days its text recalls.
            (None, Some((first, last)))
                if self.live()
                    && (f.days.is_empty() || {
                        let t = f.hint.unwrap_or(f.arrival);
                        t >= first - w && t <= last + w + w
                    }) =>
            {
                let t = f.hint.unwrap_or(f.arrival);
                in_or_out(t >= first - w && t <= last + w + w)
            }
            // Undated, but the text names days (in the story's years where it gives none): one
            // of them falls in the story's window, or the latest of them, the earliest the
            // article can have been written, lies within the window's end and the recent past
            // of the story (a report recalling the attack that led to a hostage release).
            (None, Some((first, last))) if !f.days.is_empty() => {
                use chrono::Datelike;
                let times: Vec<DateTime<Utc>> = f
                    .days
                    .iter()
                    .flat_map(|&(y, m, d)| {
                        let at = move |y: i32| {
                            chrono::NaiveDate::from_ymd_opt(y, m, d)
                                .and_then(|x| x.and_hms_opt(12, 0, 0))
                                .map(|x| x.and_utc())
                        };
                        match y {
                            Some(y) => vec![at(y)],
                            // A day written without its year is the last such day up to the
                            // story: "7 October" in a January report is last year's.
                            None => vec![[last.year(), last.year() - 1]
                                .into_iter()
                                .filter_map(at)
                                .find(|t| *t <= last + w)],
                        }
                        .into_iter()
                        .flatten()
                    })
                    .collect();
                let history = Duration::days(HISTORY_DAYS);
                let latest = times.iter().max();
                if times.iter().any(|t| *t >= first - w && *t <= last + w)
                    || latest.is_some_and(|t| *t <= last + w && *t >= first - history)
                {
                    // In a live stream it arrived after the story's window: it recalls the
                    // story's days (the conclave report naming the late pope's death day).
                    if self.live() {
                        Fit::Recalls
                    } else {
                        Fit::In
                    }
                } else if latest.is_some_and(|t| *t < first - history) {
                    Fit::Recalls
                } else {
                    Fit::Out
                }
            }
            // A story without dated articles is dated by the days its articles name: an undated
            // report whose named days lie far from all of them is of another event (an
            // inauguration and the election months before, two hurricanes). A dated report is
            // not held to them: a follow-up months later may still report the event, and on
            // `stories-dev` holding it changed nothing but the worst order (0.811 -> 0.803).
            (None, None) if !f.days.is_empty() => {
                let days: Vec<(u32, u32)> = f.days.iter().map(|&(_, m, d)| (m, d)).collect();
                in_or_out(self.days_meet(&days, s))
            }
            _ => Fit::In,
        }
    }

    /// Whether one of `days` (month, day) lies within the window of a day the articles of story
    /// `s` name, in any year; true when either names none.
    fn days_meet(&self, days: &[(u32, u32)], s: &Story) -> bool {
        let ours: Vec<i64> = days.iter().filter_map(|&(m, d)| ordinal(m, d)).collect();
        ordinals_meet(&ours, &self.named_days(s), self.cfg.window_days)
    }

    /// The days of the year the articles of story `s` name (written day and month).
    fn named_days(&self, s: &Story) -> Vec<i64> {
        s.keys
            .iter()
            .filter_map(|(k, _)| match self.key_info.get(k) {
                Some((Class::Date, md)) => {
                    let (m, d) = md.split_once('-')?;
                    ordinal(m.parse().ok()?, d.parse().ok()?)
                }
                _ => None,
            })
            .collect()
    }

    /// Without dates on both sides, only content says two stories are one event, and events
    /// that share names and words (two hurricanes, two popes) look alike: ask for more.
    fn merge_need(&self, a: &Story, b: &Story) -> f32 {
        if a.span.is_some() && b.span.is_some() {
            self.cfg.merge_threshold
        } else {
            self.cfg.merge_threshold.max(tune("NF_UM", UNDATED_MERGE))
        }
    }

    /// Two stories may merge: they may be one event and are similar enough.
    fn mergeable(&self, a: &Story, b: &Story) -> bool {
        self.may_be_one(a, b) && self.story_similarity(a, b) >= self.merge_need(a, b)
    }

    /// Two stories may be one event: their dates meet ([`Self::spans_meet`]) and, where one has
    /// no dated article, they report the same kind of event (as for an article joining one,
    /// [`Self::fits`]).
    fn may_be_one(&self, a: &Story, b: &Story) -> bool {
        let blind = a.span.is_none() || b.span.is_none();
        !(blind && kinds_clash(story_kind(a), story_kind(b))) && self.spans_meet(a, b)
    }

    /// Two stories' dated articles lie within the window of each other; two stories without
    /// dated articles are dated by the days their articles name. A story without dated
    /// articles in a live stream appeared when its articles arrived, as for an article joining
    /// one ([`Self::window`]): else a live stream's undated reports of this week merge into a
    /// months-old dated story that shares their names (the July exchange and the April offer).
    fn spans_meet(&self, a: &Story, b: &Story) -> bool {
        let w = Duration::days(self.cfg.window_days);
        let wd = self.cfg.window_days;
        match (a.span, b.span) {
            (Some((a0, a1)), Some((b0, b1))) => a0 <= b1 + w && b0 <= a1 + w,
            (None, None) => ordinals_meet(&self.named_days(a), &self.named_days(b), wd),
            (Some((t0, t1)), None) | (None, Some((t0, t1))) if self.live() => {
                let u = if a.span.is_none() { a } else { b };
                t0 <= u.last_gained + w && u.founded <= t1 + w
            }
            _ => true,
        }
    }

    fn candidates(&mut self, f: &Features) -> Vec<u32> {
        let mut hits: IdMap<u32> = IdMap::default();
        let keys = f
            .keys
            .iter()
            .copied()
            .chain(f.entities.iter().copied())
            .chain(top_terms(&f.terms, INDEXED_TERMS));
        for k in keys {
            if let Some(list) = self.postings.get_mut(&k) {
                list.retain(|s| self.stories.contains_key(s));
                for s in list.iter() {
                    *hits.entry(*s).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(u32, u32)> = hits.into_iter().collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(MAX_CANDIDATES);
        v.into_iter().map(|x| x.0).collect()
    }

    /// The earlier article whose text contains this one's most (or is most contained in it):
    /// the share of the shorter text's shingles found in the longer, from shingle samples.
    /// Candidates are articles sharing a band and the
    /// articles of the most similar stories (a shortened copy shares few bands).
    fn near_duplicate(
        &self,
        a: &EnrichedArticle,
        f: &Features,
        own: Option<u32>,
        stories: &[u32],
    ) -> Option<(u32, f32)> {
        let sig = f.sig.as_ref()?;
        let mut cands: Vec<u32> = minhash::band_keys(sig)
            .iter()
            .filter_map(|k| self.bands.get(k).copied())
            .collect();
        for s in stories.iter().take(NEAR_DUP_STORIES) {
            if let Some(story) = self.stories.get(s) {
                let from = story.articles.len().saturating_sub(NEAR_DUP_ARTICLES);
                cands.extend(story.articles[from..].iter().copied());
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let mut best: Option<(u32, f32)> = None;
        for an in cands {
            if Some(an) == own {
                continue;
            }
            let Some(entry) = self.articles.get(&an) else {
                continue;
            };
            let mut c = minhash::containment(&f.sample, &entry.sample);
            // A translation shares no words: it keeps the numbers and names, in order.
            if c < self.cfg.near_duplicate_threshold
                && entry.record.language.code != a.language.code
            {
                c = c.max(translation_likeness(
                    (&f.anchors, a.text.len()),
                    (&entry.ev.anchors, entry.record.text.len()),
                ));
            }
            if c >= self.cfg.near_duplicate_threshold
                && best.is_none_or(|(b, bs)| c > bs || (c == bs && an < b))
            {
                best = Some((an, c));
            }
        }
        best
    }

    /// Assign a story to a newly enriched article, mark duplicates, and say what changed. Pages
    /// the cleaner did not judge to be articles (index pages, paywalls) get no story.
    pub fn assign(&mut self, mut a: EnrichedArticle) -> Assignment {
        if a.outcome != Outcome::Ok {
            return Assignment::Assigned {
                article: Box::new(a),
                events: Vec::new(),
                moved: Vec::new(),
            };
        }
        let known = self.article_by_id.get(&a.article_id).copied();
        if let Some(an) = known {
            if let Some(entry) = self.articles.get(&an) {
                if entry.hash == a.content_hash {
                    let story_id = self
                        .stories
                        .get(&entry.story)
                        .map(|s| s.id.clone())
                        .unwrap_or_default();
                    return Assignment::Known {
                        article_id: a.article_id,
                        story_id,
                    };
                }
            }
        }
        self.dirty = true;
        // Bound the index before adding (leaving room for one new story), so that the story
        // this article joins is never the one that leaves.
        self.evict(self.cfg.max_stories.saturating_sub(1));
        // The earlier revision may just have left with its story.
        let known = self.article_by_id.get(&a.article_id).copied();
        let f = self.features_of(&a);
        // Exact and near duplicates of earlier articles.
        a.duplicate_of = self
            .by_hash
            .get(&a.content_hash)
            .filter(|an| Some(**an) != known)
            .and_then(|an| self.articles.get(an))
            .map(|e| e.id.clone());
        // Stories this article is close to: where its near copies would be.
        let mut close: Vec<(u32, f32)> = Vec::new();
        if known.is_none() {
            for s in self.candidates(&f) {
                if let Some(story) = self.stories.get(&s) {
                    close.push((s, self.similarity(&f, story)));
                }
            }
            close.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        }
        let close_ids: Vec<u32> = close.iter().map(|x| x.0).collect();
        let near = self.near_duplicate(&a, &f, known, &close_ids);
        if a.duplicate_of.is_none() {
            a.near_duplicate_of = near.and_then(|(an, s)| {
                self.articles.get(&an).map(|e| NearDuplicate {
                    article_id: e.id.clone(),
                    similarity: round3(s),
                })
            });
        }
        // A revision stays in its story; a copy joins its original's story; otherwise the most
        // similar story in the time window, if similar enough.
        let forced = known
            .or_else(|| {
                a.duplicate_of
                    .as_ref()
                    .and_then(|d| self.article_by_id.get(d).copied())
            })
            .or(near.map(|(an, _)| an))
            .and_then(|an| self.articles.get(&an))
            .map(|e| e.story)
            .filter(|s| self.stories.contains_key(s));
        let mut scored: Vec<(u32, f32)> = Vec::new();
        // Similar stories outside the time window, or just below the threshold: related, not
        // the same event (the April proposal and the July exchange).
        let mut related: Vec<u32> = Vec::new();
        if forced.is_none() {
            for &(s, sim) in &close {
                if let Some(story) = self.stories.get(&s) {
                    let fits = self.fits(&f, story, sim);
                    if fits {
                        scored.push((s, sim));
                    }
                    if sim >= RELATED * self.cfg.threshold && (sim < self.cfg.threshold || !fits) {
                        related.push(s);
                    }
                }
            }
            scored.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| self.older_first(x.0, y.0)));
        }
        let mut events = Vec::new();
        let (slot, score, created) = match (forced, scored.first()) {
            (Some(s), _) => (s, 1.0, false),
            (None, Some(&(s, sc))) if sc >= self.join_need(s) => (s, sc, false),
            _ => (
                self.new_story(story_id_for(&a.article_id), &a.title, &f),
                0.5,
                true,
            ),
        };
        // An article close to several stories shows they are one: merge into the oldest, when
        // their dates allow it (and without dates, when they are close enough by themselves).
        let mut slot = slot;
        if !created && score >= self.cfg.merge_threshold {
            let mut group: Vec<u32> = scored
                .iter()
                .filter(|(_, sc)| *sc >= self.cfg.merge_threshold)
                .map(|x| x.0)
                .collect();
            group.sort_by(|x, y| self.older_first(*x, *y));
            if let Some(&survivor) = group.first() {
                for absorbed in group[1..].iter().copied() {
                    let ok = match (self.stories.get(&survivor), self.stories.get(&absorbed)) {
                        (Some(a), Some(b)) => self.mergeable(a, b),
                        _ => false,
                    };
                    if ok {
                        if let Some(ev) = self.merge(absorbed, survivor) {
                            events.push(ev);
                        }
                        if absorbed == slot {
                            slot = survivor;
                        }
                    }
                }
            }
        }
        let an = self.add_article(&a, &f, slot, known);
        // Evidence that arrived since may show the story is one with another founded apart
        // (in another language, or before this article linked them): merge them now, so that
        // the grouping does not depend on arrival order.
        let near_stories: Vec<u32> = close.iter().take(MERGE_CANDIDATES).map(|x| x.0).collect();
        let slot = self.merge_met(slot, &near_stories, &mut events);
        self.relate(slot, &related);
        if let Some(story) = self.stories.get_mut(&slot) {
            if !created && score > story.title_score {
                story.title = a.title.clone();
                story.title_score = score;
            }
        }
        // The story grew (or merged): members it no longer fits move where they fit.
        let moves = if created {
            Vec::new()
        } else {
            self.recheck(slot)
        };
        let moved = self.moved_records(&moves, &a.article_id, &mut events);
        // This article itself may have moved on.
        let slot = self.articles.get(&an).map_or(slot, |e| e.story);
        let created = created && !moves.iter().any(|m| m.0 == an);
        if let Some(story) = self.stories.get(&slot) {
            a.story_id = Some(story.id.clone());
        }
        if let Some(e) = self.articles.get_mut(&an) {
            e.record.story_id = a.story_id.clone();
            e.record.duplicate_of = a.duplicate_of.clone();
            e.record.near_duplicate_of = a.near_duplicate_of.clone();
        }
        let change = if created {
            StoryChange::Created
        } else {
            StoryChange::Updated
        };
        if let Some(ev) = self.event(slot, change, &a.article_id) {
            events.push(ev);
        }
        Assignment::Assigned {
            article: Box::new(a),
            events,
            moved,
        }
    }

    /// The similarity of `a` to each candidate story, best first, and whether the story is in
    /// its time window: why an article joined or founded a story.
    pub fn explain(&mut self, a: &EnrichedArticle) -> Vec<(String, f32, bool)> {
        let f = self.features_of(a);
        let mut out: Vec<(String, f32, bool)> = self
            .candidates(&f)
            .into_iter()
            .filter_map(|s| {
                let story = self.stories.get(&s)?;
                Some((
                    story.id.clone(),
                    round3(self.similarity(&f, story)),
                    self.in_window(&f, story),
                ))
            })
            .collect();
        out.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        out
    }

    /// Pairs of stories with their similarity at or above `min`, most similar first, and why they
    /// would not merge (`dates`: their dates are apart, or undated reports are of different
    /// kinds; `undated`: one has no dated article and they are not close enough without; empty
    /// when they would): why two stories of one event stayed apart.
    pub fn story_pairs(&self, min: f32) -> Vec<(String, String, f32, &'static str)> {
        let mut slots: Vec<u32> = self.stories.keys().copied().collect();
        slots.sort_unstable();
        let mut out = Vec::new();
        for (i, x) in slots.iter().enumerate() {
            for y in &slots[i + 1..] {
                let (Some(a), Some(b)) = (self.stories.get(x), self.stories.get(y)) else {
                    continue;
                };
                let sim = self.story_similarity(a, b);
                if sim >= min {
                    let why = if !self.may_be_one(a, b) {
                        "dates"
                    } else if sim < self.merge_need(a, b) {
                        "undated"
                    } else {
                        ""
                    };
                    out.push((a.id.clone(), b.id.clone(), round3(sim), why));
                }
            }
        }
        out.sort_by(|x, y| y.2.total_cmp(&x.2).then_with(|| x.0.cmp(&y.0)));
        out
    }

    /// Record that `slot` and each of `others` are related, both ways, a few per story.
    fn relate(&mut self, slot: u32, others: &[u32]) {
        for &o in others {
            if o == slot {
                continue;
            }
            let (Some(a), Some(b)) = (
                self.stories.get(&slot).map(|s| s.id.clone()),
                self.stories.get(&o).map(|s| s.id.clone()),
            ) else {
                continue;
            };
            for (at, other) in [(slot, b), (o, a)] {
                if let Some(s) = self.stories.get_mut(&at) {
                    if !s.related.contains(&other) && s.related.len() < MAX_RELATED {
                        s.related.push(other);
                    }
                }
            }
        }
    }

    fn older_first(&self, x: u32, y: u32) -> std::cmp::Ordering {
        match (self.stories.get(&x), self.stories.get(&y)) {
            (Some(a), Some(b)) => a
                .first_seen()
                .cmp(&b.first_seen())
                .then_with(|| a.id.cmp(&b.id)),
            _ => x.cmp(&y),
        }
    }

    /// Merge into story `slot` (or it into an older one) every candidate story that now meets the
    /// merge threshold with it; returns the surviving slot.
    fn merge_met(&mut self, slot: u32, near: &[u32], events: &mut Vec<StoryEvent>) -> u32 {
        let mut slot = slot;
        for _ in 0..MAX_MERGES {
            let mut best: Option<(u32, f32)> = None;
            // The stories the article was close to are the ones it may have brought together.
            for &c in near {
                if c == slot {
                    continue;
                }
                let (Some(a), Some(b)) = (self.stories.get(&slot), self.stories.get(&c)) else {
                    continue;
                };
                if !self.may_be_one(a, b) {
                    continue;
                }
                let sim = self.story_similarity(a, b);
                if sim >= self.merge_need(a, b) && best.is_none_or(|(_, bs)| sim > bs) {
                    best = Some((c, sim));
                }
            }
            let Some((other, _)) = best else {
                return slot;
            };
            let (survivor, absorbed) = if self.older_first(slot, other).is_le() {
                (slot, other)
            } else {
                (other, slot)
            };
            if let Some(ev) = self.merge(absorbed, survivor) {
                events.push(ev);
            }
            slot = survivor;
        }
        slot
    }

    fn new_story(&mut self, id: String, title: &str, f: &Features) -> u32 {
        let slot = self.next_story;
        self.next_story += 1;
        self.stories.insert(
            slot,
            Story {
                id: id.clone(),
                version: 0,
                title: title.to_string(),
                title_score: 0.5,
                articles: Vec::new(),
                sources: Vec::new(),
                entities: Vec::new(),
                terms: Vec::new(),
                claims: Vec::new(),
                indexed: Vec::new(),
                merged_from: Vec::new(),
                related: Vec::new(),
                keys: Vec::new(),
                kinds: Vec::new(),
                span: f.time.map(|t| (t, t)),
                founded: f.arrival,
                last_gained: f.arrival,
                norms: std::cell::Cell::new(((usize::MAX, 0), 0.0, 0.0)),
            },
        );
        self.by_age.insert((f.arrival.timestamp(), slot));
        self.story_by_id.insert(id, slot);
        slot
    }

    fn add_article(
        &mut self,
        a: &EnrichedArticle,
        f: &Features,
        slot: u32,
        known: Option<u32>,
    ) -> u32 {
        let an = known.unwrap_or_else(|| {
            let n = self.next_article;
            self.next_article += 1;
            n
        });
        let source = self.source(&a.source.name);
        if known.is_none() {
            for &e in f
                .entities
                .iter()
                .chain(&f.keys)
                .chain(f.terms.iter().map(|x| &x.0))
            {
                *self.df.entry(e).or_default() += 1;
            }
        }
        // A revision replaces what its earlier text contributed.
        if let Some(old) = self.articles.get(&an) {
            if self.by_hash.get(&old.hash) == Some(&an) {
                let h = old.hash.clone();
                self.by_hash.remove(&h);
            }
            let from = old.story;
            self.detach(an, from);
        }
        self.by_hash.entry(a.content_hash.clone()).or_insert(an);
        if let Some(sig) = &f.sig {
            for key in minhash::band_keys(sig) {
                self.bands.entry(key).or_insert(an);
            }
        }
        let mut ev = Box::new(f.clone());
        ev.sig = None;
        ev.sample = Sample::default();
        self.articles.insert(
            an,
            ArticleEntry {
                id: a.article_id.clone(),
                hash: a.content_hash.clone(),
                story: slot,
                sig: f.sig.map(Box::new),
                sample: f.sample.clone(),
                source,
                ev,
                record: Box::new(a.clone()),
            },
        );
        self.article_by_id.insert(a.article_id.clone(), an);
        self.attach(an, slot);
        self.clock = Some(self.clock.map_or(f.arrival, |n| n.max(f.arrival)));
        if let (Some(t), None) = (f.time, known) {
            self.lags.push_back((f.arrival - t).num_seconds().max(0));
            if self.lags.len() > LAGS {
                self.lags.pop_front();
            }
        }
        an
    }

    /// Add what article `an` contributes to story `slot`, and index the story under it.
    fn attach(&mut self, an: u32, slot: u32) {
        let Some(entry) = self.articles.get_mut(&an) else {
            return;
        };
        entry.story = slot;
        let (f, source) = (&entry.ev, entry.source);
        let Some(story) = self.stories.get_mut(&slot) else {
            return;
        };
        self.by_age.remove(&(story.last_gained.timestamp(), slot));
        story.norms.set(((usize::MAX, 0), 0.0, 0.0));
        if !story.articles.contains(&an) {
            story.articles.push(an);
        }
        for &e in &f.entities {
            add_count(&mut story.entities, e, 1);
        }
        for &e in &f.keys {
            add_count(&mut story.keys, e, 1);
        }
        if let Some(k) = f.kind {
            add_count(&mut story.kinds, k, 1);
        }
        if story.keys.len() > MAX_STORY_KEYS {
            story.keys.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            story.keys.truncate(MAX_STORY_KEYS / 2);
            story.keys.sort_unstable_by_key(|x| x.0);
        }
        if story.entities.len() > MAX_STORY_ENTITIES {
            // A long-running story mentions many names once; the frequent ones describe it.
            story
                .entities
                .sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            story.entities.truncate(MAX_STORY_ENTITIES / 2);
            story.entities.sort_unstable_by_key(|x| x.0);
        }
        if !story.sources.contains(&source) {
            story.sources.push(source);
        }
        story.terms = add_terms(&story.terms, &f.terms);
        story.claims.retain(|c| c.article != an);
        for (kind, subject, value, hedge, event) in &f.claims {
            if story.claims.len() < MAX_STORY_CLAIMS {
                story.claims.push(StoryClaim {
                    kind: kind.clone(),
                    subject: subject.clone(),
                    value: *value,
                    hedge: hedge.clone(),
                    event: event.clone(),
                    article: an,
                    source,
                });
            }
        }
        if let Some(t) = f.time {
            story.span = Some(story.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        story.last_gained = story.last_gained.max(f.arrival);
        self.by_age.insert((story.last_gained.timestamp(), slot));
        // Index the story under its evidence, entities and heaviest terms.
        let keys: Vec<u32> = story
            .keys
            .iter()
            .map(|x| x.0)
            .chain(story.entities.iter().map(|x| x.0))
            .chain(top_terms(&story.terms, INDEXED_TERMS))
            .collect();
        for k in keys {
            if let Err(pos) = story.indexed.binary_search(&k) {
                story.indexed.insert(pos, k);
                let list = self.postings.entry(k).or_default();
                list.push(slot);
                if list.len() > 2 * MAX_POSTINGS {
                    list.drain(..list.len() - MAX_POSTINGS);
                }
            }
        }
    }

    /// Take what article `an` contributed out of story `slot` (the story stays, even empty).
    fn detach(&mut self, an: u32, slot: u32) {
        let Some(entry) = self.articles.get(&an) else {
            return;
        };
        let f = &entry.ev;
        let Some(story) = self.stories.get_mut(&slot) else {
            return;
        };
        let Some(pos) = story.articles.iter().position(|x| *x == an) else {
            return;
        };
        story.articles.remove(pos);
        story.norms.set(((usize::MAX, 0), 0.0, 0.0));
        subtract_counts(&mut story.entities, &f.entities);
        subtract_counts(&mut story.keys, &f.keys);
        subtract_counts(&mut story.kinds, f.kind.as_slice());
        story.terms = sub_terms(&story.terms, &f.terms);
        story.claims.retain(|c| c.article != an);
        let members: Vec<&ArticleEntry> = story
            .articles
            .iter()
            .filter_map(|m| self.articles.get(m))
            .collect();
        story.span = span_of(members.iter().filter_map(|e| e.ev.time));
        story.sources = Vec::new();
        for e in &members {
            if !story.sources.contains(&e.source) {
                story.sources.push(e.source);
            }
        }
    }

    /// Story `slot` as it would be without article `an`: what `an` is compared with to tell
    /// whether it still belongs there. Only what similarity and windows read is kept.
    fn without(&self, slot: u32, an: u32) -> Option<Story> {
        let s = self.stories.get(&slot)?;
        let f = &self.articles.get(&an)?.ev;
        let mut keys = s.keys.clone();
        subtract_counts(&mut keys, &f.keys);
        let articles: Vec<u32> = s.articles.iter().copied().filter(|x| *x != an).collect();
        let span = span_of(
            articles
                .iter()
                .filter_map(|m| self.articles.get(m).and_then(|e| e.ev.time)),
        );
        Some(Story {
            id: s.id.clone(),
            version: 0,
            title: String::new(),
            title_score: 0.0,
            articles,
            sources: Vec::new(),
            entities: Vec::new(),
            keys,
            kinds: {
                let mut k = s.kinds.clone();
                subtract_counts(&mut k, f.kind.as_slice());
                k
            },
            terms: sub_terms(&s.terms, &f.terms),
            claims: Vec::new(),
            indexed: Vec::new(),
            merged_from: Vec::new(),
            related: Vec::new(),
            span,
            founded: s.founded,
            last_gained: s.last_gained,
            norms: std::cell::Cell::new(((usize::MAX, 0), 0.0, 0.0)),
        })
    }

    /// Check the members of story `slot`, which just grew or merged: each is compared with the
    /// story without itself and with the best other story it could join. One that fits another
    /// story better by [`MOVE_MARGIN`] moves there. So an
    /// early wrong join, made before the evidence that tells two events apart arrived, is
    /// corrected, and the grouping depends less on arrival order. Returns the moved articles
    /// and the stories they left and joined.
    fn recheck(&mut self, slot: u32) -> Vec<(u32, u32, u32)> {
        let Some(story) = self.stories.get(&slot) else {
            return Vec::new();
        };
        if story.articles.len() < 2 {
            return Vec::new();
        }
        let from = story.articles.len().saturating_sub(RECHECK_MEMBERS);
        let members: Vec<u32> = story.articles[from..].to_vec();
        let mut plan: Vec<(u32, u32)> = Vec::new();
        for an in members {
            let Some(entry) = self.articles.get(&an) else {
                continue;
            };
            // A copy, a near copy and a revision stay with their original.
            if entry.record.duplicate_of.is_some() || entry.record.near_duplicate_of.is_some() {
                continue;
            }
            let f = entry.ev.clone();
            let Some(rest) = self.without(slot, an) else {
                continue;
            };
            let own = Some(self.similarity(&f, &rest))
                .filter(|sim| self.fits(&f, &rest, *sim))
                .unwrap_or(0.0);
            let mut best: Option<(u32, f32)> = None;
            for c in self.candidates(&f) {
                if c == slot {
                    continue;
                }
                let Some(other) = self.stories.get(&c) else {
                    continue;
                };
                if other.articles.is_empty() {
                    continue;
                }
                let sim = self.similarity(&f, other);
                if self.fits(&f, other, sim)
                    && sim >= self.join_need(c)
                    && best.is_none_or(|(b, bs)| sim > bs || (sim == bs && c < b))
                {
                    best = Some((c, sim));
                }
            }
            // A member that fits no other story stays: founding a story of its own (below
            // 0.2-0.5 of the threshold to the rest of its story) split events on `stories-dev`
            // (stream 0.944 -> 0.915, worst of 20 orders 0.744 -> 0.717).
            if let Some((c, sim)) = best {
                if sim > own + MOVE_MARGIN {
                    plan.push((an, c));
                }
            }
        }
        let mut moves = Vec::new();
        for (an, to) in plan {
            let Some(entry) = self.articles.get(&an) else {
                continue;
            };
            let left = entry.story;
            if !self.stories.contains_key(&to) {
                continue;
            }
            let target = to;
            self.detach(an, left);
            self.attach(an, target);
            moves.push((an, left, target));
        }
        moves
    }

    /// Publishable results of [`Self::recheck`]: each moved article's record with its new
    /// story, `updated` events of the stories involved, and a `merged` event for a story its
    /// members all left (into the story its last member joined). `skip` is the article being
    /// assigned, whose own record is published anyway.
    fn moved_records(
        &mut self,
        moves: &[(u32, u32, u32)],
        skip: &str,
        events: &mut Vec<StoryEvent>,
    ) -> Vec<EnrichedArticle> {
        let mut records = Vec::new();
        let mut touched: Vec<u32> = Vec::new();
        for &(an, left, target) in moves {
            let Some(id) = self.stories.get(&target).map(|s| s.id.clone()) else {
                continue;
            };
            if let Some(e) = self.articles.get_mut(&an) {
                e.record.story_id = Some(id.clone());
                if e.id != skip {
                    records.push((*e.record).clone());
                }
            }
            if let Some(gone) = self.remove_if_empty(left) {
                let mut ev = self.story_event(&gone, StoryChange::Merged, "");
                ev.merged_into = Some(id.clone());
                ev.article_id = self
                    .articles
                    .get(&an)
                    .map(|e| e.id.clone())
                    .unwrap_or_default();
                self.merged.insert(gone.id.clone(), id);
                if let Some(t) = self.stories.get_mut(&target) {
                    t.merged_from.push(gone.id.clone());
                }
                events.push(ev);
            } else if !touched.contains(&left) {
                touched.push(left);
            }
            if !touched.contains(&target) {
                touched.push(target);
            }
        }
        for slot in touched {
            events.extend(self.latest_event(slot, StoryChange::Updated));
        }
        records
    }

    /// Move everything of story `from` into `into`; returns the `merged` event for `from`.
    fn merge(&mut self, from: u32, into: u32) -> Option<StoryEvent> {
        if from == into {
            return None;
        }
        let absorbed = self.stories.remove(&from)?;
        self.by_age
            .remove(&(absorbed.last_gained.timestamp(), from));
        let mut ev = self.story_event(&absorbed, StoryChange::Merged, "");
        let target = self.stories.get_mut(&into)?;
        ev.merged_into = Some(target.id.clone());
        ev.article_id = absorbed
            .articles
            .last()
            .and_then(|an| self.articles.get(an))
            .map(|e| e.id.clone())
            .unwrap_or_default();
        self.by_age.remove(&(target.last_gained.timestamp(), into));
        for an in &absorbed.articles {
            if let Some(e) = self.articles.get_mut(an) {
                e.story = into;
            }
            // An article belongs to one story, so the absorbed ones are new to the target.
            target.articles.push(*an);
        }
        for (counts, more) in [
            (&mut target.entities, &absorbed.entities),
            (&mut target.keys, &absorbed.keys),
            (&mut target.kinds, &absorbed.kinds),
        ] {
            for &(e, c) in more {
                add_count(counts, e, c);
            }
        }
        for s in &absorbed.sources {
            if !target.sources.contains(s) {
                target.sources.push(*s);
            }
        }
        target.terms = add_terms(&target.terms, &absorbed.terms);
        for c in absorbed.claims {
            if target.claims.len() < MAX_STORY_CLAIMS {
                target.claims.push(c);
            }
        }
        target.span = match (target.span, absorbed.span) {
            (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
            (x, None) | (None, x) => x,
        };
        target.founded = target.founded.min(absorbed.founded);
        target.last_gained = target.last_gained.max(absorbed.last_gained);
        target.merged_from.push(absorbed.id.clone());
        target
            .merged_from
            .extend(absorbed.merged_from.iter().cloned());
        for k in absorbed.indexed {
            if let Err(pos) = target.indexed.binary_search(&k) {
                target.indexed.insert(pos, k);
                self.postings.entry(k).or_default().push(into);
            }
        }
        self.by_age.insert((target.last_gained.timestamp(), into));
        self.story_by_id.remove(&absorbed.id);
        self.merged.insert(absorbed.id.clone(), target.id.clone());
        Some(ev)
    }

    /// Drop stories that gained no article within the age bound (by arrival time: a backfill
    /// of old articles ages nothing), and the least recently updated beyond `limit`, with their
    /// articles.
    fn evict(&mut self, limit: usize) {
        let Some(clock) = self.clock else {
            return;
        };
        let cutoff = (clock - Duration::days(self.cfg.max_age_days)).timestamp();
        while let Some(&(ts, slot)) = self.by_age.first() {
            if ts >= cutoff && self.stories.len() <= limit {
                break;
            }
            self.by_age.remove(&(ts, slot));
            let Some(story) = self.stories.remove(&slot) else {
                continue;
            };
            tracing::debug!(story_id = %story.id, articles = story.articles.len(), "story aged out of the index");
            self.story_by_id.remove(&story.id);
            for an in story.articles {
                self.remove_entry(an);
            }
            let terms = story.terms.iter().map(|x| (x.0, 1));
            for (e, c) in story.entities.into_iter().chain(story.keys).chain(terms) {
                if let Some(d) = self.df.get_mut(&e) {
                    *d = d.saturating_sub(c);
                }
            }
            self.evicted += 1;
        }
        // Lookups drop dead stories from the lists they read; lists nobody reads any more are
        // compacted here, so that they cannot grow without bound.
        if self.evicted > self.stories.len().max(64) {
            let live = &self.stories;
            self.postings.retain(|_, list| {
                list.retain(|s| live.contains_key(s));
                !list.is_empty()
            });
            self.df.retain(|_, d| *d > 0);
            self.evicted = 0;
        }
        // Merge records of stories long gone are not needed either.
        if self.merged.len() > 2 * self.cfg.max_stories.max(1) {
            let live: std::collections::HashSet<&String> =
                self.stories.values().map(|s| &s.id).collect();
            self.merged.retain(|_, to| live.contains(to));
        }
    }

    fn resolve(&self, story_id: &str) -> String {
        let mut id = story_id.to_string();
        for _ in 0..64 {
            match self.merged.get(&id) {
                Some(next) => id = next.clone(),
                None => break,
            }
        }
        id
    }

    /// Whether articles were assigned since the last [`Self::regroup`].
    pub fn needs_regroup(&self) -> bool {
        self.dirty
    }

    /// Group the recent articles again as if they had arrived in one canonical order (by date,
    /// undated ones by arrival, then id), and say what changed. Where articles arrive decides
    /// which stories are founded and so, through the join and merge thresholds, the grouping;
    /// run when the input pauses, this makes the grouping of the same articles the same whatever
    /// order they came in. Stories keep their ids where they keep most of their articles; a
    /// story whose articles all went elsewhere is `merged` into the one that took most of them.
    /// Only the articles of the most recently grown stories, up to [`REGROUP_ARTICLES`], are
    /// assigned again; older stories stay as they are and may still gain members.
    pub fn regroup(&mut self) -> Regrouped {
        if !self.dirty {
            return Regrouped::default();
        }
        self.dirty = false;
        // The scope: whole stories, most recently grown first.
        let mut scope: Vec<u32> = Vec::new();
        let mut n = 0;
        for &(_, slot) in self.by_age.iter().rev() {
            let len = self.stories.get(&slot).map_or(0, |s| s.articles.len());
            if n > 0 && n + len > REGROUP_ARTICLES {
                break;
            }
            scope.push(slot);
            n += len;
        }
        // Every article's story (and duplicate links) before, to tell what changed.
        let mut before: HashMap<String, (String, Option<String>, Option<String>)> =
            HashMap::with_capacity(self.articles.len());
        for e in self.articles.values() {
            let sid = self
                .stories
                .get(&e.story)
                .map(|s| s.id.clone())
                .unwrap_or_default();
            before.insert(
                e.id.clone(),
                (
                    sid,
                    e.record.duplicate_of.clone(),
                    e.record
                        .near_duplicate_of
                        .as_ref()
                        .map(|n| n.article_id.clone()),
                ),
            );
        }
        let mut members_before: HashMap<String, Vec<String>> = HashMap::new();
        let mut old: HashMap<String, OldStory> = HashMap::new();
        let mut records: Vec<EnrichedArticle> = Vec::with_capacity(n);
        for &slot in &scope {
            let Some(s) = self.stories.get(&slot) else {
                continue;
            };
            let ev = self.story_event(s, StoryChange::Merged, "");
            old.insert(s.id.clone(), (s.version, s.merged_from.clone(), ev));
            for an in &s.articles {
                if let Some(e) = self.articles.get(an) {
                    records.push((*e.record).clone());
                }
            }
        }
        for s in self.stories.values() {
            let mut ids: Vec<String> = s
                .articles
                .iter()
                .filter_map(|an| self.articles.get(an).map(|e| e.id.clone()))
                .collect();
            ids.sort_unstable();
            members_before.insert(s.id.clone(), ids);
        }
        let in_scope: std::collections::HashSet<u32> = scope.iter().copied().collect();
        let slots_before: std::collections::HashSet<u32> = self
            .stories
            .keys()
            .copied()
            .filter(|s| !in_scope.contains(s))
            .collect();
        for r in &records {
            if let Some(an) = self.article_by_id.get(&r.article_id).copied() {
                self.forget(an);
            }
        }
        // Assign again in a canonical order, holding the input's live-or-backfill judgement
        // (the replay meets old dated articles first, which would make a live stream's undated
        // reports look old), from a clean slate of the clock (or the replay of a month's
        // stories would age out its first ones at once).
        let merged = std::mem::take(&mut self.merged);
        self.held_live = Some(self.live());
        let lags = std::mem::take(&mut self.lags);
        let clock = self.clock.take();
        // By day (an undated article the day after it arrived: in a backfill its arrival says
        // nothing, in a live stream it comes with the day's reports); within a day the longest
        // report first, since it carries most of its event's names, places and numbers, and a
        // story a fragment founds splits its event (on `stories-dev`, by id: worst of 20 orders
        // 0.875; longest first 0.881).
        let key = |a: &EnrichedArticle| {
            let t = article_time(a).unwrap_or_else(|| a.fetched_at + Duration::days(1));
            (
                t.date_naive(),
                std::cmp::Reverse(a.text.len()),
                a.article_id.clone(),
            )
        };
        records.sort_by_cached_key(key);
        let mut rest = records.into_iter().peekable();
        while let Some(mut first) = rest.next() {
            let day = key(&first).0;
            first.story_id = None;
            let mut bucket = std::collections::VecDeque::from([first]);
            while let Some(mut r) = rest.next_if(|r| key(r).0 == day) {
                r.story_id = None;
                bucket.push_back(r);
            }
            self.replay_day(bucket);
        }
        self.merged = merged;
        self.lags = lags;
        self.held_live = None;
        self.clock = clock.max(self.clock);
        self.dirty = false;
        // New stories take the id of the old story most of whose articles they hold.
        let fresh: Vec<u32> = self
            .stories
            .keys()
            .copied()
            .filter(|s| !slots_before.contains(s))
            .collect();
        let mut overlap: Vec<(usize, u32, String)> = Vec::new();
        for &slot in &fresh {
            let Some(s) = self.stories.get(&slot) else {
                continue;
            };
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for an in &s.articles {
                if let Some((sid, _, _)) = self.articles.get(an).and_then(|e| before.get(&e.id)) {
                    if old.contains_key(sid) {
                        *counts.entry(sid.as_str()).or_default() += 1;
                    }
                }
            }
            overlap.extend(
                counts
                    .into_iter()
                    .map(|(sid, c)| (c, slot, sid.to_string())),
            );
        }
        overlap.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)).then(a.1.cmp(&b.1)));
        let mut named: IdMap<String> = IdMap::default();
        let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (_, slot, sid) in overlap {
            if !named.contains_key(&slot) && !taken.contains(&sid) {
                taken.insert(sid.clone());
                named.insert(slot, sid);
            }
        }
        // The others keep the id of their founding article, or of another member where an old
        // story still has it.
        let mut renames: HashMap<String, String> = HashMap::new();
        for &slot in &fresh {
            let Some(s) = self.stories.get(&slot) else {
                continue;
            };
            let id = match named.get(&slot) {
                Some(id) => id.clone(),
                None => {
                    let in_use = |id: &String| {
                        taken.contains(id)
                            || old.contains_key(id)
                            || self.merged.contains_key(id)
                            || self
                                .story_by_id
                                .get(id)
                                .is_some_and(|o| slots_before.contains(o))
                    };
                    let mut id = s.id.clone();
                    for an in &s.articles {
                        if !in_use(&id) {
                            break;
                        }
                        if let Some(e) = self.articles.get(an) {
                            id = story_id_for(&e.id);
                        }
                    }
                    let mut k = 2;
                    let base = id.clone();
                    while in_use(&id) {
                        id = format!("{base}-{k}");
                        k += 1;
                    }
                    taken.insert(id.clone());
                    id
                }
            };
            renames.insert(s.id.clone(), id);
        }
        // Fresh stories' ids are unique (founding article ids), so renaming in two passes is
        // safe even where one's new id is another's old.
        for &slot in &fresh {
            if let Some(s) = self.stories.get_mut(&slot) {
                self.story_by_id.remove(&s.id);
            }
        }
        for &slot in &fresh {
            let Some(s) = self.stories.get_mut(&slot) else {
                continue;
            };
            let id = renames.get(&s.id).cloned().unwrap_or_else(|| s.id.clone());
            s.id = id.clone();
            match old.get(&id) {
                Some((version, merged_from, _)) => {
                    s.version = *version;
                    s.merged_from = merged_from.clone();
                }
                None => {
                    s.version = 0;
                    s.merged_from = Vec::new();
                }
            }
            self.story_by_id.insert(id, slot);
        }
        for s in self.stories.values_mut() {
            for r in s.related.iter_mut() {
                if let Some(to) = renames.get(r) {
                    *r = to.clone();
                }
            }
            let own = s.id.clone();
            s.related.retain(|r| *r != own);
            s.related.dedup();
        }
        // What changed: articles whose story or links changed, stories whose members changed,
        // old stories left empty.
        let mut out = Regrouped::default();
        let mut changed: Vec<u32> = Vec::new();
        let mut took: HashMap<String, HashMap<String, usize>> = HashMap::new();
        let ids: Vec<u32> = self.articles.keys().copied().collect();
        for an in ids {
            let Some(slot) = self.articles.get(&an).map(|e| e.story) else {
                continue;
            };
            let Some(sid) = self.stories.get(&slot).map(|s| s.id.clone()) else {
                continue;
            };
            let Some(e) = self.articles.get_mut(&an) else {
                continue;
            };
            e.record.story_id = Some(sid.clone());
            let now = (
                sid.clone(),
                e.record.duplicate_of.clone(),
                e.record
                    .near_duplicate_of
                    .as_ref()
                    .map(|n| n.article_id.clone()),
            );
            match before.get(&e.id) {
                Some(was) if *was == now => {}
                was => {
                    if let Some((from, _, _)) = was {
                        if *from != sid {
                            *took
                                .entry(from.clone())
                                .or_default()
                                .entry(sid.clone())
                                .or_default() += 1;
                        }
                    }
                    out.moved.push((*e.record).clone());
                }
            }
        }
        for (&slot, s) in &self.stories {
            let mut ids: Vec<String> = s
                .articles
                .iter()
                .filter_map(|an| self.articles.get(an).map(|e| e.id.clone()))
                .collect();
            ids.sort_unstable();
            if members_before.get(&s.id) != Some(&ids) {
                changed.push(slot);
            }
        }
        changed.sort_unstable();
        // Old stories that kept no article: merged into the one that took most of them.
        let mut gone: Vec<(&String, &OldStory)> = old
            .iter()
            .filter(|(id, _)| !self.story_by_id.contains_key(*id))
            .collect();
        gone.sort_by(|a, b| a.0.cmp(b.0));
        for (id, (version, _, ev)) in gone {
            let Some(into) = took.get(id).and_then(|t| {
                t.iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map(|x| x.0.clone())
            }) else {
                continue;
            };
            let mut ev = ev.clone();
            ev.version = version + 1;
            ev.merged_into = Some(into.clone());
            self.merged.insert(id.clone(), into.clone());
            if let Some(t) = self
                .story_by_id
                .get(&into)
                .and_then(|slot| self.stories.get_mut(slot))
            {
                if !t.merged_from.contains(id) {
                    t.merged_from.push(id.clone());
                }
            }
            out.events.push(ev);
        }
        for slot in changed {
            let created = self
                .stories
                .get(&slot)
                .is_some_and(|s| !members_before.contains_key(&s.id));
            let change = if created {
                StoryChange::Created
            } else {
                StoryChange::Updated
            };
            out.events.extend(self.latest_event(slot, change));
        }
        out.moved.sort_by(|a, b| a.article_id.cmp(&b.article_id));
        out
    }

    /// Assign one day's articles of a [`Self::regroup`]: those that join a story first, over
    /// and over while any does, then the first left founds a story, and so on. Arrival order
    /// makes a report that would have joined a story found its own when it comes first; here a
    /// story is founded only when nothing else of the day fits an existing one (on `stories-dev`:
    /// worst of 20 orders 0.845 assigning in order, 0.881 so). Bounded: after
    /// [`REGROUP_TRIES`] checks per article the rest is assigned in order.
    fn replay_day(&mut self, mut bucket: std::collections::VecDeque<EnrichedArticle>) {
        for r in bucket.iter_mut() {
            r.duplicate_of = None;
            r.near_duplicate_of = None;
        }
        let mut budget = REGROUP_TRIES * bucket.len();
        while !bucket.is_empty() {
            let mut progress = true;
            while progress && budget > 0 {
                progress = false;
                let mut keep = std::collections::VecDeque::with_capacity(bucket.len());
                while let Some(r) = bucket.pop_front() {
                    budget = budget.saturating_sub(1);
                    if budget > 0 && !self.would_join(&r) {
                        keep.push_back(r);
                    } else {
                        let _ = self.assign(r);
                        progress = true;
                    }
                }
                bucket = keep;
            }
            if let Some(r) = bucket.pop_front() {
                let _ = self.assign(r);
            }
        }
    }

    /// Whether article `a` would join an existing story now (or is a copy of an indexed one).
    fn would_join(&mut self, a: &EnrichedArticle) -> bool {
        if a.outcome != Outcome::Ok || self.by_hash.contains_key(&a.content_hash) {
            return true;
        }
        let f = self.features_of(a);
        for s in self.candidates(&f) {
            if let Some(story) = self.stories.get(&s) {
                let sim = self.similarity(&f, story);
                if sim >= self.join_need(s) && self.fits(&f, story, sim) {
                    return true;
                }
            }
        }
        let close: Vec<u32> = Vec::new();
        self.near_duplicate(a, &f, None, &close).is_some()
    }

    /// Take article `an` out of the index altogether (its story goes when it empties).
    fn forget(&mut self, an: u32) {
        let Some(slot) = self.articles.get(&an).map(|e| e.story) else {
            return;
        };
        self.detach(an, slot);
        let Some(e) = self.remove_entry(an) else {
            return;
        };
        for k in
            e.ev.entities
                .iter()
                .chain(&e.ev.keys)
                .chain(e.ev.terms.iter().map(|x| &x.0))
        {
            if let Some(d) = self.df.get_mut(k) {
                *d = d.saturating_sub(1);
            }
        }
        if self.remove_if_empty(slot).is_some() {
            self.evicted += 1;
        }
    }

    /// Take the entry of article `an` out of the index's maps (not out of its story).
    fn remove_entry(&mut self, an: u32) -> Option<ArticleEntry> {
        let e = self.articles.remove(&an)?;
        self.article_by_id.remove(&e.id);
        if self.by_hash.get(&e.hash) == Some(&an) {
            self.by_hash.remove(&e.hash);
        }
        if let Some(sig) = &e.sig {
            for key in minhash::band_keys(sig) {
                if self.bands.get(&key) == Some(&an) {
                    self.bands.remove(&key);
                }
            }
        }
        Some(e)
    }

    /// Remove story `slot` if no article is left in it; the story removed.
    fn remove_if_empty(&mut self, slot: u32) -> Option<Story> {
        if !self.stories.get(&slot)?.articles.is_empty() {
            return None;
        }
        let gone = self.stories.remove(&slot)?;
        self.by_age.remove(&(gone.last_gained.timestamp(), slot));
        self.story_by_id.remove(&gone.id);
        Some(gone)
    }

    /// Learn from an article published earlier (rebuild at start, or another instance's output).
    /// Idempotent: the same article id and content hash twice change nothing.
    pub fn observe_article(&mut self, a: &EnrichedArticle) {
        let Some(story_id) = a.story_id.as_deref() else {
            return;
        };
        let known = self.article_by_id.get(&a.article_id).copied();
        if let Some((an, e)) = known.and_then(|an| Some((an, self.articles.get(&an)?))) {
            if e.hash == a.content_hash {
                // The same article again, perhaps moved to another story.
                let id = self.resolve(story_id);
                let from = e.story;
                let to = match self.story_by_id.get(&id) {
                    Some(&s) => s,
                    None => {
                        let (title, f) = (a.title.clone(), e.ev.clone());
                        self.new_story(id, &title, &f)
                    }
                };
                if to != from {
                    self.detach(an, from);
                    self.attach(an, to);
                    self.remove_if_empty(from);
                }
                if let Some(e) = self.articles.get_mut(&an) {
                    *e.record = a.clone();
                }
                return;
            }
        }
        let f = self.features_of(a);
        let id = self.resolve(story_id);
        let slot = match self.story_by_id.get(&id) {
            Some(&s) => s,
            None => {
                let pending = self.pending_versions.remove(&id);
                let slot = self.new_story(id, &a.title, &f);
                if let (Some((version, title)), Some(s)) = (pending, self.stories.get_mut(&slot)) {
                    s.version = version;
                    s.title = title;
                }
                slot
            }
        };
        self.add_article(a, &f, slot, known);
        self.evict(self.cfg.max_stories);
    }

    /// Learn from a story event published earlier: merges, and version numbers so that they
    /// continue after a restart.
    pub fn observe_event(&mut self, e: &StoryEvent) {
        if e.change == StoryChange::Merged {
            if let Some(into) = &e.merged_into {
                let into = self.resolve(into);
                if let (Some(&from), Some(&to)) = (
                    self.story_by_id.get(&e.story_id),
                    self.story_by_id.get(&into),
                ) {
                    self.merge(from, to);
                }
                if e.story_id != into {
                    self.merged.insert(e.story_id.clone(), into);
                }
            }
            return;
        }
        match self
            .story_by_id
            .get(&e.story_id)
            .and_then(|slot| self.stories.get_mut(slot))
        {
            Some(s) => {
                if e.version >= s.version {
                    s.title = e.title.clone();
                    s.version = e.version;
                }
                for r in &e.related {
                    if !s.related.contains(r) && s.related.len() < MAX_RELATED {
                        s.related.push(r.clone());
                    }
                }
            }
            None => {
                let p = self
                    .pending_versions
                    .entry(e.story_id.clone())
                    .or_insert((0, String::new()));
                if e.version >= p.0 {
                    *p = (e.version, e.title.clone());
                }
                // Events of stories that aged out never see their articles again.
                if self.pending_versions.len() > 2 * self.cfg.max_stories.max(1) {
                    self.pending_versions.clear();
                }
            }
        }
    }

    /// The event of a change to story `slot` that no one article made: it names the story's
    /// latest article.
    fn latest_event(&mut self, slot: u32, change: StoryChange) -> Option<StoryEvent> {
        let aid = self
            .stories
            .get(&slot)
            .and_then(|s| s.articles.last())
            .and_then(|an| self.articles.get(an))
            .map(|e| e.id.clone())
            .unwrap_or_default();
        self.event(slot, change, &aid)
    }

    fn event(&mut self, slot: u32, change: StoryChange, article_id: &str) -> Option<StoryEvent> {
        let story = self.stories.get_mut(&slot)?;
        story.version += 1;
        let story = self.stories.get(&slot)?;
        Some(self.story_event(story, change, article_id))
    }

    fn story_event(&self, s: &Story, change: StoryChange, article_id: &str) -> StoryEvent {
        let mut top: Vec<&(u32, u32)> = s.entities.iter().collect();
        top.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| self.weight_of(b.0).total_cmp(&self.weight_of(a.0)))
                .then(a.0.cmp(&b.0))
        });
        let top_entities = top
            .into_iter()
            .take(10)
            .filter_map(|(e, c)| {
                let info = self.entity_info.get(e)?;
                Some(StoryEntity {
                    id: info.id.clone(),
                    name: info.name.clone(),
                    articles: *c,
                })
            })
            .collect();
        StoryEvent {
            schema: StoryEvent::schema_tag(),
            story_id: s.id.clone(),
            change,
            version: s.version,
            title: s.title.clone(),
            article_id: article_id.to_string(),
            article_ids: s.articles[s.articles.len().saturating_sub(MAX_EVENT_ARTICLES)..]
                .iter()
                .filter_map(|an| self.articles.get(an).map(|e| e.id.clone()))
                .collect(),
            article_count: s.articles.len() as u32,
            sources: s
                .sources
                .iter()
                .filter_map(|i| self.source_names.get(*i as usize).cloned())
                .collect(),
            top_entities,
            claims: self.claims_table(s),
            merged_into: None,
            merged_from: s.merged_from.clone(),
            related: s
                .related
                .iter()
                .map(|r| self.resolve(r))
                .filter(|r| *r != s.id)
                .collect(),
            first_seen: s.first_seen(),
            last_seen: s.last_seen(),
        }
    }

    fn weight_of(&self, e: u32) -> f32 {
        self.entity_info.get(&e).map_or(0.0, |i| i.weight)
    }

    /// Rows per (kind, subject) reported by at least one article, with each distinct value and
    /// who reports it; `agree` is false where sources differ (250 against 252).
    fn claims_table(&self, s: &Story) -> Vec<ClaimRow> {
        let mut rows: Vec<ClaimRow> = Vec::new();
        for c in &s.claims {
            let Some(article) = self.articles.get(&c.article) else {
                continue;
            };
            let source = self
                .source_names
                .get(c.source as usize)
                .cloned()
                .unwrap_or_default();
            // Like with like: one row per kind, subject and event ("80 prisoners freed" and "252
            // migrants deported" are different rows; so are hostages freed and hostages held).
            let row = match rows
                .iter_mut()
                .position(|r| r.kind == *c.kind && r.subject == c.subject && r.event == c.event)
            {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(ClaimRow {
                        kind: c.kind.as_str().into(),
                        subject: c.subject.clone(),
                        event: c.event.clone(),
                        values: Vec::new(),
                        agree: true,
                    });
                    let last = rows.len() - 1;
                    &mut rows[last]
                }
            };
            let v = match row.values.iter().position(|v| v.value == c.value) {
                Some(i) => &mut row.values[i],
                None => {
                    row.values.push(ClaimValue {
                        value: c.value,
                        hedges: Vec::new(),
                        article_ids: Vec::new(),
                        sources: Vec::new(),
                    });
                    let last = row.values.len() - 1;
                    &mut row.values[last]
                }
            };
            if let Some(h) = &c.hedge {
                if !v.hedges.contains(h) {
                    v.hedges.push(h.clone());
                }
            }
            if !v.article_ids.contains(&article.id) {
                v.article_ids.push(article.id.clone());
            }
            if !v.sources.contains(&source) {
                v.sources.push(source);
            }
        }
        for r in &mut rows {
            r.values.sort_by(|a, b| {
                b.article_ids
                    .len()
                    .cmp(&a.article_ids.len())
                    .then(a.value.total_cmp(&b.value))
            });
            // A rounded, hedged figure agrees with the exact one ("about 250" and 252).
            let top = r.values.first().map_or(0.0, |v| v.value);
            let hedged = r.values.iter().any(|v| !v.hedges.is_empty());
            let tol = if hedged { HEDGE_TOLERANCE } else { 0.0 };
            r.agree = r
                .values
                .iter()
                .all(|v| (v.value - top).abs() <= tol * top.abs().max(1.0));
        }
        rows.sort_by(|a, b| {
            let n = |r: &ClaimRow| r.values.iter().map(|v| v.article_ids.len()).sum::<usize>();
            n(b).cmp(&n(a)).then_with(|| a.subject.cmp(&b.subject))
        });
        rows.truncate(20);
        rows
    }
}

/// Numbers (their digits; group and decimal marks dropped) among `words` and entity `mentions`
/// (byte offset, feature id), in text order, a repeat collapsed, at most [`MAX_ANCHORS`].
fn anchor_sequence(words: &Folded<'_>, mut mentions: Vec<(usize, u32)>) -> Vec<u32> {
    for w in words.ws.iter().filter(|w| w.is_number()) {
        // FNV-1a over the digits.
        let h = w
            .raw
            .bytes()
            .filter(u8::is_ascii_digit)
            .fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
        mentions.push((w.start, NUMBER_ANCHOR | (h & !NUMBER_ANCHOR)));
    }
    mentions.sort_unstable();
    let mut out: Vec<u32> = Vec::new();
    for (_, a) in mentions {
        if out.last() != Some(&a) {
            out.push(a);
        }
        if out.len() == MAX_ANCHORS {
            break;
        }
    }
    out
}

/// How much two texts in different languages look like translations of one another, from their
/// anchor sequences and lengths: the share of the shorter's anchors kept in order, or 0 when
/// they keep too few of their numbers ([`XLANG_NUMBERS_KEPT`]).
fn translation_likeness(a: (&[u32], usize), b: (&[u32], usize)) -> f32 {
    let ratio = a.1.min(b.1) as f32 / a.1.max(b.1).max(1) as f32;
    if ratio < XLANG_LENGTH_RATIO {
        return 0.0;
    }
    let numbers = |x: &[u32]| -> Vec<u32> {
        x.iter()
            .copied()
            .filter(|v| v & NUMBER_ANCHOR != 0)
            .collect()
    };
    let (na, nb) = (numbers(a.0), numbers(b.0));
    let n = na.len().min(nb.len());
    if n < XLANG_MIN_NUMBERS || (lcs(&na, &nb) as f32) < XLANG_NUMBERS_KEPT * n as f32 {
        return 0.0;
    }
    let kept = lcs(a.0, b.0) as f32 / a.0.len().min(b.0.len()).max(1) as f32;
    if kept < XLANG_ANCHORS_KEPT {
        return 0.0;
    }
    kept
}

/// Length of the longest common subsequence of `a` and `b`.
fn lcs(a: &[u32], b: &[u32]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A crude phonetic key: folded consonant skeleton with sound-alike letters merged, so "Fogel"
/// and "Vogel", "Bukele" and "Buquere" (up to r/l) are close.
fn phonetic(word: &str) -> String {
    let mut out = String::new();
    let mut last = ' ';
    for m in word.chars().filter_map(first_sound) {
        if m != last {
            out.push(m);
        }
        last = m;
    }
    out
}

/// The sound class of a letter for [`phonetic`]; none for vowels and silent letters.
fn first_sound(c: char) -> Option<char> {
    Some(match c {
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'w' => return None,
        'f' | 'v' | 'p' | 'b' => 'b',
        'c' | 'k' | 'q' | 'g' | 'x' => 'k',
        's' | 'z' => 's',
        'd' | 't' => 't',
        'l' | 'r' => 'r',
        'm' | 'n' => 'n',
        other => other,
    })
}

fn top_terms(terms: &[(u32, f32)], n: usize) -> impl Iterator<Item = u32> {
    let mut v: Vec<(u32, f32)> = terms.to_vec();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v.into_iter().map(|x| x.0)
}

/// Take one article's features out of sorted (feature, count) pairs.
/// Add `c` to the count of feature `k` in a list sorted by feature.
fn add_count(counts: &mut Vec<(u32, u32)>, k: u32, c: u32) {
    match counts.binary_search_by_key(&k, |x| x.0) {
        Ok(i) => counts[i].1 += c,
        Err(i) => counts.insert(i, (k, c)),
    }
}

fn subtract_counts(counts: &mut Vec<(u32, u32)>, features: &[u32]) {
    for &e in features {
        if let Ok(k) = counts.binary_search_by_key(&e, |x| x.0) {
            counts[k].1 = counts[k].1.saturating_sub(1);
            if counts[k].1 == 0 {
                counts.remove(k);
            }
        }
    }
}

/// Day of the year of a month and day (in a leap year, so that 29 February has one).
fn ordinal(m: u32, d: u32) -> Option<i64> {
    chrono::NaiveDate::from_ymd_opt(2024, m, d).map(|x| i64::from(chrono::Datelike::ordinal(&x)))
}

/// Whether two sets of days of the year come within `window` days of each other (across the
/// turn of the year); true when either is empty, since nothing then tells them apart.
fn ordinals_meet(a: &[i64], b: &[i64], window: i64) -> bool {
    a.is_empty()
        || b.is_empty()
        || a.iter().any(|x| {
            b.iter().any(|y| {
                let gap = (x - y).abs();
                gap.min(366 - gap) <= window
            })
        })
}

/// Earliest and latest of some dates.
fn span_of(times: impl Iterator<Item = DateTime<Utc>>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    times.fold(None, |s, t| {
        Some(s.map_or((t, t), |(a, b)| (t.min(a), t.max(b))))
    })
}

/// Difference of two sparse vectors sorted by id (a story's terms without one article's).
fn sub_terms(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    a.iter()
        .filter_map(|&(t, v)| {
            let w = match b.binary_search_by_key(&t, |x| x.0) {
                Ok(k) => v - b[k].1,
                Err(_) => v,
            };
            (w > 1e-4).then_some((t, w))
        })
        .collect()
}

/// Sum of two sparse vectors sorted by id, keeping the heaviest `STORY_TERMS`.
fn add_terms(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1 + y.1));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    if out.len() > STORY_TERMS {
        out.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        out.truncate(STORY_TERMS);
        out.sort_unstable_by_key(|x| x.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decision, Enricher, Gazetteer};
    use chrono::TimeZone;
    use model::{CleanArticle, Outcome, SourceRef};
    use std::collections::HashMap;

    fn article(id: &str, title: &str, body: &str, days: i64) -> EnrichedArticle {
        static G: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        let g = G
            .get_or_init(|| {
                Gazetteer::from_toml(include_str!("../../../config/gazetteer.toml"), "g")
                    .expect("gazetteer")
            })
            .clone();
        let published = Utc
            .with_ymd_and_hms(2025, 7, 18, 12, 0, 0)
            .single()
            .map(|t| t + Duration::days(days));
        let clean = CleanArticle {
            schema: CleanArticle::schema_tag(),
            article_id: id.into(),
            url: format!("https://example.com/{id}"),
            source: SourceRef {
                kind: "feed".into(),
                name: format!("source-{id}"),
                origin: None,
            },
            outcome: Outcome::Ok,
            confidence: 0.9,
            title: title.into(),
            lead: None,
            paragraphs: vec![body.into()],
            content_hash: model::content_hash(&format!("{title}\n\n{body}")),
            authors: vec![],
            published,
            declared_language: None,
            repairs: vec![],
            // Articles arrive an hour after they are published.
            fetched_at: published.map_or_else(Utc::now, |p| p + Duration::hours(1)),
            config_version: String::new(),
            meta: Default::default(),
        };
        match Enricher::new(g).enrich(&clean) {
            Decision::Publish(a) => *a,
            other => panic!("{other:?}"),
        }
    }

    const EXCHANGE: &str = "El Salvador sent 252 Venezuelans held in Cecot back to Venezuela \
        in exchange for 10 American citizens, Nayib Bukele said. Marco Rubio thanked Bukele for \
        the prisoner exchange, and Nicolás Maduro confirmed the release of the prisoners.";
    const EXCHANGE_2: &str = "Venezuela received 250 deportees from the Cecot prison in El \
        Salvador while 10 American citizens flew home, in a prisoner exchange that Marco Rubio \
        and Nayib Bukele praised. Maduro said the release showed goodwill.";
    const VOLCANO: &str = "A volcano erupted near Grindavik in Iceland on Tuesday, sending lava \
        towards the town; residents were evacuated and the Blue Lagoon spa was closed.";

    /// Two reports of one week with some names in common, and one that links them: where it
    /// arrives decides whether their stories merge.
    const LAW: &str = "Marco Rubio and Donald Trump discussed the Alien Enemies Act at the White \
        House with State Department lawyers, who defended the deportations.";
    const PRISON: &str = "Nayib Bukele showed Cecot to visitors; Tren de Aragua members are held \
        there, Bukele said, and Maduro called the prison a disgrace.";
    const LAW_AND_PRISON: &str = "Lawyers for the State Department told Rubio and Trump that \
        sending Tren de Aragua suspects to Cecot under the Alien Enemies Act would please Bukele, \
        while Maduro and the White House traded insults.";

    fn assigned(index: &mut StoryIndex, a: EnrichedArticle) -> (EnrichedArticle, Vec<StoryEvent>) {
        match index.assign(a) {
            Assignment::Assigned {
                article, events, ..
            } => (*article, events),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn related_articles_share_a_story_and_unrelated_do_not() {
        let mut index = StoryIndex::new(StoryConfig::default());
        let (a, ev) = assigned(&mut index, article("a", "Prisoner swap", EXCHANGE, 0));
        assert_eq!(a.story_id.as_deref(), Some("story-a"));
        assert_eq!(ev[0].change, StoryChange::Created);
        let (b, ev) = assigned(&mut index, article("b", "Americans freed", EXCHANGE_2, 0));
        assert_eq!(b.story_id.as_deref(), Some("story-a"));
        assert_eq!((ev[0].change, ev[0].version), (StoryChange::Updated, 2));
        let row = ev[0]
            .claims
            .iter()
            .find(|r| r.subject == "united states")
            .expect("row");
        assert!(row.agree);
        let (c, _) = assigned(&mut index, article("c", "Eruption", VOLCANO, 0));
        assert_eq!(c.story_id.as_deref(), Some("story-c"));
        // The same article again is known, not a new member.
        assert!(matches!(
            index.assign(article("a", "Prisoner swap", EXCHANGE, 0)),
            Assignment::Known { .. }
        ));
    }

    #[test]
    fn pages_that_are_not_articles_get_no_story() {
        let mut index = StoryIndex::new(StoryConfig::default());
        let mut a = article("p", "Paywall", EXCHANGE, 0);
        a.outcome = model::Outcome::Paywalled;
        let (a, ev) = assigned(&mut index, a);
        assert!(a.story_id.is_none() && ev.is_empty());
        assert_eq!(index.stories(), 0);
    }

    #[test]
    fn articles_far_apart_in_time_found_separate_stories() {
        let mut index = StoryIndex::new(StoryConfig::default());
        assigned(&mut index, article("a", "Prisoner swap", EXCHANGE, 0));
        let (b, _) = assigned(&mut index, article("b", "Americans freed", EXCHANGE_2, -90));
        assert_eq!(b.story_id.as_deref(), Some("story-b"));
    }

    #[test]
    fn exact_and_near_duplicates_are_marked_and_kept() {
        let mut index = StoryIndex::new(StoryConfig::default());
        assigned(&mut index, article("a", "Prisoner swap", EXCHANGE, 0));
        let (b, _) = assigned(&mut index, article("b", "Prisoner swap", EXCHANGE, 0));
        assert_eq!(b.duplicate_of.as_deref(), Some("a"));
        assert_eq!(b.story_id.as_deref(), Some("story-a"));
        let edited = EXCHANGE.replace("Nayib Bukele said", "the president said");
        let (c, _) = assigned(&mut index, article("c", "Prisoner swap", &edited, 0));
        assert!(c.duplicate_of.is_none());
        let near = c.near_duplicate_of.expect("near duplicate");
        assert_eq!(near.article_id, "a");
        assert!(near.similarity >= 0.5 && near.similarity < 1.0, "{near:?}");
        let (d, _) = assigned(&mut index, article("d", "Eruption", VOLCANO, 0));
        assert!(d.near_duplicate_of.is_none() && d.duplicate_of.is_none());
    }

    #[test]
    fn a_translation_is_a_near_duplicate_and_a_report_of_the_same_event_is_not() {
        let en = "On 18 July 2025 El Salvador sent 252 Venezuelans held in Cecot back to \
            Venezuela. In return 10 American citizens and 80 political prisoners were freed, \
            Nayib Bukele said. The flight left at 14:30 and landed in Caracas three hours later.";
        let es = "El 18 de julio de 2025 El Salvador envió de regreso a Venezuela a 252 \
            venezolanos recluidos en el Cecot. A cambio fueron liberados 10 ciudadanos \
            estadounidenses y 80 presos políticos, dijo Nayib Bukele. El vuelo salió a las \
            14:30 y aterrizó en Caracas tres horas después.";
        // The same event, its own numbers in another order.
        let other = "Tres horas después de salir a las 14:30, el vuelo con 252 venezolanos \
            aterrizó en Caracas; Nayib Bukele dijo que 80 presos políticos y 10 \
            estadounidenses quedaron libres el 18 de julio, en un canje que cierra 2025.";
        let mut index = StoryIndex::new(StoryConfig::default());
        let (a, _) = assigned(&mut index, article("en", "Prisoner exchange", en, 0));
        assert_eq!(a.language.code, "en");
        let (b, _) = assigned(&mut index, article("es", "Canje de prisioneros", es, 0));
        assert_eq!(b.language.code, "es");
        assert_eq!(
            b.near_duplicate_of.as_ref().map(|n| n.article_id.as_str()),
            Some("en")
        );
        let (c, _) = assigned(&mut index, article("other", "Canje", other, 0));
        assert_eq!(c.near_duplicate_of, None);
        assert_eq!(c.duplicate_of, None);
    }

    #[test]
    fn restart_rebuilds_without_renumbering() {
        let mut first = StoryIndex::new(StoryConfig::default());
        let mut published = Vec::new();
        let mut events = Vec::new();
        for a in [
            article("a", "Prisoner swap", EXCHANGE, 0),
            article("v", "Eruption", VOLCANO, 0),
            article("b", "Americans freed", EXCHANGE_2, 1),
        ] {
            let (a, ev) = assigned(&mut first, a);
            published.push(a);
            events.extend(ev);
        }
        let mut second = StoryIndex::new(StoryConfig::default());
        // Events before articles, as a follower may see them.
        for e in &events {
            second.observe_event(e);
        }
        for a in &published {
            second.observe_article(a);
            second.observe_article(a);
        }
        assert_eq!(second.stories(), 2);
        assert_eq!(second.articles(), 3);
        assert_eq!(second.story_of("b"), Some("story-a"));
        let edited = EXCHANGE_2.replace("flew home", "landed in Texas");
        let (c, ev) = assigned(
            &mut second,
            article("c", "Freed Americans land", &edited, 1),
        );
        assert_eq!(c.story_id.as_deref(), Some("story-a"));
        assert_eq!(ev.last().map(|e| e.version), Some(3), "{ev:?}");
        assert!(matches!(
            second.assign(published[0].clone()),
            Assignment::Known { .. }
        ));
    }

    #[test]
    fn an_article_close_to_two_stories_merges_them() {
        let cfg = StoryConfig {
            threshold: 0.2,
            merge_threshold: 0.3,
            ..StoryConfig::default()
        };
        let mut index = StoryIndex::new(cfg.clone());
        let (a, _) = assigned(&mut index, article("x", "Deportation law", LAW, 0));
        let (b, _) = assigned(&mut index, article("y", "Mega prison", PRISON, 0));
        assert_ne!(a.story_id, b.story_id);
        let (c, ev) = assigned(&mut index, article("z", "Deportations", LAW_AND_PRISON, 0));
        assert_eq!(c.story_id.as_deref(), Some("story-x"));
        let merged = ev
            .iter()
            .find(|e| e.change == StoryChange::Merged)
            .expect("merged event");
        assert_eq!(merged.story_id, "story-y");
        assert_eq!(merged.merged_into.as_deref(), Some("story-x"));
        let updated = ev.last().expect("update");
        assert_eq!(updated.merged_from, vec!["story-y".to_string()]);
        assert_eq!(updated.article_ids.len(), 3);
        // A rebuild applies the merge too.
        let mut again = StoryIndex::new(cfg);
        again.observe_article(&a);
        again.observe_article(&b);
        again.observe_article(&c);
        again.observe_event(merged);
        assert_eq!(again.story_of("y"), Some("story-x"));
        assert_eq!(again.stories(), 1);
    }

    #[test]
    fn one_old_dated_report_does_not_date_a_live_stream_s_undated_reports() {
        // Undated reports of this week's exchange and one dated report of the offer months
        // before, all fetched now (the seeds): in any order, and after regrouping, which
        // replays the dated report first, the offer stays a story of its own.
        let offer = "Nayib Bukele offered Nicolás Maduro an exchange: the 252 Venezuelans held \
            in Cecot for political prisoners and American citizens held in Venezuela, El \
            Salvador said. Marco Rubio backed the prisoner exchange offer.";
        let now = Utc
            .with_ymd_and_hms(2025, 7, 19, 9, 0, 0)
            .single()
            .expect("time");
        let undated = |id: &str, body: &str| {
            let mut a = article(id, "Prisoner exchange", body, 0);
            a.published = None;
            a.published_from = None;
            a.fetched_at = now;
            a
        };
        let mut old = article("offer", "Exchange offer", offer, -88);
        old.fetched_at = now;
        let all = [old, undated("e1", EXCHANGE), undated("e2", EXCHANGE_2)];
        for order in [[0, 1, 2], [1, 0, 2], [1, 2, 0]] {
            let mut index = StoryIndex::new(StoryConfig::default());
            for i in order {
                assigned(&mut index, all[i].clone());
            }
            index.regroup();
            assert_eq!(index.story_of("e1"), index.story_of("e2"), "{order:?}");
            assert_ne!(index.story_of("e1"), index.story_of("offer"), "{order:?}");
        }
    }

    #[test]
    fn regrouping_makes_the_grouping_independent_of_arrival_order() {
        // Merging made hard: where "z" (which links "x" and "y") arrives decides the grouping.
        let cfg = StoryConfig {
            threshold: 0.2,
            merge_threshold: 0.9,
            ..StoryConfig::default()
        };
        let all = [
            article("x", "Deportation law", LAW, 0),
            article("y", "Mega prison", PRISON, 0),
            article("z", "Deportations", LAW_AND_PRISON, 0),
            article("e1", "Exchange", EXCHANGE, 0),
            article("e2", "Exchange again", EXCHANGE_2, 1),
            article("v", "Volcano", VOLCANO, 0),
        ];
        let orders: [[usize; 6]; 4] = [
            [0, 1, 2, 3, 4, 5],
            [5, 4, 3, 2, 1, 0],
            [1, 3, 0, 5, 2, 4],
            [2, 0, 4, 1, 5, 3],
        ];
        let mut groupings = Vec::new();
        for order in orders {
            let mut index = StoryIndex::new(cfg.clone());
            for i in order {
                assigned(&mut index, all[i].clone());
            }
            assert!(index.needs_regroup());
            let r = index.regroup();
            // Each moved record carries the story its article is in now.
            for m in &r.moved {
                assert_eq!(m.story_id.as_deref(), index.story_of(&m.article_id));
            }
            // Stories that lost all their articles say where they went.
            for e in r.events.iter().filter(|e| e.change == StoryChange::Merged) {
                let into = e.merged_into.as_deref().expect("merged into");
                assert!(index.stories.values().any(|s| s.id == into));
            }
            // Nothing came since: nothing to do.
            assert!(!index.needs_regroup());
            assert_eq!(index.regroup(), Regrouped::default());
            // The partition, as sets of article ids.
            let mut groups: Vec<Vec<&str>> = Vec::new();
            for a in &all {
                let sid = index.story_of(&a.article_id).expect("assigned");
                let mut g: Vec<&str> = all
                    .iter()
                    .filter(|b| index.story_of(&b.article_id) == Some(sid))
                    .map(|b| b.article_id.as_str())
                    .collect();
                g.sort_unstable();
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            groups.sort();
            groupings.push(groups);
        }
        assert!(groupings.windows(2).all(|w| w[0] == w[1]), "{groupings:?}");
        // The volcano stays on its own.
        assert!(groupings[0].contains(&vec!["v"]), "{:?}", groupings[0]);
    }

    #[test]
    fn index_is_bounded_by_count_and_age() {
        let cfg = StoryConfig {
            max_stories: 3,
            max_age_days: 30,
            ..StoryConfig::default()
        };
        let mut index = StoryIndex::new(cfg);
        let topics = [
            ("harbour budget vote", "Councillors in Portmere approved the harbour budget after a long vote on dredging costs."),
            ("volcano lava flow", "Lava from the Skarvik volcano crept towards farmland while geologists measured the flow."),
            ("football cup final", "Dunmore Rovers won the cup final on penalties before a crowd of forty thousand supporters."),
            ("rail strike talks", "Train drivers at Norlink resumed strike talks with management over pensions and rosters."),
            ("wheat harvest prices", "Farmers in Velden sold wheat at record prices as a dry summer shrank the harvest."),
        ];
        for (i, (t, body)) in topics.iter().enumerate() {
            assigned(&mut index, article(&format!("n{i}"), t, body, i as i64));
            assert!(index.stories() <= 3);
        }
        assert_eq!(
            index.story_of("n0"),
            None,
            "least recently updated left first"
        );
        assert!(index.story_of("n4").is_some());
        // Age: an article 40 days later leaves only stories from the last 30 days.
        assigned(&mut index, article("late", "Eruption", VOLCANO, 45));
        assigned(&mut index, article("later", "Prisoner swap", EXCHANGE, 46));
        assert_eq!(index.stories(), 2);
        assert_eq!(index.story_of("n4"), None);
    }

    #[test]
    fn a_backfill_of_old_articles_evicts_nothing() {
        let mut index = StoryIndex::new(StoryConfig {
            max_age_days: 30,
            ..StoryConfig::default()
        });
        // Arrival is what ages a story: articles published a year apart but fetched together
        // (a backfill) all stay, and the old one is not dropped as soon as it founds a story.
        let mut old = article("old", "Eruption", VOLCANO, -365);
        let mut new = article("new", "Prisoner swap", EXCHANGE, 0);
        let fetched = Utc::now();
        old.fetched_at = fetched;
        new.fetched_at = fetched;
        assigned(&mut index, new);
        assigned(&mut index, old);
        assigned(
            &mut index,
            article("more", "Americans freed", EXCHANGE_2, 0),
        );
        assert_eq!(index.story_of("old"), Some("story-old"));
        assert_eq!(index.story_of("new"), Some("story-new"));
    }

    #[test]
    fn undated_articles_never_take_the_clock_and_match_on_content() {
        let mut a = article("a", "Prisoner swap", EXCHANGE, -200);
        let mut b = article("b", "Americans freed", EXCHANGE_2, 0);
        b.published = None;
        b.published_from = None;
        assert_eq!(article_time(&b), None);
        // A date guessed from deep in the text does not bound the window either.
        a.published_from = Some(model::DatedFrom {
            source: model::MetaSource::Text,
            confidence: 0.35,
        });
        assert_eq!(article_time(&a), None);
        a.published_from = None;
        // A backfill: dated articles arrive long after they were published (one old report in
        // a live stream would not make it one), so arrival says nothing of when b was written.
        let mut index = StoryIndex::new(StoryConfig::default());
        assigned(&mut index, late(article("v", "Volcano", VOLCANO, -220)));
        assigned(&mut index, late(article("w", "Eruption", VOLCANO, -210)));
        assigned(&mut index, late(a));
        let (b, _) = assigned(&mut index, b);
        assert_eq!(
            b.story_id.as_deref(),
            Some("story-a"),
            "undated joins on content"
        );
    }

    #[test]
    fn undated_articles_may_recall_the_recent_past_but_not_postdate_the_story() {
        // The story's articles are dated 18 July 2025, all fetched months later (a backfill,
        // where arrival says nothing of when an article was written); an undated report that
        // names only an earlier day is in its window, the same report naming a later day is
        // not.
        let report = "Ten American citizens held in Venezuela flew home after the prisoner \
            exchange with El Salvador, where 252 Venezuelans had been held in Cecot. Nayib Bukele \
            and Marco Rubio spoke of the release, and Nicolás Maduro welcomed the prisoners.";
        let mut index = StoryIndex::new(StoryConfig::default());
        // Three late dated arrivals make a backfill (BACKFILL_LAGS).
        assigned(&mut index, late(article("v", "Volcano", VOLCANO, -20)));
        assigned(&mut index, late(article("a", "Prisoner swap", EXCHANGE, 0)));
        assigned(&mut index, late(article("a2", "Swap done", EXCHANGE_2, 0)));
        let mut window_of = |day: &str| {
            let text = format!("{report} The talks had begun on {day}.");
            let mut b = late(article("b", "Americans freed", &text, 0));
            b.published = None;
            b.published_from = None;
            index
                .explain(&b)
                .into_iter()
                .find(|x| x.0 == "story-a")
                .map(|x| x.2)
        };
        assert_eq!(window_of("2 July 2025"), Some(true));
        assert_eq!(window_of("10 May 2025"), Some(false));
        assert_eq!(window_of("20 October 2025"), Some(false));
    }

    #[test]
    fn undated_reports_of_another_kind_are_another_event() {
        // A backfill (dated reports fetched months late) with reports of an exchange; two
        // undated reports with the same names and numbers, one whose headline tells a release
        // and one whose headline tells an inauguration. Only what they report can place them:
        // the release joins, the inauguration does not.
        let mut index = StoryIndex::new(StoryConfig::default());
        assigned(&mut index, late(article("v", "Volcano", VOLCANO, -20)));
        assigned(&mut index, late(article("a", "Prisoner swap", EXCHANGE, 0)));
        assigned(&mut index, late(article("a2", "Swap done", EXCHANGE_2, 0)));
        let mut story_of = |id: &str, title: &str, body: &str| {
            let mut b = late(article(id, title, body, 0));
            b.published = None;
            b.published_from = None;
            assigned(&mut index, b).0.story_id
        };
        let freed = "Nayib Bukele sent the 252 Venezuelans held in Cecot back while 10 American \
            citizens flew home; Marco Rubio and Nicolás Maduro welcomed the prisoners.";
        let sworn = "Nicolás Maduro took the oath in Caracas for a third term; Nayib Bukele, \
            the 252 Venezuelans of Cecot, 10 American citizens and Marco Rubio came up.";
        assert_eq!(
            story_of("b", "Americans freed in prisoner swap", freed).as_deref(),
            Some("story-a"),
            "a report of the release joins on content"
        );
        assert_eq!(
            story_of("c", "Maduro sworn in", sworn).as_deref(),
            Some("story-c"),
            "a report of an inauguration is another event"
        );
    }

    #[test]
    fn the_kind_of_a_report_comes_from_its_headline_and_lead() {
        let kind = |title: &str, body: &str, lang: &str| {
            let text = format!("{title}\n\n{body}");
            report_kind(&Folded::new(&text), title.len(), lang)
                .map(|k| lexicon::lexicon().report_kinds()[k as usize].clone())
        };
        assert_eq!(
            kind("Pope Francis dies at 88", "The Vatican said.", "en").as_deref(),
            Some("death")
        );
        // German compounds by their ending, Spanish phrases of two words.
        assert_eq!(
            kind("Papstwahl in Rom", "Die Kardinäle.", "de").as_deref(),
            Some("election")
        );
        assert_eq!(
            kind("Helene", "El huracán tocó tierra en Florida.", "es").as_deref(),
            Some("storm")
        );
        // Two kinds of equal weight: none leads. A word of another language tells nothing.
        assert_eq!(
            kind("Hostages freed as the ceasefire begins", "", "en"),
            None
        );
        assert_eq!(kind("Firma in Berlin", "Die Firma wächst.", "de"), None);
    }

    /// The article fetched 100 days after it was published: part of a backfill.
    fn late(mut a: EnrichedArticle) -> EnrichedArticle {
        a.fetched_at += Duration::days(100);
        a
    }

    #[test]
    fn in_a_live_stream_an_undated_report_is_dated_by_its_arrival() {
        // Reports arrive an hour after publication: news is fresh. An undated report arriving
        // with the story joins it whatever older day it recalls; one arriving weeks later does
        // not.
        let report = "Families in Caracas waited at the airport for the 252 Venezuelans flown \
            from Cecot, while 10 American citizens landed in Texas. Marco Rubio praised Nayib \
            Bukele; Nicolás Maduro spoke of a victory for the prisoners. Talks began on 10 May.";
        let mut index = StoryIndex::new(StoryConfig::default());
        assigned(&mut index, article("a", "Prisoner swap", EXCHANGE, 0));
        assigned(&mut index, article("a2", "Swap done", EXCHANGE_2, 0));
        let mut window_of = |arrives: i64, text: &str| {
            let mut b = article("b", "Report", text, 0);
            b.published = None;
            b.published_from = None;
            b.fetched_at += Duration::days(arrives);
            index
                .explain(&b)
                .into_iter()
                .find(|x| x.0 == "story-a")
                .map(|x| x.2)
        };
        assert_eq!(window_of(1, report), Some(true));
        assert_eq!(window_of(40, report), Some(false));
        // Weeks later, naming the story's own day, it recalls the story: not in its window (it
        // may still join as a recall, on strong content alone).
        let recalling = report.replace("Talks began on 10 May", "The swap was on 18 July");
        assert_eq!(window_of(1, &recalling), Some(true));
        assert_eq!(window_of(25, &recalling), Some(false));
    }

    #[test]
    fn an_undated_report_recalling_months_back_joins_only_on_strong_content() {
        // An undated report whose only day lies months before the story (the run-up recalled)
        // may be a report of it: it joins when content alone says so, and a report that shares
        // a name or two with the story stays apart.
        let report = "Families in Caracas waited at the airport for the 252 Venezuelans flown \
            from Cecot, while 10 American citizens landed in Texas. Marco Rubio praised Nayib \
            Bukele; Nicolás Maduro spoke of a victory for the prisoners and their relatives.";
        let weak = "Nayib Bukele opened a new hospital in San Salvador, financed by a loan the \
            country agreed with lenders; doctors and nurses joined the ceremony.";
        let story_of = |text: &str| {
            let mut index = StoryIndex::new(StoryConfig::default());
            assigned(&mut index, late(article("a", "Prisoner swap", EXCHANGE, 0)));
            assigned(&mut index, late(article("a2", "Swap done", EXCHANGE_2, 0)));
            let mut b = late(article("b", "Report", text, 0));
            b.published = None;
            b.published_from = None;
            let (b, events) = assigned(&mut index, b);
            // Joined on similarity, not as a copy of a member, nor by founding a story of its
            // own that then merged.
            assert!(b.near_duplicate_of.is_none() && b.duplicate_of.is_none());
            if events.iter().any(|e| e.change == StoryChange::Merged) {
                return None;
            }
            b.story_id
        };
        // "20 October" without a year is last October, not a day after the story.
        for day in ["10 May 2025", "20 October"] {
            assert_eq!(
                story_of(&format!("{report} The talks had begun on {day}.")).as_deref(),
                Some("story-a"),
                "{day}"
            );
            assert_ne!(
                story_of(&format!("{weak} It had been announced on {day}.")).as_deref(),
                Some("story-a"),
                "{day}"
            );
        }
    }

    #[test]
    fn undated_stories_are_dated_by_the_days_their_articles_name() {
        // Two storms that hit one coast two weeks apart, all reports undated: the days they
        // name keep them apart, and a report naming a day of the first joins it.
        let undated = |id: &str, text: &str| {
            let mut a = article(id, "Storm makes landfall", text, 0);
            a.published = None;
            a.published_from = None;
            a
        };
        let (a, a2) = (
            "Hurricane Helene made landfall in Florida's Big Bend on 26 September near Perry as a \
             category 4 storm with winds of 140 mph, and Taylor County was flooded.",
            "Residents of Perry and Taylor County went back to flooded homes after Helene came \
             ashore on 26 September; Ron DeSantis said winds of 140 mph had hit Florida.",
        );
        let b = "Storm surge swept through Taylor County in Florida when Helene, a category 4 \
            hurricane, reached the coast near Perry on DAY, and Ron DeSantis spoke of 140 mph \
            gusts.";
        let story_of = |day: &str| {
            let mut index = StoryIndex::new(StoryConfig::default());
            assigned(&mut index, undated("a", a));
            assigned(&mut index, undated("a2", a2));
            let (b, events) = assigned(&mut index, undated("b", &b.replace("DAY", day)));
            assert!(b.near_duplicate_of.is_none() && b.duplicate_of.is_none());
            let merged = events.iter().any(|e| e.change == StoryChange::Merged);
            (b.story_id, merged)
        };
        assert_eq!(story_of("27 September").0.as_deref(), Some("story-a"));
        let (other, merged) = story_of("10 October");
        assert_ne!(other.as_deref(), Some("story-a"));
        assert!(!merged);
    }

    #[test]
    fn stories_founded_apart_merge_when_they_come_to_meet() {
        let mut index = StoryIndex::new(StoryConfig::default());
        // Two reports of one event that share little with each other, then one that shares
        // much with both: the stories merge, and the merge is an event.
        let x = "Nayib Bukele said 252 Venezuelans held in Cecot were sent home on Friday.";
        let y =
            "Marco Rubio said 10 American citizens landed in Texas on Friday after their release.";
        let (a, _) = assigned(&mut index, article("x", "Deportees sent home", x, 0));
        let (b, _) = assigned(&mut index, article("y", "Americans land", y, 0));
        let (_, ev) = assigned(&mut index, article("z", "Prisoner swap", EXCHANGE, 0));
        let (_, ev2) = assigned(&mut index, article("w", "Americans freed", EXCHANGE_2, 0));
        let merged: Vec<&StoryEvent> = ev
            .iter()
            .chain(ev2.iter())
            .filter(|e| e.change == StoryChange::Merged)
            .collect();
        let final_x = index.story_of("x").map(str::to_string);
        assert_eq!(final_x.as_deref(), index.story_of("z"), "{ev:?}");
        if a.story_id != b.story_id {
            assert!(!merged.is_empty() || index.story_of("y") == final_x.as_deref());
        }
    }

    const ABUSE: &str = "Human rights groups said inmates of the Cecot prison were beaten and \
        denied lawyers; Amnesty International asked the government to open the prison to \
        inspectors and to let lawyers see the inmates.";
    const ABUSE_2: &str = "Amnesty International and Human Rights Watch reported beatings of \
        inmates at Cecot; inspectors and lawyers were denied access to the inmates, the rights \
        groups said.";
    const EDGE: &str = "Venezuelans held at Cecot in El Salvador described beatings to \
        inspectors, and lawyers said Amnesty International was denied access to the inmates; \
        Nayib Bukele rejected the report.";

    /// The grouping after assigning `order` (article ids per story, from the latest record of
    /// each article), and every record published, in order.
    fn grouping(order: &[(&str, &str, &str)]) -> (Vec<Vec<String>>, Vec<EnrichedArticle>) {
        let mut index = StoryIndex::new(StoryConfig::default());
        let mut published = Vec::new();
        for (id, title, body) in order {
            let Assignment::Assigned { article, moved, .. } =
                index.assign(article(id, title, body, 0))
            else {
                panic!("{id} was known");
            };
            published.push(*article);
            published.extend(moved);
        }
        let mut latest: HashMap<&str, &str> = HashMap::new();
        for a in &published {
            latest.insert(&a.article_id, a.story_id.as_deref().unwrap_or(""));
        }
        for (id, s) in &latest {
            assert_eq!(
                index.story_of(id),
                Some(*s),
                "{id}: the latest record is its story"
            );
        }
        let mut groups: HashMap<&str, Vec<String>> = HashMap::new();
        for (id, s) in latest {
            groups.entry(s).or_default().push(id.to_string());
        }
        let mut v: Vec<Vec<String>> = groups.into_values().collect();
        for g in &mut v {
            g.sort();
        }
        v.sort();
        (v, published)
    }

    /// Two events that share a prison and a president: reports of the prisoner exchange, and
    /// rights groups on abuse there, with one report (`y`) on both.
    const EVENTS: [(&str, &str, &str); 5] = [
        ("x", "Prisoner swap", EXCHANGE),
        ("b1", "Rights groups", ABUSE),
        ("y", "Cecot abuse", EDGE),
        ("b2", "Amnesty report", ABUSE_2),
        ("x2", "Americans freed", EXCHANGE_2),
    ];

    #[test]
    fn arrival_order_does_not_change_the_grouping_when_a_member_moves() {
        // Early on, `y` fits the exchange story about as well as the abuse story and moves
        // between them as they grow; it ends with the abuse reports, where it goes at once when
        // it arrives last.
        let (first, published) = grouping(&EVENTS);
        let last = [EVENTS[0], EVENTS[4], EVENTS[1], EVENTS[3], EVENTS[2]];
        let (second, _) = grouping(&last);
        assert_eq!(first, second);
        let want: Vec<Vec<String>> = [&["b1", "b2", "y"][..], &["x", "x2"][..]]
            .iter()
            .map(|g| g.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(first, want);
        assert!(
            published.len() > EVENTS.len(),
            "a member was moved and its record published again"
        );
    }

    #[test]
    fn a_moved_article_s_latest_record_carries_its_new_story() {
        let (_, published) = grouping(&EVENTS);
        let records: Vec<&EnrichedArticle> =
            published.iter().filter(|a| a.article_id == "y").collect();
        assert!(records.len() > 1, "y was published again when it moved");
        let stories: Vec<Option<&str>> = records.iter().map(|a| a.story_id.as_deref()).collect();
        assert_eq!(
            stories.last().copied().flatten(),
            Some("story-b1"),
            "{stories:?}"
        );
        // A moved record is the whole article again: the same text and hash.
        assert!(records
            .iter()
            .all(|a| a.content_hash == records[0].content_hash && a.text == records[0].text));
        // Another instance following the topic (or a restart) reads the records in order and
        // ends with the same grouping.
        let mut follower = StoryIndex::new(StoryConfig::default());
        for a in &published {
            follower.observe_article(a);
        }
        for (id, _, _) in EVENTS {
            let last = published.iter().rev().find(|a| a.article_id == id);
            assert_eq!(
                follower.story_of(id),
                last.and_then(|a| a.story_id.as_deref()),
                "{id}"
            );
        }
    }

    #[test]
    fn postings_of_evicted_stories_are_compacted() {
        let cfg = StoryConfig {
            max_stories: 2,
            ..StoryConfig::default()
        };
        let mut index = StoryIndex::new(cfg);
        for i in 0..200 {
            let body = format!(
                "The word{i}a and word{i}b and word{i}c of item {i} were counted today by clerks."
            );
            assigned(
                &mut index,
                article(&format!("n{i}"), &format!("Item{i}"), &body, 0),
            );
        }
        assert!(index.stories() <= 2);
        let listed: usize = index.postings.values().map(Vec::len).sum();
        assert!(
            listed < 100 * 4,
            "postings hold {listed} entries for {} stories",
            index.stories()
        );
    }
}
