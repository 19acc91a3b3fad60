//! Giant Swarm over real HTTP on 127.0.0.1: login without credentials and
//! with a base64 password, logout with `Authorization: giantswarm <token>`,
//! tracing headers per call, typed 401s.

mod common;

use authapi::giantswarm::{types, Client, Config, ConfigError, Error, Retry};
use authapi::reqwest::header::{HeaderMap, HeaderValue};
use common::{header, header_count, Behaviour, RawServer};
use httpmock::prelude::*;
use serde_json::json;

const TOKEN: &str = "0123abcd-GiantSecret-4567";

fn client(server: &MockServer) -> Client {
    Client::from_config(Config::new().base_url(server.base_url())).unwrap()
}

/// Catches: the stored token sent with the login (every credential on every
/// call), handing an old session's token to whoever answers the login.
#[tokio::test]
async fn login_sends_base64_password_and_no_authorization() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v4/auth-tokens/")
                .header("content-type", "application/json")
                .header_missing("authorization")
                .header_missing("api-version")
                .header("X-Request-ID", "req-1")
                .header("X-Giant-Swarm-Activity", "login")
                .header("X-Giant-Swarm-CmdLine", "gsctl login me@example.com")
                // base64("pässword") of its UTF-8 bytes
                .json_body(json!({"email": "me@example.com", "password_base64": "cMOkc3N3b3Jk"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"auth_token": TOKEN}));
        })
        .await;
    let logout = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/v4/auth-tokens/")
                .header("authorization", "giantswarm held-GiantToken");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"code": "RESOURCE_DELETED"}));
        })
        .await;
    // The client holds a token, and the login sends no `Authorization`;
    // logout, on the same client, sends it (the positive control).
    let client = client(&server);
    client.set_token("held-GiantToken").unwrap();
    let out = client
        .create_auth_token()
        .x_request_id("req-1")
        .x_giant_swarm_activity("login")
        .x_giant_swarm_cmd_line("gsctl login me@example.com")
        .body(types::V4CreateAuthTokenRequest::with_password(
            "me@example.com",
            "pässword",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.auth_token.as_ref().unwrap(), TOKEN);
    mock.assert_async().await;
    client.delete_auth_token().send().await.unwrap();
    logout.assert_async().await;
}

#[tokio::test]
async fn login_helper_keeps_the_token_and_logout_sends_it() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v4/auth-tokens/")
                .header_missing("authorization")
                .header_missing("X-Request-ID")
                .json_body(json!({"email": "me@example.com", "password_base64": "c2VjcmV0"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"auth_token": TOKEN}));
        })
        .await;
    let logout = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/v4/auth-tokens/")
                .header("authorization", format!("giantswarm {TOKEN}"))
                .header_missing("X-Giant-Swarm-Activity")
                .body("");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"code": "RESOURCE_DELETED", "message": "deleted"}));
        })
        .await;
    // A stale token is held during the login and not sent; logout sends the
    // token the login kept, which replaced it.
    let client = client(&server);
    client.set_token("stale-GiantToken").unwrap();
    client.login("me@example.com", "secret").await.unwrap();
    let bye = client
        .delete_auth_token()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bye.code.as_deref(), Some("RESOURCE_DELETED"));
    assert_eq!(bye.message.as_deref(), Some("deleted"));
    login.assert_async().await;
    logout.assert_async().await;
}

#[tokio::test]
async fn unauthorized_is_a_typed_generic_response_for_both_operations() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v4/auth-tokens/");
            then.status(401)
                .header("content-type", "application/json")
                .json_body(json!({"code": "INVALID_CREDENTIALS", "message": "bad"}));
        })
        .await;
    let client = client(&server);
    let login = client.login("a@b.c", "x").await.unwrap_err();
    client.set_token(TOKEN).unwrap();
    let logout = client.delete_auth_token().send().await.unwrap_err();
    for err in [login, logout] {
        let Error::ErrorResponse(rv) = err else {
            panic!("expected ErrorResponse, got {err:?}")
        };
        assert_eq!(rv.status().as_u16(), 401);
        assert_eq!(rv.code.as_deref(), Some("INVALID_CREDENTIALS"));
        assert_eq!(rv.message.as_deref(), Some("bad"));
    }
}

#[test]
fn there_is_no_default_host() {
    assert!(matches!(
        Client::from_config(Config::new()),
        Err(ConfigError::MissingBaseUrl)
    ));
}

/// A header parameter goes out once, with the value last given: set twice
/// on the builder, or colliding with a default header of the caller's HTTP
/// client, which it replaces; the credential replaces a default
/// `Authorization` the same way; and a retry builds its request afresh, so
/// nothing accumulates across attempts. A default header that no parameter
/// sets still goes out (the positive control: default headers do reach the
/// wire, so a duplicate could).
///
/// Catches: a header parameter or credential appended beside a value of
/// the same name (two `X-Request-ID` or two `Authorization` lines, which
/// servers and proxies read inconsistently), and a retry that re-sends a
/// request it added headers to.
#[tokio::test]
async fn header_parameters_and_the_credential_replace_not_append() {
    let ok = br#"{"code":"RESOURCE_DELETED","message":"ok"}"#.to_vec();
    let server = RawServer::start(Behaviour::Script(vec![
        Behaviour::Respond(503, "application/json", b"{}".to_vec()),
        Behaviour::Respond(200, "application/json", ok),
    ]))
    .await;
    let mut defaults = HeaderMap::new();
    for (name, value) in [
        ("x-request-id", "default-id"),
        ("x-giant-swarm-activity", "default-activity"),
        ("x-giant-swarm-cmdline", "default-cmdline"),
        ("authorization", "giantswarm default-token"),
    ] {
        defaults.insert(name, HeaderValue::from_static(value));
    }
    let config = Config::new()
        .base_url(&server.base_url)
        .retry(Retry::new().base_delay(std::time::Duration::from_millis(5)))
        .http(move |b| b.default_headers(defaults.clone()));
    let client = Client::from_config(config).unwrap();
    client.set_token(TOKEN).unwrap();
    client
        .delete_auth_token()
        .x_request_id("first")
        .x_request_id("second")
        .x_giant_swarm_activity("logout")
        .send()
        .await
        .unwrap();
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "the 503 was not retried");
    for request in &requests {
        for (name, value) in [
            ("x-request-id", "second"),
            ("x-giant-swarm-activity", "logout"),
            ("x-giant-swarm-cmdline", "default-cmdline"),
            ("authorization", &*format!("giantswarm {TOKEN}")),
        ] {
            assert_eq!(header_count(request, name), 1, "{name}: {request}");
            assert_eq!(header(request, name), Some(value), "{request}");
        }
    }
}
