//! The registry: people and their NIK, codes, events; families; children;
//! kader with the no-double-posts rule; posyandu days and desa profiles.
use openapi::Role;
use openapi::areas::{DayChange, DesaProfile, Posyandu};
use openapi::registry::{Child, Family, Kader, Person, PersonEvent};
use posyandu_api::domain::public_code;
use posyandu_tests::world::{new_child, new_posyandu, new_puskesmas, years_ago};
use posyandu_tests::{Caller, TestApp, json, problem, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn setup(app: &TestApp) -> (Caller, Posyandu) {
    let puskesmas = new_puskesmas(
        app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    app.create_user("bidan.pemaron", Role::Bidan, "51.08.06.2004")
        .await;
    (app.login("bidan.pemaron").await, posyandu)
}

#[tokio::test]
async fn people_get_check_digit_codes_and_their_nik_is_checked() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let mut codes = Vec::new();
    for name in ["Ni Made Sari", "Ketut Ayu"] {
        let person: Person = json(
            app.post(
                "/api/v1/people",
                &bidan,
                &json!({"name": name, "sex": "P", "birth_date": "1990-12-05", "posyandu_id": posyandu.id, "phone": "0813-3700-0101"}),
            )
            .await,
            201,
        )
        .await;
        assert!(public_code::is_valid(&person.code), "{}", person.code);
        assert_eq!(person.desa_code, "51.08.06.2004");
        assert_eq!(person.phone.as_deref(), Some("+6281337000101"));
        codes.push(person.code);
    }
    assert_ne!(codes[0], codes[1]);

    // The NIK encodes 05-12-90 for a woman (day + 40).
    let body = |nik: &str, sex: &str| json!({"name": "Wayan", "sex": sex, "birth_date": "1990-12-05", "posyandu_id": posyandu.id, "nik": nik});
    json::<Person>(
        app.post("/api/v1/people", &bidan, &body("5108064512900003", "P"))
            .await,
        201,
    )
    .await;
    let p = problem(
        app.post("/api/v1/people", &bidan, &body("5108060512900004", "P"))
            .await,
        422,
    )
    .await;
    assert_eq!(
        (p.errors[0].field.as_str(), p.errors[0].code.as_str()),
        ("nik", "mismatch")
    );
    let p = problem(
        app.post("/api/v1/people", &bidan, &body("5108064512900003", "P"))
            .await,
        422,
    )
    .await;
    assert_eq!(
        (p.errors[0].field.as_str(), p.errors[0].code.as_str()),
        ("nik", "taken")
    );
    let p = problem(
        app.post("/api/v1/people", &bidan, &body("12345", "P"))
            .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "nik");

    // Search by name ignores case; by code finds exactly one.
    let found: Value = json(
        app.get("/api/v1/people?name=made%20SARI", &bidan).await,
        200,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let found: Value = json(
        app.get(&format!("/api/v1/people?code={}", codes[1]), &bidan)
            .await,
        200,
    )
    .await;
    assert_eq!(found["items"][0]["name"], "Ketut Ayu");
}

#[tokio::test]
async fn moves_and_deaths_are_dated_events_that_set_the_status() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let person: Person = json(
        app.post("/api/v1/people", &bidan, &json!({"name": "Made", "sex": "L", "birth_date": "2000-01-01", "posyandu_id": posyandu.id}))
            .await,
        201,
    )
    .await;
    let path = format!("/api/v1/people/{}/events", person.id);
    json::<PersonEvent>(
        app.post(
            &path,
            &bidan,
            &json!({"kind": "moved", "event_date": "2026-03-01", "note": "ke Denpasar"}),
        )
        .await,
        201,
    )
    .await;
    let now: Person = json(
        app.get(&format!("/api/v1/people/{}", person.id), &bidan)
            .await,
        200,
    )
    .await;
    assert_eq!(serde_json::to_value(now.status).unwrap(), "moved");
    assert_eq!(now.status_date.unwrap().to_string(), "2026-03-01");
    json::<PersonEvent>(
        app.post(
            &path,
            &bidan,
            &json!({"kind": "deceased", "event_date": "2026-04-01"}),
        )
        .await,
        201,
    )
    .await;
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"kind": "returned", "event_date": "2026-05-01"}),
        )
        .await,
        409,
    )
    .await;
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"kind": "married", "event_date": "2026-05-01"}),
        )
        .await,
        422,
    )
    .await;
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"kind": "moved", "event_date": "1999-01-01"}),
        )
        .await,
        422,
    )
    .await;
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"kind": "moved", "event_date": "2999-01-01"}),
        )
        .await,
        422,
    )
    .await;
    let events: Vec<PersonEvent> = json(app.get(&path, &bidan).await, 200).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    // In date order: the moves this year, then today's registration.
    assert_eq!(kinds, ["moved", "deceased", "registered"]);
}

