//! The enricher: language, canonical entities, claims, keywords, summary and tracked-story
//! relevance per article ([`Enricher`], order-independent, scales out by partition), then story
//! assignment with exact and near-duplicate marking ([`StoryIndex`], order-dependent, one owner).
//! Plain code over plain types; the worker feeds it one article at a time.

mod claims;
mod entities;
mod keywords;
mod language;
mod minhash;
mod names;
mod stories;
mod summary;
mod text;
mod tracked;

use std::collections::HashMap;

use chrono::Utc;
use model::{CleanArticle, EnrichedArticle, Versioned};

pub use entities::{Gazetteer, GazetteerEntry, GazetteerError};
pub use language::detect_language;
pub use stories::{article_time, story_id_for, Assignment, Regrouped, StoryConfig, StoryIndex};
pub use tracked::{TrackedStory, Tracker};

/// Keywords per article.
const KEYWORDS: usize = 10;
/// Sentences in a summary.
const SUMMARY_SENTENCES: usize = 3;

/// What to do with one clean article.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A new article or a new revision: publish it.
    Publish(Box<EnrichedArticle>),
    /// The same id and content hash were enriched before: nothing new to say.
    AlreadyEnriched {
        /// The article id.
        article_id: String,
        /// Its current revision.
        revision: u32,
    },
}

#[derive(Debug, Clone)]
struct Known {
    content_hash: String,
    revision: u32,
}

/// Per-article enrichment state: the gazetteer, the tracked stories, and the revision of each
/// article published so far. Everything it computes depends on the article alone (and on earlier
/// revisions of the same id, which share a partition), so instances can split the input.
pub struct Enricher {
    gazetteer: Gazetteer,
    tracker: Tracker,
    by_id: HashMap<String, Known>,
}

impl Enricher {
    /// An enricher with no history and no tracked stories.
    pub fn new(gazetteer: Gazetteer) -> Self {
        Self::with_tracked(gazetteer, Tracker::default())
    }

    /// An enricher that also scores relevance to tracked stories.
    pub fn with_tracked(gazetteer: Gazetteer, tracker: Tracker) -> Self {
        Self {
            gazetteer,
            tracker,
            by_id: HashMap::new(),
        }
    }

    /// Learn from an article published earlier (state rebuilt from the enriched topic).
    pub fn observe(&mut self, a: &EnrichedArticle) {
        let newer = self
            .by_id
            .get(&a.article_id)
            .is_none_or(|k| a.revision >= k.revision);
        if newer {
            self.by_id.insert(
                a.article_id.clone(),
                Known {
                    content_hash: a.content_hash.clone(),
                    revision: a.revision,
                },
            );
        }
    }

    /// Number of articles known.
    pub fn known_articles(&self) -> usize {
        self.by_id.len()
    }

    /// Enrich one article, deciding whether it is new, a revision, or already published. Story,
    /// duplicate and near-duplicate fields are left for [`StoryIndex::assign`].
    pub fn enrich(&mut self, clean: &CleanArticle) -> Decision {
        let revision = match self.by_id.get(&clean.article_id) {
            Some(k) if k.content_hash == clean.content_hash => {
                return Decision::AlreadyEnriched {
                    article_id: clean.article_id.clone(),
                    revision: k.revision,
                }
            }
            Some(k) => k.revision + 1,
            None => 1,
        };
        let text = clean.text();
        let mut language = detect_language(&text);
        // A short or mixed text may defeat detection; the page's own declaration is then better.
        if language.confidence < 0.5 {
            if let Some(declared) = clean.declared_language.as_deref() {
                let code: String = declared
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                if !code.is_empty() {
                    language.code = code.to_ascii_lowercase();
                }
            }
        }
        let mut entities = self.gazetteer.find_with_places(&text, &language.code);
        let taken: Vec<(usize, usize)> = entities
            .iter()
            .flat_map(|e| e.mentions.iter().map(|m| (m.start, m.end)))
            .collect();
        let words = text::Folded::new(&text);
        entities.extend(names::find_names(&text, &words, &taken, &language.code));
        let title_end = if text.starts_with(&clean.title) {
            clean.title.len()
        } else {
            0
        };
        let claims = claims::find_claims(&text, &words, &entities);
        let keywords = keywords::keywords(&text, &words, title_end, KEYWORDS);
        let summary = summary::summarize(&text, title_end, SUMMARY_SENTENCES);
        let relevance = self.tracker.score(&text, &entities);
        let out = EnrichedArticle {
            schema: EnrichedArticle::schema_tag(),
            article_id: clean.article_id.clone(),
            revision,
            content_hash: clean.content_hash.clone(),
            url: clean.url.clone(),
            source: clean.source.clone(),
            title: clean.title.clone(),
            text,
            published: clean.published,
            published_from: clean.meta.published_from,
            language,
            entities,
            duplicate_of: None,
            outcome: clean.outcome,
            repairs: clean.repairs.clone(),
            fetched_at: clean.fetched_at,
            enriched_at: Utc::now(),
            config_version: clean.config_version.clone(),
            story_id: None,
            near_duplicate_of: None,
            claims,
            keywords,
            summary,
            relevance,
        };
        self.observe(&out);
        Decision::Publish(Box::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Outcome, SourceRef};

    fn clean(id: &str, body: &str) -> CleanArticle {
        CleanArticle {
            schema: CleanArticle::schema_tag(),
            article_id: id.into(),
            url: format!("https://example.com/{id}"),
            source: SourceRef {
                kind: "feed".into(),
                name: "t".into(),
                origin: None,
            },
            outcome: Outcome::Ok,
            confidence: 0.9,
            title: "A title".into(),
            lead: None,
            paragraphs: vec![body.into()],
            content_hash: model::content_hash(body),
            authors: vec![],
            published: None,
            declared_language: None,
            repairs: vec![],
            fetched_at: Utc::now(),
            config_version: String::new(),
            meta: Default::default(),
        }
    }

    fn enricher() -> Enricher {
        Enricher::new(Gazetteer::default())
    }

    #[test]
    fn same_id_same_hash_is_not_published_twice() {
        let mut e = enricher();
        let a = clean("a", "The quick brown fox jumps over the lazy dog.");
        assert!(matches!(e.enrich(&a), Decision::Publish(_)));
        assert_eq!(
            e.enrich(&a),
            Decision::AlreadyEnriched {
                article_id: "a".into(),
                revision: 1
            }
        );
    }

    #[test]
    fn changed_text_is_a_new_revision() {
        let mut e = enricher();
        e.enrich(&clean("a", "first version of the text"));
        match e.enrich(&clean("a", "second version of the text")) {
            Decision::Publish(x) => {
                assert_eq!(x.revision, 2);
                assert!(x.duplicate_of.is_none());
            }
            other => panic!("expected a revision, got {other:?}"),
        }
    }

    #[test]
    fn state_rebuilt_from_published_records() {
        let mut first = enricher();
        let a = clean("a", "some text here");
        let Decision::Publish(published) = first.enrich(&a) else {
            panic!("first enrich publishes");
        };
        let mut second = enricher();
        second.observe(&published);
        assert!(matches!(
            second.enrich(&a),
            Decision::AlreadyEnriched { .. }
        ));
    }
}
