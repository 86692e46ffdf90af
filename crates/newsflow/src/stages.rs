//! The cleaner and enricher as worker stages: decode the input contract, call the stage's plain
//! function, encode the output contract. The same code runs in `newsflow clean` / `enrich`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bus::{Output, Stage, StageError};
use enricher::{Decision, Enricher};
use model::{CleanArticle, RawArticle};

/// Raw document → clean article.
pub struct CleanerStage {
    /// Output topic.
    pub clean_topic: String,
}

impl Stage for CleanerStage {
    fn name(&self) -> &'static str {
        "cleaner"
    }

    fn process(&mut self, _key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let raw: RawArticle = model::decode(payload)?;
        let clean = cleaner::clean(&raw);
        Ok(vec![Output {
            topic: self.clean_topic.clone(),
            key: clean.article_id.clone(),
            payload: model::encode(&clean),
        }])
    }
}

/// Clean article → enriched article, once per (id, content hash).
pub struct EnricherStage {
    /// Enrichment state.
    pub enricher: Enricher,
    /// Output topic.
    pub enriched_topic: String,
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
            Decision::Publish(a) => {
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
                self.already_enriched.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(article_id, revision, "already enriched");
                Ok(Vec::new())
            }
        }
    }
}
