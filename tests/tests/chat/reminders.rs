//! Reminders to mothers, from the planner to the provider: the planner
//! queues them, the dispatcher sends the WhatsApp template when its time
//! comes, and STOP ends the rest.
use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::outbox_message;
use openapi::Page;
use openapi::areas::{Posyandu, PosyanduSchedule};
use openapi::growth::Sex;
use openapi::maternal::ChildDue;
use openapi::messages::{OutboxStatus, ReminderPlan};
use openapi::registry::Person;
use posyandu_tests::standin::{Route, sent_text};
use posyandu_tests::world::{new_child, years_ago};
use posyandu_tests::{json, today};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::common::{Phone, Via, area, eventually, new_person_with_phone, outbox_to};

const MOTHER: &str = "+6281337000301";

/// The next posyandu day (every 10th) at least three days away.
fn next_posyandu_day() -> NaiveDate {
    let mut day = today() + Duration::days(3);
    while day.day() != 10 {
        day += Duration::days(1);
    }
    day
}

#[tokio::test]
async fn a_mother_gets_her_reminder_as_a_whatsapp_template_and_stop_ends_the_rest() {
    let area = area().await;
    let app = &area.chat.app;
    let mother = new_person_with_phone(&area, "Ni Made Sari", Sex::P, years_ago(30), MOTHER).await;
    new_child(
        app,
        "Putu Wulan",
        years_ago(2),
        &area.posyandu,
        Some(mother.id),
    )
    .await;
    let day = next_posyandu_day();
    let plan: ReminderPlan = json(
        app.post(
            "/api/v1/reminders/plan",
            &area.admin,
            &json!({"from": day, "days": 1}),
        )
        .await,
        200,
    )
    .await;
    // The mother's two reminders and the kader's summary.
    assert_eq!((plan.queued, plan.kader_summaries), (3, 1), "{plan:?}");
    let summary = outbox_to(&area, crate::common::KADER)
        .await
        .into_iter()
        .find(|m| m.kind == "summary")
        .expect("the kader's summary is queued");
    let text = summary.text.as_deref().unwrap();
    assert!(
        text.starts_with("Besok ") && text.contains("Posyandu Melati: 1 balita."),
        "{text}"
    );
    assert!(text.contains("OPV 1 (1): Putu"), "{text}");
    assert_eq!(summary.template.unwrap().name, "ringkasan_posyandu");
    // Nothing is sent before its time.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(area.chat.standin.requests_to(Route::WhatsApp).is_empty());

    // The evening before comes (the clock is moved by moving the reminder).
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::NotBefore,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(outbox_message::Column::Kind.eq("reminder"))
        .filter(outbox_message::Column::DedupeKey.ends_with(":evening"))
        .exec(&app.db)
        .await
        .unwrap();
    eventually(10, "the evening reminder at the provider", || async {
        !area.chat.standin.requests_to(Route::WhatsApp).is_empty()
    })
    .await;
    let sent = area.chat.standin.requests_to(Route::WhatsApp);
    assert_eq!(sent.len(), 1);
    let (to, text) = sent_text(&sent[0]).unwrap();
    assert_eq!(to, MOTHER.trim_start_matches('+'));
    assert!(
        text.starts_with("template:pengingat_posyandu(besok, ")
            && text.contains(&format!(
                " {}/{}, Posyandu Melati, Putu: ",
                day.day(),
                day.month()
            )),
        "{text}"
    );
    eventually(10, "the evening reminder reported sent", || async {
        outbox_to(&area, MOTHER)
            .await
            .iter()
            .any(|m| m.kind == "reminder" && m.status == OutboxStatus::Sent)
    })
    .await;

    // STOP: the morning reminder is never sent.
    let mut phone = Phone::new(&area.chat, Via::WhatsApp, MOTHER);
    // The phone has the reminder already.
    assert_eq!(phone.next_reply().await, text);
    assert_eq!(
        phone.send("STOP").await,
        "Pengingat posyandu dihentikan. Kirim MULAI untuk menerimanya lagi."
    );
    let statuses: Vec<OutboxStatus> = outbox_to(&area, MOTHER)
        .await
        .into_iter()
        .filter(|m| m.kind == "reminder")
        .map(|m| m.status)
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&OutboxStatus::Sent));
    assert!(statuses.contains(&OutboxStatus::OptedOut));
}

/// Indonesia's zones keep no summer time: each is a fixed offset.
fn utc_offset_hours(zone: &str) -> i64 {
    match zone {
        "Asia/Jakarta" | "Asia/Pontianak" => 7,
        "Asia/Makassar" => 8,
        "Asia/Jayapura" => 9,
        other => panic!("not an Indonesian zone: {other}"),
    }
}

/// A local wall-clock time in `zone`, in UTC.
fn local(zone: &str, day: NaiveDate, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    let naive = day.and_hms_opt(hour, minute, 0).unwrap();
    naive.and_utc() - Duration::hours(utc_offset_hours(zone))
}

