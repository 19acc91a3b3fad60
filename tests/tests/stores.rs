//! Session stores, over real TCP on 127.0.0.1 (and a real `redis-server`
//! where one is on PATH): manual refreshes that are single-flight in every
//! store, a logout every sharer sees at its next store read, an unreachable
//! store that fails calls with a typed error and recovers, bad records
//! that are refused and left alone, sealed records, the refresh back-off
//! under a service that refuses every token, and a steady state that makes
//! no store round trip.

mod common;
#[path = "common/redis.rs"]
mod redis_server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authapi::nuextract::types::TokenRequest;
use authapi::nuextract::{self, ClientInfo};
use authapi::store::{FileStore, MemoryStore, RedisStore, SealingKey, StoreErrorKind};
use authapi::{Config, Error, Retry, SessionErrorKind};
use common::{header, Behaviour, RawServer};

/// A NuExtract-like service: logins hand out `t0`/`r0`; refresh `n` hands
/// out `t<n>`/`r<n>` (held until released when `hold` is set); protected
/// calls accept the tokens in `accepted` (all when `None`).
struct Fake {
    server: RawServer,
    refreshes: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Option<Vec<String>>>>,
}

async fn fake(ttl: u64, hold: bool) -> Fake {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let accepted: Arc<Mutex<Option<Vec<String>>>> = Arc::new(Mutex::new(None));
    let (count, allow) = (refreshes.clone(), accepted.clone());
    let handler = move |req: &str| -> (u16, String, String) {
        let line = req.lines().next().unwrap_or_default();
        if line.starts_with("POST /api/auth/token ") {
            if req.contains("TokenCodeRequest") {
                let body = format!(r#"{{"token":"t0","expiresIn":{ttl},"refreshToken":"r0"}}"#);
                return (200, String::new(), body);
            }
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let held = if hold { "x-hold: 1\r\n" } else { "" };
            let body = format!(r#"{{"token":"t{n}","expiresIn":3600,"refreshToken":"r{n}"}}"#);
            return (200, held.into(), body);
        }
        let token = header(req, "authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_string();
        let ok = allow
            .lock()
            .unwrap()
            .as_ref()
            .is_none_or(|a| a.contains(&token));
        if ok {
            (200, String::new(), r#"{"email":"me@example.com"}"#.into())
        } else {
            (
                401,
                String::new(),
                r#"{"code":"unauthorized","message":"no"}"#.into(),
            )
        }
    };
    Fake {
        server: RawServer::start(Behaviour::Handler(Arc::new(handler))).await,
        refreshes,
        accepted,
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("authapi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn client(base: &str, config: Config) -> nuextract::Client {
    nuextract::Client::from_config(config.base_url(base).retry(Retry::disabled())).unwrap()
}

async fn log_in(c: &nuextract::Client) {
    c.login(TokenRequest::code("code", "https://app.example/cb"))
        .await
        .unwrap();
}

/// The bearer tokens protected calls carried, in order.
fn sent(server: &RawServer) -> Vec<String> {
    server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.starts_with("GET /api/auth/me "))
        .map(|r| {
            header(r, "authorization")
                .unwrap_or("<none>")
                .trim_start_matches("Bearer ")
                .to_string()
        })
        .collect()
}

/// 50 concurrent manual `refresh()` calls on one client without automatic
/// refresh send exactly one refresh request; all 50 get its token. Then one
/// more refresh sends a second request (the positive control of the count).
async fn fifty_manual_refreshes(config: Config, label: &str) {
    let f = fake(3600, true).await;
    let c = client(&f.server.base_url, config);
    log_in(&c).await;
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.refresh().await })
        })
        .collect();
    while f.refreshes.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Let the other 49 reach the refresh lock before the answer comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    f.server.release(1);
    for call in calls {
        let answer = call.await.unwrap().unwrap();
        assert_eq!(answer.token.expose(), "t1", "{label}");
    }
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 1, "{label}");
    f.server.release(1);
    assert_eq!(c.refresh().await.unwrap().token.expose(), "t2", "{label}");
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 2, "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_refreshes_are_single_flight_in_every_store() {
    fifty_manual_refreshes(Config::new(), "memory").await;
    let dir = temp_dir("manual-file");
    let store = FileStore::new(&dir).unwrap();
    fifty_manual_refreshes(Config::new().session_store(store), "file").await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(redis) = redis_server::start("manual_refreshes_are_single_flight_in_every_store") {
        let store = RedisStore::open(&redis.url).unwrap();
        fifty_manual_refreshes(Config::new().session_store(store), "redis").await;
    }
}

