//! Short public codes for people, typed by kader in chat: a number with a
//! Damm check digit, so any single wrong digit and any swap of two adjacent
//! digits is caught instead of naming another child.

/// The Damm quasigroup of order 10 (weakly totally anti-symmetric).
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

fn interim(digits: &str) -> Option<u8> {
    digits.bytes().try_fold(0u8, |state, b| {
        b.is_ascii_digit()
            .then(|| DAMM[state as usize][(b - b'0') as usize])
    })
}

/// The code for sequence number `n`: its digits and a check digit.
pub fn encode(n: u64) -> String {
    let body = n.to_string();
    let check = interim(&body).expect("decimal digits");
    format!("{body}{check}")
}

/// Whether a typed code is well formed (digits, right check digit).
pub fn is_valid(code: &str) -> bool {
    code.len() >= 2 && interim(code) == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_example() {
        // Damm's worked example: 572 → check digit 4.
        assert_eq!(encode(572), "5724");
        assert!(is_valid("5724"));
    }

    #[test]
    fn every_single_digit_error_and_adjacent_swap_is_caught() {
        for n in [1000u64, 4821, 99_999, 123_456] {
            let code = encode(n);
            assert!(is_valid(&code));
            let bytes = code.as_bytes();
            for i in 0..bytes.len() {
                for d in b'0'..=b'9' {
                    if d == bytes[i] {
                        continue;
                    }
                    let mut wrong = bytes.to_vec();
                    wrong[i] = d;
                    assert!(
                        !is_valid(std::str::from_utf8(&wrong).unwrap()),
                        "{code} → digit {i}"
                    );
                }
                if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
                    let mut swapped = bytes.to_vec();
                    swapped.swap(i, i + 1);
                    assert!(
                        !is_valid(std::str::from_utf8(&swapped).unwrap()),
                        "{code} swap {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn junk_is_not_a_code() {
        assert!(!is_valid(""));
        assert!(!is_valid("7"));
        assert!(!is_valid("48a13"));
    }
}
