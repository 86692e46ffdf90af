//! The view model: stories and articles as read from `news.stories` and `news.enriched`, held in
//! memory under caps, and the queries the pages and the API answer. Plain data, no IO.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use model::{ClaimRow, EnrichedArticle, StoryChange, StoryEvent};
use serde::{Deserialize, Serialize};

/// Caps that bound the view's memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most stories kept; the least recently active leave first.
    pub max_stories: usize,
    /// Most articles kept; the least recently enriched leave first.
    pub max_articles: usize,
    /// Most bytes of article records kept (as received), the least recently enriched leave first.
    pub max_bytes: usize,
    /// Most history entries (creation, merges) and revisions kept per story or article.
    pub max_history: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_stories: 50_000,
            max_articles: 200_000,
            max_bytes: 512 * 1024 * 1024,
            max_history: 50,
        }
    }
}

/// How claim values are judged to agree: a hedged figure ("nearly 250") agrees with a nearby
/// exact one (252). Hedges are the enricher's normalised words.
#[derive(Debug, Clone)]
pub struct AgreementRules {
    /// Relative distance within which an approximate hedge (`nearly`, `about`, ...) agrees.
    pub approx_tolerance: f64,
    /// Hedges that state a lower bound: the other value must be at least this one.
    pub lower_bound: Vec<String>,
    /// Hedges that state an upper bound: the other value must be at most this one.
    pub upper_bound: Vec<String>,
    /// Relative distance beyond the bound within which a bound still counts as agreeing.
    pub bound_tolerance: f64,
}

impl Default for AgreementRules {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        Self {
            approx_tolerance: 0.05,
            lower_bound: words(&["more than", "over", "at least", "above", "upwards of"]),
            upper_bound: words(&[
                "less than",
                "fewer than",
                "under",
                "at most",
                "up to",
                "below",
            ]),
            bound_tolerance: 0.25,
        }
    }
}

impl AgreementRules {
    /// Whether a value given with `hedges` is consistent with `other` (given with its hedges).
    pub fn consistent(
        &self,
        value: f64,
        hedges: &[String],
        other: f64,
        other_hedges: &[String],
    ) -> bool {
        if value == other {
            return true;
        }
        self.one_way(value, hedges, other) || self.one_way(other, other_hedges, value)
    }

    fn one_way(&self, value: f64, hedges: &[String], other: f64) -> bool {
        let scale = value.abs().max(other.abs()).max(1.0);
        hedges.iter().any(|h| {
            let h = h.to_lowercase();
            if self.lower_bound.contains(&h) {
                other >= value && (other - value) / scale <= self.bound_tolerance
            } else if self.upper_bound.contains(&h) {
                other <= value && (value - other) / scale <= self.bound_tolerance
            } else {
                (value - other).abs() / scale <= self.approx_tolerance
            }
        })
    }
}

/// Fields read leniently from an enriched record beyond the model's (newer producers add them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArticleExtras {
    /// Where the publication date came from, and its confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_from: Option<Provenance>,
    /// Extraction confidence, when the producer carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// Where a piece of metadata was found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    /// `json_ld`, `meta`, `time`, `url`, `feed`, `text`, ...
    pub source: String,
    /// Confidence in [0, 1].
    #[serde(default)]
    pub confidence: Option<f32>,
}

impl ArticleExtras {
    /// The extras of a record body; anything unreadable is left out.
    pub fn from_body(body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Loose {
            #[serde(default)]
            published_from: Option<serde_json::Value>,
            #[serde(default)]
            confidence: Option<serde_json::Value>,
        }
        let Ok(l) = serde_json::from_slice::<Loose>(body) else {
            return Self::default();
        };
        Self {
            published_from: l
                .published_from
                .and_then(|v| serde_json::from_value(v).ok()),
            confidence: l.confidence.and_then(|v| v.as_f64()).map(|c| c as f32),
        }
    }
}

/// One version of an article seen by the view.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    /// Revision number.
    pub revision: u32,
    /// Content hash of that version.
    pub content_hash: String,
    /// Its title.
    pub title: String,
    /// When it was enriched.
    pub enriched_at: DateTime<Utc>,
}

/// An article as the view keeps it.
#[derive(Debug, Clone)]
pub struct ArticleEntry {
    /// The latest record.
    pub article: EnrichedArticle,
    /// Lenient extra fields.
    pub extras: ArticleExtras,
    /// Versions seen, oldest first.
    pub revisions: Vec<Revision>,
    /// Size of the record as received.
    pub bytes: usize,
}

/// A story event worth keeping in the story's history (creation and merges).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    /// Event version.
    pub version: u32,
    /// `created`, `updated`, `merged`.
    pub change: StoryChange,
    /// Article that caused it.
    pub article_id: String,
    /// For `merged`: the story that absorbed this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// Stories newly merged into this one by the event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absorbed: Vec<String>,
    /// Time of the story's latest article at the event.
    pub at: DateTime<Utc>,
}

/// A story as the view keeps it.
#[derive(Debug, Clone)]
pub struct StoryEntry {
    /// The latest event.
    pub event: StoryEvent,
    /// Creation and merges, oldest first.
    pub history: Vec<HistoryItem>,
    /// Per claims row, the event read leniently from the record (newer producers add it).
    pub claim_events: Vec<Option<String>>,
    /// Lower-cased title, entity names and sources, for word filters.
    search: String,
    /// The key in the activity order.
    order_key: DateTime<Utc>,
}

/// What the articles claiming one story id contribute to it.
#[derive(Debug, Clone, Default)]
struct Members {
    ids: BTreeSet<String>,
    languages: BTreeMap<String, u32>,
    tracked: BTreeMap<String, u32>,
    latest: Option<DateTime<Utc>>,
}

/// A change applied to the view, for live updates.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// `story`, `article` or `feed`.
    pub kind: &'static str,
    /// Story id, article id or feed name.
    pub id: String,
    /// The story concerned (for an article: the story it belongs to now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story_id: Option<String>,
    /// Title or name.
    pub title: String,
}

