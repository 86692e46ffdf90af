//! Directories of article files: the seed directory and the inbox. Each `.txt`, `.md` or `.html`
//! file is one article with a stable URN from its file name; a changed file is a new revision.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use model::{EntryHints, RawArticle, SourceRef, Versioned};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::{DirSpec, FetcherStats, SeenEntry, SeenState, Sink};

/// A file that is ready to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileArticle {
    /// File name, the basis of the URN.
    pub file_name: String,
    /// `text/plain`, `text/markdown` or `text/html`.
    pub content_type: String,
    /// Contents decoded to UTF-8.
    pub body: String,
    /// Hash of the raw bytes.
    pub hash: String,
}

/// Files younger than this may still be being written.
const SETTLE: Duration = Duration::from_secs(1);

/// Article files in `dir`, sorted by name. Files still being written (modified within the last
/// second) are left for the next scan; unreadable files are logged and skipped.
pub fn scan_dir(dir: &Path) -> std::io::Result<Vec<FileArticle>> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    names.sort();
    let now = SystemTime::now();
    for path in names {
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let content_type = match ext.as_str() {
            "txt" => "text/plain",
            "md" | "markdown" => "text/markdown",
            "html" | "htm" => "text/html",
            _ => continue,
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let young = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age < SETTLE);
        if young {
            continue;
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot read article file");
                continue;
            }
        };
        let hash = hex_hash(&bytes);
        let body = crate::decode_body(&bytes, None, content_type);
        out.push(FileArticle {
            file_name: name,
            content_type: content_type.to_string(),
            body,
            hash,
        });
    }
    Ok(out)
}

fn hex_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) async fn watch_dir<S: Sink>(
    dir: DirSpec,
    config_version: String,
    sink: Arc<S>,
    seen: Arc<Mutex<SeenState>>,
    stats: Arc<FetcherStats>,
    shutdown: CancellationToken,
) {
    loop {
        match scan_dir(&dir.path) {
            Ok(files) => {
                for f in files {
                    if shutdown.is_cancelled() {
                        return;
                    }
                    let urn = model::urn_for_file(&dir.kind, &f.file_name);
                    let id = model::article_id(&urn);
                    if seen.lock().await.is_current(&id, &f.hash) {
                        FetcherStats::bump(&stats.unchanged);
                        continue;
                    }
                    let article = RawArticle {
                        schema: RawArticle::schema_tag(),
                        article_id: id.clone(),
                        url: urn,
                        source: SourceRef {
                            kind: dir.kind.clone(),
                            name: dir.name.clone(),
                            origin: Some(dir.path.display().to_string()),
                        },
                        fetched_at: Utc::now(),
                        content_type: f.content_type,
                        body: f.body,
                        hints: EntryHints::default(),
                        config_version: config_version.clone(),
                    };
                    if let Err(e) = sink.publish(article).await {
                        tracing::warn!(file = %f.file_name, error = %e, "publish failed, will retry");
                        FetcherStats::bump(&stats.errors);
                        continue;
                    }
                    let entry = SeenEntry {
                        key: id,
                        version: f.hash,
                    };
                    crate::remember(&*sink, &seen, entry).await;
                    FetcherStats::bump(&stats.published);
                    tracing::info!(source = %dir.name, file = %f.file_name, "file article published");
                }
            }
            Err(e) => {
                tracing::warn!(dir = %dir.path.display(), error = %e, "cannot scan directory");
                FetcherStats::bump(&stats.errors);
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(dir.rescan) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_article_files_only_and_skips_young_files() {
        let dir = std::env::temp_dir().join(format!("newsflow-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("b.txt"), "hello").expect("write");
        std::fs::write(dir.join("a.html"), "<p>x</p>").expect("write");
        std::fs::write(dir.join("c.jpg"), "x").expect("write");
        std::fs::write(dir.join(".hidden.txt"), "x").expect("write");
        let old = SystemTime::now() - Duration::from_secs(10);
        for n in ["a.html", "b.txt"] {
            let f = std::fs::File::options()
                .write(true)
                .open(dir.join(n))
                .expect("open");
            f.set_modified(old).expect("mtime");
        }
        std::fs::write(dir.join("d.md"), "being written").expect("write");
        let found = scan_dir(&dir).expect("scan");
        let names: Vec<_> = found.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, vec!["a.html", "b.txt"]);
        assert_eq!(found[0].content_type, "text/html");
        std::fs::remove_dir_all(&dir).ok();
    }
}
