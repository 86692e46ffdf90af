//! Politeness per host: one request in flight, a minimum interval between requests, stretched by
//! robots.txt `Crawl-delay` and by `Retry-After` on 429/503 (which slows every feed and page of the
//! host, not just the one that got the answer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The longest a server's `Retry-After` or `Crawl-delay` may hold a host back.
pub const MAX_HOST_DELAY: Duration = Duration::from_secs(3600);

/// When the next request to a host may start, given when the last one ended.
pub fn next_slot(
    ended: Instant,
    min_interval: Duration,
    crawl_delay: Option<Duration>,
    retry_after: Option<Duration>,
) -> Instant {
    let wait = min_interval
        .max(crawl_delay.unwrap_or_default())
        .max(retry_after.unwrap_or_default())
        .min(MAX_HOST_DELAY.max(min_interval));
    ended + wait
}

/// The key that politeness is counted by: `host:port`, lower-case.
pub fn host_key(url: &url::Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or("").to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    )
}

#[derive(Debug)]
struct Slot {
    not_before: Instant,
    crawl_delay: Option<Duration>,
}

/// One gate per host.
#[derive(Debug)]
pub struct HostGate {
    min_interval: Duration,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

/// The right to send one request to a host; the host's next slot is set when it is dropped.
#[derive(Debug)]
pub struct Permit {
    slot: tokio::sync::OwnedMutexGuard<Slot>,
    min_interval: Duration,
    retry_after: Option<Duration>,
}

impl Permit {
    /// The host asked us to slow down (429/503 with `Retry-After`).
    pub fn throttle(&mut self, retry_after: Duration) {
        self.retry_after = Some(retry_after);
    }

    /// The host's robots.txt asks for this delay between requests.
    pub fn set_crawl_delay(&mut self, delay: Option<Duration>) {
        self.slot.crawl_delay = delay;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.slot.not_before = next_slot(
            Instant::now(),
            self.min_interval,
            self.slot.crawl_delay,
            self.retry_after,
        );
    }
}

impl HostGate {
    /// A gate with `min_interval` between requests to one host.
    pub fn new(min_interval: Duration) -> Self {
        Self {
            min_interval,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Wait until a request to `host` may start: nothing else in flight to it and its next slot
    /// reached.
    pub async fn acquire(&self, host: &str) -> Permit {
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host.to_string())
                .or_insert_with(|| {
                    Arc::new(tokio::sync::Mutex::new(Slot {
                        not_before: Instant::now(),
                        crawl_delay: None,
                    }))
                })
                .clone()
        };
        let guard = slot.lock_owned().await;
        tokio::time::sleep_until(guard.not_before).await;
        Permit {
            slot: guard,
            min_interval: self.min_interval,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_slot_takes_the_longest_wait() {
        let t = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(next_slot(t, s(1), None, None), t + s(1));
        assert_eq!(next_slot(t, s(1), Some(s(5)), None), t + s(5));
        assert_eq!(next_slot(t, s(1), Some(s(5)), Some(s(30))), t + s(30));
        assert_eq!(
            next_slot(t, s(1), None, Some(s(999_999))),
            t + MAX_HOST_DELAY
        );
    }

    #[test]
    fn host_key_includes_the_port() {
        let u = |s: &str| url::Url::parse(s).expect("url");
        assert_eq!(host_key(&u("http://Example.COM/a")), "example.com:80");
        assert_eq!(host_key(&u("https://example.com/a")), "example.com:443");
        assert_eq!(host_key(&u("http://127.0.0.1:8089/f")), "127.0.0.1:8089");
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_at_a_time_and_spaced() {
        let gate = Arc::new(HostGate::new(Duration::from_secs(2)));
        let start = Instant::now();
        let p = gate.acquire("h:80").await;
        let g2 = gate.clone();
        let second = tokio::spawn(async move {
            let _p = g2.acquire("h:80").await;
            Instant::now()
        });
        // Another host is not held back.
        let other = gate.acquire("o:80").await;
        assert_eq!(Instant::now(), start);
        drop(other);
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(p);
        let at = second.await.expect("join");
        assert_eq!(at, start + Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_slows_the_whole_host() {
        let gate = HostGate::new(Duration::from_millis(100));
        let start = Instant::now();
        let mut p = gate.acquire("h:80").await;
        p.throttle(Duration::from_secs(60));
        drop(p);
        let _p = gate.acquire("h:80").await;
        assert_eq!(Instant::now(), start + Duration::from_secs(60));
    }
}
