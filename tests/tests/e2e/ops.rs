//! Health, readiness, metrics, the docs, and the committed OpenAPI document.
use posyandu_tests::{json, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let health: Value = json(app.http.get(app.url("/healthz")).send().await.unwrap(), 200).await;
    assert_eq!(health["status"], "ok");
    let ready: Value = json(app.http.get(app.url("/readyz")).send().await.unwrap(), 200).await;
    assert_eq!(ready["database"], true);
    assert_eq!(ready["migrations_pending"], 0);
    assert!(ready["migrations_applied"].as_u64().unwrap() >= 3);

    let admin = app.admin().await;
    let id = uuid::Uuid::now_v7();
    assert_eq!(
        app.get(&format!("/api/v1/posyandu/{id}"), &admin)
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/no/such/thing", &admin).await.status(), 404);
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"posyandu_http_requests_total{route="/api/v1/posyandu/{id}",method="GET",status="404"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#));
    assert!(text.contains("posyandu_http_request_duration_seconds_bucket"));
    assert!(text.contains("process_resident_memory_bytes"));
    // Raw ids never become labels.
    assert!(!text.contains(&id.to_string()));
}

#[tokio::test]
async fn the_docs_are_served_with_the_committed_document() {
    let app = spawn_app().await;
    let redirect = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(redirect.status(), 307);
    assert_eq!(redirect.headers()["location"], "/docs/");
    let page = app.http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger"));
    let served: Value = json(
        app.http.get(app.url("/openapi.json")).send().await.unwrap(),
        200,
    )
    .await;
    let committed: Value = serde_json::from_str(openapi::OPENAPI_JSON).unwrap();
    assert_eq!(
        served, committed,
        "run `cargo run -- openapi > openapi/openapi.json`"
    );
    assert_eq!(served["openapi"], "3.1.0");
}

/// The committed `openapi/openapi.json` equals the document the code
/// generates. Set `UPDATE_OPENAPI=1` to rewrite it.
#[test]
fn the_committed_openapi_document_is_current() {
    let generated = posyandu_api::startup::openapi_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p posyandu-tests the_committed_openapi` \
         or `cargo run -- openapi > openapi/openapi.json`"
    );
}
