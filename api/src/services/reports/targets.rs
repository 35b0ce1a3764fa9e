//! Targets are data: each district (kabupaten/kota) sets its own per year;
//! until it does, the national defaults apply.
use entity::report_target;
use openapi::reports::{Indicator, Target, TargetSet, TargetSource, TargetUpdate};
use openapi::{AreaKind, Scope};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::reports::{Targets, default_target};
use crate::domain::wilayah;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::areas::ResolvedArea;
use crate::services::audit::{self, Actor};

async fn rows<C: ConnectionTrait>(
    db: &C,
    kabupaten: &str,
    year: i32,
) -> ApiResult<Vec<report_target::Model>> {
    Ok(report_target::Entity::find()
        .filter(report_target::Column::KabupatenCode.eq(kabupaten))
        .filter(report_target::Column::Year.eq(year))
        .all(db)
        .await?)
}

/// The targets a report of `area` is held to in `year`: its district's,
/// or the defaults for an area above a district.
pub async fn in_force<C: ConnectionTrait>(
    db: &C,
    area: &ResolvedArea,
    year: i32,
) -> ApiResult<Targets> {
    let Some(kabupaten) = area.location.kabupaten.as_deref() else {
        return Ok(Targets::default());
    };
    Ok(Targets::with(
        rows(db, kabupaten, year)
            .await?
            .into_iter()
            .filter_map(|row| Indicator::parse(&row.indicator).map(|i| (i, row.value))),
    ))
}

fn kabupaten_of(code: &str) -> ApiResult<String> {
    let region = wilayah::known_region(code)
        .map_err(|p| ApiError::field("kabupaten_code", p.code, p.message))?;
    if region.level != 2 {
        return Err(ApiError::field(
            "kabupaten_code",
            "invalid",
            "Targets are set per kabupaten/kota: give its code, e.g. 51.08.",
        ));
    }
    Ok(region.code.clone())
}

fn check_year(year: i32) -> ApiResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::field(
            "year",
            "invalid",
            "The year must be 2000–2100.",
        ))
    }
}

fn set_of(kabupaten: String, year: i32, own: Vec<report_target::Model>) -> TargetSet {
    let targets = Indicator::ALL
        .into_iter()
        .map(|indicator| {
            let row = own.iter().find(|r| r.indicator == indicator.as_str());
            Target {
                indicator,
                value: row.map_or_else(|| default_target(indicator), |r| r.value),
                higher_is_better: indicator.higher_is_better(),
                source: if row.is_some() {
                    TargetSource::District
                } else {
                    TargetSource::Default
                },
                updated_by: row.map(|r| r.updated_by.clone()),
                updated_at: row.map(|r| r.updated_at),
            }
        })
        .collect();
    TargetSet {
        kabupaten_code: kabupaten,
        year,
        targets,
    }
}

/// Anyone who reads reports of the district (or of a part of it) sees the
/// targets they are held to.
pub async fn get(
    db: &DatabaseConnection,
    principal: &Principal,
    kabupaten: &str,
    year: i32,
) -> ApiResult<TargetSet> {
    principal.require(Scope::ReadReports)?;
    let kabupaten = kabupaten_of(kabupaten)?;
    check_year(year)?;
    let location = Location::of_region(&kabupaten);
    let inside = principal.area.contains(&location);
    // A caller below the district (a puskesmas, a desa) lies inside it.
    let below = !matches!(
        principal.area.kind(),
        AreaKind::Nasional | AreaKind::Provinsi | AreaKind::Kabupaten
    );
    if !(inside || below && principal_in_kabupaten(db, principal, &kabupaten).await?) {
        return Err(ApiError::not_found());
    }
    Ok(set_of(
        kabupaten.clone(),
        year,
        rows(db, &kabupaten, year).await?,
    ))
}

async fn principal_in_kabupaten(
    db: &DatabaseConnection,
    principal: &Principal,
    kabupaten: &str,
) -> ApiResult<bool> {
    use crate::access::AreaScope;
    Ok(match &principal.area {
        AreaScope::Kecamatan(code) | AreaScope::Desa(code) => {
            code.starts_with(&format!("{kabupaten}."))
        }
        AreaScope::Puskesmas(id) => entity::puskesmas::Entity::find_by_id(*id)
            .one(db)
            .await?
            .is_some_and(|p| p.kabupaten_code == kabupaten),
        AreaScope::Posyandu(id) => entity::posyandu::Entity::find_by_id(*id)
            .one(db)
            .await?
            .is_some_and(|p| p.kabupaten_code == kabupaten),
        _ => false,
    })
}

