//! A malformed message on the raw topic lands on the dead-letter topic with a reason, and the
//! cleaner goes on to process the messages behind it.

mod common;

use std::time::Duration;

use bus::{KafkaSettings, Publisher, TopicReader, TopicSpec, Topics};
use model::{CleanArticle, DeadLetter, EntryHints, RawArticle, SourceRef, Versioned};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_raw_message_is_dead_lettered_and_cleaner_continues() {
    let broker = testkit::broker().await;
    let dir = common::scratch("dlq");
    let (config, prefix) = common::write_config(&dir, &broker.brokers(), &[], "");
    let settings = KafkaSettings::new(broker.brokers());
    let topics = Topics::with_prefix(&prefix);
    bus::ensure_topics(&settings, &TopicSpec::pipeline(&topics, 1, 1, 1 << 20))
        .await
        .expect("topics");

    let publisher = Publisher::new(&settings, 1 << 20).expect("producer");
    publisher
        .publish(&topics.raw, "bad", b"{this is not json")
        .await
        .expect("produce bad");
    let good = RawArticle {
        schema: RawArticle::schema_tag(),
        article_id: "good-1".into(),
        url: "https://example.com/good".into(),
        source: SourceRef {
            kind: "feed".into(),
            name: "t".into(),
            origin: None,
        },
        fetched_at: chrono::Utc::now(),
        content_type: "text/plain".into(),
        body: format!(
            "A Good Headline Here\n\n{}",
            testkit::item("x", "t", "the talks").paragraphs.join("\n\n")
        ),
        hints: EntryHints::default(),
        config_version: String::new(),
    };
    publisher
        .publish(&topics.raw, "good-1", &model::encode(&good))
        .await
        .expect("produce good");

    let cleaner = common::Newsflow::start(&config, &["cleaner"]);

    let dlq = TopicReader::open(&settings, &topics.dlq, false)
        .await
        .expect("dlq reader");
    let rec = tokio::time::timeout(Duration::from_secs(60), dlq.next())
        .await
        .expect("dead letter within 60 s")
        .expect("read");
    let letter: DeadLetter =
        model::decode(&rec.payload.unwrap_or_default()).expect("dead letter body");
    assert_eq!(letter.stage, "cleaner");
    assert_eq!(letter.error_class, "malformed");
    assert!(
        letter.reason.contains("newsflow.raw"),
        "reason: {}",
        letter.reason
    );
    assert_eq!(letter.source_topic, topics.raw);
    assert_eq!(letter.offset, 0);
    assert_eq!(letter.payload.as_deref(), Some("{this is not json"));

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
    assert_eq!(article.schema, CleanArticle::schema_tag());
    cleaner.stop(Duration::from_secs(30));
    broker.stop().await;
}