/// One feed's state, as `newsflow feeds` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedRow {
    /// Feed name.
    pub name: String,
    /// Feed URL (credentials redacted).
    pub url: String,
    /// In the state topic but no longer in the config.
    pub removed: bool,
    /// Last successful poll.
    pub last_success: Option<DateTime<Utc>>,
    /// Last failed poll.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Next poll due.
    pub next_poll: Option<DateTime<Utc>>,
    /// Entries at the last full poll.
    pub items: u64,
    /// Failures in a row.
    pub failures: u32,
    /// Validator trust: `trusted`, `distrusted`, `none`.
    pub validators: String,
    /// Last error message.
    pub last_error: Option<String>,
}

/// The whole view.
#[derive(Debug, Default)]
pub struct View {
    limits: Limits,
    rules: AgreementRules,
    stories: HashMap<String, StoryEntry>,
    articles: HashMap<String, ArticleEntry>,
    members: HashMap<String, Members>,
    /// (activity, story id), for newest-first listing.
    by_activity: BTreeSet<(DateTime<Utc>, String)>,
    /// (enriched at, article id), for eviction.
    by_age: BTreeSet<(DateTime<Utc>, String)>,
    feeds: BTreeMap<String, FeedRow>,
    /// Facet counts for the filter choices, kept as records come and go.
    facet_languages: BTreeMap<String, u32>,
    facet_tracked: BTreeMap<String, u32>,
    facet_sources: BTreeMap<String, u32>,
    bytes: usize,
    evicted_stories: u64,
    evicted_articles: u64,
}

/// Filters and paging of the stories list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoryQuery {
    /// Words that must all appear in the title, entity names or sources.
    pub words: String,
    /// Entity id or (part of a) name.
    pub entity: String,
    /// Language code.
    pub language: String,
    /// Source name.
    pub source: String,
    /// Tracked topic name.
    pub tracked: String,
    /// Page number, from 1.
    pub page: usize,
    /// Stories per page.
    pub per_page: usize,
}

/// Most stories per page.
pub const MAX_PER_PAGE: usize = 200;
/// Stories per page when not asked.
pub const DEFAULT_PER_PAGE: usize = 50;

impl StoryQuery {
    /// Read the query from `key=value` pairs (a URL query string), ignoring unknown keys.
    pub fn from_pairs<'a>(
        pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    ) -> Self {
        let mut q = StoryQuery::default();
        for (k, v) in pairs {
            let v = v.trim().to_string();
            match k.as_ref() {
                "q" => q.words = v,
                "entity" => q.entity = v,
                "lang" => q.language = v,
                "source" => q.source = v,
                "tracked" => q.tracked = v,
                "page" => q.page = v.parse().unwrap_or(1),
                "per_page" => q.per_page = v.parse().unwrap_or(DEFAULT_PER_PAGE),
                _ => {}
            }
        }
        q.normalise()
    }

    fn normalise(mut self) -> Self {
        self.page = self.page.max(1);
        if self.per_page == 0 {
            self.per_page = DEFAULT_PER_PAGE;
        }
        self.per_page = self.per_page.min(MAX_PER_PAGE);
        self
    }

    /// The filters as `key=value` pairs (without paging), for links.
    pub fn filter_pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", self.words.as_str()),
            ("entity", self.entity.as_str()),
            ("lang", self.language.as_str()),
            ("source", self.source.as_str()),
            ("tracked", self.tracked.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

/// A link to a story.
#[derive(Debug, Clone, Serialize)]
pub struct StoryLink {
    /// Story id.
    pub story_id: String,
    /// Its title, when the story is in the view.
    pub title: Option<String>,
}

/// An entity with how often a story names it.
#[derive(Debug, Clone, Serialize)]
pub struct EntityCount {
    /// Canonical id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Articles that mention it (story event figure for top entities, else counted here).
    pub articles: u32,
    /// Mentions over the story's articles in the view.
    pub mentions: u32,
}

/// A row of the stories list.
#[derive(Debug, Clone, Serialize)]
pub struct StorySummary {
    /// Story id.
    pub story_id: String,
    /// Title.
    pub title: String,
    /// Articles in the story.
    pub article_count: u32,
    /// Source names.
    pub sources: Vec<String>,
    /// Language codes of its articles in the view, most used first.
    pub languages: Vec<String>,
    /// Time of the earliest article.
    pub first_seen: DateTime<Utc>,
    /// Time of the latest article.
    pub last_seen: DateTime<Utc>,
    /// Latest activity: the later of `last_seen` and the latest enrichment of one of its articles.
    pub activity: DateTime<Utc>,
    /// Most mentioned entities.
    pub top_entities: Vec<model::StoryEntity>,
    /// Tracked topics its articles are relevant to.
    pub tracked: Vec<String>,
    /// Event version.
    pub version: u32,
    /// For a merged story: the story that absorbed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}

/// One page of the stories list.
#[derive(Debug, Clone, Serialize)]
pub struct StoryPage {
    /// Stories matching the filters.
    pub total: usize,
    /// Page number, from 1.
    pub page: usize,
    /// Stories per page.
    pub per_page: usize,
    /// The stories on this page, newest activity first.
    pub stories: Vec<StorySummary>,
}

/// An article as listed on a story's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow {
    /// Article id.
    pub article_id: String,
    /// Title.
    pub title: String,
    /// Source name.
    pub source: String,
    /// URL or URN.
    pub url: String,
    /// Language code.
    pub language: String,
    /// Publication time, when known.
    pub published: Option<DateTime<Utc>>,
    /// False for an article without a publication date (placed by fetch time).
    pub dated: bool,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Revision number.
    pub revision: u32,
    /// Exact copy of this earlier article.
    pub duplicate_of: Option<String>,
    /// Near copy of this earlier article.
    pub near_duplicate_of: Option<String>,
}

/// A claim value with whether it agrees with the row's leading value.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimValueView {
    /// The number.
    pub value: f64,
    /// Hedges used with it.
    pub hedges: Vec<String>,
    /// Sources that give it.
    pub sources: Vec<String>,
    /// Articles that give it.
    pub article_ids: Vec<String>,
    /// Consistent with the leading (most reported) value.
    pub agrees: bool,
}

