//! Keeps the story index in step with the enriched and stories topics: a rebuild at start, then
//! a follower, so that whichever instance owns the story partition knows what every instance
//! published before it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use bus::{KafkaSettings, Record};
use enricher::StoryIndex;
use model::{EnrichedArticle, StoryEvent};
use tokio_util::sync::CancellationToken;

use crate::topology::Topics;

/// How long a catch-up may wait for the follower before assignment goes ahead anyway.
const CATCH_UP_BOUND: Duration = Duration::from_secs(30);
/// After a takeover, the index is taken as current once no record arrived for this long...
const TAIL_QUIET: Duration = Duration::from_millis(700);
/// ...or this long has passed.
const TAIL_MAX: Duration = Duration::from_secs(3);

/// Topic numbers of the follower.
const ENRICHED: usize = 0;

/// Reads the enriched and stories topics into a shared story index.
pub struct IndexFollower {
    follower: bus::Follower,
    index: Arc<Mutex<StoryIndex>>,
}

impl IndexFollower {
    /// Open both topics from the beginning.
    pub async fn open(
        settings: &KafkaSettings,
        topics: &Topics,
        index: Arc<Mutex<StoryIndex>>,
    ) -> Result<Self> {
        Ok(Self {
            follower: bus::Follower::open(settings, &[&topics.enriched, &topics.stories]).await?,
            index,
        })
    }

    fn apply(&self, n: usize, rec: &Record, also: &mut impl FnMut(&EnrichedArticle)) {
        let Some(body) = rec.payload.as_deref() else {
            return;
        };
        let topic = self.follower.topic(n);
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        if n == ENRICHED {
            match model::decode::<EnrichedArticle>(body) {
                Ok(a) => {
                    also(&a);
                    index.observe_article(&a);
                }
                Err(e) => {
                    tracing::warn!(topic, partition = rec.partition, offset = rec.offset, error = %e, "unreadable enriched record skipped")
                }
            }
        } else {
            match model::decode::<StoryEvent>(body) {
                Ok(ev) => index.observe_event(&ev),
                Err(e) => {
                    tracing::warn!(topic, partition = rec.partition, offset = rec.offset, error = %e, "unreadable story event skipped")
                }
            }
        }
    }

    /// Read both topics up to their current ends: articles first (stories and revisions), then
    /// events (merges, version numbers). `also` sees every article too.
    pub async fn rebuild(&self, mut also: impl FnMut(&EnrichedArticle)) -> Result<()> {
        for n in 0..2 {
            self.follower
                .read_to_end(n, |rec| self.apply(n, rec, &mut also))
                .await?;
        }
        Ok(())
    }

    /// Keep applying what arrives on both topics until `shutdown`.
    pub async fn follow(self: Arc<Self>, shutdown: CancellationToken) {
        self.follower
            .follow(&shutdown, |n, rec| self.apply(n, rec, &mut |_| {}))
            .await;
    }
}

impl super::stage::CatchUp for IndexFollower {
    fn catch_up(&self, resume: super::stage::Resume) {
        let handle = tokio::runtime::Handle::current();
        let started = std::time::Instant::now();
        // Records past the reported watermark arrive with the reader's next fetch, which the
        // local broker holds for up to librdkafka's 500 ms fetch wait: after a takeover, also
        // wait for the topics to go quiet.
        let quiet =
            (resume == super::stage::Resume::AfterRebalance).then_some((TAIL_QUIET, TAIL_MAX));
        let r = tokio::task::block_in_place(|| {
            handle.block_on(tokio::time::timeout(
                CATCH_UP_BOUND,
                self.follower.wait_caught_up(quiet),
            ))
        });
        match r {
            Ok(Ok(())) => tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "story index caught up"
            ),
            Ok(Err(e)) => tracing::warn!(error = %e, "story index catch-up failed"),
            Err(_) => tracing::warn!("story index catch-up timed out"),
        }
    }
}
