//! Story clustering on a labelled set of real articles (`stories-dev`): the real enricher (both
//! steps, in memory, as `newsflow enrich` runs them) over the articles in stream order and in N
//! shuffled orders, scored against the set's labels.
//!
//! `cargo run --release -p stories-bench -- TEXTS_DIR [--set DIR] [--orders N] [--html]
//! [--verbose] [--json FILE] [--gazetteer FILE] [--threshold X] [--merge X] [--near X]
//! [--order SEED] [--explain ID|all|pairs]... [--htmldate WCXB_DIR]`
//!
//! `TEXTS_DIR` holds one `<id>.txt` per manifest row (title line, blank line, body paragraphs);
//! see `bench/stories/README.md`. Prints B-cubed and pairwise scores, which events merged or
//! split, date coverage and accuracy, entity precision/recall and near-duplicate precision/recall.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use enricher::{Assignment, Decision, Enricher, Gazetteer, StoryConfig, StoryIndex};
use model::{EnrichedArticle, RawArticle, SourceRef, StoryChange, StoryEvent, Versioned};

struct Row {
    id: String,
    event: String,
    lang: String,
    published: Option<NaiveDate>,
    url: String,
    title: String,
    source: String,
}

struct Item {
    row: usize,
    text: String,
    /// When the article would arrive in a live stream (its date, or its event's).
    arrival: Option<NaiveDate>,
}

struct Gold {
    rows: Vec<Row>,
    /// Per article: (folded surface, folded canonical).
    entities: HashMap<String, Vec<(String, String)>>,
    near_dup: Vec<Vec<String>>,
    xlang_dup: Vec<Vec<String>>,
    /// Dates of singleton events from the README tables.
    event_dates: HashMap<String, NaiveDate>,
}

struct Args {
    texts: PathBuf,
    set: PathBuf,
    orders: usize,
    html: bool,
    /// Regroup where the input pauses and at its end, as the story stage does (`--no-regroup`
    /// to compare without).
    regroup: bool,
    verbose: bool,
    json: Option<PathBuf>,
    gazetteer: PathBuf,
    explain: Vec<String>,
    stories: StoryConfig,
    /// Report this shuffled order in detail instead of the stream order.
    order: Option<u64>,
    /// Compare publication dates with Python htmldate on this WCXB-dev folder and on stories-dev.
    htmldate: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut texts = None;
    let mut set = PathBuf::from("../shared/datasets/stories-dev");
    let mut orders = 20;
    let mut html = false;
    let mut regroup = true;
    let mut verbose = false;
    let mut json = None;
    let mut gazetteer = PathBuf::from("config/gazetteer.toml");
    let mut explain = Vec::new();
    let mut stories = StoryConfig::default();
    let mut order = None;
    let mut htmldate = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--set" => set = it.next().context("--set DIR")?.into(),
            "--orders" => orders = it.next().context("--orders N")?.parse()?,
            "--html" => html = true,
            "--regroup" => regroup = true,
            "--no-regroup" => regroup = false,
            "--verbose" | "-v" => verbose = true,
            "--json" => json = Some(it.next().context("--json FILE")?.into()),
            "--gazetteer" => gazetteer = it.next().context("--gazetteer FILE")?.into(),
            "--explain" => explain.push(it.next().context("--explain ID")?),
            "--order" => order = Some(it.next().context("--order SEED")?.parse()?),
            "--htmldate" => htmldate = Some(it.next().context("--htmldate WCXB_DIR")?.into()),
            "--threshold" => stories.threshold = it.next().context("--threshold X")?.parse()?,
            "--merge" => stories.merge_threshold = it.next().context("--merge X")?.parse()?,
            "--near" => {
                stories.near_duplicate_threshold = it.next().context("--near X")?.parse()?
            }
            s if s.starts_with('-') => bail!("unknown option {s}"),
            s => texts = Some(PathBuf::from(s)),
        }
    }
    Ok(Args {
        texts: texts.context("usage: stories-bench TEXTS_DIR [--set DIR] [--orders N] [--html] [--no-regroup] [--verbose] [--json FILE] [--gazetteer FILE] [--threshold X] [--merge X] [--near X] [--order SEED] [--explain ID|all|pairs]... [--htmldate WCXB_DIR]")?,
        set,
        orders,
        html,
        regroup,
        verbose,
        json,
        gazetteer,
        explain,
        stories,
        order,
        htmldate,
    })
}

fn fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
                'ñ' | 'Ñ' => 'n',
                'ç' | 'Ç' => 'c',
                'ß' => 's',
                c => c,
            };
            (c.is_alphanumeric() || c == ' ').then(|| c.to_lowercase().next().unwrap_or(c))
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A folded name without its leading titles ("pope paul vi" → "paul vi").
fn untitled(folded: &str) -> &str {
    let lx = lexicon::lexicon();
    let mut rest = folded;
    while let Some((first, tail)) = rest.split_once(' ') {
        if !lx.is_title(first) {
            break;
        }
        rest = tail;
    }
    rest
}

