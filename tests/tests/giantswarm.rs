//! Giant Swarm over real HTTP on 127.0.0.1: login without credentials and
//! with a base64 password, logout with `Authorization: giantswarm <token>`,
//! tracing headers per call, typed 401s.

use authapi::giantswarm::{types, Client, Config, ConfigError, Error};
use httpmock::prelude::*;
use serde_json::json;

const TOKEN: &str = "0123abcd-GiantSecret-4567";

fn client(server: &MockServer) -> Client {
    Client::from_config(Config::new().base_url(server.base_url())).unwrap()
}

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
    let out = client(&server)
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
    let client = client(&server);
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
