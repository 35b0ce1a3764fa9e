//! Who a phone number belongs to, and whether it asked not to be messaged.
//!
//! The chat bot knows people only by their numbers. In order: an active
//! kader of the kader registry (the registered phone is how a kader
//! reports), then a health worker's account, then the mothers (of a child
//! under five, or pregnant) with that number. Anything else is unknown.
use std::collections::BTreeSet;

use entity::{app_user, child, contact_preference, kader, person, posyandu, pregnancy};
use openapi::Role;
use openapi::messages::{Sender, SenderKind, SenderPosyandu};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::access::Location;
use crate::clock;
use crate::domain::phone::PhoneNumber;
use crate::error::ApiResult;

/// A number, resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub sender: Sender,
    /// Where the sender's messages belong (their posyandu, desa or area);
    /// none for an unknown number.
    pub location: Option<Location>,
    pub kader: Option<kader::Model>,
    pub user: Option<app_user::Model>,
}

/// E.164 when the text is an Indonesian mobile number.
pub fn normalise(phone: &str) -> Option<String> {
    PhoneNumber::parse(phone).ok().map(PhoneNumber::into_string)
}

/// The roles whose accounts may report by chat.
fn reports_by_chat(role: &str) -> bool {
    matches!(
        Role::parse(role),
        Some(Role::Bidan | Role::Kader | Role::Puskesmas)
    )
}

pub async fn resolve<C: ConnectionTrait>(db: &C, phone: &str) -> ApiResult<Resolved> {
    let opted_out = opted_out(db, phone).await?;
    let mut sender = Sender {
        phone: phone.to_owned(),
        kind: SenderKind::Unknown,
        name: None,
        kader_id: None,
        user_id: None,
        person_ids: Vec::new(),
        posyandu: None,
        opted_out,
    };
    if let Some((row, post, name)) = active_kader(db, phone).await? {
        sender.kind = SenderKind::Kader;
        sender.name = Some(name);
        sender.kader_id = Some(row.id);
        sender.person_ids = vec![row.person_id];
        sender.posyandu = Some(brief(&post));
        return Ok(Resolved {
            sender,
            location: Some(crate::services::areas::posyandu_location(&post)),
            kader: Some(row),
            user: None,
        });
    }
    if let Some(user) = app_user::Entity::find()
        .filter(app_user::Column::Phone.eq(phone))
        .filter(app_user::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .filter(|u| reports_by_chat(&u.role))
    {
        sender.kind = if user.role == Role::Kader.as_str() {
            SenderKind::Kader
        } else {
            SenderKind::Bidan
        };
        sender.name = Some(user.display_name.clone());
        sender.user_id = Some(user.id);
        if let Some(id) = user.posyandu_id
            && let Some(post) = posyandu::Entity::find_by_id(id).one(db).await?
        {
            sender.posyandu = Some(brief(&post));
        }
        let location = Location {
            province: user.province_code.clone(),
            kabupaten: user.kabupaten_code.clone(),
            kecamatan: user.kecamatan_code.clone(),
            desa: user.desa_code.clone(),
            puskesmas: user.puskesmas_id,
            posyandu: user.posyandu_id,
        };
        return Ok(Resolved {
            sender,
            location: Some(location),
            kader: None,
            user: Some(user),
        });
    }
    let mothers = mothers(db, phone).await?;
    if let Some(first) = mothers.first() {
        sender.kind = SenderKind::Mother;
        sender.name = Some(first.name.clone());
        sender.person_ids = mothers.iter().map(|m| m.id).collect();
        if let Some(id) = first.posyandu_id
            && let Some(post) = posyandu::Entity::find_by_id(id).one(db).await?
        {
            sender.posyandu = Some(brief(&post));
        }
        let location = Location {
            province: Some(first.province_code.clone()),
            kabupaten: Some(first.kabupaten_code.clone()),
            kecamatan: Some(first.kecamatan_code.clone()),
            desa: Some(first.desa_code.clone()),
            puskesmas: first.puskesmas_id,
            posyandu: first.posyandu_id,
        };
        return Ok(Resolved {
            sender,
            location: Some(location),
            kader: None,
            user: None,
        });
    }
    Ok(Resolved {
        sender,
        location: None,
        kader: None,
        user: None,
    })
}

fn brief(post: &posyandu::Model) -> SenderPosyandu {
    SenderPosyandu {
        id: post.id,
        name: post.name.clone(),
        kode: post.kode.clone(),
        desa_code: post.desa_code.clone(),
        time_zone: post.time_zone.clone(),
    }
}

/// The active kader with this registered phone (unique among active kader),
/// with their posyandu and name.
pub async fn active_kader<C: ConnectionTrait>(
    db: &C,
    phone: &str,
) -> ApiResult<Option<(kader::Model, posyandu::Model, String)>> {
    let today = clock::latest_date();
    let Some(row) = kader::Entity::find()
        .filter(kader::Column::Phone.eq(phone))
        .filter(kader::Column::DeletedAt.is_null())
        .filter(kader::Column::ActiveFrom.lte(today))
        .filter(
            sea_orm::Condition::any()
                .add(kader::Column::ActiveTo.is_null())
                .add(kader::Column::ActiveTo.gte(today)),
        )
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(post) = posyandu::Entity::find_by_id(row.posyandu_id)
        .filter(posyandu::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let name = person::Entity::find_by_id(row.person_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_else(|| "Kader".into());
    Ok(Some((row, post, name)))
}

/// Living people with this number who are mothers of a child under five
/// or have an ongoing pregnancy.
async fn mothers<C: ConnectionTrait>(db: &C, phone: &str) -> ApiResult<Vec<person::Model>> {
    let people = person::Entity::find()
        .filter(person::Column::Phone.eq(phone))
        .filter(person::Column::DeletedAt.is_null())
        .filter(person::Column::Status.eq("active"))
        .limit(20)
        .all(db)
        .await?;
    if people.is_empty() {
        return Ok(people);
    }
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let mut mothers: BTreeSet<Uuid> = child::Entity::find()
        .select_only()
        .column(child::Column::MotherId)
        .filter(child::Column::MotherId.is_in(ids.clone()))
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    mothers.extend(
        pregnancy::Entity::find()
            .select_only()
            .column(pregnancy::Column::MotherId)
            .filter(pregnancy::Column::MotherId.is_in(ids))
            .filter(pregnancy::Column::Outcome.is_null())
            .filter(pregnancy::Column::DeletedAt.is_null())
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    Ok(people
        .into_iter()
        .filter(|p| mothers.contains(&p.id))
        .collect())
}

pub async fn opted_out<C: ConnectionTrait>(db: &C, phone: &str) -> ApiResult<bool> {
    Ok(contact_preference::Entity::find_by_id(phone.to_owned())
        .one(db)
        .await?
        .is_some_and(|p| p.opted_out))
}
