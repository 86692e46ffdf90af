//! The cleaner and enricher as worker stages: decode the input contract, call the stage's plain
//! function, encode the output contract. The same code runs in `newsflow clean` / `enrich`.
//!
//! The enricher is two stages. [`EnricherStage`] does the per-article work (language, entities,
//! claims, keywords, summary, relevance) on the partitioned clean topic, so instances split it.
//! [`StoryStage`] assigns stories and marks duplicates; that depends on the order of articles, so
//! it reads a single-partition internal topic that exactly one member of its group owns at a time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bus::{Output, Stage, StageError};
use enricher::{Assignment, Decision, Enricher, StoryIndex};
use model::{CleanArticle, EnrichedArticle, RawArticle};

/// Counts by name (outcome, repair kind), for metrics with a label.
#[derive(Debug, Default)]
pub struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    /// Count one `name`.
    pub fn add(&self, name: &str) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(name.to_string()).or_default() += 1;
    }

    /// Every name with its count.
    pub fn snapshot(&self) -> Vec<(String, u64)> {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// What the cleaner made of its input, for metrics.
#[derive(Debug, Default)]
pub struct CleanerCounts {
    /// Articles by outcome (`ok`, `too_short`, ...).
    pub outcomes: Tally,
    /// Text repairs by kind.
    pub repairs: Tally,
}

/// Raw document → clean article.
pub struct CleanerStage {
    /// Output topic.
    pub clean_topic: String,
    /// Outcome and repair counts.
    pub counts: Arc<CleanerCounts>,
}

impl Stage for CleanerStage {
    fn name(&self) -> &'static str {
        "cleaner"
    }

    fn process(&mut self, _key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let raw: RawArticle = model::decode(payload)?;
        let clean = cleaner::clean(&raw);
        self.counts.outcomes.add(&outcome_name(&clean.outcome));
        for r in &clean.repairs {
            self.counts.repairs.add(&r.kind);
        }
        Ok(vec![Output {
            topic: self.clean_topic.clone(),
            key: clean.article_id.clone(),
            payload: model::encode(&clean),
        }])
    }
}

/// The outcome's name as it appears in messages (`ok`, `too_short`, ...).
pub fn outcome_name(o: &model::Outcome) -> String {
    serde_json::to_value(o)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{o:?}"))
}

/// Clean article → enriched article without story, once per (id, content hash), to the story
/// stage's input topic.
pub struct EnricherStage {
    /// Enrichment state.
    pub enricher: Enricher,
    /// Output topic: the story stage's input.
    pub assign_topic: String,
    /// Articles skipped because the same id and hash were enriched before.
    pub already_enriched: Arc<AtomicU64>,
}

impl Stage for EnricherStage {
    fn name(&self) -> &'static str {
        "enricher"
    }

    fn process(&mut self, _key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let clean: CleanArticle = model::decode(payload)?;
        match self.enricher.enrich(&clean) {
            Decision::Publish(a) => Ok(vec![Output {
                topic: self.assign_topic.clone(),
                key: a.article_id.clone(),
                payload: model::encode(a.as_ref()),
            }]),
            Decision::AlreadyEnriched {
                article_id,
                revision,
            } => {
                self.already_enriched.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(article_id, revision, "already enriched");
                Ok(Vec::new())
            }
        }
    }
}

/// Something that brings the shared story index up to date with what other instances published
/// (see `main.rs`): called before the first message after a pause, when a partition may have
/// moved here from another instance.
pub trait CatchUp: Send + Sync {
    /// Block until the index has seen everything published so far; after a rebalance also what
    /// the broker's high watermark leaves out (the local broker reports the start of the last
    /// batch, and the previous owner's last batch is what would be published twice).
    fn catch_up(&self, after_rebalance: bool);
}

