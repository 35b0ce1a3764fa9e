//! Posyandu: the registry record, its opening days, and the desa profile
//! (whether the desa has a bidan desa).
use std::collections::HashMap;

use entity::{desa_profile, posyandu, posyandu_day_change, puskesmas, region};
use openapi::areas::{
    DayChange, DesaProfile, DesaProfileUpdate, NewDayChange, NewPosyandu, Posyandu, PosyanduPatch,
    SpmField,
};
use openapi::{Page, Scope};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::{codes, schedule, wilayah};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::areas::{ensure_region, posyandu_location};
use crate::services::audit::{self, Actor};

fn spm_to_text(fields: &[SpmField]) -> String {
    let mut fields: Vec<SpmField> = fields.to_vec();
    fields.sort();
    fields.dedup();
    fields
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn spm_from_text(text: &str) -> Vec<SpmField> {
    text.split(',').filter_map(SpmField::parse).collect()
}

fn rule_from_text(text: Option<&str>) -> Option<schedule::OpeningRule> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// The opening rule stored on a posyandu row.
pub fn opening_rule(row: &posyandu::Model) -> Option<schedule::OpeningRule> {
    rule_from_text(row.opening_rule.as_deref())
}

fn posyandu_to_wire(row: posyandu::Model, desa_has_bidan: Option<bool>) -> Posyandu {
    let rule = opening_rule(&row);
    Posyandu {
        id: row.id,
        kode: row.kode,
        name: row.name,
        address: row.address,
        province_code: row.province_code,
        kabupaten_code: row.kabupaten_code,
        kecamatan_code: row.kecamatan_code,
        desa_code: row.desa_code,
        puskesmas_id: row.puskesmas_id,
        time_zone: row.time_zone,
        opening_rule_text: rule.as_ref().map(schedule::describe),
        opening_rule: rule,
        spm_fields: spm_from_text(&row.spm_fields),
        sk_number: row.sk_number,
        sk_date: row.sk_date,
        desa_has_bidan,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
    }
}

/// Whether each desa has a bidan desa, for a page of posyandu.
async fn bidan_of<C: ConnectionTrait>(
    db: &C,
    desa: impl IntoIterator<Item = String>,
) -> ApiResult<HashMap<String, Option<bool>>> {
    Ok(desa_profile::Entity::find()
        .filter(desa_profile::Column::DesaCode.is_in(desa))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.desa_code, p.has_bidan_desa))
        .collect())
}

async fn to_wire_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<posyandu::Model>,
) -> ApiResult<Vec<Posyandu>> {
    let profiles = bidan_of(db, rows.iter().map(|r| r.desa_code.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let bidan = profiles.get(&r.desa_code).copied().flatten();
            posyandu_to_wire(r, bidan)
        })
        .collect())
}

async fn to_wire<C: ConnectionTrait>(db: &C, row: posyandu::Model) -> ApiResult<Posyandu> {
    Ok(to_wire_many(db, vec![row]).await?.remove(0))
}

/// The supervising puskesmas must exist and be in the posyandu's kabupaten.
/// Not finding it and finding it elsewhere give the same answer, so the
/// check reveals nothing about other areas.
async fn supervising_puskesmas<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    kabupaten: &str,
) -> ApiResult<puskesmas::Model> {
    puskesmas::Entity::find_by_id(id)
        .filter(puskesmas::Column::DeletedAt.is_null())
        .filter(puskesmas::Column::KabupatenCode.eq(kabupaten))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "puskesmas_id",
                "unknown",
                format!("There is no such puskesmas in kabupaten {kabupaten}."),
            )
        })
}

/// The next free registration number of a desa.
async fn next_posyandu_kode<C: ConnectionTrait>(db: &C, desa: &str) -> ApiResult<String> {
    let last = posyandu::Entity::find()
        .filter(posyandu::Column::DesaCode.eq(desa))
        .order_by_desc(posyandu::Column::Kode)
        .one(db)
        .await?;
    let next = last
        .and_then(|p| {
            p.kode
                .rsplit('.')
                .next()
                .and_then(|n| n.parse::<u32>().ok())
        })
        .unwrap_or(0)
        + 1;
    if next > 999 {
        return Err(ApiError::field(
            "kode",
            "out_of_range",
            "This desa has used all 999 posyandu numbers.",
        ));
    }
    Ok(format!("{desa}.{next:03}"))
}

