//! Tokens: password, refresh rotation and reuse, revocation, client
//! credentials, lockout and rate limits, tampered tokens.
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use openapi::auth::{Me, TokenResponse};
use openapi::{AreaKind, Role, Scope};
use posyandu_tests::world::new_client;
use posyandu_tests::{Caller, JWT_SECRET, PASSWORD, json, problem, spawn_app, spawn_app_with};
use serde_json::{Value, json};

#[tokio::test]
async fn a_person_logs_in_and_me_describes_them() {
    let app = spawn_app().await;
    app.create_user("bidan.pemaron", Role::Bidan, "51.08.06.2004")
        .await;
    let response = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "Bidan.Pemaron"),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: TokenResponse = json(response, 200).await;
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    assert!(tokens.refresh_token.as_deref().unwrap().starts_with("prt_"));
    let caller = Caller {
        token: tokens.access_token,
        refresh_token: None,
    };
    let me: Me = json(app.get("/api/v1/me", &caller).await, 200).await;
    assert_eq!(me.username, "bidan.pemaron");
    assert_eq!(me.kind, "user");
    assert_eq!(me.role, Role::Bidan);
    assert_eq!(me.area.kind, AreaKind::Desa);
    assert_eq!(me.area.code, "51.08.06.2004");
    assert_eq!(me.area.name, "Pemaron");
    assert_eq!(
        me.scopes,
        vec![
            Scope::ReadAreas,
            Scope::ReadUsers,
            Scope::ReadPeople,
            Scope::WritePeople,
            Scope::WriteWeighings,
            Scope::WriteHealth,
            Scope::ReadKader,
            Scope::ReadMessages,
            Scope::ReadReports
        ]
    );
}

#[tokio::test]
async fn json_and_form_token_requests_both_work_and_bad_ones_are_explained() {
    let app = spawn_app().await;
    app.create_user("kader.json", Role::Admin, "ID").await;
    let response = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"grant_type": "password", "username": "kader.json", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let _: TokenResponse = json(response, 200).await;

    let bad = problem(app.token_request(&[("grant_type", "magic")]).await, 400).await;
    assert_eq!(bad.error.as_deref(), Some("unsupported_grant_type"));
    let bad = problem(
        app.token_request(&[("grant_type", "password"), ("username", "x")])
            .await,
        400,
    )
    .await;
    assert_eq!(bad.error.as_deref(), Some("invalid_request"));
    let response = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_the_same_401() {
    let app = spawn_app().await;
    app.create_user("dinkes.a", Role::Dinkes, "51.08").await;
    for (username, password) in [("dinkes.a", "salah-sekali-123"), ("nobody.here", PASSWORD)] {
        let response = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .await;
        let p = problem(response, 401).await;
        assert_eq!(p.problem_type, "/problems/invalid-credentials");
        assert_eq!(p.error.as_deref(), Some("invalid_grant"));
        assert_eq!(
            p.detail.as_deref(),
            Some("The username or password is wrong.")
        );
    }
}

#[tokio::test]
async fn an_account_locks_after_repeated_failures_until_unlocked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.create_user("dinkes.lupa", Role::Dinkes, "51.08").await;
    for _ in 0..5 {
        let response = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", "dinkes.lupa"),
                ("password", "tebakan-salah-1"),
            ])
            .await;
        assert_eq!(response.status(), 401);
    }
    // Now even the right password is refused for a while.
    let response = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "dinkes.lupa"),
            ("password", PASSWORD),
        ])
        .await;
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((60..=900).contains(&retry), "{retry}");
    problem(response, 429).await;
    let listed: Value = json(
        app.get(&format!("/api/v1/users/{}", user.id), &admin).await,
        200,
    )
    .await;
    assert!(listed["locked_until"].is_string());

    json::<Value>(
        app.patch(
            &format!("/api/v1/users/{}", user.id),
            &admin,
            &json!({"locked": false}),
        )
        .await,
        200,
    )
    .await;
    app.login("dinkes.lupa").await;
}

#[tokio::test]
async fn token_requests_are_limited_per_address() {
    let app = spawn_app_with(|s| s.login.per_address_per_minute = 3).await;
    for _ in 0..3 {
        let response = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", "x.y"),
                ("password", "whatever-123"),
            ])
            .await;
        assert_eq!(response.status(), 401);
    }
    let response = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "x.y"),
            ("password", "whatever-123"),
        ])
        .await;
    assert!(response.headers().contains_key("retry-after"));
    problem(response, 429).await;
}

