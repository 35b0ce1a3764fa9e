//! Children under five (balita): registration, their latest status, and
//! the lists a posyandu works from (referral, 2T, BGM, stunting, not weighed).
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{child, person, weighing};
use openapi::growth::Sex;
use openapi::registry::{Child, ChildPatch, NewChild};
use openapi::{Page, Scope};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::wilayah;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::audit::{self, Actor};
use crate::services::people::{
    Place, draft_person, insert_person, parse_sex, person_to_wire, visible_posyandu,
};
use crate::services::weighings::{find_child, latest_status};

/// A balita is under five: 60 completed months.
const UNDER_FIVE_DAYS: i64 = 1826;

fn place(row: &child::Model) -> Place {
    Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.posyandu_id),
    }
}

/// The latest weighing of each child.
async fn latest<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, weighing::Model>> {
    let mut latest: HashMap<Uuid, weighing::Model> = HashMap::new();
    if ids.is_empty() {
        return Ok(latest);
    }
    for row in weighing::Entity::find()
        .filter(weighing::Column::ChildId.is_in(ids.iter().copied()))
        .filter(weighing::Column::DeletedAt.is_null())
        .order_by_asc(weighing::Column::MeasuredOn)
        .all(db)
        .await?
    {
        latest.insert(row.child_id, row);
    }
    Ok(latest)
}

async fn to_wire_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<child::Model>,
) -> ApiResult<Vec<Child>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.person_id).collect();
    let people: HashMap<Uuid, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let latest = latest(db, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let person = people.get(&row.person_id)?.clone();
            Some(Child {
                id: row.person_id,
                person: person_to_wire(person),
                mother_id: row.mother_id,
                posyandu_id: row.posyandu_id,
                birth_weight_g: row.birth_weight_g,
                birth_length_cm: row.birth_length_cm,
                kms_held: row.kms_held,
                buku_kia_held: row.buku_kia_held,
                latest: latest.get(&row.person_id).map(latest_status),
                created_at: row.created_at,
                updated_at: row.updated_at,
                deleted_at: row.deleted_at,
            })
        })
        .collect())
}

fn check_birth_values(invalid: &mut Invalid, weight: Option<i32>, length: Option<f64>) {
    if weight.is_some_and(|w| !(300..=6000).contains(&w)) {
        invalid.add(
            "birth_weight_g",
            "out_of_range",
            "Birth weight is 300 to 6,000 g.",
        );
    }
    if length.is_some_and(|l| !(l.is_finite() && (25.0..=65.0).contains(&l))) {
        invalid.add(
            "birth_length_cm",
            "out_of_range",
            "Birth length is 25 to 65 cm.",
        );
    }
}

/// A mother must be a woman of child-bearing age visible to the caller.
async fn check_mother<C: ConnectionTrait>(
    db: &C,
    authority: Authority<'_>,
    id: Uuid,
    child_birth: NaiveDate,
) -> ApiResult<()> {
    let mut select = person::Entity::find_by_id(id).filter(person::Column::DeletedAt.is_null());
    if let Authority::Caller(principal) = authority {
        select = select.filter(principal.area.condition::<person::Entity>());
    }
    let Some(mother) = select.one(db).await? else {
        return Err(ApiError::field(
            "mother_id",
            "unknown",
            "There is no such person in your area.",
        ));
    };
    if parse_sex(&mother.sex) != Sex::P {
        return Err(ApiError::field(
            "mother_id",
            "invalid",
            "The mother must be a woman (sex P).",
        ));
    }
    let age_years = (child_birth - mother.birth_date).num_days() / 365;
    if !(10..=60).contains(&age_years) {
        return Err(ApiError::field(
            "mother_id",
            "invalid",
            "The mother's birth date does not fit a mother of this child.",
        ));
    }
    Ok(())
}

/// Registers a child in its own transaction.
pub async fn create(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewChild,
) -> ApiResult<Child> {
    let tx = begin_write(db).await?;
    let child = create_in(&tx, authority, new, BirthLink::default()).await?;
    tx.commit().await?;
    Ok(child)
}

/// How a child registered at birth is tied to the mother's pregnancy.
#[derive(Debug, Default)]
pub struct BirthLink {
    pub pregnancy_id: Option<Uuid>,
    pub birth_place: Option<String>,
}

