//! How the bot talks with a kader: several lines in one message, the same
//! message or report twice, doubtful values, BATAL, and names that match
//! several children or none.
use openapi::growth::{Sex, Weighing};
use openapi::messages::InboundStatus;
use openapi::registry::Child;
use posyandu_tests::world::{new_child, new_person, years_ago};

use crate::common::{
    Area, KADER, Phone, Via, admin_get, all_messages, area, date, outbox_to, settled,
};

async fn weighings(area: &Area, child: &Child) -> Vec<Weighing> {
    crate::common::weighings(area, child.id).await
}

#[tokio::test]
async fn several_lines_get_one_reply_with_a_numbered_line_each() {
    let area = area().await;
    let app = &area.chat.app;
    let ayu = new_child(app, "Putu Ayu", years_ago(1), &area.posyandu, None).await;
    let ari = new_child(app, "Komang Ari", years_ago(2), &area.posyandu, None).await;
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    let text = format!(
        "TIMBANG {} 8,5 72\nTIMBANG Budi Santoso 9\r\nTIMBANG Komang Ari\n\nVITA {} merah",
        ayu.person.code, ari.person.code
    );
    let id = kader.post(&text).await;
    let reply = kader.next_reply().await;
    let lines: Vec<&str> = reply.split('\n').collect();
    assert_eq!(lines.len(), 4, "one numbered line per report: {reply}");
    assert!(
        lines[0].starts_with("1. \u{2713} Putu Ayu (1 th) BB 8,5 kg"),
        "{reply}"
    );
    assert_eq!(
        lines[1],
        "2. \u{2717} Anak \"Budi Santoso\" tidak ditemukan di posyandu Anda. Cari kodenya: CARI <nama>"
    );
    assert!(
        lines[2].starts_with("3. \u{2717} Berat belum ada. Format: TIMBANG"),
        "{reply}"
    );
    assert_eq!(
        lines[3],
        format!(
            "4. \u{2713} Komang Ari (kode {}) vitamin A merah, {}.",
            ari.person.code,
            date(posyandu_tests::today())
        )
    );
    // Only one reply, and the officer's view keeps each line's outcome.
    assert_eq!(kader.replies().len(), 1);
    let message = settled(&area, &id).await;
    assert_eq!(message.status, InboundStatus::Processed);
    let outcomes: Vec<(u32, bool)> = message.lines.iter().map(|l| (l.line, l.ok)).collect();
    assert_eq!(outcomes, [(1, true), (2, false), (3, false), (4, true)]);
    assert_eq!(message.lines[1].text, "TIMBANG Budi Santoso 9");
    assert_eq!(message.lines[0].records.len(), 1);
    assert_eq!(message.lines[0].records[0].kind, "weighing");
    assert!(message.lines[1].records.is_empty() && message.lines[2].records.is_empty());
    assert_eq!(message.lines[3].records[0].kind, "vitamin_a");
    assert_eq!(weighings(&area, &ayu).await.len(), 1);
    assert!(weighings(&area, &ari).await.is_empty());
}

