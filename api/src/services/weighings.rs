//! Weighings: validate, evaluate against the child's history, store; and
//! when an earlier weighing changes, re-read every later one.
use chrono::NaiveDate;
use entity::{child, person, weighing};
use openapi::growth::{
    BulkWeighingItem, BulkWeighingRequest, BulkWeighingResponse, Implausible, KmsStatus,
    NewWeighing, Position, ReferralReason, Weighing, WeighingPatch, ZScores,
};
use openapi::registry::LatestStatus;
use openapi::{Problem, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::assessment::{self, Evaluation, History};
use crate::domain::growth::Measurement;
use crate::domain::{codes, kms, schedule};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::Authority;
use crate::services::audit::{self, Actor};
use crate::services::people::{Place, parse_sex, visible_posyandu};

/// Oldest age at which a child is still weighed as a balita (61 months).
pub const MAX_AGE_DAYS: i64 = 1856;

/// An enum's serde name (`"gizi_buruk"`), for storing it as text.
pub fn code_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn from_code<T: DeserializeOwned>(code: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

fn list_of<T: Serialize>(values: &[T]) -> String {
    values.iter().map(code_of).collect::<Vec<_>>().join(",")
}

fn parse_list<T: DeserializeOwned>(text: &str) -> Vec<T> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .filter_map(from_code)
        .collect()
}

fn implausible_list(flags: &Implausible) -> String {
    [
        ("wfa", flags.wfa),
        ("lhfa", flags.lhfa),
        ("wflh", flags.wflh),
        ("bmi", flags.bmi),
        ("hcfa", flags.hcfa),
        ("acfa", flags.acfa),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| *name)
    .collect::<Vec<_>>()
    .join(",")
}

fn parse_implausible(text: &str) -> Implausible {
    let has = |name: &str| text.split(',').any(|f| f == name);
    Implausible {
        wfa: has("wfa"),
        lhfa: has("lhfa"),
        wflh: has("wflh"),
        bmi: has("bmi"),
        hcfa: has("hcfa"),
        acfa: has("acfa"),
    }
}

fn z_of(row: &weighing::Model) -> ZScores {
    ZScores {
        wfa: row.z_wfa,
        lhfa: row.z_lhfa,
        wflh: row.z_wflh,
        bmi: row.z_bmi,
        hcfa: row.z_hcfa,
        acfa: row.z_acfa,
    }
}

fn categories_of(row: &weighing::Model) -> openapi::growth::Categories {
    crate::domain::categories::categorise(row.z_wfa, row.z_lhfa, row.z_wflh, row.z_bmi)
}

pub fn to_wire(row: weighing::Model) -> Weighing {
    let categories = categories_of(&row);
    Weighing {
        id: row.id,
        child_id: row.child_id,
        posyandu_id: row.posyandu_id,
        measured_on: row.measured_on,
        age_days: row.age_days as i64,
        age_months: 0,
        weight_kg: row.weight_kg,
        length_cm: row.length_cm,
        position: row.position.as_deref().and_then(from_code::<Position>),
        head_cm: row.head_cm,
        muac_cm: row.muac_cm,
        oedema: row.oedema,
        measured_by: row.measured_by.clone(),
        z: z_of(&row),
        implausible: parse_implausible(&row.implausible),
        categories,
        kms_status: kms::parse_code(&row.kms_status).unwrap_or(KmsStatus::B),
        gain_g: row.gain_g,
        kbm_g: row.kbm_g.map(|g| g as u32),
        two_t: row.two_t,
        bgm: row.bgm,
        stunting: row.stunting,
        wasting: row.wasting,
        underweight: row.underweight,
        referral: parse_list(&row.referral),
        standard: row.standard,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
    }
}

/// The wire form with the age in completed months (needs the birth date).
fn to_wire_with_birth(row: weighing::Model, birth: NaiveDate) -> Weighing {
    let date = row.measured_on;
    let mut wire = to_wire(row);
    wire.age_months = kms::completed_months(birth, date);
    wire
}

pub fn latest_status(row: &weighing::Model) -> LatestStatus {
    LatestStatus {
        weighing_id: row.id,
        measured_on: row.measured_on,
        weight_kg: row.weight_kg,
        length_cm: row.length_cm,
        z: z_of(row),
        categories: categories_of(row),
        kms_status: kms::parse_code(&row.kms_status).unwrap_or(KmsStatus::B),
        two_t: row.two_t,
        bgm: row.bgm,
        stunting: row.stunting,
        referral: parse_list::<ReferralReason>(&row.referral),
    }
}

/// Writes an evaluation into a row's computed columns.
fn apply(active: &mut weighing::ActiveModel, e: &Evaluation) {
    active.z_wfa = Set(e.z.wfa);
    active.z_lhfa = Set(e.z.lhfa);
    active.z_wflh = Set(e.z.wflh);
    active.z_bmi = Set(e.z.bmi);
    active.z_hcfa = Set(e.z.hcfa);
    active.z_acfa = Set(e.z.acfa);
    active.implausible = Set(implausible_list(&e.implausible));
    active.cat_bbu = Set(e.categories.bbu.as_ref().map(code_of));
    active.cat_tbu = Set(e.categories.tbu.as_ref().map(code_of));
    active.cat_bbtb = Set(e.categories.bbtb.as_ref().map(code_of));
    active.cat_imtu = Set(e.categories.imtu.as_ref().map(code_of));
    active.kms_status = Set(kms::code(e.kms.status).to_owned());
    active.gain_g = Set(e.kms.gain_g);
    active.kbm_g = Set(e.kms.kbm_g.map(|g| g as i32));
    active.two_t = Set(e.kms.two_t);
    active.bgm = Set(e.bgm);
    active.stunting = Set(e.stunting);
    active.wasting = Set(e.wasting);
    active.underweight = Set(e.underweight);
    active.referral = Set(list_of(&e.referral));
    active.standard = Set(assessment::standard());
}

fn history_of(rows: &[weighing::Model]) -> Vec<History> {
    rows.iter()
        .map(|r| History {
            date: r.measured_on,
            weight_kg: r.weight_kg,
            posyandu_id: r.posyandu_id,
            status: kms::parse_code(&r.kms_status).unwrap_or(KmsStatus::B),
            lhfa: r.z_lhfa,
        })
        .collect()
}

fn measurement_of(row: &weighing::Model, sex: openapi::growth::Sex) -> Measurement {
    Measurement {
        sex,
        age_days: row.age_days as i64,
        weight_kg: Some(row.weight_kg),
        length_cm: row.length_cm,
        position: row.position.as_deref().and_then(from_code::<Position>),
        head_cm: row.head_cm,
        muac_cm: row.muac_cm,
        oedema: row.oedema,
    }
}

/// Checks measured values for what a scale and a tape can give.
fn check_values(
    invalid: &mut Invalid,
    weight: Option<f64>,
    length: Option<f64>,
    position: Option<Position>,
    head: Option<f64>,
    muac: Option<f64>,
) {
    let check = |invalid: &mut Invalid,
                 field: &str,
                 value: Option<f64>,
                 low: f64,
                 high: f64,
                 unit: &str| {
        if let Some(v) = value
            && !(v.is_finite() && (low..=high).contains(&v))
        {
            invalid.add(
                field,
                "out_of_range",
                format!("{field} must be between {low} and {high} {unit}."),
            );
        }
    };
    check(invalid, "weight_kg", weight, 0.5, 40.0, "kg");
    check(invalid, "length_cm", length, 35.0, 130.0, "cm");
    check(invalid, "head_cm", head, 25.0, 60.0, "cm");
    check(invalid, "muac_cm", muac, 5.0, 30.0, "cm");
    if length.is_some() && position.is_none() {
        invalid.add(
            "position",
            "required",
            "Say whether the length was measured lying or standing.",
        );
    }
}

/// A child row with its person, visible to the caller.
pub async fn find_child<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<(child::Model, person::Model)> {
    find_child_for(db, Authority::Caller(principal), id).await
}

pub async fn find_child_for<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    id: Uuid,
) -> ApiResult<(child::Model, person::Model)> {
    let mut select = child::Entity::find_by_id(id).filter(child::Column::DeletedAt.is_null());
    if let Authority::Caller(principal) = authority {
        select = select.filter(principal.area.condition::<child::Entity>());
    }
    let row = select.one(db).await?.ok_or_else(ApiError::not_found)?;
    let person = person::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((row, person))
}

