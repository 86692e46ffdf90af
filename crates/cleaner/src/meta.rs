//! Page metadata from what the DOM walk collected: `<meta>` tags, JSON-LD, `<time>`, the URL.
//! Dates carry their source and a confidence; future and pre-web dates are refused.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use model::{DatedFrom, MetaSource};
use serde_json::Value;

/// Raw metadata items gathered during the single DOM walk (borrowed from the document).
#[derive(Debug, Default)]
pub(crate) struct Collected<'a> {
    /// `<meta>` key (property, name, itemprop or http-equiv) and content.
    pub metas: Vec<(&'a str, &'a str)>,
    /// Text of the first `<title>`.
    pub title_tag: String,
    /// Text of the first `<h1>` outside boilerplate.
    pub h1: String,
    /// Text of the first element marked as the author (`rel=author`, `itemprop=author`, an
    /// author class), for pages whose metadata names none.
    pub byline: String,
    /// The microdata name (`itemprop=name`) inside the first `itemprop=author` element.
    pub author_name: String,
    /// `<link rel=canonical href>`.
    pub canonical: Option<&'a str>,
    /// Bodies of `<script type=application/ld+json>`.
    pub ld_json: Vec<&'a str>,
    /// `<time datetime>` values, with whether the element marks itself as the publication time.
    pub times: Vec<(&'a str, bool)>,
    /// `<html lang>`.
    pub lang: Option<&'a str>,
}

impl<'a> Collected<'a> {
    /// First non-empty content of a meta tag among `keys`, in key order.
    pub fn meta(&self, keys: &[&str]) -> Option<&'a str> {
        keys.iter().find_map(|k| {
            self.metas
                .iter()
                .find(|(name, c)| name.eq_ignore_ascii_case(k) && !c.trim().is_empty())
                .map(|(_, c)| c.trim())
        })
    }
}

/// What JSON-LD says about the article (the first Article-like object wins per field).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct LdArticle {
    pub headline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub authors: Vec<String>,
    pub body: Option<String>,
    pub image: Option<String>,
    pub publisher: Option<String>,
    pub description: Option<String>,
    /// `isAccessibleForFree: false`.
    pub paywalled: bool,
}

fn is_article_type(v: &Value) -> bool {
    let t = |s: &str| {
        // Forum threads describe their opening post as a posting (XenForo, Invision:
        // DiscussionForumPosting): its name, date and author are the page's.
        s.ends_with("Article")
            || s.ends_with("Posting")
            || matches!(s, "Report" | "Review" | "WebPage")
    };
    match v.get("@type") {
        Some(Value::String(s)) => t(s),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(t),
        _ => false,
    }
}

fn names(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.trim().to_string()],
        Value::Object(o) => o
            .get("name")
            .and_then(Value::as_str)
            .map(|s| vec![s.trim().to_string()])
            .unwrap_or_default(),
        Value::Array(a) => a.iter().flat_map(names).collect(),
        _ => Vec::new(),
    }
}

fn url_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("url").and_then(url_of),
        Value::Array(a) => a.iter().find_map(url_of),
        _ => None,
    }
}

fn text_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Read the JSON-LD blocks. Objects are visited with an explicit stack (no recursion), and
/// Article-like ones fill fields not yet set; a real Article beats a WebPage for each field.
pub(crate) fn json_ld(blocks: &[&str]) -> LdArticle {
    let mut out = LdArticle::default();
    let mut webpage = LdArticle::default();
    for raw in blocks {
        let Ok(root) = serde_json::from_str::<Value>(raw.trim()) else {
            continue;
        };
        let mut stack = vec![&root];
        let mut qa_page = false;
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(a) => stack.extend(a.iter().rev()),
                Value::Object(o) => {
                    // A Q&A page's main entity is its question (Discourse, NodeBB, Stack
                    // Exchange): the asker is the page's author. An FAQ page's questions are
                    // not the page's subject, so a Question counts only there.
                    let question = qa_page
                        && matches!(o.get("@type"), Some(Value::String(s)) if s == "Question");
                    if matches!(o.get("@type"), Some(Value::String(s)) if s == "QAPage") {
                        qa_page = true;
                    }
                    if is_article_type(v) || question {
                        let is_page =
                            matches!(o.get("@type"), Some(Value::String(s)) if s == "WebPage");
                        let dst = if is_page { &mut webpage } else { &mut out };
                        fill(dst, o);
                    }
                    if let Some(g) = o.get("@graph") {
                        stack.push(g);
                    }
                    if let Some(m) = o.get("mainEntity") {
                        stack.push(m);
                    }
                }
                _ => {}
            }
        }
    }
    let LdArticle {
        headline,
        published,
        modified,
        authors,
        body,
        image,
        publisher,
        description,
        paywalled,
    } = webpage;
    out.headline = out.headline.or(headline);
    out.published = out.published.or(published);
    out.modified = out.modified.or(modified);
    if out.authors.is_empty() {
        out.authors = authors;
    }
    out.body = out.body.or(body);
    out.image = out.image.or(image);
    out.publisher = out.publisher.or(publisher);
    out.description = out.description.or(description);
    out.paywalled |= paywalled;
    out
}

