//! End-to-end benchmark of the pipeline: real HTML pages (50–300 KB, from the article-extraction
//! benchmark) served by local feed servers, fetched, cleaned and enriched by three `newsflow`
//! worker processes over the local broker. Reports throughput, raw-publish→enriched latency at a
//! fixed offered load, CPU seconds per article per stage and peak memory per worker, and in the
//! same run the floors: the broker's produce→consume rate for messages of the same sizes and
//! `scraper`'s parse-only time per page.
//!
//! Run it with `bench/run-pipeline.sh` (builds `newsflow` and this bench in release mode).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bus::{KafkaSettings, Publisher, TopicReader, TopicSpec};
use model::{EntryHints, RawArticle, SourceRef, Versioned};
use serde_json::{json, Value};
use testkit::procfs::usage;

/// Settings from the command line (`--name value`).
struct Args {
    articles: usize,
    rate: u64,
    latency_secs: u64,
    dataset: PathBuf,
    out: PathBuf,
    newsflow: PathBuf,
    options: Vec<(String, String)>,
}

fn parse_args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let exe_dir = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut a = Args {
        articles: 2000,
        rate: 100,
        latency_secs: 30,
        dataset: root.join("../shared/datasets/aeb"),
        out: root.join("bench/results/pipeline-latest.json"),
        newsflow: exe_dir.join("newsflow"),
        options: Vec::new(),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--articles" => a.articles = v.parse().context("--articles")?,
            "--rate" => a.rate = v.parse().context("--rate")?,
            "--latency-secs" => a.latency_secs = v.parse().context("--latency-secs")?,
            "--dataset" => a.dataset = v.into(),
            "--out" => a.out = v.into(),
            "--newsflow" => a.newsflow = v.into(),
            "--kafka-option" => {
                let (k, val) = v.split_once('=').context("--kafka-option key=value")?;
                a.options.push((k.to_string(), val.to_string()));
            }
            other => bail!("unknown argument {other}"),
        }
    }
    if !a.newsflow.exists() {
        bail!(
            "{} not found: build it with `cargo build --release -p newsflow` (or pass --newsflow)",
            a.newsflow.display()
        );
    }
    Ok(a)
}

/// Pages of 50–300 KB from the dataset, with canonical links neutralised so that every URL the
/// bench serves them under is its own article.
fn load_pages(dataset: &Path) -> Result<Vec<String>> {
    let dir = dataset.join("html");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    names.sort();
    let mut pages = Vec::new();
    for p in names {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&p)?)
            .read_to_string(&mut text)
            .with_context(|| format!("gunzip {}", p.display()))?;
        if (50_000..=300_000).contains(&text.len()) {
            pages.push(
                text.replace("rel=\"canonical\"", "rel=\"x-canonical\"")
                    .replace("rel='canonical'", "rel='x-canonical'")
                    .replace("og:url", "x-og-url"),
            );
        }
    }
    if pages.is_empty() {
        bail!("no pages of 50–300 KB in {}", dir.display());
    }
    Ok(pages)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn raw_article(id: &str, url: &str, page: &str) -> RawArticle {
    RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: id.to_string(),
        url: url.to_string(),
        source: SourceRef {
            kind: "feed".into(),
            name: "bench".into(),
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: "text/html".into(),
        body: page.to_string(),
        hints: EntryHints::default(),
        config_version: String::new(),
    }
}

/// Parse-only and full-clean time per page, in milliseconds.
fn parse_floor(pages: &[String]) -> (Vec<f64>, Vec<f64>) {
    let mut parse = Vec::new();
    let mut clean = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        let t = Instant::now();
        let doc = scraper::Html::parse_document(p);
        parse.push(t.elapsed().as_secs_f64() * 1e3);
        drop(doc);
        let raw = raw_article(&format!("p{i}"), &format!("https://example.com/{i}"), p);
        let t = Instant::now();
        let c = cleaner::clean(&raw);
        clean.push(t.elapsed().as_secs_f64() * 1e3);
        drop(c);
    }
    (sorted(parse), sorted(clean))
}

