//! Dead letters: the original message with stage, error class, reason and where it came from.

use base64::Engine;
use chrono::Utc;
use model::{DeadLetter, Versioned};

/// Build a dead letter for a message read from `topic/partition/offset`.
pub fn dead_letter(
    stage: &str,
    error_class: &str,
    reason: &str,
    source: (&str, i32, i64),
    key: Option<&[u8]>,
    payload: Option<&[u8]>,
) -> DeadLetter {
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
        error_class: error_class.to_string(),
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_payload_kept_as_text_and_bytes_as_base64() {
        let d = dead_letter(
            "cleaner",
            "malformed",
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
            "malformed",
            "bad",
            ("t", 0, 5),
            None,
            Some(&[0xff, 0x00]),
        );
        assert_eq!(d.payload_base64.as_deref(), Some("/wA="));
        assert!(d.payload.is_none());
    }
}
