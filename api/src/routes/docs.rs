//! The OpenAPI document: its front matter, security schemes, and the error
//! responses every operation can give, added in one place so that no
//! operation forgets one.
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{Content, Header, OpenApi, Ref, RefOr};
use utoipa::{Modify, OpenApi as _};

const INTRODUCTION: &str = "\
The API of the posyandu system: children's growth, pregnancies, births, \
newcomers and immunisation for Indonesian posyandu, and the areas, accounts \
and clients around them.

**Authentication.** `POST /api/v1/auth/token` with a username and password \
(people) or a client id and secret (apps) returns a short-lived JWT access \
token; send it as `Authorization: Bearer <token>`. In this page, press \
*Authorize* and log in with the password flow.

**Areas.** Every account and client is bound to an area (kabupaten, \
kecamatan, puskesmas, desa or posyandu). Lists contain only records inside \
it; a record outside it answers 404.

**Errors** are `application/problem+json` (RFC 9457) with a stable `type` \
(`/problems/validation`, `/problems/not-found`, …) and, for validation \
errors, one entry per invalid field in `errors`. Unknown JSON fields are \
rejected.

**Lists** are paged with an opaque `cursor` (follow `next_cursor`). Apps that \
sync pass `updated_since`: the list then runs in order of change and \
includes deleted records (their `deleted_at` is set).

**Retries.** Send an `Idempotency-Key` header (e.g. a UUID) with a `POST`: \
a retry with the same key returns the first response (with \
`Idempotent-Replayed: true`) and creates nothing twice. Keys live 24 hours.";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Posyandu API",
        version = "1",
        description = INTRODUCTION,
        license(name = "Apache-2.0"),
    ),
    tags(
        (name = "auth", description = "Tokens and your own account"),
        (name = "users", description = "User accounts"),
        (name = "clients", description = "API clients for apps and the bot"),
        (name = "areas", description = "Regions, puskesmas, posyandu and their opening days"),
        (name = "registry", description = "Families and people"),
        (name = "children", description = "Children under five and their weighings"),
        (name = "growth", description = "WHO z-scores and the lists that need action"),
        (name = "mothers", description = "Pregnancies, antenatal contacts and births"),
        (name = "immunisation", description = "Immunisation doses, vitamin A, and who is due"),
        (name = "population", description = "Newcomers and BPJS coverage gaps"),
        (name = "kader", description = "The kader registry"),
        (name = "chat", description = "Chat messages, their outcomes, the outbox and STOP/MULAI"),
        (name = "reports", description = "SKDN and the other reports, as JSON, CSV or Excel, with SVG charts; the districts' targets"),
        (name = "audit", description = "Who changed what"),
        (name = "operations", description = "Health, readiness and metrics"),
    ),
    // The enums used only in query parameters: the routes bring the schemas
    // of bodies and responses, not these.
    components(schemas(
        openapi::Problem,
        openapi::FieldError,
        openapi::reports::CaseKind,
        crate::routes::children::ChartKind,
        crate::routes::reports::Format,
        crate::services::children::AttentionKind,
    ))
)]
pub struct ApiDoc;

/// The base document the routes are added to.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// Completes the document once every route is in it.
pub fn finish(spec: &mut OpenApi) {
    StandardResponses.modify(spec);
}

struct StandardResponses;

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::error::PROBLEM_JSON,
            Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))),
        )
        .build()
}

fn with_retry_after(mut response: Response) -> Response {
    response.headers.insert(
        "Retry-After".into(),
        RefOr::T(Header::new(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Integer)
                .build(),
        )),
    );
    response
}

fn add(operation: &mut Operation, status: &str, response: Response) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert(RefOr::T(response));
}

