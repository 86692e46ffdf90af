//! The Docker deployment end to end: the real `docker-compose.yml` (with `deploy/e2e/compose.tansu.yml`,
//! which swaps only the broker for Tansu, since no image can be pulled here), the image built from
//! `deploy/Dockerfile`'s own runtime stage on a Debian 12 base made from Debian packages, and a
//! binary built on this host. It brings the stack up from nothing, checks that every seed and demo
//! article reaches the enriched topic, then faults it (SIGKILL of each worker, the broker cut off,
//! a worker paused, scale out and in, a feed added while running, stop and start of the whole
//! stack), each followed by the same check.
//!
//! Needs a Docker engine, Compose (v2 `docker compose` or v1 `docker-compose`), BuildKit (the
//! buildx plugin, or a Docker client older than 23 that has it built in) and mmdebstrap or
//! debootstrap. `.ci/run` runs it where `docker info` answers:
//!
//! ```sh
//! cargo test -p newsflow --test compose_e2e -- --ignored --nocapture
//! ```
//!
//! The base, binary and broker images are tagged by the hash of what they are made of and reused
//! by later runs; containers, networks and volumes are removed on exit.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

const WORKERS: [&str; 3] = ["fetcher", "cleaner", "enricher"];
/// The Debian release and packages of the base image (the runtime stage needs nothing else).
const SUITE: &str = "bookworm";
const MIRROR: &str = "http://deb.debian.org/debian";
const PACKAGES: &str = "ca-certificates,libssl3,zlib1g";
/// What debian:bookworm-slim leaves out, so that the image size says what users get.
const DPKG_SLIM: [&str; 5] = [
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/info/*",
];
/// How long a fault lasts where it has a duration.
const FAULT: Duration = Duration::from_secs(30);
/// Articles dropped into the mounted seed directory as each fault starts, so that work is in
/// flight through it (made up for this test; one per fault, on unrelated subjects).
const IN_FLIGHT: [(&str, &str, [&str; 3]); 8] = [
    ("sigkill-fetcher", "Rail line reopens after landslide clearance", [
        "The coastal rail line reopened on Wednesday after crews cleared the landslide that had blocked it for nine days.",
        "The operator said trains would run at reduced speed through the cutting while engineers monitor the slope.",
        "Commuters had used replacement buses, which added about forty minutes to each journey.",
    ]),
    ("sigkill-cleaner", "Orchestra announces free summer concerts in the park", [
        "The city orchestra will play six free evening concerts in the botanical garden this summer.",
        "The programme mixes film music with works by local composers, the orchestra's director said.",
        "Seats are not reserved, and the garden gates open an hour before each concert.",
    ]),
    ("sigkill-enricher", "Researchers map deep-sea coral off the northern shelf", [
        "Marine scientists have mapped a coral reef more than four hundred metres below the surface off the northern shelf.",
        "The survey used a remotely operated vehicle that recorded twelve hours of video over three dives.",
        "The team plans to return next spring to measure water temperature along the reef.",
    ]),
    ("broker-cut", "Farmers report early start to the grape harvest", [
        "Vineyards in the southern valley began picking grapes two weeks earlier than usual after a dry, warm summer.",
        "Growers said the crop is smaller than last year's but the fruit is healthy.",
        "Cooperatives have hired extra seasonal workers to bring the harvest in before the autumn rains.",
    ]),
    ("pause", "Airport opens a second security lane for early flights", [
        "The regional airport opened a second security lane for departures before seven in the morning.",
        "Queues at the single lane had stretched past the check-in hall during the holiday season.",
        "The airport said waiting times fell to under fifteen minutes in the first week.",
    ]),
    ("scale-out", "School district adds bus routes to outlying villages", [
        "The school district will run three new bus routes to villages in the hills from the start of term.",
        "Parents had campaigned for the routes after the closure of two village schools last year.",
        "Each bus will carry a second adult to supervise the younger pupils.",
    ]),
    ("scale-in", "Volunteers restore the old lighthouse lantern", [
        "A group of volunteers has finished restoring the brass lantern of the old harbour lighthouse.",
        "The work took two years and was paid for by donations and a heritage grant.",
        "The lighthouse will open to visitors on weekends from next month.",
    ]),
    ("stop-start", "Museum lends its dinosaur skeleton to a touring exhibition", [
        "The natural history museum will lend its best-known dinosaur skeleton to a touring exhibition for a year.",
        "Conservators spent a month packing the bones into sixty padded crates.",
        "A cast of the skeleton will stand in the main hall while the original is away.",
    ]),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

/// Stdout of a command that must succeed.
fn ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {}: {}\n{}",
        args.join(" "),
        out.status,
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn image_exists(tag: &str) -> bool {
    succeeds("docker", &["image", "inspect", tag])
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(&h.finalize()[..8])
}

/// Remove the tags of `repository` other than `keep` (earlier runs' images), so that runs do not
/// pile up images; one still in use stays (`docker rmi` refuses it).
fn prune_other_tags(repository: &str, keep: &str) {
    let listed = run(
        "docker",
        &["images", "--format", "{{.Repository}}:{{.Tag}}", repository],
    );
    for tag in text(&listed.stdout).lines().filter(|t| *t != keep) {
        let _ = run("docker", &["rmi", tag]);
    }
}

/// `docker import` of a directory tree as an image.
fn import_dir(dir: &Path, tag: &str, changes: &[&str]) {
    let mut tar = Command::new("tar")
        .args(["-C", &dir.to_string_lossy(), "--numeric-owner", "-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .expect("tar");
    let mut args = vec!["import".to_string()];
    for c in changes {
        args.push("--change".into());
        args.push((*c).to_string());
    }
    args.extend(["-".to_string(), tag.to_string()]);
    let import = Command::new("docker")
        .args(&args)
        .stdin(Stdio::from(tar.stdout.take().expect("tar stdout")))
        .stdout(Stdio::null())
        .status()
        .expect("docker import");
    assert!(
        tar.wait().expect("tar").success(),
        "tar of {}",
        dir.display()
    );
    assert!(import.success(), "docker import {tag}");
}

/// A Docker client that builds with BuildKit (which builds only the stages a target needs, so the
/// runtime stage builds without the Rust image), and the environment to ask for it.
fn buildkit_client() -> Option<String> {
    if succeeds("docker", &["buildx", "version"]) {
        return Some("docker".into());
    }
    // Clients before 23 have BuildKit built in (DOCKER_BUILDKIT=1); later ones need buildx.
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':') {
        let candidate = Path::new(dir).join("docker");
        if !candidate.exists() {
            continue;
        }
        let c = candidate.to_string_lossy().to_string();
        let out = run(&c, &["version", "--format", "{{.Client.Version}}"]);
        let major = text(&out.stdout)
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok());
        if major.is_some_and(|m| m < 23) {
            return Some(c);
        }
    }
    None
}

fn build(client: &str, args: &[&str]) {
    let started = Instant::now();
    let out = Command::new(client)
        .arg("build")
        .args(args)
        .env("DOCKER_BUILDKIT", "1")
        .stdin(Stdio::null())
        .output()
        .expect("docker build");
    assert!(
        out.status.success(),
        "docker build {}: {}\n{}",
        args.join(" "),
        text(&out.stdout),
        text(&out.stderr)
    );
    println!(
        "built {} in {:.1} s",
        args.iter()
            .skip_while(|a| **a != "-t")
            .nth(1)
            .unwrap_or(&"image"),
        started.elapsed().as_secs_f64()
    );
}

/// The Debian 12 base image, from Debian packages, cached by what it is made of.
fn base_image(scratch: &Path) -> String {
    let tool = if succeeds("mmdebstrap", &["--version"]) {
        "mmdebstrap"
    } else if Path::new("/usr/sbin/debootstrap").exists() {
        "debootstrap"
    } else {
        panic!("neither mmdebstrap nor debootstrap: apt-get install mmdebstrap");
    };
    // Merged /usr set up by mmdebstrap's hook rather than the usrmerge package (which would pull
    // in Perl); debootstrap merges /usr itself.
    let hook = "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr";
    let recipe = format!("{tool} {SUITE} {MIRROR} minbase {PACKAGES} {hook} {DPKG_SLIM:?}");
    let tag = format!("newsflow-e2e/bookworm:{}", sha256_hex(&[recipe.as_bytes()]));
    if image_exists(&tag) {
        println!("base image {tag}: cached ({recipe})");
        return tag;
    }
    let started = Instant::now();
    let root = scratch.join("rootfs");
    let include = format!("--include={PACKAGES}");
    let mut args = vec!["--variant=minbase", include.as_str()];
    let dpkg: Vec<String> = DPKG_SLIM.iter().map(|o| format!("--dpkgopt={o}")).collect();
    if tool == "mmdebstrap" {
        args.push(hook);
        args.extend(dpkg.iter().map(String::as_str));
    }
    let root_s = root.to_string_lossy().to_string();
    args.extend([SUITE, root_s.as_str(), MIRROR]);
    let out = run(tool, &args);
    assert!(
        out.status.success(),
        "{tool}: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // Package lists and downloaded packages are not part of an image.
    for d in ["var/lib/apt/lists", "var/cache/apt/archives"] {
        let _ = Command::new("find")
            .args([&root.join(d).to_string_lossy(), "-type", "f", "-delete"])
            .status();
    }
    import_dir(&root, &tag, &[]);
    let _ = std::fs::remove_dir_all(&root);
    println!(
        "base image {tag}: built with {tool} in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    tag
}

/// An image holding only the host-built binary at /newsflow (the Dockerfile's `BINARY_FROM`).
fn binary_image(scratch: &Path) -> String {
    let source = std::env::var_os("NEWSFLOW_E2E_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_newsflow")));
    let dir = scratch.join("binary");
    std::fs::create_dir_all(&dir).expect("binary dir");
    let bin = dir.join("newsflow");
    std::fs::copy(&source, &bin).expect("copy binary");
    // Debug information is not needed to run, and would be most of a test build's size.
    let _ = Command::new("strip")
        .args(["--strip-debug", &bin.to_string_lossy()])
        .status();
    let bytes = std::fs::read(&bin).expect("binary");
    let tag = format!("newsflow-e2e/binary:{}", sha256_hex(&[&bytes]));
    println!(
        "binary {} ({:.1} MB stripped of debug info)",
        source.display(),
        bytes.len() as f64 / 1e6
    );
    if !image_exists(&tag) {
        import_dir(&dir, &tag, &[]);
    }
    tag
}

/// The broker image: Tansu (`deploy/install-tansu.sh`) on the base image.
fn broker_image(client: &str, base: &str, scratch: &Path) -> String {
    let tansu = ok(
        &repo().join("deploy/install-tansu.sh").to_string_lossy(),
        &[],
    );
    let tansu = tansu.lines().last().expect("tansu path").to_string();
    let dir = scratch.join("broker");
    std::fs::create_dir_all(&dir).expect("broker dir");
    std::fs::copy(&tansu, dir.join("tansu")).expect("copy tansu");
    let dockerfile = format!(
        "FROM {base}\nCOPY tansu /usr/local/bin/tansu\nUSER 10002:10002\n\
         ENTRYPOINT [\"/usr/local/bin/tansu\", \"broker\"]\n"
    );
    std::fs::write(dir.join("Dockerfile"), &dockerfile).expect("Dockerfile");
    let bytes = std::fs::read(dir.join("tansu")).expect("tansu");
    let tag = format!(
        "newsflow-e2e/tansu:{}",
        sha256_hex(&[&bytes, dockerfile.as_bytes()])
    );
    if !image_exists(&tag) {
        build(client, &["-t", &tag, &dir.to_string_lossy()]);
    }
    tag
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from)
        .expect("read_dir")
        .filter_map(Result::ok)
    {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// What one check saw.
struct Seen {
    label: String,
    healthy_in: Duration,
    recovered_in: Duration,
    articles_before: usize,
    articles_after: usize,
    messages: usize,
    restarts: u64,
}

/// The running stack, torn down (containers, networks, volumes, scratch files) when dropped.
struct Stack {
    compose: Vec<String>,
    project: String,
    dir: PathBuf,
    scratch: PathBuf,
    broker_image: String,
    /// Host port the web service is published on (loopback).
    web_port: u16,
    expected: BTreeSet<String>,
    extra_feed: Option<String>,
    restarts_seen: u64,
    /// When the test started.
    started: Instant,
}

impl Stack {
    fn compose_args<'a>(&'a self, args: &[&'a str]) -> Vec<String> {
        let repo = repo();
        let mut v: Vec<String> = self.compose[1..].to_vec();
        v.extend([
            "-p".into(),
            self.project.clone(),
            "--project-directory".into(),
            self.dir.to_string_lossy().to_string(),
            "-f".into(),
            repo.join("docker-compose.yml")
                .to_string_lossy()
                .to_string(),
            "-f".into(),
            repo.join("deploy/e2e/compose.tansu.yml")
                .to_string_lossy()
                .to_string(),
        ]);
        v.extend(args.iter().map(|a| a.to_string()));
        v
    }

    fn compose(&self, args: &[&str]) -> Output {
        Command::new(&self.compose[0])
            .args(self.compose_args(args))
            .env("NEWSFLOW_E2E_BROKER_IMAGE", &self.broker_image)
            .env("NEWSFLOW_WEB_PORT", self.web_port.to_string())
            .stdin(Stdio::null())
            .output()
            .expect("compose")
    }

    fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "compose {}: {}\n{}",
            args.join(" "),
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Container ids of a service.
    fn containers(&self, service: &str) -> Vec<String> {
        self.compose_ok(&["ps", "-q", service])
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn container(&self, service: &str) -> String {
        let c = self.containers(service);
        assert_eq!(c.len(), 1, "{service}: {c:?}");
        c[0].clone()
    }

    fn inspect(&self, id: &str, format: &str) -> String {
        ok("docker", &["inspect", "-f", format, id])
    }

    fn restarts(&self) -> u64 {
        WORKERS
            .iter()
            .flat_map(|s| self.containers(s))
            .map(|id| self.inspect(&id, "{{.RestartCount}}").parse().unwrap_or(0))
            .sum()
    }

    /// Wait until every worker container is running and healthy by its own healthcheck.
    fn wait_healthy(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let mut pending = Vec::new();
            for s in WORKERS {
                let ids = self.containers(s);
                if ids.is_empty() {
                    pending.push(format!("{s}: no container"));
                }
                for id in ids {
                    let state = self.inspect(
                        &id,
                        "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
                    );
                    if state != "running healthy" {
                        pending.push(format!("{s} {}: {state}", &id[..12]));
                    }
                }
            }
            if pending.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "workers not healthy within {within:?}: {pending:?}"
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// Every message of a topic (JSON bodies), read by `newsflow tail` on the compose network.
    fn read_topic(&self, topic: &str) -> Vec<Value> {
        let reader = self.container("demo-feed");
        let out = run(
            "docker",
            &[
                "exec",
                "-e",
                "NEWSFLOW__KAFKA__BROKERS=kafka:9092",
                "-e",
                "RUST_LOG=warn",
                &reader,
                "newsflow",
                "tail",
                topic,
                "--json",
            ],
        );
        if !out.status.success() {
            return Vec::new();
        }
        text(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn present(&self, enriched: &[Value]) -> BTreeSet<String> {
        enriched
            .iter()
            .filter_map(|v| v["url"].as_str())
            .filter(|u| self.expected.contains(*u))
            .map(str::to_string)
            .collect()
    }

    /// Drop the in-flight article for `fault` into the mounted seed directory and expect it.
    fn add_seed(&mut self, fault: &str) {
        let (name, title, paragraphs) = IN_FLIGHT
            .iter()
            .find(|(n, _, _)| *n == fault)
            .unwrap_or_else(|| panic!("no in-flight article for {fault}"));
        let file = format!("e2e-{name}.txt");
        let dir = self.dir.join("data/seed");
        // Written aside and renamed, so that a scan never sees half a file.
        let tmp = dir.join(format!(".{file}"));
        std::fs::write(&tmp, format!("{title}\n\n{}\n", paragraphs.join("\n\n"))).expect("seed");
        std::fs::rename(&tmp, dir.join(&file)).expect("seed rename");
        self.expected.insert(model::urn_for_file("seed", &file));
    }

    /// Distinct expected articles in the enriched topic now.
    fn count(&self) -> usize {
        self.present(&self.read_topic("enriched")).len()
    }

    /// `/metrics` of a container, asked from this host over the compose network.
    fn metrics(&self, id: &str) -> String {
        let ip = self.inspect(
            id,
            "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
        );
        let ip = ip.split_whitespace().next().unwrap_or_default().to_string();
        let addr = format!("{ip}:9464");
        http_get(&addr, "/metrics").unwrap_or_else(|e| panic!("/metrics of {id} at {addr}: {e}"))
    }

    /// Stories in the web view, asked through the web service's published host port; waits until
    /// the view holds at least `at_least`.
    fn web_stories(&self, label: &str, at_least: u64) -> u64 {
        let addr = format!("127.0.0.1:{}", self.web_port);
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut last: String;
        loop {
            match http_get(&addr, "/api/stories?per_page=1") {
                Ok(resp) if resp.contains(" 200 ") => {
                    let body = resp.split("\r\n\r\n").nth(1).unwrap_or_default();
                    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                    let total = v["total"].as_u64().unwrap_or(0);
                    if total >= at_least {
                        return total;
                    }
                    last = format!("{total} stories");
                }
                Ok(resp) => last = resp.chars().take(300).collect(),
                Err(e) => last = e.to_string(),
            }
            assert!(
                Instant::now() < deadline,
                "{label}: web view at {addr} never showed {at_least} stories: {last}"
            );
            std::thread::sleep(Duration::from_secs(2));
        }
    }

    /// The check after every fault: workers healthy, every expected article enriched, none
    /// twice, no dead letters, every worker's /metrics answering.
    fn check(&mut self, label: &str, since: Instant, articles_before: usize) -> Seen {
        self.wait_healthy(Duration::from_secs(180));
        let healthy_in = since.elapsed();
        let deadline = Instant::now() + Duration::from_secs(240);
        let enriched = loop {
            let enriched = self.read_topic("enriched");
            if self.present(&enriched).len() == self.expected.len() {
                break enriched;
            }
            if Instant::now() > deadline {
                let present = self.present(&enriched);
                let missing: Vec<_> = self.expected.difference(&present).collect();
                let urls: Vec<_> = enriched.iter().filter_map(|v| v["url"].as_str()).collect();
                panic!("{label}: missing from the enriched topic: {missing:#?}\nseen: {urls:#?}");
            }
            std::thread::sleep(Duration::from_secs(2));
        };
        let recovered_in = since.elapsed();
        // A record published again because its article moved to another story carries the same
        // id and hash with a new story (and a later move may bring it back): only a record that
        // repeats its article's previous (hash, story) is a re-enrichment.
        let mut previous: HashMap<String, (String, String)> = HashMap::new();
        let mut pairs: HashMap<(String, String, String), usize> = HashMap::new();
        for v in &enriched {
            let id = v["article_id"].as_str().unwrap_or_default().to_string();
            let now = (
                v["content_hash"].as_str().unwrap_or_default().to_string(),
                v["story_id"].as_str().unwrap_or_default().to_string(),
            );
            if previous.get(&id) == Some(&now) {
                *pairs
                    .entry((id.clone(), now.0.clone(), now.1.clone()))
                    .or_default() += 1;
            }
            previous.insert(id, now);
        }
        let twice: Vec<_> = pairs.iter().collect();
        assert!(
            twice.is_empty(),
            "{label}: (id, content hash, story) enriched more than once: {twice:?}"
        );
        let dlq = self.read_topic("dlq");
        assert!(dlq.is_empty(), "{label}: dead letters: {dlq:#?}");
        for s in WORKERS {
            for id in self.containers(s) {
                let m = self.metrics(&id);
                assert!(
                    m.starts_with("HTTP/1.") && m.contains(" 200 ") && m.contains("newsflow_"),
                    "{label}: /metrics of {s}: {}",
                    m.chars().take(300).collect::<String>()
                );
            }
        }
        let restarts = self.restarts();
        let seen = Seen {
            label: label.to_string(),
            healthy_in,
            recovered_in,
            articles_before,
            articles_after: self.present(&enriched).len(),
            messages: enriched.len(),
            restarts: restarts.saturating_sub(self.restarts_seen),
        };
        self.restarts_seen = restarts;
        println!(
            "[t+{:>3.0} s] {label}: healthy after {:.1} s, all articles enriched after {:.1} s; articles {} -> {} of {}; {} enriched messages, no (id, hash, story) twice; dlq empty; {} worker restarts",
            self.started.elapsed().as_secs_f64(),
            healthy_in.as_secs_f64(),
            seen.recovered_in.as_secs_f64(),
            seen.articles_before,
            seen.articles_after,
            self.expected.len(),
            seen.messages,
            seen.restarts
        );
        seen
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let logs = self.compose(&["logs", "--no-color", "--tail", "40"]);
            eprintln!("--- compose logs ---\n{}", text(&logs.stdout));
            let ps = self.compose(&["ps"]);
            eprintln!("--- compose ps ---\n{}", text(&ps.stdout));
        }
        if let Some(name) = &self.extra_feed {
            let _ = run("docker", &["rm", "-f", name]);
        }
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "5"]);
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// An HTTP/1.0 GET, whole response as text.
fn http_get(addr: &str, path: &str) -> std::io::Result<String> {
    let sock = addr
        .parse()
        .map_err(|_| std::io::Error::other(format!("address {addr}")))?;
    let mut s = std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: e2e\r\n\r\n").as_bytes())?;
    let mut body = String::new();
    s.read_to_string(&mut body)?;
    Ok(body)
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn compose_tool() -> Option<Vec<String>> {
    if succeeds("docker", &["compose", "version"]) {
        return Some(vec!["docker".into(), "compose".into()]);
    }
    if succeeds("docker-compose", &["version"]) {
        return Some(vec!["docker-compose".into()]);
    }
    None
}

#[test]
#[ignore = "needs a Docker engine and about 8 minutes; .ci/run runs it where one answers"]
fn compose_stack_runs_and_survives_faults() {
    let started = Instant::now();
    let info = run("docker", &["info", "--format", "{{.ServerVersion}}"]);
    if !info.status.success() {
        println!(
            "compose e2e: SKIPPED: no Docker engine answers (docker info: {})",
            text(&info.stderr).lines().last().unwrap_or_default()
        );
        return;
    }
    let compose =
        compose_tool().expect("a Docker engine but no Compose (docker compose or docker-compose)");
    let mut version_args: Vec<&str> = compose[1..].iter().map(String::as_str).collect();
    version_args.extend(["version", "--short"]);
    let compose_version = ok(&compose[0], &version_args);
    println!(
        "compose e2e: Docker engine {}, Compose {} ({})",
        text(&info.stdout),
        if compose.len() == 2 { "v2" } else { "v1" },
        compose_version.lines().next().unwrap_or_default()
    );
    let client = buildkit_client()
        .expect("no Docker client with BuildKit: install the buildx plugin (or a client < 23)");

    let root = repo();
    let project = format!(
        "nfe2e{}x{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 100_000)
            .unwrap_or(0)
    );
    let scratch = std::env::temp_dir().join(&project);
    std::fs::create_dir_all(&scratch).expect("scratch");

    // Images: the base from Debian packages, the runtime stage of deploy/Dockerfile with the
    // binary built here, the broker.
    let base = base_image(&scratch);
    let binary = binary_image(&scratch);
    let previous = text(
        &run(
            "docker",
            &["image", "inspect", "-f", "{{.Id}}", "newsflow:latest"],
        )
        .stdout,
    );
    build(
        &client,
        &[
            "-f",
            &root.join("deploy/Dockerfile").to_string_lossy(),
            "--target",
            "runtime",
            "--build-arg",
            &format!("RUNTIME_BASE={base}"),
            "--build-arg",
            &format!("BINARY_FROM={binary}"),
            "-t",
            "newsflow:latest",
            &root.to_string_lossy(),
        ],
    );
    let broker = broker_image(&client, &base, &scratch);
    // The image this run replaced, and images of earlier binaries, bases and brokers.
    let current = ok(
        "docker",
        &["image", "inspect", "-f", "{{.Id}}", "newsflow:latest"],
    );
    if !previous.is_empty() && previous != current {
        let _ = run("docker", &["rmi", &previous]);
    }
    for (repository, keep) in [
        ("newsflow-e2e/binary", &binary),
        ("newsflow-e2e/bookworm", &base),
        ("newsflow-e2e/tansu", &broker),
    ] {
        prune_other_tags(repository, keep);
    }
    let size: f64 = ok(
        "docker",
        &["image", "inspect", "-f", "{{.Size}}", "newsflow:latest"],
    )
    .parse()
    .unwrap_or(0.0);
    let base_size: f64 = ok("docker", &["image", "inspect", "-f", "{{.Size}}", &base])
        .parse()
        .unwrap_or(0.0);
    println!(
        "image newsflow:latest: {:.1} MB (base {:.1} MB)",
        size / 1e6,
        base_size / 1e6
    );
    assert_eq!(
        ok(
            "docker",
            &[
                "image",
                "inspect",
                "-f",
                "{{.Config.User}}",
                "newsflow:latest"
            ]
        ),
        "10001:10001"
    );

    // One-shot use of the image: no arguments prints help; `clean -` reads a page on stdin.
    let help = run("docker", &["run", "--rm", "--read-only", "newsflow:latest"]);
    assert!(
        help.status.success(),
        "docker run IMAGE: {}",
        text(&help.stderr)
    );
    assert!(
        text(&help.stdout).contains("Usage:"),
        "{}",
        text(&help.stdout)
    );
    let mut clean = Command::new("docker")
        .args([
            "run",
            "-i",
            "--rm",
            "--read-only",
            "newsflow:latest",
            "clean",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker run clean");
    let page = "<!doctype html><html lang=\"en\"><head><title>Bridge reopens after repairs</title></head>\
        <body><article><h1>Bridge reopens after repairs</h1>\
        <p>The harbour bridge reopened to traffic on Monday after six weeks of repairs to its deck.</p>\
        <p>Engineers replaced two expansion joints and resurfaced the eastern approach.</p>\
        <p>Ferry services that ran extra crossings during the closure return to their usual timetable.</p>\
        </article></body></html>";
    clean
        .stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("write page");
    let out = clean.wait_with_output().expect("clean");
    assert!(out.status.success(), "clean -: {}", text(&out.stderr));
    let article: Value = serde_json::from_slice(&out.stdout).expect("clean prints JSON");
    assert_eq!(article["title"], "Bridge reopens after repairs");
    println!("one-shot: `docker run IMAGE` printed help; `docker run -i IMAGE clean - < page.html` printed the article");

    // The project directory: the mounted config and seeds, copied so that the test can add a feed.
    let dir = scratch.join("project");
    copy_dir(&root.join("config"), &dir.join("config"));
    copy_dir(&root.join("data/seed"), &dir.join("data/seed"));
    let mut expected = BTreeSet::new();
    for e in std::fs::read_dir(root.join("data/seed"))
        .expect("seeds")
        .filter_map(Result::ok)
    {
        expected.insert(model::urn_for_file(
            "seed",
            &e.file_name().to_string_lossy(),
        ));
    }
    for slug in newsflow::demo::load_articles(&root.join("data/demo"))
        .expect("demo articles")
        .into_iter()
        .map(|a| a.slug)
    {
        expected.insert(format!("http://demo-feed:8089/articles/{slug}"));
    }

    let mut stack = Stack {
        compose,
        project: project.clone(),
        dir,
        scratch: scratch.clone(),
        broker_image: broker,
        web_port: free_port(),
        expected,
        extra_feed: None,
        restarts_seen: 0,
        started,
    };
    let mut seen: Vec<Seen> = Vec::new();

    // Up from nothing.
    let t = Instant::now();
    stack.compose_ok(&["up", "-d", "--no-build"]);
    let topics = stack.container("topics");
    assert_eq!(stack.inspect(&topics, "{{.State.ExitCode}}"), "0");
    let topic_logs = text(&run("docker", &["logs", &topics]).stderr);
    for t in ["news.raw", "news.clean", "news.enriched", "news.dlq"] {
        assert!(
            topic_logs.contains(t),
            "topics service did not create {t}: {topic_logs}"
        );
    }
    for s in WORKERS {
        let id = stack.container(s);
        assert_eq!(stack.inspect(&id, "{{.Config.User}}"), "10001:10001");
        assert_eq!(stack.inspect(&id, "{{.HostConfig.ReadonlyRootfs}}"), "true");
    }
    seen.push(stack.check("up from nothing", t, 0));
    // The web view, through its published host port: the seeds alone make two stories.
    let web = stack.container("web");
    assert_eq!(
        stack.inspect(&web, "{{.HostConfig.ReadonlyRootfs}}"),
        "true"
    );
    let stories = stack.web_stories("up from nothing", 2);
    println!(
        "web view on 127.0.0.1:{}: {stories} stories",
        stack.web_port
    );

    // SIGKILL of each worker's main process: the restart policy brings it back.
    for s in WORKERS {
        let before = stack.count();
        let id = stack.container(s);
        let restarts: u64 = stack.inspect(&id, "{{.RestartCount}}").parse().unwrap_or(0);
        let pid = stack.inspect(&id, "{{.State.Pid}}");
        let t = Instant::now();
        stack.add_seed(&format!("sigkill-{s}"));
        ok("kill", &["-KILL", &pid]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while stack
            .inspect(&id, "{{.RestartCount}}")
            .parse::<u64>()
            .unwrap_or(0)
            <= restarts
        {
            assert!(Instant::now() < deadline, "{s} not restarted after SIGKILL");
            std::thread::sleep(Duration::from_millis(200));
        }
        seen.push(stack.check(&format!("SIGKILL {s}"), t, before));
    }

    // The broker cut off from the network for 30 s.
    let before = stack.count();
    let kafka = stack.container("kafka");
    let network = format!("{project}_default");
    let t = Instant::now();
    ok("docker", &["network", "disconnect", &network, &kafka]);
    stack.add_seed("broker-cut");
    std::thread::sleep(FAULT);
    ok(
        "docker",
        &["network", "connect", "--alias", "kafka", &network, &kafka],
    );
    seen.push(stack.check("broker cut off 30 s", t, before));

    // A worker paused for 30 s.
    let before = stack.count();
    let cleaner = stack.container("cleaner");
    let t = Instant::now();
    ok("docker", &["pause", &cleaner]);
    stack.add_seed("pause");
    std::thread::sleep(FAULT);
    ok("docker", &["unpause", &cleaner]);
    seen.push(stack.check("cleaner paused 30 s", t, before));

    // Scale out to the partition count, then back.
    let before = stack.count();
    let t = Instant::now();
    stack.add_seed("scale-out");
    stack.compose_ok(&["up", "-d", "--no-build", "--scale", "enricher=3"]);
    assert_eq!(stack.containers("enricher").len(), 3);
    seen.push(stack.check("--scale enricher=3", t, before));
    let before = stack.count();
    let t = Instant::now();
    stack.add_seed("scale-in");
    stack.compose_ok(&["up", "-d", "--no-build", "--scale", "enricher=1"]);
    assert_eq!(stack.containers("enricher").len(), 1);
    seen.push(stack.check("--scale enricher=1", t, before));

    // A feed added to the mounted feed list while running: the fetcher reloads it.
    let extra = scratch.join("extra");
    std::fs::create_dir_all(&extra).expect("extra dir");
    let extra_articles = [
        (
            "storm-closes-ports",
            "Storm closes two ports on the coast",
            "A winter storm closed the northern and southern ports on Tuesday as winds reached 110 kilometres an hour.\n\n\
             Harbour authorities said ships already at anchor would stay there until the swell drops.\n\n\
             Forecasters expect the wind to ease by Thursday morning.",
        ),
        (
            "library-extends-hours",
            "City library extends its opening hours",
            "The central library will open until ten in the evening from next month, the city council said.\n\n\
             The change follows a survey in which most readers asked for later hours on weekdays.\n\n\
             Two more staff members will be hired to cover the evening shifts.",
        ),
    ];
    for (slug, title, body) in extra_articles {
        std::fs::write(
            extra.join(format!("{slug}.md")),
            format!("{title}\n\n{body}\n"),
        )
        .expect("extra article");
        stack
            .expected
            .insert(format!("http://extra-feed:8089/articles/{slug}"));
    }
    let name = format!("{project}-extra-feed");
    ok(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            &network,
            "--network-alias",
            "extra-feed",
            "--read-only",
            "-v",
            &format!("{}:/extra:ro", extra.display()),
            "-e",
            "NEWSFLOW__DEMO_FEED__DIR=/extra",
            "-e",
            "NEWSFLOW__DEMO_FEED__LISTEN=0.0.0.0:8089",
            "-e",
            "NEWSFLOW__DEMO_FEED__INTERVAL_SECS=1",
            "newsflow:latest",
            "demo-feed",
        ],
    );
    stack.extra_feed = Some(name);
    let feeds = stack.dir.join("config/feeds.compose.toml");
    let mut list = std::fs::read_to_string(&feeds).expect("feed list");
    // Whatever private-address allowance the demo feed's entry carries, the added one carries too.
    let allowance: String = list
        .lines()
        .filter(|l| l.trim_start().starts_with("allow_private"))
        .take(1)
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    list.push_str(&format!(
        "\n[[feed]]\nname = \"e2e-extra\"\nurl = \"http://extra-feed:8089/feed.xml\"\ninterval_secs = 10\n{allowance}"
    ));
    let before = stack.count();
    let t = Instant::now();
    let tmp = feeds.with_extension("toml.new");
    std::fs::write(&tmp, list).expect("write feed list");
    std::fs::rename(&tmp, &feeds).expect("replace feed list");
    seen.push(stack.check("feed added while running", t, before));

    // Stop and start of the whole stack.
    let before = stack.count();
    let t = Instant::now();
    stack.add_seed("stop-start");
    stack.compose_ok(&["stop"]);
    stack.compose_ok(&["start"]);
    seen.push(stack.check("stop and start of the stack", t, before));
    let stories = stack.web_stories("stop and start of the stack", 2);
    println!("web view after stop and start: {stories} stories");

    println!("\ncompose e2e summary ({project}):");
    println!("| fault | workers healthy after | all articles enriched after | expected articles enriched before -> after | enriched messages | worker restarts |");
    println!("|---|---|---|---|---|---|");
    for s in &seen {
        println!(
            "| {} | {:.1} s | {:.1} s | {} -> {} | {} | {} |",
            s.label,
            s.healthy_in.as_secs_f64(),
            s.recovered_in.as_secs_f64(),
            s.articles_before,
            s.articles_after,
            s.messages,
            s.restarts
        );
    }
    let restarts: BTreeMap<&str, u64> = WORKERS
        .iter()
        .map(|s| {
            (
                *s,
                stack
                    .containers(s)
                    .iter()
                    .map(|id| stack.inspect(id, "{{.RestartCount}}").parse().unwrap_or(0))
                    .sum(),
            )
        })
        .collect();
    println!("restart counts now: {restarts:?}");
    println!(
        "compose e2e: passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