/// A claims-table row as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimRowView {
    /// Claim kind.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// What happened to the subject (`freed`, `held`, ...), when the producer says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Values, most reported first.
    pub values: Vec<ClaimValueView>,
    /// Every value is consistent with the leading one (hedges taken into account).
    pub agree: bool,
    /// Sources give literally the same number.
    pub identical: bool,
}

/// Everything the story page shows.
#[derive(Debug, Clone, Serialize)]
pub struct StoryDetail {
    /// The list row.
    pub story: StorySummary,
    /// Articles by publication date; undated ones last, by fetch time.
    pub articles: Vec<ArticleRow>,
    /// Article ids the story lists that are not in the view.
    pub missing_articles: Vec<String>,
    /// Entities with mention counts, most articles first.
    pub entities: Vec<EntityCount>,
    /// The claims table.
    pub claims: Vec<ClaimRowView>,
    /// Similar stories about another event.
    pub related: Vec<StoryLink>,
    /// The story that absorbed this one.
    pub merged_into: Option<StoryLink>,
    /// Stories merged into this one.
    pub merged_from: Vec<StoryLink>,
    /// Creation and merges.
    pub history: Vec<HistoryItem>,
}

/// A piece of an article's text: plain, or an entity mention.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Segment {
    /// The text as written.
    pub text: String,
    /// For a mention: entity id, canonical name and kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<(String, String, String)>,
}

/// Everything the article page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleDetail {
    /// The latest record.
    pub article: EnrichedArticle,
    /// Lenient extras (date provenance, confidence).
    pub extras: ArticleExtras,
    /// The story it belongs to now (after merges).
    pub story: Option<StoryLink>,
    /// Versions seen.
    pub revisions: Vec<Revision>,
}

/// Memory and size figures of the view.
#[derive(Debug, Clone, Serialize)]
pub struct ViewStats {
    /// Stories held.
    pub stories: usize,
    /// Articles held.
    pub articles: usize,
    /// Bytes of article records held (as received).
    pub article_bytes: usize,
    /// Estimated bytes of the whole view.
    pub estimated_bytes: usize,
    /// Stories dropped for the caps.
    pub evicted_stories: u64,
    /// Articles dropped for the caps.
    pub evicted_articles: u64,
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

impl View {
    /// An empty view under `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Use other agreement rules.
    pub fn with_rules(mut self, rules: AgreementRules) -> Self {
        self.rules = rules;
        self
    }

    /// Apply a story event. Older versions than the one held are ignored (re-deliveries).
    pub fn apply_story(&mut self, ev: StoryEvent) -> Option<Change> {
        self.apply_story_with(ev, Vec::new())
    }

    /// Apply a story event with the claim rows' events read from the record ([`claim_events`]).
    pub fn apply_story_with(
        &mut self,
        ev: StoryEvent,
        claim_events: Vec<Option<String>>,
    ) -> Option<Change> {
        let id = ev.story_id.clone();
        let mut history = Vec::new();
        if let Some(old) = self.stories.get(&id) {
            if ev.version < old.event.version {
                return None;
            }
            history = old.history.clone();
            self.by_activity.remove(&(old.order_key, id.clone()));
            for src in &old.event.sources {
                dec(&mut self.facet_sources, src);
            }
        }
        for src in &ev.sources {
            *self.facet_sources.entry(src.clone()).or_default() += 1;
        }
        let prior_from: Vec<String> = history.iter().flat_map(|h| h.absorbed.clone()).collect();
        let absorbed: Vec<String> = ev
            .merged_from
            .iter()
            .filter(|s| !prior_from.contains(s))
            .cloned()
            .collect();
        let notable = ev.change != StoryChange::Updated || !absorbed.is_empty();
        if notable && !history.iter().any(|h| h.version == ev.version) {
            history.push(HistoryItem {
                version: ev.version,
                change: ev.change,
                article_id: ev.article_id.clone(),
                merged_into: ev.merged_into.clone(),
                absorbed,
                at: ev.last_seen,
            });
            if history.len() > self.limits.max_history {
                // Keep the creation; drop the oldest merge after it.
                history.remove(1.min(history.len() - 1));
            }
        }
        let mut search = lower(&ev.title);
        for e in &ev.top_entities {
            search.push('\n');
            search.push_str(&lower(&e.name));
        }
        for s in &ev.sources {
            search.push('\n');
            search.push_str(&lower(s));
        }
        let change = Change {
            kind: "story",
            id: id.clone(),
            story_id: Some(id.clone()),
            title: ev.title.clone(),
        };
        let mut entry = StoryEntry {
            event: ev,
            history,
            claim_events,
            search,
            order_key: DateTime::<Utc>::MIN_UTC,
        };
        entry.order_key = self.activity_of(&id, &entry.event);
        self.by_activity.insert((entry.order_key, id.clone()));
        self.stories.insert(id, entry);
        self.evict_stories();
        Some(change)
    }

    fn activity_of(&self, id: &str, ev: &StoryEvent) -> DateTime<Utc> {
        let latest = self.members.get(id).and_then(|m| m.latest);
        latest.map_or(ev.last_seen, |l| l.max(ev.last_seen))
    }

    fn reorder(&mut self, id: &str) {
        let Some(entry) = self.stories.get(id) else {
            return;
        };
        let key = self.activity_of(id, &entry.event);
        if key == entry.order_key {
            return;
        }
        self.by_activity.remove(&(entry.order_key, id.to_string()));
        self.by_activity.insert((key, id.to_string()));
        if let Some(e) = self.stories.get_mut(id) {
            e.order_key = key;
        }
    }

