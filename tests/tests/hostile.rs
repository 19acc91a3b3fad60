//! A hostile server's huge secrets: a 1 MB token or refresh token from a
//! login, a manual refresh or an automatic refresh, for every service, is
//! refused with a typed error, never kept and never sent. A caller's own
//! oversized secret (a token, an application id, a refresh token) is
//! refused before anything is stored.
//!
//! Each case has its positive control: the same flow with a normal-sized
//! token keeps it and sends it.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authapi::nuextract::types::TokenRequest;
use authapi::nuextract::ClientInfo;
use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix};
use authapi::{Config, ConfigError, Error, Retry, SessionErrorKind, MAX_SECRET_BYTES};
use common::{header, Behaviour, RawServer};

const HUGE: usize = 1_000_000;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Which answer is huge.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Huge {
    Nothing,
    LoginToken,
    LoginRefreshToken,
    RefreshToken,
    RefreshRefreshToken,
}

/// A fake of every service's login, refresh and one protected call. Login
/// tokens are due (5 s left), refreshed ones good for an hour.
async fn fake(huge: Huge) -> RawServer {
    let big = Arc::new("h".repeat(HUGE));
    let handler = move |req: &str| -> (u16, String, String) {
        let line = req.lines().next().unwrap_or_default();
        let pick = |which: Huge, normal: &str| {
            if huge == which {
                big.to_string()
            } else {
                normal.to_string()
            }
        };
        let login = pick(Huge::LoginToken, "login-token");
        let refreshed = pick(Huge::RefreshToken, "fresh-token");
        let body = if line.starts_with("POST /auth ") {
            format!(r#"{{"valid":true,"token":"{login}","exp":{}}}"#, now() + 5)
        } else if line.starts_with("GET /auth/newToken ") {
            format!(
                r#"{{"valid":true,"token":"{refreshed}","exp":{}}}"#,
                now() + 3600
            )
        } else if line.starts_with("POST /auth/login ") || line.starts_with("GET /auth/refresh ") {
            let t = if line.starts_with("POST") {
                &login
            } else {
                &refreshed
            };
            let secs = if line.starts_with("POST") {
                now() + 5
            } else {
                now() + 3600
            };
            format!(r#"{{"token":"{t}","expires_at":"{}"}}"#, rfc3339(secs))
        } else if line.starts_with("POST /api/auth/token ") {
            if req.contains("TokenCodeRequest") {
                let r = pick(Huge::LoginRefreshToken, "refresh-1");
                format!(r#"{{"token":"{login}","expiresIn":5,"refreshToken":"{r}"}}"#)
            } else {
                let r = pick(Huge::RefreshRefreshToken, "refresh-2");
                format!(r#"{{"token":"{refreshed}","expiresIn":3600,"refreshToken":"{r}"}}"#)
            }
        } else if line.starts_with("POST /v4/auth-tokens/ ") {
            format!(r#"{{"auth_token":"{login}"}}"#)
        } else {
            // Every protected call: accepted, whatever the token.
            return (
                200,
                String::new(),
                r#"{"valid":true,"email":"me@example.com","username":"me"}"#.into(),
            );
        };
        (200, String::new(), body)
    };
    RawServer::start(Behaviour::Handler(Arc::new(handler))).await
}

/// RFC 3339 for a Unix time (Kleister's `expires_at`).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn config(server: &RawServer) -> Config {
    Config::new()
        .base_url(&server.base_url)
        .retry(Retry::disabled())
}

/// The error is the typed "secret too long" one, and quotes no part of it.
fn too_long<E: std::fmt::Debug>(what: &str, result: Result<impl std::fmt::Debug, Error<E>>) {
    match result {
        Err(Error::Session(e)) => {
            assert_eq!(e.kind(), SessionErrorKind::SecretTooLong, "{what}: {e}");
            assert!(!e.to_string().contains("hhhh"), "{what}: {e}");
        }
        other => panic!("{what}: expected a SecretTooLong session error, got {other:?}"),
    }
}

/// No request the server received carried anything near the huge secret.
fn nothing_big_sent(what: &str, server: &RawServer) {
    for r in server.requests.lock().unwrap().iter() {
        assert!(
            r.len() < 4 * MAX_SECRET_BYTES,
            "{what}: a {} byte request was sent",
            r.len()
        );
    }
}

/// The token each protected request carried, in order.
fn sent_tokens(server: &RawServer, name: &str) -> Vec<String> {
    server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| header(r, name).map(|v| v.trim_start_matches("Bearer ").to_string()))
        .collect()
}

#[tokio::test]
async fn huge_tokens_from_nuextract_are_refused_and_never_sent() {
    // Login: a huge token, then a huge refresh token.
    for huge in [Huge::LoginToken, Huge::LoginRefreshToken] {
        let server = fake(huge).await;
        let c = nuextract::Client::from_config(config(&server)).unwrap();
        too_long(
            &format!("login {huge:?}"),
            c.login(TokenRequest::code("c", "https://a/cb")).await,
        );
        assert!(
            c.inner().refresh_token().is_none(),
            "{huge:?}: a refresh token was kept"
        );
        let e = c.current_user().send().await.unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{huge:?}: {e}");
        nothing_big_sent(&format!("login {huge:?}"), &server);
    }
    // Manual refresh: the login's token stays in use, and its refresh token.
    for huge in [Huge::RefreshToken, Huge::RefreshRefreshToken] {
        let server = fake(huge).await;
        let c = nuextract::Client::from_config(config(&server)).unwrap();
        c.login(TokenRequest::code("c", "https://a/cb"))
            .await
            .unwrap();
        too_long(&format!("refresh {huge:?}"), c.refresh().await);
        assert_eq!(c.inner().refresh_token().unwrap().expose(), "refresh-1");
        c.current_user().send().await.unwrap();
        assert_eq!(sent_tokens(&server, "authorization"), ["login-token"]);
        nothing_big_sent(&format!("refresh {huge:?}"), &server);
    }
    // Automatic refresh: the call fails with the typed error.
    let server = fake(Huge::RefreshToken).await;
    let c = nuextract::Client::from_config(config(&server)).unwrap();
    c.login(TokenRequest::code("c", "https://a/cb"))
        .await
        .unwrap();
    c.enable_auto_refresh(Duration::from_secs(60));
    too_long("auto refresh", c.current_user().send().await);
    nothing_big_sent("auto refresh", &server);
    // The control: normal sizes are kept and sent.
    let server = fake(Huge::Nothing).await;
    let c = nuextract::Client::from_config(config(&server)).unwrap();
    c.login(TokenRequest::code("c", "https://a/cb"))
        .await
        .unwrap();
    c.enable_auto_refresh(Duration::from_secs(60));
    c.current_user().send().await.unwrap();
    assert_eq!(sent_tokens(&server, "authorization"), ["fresh-token"]);
    assert_eq!(c.inner().refresh_token().unwrap().expose(), "refresh-2");
    // A caller's own: refused before anything is kept.
    let big = "h".repeat(HUGE);
    assert!(matches!(
        c.set_token(&big),
        Err(ConfigError::SecretTooLong { .. })
    ));
    assert!(matches!(
        c.set_refresh_token(big.as_str()),
        Err(ConfigError::SecretTooLong { .. })
    ));
    assert_eq!(c.inner().refresh_token().unwrap().expose(), "refresh-2");
    c.current_user().send().await.unwrap();
    assert_eq!(
        sent_tokens(&server, "authorization"),
        ["fresh-token", "fresh-token"]
    );
}

#[tokio::test]
async fn huge_tokens_from_glowmarkt_are_refused_and_never_sent() {
    let client = |server: &RawServer| {
        let c = glowmarkt::Client::from_config(config(server)).unwrap();
        c.set_application_id("app").unwrap();
        c
    };
    let server = fake(Huge::LoginToken).await;
    let c = client(&server);
    too_long("login", c.login("me", "pw").await);
    assert!(matches!(
        c.delete_token().send().await,
        Err(Error::InvalidRequest(_))
    ));
    nothing_big_sent("login", &server);

    let server = fake(Huge::RefreshToken).await;
    let c = client(&server);
    c.login("me", "pw").await.unwrap();
    too_long("refresh", c.refresh().await);
    c.delete_token().send().await.unwrap();
    assert_eq!(
        sent_tokens(&server, "token"),
        ["login-token", "login-token"]
    );
    c.enable_auto_refresh(Duration::from_secs(60));
    too_long("auto refresh", c.delete_token().send().await);
    nothing_big_sent("refresh", &server);

    let server = fake(Huge::Nothing).await;
    let c = client(&server);
    c.login("me", "pw").await.unwrap();
    c.enable_auto_refresh(Duration::from_secs(60));
    c.delete_token().send().await.unwrap();
    assert_eq!(sent_tokens(&server, "token").last().unwrap(), "fresh-token");
    let big = "h".repeat(HUGE);
    assert!(matches!(
        c.set_token(&big),
        Err(ConfigError::SecretTooLong { .. })
    ));
    assert!(matches!(
        c.set_application_id(&big),
        Err(ConfigError::SecretTooLong { .. })
    ));
    nothing_big_sent("control", &server);
}

#[tokio::test]
async fn huge_tokens_from_kleister_are_refused_and_never_sent() {
    let server = fake(Huge::LoginToken).await;
    let c = kleister::Client::from_config(config(&server)).unwrap();
    too_long("login", c.login("me", "pw").await);
    assert!(matches!(
        c.verify().send().await,
        Err(Error::InvalidRequest(_))
    ));
    nothing_big_sent("login", &server);

    let server = fake(Huge::RefreshToken).await;
    let c = kleister::Client::from_config(config(&server)).unwrap();
    c.login("me", "pw").await.unwrap();
    too_long("refresh", c.refresh().await);
    c.enable_auto_refresh(Duration::from_secs(60));
    too_long("auto refresh", c.verify().send().await);
    // Every request carried the login's token.
    assert!(sent_tokens(&server, "x-api-key")
        .iter()
        .all(|t| t == "login-token"));
    nothing_big_sent("refresh", &server);

    let server = fake(Huge::Nothing).await;
    let c = kleister::Client::from_config(config(&server)).unwrap();
    c.login("me", "pw").await.unwrap();
    c.enable_auto_refresh(Duration::from_secs(60));
    c.verify().send().await.unwrap();
    assert_eq!(
        sent_tokens(&server, "x-api-key").last().unwrap(),
        "fresh-token"
    );
    let big = "h".repeat(HUGE);
    assert!(matches!(
        c.set_token(&big),
        Err(ConfigError::SecretTooLong { .. })
    ));
}

#[tokio::test]
async fn huge_tokens_for_giant_swarm_and_svix_are_refused_and_never_sent() {
    let server = fake(Huge::LoginToken).await;
    let c = giantswarm::Client::from_config(config(&server)).unwrap();
    too_long("login", c.login("me@example.com", "pw").await);
    assert!(matches!(
        c.delete_auth_token().send().await,
        Err(Error::InvalidRequest(_))
    ));
    nothing_big_sent("giant swarm login", &server);
    // The control: a normal token is kept and sent.
    let server = fake(Huge::Nothing).await;
    let c = giantswarm::Client::from_config(config(&server)).unwrap();
    c.login("me@example.com", "pw").await.unwrap();
    let _ = c.delete_auth_token().send().await;
    assert_eq!(
        sent_tokens(&server, "authorization"),
        ["giantswarm login-token"]
    );

    let big = "h".repeat(HUGE);
    assert!(matches!(
        c.set_token(&big),
        Err(ConfigError::SecretTooLong { .. })
    ));
    let s = svix::Client::from_config(config(&server)).unwrap();
    assert!(matches!(
        s.set_token(&big),
        Err(ConfigError::SecretTooLong { .. })
    ));
    // Exactly at the limit is fine; one byte over is not.
    let at_limit = "h".repeat(MAX_SECRET_BYTES);
    s.set_token(&at_limit).unwrap();
    let over = "h".repeat(MAX_SECRET_BYTES + 1);
    assert!(matches!(
        s.set_token(&over),
        Err(ConfigError::SecretTooLong { .. })
    ));
}

/// The limit is exact: a token or refresh token of exactly
/// `MAX_SECRET_BYTES` from an answer is kept and sent; one byte more is
/// refused (the 1 MB cases above are far past it).
#[tokio::test]
async fn the_limit_on_answered_secrets_is_exact() {
    for (len, kept) in [(MAX_SECRET_BYTES, true), (MAX_SECRET_BYTES + 1, false)] {
        let token = "t".repeat(len);
        let refresh = "r".repeat(len);
        for (t, r) in [(token.as_str(), "r-short"), ("t-short", refresh.as_str())] {
            let body = format!(r#"{{"token":"{t}","expiresIn":3600,"refreshToken":"{r}"}}"#);
            let server = RawServer::start(Behaviour::Handler(Arc::new(move |req: &str| {
                if req.starts_with("POST /api/auth/token ") {
                    (200, String::new(), body.clone())
                } else {
                    (200, String::new(), r#"{"email":"me@example.com"}"#.into())
                }
            })))
            .await;
            let c = nuextract::Client::from_config(config(&server)).unwrap();
            let result = c.login(TokenRequest::code("c", "https://a/cb")).await;
            if kept {
                result.unwrap();
                c.current_user().send().await.unwrap();
                assert_eq!(sent_tokens(&server, "authorization"), [t.to_string()]);
                assert_eq!(c.inner().refresh_token().unwrap().expose(), r);
            } else {
                too_long(&format!("{len} bytes"), result);
                assert!(c.inner().refresh_token().is_none());
            }
        }
    }
}
