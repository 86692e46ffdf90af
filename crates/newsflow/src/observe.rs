//! What a running worker tells its operator: Prometheus metrics at `/metrics`, liveness at
//! `/healthz`, readiness at `/readyz`. Stages keep plain atomic counters; this module reads them
//! on each scrape, so the libraries need not know Prometheus.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

/// Counter or gauge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up; exposed with a `_total` suffix.
    Counter,
    /// Goes up and down.
    Gauge,
}

/// One value of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name without the `_total` suffix of counters.
    pub name: String,
    /// Help text.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: Kind,
    /// Label pairs.
    pub labels: Vec<(String, String)>,
    /// Value.
    pub value: f64,
}

impl Sample {
    /// A counter sample without labels.
    pub fn counter(name: impl Into<String>, help: &'static str, value: u64) -> Self {
        Self {
            name: name.into(),
            help,
            kind: Kind::Counter,
            labels: Vec::new(),
            value: value as f64,
        }
    }

    /// A gauge sample without labels.
    pub fn gauge(name: impl Into<String>, help: &'static str, value: f64) -> Self {
        Self {
            name: name.into(),
            help,
            kind: Kind::Gauge,
            labels: Vec::new(),
            value,
        }
    }

    /// The same sample with one more label.
    pub fn label(mut self, key: &str, value: impl Into<String>) -> Self {
        self.labels.push((key.to_string(), value.into()));
        self
    }
}

/// Anything that can report samples when scraped.
pub trait Source: Send + Sync {
    /// Append the current samples.
    fn samples(&self, out: &mut Vec<Sample>);
}

impl<F: Fn(&mut Vec<Sample>) + Send + Sync> Source for F {
    fn samples(&self, out: &mut Vec<Sample>) {
        self(out)
    }
}

/// A readiness condition.
struct Check {
    name: String,
    ok: Box<dyn Fn() -> bool + Send + Sync>,
}

/// A line of `/readyz` that informs without deciding readiness.
struct Note {
    name: String,
    text: Box<dyn Fn() -> String + Send + Sync>,
}

/// Metric sources, readiness checks and liveness of one process.
pub struct Observer {
    sources: Mutex<Vec<Box<dyn Source>>>,
    checks: Mutex<Vec<Check>>,
    notes: Mutex<Vec<Note>>,
    failed: Mutex<Vec<String>>,
    config_valid: AtomicBool,
    started: Instant,
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observer").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded lists stay consistent even if a holder panicked.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Observer {
    /// An observer with the process metrics registered.
    pub fn new() -> Arc<Self> {
        let o = Arc::new(Self {
            sources: Mutex::new(Vec::new()),
            checks: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            failed: Mutex::new(Vec::new()),
            config_valid: AtomicBool::new(true),
            started: Instant::now(),
        });
        let started = o.started;
        o.add_source(move |out: &mut Vec<Sample>| {
            out.push(
                Sample::gauge("newsflow_build_info", "Version of the running binary.", 1.0)
                    .label("version", env!("CARGO_PKG_VERSION")),
            );
            out.push(Sample::gauge(
                "newsflow_uptime_seconds",
                "Seconds since the process started.",
                started.elapsed().as_secs_f64(),
            ));
            if let Some(rss) = resident_bytes() {
                out.push(Sample::gauge(
                    "process_resident_memory_bytes",
                    "Resident memory of the process.",
                    rss as f64,
                ));
            }
        });
        o
    }

    /// Report `source`'s samples on every scrape.
    pub fn add_source(&self, source: impl Source + 'static) {
        lock(&self.sources).push(Box::new(source));
    }

    /// Make `/readyz` depend on `ok`.
    pub fn add_check(
        &self,
        name: impl Into<String>,
        ok: impl Fn() -> bool + Send + Sync + 'static,
    ) {
        lock(&self.checks).push(Check {
            name: name.into(),
            ok: Box::new(ok),
        });
    }

    /// Show `name: text()` in `/readyz` without making readiness depend on it (settings an
    /// operator should notice).
    pub fn add_note(
        &self,
        name: impl Into<String>,
        text: impl Fn() -> String + Send + Sync + 'static,
    ) {
        lock(&self.notes).push(Note {
            name: name.into(),
            text: Box::new(text),
        });
    }

    /// The notes shown in `/readyz`, by name.
    pub fn notes(&self) -> Vec<(String, String)> {
        lock(&self.notes)
            .iter()
            .map(|n| (n.name.clone(), (n.text)()))
            .collect()
    }

    /// Record that a stage stopped with an error: `/healthz` turns unhealthy.
    pub fn stage_failed(&self, stage: &str) {
        lock(&self.failed).push(stage.to_string());
    }

