//! Sharing work between instances through a consumer group: each live member is assigned some
//! partitions of a topic, and owns the work that hashes to them. When a member dies, the group
//! rebalances after `session.timeout.ms` and the survivors are assigned its partitions.

use std::collections::BTreeSet;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::{BusError, KafkaSettings};

/// Join `group` on `topic` and report the partitions assigned to this member until `shutdown`
/// fires, then leave the group (so that the others take over at once); the task ends once the
/// group is left.
pub async fn join_group(
    settings: &KafkaSettings,
    topic: &str,
    group: &str,
    session_timeout: Duration,
    shutdown: CancellationToken,
) -> Result<(watch::Receiver<BTreeSet<i32>>, tokio::task::JoinHandle<()>), BusError> {
    let mut cfg = settings.client_config();
    cfg.set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "latest")
        .set(
            "session.timeout.ms",
            session_timeout.as_millis().max(1000).to_string(),
        )
        .set(
            "heartbeat.interval.ms",
            (session_timeout.as_millis() / 5)
                .clamp(200, 3000)
                .to_string(),
        );
    for (k, v) in &settings.options {
        cfg.set(k, v);
    }
    let health = crate::health::ClientHealth::new();
    let context = crate::health::WorkerContext {
        health: health.clone(),
    };
    let consumer: StreamConsumer<crate::health::WorkerContext> =
        cfg.create_with_context(context).map_err(BusError::Config)?;
    health.set_rebalancing(true);
    consumer
        .subscribe(&[topic])
        .map_err(|source| BusError::Kafka {
            op: "subscribe",
            topic: topic.to_string(),
            source,
        })?;
    let (tx, rx) = watch::channel(BTreeSet::new());
    let topic = topic.to_string();
    let task = tokio::spawn(async move {
        loop {
            // Rebalances happen while the consumer is polled.
            tokio::select! {
                _ = shutdown.cancelled() => break,
                r = tokio::time::timeout(Duration::from_millis(200), consumer.recv()) => {
                    if let Ok(Err(e)) = r {
                        tracing::debug!(topic = %topic, error = %e, "group member poll");
                    }
                }
            }
            let assigned: BTreeSet<i32> = match consumer.assignment() {
                Ok(tpl) => tpl
                    .elements()
                    .iter()
                    .filter(|e| e.topic() == topic)
                    .map(|e| e.partition())
                    .collect(),
                Err(e) => {
                    tracing::debug!(topic = %topic, error = %e, "reading assignment");
                    continue;
                }
            };
            if *tx.borrow() != assigned {
                tracing::info!(topic = %topic, partitions = ?assigned, "group assignment changed");
                tx.send_replace(assigned);
            }
        }
        let deadline = tokio::time::Instant::now() + session_timeout;
        let settled = crate::health::settle_rebalance(&consumer, deadline, &topic).await;
        crate::health::leave_group(consumer, settled, &topic).await;
    });
    Ok((rx, task))
}
