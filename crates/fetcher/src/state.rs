//! What the fetcher has published, so that nothing is published twice across polls and restarts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One published item: its key (article id), and the version marker that was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenEntry {
    /// Article id.
    pub key: String,
    /// File content hash, or the feed entry's `updated` time; a change means a new revision.
    pub version: String,
}

/// Published items by key.
#[derive(Debug, Clone, Default)]
pub struct SeenState {
    entries: HashMap<String, String>,
    claimed: std::collections::HashSet<String>,
}

impl SeenState {
    /// Record an entry (used while rebuilding from the state topic and after publishing).
    pub fn insert(&mut self, e: SeenEntry) {
        self.claimed.remove(&e.key);
        self.entries.insert(e.key, e.version);
    }

    /// Claim `key` for publishing, so that two feeds reaching the same article at the same time
    /// publish it once: false when another task holds the claim.
    pub fn claim(&mut self, key: &str) -> bool {
        self.claimed.insert(key.to_string())
    }

    /// Give up a claim without publishing (the attempt failed and will be retried).
    pub fn release(&mut self, key: &str) {
        self.claimed.remove(key);
    }

    /// True when `key` was published at `version`.
    pub fn is_current(&self, key: &str, version: &str) -> bool {
        self.entries.get(key).is_some_and(|v| v == version)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was published yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl SeenState {
    /// Take in entries published elsewhere (another instance, read back from the state topic).
    pub fn merge(&mut self, other: &SeenState) {
        for (k, v) in &other.entries {
            self.entries.insert(k.clone(), v.clone());
        }
    }

    /// True when `key` was published at any version.
    pub fn is_known(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }
}

/// Everything the fetcher keeps across restarts: published entries and per-feed state.
#[derive(Debug, Clone, Default)]
pub struct StoredState {
    /// Published entries.
    pub seen: SeenState,
    /// Per-feed state by feed name.
    pub feeds: HashMap<String, FeedState>,
}

/// What the fetcher knows about one feed; saved after every poll so that validators, schedule
/// and health survive a restart (kill -9 included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedState {
    /// Feed name from the config.
    pub name: String,
    /// Configured URL, redacted ([`model::SecretUrl`]: the state is published and printed); a
    /// changed URL starts the state afresh.
    pub url: String,
    /// The feed URL found by autodiscovery when `url` is a site page.
    pub resolved_url: Option<String>,
    /// `ETag` of the last full answer.
    pub etag: Option<String>,
    /// `Last-Modified` of the last full answer.
    pub last_modified: Option<String>,
    /// False once the server was caught keeping its validators while the feed changed.
    pub validators_trusted: bool,
    /// Hash of the last full body.
    pub body_hash: Option<String>,
    /// Conditional polls since the last unconditional check.
    pub polls_since_check: u32,
    /// Last poll.
    pub last_poll: Option<DateTime<Utc>>,
    /// Last poll that succeeded (200 or 304).
    pub last_success: Option<DateTime<Utc>>,
    /// Last error message.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failures in a row.
    pub failures: u32,
    /// Entries in the feed at the last full poll.
    pub items: usize,
    /// 304 answers received.
    pub not_modified: u64,
    /// When the next poll is due.
    pub next_poll: Option<DateTime<Utc>>,
    /// Publication times of the newest entries, newest first, for the publishing rate.
    pub entry_times: Vec<DateTime<Utc>>,
    /// RSS `<ttl>` in seconds.
    pub ttl_secs: Option<u64>,
    /// `sy:updatePeriod` / `sy:updateFrequency` as seconds between updates.
    pub update_period_secs: Option<u64>,
    /// Config version the feed last ran under.
    pub config_version: String,
}

impl FeedState {
    /// Fresh state for a feed.
    pub fn new(name: &str, url: &model::SecretUrl) -> Self {
        Self {
            name: name.to_string(),
            url: url.redacted(),
            validators_trusted: true,
            ..Self::default()
        }
    }

    /// Validators to send, if any.
    pub fn validators(&self) -> crate::Validators {
        crate::Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}