    /// Every sample, in registration order.
    pub fn samples(&self) -> Vec<Sample> {
        let mut out = Vec::new();
        for s in lock(&self.sources).iter() {
            s.samples(&mut out);
        }
        out
    }

    /// Readiness: each check by name and whether it passes.
    pub fn readiness(&self) -> Vec<(String, bool)> {
        let mut r = vec![(
            "config_valid".to_string(),
            self.config_valid.load(Ordering::Relaxed),
        )];
        r.extend(
            lock(&self.checks)
                .iter()
                .map(|c| (c.name.clone(), (c.ok)())),
        );
        r
    }

    /// Prometheus text exposition of every sample.
    pub fn render(self: &Arc<Self>) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(Collected(self.clone())));
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &registry) {
            tracing::warn!(error = %e, "encoding metrics failed");
        }
        text
    }
}

/// Bridges the observer into a prometheus-client registry.
struct Collected(Arc<Observer>);

impl std::fmt::Debug for Collected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Collected")
    }
}

impl Collector for Collected {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let samples = self.0.samples();
        // One descriptor per name, its samples together, in first-seen order.
        let mut names: Vec<&str> = Vec::new();
        for s in &samples {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
        for name in names {
            let family: Vec<&Sample> = samples.iter().filter(|s| s.name == name).collect();
            let first = family[0];
            let metric_type = match first.kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
            };
            let mut desc = encoder.encode_descriptor(name, first.help, None, metric_type)?;
            if family.len() == 1 && first.labels.is_empty() {
                encode_value(first, desc)?;
                continue;
            }
            for s in family {
                encode_value(s, desc.encode_family(&s.labels)?)?;
            }
        }
        Ok(())
    }
}

fn encode_value(
    s: &Sample,
    enc: prometheus_client::encoding::MetricEncoder<'_>,
) -> Result<(), std::fmt::Error> {
    match s.kind {
        Kind::Counter => ConstCounter::new(s.value as u64).encode(enc),
        Kind::Gauge => ConstGauge::new(s.value).encode(enc),
    }
}

/// Resident set size from `/proc/self/statm` (Linux); `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn metrics(State(o): State<Arc<Observer>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        o.render(),
    )
}

async fn healthz(State(o): State<Arc<Observer>>) -> impl IntoResponse {
    let failed = lock(&o.failed).clone();
    if failed.is_empty() {
        (StatusCode::OK, "ok\n".to_string())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("failed: {}\n", failed.join(", ")),
        )
    }
}

async fn readyz(State(o): State<Arc<Observer>>) -> impl IntoResponse {
    let checks = o.readiness();
    let mut body = String::new();
    for (name, ok) in &checks {
        let _ = writeln!(body, "{name}: {}", if *ok { "ok" } else { "failing" });
    }
    for (name, text) in o.notes() {
        let _ = writeln!(body, "{name}: {text}");
    }
    let status = if checks.iter().all(|(_, ok)| *ok) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

/// Serve `/metrics`, `/healthz` and `/readyz` on `listen` until `shutdown`.
pub async fn serve(
    listen: &str,
    observer: Arc<Observer>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(observer);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("observability.listen {listen}: cannot bind"))?;
    tracing::info!(addr = %listener.local_addr()?, "serving /metrics, /healthz and /readyz");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("metrics server")?;
    Ok(())
}

/// Samples of one consume→process→produce worker.
pub fn worker_source(stage: &'static str, stats: Arc<bus::WorkerStats>) -> impl Source {
    move |out: &mut Vec<Sample>| {
        let n = |what: &str| format!("newsflow_{stage}_{what}");
        let c = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        out.push(Sample::counter(
            n("consumed"),
            "Input messages consumed.",
            c(&stats.consumed),
        ));
        out.push(Sample::counter(
            n("processed"),
            "Input messages processed into outputs.",
            c(&stats.processed),
        ));
        out.push(Sample::counter(
            n("produced"),
            "Output messages acknowledged by the broker.",
            c(&stats.produced),
        ));
        out.push(Sample::counter(
            n("dead_lettered"),
            "Messages sent to the dead-letter topic.",
            c(&stats.dead_lettered),
        ));
        out.push(Sample::counter(
            n("retried"),
            "Deliveries retried after a transient failure.",
            c(&stats.retried),
        ));
        out.push(Sample::counter(
            n("committed"),
            "Input offsets stored for commit.",
            c(&stats.committed),
        ));
        out.push(Sample::gauge(
            n("in_flight"),
            "Input messages whose outputs are not yet acknowledged.",
            c(&stats.in_flight) as f64,
        ));
        let parts = stats.health.partitions();
        out.push(Sample::gauge(
            n("assigned_partitions"),
            "Input partitions owned by this worker.",
            parts.len() as f64,
        ));
        for p in parts {
            out.push(
                Sample::gauge(
                    n("consumer_lag"),
                    "Messages not yet consumed per owned partition (-1 while unknown).",
                    p.lag as f64,
                )
                .label("topic", p.topic)
                .label("partition", p.partition.to_string()),
            );
        }
    }
}

