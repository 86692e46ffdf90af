//! Dead letters: the original message with stage, error class, reason and where it came from.

use base64::Engine;
use chrono::Utc;
use model::{DeadLetter, Versioned};

/// Most payload bytes a dead letter carries; larger originals are cut, so that the letter itself
/// always fits the dead-letter topic.
pub const MAX_DEAD_PAYLOAD: usize = 64 * 1024;

/// Build a dead letter for a message read from `topic/partition/offset`.
pub fn dead_letter(
    stage: &str,
    error_class: model::ErrorClass,
    reason: &str,
    source: (&str, i32, i64),
    key: Option<&[u8]>,
    payload: Option<&[u8]>,
) -> DeadLetter {
    let size = payload.map_or(0, <[u8]>::len);
    let truncated = size > MAX_DEAD_PAYLOAD;
    let payload = payload.map(|p| &p[..p.len().min(MAX_DEAD_PAYLOAD)]);
    let (text, b64) = match payload {
        None => (None, None),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => (Some(s.to_string()), None),
            Err(_) => (
                None,
                Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            ),
        },
    };
    DeadLetter {
        schema: DeadLetter::schema_tag(),
        stage: stage.to_string(),
        error_class,
        reason: reason.to_string(),
        time: Utc::now(),
        source_topic: source.0.to_string(),
        partition: source.1,
        offset: source.2,
        key: key
            .and_then(|k| std::str::from_utf8(k).ok())
            .map(str::to_string),
        payload: text,
        payload_base64: b64,
        payload_bytes: size,
        truncated,
    }
}

/// The original payload of a dead letter, `None` when it was cut or is missing.
pub fn original_payload(letter: &DeadLetter) -> Option<Vec<u8>> {
    if letter.truncated {
        return None;
    }
    match (&letter.payload, &letter.payload_base64) {
        (Some(text), _) => Some(text.as_bytes().to_vec()),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD.decode(b64).ok(),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_payload_kept_as_text_and_bytes_as_base64() {
        let d = dead_letter(
            "cleaner",
            model::ErrorClass::Malformed,
            "bad",
            ("t", 0, 5),
            Some(b"k"),
            Some(b"{x"),
        );
        assert_eq!(d.payload.as_deref(), Some("{x"));
        assert!(d.payload_base64.is_none());
        assert_eq!(d.key.as_deref(), Some("k"));
        let d = dead_letter(
            "cleaner",
            model::ErrorClass::Malformed,
            "bad",
            ("t", 0, 5),
            None,
            Some(&[0xff, 0x00]),
        );
        assert_eq!(d.payload_base64.as_deref(), Some("/wA="));
        assert!(d.payload.is_none());
        assert_eq!(original_payload(&d), Some(vec![0xff, 0x00]));
    }

    #[test]
    fn oversized_payload_is_cut_and_not_replayable() {
        let big = vec![b'a'; MAX_DEAD_PAYLOAD + 10];
        let d = dead_letter(
            "cleaner",
            model::ErrorClass::Oversized,
            "big",
            ("t", 0, 1),
            None,
            Some(&big),
        );
        assert!(d.truncated);
        assert_eq!(d.payload_bytes, MAX_DEAD_PAYLOAD + 10);
        assert_eq!(d.payload.as_ref().map(String::len), Some(MAX_DEAD_PAYLOAD));
        assert_eq!(original_payload(&d), None);
    }
}