/// A logout in one client (another process, as far as the store knows)
/// reaches a second client at its next store read: after a 401, and when
/// its token comes due. Until then, the second client still sends its
/// copy (the documented window), which is the positive control.
async fn logout_reaches_the_others(store: impl Fn() -> Config, label: &str) {
    let f = fake(3600, false).await;
    let a = client(&f.server.base_url, store());
    let b = client(&f.server.base_url, store());
    log_in(&a).await;
    b.current_user().send().await.unwrap();
    a.clear_token();
    // At once for the memory and file stores; Redis gets it from a task.
    a.save_session().await.unwrap();
    // Until b reads the store again, it uses its copy.
    b.current_user().send().await.unwrap();
    assert_eq!(sent(&f.server), ["t0", "t0"], "{label}");
    // The service revokes the token: b's 401 re-reads the store and finds
    // the logout, so the call fails as one without a credential ("log in
    // first"), and nothing more is sent.
    *f.accepted.lock().unwrap() = Some(vec![]);
    let e = b.current_user().send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{label}: {e}");
    let e = b.current_user().send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{label}: {e}");
    assert_eq!(sent(&f.server), ["t0", "t0", "t0"], "{label}");

    // When the token comes due, the store read finds the logout too.
    let f = fake(5, false).await;
    let a = client(&f.server.base_url, store());
    let c = client(&f.server.base_url, store());
    log_in(&a).await;
    c.enable_auto_refresh(Duration::from_secs(60));
    a.clear_token();
    a.save_session().await.unwrap();
    let e = c.current_user().send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{label}: {e}");
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 0, "{label}");
    assert!(sent(&f.server).is_empty(), "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_reaches_every_sharer_at_its_next_store_read() {
    let shared = MemoryStore::new();
    logout_reaches_the_others(|| Config::new().session_store(shared.clone()), "memory").await;
    let dir = temp_dir("logout-file");
    logout_reaches_the_others(
        || Config::new().session_store(FileStore::new(&dir).unwrap()),
        "file",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(redis) = redis_server::start("a_logout_reaches_every_sharer_at_its_next_store_read")
    {
        logout_reaches_the_others(
            || Config::new().session_store(RedisStore::open(&redis.url).unwrap()),
            "redis",
        )
        .await;
    }
}

/// Redis stopped mid-run: a call that needs the store fails with the typed
/// store error naming host and port (never the password), no panic, and the
/// service sees no request without a credential. Redis back: recovery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_store_fails_calls_with_a_typed_error_and_recovers() {
    let Some(mut redis) =
        redis_server::start("an_unreachable_store_fails_calls_with_a_typed_error_and_recovers")
    else {
        return;
    };
    let f = fake(5, false).await;
    let url = format!("redis://:hunter2@127.0.0.1:{}", redis.port);
    let config = || {
        Config::new().session_store(
            RedisStore::open(&url)
                .unwrap()
                .with_timeout(Duration::from_secs(1)),
        )
    };
    // The test server has no password: the clients that must work use the
    // plain URL; the one with a password is only there for its errors.
    let plain = || Config::new().session_store(RedisStore::open(&redis.url).unwrap());
    let a = client(&f.server.base_url, plain());
    log_in(&a).await;
    let b = client(&f.server.base_url, plain());
    b.enable_auto_refresh(Duration::from_secs(60));
    redis.stop();
    // b has no local token: it must read the store, which is down.
    let e = b.current_user().send().await.unwrap_err();
    let Error::Session(s) = &e else {
        panic!("expected a session error, got {e:?}")
    };
    assert_eq!(s.kind(), SessionErrorKind::Store, "{e}");
    let store = s.store_error().unwrap();
    assert_eq!(store.kind(), StoreErrorKind::Unavailable);
    assert_eq!(store.store(), format!("redis 127.0.0.1:{}", redis.port));
    assert!(
        sent(&f.server).is_empty(),
        "a request went out: {:?}",
        sent(&f.server)
    );
    // A store URL's password never shows, even in this error.
    let c = client(&f.server.base_url, config());
    let e = c.current_user().send().await.unwrap_err();
    let shown = format!("{e} {e:?} {c:?}");
    assert!(
        shown.contains(&format!("127.0.0.1:{}", redis.port)),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    // Back up (empty: a restarted cache): log in again, and b recovers.
    redis.restart();
    log_in(&a).await;
    b.current_user().send().await.unwrap();
    assert_eq!(sent(&f.server), ["t0"]);
}

/// Bad records: damaged, foreign, sealed with another key, plain where a
/// key is set, and a record file others can read. Each is a typed error
/// naming the problem; the record is left exactly as it was; no panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_are_refused_and_left_as_they_were() {
    use std::os::unix::fs::PermissionsExt;
    let f = fake(3600, false).await;
    let dir = temp_dir("bad-records");
    let key = SealingKey::from_bytes([3; 32]);
    let sealed = |k: &SealingKey| {
        Config::new()
            .session_store(FileStore::new(&dir).unwrap())
            .sealing_key(k.clone())
    };
    let a = client(&f.server.base_url, sealed(&key));
    log_in(&a).await;
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let original = std::fs::read(&file).unwrap();
    // Sealed at rest: no token or refresh token in the file (searched as
    // the quoted strings a record holds, which base64 never contains).
    let text = String::from_utf8_lossy(&original);
    assert!(
        !text.contains(r#"\"t0\""#) && !text.contains(r#"\"r0\""#),
        "{text}"
    );

    let fresh = |config: Config| client(&f.server.base_url, config);
    let store_kind = |e: Error<nuextract::types::NuExtractError>| match e {
        Error::Session(s) => s.store_error().map(|e| (e.kind(), e.to_string())),
        other => panic!("expected a store error, got {other:?}"),
    };
    // Another key, and no key.
    let other = SealingKey::from_bytes([4; 32]);
    let (kind, msg) = store_kind(
        fresh(sealed(&other))
            .current_user()
            .send()
            .await
            .unwrap_err(),
    )
    .unwrap();
    assert_eq!(kind, StoreErrorKind::Sealing, "{msg}");
    let plain = || Config::new().session_store(FileStore::new(&dir).unwrap());
    let (kind, msg) = store_kind(fresh(plain()).current_user().send().await.unwrap_err()).unwrap();
    assert_eq!(kind, StoreErrorKind::Sealing, "{msg}");
    assert!(msg.contains("no sealing key"), "{msg}");
    assert_eq!(std::fs::read(&file).unwrap(), original);
    // The right key reads it (the positive control).
    fresh(sealed(&key)).current_user().send().await.unwrap();

    // Damaged and foreign files.
    for junk in [
        &b"{\"generation\": 7, \"rec"[..],
        b"{\"generation\":1,\"record\":\"hello\"}",
        b"\x00\xff",
    ] {
        std::fs::write(&file, junk).unwrap();
        let (kind, msg) =
            store_kind(fresh(sealed(&key)).current_user().send().await.unwrap_err()).unwrap();
        assert_eq!(kind, StoreErrorKind::Corrupt, "{msg}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            junk,
            "the record was changed"
        );
    }
    // A record others can read: refused, left as it was.
    std::fs::write(&file, &original).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (kind, msg) =
        store_kind(fresh(sealed(&key)).current_user().send().await.unwrap_err()).unwrap();
    assert_eq!(kind, StoreErrorKind::Insecure, "{msg}");
    assert!(msg.contains("644"), "{msg}");
    assert_eq!(std::fs::read(&file).unwrap(), original);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // A folder others can read is refused when the store is made.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = FileStore::new(&dir).unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Insecure, "{e}");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Written files are 0600 in a 0700 folder.
    let a = client(&f.server.base_url, sealed(&key));
    log_in(&a).await;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _ = std::fs::remove_dir_all(&dir);

    // Without a key, the file holds the token: what the README warns of
    // (and the positive control of the sealed check above).
    let dir2 = temp_dir("plain-records");
    let a = client(
        &f.server.base_url,
        Config::new().session_store(FileStore::new(&dir2).unwrap()),
    );
    log_in(&a).await;
    let text: String = std::fs::read_dir(&dir2)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    assert!(
        text.contains(r#"\"t0\""#) && text.contains(r#"\"r0\""#),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir2);

    // Redis: a foreign value under the session key is refused and kept.
    if let Some(redis) = redis_server::start("bad_records_are_refused_and_left_as_they_were") {
        let config = || Config::new().session_store(RedisStore::open(&redis.url).unwrap());
        let a = client(&f.server.base_url, config());
        log_in(&a).await;
        let key = format!("authapi:session:nuextract/default/{}", f.server.base_url);
        redis.command(&["HSET", &key, "gen", "9", "data", "not ours"]);
        let (kind, _) = store_kind(
            client(&f.server.base_url, config())
                .current_user()
                .send()
                .await
                .unwrap_err(),
        )
        .unwrap();
        assert_eq!(kind, StoreErrorKind::Corrupt);
        assert_eq!(
            redis.command(&["HGET", &key, "data"]).as_deref(),
            Some("not ours")
        );
        redis.command(&["DEL", &key]);
        redis.command(&["SET", &key, "a string"]);
        let e = client(&f.server.base_url, config())
            .current_user()
            .send()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Session(_)), "{e}");
        assert_eq!(redis.command(&["GET", &key]).as_deref(), Some("a string"));
    }
}

/// A service that refuses every token: 20 concurrent calls cause one
/// refresh, and the calls after it fail fast with the typed back-off error
/// instead of spending more refresh tokens; a second client sharing the
/// store (another process) backs off too. After the back-off period, one
/// more refresh is allowed (the positive control).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_refusing_every_token_gets_one_refresh_per_backoff_period() {
    let f = fake(3600, false).await;
    *f.accepted.lock().unwrap() = Some(vec![]);
    let shared = MemoryStore::new();
    let config = || {
        Config::new()
            .session_store(shared.clone())
            .refresh_backoff(Duration::from_millis(1500))
    };
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    a.enable_auto_refresh(Duration::from_secs(60));
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let a = a.clone();
            tokio::spawn(async move { a.current_user().send().await })
        })
        .collect();
    for call in calls {
        let e = call.await.unwrap().unwrap_err();
        match &e {
            Error::Session(s) => assert_eq!(s.kind(), SessionErrorKind::RefusedAfterRefresh),
            e => assert_eq!(e.status(), Some(reqwest::StatusCode::UNAUTHORIZED), "{e}"),
        }
    }
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 1);
    // Later calls fail fast, sending nothing more than the refused call.
    let before = f.server.request_count();
    let e = a.current_user().send().await.unwrap_err();
    assert!(
        matches!(&e, Error::Session(s) if s.kind() == SessionErrorKind::RefusedAfterRefresh),
        "{e}"
    );
    assert!(e.to_string().contains("refuses"), "{e}");
    assert_eq!(f.server.request_count(), before + 1);
    // Another client on the same store backs off as well.
    let b = client(&f.server.base_url, config());
    b.enable_auto_refresh(Duration::from_secs(60));
    let e = b.current_user().send().await.unwrap_err();
    assert!(
        matches!(&e, Error::Session(s) if s.kind() == SessionErrorKind::RefusedAfterRefresh),
        "{e}"
    );
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 1);
    // After the period: one more refresh.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let _ = a.current_user().send().await.unwrap_err();
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 2);
}