/// Readiness of a consuming worker: it owns input partitions.
pub fn add_worker_checks(o: &Observer, stage: &'static str, stats: &Arc<bus::WorkerStats>) {
    let s = stats.clone();
    o.add_check(format!("{stage}_partitions_assigned"), move || {
        !s.health.partitions().is_empty()
    });
}

/// Samples of the cleaner's outcomes and repairs.
pub fn cleaner_source(counts: Arc<crate::cleaner::CleanerCounts>) -> impl Source {
    move |out: &mut Vec<Sample>| {
        for (outcome, n) in counts.outcomes.snapshot() {
            out.push(
                Sample::counter(
                    "newsflow_cleaner_outcomes",
                    "Cleaned documents by outcome.",
                    n,
                )
                .label("outcome", outcome),
            );
        }
        for (kind, n) in counts.repairs.snapshot() {
            out.push(
                Sample::counter("newsflow_cleaner_repairs", "Text repairs made, by kind.", n)
                    .label("kind", kind),
            );
        }
    }
}

/// Samples of the enricher's skip counters (the worker loops report the rest).
pub fn enricher_source(
    already_enriched: Arc<AtomicU64>,
    already_assigned: Arc<AtomicU64>,
) -> impl Source {
    move |out: &mut Vec<Sample>| {
        out.push(Sample::counter(
            "newsflow_enricher_already_enriched",
            "Inputs skipped because the same id and text were enriched before.",
            already_enriched.load(Ordering::Relaxed),
        ));
        out.push(Sample::counter(
            "newsflow_stories_already_assigned",
            "Articles skipped by the story stage because they were assigned before.",
            already_assigned.load(Ordering::Relaxed),
        ));
    }
}

/// Samples of the story stage: what it published.
pub fn story_source(counts: Arc<crate::story::StoryCounts>) -> impl Source {
    move |out: &mut Vec<Sample>| {
        let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push(Sample::counter(
            "newsflow_enricher_enriched",
            "Articles published to the enriched topic.",
            c(&counts.enriched),
        ));
        out.push(Sample::counter(
            "newsflow_enricher_revisions",
            "Published articles that are a new revision of a known id.",
            c(&counts.revisions),
        ));
        out.push(Sample::counter(
            "newsflow_enricher_moved",
            "Records published again because their article moved to another story.",
            c(&counts.moved),
        ));
        for (kind, n) in [
            ("exact", c(&counts.exact_duplicates)),
            ("near", c(&counts.near_duplicates)),
        ] {
            out.push(
                Sample::counter(
                    "newsflow_enricher_duplicates",
                    "Published articles marked as duplicates of another, by kind.",
                    n,
                )
                .label("kind", kind),
            );
        }
        for (change, n) in counts.events.snapshot() {
            out.push(
                Sample::counter(
                    "newsflow_stories_events",
                    "Story events published, by change.",
                    n,
                )
                .label("change", change),
            );
        }
    }
}

