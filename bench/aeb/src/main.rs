//! The cleaner against peers on two extraction sets in one run: AEB (181 article pages, the set
//! the cleaner was tuned on) and WCXB-dev (1,497 pages of seven types). Measured in process:
//! the parse-only floor (`scraper::Html::parse_document`), our extractor, dom_smoothie and
//! rs-trafilatura; Python trafilatura (pinned) through `py/trafilatura.sh`, one process for all
//! pages, its results cached per page under `~/.cache/newsflow/bench/`.
//!
//! `cargo run --release -p aeb-bench -- [--set aeb|wcxb|all] [--limit N] [--type T] [--id P]
//! [--only ours] [--no-python] [--python-fresh] [--reps N] [--weights FILE] [--baseline FILE]
//! [--out FILE] [--dump DIR] [--explain ID]`
//!
//! Metrics: word F1 per page (tokens are `\w+` runs of the lower-cased text, multiset overlap),
//! averaged over pages, overall and per page type (WCXB's own metric, used on both sets); on
//! AEB also its 4-token shingle P/R/F1 over the corpus. Snippet recall (`with` snippets found)
//! and leakage (`without` snippets found) on WCXB. Metadata (title, author, same-day date) for
//! newsflow and Python trafilatura. Outcomes of newsflow per page type. `--baseline` prints the
//! pages whose newsflow F1 moved against an earlier results file.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cleaner::eval::{corpus, shingle_match, Match, SHINGLE};
use model::{EntryHints, RawArticle, SourceRef, Versioned};
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
enum Set {
    Aeb,
    Wcxb,
}

impl Set {
    fn key(self) -> &'static str {
        match self {
            Set::Aeb => "aeb",
            Set::Wcxb => "wcxb-dev",
        }
    }
}

struct Page {
    set: Set,
    id: String,
    url: String,
    path: PathBuf,
    html: String,
    truth: String,
    kind: String,
    with: Vec<String>,
    without: Vec<String>,
    title: String,
    author: String,
    date: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Parse,
    Ours,
    DomSmoothie,
    RsTrafilatura,
    PyTrafilatura,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Parse => "parse-only (scraper)",
            Which::Ours => "newsflow cleaner",
            Which::DomSmoothie => "dom_smoothie 0.19",
            Which::RsTrafilatura => "rs-trafilatura 0.2",
            Which::PyTrafilatura => "trafilatura (Python)",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Which::Parse => "parse_only",
            Which::Ours => "newsflow",
            Which::DomSmoothie => "dom_smoothie",
            Which::RsTrafilatura => "rs_trafilatura",
            Which::PyTrafilatura => "trafilatura_py",
        }
    }
}

struct Args {
    aeb: PathBuf,
    wcxb: PathBuf,
    sets: Vec<Set>,
    limit: Option<usize>,
    kind: Option<String>,
    id: Option<String>,
    reps: usize,
    only_ours: bool,
    python: bool,
    python_fresh: bool,
    weights: Option<PathBuf>,
    baseline: Option<PathBuf>,
    dump: Option<PathBuf>,
    out: PathBuf,
    explain: Option<String>,
    root: PathBuf,
}

fn args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(".").to_path_buf());
    let mut a = Args {
        aeb: root.join("../shared/datasets/aeb"),
        wcxb: root.join("../shared/datasets/wcxb-dev"),
        sets: vec![Set::Aeb, Set::Wcxb],
        limit: None,
        kind: None,
        id: None,
        reps: 3,
        only_ours: false,
        python: true,
        python_fresh: false,
        weights: None,
        baseline: None,
        dump: None,
        out: root.join("bench/aeb/results/latest.json"),
        explain: None,
        root: root.clone(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--reps" => a.reps = it.next().context("--reps N")?.parse()?,
            "--set" => {
                a.sets = match it.next().as_deref() {
                    Some("aeb") => vec![Set::Aeb],
                    Some("wcxb") | Some("wcxb-dev") => vec![Set::Wcxb],
                    Some("all") => vec![Set::Aeb, Set::Wcxb],
                    s => bail!("--set aeb|wcxb|all, not {s:?}"),
                }
            }
            "--limit" => a.limit = Some(it.next().context("--limit N")?.parse()?),
            "--type" => a.kind = Some(it.next().context("--type T")?),
            "--id" => a.id = Some(it.next().context("--id PREFIX")?),
            "--only" => a.only_ours = it.next().as_deref() == Some("ours"),
            "--no-python" => a.python = false,
            "--python-fresh" => a.python_fresh = true,
            "--weights" => a.weights = Some(it.next().context("--weights FILE")?.into()),
            "--baseline" => a.baseline = Some(it.next().context("--baseline FILE")?.into()),
            "--aeb" => a.aeb = it.next().context("--aeb DIR")?.into(),
            "--wcxb" => a.wcxb = it.next().context("--wcxb DIR")?.into(),
            "--dump" => a.dump = Some(it.next().context("--dump DIR")?.into()),
            "--out" => a.out = it.next().context("--out FILE")?.into(),
            "--explain" => a.explain = Some(it.next().context("--explain ID")?),
            s if s.starts_with("--") => bail!("unknown flag {s}"),
            // The old single positional argument: the AEB directory.
            s => a.aeb = s.into(),
        }
    }
    a.reps = a.reps.max(1);
    Ok(a)
}

