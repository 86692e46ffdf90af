//! Property test: `clean` never panics, on random bytes and on mangled HTML, and keeps its
//! invariants (confidence in [0, 1], a hash, a reason for refusals). Seeded and time-bounded so
//! CI stays fast and failures reproduce (the failing seed is printed).

use std::time::{Duration, Instant};

use chrono::Utc;
use model::{EntryHints, Outcome, RawArticle, SourceRef, Versioned};

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const PIECES: &[&str] = &[
    "<html>",
    "</html>",
    "<head>",
    "</head>",
    "<body>",
    "</body>",
    "<div class=\"article-body\">",
    "<div class=\"comments\">",
    "<div id=\"sidebar\">",
    "</div>",
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<article>",
    "</article>",
    "<nav>",
    "</nav>",
    "<ul><li>",
    "</li></ul>",
    "<a href=\"/x\">",
    "</a>",
    "<h1>",
    "</h1>",
    "<h2>",
    "</h2>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<script type=\"application/ld+json\">",
    "{\"@type\":\"NewsArticle\",\"datePublished\":\"",
    "\"articleBody\":\"",
    "\"}",
    "[[[{",
    "<meta property=\"article:published_time\" content=\"",
    "2024-02-30T25:61:00Z",
    "2999-01-01",
    "0000-00-00",
    "\">",
    "<title>",
    "</title>",
    "<time datetime=\"",
    "<table><tr><td>",
    "</td></tr></table>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&#0;",
    "&#xFFFFFF;",
    "&nbsp;",
    "\u{0}",
    "\u{FEFF}",
    "é",
    "日本語",
    "\u{202E}",
    "The quick brown fox, said officials, jumped over the lazy dog. ",
    "to to ",
    "under the X ",
    "**bold** ",
    "Filed under: x\n",
    "\n\n",
    "<",
    ">",
    "\"",
    "'",
    "=",
    "<p hidden>",
    "<span style=\"display:none\">",
    "<form>",
    "</form>",
    "<header>",
    "<footer>",
    "<aside>",
    "<noscript>enable JavaScript</noscript>",
    "<div class=\"paywall\">",
];

fn raw(content_type: &str, body: String) -> RawArticle {
    RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: "prop".into(),
        url: "https://example.com/2024/05/17/x?utm_source=y".into(),
        source: SourceRef {
            kind: "test".into(),
            name: "prop".into(),
            origin: None,
        },
        fetched_at: Utc::now(),
        content_type: content_type.into(),
        body,
        hints: EntryHints::default(),
        config_version: String::new(),
    }
}

fn check(r: &RawArticle, seed: u64) {
    let c = cleaner::clean(r);
    assert!(
        (0.0..=1.0).contains(&c.confidence),
        "seed {seed}: confidence {}",
        c.confidence
    );
    assert!(!c.content_hash.is_empty(), "seed {seed}: no hash");
    if c.outcome != Outcome::Ok {
        assert!(
            c.meta.reason.is_some(),
            "seed {seed}: {:?} without reason",
            c.outcome
        );
    }
}

#[test]
fn random_bytes_and_mangled_html_never_panic() {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut cases = 0u32;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    while Instant::now() < deadline && cases < 5_000 {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut rng = Rng(seed | 1);
        let body = match rng.below(3) {
            0 => {
                let n = rng.below(4096);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => {
                let n = rng.below(400);
                let mut s = String::new();
                for _ in 0..n {
                    s.push_str(rng.pick(PIECES));
                }
                s
            }
        };
        let ct = [
            "text/html",
            "text/plain",
            "text/markdown",
            "application/xhtml+xml",
        ][rng.below(4)];
        check(&raw(ct, body), seed);
        cases += 1;
    }
    assert!(cases > 10, "only {cases} cases ran");
}

#[test]
fn deep_nesting_through_the_worker_path() {
    // 100,000 levels: refused before parsing, quickly, with a reason.
    let n = 100_000;
    let body = format!(
        "<html><body>{}<p>Deep text, with a comma, and enough words to be read as a paragraph.</p>{}</body></html>",
        "<div><span>".repeat(n),
        "</span></div>".repeat(n)
    );
    let c = cleaner::clean(&raw("text/html", body));
    assert_eq!(c.outcome, Outcome::TooLarge);
    // Just under the limit: parsed and walked without recursion.
    let n = 1_000;
    let body = format!(
        "<html><body>{}<p>Deep text, with a comma, and enough words to be read as a paragraph.</p>{}</body></html>",
        "<div><span>".repeat(n),
        "</span></div>".repeat(n)
    );
    check(&raw("text/html", body), 0);
    let body = "<ul><li>".repeat(1_000);
    check(&raw("text/html", body), 1);
}

#[test]
fn oversized_documents_are_refused_with_a_reason() {
    let body = "a ".repeat(cleaner::MAX_DOCUMENT_BYTES / 2 + 1);
    let c = cleaner::clean(&raw("text/html", body));
    assert_eq!(c.outcome, Outcome::TooLarge);
    assert!(c
        .meta
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("limit")));
    assert!(c.paragraphs.is_empty());
}