/// Samples of the fetcher: its counters and each feed's health.
pub fn fetcher_source(stats: Arc<fetcher::FetcherStats>) -> impl Source {
    move |out: &mut Vec<Sample>| {
        let counters: [(&str, &'static str, &AtomicU64); 13] = [
            (
                "published",
                "Articles published to the raw topic.",
                &stats.published,
            ),
            (
                "unchanged",
                "Entries skipped because they were published before.",
                &stats.unchanged,
            ),
            ("polls", "Feed polls done.", &stats.polls),
            (
                "not_modified",
                "Feed polls answered 304 Not Modified.",
                &stats.not_modified,
            ),
            (
                "validators_distrusted",
                "Feeds whose validators stopped being trusted.",
                &stats.validators_distrusted,
            ),
            (
                "errors",
                "Fetch failures that will be retried.",
                &stats.errors,
            ),
            (
                "throttled",
                "429/503 answers with Retry-After that slowed a host down.",
                &stats.throttled,
            ),
            (
                "robots_denied",
                "Article pages not fetched because robots.txt disallows them.",
                &stats.robots_denied,
            ),
            (
                "duplicates",
                "Articles reached through a second link, recognised by canonical URL.",
                &stats.duplicates,
            ),
            (
                "discovered",
                "Feeds found by autodiscovery.",
                &stats.discovered,
            ),
            (
                "dead_lettered",
                "Permanent failures sent to the dead-letter topic.",
                &stats.dead_lettered,
            ),
            (
                "config_reloads",
                "Feed list changes applied without a restart.",
                &stats.config_reloads,
            ),
            (
                "config_reload_failures",
                "Edited configs refused; the previous config keeps running.",
                &stats.config_reload_failures,
            ),
        ];
        for (what, help, c) in counters {
            out.push(Sample::counter(
                format!("newsflow_fetcher_{what}"),
                help,
                c.load(Ordering::Relaxed),
            ));
        }
        for (reason, n) in stats.refused.snapshot() {
            out.push(
                Sample::counter(
                    "newsflow_fetcher_refused",
                    "Fetches refused by the address policy, by reason (address class or scheme).",
                    n,
                )
                .label("reason", reason),
            );
        }
        let feeds = stats.feed_states();
        out.push(Sample::gauge(
            "newsflow_fetcher_feeds",
            "Feeds running.",
            feeds.len() as f64,
        ));
        let ts = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0)
        };
        for f in feeds {
            let per = |name: &str, help: &'static str, v: f64| {
                Sample::gauge(format!("newsflow_fetcher_feed_{name}"), help, v)
                    .label("feed", f.name.clone())
            };
            out.push(per(
                "last_success_timestamp_seconds",
                "When the feed was last fetched successfully (0 if never).",
                ts(f.last_success),
            ));
            out.push(per(
                "next_poll_timestamp_seconds",
                "When the feed is polled next.",
                ts(f.next_poll),
            ));
            out.push(per(
                "consecutive_failures",
                "Failures in a row (0 when healthy).",
                f64::from(f.failures),
            ));
            out.push(per(
                "items",
                "Entries in the feed at the last full poll.",
                f.items as f64,
            ));
            out.push(per(
                "validators_trusted",
                "1 while the feed's ETag/Last-Modified are trusted.",
                f64::from(u8::from(f.validators_trusted)),
            ));
        }
    }
}

/// Samples of the global address switches in force: 1 per key that lets every feed reach
/// non-public addresses.
pub fn address_override_source(overrides: Arc<crate::fetcher::AddressOverrides>) -> impl Source {
    move |out: &mut Vec<Sample>| {
        for key in crate::fetcher::AddressOverrides::KEYS {
            out.push(
                Sample::gauge(
                    "newsflow_fetcher_address_override",
                    "1 while a global switch lets every feed reach non-public addresses.",
                    f64::from(u8::from(overrides.in_force().contains(&key))),
                )
                .label("key", key),
            );
        }
    }
}

/// Samples of the process's broker probe.
pub fn broker_source(health: Arc<bus::ClientHealth>) -> impl Source {
    move |out: &mut Vec<Sample>| {
        out.push(Sample::gauge(
            "newsflow_broker_up",
            "1 if a broker answered the last metadata probe.",
            f64::from(u8::from(health.broker_up())),
        ));
        out.push(Sample::gauge(
            "newsflow_broker_last_seen_timestamp_seconds",
            "When a broker last answered (Unix time, 0 if never).",
            health.last_ok_ms() as f64 / 1000.0,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_get_total_suffix_and_labels() {
        let o = Observer::new();
        o.add_source(|out: &mut Vec<Sample>| {
            out.push(Sample::counter("newsflow_test_things", "Things.", 3));
            out.push(
                Sample::counter("newsflow_test_outcomes", "Outcomes.", 2).label("outcome", "ok"),
            );
            out.push(
                Sample::counter("newsflow_test_outcomes", "Outcomes.", 1)
                    .label("outcome", "too_short"),
            );
        });
        let text = o.render();
        assert!(text.contains("newsflow_test_things_total 3"), "{text}");
        assert!(
            text.contains("newsflow_test_outcomes_total{outcome=\"ok\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("newsflow_test_outcomes_total{outcome=\"too_short\"} 1"),
            "{text}"
        );
        assert_eq!(
            text.matches("# TYPE newsflow_test_outcomes counter")
                .count(),
            1,
            "one descriptor per family: {text}"
        );
        assert!(text.contains("newsflow_build_info"), "{text}");
    }

    #[test]
    fn readiness_fails_when_a_check_fails() {
        let o = Observer::new();
        assert!(o.readiness().iter().all(|(_, ok)| *ok));
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        o.add_check("broker", move || f.load(Ordering::Relaxed));
        assert!(o.readiness().iter().any(|(n, ok)| n == "broker" && !ok));
        flag.store(true, Ordering::Relaxed);
        assert!(o.readiness().iter().all(|(_, ok)| *ok));
    }
}
