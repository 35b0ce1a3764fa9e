//! Immunisation doses and vitamin A capsules: recording them against the
//! national schedule, each child's status, and the lists a posyandu works
//! from on its day. The rules are in `domain::immunisation` and
//! `domain::vitamin_a`.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{child, immunisation, person, posyandu, pregnancy, vitamin_a_dose};
use openapi::Scope;
use openapi::maternal::{
    Capsule, ChildDue, DoseStateKind, DoseStatus, IdlStatus, Immunisation, ImmunisationStatus,
    NewImmunisation, NewVitaminADose, RoundStateKind, VitaminADose, VitaminARoundEntry,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::codes;
use crate::domain::immunisation as rules;
use crate::domain::schedule;
use crate::domain::vitamin_a;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::Authority;
use crate::services::audit::{self, Actor};
use crate::services::people::Place;
use crate::services::weighings::{find_child, find_child_for};

/// Regions where Japanese encephalitis vaccine is given (versioned data).
static JE_ENDEMIC: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    include_str!("../../data/immunisation/je-endemic.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
});

/// Whether the JE dose is part of the schedule at a desa.
pub fn je_endemic(desa_code: &str) -> bool {
    JE_ENDEMIC
        .iter()
        .any(|region| desa_code == region || desa_code.starts_with(&format!("{region}.")))
}

fn state_wire(status: &rules::DoseStatus) -> DoseStatus {
    let (state, given_on, too_early, late) = match status.state {
        rules::DoseState::Given {
            on,
            too_early,
            late,
        } => (DoseStateKind::Given, Some(on), too_early, late),
        rules::DoseState::NotYet { .. } => (DoseStateKind::NotYet, None, false, false),
        rules::DoseState::Due { .. } => (DoseStateKind::Due, None, false, false),
        rules::DoseState::Overdue { .. } => (DoseStateKind::Overdue, None, false, false),
        rules::DoseState::TooLate => (DoseStateKind::TooLate, None, false, false),
    };
    DoseStatus {
        antigen: status.antigen.clone(),
        dose: status.dose,
        due_on: status.due_on,
        state,
        given_on,
        too_early,
        late,
    }
}

/// The doses a newborn is due for now or within two months: what the
/// mother is told at the birth.
pub fn due_now(birth: NaiveDate, today: NaiveDate) -> Vec<DoseStatus> {
    let horizon = today + chrono::Duration::days(62);
    rules::evaluate(birth, &[], today, false)
        .iter()
        .filter(|s| s.due_on <= horizon && !matches!(s.state, rules::DoseState::TooLate))
        .map(state_wire)
        .collect()
}

fn to_wire(row: immunisation::Model) -> Immunisation {
    Immunisation {
        id: row.id,
        child_id: row.child_id,
        antigen: row.antigen,
        dose: row.dose as u8,
        given_on: row.given_on,
        age_days: row.age_days,
        batch: row.batch,
        place: row.place,
        given_by: row.given_by,
        too_early: row.too_early,
        too_soon: row.too_soon,
        previous_missing: row.previous_missing,
        too_late: row.too_late,
        schedule: row.schedule,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
    }
}

