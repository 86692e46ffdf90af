//! Values that must never reach a log line, a message or command output as written: URLs with
//! credentials or token parameters, free text quoting such URLs. Their `Debug`
//! and `Display` redact, so a log field or an error built from them is safe by construction;
//! only an explicit [`SecretUrl::expose`] gives the text back (to fetch with it).

use std::fmt;

use crate::id::{redact_url, redact_urls_in};

/// A URL that may carry secrets (`user:password@`, `token=`, `api_key=`, `sig=` ...). `Display`
/// and `Debug` show it through [`redact_url`]; [`SecretUrl::expose`] is for the HTTP client only.
/// Owned (`SecretUrl<String>`, the default, for config and errors) or borrowed
/// (`SecretUrl<&str>`, for a log field).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretUrl<S = String>(S);

impl<S: AsRef<str>> SecretUrl<S> {
    /// Wrap a URL.
    pub fn new(url: S) -> Self {
        Self(url)
    }

    /// The URL as written, secrets included: for fetching, never for showing.
    pub fn expose(&self) -> &str {
        self.0.as_ref()
    }

    /// The URL fit for logs, messages and command output.
    pub fn redacted(&self) -> String {
        redact_url(self.0.as_ref())
    }
}

impl<S: AsRef<str>> fmt::Display for SecretUrl<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl<S: AsRef<str>> fmt::Debug for SecretUrl<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

/// Serialises redacted: serialising a config is for showing it (the config reference, `--help`
/// defaults), never for handing the secret on.
impl<S: AsRef<str>> serde::Serialize for SecretUrl<S> {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_str(&self.redacted())
    }
}

impl From<String> for SecretUrl {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for SecretUrl {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<&String> for SecretUrl {
    fn from(s: &String) -> Self {
        Self(s.clone())
    }
}

impl schemars::JsonSchema for SecretUrl {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretUrl".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

/// Free text (an error, a config snippet) that may quote URLs: `Display` and `Debug` show it with
/// every `scheme://...` URL in it redacted, e.g. `error = %Redacted(&e)`.
#[derive(Clone, Copy)]
pub struct Redacted<T>(pub T);

impl<T: fmt::Display> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_urls_in(&self.0.to_string()))
    }
}

impl<T: fmt::Display> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_urls_in(&self.0.to_string()), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_redact_and_expose_does_not() {
        let u = SecretUrl::from("https://user:pw@h.example/feed.xml?token=abc&page=2");
        for shown in [
            u.to_string(),
            format!("{u:?}"),
            format!("{}", SecretUrl::new(u.expose())),
        ] {
            assert!(!shown.contains("pw") && !shown.contains("abc"), "{shown}");
            assert!(
                shown.contains("token=redacted") && shown.contains("page=2"),
                "{shown}"
            );
        }
        assert_eq!(
            u.expose(),
            "https://user:pw@h.example/feed.xml?token=abc&page=2"
        );
        let plain = SecretUrl::new("https://h.example/a?x=1");
        assert_eq!(plain.to_string(), "https://h.example/a?x=1");
    }

    #[test]
    fn text_quoting_urls_is_redacted() {
        let e = "fetching http://u:pw@h/x?api_key=k1 (refused)";
        assert_eq!(
            Redacted(e).to_string(),
            "fetching http://h/x?api_key=redacted (refused)"
        );
        assert_eq!(
            format!("{:?}", Redacted("see https://h/?sig=abc")),
            "\"see https://h/?sig=redacted\""
        );
    }

    #[test]
    fn deserialises_from_a_plain_string() {
        let u: SecretUrl = serde_json::from_str("\"http://u:p@h/\"").expect("string");
        assert_eq!(u.expose(), "http://u:p@h/");
    }
}