fn ids_in(cell: &str) -> Vec<String> {
    cell.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| {
            w.starts_with('D')
                && w.contains('-')
                && w[1..].chars().all(|c| c.is_ascii_digit() || c == '-')
        })
        .map(str::to_string)
        .collect()
}

fn parse_loose_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d %b %Y")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&format!("1 {s}"), "%d %b %Y").ok())
}

fn load_gold(set: &Path) -> Result<Gold> {
    let manifest = std::fs::read_to_string(set.join("manifest.tsv"))
        .with_context(|| format!("reading {}/manifest.tsv", set.display()))?;
    let mut rows = Vec::new();
    for line in manifest.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < 7 {
            continue;
        }
        rows.push(Row {
            id: c[0].to_string(),
            event: c[1].to_string(),
            lang: c[2].to_string(),
            published: NaiveDate::parse_from_str(c[3], "%Y-%m-%d").ok(),
            source: c[4].to_string(),
            url: c[5].to_string(),
            title: c[6].to_string(),
        });
    }
    let mut entities: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let ents = std::fs::read_to_string(set.join("entities.tsv")).unwrap_or_default();
    for line in ents.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() >= 4 {
            entities
                .entry(c[0].to_string())
                .or_default()
                .push((fold(c[1]), fold(c[3])));
        }
    }
    // Near-duplicate groups and singleton dates are tables in the set's README.
    let readme = std::fs::read_to_string(set.join("README.md")).unwrap_or_default();
    let (mut near_dup, mut xlang_dup) = (Vec::new(), Vec::new());
    let mut event_dates = HashMap::new();
    let mut section = "";
    for line in readme.lines() {
        if line.starts_with("**Near-duplicates") {
            section = "near";
        } else if line.starts_with("**Cross-language duplicates") {
            section = "xlang";
        } else if line.starts_with("**") {
            section = "";
        }
        if !line.starts_with("| D") {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let group = ids_in(cells.get(1).copied().unwrap_or(""));
        match section {
            "near" if group.len() > 1 => near_dup.push(group),
            "xlang" if group.len() > 1 => xlang_dup.push(group),
            _ => {}
        }
        let ev = cells.get(1).copied().unwrap_or("");
        if ev.len() <= 5 && !ev.contains('-') {
            if let Some(d) = cells.get(3).and_then(|c| parse_loose_date(c)) {
                event_dates.insert(ev.to_string(), d);
            }
        }
    }
    Ok(Gold {
        rows,
        entities,
        near_dup,
        xlang_dup,
        event_dates,
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The article as the fetcher would hand it over: plain text, or an HTML page with a title,
/// a canonical link and a published-time meta tag where the page shows a date.
fn raw_article(row: &Row, text: &str, html: bool, fetched_at: DateTime<Utc>) -> RawArticle {
    let (content_type, body) = if html {
        let mut lines = text.lines();
        let title = lines.next().unwrap_or("").trim().to_string();
        let mut b = String::from("<!doctype html><html><head>");
        b.push_str(&format!("<title>{}</title>", escape(&title)));
        b.push_str(&format!(
            "<link rel=\"canonical\" href=\"{}\">",
            escape(&row.url)
        ));
        if let Some(d) = row.published {
            b.push_str(&format!(
                "<meta property=\"article:published_time\" content=\"{d}T12:00:00Z\">"
            ));
        }
        b.push_str("</head><body><article>");
        b.push_str(&format!("<h1>{}</h1>", escape(&title)));
        for p in lines.map(str::trim).filter(|l| !l.is_empty()) {
            b.push_str(&format!("<p>{}</p>", escape(p)));
        }
        b.push_str("</article></body></html>");
        ("text/html", b)
    } else {
        ("text/plain", text.to_string())
    };
    RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: model::article_id(&row.url),
        url: row.url.clone(),
        source: SourceRef {
            kind: "feed".into(),
            name: row.source.clone(),
            origin: None,
        },
        fetched_at,
        content_type: content_type.into(),
        body,
        hints: model::EntryHints::default(),
        config_version: String::new(),
    }
}

/// What one run produced, by manifest id.
#[derive(Default)]
struct Outcome {
    story: HashMap<String, String>,
    published: HashMap<String, DateTime<Utc>>,
    entities: HashMap<String, Vec<(String, Vec<String>)>>,
    links: Vec<(String, String)>,
    titles: HashMap<String, String>,
    seconds: f64,
}

/// What the index published, as a reader of its topics sees it.
#[derive(Default)]
struct Published {
    /// Records in publication order; a later record of an id replaces an earlier one.
    records: Vec<EnrichedArticle>,
    /// Story id -> the story it was merged into.
    merged: HashMap<String, String>,
    /// Story id -> labelled ids of its articles.
    by_story: HashMap<String, Vec<String>>,
}

impl Published {
    /// Take in story events and re-published records of articles moved to another story.
    fn apply(
        &mut self,
        events: &[StoryEvent],
        moved: Vec<EnrichedArticle>,
        by_article: &HashMap<String, String>,
    ) {
        for e in events {
            if e.change == StoryChange::Merged {
                if let Some(into) = &e.merged_into {
                    self.merged.insert(e.story_id.clone(), into.clone());
                }
            }
        }
        for m in moved {
            if let (Some(st), Some(gid)) = (&m.story_id, by_article.get(&m.article_id)) {
                for members in self.by_story.values_mut() {
                    members.retain(|x| x != gid);
                }
                self.by_story
                    .entry(st.clone())
                    .or_default()
                    .push(gid.clone());
            }
            self.records.push(m);
        }
    }
}

/// How articles are fed to the index.
#[derive(Debug, Clone, Copy)]
struct Feed {
    /// As HTML pages rather than plain text.
    html: bool,
    /// Regroup where the input pauses (an hour without arrivals) and at its end.
    regroup: bool,
}

fn run(
    gold: &Gold,
    items: &[&Item],
    gazetteer: &Gazetteer,
    feed: Feed,
    explain: &[String],
    cfg: &StoryConfig,
    fetched: impl Fn(usize, &Item) -> DateTime<Utc>,
) -> Outcome {
    let mut enricher = Enricher::new(gazetteer.clone());
    let mut index = StoryIndex::new(cfg.clone());
    let mut out = Outcome::default();
    let mut by_article: HashMap<String, String> = HashMap::new();
    let mut state = Published::default();
    let start = Instant::now();
    let mut last: Option<DateTime<Utc>> = None;
    for (i, item) in items.iter().enumerate() {
        let row = &gold.rows[item.row];
        let at = fetched(i, item);
        if feed.regroup && last.is_some_and(|t| at - t > Duration::hours(1)) {
            let r = index.regroup();
            state.apply(&r.events, r.moved, &by_article);
        }
        last = Some(at);
        let raw = raw_article(row, &item.text, feed.html, at);
        by_article.insert(raw.article_id.clone(), row.id.clone());
        let clean = cleaner::clean(&raw);
        let Decision::Publish(a) = enricher.enrich(&clean) else {
            continue;
        };
        let why = explain.iter().any(|e| e == "all");
        if why {
            // Wrong joins: the article goes where another event already is.
            let stories = index.explain(&a);
            if let Some((sid, sim, _)) = stories.iter().find(|x| x.2) {
                let members = state.by_story.get(sid).cloned().unwrap_or_default();
                let other: Vec<&String> = members
                    .iter()
                    .filter(|m| {
                        gold.rows
                            .iter()
                            .any(|r| &r.id == *m && r.event != row.event)
                    })
                    .collect();
                if *sim >= cfg.threshold && !other.is_empty() {
                    println!(
                        "  wrong join {} ({}, {}) -> {sid} {sim:.3} [{}]",
                        row.id,
                        row.event,
                        a.published
                            .map_or("undated".to_string(), |d| d.date_naive().to_string()),
                        members.join(",")
                    );
                }
            }
        }
        if explain.contains(&row.id) {
            let names: Vec<String> = a
                .entities
                .iter()
                .map(|e| format!("{}({})", e.name, e.kind))
                .collect();
            println!(
                "explain {} [{}] entities: {}",
                row.id,
                row.event,
                names.join(", ")
            );
            let stories = index.explain(&a);
            let members = |sid: &str| -> String {
                state
                    .by_story
                    .get(sid)
                    .map(|v: &Vec<String>| v.join(","))
                    .unwrap_or_default()
            };
            for (sid, sim, window) in stories.iter().take(8) {
                println!(
                    "    {sim:.3} {} {sid} [{}]",
                    if *window { " " } else { "x" },
                    members(sid)
                );
            }
        }
        if let Assignment::Assigned {
            article,
            events,
            moved,
        } = index.assign(*a)
        {
            if let Some(st) = &article.story_id {
                state
                    .by_story
                    .entry(st.clone())
                    .or_default()
                    .push(row.id.clone());
            }
            state.records.push(*article);
            state.apply(&events, moved, &by_article);
        }
    }
    if feed.regroup {
        let r = index.regroup();
        state.apply(&r.events, r.moved, &by_article);
    }
    let Published {
        records: published,
        merged,
        by_story,
    } = state;
    out.seconds = start.elapsed().as_secs_f64();
    let resolve = |s: &str| {
        let mut s = s.to_string();
        for _ in 0..64 {
            match merged.get(&s) {
                Some(n) => s = n.clone(),
                None => break,
            }
        }
        s
    };
    if explain.iter().any(|e| e == "pairs") {
        // Stories left apart or joined, by their similarity: which merges the index saw.
        let events = |sid: &str| -> String {
            let evs: BTreeSet<&str> = by_story
                .iter()
                .filter(|(st, _)| resolve(st) == sid)
                .flat_map(|(_, ms)| ms.iter())
                .filter_map(|m| gold.rows.iter().find(|r| &r.id == m))
                .map(|r| r.event.as_str())
                .collect();
            evs.into_iter().collect::<Vec<_>>().join("+")
        };
        for (a, b, sim, why) in index.story_pairs(0.12) {
            println!(
                "  pair {sim:.3} {} {a} [{}] ~ {b} [{}]",
                if why.is_empty() { "merge" } else { why },
                events(&a),
                events(&b)
            );
        }
    }
    for a in published {
        let Some(id) = by_article.get(&a.article_id).cloned() else {
            continue;
        };
        // The latest record of an article and the merge events give its final story.
        let story = a
            .story_id
            .as_deref()
            .map(resolve)
            .unwrap_or_else(|| format!("none-{id}"));
        out.story.insert(id.clone(), story);
        if let Some(p) = a.published {
            out.published.insert(id.clone(), p);
        }
        let other = a
            .duplicate_of
            .clone()
            .or(a.near_duplicate_of.as_ref().map(|n| n.article_id.clone()));
        if let Some(o) = other.and_then(|o| by_article.get(&o).cloned()) {
            out.links.push((id.clone(), o));
        }
        out.entities.insert(
            id.clone(),
            a.entities
                .iter()
                .map(|e| {
                    (
                        e.name.clone(),
                        e.mentions.iter().map(|m| m.surface.clone()).collect(),
                    )
                })
                .collect(),
        );
        out.titles.insert(id, a.title.clone());
    }
    out
}

#[derive(Debug, Clone, Copy, Default)]
struct Prf {
    p: f64,
    r: f64,
    f: f64,
}

fn prf(p: f64, r: f64) -> Prf {
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    Prf { p, r, f }
}

fn bcubed(pred: &HashMap<String, String>, gold: &HashMap<String, String>) -> Prf {
    let ids: Vec<&String> = pred.keys().filter(|k| gold.contains_key(*k)).collect();
    if ids.is_empty() {
        return Prf::default();
    }
    let (mut p, mut r) = (0.0, 0.0);
    for i in &ids {
        let same_pred: Vec<&&String> = ids.iter().filter(|j| pred[**j] == pred[*i]).collect();
        let same_gold = ids.iter().filter(|j| gold[**j] == gold[*i]).count();
        let both = same_pred.iter().filter(|j| gold[***j] == gold[*i]).count() as f64;
        p += both / same_pred.len() as f64;
        r += both / same_gold as f64;
    }
    let n = ids.len() as f64;
    prf(p / n, r / n)
}

fn pairwise(pred: &HashMap<String, String>, gold: &HashMap<String, String>) -> Prf {
    let ids: Vec<&String> = pred.keys().filter(|k| gold.contains_key(*k)).collect();
    let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
    for (x, a) in ids.iter().enumerate() {
        for b in &ids[x + 1..] {
            match (pred[*a] == pred[*b], gold[*a] == gold[*b]) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fneg += 1.0,
                _ => {}
            }
        }
    }
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
    let r = if tp + fneg > 0.0 {
        tp / (tp + fneg)
    } else {
        1.0
    };
    prf(p, r)
}

fn pairs_of(groups: &[Vec<String>]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for g in groups {
        for (i, a) in g.iter().enumerate() {
            for b in &g[i + 1..] {
                out.insert(if a < b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                });
            }
        }
    }
    out
}

