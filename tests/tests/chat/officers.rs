//! A puskesmas officer sees the chat messages of the area with what each
//! line did, corrects one and has it processed again; an officer of
//! another area sees none of it.
use openapi::Role;
use openapi::messages::{InboundMessage, InboundStatus};
use posyandu_tests::world::{new_child, new_puskesmas, years_ago};
use posyandu_tests::{json, problem};
use serde_json::json;

use crate::common::{KADER, Phone, Via, all_messages, area, settled, weighings};

#[tokio::test]
async fn an_officer_of_the_area_sees_each_line_and_reruns_a_corrected_message() {
    let area = area().await;
    let app = &area.chat.app;
    let ayu = new_child(app, "Putu Ayu", years_ago(1), &area.posyandu, None).await;
    let ari = new_child(app, "Komang Ari", years_ago(2), &area.posyandu, None).await;
    app.create_user("pkm.buleleng", Role::Puskesmas, &area.puskesmas.kode)
        .await;
    let officer = app.login("pkm.buleleng").await;
    let elsewhere = new_puskesmas(
        app,
        "P5101010201",
        "Puskesmas Negara I",
        "51.01.01",
        &["51.01.01.2001"],
    )
    .await;
    app.create_user("pkm.negara", Role::Puskesmas, &elsewhere.kode)
        .await;
    let stranger = app.login("pkm.negara").await;

    // A kader misspells a name on the second line.
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    let text = format!("TIMBANG {} 8,5\nTIMBANG Komang Ary 12,4", ayu.person.code);
    let id = kader.post(&text).await;
    let reply = kader.next_reply().await;
    assert!(reply.starts_with("1. \u{2713} Putu Ayu"), "{reply}");
    assert!(
        reply.contains("\n2. \u{2717} Anak \"Komang Ary\" tidak ditemukan"),
        "{reply}"
    );
    let message = settled(&area, &id).await;

    // The officer of the area finds it with each line's outcome.
    let listed = all_messages(&area, &officer, "&status=processed").await;
    assert_eq!(listed.len(), 1);
    let seen = &listed[0];
    assert_eq!(seen.id, message.id);
    assert_eq!(seen.text.as_deref(), Some(text.as_str()));
    assert_eq!(seen.posyandu_id, Some(area.posyandu.id));
    assert_eq!(seen.reply.as_deref(), Some(reply.as_str()));
    let lines: Vec<(u32, &str, bool)> = seen
        .lines
        .iter()
        .map(|l| (l.line, l.text.as_str(), l.ok))
        .collect();
    assert_eq!(
        lines,
        [
            (1, format!("TIMBANG {} 8,5", ayu.person.code).as_str(), true),
            (2, "TIMBANG Komang Ary 12,4", false),
        ]
    );
    assert_eq!(seen.lines[0].command.as_deref(), Some("timbang"));
    assert!(seen.lines[1].summary.contains("tidak ditemukan"));
    assert!(
        all_messages(&area, &officer, "&status=failed")
            .await
            .is_empty()
    );
    let one: InboundMessage = json(
        app.get(&format!("/api/v1/messages/{}", message.id), &officer)
            .await,
        200,
    )
    .await;
    assert_eq!(one.lines.len(), 2);

    // Another area's officer sees nothing and can change nothing.
    assert!(all_messages(&area, &stranger, "").await.is_empty());
    problem(
        app.get(&format!("/api/v1/messages/{}", message.id), &stranger)
            .await,
        404,
    )
    .await;
    problem(
        app.post(
            &format!("/api/v1/messages/{}/rerun", message.id),
            &stranger,
            &json!({"text": "TIMBANG Komang Ari 99"}),
        )
        .await,
        404,
    )
    .await;

    // The officer corrects the name and has the message processed again.
    let corrected = format!("TIMBANG {} 8,5\nTIMBANG Komang Ari 12,4", ayu.person.code);
    let rerun: InboundMessage = json(
        app.post(
            &format!("/api/v1/messages/{}/rerun", message.id),
            &officer,
            &json!({ "text": corrected }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rerun.revision, 1);
    assert_eq!(rerun.original_text.as_deref(), Some(text.as_str()));
    let again = kader.next_reply().await;
    assert!(again.starts_with("1. Sudah tercatat: Putu Ayu"), "{again}");
    assert!(
        again.contains("\n2. \u{2713} Komang Ari (2 th) BB 12,4 kg"),
        "{again}"
    );
    let after = settled(&area, &id).await;
    assert_eq!(after.status, InboundStatus::Processed);
    assert_eq!(after.text.as_deref(), Some(corrected.as_str()));
    assert!(after.lines.iter().all(|l| l.ok), "{:?}", after.lines);
    assert_eq!(after.lines[1].records[0].kind, "weighing");
    let ari_weighings = weighings(&area, ari.id).await;
    assert_eq!(ari_weighings.len(), 1);
    assert_eq!(ari_weighings[0].weight_kg, 12.4);
    assert_eq!(after.lines[1].records[0].id, ari_weighings[0].id);
    assert_eq!(
        weighings(&area, ayu.id).await.len(),
        1,
        "the first line not twice"
    );
    assert_eq!(kader.replies().len(), 2);
}