async fn doses_of<C: ConnectionTrait>(
    db: &C,
    child_ids: &[Uuid],
) -> ApiResult<Vec<immunisation::Model>> {
    if child_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(immunisation::Entity::find()
        .filter(immunisation::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(immunisation::Column::DeletedAt.is_null())
        .order_by_asc(immunisation::Column::GivenOn)
        .order_by_asc(immunisation::Column::Id)
        .all(db)
        .await?)
}

/// The doses given to each of many children, reading only what the rules
/// need (a posyandu day's list reads every dose of every child).
async fn given_doses<C: ConnectionTrait>(
    db: &C,
    child_ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<rules::GivenDose>>> {
    let mut out: HashMap<Uuid, Vec<rules::GivenDose>> = HashMap::new();
    if child_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, String, i32, NaiveDate)> = immunisation::Entity::find()
        .select_only()
        .column(immunisation::Column::ChildId)
        .column(immunisation::Column::Antigen)
        .column(immunisation::Column::Dose)
        .column(immunisation::Column::GivenOn)
        .filter(immunisation::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(immunisation::Column::DeletedAt.is_null())
        .order_by_asc(immunisation::Column::GivenOn)
        .order_by_asc(immunisation::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for (child, antigen, dose, given_on) in rows {
        out.entry(child).or_default().push(rules::GivenDose {
            antigen,
            dose: dose as u8,
            given_on,
        });
    }
    Ok(out)
}

fn given(rows: &[immunisation::Model]) -> Vec<rules::GivenDose> {
    rows.iter()
        .map(|r| rules::GivenDose {
            antigen: r.antigen.clone(),
            dose: r.dose as u8,
            given_on: r.given_on,
        })
        .collect()
}

fn idl_wire(idl: rules::IdlStatus) -> IdlStatus {
    IdlStatus {
        complete: idl.complete,
        completed_on: idl.completed_on,
        missing: idl
            .missing
            .into_iter()
            .map(|(antigen, dose)| format!("{antigen} {dose}"))
            .collect(),
        still_possible: idl.still_possible,
    }
}

/// A child's immunisation: every dose of the schedule with its state on
/// `on` (today by default), "imunisasi dasar lengkap", and the doses given.
pub async fn status(
    db: &DatabaseConnection,
    principal: &Principal,
    child_id: Uuid,
    on: Option<NaiveDate>,
) -> ApiResult<ImmunisationStatus> {
    principal.require(Scope::ReadPeople)?;
    let (child, person) = find_child(db, principal, child_id).await?;
    let on = on.unwrap_or_else(|| clock::today_at(&child.province_code));
    let rows = doses_of(db, &[child_id]).await?;
    let given = given(&rows);
    let je = je_endemic(&child.desa_code);
    Ok(ImmunisationStatus {
        child_id,
        birth_date: person.birth_date,
        on,
        schedule: rules::SCHEDULE_VERSION.to_owned(),
        doses: rules::evaluate(person.birth_date, &given, on, je)
            .iter()
            .map(state_wire)
            .collect(),
        idl: idl_wire(rules::idl(person.birth_date, &given, on)),
        given: rows.into_iter().map(to_wire).collect(),
    })
}

pub enum DoseRecorded {
    Created(Immunisation),
    /// The same dose on the same day was already recorded (a retry).
    Existing(Immunisation),
}

/// Records a dose. Refused: an unknown antigen or dose, a date before birth
/// or in the future, a dose already given on another day (409). Recorded
/// but flagged: too early for the age or the interval, previous dose
/// missing, too late.
pub async fn record(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    child_id: Uuid,
    new: NewImmunisation,
) -> ApiResult<DoseRecorded> {
    authority.require(Scope::WriteHealth)?;
    let mut invalid = Invalid::new();
    let antigen = rules::normalise_antigen(&new.antigen);
    if antigen.is_none() {
        invalid.add(
            "antigen",
            "unknown",
            "Unknown antigen: use HB0, BCG, OPV, DPT-HB-Hib, PCV, RV, IPV, MR or JE.",
        );
    }
    let batch = invalid.check("batch", codes::optional_text(new.batch.as_deref(), 50));
    let place_text = invalid.check("place", codes::optional_text(new.place.as_deref(), 200));
    let given_by = invalid.check(
        "given_by",
        codes::optional_text(new.given_by.as_deref(), 100),
    );
    invalid.finish()?;
    let antigen = antigen.expect("checked").to_owned();
    let tx = begin_write(db).await?;
    let (child, person) = find_child_for(&tx, authority, child_id).await?;
    let rows = doses_of(&tx, &[child_id]).await?;
    if let Some(same) = rows
        .iter()
        .find(|r| r.antigen == antigen && r.dose == i32::from(new.dose))
    {
        if same.given_on == new.given_on {
            return Ok(DoseRecorded::Existing(to_wire(same.clone())));
        }
        return Err(ApiError::conflict(format!(
            "{antigen} dose {} is already recorded, given on {}.",
            new.dose, same.given_on
        )));
    }
    let dose = rules::GivenDose {
        antigen: antigen.clone(),
        dose: new.dose,
        given_on: new.given_on,
    };
    let check = rules::check_new_dose(
        person.birth_date,
        &given(&rows),
        &dose,
        clock::latest_date(),
    )
    .map_err(|e| dose_error(&e))?;
    let now = clock::now();
    let row = immunisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child_id),
        antigen: Set(antigen),
        dose: Set(i32::from(new.dose)),
        given_on: Set(new.given_on),
        age_days: Set((new.given_on - person.birth_date).num_days() as i32),
        batch: Set(batch.flatten()),
        place: Set(place_text.flatten()),
        given_by: Set(given_by.flatten()),
        too_early: Set(check.too_early_for_age),
        too_soon: Set(check.too_soon_after_previous),
        previous_missing: Set(check.previous_dose_missing),
        too_late: Set(check.past_max_age),
        schedule: Set(rules::SCHEDULE_VERSION.to_owned()),
        recorded_by: Set(authority.actor_name()),
        province_code: Set(child.province_code.clone()),
        kabupaten_code: Set(child.kabupaten_code.clone()),
        kecamatan_code: Set(child.kecamatan_code.clone()),
        desa_code: Set(child.desa_code.clone()),
        puskesmas_id: Set(child.puskesmas_id),
        posyandu_id: Set(child.posyandu_id),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = match immunisation::Entity::insert(row)
        .exec_with_returning(&tx)
        .await
    {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict("This dose is already recorded."));
        }
        other => other?,
    };
    let wire = to_wire(inserted);
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "immunisation",
        &wire.id.to_string(),
        &child_place(&child).location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(DoseRecorded::Created(wire))
}

