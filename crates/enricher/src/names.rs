//! Names outside the gazetteer: runs of capitalised words that are not at the start of a sentence,
//! not in a title-case headline, and not an honorific or a demonym. Precision first: a name missed
//! costs less than an ordinary word reported as an entity.

use std::collections::HashMap;

use model::{EntityRef, Mention};

use crate::text::{fold_word, is_stop, sentences, words, Folded, Word};

/// Acronyms that are not entities.
const NOT_ACRONYMS: &[&str] = &[
    "CEO", "CEOS", "TV", "OK", "AM", "PM", "GMT", "UTC", "FAQ", "PDF", "HTML", "URL", "ID", "DNA",
    "GDP", "USD", "EUR", "AI", "PS", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI",
];

fn is_title(folded: &str) -> bool {
    lexicon::lexicon().is_title(folded)
}

fn is_connector(folded: &str) -> bool {
    lexicon::lexicon().is_connector(folded)
}

/// A demonym or adjective of place: a word that extends a country's name by a demonym ending
/// ("Venezuelan", "venezolanos", "Israelis"), found by rule against the place gazetteer, so that
/// surnames of the same shape (Whelan, Sullivan, Morgan) stay names.
pub(crate) fn is_demonym(folded: &str) -> bool {
    let lx = lexicon::lexicon();
    lx.has_demonym_ending(folded)
        && lexicon::places::places()
            .country_of_demonym(folded, lx.demonym_endings())
            .is_some()
}

/// The word without a possessive ending ("Florida's" → "Florida").
fn strip_possessive(raw: &str) -> &str {
    for suffix in ["'s", "’s", "s'", "s’"] {
        if raw.len() > suffix.len() + 1 {
            if let Some(stem) = raw.strip_suffix(suffix) {
                return if suffix.starts_with('s') {
                    &raw[..stem.len() + 1]
                } else {
                    stem
                };
            }
        }
    }
    raw
}

fn is_acronym(raw: &str) -> bool {
    let letters: Vec<char> = raw.chars().filter(|c| *c != '.').collect();
    (3..=6).contains(&letters.len()) && letters.iter().all(|c| c.is_ascii_uppercase())
}

/// Lines written in title case or capitals (headlines): every word looks like a name there. In
/// a language that capitalises its nouns (`noun_caps`) only capitals: its headlines and captions
/// are in sentence case, and a line dense with nouns and names is not title case ("Spanien
/// feiert seinen vierten EM-Titel mit König Felipe und Prinzessin Sofia (IMAGO)").
fn headline_spans(text: &str, words: &Folded<'_>, noun_caps: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    // Words never span a line break, so each line's words are a run of the text's.
    let mut k = 0;
    for line in text.split_inclusive('\n') {
        let end = pos + line.len();
        let from = k;
        while k < words.ws.len() && words.ws[k].start < end {
            k += 1;
        }
        let ws = &words.ws[from..k];
        let content: Vec<&Word<'_>> = ws
            .iter()
            .zip(&words.folded[from..k])
            .filter(|(w, f)| w.raw.chars().count() >= 4 && !is_stop(f))
            .map(|(w, _)| w)
            .collect();
        let caps = content.iter().filter(|w| w.capitalised()).count();
        let upper = line.chars().filter(|c| c.is_uppercase()).count();
        let letters = line.chars().filter(|c| c.is_alphabetic()).count();
        // Headlines are short and end without a full stop; prose dense with names is not one.
        let trimmed = line.trim_end();
        let prose = trimmed.ends_with(['.', '!', '?', ':', ';', '"', '”']) || ws.len() > 25;
        let title_case =
            !noun_caps && !prose && content.len() >= 3 && caps * 10 >= content.len() * 7;
        let all_caps = letters >= 8 && upper * 10 >= letters * 7;
        if title_case || all_caps {
            out.push((pos, end));
        }
        pos = end;
    }
    out
}

/// A regnal number in Roman numerals after a name ("XVI", "II"), two letters or more, up to 39
/// (a lone "I" is the pronoun).
fn is_regnal(raw: &str) -> bool {
    let units = raw.trim_start_matches('X');
    raw.len() >= 2
        && raw.len() - units.len() <= 3
        && matches!(
            units,
            "" | "I" | "II" | "III" | "IV" | "V" | "VI" | "VII" | "VIII" | "IX"
        )
}

/// The kind a name's last word gives it ("... Court" is an organisation), from the lexicon.
fn kind_by_last(folded: &str) -> Option<&'static str> {
    lexicon::lexicon().kind_by_last(folded)
}

fn kind_of(run: &[Word<'_>], before: Option<&Word<'_>>) -> &'static str {
    let last = run.last().map(|w| fold_word(w.raw)).unwrap_or_default();
    if let Some(kind) = kind_by_last(&last) {
        return kind;
    }
    if before.is_some_and(|b| is_title(&fold_word(b.raw.trim_end_matches('.')))) {
        return "person";
    }
    "unknown"
}

