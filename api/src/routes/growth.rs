//! The z-score calculator and the lists a posyandu works from.
use actix_web::{get, post, web};
use openapi::Page;
use openapi::growth::{ZScoreBatchRequest, ZScoreBatchResponse, ZScoreRequest, ZScoreResult};
use openapi::registry::Child;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::pagination::PageRequest;
use crate::services::children::{self, AttentionFilter, AttentionKind, month_bounds};
use crate::services::growth;
use crate::state::AppState;

/// Every WHO z-score, Permenkes category and flag for one set of
/// measurements, computed like WHO's Anthro calculator (unrounded). Nothing
/// is stored.
#[utoipa::path(tag = "growth", request_body = ZScoreRequest,
    responses((status = 200, description = "The z-scores", body = ZScoreResult)),
    security(("bearer" = [])))]
#[post("/growth/zscores")]
pub async fn zscores(
    _principal: Principal,
    body: web::Json<ZScoreRequest>,
) -> ApiResult<web::Json<ZScoreResult>> {
    Ok(web::Json(growth::calculate(&body)?))
}

/// The calculator for up to 10,000 records at once; each record is answered
/// on its own (a result, or the errors of that record).
#[utoipa::path(tag = "growth", request_body = ZScoreBatchRequest,
    responses((status = 200, description = "One answer per record, in order", body = ZScoreBatchResponse)),
    security(("bearer" = [])))]
#[post("/growth/zscores/batch")]
pub async fn zscores_batch(
    _principal: Principal,
    body: web::Json<ZScoreBatchRequest>,
) -> ApiResult<web::Json<ZScoreBatchResponse>> {
    Ok(web::Json(growth::calculate_batch(&body)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttentionQuery {
    /// Which list.
    pub kind: AttentionKind,
    /// The month, `YYYY-MM`.
    pub month: String,
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
}

/// The children who need action in a month: referred, 2T, BGM, stunted, or
/// not weighed — for a posyandu, desa or puskesmas (and anything inside your
/// area).
#[utoipa::path(tag = "growth", params(AttentionQuery),
    responses((status = 200, description = "One page of children with their latest status", body = Page<Child>)),
    security(("bearer" = [])))]
#[get("/growth/attention")]
pub async fn attention(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AttentionQuery>,
) -> ApiResult<web::Json<Page<Child>>> {
    let q = query.into_inner();
    let month = month_bounds(&q.month).ok_or_else(|| {
        ApiError::field(
            "month",
            "invalid",
            "The month is written YYYY-MM, e.g. 2026-11.",
        )
    })?;
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, None)?;
    let filter = AttentionFilter {
        kind: q.kind,
        month,
        posyandu_id: q.posyandu_id,
        desa_code: q.desa_code,
        puskesmas_id: q.puskesmas_id,
    };
    Ok(web::Json(
        children::attention(&state.db, &principal, filter, page).await?,
    ))
}
