//! Per-request cost of the generated clients against a hand-written
//! reqwest + serde baseline that sends the identical request.
//!
//! A keep-alive HTTP/1.1 server with fixed JSON answers runs in a child
//! process (this binary with `--serve`), so the CPU time measured here is
//! the client's alone. Generated and baseline runs are interleaved within
//! each round; the table shows medians over the rounds.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p authapi-tests --bench
//! requests -- [--calls N] [--rounds R]`). It prints figures; it asserts
//! nothing about timing.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authapi::nuextract::ClientInfo;
use authapi::{nuextract, svix, Config};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "sk_bench_token";
const APP: &str = "app_bench";
const CONCURRENCY: usize = 64;

const PORTAL_JSON: &str = r#"{"url":"https://app.svix.com/login#key=eyJhcHBJZCI6ImFwcF9iZW5jaCJ9","token":"appsk_bench_0123456789"}"#;
const USER_JSON: &str = r#"{"email":"bench@example.com"}"#;

// ---- the server (child process) -------------------------------------------

fn serve() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        std::io::stdout().flush().unwrap();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            socket.set_nodelay(true).unwrap();
            tokio::spawn(connection(socket));
        }
    });
}

fn response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
        body.len(),
        body
    )
    .into_bytes()
}

async fn connection(mut socket: tokio::net::TcpStream) {
    let portal = response(PORTAL_JSON);
    let user = response(USER_JSON);
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // One request: head up to CRLFCRLF, then content-length bytes.
        let (head_end, len) = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                break (end + 4, len);
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        while buf.len() < head_end + len {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let answer = if buf.starts_with(b"GET /api/auth/me") {
            &user
        } else {
            &portal
        };
        buf.drain(..head_end + len);
        if socket.write_all(answer).await.is_err() {
            return;
        }
    }
}

struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--serve")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the bench server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Server {
            child,
            base_url: format!("http://{}", line.trim()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- the baseline: hand-written reqwest + serde ---------------------------

#[derive(Serialize)]
struct PortalIn<'a> {
    #[serde(rename = "featureFlags")]
    feature_flags: &'a [String],
}