/// Steady state: calls with a good token make no store round trip, counted
/// from the Redis server's own `INFO commandstats`. A due token makes some
/// (the positive control of the count).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_steady_state_makes_no_store_round_trip() {
    let Some(redis) = redis_server::start("the_steady_state_makes_no_store_round_trip") else {
        return;
    };
    let f = fake(3600, false).await;
    let config = || Config::new().session_store(RedisStore::open(&redis.url).unwrap());
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    let b = client(&f.server.base_url, config());
    b.enable_auto_refresh(Duration::from_secs(60));
    b.current_user().send().await.unwrap();
    let total = |m: &std::collections::HashMap<String, u64>| -> u64 {
        m.iter().filter(|(k, _)| *k != "info").map(|(_, v)| v).sum()
    };
    let before = total(&redis.command_counts());
    for _ in 0..200 {
        b.current_user().send().await.unwrap();
    }
    let after = total(&redis.command_counts());
    assert_eq!(
        after,
        before,
        "200 steady calls made {} store commands",
        after - before
    );
    // The control: a due token reads the store.
    b.inner().set_expiry(Some(std::time::SystemTime::now()));
    b.current_user().send().await.unwrap();
    assert!(total(&redis.command_counts()) > after);
}

/// `has_token` finds another client's login in the store (and uses it);
/// with nothing stored, it says so without sending anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn has_token_finds_a_login_made_elsewhere() {
    let f = fake(3600, false).await;
    let dir = temp_dir("has-token");
    let config = || Config::new().session_store(FileStore::new(&dir).unwrap());
    let b = client(&f.server.base_url, config());
    assert!(!b.has_token().await.unwrap());
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    assert!(b.has_token().await.unwrap());
    b.current_user().send().await.unwrap();
    assert_eq!(sent(&f.server), ["t0"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Hostile store contents and names: a record at the largest generation is
/// refused (no overflow, no wrap to 0 that would defeat the fence); a
/// record or lease file that is a symbolic link is refused and its target
/// left alone; a session name with `/` (which could make two keys collide)
/// is refused when the client is built.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_store_contents_are_refused_without_panics() {
    let f = fake(3600, false).await;
    let dir = temp_dir("hostile-store");
    let config = || Config::new().session_store(FileStore::new(&dir).unwrap());
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    let record = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let original = std::fs::read_to_string(&record).unwrap();
    let at_max = original.replace(
        &format!("\"generation\":{}", 1),
        &format!("\"generation\":{}", u64::MAX),
    );
    assert_ne!(
        at_max, original,
        "the control: the generation was rewritten"
    );
    std::fs::write(&record, &at_max).unwrap();
    // A login must write generation + 1: refused, not wrapped.
    let e = client(&f.server.base_url, config())
        .login(TokenRequest::code("c", "https://app.example/cb"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Session(s) if s.store_error().is_some_and(|e| e.kind() == StoreErrorKind::Corrupt)),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&record).unwrap(), at_max);

    // A symbolic link as the record, or as the lease file: refused, and
    // the file it points to is neither read nor truncated.
    let target = dir.with_extension("target");
    std::fs::write(&target, "precious").unwrap();
    std::fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(&target, &record).unwrap();
    let e = client(&f.server.base_url, config())
        .current_user()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Session(s) if s.store_error().is_some_and(|e| e.kind() == StoreErrorKind::Insecure)),
        "{e}"
    );
    std::fs::remove_file(&record).unwrap();
    std::fs::write(&record, &original).unwrap();
    let lease = record.with_extension("lease");
    let _ = std::fs::remove_file(&lease);
    std::os::unix::fs::symlink(&target, &lease).unwrap();
    let b = client(&f.server.base_url, config());
    let e = b.refresh().await.unwrap_err();
    assert!(
        matches!(&e, Error::Session(s) if s.store_error().is_some_and(|e| e.kind() == StoreErrorKind::Insecure)),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    let _ = std::fs::remove_file(&target);
    let _ = std::fs::remove_dir_all(&dir);

    let e = nuextract::Client::from_config(Config::new().session_name("a/b")).unwrap_err();
    assert!(matches!(e, authapi::ConfigError::InvalidSessionName), "{e}");
    nuextract::Client::from_config(Config::new().session_name("a-b")).unwrap();
}

