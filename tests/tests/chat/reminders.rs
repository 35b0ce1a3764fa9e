//! Reminders to mothers, from the planner to the provider: the planner
//! queues them, the dispatcher sends the WhatsApp template when its time
//! comes, and STOP ends the rest.
use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::outbox_message;
use openapi::growth::Sex;
use openapi::messages::{OutboxStatus, ReminderPlan};
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
