//! `cargo xtask bench`: the three costs a user pays, each beside its floor
//! in the same run. It prints figures and asserts nothing about timing.
//!
//! 1. Regeneration: warm `codegen` of every spec, in process, repeated; the
//!    output must be byte-identical across runs.
//! 2. Per request: `cargo bench -p authapi-tests --bench requests`, the
//!    generated clients against a hand-written reqwest + serde baseline.
//! 3. Instructions (`--instructions`): per-call instruction counts of the
//!    same four targets under callgrind, free of machine noise, plus the
//!    generated clients with retries and tracing off (their on/off ratio),
//!    and a NuExtract session in the memory store and in a Redis store
//!    (a `redis-server` from PATH), with the Redis commands its steady
//!    state runs per call, from the server's `INFO commandstats`.
//! 4. Build (`--build`): a cold release build of `authapi-svix` (default
//!    features, and without `schemars`) against a throwaway crate using only
//!    reqwest + serde + tokio with the same reqwest features, plus each
//!    graph's crate count.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::codegen;

pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let build = args.contains(&"--build");
    let instructions = args.contains(&"--instructions");
    let passthrough: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--build" && *a != "--instructions")
        .collect();

    codegen_speed(root)?;
    requests(root, &passthrough)?;
    if instructions {
        instruction_counts(root)?;
    }
    if build {
        build_cost(root)?;
    } else {
        println!("\nbuild cost: skipped (add --build; two cold release builds take minutes)");
    }
    Ok(())
}

fn codegen_speed(root: &Path) -> Result<(), String> {
    const RUNS: usize = 15;
    let first = codegen::generate_all(root).map_err(|e| format!("{e:?}"))?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let out = codegen::generate_all(root).map_err(|e| format!("{e:?}"))?;
        times.push(t.elapsed());
        for (a, b) in first.iter().zip(&out) {
            if a.contents != b.contents {
                return Err(format!("{} differs between two runs", a.path.display()));
            }
        }
    }
    times.sort();
    let specs = first
        .iter()
        .filter(|o| o.path.ends_with("generated.rs"))
        .count();
    let lines: usize = first.iter().map(|o| o.contents.lines().count()).sum();
    println!(
        "codegen: {specs} specs -> {} files, {lines} lines; warm run median {:.1} ms, min {:.1} ms over {RUNS} runs; output byte-identical across runs",
        first.len(),
        ms(times[RUNS / 2]),
        ms(times[0]),
    );
    Ok(())
}

fn requests(root: &Path, args: &[&str]) -> Result<(), String> {
    println!();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root)
        .args([
            "bench",
            "--locked",
            "-q",
            "-p",
            "authapi-tests",
            "--bench",
            "requests",
            "--",
        ])
        .args(args);
    status(&mut cmd)
}

/// Instructions per call under callgrind: deterministic, unlike wall and
/// CPU time on a shared machine. Per call = (I(2n) - I(n)) / n, which
/// cancels start-up (runtime, TLS roots, client construction).
fn instruction_counts(root: &Path) -> Result<(), String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "bench",
            "--locked",
            "-q",
            "-p",
            "authapi-tests",
            "--bench",
            "requests",
        ])
        .args(["--no-run", "--message-format=json"])
        .output()
        .map_err(|e| e.to_string())?;
    let exe = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            v.get("executable")
                .and_then(|e| e.as_str())
                .map(String::from)
        })
        .next_back()
        .ok_or("no bench executable in cargo's output")?;
    const N: u64 = 2000;
    // A Redis server for the Redis-store target, when one is on PATH.
    let redis = RedisServer::start();
    let commands = std::cell::Cell::new(None::<u64>);
    let count = |target: usize, calls: u64| -> Result<u64, String> {
        let mut cmd = Command::new("valgrind");
        cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&exe)
            .args(["--only", &target.to_string(), "--calls", &calls.to_string()]);
        if let Some(r) = &redis {
            cmd.env("AUTHAPI_BENCH_REDIS", &r.url);
        }
        let out = cmd.output().map_err(|e| format!("valgrind: {e}"))?;
        let err = String::from_utf8_lossy(&out.stderr);
        if let Some(n) = err
            .lines()
            .find_map(|l| l.split("redis commands during the calls: ").nth(1))
        {
            commands.set(n.trim().parse().ok());
        }
        err.lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("no instruction count in valgrind's output: {err}"))
    };
    println!("\ninstructions per call (callgrind, sequential):");
    let names = [
        "svix app_portal_access   generated",
        "svix app_portal_access   baseline ",
        "nuextract current_user   generated",
        "nuextract current_user   baseline ",
        "svix app_portal_access   generated, retries+tracing off",
        "nuextract current_user   generated, retries+tracing off",
        "nuextract current_user   session on, memory store",
        "nuextract current_user   session on, Redis store",
    ];
    let mut per_call = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i == 7 && redis.is_none() {
            println!("  {name}  skipped: no redis-server or valkey-server on PATH");
            continue;
        }
        let n = (count(i, 2 * N)? - count(i, N)?) / N;
        println!("  {name} {n:>8}");
        per_call.push(n as f64);
    }
    println!(
        "  generated/baseline: svix {:.3}, nuextract {:.3}",
        per_call[0] / per_call[1],
        per_call[2] / per_call[3]
    );
    println!(
        "  retries+tracing on/off: svix {:.4}, nuextract {:.4}",
        per_call[0] / per_call[4],
        per_call[2] / per_call[5]
    );
    println!(
        "  session on (memory store)/off: nuextract {:.4}",
        per_call[6] / per_call[2]
    );
    if let Some(redis_per_call) = per_call.get(7) {
        let trips = commands
            .get()
            .map_or("?".to_string(), |c| format!("{}", c as f64 / N as f64));
        println!(
            "  Redis/memory store, steady state: nuextract {:.4}; Redis commands per call: {trips}",
            redis_per_call / per_call[6]
        );
    }
    Ok(())
}

