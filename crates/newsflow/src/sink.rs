//! The fetcher's sink over Kafka: articles to the raw topic, progress to the compacted fetcher
//! state topic (after the article is acknowledged), failures to the dead-letter topic.

use bus::{KafkaSettings, Publisher, Topics};
use fetcher::{SeenEntry, SeenState, Sink, SinkError};
use model::{DeadLetter, RawArticle};

/// Publishes fetcher output to Kafka.
pub struct KafkaSink {
    publisher: Publisher,
    topics: Topics,
}

impl KafkaSink {
    /// A sink with its own producer.
    pub fn new(
        settings: &KafkaSettings,
        topics: Topics,
        max_message_bytes: usize,
    ) -> Result<Self, bus::BusError> {
        Ok(Self {
            publisher: Publisher::new(settings, max_message_bytes)?,
            topics,
        })
    }

    /// Flush queued messages.
    pub fn flush(&self) {
        if let Err(e) = self.publisher.flush(std::time::Duration::from_secs(10)) {
            tracing::warn!(error = %e, "fetcher flush failed");
        }
    }
}

fn err(e: bus::BusError) -> SinkError {
    SinkError(e.to_string())
}

impl Sink for KafkaSink {
    async fn publish(&self, article: RawArticle) -> Result<(), SinkError> {
        let payload = model::encode(&article);
        self.publisher
            .publish(&self.topics.raw, &article.article_id, &payload)
            .await
            .map_err(err)
    }

    async fn mark_seen(&self, entry: SeenEntry) -> Result<(), SinkError> {
        let payload = serde_json::to_vec(&entry).map_err(|e| SinkError(e.to_string()))?;
        self.publisher
            .publish(
                &self.topics.fetcher_state,
                &format!("seen/{}", entry.key),
                &payload,
            )
            .await
            .map_err(err)
    }

    async fn dead_letter(&self, letter: DeadLetter) -> Result<(), SinkError> {
        let key = letter.key.clone().unwrap_or_default();
        self.publisher
            .publish(&self.topics.dlq, &key, &model::encode(&letter))
            .await
            .map_err(err)
    }
}

/// Rebuild what the fetcher has published from the state topic.
pub async fn load_seen(
    settings: &KafkaSettings,
    topics: &Topics,
) -> Result<SeenState, bus::BusError> {
    let mut seen = SeenState::default();
    for rec in bus::read_to_end(settings, &topics.fetcher_state).await? {
        match rec
            .payload
            .as_deref()
            .map(serde_json::from_slice::<SeenEntry>)
        {
            Some(Ok(e)) => seen.insert(e),
            Some(Err(e)) => {
                tracing::warn!(offset = rec.offset, error = %e, "skipping unreadable fetcher state record")
            }
            None => {}
        }
    }
    Ok(seen)
}
