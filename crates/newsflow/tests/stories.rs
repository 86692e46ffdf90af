//! Stories end to end over a real broker: the seeds and articles written for the purpose go
//! through the enricher (run in this process through the library); 000–003 (and a Spanish report) form one story, 004 another, and
//! unrelated articles neither. Two enrichers in one group give the same grouping as one;
//! a restarted enricher keeps its story ids and versions; a tracked topic gets only the relevant
//! articles.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bus::{KafkaSettings, Publisher};
use common::{scratch, write_config, Enriched, InProcess};
use model::{CleanArticle, StoryEvent};

fn files() -> Vec<(String, PathBuf)> {
    let root = common::repo();
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(root.join("data/seed"))
        .expect("seeds")
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy()[..3].to_string(), e.path()))
        .collect();
    v.sort();
    for f in [
        "unrelated_volcano",
        "unrelated_harbour",
        "unrelated_bitcoin",
        "es_canje",
    ] {
        v.push((
            f.to_string(),
            root.join(format!("crates/enricher/tests/data/{f}.txt")),
        ));
    }
    v
}

fn clean(name: &str, path: &Path) -> CleanArticle {
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let urn = model::urn_for_file("test", &format!("{name}.txt"));
    cleaner::clean(&common::raw_text(
        &model::article_id(&urn),
        &urn,
        "seed",
        &format!("source-{name}"),
        body,
    ))
}

async fn publish(brokers: &str, prefix: &str, articles: &[CleanArticle]) {
    let settings = KafkaSettings::new(brokers);
    let publisher = Publisher::new(&settings, 1 << 20).expect("producer");
    for a in articles {
        publisher
            .publish(&format!("{prefix}.clean"), &a.article_id, &model::encode(a))
            .await
            .expect("publish clean");
    }
}

async fn topics(brokers: &str, prefix: &str) {
    let settings = KafkaSettings::new(brokers);
    bus::ensure_topics(&settings, &common::pipeline_topics(prefix, 3))
        .await
        .expect("topics");
}

/// Latest story id per article id, once every id in `ids` is enriched.
async fn stories_of(
    enriched: &mut Enriched,
    ids: &[String],
    what: &str,
) -> HashMap<String, String> {
    enriched
        .until(Duration::from_secs(120), what, |all| {
            ids.iter().all(|id| all.iter().any(|a| &a.article_id == id))
        })
        .await;
    let mut out = HashMap::new();
    for a in &enriched.all {
        out.insert(
            a.article_id.clone(),
            a.story_id
                .clone()
                .unwrap_or_else(|| panic!("{} has no story", a.article_id)),
        );
    }
    out
}

/// The grouping as a set of sets of file names, independent of the story ids.
fn grouping(
    names: &HashMap<String, String>,
    story: &HashMap<String, String>,
) -> BTreeSet<BTreeSet<String>> {
    let mut by_story: HashMap<&String, BTreeSet<String>> = HashMap::new();
    for (id, s) in story {
        if let Some(n) = names.get(id) {
            by_story.entry(s).or_default().insert(n.clone());
        }
    }
    by_story.into_values().collect()
}

fn expected() -> BTreeSet<BTreeSet<String>> {
    let set = |v: &[&str]| {
        v.iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<String>>()
    };
    [
        set(&["000", "001", "002", "003"]),
        set(&["004"]),
        set(&["unrelated_volcano"]),
        set(&["unrelated_harbour"]),
        set(&["unrelated_bitcoin"]),
    ]
    .into_iter()
    .collect()
}

