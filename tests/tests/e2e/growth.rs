//! Weighings through the API: evaluation, KMS across months, corrections
//! that re-read later months, one weighing a day, bulk, charts, lists, and
//! the calculator.
use chrono::{Datelike, Duration, NaiveDate};
use openapi::Role;
use openapi::areas::Posyandu;
use openapi::growth::{
    BulkWeighingResponse, KmsStatus, ReferralReason, Weighing, ZScoreBatchResponse, ZScoreResult,
};
use openapi::registry::Child;
use posyandu_tests::world::{new_posyandu, new_puskesmas};
use posyandu_tests::{Caller, TestApp, json, problem, spawn_app};
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
    app.create_user("kader.melati", Role::Kader, &posyandu.kode)
        .await;
    (app.login("kader.melati").await, posyandu)
}

async fn child(app: &TestApp, kader: &Caller, posyandu: &Posyandu, birth: NaiveDate) -> Child {
    json(
        app.post(
            "/api/v1/children",
            kader,
            &json!({"person": {"name": "Putu Ayu", "sex": "P", "birth_date": birth}, "posyandu_id": posyandu.id}),
        )
        .await,
        201,
    )
    .await
}

fn month_ago(months: i32, day: u32) -> NaiveDate {
    let today = posyandu_tests::today();
    let total = today.year() * 12 + today.month() as i32 - 1 - months;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, day).unwrap()
}

async fn weigh(app: &TestApp, kader: &Caller, child: &Child, date: NaiveDate, kg: f64) -> Weighing {
    json(
        app.post(
            &format!("/api/v1/children/{}/weighings", child.id),
            kader,
            &json!({"measured_on": date, "weight_kg": kg}),
        )
        .await,
        201,
    )
    .await
}

