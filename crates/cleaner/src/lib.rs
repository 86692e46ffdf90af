//! The cleaner: a fetched document (HTML page or plain-text article) to title, lead and
//! paragraphs, with every repair to the text recorded. Plain functions over plain types.

pub mod eval;
mod html;
mod meta;
mod repair;
mod text;

use model::{
    CleanArticle, CleanMeta, DatedFrom, MetaSource, Outcome, RawArticle, Repair, Versioned,
};

pub use html::{
    explain, extract_html, extract_html_at, extract_html_with, nesting_estimate, HtmlExtract,
    Weights, WeightsError,
};
pub use repair::repair_paragraph;
pub use text::{extract_text, TextExtract};

/// Fewer words than this in the body is not an article.
const MIN_WORDS: usize = 40;

/// Documents larger than this are refused unparsed (outcome `too_large`): beyond it a page is
/// almost never an article, and parsing it would cost the worker memory and time for nothing.
/// Above the fetcher's default body cap (5 MiB), so pages the fetcher keeps are cleaned.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// HTML nested deeper than this (by [`nesting_estimate`]) is refused unparsed (outcome
/// `too_large`): parsing cost grows with depth times tags, and no article nests this deep.
pub const MAX_NESTING: usize = 10_000;

/// On an HTML page a date in the text counts only near the start: the publication-date
/// header (600 characters) and room for a date that starts there to end.
const HTML_DATE_CHARS: usize = 800;

/// Articles with fewer words than this and a paywall marker are judged `paywalled`.
const PAYWALL_WORDS: usize = 150;

/// Clean one raw document. Never fails: a document that yields no article gets an explicit outcome.
pub fn clean(raw: &RawArticle) -> CleanArticle {
    clean_at(raw, chrono::Utc::now())
}

/// [`clean`] with the current time given, for refusing future dates deterministically.
pub fn clean_at(raw: &RawArticle, now: chrono::DateTime<chrono::Utc>) -> CleanArticle {
    clean_with(raw, now, &Weights::default())
}

/// [`clean_at`] with other scoring weights (for the extraction bench's sweeps).
pub fn clean_with(
    raw: &RawArticle,
    now: chrono::DateTime<chrono::Utc>,
    weights: &Weights,
) -> CleanArticle {
    let media = raw
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let feed_date = raw.hints.published.and_then(|d| meta::plausible(d, now));
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
        published: feed_date,
        declared_language: None,
        repairs: Vec::new(),
        fetched_at: raw.fetched_at,
        config_version: raw.config_version.clone(),
        meta: CleanMeta {
            published_from: feed_date.map(|_| DatedFrom {
                source: MetaSource::Feed,
                confidence: 0.8,
            }),
            ..CleanMeta::default()
        },
    };
    let html = matches!(media.as_str(), "text/html" | "application/xhtml+xml");
    // Whether a date written in the text may date the document (not where an HTML page
    // declares itself something other than an article).
    let mut text_dates = true;
    let text = matches!(
        media.as_str(),
        "text/plain" | "text/markdown" | "text/x-markdown" | ""
    );
    if (html || text) && raw.body.len() > MAX_DOCUMENT_BYTES {
        out.outcome = Outcome::TooLarge;
        out.meta.reason = Some(format!(
            "document of {} bytes is over the {} byte limit",
            raw.body.len(),
            MAX_DOCUMENT_BYTES
        ));
    } else if html && nesting_estimate(&raw.body) > MAX_NESTING {
        out.outcome = Outcome::TooLarge;
        out.meta.reason = Some(format!("markup nested deeper than {MAX_NESTING} levels"));
    } else if html {
        text_dates = clean_html(raw, now, weights, &mut out);
    } else if text {
        let x = extract_text(&raw.body);
        out.title = x.title;
        out.lead = x.lead;
        out.paragraphs = x.paragraphs;
        out.repairs = x.repairs;
        out.confidence = x.confidence;
    } else {
        out.outcome = Outcome::UnsupportedContentType;
        out.meta.reason = Some(format!("content type {media:?} is neither HTML nor text"));
    }
    if (html || text) && out.outcome == Outcome::Ok && out.published.is_none() && text_dates {
        date_from_text(raw, now, html, &mut out);
    }
    if out.outcome == Outcome::Ok && word_count(&out) < MIN_WORDS {
        out.outcome = Outcome::TooShort;
        out.meta.reason = Some(format!("fewer than {MIN_WORDS} words of text"));
    }
    if out.outcome != Outcome::Ok {
        out.confidence = out.confidence.min(0.3);
    }
    out.content_hash = model::content_hash(&out.text());
    out
}

