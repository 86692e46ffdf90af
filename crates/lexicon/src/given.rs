//! Given names across languages: "Franziskus", "Francesco" and "Francisco" are one name, so
//! that reports of one event in different languages share it.

use std::sync::OnceLock;

use crate::{fold, FastMap};

/// The canonical (English) form of a folded given name that changes with the language, or the
/// word itself.
pub fn canonical(folded: &str) -> &str {
    static FORMS: OnceLock<FastMap<String, String>> = OnceLock::new();
    let forms = FORMS.get_or_init(|| {
        let mut m = FastMap::default();
        for line in include_str!("../data/given_names.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some((canon, list)) = line.split_once('\t') {
                for form in list.split(',') {
                    m.insert(fold(form.trim()), fold(canon.trim()));
                }
            }
        }
        m
    });
    forms.get(folded).map_or(folded, String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_one_name_meet_and_others_stay() {
        for w in [
            "franziskus",
            "francesco",
            "francisco",
            "francois",
            "francis",
        ] {
            assert_eq!(canonical(w), "francis");
        }
        assert_eq!(canonical("leone"), "leo");
        assert_eq!(canonical("bukele"), "bukele");
    }
}
