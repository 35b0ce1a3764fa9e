//! Families, people and the dated events of their lives.
use entity::{bpjs_change, counter, family, person, person_event, posyandu};
use openapi::growth::Sex;
use openapi::registry::{
    BpjsSegment, Family, FamilyPatch, NewFamily, NewPerson, NewPersonEvent, Person, PersonEvent,
    PersonPatch, PersonStatus,
};
use openapi::{Page, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::nik::{self, Nik};
use crate::domain::phone::PhoneNumber;
use crate::domain::{codes, public_code, wilayah};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::areas::ensure_region;
use crate::services::audit::{self, Actor};

/// Where a registry row lives: its desa, and the posyandu (with its
/// puskesmas) it is attached to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub province: String,
    pub kabupaten: String,
    pub kecamatan: String,
    pub desa: String,
    pub puskesmas: Option<Uuid>,
    pub posyandu: Option<Uuid>,
}

impl Place {
    pub fn of_desa(code: &str) -> Place {
        let l = Location::of_region(code);
        Place {
            province: l.province.unwrap_or_default(),
            kabupaten: l.kabupaten.unwrap_or_default(),
            kecamatan: l.kecamatan.unwrap_or_default(),
            desa: code.to_owned(),
            puskesmas: None,
            posyandu: None,
        }
    }

    pub fn of_posyandu(row: &posyandu::Model) -> Place {
        Place {
            puskesmas: Some(row.puskesmas_id),
            posyandu: Some(row.id),
            ..Place::of_desa(&row.desa_code)
        }
    }

    pub fn location(&self) -> Location {
        Location {
            province: Some(self.province.clone()),
            kabupaten: Some(self.kabupaten.clone()),
            kecamatan: Some(self.kecamatan.clone()),
            desa: Some(self.desa.clone()),
            puskesmas: self.puskesmas,
            posyandu: self.posyandu,
        }
    }
}

/// Lower case without accents, for matching names the way a clerk would.
pub fn fold_name(name: &str) -> String {
    name.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::L => "L",
        Sex::P => "P",
    }
}

pub fn parse_sex(code: &str) -> Sex {
    if code == "P" { Sex::P } else { Sex::L }
}

fn segment_code(segment: BpjsSegment) -> &'static str {
    match segment {
        BpjsSegment::Pbi => "pbi",
        BpjsSegment::NonPbi => "non_pbi",
        BpjsSegment::None => "none",
    }
}

fn parse_segment(code: &str) -> Option<BpjsSegment> {
    match code {
        "pbi" => Some(BpjsSegment::Pbi),
        "non_pbi" => Some(BpjsSegment::NonPbi),
        "none" => Some(BpjsSegment::None),
        _ => None,
    }
}

fn status_code(status: PersonStatus) -> &'static str {
    match status {
        PersonStatus::Active => "active",
        PersonStatus::Moved => "moved",
        PersonStatus::Deceased => "deceased",
    }
}

fn parse_status(code: &str) -> PersonStatus {
    match code {
        "moved" => PersonStatus::Moved,
        "deceased" => PersonStatus::Deceased,
        _ => PersonStatus::Active,
    }
}

pub fn person_to_wire(row: person::Model) -> Person {
    Person {
        id: row.id,
        code: row.code,
        nik: row.nik,
        name: row.name,
        sex: parse_sex(&row.sex),
        birth_date: row.birth_date,
        phone: row.phone,
        family_id: row.family_id,
        bpjs_segment: row.bpjs_segment.as_deref().and_then(parse_segment),
        bpjs_number: row.bpjs_number,
        status: parse_status(&row.status),
        status_date: row.status_date,
        desa_code: row.desa_code,
        posyandu_id: row.posyandu_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
    }
}

pub fn person_place(row: &person::Model) -> Place {
    Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: row.puskesmas_id,
        posyandu: row.posyandu_id,
    }
}

/// Hands out the next public code: a sequence number (from 1000, so every
/// code has at least five characters) with a Damm check digit.
async fn next_code<C: ConnectionTrait>(db: &C) -> ApiResult<String> {
    let last = reserve_codes(db, 1).await?;
    Ok(public_code::encode(last as u64))
}

