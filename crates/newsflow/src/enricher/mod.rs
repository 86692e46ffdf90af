//! The enricher component: per-article work (language, entities, claims, keywords, summary,
//! relevance) on the partitioned clean topic, so instances split it, handing each article to the
//! [story step](crate::story) through its single-partition input topic. `newsflow enricher` runs
//! both steps.

use std::future::Future;
use std::sync::Arc;

use anyhow::Result;
use bus::{Output, Stage, StageError};
use enricher::{Decision, Enricher};
use model::CleanArticle;
use telemetry::prometheus_client::metrics::counter::Counter;
use telemetry::InternalEvent;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::events::AlreadyEnriched;
use crate::{observe, story, Context};

/// Run the enricher (both steps) alone against `kafka.brokers` until `shutdown`.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    crate::run_alone(cfg, shutdown, serve).await
}

/// Run the enricher's per-article step and its story step in `ctx` until `shutdown`.
pub async fn serve(ctx: Context, shutdown: CancellationToken) -> Result<()> {
    let (gazetteer, tracker) = ctx.cfg.gazetteer()?;
    // The enriched topic is the enricher's memory too (revisions): it is read once, by the story
    // step's rebuild, which hands every article here as well. Each attempt starts afresh.
    let Some((e, step)) = story::prepare(
        &ctx,
        &shutdown,
        || Enricher::with_tracked(gazetteer.clone(), tracker.clone()),
        |e, a| e.observe(a),
    )
    .await?
    else {
        return Ok(());
    };
    tracing::info!(known = e.known_articles(), "enricher state rebuilt");
    let already_enriched = Counter::default();
    ctx.obs.register(|r| {
        r.register(
            "newsflow_enricher_already_enriched",
            "Inputs skipped because the same id and text were enriched before",
            already_enriched.clone(),
        );
        r.register(
            "newsflow_stories_already_assigned",
            "Articles skipped by the story stage because they were assigned before",
            step.already_assigned.clone(),
        );
    });
    let topics = ctx.cfg.topics();
    let stage = EnricherStage {
        enricher: e,
        assign_topic: topics.assign.clone(),
        already_enriched,
    };
    let stats = Arc::new(bus::WorkerStats::default());
    ctx.obs.register(|r| stats.register("enricher", r));
    // Only the enricher's own partitions count for readiness: the story partition is owned by one
    // instance at a time, the others stand by.
    observe::add_worker_checks(&ctx.obs, "enricher", &stats);
    let settings = ctx.kafka();
    let options = ctx.worker_options(&topics.clean, "enricher");
    let (r1, r2) = tokio::join!(
        bus::run_worker(&settings, &options, stage, stats, shutdown.clone()),
        story::serve(&ctx, step, shutdown.clone())
    );
    r1?;
    r2?;
    Ok(())
}

/// Clean article → enriched article without story, once per (id, content hash), to the story
/// stage's input topic.
pub struct EnricherStage {
    /// Enrichment state.
    pub enricher: Enricher,
    /// Output topic: the story stage's input.
    pub assign_topic: String,
    /// Articles skipped because the same id and hash were enriched before
    /// (`newsflow_enricher_already_enriched_total`).
    pub already_enriched: Counter,
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
                AlreadyEnriched {
                    counter: &self.already_enriched,
                    article_id: &article_id,
                    revision,
                }
                .emit();
                Ok(Vec::new())
            }
        }
    }
}
