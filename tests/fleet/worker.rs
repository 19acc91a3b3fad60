//! One process of the fleet tests (`tests/tests/fleet.rs`): a NuExtract
//! client on a shared session store, with automatic refresh, running
//! `tasks` concurrent tasks that each call a token-bearing operation until
//! `millis` have passed. It prints `ready` once its client is built, then
//! one JSON line: its process id, calls that succeeded and calls that
//! failed, with the first failures' messages.
//!
//! Usage: `fleet-worker <base-url> <file:DIR|redis:URL> <tasks> <millis>
//! <margin-ms> <lease-ms> <pause-ms>`

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authapi::store::{FileStore, RedisStore};
use authapi::{nuextract, Config};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, store, tasks, millis, margin, lease, pause] = &args[..] else {
        eprintln!("usage: fleet-worker <base-url> <file:DIR|redis:URL> <tasks> <millis> <margin-ms> <lease-ms> <pause-ms>");
        std::process::exit(2);
    };
    let num = |s: &str| s.parse::<u64>().expect("a number");
    let config = Config::new()
        .base_url(base)
        .session_name("fleet")
        .lease_ttl(Duration::from_millis(num(lease)));
    let config = if let Some(dir) = store.strip_prefix("file:") {
        config.session_store(FileStore::new(dir).expect("file store"))
    } else if let Some(url) = store.strip_prefix("redis:") {
        config.session_store(RedisStore::open(url).expect("redis store"))
    } else {
        panic!("unknown store {store}");
    };
    let client = nuextract::Client::from_config(config).expect("client");
    client.enable_auto_refresh(Duration::from_millis(num(margin)));
    println!("ready");
    std::io::stdout().flush().unwrap();

    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_millis(num(millis));
    let pause = Duration::from_millis(num(pause));
    let mut handles = Vec::new();
    for _ in 0..num(tasks) {
        let (client, ok, failed, errors) =
            (client.clone(), ok.clone(), failed.clone(), errors.clone());
        handles.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match client.current_user().send().await {
                    Ok(_) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        let mut errors = errors.lock().unwrap();
                        if errors.len() < 5 {
                            errors.push(e.to_string());
                        }
                    }
                }
                tokio::time::sleep(pause).await;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let report = serde_json::json!({
        "pid": std::process::id(),
        "ok": ok.load(Ordering::Relaxed),
        "failed": failed.load(Ordering::Relaxed),
        "errors": *errors.lock().unwrap(),
    });
    println!("{report}");
}
