//! Retries over real TCP on 127.0.0.1: what is retried, after how long, and
//! what never is. Every test is bounded (short delays, a few seconds at most).
//!
//! Timing is read from the server's own arrival times and checked as lower
//! bounds (a wait can only be made longer by a loaded machine, never
//! shorter); where an upper bound is the point, its margin is the
//! difference from the wrong outcome, and says so.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Config, Retry};
use common::{closed_port_url, Behaviour, RawServer, Service, ALL};

/// What a failed call reports.
#[derive(Debug)]
struct Failure {
    status: Option<u16>,
    attempts: u32,
    connect: bool,
    deadline: bool,
    timeout: bool,
}

fn failure<E: std::fmt::Debug + 'static>(e: svix::Error<E>) -> Failure {
    Failure {
        status: e.status().map(|s| s.as_u16()),
        attempts: e.attempts(),
        connect: e.is_connect(),
        deadline: matches!(e, svix::Error::Deadline(_)),
        timeout: e.is_timeout(),
    }
}

/// One call per service that is safe to repeat (GET, DELETE, or a Svix POST
/// with its automatic idempotency key), and the body of its success.
fn safe_ok(service: Service) -> Behaviour {
    let (status, body): (u16, &str) = match service {
        Service::Glowmarkt => (200, r#"{"valid":true}"#),
        Service::Kleister => (200, r#"{"token":"t2","expires_at":"2030-01-01T00:00:00Z"}"#),
        Service::Svix => (204, ""),
        Service::GiantSwarm => (200, r#"{"code":"RESOURCE_DELETED","message":"ok"}"#),
        Service::NuExtract => (200, r#"{"email":"me@example.com"}"#),
    };
    Behaviour::Respond(status, "application/json", body.as_bytes().to_vec())
}

async fn safe_call(service: Service, config: Config) -> Result<(), Failure> {
    match service {
        Service::Glowmarkt => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id("app").unwrap();
            c.set_token("t").unwrap();
            c.delete_token().send().await.map(drop).map_err(failure)
        }
        Service::Kleister => {
            let c = kleister::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.refresh_auth().send().await.map(drop).map_err(failure)
        }
        Service::Svix => {
            let c = svix::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.expire_all()
                .app_id("app_1")
                .body_map(|b| b)
                .send()
                .await
                .map(drop)
                .map_err(failure)
        }
        Service::GiantSwarm => {
            let c = giantswarm::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.delete_auth_token()
                .send()
                .await
                .map(drop)
                .map_err(failure)
        }
        Service::NuExtract => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.current_user().send().await.map(drop).map_err(failure)
        }
    }
}

/// The login or token POST of each service that has one: never repeated
/// once it may have reached the server.
async fn login_call(service: Service, config: Config) -> Result<(), Failure> {
    match service {
        Service::Glowmarkt => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id("app").unwrap();
            c.login("me", "pw").await.map(drop).map_err(failure)
        }
        Service::Kleister => {
            let c = kleister::Client::from_config(config).unwrap();
            c.login("me", "pw").await.map(drop).map_err(failure)
        }
        Service::GiantSwarm => {
            let c = giantswarm::Client::from_config(config).unwrap();
            c.login("me@example.com", "pw")
                .await
                .map(drop)
                .map_err(failure)
        }
        Service::NuExtract => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.login(nuextract::types::TokenRequest::code("c", "https://app/cb"))
                .await
                .map(drop)
                .map_err(failure)
        }
        Service::Svix => unreachable!("Svix has no login"),
    }
}

const LOGINS: [Service; 4] = [
    Service::Glowmarkt,
    Service::Kleister,
    Service::GiantSwarm,
    Service::NuExtract,
];

fn config(base: &str, retry: Retry) -> Config {
    Config::new()
        .base_url(base)
        .timeout(Duration::from_secs(5))
        .retry(retry)
}

fn status(code: u16) -> Behaviour {
    Behaviour::Respond(code, "application/json", b"{}".to_vec())
}

fn raw(head: &str) -> Behaviour {
    Behaviour::Raw(head.as_bytes().to_vec())
}

