//! Reports on a small hand-counted fixture: SKDN for a posyandu, a desa, a
//! puskesmas and a kecamatan, drill links, scoping, targets set by the
//! district, a correction showing in the next report, and the CSV and
//! Excel files read back.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{Datelike, Months, NaiveDate};
use openapi::Role;
use openapi::areas::Posyandu;
use openapi::growth::{KmsStatus, Weighing};
use openapi::registry::Child;
use openapi::reports::{Indicator, SkdnReport, SkdnRow, TargetSet, TargetSource};
use posyandu_tests::world::{new_posyandu, new_puskesmas};
use posyandu_tests::{Caller, TestApp, json, problem, spawn_app};
use serde_json::json;

/// The reported month: last month, so that the month before it and the
/// one before that hold the weighings that make N, T and O.
fn report_month() -> NaiveDate {
    let today = posyandu_tests::today();
    NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .unwrap()
        .checked_sub_months(Months::new(1))
        .unwrap()
}

fn month_text(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// The 10th of the month `back` months before the reported one.
fn tenth(back: u32) -> NaiveDate {
    report_month()
        .checked_sub_months(Months::new(back))
        .unwrap()
        .with_day(10)
        .unwrap()
}

/// Born `months` months before the reported month's end.
fn born(months: u32) -> NaiveDate {
    let end = report_month()
        .checked_add_months(Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap();
    end.checked_sub_months(Months::new(months)).unwrap()
}

async fn child(
    app: &TestApp,
    caller: &Caller,
    posyandu: &Posyandu,
    name: &str,
    sex: &str,
    birth: NaiveDate,
    kms: bool,
) -> Child {
    json(
        app.post(
            "/api/v1/children",
            caller,
            &json!({"person": {"name": name, "sex": sex, "birth_date": birth},
                    "posyandu_id": posyandu.id, "kms_held": kms, "buku_kia_held": false}),
        )
        .await,
        201,
    )
    .await
}

async fn weigh(app: &TestApp, caller: &Caller, child: &Child, on: NaiveDate, kg: f64) -> Weighing {
    json(
        app.post(
            &format!("/api/v1/children/{}/weighings", child.id),
            caller,
            &json!({"measured_on": on, "weight_kg": kg}),
        )
        .await,
        201,
    )
    .await
}

struct Fixture {
    melati: Posyandu,
    mawar: Posyandu,
    /// C's only weighing (status B), to be deleted later.
    c_weighing: Weighing,
}

/// Posyandu Melati (desa 2004) and Mawar (desa 2005) of Puskesmas Buleleng
/// III, and a posyandu in Jembrana whose child must never be counted.
///
/// Melati, reported month M: A weighed M-1 and M with a good gain (N); B
/// weighed M-1 and M with 50 g (T); C weighed only in M (B, first ever); D
/// weighed M-2 and M (O); E has a KMS and was not weighed (absent); F has
/// no KMS and was not weighed.
/// S 6, K 5, D 4, N 1, T 1, O 1, B 1, absent 1.
/// Mawar: H weighed M-1 and M with a good gain. S 1, K 1, D 1, N 1.
async fn fixture(app: &TestApp, admin: &Caller) -> Fixture {
    let puskesmas = new_puskesmas(
        app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004", "51.08.06.2005"],
    )
    .await;
    let melati = new_posyandu(app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    let mawar = new_posyandu(app, "Posyandu Mawar", "51.08.06.2005", &puskesmas).await;
    let jembrana = new_puskesmas(
        app,
        "P5101010201",
        "Puskesmas Melaya I",
        "51.01.01",
        &["51.01.01.2001"],
    )
    .await;
    let faraway = new_posyandu(app, "Posyandu Jauh", "51.01.01.2001", &jembrana).await;

    let a = child(app, admin, &melati, "Ayu", "P", born(14), true).await;
    assert_eq!(
        weigh(app, admin, &a, tenth(1), 9.0).await.kms_status,
        KmsStatus::B
    );
    assert_eq!(
        weigh(app, admin, &a, tenth(0), 9.4).await.kms_status,
        KmsStatus::N
    );
    let b = child(app, admin, &melati, "Bagus", "L", born(30), true).await;
    weigh(app, admin, &b, tenth(1), 12.0).await;
    assert_eq!(
        weigh(app, admin, &b, tenth(0), 12.05).await.kms_status,
        KmsStatus::T
    );
    let c = child(app, admin, &melati, "Citra", "P", born(8), true).await;
    let c_weighing = weigh(app, admin, &c, tenth(0), 7.8).await;
    assert_eq!(c_weighing.kms_status, KmsStatus::B);
    let d = child(app, admin, &melati, "Dharma", "L", born(20), true).await;
    weigh(app, admin, &d, tenth(2), 10.0).await;
    assert_eq!(
        weigh(app, admin, &d, tenth(0), 10.3).await.kms_status,
        KmsStatus::O
    );
    child(app, admin, &melati, "Eka", "P", born(3), true).await;
    child(app, admin, &melati, "Fajar", "L", born(40), false).await;

    let h = child(app, admin, &mawar, "Hana", "P", born(10), true).await;
    weigh(app, admin, &h, tenth(1), 8.0).await;
    assert_eq!(
        weigh(app, admin, &h, tenth(0), 8.5).await.kms_status,
        KmsStatus::N
    );

    let far = child(app, admin, &faraway, "Jauh", "L", born(12), true).await;
    weigh(app, admin, &far, tenth(0), 9.0).await;
    Fixture {
        melati,
        mawar,
        c_weighing,
    }
}

fn counts(row: &SkdnRow) -> [i64; 10] {
    let c = &row.counts;
    [c.s, c.k, c.d, c.n, c.t, c.o, c.b, c.two_t, c.bgm, c.absent]
}

fn value(row: &SkdnRow, indicator: Indicator) -> (Option<f64>, Option<bool>) {
    let m = row
        .measures
        .iter()
        .find(|m| m.indicator == indicator)
        .unwrap();
    (m.value, m.met)
}

async fn skdn(app: &TestApp, caller: &Caller, query: &str) -> SkdnReport {
    json(
        app.get(
            &format!(
                "/api/v1/reports/skdn?month={}{query}",
                month_text(report_month())
            ),
            caller,
        )
        .await,
        200,
    )
    .await
}

#[tokio::test]
async fn skdn_counts_match_the_hand_count_at_every_level() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = fixture(&app, &admin).await;

    // The puskesmas, by desa.
    let report = skdn(&app, &admin, "&area=P5108060203").await;
    assert_eq!(report.by, openapi::AreaKind::Desa);
    assert_eq!(report.rows.len(), 2);
    let (pemaron, mawar_desa) = (&report.rows[0], &report.rows[1]);
    assert_eq!(pemaron.area.code, "51.08.06.2004");
    assert_eq!(counts(pemaron), [6, 5, 4, 1, 1, 1, 1, 0, 0, 1]);
    assert_eq!(counts(mawar_desa), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(counts(&report.total), [7, 6, 5, 2, 1, 1, 1, 0, 0, 1]);
    assert!(report.total.balanced && pemaron.balanced);
    // Ratios against the national defaults: D/S 5/7 = 71 % < 85 %,
    // K/S 6/7 = 86 % ≥ 80 %, N/D 2/5 = 40 % < 80 %.
    let (ds, met) = value(&report.total, Indicator::Ds);
    assert!((ds.unwrap() - 5.0 / 7.0).abs() < 1e-12);
    assert_eq!(met, Some(false));
    assert_eq!(value(&report.total, Indicator::Ks).1, Some(true));
    assert_eq!(value(&report.total, Indicator::Nd).0, Some(0.4));
    // The age and sex breakdown: Melati's girls 12–23 months are A alone,
    // weighed with N; boys 24–59 are B (T) and F (no KMS).
    let group = |row: &SkdnRow, age: &str, sex: &str| {
        let g = row
            .groups
            .iter()
            .find(|g| g.age_group.as_str() == age && format!("{:?}", g.sex) == sex)
            .unwrap();
        [g.counts.s, g.counts.k, g.counts.d, g.counts.n, g.counts.t]
    };
    assert_eq!(group(pemaron, "12-23", "P"), [1, 1, 1, 1, 0]);
    assert_eq!(group(pemaron, "24-59", "L"), [2, 1, 1, 0, 1]);
    assert_eq!(group(pemaron, "12-23", "L"), [1, 1, 1, 0, 0]);
    assert_eq!(group(pemaron, "0-5", "P"), [1, 1, 0, 0, 0]);
    assert_eq!(group(pemaron, "6-11", "P"), [1, 1, 1, 0, 0]);
    assert_eq!(pemaron.groups.len(), 8);

    // Drilling down: the desa row's link gives its posyandu.
    let drill = pemaron.area.drill.as_deref().unwrap();
    let desa: SkdnReport = json(app.get(drill, &admin).await, 200).await;
    assert_eq!(desa.by, openapi::AreaKind::Posyandu);
    assert_eq!(desa.rows.len(), 1);
    assert_eq!(desa.rows[0].area.code, f.melati.kode);
    assert_eq!(desa.rows[0].area.drill, None, "a posyandu is the bottom");
    assert_eq!(counts(&desa.rows[0]), counts(pemaron));

    // The kabupaten by kecamatan: Jembrana's child is not in Buleleng.
    let kabupaten = skdn(&app, &admin, "&area=51.08").await;
    assert_eq!(kabupaten.by, openapi::AreaKind::Kecamatan);
    assert_eq!(kabupaten.rows.len(), 1);
    assert_eq!(counts(&kabupaten.total), counts(&report.total));
    // And the province by kabupaten has both.
    let bali = skdn(&app, &admin, "&area=51").await;
    assert_eq!(bali.rows.len(), 2);
    assert_eq!(bali.total.counts.s, 8);

    // A correction is in the next report: C's only weighing is deleted.
    let deleted = app
        .delete(&format!("/api/v1/weighings/{}", f.c_weighing.id), &admin)
        .await;
    assert_eq!(deleted.status(), 204);
    let after = skdn(&app, &admin, &format!("&area={}", f.melati.kode)).await;
    assert_eq!(counts(&after.total), [6, 5, 3, 1, 1, 1, 0, 0, 0, 2]);
    let _ = f.mawar;
}

#[tokio::test]
async fn reports_stay_inside_the_callers_area() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = fixture(&app, &admin).await;
    app.create_user("kader.melati", Role::Kader, &f.melati.kode)
        .await;
    let kader = app.login("kader.melati").await;

    // By default the kader's own posyandu, one row.
    let own = skdn(&app, &kader, "").await;
    assert_eq!(own.area.code, f.melati.kode);
    assert_eq!(counts(&own.total), [6, 5, 4, 1, 1, 1, 1, 0, 0, 1]);
    // The neighbouring posyandu and the puskesmas are refused.
    for area in [f.mawar.kode.as_str(), "P5108060203", "51.08"] {
        let response = app
            .get(
                &format!(
                    "/api/v1/reports/skdn?month={}&area={area}",
                    month_text(report_month())
                ),
                &kader,
            )
            .await;
        problem(response, 403).await;
    }
    // A desa office sees its desa only.
    app.create_user("desa.anturan", Role::Desa, "51.08.06.2005")
        .await;
    let desa = app.login("desa.anturan").await;
    let seen = skdn(&app, &desa, "").await;
    assert_eq!(counts(&seen.total), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);

    // Bad input gets field errors.
    for (query, field) in [
        ("month=2026-13", "month"),
        ("month=November", "month"),
        ("month=2026-11&area=99.99", "area"),
        ("month=2026-11&area=P5108060203&by=kabupaten", "by"),
    ] {
        let p = problem(
            app.get(&format!("/api/v1/reports/skdn?{query}"), &admin)
                .await,
            422,
        )
        .await;
        assert_eq!(p.errors[0].field, field, "{query}");
    }
}

#[tokio::test]
async fn the_district_sets_its_targets_and_reports_use_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    fixture(&app, &admin).await;
    let year = report_month().year();
    app.create_user("dinkes.buleleng", Role::Dinkes, "51.08")
        .await;
    let dinkes = app.login("dinkes.buleleng").await;

    let defaults: TargetSet = json(
        app.get(&format!("/api/v1/targets/51.08/{year}"), &dinkes)
            .await,
        200,
    )
    .await;
    let ds = defaults
        .targets
        .iter()
        .find(|t| t.indicator == Indicator::Ds)
        .unwrap();
    assert_eq!((ds.value, ds.source), (0.85, TargetSource::Default));

    let set: TargetSet = json(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/targets/51.08/{year}"),
            Some(&dinkes),
            Some(&json!({"targets": [{"indicator": "ds", "value": 0.7}, {"indicator": "nd", "value": 0.4}]})),
        )
        .await,
        200,
    )
    .await;
    let ds = set
        .targets
        .iter()
        .find(|t| t.indicator == Indicator::Ds)
        .unwrap();
    assert_eq!((ds.value, ds.source), (0.7, TargetSource::District));
    assert!(
        ds.updated_by
            .as_deref()
            .is_some_and(|by| by.starts_with("user:"))
    );
    // The audit keeps what changed, old and new, as for every other entity.
    let log: serde_json::Value = json(
        app.get("/api/v1/audit?entity=report_target", &dinkes).await,
        200,
    )
    .await;
    assert_eq!(
        log["items"][0]["changes"],
        json!({"ds": [null, 0.7], "nd": [null, 0.4]})
    );

    // D/S 5/7 = 71.4 % now meets 70 %; N/D 40 % meets 40 %.
    let report = skdn(&app, &dinkes, "&area=P5108060203").await;
    assert_eq!(value(&report.total, Indicator::Ds).1, Some(true));
    assert_eq!(value(&report.total, Indicator::Nd).1, Some(true));
    // Another year keeps the defaults.
    let next: TargetSet = json(
        app.get(&format!("/api/v1/targets/51.08/{}", year + 1), &dinkes)
            .await,
        200,
    )
    .await;
    assert!(
        next.targets
            .iter()
            .all(|t| t.source == TargetSource::Default)
    );

    // Only dinkes (and admin) write targets, only for their own district,
    // and only fractions.
    app.create_user("puskesmas.b3", Role::Puskesmas, "P5108060203")
        .await;
    let puskesmas = app.login("puskesmas.b3").await;
    let put = async |caller: &Caller, kabupaten: &str, body: serde_json::Value| {
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/targets/{kabupaten}/{year}"),
            Some(caller),
            Some(&body),
        )
        .await
    };
    let body = json!({"targets": [{"indicator": "ds", "value": 0.9}]});
    problem(put(&puskesmas, "51.08", body.clone()).await, 403).await;
    problem(put(&dinkes, "51.01", body.clone()).await, 403).await;
    let p = problem(
        put(
            &dinkes,
            "51.08",
            json!({"targets": [{"indicator": "ds", "value": 85}]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "targets[0].value");
    problem(put(&dinkes, "51.08.06", body.clone()).await, 422).await;
    // The puskesmas reads its district's targets; null restores a default.
    let seen: TargetSet = json(
        app.get(&format!("/api/v1/targets/51.08/{year}"), &puskesmas)
            .await,
        200,
    )
    .await;
    assert_eq!(
        seen.targets
            .iter()
            .find(|t| t.indicator == Indicator::Ds)
            .unwrap()
            .value,
        0.7
    );
    let cleared: TargetSet = json(
        put(
            &dinkes,
            "51.08",
            json!({"targets": [{"indicator": "ds", "value": null}]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        cleared
            .targets
            .iter()
            .find(|t| t.indicator == Indicator::Ds)
            .unwrap()
            .source,
        TargetSource::Default
    );
}

#[tokio::test]
async fn skdn_exports_read_back_as_csv_and_excel() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    fixture(&app, &admin).await;
    let month = month_text(report_month());
    let base = format!("/api/v1/reports/skdn?month={month}&area=P5108060203");

    let csv = app.get(&format!("{base}&format=csv"), &admin).await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("skdn-P5108060203-{month}.csv"))
    );
    let text = csv.text().await.unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut sections = text.split("\r\n\r\n");
    let main: Vec<&str> = sections.next().unwrap().lines().collect();
    // Title, header, two desa, the total.
    assert!(main[0].contains("SKDN"), "{}", main[0]);
    assert!(main[1].starts_with("kode,wilayah,S,K,D,N,T,O,B,2T,BGM,K-D,K/S,D/S,N/D,D/K"));
    assert!(main[2].starts_with("51.08.06.2004,"), "{}", main[2]);
    assert!(main[2].contains(",6,5,4,1,1,1,1,0,0,1,"), "{}", main[2]);
    assert!(main[4].starts_with("P5108060203,"), "{}", main[4]);
    assert!(main[4].contains(",71.4,"), "D/S in percent: {}", main[4]);

    let xlsx = app.get(&format!("{base}&format=xlsx"), &admin).await;
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names()[0], "SKDN");
    let sheet = book.worksheet_range("SKDN").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(1, 2), Data::String("S".into()));
    assert_eq!(cell(2, 0), Data::String("51.08.06.2004".into()));
    let number = |d: Data| match d {
        Data::Float(x) => x,
        Data::Int(x) => x as f64,
        other => panic!("not a number: {other:?}"),
    };
    assert_eq!(number(cell(2, 2)), 6.0);
    assert_eq!(number(cell(2, 4)), 4.0);
    // The total row's D/S is the ratio itself, formatted as a percentage.
    assert!((number(cell(4, 13)) - 5.0 / 7.0).abs() < 1e-9);
    let groups = book.worksheet_range("Umur dan jenis kelamin").unwrap();
    assert_eq!(groups.height(), 2 + 3 * 8);

    let chart = app
        .get(
            &format!("/api/v1/reports/skdn/chart.svg?month={month}&area=P5108060203"),
            &admin,
        )
        .await;
    assert_eq!(chart.status(), 200);
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{}",
        &svg[..40]
    );
    assert!(svg.contains("Pemaron") || svg.contains("51.08.06.2004"));
}

