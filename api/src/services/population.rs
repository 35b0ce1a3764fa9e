//! Who lives where: newcomers (pendatang) a village head must know about,
//! people not yet attached to a posyandu, and BPJS coverage gaps among the
//! poor (desil 1–5) and those who lost PBI.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{bpjs_change, family, person, person_event};
use openapi::Scope;
use openapi::maternal::{CoverageGap, NewNewcomer, Newcomer};
use openapi::registry::BpjsSegment;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::{codes, wilayah};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::Authority;
use crate::services::children::month_bounds;
use crate::services::people::{
    EventDetail, draft_person, insert_person, person_to_wire, record_event,
};

/// The most rows a list returns; a desa has a few thousand people.
const LIST_LIMIT: u64 = 5000;

fn desa_filter(code: Option<&str>) -> ApiResult<Option<String>> {
    code.map(|c| {
        wilayah::normalise_code(c).map_err(|p| ApiError::field("desa_code", p.code, p.message))
    })
    .transpose()
}

/// Registers a person who arrived from elsewhere: the person and an
/// `arrived` event with its origin, in one transaction.
pub async fn register_newcomer(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewNewcomer,
) -> ApiResult<Newcomer> {
    authority.require(Scope::WritePeople)?;
    let mut invalid = Invalid::new();
    let origin = invalid
        .check("origin", codes::optional_text(new.origin.as_deref(), 200))
        .flatten();
    if new.arrived_on > clock::latest_date() {
        invalid.add("arrived_on", "invalid", "The date is in the future.");
    }
    if new.arrived_on < new.person.birth_date {
        invalid.add(
            "arrived_on",
            "invalid",
            "The arrival is before the person was born.",
        );
    }
    let draft = draft_person(db, authority, &new.person, "person.", &mut invalid).await?;
    invalid.finish()?;
    let draft = draft.expect("valid");
    let tx = begin_write(db).await?;
    let row = insert_person(&tx, authority, draft).await?;
    record_event(
        &tx,
        &authority.actor(),
        &row,
        "arrived",
        new.arrived_on,
        EventDetail {
            origin: origin.clone(),
            ..EventDetail::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Newcomer {
        attached: row.posyandu_id.is_some(),
        person: person_to_wire(row),
        arrived_on: new.arrived_on,
        origin,
    })
}

async fn arrivals(
    db: &DatabaseConnection,
    principal: &Principal,
    desa: Option<String>,
    period: Option<(NaiveDate, NaiveDate)>,
) -> ApiResult<Vec<person_event::Model>> {
    let mut select = person_event::Entity::find()
        .filter(principal.area.condition::<person_event::Entity>())
        .filter(person_event::Column::Kind.eq("arrived"));
    if let Some(code) = desa {
        select = select.filter(person_event::Column::DesaCode.eq(code));
    }
    if let Some((first, last)) = period {
        select = select
            .filter(person_event::Column::EventDate.gte(first))
            .filter(person_event::Column::EventDate.lte(last));
    }
    Ok(select
        .order_by_asc(person_event::Column::EventDate)
        .order_by_asc(person_event::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?)
}

async fn people_by_id(
    db: &DatabaseConnection,
    ids: impl Iterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, person::Model>> {
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .filter(person::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

fn newcomer(event: person_event::Model, person: person::Model) -> Newcomer {
    Newcomer {
        attached: person.posyandu_id.is_some(),
        person: person_to_wire(person),
        arrived_on: event.event_date,
        origin: event.origin,
    }
}

/// The newcomers of a month (`2026-11`), for the village head.
pub async fn newcomers(
    db: &DatabaseConnection,
    principal: &Principal,
    desa_code: Option<&str>,
    month: &str,
) -> ApiResult<Vec<Newcomer>> {
    principal.require(Scope::ReadPeople)?;
    let period = month_bounds(month)
        .ok_or_else(|| ApiError::field("month", "invalid", "The month is written like 2026-11."))?;
    let events = arrivals(db, principal, desa_filter(desa_code)?, Some(period)).await?;
    let mut people = people_by_id(db, events.iter().map(|e| e.person_id)).await?;
    Ok(events
        .into_iter()
        .filter_map(|e| {
            let person = people.remove(&e.person_id)?;
            Some(newcomer(e, person))
        })
        .collect())
}

/// People who arrived, still live here, and attend no posyandu yet.
pub async fn unattached(
    db: &DatabaseConnection,
    principal: &Principal,
    desa_code: Option<&str>,
) -> ApiResult<Vec<Newcomer>> {
    principal.require(Scope::ReadPeople)?;
    let events = arrivals(db, principal, desa_filter(desa_code)?, None).await?;
    let mut people = people_by_id(db, events.iter().map(|e| e.person_id)).await?;
    // The latest arrival of each person.
    let mut latest: HashMap<Uuid, person_event::Model> = HashMap::new();
    for e in events {
        latest.insert(e.person_id, e);
    }
    let mut out: Vec<Newcomer> = latest
        .into_values()
        .filter_map(|e| {
            let person = people.remove(&e.person_id)?;
            (person.status == "active" && person.posyandu_id.is_none()).then(|| newcomer(e, person))
        })
        .collect();
    out.sort_by(|a, b| {
        a.arrived_on
            .cmp(&b.arrived_on)
            .then(a.person.id.cmp(&b.person.id))
    });
    Ok(out)
}

fn segment(code: Option<&str>) -> Option<BpjsSegment> {
    match code {
        Some("pbi") => Some(BpjsSegment::Pbi),
        Some("non_pbi") => Some(BpjsSegment::NonPbi),
        Some("none") => Some(BpjsSegment::None),
        _ => None,
    }
}

async fn families(
    db: &DatabaseConnection,
    ids: impl Iterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, family::Model>> {
    Ok(family::Entity::find()
        .filter(family::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}

fn gap(person: person::Model, desil: Option<i16>, lost_pbi_on: Option<NaiveDate>) -> CoverageGap {
    CoverageGap {
        family_id: person.family_id,
        desil,
        segment: segment(person.bpjs_segment.as_deref()),
        lost_pbi_on,
        person: person_to_wire(person),
    }
}

/// People of families in desil 1–5 without BPJS (segment `none` or not
/// known): the poor the village must keep insured.
pub async fn uninsured_poor(
    db: &DatabaseConnection,
    principal: &Principal,
    desa_code: Option<&str>,
) -> ApiResult<Vec<CoverageGap>> {
    principal.require(Scope::ReadPeople)?;
    let mut select = person::Entity::find()
        .filter(principal.area.condition::<person::Entity>())
        .filter(person::Column::DeletedAt.is_null())
        .filter(person::Column::Status.eq("active"))
        .filter(
            Condition::any()
                .add(person::Column::BpjsSegment.is_null())
                .add(person::Column::BpjsSegment.eq("none")),
        )
        .filter(
            person::Column::FamilyId.in_subquery(
                Query::select()
                    .column(family::Column::Id)
                    .from(family::Entity)
                    .and_where(family::Column::Desil.between(1, 5))
                    .and_where(family::Column::DeletedAt.is_null())
                    .to_owned(),
            ),
        );
    if let Some(code) = desa_filter(desa_code)? {
        select = select.filter(person::Column::DesaCode.eq(code));
    }
    let rows = select
        .order_by_asc(person::Column::DesaCode)
        .order_by_asc(person::Column::NameFolded)
        .order_by_asc(person::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let fams = families(db, rows.iter().filter_map(|p| p.family_id)).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let desil = p.family_id.and_then(|f| fams.get(&f)).and_then(|f| f.desil);
            gap(p, desil, None)
        })
        .collect())
}

/// People whose segment changed away from PBI and who are not PBI now,
/// with the date they lost it (optionally only since a date).
pub async fn lost_pbi(
    db: &DatabaseConnection,
    principal: &Principal,
    desa_code: Option<&str>,
    since: Option<NaiveDate>,
) -> ApiResult<Vec<CoverageGap>> {
    principal.require(Scope::ReadPeople)?;
    let mut select = bpjs_change::Entity::find()
        .filter(principal.area.condition::<bpjs_change::Entity>())
        .filter(bpjs_change::Column::FromSegment.eq("pbi"));
    if let Some(code) = desa_filter(desa_code)? {
        select = select.filter(bpjs_change::Column::DesaCode.eq(code));
    }
    if let Some(since) = since {
        select = select.filter(bpjs_change::Column::ChangedOn.gte(since));
    }
    let changes = select
        .order_by_asc(bpjs_change::Column::ChangedOn)
        .order_by_asc(bpjs_change::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let mut lost_on: HashMap<Uuid, NaiveDate> = HashMap::new();
    for c in &changes {
        lost_on.insert(c.person_id, c.changed_on);
    }
    let people = people_by_id(db, lost_on.keys().copied()).await?;
    let fams = families(db, people.values().filter_map(|p| p.family_id)).await?;
    let mut out: Vec<CoverageGap> = people
        .into_values()
        .filter(|p| p.status == "active" && p.bpjs_segment.as_deref() != Some("pbi"))
        .map(|p| {
            let desil = p.family_id.and_then(|f| fams.get(&f)).and_then(|f| f.desil);
            let on = lost_on.get(&p.id).copied();
            gap(p, desil, on)
        })
        .collect();
    out.sort_by(|a, b| {
        a.lost_pbi_on
            .cmp(&b.lost_pbi_on)
            .then(a.person.id.cmp(&b.person.id))
    });
    Ok(out)
}
