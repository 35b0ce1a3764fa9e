//! The channel adapters against the local provider stand-in: what goes over
//! the wire, and how failures come back classified.
use std::time::Duration;

use posyandu_bot::channels::gateway::{
    self, BodyFormat, GatewayConfig, GatewayOutbound, PhoneStyle,
};
use posyandu_bot::channels::twilio::{self, TwilioConfig};
use posyandu_bot::channels::whatsapp::{self, WhatsAppConfig};
use posyandu_bot::channels::{Body, DeliveryState, Outgoing, SendError};
use posyandu_tests::standin::{self, FailWith, Route, StandIn};

const PHONE_NUMBER_ID: &str = "106540352242922";
const APP_SECRET: &str = "standin-app-secret";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client")
}

fn whatsapp_config(standin: &StandIn) -> WhatsAppConfig {
    let mut config = WhatsAppConfig::new(
        PHONE_NUMBER_ID,
        standin::WHATSAPP_TOKEN,
        APP_SECRET,
        "verify",
    );
    config.base_url = standin.base_url().to_owned();
    config
}

fn twilio_config(standin: &StandIn) -> TwilioConfig {
    TwilioConfig {
        base_url: standin.base_url().to_owned(),
        account_sid: standin::TWILIO_ACCOUNT_SID.to_owned(),
        auth_token: standin::TWILIO_AUTH_TOKEN.to_owned(),
        from: Some("+15005550006".to_owned()),
        messaging_service_sid: None,
        status_callback_url: Some("https://posyandu.example.id/webhooks/twilio/status".to_owned()),
    }
}

fn gateway_config(standin: &StandIn) -> GatewayOutbound {
    GatewayOutbound {
        url: standin.gateway_url(),
        format: BodyFormat::Json,
        auth_header: Some((
            "Authorization".to_owned(),
            standin::GATEWAY_TOKEN.to_owned(),
        )),
        to_field: "to".to_owned(),
        text_field: "text".to_owned(),
        phone_style: PhoneStyle::E164,
        extra_fields: vec![("sender".to_owned(), "posyandu".to_owned())],
        id_pointer: Some("/detail/0/id".to_owned()),
        success_pointer: Some("/status".to_owned()),
        wrap_in_data_array: false,
    }
}

fn text(to: &str, body: &str) -> Outgoing {
    Outgoing {
        to: to.to_owned(),
        body: Body::Text(body.to_owned()),
    }
}

