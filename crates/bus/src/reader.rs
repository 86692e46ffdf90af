//! Reading a whole topic without a consumer group: state rebuilds, `tail`, and test oracles.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::{BusError, KafkaSettings};

/// One record read from a topic.
#[derive(Debug, Clone)]
pub struct Record {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Payload bytes.
    pub payload: Option<Vec<u8>>,
}

/// Reads every partition of one topic from the beginning, outside any consumer group.
pub struct TopicReader {
    consumer: StreamConsumer,
    /// A second client for metadata and watermark queries: on the reading client they queue
    /// behind the fetch the broker is holding (500 ms per partition on the local broker, which
    /// made reading an empty topic to its end take 2 s).
    meta: BaseConsumer,
    topic: String,
}

impl TopicReader {
    /// Assign all partitions of `topic`, starting at the beginning (or the end if `from_end`).
    pub async fn open(
        settings: &KafkaSettings,
        topic: &str,
        from_end: bool,
    ) -> Result<Self, BusError> {
        let mut cfg = settings.client_config();
        cfg.set(
            "group.id",
            format!("newsflow-reader-{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
        let consumer: StreamConsumer = cfg.create().map_err(BusError::Config)?;
        let meta: BaseConsumer = cfg.create().map_err(BusError::Config)?;
        let partitions = partition_ids(&meta, topic).await?;
        let mut tpl = TopicPartitionList::new();
        for p in partitions {
            let start = if from_end {
                Offset::End
            } else {
                Offset::Beginning
            };
            tpl.add_partition_offset(topic, p, start)
                .map_err(|source| BusError::Kafka {
                    op: "assign",
                    topic: topic.to_string(),
                    source,
                })?;
        }
        consumer.assign(&tpl).map_err(|source| BusError::Kafka {
            op: "assign",
            topic: topic.to_string(),
            source,
        })?;
        Ok(Self {
            consumer,
            meta,
            topic: topic.to_string(),
        })
    }

    /// The next record; waits for one to arrive.
    pub async fn next(&self) -> Result<Record, BusError> {
        let msg = self
            .consumer
            .recv()
            .await
            .map_err(|source| BusError::Kafka {
                op: "consume",
                topic: self.topic.clone(),
                source,
            })?;
        Ok(Record {
            partition: msg.partition(),
            offset: msg.offset(),
            key: msg.key().map(<[u8]>::to_vec),
            payload: msg.payload().map(<[u8]>::to_vec),
        })
    }

    /// High watermark per partition right now.
    pub async fn high_watermarks(&self) -> Result<HashMap<i32, i64>, BusError> {
        let consumer = &self.meta;
        let mut out = HashMap::new();
        for p in partition_ids(consumer, &self.topic).await? {
            let (_, high) = consumer
                .fetch_watermarks(&self.topic, p, Duration::from_secs(10))
                .map_err(|source| BusError::Kafka {
                    op: "fetch watermarks",
                    topic: self.topic.clone(),
                    source,
                })?;
            out.insert(p, high);
        }
        Ok(out)
    }
}

async fn partition_ids(consumer: &BaseConsumer, topic: &str) -> Result<Vec<i32>, BusError> {
    // Metadata for a just-created topic may briefly list no partitions: ask again for a while.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let md = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|source| BusError::Kafka {
                op: "fetch metadata",
                topic: topic.to_string(),
                source,
            })?;
        let ids: Vec<i32> = md
            .topics()
            .iter()
            .filter(|t| t.name() == topic && t.error().is_none())
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if !ids.is_empty() {
            return Ok(ids);
        }
        if Instant::now() > deadline {
            return Err(BusError::CreateTopic {
                topic: topic.to_string(),
                code: None,
                reason: "topic does not exist or has no partitions".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Everything in `topic` up to its high watermarks at the time of the call.
///
/// The reported high watermark is not trusted alone: the local broker reports the start of the
/// last record batch rather than its end, so after reaching the watermarks the rest of what the
/// broker sends at once is read too (until 300 ms pass without a record, at most 2 s, so that a
/// topic written to all the time still ends).
pub async fn read_to_end(settings: &KafkaSettings, topic: &str) -> Result<Vec<Record>, BusError> {
    const IDLE: Duration = Duration::from_millis(300);
    const TAIL: Duration = Duration::from_secs(2);
    let reader = TopicReader::open(settings, topic, false).await?;
    let mut remaining: HashMap<i32, i64> = reader
        .high_watermarks()
        .await?
        .into_iter()
        .filter(|(_, high)| *high > 0)
        .collect();
    let mut out = Vec::new();
    while !remaining.is_empty() {
        let rec = tokio::time::timeout(Duration::from_secs(30), reader.next())
            .await
            .map_err(|_| BusError::Read {
                topic: topic.to_string(),
                reason: "timed out reading to the high watermark".into(),
            })??;
        if let Some(high) = remaining.get(&rec.partition) {
            if rec.offset + 1 >= *high {
                remaining.remove(&rec.partition);
            }
        }
        out.push(rec);
    }
    let until = Instant::now() + TAIL;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(IDLE.min(left), reader.next()).await {
            Ok(rec) => out.push(rec?),
            Err(_) => break,
        }
    }
    Ok(out)
}
