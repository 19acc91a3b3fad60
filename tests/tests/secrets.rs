//! Credentials never leave the service they belong to. Each case runs
//! over real TCP on 127.0.0.1, for every operation of every service that
//! carries a credential: redirects (to another port, to `localhost`, to the
//! same origin), undecodable token answers, `Debug` of everything that
//! holds a secret, and constructors in a fresh process.
#![allow(deprecated)] // deprecated operations stay tested: deployments may still run them

mod common;

use std::time::Duration;

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Config, Secret};
use common::{Behaviour, RawServer};

/// The credential: password, token, API key, application id.
const SECRET: &str = "SeCrEt-7f3a9-do-not-leak";
/// A refresh token, checked separately from the access token.
const REFRESH: &str = "ReFrEsH-41c2e-do-not-leak";

/// A failed call, reduced to what a caller can match and print.
#[derive(Debug)]
struct Summary {
    variant: &'static str,
    status: Option<u16>,
    target_origin: Option<String>,
    attempts: u32,
    display: String,
    debug: String,
}

fn summarize<E: std::fmt::Debug + 'static>(e: svix::Error<E>) -> Summary {
    let (variant, target_origin) = match &e {
        svix::Error::InvalidRequest(_) => ("InvalidRequest", None),
        svix::Error::CommunicationError(_) => ("CommunicationError", None),
        svix::Error::Redirect(r) => ("Redirect", r.target_origin().map(str::to_string)),
        svix::Error::ErrorResponse(_) => ("ErrorResponse", None),
        svix::Error::UnexpectedResponse(_) => ("UnexpectedResponse", None),
        svix::Error::InvalidResponsePayload(_) => ("InvalidResponsePayload", None),
        svix::Error::ResponseBodyError(_) => ("ResponseBodyError", None),
        _ => ("other", None),
    };
    // `{:#}` and the whole source chain, as an error reporter prints it.
    let mut display = format!("{e:#}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        display.push_str(&format!(" | {s} / {s:?}"));
        source = s.source();
    }
    Summary {
        variant,
        status: e.status().map(|s| s.as_u16()),
        target_origin,
        attempts: e.attempts(),
        display,
        debug: format!("{e:?}"),
    }
}

fn assert_clean(what: &str, text: &str) {
    for secret in [SECRET, REFRESH, "U2VDckV0"] {
        assert!(!text.contains(secret), "{what}: a secret shows in {text}");
    }
}

/// Every operation that sends a credential in a header, the body or the
/// path.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    GlowmarktLogin,
    GlowmarktTokens,
    GlowmarktNewToken,
    GlowmarktDeleteToken,
    GlowmarktDeleteTokenById,
    KleisterLogin,
    KleisterRefresh,
    KleisterVerify,
    SvixPortal,
    SvixExpireAll,
    SvixDashboard,
    SvixLogout,
    GiantSwarmLogin,
    GiantSwarmLogout,
    NuExtractExchange,
    NuExtractLogout,
    NuExtractMe,
    NuExtractListTokens,
    NuExtractCreateToken,
    NuExtractUpdateToken,
    NuExtractDeleteToken,
    GlowmarktTokenCheck,
    GlowmarktOAuthValidate,
    GlowmarktOAuthCode,
    GlowmarktOAuthExchange,
    KleisterVerifyToday,
    KleisterProviders,
    KleisterRequestProvider,
    KleisterCallbackProvider,
    KleisterRedirect,
    KleisterProfileToken,
    SvixStreamPortal,
    SvixStreamLogout,
    SvixStreamExpireAll,
    SvixPollerGet,
    SvixPollerRotate,
    NuExtractListKeys,
    NuExtractCreateKey,
    NuExtractUpdateKey,
    NuExtractDeleteKey,
    NuExtractDeleteAccount,
}

