//! Dates written in text in any of the six languages: ISO and numeric dates, written dates
//! ("18 de julio de 2025", "18. Juli 2025", "December 8, 2022", "le 10 janvier 2024"), datelines
//! without a year ("18 jul (Reuters) -"), months with a year ("August 2021"), and relative days
//! ("yesterday", "ayer"). Also the publication date of an article from its text, with a
//! confidence that says how it was found.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::{fold_cow, lexicon};

/// How a date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `2025-07-18`, `18.07.2025`, `18/07/2025`.
    Numeric,
    /// Day, month name and year.
    Written,
    /// Day and month name, no year ("18 jul", "Dec. 8").
    DayMonth,
    /// Month name and year, no day ("August 2021").
    MonthYear,
    /// A relative day ("yesterday"); `day` holds the offset in days, `month` is 0.
    Relative,
}

/// One date found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateMention {
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Year, when written.
    pub year: Option<i32>,
    /// Month 1–12 (0 for a relative day).
    pub month: u32,
    /// Day of the month, when written (the offset for a relative day).
    pub day: Option<i64>,
    /// How it was written.
    pub form: Form,
}

impl DateMention {
    /// The calendar day, when year, month and day are all known.
    pub fn date(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year?, self.month, u32::try_from(self.day?).ok()?)
    }
}

/// Where a publication date found by [`publication_date`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A date line near the start ("Published December 8, 2022", "April 21, 2025—San Salvador").
    Header,
    /// A dateline without a year near the start ("18 jul (Reuters) -"); year from the text.
    Dateline,
    /// The latest full date further into the text.
    Body,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    start: usize,
    end: usize,
    raw: &'a str,
}

/// Words with offsets: letters and digits, inner hyphens and apostrophes kept.
fn tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut it = text.char_indices().peekable();
    while let Some((pos, c)) = it.next() {
        let next = it.peek().map(|x| x.1);
        let inner = start.is_some()
            && matches!(c, '-' | '\'' | '’')
            && next.is_some_and(char::is_alphabetic);
        if c.is_alphanumeric() || inner {
            start.get_or_insert(pos);
        } else if let Some(s) = start.take() {
            out.push(Tok {
                start: s,
                end: pos,
                raw: &text[s..pos],
            });
        }
    }
    if let Some(s) = start {
        out.push(Tok {
            start: s,
            end: text.len(),
            raw: &text[s..],
        });
    }
    out
}

/// A date written with day and month in either order, with the year when it follows: a full
/// written date, else a day and month.
fn day_and_month(start: usize, end: usize, year: Option<i32>, month: u32, day: u32) -> DateMention {
    DateMention {
        start,
        end,
        year,
        month,
        day: Some(i64::from(day)),
        form: if year.is_some() {
            Form::Written
        } else {
            Form::DayMonth
        },
    }
}

/// A day of the month: "8", "08", "8th", "1st", "1er", "1º".
fn day_of(raw: &str) -> Option<u32> {
    let digits: String = raw.chars().take_while(char::is_ascii_digit).collect();
    let rest = &raw[digits.len()..];
    if digits.is_empty()
        || digits.len() > 2
        || !matches!(
            rest,
            "" | "st" | "nd" | "rd" | "th" | "er" | "º" | "o" | "ª"
        )
    {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn year_of(raw: &str) -> Option<i32> {
    if raw.len() != 4 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = raw.parse().ok()?;
    (1900..=2100).contains(&y).then_some(y)
}

/// Numeric dates by byte scan: `YYYY-MM-DD`, `YYYY/MM/DD`, `DD.MM.YYYY`, `DD/MM/YYYY` (day first
/// unless the second number cannot be a month).
fn numeric(text: &str, out: &mut Vec<DateMention>) {
    let b = text.as_bytes();
    let num = |i: usize| {
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_alphanumeric())) {
            i += 1;
            continue;
        }
        let e1 = num(i);
        let sep = b.get(e1).copied();
        if !matches!(sep, Some(b'-' | b'/' | b'.')) {
            i = e1.max(i + 1);
            continue;
        }
        let s2 = e1 + 1;
        let e2 = num(s2);
        if e2 == s2 || b.get(e2).copied() != sep {
            i = e1.max(i + 1);
            continue;
        }
        let s3 = e2 + 1;
        let e3 = num(s3);
        if e3 == s3 || b.get(e3).is_some_and(u8::is_ascii_alphanumeric) {
            i = e1.max(i + 1);
            continue;
        }
        let (p1, p2, p3) = (&text[i..e1], &text[s2..e2], &text[s3..e3]);
        let parsed = if p1.len() == 4 && p2.len() <= 2 && p3.len() <= 2 && sep != Some(b'.') {
            Some((year_of(p1), p2.parse::<u32>().ok(), p3.parse::<u32>().ok()))
        } else if p3.len() == 4 && p1.len() <= 2 && p2.len() <= 2 {
            let (a, m) = (p1.parse::<u32>().ok(), p2.parse::<u32>().ok());
            match (a, m) {
                (Some(a), Some(m)) if m > 12 && a <= 12 && sep == Some(b'/') => {
                    Some((year_of(p3), Some(a), Some(m)))
                }
                _ => Some((year_of(p3), m, a)),
            }
        } else {
            None
        };
        if let Some((Some(y), Some(m), Some(d))) = parsed {
            if NaiveDate::from_ymd_opt(y, m, d).is_some() {
                out.push(DateMention {
                    start: i,
                    end: e3,
                    year: Some(y),
                    month: m,
                    day: Some(i64::from(d)),
                    form: Form::Numeric,
                });
            }
        }
        i = e3;
    }
}

