//! The fetcher: finds articles in the configured sources (seed directory, RSS/Atom/JSON feeds),
//! fetches their pages and hands them to a [`Sink`]. Knows nothing of Kafka: the binary supplies a
//! sink that publishes and remembers what was published.

mod feeds;
mod files;
mod http;
mod state;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use model::{DeadLetter, RawArticle};
use tokio_util::sync::CancellationToken;

pub use feeds::{entries_of, parse_feed, FeedEntry, FeedError};
pub use files::{scan_dir, FileArticle};
pub use http::{decode_body, HttpClient, HttpError, HttpOptions, Page};
pub use state::{SeenEntry, SeenState};

/// A sink failed; the fetcher retries later.
#[derive(Debug, thiserror::Error)]
#[error("sink: {0}")]
pub struct SinkError(pub String);

/// Where fetched articles go. Implemented over Kafka by the binary.
pub trait Sink: Send + Sync + 'static {
    /// Publish an article and return once it is durably accepted.
    fn publish(&self, article: RawArticle) -> impl Future<Output = Result<(), SinkError>> + Send;
    /// Remember that `entry` was published (after `publish` returned).
    fn mark_seen(&self, entry: SeenEntry) -> impl Future<Output = Result<(), SinkError>> + Send;
    /// Record a permanent failure (malformed feed, unusable page).
    fn dead_letter(&self, letter: DeadLetter)
        -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// One configured feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSpec {
    /// Name used in logs, metrics and `source.name`.
    pub name: String,
    /// Feed URL (RSS 2.0, Atom or JSON Feed).
    pub url: String,
    /// Poll interval.
    pub interval: Duration,
}

/// One configured directory of article files (seeds, inbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSpec {
    /// Source kind written into messages: `seed` or `inbox`.
    pub kind: String,
    /// Name used in logs and `source.name`.
    pub name: String,
    /// The directory.
    pub path: PathBuf,
    /// How often to look for new or changed files.
    pub rescan: Duration,
}

/// Everything the fetcher needs to run.
#[derive(Debug, Clone)]
pub struct FetcherConfig {
    /// Directories of article files.
    pub dirs: Vec<DirSpec>,
    /// Feeds.
    pub feeds: Vec<FeedSpec>,
    /// HTTP behaviour.
    pub http: HttpOptions,
    /// Version of the config, written into every message.
    pub config_version: String,
}

/// Counters of fetcher outcomes.
#[derive(Debug, Default)]
pub struct FetcherStats {
    /// Articles published.
    pub published: AtomicU64,
    /// Entries skipped because they were published before.
    pub unchanged: AtomicU64,
    /// Feed polls done.
    pub polls: AtomicU64,
    /// Fetch failures that will be retried.
    pub errors: AtomicU64,
    /// Permanent failures sent to the dead-letter topic.
    pub dead_lettered: AtomicU64,
}

impl FetcherStats {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Remember `entry` as published: durably through the sink, then in memory. A failed save is
/// logged; the worst outcome is that the entry is published once more after a restart.
pub(crate) async fn remember<S: Sink>(
    sink: &S,
    seen: &tokio::sync::Mutex<SeenState>,
    entry: SeenEntry,
) {
    if let Err(e) = sink.mark_seen(entry.clone()).await {
        tracing::warn!(key = %entry.key, error = %e, "saving fetcher state failed");
    }
    seen.lock().await.insert(entry);
}

/// Run every source until `shutdown` fires.
pub async fn run<S: Sink>(
    cfg: FetcherConfig,
    seen: SeenState,
    sink: Arc<S>,
    stats: Arc<FetcherStats>,
    shutdown: CancellationToken,
) -> Result<(), HttpError> {
    let client = HttpClient::new(&cfg.http)?;
    let seen = Arc::new(tokio::sync::Mutex::new(seen));
    let mut tasks = tokio::task::JoinSet::new();
    for dir in cfg.dirs.clone() {
        let ctx = (sink.clone(), seen.clone(), stats.clone(), shutdown.clone());
        let version = cfg.config_version.clone();
        tasks.spawn(async move {
            files::watch_dir(dir, version, ctx.0, ctx.1, ctx.2, ctx.3).await;
        });
    }
    for feed in cfg.feeds.clone() {
        let ctx = (sink.clone(), seen.clone(), stats.clone(), shutdown.clone());
        let client = client.clone();
        let version = cfg.config_version.clone();
        tasks.spawn(async move {
            feeds::poll_loop(feed, client, version, ctx.0, ctx.1, ctx.2, ctx.3).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}
