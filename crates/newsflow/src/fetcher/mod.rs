//! The fetcher component: the fetcher crate's sources and HTTP, publishing to the raw topic
//! through [`sink::KafkaSink`], with hot reload of the feed list and, with `fetcher.scale_out`,
//! the feeds shared between instances ([`feeds`]).

pub mod feeds;
pub mod sink;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio_util::sync::CancellationToken;

pub use feeds::AddressOverrides;

use crate::config::{Config, Sharing};
use crate::Context;

/// Run the fetcher alone against `kafka.brokers` until `shutdown`.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    crate::run_alone(cfg, shutdown, serve).await
}

/// Run the fetcher in `ctx` until `shutdown`: load its state from the state topic, then poll
/// the configured sources, applying edits of the config file it was read from.
pub async fn serve(ctx: Context, shutdown: CancellationToken) -> Result<()> {
    let cfg = &ctx.cfg;
    let settings = ctx.kafka();
    let topics = cfg.topics();
    let Some(state) = crate::startup::until_broker_answers("fetcher state", &shutdown, || async {
        Ok(sink::load_state(&settings, &topics).await?)
    })
    .await?
    else {
        return Ok(());
    };
    tracing::info!(
        seen = state.seen.len(),
        feeds = state.feeds.len(),
        "fetcher state loaded"
    );
    let sink = Arc::new(sink::KafkaSink::new(
        &settings,
        topics,
        cfg.max_message_bytes(),
    )?);
    let stats = Arc::new(fetcher::FetcherStats::default());
    let obs = &ctx.obs;
    obs.register(|r| stats.register(r));
    let s = stats.clone();
    obs.add_check("fetcher_config_valid", move || {
        !s.config_refused.load(std::sync::atomic::Ordering::Relaxed)
    });
    let overrides = AddressOverrides::new(cfg);
    obs.register(|r| overrides.register(r));
    let o = overrides.clone();
    obs.add_note("fetcher_address_override", move || o.describe());
    let (config_tx, config_rx) = tokio::sync::watch::channel(cfg.feed_list()?);
    // The built-in configuration has no file to watch.
    let watcher = cfg.source.clone().map(|path| {
        tokio::spawn(feeds::watch_config(
            path,
            (**cfg).clone(),
            config_tx,
            stats.clone(),
            overrides,
            shutdown.clone(),
        ))
    });
    let (rx, member) = match cfg.fetcher.sharing()? {
        Sharing::Alone => (config_rx, None),
        Sharing::Shared {
            partitions,
            session_timeout,
        } => {
            let (rx, member) = feeds::share_feeds(
                cfg,
                &settings,
                partitions,
                session_timeout,
                config_rx,
                shutdown.clone(),
            )
            .await?;
            (rx, Some(member))
        }
    };
    fetcher::run_with_updates(cfg.fetcher()?, state, sink.clone(), stats, rx, shutdown).await?;
    if let Some(m) = member {
        // Leave the group so that the other instances take the feeds over at once.
        let _ = tokio::time::timeout(Duration::from_secs(15), m).await;
    }
    if let Some(w) = watcher {
        w.abort();
    }
    sink.flush();
    Ok(())
}
