//! The typed httpmock helpers (`<service>::mock`) over real HTTP on
//! 127.0.0.1: a matcher matches exactly the value given, `error(status,
//! body)` answers any documented error status of any service, and the
//! httpmock they are built for comes with them (no httpmock of our own is
//! named here).

use authapi::{kleister, svix};
// The re-exported httpmock: the one the helpers extend.
use svix::mock::httpmock::MockServer;
use svix::mock::MockServerExt as _;

fn svix_client(server: &MockServer) -> svix::Client {
    let client =
        svix::Client::from_config(svix::Config::new().base_url(server.base_url())).unwrap();
    client.set_token("testsk_mock").unwrap();
    client
}

async fn expire_all(server: &MockServer, app_id: &str) -> Result<u16, u16> {
    svix_client(server)
        .expire_all()
        .app_id(app_id)
        .body(svix::types::ApplicationTokenExpireIn::default())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| e.status().map_or(0, |s| s.as_u16()))
}

#[tokio::test]
async fn a_path_matcher_matches_the_exact_value_not_a_regex() {
    let server = MockServer::start_async().await;
    let mock = server.expire_all(|when, then| {
        when.app_id("app.1");
        then.no_content();
    });
    // `.` is not "any character": `appx1` is not `app.1`, so no mock
    // answers and httpmock says 404.
    assert_eq!(expire_all(&server, "appx1").await, Err(404));
    assert_eq!(mock.calls_async().await, 0);
    // The positive control: the exact value matches.
    assert_eq!(expire_all(&server, "app.1").await, Ok(204));
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn regex_metacharacters_in_a_matcher_match_only_themselves() {
    let server = MockServer::start_async().await;
    // Read as a regex, `a+b(c)` would match `aabc` (and `(` alone would not
    // compile at all).
    let mock = server.expire_all(|when, then| {
        when.app_id("a+b(c)");
        then.no_content();
    });
    for near_miss in ["aabc", "abc", "a+bc", "a+b(c"] {
        assert_eq!(
            expire_all(&server, near_miss).await,
            Err(404),
            "{near_miss}"
        );
    }
    assert_eq!(mock.calls_async().await, 0);
    assert_eq!(expire_all(&server, "a+b(c)").await, Ok(204));
    assert_eq!(mock.calls_async().await, 1);

    let unbalanced = server.expire_all(|when, then| {
        when.app_id("app(1");
        then.no_content();
    });
    assert_eq!(expire_all(&server, "app(1").await, Ok(204));
    assert_eq!(unbalanced.calls_async().await, 1);
}

#[tokio::test]
async fn a_path_matcher_matches_the_value_as_the_client_encodes_it() {
    let server = MockServer::start_async().await;
    // The client sends `app%201`; the matcher is given what the caller
    // gives the client.
    let mock = server.expire_all(|when, then| {
        when.app_id("app 1");
        then.no_content();
    });
    assert_eq!(expire_all(&server, "app 1").await, Ok(204));
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_matcher_on_one_path_parameter_leaves_the_others_free() {
    let server = MockServer::start_async().await;
    let mock = server.get_stream_poller_token(|when, then| {
        when.sink_id("sink.1");
        then.ok(&svix::types::ApiTokenOut {
            created_at: "2026-11-22T10:00:00Z".parse().unwrap(),
            expires_at: None,
            id: "tok_1".into(),
            name: None,
            scopes: None,
            token: "pt_1".into(),
        });
    });
    let got = svix_client(&server)
        .get_stream_poller_token()
        .stream_id("strm.1")
        .sink_id("sink.1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.id, "tok_1");
    let miss = svix_client(&server)
        .get_stream_poller_token()
        .stream_id("strm.1")
        .sink_id("sinkx1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(miss.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn error_answers_a_documented_status_of_any_service() {
    // Svix lists its statuses one by one.
    let server = MockServer::start_async().await;
    let body = svix::types::SvixError::ErrorOut(svix::types::HttpErrorOut {
        code: "conflict".into(),
        detail: "already expiring".into(),
    });
    server.expire_all(|when, then| {
        when.app_id("app_1");
        then.error(409, &body);
    });
    let err = svix_client(&server)
        .expire_all()
        .app_id("app_1")
        .body(svix::types::ApplicationTokenExpireIn::default())
        .send()
        .await
        .unwrap_err();
    let svix::Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(rv.status().as_u16(), 409);
    assert_eq!(rv.into_inner(), body);

    // Kleister documents ranges (`4XX`, `5XX`); the helper has the same name.
    use kleister::mock::MockServerExt as _;
    let server = MockServer::start_async().await;
    let body = kleister::types::GeneralError {
        message: Some("bad credentials".into()),
        status: Some(401),
        ..Default::default()
    };
    server.login_user(|_, then| {
        then.error(401, &body);
    });
    let client =
        kleister::Client::from_config(kleister::Config::new().base_url(server.base_url())).unwrap();
    let err = client
        .login_user()
        .body(kleister::types::AuthLogin {
            username: "admin".into(),
            password: "wrong".into(),
        })
        .send()
        .await
        .unwrap_err();
    let kleister::Error::ErrorResponse(rv) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(rv.status().as_u16(), 401);
    assert_eq!(rv.into_inner(), body);

    // An error with no documented body: `&()`, and only the status.
    let server = MockServer::start_async().await;
    server.request_provider(|when, then| {
        when.provider("github");
        then.error(404, &());
    });
    let Err(err) = client_for(&server)
        .request_provider()
        .provider("github")
        .send()
        .await
    else {
        panic!("a 404 is an error")
    };
    assert!(matches!(err, kleister::Error::ErrorResponse(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

fn client_for(server: &MockServer) -> kleister::Client {
    kleister::Client::from_config(kleister::Config::new().base_url(server.base_url())).unwrap()
}

#[test]
#[should_panic(expected = "500 is not an error status the spec documents")]
fn error_refuses_a_status_the_spec_does_not_document() {
    let server = MockServer::start();
    let body = svix::types::SvixError::ErrorOut(svix::types::HttpErrorOut {
        code: "boom".into(),
        detail: "boom".into(),
    });
    // Svix documents no 500: the client would return it as
    // `Error::UnexpectedResponse`, not as the typed body.
    server.expire_all(|_, then| {
        then.error(500, &body);
    });
}
