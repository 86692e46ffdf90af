//! `newsflow enrich FILE...` without Kafka: one enriched JSON line per file, with story ids
//! assigned across the batch in the given order.

mod common;

use std::collections::HashMap;
use std::process::Command;

use model::EnrichedArticle;

#[test]
fn enrich_files_prints_one_line_per_file_with_stories_across_the_batch() {
    let root = common::repo();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("data/seed"))
        .expect("seeds")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in ["unrelated_volcano", "es_canje"] {
        files.push(root.join(format!("crates/enricher/tests/data/{f}.txt")));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .arg("--config")
        .arg(root.join("config/newsflow.toml"))
        .arg("enrich")
        .args(&files)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsflow enrich");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<EnrichedArticle> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| model::decode(l.as_bytes()).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), files.len());
    let story: HashMap<String, String> = lines
        .iter()
        .map(|a| {
            let name = a.source.name.clone();
            (
                name[..name.len().min(3)].to_string(),
                a.story_id.clone().expect("story id"),
            )
        })
        .collect();
    // The first file founds the July story; the others of it join; 004 and the volcano do not.
    assert_eq!(story["000"], format!("story-{}", lines[0].article_id));
    for n in ["001", "002", "003", "es_"] {
        assert_eq!(story[n], story["000"], "{n}: {story:?}");
    }
    assert_ne!(story["004"], story["000"]);
    assert_ne!(story["unr"], story["000"]);
    let es = lines
        .iter()
        .find(|a| a.source.name == "es_canje.txt")
        .expect("es");
    assert_eq!(es.language.code, "es");
    assert!(es
        .claims
        .iter()
        .any(|c| c.subject == "venezuela" && c.value == 252.0));
    assert!(lines
        .iter()
        .all(|a| !a.keywords.is_empty() && !a.summary.is_empty()));
    let garbled = lines
        .iter()
        .find(|a| a.source.name.starts_with("002"))
        .expect("002");
    assert!(garbled
        .relevance
        .iter()
        .any(|r| r.tracked == "prisoner-exchange" && r.relevant));
}
