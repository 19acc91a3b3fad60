//! Kleister over real HTTP on 127.0.0.1: login, refresh (token in
//! `X-API-Key`), verify (today: token in `X-API-Key`; the docs page: in the
//! path), the provider flow, typed timestamps and errors, in today's shapes
//! and the older ones.
#![allow(deprecated)] // `verify_auth` is tested on purpose

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authapi::kleister::{types, Client, Config, Error};
use base64::Engine as _;
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
    // The client holds a token (a stale one) and login still sends no
    // `X-API-Key`; refresh, whose mock requires it, sends the token login
    // kept (the positive control of that absence).
    let client = client(&server);
    client.set_token("stale-KleisterToken").unwrap();
    let token = client.login("admin", "pw-KleisterSecret").await.unwrap();
    assert_eq!(token.token, JWT);
    assert_eq!(
        token.expires_at.unwrap().to_rfc3339(),
        "2026-11-22T17:00:00+00:00"
    );
    let refreshed = client.refresh().await.unwrap();
    assert_eq!(refreshed.token, "second.jwt.x");
    assert_eq!(refreshed.expires_at.unwrap().timestamp(), 1_795_374_000);
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

/// The docs page's verify carries the token in its path and sends no
/// `X-API-Key`, though the client holds one; today's verify, on the same
/// client, does send it (the positive control).
///
/// Catches: the stored token sent with an operation whose spec names no
/// credential.
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
    let today = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/verify")
                .header("x-api-key", "stored-KleisterToken");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"username": "stored"}));
        })
        .await;
    let client = client(&server);
    client.set_token("stored-KleisterToken").unwrap();
    let who = client
        .verify_auth()
        .token(JWT)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(who.username, "admin");
    assert_eq!(who.created_at.unwrap().timestamp(), 1_795_363_200);
    mock.assert_async().await;
    let who = client.verify().send().await.unwrap().into_inner();
    assert_eq!(who.username, "stored");
    today.assert_async().await;
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
                            status: Some(status.into()),
                            message: Some("denied".into()),
                            errors: vec![],
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
        "https://try.kleister.eu/api/v1"
    );
}

/// A JWT whose payload is `payload` (unsigned: the client never verifies).
fn jwt(payload: &serde_json::Value) -> String {
    let b = |s: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b(br#"{"alg":"HS256","typ":"JWT"}"#),
        b(payload.to_string().as_bytes()),
        b(b"KleisterSig")
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Today's login and refresh answer `{"token": <JWT>}` only: the session's
/// expiry is the JWT's `exp`, and the automatic refresh fires within its
/// margin of it, not before.
#[tokio::test]
async fn todays_token_only_answer_takes_its_expiry_from_the_jwt() {
    for (lifetime, due) in [(60u64, true), (3_600, false)] {
        let server = MockServer::start_async().await;
        let first = jwt(&json!({"sub": "admin", "exp": unix_now() + lifetime}));
        let second = jwt(&json!({"sub": "admin", "exp": unix_now() + 7_200}));
        let login = server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/auth/login");
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"token": first}));
            })
            .await;
        let refresh = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/v1/auth/refresh")
                    .header("x-api-key", &first);
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"token": second}));
            })
            .await;
        let client = client(&server);
        let token = client.login("admin", "pw").await.unwrap();
        assert_eq!(token.expires_at, None);
        assert_eq!(token.token, first.as_str());
        client.enable_auto_refresh(Duration::from_secs(300));
        client.ensure_fresh().await.unwrap();
        login.assert_async().await;
        assert_eq!(
            refresh.calls_async().await,
            usize::from(due),
            "lifetime {lifetime}s, margin 300s"
        );
        // The second token (two hours) is not due: no second refresh.
        client.ensure_fresh().await.unwrap();
        assert_eq!(refresh.calls_async().await, usize::from(due));
    }
}

