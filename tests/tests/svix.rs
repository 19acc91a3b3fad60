//! Svix over real HTTP on 127.0.0.1: the exact request on the wire and the
//! typed value that comes back, for every operation and error status.
#![allow(deprecated)] // dashboard_access is deprecated upstream and still tested.

use authapi::svix::{self, types, Client, Config, Error};
use httpmock::prelude::*;
use serde_json::json;

const TOKEN: &str = "testsk_Secret0123456789.eu";
const APP: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";

fn client(server: &MockServer) -> Client {
    let client = Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    client.set_token(TOKEN).unwrap();
    client
}

fn portal_out() -> serde_json::Value {
    json!({"url": "https://app.svix.com/login#key=eyJ", "token": "appsk_portal"})
}

/// A POST without a caller's key gets `auto_<uuid v4>`, as the official
/// Svix SDKs send.
const AUTO_KEY: &str = "^auto_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$";

#[tokio::test]
async fn expire_all_sends_exact_request_and_decodes_204() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app/{APP}/expire-all/"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "key-1")
                .header_missing("api-version")
                .json_body(json!({"expiry": 60}));
            then.status(204);
        })
        .await;
    let resp = client(&server)
        .expire_all()
        .app_id(APP)
        .idempotency_key("key-1")
        .body(types::ApplicationTokenExpireIn { expiry: Some(60) })
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.into_inner(), ());
    mock.assert_async().await;
}

#[tokio::test]
async fn expire_all_without_a_caller_key_gets_an_automatic_one_and_no_null_expiry() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app/{APP}/expire-all/"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_matches("^idempotency-key$", AUTO_KEY)
                .json_body(json!({}));
            then.status(204);
        })
        .await;
    client(&server)
        .expire_all()
        .app_id(APP)
        .body(types::ApplicationTokenExpireIn::default())
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn app_portal_access_sends_feature_flags_and_decodes_url_and_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP}/"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("idempotency-key", "portal-1")
                .json_body(json!({"featureFlags": ["beta", "v2.flag"]}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(portal_out());
        })
        .await;
    let out = client(&server)
        .app_portal_access()
        .app_id(APP)
        .idempotency_key("portal-1")
        .body_map(|b| b.feature_flags(vec!["beta".to_string(), "v2.flag".to_string()]))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out.url.expose(), "https://app.svix.com/login#key=eyJ");
    assert_eq!(out.token, "appsk_portal");
    mock.assert_async().await;
}

#[tokio::test]
async fn app_portal_access_default_body_sends_empty_flag_list() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP}/"))
                .header_matches("^idempotency-key$", AUTO_KEY)
                .json_body(json!({"featureFlags": []}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(portal_out());
        })
        .await;
    client(&server)
        .app_portal_access()
        .app_id(APP)
        .body(types::AppPortalAccessIn::default())
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn dashboard_access_posts_without_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/dashboard-access/{APP}/"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("idempotency-key", "dash-1")
                .header_missing("content-type")
                .body("");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(portal_out());
        })
        .await;
    let out = client(&server)
        .dashboard_access()
        .app_id(APP)
        .idempotency_key("dash-1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.token, "appsk_portal");
    mock.assert_async().await;
}

#[tokio::test]
async fn logout_posts_without_body_and_decodes_204() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/logout/")
                .header("authorization", "Bearer appsk_portal")
                .header_matches("^idempotency-key$", AUTO_KEY)
                .body("");
            then.status(204);
        })
        .await;
    let client = Client::from_config(Config::new().base_url(server.base_url())).unwrap();
    client.set_token("appsk_portal").unwrap();
    let resp = client.logout().send().await.unwrap();
    assert_eq!(resp.status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn every_documented_error_status_reaches_the_caller_typed() {
    for status in [401u16, 403, 404, 409, 429] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.path("/api/v1/auth/logout/");
                then.status(status)
                    .header("content-type", "application/json")
                    .json_body(json!({"code": format!("code_{status}"), "detail": "nope"}));
            })
            .await;
        match client(&server).logout().send().await {
            Err(Error::ErrorResponse(rv)) => {
                assert_eq!(rv.status().as_u16(), status);
                match rv.into_inner() {
                    types::SvixError::ErrorOut(e) => {
                        assert_eq!(e.code, format!("code_{status}"));
                        assert_eq!(e.detail, "nope");
                    }
                    other => panic!("{status}: wrong error shape {other:?}"),
                }
            }
            other => panic!("{status}: expected ErrorResponse, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn validation_error_422_keeps_its_detail_array() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(format!("/api/v1/auth/app/{APP}/expire-all/"));
            then.status(422)
                .header("content-type", "application/json")
                .json_body(json!({"detail": [{
                    "loc": ["body", "expiry"],
                    "msg": "ensure this value is less than or equal to 259200",
                    "type": "value_error.number.not_le"
                }]}));
        })
        .await;
    let err = client(&server)
        .expire_all()
        .app_id(APP)
        .body(types::ApplicationTokenExpireIn {
            expiry: Some(999_999),
        })
        .send()
        .await
        .unwrap_err();
    let Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(rv.status().as_u16(), 422);
    let types::SvixError::ValidationError(v) = rv.into_inner() else {
        panic!("expected the validation shape")
    };
    assert_eq!(v.detail.len(), 1);
    assert_eq!(v.detail[0].loc, vec!["body", "expiry"]);
    assert_eq!(v.detail[0].type_, "value_error.number.not_le");
}

#[tokio::test]
async fn typed_mock_helpers_drive_the_client() {
    use svix::mock::MockServerExt;
    let server = MockServer::start_async().await;
    let out = types::AppPortalAccessOut {
        url: "https://app.svix.com/login#key=x".parse().unwrap(),
        token: "appsk_typed".into(),
    };
    let mock = server.app_portal_access(|when, then| {
        when.app_id(APP)
            .idempotency_key("typed-1")
            .body(&types::AppPortalAccessIn::default());
        then.ok(&out);
    });
    let got = client(&server)
        .app_portal_access()
        .app_id(APP)
        .idempotency_key("typed-1")
        .body(types::AppPortalAccessIn::default())
        .send()
        .await
        .unwrap();
    assert_eq!(got.token, "appsk_typed");
    mock.assert_async().await;
}

#[test]
fn region_suffix_picks_the_host() {
    // The five regions of the official SDKs, and the global host.
    for (token, host) in [
        ("sk_abc.us", "https://api.us.svix.com"),
        ("sk_abc.eu", "https://api.eu.svix.com"),
        ("sk_abc.in", "https://api.in.svix.com"),
        ("sk_abc.ca", "https://api.ca.svix.com"),
        ("sk_abc.au", "https://api.au.svix.com"),
        ("sk_abc", "https://api.svix.com"),
        ("sk_abc.xx", "https://api.svix.com"),
    ] {
        assert_eq!(svix::region_base_url(token), host, "{token}");
        let client =
            Client::from_config(Config::new().base_url(svix::region_base_url(token))).unwrap();
        assert_eq!(client.base_url(), host, "{token}");
    }
    assert_eq!(
        Client::new_default().unwrap().base_url(),
        "https://api.svix.com"
    );
}

#[test]
fn debug_of_client_hides_the_token() {
    let client = Client::new_default().unwrap();
    client.set_token(TOKEN).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("Secret0123456789"), "{debug}");
    assert!(debug.contains("HTTPBearer"), "{debug}");
}
