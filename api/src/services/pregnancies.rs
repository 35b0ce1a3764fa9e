//! Pregnancies, their antenatal contacts, and births. The rules (HPL,
//! trimesters, risk flags, the 1-2-3 contact pattern) are in
//! `domain::pregnancy`; this module loads, checks area and stores.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{antenatal_contact, person, pregnancy};
use openapi::maternal::{
    AncProvider, AncSummary, AntenatalContact, Birth, ClosePregnancy, GestationalAge,
    NewAntenatalContact, NewBirth, NewPregnancy, Pregnancy, PregnancyOutcome, PregnancyPatch,
    RiskFlag, Trimester,
};
use openapi::registry::{NewChild, NewPerson};
use openapi::{Page, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::codes;
use crate::domain::pregnancy as rules;
use crate::domain::wilayah;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::audit::{self, Actor};
use crate::services::children::{self, BirthLink};
use crate::services::immunisation;
use crate::services::people::{Place, parse_sex, visible_posyandu};
use crate::services::weighings::{code_of, from_code};

fn place(row: &pregnancy::Model) -> Place {
    Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.posyandu_id),
    }
}

fn trimester_wire(t: rules::Trimester) -> Trimester {
    match t {
        rules::Trimester::First => Trimester::First,
        rules::Trimester::Second => Trimester::Second,
        rules::Trimester::Third => Trimester::Third,
    }
}

fn age_wire(age: rules::GestationalAge) -> GestationalAge {
    GestationalAge {
        weeks: age.weeks,
        days: age.days,
    }
}

fn risk_wire(flag: rules::RiskFlag) -> RiskFlag {
    match flag {
        rules::RiskFlag::AgeUnder20 => RiskFlag::AgeUnder20,
        rules::RiskFlag::AgeOver35 => RiskFlag::AgeOver35,
        rules::RiskFlag::BirthIntervalUnder2Years => RiskFlag::BirthIntervalUnder2Years,
        rules::RiskFlag::MoreThan3Children => RiskFlag::MoreThan3Children,
        rules::RiskFlag::HeightUnder145 => RiskFlag::HeightUnder145,
    }
}

pub(crate) fn contact_rule(row: &antenatal_contact::Model) -> rules::Contact {
    rules::Contact {
        date: row.contact_date,
        by_doctor: row.provider == "doctor",
        lila_cm: row.lila_cm,
        hb_g_dl: row.hb_g_dl,
        systolic: row.systolic,
        diastolic: row.diastolic,
        iron_tablets: row.iron_tablets,
    }
}

fn summary_wire(s: rules::AncSummary) -> AncSummary {
    AncSummary {
        contacts: s.contacts,
        by_trimester: s.by_trimester,
        doctor_first_trimester: s.doctor_first_trimester,
        doctor_third_trimester: s.doctor_third_trimester,
        iron_tablets_total: s.iron_tablets_total,
        k1: s.k1,
        k1_first_trimester: s.k1_first_trimester,
        k4: s.k4,
        k6: s.k6,
        on_track_123: s.on_track_123,
        doctors_on_track: s.doctors_on_track,
        iron_on_track: s.iron_on_track,
        next_due: s.next_due,
        next_due_overdue: s.next_due_overdue,
    }
}

/// The day a pregnancy is looked at: today while it lasts, its outcome date
/// once closed.
fn as_of(row: &pregnancy::Model) -> NaiveDate {
    row.outcome_date
        .unwrap_or_else(|| clock::today_at(&row.province_code))
}

