//! Kader report by WhatsApp and SMS and get Indonesian replies.
use openapi::areas::Posyandu;
use openapi::growth::Sex;
use openapi::registry::Child;
use posyandu_tests::bot::{ChatApp, spawn_chat_app};
use posyandu_tests::standin::Route;
use posyandu_tests::world::{
    new_child, new_kader_with_phone, new_posyandu, new_puskesmas, years_ago,
};

const KADER: &str = "+6281337000201";

async fn setup() -> (ChatApp, Posyandu, Child) {
    let chat = spawn_chat_app().await;
    let puskesmas = new_puskesmas(
        &chat.app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(&chat.app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    new_kader_with_phone(&chat.app, "Kadek Sari", &posyandu, Some(KADER)).await;
    let child = new_child(&chat.app, "Putu Ayu", years_ago(1), &posyandu, None).await;
    let _ = Sex::P;
    (chat, posyandu, child)
}

#[tokio::test]
async fn a_weighing_by_whatsapp_is_saved_and_confirmed() {
    let (chat, _posyandu, child) = setup().await;
    let response = chat
        .whatsapp(
            "6281337000201",
            "wamid.1",
            &format!("TIMBANG {} 8,5 72", child.person.code),
        )
        .await;
    assert_eq!(response.status(), 200);
    let reply = chat.reply(Route::WhatsApp, KADER, 0).await;
    assert!(reply.starts_with("\u{2713} Putu Ayu (1 th"), "{reply}");
    assert!(
        reply.contains("BB 8,5 kg") && reply.contains("PB 72,0 cm"),
        "{reply}"
    );
    assert!(
        reply.contains(&format!("Kode {}", child.person.code)),
        "{reply}"
    );
}

/// A kader's phone acts with the kader's own area: a child of another
/// posyandu (in the same desa, under the same puskesmas) cannot be reported
/// on, by code, by NIK or by name, and nothing is stored for it.
#[tokio::test]
async fn a_kader_cannot_report_for_a_child_of_another_posyandu() {
    let (chat, posyandu, _own) = setup().await;
    let admin = chat.app.admin().await;
    let puskesmas = chat
        .app
        .get(
            &format!("/api/v1/puskesmas/{}", posyandu.puskesmas_id),
            &admin,
        )
        .await
        .json::<openapi::areas::Puskesmas>()
        .await
        .unwrap();
    let other = new_posyandu(&chat.app, "Posyandu Mawar", "51.08.06.2004", &puskesmas).await;
    let theirs = new_child(&chat.app, "Komang Lain", years_ago(2), &other, None).await;
    for (i, text) in [
        format!("TIMBANG {} 11,5", theirs.person.code),
        "TIMBANG Komang Lain 11,5".to_owned(),
        format!("IMUN {} campak", theirs.person.code),
    ]
    .iter()
    .enumerate()
    {
        let response = chat
            .whatsapp("6281337000201", &format!("wamid.other.{i}"), text)
            .await;
        assert_eq!(response.status(), 200);
        let reply = chat.reply(Route::WhatsApp, KADER, i).await;
        assert!(!reply.starts_with('\u{2713}'), "{text} → {reply}");
        assert!(reply.contains("tidak ditemukan"), "{text} → {reply}");
    }
    let weighings: Vec<openapi::growth::Weighing> = chat
        .app
        .get(&format!("/api/v1/children/{}/weighings", theirs.id), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        weighings.is_empty(),
        "nothing stored for the other posyandu"
    );
    let status: openapi::maternal::ImmunisationStatus = chat
        .app
        .get(
            &format!("/api/v1/children/{}/immunisations", theirs.id),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(status.given.is_empty(), "no dose for the other posyandu");
}
