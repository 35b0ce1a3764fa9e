//! Storage under concurrency: replicas migrating at once, and concurrent
//! writers on SQLite (which fail with "database is locked" unless write
//! transactions begin IMMEDIATE).
use openapi::Page;
use openapi::areas::Posyandu;
use posyandu_api::db;
use posyandu_tests::world::new_puskesmas;
use posyandu_tests::{TestDatabase, json, spawn_app};
use serde_json::json;

#[tokio::test]
async fn replicas_starting_together_migrate_once() {
    let (_database, url) = TestDatabase::create().await;
    let starters = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            let connection = db::connect(&url, 2).await.expect("connect");
            db::migrate_up(&connection).await
        })
    });
    for result in futures_util::future::join_all(starters).await {
        result.unwrap().expect("every replica's migration succeeds");
    }
    let connection = db::connect(&url, 1).await.unwrap();
    let (applied, pending) = db::migration_status(&connection).await.unwrap();
    assert!(pending.is_empty());
    assert_eq!(applied.len(), posyandu_api::db::migration_names().len());
}

#[tokio::test]
async fn concurrent_writes_all_succeed() {
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
    // Each create reads (next registration number) then writes, in one
    // transaction: the pattern that breaks deferred SQLite transactions.
    let bodies: Vec<_> = (0..24)
        .map(|i| json!({"name": format!("Posyandu {i}"), "desa_code": "51.08.06.2004", "puskesmas_id": puskesmas.id}))
        .collect();
    let writes = bodies
        .iter()
        .map(|body| app.post("/api/v1/posyandu", &admin, body));
    let responses = futures_util::future::join_all(writes).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let created = statuses.len();
    let page: Page<Posyandu> = json(app.get("/api/v1/posyandu?limit=200", &admin).await, 200).await;
    assert_eq!(page.items.len(), created);
    let mut kodes: Vec<&str> = page.items.iter().map(|p| p.kode.as_str()).collect();
    kodes.sort();
    kodes.dedup();
    assert_eq!(kodes.len(), created, "registration numbers are unique");
}