/// `child_month` (what SKDN and nutrition count) as kept by the API equals
/// a rebuild from the weighings; returns the rows kept.
async fn summary_matches_rebuild(app: &TestApp) -> Vec<entity::child_month::Model> {
    use sea_orm::{EntityTrait, QueryOrder};
    let rows = || async {
        entity::child_month::Entity::find()
            .order_by_asc(entity::child_month::Column::ChildId)
            .order_by_asc(entity::child_month::Column::Month)
            .all(&app.db)
            .await
            .unwrap()
    };
    let kept = rows().await;
    posyandu_api::services::child_months::rebuild(&app.db)
        .await
        .unwrap();
    assert_eq!(
        kept,
        rows().await,
        "the kept summary differs from a rebuild"
    );
    kept
}

/// The posyandu's SKDN of the reported month, with what the child's own
/// weighings say it must be: its last weighing of the month.
async fn skdn_follows_weighings(
    app: &TestApp,
    admin: &Caller,
    posyandu: &Posyandu,
    kadek: &Child,
) -> KmsStatus {
    let report = skdn(app, admin, &format!("&area={}", posyandu.kode)).await;
    let list: Vec<Weighing> = json(
        app.get(&format!("/api/v1/children/{}/weighings", kadek.id), admin)
            .await,
        200,
    )
    .await;
    let month = report_month();
    let last = list
        .iter()
        .filter(|w| w.measured_on.year() == month.year() && w.measured_on.month() == month.month())
        .max_by_key(|w| w.measured_on)
        .expect("weighed in the month");
    let c = &report.total.counts;
    let by_status = [
        (KmsStatus::N, c.n),
        (KmsStatus::T, c.t),
        (KmsStatus::O, c.o),
        (KmsStatus::B, c.b),
    ];
    assert_eq!(c.d, 1, "one child weighed, counted once");
    for (status, count) in by_status {
        assert_eq!(count, i64::from(status == last.kms_status), "{status:?}");
    }
    last.kms_status
}

