//! Numeric claims: a number with its subject ("252 Venezuelans", "10 American citizens", "the 1798
//! Alien Enemies Act"), normalised so that sources in English and Spanish can be compared, with
//! the hedge kept ("nearly 250").

use model::{Claim, EntityRef};

use crate::text::{fold_word, is_stop, words, Word};

/// Hedges before a number, longest first, folded.
const HEDGES: &[(&str, &str)] = &[
    ("an estimated", "an estimated"),
    ("more than", "more than"),
    ("fewer than", "fewer than"),
    ("less than", "less than"),
    ("at least", "at least"),
    ("up to", "up to"),
    ("close to", "close to"),
    ("as many as", "as many as"),
    ("alrededor de", "around"),
    ("cerca de", "close to"),
    ("mas de", "more than"),
    ("menos de", "less than"),
    ("al menos", "at least"),
    ("hasta", "up to"),
    ("around", "around"),
    ("about", "about"),
    ("approximately", "approximately"),
    ("roughly", "roughly"),
    ("nearly", "nearly"),
    ("almost", "almost"),
    ("some", "some"),
    ("over", "more than"),
    ("estimated", "an estimated"),
    ("casi", "nearly"),
    ("unos", "around"),
    ("unas", "around"),
    ("aproximadamente", "approximately"),
];

/// Verbs that take "over" as a particle ("hand over 10 prisoners").
const PARTICLE_VERBS: &[&str] = &[
    "hand", "hands", "turn", "turns", "take", "takes", "took", "give", "gives", "gave", "win",
    "wins", "won", "pass", "passes", "took", "sign", "signs", "fly", "flew",
];

const NUMBER_WORDS: &[(&str, f64)] = &[
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("twenty", 20.0),
    ("dos", 2.0),
    ("tres", 3.0),
    ("cuatro", 4.0),
    ("cinco", 5.0),
    ("seis", 6.0),
    ("siete", 7.0),
    ("ocho", 8.0),
    ("nueve", 9.0),
    ("diez", 10.0),
    ("doce", 12.0),
    ("veinte", 20.0),
];

const SCALES: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("million", 1e6),
    ("millions", 1e6),
    ("billion", 1e9),
    ("mil", 1e3),
    ("millon", 1e6),
    ("millones", 1e6),
];

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
];

/// Nationality words in any form, to one plural English demonym.
const NATIONALITIES: &[(&[&str], &str)] = &[
    (
        &[
            "venezuela",
            "bolivarian republic of venezuela",
            "venezuelan",
            "venezuelans",
            "venezolano",
            "venezolanos",
            "venezolana",
            "venezolanas",
        ],
        "venezuelans",
    ),
    (
        &[
            "united states",
            "united states of america",
            "estados unidos",
            "american",
            "americans",
            "us",
            "u.s",
            "usa",
            "estadounidense",
            "estadounidenses",
            "norteamericano",
            "norteamericanos",
        ],
        "americans",
    ),
    (
        &[
            "el salvador",
            "salvadoran",
            "salvadorans",
            "salvadorean",
            "salvadoreans",
            "salvadoreno",
            "salvadorenos",
            "salvadorian",
            "salvadorians",
        ],
        "salvadorans",
    ),
    (
        &["colombian", "colombians", "colombiano", "colombianos"],
        "colombians",
    ),
    (
        &["mexican", "mexicans", "mexicano", "mexicanos"],
        "mexicans",
    ),
    (&["cuban", "cubans", "cubano", "cubanos"], "cubans"),
];

/// Nouns for people, to one English form; with a nationality the nationality is the subject.
const PEOPLE: &[(&[&str], &str)] = &[
    (
        &[
            "prisoner",
            "prisoners",
            "inmate",
            "inmates",
            "detainee",
            "detainees",
            "preso",
            "presos",
            "reos",
            "detenido",
            "detenidos",
            "prisionero",
            "prisioneros",
            "reclusos",
        ],
        "prisoners",
    ),
    (
        &[
            "migrant",
            "migrants",
            "deportee",
            "deportees",
            "migrante",
            "migrantes",
            "deportado",
            "deportados",
        ],
        "migrants",
    ),
    (
        &[
            "citizen",
            "citizens",
            "national",
            "nationals",
            "ciudadano",
            "ciudadanos",
        ],
        "citizens",
    ),
    (
        &[
            "people",
            "persons",
            "individuals",
            "personas",
            "hostages",
            "rehenes",
        ],
        "people",
    ),
];