async fn history<C: ConnectionTrait>(db: &C, child_id: Uuid) -> ApiResult<Vec<weighing::Model>> {
    Ok(weighing::Entity::find()
        .filter(weighing::Column::ChildId.eq(child_id))
        .filter(weighing::Column::DeletedAt.is_null())
        .order_by_asc(weighing::Column::MeasuredOn)
        .all(db)
        .await?)
}

/// Re-reads the KMS status and referral of every weighing after `from`
/// (their meaning depends on earlier ones) and stores what changed.
async fn reread_after<C: ConnectionTrait>(
    db: &C,
    child: &child::Model,
    person: &person::Model,
    from: NaiveDate,
) -> ApiResult<()> {
    let rows = history(db, child.person_id).await?;
    let sex = parse_sex(&person.sex);
    let mut done: Vec<weighing::Model> = Vec::with_capacity(rows.len());
    for row in rows {
        if row.measured_on > from {
            let evaluation = assessment::evaluate(
                person.birth_date,
                row.measured_on,
                row.posyandu_id,
                &measurement_of(&row, sex),
                &history_of(&done),
            );
            let mut active = row.clone().into_active_model();
            apply(&mut active, &evaluation);
            if active.is_changed() {
                active.updated_at = Set(clock::now());
                let updated = active.update(db).await?;
                done.push(updated);
                continue;
            }
        }
        done.push(row);
    }
    Ok(())
}

