//! A typed HTTP client of the posyandu API, authenticated with the
//! client-credentials grant. The access token is cached and renewed shortly
//! before it expires, or at once when the API answers 401.
use std::time::{Duration, Instant};

use openapi::auth::{Me, TokenRequest, TokenResponse};
use openapi::health::Readiness;
use openapi::problem::Problem;
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

struct CachedToken {
    token: String,
    renew_at: Instant,
}

pub struct ApiClient {
    base_url: String,
    http: reqwest::Client,
    credentials: Credentials,
    token: Mutex<Option<CachedToken>>,
}

impl ApiClient {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> ApiClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("posyandu-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is static and valid");
        ApiClient {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http,
            credentials,
            token: Mutex::new(None),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Readiness of the API (no authentication).
    pub async fn readiness(&self) -> Result<Readiness, ClientError> {
        let response = self.http.get(self.url("/readyz")).send().await?;
        decode(response).await
    }

    /// The bot's own identity as the API sees it.
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get_json("/api/v1/me").await
    }

    /// `GET` a JSON resource with the bot's token, renewing the token once
    /// if the API rejects it.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        for attempt in 0..2 {
            let token = self.access_token(attempt > 0).await?;
            let response = self
                .http
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                continue;
            }
            return decode(response).await;
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
        let response = self
            .http
            .post(self.url("/api/v1/auth/token"))
            .json(&request)
            .send()
            .await?;
        let issued: TokenResponse = decode(response).await?;
        // Renew a minute early so a request never leaves with a token about to lapse.
        let lifetime = Duration::from_secs(issued.expires_in.saturating_sub(60).max(1));
        *cached = Some(CachedToken {
            token: issued.access_token.clone(),
            renew_at: Instant::now() + lifetime,
        });
        Ok(issued.access_token)
    }
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response.json().await?);
    }
    let problem: Option<Problem> = response.json().await.ok();
    Err(ClientError::Api {
        status: status.as_u16(),
        title: problem
            .as_ref()
            .map(|p| p.title.clone())
            .unwrap_or_else(|| status.to_string()),
        problem: problem.map(Box::new),
    })
}
