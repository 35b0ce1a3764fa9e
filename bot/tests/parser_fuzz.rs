//! The chat parser under random and mutated input (issue: proof under bad
//! input). Whatever a phone sends, the parser must not panic, must read
//! every non-empty line as a command or as an error, and the error's
//! explanation must be an answer a cheap phone can show: non-empty, and
//! with what is wrong inside the first SMS segment.
use chrono::NaiveDate;
use posyandu_bot::chat::help::explain;
use posyandu_bot::chat::parse;
use proptest::prelude::*;

/// An SMS segment (GSM-7).
const SEGMENT: usize = 160;
/// The longest explanation of one line: what is wrong, then the format and
/// an example. Twilio takes 1,600 characters, so ten such lines still fit.
const MAX_EXPLANATION: usize = 400;

/// Messages kader really send, to mutate.
const SEEDS: &[&str] = &[
    "TIMBANG 51080012 8,5 72",
    "timbang Putu Ayu 8.4kg 71cm lila 13 lk 44 kemarin",
    "T 51080012 12,3kg 86,5cm 3/11",
    "HAMIL Made Sari HPHT 2026-05-01 HP 081337000123",
    "PERIKSA 51080029 BB 60 TD 120/80 LILA 24 HB 11,2",
    "LAHIR Made Sari Ketut Bayu L 2/12 3200 49",
    "DATANG Nyoman Adi L 12-03-2024 ibu Wayan Sari",
    "PINDAH 51080012 tujuan Denpasar",
    "MENINGGAL 51080012 1 Des",
    "IMUN 51080012 DPT-HB-Hib 1, polio 2",
    "VITA 51080012 merah",
    "CARI ayu",
    "BATAL",
    "YA",
    "BANTU",
    "timbang 51080012 8,5\ntimbang 51080029 9,1 75\nhamil",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

/// Every line the parser returns is accounted for and explained well.
fn check(message: &str) -> Result<(), TestCaseError> {
    let lines = parse(message, today());
    let non_empty = message
        // The line breaks phones send: LF, CR, NEL, LINE and PARAGRAPH
        // SEPARATOR.
        .split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .filter(|l| {
            !l.chars()
                .all(|c| c.is_whitespace() || posyandu_bot::chat::normalise::is_invisible(c))
        })
        .count();
    prop_assert!(lines.len() <= non_empty, "more lines than were sent");
    for line in &lines {
        if let Err(error) = &line.parsed {
            let text = explain(error);
            let n = text.chars().count();
            prop_assert!(n > 0, "an empty explanation for {:?}", line.text);
            prop_assert!(
                n <= MAX_EXPLANATION,
                "{n} characters explaining {:?}: {text}",
                line.text
            );
            // What is wrong comes first: the first sentence fits a segment.
            let first = text.split(". ").next().unwrap_or("");
            prop_assert!(
                first.chars().count() <= SEGMENT,
                "the first sentence of {text:?} does not fit one SMS"
            );
        }
    }
    Ok(())
}

/// A seed with a random edit: a character dropped, doubled, swapped for
/// another or inserted, or a random tail.
fn mutated() -> impl Strategy<Value = String> {
    (
        0..SEEDS.len(),
        prop::collection::vec((0usize..64, 0u8..4, any::<char>()), 1..6),
        ".{0,12}",
    )
        .prop_map(|(seed, edits, tail)| {
            let mut chars: Vec<char> = SEEDS[seed].chars().collect();
            for (at, kind, c) in edits {
                let at = at % (chars.len() + 1);
                match kind {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars.insert(at, chars[at]),
                    2 if at < chars.len() => chars[at] = c,
                    _ => chars.insert(at, c),
                }
            }
            let mut text: String = chars.into_iter().collect();
            text.push_str(&tail);
            text
        })
}

/// Characters phones produce: digits, letters, the separators of the
/// grammar, decimal commas, zero-width and full-width forms, emoji.
fn phone_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(
                " \n0123456789,./-:kgcmKGCMtTbBLPyYaA\u{200b}\u{feff}\u{ff11}\u{2019}\u{1f600}"
                    .chars()
                    .collect::<Vec<_>>()
            ),
            1 => any::<char>(),
        ],
        0..200,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_reports_never_panic_and_are_explained(message in mutated()) {
        check(&message)?;
    }

    #[test]
    fn random_phone_text_never_panics_and_is_explained(message in phone_text()) {
        check(&message)?;
    }

    #[test]
    fn any_string_never_panics(message in any::<String>()) {
        check(&message)?;
    }

    #[test]
    fn many_keywords_and_numbers_never_panic(
        words in prop::collection::vec(
            prop_oneof![
                prop::sample::select(vec!["TIMBANG", "HAMIL", "PERIKSA", "LAHIR", "DATANG",
                    "PINDAH", "MENINGGAL", "IMUN", "VITA", "CARI", "YA", "TIDAK", "BATAL",
                    "L", "P", "kg", "cm", "lila", "lk", "hb", "td", "kemarin", "ibu"])
                    .prop_map(str::to_owned),
                "[0-9]{1,16}",
                "[0-9]{1,3}[,.][0-9]{1,3}",
                "[0-9]{1,2}[/-][0-9]{1,2}([/-][0-9]{2,4})?",
            ],
            1..20,
        )
    ) {
        check(&words.join(" "))?;
    }
}