    /// Apply an enriched article record (`bytes`: its size as received, for the memory cap).
    pub fn apply_article(
        &mut self,
        a: EnrichedArticle,
        extras: ArticleExtras,
        bytes: usize,
    ) -> Option<Change> {
        let id = a.article_id.clone();
        let mut revisions = Vec::new();
        if let Some(old) = self.articles.get(&id) {
            if a.revision < old.article.revision {
                return None;
            }
            revisions = old.revisions.clone();
            self.remove_article(&id, false);
        }
        if !revisions.iter().any(|r| r.content_hash == a.content_hash) {
            revisions.push(Revision {
                revision: a.revision,
                content_hash: a.content_hash.clone(),
                title: a.title.clone(),
                enriched_at: a.enriched_at,
            });
            if revisions.len() > self.limits.max_history {
                revisions.remove(0);
            }
        }
        *self
            .facet_languages
            .entry(a.language.code.clone())
            .or_default() += 1;
        for r in a.relevance.iter().filter(|r| r.relevant) {
            *self.facet_tracked.entry(r.tracked.clone()).or_default() += 1;
        }
        if let Some(sid) = &a.story_id {
            let m = self.members.entry(sid.clone()).or_default();
            m.ids.insert(id.clone());
            *m.languages.entry(a.language.code.clone()).or_default() += 1;
            for r in a.relevance.iter().filter(|r| r.relevant) {
                *m.tracked.entry(r.tracked.clone()).or_default() += 1;
            }
            m.latest = Some(m.latest.map_or(a.enriched_at, |l| l.max(a.enriched_at)));
        }
        let story = a.story_id.clone().map(|s| self.resolve_story(&s));
        self.by_age.insert((a.enriched_at, id.clone()));
        self.bytes += bytes;
        let change = Change {
            kind: "article",
            id: id.clone(),
            story_id: story.clone(),
            title: a.title.clone(),
        };
        self.articles.insert(
            id,
            ArticleEntry {
                article: a,
                extras,
                revisions,
                bytes,
            },
        );
        if let Some(s) = &change.story_id {
            self.reorder(s);
        }
        self.evict_articles();
        Some(change)
    }

    /// Replace the feed list.
    pub fn set_feeds(&mut self, feeds: Vec<FeedRow>) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut next = BTreeMap::new();
        for f in feeds {
            if self.feeds.get(&f.name) != Some(&f) {
                changes.push(Change {
                    kind: "feed",
                    id: f.name.clone(),
                    story_id: None,
                    title: f.name.clone(),
                });
            }
            next.insert(f.name.clone(), f);
        }
        self.feeds = next;
        changes
    }

    /// Update one feed.
    pub fn apply_feed(&mut self, f: FeedRow) -> Option<Change> {
        if self.feeds.get(&f.name) == Some(&f) {
            return None;
        }
        let c = Change {
            kind: "feed",
            id: f.name.clone(),
            story_id: None,
            title: f.name.clone(),
        };
        self.feeds.insert(f.name.clone(), f);
        Some(c)
    }

    /// Feeds by name.
    pub fn feeds(&self) -> Vec<FeedRow> {
        self.feeds.values().cloned().collect()
    }

    fn remove_article(&mut self, id: &str, evicted: bool) {
        let Some(old) = self.articles.remove(id) else {
            return;
        };
        self.by_age
            .remove(&(old.article.enriched_at, id.to_string()));
        self.bytes = self.bytes.saturating_sub(old.bytes);
        dec(&mut self.facet_languages, &old.article.language.code);
        for r in old.article.relevance.iter().filter(|r| r.relevant) {
            dec(&mut self.facet_tracked, &r.tracked);
        }
        if let Some(sid) = &old.article.story_id {
            if let Some(m) = self.members.get_mut(sid) {
                m.ids.remove(id);
                dec(&mut m.languages, &old.article.language.code);
                for r in old.article.relevance.iter().filter(|r| r.relevant) {
                    dec(&mut m.tracked, &r.tracked);
                }
                if m.ids.is_empty() && !self.stories.contains_key(sid) {
                    self.members.remove(sid);
                }
            }
        }
        if evicted {
            self.evicted_articles += 1;
        }
    }

    fn evict_articles(&mut self) {
        while self.articles.len() > self.limits.max_articles
            || (self.bytes > self.limits.max_bytes && self.articles.len() > 1)
        {
            let Some((_, id)) = self.by_age.iter().next().cloned() else {
                break;
            };
            self.remove_article(&id, true);
        }
    }

    fn evict_stories(&mut self) {
        while self.stories.len() > self.limits.max_stories {
            let Some((at, id)) = self.by_activity.iter().next().cloned() else {
                break;
            };
            self.by_activity.remove(&(at, id.clone()));
            if let Some(old) = self.stories.remove(&id) {
                for src in &old.event.sources {
                    dec(&mut self.facet_sources, src);
                }
            }
            if self.members.get(&id).is_some_and(|m| m.ids.is_empty()) {
                self.members.remove(&id);
            }
            self.evicted_stories += 1;
        }
    }

    /// The story a story id leads to after merges (the id itself when not merged or unknown).
    pub fn resolve_story(&self, id: &str) -> String {
        let mut cur = id.to_string();
        for _ in 0..16 {
            match self
                .stories
                .get(&cur)
                .and_then(|s| s.event.merged_into.clone())
            {
                Some(next) if next != cur => cur = next,
                _ => break,
            }
        }
        cur
    }

    /// Number of stories and articles held.
    pub fn counts(&self) -> (usize, usize) {
        (self.stories.len(), self.articles.len())
    }

    /// Memory figures.
    pub fn stats(&self) -> ViewStats {
        // Story events are small next to articles: estimate them by their main strings.
        let story_bytes: usize = self
            .stories
            .values()
            .map(|s| {
                let e = &s.event;
                256 + s.search.len()
                    + e.title.len() * 2
                    + e.article_ids.iter().map(|a| a.len() + 24).sum::<usize>()
                    + e.claims.len() * 256
                    + e.top_entities.len() * 96
            })
            .sum();
        let member_bytes: usize = self.members.values().map(|m| 128 + m.ids.len() * 72).sum();
        let index_bytes = (self.by_activity.len() + self.by_age.len()) * 80;
        ViewStats {
            stories: self.stories.len(),
            articles: self.articles.len(),
            article_bytes: self.bytes,
            // A decoded record takes about as much as its JSON plus struct overhead.
            estimated_bytes: self.bytes
                + self.articles.len() * 512
                + story_bytes
                + member_bytes
                + index_bytes,
            evicted_stories: self.evicted_stories,
            evicted_articles: self.evicted_articles,
        }
    }

