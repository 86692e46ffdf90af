//! The newsflow command line: parses arguments, finds the configuration, sets up logging and
//! calls the library (`newsflow::run` and each component's `run`), passing SIGINT/SIGTERM as the
//! shutdown signal.

#[cfg(test)]
mod address_tests;
#[cfg(test)]
mod deploy_tests;
#[cfg(test)]
mod shipped;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use newsflow::config::Config;

/// Streaming news ingest over Kafka: fetcher → cleaner → enricher.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Config file; without it `./config/newsflow.toml` when present, else the built-in
    /// configuration (see `newsflow config-reference`).
    #[arg(long, short, global = true, env = "NEWSFLOW_CONFIG")]
    config: Option<PathBuf>,
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
    /// Print the configuration reference (every key with its type, default and meaning) as
    /// Markdown; `docs/config.md` is a copy.
    ConfigReference,
    /// Send chosen dead letters back to the topic they were read from.
    Replay(newsflow::replay::Selection),
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
    if let Command::ConfigReference = cli.command {
        // Needs no configuration: it documents it.
        print!("{}", newsflow::config::reference::markdown());
        return Ok(());
    }
    let cfg = Config::locate(cli.config.as_deref())?;
    init_logs(cli.log_json || cfg.observability.log_format == newsflow::config::LogFormat::Json);
    match cfg.source.as_deref() {
        Some(p) => tracing::debug!(file = %p.display(), "config read"),
        // Said once at info level: a command that quietly ignored an intended file would puzzle.
        None => tracing::info!(
            "no config file (--config, NEWSFLOW_CONFIG or ./config/newsflow.toml): built-in configuration"
        ),
    }
    match cli.command {
        Command::Run => newsflow::run(cfg, signal()).await,
        Command::Fetcher => newsflow::fetcher::run(cfg, signal()).await,
        Command::Cleaner => newsflow::cleaner::run(cfg, signal()).await,
        Command::Enricher => newsflow::enricher::run(cfg, signal()).await,
        Command::Web => newsflow::web::run(cfg, signal()).await,
        Command::Feeds { json } => {
            let brokers = newsflow::require_brokers(&cfg)?;
            let state =
                newsflow::fetcher::sink::load_state(&cfg.kafka(&brokers), &cfg.topics()).await?;
            newsflow::fetcher::feeds::print_feeds(&cfg, state.feeds.into_values().collect(), json)
        }
        Command::Health { ready, web } => health(&cfg, ready, web).await,
        Command::Schemas { out } => write_schemas(out.as_deref()),
        Command::ConfigReference => Ok(()),
        Command::Replay(sel) => {
            let brokers = newsflow::require_brokers(&cfg)?;
            newsflow::replay::replay(&cfg, &brokers, &sel)
                .await
                .map(|_| ())
        }
        Command::Topics {
            action: TopicsAction::Create,
        } => {
            let brokers = newsflow::require_brokers(&cfg)?;
            newsflow::create_topics(&cfg, &brokers).await
        }
        Command::Tail {
            topic,
            follow,
            json,
        } => {
            let brokers = newsflow::require_brokers(&cfg)?;
            newsflow::tail::tail(&cfg, &brokers, &topic, follow, json, signal()).await
        }
        Command::DemoFeed => newsflow::demo::serve_config(&cfg, newsflow::stop_on(signal())).await,
        Command::Clean { file } => {
            let clean = newsflow::files::clean_file(&file)?;
            println!("{}", serde_json::to_string_pretty(&clean)?);
            Ok(())
        }
        Command::Enrich { files } => {
            let files: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
            newsflow::files::enrich_files(&cfg, &files, |line| println!("{line}"))
        }
    }
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

/// Completes on SIGINT or SIGTERM.
async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutdown requested");
}
