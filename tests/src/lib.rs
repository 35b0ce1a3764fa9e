//! Test harness: the real server on a random port, real HTTP.
//!
//! Each [`TestApp`] has its own database: a temporary SQLite file by
//! default, or, when `POSYANDU_TEST_DATABASE_URL` names a PostgreSQL server,
//! a database with a random name created for the test and dropped after it.
pub mod bot;
pub mod cluster;
pub mod load;
pub mod standin;
pub mod world;

use std::sync::Arc;
use std::time::Duration;

use openapi::auth::TokenResponse;
use openapi::users::NewUser;
use openapi::{Problem, Role};
use posyandu_api::config::{CommonArgs, Secret, Settings};
use posyandu_api::services::{Authority, users};
use posyandu_api::{Application, db};
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde::Serialize;
use serde_json::Value;

pub const PASSWORD: &str = "kata-sandi-rahasia-123";
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

/// Today where the test posyandu are: every one of them is in Bali (WITA,
/// UTC+8), and the server dates a report without a date by the posyandu's
/// zone. A test that used the UTC date would fail from 16:00 UTC.
pub fn today() -> chrono::NaiveDate {
    posyandu_api::domain::schedule::today_in("Asia/Makassar", chrono::Utc::now())
}

/// This month at the test posyandu, `YYYY-MM`.
pub fn this_month() -> String {
    today().format("%Y-%m").to_string()
}

/// Which database the suite runs on.
pub fn postgres_url() -> Option<String> {
    std::env::var("POSYANDU_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A database created for one test, removed when dropped.
pub enum TestDatabase {
    Sqlite(tempfile::TempDir),
    Postgres {
        server: String,
        name: String,
    },
    /// A database the test made itself (on a private cluster, say) and
    /// removes with it.
    Given,
}

impl TestDatabase {
    pub async fn create() -> (TestDatabase, String) {
        match postgres_url() {
            None => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                (TestDatabase::Sqlite(dir), url)
            }
            Some(server) => {
                let name = format!("posyandu_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&server)
                    .await
                    .expect("PostgreSQL is reachable");
                admin
                    .execute_raw(Statement::from_string(
                        admin.get_database_backend(),
                        format!("CREATE DATABASE {name}"),
                    ))
                    .await
                    .expect("CREATE DATABASE");
                admin.close().await.ok();
                let url = replace_database(&server, &name);
                (TestDatabase::Postgres { server, name }, url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }
}

/// `postgres://u@h:p/db?x` with another database name.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("a database URL has a path");
    format!("{}/{name}{query}", &base[..cut])
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { server, name } = self {
            let (server, name) = (server.clone(), name.clone());
            // Drop runs outside async; use a small runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async {
                    if let Ok(admin) = Database::connect(&server).await {
                        let _ = admin
                            .execute_raw(Statement::from_string(
                                admin.get_database_backend(),
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    handle: actix_web::dev::ServerHandle,
    pub database: TestDatabase,
}

/// Settings for a test server: port 0, a fixed JWT secret, a data folder in
/// the temporary directory.
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::load(&CommonArgs {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database_url.to_owned()),
        data_dir: Some(std::env::temp_dir()),
        ..CommonArgs::default()
    })
    .expect("test settings load");
    settings.jwt.secret = Some(Secret::new(JWT_SECRET));
    settings.http_workers = Some(2);
    settings.db_max_connections = 8;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the real server with its own database; `configure` may change the
/// settings first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (database, url) = TestDatabase::create().await;
    spawn_app_on(database, &url, configure).await
}

/// The real server on a database the caller chose (a SQLite file on a
/// small file system, say).
pub async fn spawn_app_on(
    database: TestDatabase,
    url: &str,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let url = url.to_owned();
    let mut settings = test_settings(&url);
    configure(&mut settings);
    let settings = Arc::new(settings);
    let db = db::connect(&url, settings.db_max_connections)
        .await
        .expect("connect");
    db::migrate_up(&db).await.expect("migrate");
    let app = Application::build(settings.clone(), db.clone())
        .await
        .expect("build");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        db,
        settings,
        handle,
        database,
    }
}

impl TestApp {
    /// A test app around a server started elsewhere (the chat harness).
    pub fn from_parts(
        address: String,
        db: DatabaseConnection,
        settings: Arc<Settings>,
        handle: actix_web::dev::ServerHandle,
        database: TestDatabase,
    ) -> TestApp {
        TestApp {
            address,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            db,
            settings,
            handle,
            database,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.stop(false).await });
        }
    }
}

/// A logged-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: String,
    pub refresh_token: Option<String>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a user directly through the service layer (as the operator).
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        area: &str,
    ) -> openapi::users::User {
        self.create_user_with_phone(username, role, area, None)
            .await
    }

    pub async fn create_user_with_phone(
        &self,
        username: &str,
        role: Role,
        area: &str,
        phone: Option<&str>,
    ) -> openapi::users::User {
        users::create(
            &self.db,
            Authority::Operator,
            NewUser {
                username: username.into(),
                display_name: username.into(),
                password: PASSWORD.into(),
                role,
                area_code: area.into(),
                phone: phone.map(str::to_owned),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("creating {username}: {e:?}"))
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url("/api/v1/auth/token"))
            .form(form)
            .send()
            .await
            .expect("token request")
    }

    /// Logs in with the password grant; panics unless it succeeds.
    pub async fn login(&self, username: &str) -> Caller {
        self.login_with(username, PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Caller {
        let response = self
            .token_request(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let tokens: TokenResponse = response.json().await.expect("token JSON");
        Caller {
            token: tokens.access_token,
            refresh_token: tokens.refresh_token,
        }
    }

    /// An admin of the whole country, logged in.
    pub async fn admin(&self) -> Caller {
        self.create_user("root.admin", Role::Admin, "ID").await;
        self.login("root.admin").await
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        caller: Option<&Caller>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(caller) = caller {
            request = request.bearer_auth(&caller.token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, caller: &Caller) -> Response {
        self.request(Method::GET, path, Some(caller), None).await
    }

    pub async fn post<T: Serialize>(&self, path: &str, caller: &Caller, body: &T) -> Response {
        let body = serde_json::to_value(body).expect("serialisable body");
        self.request(Method::POST, path, Some(caller), Some(&body))
            .await
    }

    pub async fn patch<T: Serialize>(&self, path: &str, caller: &Caller, body: &T) -> Response {
        let body = serde_json::to_value(body).expect("serialisable body");
        self.request(Method::PATCH, path, Some(caller), Some(&body))
            .await
    }

    pub async fn delete(&self, path: &str, caller: &Caller) -> Response {
        self.request(Method::DELETE, path, Some(caller), None).await
    }
}

/// Reads a problem document, checking its content type and status.
pub async fn problem(response: Response, status: u16) -> Problem {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert_eq!(content_type, "application/problem+json", "body: {text}");
    let problem: Problem = serde_json::from_str(&text).expect("a problem document");
    assert_eq!(problem.status, status);
    problem
}

/// Reads a JSON body, checking the status.
pub async fn json<T: serde::de::DeserializeOwned>(response: Response, status: u16) -> T {
    let actual = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON body ({e}): {text}"))
}
