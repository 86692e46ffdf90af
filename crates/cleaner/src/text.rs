//! Plain-text and markdown articles: the seed and inbox format. A lead line, a title line that is
//! sometimes repeated, a body, `**bold**` markers, trailing boilerplate.

use std::collections::HashSet;

use model::Repair;

use crate::{repair, repair_paragraph};

/// What the plain-text extractor found.
#[derive(Debug, Clone, PartialEq)]
pub struct TextExtract {
    /// Title line, or the start of the first sentence when there is none.
    pub title: String,
    /// Lead or standfirst.
    pub lead: Option<String>,
    /// Body paragraphs.
    pub paragraphs: Vec<String>,
    /// Repairs made.
    pub repairs: Vec<Repair>,
    /// Confidence in [0, 1].
    pub confidence: f32,
}

/// Lines that end an article body without being part of it.
pub(crate) fn is_boilerplate(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    const PREFIXES: &[&str] = &[
        "filed under",
        "tags:",
        "share this",
        "share on",
        "follow us",
        "subscribe",
        "sign up for",
        "read more",
        "related:",
        "related articles",
        "copyright",
        "©",
        "all rights reserved",
        "archivado en",
        "etiquetas:",
        "lee también",
        "te puede interesar",
    ];
    PREFIXES.iter().any(|p| l.starts_with(p)) || l == "advertisement" || l == "publicidad"
}

/// Strip markdown emphasis and heading markers from a line.
fn strip_markdown(line: &str) -> String {
    let mut s = line.trim();
    while let Some(rest) = s.strip_prefix('#') {
        s = rest;
    }
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // `**`, `__` and single `*` used as emphasis; a lone `*` between spaces stays.
        if c == '*' || (c == '_' && i + 1 < chars.len() && chars[i + 1] == '_') {
            let mut j = i;
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
            let before_space = i == 0 || chars[i - 1].is_whitespace();
            let after_space = j >= chars.len() || chars[j].is_whitespace();
            if !(before_space && after_space) {
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out.trim().to_string()
}

fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A line that reads like a headline: short, no final full stop, most words capitalised.
fn is_title_like(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() < 2 || words.len() > 20 || line.chars().count() > 160 {
        return false;
    }
    if line.ends_with('.') || line.ends_with(',') || line.ends_with(':') {
        return false;
    }
    // A byline, a photo caption or credit, or a date line is never the title (checked after the
    // cheap tests: it folds the line and looks for dates).
    if lexicon::lexicon().is_non_title_line(line) {
        return false;
    }
    let capitalised = words
        .iter()
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        })
        .count();
    capitalised * 2 >= words.len()
}

/// A dateline standing as a sentence of its own: places and an agency in brackets, "Berlin,
/// Caracas (epd)." — where and from whom, not what happened.
fn is_agency_dateline(s: &str) -> bool {
    let s = s.trim().trim_end_matches('.');
    let Some((places, agency)) = s.strip_suffix(')').and_then(|x| x.rsplit_once('(')) else {
        return false;
    };
    let words: Vec<&str> = places
        .split([' ', ',', '/'])
        .filter(|w| !w.is_empty())
        .collect();
    (1..=4).contains(&words.len())
        && words.iter().all(|w| w.starts_with(char::is_uppercase))
        && (1..=12).contains(&agency.chars().count())
        && agency.split_whitespace().count() <= 2
}

/// A headline made from the first sentence when the text has no title line (after a dateline
/// that stands as a sentence of its own).
fn title_from_sentence(line: &str) -> String {
    let spans = lexicon::sentences::sentences(line);
    let first = match spans.as_slice() {
        [d, next, ..] if is_agency_dateline(&line[d.0..d.1]) => Some(next),
        spans => spans.first(),
    };
    let sentence = first
        .map_or(line, |&(a, b)| &line[a..b])
        .trim()
        .trim_end_matches('.');
    let words: Vec<&str> = sentence.split_whitespace().collect();
    if words.len() <= 16 {
        sentence.to_string()
    } else {
        format!("{}…", words[..14].join(" "))
    }
}