/// What happened to a posted weighing.
pub enum Recorded {
    Created(Weighing),
    /// The same weighing was already recorded (a retry, or a report sent twice).
    Unchanged(Weighing),
}

fn same_values(row: &weighing::Model, new: &NewWeighing) -> bool {
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    };
    close(Some(row.weight_kg), Some(new.weight_kg))
        && close(row.length_cm, new.length_cm)
        && close(row.head_cm, new.head_cm)
        && close(row.muac_cm, new.muac_cm)
        && row.oedema == new.oedema
        && row.position.as_deref() == new.position.as_ref().map(code_of).as_deref()
}

pub async fn record(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    child_id: Uuid,
    new: NewWeighing,
) -> ApiResult<Recorded> {
    authority.require(Scope::WriteWeighings)?;
    let mut invalid = Invalid::new();
    check_values(
        &mut invalid,
        Some(new.weight_kg),
        new.length_cm,
        new.position,
        new.head_cm,
        new.muac_cm,
    );
    let measured_by = invalid.check(
        "measured_by",
        codes::optional_text(new.measured_by.as_deref(), 100),
    );
    invalid.finish()?;

    let tx = begin_write(db).await?;
    let (child, person) = find_child_for(&tx, authority, child_id).await?;
    if person.status != "active" {
        return Err(ApiError::conflict(format!(
            "This child is recorded as {} and is no longer weighed here.",
            if person.status == "deceased" {
                "deceased"
            } else {
                "moved away"
            }
        )));
    }
    let posyandu = visible_posyandu(
        &tx,
        authority,
        new.posyandu_id.unwrap_or(child.posyandu_id),
        "posyandu_id",
    )
    .await?;
    let today = schedule::today_in(&posyandu.time_zone, clock::now());
    let measured_on = new.measured_on.unwrap_or(today);
    if measured_on > today {
        return Err(ApiError::field(
            "measured_on",
            "invalid",
            "The date is in the future.",
        ));
    }
    if measured_on < person.birth_date {
        return Err(ApiError::field(
            "measured_on",
            "invalid",
            "The date is before the child was born.",
        ));
    }
    let age_days = (measured_on - person.birth_date).num_days();
    if age_days > MAX_AGE_DAYS {
        return Err(ApiError::field(
            "measured_on",
            "invalid",
            "The child is past five years old on that date.",
        ));
    }

    let rows = history(&tx, child_id).await?;
    if let Some(existing) = rows.iter().find(|r| r.measured_on == measured_on) {
        if same_values(existing, &new) {
            return Ok(Recorded::Unchanged(to_wire_with_birth(
                existing.clone(),
                person.birth_date,
            )));
        }
        return Err(ApiError::conflict(format!(
            "This child already has a weighing on {measured_on} (id {}). To correct it, PATCH /api/v1/weighings/{}.",
            existing.id, existing.id
        )));
    }
    let sex = parse_sex(&person.sex);
    let measurement = Measurement {
        sex,
        age_days,
        weight_kg: Some(new.weight_kg),
        length_cm: new.length_cm,
        position: new.position,
        head_cm: new.head_cm,
        muac_cm: new.muac_cm,
        oedema: new.oedema,
    };
    let evaluation = assessment::evaluate(
        person.birth_date,
        measured_on,
        posyandu.id,
        &measurement,
        &history_of(&rows),
    );
    let place = Place::of_posyandu(&posyandu);
    let now = clock::now();
    let id = Uuid::now_v7();
    let mut active = weighing::ActiveModel {
        id: Set(id),
        child_id: Set(child_id),
        measured_on: Set(measured_on),
        age_days: Set(age_days as i32),
        weight_kg: Set(new.weight_kg),
        length_cm: Set(new.length_cm),
        position: Set(new.position.as_ref().map(code_of)),
        head_cm: Set(new.head_cm),
        muac_cm: Set(new.muac_cm),
        oedema: Set(new.oedema),
        measured_by: Set(measured_by.flatten()),
        recorded_by: Set(authority.actor_name()),
        province_code: Set(place.province.clone()),
        kabupaten_code: Set(place.kabupaten.clone()),
        kecamatan_code: Set(place.kecamatan.clone()),
        desa_code: Set(place.desa.clone()),
        puskesmas_id: Set(posyandu.puskesmas_id),
        posyandu_id: Set(posyandu.id),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
        ..Default::default()
    };
    apply(&mut active, &evaluation);
    let inserted = match weighing::Entity::insert(active)
        .exec_with_returning(&tx)
        .await
    {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict(format!(
                "This child already has a weighing on {measured_on}."
            )));
        }
        other => other?,
    };
    // A weighing entered late changes how the later ones read.
    if rows.iter().any(|r| r.measured_on > measured_on) {
        reread_after(&tx, &child, &person, measured_on).await?;
    }
    let wire = to_wire_with_birth(inserted, person.birth_date);
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "weighing",
        &id.to_string(),
        &place.location(),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Recorded::Created(wire))
}

