//! The one newsflow binary: the whole pipeline (`run`), each worker alone, and tools.

#[cfg(test)]
mod address_tests;
mod config;
mod demo;
#[cfg(test)]
mod deploy_tests;
mod events;
mod fetching;
mod follow;
mod observe;
mod replay;
mod sink;
mod stages;
mod startup;
mod webview;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use config::Config;
use observe::Observer;

/// Streaming news ingest over Kafka: fetcher → cleaner → enricher.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Config file.
    #[arg(
        long,
        short,
        global = true,
        env = "NEWSFLOW_CONFIG",
        default_value = "config/newsflow.toml"
    )]
    config: PathBuf,
    /// Log as JSON lines (for log shippers); overrides `observability.log_format`.
    #[arg(long, global = true, env = "NEWSFLOW_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run all stages in one process; starts a local broker when no brokers are configured.
    Run,
    /// Run the fetcher alone.
    Fetcher,
    /// Run the cleaner alone.
    Cleaner,
    /// Run the enricher alone.
    Enricher,
    /// Manage topics.
    Topics {
        #[command(subcommand)]
        action: TopicsAction,
    },
    /// Print the messages of a topic (`raw`, `clean`, `enriched`, `stories`, `dlq` or a full name).
    Tail {
        /// Topic.
        topic: String,
        /// Keep waiting for new messages.
        #[arg(long, short)]
        follow: bool,
        /// Print whole JSON bodies instead of a one-line summary.
        #[arg(long)]
        json: bool,
    },
    /// Show each feed's state from the fetcher state topic: last success, last error, next poll,
    /// items, validator trust.
    Feeds {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Serve the read-only web view and JSON API of stories and articles (`web.listen`, default
    /// 127.0.0.1:8080), built from the topics; writes nothing to Kafka.
    Web,
    /// Serve the demo feed alone.
    DemoFeed,
    /// Clean one local HTML or text file (or `-` for stdin) and print the clean article as JSON.
    Clean {
        /// File.
        file: PathBuf,
    },
    /// Clean and enrich local files without Kafka; one JSON line per file.
    Enrich {
        /// Files.
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schemas of every message type, or write them into a directory.
    Schemas {
        /// Directory to write `<name>.v<major>.schema.json` files into.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Send chosen dead letters back to the topic they were read from.
    Replay(replay::Selection),
    /// Ask the running worker's health endpoint; exit 0 when healthy (for container healthchecks).
    Health {
        /// Ask `/readyz` instead of `/healthz`.
        #[arg(long)]
        ready: bool,
        /// Ask the web view (`web.listen`) instead of the worker endpoint (`observability.listen`).
        #[arg(long)]
        web: bool,
    },
}

#[derive(Subcommand)]
enum TopicsAction {
    /// Create the pipeline topics on the configured cluster (existing ones are kept).
    Create,
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rdkafka=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let cfg = Config::load(&cli.config)?;
    init_logs(cli.log_json || cfg.observability.log_format == config::LogFormat::Json);
    match cli.command {
        Command::Run => run_all(cfg, cli.config.clone()).await,
        Command::Fetcher => {
            let brokers = require_brokers(&cfg)?;
            let shutdown = shutdown_signal();
            let obs = start_observer(&cfg, &brokers, &shutdown);
            run_fetcher(&cfg, &cli.config, &brokers, &obs, shutdown).await
        }
        Command::Feeds { json } => {
            let brokers = require_brokers(&cfg)?;
            let state = sink::load_state(&cfg.kafka(&brokers), &cfg.topics()).await?;
            fetching::print_feeds(&cfg, state.feeds.into_values().collect(), json)
        }
        Command::Cleaner => {
            let brokers = require_brokers(&cfg)?;
            let shutdown = shutdown_signal();
            let obs = start_observer(&cfg, &brokers, &shutdown);
            run_cleaner(&cfg, &brokers, &obs, shutdown).await
        }
        Command::Enricher => {
            let brokers = require_brokers(&cfg)?;
            let shutdown = shutdown_signal();
            let obs = start_observer(&cfg, &brokers, &shutdown);
            run_enricher(&cfg, &brokers, &obs, shutdown).await
        }
        Command::Web => {
            let brokers = require_brokers(&cfg)?;
            webview::run(&cfg, &brokers, shutdown_signal()).await
        }
        Command::Health { ready, web } => health(&cfg, ready, web).await,
        Command::Schemas { out } => write_schemas(out.as_deref()),
        Command::Replay(sel) => {
            let brokers = require_brokers(&cfg)?;
            replay::replay(&cfg, &brokers, &sel).await.map(|_| ())
        }
        Command::Topics {
            action: TopicsAction::Create,
        } => {
            let brokers = require_brokers(&cfg)?;
            create_topics(&cfg, &brokers).await
        }
        Command::Tail {
            topic,
            follow,
            json,
        } => {
            let brokers = require_brokers(&cfg)?;
            tail(&cfg, &brokers, &topic, follow, json).await
        }
        Command::DemoFeed => {
            let d = &cfg.demo_feed;
            demo::serve(
                &d.listen,
                &cfg.data_path(&d.dir),
                Duration::from_secs(d.interval_secs),
                &d.public_url,
                shutdown_signal(),
            )
            .await
        }
        Command::Clean { file } => {
            let raw = raw_from_file(&file)?;
            println!("{}", serde_json::to_string_pretty(&cleaner::clean(&raw))?);
            Ok(())
        }
        Command::Enrich { files } => enrich_files(&cfg, &files),
    }
}

/// `newsflow enrich FILE...`: the enricher's two stages chained in memory, in file order.
fn enrich_files(cfg: &Config, files: &[PathBuf]) -> Result<()> {
    let gazetteer = enricher::Gazetteer::load(&cfg.config_path(&cfg.enricher.gazetteer))?;
    let tracker = cfg.enricher.tracker(&gazetteer)?;
    let topics = cfg.topics();
    let mut enrich = stages::EnricherStage {
        enricher: enricher::Enricher::with_tracked(gazetteer, tracker),
        assign_topic: assign_topic(cfg),
        already_enriched: Default::default(),
    };
    let story_counts = Arc::new(stages::StoryCounts::default());
    let mut stories = stages::StoryStage {
        index: Arc::new(Mutex::new(enricher::StoryIndex::new(
            cfg.enricher.stories(),
        ))),
        enriched_topic: topics.enriched.clone(),
        stories_topic: topics.stories.clone(),
        tracked_topics: Vec::new(),
        already_assigned: Default::default(),
        catch_up: None,
        last: None,
        health: None,
        assignments_seen: 0,
        counts: story_counts.clone(),
    };
    for f in files {
        let clean = cleaner::clean(&raw_from_file(f)?);
        let outs = bus::Stage::process(&mut enrich, None, &model::encode(&clean))?;
        if outs.is_empty() {
            tracing::info!(file = %f.display(), article_id = %clean.article_id, "same article as an earlier file");
        }
        for o in outs {
            for out in bus::Stage::process(&mut stories, Some(o.key.as_bytes()), &o.payload)? {
                if out.topic == topics.enriched {
                    println!("{}", String::from_utf8_lossy(&out.payload));
                }
            }
        }
    }
    Ok(())
}

/// The story stage's input: an internal topic with one partition, so that one consumer sees
/// every article in one order.
fn assign_topic(cfg: &Config) -> String {
    format!("{}.enricher.assign", cfg.pipeline.topic_prefix)
}

/// An observer whose HTTP server (if configured) and broker probe run until `shutdown`.
fn start_observer(cfg: &Config, brokers: &str, shutdown: &CancellationToken) -> Arc<Observer> {
    let obs = Observer::new();
    let listen = cfg.observability.listen.clone();
    if !listen.is_empty() {
        let (o, s) = (obs.clone(), shutdown.clone());
        tokio::spawn(async move {
            if let Err(e) = observe::serve(&listen, o, s.clone()).await {
                // Without its endpoints the worker would look dead to its supervisor: stop.
                tracing::error!(
                    error = format!("{e:#}"),
                    "health endpoints failed, stopping"
                );
                s.cancel();
            }
        });
    }
    // A metadata request with a short timeout notices a stalled broker within seconds, where
    // the clients' own connection state can take a minute.
    let health = bus::ClientHealth::new();
    let (settings, h, s) = (cfg.kafka(brokers), health.clone(), shutdown.clone());
    tokio::spawn(async move {
        if let Err(e) = bus::probe_broker(&settings, h, Duration::from_secs(5), s).await {
            tracing::warn!(error = %e, "broker probe failed to start");
        }
    });
    obs.register(|r| health.register(r));
    obs.add_check("broker_reachable", move || health.broker_up());
    obs
}

/// `newsflow schemas`: the message contracts as JSON Schema files.
fn write_schemas(out: Option<&Path>) -> Result<()> {
    for (file, schema) in model::json_schemas() {
        let text = format!("{}\n", serde_json::to_string_pretty(&schema)?);
        match out {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                let path = dir.join(&file);
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("{}", path.display());
            }
            None => print!("{text}"),
        }
    }
    Ok(())
}

/// `newsflow health`: GET the local health endpoint, for container healthchecks.
async fn health(cfg: &Config, ready: bool, web: bool) -> Result<()> {
    let (key, listen) = if web {
        ("web.listen", &cfg.web.listen)
    } else {
        ("observability.listen", &cfg.observability.listen)
    };
    let listen: std::net::SocketAddr = listen.parse().with_context(|| {
        format!("{key} {listen:?} is not an address: no health endpoint to ask")
    })?;
    let host = if listen.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        listen.ip()
    };
    let path = if ready { "readyz" } else { "healthz" };
    let url = format!(
        "http://{}/{path}",
        std::net::SocketAddr::new(host, listen.port())
    );
    let resp = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    print!("{}", resp.text().await.unwrap_or_default());
    anyhow::ensure!(status.is_success(), "GET {url}: {status}");
    Ok(())
}

fn require_brokers(cfg: &Config) -> Result<String> {
    anyhow::ensure!(
        !cfg.kafka.brokers.trim().is_empty(),
        "kafka.brokers is empty: set it in the config or NEWSFLOW__KAFKA__BROKERS (only `newsflow run` starts a local broker)"
    );
    Ok(cfg.kafka.brokers.clone())
}

/// A token cancelled on SIGINT or SIGTERM.
fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot listen for SIGTERM");
                        let _ = ctrl_c.await;
                        t.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested");
        t.cancel();
    });
    token
}

