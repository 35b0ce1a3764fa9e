//! Errors as RFC 9457 `application/problem+json`.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An error. `type` is stable and machine-readable; `title` is for people;
/// validation errors list every offending field in `errors`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A stable URI reference naming the kind of problem, e.g.
    /// `/problems/validation`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub problem_type: String,
    #[schema(example = "The request has invalid fields")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Per-field details of a validation error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// OAuth 2.0 error code, on the token endpoint only (`invalid_grant`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The id of the request, to quote when reporting a problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `area_code`.
    pub field: String,
    /// Stable code: `required`, `invalid`, `too_short`, `too_long`,
    /// `unknown`, `taken`, `not_allowed`, `out_of_range`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The catalogue of problem types. Their `type` URIs never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    BadRequest,
    Validation,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    OutsideArea,
    NotFound,
    MethodNotAllowed,
    Conflict,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    ServiceUnavailable,
    /// The database's disk is full: nothing was saved.
    StorageFull,
    Internal,
}

impl ProblemType {
    pub const ALL: [ProblemType; 17] = [
        ProblemType::BadRequest,
        ProblemType::Validation,
        ProblemType::Unauthorized,
        ProblemType::InvalidCredentials,
        ProblemType::Forbidden,
        ProblemType::OutsideArea,
        ProblemType::NotFound,
        ProblemType::MethodNotAllowed,
        ProblemType::Conflict,
        ProblemType::IdempotencyKeyReused,
        ProblemType::IdempotencyInProgress,
        ProblemType::PayloadTooLarge,
        ProblemType::UnsupportedMediaType,
        ProblemType::TooManyRequests,
        ProblemType::ServiceUnavailable,
        ProblemType::StorageFull,
        ProblemType::Internal,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ProblemType::BadRequest => "bad-request",
            ProblemType::Validation => "validation",
            ProblemType::Unauthorized => "unauthorized",
            ProblemType::InvalidCredentials => "invalid-credentials",
            ProblemType::Forbidden => "forbidden",
            ProblemType::OutsideArea => "outside-area",
            ProblemType::NotFound => "not-found",
            ProblemType::MethodNotAllowed => "method-not-allowed",
            ProblemType::Conflict => "conflict",
            ProblemType::IdempotencyKeyReused => "idempotency-key-reused",
            ProblemType::IdempotencyInProgress => "idempotency-in-progress",
            ProblemType::PayloadTooLarge => "payload-too-large",
            ProblemType::UnsupportedMediaType => "unsupported-media-type",
            ProblemType::TooManyRequests => "too-many-requests",
            ProblemType::ServiceUnavailable => "service-unavailable",
            ProblemType::StorageFull => "storage-full",
            ProblemType::Internal => "internal",
        }
    }

    pub fn uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    pub fn status(self) -> u16 {
        match self {
            ProblemType::BadRequest => 400,
            ProblemType::Validation => 422,
            ProblemType::Unauthorized | ProblemType::InvalidCredentials => 401,
            ProblemType::Forbidden | ProblemType::OutsideArea => 403,
            ProblemType::NotFound => 404,
            ProblemType::MethodNotAllowed => 405,
            ProblemType::Conflict | ProblemType::IdempotencyInProgress => 409,
            ProblemType::IdempotencyKeyReused => 422,
            ProblemType::PayloadTooLarge => 413,
            ProblemType::UnsupportedMediaType => 415,
            ProblemType::TooManyRequests => 429,
            ProblemType::ServiceUnavailable => 503,
            ProblemType::StorageFull => 507,
            ProblemType::Internal => 500,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ProblemType::BadRequest => "The request could not be read",
            ProblemType::Validation => "The request has invalid fields",
            ProblemType::Unauthorized => "Authentication is required",
            ProblemType::InvalidCredentials => "The credentials are not valid",
            ProblemType::Forbidden => "Your role does not allow this",
            ProblemType::OutsideArea => "The area is outside your own",
            ProblemType::NotFound => "Not found",
            ProblemType::MethodNotAllowed => "Method not allowed",
            ProblemType::Conflict => "The request conflicts with existing data",
            ProblemType::IdempotencyKeyReused => {
                "The Idempotency-Key was used for a different request"
            }
            ProblemType::IdempotencyInProgress => {
                "A request with this Idempotency-Key is still being processed"
            }
            ProblemType::PayloadTooLarge => "The request body is too large",
            ProblemType::UnsupportedMediaType => "Unsupported content type",
            ProblemType::TooManyRequests => "Too many requests",
            ProblemType::ServiceUnavailable => "The service is temporarily unavailable",
            ProblemType::StorageFull => "The server's storage is full",
            ProblemType::Internal => "Internal error",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ProblemType> {
        ProblemType::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

impl Problem {
    pub fn new(problem_type: ProblemType) -> Problem {
        Problem {
            problem_type: problem_type.uri(),
            title: problem_type.title().to_owned(),
            status: problem_type.status(),
            detail: None,
            instance: None,
            errors: Vec::new(),
            error: None,
            request_id: None,
        }
    }
}
