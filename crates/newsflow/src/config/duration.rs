//! Durations in the config file: `"30s"`, `"5m"`, `"1h30m"`, `"250ms"`, `"2d"`, or a plain
//! integer in the unit the key is named for (`*_secs`: seconds, `*_ms`: milliseconds), as every
//! config written before durations took units says.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration whose plain-integer form counts units of `UNIT_MS` milliseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur<const UNIT_MS: u64>(Duration);

/// A duration written as seconds when it is a plain integer (`*_secs` keys).
pub type Secs = Dur<1000>;
/// A duration written as milliseconds when it is a plain integer (`*_ms` keys).
pub type Millis = Dur<1>;

impl<const UNIT_MS: u64> Dur<UNIT_MS> {
    /// `n` units (seconds for [`Secs`], milliseconds for [`Millis`]).
    pub const fn units(n: u64) -> Self {
        Self(Duration::from_millis(n * UNIT_MS))
    }

    /// The duration.
    pub const fn get(self) -> Duration {
        self.0
    }

    /// The duration, at least `floor`.
    pub fn at_least(self, floor: Duration) -> Duration {
        self.0.max(floor)
    }
}

impl<const UNIT_MS: u64> From<Duration> for Dur<UNIT_MS> {
    fn from(d: Duration) -> Self {
        Self(d)
    }
}

/// Parse `"1h30m"`, `"30s"`, `"250ms"`, `"2d"`, `"1h 30m"`: numbers each followed by a unit
/// (`ms`, `s`, `m`, `h`, `d`).
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "{text:?}: expected a number, e.g. \"30s\" or \"5m\""
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?}: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit_ms: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "" => return Err(format!("{text:?}: a unit is missing (ms, s, m, h or d)")),
            u => return Err(format!("{text:?}: unknown unit {u:?} (ms, s, m, h or d)")),
        };
        let part = n
            .checked_mul(unit_ms)
            .ok_or_else(|| format!("{text:?}: too large"))?;
        total += Duration::from_millis(part);
        rest = rest[unit_len..].trim_start();
    }
    Ok(total)
}

/// `d` in the largest units that write it exactly: `"5m"`, `"1h30m"`, `"250ms"`, `"0s"`.
pub fn format(d: Duration) -> String {
    let mut ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

impl<const UNIT_MS: u64> fmt::Debug for Dur<UNIT_MS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format(self.0))
    }
}

impl<const UNIT_MS: u64> fmt::Display for Dur<UNIT_MS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format(self.0))
    }
}

impl<'de, const UNIT_MS: u64> Deserialize<'de> for Dur<UNIT_MS> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Units(u64),
            Text(String),
        }
        match Form::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected a duration such as \"30s\", \"5m\" or \"1h\", or a whole number",
            )
        })? {
            Form::Units(n) => n
                .checked_mul(UNIT_MS)
                .map(|ms| Self(Duration::from_millis(ms)))
                .ok_or_else(|| serde::de::Error::custom("duration too large")),
            Form::Text(t) => parse(&t).map(Self).map_err(serde::de::Error::custom),
        }
    }
}

impl<const UNIT_MS: u64> Serialize for Dur<UNIT_MS> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(self.0))
    }
}

impl<const UNIT_MS: u64> schemars::JsonSchema for Dur<UNIT_MS> {
    fn schema_name() -> Cow<'static, str> {
        if UNIT_MS == 1 {
            "DurationMillis".into()
        } else {
            "DurationSecs".into()
        }
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let unit = if UNIT_MS == 1 {
            "milliseconds"
        } else {
            "seconds"
        };
        schemars::json_schema!({
            "type": ["string", "integer"],
            "format": "duration",
            "description": format!("a duration such as \"30s\", \"5m\", \"1h30m\", \"250ms\", or a whole number of {unit}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_plain_numbers_parse() {
        let s = |t: &str| parse(t).expect(t);
        assert_eq!(s("30s"), Duration::from_secs(30));
        assert_eq!(s("5m"), Duration::from_secs(300));
        assert_eq!(s("1h30m"), Duration::from_secs(5400));
        assert_eq!(s("1h 30m"), Duration::from_secs(5400));
        assert_eq!(s("250ms"), Duration::from_millis(250));
        assert_eq!(s("2d"), Duration::from_secs(172_800));
        for bad in ["", "5", "m", "5 parsecs", "-5s", "1.5s"] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        #[derive(Deserialize)]
        struct T {
            a: Secs,
            b: Millis,
            c: Secs,
        }
        let t: T = toml::from_str("a = 300\nb = 1000\nc = \"5m\"").expect("parse");
        assert_eq!(t.a.get(), Duration::from_secs(300));
        assert_eq!(t.b.get(), Duration::from_secs(1));
        assert_eq!(t.c, t.a);
        assert!(toml::from_str::<T>("a = \"5 parsecs\"\nb = 1\nc = 1").is_err());
    }

    #[test]
    fn formatting_round_trips() {
        for ms in [0, 1, 250, 1000, 60_000, 5_400_000, 86_400_000, 90_061_001] {
            let d = Duration::from_millis(ms);
            assert_eq!(parse(&format(d)).expect("parse"), d, "{}", format(d));
        }
        assert_eq!(format(Duration::from_secs(300)), "5m");
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
    }
}
