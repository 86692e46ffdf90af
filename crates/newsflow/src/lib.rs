//! newsflow as a library: the whole pipeline and each component as `run(config, shutdown)`, in
//! the style of mini-redis's `server::run(listener, shutdown)`. The caller decides when to stop:
//! the binary passes SIGINT/SIGTERM, tests pass their own future.
//!
//! One folder per component: [`fetcher`], [`cleaner`], [`enricher`], [`story`] (the story step
//! of the enricher), [`web`]. [`topology`] names every topic with its layout, [`config`] is the
//! configuration and its reference, [`observe`] the metrics and health endpoints.

pub mod cleaner;
pub mod config;
pub mod demo;
pub mod enricher;
pub mod events;
pub mod fetcher;
pub mod files;
pub mod observe;
pub mod replay;
pub mod startup;
pub mod story;
pub mod tail;
pub mod topology;
pub mod web;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio_util::sync::CancellationToken;

use config::Config;
use observe::Observer;

/// A token cancelled when `shutdown` completes; components stop when it is.
pub fn stop_on(shutdown: impl Future<Output = ()> + Send + 'static) -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown => t.cancel(),
            // Nothing left to stop once the token was cancelled another way.
            _ = t.cancelled() => {}
        }
    });
    token
}

/// `kafka.brokers`, refused when empty (only the whole pipeline starts a local broker).
pub fn require_brokers(cfg: &Config) -> Result<String> {
    anyhow::ensure!(
        !cfg.kafka.brokers.trim().is_empty(),
        "kafka.brokers is empty: set it in the config or NEWSFLOW__KAFKA__BROKERS (only `newsflow run` starts a local broker)"
    );
    Ok(cfg.kafka.brokers.clone())
}

/// What every long-lived component runs with: the configuration, the cluster and the observer
/// its metrics and health checks go to.
#[derive(Clone)]
pub struct Context {
    /// The configuration.
    pub cfg: Arc<Config>,
    /// `host:port,...` of the cluster.
    pub brokers: String,
    /// Metrics and health checks.
    pub obs: Arc<Observer>,
}

impl Context {
    /// A context for `cfg` against `brokers` whose observer (HTTP endpoints when configured, and
    /// a broker probe) runs until `shutdown`.
    pub fn start(cfg: Arc<Config>, brokers: String, shutdown: &CancellationToken) -> Self {
        let obs = start_observer(&cfg, &brokers, shutdown);
        Self { cfg, brokers, obs }
    }

    /// Kafka client settings.
    pub fn kafka(&self) -> bus::KafkaSettings {
        self.cfg.kafka(&self.brokers)
    }

    /// Worker loop options for `stage` reading `input`.
    pub fn worker_options(&self, input: &str, stage: &str) -> bus::WorkerOptions {
        let cfg = &self.cfg;
        bus::WorkerOptions {
            input: input.to_string(),
            group: format!("{}-{stage}", cfg.pipeline.group_prefix),
            dlq: cfg.topics().dlq,
            max_in_flight: cfg.worker.max_in_flight,
            shutdown_timeout: cfg.worker.shutdown_timeout_secs.get(),
            max_message_bytes: cfg.max_message_bytes(),
        }
    }
}

/// Run one component alone against `kafka.brokers` until `shutdown`: the shared part of each
/// component's `run`.
pub(crate) async fn run_alone<F, Fut>(
    cfg: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
    component: F,
) -> Result<()>
where
    F: FnOnce(Context, CancellationToken) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let brokers = require_brokers(&cfg)?;
    let token = stop_on(shutdown);
    let ctx = Context::start(Arc::new(cfg), brokers, &token);
    let r = component(ctx, token.clone()).await;
    // Stops the observer's server and probe too.
    token.cancel();
    r
}

