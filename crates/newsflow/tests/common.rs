//! Shared helpers for the end-to-end tests: config files, the pipeline run in-process through the
//! library ([`InProcess`]) and the `newsflow` process where a process boundary is what is tested.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bus::{KafkaSettings, TopicReader};
use model::EnrichedArticle;

/// Repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The pipeline topics of `prefix` with `partitions` partitions, as `newsflow topics create`
/// specifies them.
pub fn pipeline_topics(prefix: &str, partitions: i32) -> Vec<bus::TopicSpec> {
    newsflow::config::Config::from_text(
        &format!("[pipeline]\ntopic_prefix = \"{prefix}\"\npartitions = {partitions}\n"),
        None,
        std::iter::empty(),
    )
    .expect("config")
    .topology()
    .pipeline()
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(testkit::unique(name));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// Write a config for `brokers` with its own topics and groups; returns its path and prefix.
pub fn write_config(dir: &Path, brokers: &str, feeds: &[String], extra: &str) -> (PathBuf, String) {
    let prefix = testkit::unique("t").replace('-', "_");
    let root = repo();
    let feeds: String = feeds
        .iter()
        .enumerate()
        .map(|(i, url)| {
            format!("[[fetcher.feed]]\nname = \"feed{i}\"\nurl = \"{url}\"\ninterval_secs = 1\n")
        })
        .collect();
    let text = format!(
        r#"[pipeline]
topic_prefix = "{prefix}"
group_prefix = "{prefix}"
partitions = 3

[kafka]
brokers = "{brokers}"

[fetcher]
poll_interval_secs = 1
min_poll_secs = 1
allow_loopback = true
host_min_interval_ms = 10
reload_secs = 1

[[fetcher.dirs]]
kind = "seed"
name = "seeds"
path = "{seeds}"
rescan_secs = 1

{feeds}
[enricher]
gazetteer = "{gazetteer}"

[worker]
shutdown_timeout_secs = 10

[observability]
listen = ""

[web]
listen = ""

{extra}
"#,
        seeds = root.join("data/seed").display(),
        gazetteer = root.join("config/gazetteer.toml").display(),
    );
    let path = dir.join("newsflow.toml");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write config: {e}"));
    (path, prefix)
}

/// A port nothing listens on now (the OS does not hand it out again at once).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// Give `config` its own metrics address (a free port) and return it. Configs written by
/// [`write_config`] have the endpoints off, so that several processes can share one config.
pub fn with_metrics(config: &Path) -> String {
    let addr = format!("127.0.0.1:{}", free_port());
    let text = std::fs::read_to_string(config).expect("read config");
    let text = text.replacen(
        "[observability]\nlisten = \"\"",
        &format!("[observability]\nlisten = \"{addr}\""),
        1,
    );
    assert!(
        text.contains(&addr),
        "config has no [observability] section to edit"
    );
    std::fs::write(config, text).expect("write config");
    addr
}

/// The shutdown future a library component runs with in tests.
pub type Stop = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// The pipeline or one component running in this process through the library, stopped by the
/// test's own shutdown future.
pub struct InProcess {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    /// Start `run` (e.g. `newsflow::run`, `newsflow::enricher::run`) on the config at `config`.
    pub fn start<Fut>(
        config: &Path,
        run: impl FnOnce(newsflow::config::Config, Stop) -> Fut,
    ) -> Self
    where
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        Self::start_with(config, |_| {}, run)
    }

    /// Like [`InProcess::start`], with the config changed by `edit` first (instead of an
    /// environment override).
    pub fn start_with<Fut>(
        config: &Path,
        edit: impl FnOnce(&mut newsflow::config::Config),
        run: impl FnOnce(newsflow::config::Config, Stop) -> Fut,
    ) -> Self
    where
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let mut cfg = newsflow::config::Config::load(config).expect("config");
        edit(&mut cfg);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let stop: Stop = Box::pin(async move {
            let _ = rx.await;
        });
        Self {
            stop: Some(tx),
            task: tokio::spawn(run(cfg, stop)),
        }
    }

    /// Complete its shutdown future and wait for a clean end within `bound`.
    pub async fn stop(mut self, bound: Duration) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(bound, &mut self.task)
            .await
            .unwrap_or_else(|_| panic!("did not stop within {bound:?}"))
            .expect("task")
            .unwrap_or_else(|e| panic!("ended with an error: {e:#}"));
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A running `newsflow` process, killed if the test fails before stopping it.
pub struct Newsflow(pub Child);

impl Newsflow {
    /// Start `newsflow <args> --config <config>`.
    pub fn start(config: &Path, args: &[&str]) -> Newsflow {
        Self::start_env(config, args, &[])
    }

    /// Start `newsflow <args> --config <config>` with extra environment (config overrides).
    pub fn start_env(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Newsflow {
        let child = Command::new(env!("CARGO_BIN_EXE_newsflow"))
            .args(args)
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "info,rdkafka=error,librdkafka=error")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start newsflow: {e}"));
        Newsflow(child)
    }