fn raw_from_file(file: &Path) -> Result<model::RawArticle> {
    let (bytes, name) = if file == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("reading stdin")?;
        (buf, "stdin".to_string())
    } else {
        let b = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_string();
        (b, name)
    };
    let ext = Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let looks_html = bytes
        .iter()
        .take(1024)
        .copied()
        .collect::<Vec<u8>>()
        .to_ascii_lowercase()
        .windows(5)
        .any(|w| w == b"<html" || w == b"<body" || w == b"<!doc");
    let content_type = match ext.as_str() {
        "html" | "htm" => "text/html",
        "md" | "markdown" => "text/markdown",
        "txt" => "text/plain",
        _ if looks_html => "text/html",
        _ => "text/plain",
    };
    let urn = model::urn_for_file("file", &name);
    Ok(model::RawArticle {
        schema: <model::RawArticle as model::Versioned>::schema_tag(),
        article_id: model::article_id(&urn),
        url: urn,
        source: model::SourceRef {
            kind: "file".into(),
            name,
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: content_type.into(),
        body: fetcher::decode_body(&bytes, None, content_type),
        hints: model::EntryHints::default(),
        config_version: String::new(),
    })
}

async fn create_topics(cfg: &Config, brokers: &str) -> Result<()> {
    let mut specs = bus::TopicSpec::pipeline(
        &cfg.topics(),
        cfg.pipeline.partitions,
        cfg.pipeline.replication,
        cfg.max_message_bytes(),
    );
    // The story stage's input has one partition: one owner sees every article in one order.
    specs.push(bus::TopicSpec {
        name: assign_topic(cfg),
        partitions: 1,
        replication: cfg.pipeline.replication,
        configs: vec![(
            "max.message.bytes".into(),
            cfg.max_message_bytes().to_string(),
        )],
    });
    bus::ensure_topics(&cfg.kafka(brokers), &specs).await?;
    Ok(())
}

