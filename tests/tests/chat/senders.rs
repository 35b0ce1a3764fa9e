//! Who is speaking: unknown numbers, mothers, our own and denied numbers,
//! and messages that are not text.
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use openapi::growth::{Sex, Weighing};
use openapi::messages::{InboundStatus, OutboxStatus};
use posyandu_api::access::Location;
use posyandu_api::services::contacts;
use posyandu_api::services::outbox::{self, NewOutbox, PRIORITY_BULK};
use posyandu_tests::bot::{PHONE_NUMBER_ID, SMS_NUMBER};
use posyandu_tests::standin::{DISPLAY_PHONE_NUMBER, Route};
use posyandu_tests::world::{new_child, years_ago};
use posyandu_tests::{json, today};
use serde_json::json;

use crate::common::{
    Area, KADER, Phone, Via, area, area_with, date, new_person_with_phone, outbox_to, settled,
};

const UNKNOWN_NUMBER: &str = "Nomor ini belum terdaftar di sistem posyandu. Minta bidan desa atau puskesmas mendaftarkan nomor Anda.";
const MOTHER: &str = "+6281337000301";

#[tokio::test]
async fn an_unknown_number_gets_one_notice_a_day_and_no_data() {
    let area = area().await;
    let child = new_child(
        &area.chat.app,
        "Putu Ayu",
        years_ago(1),
        &area.posyandu,
        None,
    )
    .await;
    let stranger = "+6281299990000";
    let mut phone = Phone::new(&area.chat, Via::WhatsApp, stranger);

    let first = phone
        .post(&format!("TIMBANG {} 8,5", child.person.code))
        .await;
    assert_eq!(phone.next_reply().await, UNKNOWN_NUMBER);
    let first = settled(&area, &first).await;
    assert_eq!(first.status, InboundStatus::Processed);
    assert!(
        first.lines.is_empty(),
        "nothing of the message was acted on"
    );

    // The same day, on WhatsApp and by SMS: stored, ignored, unanswered.
    let second = phone.post(&format!("CARI {}", child.person.name)).await;
    let second = settled(&area, &second).await;
    assert_eq!(second.status, InboundStatus::Ignored);
    assert!(second.reply_id.is_none());
    let by_sms = Phone::new(&area.chat, Via::Sms, stranger);
    let third = by_sms.post("halo").await;
    assert_eq!(settled(&area, &third).await.status, InboundStatus::Ignored);

    // The reply of a settled message is queued with it: none will come.
    let queued = outbox_to(&area, stranger).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].kind, "notice");
    assert_eq!(phone.replies(), [UNKNOWN_NUMBER]);
    assert!(by_sms.replies().is_empty());
    let weighings: Vec<Weighing> = json(
        area.chat
            .app
            .get(
                &format!("/api/v1/children/{}/weighings", child.id),
                &area.admin,
            )
            .await,
        200,
    )
    .await;
    assert!(weighings.is_empty());
}

/// A mother of a child under five, with her number in the register, and a
/// reminder queued for her for later today.
async fn mother(area: &Area) -> uuid::Uuid {
    let app = &area.chat.app;
    let mother = new_person_with_phone(area, "Made Sari", Sex::P, years_ago(29), MOTHER).await;
    new_child(
        app,
        "Putu Ayu",
        years_ago(1),
        &area.posyandu,
        Some(mother.id),
    )
    .await;
    let now = Utc::now();
    outbox::queue(
        &app.db,
        NewOutbox {
            channel: "whatsapp".into(),
            recipient: MOTHER.into(),
            kind: "reminder".into(),
            priority: PRIORITY_BULK,
            body: Some("Besok hari posyandu. Bawa Buku KIA.".into()),
            template: None,
            dedupe_key: "test:reminder:1".into(),
            not_before: now + Duration::hours(2),
            expires_at: now + Duration::hours(20),
            inbound_id: None,
            location: Location {
                province: Some("51".into()),
                kabupaten: Some("51.08".into()),
                kecamatan: Some("51.08.06".into()),
                desa: Some("51.08.06.2004".into()),
                puskesmas: Some(area.puskesmas.id),
                posyandu: Some(area.posyandu.id),
            },
        },
    )
    .await
    .expect("a reminder queued")
}

fn hari(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Senin",
        Weekday::Tue => "Selasa",
        Weekday::Wed => "Rabu",
        Weekday::Thu => "Kamis",
        Weekday::Fri => "Jumat",
        Weekday::Sat => "Sabtu",
        Weekday::Sun => "Minggu",
    }
}