/// All dates in `text`, in order.
pub fn find_dates(text: &str) -> Vec<DateMention> {
    let lx = lexicon();
    let mut out = Vec::new();
    numeric(text, &mut out);
    let toks = tokens(text);
    // Folded only where the word could be a calendar word: the rest is most of the text.
    let folded: Vec<std::borrow::Cow<'_, str>> = toks
        .iter()
        .map(|t| {
            if lx.may_be_date_word(t.raw.chars().count()) {
                fold_cow(t.raw)
            } else {
                std::borrow::Cow::Borrowed("")
            }
        })
        .collect();
    // Only spaces, a comma or a dot (and joiners) between the parts of one date.
    let gap_ok = |a: usize, b: usize| {
        text[toks[a].end..toks[b].start]
            .chars()
            .all(|c| c == ' ' || c == ',' || c == '.' || c == '\u{a0}')
            && toks[b].start - toks[a].end <= 3
    };
    let skip_joiners = |mut j: usize| {
        while j < toks.len() && lx.is_date_joiner(&folded[j]) && j > 0 && gap_ok(j - 1, j) {
            j += 1;
        }
        j
    };
    let covered = |out: &Vec<DateMention>, s: usize| out.iter().any(|m| m.start <= s && s < m.end);
    let mut i = 0;
    while i < toks.len() {
        if covered(&out, toks[i].start) {
            i += 1;
            continue;
        }
        // Day, then month: "18 de julio de 2025", "18. Juli", "8 December 2022".
        if let Some(d) = day_of(toks[i].raw) {
            let j = skip_joiners(i + 1);
            if j < toks.len() && gap_ok(j - 1, j) {
                if let Some(m) = lx.month(&folded[j]) {
                    let k = skip_joiners(j + 1);
                    let year = (k < toks.len() && gap_ok(k - 1, k))
                        .then(|| year_of(toks[k].raw))
                        .flatten();
                    let last = if year.is_some() { k } else { j };
                    out.push(day_and_month(toks[i].start, toks[last].end, year, m, d));
                    i = last + 1;
                    continue;
                }
            }
        }
        if let Some(m) = lx.month(&folded[i]) {
            let full = lx.is_full_month(&folded[i]);
            // Month, then day: "December 8, 2022", "Dec. 8".
            let j = skip_joiners(i + 1);
            if j < toks.len() && gap_ok(j - 1, j) {
                if let Some(d) = day_of(toks[j].raw) {
                    let k = j + 1;
                    let year = (k < toks.len() && gap_ok(j, k))
                        .then(|| year_of(toks[k].raw))
                        .flatten();
                    let last = if year.is_some() { k } else { j };
                    // "may 2" alone is more often a verb than a date; a capital says it is one.
                    let capital = toks[i].raw.chars().next().is_some_and(char::is_uppercase);
                    if year.is_some() || capital {
                        out.push(day_and_month(toks[i].start, toks[last].end, year, m, d));
                        i = last + 1;
                        continue;
                    }
                }
                // Month and year: "August 2021", "agosto de 2021".
                if full {
                    if let Some(y) = year_of(toks[j].raw) {
                        out.push(DateMention {
                            start: toks[i].start,
                            end: toks[j].end,
                            year: Some(y),
                            month: m,
                            day: None,
                            form: Form::MonthYear,
                        });
                        i = j + 1;
                        continue;
                    }
                }
            }
        }
        if let Some(off) = lx.relative_day(&folded[i]) {
            out.push(DateMention {
                start: toks[i].start,
                end: toks[i].end,
                year: None,
                month: 0,
                day: Some(off),
                form: Form::Relative,
            });
        }
        i += 1;
    }
    out.sort_by_key(|m| m.start);
    out
}

