//! `newsflow web` (and the view inside `newsflow run`): fills the web crate's view from the
//! enriched, stories and fetcher state topics — read from the beginning, then followed — and
//! serves it. Topic readers assign partitions without a consumer group and commit nothing, so
//! any number of instances can run side by side and none writes to Kafka.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use bus::{KafkaSettings, Record};
use fetcher::FeedState;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::fetcher::sink::FEED_KEY_PREFIX;

/// Serve the web view against `kafka.brokers` until `shutdown`.
pub async fn run(
    cfg: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let brokers = crate::require_brokers(&cfg)?;
    let token = crate::stop_on(shutdown);
    let r = serve(&cfg, &brokers, token.clone()).await;
    token.cancel();
    r
}

/// Bind `cfg.web.listen`, print the address, and serve the view until `shutdown` while following
/// the topics.
pub async fn serve(cfg: &Config, brokers: &str, shutdown: CancellationToken) -> Result<()> {
    let listen = cfg.web.listen.clone();
    anyhow::ensure!(
        !listen.is_empty(),
        "web.listen is empty: the web view is off"
    );
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("web.listen {listen:?}: cannot listen"))?;
    let addr = listener.local_addr().context("web listener address")?;
    let url = format!("http://{addr}/");
    tracing::info!(url = %url, "web view listening");
    if !addr.ip().is_loopback() {
        // Read-only, but it shows everything on the topics to whoever can reach it.
        tracing::warn!(key = "web.listen", address = %addr, "web view listening beyond loopback without authentication");
    }
    println!("newsflow web view: {url}");
    let shared = web::Shared::new(cfg.web.limits());
    shared.set_feeds(feed_rows(cfg, Vec::new()));
    let server = tokio::spawn(web::serve(listener, shared.clone(), shutdown.clone()));
    let settings = cfg.kafka(brokers);
    let follow = follow(cfg, &settings, shared, shutdown.clone());
    let (served, followed) = tokio::join!(server, follow);
    followed?;
    served.context("web server task")?.context("web server")?;
    Ok(())
}

/// Open a follower of `topics` from the beginning, waiting while a topic or the broker is
/// missing; `None` when `shutdown` came first.
async fn open(
    settings: &KafkaSettings,
    topics: &[&str],
    shutdown: &CancellationToken,
) -> Option<bus::Follower> {
    let mut wait = Duration::from_millis(500);
    loop {
        match bus::Follower::open(settings, topics).await {
            Ok(f) => return Some(f),
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "web view cannot read the topics yet, will retry")
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(Duration::from_secs(10));
    }
}

