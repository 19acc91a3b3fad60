//! One login for a fleet: 8 OS processes (the `fleet-worker` binary), each
//! running 100 concurrent tasks against a scripted NuExtract-like service
//! whose access tokens live 1 s and whose refresh tokens are single-use and
//! rotate, with the session in a file store and in a real Redis server.
//!
//! The service counts, by itself: refreshes, refresh tokens presented
//! twice, refreshes of a token that was not yet due (a second refresh of
//! one expiry), and the token lifetimes that came due during the run.
//! Then a crash: the process holding the refresh lease is killed with
//! SIGKILL while the service holds its refresh, and another process must
//! complete the refresh within the lease TTL plus 1 s, presenting no
//! refresh token twice.

#[path = "common/redis.rs"]
mod redis_server;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authapi::nuextract::{self, types::TokenRequest};
use authapi::store::{FileStore, RedisStore};
use authapi::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TTL: Duration = Duration::from_secs(1);

/// One fleet at a time: four of them at once (up to 24 processes of 100
/// tasks on a 2-core machine) would measure the machine, not the stores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const MARGIN_MS: u64 = 300;

/// What the service saw.
#[derive(Default)]
struct State {
    next: u64,
    /// Access tokens and when they expire.
    tokens: HashMap<String, Instant>,
    current_refresh: Option<String>,
    /// The access token that came with the current refresh token.
    current_token: Option<String>,
    used: HashSet<String>,
    refreshes: u64,
    reused: u64,
    early: u64,
    /// When each refresh was completed.
    refresh_times: Vec<Instant>,
    calls_ok: u64,
    calls_refused: u64,
    /// Set while the service holds refresh answers.
    refresh_arrived: Option<Instant>,
}

struct Service {
    state: Mutex<State>,
    hold_refresh: AtomicBool,
    held: tokio::sync::Notify,
    release: tokio::sync::Semaphore,
}

impl Service {
    fn issue(&self, s: &mut State) -> String {
        s.next += 1;
        let (t, r) = (format!("t{}", s.next), format!("r{}", s.next));
        s.tokens.insert(t.clone(), Instant::now() + TTL);
        s.current_refresh = Some(r.clone());
        s.current_token = Some(t.clone());
        format!(r#"{{"token":"{t}","expiresIn":1,"refreshToken":"{r}"}}"#)
    }

    /// The answer to one request, or `None` to drop the connection.
    async fn answer(&self, head: &str, body: &str, socket: &TcpStream) -> Option<(u16, String)> {
        let line = head.lines().next().unwrap_or_default();
        if line.starts_with("POST /api/auth/token ") {
            let request: serde_json::Value = serde_json::from_str(body).ok()?;
            if request.get("code").is_some() {
                let mut s = self.state.lock().unwrap();
                return Some((200, self.issue(&mut s)));
            }
            let presented = request["token"].as_str().unwrap_or_default().to_string();
            {
                let mut s = self.state.lock().unwrap();
                if s.used.contains(&presented) {
                    s.reused += 1;
                    return Some((
                        401,
                        r#"{"code":401,"message":"refresh token reused"}"#.into(),
                    ));
                }
                if s.current_refresh.as_deref() != Some(&presented) {
                    return Some((
                        401,
                        r#"{"code":401,"message":"unknown refresh token"}"#.into(),
                    ));
                }
            }
            // Only the first refresh is held: the one whose process the
            // test kills. A survivor's refresh must go through, even if it
            // arrives before the test has let the held one go.
            if self.hold_refresh.swap(false, Ordering::SeqCst) {
                self.state.lock().unwrap().refresh_arrived = Some(Instant::now());
                self.held.notify_one();
                self.release.acquire().await.ok()?.forget();
                // The refresh token is spent only on an answer that can be
                // delivered: a client killed meanwhile left a closed socket.
                let mut probe = [0u8; 1];
                if let Ok(Ok(0)) =
                    tokio::time::timeout(Duration::from_millis(50), socket.peek(&mut probe)).await
                {
                    return None;
                }
            }
            let mut s = self.state.lock().unwrap();
            if s.current_refresh.as_deref() != Some(&presented) {
                return Some((
                    401,
                    r#"{"code":401,"message":"unknown refresh token"}"#.into(),
                ));
            }
            s.used.insert(presented);
            let due = s
                .current_token
                .as_ref()
                .and_then(|t| s.tokens.get(t))
                .map(|exp| *exp - Duration::from_millis(MARGIN_MS + 150));
            if due.is_some_and(|d| Instant::now() < d) {
                s.early += 1;
            }
            s.refreshes += 1;
            s.refresh_times.push(Instant::now());
            return Some((200, self.issue(&mut s)));
        }
        if line.starts_with("GET /api/auth/me ") {
            let token = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("authorization")
                    .then(|| v.trim().trim_start_matches("Bearer ").to_string())
            });
            let mut s = self.state.lock().unwrap();
            let valid = token
                .and_then(|t| s.tokens.get(&t).copied())
                .is_some_and(|exp| Instant::now() < exp);
            return Some(if valid {
                s.calls_ok += 1;
                (200, r#"{"email":"fleet@example.com"}"#.into())
            } else {
                s.calls_refused += 1;
                (
                    401,
                    r#"{"code":401,"message":"token expired or unknown"}"#.into(),
                )
            });
        }
        Some((404, r#"{"code":404,"message":"no such route"}"#.into()))
    }
}

async fn serve(service: Arc<Service>, mut socket: TcpStream) {
    let _ = socket.set_nodelay(true);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).into_owned();
        buf.drain(..head_end + len);
        let Some((status, answer)) = service.answer(&head, &body, &socket).await else {
            return;
        };
        let out = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if socket.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn start_service() -> (Arc<Service>, String) {
    let service = Arc::new(Service {
        state: Mutex::new(State::default()),
        hold_refresh: AtomicBool::new(false),
        held: tokio::sync::Notify::new(),
        release: tokio::sync::Semaphore::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let s = service.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(s.clone(), socket));
        }
    });
    (service, url)
}

