//! Glowmarkt over real HTTP on 127.0.0.1: `applicationId` on every call,
//! `token` on every call but login, exact paths, typed errors.

use authapi::glowmarkt::{types, Client, Config, Error};
use httpmock::prelude::*;
use serde_json::json;

const APP_ID: &str = "b0f1b774-a586-4f72-9edd-27ead8aa7a8d";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.GlowSecretSig";

fn client(server: &MockServer, token: Option<&str>) -> Client {
    // A trailing slash on the base URL must not produce `//auth`.
    let client =
        Client::from_config(Config::new().base_url(format!("{}/", server.base_url()))).unwrap();
    client.set_application_id(APP_ID).unwrap();
    if let Some(t) = token {
        client.set_token(t).unwrap();
    }
    client
}

/// Catches: the `token` header sent with login (every stored credential on
/// every call): a stale or another user's token handed to the login
/// endpoint.
#[tokio::test]
async fn login_sends_application_id_only_and_keeps_the_token() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth")
                .header("applicationId", APP_ID)
                .header("content-type", "application/json")
                .header_missing("token")
                .header_missing("authorization")
                .header_missing("api-version")
                .json_body(json!({"username": "me@example.com", "password": "pw-GlowSecret"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "accountId": "acc-1", "name": "Me", "valid": true, "exp": 1_700_000_000,
                    "token": JWT, "userGroups": [], "isTempAuth": false
                }));
        })
        .await;
    let tokens = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/auth/token")
                .header("applicationId", APP_ID)
                .header("token", JWT);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([{
                    "userId": "u-1", "tokenId": "t-1",
                    "createdAt": "2024-01-02T03:04:05Z", "expiresAt": "2024-02-02T03:04:05Z",
                    "authenticationFramework": "jwt", "grant_type": "password"
                }]));
        })
        .await;
    // The client holds a token (a stale one) and still sends none to login;
    // the token it keeps is then sent by `get_token_of_user`, whose mock
    // requires it: the absence above is checked where the token was there
    // to send.
    let client = client(&server, Some("stale-GlowToken"));
    let session = client
        .login("me@example.com", "pw-GlowSecret")
        .await
        .unwrap();
    assert_eq!(session.exp, Some(1_700_000_000));
    assert_eq!(session.account_id.as_deref(), Some("acc-1"));
    assert_eq!(session.application_id, None);
    let list = client
        .get_token_of_user()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].token_id.as_deref(), Some("t-1"));
    assert_eq!(list[0].grant_type.as_deref(), Some("password"));
    assert_eq!(
        list[0].created_at.unwrap().to_rfc3339(),
        "2024-01-02T03:04:05+00:00"
    );
    login.assert_async().await;
    tokens.assert_async().await;
}

#[tokio::test]
async fn new_token_sends_both_headers_and_renew_keeps_the_new_token() {
    let server = MockServer::start_async().await;
    let renew = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/auth/newToken")
                .header("applicationId", APP_ID)
                .header("token", JWT);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"valid": true, "exp": 1_800_000_000, "token": "new-jwt"}));
        })
        .await;
    let after = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/auth/deleteToken")
                .header("applicationId", APP_ID)
                .header("token", "new-jwt")
                .body("");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"valid": true}));
        })
        .await;
    let client = client(&server, Some(JWT));
    let renewed = client.refresh().await.unwrap();
    assert_eq!(renewed.exp, Some(1_800_000_000));
    assert_eq!(renewed.token.as_ref().unwrap(), "new-jwt");
    let deleted = client.delete_token().send().await.unwrap();
    assert_eq!(deleted.valid, Some(true));
    renew.assert_async().await;
    after.assert_async().await;
}

#[tokio::test]
async fn delete_token_by_id_puts_the_id_in_the_path_and_decodes_an_array() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/auth/token/5f2b7c1e-0000-4000-8000-000000000001")
                .header("applicationId", APP_ID)
                .header("token", JWT)
                .body("");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([{"valid": true}]));
        })
        .await;
    let out = client(&server, Some(JWT))
        .delete_token_by_id()
        .token_id("5f2b7c1e-0000-4000-8000-000000000001")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out, vec![types::IsValidRes { valid: Some(true) }]);
    mock.assert_async().await;
}

#[tokio::test]
async fn calls_needing_a_token_fail_before_sending_when_none_is_set() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let err = client(&server, None).new_token().send().await.unwrap_err();
    match err {
        Error::InvalidRequest(msg) => assert!(msg.contains("`token`"), "{msg}"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert_eq!(mock.calls_async().await, 0);
}

async fn error_for(status: u16, body: serde_json::Value) -> Error<types::GlowmarktError> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/auth");
            then.status(status)
                .header("content-type", "application/json")
                .json_body(body);
        })
        .await;
    client(&server, None)
        .username_login()
        .body_map(|b| b.username("u").password("p"))
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn documented_error_statuses_are_typed() {
    for (status, body) in [
        (
            400,
            json!({"error": "missing username", "missingElements": ["username"]}),
        ),
        (401, json!({"error": "access denied"})),
        (500, json!({"error": {"message": "boom"}})),
    ] {
        match error_for(status, body.clone()).await {
            Error::ErrorResponse(rv) => {
                assert_eq!(rv.status().as_u16(), status);
                assert_eq!(rv.error.as_ref(), body.get("error"));
                if status == 400 {
                    assert_eq!(rv.missing_elements, vec!["username".to_string()]);
                }
            }
            other => panic!("{status}: expected ErrorResponse, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn rejected_login_401_with_valid_false_is_typed() {
    match error_for(401, json!({"valid": false})).await {
        Error::ErrorResponse(rv) => {
            assert_eq!(rv.status().as_u16(), 401);
            assert_eq!(rv.valid, Some(false));
            assert_eq!(rv.error, None);
        }
        other => panic!("expected ErrorResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn login_200_with_valid_false_is_an_error_and_keeps_no_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/auth");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"valid": false}));
        })
        .await;
    let client = client(&server, None);
    let err = client.login("u", "p").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(err.attempts(), 1);
    assert!(err.to_string().contains("valid: false"), "{err}");
    let Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse")
    };
    assert_eq!(rv.valid, Some(false));
    assert!(matches!(
        client.new_token().send().await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn delete_token_400_valid_false_is_typed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path("/auth/deleteToken");
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"valid": false}));
        })
        .await;
    let err = client(&server, Some(JWT))
        .delete_token()
        .send()
        .await
        .unwrap_err();
    let Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(rv.status().as_u16(), 400);
    assert_eq!(rv.valid, Some(false));
}