#[tokio::test]
async fn the_monthly_summary_follows_every_change_to_the_weighings() {
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
    let melati = new_posyandu(&app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    let kadek = child(&app, &admin, &melati, "Kadek", "L", born(20), true).await;
    let day = |back: u32, d: u32| tenth(back).with_day(d).unwrap();
    weigh(&app, &admin, &kadek, day(1, 10), 10.0).await;
    // Lost weight since last month: T.
    let fifth = weigh(&app, &admin, &kadek, day(0, 5), 9.9).await;
    assert_eq!(fifth.kms_status, KmsStatus::T);
    assert_eq!(summary_matches_rebuild(&app).await.len(), 2);
    let mut seen = vec![skdn_follows_weighings(&app, &admin, &melati, &kadek).await];

    // Weighed again later in the month: that one counts.
    let twentieth = weigh(&app, &admin, &kadek, day(0, 20), 10.9).await;
    let rows = summary_matches_rebuild(&app).await;
    assert_eq!(rows.len(), 2, "still one row for the month");
    assert!(rows.iter().any(|r| r.weighing_id == twentieth.id));
    seen.push(skdn_follows_weighings(&app, &admin, &melati, &kadek).await);

    // Corrected: the new weight is what the month shows.
    let corrected = app
        .patch(
            &format!("/api/v1/weighings/{}", twentieth.id),
            &admin,
            &json!({"weight_kg": 9.5}),
        )
        .await;
    assert_eq!(corrected.status(), 200);
    summary_matches_rebuild(&app).await;
    seen.push(skdn_follows_weighings(&app, &admin, &melati, &kadek).await);

    // Deleted: the 5th is the month's last again.
    let deleted = app
        .delete(&format!("/api/v1/weighings/{}", twentieth.id), &admin)
        .await;
    assert_eq!(deleted.status(), 204);
    let rows = summary_matches_rebuild(&app).await;
    assert!(rows.iter().any(|r| r.weighing_id == fifth.id));
    seen.push(skdn_follows_weighings(&app, &admin, &melati, &kadek).await);

    // A weighing entered late, in the month before: the 5th is read again
    // against it (a gain now), and the reported month follows.
    weigh(&app, &admin, &kadek, day(1, 25), 9.3).await;
    summary_matches_rebuild(&app).await;
    seen.push(skdn_follows_weighings(&app, &admin, &melati, &kadek).await);
    seen.sort_by_key(|s| format!("{s:?}"));
    seen.dedup();
    assert!(
        seen.len() >= 2,
        "the changes moved the month's status: {seen:?}"
    );

    // The birth date corrected: the child counts in its new age group.
    let report = skdn(&app, &admin, &format!("&area={}", melati.kode)).await;
    let d_in = |report: &SkdnReport, age: &str| {
        report
            .total
            .groups
            .iter()
            .filter(|g| g.age_group.as_str() == age)
            .map(|g| g.counts.d)
            .sum::<i64>()
    };
    assert_eq!((d_in(&report, "12-23"), d_in(&report, "24-59")), (1, 0));
    let moved = app
        .patch(
            &format!("/api/v1/people/{}", kadek.id),
            &admin,
            &json!({"birth_date": born(30)}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    summary_matches_rebuild(&app).await;
    let report = skdn(&app, &admin, &format!("&area={}", melati.kode)).await;
    assert_eq!((d_in(&report, "12-23"), d_in(&report, "24-59")), (0, 1));
}
