//! Queries and mutations. Handlers stay thin: they parse, call a service,
//! and shape the answer. Every service that touches area-bound rows takes
//! the caller's [`crate::auth::Principal`] and filters in the query.
pub mod activities;
pub mod areas;
pub mod audit;
pub mod child_months;
pub mod children;
pub mod clients;
pub mod contacts;
pub mod dispatch;
pub mod growth;
pub mod idempotency;
pub mod immunisation;
pub mod kader;
pub mod messages;
pub mod outbox;
pub mod people;
pub mod population;
pub mod posyandu;
pub mod pregnancies;
pub mod reminders;
pub mod reports;
pub mod tokens;
pub mod users;
pub mod weighing_writer;
pub mod weighings;

use openapi::{Role, Scope};

use crate::access::{Location, grantable_client_roles, grantable_roles};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::Actor;

/// On whose authority a change is made: a caller of the API, or the
/// operator at the `posyandu` command line (who may do anything).
#[derive(Debug, Clone, Copy)]
pub enum Authority<'a> {
    Caller(&'a Principal),
    Operator,
}

impl Authority<'_> {
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        match self {
            Authority::Caller(principal) => principal.require(scope),
            Authority::Operator => Ok(()),
        }
    }

    pub fn contains(&self, location: &Location) -> bool {
        match self {
            Authority::Caller(principal) => principal.area.contains(location),
            Authority::Operator => true,
        }
    }

    pub fn can_grant(&self, role: Role) -> bool {
        match self {
            Authority::Caller(principal) => grantable_roles(principal.role).contains(&role),
            Authority::Operator => !role.is_client_role(),
        }
    }

    pub fn can_grant_client(&self, role: Role) -> bool {
        match self {
            Authority::Caller(principal) => grantable_client_roles(principal.role).contains(&role),
            Authority::Operator => role.is_client_role(),
        }
    }

    pub fn has_scope(&self, scope: Scope) -> bool {
        match self {
            Authority::Caller(principal) => principal.scopes.contains(&scope),
            Authority::Operator => true,
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Authority::Caller(principal) => Actor::from(*principal),
            Authority::Operator => Actor::system(),
        }
    }

    pub fn actor_name(&self) -> String {
        self.actor().actor
    }

    /// 403 with a sentence naming the role, for roles one may not manage.
    pub fn check_grant(&self, role: Role) -> ApiResult<()> {
        if self.can_grant(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "You may not give or manage the role `{role}`."
            )))
        }
    }
}
