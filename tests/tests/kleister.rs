//! Kleister over real HTTP on 127.0.0.1: login, refresh (token in
//! `X-API-Key`), verify (token in the path), typed timestamps and errors.

use authapi::kleister::{types, Client, Config, Error};
use httpmock::prelude::*;
use serde_json::json;

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.a2xlaXN0ZXI.KleisterSecretSig";

fn client(server: &MockServer) -> Client {
    Client::from_config(Config::new().base_url(server.url("/api/v1"))).unwrap()
}

#[tokio::test]
async fn login_then_refresh_sends_the_token_in_x_api_key() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/login")
                .header("content-type", "application/json")
                .header_missing("x-api-key")
                .header_missing("authorization")
                .json_body(json!({"username": "admin", "password": "pw-KleisterSecret"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": JWT, "expires_at": "2026-11-22T18:00:00+01:00"}));
        })
        .await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/refresh")
                .header("x-api-key", JWT);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": "second.jwt.x", "expires_at": "2026-11-22T19:00:00Z"}));
        })
        .await;
    let client = client(&server);
    let token = client.login("admin", "pw-KleisterSecret").await.unwrap();
    assert_eq!(token.token, JWT);
    assert_eq!(token.expires_at.to_rfc3339(), "2026-11-22T17:00:00+00:00");
    let refreshed = client.refresh().await.unwrap();
    assert_eq!(refreshed.token, "second.jwt.x");
    assert_eq!(refreshed.expires_at.timestamp(), 1_795_374_000);
    login.assert_async().await;
    refresh.assert_async().await;
}

#[tokio::test]
async fn refresh_without_a_token_fails_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let err = client(&server).refresh_auth().send().await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("X-API-Key".to_ascii_lowercase().as_str())),
        "{err:?}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn verify_puts_the_token_in_the_path_and_decodes_created_at() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/api/v1/auth/verify/{JWT}"))
                .header_missing("x-api-key");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"username": "admin", "created_at": "2026-11-22T16:00:00Z"}));
        })
        .await;
    let who = client(&server)
        .verify_auth()
        .token(JWT)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(who.username, "admin");
    assert_eq!(who.created_at.timestamp(), 1_795_363_200);
    mock.assert_async().await;
}

#[tokio::test]
async fn error_statuses_are_typed_general_errors() {
    for status in [401u16, 403, 404, 500, 503] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.path_includes("/auth/");
                then.status(status)
                    .header("content-type", "application/json")
                    .json_body(json!({"status": status, "message": "denied"}));
            })
            .await;
        let client = client(&server);
        let login = client.login("u", "p").await.unwrap_err();
        let verify = client.verify_auth().token("t").send().await.unwrap_err();
        client.set_token("t").unwrap();
        let refresh = client.refresh_auth().send().await.unwrap_err();
        for err in [login, verify, refresh] {
            match err {
                Error::ErrorResponse(rv) => {
                    assert_eq!(rv.status().as_u16(), status);
                    assert_eq!(
                        rv.into_inner(),
                        types::GeneralError {
                            status: status.into(),
                            message: "denied".into()
                        }
                    );
                }
                other => panic!("{status}: expected ErrorResponse, got {other:?}"),
            }
        }
    }
}

#[test]
fn default_base_url() {
    assert_eq!(
        Client::new_default().unwrap().base_url(),
        "https://try.kleister.tech/api/v1"
    );
}
