//! The configuration: an optional TOML file, environment overrides and validation. Pipeline
//! meaning lives here; process behaviour (which stage to run) lives in CLI flags. The doc comments
//! of the types below are the configuration reference (`newsflow config-reference`,
//! `docs/config.md`).

mod duration;
pub mod reference;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use duration::{Dur, Millis, Secs};

/// Where a config file is looked for when neither `--config` nor `NEWSFLOW_CONFIG` names one.
pub const DEFAULT_PATH: &str = "config/newsflow.toml";

/// The story gazetteer built into the binary, used when `enricher.gazetteer` names no file.
pub const BUILTIN_GAZETTEER: &str = include_str!("../../../config/gazetteer.toml");

/// The config format version this binary reads.
pub const VERSION: u32 = 1;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Version of the config format; `1`, the only one so far. Optional: a file without it is
    /// read as version 1; a newer version is refused rather than half understood.
    #[serde(default = "version_one")]
    pub version: u32,
    /// Topic names, consumer groups and topic layout.
    #[serde(default)]
    pub pipeline: PipelineConfig,
    /// Where the Kafka cluster is and how to reach it.
    #[serde(default)]
    pub kafka: KafkaConfig,
    /// Sources (feeds, directories) and HTTP.
    #[serde(default)]
    pub fetcher: FetcherConfig,
    /// Language, entities, claims, stories and tracked stories.
    #[serde(default)]
    pub enricher: EnricherConfig,
    /// The consume→process→produce loop of the cleaner and enricher.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// The built-in demo feed, which publishes articles written for the project over time.
    #[serde(default)]
    pub demo_feed: DemoFeedConfig,
    /// Metrics, health endpoints and logs.
    #[serde(default)]
    pub observability: ObservabilityConfig,
    /// The read-only web view (`newsflow web`, and inside `newsflow run`).
    #[serde(default)]
    pub web: WebConfig,
    /// Directory the config was read from; relative paths resolve against it and its parent.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file the config was read from; `None` for the built-in configuration.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Hash of the config text(s), written into every message as `config_version`.
    #[serde(skip)]
    pub fingerprint: String,
}

fn version_one() -> u32 {
    VERSION
}

/// Topic names and layout.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Prefix of every topic: `{prefix}.raw`, `.clean`, `.enriched`, `.stories`, `.dlq`,
    /// `.fetcher.state` (and the internal `.enricher.assign`, `.fetcher.feeds`).
    pub topic_prefix: String,
    /// Prefix of consumer group names: `{group_prefix}-cleaner`, `{group_prefix}-enricher`, ...
    pub group_prefix: String,
    /// Partitions of each topic created by `newsflow topics create` / `run` (the most useful
    /// copies of one worker).
    pub partitions: i32,
    /// Replication factor of created topics.
    pub replication: i32,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            topic_prefix: "news".into(),
            group_prefix: "newsflow".into(),
            partitions: 3,
            replication: 1,
        }
    }
}

/// Where the cluster is.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// `host:port,...`; empty: `newsflow run` starts a local broker (Tansu) on 127.0.0.1 and
    /// stops it on exit; the other commands refuse to start.
    pub brokers: String,
    /// librdkafka options passed through as given (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`, ...); secret ones are never shown.
    pub options: bus::KafkaOptions,
}

/// One directory of article files (`[[fetcher.dirs]]`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirConfig {
    /// `seed` (every file once) or `inbox` (a file is read once it is unchanged between two
    /// scans).
    pub kind: DirKind,
    /// Source name.
    pub name: String,
    /// Directory, relative to the repository root (the config directory's parent).
    pub path: PathBuf,
    /// Time between scans.
    #[serde(default = "default_rescan")]
    pub rescan_secs: Secs,
}

/// What a directory of article files holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DirKind {
    /// Files in place before the start, each read once.
    Seed,
    /// Files dropped while running, each read once it is unchanged between two scans.
    Inbox,
}

impl From<DirKind> for model::SourceKind {
    fn from(k: DirKind) -> Self {
        match k {
            DirKind::Seed => model::SourceKind::Seed,
            DirKind::Inbox => model::SourceKind::Inbox,
        }
    }
}

fn default_rescan() -> Secs {
    Secs::units(5)
}

/// One feed (`[[fetcher.feed]]` in the config, `[[feed]]` in the feed list file).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Source name, unique among the feeds.
    pub name: String,
    /// Feed URL, `http` or `https`; may be a site page, whose feed is found via
    /// `<link rel="alternate">` or common paths. May carry credentials or a token: shown redacted.
    pub url: model::SecretUrl,
    /// Fixed poll interval. Without it the feed follows its publishing rate and hints (`<ttl>`,
    /// `sy:updatePeriod`, `Cache-Control`, `Expires`, `Retry-After`), starting from
    /// `fetcher.poll_interval_secs`.
    #[serde(default)]
    pub interval_secs: Option<Secs>,
    /// This feed's own host and port (those of `url`) may be a loopback or private address: the
    /// feed, its article pages and redirects on that host are fetched; links and redirects to any
    /// other non-public address stay refused.
    #[serde(default)]
    pub allow_private: bool,
    /// Link-local or cloud metadata addresses (e.g. `"169.254.169.254"`) this feed's own host may
    /// resolve to, named one by one; refused otherwise, `allow_private` or not. Anything else in
    /// the list is refused as a config error.
    #[serde(default)]
    pub allow_link_local: Vec<std::net::IpAddr>,
}

