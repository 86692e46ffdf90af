//! Language detection with whatlang, reported as ISO 639-1 where one exists.

use model::Language;

/// Detect the language of `text`; `und` with confidence 0 when nothing can be said.
pub fn detect_language(text: &str) -> Language {
    // The first few thousand characters decide as well as the whole text, at a fraction of the
    // cost.
    let mut cut = text.len().min(3000);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    // Names say nothing about the language of the text around them ("El Salvador" in a
    // Portuguese sentence made it Spanish): detect on the words that are not capitalised.
    let lower: String = text[..cut]
        .split_whitespace()
        .filter(|w| !w.chars().next().is_some_and(char::is_uppercase))
        .collect::<Vec<_>>()
        .join(" ");
    let sample = if lower.chars().filter(|c| c.is_alphabetic()).count() >= 20 {
        lower.as_str()
    } else {
        &text[..cut]
    };
    match whatlang::detect(sample) {
        Some(info) => {
            let code3 = info.lang().code();
            Language {
                code: iso639_1(code3).unwrap_or(code3).to_string(),
                confidence: info.confidence() as f32,
            }
        }
        None => Language {
            code: "und".into(),
            confidence: 0.0,
        },
    }
}

fn iso639_1(code3: &str) -> Option<&'static str> {
    Some(match code3 {
        "eng" => "en",
        "spa" => "es",
        "por" => "pt",
        "fra" => "fr",
        "deu" => "de",
        "ita" => "it",
        "nld" => "nl",
        "rus" => "ru",
        "ukr" => "uk",
        "pol" => "pl",
        "cmn" => "zh",
        "jpn" => "ja",
        "kor" => "ko",
        "ara" => "ar",
        "tur" => "tr",
        "swe" => "sv",
        "dan" => "da",
        "nob" => "nb",
        "fin" => "fi",
        "ces" => "cs",
        "ell" => "el",
        "heb" => "he",
        "hin" => "hi",
        "ron" => "ro",
        "hun" => "hu",
        "cat" => "ca",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_spanish() {
        let en = detect_language("The government of El Salvador announced a prisoner exchange with Venezuela on Friday, officials said.");
        assert_eq!(en.code, "en");
        assert!(en.confidence > 0.5);
        let es = detect_language("El gobierno de Nayib Bukele entregó este viernes al régimen de Maduro a 252 venezolanos deportados desde Estados Unidos.");
        assert_eq!(es.code, "es");
        assert!(es.confidence > 0.5, "{es:?}");
        assert!((0.0..=1.0).contains(&es.confidence));
    }

    #[test]
    fn other_languages_are_detected() {
        for (text, code) in [
            ("O governo de El Salvador anunciou nesta sexta-feira uma troca de prisioneiros com a Venezuela, segundo as autoridades.", "pt"),
            ("Le gouvernement du Salvador a annoncé vendredi un échange de prisonniers avec le Venezuela, selon les autorités.", "fr"),
            ("Die Regierung von El Salvador hat am Freitag einen Gefangenenaustausch mit Venezuela angekündigt, teilten die Behörden mit.", "de"),
        ] {
            assert_eq!(detect_language(text).code, code, "{text}");
        }
    }

    #[test]
    fn empty_text_is_undetermined() {
        assert_eq!(detect_language("").code, "und");
    }
}
