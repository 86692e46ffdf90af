//! Numeric claims: a number with its subject ("252 Venezuelans", "10 American citizens", "the 1798
//! Alien Enemies Act"), normalised so that sources in the six languages can be compared, with the
//! hedge kept ("about 250") and what happened to the subject ("freed", "held", "deported") when
//! the sentence says. Every word list is data (`lexicon`); nationalities come from the place
//! gazetteer by rule ("venezolanos" → Venezuela).

use lexicon::dates::{find_dates, Form};
use lexicon::places::places;
use model::{Claim, ClaimKind, EntityRef};

use std::borrow::Cow;

use crate::text::{fold_word, is_stop, Folded, Word};

/// The country a folded word or name names or is a demonym of, as a claim subject (its English
/// name, lower case): "venezolanos", "Venezuelan", "Venezuela" → "venezuela".
fn nationality(folded: &str) -> Option<String> {
    let p = places();
    let place = if folded.contains([' ', '.', '-']) {
        p.lookup(folded)
    } else {
        p.lookup_word(folded)
    };
    if let Some(place) = place.filter(|x| x.kind == "country") {
        return Some(place.name.to_lowercase());
    }
    let lx = lexicon::lexicon();
    if !lx.has_demonym_ending(folded) {
        return None;
    }
    p.country_of_demonym(folded, lx.demonym_endings())
        .map(|x| x.name.to_lowercase())
}

/// True for a canonical subject that counts people.
fn is_people(subject: &str) -> bool {
    matches!(
        subject,
        "prisoners" | "hostages" | "migrants" | "citizens" | "people" | "children" | "women"
    )
}

/// Words either side of a claim searched for what happened to its subject.
const EVENT_REACH: usize = 4;

pub(crate) fn parse_number(raw: &str) -> Option<f64> {
    // "1,500" and Spanish "1.500" are thousands; "3.5" is a decimal.
    let thousands = |sep: char| {
        let parts: Vec<&str> = raw.split(sep).collect();
        parts.len() > 1 && parts[1..].iter().all(|p| p.len() == 3) && parts[0].len() <= 3
    };
    if thousands(',') {
        return raw.replace(',', "").parse().ok();
    }
    if thousands('.') {
        return raw.replace('.', "").parse().ok();
    }
    raw.replace(',', ".").parse().ok()
}

