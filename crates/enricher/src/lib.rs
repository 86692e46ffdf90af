//! The enricher: language, canonical entities and exact-duplicate marking for clean articles.
//! Plain code over plain types; the worker feeds it one article at a time.

mod entities;
mod language;

use std::collections::HashMap;

use chrono::Utc;
use model::{CleanArticle, EnrichedArticle, Versioned};

pub use entities::{Gazetteer, GazetteerEntry, GazetteerError};
pub use language::detect_language;

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

/// Enrichment state: the gazetteer plus what has been published, for revisions and duplicates.
pub struct Enricher {
    gazetteer: Gazetteer,
    by_id: HashMap<String, Known>,
    by_hash: HashMap<String, String>,
}

impl Enricher {
    /// An enricher with no history.
    pub fn new(gazetteer: Gazetteer) -> Self {
        Self {
            gazetteer,
            by_id: HashMap::new(),
            by_hash: HashMap::new(),
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
        self.by_hash
            .entry(a.content_hash.clone())
            .or_insert_with(|| a.article_id.clone());
    }

    /// Number of articles known.
    pub fn known_articles(&self) -> usize {
        self.by_id.len()
    }

    /// Enrich one article, deciding whether it is new, a revision, or already published.
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
        let language = detect_language(&text);
        let entities = self.gazetteer.find(&text);
        let duplicate_of = self
            .by_hash
            .get(&clean.content_hash)
            .filter(|id| **id != clean.article_id)
            .cloned();
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
            language,
            entities,
            duplicate_of,
            outcome: clean.outcome,
            repairs: clean.repairs.clone(),
            fetched_at: clean.fetched_at,
            enriched_at: Utc::now(),
            config_version: clean.config_version.clone(),
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
    fn same_text_under_another_id_is_marked_duplicate() {
        let mut e = enricher();
        e.enrich(&clean("a", "identical body text"));
        match e.enrich(&clean("b", "identical body text")) {
            Decision::Publish(x) => assert_eq!(x.duplicate_of.as_deref(), Some("a")),
            other => panic!("expected publish, got {other:?}"),
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
