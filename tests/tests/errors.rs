//! Errors say what the service said: `Display` of an `ErrorResponse` shows
//! the status and the service's own message fields, for each service, and
//! never another field (which may echo a secret). A missing credential names
//! the method to call.

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Config};
use httpmock::prelude::*;
use serde_json::json;

/// Echoed by a hostile or careless service in a field that is not its
/// message: it must never be shown.
const SECRET: &str = "pw-EchoedSecret";

async fn answering(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(status)
                .header("content-type", "application/json")
                .json_body(body);
        })
        .await;
    server
}

fn shown<E>(e: &authapi::Error<E>) -> String {
    format!("{e}\n{e:?}")
}

fn assert_says(e_text: &str, says: &[&str]) {
    for s in says {
        assert!(e_text.contains(s), "missing {s:?} in {e_text}");
    }
    assert!(!e_text.contains(SECRET), "secret shown: {e_text}");
}

#[tokio::test]
async fn svix_shows_code_and_detail() {
    let server = answering(
        404,
        json!({"code": "not_found", "detail": "Entity not found", "echo": SECRET}),
    )
    .await;
    let c = svix::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token("sk_x").unwrap();
    let e = c.logout().send().await.unwrap_err();
    let text = shown(&e);
    assert_says(&text, &["404", "not_found: Entity not found"]);
    println!("svix: {e}");
}

/// 422 is a validation error: where and which check failed, never `msg`,
/// which can quote the rejected value.
#[tokio::test]
async fn svix_validation_errors_show_where_not_what() {
    let server = answering(
        422,
        json!({"detail": [{"loc": ["body", "expiry"], "msg": format!("bad value {SECRET}"),
                           "type": "value_error.number.not_le"}]}),
    )
    .await;
    let c = svix::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token("sk_x").unwrap();
    let e = c.logout().send().await.unwrap_err();
    assert_says(
        &shown(&e),
        &["422", "body.expiry (value_error.number.not_le)"],
    );
    let svix::Error::ErrorResponse(rv) = e else {
        panic!("expected ErrorResponse")
    };
    assert!(matches!(
        rv.into_inner(),
        svix::types::SvixError::ValidationError(_)
    ));
}

/// Svix error bodies decode by status: a proxy's 404 `{"message": ..}` is
/// neither an `HttpErrorOut` nor (not being a 422) a validation error.
#[tokio::test]
async fn svix_foreign_bodies_are_not_guessed() {
    for (status, body) in [
        (404, json!({"message": "no route"})),
        (422, json!({"code": "x", "detail": "y"})),
        (401, json!({"detail": []})),
    ] {
        let server = answering(status, body.clone()).await;
        let c = svix::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
        c.set_token("sk_x").unwrap();
        let e = c.logout().send().await.unwrap_err();
        assert!(
            matches!(e, svix::Error::InvalidResponsePayload(_)),
            "{status} {body}: {e:?}"
        );
    }
    // Positive control: the documented shapes decode.
    for (status, body) in [
        (404, json!({"code": "not_found", "detail": "x"})),
        (422, json!({"detail": []})),
    ] {
        let server = answering(status, body).await;
        let c = svix::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
        c.set_token("sk_x").unwrap();
        let e = c.logout().send().await.unwrap_err();
        assert!(matches!(e, svix::Error::ErrorResponse(_)), "{e:?}");
    }
}

#[tokio::test]
async fn kleister_shows_its_message_and_field_names() {
    let server = answering(
        401,
        json!({"status": 401, "message": "wrong credentials",
               "errors": [{"field": "password", "message": SECRET}]}),
    )
    .await;
    let c = kleister::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    let e = c.login("admin", SECRET).await.unwrap_err();
    assert_says(&shown(&e), &["401", "wrong credentials", "password"]);
    println!("kleister: {e}");
}

#[tokio::test]
async fn glowmarkt_shows_its_error() {
    let server = answering(
        401,
        json!({"error": "Access denied", "valid": false, "echo": SECRET}),
    )
    .await;
    let c = glowmarkt::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_application_id("app").unwrap();
    let e = c.login("me", SECRET).await.unwrap_err();
    assert_says(&shown(&e), &["401", "Access denied", "valid: false"]);
    println!("glowmarkt: {e}");
}

#[tokio::test]
async fn giantswarm_shows_code_and_message() {
    let server = answering(
        401,
        json!({"code": "PERMISSION_DENIED", "message": "Invalid credentials", "echo": SECRET}),
    )
    .await;
    let c = giantswarm::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    let e = c.login("me@example.com", SECRET).await.unwrap_err();
    assert_says(
        &shown(&e),
        &["401", "PERMISSION_DENIED: Invalid credentials"],
    );
    println!("giantswarm: {e}");
}

#[tokio::test]
async fn nuextract_shows_code_and_message() {
    let server = answering(
        403,
        json!({"code": "forbidden", "message": "Not allowed", "echo": SECRET}),
    )
    .await;
    let c = nuextract::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token("t").unwrap();
    let e = c.current_user().send().await.unwrap_err();
    assert_says(&shown(&e), &["403", "forbidden: Not allowed"]);
    println!("nuextract: {e}");
}