/// Where metadata gives no date: the URL (`/2025/07/18/`), then a date written in the text, in
/// any of the six languages: in plain text a date line or dateline near the start, else the
/// latest full date; on an HTML page only a full date at the start of the text. A page that
/// states no date in its metadata is mostly not an article (a product, service or listing
/// page), and the dates in its text are offers, events and copyright years: on WCXB-dev the
/// unrestricted fallback dated 90 pages, 10 of them right. An article with none stays undated;
/// the fetch time is never its date.
fn date_from_text(
    raw: &RawArticle,
    now: chrono::DateTime<chrono::Utc>,
    html: bool,
    out: &mut CleanArticle,
) {
    let noon = |d: chrono::NaiveDate| d.and_hms_opt(12, 0, 0).map(|t| t.and_utc());
    if let Some(d) = lexicon::dates::url_date(&raw.url)
        .and_then(noon)
        .and_then(|d| meta::plausible(d, now))
    {
        out.published = Some(d);
        out.meta.published_from = Some(DatedFrom {
            source: MetaSource::Url,
            confidence: 0.6,
        });
        return;
    }
    // Plain text keeps its date lines ("Published December 8, 2022"), which cleaning drops.
    // A page's text is read only as far as a header date can start (and end), which also
    // saves reading dates out of a whole listing.
    let body = if html {
        // Captions and credits date a photo ("FILE - ... on Aug. 4, 2022"), not the article.
        // Only the opening is read, so the rest of a long page is neither folded nor copied.
        let lx = lexicon::lexicon();
        let mut text = String::new();
        let parts = std::iter::once(out.title.as_str())
            .chain(out.lead.as_deref())
            .chain(out.paragraphs.iter().map(String::as_str));
        for p in parts {
            if text.chars().count() > HTML_DATE_CHARS {
                break;
            }
            if !lx.is_credit_line(p) {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(p);
            }
        }
        match text.char_indices().nth(HTML_DATE_CHARS) {
            Some((i, _)) => text[..i].to_string(),
            None => text,
        }
    } else {
        raw.body.clone()
    };
    let reference = raw.fetched_at.min(now);
    let found = lexicon::dates::publication_date(&body, reference)
        .filter(|(_, found, _)| !html || matches!(found, lexicon::dates::Found::Header));
    if let Some((d, _, confidence)) = found {
        if let Some(d) = noon(d).and_then(|d| meta::plausible(d, now)) {
            out.published = Some(d);
            out.meta.published_from = Some(DatedFrom {
                source: MetaSource::Text,
                confidence,
            });
        }
    }
}

fn word_count(a: &CleanArticle) -> usize {
    a.lead
        .iter()
        .chain(a.paragraphs.iter())
        .map(|p| p.split_whitespace().count())
        .sum()
}

