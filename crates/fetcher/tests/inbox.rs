//! The inbox directory: files dropped while the fetcher runs are ingested once each, and a file
//! still being written is not read early.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{config, Running};
use fetcher::DirSpec;

#[tokio::test]
async fn inbox_files_are_ingested_once_each_and_not_while_written() {
    let dir = std::env::temp_dir().join(testkit::unique("inbox"));
    std::fs::create_dir_all(&dir).expect("inbox dir");
    let mut cfg = config(Vec::new());
    cfg.dirs.push(DirSpec {
        kind: "inbox".into(),
        name: "inbox".into(),
        path: dir.clone(),
        rescan: Duration::from_millis(200),
    });
    let r = Running::start(cfg);
    // A slow writer: a line every 300 ms for 2.4 s, each append seen by a scan.
    {
        let mut f = std::fs::File::create(dir.join("by-hand.md")).expect("create");
        for i in 0..8 {
            writeln!(f, "line {i} of an article added by hand").expect("write");
            f.flush().expect("flush");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    std::fs::write(dir.join("second.txt"), "A second article.").expect("write");
    std::fs::write(dir.join("ignored.jpg"), "not an article").expect("write");
    r.sink
        .until(Duration::from_secs(15), "both inbox files", |rec| {
            rec.published.len() >= 2
        })
        .await;
    // Later scans find both files unchanged.
    let unchanged = Running::count(&r.stats.unchanged);
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    while Running::count(&r.stats.unchanged) < unchanged + 4 {
        assert!(tokio::time::Instant::now() < end, "no further scans");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sink = r.stop().await;
    let rec = sink.lock();
    assert_eq!(rec.published.len(), 2, "{:?}", sink.urls());
    let md = rec
        .published
        .iter()
        .find(|a| a.url.ends_with("by-hand.md"))
        .expect("md published");
    assert_eq!(
        md.body.lines().count(),
        8,
        "read before it was written: {:?}",
        md.body
    );
    assert_eq!(md.content_type, "text/markdown");
    assert_eq!(md.source.kind, "inbox");
    std::fs::remove_dir_all(&dir).ok();
}
