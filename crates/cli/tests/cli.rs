//! The `authapi` binary run as a real process against fake services on
//! 127.0.0.1: for every service `login`, `token`, `status`, one operation
//! and `logout`, with the session file's mode and every output searched
//! for every secret; a due token refreshed once by `token`, also by 10
//! processes at once; bad input (exit 2, nothing sent); a corrupted store
//! (exit 4, file kept); a 500 (exit 1, the service's message); completions.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// What a fake service does with one request: `(status, JSON body)`.
type Handler = Arc<dyn Fn(&Request) -> (u16, String) + Send + Sync>;

#[derive(Clone, Debug)]
struct Request {
    line: String,
    headers: HashMap<String, String>,
    body: String,
}

struct Fake {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    fn start(handler: impl Fn(&Request) -> (u16, String) + Send + Sync + 'static) -> Fake {
        let handler: Handler = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for socket in listener.incoming() {
                let Ok(socket) = socket else { return };
                let (handler, seen) = (handler.clone(), seen.clone());
                std::thread::spawn(move || serve(socket, handler, seen));
            }
        });
        Fake { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.line.starts_with(prefix))
            .count()
    }
}

fn serve(socket: TcpStream, handler: Handler, seen: Arc<Mutex<Vec<Request>>>) {
    let mut reader = BufReader::new(socket.try_clone().unwrap());
    let mut socket = socket;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            line: line.trim_end().to_string(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        seen.lock().unwrap().push(request.clone());
        let (status, answer) = handler(&request);
        let out = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if socket.write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A home of its own for each test: the sessions land in
/// `<home>/config/authapi/sessions`.
struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Home {
        let d = std::env::temp_dir().join(format!("authapi-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Home(d)
    }

    fn sessions(&self) -> PathBuf {
        self.0.join("config/authapi/sessions")
    }

    /// `authapi <args>` with `stdin`, as a process.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_env(args, stdin, &[])
    }

    fn run_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authapi"))
            .args(args)
            .env_clear()
            .env("HOME", &self.0)
            .env("XDG_CONFIG_HOME", self.0.join("config"))
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Every session file and its mode.
    fn files(&self) -> Vec<(PathBuf, u32)> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::read_dir(self.sessions())
            .map(|d| {
                d.map(|e| {
                    let p = e.unwrap().path();
                    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
                    (p, mode)
                })
                .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code `code`, or a panic showing both outputs.
#[track_caller]
fn expect(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// None of `secrets` in `o`'s stdout or stderr (the positive control of
/// each search is the `token` command, whose stdout holds its token).
#[track_caller]
fn no_secret(o: &Output, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !stdout(o).contains(s) && !stderr(o).contains(s),
            "{s} leaked: stdout {} stderr {}",
            stdout(o),
            stderr(o)
        );
    }
}

/// The one session file is 0600, in a 0700 folder.
#[track_caller]
fn private(home: &Home) {
    use std::os::unix::fs::PermissionsExt;
    let files = home.files();
    assert!(
        files
            .iter()
            .any(|(p, _)| p.extension().is_some_and(|e| e == "json")),
        "{files:?}"
    );
    for (p, mode) in &files {
        assert_eq!(*mode, 0o600, "{}", p.display());
    }
    let dir = std::fs::metadata(home.sessions())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir, 0o700);
}

/// login, token, status, `op`, logout, for one service.
#[allow(clippy::too_many_arguments)]
fn round_trip(
    service: &str,
    fake: &Fake,
    login: &[&str],
    login_stdin: &str,
    token: &str,
    op: &[&str],
    env: &[(&str, &str)],
    secrets: &[&str],
) {
    let home = Home::new(service);
    let base = ["--base-url", fake.url.as_str()];
    let with = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec![service.to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        v.extend(base.iter().map(|s| s.to_string()));
        v
    };
    let run = |args: &[&str], stdin: &str| {
        let args = with(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        home.run_env(&args, stdin, env)
    };
    let o = run(login, login_stdin);
    expect(&o, 0);
    no_secret(&o, secrets);
    no_secret(&o, &[token]);
    private(&home);

    let o = run(&["token"], "");
    expect(&o, 0);
    assert_eq!(
        stdout(&o),
        format!("{token}\n"),
        "{service}: token prints the token only"
    );

    let o = run(&["status"], "");
    expect(&o, 0);
    let status: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(status["logged_in"], true, "{status}");
    assert_eq!(status["service"], service);
    assert!(status["base_url"].as_str().unwrap().starts_with(&fake.url));
    no_secret(&o, secrets);
    no_secret(&o, &[token]);

    let o = run(op, "");
    expect(&o, 0);
    no_secret(&o, secrets);

    let o = run(&["logout"], "");
    expect(&o, 0);
    no_secret(&o, secrets);
    no_secret(&o, &[token]);

    // Logged out: `token` says so (exit 4), and prints no token.
    let o = run(&["token"], "");
    expect(&o, 4);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("not logged in"), "{}", stderr(&o));
    no_secret(&o, &[token]);
}

#[test]
fn kleister_login_token_status_verify_logout() {
    let fake = Fake::start(|r| match r.line.as_str() {
        l if l.starts_with("POST /auth/login ") => (
            200,
            r#"{"token":"kl-Token-1","expires_at":"2099-01-01T00:00:00Z"}"#.to_string(),
        ),
        l if l.starts_with("GET /auth/verify ") => {
            assert_eq!(r.headers["x-api-key"], "kl-Token-1");
            (200, r#"{"username":"me"}"#.into())
        }
        _ => (404, r#"{"status":404,"message":"no route"}"#.into()),
    });
    round_trip(
        "kleister",
        &fake,
        &["login", "--username", "me", "--password-stdin"],
        "kl-Password-9\n",
        "kl-Token-1",
        &["verify"],
        &[],
        &["kl-Password-9"],
    );
    let login = &fake.requests()[0];
    assert!(
        login.body.contains("kl-Password-9"),
        "the password went to login"
    );
}

#[test]
fn glowmarkt_login_token_status_operation_logout() {
    let fake = Fake::start(|r| match r.line.as_str() {
        l if l.starts_with("POST /auth ") => (
            200,
            format!(
                r#"{{"valid":true,"token":"gm-Token-1","exp":{},"applicationId":"gm-App-7"}}"#,
                now() + 3600
            ),
        ),
        l if l.starts_with("GET /auth/token ") => (200, "[]".into()),
        l if l.starts_with("DELETE /auth/deleteToken ")
            || l.starts_with("GET /auth/deleteToken ") =>
        {
            (200, r#"{"valid":true}"#.into())
        }
        _ => (404, r#"{"error":"no route"}"#.into()),
    });
    round_trip(
        "glowmarkt",
        &fake,
        &["login", "--username", "me", "--password-stdin"],
        "gm-Password-9\n",
        "gm-Token-1",
        &["get-token-of-user"],
        &[("AUTHAPI_GLOWMARKT_APPLICATION_ID", "gm-App-7")],
        &["gm-Password-9", "gm-App-7"],
    );
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.line.contains("deleteToken")),
        "logout revoked"
    );
}

#[test]
fn svix_login_token_status_operation_logout() {
    let fake = Fake::start(|r| match r.line.as_str() {
        l if l.starts_with("POST /api/v1/auth/app/app_1/expire-all ") => {
            assert_eq!(r.headers["authorization"], "Bearer sx-Key-1");
            (204, String::new())
        }
        _ => (404, r#"{"code":"not_found","detail":"no route"}"#.into()),
    });
    let home = Home::new("svix-body");
    let body = home.0.join("expire.json");
    std::fs::write(&body, "{}").unwrap();
    round_trip(
        "svix",
        &fake,
        &["login", "--token-stdin"],
        "sx-Key-1\n",
        "sx-Key-1",
        &[
            "expire-all",
            "--app-id",
            "app_1",
            "--body",
            body.to_str().unwrap(),
        ],
        &[],
        &[],
    );
    assert_eq!(fake.count("POST /api/v1/auth/app/app_1/expire-all "), 1);
}

#[test]
fn giantswarm_login_token_status_operation_logout() {
    let fake = Fake::start(|r| match r.line.as_str() {
        l if l.starts_with("POST /v4/auth-tokens/ ") => {
            (200, r#"{"auth_token":"gs-Token-1"}"#.into())
        }
        l if l.starts_with("DELETE /v4/auth-tokens/ ") => {
            assert_eq!(r.headers["authorization"], "giantswarm gs-Token-1");
            (
                200,
                r#"{"code":"RESOURCE_DELETED","message":"deleted"}"#.into(),
            )
        }
        _ => (
            404,
            r#"{"code":"RESOURCE_NOT_FOUND","message":"no route"}"#.into(),
        ),
    });
    let home = Home::new("gs-body");
    let body = home.0.join("login.json");
    std::fs::write(
        &body,
        r#"{"email":"me@example.com","password_base64":"Z3MtUGFzcw=="}"#,
    )
    .unwrap();
    round_trip(
        "giantswarm",
        &fake,
        &["login", "--email", "me@example.com", "--password-stdin"],
        "gs-Password-9\n",
        "gs-Token-1",
        &["create-auth-token", "--body", body.to_str().unwrap()],
        &[],
        &["gs-Password-9", "Z3MtUGFzcw"],
    );
    assert!(
        fake.count("DELETE /v4/auth-tokens/ ") >= 1,
        "logout revoked"
    );
}

/// A NuExtract-like service: code and refresh-token exchanges hand out
/// `nx-Token-<n>` and `nx-Refresh-<n>`; the first lives `ttl` seconds,
/// later ones an hour.
fn nuextract(ttl: u64, fail_me: bool) -> Fake {
    let n = Arc::new(Mutex::new(0u32));
    Fake::start(move |r| match r.line.as_str() {
        l if l.starts_with("POST /api/auth/token ") => {
            let mut n = n.lock().unwrap();
            *n += 1;
            let ttl = if *n == 1 { ttl } else { 3600 };
            (
                200,
                format!(
                    r#"{{"token":"nx-Token-{n}","expiresIn":{ttl},"refreshToken":"nx-Refresh-{n}"}}"#
                ),
            )
        }
        l if l.starts_with("GET /api/auth/me ") => {
            if fail_me {
                (
                    500,
                    r#"{"code":"internal","message":"the extractor is down"}"#.into(),
                )
            } else {
                (200, r#"{"email":"me@example.com"}"#.into())
            }
        }
        l if l.starts_with("POST /api/auth/logout ") => (200, "{}".into()),
        _ => (404, r#"{"code":"not_found","message":"no route"}"#.into()),
    })
}

#[test]
fn nuextract_login_token_status_operation_logout() {
    let fake = nuextract(3600, false);
    round_trip(
        "nuextract",
        &fake,
        &["login", "--redirect-uri", "https://app.example/cb"],
        "nx-Code-5\n",
        "nx-Token-1",
        &["current-user"],
        &[],
        &["nx-Code-5", "nx-Refresh-1"],
    );
    assert_eq!(fake.count("POST /api/auth/logout "), 1);
}

/// An expired stored token: `token` refreshes once and prints the new
/// one; the next `token` sends nothing. Then, on a due session (5 s left,
/// inside the 60 s margin), 10 `token` processes at once: one refresh, and
/// all 10 print the same new token.
#[test]
fn token_refreshes_a_due_session_once_even_from_ten_processes() {
    let fake = nuextract(0, false);
    let home = Home::new("refresh");
    let base = ["--base-url", fake.url.as_str()];
    let o = home.run(&["nuextract", "login", base[0], base[1]], "nx-Refresh-0\n");
    expect(&o, 0);
    assert_eq!(fake.count("POST /api/auth/token "), 1);
    for _ in 0..2 {
        let o = home.run(&["nuextract", "token", base[0], base[1]], "");
        expect(&o, 0);
        assert_eq!(stdout(&o), "nx-Token-2\n");
        assert_eq!(fake.count("POST /api/auth/token "), 2, "one refresh");
    }

    let fake = nuextract(5, false);
    let home = Home::new("refresh-ten");
    let base = ["--base-url", fake.url.as_str()];
    let o = home.run(&["nuextract", "login", base[0], base[1]], "nx-Refresh-0\n");
    expect(&o, 0);
    let children: Vec<_> = (0..10)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_authapi"))
                .args(["nuextract", "token", base[0], base[1]])
                .env_clear()
                .env("HOME", &home.0)
                .env("XDG_CONFIG_HOME", home.0.join("config"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outputs {
        expect(o, 0);
        assert_eq!(stdout(o), "nx-Token-2\n");
    }
    assert_eq!(
        fake.count("POST /api/auth/token "),
        2,
        "one refresh for 10 processes"
    );
    let presented: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.line.starts_with("POST /api/auth/token "))
        .map(|r| r.body.clone())
        .collect();
    assert!(presented[1].contains("nx-Refresh-1"), "{presented:?}");
}

/// Bad input: exit 2, a clear message, and nothing sent.
#[test]
fn bad_input_is_a_usage_error_and_sends_nothing() {
    let fake = Fake::start(|_| (204, String::new()));
    let home = Home::new("bad-input");
    let base = ["--base-url", fake.url.as_str()];
    let o = home.run_env(
        &["svix", "login", "--token-stdin", base[0], base[1]],
        "sx-Key-1\n",
        &[],
    );
    expect(&o, 0);
    let missing = home.0.join("nope.json");
    let not_json = home.0.join("bad.json");
    std::fs::write(&not_json, "{ this is not json, sx-Secret-3").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "svix",
                "expire-all",
                "--app-id",
                "a",
                "--body",
                missing.to_str().unwrap(),
            ],
            "cannot read the body file",
        ),
        (
            vec![
                "svix",
                "expire-all",
                "--app-id",
                "a",
                "--body",
                not_json.to_str().unwrap(),
            ],
            "not a valid JSON request",
        ),
        (vec!["svix", "no-such-operation"], "unrecognized subcommand"),
        (
            vec!["svix", "expire-all", "--body", not_json.to_str().unwrap()],
            "--app-id",
        ),
    ];
    for (args, says) in cases {
        let mut args = args.clone();
        args.extend(base);
        let o = home.run(&args, "");
        expect(&o, 2);
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        no_secret(&o, &["sx-Secret-3", "sx-Key-1"]);
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    // The control: the same call with a good body is sent.
    let good = home.0.join("good.json");
    std::fs::write(&good, "{}").unwrap();
    let o = home.run(
        &[
            "svix",
            "expire-all",
            "--app-id",
            "a",
            "--body",
            good.to_str().unwrap(),
            base[0],
            base[1],
        ],
        "",
    );
    expect(&o, 0);
    assert_eq!(fake.requests().len(), 1);
}

/// A damaged session file: exit 4 with a message, the file kept as it was.
/// A 500: exit 1, the service's message and status on one line.
#[test]
fn a_corrupted_store_and_a_refusing_service_get_their_exit_codes() {
    let fake = nuextract(3600, true);
    let home = Home::new("corrupt");
    let base = ["--base-url", fake.url.as_str()];
    let o = home.run(&["nuextract", "login", base[0], base[1]], "nx-Refresh-0\n");
    expect(&o, 0);
    let o = home.run(&["nuextract", "current-user", base[0], base[1]], "");
    expect(&o, 1);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("the extractor is down") && err.contains("500"),
        "{err}"
    );
    no_secret(&o, &["nx-Token-1", "nx-Refresh-1", "nx-Refresh-0"]);

    let (record, _) = home
        .files()
        .into_iter()
        .find(|(p, _)| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    std::fs::write(&record, "{\"generation\": 3, \"rec").unwrap();
    let before = std::fs::read(&record).unwrap();
    for cmd in ["token", "status", "current-user"] {
        let o = home.run(&["nuextract", cmd, base[0], base[1]], "");
        expect(&o, 4);
        assert!(
            stderr(&o).contains("not an authapi session record"),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&record).unwrap(), before);
    }
}

/// `AUTHAPI_<SERVICE>_TOKEN` overrides the stored token for one run.
#[test]
fn the_token_variable_overrides_the_store_for_one_run() {
    let fake = Fake::start(|r| {
        (
            200,
            format!(
                r#"{{"username":"{}"}}"#,
                r.headers.get("x-api-key").cloned().unwrap_or_default()
            ),
        )
    });
    let home = Home::new("override");
    let base = ["--base-url", fake.url.as_str()];
    let o = home.run_env(
        &["kleister", "verify", base[0], base[1]],
        "",
        &[("AUTHAPI_KLEISTER_TOKEN", "kl-Env-1")],
    );
    expect(&o, 0);
    assert!(stdout(&o).contains("kl-Env-1"));
    assert!(home
        .files()
        .iter()
        .all(|(p, _)| p.extension().is_none_or(|e| e != "json")));
    let o = home.run(&["kleister", "token", base[0], base[1]], "");
    expect(&o, 4);
    // `logout` ignores the variable: it acts on the stored session (none).
    let o = home.run_env(
        &["kleister", "logout", base[0], base[1]],
        "",
        &[("AUTHAPI_KLEISTER_TOKEN", "kl-Env-1")],
    );
    expect(&o, 4);
    assert!(stderr(&o).contains("not logged in"), "{}", stderr(&o));
}

/// `status` shows the base URL without its userinfo.
#[test]
fn status_never_shows_a_base_url_password() {
    let fake = Fake::start(|_| (200, "{}".into()));
    let home = Home::new("status-userinfo");
    let url = fake.url.replace("http://", "http://me:pw-Secret-4@");
    let o = home.run(&["kleister", "status", "--base-url", &url], "");
    expect(&o, 0);
    let status: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(status["logged_in"], false);
    no_secret(&o, &["pw-Secret-4"]);
    assert!(
        stdout(&o).contains(&fake.url.replace("http://", "")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn completions_are_valid_bash() {
    let home = Home::new("completions");
    let o = home.run(&["completions", "bash"], "");
    expect(&o, 0);
    let script = home.0.join("authapi.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    assert!(stdout(&o).contains("nuextract"));
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish"] {
        expect(&home.run(&["completions", shell], ""), 0);
    }
}

/// `--help` of an operation is the spec's description of it.
#[test]
fn help_comes_from_the_spec() {
    let home = Home::new("help");
    let o = home.run(&["kleister", "login-user", "--help"], "");
    expect(&o, 0);
    assert!(
        stdout(&o).contains("Authenticate an user by credentials"),
        "{}",
        stdout(&o)
    );
}

/// `--verbose` traces each call on stderr (the positive control: the
/// operation's name is there) and never a secret.
#[test]
fn verbose_traces_hold_no_secret() {
    let fake = Fake::start(|r| match r.line.as_str() {
        l if l.starts_with("POST /auth/login ") => (
            200,
            r#"{"token":"kl-Token-V","expires_at":"2099-01-01T00:00:00Z"}"#.to_string(),
        ),
        _ => (200, r#"{"username":"me"}"#.into()),
    });
    let home = Home::new("verbose");
    let base = ["--base-url", fake.url.as_str()];
    let o = home.run(
        &[
            "-v",
            "kleister",
            "login",
            "--username",
            "me",
            "--password-stdin",
            base[0],
            base[1],
        ],
        "kl-Password-V\n",
    );
    expect(&o, 0);
    assert!(stderr(&o).contains("login_user"), "{}", stderr(&o));
    no_secret(&o, &["kl-Password-V", "kl-Token-V"]);
    let o = home.run(&["--verbose", "kleister", "verify", base[0], base[1]], "");
    expect(&o, 0);
    assert!(stderr(&o).contains("verify"), "{}", stderr(&o));
    no_secret(&o, &["kl-Token-V"]);
}
