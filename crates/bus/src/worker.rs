//! The consume→process→produce loop. At-least-once: an input offset is stored only after every
//! message it produced (outputs or its dead letter) is acknowledged, in input order per partition.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{FuturesOrdered, StreamExt};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::DeliveryFuture;
use telemetry::prometheus_client::metrics::counter::Counter;
use telemetry::prometheus_client::metrics::gauge::Gauge;
use telemetry::InternalEvent;
use tokio_util::sync::CancellationToken;

use crate::events::{
    DeliveryRetried, MessageConsumed, MessageDeadLettered, MessageProcessed, OffsetStored,
    OutputDelivered, OutputRefused,
};
use crate::health::WorkerContext;
use crate::producer::is_transient;
use crate::{dead_letter, BusError, ClientHealth, KafkaSettings, Publisher};

/// One message a stage wants produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Destination topic.
    pub topic: String,
    /// Kafka key.
    pub key: String,
    /// JSON body.
    pub payload: Vec<u8>,
}

/// Why a stage could not process a message. Stages are deterministic, so every error is permanent
/// for that message and sends it to the dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{class}: {reason}")]
pub struct StageError {
    /// Class, e.g. `malformed`, `unknown_schema`, `unprocessable`.
    pub class: model::ErrorClass,
    /// What went wrong, naming the input.
    pub reason: String,
}

impl StageError {
    /// A stage error of `class` with `reason`.
    pub fn new(class: model::ErrorClass, reason: impl Into<String>) -> Self {
        Self {
            class,
            reason: reason.into(),
        }
    }
}

impl From<model::DecodeError> for StageError {
    fn from(e: model::DecodeError) -> Self {
        StageError::new(e.class(), e.to_string())
    }
}

/// A pipeline stage: plain code from one input message to its outputs.
pub trait Stage: Send {
    /// Stage name for logs, metrics and dead letters.
    fn name(&self) -> &'static str;
    /// Process one message.
    fn process(&mut self, key: Option<&[u8]>, payload: &[u8]) -> Result<Vec<Output>, StageError>;
    /// How long the input must pause after a message before [`Stage::idle`] runs; `None`
    /// (the default): never.
    fn idle_after(&self) -> Option<Duration> {
        None
    }
    /// Work for when the input pauses (the story stage regroups): outputs to publish, tied to
    /// no input offset. Runs once per pause, after at least one message.
    fn idle(&mut self) -> Vec<Output> {
        Vec::new()
    }
}

/// How a worker consumes.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Input topic.
    pub input: String,
    /// Consumer group.
    pub group: String,
    /// Dead-letter topic.
    pub dlq: String,
    /// Most input messages whose outputs are not yet acknowledged.
    pub max_in_flight: usize,
    /// How long shutdown may take before giving up on unacknowledged work.
    pub shutdown_timeout: Duration,
    /// Largest message the producer must accept.
    pub max_message_bytes: usize,
}

/// Counters a worker keeps, bumped by its events (`crate::events`) and registered as
/// `newsflow_<stage>_<field>` ([`WorkerStats::register`]).
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Input messages consumed.
    pub consumed: Counter,
    /// Input messages processed into outputs.
    pub processed: Counter,
    /// Output messages acknowledged.
    pub produced: Counter,
    /// Input messages sent to the dead-letter topic.
    pub dead_lettered: Counter,
    /// Deliveries retried after a transient failure.
    pub retried: Counter,
    /// Offsets stored for commit.
    pub committed: Counter,
    /// Input messages whose outputs are not yet acknowledged.
    pub in_flight: Gauge,
    /// Broker reachability, owned partitions and their lag.
    pub health: Arc<ClientHealth>,
}

