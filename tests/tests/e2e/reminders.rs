//! The reminder planner: mothers get an evening-before and a morning-of
//! reminder at local times, planned once however often the planner runs;
//! STOP leaves them out; a moved posyandu day moves its reminders.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use openapi::Role;
use openapi::areas::Posyandu;
use openapi::messages::{OutboxMessage, OutboxStatus, ReminderPlan};
use openapi::registry::Person;
use posyandu_tests::world::{
    client_login, new_child, new_client, new_posyandu, new_puskesmas, years_ago,
};
use posyandu_tests::{Caller, TestApp, json, spawn_app, today};
use serde_json::{Value, json};

const MOTHER_PHONE: &str = "+6281337000301";

/// The next 10th of a month (the test posyandu opens every 10th) at least
/// three days away, so both reminders are still ahead.
fn next_posyandu_day() -> NaiveDate {
    let mut day = today() + Duration::days(3);
    while day.day() != 10 {
        day += Duration::days(1);
    }
    day
}

async fn plan(app: &TestApp, bot: &Caller, from: NaiveDate, days: u32) -> ReminderPlan {
    json(
        app.post(
            "/api/v1/reminders/plan",
            bot,
            &json!({"from": from, "days": days}),
        )
        .await,
        200,
    )
    .await
}

async fn reminders(app: &TestApp, bot: &Caller) -> Vec<OutboxMessage> {
    let page: Value = json(
        app.get(
            &format!("/api/v1/outbox?to={}", MOTHER_PHONE.replace('+', "%2B")),
            bot,
        )
        .await,
        200,
    )
    .await;
    serde_json::from_value::<Vec<OutboxMessage>>(page["items"].clone())
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "reminder")
        .collect()
}

/// Posyandu Melati (opens every 10th) and a national admin.
async fn melati(app: &TestApp) -> (Posyandu, Caller) {
    let puskesmas = new_puskesmas(
        app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    (posyandu, app.admin().await)
}

/// A mother of the posyandu with a phone.
async fn new_mother(
    app: &TestApp,
    admin: &Caller,
    posyandu: &Posyandu,
    name: &str,
    phone: &str,
) -> Person {
    json(
        app.post(
            "/api/v1/people",
            admin,
            &json!({"name": name, "sex": "P", "birth_date": "1994-03-02", "posyandu_id": posyandu.id, "phone": phone}),
        )
        .await,
        201,
    )
    .await
}

/// Mothers with phones 0813-3700-0310, -0311, … each with a baby.
async fn mothers_of_babies(app: &TestApp, admin: &Caller, posyandu: &Posyandu, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        let phone = format!("0813-3700-031{i}");
        let mother = new_mother(app, admin, posyandu, name, &phone).await;
        new_child(app, "Putu", years_ago(1), posyandu, Some(mother.id)).await;
    }
}

