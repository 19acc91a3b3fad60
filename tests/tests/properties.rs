//! Property tests, per service: every request model survives a JSON round
//! trip unchanged, and no answer a server can send makes a client call
//! panic: arbitrary bytes, under any listed or unlisted status and content
//! type, are served by a local server as the answer to every kind of call,
//! so authapi's own code handles them (the size cap, `text/plain` answers
//! re-encoded, success and error bodies decoded by status, a login's token
//! and expiry kept, a JWT's `exp` read), and every resulting error is
//! formatted as a caller would print it (`Display`, `{:#}`, `Debug`, the
//! source chain, the accessors). It may only fail with an error.
#![allow(deprecated)] // deprecated operations stay tested: deployments may still run them

mod common;

use std::sync::{Arc, Mutex, OnceLock};

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Config, Retry, Secret};
use common::{Answer, Behaviour, RawServer};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_vec(value).unwrap();
    let back: T = serde_json::from_slice(&json).unwrap();
    assert_eq!(&back, value, "{}", String::from_utf8_lossy(&json));
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, quotes, escapes and controls included.
    any::<String>()
}

fn secret() -> impl Strategy<Value = Secret> {
    text().prop_map(Secret::new)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn glowmarkt_login_round_trips(username in text(), password in secret(), directory_id in proptest::option::of(text())) {
        round_trip(&glowmarkt::types::UserNameLoginReq { username, password, directory_id });
    }

    #[test]
    fn kleister_login_round_trips(username in text(), password in secret()) {
        round_trip(&kleister::types::AuthLogin { username, password });
    }

    #[test]
    fn svix_bodies_round_trip(expiry in proptest::option::of(any::<i64>()), flags in proptest::collection::vec("[a-zA-Z0-9_.-]{1,32}", 0..8)) {
        round_trip(&svix::types::ApplicationTokenExpireIn { expiry, session_ids: flags.clone() });
        let feature_flags: Vec<String> = flags.clone();
        round_trip(&svix::types::AppPortalAccessIn { feature_flags, ..Default::default() });
    }

    #[test]
    fn giantswarm_login_round_trips(email in proptest::option::of(text()), password in text()) {
        let mut body = giantswarm::types::V4CreateAuthTokenRequest::with_password("e", &password);
        body.email = email;
        round_trip(&body);
    }

    #[test]
    fn nuextract_bodies_round_trip(code in secret(), redirect in text(), token in secret(), name in text()) {
        round_trip(&nuextract::types::TokenRequest::code(code, redirect));
        round_trip(&nuextract::types::TokenRequest::refresh(token.clone()));
        round_trip(&nuextract::types::CreateOrUpdateUserToken { name });
        round_trip(&token);
    }

    #[test]
    fn any_bytes_as_an_answer_never_panic(answer in answer(proptest::collection::vec(any::<u8>(), 0..256))) {
        answer_every_call(answer);
    }

    #[test]
    fn json_like_answers_never_panic(answer in answer(proptest::collection::vec(proptest::sample::select(br#"{}[]":,0123456789.-eE truefalsnu\"#.to_vec()), 0..128))) {
        answer_every_call(answer);
    }

    #[test]
    fn damaged_valid_answers_never_panic(pick in 0..VALID.len(), cut in 0usize..200, flip in any::<u8>(), status in status(), content_type in content_type()) {
        let mut body = VALID[pick].as_bytes().to_vec();
        if cut < body.len() {
            body[cut] ^= flip;
            body.truncate(cut + 1);
        }
        answer_every_call(Answer { status, content_type, body });
    }

    /// Token answers whose token, expiry and lifetime are anything: the
    /// client keeps the token and reads its expiry (`exp`, `expires_at`,
    /// `expiresIn`, a JWT's `exp` claim) without panicking.
    #[test]
    fn any_token_and_expiry_is_kept_without_panic(
        token in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9_=+/-]{0,12}\\.[A-Za-z0-9_=+/-]{0,40}\\.[A-Za-z0-9_-]{0,8}",
            (any::<i64>(), any::<u64>()).prop_map(|(exp, n)| jwt(&format!(r#"{{"exp":{exp},"n":{n}}}"#))),
            any::<f64>().prop_map(|exp| jwt(&format!(r#"{{"exp":{exp:?}}}"#))),
        ],
        exp in any::<i64>(),
        // Kleister reads the JWT's `exp` only when `expires_at` is absent.
        expires_at in proptest::option::of(prop_oneof![
            any::<String>(),
            Just("9999-12-31T23:59:59Z".to_string()),
            Just("1970-01-01T00:00:00Z".to_string()),
        ]),
    ) {
        let mut body = serde_json::json!({
            "valid": true, "token": token, "exp": exp,
            "expiresIn": exp, "refreshToken": token, "auth_token": token,
        });
        if let Some(at) = expires_at {
            body["expires_at"] = at.into();
        }
        answer_every_call(Answer {
            status: 200,
            content_type: "application/json".into(),
            body: body.to_string().into_bytes(),
        });
    }
}

/// A JWT (unsigned) with `payload` as its claims.
fn jwt(payload: &str) -> String {
    use base64::Engine as _;
    let b = |s: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!("{}.{}.sig", b(br#"{"alg":"HS256"}"#), b(payload.as_bytes()))
}

/// Listed and unlisted statuses of the calls below (no 1xx, 204 or 304,
/// whose answers carry no body, and no 401, which a session would act on:
/// none is on here).
fn status() -> impl Strategy<Value = u16> {
    proptest::sample::select(vec![
        200u16, 201, 299, 302, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503,
    ])
}

fn content_type() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "application/json".to_string(),
        "text/plain; charset=UTF-8".into(),
        "text/html".into(),
        "application/octet-stream".into(),
    ])
}

fn answer(body: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Answer> {
    (status(), content_type(), body).prop_map(|(status, content_type, body)| Answer {
        status,
        content_type,
        body,
    })
}

const VALID: [&str; 9] = [
    r#"{"valid":true,"exp":1700000000,"token":"jwt","accountId":"a"}"#,
    r#"{"token":"t","expires_at":"2026-11-22T18:00:00Z"}"#,
    r#"{"url":"https://app.svix.com/login#key=x","token":"appsk"}"#,
    r#"{"detail":[{"loc":["body"],"msg":"m","type":"t"}]}"#,
    r#"{"type":"ai.numind.extract.shared.TokenCodeRequest","code":"c","redirectUri":"r"}"#,
    r#"[{"id":"i","name":"n","token":"t","userId":"u","createdAt":"c","expiresAt":"e"}]"#,
    r#"{"token":"a","expiresIn":300,"refreshToken":"r","refreshExpiresIn":1800}"#,
    r#"{"code":"c","message":"m","status":401,"errors":[{"field":"f","message":"m"}]}"#,
    r#"{"auth_token":"t","error":{"message":"m"},"missingElements":["x"]}"#,
];

/// One client per service, logged in where a call needs a credential, all
/// talking to one local server whose answer each case sets.
struct Harness {
    runtime: tokio::runtime::Runtime,
    answer: Arc<Mutex<Answer>>,
    requests: Arc<Mutex<Vec<String>>>,
    /// One case at a time: the properties run on parallel test threads.
    one_at_a_time: Mutex<()>,
    glowmarkt: glowmarkt::Client,
    kleister: kleister::Client,
    svix: svix::Client,
    giantswarm: giantswarm::Client,
    nuextract: nuextract::Client,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let answer = Arc::new(Mutex::new(Answer::default()));
        let server = runtime.block_on(RawServer::start(Behaviour::Slot(answer.clone())));
        // No retries: a 429 or 5xx answer is handled once, not waited on.
        let config = || {
            Config::new()
                .base_url(&server.base_url)
                .retry(Retry::disabled())
        };
        let glowmarkt = glowmarkt::Client::from_config(config()).unwrap();
        glowmarkt.set_application_id("app").unwrap();
        glowmarkt.set_token("t").unwrap();
        let svix = svix::Client::from_config(config()).unwrap();
        svix.set_token("t").unwrap();
        let nuextract = nuextract::Client::from_config(config()).unwrap();
        nuextract.set_token("t").unwrap();
        Harness {
            runtime,
            answer,
            requests: server.requests.clone(),
            one_at_a_time: Mutex::new(()),
            glowmarkt,
            kleister: kleister::Client::from_config(config()).unwrap(),
            svix,
            giantswarm: giantswarm::Client::from_config(config()).unwrap(),
            nuextract,
        }
    })
}

/// Everything a caller may do with a call's result: print the value, or
/// print the error every way and ask it every question.
fn inspect<T: std::fmt::Debug, E: 'static>(result: Result<T, authapi::Error<E>>) -> usize {
    match result {
        Ok(value) => format!("{value:?}").len(),
        Err(e) => {
            let mut text = format!("{e}|{e:#}|{e:?}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!("|{s}|{s:?}"));
                source = s.source();
            }
            let _ = (e.status(), e.attempts(), e.is_timeout(), e.is_connect());
            let _ = e.is_not_sent();
            match &e {
                authapi::Error::ResponseBodyError(b) => {
                    text.push_str(&b.is_too_large().to_string())
                }
                authapi::Error::ErrorResponse(rv) => {
                    text.push_str(rv.message().unwrap_or_default());
                    text.push_str(&format!("{rv}{rv:?}"));
                }
                authapi::Error::InvalidResponsePayload(p) => {
                    text.push_str(&format!("{p}{p:?}{}", p.len()));
                }
                authapi::Error::Redirect(r) => {
                    text.push_str(&format!("{r}{r:?}{:?}", r.location()));
                }
                _ => {}
            }
            text.len()
        }
    }
}

/// The calls each case answers: every success and error type of every
/// service, the `text/plain` operations, the helpers that keep a token.
const CALLS: usize = 14;

async fn every_call(h: &Harness) {
    let (g, k, s, gs, n) = (
        &h.glowmarkt,
        &h.kleister,
        &h.svix,
        &h.giantswarm,
        &h.nuextract,
    );
    inspect(g.login("u", "p").await);
    inspect(g.get_token_of_user().send().await);
    inspect(g.delete_token_by_id().token_id("t").send().await);
    inspect(g.refresh().await);
    g.set_token("t").unwrap();
    inspect(k.login("u", "p").await);
    inspect(k.verify_auth().token("t").send().await);
    inspect(
        s.app_portal_access()
            .app_id("app_1")
            .body(svix::types::AppPortalAccessIn::default())
            .send()
            .await,
    );
    inspect(
        s.get_stream_poller_token()
            .stream_id("s")
            .sink_id("k")
            .send()
            .await,
    );
    inspect(gs.login("e@example.com", "p").await);
    inspect(
        n.login(nuextract::types::TokenRequest::code("c", "r"))
            .await,
    );
    n.set_token("t").unwrap();
    inspect(n.login_url().redirect_uri("r").send().await);
    inspect(n.list_user_tokens().send().await);
    inspect(n.current_user().send().await);
    inspect(n.logout().body(Secret::new("r")).send().await);
}

/// Serves `answer` to every call, and checks each call reached the server
/// (so authapi, not a refusal before sending, handled the bytes).
fn answer_every_call(answer: Answer) {
    let h = harness();
    let _one = h.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
    *h.answer.lock().unwrap() = answer;
    let before = h.requests.lock().unwrap().len();
    h.runtime.block_on(every_call(h));
    let sent = h.requests.lock().unwrap().len() - before;
    assert_eq!(sent, CALLS, "a call did not reach the server");
}

/// The harness itself: a valid answer decodes through every call that
/// documents it (so the properties above exercise decoding, not only
/// failure paths).
#[test]
fn the_harness_decodes_a_valid_answer() {
    let h = harness();
    let _one = h.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
    *h.answer.lock().unwrap() = Answer {
        status: 200,
        content_type: "application/json".into(),
        body:
            br#"{"token":"t","expires_at":"2030-01-01T00:00:00Z","expiresIn":60,"auth_token":"t"}"#
                .to_vec(),
    };
    h.runtime.block_on(async {
        h.kleister.login("u", "p").await.unwrap();
        h.giantswarm.login("e@example.com", "p").await.unwrap();
        h.nuextract
            .login(nuextract::types::TokenRequest::code("c", "r"))
            .await
            .unwrap();
    });
}
