//! The feed list around the fetcher: hot reload (file edits and SIGHUP), sharing the feeds
//! between instances (`fetcher.scale_out`) and the `newsflow feeds` report read from the fetcher
//! state topic.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use fetcher::{FeedList, FeedState, FetcherStats};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// The global address switches (`fetcher.allow_loopback`, `fetcher.allow_private_addresses`):
/// those in force (read at start, like every HTTP setting) and those the config file has now. On
/// is an operator override for every feed, so it is logged at warn level, exported as
/// `newsflow_fetcher_address_override{key}` and shown in `/readyz`.
#[derive(Debug)]
pub struct AddressOverrides {
    in_force: Vec<&'static str>,
    on_disk: std::sync::Mutex<Vec<&'static str>>,
}

impl AddressOverrides {
    /// Every global switch, by config key.
    pub const KEYS: [&'static str; 2] =
        ["fetcher.allow_loopback", "fetcher.allow_private_addresses"];

    /// The switches of the config the fetcher starts with; each one on is logged at warn level.
    pub fn new(cfg: &Config) -> Arc<Self> {
        let in_force = cfg.address_overrides();
        for key in &in_force {
            tracing::warn!(
                key,
                reaches = what_it_allows(key),
                "global address override on: every feed, item link and redirect may reach these addresses; prefer allow_private on the feeds that need it"
            );
        }
        Arc::new(Self {
            on_disk: std::sync::Mutex::new(in_force.clone()),
            in_force,
        })
    }

    /// Register `newsflow_fetcher_address_override{key}`: 1 per switch in force (read at start,
    /// so set once).
    pub fn register(&self, r: &mut telemetry::Registry) {
        let gauges = telemetry::prometheus_client::metrics::family::Family::<
            telemetry::Labels,
            telemetry::prometheus_client::metrics::gauge::Gauge,
        >::default();
        for key in Self::KEYS {
            gauges
                .get_or_create(&telemetry::label("key", key))
                .set(i64::from(self.in_force.contains(&key)));
        }
        r.register(
            "newsflow_fetcher_address_override",
            "1 while a global switch lets every feed reach non-public addresses",
            gauges,
        );
    }

    /// Note the switches of an edited config: one turned on is logged at warn level with its key.
    pub fn edited(&self, cfg: &Config) {
        let now = cfg.address_overrides();
        let mut disk = self.on_disk.lock().unwrap_or_else(|p| p.into_inner());
        for key in now.iter().filter(|k| !disk.contains(k)) {
            tracing::warn!(
                key,
                reaches = what_it_allows(key),
                in_force = self.in_force.contains(key),
                "config edit turns on a global address override: every feed, item link and redirect may reach these addresses once the fetcher restarts"
            );
        }
        for key in disk.iter().filter(|k| !now.contains(k)) {
            tracing::info!(
                key,
                in_force = self.in_force.contains(key),
                "config edit turns a global address override off (applies when the fetcher restarts)"
            );
        }
        *disk = now;
    }

    /// One line for `/readyz`.
    pub fn describe(&self) -> String {
        let disk = self.on_disk.lock().unwrap_or_else(|p| p.into_inner());
        let pending: Vec<&str> = disk
            .iter()
            .filter(|k| !self.in_force.contains(k))
            .copied()
            .collect();
        let mut s = if self.in_force.is_empty() {
            "off".to_string()
        } else {
            format!(
                "ON ({}): every feed may reach non-public addresses",
                self.in_force.join(", ")
            )
        };
        if !pending.is_empty() {
            s.push_str(&format!(
                "; on in the config file, in force after a restart: {}",
                pending.join(", ")
            ));
        }
        s
    }
}

fn what_it_allows(key: &str) -> &'static str {
    if key.ends_with("allow_private_addresses") {
        "private and loopback"
    } else {
        "loopback"
    }
}

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
    overrides: Arc<AddressOverrides>,
    shutdown: CancellationToken,
) {
    let every = cfg.fetcher.reload_secs.at_least(Duration::from_secs(1));
    let mut feeds_file = cfg.fetcher.feeds_file.as_ref().map(|f| cfg.config_path(f));
    // Empty: the first check loads the files once, catching edits made since the start.
    let mut last = Vec::new();
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
                stats
                    .config_refused
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                feeds_file = c.fetcher.feeds_file.as_ref().map(|f| c.config_path(f));
                overrides.edited(&c);
                last = fingerprint(&config_path, feeds_file.as_ref());
                if *tx.borrow() != list {
                    tracing::info!(version = %list.version, feeds = list.feeds.len(), "config reloaded");
                    tx.send_replace(list);
                }
            }
            Err(e) => {
                stats
                    .config_refused
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                telemetry::InternalEvent::emit(crate::events::ConfigEditRefused {
                    stats: &stats,
                    file: &config_path,
                    error: &e,
                });
            }
        }
    }
}

