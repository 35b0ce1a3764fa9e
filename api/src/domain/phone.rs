//! Indonesian mobile phone numbers, stored as E.164 (`+628…`).
use crate::error::FieldProblem;

/// A normalised Indonesian mobile number, e.g. `+6281234567890`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `08…`, `628…`, `+628…`, with spaces, dashes, dots or
    /// parentheses. The national form (`08…`) must have 10–13 digits.
    pub fn parse(input: &str) -> Result<PhoneNumber, FieldProblem> {
        let invalid = || {
            FieldProblem::new(
                "invalid",
                "Expected an Indonesian mobile number such as 0812-3456-7890 or +62 812 3456 7890.",
            )
        };
        let trimmed = input.trim();
        let has_plus = trimmed.starts_with('+');
        let mut digits = String::with_capacity(trimmed.len());
        for (i, ch) in trimmed.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        // The subscriber number after the country code, starting with 8.
        let subscriber = if let Some(rest) = digits.strip_prefix("62") {
            rest
        } else if !has_plus && let Some(rest) = digits.strip_prefix('0') {
            rest
        } else {
            return Err(invalid());
        };
        if !subscriber.starts_with('8') || !(9..=12).contains(&subscriber.len()) {
            return Err(invalid());
        }
        Ok(PhoneNumber(format!("+62{subscriber}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_common_form() {
        for input in [
            "081234567890",
            "0812-3456-7890",
            "0812 3456 7890",
            "6281234567890",
            "+6281234567890",
            "+62 812 3456 7890",
            "+62 (812) 3456-7890",
            " 0812.3456.7890 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).map(PhoneNumber::into_string),
                Ok("+6281234567890".to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn national_form_has_10_to_13_digits() {
        assert!(PhoneNumber::parse("0812345678").is_ok()); // 10
        assert!(PhoneNumber::parse("0812345678901").is_ok()); // 13
        assert!(PhoneNumber::parse("081234567").is_err()); // 9
        assert!(PhoneNumber::parse("08123456789012").is_err()); // 14
    }

    #[test]
    fn rejects_what_is_not_an_indonesian_mobile() {
        for input in [
            "",
            "+6521234567",
            "0212345678",
            "+0812345678",
            "0812abc4567",
            "+62+81234567890",
            "++6281234567890",
        ] {
            assert!(PhoneNumber::parse(input).is_err(), "{input}");
        }
    }
}
