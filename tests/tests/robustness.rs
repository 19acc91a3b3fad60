//! Every client when things go wrong: bad responses, network faults,
//! hostile caller input, and secrets that must not leak. Each case runs
//! against all five services over real TCP on 127.0.0.1.
#![allow(deprecated)] // deprecated operations stay tested: deployments may still run them

mod common;

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Config, ConfigError};
use common::{closed_port_url, Behaviour, RawServer, Service, ALL};

/// A recognizable secret used as token, password and API key everywhere.
const SECRET: &str = "SeCrEt-7f3a9-do-not-leak";

#[derive(Debug, PartialEq)]
enum Kind {
    InvalidRequest,
    Communication,
    ErrorResponse,
    ResponseBody,
    InvalidPayload,
    Unexpected,
    Other,
}

/// A failed call, reduced to what the caller can match and read.
#[derive(Debug)]
struct Failure {
    kind: Kind,
    status: Option<u16>,
    timeout: bool,
    connect: bool,
    /// `{:#}`: the message with its whole source chain.
    display: String,
    debug: String,
}

macro_rules! failure {
    ($e:expr) => {{
        let e = $e;
        let (kind, timeout, connect) = match &e {
            svix::Error::InvalidRequest(_) => (Kind::InvalidRequest, false, false),
            svix::Error::CommunicationError(c) => {
                (Kind::Communication, c.is_timeout(), c.is_connect())
            }
            svix::Error::ErrorResponse(_) => (Kind::ErrorResponse, false, false),
            svix::Error::ResponseBodyError(_) => (Kind::ResponseBody, false, false),
            svix::Error::InvalidResponsePayload(..) => (Kind::InvalidPayload, false, false),
            svix::Error::UnexpectedResponse(_) => (Kind::Unexpected, false, false),
            _ => (Kind::Other, false, false),
        };
        Failure {
            kind,
            status: e.status().map(|s| s.as_u16()),
            timeout,
            connect,
            display: format!("{e:#}"),
            debug: format!("{e:?}"),
        }
    }};
}