#[allow(dead_code)] // fields are decoded, as the generated client does
#[derive(Deserialize)]
struct PortalOut {
    url: String,
    token: String,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct User {
    email: String,
}

/// What authapi's `Config` builds, without authapi.
fn baseline_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(authapi::svix::DEFAULT_TIMEOUT)
        .connect_timeout(authapi::svix::DEFAULT_CONNECT_TIMEOUT)
        .user_agent(concat!("authapi/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap()
}

#[derive(Clone)]
enum Target {
    SvixGenerated(svix::Client),
    SvixBaseline(reqwest::Client, Arc<String>),
    NuGenerated(nuextract::Client),
    NuBaseline(reqwest::Client, Arc<String>),
}

impl Target {
    async fn call(&self) {
        match self {
            Target::SvixGenerated(c) => {
                let out = c
                    .app_portal_access()
                    .app_id(APP)
                    .body(svix::types::AppPortalAccessIn::default())
                    .send()
                    .await
                    .unwrap();
                std::hint::black_box(out);
            }
            Target::SvixBaseline(c, base) => {
                let out: PortalOut = c
                    .post(format!("{base}/api/v1/auth/app-portal-access/{APP}"))
                    .header(reqwest::header::ACCEPT, "application/json")
                    .bearer_auth(TOKEN)
                    .json(&PortalIn { feature_flags: &[] })
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                std::hint::black_box(out);
            }
            Target::NuGenerated(c) => {
                let out = c.current_user().send().await.unwrap();
                std::hint::black_box(out);
            }
            Target::NuBaseline(c, base) => {
                let out: User = c
                    .get(format!("{base}/api/auth/me"))
                    .header(reqwest::header::ACCEPT, "application/json")
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                std::hint::black_box(out);
            }
        }
    }
}

// ---- measurement -----------------------------------------------------------

/// Commands the Redis server at `url` (`redis://host:port`) has run, less
/// the `INFO` that asks: from its own `INFO commandstats`, over raw RESP.
fn redis_commands(url: &str) -> u64 {
    use std::io::Read;
    let addr = url.trim_start_matches("redis://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")
        .unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 8192];
    // A bulk string: `$<len>\r\n<body>\r\n`.
    loop {
        let n = s.read(&mut buf).unwrap();
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
        let Some((len, rest)) = text[1..].split_once("\r\n") else {
            continue;
        };
        if rest.len() >= len.parse::<usize>().unwrap() {
            break;
        }
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter(|l| !l.starts_with("info:"))
        .filter_map(|l| {
            l.split(',')
                .next()?
                .split("calls=")
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

struct Run {
    req_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    cpu_us: f64,
}

async fn run(target: &Target, calls: usize, concurrent: bool) -> Run {
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let mut lat: Vec<Duration> = if concurrent {
        let per_task = calls / CONCURRENCY;
        let tasks: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let target = target.clone();
                tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(per_task);
                    for _ in 0..per_task {
                        let t = Instant::now();
                        target.call().await;
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::with_capacity(calls);
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    } else {
        let mut lat = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            target.call().await;
            lat.push(t.elapsed());
        }
        lat
    };
    let wall = t0.elapsed();
    let cpu = cpu_time() - cpu0;
    lat.sort();
    let n = lat.len();
    let pct = |p: f64| lat[((n as f64 * p) as usize).min(n - 1)].as_secs_f64() * 1e6;
    Run {
        req_per_s: n as f64 / wall.as_secs_f64(),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        cpu_us: cpu.as_secs_f64() * 1e6 / n as f64,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        return serve();
    }
    let calls = arg("--calls", 20_000);
    let rounds = arg("--rounds", 5);
    let server = Server::start();
    // A profiled sequential run uses one thread: no work stealing or idle
    // spinning, so callgrind's instruction counts repeat exactly.
    let profiled =
        std::env::args().any(|a| a == "--only") && !std::env::args().any(|a| a == "--concurrent");
    let rt = if profiled {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    rt.block_on(async {
        let base = Arc::new(server.base_url.clone());
        let svix_gen = svix::Client::from_config(Config::new().base_url(base.as_str())).unwrap();
        svix_gen.set_token(TOKEN).unwrap();
        let nu_gen = nuextract::Client::from_config(Config::new().base_url(base.as_str())).unwrap();
        nu_gen.set_token(TOKEN).unwrap();
        let targets = [
            ("svix app_portal_access", "generated", Target::SvixGenerated(svix_gen)),
            ("svix app_portal_access", "baseline", Target::SvixBaseline(baseline_client(), base.clone())),
            ("nuextract current_user", "generated", Target::NuGenerated(nu_gen)),
            ("nuextract current_user", "baseline", Target::NuBaseline(baseline_client(), base.clone())),
        ];
        // Targets 4 and 5: the generated clients with retries and tracing
        // off, to price the two on the no-failure path (profiled only).
        let lean = || {
            Config::new()
                .base_url(base.as_str())
                .retry(authapi::Retry::disabled())
                .tracing(false)
        };
        let svix_lean = svix::Client::from_config(lean()).unwrap();
        svix_lean.set_token(TOKEN).unwrap();
        let nu_lean = nuextract::Client::from_config(lean()).unwrap();
        nu_lean.set_token(TOKEN).unwrap();
        // Target 6: a session on (automatic refresh, a token an hour from
        // due) in the default memory store. Target 7: the same session in a
        // Redis store (`AUTHAPI_BENCH_REDIS`), whose steady state must make
        // no store round trip; the bench counts them from the server's
        // `INFO commandstats`.
        let session = |config: Config| {
            let c = nuextract::Client::from_config(config.base_url(base.as_str())).unwrap();
            c.set_token(TOKEN).unwrap();
            c.inner().set_expiry(std::time::SystemTime::now().checked_add(Duration::from_secs(3600)));
            c.enable_auto_refresh(Duration::from_secs(60));
            c
        };
        let mut lean_targets = vec![
            Target::SvixGenerated(svix_lean),
            Target::NuGenerated(nu_lean),
            Target::NuGenerated(session(Config::new())),
        ];
        let redis = std::env::var("AUTHAPI_BENCH_REDIS").ok();
        if let Some(url) = &redis {
            let store = authapi::store::RedisStore::open(url).unwrap();
            let c = session(Config::new().session_store(store));
            // The token reaches the store before the measured calls.
            c.save_session().await.unwrap();
            c.current_user().send().await.unwrap();
            lean_targets.push(Target::NuGenerated(c));
        }
        // `--only N [--concurrent]`: the calls of target N alone, no report;
        // for profilers (callgrind's instruction counts, perf).
        if let Some(only) = std::env::args().position(|a| a == "--only") {
            let i: usize = std::env::args().nth(only + 1).and_then(|v| v.parse().ok()).unwrap_or(0);
            let concurrent = std::env::args().any(|a| a == "--concurrent");
            let target = match targets.get(i) {
                Some(t) => &t.2,
                None => &lean_targets[i - targets.len()],
            };
            let before = redis.as_deref().map(redis_commands);
            run(target, calls, concurrent).await;
            if let (Some(url), Some(before)) = (redis.as_deref(), before) {
                // Stderr: valgrind's report goes there too, and xtask reads it.
                eprintln!("redis commands during the calls: {}", redis_commands(url) - before);
            }
            return;
        }
        println!(
            "requests: {calls} calls per run, {rounds} rounds, generated and baseline interleaved; medians over rounds"
        );
        for (mode, concurrent) in [("sequential", false), ("64 tasks", true)] {
            // Warm-up: connections, allocator, branch predictors.
            for (_, _, t) in &targets {
                run(t, 2_000.min(calls), concurrent).await;
            }
            let mut results: Vec<Vec<Run>> = targets.iter().map(|_| Vec::new()).collect();
            // The order rotates each round (and reverses every other), so
            // that no client always runs first or always follows the same one.
            for round in 0..rounds {
                let n = targets.len();
                for k in 0..n {
                    let i = if round % 2 == 0 { (k + round) % n } else { (n - 1 - k + round) % n };
                    results[i].push(run(&targets[i].2, calls, concurrent).await);
                }
            }
            println!("\n{mode}:");
            println!(
                "{:<24} {:<10} {:>10} {:>9} {:>9} {:>12}",
                "operation", "client", "req/s", "p50 µs", "p99 µs", "CPU µs/req"
            );
            let med: Vec<[f64; 4]> = results
                .iter()
                .map(|runs| {
                    [
                        median(runs.iter().map(|r| r.req_per_s).collect()),
                        median(runs.iter().map(|r| r.p50_us).collect()),
                        median(runs.iter().map(|r| r.p99_us).collect()),
                        median(runs.iter().map(|r| r.cpu_us).collect()),
                    ]
                })
                .collect();
            for (i, (op, client, _)) in targets.iter().enumerate() {
                let m = med[i];
                println!(
                    "{:<24} {:<10} {:>10.0} {:>9.1} {:>9.1} {:>12.2}",
                    op, client, m[0], m[1], m[2], m[3]
                );
            }
            for pair in [0, 2] {
                let (g, b) = (med[pair], med[pair + 1]);
                println!(
                    "{:<24} generated/baseline: throughput {:.3}, p50 {:.3}, CPU/req {:.3}",
                    targets[pair].0,
                    g[0] / b[0],
                    g[1] / b[1],
                    g[3] / b[3]
                );
            }
        }
    });
}