/// A token that is not a JWT, or whose `exp` is missing or absurd, means
/// "expiry unknown": the login succeeds, nothing panics, and nothing is
/// refreshed on a clock (a 401 still would).
#[tokio::test]
async fn a_token_without_a_usable_exp_means_expiry_unknown() {
    for token in [
        "opaque-token".to_string(),
        "a.b.c".into(),
        "a.!!!.c".into(),
        jwt(&json!({"sub": "admin"})),
        jwt(&json!({"exp": "tomorrow"})),
        jwt(&json!({"exp": -1})),
        jwt(&json!({"exp": 0})),
        jwt(&json!({"exp": 1e300})),
        jwt(&json!({"exp": u64::MAX})),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/auth/login");
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"token": token}));
            })
            .await;
        let refresh = server
            .mock_async(|when, then| {
                when.path("/api/v1/auth/refresh");
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"token": "x"}));
            })
            .await;
        let client = client(&server);
        client.login("admin", "pw").await.unwrap();
        client.enable_auto_refresh(Duration::from_secs(300));
        client.ensure_fresh().await.unwrap();
        assert_eq!(refresh.calls_async().await, 0, "{token}");
    }
}

#[tokio::test]
async fn verify_sends_the_stored_token_in_x_api_key() {
    let server = MockServer::start_async().await;
    let today = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/verify")
                .header("x-api-key", JWT)
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"username": "admin"}));
        })
        .await;
    let client = client(&server);
    // Without a token, nothing is sent.
    let err = client.verify().send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(today.calls_async().await, 0);
    client.set_token(JWT).unwrap();
    let who = client.verify().send().await.unwrap().into_inner();
    assert_eq!(who.username, "admin");
    assert_eq!(who.created_at, None);
    today.assert_async().await;
}

#[tokio::test]
async fn todays_notification_errors_decode_with_their_validation_list() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/auth/login");
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({
                    "status": 400, "message": "failed to parse",
                    "errors": [{"field": "username", "message": "is required"}]
                }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/auth/verify");
            then.status(401)
                .header("content-type", "application/json")
                .json_body(json!({}));
        })
        .await;
    let client = client(&server);
    let Error::ErrorResponse(rv) = client.login("", "pw").await.unwrap_err() else {
        panic!("expected ErrorResponse")
    };
    assert_eq!(rv.status(), 400);
    assert_eq!(rv.message.as_deref(), Some("failed to parse"));
    assert_eq!(rv.errors[0].field.as_deref(), Some("username"));
    client.set_token(JWT).unwrap();
    let Error::ErrorResponse(rv) = client.verify().send().await.unwrap_err() else {
        panic!("expected ErrorResponse")
    };
    assert_eq!(rv.status(), 401);
    assert_eq!(rv.into_inner(), types::GeneralError::default());
}

#[tokio::test]
async fn providers_are_listed_without_a_credential() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/providers")
                .header_missing("x-api-key")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"total": 1, "providers": [
                    {"name": "github", "driver": "oauth2", "display": "GitHub", "icon": "github"}
                ]}));
        })
        .await;
    let client = client(&server);
    client.set_token(JWT).unwrap(); // set, and still not sent
    let list = client.list_providers().send().await.unwrap().into_inner();
    assert_eq!(list.total, 1);
    assert_eq!(list.providers[0].name.as_deref(), Some("github"));
    mock.assert_async().await;
}

/// The provider flow answers redirects: the client follows none, and hands
/// the `Location` over as a redacting `SecretUrl`.
#[tokio::test]
async fn the_provider_flow_hands_over_each_redirect_without_following_it() {
    let server = MockServer::start_async().await;
    let request = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/github/request")
                .header_missing("x-api-key");
            then.status(308).header(
                "location",
                "https://github.com/login/oauth/authorize?client_id=c&state=s1",
            );
        })
        .await;
    let callback = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/github/callback")
                .query_param("state", "s1")
                .query_param("code", "oauth-code-KleisterSecret")
                .header_missing("x-api-key");
            then.status(308)
                .header("location", "/redirect?token=redirect-token-KleisterSecret");
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/auth/nope/request");
            then.status(404)
                .header("content-type", "text/html")
                .body("<html>not found</html>");
        })
        .await;
    let client = client(&server);
    client.set_token(JWT).unwrap();

    let Error::Redirect(r) = client
        .request_provider()
        .provider("github")
        .send()
        .await
        .err()
        .unwrap()
    else {
        panic!("expected a redirect")
    };
    assert_eq!(r.status(), 308);
    assert_eq!(r.target_origin(), Some("https://github.com"));
    assert_eq!(
        r.location().unwrap().expose(),
        "https://github.com/login/oauth/authorize?client_id=c&state=s1"
    );
    request.assert_async().await;

    let err = client
        .callback_provider()
        .provider("github")
        .state("s1")
        .code("oauth-code-KleisterSecret")
        .send()
        .await
        .err()
        .unwrap();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("KleisterSecret"), "{shown}");
    let Error::Redirect(r) = err else {
        panic!("expected a redirect")
    };
    let location = r.location().unwrap();
    assert!(!format!("{location:?}").contains("KleisterSecret"));
    assert_eq!(
        location.expose(),
        format!(
            "{}/redirect?token=redirect-token-KleisterSecret",
            server.base_url()
        )
    );
    callback.assert_async().await;

    let Error::ErrorResponse(rv) = client
        .request_provider()
        .provider("nope")
        .send()
        .await
        .err()
        .unwrap()
    else {
        panic!("expected ErrorResponse")
    };
    assert_eq!(rv.status(), 404);
    missing.assert_async().await;
}