/// The broker alone: produce `n` page-sized messages, then consume them all.
async fn broker_floor(brokers: &str, pages: &[String], n: usize) -> Result<(f64, f64, f64)> {
    let settings = KafkaSettings::new(brokers);
    let topic = format!("floor-{}", std::process::id());
    let max = 16 << 20;
    bus::ensure_topics(
        &settings,
        &[TopicSpec {
            name: topic.clone(),
            partitions: 3,
            replication: 1,
            configs: vec![("max.message.bytes".into(), max.to_string())],
        }],
    )
    .await?;
    let payloads: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            model::encode(&raw_article(
                &format!("f{i}"),
                &format!("https://example.com/f{i}"),
                &pages[i % pages.len()],
            ))
        })
        .collect();
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    let publisher = Publisher::new(&settings, max)?;
    let reader = TopicReader::open(&settings, &topic, false).await?;
    let t = Instant::now();
    let mut deliveries = Vec::with_capacity(n);
    for (i, p) in payloads.iter().enumerate() {
        deliveries.push(publisher.enqueue(&topic, &format!("f{i}"), p).await?);
    }
    for d in deliveries {
        let _ = d.await;
    }
    let produce = t.elapsed().as_secs_f64();
    let mut got = 0;
    while got < n {
        tokio::time::timeout(Duration::from_secs(60), reader.next())
            .await
            .context("broker floor: consume timed out")??;
        got += 1;
    }
    let total = t.elapsed().as_secs_f64();
    Ok((
        n as f64 / produce,
        n as f64 / total,
        bytes as f64 / n as f64,
    ))
}

/// A worker process and what it cost.
struct Worker {
    stage: &'static str,
    child: Child,
}

impl Worker {
    fn start(newsflow: &Path, stage: &'static str, config: &Path) -> Result<Worker> {
        let child = Command::new(newsflow)
            .arg(stage)
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "warn,rdkafka=error,librdkafka=error")
            .env("NEWSFLOW__OBSERVABILITY__LISTEN", "")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("start {stage}"))?;
        Ok(Worker { stage, child })
    }

    /// CPU seconds (user + system) so far and peak resident memory in MB.
    fn usage(&self) -> (f64, f64) {
        usage(self.child.id())
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn write_config(
    dir: &Path,
    prefix: &str,
    brokers: &str,
    feeds: &[String],
    options: &[(String, String)],
) -> Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut text = format!(
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
host_min_interval_ms = 0
respect_robots = false

[enricher]
gazetteer = "{gazetteer}"
"#,
        gazetteer = root.join("config/gazetteer.toml").display()
    );
    if !options.is_empty() {
        text.push_str("\n[kafka.options]\n");
        for (k, v) in options {
            text.push_str(&format!("\"{k}\" = \"{v}\"\n"));
        }
    }
    for (i, url) in feeds.iter().enumerate() {
        text.push_str(&format!(
            "\n[[fetcher.feed]]\nname = \"bench{i}\"\nurl = \"{url}\"\ninterval_secs = 1\n"
        ));
    }
    let path = dir.join(format!("{prefix}.toml"));
    std::fs::write(&path, text)?;
    Ok(path)
}

