//! A kader's day by WhatsApp and by SMS: every kind of report, each
//! answered in Indonesian and recorded exactly once in the register.
use chrono::Duration;
use openapi::Page;
use openapi::growth::{Sex, Weighing};
use openapi::maternal::{
    AntenatalContact, ImmunisationStatus, Newcomer, Pregnancy, PregnancyOutcome, VitaminADose,
};
use openapi::messages::InboundStatus;
use openapi::registry::{Child, Person, PersonEvent, PersonStatus};
use posyandu_tests::world::{new_child, new_person, new_pregnancy, years_ago};
use posyandu_tests::{this_month, today};

use crate::common::{Area, KADER, Phone, Via, admin_get, all_messages, area, date};

async fn ongoing_pregnancies(area: &Area, mother: uuid::Uuid) -> Vec<Pregnancy> {
    let page: Page<Pregnancy> = admin_get(
        area,
        &format!("/api/v1/pregnancies?mother_id={mother}&status=ongoing"),
    )
    .await;
    page.items
}

async fn people_named(area: &Area, name: &str) -> Vec<Person> {
    let page: Page<Person> = admin_get(
        area,
        &format!("/api/v1/people?name={}", name.replace(' ', "%20")),
    )
    .await;
    page.items.into_iter().filter(|p| p.name == name).collect()
}