impl WorkerStats {
    /// Register the worker's metrics as `newsflow_<stage>_...`: the counters, the in-flight
    /// gauge, and its owned partitions with their lag (read at each scrape).
    pub fn register(self: &Arc<Self>, stage: &str, registry: &mut telemetry::Registry) {
        let n = |what: &str| format!("newsflow_{stage}_{what}");
        for (what, help, c) in [
            ("consumed", "Input messages consumed", &self.consumed),
            (
                "processed",
                "Input messages processed into outputs",
                &self.processed,
            ),
            (
                "produced",
                "Output messages acknowledged by the broker",
                &self.produced,
            ),
            (
                "dead_lettered",
                "Messages sent to the dead-letter topic",
                &self.dead_lettered,
            ),
            (
                "retried",
                "Deliveries retried after a transient failure",
                &self.retried,
            ),
            (
                "committed",
                "Input offsets stored for commit",
                &self.committed,
            ),
        ] {
            registry.register(n(what), help, c.clone());
        }
        registry.register(
            n("in_flight"),
            "Input messages whose outputs are not yet acknowledged",
            self.in_flight.clone(),
        );
        registry.register_collector(Box::new(Partitions {
            stage: stage.to_string(),
            stats: self.clone(),
        }));
    }
}

/// The partitions a worker owns and their lag, read at each scrape.
#[derive(Debug)]
struct Partitions {
    stage: String,
    stats: Arc<WorkerStats>,
}

impl telemetry::prometheus_client::collector::Collector for Partitions {
    fn encode(
        &self,
        mut e: telemetry::prometheus_client::encoding::DescriptorEncoder,
    ) -> std::fmt::Result {
        let parts = self.stats.health.partitions();
        telemetry::gauge(
            &mut e,
            &format!("newsflow_{}_assigned_partitions", self.stage),
            "Input partitions owned by this worker",
            parts.len() as f64,
        )?;
        telemetry::gauge_family(
            &mut e,
            &format!("newsflow_{}_consumer_lag", self.stage),
            "Messages not yet consumed per owned partition (-1 while unknown)",
            parts.into_iter().map(|p| {
                (
                    vec![
                        ("topic".to_string(), p.topic),
                        ("partition".to_string(), p.partition.to_string()),
                    ],
                    p.lag as f64,
                )
            }),
        )
    }
}

struct Pending {
    topic: String,
    key: String,
    payload: Vec<u8>,
    delivery: DeliveryFuture,
}

