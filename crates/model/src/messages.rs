//! The JSON bodies that travel between stages. Every body carries `"schema"`; readers refuse an
//! unknown major version and ignore unknown fields.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A message type with a versioned schema name such as `newsflow.clean/1`.
pub trait Versioned: Serialize + DeserializeOwned {
    /// Schema family, e.g. `newsflow.clean`.
    const NAME: &'static str;
    /// Major version this build reads and writes.
    const MAJOR: u32;

    /// The full schema tag written into messages.
    fn schema_tag() -> String {
        format!("{}/{}", Self::NAME, Self::MAJOR)
    }
}

/// Why a message body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not UTF-8 JSON, or fields of the wrong type.
    #[error("malformed {expected} message: {source}")]
    Malformed {
        /// Schema the reader expected.
        expected: &'static str,
        /// What serde_json said.
        source: serde_json::Error,
    },
    /// The body names another schema family or an unknown major version.
    #[error("unsupported schema {found:?}, this reader understands {expected}")]
    Schema {
        /// Schema tag found in the message.
        found: String,
        /// Schema tag this reader understands.
        expected: String,
    },
}

impl DecodeError {
    /// Class for metrics and dead letters.
    pub fn class(&self) -> crate::ErrorClass {
        match self {
            DecodeError::Malformed { .. } => crate::ErrorClass::Malformed,
            DecodeError::Schema { .. } => crate::ErrorClass::UnknownSchema,
        }
    }
}

#[derive(Deserialize)]
struct SchemaOnly {
    schema: String,
}

/// Decode a message body, checking its schema family and major version first.
pub fn decode<T: Versioned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let head: SchemaOnly =
        serde_json::from_slice(bytes).map_err(|source| DecodeError::Malformed {
            expected: T::NAME,
            source,
        })?;
    let ok = head
        .schema
        .split_once('/')
        .and_then(|(name, ver)| {
            let major = ver.split('.').next()?.parse::<u32>().ok()?;
            Some(name == T::NAME && major == T::MAJOR)
        })
        .unwrap_or(false);
    if !ok {
        return Err(DecodeError::Schema {
            found: head.schema,
            expected: T::schema_tag(),
        });
    }
    serde_json::from_slice(bytes).map_err(|source| DecodeError::Malformed {
        expected: T::NAME,
        source,
    })
}

/// Encode a message body as JSON.
pub fn encode<T: Versioned>(msg: &T) -> Vec<u8> {
    // Serialising our own plain structs cannot fail (no maps with non-string keys).
    serde_json::to_vec(msg).unwrap_or_default()
}

/// Where an article came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SourceRef {
    /// `seed`, `feed`, `inbox`.
    pub kind: crate::SourceKind,
    /// Configured name of the source.
    pub name: String,
    /// Feed URL or directory the article was found through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// What a feed entry said about the article, kept as hints for the cleaner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntryHints {
    /// Entry title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Entry publication time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    /// Entry authors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Entry summary (plain text or HTML as the feed gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A fetched document on `news.raw`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RawArticle {
    /// Schema tag, `newsflow.raw/1`.
    pub schema: String,
    /// Stable id from the canonical URL or file URN.
    pub article_id: String,
    /// Canonical URL or URN.
    pub url: String,
    /// Where it came from.
    pub source: SourceRef,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Media type of `body`, e.g. `text/html` or `text/plain`.
    pub content_type: String,
    /// The document, decoded to UTF-8.
    pub body: String,
    /// Feed entry metadata, if it came through a feed.
    #[serde(default)]
    pub hints: EntryHints,
    /// Version of the config that produced this message.
    #[serde(default)]
    pub config_version: String,
}

impl Versioned for RawArticle {
    const NAME: &'static str = "newsflow.raw";
    const MAJOR: u32 = 1;
}

/// How the cleaner judged a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An article with main text.
    Ok,
    /// A page that is not an article (index, gallery, ...).
    NotArticle,
    /// Too little text to be an article.
    TooShort,
    /// Text behind a paywall.
    Paywalled,
    /// Content rendered by JavaScript only.
    JsRequired,
    /// An anti-bot challenge page.
    BotChallenge,
    /// Not HTML or text.
    UnsupportedContentType,
    /// Larger than the cleaner's size limit; refused unparsed (see `reason`).
    TooLarge,
}

/// Where a piece of metadata (a date) was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetaSource {
    /// A schema.org JSON-LD block.
    JsonLd,
    /// A `<meta>` tag (Open Graph, Dublin Core, `article:*`, ...).
    Meta,
    /// A `<time datetime>` element in the page.
    Time,
    /// A date in the URL path.
    Url,
    /// The feed entry the article came through.
    Feed,
    /// A date written in the article's text: a date line, a dateline, or the latest full date
    /// (the confidence says which).
    Text,
}