fn dose_error(e: &rules::DoseError) -> ApiError {
    let field = match e {
        rules::DoseError::UnknownDose { .. } => "dose",
        _ => "given_on",
    };
    ApiError::field(field, "invalid", e.to_string())
}

fn child_place(row: &child::Model) -> Place {
    Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.posyandu_id),
    }
}

/// Removes a dose recorded by mistake (soft delete, audited).
pub async fn remove(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<()> {
    principal.require(Scope::WriteHealth)?;
    let tx = begin_write(db).await?;
    let row = immunisation::Entity::find_by_id(id)
        .filter(principal.area.condition::<immunisation::Entity>())
        .filter(immunisation::Column::DeletedAt.is_null())
        .one(&tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let location = Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.posyandu_id),
    }
    .location();
    let actor = Actor::from(principal);
    let mut active = row.into_active_model();
    active.deleted_at = Set(Some(clock::now()));
    active.deleted_by = Set(Some(actor.actor.clone()));
    active.updated_at = Set(clock::now());
    active.update(&tx).await?;
    audit::record(
        &tx,
        &actor,
        "delete",
        "immunisation",
        &id.to_string(),
        &location,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The children of a posyandu and what each is due for on `day`: doses due
/// or overdue (not too late), and the vitamin A capsule in February and
/// August.
pub async fn due_at_posyandu(
    db: &DatabaseConnection,
    principal: &Principal,
    posyandu_id: Uuid,
    day: Option<NaiveDate>,
) -> ApiResult<Vec<ChildDue>> {
    principal.require(Scope::ReadPeople)?;
    let post = posyandu::Entity::find_by_id(posyandu_id)
        .filter(principal.area.condition::<posyandu::Entity>())
        .filter(posyandu::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let day = day.unwrap_or_else(|| schedule::today_in(&post.time_zone, clock::now()));
    Ok(children_due(db, &post, day)
        .await?
        .into_iter()
        .filter(|c| !c.doses.is_empty() || c.vitamin_a.is_some())
        .map(|c| ChildDue {
            child_id: c.child.person_id,
            name: c.person.name,
            code: c.person.code,
            birth_date: c.person.birth_date,
            mother_id: c.child.mother_id,
            doses: c.doses.iter().map(state_wire).collect(),
            vitamin_a: c.vitamin_a.map(capsule_wire),
        })
        .collect())
}

/// A child of a posyandu on a posyandu day, with what is due for them.
pub struct DueChild {
    pub child: child::Model,
    pub person: person::Model,
    /// Doses due or overdue on the day.
    pub doses: Vec<rules::DoseStatus>,
    /// The capsule due in a February or August round.
    pub vitamin_a: Option<vitamin_a::Capsule>,
}

/// Every child of a posyandu under five on `day`, with the doses and the
/// vitamin A capsule due then (empty when nothing is): the due list of a
/// posyandu day and the reminder planner both read this.
pub async fn children_due<C: ConnectionTrait>(
    db: &C,
    post: &posyandu::Model,
    day: NaiveDate,
) -> ApiResult<Vec<DueChild>> {
    let je = je_endemic(&post.desa_code);
    let children = active_children(db, post.id, day).await?;
    let ids: Vec<Uuid> = children.iter().map(|(c, _)| c.person_id).collect();
    let doses = given_doses(db, &ids).await?;
    let capsules = capsules_of(db, &ids).await?;
    let round = vitamin_a::Round::containing(day);
    let mut out = Vec::new();
    for (child, person) in children {
        let given = doses
            .get(&child.person_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let due: Vec<rules::DoseStatus> = rules::evaluate(person.birth_date, given, day, je)
            .into_iter()
            .filter(|s| {
                matches!(
                    s.state,
                    rules::DoseState::Due { .. } | rules::DoseState::Overdue { .. }
                )
            })
            .collect();
        let vitamin = round.and_then(|round| {
            let own = capsules
                .get(&child.person_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            match vitamin_a::round_state(person.birth_date, own, round, day) {
                vitamin_a::RoundState::Due => vitamin_a::capsule_for(person.birth_date, day),
                _ => None,
            }
        });
        out.push(DueChild {
            child,
            person,
            doses: due,
            vitamin_a: vitamin,
        });
    }
    Ok(out)
}

/// Children of a posyandu who live here and are under five on `day`.
async fn active_children<C: ConnectionTrait>(
    db: &C,
    posyandu_id: Uuid,
    day: NaiveDate,
) -> ApiResult<Vec<(child::Model, person::Model)>> {
    let rows = child::Entity::find()
        .filter(child::Column::PosyanduId.eq(posyandu_id))
        .filter(child::Column::DeletedAt.is_null())
        .find_also_related(person::Entity)
        .all(db)
        .await?;
    let mut out: Vec<(child::Model, person::Model)> = rows
        .into_iter()
        .filter_map(|(c, p)| p.map(|p| (c, p)))
        .filter(|(_, p)| {
            p.status == "active"
                && p.deleted_at.is_none()
                && p.birth_date <= day
                && (day - p.birth_date).num_days() < 1826
        })
        .collect();
    out.sort_by(|a, b| {
        a.1.name_folded
            .cmp(&b.1.name_folded)
            .then(a.1.id.cmp(&b.1.id))
    });
    Ok(out)
}

// --------------------------------------------------------------- vitamin A

fn capsule_wire(c: vitamin_a::Capsule) -> Capsule {
    match c {
        vitamin_a::Capsule::Blue => Capsule::Blue,
        vitamin_a::Capsule::Red => Capsule::Red,
    }
}

fn capsule_rule(c: Capsule) -> vitamin_a::Capsule {
    match c {
        Capsule::Blue => vitamin_a::Capsule::Blue,
        Capsule::Red => vitamin_a::Capsule::Red,
    }
}

fn capsule_code(c: Capsule) -> &'static str {
    match c {
        Capsule::Blue => "blue",
        Capsule::Red => "red",
    }
}

fn capsule_of_code(code: &str) -> vitamin_a::Capsule {
    if code == "blue" {
        vitamin_a::Capsule::Blue
    } else {
        vitamin_a::Capsule::Red
    }
}

async fn capsules_of<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<(NaiveDate, vitamin_a::Capsule)>>> {
    let mut out: HashMap<Uuid, Vec<(NaiveDate, vitamin_a::Capsule)>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for row in vitamin_a_dose::Entity::find()
        .filter(vitamin_a_dose::Column::PersonId.is_in(ids.iter().copied()))
        .filter(vitamin_a_dose::Column::DeletedAt.is_null())
        .filter(vitamin_a_dose::Column::Postpartum.eq(false))
        .order_by_asc(vitamin_a_dose::Column::GivenOn)
        .all(db)
        .await?
    {
        out.entry(row.person_id)
            .or_default()
            .push((row.given_on, capsule_of_code(&row.capsule)));
    }
    Ok(out)
}

fn vitamin_wire(row: vitamin_a_dose::Model) -> VitaminADose {
    VitaminADose {
        id: row.id,
        person_id: row.person_id,
        capsule: if row.capsule == "blue" {
            Capsule::Blue
        } else {
            Capsule::Red
        },
        given_on: row.given_on,
        round: row.round,
        postpartum: row.postpartum,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
    }
}

/// The round a capsule counts for: February's round runs until July's
/// sweeping, August's until January's.
fn round_for(date: NaiveDate) -> String {
    let (year, month) = match date.month() {
        2..=7 => (date.year(), 2),
        8..=12 => (date.year(), 8),
        _ => (date.year() - 1, 8),
    };
    format!("{year}-{month:02}")
}

/// Records a vitamin A capsule: for a child under five (blue 6–11 months,
/// red 12–59 months, one per round), or for a mother within 42 days of a
/// birth (red, two capsules on different days).
pub async fn record_vitamin_a(
    db: &DatabaseConnection,
    principal: &Principal,
    person_id: Uuid,
    new: NewVitaminADose,
) -> ApiResult<VitaminADose> {
    principal.require(Scope::WriteHealth)?;
    if new.given_on > clock::latest_date() {
        return Err(ApiError::field(
            "given_on",
            "invalid",
            "The date is in the future.",
        ));
    }
    let tx = begin_write(db).await?;
    let person = person::Entity::find_by_id(person_id)
        .filter(principal.area.condition::<person::Entity>())
        .filter(person::Column::DeletedAt.is_null())
        .one(&tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let previous: Vec<vitamin_a_dose::Model> = vitamin_a_dose::Entity::find()
        .filter(vitamin_a_dose::Column::PersonId.eq(person_id))
        .filter(vitamin_a_dose::Column::DeletedAt.is_null())
        .all(&tx)
        .await?;
    let is_child = child::Entity::find_by_id(person_id)
        .filter(child::Column::DeletedAt.is_null())
        .one(&tx)
        .await?
        .is_some();
    let (round, postpartum) = if is_child {
        let dates: Vec<NaiveDate> = previous.iter().map(|r| r.given_on).collect();
        vitamin_a::check_dose(
            person.birth_date,
            capsule_rule(new.capsule),
            new.given_on,
            &dates,
        )
        .map_err(|e| ApiError::field("capsule", "invalid", e.to_string()))?;
        (Some(round_for(new.given_on)), false)
    } else {
        // A mother: a live birth within the 42 days before.
        let births = pregnancy::Entity::find()
            .filter(pregnancy::Column::MotherId.eq(person_id))
            .filter(pregnancy::Column::Outcome.eq("live_birth"))
            .filter(pregnancy::Column::DeletedAt.is_null())
            .all(&tx)
            .await?;
        let recent = births
            .iter()
            .filter_map(|p| p.outcome_date)
            .any(|born| new.given_on >= born && (new.given_on - born).num_days() <= 42);
        if !recent {
            return Err(ApiError::field(
                "given_on",
                "invalid",
                "Vitamin A is recorded for children under five, and for mothers within 42 days after a birth.",
            ));
        }
        if new.capsule != Capsule::Red {
            return Err(ApiError::field(
                "capsule",
                "invalid",
                "Mothers after birth get red capsules (200,000 IU).",
            ));
        }
        let same_day = previous.iter().any(|r| r.given_on == new.given_on);
        let count = previous.iter().filter(|r| r.postpartum).count();
        if same_day || count >= 2 {
            return Err(ApiError::conflict(
                "Mothers get two red capsules after birth, at least 24 hours apart.",
            ));
        }
        (None, true)
    };
    let now = clock::now();
    let row = vitamin_a_dose::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        capsule: Set(capsule_code(new.capsule).into()),
        given_on: Set(new.given_on),
        round: Set(round),
        postpartum: Set(postpartum),
        recorded_by: Set(Actor::from(principal).actor),
        province_code: Set(person.province_code.clone()),
        kabupaten_code: Set(person.kabupaten_code.clone()),
        kecamatan_code: Set(person.kecamatan_code.clone()),
        desa_code: Set(person.desa_code.clone()),
        puskesmas_id: Set(person.puskesmas_id),
        posyandu_id: Set(person.posyandu_id),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = match vitamin_a_dose::Entity::insert(row)
        .exec_with_returning(&tx)
        .await
    {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict(
                "A vitamin A capsule is already recorded for this round.",
            ));
        }
        other => other?,
    };
    let wire = vitamin_wire(inserted);
    audit::record(
        &tx,
        &Actor::from(principal),
        "create",
        "vitamin_a_dose",
        &wire.id.to_string(),
        &crate::services::people::person_place(&person).location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

/// A person's vitamin A capsules.
pub async fn list_vitamin_a(
    db: &DatabaseConnection,
    principal: &Principal,
    person_id: Uuid,
) -> ApiResult<Vec<VitaminADose>> {
    principal.require(Scope::ReadPeople)?;
    crate::services::people::find_person(db, principal, person_id).await?;
    Ok(vitamin_a_dose::Entity::find()
        .filter(vitamin_a_dose::Column::PersonId.eq(person_id))
        .filter(vitamin_a_dose::Column::DeletedAt.is_null())
        .order_by_asc(vitamin_a_dose::Column::GivenOn)
        .all(db)
        .await?
        .into_iter()
        .map(vitamin_wire)
        .collect())
}

/// The children of a posyandu in a vitamin A round (`2026-08`): who is due,
/// who got it, who was missed.
pub async fn vitamin_a_round(
    db: &DatabaseConnection,
    principal: &Principal,
    posyandu_id: Uuid,
    round_text: &str,
) -> ApiResult<Vec<VitaminARoundEntry>> {
    principal.require(Scope::ReadPeople)?;
    let round = vitamin_a::Round::parse(round_text).ok_or_else(|| {
        ApiError::field(
            "round",
            "invalid",
            "A round is February or August, written like 2026-08.",
        )
    })?;
    let posyandu = posyandu::Entity::find_by_id(posyandu_id)
        .filter(principal.area.condition::<posyandu::Entity>())
        .filter(posyandu::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let today = schedule::today_in(&posyandu.time_zone, clock::now());
    let children = active_children(db, posyandu_id, round.first_day()).await?;
    let ids: Vec<Uuid> = children.iter().map(|(c, _)| c.person_id).collect();
    let capsules = capsules_of(db, &ids).await?;
    let mut out = Vec::new();
    for (child, person) in children {
        let own = capsules
            .get(&child.person_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let Some(capsule) = vitamin_a::capsule_for(person.birth_date, round.first_day()) else {
            continue;
        };
        let (state, given_on) = match vitamin_a::round_state(person.birth_date, own, round, today) {
            vitamin_a::RoundState::NotEligible => continue,
            vitamin_a::RoundState::Given { on } => (RoundStateKind::Given, Some(on)),
            vitamin_a::RoundState::Due => (RoundStateKind::Due, None),
            vitamin_a::RoundState::Missed => (RoundStateKind::Missed, None),
        };
        out.push(VitaminARoundEntry {
            child_id: child.person_id,
            name: person.name,
            code: person.code,
            birth_date: person.birth_date,
            capsule: capsule_wire(capsule),
            state,
            given_on,
        });
    }
    Ok(out)
}