/// Links closed transitively into groups.
fn link_groups(links: &[(String, String)]) -> Vec<Vec<String>> {
    let mut group: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for (a, b) in links {
        match (group.get(a).copied(), group.get(b).copied()) {
            (Some(x), Some(y)) if x != y => {
                let moved: Vec<String> = groups[y].iter().cloned().collect();
                for m in moved {
                    group.insert(m.clone(), x);
                    groups[x].insert(m);
                }
                groups[y].clear();
            }
            (Some(x), None) => {
                groups[x].insert(b.clone());
                group.insert(b.clone(), x);
            }
            (None, Some(y)) => {
                groups[y].insert(a.clone());
                group.insert(a.clone(), y);
            }
            (None, None) => {
                groups.push([a.clone(), b.clone()].into_iter().collect());
                group.insert(a.clone(), groups.len() - 1);
                group.insert(b.clone(), groups.len() - 1);
            }
            _ => {}
        }
    }
    groups
        .into_iter()
        .filter(|g| g.len() > 1)
        .map(|g| g.into_iter().collect())
        .collect()
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn shuffled(items: &[Item], seed: u64) -> Vec<&Item> {
    let mut v: Vec<&Item> = items.iter().collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
    for i in (1..v.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap_or_default())
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let gold = load_gold(&args.set)?;
    let gazetteer = Gazetteer::load(&args.gazetteer)?;
    // Undated articles arrive with their event: at its earliest known date.
    let mut event_first: HashMap<&str, NaiveDate> = HashMap::new();
    for r in &gold.rows {
        if let Some(d) = r.published {
            let e = event_first.entry(r.event.as_str()).or_insert(d);
            *e = (*e).min(d);
        }
    }
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for (i, r) in gold.rows.iter().enumerate() {
        let path = args.texts.join(format!("{}.txt", r.id));
        match std::fs::read_to_string(&path) {
            Ok(t) if !t.trim().is_empty() => items.push(Item {
                row: i,
                text: t,
                arrival: r
                    .published
                    .or_else(|| event_first.get(r.event.as_str()).copied())
                    .or_else(|| gold.event_dates.get(&r.event).copied()),
            }),
            _ => missing.push(r.id.clone()),
        }
    }
    let gold_event: HashMap<String, String> = items
        .iter()
        .map(|it| {
            let r = &gold.rows[it.row];
            (r.id.clone(), r.event.clone())
        })
        .collect();
    println!(
        "stories-dev: {} articles with text, {} missing{}; mode {}",
        items.len(),
        missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(" ({})", missing.join(" "))
        },
        if args.html { "html" } else { "plain text" }
    );
    if let Some(wcxb) = &args.htmldate {
        return compare_dates(wcxb, &gold, &items, args.verbose);
    }
    // Stream order: by date, each fetched the evening of the day it arrives.
    let mut stream: Vec<&Item> = items.iter().collect();
    stream.sort_by(|a, b| {
        (a.arrival.is_none(), a.arrival, &gold.rows[a.row].id).cmp(&(
            b.arrival.is_none(),
            b.arrival,
            &gold.rows[b.row].id,
        ))
    });
    let backfill = Utc
        .with_ymd_and_hms(2025, 12, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let s = match args.order {
        Some(seed) => {
            println!("(detail below is for shuffled order {seed}, a backfill)");
            run(
                &gold,
                &shuffled(&items, seed),
                &gazetteer,
                Feed {
                    html: args.html,
                    regroup: args.regroup,
                },
                &args.explain,
                &args.stories,
                |i, _| backfill + Duration::seconds(i as i64),
            )
        }
        None => run(
            &gold,
            &stream,
            &gazetteer,
            Feed {
                html: args.html,
                regroup: args.regroup,
            },
            &args.explain,
            &args.stories,
            |i, it| {
                it.arrival
                    .map_or(backfill, |d| noon(d) + Duration::hours(6))
                    + Duration::seconds(i as i64)
            },
        ),
    };
    let b3 = bcubed(&s.story, &gold_event);
    let pw = pairwise(&s.story, &gold_event);
    println!(
        "stream order: B-cubed P {:.3} R {:.3} F1 {:.3}; pairwise P {:.3} R {:.3} F1 {:.3}; {} stories for {} events; {:.0} articles/s",
        b3.p,
        b3.r,
        b3.f,
        pw.p,
        pw.r,
        pw.f,
        s.story.values().collect::<BTreeSet<_>>().len(),
        gold_event.values().collect::<BTreeSet<_>>().len(),
        items.len() as f64 / s.seconds.max(1e-9)
    );
    // Events split over stories, stories holding several events.
    let mut by_event: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    let mut by_story: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, story) in &s.story {
        let ev = gold_event[id].as_str();
        by_event
            .entry(ev)
            .or_default()
            .entry(story.as_str())
            .or_default()
            .push(id.as_str());
        by_story.entry(story.as_str()).or_default().insert(ev);
    }
    let mut split = Vec::new();
    for (ev, stories) in &by_event {
        if stories.len() > 1 {
            let mut parts: Vec<String> = stories
                .values()
                .map(|ids| {
                    let mut ids = ids.clone();
                    ids.sort();
                    ids.join(",")
                })
                .collect();
            parts.sort();
            split.push(format!("{ev}: {}", parts.join(" | ")));
        }
    }
    let merged: Vec<String> = by_story
        .iter()
        .filter(|(_, evs)| evs.len() > 1)
        .map(|(st, evs)| {
            format!(
                "{st}: {}",
                evs.iter().copied().collect::<Vec<_>>().join("+")
            )
        })
        .collect();
    println!("  split events ({}):", split.len());
    for l in &split {
        println!("    {l}");
    }
    println!("  merged events ({}):", merged.len());
    for l in &merged {
        println!("    {l}");
    }
    // Dates.
    let (mut carried, mut dated, mut same_day, mut near_day, mut extra) = (0, 0, 0, 0, 0);
    let mut wrong = Vec::new();
    for it in &items {
        let r = &gold.rows[it.row];
        let got = s.published.get(&r.id);
        match (r.published, got) {
            (Some(want), Some(g)) => {
                carried += 1;
                dated += 1;
                let d = g.date_naive();
                if d == want {
                    same_day += 1;
                } else {
                    wrong.push(format!("{} {} (want {})", r.id, d, want));
                }
                if (d - want).num_days().abs() <= 1 {
                    near_day += 1;
                }
            }
            (Some(want), None) => {
                carried += 1;
                wrong.push(format!("{} none (want {})", r.id, want));
            }
            (None, Some(_)) => extra += 1,
            (None, None) => {}
        }
    }
    println!(
        "dates: {dated}/{carried} dated articles get a date, {same_day} the same day, {near_day} within a day; {extra} of {} undated get one",
        items.len() - carried
    );
    if args.verbose {
        for w in &wrong {
            println!("    {w}");
        }
    }
    // Entities.
    let (mut tp_pred, mut n_pred, mut tp_gold, mut n_gold) = (0usize, 0usize, 0usize, 0usize);
    let mut misses: Vec<String> = Vec::new();
    // The texts are often cut short: a listed entity none of whose surfaces occurs in the text
    // cannot be found, so recall is also given over the entities present in the text.
    let folded_text: HashMap<&str, String> = items
        .iter()
        .map(|it| {
            (
                gold.rows[it.row].id.as_str(),
                format!(" {} ", fold(&it.text)),
            )
        })
        .collect();
    let (mut n_present, mut tp_present) = (0usize, 0usize);
    for (id, gold_rows) in &gold.entities {
        let Some(found) = s.entities.get(id) else {
            continue;
        };
        let canon: BTreeSet<&str> = gold_rows.iter().map(|(_, c)| c.as_str()).collect();
        let mut got: BTreeSet<&str> = BTreeSet::new();
        for (name, surfaces) in found {
            let keys: Vec<String> = std::iter::once(fold(name))
                .chain(surfaces.iter().map(|s| fold(s)))
                .collect();
            // Titles are never part of a name (issue 13), but the list writes some in
            // ("Pope Paul VI"): a name matches a listed one without its leading titles.
            let hit = gold_rows.iter().find(|(surf, c)| {
                keys.iter()
                    .any(|k| k == surf || k == c || k == untitled(surf) || k == untitled(c))
            });
            n_pred += 1;
            match hit {
                Some((_, c)) => {
                    tp_pred += 1;
                    got.insert(c.as_str());
                }
                None => misses.push(format!("{id} +{name}")),
            }
        }
        n_gold += canon.len();
        tp_gold += got.len();
        let text = folded_text.get(id.as_str()).map_or("", |t| t.as_str());
        let present = |c: &str| {
            gold_rows
                .iter()
                .filter(|(_, k)| k == c)
                .flat_map(|(surf, k)| [surf, k])
                .any(|w| !w.is_empty() && text.contains(&format!(" {w} ")))
        };
        for c in &canon {
            if present(c) {
                n_present += 1;
                if got.contains(c) {
                    tp_present += 1;
                }
            }
        }
        for c in canon.difference(&got) {
            let mark = if present(c) { "" } else { " (not in text)" };
            misses.push(format!("{id} -{c}{mark}"));
        }
    }
    let ent = prf(
        tp_pred as f64 / n_pred.max(1) as f64,
        tp_gold as f64 / n_gold.max(1) as f64,
    );
    println!(
        "entities ({} articles): P {:.3} R {:.3} F1 {:.3} ({tp_pred}/{n_pred} found are listed, {tp_gold}/{n_gold} listed are found)",
        gold.entities.len(),
        ent.p,
        ent.r,
        ent.f
    );
    println!(
        "  recall over listed entities present in the text: {:.3} ({tp_present}/{n_present})",
        tp_present as f64 / n_present.max(1) as f64
    );
    if args.verbose {
        misses.sort();
        println!("    {}", misses.join("; "));
    }
    // Near-duplicates.
    let present: BTreeSet<&String> = s.story.keys().collect();
    let keep = |groups: &[Vec<String>]| -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().filter(|x| present.contains(x)).cloned().collect())
            .collect()
    };
    let near = pairs_of(&keep(&gold.near_dup));
    let xlang = pairs_of(&keep(&gold.xlang_dup));
    let pred = pairs_of(&link_groups(&s.links));
    let right = pred
        .iter()
        .filter(|p| near.contains(*p) || xlang.contains(*p))
        .count();
    let found_near = near.iter().filter(|p| pred.contains(*p)).count();
    let found_xlang = xlang.iter().filter(|p| pred.contains(*p)).count();
    println!(
        "near-duplicates: P {:.3} ({right}/{} pairs marked are labelled); R same-language {:.3} ({found_near}/{}), cross-language {:.3} ({found_xlang}/{})",
        right as f64 / pred.len().max(1) as f64,
        pred.len(),
        found_near as f64 / near.len().max(1) as f64,
        near.len(),
        found_xlang as f64 / xlang.len().max(1) as f64,
        xlang.len()
    );
    if args.verbose {
        let wrong: Vec<String> = pred
            .iter()
            .filter(|p| !near.contains(*p) && !xlang.contains(*p))
            .map(|(a, b)| format!("{a}~{b}"))
            .collect();
        println!("    marked, not labelled: {}", wrong.join(" "));
        let missed: Vec<String> = near
            .iter()
            .filter(|p| !pred.contains(*p))
            .map(|(a, b)| format!("{a}~{b}"))
            .collect();
        println!("    labelled, not marked: {}", missed.join(" "));
        println!("  stories:");
        let mut stories: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, st) in &s.story {
            stories.entry(st.as_str()).or_default().push(id.as_str());
        }
        let mut list: Vec<(&str, Vec<&str>)> = stories.into_iter().collect();
        list.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for (st, mut ids) in list {
            ids.sort();
            let evs: BTreeSet<&str> = ids.iter().map(|i| gold_event[*i].as_str()).collect();
            println!(
                "    {st} [{}] {}",
                evs.into_iter().collect::<Vec<_>>().join("+"),
                ids.join(" ")
            );
        }
        println!("  titles that differ from the headline:");
        for it in &items {
            let r = &gold.rows[it.row];
            if let Some(t) = s.titles.get(&r.id) {
                if fold(t) != fold(&r.title) {
                    println!("    {} {:?} (headline {:?}, {})", r.id, t, r.title, r.lang);
                }
            }
        }
    }
    // Shuffled orders: a backfill, every article fetched at the same time.
    let mut f1s = Vec::new();
    for seed in 1..=args.orders as u64 {
        let order = shuffled(&items, seed);
        let o = run(
            &gold,
            &order,
            &gazetteer,
            Feed {
                html: args.html,
                regroup: args.regroup,
            },
            &[],
            &args.stories,
            |i, _| backfill + Duration::seconds(i as i64),
        );
        let b = bcubed(&o.story, &gold_event);
        f1s.push((b.f, b.p, b.r, seed));
    }
    if !f1s.is_empty() {
        f1s.sort_by(|a, b| a.0.total_cmp(&b.0));
        let med = f1s[f1s.len() / 2];
        let (lo, hi) = (f1s[0], f1s[f1s.len() - 1]);
        println!(
            "{} shuffled orders: B-cubed F1 min {:.3} (seed {}, P {:.3} R {:.3}) median {:.3} (P {:.3} R {:.3}) max {:.3}; spread {:.3}",
            f1s.len(),
            lo.0,
            lo.3,
            lo.1,
            lo.2,
            med.0,
            med.1,
            med.2,
            hi.0,
            hi.0 - lo.0
        );
    }
    if let Some(path) = &args.json {
        let j = serde_json::json!({
            "articles": items.len(),
            "missing": missing,
            "mode": if args.html { "html" } else { "text" },
            "stream": {"bcubed": [b3.p, b3.r, b3.f], "pairwise": [pw.p, pw.r, pw.f],
                        "split": split, "merged": merged},
            "dates": {"dated": dated, "carried": carried, "same_day": same_day, "undated_given": extra},
            "entities": [ent.p, ent.r, ent.f],
            "near_duplicates": {"marked": pred.len(), "right": right, "near": [found_near, near.len()],
                                 "xlang": [found_xlang, xlang.len()]},
            "orders": f1s.iter().map(|x| serde_json::json!({"seed": x.3, "f1": x.0, "p": x.1, "r": x.2})).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&j)?)?;
    }
    Ok(())
}