async fn story_events(brokers: &str, prefix: &str) -> Vec<StoryEvent> {
    bus::read_to_end(&KafkaSettings::new(brokers), &format!("{prefix}.stories"))
        .await
        .expect("read stories")
        .into_iter()
        .map(|r| model::decode::<StoryEvent>(&r.payload.unwrap_or_default()).expect("story event"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_enrichers_group_like_one_and_a_restart_keeps_story_ids() {
    let broker = testkit::broker().await;
    let brokers = broker.brokers();
    let all = files();
    // The Spanish report is held back, to arrive after the restart.
    let (first, late): (Vec<_>, Vec<_>) = all.iter().partition(|(n, _)| n != "es_canje");
    let articles: Vec<CleanArticle> = first.iter().map(|(n, p)| clean(n, p)).collect();
    let names: HashMap<String, String> = all
        .iter()
        .map(|(n, p)| (clean(n, p).article_id, n.clone()))
        .collect();
    let ids: Vec<String> = articles.iter().map(|a| a.article_id.clone()).collect();

    // One enricher on one set of topics, two in one group on another; both with a tracked story.
    let dir_one = scratch("stories-one");
    let dir_two = scratch("stories-two");
    let tracked = |prefix: &str| {
        format!(
            "[[enricher.tracked]]\nname = \"prisoner-exchange\"\n\
             entities = [\"person/nayib-bukele\", \"place/venezuela\"]\n\
             terms = [\"prisoner exchange\", \"swap\", \"canje\"]\n\
             topic = \"{prefix}.tracked\"\n"
        )
    };
    let (cfg_one, prefix_one) = write_config(&dir_one, &brokers, &[], "");
    let text = std::fs::read_to_string(&cfg_one).expect("config") + &tracked(&prefix_one);
    std::fs::write(&cfg_one, text).expect("config");
    let (cfg_two, prefix_two) = write_config(&dir_two, &brokers, &[], "");
    for p in [&prefix_one, &prefix_two] {
        topics(&brokers, p).await;
        publish(&brokers, p, &articles).await;
    }
    let one = InProcess::start(&cfg_one, newsflow::enricher::run);
    let two_a = InProcess::start(&cfg_two, newsflow::enricher::run);
    let two_b = InProcess::start(&cfg_two, newsflow::enricher::run);

    let mut enriched_one = Enriched::open(&brokers, &prefix_one).await;
    let mut enriched_two = Enriched::open(&brokers, &prefix_two).await;
    let story_one = stories_of(&mut enriched_one, &ids, "all articles, one enricher").await;
    let story_two = stories_of(&mut enriched_two, &ids, "all articles, two enrichers").await;
    assert_eq!(grouping(&names, &story_one), expected(), "one enricher");
    assert_eq!(grouping(&names, &story_two), expected(), "two enrichers");
    two_a.stop(Duration::from_secs(30)).await;
    two_b.stop(Duration::from_secs(30)).await;

    // The July story's events: created, then updated per article, with a claims table that
    // shows the sources differ on the number of Venezuelans.
    let july_article = names
        .iter()
        .find(|(_, n)| *n == "000")
        .map(|(id, _)| id.clone())
        .expect("000");
    let july = story_one[&july_article].clone();
    let events = story_events(&brokers, &prefix_one).await;
    let july_events: Vec<&StoryEvent> = events.iter().filter(|e| e.story_id == july).collect();
    let last = july_events.last().expect("july events");
    assert_eq!(last.version as usize, july_events.len());
    assert_eq!(last.article_ids.len(), 4);
    assert_eq!(last.sources.len(), 4);
    let row = last
        .claims
        .iter()
        .find(|r| r.subject == "venezuela")
        .unwrap_or_else(|| panic!("claims: {:?}", last.claims));
    // "nearly 250" and 252: a rounding, listed with both values, not a conflict.
    assert!(row.values.len() >= 2 && row.agree, "{row:?}");

    // Restart: state comes back from the topics; the Spanish report joins the same story id and
    // the story's versions go on from where they were.
    one.stop(Duration::from_secs(30)).await;
    let late_articles: Vec<CleanArticle> = late.iter().map(|(n, p)| clean(n, p)).collect();
    publish(&brokers, &prefix_one, &late_articles).await;
    let again = InProcess::start(&cfg_one, newsflow::enricher::run);
    let late_id = late_articles[0].article_id.clone();
    let story_after = stories_of(
        &mut enriched_one,
        std::slice::from_ref(&late_id),
        "the late Spanish report",
    )
    .await;
    assert_eq!(
        story_after[&late_id], july,
        "the Spanish report joins the July story"
    );
    again.stop(Duration::from_secs(30)).await;
    let events = story_events(&brokers, &prefix_one).await;
    let newest = events
        .iter()
        .filter(|e| e.story_id == july)
        .map(|e| e.version)
        .max()
        .expect("versions");
    assert_eq!(
        newest,
        last.version + 1,
        "versions continue after the restart"
    );
    assert_eq!(
        enriched_one.duplicates(),
        vec![],
        "a restart enriched nothing twice"
    );

    // Only relevant articles reach the tracked topic.
    let tracked: BTreeSet<String> = bus::read_to_end(
        &KafkaSettings::new(&brokers),
        &format!("{prefix_one}.tracked"),
    )
    .await
    .expect("tracked")
    .into_iter()
    .filter_map(|r| r.key.map(|k| String::from_utf8_lossy(&k).to_string()))
    .filter_map(|id| names.get(&id).cloned())
    .collect();
    let want: BTreeSet<String> = ["000", "001", "002", "003", "004", "es_canje"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(tracked, want);
    broker.stop().await;
}
