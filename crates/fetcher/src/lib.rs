//! The fetcher: finds articles in the configured sources (seed directory, RSS/Atom/JSON feeds),
//! fetches their pages and hands them to a [`Sink`]. Knows nothing of Kafka: the `newsflow` library supplies a
//! sink (`newsflow::fetcher::sink::KafkaSink`) that publishes and remembers what was published.

mod conditional;
mod discover;
mod events;
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
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use model::{DeadLetter, RawArticle};
pub use telemetry::prometheus_client::metrics::counter::Counter;
use telemetry::InternalEvent;
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
pub use schedule::{next_delay, publishing_interval, syndication_period, Bounds, Cadence, Hints};
pub use state::{FeedState, SeenEntry, SeenState, StoredState};

/// A sink failed; the fetcher retries later. Keeps the cause and whether asking again may
/// succeed, so the caller need not guess from its text.
#[derive(Debug, thiserror::Error)]
#[error("sink: {source}")]
pub struct SinkError {
    source: Box<dyn std::error::Error + Send + Sync>,
    transient: bool,
}

impl SinkError {
    /// A failure that may go away (a broker timeout, a full queue).
    pub fn transient(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
            transient: true,
        }
    }

    /// A failure that asking again will not mend (a refused config, an unencodable value).
    pub fn permanent(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
            transient: false,
        }
    }

    /// Whether asking again may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }
}

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSpec {
    /// Name used in logs, metrics and `source.name`.
    pub name: String,
    /// Feed URL (RSS 2.0, Atom or JSON Feed); may carry credentials, shown redacted.
    pub url: model::SecretUrl,
    /// Poll interval, and whether the feed's observed publishing rate overrides it.
    pub cadence: Cadence,
    /// Non-public addresses this feed's own host may have.
    pub access: FeedAccess,
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
    pub kind: model::SourceKind,
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

/// Counters of fetcher outcomes, registered as `newsflow_fetcher_<field>_total`
/// ([`FetcherStats::register`]), and the state of every running feed.
#[derive(Debug, Default)]
pub struct FetcherStats {
    /// Articles published.
    pub published: Counter,
    /// Entries skipped because they were published before.
    pub unchanged: Counter,
    /// Feed polls done.
    pub polls: Counter,
    /// Feed polls answered 304 Not Modified.
    pub not_modified: Counter,
    /// Feeds whose validators stopped being trusted (same validators, changed body).
    pub validators_distrusted: Counter,
    /// Fetch failures that will be retried.
    pub errors: Counter,
    /// Answers 429/503 with `Retry-After` that slowed a host down.
    pub throttled: Counter,
    /// Article pages not fetched because robots.txt disallows them.
    pub robots_denied: Counter,
    /// Fetches refused by the address policy, by reason (address class or scheme).
    pub refused: Refusals,
    /// Articles reached through a second link and recognised by their canonical URL.
    pub duplicates: Counter,
    /// Feeds found by autodiscovery from a site URL.
    pub discovered: Counter,
    /// Permanent failures sent to the dead-letter topic.
    pub dead_lettered: Counter,
    /// Feed list changes applied without a restart.
    pub config_reloads: Counter,
    /// Edited configs refused (the previous config keeps running).
    pub config_reload_failures: Counter,
    /// Whether the config on disk was refused at its last check (cleared by a valid edit).
    pub config_refused: std::sync::atomic::AtomicBool,
    /// State of each running feed, by name.
    pub feeds: Mutex<BTreeMap<String, FeedState>>,
}

impl FetcherStats {
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

    /// Register the fetcher's metrics: its counters as `newsflow_fetcher_<what>_total`, refusals
    /// by reason, and each running feed's health (read at each scrape).
    pub fn register(self: &Arc<Self>, r: &mut telemetry::Registry) {
        let counters: [(&str, &str, &Counter); 13] = [
            (
                "published",
                "Articles published to the raw topic",
                &self.published,
            ),
            (
                "unchanged",
                "Entries skipped because they were published before",
                &self.unchanged,
            ),
            ("polls", "Feed polls done", &self.polls),
            (
                "not_modified",
                "Feed polls answered 304 Not Modified",
                &self.not_modified,
            ),
            (
                "validators_distrusted",
                "Feeds whose validators stopped being trusted",
                &self.validators_distrusted,
            ),
            (
                "errors",
                "Fetch failures that will be retried",
                &self.errors,
            ),
            (
                "throttled",
                "429/503 answers with Retry-After that slowed a host down",
                &self.throttled,
            ),
            (
                "robots_denied",
                "Article pages not fetched because robots.txt disallows them",
                &self.robots_denied,
            ),
            (
                "duplicates",
                "Articles reached through a second link, recognised by canonical URL",
                &self.duplicates,
            ),
            (
                "discovered",
                "Feeds found by autodiscovery",
                &self.discovered,
            ),
            (
                "dead_lettered",
                "Permanent failures sent to the dead-letter topic",
                &self.dead_lettered,
            ),
            (
                "config_reloads",
                "Feed list changes applied without a restart",
                &self.config_reloads,
            ),
            (
                "config_reload_failures",
                "Edited configs refused; the previous config keeps running",
                &self.config_reload_failures,
            ),
        ];
        for (what, help, c) in counters {
            r.register(format!("newsflow_fetcher_{what}"), help, c.clone());
        }
        r.register(
            "newsflow_fetcher_refused",
            "Fetches refused by the address policy, by reason (address class or scheme)",
            self.refused.0.clone(),
        );
        r.register_collector(Box::new(FeedHealth(self.clone())));
    }
}

/// One per-feed gauge's value.
type FeedValue<'a> = dyn Fn(&FeedState) -> f64 + 'a;

/// Each running feed's health, read at each scrape.
#[derive(Debug)]
struct FeedHealth(Arc<FetcherStats>);

impl telemetry::prometheus_client::collector::Collector for FeedHealth {
    fn encode(
        &self,
        mut e: telemetry::prometheus_client::encoding::DescriptorEncoder,
    ) -> std::fmt::Result {
        let feeds = self.0.feed_states();
        telemetry::gauge(
            &mut e,
            "newsflow_fetcher_feeds",
            "Feeds running",
            feeds.len() as f64,
        )?;
        let ts = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0)
        };
        let per_feed: [(&str, &str, &FeedValue<'_>); 5] = [
            (
                "last_success_timestamp_seconds",
                "When the feed was last fetched successfully (0 if never)",
                &|f| ts(f.last_success),
            ),
            (
                "next_poll_timestamp_seconds",
                "When the feed is polled next",
                &|f| ts(f.next_poll),
            ),
            (
                "consecutive_failures",
                "Failures in a row (0 when healthy)",
                &|f| f64::from(f.failures),
            ),
            ("items", "Entries in the feed at the last full poll", &|f| {
                f.items as f64
            }),
            (
                "validators_trusted",
                "1 while the feed's ETag/Last-Modified are trusted",
                &|f| f64::from(u8::from(f.validators_trusted)),
            ),
        ];
        for (what, help, value) in per_feed {
            telemetry::gauge_family(
                &mut e,
                &format!("newsflow_fetcher_feed_{what}"),
                help,
                feeds
                    .iter()
                    .map(|f| (telemetry::label("feed", f.name.as_str()), value(f))),
            )?;
        }
        Ok(())
    }
}

/// Counts of refused fetches by [`Refusal`], registered as
/// `newsflow_fetcher_refused_total{reason=...}`, every reason listed (0 until seen) so that
/// rates start from zero.
#[derive(Debug)]
pub struct Refusals(telemetry::CounterFamily);

impl Default for Refusals {
    fn default() -> Self {
        let f = telemetry::CounterFamily::default();
        for k in Refusal::ALL {
            let _ = f.get_or_create(&telemetry::label("reason", k.label()));
        }
        Self(f)
    }
}

impl Refusals {
    /// Count one refusal.
    pub fn bump(&self, kind: Refusal) {
        self.0
            .get_or_create(&telemetry::label("reason", kind.label()))
            .inc();
    }

    /// Each reason label with its count.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        Refusal::ALL
            .iter()
            .map(|k| {
                let n = self
                    .0
                    .get_or_create(&telemetry::label("reason", k.label()))
                    .get();
                (k.label(), n)
            })
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
                    let version = list.version.clone();
                    apply(list, &mut running, &mut tasks);
                    events::FeedListReloaded {
                        stats: &ctx.stats,
                        version: &version,
                    }
                    .emit();
                }
                Err(_) => listening = false,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}