#[tokio::test]
async fn a_message_delivered_twice_is_processed_once_and_a_repeated_report_is_already_recorded() {
    let area = area().await;
    let ayu = new_child(
        &area.chat.app,
        "Putu Ayu",
        years_ago(1),
        &area.posyandu,
        None,
    )
    .await;
    let report = format!("TIMBANG {} 8,5 72", ayu.person.code);
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);

    // The provider delivers one message twice (a retried webhook).
    let wamid = kader.new_id();
    kader.deliver(&wamid, &report).await;
    kader.deliver(&wamid, &report).await;
    let first = kader.next_reply().await;
    assert!(
        first.starts_with("\u{2713} Putu Ayu (1 th) BB 8,5 kg"),
        "{first}"
    );
    settled(&area, &wamid).await;
    assert_eq!(all_messages(&area, &area.admin, "").await.len(), 1);
    assert_eq!(outbox_to(&area, KADER).await.len(), 1, "one reply queued");
    assert_eq!(weighings(&area, &ayu).await.len(), 1);

    // The kader sends the same report again, in a new message.
    let again = kader.send(&report).await;
    assert!(
        again.starts_with("Sudah tercatat: Putu Ayu (1 th) BB 8,5 kg"),
        "{again}"
    );
    assert!(
        again.ends_with(&format!("Kode {}", ayu.person.code)),
        "{again}"
    );
    let stored = weighings(&area, &ayu).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].weight_kg, 8.5);

    // The same by SMS: one Twilio message delivered twice, then the report
    // again in a new SMS.
    let mut sms = Phone::new(&area.chat, Via::Sms, KADER);
    let sid = sms.new_id();
    sms.deliver(&sid, &report).await;
    sms.deliver(&sid, &report).await;
    let reply = sms.next_reply().await;
    assert!(
        reply.starts_with("Sudah tercatat: Putu Ayu (1 th) BB 8,5 kg"),
        "{reply}"
    );
    settled(&area, &sid).await;
    assert_eq!(
        all_messages(&area, &area.admin, "&channel=sms").await.len(),
        1
    );
    assert_eq!(sms.replies().len(), 1);
    assert_eq!(kader.replies().len(), 2);
    assert_eq!(weighings(&area, &ayu).await.len(), 1);
}

#[tokio::test]
async fn an_impossible_weight_is_asked_about_and_saved_only_after_ya() {
    let area = area().await;
    let app = &area.chat.app;
    let ayu = new_child(app, "Putu Ayu", years_ago(1), &area.posyandu, None).await;
    let ari = new_child(app, "Komang Ari", years_ago(2), &area.posyandu, None).await;
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);

    // 85 for a one-year-old: a missing decimal comma.
    let id = kader.post(&format!("TIMBANG {} 85", ayu.person.code)).await;
    let question = kader.next_reply().await;
    assert!(question.starts_with("Berat 85"), "{question}");
    assert!(
        question.contains("kg tidak wajar untuk Putu Ayu (umur 1 th)."),
        "{question}"
    );
    assert!(
        question.ends_with("Maksud 8,5 kg? Balas YA atau kirim ulang."),
        "{question}"
    );
    let asked = settled(&area, &id).await;
    assert_eq!(asked.status, InboundStatus::NeedsConfirmation);
    assert_eq!(asked.question.as_deref(), Some(question.as_str()));
    assert!(weighings(&area, &ayu).await.is_empty(), "nothing saved yet");

    let confirmed = kader.send("ya").await;
    assert!(
        confirmed.starts_with("\u{2713} Putu Ayu (1 th) BB 8,5 kg"),
        "{confirmed}"
    );
    assert!(
        confirmed.ends_with(&format!("Kode {}", ayu.person.code)),
        "{confirmed}"
    );
    let stored = weighings(&area, &ayu).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].weight_kg, 8.5);
    // The question is answered: it no longer waits.
    assert_eq!(settled(&area, &id).await.status, InboundStatus::Processed);
    let late = kader.send("YA").await;
    assert_eq!(
        late,
        "Tidak ada yang menunggu jawaban YA. Kirim ulang laporan Anda."
    );
    assert_eq!(weighings(&area, &ayu).await.len(), 1);

    // TIDAK: nothing is saved, and a later YA confirms nothing.
    let question = kader
        .send(&format!("TIMBANG {} 124", ari.person.code))
        .await;
    assert!(
        question.ends_with("Maksud 12,4 kg? Balas YA atau kirim ulang."),
        "{question}"
    );
    let declined = kader.send("TIDAK").await;
    assert_eq!(
        declined,
        "Baik, tidak dicatat. Kirim ulang dengan nilai yang benar."
    );
    let after = kader.send("YA").await;
    assert_eq!(
        after,
        "Tidak ada yang menunggu jawaban YA. Kirim ulang laporan Anda."
    );
    assert!(weighings(&area, &ari).await.is_empty());
}

