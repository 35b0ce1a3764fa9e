//! Every error the API answers, as RFC 9457 `application/problem+json`.
//!
//! Handlers and services return [`ApiError`]; it knows its status and
//! problem type. Database and internal errors are logged with their detail
//! and answered with a generic title and the request id: database text never
//! reaches a client.
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use openapi::{FieldError, Problem, ProblemType};
use sea_orm::DbErr;

use crate::middleware::request_id::current_request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem of a known type with an optional human explanation.
    #[error("{kind:?}: {detail:?}")]
    Problem {
        kind: ProblemType,
        detail: Option<String>,
        /// Seconds, for 429 and 503.
        retry_after: Option<u64>,
        /// OAuth error code on the token endpoint.
        oauth_error: Option<&'static str>,
    },
    /// Invalid fields (422).
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(kind: ProblemType) -> ApiError {
        ApiError::Problem {
            kind,
            detail: None,
            retry_after: None,
            oauth_error: None,
        }
    }

    pub fn with_detail(kind: ProblemType, detail: impl Into<String>) -> ApiError {
        ApiError::Problem {
            kind,
            detail: Some(detail.into()),
            retry_after: None,
            oauth_error: None,
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(ProblemType::NotFound)
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::with_detail(ProblemType::BadRequest, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::with_detail(ProblemType::Conflict, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::with_detail(ProblemType::Forbidden, detail)
    }

    pub fn outside_area(detail: impl Into<String>) -> ApiError {
        ApiError::with_detail(ProblemType::OutsideArea, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::with_detail(ProblemType::Unauthorized, detail)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> ApiError {
        ApiError::Problem {
            kind: ProblemType::TooManyRequests,
            detail: Some("Too many attempts; wait before trying again.".into()),
            retry_after: Some(retry_after_secs.max(1)),
            oauth_error: None,
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Attaches an OAuth 2.0 error code (token endpoint).
    pub fn oauth(mut self, code: &'static str) -> ApiError {
        if let ApiError::Problem { oauth_error, .. } = &mut self {
            *oauth_error = Some(code);
        }
        self
    }

    fn kind(&self) -> ProblemType {
        match self {
            ApiError::Problem { kind, .. } => *kind,
            ApiError::Validation(_) => ProblemType::Validation,
            ApiError::Database(error) if crate::db::is_storage_full(error) => {
                ProblemType::StorageFull
            }
            ApiError::Database(error) if crate::db::is_unavailable(error) => {
                ProblemType::ServiceUnavailable
            }
            ApiError::Database(error) if crate::db::is_unique_violation(error) => {
                ProblemType::Conflict
            }
            ApiError::Database(_) | ApiError::Internal(_) => ProblemType::Internal,
        }
    }

    /// The problem document (without the request id, added when sent).
    pub fn to_problem(&self) -> Problem {
        let kind = self.kind();
        let mut problem = Problem::new(kind);
        match self {
            ApiError::Problem {
                detail,
                oauth_error,
                ..
            } => {
                problem.detail = detail.clone();
                problem.error = oauth_error.map(str::to_owned);
            }
            ApiError::Validation(errors) => problem.errors = errors.clone(),
            ApiError::Database(_) if kind == ProblemType::ServiceUnavailable => {
                problem.detail = Some("The database is not reachable; try again shortly.".into())
            }
            ApiError::Database(_) if kind == ProblemType::StorageFull => {
                problem.detail = Some(
                    "Nothing was saved: the database's disk is full. Reading still works; \
                     writing does again once the operator frees space."
                        .into(),
                )
            }
            ApiError::Database(_) if kind == ProblemType::Conflict => {
                problem.detail = Some("A record with the same unique value already exists.".into())
            }
            _ => {}
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Database(error) if self.kind() != ProblemType::Conflict => {
                tracing::error!(%error, "database error")
            }
            ApiError::Internal(error) => {
                tracing::error!(error = %format!("{error:#}"), "internal error")
            }
            _ => {}
        }
        let retry_after = match self {
            ApiError::Problem { retry_after, .. } => *retry_after,
            _ if self.kind() == ProblemType::ServiceUnavailable => Some(2),
            // Freeing disk space takes a person: not worth retrying soon.
            _ if self.kind() == ProblemType::StorageFull => Some(300),
            _ => None,
        };
        let mut response = problem_response(self.to_problem());
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&seconds.to_string()).expect("digits are a valid header"),
            );
        }
        if self.kind() == ProblemType::Unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"posyandu\""),
            );
        }
        response
    }
}

/// Sends a problem document with the current request id.
pub fn problem_response(mut problem: Problem) -> HttpResponse {
    problem.request_id = current_request_id();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .body(serde_json::to_vec(&problem).expect("a problem always serialises"))
}

/// Collects field errors while validating a request, so the client learns
/// every mistake at once instead of one per round trip.
#[derive(Debug, Default)]
pub struct Invalid(Vec<FieldError>);

impl Invalid {
    pub fn new() -> Invalid {
        Invalid::default()
    }

    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Records the error of a field parser, keeping the value when valid.
    pub fn check<T>(&mut self, field: &str, result: Result<T, FieldProblem>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem.code, problem.message);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was wrong.
    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Why one value is invalid: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub code: &'static str,
    pub message: String,
}

impl FieldProblem {
    pub fn new(code: &'static str, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            code,
            message: message.into(),
        }
    }
}
