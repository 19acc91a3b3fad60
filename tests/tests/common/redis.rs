//! A real `redis-server` (or `valkey-server`) from PATH for the tests: on a
//! free port, in its own temporary folder, stopped when dropped.
//!
//! Without a server binary the tests that need one print that they were
//! skipped and why, unless `AUTHAPI_REQUIRE_REDIS` is set (CI sets it),
//! which makes a missing binary a failure.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Redis {
    bin: PathBuf,
    child: Option<Child>,
    pub port: u16,
    pub url: String,
    dir: PathBuf,
}

fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["redis-server", "valkey-server"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A running server, or `None` (after saying why) when there is none to
/// run and none is required.
pub fn start(test: &str) -> Option<Redis> {
    let Some(bin) = find() else {
        if std::env::var_os("AUTHAPI_REQUIRE_REDIS").is_some() {
            panic!(
                "{test}: AUTHAPI_REQUIRE_REDIS is set but no redis-server or valkey-server \
                 is on PATH (Debian: apt-get install -y redis-server)"
            );
        }
        eprintln!(
            "{test}: SKIPPED: no redis-server or valkey-server on PATH \
             (Debian: apt-get install -y redis-server); set AUTHAPI_REQUIRE_REDIS=1 to fail instead"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("authapi-redis-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut r = Redis {
        bin,
        child: None,
        port,
        url: format!("redis://127.0.0.1:{port}"),
        dir,
    };
    r.run();
    Some(r)
}

impl Redis {
    fn run(&mut self) {
        let child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(10);
        while self.command(&["PING"]).as_deref() != Some("PONG") {
            assert!(Instant::now() < until, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server (SIGKILL): the store is unreachable until
    /// [`Redis::restart`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port (empty).
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }

    /// One command over RESP, its answer as text (a bulk or simple string,
    /// or an integer), `None` for nil or no server.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(out.as_bytes()).ok()?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            let Some(line_end) = text.find("\r\n") else {
                continue;
            };
            let first = &text[..line_end];
            match first.as_bytes()[0] {
                b'+' | b':' => return Some(first[1..].to_string()),
                b'-' => return Some(first.to_string()),
                b'$' => {
                    let len: i64 = first[1..].parse().ok()?;
                    if len < 0 {
                        return None;
                    }
                    let start = line_end + 2;
                    if buf.len() >= start + len as usize {
                        return Some(
                            String::from_utf8_lossy(&buf[start..start + len as usize]).into_owned(),
                        );
                    }
                }
                _ => return Some(text),
            }
        }
    }

    /// How many times each command ran (`INFO commandstats`), by name.
    pub fn command_counts(&self) -> std::collections::HashMap<String, u64> {
        let info = self.command(&["INFO", "commandstats"]).unwrap_or_default();
        info.lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("cmdstat_")?;
                let (name, stats) = rest.split_once(':')?;
                let calls = stats.split(',').find_map(|kv| kv.strip_prefix("calls="))?;
                Some((name.to_string(), calls.parse().ok()?))
            })
            .collect()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