pub async fn create_posyandu(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewPosyandu,
) -> ApiResult<Posyandu> {
    authority.require(Scope::WriteAreas)?;
    let mut invalid = Invalid::new();
    let name = invalid.check("name", codes::name(&new.name, 120));
    let address = invalid.check("address", codes::optional_text(new.address.as_deref(), 300));
    let desa = invalid.check("desa_code", wilayah::known_desa(&new.desa_code));
    let time_zone = match &new.time_zone {
        Some(zone) => invalid.check("time_zone", schedule::check_zone(zone)),
        None => desa
            .as_deref()
            .map(|d| schedule::default_zone(&d[..2]).to_owned()),
    };
    if let Some(rule) = &new.opening_rule {
        invalid.check("opening_rule", schedule::validate(rule));
    }
    let sk_number = invalid.check(
        "sk_number",
        codes::optional_text(new.sk_number.as_deref(), 100),
    );
    let kode = match &new.kode {
        Some(kode) => match invalid.check("kode", codes::posyandu_kode(kode)) {
            Some(kode)
                if desa
                    .as_deref()
                    .is_some_and(|d| codes::desa_of_posyandu_kode(&kode) != d) =>
            {
                invalid.add(
                    "kode",
                    "invalid",
                    "The registration number must start with the desa code.",
                );
                None
            }
            other => other,
        },
        None => None,
    };
    invalid.finish()?;
    let (name, address, desa, time_zone, sk_number) = (
        name.expect("valid"),
        address.expect("valid"),
        desa.expect("valid"),
        time_zone.expect("valid"),
        sk_number.expect("valid"),
    );

    let id = Uuid::now_v7();
    let region_location = Location::of_region(&desa);
    let kabupaten = region_location.kabupaten.clone().unwrap_or_default();
    let tx = begin_write(db).await?;
    let supervisor = supervising_puskesmas(&tx, new.puskesmas_id, &kabupaten).await?;
    let location = Location {
        puskesmas: Some(supervisor.id),
        posyandu: Some(id),
        ..region_location
    };
    if !authority.contains(&location) {
        return Err(ApiError::outside_area(
            "A posyandu can be added only inside your own area.",
        ));
    }
    ensure_region(&tx, &desa).await?;
    // Numbers are handed out per desa: lock the desa's row so two
    // simultaneous creations on PostgreSQL cannot pick the same number (on
    // SQLite the IMMEDIATE transaction already serialises writers).
    region::Entity::find_by_id(desa.clone())
        .lock_exclusive()
        .one(&tx)
        .await?;
    let kode = match kode {
        Some(kode) => kode,
        None => next_posyandu_kode(&tx, &desa).await?,
    };
    let now = clock::now();
    let row = posyandu::ActiveModel {
        id: Set(id),
        kode: Set(kode.clone()),
        name: Set(name),
        address: Set(address),
        province_code: Set(location.province.clone().unwrap_or_default()),
        kabupaten_code: Set(kabupaten),
        kecamatan_code: Set(location.kecamatan.clone().unwrap_or_default()),
        desa_code: Set(desa),
        puskesmas_id: Set(supervisor.id),
        time_zone: Set(time_zone),
        opening_rule: Set(new
            .opening_rule
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("a rule serialises"))),
        spm_fields: Set(spm_to_text(&new.spm_fields)),
        sk_number: Set(sk_number),
        sk_date: Set(new.sk_date),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = match posyandu::Entity::insert(row).exec_with_returning(&tx).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(
                "kode",
                "taken",
                format!("Posyandu {kode} already exists."),
            ));
        }
        other => other?,
    };
    let wire = to_wire(&tx, inserted).await?;
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "posyandu",
        &id.to_string(),
        &location,
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

