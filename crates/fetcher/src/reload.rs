//! Hot reload of the feed list: which feeds to stop and start when the list changes. Feeds whose
//! spec is unchanged keep running (and keep their schedule); a changed feed is restarted.

use std::collections::HashMap;

use crate::FeedSpec;

/// A feed list and the config version it came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedList {
    /// Config version, written into every message produced under it.
    pub version: String,
    /// The feeds.
    pub feeds: Vec<FeedSpec>,
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
            interval: Duration::from_secs(60),
            adaptive: true,
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
}