/// A date in a URL path: `/2025/07/18/`, `/2025-07-18`, `/20250718`.
pub fn url_date(url: &str) -> Option<NaiveDate> {
    let path = url.split(['?', '#']).next()?;
    let path = path.split("://").nth(1).unwrap_or(path);
    let b = path.as_bytes();
    let digits = |i: usize, n: usize| {
        b.get(i..i + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    for i in 0..b.len() {
        if !matches!(b[i], b'/' | b'-' | b'_') {
            continue;
        }
        let s = i + 1;
        // Year, then month and day of one or two digits, each after `/` or `-`:
        // `/2025/07/18/`, `/2024/7/29/`, `/2025/05-09-`, `/2025-07-18`; or `/20250718`.
        let run = |from: usize| {
            let mut e = from;
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            e
        };
        let parts = if digits(s, 4) && matches!(b.get(s + 4), Some(b'/' | b'-')) {
            let me = run(s + 5);
            let de = run(me + 1);
            (me > s + 5
                && me - (s + 5) <= 2
                && matches!(b.get(me), Some(b'/' | b'-'))
                && de > me + 1
                && de - (me + 1) <= 2)
                .then_some((s, (s + 5, me), (me + 1, de)))
        } else if digits(s, 8) && !b.get(s + 8).is_some_and(u8::is_ascii_digit) {
            Some((s, (s + 4, s + 6), (s + 6, s + 8)))
        } else if b[i] == b'/' {
            // A path segment of day, month and year (`/04-08-2024/`): day first, as the six
            // languages write it, unless the second number cannot be a month.
            let de = run(s);
            let me = run(de + 1);
            let whole = (de > s
                && de - s <= 2
                && b.get(de) == Some(&b'-')
                && me > de + 1
                && me - (de + 1) <= 2
                && b.get(me) == Some(&b'-')
                && digits(me + 1, 4)
                && matches!(b.get(me + 5), None | Some(b'/')))
            .then_some((s, de, me));
            whole.map(|(s, de, me)| {
                let second: u32 = path
                    .get(de + 1..me)
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0);
                if second > 12 {
                    (me + 1, (s, de), (de + 1, me))
                } else {
                    (me + 1, (de + 1, me), (s, de))
                }
            })
        } else {
            None
        };
        if let Some((y, m, d)) = parts {
            let y = year_of(path.get(y..y + 4)?);
            let m: Option<u32> = path.get(m.0..m.1)?.parse().ok();
            let d: Option<u32> = path.get(d.0..d.1)?.parse().ok();
            if let (Some(y), Some(m), Some(d)) = (y, m, d) {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    return Some(date);
                }
            }
        }
    }
    None
}

/// Bytes from the start of the text that count as its header (date lines, datelines).
const HEADER: usize = 600;

