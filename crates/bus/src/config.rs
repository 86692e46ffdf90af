//! Client settings shared by producers, consumers and the admin client.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

/// Where the cluster is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// Comma-separated `host:port` list.
    pub brokers: String,
    /// librdkafka options passed through as given (`security.protocol`, `sasl.*`, ...).
    pub options: BTreeMap<String, String>,
}

impl KafkaSettings {
    /// Settings for a plain-text cluster at `brokers`.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            options: BTreeMap::new(),
        }
    }

    /// A librdkafka client config with the brokers and pass-through options applied.
    pub fn client_config(&self) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.brokers);
        // Fail fast on an unreachable broker address family; the local broker is IPv4 only.
        cfg.set("broker.address.family", "v4");
        for (k, v) in &self.options {
            cfg.set(k, v);
        }
        cfg
    }
}

/// Topic names derived from one prefix (`news` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// Fetched documents.
    pub raw: String,
    /// Cleaned articles.
    pub clean: String,
    /// Enriched articles, latest record per id is current.
    pub enriched: String,
    /// Story events keyed by story id.
    pub stories: String,
    /// Dead letters from every stage.
    pub dlq: String,
    /// Fetcher progress (seen entries), compacted, keyed by entry.
    pub fetcher_state: String,
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
        }
    }

    /// Every topic, in pipeline order.
    pub fn all(&self) -> Vec<&str> {
        vec![
            &self.raw,
            &self.clean,
            &self.enriched,
            &self.stories,
            &self.dlq,
            &self.fetcher_state,
        ]
    }
}
