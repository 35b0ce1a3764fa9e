//! Mothers and babies through the API: pregnancies and antenatal contacts,
//! births, immunisation, vitamin A, newcomers and BPJS gaps.
use chrono::{Datelike, Duration, NaiveDate};
use openapi::Role;
use openapi::areas::Posyandu;
use openapi::growth::Sex;
use openapi::maternal::{
    AntenatalContact, Birth, CoverageGap, DoseStateKind, Immunisation, ImmunisationStatus,
    Newcomer, Pregnancy, RiskFlag, Trimester, VitaminADose,
};
use openapi::registry::{Child, Person};
use posyandu_tests::world::{new_child, new_person, new_posyandu, new_puskesmas, years_ago};
use posyandu_tests::{Caller, TestApp, json, problem, spawn_app};
use serde_json::json;

fn today() -> NaiveDate {
    posyandu_tests::today()
}

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

async fn register(app: &TestApp, bidan: &Caller, mother: &Person, hpht: NaiveDate) -> Pregnancy {
    json(
        app.post(
            "/api/v1/pregnancies",
            bidan,
            &json!({"mother_id": mother.id, "hpht": hpht, "gravida": 2, "para": 1, "abortus": 0, "living_children": 1, "height_cm": 155.0}),
        )
        .await,
        201,
    )
    .await
}