const OPS: [Op; 41] = [
    Op::GlowmarktLogin,
    Op::GlowmarktTokens,
    Op::GlowmarktNewToken,
    Op::GlowmarktDeleteToken,
    Op::GlowmarktDeleteTokenById,
    Op::KleisterLogin,
    Op::KleisterRefresh,
    Op::KleisterVerify,
    Op::SvixPortal,
    Op::SvixExpireAll,
    Op::SvixDashboard,
    Op::SvixLogout,
    Op::GiantSwarmLogin,
    Op::GiantSwarmLogout,
    Op::NuExtractExchange,
    Op::NuExtractLogout,
    Op::NuExtractMe,
    Op::NuExtractListTokens,
    Op::NuExtractCreateToken,
    Op::NuExtractUpdateToken,
    Op::NuExtractDeleteToken,
    Op::GlowmarktTokenCheck,
    Op::GlowmarktOAuthValidate,
    Op::GlowmarktOAuthCode,
    Op::GlowmarktOAuthExchange,
    Op::KleisterVerifyToday,
    Op::KleisterProviders,
    Op::KleisterRequestProvider,
    Op::KleisterCallbackProvider,
    Op::KleisterRedirect,
    Op::KleisterProfileToken,
    Op::SvixStreamPortal,
    Op::SvixStreamLogout,
    Op::SvixStreamExpireAll,
    Op::SvixPollerGet,
    Op::SvixPollerRotate,
    Op::NuExtractListKeys,
    Op::NuExtractCreateKey,
    Op::NuExtractUpdateKey,
    Op::NuExtractDeleteKey,
    Op::NuExtractDeleteAccount,
];

/// Calls `op` with every credential set to [`SECRET`] (and the refresh
/// token to [`REFRESH`]); `Ok` carries nothing, `Err` the summary.
#[allow(deprecated)] // Svix dashboard_access is deprecated by the service
async fn call(op: Op, config: Config) -> Result<(), Summary> {
    fn done<T, E: std::fmt::Debug + 'static>(r: Result<T, svix::Error<E>>) -> Result<(), Summary> {
        r.map(drop).map_err(summarize)
    }
    match op {
        Op::GlowmarktLogin
        | Op::GlowmarktTokens
        | Op::GlowmarktNewToken
        | Op::GlowmarktDeleteToken
        | Op::GlowmarktDeleteTokenById
        | Op::GlowmarktTokenCheck
        | Op::GlowmarktOAuthValidate
        | Op::GlowmarktOAuthCode
        | Op::GlowmarktOAuthExchange => {
            let c = glowmarkt::Client::from_config(config).unwrap();
            c.set_application_id(SECRET).unwrap();
            c.set_token(SECRET).unwrap();
            match op {
                Op::GlowmarktLogin => done(c.login("me@example.com", SECRET).await),
                Op::GlowmarktTokens => done(c.get_token_of_user().send().await),
                Op::GlowmarktNewToken => done(c.new_token().send().await),
                Op::GlowmarktDeleteToken => done(c.delete_token().send().await),
                Op::GlowmarktTokenCheck => done(c.token_check().send().await),
                Op::GlowmarktOAuthValidate => done(c.validate_oauth_access_token().send().await),
                Op::GlowmarktOAuthCode => done(
                    c.generate_oauth_code()
                        .body_map(|b| b.username("me@example.com").password(SECRET))
                        .send()
                        .await,
                ),
                Op::GlowmarktOAuthExchange => done(
                    c.exchange_oauth_code()
                        .body_map(|b| {
                            b.client_secret(Some(SECRET.into()))
                                .code(Some(SECRET.into()))
                                .refresh_token(Some(REFRESH.into()))
                        })
                        .send()
                        .await,
                ),
                _ => done(c.delete_token_by_id().token_id("t-1").send().await),
            }
        }
        Op::KleisterLogin
        | Op::KleisterRefresh
        | Op::KleisterVerify
        | Op::KleisterVerifyToday
        | Op::KleisterProviders
        | Op::KleisterRequestProvider
        | Op::KleisterCallbackProvider
        | Op::KleisterRedirect
        | Op::KleisterProfileToken => {
            let c = kleister::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            match op {
                Op::KleisterLogin => done(c.login("me", SECRET).await),
                Op::KleisterRefresh => done(c.refresh().await),
                Op::KleisterVerifyToday => done(c.verify().send().await),
                Op::KleisterProviders => done(c.list_providers().send().await),
                Op::KleisterRequestProvider => {
                    done(c.request_provider().provider("github").send().await)
                }
                Op::KleisterCallbackProvider => done(
                    c.callback_provider()
                        .provider("github")
                        .state("s")
                        .code(SECRET)
                        .send()
                        .await,
                ),
                Op::KleisterRedirect => {
                    done(c.redirect_auth().body_map(|b| b.token(SECRET)).send().await)
                }
                Op::KleisterProfileToken => done(c.token_profile().send().await),
                _ => done(c.verify_auth().token(SECRET).send().await),
            }
        }
        Op::SvixPortal
        | Op::SvixExpireAll
        | Op::SvixDashboard
        | Op::SvixLogout
        | Op::SvixStreamPortal
        | Op::SvixStreamLogout
        | Op::SvixStreamExpireAll
        | Op::SvixPollerGet
        | Op::SvixPollerRotate => {
            let c = svix::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            match op {
                Op::SvixPortal => done(
                    c.app_portal_access()
                        .app_id("app_1")
                        .body(svix::types::AppPortalAccessIn::default())
                        .send()
                        .await,
                ),
                Op::SvixExpireAll => {
                    done(c.expire_all().app_id("app_1").body_map(|b| b).send().await)
                }
                Op::SvixDashboard => done(c.dashboard_access().app_id("app_1").send().await),
                Op::SvixStreamPortal => done(
                    c.stream_portal_access()
                        .stream_id("strm_1")
                        .body_map(|b| b)
                        .send()
                        .await,
                ),
                Op::SvixStreamLogout => done(c.stream_logout().send().await),
                Op::SvixStreamExpireAll => done(
                    c.stream_expire_all()
                        .stream_id("strm_1")
                        .body_map(|b| b)
                        .send()
                        .await,
                ),
                Op::SvixPollerGet => done(
                    c.get_stream_poller_token()
                        .stream_id("strm_1")
                        .sink_id("sink_1")
                        .send()
                        .await,
                ),
                Op::SvixPollerRotate => done(
                    c.rotate_stream_poller_token()
                        .stream_id("strm_1")
                        .sink_id("sink_1")
                        .body_map(|b| b)
                        .send()
                        .await,
                ),
                _ => done(c.logout().send().await),
            }
        }
        Op::GiantSwarmLogin | Op::GiantSwarmLogout => {
            let c = giantswarm::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            match op {
                Op::GiantSwarmLogin => done(c.login("me@example.com", SECRET).await),
                _ => done(c.delete_auth_token().send().await),
            }
        }
        _ => {
            let c = nuextract::Client::from_config(config).unwrap();
            c.set_token(SECRET).unwrap();
            match op {
                Op::NuExtractExchange => done(
                    c.exchange_token()
                        .body(nuextract::types::TokenRequest::refresh(REFRESH))
                        .send()
                        .await,
                ),
                Op::NuExtractLogout => done(c.logout().body(Secret::new(REFRESH)).send().await),
                Op::NuExtractMe => done(c.current_user().send().await),
                Op::NuExtractListTokens => done(c.list_user_tokens().send().await),
                Op::NuExtractCreateToken => done(
                    c.create_user_token()
                        .body_map(|b| b.name("ci"))
                        .send()
                        .await,
                ),
                Op::NuExtractUpdateToken => done(
                    c.update_user_token()
                        .user_token_id("ut-1")
                        .body_map(|b| b.name("ci"))
                        .send()
                        .await,
                ),
                Op::NuExtractDeleteToken => {
                    done(c.delete_user_token().user_token_id("ut-1").send().await)
                }
                Op::NuExtractListKeys => done(c.list_api_keys().send().await),
                Op::NuExtractCreateKey => {
                    done(c.create_api_key().body_map(|b| b.name("ci")).send().await)
                }
                Op::NuExtractUpdateKey => done(
                    c.update_api_key()
                        .api_key_id("key-1")
                        .body_map(|b| b.name("ci"))
                        .send()
                        .await,
                ),
                Op::NuExtractDeleteKey => done(c.delete_api_key().api_key_id("key-1").send().await),
                _ => done(c.delete_account().send().await),
            }
        }
    }
}

