//! A typed HTTP client of the posyandu API.
//!
//! The bot authenticates as itself (client credentials) for the relay work
//! (storing, claiming, settling, the outbox), and acts for a kader or a
//! health worker with a token exchanged for their phone number (RFC 8693),
//! so that everything it records on their behalf is bounded by *their*
//! area and written in the audit log as theirs, via the bot. Tokens are
//! cached and renewed shortly before they expire, or at once on a 401.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use openapi::auth::{Me, PHONE_TOKEN_TYPE, TokenRequest, TokenResponse};
use openapi::health::Readiness;
use openapi::problem::Problem;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

/// The bot's service account.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the API could not be reached: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("the API answered {status}: {title}")]
    Api {
        status: u16,
        title: String,
        problem: Option<Box<Problem>>,
    },
}

impl ClientError {
    /// Worth trying again later: the API was unreachable, overloaded or
    /// briefly without its database.
    pub fn is_temporary(&self) -> bool {
        match self {
            // An answer that does not decode is a contract mismatch between
            // bot and API: trying again would give the same answer.
            ClientError::Transport(e) => !e.is_decode(),
            ClientError::Api { status, .. } => {
                matches!(*status, 408 | 409 | 425 | 429 | 500 | 502 | 503 | 504)
                    && !self.is_conflict()
            }
        }
    }

    /// A 409 about the data (a duplicate), not about a request in flight.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ClientError::Api { status: 409, problem: Some(p), .. }
            if p.problem_type != "/problems/idempotency-in-progress")
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            ClientError::Transport(_) => None,
        }
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Api { problem, .. } => problem.as_deref(),
            ClientError::Transport(_) => None,
        }
    }
}

/// On whose authority a request is made.
#[derive(Debug, Clone, Copy)]
pub enum Acting<'a> {
    /// The bot itself.
    Bot,
    /// The kader or health worker registered with this number (E.164).
    For(&'a str),
}

/// A successful answer with its status (200 and 201 can mean different
/// things: "already recorded" and "recorded").
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub status: u16,
    pub body: T,
}

struct CachedToken {
    token: String,
    renew_at: Instant,
}

pub struct ApiClient {
    base_url: String,
    http: reqwest::Client,
    credentials: Credentials,
    token: Mutex<Option<CachedToken>>,
    delegated: Mutex<HashMap<String, CachedToken>>,
}

impl ApiClient {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> ApiClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("posyandu-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is static and valid");
        ApiClient {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http,
            credentials,
            token: Mutex::new(None),
            delegated: Mutex::new(HashMap::new()),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Readiness of the API (no authentication).
    pub async fn readiness(&self) -> Result<Readiness, ClientError> {
        let response = self.http.get(self.url("/readyz")).send().await?;
        decode(response).await.map(|a| a.body)
    }

    /// The bot's own identity as the API sees it.
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get_json("/api/v1/me").await
    }