/// Run `stage` over `opts.input` until `shutdown` fires, then finish in-flight work, commit and
/// leave the group.
pub async fn run_worker<S: Stage>(
    settings: &KafkaSettings,
    opts: &WorkerOptions,
    mut stage: S,
    stats: Arc<WorkerStats>,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let publisher = Publisher::new(settings, opts.max_message_bytes)?;
    let mut cfg = settings.client_config();
    cfg.set("group.id", &opts.group)
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "1000")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set(
            "fetch.message.max.bytes",
            (opts.max_message_bytes + 64 * 1024).to_string(),
        )
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        // Also the rebalance timeout: a member killed during a rebalance holds the whole group
        // this long (default 5 min). The loop polls continuously, so one minute is ample.
        .set("max.poll.interval.ms", "60000")
        // Statistics carry consumer lag and broker states for /metrics and /readyz.
        .set("statistics.interval.ms", "5000")
        // Each hop waits at most this long for a fetch to fill; the local broker holds fetches
        // for the whole wait even when data is there (500 ms default: p50 580 ms over four hops,
        // 50 ms: 214 ms, in the pipeline bench). kafka.options may override it.
        .set("fetch.wait.max.ms", "50");
    for (k, v) in &settings.options {
        cfg.set(k, v);
    }
    let context = WorkerContext {
        health: stats.health.clone(),
    };
    let consumer: StreamConsumer<WorkerContext> =
        cfg.create_with_context(context).map_err(BusError::Config)?;
    stats.health.set_rebalancing(true);
    consumer
        .subscribe(&[&opts.input])
        .map_err(|source| BusError::Kafka {
            op: "subscribe",
            topic: opts.input.clone(),
            source,
        })?;
    tracing::info!(stage = stage.name(), topic = %opts.input, group = %opts.group, "worker started");

    let mut in_flight = FuturesOrdered::new();
    // When the stage's idle work is due: set by each message, cleared when it runs.
    let mut idle_at: Option<tokio::time::Instant> = None;
    loop {
        stats.in_flight.set(in_flight.len() as i64);
        let idle_due = idle_at.unwrap_or_else(tokio::time::Instant::now);
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                if let Some(done) = done {
                    store(&consumer, &opts.input, done, &stats);
                }
            }
            _ = tokio::time::sleep_until(idle_due), if idle_at.is_some() => {
                idle_at = None;
                let outputs = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stage.idle())) {
                    Ok(outs) => outs,
                    Err(_) => {
                        tracing::error!(stage = stage.name(), "idle work panicked; skipped");
                        Vec::new()
                    }
                };
                if !outputs.is_empty() {
                    tracing::info!(stage = stage.name(), outputs = outputs.len(), "idle work published");
                }
                let mut pending = Vec::with_capacity(outputs.len());
                for out in outputs {
                    let delivery = publisher.enqueue(&out.topic, &out.key, &out.payload).await?;
                    pending.push(Pending { topic: out.topic, key: out.key, payload: out.payload, delivery });
                }
                let publisher = publisher.clone();
                let stats = stats.clone();
                in_flight.push_back(Box::pin(async move {
                    for p in pending {
                        await_delivery(&publisher, p, &stats).await;
                    }
                    None
                }) as std::pin::Pin<Box<dyn std::future::Future<Output = Option<(i32, i64)>> + Send>>);
            }
            msg = consumer.recv(), if in_flight.len() < opts.max_in_flight => {
                let msg = match msg {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(topic = %opts.input, error = %e, "consume error");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                };
                let (partition, offset) = (msg.partition(), msg.offset());
                MessageConsumed { stats: &stats, partition, offset }.emit();
                let key = msg.key();
                let payload = msg.payload().unwrap_or_default();
                let outputs = match process_guarded(&mut stage, key, payload, opts.max_message_bytes) {
                    Ok(outs) => {
                        MessageProcessed { stats: &stats, stage: stage.name(), partition, offset, outputs: outs.len() }.emit();
                        outs
                    }
                    Err(err) => {
                        MessageDeadLettered { stats: &stats, stage: stage.name(), topic: &opts.input, partition, offset, error: &err }.emit();
                        let letter = dead_letter(stage.name(), err.class.clone(), &err.reason, (&opts.input, partition, offset), key, msg.payload());
                        vec![Output {
                            topic: opts.dlq.clone(),
                            key: key.and_then(|k| std::str::from_utf8(k).ok()).unwrap_or("").to_string(),
                            payload: model::encode(&letter),
                        }]
                    }
                };
                let mut pending = Vec::with_capacity(outputs.len());
                for out in outputs {
                    let delivery = publisher.enqueue(&out.topic, &out.key, &out.payload).await?;
                    pending.push(Pending { topic: out.topic, key: out.key, payload: out.payload, delivery });
                }
                idle_at = stage.idle_after().map(|d| tokio::time::Instant::now() + d);
                let publisher = publisher.clone();
                let stats = stats.clone();
                in_flight.push_back(Box::pin(async move {
                    for p in pending {
                        await_delivery(&publisher, p, &stats).await;
                    }
                    Some((partition, offset))
                }));
            }
        }
    }

    tracing::info!(
        stage = stage.name(),
        in_flight = in_flight.len(),
        "worker stopping"
    );
    let drain = async {
        while let Some(done) = in_flight.next().await {
            if let Some(done) = done {
                store(&consumer, &opts.input, done, &stats);
            }
            stats.in_flight.set(in_flight.len() as i64);
        }
    };
    let deadline = tokio::time::Instant::now() + opts.shutdown_timeout;
    if tokio::time::timeout_at(deadline, drain).await.is_err() {
        tracing::warn!(
            stage = stage.name(),
            "shutdown timeout: unacknowledged work will be redelivered"
        );
    }
    let settled = crate::health::settle_rebalance(&consumer, deadline, stage.name()).await;
    if let Err(e) = publisher.flush(Duration::from_secs(5)) {
        tracing::warn!(error = %e, "producer flush failed");
    }
    if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
        // Nothing stored yet, or the group is gone: the next owner starts from the last commit.
        tracing::debug!(error = %e, "final commit");
    }
    crate::health::leave_group(consumer, settled, stage.name()).await;
    tracing::info!(stage = stage.name(), "worker stopped");
    Ok(())
}

