//! The cleaner on the article-extraction benchmark, with peers measured in the same run:
//! parse-only floor (`scraper::Html::parse_document`), our extractor, dom_smoothie, rs-trafilatura.
//!
//! `cargo run --release -p aeb-bench -- [DATASET_DIR] [--reps N] [--only ours] [--dump DIR]
//! [--out FILE] [--explain ID_PREFIX]`: timings are the fastest of N runs per page (default 3),
//! extractors interleaved page by page; `--dump` writes our text per page, `--explain` prints the
//! extractor's candidates for one page (for tuning).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cleaner::eval::{corpus, shingle_match, Match, SHINGLE};
use model::{EntryHints, RawArticle, SourceRef, Versioned};
use serde_json::json;

struct Page {
    id: String,
    url: String,
    html: String,
    truth: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Parse,
    Ours,
    DomSmoothie,
    Trafilatura,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Parse => "parse-only (scraper)",
            Which::Ours => "newsflow cleaner",
            Which::DomSmoothie => "dom_smoothie 0.19",
            Which::Trafilatura => "rs-trafilatura 0.2",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Which::Parse => "parse_only",
            Which::Ours => "newsflow",
            Which::DomSmoothie => "dom_smoothie",
            Which::Trafilatura => "rs_trafilatura",
        }
    }
}

struct Args {
    dir: PathBuf,
    reps: usize,
    only_ours: bool,
    dump: Option<PathBuf>,
    out: PathBuf,
    explain: Option<String>,
}

fn args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(".").to_path_buf());
    let mut a = Args {
        dir: root.join("../shared/datasets/aeb"),
        reps: 3,
        only_ours: false,
        dump: None,
        out: root.join("bench/aeb/results/latest.json"),
        explain: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--reps" => a.reps = it.next().context("--reps N")?.parse()?,
            "--only" => a.only_ours = it.next().as_deref() == Some("ours"),
            "--dump" => a.dump = Some(it.next().context("--dump DIR")?.into()),
            "--out" => a.out = it.next().context("--out FILE")?.into(),
            "--explain" => a.explain = Some(it.next().context("--explain ID")?),
            s if s.starts_with("--") => bail!("unknown flag {s}"),
            s => a.dir = s.into(),
        }
    }
    a.reps = a.reps.max(1);
    Ok(a)
}

fn load(dir: &Path) -> Result<Vec<Page>> {
    let gt: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("ground-truth.json"))
            .with_context(|| format!("reading {}/ground-truth.json", dir.display()))?,
    )?;
    let obj = gt.as_object().context("ground truth is not an object")?;
    let mut pages = Vec::new();
    for (id, v) in obj {
        let path = dir.join("html").join(format!("{id}.html.gz"));
        let mut html = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path)?)
            .read_to_string(&mut html)
            .with_context(|| format!("decompressing {}", path.display()))?;
        pages.push(Page {
            id: id.clone(),
            url: v["url"].as_str().unwrap_or("").to_string(),
            html,
            truth: v["articleBody"].as_str().unwrap_or("").to_string(),
        });
    }
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(pages)
}

fn raw_of(p: &Page) -> RawArticle {
    RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: p.id.clone(),
        url: p.url.clone(),
        source: SourceRef {
            kind: "bench".into(),
            name: "aeb".into(),
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: "text/html; charset=utf-8".into(),
        body: p.html.clone(),
        hints: EntryHints::default(),
        config_version: String::new(),
    }
}

