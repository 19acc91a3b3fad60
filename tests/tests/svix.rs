//! Svix over real HTTP on 127.0.0.1: the exact request on the wire and the
//! typed value that comes back, for every operation and error status.
#![allow(deprecated)] // dashboard_access is deprecated upstream and still tested.

mod common;

use authapi::reqwest::header::{HeaderMap, HeaderValue};
use authapi::svix::{self, types, Client, Config, Error, Retry};
use common::{header, header_count, Behaviour, RawServer};
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
                .path(format!("/api/v1/auth/app/{APP}/expire-all"))
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
        .body(types::ApplicationTokenExpireIn {
            expiry: Some(60),
            ..Default::default()
        })
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
                .path(format!("/api/v1/auth/app/{APP}/expire-all"))
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
                .path(format!("/api/v1/auth/app-portal-access/{APP}"))
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

/// Today's API requires at least one feature flag: an empty list is not
/// sent, as the official SDKs do (`{}` on the wire, not `{"featureFlags": []}`).
#[tokio::test]
async fn app_portal_access_default_body_sends_no_feature_flags() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP}"))
                .header_matches("^idempotency-key$", AUTO_KEY)
                .body("{}");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(portal_out());
        })
        .await;
    let client = client(&server);
    client
        .app_portal_access()
        .app_id(APP)
        .body(types::AppPortalAccessIn::default())
        .send()
        .await
        .unwrap();
    // An explicitly empty list is not sent either.
    client
        .app_portal_access()
        .app_id(APP)
        .body_map(|b| b.feature_flags(Vec::<String>::new()))
        .send()
        .await
        .unwrap();
    assert_eq!(mock.calls_async().await, 2);
}

/// Today's optional fields, each on the wire under its published name.
#[tokio::test]
async fn app_portal_access_sends_todays_fields() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP}"))
                .json_body(json!({
                    "application": {"name": "Acme", "uid": "acme-1"},
                    "capabilities": ["ViewBase", "ManageEndpointSecret"],
                    "expiry": 3600,
                    "sessionId": "user_1FB8",
                    "featureFlags": ["beta"],
                }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(portal_out());
        })
        .await;
    let body = types::AppPortalAccessIn {
        application: Some(types::ApplicationIn {
            name: "Acme".into(),
            uid: Some("acme-1".into()),
            throttle_rate: None,
            metadata: Default::default(),
        }),
        capabilities: Some(vec![
            types::AppPortalCapability::ViewBase,
            types::AppPortalCapability::ManageEndpointSecret,
        ]),
        expiry: Some(3600),
        session_id: Some("user_1FB8".into()),
        feature_flags: vec!["beta".into()],
        read_only: None,
    };
    client(&server)
        .app_portal_access()
        .app_id(APP)
        .body(body)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

/// Every auth operation documents a 400 `HttpErrorOut` today.
#[tokio::test]
async fn a_400_decodes_as_http_error_out() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"code": "bad_request", "detail": "featureFlags: too short"}));
        })
        .await;
    let err = client(&server)
        .app_portal_access()
        .app_id(APP)
        .body(types::AppPortalAccessIn::default())
        .send()
        .await
        .unwrap_err();
    let Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(rv.status(), 400);
    assert_eq!(
        rv.into_inner(),
        types::SvixError::ErrorOut(types::HttpErrorOut {
            code: "bad_request".into(),
            detail: "featureFlags: too short".into(),
        })
    );
}

const STREAM: &str = "strm_31Dc0DD72P5AddYUguyBd";
const SINK: &str = "sink_31Dc11sPYY9aLDkwPuGMa";

#[tokio::test]
async fn stream_portal_access_sends_exact_request_and_decodes_url_and_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/stream-portal-access/{STREAM}"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .header_matches("^idempotency-key$", AUTO_KEY)
                .json_body(json!({"expiry": 7200, "sessionId": "s1"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(portal_out());
        })
        .await;
    let out = client(&server)
        .stream_portal_access()
        .stream_id(STREAM)
        .body_map(|b| b.expiry(Some(7200)).session_id(Some("s1".to_string())))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out.url.expose(), "https://app.svix.com/login#key=eyJ");
    assert_eq!(out.token, "appsk_portal");
    assert!(!format!("{out:?}").contains("appsk_portal"));
    mock.assert_async().await;
}

#[tokio::test]
async fn stream_logout_and_expire_all_send_exact_requests() {
    let server = MockServer::start_async().await;
    let logout = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/stream-logout")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("idempotency-key", "bye-1");
            then.status(204);
        })
        .await;
    let expire = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/stream/{STREAM}/expire-all"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_matches("^idempotency-key$", AUTO_KEY)
                .json_body(json!({"expiry": 60, "sessionIds": ["s1", "s2"]}));
            then.status(204);
        })
        .await;
    let client = client(&server);
    let out = client
        .stream_logout()
        .idempotency_key("bye-1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let out = client
        .stream_expire_all()
        .stream_id(STREAM)
        .body(types::StreamTokenExpireIn {
            expiry: Some(60),
            session_ids: vec!["s1".into(), "s2".into()],
        })
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    logout.assert_async().await;
    expire.assert_async().await;
}

