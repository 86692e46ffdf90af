//! Hot reload of the feed list: which feeds to stop and start when the list changes. Feeds whose
//! spec is unchanged keep running (and keep their schedule); a changed feed is restarted.

use std::collections::HashMap;
use std::sync::Arc;

use crate::{FeedSpec, StoredState};

/// A feed list and the config version it came from.
#[derive(Debug, Clone, Default)]
pub struct FeedList {
    /// Config version, written into every message produced under it.
    pub version: String,
    /// The feeds.
    pub feeds: Vec<FeedSpec>,
    /// State re-read from the state topic, merged before feeds start: set when feeds move
    /// between instances, so that a feed taken over resumes where its last owner stopped.
    pub refreshed: Option<Arc<StoredState>>,
}

impl PartialEq for FeedList {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.feeds == other.feeds
            && self.refreshed.is_none()
            && other.refreshed.is_none()
    }
}

/// The partition of the work-sharing topic that owns `url`'s host: every feed of one host is
/// polled by the one instance that is assigned this partition.
pub fn host_partition(url: &str, partitions: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let key = url::Url::parse(url)
        .map(|u| crate::host_key(&u))
        .unwrap_or_else(|_| url.to_string());
    let d = Sha256::digest(key.as_bytes());
    u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % partitions.max(1)
}

/// The feeds owned by an instance assigned `partitions` out of `total`.
pub fn owned_feeds(
    feeds: &[FeedSpec],
    partitions: &std::collections::BTreeSet<i32>,
    total: u32,
) -> Vec<FeedSpec> {
    feeds
        .iter()
        .filter(|f| {
            i32::try_from(host_partition(f.url.expose(), total))
                .is_ok_and(|p| partitions.contains(&p))
        })
        .cloned()
        .collect()
}

/// What to do to go from the running feeds to a new list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// Names of running feeds to stop (removed or changed).
    pub stop: Vec<String>,
    /// Feeds to start (added or changed).
    pub start: Vec<FeedSpec>,
}

impl Changes {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.stop.is_empty() && self.start.is_empty()
    }
}

/// Compare the running feeds with the wanted ones.
pub fn diff(running: &HashMap<String, FeedSpec>, wanted: &[FeedSpec]) -> Changes {
    let mut c = Changes::default();
    let wanted_by_name: HashMap<&str, &FeedSpec> =
        wanted.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut stop: Vec<String> = running
        .iter()
        .filter(|(name, spec)| wanted_by_name.get(name.as_str()) != Some(spec))
        .map(|(name, _)| name.clone())
        .collect();
    stop.sort();
    c.stop = stop;
    c.start = wanted
        .iter()
        .filter(|f| running.get(&f.name) != Some(f))
        .cloned()
        .collect();
    c
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn f(name: &str, url: &str) -> FeedSpec {
        FeedSpec {
            name: name.into(),
            url: url.into(),
            cadence: crate::Cadence::Adaptive(Duration::from_secs(60)),
            access: Default::default(),
        }
    }

    #[test]
    fn only_changed_feeds_stop_and_start() {
        let running: HashMap<String, FeedSpec> = [f("a", "http://a"), f("b", "http://b")]
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect();
        let c = diff(
            &running,
            &[f("a", "http://a"), f("b", "http://b2"), f("c", "http://c")],
        );
        assert_eq!(c.stop, vec!["b".to_string()]);
        assert_eq!(c.start, vec![f("b", "http://b2"), f("c", "http://c")]);
        let c = diff(&running, &[f("a", "http://a")]);
        assert_eq!(c.stop, vec!["b".to_string()]);
        assert!(c.start.is_empty());
        assert!(diff(&running, &[f("b", "http://b"), f("a", "http://a")]).is_empty());
    }

    #[test]
    fn feeds_of_one_host_share_a_partition_and_partitions_cover_all() {
        let feeds: Vec<FeedSpec> = (0..40)
            .map(|i| {
                f(
                    &format!("f{i}"),
                    &format!("http://host{}.example/feed{i}", i % 10),
                )
            })
            .collect();
        assert_eq!(
            host_partition("http://a.example/x", 12),
            host_partition("http://A.example:80/y?z", 12)
        );
        let all: std::collections::BTreeSet<i32> = (0..12).collect();
        assert_eq!(owned_feeds(&feeds, &all, 12).len(), 40);
        let low: std::collections::BTreeSet<i32> = (0..6).collect();
        let high: std::collections::BTreeSet<i32> = (6..12).collect();
        let (a, b) = (
            owned_feeds(&feeds, &low, 12),
            owned_feeds(&feeds, &high, 12),
        );
        assert_eq!(a.len() + b.len(), 40);
        for x in &a {
            assert!(b.iter().all(|y| crate::host_key(
                &url::Url::parse(y.url.expose()).expect("u")
            ) != crate::host_key(
                &url::Url::parse(x.url.expose()).expect("u")
            )));
        }
    }
}
