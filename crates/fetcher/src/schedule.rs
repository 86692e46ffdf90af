//! When to poll a feed next: from its observed publishing rate (or its configured interval), the
//! publisher's hints (RSS `<ttl>`, `sy:updatePeriod`/`sy:updateFrequency`, `Cache-Control:
//! max-age`, `Expires`, `Retry-After`) and its failures (exponential backoff), clamped to the
//! configured bounds. A failing feed is never abandoned: it is polled at least every `max`.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The configured bounds of every feed's poll delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Shortest delay.
    pub min: Duration,
    /// Longest delay (also the backoff cap).
    pub max: Duration,
}

/// How a feed's poll delay is chosen when it is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Follow the feed's observed publishing rate; this interval until one is known.
    Adaptive(Duration),
    /// Always this interval (the config fixes `interval_secs`).
    Fixed(Duration),
}

impl Cadence {
    /// The configured interval: the delay when no rate is known, and the backoff base.
    pub fn interval(self) -> Duration {
        match self {
            Cadence::Adaptive(d) | Cadence::Fixed(d) => d,
        }
    }
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence::Fixed(Duration::ZERO)
    }
}

/// Everything the next delay depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// The configured interval, and whether the publishing rate overrides it.
    pub cadence: Cadence,
    /// Publication times of recent entries (any order).
    pub entry_times: Vec<DateTime<Utc>>,
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` divided by `sy:updateFrequency`.
    pub update_period: Option<Duration>,
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// `Expires` relative to the response time.
    pub expires_in: Option<Duration>,
    /// `Retry-After`.
    pub retry_after: Option<Duration>,
    /// Failures in a row.
    pub failures: u32,
}

/// Entries considered for the publishing rate.
const RATE_WINDOW: usize = 20;

/// The delay until the next poll.
pub fn next_delay(h: &Hints, bounds: Bounds, now: DateTime<Utc>) -> Duration {
    let clamp = |d: Duration| d.clamp(bounds.min, bounds.max.max(bounds.min));
    if h.failures > 0 {
        let base = h
            .cadence
            .interval()
            .max(bounds.min)
            .max(Duration::from_secs(1));
        let factor = 1u32 << (h.failures - 1).min(20);
        let backoff = base.saturating_mul(factor);
        return clamp(backoff.max(h.retry_after.unwrap_or_default()));
    }
    let base = match h.cadence {
        Cadence::Adaptive(interval) => publishing_interval(&h.entry_times, now)
            .map(|i| i / 2)
            .unwrap_or(interval),
        Cadence::Fixed(interval) => interval,
    };
    // The publisher's hints say "nothing new before": they only lengthen the delay.
    let hinted = [
        h.ttl,
        h.update_period,
        h.max_age,
        h.expires_in,
        h.retry_after,
    ]
    .into_iter()
    .flatten()
    .fold(base, Duration::max);
    clamp(hinted)
}

/// The typical time between new entries: the mean gap over the newest entries, stretched by the
/// time since the newest one (a feed that went quiet is polled less often).
pub fn publishing_interval(times: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Duration> {
    let mut t: Vec<_> = times.iter().copied().filter(|t| *t <= now).collect();
    t.sort_unstable_by(|a, b| b.cmp(a));
    t.dedup();
    t.truncate(RATE_WINDOW);
    if t.len() < 2 {
        return None;
    }
    let (newest, oldest) = (t[0], t[t.len() - 1]);
    let span = (newest - oldest).to_std().ok()?;
    let mean_gap = span / (t.len() as u32 - 1);
    let quiet = (now - newest).to_std().unwrap_or_default();
    Some(mean_gap.max(quiet))
}

/// `sy:updatePeriod` and `sy:updateFrequency` from raw feed XML (the syndication module; feed-rs
/// does not expose it).
pub fn syndication_period(xml: &[u8]) -> Option<Duration> {
    let head = String::from_utf8_lossy(&xml[..xml.len().min(16 * 1024)]);
    let period = element_text(&head, "updatePeriod")?;
    let secs = match period.trim().to_ascii_lowercase().as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let freq = element_text(&head, "updateFrequency")
        .and_then(|f| f.trim().parse::<u64>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(Duration::from_secs(secs / freq))
}

/// Text of the first `<prefix:name>` element (any prefix).
fn element_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = xml[from..].find(name) {
        let at = from + i;
        let before = xml[..at].rfind('<')?;
        let tag = &xml[before + 1..at];
        let after = &xml[at + name.len()..];
        if !tag.starts_with('/') && (tag.is_empty() || tag.ends_with(':')) {
            if let Some(rest) = after.strip_prefix('>') {
                return rest.split('<').next();
            }
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    const B: Bounds = Bounds {
        min: Duration::from_secs(60),
        max: Duration::from_secs(86_400),
    };

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn rate_follows_the_entries() {
        let times: Vec<_> = (0..10)
            .map(|i| now() - chrono::Duration::hours(i))
            .collect();
        assert_eq!(publishing_interval(&times, now()), Some(s(3600)));
        let h = Hints {
            cadence: Cadence::Adaptive(s(300)),
            entry_times: times,
            ..Hints::default()
        };
        assert_eq!(next_delay(&h, B, now()), s(1800), "half the gap");
        // Went quiet for two days: polled less often.
        let later = now() + chrono::Duration::days(2);
        assert_eq!(next_delay(&h, B, later), s(86_400));
        // Not adaptive: the configured interval.
        let fixed = Hints {
            cadence: Cadence::Fixed(s(300)),
            ..h.clone()
        };
        assert_eq!(next_delay(&fixed, B, now()), s(300));
    }

    #[test]
    fn unknown_rate_uses_the_interval_and_hints_lengthen_it() {
        let h = Hints {
            cadence: Cadence::Adaptive(s(300)),
            ..Hints::default()
        };
        assert_eq!(next_delay(&h, B, now()), s(300));
        for (hint, want) in [
            (
                Hints {
                    ttl: Some(s(3600)),
                    ..h.clone()
                },
                3600,
            ),
            (
                Hints {
                    update_period: Some(s(7200)),
                    ..h.clone()
                },
                7200,
            ),
            (
                Hints {
                    max_age: Some(s(900)),
                    ..h.clone()
                },
                900,
            ),
            (
                Hints {
                    expires_in: Some(s(1200)),
                    ..h.clone()
                },
                1200,
            ),
            (
                Hints {
                    retry_after: Some(s(4000)),
                    ..h.clone()
                },
                4000,
            ),
            (
                Hints {
                    max_age: Some(s(1)),
                    ..h.clone()
                },
                300,
            ),
        ] {
            assert_eq!(next_delay(&hint, B, now()), s(want), "{hint:?}");
        }
    }

    #[test]
    fn clamped_to_bounds() {
        let h = Hints {
            cadence: Cadence::Fixed(s(5)),
            ..Hints::default()
        };
        assert_eq!(next_delay(&h, B, now()), s(60));
        let h = Hints {
            ttl: Some(s(10_000_000)),
            ..h
        };
        assert_eq!(next_delay(&h, B, now()), s(86_400));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_max_and_never_stop() {
        let h = |failures| Hints {
            cadence: Cadence::Adaptive(s(300)),
            failures,
            ..Hints::default()
        };
        assert_eq!(next_delay(&h(1), B, now()), s(300));
        assert_eq!(next_delay(&h(2), B, now()), s(600));
        assert_eq!(next_delay(&h(3), B, now()), s(1200));
        assert_eq!(next_delay(&h(50), B, now()), s(86_400));
        assert_eq!(next_delay(&h(u32::MAX), B, now()), s(86_400));
        let throttled = Hints {
            retry_after: Some(s(5000)),
            ..h(1)
        };
        assert_eq!(next_delay(&throttled, B, now()), s(5000));
    }

    #[test]
    fn syndication_module_is_read() {
        let xml = br#"<rss xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel></rss>"#;
        assert_eq!(syndication_period(xml), Some(s(1800)));
        let daily = b"<rss><channel><sy:updatePeriod> daily </sy:updatePeriod></channel></rss>";
        assert_eq!(syndication_period(daily), Some(s(86_400)));
        assert_eq!(syndication_period(b"<rss><channel/></rss>"), None);
    }
}
