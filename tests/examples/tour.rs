//! A tour of every client against in-process typed mocks on 127.0.0.1: each
//! service's real flow (log in, use the token, refresh or verify, log out),
//! with no network and no credentials. Run it with `cargo run --example tour`.
//!
//! Each mock also checks the credentials on the wire, so a step only
//! succeeds if the client sent exactly what the service expects.
#![allow(clippy::result_large_err)]

use std::error::Error;

#[path = "../tests/common/mod.rs"]
mod common;

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Config};
use httpmock::MockServer;
use serde_json::{from_value, json};

type Res = Result<(), Box<dyn Error>>;

fn step(service: &str, what: &str, result: impl std::fmt::Display) {
    println!("  [{service}] {what}: {result}");
}

async fn glowmarkt_tour() -> Res {
    use glowmarkt::mock::MockServerExt;
    let server = MockServer::start_async().await;
    let app = "b0f1b774-a586-4f72-9edd-27ead8aa7a8d";
    server.username_login(|when, then| {
        let when = when.body(
            &from_value(json!({"username": "demo@example.com", "password": "demo"})).unwrap(),
        );
        when.into_inner()
            .header("applicationId", app)
            .header_missing("token");
        then.ok(&from_value(
            json!({"valid": true, "exp": 1_795_000_000, "token": "jwt-1", "accountId": "acc-1"}),
        )
        .unwrap());
    });
    server.get_token_of_user(|when, then| {
        when.into_inner().header("applicationId", app).header("token", "jwt-1");
        then.ok(&from_value(json!([{"tokenId": "t-1", "createdAt": "2026-11-22T10:00:00Z", "authenticationFramework": "jwt"}])).unwrap());
    });
    server.new_token(|when, then| {
        when.into_inner().header("token", "jwt-1");
        then.ok(
            &from_value(json!({"valid": true, "exp": 1_796_000_000, "token": "jwt-2"})).unwrap(),
        );
    });
    server.delete_token(|when, then| {
        when.into_inner().header("token", "jwt-2");
        then.ok(&from_value(json!({"valid": true})).unwrap());
    });

    let client = glowmarkt::Client::from_config(Config::new().base_url(server.base_url()))?;
    client.set_application_id(app)?;
    // A token from an earlier session is held: the login mock refuses any
    // `token` header, and the next step's mock requires the new one.
    client.set_token("jwt-0")?;
    let session = client.login("demo@example.com", "demo").await?;
    step(
        "glowmarkt",
        "login",
        format!("valid={:?}, exp={:?}", session.valid, session.exp),
    );
    let tokens = client.get_token_of_user().send().await?;
    step(
        "glowmarkt",
        "get_token_of_user",
        format!("{} token(s), first {:?}", tokens.len(), tokens[0].token_id),
    );
    let renewed = client.refresh().await?;
    step(
        "glowmarkt",
        "new_token",
        format!("new expiry {:?}", renewed.exp),
    );
    let deleted = client.delete_token().send().await?;
    step(
        "glowmarkt",
        "delete_token",
        format!("valid={:?}", deleted.valid),
    );
    Ok(())
}

async fn kleister_tour() -> Res {
    use kleister::mock::MockServerExt;
    // Today's Kleister answers a login with the JWT only; its `exp` claim
    // (2100-01-01 here) is the expiry.
    const JWT1: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMH0.dG91ci1zaWduYXR1cmU";
    const JWT2: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0ODQwMH0.dG91ci1zaWduYXR1cmUtMg";
    let server = MockServer::start_async().await;
    server.login_user(|when, then| {
        when.body(&from_value(json!({"username": "admin", "password": "admin"})).unwrap());
        then.ok(&from_value(json!({"token": JWT1})).unwrap());
    });
    server.verify(|when, then| {
        when.into_inner().header("X-API-Key", JWT1);
        then.ok(&from_value(json!({"username": "admin"})).unwrap());
    });
    server.refresh_auth(|when, then| {
        when.into_inner().header("X-API-Key", JWT1);
        then.ok(&from_value(json!({"token": JWT2})).unwrap());
    });

    // The typed mocks serve the spec's paths at the server root.
    let client = kleister::Client::from_config(Config::new().base_url(server.base_url()))?;
    let token = client.login("admin", "admin").await?;
    let secs = |t: Option<std::time::SystemTime>| {
        t.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or("unknown".to_string(), |d| format!("unix {}", d.as_secs()))
    };
    step(
        "kleister",
        "login_user",
        format!(
            "today's shape, no expires_at; expiry from the JWT: {}",
            secs(token.expiry())
        ),
    );
    let who = client.verify().send().await?;
    step(
        "kleister",
        "verify",
        format!("token in X-API-Key, issued to {}", who.username),
    );
    let refreshed = client.refresh().await?;
    step(
        "kleister",
        "refresh_auth",
        format!("new expiry {}", secs(refreshed.expiry())),
    );
    Ok(())
}