/// Fill `out` from an HTML page; returns whether a date in the text may date it (the page
/// declares no type other than an article's).
fn clean_html(
    raw: &RawArticle,
    now: chrono::DateTime<chrono::Utc>,
    weights: &Weights,
    out: &mut CleanArticle,
) -> bool {
    let x = extract_html_with(&raw.body, &raw.url, now, weights);
    let text_dates = x.declared_type.as_deref().is_none_or(is_article_kind);
    // The page's own headline beats the feed entry's title; the entry's is the fallback.
    if !x.title.is_empty() {
        out.title = x.title;
    }
    out.paragraphs = x.paragraphs;
    out.repairs = x.repairs;
    out.declared_language = x.language;
    // A date the page states in metadata beats the feed's; the feed's beats `<time>` and URL.
    let feed_conf = out.meta.published_from.map_or(0.0, |f| f.confidence);
    if let Some((d, from)) = x.published {
        if out.published.is_none() || from.confidence > feed_conf {
            out.published = Some(d);
            out.meta.published_from = Some(from);
        }
    }
    if let Some((d, from)) = x.modified {
        out.meta.modified = Some(d);
        out.meta.modified_from = Some(from);
    }
    if out.authors.is_empty() {
        out.authors = x.authors;
    }
    out.meta.canonical_url = x.canonical;
    out.meta.site_name = x.site_name;
    out.meta.description = x.description;
    out.meta.image = x.image;
    out.confidence = x.confidence;
    let words = word_count(out);
    if words < MIN_WORDS {
        if let Some((outcome, why)) = blocked(&raw.body, x.page_chars, x.page_link_density) {
            out.outcome = outcome;
            out.meta.reason = Some(why.to_string());
            return text_dates;
        }
    }
    if x.paywall_marked && words < PAYWALL_WORDS {
        out.outcome = Outcome::Paywalled;
        out.meta.reason = Some("paywall marker on the page and little text".into());
    } else if x.page_link_density > 0.6
        && (words < PAYWALL_WORDS
            || (x.retried && (words as f32 * (1.0 - x.page_link_density)) < PAYWALL_WORDS as f32))
    {
        // A listing read by the retry is judged on its running text: the text stays, the
        // outcome flags it.
        out.outcome = Outcome::NotArticle;
        out.meta.reason = Some("mostly links, little running text".into());
    }
    text_dates
}

/// An `og:type` that an article declares ("article", "blog", "news..."); "website",
/// "product", "profile" and the like are pages of other kinds.
fn is_article_kind(kind: &str) -> bool {
    let k = kind.trim().to_ascii_lowercase();
    k.is_empty() || k.starts_with("article") || k.starts_with("blog") || k.starts_with("news")
}

/// A page with more visible text than this is not an interstitial, whatever captcha widget or
/// bot-management script it carries (comment forms carry reCAPTCHA and hCaptcha).
const INTERSTITIAL_MAX_CHARS: usize = 1500;

/// An interstitial is a few words and a widget; a page whose text is mostly links is a listing
/// (index and profile pages carry sign-in captchas), whatever captcha script it loads.
const INTERSTITIAL_MAX_LINK_DENSITY: f32 = 0.5;

