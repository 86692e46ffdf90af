//! Client settings shared by producers, consumers and the admin client.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

/// True for librdkafka options whose values are secrets (`sasl.password`, `ssl.key.password`,
/// `ssl.key.pem`, `sasl.oauthbearer.client.secret`, ...): never logged or printed.
pub fn is_secret_option(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "ssl.key.pem",
        "ssl_key",
        "sasl.oauthbearer.config",
        "sasl.jaas",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// The options with secret values replaced by `[redacted]`, for logs and `Debug`.
pub fn redacted_options(options: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    options
        .iter()
        .map(|(k, v)| {
            let v = if is_secret_option(k) {
                "[redacted]".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

/// Where the cluster is and how to talk to it.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// Comma-separated `host:port` list.
    pub brokers: String,
    /// librdkafka options passed through as given (`security.protocol`, `sasl.*`, ...).
    pub options: BTreeMap<String, String>,
}

impl std::fmt::Debug for KafkaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSettings")
            .field("brokers", &self.brokers)
            .field("options", &redacted_options(&self.options))
            .finish()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_options_are_redacted_in_debug_output() {
        let mut k = KafkaSettings::new("broker:9093");
        for (key, value) in [
            ("security.protocol", "SASL_SSL"),
            ("sasl.username", "svc"),
            ("sasl.password", "hunter2-sasl"),
            ("ssl.key.password", "hunter2-key"),
            ("sasl.oauthbearer.client.secret", "hunter2-oauth"),
        ] {
            k.options.insert(key.into(), value.into());
        }
        let shown = format!("{k:?}");
        assert!(
            shown.contains("SASL_SSL") && shown.contains("svc"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        // The client itself still gets the real values.
        assert_eq!(k.client_config().get("sasl.password"), Some("hunter2-sasl"));
    }
}
