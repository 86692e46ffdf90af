//! robots.txt for article pages (feeds are meant to be polled; pages are crawled): parsed with
//! `texting_robots`, cached per origin, `Crawl-delay` applied to the host's politeness gate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// How long a robots.txt is trusted before it is fetched again.
pub const ROBOTS_TTL: Duration = Duration::from_secs(3600);

/// The rules of one origin.
#[derive(Debug, Clone)]
pub enum Rules {
    /// No usable robots.txt (404, 410, unreachable): everything allowed.
    AllowAll,
    /// A robots.txt forbidding everything (401/403 on robots.txt, as crawlers conventionally read it).
    DenyAll,
    /// Parsed rules.
    Parsed(Arc<texting_robots::Robot>),
}

/// The decision for one URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// May the page be fetched.
    pub allowed: bool,
    /// `Crawl-delay` for our agent, if any.
    pub crawl_delay: Option<Duration>,
}

/// The product token robots.txt groups are matched against: the User-Agent up to the first `/`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("newsflow")
}

/// Rules from an HTTP answer for `/robots.txt`: `status` 0 means no answer at all.
pub fn rules_from(agent: &str, status: u16, body: &[u8]) -> Rules {
    match status {
        200..=299 => match texting_robots::Robot::new(agent, body) {
            Ok(r) => Rules::Parsed(Arc::new(r)),
            Err(_) => Rules::AllowAll,
        },
        401 | 403 => Rules::DenyAll,
        _ => Rules::AllowAll,
    }
}

/// Decide whether `url` may be fetched under `rules`.
pub fn verdict(rules: &Rules, url: &str) -> Verdict {
    match rules {
        Rules::AllowAll => Verdict {
            allowed: true,
            crawl_delay: None,
        },
        Rules::DenyAll => Verdict {
            allowed: false,
            crawl_delay: None,
        },
        Rules::Parsed(r) => Verdict {
            allowed: r.allowed(url),
            crawl_delay: r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(3600.0))),
        },
    }
}

/// Rules per origin with their fetch time.
#[derive(Debug, Default)]
pub struct RobotsCache {
    map: Mutex<HashMap<String, (Instant, Rules)>>,
}

impl RobotsCache {
    /// Cached rules for `origin` that are still fresh.
    pub fn get(&self, origin: &str) -> Option<Rules> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(origin)
            .filter(|(at, _)| at.elapsed() < ROBOTS_TTL)
            .map(|(_, r)| r.clone())
    }

    /// Remember the rules of `origin`.
    pub fn put(&self, origin: &str, rules: Rules) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(origin.to_string(), (Instant::now(), rules));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disallow_and_crawl_delay_for_our_agent() {
        let txt = b"User-agent: *\nDisallow: /private/\n\nUser-agent: newsflow\nDisallow: /no-bots/\nCrawl-delay: 2\n";
        let rules = rules_from("newsflow", 200, txt);
        let v = verdict(&rules, "http://h/no-bots/a");
        assert!(!v.allowed);
        assert_eq!(v.crawl_delay, Some(Duration::from_secs(2)));
        assert!(verdict(&rules, "http://h/articles/a").allowed);
        // The `*` group does not apply when our own group exists.
        assert!(verdict(&rules, "http://h/private/a").allowed);
        let other = rules_from("otherbot", 200, txt);
        assert!(!verdict(&other, "http://h/private/a").allowed);
    }

    #[test]
    fn missing_robots_allows_and_forbidden_robots_denies() {
        assert!(verdict(&rules_from("newsflow", 404, b""), "http://h/a").allowed);
        assert!(verdict(&rules_from("newsflow", 0, b""), "http://h/a").allowed);
        assert!(!verdict(&rules_from("newsflow", 403, b""), "http://h/a").allowed);
    }

    #[test]
    fn agent_token_is_the_product_name() {
        assert_eq!(
            agent_token("newsflow/0.1 (+https://example.org/bot)"),
            "newsflow"
        );
        assert_eq!(agent_token(""), "newsflow");
    }
}
