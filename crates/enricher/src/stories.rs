//! Online story clustering. Each article is compared with the recent stories that share an entity
//! or a key term, by a similarity built from what survives translation and garbling: canonical
//! entity ids (weighted by rarity), claim numbers, article dates and key terms. It joins the best
//! story above a threshold or founds a new one whose id derives from its own article id, so ids
//! never depend on a counter and are the same on every instance and after every restart.
//!
//! The index also holds what near-duplicate and exact-duplicate detection need (content hashes,
//! MinHash band keys), so that everything order-dependent lives in one place and one step.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, TimeZone, Utc};
use model::{
    ClaimRow, ClaimValue, EnrichedArticle, NearDuplicate, Outcome, StoryChange, StoryEntity,
    StoryEvent, Versioned,
};

use crate::keywords::term_weights;
use crate::minhash::{self, Signature};

/// Story clustering settings.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryConfig {
    /// Similarity at which an article joins a story.
    pub threshold: f32,
    /// Similarity to two stories at which they are merged.
    pub merge_threshold: f32,
    /// An article joins only stories with an article within this many days of its own date.
    pub window_days: i64,
    /// Stories with no article in this many days (before the newest article) leave the index.
    pub max_age_days: i64,
    /// Most stories kept in the index; the least recently updated leave first.
    pub max_stories: usize,
    /// Estimated shingle similarity at which an article is a near duplicate.
    pub near_duplicate_threshold: f32,
}

impl Default for StoryConfig {
    fn default() -> Self {
        Self {
            threshold: 0.35,
            merge_threshold: 0.55,
            window_days: 7,
            max_age_days: 30,
            max_stories: 100_000,
            near_duplicate_threshold: 0.5,
        }
    }
}

/// Terms kept per article and per story.
const ARTICLE_TERMS: usize = 40;
const STORY_TERMS: usize = 64;
/// Features of a story that are indexed for candidate lookup.
const INDEXED_TERMS: usize = 12;
const MAX_CANDIDATES: usize = 64;
/// Stories listed per feature. A feature in more stories than this ("exchange", a country) does
/// not discriminate; only the most recent stories stay listed under it, so that lookups stay
/// cheap however large the index grows.
const MAX_POSTINGS: usize = 1000;
const MAX_STORY_CLAIMS: usize = 256;
const MAX_STORY_ENTITIES: usize = 256;
/// A story is related to another when the similarity reaches this share of the threshold.
const RELATED: f32 = 0.75;
const MAX_RELATED: usize = 8;
/// Article ids listed in a story event; a big story's event names only the latest.
const MAX_EVENT_ARTICLES: usize = 500;

/// The outcome of story assignment for one article.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    /// The article with its story and duplicate links, and the story events to publish.
    Assigned {
        /// The article, completed.
        article: Box<EnrichedArticle>,
        /// `created`/`updated`/`merged` events.
        events: Vec<StoryEvent>,
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
}

#[derive(Debug, Clone)]
struct StoryClaim {
    kind: String,
    subject: String,
    value: f64,
    hedge: Option<String>,
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
    /// Term feature id → summed normalised weight, sorted by feature id.
    terms: Vec<(u32, f32)>,
    claims: Vec<StoryClaim>,
    indexed: Vec<u32>,
    merged_from: Vec<String>,
    related: Vec<String>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
}

/// What an article contributes to a story.
struct Features {
    entities: Vec<u32>,
    terms: Vec<(u32, f32)>,
    claims: Vec<(String, String, f64, Option<String>)>,
    time: DateTime<Utc>,
    sig: Option<Signature>,
}

