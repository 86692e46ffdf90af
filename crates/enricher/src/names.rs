//! Names outside the gazetteer: runs of capitalised words that are not at the start of a sentence,
//! not in a title-case headline, and not an honorific or a demonym. Precision first: a name missed
//! costs less than an ordinary word reported as an entity.

use std::collections::HashMap;

use model::{EntityRef, Mention};

use crate::text::{fold_word, is_stop, sentences, words, Word};

/// Words that open a name run but are titles, not names ("Secretary of State Rubio").
const TITLES: &[&str] = &[
    "president",
    "presidente",
    "secretary",
    "secretario",
    "minister",
    "ministro",
    "senator",
    "senador",
    "governor",
    "gobernador",
    "judge",
    "juez",
    "mayor",
    "alcalde",
    "general",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "king",
    "queen",
    "pope",
    "prime",
    "chief",
    "director",
    "leader",
    "state",
    "foreign",
    "former",
    "vice",
    "deputy",
    "attorney",
    "señor",
    "senor",
    "don",
    "doña",
    "dona",
    "chancellor",
    "ambassador",
    "embajador",
    "officials",
    "official",
];

/// Capitalised but not names when alone in a run: months, days, pronouns, interjections.
const NOT_NAMES: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lunes",
    "martes",
    "miercoles",
    "jueves",
    "viernes",
    "sabado",
    "domingo",
    "i",
    "god",
    "internet",
    "covid",
];

/// Acronyms that are not entities.
const NOT_ACRONYMS: &[&str] = &[
    "CEO", "CEOS", "TV", "OK", "AM", "PM", "GMT", "UTC", "FAQ", "PDF", "HTML", "URL", "ID", "DNA",
    "GDP", "USD", "EUR", "AI", "PS", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI",
];

/// Lower-case words that may join capitalised ones inside a name ("Tren de Aragua").
const CONNECTORS: &[&str] = &[
    "de", "del", "la", "las", "los", "of", "the", "for", "on", "y",
];

const KIND_BY_LAST: &[(&str, &[&str])] = &[
    (
        "organization",
        &[
            "court",
            "ministry",
            "department",
            "party",
            "agency",
            "bank",
            "council",
            "commission",
            "union",
            "association",
            "organization",
            "organisation",
            "committee",
            "office",
            "congress",
            "senate",
            "assembly",
            "police",
            "army",
            "navy",
            "government",
            "company",
            "inc",
            "corp",
            "ltd",
            "university",
            "institute",
            "foundation",
            "news",
            "times",
            "post",
            "tribunal",
            "ministerio",
            "partido",
            "gobierno",
            "fund",
            "group",
            "network",
            "service",
        ],
    ),
    (
        "facility",
        &[
            "prison",
            "airport",
            "center",
            "centre",
            "embassy",
            "hospital",
            "station",
            "port",
            "base",
            "palace",
            "stadium",
            "jail",
            "bridge",
            "plant",
            "aeropuerto",
            "carcel",
            "penal",
            "embajada",
        ],
    ),
    (
        "law",
        &[
            "act",
            "law",
            "treaty",
            "accord",
            "convention",
            "amendment",
            "ley",
            "decree",
            "decreto",
            "constitution",
        ],
    ),
    (
        "event",
        &[
            "summit",
            "war",
            "election",
            "elections",
            "games",
            "cup",
            "conference",
            "festival",
            "olympics",
            "cumbre",
            "guerra",
            "elecciones",
        ],
    ),
    (
        "place",
        &[
            "republic",
            "kingdom",
            "city",
            "county",
            "province",
            "river",
            "island",
            "islands",
            "mountains",
            "america",
            "africa",
            "asia",
            "europe",
            "street",
            "avenue",
            "valley",
            "coast",
            "sea",
            "ocean",
            "lake",
            "region",
        ],
    ),
];

fn in_list(list: &[&str], folded: &str) -> bool {
    list.contains(&folded)
}

fn is_demonym(folded: &str) -> bool {
    ["an", "ian", "ean", "ese", "ish", "ans", "eans", "ians"]
        .iter()
        .any(|s| folded.ends_with(s))
        && folded.chars().count() > 4
}

