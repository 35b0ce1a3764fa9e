//! Families and people.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::registry::{
    Family, FamilyPatch, InstitutionPost, NewFamily, NewInstitutionPost, NewPerson, NewPersonEvent,
    Person, PersonEvent, PersonPatch,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::people::{self, PersonFilter};
use crate::services::{Authority, kader};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FamilyQuery {
    /// Only families of this desa.
    pub desa_code: Option<String>,
    /// The family with this No. KK.
    pub no_kk: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only families changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the families inside your area.
#[utoipa::path(tag = "registry", params(FamilyQuery),
    responses((status = 200, description = "One page of families", body = Page<Family>)),
    security(("bearer" = [])))]
#[get("/families")]
pub async fn list_families(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<FamilyQuery>,
) -> ApiResult<web::Json<Page<Family>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    Ok(web::Json(
        people::list_families(&state.db, &principal, q.desa_code, q.no_kk, page).await?,
    ))
}

/// Register a family (Kartu Keluarga).
#[utoipa::path(tag = "registry", request_body = NewFamily,
    responses((status = 201, description = "Registered", body = Family)),
    security(("bearer" = [])))]
#[post("/families")]
pub async fn create_family(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewFamily>,
) -> ApiResult<HttpResponse> {
    let family =
        people::create_family(&state.db, Authority::Caller(&principal), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/families/{}", family.id)))
        .json(family))
}

/// One family.
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Family id")),
    responses((status = 200, description = "The family", body = Family)),
    security(("bearer" = [])))]
#[get("/families/{id}")]
pub async fn get_family(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Family>> {
    Ok(web::Json(
        people::get_family(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change a family: No. KK, desil, address.
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Family id")), request_body = FamilyPatch,
    responses((status = 200, description = "The changed family", body = Family)),
    security(("bearer" = [])))]
#[patch("/families/{id}")]
pub async fn update_family(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<FamilyPatch>,
) -> ApiResult<web::Json<Family>> {
    Ok(web::Json(
        people::update_family(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// The members of a family.
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Family id")),
    responses((status = 200, description = "Members, oldest first", body = Vec<Person>)),
    security(("bearer" = [])))]
#[get("/families/{id}/members")]
pub async fn family_members(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<Person>>> {
    Ok(web::Json(
        people::family_members(&state.db, &principal, id.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Names containing this (case and accents ignored).
    pub name: Option<String>,
    /// The person with this public code.
    pub code: Option<String>,
    /// The person with this NIK.
    pub nik: Option<String>,
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub family_id: Option<Uuid>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only people changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Find people inside your area by name, code or NIK.
#[utoipa::path(tag = "registry", params(PersonQuery),
    responses((status = 200, description = "One page of people", body = Page<Person>)),
    security(("bearer" = [])))]
#[get("/people")]
pub async fn list_people(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PersonQuery>,
) -> ApiResult<web::Json<Page<Person>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = PersonFilter {
        name: q.name,
        code: q.code,
        nik: q.nik,
        posyandu_id: q.posyandu_id,
        desa_code: q.desa_code,
        family_id: q.family_id,
    };
    Ok(web::Json(
        people::list_people(&state.db, &principal, filter, page).await?,
    ))
}

/// Register a person. They get a short public code with a check digit.
#[utoipa::path(tag = "registry", request_body = NewPerson,
    responses((status = 201, description = "Registered", body = Person)),
    security(("bearer" = [])))]
#[post("/people")]
pub async fn create_person(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewPerson>,
) -> ApiResult<HttpResponse> {
    let person =
        people::create_person(&state.db, Authority::Caller(&principal), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/people/{}", person.id)))
        .json(person))
}

/// One person.
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "The person", body = Person)),
    security(("bearer" = [])))]
#[get("/people/{id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Person>> {
    Ok(web::Json(
        people::get_person(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change a person's details. Moves and deaths are events, not edits.
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Person id")), request_body = PersonPatch,
    responses((status = 200, description = "The changed person", body = Person)),
    security(("bearer" = [])))]
#[patch("/people/{id}")]
pub async fn update_person(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<PersonPatch>,
) -> ApiResult<web::Json<Person>> {
    Ok(web::Json(
        people::update_person(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// A person's dated events (registered, moved, deceased, returned).
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Events, oldest first", body = Vec<PersonEvent>)),
    security(("bearer" = [])))]
#[get("/people/{id}/events")]
pub async fn list_person_events(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<PersonEvent>>> {
    Ok(web::Json(
        people::list_events(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Record that a person moved away, died, or came back; their status follows.
#[utoipa::path(tag = "registry", params(("id" = Uuid, Path, description = "Person id")), request_body = NewPersonEvent,
    responses((status = 201, description = "Recorded", body = PersonEvent)),
    security(("bearer" = [])))]
#[post("/people/{id}/events")]
pub async fn add_person_event(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewPersonEvent>,
) -> ApiResult<HttpResponse> {
    let event =
        people::add_event(&state.db, &principal, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(event))
}

/// A person's posts in other village institutions (PKK, LPM, …).
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Posts", body = Vec<InstitutionPost>)),
    security(("bearer" = [])))]
#[get("/people/{id}/posts")]
pub async fn list_person_posts(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<InstitutionPost>>> {
    Ok(web::Json(
        kader::list_posts(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Record a post in another village institution, for the no-double-posts rule.
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Person id")), request_body = NewInstitutionPost,
    responses((status = 201, description = "Recorded", body = InstitutionPost)),
    security(("bearer" = [])))]
#[post("/people/{id}/posts")]
pub async fn add_person_post(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewInstitutionPost>,
) -> ApiResult<HttpResponse> {
    let post = kader::add_post(&state.db, &principal, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(post))
}