/// The story index: stories, their features, and duplicate detection state. Bounded by
/// [`StoryConfig::max_stories`] and [`StoryConfig::max_age_days`].
pub struct StoryIndex {
    cfg: StoryConfig,
    features: HashMap<String, u32>,
    entity_info: HashMap<u32, EntityInfo>,
    /// Articles mentioning each entity feature (for rarity weights).
    df: HashMap<u32, u32>,
    sources: HashMap<String, u32>,
    source_names: Vec<String>,
    articles: HashMap<u32, ArticleEntry>,
    article_by_id: HashMap<String, u32>,
    next_article: u32,
    by_hash: HashMap<String, u32>,
    bands: HashMap<u64, u32>,
    stories: HashMap<u32, Story>,
    story_by_id: HashMap<String, u32>,
    next_story: u32,
    merged: HashMap<String, String>,
    /// Versions from events of stories not (yet) in the index, applied when they arrive.
    pending_versions: HashMap<String, (u32, String)>,
    postings: HashMap<u32, Vec<u32>>,
    /// Stories evicted since postings were last compacted.
    evicted: usize,
    by_age: BTreeSet<(i64, u32)>,
    newest: Option<DateTime<Utc>>,
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

/// The date an article reports on: its publication time, else a date written near its start
/// (a dateline such as "April 21, 2025—San Salvador"), else when it was fetched. Never later than
/// a day after enrichment, so one wrong date cannot age the whole index out.
pub fn article_time(a: &EnrichedArticle) -> DateTime<Utc> {
    let head = title_end(a) + 200;
    let dateline = a
        .claims
        .iter()
        .filter(|c| c.kind == "date" && c.start <= head)
        .find_map(|c| {
            let v = c.value as u32;
            let (y, m, d) = ((v / 10000) as i32, (v / 100) % 100, v % 100);
            Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single()
        });
    let t = a.published.or(dateline).unwrap_or(a.fetched_at);
    t.min(a.enriched_at + Duration::days(1))
}

impl StoryIndex {
    /// An empty index.
    pub fn new(cfg: StoryConfig) -> Self {
        Self {
            cfg,
            features: HashMap::new(),
            entity_info: HashMap::new(),
            df: HashMap::new(),
            sources: HashMap::new(),
            source_names: Vec::new(),
            articles: HashMap::new(),
            article_by_id: HashMap::new(),
            next_article: 0,
            by_hash: HashMap::new(),
            bands: HashMap::new(),
            stories: HashMap::new(),
            story_by_id: HashMap::new(),
            next_story: 0,
            merged: HashMap::new(),
            pending_versions: HashMap::new(),
            postings: HashMap::new(),
            evicted: 0,
            by_age: BTreeSet::new(),
            newest: None,
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
        for e in &a.entities {
            let f = self.feature(format!("e:{}", e.id));
            self.entity_info.entry(f).or_insert_with(|| EntityInfo {
                id: e.id.clone(),
                name: e.name.clone(),
                weight: kind_weight(&e.kind),
            });
            entities.push(f);
        }
        entities.sort_unstable();
        entities.dedup();
        let raw = term_weights(&a.text, title_end(a), ARTICLE_TERMS);
        let norm = raw.iter().map(|(_, w)| w * w).sum::<f32>().sqrt().max(1e-6);
        let mut terms: Vec<(u32, f32)> = raw
            .into_iter()
            .map(|(t, w)| (self.feature(format!("t:{t}")), w / norm))
            .collect();
        terms.sort_unstable_by_key(|x| x.0);
        let claims = a
            .claims
            .iter()
            .filter(|c| c.kind != "date")
            .map(|c| (c.kind.clone(), c.subject.clone(), c.value, c.hedge.clone()))
            .collect();
        Features {
            entities,
            terms,
            claims,
            time: article_time(a),
            sig: minhash::signature(&a.text),
        }
    }

    fn idf(&self, f: u32) -> f32 {
        let n = self.articles.len() as f32 + 1.0;
        let df = self.df.get(&f).copied().unwrap_or(0) as f32;
        (1.0 + n / (df + 1.0)).ln()
    }

    /// Similarity of an article to a story, in [0, 1].
    fn similarity(&self, f: &Features, s: &Story) -> f32 {
        // Entities: cosine of rarity-weighted vectors; the story side is the share of its
        // articles that mention each entity.
        let n = s.articles.len().max(1) as f32;
        let w = |e: u32| self.entity_info.get(&e).map_or(0.5, |i| i.weight) * self.idf(e);
        let (mut dot, mut na, mut ns) = (0.0f32, 0.0f32, 0.0f32);
        for &e in &f.entities {
            let we = w(e);
            na += we * we;
            if let Ok(k) = s.entities.binary_search_by_key(&e, |x| x.0) {
                dot += we * we * s.entities[k].1 as f32 / n;
            }
        }
        for &(e, c) in &s.entities {
            let v = w(e) * c as f32 / n;
            ns += v * v;
        }
        let ent = if na > 0.0 && ns > 0.0 {
            dot / (na.sqrt() * ns.sqrt())
        } else {
            0.0
        };
        // Terms: cosine with the story's summed term vector.
        let (mut tdot, mut tn) = (0.0f32, 0.0f32);
        for &(t, v) in &s.terms {
            tn += v * v;
            if let Ok(k) = f.terms.binary_search_by_key(&t, |x| x.0) {
                tdot += v * f.terms[k].1;
            }
        }
        let term = if tn > 0.0 { tdot / tn.sqrt() } else { 0.0 };
        // Claims: the share of the article's claims the story already reports, allowing small
        // differences (250 against 252 is the same fact, reported differently).
        let matched = f
            .claims
            .iter()
            .filter(|(kind, subject, value, _)| {
                s.claims.iter().any(|c| {
                    &c.kind == kind
                        && &c.subject == subject
                        && (c.value - value).abs() <= 0.03 * value.abs().max(1.0)
                })
            })
            .count();
        if f.claims.is_empty() {
            (0.6 * ent + 0.4 * term).min(1.0)
        } else {
            let claim = matched as f32 / f.claims.len() as f32;
            (0.5 * ent + 0.3 * term + 0.2 * claim).min(1.0)
        }
    }

    fn in_window(&self, f: &Features, s: &Story) -> bool {
        let w = Duration::days(self.cfg.window_days);
        f.time >= s.first_seen - w && f.time <= s.last_seen + w
    }

    fn candidates(&mut self, f: &Features) -> Vec<u32> {
        let mut hits: HashMap<u32, u32> = HashMap::new();
        let keys = f
            .entities
            .iter()
            .copied()
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

    fn near_duplicate(&self, sig: &Signature, own: Option<u32>) -> Option<(u32, f32)> {
        let mut best: Option<(u32, f32)> = None;
        for key in minhash::band_keys(sig) {
            let Some(&an) = self.bands.get(&key) else {
                continue;
            };
            if Some(an) == own {
                continue;
            }
            let Some(other) = self.articles.get(&an).and_then(|a| a.sig.as_deref()) else {
                continue;
            };
            let s = minhash::similarity(sig, other);
            if s >= self.cfg.near_duplicate_threshold
                && best.is_none_or(|(b, bs)| s > bs || (s == bs && an < b))
            {
                best = Some((an, s));
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
        let near = f
            .sig
            .as_ref()
            .and_then(|sig| self.near_duplicate(sig, known));
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
            for s in self.candidates(&f) {
                if let Some(story) = self.stories.get(&s) {
                    let sim = self.similarity(&f, story);
                    if self.in_window(&f, story) {
                        scored.push((s, sim));
                    }
                    if sim >= RELATED * self.cfg.threshold
                        && (sim < self.cfg.threshold || !self.in_window(&f, story))
                    {
                        related.push(s);
                    }
                }
            }
            scored.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| self.older_first(x.0, y.0)));
        }
        let mut events = Vec::new();
        let (slot, score, created) = match (forced, scored.first()) {
            (Some(s), _) => (s, 1.0, false),
            (None, Some(&(s, sc))) if sc >= self.cfg.threshold => (s, sc, false),
            _ => (
                self.new_story(story_id_for(&a.article_id), &a.title, f.time),
                0.5,
                true,
            ),
        };
        // An article close to several stories shows they are one: merge into the oldest.
        let mut slot = slot;
        if !created && score >= self.cfg.merge_threshold {
            let group: Vec<u32> = scored
                .iter()
                .filter(|(_, sc)| *sc >= self.cfg.merge_threshold)
                .map(|x| x.0)
                .collect();
            if group.len() > 1 {
                let mut sorted = group.clone();
                sorted.sort_by(|x, y| self.older_first(*x, *y));
                let survivor = sorted[0];
                for absorbed in &sorted[1..] {
                    if let Some(ev) = self.merge(*absorbed, survivor) {
                        events.push(ev);
                    }
                }
                slot = survivor;
            }
        }
        self.add_article(&a, &f, slot, known);
        self.relate(slot, &related);
        if let Some(story) = self.stories.get_mut(&slot) {
            if !created && score > story.title_score {
                story.title = a.title.clone();
                story.title_score = score;
            }
        }
        if let Some(story) = self.stories.get(&slot) {
            a.story_id = Some(story.id.clone());
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
                .first_seen
                .cmp(&b.first_seen)
                .then_with(|| a.id.cmp(&b.id)),
            _ => x.cmp(&y),
        }
    }

    fn new_story(&mut self, id: String, title: &str, time: DateTime<Utc>) -> u32 {
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
                first_seen: time,
                last_seen: time,
            },
        );
        self.by_age.insert((time.timestamp(), slot));
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
            for &e in &f.entities {
                *self.df.entry(e).or_default() += 1;
            }
        }
        if let Some(old) = self.articles.get(&an) {
            if self.by_hash.get(&old.hash) == Some(&an) {
                let h = old.hash.clone();
                self.by_hash.remove(&h);
            }
        }
        self.by_hash.entry(a.content_hash.clone()).or_insert(an);
        if let Some(sig) = &f.sig {
            for key in minhash::band_keys(sig) {
                self.bands.entry(key).or_insert(an);
            }
        }
        self.articles.insert(
            an,
            ArticleEntry {
                id: a.article_id.clone(),
                hash: a.content_hash.clone(),
                story: slot,
                sig: f.sig.map(Box::new),
            },
        );
        self.article_by_id.insert(a.article_id.clone(), an);
        let Some(story) = self.stories.get_mut(&slot) else {
            return an;
        };
        self.by_age.remove(&(story.last_seen.timestamp(), slot));
        // Only a revision can already be a member; checking new articles would be quadratic.
        if known.is_none() || !story.articles.contains(&an) {
            story.articles.push(an);
            for &e in &f.entities {
                match story.entities.binary_search_by_key(&e, |x| x.0) {
                    Ok(k) => story.entities[k].1 += 1,
                    Err(k) => story.entities.insert(k, (e, 1)),
                }
            }
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
        for (kind, subject, value, hedge) in &f.claims {
            if story.claims.len() < MAX_STORY_CLAIMS {
                story.claims.push(StoryClaim {
                    kind: kind.clone(),
                    subject: subject.clone(),
                    value: *value,
                    hedge: hedge.clone(),
                    article: an,
                    source,
                });
            }
        }
        story.first_seen = story.first_seen.min(f.time);
        story.last_seen = story.last_seen.max(f.time);
        self.by_age.insert((story.last_seen.timestamp(), slot));
        // Index the story under its entities and heaviest terms.
        let keys: Vec<u32> = story
            .entities
            .iter()
            .map(|x| x.0)
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
        self.newest = Some(self.newest.map_or(f.time, |n| n.max(f.time)));
        an
    }