#[tokio::test]
async fn a_year_of_weighings_reads_b_n_t_2t_and_o() {
    let app = spawn_app().await;
    let (kader, posyandu) = setup(&app).await;
    // Born 14 months ago on the 1st: 9 to 14 months old over the weighings below.
    let ayu = child(&app, &kader, &posyandu, month_ago(14, 1)).await;
    let b = weigh(&app, &kader, &ayu, month_ago(5, 10), 7.6).await;
    let n = weigh(&app, &kader, &ayu, month_ago(4, 10), 7.95).await;
    let t = weigh(&app, &kader, &ayu, month_ago(3, 10), 8.0).await;
    let t2 = weigh(&app, &kader, &ayu, month_ago(2, 10), 8.05).await;
    let o = weigh(&app, &kader, &ayu, month_ago(0, 1), 8.3).await;
    assert_eq!(b.kms_status, KmsStatus::B);
    assert_eq!(
        (n.kms_status, n.gain_g, n.kbm_g),
        (KmsStatus::N, Some(350), Some(300))
    );
    assert_eq!((t.kms_status, t.gain_g), (KmsStatus::T, Some(50)));
    assert!(t.referral.contains(&ReferralReason::TidakNaik));
    assert!(t2.two_t && t2.referral.contains(&ReferralReason::DuaT));
    assert_eq!(o.kms_status, KmsStatus::O, "nobody weighed her last month");
    assert_eq!(o.age_months, 14);
    assert!(o.standard.starts_with("who-2006;permenkes-2-2020;kbm-"));

    // The latest status is on the child.
    let now: Child = json(
        app.get(&format!("/api/v1/children/{}", ayu.id), &kader)
            .await,
        200,
    )
    .await;
    assert_eq!(now.latest.as_ref().unwrap().weighing_id, o.id);

    // A weighing found later for last month turns O into N or T.
    let late = weigh(&app, &kader, &ayu, month_ago(1, 10), 8.1).await;
    assert_eq!(late.kms_status, KmsStatus::T);
    assert!(late.two_t, "third T in a row");
    let reread: Weighing = json(
        app.get(&format!("/api/v1/weighings/{}", o.id), &kader)
            .await,
        200,
    )
    .await;
    assert_eq!(
        (reread.kms_status, reread.gain_g),
        (KmsStatus::N, Some(200))
    );

    // Correcting a wrong weight re-reads the months after it.
    let fixed: Weighing = json(
        app.patch(
            &format!("/api/v1/weighings/{}", t.id),
            &kader,
            &json!({"weight_kg": 8.3}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fixed.kms_status, KmsStatus::N);
    let after: Weighing = json(
        app.get(&format!("/api/v1/weighings/{}", t2.id), &kader)
            .await,
        200,
    )
    .await;
    assert_eq!(after.kms_status, KmsStatus::T);
    assert!(!after.two_t, "the T before it is gone");
    let history: Vec<Weighing> = json(
        app.get(&format!("/api/v1/children/{}/weighings", ayu.id), &kader)
            .await,
        200,
    )
    .await;
    assert_eq!(history.len(), 6);
    // The correction is in the audit log (read by someone who may).
    let admin = app.admin().await;
    let log: Value = json(
        app.get(
            &format!("/api/v1/audit?entity=weighing&entity_id={}", t.id),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update"]);
    assert_eq!(log["items"][1]["changes"]["weight_kg"], json!([8.0, 8.3]));

    // Removing a weighing re-reads too.
    assert_eq!(
        app.delete(&format!("/api/v1/weighings/{}", n.id), &kader)
            .await
            .status(),
        204
    );
    let after: Weighing = json(
        app.get(&format!("/api/v1/weighings/{}", t.id), &kader)
            .await,
        200,
    )
    .await;
    assert_eq!(after.kms_status, KmsStatus::O);
}

#[tokio::test]
async fn one_weighing_a_day_and_dates_that_cannot_be() {
    let app = spawn_app().await;
    let (kader, posyandu) = setup(&app).await;
    let birth = posyandu_tests::today() - Duration::days(300);
    let ayu = child(&app, &kader, &posyandu, birth).await;
    let path = format!("/api/v1/children/{}/weighings", ayu.id);
    let body = json!({"weight_kg": 8.1, "length_cm": 70.2, "position": "lying", "muac_cm": 14.0});
    let first: Weighing = json(app.post(&path, &kader, &body).await, 201).await;
    // The same report again (a retry, a kader sending twice): the stored one, 200.
    let again: Weighing = json(app.post(&path, &kader, &body).await, 200).await;
    assert_eq!(again.id, first.id);
    let p = problem(
        app.post(&path, &kader, &json!({"weight_kg": 8.4})).await,
        409,
    )
    .await;
    assert!(p.detail.unwrap().contains(&first.id.to_string()));
    let p = problem(
        app.post(
            &path,
            &kader,
            &json!({"weight_kg": 8.1, "measured_on": "2999-01-01"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "measured_on");
    let p = problem(
        app.post(
            &path,
            &kader,
            &json!({"weight_kg": 8.1, "measured_on": birth - Duration::days(1)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "measured_on");
    let p = problem(
        app.post(
            &path,
            &kader,
            &json!({"weight_kg": 85.0, "length_cm": 72.0}),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["weight_kg", "position"]);
    // The stored weighing carries z-scores and categories.
    assert!(
        first.z.wfa.is_some()
            && first.z.lhfa.is_some()
            && first.z.wflh.is_some()
            && first.z.acfa.is_some()
    );
    assert!(first.categories.bbu_label.is_some());
}

#[tokio::test]
async fn bulk_weighings_report_per_item() {
    let app = spawn_app().await;
    let (kader, posyandu) = setup(&app).await;
    let birth = posyandu_tests::today() - Duration::days(400);
    let a = child(&app, &kader, &posyandu, birth).await;
    let b = child(&app, &kader, &posyandu, birth).await;
    let today = posyandu_tests::today();
    let response: BulkWeighingResponse = json(
        app.post(
            "/api/v1/weighings/bulk",
            &kader,
            &json!({"weighings": [
                {"child_id": a.id, "weighing": {"weight_kg": 9.0, "measured_on": today}},
                {"child_id": b.id, "weighing": {"weight_kg": 0.1, "measured_on": today}},
                {"child_id": uuid::Uuid::now_v7(), "weighing": {"weight_kg": 9.0}},
                {"child_id": a.id, "weighing": {"weight_kg": 9.0, "measured_on": today}},
            ]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (response.created, response.unchanged, response.rejected),
        (1, 1, 2)
    );
    let outcomes: Vec<&str> = response.items.iter().map(|i| i.outcome.as_str()).collect();
    assert_eq!(outcomes, ["created", "rejected", "rejected", "unchanged"]);
    assert_eq!(response.items[1].problem.as_ref().unwrap().status, 422);
    assert_eq!(response.items[2].problem.as_ref().unwrap().status, 404);
}

#[tokio::test]
async fn lists_charts_and_the_calculator() {
    let app = spawn_app().await;
    let (kader, posyandu) = setup(&app).await;
    let birth = posyandu_tests::today() - Duration::days(365);
    let thin = child(&app, &kader, &posyandu, birth).await;
    let fine = child(&app, &kader, &posyandu, birth).await;
    let absent = child(&app, &kader, &posyandu, birth).await;
    let w: Weighing = json(
        app.post(
            &format!("/api/v1/children/{}/weighings", thin.id),
            &kader,
            &json!({"weight_kg": 6.0, "length_cm": 66.0, "position": "lying"}),
        )
        .await,
        201,
    )
    .await;
    assert!(
        w.bgm
            && w.stunting
            && w.referral.contains(&ReferralReason::Bgm)
            && w.referral.contains(&ReferralReason::StuntingBaru)
    );
    json::<Weighing>(
        app.post(
            &format!("/api/v1/children/{}/weighings", fine.id),
            &kader,
            &json!({"weight_kg": 9.2, "length_cm": 75.0, "position": "lying"}),
        )
        .await,
        201,
    )
    .await;
    let month = posyandu_tests::this_month();
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (kind, expected) in [
        ("referral", &thin),
        ("bgm", &thin),
        ("stunting", &thin),
        ("not_weighed", &absent),
    ] {
        let page: Value = json(
            app.get(
                &format!(
                    "/api/v1/growth/attention?kind={kind}&month={month}&posyandu_id={}",
                    posyandu.id
                ),
                &kader,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(ids(page), [expected.id.to_string()], "{kind}");
    }
    let page: Value = json(
        app.get(
            &format!("/api/v1/growth/attention?kind=two_t&month={month}"),
            &kader,
        )
        .await,
        200,
    )
    .await;
    assert!(ids(page).is_empty());
    problem(
        app.get(
            "/api/v1/growth/attention?kind=referral&month=November",
            &kader,
        )
        .await,
        422,
    )
    .await;
    problem(
        app.get("/api/v1/growth/attention?kind=famous&month=2026-11", &kader)
            .await,
        422,
    )
    .await;

    let chart = app
        .get(
            &format!("/api/v1/children/{}/growth-chart.svg", thin.id),
            &kader,
        )
        .await;
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().await.unwrap();
    assert!(
        svg.starts_with("<svg")
            && svg.contains("<circle")
            && svg.contains("Berat badan menurut umur")
    );
    let chart = app
        .get(
            &format!(
                "/api/v1/children/{}/growth-chart.svg?indicator=wflh",
                thin.id
            ),
            &kader,
        )
        .await;
    assert!(
        chart
            .text()
            .await
            .unwrap()
            .contains("panjang badan (BB/PB)")
    );

    // The calculator agrees with what was stored.
    let result: ZScoreResult = json(
        app.post(
            "/api/v1/growth/zscores",
            &kader,
            &json!({"sex": "P", "birth_date": birth, "measured_on": posyandu_tests::today(), "weight_kg": 6.0, "length_cm": 66.0, "position": "lying"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(result.z, w.z);
    assert!(result.bgm && result.stunting);
    let batch: ZScoreBatchResponse = json(
        app.post("/api/v1/growth/zscores/batch", &kader, &json!({"records": [{"sex": "L", "age_days": 0, "weight_kg": 3.3464}, {"sex": "L", "age_days": -4}]})).await,
        200,
    )
    .await;
    assert!(batch.items[0].result.as_ref().unwrap().z.wfa.unwrap().abs() < 1e-9);
    assert_eq!(batch.items[1].errors[0].field, "records[1].age_days");
}

#[tokio::test]
async fn concurrent_weighings_of_one_child_stay_consistent() {
    let app = spawn_app().await;
    let (kader, posyandu) = setup(&app).await;
    let ayu = child(&app, &kader, &posyandu, month_ago(20, 1)).await;
    let path = format!("/api/v1/children/{}/weighings", ayu.id);
    // The same day from six phones at once, with different weights: one wins.
    let bodies: Vec<Value> = (0..6)
        .map(|i| json!({"weight_kg": 9.0 + i as f64 / 10.0}))
        .collect();
    let responses =
        futures_util::future::join_all(bodies.iter().map(|b| app.post(&path, &kader, b))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    // Six different months at once: all stored, and each read against the others.
    let bodies: Vec<Value> = (1..=6)
        .map(|m| json!({"measured_on": month_ago(m, 10), "weight_kg": 9.0 - m as f64 * 0.2}))
        .collect();
    let responses =
        futures_util::future::join_all(bodies.iter().map(|b| app.post(&path, &kader, b))).await;
    assert!(responses.iter().all(|r| r.status() == 201));
    let history: Vec<Weighing> = json(app.get(&path, &kader).await, 200).await;
    assert_eq!(history.len(), 7);
    let statuses: Vec<KmsStatus> = history.iter().map(|w| w.kms_status).collect();
    assert_eq!(statuses[0], KmsStatus::B);
    assert!(
        statuses[1..6].iter().all(|s| *s == KmsStatus::N),
        "{statuses:?}"
    );
    assert_eq!(statuses[6], KmsStatus::N, "gained since last month");
}