/// Run the stage on one message, turning an oversized input or a panic into a stage error, so
/// that one bad message goes to the dead-letter topic instead of stopping the worker.
fn process_guarded<S: Stage>(
    stage: &mut S,
    key: Option<&[u8]>,
    payload: &[u8],
    max_bytes: usize,
) -> Result<Vec<Output>, StageError> {
    if payload.len() > max_bytes {
        return Err(StageError::new(
            model::ErrorClass::Oversized,
            format!(
                "message of {} bytes exceeds the limit of {max_bytes} bytes",
                payload.len()
            ),
        ));
    }
    // A stage is plain code over one message; if it panics its state is still usable for the
    // next message (stages keep no half-updated state across a panic point that matters here),
    // and the panic is reported with the message that caused it.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stage.process(key, payload))) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(StageError::new(
                model::ErrorClass::Panic,
                format!("stage panicked: {what}"),
            ))
        }
    }
}

fn store(
    consumer: &StreamConsumer<WorkerContext>,
    topic: &str,
    (partition, offset): (i32, i64),
    stats: &WorkerStats,
) {
    // store_offset stores offset + 1, the next message to read.
    match consumer.store_offset(topic, partition, offset) {
        Ok(()) => OffsetStored {
            stats,
            partition,
            offset,
        }
        .emit(),
        // The partition moved to another member: it will re-process from the last commit.
        Err(e) => tracing::info!(topic, partition, offset, error = %e, "offset not stored"),
    }
}

async fn await_delivery(publisher: &Publisher, p: Pending, stats: &WorkerStats) {
    let mut result = p.delivery.await;
    let mut backoff = Duration::from_millis(200);
    loop {
        match &result {
            Ok(Ok(_)) => {
                OutputDelivered {
                    stats,
                    topic: &p.topic,
                }
                .emit();
                return;
            }
            Ok(Err((e, _))) if !is_transient(e) => {
                // The broker refuses this output for good; nothing more can be done with it, and
                // holding the partition would stop every message behind it.
                OutputRefused {
                    stats,
                    topic: &p.topic,
                    key: &p.key,
                    error: e,
                }
                .emit();
                return;
            }
            Ok(Err((e, _))) => DeliveryRetried {
                stats,
                topic: &p.topic,
                key: &p.key,
                error: Some(e),
            }
            .emit(),
            Err(_) => DeliveryRetried {
                stats,
                topic: &p.topic,
                key: &p.key,
                error: None,
            }
            .emit(),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
        result = match publisher.enqueue(&p.topic, &p.key, &p.payload).await {
            Ok(f) => f.await,
            Err(e) => {
                tracing::warn!(error = %e, "re-enqueue failed");
                continue;
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Echoes its input, panics on `boom`.
    struct Echo;

    impl Stage for Echo {
        fn name(&self) -> &'static str {
            "echo"
        }
        fn process(
            &mut self,
            _key: Option<&[u8]>,
            payload: &[u8],
        ) -> Result<Vec<Output>, StageError> {
            if payload == b"boom" {
                panic!("cannot handle boom");
            }
            Ok(vec![Output {
                topic: "out".into(),
                key: String::new(),
                payload: payload.to_vec(),
            }])
        }
    }

    #[test]
    fn panics_and_oversized_inputs_become_stage_errors_and_the_stage_goes_on() {
        let mut s = Echo;
        let e = process_guarded(&mut s, None, b"boom", 100).expect_err("panic");
        assert_eq!(e.class, model::ErrorClass::Panic);
        assert!(e.reason.contains("cannot handle boom"), "{}", e.reason);
        let e = process_guarded(&mut s, None, &[b'x'; 101], 100).expect_err("oversized");
        assert_eq!(e.class, model::ErrorClass::Oversized);
        assert!(e.reason.contains("101 bytes"), "{}", e.reason);
        let out = process_guarded(&mut s, None, b"fine", 100).expect("next message");
        assert_eq!(out[0].payload, b"fine");
    }
}
