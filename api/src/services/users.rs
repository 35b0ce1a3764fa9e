//! User accounts.
use entity::app_user::{self, Column, Entity};
use openapi::users::{NewUser, User, UserPatch};
use openapi::{AreaKind, Page, Role, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::{Principal, password};
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::domain::codes;
use crate::domain::phone::PhoneNumber;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::areas::{self, ResolvedArea, area_refs, ensure_region};
use crate::services::audit::Actor;
use crate::services::{Authority, audit, tokens};

/// The kinds of area each role is bound to: a kader belongs to a posyandu, a
/// puskesmas officer to a puskesmas, and so on. Keeps accounts meaningful.
pub fn natural_areas(role: Role) -> &'static [AreaKind] {
    use AreaKind::*;
    match role {
        Role::Admin => &[
            Nasional, Provinsi, Kabupaten, Kecamatan, Puskesmas, Desa, Posyandu,
        ],
        Role::Dinkes | Role::Dpmd => &[Provinsi, Kabupaten],
        Role::Puskesmas => &[Puskesmas],
        Role::Desa => &[Desa],
        Role::Bidan => &[Puskesmas, Desa, Posyandu],
        Role::Kader => &[Posyandu],
        Role::App | Role::Bot => &[
            Nasional, Provinsi, Kabupaten, Kecamatan, Puskesmas, Desa, Posyandu,
        ],
    }
}

fn check_natural(invalid: &mut Invalid, role: Role, area: &ResolvedArea) {
    if !natural_areas(role).contains(&area.kind) {
        let kinds: Vec<&str> = natural_areas(role).iter().map(|k| k.as_str()).collect();
        invalid.add(
            "area_code",
            "invalid",
            format!(
                "A {role} account is bound to a {}, not a {}.",
                kinds.join(" or "),
                area.kind.as_str()
            ),
        );
    }
}

/// The area columns a user row carries.
fn apply_area(active: &mut app_user::ActiveModel, area: &ResolvedArea) {
    let l = &area.location;
    active.area_kind = Set(area.kind.as_str().to_owned());
    active.area_code = Set(area.code.clone());
    active.province_code = Set(l.province.clone());
    active.kabupaten_code = Set(l.kabupaten.clone());
    active.kecamatan_code = Set(l.kecamatan.clone());
    active.desa_code = Set(l.desa.clone());
    active.puskesmas_id = Set(l.puskesmas);
    active.posyandu_id = Set(l.posyandu);
}

pub fn location(row: &app_user::Model) -> Location {
    Location {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: row.puskesmas_id,
        posyandu: row.posyandu_id,
    }
}

async fn to_wire_many<C: ConnectionTrait>(
    db: &C,
    rows: Vec<app_user::Model>,
) -> ApiResult<Vec<User>> {
    let keys: Vec<(AreaKind, String)> = rows
        .iter()
        .map(|r| {
            (
                AreaKind::parse(&r.area_kind).unwrap_or(AreaKind::Nasional),
                r.area_code.clone(),
            )
        })
        .collect();
    let refs = area_refs(db, &keys).await?;
    Ok(rows
        .into_iter()
        .zip(keys)
        .map(|(row, key)| User {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: Role::parse(&row.role).unwrap_or(Role::Kader),
            area: refs[&key].clone(),
            phone: row.phone,
            locked_until: row.locked_until,
            last_login_at: row.last_login_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            deleted_at: row.deleted_at,
        })
        .collect())
}

async fn to_wire<C: ConnectionTrait>(db: &C, row: app_user::Model) -> ApiResult<User> {
    Ok(to_wire_many(db, vec![row]).await?.remove(0))
}

