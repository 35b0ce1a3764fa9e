//! The kader registry: appointments (SK), training, the registered phone
//! the chat bot knows them by, posts in other village institutions (for the
//! no-double-posts rule) and incentives.
use chrono::NaiveDate;
use entity::{institution_post, kader, kader_incentive, person};
use openapi::registry::{
    Incentive, InstitutionPost, Kader, KaderPatch, KaderPost, NewIncentive, NewInstitutionPost,
    NewKader, TrainingTier,
};
use openapi::{Page, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::codes;
pub use crate::domain::double_posts::DoublePostRule;
use crate::domain::phone::PhoneNumber;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::audit::{self, Actor};
use crate::services::people::{self, Place, draft_person, insert_person, visible_posyandu};

fn post_code(post: KaderPost) -> &'static str {
    match post {
        KaderPost::Ketua => "ketua",
        KaderPost::Sekretaris => "sekretaris",
        KaderPost::Bendahara => "bendahara",
        KaderPost::KepalaBidang => "kepala_bidang",
        KaderPost::Anggota => "anggota",
    }
}

fn parse_post(code: &str) -> KaderPost {
    match code {
        "ketua" => KaderPost::Ketua,
        "sekretaris" => KaderPost::Sekretaris,
        "bendahara" => KaderPost::Bendahara,
        "kepala_bidang" => KaderPost::KepalaBidang,
        _ => KaderPost::Anggota,
    }
}

fn tier_code(tier: TrainingTier) -> &'static str {
    match tier {
        TrainingTier::Purwa => "purwa",
        TrainingTier::Madya => "madya",
        TrainingTier::Utama => "utama",
    }
}

fn parse_tier(code: &str) -> Option<TrainingTier> {
    match code {
        "purwa" => Some(TrainingTier::Purwa),
        "madya" => Some(TrainingTier::Madya),
        "utama" => Some(TrainingTier::Utama),
        _ => None,
    }
}

fn to_wire(row: kader::Model, name: String) -> Kader {
    Kader {
        id: row.id,
        person_id: row.person_id,
        name,
        posyandu_id: row.posyandu_id,
        post: parse_post(&row.post),
        sk_number: row.sk_number,
        sk_date: row.sk_date,
        training_tier: row.training_tier.as_deref().and_then(parse_tier),
        phone: row.phone,
        active_from: row.active_from,
        active_to: row.active_to,
        user_id: row.user_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
    }
}

async fn to_wire_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<kader::Model>,
) -> ApiResult<Vec<Kader>> {
    let names: std::collections::HashMap<Uuid, String> = person::Entity::find()
        .filter(person::Column::Id.is_in(rows.iter().map(|r| r.person_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = names.get(&r.person_id).cloned().unwrap_or_default();
            to_wire(r, name)
        })
        .collect())
}

fn place(row: &kader::Model) -> Place {
    Place {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: Some(row.puskesmas_id),
        posyandu: Some(row.posyandu_id),
    }
}

/// Active on `date`: started, not ended, not removed.
fn active_on(date: NaiveDate) -> Condition {
    Condition::all()
        .add(kader::Column::DeletedAt.is_null())
        .add(kader::Column::ActiveFrom.lte(date))
        .add(
            Condition::any()
                .add(kader::Column::ActiveTo.is_null())
                .add(kader::Column::ActiveTo.gte(date)),
        )
}

/// Another active kader using this phone number, if any.
async fn phone_holder<C: ConnectionTrait>(
    db: &C,
    phone: &str,
    except: Option<Uuid>,
) -> ApiResult<Option<kader::Model>> {
    let mut select = kader::Entity::find()
        .filter(kader::Column::Phone.eq(phone))
        .filter(active_on(clock::now().date_naive()));
    if let Some(id) = except {
        select = select.filter(kader::Column::Id.ne(id));
    }
    Ok(select.one(db).await?)
}

