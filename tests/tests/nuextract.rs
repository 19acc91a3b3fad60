//! NuExtract over real HTTP on 127.0.0.1: the text/plain sign-in URL, the
//! tagged token request, the JSON-string logout body, user tokens, and both
//! error shapes.
#![allow(deprecated)] // deprecated operations stay tested: deployments may still run them

use authapi::nuextract::{types, Client, Config, Error, Secret};
use httpmock::prelude::*;
use serde_json::json;

const ACCESS: &str = "eyJ.access.NuSecretAccess";
const REFRESH: &str = "eyJ.refresh.NuSecretRefresh";

fn client(server: &MockServer, token: Option<&str>) -> Client {
    let client = Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    if let Some(t) = token {
        client.set_token(t).unwrap();
    }
    client
}

fn user_token() -> serde_json::Value {
    json!({"id": "ut-1", "name": "ci", "token": "nu_user_NuSecretUser", "userId": "u-1",
           "createdAt": "2025-03-01T10:00:00Z", "expiresAt": "2026-03-01T10:00:00Z"})
}

#[tokio::test]
async fn login_url_returns_the_text_plain_body_as_a_string() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/auth")
                .query_param("redirectUri", "http://localhost:8080/cb?x=1")
                .header("accept", "application/json, text/plain")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "text/plain; charset=UTF-8")
                .body("https://users.numind.ai/realms/extract-platform/protocol/openid-connect/auth?client_id=x");
        })
        .await;
    let url = client(&server, Some(ACCESS))
        .login_url()
        .redirect_uri("http://localhost:8080/cb?x=1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        url,
        "https://users.numind.ai/realms/extract-platform/protocol/openid-connect/auth?client_id=x"
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn login_url_400_text_plain_reaches_the_caller_as_text() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/auth");
            then.status(400)
                .header("content-type", "text/plain")
                .body("Invalid value for: query parameter redirectUri");
        })
        .await;
    let err = client(&server, None)
        .login_url()
        .redirect_uri("")
        .send()
        .await
        .unwrap_err();
    let Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(rv.status().as_u16(), 400);
    assert_eq!(
        rv.into_inner(),
        types::NuExtractError::String("Invalid value for: query parameter redirectUri".into())
    );
}

#[tokio::test]
async fn exchange_code_sends_the_dotted_tag_and_decodes_tokens() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/auth/token")
                .header("content-type", "application/json")
                .header_missing("authorization")
                .json_body(json!({
                    "type": "ai.numind.extract.shared.TokenCodeRequest",
                    "code": "code-123",
                    "redirectUri": "http://localhost:8080/cb"
                }));
            then.status(200).header("content-type", "application/json").json_body(json!({
                "token": ACCESS, "expiresIn": 300, "refreshToken": REFRESH, "refreshExpiresIn": 1800
            }));
        })
        .await;
    let tokens = client(&server, None)
        .exchange_token()
        .body(types::TokenRequest::code(
            "code-123",
            "http://localhost:8080/cb",
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(tokens.token, ACCESS);
    assert_eq!(tokens.expires_in, 300);
    assert_eq!(tokens.refresh_token, Some(Secret::new(REFRESH)));
    assert_eq!(tokens.refresh_expires_in, Some(1800));
    mock.assert_async().await;
}

#[tokio::test]
async fn exchange_refresh_sends_its_tag() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/auth/token").json_body(json!({
                "type": "ai.numind.extract.shared.TokenRefreshRequest",
                "token": REFRESH
            }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": "fresh", "expiresIn": 300}));
        })
        .await;
    let tokens = client(&server, None)
        .exchange_token()
        .body(types::TokenRequest::refresh(REFRESH))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.token, "fresh");
    assert_eq!(tokens.refresh_token, None);
    mock.assert_async().await;
}

#[test]
fn token_request_variants_round_trip_with_their_tags() {
    for (req, tag) in [
        (
            types::TokenRequest::code("c", "http://x/cb"),
            "ai.numind.extract.shared.TokenCodeRequest",
        ),
        (
            types::TokenRequest::refresh("r"),
            "ai.numind.extract.shared.TokenRefreshRequest",
        ),
    ] {
        let wire = serde_json::to_value(&req).unwrap();
        assert_eq!(wire["type"], tag);
        let back: types::TokenRequest = serde_json::from_value(wire).unwrap();
        assert_eq!(back, req);
    }
    let unknown = json!({"type": "ai.numind.extract.shared.Other", "token": "x"});
    assert!(serde_json::from_value::<types::TokenRequest>(unknown).is_err());
}

