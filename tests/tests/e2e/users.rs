//! Accounts: who may create whom, where; phones; names.
use openapi::Role;
use openapi::users::User;
use posyandu_tests::world::{new_posyandu, new_puskesmas};
use posyandu_tests::{PASSWORD, json, problem, spawn_app};
use serde_json::{Value, json};

fn new_user(username: &str, role: &str, area: &str) -> Value {
    json!({"username": username, "display_name": username, "password": PASSWORD, "role": role, "area_code": area})
}

#[tokio::test]
async fn roles_are_bound_to_areas_that_suit_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = problem(
        app.post(
            "/api/v1/users",
            &admin,
            &new_user("kader.salah", "kader", "51.08.06.2004"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "area_code");
    assert!(p.errors[0].message.contains("posyandu"));
    let p = problem(
        app.post(
            "/api/v1/users",
            &admin,
            &new_user("dinkes.salah", "dinkes", "51.08.06"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "area_code");
    let p = problem(
        app.post(
            "/api/v1/users",
            &admin,
            &new_user("bot.orang", "bot", "51.08"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "role");
}

#[tokio::test]
async fn nobody_gives_a_role_above_their_own() {
    let app = spawn_app().await;
    let puskesmas = new_puskesmas(
        &app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(&app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    app.create_user("pkm.buleleng", Role::Puskesmas, &puskesmas.kode)
        .await;
    let officer = app.login("pkm.buleleng").await;
    problem(
        app.post(
            "/api/v1/users",
            &officer,
            &new_user("dinkes.baru", "dinkes", "51.08"),
        )
        .await,
        403,
    )
    .await;
    let kader: User = json(
        app.post(
            "/api/v1/users",
            &officer,
            &new_user("kader.baru", "kader", &posyandu.kode),
        )
        .await,
        201,
    )
    .await;
    // Promoting the kader to admin is refused too.
    problem(
        app.patch(
            &format!("/api/v1/users/{}", kader.id),
            &officer,
            &json!({"role": "admin"}),
        )
        .await,
        403,
    )
    .await;
    // A village office registers its kader (the kader registry) but does not
    // hand out logins: a kader's account records clinical data.
    app.create_user("dpmd.buleleng", Role::Dpmd, "51.08").await;
    let dpmd = app.login("dpmd.buleleng").await;
    for role in ["bidan", "kader"] {
        problem(
            app.post(
                "/api/v1/users",
                &dpmd,
                &new_user(&format!("{role}.x"), role, &posyandu.kode),
            )
            .await,
            403,
        )
        .await;
    }
    json::<User>(
        app.post(
            "/api/v1/users",
            &dpmd,
            &new_user("desa.pemaron", "desa", "51.08.06.2004"),
        )
        .await,
        201,
    )
    .await;
}

#[tokio::test]
async fn phone_numbers_are_normalised_and_unique() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut body = new_user("bidan.hp", "bidan", "51.08.06.2004");
    body["phone"] = json!("0812-3456-7890");
    let user: User = json(app.post("/api/v1/users", &admin, &body).await, 201).await;
    assert_eq!(user.phone.as_deref(), Some("+6281234567890"));
    let mut body = new_user("bidan.hp2", "bidan", "51.08.06.2004");
    body["phone"] = json!("+62 812 3456 7890");
    let p = problem(app.post("/api/v1/users", &admin, &body).await, 422).await;
    assert_eq!(
        (p.errors[0].field.as_str(), p.errors[0].code.as_str()),
        ("phone", "taken")
    );
    // Clearing a phone with null.
    let cleared: User = json(
        app.patch(
            &format!("/api/v1/users/{}", user.id),
            &admin,
            &json!({"phone": null}),
        )
        .await,
        200,
    )
    .await;
    assert!(cleared.phone.is_none());
    json::<User>(app.post("/api/v1/users", &admin, &body).await, 201).await;
}

#[tokio::test]
async fn usernames_are_unique_and_accounts_cannot_remove_themselves() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    json::<User>(
        app.post(
            "/api/v1/users",
            &admin,
            &new_user("Dinkes.Satu", "dinkes", "51.08"),
        )
        .await,
        201,
    )
    .await;
    let p = problem(
        app.post(
            "/api/v1/users",
            &admin,
            &new_user("dinkes.satu", "dinkes", "51.08"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        (p.errors[0].field.as_str(), p.errors[0].code.as_str()),
        ("username", "taken")
    );
    let me: Value = json(app.get("/api/v1/me", &admin).await, 200).await;
    problem(
        app.delete(
            &format!("/api/v1/users/{}", me["id"].as_str().unwrap()),
            &admin,
        )
        .await,
        409,
    )
    .await;
}