/// Which store the fleet shares.
#[derive(Clone)]
enum Store {
    File(std::path::PathBuf),
    Redis(String),
}

impl Store {
    fn arg(&self) -> String {
        match self {
            Store::File(d) => format!("file:{}", d.display()),
            Store::Redis(u) => format!("redis:{u}"),
        }
    }

    fn config(&self, base: &str, lease: Duration) -> Config {
        let c = Config::new()
            .base_url(base)
            .session_name("fleet")
            .lease_ttl(lease);
        match self {
            Store::File(d) => c.session_store(FileStore::new(d).unwrap()),
            Store::Redis(u) => c.session_store(RedisStore::open(u).unwrap()),
        }
    }
}

/// Logs the fleet's session in from this process (the workers adopt it
/// from the store).
async fn log_in(store: &Store, base: &str) {
    let c = nuextract::Client::from_config(store.config(base, Duration::from_secs(2))).unwrap();
    c.login(TokenRequest::code("code-1", "https://app.example/cb"))
        .await
        .unwrap();
}

fn spawn_workers(n: usize, base: &str, store: &Store, millis: u64, lease_ms: u64) -> Vec<Child> {
    let workers: Vec<Child> = (0..n)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
                .args([
                    base.to_string(),
                    store.arg(),
                    "100".into(),
                    millis.to_string(),
                    MARGIN_MS.to_string(),
                    lease_ms.to_string(),
                    "20".into(),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    workers
}

/// Waits for each worker's `ready`, returning their stdout readers.
fn ready(workers: &mut [Child]) -> Vec<BufReader<std::process::ChildStdout>> {
    workers
        .iter_mut()
        .map(|w| {
            let mut out = BufReader::new(w.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            assert_eq!(line.trim(), "ready");
            out
        })
        .collect()
}

/// Each surviving worker's report: (calls ok, calls failed, errors).
fn reports(
    workers: Vec<Child>,
    outs: Vec<BufReader<std::process::ChildStdout>>,
) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    for (mut w, mut out) in workers.into_iter().zip(outs) {
        let status = w.wait().unwrap();
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        if status.success() {
            all.push(serde_json::from_str(line.trim()).unwrap());
        }
    }
    all
}

struct Run {
    processes: usize,
    calls: u64,
    failed: u64,
    expiries: u64,
    refreshes: u64,
    reused: u64,
    early: u64,
}

async fn fleet(store: Store, label: &str) -> Run {
    let _one_at_a_time = SERIAL.lock().await;
    let (service, base) = start_service().await;
    log_in(&store, &base).await;
    let millis = 10_000;
    let mut workers = spawn_workers(8, &base, &store, millis, 2000);
    let outs = ready(&mut workers);
    let started = Instant::now();
    let reports = tokio::task::spawn_blocking(move || reports(workers, outs))
        .await
        .unwrap();
    let ended = Instant::now();
    let s = service.state.lock().unwrap();
    // Token lifetimes that came due during the run: one per refresh of a
    // due token, plus the last token if it came due before the end.
    let last_due = s
        .current_token
        .as_ref()
        .and_then(|t| s.tokens.get(t))
        .is_some_and(|exp| *exp - Duration::from_millis(MARGIN_MS) <= ended);
    let run = Run {
        processes: reports.len(),
        calls: reports.iter().map(|r| r["ok"].as_u64().unwrap()).sum(),
        failed: reports.iter().map(|r| r["failed"].as_u64().unwrap()).sum(),
        expiries: s.refreshes - s.early + u64::from(last_due),
        refreshes: s.refreshes,
        reused: s.reused,
        early: s.early,
    };
    let errors: Vec<&serde_json::Value> = reports
        .iter()
        .flat_map(|r| r["errors"].as_array().unwrap())
        .collect();
    eprintln!(
        "fleet ({label}): {} processes x 100 tasks for {:.1} s: {} calls, {} failed, {} expiries, \
         {} refreshes, {} early, {} reused refresh tokens; {} calls refused by the service",
        run.processes,
        ended.duration_since(started).as_secs_f64(),
        run.calls,
        run.failed,
        run.expiries,
        run.refreshes,
        run.early,
        run.reused,
        s.calls_refused,
    );
    assert_eq!(run.processes, 8, "a worker failed");
    assert_eq!(run.failed, 0, "calls failed: {errors:?}");
    assert_eq!(run.reused, 0, "a refresh token was presented twice");
    assert!(
        run.refreshes + 1 >= run.expiries && run.refreshes <= run.expiries + 1,
        "refreshes {} vs expiries {}",
        run.refreshes,
        run.expiries
    );
    // Not vacuous: 10 s of 1 s tokens refreshed 300 ms early.
    assert!(run.refreshes >= 8, "only {} refreshes", run.refreshes);
    assert!(run.calls > 10_000, "only {} calls", run.calls);
    run
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("authapi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_a_file_store_refreshes_once_per_expiry() {
    let dir = temp_dir("fleet-file");
    fleet(Store::File(dir.clone()), "file").await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_redis_refreshes_once_per_expiry() {
    let Some(redis) = redis_server::start("a_fleet_on_redis_refreshes_once_per_expiry") else {
        return;
    };
    fleet(Store::Redis(redis.url.clone()), "redis").await;
}

/// The lease holder is killed while the service holds its refresh; another
/// process refreshes within the lease TTL plus 1 s, with no refresh token
/// presented twice, and every surviving process goes on.
async fn crash(store: Store, label: &str, holder: impl Fn(&str) -> Option<u32>) {
    let _one_at_a_time = SERIAL.lock().await;
    let lease_ms = 2000;
    let (service, base) = start_service().await;
    log_in(&store, &base).await;
    service.hold_refresh.store(true, Ordering::SeqCst);
    let mut workers = spawn_workers(4, &base, &store, 6000, lease_ms);
    let outs = ready(&mut workers);
    // The first refresh reaches the service, which holds it.
    tokio::time::timeout(Duration::from_secs(5), service.held.notified())
        .await
        .expect("no refresh arrived");
    let pid = holder(&base).expect("someone holds the lease");
    let victim = workers
        .iter()
        .position(|w| w.id() == pid)
        .unwrap_or_else(|| panic!("the lease holder {pid} is not a worker"));
    let mut killed = workers.remove(victim);
    let mut killed_out = None;
    let outs: Vec<_> = outs
        .into_iter()
        .enumerate()
        .filter_map(|(i, o)| {
            if i == victim {
                killed_out = Some(o);
                None
            } else {
                Some(o)
            }
        })
        .collect();
    killed.kill().unwrap();
    killed.wait().unwrap();
    let killed_at = Instant::now();
    service.release.add_permits(1);
    let reports = tokio::task::spawn_blocking(move || reports(workers, outs))
        .await
        .unwrap();
    let s = service.state.lock().unwrap();
    let first = s
        .refresh_times
        .first()
        .copied()
        .expect("no refresh completed");
    let took = first.duration_since(killed_at);
    eprintln!(
        "crash ({label}): lease holder {pid} killed; the next refresh completed {} ms later \
         (lease TTL {lease_ms} ms); {} refreshes, {} reused, {} survivors, {} calls failed",
        took.as_millis(),
        s.refreshes,
        s.reused,
        reports.len(),
        reports
            .iter()
            .map(|r| r["failed"].as_u64().unwrap())
            .sum::<u64>(),
    );
    assert!(
        took <= Duration::from_millis(lease_ms) + Duration::from_secs(1),
        "took {took:?}"
    );
    assert_eq!(s.reused, 0, "a refresh token was presented twice");
    assert_eq!(reports.len(), 3);
    assert!(s.refreshes >= 3, "the survivors kept refreshing");
    drop(killed_out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_refresh_on_a_file_store_frees_the_lease() {
    let dir = temp_dir("crash-file");
    let lease_dir = dir.clone();
    crash(Store::File(dir.clone()), "file", move |_| {
        // The lease file names its holder: `<pid>-<random>`.
        std::fs::read_dir(&lease_dir).ok()?.find_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "lease" {
                return None;
            }
            let text = std::fs::read_to_string(p).ok()?;
            text.trim().split('-').next()?.parse().ok()
        })
    })
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_refresh_on_redis_frees_the_lease_after_its_ttl() {
    let Some(redis) =
        redis_server::start("a_crash_mid_refresh_on_redis_frees_the_lease_after_its_ttl")
    else {
        return;
    };
    let r = &redis;
    crash(Store::Redis(redis.url.clone()), "redis", |base| {
        // The lease names its holder: `<pid>-<random>`.
        let holder = r.command(&["GET", &format!("authapi:lease:nuextract/fleet/{base}")])?;
        holder.split('-').next()?.parse().ok()
    })
    .await;
}