#[tokio::test]
async fn current_user_sends_bearer_and_decodes_email() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/auth/me")
                .header("authorization", format!("Bearer {ACCESS}"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"email": "me@example.com"}));
        })
        .await;
    let me = client(&server, Some(ACCESS))
        .current_user()
        .send()
        .await
        .unwrap();
    assert_eq!(me.email, "me@example.com");
    mock.assert_async().await;
}

#[tokio::test]
async fn logout_body_is_a_json_string() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/auth/logout")
                .header("authorization", format!("Bearer {ACCESS}"))
                .header("content-type", "application/json")
                .body(format!("\"{REFRESH}\""));
            then.status(200)
                .header("content-type", "application/json")
                .body("{}");
        })
        .await;
    let out = client(&server, Some(ACCESS))
        .logout()
        .body(Secret::new(REFRESH))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(out.is_empty());
    mock.assert_async().await;
}

#[tokio::test]
async fn user_tokens_list_create_update_delete() {
    let server = MockServer::start_async().await;
    let auth = format!("Bearer {ACCESS}");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/auth/user-tokens")
                .header("authorization", &auth);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([user_token()]));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/auth/user-tokens")
                .header("authorization", &auth)
                .json_body(json!({"name": "ci"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(user_token());
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/auth/user-tokens/ut-1")
                .header("authorization", &auth)
                .json_body(json!({"name": "ci-renamed"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(user_token());
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/auth/user-tokens/ut-1")
                .header("authorization", &auth);
            then.status(200);
        })
        .await;
    let client = client(&server, Some(ACCESS));
    let all = client.list_user_tokens().send().await.unwrap().into_inner();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "ut-1");
    assert_eq!(all[0].created_at, "2025-03-01T10:00:00Z");
    let created = client
        .create_user_token()
        .body_map(|b| b.name("ci"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.token, "nu_user_NuSecretUser");
    assert_eq!(created.user_id, "u-1");
    let updated = client
        .update_user_token()
        .user_token_id("ut-1")
        .body_map(|b| b.name("ci-renamed"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.expires_at, "2026-03-01T10:00:00Z");
    let deleted = client
        .delete_user_token()
        .user_token_id("ut-1")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    for m in [list, create, update, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn json_errors_of_every_status_are_typed() {
    for status in [401u16, 403, 404, 500] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.any_request();
                then.status(status)
                    .header("content-type", "application/json")
                    .json_body(json!({"code": "E", "message": format!("status {status}")}));
            })
            .await;
        let err = client(&server, Some(ACCESS))
            .list_user_tokens()
            .send()
            .await
            .unwrap_err();
        let Error::ErrorResponse(rv) = err else {
            panic!("expected ErrorResponse, got {err:?}")
        };
        assert_eq!(rv.status().as_u16(), status);
        assert_eq!(
            rv.into_inner(),
            types::NuExtractError::ErrorBody(types::ErrorBody {
                code: "E".into(),
                message: format!("status {status}")
            })
        );
    }
}

#[tokio::test]
async fn text_plain_400_of_body_operations_is_readable() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(400)
                .header("content-type", "text/plain")
                .body("Invalid value for: body");
        })
        .await;
    let client = client(&server, Some(ACCESS));
    let errs = [
        client
            .exchange_token()
            .body(types::TokenRequest::refresh("r"))
            .send()
            .await
            .unwrap_err(),
        client
            .logout()
            .body(Secret::new("r"))
            .send()
            .await
            .map(|_| ())
            .unwrap_err(),
        client
            .create_user_token()
            .body_map(|b| b.name("x"))
            .send()
            .await
            .map(|_| ())
            .unwrap_err(),
        client
            .update_user_token()
            .user_token_id("u")
            .body_map(|b| b.name("x"))
            .send()
            .await
            .map(|_| ())
            .unwrap_err(),
    ];
    for err in errs {
        let Error::ErrorResponse(rv) = err else {
            panic!("expected ErrorResponse, got {err:?}")
        };
        assert_eq!(rv.status().as_u16(), 400);
        assert_eq!(
            rv.into_inner(),
            types::NuExtractError::String("Invalid value for: body".into())
        );
    }
}