#[tokio::test]
async fn batal_undoes_the_last_weighing() {
    let area = area().await;
    let ayu = new_child(
        &area.chat.app,
        "Putu Ayu",
        years_ago(1),
        &area.posyandu,
        None,
    )
    .await;
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    const NOTHING: &str = "Tidak ada laporan Anda dalam 24 jam terakhir yang bisa dibatalkan.";

    assert_eq!(kader.send("BATAL").await, NOTHING);

    let report = format!("TIMBANG {} 8,5 72", ayu.person.code);
    let saved = kader.send(&report).await;
    assert!(saved.starts_with("\u{2713} Putu Ayu"), "{saved}");
    let weighing = weighings(&area, &ayu).await.remove(0);
    let undone = kader.send("batal").await;
    assert_eq!(undone, "\u{2713} Laporan terakhir dibatalkan (1 catatan).");
    assert!(
        weighings(&area, &ayu).await.is_empty(),
        "the weighing is gone"
    );
    let gone = area
        .chat
        .app
        .get(&format!("/api/v1/weighings/{}", weighing.id), &area.admin)
        .await;
    assert_eq!(gone.status(), 404);

    // Nothing left to undo (the BATAL itself is no report).
    assert_eq!(kader.send("HAPUS").await, NOTHING);

    // Reported again after the undo, it is a new weighing.
    let again = kader.send(&report).await;
    assert!(
        again.starts_with("\u{2713} Putu Ayu (1 th) BB 8,5 kg"),
        "{again}"
    );
    assert_eq!(weighings(&area, &ayu).await.len(), 1);
}

#[tokio::test]
async fn a_name_of_two_children_lists_their_codes_and_an_unknown_name_suggests_cari() {
    let area = area().await;
    let app = &area.chat.app;
    let sari = new_person(app, "Made Sari", Sex::P, years_ago(30), &area.posyandu).await;
    let first = new_child(app, "Putu Ayu", years_ago(1), &area.posyandu, Some(sari.id)).await;
    let second = new_child(app, "Putu Ayu", years_ago(3), &area.posyandu, None).await;
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);

    let reply = kader.send("TIMBANG putu ayu 8,5").await;
    let listed = |c: &Child| {
        format!(
            "Putu Ayu (kode {}, lahir {})",
            c.person.code,
            date(c.person.birth_date)
        )
    };
    let either = [
        format!("{}; {}", listed(&first), listed(&second)),
        format!("{}; {}", listed(&second), listed(&first)),
    ]
    .map(|both| format!("\u{2717} Ada 2 anak dengan nama itu: {both}. Kirim ulang dengan kode."));
    assert!(
        either.contains(&reply),
        "both candidates with their codes: {reply}"
    );
    assert!(weighings(&area, &first).await.is_empty());
    assert!(weighings(&area, &second).await.is_empty());

    // The mother's name tells them apart.
    let reply = kader.send("TIMBANG Putu Ayu ibu Made Sari 8,5").await;
    assert!(
        reply.starts_with("\u{2713} Putu Ayu (1 th) BB 8,5 kg"),
        "{reply}"
    );
    assert!(
        reply.ends_with(&format!("Kode {}", first.person.code)),
        "{reply}"
    );
    assert_eq!(weighings(&area, &first).await.len(), 1);

    // CARI lists both.
    let reply = kader.send("CARI putu ayu").await;
    assert!(
        reply.contains(&format!("Putu Ayu kode {}", first.person.code)),
        "{reply}"
    );
    assert!(
        reply.contains(&format!("Putu Ayu kode {}", second.person.code)),
        "{reply}"
    );

    let reply = kader.send("TIMBANG Budi Santoso 9").await;
    assert_eq!(
        reply,
        "\u{2717} Anak \"Budi Santoso\" tidak ditemukan di posyandu Anda. Cari kodenya: CARI <nama>"
    );
}