fn to_wire(
    row: pregnancy::Model,
    mother_name: String,
    contacts: &[antenatal_contact::Model],
) -> Pregnancy {
    let on = as_of(&row);
    let rule_contacts: Vec<rules::Contact> = contacts.iter().map(contact_rule).collect();
    let summary = rules::summarize(row.hpht, &rule_contacts, on);
    let mut summary = summary_wire(summary);
    if row.outcome.is_some() {
        // A closed pregnancy has no next contact.
        summary.next_due = None;
        summary.next_due_overdue = false;
    }
    Pregnancy {
        id: row.id,
        mother_id: row.mother_id,
        mother_name,
        hpht: row.hpht,
        hpht_estimated: row.hpht_estimated,
        due_date: row.due_date,
        registered_on: row.registered_on,
        gravida: row.gravida,
        para: row.para,
        abortus: row.abortus,
        living_children: row.living_children,
        last_birth_date: row.last_birth_date,
        height_cm: row.height_cm,
        risk_flags: row
            .risk_flags
            .split(',')
            .filter(|s| !s.is_empty())
            .filter_map(from_code)
            .collect(),
        gestational_age: rules::gestational_age(row.hpht, on).map(age_wire),
        trimester: rules::trimester(row.hpht, on).map(trimester_wire),
        outcome: row.outcome.as_deref().and_then(from_code),
        outcome_date: row.outcome_date,
        outcome_note: row.outcome_note,
        anc: summary,
        posyandu_id: row.posyandu_id,
        desa_code: row.desa_code,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn to_wire_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<pregnancy::Model>,
) -> ApiResult<Vec<Pregnancy>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mothers: HashMap<Uuid, String> = person::Entity::find()
        .filter(person::Column::Id.is_in(rows.iter().map(|r| r.mother_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut contacts: HashMap<Uuid, Vec<antenatal_contact::Model>> = HashMap::new();
    for c in live_contacts(db, &ids).await? {
        contacts.entry(c.pregnancy_id).or_default().push(c);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let name = mothers.get(&row.mother_id).cloned().unwrap_or_default();
            let own = contacts.remove(&row.id).unwrap_or_default();
            to_wire(row, name, &own)
        })
        .collect())
}

pub(crate) async fn live_contacts<C: ConnectionTrait>(
    db: &C,
    pregnancy_ids: &[Uuid],
) -> ApiResult<Vec<antenatal_contact::Model>> {
    if pregnancy_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(antenatal_contact::Entity::find()
        .filter(antenatal_contact::Column::PregnancyId.is_in(pregnancy_ids.iter().copied()))
        .filter(antenatal_contact::Column::DeletedAt.is_null())
        .order_by_asc(antenatal_contact::Column::ContactDate)
        .order_by_asc(antenatal_contact::Column::Id)
        .all(db)
        .await?)
}

/// Risk flags for the stored fields, as stored (comma-separated codes).
fn risk_codes(mother_birth: NaiveDate, row: &RiskFields) -> String {
    rules::risk_flags(&rules::RiskInput {
        mother_birth_date: mother_birth,
        hpht: row.hpht,
        para: row.para,
        living_children: row.living_children,
        last_birth_date: row.last_birth_date,
        height_cm: row.height_cm,
    })
    .into_iter()
    .map(|f| code_of(&risk_wire(f)))
    .collect::<Vec<_>>()
    .join(",")
}

/// Risk flags as stored: the wire codes, comma-separated.
pub fn risk_code_list(flags: &[rules::RiskFlag]) -> String {
    flags
        .iter()
        .map(|f| code_of(&risk_wire(*f)))
        .collect::<Vec<_>>()
        .join(",")
}

struct RiskFields {
    hpht: NaiveDate,
    para: Option<i32>,
    living_children: Option<i32>,
    last_birth_date: Option<NaiveDate>,
    height_cm: Option<f64>,
}

fn check_counts(
    invalid: &mut Invalid,
    gravida: Option<i32>,
    para: Option<i32>,
    abortus: Option<i32>,
    living: Option<i32>,
) {
    for (field, value) in [
        ("gravida", gravida),
        ("para", para),
        ("abortus", abortus),
        ("living_children", living),
    ] {
        if value.is_some_and(|v| !(0..=25).contains(&v)) {
            invalid.add(field, "out_of_range", "Counts are 0 to 25.");
        }
    }
    if let (Some(g), Some(p), Some(a)) = (gravida, para, abortus)
        && p + a >= g
    {
        invalid.add(
            "gravida",
            "invalid",
            "Gravida counts this pregnancy too, so it is more than para + abortus.",
        );
    }
}

fn check_height(invalid: &mut Invalid, height: Option<f64>) {
    if height.is_some_and(|h| !(h.is_finite() && (100.0..=200.0).contains(&h))) {
        invalid.add("height_cm", "out_of_range", "Height is 100 to 200 cm.");
    }
}

fn pregnancy_error(field: &str, e: rules::PregnancyError) -> ApiError {
    ApiError::field(field, "invalid", e.to_string())
}

/// The mother: a woman inside the caller's area.
async fn find_mother<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    id: Uuid,
) -> ApiResult<person::Model> {
    let mut select = person::Entity::find_by_id(id).filter(person::Column::DeletedAt.is_null());
    if let Authority::Caller(principal) = authority {
        select = select.filter(principal.area.condition::<person::Entity>());
    }
    let mother = select.one(db).await?.ok_or_else(|| {
        ApiError::field(
            "mother_id",
            "unknown",
            "There is no such person in your area.",
        )
    })?;
    if parse_sex(&mother.sex) != openapi::growth::Sex::P {
        return Err(ApiError::field(
            "mother_id",
            "invalid",
            "Only a woman (sex P) can be registered as pregnant.",
        ));
    }
    if mother.status != "active" {
        return Err(ApiError::conflict(format!(
            "This person is recorded as {}.",
            mother.status
        )));
    }
    Ok(mother)
}

