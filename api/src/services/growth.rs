//! The stateless z-score calculator, like WHO's Anthro calculator: no
//! database, nothing stored.
use openapi::FieldError;
use openapi::growth::{
    ZScoreBatchItem, ZScoreBatchRequest, ZScoreBatchResponse, ZScoreRequest, ZScoreResult,
};

use crate::domain::categories::{self, CATEGORIES_VERSION};
use crate::domain::growth::{self, Measurement, STANDARD_VERSION};
use crate::error::{ApiError, ApiResult, Invalid};

/// The largest batch accepted in one request.
pub const MAX_BATCH: usize = 10_000;

fn measurement(request: &ZScoreRequest, invalid: &mut Invalid) -> Option<Measurement> {
    let age_days = match (request.age_days, request.birth_date, request.measured_on) {
        (Some(days), None, None) => Some(days),
        (None, Some(birth), Some(measured)) => Some((measured - birth).num_days()),
        (Some(_), _, _) => {
            invalid.add(
                "age_days",
                "invalid",
                "Give either age_days or birth_date with measured_on, not both.",
            );
            None
        }
        _ => {
            invalid.add(
                "age_days",
                "required",
                "Give age_days, or birth_date and measured_on.",
            );
            None
        }
    };
    if let Some(days) = age_days
        && !(0..=1856).contains(&days)
    {
        invalid.add(
            "age_days",
            "out_of_range",
            "The age is 0 to 1,856 days (the date of measurement must not be before birth).",
        );
    }
    let range = |invalid: &mut Invalid, field: &str, value: Option<f64>, low: f64, high: f64| {
        if let Some(v) = value
            && !(v.is_finite() && (low..=high).contains(&v))
        {
            invalid.add(
                field,
                "out_of_range",
                format!("{field} must be between {low} and {high}."),
            );
        }
    };
    range(invalid, "weight_kg", request.weight_kg, 0.1, 80.0);
    range(invalid, "length_cm", request.length_cm, 30.0, 140.0);
    range(invalid, "head_cm", request.head_cm, 15.0, 70.0);
    range(invalid, "muac_cm", request.muac_cm, 5.0, 35.0);
    if request.length_cm.is_some() && request.position.is_none() {
        invalid.add(
            "position",
            "required",
            "Say whether the length was measured lying or standing.",
        );
    }
    Some(Measurement {
        sex: request.sex,
        age_days: age_days?,
        weight_kg: request.weight_kg,
        length_cm: request.length_cm,
        position: request.position,
        head_cm: request.head_cm,
        muac_cm: request.muac_cm,
        oedema: request.oedema,
    })
}

fn result(m: &Measurement) -> ZScoreResult {
    let a = growth::assess(m);
    let z = a.z;
    ZScoreResult {
        age_days: m.age_days,
        age_months: m.age_days as f64 * 12.0 / 365.25,
        length_cm_adjusted: a.length_adjusted,
        bmi: a.bmi,
        categories: categories::categorise(z.wfa, z.lhfa, z.wflh, z.bmi),
        stunting: categories::is_stunted(z.lhfa),
        wasting: categories::is_wasted(z.wflh),
        underweight: categories::is_underweight(z.wfa),
        bgm: categories::is_bgm(z.wfa),
        standing_too_young: a.standing_too_young,
        implausible: a.implausible,
        z,
        standard: format!("{STANDARD_VERSION};{CATEGORIES_VERSION}"),
    }
}

pub fn calculate(request: &ZScoreRequest) -> ApiResult<ZScoreResult> {
    let mut invalid = Invalid::new();
    let m = measurement(request, &mut invalid);
    invalid.finish()?;
    Ok(result(&m.expect("valid")))
}

/// Each record is answered on its own: a bad one does not fail the batch.
pub fn calculate_batch(request: &ZScoreBatchRequest) -> ApiResult<ZScoreBatchResponse> {
    if request.records.len() > MAX_BATCH {
        return Err(ApiError::field(
            "records",
            "too_long",
            format!("Send at most {MAX_BATCH} records at once."),
        ));
    }
    let items = request
        .records
        .iter()
        .enumerate()
        .map(|(index, record)| match calculate(record) {
            Ok(result) => ZScoreBatchItem {
                index,
                result: Some(result),
                errors: Vec::new(),
            },
            Err(ApiError::Validation(errors)) => ZScoreBatchItem {
                index,
                result: None,
                errors: errors
                    .into_iter()
                    .map(|e| {
                        FieldError::new(format!("records[{index}].{}", e.field), e.code, e.message)
                    })
                    .collect(),
            },
            Err(_) => ZScoreBatchItem {
                index,
                result: None,
                errors: Vec::new(),
            },
        })
        .collect();
    Ok(ZScoreBatchResponse { items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use openapi::growth::{Position, Sex};

    fn request() -> ZScoreRequest {
        ZScoreRequest {
            sex: Sex::L,
            birth_date: None,
            measured_on: None,
            age_days: Some(365),
            weight_kg: Some(9.6),
            length_cm: Some(75.7),
            position: Some(Position::Lying),
            head_cm: None,
            muac_cm: None,
            oedema: false,
        }
    }

    #[test]
    fn dates_or_age_in_days() {
        let by_age = calculate(&request()).unwrap();
        let by_dates = calculate(&ZScoreRequest {
            age_days: None,
            birth_date: NaiveDate::from_ymd_opt(2024, 3, 1),
            measured_on: NaiveDate::from_ymd_opt(2025, 3, 1),
            ..request()
        })
        .unwrap();
        assert_eq!(by_age.z, by_dates.z);
        assert!((by_age.age_months - 11.99).abs() < 0.01);
        assert!(by_age.z.wfa.unwrap().abs() < 0.1, "{:?}", by_age.z);
    }

    #[test]
    fn bad_records_are_named_in_a_batch() {
        let batch = ZScoreBatchRequest {
            records: vec![
                request(),
                ZScoreRequest {
                    weight_kg: Some(-1.0),
                    position: None,
                    ..request()
                },
            ],
        };
        let response = calculate_batch(&batch).unwrap();
        assert!(response.items[0].result.is_some());
        let fields: Vec<&str> = response.items[1]
            .errors
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["records[1].weight_kg", "records[1].position"]);
    }

    #[test]
    fn a_measurement_before_birth_is_refused() {
        let e = calculate(&ZScoreRequest {
            age_days: None,
            birth_date: NaiveDate::from_ymd_opt(2025, 3, 2),
            measured_on: NaiveDate::from_ymd_opt(2025, 3, 1),
            ..request()
        })
        .unwrap_err();
        assert!(matches!(e, ApiError::Validation(ref errors) if errors[0].field == "age_days"));
    }
}
