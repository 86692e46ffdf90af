//! The fetcher in the binary: hot reload of the feed list (file edits and SIGHUP) and the
//! `newsflow feeds` report read from the fetcher state topic.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use fetcher::{FeedList, FeedState, FetcherStats};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// Hash of the config file and the feed list file it names.
fn fingerprint(config_path: &Path, feeds_file: Option<&PathBuf>) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(std::fs::read(config_path).unwrap_or_default());
    if let Some(f) = feeds_file {
        h.update(std::fs::read(f).unwrap_or_default());
    }
    h.finalize().to_vec()
}

/// Watch the config for edits (every `fetcher.reload_secs`, and at once on SIGHUP). A valid edit
/// sends the new feed list; an invalid one is refused with a log line naming the key, counted in
/// `config_reload_failures`, and the running feed list stays.
pub async fn watch_config(
    config_path: PathBuf,
    cfg: Config,
    tx: tokio::sync::watch::Sender<FeedList>,
    stats: Arc<FetcherStats>,
    shutdown: CancellationToken,
) {
    let every = Duration::from_secs(cfg.fetcher.reload_secs.max(1));
    let mut feeds_file = cfg.fetcher.feeds_file.as_ref().map(|f| cfg.config_path(f));
    let mut last = fingerprint(&config_path, feeds_file.as_ref());
    #[cfg(unix)]
    let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP");
            None
        }
    };
    loop {
        let mut forced = false;
        #[cfg(unix)]
        {
            let hup_recv = async {
                match hup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
                _ = hup_recv => forced = true,
            }
        }
        #[cfg(not(unix))]
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let now = fingerprint(&config_path, feeds_file.as_ref());
        if now == last && !forced {
            continue;
        }
        last = now;
        match Config::load(&config_path).and_then(|c| Ok((c.feed_list()?, c))) {
            Ok((list, c)) => {
                feeds_file = c.fetcher.feeds_file.as_ref().map(|f| c.config_path(f));
                last = fingerprint(&config_path, feeds_file.as_ref());
                if *tx.borrow() != list {
                    tracing::info!(version = %list.version, feeds = list.feeds.len(), "config reloaded");
                    tx.send_replace(list);
                }
            }
            Err(e) => {
                FetcherStats::bump(&stats.config_reload_failures);
                tracing::error!(
                    file = %config_path.display(),
                    error = format!("{e:#}"),
                    "config edit refused, the running config stays"
                );
            }
        }
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

fn trust(f: &FeedState) -> &'static str {
    if !f.validators_trusted {
        "distrusted"
    } else if f.etag.is_none() && f.last_modified.is_none() {
        "none"
    } else {
        "trusted"
    }
}

/// Print each feed's state: the configured feeds (never polled ones too) and any others found in
/// the state topic.
pub fn print_feeds(cfg: &Config, mut states: Vec<FeedState>, json: bool) -> Result<()> {
    let configured = cfg.feeds()?;
    for c in &configured {
        if !states.iter().any(|s| s.name == c.name) {
            states.push(FeedState::new(&c.name, &c.url));
        }
    }
    states.sort_by(|a, b| a.name.cmp(&b.name));
    if json {
        println!("{}", serde_json::to_string_pretty(&states)?);
        return Ok(());
    }
    println!(
        "{:<20} {:<19} {:<19} {:<19} {:>5} {:>4} {:<10} ERROR",
        "FEED", "LAST SUCCESS", "LAST ERROR", "NEXT POLL", "ITEMS", "FAIL", "VALIDATORS"
    );
    for s in &states {
        let name = if configured.iter().any(|c| c.name == s.name) {
            s.name.clone()
        } else {
            format!("{} (removed)", s.name)
        };
        println!(
            "{:<20} {:<19} {:<19} {:<19} {:>5} {:>4} {:<10} {}",
            name,
            when(s.last_success),
            when(s.last_error_at),
            when(s.next_poll),
            s.items,
            s.failures,
            trust(s),
            s.last_error.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
