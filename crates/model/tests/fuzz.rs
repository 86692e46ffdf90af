//! Message decoding under hostile input: corpus files in `fuzz/corpus/messages/` and their
//! mutations are decoded as every message type. Decoding never panics, a failure is a
//! `DecodeError` with a class, and whatever decodes survives an encode/decode round trip (floats
//! within 1e-12 relative: serde_json's default float parser may be 1 ULP off, found by this test).
//! `NEWSFLOW_FUZZ_SECS=600 cargo test -p model --test fuzz` runs longer.

use std::time::Duration;

use model::{
    decode, encode, CleanArticle, DeadLetter, EnrichedArticle, RawArticle, StoryEvent, Versioned,
};
use testkit::fuzz;

fn check<T: Versioned>(bytes: &[u8]) {
    match decode::<T>(bytes) {
        Ok(msg) => {
            let again = decode::<T>(&encode(&msg))
                .unwrap_or_else(|e| panic!("{} does not decode after encoding: {e}", T::NAME));
            let (a, b) = (json(&msg), json(&again));
            assert!(
                same(&a, &b),
                "{} changed in a round trip: {a} / {b}",
                T::NAME
            );
        }
        Err(e) => {
            assert!(matches!(
                e.class(),
                model::ErrorClass::Malformed | model::ErrorClass::UnknownSchema
            ));
            assert!(!e.to_string().is_empty());
        }
    }
}

fn json<T: Versioned>(msg: &T) -> serde_json::Value {
    serde_json::from_slice(&encode(msg)).unwrap_or(serde_json::Value::Null)
}

/// Equal JSON, floats compared with a relative tolerance.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (V::Array(x), V::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn every_type(bytes: &[u8]) {
    check::<RawArticle>(bytes);
    check::<CleanArticle>(bytes);
    check::<EnrichedArticle>(bytes);
    check::<StoryEvent>(bytes);
    check::<DeadLetter>(bytes);
}

#[test]
fn fuzz_message_decoding() {
    let report = fuzz::fuzz(
        &fuzz::corpus_dir("messages"),
        fuzz::budget(Duration::from_secs(3)),
        every_type,
    );
    eprintln!("{report:?}");
    assert!(report.iterations > report.corpus_files as u64);
}

#[test]
fn valid_corpus_messages_decode() {
    let dir = fuzz::corpus_dir("messages");
    let ok = |name: &str| std::fs::read(dir.join(name)).expect("corpus file");
    assert!(decode::<RawArticle>(&ok("raw-valid.json")).is_ok());
    assert!(decode::<RawArticle>(&ok("raw-seed-minimal.json")).is_ok());
    assert!(decode::<CleanArticle>(&ok("clean-valid.json")).is_ok());
    assert!(decode::<CleanArticle>(&ok("clean-not-article.json")).is_ok());
    assert!(decode::<EnrichedArticle>(&ok("enriched-valid.json")).is_ok());
    assert!(decode::<StoryEvent>(&ok("story-valid.json")).is_ok());
    assert!(decode::<DeadLetter>(&ok("dlq-valid.json")).is_ok());
    assert!(decode::<DeadLetter>(&ok("dlq-fetcher.json")).is_ok());
    let err = decode::<RawArticle>(&ok("unknown-major.json")).expect_err("v2");
    assert_eq!(err.class(), model::ErrorClass::UnknownSchema);
}