    /// Run `newsflow <args> --config <config>` to completion; its exit success and output
    /// (stdout, then stderr).
    pub fn run(config: &Path, args: &[&str]) -> (bool, String) {
        let out = finish(config, args);
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Kill with SIGKILL (no clean shutdown) and reap.
    pub fn kill9(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Send SIGINT and wait for a clean exit within `bound`.
    pub fn stop(mut self, bound: Duration) {
        let pid = self.0.id().to_string();
        let status = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        let end = Instant::now() + bound;
        loop {
            if let Some(st) = self.0.try_wait().expect("wait") {
                assert!(st.success(), "newsflow exited with {st}");
                return;
            }
            assert!(
                Instant::now() < end,
                "newsflow did not stop within {bound:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Newsflow {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run `newsflow <args> --config <config>` to completion, quietly.
fn finish(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn,rdkafka=error,librdkafka=error")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run newsflow {args:?}: {e}"))
}

/// Run `newsflow <args>` to completion and assert it succeeded.
pub fn run_once(config: &Path, args: &[&str]) {
    output_of(config, args);
}

/// Run `newsflow <args>` to completion, assert it succeeded, and return its standard output.
pub fn output_of(config: &Path, args: &[&str]) -> String {
    let out = finish(config, args);
    assert!(
        out.status.success(),
        "newsflow {args:?} exited with {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Reads the enriched topic and collects what arrives.
pub struct Enriched {
    reader: TopicReader,
    /// Every record read so far, in arrival order.
    pub all: Vec<EnrichedArticle>,
}

impl Enriched {
    /// Start reading `{prefix}.enriched` from the beginning.
    pub async fn open(brokers: &str, prefix: &str) -> Enriched {
        let topic = format!("{prefix}.enriched");
        let reader = TopicReader::open(&KafkaSettings::new(brokers), &topic, false)
            .await
            .unwrap_or_else(|e| panic!("open {topic}: {e}"));
        Enriched {
            reader,
            all: Vec::new(),
        }
    }

    /// Read until `done` holds for the records so far, or panic after `deadline`.
    pub async fn until(
        &mut self,
        deadline: Duration,
        what: &str,
        done: impl Fn(&[EnrichedArticle]) -> bool,
    ) {
        let end = tokio::time::Instant::now() + deadline;
        while !done(&self.all) {
            let rec = tokio::time::timeout_at(end, self.reader.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "timed out after {deadline:?} waiting for {what}; have {:?}",
                        self.titles()
                    )
                })
                .unwrap_or_else(|e| panic!("reading enriched: {e}"));
            let payload = rec.payload.unwrap_or_default();
            let a: EnrichedArticle =
                model::decode(&payload).unwrap_or_else(|e| panic!("enriched record: {e}"));
            self.all.push(a);
        }
    }

    /// Titles by id.
    pub fn titles(&self) -> HashMap<String, String> {
        self.all
            .iter()
            .map(|a| (a.article_id.clone(), a.title.clone()))
            .collect()
    }

    /// (id, content hash) pairs that appear more than once.
    pub fn duplicates(&self) -> Vec<(String, String)> {
        // A record published again because its article moved to another story differs in its
        // story, and is not a duplicate.
        let mut n: HashMap<(String, String, Option<String>), u32> = HashMap::new();
        for a in &self.all {
            *n.entry((
                a.article_id.clone(),
                a.content_hash.clone(),
                a.story_id.clone(),
            ))
            .or_default() += 1;
        }
        n.into_iter()
            .filter(|(_, c)| *c > 1)
            .map(|((id, hash, _), _)| (id, hash))
            .collect()
    }
}

/// Validate every record of `topic` against the committed JSON Schema `schemas/<file>`; returns
/// how many records were checked.
pub async fn validate_topic(brokers: &str, topic: &str, file: &str) -> usize {
    let path = repo().join("schemas").join(file);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()));
    let records = bus::read_to_end(&KafkaSettings::new(brokers), topic)
        .await
        .unwrap_or_else(|e| panic!("reading {topic}: {e}"));
    for r in &records {
        let doc: serde_json::Value =
            serde_json::from_slice(r.payload.as_deref().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{topic}/{}@{}: not JSON: {e}", r.partition, r.offset));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{topic}/{}@{} does not match {file}: {errors:#?}",
            r.partition,
            r.offset
        );
    }
    records.len()
}

/// GET a JSON body; `None` on any failure or a non-success status (callers poll).
pub async fn get_json(client: &reqwest::Client, url: &str) -> Option<serde_json::Value> {
    let r = client.get(url).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    serde_json::from_str(&r.text().await.ok()?).ok()
}

/// The article id of a seed file.
pub fn seed_id(file: &str) -> String {
    model::article_id(&model::urn_for_file("seed", file))
}

/// GET `url` with a 5 s timeout: its status and body, `None` when it does not answer.
pub async fn get(url: &str) -> Option<(u16, String)> {
    let resp = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.text().await.ok()?))
}

/// The value of the sample whose name and labels are exactly `series` (e.g. `x_total` or
/// `x_total{outcome="ok"}`) in a Prometheus text exposition.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// Poll `url` until `ok` holds for its (status, body), or panic after `deadline`.
pub async fn wait_for(url: &str, deadline: Duration, what: &str, ok: impl Fn(u16, &str) -> bool) {
    let end = Instant::now() + deadline;
    let mut last = None;
    loop {
        if let Some((status, body)) = get(url).await {
            if ok(status, &body) {
                return;
            }
            last = Some((status, body));
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what} at {url}; last answer: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The slugs of the demo articles in `dir`, as the demo feed links them, sorted.
pub fn demo_slugs(dir: &Path) -> Vec<String> {
    let mut slugs: Vec<String> = newsflow::demo::load_articles(dir)
        .unwrap_or_else(|e| panic!("{e:#}"))
        .into_iter()
        .map(|a| a.slug)
        .collect();
    slugs.sort();
    slugs
}

/// A plain-text raw article with id `article_id` at `url`, from source `name` of `kind`.
pub fn raw_text(
    article_id: &str,
    url: &str,
    kind: &str,
    name: &str,
    body: String,
) -> model::RawArticle {
    model::RawArticle {
        schema: <model::RawArticle as model::Versioned>::schema_tag(),
        article_id: article_id.into(),
        url: url.into(),
        source: model::SourceRef {
            kind: kind.into(),
            name: name.into(),
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: "text/plain".into(),
        body,
        hints: model::EntryHints::default(),
        config_version: String::new(),
    }
}
