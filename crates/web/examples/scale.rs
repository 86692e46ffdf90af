//! Scale bench of the web view: 10,000 stories and 100,000 articles (sizes from the command
//! line), then the stories page, a filtered stories page, a story page and an article page timed
//! over HTTP on 127.0.0.1, and the view's memory reported.
//!
//! `cargo run --release -p web --example scale -- [STORIES] [ARTICLES_PER_STORY]`

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use model::{
    ClaimRow, ClaimValue, EnrichedArticle, EntityRef, Mention, StoryChange, StoryEntity, StoryEvent,
};
use tokio_util::sync::CancellationToken;

const LANGS: [&str; 6] = ["en", "es", "de", "fr", "pt", "it"];
const NAMES: [&str; 8] = [
    "Nayib Bukele",
    "Marco Rubio",
    "Caracas",
    "El Salvador",
    "Venezuela",
    "United Nations",
    "Harbour Authority",
    "Papal Conclave",
];

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000 + s, 0).unwrap_or_default()
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn article(story: usize, n: usize, t: i64) -> EnrichedArticle {
    let id = format!("{story:08x}{n:04x}");
    let lang = LANGS[(story + n) % LANGS.len()];
    let mut text = format!("Report {n} on story {story}\n\n");
    let mut entities = Vec::new();
    for k in 0..4 {
        let name = NAMES[(story + k) % NAMES.len()];
        let start = text.len();
        text.push_str(name);
        entities.push(EntityRef {
            id: format!("e/{}", name.to_lowercase().replace(' ', "-")),
            name: name.into(),
            kind: "person".into(),
            mentions: vec![Mention {
                start,
                end: start + name.len(),
                surface: name.into(),
            }],
        });
        text.push_str(" said officials had confirmed the figures on Friday, and that nearly 250 people were affected. ");
    }
    // About 2 KB of text per article.
    while text.len() < 2000 {
        text.push_str("The statement was repeated by several outlets during the day. ");
    }
    // Built from JSON, so that fields newer producers add (with serde defaults) need no edit.
    let v = serde_json::json!({
        "schema": "newsflow.enriched/1",
        "article_id": id,
        "revision": 1,
        "content_hash": format!("h{id}"),
        "url": format!("https://news{}.example/{id}", n % 20),
        "source": {"kind": "feed", "name": format!("outlet-{}", (story + n) % 40)},
        "title": format!("Report {n} on story {story}"),
        "text": text,
        "published": (!n.is_multiple_of(7)).then(|| at(t)),
        "language": {"code": lang, "confidence": 0.9},
        "entities": entities,
        "outcome": "ok",
        "fetched_at": at(t),
        "enriched_at": at(t),
        "story_id": format!("story-{story:08x}"),
        "relevance": [{"tracked": "exchange", "score": 0.7, "relevant": story.is_multiple_of(3)}],
    });
    serde_json::from_value(v).expect("bench article")
}

fn event(story: usize, ids: Vec<String>, t: i64) -> StoryEvent {
    StoryEvent {
        schema: "newsflow.story/1".into(),
        story_id: format!("story-{story:08x}"),
        change: StoryChange::Updated,
        version: ids.len() as u32,
        title: format!("Story number {story} about {}", NAMES[story % NAMES.len()]),
        article_id: ids.last().cloned().unwrap_or_default(),
        article_count: ids.len() as u32,
        sources: (0..5)
            .map(|k| format!("outlet-{}", (story + k) % 40))
            .collect(),
        top_entities: (0..4)
            .map(|k| StoryEntity {
                id: format!("e/{k}"),
                name: NAMES[(story + k) % NAMES.len()].into(),
                articles: 3,
            })
            .collect(),
        claims: vec![serde_json::from_value::<ClaimRow>(serde_json::json!({
            "kind": "count",
            "subject": "people",
            "agree": false,
            "values": [
                ClaimValue {
                    value: 252.0,
                    hedges: vec![],
                    article_ids: ids.iter().take(3).cloned().collect(),
                    sources: vec!["outlet-1".into()],
                },
                ClaimValue {
                    value: 250.0,
                    hedges: vec!["nearly".into()],
                    article_ids: ids.iter().skip(3).take(2).cloned().collect(),
                    sources: vec!["outlet-2".into()],
                },
            ],
        }))
        .expect("bench claims row")],
        article_ids: ids,
        merged_into: None,
        merged_from: vec![],
        related: vec![format!("story-{:08x}", story + 1)],
        first_seen: at(t - 3600),
        last_seen: at(t),
    }
}