fn gunzip(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
    )
    .read_to_end(&mut bytes)
    .with_context(|| format!("decompressing {}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn load_aeb(dir: &Path) -> Result<Vec<Page>> {
    let gt: Value = serde_json::from_slice(
        &std::fs::read(dir.join("ground-truth.json"))
            .with_context(|| format!("reading {}/ground-truth.json", dir.display()))?,
    )?;
    let obj = gt.as_object().context("ground truth is not an object")?;
    let mut pages = Vec::new();
    for (id, v) in obj {
        let path = dir.join("html").join(format!("{id}.html.gz"));
        pages.push(Page {
            set: Set::Aeb,
            id: id.clone(),
            url: s(&v["url"]),
            html: gunzip(&path)?,
            path,
            truth: s(&v["articleBody"]),
            kind: "article".into(),
            with: Vec::new(),
            without: Vec::new(),
            title: String::new(),
            author: String::new(),
            date: String::new(),
        });
    }
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(pages)
}

fn load_wcxb(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Vec<Page>> {
    let mut ids: Vec<String> = std::fs::read_dir(dir.join("ground-truth"))
        .with_context(|| format!("reading {}/ground-truth", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(String::from)
        })
        .filter(|id| keep(id))
        .collect();
    ids.sort();
    let mut pages = Vec::new();
    for id in ids {
        let v: Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("ground-truth/{id}.json")))?)?;
        let g = &v["ground_truth"];
        let mut kind = s(&v["_internal"]["page_type"]["primary"]);
        if kind == "category" {
            kind = "collection".into();
        }
        let path = dir.join("html").join(format!("{id}.html.gz"));
        pages.push(Page {
            set: Set::Wcxb,
            url: s(&v["url"]),
            html: gunzip(&path)?,
            path,
            truth: s(&g["main_content"]),
            kind,
            with: strings(&g["with"]),
            without: strings(&g["without"]),
            title: s(&g["title"]),
            author: s(&g["author"]),
            date: s(&g["publish_date"]),
            id,
        });
    }
    Ok(pages)
}

/// Every k-th page, so a quick run keeps the mix of page types.
fn sample(pages: Vec<Page>, limit: Option<usize>) -> Vec<Page> {
    match limit {
        Some(n) if n > 0 && n < pages.len() => {
            let step = pages.len() as f64 / n as f64;
            let want: Vec<usize> = (0..n).map(|i| (i as f64 * step) as usize).collect();
            pages
                .into_iter()
                .enumerate()
                .filter(|(i, _)| want.binary_search(i).is_ok())
                .map(|(_, p)| p)
                .collect()
        }
        _ => pages,
    }
}

fn raw_of(p: &Page) -> RawArticle {
    RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: p.id.clone(),
        url: p.url.clone(),
        source: SourceRef {
            kind: "bench".into(),
            name: p.set.key().into(),
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: "text/html; charset=utf-8".into(),
        body: p.html.clone(),
        hints: EntryHints::default(),
        config_version: String::new(),
    }
}

/// What one extractor made of one page.
#[derive(Default, Clone)]
struct Got {
    text: String,
    title: Option<String>,
    author: Option<String>,
    date: Option<String>,
    outcome: Option<String>,
}