#[test]
fn default_base_url_has_no_trailing_slash() {
    let client = Client::new_default().unwrap();
    client.set_application_id(APP_ID).unwrap();
    assert_eq!(client.base_url(), "https://api.glowmarkt.com/api/v0-1");
    let debug = format!("{client:?}");
    assert!(!debug.contains(APP_ID), "{debug}");
}

/// The token check (`GET /auth`) sends both credentials and decodes today's
/// answer.
#[tokio::test]
async fn token_check_sends_both_headers_and_decodes_validity() {
    let server = MockServer::start_async().await;
    let check = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/auth")
                .header("applicationId", APP_ID)
                .header("token", JWT);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"accountId": "acc-1", "applicationId": APP_ID,
                                  "valid": true, "exp": 1_795_363_200}));
        })
        .await;
    let out = client(&server, Some(JWT))
        .token_check()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out.valid, Some(true));
    assert_eq!(out.exp, Some(1_795_363_200));
    assert_eq!(out.account_id.as_deref(), Some("acc-1"));
    check.assert_async().await;
}

/// The OAuth flow: a code for user and password (`applicationId`, no
/// token), the code traded for tokens as a form (no credential header),
/// and the access token checked in the `token` header.
#[tokio::test]
async fn oauth_code_exchange_and_validation_send_exact_requests() {
    let server = MockServer::start_async().await;
    let code = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth/oauth")
                .header("applicationId", APP_ID)
                .header_missing("token")
                .json_body(json!({"username": "me@example.com", "password": "pw-GlowSecret"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(
                    json!({"valid": true, "code": "code-GlowSecret", "exp": 1_559_824_668,
                                  "accountId": "acc-1", "name": "Me"}),
                );
        })
        .await;
    let exchange = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth/oauth/access")
                .header("content-type", "application/x-www-form-urlencoded")
                .header_missing("token")
                .form_urlencoded_tuple("client_id", APP_ID)
                .form_urlencoded_tuple("client_secret", "client-GlowSecret")
                .form_urlencoded_tuple("grant_type", "authorization_code")
                .form_urlencoded_tuple("code", "code-GlowSecret")
                .form_urlencoded_tuple_missing("refresh_token");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(
                    json!({"token_type": "bearer", "access_token": "access-GlowSecret",
                                  "refresh_type": "refresh-GlowSecret", "expires_in": 604800}),
                );
        })
        .await;
    let validate = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/auth/oauth")
                .header("token", "access-GlowSecret");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"userId": "u-1", "status": "active", "active": true,
                                  "authenticationFramework": "oauth",
                                  "applications": [{"active": true, "accountId": "acc-1", "applicationId": APP_ID}]}));
        })
        .await;
    let client = client(&server, Some(JWT));
    let granted = client
        .generate_oauth_code()
        .body_map(|b| b.username("me@example.com").password("pw-GlowSecret"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(granted.valid, Some(true));
    let grant = granted.code.unwrap();
    assert!(!format!("{granted:?}", granted = grant).contains("GlowSecret"));
    let tokens = client
        .exchange_oauth_code()
        .body_map(|b| {
            b.client_id(Some(APP_ID.to_string()))
                .client_secret(Some("client-GlowSecret".into()))
                .grant_type(Some("authorization_code".to_string()))
                .code(Some(grant.clone()))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(!format!("{tokens:?}").contains("GlowSecret"));
    let access = tokens.access_token.unwrap();
    assert_eq!(access, "access-GlowSecret");
    assert_eq!(tokens.refresh_type.unwrap(), "refresh-GlowSecret");
    assert_eq!(tokens.expires_in, Some(604_800.0));
    client.set_token(access.expose()).unwrap();
    let who = client
        .validate_oauth_access_token()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(who.user_id.as_deref(), Some("u-1"));
    assert_eq!(who.applications.len(), 1);
    for m in [&code, &exchange, &validate] {
        m.assert_async().await;
    }
}

/// A login answer that echoes the application id (a credential the client
/// sends on every call) keeps it as a `Secret`: readable with `expose`, and
/// never in `Debug`, where the answer's other fields still show.
#[test]
fn an_echoed_application_id_never_shows_in_debug() {
    let answer: types::LoginResponse = serde_json::from_value(json!({
        "accountId": "acc-1", "applicationId": "app-id-Secret-77", "valid": true,
        "token": "tok-Secret-88"
    }))
    .unwrap();
    assert_eq!(
        answer.application_id.as_ref().map(|s| s.expose()),
        Some("app-id-Secret-77")
    );
    let shown = format!("{answer:?}");
    assert!(!shown.contains("app-id-Secret-77"), "{shown}");
    assert!(!shown.contains("tok-Secret-88"), "{shown}");
    assert!(shown.contains("acc-1"), "{shown}");
}
