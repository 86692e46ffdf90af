//! Shared helpers of the fetcher's tests: an in-memory sink and a fetcher run over it.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fetcher::{
    AddressPolicy, Bounds, FeedList, FeedSpec, FeedState, FetcherConfig, FetcherStats, HttpOptions,
    PollOptions, SeenEntry, Sink, SinkError, StoredState,
};
use model::{DeadLetter, RawArticle};
use tokio_util::sync::CancellationToken;

/// What the fetcher handed to its sink.
#[derive(Default)]
pub struct Recorded {
    pub published: Vec<RawArticle>,
    pub seen: Vec<SeenEntry>,
    pub feeds: Vec<FeedState>,
    pub dead: Vec<DeadLetter>,
}

/// A sink that keeps everything in memory and wakes waiters.
#[derive(Default)]
pub struct MemorySink {
    pub rec: Mutex<Recorded>,
    notify: tokio::sync::Notify,
}

impl MemorySink {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.rec.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until `done` holds; panics with `what` after `deadline`.
    pub async fn until(&self, deadline: Duration, what: &str, done: impl Fn(&Recorded) -> bool) {
        let end = tokio::time::Instant::now() + deadline;
        loop {
            let notified = self.notify.notified();
            if done(&self.lock()) {
                return;
            }
            if tokio::time::timeout_at(end, notified).await.is_err() {
                let r = self.lock();
                panic!(
                    "timed out after {deadline:?} waiting for {what}; published {:?}, dead {:?}",
                    r.published
                        .iter()
                        .map(|a| a.url.clone())
                        .collect::<Vec<_>>(),
                    r.dead.iter().map(|d| d.reason.clone()).collect::<Vec<_>>()
                );
            }
        }
    }

    /// The stored state a restarted fetcher would load.
    pub fn stored(&self) -> StoredState {
        let r = self.lock();
        let mut s = StoredState::default();
        for e in &r.seen {
            s.seen.insert(e.clone());
        }
        for f in &r.feeds {
            s.feeds.insert(f.name.clone(), f.clone());
        }
        s
    }

    pub fn urls(&self) -> Vec<String> {
        self.lock()
            .published
            .iter()
            .map(|a| a.url.clone())
            .collect()
    }
}

impl Sink for MemorySink {
    async fn publish(&self, article: RawArticle) -> Result<(), SinkError> {
        self.lock().published.push(article);
        self.notify.notify_waiters();
        Ok(())
    }
    async fn mark_seen(&self, entry: SeenEntry) -> Result<(), SinkError> {
        self.lock().seen.push(entry);
        self.notify.notify_waiters();
        Ok(())
    }
    async fn dead_letter(&self, letter: DeadLetter) -> Result<(), SinkError> {
        self.lock().dead.push(letter);
        self.notify.notify_waiters();
        Ok(())
    }
    async fn save_feed(&self, state: FeedState) -> Result<(), SinkError> {
        self.lock().feeds.push(state);
        self.notify.notify_waiters();
        Ok(())
    }
}

/// HTTP options for tests: loopback allowed, short timeouts, a small host interval.
pub fn http() -> HttpOptions {
    HttpOptions {
        user_agent: "newsflow-test/1.0 (+https://example.org/contact)".into(),
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        max_body_bytes: 64 * 1024,
        max_redirects: 3,
        addresses: AddressPolicy::Loopback,
        host_min_interval: Duration::from_millis(0),
        robots: true,
    }
}

/// A feed polled every `ms` milliseconds, not adaptive.
pub fn feed(name: &str, url: &str, ms: u64) -> FeedSpec {
    FeedSpec {
        name: name.into(),
        url: url.into(),
        cadence: fetcher::Cadence::Fixed(Duration::from_millis(ms)),
        access: Default::default(),
    }
}

/// A fetcher config with fast polls.
pub fn config(feeds: Vec<FeedSpec>) -> FetcherConfig {
    FetcherConfig {
        dirs: Vec::new(),
        feeds,
        http: http(),
        poll: PollOptions {
            bounds: Bounds {
                min: Duration::from_millis(100),
                max: Duration::from_secs(5),
            },
            validator_check_every: 0,
        },
        config_version: "v1".into(),
    }
}

/// A running fetcher.
pub struct Running {
    pub sink: Arc<MemorySink>,
    pub stats: Arc<FetcherStats>,
    pub updates: tokio::sync::watch::Sender<FeedList>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn start(cfg: FetcherConfig) -> Running {
        Self::start_with(cfg, StoredState::default(), Arc::new(MemorySink::default()))
    }

    pub fn start_with(cfg: FetcherConfig, state: StoredState, sink: Arc<MemorySink>) -> Running {
        let stats = Arc::new(FetcherStats::default());
        let shutdown = CancellationToken::new();
        let (tx, rx) = tokio::sync::watch::channel(FeedList {
            version: cfg.config_version.clone(),
            feeds: cfg.feeds.clone(),
            refreshed: None,
        });
        let task = {
            let (sink, stats, shutdown) = (sink.clone(), stats.clone(), shutdown.clone());
            tokio::spawn(async move {
                if let Err(e) =
                    fetcher::run_with_updates(cfg, state, sink, stats, rx, shutdown).await
                {
                    panic!("fetcher: {e}");
                }
            })
        };
        Running {
            sink,
            stats,
            updates: tx,
            shutdown,
            task,
        }
    }

    pub fn count(c: &fetcher::Counter) -> u64 {
        c.get()
    }

    /// Stop and wait for the fetcher to finish.
    pub async fn stop(self) -> Arc<MemorySink> {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .unwrap_or_else(|_| panic!("fetcher did not stop within 10 s"))
            .unwrap_or_else(|e| panic!("fetcher task: {e}"));
        self.sink
    }
}

/// An HTML article page.
pub fn page(title: &str, extra_head: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>{extra_head}</head><body><article><h1>{title}</h1><p>Body of {title}.</p></article></body></html>"
    )
}

pub const DATE: &str = "Fri, 18 Jul 2025 20:00:00 GMT";
