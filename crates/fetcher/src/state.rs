//! What the fetcher has published, so that nothing is published twice across polls and restarts.

use std::collections::HashMap;

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
}

impl SeenState {
    /// Record an entry (used while rebuilding from the state topic and after publishing).
    pub fn insert(&mut self, e: SeenEntry) {
        self.entries.insert(e.key, e.version);
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
