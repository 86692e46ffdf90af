//! Topic creation.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::{BusError, KafkaSettings, Topics};

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

impl TopicSpec {
    /// The standard pipeline topics: raw sized to the body cap, enriched and state compacted.
    pub fn pipeline(
        topics: &Topics,
        partitions: i32,
        replication: i32,
        max_message_bytes: usize,
    ) -> Vec<TopicSpec> {
        let spec = |name: &str, configs: Vec<(&str, String)>| TopicSpec {
            name: name.to_string(),
            partitions,
            replication,
            configs: configs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        };
        let big = max_message_bytes.to_string();
        vec![
            spec(&topics.raw, vec![("max.message.bytes", big.clone())]),
            spec(&topics.clean, vec![("max.message.bytes", big.clone())]),
            spec(
                &topics.enriched,
                vec![
                    ("cleanup.policy", "compact".into()),
                    ("max.message.bytes", big.clone()),
                ],
            ),
            spec(&topics.stories, vec![]),
            spec(&topics.dlq, vec![("max.message.bytes", big)]),
            spec(
                &topics.fetcher_state,
                vec![("cleanup.policy", "compact".into())],
            ),
        ]
    }
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
