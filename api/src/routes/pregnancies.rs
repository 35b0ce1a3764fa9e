//! Pregnancies, antenatal contacts and births.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::maternal::{
    AntenatalContact, Birth, ClosePregnancy, NewAntenatalContact, NewBirth, NewPregnancy,
    Pregnancy, PregnancyPatch,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::pregnancies::{self, ContactRecorded, PregnancyFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PregnancyQuery {
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub mother_id: Option<Uuid>,
    /// `ongoing` or `ended`.
    pub status: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only pregnancies changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the pregnancies inside your area, each with its gestational age,
/// risk flags and antenatal care summary.
#[utoipa::path(tag = "mothers", params(PregnancyQuery),
    responses((status = 200, description = "One page of pregnancies", body = Page<Pregnancy>)),
    security(("bearer" = [])))]
#[get("/pregnancies")]
pub async fn list_pregnancies(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PregnancyQuery>,
) -> ApiResult<web::Json<Page<Pregnancy>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = PregnancyFilter {
        posyandu_id: q.posyandu_id,
        desa_code: q.desa_code,
        mother_id: q.mother_id,
        status: q.status,
    };
    Ok(web::Json(
        pregnancies::list(&state.db, &principal, filter, page).await?,
    ))
}

/// Register a pregnancy: HPHT (or the gestational age found today), with
/// gravida/para/abortus, the last birth and the mother's height. HPL, the
/// trimester and the risk flags are computed. One ongoing pregnancy per
/// woman (409).
#[utoipa::path(tag = "mothers", request_body = NewPregnancy,
    responses((status = 201, description = "Registered", body = Pregnancy)),
    security(("bearer" = [])))]
#[post("/pregnancies")]
pub async fn create_pregnancy(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewPregnancy>,
) -> ApiResult<HttpResponse> {
    let row =
        pregnancies::create(&state.db, Authority::Caller(&principal), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/pregnancies/{}", row.id)))
        .json(row))
}

/// One pregnancy with its antenatal care summary and next contact due.
#[utoipa::path(tag = "mothers", params(("id" = Uuid, Path, description = "Pregnancy id")),
    responses((status = 200, description = "The pregnancy", body = Pregnancy)),
    security(("bearer" = [])))]
#[get("/pregnancies/{id}")]
pub async fn get_pregnancy(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Pregnancy>> {
    Ok(web::Json(
        pregnancies::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Correct a pregnancy's HPHT, obstetric history or height; HPL and the
/// risk flags follow.
#[utoipa::path(tag = "mothers", params(("id" = Uuid, Path, description = "Pregnancy id")), request_body = PregnancyPatch,
    responses((status = 200, description = "The changed pregnancy", body = Pregnancy)),
    security(("bearer" = [])))]
#[patch("/pregnancies/{id}")]
pub async fn update_pregnancy(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<PregnancyPatch>,
) -> ApiResult<web::Json<Pregnancy>> {
    Ok(web::Json(
        pregnancies::update(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Close a pregnancy with a stillbirth or a miscarriage (a live birth is
/// recorded with `POST /pregnancies/{id}/births`).
#[utoipa::path(tag = "mothers", params(("id" = Uuid, Path, description = "Pregnancy id")), request_body = ClosePregnancy,
    responses((status = 200, description = "The closed pregnancy", body = Pregnancy)),
    security(("bearer" = [])))]
#[post("/pregnancies/{id}/close")]
pub async fn close_pregnancy(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ClosePregnancy>,
) -> ApiResult<web::Json<Pregnancy>> {
    Ok(web::Json(
        pregnancies::close(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// The antenatal contacts of a pregnancy, numbered K1…Kn in date order.
#[utoipa::path(tag = "mothers", params(("id" = Uuid, Path, description = "Pregnancy id")),
    responses((status = 200, description = "Contacts", body = Vec<AntenatalContact>)),
    security(("bearer" = [])))]
#[get("/pregnancies/{id}/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<AntenatalContact>>> {
    Ok(web::Json(
        pregnancies::list_contacts(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Record an antenatal contact: flags KEK (LILA < 23.5), anaemia (Hb < 11,
/// trimester II < 10.5) and hypertension (≥ 140/90). One contact per day:
/// the same values again answer 200 with the stored one; different values
/// are refused (409).
#[utoipa::path(tag = "mothers", params(("id" = Uuid, Path, description = "Pregnancy id")), request_body = NewAntenatalContact,
    responses(
        (status = 201, description = "Recorded", body = AntenatalContact),
        (status = 200, description = "Already recorded with the same values", body = AntenatalContact)),
    security(("bearer" = [])))]
#[post("/pregnancies/{id}/contacts")]
pub async fn add_contact(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewAntenatalContact>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    Ok(
        match pregnancies::add_contact(&state.db, &principal, id, body.into_inner()).await? {
            ContactRecorded::Created(c) => HttpResponse::Created()
                .insert_header(("Location", format!("/api/v1/pregnancies/{id}/contacts")))
                .json(c),
            ContactRecorded::Existing(c) => HttpResponse::Ok().json(c),
        },
    )
}

/// Record a birth: the pregnancy closes as a live birth, the baby is
/// registered as a child of the posyandu (low birth weight flagged under
/// 2,500 g) and the first doses of its immunisation schedule are listed.
#[utoipa::path(tag = "mothers", params(("id" = Uuid, Path, description = "Pregnancy id")), request_body = NewBirth,
    responses((status = 201, description = "Recorded", body = Birth)),
    security(("bearer" = [])))]
#[post("/pregnancies/{id}/births")]
pub async fn record_birth(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewBirth>,
) -> ApiResult<HttpResponse> {
    let birth =
        pregnancies::record_birth(&state.db, &principal, id.into_inner(), body.into_inner())
            .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/children/{}", birth.child.id)))
        .json(birth))
}
