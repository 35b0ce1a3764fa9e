//! The audit log.
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use openapi::audit::AuditEntry;
use openapi::{Page, Scope};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::audit::{self, AuditFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only changes to this kind of record, e.g. `posyandu`.
    pub entity: Option<String>,
    /// Only changes to this record.
    pub entity_id: Option<String>,
    /// Only changes by this actor (`user:<id>`, `client:<client id>`).
    pub actor: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only entries at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Who changed what inside your area, oldest first.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "One page of entries", body = Page<AuditEntry>)),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    principal.require(Scope::ReadAudit)?;
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = AuditFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        actor: q.actor,
    };
    Ok(web::Json(
        audit::list(&state.db, &principal, filter, page).await?,
    ))
}
