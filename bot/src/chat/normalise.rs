//! Text as cheap phones and chat apps send it, folded to what the grammar
//! reads: no invisible characters, ASCII quotes, dashes, digits and spaces.
//!
//! Phones insert zero-width joiners and no-break spaces, keyboards replace
//! `'` with `’`, and CJK or Arabic keyboards type full-width digits; a human
//! clerk does not see any of this, so neither may the parser.
use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What one character becomes.
enum Fold {
    Keep,
    Drop,
    Char(char),
    Str(&'static str),
}

/// Folds `text` for the grammar. Line breaks are kept (every line is a
/// report). ASCII text, by far the common case, is returned borrowed.
pub fn normalise(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match fold_char(c) {
            Fold::Keep => out.push(c),
            Fold::Drop => {}
            Fold::Char(f) => out.push(f),
            Fold::Str(s) => out.push_str(s),
        }
    }
    Cow::Owned(out)
}

/// Invisible characters that carry no text: zero-width space/joiners, word
/// joiner, BOM, soft hyphen, direction marks, variation selectors (emoji).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{FE00}'..='\u{FE0F}'
    )
}

fn fold_char(c: char) -> Fold {
    if c.is_ascii() {
        return Fold::Keep;
    }
    if is_invisible(c) {
        return Fold::Drop;
    }
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => {
            Fold::Char('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Fold::Char('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => Fold::Char('-'),
        '\u{00A0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}' => Fold::Char(' '),
        '\u{2044}' | '\u{2215}' => Fold::Char('/'),
        '\u{2026}' => Fold::Str("..."),
        // List bullets read as the `*` separator.
        '\u{2022}' | '\u{2023}' | '\u{2043}' | '\u{25CF}' | '\u{25E6}' => Fold::Char('*'),
        // Full-width ASCII (U+FF01..U+FF5E) is ASCII shifted by 0xFEE0.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).map_or(Fold::Keep, Fold::Char),
        _ => Fold::Keep,
    }
}

/// Case folding for comparisons of free text (keywords are compared with
/// `eq_ignore_ascii_case` on normalised text and need no allocation).
pub fn fold_case(text: &str) -> String {
    normalise(text).to_lowercase()
}

/// The key a name is matched on: normalised, lower case, accents removed
/// (NFD, combining marks dropped), apostrophes dropped and `-`, `.`, `_`
/// read as spaces, whitespace collapsed. `Nur’aini`, `NURAINI` and
/// `Nur'aini` match; so do `Siti-Aisyah` and `Siti Aisyah`, and `Désy` and
/// `Desy`.
pub fn fold_name(name: &str) -> String {
    let clean = normalise(name);
    let mut out = String::with_capacity(clean.len());
    let mut space_pending = false;
    for c in clean.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            '\'' | '`' => continue,
            '-' | '.' | '_' => space_pending = !out.is_empty(),
            c if c.is_whitespace() => space_pending = !out.is_empty(),
            c => {
                if space_pending {
                    out.push(' ');
                    space_pending = false;
                }
                push_folded_letter(&mut out, c);
            }
        }
    }
    out
}

/// Lower-cases one letter, spelling out the few Latin letters that NFD does
/// not decompose.
fn push_folded_letter(out: &mut String, c: char) {
    match c {
        'ß' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'ø' | 'Ø' => out.push('o'),
        'đ' | 'Đ' => out.push('d'),
        'ł' | 'Ł' => out.push('l'),
        c => out.extend(c.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_borrowed() {
        assert!(matches!(normalise("TIMBANG 48213 8,5"), Cow::Borrowed(_)));
    }

    #[test]
    fn zero_width_characters_are_removed() {
        let text = "TIM\u{200B}BANG\u{200C} 48\u{200D}213 \u{FEFF}8,5\u{2060}";
        assert_eq!(normalise(text), "TIMBANG 48213 8,5");
    }

    #[test]
    fn quotes_dashes_and_spaces_are_ascii() {
        assert_eq!(normalise("Nur’aini “Ayu”"), "Nur'aini \"Ayu\"");
        assert_eq!(normalise("10–02—2026 −2,3"), "10-02-2026 -2,3");
        assert_eq!(normalise("8,5\u{00A0}kg\u{202F}72"), "8,5 kg 72");
        assert_eq!(normalise("tunggu…"), "tunggu...");
    }

    #[test]
    fn full_width_digits_and_letters_are_ascii() {
        assert_eq!(
            normalise("ＴＩＭＢＡＮＧ　４８２１３　８，５"),
            "TIMBANG 48213 8,5"
        );
        assert_eq!(normalise("１０／２／２６"), "10/2/26");
    }

    #[test]
    fn line_breaks_and_other_letters_are_kept() {
        assert_eq!(normalise("Désy\nÑoño"), "Désy\nÑoño");
    }

    #[test]
    fn case_folding() {
        assert_eq!(fold_case("TIMBANG Putu"), "timbang putu");
        assert_eq!(fold_case("ＡＹＵ"), "ayu");
    }

    #[test]
    fn names_fold_case_accents_and_punctuation() {
        assert_eq!(fold_name("Désy Ratnasari"), "desy ratnasari");
        assert_eq!(fold_name("  NUR’AINI  "), "nuraini");
        assert_eq!(fold_name("Siti-Aisyah"), "siti aisyah");
        assert_eq!(fold_name("Ni Kd. Ayu"), "ni kd ayu");
        assert_eq!(fold_name("Zoë\u{200B} Łucja"), "zoe lucja");
        assert_eq!(fold_name("Ayu\u{00A0}\u{00A0}Lestari"), "ayu lestari");
    }
}
