//! JWT access tokens: HS256 only, with issuer and audience pinned.
//!
//! The algorithm is fixed on both sides: a token whose header names another
//! algorithm (`none`, `HS512`, `RS256` …) is rejected before its signature is
//! looked at, so algorithm-confusion attacks do not apply.
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use openapi::{AreaKind, Role, Scope};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::AreaScope;
use crate::config::JwtSettings;

/// Clock skew tolerated between replicas, in seconds.
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// User id or API client row id.
    pub sub: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// `user` or `client`.
    pub kind: String,
    /// Username, or client id of an API client.
    pub name: String,
    pub role: Role,
    pub area_kind: AreaKind,
    pub area_code: String,
    /// Puskesmas or posyandu id, for those area kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_id: Option<Uuid>,
    /// Space-separated scopes.
    pub scope: String,
    /// Who acts for the subject (RFC 8693 §4.1): the bot's client when it
    /// relays a kader's chat report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<ActorClaim>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorClaim {
    /// `client:<client id>`.
    pub sub: String,
}

impl Claims {
    /// The caller as written in audit entries and idempotency keys.
    pub fn actor(&self) -> String {
        let subject = match self.kind.as_str() {
            "client" => format!("client:{}", self.name),
            "kader" => format!("kader:{}", self.sub),
            _ => format!("user:{}", self.sub),
        };
        match &self.act {
            Some(act) => format!("{subject} via {}", act.sub),
            None => subject,
        }
    }

    pub fn area_scope(&self) -> Option<AreaScope> {
        AreaScope::from_parts(self.area_kind, &self.area_code, self.area_id)
    }

    pub fn scopes(&self) -> impl Iterator<Item = Scope> + '_ {
        self.scope.split_whitespace().filter_map(Scope::parse)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
}

impl JwtKeys {
    pub fn new(settings: &JwtSettings) -> anyhow::Result<JwtKeys> {
        let secret = settings
            .secret
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no JWT secret configured"))?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_ttl,
        })
    }

    /// Fills in issuer, audience, times and id, and signs.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        sub: Uuid,
        kind: &str,
        name: &str,
        role: Role,
        area: &AreaScope,
        area_code: &str,
        scopes: &[Scope],
    ) -> anyhow::Result<(String, Claims)> {
        self.issue_for(sub, kind, name, role, area, area_code, scopes, None)
    }

    /// [`JwtKeys::issue`] with an actor acting for the subject.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_for(
        &self,
        sub: Uuid,
        kind: &str,
        name: &str,
        role: Role,
        area: &AreaScope,
        area_code: &str,
        scopes: &[Scope],
        act: Option<ActorClaim>,
    ) -> anyhow::Result<(String, Claims)> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub,
            iat: now,
            nbf: now,
            exp: now + self.access_ttl.as_secs() as i64,
            jti: Uuid::new_v4(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            role,
            area_kind: area.kind(),
            area_code: area_code.to_owned(),
            area_id: area.id(),
            scope: scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            act,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys(secret: &str, audience: &str) -> JwtKeys {
        JwtKeys::new(&JwtSettings {
            secret: Some(Secret::new(secret)),
            issuer: "posyandu".into(),
            audience: audience.into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(86400),
        })
        .unwrap()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    fn issue(keys: &JwtKeys) -> (String, Claims) {
        keys.issue(
            Uuid::now_v7(),
            "user",
            "bidan.pemaron",
            Role::Bidan,
            &AreaScope::Desa("51.08.06.2004".into()),
            "51.08.06.2004",
            &[Scope::ReadAreas],
        )
        .unwrap()
    }

    #[test]
    fn a_token_round_trips() {
        let keys = keys(SECRET, "posyandu-api");
        let (token, claims) = issue(&keys);
        assert_eq!(keys.verify(&token).unwrap(), claims);
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn wrong_secret_or_audience_is_rejected() {
        let (token, _) = issue(&keys(SECRET, "posyandu-api"));
        assert_eq!(
            keys("another-secret-of-enough-length-000", "posyandu-api").verify(&token),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            keys(SECRET, "other-api").verify(&token),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn alg_none_and_other_algorithms_are_rejected() {
        let keys = keys(SECRET, "posyandu-api");
        let (token, _) = issue(&keys);
        let payload = token.split('.').nth(1).unwrap();
        for alg in ["none", "HS512", "RS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let forged = format!("{header}.{payload}.");
            assert_eq!(keys.verify(&forged), Err(TokenError::Invalid), "{alg}");
        }
        // HS512 properly signed with the same secret is still refused.
        let claims = keys.verify(&token).unwrap();
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_eq!(keys.verify(&hs512), Err(TokenError::Invalid));
    }

    #[test]
    fn tampered_payload_is_rejected() {
        let keys = keys(SECRET, "posyandu-api");
        let (token, claims) = issue(&keys);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims.clone();
        forged.role = Role::Admin;
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(keys.verify(&parts.join(".")), Err(TokenError::Invalid));
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let keys = keys(SECRET, "posyandu-api");
        let (_, mut claims) = issue(&keys);
        claims.exp = chrono::Utc::now().timestamp() - 120;
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_eq!(keys.verify(&token), Err(TokenError::Expired));
    }
}