fn config(base: &str) -> Config {
    Config::new().base_url(base).timeout(Duration::from_secs(5))
}

/// A plain reqwest client (the controls' "what would happen without
/// authapi"). reqwest is built without a TLS provider; building any authapi
/// client first installs authapi's, as a program using both would.
fn plain_reqwest(builder: reqwest::ClientBuilder) -> reqwest::Client {
    drop(svix::Client::from_config(Config::new()).unwrap());
    builder.build().unwrap()
}

fn redirect(status: u16, location: &str) -> Behaviour {
    Behaviour::Raw(
        format!(
            "HTTP/1.1 {status} Moved\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
        .into_bytes(),
    )
}

// ---- redirects -----------------------------------------------------------

/// A 301, 302, 303, 307 or 308 to another port or to `localhost`: the
/// target sees nothing at all (no header, no body, no `Referer`), and the
/// caller gets the typed error naming the status and the target's origin,
/// never its path.
#[tokio::test]
async fn cross_origin_redirects_are_refused_for_every_operation() {
    let thief = RawServer::start(Behaviour::Respond(200, "application/json", b"{}".to_vec())).await;
    let port = thief.base_url.rsplit(':').next().unwrap().to_string();
    let mut tried = 0;
    for op in OPS {
        for status in [301, 302, 303, 307, 308] {
            for host in ["127.0.0.1", "localhost"] {
                let location = format!("http://{host}:{port}/steal/{SECRET}?k={SECRET}");
                let server = RawServer::start(redirect(status, &location)).await;
                let e = call(op, config(&server.base_url))
                    .await
                    .expect_err("a redirect must fail the call");
                assert_eq!(e.variant, "Redirect", "{op:?} {status} {host}: {e:?}");
                assert_eq!(e.status, Some(status), "{op:?}");
                assert_eq!(
                    e.target_origin.as_deref(),
                    Some(format!("http://{host}:{port}").as_str()),
                    "{op:?}"
                );
                assert_eq!(e.attempts, 1, "{op:?}");
                assert!(e.display.contains(&status.to_string()), "{}", e.display);
                for text in [&e.display, &e.debug] {
                    assert_clean(&format!("{op:?} {status}"), text);
                    assert!(!text.contains("steal"), "target path shown: {text}");
                }
                assert_eq!(server.request_count(), 1, "{op:?} {status}: sent once");
                tried += 1;
            }
        }
    }
    assert_eq!(tried, OPS.len() * 5 * 2);
    assert_eq!(
        thief.request_count(),
        0,
        "the other origin was contacted: {:?}",
        thief.requests.lock().unwrap()
    );
}

/// Same-origin redirects are refused too: none of these APIs documents a
/// redirect, and a followed 307 would re-send a login body.
#[tokio::test]
async fn same_origin_redirects_are_refused_and_not_followed() {
    for op in OPS {
        for status in [301, 302, 303, 307, 308] {
            let server = RawServer::start(redirect(status, "/elsewhere")).await;
            let e = call(op, config(&server.base_url)).await.unwrap_err();
            assert_eq!(e.variant, "Redirect", "{op:?} {status}: {e:?}");
            assert_eq!(e.status, Some(status));
            assert_eq!(e.target_origin.as_deref(), Some(server.base_url.as_str()));
            assert_eq!(server.request_count(), 1, "{op:?} {status}: followed");
            assert_clean(&format!("{op:?}"), &e.display);
        }
    }
}

/// A caller's customisation of the HTTP client cannot turn redirects (or
/// `Referer`) back on: nothing reaches the other origin.
///
/// `Referer` only ever appears on a second hop: reqwest adds it to the
/// request that follows a redirect, never to a first request. So the check
/// is made where it can fail: a plain reqwest client with the same
/// customisation (redirects followed, `Referer` on) is sent through the same
/// redirect first, and the second server must see its `Referer` (the
/// positive control: this set-up does record one). Through authapi's client
/// the second hop never happens at all, so no `Referer` is sent anywhere;
/// that `Referer` stays off even where a redirect *is* followed (the second
/// line of defence, `no_redirects`) is pinned by a unit test in
/// `crates/core/src/config.rs`, the only place a followed redirect can be
/// built.
#[tokio::test]
async fn a_customised_http_client_still_refuses_redirects_and_sends_no_referer() {
    let customise = |b: reqwest::ClientBuilder| {
        b.redirect(reqwest::redirect::Policy::limited(10))
            .referer(true)
    };

    // Positive control: the plain client follows and sends `Referer`.
    let thief = RawServer::start(Behaviour::Respond(200, "application/json", b"{}".to_vec())).await;
    let first = RawServer::start(redirect(307, &format!("{}/x", thief.base_url))).await;
    let plain = plain_reqwest(customise(reqwest::Client::builder()));
    plain
        .get(format!("{}/start", first.base_url))
        .send()
        .await
        .unwrap();
    let hops = thief.requests.lock().unwrap().clone();
    assert_eq!(hops.len(), 1, "the control did not follow the redirect");
    assert_eq!(
        common::header(&hops[0], "referer"),
        Some(format!("{}/start", first.base_url).as_str()),
        "the control's second hop carries no Referer: this set-up cannot see one"
    );

    // authapi: the same customisation, every operation.
    let thief = RawServer::start(Behaviour::Respond(200, "application/json", b"{}".to_vec())).await;
    for op in OPS {
        let server = RawServer::start(redirect(307, &format!("{}/x", thief.base_url))).await;
        let e = call(op, config(&server.base_url).http(customise))
            .await
            .unwrap_err();
        assert_eq!(e.variant, "Redirect", "{op:?}: {e:?}");
        assert_eq!(server.request_count(), 1, "{op:?}");
        let first_hop = server.requests.lock().unwrap()[0].clone();
        assert_eq!(common::header(&first_hop, "referer"), None, "{op:?}");
    }
    assert_eq!(
        thief.request_count(),
        0,
        "a second hop happened: {:?}",
        thief.requests.lock().unwrap()
    );
}

// ---- each operation sends only its own credentials -----------------------

/// The credential headers of the five services.
const CREDENTIAL_HEADERS: [&str; 4] = ["applicationid", "token", "x-api-key", "authorization"];

/// The credential headers `op` sends, as its spec's `security` says.
fn expected_credentials(op: Op) -> &'static [&'static str] {
    match op {
        Op::GlowmarktLogin | Op::GlowmarktOAuthCode => &["applicationid"],
        Op::GlowmarktTokens
        | Op::GlowmarktNewToken
        | Op::GlowmarktDeleteToken
        | Op::GlowmarktDeleteTokenById
        | Op::GlowmarktTokenCheck => &["applicationid", "token"],
        Op::GlowmarktOAuthValidate => &["token"],
        Op::GlowmarktOAuthExchange => &[],
        Op::KleisterRefresh | Op::KleisterVerifyToday | Op::KleisterProfileToken => &["x-api-key"],
        Op::KleisterLogin
        | Op::KleisterVerify
        | Op::KleisterProviders
        | Op::KleisterRequestProvider
        | Op::KleisterCallbackProvider
        | Op::KleisterRedirect => &[],
        Op::GiantSwarmLogin | Op::NuExtractExchange => &[],
        _ => &["authorization"],
    }
}