fn create_topics(newsflow: &Path, config: &Path) -> Result<()> {
    let st = Command::new(newsflow)
        .args(["topics", "create", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .status()?;
    if !st.success() {
        bail!("newsflow topics create failed");
    }
    Ok(())
}

/// Read `{prefix}.enriched` until `n` distinct ids arrived; arrival time per id.
async fn collect_enriched(
    brokers: &str,
    prefix: &str,
    n: usize,
    deadline: Duration,
) -> Result<HashMap<String, Instant>> {
    // Short fetch waits, so that the measuring reader does not add the broker's hold to latency.
    let mut settings = KafkaSettings::new(brokers);
    settings
        .options
        .insert("fetch.wait.max.ms".into(), "20".into());
    let reader = TopicReader::open(&settings, &format!("{prefix}.enriched"), false).await?;
    let mut seen = HashMap::new();
    let end = tokio::time::Instant::now() + deadline;
    while seen.len() < n {
        let rec = tokio::time::timeout_at(end, reader.next())
            .await
            .with_context(|| {
                format!("only {} of {n} enriched within {deadline:?}", seen.len())
            })??;
        let v: Value = serde_json::from_slice(rec.payload.as_deref().unwrap_or_default())?;
        if let Some(id) = v["article_id"].as_str() {
            seen.entry(id.to_string()).or_insert_with(Instant::now);
        }
    }
    Ok(seen)
}

/// CPU and peak memory of each worker, plus the broker's CPU spent since `broker_cpu0`.
fn stage_report(
    workers: &[Worker],
    cpu0: &[f64],
    articles: usize,
    broker_pid: u32,
    broker_cpu0: f64,
) -> Vec<Value> {
    let mut out: Vec<Value> = workers
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let (cpu, mb) = w.usage();
            let cpu = cpu - cpu0.get(i).copied().unwrap_or(0.0);
            json!({
                "stage": w.stage,
                "cpu_seconds": cpu,
                "cpu_ms_per_article": cpu * 1e3 / articles as f64,
                "peak_rss_mb": mb,
            })
        })
        .collect();
    let (cpu, mb) = usage(broker_pid);
    out.push(json!({
        "stage": "broker",
        "cpu_seconds": cpu - broker_cpu0,
        "cpu_ms_per_article": (cpu - broker_cpu0) * 1e3 / articles as f64,
        "peak_rss_mb": mb,
    }));
    out
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let pages = load_pages(&args.dataset)?;
    let page_kb = pages.iter().map(String::len).sum::<usize>() as f64 / pages.len() as f64 / 1e3;
    println!(
        "pipeline bench: {} pages of 50–300 KB (mean {page_kb:.0} KB), {} articles, latency at {}/s for {} s",
        pages.len(),
        args.articles,
        args.rate,
        args.latency_secs
    );

    // Floors: the parser alone, and our cleaner in-process on the same pages.
    let (parse, clean) = parse_floor(&pages);
    println!(
        "floor: scraper parse median {:.2} ms, mean {:.2} ms; cleaner (parse + extract) median {:.2} ms ({:.2}x parse)",
        percentile(&parse, 0.5),
        parse.iter().sum::<f64>() / parse.len() as f64,
        percentile(&clean, 0.5),
        percentile(&clean, 0.5) / percentile(&parse, 0.5)
    );

    let broker = testkit::broker().await;
    let brokers = broker.brokers();
    let (produce_rate, roundtrip_rate, msg_bytes) =
        broker_floor(&brokers, &pages, args.articles).await?;
    println!(
        "floor: broker produce {produce_rate:.0} msg/s, produce→consume {roundtrip_rate:.0} msg/s ({:.0} KB messages)",
        msg_bytes / 1e3
    );

    // Throughput: every article listed at once on four feed hosts, fetched, cleaned, enriched.
    let scratch = std::env::temp_dir().join(format!("newsflow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];
    let mut servers = Vec::new();
    for h in hosts {
        servers.push(testkit::ScriptServer::start_on(h).await);
    }
    // Warm-up articles first (groups joined, state rebuilt, story index caught up); then every
    // measured article is listed at once and timed from that moment to the last one enriched.
    let warm_n = 5 * servers.len();
    let mut warm_items: Vec<Vec<String>> = vec![Vec::new(); servers.len()];
    let mut items: Vec<Vec<String>> = vec![Vec::new(); servers.len()];
    for i in 0..warm_n + args.articles {
        let s = i % servers.len();
        let path = if i < warm_n {
            format!("/w/{i}")
        } else {
            format!("/p/{i}")
        };
        servers[s].set(
            &path,
            testkit::Reply::ok("text/html; charset=utf-8", pages[i % pages.len()].clone()),
        );
        if i < warm_n {
            warm_items[s].push(path);
        } else {
            items[s].push(path);
        }
    }
    let now = chrono::Utc::now().to_rfc2822();
    let list_feeds = |items: &[Vec<String>]| -> Vec<String> {
        let mut feeds = Vec::new();
        for (s, server) in servers.iter().enumerate() {
            let entries: Vec<(String, String, String)> = items[s]
                .iter()
                .map(|p| (p.clone(), server.url(p), format!("Bench article {p}")))
                .collect();
            let refs: Vec<(&str, &str, &str)> = entries
                .iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
                .collect();
            server.set(
                "/feed.xml",
                testkit::Reply::ok("application/rss+xml", testkit::rss(&refs, &now, "")),
            );
            feeds.push(server.url("/feed.xml"));
        }
        feeds
    };
    let feeds = list_feeds(&warm_items);
    let prefix = format!("bench_{}", std::process::id());
    let config = write_config(&scratch, &prefix, &brokers, &feeds, &args.options)?;
    create_topics(&args.newsflow, &config)?;
    let broker_pid = broker.pid().context("broker pid")?;
    let t0 = Instant::now();
    let workers = vec![
        Worker::start(&args.newsflow, "fetcher", &config)?,
        Worker::start(&args.newsflow, "cleaner", &config)?,
        Worker::start(&args.newsflow, "enricher", &config)?,
    ];
    let warm_ids = collect_enriched(&brokers, &prefix, warm_n, Duration::from_secs(300)).await?;
    let startup_secs = t0.elapsed().as_secs_f64();
    let cpu0: Vec<f64> = workers.iter().map(|w| w.usage().0).collect();
    let broker_cpu0 = usage(broker_pid).0;
    let all: Vec<Vec<String>> = warm_items
        .iter()
        .zip(&items)
        .map(|(w, i)| w.iter().chain(i).cloned().collect())
        .collect();
    let t1 = Instant::now();
    list_feeds(&all);
    let arrived = collect_enriched(
        &brokers,
        &prefix,
        warm_n + args.articles,
        Duration::from_secs(1800),
    )
    .await?;
    let last = arrived
        .iter()
        .filter(|(id, _)| !warm_ids.contains_key(*id))
        .map(|(_, t)| *t)
        .max()
        .unwrap_or(t1);
    let secs = last.duration_since(t1).as_secs_f64().max(1e-3);
    let throughput = args.articles as f64 / secs;
    let stages = stage_report(&workers, &cpu0, args.articles, broker_pid, broker_cpu0);
    println!(
        "throughput: {} articles listed at once, all enriched {secs:.1} s later = {throughput:.0} articles/s \
         (after a {warm_n}-article warm-up; start-up to the first {warm_n} took {startup_secs:.1} s)",
        args.articles
    );
    for s in &stages {
        println!(
            "  {:<8} cpu {:.2} ms/article, peak RSS {:.0} MB",
            s["stage"].as_str().unwrap_or(""),
            s["cpu_ms_per_article"].as_f64().unwrap_or(0.0),
            s["peak_rss_mb"].as_f64().unwrap_or(0.0)
        );
    }
    for w in workers {
        w.stop();
    }

    // Latency at a fixed offered load: raw articles published at `rate`/s, timed to enriched.
    let lprefix = format!("lat_{}", std::process::id());
    let lconfig = write_config(&scratch, &lprefix, &brokers, &[], &args.options)?;
    create_topics(&args.newsflow, &lconfig)?;
    let lworkers = vec![
        Worker::start(&args.newsflow, "cleaner", &lconfig)?,
        Worker::start(&args.newsflow, "enricher", &lconfig)?,
    ];
    let n = (args.rate * args.latency_secs) as usize;
    let publisher = Publisher::new(&KafkaSettings::new(&brokers), 16 << 20)?;
    // Warm up until articles flow end to end (groups joined, story index caught up), so that the
    // figures are of the steady state, not of start-up.
    let warm = 20;
    for i in 0..warm {
        let id = format!("warm-{i}");
        let payload = model::encode(&raw_article(
            &id,
            &format!("https://bench.example/warm/{i}"),
            &pages[i % pages.len()],
        ));
        publisher
            .publish(&format!("{lprefix}.raw"), &id, &payload)
            .await?;
    }
    collect_enriched(&brokers, &lprefix, warm, Duration::from_secs(300)).await?;
    let collector = {
        let (b, p) = (brokers.clone(), lprefix.clone());
        tokio::spawn(
            async move { collect_enriched(&b, &p, n + warm, Duration::from_secs(900)).await },
        )
    };
    let broker_cpu1 = usage(broker_pid).0;
    let lcpu0: Vec<f64> = lworkers.iter().map(|w| w.usage().0).collect();
    let raw_topic = format!("{lprefix}.raw");
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate as f64));
    let mut pending = Vec::new();
    for i in 0..n {
        tick.tick().await;
        let id = format!("lat-{i}");
        let payload = model::encode(&raw_article(
            &id,
            &format!("https://bench.example/{i}"),
            &pages[i % pages.len()],
        ));
        sent.insert(id.clone(), Instant::now());
        pending.push(publisher.enqueue(&raw_topic, &id, &payload).await?);
    }
    for d in pending {
        let _ = d.await;
    }
    let arrived = collector.await??;
    let lat = sorted(
        arrived
            .iter()
            .filter_map(|(id, at)| {
                sent.get(id)
                    .map(|s| at.duration_since(*s).as_secs_f64() * 1e3)
            })
            .collect(),
    );
    let lstages = stage_report(&lworkers, &lcpu0, n, broker_pid, broker_cpu1);
    println!(
        "latency at {}/s offered: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} articles",
        args.rate,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
        lat.len()
    );
    for s in &lstages {
        println!(
            "  {:<8} cpu {:.2} ms/article, peak RSS {:.0} MB",
            s["stage"].as_str().unwrap_or(""),
            s["cpu_ms_per_article"].as_f64().unwrap_or(0.0),
            s["peak_rss_mb"].as_f64().unwrap_or(0.0)
        );
    }
    for w in lworkers {
        w.stop();
    }
    broker.stop().await;

    let report = json!({
        "date": chrono::Utc::now().to_rfc3339(),
        "machine": machine(),
        "pages": pages.len(),
        "mean_page_kb": page_kb,
        "articles": args.articles,
        "floor": {
            "parse_ms_median": percentile(&parse, 0.5),
            "parse_ms_mean": parse.iter().sum::<f64>() / parse.len() as f64,
            "clean_ms_median": percentile(&clean, 0.5),
            "broker_produce_msgs_per_s": produce_rate,
            "broker_roundtrip_msgs_per_s": roundtrip_rate,
            "message_kb": msg_bytes / 1e3,
        },
        "throughput": {
            "articles_per_s": throughput,
            "seconds": secs,
            "warm_up_articles": warm_n,
            "startup_seconds": startup_secs,
            "stages": stages,
        },
        "latency": {
            "offered_per_s": args.rate,
            "articles": lat.len(),
            "p50_ms": percentile(&lat, 0.5),
            "p99_ms": percentile(&lat, 0.99),
            "max_ms": lat.last().copied().unwrap_or(0.0),
            "stages": lstages,
        },
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote {}", args.out.display());
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    })
}
