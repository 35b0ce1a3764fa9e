//! Weighings: read, correct, remove, and many at once.
use actix_web::{HttpResponse, delete, get, patch, post, web};
use openapi::growth::{BulkWeighingRequest, BulkWeighingResponse, Weighing, WeighingPatch};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::services::weighings;
use crate::state::AppState;

/// One weighing with everything computed from it.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Weighing id")),
    responses((status = 200, description = "The weighing", body = Weighing)),
    security(("bearer" = [])))]
#[get("/weighings/{id}")]
pub async fn get_weighing(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Weighing>> {
    Ok(web::Json(
        weighings::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Correct a weighing. It is evaluated again, and so is every later weighing
/// of the child (their N/T, 2T and referral depend on it).
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Weighing id")), request_body = WeighingPatch,
    responses((status = 200, description = "The corrected weighing", body = Weighing)),
    security(("bearer" = [])))]
#[patch("/weighings/{id}")]
pub async fn correct_weighing(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<WeighingPatch>,
) -> ApiResult<web::Json<Weighing>> {
    Ok(web::Json(
        weighings::correct(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Remove a weighing entered by mistake (kept, with who and when); later
/// weighings are evaluated again.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Weighing id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = [])))]
#[delete("/weighings/{id}")]
pub async fn delete_weighing(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    weighings::remove(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Many weighings at once (an app syncing after an offline day). Each is
/// handled on its own: the answer says per item `created`, `unchanged` or
/// `rejected` with the problem.
#[utoipa::path(tag = "children", request_body = BulkWeighingRequest,
    responses((status = 200, description = "Per-item outcomes", body = BulkWeighingResponse)),
    security(("bearer" = [])))]
#[post("/weighings/bulk")]
pub async fn bulk_weighings(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<BulkWeighingRequest>,
) -> ApiResult<web::Json<BulkWeighingResponse>> {
    Ok(web::Json(
        weighings::record_many(&state.db, &state.weighings, &principal, body.into_inner()).await?,
    ))
}
