//! The audit log: who changed what, written in the same transaction as the
//! change.
use entity::audit_log::{self, ActiveModel, Column, Entity};
use openapi::Page;
use openapi::audit::AuditEntry;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::error::ApiResult;
use crate::middleware::request_id::current_request_id;
use crate::pagination::PageRequest;

/// Who is making a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub actor: String,
    pub role: String,
}

impl Actor {
    /// Changes made by the `posyandu` command itself (admin, demo).
    pub fn system() -> Actor {
        Actor {
            actor: "system".into(),
            role: "system".into(),
        }
    }
}

impl From<&Principal> for Actor {
    fn from(principal: &Principal) -> Actor {
        Actor {
            actor: principal.actor(),
            role: principal.role.as_str().to_owned(),
        }
    }
}

/// Fields whose changes are not worth recording.
const IGNORED: [&str; 2] = ["updated_at", "created_at"];

/// The fields that differ, as `{"field": [old, new]}`. `before = None` records
/// a creation (every field, from `null`).
pub fn diff<T: Serialize>(before: Option<&T>, after: &T) -> Option<Value> {
    let after = serde_json::to_value(after).ok()?;
    let before = before.and_then(|b| serde_json::to_value(b).ok());
    let (Value::Object(after), before) = (after, before) else {
        return None;
    };
    let before = match before {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let mut changes = Map::new();
    for (field, new) in after {
        if IGNORED.contains(&field.as_str()) {
            continue;
        }
        let old = before.get(&field).cloned().unwrap_or(Value::Null);
        if old != new {
            changes.insert(field, Value::Array(vec![old, new]));
        }
    }
    (!changes.is_empty()).then_some(Value::Object(changes))
}

/// An entry, ready to insert (for callers that insert many at once).
pub fn entry(
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    location: &Location,
    changes: Option<Value>,
) -> ActiveModel {
    let now = clock::now();
    ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now),
        actor: Set(actor.actor.clone()),
        actor_role: Set(actor.role.clone()),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.to_owned()),
        province_code: Set(location.province.clone()),
        kabupaten_code: Set(location.kabupaten.clone()),
        kecamatan_code: Set(location.kecamatan.clone()),
        desa_code: Set(location.desa.clone()),
        puskesmas_id: Set(location.puskesmas),
        posyandu_id: Set(location.posyandu),
        changes: Set(changes),
        request_id: Set(current_request_id()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Appends an entry.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    location: &Location,
    changes: Option<Value>,
) -> ApiResult<()> {
    Entity::insert(entry(actor, action, entity, entity_id, location, changes))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
}

/// Entries inside the caller's area, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: AuditFilter,
    page: PageRequest,
) -> ApiResult<Page<AuditEntry>> {
    let mut select = Entity::find().filter(principal.area.condition::<Entity>());
    if let Some(entity) = filter.entity {
        select = select.filter(Column::Entity.eq(entity));
    }
    if let Some(entity_id) = filter.entity_id {
        select = select.filter(Column::EntityId.eq(entity_id));
    }
    if let Some(actor) = filter.actor {
        select = select.filter(Column::Actor.eq(actor));
    }
    let rows = page
        .apply(select, Column::Id, Column::UpdatedAt)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(to_wire).collect(),
        next_cursor,
    })
}

fn to_wire(row: audit_log::Model) -> AuditEntry {
    AuditEntry {
        id: row.id,
        at: row.at,
        actor: row.actor,
        actor_role: row.actor_role,
        action: row.action,
        entity: row.entity,
        entity_id: row.entity_id,
        changes: row.changes.map(as_changes),
        request_id: row.request_id,
    }
}

/// `changes` as documented, an object. Until 4 December a district's
/// target update stored the submitted list itself (an array); such an entry
/// is shown as `{"targets": [null, list]}` rather than breaking the schema.
fn as_changes(stored: Value) -> Value {
    match stored {
        Value::Object(_) | Value::Null => stored,
        other => serde_json::json!({ "targets": [Value::Null, other] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_list_is_shown_as_an_object() {
        let list = serde_json::json!([{"indicator": "ds", "value": 0.8}]);
        assert_eq!(
            as_changes(list.clone()),
            serde_json::json!({"targets": [null, list]})
        );
        let object = serde_json::json!({"name": ["a", "b"]});
        assert_eq!(as_changes(object.clone()), object);
    }

    #[derive(Serialize)]
    struct Thing {
        name: String,
        address: Option<String>,
        updated_at: u32,
    }

    #[test]
    fn diff_lists_only_changed_fields() {
        let before = Thing {
            name: "Melati".into(),
            address: None,
            updated_at: 1,
        };
        let after = Thing {
            name: "Melati".into(),
            address: Some("Jl. Raya".into()),
            updated_at: 2,
        };
        assert_eq!(
            diff(Some(&before), &after).unwrap(),
            serde_json::json!({"address": [null, "Jl. Raya"]})
        );
        assert!(diff(Some(&after), &after).is_none());
        assert_eq!(
            diff(None, &before).unwrap(),
            serde_json::json!({"name": [null, "Melati"]})
        );
    }
}