/// Reserves `n` sequence numbers at once; returns the last (the block is
/// `last - n + 1 ..= last`). Encode each with [`public_code::encode`].
pub async fn reserve_codes<C: ConnectionTrait>(db: &C, n: i64) -> ApiResult<i64> {
    let now = clock::now();
    counter::Entity::insert(counter::ActiveModel {
        name: Set("person_code".into()),
        value: Set(999),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(counter::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let rows = counter::Entity::update_many()
        .col_expr(
            counter::Column::Value,
            Expr::col(counter::Column::Value).add(n),
        )
        .col_expr(counter::Column::UpdatedAt, Expr::value(now))
        .filter(counter::Column::Name.eq("person_code"))
        .exec_with_returning(db)
        .await?;
    rows.first()
        .map(|r| r.value)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the person code counter is missing")))
}

/// The posyandu a caller refers to, if visible to them.
pub async fn visible_posyandu<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    id: Uuid,
    field: &str,
) -> ApiResult<posyandu::Model> {
    let mut select = posyandu::Entity::find_by_id(id).filter(posyandu::Column::DeletedAt.is_null());
    if let Authority::Caller(principal) = authority {
        select = select.filter(principal.area.condition::<posyandu::Entity>());
    }
    select
        .one(db)
        .await?
        .ok_or_else(|| ApiError::field(field, "unknown", "There is no such posyandu in your area."))
}

/// Validated fields of a new person, before it is stored.
pub struct PersonDraft {
    pub nik: Option<String>,
    pub name: String,
    pub sex: Sex,
    pub birth_date: chrono::NaiveDate,
    pub phone: Option<String>,
    pub family_id: Option<Uuid>,
    pub bpjs_segment: Option<BpjsSegment>,
    pub bpjs_number: Option<String>,
    pub place: Place,
}

/// Checks a new person's fields; errors are named under `prefix`
/// (`person.` when nested in another request).
pub async fn draft_person<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    new: &NewPerson,
    prefix: &str,
    invalid: &mut Invalid,
) -> ApiResult<Option<PersonDraft>> {
    let field = |name: &str| format!("{prefix}{name}");
    let name = invalid.check(&field("name"), codes::name(&new.name, 100));
    if new.birth_date > clock::latest_date() {
        invalid.add(
            &field("birth_date"),
            "invalid",
            "The birth date is in the future.",
        );
    }
    if new.birth_date < clock::latest_date() - chrono::Duration::days(365 * 130) {
        invalid.add(
            &field("birth_date"),
            "invalid",
            "The birth date is more than 130 years ago.",
        );
    }
    let nik = match new.nik.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(text) => match Nik::parse(text) {
            Ok(nik) => match nik.check_against(
                new.birth_date,
                if new.sex == Sex::P {
                    nik::Sex::Female
                } else {
                    nik::Sex::Male
                },
            ) {
                Ok(()) => Some(nik.as_str().to_owned()),
                Err(p) => {
                    invalid.add(&field("nik"), p.code, p.message);
                    None
                }
            },
            Err(p) => {
                invalid.add(&field("nik"), p.code, p.message);
                None
            }
        },
        None => None,
    };
    let phone = new
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| invalid.check(&field("phone"), PhoneNumber::parse(p)))
        .map(PhoneNumber::into_string);
    let bpjs_number = new
        .bpjs_number
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| invalid.check(&field("bpjs_number"), nik::bpjs_number(p)));
    let desa = match new.desa_code.as_deref() {
        Some(code) => invalid.check(&field("desa_code"), wilayah::known_desa(code)),
        None => None,
    };
    let place = match new.posyandu_id {
        Some(id) => match visible_posyandu(db, authority, id, &field("posyandu_id")).await {
            // Living in another desa while attending this posyandu is fine.
            Ok(posyandu) => Some(match desa {
                Some(desa) => Place {
                    puskesmas: Some(posyandu.puskesmas_id),
                    posyandu: Some(posyandu.id),
                    ..Place::of_desa(&desa)
                },
                None => Place::of_posyandu(&posyandu),
            }),
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    invalid.add(&e.field, &e.code, e.message);
                }
                None
            }
            Err(other) => return Err(other),
        },
        None if new.desa_code.is_none() => {
            invalid.add(
                &field("desa_code"),
                "required",
                "Give the desa where the person lives, or their posyandu.",
            );
            None
        }
        None => desa.map(|d| Place::of_desa(&d)),
    };
    if let Some(family_id) = new.family_id {
        let family = find_family_for(db, authority, family_id).await?;
        if family.is_none() {
            invalid.add(
                &field("family_id"),
                "unknown",
                "There is no such family in your area.",
            );
        }
    }
    let (Some(name), Some(place)) = (name, place) else {
        return Ok(None);
    };
    Ok(Some(PersonDraft {
        nik,
        name,
        sex: new.sex,
        birth_date: new.birth_date,
        phone,
        family_id: new.family_id,
        bpjs_segment: new.bpjs_segment,
        bpjs_number,
        place,
    }))
}

