//! The no-double-posts rule (Permendagri 18/2018 on village community
//! institutions): a person may not hold a board post in two institutions at
//! once, e.g. TP-PKK and Posyandu.
use serde::Deserialize;

/// How far the no-double-posts rule (Permendagri 18/2018) reaches:
/// board posts only (the regulation's wording), every kader, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DoublePostRule {
    Board,
    All,
    Off,
}

impl DoublePostRule {
    pub fn parse(text: &str) -> Option<DoublePostRule> {
        match text {
            "board" => Some(DoublePostRule::Board),
            "all" => Some(DoublePostRule::All),
            "off" => Some(DoublePostRule::Off),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse() {
        assert_eq!(DoublePostRule::parse("board"), Some(DoublePostRule::Board));
        assert_eq!(DoublePostRule::parse("all"), Some(DoublePostRule::All));
        assert_eq!(DoublePostRule::parse("nope"), None);
    }
}