#[tokio::test]
async fn a_pregnancy_gets_its_due_date_trimester_and_one_at_a_time() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let mother = new_person(&app, "Ni Luh Sari", Sex::P, years_ago(27), &posyandu).await;
    let hpht = today() - Duration::days(100);
    let pregnancy = register(&app, &bidan, &mother, hpht).await;
    assert_eq!(pregnancy.due_date, hpht + Duration::days(280));
    assert_eq!(pregnancy.trimester, Some(Trimester::Second));
    let age = pregnancy.gestational_age.unwrap();
    assert_eq!((age.weeks, age.days), (14, 2));
    assert!(
        pregnancy.risk_flags.is_empty(),
        "{:?}",
        pregnancy.risk_flags
    );
    assert_eq!(pregnancy.posyandu_id, posyandu.id);
    assert!(pregnancy.outcome.is_none());

    // One ongoing pregnancy per woman.
    let p = problem(
        app.post(
            "/api/v1/pregnancies",
            &bidan,
            &json!({"mother_id": mother.id, "hpht": hpht}),
        )
        .await,
        409,
    )
    .await;
    assert!(p.detail.unwrap().contains("ongoing"));

    // An HPHT in the future is an error, as is a man.
    let other = new_person(&app, "Made Ayu", Sex::P, years_ago(22), &posyandu).await;
    let p = problem(
        app.post(
            "/api/v1/pregnancies",
            &bidan,
            &json!({"mother_id": other.id, "hpht": today() + Duration::days(3)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "hpht");
    let man = new_person(&app, "Wayan", Sex::L, years_ago(30), &posyandu).await;
    let p = problem(
        app.post(
            "/api/v1/pregnancies",
            &bidan,
            &json!({"mother_id": man.id, "hpht": hpht}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "mother_id");

    // By gestational age when she does not remember her HPHT.
    let by_age: Pregnancy = json(
        app.post(
            "/api/v1/pregnancies",
            &bidan,
            &json!({"mother_id": other.id, "gestational_age_weeks": 12, "gestational_age_days": 3}),
        )
        .await,
        201,
    )
    .await;
    assert!(by_age.hpht_estimated);
    assert_eq!(by_age.hpht, today() - Duration::days(87));
    assert_eq!(by_age.trimester, Some(Trimester::First));

    // Listed in the posyandu's ongoing pregnancies.
    let page: serde_json::Value = json(
        app.get(
            &format!(
                "/api/v1/pregnancies?posyandu_id={}&status=ongoing",
                posyandu.id
            ),
            &bidan,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn risk_flags_follow_the_four_terlalu_and_height() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let young = new_person(&app, "Kadek Muda", Sex::P, years_ago(17), &posyandu).await;
    let hpht = today() - Duration::days(60);
    let pregnancy: Pregnancy = json(
        app.post(
            "/api/v1/pregnancies",
            &bidan,
            &json!({"mother_id": young.id, "hpht": hpht, "height_cm": 142.0,
                    "gravida": 5, "para": 4, "abortus": 0, "living_children": 4,
                    "last_birth_date": hpht - Duration::days(300)}),
        )
        .await,
        201,
    )
    .await;
    for flag in [
        RiskFlag::AgeUnder20,
        RiskFlag::HeightUnder145,
        RiskFlag::BirthIntervalUnder2Years,
        RiskFlag::MoreThan3Children,
    ] {
        assert!(pregnancy.risk_flags.contains(&flag), "{flag:?}");
    }
    assert!(!pregnancy.risk_flags.contains(&RiskFlag::AgeOver35));

    // Correcting the height recomputes the flags.
    let changed: Pregnancy = json(
        app.patch(
            &format!("/api/v1/pregnancies/{}", pregnancy.id),
            &bidan,
            &json!({"height_cm": 150.0}),
        )
        .await,
        200,
    )
    .await;
    assert!(!changed.risk_flags.contains(&RiskFlag::HeightUnder145));
    assert!(changed.risk_flags.contains(&RiskFlag::AgeUnder20));

    let older = new_person(&app, "Nyoman Tua", Sex::P, years_ago(38), &posyandu).await;
    let pregnancy = register(&app, &bidan, &older, hpht).await;
    assert_eq!(pregnancy.risk_flags, vec![RiskFlag::AgeOver35]);
}

#[tokio::test]
async fn antenatal_contacts_are_numbered_flagged_and_checked() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let mother = new_person(&app, "Ni Luh Sari", Sex::P, years_ago(27), &posyandu).await;
    let hpht = today() - Duration::days(200);
    let pregnancy = register(&app, &bidan, &mother, hpht).await;
    let path = format!("/api/v1/pregnancies/{}/contacts", pregnancy.id);

    // Posted out of order: K numbers follow the dates.
    let second: AntenatalContact = json(
        app.post(
            &path,
            &bidan,
            &json!({"date": hpht + Duration::days(99), "provider": "bidan", "hb_g_dl": 10.7, "iron_tablets": 30}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(second.number, 1);
    assert_eq!(second.trimester, Trimester::Second);
    // Trimester II anaemia is under 10.5.
    assert!(!second.anaemia);
    let first: AntenatalContact = json(
        app.post(
            &path,
            &bidan,
            &json!({"date": hpht + Duration::days(60), "provider": "doctor", "lila_cm": 22.8,
                    "hb_g_dl": 10.7, "systolic": 142, "diastolic": 85, "iron_tablets": 30}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(first.number, 1);
    assert_eq!(first.trimester, Trimester::First);
    assert!(first.kek && first.anaemia && first.hypertension);
    let list: Vec<AntenatalContact> = json(app.get(&path, &bidan).await, 200).await;
    assert_eq!(
        list.iter().map(|c| (c.id, c.number)).collect::<Vec<_>>(),
        vec![(first.id, 1), (second.id, 2)]
    );

    // The same contact again is the stored one; a different one that day is refused.
    let again: AntenatalContact = json(
        app.post(
            &path,
            &bidan,
            &json!({"date": hpht + Duration::days(99), "provider": "bidan", "hb_g_dl": 10.7, "iron_tablets": 30}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again.id, second.id);
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"date": hpht + Duration::days(99), "provider": "bidan", "hb_g_dl": 12.0}),
        )
        .await,
        409,
    )
    .await;

    // Before HPHT, in the future, and nonsense values are refused.
    for (date, field) in [
        (hpht - Duration::days(1), "date"),
        (today() + Duration::days(1), "date"),
    ] {
        let p = problem(
            app.post(&path, &bidan, &json!({"date": date, "provider": "bidan"}))
                .await,
            422,
        )
        .await;
        assert_eq!(p.errors[0].field, field);
    }
    let p = problem(
        app.post(
            &path,
            &bidan,
            &json!({"date": today(), "provider": "bidan", "systolic": 80, "diastolic": 120}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "diastolic");

    let read: Pregnancy = json(
        app.get(&format!("/api/v1/pregnancies/{}", pregnancy.id), &bidan)
            .await,
        200,
    )
    .await;
    assert_eq!(read.anc.contacts, 2);
    assert_eq!(read.anc.by_trimester, [1, 1, 0]);
    assert!(read.anc.k1 && read.anc.k1_first_trimester);
    assert!(read.anc.doctor_first_trimester);
    assert!(!read.anc.k4 && !read.anc.k6);
    assert_eq!(read.anc.iron_tablets_total, 60);
    // At 28+ weeks with one contact in trimester II: behind the 1-2-3 pattern.
    assert!(!read.anc.on_track_123);
    assert!(read.anc.next_due.is_some());
}

#[tokio::test]
async fn a_birth_closes_the_pregnancy_and_registers_the_baby() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let mother = new_person(&app, "Ni Luh Sari", Sex::P, years_ago(27), &posyandu).await;
    let hpht = today() - Duration::days(270);
    let pregnancy: Pregnancy = json(
        app.post(
            "/api/v1/pregnancies",
            &bidan,
            &json!({"mother_id": mother.id, "hpht": hpht, "registered_on": hpht + Duration::days(70)}),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/api/v1/pregnancies/{}/births", pregnancy.id);

    // A birth before the registration is refused.
    let p = problem(
        app.post(
            &path,
            &bidan,
            &json!({"name": "Bayi", "sex": "L", "birth_date": hpht + Duration::days(60), "weight_g": 3000}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "birth_date");

    let born = today() - Duration::days(1);
    let birth: Birth = json(
        app.post(
            &path,
            &bidan,
            &json!({"name": "Bayi Ny. Sari", "sex": "L", "birth_date": born, "weight_g": 2400,
                    "length_cm": 46.5, "place": "Puskesmas Buleleng III"}),
        )
        .await,
        201,
    )
    .await;
    assert!(birth.low_birth_weight);
    assert_eq!(
        birth.pregnancy.outcome,
        Some(openapi::maternal::PregnancyOutcome::LiveBirth)
    );
    assert_eq!(birth.pregnancy.outcome_date, Some(born));
    assert_eq!(birth.child.mother_id, Some(mother.id));
    assert_eq!(birth.child.posyandu_id, posyandu.id);
    assert_eq!(birth.child.birth_weight_g, Some(2400));
    assert!(
        birth
            .immunisation_due
            .iter()
            .any(|d| d.antigen == "HB0" && d.dose == 1),
        "{:?}",
        birth.immunisation_due
    );

    // The baby is one of the posyandu's children.
    let child: Child = json(
        app.get(&format!("/api/v1/children/{}", birth.child.id), &bidan)
            .await,
        200,
    )
    .await;
    assert_eq!(child.person.birth_date, born);

    // A twin the same day; another birth on another day is refused.
    json::<Birth>(
        app.post(
            &path,
            &bidan,
            &json!({"name": "Bayi Kembar", "sex": "P", "birth_date": born, "weight_g": 2300}),
        )
        .await,
        201,
    )
    .await;
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"name": "Bayi Lain", "sex": "P", "birth_date": today(), "weight_g": 3000}),
        )
        .await,
        409,
    )
    .await;

    // A live birth cannot be closed without the baby; a miscarriage can.
    let other = new_person(&app, "Made Ayu", Sex::P, years_ago(22), &posyandu).await;
    let second = register(&app, &bidan, &other, today() - Duration::days(70)).await;
    let close = format!("/api/v1/pregnancies/{}/close", second.id);
    problem(
        app.post(
            &close,
            &bidan,
            &json!({"outcome": "live_birth", "date": today()}),
        )
        .await,
        422,
    )
    .await;
    let closed: Pregnancy = json(
        app.post(
            &close,
            &bidan,
            &json!({"outcome": "miscarriage", "date": today()}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        closed.outcome,
        Some(openapi::maternal::PregnancyOutcome::Miscarriage)
    );
    // Closed: she may be registered pregnant again.
    register(&app, &bidan, &other, today() - Duration::days(14)).await;
}

#[tokio::test]
async fn immunisation_doses_are_checked_against_the_schedule() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let birth = today() - Duration::days(100);
    let child = new_child(&app, "Putu Bagus", birth, &posyandu, None).await;
    let path = format!("/api/v1/children/{}/immunisations", child.id);

    let hb0: Immunisation = json(
        app.post(
            &path,
            &bidan,
            &json!({"antigen": "HB0", "dose": 1, "given_on": birth, "batch": "B123"}),
        )
        .await,
        201,
    )
    .await;
    assert!(!hb0.too_early && !hb0.too_late);
    // A retry is the stored dose; another date for the same dose is refused.
    let again: Immunisation = json(
        app.post(
            &path,
            &bidan,
            &json!({"antigen": "HB0", "dose": 1, "given_on": birth}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again.id, hb0.id);
    problem(
        app.post(
            &path,
            &bidan,
            &json!({"antigen": "HB0", "dose": 1, "given_on": birth + Duration::days(1)}),
        )
        .await,
        409,
    )
    .await;

    // Common names are understood; a dose given too early is flagged.
    let early: Immunisation = json(
        app.post(
            &path,
            &bidan,
            &json!({"antigen": "Pentabio", "dose": 1, "given_on": birth + Duration::days(20)}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(early.antigen, "DPT-HB-Hib");
    assert!(early.too_early);

    // Before birth, in the future, unknown antigen: refused.
    for (body, field) in [
        (
            json!({"antigen": "BCG", "dose": 1, "given_on": birth - Duration::days(1)}),
            "given_on",
        ),
        (
            json!({"antigen": "BCG", "dose": 1, "given_on": today() + Duration::days(1)}),
            "given_on",
        ),
        (
            json!({"antigen": "Vaksin X", "dose": 1, "given_on": today()}),
            "antigen",
        ),
    ] {
        let p = problem(app.post(&path, &bidan, &body).await, 422).await;
        assert_eq!(p.errors[0].field, field, "{body}");
    }

    let status: ImmunisationStatus = json(app.get(&path, &bidan).await, 200).await;
    let state = |antigen: &str, dose: u8| {
        status
            .doses
            .iter()
            .find(|d| d.antigen == antigen && d.dose == dose)
            .unwrap_or_else(|| panic!("{antigen} {dose}"))
            .state
    };
    assert_eq!(state("HB0", 1), DoseStateKind::Given);
    assert_eq!(state("DPT-HB-Hib", 1), DoseStateKind::Given);
    assert!(matches!(
        state("BCG", 1),
        DoseStateKind::Due | DoseStateKind::Overdue
    ));
    assert_eq!(state("MR", 1), DoseStateKind::NotYet);
    assert!(!status.idl.complete);
    assert_eq!(status.given.len(), 2);

    // The posyandu's list of children due today names this child.
    let due: Vec<openapi::maternal::ChildDue> = json(
        app.get(&format!("/api/v1/posyandu/{}/due", posyandu.id), &bidan)
            .await,
        200,
    )
    .await;
    let entry = due.iter().find(|d| d.child_id == child.id).expect("listed");
    assert!(entry.doses.iter().any(|d| d.antigen == "BCG"));

    // A dose recorded by mistake is removed, and the schedule shows it due again.
    app.delete(&format!("/api/v1/immunisations/{}", early.id), &bidan)
        .await;
    let status: ImmunisationStatus = json(app.get(&path, &bidan).await, 200).await;
    assert_eq!(status.given.len(), 1);
}

#[tokio::test]
async fn vitamin_a_capsules_follow_age_and_rounds() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let toddler = new_child(&app, "Komang", years_ago(2), &posyandu, None).await;
    let path = format!("/api/v1/people/{}/vitamin-a", toddler.id);
    let p = problem(
        app.post(
            &path,
            &bidan,
            &json!({"capsule": "blue", "given_on": today()}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "capsule");
    let dose: VitaminADose = json(
        app.post(
            &path,
            &bidan,
            &json!({"capsule": "red", "given_on": today()}),
        )
        .await,
        201,
    )
    .await;
    assert!(dose.round.is_some());
    assert!(!dose.postpartum);
    // One capsule per round.
    let status = app
        .post(
            &path,
            &bidan,
            &json!({"capsule": "red", "given_on": today()}),
        )
        .await
        .status()
        .as_u16();
    assert!(status == 409 || status == 422, "{status}");
    let list: Vec<VitaminADose> = json(app.get(&path, &bidan).await, 200).await;
    assert_eq!(list.len(), 1);

    // A woman who did not give birth recently gets none.
    let woman = new_person(&app, "Ni Wayan", Sex::P, years_ago(30), &posyandu).await;
    problem(
        app.post(
            &format!("/api/v1/people/{}/vitamin-a", woman.id),
            &bidan,
            &json!({"capsule": "red", "given_on": today()}),
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn newcomers_and_coverage_gaps_are_listed_for_the_village() {
    let app = spawn_app().await;
    let (bidan, posyandu) = setup(&app).await;
    let newcomer: Newcomer = json(
        app.post(
            "/api/v1/population/newcomers",
            &bidan,
            &json!({"person": {"name": "Siti Pendatang", "sex": "P", "birth_date": "1996-03-04",
                               "desa_code": "51.08.06.2004"},
                    "arrived_on": today(), "origin": "Jember, Jawa Timur"}),
        )
        .await,
        201,
    )
    .await;
    assert!(!newcomer.attached);
    let month = today().format("%Y-%m").to_string();
    let list: Vec<Newcomer> = json(
        app.get(
            &format!("/api/v1/population/newcomers?month={month}&desa_code=5108062004"),
            &bidan,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].origin.as_deref(), Some("Jember, Jawa Timur"));
    let unattached: Vec<Newcomer> =
        json(app.get("/api/v1/population/unattached", &bidan).await, 200).await;
    assert_eq!(unattached[0].person.id, newcomer.person.id);
    // Last month has none.
    let previous = (today().with_day0(0).unwrap() - Duration::days(1))
        .format("%Y-%m")
        .to_string();
    let none: Vec<Newcomer> = json(
        app.get(
            &format!("/api/v1/population/newcomers?month={previous}"),
            &bidan,
        )
        .await,
        200,
    )
    .await;
    assert!(none.is_empty());
    problem(
        app.get("/api/v1/population/newcomers?month=November", &bidan)
            .await,
        422,
    )
    .await;

    // A poor family's uninsured member; a member who lost PBI.
    let family: serde_json::Value = json(
        app.post(
            "/api/v1/families",
            &bidan,
            &json!({"desil": 2, "posyandu_id": posyandu.id}),
        )
        .await,
        201,
    )
    .await;
    let uninsured: Person = json(
        app.post(
            "/api/v1/people",
            &bidan,
            &json!({"name": "Ketut Miskin", "sex": "L", "birth_date": "1980-01-01", "posyandu_id": posyandu.id,
                    "family_id": family["id"], "bpjs_segment": "none"}),
        )
        .await,
        201,
    )
    .await;
    let pbi: Person = json(
        app.post(
            "/api/v1/people",
            &bidan,
            &json!({"name": "Made PBI", "sex": "P", "birth_date": "1982-01-01", "posyandu_id": posyandu.id,
                    "family_id": family["id"], "bpjs_segment": "pbi"}),
        )
        .await,
        201,
    )
    .await;
    let gaps: Vec<CoverageGap> = json(app.get("/api/v1/bpjs/uninsured", &bidan).await, 200).await;
    assert_eq!(
        gaps.iter().map(|g| g.person.id).collect::<Vec<_>>(),
        vec![uninsured.id]
    );
    assert_eq!(gaps[0].desil, Some(2));
    json::<Person>(
        app.patch(
            &format!("/api/v1/people/{}", pbi.id),
            &bidan,
            &json!({"bpjs_segment": "non_pbi"}),
        )
        .await,
        200,
    )
    .await;
    let lost: Vec<CoverageGap> = json(app.get("/api/v1/bpjs/lost-pbi", &bidan).await, 200).await;
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].person.id, pbi.id);
    assert_eq!(lost[0].lost_pbi_on, Some(today()));

    // A move records its destination and the status follows.
    let event: serde_json::Value = json(
        app.post(
            &format!("/api/v1/people/{}/events", uninsured.id),
            &bidan,
            &json!({"kind": "moved", "event_date": today(), "destination": "Denpasar"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(event["destination"], "Denpasar");
    let p = problem(
        app.post(
            &format!("/api/v1/people/{}/events", pbi.id),
            &bidan,
            &json!({"kind": "moved", "event_date": today(), "origin": "Denpasar"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p.errors[0].field, "origin");
}
