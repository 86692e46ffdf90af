//! The worker loop's observable outcomes: each writes its log line and bumps its counter of
//! [`WorkerStats`] together.

use rdkafka::error::KafkaError;
use telemetry::InternalEvent;

use crate::{StageError, WorkerStats};

/// An input message was read.
pub(crate) struct MessageConsumed<'a> {
    pub stats: &'a WorkerStats,
    pub partition: i32,
    pub offset: i64,
}

impl InternalEvent for MessageConsumed<'_> {
    fn emit(self) {
        tracing::trace!(
            partition = self.partition,
            offset = self.offset,
            "message consumed"
        );
        self.stats.consumed.inc();
    }
}

/// The stage turned an input into its outputs.
pub(crate) struct MessageProcessed<'a> {
    pub stats: &'a WorkerStats,
    pub stage: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub outputs: usize,
}

impl InternalEvent for MessageProcessed<'_> {
    fn emit(self) {
        tracing::debug!(
            stage = self.stage,
            partition = self.partition,
            offset = self.offset,
            outputs = self.outputs,
            "message processed"
        );
        self.stats.processed.inc();
    }
}

/// The stage could not process an input: it goes to the dead-letter topic.
pub(crate) struct MessageDeadLettered<'a> {
    pub stats: &'a WorkerStats,
    pub stage: &'a str,
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub error: &'a StageError,
}

impl InternalEvent for MessageDeadLettered<'_> {
    fn emit(self) {
        tracing::warn!(
            stage = self.stage,
            topic = self.topic,
            partition = self.partition,
            offset = self.offset,
            class = %self.error.class,
            reason = %self.error.reason,
            "message dead-lettered"
        );
        self.stats.dead_lettered.inc();
    }
}

/// The broker acknowledged an output.
pub(crate) struct OutputDelivered<'a> {
    pub stats: &'a WorkerStats,
    pub topic: &'a str,
}

impl InternalEvent for OutputDelivered<'_> {
    fn emit(self) {
        tracing::trace!(topic = self.topic, "output delivered");
        self.stats.produced.inc();
    }
}

/// The broker refused an output for good; it is dropped (and counted as dead-lettered) so that
/// the partition goes on.
pub(crate) struct OutputRefused<'a> {
    pub stats: &'a WorkerStats,
    pub topic: &'a str,
    pub key: &'a str,
    pub error: &'a KafkaError,
}

impl InternalEvent for OutputRefused<'_> {
    fn emit(self) {
        tracing::error!(topic = self.topic, key = self.key, error = %self.error, "output refused by broker");
        self.stats.dead_lettered.inc();
    }
}

/// A delivery failed for now (`error`) or was cancelled (`None`); it is retried.
pub(crate) struct DeliveryRetried<'a> {
    pub stats: &'a WorkerStats,
    pub topic: &'a str,
    pub key: &'a str,
    pub error: Option<&'a KafkaError>,
}

impl InternalEvent for DeliveryRetried<'_> {
    fn emit(self) {
        match self.error {
            Some(e) => {
                tracing::warn!(topic = self.topic, key = self.key, error = %e, "delivery failed, retrying")
            }
            None => tracing::warn!(topic = self.topic, "delivery cancelled, retrying"),
        }
        self.stats.retried.inc();
    }
}

/// An input offset was stored for commit: every output of the message is acknowledged.
pub(crate) struct OffsetStored<'a> {
    pub stats: &'a WorkerStats,
    pub partition: i32,
    pub offset: i64,
}

impl InternalEvent for OffsetStored<'_> {
    fn emit(self) {
        tracing::trace!(
            partition = self.partition,
            offset = self.offset,
            "offset stored"
        );
        self.stats.committed.inc();
    }
}
