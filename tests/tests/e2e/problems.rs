//! Bad input gets a clear problem document, never a crash or database text.
use posyandu_tests::world::{new_posyandu, new_puskesmas};
use posyandu_tests::{json, problem, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn an_unknown_field_is_named_in_a_422() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = problem(
        app.post(
            "/api/v1/posyandu",
            &admin,
            &json!({"nmae": "Melati", "desa_code": "51.08.06.2004"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.problem_type, "/problems/validation");
    assert_eq!(p.errors[0].field, "nmae");
    assert_eq!(p.errors[0].code, "unknown");
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = problem(
        app.post(
            "/api/v1/users",
            &admin,
            &json!({
                "username": "a b",
                "display_name": "",
                "password": "pendek",
                "role": "kader",
                "area_code": "99.99",
                "phone": "12345",
            }),
        )
        .await,
        422,
    )
    .await;
    let mut fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        ["area_code", "display_name", "password", "phone", "username"]
    );
    let area = p.errors.iter().find(|e| e.field == "area_code").unwrap();
    assert_eq!(area.code, "unknown");
}

#[tokio::test]
async fn malformed_json_wrong_type_and_oversize_bodies() {
    let app = spawn_app_with(|s| s.max_body_bytes = 2048).await;
    let admin = app.admin().await;
    let send = |body: String, content_type: &'static str| {
        app.http
            .post(app.url("/api/v1/posyandu"))
            .bearer_auth(&admin.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let p = problem(
        send("{\"name\": ".into(), "application/json")
            .await
            .unwrap(),
        400,
    )
    .await;
    assert_eq!(p.problem_type, "/problems/bad-request");
    problem(
        send("name=Melati".into(), "application/x-www-form-urlencoded")
            .await
            .unwrap(),
        415,
    )
    .await;
    let big = json!({"name": "x".repeat(4096), "desa_code": "51.08.06.2004", "puskesmas_id": uuid::Uuid::nil()});
    problem(
        send(big.to_string(), "application/json").await.unwrap(),
        413,
    )
    .await;
    let p = problem(
        send(
            json!({"name": 5, "desa_code": "51.08.06.2004"}).to_string(),
            "application/json",
        )
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(p.errors[0].code, "invalid");
}

/// serde reads a struct from an array too: `[null, null]` would pass as a
/// patch of nothing. Found by schemathesis.
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_before_anything_changes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created: Value = json(
        app.post(
            "/api/v1/users",
            &admin,
            &json!({"username": "bidan.array", "display_name": "Bidan", "password": "kata-sandi-panjang-1",
                    "role": "bidan", "area_code": "51.08.06.2004"}),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/api/v1/users/{}", created["id"].as_str().unwrap());
    for body in [
        "[null, null]",
        "  [\"Bidan Baru\"]",
        "\"Bidan Baru\"",
        "null",
        "5",
    ] {
        let response = app
            .http
            .patch(app.url(&path))
            .bearer_auth(&admin.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let p = problem(response, 422).await;
        assert_eq!(p.errors[0].field, "body", "{body}");
    }
    // An object, after white space and over several reads, still arrives whole.
    let response = app
        .http
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(format!("\n\t {}", json!({"display_name": "Bidan Baru"})))
        .send()
        .await
        .unwrap();
    let user: Value = json(response, 200).await;
    assert_eq!(user["display_name"], "Bidan Baru");
}

#[tokio::test]
async fn unknown_paths_methods_and_ids() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = problem(app.get("/api/v1/nothing-here", &admin).await, 404).await;
    assert_eq!(p.problem_type, "/problems/not-found");
    let response = app
        .request(
            Method::PUT,
            "/api/v1/posyandu",
            Some(&admin),
            Some(&json!({})),
        )
        .await;
    assert_eq!(response.headers()["allow"], "GET, POST");
    problem(response, 405).await;
    problem(app.get("/api/v1/posyandu/not-a-uuid", &admin).await, 404).await;
    // A documented path beside a template (`/messages/{id}`): its own
    // methods, not a 404 for a strange id. Found by schemathesis.
    let response = app.get("/api/v1/messages/claim", &admin).await;
    assert_eq!(response.headers()["allow"], "POST");
    problem(response, 405).await;
    problem(
        app.get(
            &format!("/api/v1/posyandu/{}", uuid::Uuid::now_v7()),
            &admin,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn the_request_id_is_echoed_and_quoted_in_problems() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/api/v1/me"))
        .header("x-request-id", "kader-hp-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "kader-hp-42");
    let p = problem(response, 401).await;
    assert_eq!(p.request_id.as_deref(), Some("kader-hp-42"));
    // A hostile id is replaced by a generated one.
    let response = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "a b c")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"].len(), 32);
}

#[tokio::test]
async fn duplicates_are_conflicts_named_by_field_not_database_errors() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"kode": "P5108060203", "name": "Puskesmas Buleleng III", "kecamatan_code": "51.08.06"});
    json::<Value>(app.post("/api/v1/puskesmas", &admin, &body).await, 201).await;
    let p = problem(app.post("/api/v1/puskesmas", &admin, &body).await, 422).await;
    assert_eq!(
        (p.errors[0].field.as_str(), p.errors[0].code.as_str()),
        ("kode", "taken")
    );
    let text = serde_json::to_string(&p).unwrap().to_lowercase();
    for leak in ["unique", "constraint", "sqlite", "duplicate key", "sql"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

#[tokio::test]
async fn a_puskesmas_that_still_supervises_cannot_be_removed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let puskesmas = new_puskesmas(
        &app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(&app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    let p = problem(
        app.delete(&format!("/api/v1/puskesmas/{}", puskesmas.id), &admin)
            .await,
        409,
    )
    .await;
    assert!(p.detail.unwrap().contains(&posyandu.kode));
    assert_eq!(
        app.delete(&format!("/api/v1/posyandu/{}", posyandu.id), &admin)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.delete(&format!("/api/v1/puskesmas/{}", puskesmas.id), &admin)
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn references_to_areas_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let puskesmas = new_puskesmas(
        &app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &[],
    )
    .await;
    // A kecamatan code where a desa is needed; a puskesmas of another kabupaten.
    let p = problem(
        app.post(
            "/api/v1/posyandu",
            &admin,
            &json!({"name": "X", "desa_code": "51.08.06", "puskesmas_id": puskesmas.id}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "desa_code");
    let p = problem(
        app.post(
            "/api/v1/posyandu",
            &admin,
            &json!({"name": "X", "desa_code": "51.01.01.2001", "puskesmas_id": puskesmas.id}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "puskesmas_id");
    let p = problem(
        app.post(
            "/api/v1/puskesmas",
            &admin,
            &json!({"kode": "P5108060299", "name": "Y", "kecamatan_code": "51.08.06", "desa_codes": ["51.01.01.2001"]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "desa_codes[0]");
}
