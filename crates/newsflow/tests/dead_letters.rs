//! Poison input: malformed JSON, an unknown schema major version, an oversized message, invalid
//! UTF-8 and a payload the stage cannot use each land on the dead-letter topic with stage, reason,
//! original bytes and source topic/partition/offset, while the messages behind them are cleaned.
//! `newsflow replay` sends chosen letters back to their input topic. The cleaner runs in this
//! process through the library; `replay` is run as the command.

mod common;

use std::time::Duration;

use base64::Engine;
use bus::{KafkaSettings, Publisher, TopicReader};
use model::{CleanArticle, DeadLetter, RawArticle};
use newsflow::topology::Topics;

fn raw(id: &str, body: String) -> RawArticle {
    common::raw_text(id, &format!("https://example.com/{id}"), "feed", "t", body)
}

async fn next_letter(reader: &TopicReader) -> (i64, DeadLetter) {
    let rec = tokio::time::timeout(Duration::from_secs(60), reader.next())
        .await
        .expect("dead letter within 60 s")
        .expect("read");
    let letter = model::decode(&rec.payload.unwrap_or_default()).expect("dead letter body");
    (rec.offset, letter)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_inputs_are_dead_lettered_and_replayable() {
    let broker = testkit::broker().await;
    let dir = common::scratch("dlq");
    let (config, prefix) = common::write_config(&dir, &broker.brokers(), &[], "");
    let settings = KafkaSettings::new(broker.brokers());
    let topics = Topics::with_prefix(&prefix);
    bus::ensure_topics(&settings, &common::pipeline_topics(&prefix, 1))
        .await
        .expect("topics");

    let body = format!(
        "A Good Headline Here\n\n{}",
        testkit::item("x", "t", "the talks").paragraphs.join("\n\n")
    );
    let unknown_major = String::from_utf8(model::encode(&raw("v2", body.clone())))
        .expect("utf8")
        .replace("newsflow.raw/1", "newsflow.raw/2");
    let oversized = model::encode(&raw("big", "word ".repeat(40_000)));
    let invalid_utf8 = vec![b'{', 0xff, 0xfe, b'}'];
    let missing_fields = br#"{"schema":"newsflow.raw/1","article_id":"half"}"#.to_vec();
    let poison: Vec<(&str, Vec<u8>)> = vec![
        ("malformed", b"{this is not json".to_vec()),
        ("unknown_schema", unknown_major.into_bytes()),
        ("oversized", oversized.clone()),
        ("malformed", invalid_utf8.clone()),
        ("malformed", missing_fields),
    ];
    let publisher = Publisher::new(&settings, 1 << 20).expect("producer");
    for (i, (_, bytes)) in poison.iter().enumerate() {
        publisher
            .publish(&topics.raw, &format!("bad-{i}"), bytes)
            .await
            .expect("produce poison");
    }
    publisher
        .publish(&topics.raw, "good-1", &model::encode(&raw("good-1", body)))
        .await
        .expect("produce good");

    // A small body cap makes the 200 KB message oversized for this cleaner.
    let cleaner = common::InProcess::start_with(
        &config,
        |c| c.fetcher.max_body_bytes = 4096,
        newsflow::cleaner::run,
    );

    let dlq = TopicReader::open(&settings, &topics.dlq, false)
        .await
        .expect("dlq reader");
    let mut letters = Vec::new();
    for _ in 0..poison.len() {
        letters.push(next_letter(&dlq).await.1);
    }
    letters.sort_by_key(|l| l.offset);
    for (i, (letter, (class, bytes))) in letters.iter().zip(&poison).enumerate() {
        let ctx = format!("letter for raw offset {i}: {letter:?}");
        assert_eq!(letter.stage, "cleaner", "{ctx}");
        assert_eq!(letter.error_class, *class, "{ctx}");
        assert_eq!(letter.source_topic, topics.raw, "{ctx}");
        assert_eq!((letter.partition, letter.offset), (0, i as i64), "{ctx}");
        assert_eq!(letter.key.as_deref(), Some(format!("bad-{i}").as_str()));
        assert_eq!(letter.payload_bytes, bytes.len(), "{ctx}");
        assert!(!letter.reason.is_empty());
        if *class != "oversized" {
            assert_eq!(bus::original_payload(letter).as_ref(), Some(bytes), "{ctx}");
        }
    }
    assert!(
        letters[0].reason.contains("newsflow.raw"),
        "{:?}",
        letters[0]
    );
    assert!(
        letters[1].reason.contains("newsflow.raw/2"),
        "{:?}",
        letters[1]
    );
    assert!(letters[2].truncated && letters[2].reason.contains("exceeds"));
    assert_eq!(
        letters[3].payload_base64.as_deref(),
        Some(
            base64::engine::general_purpose::STANDARD
                .encode(&invalid_utf8)
                .as_str()
        )
    );
    assert!(
        letters[4].reason.contains("missing field"),
        "{:?}",
        letters[4]
    );

    // Processing went on behind the poison.
    let clean = TopicReader::open(&settings, &topics.clean, false)
        .await
        .expect("clean reader");
    let rec = tokio::time::timeout(Duration::from_secs(60), clean.next())
        .await
        .expect("clean within 60 s")
        .expect("read");
    let article: CleanArticle =
        model::decode(&rec.payload.unwrap_or_default()).expect("clean body");
    assert_eq!(article.article_id, "good-1");
    assert_eq!(article.title, "A Good Headline Here");

    // Replay needs a choice; then sends exactly the chosen letter back, byte for byte.
    let (ok, _) = common::Newsflow::run(&config, &["replay"]);
    assert!(!ok, "replay without a selection must refuse");
    let (ok, out) = common::Newsflow::run(&config, &["replay", "--class", "unknown_schema"]);
    assert!(ok, "{out}");
    assert!(out.contains("1 letter(s) replayed"), "{out}");
    let (ok, out) = common::Newsflow::run(&config, &["replay", "--class", "oversized"]);
    assert!(ok && out.contains("cannot be replayed"), "{out}");
    let (offset, again) = next_letter(&dlq).await;
    assert_eq!(offset, poison.len() as i64, "one new letter");
    assert_eq!(again.error_class, "unknown_schema");
    assert_eq!(
        again.offset,
        (poison.len() + 1) as i64,
        "replayed to the raw topic's end"
    );
    assert_eq!(bus::original_payload(&again), Some(poison[1].1.clone()));

    cleaner.stop(Duration::from_secs(30)).await;
    let n = common::validate_topic(
        &broker.brokers(),
        &topics.dlq,
        "newsflow.dlq.v1.schema.json",
    )
    .await;
    assert_eq!(n, poison.len() + 1);
    broker.stop().await;
}
