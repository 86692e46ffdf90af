//! The cleaner and enricher as worker stages: decode the input contract, call the stage's plain
//! function, encode the output contract. The same code runs in `newsflow clean` / `enrich`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bus::{Output, Stage, StageError};
use enricher::{Decision, Enricher};
use model::{CleanArticle, RawArticle};

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

/// What the enricher did, for metrics.
#[derive(Debug, Default)]
pub struct EnricherCounts {
    /// Articles published to the enriched topic.
    pub enriched: AtomicU64,
    /// Published articles that are a new revision of a known id.
    pub revisions: AtomicU64,
    /// Published articles whose text equals another article's.
    pub exact_duplicates: AtomicU64,
    /// Articles skipped because the same id and hash were enriched before.
    pub already_enriched: AtomicU64,
}

/// Clean article → enriched article, once per (id, content hash).
pub struct EnricherStage {
    /// Enrichment state.
    pub enricher: Enricher,
    /// Output topic.
    pub enriched_topic: String,
    /// What was done, for metrics.
    pub counts: Arc<EnricherCounts>,
}

impl Stage for EnricherStage {
    fn name(&self) -> &'static str {
        "enricher"
    }

    fn process(&mut self, _key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let clean: CleanArticle = model::decode(payload)?;
        match self.enricher.enrich(&clean) {
            Decision::Publish(a) => {
                self.counts.enriched.fetch_add(1, Ordering::Relaxed);
                if a.revision > 1 {
                    self.counts.revisions.fetch_add(1, Ordering::Relaxed);
                }
                if a.duplicate_of.is_some() {
                    self.counts.exact_duplicates.fetch_add(1, Ordering::Relaxed);
                }
                tracing::info!(
                    article_id = %a.article_id,
                    title = %a.title,
                    language = %a.language.code,
                    entities = a.entities.len(),
                    revision = a.revision,
                    duplicate_of = a.duplicate_of.as_deref().unwrap_or(""),
                    "article enriched"
                );
                Ok(vec![Output {
                    topic: self.enriched_topic.clone(),
                    key: a.article_id.clone(),
                    payload: model::encode(a.as_ref()),
                }])
            }
            Decision::AlreadyEnriched {
                article_id,
                revision,
            } => {
                self.counts.already_enriched.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(article_id, revision, "already enriched");
                Ok(Vec::new())
            }
        }
    }
}