fn lookup<'a>(table: &'a [(&[&str], &'a str)], folded: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(forms, _)| forms.contains(&folded))
        .map(|(_, to)| *to)
}

fn parse_number(raw: &str) -> Option<f64> {
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
pub(crate) fn find_claims(text: &str, entities: &[EntityRef]) -> Vec<Claim> {
    let ws = words(text);
    let folded: Vec<String> = ws.iter().map(|w| fold_word(w.raw)).collect();
    let joined = |a: &Word<'_>, b: &Word<'_>| text[a.end..b.start].chars().all(|c| c == ' ');
    let entity_at = |start: usize| {
        entities.iter().find_map(|e| {
            e.mentions
                .iter()
                .find(|m| m.start == start)
                .map(|m| (e, m.end))
        })
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let w = &ws[i];
        let number = if w.is_number() {
            parse_number(w.raw)
        } else {
            NUMBER_WORDS
                .iter()
                .find(|(n, _)| *n == folded[i])
                .map(|(_, v)| *v)
        };
        let Some(mut value) = number else {
            i += 1;
            continue;
        };
        // Dates: "April 21, 2025", "21 de abril de 2025", "21 April 2025".
        if let Some((start, end, ymd)) = date_at(text, &ws, &folded, i) {
            out.push(Claim {
                kind: "date".into(),
                value: ymd as f64,
                subject: "date".into(),
                hedge: None,
                surface: text[start..end].to_string(),
                start,
                end,
            });
            while i < ws.len() && ws[i].start < end {
                i += 1;
            }
            continue;
        }
        let mut start = w.start;
        let mut hedge = None;
        for (h, norm) in HEDGES {
            let n = h.split(' ').count();
            // "handed over 252": a verb particle, not a hedge.
            let particle = *h == "over"
                && i >= 2
                && (folded[i - 2].ends_with("ed")
                    || PARTICLE_VERBS.contains(&folded[i - 2].as_str()));
            if i >= n
                && !particle
                && folded[i - n..i].join(" ") == *h
                && (i - n..i).all(|k| joined(&ws[k], &ws[k + 1]))
            {
                hedge = Some(norm.to_string());
                start = ws[i - n].start;
                break;
            }
        }
        let mut kind = "count";
        let mut j = i + 1;
        if text[..w.start].ends_with('$') {
            kind = "amount";
            start = start.min(w.start - 1);
        }
        let mut end = w.end;
        if text[w.end..].starts_with('%') {
            kind = "percent";
            end += 1;
        } else if folded.get(j).is_some_and(|f| f == "percent")
            || (folded.get(j).is_some_and(|f| f == "por")
                && folded.get(j + 1).is_some_and(|f| f == "ciento"))
        {
            kind = "percent";
            j += if folded[j] == "percent" { 1 } else { 2 };
            end = ws[j - 1].end;
        }
        if let Some((_, s)) = folded
            .get(j)
            .and_then(|f| SCALES.iter().find(|(n, _)| n == f))
        {
            value *= s;
            end = ws[j].end;
            j += 1;
        }
        // Percent subjects follow "of"/"de".
        if kind == "percent" && folded.get(j).is_some_and(|f| f == "of" || f == "de") {
            j += 1;
        }
        let year_like = w.is_number() && (1000.0..=2100.0).contains(&value) && !w.raw.contains(',');
        let mut subject = String::new();
        let mut subject_end = end;
        if j < ws.len() && joined(&ws[j - 1], &ws[j]) {
            if let Some((e, e_end)) = entity_at(ws[j].start) {
                if let Some(nat) = lookup(NATIONALITIES, &fold_word(&e.name)) {
                    subject = nat.to_string();
                } else {
                    subject = e.name.clone();
                }
                subject_end = e_end;
                while j < ws.len() && ws[j].start < e_end {
                    j += 1;
                }
                if year_like && lookup(NATIONALITIES, &fold_word(&e.name)).is_none() {
                    kind = "year";
                }
            }
            if kind != "year" {
                let (s, e) = subject_words(text, &ws, &folded, j, &subject);
                if !s.is_empty() {
                    subject = s;
                    subject_end = e.max(subject_end);
                }
            }
        }
        // "in 2014 elections": a year, not a count; a count of people may still look like one.
        let people = NATIONALITIES.iter().any(|(_, n)| subject == *n)
            || PEOPLE.iter().any(|(_, n)| subject.ends_with(n));
        let is_bare_year = year_like && kind == "count" && !people;
        if !subject.is_empty() && !is_bare_year {
            out.push(Claim {
                kind: kind.into(),
                value,
                subject,
                hedge,
                surface: text[start..subject_end].to_string(),
                start,
                end: subject_end,
            });
        }
        i = j.max(i + 1);
    }
    out
}

/// The subject after a number: up to three words, stopping at a stop word, punctuation, an
/// adverb or a participle. People nouns and nationalities are normalised.
fn subject_words(
    text: &str,
    ws: &[Word<'_>],
    folded: &[String],
    from: usize,
    known: &str,
) -> (String, usize) {
    let mut nationality = lookup(NATIONALITIES, known).map(str::to_string);
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
        if let Some(n) = lookup(NATIONALITIES, f) {
            nationality = Some(n.to_string());
        } else if let Some(p) = lookup(PEOPLE, f) {
            nouns.push(p.to_string());
            end = ws[k].end;
            // Spanish puts the nationality after the noun: "10 ciudadanos estadounidenses".
            if let Some(n) = folded.get(k + 1).and_then(|f| lookup(NATIONALITIES, f)) {
                if text[ws[k].end..ws[k + 1].start].chars().all(|c| c == ' ') {
                    nationality = Some(n.to_string());
                    end = ws[k + 1].end;
                }
            }
            break;
        } else if k > from && (f.ends_with("ed") || f.ends_with("ly") || f.ends_with("ing")) {
            break;
        } else if nationality.is_none() && nouns.is_empty() && ws[k].capitalised() && k == from {
            // A capitalised word that is not a known nationality: a name, not a quantity's noun.
            break;
        } else {
            nouns.push(f.clone());
        }
        end = ws[k].end;
        k += 1;
        if !nouns.is_empty() && nationality.is_some() {
            break;
        }
    }
    let is_people = |n: &str| PEOPLE.iter().any(|(_, to)| *to == n);
    let subject = match (nationality, nouns.as_slice()) {
        (Some(nat), []) => nat,
        (Some(nat), [n]) if is_people(n) => nat,
        (Some(nat), ns) => format!("{} {}", nat.trim_end_matches('s'), ns.join(" ")),
        (None, ns) => ns.join(" "),
    };
    (subject, end)
}

fn date_at(
    text: &str,
    ws: &[Word<'_>],
    folded: &[String],
    i: usize,
) -> Option<(usize, usize, u32)> {
    let month = |k: usize| {
        folded
            .get(k)
            .and_then(|f| MONTHS.iter().find(|(m, _)| m == f).map(|(_, n)| *n))
    };
    let num = |k: usize| {
        ws.get(k)
            .filter(|w| w.is_number() && !w.raw.contains([',', '.']))
            .and_then(|w| w.raw.parse::<u32>().ok())
    };
    let day_ok = |d: u32| (1..=31).contains(&d);
    let year_ok = |y: u32| (1900..=2100).contains(&y);
    // "April 21, 2025"
    if i >= 1 {
        if let (Some(m), Some(d), Some(y)) = (month(i - 1), num(i), num(i + 1)) {
            if day_ok(d) && year_ok(y) && text[ws[i].end..ws[i + 1].start].trim() == "," {
                return Some((ws[i - 1].start, ws[i + 1].end, y * 10000 + m * 100 + d));
            }
        }
    }
    // "21 April 2025"
    if let (Some(d), Some(m), Some(y)) = (num(i), month(i + 1), num(i + 2)) {
        if day_ok(d) && year_ok(y) {
            return Some((ws[i].start, ws[i + 2].end, y * 10000 + m * 100 + d));
        }
    }
    // "21 de abril de 2025"
    if folded.get(i + 1).is_some_and(|f| f == "de") && folded.get(i + 3).is_some_and(|f| f == "de")
    {
        if let (Some(d), Some(m), Some(y)) = (num(i), month(i + 2), num(i + 4)) {
            if day_ok(d) && year_ok(y) {
                return Some((ws[i].start, ws[i + 4].end, y * 10000 + m * 100 + d));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Gazetteer;

    fn claims(text: &str) -> Vec<(String, f64, String, Option<String>)> {
        let g = Gazetteer::from_toml(include_str!("../../../config/gazetteer.toml"), "g")
            .expect("gazetteer");
        find_claims(text, &g.find(text))
            .into_iter()
            .map(|c| (c.kind, c.value, c.subject, c.hedge))
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
            "venezuelans",
            None,
        );
        has(
            "in exchange for 10 American citizens.",
            "count",
            10.0,
            "americans",
            None,
        );
        has(
            "repatriated nearly 250 Venezuelan detainees in exchange",
            "count",
            250.0,
            "venezuelans",
            Some("nearly"),
        );
        has(
            "sent around 250 prisoners to",
            "count",
            250.0,
            "prisoners",
            Some("around"),
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
            "venezuelans",
            None,
        );
        has("for 10 US citizens.", "count", 10.0, "americans", None);
        has(
            "El Salvador handed over 252 Venezuelans",
            "count",
            252.0,
            "venezuelans",
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
            "venezuelans",
            None,
        );
        has(
            "y 10 ciudadanos estadounidenses",
            "count",
            10.0,
            "americans",
            None,
        );
        has(
            "casi 250 presos",
            "count",
            250.0,
            "prisoners",
            Some("nearly"),
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
        let c = find_claims(text, &g.find(text));
        assert_eq!(c.len(), 1);
        assert_eq!(&text[c[0].start..c[0].end], "approximately 250 prisoners");
        assert_eq!(c[0].surface, "approximately 250 prisoners");
    }
}