/// Same-day publication-date accuracy of the cleaner and of Python htmldate (pinned, run by
/// `bench/stories/py/htmldate.sh`) on the WCXB-dev pages whose ground truth has a date, and on the
/// stories-dev articles with a manifest date, as HTML pages without date metadata (title,
/// canonical link, paragraphs): the date has to come from the URL or the text.
fn compare_dates(wcxb: &Path, gold: &Gold, items: &[Item], verbose: bool) -> Result<()> {
    use std::io::{BufRead, Write};
    let fetched = Utc::now();
    // (set, id, url, gold date, html or gzip path)
    type DatePage<'s> = (&'s str, String, String, String, Result<String, PathBuf>);
    let mut pages: Vec<DatePage<'_>> = Vec::new();
    let mut ids: Vec<String> = std::fs::read_dir(wcxb.join("ground-truth"))
        .with_context(|| format!("reading {}/ground-truth", wcxb.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(String::from)
        })
        .collect();
    ids.sort();
    for id in ids {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(
            wcxb.join(format!("ground-truth/{id}.json")),
        )?)?;
        let date = v["ground_truth"]["publish_date"].as_str().unwrap_or("");
        if date.len() < 10 {
            continue;
        }
        let url = v["url"].as_str().unwrap_or("").to_string();
        let path = wcxb.join("html").join(format!("{id}.html.gz"));
        pages.push(("wcxb-dev", id, url, date[..10].to_string(), Err(path)));
    }
    for it in items {
        let r = &gold.rows[it.row];
        let Some(d) = r.published else { continue };
        let undated = Row {
            published: None,
            id: r.id.clone(),
            event: r.event.clone(),
            lang: r.lang.clone(),
            url: r.url.clone(),
            title: r.title.clone(),
            source: r.source.clone(),
        };
        let raw = raw_article(&undated, &it.text, true, fetched);
        pages.push((
            "stories-dev",
            r.id.clone(),
            r.url.clone(),
            d.to_string(),
            Ok(raw.body),
        ));
    }
    // Python htmldate, one process for every page.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("py/htmldate.sh");
    let mut child = std::process::Command::new("bash")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", script.display()))?;
    let mut stdin = child.stdin.take().context("htmldate stdin")?;
    let requests: Vec<String> = pages
        .iter()
        .enumerate()
        .map(|(i, (_, _, url, _, page))| {
            let mut req = serde_json::json!({"id": i.to_string(), "url": url});
            match page {
                Ok(html) => req["html"] = serde_json::Value::from(html.as_str()),
                Err(path) => req["path"] = serde_json::Value::from(path.display().to_string()),
            }
            req.to_string()
        })
        .collect();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for r in requests {
            writeln!(stdin, "{r}")?;
        }
        Ok(())
    });
    let mut theirs: HashMap<usize, Option<String>> = HashMap::new();
    let mut version = String::new();
    for line in std::io::BufReader::new(child.stdout.take().context("htmldate stdout")?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if let Some(ver) = v["version"].as_str() {
            version = ver.to_string();
            continue;
        }
        let i: usize = v["id"].as_str().unwrap_or("").parse()?;
        theirs.insert(i, v["date"].as_str().map(|d| d.chars().take(10).collect()));
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("htmldate writer panicked"))??;
    child.wait()?;
    // The cleaner, on the same pages.
    let mut tally: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for (i, (set, id, url, want, page)) in pages.iter().enumerate() {
        let html = match page {
            Ok(h) => h.clone(),
            Err(path) => {
                let out = std::process::Command::new("gzip")
                    .arg("-dc")
                    .arg(path)
                    .output()
                    .with_context(|| format!("gzip -dc {}", path.display()))?;
                String::from_utf8_lossy(&out.stdout).into_owned()
            }
        };
        let raw = RawArticle {
            schema: RawArticle::schema_tag(),
            article_id: model::article_id(url),
            url: url.clone(),
            source: SourceRef {
                kind: "feed".into(),
                name: id.clone(),
                origin: None,
            },
            fetched_at: fetched,
            content_type: "text/html".into(),
            body: html,
            hints: model::EntryHints::default(),
            config_version: String::new(),
        };
        let ours = cleaner::clean(&raw)
            .published
            .map(|d| d.date_naive().to_string());
        let t = tally.entry(set).or_default();
        t[0] += 1;
        t[1] += usize::from(ours.as_deref() == Some(want.as_str()));
        t[2] += usize::from(ours.is_some());
        let th = theirs.get(&i).cloned().flatten();
        t[3] += usize::from(th.as_deref() == Some(want.as_str()));
        t[4] += usize::from(th.is_some());
        if verbose && *set == "stories-dev" && ours != th {
            println!(
                "    {id}: newsflow {}, htmldate {} (want {want})",
                ours.as_deref().unwrap_or("none"),
                th.as_deref().unwrap_or("none")
            );
        }
    }
    println!("publication date, same day, pages with a gold date (htmldate {version}):");
    for (set, [n, ours, ours_any, th, th_any]) in &tally {
        let f = |x: usize| x as f64 / (*n).max(1) as f64;
        println!(
            "  {set}: {n} pages; newsflow cleaner {:.3} ({ours} right, {ours_any} dated); htmldate {:.3} ({th} right, {th_any} dated)",
            f(*ours),
            f(*th)
        );
    }
    Ok(())
}