pub async fn find_posyandu<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<posyandu::Model> {
    posyandu::Entity::find_by_id(id)
        .filter(principal.area.condition::<posyandu::Entity>())
        .filter(posyandu::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get_posyandu(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Posyandu> {
    principal.require(Scope::ReadAreas)?;
    let row = find_posyandu(db, principal, id).await?;
    to_wire(db, row).await
}

pub struct PosyanduFilter {
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
}

pub async fn list_posyandu(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: PosyanduFilter,
    page: PageRequest,
) -> ApiResult<Page<Posyandu>> {
    principal.require(Scope::ReadAreas)?;
    let mut select =
        posyandu::Entity::find().filter(principal.area.condition::<posyandu::Entity>());
    if !page.includes_deleted() {
        select = select.filter(posyandu::Column::DeletedAt.is_null());
    }
    if let Some(code) = filter.desa_code {
        let code = wilayah::normalise_code(&code)
            .map_err(|p| ApiError::field("desa_code", p.code, p.message))?;
        select = select.filter(posyandu::Column::DesaCode.eq(code));
    }
    if let Some(id) = filter.puskesmas_id {
        select = select.filter(posyandu::Column::PuskesmasId.eq(id));
    }
    let rows = page
        .apply(select, posyandu::Column::Id, posyandu::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: to_wire_many(db, rows).await?,
        next_cursor,
    })
}

pub async fn update_posyandu(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: PosyanduPatch,
) -> ApiResult<Posyandu> {
    principal.require(Scope::WriteAreas)?;
    let tx = begin_write(db).await?;
    let row = find_posyandu(&tx, principal, id).await?;
    if !principal.area.contains(&posyandu_location(&row)) {
        return Err(ApiError::outside_area(
            "Only a posyandu inside your own area can be changed.",
        ));
    }
    let before = to_wire(&tx, row.clone()).await?;
    let mut invalid = Invalid::new();
    let time_zone = patch
        .time_zone
        .as_deref()
        .and_then(|z| invalid.check("time_zone", schedule::check_zone(z)));
    if let Some(Some(rule)) = &patch.opening_rule {
        invalid.check("opening_rule", schedule::validate(rule));
    }
    let sk_number = patch
        .sk_number
        .as_ref()
        .map(|n| invalid.check("sk_number", codes::optional_text(n.as_deref(), 100)));
    let name = patch
        .name
        .as_deref()
        .map(|n| invalid.check("name", codes::name(n, 120)));
    let address = patch
        .address
        .as_ref()
        .map(|a| invalid.check("address", codes::optional_text(a.as_deref(), 300)));
    invalid.finish()?;
    let mut active = row.clone().into_active_model();
    if let Some(Some(name)) = name {
        active.name = Set(name);
    }
    if let Some(Some(address)) = address {
        active.address = Set(address);
    }
    if let Some(zone) = time_zone {
        active.time_zone = Set(zone);
    }
    if let Some(rule) = &patch.opening_rule {
        active.opening_rule = Set(rule
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("a rule serialises")));
    }
    if let Some(fields) = &patch.spm_fields {
        active.spm_fields = Set(spm_to_text(fields));
    }
    if let Some(Some(number)) = sk_number {
        active.sk_number = Set(number);
    }
    if let Some(date) = patch.sk_date {
        active.sk_date = Set(date);
    }
    if let Some(puskesmas_id) = patch.puskesmas_id {
        let supervisor = supervising_puskesmas(&tx, puskesmas_id, &row.kabupaten_code).await?;
        let moved = Location {
            puskesmas: Some(supervisor.id),
            ..posyandu_location(&row)
        };
        if !principal.area.contains(&moved) {
            return Err(ApiError::outside_area(
                "The new puskesmas is outside your own area.",
            ));
        }
        active.puskesmas_id = Set(supervisor.id);
    }
    active.updated_at = Set(clock::now());
    let updated = active.update(&tx).await?;
    let location = posyandu_location(&updated);
    let after = to_wire(&tx, updated).await?;
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "posyandu",
            &id.to_string(),
            &location,
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

pub async fn delete_posyandu(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    principal.require(Scope::WriteAreas)?;
    let tx = begin_write(db).await?;
    let row = find_posyandu(&tx, principal, id).await?;
    let location = posyandu_location(&row);
    if !principal.area.contains(&location) {
        return Err(ApiError::outside_area(
            "Only a posyandu inside your own area can be removed.",
        ));
    }
    let now = clock::now();
    let mut active = row.into_active_model();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(principal.actor()));
    active.updated_at = Set(now);
    active.update(&tx).await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "delete",
        "posyandu",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"deleted_at": [null, now]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------- moved/cancelled days

fn day_change_to_wire(row: posyandu_day_change::Model) -> DayChange {
    DayChange {
        id: row.id,
        posyandu_id: row.posyandu_id,
        from_date: row.from_date,
        to_date: row.to_date,
        reason: row.reason,
        created_at: row.created_at,
    }
}

/// Moves a posyandu day to another date, or cancels it. The day moved must
/// be one the opening rule gives; a later change of the same day replaces
/// the earlier one.
pub async fn add_day_change(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    new: NewDayChange,
) -> ApiResult<DayChange> {
    principal.require(Scope::WriteAreas)?;
    let mut invalid = Invalid::new();
    let reason = invalid.check("reason", codes::optional_text(new.reason.as_deref(), 300));
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = find_posyandu(&tx, principal, id).await?;
    if !principal.area.contains(&posyandu_location(&row)) {
        return Err(ApiError::outside_area(
            "Only a posyandu inside your own area can be rescheduled.",
        ));
    }
    let Some(rule) = opening_rule(&row) else {
        return Err(ApiError::field(
            "from_date",
            "invalid",
            "This posyandu has no opening rule yet; set one first.",
        ));
    };
    use chrono::Datelike;
    let planned = schedule::date_in(&rule, new.from_date.year(), new.from_date.month());
    if planned != new.from_date {
        return Err(ApiError::field(
            "from_date",
            "invalid",
            format!(
                "The posyandu day that month is {planned} ({}).",
                schedule::describe(&rule)
            ),
        ));
    }
    let now = clock::now();
    posyandu_day_change::Entity::update_many()
        .col_expr(
            posyandu_day_change::Column::DeletedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            posyandu_day_change::Column::DeletedBy,
            sea_orm::sea_query::Expr::value(principal.actor()),
        )
        .filter(posyandu_day_change::Column::PosyanduId.eq(id))
        .filter(posyandu_day_change::Column::FromDate.eq(new.from_date))
        .filter(posyandu_day_change::Column::DeletedAt.is_null())
        .exec(&tx)
        .await?;
    let change = posyandu_day_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        posyandu_id: Set(id),
        from_date: Set(new.from_date),
        to_date: Set(new.to_date),
        reason: Set(reason.flatten()),
        created_by: Set(Some(principal.actor())),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = posyandu_day_change::Entity::insert(change)
        .exec_with_returning(&tx)
        .await?;
    let wire = day_change_to_wire(inserted);
    audit::record(
        &tx,
        &Actor::from(principal),
        "create",
        "posyandu_day_change",
        &wire.id.to_string(),
        &posyandu_location(&row),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

/// The moved and cancelled days of a posyandu.
pub async fn day_changes<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> ApiResult<Vec<posyandu_day_change::Model>> {
    Ok(posyandu_day_change::Entity::find()
        .filter(posyandu_day_change::Column::PosyanduId.eq(id))
        .filter(posyandu_day_change::Column::DeletedAt.is_null())
        .order_by_asc(posyandu_day_change::Column::FromDate)
        .all(db)
        .await?)
}

/// The posyandu days from `from` (default: today in the posyandu's zone)
/// for `months` months (default 3, at most 24), moves applied and
/// cancellations left out.
pub async fn schedule(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    from: Option<chrono::NaiveDate>,
    months: Option<u32>,
) -> ApiResult<openapi::areas::PosyanduSchedule> {
    principal.require(Scope::ReadAreas)?;
    let months = months.unwrap_or(3);
    if !(1..=24).contains(&months) {
        return Err(ApiError::field("months", "out_of_range", "months is 1–24."));
    }
    let row = find_posyandu(db, principal, id).await?;
    let today = schedule::today_in(&row.time_zone, clock::now());
    let start = from.unwrap_or(today);
    let end = start
        .checked_add_months(chrono::Months::new(months))
        .unwrap_or(start);
    let rule = opening_rule(&row);
    let days = match &rule {
        Some(rule) => {
            let changes: Vec<schedule::DayChange> = day_changes(db, id)
                .await?
                .into_iter()
                .map(|c| schedule::DayChange {
                    from: c.from_date,
                    to: c.to_date,
                })
                .collect();
            schedule::calendar(rule, &changes, start, end)
                .into_iter()
                .map(|d| openapi::areas::ScheduledDay {
                    date: d.date,
                    moved_from: d.moved_from,
                })
                .collect()
        }
        None => Vec::new(),
    };
    Ok(openapi::areas::PosyanduSchedule {
        posyandu_id: row.id,
        time_zone: row.time_zone.clone(),
        opening_rule_text: rule.as_ref().map(schedule::describe),
        today,
        days,
    })
}

pub async fn list_day_changes(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<DayChange>> {
    principal.require(Scope::ReadAreas)?;
    find_posyandu(db, principal, id).await?;
    Ok(day_changes(db, id)
        .await?
        .into_iter()
        .map(day_change_to_wire)
        .collect())
}

// -------------------------------------------------------------- desa profile

pub async fn get_desa(
    db: &DatabaseConnection,
    principal: &Principal,
    code: &str,
) -> ApiResult<DesaProfile> {
    principal.require(Scope::ReadAreas)?;
    let code = wilayah::known_desa(code).map_err(|_| ApiError::not_found())?;
    if !principal.area.contains(&Location::of_region(&code))
        && !desa_served_by(db, principal, &code).await?
    {
        return Err(ApiError::not_found());
    }
    let name = wilayah::RegionIndex::national()
        .get(&code)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let profile = desa_profile::Entity::find_by_id(code.clone())
        .one(db)
        .await?;
    Ok(DesaProfile {
        code,
        name,
        has_bidan_desa: profile.as_ref().and_then(|p| p.has_bidan_desa),
        updated_at: profile.map(|p| p.updated_at),
    })
}

/// Whether a puskesmas or posyandu caller serves the desa (their area is
/// not a region, so region containment does not say).
async fn desa_served_by(
    db: &DatabaseConnection,
    principal: &Principal,
    code: &str,
) -> ApiResult<bool> {
    Ok(posyandu::Entity::find()
        .filter(principal.area.condition::<posyandu::Entity>())
        .filter(posyandu::Column::DesaCode.eq(code))
        .filter(posyandu::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

pub async fn update_desa(
    db: &DatabaseConnection,
    principal: &Principal,
    code: &str,
    update: DesaProfileUpdate,
) -> ApiResult<DesaProfile> {
    principal.require(Scope::WriteAreas)?;
    let code = wilayah::known_desa(code).map_err(|_| ApiError::not_found())?;
    let location = Location::of_region(&code);
    if !principal.area.contains(&location) {
        return Err(ApiError::outside_area(
            "Only a desa inside your own area can be changed.",
        ));
    }
    let tx = begin_write(db).await?;
    ensure_region(&tx, &code).await?;
    let before = desa_profile::Entity::find_by_id(code.clone())
        .one(&tx)
        .await?
        .and_then(|p| p.has_bidan_desa);
    let now = clock::now();
    desa_profile::Entity::insert(desa_profile::ActiveModel {
        desa_code: Set(code.clone()),
        has_bidan_desa: Set(Some(update.has_bidan_desa)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(desa_profile::Column::DesaCode)
            .update_columns([
                desa_profile::Column::HasBidanDesa,
                desa_profile::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "update",
        "desa_profile",
        &code,
        &location,
        Some(serde_json::json!({"has_bidan_desa": [before, update.has_bidan_desa]})),
    )
    .await?;
    tx.commit().await?;
    get_desa(db, principal, &code).await
}