/// The publication date of an article from its text (title first), with where it was found and
/// a confidence: a full date in a date line or at the start of the text (0.7), a dateline
/// without a year whose year the text gives or the reference implies (0.5), the latest full date
/// further in the text (0.35). Dates after `reference` (the fetch time) plus a day are refused.
/// Relative days are not used: resolved against the fetch time they are the clock, not a date.
pub fn publication_date(text: &str, reference: DateTime<Utc>) -> Option<(NaiveDate, Found, f32)> {
    let latest = reference.date_naive() + Duration::days(1);
    let earliest = NaiveDate::from_ymd_opt(1995, 1, 1)?;
    let ok = |d: NaiveDate| d >= earliest && d <= latest;
    let dates = find_dates(text);
    let header = text
        .char_indices()
        .nth(HEADER)
        .map_or(text.len(), |(i, _)| i);
    // Years the text speaks of, to place a dateline without one.
    let mut years: Vec<i32> = dates
        .iter()
        .filter_map(|m| m.year)
        .filter(|y| *y <= latest.year())
        .collect();
    // Bare years only near the start: further in they are history ("since 2014").
    for t in tokens(&text[..header]) {
        if let Some(y) = year_of(t.raw) {
            if y <= latest.year() && y >= 1995 {
                years.push(y);
            }
        }
    }
    years.sort_unstable();
    years.dedup();
    if let Some((m, d)) = dates
        .iter()
        .filter(|m| m.start < header && matches!(m.form, Form::Written | Form::Numeric))
        .filter_map(|m| Some((m, m.date()?)))
        .find(|(_, d)| ok(*d))
    {
        // "vendredi 10 janvier 2024": the weekday written before the date contradicts it. The
        // year is the usual slip (last year's, written in January): the next or previous year
        // whose same day falls on that weekday is meant; failing that the date is unsure.
        if let Some(w) = weekday_before(text, m.start) {
            if d.weekday().num_days_from_monday() != w {
                let fixed = [1, -1]
                    .iter()
                    .filter_map(|k| d.with_year(d.year() + k))
                    .find(|x| x.weekday().num_days_from_monday() == w && ok(*x));
                return Some(match fixed {
                    Some(x) => (x, Found::Header, 0.5),
                    None => (d, Found::Header, 0.3),
                });
            }
        }
        return Some((d, Found::Header, 0.7));
    }
    if let Some(m) = dates
        .iter()
        .find(|m| m.start < header && m.form == Form::DayMonth)
    {
        let day = u32::try_from(m.day.unwrap_or(0)).ok()?;
        // The latest year the text mentions that puts the date on or before the reference,
        // else the reference's own year (or the one before).
        let from_text = years
            .iter()
            .rev()
            .filter_map(|y| NaiveDate::from_ymd_opt(*y, m.month, day))
            .find(|d| ok(*d));
        let from_ref = [latest.year(), latest.year() - 1]
            .iter()
            .filter_map(|y| NaiveDate::from_ymd_opt(*y, m.month, day))
            .find(|d| ok(*d));
        // A year the text gives is better evidence than the fetch time (a backfill).
        if let Some(d) = from_text {
            return Some((d, Found::Dateline, 0.5));
        }
        if let Some(d) = from_ref {
            return Some((d, Found::Dateline, 0.4));
        }
    }
    // A weekday the opening names ("announced on Tuesday") is the day of the news: a date
    // further in that falls neither on it nor the day after is an earlier event's ("the July 28
    // election", "October 7"), not the publication. Full weekday names only ("sun", "sat").
    let lx = lexicon();
    let named: Vec<u32> = tokens(&text[..header])
        .iter()
        .filter(|t| t.raw.chars().count() >= 5)
        .filter_map(|t| lx.weekday(&fold_cow(t.raw)))
        .collect();
    let fits = |d: NaiveDate| {
        let w = d.weekday().num_days_from_monday();
        named.is_empty() || named.iter().any(|n| w == *n || w == (n + 1) % 7)
    };
    dates
        .iter()
        .filter(|m| matches!(m.form, Form::Written | Form::Numeric))
        .filter_map(DateMention::date)
        .filter(|d| ok(*d))
        .max()
        .filter(|d| fits(*d))
        .map(|d| (d, Found::Body, 0.35))
}

/// The weekday (0 = Monday) written just before byte offset `at` ("Friday, 10 January", "le
/// vendredi 10", "Freitag, den 10."), if any: full weekday names only.
fn weekday_before(text: &str, at: usize) -> Option<u32> {
    let lx = lexicon();
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(24)
        .map_or(0, |(i, _)| i);
    let toks = tokens(&text[start..at]);
    // The weekday is the last word before the date, or the one before an article ("den").
    toks.iter()
        .rev()
        .take(2)
        .filter(|t| t.raw.chars().count() >= 5)
        .find_map(|t| lx.weekday(&fold_cow(t.raw)))
}

/// The day a relative-day word or a weekday means against `reference` (the fetch time): a hint
/// of low confidence, for when nothing else dates an article.
pub fn relative_hint(text: &str, reference: DateTime<Utc>) -> Option<NaiveDate> {
    hint_from(&find_dates(text), reference)
}