#[tokio::test]
async fn a_mother_stops_and_restarts_reminders_asks_the_schedule_and_cannot_report() {
    let area = area().await;
    let app = &area.chat.app;
    let reminder = mother(&area).await;
    let mut phone = Phone::new(&area.chat, Via::WhatsApp, MOTHER);

    // STOP: confirmed, the preference recorded, the waiting reminder
    // cancelled.
    assert!(!contacts::opted_out(&app.db, MOTHER).await.unwrap());
    assert_eq!(
        phone.send("stop").await,
        "Pengingat posyandu dihentikan. Kirim MULAI untuk menerimanya lagi."
    );
    assert!(contacts::opted_out(&app.db, MOTHER).await.unwrap());
    let queued = outbox_to(&area, MOTHER).await;
    let cancelled = queued
        .iter()
        .find(|m| m.id == reminder)
        .expect("the reminder is listed");
    assert_eq!(cancelled.status, OutboxStatus::OptedOut);
    assert_eq!(cancelled.kind, "reminder");

    // MULAI: reminders again.
    assert_eq!(
        phone.send("MULAI").await,
        "Pengingat posyandu aktif lagi. Kirim STOP untuk berhenti."
    );
    assert!(!contacts::opted_out(&app.db, MOTHER).await.unwrap());

    // JADWAL: the next posyandu day by the posyandu's (new) rule.
    let today = today();
    let day = if today.day() < 28 { today.day() + 1 } else { 1 };
    let response = app
        .patch(
            &format!("/api/v1/posyandu/{}", area.posyandu.id),
            &area.admin,
            &json!({"opening_rule": {"kind": "day_of_month", "day": day}}),
        )
        .await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let next = if day > today.day() {
        today.with_day(day).unwrap()
    } else {
        (today.with_day(1).unwrap() + chrono::Months::new(1))
            .with_day(day)
            .unwrap()
    };
    assert_eq!(
        phone.send("jadwal").await,
        format!(
            "Posyandu Melati buka {} {} (setiap tanggal {day}).",
            hari(next),
            date(next)
        )
    );

    // A kader's command is refused, politely, and nothing is recorded.
    let reply = phone.send("TIMBANG Putu Ayu 8,5").await;
    assert_eq!(
        reply,
        "\u{2717} Perintah ini untuk kader. Ibu bisa kirim JADWAL (hari posyandu), STOP (berhenti pengingat) atau MULAI."
    );
    let children: openapi::Page<openapi::registry::Child> = json(
        app.get(
            &format!("/api/v1/children?posyandu_id={}", area.posyandu.id),
            &area.admin,
        )
        .await,
        200,
    )
    .await;
    assert!(
        children.items.iter().all(|c| c.latest.is_none()),
        "no weighing"
    );
}

#[tokio::test]
async fn our_own_numbers_and_denied_numbers_get_no_reply() {
    let denied = "+6281299998888";
    let short_code = "3636";
    let area = area_with(|s| s.bot_deny = vec![denied.to_owned(), short_code.to_owned()]).await;
    let chat = &area.chat;
    let mut ids = Vec::new();
    // Our own WhatsApp number (a message echoed back to us), our own SMS
    // number, a denied number on both channels, a denied carrier short code.
    let own_whatsapp = format!("+{DISPLAY_PHONE_NUMBER}");
    for (via, from) in [
        (Via::WhatsApp, own_whatsapp.as_str()),
        (Via::Sms, SMS_NUMBER),
        (Via::WhatsApp, denied),
        (Via::Sms, denied),
        (Via::Sms, short_code),
    ] {
        let phone = Phone::new(chat, via, from);
        ids.push((from, phone.post("BANTU").await));
    }
    // A kader's message after them is answered: the worker did run.
    let mut kader = Phone::new(chat, Via::WhatsApp, KADER);
    let help = kader.send("BANTU").await;
    assert!(help.starts_with("Perintah: TIMBANG, HAMIL"), "{help}");
    for (from, id) in ids {
        let message = settled(&area, &id).await;
        assert_eq!(message.status, InboundStatus::Ignored, "{from}");
        assert!(message.reply_id.is_none(), "{from}");
        assert!(outbox_to(&area, from).await.is_empty(), "{from}");
        for route in [Route::WhatsApp, Route::Twilio] {
            assert!(chat.texts_to(route, from).is_empty(), "{from}");
        }
    }
}

#[tokio::test]
async fn a_picture_gets_the_text_only_answer() {
    let area = area().await;
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "STANDIN-WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Kadek Sari"}, "wa_id": KADER.trim_start_matches('+')}],
            "messages": [{
                "from": KADER.trim_start_matches('+'),
                "id": "wamid.IMAGE1",
                "timestamp": Utc::now().timestamp().to_string(),
                "type": "image",
                "image": {"id": "MEDIA1", "mime_type": "image/jpeg", "sha256": "abc", "caption": "foto KMS"}
            }]
        }}]}]
    }))
    .unwrap();
    let response = area.chat.whatsapp_raw(body).await;
    assert_eq!(response.status(), 200);
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    assert_eq!(
        kader.next_reply().await,
        "Maaf, bot hanya membaca pesan teks. Kirim BANTU untuk daftar perintah."
    );
    let message = settled(&area, "wamid.IMAGE1").await;
    assert_eq!(message.kind, "image");
    assert_eq!(message.status, InboundStatus::Processed);
    assert_eq!(kader.replies().len(), 1);
}
