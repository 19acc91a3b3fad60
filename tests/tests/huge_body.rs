//! A 50 MiB response body: with the default cap (1 MiB) every client fails
//! the call with a typed error and peak memory stays flat; with the cap
//! raised, the same body is buffered whole, which shows the cap is what
//! bounds memory. Its own test binary, so the process peak is ours alone,
//! and each bound is relative to a measurement made in it.

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

/// One round of the capped calls: three times, a Svix and a NuExtract
/// client are built and call the server, and each call fails.
async fn capped_round(server: &RawServer, huge: bool) {
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
        let client =
            nuextract::Client::from_config(Config::new().base_url(&server.base_url)).unwrap();
        client.set_token("t").unwrap();
        let err2 = client.current_user().send().await.unwrap_err();
        if huge {
            assert!(matches!(err, svix::Error::ResponseBodyError(_)), "{err:?}");
            assert!(format!("{err:#}").contains("exceeds the client's limit of 1048576 bytes"));
            assert!(
                matches!(err2, nuextract::Error::ResponseBodyError(_)),
                "{err2:?}"
            );
        }
    }
}

/// Memory is judged against measurements made in this process, not
/// against fixed sizes (which depend on the allocator, the TLS roots the
/// machine loads per client, the thread count): first the same round of
/// client builds and calls with a small answer (its growth is what
/// building clients and calling costs here), then the capped round with
/// the 50 MiB body, then one uncapped call that must buffer it whole. The
/// capped round may grow the peak by little more than the small-answer
/// round did, and by far less than the uncapped call (the positive
/// control: the peak does show a 50 MiB buffer).
#[tokio::test]
async fn fifty_mib_body_is_refused_with_bounded_memory() {
    let small = RawServer::start(Behaviour::Respond(
        200,
        "application/json",
        b"{\"nope\":1}".to_vec(),
    ))
    .await;
    let before_baseline = peak_rss_kib();
    capped_round(&small, false).await;
    let baseline = peak_rss_kib().saturating_sub(before_baseline);

    let server = RawServer::start(Behaviour::Huge(FIFTY_MIB)).await;
    let before = peak_rss_kib();
    capped_round(&server, true).await;
    let capped = peak_rss_kib().saturating_sub(before);

    // Same body, cap raised above it: the client buffers all 50 MiB.
    let before = peak_rss_kib();
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
    println!(
        "peak RSS growth: baseline round {baseline} KiB, capped round {capped} KiB, uncapped call {uncapped} KiB"
    );
    // The control: the peak shows most of a 50 MiB buffer (the body may
    // partly fit in memory freed earlier, hence 3/4 of it).
    let body_kib = (FIFTY_MIB / 1024) as u64;
    assert!(
        uncapped >= body_kib * 3 / 4,
        "uncapped growth {uncapped} KiB: the body was not buffered, or the peak cannot show it"
    );
    // Six capped calls read at most 1 MiB each (and drop it); buffering a
    // body would cost its 50 MiB. Beyond what the same round costs with a
    // small answer, a quarter of the body is the bound: 12 MiB above the
    // baseline, 38 MiB below what one buffered body costs.
    assert!(
        capped <= baseline + body_kib / 4,
        "capped round grew {capped} KiB (baseline {baseline} KiB): a body was buffered"
    );
}