/// The bot's service account, which plans reminders.
async fn reminder_bot(app: &TestApp) -> Caller {
    let client = new_client(app, "Reminder bot", Role::Bot, "51.08").await;
    client_login(app, &client).await
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_mother_is_reminded_the_evening_before_and_the_morning_of_once() {
    let app = spawn_app().await;
    let (posyandu, admin) = melati(&app).await;
    let mother = new_mother(&app, &admin, &posyandu, "Ni Made Sari", "0813-3700-0301").await;
    new_child(&app, "Putu Wulan", years_ago(2), &posyandu, Some(mother.id)).await;
    // A child without a mother's phone is nobody's reminder.
    new_child(&app, "Kadek Yatim", years_ago(3), &posyandu, None).await;
    let bot = reminder_bot(&app).await;

    let day = next_posyandu_day();
    let first = plan(&app, &bot, day, 1).await;
    assert_eq!(
        (
            first.posyandu_days,
            first.recipients,
            first.queued,
            first.already_planned
        ),
        (1, 1, 2, 0)
    );
    let queued = reminders(&app, &bot).await;
    assert_eq!(queued.len(), 2, "{queued:?}");
    let mut times: Vec<DateTime<Utc>> = queued.iter().map(|m| m.not_before).collect();
    times.sort();
    // Bali is UTC+8: 18:00 the evening before, 06:30 on the day.
    let eve = day - Duration::days(1);
    assert_eq!(times[0], utc(&format!("{eve}T10:00:00Z")));
    assert_eq!(times[1], utc(&format!("{eve}T22:30:00Z")));
    for message in &queued {
        assert_eq!(message.status, OutboxStatus::Queued);
        let text = message.text.as_deref().unwrap();
        assert!(
            text.contains("Putu") && text.contains("Posyandu Melati"),
            "{text}"
        );
        assert!(text.len() <= 160, "{text}");
        let template = message.template.as_ref().unwrap();
        assert_eq!(template.name, "pengingat_posyandu");
        assert!(
            template.parameters[3].starts_with("Putu:"),
            "{:?}",
            template.parameters
        );
    }

    // Running again, or over a wider window, plans nothing twice.
    let again = plan(&app, &bot, day, 1).await;
    assert_eq!((again.queued, again.already_planned), (0, 2));
    assert_eq!(reminders(&app, &bot).await.len(), 2);

    // The day is moved two days later: the old reminders are cancelled and
    // new ones planned for the new date.
    let moved_to = day + Duration::days(2);
    json::<Value>(
        app.post(
            &format!("/api/v1/posyandu/{}/day-changes", posyandu.id),
            &admin,
            &json!({"from_date": day, "to_date": moved_to, "reason": "Galungan"}),
        )
        .await,
        201,
    )
    .await;
    let replanned = plan(&app, &bot, day, 3).await;
    assert_eq!(
        (replanned.cancelled, replanned.queued),
        (2, 2),
        "{replanned:?}"
    );
    let all = reminders(&app, &bot).await;
    let live: Vec<&OutboxMessage> = all
        .iter()
        .filter(|m| m.status == OutboxStatus::Queued)
        .collect();
    assert_eq!(live.len(), 2);
    assert!(
        live.iter()
            .all(|m| m.not_before > utc(&format!("{day}T00:00:00Z")))
    );
    assert_eq!(
        all.iter()
            .filter(|m| m.status == OutboxStatus::Cancelled)
            .count(),
        2
    );

    // STOP cancels the queued ones and keeps her out of later plans.
    let stop: Value = json(
        app.post(
            "/api/v1/contact-preferences",
            &bot,
            &json!({"phone": MOTHER_PHONE, "opted_out": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(stop["cancelled"], 2);
    let after_stop = plan(&app, &bot, day, 3).await;
    assert_eq!((after_stop.opted_out, after_stop.queued), (1, 0));
}

#[tokio::test]
async fn only_the_bot_plans_and_the_request_is_checked() {
    let app = spawn_app().await;
    let bot = reminder_bot(&app).await;
    let app_client = new_client(&app, "Some app", Role::App, "51.08").await;
    let third_party = client_login(&app, &app_client).await;
    let response = app
        .post("/api/v1/reminders/plan", &bot, &json!({"days": 0}))
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post(
            "/api/v1/reminders/plan",
            &bot,
            &json!({"days": 2, "extra": 1}),
        )
        .await;
    assert_eq!(response.status(), 422, "unknown fields are rejected");
    let response = app
        .post("/api/v1/reminders/plan", &third_party, &json!({}))
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn two_planners_at_once_queue_each_reminder_once() {
    let app = spawn_app().await;
    let (posyandu, admin) = melati(&app).await;
    mothers_of_babies(
        &app,
        &admin,
        &posyandu,
        &["Ni Made Sari", "Ni Luh Ayu", "Ni Kadek Rai"],
    )
    .await;
    let bot = reminder_bot(&app).await;
    let day = next_posyandu_day();
    let (a, b) = tokio::join!(plan(&app, &bot, day, 1), plan(&app, &bot, day, 1));
    assert_eq!(a.queued + b.queued, 6, "{a:?} {b:?}");
    assert_eq!(a.already_planned + b.already_planned, 6, "{a:?} {b:?}");
    let page: Value = json(app.get("/api/v1/outbox?limit=100", &bot).await, 200).await;
    let reminders = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "reminder")
        .count();
    assert_eq!(reminders, 6);
}

#[tokio::test]
async fn the_outbox_stats_count_depth_failures_and_delivery_per_posyandu() {
    use entity::outbox_message;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = spawn_app().await;
    let (posyandu, admin) = melati(&app).await;
    mothers_of_babies(&app, &admin, &posyandu, &["Ni Made Sari", "Ni Luh Ayu"]).await;
    let bot = reminder_bot(&app).await;
    assert_eq!(plan(&app, &bot, next_posyandu_day(), 1).await.queued, 4);
    // The provider takes two: one delivered, one failed (not on WhatsApp).
    let set = |key: &'static str, status: &'static str, code: Option<&'static str>| {
        let db = app.db.clone();
        async move {
            outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::Status, Expr::value(status))
                .col_expr(outbox_message::Column::ErrorCode, Expr::value(code))
                .filter(outbox_message::Column::DedupeKey.like(key))
                .exec(&db)
                .await
                .unwrap();
        }
    };
    set("reminder:+6281337000310:%:evening", "delivered", None).await;
    set(
        "reminder:+6281337000311:%:evening",
        "failed",
        Some("131026"),
    )
    .await;

    let stats: Value = json(app.get("/api/v1/outbox/stats", &admin).await, 200).await;
    let depth: Vec<(String, u64)> = stats["depth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["status"].as_str().unwrap().to_owned(),
                d["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        depth,
        [
            ("delivered".into(), 1),
            ("failed".into(), 1),
            ("queued".into(), 2)
        ],
        "{stats}"
    );
    assert_eq!(
        stats["failures"],
        json!([{"error_code": "131026", "count": 1}])
    );
    assert_eq!(
        stats["posyandu"],
        json!([{"posyandu_id": posyandu.id, "attempted": 2, "delivered": 1, "delivery_rate": 0.5}])
    );
    // /metrics shows what waits, installation-wide.
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
        text.contains(r#"posyandu_outbox_messages{status="queued",channel="whatsapp"} 2"#),
        "{text}"
    );
    // Another area sees none of it.
    let elsewhere = new_client(&app, "Elsewhere", Role::Bot, "51.01").await;
    let elsewhere = client_login(&app, &elsewhere).await;
    let theirs: Value = json(app.get("/api/v1/outbox/stats", &elsewhere).await, 200).await;
    assert_eq!(theirs["depth"], json!([]));
}
