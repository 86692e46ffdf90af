//! Following compacted topics: read a set of topics from the beginning up to where they ended
//! when asked (a rebuild of state kept in them), then keep applying what arrives, knowing at any
//! time whether everything published so far has been applied. The caller decides what a record
//! means; this piece knows offsets and watermarks only.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::select_all;
use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use crate::{BusError, KafkaSettings, Record, TopicReader};

/// Longest wait for the next record while reading a topic to its end.
const NEXT_RECORD: Duration = Duration::from_secs(30);

/// Readers of several topics from the beginning, with how far each partition was applied.
pub struct Follower {
    readers: Vec<TopicReader>,
    names: Vec<String>,
    /// (topic number, partition) → next offset to apply.
    positions: Mutex<HashMap<(usize, i32), i64>>,
    /// When the last record was applied.
    last_applied: Mutex<Instant>,
}

impl Follower {
    /// Open every topic in `topics` from the beginning; topic numbers are positions in `topics`.
    pub async fn open(settings: &KafkaSettings, topics: &[&str]) -> Result<Self, BusError> {
        let mut readers = Vec::with_capacity(topics.len());
        for t in topics {
            readers.push(TopicReader::open(settings, t, false).await?);
        }
        Ok(Self {
            readers,
            names: topics.iter().map(|t| t.to_string()).collect(),
            positions: Mutex::new(HashMap::new()),
            last_applied: Mutex::new(Instant::now()),
        })
    }

    /// The name of topic `n`.
    pub fn topic(&self, n: usize) -> &str {
        &self.names[n]
    }

    fn applied(&self, n: usize, rec: &Record) {
        let mut p = self.positions.lock().unwrap_or_else(|p| p.into_inner());
        p.insert((n, rec.partition), rec.offset + 1);
        *self.last_applied.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// True when every partition of topic `n` has been applied up to `highs`.
    fn reached(&self, n: usize, highs: &HashMap<i32, i64>) -> bool {
        let p = self.positions.lock().unwrap_or_else(|p| p.into_inner());
        highs
            .iter()
            .all(|(part, high)| *high <= 0 || p.get(&(n, *part)).is_some_and(|o| o >= high))
    }

    /// Apply topic `n` up to where it ends now.
    pub async fn read_to_end(
        &self,
        n: usize,
        mut apply: impl FnMut(&Record),
    ) -> Result<(), BusError> {
        let highs = self.readers[n].high_watermarks().await?;
        while !self.reached(n, &highs) {
            let rec = tokio::time::timeout(NEXT_RECORD, self.readers[n].next())
                .await
                .map_err(|_| BusError::Read {
                    topic: self.names[n].clone(),
                    reason: "timed out".into(),
                })??;
            self.applied(n, &rec);
            apply(&rec);
        }
        Ok(())
    }

    /// Apply whatever arrives on any topic, as `apply(topic number, record)`, until `shutdown`.
    /// Read errors are logged and retried.
    pub async fn follow(
        &self,
        shutdown: &CancellationToken,
        mut apply: impl FnMut(usize, &Record),
    ) {
        loop {
            let next = select_all(
                self.readers
                    .iter()
                    .enumerate()
                    .map(|(n, r)| async move { (n, r.next().await) }.boxed()),
            );
            let (n, rec) = tokio::select! {
                _ = shutdown.cancelled() => return,
                ((n, rec), _, _) = next => (n, rec),
            };
            match rec {
                Ok(r) => {
                    self.applied(n, &r);
                    apply(n, &r);
                }
                Err(e) => {
                    tracing::warn!(topic = %self.names[n], error = %e, "following failed, retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// Whether every topic has been applied up to its end at the time of the call.
    pub async fn caught_up(&self) -> Result<bool, BusError> {
        for n in 0..self.readers.len() {
            if !self.reached(n, &self.readers[n].high_watermarks().await?) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Wait until every topic has been applied up to where it ended at the call, while another
    /// task runs [`Follower::follow`]. With `quiet`, also wait until no record was applied for
    /// `quiet` (at most `quiet_max`): records past a watermark the broker reported late arrive
    /// with the reader's next fetch.
    pub async fn wait_caught_up(
        &self,
        quiet: Option<(Duration, Duration)>,
    ) -> Result<(), BusError> {
        for n in 0..self.readers.len() {
            let highs = self.readers[n].high_watermarks().await?;
            while !self.reached(n, &highs) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        if let Some((quiet, max)) = quiet {
            let until = Instant::now() + max;
            while Instant::now() < until {
                let idle = self
                    .last_applied
                    .lock()
                    .map(|t| t.elapsed())
                    .unwrap_or(quiet);
                if idle >= quiet {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }
}