fn worker_options(cfg: &Config, input: &str, stage: &str) -> bus::WorkerOptions {
    bus::WorkerOptions {
        input: input.to_string(),
        group: format!("{}-{stage}", cfg.pipeline.group_prefix),
        dlq: cfg.topics().dlq,
        max_in_flight: cfg.worker.max_in_flight,
        shutdown_timeout: Duration::from_secs(cfg.worker.shutdown_timeout_secs),
        max_message_bytes: cfg.max_message_bytes(),
    }
}

async fn run_fetcher(
    cfg: &Config,
    config_path: &Path,
    brokers: &str,
    obs: &Arc<Observer>,
    shutdown: CancellationToken,
) -> Result<()> {
    let settings = cfg.kafka(brokers);
    let topics = cfg.topics();
    let Some(state) = startup::until_broker_answers("fetcher state", &shutdown, || async {
        Ok(sink::load_state(&settings, &topics).await?)
    })
    .await?
    else {
        return Ok(());
    };
    tracing::info!(
        seen = state.seen.len(),
        feeds = state.feeds.len(),
        "fetcher state loaded"
    );
    let sink = Arc::new(sink::KafkaSink::new(
        &settings,
        topics,
        cfg.max_message_bytes(),
    )?);
    let stats = Arc::new(fetcher::FetcherStats::default());
    obs.register(|r| stats.register(r));
    let s = stats.clone();
    obs.add_check("fetcher_config_valid", move || {
        !s.config_refused.load(std::sync::atomic::Ordering::Relaxed)
    });
    let overrides = fetching::AddressOverrides::new(cfg);
    obs.register(|r| overrides.register(r));
    let o = overrides.clone();
    obs.add_note("fetcher_address_override", move || o.describe());
    let (config_tx, config_rx) = tokio::sync::watch::channel(cfg.feed_list()?);
    let watcher = tokio::spawn(fetching::watch_config(
        config_path.to_path_buf(),
        cfg.clone(),
        config_tx,
        stats.clone(),
        overrides,
        shutdown.clone(),
    ));
    let (rx, member) = if cfg.fetcher.scale_out {
        let (rx, member) =
            fetching::share_feeds(cfg, &settings, config_rx, shutdown.clone()).await?;
        (rx, Some(member))
    } else {
        (config_rx, None)
    };
    fetcher::run_with_updates(cfg.fetcher()?, state, sink.clone(), stats, rx, shutdown).await?;
    if let Some(m) = member {
        // Leave the group so that the other instances take the feeds over at once.
        let _ = tokio::time::timeout(Duration::from_secs(15), m).await;
    }
    watcher.abort();
    sink.flush();
    Ok(())
}

