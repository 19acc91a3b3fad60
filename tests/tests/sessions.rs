//! Sessions that stay logged in (opt-in), over real TCP on 127.0.0.1:
//! refresh before expiry, one refresh for any number of concurrent calls,
//! a failed refresh that fails every waiting call at once, and exactly one
//! refresh and one retry after a 401.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authapi::{glowmarkt, kleister, nuextract, Config, Retry};
use common::{header, Behaviour, RawServer};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Request counters of a fake service.
#[derive(Default)]
struct Counts {
    login: AtomicUsize,
    refresh: AtomicUsize,
    protected: AtomicUsize,
    /// The refresh tokens NuExtract refreshes were sent with, in order.
    refresh_tokens: Mutex<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Service {
    Glowmarkt,
    NuExtract,
}

/// A fake of `service`: login hands out `old` expiring in `old_ttl`
/// seconds; refresh answers `refresh_status` (with token `new` on 200);
/// the protected call accepts only the tokens in `accepted`.
async fn fake(
    service: Service,
    old_ttl: u64,
    refresh_status: u16,
    accepted: &'static [&'static str],
    counts: Arc<Counts>,
) -> RawServer {
    RawServer::start(Behaviour::Handler(Arc::new(move |req: &str| {
        let line = req.lines().next().unwrap_or_default().to_string();
        let json = String::new();
        match service {
            Service::Glowmarkt => {
                if line.starts_with("POST /auth ") {
                    counts.login.fetch_add(1, Ordering::SeqCst);
                    let exp = now() + old_ttl;
                    (
                        200,
                        json,
                        format!(r#"{{"valid":true,"token":"old","exp":{exp}}}"#),
                    )
                } else if line.starts_with("GET /auth/newToken ") {
                    counts.refresh.fetch_add(1, Ordering::SeqCst);
                    if refresh_status != 200 {
                        return (
                            refresh_status,
                            "x-delay-ms: 100\r\n".into(),
                            r#"{"valid":false}"#.into(),
                        );
                    }
                    let exp = now() + 3600;
                    let body = format!(r#"{{"valid":true,"token":"new","exp":{exp}}}"#);
                    (200, "x-delay-ms: 100\r\n".into(), body)
                } else {
                    counts.protected.fetch_add(1, Ordering::SeqCst);
                    let token = header(req, "token").unwrap_or_default();
                    if accepted.contains(&token) {
                        (200, json, r#"{"valid":true}"#.into())
                    } else {
                        (401, json, r#"{"error":"token expired"}"#.into())
                    }
                }
            }
            Service::NuExtract => {
                if line.starts_with("POST /api/auth/token ") {
                    // The first exchange is the login (a code); later ones
                    // trade the refresh token.
                    if req.contains("TokenCodeRequest") {
                        counts.login.fetch_add(1, Ordering::SeqCst);
                        let body = format!(
                            r#"{{"token":"old","expiresIn":{old_ttl},"refreshToken":"r1"}}"#
                        );
                        return (200, json, body);
                    }
                    let n = counts.refresh.fetch_add(1, Ordering::SeqCst) + 1;
                    let sent = req
                        .split(r#""token":""#)
                        .nth(1)
                        .and_then(|rest| rest.split('"').next())
                        .unwrap_or_default();
                    counts.refresh_tokens.lock().unwrap().push(sent.to_string());
                    if refresh_status != 200 {
                        let body = r#"{"code":"unauthorized","message":"refresh token expired"}"#;
                        return (refresh_status, "x-delay-ms: 100\r\n".into(), body.into());
                    }
                    // Each refresh hands out the next refresh token.
                    let body = format!(
                        r#"{{"token":"new","expiresIn":3600,"refreshToken":"r{}"}}"#,
                        n + 1
                    );
                    (200, "x-delay-ms: 100\r\n".into(), body)
                } else {
                    counts.protected.fetch_add(1, Ordering::SeqCst);
                    let token = header(req, "authorization").unwrap_or_default();
                    let token = token.strip_prefix("Bearer ").unwrap_or_default();
                    if accepted.contains(&token) {
                        (200, json, r#"{"email":"me@example.com"}"#.into())
                    } else {
                        let body = r#"{"code":"unauthorized","message":"expired"}"#;
                        (401, json, body.into())
                    }
                }
            }
        }
    })))
    .await
}

/// A logged-in client of `service`, its session on (unless `session` is
/// false) with a 60 s margin.
#[derive(Clone)]
enum Client {
    Glowmarkt(glowmarkt::Client),
    NuExtract(nuextract::Client),
}

async fn logged_in(service: Service, base: &str, session: bool) -> Client {
    let config = Config::new()
        .base_url(base)
        .timeout(Duration::from_secs(10))
        .retry(Retry::disabled());
    match service {
        Service::Glowmarkt => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id("app").unwrap();
            c.login("me", "pw").await.unwrap();
            if session {
                c.enable_auto_refresh(Duration::from_secs(60));
            }
            Client::Glowmarkt(c)
        }
        Service::NuExtract => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.login(nuextract::types::TokenRequest::code("c", "https://app/cb"))
                .await
                .unwrap();
            if session {
                c.enable_auto_refresh(Duration::from_secs(60));
            }
            Client::NuExtract(c)
        }
    }
}

/// The protected call: `Ok`, or the error's variant name and status.
async fn protected(c: &Client) -> Result<(), (String, Option<u16>)> {
    fn out<T, E: std::fmt::Debug + 'static>(
        r: Result<T, authapi::Error<E>>,
    ) -> Result<(), (String, Option<u16>)> {
        r.map(drop).map_err(|e| {
            let kind = match &e {
                authapi::Error::Session(_) => "Session",
                authapi::Error::ErrorResponse(_) => "ErrorResponse",
                _ => "other",
            };
            (format!("{kind}: {e}"), e.status().map(|s| s.as_u16()))
        })
    }
    match c {
        Client::Glowmarkt(c) => out(c.delete_token().send().await),
        Client::NuExtract(c) => out(c.current_user().send().await),
    }
}

impl Client {
    fn clear_token(&self) {
        match self {
            Client::Glowmarkt(c) => c.clear_token(),
            Client::NuExtract(c) => c.clear_token(),
        }
    }
}

/// Waits (up to 2 s) until the fake has seen `n` refreshes.
async fn refreshes_reach(counts: &Counts, n: usize) {
    let started = Instant::now();
    while counts.refresh.load(Ordering::SeqCst) < n {
        assert!(started.elapsed() < Duration::from_secs(2), "no refresh");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn thousand(c: &Client) -> Vec<Result<(), (String, Option<u16>)>> {
    let gate = Arc::new(tokio::sync::Barrier::new(1000));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let c = c.clone();
            let gate = gate.clone();
            tokio::spawn(async move {
                gate.wait().await;
                protected(&c).await
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_calls_on_an_expiring_token_cause_one_refresh() {
    for service in [Service::Glowmarkt, Service::NuExtract] {
        let counts = Arc::new(Counts::default());
        // The token expires in 5 s, inside the 60 s margin.
        let server = fake(service, 5, 200, &["new"], counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let results = thousand(&c).await;
        let failed: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
        assert!(
            failed.is_empty(),
            "{service:?}: {} failed: {:?}",
            failed.len(),
            failed.first()
        );
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        assert_eq!(counts.protected.load(Ordering::SeqCst), 1000, "{service:?}");
        assert_eq!(counts.login.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_fails_every_waiting_call_promptly() {
    for service in [Service::Glowmarkt, Service::NuExtract] {
        let counts = Arc::new(Counts::default());
        let server = fake(service, 5, 401, &["new"], counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let started = Instant::now();
        let results = thousand(&c).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{service:?}: slow"
        );
        for r in &results {
            let (kind, status) = r.as_ref().unwrap_err();
            assert!(kind.starts_with("Session"), "{service:?}: {kind}");
            assert_eq!(*status, Some(401), "{service:?}: {kind}");
        }
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        assert_eq!(counts.protected.load(Ordering::SeqCst), 0, "{service:?}");
    }
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_once() {
    for service in [Service::Glowmarkt, Service::NuExtract] {
        // The token is far from expiry, but the service rejects it; after
        // the refresh it is rejected again: two calls, one refresh, then the
        // 401 reaches the caller.
        let counts = Arc::new(Counts::default());
        let server = fake(service, 3600, 200, &[], counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let (kind, status) = protected(&c).await.unwrap_err();
        assert!(kind.starts_with("ErrorResponse"), "{service:?}: {kind}");
        assert_eq!(status, Some(401));
        assert_eq!(counts.protected.load(Ordering::SeqCst), 2, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");

        // A 401 on the old token, accepted after the refresh: one retry.
        let counts = Arc::new(Counts::default());
        let server = fake(service, 3600, 200, &["new"], counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        protected(&c).await.unwrap();
        assert_eq!(counts.protected.load(Ordering::SeqCst), 2, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        // The new token stays: the next call goes through at once.
        protected(&c).await.unwrap();
        assert_eq!(counts.protected.load(Ordering::SeqCst), 3, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
    }
}

#[tokio::test]
async fn without_opt_in_nothing_refreshes() {
    for service in [Service::Glowmarkt, Service::NuExtract] {
        let counts = Arc::new(Counts::default());
        let server = fake(service, 5, 200, &["new"], counts.clone()).await;
        let c = logged_in(service, &server.base_url, false).await;
        let (kind, status) = protected(&c).await.unwrap_err();
        assert!(kind.starts_with("ErrorResponse"), "{kind}");
        assert_eq!(status, Some(401));
        assert_eq!(counts.protected.load(Ordering::SeqCst), 1);
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 0);
    }
}

/// A logout (`clear_token`) while an automatic refresh is in flight is not
/// undone when the refresh answers: its token is dropped, and the call that
/// waited goes on with what the client holds (nothing: refused unsent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_cleared_during_a_refresh_stays_cleared() {
    for service in [Service::Glowmarkt, Service::NuExtract] {
        let counts = Arc::new(Counts::default());
        let server = fake(service, 5, 200, &["new"], counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let call = tokio::spawn({
            let c = c.clone();
            async move { protected(&c).await }
        });
        // The refresh answers after 100 ms: log out in the meantime.
        refreshes_reach(&counts, 1).await;
        c.clear_token();
        let (kind, _) = call.await.unwrap().unwrap_err();
        assert!(kind.contains("credential"), "{service:?}: {kind}");
        let (kind, _) = protected(&c).await.unwrap_err();
        assert!(kind.contains("credential"), "{service:?}: {kind}");
        assert_eq!(counts.protected.load(Ordering::SeqCst), 0, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
    }
}

/// A logout during a manual `refresh()` is not undone by its answer either:
/// the caller gets the answer, the client keeps nothing, and no refresh
/// token is left to log back in with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_during_a_manual_refresh_stays_a_logout() {
    let counts = Arc::new(Counts::default());
    let server = fake(Service::NuExtract, 3600, 200, &["new"], counts.clone()).await;
    let Client::NuExtract(n) = logged_in(Service::NuExtract, &server.base_url, false).await else {
        unreachable!()
    };
    let manual = tokio::spawn({
        let n = n.clone();
        async move { n.refresh().await.map(|t| t.token.expose().to_string()) }
    });
    refreshes_reach(&counts, 1).await;
    n.clear_token();
    assert_eq!(manual.await.unwrap().unwrap(), "new");
    let e = n.current_user().send().await.unwrap_err();
    assert!(e.to_string().contains("credential"), "{e}");
    let e = n.refresh().await.unwrap_err();
    assert!(e.to_string().contains("no refresh token"), "{e}");
    assert_eq!(counts.protected.load(Ordering::SeqCst), 0);
    assert_eq!(counts.refresh.load(Ordering::SeqCst), 1);
}

/// A manual `refresh()` and the session's own never run at once: each
/// refresh token is spent once (a service that detects reuse would revoke
/// the whole session).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_and_an_automatic_refresh_never_spend_a_refresh_token_twice() {
    let counts = Arc::new(Counts::default());
    let server = fake(Service::NuExtract, 5, 200, &["new"], counts.clone()).await;
    let c = logged_in(Service::NuExtract, &server.base_url, true).await;
    let Client::NuExtract(n) = c.clone() else {
        unreachable!()
    };
    let auto = tokio::spawn({
        let c = c.clone();
        async move { protected(&c).await }
    });
    let manual = tokio::spawn(async move { n.refresh().await.map(drop) });
    auto.await.unwrap().unwrap();
    manual.await.unwrap().unwrap();
    let sent = counts.refresh_tokens.lock().unwrap().clone();
    let mut unique = sent.clone();
    unique.dedup();
    assert_eq!(sent, unique, "a refresh token was spent twice");
    assert_eq!(sent.first().map(String::as_str), Some("r1"));
}

/// Kleister sends its token only to `refresh_auth` itself, so its session
/// is driven by `ensure_fresh`, for code that uses the token elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kleister_ensure_fresh_refreshes_once_for_many_callers() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let seen = refreshes.clone();
    let server = RawServer::start(Behaviour::Handler(Arc::new(move |req: &str| {
        let soon = chrono_like(now() + 5);
        let later = chrono_like(now() + 3600);
        if req.starts_with("POST /auth/login ") {
            (
                200,
                String::new(),
                format!(r#"{{"token":"old","expires_at":"{soon}"}}"#),
            )
        } else {
            seen.fetch_add(1, Ordering::SeqCst);
            assert_eq!(header(req, "x-api-key"), Some("old"), "{req}");
            let body = format!(r#"{{"token":"new","expires_at":"{later}"}}"#);
            (200, "x-delay-ms: 100\r\n".into(), body)
        }
    })))
    .await;
    let c = kleister::Client::from_config(Config::new().base_url(&server.base_url)).unwrap();
    // Off: nothing happens.
    c.login("me", "pw").await.unwrap();
    c.ensure_fresh().await.unwrap();
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    c.enable_auto_refresh(Duration::from_secs(60));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.ensure_fresh().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

/// RFC 3339 for a Unix time, without a date library.
fn chrono_like(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