#[test]
fn default_base_url_is_the_published_origin() {
    assert_eq!(
        Client::new_default().unwrap().base_url(),
        "https://nuextract.ai"
    );
}

fn api_key() -> serde_json::Value {
    json!({"id": "key-1", "name": "ci", "token": "nu_key_NuSecretKey", "userId": "u-1",
           "organization": "org-1",
           "createdAt": "2025-04-01T10:00:00Z", "expiresAt": "2026-04-01T10:00:00Z"})
}

/// Today's API keys (April 2025), create, list, update and delete, each
/// with the Bearer token; the key then works as the Bearer token itself.
#[tokio::test]
async fn api_keys_list_create_update_delete_round_trip() {
    let server = MockServer::start_async().await;
    let bearer = format!("Bearer {ACCESS}");
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/auth/api-keys")
                .header("authorization", &bearer)
                .header("content-type", "application/json")
                .json_body(json!({"name": "ci", "maybeOrga": "org-1"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(api_key());
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/auth/api-keys")
                .header("authorization", &bearer);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([api_key()]));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/api/auth/api-keys/key-1")
                .header("authorization", &bearer)
                .json_body(json!({"name": "renamed"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(api_key());
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/auth/api-keys/key-1")
                .header("authorization", &bearer);
            then.status(200);
        })
        .await;
    let me_with_key = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/auth/me")
                .header("authorization", "Bearer nu_key_NuSecretKey");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"email": "ci@example.com", "isAdmin": true,
                                  "organizations": [{"id": "org-1", "name": "Acme"}]}));
        })
        .await;
    let account = server
        .mock_async(|when, then| {
            when.path("/api/auth/account");
            then.status(200);
        })
        .await;
    let client = client(&server, Some(ACCESS));
    let key = client
        .create_api_key()
        .body_map(|b| b.name("ci").maybe_orga(Some("org-1".to_string())))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(key.id, "key-1");
    assert_eq!(key.token, "nu_key_NuSecretKey");
    assert_eq!(key.organization.as_deref(), Some("org-1"));
    assert!(!format!("{key:?}").contains("NuSecretKey"));
    let all = client.list_api_keys().send().await.unwrap().into_inner();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "ci");
    let renamed = client
        .update_api_key()
        .api_key_id("key-1")
        .body_map(|b| b.name("renamed"))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let gone = client
        .delete_api_key()
        .api_key_id("key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 200);
    // The key is what NuExtract tells users to send as the Bearer token.
    let with_key = self::client(&server, Some(key.token.expose()));
    let me = with_key.current_user().send().await.unwrap().into_inner();
    assert_eq!(me.is_admin, Some(true));
    assert_eq!(me.organizations[0].name, "Acme");
    for m in [&create, &list, &update, &delete, &me_with_key] {
        m.assert_async().await;
    }
    // Nothing above deleted the account.
    assert_eq!(account.calls_async().await, 0);
}

/// `DELETE /api/auth/account` is sent when called, and only then.
#[tokio::test]
async fn delete_account_is_sent_only_when_called() {
    let server = MockServer::start_async().await;
    let account = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/auth/account")
                .header("authorization", format!("Bearer {ACCESS}"));
            then.status(200);
        })
        .await;
    let client = client(&server, Some(ACCESS));
    let _pending = client.delete_account(); // built, never sent
    client.current_user().send().await.ok();
    assert_eq!(account.calls_async().await, 0);
    let done = client.delete_account().send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(account.calls_async().await, 1);
}

/// An older `/api/auth/me` answer (no `isAdmin`) still decodes.
#[tokio::test]
async fn current_user_decodes_the_old_and_todays_shape() {
    for (body, admin) in [
        (json!({"email": "a@example.com"}), None),
        (
            json!({"email": "a@example.com", "isAdmin": false}),
            Some(false),
        ),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(GET).path("/api/auth/me");
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(body.clone());
            })
            .await;
        let me = client(&server, Some(ACCESS))
            .current_user()
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(me.email, "a@example.com");
        assert_eq!(me.is_admin, admin);
    }
}