/// A date with where it came from and how far it is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DatedFrom {
    /// Where it was found.
    pub source: MetaSource,
    /// Confidence in [0, 1].
    pub confidence: f32,
}

/// A change the cleaner made to the text, so downstream knows it was altered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Repair {
    /// Kind of repair, e.g. `duplicate_title`, `repeated_paragraph`, `markdown_emphasis`.
    pub kind: String,
    /// The text that was removed or replaced.
    pub before: String,
    /// What replaced it (empty when removed).
    #[serde(default)]
    pub after: String,
}

/// A cleaned article on `news.clean`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CleanArticle {
    /// Schema tag, `newsflow.clean/1`.
    pub schema: String,
    /// Stable id.
    pub article_id: String,
    /// Canonical URL or URN.
    pub url: String,
    /// Where it came from.
    pub source: SourceRef,
    /// Extraction outcome.
    pub outcome: Outcome,
    /// Extraction confidence in [0, 1].
    pub confidence: f32,
    /// Title.
    pub title: String,
    /// Lead or standfirst, when one is recognisable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// Body paragraphs, in order (lead not repeated).
    pub paragraphs: Vec<String>,
    /// Hash of the clean text (title, lead and paragraphs).
    pub content_hash: String,
    /// Authors, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Publication time, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    /// Language declared by the document, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_language: Option<String>,
    /// Repairs made to the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<Repair>,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// Version of the config that produced the raw message.
    #[serde(default)]
    pub config_version: String,
    /// Metadata beyond the core fields, and the reason for a non-`ok` outcome. Flattened: these
    /// are top-level JSON fields, each optional, so older messages still decode.
    #[serde(default, flatten)]
    pub meta: CleanMeta,
}

/// Page metadata and outcome detail of a [`CleanArticle`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CleanMeta {
    /// Where `published` came from, and its confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_from: Option<DatedFrom>,
    /// Last modification time, when the page says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<Utc>>,
    /// Where `modified` came from, and its confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_from: Option<DatedFrom>,
    /// Canonical URL the page declares (`<link rel=canonical>`, `og:url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_url: Option<String>,
    /// Site or publisher name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    /// Description or summary the page declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Main image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Why the outcome is not `ok`, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CleanArticle {
    /// The clean text as the enricher sees it: title, lead and paragraphs separated by blank lines.
    pub fn text(&self) -> String {
        let mut parts: Vec<&str> = vec![self.title.as_str()];
        if let Some(lead) = &self.lead {
            parts.push(lead);
        }
        parts.extend(self.paragraphs.iter().map(String::as_str));
        parts.join("\n\n")
    }
}

impl Versioned for CleanArticle {
    const NAME: &'static str = "newsflow.clean";
    const MAJOR: u32 = 1;
}

/// Detected language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Language {
    /// ISO 639-1 code where one exists, else ISO 639-3.
    pub code: String,
    /// Confidence in [0, 1].
    pub confidence: f32,
}

/// One occurrence of an entity in the enriched `text`, as byte offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Mention {
    /// Start byte offset into `EnrichedArticle::text`.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// The text as written.
    pub surface: String,
}

/// An entity mentioned in an article, resolved to its canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntityRef {
    /// Canonical id from the gazetteer, e.g. `person/nayib-bukele`.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// `person`, `organization`, `place`, `law`, `facility`, `event`.
    pub kind: crate::EntityKind,
    /// Where it is mentioned.
    pub mentions: Vec<Mention>,
}

/// An article on `news.enriched`: the latest record per id is its current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnrichedArticle {
    /// Schema tag, `newsflow.enriched/1`.
    pub schema: String,
    /// Stable id.
    pub article_id: String,
    /// 1 for the first version seen, +1 for each changed content hash.
    pub revision: u32,
    /// Hash of the clean text.
    pub content_hash: String,
    /// Canonical URL or URN.
    pub url: String,
    /// Where it came from.
    pub source: SourceRef,
    /// Title.
    pub title: String,
    /// The clean text the offsets refer to.
    pub text: String,
    /// Publication time, when known; an article without one says so (never the fetch time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    /// Where `published` came from, and its confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_from: Option<DatedFrom>,
    /// Detected language.
    pub language: Language,
    /// Entities found, with canonical names.
    pub entities: Vec<EntityRef>,
    /// Another article with exactly the same content hash, seen earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// Cleaner outcome carried through.
    pub outcome: Outcome,
    /// Repairs the cleaner made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<Repair>,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// When it was enriched.
    pub enriched_at: DateTime<Utc>,
    /// Version of the config that produced the raw message.
    #[serde(default)]
    pub config_version: String,
    /// Story the article belongs to (`newsflow.story/1` events on the stories topic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_id: Option<String>,
    /// An earlier article with nearly the same text (a rewrite or a syndicated copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicate_of: Option<NearDuplicate>,
    /// Numeric facts with their subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
    /// Key terms, most important first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// A short extractive summary: sentences of the text, in text order.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Relevance to each configured tracked story.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevance: Vec<Relevance>,
}