fn slug(name: &str) -> String {
    let mut s = String::new();
    for w in words(name) {
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&fold_word(w.raw));
    }
    s
}

/// A mention's byte span and whether it opens a sentence.
type Span = (usize, usize, bool);

/// Names in `text` that no gazetteer mention covers (`taken` are byte spans already claimed);
/// `lang` is the detected language (German capitalises its nouns, so lone capitalised words
/// count for less there).
pub(crate) fn find_names(
    text: &str,
    words: &Folded<'_>,
    taken: &[(usize, usize)],
    lang: &str,
) -> Vec<EntityRef> {
    let lx = lexicon::lexicon();
    let ws = &words.ws;
    let heads = headline_spans(text, words, lx.capitalises_nouns(lang));
    let starts: std::collections::HashSet<usize> = sentences(text).iter().map(|s| s.0).collect();
    let lower_seen: std::collections::HashSet<&str> = ws
        .iter()
        .zip(&words.folded)
        .filter(|(w, _)| w.raw.chars().next().is_some_and(char::is_lowercase))
        .map(|(_, f)| f.as_ref())
        .collect();
    let covered = |w: &Word<'_>| {
        taken.iter().any(|&(s, e)| w.start < e && s < w.end)
            || heads.iter().any(|&(s, e)| w.start >= s && w.end <= e)
    };
    // Only spaces between two words of one name; punctuation ends a name, except the dot of a
    // middle initial ("James E. Boasberg") and a possessive ends it after its word.
    let joined = |a: &Word<'_>, b: &Word<'_>| {
        let gap = &text[a.end..b.start];
        if strip_possessive(a.raw).len() != a.raw.len() {
            return false;
        }
        gap.chars().all(|c| c == ' ')
            || (gap == ". " && a.raw.chars().count() == 1 && a.capitalised())
    };
    // A compound whose last part is lower case is an adjective ("Israeli-occupied").
    let adjective_compound = |w: &Word<'_>| {
        w.raw
            .rsplit_once('-')
            .is_some_and(|(_, last)| last.chars().next().is_some_and(char::is_lowercase))
    };
    // A month's abbreviation before a day is a date ("on Oct. 9"), not a name.
    let month_abbrev = |w: &Word<'_>| {
        text[w.end..]
            .trim_start_matches(['.', ' '])
            .starts_with(|c: char| c.is_ascii_digit())
            && lx.month(&fold_word(w.raw)).is_some()
    };
    let name_word = |w: &Word<'_>| {
        w.capitalised()
            && !w.is_number()
            && !month_abbrev(w)
            && !adjective_compound(w)
            && !covered(w)
            && !lx.is_not_name(&fold_word(strip_possessive(w.raw)))
            && !w.raw.chars().all(|c| c.is_uppercase() || c == '.')
    };
    // German joins capitalised nouns with articles ("Austausch von Gefangenen"): there only a
    // nobiliary particle joins a name ("Ursula von der Leyen"), and only before a capital, or a
    // particle of another language that is no German article ("Luis de la Fuente").
    let connector = |w: &Word<'_>| {
        if !w.raw.chars().next().is_some_and(char::is_lowercase) {
            return false;
        }
        let f = fold_word(w.raw);
        is_connector(&f)
            && (lang != "de"
                || f == "von"
                || f == "van"
                || !(lx.marks_noun(&f, false) || lx.is_coordinator(&f)))
    };
    // A lone capitalised word in German is usually a noun: it needs more to count as a name.
    let noun_shaped = |f: &str| lang == "de" && lx.has_noun_ending(f);
    let noun_caps = lx.capitalises_nouns(lang);
    // A title, also as the last part of a compound ("US-Basketballstar", "Vice-Dean").
    let title = |w: &Word<'_>| lx.is_title_compound(&fold_word(w.raw), noun_caps);
    // Single words seen after a word that marks a noun: nouns wherever they stand.
    let mut nouns: std::collections::HashSet<String> = std::collections::HashSet::new();

    let mut found: Vec<EntityRef> = Vec::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut push = |name_start: usize, name_end: usize, kind: &'static str| {
        add_mention(&mut found, &mut slot, text, (name_start, name_end), kind)
    };
    // Single capitalised words, by folded form: names if they recur or complete a full name;
    // the flag says whether the word opened a sentence (where a capital says nothing).
    let mut singles: Vec<(String, Vec<Span>)> = Vec::new();
    // Single words after a preposition of place, or listed after one ("in Bonn, Münster and
    // Regensburg"): places even when they occur once.
    let mut located: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut last_located: Option<usize> = None;
    // Single words right after a title ("Pope Francis", "König Felipe"): names of people.
    let mut titled_singles: std::collections::HashSet<String> = std::collections::HashSet::new();

    let mut i = 0;
    while i < ws.len() {
        let w = &ws[i];
        // An acronym among other capitals is shouting, not a name.
        let shouting = |k: Option<&Word<'_>>| {
            k.is_some_and(|x| x.raw.chars().count() >= 2 && x.raw.chars().all(|c| c.is_uppercase()))
        };
        if is_acronym(w.raw)
            && !covered(w)
            && !is_stop(&fold_word(w.raw))
            && !lx.is_not_name(&fold_word(w.raw))
            && !NOT_ACRONYMS.contains(&w.raw.replace('.', "").as_str())
            && !shouting(i.checked_sub(1).and_then(|p| ws.get(p)))
            && !shouting(ws.get(i + 1))
        {
            push(w.start, w.end, "unknown");
            i += 1;
            continue;
        }
        if !name_word(w) {
            i += 1;
            continue;
        }
        // Grow the run: capitalised words, one or two connectors followed by a capitalised word
        // ("International Committee of the Red Cross"), and a regnal number after a name
        // ("Benedict XVI").
        let mut j = i + 1;
        while j < ws.len() && joined(&ws[j - 1], &ws[j]) {
            if name_word(&ws[j]) || is_regnal(ws[j].raw) {
                j += 1;
                continue;
            }
            let links = (j..ws.len().min(j + 2))
                .take_while(|&k| {
                    connector(&ws[k]) && k + 1 < ws.len() && joined(&ws[k], &ws[k + 1])
                })
                .count();
            // "Sarasota and Fort Myers" are two places; "Archdiocese of Munich and Freising"
            // is one name, because a connector inside it already makes it a phrase.
            let coordinates = (j..j + links).any(|k| lx.is_coordinator(&words.folded[k]));
            if coordinates && !(i..j).any(|k| connector(&ws[k])) {
                break;
            }
            if links > 0 && (1..=links).any(|n| name_word(&ws[j + n])) {
                // The first capitalised word after at most two connectors.
                let n = (1..=links).find(|&n| name_word(&ws[j + n])).unwrap_or(1);
                j += n + 1;
            } else {
                break;
            }
        }
        let mut run: Vec<Word<'_>> = ws[i..j].to_vec();
        let next = ws.get(j).copied();
        // Where nouns are capitalised, an article or an inflected adjective before the run says
        // it is a noun ("den Austausch von Gefangenen", "russischen Straflager"); after an
        // indefinite article even an organisation-like run is generic ("einem Moskauer
        // Flughafen").
        let marked = |generic_only: bool| {
            noun_caps
                && i > 0
                && text[ws[i - 1].end..ws[i].start].chars().all(|c| c == ' ')
                && ((ws[i - 1].raw.chars().next().is_some_and(char::is_lowercase)
                    && lx.marks_noun(&words.folded[i - 1], generic_only))
                    // A unit after a number ("160 Kilometern").
                    || (!generic_only && ws[i - 1].is_number()))
        };
        let (noun_marked, generic) = (marked(false), marked(true));
        let mut before = if i > 0 { Some(ws[i - 1]) } else { None };
        // A quotation opens a sentence too ("“Le Brigate ...").
        let quoted = {
            let b = text[..run[0].start].trim_end_matches([' ', '\u{a0}']);
            b.ends_with(['“', '„', '«', '"'])
                && b.trim_end_matches(['“', '„', '«', '"'])
                    .ends_with(|c: char| c.is_whitespace())
        };
        let at_start = starts.contains(&run[0].start) || quoted;
        // Mid-sentence a capitalised stop word opens a name only as an article or a particle of
        // two letters ("The Hague", "Le Soir", "Al Jazeera"), not as a possessive ("His Church",
        // "Sua Chiesa").
        if !at_start && run.len() >= 2 {
            let f = fold_word(run[0].raw);
            if is_stop(&f) && !is_connector(&f) && run[0].raw.chars().count() > 2 {
                before = Some(run.remove(0));
            }
        }
        // At a sentence start the capital says nothing: drop a first word that is a stop word or
        // that the text also uses in lower case ("Relations", "Planners").
        if at_start {
            let f = fold_word(run[0].raw);
            // Plurals, participles and adverbs open sentences, not names ("Residents of ...");
            // but a first name before a surname is a name whatever its shape ("Emily Damari").
            let full_name = run.len() >= 2 && !connector(&run[1]) && !is_title(&f);
            let common_shape = !full_name
                && ((f.ends_with('s') && !f.ends_with("ss"))
                    || f.ends_with("ing")
                    || f.ends_with("ed")
                    || f.ends_with("ly"));
            if is_stop(&f) || lower_seen.contains(f.as_ref()) || common_shape {
                before = Some(run.remove(0));
            }
        }
        // Titles in front ("Homeland Security Director", "Secretary of State", "Pope") are not
        // part of a person's name, but say it is one; in front of an organisation's last word
        // ("National Assembly", "State Department") they are part of its name.
        let org_like = run
            .last()
            .is_some_and(|w| kind_by_last(&fold_word(w.raw)).is_some());
        let mut titled = false;
        // A lower-case title and connectors before the run ("ministre de la Défense Yoav
        // Gallant", "ministro de Defensa Israel Katz"): the run opens with the title's
        // portfolio, and the name is its last two words.
        let spaced = |k: usize| text[ws[k].end..ws[k + 1].start].chars().all(|c| c == ' ');
        let lower = |k: usize| ws[k].raw.chars().next().is_some_and(char::is_lowercase);
        let mut p = i;
        // Connectors, and adjectives of place ("le ministre israélien de la Défense").
        while p > 0
            && lower(p - 1)
            && spaced(p - 1)
            && (connector(&ws[p - 1]) || is_demonym(&words.folded[p - 1]))
        {
            p -= 1;
        }
        let portfolio = p < i
            && (p..i).any(|k| connector(&ws[k]))
            && p > 0
            && lower(p - 1)
            && spaced(p - 1)
            && title(&ws[p - 1]);
        // Not when the run is itself a name with a connector ("presidenta del Tribunal Supremo
        // de Justicia") or an acronym in brackets follows it ("del Consejo Nacional Electoral
        // (CNE)"): an organisation follows the title then.
        let acronym_after = run
            .last()
            .and_then(|w| text[w.end..].trim_start().strip_prefix('('))
            .is_some_and(|r| {
                let a: String = r.chars().take_while(|c| *c != ')').collect();
                is_acronym(&a)
            });
        let phrase = run.iter().any(&connector);
        if portfolio
            && !org_like
            && !phrase
            && !acronym_after
            && run.len() >= 3
            && run[0].start == ws[i].start
        {
            let cut = run.len() - 2;
            before = Some(run[cut - 1]);
            run.drain(..cut);
        }
        // A title right before the run, in lower case ("el papa Francisco", "star Griner").
        let after_title = run.first().is_some_and(|w| w.start == ws[i].start)
            && i > 0
            && lower(i - 1)
            && spaced(i - 1)
            && title(&ws[i - 1]);
        if !org_like {
            let mut k = 0;
            // A demonym in front of a title is part of the role ("Russian President").
            while k < run.len()
                && (title(&run[k])
                    || connector(&run[k])
                    || (k + 1 < run.len()
                        && is_demonym(&fold_word(run[k].raw))
                        && title(&run[k + 1])))
            {
                k += 1;
            }
            // A title further in ends a description in front of the name ("Florida Governor
            // Ron DeSantis"): the name is what follows the last title.
            if let Some(t) = (k..run.len().saturating_sub(1))
                .rev()
                .find(|&t| title(&run[t]))
            {
                k = t + 1;
            }
            if k > 0 && k < run.len() {
                before = Some(run[k - 1]);
                run.drain(..k);
            } else if k == run.len() {
                run.clear();
            }
            titled = k > 0;
            // A title after a description ends it and is not part of a name ("Romano
            // Pontefice", "... Pontificie Mons.").
            while run.len() > 1 && run.last().is_some_and(&title) {
                run.pop();
            }
        }
        // Nor does a capitalised preposition end one ("Published On 18 Dec").
        while run.last().is_some_and(|w| {
            connector(w) || (w.raw.chars().count() <= 2 && is_stop(&fold_word(w.raw)))
        }) {
            run.pop();
        }
        if run.is_empty() {
            i = j;
            continue;
        }
        // A capitalised stop word inside a run mid-sentence belongs to the name ("Holy See
        // Press Office", "Al Jazeera", "Segreteria di Stato"); only where a sentence opens the
        // run does it say nothing (those words were dropped above), and a one-letter word ("I")
        // never joins one.
        let stop_inside = run
            .iter()
            .any(|w| w.raw.chars().count() == 1 && is_stop(&fold_word(w.raw)) && !connector(w));
        // "Central American country": a demonym used as an adjective.
        let adjective = run.last().is_some_and(|w| is_demonym(&fold_word(w.raw)))
            && next.is_some_and(|n| n.raw.chars().next().is_some_and(char::is_lowercase));
        // A capitalised run right before a known entity describes it ("the Criminal
        // Organization Tren de Aragua", "State Secretary Marco Rubio"); it is not a name.
        let descriptor = run.last().is_some_and(|w| {
            taken
                .iter()
                .any(|&(s, _)| s > w.end && text[w.end..s].chars().all(|c| c == ' '))
        });
        let last = run[run.len() - 1];
        let end = last.start + strip_possessive(last.raw).len();
        let noun = generic || (noun_marked && !titled && !org_like);
        if run.len() >= 2 && !stop_inside && !adjective && !descriptor && !noun {
            push(run[0].start, end, kind_of(&run, before.as_ref()));
        } else if run.len() == 1 {
            let f = fold_word(strip_possessive(run[0].raw));
            // A quotation capitalises its first word as a sentence does ("als \"Händler des
            // Todes\"", "said \"Nobody"): not evidence of a name.
            let opened = starts.contains(&run[0].start)
                || text[..run[0].start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| matches!(c, '"' | '“' | '„' | '«' | '‘' | '‹'));
            // A word before a number labels it ("Category 4", "Phase 2"): not a name.
            let label = next.is_some_and(|n| n.is_number())
                && text[run[0].end..next.map_or(0, |n| n.start)]
                    .chars()
                    .all(|c| c == ' ');
            if (noun_marked && run[0].start == ws[i].start) || label {
                nouns.insert(f.to_string());
            }
            let p = (i..j).find(|&k| ws[k].start == run[0].start).unwrap_or(i);
            let gap = |k: usize| &text[ws[k].end..ws[k + 1].start];
            let lower = |k: usize| ws[k].raw.chars().next().is_some_and(char::is_lowercase);
            let after_preposition = p > 0
                && gap(p - 1).chars().all(|c| c == ' ')
                && (lower(p - 1) || starts.contains(&ws[p - 1].start))
                && lx.is_name_preposition(lang, &words.folded[p - 1]);
            let listed = p > 0
                && ((gap(p - 1).trim() == "," && last_located == Some(p - 1))
                    || (p > 1
                        && lx.is_coordinator(&words.folded[p - 1])
                        && gap(p - 1) == " "
                        && matches!(gap(p - 2).trim(), "" | ",")
                        && last_located == Some(p - 2)));
            if f.chars().count() >= 3
                && !is_stop(&f)
                && !is_demonym(&f)
                && !is_title(&f)
                && !lower_seen.contains(f.as_ref())
            {
                if (titled || after_title) && f.chars().count() >= 4 && !label {
                    titled_singles.insert(f.to_string());
                }
                if (after_preposition || listed) && !noun_shaped(&f) && !label {
                    located.insert(f.to_string());
                    last_located = Some(p);
                }
                let span = (run[0].start, end, opened);
                match singles.iter_mut().find(|(k, _)| *k == f) {
                    Some((_, v)) => v.push(span),
                    None => singles.push((f.into_owned(), vec![span])),
                }
            }
        }
        i = j;
    }
    // A lone surname refers to the full name found earlier ("Meloni" after "Giorgia Meloni");
    // another single word is a name when the text capitalises it more than once mid-sentence and
    // never writes it in lower case ("Grindavik", but not "Deal" once in a sentence).
    for (f, spans) in singles {
        let full = found.iter().position(|e| {
            e.name.contains(' ')
                && e.name.split(' ').next_back().map(fold_word).as_deref() == Some(f.as_str())
        });
        let mid = spans.iter().filter(|x| !x.2).count();
        match full {
            Some(k) => {
                for (s, e, _) in spans {
                    found[k].mentions.push(Mention {
                        start: s,
                        end: e,
                        surface: text[s..e].to_string(),
                    });
                }
                found[k].mentions.sort_by_key(|m| m.start);
            }
            None if (mid >= 2 || located.contains(&f) || titled_singles.contains(&f))
                && f.chars().count() >= 4
                && !noun_shaped(&f)
                && !nouns.contains(&f) =>
            {
                for (s, e, _) in spans {
                    add_mention(&mut found, &mut slot, text, (s, e), "unknown");
                }
            }
            None => {}
        }
    }
    merge_parts(&mut found);
    found
}