/// With every credential of its service stored, each operation sends the
/// ones its spec names and no other: a Glowmarkt login sends no `token`,
/// Kleister's login and provider flow no `X-API-Key`, a Giant Swarm login
/// and a NuExtract token exchange no `Authorization`. The same check sees
/// each credential where it is due (the positive control, in the same loop).
///
/// Catches: the runtime attaching every stored credential to every call
/// (a token sent to a login endpoint or to a third party's redirect
/// target), and a scheme dropped from an operation that needs it.
#[tokio::test]
async fn each_operation_sends_only_its_own_credentials() {
    let mut seen_sent = std::collections::BTreeSet::new();
    for op in OPS {
        let server =
            RawServer::start(Behaviour::Respond(200, "application/json", b"{}".to_vec())).await;
        let _ = call(op, config(&server.base_url)).await;
        let requests = server.requests.lock().unwrap().clone();
        assert_eq!(requests.len(), 1, "{op:?}: {requests:?}");
        let sent: Vec<&str> = CREDENTIAL_HEADERS
            .into_iter()
            .filter(|h| common::header(&requests[0], h).is_some())
            .collect();
        assert_eq!(sent, expected_credentials(op), "{op:?}: {}", requests[0]);
        for h in &sent {
            let value = common::header(&requests[0], h).unwrap();
            assert!(value.ends_with(SECRET), "{op:?}: {h}: {value}");
            seen_sent.insert(*h);
        }
    }
    // Every credential header was seen sent somewhere: an absence above is
    // not an artefact of a recorder that cannot see the header.
    assert_eq!(seen_sent.len(), CREDENTIAL_HEADERS.len(), "{seen_sent:?}");
}

