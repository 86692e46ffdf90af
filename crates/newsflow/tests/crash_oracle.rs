//! Crash oracle, in the manner of Kafka's system tests and Jepsen: a known set of articles (a
//! local feed plus the inbox plus the seeds) goes through fetcher, two cleaners and two enrichers
//! running as separate OS processes, while a random worker is killed with SIGKILL every couple of
//! seconds (some stops are SIGTERM, which must drain and exit within the bound) and the broker is
//! paused with SIGSTOP once. Then the set of ids on the enriched topic must equal the input set, and
//! the latest record per id must equal what a fault-free run of the same input produces.
//!
//! CI runs a small size. The full size (5,000 articles, a 30 s broker stall):
//!   NEWSFLOW_ORACLE_ARTICLES=5000 NEWSFLOW_ORACLE_STALL_SECS=30 \
//!     cargo test --release -p newsflow --test crash_oracle -- --nocapture
//! `NEWSFLOW_ORACLE_LOGS=DIR` keeps each worker's info log in `DIR/<stage>-<n>.log`, with
//! librdkafka's debug contexts from `NEWSFLOW_ORACLE_KAFKA_DEBUG` (for example `cgrp`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bus::KafkaSettings;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::TopicPartitionList;
use serde_json::Value;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator, so a failing run can be repeated from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "council",
    "harbour",
    "budget",
    "railway",
    "festival",
    "minister",
    "river",
    "school",
    "hospital",
    "market",
    "library",
    "bridge",
    "election",
    "farmers",
    "museum",
    "stadium",
    "airport",
    "orchestra",
    "forest",
    "vineyard",
    "factory",
    "court",
    "mayor",
    "volunteers",
    "students",
    "engineers",
    "drought",
    "harvest",
    "tourism",
    "exports",
    "parliament",
    "union",
];

/// A distinct article of about seed size: unique words per id, so no two are near-duplicates.
fn article(rng: &mut Lcg, n: usize) -> (String, Vec<String>) {
    let pick = |rng: &mut Lcg| WORDS[rng.below(WORDS.len() as u64) as usize];
    let title = format!(
        "Report {n}: The {} And The {} Of Town {n}",
        capital(pick(rng)),
        capital(pick(rng))
    );
    let paragraphs = (0..5)
        .map(|p| {
            let words: Vec<String> = (0..40)
                .map(|i| {
                    if i % 9 == 4 {
                        format!("item{n}x{p}x{i}")
                    } else {
                        pick(rng).to_string()
                    }
                })
                .collect();
            format!("In town {n}, {}.", words.join(" "))
        })
        .collect();
    (title, paragraphs)
}