/// Stores a drafted person (inside the caller's transaction), with its
/// `registered` event.
pub async fn insert_person<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    draft: PersonDraft,
) -> ApiResult<person::Model> {
    if !authority.contains(&draft.place.location()) {
        return Err(ApiError::outside_area(
            "People can be registered only inside your own area.",
        ));
    }
    ensure_region(db, &draft.place.desa).await?;
    let now = clock::now();
    let id = Uuid::now_v7();
    let p = &draft.place;
    let row = person::ActiveModel {
        id: Set(id),
        code: Set(next_code(db).await?),
        nik: Set(draft.nik.clone()),
        name_folded: Set(fold_name(&draft.name)),
        name: Set(draft.name),
        sex: Set(sex_code(draft.sex).into()),
        birth_date: Set(draft.birth_date),
        phone: Set(draft.phone),
        family_id: Set(draft.family_id),
        bpjs_segment: Set(draft.bpjs_segment.map(|s| segment_code(s).to_owned())),
        bpjs_number: Set(draft.bpjs_number),
        status: Set("active".into()),
        status_date: Set(None),
        province_code: Set(p.province.clone()),
        kabupaten_code: Set(p.kabupaten.clone()),
        kecamatan_code: Set(p.kecamatan.clone()),
        desa_code: Set(p.desa.clone()),
        puskesmas_id: Set(p.puskesmas),
        posyandu_id: Set(p.posyandu),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = match person::Entity::insert(row).exec_with_returning(db).await {
        Err(e) if is_unique_violation(&e) && e.to_string().contains("nik") => {
            return Err(ApiError::field(
                "nik",
                "taken",
                "Another person is registered with this NIK.",
            ));
        }
        other => other?,
    };
    let actor = authority.actor();
    record_event(
        db,
        &actor,
        &inserted,
        "registered",
        clock::today_at(&inserted.province_code),
        EventDetail::default(),
    )
    .await?;
    audit::record(
        db,
        &actor,
        "create",
        "person",
        &id.to_string(),
        &draft.place.location(),
        audit::diff(None, &person_to_wire(inserted.clone())),
    )
    .await?;
    Ok(inserted)
}

/// What an event says beyond its kind and date.
#[derive(Debug, Default)]
pub struct EventDetail {
    pub note: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
}

pub async fn record_event<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    person: &person::Model,
    kind: &str,
    date: chrono::NaiveDate,
    detail: EventDetail,
) -> ApiResult<person_event::Model> {
    let now = clock::now();
    let row = person_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person.id),
        kind: Set(kind.to_owned()),
        event_date: Set(date),
        note: Set(detail.note),
        origin: Set(detail.origin),
        destination: Set(detail.destination),
        recorded_by: Set(actor.actor.clone()),
        province_code: Set(person.province_code.clone()),
        kabupaten_code: Set(person.kabupaten_code.clone()),
        kecamatan_code: Set(person.kecamatan_code.clone()),
        desa_code: Set(person.desa_code.clone()),
        puskesmas_id: Set(person.puskesmas_id),
        posyandu_id: Set(person.posyandu_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(person_event::Entity::insert(row)
        .exec_with_returning(db)
        .await?)
}