/// A near-duplicate link to an earlier article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NearDuplicate {
    /// The earlier article.
    pub article_id: String,
    /// Estimated Jaccard similarity of the word shingles, in [0, 1].
    pub similarity: f32,
}

/// A numeric fact found in the text, e.g. "nearly 250 Venezuelan detainees".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Claim {
    /// `count`, `percent`, `amount`, `year` or `date`.
    pub kind: crate::ClaimKind,
    /// The number (a year for `year`, `yyyymmdd` for `date`).
    pub value: f64,
    /// Normalised subject, language-independent where known: `venezuelans`, `american citizens`,
    /// `Alien Enemies Act`.
    pub subject: String,
    /// Normalised hedge (`about`, `more than`, `at least`, ...), when the number is qualified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedge: Option<String>,
    /// What happened to the subject (`freed`, `held`, `deported`, `killed`, `arrested`, ...),
    /// when the sentence says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The text as written.
    pub surface: String,
    /// Start byte offset into the text.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

/// How relevant an article is to one tracked story from the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Relevance {
    /// Tracked story name.
    pub tracked: String,
    /// Score in [0, 1].
    pub score: f32,
    /// Score at or above the tracked story's threshold.
    pub relevant: bool,
}

impl Versioned for EnrichedArticle {
    const NAME: &'static str = "newsflow.enriched";
    const MAJOR: u32 = 1;
}

/// What happened to a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StoryChange {
    /// A new story with its first article.
    Created,
    /// An article joined the story.
    Updated,
    /// The story was merged into another (`merged_into`); it receives no more articles.
    Merged,
}

/// An entity prominent in a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoryEntity {
    /// Canonical id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// Articles of the story that mention it.
    pub articles: u32,
}

/// One value reported for a claim subject, and who reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaimValue {
    /// The number.
    pub value: f64,
    /// Hedges used with it (`nearly`, `around`), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hedges: Vec<String>,
    /// Articles that report it.
    pub article_ids: Vec<String>,
    /// Sources that report it.
    pub sources: Vec<String>,
}

/// A row of a story's claims table: one subject, the values sources give for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaimRow {
    /// Claim kind (`count`, `year`, ...).
    pub kind: crate::ClaimKind,
    /// Normalised subject.
    pub subject: String,
    /// What happened to the subject (`freed`, `held`, ...), when the articles say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Distinct values, most reported first.
    pub values: Vec<ClaimValue>,
    /// True when every article gives the same value.
    pub agree: bool,
}

/// A story event on `news.stories`, keyed by story id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoryEvent {
    /// Schema tag, `newsflow.story/1`.
    pub schema: String,
    /// Stable story id, derived from the id of its first article.
    pub story_id: String,
    /// What happened.
    pub change: StoryChange,
    /// Number of events for this story so far, starting at 1.
    pub version: u32,
    /// Title: the title of the article that matched the story best so far.
    pub title: String,
    /// Article that caused this event.
    pub article_id: String,
    /// Articles in the story, in arrival order (the latest 500 for a larger story).
    pub article_ids: Vec<String>,
    /// Number of articles in the story.
    #[serde(default)]
    pub article_count: u32,
    /// Distinct source names.
    pub sources: Vec<String>,
    /// Most mentioned entities, most articles first.
    pub top_entities: Vec<StoryEntity>,
    /// Where sources agree and where they differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimRow>,
    /// For `merged`: the story that absorbed this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// Stories merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// Similar stories about another event (earlier or later, or not quite the same).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Time of the earliest article.
    pub first_seen: DateTime<Utc>,
    /// Time of the latest article.
    pub last_seen: DateTime<Utc>,
}

impl Versioned for StoryEvent {
    const NAME: &'static str = "newsflow.story";
    const MAJOR: u32 = 1;
}

