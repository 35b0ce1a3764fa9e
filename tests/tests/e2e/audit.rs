//! Soft deletes keep rows with who and when; the audit log says who
//! changed what, without secrets.
use entity::posyandu;
use openapi::audit::AuditEntry;
use openapi::{Page, Role};
use posyandu_tests::world::new_puskesmas;
use posyandu_tests::{json, problem, spawn_app};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

#[tokio::test]
async fn changes_are_audited_and_deletion_keeps_the_row() {
    let app = spawn_app().await;
    app.create_user("dinkes.audit", Role::Dinkes, "51.08").await;
    let dinkes = app.login("dinkes.audit").await;
    let me: Value = json(app.get("/api/v1/me", &dinkes).await, 200).await;
    let actor = format!("user:{}", me["id"].as_str().unwrap());
    let puskesmas = new_puskesmas(
        &app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &[],
    )
    .await;

    let created: Value = json(
        app.post(
            "/api/v1/posyandu",
            &dinkes,
            &json!({"name": "Posyandu Melati", "desa_code": "51.08.06.2004", "puskesmas_id": puskesmas.id}),
        )
        .await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    json::<Value>(
        app.patch(
            &format!("/api/v1/posyandu/{id}"),
            &dinkes,
            &json!({"name": "Posyandu Mawar"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/api/v1/posyandu/{id}"), &dinkes)
            .await
            .status(),
        204
    );
    problem(
        app.get(&format!("/api/v1/posyandu/{id}"), &dinkes).await,
        404,
    )
    .await;
    problem(
        app.delete(&format!("/api/v1/posyandu/{id}"), &dinkes).await,
        404,
    )
    .await;

    // The row is still there, marked with who and when.
    let row = posyandu::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .expect("soft-deleted rows stay");
    assert_eq!(row.deleted_by.as_deref(), Some(actor.as_str()));
    assert!(row.deleted_at.is_some());
    assert_eq!(row.name, "Posyandu Mawar");

    let log: Page<AuditEntry> = json(
        app.get(
            &format!("/api/v1/audit?entity=posyandu&entity_id={id}"),
            &dinkes,
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(
        log.items
            .iter()
            .all(|e| e.actor == actor && e.actor_role == "dinkes")
    );
    assert!(log.items.iter().all(|e| e.request_id.is_some()));
    assert_eq!(
        log.items[1].changes.as_ref().unwrap()["name"],
        json!(["Posyandu Melati", "Posyandu Mawar"])
    );
    assert_eq!(
        log.items[0].changes.as_ref().unwrap()["kode"],
        json!([null, "51.08.06.2004.001"])
    );
}

#[tokio::test]
async fn audit_entries_never_hold_secrets() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created: Value = json(
        app.post(
            "/api/v1/users",
            &admin,
            &json!({"username": "bidan.baru", "display_name": "Bidan Baru", "password": "rahasia-sekali-123",
                    "role": "bidan", "area_code": "51.08.06.2004", "phone": "0812-3456-7890"}),
        )
        .await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap();
    json::<Value>(
        app.patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"password": "rahasia-baru-4567"}),
        )
        .await,
        200,
    )
    .await;
    let clients: Value = json(
        app.post(
            "/api/v1/clients",
            &admin,
            &json!({"name": "App", "scopes": ["read:areas"], "area_code": "51.08"}),
        )
        .await,
        201,
    )
    .await;
    let secret = clients["client_secret"].as_str().unwrap();
    let log: Value = json(app.get("/api/v1/audit?limit=200", &admin).await, 200).await;
    let text = log.to_string();
    assert!(text.contains("bidan.baru"));
    for secret in [
        "rahasia-sekali-123",
        "rahasia-baru-4567",
        "$argon2id",
        secret,
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the audit log");
    }
    assert!(text.contains(r#""password":["***","***"]"#));
}