/// Every kind of report from one kader's phone on one channel.
async fn a_kader_reports_everything(via: Via) {
    let area = area().await;
    let app = &area.chat.app;
    let today = today();
    let posyandu = &area.posyandu;
    let ayu = new_child(app, "Putu Ayu", years_ago(1), posyandu, None).await;
    let ari = new_child(app, "Komang Ari", years_ago(2), posyandu, None).await;
    let sari = new_person(app, "Made Sari", Sex::P, years_ago(28), posyandu).await;
    let rai = new_person(app, "Nyoman Rai", Sex::P, years_ago(30), posyandu).await;
    let near_term = new_pregnancy(app, rai.id, 275).await;
    let wira = new_person(app, "Ketut Wira", Sex::L, years_ago(40), posyandu).await;
    let mut kader = Phone::new(&area.chat, via, KADER);
    let mut sent = 0;

    // A pregnancy of a woman already in the register.
    let hpht = today - Duration::days(70);
    let reply = kader.send(&format!("HAMIL Made Sari {}", date(hpht))).await;
    sent += 1;
    assert_eq!(
        reply,
        kader.shown(&format!(
            "\u{2713} Ibu Made Sari hamil 10 mg 0 hr (trimester I), HPL {}. Kode {}",
            date(hpht + Duration::days(280)),
            sari.code
        ))
    );
    let sari_pregnancies = ongoing_pregnancies(&area, sari.id).await;
    assert_eq!(sari_pregnancies.len(), 1);
    assert_eq!(sari_pregnancies[0].hpht, hpht);

    // A pregnancy of a woman new to the register, given with her NIK (her
    // birth date is read from it: 25-03-1995).
    let hpht_dewi = today - Duration::days(100);
    let reply = kader
        .send(&format!(
            "hamil Komang Dewi {} NIK 5108046503950001 HP 0813-3700-0777",
            date(hpht_dewi)
        ))
        .await;
    sent += 1;
    let dewi = people_named(&area, "Komang Dewi").await;
    assert_eq!(dewi.len(), 1, "one new woman: {dewi:?}");
    let dewi = &dewi[0];
    assert_eq!(dewi.nik.as_deref(), Some("5108046503950001"));
    assert_eq!(dewi.birth_date.to_string(), "1995-03-25");
    assert_eq!(dewi.sex, Sex::P);
    assert_eq!(dewi.phone.as_deref(), Some("+6281337000777"));
    assert_eq!(dewi.posyandu_id, Some(posyandu.id));
    assert_eq!(
        reply,
        kader.shown(&format!(
            "\u{2713} Ibu Komang Dewi hamil 14 mg 2 hr (trimester II), HPL {}. Kode {}",
            date(hpht_dewi + Duration::days(280)),
            dewi.code
        ))
    );
    assert_eq!(ongoing_pregnancies(&area, dewi.id).await.len(), 1);

    // A weighing by code and one by name, with decimal commas.
    let reply = kader
        .send(&format!("TIMBANG {} 8,5 72", ayu.person.code))
        .await;
    sent += 1;
    assert!(
        reply.starts_with(&kader.shown("\u{2713} Putu Ayu (1 th) BB 8,5 kg")),
        "{reply}"
    );
    assert!(reply.contains("PB 72,0 cm"), "{reply}");
    assert!(
        reply.ends_with(&format!("Kode {}", ayu.person.code)),
        "{reply}"
    );
    let reply = kader.send("timbang komang ari 12,4").await;
    sent += 1;
    assert!(
        reply.starts_with(&kader.shown("\u{2713} Komang Ari (2 th) BB 12,4 kg")),
        "{reply}"
    );
    assert!(
        reply.ends_with(&format!("Kode {}", ari.person.code)),
        "{reply}"
    );

    // An antenatal contact with a small upper-arm circumference: KEK.
    let reply = kader
        .send("PERIKSA Made Sari K1 BB 52,5 LILA 22,5 TD 110/70")
        .await;
    sent += 1;
    assert!(
        reply.starts_with(&kader.shown(
            "\u{2713} Ibu Made Sari K1 (10 mg 0 hr). LILA 22,5 cm KEK \u{2192} rujuk ke Puskesmas."
        )),
        "{reply}"
    );
    assert!(reply.contains("Periksa berikutnya "), "{reply}");
    let contacts: Vec<AntenatalContact> = admin_get(
        &area,
        &format!("/api/v1/pregnancies/{}/contacts", sari_pregnancies[0].id),
    )
    .await;
    assert_eq!(contacts.len(), 1);
    assert!(contacts[0].kek);
    assert_eq!(contacts[0].lila_cm, Some(22.5));
    assert_eq!(contacts[0].weight_kg, Some(52.5));
    assert_eq!(
        (contacts[0].systolic, contacts[0].diastolic),
        (Some(110), Some(70))
    );

    // A birth (today: the pregnancy was registered today, and a birth
    // before its registration is refused): the pregnancy is closed, the
    // baby registered.
    let born = today;
    let reply = kader
        .send(&format!(
            "LAHIR Nyoman Rai, Gede Putra L {} 3200 49",
            date(born)
        ))
        .await;
    sent += 1;
    let babies: Page<Child> =
        admin_get(&area, &format!("/api/v1/children?mother_id={}", rai.id)).await;
    assert_eq!(
        babies.items.len(),
        1,
        "one baby: {:?}; {reply}",
        babies.items
    );
    let baby = &babies.items[0];
    assert_eq!(baby.person.name, "Gede Putra");
    assert_eq!(baby.person.sex, Sex::L);
    assert_eq!(baby.person.birth_date, born);
    assert_eq!(baby.birth_weight_g, Some(3200));
    assert_eq!(baby.birth_length_cm, Some(49.0));
    assert_eq!(baby.posyandu_id, posyandu.id);
    assert!(
        reply.starts_with(&kader.shown(&format!(
            "\u{2713} Lahir: Gede Putra (L) 3200 g, {}, ibu Nyoman Rai. Kode {}.",
            date(born),
            baby.person.code
        ))),
        "{reply}"
    );
    assert!(reply.contains("HB0"), "the birth dose is due: {reply}");
    let closed: Pregnancy =
        admin_get(&area, &format!("/api/v1/pregnancies/{}", near_term.id)).await;
    assert_eq!(closed.outcome, Some(PregnancyOutcome::LiveBirth));
    assert_eq!(closed.outcome_date, Some(born));
    assert!(ongoing_pregnancies(&area, rai.id).await.is_empty());

    // A newcomer under five: registered, counted as a newcomer, and on the
    // posyandu's list of children.
    let reply = kader
        .send("DATANG Wayan Lestari P 03-04-2024 dari Denpasar")
        .await;
    sent += 1;
    let newcomers: Vec<Newcomer> = admin_get(
        &area,
        &format!("/api/v1/population/newcomers?month={}", this_month()),
    )
    .await;
    let lestari: Vec<&Newcomer> = newcomers
        .iter()
        .filter(|n| n.person.name == "Wayan Lestari")
        .collect();
    assert_eq!(lestari.len(), 1, "{newcomers:?}");
    let lestari = lestari[0];
    assert_eq!(lestari.origin.as_deref(), Some("Denpasar"));
    assert_eq!(lestari.arrived_on, today);
    assert_eq!(lestari.person.sex, Sex::P);
    assert_eq!(lestari.person.birth_date.to_string(), "2024-04-03");
    assert!(
        reply.starts_with(&kader.shown("\u{2713} Pendatang Wayan Lestari (")),
        "{reply}"
    );
    assert!(
        reply.contains(&format!(
            "tercatat dari Denpasar. Kode {}",
            lestari.person.code
        )),
        "{reply}"
    );
    assert!(reply.contains("Masuk daftar balita posyandu"), "{reply}");
    let children: Page<Child> = admin_get(
        &area,
        &format!("/api/v1/children?code={}", lestari.person.code),
    )
    .await;
    assert_eq!(children.items.len(), 1);

    // Immunisation with a dose number and common names.
    let reply = kader
        .send(&format!("IMUN {} polio 2 campak", ayu.person.code))
        .await;
    sent += 1;
    assert!(
        reply.starts_with(&kader.shown(&format!(
            "\u{2713} Putu Ayu (kode {}) imunisasi OPV 2",
            ayu.person.code
        ))),
        "{reply}"
    );
    assert!(reply.contains(", MR 1"), "{reply}");
    assert!(reply.ends_with(&format!("{}.", date(today))), "{reply}");
    let status: ImmunisationStatus =
        admin_get(&area, &format!("/api/v1/children/{}/immunisations", ayu.id)).await;
    let mut given: Vec<(String, u8)> = status
        .given
        .iter()
        .map(|g| (g.antigen.clone(), g.dose))
        .collect();
    given.sort();
    assert_eq!(given, [("MR".to_owned(), 1), ("OPV".to_owned(), 2)]);
    assert!(status.given.iter().all(|g| g.given_on == today));

    // Vitamin A.
    let reply = kader.send(&format!("VITA {} merah", ayu.person.code)).await;
    sent += 1;
    assert_eq!(
        reply,
        kader.shown(&format!(
            "\u{2713} Putu Ayu (kode {}) vitamin A merah, {}.",
            ayu.person.code,
            date(today)
        ))
    );
    let doses: Vec<VitaminADose> =
        admin_get(&area, &format!("/api/v1/people/{}/vitamin-a", ayu.id)).await;
    assert_eq!(doses.len(), 1);
    assert_eq!(doses[0].given_on, today);

    // A move out of the area.
    let reply = kader
        .send(&format!("PINDAH {} ke Singaraja", wira.code))
        .await;
    sent += 1;
    assert_eq!(
        reply,
        kader.shown(&format!(
            "\u{2713} Ketut Wira (kode {}) tercatat pindah ke Singaraja, {}.",
            wira.code,
            date(today)
        ))
    );
    let moved: Person = admin_get(&area, &format!("/api/v1/people/{}", wira.id)).await;
    assert_eq!(moved.status, PersonStatus::Moved);
    let events: Vec<PersonEvent> =
        admin_get(&area, &format!("/api/v1/people/{}/events", wira.id)).await;
    let moves: Vec<&PersonEvent> = events.iter().filter(|e| e.kind == "moved").collect();
    assert_eq!(moves.len(), 1, "{events:?}");
    assert_eq!(moves[0].destination.as_deref(), Some("Singaraja"));

    // Every record exactly once.
    for (child, kg) in [(&ayu, 8.5), (&ari, 12.4)] {
        let weighings: Vec<Weighing> =
            admin_get(&area, &format!("/api/v1/children/{}/weighings", child.id)).await;
        assert_eq!(weighings.len(), 1, "{}: {weighings:?}", child.person.name);
        assert_eq!(weighings[0].weight_kg, kg);
        assert_eq!(weighings[0].measured_on, today);
    }
    assert_eq!(ongoing_pregnancies(&area, sari.id).await.len(), 1);
    assert_eq!(people_named(&area, "Komang Dewi").await.len(), 1);
    assert_eq!(people_named(&area, "Gede Putra").await.len(), 1);
    assert_eq!(people_named(&area, "Wayan Lestari").await.len(), 1);
    // One reply per message, every message processed with its lines ok.
    assert_eq!(kader.replies().len(), sent);
    let messages = all_messages(&area, &area.admin, "").await;
    assert_eq!(messages.len(), sent);
    for message in &messages {
        assert_eq!(message.status, InboundStatus::Processed, "{message:?}");
        assert_eq!(
            message.channel,
            if via == Via::Sms { "sms" } else { "whatsapp" }
        );
        assert!(message.lines.iter().all(|l| l.ok), "{:?}", message.lines);
    }
}

#[tokio::test]
async fn a_kader_reports_everything_by_whatsapp() {
    a_kader_reports_everything(Via::WhatsApp).await;
}

#[tokio::test]
async fn a_kader_reports_everything_by_sms() {
    a_kader_reports_everything(Via::Sms).await;
}