/// Scale-out: join the fetcher group and pass on only the feeds whose host hashes to a partition
/// assigned to this instance. When the assignment changes, the state topic is read again so that
/// feeds taken over resume from their last owner's validators, schedule and seen entries. The
/// returned task ends once the group is left.
pub async fn share_feeds(
    cfg: &Config,
    settings: &bus::KafkaSettings,
    partitions: NonZeroU32,
    session_timeout: Duration,
    mut config_rx: tokio::sync::watch::Receiver<FeedList>,
    shutdown: CancellationToken,
) -> Result<(
    tokio::sync::watch::Receiver<FeedList>,
    tokio::task::JoinHandle<()>,
)> {
    let spec = [cfg.topology().fetcher_feeds(partitions)];
    let topic = spec[0].name.clone();
    let group = format!("{}-fetcher", cfg.pipeline.group_prefix);
    crate::startup::until_broker_answers("fetcher feeds topic", &shutdown, || async {
        Ok(bus::ensure_topics(settings, &spec).await?)
    })
    .await?;
    let total = partitions.get();
    let (mut assigned, member) =
        bus::join_group(settings, &topic, &group, session_timeout, shutdown.clone()).await?;
    let first = config_rx.borrow_and_update().clone();
    let (tx, rx) = tokio::sync::watch::channel(FeedList {
        version: first.version.clone(),
        feeds: Vec::new(),
        refreshed: None,
    });
    let (settings, topics) = (settings.clone(), cfg.topics());
    tokio::spawn(async move {
        let mut list = first;
        loop {
            let moved = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = config_rx.changed() => {
                    if r.is_err() {
                        return;
                    }
                    list = config_rx.borrow_and_update().clone();
                    false
                }
                r = assigned.changed() => {
                    if r.is_err() {
                        return;
                    }
                    true
                }
            };
            let partitions = assigned.borrow_and_update().clone();
            let owned = fetcher::owned_feeds(&list.feeds, &partitions, total);
            // Feeds taken over must resume from their last owner's state, else entries that one
            // published would be published again: wait for the broker rather than go on without.
            let refreshed = if moved {
                let load = || async { Ok(super::sink::load_state(&settings, &topics).await?) };
                match crate::startup::until_broker_answers(
                    "fetcher state after takeover",
                    &shutdown,
                    load,
                )
                .await
                {
                    Ok(Some(s)) => Some(Arc::new(s)),
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "re-reading fetcher state failed");
                        None
                    }
                }
            } else {
                None
            };
            tracing::info!(
                partitions = ?partitions,
                owned = owned.len(),
                of = list.feeds.len(),
                "feeds owned by this instance"
            );
            tx.send_replace(FeedList {
                version: list.version.clone(),
                feeds: owned,
                refreshed,
            });
        }
    });
    Ok((rx, member))
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

pub(crate) fn trust(f: &FeedState) -> &'static str {
    if !f.validators_trusted {
        "distrusted"
    } else if f.etag.is_none() && f.last_modified.is_none() {
        "none"
    } else {
        "trusted"
    }
}

/// Redact a feed state for showing: states saved by older versions may still hold a feed URL
/// with credentials, and errors quote URLs.
pub fn redact(s: &mut FeedState) {
    s.url = model::SecretUrl::new(&s.url).redacted();
    s.last_error = s.last_error.take().map(|e| model::Redacted(e).to_string());
}

/// The feeds to show (`newsflow feeds`, the web view): the configured feeds (never polled ones
/// too) and any others found in the state topic, by name, URLs redacted; each with whether it is
/// still configured.
pub fn shown_feeds(cfg: &Config, mut states: Vec<FeedState>) -> Result<Vec<(FeedState, bool)>> {
    let configured = cfg.feeds()?;
    for c in &configured {
        if !states.iter().any(|s| s.name == c.name) {
            states.push(FeedState::new(&c.name, &c.url));
        }
    }
    states.sort_by(|a, b| a.name.cmp(&b.name));
    for s in &mut states {
        redact(s);
    }
    Ok(states
        .into_iter()
        .map(|s| {
            let still = configured.iter().any(|c| c.name == s.name);
            (s, still)
        })
        .collect())
}