    /// Move everything of story `from` into `into`; returns the `merged` event for `from`.
    fn merge(&mut self, from: u32, into: u32) -> Option<StoryEvent> {
        if from == into {
            return None;
        }
        let absorbed = self.stories.remove(&from)?;
        self.by_age.remove(&(absorbed.last_seen.timestamp(), from));
        let mut ev = self.story_event(&absorbed, StoryChange::Merged, "");
        let target = self.stories.get_mut(&into)?;
        ev.merged_into = Some(target.id.clone());
        ev.article_id = absorbed
            .articles
            .last()
            .and_then(|an| self.articles.get(an))
            .map(|e| e.id.clone())
            .unwrap_or_default();
        self.by_age.remove(&(target.last_seen.timestamp(), into));
        for an in &absorbed.articles {
            if let Some(e) = self.articles.get_mut(an) {
                e.story = into;
            }
            // An article belongs to one story, so the absorbed ones are new to the target.
            target.articles.push(*an);
        }
        for (e, c) in &absorbed.entities {
            match target.entities.binary_search_by_key(e, |x| x.0) {
                Ok(k) => target.entities[k].1 += c,
                Err(k) => target.entities.insert(k, (*e, *c)),
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
        target.first_seen = target.first_seen.min(absorbed.first_seen);
        target.last_seen = target.last_seen.max(absorbed.last_seen);
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
        self.by_age.insert((target.last_seen.timestamp(), into));
        self.story_by_id.remove(&absorbed.id);
        self.merged.insert(absorbed.id.clone(), target.id.clone());
        Some(ev)
    }

    /// Drop stories beyond the age bound, and the least recently updated beyond `limit`, with
    /// their articles.
    fn evict(&mut self, limit: usize) {
        let Some(newest) = self.newest else {
            return;
        };
        let cutoff = (newest - Duration::days(self.cfg.max_age_days)).timestamp();
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
                let Some(e) = self.articles.remove(&an) else {
                    continue;
                };
                self.article_by_id.remove(&e.id);
                if self.by_hash.get(&e.hash) == Some(&an) {
                    self.by_hash.remove(&e.hash);
                }
                if let Some(sig) = e.sig {
                    for key in minhash::band_keys(&sig) {
                        if self.bands.get(&key) == Some(&an) {
                            self.bands.remove(&key);
                        }
                    }
                }
            }
            for (e, c) in story.entities {
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

    /// Learn from an article published earlier (rebuild at start, or another instance's output).
    /// Idempotent: the same article id and content hash twice change nothing.
    pub fn observe_article(&mut self, a: &EnrichedArticle) {
        let Some(story_id) = a.story_id.as_deref() else {
            return;
        };
        let known = self.article_by_id.get(&a.article_id).copied();
        if let Some(e) = known.and_then(|an| self.articles.get(&an)) {
            if e.hash == a.content_hash {
                return;
            }
        }
        let f = self.features_of(a);
        let id = self.resolve(story_id);
        let slot = match self.story_by_id.get(&id) {
            Some(&s) => s,
            None => {
                let pending = self.pending_versions.remove(&id);
                let slot = self.new_story(id, &a.title, f.time);
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
            first_seen: s.first_seen,
            last_seen: s.last_seen,
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
            let row = match rows
                .iter_mut()
                .position(|r| r.kind == c.kind && r.subject == c.subject)
            {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(ClaimRow {
                        kind: c.kind.clone(),
                        subject: c.subject.clone(),
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
            r.agree = r.values.len() == 1;
        }
        rows.sort_by(|a, b| {
            let n = |r: &ClaimRow| r.values.iter().map(|v| v.article_ids.len()).sum::<usize>();
            n(b).cmp(&n(a)).then_with(|| a.subject.cmp(&b.subject))
        });
        rows.truncate(20);
        rows
    }
}

fn top_terms(terms: &[(u32, f32)], n: usize) -> impl Iterator<Item = u32> {
    let mut v: Vec<(u32, f32)> = terms.to_vec();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v.into_iter().map(|x| x.0)
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
    use model::{CleanArticle, Outcome, SourceRef};

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
            fetched_at: Utc::now(),
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

    fn assigned(index: &mut StoryIndex, a: EnrichedArticle) -> (EnrichedArticle, Vec<StoryEvent>) {
        match index.assign(a) {
            Assignment::Assigned { article, events } => (*article, events),
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
            .find(|r| r.subject == "americans")
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
        let x = "Marco Rubio and Donald Trump discussed the Alien Enemies Act at the White House \
                 with State Department lawyers, who defended the deportations.";
        let y = "Nayib Bukele showed Cecot to visitors; Tren de Aragua members are held there, \
                 Bukele said, and Maduro called the prison a disgrace.";
        let (a, _) = assigned(&mut index, article("x", "Deportation law", x, 0));
        let (b, _) = assigned(&mut index, article("y", "Mega prison", y, 0));
        assert_ne!(a.story_id, b.story_id);
        let both = "Lawyers for the State Department told Rubio and Trump that sending Tren de \
                    Aragua suspects to Cecot under the Alien Enemies Act would please Bukele, \
                    while Maduro and the White House traded insults.";
        let (c, ev) = assigned(&mut index, article("z", "Deportations", both, 0));
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
    fn index_is_bounded_by_count_and_age() {
        let cfg = StoryConfig {
            max_stories: 3,
            max_age_days: 30,
            ..StoryConfig::default()
        };
        let mut index = StoryIndex::new(cfg);
        let topics = [
            "harbour budget vote",
            "volcano lava flow",
            "football cup final",
            "rail strike talks",
            "wheat harvest prices",
        ];
        for (i, t) in topics.iter().enumerate() {
            let body = format!(
                "The {t} dominated the news today as the {t} went on, officials said of the {t}."
            );
            assigned(&mut index, article(&format!("n{i}"), t, &body, i as i64));
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