/// A refresh slower than the lease TTL keeps its lease (renewed every third
/// of the TTL): a second client sharing the store waits for its record
/// instead of refreshing with the same refresh token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_refresh_keeps_its_lease() {
    let f = fake(5, true).await;
    let shared = MemoryStore::new();
    let config = || {
        Config::new()
            .session_store(shared.clone())
            .lease_ttl(Duration::from_millis(300))
    };
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    a.enable_auto_refresh(Duration::from_secs(60));
    let b = client(&f.server.base_url, config());
    b.enable_auto_refresh(Duration::from_secs(60));
    // b adopts the login (its first call reads the store).
    b.current_user().send().await.unwrap();
    let first = tokio::spawn({
        let a = a.clone();
        async move { a.current_user().send().await }
    });
    while f.refreshes.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = tokio::spawn({
        let b = b.clone();
        async move { b.current_user().send().await }
    });
    // Three lease TTLs pass with the refresh held at the service.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 1, "b refreshed too");
    f.server.release(1);
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(sent(&f.server), ["t0", "t1", "t1"]);
}

/// `set_token` in a client whose copy is stale merges into the stored
/// record: another client's newer refresh token survives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_set_by_hand_keeps_a_newer_refresh_token() {
    let f = fake(3600, false).await;
    let shared = MemoryStore::new();
    let config = || Config::new().session_store(shared.clone());
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    let b = client(&f.server.base_url, config());
    assert!(b.has_token().await.unwrap());
    b.refresh().await.unwrap(); // the store now holds r1; a still has r0
    a.set_token("by-hand").unwrap();
    a.save_session().await.unwrap();
    assert_eq!(a.inner().refresh_token().unwrap().expose(), "r1");
    let c = client(&f.server.base_url, config());
    c.current_user().send().await.unwrap();
    assert_eq!(c.inner().refresh_token().unwrap().expose(), "r1");
    assert_eq!(sent(&f.server), ["by-hand"]);
}

