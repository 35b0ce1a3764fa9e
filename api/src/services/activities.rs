//! What a posyandu records about itself as an institution: a simple log of
//! activities per SPM field (date, what, how many people), and its health
//! fund (dana sehat) per year. The strata report reads both.
use chrono::{Datelike, NaiveDate};
use entity::{posyandu, posyandu_activity, posyandu_health_fund};
use openapi::Scope;
use openapi::areas::SpmField;
use openapi::reports::{Activity, HealthFund, NewActivity};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::codes;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::areas::posyandu_location;
use crate::services::audit::{self, Actor};
use crate::services::posyandu::find_posyandu;

/// At most this many activities in one answer (a busy posyandu logs a few
/// a month).
const LIST_LIMIT: u64 = 1000;

fn to_wire(row: posyandu_activity::Model) -> Activity {
    Activity {
        id: row.id,
        posyandu_id: row.posyandu_id,
        field: SpmField::parse(&row.field).unwrap_or(SpmField::Kesehatan),
        activity_date: row.activity_date,
        description: row.description,
        people: row.people,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
    }
}

/// The activities of a posyandu in a year, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    posyandu_id: Uuid,
    year: Option<i32>,
) -> ApiResult<Vec<Activity>> {
    principal.require(Scope::ReadAreas)?;
    find_posyandu(db, principal, posyandu_id).await?;
    let mut select = posyandu_activity::Entity::find()
        .filter(principal.area.condition::<posyandu_activity::Entity>())
        .filter(posyandu_activity::Column::PosyanduId.eq(posyandu_id));
    if let Some(year) = year {
        let (first, last) = year_bounds(year)?;
        select = select
            .filter(posyandu_activity::Column::ActivityDate.gte(first))
            .filter(posyandu_activity::Column::ActivityDate.lte(last));
    }
    Ok(select
        .order_by_asc(posyandu_activity::Column::ActivityDate)
        .order_by_asc(posyandu_activity::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(to_wire)
        .collect())
}

fn year_bounds(year: i32) -> ApiResult<(NaiveDate, NaiveDate)> {
    let bad = || ApiError::field("year", "invalid", "Give a year between 2000 and 2100.");
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    Ok((
        NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?,
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(bad)?,
    ))
}

fn writable(principal: &Principal, row: &posyandu::Model) -> ApiResult<()> {
    if principal.area.contains(&posyandu_location(row)) {
        Ok(())
    } else {
        Err(ApiError::outside_area(
            "Only a posyandu inside your own area can be written to.",
        ))
    }
}

pub async fn add(
    db: &DatabaseConnection,
    principal: &Principal,
    posyandu_id: Uuid,
    new: NewActivity,
) -> ApiResult<Activity> {
    principal.require(Scope::WriteActivities)?;
    let mut invalid = Invalid::new();
    let description = invalid.check("description", codes::name(&new.description, 300));
    if !(0..=100_000).contains(&new.people) {
        invalid.add(
            "people",
            "out_of_range",
            "People reached must be between 0 and 100,000.",
        );
    }
    let today = clock::latest_date();
    if new.activity_date > today {
        invalid.add("activity_date", "invalid", "The date is in the future.");
    }
    if new.activity_date.year() < 2000 {
        invalid.add("activity_date", "invalid", "The date is before 2000.");
    }
    invalid.finish()?;
    let description = description.expect("checked");
    let tx = begin_write(db).await?;
    let post = find_posyandu(&*tx, principal, posyandu_id).await?;
    writable(principal, &post)?;
    let now = clock::now();
    let row = posyandu_activity::Entity::insert(posyandu_activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        field: Set(new.field.as_str().to_owned()),
        activity_date: Set(new.activity_date),
        description: Set(description),
        people: Set(new.people),
        recorded_by: Set(principal.actor()),
        province_code: Set(post.province_code.clone()),
        kabupaten_code: Set(post.kabupaten_code.clone()),
        kecamatan_code: Set(post.kecamatan_code.clone()),
        desa_code: Set(post.desa_code.clone()),
        puskesmas_id: Set(post.puskesmas_id),
        posyandu_id: Set(post.id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(&*tx)
    .await?;
    let wire = to_wire(row);
    audit::record(
        &*tx,
        &Actor::from(principal),
        "create",
        "posyandu_activity",
        &wire.id.to_string(),
        &posyandu_location(&post),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

fn fund_wire(row: posyandu_health_fund::Model) -> HealthFund {
    HealthFund {
        year: row.year,
        households: row.households,
        households_covered: row.households_covered,
    }
}

pub async fn get_fund(
    db: &DatabaseConnection,
    principal: &Principal,
    posyandu_id: Uuid,
    year: i32,
) -> ApiResult<HealthFund> {
    principal.require(Scope::ReadAreas)?;
    year_bounds(year)?;
    find_posyandu(db, principal, posyandu_id).await?;
    posyandu_health_fund::Entity::find()
        .filter(posyandu_health_fund::Column::PosyanduId.eq(posyandu_id))
        .filter(posyandu_health_fund::Column::Year.eq(year))
        .one(db)
        .await?
        .map(fund_wire)
        .ok_or_else(ApiError::not_found)
}

/// Sets a posyandu's health fund for a year (replacing what was there).
pub async fn put_fund(
    db: &DatabaseConnection,
    principal: &Principal,
    posyandu_id: Uuid,
    year: i32,
    fund: HealthFund,
) -> ApiResult<HealthFund> {
    principal.require(Scope::WriteActivities)?;
    let mut invalid = Invalid::new();
    if fund.year != year {
        invalid.add(
            "year",
            "mismatch",
            "The year in the body differs from the path.",
        );
    }
    if !(0..=100_000).contains(&fund.households) {
        invalid.add(
            "households",
            "out_of_range",
            "Households must be between 0 and 100,000.",
        );
    }
    if fund.households_covered < 0 || fund.households_covered > fund.households {
        invalid.add(
            "households_covered",
            "out_of_range",
            "Households in the fund must be between 0 and the households of the area.",
        );
    }
    invalid.finish()?;
    year_bounds(year)?;
    let tx = begin_write(db).await?;
    let post = find_posyandu(&*tx, principal, posyandu_id).await?;
    writable(principal, &post)?;
    let before = posyandu_health_fund::Entity::find()
        .filter(posyandu_health_fund::Column::PosyanduId.eq(posyandu_id))
        .filter(posyandu_health_fund::Column::Year.eq(year))
        .one(&*tx)
        .await?
        .map(fund_wire);
    let now = clock::now();
    posyandu_health_fund::Entity::insert(posyandu_health_fund::ActiveModel {
        id: Set(Uuid::now_v7()),
        year: Set(year),
        households: Set(fund.households),
        households_covered: Set(fund.households_covered),
        updated_by: Set(principal.actor()),
        province_code: Set(post.province_code.clone()),
        kabupaten_code: Set(post.kabupaten_code.clone()),
        kecamatan_code: Set(post.kecamatan_code.clone()),
        desa_code: Set(post.desa_code.clone()),
        puskesmas_id: Set(post.puskesmas_id),
        posyandu_id: Set(post.id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            posyandu_health_fund::Column::PosyanduId,
            posyandu_health_fund::Column::Year,
        ])
        .update_columns([
            posyandu_health_fund::Column::Households,
            posyandu_health_fund::Column::HouseholdsCovered,
            posyandu_health_fund::Column::UpdatedBy,
            posyandu_health_fund::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    audit::record(
        &*tx,
        &Actor::from(principal),
        if before.is_some() { "update" } else { "create" },
        "posyandu_health_fund",
        &format!("{posyandu_id}/{year}"),
        &posyandu_location(&post),
        audit::diff(before.as_ref(), &fund),
    )
    .await?;
    tx.commit().await?;
    Ok(fund)
}
