//! Svix routes by token, as the official SDKs do: with no base URL in
//! `Config`, a regional token (`.us`, `.eu`, `.in`, `.ca`, `.au`) sends
//! every call to its region's host; a base URL set in `Config` always wins.
//! Checked on the wire: the calls go through a local HTTP proxy, which sees
//! the host each `CONNECT` asks for.

mod common;

use authapi::svix::{Client, Config};
use common::{Behaviour, RawServer};

/// A proxy that refuses every tunnel: the call fails, and the request line
/// says where it was going.
async fn proxy() -> RawServer {
    RawServer::start(Behaviour::Respond(403, "text/plain", b"no".to_vec())).await
}

fn via(proxy: &RawServer) -> Config {
    let url = proxy.base_url.clone();
    Config::new().http(move |b| b.proxy(reqwest::Proxy::all(url.as_str()).unwrap()))
}

#[tokio::test]
async fn a_regional_token_goes_to_its_regions_host() {
    for (token, host) in [
        ("sk_abc.us", "api.us.svix.com"),
        ("sk_abc.eu", "api.eu.svix.com"),
        ("sk_abc.in", "api.in.svix.com"),
        ("sk_abc.ca", "api.ca.svix.com"),
        ("sk_abc.au", "api.au.svix.com"),
        ("sk_abc", "api.svix.com"),
    ] {
        let proxy = proxy().await;
        let client = Client::from_config(via(&proxy)).unwrap();
        client.set_token(token).unwrap();
        assert_eq!(client.base_url(), format!("https://{host}"), "{token}");
        let _ = client.logout().send().await.unwrap_err();
        let lines = proxy.request_lines();
        assert!(!lines.is_empty(), "{token}: nothing reached the proxy");
        for line in lines {
            assert_eq!(line, format!("CONNECT {host}:443 HTTP/1.1"), "{token}");
        }
    }
}

/// The last token set decides; a clone follows too (they share one
/// session).
#[tokio::test]
async fn the_host_follows_the_token_in_every_clone() {
    let client = Client::new_default().unwrap();
    let clone = client.clone();
    client.set_token("sk_abc.eu").unwrap();
    assert_eq!(clone.base_url(), "https://api.eu.svix.com");
    client.set_token("sk_abc.au").unwrap();
    assert_eq!(clone.base_url(), "https://api.au.svix.com");
    client.set_token("sk_abc").unwrap();
    assert_eq!(clone.base_url(), "https://api.svix.com");
}

/// A base URL set in `Config` wins over the token's region.
#[tokio::test]
async fn an_explicit_base_url_always_wins() {
    let server = RawServer::start(Behaviour::Respond(204, "application/json", Vec::new())).await;
    let client = Client::from_config(Config::new().base_url(&server.base_url)).unwrap();
    client.set_token("sk_abc.eu").unwrap();
    assert_eq!(client.base_url(), server.base_url);
    client.logout().send().await.unwrap();
    assert_eq!(
        server.request_lines(),
        vec!["POST /api/v1/auth/logout HTTP/1.1".to_string()]
    );
    // Explicitly the default host: still explicit.
    let fixed = Client::from_config(Config::new().base_url("https://api.svix.com")).unwrap();
    fixed.set_token("sk_abc.eu").unwrap();
    assert_eq!(fixed.base_url(), "https://api.svix.com");
}