    /// `GET` as the bot.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Acting::Bot, Method::GET, path, None, None)
            .await
            .map(|a| a.body)
    }

    /// `POST` as the bot.
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Acting::Bot, Method::POST, path, Some(body), None)
            .await
            .map(|a| a.body)
    }

    /// Any request, as the bot or for a person, with an optional
    /// `Idempotency-Key`. The token is renewed once if the API rejects it.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        acting: Acting<'_>,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<Answer<T>, ClientError> {
        for attempt in 0..2 {
            let token = match acting {
                Acting::Bot => self.access_token(attempt > 0).await?,
                Acting::For(phone) => self.delegated_token(phone, attempt > 0).await?,
            };
            let mut request = self
                .http
                .request(method.clone(), self.url(path))
                .bearer_auth(token);
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await?;
            if response.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                continue;
            }
            return decode(response).await;
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// `DELETE` for a person; 204 (or 404: already gone) is success.
    pub async fn delete_for(
        &self,
        phone: &str,
        path: &str,
        idempotency_key: &str,
    ) -> Result<(), ClientError> {
        for attempt in 0..2 {
            let token = self.delegated_token(phone, attempt > 0).await?;
            let response = self
                .http
                .delete(self.url(path))
                .bearer_auth(token)
                .header("Idempotency-Key", idempotency_key)
                .send()
                .await?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                continue;
            }
            if status.is_success() || status == StatusCode::NOT_FOUND {
                return Ok(());
            }
            return Err(error_of(status, response).await);
        }
        unreachable!("the loop returns on its second attempt")
    }

    async fn access_token(&self, force_renew: bool) -> Result<String, ClientError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && !force_renew
            && Instant::now() < token.renew_at
        {
            return Ok(token.token.clone());
        }
        let request = TokenRequest::ClientCredentials {
            client_id: Some(self.credentials.client_id.clone()),
            client_secret: Some(self.credentials.client_secret.clone()),
            scope: None,
        };
        let issued = self.token_request(&request).await?;
        *cached = Some(CachedToken {
            token: issued.access_token.clone(),
            renew_at: renew_at(&issued),
        });
        Ok(issued.access_token)
    }

    /// A token to act for the person with this number.
    async fn delegated_token(&self, phone: &str, force_renew: bool) -> Result<String, ClientError> {
        {
            let cache = self.delegated.lock().await;
            if let Some(token) = cache.get(phone)
                && !force_renew
                && Instant::now() < token.renew_at
            {
                return Ok(token.token.clone());
            }
        }
        let request = TokenRequest::TokenExchange {
            client_id: Some(self.credentials.client_id.clone()),
            client_secret: Some(self.credentials.client_secret.clone()),
            subject_token: phone.to_owned(),
            subject_token_type: PHONE_TOKEN_TYPE.to_owned(),
        };
        let issued = self.token_request(&request).await?;
        let mut cache = self.delegated.lock().await;
        // Forget lapsed tokens now and then, so the cache stays small.
        if cache.len() > 10_000 {
            let now = Instant::now();
            cache.retain(|_, t| t.renew_at > now);
        }
        cache.insert(
            phone.to_owned(),
            CachedToken {
                token: issued.access_token.clone(),
                renew_at: renew_at(&issued),
            },
        );
        Ok(issued.access_token)
    }

    async fn token_request(&self, request: &TokenRequest) -> Result<TokenResponse, ClientError> {
        let response = self
            .http
            .post(self.url("/api/v1/auth/token"))
            .json(request)
            .send()
            .await?;
        decode(response).await.map(|a| a.body)
    }
}

/// Renew a minute early so a request never leaves with a token about to lapse.
fn renew_at(issued: &TokenResponse) -> Instant {
    Instant::now() + Duration::from_secs(issued.expires_in.saturating_sub(60).max(1))
}

async fn decode<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<Answer<T>, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(Answer {
            status: status.as_u16(),
            body: response.json().await?,
        });
    }
    Err(error_of(status, response).await)
}

async fn error_of(status: StatusCode, response: reqwest::Response) -> ClientError {
    let problem: Option<Problem> = response.json().await.ok();
    ClientError::Api {
        status: status.as_u16(),
        title: problem
            .as_ref()
            .map(title_of)
            .unwrap_or_else(|| status.to_string()),
        problem: problem.map(Box::new),
    }
}

/// The problem's title and, for a validation error, which fields and why
/// (their codes, never their values: a value may be a NIK or a phone
/// number, and this text goes to the log).
fn title_of(problem: &Problem) -> String {
    if problem.errors.is_empty() {
        return problem.title.clone();
    }
    let fields: Vec<String> = problem
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.code))
        .collect();
    format!("{} ({})", problem.title, fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_error_names_its_fields_but_not_their_values() {
        let problem: Problem = serde_json::from_value(serde_json::json!({
            "type": "/problems/validation",
            "title": "The request has invalid fields",
            "status": 422,
            "errors": [{"field": "lease_seconds", "code": "out_of_range",
                        "message": "must be between 5 and 3600, got 2"}],
        }))
        .unwrap();
        let title = title_of(&problem);
        assert_eq!(
            title,
            "The request has invalid fields (lease_seconds: out_of_range)"
        );
        assert!(!title.contains('2'), "no value in {title}");
    }

    #[test]
    fn any_other_problem_keeps_its_title() {
        let problem: Problem = serde_json::from_value(serde_json::json!({
            "type": "/problems/not-found", "title": "Not found", "status": 404,
        }))
        .unwrap();
        assert_eq!(title_of(&problem), "Not found");
    }
}
