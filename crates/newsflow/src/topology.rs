//! Every topic of the pipeline in one place: its name, partitions, compaction and size limit.
//! Components ask here for names and `newsflow topics create`, `run` and the workers create what
//! they need from the specs here, so a topic is named and specified once.

use std::num::NonZeroU32;

use bus::TopicSpec;

use crate::config::Config;

/// Topic names derived from one prefix (`news` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// Fetched documents.
    pub raw: String,
    /// Cleaned articles.
    pub clean: String,
    /// Enriched articles, latest record per id is current (compacted).
    pub enriched: String,
    /// Story events keyed by story id.
    pub stories: String,
    /// Dead letters from every stage.
    pub dlq: String,
    /// Fetcher progress (seen entries and feed states), compacted.
    pub fetcher_state: String,
    /// The story step's input: one partition, so one consumer sees every article in one order.
    pub assign: String,
    /// Work sharing between fetcher instances (`fetcher.scale_out`), compacted.
    pub fetcher_feeds: String,
}

impl Topics {
    /// Names for `prefix`: `{prefix}.raw`, `{prefix}.clean`, ...
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            raw: format!("{prefix}.raw"),
            clean: format!("{prefix}.clean"),
            enriched: format!("{prefix}.enriched"),
            stories: format!("{prefix}.stories"),
            dlq: format!("{prefix}.dlq"),
            fetcher_state: format!("{prefix}.fetcher.state"),
            assign: format!("{prefix}.enricher.assign"),
            fetcher_feeds: format!("{prefix}.fetcher.feeds"),
        }
    }

    /// The topic a short name of `newsflow tail` stands for (`raw`, `clean`, `enriched`,
    /// `stories`, `dlq`); any other name is taken as a full topic name.
    pub fn resolve(&self, short: &str) -> String {
        match short {
            "raw" => self.raw.clone(),
            "clean" => self.clean.clone(),
            "enriched" => self.enriched.clone(),
            "stories" => self.stories.clone(),
            "dlq" => self.dlq.clone(),
            other => other.to_string(),
        }
    }
}

/// The topics of one configuration with their layout.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Names.
    pub topics: Topics,
    partitions: i32,
    replication: i32,
    max_message_bytes: usize,
    /// Tracked story name → topic for its relevant articles.
    pub tracked: Vec<(String, String)>,
}

impl Topology {
    /// The topology `cfg` describes.
    pub fn new(cfg: &Config) -> Self {
        Self {
            topics: Topics::with_prefix(&cfg.pipeline.topic_prefix),
            partitions: cfg.pipeline.partitions,
            replication: cfg.pipeline.replication,
            max_message_bytes: cfg.max_message_bytes(),
            tracked: cfg
                .enricher
                .tracked
                .iter()
                .filter_map(|t| t.topic.clone().map(|topic| (t.name.clone(), topic)))
                .collect(),
        }
    }

    fn spec(&self, name: &str, partitions: i32, compact: bool, big: bool) -> TopicSpec {
        let mut configs = Vec::new();
        if compact {
            configs.push(("cleanup.policy".to_string(), "compact".to_string()));
        }
        if big {
            // Raw pages run up to the body cap: every topic that carries a page or an article
            // gets room for it.
            configs.push((
                "max.message.bytes".to_string(),
                self.max_message_bytes.to_string(),
            ));
        }
        TopicSpec {
            name: name.to_string(),
            partitions,
            replication: self.replication,
            configs,
        }
    }

    /// The topics every pipeline has: raw, clean, enriched, stories, dlq, fetcher state and the
    /// story step's input.
    pub fn pipeline(&self) -> Vec<TopicSpec> {
        let (t, p) = (&self.topics, self.partitions);
        vec![
            self.spec(&t.raw, p, false, true),
            self.spec(&t.clean, p, false, true),
            self.spec(&t.enriched, p, true, true),
            self.spec(&t.stories, p, false, false),
            self.spec(&t.dlq, p, false, true),
            self.spec(&t.fetcher_state, p, true, false),
            self.assign(),
        ]
    }

    /// The story step's input topic.
    pub fn assign(&self) -> TopicSpec {
        self.spec(&self.topics.assign, 1, false, true)
    }

    /// The topics of tracked stories that name one.
    pub fn tracked(&self) -> Vec<TopicSpec> {
        self.tracked
            .iter()
            .map(|(_, topic)| self.spec(topic, self.partitions, false, true))
            .collect()
    }

    /// The fetcher's work-sharing topic, which exists only with `Sharing::Shared`: hence its
    /// partitions come from there.
    pub fn fetcher_feeds(&self, partitions: NonZeroU32) -> TopicSpec {
        // `scale_out_partitions` is an i32 key, so this never saturates.
        let partitions = i32::try_from(partitions.get()).unwrap_or(i32::MAX);
        self.spec(&self.topics.fetcher_feeds, partitions, true, false)
    }

    /// What `newsflow topics create` and `newsflow run` create: the pipeline and tracked topics.
    pub fn all(&self) -> Vec<TopicSpec> {
        let mut specs = self.pipeline();
        specs.extend(self.tracked());
        specs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_is_specified_once_with_its_layout() {
        let cfg = Config::builtin().expect("built-in config");
        let t = Topology::new(&cfg);
        let all = t.pipeline();
        let names: std::collections::HashSet<&str> = all.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), all.len(), "a topic specified twice");
        let by = |n: &str| all.iter().find(|s| s.name == n).expect("specified");
        let has = |s: &TopicSpec, k: &str, v: &str| s.configs.iter().any(|(a, b)| a == k && b == v);
        assert!(has(by("news.enriched"), "cleanup.policy", "compact"));
        assert!(has(by("news.fetcher.state"), "cleanup.policy", "compact"));
        assert!(!has(by("news.raw"), "cleanup.policy", "compact"));
        assert_eq!(by("news.enricher.assign").partitions, 1);
        let big = cfg.max_message_bytes().to_string();
        assert!(has(by("news.raw"), "max.message.bytes", &big));
        assert_eq!(t.topics.resolve("dlq"), "news.dlq");
        assert_eq!(t.topics.resolve("other.topic"), "other.topic");
    }
}
