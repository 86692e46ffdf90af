//! Feed parsing under hostile input: corpus files in `fuzz/corpus/feeds/` and their mutations go
//! through everything the fetcher does with a feed body (charset decoding, feed-rs, entries,
//! `<ttl>`/`sy:` hints, autodiscovery and canonical links). None may panic; failures are `Err`.
//! `NEWSFLOW_FUZZ_SECS=600 cargo test -p fetcher --test fuzz` runs longer.

use std::time::Duration;

use testkit::fuzz;

const FEED_URL: &str = "https://feeds.example.com/world/rss.xml";

fn feed_body(bytes: &[u8]) {
    // Declared charset, and undeclared (BOM, `<meta charset>`, UTF-8 check, chardetng).
    let latin = fetcher::decode_body(bytes, Some("iso-8859-1"), "text/xml");
    let html = fetcher::decode_body(bytes, None, "text/html");
    for text in [&latin, &html] {
        assert!(text.len() <= bytes.len() * 3 + 3, "decoding grew the text");
    }
    match fetcher::parse_feed(FEED_URL, bytes) {
        Ok(feed) => {
            let _ = feed.ttl.map(|m| u64::from(m) * 60);
            for e in fetcher::entries_of(&feed, FEED_URL) {
                if let Some(link) = &e.link {
                    if let Ok(u) = model::canonical_url(link) {
                        let _ = model::article_id(&u);
                    }
                }
            }
        }
        Err(e) => assert!(e.to_string().contains(FEED_URL), "{e}"),
    }
    let _ = fetcher::syndication_period(bytes);
    let _ = fetcher::alternate_feeds(&html, "https://site.example/section/");
    let _ = fetcher::canonical_link(&html, "https://site.example/a/1");
}

#[test]
fn fuzz_feed_parsing() {
    let report = fuzz::fuzz(
        &fuzz::corpus_dir("feeds"),
        fuzz::budget(Duration::from_secs(3)),
        feed_body,
    );
    eprintln!("{report:?}");
    assert!(report.iterations > report.corpus_files as u64);
}
