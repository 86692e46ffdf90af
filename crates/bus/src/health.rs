//! What a worker knows of its Kafka connection: whether a broker answers, which partitions it owns
//! and how far behind it is. Read by the `newsflow` library's `/readyz` and `/metrics` (`observe`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaErrorCode;
use tokio_util::sync::CancellationToken;

use crate::{BusError, KafkaSettings};

/// Connection health shared between a Kafka client and the health endpoints.
#[derive(Debug, Default)]
pub struct ClientHealth {
    broker_up: AtomicBool,
    /// Milliseconds since the Unix epoch of the last successful broker probe.
    last_ok_ms: AtomicI64,
    assigned: Mutex<BTreeMap<(String, i32), i64>>,
    /// Between joining (or a revocation) and the next assignment.
    rebalancing: AtomicBool,
    /// Assignments received so far.
    assignments: AtomicU64,
}

/// What the broker probe found, read at each scrape.
#[derive(Debug)]
struct BrokerProbe(Arc<ClientHealth>);

impl telemetry::prometheus_client::collector::Collector for BrokerProbe {
    fn encode(
        &self,
        mut e: telemetry::prometheus_client::encoding::DescriptorEncoder,
    ) -> std::fmt::Result {
        telemetry::gauge(
            &mut e,
            "newsflow_broker_up",
            "1 if a broker answered the last metadata probe",
            f64::from(u8::from(self.0.broker_up())),
        )?;
        telemetry::gauge(
            &mut e,
            "newsflow_broker_last_seen_timestamp_seconds",
            "When a broker last answered (Unix time, 0 if never)",
            self.0.last_ok_ms() as f64 / 1000.0,
        )
    }
}

/// One owned partition and its consumer lag (-1 while unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Messages between the committed position and the end of the partition; -1 if unknown.
    pub lag: i64,
}

impl ClientHealth {
    /// A fresh, shareable health record.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Register the broker probe's gauges, `newsflow_broker_up` and
    /// `newsflow_broker_last_seen_timestamp_seconds` (read at each scrape).
    pub fn register(self: &Arc<Self>, r: &mut telemetry::Registry) {
        r.register_collector(Box::new(BrokerProbe(self.clone())));
    }

    /// Whether the last broker probe succeeded.
    pub fn broker_up(&self) -> bool {
        self.broker_up.load(Ordering::Relaxed)
    }

    /// When a broker last answered (ms since the Unix epoch), 0 if never.
    pub fn last_ok_ms(&self) -> i64 {
        self.last_ok_ms.load(Ordering::Relaxed)
    }

    /// Partitions this consumer owns, with their lag.
    pub fn partitions(&self) -> Vec<PartitionLag> {
        self.lock()
            .iter()
            .map(|((topic, partition), lag)| PartitionLag {
                topic: topic.clone(),
                partition: *partition,
                lag: *lag,
            })
            .collect()
    }

    /// Whether a group rebalance this consumer takes part in is under way (set from joining or
    /// a revocation until the next assignment).
    pub fn rebalancing(&self) -> bool {
        self.rebalancing.load(Ordering::Relaxed)
    }

    /// How many assignments this consumer has received: a change means its partitions may have
    /// been someone else's in between.
    pub fn assignments(&self) -> u64 {
        self.assignments.load(Ordering::Relaxed)
    }

    pub(crate) fn set_rebalancing(&self, on: bool) {
        self.rebalancing.store(on, Ordering::Relaxed);
    }

