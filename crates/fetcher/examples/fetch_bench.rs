//! Fetcher throughput: 1,000 local feeds with 10,000 entries in all, served by 20 local servers
//! (20 hosts on 127.0.0.2-21, so per-host politeness applies as it would to 20 sites), polled
//! until every entry's page is fetched and published to a counting sink.
//!
//! `cargo run --release -p fetcher --example fetch_bench [feeds] [entries_per_feed]`
//! Prints entries per second and the peak resident memory (VmHWM) of the process, which also
//! holds the local servers and their pages.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fetcher::{
    AddressPolicy, Bounds, FeedList, FeedSpec, FeedState, FetcherConfig, FetcherStats, HttpOptions,
    PollOptions, SeenEntry, Sink, SinkError, StoredState,
};
use model::{DeadLetter, RawArticle};
use testkit::{rss, Reply, ScriptServer};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct CountingSink {
    published: AtomicU64,
    bytes: AtomicU64,
    done: tokio::sync::Notify,
    target: u64,
}

impl Sink for CountingSink {
    async fn publish(&self, article: RawArticle) -> Result<(), SinkError> {
        self.bytes
            .fetch_add(article.body.len() as u64, Ordering::Relaxed);
        if self.published.fetch_add(1, Ordering::Relaxed) + 1 >= self.target {
            self.done.notify_one();
        }
        Ok(())
    }
    async fn mark_seen(&self, _entry: SeenEntry) -> Result<(), SinkError> {
        Ok(())
    }
    async fn dead_letter(&self, letter: DeadLetter) -> Result<(), SinkError> {
        eprintln!("dead letter: {}", letter.reason);
        Ok(())
    }
    async fn save_feed(&self, _state: FeedState) -> Result<(), SinkError> {
        Ok(())
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_feeds = args.first().copied().unwrap_or(1000);
    let per_feed = args.get(1).copied().unwrap_or(10);
    let hosts = 20u64.min(n_feeds.max(1));
    let mut servers = Vec::new();
    for h in 0..hosts {
        servers.push(ScriptServer::start_on(&format!("127.0.0.{}", h + 2)).await);
    }
    let para = "Officials said on Tuesday that the talks had moved forward, and observers expect \
                further announcements in the coming days as both sides review the terms. ";
    let mut feeds = Vec::new();
    for f in 0..n_feeds {
        let s = &servers[(f % hosts) as usize];
        let links: Vec<(String, String, String)> = (0..per_feed)
            .map(|e| {
                let path = format!("/f{f}/a{e}");
                s.set(
                    &path,
                    Reply::ok(
                        "text/html; charset=utf-8",
                        format!(
                            "<html><head><title>Article {f}-{e}</title></head><body><article><h1>Article {f}-{e}</h1><p>{}</p></article></body></html>",
                            para.repeat(4)
                        ),
                    ),
                );
                (format!("{f}-{e}"), s.url(&path), format!("Article {f}-{e}"))
            })
            .collect();
        let items: Vec<(&str, &str, &str)> = links
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let path = format!("/f{f}.xml");
        s.set(
            &path,
            Reply::ok(
                "application/rss+xml",
                rss(&items, "Fri, 18 Jul 2025 20:00:00 GMT", ""),
            )
            .header("etag", &format!("\"{f}\"")),
        );
        feeds.push(FeedSpec {
            name: format!("feed{f}"),
            url: s.url(&path).into(),
            cadence: fetcher::Cadence::Adaptive(Duration::from_secs(300)),
            access: Default::default(),
        });
    }
    let target = n_feeds * per_feed;
    let cfg = FetcherConfig {
        dirs: Vec::new(),
        feeds: feeds.clone(),
        http: HttpOptions {
            addresses: AddressPolicy::Loopback,
            host_min_interval: Duration::ZERO,
            ..HttpOptions::default()
        },
        poll: PollOptions {
            bounds: Bounds {
                min: Duration::from_secs(60),
                max: Duration::from_secs(3600),
            },
            validator_check_every: 10,
        },
        config_version: "bench".into(),
    };
    let sink = Arc::new(CountingSink {
        target,
        ..CountingSink::default()
    });
    let stats = Arc::new(FetcherStats::default());
    let shutdown = CancellationToken::new();
    let (_tx, rx) = tokio::sync::watch::channel(FeedList {
        version: "bench".into(),
        feeds,
        refreshed: None,
    });
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let task = {
        let (sink, stats, shutdown) = (sink.clone(), stats.clone(), shutdown.clone());
        tokio::spawn(async move {
            fetcher::run_with_updates(cfg, StoredState::default(), sink, stats, rx, shutdown).await
        })
    };
    let waited = tokio::time::timeout(Duration::from_secs(600), sink.done.notified()).await;
    let elapsed = started.elapsed();
    shutdown.cancel();
    let _ = task.await;
    let published = sink.published.load(Ordering::Relaxed);
    if waited.is_err() {
        eprintln!("timed out with {published} of {target} published");
    }
    println!(
        "feeds={n_feeds} hosts={hosts} entries={published} pages_bytes={} elapsed={:.2}s entries_per_sec={:.0} polls={} peak_rss_mib={:.1} (servers alone: {:.1})",
        sink.bytes.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        published as f64 / elapsed.as_secs_f64(),
        stats.polls.get(),
        peak_rss_kib() as f64 / 1024.0,
        rss_before as f64 / 1024.0,
    );
}