fn capital(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One worker process that can be killed and started again.
struct Worker {
    stage: &'static str,
    config: PathBuf,
    child: Option<Child>,
}

impl Worker {
    fn start(stage: &'static str, config: &Path) -> Worker {
        let mut w = Worker {
            stage,
            config: config.to_path_buf(),
            child: None,
        };
        w.spawn();
        w
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsflow"));
        cmd.arg(self.stage)
            .arg("--config")
            .arg(&self.config)
            .env("RUST_LOG", "warn,rdkafka=error,librdkafka=error")
            .env("NEWSFLOW__OBSERVABILITY__LISTEN", "")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Ok(dir) = std::env::var("NEWSFLOW_ORACLE_LOGS") {
            static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = Path::new(&dir).join(format!("{}-{n}.log", self.stage));
            let log = std::fs::File::create(&path).expect("worker log");
            cmd.env("RUST_LOG", "info,librdkafka=debug").stderr(log);
            if let Ok(debug) = std::env::var("NEWSFLOW_ORACLE_KAFKA_DEBUG") {
                cmd.env("NEWSFLOW__KAFKA__OPTIONS__debug", debug);
            }
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.stage));
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Panics when the worker ended without being stopped: a worker must outlive broker trouble
    /// (one started during the stall used to exit while rebuilding its state).
    fn assert_running(&mut self) {
        if let Some(c) = self.child.as_mut() {
            if let Some(st) = c.try_wait().expect("wait") {
                panic!("{} exited by itself with {st}", self.stage);
            }
        }
    }

    /// SIGTERM and wait for a clean exit within `bound`; returns how long it took.
    fn terminate(&mut self, bound: Duration) -> Duration {
        let mut c = self.child.take().expect("running");
        let t0 = Instant::now();
        let st = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()
            .expect("kill");
        assert!(st.success());
        loop {
            if let Some(st) = c.try_wait().expect("wait") {
                assert!(
                    st.success(),
                    "{} exited with {st} after SIGTERM",
                    self.stage
                );
                return t0.elapsed();
            }
            assert!(
                t0.elapsed() < bound,
                "{} did not stop within {bound:?} of SIGTERM",
                self.stage
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn topology(config: &Path) -> Vec<Worker> {
    vec![
        Worker::start("fetcher", config),
        Worker::start("cleaner", config),
        Worker::start("cleaner", config),
        Worker::start("enricher", config),
        Worker::start("enricher", config),
    ]
}

/// Latest enriched record per id, with the fields that legitimately differ between runs removed
/// (times, config version, and story and duplicate links, which depend on arrival order).
async fn latest_per_id(brokers: &str, prefix: &str) -> (BTreeMap<String, Value>, usize) {
    let records = bus::read_to_end(&KafkaSettings::new(brokers), &format!("{prefix}.enriched"))
        .await
        .expect("read enriched");
    let total = records.len();
    let mut latest: BTreeMap<String, (u64, Value)> = BTreeMap::new();
    for r in records {
        let mut v: Value =
            serde_json::from_slice(r.payload.as_deref().unwrap_or_default()).expect("json");
        let id = v["article_id"].as_str().expect("id").to_string();
        let rev = v["revision"].as_u64().unwrap_or(0);
        if let Some(o) = v.as_object_mut() {
            for k in [
                "fetched_at",
                "enriched_at",
                "config_version",
                "story_id",
                "duplicate_of",
                "near_duplicate_of",
            ] {
                o.remove(k);
            }
        }
        if latest.get(&id).is_none_or(|(r0, _)| rev >= *r0) {
            latest.insert(id, (rev, v));
        }
    }
    (
        latest.into_iter().map(|(k, (_, v))| (k, v)).collect(),
        total,
    )
}

/// Wait until `{prefix}.enriched` holds `want` distinct ids, or panic after `deadline`.
async fn wait_for_ids(brokers: &str, prefix: &str, want: usize, deadline: Duration) {
    let reader = bus::TopicReader::open(
        &KafkaSettings::new(brokers),
        &format!("{prefix}.enriched"),
        false,
    )
    .await
    .expect("reader");
    let mut ids = BTreeSet::new();
    let end = tokio::time::Instant::now() + deadline;
    while ids.len() < want {
        let rec = tokio::time::timeout_at(end, reader.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "only {} of {want} ids enriched after {deadline:?}",
                    ids.len()
                )
            })
            .expect("read");
        let v: Value =
            serde_json::from_slice(rec.payload.as_deref().unwrap_or_default()).expect("json");
        ids.insert(v["article_id"].as_str().unwrap_or_default().to_string());
    }
}

/// Whether a group has committed every partition of `topic` up to its end.
fn committed_to_end(brokers: &str, group: &str, topic: &str) -> Result<(), String> {
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .map_err(|e| e.to_string())?;
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let mut tpl = TopicPartitionList::new();
    for t in md.topics() {
        for p in t.partitions() {
            tpl.add_partition(topic, p.id());
        }
    }
    let committed = consumer
        .committed_offsets(tpl, Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    for e in committed.elements() {
        let (_, high) = consumer
            .fetch_watermarks(topic, e.partition(), Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        let at = e.offset().to_raw().unwrap_or(0).max(0);
        // The local broker may report the start of the last batch as the high watermark.
        if high > 0 && at < high {
            return Err(format!(
                "{group} on {topic}/{}: committed {at}, end {high}",
                e.partition()
            ));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_article_lost_under_kills_stops_and_a_broker_stall() {
    let n_articles = env_or("NEWSFLOW_ORACLE_ARTICLES", 240) as usize;
    let min_kills = env_or("NEWSFLOW_ORACLE_KILLS", 10);
    let stall_secs = env_or("NEWSFLOW_ORACLE_STALL_SECS", 8);
    let seed = env_or("NEWSFLOW_ORACLE_SEED", 20250718);
    let mut rng = Lcg(seed);
    eprintln!("oracle: {n_articles} articles, at least {min_kills} faults, {stall_secs} s stall, seed {seed}");

    // Input: most articles in a feed, a fifth dropped into the inbox, plus the five seeds.
    let n_inbox = n_articles / 5;
    let mut items = Vec::new();
    for n in 0..n_articles - n_inbox {
        let (title, paragraphs) = article(&mut rng, n);
        items.push(testkit::Item {
            slug: format!("a{n}"),
            title,
            paragraphs,
        });
    }
    let server = testkit::FeedServer::start(items).await;
    let dir = common::scratch("oracle");
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    for n in n_articles - n_inbox..n_articles {
        let (title, paragraphs) = article(&mut rng, n);
        std::fs::write(
            inbox.join(format!("hand-{n}.txt")),
            format!("{title}\n\n{}\n", paragraphs.join("\n\n")),
        )
        .expect("inbox file");
    }
    let want = n_articles + 5;

    let broker = testkit::broker().await;
    let brokers = broker.brokers();
    let extra = format!(
        "[[fetcher.dirs]]\nkind = \"inbox\"\nname = \"inbox\"\npath = \"{}\"\nrescan_secs = 1\n",
        inbox.display()
    );
    let (faulty, prefix) = common::write_config(&dir, &brokers, &[server.feed_url()], &extra);
    let (ok, out) = common::Newsflow::run(&faulty, &["topics", "create"]);
    assert!(ok, "{out}");

    // The faulty run.
    let t0 = Instant::now();
    let mut workers = topology(&faulty);
    let mut faults = 0u64;
    let mut terms = Vec::new();
    let mut stalled = false;
    let done = {
        let (b, p) = (brokers.clone(), prefix.clone());
        tokio::spawn(async move { wait_for_ids(&b, &p, want, Duration::from_secs(600)).await })
    };
    while faults < min_kills || !stalled {
        tokio::time::sleep(Duration::from_millis(1000 + rng.below(1500))).await;
        workers.iter_mut().for_each(Worker::assert_running);
        if faults == min_kills / 2 && !stalled {
            stalled = true;
            let pid = broker.pid().expect("pid").to_string();
            assert!(Command::new("kill")
                .args(["-STOP", &pid])
                .status()
                .expect("kill")
                .success());
            tokio::time::sleep(Duration::from_secs(stall_secs)).await;
            assert!(Command::new("kill")
                .args(["-CONT", &pid])
                .status()
                .expect("kill")
                .success());
            eprintln!(
                "oracle: broker stalled {stall_secs} s at {:?}",
                t0.elapsed()
            );
            continue;
        }
        let w = &mut workers[rng.below(5) as usize];
        if faults % 4 == 3 {
            // worker.shutdown_timeout_secs (10) + leaving the group (10) + start-up slack.
            terms.push((w.stage, w.terminate(Duration::from_secs(30))));
        } else {
            w.kill();
        }
        faults += 1;
        w.spawn();
    }
    eprintln!(
        "oracle: {faults} faults by {:?}; SIGTERM stops took {terms:?}",
        t0.elapsed()
    );
    done.await.expect("all ids arrived");
    let faulty_secs = t0.elapsed().as_secs_f64();
    workers.iter_mut().for_each(Worker::assert_running);

    // Graceful stop of everything, then nothing is left to re-deliver.
    for w in workers.iter_mut() {
        w.terminate(Duration::from_secs(30));
    }
    for (group, topic) in [
        (format!("{prefix}-cleaner"), format!("{prefix}.raw")),
        (format!("{prefix}-enricher"), format!("{prefix}.clean")),
        (
            format!("{prefix}-enricher-stories"),
            format!("{prefix}.enricher.assign"),
        ),
    ] {
        if let Err(e) = committed_to_end(&brokers, &group, &topic) {
            panic!("after a clean stop something would be re-delivered: {e}");
        }
    }

    // The fault-free run of the same input, on its own topics.
    let clean_dir = common::scratch("oracle-ref");
    let (reference, ref_prefix) =
        common::write_config(&clean_dir, &brokers, &[server.feed_url()], &extra);
    let (ok, out) = common::Newsflow::run(&reference, &["topics", "create"]);
    assert!(ok, "{out}");
    let t1 = Instant::now();
    let workers = topology(&reference);
    wait_for_ids(&brokers, &ref_prefix, want, Duration::from_secs(600)).await;
    let reference_secs = t1.elapsed().as_secs_f64();
    drop(workers);

    let (got, delivered) = latest_per_id(&brokers, &prefix).await;
    let (expected, ref_delivered) = latest_per_id(&brokers, &ref_prefix).await;
    eprintln!(
        "oracle: {} ids; faulty run {faulty_secs:.1} s with {} records ({} duplicate deliveries); \
         fault-free run {reference_secs:.1} s with {ref_delivered} records",
        got.len(),
        delivered,
        delivered - got.len()
    );
    let got_ids: BTreeSet<&String> = got.keys().collect();
    let want_ids: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(got_ids.len(), want, "ids on enriched");
    assert_eq!(
        got_ids,
        want_ids,
        "lost: {:?}; extra: {:?}",
        want_ids.difference(&got_ids).collect::<Vec<_>>(),
        got_ids.difference(&want_ids).collect::<Vec<_>>()
    );
    for (id, v) in &expected {
        assert_eq!(
            &got[id], v,
            "latest record of {id} differs from the fault-free run"
        );
    }
    broker.stop().await;
}