async fn run_cleaner(
    cfg: &Config,
    brokers: &str,
    obs: &Arc<Observer>,
    shutdown: CancellationToken,
) -> Result<()> {
    let topics = cfg.topics();
    let counts = Arc::new(stages::CleanerCounts::default());
    let stage = stages::CleanerStage {
        clean_topic: topics.clean.clone(),
        counts: counts.clone(),
    };
    let stats = Arc::new(bus::WorkerStats::default());
    obs.register(|r| {
        stats.register("cleaner", r);
        telemetry::Register::register(counts.as_ref(), r);
    });
    observe::add_worker_checks(obs, "cleaner", &stats);
    bus::run_worker(
        &cfg.kafka(brokers),
        &worker_options(cfg, &topics.raw, "cleaner"),
        stage,
        stats,
        shutdown,
    )
    .await?;
    Ok(())
}

async fn run_enricher(
    cfg: &Config,
    brokers: &str,
    obs: &Arc<Observer>,
    shutdown: CancellationToken,
) -> Result<()> {
    let topics = cfg.topics();
    let settings = cfg.kafka(brokers);
    let gazetteer = enricher::Gazetteer::load(&cfg.config_path(&cfg.enricher.gazetteer))?;
    let tracker = cfg.enricher.tracker(&gazetteer)?;
    let assign = assign_topic(cfg);
    let mut specs = vec![bus::TopicSpec {
        name: assign.clone(),
        partitions: 1,
        replication: cfg.pipeline.replication,
        configs: vec![(
            "max.message.bytes".into(),
            cfg.max_message_bytes().to_string(),
        )],
    }];
    let mut tracked_topics = Vec::new();
    for t in &cfg.enricher.tracked {
        if let Some(topic) = &t.topic {
            tracked_topics.push((t.name.clone(), topic.clone()));
            specs.push(bus::TopicSpec {
                name: topic.clone(),
                partitions: cfg.pipeline.partitions,
                replication: cfg.pipeline.replication,
                configs: vec![(
                    "max.message.bytes".into(),
                    cfg.max_message_bytes().to_string(),
                )],
            });
        }
    }
    // The enriched and stories topics are the enricher's memory: rebuild revisions and the story
    // index from them, then keep following them, so that an instance that takes the story
    // partition over from another starts from what that one published. Each attempt starts
    // from empty memory.
    let Some((e, index, follower)) =
        startup::until_broker_answers("enricher state", &shutdown, || async {
            bus::ensure_topics(&settings, &specs).await?;
            let mut e = enricher::Enricher::with_tracked(gazetteer.clone(), tracker.clone());
            let index = Arc::new(Mutex::new(enricher::StoryIndex::new(
                cfg.enricher.stories(),
            )));
            let follower =
                Arc::new(follow::Follower::open(&settings, &topics, index.clone()).await?);
            follower
                .rebuild(|a| e.observe(a))
                .await
                .context("rebuilding enricher state")?;
            Ok((e, index, follower))
        })
        .await?
    else {
        return Ok(());
    };
    {
        let i = index.lock().unwrap_or_else(|p| p.into_inner());
        tracing::info!(
            known = e.known_articles(),
            stories = i.stories(),
            indexed_articles = i.articles(),
            "enricher state rebuilt"
        );
    }
    let following = tokio::spawn(follower.clone().follow(shutdown.clone()));

    let already_enriched = telemetry::prometheus_client::metrics::counter::Counter::default();
    let already_assigned = telemetry::prometheus_client::metrics::counter::Counter::default();
    obs.register(|r| {
        r.register(
            "newsflow_enricher_already_enriched",
            "Inputs skipped because the same id and text were enriched before",
            already_enriched.clone(),
        );
        r.register(
            "newsflow_stories_already_assigned",
            "Articles skipped by the story stage because they were assigned before",
            already_assigned.clone(),
        );
    });
    let enrich = stages::EnricherStage {
        enricher: e,
        assign_topic: assign.clone(),
        already_enriched,
    };
    let story_counts = Arc::new(stages::StoryCounts::default());
    obs.register(|r| telemetry::Register::register(story_counts.as_ref(), r));
    let enrich_stats = Arc::new(bus::WorkerStats::default());
    let story_stats = Arc::new(bus::WorkerStats::default());
    let stories = stages::StoryStage {
        index,
        enriched_topic: topics.enriched.clone(),
        stories_topic: topics.stories.clone(),
        tracked_topics,
        already_assigned,
        catch_up: Some(follower),
        last: None,
        health: Some(story_stats.health.clone()),
        assignments_seen: 0,
        counts: story_counts.clone(),
    };
    let enrich_opts = worker_options(cfg, &topics.clean, "enricher");
    let story_opts = worker_options(cfg, &assign, "enricher-stories");
    obs.register(|r| {
        enrich_stats.register("enricher", r);
        story_stats.register("stories", r);
    });
    // Only the enricher's own partitions count for readiness: the story partition is owned by one
    // instance at a time, the others stand by.
    observe::add_worker_checks(obs, "enricher", &enrich_stats);
    let (r1, r2) = tokio::join!(
        bus::run_worker(
            &settings,
            &enrich_opts,
            enrich,
            enrich_stats,
            shutdown.clone(),
        ),
        bus::run_worker(
            &settings,
            &story_opts,
            stories,
            story_stats,
            shutdown.clone(),
        )
    );
    following.abort();
    r1?;
    r2?;
    Ok(())
}