async fn follow(
    cfg: &Config,
    settings: &KafkaSettings,
    shared: Arc<web::Shared>,
    shutdown: CancellationToken,
) -> Result<()> {
    let topics = cfg.topics();
    let names = [
        topics.enriched.as_str(),
        topics.stories.as_str(),
        topics.fetcher_state.as_str(),
    ];
    let Some(follower) = open(settings, &names, &shutdown).await else {
        return Ok(());
    };
    // The configured feed names, read once: the view's config does not change while it runs, and
    // re-reading the feed list file per state record made every record cost a file read and a
    // rebuild of every row.
    let configured: HashSet<String> = cfg
        .feeds()
        .map(|fs| fs.into_iter().map(|f| f.name).collect())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    // The view is rebuilt once every topic is read up to where it ended when its turn came; it
    // is ready from then on (the topics may never go quiet: feeds are polled all the time).
    for (n, name) in names.iter().enumerate() {
        loop {
            let read = follower.read_to_end(n, |r| apply(&shared, &configured, n, r));
            let r = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                r = read => r,
            };
            match r {
                Ok(()) => break,
                Err(e) => {
                    // Resumes where it stopped: the follower keeps its positions.
                    tracing::warn!(topic = name, error = %e, "web view reading failed, retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
    shared.set_ready();
    let (s, a) = shared.read().counts();
    tracing::info!(
        stories = s,
        articles = a,
        ms = started.elapsed().as_millis() as u64,
        "web view rebuilt from the topics, following"
    );
    follower
        .follow(&shutdown, |n, r| apply(&shared, &configured, n, r))
        .await;
    Ok(())
}

fn apply(shared: &web::Shared, configured: &HashSet<String>, n: usize, r: &Record) {
    let Some(body) = r.payload.as_deref() else {
        return;
    };
    let result = match n {
        0 => shared.apply_article_body(body),
        1 => shared.apply_story_body(body),
        _ => {
            let key = r
                .key
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            if key.starts_with(FEED_KEY_PREFIX) {
                match serde_json::from_slice::<FeedState>(body) {
                    Ok(f) => {
                        let still = configured.contains(&f.name);
                        shared.apply_feed(feed_row(f, still));
                    }
                    Err(e) => {
                        tracing::warn!(offset = r.offset, key = %key, error = %e, "web view skips an unreadable feed state record")
                    }
                }
            }
            Ok(())
        }
    };
    if let Err(e) = result {
        tracing::warn!(reader = n, partition = r.partition, offset = r.offset, error = %e, "web view skips an unreadable record");
    }
}

/// Feed rows as `newsflow feeds` shows them.
pub fn feed_rows(cfg: &Config, states: Vec<FeedState>) -> Vec<web::FeedRow> {
    let shown = match crate::fetcher::feeds::shown_feeds(cfg, states) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "web view cannot list the configured feeds"
            );
            Vec::new()
        }
    };
    shown
        .into_iter()
        .map(|(s, configured)| feed_row(s, configured))
        .collect()
}

/// One feed's row, URL and error redacted; `configured`: still in the config.
fn feed_row(mut s: FeedState, configured: bool) -> web::FeedRow {
    crate::fetcher::feeds::redact(&mut s);
    web::FeedRow {
        removed: !configured,
        validators: crate::fetcher::feeds::trust(&s).to_string(),
        last_success: s.last_success,
        last_error_at: s.last_error_at,
        next_poll: s.next_poll,
        items: s.items as u64,
        failures: s.failures,
        url: s.url,
        last_error: s.last_error,
        name: s.name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_rows_list_configured_and_removed_feeds_redacted() {
        let cfg = Config::parse(
            "[[fetcher.feed]]\nname = \"b\"\nurl = \"https://user:secret@b.example/feed?token=abc\"\n",
            std::path::Path::new("/nonexistent/config/newsflow.toml"),
            std::iter::empty(),
        )
        .expect("config");
        let mut gone = FeedState::new("a", &"https://a.example/feed".into());
        gone.last_error = Some("GET https://x:pw@a.example/feed failed".into());
        let rows = feed_rows(&cfg, vec![gone]);
        let names: Vec<(&str, bool)> = rows.iter().map(|r| (r.name.as_str(), r.removed)).collect();
        assert_eq!(names, [("a", true), ("b", false)]);
        assert!(
            !rows[1].url.contains("secret") && !rows[1].url.contains("abc"),
            "{}",
            rows[1].url
        );
        assert!(!rows[0].last_error.as_deref().unwrap_or("").contains("pw"));
        assert_eq!(rows[1].validators, "none");
    }

    #[test]
    fn a_state_record_updates_its_row_alone() {
        let shared = web::Shared::new(web::Limits::default());
        let configured: HashSet<String> = ["b".to_string()].into();
        let mut b = FeedState::new("b", &"https://u:pw@b.example/feed".into());
        b.items = 7;
        let rec = Record {
            partition: 0,
            offset: 3,
            key: Some(format!("{FEED_KEY_PREFIX}b").into_bytes()),
            payload: Some(serde_json::to_vec(&b).expect("json")),
        };
        apply(&shared, &configured, 2, &rec);
        let rows = shared.read().feeds();
        assert_eq!(rows.len(), 1);
        assert!(!rows[0].removed && rows[0].items == 7, "{:?}", rows[0]);
        assert!(!rows[0].url.contains("pw"), "{}", rows[0].url);
    }
}
