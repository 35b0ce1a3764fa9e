//! SMS text: GSM 03.38 (GSM-7) septet counting, transliteration into it,
//! and the first segment of a reply.
//!
//! A single SMS holds 160 septets of GSM-7; one character outside it turns
//! the whole message into UCS-2 with only 70 characters, and cheap phones
//! show unknown characters as boxes. Replies are therefore transliterated
//! (`✓` → `OK`) and the essential answer is kept in the first 160 septets.
use unicode_normalization::char::{decompose_canonical, decompose_compatible, is_combining_mark};

use super::normalise::is_invisible;

/// Septets in one SMS segment of GSM-7 text.
pub const SEGMENT_SEPTETS: usize = 160;
/// UTF-16 units in one SMS segment of UCS-2 text.
pub const SEGMENT_UCS2: usize = 70;

/// The non-ASCII characters of the GSM 03.38 basic set.
const BASIC_NON_ASCII: &str = "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà";

/// Septets one character takes in GSM-7: 1 in the basic set, 2 in the
/// extension table (escape + character), `None` outside GSM-7.
pub fn char_septets(c: char) -> Option<usize> {
    match c {
        '\n' | '\r' => Some(1),
        '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€' | '\u{0C}' => Some(2),
        // Backtick is the one printable ASCII character GSM-7 lacks.
        '`' => None,
        ' '..='~' => Some(1),
        c if BASIC_NON_ASCII.contains(c) => Some(1),
        _ => None,
    }
}

/// Septets `text` takes in GSM-7, `None` when a character is outside it.
pub fn gsm7_septets(text: &str) -> Option<usize> {
    text.chars().map(char_septets).sum()
}

/// Transliterates `text` into GSM-7: ticks and crosses into words, fancy
/// punctuation into ASCII, accented letters GSM-7 lacks into their base
/// letter; anything else unknown becomes `?`.
pub fn to_gsm7(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if char_septets(c).is_some() {
            out.push(c);
        } else if let Some(s) = spelled(c) {
            out.push_str(s);
        } else if !is_invisible(c) {
            push_base_letters(&mut out, c);
        }
    }
    out
}

/// Symbols with a usual spelling in plain text.
fn spelled(c: char) -> Option<&'static str> {
    Some(match c {
        '✓' | '✔' | '☑' | '✅' => "OK",
        '✗' | '✘' | '❌' | '✕' | '✖' => "X",
        '−' | '–' | '—' | '‐' | '‑' | '‒' | '―' => "-",
        '→' | '⇒' | '➔' | '➜' | '⟶' => "->",
        '←' | '⇐' => "<-",
        '‘' | '’' | '‚' | '‛' | '′' | '´' | '`' => "'",
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => "\"",
        '…' => "...",
        '≥' => ">=",
        '≤' => "<=",
        '±' => "+/-",
        '×' => "x",
        '÷' => "/",
        '•' | '·' => "-",
        '\t' | '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        'ç' => "c",
        _ => return None,
    })
}

/// The letters of `c` without accents, when they are in GSM-7 (`á` → `a`,
/// `Ő` → `O`, `²` → `2`, `ﬁ` → `fi`), else `?`.
fn push_base_letters(out: &mut String, c: char) {
    let mut base = String::new();
    decompose_canonical(c, |d| base.push(d));
    if base.chars().count() == 1 {
        // No canonical decomposition: try the compatibility one (full-width
        // letters, ligatures, superscripts).
        base.clear();
        decompose_compatible(c, |d| base.push(d));
    }
    let letters = base.chars().filter(|d| !is_combining_mark(*d));
    let mut pushed = false;
    for d in letters {
        if char_septets(d).is_some() {
            out.push(d);
            pushed = true;
        }
    }
    if !pushed {
        out.push('?');
    }
}

/// The first SMS segment of `text`: the longest prefix of at most 160
/// septets, cut at a character boundary and, when there is one, at a space
/// or newline (which is left out). Text outside GSM-7 goes as UCS-2, whose
/// segment is 70 UTF-16 units.
pub fn first_segment(text: &str) -> &str {
    match gsm7_septets(text) {
        Some(n) if n <= SEGMENT_SEPTETS => text,
        Some(_) => cut(text, SEGMENT_SEPTETS, |c| char_septets(c).unwrap_or(1)),
        None => cut(text, SEGMENT_UCS2, char::len_utf16),
    }
}

