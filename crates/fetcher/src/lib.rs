//! The fetcher: finds articles in the configured sources (seed directory, RSS/Atom/JSON feeds),
//! fetches their pages and hands them to a [`Sink`]. Knows nothing of Kafka: the binary supplies a
//! sink that publishes and remembers what was published.

mod conditional;
mod discover;
mod feeds;
mod files;
mod http;
mod politeness;
mod reload;
mod robots;
mod safety;
mod schedule;
mod state;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use model::{DeadLetter, RawArticle};
use tokio_util::sync::CancellationToken;

pub use conditional::{judge, plan, record_full, Judgement, Plan};
pub use discover::{alternate_feeds, canonical_link, common_paths, COMMON_FEED_PATHS};
pub use feeds::{entries_of, parse_feed, FeedEntry, FeedError};
pub use files::{content_type_of, is_settled, scan_dir, FileArticle, FileSeen};
pub use http::{
    decode_body, parse_http_date, response_meta, Fetched, HttpClient, HttpError, HttpOptions, Page,
    Purpose, ResponseMeta, Validators,
};
pub use politeness::{host_key, next_slot, HostGate, Permit, MAX_HOST_DELAY};
pub use reload::{diff, host_partition, owned_feeds, Changes, FeedList};
pub use robots::{agent_token, rules_from, verdict, RobotsCache, Rules, Verdict};
pub use safety::{
    classify, effective, AddressClass, AddressPolicy, FeedAccess, GuardedResolver, Origin, Refusal,
    Refused, METADATA_ADDRESSES,
};
pub use schedule::{next_delay, publishing_interval, syndication_period, Bounds, Hints};
pub use state::{FeedState, SeenEntry, SeenState, StoredState};

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
    /// Save a feed's state (validators, schedule, health) after a poll.
    fn save_feed(&self, state: FeedState) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// One configured feed.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedSpec {
    /// Name used in logs, metrics and `source.name`.
    pub name: String,
    /// Feed URL (RSS 2.0, Atom or JSON Feed); may carry credentials, used for fetching only.
    pub url: String,
    /// Poll interval when no publishing rate is known (or always, when not adaptive).
    pub interval: Duration,
    /// Follow the feed's observed publishing rate; false when the config fixes `interval_secs`.
    pub adaptive: bool,
    /// Non-public addresses this feed's own host may have.
    pub access: FeedAccess,
}

impl std::fmt::Debug for FeedSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedSpec")
            .field("name", &self.name)
            .field("url", &model::redact_url(&self.url))
            .field("interval", &self.interval)
            .field("adaptive", &self.adaptive)
            .field("access", &self.access)
            .finish()
    }
}

/// Feed scheduling settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Bounds of every poll delay.
    pub bounds: Bounds,
    /// Every this many polls a feed with validators is fetched unconditionally to check them.
    pub validator_check_every: u32,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            bounds: Bounds {
                min: Duration::from_secs(60),
                max: Duration::from_secs(86_400),
            },
            validator_check_every: 10,
        }
    }
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
    /// Feed scheduling.
    pub poll: PollOptions,
    /// Version of the config, written into every message.
    pub config_version: String,
}

/// Counters of fetcher outcomes, exported as `newsflow_fetcher_<field>_total`, and the state of
/// every running feed.
#[derive(Debug, Default)]
pub struct FetcherStats {
    /// Articles published.
    pub published: AtomicU64,
    /// Entries skipped because they were published before.
    pub unchanged: AtomicU64,
    /// Feed polls done.
    pub polls: AtomicU64,
    /// Feed polls answered 304 Not Modified.
    pub not_modified: AtomicU64,
    /// Feeds whose validators stopped being trusted (same validators, changed body).
    pub validators_distrusted: AtomicU64,
    /// Fetch failures that will be retried.
    pub errors: AtomicU64,
    /// Answers 429/503 with `Retry-After` that slowed a host down.
    pub throttled: AtomicU64,
    /// Article pages not fetched because robots.txt disallows them.
    pub robots_denied: AtomicU64,
    /// Fetches refused by the address policy, by reason (address class or scheme).
    pub refused: Refusals,
    /// Articles reached through a second link and recognised by their canonical URL.
    pub duplicates: AtomicU64,
    /// Feeds found by autodiscovery from a site URL.
    pub discovered: AtomicU64,
    /// Permanent failures sent to the dead-letter topic.
    pub dead_lettered: AtomicU64,
    /// Feed list changes applied without a restart.
    pub config_reloads: AtomicU64,
    /// Edited configs refused (the previous config keeps running).
    pub config_reload_failures: AtomicU64,
    /// Whether the config on disk was refused at its last check (cleared by a valid edit).
    pub config_refused: std::sync::atomic::AtomicBool,
    /// State of each running feed, by name.
    pub feeds: Mutex<BTreeMap<String, FeedState>>,
}

impl FetcherStats {
    /// Add one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot of every running feed's state.
    pub fn feed_states(&self) -> Vec<FeedState> {
        self.lock_feeds().values().cloned().collect()
    }

