//! Line filters: page furniture that survives inside the chosen block.

/// Short lines that are page furniture wherever they appear.
pub(super) fn is_furniture(p: &str) -> bool {
    if p.len() > 300 {
        return false;
    }
    let l = p.trim().to_lowercase();
    let l = l.trim_end_matches([':', '.', '!', '…']);
    const EXACT: &[&str] = &[
        "advertisement",
        "advertisment",
        "advert",
        "ad",
        "sponsored",
        "share",
        "share this",
        "share this article",
        "share this story",
        "tweet",
        "email",
        "print",
        "comments",
        "tags",
        "related",
        "related articles",
        "related stories",
        "read more",
        "continue reading",
        "more",
        "menu",
        "close",
        "don't miss",
        "don’t miss",
        "skip to content",
        "skip to main content",
        "loading",
        "tell us what you think",
        "this slideshow requires javascript",
        "publicidad",
        "anzeige",
    ];
    const PREFIXES: &[&str] = &[
        "like this story",
        "image credit",
        "(image credit",
        "photo credit",
        "(photo credit",
        "image:",
        "photo:",
        "click here to",
        "updated at ",
        "last updated",
        "published at ",
        "posted on ",
    ];
    let words = l.split_whitespace().count();
    if EXACT.contains(&l) || (words <= 12 && PREFIXES.iter().any(|x| l.starts_with(x))) {
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

/// A line made of a date and time only ("Nov. 19, 2019, 8:41 AM UTC", "2019-04-10 10:43").
pub(super) fn is_dateline(l: &str) -> bool {
    const WORDS: &[&str] = &[
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "am",
        "pm",
        "a",
        "m",
        "p",
        "utc",
        "gmt",
        "est",
        "edt",
        "pst",
        "pdt",
        "cet",
        "cest",
        "bst",
        "et",
        "pt",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "updated",
        "published",
        "posted",
        "on",
        "at",
        "de",
        "of",
        "cst",
        "cdt",
        "mst",
        "mdt",
        "hst",
        "ist",
        "jst",
        "aest",
        "msk",
        "uhr",
        "um",
        "le",
        "la",
        "el",
        "del",
        "às",
        "as",
        "las",
        "à",
        "h",
        "min",
        // Spanish, Portuguese, French, German months and weekdays.
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "setiembre",
        "octubre",
        "noviembre",
        "diciembre",
        "janeiro",
        "fevereiro",
        "março",
        "maio",
        "junho",
        "julho",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "januar",
        "februar",
        "märz",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
        "segunda",
        "terça",
        "quarta",
        "quinta",
        "sexta",
        "feira",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "actualizado",
        "publicado",
        "atualizado",
        "publié",
        "aktualisiert",
        "veröffentlicht",
    ];
    let mut digits = 0;
    for tok in l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        // "20th", "1st": ordinals count as numbers.
        let num = tok.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
        if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) {
            digits += 1;
        } else if !WORDS.contains(&tok) {
            return false;
        }
    }
    digits >= 2
}