/// Run one in-process extractor on one page.
fn run(which: Which, page: &Page, raw: &RawArticle, weights: &cleaner::Weights) -> Got {
    match which {
        Which::Parse => {
            let doc = scraper::Html::parse_document(&page.html);
            std::hint::black_box(&doc);
            Got::default()
        }
        Which::Ours => {
            let c = cleaner::clean_with(raw, chrono::Utc::now(), weights);
            let outcome = serde_json::to_value(c.outcome)
                .ok()
                .and_then(|v| v.as_str().map(String::from));
            Got {
                text: c
                    .lead
                    .iter()
                    .chain(&c.paragraphs)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
                title: Some(c.title).filter(|t| !t.is_empty()),
                author: Some(c.authors.join(", ")).filter(|a| !a.is_empty()),
                date: c.published.map(|d| d.date_naive().to_string()),
                outcome,
            }
        }
        Which::DomSmoothie => {
            let cfg = dom_smoothie::Config {
                text_mode: dom_smoothie::TextMode::Formatted,
                ..Default::default()
            };
            let url = Some(page.url.as_str()).filter(|u| u.starts_with("http"));
            let text = match dom_smoothie::Readability::new(page.html.as_str(), url, Some(cfg))
                .and_then(|mut r| r.parse())
            {
                Ok(a) => a.text_content.to_string(),
                Err(_) => String::new(),
            };
            Got {
                text,
                ..Got::default()
            }
        }
        Which::RsTrafilatura => Got {
            text: rs_trafilatura::extract(&page.html)
                .map(|r| r.content_text)
                .unwrap_or_default(),
            ..Got::default()
        },
        Which::PyTrafilatura => Got::default(),
    }
}

/// Python trafilatura over all pages through one process; results cached per set and page.
fn python(pages: &[Page], root: &Path, fresh: bool) -> Result<HashMap<(Set, String), (Got, f64)>> {
    let script = root.join("bench/aeb/py/trafilatura.sh");
    let pin = std::fs::read_to_string(&script)?
        .lines()
        .find_map(|l| l.split("TRAFILATURA_VERSION:-").nth(1))
        .and_then(|r| r.split('}').next())
        .unwrap_or("unknown")
        .to_string();
    let cache_dir = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(".cache/newsflow/bench");
    std::fs::create_dir_all(&cache_dir)?;
    let cache = cache_dir.join(format!("trafilatura-{pin}.jsonl"));
    let mut out: HashMap<(Set, String), (Got, f64)> = HashMap::new();
    let parse = |v: &Value| {
        let opt = |k: &str| v[k].as_str().map(String::from).filter(|x| !x.is_empty());
        (
            Got {
                text: s(&v["text"]),
                title: opt("title"),
                author: opt("author"),
                date: opt("date"),
                outcome: None,
            },
            v["ms"].as_f64().unwrap_or(0.0),
        )
    };
    let set_of = |k: &str| match k {
        "aeb" => Some(Set::Aeb),
        "wcxb-dev" => Some(Set::Wcxb),
        _ => None,
    };
    if !fresh {
        if let Ok(f) = std::fs::File::open(&cache) {
            for line in BufReader::new(f).lines() {
                let Ok(v) = serde_json::from_str::<Value>(&line?) else {
                    continue;
                };
                if let Some(set) = v["set"].as_str().and_then(set_of) {
                    out.insert((set, s(&v["id"])), parse(&v));
                }
            }
        }
    }
    let todo: Vec<&Page> = pages
        .iter()
        .filter(|p| !out.contains_key(&(p.set, p.id.clone())))
        .collect();
    if todo.is_empty() {
        return Ok(out);
    }
    eprintln!("python trafilatura {pin}: {} pages", todo.len());
    let mut child = Command::new("bash")
        .arg(&script)
        .env("TRAFILATURA_VERSION", &pin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting py/trafilatura.sh")?;
    let mut stdin = child.stdin.take().context("python stdin")?;
    let reqs: Vec<String> = todo
        .iter()
        .map(|p| {
            json!({"id": format!("{}/{}", p.set.key(), p.id), "path": p.path, "url": p.url})
                .to_string()
        })
        .collect();
    // Written from a thread: the child answers while we still send.
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for r in reqs {
            writeln!(stdin, "{r}")?;
        }
        Ok(())
    });
    let mut cache_out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&cache)?;
    let stdout = child.stdout.take().context("python stdout")?;
    for line in BufReader::new(stdout).lines() {
        let v: Value = serde_json::from_str(&line?)?;
        let Some((set, id)) = v["id"].as_str().and_then(|x| x.split_once('/')) else {
            continue; // the version line
        };
        let Some(set) = set_of(set) else { continue };
        let mut rec = v.clone();
        rec["set"] = json!(set.key());
        rec["id"] = json!(id);
        writeln!(cache_out, "{rec}")?;
        out.insert((set, id.to_string()), parse(&v));
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer thread"))??;
    let status = child.wait()?;
    if !status.success() {
        bail!("py/trafilatura.sh failed: {status}");
    }
    Ok(out)
}

