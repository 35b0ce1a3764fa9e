//! The programme reports on small hand-counted fixtures: nutrition status
//! (with its named lists), maternal care, immunisation, population, the
//! posyandu institution, and the lokakarya mini pack with its RTL.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{Datelike, Months, NaiveDate};
use openapi::Role;
use openapi::areas::Posyandu;
use openapi::growth::Sex;
use openapi::registry::Child;
use openapi::reports::{
    ImmunisationReport, Indicator, InstitutionReport, LokminPack, MaternalReport, NutritionCase,
    NutritionReport, PopulationReport, RtlItem, RtlStatus, Strata,
};
use posyandu_api::domain::immunisation as schedule;
use posyandu_api::domain::vitamin_a::{self, Capsule, Round};
use posyandu_tests::world::{new_person, new_posyandu, new_pregnancy, new_puskesmas, years_ago};
use posyandu_tests::{Caller, TestApp, json, problem, spawn_app, this_month, today};
use serde_json::json;

fn month_end() -> NaiveDate {
    let t = today();
    NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
        .unwrap()
        .checked_add_months(Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap()
}

/// `months` months before the end of this month.
fn born(months: u32) -> NaiveDate {
    month_end().checked_sub_months(Months::new(months)).unwrap()
}

async fn child(
    app: &TestApp,
    caller: &Caller,
    posyandu: &Posyandu,
    name: &str,
    sex: &str,
    birth: NaiveDate,
) -> Child {
    json(
        app.post(
            "/api/v1/children",
            caller,
            &json!({"person": {"name": name, "sex": sex, "birth_date": birth},
                    "posyandu_id": posyandu.id, "kms_held": true, "buku_kia_held": false}),
        )
        .await,
        201,
    )
    .await
}

async fn weigh(
    app: &TestApp,
    caller: &Caller,
    child: &Child,
    on: NaiveDate,
    kg: f64,
    cm: Option<f64>,
) {
    let mut body = json!({"measured_on": on, "weight_kg": kg});
    if let Some(cm) = cm {
        body["length_cm"] = json!(cm);
        body["position"] = json!("lying");
    }
    let response = app
        .post(
            &format!("/api/v1/children/{}/weighings", child.id),
            caller,
            &body,
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

fn measure(measures: &[openapi::reports::Measure], indicator: Indicator) -> (i64, i64) {
    let m = measures.iter().find(|m| m.indicator == indicator).unwrap();
    (m.numerator, m.denominator)
}

async fn place(app: &TestApp, kode: &str, name: &str) -> (openapi::areas::Puskesmas, Posyandu) {
    let puskesmas = new_puskesmas(
        app,
        kode,
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(app, name, "51.08.06.2004", &puskesmas).await;
    (puskesmas, posyandu)
}

/// The fields of one CSV line (RFC 4180 quoting, no line breaks inside).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Downloads a report as .xlsx and as CSV and reads both back: the named
/// sheet has a row for `code` whose cell `column` is `value`, and the CSV
/// has the same number in that row.
async fn exports_hold(
    app: &TestApp,
    caller: &Caller,
    path: &str,
    sheet: &str,
    code: &str,
    column: usize,
    value: f64,
) {
    let join = if path.contains('?') { '&' } else { '?' };
    let bytes = app
        .get(&format!("{path}{join}format=xlsx"), caller)
        .await
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .unwrap_or_else(|e| panic!("{path}: not a workbook: {e}"));
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{path}: no sheet {sheet}: {e}"));
    let row = range
        .rows()
        .find(|r| r.first() == Some(&Data::String(code.to_owned())))
        .unwrap_or_else(|| panic!("{path}: no row {code}"));
    assert_eq!(row[column], Data::Float(value), "{path} column {column}");
    let csv = app
        .get(&format!("{path}{join}format=csv"), caller)
        .await
        .text()
        .await
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with(&format!("{code},")) || l.starts_with(&format!("\"{code}\",")))
        .unwrap_or_else(|| panic!("{path}: no CSV line for {code}:\n{csv}"));
    let cells = csv_fields(line);
    let number: f64 = cells[column]
        .trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("{path}: column {column} of {line}"));
    let expected = if cells[column].ends_with('%') {
        value * 100.0
    } else {
        value
    };
    assert!((number - expected).abs() < 0.05, "{path}: CSV {line}");
}

/// Ayu (20 months, 74 cm: stunted) and Bagus (20 months, 83 cm) weighed
/// with a length this month; Citra weighed without one; Dewi has a KMS and
/// was not weighed. Bagus was also measured short earlier in the month:
/// only his last weighing of the month counts. Ayu was measured two
/// months ago as well, which shows in the trend.
#[tokio::test]
async fn nutrition_counts_each_child_once_and_names_the_children_behind_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, melati) = place(&app, "P5108060203", "Posyandu Melati").await;
    let ayu = child(&app, &admin, &melati, "Ayu", "P", born(20)).await;
    let bagus = child(&app, &admin, &melati, "Bagus", "L", born(20)).await;
    let citra = child(&app, &admin, &melati, "Citra", "P", born(10)).await;
    child(&app, &admin, &melati, "Dewi", "P", born(30)).await;
    let now = today();
    weigh(
        &app,
        &admin,
        &ayu,
        now.checked_sub_months(Months::new(2)).unwrap(),
        8.0,
        Some(71.0),
    )
    .await;
    weigh(&app, &admin, &ayu, now, 8.6, Some(74.0)).await;
    let first = now.with_day(1).unwrap();
    if first < now {
        weigh(&app, &admin, &bagus, first, 10.9, Some(70.0)).await;
    }
    weigh(&app, &admin, &bagus, now, 11.0, Some(83.0)).await;
    weigh(&app, &admin, &citra, now, 8.2, None).await;

    let path = format!(
        "/api/v1/reports/nutrition?month={}&area={}",
        this_month(),
        melati.kode
    );
    let report: NutritionReport = json(app.get(&path, &admin).await, 200).await;
    let c = &report.total.counts;
    assert_eq!((c.weighed, c.measured_length, c.measured_wfa), (3, 2, 3));
    assert_eq!((c.stunting, c.wasting, c.overweight), (1, 0, 0));
    assert_eq!(measure(&report.total.measures, Indicator::Stunting), (1, 2));
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.trend.len(), 12);
    assert_eq!(report.trend[11].counts.stunting, 1);
    assert_eq!(
        (
            report.trend[9].counts.stunting,
            report.trend[9].counts.measured_length
        ),
        (1, 1),
        "Ayu two months ago"
    );
    assert_eq!(report.trend[10].counts.weighed, 0);

    // The named lists.
    let cases = |kind: &str| {
        format!(
            "/api/v1/reports/nutrition/cases?month={}&area={}&kind={kind}",
            this_month(),
            melati.kode
        )
    };
    let stunted: Vec<NutritionCase> = json(app.get(&cases("stunting"), &admin).await, 200).await;
    assert_eq!(
        stunted.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Ayu"]
    );
    assert_eq!(stunted[0].length_cm, Some(74.0));
    let absent: Vec<NutritionCase> = json(app.get(&cases("absent"), &admin).await, 200).await;
    assert_eq!(
        absent.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Dewi"]
    );
    problem(app.get(&cases("tall"), &admin).await, 422).await;

    // The workbook holds the same numbers.
    let bytes = app
        .get(&format!("{path}&format=xlsx"), &admin)
        .await
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("Status gizi").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.first() == Some(&Data::String(melati.kode.clone())))
        .expect("the posyandu's row");
    assert_eq!(row[2], Data::Float(3.0));
    assert_eq!(row[6], Data::Float(1.0));
    assert_eq!(row[10], Data::Float(0.5), "stunting 1 of 2 as a ratio");
    assert!(book.worksheet_range("Tren 12 bulan").is_ok());
    let svg = app
        .get(
            &format!(
                "/api/v1/reports/nutrition/chart.svg?month={}&area={}",
                this_month(),
                melati.kode
            ),
            &admin,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Prevalensi stunting"));
}

