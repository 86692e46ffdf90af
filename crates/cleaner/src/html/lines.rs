//! Line filters: page furniture that survives inside the chosen block.

use super::classes::classes;

/// Short lines that are page furniture wherever they appear.
pub(super) fn is_furniture(p: &str) -> bool {
    if p.len() > 300 {
        return false;
    }
    let l = p.trim().to_lowercase();
    let l = l.trim_end_matches([':', '.', '!', '…']);
    let lex = classes();
    let words = l.split_whitespace().count();
    if lex.furniture_exact.contains(l)
        || (words <= 12
            && lex
                .furniture_prefixes
                .iter()
                .any(|x| l.starts_with(x.as_str())))
    {
        return true;
    }
    if words < 12 && crate::text::is_boilerplate(l) {
        return true;
    }
    // "Image 2 of 5", bylines and bare dates: metadata lines, not text.
    if words <= 4 && l.starts_with("image ") && l.contains(" of ") {
        return true;
    }
    let digit_tokens = l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
        .count();
    if l.starts_with("by ") && !l.contains(['!', '?', '"', '“']) {
        // "By Ana Pérez", "By HNN Staff | November 18, 2019 at 2:26 PM".
        if (words <= 8 && !l.contains('.')) || (words <= 24 && digit_tokens >= 2) {
            return true;
        }
    }
    if words <= 10 && is_dateline(l) {
        return true;
    }
    // "Marcus De Guzman 2019-11-20 17:27:46": a name and a timestamp.
    let has_year = l.split(|c: char| !c.is_alphanumeric()).any(|t| {
        t.len() == 4
            && (t.starts_with("19") || t.starts_with("20"))
            && t.chars().all(|c| c.is_ascii_digit())
    });
    if words <= 8 && digit_tokens >= 5 && has_year && !l.contains(['.', '!', '?']) {
        return true;
    }
    // Newsletter and subscription prompts.
    if words < 45 {
        let signals = [
            "newsletter",
            "sign up",
            "subscribe",
            "your inbox",
            "delivered to your",
        ]
        .iter()
        .filter(|x| l.contains(*x))
        .count();
        if signals >= 2 {
            return true;
        }
    }
    false
}

/// Equal ignoring case, without allocating.
pub(super) fn same_text(a: &str, b: &str) -> bool {
    !b.is_empty()
        && a.len().abs_diff(b.len()) <= b.len() / 4
        && a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

/// A line made of a date and time only ("Nov. 19, 2019, 8:41 AM UTC", "2019-04-10 10:43"):
/// numbers and the shared lexicon's calendar words (months, weekdays, times, zones, joiners).
pub(super) fn is_dateline(l: &str) -> bool {
    let lex = lexicon::lexicon();
    let mut digits = 0;
    for tok in l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        // "20th", "1st": ordinals count as numbers.
        let num = tok.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
        if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) {
            digits += 1;
        } else if !lex.is_calendar_word(&lexicon::fold(tok)) {
            return false;
        }
    }
    digits >= 2
}