/// Find claims in `text`; `entities` name the subjects that are known entities.
pub(crate) fn find_claims(text: &str, words: &Folded<'_>, entities: &[EntityRef]) -> Vec<Claim> {
    let lx = lexicon::lexicon();
    let (ws, folded) = (&words.ws, &words.folded);
    let joined = |a: &Word<'_>, b: &Word<'_>| text[a.end..b.start].chars().all(|c| c == ' ');
    let entity_at = |start: usize| {
        entities.iter().find_map(|e| {
            e.mentions
                .iter()
                .find(|m| m.start == start)
                .map(|m| (e, m.end))
        })
    };
    let entity_ending = |end: usize| {
        entities
            .iter()
            .find(|e| e.mentions.iter().any(|m| m.end == end))
    };
    let mut out = Vec::new();
    // Dates are facts of their own, and their numbers are not counts: "18 jul (Reuters)".
    let dates = find_dates(text);
    for d in &dates {
        if let (Some(date), Form::Written | Form::Numeric) = (d.date(), d.form) {
            let ymd = chrono::Datelike::year(&date) as f64 * 10000.0
                + f64::from(chrono::Datelike::month(&date)) * 100.0
                + f64::from(chrono::Datelike::day(&date));
            out.push(Claim {
                kind: ClaimKind::Date,
                value: ymd,
                subject: "date".into(),
                hedge: None,
                event: None,
                surface: text[d.start..d.end].to_string(),
                start: d.start,
                end: d.end,
            });
        }
    }
    let in_date = |w: &Word<'_>| {
        dates
            .iter()
            .any(|d| d.form != Form::Relative && w.start >= d.start && w.end <= d.end)
    };
    let mut i = 0;
    while i < ws.len() {
        let w = &ws[i];
        if in_date(w) {
            i += 1;
            continue;
        }
        let number = if w.is_number() {
            parse_number(w.raw)
        } else {
            lx.number_word(&folded[i])
        };
        let Some(mut value) = number else {
            i += 1;
            continue;
        };
        let mut start = w.start;
        let mut hedge = None;
        for (h, norm) in lx.hedges() {
            let n = h.len();
            // "handed over 252": a verb particle, not a hedge.
            let particle = h.len() == 1
                && h[0] == "over"
                && i >= 2
                && (folded[i - 2].ends_with("ed") || lx.is_particle_verb(&folded[i - 2]));
            if i >= n
                && !particle
                && folded[i - n..i] == h[..]
                && (i - n..i).all(|k| joined(&ws[k], &ws[k + 1]))
            {
                hedge = Some(norm.clone());
                start = ws[i - n].start;
                break;
            }
        }
        let mut kind = ClaimKind::Count;
        let mut j = i + 1;
        if text[..w.start].ends_with('$') || text[..w.start].ends_with('€') {
            kind = ClaimKind::Amount;
            start = start.min(text[..w.start].char_indices().last().map_or(0, |x| x.0));
        }
        let mut end = w.end;
        if text[w.end..].starts_with('%') || text[w.end..].starts_with(" %") {
            kind = ClaimKind::Percent;
            end = w.end + text[w.end..].find('%').map_or(0, |p| p + 1);
        } else if let Some(p) = lx
            .percent_words()
            .iter()
            .find(|p| folded.get(j..j + p.len()).is_some_and(|x| x == &p[..]))
        {
            kind = ClaimKind::Percent;
            j += p.len();
            end = ws[j - 1].end;
        }
        if let Some(s) = folded.get(j).and_then(|f| lx.scale(f)) {
            // A single-letter scale ("m") only right after the number: "$25m".
            if folded[j].len() > 1 || ws[j].start == w.end {
                value *= s;
                end = ws[j].end;
                j += 1;
            }
        }
        // Percent subjects follow "of"/"de"/"der".
        if kind == ClaimKind::Percent && folded.get(j).is_some_and(|f| is_stop(f)) {
            j += 1;
        }
        let year_like =
            w.is_number() && (1000.0..=2100.0).contains(&value) && !w.raw.contains([',', '.']);
        let mut subject = String::new();
        let mut subject_end = end;
        if j < ws.len() && joined(&ws[j - 1], &ws[j]) {
            if let Some((e, e_end)) = entity_at(ws[j].start) {
                let nat = nationality(&fold_word(&e.name));
                subject = nat.clone().unwrap_or_else(|| e.name.clone());
                subject_end = e_end;
                while j < ws.len() && ws[j].start < e_end {
                    j += 1;
                }
                if year_like && nat.is_none() {
                    kind = ClaimKind::Year;
                }
            }
            if kind != ClaimKind::Year {
                let (s, e) = subject_words(text, ws, folded, j, &subject);
                if !s.is_empty() {
                    subject = s;
                    subject_end = e.max(subject_end);
                }
            }
        }
        // "the Alien Enemies Act of 1798", "seit 2008": a year after its marker names the thing
        // before it, when that is a name.
        if year_like && subject.is_empty() && i >= 1 && lx.is_year_marker(&folded[i - 1]) {
            if let Some(e) = i
                .checked_sub(2)
                .and_then(|k| ws.get(k))
                .and_then(|prev| entity_ending(prev.end))
            {
                kind = ClaimKind::Year;
                subject = e.name.clone();
            }
        }
        // "in 2014 elections": a year, not a count; a count of people may still look like one.
        let people = nationality(&fold_word(&subject)).is_some()
            || subject.rsplit(' ').next().is_some_and(is_people);
        let is_bare_year = year_like && kind == ClaimKind::Count && !people;
        if !subject.is_empty() && !is_bare_year {
            let event = (kind == ClaimKind::Count)
                .then(|| event_near(ws, folded, i, j))
                .flatten();
            out.push(Claim {
                kind,
                value,
                subject,
                hedge,
                event,
                surface: text[start..subject_end].to_string(),
                start,
                end: subject_end,
            });
        }
        i = j.max(i + 1);
    }
    out.sort_by_key(|c| c.start);
    out
}