/// Run one extractor on one page, returning its text (empty for parse-only).
fn run(which: Which, page: &Page, raw: &RawArticle) -> String {
    match which {
        Which::Parse => {
            let doc = scraper::Html::parse_document(&page.html);
            std::hint::black_box(&doc);
            String::new()
        }
        Which::Ours => {
            let c = cleaner::clean(raw);
            c.paragraphs.join("\n")
        }
        Which::DomSmoothie => {
            let cfg = dom_smoothie::Config {
                text_mode: dom_smoothie::TextMode::Formatted,
                ..Default::default()
            };
            let url = Some(page.url.as_str()).filter(|u| u.starts_with("http"));
            match dom_smoothie::Readability::new(page.html.as_str(), url, Some(cfg))
                .and_then(|mut r| r.parse())
            {
                Ok(a) => a.text_content.to_string(),
                Err(_) => String::new(),
            }
        }
        Which::Trafilatura => rs_trafilatura::extract(&page.html)
            .map(|r| r.content_text)
            .unwrap_or_default(),
    }
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

struct Run {
    which: Which,
    ms: Vec<f64>,
    matches: Vec<Match>,
}

fn main() -> Result<()> {
    let a = args()?;
    let pages = load(&a.dir)?;
    if let Some(prefix) = &a.explain {
        for p in pages.iter().filter(|p| p.id.starts_with(prefix.as_str())) {
            println!("{} {}\n{}", p.id, p.url, cleaner::explain(&p.html));
        }
        return Ok(());
    }
    eprintln!("{} pages from {}", pages.len(), a.dir.display());
    let mut whiches = vec![Which::Parse, Which::Ours];
    if !a.only_ours {
        whiches.extend([Which::DomSmoothie, Which::Trafilatura]);
    }
    let mut runs: Vec<Run> = whiches
        .iter()
        .map(|&which| Run {
            which,
            ms: Vec::new(),
            matches: Vec::new(),
        })
        .collect();
    if let Some(d) = &a.dump {
        std::fs::create_dir_all(d)?;
    }
    let mut per_page: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for page in &pages {
        let raw = raw_of(page);
        // Interleave extractors per page so machine noise hits them alike; keep the fastest rep.
        for r in runs.iter_mut() {
            let mut best = f64::INFINITY;
            let mut text = String::new();
            for _ in 0..a.reps {
                let t0 = Instant::now();
                text = run(r.which, page, &raw);
                best = best.min(t0.elapsed().as_secs_f64() * 1e3);
            }
            r.ms.push(best);
            if r.which != Which::Parse {
                let m = shingle_match(&page.truth, &text, SHINGLE);
                if r.which == Which::Ours {
                    let p = if m.tp + m.fp > 0.0 {
                        m.tp / (m.tp + m.fp)
                    } else {
                        0.0
                    };
                    let rc = if m.tp + m.fn_ > 0.0 {
                        m.tp / (m.tp + m.fn_)
                    } else {
                        0.0
                    };
                    per_page.insert(
                        page.id.clone(),
                        json!({"precision": p, "recall": rc, "ms": best, "bytes": page.html.len()}),
                    );
                    if let Some(d) = &a.dump {
                        std::fs::write(d.join(format!("{}.txt", page.id)), &text)?;
                    }
                }
                r.matches.push(m);
            }
        }
    }
    let floor_median = median(&mut runs[0].ms.clone());
    let floor_mean = runs[0].ms.iter().sum::<f64>() / runs[0].ms.len().max(1) as f64;
    let ours_median = median(&mut runs[1].ms.clone());
    println!(
        "{:<22} {:>6} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "extractor", "P", "R", "F1", "median ms", "mean ms", "x parse", "x ours"
    );
    let mut results = Vec::new();
    for r in &runs {
        let med = median(&mut r.ms.clone());
        let mean = r.ms.iter().sum::<f64>() / r.ms.len().max(1) as f64;
        let s = corpus(&r.matches);
        let (p, rc, f1) = if r.which == Which::Parse {
            ("-".to_string(), "-".to_string(), "-".to_string())
        } else {
            (
                format!("{:.3}", s.precision),
                format!("{:.3}", s.recall),
                format!("{:.3}", s.f1),
            )
        };
        println!(
            "{:<22} {:>6} {:>6} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            r.which.name(),
            p,
            rc,
            f1,
            med,
            mean,
            med / floor_median,
            med / ours_median
        );
        results.push(json!({
            "extractor": r.which.key(),
            "precision": (r.which != Which::Parse).then_some(s.precision),
            "recall": (r.which != Which::Parse).then_some(s.recall),
            "f1": (r.which != Which::Parse).then_some(s.f1),
            "median_ms": med,
            "mean_ms": mean,
            "median_vs_parse_only": med / floor_median,
            "median_vs_newsflow": med / ours_median,
        }));
    }
    // Pages were visited in id order, the same order as the map.
    for (v, ms) in per_page.values_mut().zip(&runs[0].ms) {
        v["parse_ms"] = json!(ms);
    }
    // Per-page median of (ours / parse) as a second view of the ratio.
    let mut per_page_ratio: Vec<f64> = runs[1]
        .ms
        .iter()
        .zip(&runs[0].ms)
        .map(|(o, p)| o / p.max(1e-6))
        .collect();
    let ratio_pp = median(&mut per_page_ratio);
    println!(
        "parse-only floor: median {floor_median:.2} ms, mean {floor_mean:.2} ms; newsflow per-page median ratio {ratio_pp:.2}x"
    );
    let out = json!({
        "dataset": a.dir.display().to_string(),
        "pages": pages.len(),
        "reps_min_of": a.reps,
        "timed": chrono::Utc::now().to_rfc3339(),
        "results": results,
        "newsflow_per_page_median_ratio_vs_parse": ratio_pp,
        "newsflow_per_page": per_page,
    });
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&a.out, serde_json::to_vec_pretty(&out)?)?;
    eprintln!("wrote {}", a.out.display());
    Ok(())
}
