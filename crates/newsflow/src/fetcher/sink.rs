//! The fetcher's sink over Kafka: articles to the raw topic, progress to the compacted fetcher
//! state topic (after the article is acknowledged), failures to the dead-letter topic.

use bus::{KafkaSettings, Publisher};
use fetcher::{FeedState, SeenEntry, Sink, SinkError, StoredState};
use model::{DeadLetter, RawArticle};

use crate::topology::Topics;

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
    if e.is_transient() {
        SinkError::transient(e)
    } else {
        SinkError::permanent(e)
    }
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
        let payload = serde_json::to_vec(&entry).map_err(SinkError::permanent)?;
        self.publisher
            .publish(
                &self.topics.fetcher_state,
                &format!("seen/{}", entry.key),
                &payload,
            )
            .await
            .map_err(err)
    }

    async fn save_feed(&self, state: FeedState) -> Result<(), SinkError> {
        let payload = serde_json::to_vec(&state).map_err(SinkError::permanent)?;
        self.publisher
            .publish(
                &self.topics.fetcher_state,
                &format!("{FEED_KEY_PREFIX}{}", state.name),
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

/// Key prefix of per-feed state records in the fetcher state topic (seen entries use `seen/`).
pub const FEED_KEY_PREFIX: &str = "feed/";

/// Rebuild what the fetcher has published, and each feed's state, from the state topic.
pub async fn load_state(
    settings: &KafkaSettings,
    topics: &Topics,
) -> Result<StoredState, bus::BusError> {
    let mut state = StoredState::default();
    for rec in bus::read_to_end(settings, &topics.fetcher_state).await? {
        let key = rec
            .key
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let Some(payload) = rec.payload.as_deref() else {
            continue;
        };
        if key.starts_with(FEED_KEY_PREFIX) {
            match serde_json::from_slice::<FeedState>(payload) {
                Ok(f) => {
                    state.feeds.insert(f.name.clone(), f);
                }
                Err(e) => {
                    tracing::warn!(offset = rec.offset, key = %key, error = %e, "skipping unreadable feed state record")
                }
            }
            continue;
        }
        match serde_json::from_slice::<SeenEntry>(payload) {
            Ok(e) => state.seen.insert(e),
            Err(e) => {
                tracing::warn!(offset = rec.offset, error = %e, "skipping unreadable fetcher state record")
            }
        }
    }
    Ok(state)
}