fn is_acronym(raw: &str) -> bool {
    let letters: Vec<char> = raw.chars().filter(|c| *c != '.').collect();
    (3..=6).contains(&letters.len()) && letters.iter().all(|c| c.is_ascii_uppercase())
}

/// Lines written in title case or capitals (headlines): every word looks like a name there.
fn headline_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let ws = words(line);
        let content: Vec<&Word<'_>> = ws
            .iter()
            .filter(|w| w.raw.chars().count() >= 4 && !is_stop(&fold_word(w.raw)))
            .collect();
        let caps = content.iter().filter(|w| w.capitalised()).count();
        let upper = line.chars().filter(|c| c.is_uppercase()).count();
        let letters = line.chars().filter(|c| c.is_alphabetic()).count();
        // Headlines are short and end without a full stop; prose dense with names is not one.
        let trimmed = line.trim_end();
        let prose = trimmed.ends_with(['.', '!', '?', ':', ';', '"', '”']) || ws.len() > 25;
        let title_case = !prose && content.len() >= 3 && caps * 10 >= content.len() * 7;
        let all_caps = letters >= 8 && upper * 10 >= letters * 7;
        if title_case || all_caps {
            out.push((pos, pos + line.len()));
        }
        pos += line.len();
    }
    out
}

fn kind_of(run: &[Word<'_>], before: Option<&Word<'_>>) -> &'static str {
    let last = run.last().map(|w| fold_word(w.raw)).unwrap_or_default();
    for (kind, lasts) in KIND_BY_LAST {
        if in_list(lasts, &last) {
            return kind;
        }
    }
    if before.is_some_and(|b| in_list(TITLES, &fold_word(b.raw.trim_end_matches('.')))) {
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

/// Names in `text` that no gazetteer mention covers (`taken` are byte spans already claimed).
pub(crate) fn find_names(text: &str, taken: &[(usize, usize)]) -> Vec<EntityRef> {
    let ws = words(text);
    let heads = headline_spans(text);
    let starts: Vec<usize> = sentences(text).iter().map(|s| s.0).collect();
    let lower_seen: std::collections::HashSet<String> = ws
        .iter()
        .filter(|w| w.raw.chars().next().is_some_and(char::is_lowercase))
        .map(|w| fold_word(w.raw))
        .collect();
    let covered = |w: &Word<'_>| {
        taken.iter().any(|&(s, e)| w.start < e && s < w.end)
            || heads.iter().any(|&(s, e)| w.start >= s && w.end <= e)
    };
    // Only spaces between two words of one name; punctuation ends a name.
    let joined = |a: &Word<'_>, b: &Word<'_>| text[a.end..b.start].chars().all(|c| c == ' ');
    let name_word = |w: &Word<'_>| {
        let f = fold_word(w.raw);
        w.capitalised()
            && !w.is_number()
            && !covered(w)
            && !in_list(NOT_NAMES, &f)
            && !w.raw.chars().all(|c| c.is_uppercase() || c == '.')
    };

    let mut found: Vec<EntityRef> = Vec::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut push = |name_start: usize, name_end: usize, kind: &'static str| {
        add_mention(&mut found, &mut slot, text, (name_start, name_end), kind)
    };
    // Single capitalised words mid-sentence, by folded form: names if they recur.
    let mut singles: Vec<(String, Vec<(usize, usize)>)> = Vec::new();

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
        // Grow the run: capitalised words, and connectors followed by a capitalised word.
        let mut j = i + 1;
        while j < ws.len() && joined(&ws[j - 1], &ws[j]) {
            if name_word(&ws[j]) {
                j += 1;
            } else if in_list(CONNECTORS, ws[j].raw)
                && j + 1 < ws.len()
                && joined(&ws[j], &ws[j + 1])
                && name_word(&ws[j + 1])
            {
                j += 2;
            } else {
                break;
            }
        }
        let mut run: Vec<Word<'_>> = ws[i..j].to_vec();
        let next = ws.get(j).copied();
        let mut before = if i > 0 { Some(ws[i - 1]) } else { None };
        // At a sentence start the capital says nothing: drop a first word that is a stop word or
        // that the text also uses in lower case ("Relations", "Planners").
        if starts.contains(&run[0].start) {
            let f = fold_word(run[0].raw);
            // Plurals, participles and adverbs open sentences, not names ("Residents of ...").
            let common_shape = (f.ends_with('s') && !f.ends_with("ss"))
                || f.ends_with("ing")
                || f.ends_with("ed")
                || f.ends_with("ly");
            if is_stop(&f) || lower_seen.contains(&f) || common_shape {
                before = Some(run.remove(0));
            }
        }
        // Titles in front are not part of the name, but say it is a person.
        while run.first().is_some_and(|w| {
            in_list(TITLES, &fold_word(w.raw)) || in_list(CONNECTORS, &fold_word(w.raw))
        }) {
            before = Some(run.remove(0));
        }
        while run.last().is_some_and(|w| {
            in_list(TITLES, &fold_word(w.raw)) || in_list(CONNECTORS, &fold_word(w.raw))
        }) {
            run.pop();
        }
        let stop_inside = run
            .iter()
            .any(|w| is_stop(&fold_word(w.raw)) && !in_list(CONNECTORS, &fold_word(w.raw)));
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
        if run.len() >= 2 && !stop_inside && !adjective && !descriptor {
            let (s, e) = (run[0].start, run[run.len() - 1].end);
            push(s, e, kind_of(&run, before.as_ref()));
        } else if run.len() == 1 && !starts.contains(&run[0].start) {
            let f = fold_word(run[0].raw);
            if f.chars().count() >= 4
                && !is_stop(&f)
                && !is_demonym(&f)
                && !in_list(TITLES, &f)
                && !lower_seen.contains(&f)
            {
                let span = (run[0].start, run[0].end);
                match singles.iter_mut().find(|(k, _)| *k == f) {
                    Some((_, v)) => v.push(span),
                    None => singles.push((f, vec![span])),
                }
            }
        }
        i = j;
    }
    // A lone surname refers to the full name found earlier ("Meloni" after "Giorgia Meloni");
    // another single word is a name only when the text capitalises it more than once and never
    // writes it in lower case ("Grindavik", but not "Deal" once in a sentence).
    for (f, spans) in singles {
        let full = found.iter().position(|e| {
            e.name.contains(' ') && e.name.split(' ').next_back().map(fold_word) == Some(f.clone())
        });
        match full {
            Some(k) => {
                for (s, e) in spans {
                    found[k].mentions.push(Mention {
                        start: s,
                        end: e,
                        surface: text[s..e].to_string(),
                    });
                }
                found[k].mentions.sort_by_key(|m| m.start);
            }
            None if spans.len() >= 2 => {
                for span in spans {
                    add_mention(&mut found, &mut slot, text, span, "unknown");
                }
            }
            None => {}
        }
    }
    found
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
            kind: kind.to_string(),
            mentions: Vec::new(),
        });
        found.len() - 1
    });
    if found[k].kind == "unknown" && kind != "unknown" {
        found[k].kind = kind.to_string();
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
        find_names(text, &[])
            .into_iter()
            .map(|e| (e.name, e.kind))
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
        let found = find_names(t, &[]);
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
    fn names_skip_spans_already_taken() {
        let t = "He met Nayib Bukele in San Salvador.";
        let s = t.find("Nayib").unwrap_or(0);
        let e = t.find(" in").unwrap_or(0);
        let n: Vec<String> = find_names(t, &[(s, e)])
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
            &[(s, s + "Train de Argu".len()), (t.len() - 5, t.len() - 2)],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn offsets_point_into_the_text() {
        let t = "Ayer, el presidente habló con Delcy Rodríguez y con la Asamblea Nacional.";
        let found = find_names(t, &[]);
        assert!(!found.is_empty());
        for e in found {
            for m in e.mentions {
                assert_eq!(&t[m.start..m.end], m.surface);
            }
        }
    }
}