async fn run_all(cfg: Config, config_path: PathBuf) -> Result<()> {
    let shutdown = shutdown_signal();
    let mut local = None;
    let brokers = if cfg.kafka.brokers.trim().is_empty() {
        let b = bus::LocalBroker::start(&bus::tansu_path()).await?;
        let brokers = b.brokers();
        tracing::info!(brokers = %brokers, "no brokers configured: started a local broker");
        local = Some(b);
        brokers
    } else {
        cfg.kafka.brokers.clone()
    };
    let obs = start_observer(&cfg, &brokers, &shutdown);
    if startup::until_broker_answers("topics", &shutdown, || create_topics(&cfg, &brokers))
        .await?
        .is_none()
    {
        return Ok(());
    }
    let cfg = Arc::new(cfg);
    let mut tasks = tokio::task::JoinSet::new();
    if cfg.demo_feed.enabled {
        let (c, s) = (cfg.clone(), shutdown.clone());
        tasks.spawn(async move {
            let d = &c.demo_feed;
            demo::serve(
                &d.listen,
                &c.data_path(&d.dir),
                Duration::from_secs(d.interval_secs),
                &d.public_url,
                s,
            )
            .await
            .context("demo feed")
        });
    }
    if !cfg.web.listen.is_empty() {
        let (c, b, s) = (cfg.clone(), brokers.clone(), shutdown.clone());
        tasks.spawn(async move {
            // The view is a reader beside the pipeline: if it cannot serve (its port taken),
            // the pipeline goes on without it.
            if let Err(e) = webview::run(&c, &b, s).await {
                tracing::error!(
                    key = "web.listen",
                    error = format!("{e:#}"),
                    "web view not served, the pipeline goes on"
                );
            }
            Ok(())
        });
    }
    {
        let (c, b, o, s) = (cfg.clone(), brokers.clone(), obs.clone(), shutdown.clone());
        tasks.spawn(async move {
            let r = run_fetcher(&c, &config_path, &b, &o, s)
                .await
                .context("fetcher");
            if r.is_err() {
                o.stage_failed("fetcher");
            }
            r
        });
    }
    {
        let (c, b, o, s) = (cfg.clone(), brokers.clone(), obs.clone(), shutdown.clone());
        tasks.spawn(async move {
            let r = run_cleaner(&c, &b, &o, s).await.context("cleaner");
            if r.is_err() {
                o.stage_failed("cleaner");
            }
            r
        });
    }
    {
        let (c, b, o, s) = (cfg.clone(), brokers.clone(), obs.clone(), shutdown.clone());
        tasks.spawn(async move {
            let r = run_enricher(&c, &b, &o, s).await.context("enricher");
            if r.is_err() {
                o.stage_failed("enricher");
            }
            r
        });
    }
    let mut result = Ok(());
    while let Some(joined) = tasks.join_next().await {
        let r = joined.context("task panicked").and_then(|r| r);
        if let Err(e) = r {
            tracing::error!(error = format!("{e:#}"), "stage failed, stopping");
            shutdown.cancel();
            if result.is_ok() {
                result = Err(e);
            }
        }
    }
    if let Some(b) = local {
        b.stop().await;
        tracing::info!("local broker stopped");
    }
    result
}

