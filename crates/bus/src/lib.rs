//! Everything Kafka: client config, topic admin, the producer, the consume→process→produce worker
//! loop with its dead-letter topic, topic readers and the follower of compacted topics. Stages plug in as plain [`Stage`] values.

mod admin;
mod config;
mod dlq;
mod events;
mod follow;
mod health;
mod local;
mod membership;
mod producer;
mod reader;
mod worker;

pub use admin::{ensure_topics, TopicSpec};
pub use config::{is_secret_option, KafkaOptions, KafkaSettings};
pub use dlq::{dead_letter, original_payload, MAX_DEAD_PAYLOAD};
pub use follow::Follower;
pub use health::{probe_broker, ClientHealth, PartitionLag};
pub use local::{tansu_path, LocalBroker};
pub use membership::join_group;
pub use producer::Publisher;
pub use reader::{read_to_end, Record, TopicReader};
pub use worker::{run_worker, Output, Stage, StageError, WorkerOptions, WorkerStats};

/// A Kafka operation that failed, with the topic or setting involved.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// librdkafka refused the client configuration.
    #[error("invalid kafka client config: {0}")]
    Config(#[source] rdkafka::error::KafkaError),
    /// Creating topics failed.
    #[error("creating topic {topic}: {reason}")]
    CreateTopic {
        /// Topic name.
        topic: String,
        /// The broker's error code, when it gave one.
        code: Option<rdkafka::types::RDKafkaErrorCode>,
        /// Broker's reason.
        reason: String,
    },
    /// Subscribing, fetching metadata or committing failed.
    #[error("kafka {op} on {topic}: {source}")]
    Kafka {
        /// What was being done.
        op: &'static str,
        /// Topic involved.
        topic: String,
        /// librdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// The local broker could not be started.
    #[error("local broker: {0}")]
    LocalBroker(String),
    /// Reading a topic to its end did not finish in time.
    #[error("reading {topic} to its end: {reason}")]
    Read {
        /// Topic name.
        topic: String,
        /// Why.
        reason: String,
    },
    /// Producing a message failed permanently.
    #[error("producing to {topic}: {reason}")]
    Produce {
        /// Topic name.
        topic: String,
        /// Why.
        reason: String,
    },
}

impl BusError {
    /// Whether asking the broker again may succeed: timeouts and transport trouble, not a refused
    /// client config, a missing local broker or a topic the broker will not create.
    pub fn is_transient(&self) -> bool {
        use rdkafka::types::RDKafkaErrorCode as C;
        match self {
            BusError::Config(_) | BusError::LocalBroker(_) => false,
            // A request the broker refuses as such: asking again gets the same answer.
            BusError::CreateTopic { code, .. } => !matches!(
                code,
                Some(
                    C::InvalidTopic
                        | C::InvalidPartitions
                        | C::InvalidReplicationFactor
                        | C::InvalidReplicaAssignment
                        | C::InvalidConfig
                        | C::InvalidRequest
                        | C::InvalidArgument
                        | C::PolicyViolation
                        | C::TopicAuthorizationFailed
                        | C::ClusterAuthorizationFailed
                )
            ),
            BusError::Kafka { source, .. } => !matches!(
                source.rdkafka_error_code(),
                Some(
                    C::TopicAuthorizationFailed
                        | C::GroupAuthorizationFailed
                        | C::ClusterAuthorizationFailed
                        | C::SaslAuthenticationFailed
                        | C::InvalidConfig
                        | C::InvalidArgument
                )
            ),
            BusError::Read { .. } | BusError::Produce { .. } => true,
        }
    }
}
