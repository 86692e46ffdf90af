//! `newsflow replay`: send chosen dead letters back to the topic they were read from, once the
//! cause is fixed (a stage bug, a config limit). Letters that fail again land on the dead-letter
//! topic again, so replaying is always safe.

use anyhow::{Context, Result};

use crate::config::Config;

/// Which dead letters to replay.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Selection {
    /// Only letters from this stage (`cleaner`, `enricher`).
    #[arg(long)]
    pub stage: Option<String>,
    /// Only letters of this error class (`malformed`, `unknown_schema`, `oversized`, `panic`, ...).
    #[arg(long)]
    pub class: Option<model::ErrorClass>,
    /// Only the letters at these dead-letter positions, `partition:offset` (repeatable).
    #[arg(long = "at")]
    pub at: Vec<String>,
    /// Every letter (required when no other filter is given).
    #[arg(long)]
    pub all: bool,
    /// Send to this topic instead of each letter's source topic.
    #[arg(long)]
    pub to: Option<String>,
    /// Print what would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_at(s: &str) -> Result<(i32, i64)> {
    let (p, o) = s
        .split_once(':')
        .with_context(|| format!("--at {s:?}: expected partition:offset"))?;
    Ok((
        p.parse()
            .with_context(|| format!("--at {s:?}: partition"))?,
        o.parse().with_context(|| format!("--at {s:?}: offset"))?,
    ))
}

/// Replay the selected letters; returns how many were sent.
pub async fn replay(cfg: &Config, brokers: &str, sel: &Selection) -> Result<usize> {
    let at: Vec<(i32, i64)> = sel.at.iter().map(|s| parse_at(s)).collect::<Result<_>>()?;
    anyhow::ensure!(
        sel.all || sel.stage.is_some() || sel.class.is_some() || !at.is_empty(),
        "choose letters with --stage, --class or --at, or pass --all"
    );
    let settings = cfg.kafka(brokers);
    let dlq = cfg.topics().dlq;
    let publisher = bus::Publisher::new(&settings, cfg.max_message_bytes())?;
    let (mut sent, mut skipped) = (0usize, 0usize);
    for rec in bus::read_to_end(&settings, &dlq).await? {
        let Some(letter) = rec
            .payload
            .as_deref()
            .and_then(|p| model::decode::<model::DeadLetter>(p).ok())
        else {
            tracing::warn!(partition = rec.partition, offset = rec.offset, topic = %dlq, "not a dead letter, skipped");
            continue;
        };
        let chosen = sel.stage.as_ref().is_none_or(|s| *s == letter.stage)
            && sel.class.as_ref().is_none_or(|c| *c == letter.error_class)
            && (at.is_empty() || at.contains(&(rec.partition, rec.offset)));
        if !chosen {
            continue;
        }
        let target = sel
            .to
            .clone()
            .unwrap_or_else(|| letter.source_topic.clone());
        let payload = bus::original_payload(&letter);
        let (Some(payload), false) = (payload, target.is_empty()) else {
            skipped += 1;
            println!(
                "skipped {}:{} ({} {}): {}",
                rec.partition,
                rec.offset,
                letter.stage,
                letter.error_class,
                if target.is_empty() {
                    "no source topic (fetcher failure: fix the feed or page instead)"
                } else {
                    "payload was cut (oversized), cannot be replayed"
                }
            );
            continue;
        };
        println!(
            "{} {}:{} ({} {}) -> {target} key={}",
            if sel.dry_run {
                "would replay"
            } else {
                "replayed"
            },
            rec.partition,
            rec.offset,
            letter.stage,
            letter.error_class,
            letter.key.as_deref().unwrap_or("")
        );
        if !sel.dry_run {
            publisher
                .publish(&target, letter.key.as_deref().unwrap_or(""), &payload)
                .await?;
        }
        sent += 1;
    }
    publisher.flush(std::time::Duration::from_secs(10))?;
    println!(
        "{sent} letter(s) {}, {skipped} skipped",
        if sel.dry_run { "selected" } else { "replayed" }
    );
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_parse_and_bad_ones_are_named() {
        assert_eq!(parse_at("2:17").expect("ok"), (2, 17));
        let e = parse_at("17").expect_err("no partition");
        assert!(e.to_string().contains("\"17\""), "{e}");
    }
}