    fn set_broker(&self, up: bool) {
        self.broker_up.store(up, Ordering::Relaxed);
        if up {
            self.last_ok_ms
                .store(chrono::Utc::now().timestamp_millis(), Ordering::Relaxed);
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<(String, i32), i64>> {
        // A panic while holding this lock cannot leave the map inconsistent: keep going.
        self.assigned.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Consumer context that records assignments, lag (from librdkafka statistics) and broker errors.
pub(crate) struct WorkerContext {
    pub(crate) health: Arc<ClientHealth>,
}

impl ClientContext for WorkerContext {
    fn stats(&self, statistics: Statistics) {
        let mut owned = self.health.lock();
        for (topic, t) in &statistics.topics {
            for (id, p) in &t.partitions {
                if let Some(lag) = owned.get_mut(&(topic.clone(), *id)) {
                    *lag = p.consumer_lag;
                }
            }
        }
        let up = statistics.brokers.values().any(|b| b.state == "UP");
        drop(owned);
        self.health.set_broker(up);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if matches!(
            error.rdkafka_error_code(),
            Some(RDKafkaErrorCode::AllBrokersDown)
        ) {
            self.health.set_broker(false);
        }
        tracing::warn!(error = %error, reason, "kafka client error");
    }
}

impl ConsumerContext for WorkerContext {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if matches!(rebalance, Rebalance::Revoke(_)) {
            self.health.set_rebalancing(true);
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut owned = self.health.lock();
        match rebalance {
            Rebalance::Assign(tpl) => {
                self.health.set_rebalancing(false);
                self.health.assignments.fetch_add(1, Ordering::Relaxed);
                for e in tpl.elements() {
                    owned.insert((e.topic().to_string(), e.partition()), -1);
                }
                tracing::info!(partitions = tpl.count(), "partitions assigned");
            }
            Rebalance::Revoke(tpl) => {
                for e in tpl.elements() {
                    owned.remove(&(e.topic().to_string(), e.partition()));
                }
                tracing::info!(partitions = tpl.count(), "partitions revoked");
            }
            Rebalance::Error(e) => tracing::warn!(error = %e, "rebalance error"),
        }
    }
}

/// Poll `consumer` until the group rebalance under way, if any, has settled; false when
/// `deadline` came first.
///
/// Leaving in the middle of a rebalance can wedge a group for good on some brokers (the local one
/// kept a leader that left before syncing as the leader, and no member was assigned again).
/// Rebalance callbacks run only while the consumer is polled; what arrives meanwhile is not
/// processed and its offset not stored, so the next owner gets it.
pub(crate) async fn settle_rebalance(
    consumer: &StreamConsumer<WorkerContext>,
    deadline: tokio::time::Instant,
    what: &str,
) -> bool {
    let health = &consumer.context().health;
    if !health.rebalancing() {
        return true;
    }
    tracing::info!(
        what,
        "waiting for the rebalance under way before leaving the group"
    );
    let settled = async {
        while health.rebalancing() {
            let _ = tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await;
        }
    };
    tokio::time::timeout_at(deadline, settled).await.is_ok()
}

/// Leave the group on a plain thread, waiting a bounded time (it blocks while the broker is
/// unreachable, and a dead broker must not hold the process). When the rebalance did not settle
/// (`settled` false) the group is not left: like a crashed member, its session ends
/// `session.timeout.ms` after the process, which is about to end.
pub(crate) async fn leave_group(
    consumer: StreamConsumer<WorkerContext>,
    settled: bool,
    what: &str,
) {
    if !settled {
        tracing::warn!(
            what,
            "rebalance still under way: not leaving the group, its session will expire"
        );
        // Dropping the consumer would send LeaveGroup.
        std::mem::forget(consumer);
        return;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        consumer.unsubscribe();
        drop(consumer);
        let _ = tx.send(());
    });
    if tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .is_err()
    {
        tracing::warn!(what, "leaving the consumer group timed out");
    }
}

/// Ask the cluster for metadata every `every` until `shutdown`, recording whether it answered.
/// Used by every worker (the fetcher has no consumer whose statistics would tell).
pub async fn probe_broker(
    settings: &KafkaSettings,
    health: Arc<ClientHealth>,
    every: Duration,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let client: BaseConsumer = settings
        .client_config()
        .create()
        .map_err(BusError::Config)?;
    let client = Arc::new(client);
    loop {
        let c = client.clone();
        let timeout = every.max(Duration::from_secs(1));
        // fetch_metadata blocks: keep it off the async workers.
        let answered = tokio::task::spawn_blocking(move || c.fetch_metadata(None, timeout).is_ok())
            .await
            .unwrap_or(false);
        if answered != health.broker_up() {
            tracing::info!(broker_up = answered, "broker reachability changed");
        }
        health.set_broker(answered);
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(every) => {}
        }
    }
    // Dropping a client whose broker is away can block: do it on a plain thread.
    std::thread::spawn(move || drop(client));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_state_is_recorded_with_time() {
        let h = ClientHealth::new();
        assert!(!h.broker_up());
        assert_eq!(h.last_ok_ms(), 0);
        h.set_broker(true);
        assert!(h.broker_up());
        assert!(h.last_ok_ms() > 0);
        let t = h.last_ok_ms();
        h.set_broker(false);
        assert!(!h.broker_up());
        assert_eq!(
            h.last_ok_ms(),
            t,
            "a failure keeps the time of the last success"
        );
    }
}
