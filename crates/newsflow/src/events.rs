//! The stages' observable outcomes: each writes its log line and bumps its counter together.

use model::{CleanArticle, EnrichedArticle, StoryEvent};
use telemetry::prometheus_client::metrics::counter::Counter;
use telemetry::{label, InternalEvent};

use crate::cleaner::{outcome_name, CleanerCounts};
use crate::story::StoryCounts;

/// The cleaner judged a document (`newsflow_cleaner_outcomes_total{outcome}`) and repaired its
/// text (`newsflow_cleaner_repairs_total{kind}`).
pub struct ArticleCleaned<'a> {
    /// Where it is counted.
    pub counts: &'a CleanerCounts,
    /// The result.
    pub article: &'a CleanArticle,
}

impl InternalEvent for ArticleCleaned<'_> {
    fn emit(self) {
        let a = self.article;
        let outcome = outcome_name(&a.outcome);
        tracing::debug!(article_id = %a.article_id, outcome = %outcome, paragraphs = a.paragraphs.len(), repairs = a.repairs.len(), "article cleaned");
        self.counts
            .outcomes
            .get_or_create(&label("outcome", outcome))
            .inc();
        for r in &a.repairs {
            self.counts
                .repairs
                .get_or_create(&label("kind", r.kind.as_str()))
                .inc();
        }
    }
}

/// The enricher skipped an input it enriched before with the same text.
pub struct AlreadyEnriched<'a> {
    /// `newsflow_enricher_already_enriched_total`.
    pub counter: &'a Counter,
    /// The article.
    pub article_id: &'a str,
    /// Its revision.
    pub revision: u32,
}

impl InternalEvent for AlreadyEnriched<'_> {
    fn emit(self) {
        tracing::debug!(
            article_id = self.article_id,
            revision = self.revision,
            "already enriched"
        );
        self.counter.inc();
    }
}

/// The story stage published an article to the enriched topic
/// (`newsflow_enricher_enriched_total`, `_revisions_total`, `_duplicates_total{kind}`).
pub struct ArticleEnriched<'a> {
    /// Where it is counted.
    pub counts: &'a StoryCounts,
    /// The article as published.
    pub article: &'a EnrichedArticle,
}

impl InternalEvent for ArticleEnriched<'_> {
    fn emit(self) {
        let a = self.article;
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
        let c = self.counts;
        c.enriched.inc();
        if a.revision > 1 {
            c.revisions.inc();
        }
        let duplicate = if a.duplicate_of.is_some() {
            Some("exact")
        } else if a.near_duplicate_of.is_some() {
            Some("near")
        } else {
            None
        };
        if let Some(kind) = duplicate {
            c.duplicates.get_or_create(&label("kind", kind)).inc();
        }
    }
}

/// An earlier article moved to another story by a later one's evidence; its record is published
/// again (`newsflow_enricher_moved_total`).
pub struct ArticleMoved<'a> {
    /// Where it is counted.
    pub counts: &'a StoryCounts,
    /// The moved article's record, carrying its new story.
    pub article: &'a EnrichedArticle,
}

impl InternalEvent for ArticleMoved<'_> {
    fn emit(self) {
        let a = self.article;
        tracing::info!(
            article_id = %a.article_id,
            story_id = a.story_id.as_deref().unwrap_or(""),
            "article moved to another story"
        );
        self.counts.moved.inc();
    }
}

/// A story was created, updated or merged (`newsflow_stories_events_total{change}`).
pub struct StoryChanged<'a> {
    /// Where it is counted.
    pub counts: &'a StoryCounts,
    /// The event published.
    pub event: &'a StoryEvent,
}

impl InternalEvent for StoryChanged<'_> {
    fn emit(self) {
        let ev = self.event;
        tracing::info!(story_id = %ev.story_id, change = ?ev.change, version = ev.version, articles = ev.article_ids.len(), title = %ev.title, "story event");
        let change = format!("{:?}", ev.change).to_lowercase();
        self.counts
            .events
            .get_or_create(&label("change", change))
            .inc();
    }
}

/// The story stage skipped an article it assigned before.
pub struct AlreadyAssigned<'a> {
    /// `newsflow_stories_already_assigned_total`.
    pub counter: &'a Counter,
    /// The article.
    pub article_id: &'a str,
    /// Its story.
    pub story_id: &'a str,
}

impl InternalEvent for AlreadyAssigned<'_> {
    fn emit(self) {
        tracing::debug!(
            article_id = self.article_id,
            story_id = self.story_id,
            "story already assigned"
        );
        self.counter.inc();
    }
}

/// An edited config was refused; the running one stays
/// (`newsflow_fetcher_config_reload_failures_total`).
pub struct ConfigEditRefused<'a> {
    /// Where it is counted.
    pub stats: &'a fetcher::FetcherStats,
    /// The config file.
    pub file: &'a std::path::Path,
    /// Why it was refused.
    pub error: &'a anyhow::Error,
}

impl InternalEvent for ConfigEditRefused<'_> {
    fn emit(self) {
        tracing::error!(
            file = %self.file.display(),
            error = format!("{:#}", self.error),
            "config edit refused, the running config stays"
        );
        self.stats.config_reload_failures.inc();
    }
}
