//! The story step as a worker stage: assigns stories and marks duplicates. That depends on the
//! order of articles, so it reads a single-partition internal topic that exactly one member of
//! its group owns at a time. The same code runs in `newsflow enrich`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bus::{Output, Stage, StageError};
use enricher::{Assignment, StoryIndex};
use model::EnrichedArticle;

use telemetry::prometheus_client::metrics::counter::Counter;
use telemetry::{label, CounterFamily, InternalEvent, Register, Registry};

use crate::events::{AlreadyAssigned, ArticleEnriched, ArticleMoved, StoryChanged};

/// Something that brings the shared story index up to date with what other instances published
/// (see [`super::follow`]): called before the first message after a pause, when a partition may have
/// moved here from another instance.
pub trait CatchUp: Send + Sync {
    /// Block until the index has seen everything published so far; after a rebalance also what
    /// the broker's high watermark leaves out (the local broker reports the start of the last
    /// batch, and the previous owner's last batch is what would be published twice).
    fn catch_up(&self, resume: Resume);
}

/// Why the story stage catches its index up before the next message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// After a pause: what other instances published up to the high watermarks.
    AfterPause,
    /// After this consumer's partitions were reassigned: also the records past the reported
    /// watermark (the previous owner's last batch).
    AfterRebalance,
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
    /// Articles skipped because the same id and hash were assigned before
    /// (`newsflow_stories_already_assigned_total`).
    pub already_assigned: Counter,
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
    /// When the index was last regrouped ([`StoryIndex::regroup`]).
    pub regrouped: Option<Instant>,
    /// Whether to regroup when the input pauses (`enricher.story_regroup`; off until set).
    pub regroup_on_idle: bool,
}

/// What the story stage published, for metrics.
#[derive(Debug)]
pub struct StoryCounts {
    /// Articles published to the enriched topic.
    pub enriched: Counter,
    /// Published articles that are a new revision of a known id.
    pub revisions: Counter,
    /// Published articles marked as a duplicate of another, by `kind`: `exact` (same text) or
    /// `near` (a rewrite).
    pub duplicates: CounterFamily,
    /// Records published again because their article moved to another story.
    pub moved: Counter,
    /// Story events by change (`created`, `updated`, `merged`).
    pub events: CounterFamily,
}

impl Default for StoryCounts {
    fn default() -> Self {
        let duplicates = CounterFamily::default();
        // Both kinds listed from the start, so that rates start from zero.
        for kind in ["exact", "near"] {
            let _ = duplicates.get_or_create(&label("kind", kind));
        }
        Self {
            enriched: Counter::default(),
            revisions: Counter::default(),
            duplicates,
            moved: Counter::default(),
            events: CounterFamily::default(),
        }
    }
}

impl Register for StoryCounts {
    fn register(&self, r: &mut Registry) {
        r.register(
            "newsflow_enricher_enriched",
            "Articles published to the enriched topic",
            self.enriched.clone(),
        );
        r.register(
            "newsflow_enricher_revisions",
            "Published articles that are a new revision of a known id",
            self.revisions.clone(),
        );
        r.register(
            "newsflow_enricher_duplicates",
            "Published articles marked as duplicates of another, by kind",
            self.duplicates.clone(),
        );
        r.register(
            "newsflow_enricher_moved",
            "Records published again because their article moved to another story",
            self.moved.clone(),
        );
        r.register(
            "newsflow_stories_events",
            "Story events published, by change",
            self.events.clone(),
        );
    }
}

/// A pause after which another instance may have owned the story partition.
const IDLE: Duration = Duration::from_secs(2);
/// A pause in the input after which the story index is regrouped, so that the grouping of a
/// burst or a backfill does not depend on its order.
const REGROUP_PAUSE: Duration = Duration::from_secs(2);
/// Least time between two regroupings: a stream that pauses every few seconds regroups once a
/// minute, not at every pause (a regrouping assigns up to 20,000 recent articles again).
const REGROUP_EVERY: Duration = Duration::from_secs(60);

