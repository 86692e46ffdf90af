//! Story clustering on the seeds and on articles written for the purpose: the July 2025 exchange
//! (000–003, a Spanish report of it, and the demo feed's reports) is one story, the April proposal
//! (004) another, and unrelated articles join neither.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use enricher::{Assignment, Decision, Enricher, Gazetteer, StoryConfig, StoryIndex};
use model::{
    EnrichedArticle, EntryHints, RawArticle, SourceRef, StoryChange, StoryEvent, Versioned,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn clean_file(path: &Path) -> model::CleanArticle {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("x")
        .to_string();
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let urn = model::urn_for_file("seed", &name);
    cleaner::clean(&RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: model::article_id(&urn),
        url: urn,
        source: SourceRef {
            kind: "seed".into(),
            name: name.clone(),
            origin: None,
        },
        fetched_at: Utc::now(),
        content_type: "text/plain".into(),
        body,
        hints: EntryHints::default(),
        config_version: String::new(),
    })
}

fn enricher() -> Enricher {
    Enricher::new(Gazetteer::load(&root().join("config/gazetteer.toml")).expect("gazetteer"))
}

fn enrich(e: &mut Enricher, path: &Path) -> EnrichedArticle {
    match e.enrich(&clean_file(path)) {
        Decision::Publish(a) => *a,
        other => panic!("{}: {other:?}", path.display()),
    }
}

fn files() -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("data/seed"))
        .expect("seeds")
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy()[..3].to_string(), e.path()))
        .collect();
    v.sort();
    for f in [
        "es_canje",
        "unrelated_volcano",
        "unrelated_harbour",
        "unrelated_bitcoin",
    ] {
        v.push((
            f.to_string(),
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/{f}.txt")),
        ));
    }
    v
}

/// Story id per file name, and the story events, for the files in `order`.
fn cluster(order: &[usize]) -> (HashMap<String, String>, Vec<StoryEvent>) {
    cluster_files(&files(), order)
}

