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

/// librdkafka options passed through as given (`security.protocol`, `sasl.*`, ...). A map like
/// any other, except that `Debug` shows secret values ([`is_secret_option`]) as `[redacted]`, so
/// settings can be logged and printed whole.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct KafkaOptions(BTreeMap<String, String>);

impl std::fmt::Debug for KafkaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let v = if is_secret_option(k) {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k, v)
            }))
            .finish()
    }
}

/// Serialises with secret values redacted, as `Debug` shows them: serialising a config is for
/// showing it.
impl serde::Serialize for KafkaOptions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| {
            let v = if is_secret_option(k) {
                "[redacted]"
            } else {
                v.as_str()
            };
            (k, v)
        }))
    }
}

impl schemars::JsonSchema for KafkaOptions {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "KafkaOptions".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <BTreeMap<String, String>>::json_schema(generator)
    }
}

impl std::ops::Deref for KafkaOptions {
    type Target = BTreeMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for KafkaOptions {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a KafkaOptions {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<(String, String)> for KafkaOptions {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Where the cluster is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// Comma-separated `host:port` list.
    pub brokers: String,
    /// librdkafka options passed through as given; secret ones shown redacted.
    pub options: KafkaOptions,
}

impl KafkaSettings {
    /// Settings for a plain-text cluster at `brokers`.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            options: KafkaOptions::default(),
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