    fn languages_of(&self, id: &str, ev: &StoryEvent) -> (Vec<String>, Vec<String>) {
        let mut langs: BTreeMap<&str, u32> = BTreeMap::new();
        let mut tracked: BTreeSet<&str> = BTreeSet::new();
        for sid in std::iter::once(id).chain(ev.merged_from.iter().map(String::as_str)) {
            if let Some(m) = self.members.get(sid) {
                for (l, n) in &m.languages {
                    *langs.entry(l).or_default() += n;
                }
                tracked.extend(m.tracked.keys().map(String::as_str));
            }
        }
        let mut langs: Vec<(&str, u32)> = langs.into_iter().collect();
        langs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        (
            langs.into_iter().map(|(l, _)| l.to_string()).collect(),
            tracked.into_iter().map(str::to_string).collect(),
        )
    }

    fn summary(&self, id: &str, s: &StoryEntry) -> StorySummary {
        let ev = &s.event;
        let (languages, tracked) = self.languages_of(id, ev);
        StorySummary {
            story_id: id.to_string(),
            title: ev.title.clone(),
            article_count: ev.article_count.max(ev.article_ids.len() as u32),
            sources: ev.sources.clone(),
            languages,
            first_seen: ev.first_seen,
            last_seen: ev.last_seen,
            activity: s.order_key,
            top_entities: ev.top_entities.clone(),
            tracked,
            version: ev.version,
            merged_into: ev.merged_into.clone(),
        }
    }

    /// `words` and `entity` are the query's, lower-cased once per query.
    fn matches(
        &self,
        id: &str,
        s: &StoryEntry,
        q: &StoryQuery,
        words: &[String],
        entity: &str,
    ) -> bool {
        if s.event.change == StoryChange::Merged {
            return false;
        }
        if !words.iter().all(|w| s.search.contains(w.as_str())) {
            return false;
        }
        if !q.entity.is_empty()
            && !s
                .event
                .top_entities
                .iter()
                .any(|t| t.id == q.entity || lower(&t.name).contains(entity))
        {
            return false;
        }
        if !q.source.is_empty()
            && !s
                .event
                .sources
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&q.source))
        {
            return false;
        }
        // Looked up in the member counts directly: building the lists per story would cost
        // more than the rest of the filter.
        let members = || {
            std::iter::once(id)
                .chain(s.event.merged_from.iter().map(String::as_str))
                .filter_map(|sid| self.members.get(sid))
        };
        if !q.language.is_empty()
            && !members().any(|m| {
                m.languages
                    .keys()
                    .any(|l| l.eq_ignore_ascii_case(&q.language))
            })
        {
            return false;
        }
        if !q.tracked.is_empty() && !members().any(|m| m.tracked.contains_key(&q.tracked)) {
            return false;
        }
        true
    }

    /// One page of stories matching `q`, newest activity first. Merged stories are left out.
    pub fn stories(&self, q: &StoryQuery) -> StoryPage {
        let q = q.clone().normalise();
        let words: Vec<String> = q.words.split_whitespace().map(lower).collect();
        let entity = lower(&q.entity);
        let skip = (q.page - 1).saturating_mul(q.per_page);
        let mut total = 0;
        let mut out = Vec::new();
        for (_, id) in self.by_activity.iter().rev() {
            let Some(s) = self.stories.get(id) else {
                continue;
            };
            if !self.matches(id, s, &q, &words, &entity) {
                continue;
            }
            if total >= skip && out.len() < q.per_page {
                out.push(self.summary(id, s));
            }
            total += 1;
        }
        StoryPage {
            total,
            page: q.page,
            per_page: q.per_page,
            stories: out,
        }
    }

    /// Languages, sources and tracked topics present, for filter choices.
    pub fn facets(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let keys = |m: &BTreeMap<String, u32>| m.keys().cloned().collect::<Vec<_>>();
        (
            keys(&self.facet_languages),
            keys(&self.facet_sources),
            keys(&self.facet_tracked),
        )
    }

    fn link(&self, id: &str) -> StoryLink {
        StoryLink {
            story_id: id.to_string(),
            title: self.stories.get(id).map(|s| s.event.title.clone()),
        }
    }

    /// Everything about one story.
    pub fn story(&self, id: &str) -> Option<StoryDetail> {
        let s = self.stories.get(id)?;
        let ev = &s.event;
        // The event lists the latest 500 ids; articles claiming the story (or a story merged into
        // it) complete the list.
        let mut ids: BTreeSet<&str> = ev.article_ids.iter().map(String::as_str).collect();
        for sid in std::iter::once(id).chain(ev.merged_from.iter().map(String::as_str)) {
            if let Some(m) = self.members.get(sid) {
                ids.extend(m.ids.iter().map(String::as_str));
            }
        }
        let mut articles = Vec::new();
        let mut missing = Vec::new();
        let mut entities: BTreeMap<&str, EntityCount> = BTreeMap::new();
        for aid in ids {
            let Some(a) = self.articles.get(aid) else {
                missing.push(aid.to_string());
                continue;
            };
            let a = &a.article;
            articles.push(ArticleRow {
                article_id: a.article_id.clone(),
                title: a.title.clone(),
                source: a.source.name.clone(),
                url: a.url.clone(),
                language: a.language.code.clone(),
                published: a.published,
                dated: a.published.is_some(),
                fetched_at: a.fetched_at,
                revision: a.revision,
                duplicate_of: a.duplicate_of.clone(),
                near_duplicate_of: a.near_duplicate_of.as_ref().map(|n| n.article_id.clone()),
            });
            for e in &a.entities {
                let c = entities
                    .entry(e.id.as_str())
                    .or_insert_with(|| EntityCount {
                        id: e.id.clone(),
                        name: e.name.clone(),
                        kind: e.kind.to_string(),
                        articles: 0,
                        mentions: 0,
                    });
                c.articles += 1;
                c.mentions += e.mentions.len() as u32;
            }
        }
        articles.sort_by(|a, b| match (a.published, b.published) {
            (Some(x), Some(y)) => x.cmp(&y).then(a.article_id.cmp(&b.article_id)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a
                .fetched_at
                .cmp(&b.fetched_at)
                .then(a.article_id.cmp(&b.article_id)),
        });
        let mut entities: Vec<EntityCount> = entities.into_values().collect();
        entities.sort_by(|a, b| {
            b.articles
                .cmp(&a.articles)
                .then(b.mentions.cmp(&a.mentions))
                .then(a.name.cmp(&b.name))
        });
        Some(StoryDetail {
            story: self.summary(id, s),
            articles,
            missing_articles: missing,
            entities,
            claims: ev
                .claims
                .iter()
                .enumerate()
                .map(|(i, r)| ClaimRowView {
                    event: s.claim_events.get(i).cloned().flatten(),
                    ..self.claim_row(r)
                })
                .collect(),
            related: ev.related.iter().map(|r| self.link(r)).collect(),
            merged_into: ev.merged_into.as_deref().map(|m| self.link(m)),
            merged_from: ev.merged_from.iter().map(|m| self.link(m)).collect(),
            history: s.history.clone(),
        })
    }

    /// A claims row with agreement judged by the rules: each value against the leading one.
    pub fn claim_row(&self, r: &ClaimRow) -> ClaimRowView {
        let lead = r.values.first();
        let values: Vec<ClaimValueView> = r
            .values
            .iter()
            .map(|v| ClaimValueView {
                value: v.value,
                hedges: v.hedges.clone(),
                sources: v.sources.clone(),
                article_ids: v.article_ids.clone(),
                agrees: lead.is_none_or(|l| {
                    self.rules
                        .consistent(l.value, &l.hedges, v.value, &v.hedges)
                }),
            })
            .collect();
        ClaimRowView {
            kind: r.kind.to_string(),
            subject: r.subject.clone(),
            event: None,
            agree: values.iter().all(|v| v.agrees),
            identical: r.values.len() <= 1,
            values,
        }
    }

    /// Everything about one article.
    pub fn article(&self, id: &str) -> Option<ArticleDetail> {
        let e = self.articles.get(id)?;
        let story = e
            .article
            .story_id
            .as_deref()
            .map(|s| self.link(&self.resolve_story(s)));
        Some(ArticleDetail {
            article: e.article.clone(),
            extras: e.extras.clone(),
            story,
            revisions: e.revisions.clone(),
        })
    }
}