/// The feed list file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsFile {
    /// Feeds.
    #[serde(default)]
    pub feed: Vec<FeedConfig>,
}

/// Fetcher settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FetcherConfig {
    /// User-Agent; robots.txt groups are matched on its product token (`newsflow`).
    pub user_agent: String,
    /// Contact URL for site operators, appended to the User-Agent as `(+url)` unless already in it.
    pub contact_url: Option<String>,
    /// Poll interval of a feed whose publishing rate is not known yet (a feed with its own
    /// `interval_secs` is polled at that interval instead of following its rate).
    pub poll_interval_secs: Secs,
    /// Shortest delay between two polls of one feed, whatever the feed's hints say.
    pub min_poll_secs: Secs,
    /// Longest delay between two polls of one feed, also the cap of the failure backoff (a
    /// failing feed is never dropped).
    pub max_poll_secs: Secs,
    /// Every this many polls a feed with validators (ETag, Last-Modified) is fetched
    /// unconditionally; a changed body under unchanged validators stops that feed's conditional
    /// GETs (0: never check).
    pub validator_check_every: u32,
    /// Whole-request timeout.
    pub timeout_secs: Secs,
    /// Connect timeout.
    pub connect_timeout_secs: Secs,
    /// Longest wait for the next bytes of a response.
    pub read_timeout_secs: Secs,
    /// Redirects followed at most (each hop checked against the address policy).
    pub max_redirects: usize,
    /// Shortest time between two requests to one host, with one request in flight per host
    /// (longer under robots.txt `Crawl-delay` or a 429/503 `Retry-After`).
    pub host_min_interval_ms: Millis,
    /// Honour robots.txt (and its Crawl-delay) for article pages.
    pub respect_robots: bool,
    /// Override for every feed: any feed, item link and redirect may reach loopback addresses.
    /// Off in every shipped config (a feed on an internal host sets its own `allow_private`);
    /// read at start, logged at warn level and shown in `/readyz` and
    /// `newsflow_fetcher_address_override` when on.
    pub allow_loopback: bool,
    /// Override for every feed: any feed, item link and redirect may reach private and loopback
    /// addresses (link-local and metadata addresses stay refused). Off in every shipped config;
    /// logged, shown and read like `allow_loopback`.
    pub allow_private_addresses: bool,
    /// How often the config and feed list files are checked for edits (SIGHUP checks at once);
    /// only changed feeds restart; an invalid edit is logged with the key and the running list
    /// stays.
    pub reload_secs: Secs,
    /// Share the feeds between fetcher instances with the same config: each host's feeds are
    /// polled by the one live instance assigned its partition of `{topic_prefix}.fetcher.feeds`
    /// in the consumer group `{group_prefix}-fetcher`; directories stay per instance.
    // This and the next two keys are the file format only: the code reads them as one
    // `Sharing` (`FetcherConfig::sharing`), so the knobs cannot be read without the switch.
    scale_out: bool,
    /// Partitions of the work-sharing topic (the most instances that can share the feeds); only
    /// with `scale_out`.
    scale_out_partitions: i32,
    /// Time without a heartbeat after which a dead instance's feeds move to the others (plus a
    /// rebalance; measured 9.4 s with 6000); only with `scale_out`.
    group_session_timeout_ms: Millis,
    /// Largest page accepted, in bytes (larger bodies are aborted while streaming); also sizes
    /// the topics' message limits.
    pub max_body_bytes: usize,
    /// Directories of article files (seeds, inbox).
    pub dirs: Vec<DirConfig>,
    /// Feed list file (`[[feed]]` entries, the keys of `[[fetcher.feed]]`), relative to the
    /// config file, e.g. `feeds.toml`.
    pub feeds_file: Option<PathBuf>,
    /// Feeds listed inline.
    pub feed: Vec<FeedConfig>,
}

impl Default for FetcherConfig {
    fn default() -> Self {
        Self {
            user_agent: concat!(
                "newsflow/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/newsflow/newsflow)"
            )
            .into(),
            contact_url: None,
            poll_interval_secs: Secs::units(300),
            min_poll_secs: Secs::units(60),
            max_poll_secs: Secs::units(86_400),
            validator_check_every: 10,
            timeout_secs: Secs::units(30),
            connect_timeout_secs: Secs::units(10),
            read_timeout_secs: Secs::units(20),
            max_redirects: 5,
            host_min_interval_ms: Millis::units(1000),
            respect_robots: true,
            allow_loopback: false,
            allow_private_addresses: false,
            reload_secs: Secs::units(5),
            scale_out: false,
            scale_out_partitions: 12,
            group_session_timeout_ms: Millis::units(10_000),
            max_body_bytes: 5 * 1024 * 1024,
            dirs: Vec::new(),
            feeds_file: None,
            feed: Vec::new(),
        }
    }
}