/// Folded words of each name.
fn name_words(found: &[EntityRef]) -> Vec<Vec<String>> {
    found
        .iter()
        .map(|e| {
            words(&e.name)
                .iter()
                .map(|w| fold_word(w.raw).into_owned())
                .collect()
        })
        .collect()
}

/// Names that are parts of others. A run made of two names of two words or more that the text
/// also uses apart is a description and a name ("Middle East Steve Witkoff" where "Middle East" and "Steve Witkoff"
/// stand alone), and so is a place or a demonym before a name used alone ("Tampa Liz Alpert"):
/// its mentions go to the names. A name of two words or more inside a longer one
/// is a short form of it ("María Corina" of "María Corina Machado", "San Pietro" of "Piazza San
/// Pietro"): its mentions go to the longer name.
fn merge_parts(found: &mut Vec<EntityRef>) {
    let ws = name_words(found);
    let mut gone = vec![false; found.len()];
    for k in 0..found.len() {
        let n = ws[k].len();
        if n < 3 {
            continue;
        }
        // Both parts of two words or more: a single word standing apart proves less ("Piazza"
        // and "San Pietro" in "Piazza San Pietro").
        let split = (2..n.saturating_sub(1)).find_map(|s| {
            let p = (0..ws.len()).find(|&p| p != k && !gone[p] && ws[p][..] == ws[k][..s])?;
            let q = (0..ws.len()).find(|&q| q != k && !gone[q] && ws[q][..] == ws[k][s..])?;
            Some((s, Some(p), q))
        });
        // A place or a demonym in front of a name the text uses alone describes it
        // ("Sarasota Liz Alpert", "Amerikaner Marc Fogel").
        let described = || {
            let first = &ws[k][0];
            let place = lexicon::places::places().lookup_word(first).is_some();
            if !(place || is_demonym(first)) {
                return None;
            }
            let q = (0..ws.len()).find(|&q| q != k && !gone[q] && ws[q][..] == ws[k][1..])?;
            Some((1, None, q))
        };
        let Some((s, p, q)) = split.or_else(described) else {
            continue;
        };
        let mentions = std::mem::take(&mut found[k].mentions);
        for m in mentions {
            let mw = words(&m.surface);
            if mw.len() != n {
                continue;
            }
            let cut = m.start + mw[s - 1].end;
            let resume = m.start + mw[s].start;
            if let Some(p) = p {
                found[p].mentions.push(Mention {
                    start: m.start,
                    end: cut,
                    surface: m.surface[..mw[s - 1].end].to_string(),
                });
            }
            found[q].mentions.push(Mention {
                start: resume,
                end: m.end,
                surface: m.surface[mw[s].start..].to_string(),
            });
        }
        gone[k] = true;
    }
    for k in 0..found.len() {
        let n = ws[k].len();
        if gone[k] || n < 2 {
            continue;
        }
        let longer = (0..found.len())
            .filter(|&q| {
                q != k && !gone[q] && ws[q].len() > n && ws[q].windows(n).any(|w| w == &ws[k][..])
            })
            .max_by_key(|&q| ws[q].len());
        if let Some(q) = longer {
            let mentions = std::mem::take(&mut found[k].mentions);
            found[q].mentions.extend(mentions);
            gone[k] = true;
        }
    }
    let mut k = 0;
    found.retain(|_| {
        k += 1;
        !gone[k - 1]
    });
    for e in found.iter_mut() {
        e.mentions.sort_by_key(|m| m.start);
    }
}