async fn find_weighing<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<weighing::Model> {
    weighing::Entity::find_by_id(id)
        .filter(principal.area.condition::<weighing::Entity>())
        .filter(weighing::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<Weighing> {
    principal.require(Scope::ReadPeople)?;
    let row = find_weighing(db, principal, id).await?;
    let person = person::Entity::find_by_id(row.child_id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(to_wire_with_birth(row, person.birth_date))
}

pub async fn list_for_child(
    db: &DatabaseConnection,
    principal: &Principal,
    child_id: Uuid,
) -> ApiResult<Vec<Weighing>> {
    principal.require(Scope::ReadPeople)?;
    let (_, person) = find_child(db, principal, child_id).await?;
    Ok(history(db, child_id)
        .await?
        .into_iter()
        .map(|r| to_wire_with_birth(r, person.birth_date))
        .collect())
}

/// Corrects a weighing; it and every later one are read again.
pub async fn correct(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: WeighingPatch,
) -> ApiResult<Weighing> {
    principal.require(Scope::WriteWeighings)?;
    let tx = begin_write(db).await?;
    let row = find_weighing(&tx, principal, id).await?;
    let (child, person) = find_child(&tx, principal, row.child_id).await?;
    let weight = patch.weight_kg.unwrap_or(row.weight_kg);
    let length = patch.length_cm.unwrap_or(row.length_cm);
    let position = patch
        .position
        .or(row.position.as_deref().and_then(from_code));
    let head = patch.head_cm.unwrap_or(row.head_cm);
    let muac = patch.muac_cm.unwrap_or(row.muac_cm);
    let measured_on = patch.measured_on.unwrap_or(row.measured_on);
    let mut invalid = Invalid::new();
    check_values(&mut invalid, Some(weight), length, position, head, muac);
    if measured_on < person.birth_date {
        invalid.add(
            "measured_on",
            "invalid",
            "The date is before the child was born.",
        );
    }
    if measured_on > clock::now().date_naive() + chrono::Duration::days(1) {
        invalid.add("measured_on", "invalid", "The date is in the future.");
    }
    if (measured_on - person.birth_date).num_days() > MAX_AGE_DAYS {
        invalid.add(
            "measured_on",
            "invalid",
            "The child is past five years old on that date.",
        );
    }
    invalid.finish()?;
    let before = to_wire_with_birth(row.clone(), person.birth_date);
    let earliest = row.measured_on.min(measured_on);
    let sex = parse_sex(&person.sex);
    let mut active = row.clone().into_active_model();
    active.measured_on = Set(measured_on);
    active.age_days = Set((measured_on - person.birth_date).num_days() as i32);
    active.weight_kg = Set(weight);
    active.length_cm = Set(length);
    active.position = Set(position.as_ref().map(code_of));
    active.head_cm = Set(head);
    active.muac_cm = Set(muac);
    if let Some(oedema) = patch.oedema {
        active.oedema = Set(oedema);
    }
    active.updated_at = Set(clock::now());
    let changed = match active.update(&tx).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict(format!(
                "This child already has another weighing on {measured_on}."
            )));
        }
        other => other?,
    };
    // Read this one against what came before it, then everything after.
    let rows = history(&tx, child.person_id).await?;
    let earlier: Vec<weighing::Model> = rows
        .iter()
        .filter(|r| r.measured_on < changed.measured_on)
        .cloned()
        .collect();
    let evaluation = assessment::evaluate(
        person.birth_date,
        changed.measured_on,
        changed.posyandu_id,
        &measurement_of(&changed, sex),
        &history_of(&earlier),
    );
    let mut active = changed.into_active_model();
    apply(&mut active, &evaluation);
    let changed = active.update(&tx).await?;
    reread_after(&tx, &child, &person, earliest.min(changed.measured_on)).await?;
    let after = weighing::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let place = Place::of_posyandu(
        &crate::services::posyandu::find_posyandu(&tx, principal, after.posyandu_id).await?,
    );
    let after = to_wire_with_birth(after, person.birth_date);
    audit::record(
        &tx,
        &Actor::from(principal),
        "update",
        "weighing",
        &id.to_string(),
        &place.location(),
        audit::diff(Some(&before), &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a weighing entered by mistake (kept, with who and when); later
/// ones are read again.
pub async fn remove(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<()> {
    principal.require(Scope::WriteWeighings)?;
    let tx = begin_write(db).await?;
    let row = find_weighing(&tx, principal, id).await?;
    let (child, person) = find_child(&tx, principal, row.child_id).await?;
    let date = row.measured_on;
    let place = Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.posyandu_id),
    };
    let now = clock::now();
    let mut active = row.into_active_model();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(principal.actor()));
    active.updated_at = Set(now);
    active.update(&tx).await?;
    reread_after(&tx, &child, &person, date - chrono::Duration::days(1)).await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "delete",
        "weighing",
        &id.to_string(),
        &place.location(),
        Some(serde_json::json!({"deleted_at": [null, now]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Many weighings, each in its own transaction: one bad item does not stop
/// the others.
pub async fn record_many(
    db: &DatabaseConnection,
    principal: &Principal,
    request: BulkWeighingRequest,
) -> ApiResult<BulkWeighingResponse> {
    principal.require(Scope::WriteWeighings)?;
    if request.weighings.len() > 1000 {
        return Err(ApiError::field(
            "weighings",
            "too_long",
            "Send at most 1,000 weighings at once.",
        ));
    }
    let mut response = BulkWeighingResponse {
        created: 0,
        unchanged: 0,
        rejected: 0,
        items: Vec::with_capacity(request.weighings.len()),
    };
    for (index, item) in request.weighings.into_iter().enumerate() {
        let outcome = record(
            db,
            Authority::Caller(principal),
            item.child_id,
            item.weighing,
        )
        .await;
        let entry = match outcome {
            Ok(Recorded::Created(w)) => {
                response.created += 1;
                BulkWeighingItem {
                    index,
                    outcome: "created".into(),
                    weighing: Some(w),
                    problem: None,
                }
            }
            Ok(Recorded::Unchanged(w)) => {
                response.unchanged += 1;
                BulkWeighingItem {
                    index,
                    outcome: "unchanged".into(),
                    weighing: Some(w),
                    problem: None,
                }
            }
            Err(error @ (ApiError::Database(_) | ApiError::Internal(_))) => return Err(error),
            Err(error) => {
                response.rejected += 1;
                let problem: Problem = error.to_problem();
                BulkWeighingItem {
                    index,
                    outcome: "rejected".into(),
                    weighing: None,
                    problem: Some(problem),
                }
            }
        };
        response.items.push(entry);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openapi::growth::{Nutrition, ReferralReason};

    #[test]
    fn enum_codes_round_trip() {
        assert_eq!(code_of(&Nutrition::GiziBuruk), "gizi_buruk");
        assert_eq!(
            from_code::<Nutrition>("gizi_buruk"),
            Some(Nutrition::GiziBuruk)
        );
        assert_eq!(from_code::<Nutrition>("nonsense"), None);
        let list = list_of(&[ReferralReason::DuaT, ReferralReason::Bgm]);
        assert_eq!(list, "dua_t,bgm");
        assert_eq!(
            parse_list::<ReferralReason>(&list),
            vec![ReferralReason::DuaT, ReferralReason::Bgm]
        );
        assert!(parse_list::<ReferralReason>("").is_empty());
    }

    #[test]
    fn implausible_flags_round_trip() {
        let flags = Implausible {
            wfa: true,
            acfa: true,
            ..Implausible::default()
        };
        assert_eq!(implausible_list(&flags), "wfa,acfa");
        assert_eq!(parse_implausible("wfa,acfa"), flags);
    }
}