/// Pages that show a bot challenge or need JavaScript instead of an article. Only looked at
/// when the page gave almost no text, so the scan costs nothing on ordinary articles.
fn blocked(body: &str, page_chars: usize, link_density: f32) -> Option<(Outcome, &'static str)> {
    let head: String = body
        .get(..body.len().min(256 * 1024))
        .unwrap_or(body)
        .to_lowercase();
    // Markers of the interstitial itself.
    const BOT: &[&str] = &[
        "cf-browser-verification",
        "cf_chl_",
        "<title>just a moment",
        "attention required! | cloudflare",
        "checking your browser",
        "<title>access denied",
    ];
    // Widgets and scripts that interstitials use but ordinary pages carry too (captchas on
    // comment and contact forms, bot-management scripts): only on pages with little text.
    const BOT_WEAK: &[&str] = &[
        "challenge-platform",
        "px-captcha",
        "g-recaptcha",
        "h-captcha",
        "are you a robot",
        "verify you are human",
        "unusual traffic from your",
    ];
    const JS: &[&str] = &[
        "enable javascript",
        "javascript is required",
        "javascript is disabled",
        "requires javascript",
        "turn on javascript",
        "javascript must be enabled",
    ];
    if BOT.iter().any(|m| head.contains(m))
        || (page_chars <= INTERSTITIAL_MAX_CHARS
            && link_density < INTERSTITIAL_MAX_LINK_DENSITY
            && BOT_WEAK.iter().any(|m| head.contains(m)))
    {
        return Some((Outcome::BotChallenge, "bot challenge page"));
    }
    if JS.iter().any(|m| head.contains(m))
        || [
            "id=\"root\"></div>",
            "id=\"__next\"></div>",
            "id=\"app\"></div>",
        ]
        .iter()
        .any(|m| head.contains(m))
    {
        return Some((Outcome::JsRequired, "content is rendered by JavaScript"));
    }
    None
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
    fn text_dates_on_pages_only_at_the_start_and_only_on_articles() {
        let para = "<p>The story goes on for a while, with commas, clauses and enough words to be a body of text that the cleaner keeps as the article.</p>";
        let page = |og: &str, first: &str| {
            format!(
                r#"<html><head><meta property="og:type" content="{og}"></head><body><article><p>{first}</p>{para}{para}{para}{para}{para}{para}<p>The offer ends on March 3, 2025, as the shop says.</p></article></body></html>"#
            )
        };
        let dated = |body: String| {
            clean_at(&raw("text/html", &body), chrono::Utc::now())
                .published
                .map(|d| d.date_naive().to_string())
        };
        // A date at the start of an article dates it.
        let opening = "On December 8, 2022, the council voted on the plan, officials said.";
        assert_eq!(dated(page("article", opening)), Some("2022-12-08".into()));
        // A date further into the text does not (an offer, an event).
        assert_eq!(dated(page("article", "A first line of text here.")), None);
        // A page declaring itself a product is not dated by its text.
        assert_eq!(dated(page("product", opening)), None);
    }

    #[test]
    fn short_text_is_too_short() {
        let c = clean(&raw("text/plain", "A title\n\nOne short line."));
        assert_eq!(c.outcome, Outcome::TooShort);
    }

    #[test]
    fn blocked_pages_get_their_outcome() {
        let bot = r#"<html><head><title>Just a moment...</title></head><body><div id="cf-browser-verification">Checking your browser</div></body></html>"#;
        let c = clean(&raw("text/html", bot));
        assert_eq!(c.outcome, Outcome::BotChallenge);
        assert!(c.meta.reason.is_some());
        let js = r#"<html><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>"#;
        assert_eq!(clean(&raw("text/html", js)).outcome, Outcome::JsRequired);
        let pay = r#"<html><head><script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}</script></head><body><article><p>The first lines of the story are free to read, and then the rest of it, which runs to many more words than this, is for subscribers only, sadly enough for everyone.</p></article></body></html>"#;
        let c = clean(&raw("text/html", pay));
        assert_eq!(c.outcome, Outcome::Paywalled);
        assert!(c.confidence <= 0.3);
        let links: String = (0..80)
            .map(|i| format!("<li><a href=\"/s{i}\">Story number {i} of the day</a></li>"))
            .collect();
        let index = format!("<html><body><ul>{links}</ul><p>Welcome to the front page of the site, where the news of the day is listed for readers.</p></body></html>");
        assert_eq!(
            clean(&raw("text/html", &index)).outcome,
            Outcome::NotArticle
        );
    }

    #[test]
    fn captcha_in_a_comment_form_is_not_a_bot_challenge() {
        // A real interstitial: a captcha and a few words.
        let wall = r#"<html><head><title>Security check</title></head><body><h1>Please verify you are human</h1><form><div class="g-recaptcha" data-sitekey="k"></div></form></body></html>"#;
        assert_eq!(
            clean(&raw("text/html", wall)).outcome,
            Outcome::BotChallenge
        );
        // An article whose text the extractor cannot pick out (short paragraphs in a grid),
        // with a reCAPTCHA on its comment form: not a challenge, and its text stays.
        let cells: String = (0..40)
            .map(|i| format!("<div class=\"cell\"><span>Entry {i} of a long table of festival dates and places, with notes</span></div>"))
            .collect();
        let article = format!(
            r#"<html><body><div class="grid">{cells}</div><div id="respond"><form id="commentform"><textarea name="comment"></textarea><div class="g-recaptcha" data-sitekey="k"></div></form></div></body></html>"#
        );
        let c = clean(&raw("text/html", &article));
        assert_ne!(c.outcome, Outcome::BotChallenge);
        assert!(c.text().contains("Entry 7 of a long table"));
        // Whatever the extractor makes of it, the page's own text rules the captcha out.
        let x = extract_html(&article);
        assert!(x.page_chars > INTERSTITIAL_MAX_CHARS);
        assert_eq!(blocked(&article, x.page_chars, x.page_link_density), None);
        let x = extract_html(wall);
        assert!(blocked(wall, x.page_chars, x.page_link_density).is_some());
    }

    #[test]
    fn a_short_listing_with_a_sign_in_captcha_is_not_a_bot_challenge() {
        // Index pages of hosted blogs load reCAPTCHA for their sign-in dialog and show little
        // text, nearly all of it links: a listing, not an interstitial.
        let items: String = (0..12)
            .map(|i| format!("<li><a href=\"/p/{i}\">Post {i} on scaling</a></li>"))
            .collect();
        let page = format!(
            r#"<html><head><script src="https://www.google.com/recaptcha/enterprise.js"></script></head><body><nav><a href="/signin">Sign in</a></nav><ul>{items}</ul><div class="g-recaptcha" data-sitekey="k"></div><p>We log data.</p></body></html>"#
        );
        let c = clean(&raw("text/html", &page));
        assert_ne!(c.outcome, Outcome::BotChallenge);
        let x = extract_html(&page);
        assert!(x.page_chars <= INTERSTITIAL_MAX_CHARS);
        assert_eq!(blocked(&page, x.page_chars, x.page_link_density), None);
    }

    #[test]
    fn a_photo_caption_s_date_does_not_date_the_page() {
        // No date metadata: a date at the start of the text dates the page, but not one in a
        // photo caption, which dates the photo.
        let page = |caption: &str| {
            format!(
                r#"<html><head><title>Swap done</title></head><body><article><h1>Swap done</h1><p>{caption}</p><p>{}</p></article></body></html>"#,
                "The two prisoners were exchanged at the airport after months of talks. ".repeat(8)
            )
        };
        let caption =
            "FILE - The player is escorted from a courtroom near Moscow, on Aug. 4, 2022.";
        let c = clean(&raw("text/html", &page(caption)));
        assert_eq!(c.outcome, Outcome::Ok);
        assert_eq!(c.published, None);
        let c = clean(&raw(
            "text/html",
            &page("MOSCOW, December 8, 2022 - Russia freed the player in a swap today."),
        ));
        assert_eq!(
            c.published.map(|t| t.date_naive().to_string()).as_deref(),
            Some("2022-12-08")
        );
    }

    #[test]
    fn html_metadata_reaches_the_message() {
        let body = format!(
            r#"<html lang="es"><head><meta property="og:site_name" content="Diario"><meta property="article:modified_time" content="2024-05-18T10:00:00Z"><link rel="canonical" href="https://d.example/a"></head><body><article><p>{}</p></article></body></html>"#,
            "Una frase con varias palabras, y comas, para llenar el texto. ".repeat(10)
        );
        let mut r = raw("text/html", &body);
        r.url = "https://d.example/2024/05/17/a".into();
        let c = clean(&r);
        assert_eq!(c.outcome, Outcome::Ok);
        assert_eq!(c.declared_language.as_deref(), Some("es"));
        assert_eq!(c.meta.site_name.as_deref(), Some("Diario"));
        assert_eq!(c.meta.canonical_url.as_deref(), Some("https://d.example/a"));
        assert_eq!(
            c.meta.published_from.map(|f| f.source),
            Some(MetaSource::Url)
        );
        assert_eq!(
            c.meta.modified_from.map(|f| f.source),
            Some(MetaSource::Meta)
        );
        // Old messages without the new fields still decode.
        let mut v = serde_json::to_value(&c).expect("json");
        for k in [
            "site_name",
            "canonical_url",
            "published_from",
            "modified",
            "modified_from",
        ] {
            v.as_object_mut().map(|o| o.remove(k));
        }
        let back: CleanArticle = serde_json::from_value(v).expect("decodes");
        assert_eq!(back.meta.site_name, None);
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