fn dec(m: &mut BTreeMap<String, u32>, k: &str) {
    if let Some(n) = m.get_mut(k) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            m.remove(k);
        }
    }
}

/// The `event` of each claims row of a story record, read leniently (absent where the producer
/// does not write it).
pub fn claim_events(body: &[u8]) -> Vec<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        #[serde(default)]
        event: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct Loose {
        #[serde(default)]
        claims: Vec<Row>,
    }
    serde_json::from_slice::<Loose>(body)
        .map(|l| {
            l.claims
                .into_iter()
                .map(|r| r.event.and_then(|e| e.as_str().map(str::to_string)))
                .collect()
        })
        .unwrap_or_default()
}

/// Split `text` into plain pieces and entity mentions at their byte offsets. Mentions whose
/// offsets do not fall on character boundaries inside the text, or overlap an earlier one, are
/// left as plain text.
pub fn segments(a: &EnrichedArticle) -> Vec<Segment> {
    let text = a.text.as_str();
    let mut spans: Vec<(usize, usize, &model::EntityRef)> = a
        .entities
        .iter()
        .flat_map(|e| e.mentions.iter().map(move |m| (m.start, m.end, e)))
        .filter(|(s, e, _)| {
            s < e && *e <= text.len() && text.is_char_boundary(*s) && text.is_char_boundary(*e)
        })
        .collect();
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e, ent) in spans {
        if s < at {
            continue;
        }
        if s > at {
            out.push(Segment {
                text: text[at..s].to_string(),
                entity: None,
            });
        }
        out.push(Segment {
            text: text[s..e].to_string(),
            entity: Some((ent.id.clone(), ent.name.clone(), ent.kind.to_string())),
        });
        at = e;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_string(),
            entity: None,
        });
    }
    out
}