/// What happened to a claim's subject: an event word of the lexicon within a few words after the
/// subject ("252 Venezuelans deported"), else before the number ("freed 13 Israelis"), in the
/// same sentence.
fn event_near(
    ws: &[Word<'_>],
    folded: &[Cow<'_, str>],
    number: usize,
    after: usize,
) -> Option<String> {
    let lx = lexicon::lexicon();
    for k in after..(after + EVENT_REACH).min(ws.len()) {
        if let Some(e) = lx.event(&folded[k]) {
            return Some(e.to_string());
        }
        if ws[k].is_number() {
            break;
        }
    }
    for k in (number.saturating_sub(EVENT_REACH)..number).rev() {
        if let Some(e) = lx.event(&folded[k]) {
            return Some(e.to_string());
        }
        if ws[k].is_number() {
            break;
        }
    }
    None
}

/// The subject after a number: up to three words, stopping at a stop word, punctuation, an
/// adverb or a participle. People nouns and nationalities are normalised.
fn subject_words(
    text: &str,
    ws: &[Word<'_>],
    folded: &[Cow<'_, str>],
    from: usize,
    known: &str,
) -> (String, usize) {
    let lx = lexicon::lexicon();
    let mut nationality_of = nationality(&fold_word(known));
    let mut nouns: Vec<String> = Vec::new();
    let mut end = 0;
    let mut k = from;
    while k < ws.len() && k < from + 3 {
        if k > from && !text[ws[k - 1].end..ws[k].start].chars().all(|c| c == ' ') {
            break;
        }
        let f = &folded[k];
        if is_stop(f)
            || ws[k].is_number()
            || !f.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.')
        {
            break;
        }
        if let Some(n) = nationality(f) {
            nationality_of = Some(n);
        } else if let Some(p) = lx.subject(f) {
            nouns.push(p.to_string());
            end = ws[k].end;
            // Spanish puts the nationality after the noun: "10 ciudadanos estadounidenses".
            if let Some(n) = folded.get(k + 1).and_then(|f| nationality(f)) {
                if text[ws[k].end..ws[k + 1].start].chars().all(|c| c == ' ') {
                    nationality_of = Some(n);
                    end = ws[k + 1].end;
                }
            }
            break;
        } else if k > from && (f.ends_with("ed") || f.ends_with("ly") || f.ends_with("ing")) {
            break;
        } else if nationality_of.is_none() && nouns.is_empty() && ws[k].capitalised() && k == from {
            // A capitalised word that is not a known nationality: a name, not a quantity's noun.
            break;
        } else if lx.event(f).is_some() && k > from {
            break;
        } else {
            nouns.push(f.to_string());
        }
        end = ws[k].end;
        k += 1;
        if !nouns.is_empty() && nationality_of.is_some() {
            break;
        }
    }
    let subject = match (nationality_of, nouns.as_slice()) {
        (Some(nat), []) => nat,
        (Some(nat), [n]) if is_people(n) => nat,
        (Some(nat), ns) => format!("{nat} {}", ns.join(" ")),
        (None, ns) => ns.join(" "),
    };
    (subject, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Gazetteer;

    fn claims(text: &str) -> Vec<(String, f64, String, Option<String>)> {
        let g = Gazetteer::from_toml(include_str!("../../../config/gazetteer.toml"), "g")
            .expect("gazetteer");
        find_claims(text, &Folded::new(text), &g.find(text))
            .into_iter()
            .map(|c| (c.kind.to_string(), c.value, c.subject, c.hedge))
            .collect()
    }

    fn has(text: &str, kind: &str, value: f64, subject: &str, hedge: Option<&str>) {
        let c = claims(text);
        assert!(
            c.iter().any(|(k, v, s, h)| k == kind
                && *v == value
                && s == subject
                && h.as_deref() == hedge),
            "{kind} {value} {subject} {hedge:?} not in {c:?}"
        );
    }

    #[test]
    fn seed_claims() {
        has(
            "delivered 252 Venezuelans deported from",
            "count",
            252.0,
            "venezuela",
            None,
        );
        has(
            "in exchange for 10 American citizens.",
            "count",
            10.0,
            "united states",
            None,
        );
        has(
            "repatriated nearly 250 Venezuelan detainees in exchange",
            "count",
            250.0,
            "venezuela",
            Some("about"),
        );
        has(
            "sent around 250 prisoners to",
            "count",
            250.0,
            "prisoners",
            Some("about"),
        );
        has(
            "the controversial 1798 Alien Enemies Act, a provision",
            "year",
            1798.0,
            "Alien Enemies Act",
            None,
        );
        has(
            "under the 1798 Alien Enemy Act under",
            "year",
            1798.0,
            "Alien Enemies Act",
            None,
        );
        has(
            "a repatriation of 100% of 252 Venezuela, which",
            "count",
            252.0,
            "venezuela",
            None,
        );
        has("for 10 US citizens.", "count", 10.0, "united states", None);
        has(
            "El Salvador handed over 252 Venezuelans",
            "count",
            252.0,
            "venezuela",
            None,
        );
        has(
            "over 250 prisoners",
            "count",
            250.0,
            "prisoners",
            Some("more than"),
        );
    }

    #[test]
    fn spanish_claims_meet_english_ones() {
        has(
            "entregó a 252 venezolanos deportados",
            "count",
            252.0,
            "venezuela",
            None,
        );
        has(
            "y 10 ciudadanos estadounidenses",
            "count",
            10.0,
            "united states",
            None,
        );
        has(
            "casi 250 presos",
            "count",
            250.0,
            "prisoners",
            Some("about"),
        );
    }

    #[test]
    fn dates_percent_money_and_scales() {
        has(
            "April 21, 2025—San Salvador:",
            "date",
            20250421.0,
            "date",
            None,
        );
        has(
            "el 21 de abril de 2025 en",
            "date",
            20250421.0,
            "date",
            None,
        );
        has("turnout was 42% of voters", "percent", 42.0, "voters", None);
        has(
            "more than 3 million people left",
            "count",
            3e6,
            "people",
            Some("more than"),
        );
        has(
            "a fine of $5 million dollars",
            "amount",
            5e6,
            "dollars",
            None,
        );
    }

    #[test]
    fn numbers_without_subject_are_not_claims() {
        let c = claims("It was formed in 2014. The vote was 5 to 4. Call 911 now, page 3.");
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn offsets_cover_hedge_and_subject() {
        let text = "El Salvador sent approximately 250 prisoners from Cecot.";
        let g = Gazetteer::default();
        let c = find_claims(text, &Folded::new(text), &g.find(text));
        assert_eq!(c.len(), 1);
        assert_eq!(&text[c[0].start..c[0].end], "approximately 250 prisoners");
        assert_eq!(c[0].surface, "approximately 250 prisoners");
    }
}