async fn tail(cfg: &Config, brokers: &str, topic: &str, follow: bool, json: bool) -> Result<()> {
    let topics = cfg.topics();
    let name = match topic {
        "raw" => topics.raw.clone(),
        "clean" => topics.clean.clone(),
        "enriched" => topics.enriched.clone(),
        "stories" => topics.stories.clone(),
        "dlq" => topics.dlq.clone(),
        other => other.to_string(),
    };
    let settings = cfg.kafka(brokers);
    let print = |rec: &bus::Record| {
        let key = rec
            .key
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let body = rec.payload.as_deref().unwrap_or_default();
        if json {
            println!("{}", String::from_utf8_lossy(body));
            return;
        }
        let summary = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => {
                let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                let mut s = format!("{} ", get("schema"));
                for k in ["title", "url", "stage", "error_class", "reason"] {
                    let x = get(k);
                    if !x.is_empty() {
                        s.push_str(&format!("{k}={x:?} "));
                    }
                }
                if let Some(l) = v
                    .get("language")
                    .and_then(|l| l.get("code"))
                    .and_then(|c| c.as_str())
                {
                    s.push_str(&format!("lang={l} "));
                }
                if let Some(es) = v.get("entities").and_then(|e| e.as_array()) {
                    let names: Vec<&str> = es
                        .iter()
                        .filter_map(|e| e.get("name").and_then(|n| n.as_str()))
                        .collect();
                    s.push_str(&format!("entities={names:?}"));
                }
                s
            }
            Err(_) => format!("<{} bytes, not JSON>", body.len()),
        };
        println!(
            "{name}/{}@{} key={key} {summary}",
            rec.partition, rec.offset
        );
    };
    if follow {
        let reader = bus::TopicReader::open(&settings, &name, false).await?;
        let stop = shutdown_signal();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                rec = reader.next() => print(&rec?),
            }
        }
    }
    for rec in bus::read_to_end(&settings, &name).await? {
        print(&rec);
    }
    Ok(())
}
