//! The web view end to end over a real broker and real HTTP, run in this process through the
//! library: the whole pipeline over the seeds, the
//! demo feed and an inbox article carrying markup serves the view; two web view instances
//! beside it rebuild the same view from the topics and follow new articles live; every API
//! answer matches docs/openapi.yaml.

mod common;

#[path = "../../web/tests/support/openapi.rs"]
mod openapi;

use std::time::Duration;

use common::{free_port, get_json, scratch, seed_id, write_config, InProcess};
use serde_json::Value;

const HOSTILE: &str = "Markup <script>alert(1)</script> in a headline\n\n\
Officials in El Salvador said <img src=x onerror=alert(2)> that Nayib Bukele met envoys; \
see <a href=\"javascript:alert(3)\">the statement</a> and javascript:alert(4) for details. \
The prisoner exchange with Venezuela was confirmed by officials in Caracas on Friday.\n";

async fn get_text(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Poll `url` until `done` holds for its JSON, or panic after `deadline`.
async fn until(
    client: &reqwest::Client,
    url: &str,
    deadline: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let end = std::time::Instant::now() + deadline;
    loop {
        let v = get_json(client, url).await;
        if let Some(v) = &v {
            if done(v) {
                return v.clone();
            }
        }
        assert!(
            std::time::Instant::now() < end,
            "timed out waiting on {url}: {v:#?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Offsets `group` has committed on partitions 0–2 of `topic`.
fn committed(brokers: &str, group: &str, topic: &str) -> Vec<rdkafka::Offset> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .expect("consumer");
    let mut tpl = rdkafka::TopicPartitionList::new();
    for p in 0..3 {
        tpl.add_partition(topic, p);
    }
    c.committed_offsets(tpl, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("committed offsets of {group} on {topic}: {e}"))
        .elements()
        .iter()
        .map(|e| e.offset())
        .collect()
}

/// The largest story: the seeds' prisoner exchange (000–003 and demo reports).
fn seed_story(page: &Value) -> Option<Value> {
    page["stories"]
        .as_array()?
        .iter()
        .max_by_key(|s| s["article_count"].as_u64())
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_and_web_instances_serve_the_view_from_the_topics_and_follow_live() {
    let broker = testkit::broker().await;
    let dir = scratch("web");
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    std::fs::write(inbox.join("hostile.txt"), HOSTILE).expect("hostile");
    let demo_port = free_port();
    let demo = format!("http://127.0.0.1:{demo_port}/feed.xml");
    let extra = format!(
        "[demo_feed]\nenabled = true\nlisten = \"127.0.0.1:{demo_port}\"\ninterval_secs = 4\ndir = \"{}\"\n\n\
[[fetcher.dirs]]\nkind = \"inbox\"\nname = \"inbox\"\npath = \"{}\"\nrescan_secs = 1\n",
        common::repo().join("data/demo").display(),
        inbox.display()
    );
    let (config, prefix) = write_config(&dir, &broker.brokers(), &[demo], &extra);
    let web_run = format!("127.0.0.1:{}", free_port());
    let listen = web_run.clone();
    let run = InProcess::start_with(&config, |c| c.web.listen = listen, newsflow::run);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let api = openapi::Api::load();
    let base = format!("http://{web_run}");

    // `run` serves the view: the seed story with its four seed articles and a demo article.
    let hostile_id = model::article_id(&model::urn_for_file("inbox", "hostile.txt"));
    let page = until(
        &client,
        &format!("{base}/api/stories?per_page=200"),
        Duration::from_secs(120),
        |v| seed_story(v).is_some_and(|s| s["article_count"].as_u64() >= Some(5)),
    )
    .await;
    api.check("/api/stories", 200, &page);
    let story = seed_story(&page).expect("seed story");
    let story_id = story["story_id"].as_str().expect("id").to_string();
    let detail = until(
        &client,
        &format!("{base}/api/stories/{story_id}"),
        Duration::from_secs(60),
        |v| {
            let ids: Vec<&str> = v["articles"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["article_id"].as_str()).collect())
                .unwrap_or_default();
            [
                "000_d369b0808f76e2a4.txt",
                "001_ce766de09f4ef673.txt",
                "002_abdd227f1209601f.txt",
                "003_e15bb043b1b33ed5.txt",
            ]
            .iter()
            .all(|f| ids.contains(&seed_id(f).as_str()))
                && v["articles"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["source"] == "feed0"))
        },
    )
    .await;
    api.check("/api/stories/{id}", 200, &detail);
    // The deportee counts: the hedged "nearly 250" agrees with 252.
    let venezuelans = detail["claims"]
        .as_array()
        .and_then(|rows| {
            rows.iter().find(|r| {
                let has = |x: f64, hedged: bool| {
                    r["values"].as_array().is_some_and(|v| {
                        v.iter().any(|c| {
                            c["value"].as_f64() == Some(x)
                                && (!hedged
                                    || c["hedges"].as_array().is_some_and(|h| !h.is_empty()))
                        })
                    })
                };
                // The subject's wording is the enricher's ("venezuelans", "venezuela").
                has(252.0, false) && has(250.0, true)
            })
        })
        .unwrap_or_else(|| {
            panic!(
                "no claims row with 252 and a hedged 250: {:#}",
                detail["claims"]
            )
        });
    assert_eq!(venezuelans["agree"], true, "{venezuelans:#}");
    let (status, html) = get_text(&client, &format!("{base}/stories/{story_id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h2>Timeline</h2>") && html.contains("<h2>Claims</h2>"));

    // Seed 002: "Baukele" is highlighted as Nayib Bukele.
    let a002 = seed_id("002_abdd227f1209601f.txt");
    let art = get_json(&client, &format!("{base}/api/articles/{a002}"))
        .await
        .expect("seed 002");
    api.check("/api/articles/{id}", 200, &art);
    let (_, html) = get_text(&client, &format!("{base}/articles/{a002}")).await;
    assert!(
        html.contains("data-entity=\"person/nayib-bukele\" title=\"Nayib Bukele (person)\">Baukele<span class=\"canon\"> → Nayib Bukele</span></mark>"),
        "Baukele not highlighted as Nayib Bukele"
    );

    // The inbox article with markup renders inert.
    let hostile = until(
        &client,
        &format!("{base}/api/articles/{hostile_id}"),
        Duration::from_secs(60),
        |_| true,
    )
    .await;
    api.check("/api/articles/{id}", 200, &hostile);
    let (_, html) = get_text(&client, &format!("{base}/articles/{hostile_id}")).await;
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(!html.contains("<img") && !html.contains("href=\"javascript"));

    let feeds = get_json(&client, &format!("{base}/api/feeds"))
        .await
        .expect("feeds");
    api.check("/api/feeds", 200, &feeds);
    assert_eq!(feeds["feeds"][0]["name"], "feed0");

    // Two `newsflow web` instances beside the pipeline rebuild the same view from the topics.
    let web_a = format!("127.0.0.1:{}", free_port());
    let web_b = format!("127.0.0.1:{}", free_port());
    let (la, lb) = (web_a.clone(), web_b.clone());
    let a = InProcess::start_with(&config, |c| c.web.listen = la, newsflow::web::run);
    let b = InProcess::start_with(&config, |c| c.web.listen = lb, newsflow::web::run);
    for w in [&web_a, &web_b] {
        // Ready once rebuilt from the topics.
        let end = std::time::Instant::now() + Duration::from_secs(60);
        let ready = |url: String| {
            let c = client.clone();
            async move {
                c.get(url)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        };
        while ready(format!("http://{w}/readyz")).await != 200 {
            assert!(std::time::Instant::now() < end, "{w} never ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        until(
            &client,
            &format!("http://{w}/api/stories/{story_id}"),
            Duration::from_secs(60),
            |v| {
                v["articles"].as_array().map(Vec::len)
                    >= detail["articles"].as_array().map(Vec::len)
            },
        )
        .await;
        until(
            &client,
            &format!("http://{w}/api/articles/{a002}"),
            Duration::from_secs(30),
            |_| true,
        )
        .await;
    }

    // Live: a demo article published while the instances run appears on each without a restart,
    // announced over server-sent events.
    let mut events = client
        .get(format!("http://{web_a}/api/events"))
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .expect("events");
    let known = detail["articles"].as_array().map(Vec::len).unwrap_or(0);
    let mut seen = String::new();
    let new_article = tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            let chunk = events
                .chunk()
                .await
                .expect("event chunk")
                .expect("stream open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
            for line in seen.lines().filter_map(|l| l.strip_prefix("data: ")) {
                let Ok(c) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                if c["kind"] == "article" && c["story_id"] == story_id.as_str() {
                    return c["id"].as_str().unwrap_or_default().to_string();
                }
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no live article event; saw {seen}"));
    let later = get_json(&client, &format!("http://{web_a}/api/stories/{story_id}"))
        .await
        .expect("story");
    assert!(
        later["articles"].as_array().is_some_and(
            |a| a.len() > known || a.iter().any(|x| x["article_id"] == new_article.as_str())
        ),
        "the live article is on the story"
    );
    for w in [&web_b, &web_run] {
        until(
            &client,
            &format!("http://{w}/api/articles/{new_article}"),
            Duration::from_secs(30),
            |_| true,
        )
        .await;
    }
    let stats = get_json(&client, &format!("http://{web_b}/api/stats"))
        .await
        .expect("stats");
    api.check("/api/stats", 200, &stats);

    // Nothing committed: the readers' group id (`newsflow-reader-<pid>`, this process's) holds no
    // offsets on the topics they read, while the enricher's group, which does commit, shows its
    // offsets.
    let brokers = broker.brokers();
    let pid = std::process::id();
    for topic in ["enriched", "stories", "fetcher.state"] {
        let got = committed(
            &brokers,
            &format!("newsflow-reader-{pid}"),
            &format!("{prefix}.{topic}"),
        );
        assert!(
            got.iter().all(|o| *o == rdkafka::Offset::Invalid),
            "web instance {pid} committed on {topic}: {got:?}"
        );
    }
    let enricher = committed(
        &brokers,
        &format!("{prefix}-enricher"),
        &format!("{prefix}.clean"),
    );
    assert!(
        enricher
            .iter()
            .any(|o| matches!(o, rdkafka::Offset::Offset(n) if *n > 0)),
        "the check sees commits: {enricher:?}"
    );

    a.stop(Duration::from_secs(15)).await;
    b.stop(Duration::from_secs(15)).await;
    run.stop(Duration::from_secs(30)).await;
    broker.stop().await;
}
