//! API clients: registration (the secret is shown once and stored hashed),
//! listing and revocation.
use entity::api_client::{self, Column, Entity};
use openapi::clients::{ApiClient, ApiClientCreated, NewApiClient};
use openapi::{AreaKind, Page, Role, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::access::{Location, role_scopes};
use crate::auth::{Principal, hex, random_token, token_hash};
use crate::clock;
use crate::db::begin_write;
use crate::domain::codes;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::areas::{self, area_refs, ensure_region};
use crate::services::audit::{self, Actor};

fn location(row: &api_client::Model) -> Location {
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
    rows: Vec<api_client::Model>,
) -> ApiResult<Vec<ApiClient>> {
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
        .map(|(row, key)| ApiClient {
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            role: Role::parse(&row.role).unwrap_or(Role::App),
            scopes: row
                .scopes
                .split_whitespace()
                .filter_map(Scope::parse)
                .collect(),
            area: refs[&key].clone(),
            last_used_at: row.last_used_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            revoked_at: row.deleted_at,
        })
        .collect())
}

pub async fn create(
    db: &DatabaseConnection,
    authority: Authority<'_>,
    new: NewApiClient,
) -> ApiResult<ApiClientCreated> {
    authority.require(Scope::WriteClients)?;
    let role = new.role.unwrap_or(Role::App);
    let mut invalid = Invalid::new();
    let name = invalid.check("name", codes::name(&new.name, 120));
    if !role.is_client_role() {
        invalid.add("role", "invalid", "An API client's role is `app` or `bot`.");
    }
    if new.scopes.is_empty() {
        invalid.add("scopes", "required", "Grant at least one scope.");
    }
    for (i, scope) in new.scopes.iter().enumerate() {
        if !role_scopes(role).contains(scope) {
            invalid.add(
                &format!("scopes[{i}]"),
                "not_allowed",
                format!("A `{role}` client cannot hold `{}`.", scope.as_str()),
            );
        } else if !authority.has_scope(*scope) {
            invalid.add(
                &format!("scopes[{i}]"),
                "not_allowed",
                format!(
                    "You cannot grant `{}`, which you do not hold.",
                    scope.as_str()
                ),
            );
        }
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
    invalid.finish()?;
    let (name, area) = (name.expect("valid"), area.expect("valid"));
    if role.is_client_role() && !authority.can_grant_client(role) {
        return Err(ApiError::forbidden(format!(
            "You may not register `{role}` clients."
        )));
    }
    if !authority.contains(&area.location) {
        return Err(ApiError::outside_area(
            "A client can be bound only to an area inside your own.",
        ));
    }

    let mut id_bytes = [0u8; 10];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut id_bytes);
    let client_id = format!("pc_{}", hex(&id_bytes));
    let secret = format!("pcs_{}", random_token(32));
    let mut scopes: Vec<Scope> = new.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let now = clock::now();
    let id = Uuid::now_v7();
    let l = &area.location;
    let row = api_client::ActiveModel {
        id: Set(id),
        client_id: Set(client_id),
        secret_hash: Set(token_hash(&secret)),
        name: Set(name),
        role: Set(role.as_str().to_owned()),
        scopes: Set(scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")),
        area_kind: Set(area.kind.as_str().to_owned()),
        area_code: Set(area.code.clone()),
        province_code: Set(l.province.clone()),
        kabupaten_code: Set(l.kabupaten.clone()),
        kecamatan_code: Set(l.kecamatan.clone()),
        desa_code: Set(l.desa.clone()),
        puskesmas_id: Set(l.puskesmas),
        posyandu_id: Set(l.posyandu),
        last_used_at: Set(None),
        created_by: Set(Some(authority.actor_name())),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    let tx = begin_write(db).await?;
    if let Some(region) = l
        .desa
        .as_ref()
        .or(l.kecamatan.as_ref())
        .or(l.kabupaten.as_ref())
        .or(l.province.as_ref())
    {
        ensure_region(&tx, region).await?;
    }
    let inserted = Entity::insert(row).exec_with_returning(&tx).await?;
    let client = to_wire_many(&tx, vec![inserted]).await?.remove(0);
    audit::record(
        &tx,
        &authority.actor(),
        "create",
        "api_client",
        &id.to_string(),
        &area.location,
        audit::diff(None, &client),
    )
    .await?;
    tx.commit().await?;
    Ok(ApiClientCreated {
        client,
        client_secret: secret,
    })
}

async fn find<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<api_client::Model> {
    Entity::find_by_id(id)
        .filter(principal.area.condition::<Entity>())
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<ApiClient> {
    principal.require(Scope::ReadClients)?;
    let row = find(db, principal, id).await?;
    Ok(to_wire_many(db, vec![row]).await?.remove(0))
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    page: PageRequest,
) -> ApiResult<Page<ApiClient>> {
    principal.require(Scope::ReadClients)?;
    let mut select = Entity::find().filter(principal.area.condition::<Entity>());
    if !page.includes_deleted() {
        select = select.filter(Column::DeletedAt.is_null());
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

/// Revokes a client: its secret stops working at once; tokens already
/// issued lapse within the access-token lifetime.
pub async fn revoke(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> ApiResult<()> {
    principal.require(Scope::WriteClients)?;
    let tx = begin_write(db).await?;
    let row = find(&tx, principal, id).await?;
    let role = Role::parse(&row.role).unwrap_or(Role::App);
    if !Authority::Caller(principal).can_grant_client(role) {
        return Err(ApiError::forbidden(format!(
            "You may not manage `{role}` clients."
        )));
    }
    let location = location(&row);
    let now = clock::now();
    let mut active = row.into_active_model();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(principal.actor()));
    active.updated_at = Set(now);
    active.update(&tx).await?;
    audit::record(
        &tx,
        &Actor::from(principal),
        "revoke",
        "api_client",
        &id.to_string(),
        &location,
        Some(serde_json::json!({"revoked_at": [null, now]})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's own client row (for `/me`).
pub async fn own_row(db: &DatabaseConnection, id: Uuid) -> ApiResult<api_client::Model> {
    Entity::find_by_id(id)
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::unauthorized("This client has been revoked."))
}

/// Whether an active client with this client id exists.
/// Gives a client every permission of `scopes` it lacks (the local bot's
/// client after an upgrade added permissions to the bot role).
pub async fn top_up_scopes(
    db: &DatabaseConnection,
    client_id: &str,
    scopes: &[openapi::Scope],
) -> ApiResult<()> {
    let Some(row) = Entity::find()
        .filter(Column::ClientId.eq(client_id))
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let mut held: Vec<String> = row.scopes.split_whitespace().map(str::to_owned).collect();
    let before = held.len();
    for scope in scopes {
        if !held.iter().any(|s| s == scope.as_str()) {
            held.push(scope.as_str().to_owned());
        }
    }
    if held.len() != before {
        Entity::update_many()
            .col_expr(
                Column::Scopes,
                sea_orm::sea_query::Expr::value(held.join(" ")),
            )
            .filter(Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn exists(db: &DatabaseConnection, client_id: &str) -> ApiResult<bool> {
    Ok(Entity::find()
        .filter(Column::ClientId.eq(client_id))
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await?
        .is_some())
}