#[tokio::test]
async fn success_after_two_503s_with_growing_gaps() {
    let retry = Retry::new().base_delay(Duration::from_millis(100));
    for s in ALL {
        let server = RawServer::start(Behaviour::Script(vec![
            status(503),
            status(503),
            safe_ok(s),
        ]))
        .await;
        safe_call(s, config(&server.base_url, retry.clone()))
            .await
            .unwrap_or_else(|e| panic!("{s:?}: {e:?}"));
        assert_eq!(server.request_count(), 3, "{s:?}");
        let gaps = server.gaps();
        // Backoff 75-100 ms, then 150-200 ms (100 ms doubled, less up to a
        // quarter of jitter). Each gap is the wait plus the time to answer
        // and send again, so only lower bounds hold on a loaded machine; the
        // second gap's (150 ms) is above the most the first wait can be
        // (100 ms): the wait grew.
        assert!(gaps[0] >= Duration::from_millis(75), "{s:?}: {gaps:?}");
        assert!(gaps[1] >= Duration::from_millis(150), "{s:?}: {gaps:?}");
    }
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    for s in [Service::Svix, Service::NuExtract] {
        let server = RawServer::start(Behaviour::Script(vec![
            raw("HTTP/1.1 429 Too Many\r\nretry-after: 1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"),
            safe_ok(s),
        ]))
        .await;
        safe_call(s, config(&server.base_url, Retry::new()))
            .await
            .unwrap();
        assert_eq!(server.request_count(), 2);
        assert!(
            server.gaps()[0] >= Duration::from_secs(1),
            "{:?}",
            server.gaps()
        );
    }
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // HTTP-dates have whole seconds: a date on a whole second, 2 to 3 s
    // ahead, names an exact instant, which the retry may not precede.
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 3;
    let at = UNIX_EPOCH + Duration::from_secs(secs);
    let date = httpdate::fmt_http_date(at);
    // The same instant on the clock the server stamps arrivals with.
    let at_instant = Instant::now() + at.duration_since(SystemTime::now()).unwrap();
    let server = RawServer::start(Behaviour::Script(vec![
        raw(&format!(
            "HTTP/1.1 503 Busy\r\nretry-after: {date}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
        )),
        safe_ok(Service::NuExtract),
    ]))
    .await;
    safe_call(Service::NuExtract, config(&server.base_url, Retry::new()))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 2);
    let second = server.times.lock().unwrap()[1];
    // A few ms for the two clocks read one after the other; a retry sent
    // on the default backoff instead would be about 2.5 s early.
    assert!(
        second + Duration::from_millis(5) >= at_instant,
        "retried {:?} before the date",
        at_instant - second
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_or_deadline_fails_at_once() {
    for s in ALL {
        let server = RawServer::start(raw(
            "HTTP/1.1 429 Too Many\r\nretry-after: 30\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        ))
        .await;
        // The alternative is waiting the 30 s: 10 s tells the two apart
        // with room for a loaded machine.
        let f = tokio::time::timeout(
            Duration::from_secs(10),
            safe_call(s, config(&server.base_url, Retry::new())),
        )
        .await
        .unwrap_or_else(|_| panic!("{s:?} waited for the Retry-After beyond the cap"))
        .unwrap_err();
        assert_eq!(f.status, Some(429), "{s:?}");
        assert_eq!(f.attempts, 1, "{s:?}");
        assert_eq!(server.request_count(), 1);
    }
    // Within the cap but past the deadline: no wait either. Had the client
    // waited the 2 s, the 1 s deadline would have ended the call with
    // `Deadline`; it ends with the server's 503 instead.
    let server = RawServer::start(raw(
        "HTTP/1.1 503 Busy\r\nretry-after: 2\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    ))
    .await;
    let retry = Retry::new().deadline(Duration::from_secs(1));
    let f = safe_call(Service::NuExtract, config(&server.base_url, retry))
        .await
        .unwrap_err();
    assert!(!f.deadline, "{f:?}");
    assert_eq!((f.status, f.attempts), (Some(503), 1));
    assert_eq!(server.request_count(), 1);
}

/// A deadline bounds the whole call, an attempt in flight included: a server
/// that never answers cannot hold it for the request timeout.
#[tokio::test]
async fn a_deadline_cuts_off_an_attempt_in_flight() {
    for s in ALL {
        let server = RawServer::start(Behaviour::Hang).await;
        let retry = Retry::new().deadline(Duration::from_millis(300));
        let config = config(&server.base_url, retry).timeout(Duration::from_secs(30));
        let started = Instant::now();
        let f = safe_call(s, config).await.unwrap_err();
        let took = started.elapsed();
        // The deadline cannot fire early; without it the call would end at
        // the 30 s request timeout, so 10 s separates the two outcomes with
        // 9.7 s to spare for a loaded machine (client construction
        // included).
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(10),
            "{s:?}: {took:?}"
        );
        assert!(f.deadline && f.timeout, "{s:?}");
        assert_eq!((f.status, f.attempts), (None, 1), "{s:?}");
    }
}

/// Every status that says "try again" is retried for a call that is safe
/// to repeat, per service: 429 and 503, and the transient server failures
/// 500, 502 and 504. A login POST is never repeated after any of them.
///
/// Catches: 500, 502 or 504 dropped from the retried statuses (a call that
/// a gateway's hiccup fails for good), and a login re-sent after one.
#[tokio::test]
async fn every_retryable_status_is_retried_and_a_login_post_never_is() {
    let retry = Retry::new().base_delay(Duration::from_millis(5));
    for code in [429, 500, 502, 503, 504] {
        for s in ALL {
            let server = RawServer::start(Behaviour::Script(vec![status(code), safe_ok(s)])).await;
            safe_call(s, config(&server.base_url, retry.clone()))
                .await
                .unwrap_or_else(|e| panic!("{s:?} {code}: not retried: {e:?}"));
            assert_eq!(server.request_count(), 2, "{s:?} {code}");
        }
        for s in LOGINS {
            let server = RawServer::start(status(code)).await;
            let f = login_call(s, config(&server.base_url, retry.clone()))
                .await
                .unwrap_err();
            assert_eq!(
                server.request_count(),
                1,
                "{s:?}: re-sent a login after {code}"
            );
            assert_eq!((f.status, f.attempts), (Some(code), 1), "{s:?} {code}");
        }
    }
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for s in ALL {
        for code in [400, 401, 403, 404, 409, 422] {
            let server = RawServer::start(status(code)).await;
            let f = safe_call(s, config(&server.base_url, Retry::new()))
                .await
                .unwrap_err();
            assert_eq!(f.status, Some(code), "{s:?}");
            assert_eq!(f.attempts, 1, "{s:?} {code}");
            assert_eq!(server.request_count(), 1, "{s:?} {code}");
        }
    }
}

#[tokio::test]
async fn a_login_post_is_never_sent_twice() {
    for s in LOGINS {
        // The connection resets after the request arrived.
        let server = RawServer::start(Behaviour::Reset).await;
        let f = login_call(s, config(&server.base_url, Retry::new()))
            .await
            .unwrap_err();
        assert_eq!(server.request_count(), 1, "{s:?}: re-sent a login");
        assert_eq!(f.attempts, 1, "{s:?}");
        // Nor after a 503.
        let server = RawServer::start(status(503)).await;
        let f = login_call(s, config(&server.base_url, Retry::new()))
            .await
            .unwrap_err();
        assert_eq!(
            server.request_count(),
            1,
            "{s:?}: re-sent a login after 503"
        );
        assert_eq!(f.status, Some(503));
    }
    // A Svix POST carries its idempotency key: a reset is retried.
    let server = RawServer::start(Behaviour::Reset).await;
    let retry = Retry::new().base_delay(Duration::from_millis(10));
    let f = safe_call(Service::Svix, config(&server.base_url, retry))
        .await
        .unwrap_err();
    assert_eq!(server.request_count(), 3);
    assert_eq!(f.attempts, 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_login() {
    let retry = Retry::new().base_delay(Duration::from_millis(10));
    for s in LOGINS {
        let f = login_call(s, config(&closed_port_url(), retry.clone()))
            .await
            .unwrap_err();
        assert!(f.connect, "{s:?}: {f:?}");
        assert_eq!(f.attempts, 3, "{s:?}: nothing was sent, so it is retried");
    }
    let f = safe_call(
        Service::Glowmarkt,
        config(
            &closed_port_url(),
            Retry::new()
                .max_attempts(5)
                .base_delay(Duration::from_millis(1)),
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(f.attempts, 5);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    for s in ALL {
        let server = RawServer::start(status(503)).await;
        let f = safe_call(s, config(&server.base_url, Retry::disabled()))
            .await
            .unwrap_err();
        assert_eq!((f.status, f.attempts), (Some(503), 1), "{s:?}");
        assert_eq!(server.request_count(), 1);
    }
}

// ---- Svix idempotency keys -----------------------------------------------

fn idempotency_keys(server: &RawServer) -> Vec<String> {
    server
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            r.lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("idempotency-key")
                        .then(|| v.trim().to_string())
                })
                .unwrap_or_default()
        })
        .collect()
}

fn is_auto_key(k: &str) -> bool {
    let Some(uuid) = k.strip_prefix("auto_") else {
        return false;
    };
    let parts: Vec<&str> = uuid.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
        && matches!(&parts[3][..1], "8" | "9" | "a" | "b")
}

#[tokio::test]
async fn svix_automatic_idempotency_key_is_kept_across_retries() {
    let retry = Retry::new().base_delay(Duration::from_millis(5));
    let server = RawServer::start(Behaviour::Script(vec![
        status(503),
        status(503),
        safe_ok(Service::Svix),
        status(503),
        safe_ok(Service::Svix),
    ]))
    .await;
    safe_call(Service::Svix, config(&server.base_url, retry.clone()))
        .await
        .unwrap();
    safe_call(Service::Svix, config(&server.base_url, retry.clone()))
        .await
        .unwrap();
    let keys = idempotency_keys(&server);
    assert_eq!(keys.len(), 5);
    assert!(keys.iter().all(|k| is_auto_key(k)), "{keys:?}");
    assert!(
        keys[0] == keys[1] && keys[1] == keys[2],
        "one call, one key: {keys:?}"
    );
    assert_eq!(keys[3], keys[4], "{keys:?}");
    assert_ne!(keys[0], keys[3], "two calls share a key: {keys:?}");
}

#[tokio::test]
async fn svix_callers_key_always_wins() {
    let server =
        RawServer::start(Behaviour::Script(vec![status(503), safe_ok(Service::Svix)])).await;
    let c = svix::Client::from_config(config(
        &server.base_url,
        Retry::new().base_delay(Duration::from_millis(5)),
    ))
    .unwrap();
    c.set_token("t").unwrap();
    c.logout().idempotency_key("mine-1").send().await.unwrap();
    assert_eq!(idempotency_keys(&server), ["mine-1", "mine-1"]);
}
