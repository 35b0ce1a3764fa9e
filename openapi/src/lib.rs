//! The wire contract of the posyandu API.
//!
//! Every type a request or response carries lives here, with its OpenAPI
//! schema, so that the server, the bot (the API's first client) and
//! third-party apps agree on one definition. The generated specification is
//! committed as `openapi/openapi.json`; a test fails when it drifts from the
//! code.
//!
//! Request types reject unknown fields: a misspelt field is an error the
//! integrator sees at once, not a value silently ignored.

pub mod access;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod clients;
pub mod growth;
pub mod health;
pub mod maternal;
pub mod messages;
pub mod page;
pub mod problem;
pub mod registry;
pub mod reports;
pub mod users;

pub use access::{AreaKind, AreaRef, Role, Scope};
pub use page::Page;
pub use problem::{FieldError, Problem, ProblemType};

/// The committed specification, as served at `/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");