/// One typical authenticated JSON call per service.
async fn call(service: Service, config: Config) -> Result<(), Failure> {
    match service {
        Service::Glowmarkt => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id("app-id").unwrap();
            c.set_token(SECRET).unwrap();
            c.get_token_of_user()
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        Service::Kleister => {
            let c = kleister::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            c.refresh_auth()
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        Service::Svix => {
            let c = svix::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            c.app_portal_access()
                .app_id("app_1")
                .body(svix::types::AppPortalAccessIn::default())
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        Service::GiantSwarm => {
            let c = giantswarm::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            c.delete_auth_token()
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        Service::NuExtract => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            c.current_user()
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
    }
}

async fn call_against(service: Service, behaviour: Behaviour) -> Failure {
    let server = RawServer::start(behaviour).await;
    let config = Config::new()
        .base_url(&server.base_url)
        .timeout(Duration::from_secs(5));
    let failure = call(service, config).await.expect_err("the call must fail");
    assert_no_secret(&failure);
    failure
}

fn assert_no_secret(f: &Failure) {
    assert!(
        !f.display.contains(SECRET),
        "secret in Display: {}",
        f.display
    );
    assert!(!f.debug.contains(SECRET), "secret in Debug: {}", f.debug);
}

fn json(status: u16, body: &str) -> Behaviour {
    Behaviour::Respond(status, "application/json", body.as_bytes().to_vec())
}

// ---- bad responses -------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_an_invalid_payload_with_the_parse_error() {
    for s in ALL {
        let f = call_against(s, json(200, "{not json")).await;
        assert_eq!(f.kind, Kind::InvalidPayload, "{s:?}: {f:?}");
        assert!(
            f.display.contains("at line 1 column"),
            "{s:?}: {}",
            f.display
        );
    }
}

#[tokio::test]
async fn valid_json_of_the_wrong_shape_is_an_invalid_payload() {
    for s in ALL {
        // Glowmarkt's call answers an array; everyone else an object.
        let body = if s == Service::Glowmarkt {
            r#"{"tokens": 1}"#
        } else {
            "[1, 2, 3]"
        };
        let f = call_against(s, json(200, body)).await;
        assert_eq!(f.kind, Kind::InvalidPayload, "{s:?}: {f:?}");
        assert!(f.display.contains("wrong type"), "{s:?}: {}", f.display);
    }
}

#[tokio::test]
async fn empty_body_where_json_is_expected_is_an_invalid_payload() {
    for s in ALL {
        let f = call_against(s, json(200, "")).await;
        assert_eq!(f.kind, Kind::InvalidPayload, "{s:?}: {f:?}");
        assert!(f.display.contains("ends too early"), "{s:?}: {}", f.display);
    }
}

#[tokio::test]
async fn html_502_page_is_typed_and_readable() {
    let page = b"<html><body>502 Bad Gateway</body></html>".to_vec();
    for s in ALL {
        let f = call_against(s, Behaviour::Respond(502, "text/html", page.clone())).await;
        match s {
            // These specs list no 502 (Glowmarkt only 500): the response is
            // handed over as is, status included.
            Service::Glowmarkt | Service::Svix | Service::GiantSwarm => {
                assert_eq!(f.kind, Kind::Unexpected, "{s:?}: {f:?}");
                assert_eq!(f.status, Some(502), "{s:?}");
            }
            // `5XX` is declared with a JSON error body: the page reaches the
            // caller as the undecodable payload: status, type and length,
            // never the bytes (a body may hold a token).
            Service::Kleister | Service::NuExtract => {
                assert_eq!(f.kind, Kind::InvalidPayload, "{s:?}: {f:?}");
                assert_eq!(f.status, Some(502), "{s:?}");
                assert!(
                    f.display.contains("502 Bad Gateway")
                        && f.display.contains("text/html")
                        && f.display.contains(&format!("{} bytes", page.len()))
                        && !f.display.contains("<body>"),
                    "{s:?}: {}",
                    f.display
                );
            }
        }
    }
}

#[tokio::test]
async fn wrong_content_type_is_an_invalid_payload() {
    for s in ALL {
        let f = call_against(
            s,
            Behaviour::Respond(200, "text/html", b"<html>hello</html>".to_vec()),
        )
        .await;
        assert_eq!(f.kind, Kind::InvalidPayload, "{s:?}: {f:?}");
        assert_eq!(f.status, Some(200), "{s:?}");
        assert!(
            f.display.contains("text/html")
                && f.display.contains("18 bytes")
                && !f.display.contains("hello")
                && !f.debug.contains("hello"),
            "{s:?}: {} / {}",
            f.display,
            f.debug
        );
    }
}

#[tokio::test]
async fn body_cut_off_mid_stream_is_a_response_body_error() {
    let raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"tok".to_vec();
    for s in ALL {
        let f = call_against(s, Behaviour::Raw(raw.clone())).await;
        assert_eq!(f.kind, Kind::ResponseBody, "{s:?}: {f:?}");
    }
}

#[tokio::test]
async fn unlisted_status_is_an_unexpected_response_with_its_status() {
    for s in ALL {
        let f = call_against(s, json(207, "{}")).await;
        assert_eq!(f.kind, Kind::Unexpected, "{s:?}: {f:?}");
        assert_eq!(f.status, Some(207), "{s:?}");
        assert!(f.display.contains("207"), "{s:?}: {}", f.display);
    }
}

#[tokio::test]
async fn body_over_the_limit_is_refused() {
    for s in ALL {
        let server = RawServer::start(Behaviour::Huge(4 * 1024 * 1024)).await;
        let config = Config::new()
            .base_url(&server.base_url)
            .max_response_bytes(64 * 1024);
        let f = call(s, config).await.expect_err("over the limit");
        assert_eq!(f.kind, Kind::ResponseBody, "{s:?}: {f:?}");
        assert!(
            f.display
                .contains("exceeds the client's limit of 65536 bytes"),
            "{s:?}: {}",
            f.display
        );
    }
}

// ---- network faults ------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    for s in ALL {
        let started = Instant::now();
        let f = call(s, Config::new().base_url(closed_port_url()))
            .await
            .expect_err("nothing listens");
        assert_eq!(f.kind, Kind::Communication, "{s:?}: {f:?}");
        assert!(f.connect, "{s:?}: {f:?}");
        assert_no_secret(&f);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[tokio::test]
async fn silent_server_hits_the_timeout() {
    for s in ALL {
        let server = RawServer::start(Behaviour::Hang).await;
        let started = Instant::now();
        let f = call(
            s,
            Config::new()
                .base_url(&server.base_url)
                .timeout(Duration::from_millis(300)),
        )
        .await
        .expect_err("the server never answers");
        assert_eq!(f.kind, Kind::Communication, "{s:?}: {f:?}");
        assert!(f.timeout, "{s:?}: {f:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{s:?}");
        // Every one of these calls is safe to repeat (GET, DELETE, or a Svix
        // POST with its automatic idempotency key): 3 attempts by default.
        assert_eq!(server.request_count(), 3, "{s:?}");
    }
}

#[tokio::test]
async fn reset_connection_is_a_communication_error() {
    for s in ALL {
        let f = call_against(s, Behaviour::Reset).await;
        assert_eq!(f.kind, Kind::Communication, "{s:?}: {f:?}");
    }
}

#[test]
fn default_timeouts_are_documented_values() {
    assert_eq!(authapi::svix::DEFAULT_TIMEOUT, Duration::from_secs(30));
    assert_eq!(
        authapi::svix::DEFAULT_CONNECT_TIMEOUT,
        Duration::from_secs(10)
    );
}

// ---- hostile input from the caller ---------------------------------------

const HOSTILE: [(&str, &str); 8] = [
    // The URL parser reads `\\` as `/` in http(s) paths.
    ("..\\..\\x", "..%5C..%5Cx"),
    ("a/b", "a%2Fb"),
    ("../admin", "..%2Fadmin"),
    ("x?y=1", "x%3Fy=1"),
    ("x#frag", "x%23frag"),
    ("100%", "100%25"),
    ("a b", "a%20b"),
    ("ünï", "%C3%BCn%C3%AF"),
];

/// Calls each operation with a path parameter; returns the request line.
async fn path_call(op: &str, value: &str) -> (Result<(), Failure>, RawServer) {
    let server = RawServer::start(json(200, "[]")).await;
    let config = Config::new().base_url(&server.base_url);
    let result = match op {
        "glowmarkt.delete_token_by_id" => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id("a").unwrap();
            c.set_token("t").unwrap();
            c.delete_token_by_id()
                .token_id(value)
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        "kleister.verify_auth" => {
            let c = kleister::Client::from_config(config).unwrap();
            c.verify_auth()
                .token(value)
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        "nuextract.update_user_token" => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.update_user_token()
                .user_token_id(value)
                .body_map(|b| b.name("n"))
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        "nuextract.delete_user_token" => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.delete_user_token()
                .user_token_id(value)
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        "svix.expire_all" => {
            let c = svix::Client::from_config(config).unwrap();
            c.set_token("t").unwrap();
            c.expire_all()
                .app_id(value)
                .body(svix::types::ApplicationTokenExpireIn::default())
                .send()
                .await
                .map(drop)
                .map_err(|e| failure!(e))
        }
        other => unreachable!("{other}"),
    };
    (result, server)
}

const PATH_OPS: [(&str, &str, &str); 4] = [
    ("glowmarkt.delete_token_by_id", "DELETE", "/auth/token/"),
    ("kleister.verify_auth", "GET", "/auth/verify/"),
    (
        "nuextract.update_user_token",
        "PUT",
        "/api/auth/user-tokens/",
    ),
    (
        "nuextract.delete_user_token",
        "DELETE",
        "/api/auth/user-tokens/",
    ),
];

#[tokio::test]
async fn path_parameters_are_percent_encoded_and_stay_in_their_segment() {
    for (op, method, prefix) in PATH_OPS {
        for (value, encoded) in HOSTILE {
            let (_, server) = path_call(op, value).await;
            assert_eq!(
                server.request_lines(),
                vec![format!("{method} {prefix}{encoded} HTTP/1.1")],
                "{op} with {value:?}"
            );
        }
    }
}

#[tokio::test]
async fn dot_segments_are_refused_before_sending() {
    for (op, _, _) in PATH_OPS {
        for value in [".", "..", ""] {
            let (result, server) = path_call(op, value).await;
            let f = result.expect_err("a dot segment would change the path");
            assert_eq!(f.kind, Kind::InvalidRequest, "{op} {value:?}: {f:?}");
            assert_eq!(
                server.request_count(),
                0,
                "{op} {value:?} reached the server"
            );
        }
    }
}

/// Svix's `app_id` pattern is the service's to check (see the spec's
/// `x-departures`): any value is sent, percent-encoded, inside its segment;
/// dot segments are still refused.
#[tokio::test]
async fn svix_app_id_is_encoded_into_its_segment_and_dots_are_refused() {
    for (value, encoded) in HOSTILE {
        let (_, server) = path_call("svix.expire_all", value).await;
        assert_eq!(
            server.request_lines(),
            vec![format!(
                "POST /api/v1/auth/app/{encoded}/expire-all HTTP/1.1"
            )],
            "{value:?}"
        );
    }
    for value in [".", "..", ""] {
        let (result, server) = path_call("svix.expire_all", value).await;
        assert_eq!(result.unwrap_err().kind, Kind::InvalidRequest, "{value:?}");
        assert_eq!(server.request_count(), 0, "{value:?} reached the server");
    }
}

#[tokio::test]
async fn credentials_with_cr_or_lf_are_refused() {
    for bad in ["tok\r\nX-Evil: 1", "tok\nX", "tok\rX"] {
        let base = Config::new().base_url("http://127.0.0.1:9");
        let refused =
            |r: Result<(), ConfigError>| matches!(r, Err(ConfigError::InvalidHeaderValue { .. }));
        let g = glowmarkt::Client::from_config(base.clone()).unwrap();
        assert!(refused(g.set_token(bad)));
        assert!(refused(g.set_application_id(bad)));
        let k = kleister::Client::from_config(base.clone()).unwrap();
        assert!(refused(k.set_token(bad)));
        let s = svix::Client::from_config(base.clone()).unwrap();
        assert!(refused(s.set_token(bad)));
        let gs = giantswarm::Client::from_config(base.clone()).unwrap();
        assert!(refused(gs.set_token(bad)));
        let n = nuextract::Client::from_config(base).unwrap();
        assert!(refused(n.set_token(bad)));
        let err = g.set_token(bad).unwrap_err().to_string();
        assert!(err.contains("`token`") && !err.contains("X-Evil"), "{err}");
    }
}

#[tokio::test]
async fn per_call_headers_with_cr_or_lf_are_refused_before_sending() {
    let server = RawServer::start(json(200, "{}")).await;
    let config = Config::new().base_url(&server.base_url);
    let bad = "v\r\nX-Evil: 1";

    let s = svix::Client::from_config(config.clone()).unwrap();
    s.set_token("t").unwrap();
    let e = s.logout().idempotency_key(bad).send().await.unwrap_err();
    assert_eq!(failure!(e).kind, Kind::InvalidRequest);

    let gs = giantswarm::Client::from_config(config).unwrap();
    gs.set_token("t").unwrap();
    for which in 0..3 {
        let b = gs.delete_auth_token();
        let b = match which {
            0 => b.x_request_id(bad),
            1 => b.x_giant_swarm_activity(bad),
            _ => b.x_giant_swarm_cmd_line(bad),
        };
        let e = b.send().await.unwrap_err();
        assert_eq!(failure!(e).kind, Kind::InvalidRequest, "header {which}");
    }
    assert_eq!(server.request_count(), 0);
}

// ---- secrets -------------------------------------------------------------

#[test]
fn debug_of_every_client_hides_its_secrets() {
    let base = Config::new().base_url("http://127.0.0.1:9");
    let g = glowmarkt::Client::from_config(base.clone()).unwrap();
    g.set_application_id(SECRET).unwrap();
    g.set_token(SECRET).unwrap();
    let k = kleister::Client::from_config(base.clone()).unwrap();
    k.set_token(SECRET).unwrap();
    let s = svix::Client::from_config(base.clone()).unwrap();
    s.set_token(SECRET).unwrap();
    let gs = giantswarm::Client::from_config(base.clone()).unwrap();
    gs.set_token(SECRET).unwrap();
    let n = nuextract::Client::from_config(base).unwrap();
    n.set_token(SECRET).unwrap();
    for debug in [
        format!("{g:?}"),
        format!("{k:?}"),
        format!("{s:?}"),
        format!("{gs:?}"),
        format!("{n:?}"),
    ] {
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(debug.contains("credentials_set"), "{debug}");
    }
}

#[test]
fn debug_of_bodies_hides_passwords_and_tokens() {
    let login = glowmarkt::types::UserNameLoginReq {
        username: "u".into(),
        password: SECRET.into(),
        directory_id: None,
    };
    let kl = kleister::types::AuthLogin {
        username: "u".into(),
        password: SECRET.into(),
    };
    let gs = giantswarm::types::V4CreateAuthTokenRequest::with_password("e", SECRET);
    let nu = nuextract::types::TokenRequest::refresh(SECRET);
    let sv: svix::types::AppPortalAccessOut =
        serde_json::from_value(serde_json::json!({"url": "https://x/", "token": SECRET})).unwrap();
    for debug in [
        format!("{login:?}"),
        format!("{kl:?}"),
        format!("{nu:?}"),
        format!("{sv:?}"),
    ] {
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
    // Giant Swarm sends base64: neither form may show.
    let debug = format!("{gs:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("U2VDckV0"),
        "{debug}"
    );
    // The wire still carries the real value.
    assert!(serde_json::to_string(&login).unwrap().contains(SECRET));
}

#[tokio::test]
async fn errors_of_failed_calls_never_show_the_secret() {
    // An error response, a refused connection and a timeout, per service.
    for s in ALL {
        call_against(
            s,
            json(
                401,
                r#"{"code":"x","detail":"y","status":401,"message":"m"}"#,
            ),
        )
        .await;
        let f = call(s, Config::new().base_url(closed_port_url()))
            .await
            .unwrap_err();
        assert_no_secret(&f);
    }
    // Kleister's verify carries the token in its path: the URL is kept out.
    let c = kleister::Client::from_config(Config::new().base_url(closed_port_url())).unwrap();
    let e = c.verify_auth().token(SECRET).send().await.unwrap_err();
    let f = failure!(e);
    assert_eq!(f.kind, Kind::Communication);
    assert_no_secret(&f);
}

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.target(), record.args()));
    }
    fn flush(&self) {}
}