impl Modify for StandardResponses {
    /// Adds the errors an operation can give by its shape: every operation
    /// can fail with 500; secured ones with 401/403; those reading the
    /// database with 503; those with a body with 400/413/415/422; those with
    /// a path id with 404; `POST` with 409/422 for `Idempotency-Key`.
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "password",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::new(
                    "/api/v1/auth/token",
                    Scopes::new(),
                ))],
                "Log in with a username and password",
            )),
        );

        for (path, item) in openapi.paths.paths.iter_mut() {
            let methods = [
                (HttpMethod::Get, &mut item.get),
                (HttpMethod::Post, &mut item.post),
                (HttpMethod::Put, &mut item.put),
                (HttpMethod::Patch, &mut item.patch),
                (HttpMethod::Delete, &mut item.delete),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                if secured {
                    // Either scheme authorises: a bearer token, or one got
                    // through the password flow in Swagger UI.
                    let mut requirements = operation.security.take().unwrap_or_default();
                    requirements.push(utoipa::openapi::security::SecurityRequirement::new(
                        "password",
                        Vec::<String>::new(),
                    ));
                    operation.security = Some(requirements);
                    add(operation, "401", problem("No valid access token"));
                    add(
                        operation,
                        "403",
                        problem(
                            "The role or client lacks the permission, or the area is outside the caller's",
                        ),
                    );
                }
                let touches_database = path != "/healthz" && path != "/metrics";
                if touches_database {
                    add(
                        operation,
                        "503",
                        with_retry_after(problem("The database is temporarily unreachable; retry")),
                    );
                }
                if touches_database && method != HttpMethod::Get {
                    add(
                        operation,
                        "507",
                        with_retry_after(problem("The database's disk is full; nothing was saved")),
                    );
                }
                add(
                    operation,
                    "500",
                    problem("Internal error (quote the request id)"),
                );
                let has_query = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if has_query || operation.request_body.is_some() {
                    add(operation, "400", problem("The request could not be read"));
                    add(
                        operation,
                        "422",
                        problem("Invalid fields, listed in `errors`"),
                    );
                }
                if operation.request_body.is_some() {
                    add(
                        operation,
                        "413",
                        problem("The body is larger than the server accepts"),
                    );
                    add(operation, "415", problem("The body is not JSON"));
                }
                if path.contains('{') {
                    add(operation, "404", problem("Not found in the caller's area"));
                }
                if method == HttpMethod::Post && secured {
                    add(
                        operation,
                        "409",
                        with_retry_after(problem(
                            "A conflict with existing data, or a request with the same Idempotency-Key is still running",
                        )),
                    );
                    let header = utoipa::openapi::path::ParameterBuilder::new()
                        .name("Idempotency-Key")
                        .parameter_in(utoipa::openapi::path::ParameterIn::Header)
                        .required(utoipa::openapi::Required::False)
                        .description(Some(
                            "Makes a retried POST safe: the first response is replayed",
                        ))
                        .schema(Some(
                            utoipa::openapi::schema::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String)
                                .min_length(Some(1))
                                .max_length(Some(255)),
                        ))
                        .build();
                    operation
                        .parameters
                        .get_or_insert_with(Vec::new)
                        .push(RefOr::T(header));
                }
                if matches!(method, HttpMethod::Patch | HttpMethod::Delete) && secured {
                    add(operation, "409", problem("A conflict with existing data"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every `$ref` below `value`.
    fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_in_the_document_resolves() {
        let document: serde_json::Value =
            serde_json::from_str(&crate::startup::openapi_json()).unwrap();
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(found.len() > 100, "the document has references");
        let missing: Vec<&str> = found
            .into_iter()
            .filter(|r| {
                let pointer = r.strip_prefix('#').unwrap_or(r);
                document.pointer(pointer).is_none()
            })
            .collect();
        assert!(missing.is_empty(), "unresolved: {missing:?}");
    }

    /// Every integer under `value` that is documented with `minimum: 0` (a
    /// Rust unsigned type) but no `maximum`, as `path`s.
    fn unbounded_unsigned(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                let integer = match map.get("type") {
                    Some(serde_json::Value::String(t)) => t == "integer",
                    Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                    _ => false,
                };
                if integer && map.get("minimum") == Some(&0.into()) && !map.contains_key("maximum")
                {
                    out.push(path.clone());
                }
                for (key, v) in map {
                    unbounded_unsigned(v, format!("{path}/{key}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    unbounded_unsigned(v, format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    /// utoipa documents a `u32` as `int32` from 0, which tells a client (and
    /// schemathesis, which found it) that 2147483648 is refused, while serde
    /// takes it. So an unsigned number a client sends says its real range.
    #[test]
    fn every_unsigned_number_a_client_sends_has_a_maximum() {
        let document: serde_json::Value =
            serde_json::from_str(&crate::startup::openapi_json()).unwrap();
        let mut sent = std::collections::BTreeSet::new();
        let mut pending = Vec::new();
        for path in document["paths"].as_object().unwrap().values() {
            for operation in path.as_object().unwrap().values() {
                refs(&operation["requestBody"], &mut pending);
            }
        }
        // The schemas bodies refer to, and the ones those refer to.
        while let Some(reference) = pending.pop() {
            if sent.insert(reference.to_owned()) {
                let schema = document.pointer(reference.trim_start_matches('#')).unwrap();
                refs(schema, &mut pending);
            }
        }
        let mut unbounded = Vec::new();
        for reference in &sent {
            let schema = document.pointer(reference.trim_start_matches('#')).unwrap();
            unbounded_unsigned(schema, reference.clone(), &mut unbounded);
        }
        assert!(sent.len() > 30, "found the request schemas: {sent:?}");
        assert!(unbounded.is_empty(), "say the range of {unbounded:#?}");
    }
}
