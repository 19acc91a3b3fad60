//! A 50 MiB response body: with the default cap (1 MiB) every client fails
//! the call with a typed error and peak memory stays flat; with the cap
//! raised, the same body is buffered whole, which shows the cap is what
//! bounds memory. Its own test binary, so the process peak is ours alone.

mod common;

use authapi::{nuextract, svix, Config};
use common::{Behaviour, RawServer};

const FIFTY_MIB: usize = 50 * 1024 * 1024;

/// Peak resident set of this process, in KiB (Linux `VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn fifty_mib_body_is_refused_with_bounded_memory() {
    let server = RawServer::start(Behaviour::Huge(FIFTY_MIB)).await;
    let before = peak_rss_kib();
    for _ in 0..3 {
        let client = svix::Client::from_config(Config::new().base_url(&server.base_url)).unwrap();
        client.set_token("t").unwrap();
        let err = client
            .app_portal_access()
            .app_id("app_1")
            .body(svix::types::AppPortalAccessIn::default())
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, svix::Error::ResponseBodyError(_)), "{err:?}");
        assert!(format!("{err:#}").contains("exceeds the client's limit of 1048576 bytes"));

        let client =
            nuextract::Client::from_config(Config::new().base_url(&server.base_url)).unwrap();
        client.set_token("t").unwrap();
        let err = client.current_user().send().await.unwrap_err();
        assert!(
            matches!(err, nuextract::Error::ResponseBodyError(_)),
            "{err:?}"
        );
    }
    let capped = peak_rss_kib().saturating_sub(before);

    // Same body, cap raised above it: the client buffers all 50 MiB.
    let client = svix::Client::from_config(
        Config::new()
            .base_url(&server.base_url)
            .max_response_bytes(2 * FIFTY_MIB),
    )
    .unwrap();
    client.set_token("t").unwrap();
    let err = client
        .app_portal_access()
        .app_id("app_1")
        .body(svix::types::AppPortalAccessIn::default())
        .send()
        .await
        .unwrap_err();
    // 50 MiB of spaces is read whole, then fails to decode as JSON.
    assert!(
        matches!(err, svix::Error::InvalidResponsePayload(..)),
        "{err:?}"
    );
    let uncapped = peak_rss_kib().saturating_sub(before);
    println!("peak RSS growth: capped {capped} KiB, uncapped {uncapped} KiB");
    assert!(capped < 16 * 1024, "capped growth {capped} KiB");
    assert!(
        uncapped > 40 * 1024,
        "uncapped growth {uncapped} KiB: the body was not buffered?"
    );
}