    fn lock_feeds(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, FeedState>> {
        self.feeds.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_feed(&self, st: FeedState) {
        self.lock_feeds().insert(st.name.clone(), st);
    }
}

/// Counts of refused fetches by [`Refusal`], exported as
/// `newsflow_fetcher_refused_total{reason=...}`.
#[derive(Debug, Default)]
pub struct Refusals(Mutex<BTreeMap<Refusal, u64>>);

impl Refusals {
    /// Count one refusal.
    pub fn bump(&self, kind: Refusal) {
        *self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind)
            .or_default() += 1;
    }

    /// Each reason label with its count, every reason listed (0 until seen) so that rates
    /// start from zero.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Refusal::ALL
            .iter()
            .map(|k| (k.label(), seen.get(k).copied().unwrap_or(0)))
            .collect()
    }

    /// All refusals.
    pub fn total(&self) -> u64 {
        self.snapshot().iter().map(|(_, n)| n).sum()
    }
}

/// The config version in force, written into every message.
#[derive(Debug, Default)]
pub struct ConfigVersion(RwLock<String>);

impl ConfigVersion {
    /// The current version.
    pub fn get(&self) -> String {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, v: &str) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = v.to_string();
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

/// What every source task shares.
pub(crate) struct Ctx<S> {
    pub client: HttpClient,
    pub sink: Arc<S>,
    pub seen: Arc<tokio::sync::Mutex<SeenState>>,
    pub stats: Arc<FetcherStats>,
    pub version: Arc<ConfigVersion>,
    pub poll: PollOptions,
}

/// Run every source until `shutdown` fires; each new feed list sent on `updates` stops and starts
/// only the feeds that changed.
pub async fn run_with_updates<S: Sink>(
    cfg: FetcherConfig,
    state: StoredState,
    sink: Arc<S>,
    stats: Arc<FetcherStats>,
    mut updates: tokio::sync::watch::Receiver<FeedList>,
    shutdown: CancellationToken,
) -> Result<(), HttpError> {
    let client = HttpClient::new(&cfg.http)?;
    let version = Arc::new(ConfigVersion::default());
    version.set(&cfg.config_version);
    let ctx = Arc::new(Ctx {
        client,
        sink,
        seen: Arc::new(tokio::sync::Mutex::new(state.seen)),
        stats,
        version,
        poll: cfg.poll,
    });
    let stored = Arc::new(Mutex::new(state.feeds));
    let mut tasks = tokio::task::JoinSet::new();
    for dir in cfg.dirs.clone() {
        let (ctx, shutdown) = (ctx.clone(), shutdown.clone());
        tasks.spawn(async move { files::watch_dir(dir, ctx, shutdown).await });
    }
    let mut running: HashMap<String, (FeedSpec, CancellationToken)> = HashMap::new();
    let first = updates.borrow_and_update().clone();
    let apply = |list: FeedList,
                 running: &mut HashMap<String, (FeedSpec, CancellationToken)>,
                 tasks: &mut tokio::task::JoinSet<()>| {
        ctx.version.set(&list.version);
        let mut stored = stored.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = &list.refreshed {
            for (name, st) in &r.feeds {
                if !running.contains_key(name) {
                    stored.insert(name.clone(), st.clone());
                }
            }
        }
        let specs: HashMap<String, FeedSpec> = running
            .iter()
            .map(|(k, (s, _))| (k.clone(), s.clone()))
            .collect();
        let changes = diff(&specs, &list.feeds);
        for name in &changes.stop {
            if let Some((_, token)) = running.remove(name) {
                token.cancel();
            }
            if let Some(st) = ctx.stats.lock_feeds().remove(name) {
                stored.insert(name.clone(), st);
            }
        }
        for spec in &changes.start {
            let mut st = stored
                .remove(&spec.name)
                .unwrap_or_else(|| FeedState::new(&spec.name, &spec.url));
            if changes.stop.contains(&spec.name) {
                // A changed feed is polled at once under its new settings.
                st.next_poll = None;
            }
            let token = shutdown.child_token();
            running.insert(spec.name.clone(), (spec.clone(), token.clone()));
            let (ctx, spec) = (ctx.clone(), spec.clone());
            tasks.spawn(async move { feeds::poll_loop(spec, st, ctx, token).await });
        }
        if !changes.is_empty() {
            tracing::info!(
                version = %list.version,
                stopped = changes.stop.len(),
                started = changes.start.len(),
                running = running.len(),
                "feed list applied"
            );
        }
        changes
    };
    apply(first, &mut running, &mut tasks);
    let mut listening = true;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            changed = updates.changed(), if listening => match changed {
                Ok(()) => {
                    let list = updates.borrow_and_update().clone();
                    if let Some(r) = &list.refreshed {
                        ctx.seen.lock().await.merge(&r.seen);
                    }
                    apply(list, &mut running, &mut tasks);
                    FetcherStats::bump(&ctx.stats.config_reloads);
                }
                Err(_) => listening = false,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}
