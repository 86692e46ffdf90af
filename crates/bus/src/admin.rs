//! Topic creation.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::{BusError, KafkaSettings};

/// How to create one topic.
#[derive(Debug, Clone)]
pub struct TopicSpec {
    /// Topic name.
    pub name: String,
    /// Partition count.
    pub partitions: i32,
    /// Replication factor.
    pub replication: i32,
    /// Topic-level configs (`cleanup.policy`, `max.message.bytes`, ...).
    pub configs: Vec<(String, String)>,
}

/// Create the topics that do not exist yet; existing topics are left as they are.
pub async fn ensure_topics(settings: &KafkaSettings, specs: &[TopicSpec]) -> Result<(), BusError> {
    let admin: AdminClient<DefaultClientContext> = settings
        .client_config()
        .create()
        .map_err(BusError::Config)?;
    let new: Vec<NewTopic<'_>> = specs
        .iter()
        .map(|s| {
            let mut t = NewTopic::new(
                &s.name,
                s.partitions,
                TopicReplication::Fixed(s.replication),
            );
            for (k, v) in &s.configs {
                t = t.set(k, v);
            }
            t
        })
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results =
        admin
            .create_topics(new.iter(), &opts)
            .await
            .map_err(|e| BusError::CreateTopic {
                topic: specs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                code: e.rdkafka_error_code(),
                reason: e.to_string(),
            })?;
    for r in results {
        match r {
            Ok(name) => tracing::info!(topic = %name, "topic created"),
            Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                tracing::debug!(topic = %name, "topic exists")
            }
            Err((name, code)) => {
                return Err(BusError::CreateTopic {
                    topic: name,
                    code: Some(code),
                    reason: code.to_string(),
                })
            }
        }
    }
    Ok(())
}