impl StoryStage {
    /// A story stage over `index` publishing to the topics of `topology`; no catch-up (this
    /// process is the only writer) until one is set.
    pub fn new(
        index: Arc<Mutex<StoryIndex>>,
        topology: &crate::topology::Topology,
        already_assigned: Counter,
        counts: Arc<StoryCounts>,
    ) -> Self {
        Self {
            index,
            enriched_topic: topology.topics.enriched.clone(),
            stories_topic: topology.topics.stories.clone(),
            tracked_topics: topology.tracked.clone(),
            already_assigned,
            catch_up: None,
            last: None,
            health: None,
            assignments_seen: 0,
            counts,
            regrouped: None,
            regroup_on_idle: false,
        }
    }
}

impl StoryStage {
    /// Regroup the index (see [`StoryIndex::regroup`]) if articles came since it last was: the
    /// moved articles' records and the story events to publish.
    pub fn regroup(&mut self) -> Vec<Output> {
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        if !index.needs_regroup() {
            return Vec::new();
        }
        let started = Instant::now();
        let r = index.regroup();
        drop(index);
        self.regrouped = Some(Instant::now());
        tracing::info!(
            moved = r.moved.len(),
            events = r.events.len(),
            ms = started.elapsed().as_millis() as u64,
            "stories regrouped"
        );
        let mut out = Vec::with_capacity(r.moved.len() + r.events.len());
        self.publish_changes(&r.moved, r.events, &mut out);
        out
    }

    /// Outputs for records of articles moved to another story (again under their ids, so that
    /// the latest record of each, which compaction keeps, carries its final story) and for
    /// story events.
    fn publish_changes(
        &self,
        moved: &[EnrichedArticle],
        events: Vec<model::StoryEvent>,
        out: &mut Vec<Output>,
    ) {
        for m in moved {
            ArticleMoved {
                counts: &self.counts,
                article: m,
            }
            .emit();
            out.push(Output {
                topic: self.enriched_topic.clone(),
                key: m.article_id.clone(),
                payload: model::encode(m),
            });
        }
        for ev in events {
            StoryChanged {
                counts: &self.counts,
                event: &ev,
            }
            .emit();
            out.push(Output {
                topic: self.stories_topic.clone(),
                key: ev.story_id.clone(),
                payload: model::encode(&ev),
            });
        }
    }
}

impl Stage for StoryStage {
    fn name(&self) -> &'static str {
        "stories"
    }

    fn idle_after(&self) -> Option<Duration> {
        if !self.regroup_on_idle {
            return None;
        }
        let wait = self.regrouped.map_or(Duration::ZERO, |t| {
            REGROUP_EVERY.saturating_sub(t.elapsed())
        });
        Some(wait.max(REGROUP_PAUSE))
    }

    fn idle(&mut self) -> Vec<Output> {
        self.regroup()
    }

    fn process(&mut self, _key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let article: EnrichedArticle = model::decode(payload)?;
        if let Some(c) = &self.catch_up {
            let assignments = self.health.as_ref().map_or(0, |h| h.assignments());
            let moved = assignments != self.assignments_seen;
            if moved || self.last.is_none_or(|t| t.elapsed() > IDLE) {
                c.catch_up(if moved {
                    Resume::AfterRebalance
                } else {
                    Resume::AfterPause
                });
                self.assignments_seen = assignments;
            }
        }
        self.last = Some(Instant::now());
        // A poisoned lock means a panic mid-update elsewhere; the index is still usable for
        // assignment, which re-checks everything it reads.
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        match index.assign(article) {
            Assignment::Assigned {
                article: a,
                events,
                moved,
            } => {
                ArticleEnriched {
                    counts: &self.counts,
                    article: &a,
                }
                .emit();
                let body = model::encode(a.as_ref());
                let mut out = vec![Output {
                    topic: self.enriched_topic.clone(),
                    key: a.article_id.clone(),
                    payload: body.clone(),
                }];
                // Earlier articles moved to another story by this one's evidence.
                self.publish_changes(&moved, events, &mut out);
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
                AlreadyAssigned {
                    counter: &self.already_assigned,
                    article_id: &article_id,
                    story_id: &story_id,
                }
                .emit();
                Ok(Vec::new())
            }
        }
    }
}