/// Registers a child inside the caller's write transaction (a birth
/// registers the baby and closes the pregnancy together).
pub async fn create_in<C: ConnectionTrait>(
    tx: &C,
    authority: Authority<'_>,
    new: NewChild,
    link: BirthLink,
) -> ApiResult<Child> {
    authority.require(Scope::WritePeople)?;
    let mut invalid = Invalid::new();
    check_birth_values(&mut invalid, new.birth_weight_g, new.birth_length_cm);
    let posyandu = match visible_posyandu(tx, authority, new.posyandu_id, "posyandu_id").await {
        Ok(p) => Some(p),
        Err(ApiError::Validation(errors)) => {
            for e in errors {
                invalid.add(&e.field, &e.code, e.message);
            }
            None
        }
        Err(other) => return Err(other),
    };
    let draft = match (&new.person_id, &new.person) {
        (Some(_), Some(_)) => {
            invalid.add(
                "person",
                "invalid",
                "Give either person_id or person, not both.",
            );
            None
        }
        (None, None) => {
            invalid.add(
                "person",
                "required",
                "Give the child's details (person) or an existing person_id.",
            );
            None
        }
        (None, Some(person)) => {
            let mut person = person.clone();
            person.posyandu_id = person.posyandu_id.or(Some(new.posyandu_id));
            draft_person(tx, authority, &person, "person.", &mut invalid).await?
        }
        (Some(_), None) => None,
    };
    invalid.finish()?;
    let posyandu = posyandu.expect("valid");
    let place = Place::of_posyandu(&posyandu);
    if !authority.contains(&place.location()) {
        return Err(ApiError::outside_area(
            "Children can be registered only inside your own area.",
        ));
    }
    let person = match (new.person_id, draft) {
        (Some(id), _) => {
            let mut select =
                person::Entity::find_by_id(id).filter(person::Column::DeletedAt.is_null());
            if let Authority::Caller(principal) = authority {
                select = select.filter(principal.area.condition::<person::Entity>());
            }
            let person = select.one(tx).await?.ok_or_else(|| {
                ApiError::field(
                    "person_id",
                    "unknown",
                    "There is no such person in your area.",
                )
            })?;
            if child::Entity::find_by_id(id).one(tx).await?.is_some() {
                return Err(ApiError::field(
                    "person_id",
                    "taken",
                    "This person is already registered as a child.",
                ));
            }
            person
        }
        (None, Some(draft)) => {
            let age = (clock::now().date_naive() - draft.birth_date).num_days();
            if age > UNDER_FIVE_DAYS {
                return Err(ApiError::field(
                    "person.birth_date",
                    "out_of_range",
                    "A balita is under five years old.",
                ));
            }
            insert_person(tx, authority, draft).await?
        }
        (None, None) => unreachable!("checked above"),
    };
    if (clock::now().date_naive() - person.birth_date).num_days() > UNDER_FIVE_DAYS {
        return Err(ApiError::field(
            "person_id",
            "out_of_range",
            "A balita is under five years old.",
        ));
    }
    if let Some(mother) = new.mother_id {
        check_mother(tx, authority, mother, person.birth_date).await?;
    }
    let now = clock::now();
    let row = child::ActiveModel {
        person_id: Set(person.id),
        mother_id: Set(new.mother_id),
        birth_weight_g: Set(new.birth_weight_g),
        birth_length_cm: Set(new.birth_length_cm),
        pregnancy_id: Set(link.pregnancy_id),
        birth_place: Set(link.birth_place),
        kms_held: Set(new.kms_held),
        buku_kia_held: Set(new.buku_kia_held),
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
    let inserted = child::Entity::insert(row).exec_with_returning(tx).await?;
    let wire = to_wire_many(tx, vec![inserted]).await?.remove(0);
    audit::record(
        tx,
        &authority.actor(),
        "create",
        "child",
        &person.id.to_string(),
        &place.location(),
        audit::diff(None, &wire),
    )
    .await?;
    Ok(wire)
}

pub async fn get(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<Child> {
    principal.require(Scope::ReadPeople)?;
    let (row, _) = find_child(db, principal, id).await?;
    Ok(to_wire_many(db, vec![row]).await?.remove(0))
}

pub struct ChildFilter {
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub mother_id: Option<Uuid>,
    pub name: Option<String>,
    pub code: Option<String>,
    pub nik: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: ChildFilter,
    page: PageRequest,
) -> ApiResult<Page<Child>> {
    principal.require(Scope::ReadPeople)?;
    let mut select = child::Entity::find().filter(principal.area.condition::<child::Entity>());
    if !page.includes_deleted() {
        select = select.filter(child::Column::DeletedAt.is_null());
    }
    if let Some(id) = filter.posyandu_id {
        select = select.filter(child::Column::PosyanduId.eq(id));
    }
    if let Some(code) = filter.desa_code {
        let code = wilayah::normalise_code(&code)
            .map_err(|p| ApiError::field("desa_code", p.code, p.message))?;
        select = select.filter(child::Column::DesaCode.eq(code));
    }
    if let Some(id) = filter.mother_id {
        select = select.filter(child::Column::MotherId.eq(id));
    }
    if let Some(name) = filter
        .name
        .map(|n| crate::services::people::fold_name(&n))
        .filter(|n| !n.is_empty())
    {
        select = select.filter(
            child::Column::PersonId.in_subquery(
                Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .and_where(person::Column::NameFolded.contains(name))
                    .to_owned(),
            ),
        );
    }
    // A public code names one person: look it up first, so the child is
    // found by its key (a subquery lets SQLite's planner, which has no
    // statistics, scan the whole posyandu instead; the chat bot does this
    // lookup for every report).
    if let Some(code) = filter
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let id: Option<Uuid> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(person::Column::Code.eq(code))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .next();
        // An unknown code matches nothing (the nil id is never a person's).
        select = select.filter(child::Column::PersonId.eq(id.unwrap_or(Uuid::nil())));
    }
    if let Some(nik) = filter
        .nik
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        select = select.filter(
            child::Column::PersonId.in_subquery(
                Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .and_where(person::Column::Nik.eq(nik))
                    .to_owned(),
            ),
        );
    }
    let rows = page
        .apply(select, child::Column::PersonId, child::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.person_id));
    Ok(Page {
        items: to_wire_many(db, rows).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    patch: ChildPatch,
) -> ApiResult<Child> {
    principal.require(Scope::WritePeople)?;
    let mut invalid = Invalid::new();
    check_birth_values(
        &mut invalid,
        patch.birth_weight_g.flatten(),
        patch.birth_length_cm.flatten(),
    );
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let (row, person) = find_child(&tx, principal, id).await?;
    let before = to_wire_many(&tx, vec![row.clone()]).await?.remove(0);
    if let Some(Some(mother)) = patch.mother_id {
        check_mother(&tx, Authority::Caller(principal), mother, person.birth_date).await?;
    }
    let mut active = row.clone().into_active_model();
    let mut location = place(&row).location();
    if let Some(posyandu_id) = patch.posyandu_id
        && posyandu_id != row.posyandu_id
    {
        let posyandu = visible_posyandu(
            &tx,
            Authority::Caller(principal),
            posyandu_id,
            "posyandu_id",
        )
        .await?;
        let to = Place::of_posyandu(&posyandu);
        if !principal.area.contains(&to.location()) {
            return Err(ApiError::outside_area(
                "A child can be moved only to a posyandu inside your own area.",
            ));
        }
        active.province_code = Set(to.province.clone());
        active.kabupaten_code = Set(to.kabupaten.clone());
        active.kecamatan_code = Set(to.kecamatan.clone());
        active.desa_code = Set(to.desa.clone());
        active.puskesmas_id = Set(posyandu.puskesmas_id);
        active.posyandu_id = Set(posyandu.id);
        location = to.location();
    }
    if let Some(mother) = patch.mother_id {
        active.mother_id = Set(mother);
    }
    if let Some(weight) = patch.birth_weight_g {
        active.birth_weight_g = Set(weight);
    }
    if let Some(length) = patch.birth_length_cm {
        active.birth_length_cm = Set(length);
    }
    if let Some(held) = patch.kms_held {
        active.kms_held = Set(held);
    }
    if let Some(held) = patch.buku_kia_held {
        active.buku_kia_held = Set(held);
    }
    active.updated_at = Set(clock::now());
    let updated = active.update(&tx).await?;
    let after = to_wire_many(&tx, vec![updated]).await?.remove(0);
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "child",
            &id.to_string(),
            &location,
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

// ----------------------------------------------------- lists that need action

/// Which children a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttentionKind {
    /// Any referral reason at their weighing this month.
    Referral,
    /// 2T this month.
    TwoT,
    /// Below the red line this month.
    Bgm,
    /// Stunted at their weighing this month.
    Stunting,
    /// Registered, under five, active, and not weighed this month.
    NotWeighed,
}

/// The first and last day of a `YYYY-MM` month.
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

pub struct AttentionFilter {
    pub kind: AttentionKind,
    pub month: (NaiveDate, NaiveDate),
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
}

/// The children needing attention in a month, in id order.
pub async fn attention(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: AttentionFilter,
    page: PageRequest,
) -> ApiResult<Page<Child>> {
    principal.require(Scope::ReadPeople)?;
    let (first, last) = filter.month;
    let mut children = child::Entity::find()
        .filter(principal.area.condition::<child::Entity>())
        .filter(child::Column::DeletedAt.is_null());
    if let Some(id) = filter.posyandu_id {
        children = children.filter(child::Column::PosyanduId.eq(id));
    }
    if let Some(id) = filter.puskesmas_id {
        children = children.filter(child::Column::PuskesmasId.eq(id));
    }
    if let Some(code) = &filter.desa_code {
        let code = wilayah::normalise_code(code)
            .map_err(|p| ApiError::field("desa_code", p.code, p.message))?;
        children = children.filter(child::Column::DesaCode.eq(code));
    }
    let weighed_this_month = |flag: Option<Condition>| {
        let mut query = Query::select();
        query
            .column(weighing::Column::ChildId)
            .from(weighing::Entity)
            .and_where(weighing::Column::DeletedAt.is_null())
            .and_where(weighing::Column::MeasuredOn.gte(first))
            .and_where(weighing::Column::MeasuredOn.lte(last));
        if let Some(flag) = flag {
            query.cond_where(flag);
        }
        query.to_owned()
    };
    children = match filter.kind {
        AttentionKind::Referral => {
            children.filter(child::Column::PersonId.in_subquery(weighed_this_month(Some(
                Condition::all().add(weighing::Column::Referral.ne("")),
            ))))
        }
        AttentionKind::TwoT => children.filter(child::Column::PersonId.in_subquery(
            weighed_this_month(Some(Condition::all().add(weighing::Column::TwoT.eq(true)))),
        )),
        AttentionKind::Bgm => children.filter(child::Column::PersonId.in_subquery(
            weighed_this_month(Some(Condition::all().add(weighing::Column::Bgm.eq(true)))),
        )),
        AttentionKind::Stunting => {
            children.filter(child::Column::PersonId.in_subquery(weighed_this_month(Some(
                Condition::all().add(weighing::Column::Stunting.eq(true)),
            ))))
        }
        AttentionKind::NotWeighed => {
            let under_five_from = first - chrono::Duration::days(UNDER_FIVE_DAYS);
            children
                .filter(child::Column::PersonId.not_in_subquery(weighed_this_month(None)))
                .filter(
                    child::Column::PersonId.in_subquery(
                        Query::select()
                            .column(person::Column::Id)
                            .from(person::Entity)
                            .and_where(person::Column::Status.eq("active"))
                            .and_where(person::Column::BirthDate.gt(under_five_from))
                            .and_where(person::Column::BirthDate.lte(last))
                            .to_owned(),
                    ),
                )
        }
    };
    let rows = page
        .apply(children, child::Column::PersonId, child::Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.person_id));
    Ok(Page {
        items: to_wire_many(db, rows).await?,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        let (first, last) = month_bounds("2028-02").unwrap();
        assert_eq!(first, NaiveDate::from_ymd_opt(2028, 2, 1).unwrap());
        assert_eq!(last, NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        assert_eq!(
            month_bounds("2026-12").unwrap().1,
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("Nov 2026").is_none());
    }
}