/// How a fetcher instance shares the feeds with other instances: `fetcher.scale_out` with the
/// two keys that apply only when it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// This instance polls every configured feed (`scale_out = false`).
    Alone,
    /// Each host's feeds are polled by the one live instance of the fetcher group assigned its
    /// partition of the work-sharing topic (`scale_out = true`).
    Shared {
        /// Partitions of the work-sharing topic (`scale_out_partitions`).
        partitions: NonZeroU32,
        /// Time without a heartbeat after which a dead instance's feeds move to the others
        /// (`group_session_timeout_ms`).
        session_timeout: Duration,
    },
}

impl FetcherConfig {
    /// The sharing these keys describe. The knobs are checked even when `scale_out` is off, so
    /// a bad value is reported before someone turns it on.
    pub fn sharing(&self) -> Result<Sharing> {
        let partitions = u32::try_from(self.scale_out_partitions)
            .ok()
            .and_then(NonZeroU32::new)
            .with_context(|| {
                format!(
                    "fetcher.scale_out_partitions must be at least 1, got {}",
                    self.scale_out_partitions
                )
            })?;
        let session_timeout = self.group_session_timeout_ms.get();
        if session_timeout < Duration::from_secs(1) {
            bail!(
                "fetcher.group_session_timeout_ms must be at least 1s (1000), got {}",
                self.group_session_timeout_ms
            );
        }
        Ok(if self.scale_out {
            Sharing::Shared {
                partitions,
                session_timeout,
            }
        } else {
            Sharing::Alone
        })
    }
}

/// Enricher settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnricherConfig {
    /// Gazetteer file of canonical entities (`[[entity]] id, name, kind, aliases, fuzzy`),
    /// relative to the config file; without it the gazetteer built into the binary (a copy of
    /// `config/gazetteer.toml`) is used.
    pub gazetteer: Option<PathBuf>,
    /// Similarity (0–1] at which an article joins a story rather than founding one.
    pub story_threshold: f32,
    /// Similarity (0–1] to two stories at which an article merges them (0.35 when one has no
    /// dated article).
    pub story_merge_threshold: f32,
    /// A dated article joins only stories with an article dated within this many days of its
    /// own (undated: by content).
    pub story_window_days: i64,
    /// Stories that gained no article for this many days (by arrival time) leave the story index.
    pub story_max_age_days: i64,
    /// Most stories in the index; the least recently updated leave first.
    pub max_stories: usize,
    /// Share (0–1] of the shorter text's word shingles found in the longer at which an article
    /// is a near duplicate.
    pub near_duplicate_threshold: f32,
    /// Group recent articles again in one canonical order when the input pauses (2 s, at most
    /// once a minute) and at the end of `newsflow enrich`, so that the grouping does not depend
    /// on the order articles arrived in; moved articles and emptied stories are published.
    pub story_regroup: bool,
    /// Tracked stories: relevance per article, and optionally a topic for the relevant ones.
    #[serde(skip_serializing)]
    #[schemars(with = "Vec<TrackedStoryKeys>")]
    pub tracked: Vec<enricher::TrackedStory>,
}

/// The keys of one tracked story (`[[enricher.tracked]]`) for the reference; the config reads
/// them into `enricher::TrackedStory`.
#[derive(Default, Serialize, JsonSchema)]
struct TrackedStoryKeys {
    /// Short name, e.g. `prisoner-exchange`; unique.
    name: String,
    /// Terms or phrases in any language; matched case- and accent-insensitively.
    #[serde(default)]
    terms: Vec<String>,
    /// Canonical entity ids from the gazetteer.
    #[serde(default)]
    entities: Vec<String>,
    /// Score at which an article counts as relevant.
    #[serde(default = "default_min_score")]
    min_score: f32,
    /// Topic that receives the relevant articles, if any (created with the pipeline topics).
    #[serde(default)]
    topic: Option<String>,
}

/// `enricher::TrackedStory`'s default `min_score`, for the reference.
fn default_min_score() -> f32 {
    0.5
}

impl Default for EnricherConfig {
    fn default() -> Self {
        let s = enricher::StoryConfig::default();
        Self {
            gazetteer: None,
            story_threshold: s.threshold,
            story_merge_threshold: s.merge_threshold,
            story_window_days: s.window_days,
            story_max_age_days: s.max_age_days,
            max_stories: s.max_stories,
            near_duplicate_threshold: s.near_duplicate_threshold,
            story_regroup: true,
            tracked: Vec::new(),
        }
    }
}

impl EnricherConfig {
    /// Story clustering settings.
    pub fn stories(&self) -> enricher::StoryConfig {
        enricher::StoryConfig {
            threshold: self.story_threshold,
            merge_threshold: self.story_merge_threshold,
            window_days: self.story_window_days,
            max_age_days: self.story_max_age_days,
            max_stories: self.max_stories,
            near_duplicate_threshold: self.near_duplicate_threshold,
        }
    }