/// Extract title, lead and paragraphs from a plain-text or markdown article.
pub fn extract_text(body: &str) -> TextExtract {
    let mut repairs = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for raw in body.lines() {
        if raw.trim().is_empty() {
            continue;
        }
        let stripped = strip_markdown(raw);
        if stripped != raw.trim() {
            repairs.push(repair("markdown_emphasis", raw.trim(), &stripped));
        }
        if !stripped.is_empty() {
            lines.push(stripped);
        }
    }
    // Trailing boilerplate ("Filed under:") goes, from the end backwards.
    while lines.last().is_some_and(|l| is_boilerplate(l)) {
        if let Some(l) = lines.pop() {
            repairs.push(repair("trailing_boilerplate", &l, ""));
        }
    }

    // Title: a first line set apart by a blank line and shaped like a headline (short, no final
    // full stop; sentence case is common outside English), else a headline-like line among the
    // first three, else the first line is both lead and the source of a derived title.
    let set_apart = {
        let mut it = body.lines().skip_while(|l| l.trim().is_empty());
        it.next().is_some() && it.next().is_some_and(|l| l.trim().is_empty())
    };
    let headline_first = set_apart
        && lines.first().is_some_and(|l| {
            let words = l.split_whitespace().count();
            (2..=30).contains(&words)
                && l.chars().count() <= 220
                && !l.ends_with('.')
                && !lexicon::lexicon().is_non_title_line(l)
        });
    let title_idx = if headline_first {
        Some(0)
    } else {
        lines.iter().take(3).position(|l| is_title_like(l))
    };
    let (title, lead, body_start) = match title_idx {
        Some(0) => (lines[0].clone(), None, 1),
        Some(i) => (lines[i].clone(), Some(lines[..i].join(" ")), i + 1),
        // The derived title comes from the first line that is not a byline, caption or date.
        None => match lines
            .iter()
            .take(3)
            .position(|l| !lexicon::lexicon().is_non_title_line(l))
            .or(if lines.is_empty() { None } else { Some(0) })
        {
            Some(i) => (
                title_from_sentence(&lines[i]),
                Some(lines[..=i].join(" ")),
                i + 1,
            ),
            None => (String::new(), None, 0),
        },
    };

    let title_key = key(&title);
    let mut seen: HashSet<String> = HashSet::new();
    if let Some(l) = &lead {
        seen.insert(key(l));
    }
    let mut paragraphs = Vec::new();
    for line in lines.into_iter().skip(body_start) {
        let k = key(&line);
        if k == title_key {
            repairs.push(repair("duplicate_title", &line, ""));
            continue;
        }
        if !seen.insert(k) {
            repairs.push(repair("repeated_paragraph", &line, ""));
            continue;
        }
        let (fixed, mut r) = repair_paragraph(&line);
        repairs.append(&mut r);
        paragraphs.push(fixed);
    }
    let lead = lead.map(|l| {
        let (fixed, mut r) = repair_paragraph(&l);
        repairs.append(&mut r);
        fixed
    });
    let confidence = match (title_idx.is_some(), paragraphs.len()) {
        (_, 0) => 0.2,
        (true, _) => 0.9,
        (false, _) => 0.7,
    };
    TextExtract {
        title,
        lead,
        paragraphs,
        repairs,
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_000: &str = include_str!("../../../data/seed/000_d369b0808f76e2a4.txt");
    const SEED_002: &str = include_str!("../../../data/seed/002_abdd227f1209601f.txt");
    const SEED_003: &str = include_str!("../../../data/seed/003_e15bb043b1b33ed5.txt");
    const SEED_004: &str = include_str!("../../../data/seed/004_81a1a85cb9c5f120.txt");

    #[test]
    fn seed_000_title_lead_and_repeats() {
        let x = extract_text(SEED_000);
        assert_eq!(
            x.title,
            "El Salvador and the US Forge Historic Deal with Venezuela for Prisoner Exchange"
        );
        assert!(x
            .lead
            .as_deref()
            .unwrap_or("")
            .starts_with("In a historic agreement"));
        assert!(!x.paragraphs.iter().any(|p| p.contains("**")));
        assert!(
            !x.paragraphs.iter().any(|p| p == &x.title),
            "repeated title kept"
        );
        // Lines 12-16 repeat lines 7-11.
        let plane = x
            .paragraphs
            .iter()
            .filter(|p| p.starts_with("The plane carrying"))
            .count();
        assert_eq!(plane, 1);
        assert!(x.repairs.iter().any(|r| r.kind == "duplicate_title"));
        assert_eq!(
            x.repairs
                .iter()
                .filter(|r| r.kind == "repeated_paragraph")
                .count(),
            5
        );
        assert!(x.repairs.iter().any(|r| r.kind == "markdown_emphasis"));
    }

    #[test]
    fn a_dateline_sentence_is_not_the_title() {
        let x = extract_text(
            "Berlin, Caracas (epd). In Venezuela sind erneut Tausende auf die Straße gegangen. \
             Sie verlangten eine Annullierung des Ergebnisses.\n\nDie Opposition rief auf.",
        );
        assert_eq!(
            x.title,
            "In Venezuela sind erneut Tausende auf die Straße gegangen"
        );
        assert!(!is_agency_dateline("Die Wahl (2024) war umstritten."));
        assert!(is_agency_dateline("WASHINGTON (AP)"));
    }

    #[test]
    fn seed_002_repairs_are_recorded() {
        let x = extract_text(SEED_002);
        assert!(x
            .title
            .starts_with("Al Salvador is withdrawing dozens of Venezuela"));
        let all = x.paragraphs.join("\n");
        assert!(all.contains("have warmly warmed up"));
        assert!(all.contains("confirmed the exchange and thanked US officials"));
        assert!(!all.contains("under the Trump Administration under the Trump Administration"));
        assert!(x.repairs.iter().any(|r| r.before == "warmly warmly"));
    }

    #[test]
    fn seed_003_filed_under_dropped() {
        let x = extract_text(SEED_003);
        assert!(!x.paragraphs.iter().any(|p| p.starts_with("Filed under")));
        assert!(x.repairs.iter().any(|r| r.kind == "trailing_boilerplate"));
        assert!(x.paragraphs.iter().any(|p| p == "Offer of the exchange"));
    }

    #[test]
    fn seed_004_title_is_second_line() {
        let x = extract_text(SEED_004);
        assert_eq!(
            x.title,
            "El Salvador’s Seeks Deal with Venezuela Over Deported Migrants"
        );
        assert!(x
            .lead
            .as_deref()
            .unwrap_or("")
            .starts_with("April 21, 2025"));
    }

    #[test]
    fn markdown_title_first() {
        let x = extract_text("# A Headline Here\n\nFirst *emphasised* paragraph.\n\nSecond.");
        assert_eq!(x.title, "A Headline Here");
        assert_eq!(x.paragraphs, vec!["First emphasised paragraph.", "Second."]);
        assert!(x.lead.is_none());
    }
}
