//! Sessions that stay logged in (opt-in), over real TCP on 127.0.0.1:
//! refresh before expiry, one refresh for any number of concurrent calls,
//! a failed refresh that fails every waiting call at once, exactly one
//! refresh and one retry after a 401, a refresh a deadline cannot cut
//! short, and a token that changes only together with its expiry.
//!
//! Nothing here depends on how fast the machine is: where calls must
//! overlap a refresh, the fake service holds the refresh's answer until the
//! test has started them (`x-hold`, [`RawServer::release`]), and every
//! check is on counts and order.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authapi::glowmarkt::ClientInfo;
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
    /// What each refresh was sent with, in order: the refresh token
    /// (NuExtract), or the token being refreshed (Glowmarkt, Kleister).
    refresh_tokens: Mutex<Vec<String>>,
    /// The token each protected call was sent with, in order.
    protected_tokens: Mutex<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Service {
    Glowmarkt,
    Kleister,
    NuExtract,
}

const SESSIONS: [Service; 3] = [Service::Glowmarkt, Service::Kleister, Service::NuExtract];

/// How a fake service behaves.
#[derive(Clone, Copy)]
struct Fake {
    /// Login hands out `old`, expiring in this many seconds.
    old_ttl: u64,
    /// The refresh answers this status (with token `new` on 200).
    refresh_status: u16,
    /// The lifetime of `new`; `None`: the answer gives no expiry (Glowmarkt
    /// without `exp`, Kleister without `expires_at` and not a JWT).
    new_ttl: Option<u64>,
    /// The protected call accepts only these tokens.
    accepted: &'static [&'static str],
    /// Refresh answers wait for [`RawServer::release`].
    hold: bool,
}

impl Fake {
    /// Login's token is due (5 s left, inside the 60 s margin); the refresh
    /// succeeds with a token good for an hour, which the service accepts.
    const DUE: Fake = Fake {
        old_ttl: 5,
        refresh_status: 200,
        new_ttl: Some(3600),
        accepted: &["new"],
        hold: false,
    };
}