    fn validate(&self) -> Result<()> {
        for (key, v) in [
            ("story_threshold", self.story_threshold),
            ("story_merge_threshold", self.story_merge_threshold),
            ("near_duplicate_threshold", self.near_duplicate_threshold),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                bail!("enricher.{key} must be in (0, 1], got {v}");
            }
        }
        for (key, v) in [
            ("story_window_days", self.story_window_days),
            ("story_max_age_days", self.story_max_age_days),
        ] {
            if v < 1 {
                bail!("enricher.{key} must be at least 1, got {v}");
            }
        }
        if self.max_stories == 0 {
            bail!("enricher.max_stories must be at least 1");
        }
        let mut names = std::collections::HashSet::new();
        for (i, t) in self.tracked.iter().enumerate() {
            if let Some(problem) = t.problem() {
                bail!("enricher.tracked[{i}] {:?}: {problem}", t.name);
            }
            if !names.insert(t.name.as_str()) {
                bail!("enricher.tracked[{i}] {:?}: name is used twice", t.name);
            }
        }
        Ok(())
    }

    /// The tracked stories, checked against the gazetteer's entity ids.
    pub fn tracker(&self, gazetteer: &enricher::Gazetteer) -> Result<enricher::Tracker> {
        for (i, t) in self.tracked.iter().enumerate() {
            for id in &t.entities {
                if !gazetteer.contains(id) {
                    bail!(
                        "enricher.tracked[{i}] {:?}: entity {id:?} is not in the gazetteer",
                        t.name
                    );
                }
            }
        }
        Ok(enricher::Tracker::new(self.tracked.clone()))
    }
}

/// Worker loop settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Input messages awaiting acknowledgement per worker at most.
    pub max_in_flight: usize,
    /// Bound on a graceful stop.
    pub shutdown_timeout_secs: Secs,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 256,
            shutdown_timeout_secs: Secs::units(20),
        }
    }
}

/// The built-in demo feed that publishes articles written for the project over time.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DemoFeedConfig {
    /// Serve the demo feed inside `newsflow run`.
    pub enabled: bool,
    /// Listen address.
    pub listen: String,
    /// Time between newly published demo articles.
    pub interval_secs: Secs,
    /// Directory of demo articles (first line headline, then paragraphs; `name.es.md` sets the
    /// page language), relative to the repository root.
    pub dir: PathBuf,
    /// Base URL of the article links in the feed (e.g. `http://demo-feed:8089`); empty: the
    /// address the request was sent to (its `Host` header), so a feed bound to `0.0.0.0` still
    /// links to an address its readers can reach.
    pub public_url: String,
}

impl Default for DemoFeedConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            listen: "127.0.0.1:8089".into(),
            interval_secs: Secs::units(30),
            dir: "data/demo".into(),
            public_url: String::new(),
        }
    }
}

/// How a worker reports on itself.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ObservabilityConfig {
    /// Address of the `/metrics`, `/healthz` and `/readyz` server; empty turns it off. In
    /// containers listen on `0.0.0.0`.
    pub listen: String,
    /// Log format: `text` for people, `json` for log shippers (or pass `--log-json`).
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl Default for ObservabilityConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9464".into(),
            log_format: LogFormat::Text,
        }
    }
}

/// The read-only web view of stories and articles.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Listen address; loopback by default, as the view has no authentication. Empty turns the
    /// view off inside `newsflow run`.
    pub listen: String,
    /// Most stories held; the least recently active leave first.
    pub max_stories: usize,
    /// Most articles held; the least recently enriched leave first.
    pub max_articles: usize,
    /// Most megabytes of article records (as received) held.
    pub max_article_mb: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        let l = web::Limits::default();
        Self {
            listen: "127.0.0.1:8080".into(),
            max_stories: l.max_stories,
            max_articles: l.max_articles,
            max_article_mb: l.max_bytes / (1024 * 1024),
        }
    }
}

impl WebConfig {
    /// The view's caps.
    pub fn limits(&self) -> web::Limits {
        web::Limits {
            max_stories: self.max_stories,
            max_articles: self.max_articles,
            max_bytes: self.max_article_mb.saturating_mul(1024 * 1024),
            ..web::Limits::default()
        }
    }
}

