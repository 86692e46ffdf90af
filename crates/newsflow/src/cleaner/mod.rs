//! The cleaner component: raw documents from the raw topic → clean articles on the clean topic,
//! through the cleaner crate's plain function. The same code runs in `newsflow clean`.

use std::future::Future;
use std::sync::Arc;

use anyhow::Result;
use bus::{Output, Stage, StageError};
use model::RawArticle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use telemetry::{CounterFamily, InternalEvent, Register, Registry};

use crate::events::ArticleCleaned;
use crate::{observe, Context};

/// Run the cleaner alone against `kafka.brokers` until `shutdown`.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    crate::run_alone(cfg, shutdown, serve).await
}

/// Run the cleaner's worker in `ctx` until `shutdown`.
pub async fn serve(ctx: Context, shutdown: CancellationToken) -> Result<()> {
    let topics = ctx.cfg.topics();
    let counts = Arc::new(CleanerCounts::default());
    let stage = CleanerStage {
        clean_topic: topics.clean.clone(),
        counts: counts.clone(),
    };
    let stats = Arc::new(bus::WorkerStats::default());
    ctx.obs.register(|r| {
        stats.register("cleaner", r);
        counts.register(r);
    });
    observe::add_worker_checks(&ctx.obs, "cleaner", &stats);
    bus::run_worker(
        &ctx.kafka(),
        &ctx.worker_options(&topics.raw, "cleaner"),
        stage,
        stats,
        shutdown,
    )
    .await?;
    Ok(())
}

/// What the cleaner made of its input, for metrics.
#[derive(Debug, Default)]
pub struct CleanerCounts {
    /// Articles by outcome (`ok`, `too_short`, ...).
    pub outcomes: CounterFamily,
    /// Text repairs by kind.
    pub repairs: CounterFamily,
}

impl Register for CleanerCounts {
    fn register(&self, r: &mut Registry) {
        r.register(
            "newsflow_cleaner_outcomes",
            "Cleaned documents by outcome",
            self.outcomes.clone(),
        );
        r.register(
            "newsflow_cleaner_repairs",
            "Text repairs made, by kind",
            self.repairs.clone(),
        );
    }
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
        ArticleCleaned {
            counts: &self.counts,
            article: &clean,
        }
        .emit();
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
