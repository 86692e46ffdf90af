//! The producer: idempotent, `acks=all`, lz4-compressed, with sends that enqueue at once.

use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;

use crate::{BusError, KafkaSettings};

/// A cheap-to-clone handle on one idempotent producer.
#[derive(Clone)]
pub struct Publisher {
    inner: FutureProducer,
}

/// Errors worth retrying: the broker is away, slow or busy. Anything else is the message's fault.
pub(crate) fn is_transient(err: &KafkaError) -> bool {
    !matches!(
        err.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::MessageSizeTooLarge
                | RDKafkaErrorCode::InvalidMessageSize
                | RDKafkaErrorCode::InvalidMessage
                | RDKafkaErrorCode::TopicAuthorizationFailed
        )
    )
}

impl Publisher {
    /// Create the producer. `max_message_bytes` must cover the largest message we send.
    pub fn new(settings: &KafkaSettings, max_message_bytes: usize) -> Result<Self, BusError> {
        let mut cfg = settings.client_config();
        cfg.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", "lz4")
            .set("linger.ms", "5")
            // Transient broker trouble is retried inside librdkafka for this long, then by us.
            .set("message.timeout.ms", "120000")
            .set(
                "message.max.bytes",
                (max_message_bytes + 64 * 1024).to_string(),
            );
        for (k, v) in &settings.options {
            cfg.set(k, v);
        }
        let inner: FutureProducer = cfg.create().map_err(BusError::Config)?;
        Ok(Self { inner })
    }

    /// Enqueue one message now and return its delivery future. Waits while the local queue is full.
    pub async fn enqueue(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
    ) -> Result<DeliveryFuture, BusError> {
        let mut record = FutureRecord::to(topic).key(key).payload(payload);
        loop {
            match self.inner.send_result(record) {
                Ok(fut) => return Ok(fut),
                Err((e, rec)) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                    record = rec;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err((e, _)) => {
                    return Err(BusError::Produce {
                        topic: topic.to_string(),
                        reason: e.to_string(),
                    })
                }
            }
        }
    }

    /// Send one message and wait until the broker has it, retrying transient failures with
    /// backoff for as long as it takes. Permanent failures (message too large) are returned.
    pub async fn publish(&self, topic: &str, key: &str, payload: &[u8]) -> Result<(), BusError> {
        let mut backoff = Duration::from_millis(200);
        loop {
            let fut = self.enqueue(topic, key, payload).await?;
            match fut.await {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err((e, _))) if is_transient(&e) => {
                    tracing::warn!(topic, key, error = %e, backoff_ms = backoff.as_millis() as u64, "delivery failed, retrying");
                }
                Ok(Err((e, _))) => {
                    return Err(BusError::Produce {
                        topic: topic.to_string(),
                        reason: e.to_string(),
                    })
                }
                Err(_) => {
                    return Err(BusError::Produce {
                        topic: topic.to_string(),
                        reason: "producer closed".into(),
                    })
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    /// Wait until every queued message is delivered or `timeout` passes.
    pub fn flush(&self, timeout: Duration) -> Result<(), BusError> {
        self.inner
            .flush(Timeout::After(timeout))
            .map_err(|e| BusError::Produce {
                topic: "*".into(),
                reason: format!("flush: {e}"),
            })
    }

    /// Messages still queued or in flight.
    pub fn in_flight(&self) -> i32 {
        self.inner.in_flight_count()
    }
}