/// A message a stage could not process, on `news.dlq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeadLetter {
    /// Schema tag, `newsflow.dlq/1`.
    pub schema: String,
    /// Stage that gave up: `fetcher`, `cleaner`, `enricher`.
    pub stage: String,
    /// Short error class, e.g. `malformed`, `unknown_schema`, `unprocessable`.
    pub error_class: crate::ErrorClass,
    /// Human-readable reason.
    pub reason: String,
    /// When it was dead-lettered.
    pub time: DateTime<Utc>,
    /// Topic the message was read from (empty for fetcher failures).
    pub source_topic: String,
    /// Partition it was read from.
    pub partition: i32,
    /// Offset it was read from.
    pub offset: i64,
    /// Original key, if UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Original payload when it is valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Original payload, base64, when it is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
    /// Size of the original payload in bytes.
    #[serde(default)]
    pub payload_bytes: usize,
    /// Whether `payload`/`payload_base64` hold only the start of an oversized original (such a
    /// letter cannot be replayed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl Versioned for DeadLetter {
    const NAME: &'static str = "newsflow.dlq";
    const MAJOR: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorClass;

    fn raw() -> RawArticle {
        RawArticle {
            schema: RawArticle::schema_tag(),
            article_id: "abc".into(),
            url: "https://example.com/a".into(),
            source: SourceRef {
                kind: crate::SourceKind::Feed,
                name: "example".into(),
                origin: None,
            },
            fetched_at: Utc::now(),
            content_type: "text/html".into(),
            body: "<p>hi</p>".into(),
            hints: EntryHints::default(),
            config_version: "v1".into(),
        }
    }

    #[test]
    fn round_trip_and_unknown_fields_ignored() {
        let msg = raw();
        let mut v: serde_json::Value = serde_json::from_slice(&encode(&msg)).expect("json");
        v["future_field"] = serde_json::json!({"x": 1});
        let back: RawArticle = decode(&serde_json::to_vec(&v).expect("json")).expect("decodes");
        assert_eq!(back, msg);
    }

    #[test]
    fn minor_versions_are_accepted_and_major_refused() {
        let mut v = serde_json::to_value(raw()).expect("json");
        v["schema"] = "newsflow.raw/1.3".into();
        assert!(decode::<RawArticle>(&serde_json::to_vec(&v).expect("json")).is_ok());
        v["schema"] = "newsflow.raw/2".into();
        let err = decode::<RawArticle>(&serde_json::to_vec(&v).expect("json")).expect_err("v2");
        assert_eq!(err.class(), ErrorClass::UnknownSchema);
        assert!(err.to_string().contains("newsflow.raw/2"));
        v["schema"] = "newsflow.clean/1".into();
        assert!(decode::<RawArticle>(&serde_json::to_vec(&v).expect("json")).is_err());
    }

    #[test]
    fn kinds_this_build_does_not_know_decode_and_pass_through() {
        // An older message (known kinds) and a newer one (a kind added later): both decode, and
        // encoding gives the same strings back.
        for kind in ["inbox", "satellite"] {
            let mut v = serde_json::to_value(raw()).expect("json");
            v["source"]["kind"] = kind.into();
            let back: RawArticle = decode(&serde_json::to_vec(&v).expect("json")).expect("decodes");
            assert_eq!(back.source.kind.as_str(), kind);
            let again: serde_json::Value = serde_json::from_slice(&encode(&back)).expect("json");
            assert_eq!(again, v);
        }
        let letter = br#"{"schema":"newsflow.dlq/1","stage":"cleaner","error_class":"quota","reason":"r","time":"2026-01-01T00:00:00Z","source_topic":"t","partition":0,"offset":1}"#;
        let d: DeadLetter = decode(letter).expect("decodes");
        assert_eq!(d.error_class, crate::ErrorClass::Other("quota".into()));
        let known = String::from_utf8_lossy(letter).replace("quota", "malformed");
        let d: DeadLetter = decode(known.as_bytes()).expect("decodes");
        assert_eq!(d.error_class, crate::ErrorClass::Malformed);
    }

    #[test]
    fn garbage_is_malformed() {
        let err = decode::<RawArticle>(b"{not json").expect_err("garbage");
        assert_eq!(err.class(), ErrorClass::Malformed);
        let err = decode::<RawArticle>(&[0xff, 0xfe, 0x00]).expect_err("bytes");
        assert_eq!(err.class(), ErrorClass::Malformed);
        let err = decode::<RawArticle>(br#"{"schema":"newsflow.raw/1"}"#).expect_err("fields");
        assert_eq!(err.class(), ErrorClass::Malformed);
    }
}
