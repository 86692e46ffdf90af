//! `newsflow tail`: a topic's messages, one readable line each (or whole JSON bodies).

use std::future::Future;

use anyhow::Result;

use crate::config::Config;

/// One line for a record of `topic`: position, key and the fields that tell messages apart
/// (schema, title, url, stage, error class, reason, language, entities).
pub fn summary(topic: &str, rec: &bus::Record) -> String {
    let key = rec
        .key
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let body = rec.payload.as_deref().unwrap_or_default();
    let about = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => {
            let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let mut s = format!("{} ", get("schema"));
            for k in ["title", "url", "stage", "error_class", "reason"] {
                let x = get(k);
                if !x.is_empty() {
                    s.push_str(&format!("{k}={x:?} "));
                }
            }
            if let Some(l) = v
                .get("language")
                .and_then(|l| l.get("code"))
                .and_then(|c| c.as_str())
            {
                s.push_str(&format!("lang={l} "));
            }
            if let Some(es) = v.get("entities").and_then(|e| e.as_array()) {
                let names: Vec<&str> = es
                    .iter()
                    .filter_map(|e| e.get("name").and_then(|n| n.as_str()))
                    .collect();
                s.push_str(&format!("entities={names:?}"));
            }
            s
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    };
    format!("{topic}/{}@{} key={key} {about}", rec.partition, rec.offset)
}

/// Print the messages of `topic` (a short name such as `enriched`, or a full name): what is
/// there now, or with `follow` also what arrives until `shutdown`.
pub async fn tail(
    cfg: &Config,
    brokers: &str,
    topic: &str,
    follow: bool,
    json: bool,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let name = cfg.topics().resolve(topic);
    let settings = cfg.kafka(brokers);
    let print = |rec: &bus::Record| {
        if json {
            println!(
                "{}",
                String::from_utf8_lossy(rec.payload.as_deref().unwrap_or_default())
            );
        } else {
            println!("{}", summary(&name, rec));
        }
    };
    if follow {
        let reader = bus::TopicReader::open(&settings, &name, false).await?;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                rec = reader.next() => print(&rec?),
            }
        }
    }
    for rec in bus::read_to_end(&settings, &name).await? {
        print(&rec);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_what_tells_messages_apart() {
        let rec = bus::Record {
            partition: 2,
            offset: 7,
            key: Some(b"k1".to_vec()),
            payload: Some(
                br#"{"schema":"newsflow.enriched/1","title":"T","language":{"code":"es"},"entities":[{"name":"Venezuela"}]}"#
                    .to_vec(),
            ),
        };
        let s = summary("news.enriched", &rec);
        assert!(
            s.starts_with("news.enriched/2@7 key=k1 newsflow.enriched/1 "),
            "{s}"
        );
        assert!(s.contains("title=\"T\"") && s.contains("lang=es"), "{s}");
        assert!(s.contains("entities=[\"Venezuela\"]"), "{s}");
        let junk = bus::Record {
            partition: 0,
            offset: 0,
            key: None,
            payload: Some(b"\xff\x00".to_vec()),
        };
        assert!(summary("t", &junk).ends_with("<2 bytes, not JSON>"));
    }
}