// ---- undecodable answers that carry tokens -------------------------------

/// A token-bearing answer with one field of the wrong type (a float for an
/// integer, a number for a date, a renamed field): the error names the
/// status, content type and length, never the token or the refresh token;
/// the bytes stay reachable through the accessor that says so.
#[tokio::test]
async fn token_answers_that_fail_to_decode_never_show_the_token() {
    let cases: Vec<(Op, String)> = vec![
        (
            Op::GlowmarktLogin,
            format!(r#"{{"valid":true,"token":"{SECRET}","exp":1.5}}"#),
        ),
        // serde quotes string values in its messages: the value is a token.
        (
            Op::GlowmarktLogin,
            format!(r#"{{"valid":"{SECRET}","token":"{SECRET}"}}"#),
        ),
        (
            Op::GlowmarktNewToken,
            format!(r#"{{"valid":true,"token":"{SECRET}","exp":"{SECRET}"}}"#),
        ),
        (
            Op::KleisterLogin,
            format!(r#"{{"token":"{SECRET}","expires_at":12}}"#),
        ),
        (
            Op::KleisterRefresh,
            format!(r#"{{"token":"{SECRET}","expires_at":"{SECRET}"}}"#),
        ),
        (
            Op::KleisterVerify,
            format!(r#"{{"username":"{SECRET}","created_at":1.5}}"#),
        ),
        (
            Op::SvixPortal,
            format!(r#"{{"url":"https://app.svix.com/login#key={SECRET}","token":5}}"#),
        ),
        (
            Op::SvixDashboard,
            format!(r#"{{"url":"https://app.svix.com/login#key={SECRET}"}}"#),
        ),
        (
            Op::GiantSwarmLogin,
            format!(r#"{{"auth_token":["{SECRET}"]}}"#),
        ),
        (
            Op::NuExtractExchange,
            format!(r#"{{"token":"{SECRET}","expiresIn":1.5,"refreshToken":"{REFRESH}"}}"#),
        ),
        (
            Op::NuExtractExchange,
            format!(r#"{{"access_token":"{SECRET}","refreshToken":"{REFRESH}"}}"#),
        ),
        (
            Op::NuExtractCreateToken,
            format!(
                r#"{{"id":"i","name":"n","token":"{SECRET}","userId":"u","createdAt":"c","expiresAt":7}}"#
            ),
        ),
        (
            Op::NuExtractListTokens,
            format!(r#"[{{"id":"i","name":"n","token":"{SECRET}","userId":7}}]"#),
        ),
    ];
    for (op, body) in cases {
        let server = RawServer::start(Behaviour::Respond(
            200,
            "application/json",
            body.clone().into_bytes(),
        ))
        .await;
        let e = call(op, config(&server.base_url)).await.unwrap_err();
        assert_eq!(e.variant, "InvalidResponsePayload", "{op:?}: {e:?}");
        assert_eq!(e.status, Some(200), "{op:?}");
        assert_clean(&format!("{op:?} Display"), &e.display);
        assert_clean(&format!("{op:?} Debug"), &e.debug);
        assert!(e.display.contains("200 OK"), "{}", e.display);
        assert!(e.display.contains("application/json"), "{}", e.display);
        assert!(
            e.display.contains(&format!("{} bytes", body.len())),
            "{}",
            e.display
        );
    }
}

#[tokio::test]
async fn the_bytes_of_a_bad_body_need_the_explicit_accessor() {
    let body = format!(r#"{{"token":"{SECRET}","expires_at":12}}"#);
    let server = RawServer::start(Behaviour::Respond(
        200,
        "application/json",
        body.clone().into_bytes(),
    ))
    .await;
    let c = kleister::Client::from_config(config(&server.base_url)).unwrap();
    match c.login("me", "pw").await {
        Err(kleister::Error::InvalidResponsePayload(p)) => {
            assert_eq!(p.status(), 200);
            assert_eq!(p.len(), body.len());
            assert_eq!(p.content_type(), Some("application/json"));
            assert_eq!(&p.body_may_contain_secrets()[..], body.as_bytes());
            assert_clean("payload Debug", &format!("{p:?}"));
        }
        other => panic!("expected InvalidResponsePayload, got {other:?}"),
    }
    // Nothing was kept from the bad answer.
    assert_eq!(format!("{c:?}").matches("HeaderAuth").count(), 0);
}

/// Error statuses keep their status; an unlisted status is typed and its
/// unread body stays out of `Debug`.
#[tokio::test]
async fn unlisted_status_with_a_token_body_does_not_print_it() {
    // Kleister's provider flow documents no 2xx (its answer is a 308), so
    // progenitor hands any 2xx over as a stream: not an unlisted status.
    let provider_flow = [Op::KleisterRequestProvider, Op::KleisterCallbackProvider];
    for op in OPS.into_iter().filter(|op| !provider_flow.contains(op)) {
        let body = format!(r#"{{"token":"{SECRET}"}}"#);
        let server = RawServer::start(Behaviour::Respond(
            299,
            "application/json",
            body.into_bytes(),
        ))
        .await;
        let e = call(op, config(&server.base_url)).await.unwrap_err();
        assert_eq!(e.variant, "UnexpectedResponse", "{op:?}: {e:?}");
        assert_eq!(e.status, Some(299));
        assert_clean(&format!("{op:?}"), &e.display);
        assert_clean(&format!("{op:?}"), &e.debug);
    }
}

/// Transport errors never carry the URL (Kleister's verify has its token
/// in the path). Here every operation's URL carries the secret, in a base
/// path segment (as a tenant key in a self-hosted base URL would), so each
/// error could show it; the positive control is reqwest's own error for the
/// same URL, which does.
#[tokio::test]
async fn transport_errors_never_carry_the_url() {
    let base = format!("{}/{SECRET}", common::closed_port_url());
    let raw = plain_reqwest(reqwest::Client::builder())
        .get(format!("{base}/x"))
        .send()
        .await
        .unwrap_err();
    assert!(
        format!("{raw} {raw:?}").contains(SECRET),
        "control: reqwest's error does not show its URL, so this test could not fail: {raw:?}"
    );
    for op in OPS {
        let e = call(op, config(&base)).await.unwrap_err();
        assert_eq!(e.variant, "CommunicationError", "{op:?}: {e:?}");
        assert!(!e.display.contains("verify"), "{}", e.display);
        assert_clean(&format!("{op:?}"), &e.display);
        assert_clean(&format!("{op:?}"), &e.debug);
    }
}

// ---- Debug ---------------------------------------------------------------

#[test]
#[allow(deprecated)]
fn debug_of_every_secret_holding_value_is_redacted() {
    let base = format!("http://user:{SECRET}@127.0.0.1:9/api");
    let config = Config::new().base_url(&base);
    let mut debug = vec![("Config", format!("{config:?}"))];

    let g = glowmarkt::Client::from_config(config.clone()).unwrap();
    g.set_application_id(SECRET).unwrap();
    g.set_token(SECRET).unwrap();
    let k = kleister::Client::from_config(config.clone()).unwrap();
    k.set_token(SECRET).unwrap();
    let s = svix::Client::from_config(config.clone()).unwrap();
    s.set_token(SECRET).unwrap();
    let gs = giantswarm::Client::from_config(config.clone()).unwrap();
    gs.set_token(SECRET).unwrap();
    let n = nuextract::Client::from_config(config.clone()).unwrap();
    n.set_token(SECRET).unwrap();
    debug.extend([
        ("glowmarkt Client", format!("{g:?}")),
        ("kleister Client", format!("{k:?}")),
        ("svix Client", format!("{s:?}")),
        ("giantswarm Client", format!("{gs:?}")),
        ("nuextract Client", format!("{n:?}")),
    ]);

    // Builders that hold a secret: a password body, a token path value, a
    // token body.
    debug.extend([
        (
            "glowmarkt UsernameLogin",
            format!(
                "{:?}",
                g.username_login()
                    .body_map(|b| b.username("u").password(SECRET))
            ),
        ),
        (
            "kleister LoginUser",
            format!(
                "{:?}",
                k.login_user()
                    .body_map(|b| b.username("u").password(SECRET))
            ),
        ),
        (
            "kleister VerifyAuth",
            format!("{:?}", k.verify_auth().token(SECRET)),
        ),
        (
            "giantswarm CreateAuthToken",
            format!(
                "{:?}",
                gs.create_auth_token().body(
                    giantswarm::types::V4CreateAuthTokenRequest::with_password("e", SECRET)
                )
            ),
        ),
        (
            "nuextract ExchangeToken",
            format!(
                "{:?}",
                n.exchange_token()
                    .body(nuextract::types::TokenRequest::refresh(REFRESH))
            ),
        ),
        (
            "nuextract Logout",
            format!("{:?}", n.logout().body(Secret::new(REFRESH))),
        ),
        (
            "svix AppPortalAccess",
            format!("{:?}", s.app_portal_access()),
        ),
    ]);

    // Every body and answer type that holds a secret.
    let v = |j: serde_json::Value| j;
    macro_rules! typed {
        ($t:ty, $j:expr) => {
            (
                stringify!($t),
                format!("{:?}", serde_json::from_value::<$t>(v($j)).unwrap()),
            )
        };
    }
    use serde_json::json;
    let portal = format!("https://app.svix.com/login#key={SECRET}");
    debug.extend([
        typed!(glowmarkt::types::UserNameLoginReq, json!({"username": "u", "password": SECRET})),
        typed!(glowmarkt::types::LoginResponse, json!({"token": SECRET, "exp": 1})),
        typed!(glowmarkt::types::NewTokenResponse, json!({"token": SECRET, "exp": 1})),
        typed!(kleister::types::AuthLogin, json!({"username": "u", "password": SECRET})),
        typed!(kleister::types::AuthToken, json!({"token": SECRET, "expires_at": "2026-01-01T00:00:00Z"})),
        typed!(svix::types::AppPortalAccessOut, json!({"url": portal, "token": SECRET})),
        typed!(svix::types::DashboardAccessOut, json!({"url": portal, "token": SECRET})),
        typed!(giantswarm::types::V4CreateAuthTokenRequest, json!({"email": "e", "password_base64": SECRET})),
        typed!(giantswarm::types::V4CreateAuthTokenResponse, json!({"auth_token": SECRET})),
        typed!(nuextract::types::TokenRequest, json!({"type": "ai.numind.extract.shared.TokenRefreshRequest", "token": REFRESH})),
        typed!(nuextract::types::TokenRequest, json!({"type": "ai.numind.extract.shared.TokenCodeRequest", "code": SECRET, "redirectUri": "r"})),
        typed!(nuextract::types::TokenResponse, json!({"token": SECRET, "expiresIn": 1, "refreshToken": REFRESH})),
        typed!(nuextract::types::UserTokenResponse, json!({"id": "i", "name": "n", "token": SECRET, "userId": "u", "createdAt": "c", "expiresAt": "e"})),
        typed!(authapi::SecretUrl, json!(portal)),
        typed!(Secret, json!(SECRET)),
    ]);
    // A refused base URL with userinfo.
    let e = glowmarkt::Client::from_config(Config::new().base_url(format!("ftp://u:{SECRET}@h/")))
        .unwrap_err();
    debug.push(("ConfigError Display", e.to_string()));
    debug.push(("ConfigError Debug", format!("{e:?}")));

    for (what, text) in &debug {
        assert_clean(what, text);
    }
    // The magic link keeps its origin, so a log still says where it points.
    assert!(debug
        .iter()
        .any(|(w, t)| w.contains("AppPortalAccessOut")
            && t.contains("https://app.svix.com/<redacted>")));
    // Clients still say where they talk to, and which credentials are set.
    assert!(
        debug[1].1.contains("<redacted>@127.0.0.1:9"),
        "{}",
        debug[1].1
    );
    assert!(debug[1].1.contains("credentials_set"), "{}", debug[1].1);
}

// ---- constructors in a fresh process --------------------------------------

/// The rustls provider is process-wide, so each constructor runs in its
/// own child process (this test binary, re-run with one case selected).
const CHILD: &str = "AUTHAPI_CONSTRUCTOR_CASE";

fn constructor_case(name: &str) {
    let https = Config::new().base_url("https://127.0.0.1:9");
    match name {
        "glowmarkt::from_config" => drop(glowmarkt::Client::from_config(Config::new()).unwrap()),
        "glowmarkt::new_default" => drop(glowmarkt::Client::new_default().unwrap()),
        "kleister::from_config" => drop(kleister::Client::from_config(Config::new()).unwrap()),
        "kleister::new_default" => drop(kleister::Client::new_default().unwrap()),
        "svix::from_config" => drop(svix::Client::from_config(Config::new()).unwrap()),
        "svix::new_default" => drop(svix::Client::new_default().unwrap()),
        "giantswarm::new_default fails without a host" => {
            assert!(giantswarm::Client::new_default().is_err())
        }
        "giantswarm::from_config" => drop(giantswarm::Client::from_config(https).unwrap()),
        "giantswarm::from_config without a host" => {
            assert!(giantswarm::Client::from_config(Config::new()).is_err())
        }
        "nuextract::from_config" => drop(nuextract::Client::from_config(Config::new()).unwrap()),
        "nuextract::new_default" => drop(nuextract::Client::new_default().unwrap()),
        "Config::http" => drop(
            svix::Client::from_config(Config::new().http(|b| b.pool_max_idle_per_host(1))).unwrap(),
        ),
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn every_public_constructor_works_in_a_fresh_process() {
    if let Ok(case) = std::env::var(CHILD) {
        constructor_case(&case);
        return;
    }
    let cases = [
        "glowmarkt::from_config",
        "glowmarkt::new_default",
        "kleister::from_config",
        "kleister::new_default",
        "svix::from_config",
        "svix::new_default",
        "giantswarm::new_default fails without a host",
        "giantswarm::from_config",
        "giantswarm::from_config without a host",
        "nuextract::from_config",
        "nuextract::new_default",
        "Config::http",
    ];
    for case in cases {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "every_public_constructor_works_in_a_fresh_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, case)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{case}: {stderr}");
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        // The child really ran the one test (and so the case).
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("1 passed"), "{case}: {stdout}");
    }
}