fn add_mention(
    found: &mut Vec<EntityRef>,
    slot: &mut HashMap<String, usize>,
    text: &str,
    (start, end): (usize, usize),
    kind: &'static str,
) {
    let surface = &text[start..end];
    let id = format!("name/{}", slug(surface));
    let k = *slot.entry(id.clone()).or_insert_with(|| {
        found.push(EntityRef {
            id,
            name: surface.to_string(),
            kind: kind.into(),
            mentions: Vec::new(),
        });
        found.len() - 1
    });
    if found[k].kind == model::EntityKind::Unknown && kind != "unknown" {
        found[k].kind = kind.into();
    }
    found[k].mentions.push(Mention {
        start,
        end,
        surface: surface.to_string(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, String)> {
        find_names(text, &Folded::new(text), &[], "en")
            .into_iter()
            .map(|e| (e.name, e.kind.to_string()))
            .collect()
    }

    #[test]
    fn multi_word_names_mid_sentence_are_found() {
        let t = "Lawyers for the ACLU asked the U.S. Supreme Court to act, and Pedro Sánchez \
                 met Giorgia Meloni in Latin America. She said the Tribunal Supremo de Justicia \
                 was wrong.";
        let n = names(t);
        for want in [
            ("Supreme Court", "organization"),
            ("Pedro Sánchez", "unknown"),
            ("Giorgia Meloni", "unknown"),
            ("Latin America", "place"),
            ("Tribunal Supremo de Justicia", "unknown"),
            ("ACLU", "unknown"),
        ] {
            assert!(
                n.iter()
                    .any(|(name, kind)| name == want.0 && kind == want.1),
                "{want:?} missing in {n:?}"
            );
        }
    }

    #[test]
    fn titles_make_people_and_are_not_part_of_the_name() {
        let n = names("The talks were led by Foreign Minister Yvan Gil Pinto on Monday.");
        assert_eq!(n, [("Yvan Gil Pinto".to_string(), "person".to_string())]);
    }

    #[test]
    fn ordinary_capitals_are_not_names() {
        // Sentence starts, a title-case headline, months, days, "I", demonyms as adjectives,
        // titles alone, all-caps shouting, and sentence-initial words also used in lower case.
        let t = "Markets Rally as Central Bank Holds Rates Steady\n\
                 Prices rose in March. On Friday I met the mayor. Relations improved after \
                 talks. The Central American country said relations were warm. Officials \
                 said the Secretary of State would visit. BREAKING NEWS FROM THE WIRE. \
                 Spanish wine and French cheese sold well. Each Monday the market opens. \
                 However, Deal talks stalled. In April, prices fell.";
        let n = names(t);
        assert!(n.is_empty(), "false positives: {n:?}");
    }

    #[test]
    fn recurring_single_names_and_lone_surnames() {
        let t = "Lava reached the town of Grindavik overnight. Residents of Grindavik left. \
                 Officials met Giorgia Meloni in the capital, and later Meloni spoke. The \
                 fire reached Sandvik once. Reporters saw Venezuelan and Venezuelan flags.";
        let found = find_names(t, &Folded::new(t), &[], "en");
        let names: Vec<(&str, usize)> = found
            .iter()
            .map(|e| (e.name.as_str(), e.mentions.len()))
            .collect();
        assert!(names.contains(&("Grindavik", 2)), "{names:?}");
        assert!(names.contains(&("Giorgia Meloni", 2)), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|(n, _)| *n == "Sandvik" || *n == "Venezuelan" || *n == "Meloni"),
            "{names:?}"
        );
    }

    #[test]
    fn german_nouns_after_articles_adjectives_and_numbers_are_not_names() {
        let t = "Griner wurde in einem russischen Straflager festgehalten. Sie hatte den \
                 Austausch von Gefangenen erwartet, nach einer neunjährigen Haftstrafe in einem \
                 Moskauer Flughafen. Die Haftstrafe war hart, der Wind wehte mit 160 Kilometern \
                 pro Stunde, mit 120 Kilometern pro Stunde. Brittney Griner traf Joe Biden.";
        let n: Vec<String> = find_names(t, &Folded::new(t), &[], "de")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(n.contains(&"Brittney Griner".to_string()), "{n:?}");
        assert!(n.contains(&"Joe Biden".to_string()), "{n:?}");
        for noun in [
            "Straflager",
            "Austausch von Gefangenen",
            "Haftstrafe",
            "Moskauer Flughafen",
            "Kilometern",
            "Stunde",
        ] {
            assert!(!n.iter().any(|x| x == noun), "{noun} in {n:?}");
        }
    }

    #[test]
    fn descriptions_labels_chains_and_regnal_numbers() {
        let t = "The storm hit as Florida Governor Ron DeSantis spoke, a Category 4 storm. \
                 Then Category 3 winds came. The International Committee of the Red Cross \
                 helped, and Pope Benedict XVI was remembered.";
        let n = names(t);
        let got: Vec<&str> = n.iter().map(|x| x.0.as_str()).collect();
        for want in [
            "Ron DeSantis",
            "International Committee of the Red Cross",
            "Benedict XVI",
        ] {
            assert!(got.contains(&want), "{want} missing in {got:?}");
        }
        assert!(!got
            .iter()
            .any(|x| x.contains("Category") || x.contains("Governor")));
    }

    #[test]
    fn coordinated_places_compounds_and_places_named_once() {
        let t =
            "The storm passed near Sarasota and Fort Myers overnight, and the Israeli-occupied \
                 West Bank was quiet. He taught at universities in Bonn, Münster and Regensburg. \
                 The Archdiocese of Munich and Freising said so.";
        let got: Vec<String> = names(t).into_iter().map(|x| x.0).collect();
        for want in [
            "Sarasota",
            "Fort Myers",
            "West Bank",
            "Bonn",
            "Münster",
            "Regensburg",
            "Archdiocese of Munich and Freising",
        ] {
            assert!(got.iter().any(|x| x == want), "{want} missing in {got:?}");
        }
        assert!(!got
            .iter()
            .any(|x| x.contains(" and Fort") || x.contains("Israeli")));
        let t = "Die US-Basketballstar Brittney Griner ist frei.";
        let got: Vec<String> = find_names(t, &Folded::new(t), &[], "de")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(got, ["Brittney Griner"]);
    }

    #[test]
    fn portfolios_after_lower_case_titles_and_people_named_once_after_a_title() {
        let t = "Le ministre israélien de la Défense Yoav Gallant a parlé.";
        let got: Vec<String> = find_names(t, &Folded::new(t), &[], "fr")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(got, ["Yoav Gallant"]);
        let got: Vec<String> = names("The crowd greeted Pope Benedict in the square.")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(got, ["Benedict"]);
    }

    #[test]
    fn names_skip_spans_already_taken() {
        let t = "He met Nayib Bukele in San Salvador.";
        let s = t.find("Nayib").unwrap_or(0);
        let e = t.find(" in").unwrap_or(0);
        let n: Vec<String> = find_names(t, &Folded::new(t), &[(s, e)], "en")
            .into_iter()
            .map(|x| x.name)
            .collect();
        assert_eq!(n, ["San Salvador"]);
    }

    #[test]
    fn descriptors_of_known_entities_are_not_names() {
        let t = "accused of being part of the Criminal Organization Train de Argu (TDA).";
        let s = t.find("Train").unwrap_or(0);
        let found = find_names(
            t,
            &Folded::new(t),
            &[(s, s + "Train de Argu".len()), (t.len() - 5, t.len() - 2)],
            "en",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn short_forms_and_descriptions_made_of_names_join_the_full_names() {
        let t = "Officials met María Corina Machado and Edmundo González Urrutia in the morning. \
                 Later María Corina spoke, and González Urrutia left. Trump's Middle East envoy \
                 was there: US Special Envoy to the Middle East Steve Witkoff looks on, and \
                 Steve Witkoff said so.";
        let found = find_names(t, &Folded::new(t), &[], "en");
        let got: Vec<(&str, usize)> = found
            .iter()
            .map(|e| (e.name.as_str(), e.mentions.len()))
            .collect();
        for want in [
            ("María Corina Machado", 2),
            ("Edmundo González Urrutia", 2),
            ("Middle East", 2),
            ("Steve Witkoff", 2),
        ] {
            assert!(got.contains(&want), "{want:?} missing in {got:?}");
        }
        assert_eq!(got.len(), 4, "{got:?}");
        let got: Vec<String> = names(
            "Footage from Al Jazeera and the Holy See Press Office showed the service of His \
             Church; a reader of Le Soir agreed.",
        )
        .into_iter()
        .map(|x| x.0)
        .collect();
        assert_eq!(got, ["Al Jazeera", "Holy See Press Office", "Le Soir"]);
        assert!(names("News\nPublished On 18 Dec 2022\nText.").is_empty());
        let t3 = "Die Amerikaner Marc Fogel und Tampa Liz Alpert. Dann kamen Marc Fogel und \
                  Liz Alpert. Israeli Defense Forces came.";
        let got: Vec<String> = find_names(t3, &Folded::new(t3), &[], "en")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(got, ["Marc Fogel", "Liz Alpert", "Israeli Defense Forces"]);
        let t2 = "Nessuno in Piazza San Pietro. Poi in San Pietro e in Piazza, e in Piazza.";
        let got: Vec<String> = find_names(t2, &Folded::new(t2), &[], "it")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(got.contains(&"Piazza San Pietro".to_string()), "{got:?}");
        for e in found {
            for m in e.mentions {
                assert_eq!(&t[m.start..m.end], m.surface);
            }
        }
    }

    #[test]
    fn german_captions_are_not_headlines_and_quotations_do_not_make_names() {
        // A caption line without a full stop, dense with capitalised nouns: in German that is
        // sentence case, not a title-case headline, so the people in it are found.
        let t = "Spanien feiert den Titel mit König Felipe und Prinzessin Sofia (Foto: Kieran \
                 McManus)\n\nDer Waffenhändler wurde als \"Händler des Todes\" bekannt. Man \
                 nannte ihn \"Händler des Todes\" in vielen Berichten.";
        let got: Vec<String> = find_names(t, &Folded::new(t), &[], "de")
            .into_iter()
            .map(|e| e.name)
            .collect();
        for want in ["Felipe", "Sofia", "Kieran McManus"] {
            assert!(got.iter().any(|g| g == want), "{want} missing in {got:?}");
        }
        assert!(!got.iter().any(|g| g.contains("Händler")), "{got:?}");
    }

    #[test]
    fn organisations_after_titles_dates_and_foreign_particles_in_german() {
        let t = "Habló la presidenta del Tribunal Supremo de Justicia, y el presidente del \
                 Consejo Nacional Electoral (CNE) también.";
        let got: Vec<String> = find_names(t, &Folded::new(t), &[], "es")
            .into_iter()
            .map(|e| e.name)
            .collect();
        for want in [
            "Tribunal Supremo de Justicia",
            "Consejo Nacional Electoral",
            "CNE",
        ] {
            assert!(got.iter().any(|x| x == want), "{want} missing in {got:?}");
        }
        let got: Vec<String> = names("It made landfall near Siesta Key on Oct. 9 at night.")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(got, ["Siesta Key"]);
        let t = "Die Mannschaft von Trainer Luis de la Fuente siegte mit Tochter Sofía.";
        let got: Vec<String> = find_names(t, &Folded::new(t), &[], "de")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(got, ["Luis de la Fuente", "Sofía"]);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let t = "Ayer, el presidente habló con Delcy Rodríguez y con la Asamblea Nacional.";
        let found = find_names(t, &Folded::new(t), &[], "en");
        assert!(!found.is_empty());
        for e in found {
            for m in e.mentions {
                assert_eq!(&t[m.start..m.end], m.surface);
            }
        }
    }
}
