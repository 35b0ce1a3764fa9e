//! The webhooks only take what the providers signed: a forged or unsigned
//! delivery is refused before anything is stored.
use posyandu_tests::bot::{
    PHONE_NUMBER_ID, SMS_NUMBER, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN,
};
use posyandu_tests::standin::{self, TWILIO_AUTH_TOKEN};

use crate::common::{KADER, Phone, Via, all_messages, area};

#[tokio::test]
async fn unsigned_forged_and_mistyped_webhooks_are_refused_and_nothing_is_stored() {
    let area = area().await;
    let app = &area.chat.app;
    let wa_url = app.url("/webhooks/whatsapp");
    let body =
        standin::whatsapp_text_webhook(KADER, "wamid.FORGED", "TIMBANG 10019 8,5", PHONE_NUMBER_ID);
    let post_whatsapp = |body: Vec<u8>, signature: Option<String>, content_type: &str| {
        let mut request = app
            .http
            .post(&wa_url)
            .header("content-type", content_type)
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-Hub-Signature-256", signature);
        }
        request.send()
    };
    let right = standin::whatsapp_signature(&body, WHATSAPP_APP_SECRET);
    let wrong_secret = standin::whatsapp_signature(&body, "another-app-secret");
    let mut tampered = body.clone();
    let at = tampered.windows(3).position(|w| w == b"8,5").unwrap();
    tampered[at] = b'9';
    for (what, body, signature) in [
        ("no signature", body.clone(), None),
        ("an empty signature", body.clone(), Some(String::new())),
        ("another app's signature", body.clone(), Some(wrong_secret)),
        ("a changed body", tampered, Some(right.clone())),
        (
            "a malformed signature",
            body.clone(),
            Some("sha256=zz".to_owned()),
        ),
    ] {
        let response = post_whatsapp(body, signature, "application/json")
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "WhatsApp with {what}");
    }
    // Rightly signed, but not JSON.
    let response = post_whatsapp(body.clone(), Some(right), "text/plain")
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    // Twilio: the signature covers the URL and every parameter.
    let sms_url = app.url("/webhooks/twilio");
    let form = standin::twilio_inbound_form("SMFORGED", KADER, SMS_NUMBER, "TIMBANG 10019 8,5");
    let post_sms = |signature: Option<String>, content_type: &str| {
        let mut request = app
            .http
            .post(&sms_url)
            .header("content-type", content_type)
            .body(form.clone());
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        request.send()
    };
    let other_url = app.url("/webhooks/twilio/elsewhere");
    for (what, signature) in [
        ("no signature", None),
        (
            "another account's signature",
            Some(standin::twilio_signature(
                &sms_url,
                &form,
                "another-auth-token",
            )),
        ),
        (
            "a signature for another URL",
            Some(standin::twilio_signature(
                &other_url,
                &form,
                TWILIO_AUTH_TOKEN,
            )),
        ),
    ] {
        let response = post_sms(signature, "application/x-www-form-urlencoded")
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "Twilio with {what}");
    }
    let right = standin::twilio_signature(&sms_url, &form, TWILIO_AUTH_TOKEN);
    let response = post_sms(Some(right), "application/json").await.unwrap();
    assert_eq!(response.status(), 415);

    // Nothing was stored, nothing answered.
    assert!(all_messages(&area, &area.admin, "").await.is_empty());
    assert!(area.chat.standin.sent_texts().is_empty());

    // The same deliveries rightly signed are taken (the refusals were for
    // the signatures, not the messages).
    let phone = Phone::new(&area.chat, Via::WhatsApp, KADER);
    phone.deliver("wamid.FORGED", "TIMBANG 10019 8,5").await;
    let sms = Phone::new(&area.chat, Via::Sms, KADER);
    sms.deliver("SMFORGED", "TIMBANG 10019 8,5").await;
    assert_eq!(all_messages(&area, &area.admin, "").await.len(), 2);
}

#[tokio::test]
async fn the_whatsapp_handshake_echoes_the_challenge_only_for_the_verify_token() {
    let area = area().await;
    let app = &area.chat.app;
    let handshake = |token: &str| {
        app.http
            .get(app.url("/webhooks/whatsapp"))
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let response = handshake(WHATSAPP_VERIFY_TOKEN).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "1158201444");
    for wrong in ["not-the-token", ""] {
        let response = handshake(wrong).await.unwrap();
        assert_eq!(response.status(), 403, "token {wrong:?}");
        assert_ne!(response.text().await.unwrap(), "1158201444");
    }
    // Not a subscription request.
    let response = app
        .http
        .get(app.url("/webhooks/whatsapp"))
        .query(&[
            ("hub.mode", "unsubscribe"),
            ("hub.verify_token", WHATSAPP_VERIFY_TOKEN),
            ("hub.challenge", "1158201444"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn broken_oversize_and_replayed_deliveries_store_nothing_new() {
    let area = area().await;
    let app = &area.chat.app;
    let wa_url = app.url("/webhooks/whatsapp");
    let post_signed = |body: Vec<u8>| {
        let signature = standin::whatsapp_signature(&body, WHATSAPP_APP_SECRET);
        app.http
            .post(&wa_url)
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", signature)
            .body(body)
            .send()
    };
    // Rightly signed, but broken JSON, or JSON that is not a webhook.
    for broken in [
        b"{\"object\":\"whatsapp_business_account\",\"entry\":[".to_vec(),
        b"[1,2,3]".to_vec(),
        Vec::new(),
    ] {
        let response = post_signed(broken.clone()).await.unwrap();
        assert_eq!(
            response.status(),
            400,
            "{:?}",
            String::from_utf8_lossy(&broken)
        );
    }
    // A webhook whose one message cannot be read: acknowledged (Meta would
    // otherwise retry it for days) and skipped.
    let odd = b"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"value\":{\"messages\":[{\"from\":12}]}}]}]}";
    assert_eq!(post_signed(odd.to_vec()).await.unwrap().status(), 200);
    // Over the 1 MiB limit, signed or not: refused before it is read whole.
    let mut huge =
        standin::whatsapp_text_webhook(KADER, "wamid.HUGE", "TIMBANG 10019 8,5", PHONE_NUMBER_ID);
    huge.extend(std::iter::repeat_n(b' ', 1024 * 1024 + 1));
    let response = post_signed(huge).await.unwrap();
    assert_eq!(response.status(), 413);
    assert!(all_messages(&area, &area.admin, "").await.is_empty());

    // The same signed delivery twice (a provider retry, or a replay by
    // someone who captured it): taken once.
    let body =
        standin::whatsapp_text_webhook(KADER, "wamid.REPLAY", "TIMBANG 10019 8,5", PHONE_NUMBER_ID);
    for _ in 0..3 {
        assert_eq!(post_signed(body.clone()).await.unwrap().status(), 200);
    }
    assert_eq!(all_messages(&area, &area.admin, "").await.len(), 1);
}