async fn refresh(app: &posyandu_tests::TestApp, token: &str) -> reqwest::Response {
    app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .await
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_login() {
    let app = spawn_app().await;
    app.create_user("bidan.rotasi", Role::Bidan, "51.08.06.2004")
        .await;
    let first = app.login("bidan.rotasi").await.refresh_token.unwrap();
    let second: TokenResponse = json(refresh(&app, &first).await, 200).await;
    let second = second.refresh_token.unwrap();
    assert_ne!(first, second);
    let third: TokenResponse = json(refresh(&app, &second).await, 200).await;
    let third = third.refresh_token.unwrap();

    // The first token is replayed (stolen?): refused, and the whole family ends.
    let p = problem(refresh(&app, &first).await, 401).await;
    assert_eq!(p.error.as_deref(), Some("invalid_grant"));
    problem(refresh(&app, &third).await, 401).await;

    // Another login is unaffected.
    let other = app.login("bidan.rotasi").await.refresh_token.unwrap();
    json::<TokenResponse>(refresh(&app, &other).await, 200).await;
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_login() {
    let app = spawn_app().await;
    app.create_user("bidan.keluar", Role::Bidan, "51.08.06.2004")
        .await;
    let token = app.login("bidan.keluar").await.refresh_token.unwrap();
    let response = app
        .http
        .post(app.url("/api/v1/auth/revoke"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    problem(refresh(&app, &token).await, 401).await;
}

#[tokio::test]
async fn api_clients_use_client_credentials_in_the_body_or_basic_auth() {
    let app = spawn_app().await;
    let client = new_client(&app, "Aplikasi", Role::App, "51.08").await;
    let id = client.client.client_id.clone();
    let secret = client.client_secret.clone();

    let tokens: TokenResponse = json(
        app.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .await,
        200,
    )
    .await;
    assert!(tokens.refresh_token.is_none());
    assert_eq!(
        tokens.scope,
        "read:areas write:areas read:users read:people write:people write:weighings write:health read:kader read:reports write:activities"
    );
    let me: Me = json(
        app.get(
            "/api/v1/me",
            &Caller {
                token: tokens.access_token,
                refresh_token: None,
            },
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (me.kind.as_str(), me.role, me.username.as_str()),
        ("client", Role::App, id.as_str())
    );

    let basic = STANDARD.encode(format!("{id}:{secret}"));
    let response = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .header("authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "read:areas"),
        ])
        .send()
        .await
        .unwrap();
    let narrowed: TokenResponse = json(response, 200).await;
    assert_eq!(narrowed.scope, "read:areas");

    let p = problem(
        app.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", "pcs_wrong"),
        ])
        .await,
        401,
    )
    .await;
    assert_eq!(p.error.as_deref(), Some("invalid_client"));
    let p = problem(
        app.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "write:users"),
        ])
        .await,
        400,
    )
    .await;
    assert_eq!(p.error.as_deref(), Some("invalid_scope"));

    // Revoked: the secret stops working at once.
    let admin = app.admin().await;
    let response = app
        .delete(&format!("/api/v1/clients/{}", client.client.id), &admin)
        .await;
    assert_eq!(response.status(), 204);
    problem(
        app.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .await,
        401,
    )
    .await;
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn expired_tampered_unsigned_and_foreign_tokens_are_401() {
    let app = spawn_app().await;
    let caller = app.admin().await;
    assert_eq!(app.get("/api/v1/me", &caller).await.status(), 200);
    let claims = claims_of(&caller.token);
    let now = chrono::Utc::now().timestamp();

    let mut expired = claims.clone();
    expired["exp"] = json!(now - 120);
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("another-api");
    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("someone-else");
    let mut escalated = claims.clone();
    escalated["area_kind"] = json!("nasional");
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let mut parts: Vec<&str> = caller.token.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&escalated).unwrap());
    parts[1] = &tampered_payload;

    let cases = [
        ("expired", sign(&expired, Algorithm::HS256, JWT_SECRET)),
        (
            "wrong audience",
            sign(&wrong_audience, Algorithm::HS256, JWT_SECRET),
        ),
        (
            "wrong issuer",
            sign(&wrong_issuer, Algorithm::HS256, JWT_SECRET),
        ),
        (
            "other secret",
            sign(
                &claims,
                Algorithm::HS256,
                "another-secret-another-secret-1234567",
            ),
        ),
        (
            "HS512 with our secret",
            sign(&claims, Algorithm::HS512, JWT_SECRET),
        ),
        ("alg none", format!("{header}.{payload}.")),
        ("tampered payload", parts.join(".")),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in cases {
        let response = app
            .get(
                "/api/v1/me",
                &Caller {
                    token,
                    refresh_token: None,
                },
            )
            .await;
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{name}"
        );
        let p = problem(response, 401).await;
        assert_eq!(p.problem_type, "/problems/unauthorized", "{name}");
    }
    let expired = problem(
        app.get(
            "/api/v1/me",
            &Caller {
                token: sign(&expired, Algorithm::HS256, JWT_SECRET),
                refresh_token: None,
            },
        )
        .await,
        401,
    )
    .await;
    assert!(expired.detail.unwrap().contains("expired"));
}

#[tokio::test]
async fn a_deactivated_account_can_neither_log_in_nor_refresh() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app
        .create_user("dinkes.pindah", Role::Dinkes, "51.08")
        .await;
    let refresh_token = app.login("dinkes.pindah").await.refresh_token.unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/users/{}", user.id), &admin)
            .await
            .status(),
        204
    );
    problem(
        app.token_request(&[
            ("grant_type", "password"),
            ("username", "dinkes.pindah"),
            ("password", PASSWORD),
        ])
        .await,
        401,
    )
    .await;
    problem(refresh(&app, &refresh_token).await, 401).await;
}

#[tokio::test]
async fn changing_ones_password_ends_every_login() {
    let app = spawn_app().await;
    app.create_user("bidan.ganti", Role::Bidan, "51.08.06.2004")
        .await;
    let caller = app.login("bidan.ganti").await;
    let wrong = problem(
        app.request(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            Some(&caller),
            Some(&json!({"current_password": "bukan-ini-123", "new_password": "kata-sandi-baru-789"})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(wrong.errors[0].field, "current_password");
    let response = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            Some(&caller),
            Some(&json!({"current_password": PASSWORD, "new_password": "kata-sandi-baru-789"})),
        )
        .await;
    assert_eq!(response.status(), 204);
    problem(
        refresh(&app, caller.refresh_token.as_deref().unwrap()).await,
        401,
    )
    .await;
    app.login_with("bidan.ganti", "kata-sandi-baru-789").await;
}
