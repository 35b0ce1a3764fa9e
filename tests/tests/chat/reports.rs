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
