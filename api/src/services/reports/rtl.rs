//! The follow-up plan (rencana tindak lanjut, RTL) agreed at a puskesmas's
//! lokakarya mini: problem, action, owner sector, deadline, status, notes.
//! Read with the reports (`read:reports`), written by the puskesmas and the
//! district (`write:lokmin`), every change in the audit log.
use entity::{puskesmas, rtl_item};
use openapi::Scope;
use openapi::reports::{Indicator, NewRtlItem, RtlItem, RtlPatch, RtlStatus, Sector};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::codes;
use crate::domain::reports::Quarter;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::audit::{self, Actor};

/// At most this many items of one puskesmas in one answer.
const LIST_LIMIT: u64 = 500;

pub fn to_wire(row: rtl_item::Model) -> RtlItem {
    RtlItem {
        id: row.id,
        puskesmas_id: row.puskesmas_id,
        quarter: row.quarter,
        indicator: row.indicator.as_deref().and_then(Indicator::parse),
        problem: row.problem,
        action: row.action,
        owner_sector: Sector::parse(&row.owner_sector).unwrap_or(Sector::Lainnya),
        deadline: row.deadline,
        status: RtlStatus::parse(&row.status).unwrap_or(RtlStatus::Planned),
        notes: row.notes,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn location(row: &puskesmas::Model) -> Location {
    Location {
        province: Some(row.province_code.clone()),
        kabupaten: Some(row.kabupaten_code.clone()),
        kecamatan: Some(row.kecamatan_code.clone()),
        desa: None,
        puskesmas: Some(row.id),
        posyandu: None,
    }
}

/// A puskesmas the caller can see (404 otherwise).
pub async fn visible_puskesmas<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<puskesmas::Model> {
    puskesmas::Entity::find_by_id(id)
        .filter(principal.area.condition::<puskesmas::Entity>())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

fn writable(principal: &Principal, row: &puskesmas::Model) -> ApiResult<()> {
    principal.require(Scope::WriteLokmin)?;
    if principal.area.contains(&location(row)) {
        Ok(())
    } else {
        Err(ApiError::outside_area(
            "Only the follow-up plan of a puskesmas inside your own area can be changed.",
        ))
    }
}

pub fn parse_quarter(text: &str, field: &str) -> ApiResult<Quarter> {
    Quarter::parse(text).ok_or_else(|| {
        ApiError::field(
            field,
            "invalid",
            "Give the quarter as YYYY-Qn, e.g. 2026-Q4.",
        )
    })
}

/// The items of a puskesmas, of one quarter or all, by deadline.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    puskesmas_id: Uuid,
    quarter: Option<Quarter>,
) -> ApiResult<Vec<RtlItem>> {
    principal.require(Scope::ReadReports)?;
    visible_puskesmas(db, principal, puskesmas_id).await?;
    let mut select =
        rtl_item::Entity::find().filter(rtl_item::Column::PuskesmasId.eq(puskesmas_id));
    if let Some(q) = quarter {
        select = select.filter(rtl_item::Column::Quarter.eq(q.to_string()));
    }
    Ok(select
        .order_by_asc(rtl_item::Column::Deadline)
        .order_by_asc(rtl_item::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(to_wire)
        .collect())
}

fn text(invalid: &mut Invalid, field: &str, value: &str, max: usize) -> Option<String> {
    invalid.check(field, codes::name(value, max))
}

pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    puskesmas_id: Uuid,
    new: NewRtlItem,
) -> ApiResult<RtlItem> {
    principal.require(Scope::WriteLokmin)?;
    let mut invalid = Invalid::new();
    let quarter = invalid.check(
        "quarter",
        Quarter::parse(&new.quarter).ok_or_else(|| {
            crate::error::FieldProblem::new("invalid", "Give the quarter as YYYY-Qn, e.g. 2026-Q4.")
        }),
    );
    let problem = text(&mut invalid, "problem", &new.problem, 1000);
    let action = text(&mut invalid, "action", &new.action, 1000);
    let notes = invalid
        .check("notes", codes::optional_text(new.notes.as_deref(), 2000))
        .flatten();
    if let Some(q) = quarter
        && new.deadline < q.months()[0].first_day()
    {
        invalid.add(
            "deadline",
            "invalid",
            "The deadline is before the quarter of the meeting.",
        );
    }
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let post = visible_puskesmas(&*tx, principal, puskesmas_id).await?;
    writable(principal, &post)?;
    let now = clock::now();
    let row = rtl_item::Entity::insert(rtl_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        quarter: Set(quarter.expect("checked").to_string()),
        indicator: Set(new.indicator.map(|i| i.as_str().to_owned())),
        problem: Set(problem.expect("checked")),
        action: Set(action.expect("checked")),
        owner_sector: Set(new.owner_sector.as_str().to_owned()),
        deadline: Set(new.deadline),
        status: Set(new.status.unwrap_or(RtlStatus::Planned).as_str().to_owned()),
        notes: Set(notes),
        created_by: Set(principal.actor()),
        province_code: Set(post.province_code.clone()),
        kabupaten_code: Set(post.kabupaten_code.clone()),
        kecamatan_code: Set(post.kecamatan_code.clone()),
        puskesmas_id: Set(post.id),
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
        "rtl_item",
        &wire.id.to_string(),
        &location(&post),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: RtlPatch,
) -> ApiResult<RtlItem> {
    principal.require(Scope::WriteLokmin)?;
    let mut invalid = Invalid::new();
    let problem = patch
        .problem
        .as_deref()
        .map(|v| text(&mut invalid, "problem", v, 1000));
    let action = patch
        .action
        .as_deref()
        .map(|v| text(&mut invalid, "action", v, 1000));
    let notes = patch
        .notes
        .as_deref()
        .map(|v| invalid.check("notes", codes::optional_text(Some(v), 2000)));
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = rtl_item::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    // Not found, rather than forbidden, outside what the caller can see.
    let post = visible_puskesmas(&*tx, principal, row.puskesmas_id).await?;
    writable(principal, &post)?;
    if let Some(deadline) = patch.deadline
        && let Some(q) = Quarter::parse(&row.quarter)
        && deadline < q.months()[0].first_day()
    {
        return Err(ApiError::field(
            "deadline",
            "invalid",
            "The deadline is before the quarter of the meeting.",
        ));
    }
    let before = to_wire(row.clone());
    let mut active: rtl_item::ActiveModel = row.into();
    if let Some(Some(v)) = problem {
        active.problem = Set(v);
    }
    if let Some(Some(v)) = action {
        active.action = Set(v);
    }
    if let Some(v) = notes {
        active.notes = Set(v.flatten());
    }
    if let Some(v) = patch.owner_sector {
        active.owner_sector = Set(v.as_str().to_owned());
    }
    if let Some(v) = patch.deadline {
        active.deadline = Set(v);
    }
    if let Some(v) = patch.status {
        active.status = Set(v.as_str().to_owned());
    }
    active.updated_at = Set(clock::now());
    let wire = to_wire(active.update(&*tx).await?);
    audit::record(
        &*tx,
        &Actor::from(principal),
        "update",
        "rtl_item",
        &wire.id.to_string(),
        &location(&post),
        audit::diff(Some(&before), &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}
