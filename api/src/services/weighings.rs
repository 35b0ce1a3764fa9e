//! Weighings: validate, evaluate against the child's history, store; and
//! when an earlier weighing changes, re-read every later one.
use chrono::NaiveDate;
use entity::{audit_log, child, person, weighing};
use openapi::growth::{
    BulkWeighingItem, BulkWeighingRequest, BulkWeighingResponse, Implausible, KmsStatus,
    NewWeighing, Position, ReferralReason, Weighing, WeighingPatch, ZScores,
};
use openapi::registry::LatestStatus;
use openapi::{Problem, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
    TryIntoModel,
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
use crate::services::child_months;
use crate::services::people::{Place, parse_sex, visible_posyandu};
use crate::services::weighing_writer::{Job, Outcome, WeighingWriter};

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
pub fn write_evaluation(active: &mut weighing::ActiveModel, e: &Evaluation) {
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
    // One query for both rows: every weighing starts here.
    match select.find_also_related(person::Entity).one(db).await? {
        Some((row, Some(person))) => Ok((row, person)),
        _ => Err(ApiError::not_found()),
    }
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
    child_id: Uuid,
    birth: NaiveDate,
    sex: openapi::growth::Sex,
    from: NaiveDate,
) -> ApiResult<()> {
    let rows = history(db, child_id).await?;
    let mut done: Vec<weighing::Model> = Vec::with_capacity(rows.len());
    for row in rows {
        if row.measured_on > from {
            let evaluation = assessment::evaluate(
                birth,
                row.measured_on,
                row.posyandu_id,
                &measurement_of(&row, sex),
                &history_of(&done),
            );
            let mut active = row.clone().into_active_model();
            write_evaluation(&mut active, &evaluation);
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

fn same_values(row: &HistoryRow, new: &NewWeighing) -> bool {
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
    writer: &WeighingWriter,
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

    // Everything is read and evaluated outside the write lock; under it the
    // child's history is checked to be unchanged and the row written. On
    // SQLite this keeps the serialised part to a few statements.
    for _ in 0..5 {
        let (context, rows) = load(db, authority, child_id, new.posyandu_id).await?;
        if context.status != "active" {
            return Err(ApiError::conflict(format!(
                "This child is recorded as {} and is no longer weighed here.",
                if context.status == "deceased" {
                    "deceased"
                } else {
                    "moved away"
                }
            )));
        }
        let birth = context.birth_date;
        let today = schedule::today_in(&context.time_zone, clock::now());
        let measured_on = new.measured_on.unwrap_or(today);
        if measured_on > today {
            return Err(ApiError::field(
                "measured_on",
                "invalid",
                "The date is in the future.",
            ));
        }
        if measured_on < birth {
            return Err(ApiError::field(
                "measured_on",
                "invalid",
                "The date is before the child was born.",
            ));
        }
        let age_days = (measured_on - birth).num_days();
        if age_days > MAX_AGE_DAYS {
            return Err(ApiError::field(
                "measured_on",
                "invalid",
                "The child is past five years old on that date.",
            ));
        }
        if let Some(existing) = rows.iter().find(|r| r.measured_on == measured_on) {
            if same_values(existing, &new) {
                let stored = weighing::Entity::find_by_id(existing.id)
                    .one(db)
                    .await?
                    .ok_or_else(ApiError::not_found)?;
                return Ok(Recorded::Unchanged(to_wire_with_birth(stored, birth)));
            }
            return Err(ApiError::conflict(format!(
                "This child already has a weighing on {measured_on} (id {}). To correct it, PATCH /api/v1/weighings/{}.",
                existing.id, existing.id
            )));
        }
        let sex = parse_sex(&context.sex);
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
        let place = context.place();
        let id = Uuid::now_v7();
        // The row as evaluated against a history.
        let build = |rows: &[HistoryRow]| {
            let history: Vec<History> = rows.iter().map(HistoryRow::history).collect();
            let evaluation = assessment::evaluate(
                birth,
                measured_on,
                context.posyandu_id,
                &measurement,
                &history,
            );
            let now = clock::now();
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
                measured_by: Set(measured_by.clone().flatten()),
                recorded_by: Set(authority.actor_name()),
                province_code: Set(place.province.clone()),
                kabupaten_code: Set(place.kabupaten.clone()),
                kecamatan_code: Set(place.kecamatan.clone()),
                desa_code: Set(place.desa.clone()),
                puskesmas_id: Set(context.puskesmas_id),
                posyandu_id: Set(context.posyandu_id),
                created_at: Set(now),
                updated_at: Set(now),
                deleted_at: Set(None),
                deleted_by: Set(None),
                ..Default::default()
            };
            write_evaluation(&mut active, &evaluation);
            active
        };
        let audit_entry = audit::entry(
            &authority.actor(),
            "create",
            "weighing",
            &id.to_string(),
            &place.location(),
            None,
        );

        if !rows.iter().any(|r| r.measured_on > measured_on) {
            // The usual case, today's weighing: written by the group commit.
            let active = build(&rows);
            let model = active.clone().try_into_model()?;
            let job = Job {
                row: active,
                audit: audit_entry,
                child_id,
                measured_on,
                stamp: stamp_of(&rows),
            };
            match writer.write(job).await {
                Outcome::Written => return Ok(Recorded::Created(to_wire_with_birth(model, birth))),
                Outcome::Stale => continue,
                Outcome::SameDay => {
                    return Err(ApiError::conflict(format!(
                        "This child already has a weighing on {measured_on}."
                    )));
                }
                Outcome::Failed(reason) if reason == "unavailable" => {
                    return Err(ApiError::new(openapi::ProblemType::ServiceUnavailable));
                }
                Outcome::Failed(reason) => {
                    return Err(ApiError::Internal(anyhow::anyhow!(
                        "writing a weighing failed: {reason}"
                    )));
                }
            }
        }

        // A weighing entered late changes how the later ones read: under
        // the write lock, read the history again, evaluate against it, write
        // it and re-read the later ones — all in one transaction.
        let tx = begin_write(db).await?;
        lock_children(&tx, &[child_id]).await?;
        let rows = history_rows(&tx, child_id).await?;
        if rows.iter().any(|r| r.measured_on == measured_on) {
            return Err(ApiError::conflict(format!(
                "This child already has a weighing on {measured_on}."
            )));
        }
        let active = build(&rows);
        let model = active.clone().try_into_model()?;
        weighing::Entity::insert(active)
            .exec_without_returning(&tx)
            .await?;
        reread_after(&tx, child_id, birth, sex, measured_on).await?;
        child_months::refresh(&*tx, &[child_id], measured_on).await?;
        audit_log::Entity::insert(audit_entry)
            .exec_without_returning(&tx)
            .await?;
        tx.commit().await?;
        return Ok(Recorded::Created(to_wire_with_birth(model, birth)));
    }
    Err(ApiError::Problem {
        kind: openapi::ProblemType::Conflict,
        detail: Some(
            "This child's weighings are being changed by someone else right now; try again.".into(),
        ),
        retry_after: Some(1),
        oauth_error: None,
    })
}

/// What a new weighing needs to know about the child and the posyandu.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct Context {
    birth_date: NaiveDate,
    sex: String,
    status: String,
    posyandu_id: Uuid,
    puskesmas_id: Uuid,
    province_code: String,
    kabupaten_code: String,
    kecamatan_code: String,
    desa_code: String,
    time_zone: String,
    posyandu_deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Context {
    fn place(&self) -> Place {
        Place {
            province: self.province_code.clone(),
            kabupaten: self.kabupaten_code.clone(),
            kecamatan: self.kecamatan_code.clone(),
            desa: self.desa_code.clone(),
            puskesmas: Some(self.puskesmas_id),
            posyandu: Some(self.posyandu_id),
        }
    }
}

/// The columns of earlier weighings that a new one is read against.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct HistoryRow {
    id: Uuid,
    measured_on: NaiveDate,
    weight_kg: f64,
    length_cm: Option<f64>,
    position: Option<String>,
    head_cm: Option<f64>,
    muac_cm: Option<f64>,
    oedema: bool,
    posyandu_id: Uuid,
    kms_status: String,
    z_lhfa: Option<f64>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl HistoryRow {
    fn history(&self) -> History {
        History {
            date: self.measured_on,
            weight_kg: self.weight_kg,
            posyandu_id: self.posyandu_id,
            status: kms::parse_code(&self.kms_status).unwrap_or(KmsStatus::B),
            lhfa: self.z_lhfa,
        }
    }
}

/// The child (with the posyandu of the weighing) and their weighings so
/// far: two narrow queries in the usual case, because every weighing starts
/// here and a busy posyandu day sends many.
async fn load(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    child_id: Uuid,
    posyandu_id: Option<Uuid>,
) -> ApiResult<(Context, Vec<HistoryRow>)> {
    use entity::posyandu as p;
    let mut select = child::Entity::find_by_id(child_id).filter(child::Column::DeletedAt.is_null());
    if let Authority::Caller(principal) = authority {
        select = select.filter(principal.area.condition::<child::Entity>());
    }
    let context = select
        .select_only()
        .column(person::Column::BirthDate)
        .column(person::Column::Sex)
        .column(person::Column::Status)
        .column_as(p::Column::Id, "posyandu_id")
        .column_as(p::Column::PuskesmasId, "puskesmas_id")
        .column_as(p::Column::ProvinceCode, "province_code")
        .column_as(p::Column::KabupatenCode, "kabupaten_code")
        .column_as(p::Column::KecamatanCode, "kecamatan_code")
        .column_as(p::Column::DesaCode, "desa_code")
        .column_as(p::Column::TimeZone, "time_zone")
        .column_as(p::Column::DeletedAt, "posyandu_deleted_at")
        .join(sea_orm::JoinType::InnerJoin, child::Relation::Person.def())
        .join(
            sea_orm::JoinType::InnerJoin,
            child::Relation::Posyandu.def(),
        )
        .into_model::<Context>()
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let context = match posyandu_id {
        Some(id) if id != context.posyandu_id => {
            let other = visible_posyandu(db, authority, id, "posyandu_id").await?;
            Context {
                posyandu_id: other.id,
                puskesmas_id: other.puskesmas_id,
                province_code: other.province_code,
                kabupaten_code: other.kabupaten_code,
                kecamatan_code: other.kecamatan_code,
                desa_code: other.desa_code,
                time_zone: other.time_zone,
                posyandu_deleted_at: other.deleted_at,
                ..context
            }
        }
        _ => context,
    };
    if context.posyandu_deleted_at.is_some() {
        return Err(ApiError::conflict(
            "The child's posyandu has been removed; move the child to another posyandu first.",
        ));
    }
    let rows = history_rows(db, child_id).await?;
    Ok((context, rows))
}

/// Locks the children's rows until the transaction ends, so that two
/// changes to one child's weighings are never evaluated against the same
/// history at once (PostgreSQL; on SQLite the write transaction is already
/// the only one).
pub async fn lock_children<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> ApiResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres && !ids.is_empty() {
        child::Entity::find()
            .select_only()
            .column(child::Column::PersonId)
            .filter(child::Column::PersonId.is_in(ids.iter().copied()))
            .order_by_asc(child::Column::PersonId)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .all(db)
            .await?;
    }
    Ok(())
}

/// The narrow history of a child's weighings, oldest first.
async fn history_rows<C: ConnectionTrait>(db: &C, child_id: Uuid) -> ApiResult<Vec<HistoryRow>> {
    Ok(weighing::Entity::find()
        .select_only()
        .columns([
            weighing::Column::Id,
            weighing::Column::MeasuredOn,
            weighing::Column::WeightKg,
            weighing::Column::LengthCm,
            weighing::Column::Position,
            weighing::Column::HeadCm,
            weighing::Column::MuacCm,
            weighing::Column::Oedema,
            weighing::Column::PosyanduId,
            weighing::Column::KmsStatus,
            weighing::Column::ZLhfa,
            weighing::Column::UpdatedAt,
        ])
        .filter(weighing::Column::ChildId.eq(child_id))
        .filter(weighing::Column::DeletedAt.is_null())
        .order_by_asc(weighing::Column::MeasuredOn)
        .into_model::<HistoryRow>()
        .all(db)
        .await?)
}

/// What identifies the state of a child's weighings: each row and when it
/// last changed.
fn stamp_of(rows: &[HistoryRow]) -> Vec<(Uuid, chrono::DateTime<chrono::Utc>)> {
    let mut stamp: Vec<_> = rows.iter().map(|r| (r.id, r.updated_at)).collect();
    stamp.sort();
    stamp
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
    lock_children(&tx, &[row.child_id]).await?;
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
    if measured_on > clock::latest_date() {
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
    write_evaluation(&mut active, &evaluation);
    let changed = active.update(&tx).await?;
    let from = earliest.min(changed.measured_on);
    reread_after(&tx, child.person_id, person.birth_date, sex, from).await?;
    child_months::refresh(&*tx, &[child.person_id], from).await?;
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
    lock_children(&tx, &[row.child_id]).await?;
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
    reread_after(
        &tx,
        child.person_id,
        person.birth_date,
        parse_sex(&person.sex),
        date - chrono::Duration::days(1),
    )
    .await?;
    child_months::refresh(&*tx, &[child.person_id], date).await?;
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
    writer: &WeighingWriter,
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
            writer,
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
