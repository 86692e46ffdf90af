//! End to end over a real broker and a real HTTP server: seeds and a live feed through fetcher,
//! cleaner and enricher (the whole pipeline run in this process through the library); a new feed
//! item arrives; a restart adds no second copy of anything.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{scratch, write_config, Enriched, InProcess};

const SEED_TITLES: &[(&str, &str)] = &[
    (
        "000_d369b0808f76e2a4.txt",
        "El Salvador and the US Forge Historic Deal with Venezuela for Prisoner Exchange",
    ),
    (
        "001_ce766de09f4ef673.txt",
        "El Salvador and US Finalize Historic Prisoner Exchange with Venezuela",
    ),
    (
        "004_81a1a85cb9c5f120.txt",
        "El Salvador’s Seeks Deal with Venezuela Over Deported Migrants",
    ),
];

fn seed_ids() -> Vec<String> {
    std::fs::read_dir(common::repo().join("data/seed"))
        .expect("seed dir")
        .filter_map(Result::ok)
        .map(|e| {
            model::article_id(&model::urn_for_file(
                "seed",
                &e.file_name().to_string_lossy(),
            ))
        })
        .collect()
}

fn feed_id(server: &testkit::FeedServer, slug: &str) -> String {
    model::article_id(&model::canonical_url(&server.page_url(slug)).expect("url"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_and_feed_flow_to_enriched_and_restart_adds_no_copies() {
    let broker = testkit::broker().await;
    let server = testkit::FeedServer::start(vec![
        testkit::item(
            "swap-confirmed",
            "Venezuela Confirms Prisoner Swap With El Salvador",
            "the prisoner exchange",
        ),
        testkit::item(
            "flights-land",
            "Flights Carrying Freed Americans Land in Texas",
            "the returning flights",
        ),
        testkit::item(
            "rubio-statement",
            "Rubio Thanks Bukele for Role in Exchange",
            "the statement by Marco Rubio",
        ),
    ])
    .await;
    let dir = scratch("e2e");
    let (config, prefix) = write_config(&dir, &broker.brokers(), &[server.feed_url()], "");
    let mut expected: HashMap<String, Option<String>> =
        seed_ids().into_iter().map(|id| (id, None)).collect();
    for (file, title) in SEED_TITLES {
        expected.insert(
            model::article_id(&model::urn_for_file("seed", file)),
            Some(title.to_string()),
        );
    }
    for (slug, title) in [
        (
            "swap-confirmed",
            "Venezuela Confirms Prisoner Swap With El Salvador",
        ),
        (
            "flights-land",
            "Flights Carrying Freed Americans Land in Texas",
        ),
        (
            "rubio-statement",
            "Rubio Thanks Bukele for Role in Exchange",
        ),
    ] {
        expected.insert(feed_id(&server, slug), Some(title.to_string()));
    }
    assert_eq!(expected.len(), 8);

    let first = InProcess::start(&config, newsflow::run);
    let mut enriched = Enriched::open(&broker.brokers(), &prefix).await;
    enriched
        .until(
            Duration::from_secs(90),
            "5 seeds and 3 feed articles",
            |all| {
                expected
                    .keys()
                    .all(|id| all.iter().any(|a| &a.article_id == id))
            },
        )
        .await;
    let titles = enriched.titles();
    for (id, title) in &expected {
        if let Some(t) = title {
            assert_eq!(titles.get(id), Some(t), "title of {id}");
        }
    }
    let bukele = enriched
        .all
        .iter()
        .find(|a| a.url.ends_with("002_abdd227f1209601f.txt"))
        .expect("seed 002 enriched");
    assert!(bukele
        .entities
        .iter()
        .any(|e| e.id == "person/nayib-bukele"));
    assert_eq!(bukele.language.code, "en");

    // A new item in the feed arrives, and nothing delivered before comes again as new.
    server.add(testkit::item(
        "families-wait",
        "Families Wait at Maiquetía Airport",
        "the families at the airport",
    ));
    let new_id = feed_id(&server, "families-wait");
    enriched
        .until(Duration::from_secs(60), "the added feed item", |all| {
            all.iter().any(|a| a.article_id == new_id)
        })
        .await;
    assert!(
        enriched.duplicates().is_empty(),
        "duplicates: {:?}",
        enriched.duplicates()
    );
    assert!(enriched.all.iter().all(|a| a.revision == 1));
    assert_eq!(
        server.hits("swap-confirmed"),
        1,
        "an article page was fetched twice"
    );

    first.stop(Duration::from_secs(30)).await;

    // Restart against the same broker: the fetcher remembers what it published, and the enricher
    // what it enriched. A further item proves the restarted pipeline is live.
    let second = InProcess::start(&config, newsflow::run);
    server.add(testkit::item(
        "after-restart",
        "Lawyers Question Deportation Law",
        "the legal challenge",
    ));
    let late_id = feed_id(&server, "after-restart");
    enriched
        .until(
            Duration::from_secs(90),
            "the item added after restart",
            |all| all.iter().any(|a| a.article_id == late_id),
        )
        .await;
    second.stop(Duration::from_secs(30)).await;
    assert!(
        enriched.duplicates().is_empty(),
        "restart duplicated: {:?}",
        enriched.duplicates()
    );
    assert_eq!(enriched.all.len(), 10, "records: {:?}", enriched.titles());
    assert_eq!(server.hits("swap-confirmed"), 1, "restart refetched a page");

    // Every message of the run matches the published contract in schemas/.
    for (topic, file, at_least) in [
        ("raw", "newsflow.raw.v1.schema.json", 10),
        ("clean", "newsflow.clean.v1.schema.json", 10),
        ("enriched", "newsflow.enriched.v1.schema.json", 10),
        ("stories", "newsflow.story.v1.schema.json", 2),
    ] {
        let n = common::validate_topic(&broker.brokers(), &format!("{prefix}.{topic}"), file).await;
        assert!(n >= at_least, "{topic}: {n} records");
    }
    broker.stop().await;
}
