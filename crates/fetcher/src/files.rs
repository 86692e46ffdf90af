//! Directories of article files: the seed directory and the inbox. Each `.txt`, `.md` or `.html`
//! file is one article with a stable URN from its file name; a changed file is a new revision.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use model::{EntryHints, RawArticle, SourceRef, Versioned};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use telemetry::InternalEvent;

use crate::events::{EntryUnchanged, FilePublishFailed, FilePublished, ScanFailed};
use crate::{Ctx, DirSpec, SeenEntry, Sink};

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

/// Size and modification time of a file at one scan.
pub type FileSeen = (u64, Option<SystemTime>);

/// A file is settled (finished being written) when it is older than a second and its size and
/// modification time are the same as at the previous scan (`previous` is `None` when there was
/// no previous scan, e.g. the first scan after a start, and the age alone decides).
pub fn is_settled(
    previous: Option<Option<&FileSeen>>,
    now_seen: &FileSeen,
    now: SystemTime,
) -> bool {
    let old = now_seen
        .1
        .and_then(|m| now.duration_since(m).ok())
        .is_none_or(|age| age >= SETTLE);
    match previous {
        None => old,
        Some(prev) => old && prev == Some(now_seen),
    }
}

/// Article files in `dir`, sorted by name. Files still being written (modified within the last
/// second) are left for the next scan; unreadable files are logged and skipped.
pub fn scan_dir(dir: &Path) -> std::io::Result<Vec<FileArticle>> {
    scan_dir_stable(dir, None)
}

/// Like [`scan_dir`], and with `observed` (sizes and times of the previous scan, updated here) a
/// file is read only once it has not changed between two scans.
pub fn scan_dir_stable(
    dir: &Path,
    mut observed: Option<&mut std::collections::HashMap<String, FileSeen>>,
) -> std::io::Result<Vec<FileArticle>> {
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
        let Some(content_type) = content_type_of(&path) else {
            continue;
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let seen_now: FileSeen = (meta.len(), meta.modified().ok());
        let settled = match observed.as_deref_mut() {
            Some(map) => {
                let prev = map.insert(name.clone(), seen_now);
                is_settled(Some(prev.as_ref()), &seen_now, now)
            }
            None => is_settled(None, &seen_now, now),
        };
        if !settled {
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

/// The content type of an article file by its extension (`.txt`, `.md`, `.markdown`, `.html`,
/// `.htm`, any case); `None` for other files.
pub fn content_type_of(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "txt" => Some("text/plain"),
        "md" | "markdown" => Some("text/markdown"),
        "html" | "htm" => Some("text/html"),
        _ => None,
    }
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
    ctx: Arc<Ctx<S>>,
    shutdown: CancellationToken,
) {
    let stats = &*ctx.stats;
    // The inbox is written to while we run: a file is read only once it is stable between two
    // scans. Seeds are in place before the start.
    let mut observed = std::collections::HashMap::new();
    loop {
        let stable = (dir.kind == model::SourceKind::Inbox).then_some(&mut observed);
        match scan_dir_stable(&dir.path, stable) {
            Ok(files) => {
                for f in files {
                    if shutdown.is_cancelled() {
                        return;
                    }
                    let urn = model::urn_for_file(dir.kind.as_str(), &f.file_name);
                    let id = model::article_id(&urn);
                    if ctx.seen.lock().await.is_current(&id, &f.hash) {
                        EntryUnchanged { stats, id: &id }.emit();
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
                        config_version: ctx.version.get(),
                    };
                    if let Err(e) = ctx.sink.publish(article).await {
                        FilePublishFailed {
                            stats,
                            file: &f.file_name,
                            error: &e,
                        }
                        .emit();
                        continue;
                    }
                    let entry = SeenEntry {
                        key: id,
                        version: f.hash,
                    };
                    crate::remember(&*ctx.sink, &ctx.seen, entry).await;
                    FilePublished {
                        stats,
                        source: &dir.name,
                        file: &f.file_name,
                    }
                    .emit();
                }
            }
            Err(e) => ScanFailed {
                stats,
                dir: &dir.path,
                error: &e,
            }
            .emit(),
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

    #[test]
    fn a_file_is_settled_when_unchanged_between_scans() {
        let now = SystemTime::now();
        let old = Some(now - Duration::from_secs(5));
        let young = Some(now - Duration::from_millis(100));
        assert!(is_settled(None, &(10, old), now));
        assert!(!is_settled(None, &(10, young), now));
        // Seen for the first time by a stability-checking scan: wait for the next one.
        assert!(!is_settled(Some(None), &(10, old), now));
        assert!(is_settled(Some(Some(&(10, old))), &(10, old), now));
        // Grew since the last scan (a slow writer that keeps an old mtime).
        assert!(!is_settled(Some(Some(&(5, old))), &(10, old), now));
    }
}
