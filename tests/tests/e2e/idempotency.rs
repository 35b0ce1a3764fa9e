//! `Idempotency-Key`: a retried POST returns the first response and
//! creates nothing twice.
use openapi::Page;
use openapi::areas::Posyandu;
use posyandu_tests::world::new_puskesmas;
use posyandu_tests::{Caller, TestApp, json, problem, spawn_app};
use serde_json::{Value, json};

async fn post_with_key(
    app: &TestApp,
    caller: &Caller,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/posyandu"))
        .bearer_auth(&caller.token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, caller: &Caller) -> usize {
    let page: Page<Posyandu> = json(app.get("/api/v1/posyandu?limit=200", caller).await, 200).await;
    page.items.len()
}

#[tokio::test]
async fn a_retry_gets_the_first_answer_and_creates_nothing() {
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
    let body = json!({"name": "Posyandu Melati", "desa_code": "51.08.06.2004", "puskesmas_id": puskesmas.id});
    let first = post_with_key(&app, &admin, "8f14e45f-ceea-467a-9575-9a2b2e9d3a01", &body).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();
    let again = post_with_key(&app, &admin, "8f14e45f-ceea-467a-9575-9a2b2e9d3a01", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(count(&app, &admin).await, 1);

    // The same key for another body is a mistake worth telling.
    let other = json!({"name": "Posyandu Mawar", "desa_code": "51.08.06.2004", "puskesmas_id": puskesmas.id});
    let p = problem(
        post_with_key(&app, &admin, "8f14e45f-ceea-467a-9575-9a2b2e9d3a01", &other).await,
        422,
    )
    .await;
    assert_eq!(p.problem_type, "/problems/idempotency-key-reused");

    // Keys belong to their caller: someone else's identical key is new.
    app.create_user("dinkes.lain", openapi::Role::Dinkes, "51.08")
        .await;
    let dinkes = app.login("dinkes.lain").await;
    assert_eq!(
        post_with_key(
            &app,
            &dinkes,
            "8f14e45f-ceea-467a-9575-9a2b2e9d3a01",
            &other
        )
        .await
        .status(),
        201
    );
    assert_eq!(count(&app, &admin).await, 2);

    problem(
        post_with_key(&app, &admin, "bad key with spaces", &body).await,
        400,
    )
    .await;
}

#[tokio::test]
async fn concurrent_retries_create_one_record() {
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
    let body = json!({"name": "Posyandu Melati", "desa_code": "51.08.06.2004", "puskesmas_id": puskesmas.id});
    let attempts = (0..6).map(|_| post_with_key(&app, &admin, "same-key-for-all", &body));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201));
    assert_eq!(count(&app, &admin).await, 1);
}