fn api_token_out() -> serde_json::Value {
    json!({
        "token": "poller-SvixSecret", "id": "key_1", "name": null,
        "createdAt": "2026-11-22T16:00:00Z", "expiresAt": null, "scopes": null
    })
}

#[tokio::test]
async fn the_stream_poller_token_is_read_and_rotated() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!(
                    "/api/v1/auth/stream/{STREAM}/sink/{SINK}/poller/token"
                ))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_missing("idempotency-key");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(api_token_out());
        })
        .await;
    let rotate = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!(
                    "/api/v1/auth/stream/{STREAM}/sink/{SINK}/poller/token/rotate"
                ))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_matches("^idempotency-key$", AUTO_KEY)
                .json_body(json!({"expiry": 86400, "oldTokenExpiry": 0}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(api_token_out());
        })
        .await;
    let client = client(&server);
    let current = client
        .get_stream_poller_token()
        .stream_id(STREAM)
        .sink_id(SINK)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(current.token, "poller-SvixSecret");
    assert_eq!(current.id, "key_1");
    assert_eq!(current.created_at.timestamp(), 1_795_363_200);
    assert_eq!(current.expires_at, None);
    assert!(!format!("{current:?}").contains("poller-SvixSecret"));
    let rotated = client
        .rotate_stream_poller_token()
        .stream_id(STREAM)
        .sink_id(SINK)
        .body(types::RotatePollerTokenIn {
            expiry: Some(86_400),
            old_token_expiry: Some(0),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), 201);
    assert_eq!(rotated.into_inner().token, "poller-SvixSecret");
    get.assert_async().await;
    rotate.assert_async().await;
}

#[tokio::test]
async fn dashboard_access_posts_without_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/dashboard-access/{APP}"))
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
                .path("/api/v1/auth/logout")
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
                when.path("/api/v1/auth/logout");
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
            when.path(format!("/api/v1/auth/app/{APP}/expire-all"));
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
            ..Default::default()
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

/// The idempotency key and the token go out once per attempt, whatever the
/// caller's HTTP client adds by default: the caller's key replaces a
/// default `Idempotency-Key`, the automatic key does too when the caller
/// gives none, and the token replaces a default `Authorization`; a retry
/// sends the same single key again. A default header nothing replaces
/// still goes out (the positive control: defaults reach the wire).
///
/// Catches: a key or credential appended beside a default one (two keys on
/// one request: the server may dedupe on either), a key that changes or
/// accumulates across attempts.
#[tokio::test]
async fn the_key_and_the_token_replace_default_headers_not_append() {
    for callers_key in [Some("mine-1"), None] {
        let server = RawServer::start(Behaviour::Script(vec![
            Behaviour::Respond(503, "application/json", b"{}".to_vec()),
            Behaviour::Respond(204, "application/json", Vec::new()),
        ]))
        .await;
        let mut defaults = HeaderMap::new();
        defaults.insert("idempotency-key", HeaderValue::from_static("default-key"));
        defaults.insert("authorization", HeaderValue::from_static("Bearer default"));
        defaults.insert("x-team", HeaderValue::from_static("payments"));
        let config = Config::new()
            .base_url(&server.base_url)
            .retry(Retry::new().base_delay(std::time::Duration::from_millis(5)))
            .http(move |b| b.default_headers(defaults.clone()));
        let client = Client::from_config(config).unwrap();
        client.set_token(TOKEN).unwrap();
        let call = client.logout();
        let call = match callers_key {
            Some(k) => call.idempotency_key(k),
            None => call,
        };
        call.send().await.unwrap();
        let requests = server.requests.lock().unwrap().clone();
        assert_eq!(requests.len(), 2, "the 503 was not retried");
        let keys: Vec<&str> = requests
            .iter()
            .map(|r| header(r, "idempotency-key").unwrap())
            .collect();
        for r in &requests {
            assert_eq!(header_count(r, "idempotency-key"), 1, "{r}");
            assert_eq!(header_count(r, "authorization"), 1, "{r}");
            assert_eq!(
                header(r, "authorization"),
                Some(&*format!("Bearer {TOKEN}"))
            );
            assert_eq!(header(r, "x-team"), Some("payments"), "{r}");
        }
        assert_eq!(keys[0], keys[1], "{keys:?}");
        match callers_key {
            Some(k) => assert_eq!(keys[0], k),
            None => assert!(keys[0].starts_with("auto_"), "{keys:?}"),
        }
    }
}