async fn time_get(client: &reqwest::Client, url: &str, runs: usize) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let r = client.get(url).send().await.expect("get");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        size = r.bytes().await.expect("body").len();
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() - 1], size)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stories: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let per_story: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let rss0 = rss_kib();
    let shared = web::Shared::new(web::Limits::default());
    let built = Instant::now();
    let mut t = 0i64;
    for s in 0..stories {
        let mut ids = Vec::new();
        for n in 0..per_story {
            t += 1;
            let a = article(s, n, t);
            ids.push(a.article_id.clone());
            let bytes = serde_json::to_vec(&a).map(|v| v.len()).unwrap_or(0);
            shared.apply_article(a, bytes);
        }
        shared.apply_story(event(s, ids, t));
    }
    let build = built.elapsed();
    let rss1 = rss_kib();
    let stats = shared.read().stats();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let stop = CancellationToken::new();
    let server = tokio::spawn(web::serve(listener, shared.clone(), stop.clone()));
    let client = reqwest::Client::new();
    let mid = format!("story-{:08x}", stories / 2);
    let art = format!("{:08x}{:04x}", stories / 2, 1);
    let runs = 30;
    println!(
        "web view scale bench: {} stories, {} articles held ({} and {} left for the caps), built in {:.1} s",
        stats.stories,
        stats.articles,
        stats.evicted_stories,
        stats.evicted_articles,
        build.as_secs_f64()
    );
    println!(
        "memory: view estimate {:.0} MiB (article records {:.0} MiB); process RSS {:.0} MiB -> {:.0} MiB (+{:.0} MiB)",
        stats.estimated_bytes as f64 / 1048576.0,
        stats.article_bytes as f64 / 1048576.0,
        rss0 as f64 / 1024.0,
        rss1 as f64 / 1024.0,
        (rss1.saturating_sub(rss0)) as f64 / 1024.0
    );
    println!("| request | median ms | max ms | bytes |\n|---|---|---|---|");
    let mut worst_list = Duration::ZERO;
    let mut worst_story = Duration::ZERO;
    for (label, path, is_list) in [
        ("stories page", "/".to_string(), true),
        ("stories page 100", "/?page=100".to_string(), true),
        (
            "stories filtered (words+lang+tracked)",
            "/?q=bukele&lang=es&tracked=exchange".to_string(),
            true,
        ),
        ("stories filtered, no match", "/?q=zzzz".to_string(), true),
        ("/api/stories", "/api/stories".to_string(), true),
        ("story page", format!("/stories/{mid}"), false),
        ("/api/stories/{id}", format!("/api/stories/{mid}"), false),
        ("article page", format!("/articles/{art}"), false),
    ] {
        let (median, max, size) = time_get(&client, &format!("{base}{path}"), runs).await;
        if is_list {
            worst_list = worst_list.max(median);
        } else {
            worst_story = worst_story.max(median);
        }
        println!(
            "| {label} | {:.2} | {:.2} | {size} |",
            median.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    let ok = worst_list < Duration::from_millis(100) && worst_story < Duration::from_millis(50);
    println!(
        "targets (median): stories pages < 100 ms: {:.1} ms, story/article pages < 50 ms: {:.1} ms -> {}",
        worst_list.as_secs_f64() * 1e3,
        worst_story.as_secs_f64() * 1e3,
        if ok { "met" } else { "MISSED" }
    );
    stop.cancel();
    let _ = server.await;
    if !ok {
        std::process::exit(1);
    }
}