pub async fn create_person(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewPerson,
) -> ApiResult<Person> {
    authority.require(Scope::WritePeople)?;
    let mut invalid = Invalid::new();
    let draft = draft_person(db, authority, &new, "", &mut invalid).await?;
    invalid.finish()?;
    let draft = draft.expect("valid");
    let tx = begin_write(db).await?;
    let row = insert_person(&tx, authority, draft).await?;
    tx.commit().await?;
    Ok(person_to_wire(row))
}

pub async fn find_person<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<person::Model> {
    person::Entity::find_by_id(id)
        .filter(principal.area.condition::<person::Entity>())
        .filter(person::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get_person(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Person> {
    principal.require(Scope::ReadPeople)?;
    Ok(person_to_wire(find_person(db, principal, id).await?))
}

pub struct PersonFilter {
    pub name: Option<String>,
    pub code: Option<String>,
    pub nik: Option<String>,
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub family_id: Option<Uuid>,
}

pub async fn list_people(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: PersonFilter,
    page: PageRequest,
) -> ApiResult<Page<Person>> {
    principal.require(Scope::ReadPeople)?;
    let mut select = person::Entity::find().filter(principal.area.condition::<person::Entity>());
    if !page.includes_deleted() {
        select = select.filter(person::Column::DeletedAt.is_null());
    }
    if let Some(name) = filter.name.map(|n| fold_name(&n)).filter(|n| !n.is_empty()) {
        select = select.filter(person::Column::NameFolded.contains(name));
    }
    if let Some(code) = filter.code {
        select = select.filter(person::Column::Code.eq(code.trim()));
    }
    if let Some(nik) = filter.nik {
        select = select.filter(person::Column::Nik.eq(nik.trim()));
    }
    if let Some(id) = filter.posyandu_id {
        select = select.filter(person::Column::PosyanduId.eq(id));
    }
    if let Some(code) = filter.desa_code {
        let code = wilayah::normalise_code(&code)
            .map_err(|p| ApiError::field("desa_code", p.code, p.message))?;
        select = select.filter(person::Column::DesaCode.eq(code));
    }
    if let Some(id) = filter.family_id {
        select = select.filter(person::Column::FamilyId.eq(id));
    }
    let rows = page
        .apply(select, person::Column::Id, person::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(person_to_wire).collect(),
        next_cursor,
    })
}

pub async fn update_person(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: PersonPatch,
) -> ApiResult<Person> {
    principal.require(Scope::WritePeople)?;
    let tx = begin_write(db).await?;
    let row = find_person(&tx, principal, id).await?;
    let before = person_to_wire(row.clone());
    let mut invalid = Invalid::new();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| invalid.check("name", codes::name(n, 100)));
    let sex = patch.sex.unwrap_or(parse_sex(&row.sex));
    let birth_date = patch.birth_date.unwrap_or(row.birth_date);
    if birth_date > clock::latest_date() {
        invalid.add("birth_date", "invalid", "The birth date is in the future.");
    }
    let nik_text = match &patch.nik {
        Some(value) => value.clone(),
        None => row.nik.clone(),
    };
    let nik = match nik_text.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(text) => match Nik::parse(text).and_then(|n| {
            n.check_against(
                birth_date,
                if sex == Sex::P {
                    nik::Sex::Female
                } else {
                    nik::Sex::Male
                },
            )
            .map(|_| n)
        }) {
            Ok(n) => Some(n.as_str().to_owned()),
            Err(p) => {
                invalid.add("nik", p.code, p.message);
                None
            }
        },
        None => None,
    };
    let phone = match &patch.phone {
        Some(Some(p)) if !p.trim().is_empty() => invalid
            .check("phone", PhoneNumber::parse(p))
            .map(|p| Some(p.into_string())),
        Some(_) => Some(None),
        None => None,
    };
    let bpjs_number = match &patch.bpjs_number {
        Some(Some(n)) if !n.trim().is_empty() => {
            invalid.check("bpjs_number", nik::bpjs_number(n)).map(Some)
        }
        Some(_) => Some(None),
        None => None,
    };
    if let Some(Some(family_id)) = patch.family_id
        && find_family(&tx, principal, family_id).await.is_err()
    {
        invalid.add(
            "family_id",
            "unknown",
            "There is no such family in your area.",
        );
    }
    invalid.finish()?;
    let row_segment = row.bpjs_segment.clone();
    let row_identity = (row.sex.clone(), row.birth_date);
    let mut active = row.into_active_model();
    if let Some(name) = name {
        active.name_folded = Set(fold_name(&name));
        active.name = Set(name);
    }
    active.sex = Set(sex_code(sex).into());
    active.birth_date = Set(birth_date);
    active.nik = Set(nik);
    if let Some(phone) = phone {
        active.phone = Set(phone);
    }
    if let Some(number) = bpjs_number {
        active.bpjs_number = Set(number);
    }
    let segment_change = patch
        .bpjs_segment
        .map(|segment| segment_code(segment).to_owned())
        .filter(|code| row_segment.as_deref() != Some(code.as_str()));
    if let Some(code) = &segment_change {
        active.bpjs_segment = Set(Some(code.clone()));
    }
    if let Some(family) = patch.family_id {
        active.family_id = Set(family);
    }
    active.updated_at = Set(clock::now());
    let updated = match active.update(&tx).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(
                "nik",
                "taken",
                "Another person is registered with this NIK.",
            ));
        }
        other => other?,
    };
    let place = person_place(&updated);
    if row_identity != (updated.sex.clone(), updated.birth_date) {
        // A child's monthly weighing summary carries its sex and birth date.
        crate::services::child_months::person_corrected(
            &*tx,
            updated.id,
            &updated.sex,
            updated.birth_date,
        )
        .await?;
    }
    if segment_change.is_some() {
        record_segment_change(&tx, principal, &updated, row_segment).await?;
    }
    let after = person_to_wire(updated);
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "person",
            &id.to_string(),
            &place.location(),
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Keeps the history of BPJS segments, so that people who lost PBI can be
/// listed.
async fn record_segment_change<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    person: &person::Model,
    from: Option<String>,
) -> ApiResult<()> {
    let now = clock::now();
    bpjs_change::Entity::insert(bpjs_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person.id),
        from_segment: Set(from),
        to_segment: Set(person.bpjs_segment.clone()),
        changed_on: Set(clock::today_at(&person.province_code)),
        recorded_by: Set(Actor::from(principal).actor),
        province_code: Set(person.province_code.clone()),
        kabupaten_code: Set(person.kabupaten_code.clone()),
        kecamatan_code: Set(person.kecamatan_code.clone()),
        desa_code: Set(person.desa_code.clone()),
        puskesmas_id: Set(person.puskesmas_id),
        posyandu_id: Set(person.posyandu_id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records an arrival, a move, a death or a return; the status follows the
/// latest event.
pub async fn add_event(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    new: NewPersonEvent,
) -> ApiResult<PersonEvent> {
    principal.require(Scope::WritePeople)?;
    let status = match new.kind.as_str() {
        "arrived" | "returned" => PersonStatus::Active,
        "moved" => PersonStatus::Moved,
        "deceased" => PersonStatus::Deceased,
        _ => {
            return Err(ApiError::field(
                "kind",
                "invalid",
                "The kind is `arrived`, `moved`, `deceased` or `returned`.",
            ));
        }
    };
    let mut invalid = Invalid::new();
    if new.event_date > clock::latest_date() {
        invalid.add("event_date", "invalid", "The date is in the future.");
    }
    let note = invalid.check("note", codes::optional_text(new.note.as_deref(), 500));
    let origin = invalid.check("origin", codes::optional_text(new.origin.as_deref(), 200));
    let destination = invalid.check(
        "destination",
        codes::optional_text(new.destination.as_deref(), 200),
    );
    if new.origin.is_some() && new.kind != "arrived" {
        invalid.add("origin", "invalid", "Only an arrival has an origin.");
    }
    if new.destination.is_some() && new.kind != "moved" {
        invalid.add("destination", "invalid", "Only a move has a destination.");
    }
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = find_person(&tx, principal, id).await?;
    if new.event_date < row.birth_date {
        return Err(ApiError::field(
            "event_date",
            "invalid",
            "The date is before the person was born.",
        ));
    }
    if row.status == "deceased" {
        return Err(ApiError::conflict("This person is recorded as deceased."));
    }
    let actor = Actor::from(principal);
    let detail = EventDetail {
        note: note.flatten(),
        origin: origin.flatten(),
        destination: destination.flatten(),
    };
    let event = record_event(&tx, &actor, &row, &new.kind, new.event_date, detail).await?;
    let place = person_place(&row);
    let before = status_code(parse_status(&row.status));
    let mut active = row.into_active_model();
    active.status = Set(status_code(status).into());
    active.status_date = Set(Some(new.event_date));
    active.updated_at = Set(clock::now());
    active.update(&tx).await?;
    audit::record(
        &tx,
        &actor,
        "update",
        "person",
        &id.to_string(),
        &place.location(),
        Some(serde_json::json!({"status": [before, status_code(status)]})),
    )
    .await?;
    tx.commit().await?;
    Ok(event_to_wire(event))
}

fn event_to_wire(row: person_event::Model) -> PersonEvent {
    PersonEvent {
        id: row.id,
        person_id: row.person_id,
        kind: row.kind,
        event_date: row.event_date,
        note: row.note,
        origin: row.origin,
        destination: row.destination,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
    }
}

pub async fn list_events(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<PersonEvent>> {
    principal.require(Scope::ReadPeople)?;
    find_person(db, principal, id).await?;
    Ok(person_event::Entity::find()
        .filter(person_event::Column::PersonId.eq(id))
        .order_by_asc(person_event::Column::EventDate)
        .order_by_asc(person_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(event_to_wire)
        .collect())
}

// ----------------------------------------------------------------- families

fn family_to_wire(row: family::Model) -> Family {
    Family {
        id: row.id,
        no_kk: row.no_kk,
        desil: row.desil,
        address: row.address,
        desa_code: row.desa_code,
        posyandu_id: row.posyandu_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
    }
}

fn check_desil(invalid: &mut Invalid, desil: Option<i16>) {
    if desil.is_some_and(|d| !(1..=10).contains(&d)) {
        invalid.add("desil", "out_of_range", "The desil is 1 (poorest) to 10.");
    }
}

async fn find_family_for<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    id: Uuid,
) -> ApiResult<Option<family::Model>> {
    let mut select = family::Entity::find_by_id(id).filter(family::Column::DeletedAt.is_null());
    if let Authority::Caller(principal) = authority {
        select = select.filter(principal.area.condition::<family::Entity>());
    }
    Ok(select.one(db).await?)
}

async fn find_family<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<family::Model> {
    find_family_for(db, Authority::Caller(principal), id)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn create_family(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewFamily,
) -> ApiResult<Family> {
    authority.require(Scope::WritePeople)?;
    let mut invalid = Invalid::new();
    let no_kk = new
        .no_kk
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| invalid.check("no_kk", nik::no_kk(n)));
    check_desil(&mut invalid, new.desil);
    let address = invalid.check("address", codes::optional_text(new.address.as_deref(), 300));
    let desa = match new.desa_code.as_deref() {
        Some(code) => invalid.check("desa_code", wilayah::known_desa(code)),
        None => None,
    };
    let posyandu = match new.posyandu_id {
        Some(id) => match visible_posyandu(db, authority, id, "posyandu_id").await {
            Ok(p) => Some(p),
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    invalid.add(&e.field, &e.code, e.message);
                }
                None
            }
            Err(other) => return Err(other),
        },
        None => {
            if new.desa_code.is_none() {
                invalid.add(
                    "desa_code",
                    "required",
                    "Give the desa where the family lives, or its posyandu.",
                );
            }
            None
        }
    };
    invalid.finish()?;
    let place = match (desa, posyandu) {
        (Some(desa), Some(p)) => Place {
            puskesmas: Some(p.puskesmas_id),
            posyandu: Some(p.id),
            ..Place::of_desa(&desa)
        },
        (None, Some(p)) => Place::of_posyandu(&p),
        (Some(desa), None) => Place::of_desa(&desa),
        (None, None) => unreachable!("checked above"),
    };
    if !authority.contains(&place.location()) {
        return Err(ApiError::outside_area(
            "Families can be registered only inside your own area.",
        ));
    }
    let now = clock::now();
    let id = Uuid::now_v7();
    let tx = begin_write(db).await?;
    ensure_region(&tx, &place.desa).await?;
    let row = family::ActiveModel {
        id: Set(id),
        no_kk: Set(no_kk),
        desil: Set(new.desil),
        address: Set(address.flatten()),
        province_code: Set(place.province.clone()),
        kabupaten_code: Set(place.kabupaten.clone()),
        kecamatan_code: Set(place.kecamatan.clone()),
        desa_code: Set(place.desa.clone()),
        puskesmas_id: Set(place.puskesmas),
        posyandu_id: Set(place.posyandu),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = match family::Entity::insert(row).exec_with_returning(&tx).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(
                "no_kk",
                "taken",
                "A family with this No. KK is already registered.",
            ));
        }
        other => other?,
    };
    let wire = family_to_wire(inserted);
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "family",
        &id.to_string(),
        &place.location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