/// [`cluster`] over any files.
fn cluster_files(
    files: &[(String, PathBuf)],
    order: &[usize],
) -> (HashMap<String, String>, Vec<StoryEvent>) {
    let mut e = enricher();
    let mut index = StoryIndex::new(StoryConfig::default());
    let mut story = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut events = Vec::new();
    for &i in order {
        let (name, path) = &files[i];
        let a = enrich(&mut e, path);
        names.insert(a.article_id.clone(), name.clone());
        if std::env::var_os("EXPLAIN").is_some() {
            eprintln!("{name}: {:?}", index.explain(&a));
        }
        match index.assign(a) {
            Assignment::Assigned {
                article,
                events: ev,
                moved,
            } => {
                story.insert(name.clone(), article.story_id.clone().expect("story id"));
                // The latest record of a moved article carries its story.
                for m in moved {
                    if let (Some(n), Some(s)) = (names.get(&m.article_id), m.story_id) {
                        story.insert(n.clone(), s);
                    }
                }
                events.extend(ev);
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    (story, events)
}

fn check_grouping(story: &HashMap<String, String>) {
    let july = &story["000"];
    for n in ["001", "002", "003", "es_canje"] {
        assert_eq!(
            &story[n], july,
            "{n} should join the July exchange story: {story:?}"
        );
    }
    let april = &story["004"];
    assert_ne!(april, july, "004 is the April proposal: {story:?}");
    for n in [
        "unrelated_volcano",
        "unrelated_harbour",
        "unrelated_bitcoin",
    ] {
        assert_ne!(&story[n], july, "{n} joined the July story");
        assert_ne!(&story[n], april, "{n} joined the April story");
    }
    assert_ne!(story["unrelated_volcano"], story["unrelated_harbour"]);
}

#[test]
fn the_demo_feed_s_reports_of_the_exchange_join_the_seeds_story() {
    // The demo feed's articles tell the July exchange from other sides (the Americans landing,
    // deportees coming home, the Alien Enemies Act, Bukele as broker), in two languages and
    // kinds of report; the harbour repairs are another matter.
    let mut files: Vec<(String, PathBuf)> = files().into_iter().take(5).collect();
    let mut demo: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("data/demo"))
        .expect("demo")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('0'))
        .map(|e| (e.file_name().to_string_lossy()[..2].to_string(), e.path()))
        .collect();
    demo.sort();
    files.extend(demo);
    let (story, _) = cluster_files(&files, &(0..files.len()).collect::<Vec<_>>());
    let july = &story["000"];
    for n in ["01", "02", "03", "04", "05"] {
        assert_eq!(
            &story[n], july,
            "demo {n} should join the July story: {story:?}"
        );
    }
    assert_ne!(&story["06"], july, "the harbour repairs joined: {story:?}");
    assert_ne!(&story["004"], july, "004 is the April proposal: {story:?}");
}

#[test]
fn seeds_form_two_stories_and_unrelated_articles_join_neither() {
    let n = files().len();
    let (story, events) = cluster(&(0..n).collect::<Vec<_>>());
    check_grouping(&story);
    // The July story's claims table shows where sources differ: 250 against 252 Venezuelans.
    let last = events
        .iter()
        .rev()
        .find(|e| e.story_id == story["000"])
        .expect("july events");
    assert_eq!(last.article_ids.len(), 5);
    let row = last
        .claims
        .iter()
        .find(|r| r.subject == "venezuela" && r.kind == "count")
        .unwrap_or_else(|| panic!("no venezuela row in {:#?}", last.claims));
    let values: Vec<f64> = row.values.iter().map(|v| v.value).collect();
    assert!(
        values.contains(&250.0) && values.contains(&252.0),
        "{row:?}"
    );
    // "nearly 250" is a rounding of 252: the row agrees.
    assert!(row.agree, "{row:?}");
    // The April proposal is a separate story, but a related one.
    let april = events
        .iter()
        .rev()
        .find(|e| e.story_id == story["004"])
        .expect("april events");
    assert!(
        april.related.contains(&story["000"]) || last.related.contains(&story["004"]),
        "related: {:?} / {:?}",
        april.related,
        last.related
    );
    assert!(!last.related.contains(&story["unrelated_volcano"]));
    assert!(!april.related.contains(&story["unrelated_volcano"]));
    assert!(last
        .top_entities
        .iter()
        .any(|e| e.id == "person/nayib-bukele"));
    assert!(
        events
            .iter()
            .filter(|e| e.change == StoryChange::Created)
            .count()
            >= 5
    );
}

#[test]
fn grouping_does_not_depend_on_arrival_order() {
    let n = files().len();
    let reversed: Vec<usize> = (0..n).rev().collect();
    let (story, _) = cluster(&reversed);
    check_grouping(&story);
    // Interleaved, garbled translation first.
    let (story, _) = cluster(&[2, 4, 5, 6, 0, 7, 3, 8, 1]);
    check_grouping(&story);
}

/// Precision on whole articles written for the purpose: the entities found are exactly the names
/// in them, and no ordinary capitalised word.
#[test]
fn entities_in_unrelated_articles_are_exactly_their_names() {
    let mut e = enricher();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (file, want) in [
        (
            "unrelated_volcano.txt",
            vec![
                "Icelandic Meteorological Office",
                "Blue Lagoon",
                "Grindavik",
                "Iceland",
                // Once, after a preposition of place ("at Keflavik airport").
                "Keflavik",
                "Reykjavik",
            ],
        ),
        ("unrelated_harbour.txt", vec![]),
        (
            "unrelated_bitcoin.txt",
            vec![
                "El Salvador",
                "International Monetary Fund",
                "Nayib Bukele",
                "IMF",
            ],
        ),
    ] {
        let a = enrich(&mut e, &data.join(file));
        let mut got: Vec<&str> = a.entities.iter().map(|x| x.name.as_str()).collect();
        got.sort_unstable();
        let mut want = want;
        want.sort_unstable();
        assert_eq!(got, want, "{file}");
        for x in &a.entities {
            for m in &x.mentions {
                assert_eq!(&a.text[m.start..m.end], m.surface, "{file}");
            }
        }
    }
}