/// RFC 3339 for a Unix time, without a date library.
fn rfc3339(secs: u64) -> String {
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

/// A fake of `service` behaving as `fake` says.
async fn fake(service: Service, fake: Fake, counts: Arc<Counts>) -> RawServer {
    RawServer::start(Behaviour::Handler(Arc::new(move |req: &str| {
        let line = req.lines().next().unwrap_or_default().to_string();
        let held = if fake.hold {
            "x-hold: 1\r\n".to_string()
        } else {
            String::new()
        };
        let refreshed = |sent: &str| {
            counts.refresh.fetch_add(1, Ordering::SeqCst);
            counts.refresh_tokens.lock().unwrap().push(sent.to_string());
        };
        let protected = |sent: &str| {
            counts.protected.fetch_add(1, Ordering::SeqCst);
            counts
                .protected_tokens
                .lock()
                .unwrap()
                .push(sent.to_string());
            fake.accepted.contains(&sent)
        };
        match service {
            Service::Glowmarkt => {
                if line.starts_with("POST /auth ") {
                    counts.login.fetch_add(1, Ordering::SeqCst);
                    let exp = now() + fake.old_ttl;
                    let body = format!(r#"{{"valid":true,"token":"old","exp":{exp}}}"#);
                    (200, String::new(), body)
                } else if line.starts_with("GET /auth/newToken ") {
                    refreshed(header(req, "token").unwrap_or_default());
                    if fake.refresh_status != 200 {
                        return (fake.refresh_status, held, r#"{"valid":false}"#.into());
                    }
                    let body = match fake.new_ttl {
                        Some(ttl) => {
                            format!(r#"{{"valid":true,"token":"new","exp":{}}}"#, now() + ttl)
                        }
                        None => r#"{"valid":true,"token":"new"}"#.into(),
                    };
                    (200, held, body)
                } else if protected(header(req, "token").unwrap_or_default()) {
                    (200, String::new(), r#"{"valid":true}"#.into())
                } else {
                    (401, String::new(), r#"{"error":"token expired"}"#.into())
                }
            }
            Service::Kleister => {
                if line.starts_with("POST /auth/login ") {
                    counts.login.fetch_add(1, Ordering::SeqCst);
                    let at = rfc3339(now() + fake.old_ttl);
                    let body = format!(r#"{{"token":"old","expires_at":"{at}"}}"#);
                    (200, String::new(), body)
                } else if line.starts_with("GET /auth/refresh ") {
                    refreshed(header(req, "x-api-key").unwrap_or_default());
                    if fake.refresh_status != 200 {
                        let body = r#"{"status":401,"message":"expired"}"#;
                        return (fake.refresh_status, held, body.into());
                    }
                    let body = match fake.new_ttl {
                        Some(ttl) => {
                            let at = rfc3339(now() + ttl);
                            format!(r#"{{"token":"new","expires_at":"{at}"}}"#)
                        }
                        None => r#"{"token":"new"}"#.into(),
                    };
                    (200, held, body)
                } else if protected(header(req, "x-api-key").unwrap_or_default()) {
                    (200, String::new(), r#"{"username":"me"}"#.into())
                } else {
                    let body = r#"{"status":401,"message":"expired"}"#;
                    (401, String::new(), body.into())
                }
            }
            Service::NuExtract => {
                if line.starts_with("POST /api/auth/token ") {
                    // The first exchange is the login (a code); later ones
                    // trade the refresh token.
                    if req.contains("TokenCodeRequest") {
                        counts.login.fetch_add(1, Ordering::SeqCst);
                        let body = format!(
                            r#"{{"token":"old","expiresIn":{},"refreshToken":"r1"}}"#,
                            fake.old_ttl
                        );
                        return (200, String::new(), body);
                    }
                    let n = counts.refresh.load(Ordering::SeqCst) + 1;
                    let sent = req
                        .split(r#""token":""#)
                        .nth(1)
                        .and_then(|rest| rest.split('"').next())
                        .unwrap_or_default();
                    refreshed(sent);
                    if fake.refresh_status != 200 {
                        let body = r#"{"code":"unauthorized","message":"refresh token expired"}"#;
                        return (fake.refresh_status, held, body.into());
                    }
                    // Each refresh hands out the next refresh token. NuExtract
                    // always states a lifetime.
                    let body = format!(
                        r#"{{"token":"new","expiresIn":{},"refreshToken":"r{}"}}"#,
                        fake.new_ttl.unwrap_or(3600),
                        n + 1
                    );
                    (200, held, body)
                } else {
                    let token = header(req, "authorization").unwrap_or_default();
                    if protected(token.strip_prefix("Bearer ").unwrap_or_default()) {
                        (200, String::new(), r#"{"email":"me@example.com"}"#.into())
                    } else {
                        let body = r#"{"code":"unauthorized","message":"expired"}"#;
                        (401, String::new(), body.into())
                    }
                }
            }
        }
    })))
    .await
}

/// A logged-in client of one of the services.
#[derive(Clone)]
enum Client {
    Glowmarkt(glowmarkt::Client),
    Kleister(kleister::Client),
    NuExtract(nuextract::Client),
}

/// What a call returns: `Ok`, or the error's variant name with its text,
/// and its status.
type Outcome = Result<(), (String, Option<u16>)>;
type Call = Pin<Box<dyn Future<Output = Outcome> + Send>>;

fn outcome<T, E: std::fmt::Debug + 'static>(r: Result<T, authapi::Error<E>>) -> Outcome {
    r.map(drop).map_err(|e| {
        let kind = match &e {
            authapi::Error::Session(_) => "Session",
            authapi::Error::ErrorResponse(_) => "ErrorResponse",
            authapi::Error::Deadline(_) => "Deadline",
            _ => "other",
        };
        (format!("{kind}: {e}"), e.status().map(|s| s.as_u16()))
    })
}

/// A client of `service` at `base`, logged in, its session on (unless
/// `session` is false) with a 60 s margin.
async fn logged_in(service: Service, base: &str, session: bool) -> Client {
    logged_in_with(service, base, session, Retry::disabled()).await
}

async fn logged_in_with(service: Service, base: &str, session: bool, retry: Retry) -> Client {
    let config = Config::new()
        .base_url(base)
        .timeout(Duration::from_secs(10))
        .retry(retry);
    let margin = Duration::from_secs(60);
    match service {
        Service::Glowmarkt => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id("app").unwrap();
            c.login("me", "pw").await.unwrap();
            if session {
                c.enable_auto_refresh(margin);
            }
            Client::Glowmarkt(c)
        }
        Service::Kleister => {
            let c = kleister::Client::from_config(config).unwrap();
            c.login("me", "pw").await.unwrap();
            if session {
                c.enable_auto_refresh(margin);
            }
            Client::Kleister(c)
        }
        Service::NuExtract => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.login(nuextract::types::TokenRequest::code("c", "https://app/cb"))
                .await
                .unwrap();
            if session {
                c.enable_auto_refresh(margin);
            }
            Client::NuExtract(c)
        }
    }
}

impl Client {
    /// The protected call: one that sends the session's token.
    fn protected(&self) -> Call {
        match self.clone() {
            Client::Glowmarkt(c) => Box::pin(async move { outcome(c.delete_token().send().await) }),
            Client::Kleister(c) => Box::pin(async move { outcome(c.verify().send().await) }),
            Client::NuExtract(c) => Box::pin(async move { outcome(c.current_user().send().await) }),
        }
    }

    fn ensure_fresh(&self) -> Call {
        match self.clone() {
            Client::Glowmarkt(c) => Box::pin(async move { outcome(c.ensure_fresh().await) }),
            Client::Kleister(c) => Box::pin(async move { outcome(c.ensure_fresh().await) }),
            Client::NuExtract(c) => Box::pin(async move { outcome(c.ensure_fresh().await) }),
        }
    }

    /// A manual `refresh()`.
    fn refresh(&self) -> Call {
        match self.clone() {
            Client::Glowmarkt(c) => Box::pin(async move { outcome(c.refresh().await) }),
            Client::Kleister(c) => Box::pin(async move { outcome(c.refresh().await) }),
            Client::NuExtract(c) => Box::pin(async move { outcome(c.refresh().await) }),
        }
    }

    fn clear_token(&self) {
        match self {
            Client::Glowmarkt(c) => c.clear_token(),
            Client::Kleister(c) => c.clear_token(),
            Client::NuExtract(c) => c.clear_token(),
        }
    }

    fn set_token(&self, token: &str) {
        match self {
            Client::Glowmarkt(c) => c.set_token(token),
            Client::Kleister(c) => c.set_token(token),
            Client::NuExtract(c) => c.set_token(token),
        }
        .unwrap()
    }

    /// The session's expiry as the client holds it.
    fn expiry(&self) -> Option<SystemTime> {
        match self {
            Client::Glowmarkt(c) => c.inner().expiry(),
            Client::Kleister(c) => c.inner().expiry(),
            Client::NuExtract(c) => c.inner().expiry(),
        }
    }

    /// The refresh token kept beside it (NuExtract's).
    fn refresh_token(&self) -> Option<String> {
        match self {
            Client::Glowmarkt(c) => c.inner().refresh_token(),
            Client::Kleister(c) => c.inner().refresh_token(),
            Client::NuExtract(c) => c.inner().refresh_token(),
        }
        .map(|t| t.expose().to_string())
    }
}

async fn protected(c: &Client) -> Outcome {
    c.protected().await
}

/// Polls `call` once, in this task.
async fn poll_once(call: &mut Call) -> Poll<Outcome> {
    std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await
}

/// Starts every call (each polled once: it has read the token's expiry and
/// waits for the refresh, which the server holds), then runs `meanwhile`
/// (which releases the refresh), then drives each call to its end on its
/// own task. So all of them are waiting at once, however loaded the
/// machine.
async fn all_waiting(calls: Vec<Call>, meanwhile: impl Future<Output = ()>) -> Vec<Outcome> {
    let mut started = Vec::new();
    for mut call in calls {
        let first = poll_once(&mut call).await;
        assert!(first.is_pending(), "a call ended before the refresh did");
        started.push(call);
    }
    meanwhile.await;
    let tasks: Vec<_> = started.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Waits until the fake has seen `n` refreshes. A guard against hanging,
/// not a timing check: the refreshes it waits for are held by the server.
async fn refreshes_reach(counts: &Counts, n: usize) {
    let started = Instant::now();
    while counts.refresh.load(Ordering::SeqCst) < n {
        assert!(started.elapsed() < Duration::from_secs(30), "no refresh");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Releases plenty of held answers: a refresh too many shows as a count,
/// never as a hang.
fn release_all(server: &RawServer) {
    server.release(10_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_calls_on_an_expiring_token_cause_one_refresh() {
    for service in SESSIONS {
        let counts = Arc::new(Counts::default());
        let server = fake(
            service,
            Fake {
                hold: true,
                ..Fake::DUE
            },
            counts.clone(),
        )
        .await;
        let c = logged_in(service, &server.base_url, true).await;
        let calls = (0..1000).map(|_| c.protected()).collect();
        let results = all_waiting(calls, async { release_all(&server) }).await;
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

/// Every call that waited for a refresh that fails gets that refresh's
/// failure, with its status, and none starts another refresh or sends the
/// old token (counts, not time: all the calls were waiting at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_fails_every_waiting_call_promptly() {
    for service in SESSIONS {
        let counts = Arc::new(Counts::default());
        let failing = Fake {
            refresh_status: 401,
            hold: true,
            ..Fake::DUE
        };
        let server = fake(service, failing, counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let calls = (0..1000).map(|_| c.protected()).collect();
        let results = all_waiting(calls, async { release_all(&server) }).await;
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
    for service in SESSIONS {
        // The token is far from expiry, but the service rejects it; after
        // the refresh it is rejected again: two calls, one refresh, then the
        // 401 reaches the caller.
        let counts = Arc::new(Counts::default());
        let rejecting = Fake {
            old_ttl: 3600,
            accepted: &[],
            ..Fake::DUE
        };
        let server = fake(service, rejecting, counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let (kind, status) = protected(&c).await.unwrap_err();
        assert!(kind.starts_with("ErrorResponse"), "{service:?}: {kind}");
        assert_eq!(status, Some(401));
        assert_eq!(counts.protected.load(Ordering::SeqCst), 2, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");

        // A 401 on the old token, accepted after the refresh: one retry.
        let counts = Arc::new(Counts::default());
        let fresh = Fake {
            old_ttl: 3600,
            ..Fake::DUE
        };
        let server = fake(service, fresh, counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        protected(&c).await.unwrap();
        assert_eq!(counts.protected.load(Ordering::SeqCst), 2, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        // The new token stays: the next call goes through at once.
        protected(&c).await.unwrap();
        assert_eq!(counts.protected.load(Ordering::SeqCst), 3, "{service:?}");
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        assert_eq!(
            *counts.protected_tokens.lock().unwrap(),
            ["old", "new", "new"],
            "{service:?}"
        );
    }
}

#[tokio::test]
async fn without_opt_in_nothing_refreshes() {
    for service in SESSIONS {
        let counts = Arc::new(Counts::default());
        let server = fake(service, Fake::DUE, counts.clone()).await;
        let c = logged_in(service, &server.base_url, false).await;
        let (kind, status) = protected(&c).await.unwrap_err();
        assert!(kind.starts_with("ErrorResponse"), "{service:?}: {kind}");
        assert_eq!(status, Some(401));
        assert_eq!(counts.protected.load(Ordering::SeqCst), 1);
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 0);
    }
}

/// A logout (`clear_token`) while an automatic refresh is in flight is not
/// undone when the refresh answers: its token, expiry and refresh token
/// are dropped, and the call that waited goes on with what the client
/// holds (nothing: refused unsent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_cleared_during_a_refresh_stays_cleared() {
    for service in SESSIONS {
        let counts = Arc::new(Counts::default());
        let server = fake(
            service,
            Fake {
                hold: true,
                ..Fake::DUE
            },
            counts.clone(),
        )
        .await;
        let c = logged_in(service, &server.base_url, true).await;
        let call = tokio::spawn(c.protected());
        // The server holds the refresh's answer: log out in the meantime.
        refreshes_reach(&counts, 1).await;
        c.clear_token();
        release_all(&server);
        let (kind, _) = call.await.unwrap().unwrap_err();
        assert!(kind.contains("credential"), "{service:?}: {kind}");
        let (kind, _) = protected(&c).await.unwrap_err();
        assert!(kind.contains("credential"), "{service:?}: {kind}");
        assert_eq!(
            c.expiry(),
            None,
            "{service:?}: the refresh's expiry was kept"
        );
        assert_eq!(c.refresh_token(), None, "{service:?}");
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
    let held = Fake {
        old_ttl: 3600,
        hold: true,
        ..Fake::DUE
    };
    let server = fake(Service::NuExtract, held, counts.clone()).await;
    let Client::NuExtract(n) = logged_in(Service::NuExtract, &server.base_url, false).await else {
        unreachable!()
    };
    let manual = tokio::spawn({
        let n = n.clone();
        async move { n.refresh().await.map(|t| t.token.expose().to_string()) }
    });
    refreshes_reach(&counts, 1).await;
    n.clear_token();
    release_all(&server);
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
/// the whole session). The two really overlap here: the manual refresh
/// starts while the server holds the automatic one's answer, and is
/// waiting when that answer is let go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_and_an_automatic_refresh_never_spend_a_refresh_token_twice() {
    let counts = Arc::new(Counts::default());
    let server = fake(
        Service::NuExtract,
        Fake {
            hold: true,
            ..Fake::DUE
        },
        counts.clone(),
    )
    .await;
    let c = logged_in(Service::NuExtract, &server.base_url, true).await;
    let auto = tokio::spawn(c.protected());
    // The automatic refresh has reached the server, which holds it.
    refreshes_reach(&counts, 1).await;
    let mut manual = c.refresh();
    assert!(poll_once(&mut manual).await.is_pending());
    // Overlap: the manual refresh has started while the automatic one is
    // still in flight.
    assert!(!auto.is_finished());
    assert_eq!(counts.refresh.load(Ordering::SeqCst), 1);
    release_all(&server);
    auto.await.unwrap().unwrap();
    manual.await.unwrap();
    let sent = counts.refresh_tokens.lock().unwrap().clone();
    let unique: HashSet<&String> = sent.iter().collect();
    assert_eq!(
        unique.len(),
        sent.len(),
        "a refresh token was spent twice: {sent:?}"
    );
    // The manual refresh waited for the automatic one and, finding it done,
    // sent nothing: one refresh at a time, and none twice in a row. It
    // returns what the automatic refresh kept.
    assert_eq!(sent, ["r1"]);
    assert_eq!(c.refresh_token().as_deref(), Some("r2"));
}

/// Kleister sends its token only to `refresh_auth` and `verify`, so its
/// session is often driven by `ensure_fresh`, for code that uses the token
/// elsewhere: one refresh for any number of callers waiting at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kleister_ensure_fresh_refreshes_once_for_many_callers() {
    let counts = Arc::new(Counts::default());
    let server = fake(
        Service::Kleister,
        Fake {
            hold: true,
            ..Fake::DUE
        },
        counts.clone(),
    )
    .await;
    // Off: nothing happens.
    let c = logged_in(Service::Kleister, &server.base_url, false).await;
    c.ensure_fresh().await.unwrap();
    assert_eq!(counts.refresh.load(Ordering::SeqCst), 0);
    let Client::Kleister(k) = &c else {
        unreachable!()
    };
    k.enable_auto_refresh(Duration::from_secs(60));
    let calls = (0..100).map(|_| c.ensure_fresh()).collect();
    for r in all_waiting(calls, async { release_all(&server) }).await {
        r.unwrap();
    }
    assert_eq!(counts.refresh.load(Ordering::SeqCst), 1);
    assert_eq!(*counts.refresh_tokens.lock().unwrap(), ["old"]);
}

/// The refresh runs in its own task: a call whose deadline passes while
/// the refresh is in flight fails with `Deadline`, but the refresh goes on,
/// and its token (and expiry, and refresh token) is kept. The server holds
/// the refresh's answer until the call has given up, so the refresh takes
/// longer than the deadline whatever the machine's speed; the 2 s deadline
/// itself only has to cover a login and one call on 127.0.0.1.
///
/// Catches: a refresh run inside the caller's future, which a deadline (or
/// a dropped future) cuts short after the service spent the old refresh
/// token and before the new one is stored: the next call refreshes again
/// with a spent token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_never_cuts_a_refresh_short() {
    async fn one(service: Service) {
        let counts = Arc::new(Counts::default());
        let server = fake(
            service,
            Fake {
                hold: true,
                ..Fake::DUE
            },
            counts.clone(),
        )
        .await;
        let retry = Retry::disabled().deadline(Duration::from_secs(2));
        let c = logged_in_with(service, &server.base_url, true, retry).await;
        let before = c.expiry().unwrap();
        let (kind, _) = protected(&c).await.unwrap_err();
        assert!(kind.starts_with("Deadline"), "{service:?}: {kind}");
        refreshes_reach(&counts, 1).await;
        release_all(&server);
        // The refresh finishes on its own (a guard, not a timing check).
        let started = Instant::now();
        while c.expiry() == Some(before) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{service:?}: the refresh was cut short, its token never kept"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        protected(&c).await.unwrap();
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        assert_eq!(
            *counts.protected_tokens.lock().unwrap(),
            ["new"],
            "{service:?}"
        );
        if service == Service::NuExtract {
            assert_eq!(*counts.refresh_tokens.lock().unwrap(), ["r1"]);
            assert_eq!(c.refresh_token().as_deref(), Some("r2"));
        }
    }
    tokio::join!(
        one(Service::Glowmarkt),
        one(Service::Kleister),
        one(Service::NuExtract)
    );
}

/// A refreshed token whose answer states no expiry has an unknown expiry,
/// whatever the last token's was: it is not "due" on the old token's clock,
/// so it is not refreshed again (a 401 still would).
///
/// Catches: keeping the last token's expiry when the new one's is unknown,
/// which refreshes the fresh token on every call.
#[tokio::test]
async fn a_kept_tokens_unknown_expiry_replaces_the_last_ones() {
    for service in [Service::Glowmarkt, Service::Kleister] {
        let counts = Arc::new(Counts::default());
        let unknown = Fake {
            new_ttl: None,
            ..Fake::DUE
        };
        let server = fake(service, unknown, counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        assert!(c.expiry().is_some(), "{service:?}: login's expiry not kept");
        c.ensure_fresh().await.unwrap();
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        assert_eq!(c.expiry(), None, "{service:?}");
        c.ensure_fresh().await.unwrap();
        protected(&c).await.unwrap();
        protected(&c).await.unwrap();
        assert_eq!(counts.refresh.load(Ordering::SeqCst), 1, "{service:?}");
        assert_eq!(
            *counts.protected_tokens.lock().unwrap(),
            ["new", "new"],
            "{service:?}"
        );
    }
}

/// A token and its expiry (and NuExtract's refresh token) change together:
/// a refresh that is kept moves all of them; one that is not kept (the
/// caller set a token while it ran) moves none, so the caller's token never
/// gets the dropped answer's expiry or refresh token; a logout forgets
/// all of them.
///
/// Catches: the expiry (or refresh token) stored outside the one change
/// that stores the token, where it lands even when the token is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_and_token_change_together() {
    for service in SESSIONS {
        // Kept: the refresh moves the expiry an hour ahead.
        let counts = Arc::new(Counts::default());
        let server = fake(service, Fake::DUE, counts.clone()).await;
        let c = logged_in(service, &server.base_url, true).await;
        let login_expiry = c.expiry().unwrap();
        let login_refresh_token = c.refresh_token();
        c.ensure_fresh().await.unwrap();
        let kept = c.expiry().unwrap();
        assert!(
            kept.duration_since(login_expiry).unwrap() > Duration::from_secs(3000),
            "{service:?}: the new token came with the old expiry"
        );
        protected(&c).await.unwrap();
        assert_eq!(*counts.protected_tokens.lock().unwrap(), ["new"]);

        // Not kept: a token set while the refresh ran wins, and the
        // refresh's expiry is dropped with its token. Its refresh token is
        // kept (NuExtract): the refresh spent the old one, which must never
        // be presented again.
        let counts = Arc::new(Counts::default());
        let server = fake(
            service,
            Fake {
                hold: true,
                ..Fake::DUE
            },
            counts.clone(),
        )
        .await;
        let c = logged_in(service, &server.base_url, true).await;
        let before = (c.expiry(), c.refresh_token());
        let refresh = tokio::spawn(c.ensure_fresh());
        refreshes_reach(&counts, 1).await;
        c.set_token("mine");
        release_all(&server);
        refresh.await.unwrap().unwrap();
        let rotated = match service {
            Service::NuExtract => Some("r2".to_string()),
            _ => before.1.clone(),
        };
        assert_eq!(
            (c.expiry(), c.refresh_token()),
            (before.0, rotated),
            "{service:?}: a dropped refresh changed the session"
        );

        // A logout forgets the token, its expiry and the refresh token.
        c.clear_token();
        assert_eq!((c.expiry(), c.refresh_token()), (None, None), "{service:?}");
        if service == Service::NuExtract {
            assert_eq!(login_refresh_token.as_deref(), Some("r1"));
        }
    }
}