/// A body with no message field says so, and still shows the status.
#[tokio::test]
async fn an_error_without_a_message_says_so() {
    let server = answering(401, json!({"echo": SECRET})).await;
    let c = giantswarm::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    let e = c.login("me@example.com", "pw").await.unwrap_err();
    assert_says(&shown(&e), &["401", "no message"]);
}

/// A call made without its credential names what to call, not the spec's
/// scheme id, and sends nothing.
#[tokio::test]
async fn a_missing_credential_names_the_method_to_call() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let base = || Config::new().base_url(server.base_url());
    let svix = svix::Client::from_config(base()).unwrap();
    let kleister = kleister::Client::from_config(base()).unwrap();
    let glowmarkt = glowmarkt::Client::from_config(base()).unwrap();
    let giantswarm = giantswarm::Client::from_config(base()).unwrap();
    let nuextract = nuextract::Client::from_config(base()).unwrap();
    let cases = [
        (
            svix.logout().send().await.unwrap_err().to_string(),
            "`set_token`",
        ),
        (
            kleister
                .refresh_auth()
                .send()
                .await
                .unwrap_err()
                .to_string(),
            "`set_token` or `login`",
        ),
        (
            glowmarkt
                .get_token_of_user()
                .send()
                .await
                .unwrap_err()
                .to_string(),
            "`set_application_id`",
        ),
        (
            giantswarm
                .delete_auth_token()
                .send()
                .await
                .unwrap_err()
                .to_string(),
            "`set_token` or `login`",
        ),
        (
            nuextract
                .current_user()
                .send()
                .await
                .unwrap_err()
                .to_string(),
            "`set_token` (an access token or an API key) or `login`",
        ),
    ];
    for (text, hint) in cases {
        assert!(text.contains(hint), "{text}");
        for scheme in [
            "HTTPBearer",
            "HeaderAuth",
            "oauth2Auth",
            "AuthorizationHeaderToken",
            "applicationId`",
        ] {
            assert!(!text.contains(scheme), "{text}");
        }
    }
    glowmarkt.set_application_id("app").unwrap();
    let text = glowmarkt
        .get_token_of_user()
        .send()
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("`set_token` or `login`"), "{text}");
    assert_eq!(any.calls_async().await, 0);
}

/// A service that echoes the credential it was sent inside its own message
/// field: `Display` and `Debug` show the message without it, for every
/// service and credential kind (the refresh token included).
#[tokio::test]
async fn a_held_secret_echoed_in_the_message_is_redacted() {
    const TOKEN: &str = "tok-EchoedHeldToken";
    const REFRESH: &str = "ref-EchoedHeldRefresh";
    const APP: &str = "app-EchoedHeldAppId";
    let says = |m: &str| format!("denied for {m} today");
    let check = |service: &str, e: String| {
        assert!(e.contains("denied for"), "{service}: {e}"); // the message is shown
        assert!(e.contains("<redacted>"), "{service}: {e}");
        for s in [TOKEN, REFRESH, APP] {
            assert!(!e.contains(s), "{service}: {e}");
        }
    };

    let server = answering(404, json!({"code": "x", "detail": says(TOKEN)})).await;
    let c = svix::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token(TOKEN).unwrap();
    let e = c.logout().send().await.unwrap_err();
    check("svix", format!("{e} {e:?}"));

    let server = answering(401, json!({"message": says(TOKEN)})).await;
    let c = kleister::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token(TOKEN).unwrap();
    let e = c.verify().send().await.unwrap_err();
    check("kleister", format!("{e} {e:?}"));

    let server = answering(400, json!({"error": format!("{} {}", says(TOKEN), APP)})).await;
    let c = glowmarkt::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_application_id(APP).unwrap();
    c.set_token(TOKEN).unwrap();
    let e = c.new_token().send().await.unwrap_err();
    check("glowmarkt", format!("{e} {e:?}"));

    let server = answering(401, json!({"code": "x", "message": says(TOKEN)})).await;
    let c = giantswarm::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token(TOKEN).unwrap();
    let e = c.delete_auth_token().send().await.unwrap_err();
    check("giantswarm", format!("{e} {e:?}"));

    let server = answering(
        403,
        json!({"code": "x", "message": format!("{} {REFRESH}", says(TOKEN))}),
    )
    .await;
    let c = nuextract::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    c.set_token(TOKEN).unwrap();
    c.set_refresh_token(nuextract::Secret::new(REFRESH))
        .unwrap();
    let e = c.current_user().send().await.unwrap_err();
    check("nuextract", format!("{e} {e:?}"));
}

/// NuExtract's plain-text 400 shows its head, not the decoder's quote of
/// the input (which can hold the code or refresh token sent).
#[tokio::test]
async fn nuextract_text_errors_show_their_head_only() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(400)
                .header("content-type", "text/plain")
                .body(format!(
                    "Invalid value for: body (expected token got '{SECRET}')"
                ));
        })
        .await;
    let c = nuextract::Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    let e = c
        .exchange_token()
        .body(nuextract::types::TokenRequest::refresh("r"))
        .send()
        .await
        .unwrap_err();
    assert_says(&shown(&e), &["400", "Invalid value for: body"]);
}