/// The no-double-posts rule: a person holding a post in another village
/// institution (or on another posyandu's board) may not take this one.
async fn check_double_post<C: ConnectionTrait>(
    db: &C,
    rule: DoublePostRule,
    person_id: Uuid,
    posyandu_id: Uuid,
    post: KaderPost,
    except: Option<Uuid>,
) -> ApiResult<()> {
    if rule == DoublePostRule::Off || (rule == DoublePostRule::Board && !post.is_board()) {
        return Ok(());
    }
    let today = clock::now().date_naive();
    let mut other = institution_post::Entity::find()
        .filter(institution_post::Column::PersonId.eq(person_id))
        .filter(institution_post::Column::DeletedAt.is_null())
        .filter(
            Condition::any()
                .add(institution_post::Column::ActiveTo.is_null())
                .add(institution_post::Column::ActiveTo.gte(today)),
        );
    if rule == DoublePostRule::Board {
        other = other.filter(institution_post::Column::Board.eq(true));
    }
    if let Some(post) = other.one(db).await? {
        return Err(ApiError::conflict(format!(
            "This person already holds the post `{}` in {} (since {}). Permendagri 18/2018 does not allow a post in two village institutions at once.",
            post.post,
            post.institution.to_uppercase(),
            post.active_from
        )));
    }
    let mut elsewhere = kader::Entity::find()
        .filter(kader::Column::PersonId.eq(person_id))
        .filter(kader::Column::PosyanduId.ne(posyandu_id))
        .filter(active_on(today));
    if let Some(id) = except {
        elsewhere = elsewhere.filter(kader::Column::Id.ne(id));
    }
    for row in elsewhere.all(db).await? {
        if rule == DoublePostRule::All || parse_post(&row.post).is_board() {
            return Err(ApiError::conflict(
                "This person already holds a post at another posyandu. Permendagri 18/2018 does not allow a post in two village institutions at once.",
            ));
        }
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    rule: DoublePostRule,
    new: NewKader,
) -> ApiResult<Kader> {
    authority.require(Scope::WriteKader)?;
    let mut invalid = Invalid::new();
    let posyandu = match visible_posyandu(db, authority, new.posyandu_id, "posyandu_id").await {
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
                "person_id",
                "required",
                "Give the person (person_id) or a new one (person).",
            );
            None
        }
        (None, Some(person)) => {
            let mut person = person.clone();
            person.posyandu_id = person.posyandu_id.or(Some(new.posyandu_id));
            draft_person(db, authority, &person, "person.", &mut invalid).await?
        }
        (Some(_), None) => None,
    };
    let phone = new
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| invalid.check("phone", PhoneNumber::parse(p)))
        .map(PhoneNumber::into_string);
    let sk_number = invalid.check(
        "sk_number",
        codes::optional_text(new.sk_number.as_deref(), 100),
    );
    if new.active_to.is_some_and(|to| to < new.active_from) {
        invalid.add("active_to", "invalid", "The end is before the start.");
    }
    invalid.finish()?;
    let posyandu = posyandu.expect("valid");
    let place = Place::of_posyandu(&posyandu);
    if !authority.contains(&place.location()) {
        return Err(ApiError::outside_area(
            "Kader can be appointed only inside your own area.",
        ));
    }
    let tx = begin_write(db).await?;
    let person = match (new.person_id, draft) {
        (Some(id), _) => {
            let mut select =
                person::Entity::find_by_id(id).filter(person::Column::DeletedAt.is_null());
            if let Authority::Caller(principal) = authority {
                select = select.filter(principal.area.condition::<person::Entity>());
            }
            select.one(&tx).await?.ok_or_else(|| {
                ApiError::field(
                    "person_id",
                    "unknown",
                    "There is no such person in your area.",
                )
            })?
        }
        (None, Some(draft)) => insert_person(&tx, authority, draft).await?,
        (None, None) => unreachable!("checked above"),
    };
    if let Some(phone) = &phone
        && phone_holder(&tx, phone, None).await?.is_some()
    {
        return Err(ApiError::field(
            "phone",
            "taken",
            "Another active kader is registered with this phone number.",
        ));
    }
    check_double_post(&tx, rule, person.id, posyandu.id, new.post, None).await?;
    let now = clock::now();
    let id = Uuid::now_v7();
    let row = kader::ActiveModel {
        id: Set(id),
        person_id: Set(person.id),
        post: Set(post_code(new.post).into()),
        sk_number: Set(sk_number.flatten()),
        sk_date: Set(new.sk_date),
        training_tier: Set(new.training_tier.map(|t| tier_code(t).to_owned())),
        phone: Set(phone),
        active_from: Set(new.active_from),
        active_to: Set(new.active_to),
        user_id: Set(new.user_id),
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
    let inserted = kader::Entity::insert(row).exec_with_returning(&tx).await?;
    let wire = to_wire(inserted, person.name.clone());
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "kader",
        &id.to_string(),
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
) -> ApiResult<kader::Model> {
    kader::Entity::find_by_id(id)
        .filter(principal.area.condition::<kader::Entity>())
        .filter(kader::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<Kader> {
    principal.require(Scope::ReadKader)?;
    let row = find(db, principal, id).await?;
    Ok(to_wire_many(db, vec![row]).await?.remove(0))
}

pub struct KaderFilter {
    pub posyandu_id: Option<Uuid>,
    pub phone: Option<String>,
    /// Only kader active on this date.
    pub active_on: Option<NaiveDate>,
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: KaderFilter,
    page: PageRequest,
) -> ApiResult<Page<Kader>> {
    principal.require(Scope::ReadKader)?;
    let mut select = kader::Entity::find().filter(principal.area.condition::<kader::Entity>());
    if !page.includes_deleted() {
        select = select.filter(kader::Column::DeletedAt.is_null());
    }
    if let Some(id) = filter.posyandu_id {
        select = select.filter(kader::Column::PosyanduId.eq(id));
    }
    if let Some(phone) = filter.phone {
        let phone =
            PhoneNumber::parse(&phone).map_err(|p| ApiError::field("phone", p.code, p.message))?;
        select = select.filter(kader::Column::Phone.eq(phone.as_str()));
    }
    if let Some(date) = filter.active_on {
        select = select.filter(active_on(date));
    }
    let rows = page
        .apply(select, kader::Column::Id, kader::Column::UpdatedAt)
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
    rule: DoublePostRule,
    id: Uuid,
    patch: KaderPatch,
) -> ApiResult<Kader> {
    principal.require(Scope::WriteKader)?;
    let mut invalid = Invalid::new();
    let phone = match &patch.phone {
        Some(Some(p)) if !p.trim().is_empty() => invalid
            .check("phone", PhoneNumber::parse(p))
            .map(|p| Some(p.into_string())),
        Some(_) => Some(None),
        None => None,
    };
    let sk_number = match &patch.sk_number {
        Some(n) => invalid.check("sk_number", codes::optional_text(n.as_deref(), 100)),
        None => None,
    };
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    if !principal.area.contains(&place(&row).location()) {
        return Err(ApiError::outside_area(
            "Only kader inside your own area can be changed.",
        ));
    }
    if let Some(Some(to)) = patch.active_to
        && to < row.active_from
    {
        return Err(ApiError::field(
            "active_to",
            "invalid",
            "The end is before the start.",
        ));
    }
    if let Some(Some(phone)) = &phone
        && phone_holder(&tx, phone, Some(id)).await?.is_some()
    {
        return Err(ApiError::field(
            "phone",
            "taken",
            "Another active kader is registered with this phone number.",
        ));
    }
    let post = patch.post.unwrap_or(parse_post(&row.post));
    check_double_post(&tx, rule, row.person_id, row.posyandu_id, post, Some(id)).await?;
    let before = to_wire_many(&tx, vec![row.clone()]).await?.remove(0);
    let location = place(&row).location();
    let mut active = row.into_active_model();
    active.post = Set(post_code(post).into());
    if let Some(phone) = phone {
        active.phone = Set(phone);
    }
    if let Some(number) = sk_number {
        active.sk_number = Set(number);
    }
    if let Some(date) = patch.sk_date {
        active.sk_date = Set(date);
    }
    if let Some(tier) = patch.training_tier {
        active.training_tier = Set(tier.map(|t| tier_code(t).to_owned()));
    }
    if let Some(to) = patch.active_to {
        active.active_to = Set(to);
    }
    if let Some(user) = patch.user_id {
        active.user_id = Set(user);
    }
    active.updated_at = Set(clock::now());
    let updated = active.update(&tx).await?;
    let after = to_wire_many(&tx, vec![updated]).await?.remove(0);
    if let Some(changes) = audit::diff(Some(&before), &after) {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "kader",
            &id.to_string(),
            &location,
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Removes a kader record entered by mistake (kept, with who and when). A
/// kader who stops serving gets an `active_to` date instead.
pub async fn remove(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<()> {
    principal.require(Scope::WriteKader)?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    let location = place(&row).location();
    if !principal.area.contains(&location) {
        return Err(ApiError::outside_area(
            "Only kader inside your own area can be removed.",
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
        "kader",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"deleted_at": [null, now]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// --------------------------------------------------- posts in other institutions

fn post_to_wire(row: institution_post::Model) -> InstitutionPost {
    InstitutionPost {
        id: row.id,
        person_id: row.person_id,
        institution: row.institution,
        post: row.post,
        board: row.board,
        active_from: row.active_from,
        active_to: row.active_to,
        created_at: row.created_at,
    }
}

pub async fn add_post(
    db: &DatabaseConnection,
    principal: &Principal,
    person_id: Uuid,
    new: NewInstitutionPost,
) -> ApiResult<InstitutionPost> {
    principal.require(Scope::WriteKader)?;
    let mut invalid = Invalid::new();
    let institution = invalid
        .check("institution", codes::name(&new.institution, 60))
        .map(|i| i.to_lowercase());
    let post = invalid.check("post", codes::name(&new.post, 60));
    if new.active_to.is_some_and(|to| to < new.active_from) {
        invalid.add("active_to", "invalid", "The end is before the start.");
    }
    if institution.as_deref() == Some("posyandu") {
        invalid.add(
            "institution",
            "invalid",
            "Posyandu posts are kader records: appoint the kader instead.",
        );
    }
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let person = people::find_person(&tx, principal, person_id).await?;
    let place = people::person_place(&person);
    let now = clock::now();
    let row = institution_post::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person.id),
        institution: Set(institution.expect("valid")),
        post: Set(post.expect("valid")),
        board: Set(new.board),
        active_from: Set(new.active_from),
        active_to: Set(new.active_to),
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
    let inserted = institution_post::Entity::insert(row)
        .exec_with_returning(&tx)
        .await?;
    let wire = post_to_wire(inserted);
    audit::record(
        &tx,
        &Actor::from(principal),
        "create",
        "institution_post",
        &wire.id.to_string(),
        &place.location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

pub async fn list_posts(
    db: &DatabaseConnection,
    principal: &Principal,
    person_id: Uuid,
) -> ApiResult<Vec<InstitutionPost>> {
    principal.require(Scope::ReadKader)?;
    people::find_person(db, principal, person_id).await?;
    Ok(institution_post::Entity::find()
        .filter(institution_post::Column::PersonId.eq(person_id))
        .filter(institution_post::Column::DeletedAt.is_null())
        .order_by_asc(institution_post::Column::ActiveFrom)
        .all(db)
        .await?
        .into_iter()
        .map(post_to_wire)
        .collect())
}

// --------------------------------------------------------------- incentives

fn incentive_to_wire(row: kader_incentive::Model) -> Incentive {
    Incentive {
        id: row.id,
        kader_id: row.kader_id,
        period: row.period,
        amount_rupiah: row.amount_rupiah,
        source: row.source,
        paid_on: row.paid_on,
        created_at: row.created_at,
    }
}

fn check_period(period: &str) -> Result<String, crate::error::FieldProblem> {
    let valid =
        period.len() == 7 && NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").is_ok();
    if valid {
        Ok(period.to_owned())
    } else {
        Err(crate::error::FieldProblem::new(
            "invalid",
            "The period is a month written YYYY-MM, e.g. 2026-11.",
        ))
    }
}

pub async fn add_incentive(
    db: &DatabaseConnection,
    principal: &Principal,
    kader_id: Uuid,
    new: NewIncentive,
) -> ApiResult<Incentive> {
    principal.require(Scope::WriteKader)?;
    let mut invalid = Invalid::new();
    let period = invalid.check("period", check_period(new.period.trim()));
    if !(0..=100_000_000).contains(&new.amount_rupiah) {
        invalid.add(
            "amount_rupiah",
            "out_of_range",
            "The amount is 0 to 100,000,000 rupiah.",
        );
    }
    let source = invalid.check("source", codes::optional_text(new.source.as_deref(), 60));
    invalid.finish()?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, kader_id).await?;
    let place = place(&row);
    if !principal.area.contains(&place.location()) {
        return Err(ApiError::outside_area(
            "Only kader inside your own area can be given incentives.",
        ));
    }
    let now = clock::now();
    let incentive = kader_incentive::ActiveModel {
        id: Set(Uuid::now_v7()),
        kader_id: Set(kader_id),
        period: Set(period.expect("valid")),
        amount_rupiah: Set(new.amount_rupiah),
        source: Set(source.flatten()),
        paid_on: Set(new.paid_on),
        province_code: Set(place.province.clone()),
        kabupaten_code: Set(place.kabupaten.clone()),
        kecamatan_code: Set(place.kecamatan.clone()),
        desa_code: Set(place.desa.clone()),
        puskesmas_id: Set(row.puskesmas_id),
        posyandu_id: Set(row.posyandu_id),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let inserted = kader_incentive::Entity::insert(incentive)
        .exec_with_returning(&tx)
        .await?;
    let wire = incentive_to_wire(inserted);
    audit::record(
        &tx,
        &Actor::from(principal),
        "create",
        "kader_incentive",
        &wire.id.to_string(),
        &place.location(),
        audit::diff(None, &wire),
    )
    .await?;
    tx.commit().await?;
    Ok(wire)
}

pub async fn list_incentives(
    db: &DatabaseConnection,
    principal: &Principal,
    kader_id: Uuid,
) -> ApiResult<Vec<Incentive>> {
    principal.require(Scope::ReadKader)?;
    find(db, principal, kader_id).await?;
    Ok(kader_incentive::Entity::find()
        .filter(kader_incentive::Column::KaderId.eq(kader_id))
        .filter(kader_incentive::Column::DeletedAt.is_null())
        .order_by_asc(kader_incentive::Column::Period)
        .all(db)
        .await?
        .into_iter()
        .map(incentive_to_wire)
        .collect())
}

/// The active kader with this phone number, for the chat bot.
pub async fn by_phone(db: &DatabaseConnection, phone: &str) -> ApiResult<Option<kader::Model>> {
    phone_holder(db, phone, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_months() {
        assert!(check_period("2026-11").is_ok());
        assert!(check_period("2026-13").is_err());
        assert!(check_period("11-2026").is_err());
    }
}