#[tokio::test]
async fn log_output_never_contains_the_secret() {
    static LOGGER: OnceLock<&'static Capture> = OnceLock::new();
    let logger = *LOGGER.get_or_init(|| {
        let l: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(l).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        l
    });
    for s in ALL {
        call_against(s, json(401, "{}")).await;
        let _ = call(s, Config::new().base_url(closed_port_url())).await;
    }
    let lines = logger.0.lock().unwrap();
    assert!(!lines.is_empty(), "the capture saw no log records at all");
    for line in lines.iter() {
        assert!(!line.contains(SECRET), "secret in a log line: {line}");
    }
}

// ---- transport -----------------------------------------------------------

#[test]
fn default_base_urls_are_https() {
    for url in [
        glowmarkt::DEFAULT_BASE_URL,
        kleister::DEFAULT_BASE_URL,
        svix::DEFAULT_BASE_URL,
        nuextract::DEFAULT_BASE_URL,
    ] {
        assert!(url.unwrap().starts_with("https://"), "{url:?}");
    }
    assert_eq!(giantswarm::DEFAULT_BASE_URL, None);
}

#[test]
fn default_tls_is_rustls_with_ring_and_no_openssl() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree", "--locked", "-e", "normal", "--prefix", "none", "-p", "authapi",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("rustls v"), "{tree}");
    assert!(tree.contains("ring v"), "{tree}");
    // openssl-probe (pure Rust, locates the system's CA files for
    // rustls-native-certs) is fine; OpenSSL itself and aws-lc are not.
    for absent in ["openssl-sys", "openssl v", "native-tls", "aws-lc"] {
        assert!(!tree.contains(absent), "{absent} in the default tree");
    }
}

/// A build with neither `rustls` nor `native-tls` would compile and then
/// fail every https call at run time; it refuses to compile instead, and
/// says which features to pick.
#[test]
fn a_build_without_a_tls_backend_refuses_to_compile() {
    let target = format!("{}/no-tls", env!("CARGO_TARGET_TMPDIR"));
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "check",
            "--locked",
            "-q",
            "-p",
            "authapi-core",
            "--no-default-features",
            "--features",
            "schemars",
            "--message-format",
            "short",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo check runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it compiled: {stderr}");
    assert!(
        stderr.contains("needs a TLS backend")
            && stderr.contains("`rustls`")
            && stderr.contains("`native-tls`"),
        "{stderr}"
    );
}
