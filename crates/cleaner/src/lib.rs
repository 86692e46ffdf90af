//! The cleaner: a fetched document (HTML page or plain-text article) to title, lead and
//! paragraphs, with every repair to the text recorded. Plain functions over plain types.

mod html;
mod repair;
mod text;

use model::{CleanArticle, Outcome, RawArticle, Repair, Versioned};

pub use html::{extract_html, HtmlExtract};
pub use repair::repair_paragraph;
pub use text::{extract_text, TextExtract};

/// Fewer words than this in the body is not an article.
const MIN_WORDS: usize = 40;

/// Clean one raw document. Never fails: a document that yields no article gets an explicit outcome.
pub fn clean(raw: &RawArticle) -> CleanArticle {
    let media = raw
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut out = CleanArticle {
        schema: CleanArticle::schema_tag(),
        article_id: raw.article_id.clone(),
        url: raw.url.clone(),
        source: raw.source.clone(),
        outcome: Outcome::Ok,
        confidence: 0.0,
        title: raw.hints.title.clone().unwrap_or_default(),
        lead: None,
        paragraphs: Vec::new(),
        content_hash: String::new(),
        authors: raw.hints.authors.clone(),
        published: raw.hints.published,
        declared_language: None,
        repairs: Vec::new(),
        fetched_at: raw.fetched_at,
        config_version: raw.config_version.clone(),
    };
    match media.as_str() {
        "text/html" | "application/xhtml+xml" => {
            let x = extract_html(&raw.body);
            // The page's own headline beats the feed entry's title; the entry's is the fallback.
            if !x.title.is_empty() {
                out.title = x.title;
            }
            out.paragraphs = x.paragraphs;
            out.repairs = x.repairs;
            out.declared_language = x.language;
            if out.published.is_none() {
                out.published = x.published;
            }
            if out.authors.is_empty() {
                out.authors = x.authors;
            }
            out.confidence = x.confidence;
        }
        "text/plain" | "text/markdown" | "text/x-markdown" | "" => {
            let x = extract_text(&raw.body);
            out.title = x.title;
            out.lead = x.lead;
            out.paragraphs = x.paragraphs;
            out.repairs = x.repairs;
            out.confidence = x.confidence;
        }
        _ => {
            out.outcome = Outcome::UnsupportedContentType;
        }
    }
    if out.outcome == Outcome::Ok {
        let words: usize = out
            .lead
            .iter()
            .chain(out.paragraphs.iter())
            .map(|p| p.split_whitespace().count())
            .sum();
        if words < MIN_WORDS {
            out.outcome = Outcome::TooShort;
            out.confidence = out.confidence.min(0.3);
        }
    }
    out.content_hash = model::content_hash(&out.text());
    out
}

/// Record a repair.
pub(crate) fn repair(kind: &str, before: &str, after: &str) -> Repair {
    Repair {
        kind: kind.to_string(),
        before: before.to_string(),
        after: after.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use model::{EntryHints, SourceRef};

    fn raw(content_type: &str, body: &str) -> RawArticle {
        RawArticle {
            schema: RawArticle::schema_tag(),
            article_id: "id".into(),
            url: "https://example.com/a".into(),
            source: SourceRef {
                kind: "feed".into(),
                name: "t".into(),
                origin: None,
            },
            fetched_at: Utc::now(),
            content_type: content_type.into(),
            body: body.into(),
            hints: EntryHints::default(),
            config_version: String::new(),
        }
    }

    #[test]
    fn unsupported_content_type_is_an_outcome_not_an_error() {
        let c = clean(&raw("application/pdf", "%PDF"));
        assert_eq!(c.outcome, Outcome::UnsupportedContentType);
    }

    #[test]
    fn short_text_is_too_short() {
        let c = clean(&raw("text/plain", "A title\n\nOne short line."));
        assert_eq!(c.outcome, Outcome::TooShort);
    }

    #[test]
    fn same_text_same_hash() {
        let words: Vec<String> = (0..60).map(|i| format!("word{i}")).collect();
        let body = format!("Title Here\n\n{}", words.join(" "));
        let a = clean(&raw("text/plain; charset=utf-8", &body));
        let b = clean(&raw("text/plain", &body));
        assert_eq!(a.outcome, Outcome::Ok);
        assert_eq!(a.content_hash, b.content_hash);
    }
}