#[tokio::test]
async fn maternal_immunisation_and_population_match_the_hand_count() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, melati) = place(&app, "P5108060203", "Posyandu Melati").await;
    let month = this_month();

    // A mother 150 days pregnant (trimester II at the month's end), seen
    // once in trimester I with LILA 22 cm (KEK).
    let mother = new_person(&app, "Ibu Sari", Sex::P, years_ago(28), &melati).await;
    let pregnancy = new_pregnancy(&app, mother.id, 150).await;
    let contact = app
        .post(
            &format!("/api/v1/pregnancies/{}/contacts", pregnancy.id),
            &admin,
            &json!({"date": today() - chrono::Duration::days(90), "provider": "bidan",
                    "lila_cm": 22.0, "iron_tablets": 30}),
        )
        .await;
    assert_eq!(contact.status(), 201, "{}", contact.text().await.unwrap());
    // A baby born this month at 2,300 g.
    let baby = app
        .post(
            "/api/v1/children",
            &admin,
            &json!({"person": {"name": "Bayi Sari", "sex": "L", "birth_date": today()},
                    "posyandu_id": melati.id, "birth_weight_g": 2300,
                    "kms_held": true, "buku_kia_held": true}),
        )
        .await;
    assert_eq!(baby.status(), 201, "{}", baby.text().await.unwrap());

    let report: MaternalReport = json(
        app.get(
            &format!(
                "/api/v1/reports/maternal?month={month}&area={}",
                melati.kode
            ),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let c = &report.total.counts;
    assert_eq!(
        (c.pregnancies, c.trimester_1, c.trimester_2, c.trimester_3),
        (1, 0, 1, 0)
    );
    assert_eq!(
        (c.k1, c.k1_first_trimester, c.seen, c.kek, c.anaemia),
        (1, 1, 1, 1, 0)
    );
    assert_eq!((c.completed, c.k4, c.k6, c.high_risk), (0, 0, 0, 0));
    assert_eq!((c.births, c.births_weighed, c.low_birth_weight), (1, 1, 1));
    assert_eq!(measure(&report.total.measures, Indicator::K4), (0, 0));
    assert_eq!(
        report
            .total
            .measures
            .iter()
            .find(|m| m.indicator == Indicator::K4)
            .unwrap()
            .value,
        None
    );

    // Immunisation: Eka (15 months) had every IDL dose on its due day; Fajar
    // (14 months) only DPT-HB-Hib 1.
    let eka = child(&app, &admin, &melati, "Eka", "P", born(15)).await;
    let fajar = child(&app, &admin, &melati, "Fajar", "L", born(14)).await;
    let nine_months = schedule::Age { months: 9, days: 0 }.from_birth(eka.person.birth_date);
    let mut idl_doses = 0;
    for entry in schedule::schedule() {
        if entry.endemic_only || entry.due_age.from_birth(eka.person.birth_date) > nine_months {
            continue;
        }
        idl_doses += 1;
        let r = app
            .post(
                &format!("/api/v1/children/{}/immunisations", eka.id),
                &admin,
                &json!({"antigen": entry.antigen, "dose": entry.dose,
                        "given_on": entry.due_age.from_birth(eka.person.birth_date)}),
            )
            .await;
        assert_eq!(
            r.status(),
            201,
            "{} {}: {}",
            entry.antigen,
            entry.dose,
            r.text().await.unwrap()
        );
    }
    assert!(idl_doses >= 10);
    let dpt1 = schedule::entry("DPT-HB-Hib", 1).unwrap();
    let r = app
        .post(
            &format!("/api/v1/children/{}/immunisations", fajar.id),
            &admin,
            &json!({"antigen": "DPT-HB-Hib", "dose": 1, "given_on": dpt1.due_age.from_birth(fajar.person.birth_date)}),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Vitamin A: Eka gets the round's capsule when she is old enough for one.
    let round = Round::covering(month_end()).unwrap();
    let eligible = [eka.person.birth_date, fajar.person.birth_date]
        .iter()
        .filter(|b| vitamin_a::capsule_for(**b, round.first_day()).is_some())
        .count() as i64;
    let capsule_day = round.first_day() + chrono::Duration::days(5);
    let capsule = vitamin_a::capsule_for(eka.person.birth_date, capsule_day);
    let given = match capsule {
        Some(capsule) if capsule_day <= today() && eligible > 0 => {
            let colour = if capsule == Capsule::Blue {
                "blue"
            } else {
                "red"
            };
            let r = app
                .post(
                    &format!("/api/v1/people/{}/vitamin-a", eka.id),
                    &admin,
                    &json!({"capsule": colour, "given_on": capsule_day}),
                )
                .await;
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            1
        }
        _ => 0,
    };
    let report: ImmunisationReport = json(
        app.get(
            &format!(
                "/api/v1/reports/immunisation?month={month}&area={}",
                melati.kode
            ),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let c = &report.total.counts;
    assert_eq!((c.cohort, c.idl, c.dpt_hb_hib_1, c.mr_1), (2, 1, 2, 1));
    assert_eq!(
        measure(&report.total.measures, Indicator::DropoutDptMr),
        (1, 2)
    );
    assert_eq!(c.vitamin_a_round, round.to_string());
    assert_eq!((c.vitamin_a_eligible, c.vitamin_a_given), (eligible, given));
    let mr1 = report
        .total
        .antigens
        .iter()
        .find(|a| a.antigen == "MR" && a.dose == 1)
        .unwrap();
    assert_eq!((mr1.given, mr1.coverage), (1, Some(0.5)));

    // Population: one newcomer this month; the baby is the month's birth.
    let newcomer = app
        .post(
            "/api/v1/population/newcomers",
            &admin,
            &json!({"person": {"name": "Pak Baru", "sex": "L", "birth_date": years_ago(40),
                               "desa_code": "51.08.06.2004"},
                    "arrived_on": today()}),
        )
        .await;
    assert_eq!(newcomer.status(), 201, "{}", newcomer.text().await.unwrap());
    let report: PopulationReport = json(
        app.get(
            &format!("/api/v1/reports/population?month={month}&area=51.08.06&by=desa"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let c = &report.total.counts;
    assert_eq!((c.arrived, c.moved, c.deceased, c.born), (1, 0, 0, 1));
    assert_eq!(report.rows.len(), 1, "one desa");
    assert_eq!(report.rows[0].area.code, "51.08.06.2004");
    let csv = app
        .get(
            &format!("/api/v1/reports/population?month={month}&area=51.08.06&format=csv"),
            &admin,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("datang"), "{csv}");
    // Each report downloads as Excel and CSV with the same numbers: the
    // pregnancies, the cohort, the newcomer.
    let area = &melati.kode;
    exports_hold(
        &app,
        &admin,
        &format!("/api/v1/reports/maternal?month={month}&area={area}"),
        "Kesehatan ibu",
        area,
        2,
        1.0,
    )
    .await;
    exports_hold(
        &app,
        &admin,
        &format!("/api/v1/reports/immunisation?month={month}&area={area}"),
        "Imunisasi",
        area,
        2,
        2.0,
    )
    .await;
    exports_hold(
        &app,
        &admin,
        &format!("/api/v1/reports/population?month={month}&area=51.08.06&by=desa"),
        "Penduduk",
        "51.08.06.2004",
        2,
        1.0,
    )
    .await;
}

#[tokio::test]
async fn the_institution_report_and_the_lokmin_pack_with_its_follow_up_plan() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (puskesmas, melati) = place(&app, "P5108060203", "Posyandu Melati").await;
    let ayu = child(&app, &admin, &melati, "Ayu", "P", born(20)).await;
    child(&app, &admin, &melati, "Bagus", "L", born(30)).await;
    weigh(&app, &admin, &ayu, today(), 10.0, None).await;
    let year = today().year();
    let activity = app
        .post(
            &format!("/api/v1/posyandu/{}/activities", melati.id),
            &admin,
            &json!({"field": "pendidikan", "activity_date": today(),
                    "description": "Kelas ibu balita", "people": 12}),
        )
        .await;
    assert_eq!(activity.status(), 201);
    problem(
        app.post(
            &format!("/api/v1/posyandu/{}/activities", melati.id),
            &admin,
            &json!({"field": "sosial", "activity_date": today(), "description": " ", "people": -1}),
        )
        .await,
        422,
    )
    .await;
    let fund = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/posyandu/{}/health-fund/{year}", melati.id),
            Some(&admin),
            Some(&json!({"year": year, "households": 80, "households_covered": 30})),
        )
        .await;
    assert_eq!(fund.status(), 200);

    let report: InstitutionReport = json(
        app.get(
            &format!(
                "/api/v1/reports/institution?month={}&area={}",
                this_month(),
                puskesmas.kode
            ),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let p = &report.posyandu[0];
    assert_eq!((p.openings, p.active_kader, p.extra_programmes), (1, 0, 1));
    assert_eq!(p.health_fund, Some(30.0 / 80.0));
    assert_eq!(p.strata, Strata::Pratama);
    assert!(
        p.reasons.iter().any(|r| r.contains("Buka 1 kali")),
        "{:?}",
        p.reasons
    );
    assert!(!p.sk_valid);
    let pendidikan = p
        .spm
        .iter()
        .find(|s| s.field.as_str() == "pendidikan")
        .unwrap();
    assert_eq!((pendidikan.activities, pendidikan.people), (1, 12));
    assert_eq!((report.summary.posyandu, report.summary.pratama), (1, 1));
    assert_eq!(report.summary.aktif.as_ref().unwrap().numerator, 0);

    // The follow-up plan agreed last quarter, then updated.
    let t = today();
    let quarter = format!("{}-Q{}", t.year(), (t.month() - 1) / 3 + 1);
    let first_of_quarter =
        NaiveDate::from_ymd_opt(t.year(), ((t.month() - 1) / 3) * 3 + 1, 1).unwrap();
    let previous_day = first_of_quarter.pred_opt().unwrap();
    let previous = format!(
        "{}-Q{}",
        previous_day.year(),
        (previous_day.month() - 1) / 3 + 1
    );
    let item: RtlItem = json(
        app.post(
            &format!("/api/v1/puskesmas/{}/rtl", puskesmas.id),
            &admin,
            &json!({"quarter": previous, "indicator": "ds", "problem": "D/S Melati rendah",
                    "action": "Kunjungan rumah oleh kader", "owner_sector": "kader",
                    "deadline": t}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(item.status, RtlStatus::Planned);
    let done: RtlItem = json(
        app.patch(
            &format!("/api/v1/rtl/{}", item.id),
            &admin,
            &json!({"status": "done", "notes": "Selesai"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (done.status, done.notes.as_deref()),
        (RtlStatus::Done, Some("Selesai"))
    );
    problem(
        app.post(
            &format!("/api/v1/puskesmas/{}/rtl", puskesmas.id),
            &admin,
            &json!({"quarter": "2026-Q5", "problem": "x", "action": "y", "owner_sector": "desa", "deadline": t}),
        )
        .await,
        422,
    )
    .await;
    app.create_user("kader.melati", Role::Kader, &melati.kode)
        .await;
    let kader = app.login("kader.melati").await;
    problem(
        app.post(
            &format!("/api/v1/puskesmas/{}/rtl", puskesmas.id),
            &kader,
            &json!({"quarter": quarter, "problem": "x", "action": "y", "owner_sector": "desa", "deadline": t}),
        )
        .await,
        403,
    )
    .await;

    let path = format!("/api/v1/puskesmas/{}/lokmin/{quarter}", puskesmas.id);
    let pack: LokminPack = json(app.get(&path, &admin).await, 200).await;
    assert_eq!(pack.months.len(), 3);
    assert_eq!(pack.previous_quarter, previous);
    assert_eq!(pack.indicators.len(), Indicator::ALL.len() - 1);
    let ds = pack
        .indicators
        .iter()
        .find(|i| i.indicator == Indicator::Ds)
        .unwrap();
    // Ayu weighed once in the quarter; both children are in S every month
    // of it (born before it began).
    assert_eq!((ds.quarter.numerator, ds.quarter.denominator), (1, 6));
    assert_eq!(ds.quarter.met, Some(false));
    assert!(pack.gaps.contains(&Indicator::Ds));
    assert_eq!(ds.worst[0].area.code, melati.kode);
    assert_eq!(pack.previous_rtl.len(), 1);
    assert_eq!(pack.previous_rtl[0].status, RtlStatus::Done);
    assert!(pack.rtl.is_empty());
    for svg in [
        &pack.charts.skdn,
        &pack.charts.stunting_trend,
        &pack.charts.coverage,
    ] {
        assert!(svg.starts_with("<svg"), "{svg}");
    }
    let csv = app
        .get(&format!("{path}?format=csv"), &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Lokakarya mini") && csv.contains("Kunjungan rumah oleh kader"));
    problem(
        app.get(
            &format!("/api/v1/puskesmas/{}/lokmin/2026-13", puskesmas.id),
            &admin,
        )
        .await,
        422,
    )
    .await;
    // The institution report and the pack download as Excel and CSV.
    let institution = format!(
        "/api/v1/reports/institution?month={}&area={}",
        this_month(),
        puskesmas.kode
    );
    exports_hold(
        &app,
        &admin,
        &institution,
        "Strata posyandu",
        &melati.kode,
        6,
        1.0,
    )
    .await;
    let bytes = app
        .get(&format!("{path}?format=xlsx"), &admin)
        .await
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let capaian = book.worksheet_range("Capaian").unwrap();
    let ds_row = capaian
        .rows()
        .find(|r| r.first() == Some(&Data::String(Indicator::Ds.label().to_owned())))
        .expect("the D/S row");
    // indikator, target, three months, then the quarter's value.
    assert_eq!(ds_row[5], Data::Float(1.0 / 6.0));
    let rtl = book.worksheet_range("RTL").unwrap();
    assert!(
        rtl.rows()
            .any(|r| r.contains(&Data::String("Kunjungan rumah oleh kader".into())))
    );
}