/// An observer whose HTTP server (if configured) and broker probe run until `shutdown`.
fn start_observer(cfg: &Config, brokers: &str, shutdown: &CancellationToken) -> Arc<Observer> {
    let obs = Observer::new();
    let listen = cfg.observability.listen.clone();
    if !listen.is_empty() {
        let (o, s) = (obs.clone(), shutdown.clone());
        tokio::spawn(async move {
            if let Err(e) = observe::serve(&listen, o, s.clone()).await {
                // Without its endpoints the worker would look dead to its supervisor: stop.
                tracing::error!(
                    error = format!("{e:#}"),
                    "health endpoints failed, stopping"
                );
                s.cancel();
            }
        });
    }
    // A metadata request with a short timeout notices a stalled broker within seconds, where
    // the clients' own connection state can take a minute.
    let health = bus::ClientHealth::new();
    let (settings, h, s) = (cfg.kafka(brokers), health.clone(), shutdown.clone());
    tokio::spawn(async move {
        if let Err(e) = bus::probe_broker(&settings, h, Duration::from_secs(5), s).await {
            tracing::warn!(error = %e, "broker probe failed to start");
        }
    });
    obs.register(|r| health.register(r));
    obs.add_check("broker_reachable", move || health.broker_up());
    obs
}

/// Create every topic of the configuration that does not exist yet.
pub async fn create_topics(cfg: &Config, brokers: &str) -> Result<()> {
    bus::ensure_topics(&cfg.kafka(brokers), &cfg.topology().all()).await?;
    Ok(())
}

/// The whole pipeline in one process until `shutdown`: fetcher, cleaner, enricher with its story
/// step, the demo feed when enabled and the web view on `web.listen`. Starts a local broker when
/// no brokers are configured, and stops it at the end.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let shutdown = stop_on(shutdown);
    let mut local = None;
    let brokers = if cfg.kafka.brokers.trim().is_empty() {
        let b = bus::LocalBroker::start(&bus::tansu_path()).await?;
        let brokers = b.brokers();
        tracing::info!(brokers = %brokers, "no brokers configured: started a local broker");
        local = Some(b);
        brokers
    } else {
        cfg.kafka.brokers.clone()
    };
    let result = run_on(cfg, brokers, shutdown.clone()).await;
    shutdown.cancel();
    if let Some(b) = local {
        b.stop().await;
        tracing::info!("local broker stopped");
    }
    result
}

async fn run_on(cfg: Config, brokers: String, shutdown: CancellationToken) -> Result<()> {
    let ctx = Context::start(Arc::new(cfg), brokers, &shutdown);
    let cfg = ctx.cfg.clone();
    if startup::until_broker_answers("topics", &shutdown, || create_topics(&cfg, &ctx.brokers))
        .await?
        .is_none()
    {
        return Ok(());
    }
    let mut tasks = tokio::task::JoinSet::new();
    if cfg.demo_feed.enabled {
        let (c, s) = (cfg.clone(), shutdown.clone());
        tasks.spawn(async move { demo::serve_config(&c, s).await.context("demo feed") });
    }
    if !cfg.web.listen.is_empty() {
        let (c, b, s) = (cfg.clone(), ctx.brokers.clone(), shutdown.clone());
        tasks.spawn(async move {
            // The view is a reader beside the pipeline: if it cannot serve (its port taken),
            // the pipeline goes on without it.
            if let Err(e) = web::serve(&c, &b, s).await {
                tracing::error!(
                    key = "web.listen",
                    error = format!("{e:#}"),
                    "web view not served, the pipeline goes on"
                );
            }
            Ok(())
        });
    }
    type Serve = fn(
        Context,
        CancellationToken,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send>>;
    let components: [(&'static str, Serve); 3] = [
        ("fetcher", |c, s| Box::pin(fetcher::serve(c, s))),
        ("cleaner", |c, s| Box::pin(cleaner::serve(c, s))),
        ("enricher", |c, s| Box::pin(enricher::serve(c, s))),
    ];
    for (name, serve) in components {
        let (c, s) = (ctx.clone(), shutdown.clone());
        tasks.spawn(async move {
            let obs = c.obs.clone();
            let r = serve(c, s).await.context(name);
            if r.is_err() {
                obs.stage_failed(name);
            }
            r
        });
    }
    let mut result = Ok(());
    while let Some(joined) = tasks.join_next().await {
        let r = joined.context("task panicked").and_then(|r| r);
        if let Err(e) = r {
            tracing::error!(error = format!("{e:#}"), "stage failed, stopping");
            shutdown.cancel();
            if result.is_ok() {
                result = Err(e);
            }
        }
    }
    result
}