#[tokio::test]
async fn redirect_auth_trades_the_redirect_token_and_profile_token_mints_one() {
    let server = MockServer::start_async().await;
    let redirect = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/redirect")
                .header("content-type", "application/json")
                .header_missing("x-api-key")
                .json_body(json!({"token": "redirect-token-KleisterSecret"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": JWT}));
        })
        .await;
    let profile = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/profile/token")
                .header("x-api-key", JWT);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": "forever-KleisterSecret"}));
        })
        .await;
    let client = client(&server);
    client.set_token("old").unwrap(); // set, and not sent by redirect_auth
    client.clear_token();
    let token = client
        .redirect_auth()
        .body_map(|b| b.token("redirect-token-KleisterSecret"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(token.token, JWT);
    redirect.assert_async().await;
    client.set_token(JWT).unwrap();
    let forever = client.token_profile().send().await.unwrap().into_inner();
    assert_eq!(forever.token, "forever-KleisterSecret");
    assert!(!format!("{forever:?}").contains("KleisterSecret"));
    assert_eq!(forever.expires_at, None);
    profile.assert_async().await;
}

/// A call that sends the token (`verify`) within the margin of the JWT's
/// `exp` first refreshes, then goes out with the new token; the old token
/// never reaches verify.
#[tokio::test]
async fn a_due_jwt_is_refreshed_before_the_call_that_sends_it() {
    let server = MockServer::start_async().await;
    let first = jwt(&json!({"exp": unix_now() + 30}));
    let second = jwt(&json!({"exp": unix_now() + 7_200}));
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/auth/login");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": first}));
        })
        .await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/refresh")
                .header("x-api-key", &first);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token": second}));
        })
        .await;
    let verify_old = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/verify")
                .header("x-api-key", &first);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"username": "old"}));
        })
        .await;
    let verify_new = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/verify")
                .header("x-api-key", &second);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"username": "new"}));
        })
        .await;
    let client = client(&server);
    client.login("admin", "pw").await.unwrap();
    client.enable_auto_refresh(Duration::from_secs(300));
    let who = client.verify().send().await.unwrap().into_inner();
    assert_eq!(who.username, "new");
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(verify_old.calls_async().await, 0);
    verify_new.assert_async().await;
}

/// `disable_auto_refresh` turns the session off again: a due token is no
/// longer refreshed behind the caller's back (with the session on, it is).
#[tokio::test]
async fn disable_auto_refresh_stops_the_refreshes() {
    for keep_on in [true, false] {
        let server = MockServer::start_async().await;
        let due = jwt(&json!({"exp": unix_now() + 30}));
        server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/auth/login");
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"token": due}));
            })
            .await;
        let refresh = server
            .mock_async(|when, then| {
                when.path("/api/v1/auth/refresh");
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"token": jwt(&json!({"exp": unix_now() + 7_200}))}));
            })
            .await;
        let client = client(&server);
        client.login("admin", "pw").await.unwrap();
        client.enable_auto_refresh(Duration::from_secs(300));
        if !keep_on {
            client.disable_auto_refresh();
        }
        client.ensure_fresh().await.unwrap();
        assert_eq!(refresh.calls_async().await, usize::from(keep_on));
    }
}