/// Whether a surface form differs from its canonical name enough to show the name beside it
/// (a garble such as "Baukele", not a short form such as "Bukele").
pub fn shows_canonical(surface: &str, name: &str) -> bool {
    let s = lower(surface);
    let n = lower(name);
    if n.contains(s.trim()) {
        return false;
    }
    // An acronym of the name ("US", "U.S." for United States, "TDA" for Tren de Aragua) is a
    // short form too.
    let letters: String = surface.chars().filter(|c| c.is_alphabetic()).collect();
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_uppercase();
    let is_upper = letters.chars().all(|c| !c.is_lowercase());
    !(letters.chars().count() >= 2 && is_upper && letters.to_uppercase() == initials)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use model::{ClaimValue, Mention, StoryEntity};

    pub fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + s, 0).unwrap_or_default()
    }

    /// Built from JSON, so that fields other producers add (with serde defaults) need no edit.
    pub fn article(id: &str, story: &str, lang: &str, at: i64) -> EnrichedArticle {
        let v = serde_json::json!({
            "schema": "newsflow.enriched/1",
            "article_id": id,
            "revision": 1,
            "content_hash": format!("h-{id}"),
            "url": format!("https://example.com/{id}"),
            "source": {"kind": "feed", "name": format!("src-{lang}")},
            "title": format!("Title {id}"),
            "text": "Baukele met Rubio.\n\nThen 252 people flew.",
            "published": t(at),
            "language": {"code": lang, "confidence": 0.9},
            "entities": [{"id": "person/nayib-bukele", "name": "Nayib Bukele", "kind": "person",
                          "mentions": [{"start": 0, "end": 7, "surface": "Baukele"}]}],
            "outcome": "ok",
            "fetched_at": t(at),
            "enriched_at": t(at),
            "story_id": story,
            "relevance": [{"tracked": "exchange", "score": 0.9, "relevant": lang == "en"}],
        });
        serde_json::from_value(v).expect("test article")
    }

    pub fn event(id: &str, version: u32, title: &str, ids: &[&str], at: i64) -> StoryEvent {
        StoryEvent {
            schema: "newsflow.story/1".into(),
            story_id: id.into(),
            change: if version == 1 {
                StoryChange::Created
            } else {
                StoryChange::Updated
            },
            version,
            title: title.into(),
            article_id: ids.last().map(|s| s.to_string()).unwrap_or_default(),
            article_ids: ids.iter().map(|s| s.to_string()).collect(),
            article_count: ids.len() as u32,
            sources: vec!["src-en".into()],
            top_entities: vec![StoryEntity {
                id: "person/nayib-bukele".into(),
                name: "Nayib Bukele".into(),
                articles: ids.len() as u32,
            }],
            claims: vec![],
            merged_into: None,
            merged_from: vec![],
            related: vec![],
            first_seen: t(0),
            last_seen: t(at),
        }
    }

    fn q() -> StoryQuery {
        StoryQuery::default().normalise()
    }

    #[test]
    fn newest_activity_first_with_paging() {
        let mut v = View::new(Limits::default());
        for i in 0..5 {
            v.apply_story(event(
                &format!("s{i}"),
                1,
                &format!("Story {i}"),
                &[],
                i * 10,
            ));
        }
        let page = v.stories(&StoryQuery {
            per_page: 2,
            page: 2,
            ..q()
        });
        assert_eq!(page.total, 5);
        let ids: Vec<&str> = page.stories.iter().map(|s| s.story_id.as_str()).collect();
        assert_eq!(ids, ["s2", "s1"]);
        // An article enriched later moves its story to the top.
        v.apply_article(article("a", "s0", "en", 100), ArticleExtras::default(), 10);
        assert_eq!(v.stories(&q()).stories[0].story_id, "s0");
    }

    #[test]
    fn filters_by_words_entity_language_source_and_tracked() {
        let mut v = View::new(Limits::default());
        v.apply_story(event("s1", 1, "Prisoner exchange in Caracas", &["a1"], 1));
        let mut e2 = event("s2", 1, "Harbour bridge repairs", &["a2"], 2);
        e2.top_entities.clear();
        e2.sources = vec!["Gazette".into()];
        v.apply_story(e2);
        v.apply_article(article("a1", "s1", "en", 1), ArticleExtras::default(), 10);
        v.apply_article(article("a2", "s2", "es", 2), ArticleExtras::default(), 10);
        let ids = |q: StoryQuery| -> Vec<String> {
            v.stories(&q)
                .stories
                .into_iter()
                .map(|s| s.story_id)
                .collect()
        };
        assert_eq!(
            ids(StoryQuery {
                words: "EXCHANGE caracas".into(),
                ..q()
            }),
            ["s1"]
        );
        assert_eq!(
            ids(StoryQuery {
                words: "exchange bridge".into(),
                ..q()
            }),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(StoryQuery {
                entity: "bukele".into(),
                ..q()
            }),
            ["s1"]
        );
        assert_eq!(
            ids(StoryQuery {
                entity: "person/nayib-bukele".into(),
                ..q()
            }),
            ["s1"]
        );
        assert_eq!(
            ids(StoryQuery {
                language: "es".into(),
                ..q()
            }),
            ["s2"]
        );
        assert_eq!(
            ids(StoryQuery {
                source: "gazette".into(),
                ..q()
            }),
            ["s2"]
        );
        assert_eq!(
            ids(StoryQuery {
                tracked: "exchange".into(),
                ..q()
            }),
            ["s1"]
        );
        let s1 = &v
            .stories(&StoryQuery {
                words: "caracas".into(),
                ..q()
            })
            .stories[0];
        assert_eq!(s1.languages, ["en"]);
        assert_eq!(s1.tracked, ["exchange"]);
    }

    #[test]
    fn query_string_is_read_leniently() {
        let q = StoryQuery::from_pairs(url::form_urlencoded::parse(
            b"q=a+b&lang=de&page=x&per_page=100000&zzz=1",
        ));
        assert_eq!(q.words, "a b");
        assert_eq!(q.language, "de");
        assert_eq!(q.page, 1);
        assert_eq!(q.per_page, MAX_PER_PAGE);
    }

    #[test]
    fn older_versions_and_revisions_are_ignored_and_revisions_listed() {
        let mut v = View::new(Limits::default());
        v.apply_story(event("s", 2, "New title", &["a"], 1));
        assert!(v
            .apply_story(event("s", 1, "Old title", &["a"], 1))
            .is_none());
        assert_eq!(
            v.story("s").map(|d| d.story.title),
            Some("New title".to_string())
        );
        let mut a = article("a", "s", "en", 1);
        v.apply_article(a.clone(), ArticleExtras::default(), 10);
        a.revision = 2;
        a.content_hash = "h2".into();
        a.title = "Updated".into();
        v.apply_article(a.clone(), ArticleExtras::default(), 10);
        a.revision = 1;
        assert!(v.apply_article(a, ArticleExtras::default(), 10).is_none());
        let d = v.article("a").expect("article");
        assert_eq!(d.article.title, "Updated");
        assert_eq!(d.revisions.len(), 2);
        assert_eq!(v.stats().articles, 1);
        assert_eq!(v.stats().article_bytes, 10);
    }

    #[test]
    fn story_timeline_dated_first_undated_marked_and_entities_counted() {
        let mut v = View::new(Limits::default());
        v.apply_story(event("s", 1, "T", &["a", "b", "c", "gone"], 5));
        v.apply_article(article("a", "s", "en", 30), ArticleExtras::default(), 1);
        v.apply_article(article("b", "s", "es", 10), ArticleExtras::default(), 1);
        let mut c = article("c", "s", "en", 20);
        c.published = None;
        c.near_duplicate_of = Some(model::NearDuplicate {
            article_id: "a".into(),
            similarity: 0.8,
        });
        v.apply_article(c, ArticleExtras::default(), 1);
        let d = v.story("s").expect("story");
        let order: Vec<(&str, bool)> = d
            .articles
            .iter()
            .map(|a| (a.article_id.as_str(), a.dated))
            .collect();
        assert_eq!(order, [("b", true), ("a", true), ("c", false)]);
        assert_eq!(d.articles[2].near_duplicate_of.as_deref(), Some("a"));
        assert_eq!(d.missing_articles, ["gone"]);
        assert_eq!(d.entities[0].articles, 3);
        assert_eq!(d.entities[0].mentions, 3);
        assert_eq!(d.story.languages, ["en", "es"]);
    }

    #[test]
    fn merges_are_followed_and_kept_in_history() {
        let mut v = View::new(Limits::default());
        v.apply_story(event("old", 1, "Old", &["a"], 1));
        v.apply_story(event("new", 1, "New", &["b"], 2));
        v.apply_article(article("a", "old", "en", 1), ArticleExtras::default(), 1);
        let mut m = event("old", 2, "Old", &["a"], 1);
        m.change = StoryChange::Merged;
        m.merged_into = Some("new".into());
        v.apply_story(m);
        let mut n = event("new", 2, "New", &["b"], 3);
        n.merged_from = vec!["old".into()];
        v.apply_story(n);
        assert_eq!(v.resolve_story("old"), "new");
        let page = v.stories(&q());
        assert_eq!(page.total, 1, "merged story is not listed");
        let d = v.story("new").expect("story");
        assert!(
            d.articles.iter().any(|a| a.article_id == "a"),
            "articles of the merged story"
        );
        assert_eq!(d.history.len(), 2);
        assert_eq!(d.history[1].absorbed, ["old"]);
        let old = v.story("old").expect("old");
        assert_eq!(old.merged_into.map(|l| l.story_id), Some("new".into()));
        assert_eq!(
            v.article("a").and_then(|a| a.story).map(|s| s.story_id),
            Some("new".into())
        );
    }

    #[test]
    fn hedged_values_agree_with_nearby_exact_ones_and_others_are_flagged() {
        let v = View::new(Limits::default());
        let val = |x: f64, h: &[&str], src: &str| ClaimValue {
            value: x,
            hedges: h.iter().map(|s| s.to_string()).collect(),
            article_ids: vec![src.into()],
            sources: vec![src.into()],
        };
        let row = |values: Vec<ClaimValue>| -> ClaimRow {
            serde_json::from_value(serde_json::json!({
                "kind": "count", "subject": "venezuelans", "values": values, "agree": false
            }))
            .expect("test row")
        };
        let r = v.claim_row(&row(vec![
            val(252.0, &[], "a"),
            val(250.0, &["nearly"], "b"),
        ]));
        assert!(r.agree && !r.identical);
        let row = row(vec![
            val(252.0, &[], "a"),
            val(250.0, &["nearly"], "b"),
            val(10.0, &[], "c"),
        ]);
        let r = v.claim_row(&row);
        assert!(!r.agree);
        assert!(r.values[1].agrees && !r.values[2].agrees);
        let rules = AgreementRules::default();
        assert!(rules.consistent(200.0, &["more than".into()], 230.0, &[]));
        assert!(!rules.consistent(200.0, &["more than".into()], 190.0, &[]));
        assert!(!rules.consistent(250.0, &[], 252.0, &[]));
    }

    #[test]
    fn caps_bound_articles_bytes_and_stories() {
        let mut v = View::new(Limits {
            max_stories: 3,
            max_articles: 4,
            max_bytes: 250,
            max_history: 5,
        });
        for i in 0..10 {
            v.apply_story(event(&format!("s{i}"), 1, "T", &[], i));
            v.apply_article(
                article(&format!("a{i}"), &format!("s{i}"), "en", i),
                ArticleExtras::default(),
                100,
            );
        }
        let st = v.stats();
        assert_eq!(st.stories, 3);
        assert_eq!(st.articles, 2, "bytes cap: 2 × 100 ≤ 250");
        assert!(st.article_bytes <= 250);
        assert_eq!(st.evicted_articles, 8);
        assert!(v.article("a9").is_some() && v.article("a0").is_none());
        assert!(v.story("s9").is_some() && v.story("s0").is_none());
        assert!(
            v.members.len() <= 4,
            "members of dropped stories are dropped too"
        );
    }

    #[test]
    fn segments_follow_byte_offsets_and_skip_bad_ones() {
        let mut a = article("a", "s", "en", 1);
        a.text = "¡Baukele! y Bukele".into();
        let start = "¡".len();
        a.entities[0].mentions = vec![
            Mention {
                start,
                end: start + 7,
                surface: "Baukele".into(),
            },
            Mention {
                start: start + 2,
                end: start + 4,
                surface: "uk".into(),
            },
            Mention {
                start: 1,
                end: 3,
                surface: "bad".into(),
            },
            Mention {
                start: 100,
                end: 107,
                surface: "out".into(),
            },
        ];
        let s = segments(&a);
        let texts: Vec<(&str, bool)> = s
            .iter()
            .map(|x| (x.text.as_str(), x.entity.is_some()))
            .collect();
        assert_eq!(
            texts,
            [("¡", false), ("Baukele", true), ("! y Bukele", false)]
        );
        assert!(shows_canonical("Baukele", "Nayib Bukele"));
        assert!(!shows_canonical("Bukele", "Nayib Bukele"));
        assert!(!shows_canonical("U.S.", "United States"));
        assert!(!shows_canonical("TDA", "Tren de Aragua"));
        assert!(shows_canonical("Sikot", "CECOT"));
        assert!(shows_canonical("Us", "United States"));
    }

    #[test]
    fn claim_events_are_read_leniently() {
        let ev = claim_events(br#"{"claims":[{"event":"freed"},{},{"event":3}]}"#);
        assert_eq!(ev, [Some("freed".to_string()), None, None]);
        assert!(claim_events(b"[]").is_empty());
    }

    #[test]
    fn extras_are_read_leniently() {
        let e = ArticleExtras::from_body(
            br#"{"published_from":{"source":"text","confidence":0.6},"confidence":"x"}"#,
        );
        assert_eq!(e.published_from.map(|p| p.source), Some("text".into()));
        assert!(e.confidence.is_none());
        let e = ArticleExtras::from_body(br#"{"published_from":7}"#);
        assert!(e.published_from.is_none());
    }
}
