//! Tracked stories from the config ("prisoner-exchange": terms and entity ids): a relevance score
//! per article, so that a topic can receive only the articles that matter to a reader.

use model::{EntityRef, Relevance};
use serde::Deserialize;

use crate::text::{fold_word, words};

/// One tracked story as configured.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackedStory {
    /// Short name, e.g. `prisoner-exchange`.
    pub name: String,
    /// Terms or phrases in any language; matched case- and accent-insensitively.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Canonical entity ids from the gazetteer.
    #[serde(default)]
    pub entities: Vec<String>,
    /// Score at which an article counts as relevant.
    #[serde(default = "default_min_score")]
    pub min_score: f32,
    /// Topic that receives the relevant articles, if any.
    #[serde(default)]
    pub topic: Option<String>,
}

fn default_min_score() -> f32 {
    0.5
}

impl TrackedStory {
    /// What is wrong with this entry, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.name.trim().is_empty() {
            return Some("name must not be empty".into());
        }
        if self.terms.is_empty() && self.entities.is_empty() {
            return Some("needs terms or entities".into());
        }
        if !(self.min_score > 0.0 && self.min_score <= 1.0) {
            return Some(format!("min_score {} must be in (0, 1]", self.min_score));
        }
        None
    }
}

fn folded_words(s: &str) -> Vec<String> {
    words(s)
        .iter()
        .map(|w| fold_word(w.raw).into_owned())
        .collect()
}

/// Tracked stories prepared for matching.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    stories: Vec<(TrackedStory, Vec<Vec<String>>)>,
}

impl Tracker {
    /// Prepare `stories` for scoring.
    pub fn new(stories: Vec<TrackedStory>) -> Self {
        Self {
            stories: stories
                .into_iter()
                .map(|s| {
                    let terms = s.terms.iter().map(|t| folded_words(t)).collect();
                    (s, terms)
                })
                .collect(),
        }
    }

    /// Relevance of an article to each tracked story. Half the score comes from the tracked
    /// entities mentioned (all of them, or three, count as full), half from the terms (two count
    /// as full); when a story names only one of the two, that one carries the whole score.
    pub fn score(&self, text: &str, entities: &[EntityRef]) -> Vec<Relevance> {
        if self.stories.is_empty() {
            return Vec::new();
        }
        let toks = folded_words(text);
        self.stories
            .iter()
            .map(|(s, terms)| {
                let ent_hits = s
                    .entities
                    .iter()
                    .filter(|id| entities.iter().any(|e| &e.id == *id))
                    .count();
                let term_hits = terms
                    .iter()
                    .filter(|t| !t.is_empty() && toks.windows(t.len()).any(|w| w == t.as_slice()))
                    .count();
                let ent = ent_hits as f32 / s.entities.len().clamp(1, 3) as f32;
                let term = term_hits as f32 / terms.len().clamp(1, 2) as f32;
                let score = match (s.entities.is_empty(), terms.is_empty()) {
                    (false, false) => 0.5 * ent.min(1.0) + 0.5 * term.min(1.0),
                    (false, true) => ent.min(1.0),
                    _ => term.min(1.0),
                };
                let score = (score * 1000.0).round() / 1000.0;
                Relevance {
                    tracked: s.name.clone(),
                    score,
                    relevant: score >= s.min_score,
                }
            })
            .collect()
    }

    /// Topic for a tracked story, if configured.
    pub fn topic(&self, name: &str) -> Option<&str> {
        self.stories
            .iter()
            .find(|(s, _)| s.name == name)
            .and_then(|(s, _)| s.topic.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Gazetteer;

    fn tracker() -> Tracker {
        Tracker::new(vec![TrackedStory {
            name: "prisoner-exchange".into(),
            terms: vec![
                "prisoner exchange".into(),
                "swap".into(),
                "canje de presos".into(),
            ],
            entities: vec!["person/nayib-bukele".into(), "place/venezuela".into()],
            min_score: 0.5,
            topic: Some("news.tracked".into()),
        }])
    }

    fn score(text: &str) -> Relevance {
        let g = Gazetteer::from_toml(include_str!("../../../config/gazetteer.toml"), "g")
            .expect("gazetteer");
        tracker().score(text, &g.find(text)).remove(0)
    }

    #[test]
    fn relevant_article_scores_high_in_either_language() {
        let r = score("Bukele agreed a prisoner exchange with Venezuela.");
        assert!(r.relevant && r.score >= 0.75, "{r:?}");
        let r = score("Bukele propuso un canje de presos a Venezuela.");
        assert!(r.relevant, "{r:?}");
    }

    #[test]
    fn unrelated_article_is_not_relevant() {
        let r = score("The volcano near Grindavik erupted again, and residents left.");
        assert_eq!(r.score, 0.0);
        assert!(!r.relevant);
        // One entity alone is not enough.
        let r = score("Bukele opened a new library in the capital.");
        assert!(!r.relevant, "{r:?}");
    }

    #[test]
    fn bad_entries_are_named() {
        let mut s = tracker().stories.remove(0).0;
        s.min_score = 0.0;
        assert!(s.problem().is_some());
        s.min_score = 0.5;
        s.terms.clear();
        s.entities.clear();
        assert!(s.problem().is_some());
    }
}