async fn svix_tour() -> Res {
    use svix::mock::MockServerExt;
    let server = MockServer::start_async().await;
    let app = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";
    server.app_portal_access(|when, then| {
        let when = when.app_id(app).idempotency_key("tour-1");
        when.into_inner()
            .header("authorization", "Bearer sk_demo.eu");
        then.ok(&from_value(
            json!({"url": "https://app.svix.com/login#key=demo", "token": "appsk_demo"}),
        )
        .unwrap());
    });
    server.expire_all(|when, then| {
        when.app_id(app)
            .body(&svix::types::ApplicationTokenExpireIn {
                expiry: Some(60),
                ..Default::default()
            });
        then.no_content();
    });

    let regional = Config::new().base_url(svix::region_base_url("sk_demo.eu"));
    step(
        "svix",
        "region from token",
        svix::Client::from_config(regional)?.base_url(),
    );
    let client = svix::Client::from_config(Config::new().base_url(server.base_url()))?;
    client.set_token("sk_demo.eu")?;
    let access = client
        .app_portal_access()
        .app_id(app)
        .idempotency_key("tour-1")
        .body(svix::types::AppPortalAccessIn::default())
        .send()
        .await?;
    step(
        "svix",
        "app_portal_access",
        format!("url {:?}, token {:?}", access.url, access.token),
    );
    let expired = client
        .expire_all()
        .app_id(app)
        .body(svix::types::ApplicationTokenExpireIn {
            expiry: Some(60),
            ..Default::default()
        })
        .send()
        .await?;
    step("svix", "expire_all", expired.status());
    Ok(())
}

async fn giantswarm_tour() -> Res {
    use giantswarm::mock::MockServerExt;
    let server = MockServer::start_async().await;
    server.create_auth_token(|when, then| {
        let when = when.body(&giantswarm::types::V4CreateAuthTokenRequest::with_password(
            "demo@example.com",
            "demo",
        ));
        when.into_inner().header_missing("authorization");
        then.ok(&from_value(json!({"auth_token": "gs-token-1"})).unwrap());
    });
    server.delete_auth_token(|when, then| {
        when.into_inner()
            .header("authorization", "giantswarm gs-token-1");
        then.ok(&from_value(json!({"code": "RESOURCE_DELETED", "message": "logged out"})).unwrap());
    });

    let client = giantswarm::Client::from_config(Config::new().base_url(server.base_url()))?;
    // An old token is held: the login mock refuses any `Authorization`, and
    // logout's mock requires the new token.
    client.set_token("gs-token-0")?;
    let created = client.login("demo@example.com", "demo").await?;
    step(
        "giantswarm",
        "create_auth_token",
        format!("token {:?}", created.auth_token),
    );
    let bye = client
        .delete_auth_token()
        .x_giant_swarm_activity("tour")
        .send()
        .await?;
    step(
        "giantswarm",
        "delete_auth_token",
        format!("{:?}: {:?}", bye.code, bye.message),
    );
    Ok(())
}

async fn nuextract_tour() -> Res {
    use nuextract::{mock::MockServerExt, types::TokenRequest};
    let server = MockServer::start_async().await;
    let cb = "http://localhost:8080/cb";
    server.login_url(|when, then| {
        when.redirect_uri(cb);
        then.into_inner()
            .status(200)
            .header("content-type", "text/plain")
            .body("https://users.numind.ai/realms/extract-platform/protocol/openid-connect/auth?client_id=demo");
    });
    server.exchange_token(|when, then| {
        when.body(&TokenRequest::code("code-1", cb));
        then.ok(&from_value(json!({"token": "nu-access", "expiresIn": 300, "refreshToken": "nu-refresh", "refreshExpiresIn": 1800})).unwrap());
    });
    server.current_user(|when, then| {
        when.into_inner()
            .header("authorization", "Bearer nu-access");
        then.ok(&from_value(json!({"email": "demo@example.com"})).unwrap());
    });
    server.create_api_key(|when, then| {
        when.body(&from_value(json!({"name": "tour"})).unwrap());
        then.ok(&from_value(json!({"id": "key-1", "name": "tour", "token": "nu-api-key", "userId": "u-1", "createdAt": "2026-11-22T16:00:00Z", "expiresAt": "2027-11-22T16:00:00Z"})).unwrap());
    });
    // The API key is the Bearer token: this mock answers only to it.
    server.current_user(|when, then| {
        when.into_inner()
            .header("authorization", "Bearer nu-api-key");
        then.ok(&from_value(json!({"email": "demo@example.com", "isAdmin": false})).unwrap());
    });
    server.delete_api_key(|when, then| {
        when.api_key_id("key-1")
            .into_inner()
            .header("authorization", "Bearer nu-access");
        then.ok();
    });
    server.logout(|when, then| {
        when.body(&"nu-refresh".into());
        then.ok(&serde_json::Map::new());
    });

    let client = nuextract::Client::from_config(Config::new().base_url(server.base_url()))?;
    let url = client
        .login_url()
        .redirect_uri(cb)
        .send()
        .await?
        .into_inner();
    step("nuextract", "login_url", &url);
    let tokens = client
        .exchange_token()
        .body(TokenRequest::code("code-1", cb))
        .send()
        .await?;
    step(
        "nuextract",
        "exchange_token",
        format!("expires in {} s", tokens.expires_in),
    );
    client.set_token(tokens.token.expose())?;
    let me = client.current_user().send().await?;
    step("nuextract", "current_user", &me.email);
    let key = client
        .create_api_key()
        .body_map(|b| b.name("tour"))
        .send()
        .await?
        .into_inner();
    step("nuextract", "create_api_key", format!("id {}", key.id));
    // What NuExtract tells its users: send the API key as the Bearer token.
    let with_key = nuextract::Client::from_config(Config::new().base_url(server.base_url()))?;
    with_key.set_token(key.token.expose())?;
    let me = with_key.current_user().send().await?;
    step(
        "nuextract",
        "current_user with the API key as Bearer",
        &me.email,
    );
    let del = client
        .delete_api_key()
        .api_key_id(key.id.as_str())
        .send()
        .await?;
    step("nuextract", "delete_api_key", del.status());
    let refresh = tokens
        .into_inner()
        .refresh_token
        .ok_or("no refresh token")?;
    client.logout().body(refresh).send().await?;
    step("nuextract", "logout", "ok");
    Ok(())
}

