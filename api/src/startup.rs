//! Building and running the HTTP server.
//!
//! [`Application::build`] binds its own listener and reports the port, so
//! tests start the real server on port 0 and talk to it over HTTP.
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use openapi::{FieldError, ProblemType};
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::Settings;
use crate::error::ApiError;
use crate::middleware::{idempotency, json_object, metrics, request_id, storage_guard};
use crate::routes;
use crate::services::idempotency::purge_expired;
use crate::services::tokens;
use crate::state::AppState;

/// The OpenAPI document of every route, with the standard error responses.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(routes::docs::base())
        .configure(routes::configure)
        .split_for_parts();
    routes::docs::finish(&mut spec);
    spec
}

/// The spec as the pretty JSON committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi_spec()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    text.push('\n');
    text
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Binds the listener and prepares the server (not yet running).
    pub async fn build(
        settings: Arc<Settings>,
        db: DatabaseConnection,
    ) -> anyhow::Result<Application> {
        Application::build_with(settings, db, None).await
    }

    /// [`Application::build`], also serving the providers' webhooks under
    /// `/webhooks/` for the bot whose credentials are given (the all-in-one
    /// start): the webhooks store messages through this same API.
    pub async fn build_with(
        settings: Arc<Settings>,
        db: DatabaseConnection,
        webhooks: Option<posyandu_bot::Credentials>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.listen)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let webhooks = webhooks.map(|credentials| {
            web::Data::new(posyandu_bot::webhooks::WebhookState {
                api: Arc::new(posyandu_bot::ApiClient::new(
                    format!("http://127.0.0.1:{port}"),
                    credentials,
                )),
                channels: Arc::new(settings.channels.clone()),
            })
        });
        let state = web::Data::new(AppState::new(db, settings.clone())?);
        let metrics = web::Data::new(metrics::Metrics::default());
        let spec = openapi_spec();
        let paths = web::Data::new(routes::fallback::KnownPaths::from_spec(&spec));
        let max_body = settings.max_body_bytes;

        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(metrics.clone())
                .app_data(paths.clone())
                .app_data(json_config(max_body))
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(query_config())
                .app_data(path_config())
                .wrap(from_fn(json_object::objects_only))
                .wrap(from_fn(idempotency::idempotency))
                .wrap(from_fn(storage_guard::guard))
                .wrap(from_fn(metrics::record))
                .wrap(from_fn(request_id::request_id))
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .url("/openapi.json", spec.clone())
                        .config(
                            SwaggerConfig::default()
                                .persist_authorization(true)
                                .display_request_duration(true)
                                .try_it_out_enabled(true),
                        ),
                )
                .route("/docs", web::get().to(docs_redirect))
                .route("/", web::get().to(docs_redirect))
                .configure(|cfg| {
                    if let Some(state) = &webhooks {
                        posyandu_bot::webhooks::configure(cfg, state.clone());
                    }
                })
                .default_service(web::to(routes::fallback::not_found))
        })
        .disable_signals()
        .shutdown_timeout(30)
        .listen(listener)?;
        if let Some(workers) = settings.http_workers {
            server = server.workers(workers);
        }
        Ok(Application {
            port,
            server: server.run(),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the handle is told to stop; in-flight requests finish.
    /// Housekeeping (expired idempotency keys) runs alongside.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stop = CancellationToken::new();
        let housekeeping = tokio::spawn(housekeeping(self.state.clone(), stop.clone()));
        let result = self.server.await;
        stop.cancel();
        let _ = housekeeping.await;
        result
    }
}

async fn housekeeping(state: web::Data<AppState>, stop: CancellationToken) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => {
                match purge_expired(&state.db).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired idempotency keys removed"),
                    Err(error) => tracing::warn!(%error, "idempotency housekeeping failed"),
                }
                match tokens::purge_expired(&state.db).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired refresh tokens removed"),
                    Err(error) => tracing::warn!(%error, "refresh-token housekeeping failed"),
                }
            }
        }
    }
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// JSON bodies: size limit, `application/json` required, errors as
/// problems. A body that is valid JSON of the wrong shape (unknown or missing
/// field, wrong type) is a validation error naming the field.
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _req: &HttpRequest| {
            let api_error = match &error {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::with_detail(
                    ProblemType::PayloadTooLarge,
                    "The request body is larger than the server accepts.",
                ),
                JsonPayloadError::ContentType => ApiError::with_detail(
                    ProblemType::UnsupportedMediaType,
                    "Send the body as application/json.",
                ),
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    ApiError::Validation(vec![field_error_from_serde(&e.to_string())])
                }
                JsonPayloadError::Deserialize(e) => {
                    ApiError::bad_request(format!("The body is not valid JSON: {e}."))
                }
                _ => ApiError::bad_request("The request body could not be read."),
            };
            api_error.into()
        })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        let message = match &error {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::Validation(vec![FieldError {
            field: serde_field(&message).unwrap_or_else(|| "query".into()),
            code: "invalid".into(),
            message: format!("The query string is not valid: {message}."),
        }])
        .into()
    })
}

/// A path segment that cannot be parsed (a malformed id) cannot name a
/// record: 404.
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_error, req| routes::fallback::unreadable_path(req))
}

/// The field a serde error message names (`unknown field `x``, `missing
/// field `x``), if any.
fn serde_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let field = &message[start..end];
    (message.contains("field") && !field.is_empty()).then(|| field.to_owned())
}

fn field_error_from_serde(message: &str) -> FieldError {
    let code = if message.starts_with("unknown field") {
        "unknown"
    } else if message.starts_with("missing field") {
        "required"
    } else {
        "invalid"
    };
    // Drop serde's "at line 1 column 42" suffix: it helps nobody reading a
    // problem document.
    let text = message.split(" at line ").next().unwrap_or(message);
    FieldError {
        field: serde_field(message).unwrap_or_else(|| "body".into()),
        code: code.into(),
        message: format!("{text}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_fields() {
        let e = field_error_from_serde(
            "unknown field `nmae`, expected one of `name`, `kode` at line 1 column 9",
        );
        assert_eq!(e.field, "nmae");
        assert_eq!(e.code, "unknown");
        assert!(!e.message.contains("line 1"));
        let e = field_error_from_serde("missing field `name` at line 1 column 2");
        assert_eq!((e.field.as_str(), e.code.as_str()), ("name", "required"));
        let e = field_error_from_serde(
            "invalid type: integer `5`, expected a string at line 1 column 10",
        );
        assert_eq!((e.field.as_str(), e.code.as_str()), ("body", "invalid"));
    }
}