/// Apply `NEWSFLOW__SECTION__KEY=value` overrides to a parsed TOML document.
fn apply_env(doc: &mut toml::Table, vars: impl Iterator<Item = (String, String)>) -> Result<()> {
    for (name, value) in vars {
        let Some(path) = name.strip_prefix("NEWSFLOW__") else {
            continue;
        };
        let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
        let (last, parents) = keys.split_last().context("empty override name")?;
        let mut table = &mut *doc;
        for k in parents {
            let entry = table
                .entry(k.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = match entry {
                toml::Value::Table(t) => t,
                _ => bail!("environment override {name}: {k} is not a table"),
            };
        }
        // Values parse as TOML when they can (numbers, booleans, arrays), else are strings;
        // librdkafka options are always strings.
        let parsed = if parents.len() == 2 && parents[0] == "kafka" && parents[1] == "options" {
            toml::Value::String(value.clone())
        } else {
            format!("v = {value}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(value.clone()))
        };
        table.insert(last.clone(), parsed);
    }
    Ok(())
}

impl Config {
    /// The configuration to use: the file named by `--config` / `NEWSFLOW_CONFIG` when given,
    /// else `./config/newsflow.toml` when present, else the built-in configuration; overridden
    /// from the environment and validated either way.
    pub fn locate(explicit: Option<&Path>) -> Result<Config> {
        match explicit {
            Some(path) => Self::load(path),
            None if Path::new(DEFAULT_PATH).is_file() => Self::load(Path::new(DEFAULT_PATH)),
            None => Self::builtin(),
        }
    }

    /// Read, override from the environment and validate the config at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        Self::parse(&text, path, std::env::vars())
    }

    /// The built-in configuration (every key at its default, the built-in gazetteer, relative
    /// paths against the working directory), overridden from the environment.
    pub fn builtin() -> Result<Config> {
        Self::from_text("", None, std::env::vars())
    }

    /// Parse config text; `path` locates relative files and names the file in errors.
    pub fn parse(
        text: &str,
        path: &Path,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config> {
        Self::from_text(text, Some(path), env)
    }

    /// Parse config text read from `path` (`None`: built in).
    pub fn from_text(
        text: &str,
        path: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config> {
        // Errors quote config text, and feed URLs may carry credentials: redact every URL in them.
        Self::parse_unredacted(text, path, env)
            .map_err(|e| anyhow::anyhow!("{}", model::Redacted(format!("{e:#}"))))
    }

    fn parse_unredacted(
        text: &str,
        path: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config> {
        let name = path.map_or_else(|| "(built in)".to_string(), |p| p.display().to_string());
        let mut doc: toml::Table = text
            .parse()
            .with_context(|| format!("config {name}: invalid TOML"))?;
        apply_env(&mut doc, env)?;
        let mut cfg: Config = toml::Value::Table(doc)
            .try_into()
            .with_context(|| format!("config {name}"))?;
        if cfg.version != VERSION {
            bail!(
                "config {name}: version {} is not one this newsflow reads (it reads version {VERSION})",
                cfg.version
            );
        }
        cfg.source = path.map(Path::to_path_buf);
        cfg.base_dir = path
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut hasher = Sha256::new();
        hasher.update(text.as_bytes());
        if let Some(f) = &cfg.fetcher.feeds_file {
            if let Ok(feeds) = std::fs::read(cfg.base_dir.join(f)) {
                hasher.update(&feeds);
            }
        }
        cfg.fingerprint = hex::encode(&hasher.finalize()[..6]);
        cfg.validate()?;
        Ok(cfg)
    }

    /// The gazetteer `enricher.gazetteer` names, or the built-in one, and the tracked stories
    /// checked against it.
    pub fn gazetteer(&self) -> Result<(enricher::Gazetteer, enricher::Tracker)> {
        let gazetteer = match &self.enricher.gazetteer {
            Some(p) => enricher::Gazetteer::load(&self.config_path(p))?,
            None => enricher::Gazetteer::from_toml(BUILTIN_GAZETTEER, "(built-in gazetteer)")?,
        };
        let tracker = self.enricher.tracker(&gazetteer)?;
        Ok((gazetteer, tracker))
    }

    fn validate(&self) -> Result<()> {
        let p = &self.pipeline;
        if p.topic_prefix.is_empty()
            || p.topic_prefix
                .contains(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        {
            bail!(
                "pipeline.topic_prefix {:?}: use letters, digits, '.', '_' or '-'",
                p.topic_prefix
            );
        }
        if p.partitions < 1 {
            bail!(
                "pipeline.partitions must be at least 1, got {}",
                p.partitions
            );
        }
        if self.fetcher.max_body_bytes < 1024 {
            bail!(
                "fetcher.max_body_bytes must be at least 1024, got {}",
                self.fetcher.max_body_bytes
            );
        }
        let o = &self.observability;
        if !o.listen.is_empty() && o.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "observability.listen {:?}: expected host:port with an IP address, e.g. 0.0.0.0:9464, or \"\" to turn it off",
                o.listen
            );
        }
        let w = &self.web;
        if !w.listen.is_empty() && w.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "web.listen {:?}: expected host:port with an IP address, e.g. 127.0.0.1:8080, or \"\" to turn it off",
                w.listen
            );
        }
        if w.max_stories == 0 || w.max_articles == 0 || w.max_article_mb == 0 {
            bail!("web.max_stories, web.max_articles and web.max_article_mb must be at least 1");
        }
        let f = &self.fetcher;
        if f.min_poll_secs.get() < Duration::from_secs(1) || f.min_poll_secs > f.max_poll_secs {
            bail!(
                "fetcher.min_poll_secs {} must be at least 1s and at most fetcher.max_poll_secs {}",
                f.min_poll_secs,
                f.max_poll_secs
            );
        }
        f.sharing()?;
        if let Some(c) = &f.contact_url {
            url::Url::parse(c).with_context(|| format!("fetcher.contact_url {c:?}"))?;
        }
        if f.user_agent.trim().is_empty() {
            bail!("fetcher.user_agent must not be empty");
        }
        if self.worker.max_in_flight == 0 {
            bail!("worker.max_in_flight must be at least 1");
        }
        self.enricher.validate()?;
        for f in self.feeds()? {
            // Feed URLs may carry credentials: errors show them redacted.
            let u = url::Url::parse(f.url.expose())
                .with_context(|| format!("feed {:?}: url {:?}", f.name, f.url))?;
            if !matches!(u.scheme(), "http" | "https") {
                bail!("feed {:?}: url {:?} must be http or https", f.name, f.url);
            }
            for ip in &f.allow_link_local {
                let class = fetcher::classify(*ip);
                if !matches!(
                    class,
                    fetcher::AddressClass::LinkLocal | fetcher::AddressClass::Metadata
                ) {
                    bail!(
                        "feed {:?}: allow_link_local names {ip}, which is {}, not a link-local or metadata address{}",
                        f.name,
                        class.label(),
                        if matches!(class, fetcher::AddressClass::Loopback | fetcher::AddressClass::Private) {
                            " (use allow_private = true)"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        Ok(())
    }

    /// Resolve a path from the config against the repository root (the config dir's parent)
    /// for data, or the config dir for config files.
    pub fn config_path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// Resolve a data path (seed dir, inbox) relative to the repository root.
    pub fn data_path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.parent().unwrap_or(Path::new(".")).join(p)
        }
    }

    /// All feeds: inline ones and those in the feed list file.
    pub fn feeds(&self) -> Result<Vec<FeedConfig>> {
        let mut feeds = self.fetcher.feed.clone();
        if let Some(f) = &self.fetcher.feeds_file {
            let path = self.config_path(f);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("fetcher.feeds_file: reading {}", path.display()))?;
            let file: FeedsFile = toml::from_str(&text)
                .with_context(|| format!("fetcher.feeds_file {}", path.display()))?;
            feeds.extend(file.feed);
        }
        let mut names = std::collections::HashSet::new();
        for f in &feeds {
            if !names.insert(f.name.clone()) {
                bail!("feed name {:?} is used twice", f.name);
            }
        }
        Ok(feeds)
    }

    /// Topic names.
    pub fn topics(&self) -> crate::topology::Topics {
        crate::topology::Topics::with_prefix(&self.pipeline.topic_prefix)
    }

    /// Every topic with its layout.
    pub fn topology(&self) -> crate::topology::Topology {
        crate::topology::Topology::new(self)
    }

    /// Kafka client settings for `brokers`.
    pub fn kafka(&self, brokers: &str) -> bus::KafkaSettings {
        bus::KafkaSettings {
            brokers: brokers.to_string(),
            options: self.kafka.options.clone(),
        }
    }

    /// The fetcher's runtime config.
    pub fn fetcher(&self) -> Result<fetcher::FetcherConfig> {
        let f = &self.fetcher;
        Ok(fetcher::FetcherConfig {
            dirs: f
                .dirs
                .iter()
                .map(|d| fetcher::DirSpec {
                    kind: d.kind.into(),
                    name: d.name.clone(),
                    path: self.data_path(&d.path),
                    rescan: d.rescan_secs.at_least(Duration::from_secs(1)),
                })
                .collect(),
            feeds: self
                .feeds()?
                .into_iter()
                .map(|c| fetcher::FeedSpec {
                    name: c.name,
                    url: c.url,
                    // A fixed interval in the feed's entry overrides the publishing rate.
                    cadence: match c.interval_secs {
                        Some(i) => fetcher::Cadence::Fixed(i.at_least(Duration::from_secs(1))),
                        None => fetcher::Cadence::Adaptive(
                            f.poll_interval_secs.at_least(Duration::from_secs(1)),
                        ),
                    },
                    access: fetcher::FeedAccess {
                        allow_private: c.allow_private,
                        allow_link_local: c.allow_link_local,
                    },
                })
                .collect(),
            http: fetcher::HttpOptions {
                user_agent: self.user_agent(),
                connect_timeout: f.connect_timeout_secs.at_least(Duration::from_secs(1)),
                read_timeout: f.read_timeout_secs.at_least(Duration::from_secs(1)),
                timeout: f.timeout_secs.at_least(Duration::from_secs(1)),
                max_body_bytes: f.max_body_bytes,
                max_redirects: f.max_redirects,
                addresses: fetcher::AddressPolicy::from_switches(
                    f.allow_loopback,
                    f.allow_private_addresses,
                ),
                host_min_interval: f.host_min_interval_ms.get(),
                robots: f.respect_robots,
            },
            poll: fetcher::PollOptions {
                bounds: fetcher::Bounds {
                    min: f.min_poll_secs.at_least(Duration::from_secs(1)),
                    max: f
                        .max_poll_secs
                        .max(f.min_poll_secs)
                        .at_least(Duration::from_secs(1)),
                },
                validator_check_every: f.validator_check_every,
            },
            config_version: self.fingerprint.clone(),
        })
    }

    /// The global address switches that are on, by config key: every feed may reach what they
    /// allow.
    pub fn address_overrides(&self) -> Vec<&'static str> {
        let f = &self.fetcher;
        let mut on = Vec::new();
        if f.allow_loopback {
            on.push("fetcher.allow_loopback");
        }
        if f.allow_private_addresses {
            on.push("fetcher.allow_private_addresses");
        }
        on
    }

    /// The User-Agent with the contact URL.
    pub fn user_agent(&self) -> String {
        let f = &self.fetcher;
        match &f.contact_url {
            Some(c) if !f.user_agent.contains(c.as_str()) => {
                format!("{} (+{c})", f.user_agent.trim())
            }
            _ => f.user_agent.clone(),
        }
    }

    /// The feed list alone, for hot reload.
    pub fn feed_list(&self) -> Result<fetcher::FeedList> {
        Ok(fetcher::FeedList {
            version: self.fingerprint.clone(),
            feeds: self.fetcher()?.feeds,
            refreshed: None,
        })
    }

    /// Largest message any stage sends: the body cap plus room for metadata.
    pub fn max_message_bytes(&self) -> usize {
        self.fetcher.max_body_bytes * 2 + 64 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Config> {
        Config::parse(
            text,
            Path::new("/nonexistent/config/newsflow.toml"),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn secrets_in_feed_urls_and_kafka_options_are_never_shown() {
        let feed = "[[fetcher.feed]]\nname = \"f\"\nurl = \"https://user:s3cr3t@h.example/feed.xml?token=t0k3n\"\n";
        let cfg = parse(
            &format!("[kafka.options]\n\"sasl.password\" = \"p4ss\"\n{feed}"),
            &[("NEWSFLOW__KAFKA__OPTIONS__ssl.key.password", "k3yp4ss")],
        )
        .expect("valid");
        assert_eq!(cfg.kafka.options["ssl.key.password"], "k3yp4ss");
        let feeds = cfg.feeds().expect("feeds");
        let shown = format!("{cfg:?} {feeds:?} {:?}", cfg.fetcher().expect("fetcher"));
        let fresh = fetcher::FeedState::new(&feeds[0].name, &feeds[0].url);
        let shown = format!("{shown} {}", serde_json::to_string(&fresh).expect("json"));
        for secret in ["s3cr3t", "t0k3n", "p4ss"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("h.example/feed.xml?token=redacted"),
            "{shown}"
        );
        // Refused configs quote the URL: redacted there too.
        let bad = feed.replace("https://", "ftp://");
        let err = format!("{:#}", parse(&bad, &[]).expect_err("scheme"));
        assert!(
            err.contains("must be http or https") && !err.contains("s3cr3t"),
            "{err}"
        );
        let broken = format!("{feed}url = \"http://u:s3cr3t@h.example/x\n");
        let err = format!("{:#}", parse(&broken, &[]).expect_err("toml"));
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn shipped_config_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/newsflow.toml");
        let cfg = Config::parse(
            &std::fs::read_to_string(&path).expect("read"),
            &path,
            std::iter::empty(),
        )
        .expect("shipped config");
        assert!(cfg.fetcher.dirs.iter().any(|d| d.kind == DirKind::Seed));
        assert!(!cfg.feeds().expect("feeds").is_empty());
        assert!(cfg.demo_feed.enabled);
    }

    #[test]
    fn environment_overrides_any_key() {
        let cfg = parse(
            "[kafka]\nbrokers = \"\"\n",
            &[
                ("NEWSFLOW__KAFKA__BROKERS", "kafka:9092"),
                ("NEWSFLOW__PIPELINE__PARTITIONS", "6"),
                ("NEWSFLOW__KAFKA__OPTIONS__security.protocol", "SASL_SSL"),
                ("NEWSFLOW__KAFKA__OPTIONS__fetch.wait.max.ms", "500"),
            ],
        )
        .expect("valid");
        assert_eq!(cfg.kafka.brokers, "kafka:9092");
        assert_eq!(cfg.pipeline.partitions, 6);
        assert_eq!(
            cfg.kafka
                .options
                .get("security.protocol")
                .map(String::as_str),
            Some("SASL_SSL")
        );
        assert_eq!(
            cfg.kafka
                .options
                .get("fetch.wait.max.ms")
                .map(String::as_str),
            Some("500"),
            "numbers stay strings for librdkafka"
        );
    }

    #[test]
    fn enricher_keys_are_checked() {
        let err = parse("[enricher]\nstory_threshold = 1.5\n", &[]).expect_err("range");
        assert!(
            format!("{err:#}").contains("enricher.story_threshold"),
            "{err:#}"
        );
        let err = parse("[enricher]\nmax_stories = 0\n", &[]).expect_err("zero");
        assert!(
            format!("{err:#}").contains("enricher.max_stories"),
            "{err:#}"
        );
        let err = parse("[[enricher.tracked]]\nname = \"x\"\n", &[]).expect_err("empty");
        assert!(
            format!("{err:#}").contains("enricher.tracked[0]"),
            "{err:#}"
        );
        let err =
            parse("[[enricher.tracked]]\nname = \"x\"\nterm = [\"a\"]\n", &[]).expect_err("typo");
        assert!(format!("{err:#}").contains("term"), "{err:#}");
        let cfg = parse(
            "[enricher]\nstory_max_age_days = 3\n[[enricher.tracked]]\nname = \"x\"\nterms = [\"swap\"]\ntopic = \"news.x\"\n",
            &[],
        )
        .expect("valid");
        assert_eq!(cfg.enricher.stories().max_age_days, 3);
        assert_eq!(cfg.enricher.tracked[0].topic.as_deref(), Some("news.x"));
    }

    #[test]
    fn bad_config_names_the_key() {
        let err = parse("[pipeline]\npartitions = 0\n", &[]).expect_err("invalid");
        assert!(
            format!("{err:#}").contains("pipeline.partitions"),
            "{err:#}"
        );
        let err = parse("[pipeline]\nparttions = 3\n", &[]).expect_err("typo");
        assert!(format!("{err:#}").contains("parttions"), "{err:#}");
        let err =
            parse("[[fetcher.feed]]\nname = \"x\"\nurl = \"ftp://x\"\n", &[]).expect_err("scheme");
        assert!(format!("{err:#}").contains("ftp://x"), "{err:#}");
    }

    #[test]
    fn durations_take_units_or_plain_numbers() {
        let cfg = parse(
            "[fetcher]\npoll_interval_secs = \"5m\"\nreload_secs = 2\nhost_min_interval_ms = 250\n[worker]\nshutdown_timeout_secs = \"1m30s\"\n[[fetcher.feed]]\nname = \"a\"\nurl = \"http://a.example/f\"\ninterval_secs = \"90s\"\n",
            &[("NEWSFLOW__FETCHER__MAX_POLL_SECS", "1h")],
        )
        .expect("valid");
        let f = &cfg.fetcher;
        assert_eq!(f.poll_interval_secs.get(), Duration::from_secs(300));
        assert_eq!(f.reload_secs.get(), Duration::from_secs(2));
        assert_eq!(f.host_min_interval_ms.get(), Duration::from_millis(250));
        assert_eq!(f.max_poll_secs.get(), Duration::from_secs(3600));
        assert_eq!(
            cfg.worker.shutdown_timeout_secs.get(),
            Duration::from_secs(90)
        );
        let feeds = cfg.fetcher().expect("fetcher").feeds;
        assert_eq!(feeds[0].cadence.interval(), Duration::from_secs(90));
        let err = parse("[fetcher]\npoll_interval_secs = \"5 parsecs\"\n", &[]).expect_err("unit");
        assert!(format!("{err:#}").contains("poll_interval_secs"), "{err:#}");
        let err = parse("[fetcher]\nmin_poll_secs = \"500ms\"\n", &[]).expect_err("floor");
        assert!(
            format!("{err:#}").contains("fetcher.min_poll_secs"),
            "{err:#}"
        );
    }

    #[test]
    fn scale_out_keys_become_one_sharing() {
        let sharing = |text: &str, env: &[(&str, &str)]| {
            parse(text, env)
                .and_then(|c| c.fetcher.sharing())
                .map_err(|e| format!("{e:#}"))
        };
        // Off by default, and the knobs alone do not turn it on.
        assert_eq!(sharing("", &[]), Ok(Sharing::Alone));
        assert_eq!(
            sharing("[fetcher]\nscale_out_partitions = 4\n", &[]),
            Ok(Sharing::Alone)
        );
        let shared = |partitions: u32, ms: u64| Sharing::Shared {
            partitions: NonZeroU32::new(partitions).expect("non-zero"),
            session_timeout: Duration::from_millis(ms),
        };
        // The defaults of the knobs.
        assert_eq!(
            sharing("[fetcher]\nscale_out = true\n", &[]),
            Ok(shared(12, 10_000))
        );
        // The file's keys, with a duration in either form.
        assert_eq!(
            sharing(
                "[fetcher]\nscale_out = true\nscale_out_partitions = 3\ngroup_session_timeout_ms = \"6s\"\n",
                &[]
            ),
            Ok(shared(3, 6000))
        );
        // The environment variables the tests and deployments set.
        assert_eq!(
            sharing(
                "",
                &[
                    ("NEWSFLOW__FETCHER__SCALE_OUT", "true"),
                    ("NEWSFLOW__FETCHER__SCALE_OUT_PARTITIONS", "5"),
                    ("NEWSFLOW__FETCHER__GROUP_SESSION_TIMEOUT_MS", "6000"),
                ]
            ),
            Ok(shared(5, 6000))
        );
        // Bad knobs are refused with their key, switched on or not.
        for text in [
            "[fetcher]\nscale_out_partitions = 0\n",
            "[fetcher]\nscale_out = true\nscale_out_partitions = -2\n",
        ] {
            let err = sharing(text, &[]).expect_err(text);
            assert!(err.contains("fetcher.scale_out_partitions"), "{err}");
        }
        let err = sharing("[fetcher]\ngroup_session_timeout_ms = 500\n", &[]).expect_err("500");
        assert!(err.contains("fetcher.group_session_timeout_ms"), "{err}");
    }

    #[test]
    fn the_config_carries_a_version() {
        assert_eq!(parse("version = 1\n", &[]).expect("v1").version, 1);
        assert_eq!(parse("", &[]).expect("no version: 1").version, 1);
        let err = parse("version = 2\n", &[]).expect_err("v2");
        assert!(format!("{err:#}").contains("version 2"), "{err:#}");
    }

    #[test]
    fn the_builtin_config_needs_no_file() {
        let cfg = Config::from_text("", None, std::iter::empty()).expect("built in");
        assert!(cfg.source.is_none());
        assert!(cfg.feeds().expect("feeds").is_empty());
        let (gazetteer, _) = cfg.gazetteer().expect("built-in gazetteer");
        assert!(gazetteer.contains("place/venezuela"));
        assert_eq!(cfg.data_path(Path::new("data/x")), Path::new("data/x"));
    }
}
