//! Cross-check of the WHO 2006 z-score engine against an independent
//! implementation written from the domain rules
//! (`tests/reference/who_anthro_reference.py`, which generates
//! `data/who_agreement.tsv`). Every indicator must be present or missing
//! exactly as expected, and agree to 1e-9 when present.
use openapi::growth::{Position, Sex};
use posyandu_api::domain::growth::{Measurement, assess};

const CASES: &str = include_str!("data/who_agreement.tsv");
const TOLERANCE: f64 = 1e-9;
const INDICATORS: [&str; 6] = ["wfa", "lhfa", "wflh", "bmi", "hcfa", "acfa"];

fn optional(field: &str) -> Option<f64> {
    (field != "-").then(|| {
        field
            .parse()
            .unwrap_or_else(|e| panic!("bad number {field:?}: {e}"))
    })
}

fn measurement(fields: &[&str]) -> Measurement {
    Measurement {
        sex: match fields[0] {
            "L" => Sex::L,
            "P" => Sex::P,
            other => panic!("bad sex {other:?}"),
        },
        age_days: fields[1].parse().expect("age_days"),
        weight_kg: optional(fields[2]),
        length_cm: optional(fields[3]),
        position: match fields[4] {
            "lying" => Some(Position::Lying),
            "standing" => Some(Position::Standing),
            "-" => None,
            other => panic!("bad position {other:?}"),
        },
        head_cm: optional(fields[5]),
        muac_cm: optional(fields[6]),
        oedema: match fields[7] {
            "0" => false,
            "1" => true,
            other => panic!("bad oedema {other:?}"),
        },
    }
}

#[test]
fn engine_agrees_with_the_reference_implementation() {
    let mut lines = CASES.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    assert_eq!(&header[8..], &INDICATORS, "unexpected header {header:?}");

    let mut checked = 0usize;
    let mut extreme = 0usize;
    let mut max_diff = [0.0f64; 6];
    let mut present = [0usize; 6];
    let mut failures = Vec::new();

    for (n, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 14, "row {}: {line:?}", n + 2);
        let m = measurement(&fields);
        let z = assess(&m).z;
        let actual = [z.wfa, z.lhfa, z.wflh, z.bmi, z.hcfa, z.acfa];
        let mut row_extreme = false;
        for (i, name) in INDICATORS.iter().enumerate() {
            let expected = optional(fields[8 + i]);
            match (expected, actual[i]) {
                (None, None) => {}
                (Some(e), Some(a)) => {
                    present[i] += 1;
                    row_extreme |= e.abs() > 3.0;
                    let diff = (a - e).abs();
                    if diff.is_nan() || diff > TOLERANCE {
                        failures.push(format!(
                            "row {}: {name}: expected {e:?}, got {a:?} (diff {diff:e})\n  {line}",
                            n + 2
                        ));
                    }
                    if diff > max_diff[i] || diff.is_nan() {
                        max_diff[i] = diff;
                    }
                }
                (e, a) => failures.push(format!(
                    "row {}: {name}: expected {e:?}, got {a:?}\n  {line}",
                    n + 2
                )),
            }
        }
        if row_extreme {
            extreme += 1;
        }
        checked += 1;
    }

    println!("checked {checked} rows, {extreme} with some |z| > 3");
    for (i, name) in INDICATORS.iter().enumerate() {
        println!(
            "{name}: {} present, largest difference {:e}",
            present[i], max_diff[i]
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 3000, "only {checked} rows");
    assert!(extreme >= 100, "only {extreme} rows with some |z| > 3");
}
