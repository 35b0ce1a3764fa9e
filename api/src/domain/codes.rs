//! Identifiers people type: usernames, puskesmas codes, posyandu
//! registration numbers.
use crate::error::FieldProblem;

/// Lower-case login names of 3–64 characters: letters, digits, `.`, `_`, `-`.
pub fn username(input: &str) -> Result<String, FieldProblem> {
    let name = input.trim().to_lowercase();
    if !(3..=64).contains(&name.len()) {
        return Err(FieldProblem::new(
            "invalid",
            "A username has 3 to 64 characters.",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(FieldProblem::new(
            "invalid",
            "A username may contain only letters, digits, `.`, `_` and `-`.",
        ));
    }
    Ok(name)
}

/// A required human name or title: trimmed, 1–`max` characters, no control
/// characters.
pub fn name(input: &str, max: usize) -> Result<String, FieldProblem> {
    let value = input.trim();
    if value.is_empty() {
        return Err(FieldProblem::new("required", "This must not be empty."));
    }
    if value.chars().count() > max {
        return Err(FieldProblem::new(
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldProblem::new(
            "invalid",
            "Control characters are not allowed.",
        ));
    }
    Ok(value.to_owned())
}

/// An optional free text (address): `None` when blank.
pub fn optional_text(input: Option<&str>, max: usize) -> Result<Option<String>, FieldProblem> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) if value.chars().count() > max => Err(FieldProblem::new(
            "too_long",
            format!("At most {max} characters."),
        )),
        Some(value) => Ok(Some(value.to_owned())),
    }
}

/// Kemenkes puskesmas code: `P` and 10 digits.
pub fn puskesmas_kode(input: &str) -> Result<String, FieldProblem> {
    let code = input.trim().to_uppercase();
    let valid =
        code.len() == 11 && code.starts_with('P') && code[1..].bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(code)
    } else {
        Err(FieldProblem::new(
            "invalid",
            "A puskesmas code is `P` followed by 10 digits, e.g. P5108060201.",
        ))
    }
}

/// Whether `code` has the shape of a puskesmas code.
pub fn looks_like_puskesmas(code: &str) -> bool {
    puskesmas_kode(code).is_ok()
}

/// Posyandu registration number `PP.KK.KC.DDDD.NNN` (Kepmendagri
/// 100.3-2834/2025): the 10-digit desa code and a 3-digit sequence. Accepted
/// with or without dots; returned with dots.
pub fn posyandu_kode(input: &str) -> Result<String, FieldProblem> {
    let digits: String = input.trim().chars().filter(|c| *c != '.').collect();
    let shaped = input.trim().split('.').count() == 5 || !input.contains('.');
    if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) || !shaped {
        return Err(FieldProblem::new(
            "invalid",
            "A posyandu registration number is the desa code and 3 digits, e.g. 51.08.06.2004.001.",
        ));
    }
    Ok(format!(
        "{}.{}.{}.{}.{}",
        &digits[0..2],
        &digits[2..4],
        &digits[4..6],
        &digits[6..10],
        &digits[10..13]
    ))
}

/// The desa code inside a posyandu registration number.
pub fn desa_of_posyandu_kode(kode: &str) -> &str {
    &kode[..13]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_folded_and_checked() {
        assert_eq!(username(" Bidan.Pemaron ").unwrap(), "bidan.pemaron");
        assert!(username("ab").is_err());
        assert!(username("bad name").is_err());
        assert!(username("nama@desa").is_err());
    }

    #[test]
    fn puskesmas_codes() {
        assert_eq!(puskesmas_kode("p5108060201").unwrap(), "P5108060201");
        assert!(puskesmas_kode("5108060201").is_err());
        assert!(puskesmas_kode("P51080602").is_err());
    }

    #[test]
    fn posyandu_codes_with_or_without_dots() {
        assert_eq!(
            posyandu_kode("51.08.06.2004.001").unwrap(),
            "51.08.06.2004.001"
        );
        assert_eq!(posyandu_kode("5108062004001").unwrap(), "51.08.06.2004.001");
        assert_eq!(desa_of_posyandu_kode("51.08.06.2004.001"), "51.08.06.2004");
        assert!(posyandu_kode("51.08.06.2004").is_err());
        assert!(posyandu_kode("51.0806.2004.001").is_err());
        assert!(posyandu_kode("51.08.06.2004.00a").is_err());
    }

    #[test]
    fn names_and_texts() {
        assert_eq!(name("  Posyandu Melati ", 100).unwrap(), "Posyandu Melati");
        assert_eq!(name("", 100).unwrap_err().code, "required");
        assert_eq!(name(&"x".repeat(101), 100).unwrap_err().code, "too_long");
        assert_eq!(name("a\u{0}b", 100).unwrap_err().code, "invalid");
        assert_eq!(optional_text(Some("  "), 10).unwrap(), None);
        assert_eq!(
            optional_text(Some(" Jl. Raya "), 10).unwrap().as_deref(),
            Some("Jl. Raya")
        );
    }
}