/// Lower-cased `\w+` tokens (letters, digits, marks and `_`, as Python's `\w`).
fn tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// WCXB's per-page word F1: multiset overlap of tokens. (precision, recall, f1).
fn word_prf(truth: &str, got: &str) -> (f64, f64, f64) {
    let t = tokens(truth);
    let g = tokens(got);
    if t.is_empty() {
        let v = if g.is_empty() { 1.0 } else { 0.0 };
        return (v, v, v);
    }
    if g.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mut bag: HashMap<&str, i64> = HashMap::new();
    for x in &t {
        *bag.entry(x).or_default() += 1;
    }
    let mut common = 0usize;
    for x in &g {
        if let Some(n) = bag.get_mut(x.as_str()) {
            if *n > 0 {
                *n -= 1;
                common += 1;
            }
        }
    }
    let p = common as f64 / g.len() as f64;
    let r = common as f64 / t.len() as f64;
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Snippet found in a text, compared as token sequences (punctuation and case ignored).
fn contains_snippet(hay: &str, snippet: &str) -> bool {
    let n = tokens(snippet).join(" ");
    !n.is_empty() && format!(" {hay} ").contains(&format!(" {n} "))
}

fn title_ok(gold: &str, got: Option<&str>) -> bool {
    let g = tokens(gold);
    let p = tokens(got.unwrap_or(""));
    if g.is_empty() {
        return p.is_empty();
    }
    word_prf(gold, got.unwrap_or("")).2 >= 0.9 || (p == g)
}

fn author_ok(gold: &str, got: Option<&str>) -> bool {
    let g = tokens(gold);
    let p = tokens(got.unwrap_or(""));
    if g.is_empty() {
        return p.is_empty();
    }
    // Every gold name token found, and not a long list around it.
    g.iter().all(|t| p.contains(t)) && p.len() <= 2 * g.len() + 2
}

fn date_ok(gold: &str, got: Option<&str>) -> bool {
    let got = got.unwrap_or("");
    if gold.is_empty() {
        return got.is_empty();
    }
    got.get(..10) == gold.get(..10)
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// One extractor's per-page results on one set.
#[derive(Default)]
struct Scores {
    ms: Vec<f64>,
    p: Vec<f64>,
    r: Vec<f64>,
    f1: Vec<f64>,
    kinds: Vec<String>,
    with_found: usize,
    with_total: usize,
    without_found: usize,
    without_total: usize,
    shingles: Vec<Match>,
    title: Vec<bool>,
    author: Vec<bool>,
    date: Vec<bool>,
}

fn main() -> Result<()> {
    let a = args()?;
    let weights = match &a.weights {
        Some(w) => cleaner::Weights::from_toml(
            &std::fs::read_to_string(w).with_context(|| format!("reading {}", w.display()))?,
        )?,
        None => cleaner::Weights::default(),
    };
    let keep = |id: &str| a.id.as_deref().is_none_or(|p| id.starts_with(p));
    let mut pages = Vec::new();
    for &set in &a.sets {
        let mut v = match set {
            Set::Aeb => load_aeb(&a.aeb)?
                .into_iter()
                .filter(|p| keep(&p.id))
                .collect(),
            Set::Wcxb => load_wcxb(&a.wcxb, &keep)?,
        };
        if let Some(k) = &a.kind {
            v.retain(|p| &p.kind == k);
        }
        pages.extend(sample(v, a.limit));
    }
    if let Some(prefix) = &a.explain {
        for p in pages.iter().filter(|p| p.id.starts_with(prefix.as_str())) {
            println!(
                "{} {} {}\n{}",
                p.set.key(),
                p.id,
                p.url,
                cleaner::explain(&p.html)
            );
        }
        return Ok(());
    }
    eprintln!("{} pages", pages.len());
    let mut whiches = vec![Which::Parse, Which::Ours];
    if !a.only_ours {
        whiches.extend([Which::DomSmoothie, Which::RsTrafilatura]);
    }
    let py = if a.python && !a.only_ours {
        whiches.push(Which::PyTrafilatura);
        python(&pages, &a.root, a.python_fresh)?
    } else {
        HashMap::new()
    };
    if let Some(d) = &a.dump {
        std::fs::create_dir_all(d)?;
    }
    let mut scores: BTreeMap<(Set, usize), Scores> = BTreeMap::new();
    let mut per_page: BTreeMap<String, Value> = BTreeMap::new();
    // Outcome confusion of newsflow: set and page type -> outcome -> pages.
    let mut outcomes: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut emptied: Vec<String> = Vec::new();
    let mut not_in_page: Vec<String> = Vec::new();
    for page in &pages {
        let raw = raw_of(page);
        let hay_of = |t: &str| tokens(t).join(" ");
        let mut row = json!({"set": page.set.key(), "type": page.kind});
        // Interleave extractors per page so machine noise hits them alike; keep the fastest rep.
        for (wi, &which) in whiches.iter().enumerate() {
            let (got, best) = if which == Which::PyTrafilatura {
                match py.get(&(page.set, page.id.clone())) {
                    Some((g, ms)) => (g.clone(), *ms),
                    None => continue,
                }
            } else {
                let mut best = f64::INFINITY;
                let mut got = Got::default();
                for _ in 0..a.reps {
                    let t0 = Instant::now();
                    got = run(which, page, &raw, &weights);
                    best = best.min(t0.elapsed().as_secs_f64() * 1e3);
                }
                (got, best)
            };
            let sc = scores.entry((page.set, wi)).or_default();
            sc.ms.push(best);
            if which == Which::Parse {
                row["parse_ms"] = json!(best);
                continue;
            }
            let (p, r, f) = word_prf(&page.truth, &got.text);
            sc.p.push(p);
            sc.r.push(r);
            sc.f1.push(f);
            sc.kinds.push(page.kind.clone());
            let hay = hay_of(&got.text);
            let wf = page
                .with
                .iter()
                .filter(|x| contains_snippet(&hay, x))
                .count();
            let lf = page
                .without
                .iter()
                .filter(|x| contains_snippet(&hay, x))
                .count();
            sc.with_found += wf;
            sc.with_total += page.with.len();
            sc.without_found += lf;
            sc.without_total += page.without.len();
            if page.set == Set::Aeb {
                sc.shingles
                    .push(shingle_match(&page.truth, &got.text, SHINGLE));
            }
            if page.set == Set::Wcxb && matches!(which, Which::Ours | Which::PyTrafilatura) {
                sc.title.push(title_ok(&page.title, got.title.as_deref()));
                sc.author
                    .push(author_ok(&page.author, got.author.as_deref()));
                sc.date.push(date_ok(&page.date, got.date.as_deref()));
            }
            row[which.key()] = json!((f * 1000.0).round() / 1000.0);
            if which == Which::Ours {
                let outcome = got.outcome.clone().unwrap_or_default();
                *outcomes
                    .entry(format!("{}/{}", page.set.key(), page.kind))
                    .or_default()
                    .entry(outcome.clone())
                    .or_default() += 1;
                if outcome != "ok" && got.text.trim().is_empty() && wf < page.with.len() {
                    // Pages rendered by script carry their wanted text only in the gold, not in the
                    // HTML: an empty read-out there is nothing lost, so they are listed apart.
                    let key = format!("{}/{}", page.set.key(), page.id);
                    let shown = hay_of(&visible_text(&page.html));
                    if page.with.iter().any(|x| contains_snippet(&shown, x)) {
                        emptied.push(key);
                    } else {
                        not_in_page.push(key);
                    }
                }
                row["p"] = json!((p * 1000.0).round() / 1000.0);
                row["r"] = json!((r * 1000.0).round() / 1000.0);
                row["outcome"] = json!(outcome);
                row["with"] = json!([wf, page.with.len()]);
                row["without"] = json!([lf, page.without.len()]);
                row["ms"] = json!(best);
                if page.set == Set::Wcxb {
                    // What was found, to read the metadata misses page by page.
                    row["got"] = json!([got.title, got.author, got.date]);
                    row["meta"] = json!([
                        title_ok(&page.title, got.title.as_deref()),
                        author_ok(&page.author, got.author.as_deref()),
                        date_ok(&page.date, got.date.as_deref())
                    ]);
                }
                if let Some(d) = &a.dump {
                    std::fs::write(
                        d.join(format!("{}-{}.txt", page.set.key(), page.id)),
                        &got.text,
                    )?;
                }
            }
        }
        per_page.insert(format!("{}/{}", page.set.key(), page.id), row);
    }

    let mut results = Vec::new();
    let kinds_all = [
        "article",
        "forum",
        "product",
        "collection",
        "listing",
        "documentation",
        "service",
    ];
    for &set in &a.sets {
        let Some(floor) = scores.get(&(set, 0)) else {
            continue;
        };
        let floor_median = median(&floor.ms);
        let n = floor.ms.len();
        println!("\n== {} ({n} pages) ==", set.key());
        println!(
            "{:<22} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>9} {:>8} {:>7}",
            "extractor",
            "P",
            "R",
            "F1",
            "shingF1",
            "with",
            "leak",
            "median ms",
            "mean ms",
            "x parse"
        );
        for (wi, &which) in whiches.iter().enumerate() {
            let Some(sc) = scores.get(&(set, wi)) else {
                continue;
            };
            let med = median(&sc.ms);
            let ratio = med / floor_median.max(1e-9);
            let shing = (!sc.shingles.is_empty()).then(|| corpus(&sc.shingles));
            let with = sc.with_found as f64 / sc.with_total.max(1) as f64;
            let leak = sc.without_found as f64 / sc.without_total.max(1) as f64;
            let opt = |x: f64| {
                if which == Which::Parse {
                    "-".to_string()
                } else {
                    format!("{x:.3}")
                }
            };
            println!(
                "{:<22} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>9.2} {:>8.2} {:>7.2}",
                which.name(),
                opt(mean(&sc.p)),
                opt(mean(&sc.r)),
                opt(mean(&sc.f1)),
                shing.map_or("-".into(), |s| format!("{:.3}", s.f1)),
                if sc.with_total > 0 {
                    format!("{with:.3}")
                } else {
                    "-".into()
                },
                if sc.without_total > 0 {
                    format!("{leak:.3}")
                } else {
                    "-".into()
                },
                med,
                mean(&sc.ms),
                ratio
            );
            let mut by_kind = BTreeMap::new();
            for k in kinds_all {
                let v: Vec<f64> = sc
                    .f1
                    .iter()
                    .zip(&sc.kinds)
                    .filter(|(_, kk)| kk.as_str() == k)
                    .map(|(f, _)| *f)
                    .collect();
                if !v.is_empty() {
                    by_kind.insert(k, json!({"pages": v.len(), "f1": mean(&v)}));
                }
            }
            let frac = |v: &[bool]| {
                (!v.is_empty()).then(|| v.iter().filter(|x| **x).count() as f64 / v.len() as f64)
            };
            results.push(json!({
                "set": set.key(),
                "extractor": which.key(),
                "pages": sc.ms.len(),
                "precision": (which != Which::Parse).then(|| mean(&sc.p)),
                "recall": (which != Which::Parse).then(|| mean(&sc.r)),
                "f1": (which != Which::Parse).then(|| mean(&sc.f1)),
                "shingle": shing.map(|s| json!({"precision": s.precision, "recall": s.recall, "f1": s.f1})),
                "snippet_recall": (sc.with_total > 0).then_some(with),
                "snippet_leakage": (sc.without_total > 0).then_some(leak),
                "by_type": by_kind,
                "title_accuracy": frac(&sc.title),
                "author_accuracy": frac(&sc.author),
                "date_accuracy": frac(&sc.date),
                "median_ms": med,
                "mean_ms": mean(&sc.ms),
                "median_vs_parse_only": ratio,
            }));
        }
        if set == Set::Wcxb {
            print!("\n{:<22}", "F1 by type");
            for k in kinds_all {
                print!(" {:>8}", &k[..k.len().min(8)]);
            }
            println!();
            for (wi, &which) in whiches.iter().enumerate().skip(1) {
                let Some(sc) = scores.get(&(set, wi)) else {
                    continue;
                };
                print!("{:<22}", which.name());
                for k in kinds_all {
                    let v: Vec<f64> = sc
                        .f1
                        .iter()
                        .zip(&sc.kinds)
                        .filter(|(_, kk)| kk.as_str() == k)
                        .map(|(f, _)| *f)
                        .collect();
                    if v.is_empty() {
                        print!(" {:>8}", "-");
                    } else {
                        print!(" {:>8.3}", mean(&v));
                    }
                }
                println!();
            }
            println!(
                "\n{:<22} {:>7} {:>7} {:>7}",
                "metadata", "title", "author", "date"
            );
            for (wi, &which) in whiches.iter().enumerate() {
                let Some(sc) = scores.get(&(set, wi)) else {
                    continue;
                };
                if sc.title.is_empty() {
                    continue;
                }
                let frac = |v: &[bool]| v.iter().filter(|x| **x).count() as f64 / v.len() as f64;
                println!(
                    "{:<22} {:>7.3} {:>7.3} {:>7.3}",
                    which.name(),
                    frac(&sc.title),
                    frac(&sc.author),
                    frac(&sc.date)
                );
            }
        }
    }
    println!("\noutcomes (newsflow) by set/type:");
    for (k, m) in &outcomes {
        let row: Vec<String> = m.iter().map(|(o, n)| format!("{o} {n}")).collect();
        println!("  {k:<26} {}", row.join(", "));
    }
    println!(
        "non-ok outcome with empty text on a page with wanted text: {} {:?}",
        emptied.len(),
        emptied.iter().take(10).collect::<Vec<_>>()
    );
    println!(
        "non-ok outcome with empty text where no wanted snippet is in the page's visible text (script-rendered): {} {:?}",
        not_in_page.len(),
        not_in_page.iter().take(10).collect::<Vec<_>>()
    );
    if let Some(b) = &a.baseline {
        diff_baseline(b, &per_page)?;
    }
    let out = json!({
        "sets": a.sets.iter().map(|s| s.key()).collect::<Vec<_>>(),
        "limit": a.limit,
        "pages": pages.len(),
        "reps_min_of": a.reps,
        "timed": chrono::Utc::now().to_rfc3339(),
        "results": results,
        "newsflow_outcomes": outcomes,
        "newsflow_emptied_pages_with_wanted_text": emptied,
        "newsflow_empty_wanted_text_not_in_page": not_in_page,
        "per_page": per_page,
    });
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&a.out, serde_json::to_vec_pretty(&out)?)?;
    eprintln!("wrote {}", a.out.display());
    Ok(())
}

/// Pages whose newsflow F1 moved by more than 0.02 against an earlier results file.
fn diff_baseline(path: &Path, now: &BTreeMap<String, Value>) -> Result<()> {
    let old: Value = serde_json::from_slice(
        &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    let old = &old["per_page"];
    let mut moved: Vec<(f64, &str, f64, f64, &Value)> = Vec::new();
    let (mut sum_old, mut sum_new, mut n) = (0.0, 0.0, 0usize);
    for (k, v) in now {
        let (Some(f_new), Some(f_old)) = (v["newsflow"].as_f64(), old[k]["newsflow"].as_f64())
        else {
            continue;
        };
        sum_old += f_old;
        sum_new += f_new;
        n += 1;
        if (f_new - f_old).abs() > 0.02 {
            moved.push((f_new - f_old, k, f_old, f_new, v));
        }
    }
    moved.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "\nagainst {}: {n} pages in both, mean F1 {:.4} -> {:.4}; {} worse, {} better by > 0.02",
        path.display(),
        sum_old / n.max(1) as f64,
        sum_new / n.max(1) as f64,
        moved.iter().filter(|m| m.0 < 0.0).count(),
        moved.iter().filter(|m| m.0 > 0.0).count()
    );
    for (d, k, o, nw, v) in &moved {
        println!(
            "  {d:+.3} {k:<20} {o:.3} -> {nw:.3} {} {}",
            v["type"].as_str().unwrap_or(""),
            v["outcome"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

/// The page's text as a browser without scripts shows it: text nodes outside script, style,
/// template and noscript elements and outside the head.
fn visible_text(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let mut out = String::new();
    for node in doc.tree.nodes() {
        let scraper::Node::Text(t) = node.value() else {
            continue;
        };
        let hidden = node.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| {
                matches!(
                    e.name(),
                    "script" | "style" | "template" | "noscript" | "head"
                )
            })
        });
        if !hidden {
            out.push_str(t);
            out.push(' ');
        }
    }
    out
}