/// Print each feed's state: the configured feeds (never polled ones too) and any others found in
/// the state topic.
pub fn print_feeds(cfg: &Config, states: Vec<FeedState>, json: bool) -> Result<()> {
    let shown = shown_feeds(cfg, states)?;
    if json {
        let states: Vec<&FeedState> = shown.iter().map(|(s, _)| s).collect();
        println!("{}", serde_json::to_string_pretty(&states)?);
        return Ok(());
    }
    println!(
        "{:<20} {:<19} {:<19} {:<19} {:>5} {:>4} {:<10} ERROR",
        "FEED", "LAST SUCCESS", "LAST ERROR", "NEXT POLL", "ITEMS", "FAIL", "VALIDATORS"
    );
    for (s, configured) in &shown {
        let name = if *configured {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::write(p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    #[tokio::test]
    async fn feed_list_edits_apply_and_invalid_edits_are_refused() {
        let dir = std::env::temp_dir().join(format!("newsflow-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let config = dir.join("newsflow.toml");
        let feeds = dir.join("feeds.toml");
        write(
            &config,
            "[fetcher]\nfeeds_file = \"feeds.toml\"\nreload_secs = 1\n",
        );
        write(
            &feeds,
            "[[feed]]\nname = \"a\"\nurl = \"http://a.example/f\"\n",
        );
        let cfg = Config::load(&config).expect("config");
        let (tx, mut rx) = tokio::sync::watch::channel(cfg.feed_list().expect("list"));
        let stats = Arc::new(FetcherStats::default());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(watch_config(
            config.clone(),
            cfg.clone(),
            tx,
            stats.clone(),
            AddressOverrides::new(&cfg),
            shutdown.clone(),
        ));
        let v1 = rx.borrow_and_update().version.clone();

        write(
            &feeds,
            "[[feed]]\nname = \"a\"\nurl = \"http://a.example/f\"\n[[feed]]\nname = \"b\"\nurl = \"http://b.example/f\"\n",
        );
        tokio::time::timeout(Duration::from_secs(10), rx.changed())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no reload within 10 s; refused edits: {}; load: {:?}",
                    stats.config_reload_failures.get(),
                    Config::load(&config).map(|c| c.fingerprint)
                )
            })
            .expect("sender alive");
        let list = rx.borrow_and_update().clone();
        assert_eq!(list.feeds.len(), 2);
        assert_ne!(list.version, v1);

        write(
            &feeds,
            "[[feed]]\nname = \"a\"\nurl = \"ftp://a.example/f\"\n",
        );
        let end = tokio::time::Instant::now() + Duration::from_secs(10);
        while stats.config_reload_failures.get() == 0 {
            assert!(
                tokio::time::Instant::now() < end,
                "invalid edit not noticed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            !rx.has_changed().expect("sender alive"),
            "invalid list sent"
        );
        let err = Config::load(&config).expect_err("invalid");
        assert!(format!("{err:#}").contains("ftp://a.example/f"), "{err:#}");
        write(&feeds, "[[feed]]\nname = \"a\"\nurl = 7\n");
        let err = Config::load(&config).expect_err("invalid");
        assert!(format!("{err:#}").contains("url"), "{err:#}");
        shutdown.cancel();
        task.await.expect("join");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sighup_applies_an_edit_at_once() {
        let dir = std::env::temp_dir().join(format!("newsflow-hup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let config = dir.join("newsflow.toml");
        write(
            &config,
            "[fetcher]\nreload_secs = 3600\n[[fetcher.feed]]\nname = \"a\"\nurl = \"http://a.example/f\"\n",
        );
        let cfg = Config::load(&config).expect("config");
        let (tx, mut rx) = tokio::sync::watch::channel(cfg.feed_list().expect("list"));
        rx.borrow_and_update();
        // Our own listener first, so that a SIGHUP never takes the default action here.
        let _guard = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .expect("listen for SIGHUP");
        let shutdown = CancellationToken::new();
        let overrides = AddressOverrides::new(&cfg);
        let task = tokio::spawn(watch_config(
            config.clone(),
            cfg,
            tx,
            Arc::new(FetcherStats::default()),
            overrides,
            shutdown.clone(),
        ));
        write(
            &config,
            "[fetcher]\nreload_secs = 3600\n[[fetcher.feed]]\nname = \"b\"\nurl = \"http://b.example/f\"\n",
        );
        let pid = std::process::id().to_string();
        let end = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let status = std::process::Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .expect("kill");
            assert!(status.success());
            // Resent until the watcher (which may not have started listening yet) reacts.
            if tokio::time::timeout(Duration::from_millis(500), rx.changed())
                .await
                .is_ok()
            {
                break;
            }
            assert!(tokio::time::Instant::now() < end, "SIGHUP did not reload");
        }
        assert_eq!(rx.borrow().feeds[0].name, "b");
        shutdown.cancel();
        task.await.expect("join");
        std::fs::remove_dir_all(&dir).ok();
    }
}
