//! Every error, credential and config prints what a reader needs, not only
//! nothing secret: the absence checks elsewhere (secrets.rs) would also
//! pass for an empty `Display` or `Debug`. Each case here is the positive
//! control of those: it names the words each kind must show.

mod common;

use std::time::Duration;

use authapi::{giantswarm, kleister, svix, Config, Retry, Secret, SecretUrl};
use common::{Behaviour, RawServer};

const SECRET: &str = "pw-FormattingSecret";

fn shows(what: &str, text: &str, words: &[&str]) {
    for w in words {
        assert!(text.contains(w), "{what}: `{w}` missing from {text:?}");
    }
    assert!(!text.contains(SECRET), "{what}: secret shown in {text:?}");
}

fn svix_client(base: &str) -> svix::Client {
    let c = svix::Client::from_config(
        Config::new()
            .base_url(base)
            .retry(Retry::disabled())
            .timeout(Duration::from_secs(5)),
    )
    .unwrap();
    c.set_token(SECRET).unwrap();
    c
}

async fn logout_error(behaviour: Behaviour) -> svix::Error<svix::types::SvixError> {
    let server = RawServer::start(behaviour).await;
    svix_client(&server.base_url)
        .logout()
        .send()
        .await
        .unwrap_err()
}

/// Catches an empty `Display`/`Debug` of `Error` and of each payload.
#[tokio::test]
async fn every_error_kind_names_itself() {
    // A documented status with the service's message.
    let e = logout_error(Behaviour::Respond(
        404,
        "application/json",
        br#"{"code":"not_found","detail":"gone"}"#.to_vec(),
    ))
    .await;
    shows(
        "ErrorResponse Display",
        &e.to_string(),
        &["404", "not_found: gone"],
    );
    shows(
        "ErrorResponse Debug",
        &format!("{e:?}"),
        &[
            "ErrorResponse",
            "ServiceError",
            "404",
            "not_found: gone",
            "attempts",
        ],
    );

    // An unlisted status.
    let e = logout_error(Behaviour::Respond(299, "application/json", b"{}".to_vec())).await;
    shows(
        "UnexpectedResponse Display",
        &e.to_string(),
        &["299", "does not document"],
    );
    shows(
        "UnexpectedResponse Debug",
        &format!("{e:?}"),
        &["UnexpectedResponse", "299", "application/json", "attempts"],
    );

    // A redirect.
    let e = logout_error(Behaviour::Raw(
        b"HTTP/1.1 302 Found\r\nlocation: http://elsewhere.example/x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            .to_vec(),
    ))
    .await;
    shows(
        "Redirect Display",
        &e.to_string(),
        &[
            "302",
            "redirect",
            "http://elsewhere.example",
            "does not follow",
        ],
    );
    shows(
        "Redirect Debug",
        &format!("{e:?}"),
        &[
            "Redirect",
            "302",
            "target_origin",
            "http://elsewhere.example",
            "attempts",
        ],
    );

    // A body that does not decode.
    let server = RawServer::start(Behaviour::Respond(
        200,
        "application/json",
        br#"{"url": 5}"#.to_vec(),
    ))
    .await;
    let e = svix_client(&server.base_url)
        .app_portal_access()
        .app_id("app_1")
        .body(svix::types::AppPortalAccessIn::default())
        .send()
        .await
        .unwrap_err();
    shows(
        "InvalidResponsePayload Display",
        &e.to_string(),
        &["200", "application/json", "10 bytes", "does not decode"],
    );
    shows(
        "InvalidResponsePayload Debug",
        &format!("{e:?}"),
        &[
            "InvalidResponsePayload",
            "InvalidPayload",
            "200",
            "application/json",
            "attempts",
        ],
    );

    // A body cut off after its head.
    let e = logout_error(Behaviour::Raw(
        b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"co"
            .to_vec(),
    ))
    .await;
    shows(
        "ResponseBodyError Display",
        &e.to_string(),
        &["cannot read the body", "404"],
    );
    shows(
        "ResponseBodyError Debug",
        &format!("{e:?}"),
        &["ResponseBodyError", "BodyError", "404", "attempts"],
    );

    // Nothing listening.
    let e = svix_client(&common::closed_port_url())
        .logout()
        .send()
        .await
        .unwrap_err();
    shows(
        "CommunicationError Display",
        &e.to_string(),
        &["could not connect", "error sending request"],
    );
    shows(
        "CommunicationError Debug",
        &format!("{e:?}"),
        &["CommunicationError", "Transport", "attempts"],
    );

    // Refused before sending.
    let c = svix::Client::from_config(Config::new().base_url("http://127.0.0.1:9")).unwrap();
    let e = c.logout().send().await.unwrap_err();
    shows(
        "InvalidRequest Display",
        &e.to_string(),
        &["invalid request, nothing was sent", "`set_token`"],
    );
    shows(
        "InvalidRequest Debug",
        &format!("{e:?}"),
        &["InvalidRequest", "set_token"],
    );
}

/// Catches an empty `Display` of `ConfigError` and `Debug` of `Config`,
/// and userinfo redaction that cuts at the wrong place.
#[test]
fn config_and_its_errors_say_what_is_wrong() {
    let e = giantswarm::Client::from_config(Config::new()).unwrap_err();
    shows(
        "MissingBaseUrl",
        &e.to_string(),
        &["no fixed host", "Config::base_url"],
    );
    let e = svix::Client::from_config(
        Config::new().base_url(format!("ftp://admin:{SECRET}@files.example/x")),
    )
    .unwrap_err();
    shows(
        "InvalidBaseUrl",
        &e.to_string(),
        &[
            "invalid base URL `ftp://<redacted>@files.example/x`",
            "http or https",
        ],
    );
    let c = svix::Client::new_default().unwrap();
    let e = c.set_token("a\r\nb").unwrap_err();
    shows(
        "InvalidHeaderValue",
        &e.to_string(),
        &["header `authorization`", "CR, LF"],
    );

    let config = Config::new()
        .base_url(format!("https://admin:{SECRET}@api.example/v1"))
        .timeout(Duration::from_secs(7))
        .user_agent("formatting-test/1");
    shows(
        "Config Debug",
        &format!("{config:?}"),
        &[
            "Config",
            "https://<redacted>@api.example/v1",
            "7s",
            "formatting-test/1",
            "max_response_bytes",
        ],
    );
}

/// Catches an empty `Debug` of the redacting types and of a client.
#[test]
fn redacting_types_still_say_what_they_are() {
    shows(
        "Secret Debug",
        &format!("{:?}", Secret::new(SECRET)),
        &["Secret(\"<redacted>\")"],
    );
    shows(
        "SecretUrl Debug",
        &format!(
            "{:?}",
            SecretUrl::new(format!("https://app.svix.com/login#key={SECRET}"))
        ),
        &["SecretUrl(\"https://app.svix.com/<redacted>\")"],
    );
    let k = kleister::Client::new_default().unwrap();
    k.set_token(SECRET).unwrap();
    shows(
        "Client Debug",
        &format!("{k:?}"),
        &[
            "Client",
            "https://try.kleister.eu/api/v1",
            "credentials_set",
            "HeaderAuth",
        ],
    );
}