#[tokio::test]
async fn a_balita_is_under_five_and_has_a_mother_who_fits() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let mother: Person = json(
        app.post("/api/v1/people", &bidan, &json!({"name": "Ibu Sari", "sex": "P", "birth_date": "1994-06-01", "posyandu_id": posyandu.id}))
            .await,
        201,
    )
    .await;
    let father: Person = json(
        app.post("/api/v1/people", &bidan, &json!({"name": "Bapak", "sex": "L", "birth_date": "1990-06-01", "posyandu_id": posyandu.id}))
            .await,
        201,
    )
    .await;
    let child = |birth: String, mother_id: uuid::Uuid| {
        json!({"person": {"name": "Putu Ayu", "sex": "P", "birth_date": birth}, "posyandu_id": posyandu.id,
               "mother_id": mother_id, "birth_weight_g": 2400, "kms_held": true})
    };
    let registered: Child = json(
        app.post(
            "/api/v1/children",
            &bidan,
            &child(years_ago(1).to_string(), mother.id),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(registered.mother_id, Some(mother.id));
    assert!(registered.latest.is_none());
    let p = problem(
        app.post(
            "/api/v1/children",
            &bidan,
            &child(years_ago(6).to_string(), mother.id),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "person.birth_date");
    let p = problem(
        app.post(
            "/api/v1/children",
            &bidan,
            &child(years_ago(1).to_string(), father.id),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "mother_id");
    let p = problem(
        app.post(
            "/api/v1/children",
            &bidan,
            &json!({"person_id": registered.id, "posyandu_id": posyandu.id}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].code, "taken");
    let p = problem(
        app.post(
            "/api/v1/children",
            &bidan,
            &json!({"posyandu_id": posyandu.id, "birth_weight_g": 100}),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["birth_weight_g", "person"]);
}

#[tokio::test]
async fn families_attached_to_a_posyandu_are_seen_by_its_kader() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    app.create_user("kader.melati", Role::Kader, &posyandu.kode)
        .await;
    let kader = app.login("kader.melati").await;
    let family: Family = json(
        app.post(
            "/api/v1/families",
            &kader,
            &json!({"no_kk": "5108061234560001", "desil": 2, "posyandu_id": posyandu.id}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(family.desa_code, "51.08.06.2004");
    let seen: Value = json(app.get("/api/v1/families", &kader).await, 200).await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    // A family registered by desa only is the desa's, not the posyandu's.
    json::<Family>(
        app.post(
            "/api/v1/families",
            &bidan,
            &json!({"desa_code": "51.08.06.2004"}),
        )
        .await,
        201,
    )
    .await;
    let seen: Value = json(app.get("/api/v1/families", &kader).await, 200).await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    let seen: Value = json(app.get("/api/v1/families", &bidan).await, 200).await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 2);
    let p = problem(
        app.post(
            "/api/v1/families",
            &bidan,
            &json!({"no_kk": "5108061234560001", "desa_code": "51.08.06.2004"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].code, "taken");
    problem(
        app.post(
            "/api/v1/families",
            &bidan,
            &json!({"desil": 11, "desa_code": "51.08.06.2004"}),
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn a_pkk_board_member_cannot_also_sit_on_a_posyandu_board() {
    let app = spawn_app().await;
    let (_, posyandu) = setup(&app).await;
    app.create_user("desa.pemaron", Role::Desa, "51.08.06.2004")
        .await;
    let desa = app.login("desa.pemaron").await;
    let person: Person = json(
        app.post("/api/v1/people", &desa, &json!({"name": "Luh Putu", "sex": "P", "birth_date": "1985-02-02", "desa_code": "51.08.06.2004"})).await,
        201,
    )
    .await;
    json::<Value>(
        app.post(
            &format!("/api/v1/people/{}/posts", person.id),
            &desa,
            &json!({"institution": "PKK", "post": "bendahara", "board": true, "active_from": "2024-01-01"}),
        )
        .await,
        201,
    )
    .await;
    let appoint = |post: &str, phone: Option<&str>| json!({"person_id": person.id, "posyandu_id": posyandu.id, "post": post, "active_from": "2025-01-01", "phone": phone});
    let p = problem(
        app.post("/api/v1/kader", &desa, &appoint("ketua", None))
            .await,
        409,
    )
    .await;
    assert!(p.detail.unwrap().contains("PKK"));
    // An ordinary member is allowed under the default (board-only) rule.
    let kader: Kader = json(
        app.post(
            "/api/v1/kader",
            &desa,
            &appoint("anggota", Some("0813-1111-2222")),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(kader.phone.as_deref(), Some("+6281311112222"));
    // Promoting them to the board runs into the rule too.
    problem(
        app.patch(
            &format!("/api/v1/kader/{}", kader.id),
            &desa,
            &json!({"post": "ketua"}),
        )
        .await,
        409,
    )
    .await;
    // The phone is unique among active kader.
    let other: Person = json(
        app.post("/api/v1/people", &desa, &json!({"name": "Komang", "sex": "P", "birth_date": "1988-02-02", "desa_code": "51.08.06.2004"})).await,
        201,
    )
    .await;
    let p = problem(
        app.post(
            "/api/v1/kader",
            &desa,
            &json!({"person_id": other.id, "posyandu_id": posyandu.id, "active_from": "2025-01-01", "phone": "+62 813 1111 2222"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        (p.errors[0].field.as_str(), p.errors[0].code.as_str()),
        ("phone", "taken")
    );
    // Ending the first kader's service frees the number.
    json::<Kader>(
        app.patch(
            &format!("/api/v1/kader/{}", kader.id),
            &desa,
            &json!({"active_to": "2025-06-30"}),
        )
        .await,
        200,
    )
    .await;
    json::<Kader>(
        app.post(
            "/api/v1/kader",
            &desa,
            &json!({"person_id": other.id, "posyandu_id": posyandu.id, "active_from": "2025-07-01", "phone": "+62 813 1111 2222"}),
        )
        .await,
        201,
    )
    .await;
    // Incentives.
    let path = format!("/api/v1/kader/{}/incentives", kader.id);
    json::<Value>(
        app.post(
            &path,
            &desa,
            &json!({"period": "2025-05", "amount_rupiah": 150000, "source": "dana_desa"}),
        )
        .await,
        201,
    )
    .await;
    problem(
        app.post(
            &path,
            &desa,
            &json!({"period": "Mei 2025", "amount_rupiah": 150000}),
        )
        .await,
        422,
    )
    .await;
    let list: Vec<Value> = json(app.get(&path, &desa).await, 200).await;
    assert_eq!(list.len(), 1);
}

#[tokio::test]
async fn the_rule_can_cover_every_kader() {
    let app = spawn_app_with(|s| {
        s.kader_double_posts = posyandu_api::domain::double_posts::DoublePostRule::All
    })
    .await;
    let (_, posyandu) = setup(&app).await;
    let admin = app.admin().await;
    let person: Person = json(
        app.post("/api/v1/people", &admin, &json!({"name": "Luh", "sex": "P", "birth_date": "1985-02-02", "desa_code": "51.08.06.2004"})).await,
        201,
    )
    .await;
    json::<Value>(
        app.post(
            &format!("/api/v1/people/{}/posts", person.id),
            &admin,
            &json!({"institution": "pkk", "post": "anggota", "active_from": "2024-01-01"}),
        )
        .await,
        201,
    )
    .await;
    problem(
        app.post("/api/v1/kader", &admin, &json!({"person_id": person.id, "posyandu_id": posyandu.id, "active_from": "2025-01-01"})).await,
        409,
    )
    .await;
}

#[tokio::test]
async fn posyandu_days_move_and_desa_profiles_record_the_bidan() {
    let app = spawn_app().await;
    let (_, posyandu) = setup(&app).await;
    let admin = app.admin().await;
    let detail: Posyandu = json(
        app.get(&format!("/api/v1/posyandu/{}", posyandu.id), &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(detail.time_zone, "Asia/Makassar", "Bali is WITA");
    assert_eq!(
        detail.opening_rule_text.as_deref(),
        Some("setiap tanggal 10")
    );
    assert!(detail.desa_has_bidan.is_none());
    let path = format!("/api/v1/posyandu/{}/day-changes", posyandu.id);
    let p = problem(
        app.post(
            &path,
            &admin,
            &json!({"from_date": "2026-12-11", "to_date": "2026-12-12"}),
        )
        .await,
        422,
    )
    .await;
    assert!(p.detail.is_none() && p.errors[0].message.contains("2026-12-10"));
    json::<DayChange>(
        app.post(
            &path,
            &admin,
            &json!({"from_date": "2026-12-10", "to_date": "2026-12-12", "reason": "Galungan"}),
        )
        .await,
        201,
    )
    .await;
    // A later change of the same day replaces the earlier one.
    json::<DayChange>(
        app.post(&path, &admin, &json!({"from_date": "2026-12-10"}))
            .await,
        201,
    )
    .await;
    let changes: Vec<DayChange> = json(app.get(&path, &admin).await, 200).await;
    assert_eq!(changes.len(), 1);
    assert!(changes[0].to_date.is_none());

    let desa: DesaProfile = json(
        app.request(
            reqwest::Method::PUT,
            "/api/v1/desa/5108062004",
            Some(&admin),
            Some(&json!({"has_bidan_desa": true})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (desa.name.as_str(), desa.has_bidan_desa),
        ("Pemaron", Some(true))
    );
    let detail: Posyandu = json(
        app.get(&format!("/api/v1/posyandu/{}", posyandu.id), &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(detail.desa_has_bidan, Some(true));
    // Opening rules, time zones and SPM fields are validated.
    let path = format!("/api/v1/posyandu/{}", posyandu.id);
    let patch = async |body: Value| app.patch(&path, &admin, &body).await;
    problem(patch(json!({"time_zone": "Asia/Tokyo"})).await, 422).await;
    problem(
        patch(json!({"opening_rule": {"kind": "nth_weekday", "nth": 5, "weekday": "tuesday"}}))
            .await,
        422,
    )
    .await;
    problem(
        patch(json!({"spm_fields": ["kesehatan", "olahraga"]})).await,
        422,
    )
    .await;
    let changed: Posyandu = json(
        patch(json!({"opening_rule": {"kind": "nth_weekday", "nth": 2, "weekday": "tuesday"}, "spm_fields": ["sosial", "kesehatan"]})).await,
        200,
    )
    .await;
    assert_eq!(
        changed.opening_rule_text.as_deref(),
        Some("setiap Selasa kedua tiap bulan")
    );
    assert_eq!(
        serde_json::to_value(&changed.spm_fields).unwrap(),
        json!(["kesehatan", "sosial"])
    );
}

#[tokio::test]
async fn a_child_is_found_by_its_code_only_within_the_callers_area() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let other_puskesmas = new_puskesmas(
        &app,
        "P5108050201",
        "Puskesmas Sukasada I",
        "51.08.05",
        &["51.08.05.2001"],
    )
    .await;
    let elsewhere = new_posyandu(
        &app,
        "Posyandu Flamboyan",
        "51.08.05.2001",
        &other_puskesmas,
    )
    .await;
    let ours = new_child(&app, "Putu Wulan", years_ago(2), &posyandu, None).await;
    let theirs = new_child(&app, "Kadek Sari", years_ago(1), &elsewhere, None).await;

    let by_code = |code: String| {
        let (app, bidan) = (&app, &bidan);
        async move {
            let found: Value = json(
                app.get(&format!("/api/v1/children?code={code}"), bidan)
                    .await,
                200,
            )
            .await;
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["person"]["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by_code(ours.person.code.clone()).await, ["Putu Wulan"]);
    // Another area's child is not found by its code, nor is an unknown code.
    assert!(by_code(theirs.person.code.clone()).await.is_empty());
    assert!(by_code(public_code::encode(999_999)).await.is_empty());
    // The code filter combines with the others.
    let other_posyandu = elsewhere.id;
    let found: Value = json(
        app.get(
            &format!(
                "/api/v1/children?code={}&posyandu_id={other_posyandu}",
                ours.person.code
            ),
            &bidan,
        )
        .await,
        200,
    )
    .await;
    assert!(found["items"].as_array().unwrap().is_empty());
}
