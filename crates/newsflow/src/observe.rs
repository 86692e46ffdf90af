//! What a running worker tells its operator: Prometheus metrics at `/metrics`, liveness at
//! `/healthz`, readiness at `/readyz`. Metrics are declared by their owners (the stats structs of
//! `bus`, `fetcher` and the stages, bumped by their internal events) and registered here; this
//! module only adds the process metrics and serves the registry.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use telemetry::prometheus_client::collector::Collector;
use telemetry::prometheus_client::encoding::DescriptorEncoder;
use telemetry::Registry;
use tokio_util::sync::CancellationToken;

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

/// The metric registry, readiness checks and liveness of one process.
pub struct Observer {
    registry: Mutex<Registry>,
    checks: Mutex<Vec<Check>>,
    notes: Mutex<Vec<Note>>,
    failed: Mutex<Vec<String>>,
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

/// The process itself: version, uptime, resident memory.
#[derive(Debug)]
struct Process {
    started: Instant,
}

impl Collector for Process {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        telemetry::gauge_family(
            &mut e,
            "newsflow_build_info",
            "Version of the running binary",
            [(telemetry::label("version", env!("CARGO_PKG_VERSION")), 1.0)],
        )?;
        telemetry::gauge(
            &mut e,
            "newsflow_uptime_seconds",
            "Seconds since the process started",
            self.started.elapsed().as_secs_f64(),
        )?;
        if let Some(rss) = resident_bytes() {
            telemetry::gauge(
                &mut e,
                "process_resident_memory_bytes",
                "Resident memory of the process",
                rss as f64,
            )?;
        }
        Ok(())
    }
}

impl Observer {
    /// An observer with the process metrics registered.
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(Process {
            started: Instant::now(),
        }));
        Arc::new(Self {
            registry: Mutex::new(registry),
            checks: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            failed: Mutex::new(Vec::new()),
        })
    }

    /// Let a component declare its metrics, e.g. `o.register(|r| stats.register("cleaner", r))`.
    pub fn register(&self, declare: impl FnOnce(&mut Registry)) {
        declare(&mut lock(&self.registry));
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

    /// Readiness: each check by name and whether it passes.
    pub fn readiness(&self) -> Vec<(String, bool)> {
        lock(&self.checks)
            .iter()
            .map(|c| (c.name.clone(), (c.ok)()))
            .collect()
    }

    /// Prometheus text exposition of every registered metric.
    pub fn render(&self) -> String {
        telemetry::render(&lock(&self.registry)).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "encoding metrics failed");
            String::new()
        })
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

/// Readiness of a consuming worker: it owns input partitions.
pub fn add_worker_checks(o: &Observer, stage: &'static str, stats: &Arc<bus::WorkerStats>) {
    let s = stats.clone();
    o.add_check(format!("{stage}_partitions_assigned"), move || {
        !s.health.partitions().is_empty()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn registered_metrics_and_process_metrics_are_rendered() {
        let o = Observer::new();
        let stats = Arc::new(bus::WorkerStats::default());
        o.register(|r| stats.register("test", r));
        stats.consumed.inc_by(3);
        let text = o.render();
        for line in [
            "newsflow_test_consumed_total 3",
            "# HELP newsflow_test_consumed Input messages consumed.",
            "newsflow_test_in_flight 0",
            "newsflow_test_assigned_partitions 0",
            "newsflow_build_info{version=",
            "newsflow_uptime_seconds",
        ] {
            assert!(text.contains(line), "{line} not in {text}");
        }
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
