//! `newsflow clean` and `newsflow enrich`: local files through the same stages as the workers,
//! without Kafka.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};

use crate::config::Config;
use crate::enricher::EnricherStage;
use crate::story::{StoryCounts, StoryStage};

/// A raw article from a local file (`-`: stdin), typed by its extension, else by a look at its
/// first bytes.
pub fn raw_from_file(file: &Path) -> Result<model::RawArticle> {
    let (bytes, name) = if file == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("reading stdin")?;
        (buf, "stdin".to_string())
    } else {
        let b = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_string();
        (b, name)
    };
    let content_type = fetcher::content_type_of(Path::new(&name)).unwrap_or_else(|| {
        let head = bytes[..bytes.len().min(1024)].to_ascii_lowercase();
        let looks_html = head
            .windows(5)
            .any(|w| w == b"<html" || w == b"<body" || w == b"<!doc");
        if looks_html {
            "text/html"
        } else {
            "text/plain"
        }
    });
    let urn = model::urn_for_file("file", &name);
    Ok(model::RawArticle {
        schema: <model::RawArticle as model::Versioned>::schema_tag(),
        article_id: model::article_id(&urn),
        url: urn,
        source: model::SourceRef {
            kind: "file".into(),
            name,
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: content_type.into(),
        body: fetcher::decode_body(&bytes, None, content_type),
        hints: model::EntryHints::default(),
        config_version: String::new(),
    })
}

/// The clean article of one local file.
pub fn clean_file(file: &Path) -> Result<model::CleanArticle> {
    Ok(cleaner::clean(&raw_from_file(file)?))
}

/// Clean and enrich `files` in order, the enricher's two steps chained in memory; `out` gets
/// each enriched article's JSON (an article that repeats an earlier file's gets none).
pub fn enrich_files(cfg: &Config, files: &[&Path], mut out: impl FnMut(&str)) -> Result<()> {
    let (gazetteer, tracker) = cfg.gazetteer()?;
    let topology = cfg.topology();
    let mut enrich = EnricherStage {
        enricher: enricher::Enricher::with_tracked(gazetteer, tracker),
        assign_topic: topology.topics.assign.clone(),
        already_enriched: Default::default(),
    };
    let mut stories = StoryStage::new(
        Arc::new(Mutex::new(enricher::StoryIndex::new(
            cfg.enricher.stories(),
        ))),
        &topology,
        Default::default(),
        Arc::new(StoryCounts::default()),
    );
    // Of the story step's outputs only article records are printed (story events are not).
    let mut print = |outs: Vec<bus::Output>| {
        for p in outs
            .into_iter()
            .filter(|p| p.topic == topology.topics.enriched)
        {
            out(&String::from_utf8_lossy(&p.payload));
        }
    };
    for f in files {
        let clean = clean_file(f)?;
        let outs = bus::Stage::process(&mut enrich, None, &model::encode(&clean))?;
        if outs.is_empty() {
            tracing::info!(file = %f.display(), article_id = %clean.article_id, "same article as an earlier file");
        }
        for o in outs {
            print(bus::Stage::process(
                &mut stories,
                Some(o.key.as_bytes()),
                &o.payload,
            )?);
        }
    }
    // The end of the input is its last pause: articles that regrouping moves are written again,
    // so the last line of each article carries its final story.
    if cfg.enricher.story_regroup {
        print(stories.regroup());
    }
    Ok(())
}
