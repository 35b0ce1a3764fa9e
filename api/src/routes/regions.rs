//! The national list of region codes.
use actix_web::{get, web};
use openapi::areas::Region;
use openapi::{Page, Scope};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::services::areas;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// The region whose children to list (provinces when absent), with or
    /// without dots.
    pub parent: Option<String>,
    /// Only names containing this (case-insensitive).
    pub name: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
}

/// Browse the national list of regions (Kepmendagri 2025): provinces, then
/// the kabupaten/kota of a province, and so on down to desa/kelurahan.
#[utoipa::path(
    tag = "areas",
    params(RegionQuery),
    responses((status = 200, description = "One page of regions", body = Page<Region>)),
    security(("bearer" = []))
)]
#[get("/regions")]
pub async fn list_regions(
    principal: Principal,
    query: web::Query<RegionQuery>,
) -> ApiResult<web::Json<Page<Region>>> {
    principal.require(Scope::ReadAreas)?;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    Ok(web::Json(areas::list_regions(
        q.parent.as_deref(),
        q.name.as_deref(),
        q.cursor.as_deref(),
        limit,
    )?))
}

/// One region by code (with or without dots).
#[utoipa::path(
    tag = "areas",
    params(("code" = String, Path, description = "Region code, e.g. 51.08.06.2004")),
    responses((status = 200, description = "The region", body = Region)),
    security(("bearer" = []))
)]
#[get("/regions/{code}")]
pub async fn get_region(
    principal: Principal,
    code: web::Path<String>,
) -> ApiResult<web::Json<Region>> {
    principal.require(Scope::ReadAreas)?;
    Ok(web::Json(areas::get_region(&code)?))
}