/// A mother of the demo with a child due an immunisation dose on a coming
/// posyandu day: (posyandu, time zone, day, the child, the mother's phone).
async fn demo_mother_with_a_dose_due(
    chat: &posyandu_tests::bot::ChatApp,
    admin: &posyandu_tests::Caller,
) -> (Posyandu, String, NaiveDate, ChildDue, String) {
    let app = &chat.app;
    let posts: Page<Posyandu> = json(app.get("/api/v1/posyandu?limit=100", admin).await, 200).await;
    assert!(posts.items.len() >= 10, "the demo's posyandu");
    for post in posts.items {
        let calendar: PosyanduSchedule = json(
            app.get(
                &format!("/api/v1/posyandu/{}/schedule?months=2", post.id),
                admin,
            )
            .await,
            200,
        )
        .await;
        for day in calendar
            .days
            .iter()
            .map(|d| d.date)
            .filter(|d| *d >= calendar.today + Duration::days(2))
            .take(2)
        {
            let due: Vec<ChildDue> = json(
                app.get(
                    &format!("/api/v1/posyandu/{}/due?date={day}", post.id),
                    admin,
                )
                .await,
                200,
            )
            .await;
            for child in due.into_iter().filter(|c| !c.doses.is_empty()) {
                let Some(mother) = child.mother_id else {
                    continue;
                };
                let mother: Person = json(
                    app.get(&format!("/api/v1/people/{mother}"), admin).await,
                    200,
                )
                .await;
                if let Some(phone) = mother.phone {
                    return (post, calendar.time_zone, day, child, phone);
                }
            }
        }
    }
    panic!("no demo mother with a phone and a dose due in the next two posyandu days");
}

#[tokio::test]
async fn a_mother_in_the_demo_data_gets_the_right_reminders_at_the_right_local_times() {
    let chat = posyandu_tests::bot::spawn_chat_app().await;
    posyandu_api::demo::run(
        &chat.app.db,
        posyandu_api::demo::DemoOptions {
            password: Some("demo-password-1".into()),
            children: 300,
            ..Default::default()
        },
    )
    .await
    .expect("demo loaded");
    let admin = chat.app.admin().await;
    let (post, zone, day, child, phone) = demo_mother_with_a_dose_due(&chat, &admin).await;
    let plan: ReminderPlan = json(
        chat.app
            .post(
                "/api/v1/reminders/plan",
                &admin,
                &json!({"from": day, "days": 1}),
            )
            .await,
        200,
    )
    .await;
    assert!(plan.queued >= 2, "{plan:?}");

    let path = format!("/api/v1/outbox?limit=200&to={}", phone.replace('+', "%2B"));
    let page: Page<openapi::messages::OutboxMessage> =
        json(chat.app.get(&path, &admin).await, 200).await;
    let mut reminders: Vec<_> = page
        .items
        .into_iter()
        .filter(|m| m.kind == "reminder")
        .collect();
    reminders.sort_by_key(|m| m.not_before);
    assert_eq!(
        reminders.len(),
        2,
        "the evening and the morning reminder: {reminders:?}"
    );
    // At 18:00 the evening before and 06:30 on the day, the posyandu's time.
    assert_eq!(
        reminders[0].not_before,
        local(&zone, day - Duration::days(1), 18, 0)
    );
    assert_eq!(reminders[1].not_before, local(&zone, day, 6, 30));
    let first_name = child.name.split_whitespace().next().unwrap();
    for (reminder, when) in reminders.iter().zip(["besok", "hari ini"]) {
        let template = reminder.template.as_ref().expect("a WhatsApp template");
        assert_eq!(template.name, "pengingat_posyandu");
        assert_eq!(template.parameters[0], when);
        assert!(
            template.parameters[1].ends_with(&format!(" {}/{}", day.day(), day.month())),
            "{template:?}"
        );
        assert_eq!(template.parameters[2], post.name);
        // Her child, with each dose the due list names.
        let who = &template.parameters[3];
        assert!(who.contains(&format!("{first_name}: ")), "{who}");
        for dose in &child.doses {
            assert!(
                who.contains(&format!("imunisasi {} {}", dose.antigen, dose.dose)),
                "{who} lacks {} {}",
                dose.antigen,
                dose.dose
            );
        }
        let sms = reminder.text.as_deref().unwrap();
        assert!(sms.chars().count() <= 160 && sms.is_ascii(), "{sms}");
        assert!(
            sms.contains(&post.name) || sms.contains(first_name),
            "{sms}"
        );
    }

    // The evening comes: the template reaches her phone through the stand-in.
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::NotBefore,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(outbox_message::Column::Id.eq(reminders[0].id))
        .exec(&chat.app.db)
        .await
        .unwrap();
    let digits = phone.trim_start_matches('+').to_owned();
    eventually(10, "the evening reminder at her phone", || async {
        chat.standin
            .sent_texts()
            .iter()
            .any(|(to, _)| to.trim_start_matches('+') == digits)
    })
    .await;
    let texts: Vec<String> = chat
        .standin
        .sent_texts()
        .into_iter()
        .filter(|(to, _)| to.trim_start_matches('+') == digits)
        .map(|(_, text)| text)
        .collect();
    let template = reminders[0].template.as_ref().unwrap();
    assert_eq!(
        texts,
        vec![format!(
            "template:pengingat_posyandu({})",
            template.parameters.join(", ")
        )]
    );
}