/// CHAT.md: "the same report sent twice by the kader (same person, same
/// day, same values) is recorded once and answered 'sudah tercatat'" — for
/// every kind of report, not only weighings.
#[tokio::test]
async fn every_kind_of_report_sent_again_is_recorded_once_and_answered_sudah_tercatat() {
    use chrono::Duration;
    use openapi::Page;
    use openapi::maternal::{AntenatalContact, ImmunisationStatus, Pregnancy, VitaminADose};
    use openapi::registry::{Person, PersonEvent};
    use posyandu_tests::world::new_pregnancy;

    let area = area().await;
    let app = &area.chat.app;
    let today = posyandu_tests::today();
    let posyandu = &area.posyandu;
    let ayu = new_child(app, "Putu Ayu", years_ago(1), posyandu, None).await;
    let sari = new_person(app, "Made Sari", Sex::P, years_ago(28), posyandu).await;
    let rai = new_person(app, "Nyoman Rai", Sex::P, years_ago(30), posyandu).await;
    new_pregnancy(app, rai.id, 275).await;
    let wira = new_person(app, "Ketut Wira", Sex::L, years_ago(40), posyandu).await;
    let kakek = new_person(app, "Wayan Rupa", Sex::L, years_ago(80), posyandu).await;
    let hpht = today - Duration::days(70);
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    let reports = [
        format!("HAMIL Made Sari {}", date(hpht)),
        "PERIKSA Made Sari K1 BB 52,5 LILA 22,5".to_owned(),
        format!("LAHIR Nyoman Rai, Gede Putra L {} 3200 49", date(today)),
        format!("LAHIR Nyoman Rai Gede Putra L {} 3200 49", date(today)),
        "DATANG Wayan Lestari P 03-04-2024 dari Denpasar".to_owned(),
        format!("IMUN {} polio 2 campak", ayu.person.code),
        format!("VITA {} merah", ayu.person.code),
        format!("PINDAH {} ke Singaraja", wira.code),
        format!("MENINGGAL {}", kakek.code),
        format!("TIMBANG {} 8,5 72", ayu.person.code),
    ];
    for report in &reports {
        let first = kader.send(report).await;
        // The second LAHIR is the first one again, without the comma.
        let new = if report.starts_with("LAHIR Nyoman Rai Gede") {
            "Sudah tercatat: "
        } else {
            "\u{2713} "
        };
        assert!(first.starts_with(new), "{report}: {first}");
        let again = kader.send(report).await;
        assert!(
            again.starts_with("Sudah tercatat: "),
            "{report} sent again: {again}"
        );
        for reply in [&first, &again] {
            assert!(!reply.contains('\u{2717}'), "{report}: {reply}");
        }
    }
    let pregnancies: Page<Pregnancy> =
        admin_get(&area, &format!("/api/v1/pregnancies?mother_id={}", sari.id)).await;
    assert_eq!(pregnancies.items.len(), 1);
    let contacts: Vec<AntenatalContact> = admin_get(
        &area,
        &format!("/api/v1/pregnancies/{}/contacts", pregnancies.items[0].id),
    )
    .await;
    assert_eq!(contacts.len(), 1);
    let babies: Page<Child> =
        admin_get(&area, &format!("/api/v1/children?mother_id={}", rai.id)).await;
    assert_eq!(
        babies.items.len(),
        1,
        "one baby, no twin: {:?}",
        babies.items
    );
    let lestari: Page<Person> = admin_get(&area, "/api/v1/people?name=Wayan%20Lestari").await;
    assert_eq!(lestari.items.len(), 1, "one newcomer: {:?}", lestari.items);
    let status: ImmunisationStatus =
        admin_get(&area, &format!("/api/v1/children/{}/immunisations", ayu.id)).await;
    let mut given: Vec<(String, u8)> = status
        .given
        .iter()
        .map(|g| (g.antigen.clone(), g.dose))
        .collect();
    given.sort();
    assert_eq!(given, [("MR".to_owned(), 1), ("OPV".to_owned(), 2)]);
    let doses: Vec<VitaminADose> =
        admin_get(&area, &format!("/api/v1/people/{}/vitamin-a", ayu.id)).await;
    assert_eq!(doses.len(), 1);
    let events: Vec<PersonEvent> =
        admin_get(&area, &format!("/api/v1/people/{}/events", wira.id)).await;
    assert_eq!(
        events.iter().filter(|e| e.kind == "moved").count(),
        1,
        "{events:?}"
    );
    let events: Vec<PersonEvent> =
        admin_get(&area, &format!("/api/v1/people/{}/events", kakek.id)).await;
    assert_eq!(
        events.iter().filter(|e| e.kind == "deceased").count(),
        1,
        "{events:?}"
    );
    assert_eq!(weighings(&area, &ayu).await.len(), 1);
}