/// [`relative_hint`] from dates found already: the first relative day among them.
pub fn hint_from(dates: &[DateMention], reference: DateTime<Utc>) -> Option<NaiveDate> {
    let m = dates.iter().find(|m| m.form == Form::Relative)?;
    Some(reference.date_naive() + Duration::days(m.day?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn first(text: &str) -> Option<NaiveDate> {
        find_dates(text).iter().find_map(DateMention::date)
    }

    #[test]
    fn written_dates_in_six_languages() {
        assert_eq!(
            first("el 18 de julio de 2025, Caracas"),
            Some(ymd(2025, 7, 18))
        );
        assert_eq!(first("Am 18. Juli 2025 kam"), Some(ymd(2025, 7, 18)));
        assert_eq!(
            first("Published December 8, 2022 at 8:38 AM"),
            Some(ymd(2022, 12, 8))
        );
        assert_eq!(
            first("le 10 janvier 2024 à Caracas"),
            Some(ymd(2024, 1, 10))
        );
        assert_eq!(first("em 8 de dezembro de 2022"), Some(ymd(2022, 12, 8)));
        assert_eq!(first("il 21 aprile 2025 alle"), Some(ymd(2025, 4, 21)));
        assert_eq!(first("am 9. März 2024"), Some(ymd(2024, 3, 9)));
        assert_eq!(first("Stand: 2025-07-18 10:00"), Some(ymd(2025, 7, 18)));
        assert_eq!(first("vom 18.07.2025"), Some(ymd(2025, 7, 18)));
        assert_eq!(first("the 8th of December 2022"), Some(ymd(2022, 12, 8)));
    }

    #[test]
    fn partial_dates_and_non_dates() {
        let d = find_dates("CARACAS, 18 jul (Reuters) - The");
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].form, d[0].month, d[0].day),
            (Form::DayMonth, 7, Some(18))
        );
        let d = find_dates("arrested in August 2021 at the airport");
        assert_eq!(
            (d[0].form, d[0].month, d[0].year),
            (Form::MonthYear, 8, Some(2021))
        );
        assert!(find_dates("they may 2 or 3 times").is_empty());
        assert!(find_dates("252 Venezuelans and 10 Americans").is_empty());
    }

    #[test]
    fn publication_date_by_place_and_form() {
        let fetched = Utc
            .with_ymd_and_hms(2025, 12, 1, 8, 0, 0)
            .single()
            .expect("t");
        let (d, how, _) =
            publication_date("Title\n\nCARACAS, 18 jul (Reuters) - In 2025 the", fetched)
                .expect("dateline");
        assert_eq!((d, how), (ymd(2025, 7, 18), Found::Dateline));
        let text = format!(
            "Title\n\n{}He was arrested on 17 February 2022 and freed on December 8, 2022.",
            "Lorem ipsum dolor sit amet. ".repeat(30)
        );
        let (d, how, _) = publication_date(&text, fetched).expect("body");
        assert_eq!((d, how), (ymd(2022, 12, 8), Found::Body));
        // December 8, 2022 was a Thursday: reported "on Thursday" it stands, "on Sunday" it is
        // an earlier event's date.
        for (day, want) in [("Thursday", Some(ymd(2022, 12, 8))), ("Sunday", None)] {
            let text = format!(
                "Title\n\nShe was freed on {day}. {}She was arrested on 17 February 2022 and \
                 freed on December 8, 2022.",
                "Lorem ipsum dolor sit amet. ".repeat(30)
            );
            assert_eq!(publication_date(&text, fetched).map(|x| x.0), want, "{day}");
        }
        // A weekday that contradicts the date's year: the year slipped (10 January 2025 was a
        // Friday, 10 January 2024 a Wednesday); one that fits no nearby year leaves it unsure.
        let dated = |t: &str| publication_date(t, fetched).map(|x| (x.0, x.2 >= 0.5));
        for (line, want) in [
            (
                "le vendredi 10 janvier 2024, Caracas",
                (ymd(2025, 1, 10), true),
            ),
            (
                "el viernes 10 de enero de 2025 en",
                (ymd(2025, 1, 10), true),
            ),
            ("Freitag, den 10. Januar 2025", (ymd(2025, 1, 10), true)),
            ("le mercredi 10 janvier 2024", (ymd(2024, 1, 10), true)),
            ("on Tuesday, December 8, 2022", (ymd(2022, 12, 8), false)),
        ] {
            assert_eq!(dated(&format!("Title\n\n{line}")), Some(want), "{line}");
        }
        assert!(publication_date("Nothing dated here, only yesterday.", fetched).is_none());
        // Relative days are a hint against the fetch time, never a publication date.
        assert_eq!(
            relative_hint("El presidente habló ayer en Caracas.", fetched),
            Some(ymd(2025, 11, 30))
        );
        assert_eq!(relative_hint("No day named here.", fetched), None);
        assert_eq!(
            url_date("https://x.com/news/2024/09/27/helene/"),
            Some(ymd(2024, 9, 27))
        );
        assert_eq!(
            url_date("https://x.com/a-20250719-b"),
            Some(ymd(2025, 7, 19))
        );
        assert_eq!(url_date("https://x.com/story/123456789"), None);
        assert_eq!(
            url_date("https://x.com/liveblog/2024/7/29/live"),
            Some(ymd(2024, 7, 29))
        );
        assert_eq!(
            url_date("https://x.de/inhalte/232480/04-08-2024/tausende"),
            Some(ymd(2024, 8, 4))
        );
        assert_eq!(
            url_date("https://x.com/news/12-25-2024/x"),
            Some(ymd(2024, 12, 25))
        );
        assert_eq!(
            url_date("https://x.de/news/2025/05-09-papst-0-2"),
            Some(ymd(2025, 5, 9))
        );
    }
}