/// The longest prefix whose cost fits `limit`, preferring a whitespace cut.
fn cut(text: &str, limit: usize, cost: impl Fn(char) -> usize) -> &str {
    let mut used = 0;
    let mut last_space = None;
    for (i, c) in text.char_indices() {
        used += cost(c);
        if used > limit {
            if c.is_whitespace() {
                return text[..i].trim_end();
            }
            return match last_space {
                Some(space) => text[..space].trim_end(),
                None => &text[..i],
            };
        }
        if c.is_whitespace() && i > 0 {
            last_space = Some(i);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn septets_of_the_basic_and_extension_sets() {
        assert_eq!(gsm7_septets("TIMBANG 48213 8,5 72"), Some(20));
        assert_eq!(gsm7_septets("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"), Some(29));
        assert_eq!(
            gsm7_septets("!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r"),
            Some(35)
        );
        assert_eq!(gsm7_septets("^{}\\[~]|€"), Some(18));
        assert_eq!(gsm7_septets("[LILA x]"), Some(10));
        assert_eq!(gsm7_septets(""), Some(0));
    }

    #[test]
    fn characters_outside_gsm7() {
        assert_eq!(gsm7_septets("✓ Putu Ayu"), None);
        assert_eq!(gsm7_septets("TB/U −2,3"), None);
        assert_eq!(gsm7_septets("á"), None);
        assert_eq!(gsm7_septets("`"), None);
        assert_eq!(gsm7_septets("ç"), None);
        assert_eq!(gsm7_septets("🙏"), None);
    }

    #[test]
    fn transliteration_for_sms() {
        assert_eq!(
            to_gsm7("✓ Putu Ayu (1 th 2 bln) BB 8,5 kg. Pendek (TB/U −2,3) → rujuk"),
            "OK Putu Ayu (1 th 2 bln) BB 8,5 kg. Pendek (TB/U -2,3) -> rujuk"
        );
        assert_eq!(to_gsm7("✗ Berat belum ada"), "X Berat belum ada");
        assert_eq!(
            to_gsm7("“Désy” ‘Nur’aini’ – ok…"),
            "\"Désy\" 'Nur'aini' - ok..."
        );
        assert_eq!(to_gsm7("Ánná Çelik ç ő"), "Anna Çelik c o");
        assert_eq!(to_gsm7("ﬁ² ＡＢ"), "fi2 AB");
        assert_eq!(to_gsm7("a\u{200B}b\u{FE0F}"), "ab");
        assert_eq!(to_gsm7("terima kasih 🙏 你"), "terima kasih ? ?");
        assert_eq!(to_gsm7("€ [x] ^"), "€ [x] ^");
        let out = to_gsm7("✓ → − “ ” ✗ 😀 ñ é");
        assert!(gsm7_septets(&out).is_some(), "{out}");
    }

    #[test]
    fn short_text_is_its_own_first_segment() {
        assert_eq!(first_segment("OK Ayu"), "OK Ayu");
        let exactly = "a".repeat(160);
        assert_eq!(first_segment(&exactly), exactly);
    }

    #[test]
    fn the_first_segment_ends_at_a_word() {
        let text = format!("{}Kode48213", "kata ".repeat(31));
        let first = first_segment(&text);
        assert!(first.len() <= 160);
        assert!(first.ends_with("kata"), "{first:?}");
        assert!(text.starts_with(first));
        let lines = format!("{}\n{}", "a".repeat(150), "b".repeat(50));
        assert_eq!(first_segment(&lines), "a".repeat(150));
    }

    #[test]
    fn the_first_segment_counts_extension_characters_twice() {
        let text = "[".repeat(100);
        assert_eq!(first_segment(&text), "[".repeat(80));
        let mixed = format!("{}€€", "a".repeat(157));
        assert_eq!(gsm7_septets(first_segment(&mixed)), Some(159));
    }

    #[test]
    fn without_spaces_the_cut_is_at_a_character() {
        let text = "x".repeat(200);
        assert_eq!(first_segment(&text), "x".repeat(160));
    }

    #[test]
    fn text_outside_gsm7_is_cut_as_ucs2() {
        let text = format!("✓ {}", "y".repeat(100));
        assert_eq!(first_segment(&text), "✓");
        let text = "✓".repeat(100);
        assert_eq!(first_segment(&text), "✓".repeat(70));
    }
}