/// Rejects a phone number another active account already uses: the bot
/// knows people by their number.
async fn check_phone_free<C: ConnectionTrait>(
    db: &C,
    phone: &str,
    except: Option<Uuid>,
) -> ApiResult<()> {
    let mut query = Entity::find()
        .filter(Column::Phone.eq(phone))
        .filter(Column::DeletedAt.is_null());
    if let Some(id) = except {
        query = query.filter(Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(ApiError::field(
            "phone",
            "taken",
            "Another active account uses this phone number.",
        ));
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewUser,
) -> ApiResult<User> {
    authority.require(Scope::WriteUsers)?;
    let mut invalid = Invalid::new();
    let username = invalid.check("username", codes::username(&new.username));
    let display_name = invalid.check("display_name", codes::name(&new.display_name, 100));
    invalid.check("password", password::check_new(&new.password));
    let phone = new
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| invalid.check("phone", PhoneNumber::parse(p)));
    if new.role.is_client_role() {
        invalid.add(
            "role",
            "invalid",
            "Roles `app` and `bot` belong to API clients; register a client instead.",
        );
    }
    let area = match areas::resolve(db, &new.area_code, "area_code").await {
        Ok(area) => Some(area),
        Err(ApiError::Validation(errors)) => {
            for e in errors {
                invalid.add(&e.field, &e.code, e.message);
            }
            None
        }
        Err(other) => return Err(other),
    };
    if let Some(area) = &area {
        check_natural(&mut invalid, new.role, area);
    }
    invalid.finish()?;
    let (username, display_name, area) = (
        username.expect("valid"),
        display_name.expect("valid"),
        area.expect("valid"),
    );
    authority.check_grant(new.role)?;
    if !authority.contains(&area.location) {
        return Err(ApiError::outside_area(
            "Accounts can be created only inside your own area.",
        ));
    }

    let hash = password::hash(new.password).await?;
    let now = clock::now();
    let id = Uuid::now_v7();
    let mut row = app_user::ActiveModel {
        id: Set(id),
        username: Set(username.clone()),
        display_name: Set(display_name),
        password_hash: Set(hash),
        role: Set(new.role.as_str().to_owned()),
        phone: Set(phone.map(PhoneNumber::into_string)),
        failed_logins: Set(0),
        locked_until: Set(None),
        last_login_at: Set(None),
        password_changed_at: Set(now),
        created_by: Set(Some(authority.actor_name())),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
        ..Default::default()
    };
    apply_area(&mut row, &area);

    let tx = begin_write(db).await?;
    if let Some(region) = area
        .location
        .desa
        .as_ref()
        .or(area.location.kecamatan.as_ref())
        .or(area.location.kabupaten.as_ref())
        .or(area.location.province.as_ref())
    {
        ensure_region(&tx, region).await?;
    }
    if let Set(Some(phone)) = &row.phone {
        check_phone_free(&tx, phone, None).await?;
    }
    let inserted = match Entity::insert(row).exec_with_returning(&tx).await {
        Err(e) if is_unique_violation(&e) && e.to_string().contains("phone") => {
            return Err(ApiError::field(
                "phone",
                "taken",
                "Another active account uses this phone number.",
            ));
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(
                "username",
                "taken",
                format!("The username {username} is taken."),
            ));
        }
        other => other?,
    };
    let wire = to_wire(&tx, inserted).await?;
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "user",
        &id.to_string(),
        &area.location,
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
) -> ApiResult<app_user::Model> {
    Entity::find_by_id(id)
        .filter(principal.area.condition::<Entity>())
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<User> {
    principal.require(Scope::ReadUsers)?;
    to_wire(db, find(db, principal, id).await?).await
}

pub struct UserFilter {
    pub role: Option<Role>,
    pub username: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: UserFilter,
    page: PageRequest,
) -> ApiResult<Page<User>> {
    principal.require(Scope::ReadUsers)?;
    let mut select = Entity::find().filter(principal.area.condition::<Entity>());
    if !page.includes_deleted() {
        select = select.filter(Column::DeletedAt.is_null());
    }
    if let Some(role) = filter.role {
        select = select.filter(Column::Role.eq(role.as_str()));
    }
    if let Some(prefix) = filter
        .username
        .map(|u| u.trim().to_lowercase())
        .filter(|u| !u.is_empty())
    {
        select = select.filter(Column::Username.starts_with(prefix));
    }
    let rows = page
        .apply(select, Column::Id, Column::UpdatedAt)
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
    patch: UserPatch,
) -> ApiResult<User> {
    principal.require(Scope::WriteUsers)?;
    let authority = Authority::Caller(principal);
    let mut invalid = Invalid::new();
    let display_name = patch
        .display_name
        .as_deref()
        .and_then(|n| invalid.check("display_name", codes::name(n, 100)));
    if let Some(new_password) = &patch.password {
        invalid.check("password", password::check_new(new_password));
    }
    let phone = match &patch.phone {
        Some(Some(p)) if !p.trim().is_empty() => invalid
            .check("phone", PhoneNumber::parse(p))
            .map(|p| Some(p.into_string())),
        Some(_) => Some(None),
        None => None,
    };
    if patch.role.is_some_and(Role::is_client_role) {
        invalid.add(
            "role",
            "invalid",
            "Roles `app` and `bot` belong to API clients.",
        );
    }
    let area = match &patch.area_code {
        Some(code) => match areas::resolve(db, code, "area_code").await {
            Ok(area) => Some(area),
            Err(ApiError::Validation(errors)) => {
                for e in errors {
                    invalid.add(&e.field, &e.code, e.message);
                }
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    if patch.locked == Some(true) {
        invalid.add(
            "locked",
            "invalid",
            "Accounts are locked only by failed logins; deactivate the account instead.",
        );
    }
    invalid.finish()?;
    let new_hash = match patch.password.clone() {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };

    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    let current_role = Role::parse(&row.role).unwrap_or(Role::Kader);
    authority.check_grant(current_role)?;
    let role = patch.role.unwrap_or(current_role);
    authority.check_grant(role)?;
    if patch.role.is_some() || area.is_some() {
        let mut invalid = Invalid::new();
        let effective = match &area {
            Some(area) => area.clone(),
            None => areas::resolve(&tx, &row.area_code, "area_code").await?,
        };
        check_natural(&mut invalid, role, &effective);
        invalid.finish()?;
    }
    if let Some(area) = &area
        && !principal.area.contains(&area.location)
    {
        return Err(ApiError::outside_area(
            "An account can be moved only inside your own area.",
        ));
    }
    let before = to_wire(&tx, row.clone()).await?;
    let mut active = row.clone().into_active_model();
    if let Some(name) = display_name {
        active.display_name = Set(name);
    }
    active.role = Set(role.as_str().to_owned());
    if let Some(area) = &area {
        apply_area(&mut active, area);
    }
    if let Some(phone) = phone {
        if let Some(phone) = &phone {
            check_phone_free(&tx, phone, Some(id)).await?;
        }
        active.phone = Set(phone);
    }
    let now = clock::now();
    if patch.locked == Some(false) {
        active.locked_until = Set(None);
        active.failed_logins = Set(0);
    }
    if let Some(hash) = new_hash {
        active.password_hash = Set(hash);
        active.password_changed_at = Set(now);
        tokens::revoke_all_for_user(&tx, id, "password reset").await?;
    }
    active.updated_at = Set(now);
    let updated = active.update(&tx).await?;
    let location = location(&updated);
    let after = to_wire(&tx, updated).await?;
    let mut changes = audit::diff(Some(&before), &after);
    if patch.password.is_some() {
        let map = changes.get_or_insert_with(|| serde_json::json!({}));
        map["password"] = serde_json::json!(["***", "***"]);
    }
    if let Some(changes) = changes {
        audit::record(
            &tx,
            &Actor::from(principal),
            "update",
            "user",
            &id.to_string(),
            &location,
            Some(changes),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Deactivates an account (soft delete) and ends its logins.
pub async fn deactivate(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<()> {
    principal.require(Scope::WriteUsers)?;
    if principal.user_id() == Some(id) {
        return Err(ApiError::conflict(
            "You cannot deactivate your own account.",
        ));
    }
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    Authority::Caller(principal).check_grant(Role::parse(&row.role).unwrap_or(Role::Kader))?;
    let location = location(&row);
    let now = clock::now();
    let mut active = row.into_active_model();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(principal.actor()));
    active.updated_at = Set(now);
    active.update(&tx).await?;
    tokens::revoke_all_for_user(&tx, id, "account deactivated").await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "delete",
        "user",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"deleted_at": [null, now]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes one's own password after checking the current one; ends every
/// other login.
pub async fn change_own_password(
    db: &DatabaseConnection,
    principal: &Principal,
    current: String,
    new: String,
) -> ApiResult<()> {
    let Some(id) = principal.user_id() else {
        return Err(ApiError::forbidden(
            "API clients have secrets, not passwords.",
        ));
    };
    password::check_new(&new).map_err(|p| ApiError::field("new_password", p.code, p.message))?;
    let row = Entity::find_by_id(id)
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !password::verify(current, Some(row.password_hash.clone())).await {
        return Err(ApiError::field(
            "current_password",
            "invalid",
            "The current password is wrong.",
        ));
    }
    let hash = password::hash(new).await?;
    let tx = begin_write(db).await?;
    let now = clock::now();
    let location = location(&row);
    let mut active = row.into_active_model();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(&tx).await?;
    tokens::revoke_all_for_user(&tx, id, "password changed").await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "update",
        "user",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"password": ["***", "***"]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a password from the command line (account recovery) and unlocks.
pub async fn set_password_by_operator(
    db: &DatabaseConnection,
    username: &str,
    new: String,
) -> ApiResult<()> {
    password::check_new(&new).map_err(|p| ApiError::field("password", p.code, p.message))?;
    let username = username.trim().to_lowercase();
    let row = Entity::find()
        .filter(Column::Username.eq(username.as_str()))
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "username",
                "unknown",
                format!("There is no active user {username}."),
            )
        })?;
    let hash = password::hash(new).await?;
    let tx = begin_write(db).await?;
    let now = clock::now();
    let id = row.id;
    let location = location(&row);
    let mut active = row.into_active_model();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.locked_until = Set(None);
    active.failed_logins = Set(0);
    active.updated_at = Set(now);
    active.update(&tx).await?;
    tokens::revoke_all_for_user(&tx, id, "password reset by operator").await?;
    audit::record(
        &tx,
        &Actor::system(),
        "update",
        "user",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"password": ["***", "***"]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's own account row (for `/me`).
pub async fn own_row(db: &DatabaseConnection, id: Uuid) -> ApiResult<app_user::Model> {
    Entity::find_by_id(id)
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::unauthorized("This account is no longer active."))
}

/// Whether any account exists (first start creates the admin).
pub async fn any_exists(db: &DatabaseConnection) -> ApiResult<bool> {
    Ok(Entity::find().one(db).await?.is_some())
}