/// A call that succeeds after a 503 (retried with backoff, the same Svix
/// idempotency key on both attempts), and a NuExtract session that
/// refreshes its expiring access token by itself before a call.
async fn resilience_tour() -> Res {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use common::{header, Behaviour, RawServer};

    let server = RawServer::start(Behaviour::Script(vec![
        Behaviour::Respond(
            503,
            "application/json",
            br#"{"code":"busy","detail":"x"}"#.to_vec(),
        ),
        Behaviour::Respond(204, "application/json", Vec::new()),
    ]))
    .await;
    let client = svix::Client::from_config(Config::new().base_url(&server.base_url))?;
    client.set_token("sk_tour")?;
    client.logout().send().await?;
    let keys: Vec<String> = server
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| header(r, "idempotency-key").map(str::to_string))
        .collect();
    if server.request_count() != 2 || keys.len() != 2 || keys[0] != keys[1] {
        return Err(format!("expected 503 then 204 with one key, saw {keys:?}").into());
    }
    step(
        "retry",
        "svix logout",
        format!(
            "503, waited {:?}, then 204; idempotency key {} on both",
            server.gaps()[0],
            keys[0]
        ),
    );

    let refreshes = Arc::new(AtomicUsize::new(0));
    let seen = refreshes.clone();
    let server = RawServer::start(Behaviour::Handler(Arc::new(move |req: &str| {
        if req.starts_with("POST /api/auth/token ") {
            if req.contains("TokenCodeRequest") {
                // The login's access token expires in 10 s.
                let body = r#"{"token":"access-1","expiresIn":10,"refreshToken":"refresh-1"}"#;
                return (200, String::new(), body.into());
            }
            seen.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"token":"access-2","expiresIn":3600,"refreshToken":"refresh-2"}"#;
            return (200, String::new(), body.into());
        }
        match header(req, "authorization") {
            Some("Bearer access-2") => {
                (200, String::new(), r#"{"email":"demo@example.com"}"#.into())
            }
            _ => (
                401,
                String::new(),
                r#"{"code":"unauthorized","message":"expired"}"#.into(),
            ),
        }
    })))
    .await;
    let client = nuextract::Client::from_config(Config::new().base_url(&server.base_url))?;
    client
        .login(nuextract::types::TokenRequest::code(
            "code-1",
            "https://app.example/cb",
        ))
        .await?;
    // Refresh when less than a minute is left: the 10 s token qualifies.
    client.enable_auto_refresh(Duration::from_secs(60));
    let me = client.current_user().send().await?;
    if refreshes.load(Ordering::SeqCst) != 1 {
        return Err("expected exactly one refresh".into());
    }
    step(
        "session",
        "nuextract current_user",
        format!("token near expiry, refreshed once first, then {}", me.email),
    );
    Ok(())
}

fn report(name: &str, result: Res) -> Res {
    match &result {
        Ok(()) => println!("{name}: ok"),
        Err(e) => eprintln!("{name}: FAILED: {e}"),
    }
    result
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    println!("authapi tour: every service against a typed mock on 127.0.0.1");
    report("glowmarkt", glowmarkt_tour().await)?;
    report("kleister", kleister_tour().await)?;
    report("svix", svix_tour().await)?;
    report("giantswarm", giantswarm_tour().await)?;
    report("nuextract", nuextract_tour().await)?;
    println!("all five services: ok");
    report("retries and sessions", resilience_tour().await)?;
    Ok(())
}
