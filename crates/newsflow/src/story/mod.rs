//! The story step of the enricher: assigns stories and marks duplicates in arrival order, on the
//! single-partition `{prefix}.enricher.assign` topic. Its memory is the enriched and stories
//! topics: rebuilt from them at start, then followed, so that whichever instance owns the story
//! partition knows what every instance published before it.

pub mod follow;
mod stage;

use std::future::Future;
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result};
use enricher::StoryIndex;
use model::EnrichedArticle;
use tokio_util::sync::CancellationToken;

pub use follow::IndexFollower;
pub use stage::{CatchUp, Resume, StoryCounts, StoryStage};

use crate::config::Config;
use crate::Context;

/// The story step's state, rebuilt from the topics and ready to serve.
pub struct Prepared {
    index: Arc<Mutex<StoryIndex>>,
    follower: Arc<IndexFollower>,
    /// Articles skipped because the same id and hash were assigned before.
    pub already_assigned: telemetry::prometheus_client::metrics::counter::Counter,
}

/// Run the story step alone against `kafka.brokers` until `shutdown`.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    crate::run_alone(cfg, shutdown, |ctx, shutdown| async move {
        match prepare(&ctx, &shutdown, || (), |_, _| {}).await? {
            Some(((), step)) => serve(&ctx, step, shutdown).await,
            None => Ok(()),
        }
    })
    .await
}

/// Create the story step's topics and rebuild its index from the enriched and stories topics,
/// waiting while the broker does not answer. Each attempt starts from `fresh()`, which sees
/// every enriched article through `observe` too. `None` when `shutdown` came first.
pub async fn prepare<T>(
    ctx: &Context,
    shutdown: &CancellationToken,
    fresh: impl Fn() -> T,
    observe: impl Fn(&mut T, &EnrichedArticle),
) -> Result<Option<(T, Prepared)>> {
    let settings = ctx.kafka();
    let topology = ctx.cfg.topology();
    let mut specs = vec![topology.assign()];
    specs.extend(topology.tracked());
    let rebuilt = crate::startup::until_broker_answers("enricher state", shutdown, || async {
        bus::ensure_topics(&settings, &specs).await?;
        let mut t = fresh();
        let index = Arc::new(Mutex::new(StoryIndex::new(ctx.cfg.enricher.stories())));
        let follower =
            Arc::new(IndexFollower::open(&settings, &topology.topics, index.clone()).await?);
        follower
            .rebuild(|a| observe(&mut t, a))
            .await
            .context("rebuilding enricher state")?;
        Ok((t, index, follower))
    })
    .await?;
    Ok(rebuilt.map(|(t, index, follower)| {
        {
            let i = index.lock().unwrap_or_else(|p| p.into_inner());
            tracing::info!(
                stories = i.stories(),
                indexed_articles = i.articles(),
                "story index rebuilt"
            );
        }
        (
            t,
            Prepared {
                index,
                follower,
                already_assigned: Default::default(),
            },
        )
    }))
}

/// Run the story step's worker in `ctx` until `shutdown`, following the topics meanwhile.
pub async fn serve(ctx: &Context, step: Prepared, shutdown: CancellationToken) -> Result<()> {
    let following = tokio::spawn(step.follower.clone().follow(shutdown.clone()));
    let topology = ctx.cfg.topology();
    let counts = Arc::new(StoryCounts::default());
    ctx.obs
        .register(|r| telemetry::Register::register(counts.as_ref(), r));
    let stats = Arc::new(bus::WorkerStats::default());
    let mut stage = StoryStage::new(step.index, &topology, step.already_assigned, counts);
    stage.catch_up = Some(step.follower);
    stage.regroup_on_idle = ctx.cfg.enricher.story_regroup;
    stage.health = Some(stats.health.clone());
    ctx.obs.register(|r| stats.register("stories", r));
    let r = bus::run_worker(
        &ctx.kafka(),
        &ctx.worker_options(&topology.topics.assign, "enricher-stories"),
        stage,
        stats,
        shutdown,
    )
    .await;
    following.abort();
    r?;
    Ok(())
}