fn fill(dst: &mut LdArticle, o: &serde_json::Map<String, Value>) {
    if dst.headline.is_none() {
        dst.headline = text_of(o.get("headline")).or_else(|| text_of(o.get("name")));
    }
    if dst.published.is_none() {
        dst.published = text_of(o.get("datePublished")).or_else(|| text_of(o.get("dateCreated")));
    }
    if dst.modified.is_none() {
        dst.modified = text_of(o.get("dateModified"));
    }
    if dst.authors.is_empty() {
        if let Some(a) = o.get("author").or_else(|| o.get("creator")) {
            dst.authors = names(a).into_iter().filter(|s| !s.is_empty()).collect();
        }
    }
    if dst.body.is_none() {
        dst.body = text_of(o.get("articleBody"));
    }
    if dst.image.is_none() {
        dst.image = o.get("image").and_then(url_of);
    }
    if dst.publisher.is_none() {
        dst.publisher = o.get("publisher").and_then(|p| names(p).into_iter().next());
    }
    if dst.description.is_none() {
        dst.description = text_of(o.get("description"));
    }
    let free = o.get("isAccessibleForFree");
    if matches!(free, Some(Value::Bool(false)))
        || free
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("false"))
    {
        dst.paywalled = true;
    }
}

/// Parse the date formats pages use in metadata.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.len() < 8 || s.len() > 64 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    let head = s.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d"))
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// A date in the future (beyond a day of clock and zone slack) or before the web is refused.
pub(crate) fn plausible(d: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let earliest = NaiveDate::from_ymd_opt(1995, 1, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_utc();
    (d >= earliest && d <= now + chrono::Duration::hours(26)).then_some(d)
}

/// A date in the URL path: `/2024/05/17/`, `/2024-05-17`, `/20240517/`.
pub(crate) fn date_in_url(url: &str) -> Option<DateTime<Utc>> {
    let path = url.split(['?', '#']).next()?;
    let b = path.as_bytes();
    let digits = |i: usize, n: usize| {
        b.get(i..i + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    for i in 0..b.len() {
        if b[i] != b'/' {
            continue;
        }
        let s = i + 1;
        let (y, m, d) = if digits(s, 4)
            && matches!(b.get(s + 4), Some(b'/' | b'-'))
            && digits(s + 5, 2)
            && b.get(s + 7) == b.get(s + 4)
            && digits(s + 8, 2)
        {
            (
                path.get(s..s + 4)?,
                path.get(s + 5..s + 7)?,
                path.get(s + 8..s + 10)?,
            )
        } else if digits(s, 8) && !b.get(s + 8).is_some_and(u8::is_ascii_digit) {
            (
                path.get(s..s + 4)?,
                path.get(s + 4..s + 6)?,
                path.get(s + 6..s + 8)?,
            )
        } else {
            continue;
        };
        let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if let Some(dt) = date.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            return Some(dt.and_utc());
        }
    }
    None
}

/// A dated candidate from one source.
pub(crate) fn dated(
    raw: Option<&str>,
    source: MetaSource,
    confidence: f32,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DatedFrom)> {
    let d = plausible(parse_date(raw?)?, now)?;
    Some((d, DatedFrom { source, confidence }))
}

/// Published time: JSON-LD and `<meta>` first, then a `<time>` marked as the publication time,
/// then the first `<time>`, then the URL.
pub(crate) fn published(
    c: &Collected<'_>,
    ld: &LdArticle,
    url: &str,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DatedFrom)> {
    dated(ld.published.as_deref(), MetaSource::JsonLd, 0.9, now)
        .or_else(|| {
            let m = c.meta(&[
                "article:published_time",
                "datePublished",
                "og:published_time",
                "publish-date",
                "pubdate",
                "publishdate",
                "parsely-pub-date",
                "sailthru.date",
                "dc.date.issued",
                "dc.date",
                "dcterms.created",
                "date",
            ]);
            dated(m, MetaSource::Meta, 0.85, now)
        })
        .or_else(|| {
            let t = c.times.iter().find(|(_, marked)| *marked).map(|(t, _)| *t);
            dated(t, MetaSource::Time, 0.75, now)
        })
        .or_else(|| dated(c.times.first().map(|(t, _)| *t), MetaSource::Time, 0.5, now))
        .or_else(|| {
            let d = plausible(date_in_url(url)?, now)?;
            Some((
                d,
                DatedFrom {
                    source: MetaSource::Url,
                    confidence: 0.4,
                },
            ))
        })
}

/// Modified time from JSON-LD or `<meta>`.
pub(crate) fn modified(
    c: &Collected<'_>,
    ld: &LdArticle,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DatedFrom)> {
    dated(ld.modified.as_deref(), MetaSource::JsonLd, 0.85, now).or_else(|| {
        let m = c.meta(&[
            "article:modified_time",
            "dateModified",
            "og:updated_time",
            "last-modified",
            "dcterms.modified",
        ]);
        dated(m, MetaSource::Meta, 0.8, now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_dates() {
        let d = |u: &str| date_in_url(u).map(|d| d.date_naive().to_string());
        assert_eq!(
            d("https://x.com/2019/05/17/story").as_deref(),
            Some("2019-05-17")
        );
        assert_eq!(
            d("https://x.com/news/2019-05-17-story").as_deref(),
            Some("2019-05-17")
        );
        assert_eq!(
            d("https://x.com/a/20190517/b").as_deref(),
            Some("2019-05-17")
        );
        assert_eq!(d("https://x.com/a/2019/13/40/b"), None);
        assert_eq!(d("https://x.com/a/123456789/b"), None);
    }

    #[test]
    fn date_formats_and_plausibility() {
        let now = Utc::now();
        assert!(parse_date("2024-03-01T10:00:00+01:00").is_some());
        assert!(parse_date("2024-03-01 10:00:00").is_some());
        assert!(parse_date("Fri, 01 Mar 2024 10:00:00 GMT").is_some());
        assert!(parse_date("2024/03/01").is_some());
        assert!(parse_date("yesterday").is_none());
        let future = parse_date("2999-01-01").and_then(|d| plausible(d, now));
        assert!(future.is_none());
        let ancient = parse_date("1970-01-01").and_then(|d| plausible(d, now));
        assert!(ancient.is_none());
    }

    #[test]
    fn json_ld_graph_and_authors() {
        let block = r#"{"@context":"https://schema.org","@graph":[
            {"@type":"WebPage","name":"Page","datePublished":"2020-01-01"},
            {"@type":["NewsArticle"],"headline":"H","datePublished":"2024-02-03T04:05:06Z",
             "author":[{"@type":"Person","name":"A B"},{"name":"C D"}],
             "publisher":{"@type":"Organization","name":"The Paper"},
             "image":{"@type":"ImageObject","url":"https://x/i.jpg"},
             "isAccessibleForFree":"False"}]}"#;
        let ld = json_ld(&[block, "{not json"]);
        assert_eq!(ld.headline.as_deref(), Some("H"));
        assert_eq!(ld.published.as_deref(), Some("2024-02-03T04:05:06Z"));
        assert_eq!(ld.authors, vec!["A B", "C D"]);
        assert_eq!(ld.publisher.as_deref(), Some("The Paper"));
        assert_eq!(ld.image.as_deref(), Some("https://x/i.jpg"));
        assert!(ld.paywalled);
    }
}
