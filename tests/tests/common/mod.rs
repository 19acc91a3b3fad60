//! A raw HTTP/1.1 server on 127.0.0.1 for the cases httpmock cannot play:
//! cut-off bodies, resets, silence, huge streamed bodies. It records every
//! request head and body it receives.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The five services, for tests that go through each.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Service {
    Glowmarkt,
    Kleister,
    Svix,
    GiantSwarm,
    NuExtract,
}

pub const ALL: [Service; 5] = [
    Service::Glowmarkt,
    Service::Kleister,
    Service::Svix,
    Service::GiantSwarm,
    Service::NuExtract,
];

/// What the server does with each request.
#[derive(Clone)]
pub enum Behaviour {
    /// Send these bytes verbatim, then close.
    Raw(Vec<u8>),
    /// A response with this status, content type and body.
    Respond(u16, &'static str, Vec<u8>),
    /// Accept, read the request, never answer.
    Hang,
    /// Read the request, then reset the connection (RST).
    Reset,
    /// 200 `application/json` with a body of `n` bytes streamed in chunks,
    /// never held in memory at once.
    Huge(usize),
    /// The n-th request gets the n-th behaviour; the last one repeats.
    Script(Vec<Behaviour>),
    /// The function answers each request (its head and body) with a status,
    /// extra header lines and a JSON body, on a keep-alive connection.
    /// A header line `x-delay-ms: <n>` slows the answer by `n` ms; a line
    /// `x-hold: 1` keeps it until the test calls [`RawServer::release`].
    Handler(Handler),
    /// Every request, on a keep-alive connection, gets what the slot holds
    /// at that moment: status, content type, body bytes (any bytes).
    Slot(Arc<Mutex<Answer>>),
}

/// See [`Behaviour::Handler`].
pub type Handler = Arc<dyn Fn(&str) -> (u16, String, String) + Send + Sync>;

/// See [`Behaviour::Slot`].
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// How many lines of the request head name header `name` (a header sent
/// twice counts twice).
pub fn header_count(request: &str, name: &str) -> usize {
    let head = request.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .skip(1)
        .filter(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        })
        .count()
}

/// The value of header `name` in a recorded request.
pub fn header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    request.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

pub struct RawServer {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
    /// When each request arrived, in order.
    pub times: Arc<Mutex<Vec<Instant>>>,
    /// Answers marked `x-hold` wait for a permit of this gate.
    hold: Arc<tokio::sync::Semaphore>,
}

impl RawServer {
    pub async fn start(behaviour: Behaviour) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let times = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let when = times.clone();
        let counter = Arc::new(AtomicUsize::new(0));
        let hold = Arc::new(tokio::sync::Semaphore::new(0));
        let gate = hold.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                // Head and body go out in two writes: without this, Nagle's
                // algorithm holds the body for the client's delayed ACK.
                let _ = socket.set_nodelay(true);
                let behaviour = behaviour.clone();
                let seen = seen.clone();
                let when = when.clone();
                let counter = counter.clone();
                let gate = gate.clone();
                tokio::spawn(
                    async move { serve(socket, behaviour, seen, when, counter, gate).await },
                );
            }
        });
        RawServer {
            base_url,
            requests,
            times,
            hold,
        }
    }

    /// Lets `n` held answers (`x-hold`) go, now or when they arrive.
    pub fn release(&self, n: usize) {
        self.hold.add_permits(n);
    }

    /// The gaps between consecutive requests.
    pub fn gaps(&self) -> Vec<Duration> {
        let t = self.times.lock().unwrap();
        t.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// The request lines (`METHOD /path HTTP/1.1`) received so far.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.lines().next().unwrap_or_default().to_string())
            .collect()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = socket.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(String::from_utf8_lossy(&buf).to_string());
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn serve(
    mut socket: TcpStream,
    behaviour: Behaviour,
    seen: Arc<Mutex<Vec<String>>>,
    when: Arc<Mutex<Vec<Instant>>>,
    counter: Arc<AtomicUsize>,
    hold: Arc<tokio::sync::Semaphore>,
) {
    if let Behaviour::Slot(slot) = &behaviour {
        while let Some(request) = read_request(&mut socket).await {
            when.lock().unwrap().push(Instant::now());
            seen.lock().unwrap().push(request);
            let answer = slot.lock().unwrap().clone();
            let head = format!(
                "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
                answer.status,
                answer.content_type,
                answer.body.len()
            );
            if socket.write_all(head.as_bytes()).await.is_err()
                || socket.write_all(&answer.body).await.is_err()
            {
                return;
            }
        }
        return;
    }
    if let Behaviour::Handler(handler) = &behaviour {
        // Keep-alive: answer every request on this connection.
        while let Some(request) = read_request(&mut socket).await {
            when.lock().unwrap().push(Instant::now());
            seen.lock().unwrap().push(request.clone());
            let (status, headers, body) = handler(&request);
            // A handler slows its answer with an `x-delay-ms` header line.
            if let Some(ms) = headers
                .lines()
                .find_map(|l| l.strip_prefix("x-delay-ms: "))
                .and_then(|v| v.trim().parse::<u64>().ok())
            {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            if headers.lines().any(|l| l.starts_with("x-hold:")) {
                match hold.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => return,
                }
            }
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\n\r\n",
                body.len()
            );
            if socket.write_all(head.as_bytes()).await.is_err()
                || socket.write_all(body.as_bytes()).await.is_err()
            {
                return;
            }
        }
        return;
    }
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    when.lock().unwrap().push(Instant::now());
    seen.lock().unwrap().push(request);
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let behaviour = match behaviour {
        Behaviour::Script(steps) => steps[n.min(steps.len() - 1)].clone(),
        other => other,
    };
    match behaviour {
        Behaviour::Raw(bytes) => {
            let _ = socket.write_all(&bytes).await;
        }
        Behaviour::Respond(status, content_type, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Behaviour::Reset => {
            let _ = socket.set_zero_linger();
            drop(socket);
        }
        Behaviour::Huge(n) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n"
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let chunk = vec![b' '; 64 * 1024];
            let mut left = n;
            while left > 0 {
                let k = left.min(chunk.len());
                if socket.write_all(&chunk[..k]).await.is_err() {
                    return;
                }
                left -= k;
            }
        }
        Behaviour::Script(_) | Behaviour::Handler(_) | Behaviour::Slot(_) => {
            unreachable!("handled above")
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on.
pub fn closed_port_url() -> String {
    // A port bound but never listened on, held for the whole test process:
    // connections to it are refused, and no other test's server can take
    // it (a port freed after binding could be reused by a parallel test).
    static RESERVED: std::sync::OnceLock<(tokio::net::TcpSocket, std::net::SocketAddr)> =
        std::sync::OnceLock::new();
    let (_, addr) = RESERVED.get_or_init(|| {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        (socket, addr)
    });
    format!("http://{addr}")
}