/// The audit's `{"indicator": [old, new]}` for a district's targets before
/// and after an update (`null` where there was or is none), or `None` when
/// nothing changed. The audit log documents `changes` as such an object.
fn target_changes(
    before: &[report_target::Model],
    after: &[report_target::Model],
) -> Option<serde_json::Value> {
    let value_in = |rows: &[report_target::Model], indicator: &str| {
        rows.iter()
            .find(|r| r.indicator == indicator)
            .map(|r| r.value)
    };
    let mut changes = serde_json::Map::new();
    for indicator in before.iter().chain(after).map(|r| r.indicator.as_str()) {
        let (old, new) = (value_in(before, indicator), value_in(after, indicator));
        if old != new {
            changes.insert(indicator.to_owned(), serde_json::json!([old, new]));
        }
    }
    (!changes.is_empty()).then_some(serde_json::Value::Object(changes))
}

/// Sets (or with `null` clears) the district's own targets. Only the
/// district health office (`write:targets`) of that district, or above.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    kabupaten: &str,
    year: i32,
    update: TargetUpdate,
) -> ApiResult<TargetSet> {
    principal.require(Scope::WriteTargets)?;
    let kabupaten = kabupaten_of(kabupaten)?;
    check_year(year)?;
    let location = Location::of_region(&kabupaten);
    if !principal.area.contains(&location) {
        return Err(ApiError::outside_area(
            "This district is outside your area.",
        ));
    }
    let mut invalid = Invalid::new();
    let mut seen = std::collections::HashSet::new();
    for (i, t) in update.targets.iter().enumerate() {
        if !seen.insert(t.indicator) {
            invalid.add(
                &format!("targets[{i}].indicator"),
                "duplicate",
                "This indicator is given twice.",
            );
        }
        if let Some(v) = t.value
            && !(v.is_finite() && (0.0..=1.0).contains(&v))
        {
            invalid.add(
                &format!("targets[{i}].value"),
                "out_of_range",
                "A target is a fraction from 0 to 1 (0.85 for 85%).",
            );
        }
    }
    invalid.finish()?;
    let now = clock::now();
    let actor = Actor::from(principal);
    let tx = begin_write(db).await?;
    let before = rows(&tx, &kabupaten, year).await?;
    for t in &update.targets {
        match t.value {
            Some(value) => {
                report_target::Entity::insert(report_target::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    kabupaten_code: Set(kabupaten.clone()),
                    year: Set(year),
                    indicator: Set(t.indicator.as_str().to_owned()),
                    value: Set(value),
                    updated_by: Set(actor.actor.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .on_conflict(
                    OnConflict::columns([
                        report_target::Column::KabupatenCode,
                        report_target::Column::Year,
                        report_target::Column::Indicator,
                    ])
                    .update_columns([
                        report_target::Column::Value,
                        report_target::Column::UpdatedBy,
                        report_target::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(&tx)
                .await?;
            }
            None => {
                report_target::Entity::delete_many()
                    .filter(report_target::Column::KabupatenCode.eq(kabupaten.as_str()))
                    .filter(report_target::Column::Year.eq(year))
                    .filter(report_target::Column::Indicator.eq(t.indicator.as_str()))
                    .exec(&tx)
                    .await?;
            }
        }
    }
    let own = rows(&tx, &kabupaten, year).await?;
    if let Some(changes) = target_changes(&before, &own) {
        audit::record(
            &tx,
            &actor,
            "update",
            "report_target",
            &format!("{kabupaten}/{year}"),
            &location,
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(set_of(kabupaten, year, own))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(indicator: &str, value: f64) -> report_target::Model {
        report_target::Model {
            id: Uuid::now_v7(),
            kabupaten_code: "51.08".into(),
            year: 2026,
            indicator: indicator.into(),
            value,
            updated_by: "user:test".into(),
            created_at: clock::now(),
            updated_at: clock::now(),
        }
    }

    #[test]
    fn the_audit_records_each_changed_target_as_old_and_new() {
        let before = [target("ds", 0.8), target("k4", 0.9)];
        let after = [target("ds", 0.85), target("k4", 0.9), target("kek", 0.1)];
        let changes = target_changes(&before, &after).unwrap();
        assert_eq!(
            changes,
            serde_json::json!({"ds": [0.8, 0.85], "kek": [null, 0.1]})
        );
        let cleared = target_changes(&after, &after[1..]).unwrap();
        assert_eq!(cleared, serde_json::json!({"ds": [0.85, null]}));
    }

    #[test]
    fn an_update_that_changes_nothing_is_not_audited() {
        let same = [target("ds", 0.8)];
        assert_eq!(target_changes(&same, &same), None);
        assert_eq!(target_changes(&[], &[]), None);
    }
}
