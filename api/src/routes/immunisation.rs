//! Immunisation and vitamin A.
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::NaiveDate;
use openapi::maternal::{
    ChildDue, Immunisation, ImmunisationStatus, NewImmunisation, NewVitaminADose, VitaminADose,
    VitaminARoundEntry,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::services::Authority;
use crate::services::immunisation::{self, DoseRecorded};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// The day to evaluate (default today).
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The posyandu day (default today).
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RoundQuery {
    /// February or August, like `2026-08`.
    pub round: String,
}

/// A child's immunisation: each dose of the national schedule (given, not
/// yet, due, overdue, too late), "imunisasi dasar lengkap", and the doses
/// recorded.
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Child (person) id"), OnQuery),
    responses((status = 200, description = "Status", body = ImmunisationStatus)),
    security(("bearer" = [])))]
#[get("/children/{id}/immunisations")]
pub async fn child_immunisations(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    query: web::Query<OnQuery>,
) -> ApiResult<web::Json<ImmunisationStatus>> {
    Ok(web::Json(
        immunisation::status(&state.db, &principal, id.into_inner(), query.on).await?,
    ))
}

/// Record a dose given. A dose given too early (age or interval), after a
/// missing previous dose, or too late is recorded with its flag; a date
/// before birth or in the future, an unknown antigen or dose, and a dose
/// already recorded on another day are refused. The same dose on the same
/// day again answers 200 with the stored one.
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Child (person) id")), request_body = NewImmunisation,
    responses(
        (status = 201, description = "Recorded", body = Immunisation),
        (status = 200, description = "Already recorded on that day", body = Immunisation)),
    security(("bearer" = [])))]
#[post("/children/{id}/immunisations")]
pub async fn record_immunisation(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewImmunisation>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    Ok(
        match immunisation::record(
            &state.db,
            Authority::Caller(&principal),
            id,
            body.into_inner(),
        )
        .await?
        {
            DoseRecorded::Created(dose) => HttpResponse::Created()
                .insert_header(("Location", format!("/api/v1/children/{id}/immunisations")))
                .json(dose),
            DoseRecorded::Existing(dose) => HttpResponse::Ok().json(dose),
        },
    )
}

/// Remove a dose recorded by mistake (kept in the audit log).
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Immunisation id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = [])))]
#[delete("/immunisations/{id}")]
pub async fn delete_immunisation(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    immunisation::remove(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The children due for immunisation (and vitamin A in February and
/// August) at a posyandu on a day.
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Posyandu id"), DayQuery),
    responses((status = 200, description = "Children due", body = Vec<ChildDue>)),
    security(("bearer" = [])))]
#[get("/posyandu/{id}/due")]
pub async fn posyandu_due(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    query: web::Query<DayQuery>,
) -> ApiResult<web::Json<Vec<ChildDue>>> {
    Ok(web::Json(
        immunisation::due_at_posyandu(&state.db, &principal, id.into_inner(), query.date).await?,
    ))
}

/// The children of a posyandu in a vitamin A round: due, given or missed.
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Posyandu id"), RoundQuery),
    responses((status = 200, description = "Children of the round", body = Vec<VitaminARoundEntry>)),
    security(("bearer" = [])))]
#[get("/posyandu/{id}/vitamin-a")]
pub async fn posyandu_vitamin_a(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    query: web::Query<RoundQuery>,
) -> ApiResult<web::Json<Vec<VitaminARoundEntry>>> {
    Ok(web::Json(
        immunisation::vitamin_a_round(&state.db, &principal, id.into_inner(), &query.round).await?,
    ))
}

/// A person's vitamin A capsules.
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Capsules", body = Vec<VitaminADose>)),
    security(("bearer" = [])))]
#[get("/people/{id}/vitamin-a")]
pub async fn list_vitamin_a(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<VitaminADose>>> {
    Ok(web::Json(
        immunisation::list_vitamin_a(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Record a vitamin A capsule: a child under five (blue 6–11 months, red
/// 12–59 months, one per round) or a mother within 42 days after a birth
/// (two red capsules on different days).
#[utoipa::path(tag = "immunisation", params(("id" = Uuid, Path, description = "Person id")), request_body = NewVitaminADose,
    responses((status = 201, description = "Recorded", body = VitaminADose)),
    security(("bearer" = [])))]
#[post("/people/{id}/vitamin-a")]
pub async fn record_vitamin_a(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewVitaminADose>,
) -> ApiResult<HttpResponse> {
    let dose =
        immunisation::record_vitamin_a(&state.db, &principal, id.into_inner(), body.into_inner())
            .await?;
    Ok(HttpResponse::Created().json(dose))
}