pub async fn create(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewPregnancy,
) -> ApiResult<Pregnancy> {
    authority.require(Scope::WriteHealth)?;
    // A registration without a date is dated today where the mother lives.
    let registered_on = match new.registered_on {
        Some(date) => date,
        None => clock::today_at(
            &find_mother(db, authority, new.mother_id)
                .await?
                .province_code,
        ),
    };
    let mut invalid = Invalid::new();
    if registered_on > clock::latest_date() {
        invalid.add("registered_on", "invalid", "The date is in the future.");
    }
    let (hpht, estimated) = match (new.hpht, new.gestational_age_weeks) {
        (Some(_), Some(_)) => {
            invalid.add(
                "gestational_age_weeks",
                "invalid",
                "Give either hpht or the gestational age, not both.",
            );
            (None, false)
        }
        (Some(hpht), None) => (Some(hpht), false),
        (None, Some(weeks)) => {
            let days = new.gestational_age_days.unwrap_or(0);
            match rules::hpht_from_gestational_age(registered_on, weeks, days) {
                Some(hpht) => (Some(hpht), true),
                None => {
                    invalid.add(
                        "gestational_age_weeks",
                        "out_of_range",
                        "Gestational age is up to 45 weeks and 0–6 days.",
                    );
                    (None, true)
                }
            }
        }
        (None, None) => {
            invalid.add(
                "hpht",
                "required",
                "Give the HPHT (first day of the last period) or the gestational age.",
            );
            (None, false)
        }
    };
    if let Some(hpht) = hpht
        && let Err(e) = rules::check_hpht(hpht, registered_on)
    {
        invalid.add("hpht", "invalid", e.to_string());
    }
    check_counts(
        &mut invalid,
        new.gravida,
        new.para,
        new.abortus,
        new.living_children,
    );
    check_height(&mut invalid, new.height_cm);
    if new.last_birth_date.is_some_and(|d| d > registered_on) {
        invalid.add(
            "last_birth_date",
            "invalid",
            "The last birth is after the registration.",
        );
    }
    invalid.finish()?;
    let hpht = hpht.expect("checked");

    let tx = begin_write(db).await?;
    let mother = find_mother(&tx, authority, new.mother_id).await?;
    let posyandu_id = new.posyandu_id.or(mother.posyandu_id).ok_or_else(|| {
        ApiError::field(
            "posyandu_id",
            "required",
            "The mother is not attached to a posyandu: give posyandu_id.",
        )
    })?;
    let posyandu = visible_posyandu(&tx, authority, posyandu_id, "posyandu_id").await?;
    let place = Place::of_posyandu(&posyandu);
    if hpht <= mother.birth_date + chrono::Duration::days(365 * 9) {
        return Err(ApiError::field(
            "mother_id",
            "invalid",
            "The mother's birth date does not fit a pregnancy.",
        ));
    }
    if new
        .last_birth_date
        .is_some_and(|d| d >= hpht || d < mother.birth_date)
    {
        return Err(ApiError::field(
            "last_birth_date",
            "invalid",
            "The last birth must be before this pregnancy's HPHT and after the mother's birth.",
        ));
    }
    let risk = risk_codes(
        mother.birth_date,
        &RiskFields {
            hpht,
            para: new.para,
            living_children: new.living_children,
            last_birth_date: new.last_birth_date,
            height_cm: new.height_cm,
        },
    );
    let now = clock::now();
    let row = pregnancy::ActiveModel {
        id: Set(Uuid::now_v7()),
        mother_id: Set(mother.id),
        hpht: Set(hpht),
        hpht_estimated: Set(estimated),
        due_date: Set(rules::due_date(hpht)),
        registered_on: Set(registered_on),
        gravida: Set(new.gravida),
        para: Set(new.para),
        abortus: Set(new.abortus),
        living_children: Set(new.living_children),
        last_birth_date: Set(new.last_birth_date),
        height_cm: Set(new.height_cm),
        risk_flags: Set(risk),
        outcome: Set(None),
        outcome_date: Set(None),
        outcome_note: Set(None),
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
    };
    let inserted = match pregnancy::Entity::insert(row)
        .exec_with_returning(&tx)
        .await
    {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict(
                "This woman already has an ongoing pregnancy: close it first.",
            ));
        }
        other => other?,
    };
    let wire = to_wire(inserted, mother.name, &[]);
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "pregnancy",
        &wire.id.to_string(),
        &place.location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

