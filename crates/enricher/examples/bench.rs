//! Enrichment benchmark: synthetic articles of seed size, made from the seeds by giving each a
//! fictitious event (names and numbers replaced), shuffling and dropping paragraphs. Reports
//! articles per second on one core for the per-article stage and for story assignment, and the
//! peak resident memory (VmHWM) with every article in the story index.
//!
//! `cargo run --release -p enricher --example bench -- [ARTICLES] [ARTICLES_PER_EVENT] [SECONDS_BETWEEN_EVENTS]`

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use enricher::{Assignment, Decision, Enricher, Gazetteer, StoryConfig, StoryIndex};
use model::{CleanArticle, Outcome, SourceRef, Versioned};

/// A small deterministic generator, so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ter", "van", "do", "ru", "se", "pa", "lin", "go", "ri", "ta", "mon", "bel",
    "zu", "no", "fa", "qui", "der",
];

fn fake_name(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..2 + rng.below(2) {
        s.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// Names in the seeds that a fictitious event replaces, longest first.
const NAMES: &[&str] = &[
    "Nicolás Maduro",
    "Nicholas Maduro",
    "Nayib Bukele",
    "Marco Rubio",
    "Marc Rubio",
    "Mark Rubio",
    "Donald Trump",
    "Tren de Aragua",
    "Train de Argu",
    "Al Salvador",
    "El Salvador",
    "Maiquetía",
    "Venezuela",
    "Bukele",
    "Baukele",
    "Boukele",
    "Maduro",
    "Rubio",
    "Trump",
    "Cecot",
    "CECOT",
    "Sikot",
];

fn synthetic(seeds: &[Vec<String>], i: usize, per_event: usize, step_secs: i64) -> CleanArticle {
    let event = i / per_event;
    let mut ev =
        Rng(0x9e37_79b9_7f4a_7c15 ^ (event as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut rng = Rng(0xdead_beef ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9));
    let seed = &seeds[ev.below(seeds.len())];
    // Event 0 of every five keeps the real names, so the gazetteer is exercised too.
    let names: Vec<(String, String)> = NAMES
        .iter()
        .map(|n| {
            let to = if event.is_multiple_of(5) {
                n.to_string()
            } else if n.contains(' ') {
                format!("{} {}", fake_name(&mut ev), fake_name(&mut ev))
            } else {
                fake_name(&mut ev)
            };
            (n.to_string(), to)
        })
        .collect();
    let numbers: Vec<(String, String)> = ["252", "250", "10", "1798", "2024", "100"]
        .iter()
        .map(|n| (n.to_string(), (10 + ev.below(990)).to_string()))
        .collect();
    let mut paragraphs: Vec<String> = seed[1..]
        .iter()
        .map(|p| {
            let mut p = p.clone();
            for (from, to) in names.iter().chain(numbers.iter()) {
                p = p.replace(from.as_str(), to);
            }
            reword(&p, event)
        })
        .collect();
    for k in (1..paragraphs.len()).rev() {
        let j = rng.below(k + 1);
        paragraphs.swap(k, j);
    }
    if paragraphs.len() > 3 {
        let drop = rng.below(paragraphs.len());
        paragraphs.remove(drop);
    }
    let mut title = seed[0].clone();
    for (from, to) in &names {
        title = title.replace(from.as_str(), to);
    }
    let text = format!("{title}\n\n{}", paragraphs.join("\n\n"));
    let published = Utc
        .with_ymd_and_hms(2025, 7, 1, 0, 0, 0)
        .single()
        .map(|t| t + chrono::Duration::seconds(event as i64 * step_secs));
    CleanArticle {
        schema: CleanArticle::schema_tag(),
        article_id: format!("synthetic-{i:07}"),
        url: format!("https://example.com/{i}"),
        source: SourceRef {
            kind: "feed".into(),
            name: format!("source-{}", i % 50),
            origin: None,
        },
        outcome: Outcome::Ok,
        confidence: 0.9,
        title,
        lead: None,
        paragraphs,
        content_hash: model::content_hash(&text),
        authors: vec![],
        published,
        declared_language: None,
        repairs: vec![],
        fetched_at: Utc::now(),
        config_version: String::new(),
        meta: Default::default(),
    }
}

/// Replace about half of the longer lower-case words with words of the event's own, the same in
/// every article of the event, so that events differ as much as real stories do.
fn reword(p: &str, event: usize) -> String {
    p.split(' ')
        .map(|w| {
            let plain = w.len() >= 4 && w.chars().all(|c| c.is_ascii_lowercase());
            let h = w.bytes().fold(event as u64 + 0x51_7cc1, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            if plain && h.is_multiple_of(2) {
                let mut r = Rng(h | 1);
                (0..2 + r.below(2))
                    .map(|_| SYLLABLES[r.below(SYLLABLES.len())])
                    .collect()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// CPU time of this thread, from /proc (the machine may be shared, so wall time overstates).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|x| x.parse::<u64>().ok())
        })
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let per_event: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let step_secs: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gazetteer = match Gazetteer::load(&root.join("config/gazetteer.toml")) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut seeds: Vec<Vec<String>> = Vec::new();
    let mut dir: Vec<_> = std::fs::read_dir(root.join("data/seed"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dir.sort();
    for p in dir {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .map(|l| l.trim().trim_matches('*').to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > 2 {
            seeds.push(lines);
        }
    }
    let cfg = StoryConfig {
        max_stories: n.max(1),
        ..StoryConfig::default()
    };
    let mut enricher = Enricher::new(gazetteer);
    let mut index = StoryIndex::new(cfg);
    let (mut t_gen, mut t_enrich, mut t_assign) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut c_enrich, mut c_assign) = (Duration::ZERO, Duration::ZERO);
    let mut bytes = 0usize;
    let (mut near, mut events) = (0usize, 0usize);
    for i in 0..n {
        let t = Instant::now();
        let clean = synthetic(&seeds, i, per_event, step_secs);
        bytes += clean.text().len();
        t_gen += t.elapsed();
        let (t, c) = (Instant::now(), thread_cpu());
        let Decision::Publish(a) = enricher.enrich(&clean) else {
            continue;
        };
        t_enrich += t.elapsed();
        c_enrich += thread_cpu().saturating_sub(c);
        let (t, c) = (Instant::now(), thread_cpu());
        if let Assignment::Assigned {
            article,
            events: ev,
            moved,
        } = index.assign(*a)
        {
            near += usize::from(article.near_duplicate_of.is_some());
            events += ev.len();
            // Serialising is part of the work a worker does for each output.
            std::hint::black_box(model::encode(article.as_ref()));
            for e in &ev {
                std::hint::black_box(model::encode(e));
            }
            for m in &moved {
                std::hint::black_box(model::encode(m));
            }
        }
        t_assign += t.elapsed();
        c_assign += thread_cpu().saturating_sub(c);
    }
    let per_s = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "articles: {n} ({} bytes of text on average), {per_event} per synthetic event, events {step_secs} s apart",
        bytes / n.max(1)
    );
    println!("articles/s on one core, by CPU time (by wall time in brackets):");
    println!(
        "  per-article stage: {:>6.0} ({:.0})",
        per_s(c_enrich),
        per_s(t_enrich)
    );
    println!(
        "  story assignment:  {:>6.0} ({:.0})",
        per_s(c_assign),
        per_s(t_assign)
    );
    println!(
        "  both:              {:>6.0} ({:.0})",
        per_s(c_enrich + c_assign),
        per_s(t_enrich + t_assign)
    );
    println!(
        "(generating the articles took {:.1} s, not counted)",
        t_gen.as_secs_f64()
    );
    println!(
        "index: {} stories, {} articles; {near} near duplicates; {events} story events",
        index.stories(),
        index.articles()
    );
    match vm_hwm_kib() {
        Some(k) => println!("peak resident memory (VmHWM): {:.1} MiB", k as f64 / 1024.0),
        None => println!("peak resident memory: /proc/self/status not readable"),
    }
}
