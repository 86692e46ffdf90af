//! Keeps the story index in step with the enriched and stories topics: a rebuild at start, then
//! a follower, so that whichever instance owns the story partition knows what every instance
//! published before it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use bus::{KafkaSettings, Record, TopicReader, Topics};
use enricher::StoryIndex;
use model::{EnrichedArticle, StoryEvent};
use tokio_util::sync::CancellationToken;

/// How long a catch-up may wait for the follower before assignment goes ahead anyway.
const CATCH_UP_BOUND: Duration = Duration::from_secs(30);
/// After a takeover, the index is taken as current once no record arrived for this long...
const TAIL_QUIET: Duration = Duration::from_millis(700);
/// ...or this long has passed.
const TAIL_MAX: Duration = Duration::from_secs(3);

/// Reads the enriched and stories topics into a shared story index.
pub struct Follower {
    enriched: TopicReader,
    stories: TopicReader,
    topics: [String; 2],
    index: Arc<Mutex<StoryIndex>>,
    /// (topic number, partition) → next offset to read.
    positions: Mutex<HashMap<(usize, i32), i64>>,
    /// When the last record was applied.
    last_applied: Mutex<std::time::Instant>,
}

impl Follower {
    /// Open both topics from the beginning.
    pub async fn open(
        settings: &KafkaSettings,
        topics: &Topics,
        index: Arc<Mutex<StoryIndex>>,
    ) -> Result<Self> {
        Ok(Self {
            enriched: TopicReader::open(settings, &topics.enriched, false).await?,
            stories: TopicReader::open(settings, &topics.stories, false).await?,
            topics: [topics.enriched.clone(), topics.stories.clone()],
            index,
            positions: Mutex::new(HashMap::new()),
            last_applied: Mutex::new(std::time::Instant::now()),
        })
    }

    fn reader(&self, n: usize) -> &TopicReader {
        if n == 0 {
            &self.enriched
        } else {
            &self.stories
        }
    }

    fn apply(&self, n: usize, rec: &Record, mut also: impl FnMut(&EnrichedArticle)) {
        if let Ok(mut p) = self.positions.lock() {
            p.insert((n, rec.partition), rec.offset + 1);
        }
        if let Ok(mut t) = self.last_applied.lock() {
            *t = std::time::Instant::now();
        }
        let Some(body) = rec.payload.as_deref() else {
            return;
        };
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        if n == 0 {
            match model::decode::<EnrichedArticle>(body) {
                Ok(a) => {
                    also(&a);
                    index.observe_article(&a);
                }
                Err(e) => {
                    tracing::warn!(topic = %self.topics[n], partition = rec.partition, offset = rec.offset, error = %e, "unreadable enriched record skipped")
                }
            }
        } else {
            match model::decode::<StoryEvent>(body) {
                Ok(ev) => index.observe_event(&ev),
                Err(e) => {
                    tracing::warn!(topic = %self.topics[n], partition = rec.partition, offset = rec.offset, error = %e, "unreadable story event skipped")
                }
            }
        }
    }

    /// True when every partition of topic `n` has been read up to `highs`.
    fn reached(&self, n: usize, highs: &HashMap<i32, i64>) -> bool {
        let p = self.positions.lock().unwrap_or_else(|p| p.into_inner());
        highs
            .iter()
            .all(|(part, high)| *high <= 0 || p.get(&(n, *part)).is_some_and(|o| o >= high))
    }

    /// Read both topics up to their current ends: articles first (stories and revisions), then
    /// events (merges, version numbers). `also` sees every article too.
    pub async fn rebuild(&self, mut also: impl FnMut(&EnrichedArticle)) -> Result<()> {
        for n in 0..2 {
            let highs = self.reader(n).high_watermarks().await?;
            while !self.reached(n, &highs) {
                let rec = tokio::time::timeout(Duration::from_secs(30), self.reader(n).next())
                    .await
                    .with_context(|| {
                        format!("reading {} to its end timed out", self.topics[n])
                    })??;
                self.apply(n, &rec, &mut also);
            }
        }
        Ok(())
    }

    /// Keep applying what arrives on both topics until `shutdown`.
    pub async fn follow(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                rec = self.enriched.next() => self.handle(0, rec).await,
                rec = self.stories.next() => self.handle(1, rec).await,
            }
        }
    }

    async fn handle(&self, n: usize, rec: Result<Record, bus::BusError>) {
        match rec {
            Ok(r) => self.apply(n, &r, |_| {}),
            Err(e) => {
                tracing::warn!(topic = %self.topics[n], error = %e, "following failed, retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    async fn wait_caught_up(&self, tail: bool) -> Result<()> {
        for n in 0..2 {
            let highs = self.reader(n).high_watermarks().await?;
            while !self.reached(n, &highs) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        if tail {
            // Records past the reported watermark arrive with the reader's next fetch, which
            // the local broker holds for up to librdkafka's 500 ms fetch wait.
            let until = std::time::Instant::now() + TAIL_MAX;
            while std::time::Instant::now() < until {
                let quiet = self
                    .last_applied
                    .lock()
                    .map(|t| t.elapsed())
                    .unwrap_or(TAIL_QUIET);
                if quiet >= TAIL_QUIET {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }
}

impl crate::stages::CatchUp for Follower {
    fn catch_up(&self, after_rebalance: bool) {
        let handle = tokio::runtime::Handle::current();
        let started = std::time::Instant::now();
        let r = tokio::task::block_in_place(|| {
            handle.block_on(tokio::time::timeout(
                CATCH_UP_BOUND,
                self.wait_caught_up(after_rebalance),
            ))
        });
        match r {
            Ok(Ok(())) => tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "story index caught up"
            ),
            Ok(Err(e)) => tracing::warn!(error = format!("{e:#}"), "story index catch-up failed"),
            Err(_) => tracing::warn!("story index catch-up timed out"),
        }
    }
}