async fn find<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<pregnancy::Model> {
    pregnancy::Entity::find_by_id(id)
        .filter(principal.area.condition::<pregnancy::Entity>())
        .filter(pregnancy::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<Pregnancy> {
    principal.require(Scope::ReadPeople)?;
    let row = find(db, principal, id).await?;
    Ok(to_wire_many(db, vec![row]).await?.remove(0))
}

#[derive(Debug, Default)]
pub struct PregnancyFilter {
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub mother_id: Option<Uuid>,
    /// `ongoing` or `ended`.
    pub status: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: PregnancyFilter,
    page: PageRequest,
) -> ApiResult<Page<Pregnancy>> {
    principal.require(Scope::ReadPeople)?;
    let mut select =
        pregnancy::Entity::find().filter(principal.area.condition::<pregnancy::Entity>());
    if !page.includes_deleted() {
        select = select.filter(pregnancy::Column::DeletedAt.is_null());
    }
    if let Some(id) = filter.posyandu_id {
        select = select.filter(pregnancy::Column::PosyanduId.eq(id));
    }
    if let Some(code) = filter.desa_code {
        let code = wilayah::normalise_code(&code)
            .map_err(|p| ApiError::field("desa_code", p.code, p.message))?;
        select = select.filter(pregnancy::Column::DesaCode.eq(code));
    }
    if let Some(id) = filter.mother_id {
        select = select.filter(pregnancy::Column::MotherId.eq(id));
    }
    match filter.status.as_deref() {
        None => {}
        Some("ongoing") => select = select.filter(pregnancy::Column::Outcome.is_null()),
        Some("ended") => select = select.filter(pregnancy::Column::Outcome.is_not_null()),
        Some(_) => {
            return Err(ApiError::field(
                "status",
                "invalid",
                "The status is `ongoing` or `ended`.",
            ));
        }
    }
    let rows = page
        .apply(select, pregnancy::Column::Id, pregnancy::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: to_wire_many(db, rows).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: PregnancyPatch,
) -> ApiResult<Pregnancy> {
    principal.require(Scope::WriteHealth)?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    let mother = person::Entity::find_by_id(row.mother_id)
        .one(&tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let before = to_wire_many(&tx, vec![row.clone()]).await?.remove(0);
    let fields = RiskFields {
        hpht: patch.hpht.unwrap_or(row.hpht),
        para: patch.para.or(row.para),
        living_children: patch.living_children.or(row.living_children),
        last_birth_date: patch.last_birth_date.or(row.last_birth_date),
        height_cm: patch.height_cm.or(row.height_cm),
    };
    let mut invalid = Invalid::new();
    check_counts(
        &mut invalid,
        patch.gravida.or(row.gravida),
        fields.para,
        patch.abortus.or(row.abortus),
        fields.living_children,
    );
    check_height(&mut invalid, fields.height_cm);
    if let Some(hpht) = patch.hpht
        && let Err(e) = rules::check_hpht(hpht, row.registered_on.max(hpht))
    {
        invalid.add("hpht", "invalid", e.to_string());
    }
    if patch.hpht.is_some_and(|h| h > row.registered_on) {
        invalid.add("hpht", "invalid", "HPHT is after the registration date.");
    }
    if fields.last_birth_date.is_some_and(|d| d >= fields.hpht) {
        invalid.add(
            "last_birth_date",
            "invalid",
            "The last birth must be before this pregnancy's HPHT.",
        );
    }
    invalid.finish()?;
    let risk = risk_codes(mother.birth_date, &fields);
    let mut active = row.into_active_model();
    if let Some(hpht) = patch.hpht {
        active.hpht = Set(hpht);
        active.hpht_estimated = Set(false);
        active.due_date = Set(rules::due_date(hpht));
    }
    if patch.gravida.is_some() {
        active.gravida = Set(patch.gravida);
    }
    if patch.abortus.is_some() {
        active.abortus = Set(patch.abortus);
    }
    active.para = Set(fields.para);
    active.living_children = Set(fields.living_children);
    active.last_birth_date = Set(fields.last_birth_date);
    active.height_cm = Set(fields.height_cm);
    active.risk_flags = Set(risk);
    active.updated_at = Set(clock::now());
    let updated = active.update(&tx).await?;
    let location = place(&updated).location();
    let after = to_wire_many(&tx, vec![updated]).await?.remove(0);
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "pregnancy",
            &id.to_string(),
            &location,
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Sets the outcome on a pregnancy row inside `tx`.
async fn set_outcome<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    row: pregnancy::Model,
    outcome: PregnancyOutcome,
    date: NaiveDate,
    note: Option<String>,
) -> ApiResult<pregnancy::Model> {
    let id = row.id;
    let location = place(&row).location();
    let mut active = row.into_active_model();
    active.outcome = Set(Some(code_of(&outcome)));
    active.outcome_date = Set(Some(date));
    active.outcome_note = Set(note);
    active.updated_at = Set(clock::now());
    let updated = active.update(tx).await?;
    audit::record(
        tx,
        actor,
        "update",
        "pregnancy",
        &id.to_string(),
        &location,
        Some(
            serde_json::json!({"outcome": [null, code_of(&outcome)], "outcome_date": [null, date]}),
        ),
    )
    .await?;
    Ok(updated)
}

fn check_outcome_date(row: &pregnancy::Model, date: NaiveDate, field: &str) -> ApiResult<()> {
    if date > clock::latest_date() {
        return Err(ApiError::field(
            field,
            "invalid",
            "The date is in the future.",
        ));
    }
    if date < row.hpht {
        return Err(ApiError::field(
            field,
            "invalid",
            "The date is before the pregnancy began (HPHT).",
        ));
    }
    if date < row.registered_on {
        // The registration would then be of a pregnancy already over: the
        // dates are wrong somewhere, and reports would count it twice.
        return Err(ApiError::field(
            field,
            "invalid",
            "The date is before the pregnancy was registered.",
        ));
    }
    Ok(())
}

pub async fn close(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    body: ClosePregnancy,
) -> ApiResult<Pregnancy> {
    principal.require(Scope::WriteHealth)?;
    let note = codes::optional_text(body.note.as_deref(), 500)
        .map_err(|p| ApiError::field("note", p.code, p.message))?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    if row.outcome.is_some() {
        return Err(ApiError::conflict("This pregnancy is already closed."));
    }
    check_outcome_date(&row, body.date, "date")?;
    if body.outcome == PregnancyOutcome::LiveBirth {
        return Err(ApiError::field(
            "outcome",
            "invalid",
            "Record a live birth with POST /api/v1/pregnancies/{id}/births: it registers the baby too.",
        ));
    }
    let updated = set_outcome(
        &tx,
        &Actor::from(principal),
        row,
        body.outcome,
        body.date,
        note,
    )
    .await?;
    let wire = to_wire_many(&tx, vec![updated]).await?.remove(0);
    tx.commit().await?;
    Ok(wire)
}

/// Records a birth: the pregnancy closes as a live birth (or, for a twin, is
/// already closed by the first baby on the same day) and the baby becomes a
/// child of the posyandu, with its immunisation schedule started.
pub async fn record_birth(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    birth: NewBirth,
) -> ApiResult<Birth> {
    principal.require(Scope::WriteHealth)?;
    principal.require(Scope::WritePeople)?;
    let birth_place = codes::optional_text(birth.place.as_deref(), 200)
        .map_err(|p| ApiError::field("place", p.code, p.message))?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    match (&row.outcome, row.outcome_date) {
        (None, _) => check_outcome_date(&row, birth.birth_date, "birth_date")?,
        (Some(outcome), Some(date)) if outcome == "live_birth" && date == birth.birth_date => {}
        _ => return Err(ApiError::conflict("This pregnancy is already closed.")),
    }
    let mother = person::Entity::find_by_id(row.mother_id)
        .one(&tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let new_child = NewChild {
        person_id: None,
        person: Some(NewPerson {
            nik: birth.nik.clone(),
            name: birth.name.clone(),
            sex: birth.sex,
            birth_date: birth.birth_date,
            phone: None,
            family_id: mother.family_id,
            bpjs_segment: None,
            bpjs_number: None,
            desa_code: None,
            posyandu_id: Some(row.posyandu_id),
        }),
        mother_id: Some(mother.id),
        posyandu_id: row.posyandu_id,
        birth_weight_g: Some(birth.weight_g),
        birth_length_cm: birth.length_cm,
        kms_held: false,
        buku_kia_held: birth.buku_kia_held,
    };
    let child = children::create_in(
        &tx,
        Authority::Caller(principal),
        new_child,
        BirthLink {
            pregnancy_id: Some(row.id),
            birth_place,
        },
    )
    .await
    .map_err(|e| match e {
        // The child's fields are this request's top-level fields.
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|mut fe| {
                    fe.field = match fe.field.as_str() {
                        "birth_weight_g" => "weight_g".into(),
                        "birth_length_cm" => "length_cm".into(),
                        other => other.trim_start_matches("person.").to_owned(),
                    };
                    fe
                })
                .collect(),
        ),
        other => other,
    })?;
    let row = if row.outcome.is_none() {
        set_outcome(
            &tx,
            &Actor::from(principal),
            row,
            PregnancyOutcome::LiveBirth,
            birth.birth_date,
            None,
        )
        .await?
    } else {
        row
    };
    let today = clock::today_at(&row.province_code);
    let pregnancy = to_wire_many(&tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    let immunisation_due = immunisation::due_now(birth.birth_date, today);
    Ok(Birth {
        pregnancy,
        low_birth_weight: birth.weight_g < 2500,
        child,
        immunisation_due,
    })
}

// ------------------------------------------------------ antenatal contacts

fn provider_code(p: AncProvider) -> &'static str {
    match p {
        AncProvider::Bidan => "bidan",
        AncProvider::Doctor => "doctor",
    }
}

fn contact_to_wire(
    row: antenatal_contact::Model,
    number: u32,
    hpht: NaiveDate,
) -> AntenatalContact {
    let age = rules::gestational_age(hpht, row.contact_date)
        .unwrap_or(rules::GestationalAge { weeks: 0, days: 0 });
    AntenatalContact {
        id: row.id,
        pregnancy_id: row.pregnancy_id,
        number,
        date: row.contact_date,
        provider: if row.provider == "doctor" {
            AncProvider::Doctor
        } else {
            AncProvider::Bidan
        },
        place: row.place,
        gestational_age: age_wire(age),
        trimester: trimester_wire(
            rules::trimester(hpht, row.contact_date).unwrap_or(rules::Trimester::First),
        ),
        weight_kg: row.weight_kg,
        lila_cm: row.lila_cm,
        hb_g_dl: row.hb_g_dl,
        systolic: row.systolic,
        diastolic: row.diastolic,
        iron_tablets: row.iron_tablets,
        td_given: row.td_given,
        notes: row.notes,
        kek: row.kek,
        anaemia: row.anaemia,
        hypertension: row.hypertension,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
    }
}

fn numbered(rows: Vec<antenatal_contact::Model>, hpht: NaiveDate) -> Vec<AntenatalContact> {
    let dates: Vec<NaiveDate> = rows.iter().map(|r| r.contact_date).collect();
    let numbers = rules::number_contacts(&dates);
    rows.into_iter()
        .zip(numbers)
        .map(|(row, n)| contact_to_wire(row, n, hpht))
        .collect()
}

pub async fn list_contacts(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<AntenatalContact>> {
    principal.require(Scope::ReadPeople)?;
    let row = find(db, principal, id).await?;
    Ok(numbered(live_contacts(db, &[id]).await?, row.hpht))
}

fn check_contact_values(invalid: &mut Invalid, new: &NewAntenatalContact) {
    let ranges: [(&str, Option<f64>, f64, f64, &str); 3] = [
        (
            "weight_kg",
            new.weight_kg,
            25.0,
            200.0,
            "Weight is 25 to 200 kg.",
        ),
        ("lila_cm", new.lila_cm, 10.0, 60.0, "LILA is 10 to 60 cm."),
        ("hb_g_dl", new.hb_g_dl, 3.0, 20.0, "Hb is 3 to 20 g/dL."),
    ];
    for (field, value, low, high, message) in ranges {
        if value.is_some_and(|v| !(v.is_finite() && (low..=high).contains(&v))) {
            invalid.add(field, "out_of_range", message);
        }
    }
    match (new.systolic, new.diastolic) {
        (Some(s), Some(d)) => {
            if !(60..=260).contains(&s) {
                invalid.add("systolic", "out_of_range", "Systolic is 60 to 260 mmHg.");
            }
            if !(30..=160).contains(&d) {
                invalid.add("diastolic", "out_of_range", "Diastolic is 30 to 160 mmHg.");
            }
            if d >= s {
                invalid.add(
                    "diastolic",
                    "invalid",
                    "Diastolic must be lower than systolic.",
                );
            }
        }
        (None, None) => {}
        _ => invalid.add(
            "systolic",
            "invalid",
            "Give both systolic and diastolic, or neither.",
        ),
    }
    if !(0..=180).contains(&new.iron_tablets) {
        invalid.add("iron_tablets", "out_of_range", "Iron tablets are 0 to 180.");
    }
}

/// A contact with the same values on a day already recorded answers with the
/// stored one; different values on that day are refused (correct the stored
/// one instead), like weighings.
pub enum ContactRecorded {
    Created(AntenatalContact),
    Existing(AntenatalContact),
}

pub async fn add_contact(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    new: NewAntenatalContact,
) -> ApiResult<ContactRecorded> {
    principal.require(Scope::WriteHealth)?;
    let mut invalid = Invalid::new();
    check_contact_values(&mut invalid, &new);
    let place_text = invalid.check("place", codes::optional_text(new.place.as_deref(), 200));
    let notes = invalid.check("notes", codes::optional_text(new.notes.as_deref(), 1000));
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    if let Err(e) = rules::check_contact_date(row.hpht, new.date, clock::latest_date()) {
        return Err(pregnancy_error("date", e));
    }
    if row.outcome_date.is_some_and(|end| new.date > end) {
        return Err(ApiError::field(
            "date",
            "invalid",
            "The date is after the pregnancy ended.",
        ));
    }
    let contact = rules::Contact {
        date: new.date,
        by_doctor: new.provider == AncProvider::Doctor,
        lila_cm: new.lila_cm,
        hb_g_dl: new.hb_g_dl,
        systolic: new.systolic,
        diastolic: new.diastolic,
        iron_tablets: new.iron_tablets,
    };
    let flags = rules::contact_flags(row.hpht, &contact);
    let existing = live_contacts(&tx, &[id]).await?;
    if let Some(same_day) = existing.iter().find(|c| c.contact_date == new.date) {
        let same = same_day.provider == provider_code(new.provider)
            && same_day.weight_kg == new.weight_kg
            && same_day.lila_cm == new.lila_cm
            && same_day.hb_g_dl == new.hb_g_dl
            && same_day.systolic == new.systolic
            && same_day.diastolic == new.diastolic
            && same_day.iron_tablets == new.iron_tablets
            && same_day.td_given == new.td_given;
        if same {
            let all = numbered(existing.clone(), row.hpht);
            let found = all
                .into_iter()
                .find(|c| c.date == new.date)
                .expect("present");
            return Ok(ContactRecorded::Existing(found));
        }
        return Err(ApiError::conflict(
            "A different antenatal contact is already recorded on this day.",
        ));
    }
    let gestational_days = (new.date - row.hpht).num_days() as i32;
    let now = clock::now();
    let contact_row = antenatal_contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        pregnancy_id: Set(id),
        contact_date: Set(new.date),
        provider: Set(provider_code(new.provider).into()),
        place: Set(place_text.flatten()),
        weight_kg: Set(new.weight_kg),
        lila_cm: Set(new.lila_cm),
        hb_g_dl: Set(new.hb_g_dl),
        systolic: Set(new.systolic),
        diastolic: Set(new.diastolic),
        iron_tablets: Set(new.iron_tablets),
        td_given: Set(new.td_given),
        notes: Set(notes.flatten()),
        gestational_days: Set(gestational_days),
        kek: Set(flags.kek),
        anaemia: Set(flags.anaemia),
        hypertension: Set(flags.hypertension),
        recorded_by: Set(Actor::from(principal).actor),
        province_code: Set(row.province_code.clone()),
        kabupaten_code: Set(row.kabupaten_code.clone()),
        kecamatan_code: Set(row.kecamatan_code.clone()),
        desa_code: Set(row.desa_code.clone()),
        puskesmas_id: Set(row.puskesmas_id),
        posyandu_id: Set(row.posyandu_id),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = match antenatal_contact::Entity::insert(contact_row)
        .exec_with_returning(&tx)
        .await
    {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict(
                "An antenatal contact is already recorded on this day.",
            ));
        }
        other => other?,
    };
    let new_id = inserted.id;
    let mut all = existing;
    all.push(inserted);
    all.sort_by_key(|c| (c.contact_date, c.id));
    let wire = numbered(all, row.hpht)
        .into_iter()
        .find(|c| c.id == new_id)
        .expect("present");
    audit::record(
        &tx,
        &Actor::from(principal),
        "create",
        "antenatal_contact",
        &new_id.to_string(),
        &place(&row).location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(ContactRecorded::Created(wire))
}