/// A `redis-server` (or `valkey-server`) from PATH on a free port, stopped
/// when dropped.
struct RedisServer {
    child: std::process::Child,
    url: String,
}

impl RedisServer {
    fn start() -> Option<RedisServer> {
        let path = std::env::var_os("PATH")?;
        let bin = std::env::split_paths(&path)
            .flat_map(|d| ["redis-server", "valkey-server"].map(|n| d.join(n)))
            .find(|p| p.is_file())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(RedisServer {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The two one-call programs the build bench compares: the same Svix
/// `app_portal_access` call, hand-written on reqwest + serde, and through
/// `authapi-svix` with its default features. Each is its own throwaway
/// crate (outside the workspace, stripped release profile, the workspace's
/// lock file), built cold.
const BASELINE_MANIFEST: &str = r#"[package]
name = "baseline"
version = "0.0.0"
edition = "2021"
publish = false

# Not part of the authapi workspace.
[workspace]

[profile.release]
strip = true

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "query", "stream", "rustls-no-provider"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12", "logging"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", default-features = false, features = ["rt"] }
"#;

const BASELINE_MAIN: &str = r#"
#[derive(serde::Serialize)]
struct PortalIn { #[serde(rename = "featureFlags")] feature_flags: Vec<String> }
#[derive(serde::Deserialize, Debug)]
struct PortalOut { url: String, token: String }

fn main() {
    let base = std::env::args().nth(1).unwrap_or_else(|| "https://api.svix.com".into());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().build().unwrap();
        let out = client
            .post(format!("{base}/api/v1/auth/app-portal-access/app_1/"))
            .bearer_auth("sk_token")
            .json(&PortalIn { feature_flags: Vec::new() })
            .send()
            .await
            .and_then(|r| r.error_for_status());
        match out {
            Ok(r) => println!("{:?}", r.json::<PortalOut>().await.map(|o| o.url.len() + o.token.len())),
            Err(e) => println!("{e}"),
        }
    });
}
"#;

fn generated_manifest(root: &Path) -> String {
    format!(
        r#"[package]
name = "one-call"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[profile.release]
strip = true

[dependencies]
authapi-svix = {{ path = "{}" }}
tokio = {{ version = "1", default-features = false, features = ["rt"] }}
"#,
        root.join("crates/svix").display()
    )
}

const GENERATED_MAIN: &str = r#"
use authapi_svix::{types::AppPortalAccessIn, Client, Config};

fn main() {
    let base = std::env::args().nth(1).unwrap_or_else(|| "https://api.svix.com".into());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = Client::from_config(Config::new().base_url(base)).unwrap();
        client.set_token("sk_token").unwrap();
        let out = client
            .app_portal_access()
            .app_id("app_1")
            .body(AppPortalAccessIn::default())
            .send()
            .await;
        match out {
            Ok(o) => println!("{}", o.token.expose().len()),
            Err(e) => println!("{e}"),
        }
    });
}
"#;

/// CPU seconds of the waited-for children of this process (user + system),
/// from /proc: the build's CPU cost, whatever the machine's load.
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`: the 14th and 15th of the rest are cutime
    // and cstime, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    (f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0)) as f64 / 100.0
}

fn throwaway(dir: &Path, manifest: &str, main: &str, lock: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), main).map_err(|e| e.to_string())?;
    // Same versions as the workspace: start from its lock file.
    std::fs::copy(lock, dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(())
}

fn build_cost(root: &Path) -> Result<(), String> {
    let dir = root.join("target").join("bench-build");
    let lock = root.join("Cargo.lock");
    let baseline = dir.join("baseline");
    let generated = dir.join("one-call");
    throwaway(&baseline, BASELINE_MANIFEST, BASELINE_MAIN, &lock)?;
    throwaway(&generated, &generated_manifest(root), GENERATED_MAIN, &lock)?;

    println!(
        "\nbuild cost and binary size: a one-call program, cold `cargo build --release` (stripped), {} cores",
        cores()
    );
    let target = dir.join("target");
    let mut rows = Vec::new();
    for (name, cwd, bin) in [
        ("authapi-svix (default features)", &generated, "one-call"),
        ("hand-written reqwest + serde", &baseline, "baseline"),
    ] {
        let _ = std::fs::remove_dir_all(&target);
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(cwd)
            .args(["build", "--release", "-q", "--target-dir"])
            .arg(&target);
        let cpu = children_cpu();
        let t = Instant::now();
        status(&mut cmd)?;
        let wall = t.elapsed().as_secs_f64();
        let cpu = children_cpu() - cpu;
        let crates = crate_count(cwd, &[])?;
        let size = std::fs::metadata(target.join("release").join(bin))
            .map_err(|e| e.to_string())?
            .len() as f64;
        println!(
            "  {name:<34} {cpu:>7.1} CPU s {wall:>7.1} s wall  {crates:>4} crates  {:>6.2} MB",
            size / 1e6
        );
        rows.push((cpu, crates, size));
    }
    let ((g_cpu, g_crates, g_size), (b_cpu, b_crates, b_size)) = (rows[0], rows[1]);
    println!(
        "  generated/baseline: build CPU {:.3}, crates {g_crates}/{b_crates}, stripped binary {:.3}",
        g_cpu / b_cpu,
        g_size / b_size
    );
    Ok(())
}

fn crate_count(cwd: &Path, args: &[&str]) -> Result<usize, String> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(cwd)
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(args);
    let out = cmd.output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)"))
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines.dedup();
    Ok(lines.len())
}

fn status(cmd: &mut Command) -> Result<(), String> {
    let st = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {st}"))
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