/// The store goes down between the refresh lease and the write of the new
/// record: the service has already spent the old refresh token, so the new
/// tokens are kept here and the call goes on with them (the write waits
/// for the store), instead of failing and losing them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_survives_the_store_failing_before_its_write() {
    let Some(mut redis) =
        redis_server::start("a_refresh_survives_the_store_failing_before_its_write")
    else {
        return;
    };
    let f = fake(5, true).await;
    let config = || {
        Config::new().session_store(
            RedisStore::open(&redis.url)
                .unwrap()
                .with_timeout(Duration::from_millis(500)),
        )
    };
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    a.enable_auto_refresh(Duration::from_secs(60));
    let call = tokio::spawn({
        let a = a.clone();
        async move { a.current_user().send().await }
    });
    while f.refreshes.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    redis.stop();
    f.server.release(1);
    call.await.unwrap().unwrap();
    assert_eq!(sent(&f.server), ["t1"]);
    assert_eq!(a.inner().refresh_token().unwrap().expose(), "r1");
}

/// A lease holder that never writes (hung, not dead): a waiting client
/// gives up after the lease TTL plus 1 s with the typed `LeaseTimeout`,
/// instead of waiting forever, and sends no refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_lease_holder_makes_waiters_give_up_with_a_typed_error() {
    use authapi::store::SessionStore;
    let f = fake(5, false).await;
    let shared = MemoryStore::new();
    let config = || {
        Config::new()
            .session_store(shared.clone())
            .lease_ttl(Duration::from_millis(300))
    };
    let a = client(&f.server.base_url, config());
    log_in(&a).await;
    a.enable_auto_refresh(Duration::from_secs(60));
    // Someone else holds the lease, for far longer than the clients' TTL.
    let key = format!("nuextract/default/{}", f.server.base_url);
    assert!(shared
        .try_lease(&key, "hung-holder", Duration::from_secs(60))
        .await
        .unwrap());
    let started = std::time::Instant::now();
    let e = a.current_user().send().await.unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(&e, Error::Session(s) if s.store_error().is_some_and(|e| e.kind() == StoreErrorKind::LeaseTimeout)),
        "{e}"
    );
    assert!(waited >= Duration::from_millis(1300), "{waited:?}");
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 0);
    // The control: once the holder lets go, the refresh happens.
    shared.release(&key, "hung-holder").await.unwrap();
    a.current_user().send().await.unwrap();
    assert_eq!(f.refreshes.load(Ordering::SeqCst), 1);
}