pub async fn get_family(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Family> {
    principal.require(Scope::ReadPeople)?;
    Ok(family_to_wire(find_family(db, principal, id).await?))
}

pub async fn list_families(
    db: &DatabaseConnection,
    principal: &Principal,
    desa_code: Option<String>,
    no_kk: Option<String>,
    page: PageRequest,
) -> ApiResult<Page<Family>> {
    principal.require(Scope::ReadPeople)?;
    let mut select = family::Entity::find().filter(principal.area.condition::<family::Entity>());
    if !page.includes_deleted() {
        select = select.filter(family::Column::DeletedAt.is_null());
    }
    if let Some(code) = desa_code {
        let code = wilayah::normalise_code(&code)
            .map_err(|p| ApiError::field("desa_code", p.code, p.message))?;
        select = select.filter(family::Column::DesaCode.eq(code));
    }
    if let Some(no_kk) = no_kk {
        select = select.filter(family::Column::NoKk.eq(no_kk.trim()));
    }
    let rows = page
        .apply(select, family::Column::Id, family::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(family_to_wire).collect(),
        next_cursor,
    })
}

pub async fn update_family(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: FamilyPatch,
) -> ApiResult<Family> {
    principal.require(Scope::WritePeople)?;
    let mut invalid = Invalid::new();
    let no_kk = match &patch.no_kk {
        Some(Some(n)) if !n.trim().is_empty() => invalid.check("no_kk", nik::no_kk(n)).map(Some),
        Some(_) => Some(None),
        None => None,
    };
    if let Some(desil) = patch.desil {
        check_desil(&mut invalid, desil);
    }
    let address = match &patch.address {
        Some(a) => invalid.check("address", codes::optional_text(a.as_deref(), 300)),
        None => None,
    };
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = find_family(&tx, principal, id).await?;
    let before = family_to_wire(row.clone());
    let place = Place {
        puskesmas: row.puskesmas_id,
        posyandu: row.posyandu_id,
        ..Place::of_desa(&row.desa_code)
    };
    let mut active = row.into_active_model();
    if let Some(no_kk) = no_kk {
        active.no_kk = Set(no_kk);
    }
    if let Some(desil) = patch.desil {
        active.desil = Set(desil);
    }
    if let Some(address) = address {
        active.address = Set(address);
    }
    active.updated_at = Set(clock::now());
    let updated = match active.update(&tx).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(
                "no_kk",
                "taken",
                "A family with this No. KK is already registered.",
            ));
        }
        other => other?,
    };
    let after = family_to_wire(updated);
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "family",
            &id.to_string(),
            &place.location(),
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// People of the same family, for the family view.
pub async fn family_members(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<Person>> {
    principal.require(Scope::ReadPeople)?;
    find_family(db, principal, id).await?;
    Ok(person::Entity::find()
        .filter(person::Column::FamilyId.eq(id))
        .filter(person::Column::DeletedAt.is_null())
        .filter(principal.area.condition::<person::Entity>())
        .order_by_asc(person::Column::BirthDate)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(person_to_wire)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_like_a_clerk_reads_them() {
        assert_eq!(fold_name("  Putu   AYU "), "putu ayu");
        assert_eq!(fold_name("Désirée Ñoman"), "desiree noman");
    }
}