/// Enriched article without story → enriched article with story and duplicate links, story
/// events, and copies for the topics of tracked stories it is relevant to.
pub struct StoryStage {
    /// The story index, shared with the follower that keeps a standby instance current.
    pub index: Arc<Mutex<StoryIndex>>,
    /// Enriched topic.
    pub enriched_topic: String,
    /// Story events topic.
    pub stories_topic: String,
    /// Tracked story name → topic for its relevant articles.
    pub tracked_topics: Vec<(String, String)>,
    /// Articles skipped because the same id and hash were assigned before.
    pub already_assigned: Arc<AtomicU64>,
    /// Catches the index up after a pause; `None` when this process is the only writer.
    pub catch_up: Option<Arc<dyn CatchUp>>,
    /// When the last message was processed.
    pub last: Option<Instant>,
    /// The story consumer's health, whose assignment count tells of a takeover.
    pub health: Option<Arc<bus::ClientHealth>>,
    /// Assignment count when the index was last caught up.
    pub assignments_seen: u64,
    /// What was published, for metrics.
    pub counts: Arc<StoryCounts>,
}

/// What the story stage published, for metrics.
#[derive(Debug, Default)]
pub struct StoryCounts {
    /// Articles published to the enriched topic.
    pub enriched: AtomicU64,
    /// Published articles that are a new revision of a known id.
    pub revisions: AtomicU64,
    /// Published articles marked as a copy of another (same text).
    pub exact_duplicates: AtomicU64,
    /// Published articles marked as a near-duplicate or rewrite of another.
    pub near_duplicates: AtomicU64,
    /// Story events by change (`created`, `updated`, `merged`).
    pub events: Tally,
}

/// A pause after which another instance may have owned the story partition.
const IDLE: Duration = Duration::from_secs(2);

impl Stage for StoryStage {
    fn name(&self) -> &'static str {
        "stories"
    }

    fn process(&mut self, _key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let article: EnrichedArticle = model::decode(payload)?;
        if let Some(c) = &self.catch_up {
            let assignments = self.health.as_ref().map_or(0, |h| h.assignments());
            let moved = assignments != self.assignments_seen;
            if moved || self.last.is_none_or(|t| t.elapsed() > IDLE) {
                c.catch_up(moved);
                self.assignments_seen = assignments;
            }
        }
        self.last = Some(Instant::now());
        // A poisoned lock means a panic mid-update elsewhere; the index is still usable for
        // assignment, which re-checks everything it reads.
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        match index.assign(article) {
            Assignment::Assigned { article: a, events } => {
                tracing::info!(
                    article_id = %a.article_id,
                    title = %a.title,
                    language = %a.language.code,
                    entities = a.entities.len(),
                    claims = a.claims.len(),
                    revision = a.revision,
                    story_id = a.story_id.as_deref().unwrap_or(""),
                    duplicate_of = a.duplicate_of.as_deref().unwrap_or(""),
                    near_duplicate_of = a.near_duplicate_of.as_ref().map(|n| n.article_id.as_str()).unwrap_or(""),
                    "article enriched"
                );
                let c = &self.counts;
                c.enriched.fetch_add(1, Ordering::Relaxed);
                if a.revision > 1 {
                    c.revisions.fetch_add(1, Ordering::Relaxed);
                }
                if a.duplicate_of.is_some() {
                    c.exact_duplicates.fetch_add(1, Ordering::Relaxed);
                } else if a.near_duplicate_of.is_some() {
                    c.near_duplicates.fetch_add(1, Ordering::Relaxed);
                }
                for ev in &events {
                    c.events.add(&format!("{:?}", ev.change).to_lowercase());
                }
                let body = model::encode(a.as_ref());
                let mut out = vec![Output {
                    topic: self.enriched_topic.clone(),
                    key: a.article_id.clone(),
                    payload: body.clone(),
                }];
                for ev in events {
                    tracing::info!(story_id = %ev.story_id, change = ?ev.change, version = ev.version, articles = ev.article_ids.len(), title = %ev.title, "story event");
                    out.push(Output {
                        topic: self.stories_topic.clone(),
                        key: ev.story_id.clone(),
                        payload: model::encode(&ev),
                    });
                }
                for r in a.relevance.iter().filter(|r| r.relevant) {
                    if let Some((_, topic)) =
                        self.tracked_topics.iter().find(|(n, _)| *n == r.tracked)
                    {
                        out.push(Output {
                            topic: topic.clone(),
                            key: a.article_id.clone(),
                            payload: body.clone(),
                        });
                    }
                }
                Ok(out)
            }
            Assignment::Known {
                article_id,
                story_id,
            } => {
                self.already_assigned.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(article_id, story_id, "story already assigned");
                Ok(Vec::new())
            }
        }
    }
}
