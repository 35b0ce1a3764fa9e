//! The authenticated caller, extracted from `Authorization: Bearer …`.
use std::collections::BTreeSet;
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use openapi::{Role, Scope};
use uuid::Uuid;

use crate::access::AreaScope;
use crate::auth::jwt::{Claims, TokenError};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Client,
    /// A kader of the kader registry (no login of their own), through the
    /// bot that relays their chat reports.
    Kader,
}

/// Who is calling, with what role, in which area, allowed to do what.
#[derive(Debug, Clone)]
pub struct Principal {
    pub id: Uuid,
    pub kind: PrincipalKind,
    /// Username, or the client id of an API client.
    pub name: String,
    pub role: Role,
    pub area: AreaScope,
    pub area_code: String,
    pub scopes: BTreeSet<Scope>,
    /// The client acting for this subject (`client:<id>`), when a bot
    /// relays a person's chat report.
    pub via: Option<String>,
}

impl Principal {
    pub fn from_claims(claims: Claims) -> Result<Principal, ApiError> {
        let area = claims
            .area_scope()
            .ok_or_else(|| ApiError::unauthorized("The access token is not valid."))?;
        let scopes = claims.scopes().collect();
        Ok(Principal {
            id: claims.sub,
            kind: match claims.kind.as_str() {
                "client" => PrincipalKind::Client,
                "kader" => PrincipalKind::Kader,
                _ => PrincipalKind::User,
            },
            name: claims.name,
            role: claims.role,
            area,
            area_code: claims.area_code,
            scopes,
            via: claims.act.map(|a| a.sub),
        })
    }

    /// How the caller is written in the audit log.
    pub fn actor(&self) -> String {
        let subject = match self.kind {
            PrincipalKind::Client => format!("client:{}", self.name),
            PrincipalKind::User => format!("user:{}", self.id),
            PrincipalKind::Kader => format!("kader:{}", self.id),
        };
        match &self.via {
            Some(via) => format!("{subject} via {via}"),
            None => subject,
        }
    }

    /// 403 unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "This needs the permission `{}`, which your role or client does not have.",
                scope.as_str()
            )))
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        (self.kind == PrincipalKind::User).then_some(self.id)
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Principal, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::Internal(anyhow::anyhow!(
                "application state missing"
            ))));
        };
        let Some(token) = bearer(req) else {
            return ready(Err(ApiError::unauthorized(
                "Send an access token as `Authorization: Bearer <token>`; get one from POST /api/v1/auth/token.",
            )));
        };
        ready(match state.jwt.verify(token) {
            Ok(claims) => Principal::from_claims(claims),
            Err(TokenError::Expired) => Err(ApiError::unauthorized(
                "The access token has expired; use your refresh token to get a new one.",
            )),
            Err(TokenError::Invalid) => {
                Err(ApiError::unauthorized("The access token is not valid."))
            }
        })
    }
}