#[tokio::test]
async fn whatsapp_text_and_template_go_out_as_graph_requests() {
    let standin = StandIn::start().await;
    let http = client();
    let config = whatsapp_config(&standin);

    let sent = whatsapp::send(&http, &config, &text("+6281234567890", "Halo Ibu Sari"))
        .await
        .expect("sent");
    assert!(sent.provider_message_id.starts_with("wamid."), "{sent:?}");

    let reminder = Outgoing {
        to: "+6281234567890".to_owned(),
        body: Body::Template {
            name: "pengingat_posyandu".to_owned(),
            language: "id".to_owned(),
            parameters: vec!["Sari".to_owned(), "Selasa".to_owned()],
            fallback_text: "unused on WhatsApp".to_owned(),
        },
    };
    let second = whatsapp::send(&http, &config, &reminder)
        .await
        .expect("sent");
    assert_ne!(second.provider_message_id, sent.provider_message_id);

    let requests = standin.requests_to(Route::WhatsApp);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        format!("/v21.0/{PHONE_NUMBER_ID}/messages")
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {}", standin::WHATSAPP_TOKEN).as_str())
    );
    assert_eq!(
        requests[0].json.as_ref().unwrap()["text"]["preview_url"],
        false
    );
    assert_eq!(
        standin.sent_texts(),
        vec![
            ("6281234567890".to_owned(), "Halo Ibu Sari".to_owned()),
            (
                "6281234567890".to_owned(),
                "template:pengingat_posyandu(Sari, Selasa)".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn whatsapp_failures_are_classified() {
    let standin = StandIn::start().await;
    let http = client();
    let config = whatsapp_config(&standin);
    let message = text("+6281234567890", "Halo");

    standin.fail_next(
        Route::WhatsApp,
        1,
        FailWith::whatsapp(429, 130429, "Rate limit hit").retry_after(7),
    );
    match whatsapp::send(&http, &config, &message).await {
        Err(SendError::Temporary {
            code, retry_after, ..
        }) => {
            assert_eq!(code, "130429");
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
        }
        other => panic!("{other:?}"),
    }

    standin.fail_next(
        Route::WhatsApp,
        1,
        FailWith::whatsapp(400, 131026, "Message undeliverable"),
    );
    assert!(matches!(
        whatsapp::send(&http, &config, &message).await,
        Err(SendError::Unreachable { code, .. }) if code == "131026"
    ));

    standin.fail_next(
        Route::WhatsApp,
        1,
        FailWith::whatsapp(400, 131047, "Re-engagement message"),
    );
    assert!(matches!(
        whatsapp::send(&http, &config, &message).await,
        Err(SendError::Permanent { code, .. }) if code == "131047"
    ));

    standin.fail_next(Route::WhatsApp, 1, FailWith::status(400));
    assert!(matches!(
        whatsapp::send(&http, &config, &message).await,
        Err(SendError::Permanent { code, .. }) if code == "http_400"
    ));

    // The injected failures are used up: the next send goes through.
    whatsapp::send(&http, &config, &message)
        .await
        .expect("sent");
    assert_eq!(standin.requests_to(Route::WhatsApp).len(), 5);
    assert_eq!(standin.sent_texts().len(), 1);

    // A wrong token is refused as Meta does (190), permanently.
    let wrong = WhatsAppConfig {
        access_token: "expired".to_owned(),
        ..config
    };
    assert!(matches!(
        whatsapp::send(&http, &wrong, &message).await,
        Err(SendError::Permanent { code, .. }) if code == "190"
    ));
}

#[tokio::test]
async fn a_delay_longer_than_the_client_timeout_is_temporary() {
    let standin = StandIn::start().await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("a client");
    standin.set_delay(Duration::from_millis(1500));
    let result = whatsapp::send(
        &impatient,
        &whatsapp_config(&standin),
        &text("+6281234567890", "Halo"),
    )
    .await;
    assert!(
        matches!(&result, Err(SendError::Temporary { code, .. }) if code == "timeout"),
        "{result:?}"
    );
    let result = twilio::send(
        &impatient,
        &twilio_config(&standin),
        &text("+6281234567890", "Halo"),
    )
    .await;
    assert!(
        matches!(result, Err(SendError::Temporary { .. })),
        "{result:?}"
    );
    // The stand-in saw both requests, even though nobody waited.
    assert_eq!(standin.requests().len(), 2);
    standin.set_delay(Duration::ZERO);
}

#[tokio::test]
async fn twilio_sends_a_form_with_basic_auth() {
    let standin = StandIn::start().await;
    let http = client();
    let config = twilio_config(&standin);
    let reminder = Outgoing {
        to: "0812-3456-7890".to_owned(),
        body: Body::Template {
            name: "pengingat_posyandu".to_owned(),
            language: "id".to_owned(),
            parameters: vec!["Sari".to_owned()],
            fallback_text: "Ibu Sari, besok ada posyandu.".to_owned(),
        },
    };
    let sent = twilio::send(&http, &config, &reminder).await.expect("sent");
    assert!(sent.provider_message_id.starts_with("SM"));
    assert_eq!(sent.provider_message_id.len(), 34);

    let [request] = standin
        .requests_to(Route::Twilio)
        .try_into()
        .expect("one request");
    assert_eq!(
        request.path,
        format!(
            "/2010-04-01/Accounts/{}/Messages.json",
            standin::TWILIO_ACCOUNT_SID
        )
    );
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(request.form_value("To"), Some("+6281234567890"));
    assert_eq!(request.form_value("From"), Some("+15005550006"));
    assert_eq!(
        request.form_value("StatusCallback"),
        Some("https://posyandu.example.id/webhooks/twilio/status")
    );
    assert_eq!(request.answered, Some(201));
    assert_eq!(
        standin.sent_texts(),
        vec![(
            "+6281234567890".to_owned(),
            "Ibu Sari, besok ada posyandu.".to_owned()
        )]
    );

    let service = TwilioConfig {
        messaging_service_sid: Some("MG0123".to_owned()),
        ..config.clone()
    };
    twilio::send(&http, &service, &text("+6281234567890", "x"))
        .await
        .expect("sent");
    let last = standin.requests().pop().unwrap();
    assert_eq!(last.form_value("MessagingServiceSid"), Some("MG0123"));
    assert_eq!(last.form_value("From"), None);

    let wrong = TwilioConfig {
        auth_token: "wrong".to_owned(),
        ..config
    };
    assert!(matches!(
        twilio::send(&http, &wrong, &text("+6281234567890", "x")).await,
        Err(SendError::Permanent { code, .. }) if code == "20003"
    ));
}

#[tokio::test]
async fn twilio_failures_are_classified() {
    let standin = StandIn::start().await;
    let http = client();
    let config = twilio_config(&standin);
    let message = text("+6281234567890", "Halo");

    standin.fail_next(
        Route::Twilio,
        1,
        FailWith::twilio(400, 21610, "Attempt to send to unsubscribed recipient"),
    );
    assert!(matches!(
        twilio::send(&http, &config, &message).await,
        Err(SendError::Unreachable { code, .. }) if code == "21610"
    ));
    standin.fail_next(
        Route::Twilio,
        2,
        FailWith::twilio(429, 20429, "Too Many Requests").retry_after(2),
    );
    for _ in 0..2 {
        match twilio::send(&http, &config, &message).await {
            Err(SendError::Temporary { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
    }
    standin.fail_next(Route::Twilio, 1, FailWith::status(503));
    assert!(matches!(
        twilio::send(&http, &config, &message).await,
        Err(SendError::Temporary { code, .. }) if code == "http_503"
    ));
    standin.fail_next(
        Route::Twilio,
        1,
        FailWith::twilio(400, 21602, "Message body is required."),
    );
    assert!(matches!(
        twilio::send(&http, &config, &message).await,
        Err(SendError::Permanent { .. })
    ));
    twilio::send(&http, &config, &message)
        .await
        .expect("sent after the failures");
}

#[tokio::test]
async fn gateways_send_json_and_form() {
    let standin = StandIn::start().await;
    let http = client();

    let json_gateway = gateway_config(&standin);
    let sent = gateway::send(&http, &json_gateway, &text("081234567890", "Halo JSON"))
        .await
        .expect("sent");
    assert!(!sent.provider_message_id.starts_with("gw-"), "{sent:?}");
    let json_request = standin.requests().pop().unwrap();
    assert_eq!(
        json_request.json,
        Some(
            serde_json::json!({"to": "+6281234567890", "text": "Halo JSON", "sender": "posyandu"})
        )
    );

    // The Fonnte preset, pointed at the stand-in.
    let fonnte = GatewayConfig::fonnte(standin::GATEWAY_TOKEN).with_url(standin.gateway_url());
    let sent = gateway::send(
        &http,
        &fonnte.outbound,
        &text("+6281234567890", "Halo form"),
    )
    .await
    .expect("sent");
    assert!(
        sent.provider_message_id.starts_with("gw-"),
        "no /id/0 in the answer: {sent:?}"
    );
    let form_request = standin.requests().pop().unwrap();
    assert_eq!(form_request.form_value("target"), Some("6281234567890"));
    assert_eq!(form_request.form_value("countryCode"), Some("62"));

    // Wablas wraps the message in a data array.
    let wablas = GatewayConfig::wablas(standin.base_url(), standin::GATEWAY_TOKEN);
    let wablas = GatewayOutbound {
        url: standin.gateway_url(),
        ..wablas.outbound
    };
    gateway::send(&http, &wablas, &text("+6281234567890", "Halo Wablas"))
        .await
        .expect("sent");
    let wablas_request = standin.requests().pop().unwrap();
    assert_eq!(
        wablas_request.json.unwrap()["data"][0]["phone"],
        "6281234567890"
    );

    assert_eq!(
        standin.sent_texts(),
        vec![
            ("+6281234567890".to_owned(), "Halo JSON".to_owned()),
            ("6281234567890".to_owned(), "Halo form".to_owned()),
            ("6281234567890".to_owned(), "Halo Wablas".to_owned()),
        ]
    );
}

#[tokio::test]
async fn gateway_failures_are_classified() {
    let standin = StandIn::start().await;
    let http = client();
    let config = gateway_config(&standin);
    let message = text("+6281234567890", "Halo");

    standin.fail_next(Route::Gateway, 1, FailWith::status(429).retry_after(9));
    assert!(matches!(
        gateway::send(&http, &config, &message).await,
        Err(SendError::Temporary { retry_after: Some(d), .. }) if d == Duration::from_secs(9)
    ));
    standin.fail_next(Route::Gateway, 1, FailWith::status(502));
    assert!(matches!(
        gateway::send(&http, &config, &message).await,
        Err(SendError::Temporary { .. })
    ));
    standin.fail_next(Route::Gateway, 1, FailWith::status(400));
    assert!(matches!(
        gateway::send(&http, &config, &message).await,
        Err(SendError::Permanent { .. })
    ));
    // 200 with `status: false` is a refusal, not a success.
    standin.fail_next(
        Route::Gateway,
        1,
        FailWith {
            status: 200,
            body: r#"{"status":false,"reason":"target 6281234567890 invalid"}"#.to_owned(),
            retry_after: None,
        },
    );
    match gateway::send(&http, &config, &message).await {
        Err(SendError::Permanent { detail, .. }) => {
            assert!(!detail.contains("6281234567890"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    let no_token = GatewayOutbound {
        auth_header: None,
        ..config
    };
    assert!(matches!(
        gateway::send(&http, &no_token, &message).await,
        Err(SendError::Permanent { code, .. }) if code == "http_401"
    ));
}

#[tokio::test]
async fn built_webhooks_pass_the_adapters_checks() {
    let body = standin::whatsapp_text_webhook(
        "+6281234567890",
        "wamid.IN1",
        "TIMBANG 1234 9,5",
        PHONE_NUMBER_ID,
    );
    let signature = standin::whatsapp_signature(&body, APP_SECRET);
    whatsapp::verify_signature(&body, Some(&signature), APP_SECRET).expect("signed");
    let delivery = whatsapp::parse_delivery(&body).expect("parsed");
    assert_eq!(delivery.messages[0].from, "6281234567890");
    assert_eq!(
        delivery.messages[0].text.as_deref(),
        Some("TIMBANG 1234 9,5")
    );
    assert_eq!(
        delivery.messages[0].profile_name.as_deref(),
        Some("Ibu Uji")
    );
    assert_eq!(
        delivery.messages[0].to.as_deref(),
        Some(standin::DISPLAY_PHONE_NUMBER)
    );

    let status = standin::whatsapp_status_webhook(
        "wamid.OUT1",
        "+6281234567890",
        "failed",
        Some((131026, "Message undeliverable")),
        PHONE_NUMBER_ID,
    );
    whatsapp::verify_signature(
        &status,
        Some(&standin::whatsapp_signature(&status, APP_SECRET)),
        APP_SECRET,
    )
    .expect("signed");
    let update = &whatsapp::parse_delivery(&status).expect("parsed").statuses[0];
    assert_eq!(update.state, DeliveryState::Failed);
    assert_eq!(update.error_code.as_deref(), Some("131026"));

    let url = "https://posyandu.example.id/webhooks/twilio/sms";
    let form = standin::twilio_inbound_form(
        "SM1",
        "+6281234567890",
        "+6281100001111",
        "Halo bidan & kader",
    );
    let signature = standin::twilio_signature(url, &form, standin::TWILIO_AUTH_TOKEN);
    twilio::verify_signature(url, &form, Some(&signature), standin::TWILIO_AUTH_TOKEN)
        .expect("signed");
    let inbound = twilio::parse_inbound(&form).expect("parsed");
    assert_eq!(inbound.text.as_deref(), Some("Halo bidan & kader"));
    assert_eq!(inbound.from, "+6281234567890");

    let callback = standin::twilio_status_form("SM2", "undelivered", Some("30003"));
    let update = twilio::parse_status(&callback)
        .expect("parsed")
        .expect("progress");
    assert_eq!(update.state, DeliveryState::Failed);
    assert_eq!(update.error_code.as_deref(), Some("30003"));

    let config = posyandu_bot::channels::gateway::GatewayInbound {
        secret: "relay-secret".to_owned(),
        signature_header: gateway::DEFAULT_SIGNATURE_HEADER.to_owned(),
        from_field: "from".to_owned(),
        text_field: "text".to_owned(),
        id_field: "id".to_owned(),
    };
    let body = standin::gateway_inbound("6281234567890", "gw-in-1", "halo");
    let signature = standin::gateway_signature(&body, "relay-secret");
    gateway::verify_signature(&body, Some(&signature), &config.secret).expect("signed");
    let inbound = gateway::parse_inbound(&config, Some("application/json"), &body).expect("parsed");
    assert_eq!(inbound.provider_message_id, "gw-in-1");
}
