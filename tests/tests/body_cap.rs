//! The response size cap on the path that buffers a body itself: a
//! `text/plain` answer (NuExtract's sign-in URL) is read whole, so its cap
//! is checked chunk by chunk, and a body of exactly the cap passes.

mod common;

use authapi::nuextract::{Client, Config, Error};
use common::{Behaviour, RawServer};

const CAP: usize = 100;

/// A `200 text/plain` answer sent in chunks of these sizes (no
/// `content-length`, so the size is known only by reading).
fn chunked(sizes: &[usize]) -> Behaviour {
    let mut raw = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
    for &n in sizes {
        raw.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        raw.extend(std::iter::repeat_n(b'a', n));
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    Behaviour::Raw(raw)
}

async fn sign_in_url(
    sizes: &[usize],
) -> Result<String, Error<authapi::nuextract::types::NuExtractError>> {
    let server = RawServer::start(chunked(sizes)).await;
    let client = Client::from_config(
        Config::new()
            .base_url(&server.base_url)
            .max_response_bytes(CAP),
    )
    .unwrap();
    client
        .login_url()
        .redirect_uri("http://localhost/cb")
        .send()
        .await
        .map(|rv| rv.into_inner())
}

/// Catches a cap that counts only the last chunk, multiplies instead of
/// adding, or refuses a body of exactly the cap.
#[tokio::test]
async fn a_text_body_up_to_the_cap_passes_whole() {
    for sizes in [&[CAP][..], &[30, 40], &[60, 40], &[1, 1, 1]] {
        let url = sign_in_url(sizes)
            .await
            .unwrap_or_else(|e| panic!("{sizes:?}: {e}"));
        assert_eq!(url.len(), sizes.iter().sum::<usize>(), "{sizes:?}");
        assert!(url.bytes().all(|b| b == b'a'));
    }
}

/// Catches a cap that lets one byte too many through, or only looks at
/// each chunk alone.
#[tokio::test]
async fn a_text_body_over_the_cap_is_refused_as_too_large() {
    for sizes in [&[CAP + 1][..], &[60, 41], &[50, 50, 1]] {
        match sign_in_url(sizes).await {
            Err(Error::ResponseBodyError(b)) => {
                assert!(b.is_too_large(), "{sizes:?}: {b}");
            }
            other => panic!("{sizes:?}: expected a too-large body, got {other:?}"),
        }
    }
}

/// Kleister's deprecated `verify_auth` carries its token in the path: an
/// answer the spec does not list reaches the caller as a response whose URL
/// no longer holds the token (a small answer with a `content-length`
/// included, which skips the reading the cap needs). Catches the URL kept on
/// that fast path.
#[tokio::test]
#[allow(deprecated)]
async fn an_unlisted_answer_to_a_secret_path_drops_the_url() {
    const TOKEN: &str = "verify-token-BodyCapSecret";
    for body in [&b""[..], b"{}", b"not json at all"] {
        let server =
            RawServer::start(Behaviour::Respond(299, "application/json", body.to_vec())).await;
        let client = authapi::kleister::Client::from_config(
            authapi::kleister::Config::new().base_url(&server.base_url),
        )
        .unwrap();
        let err = client.verify_auth().token(TOKEN).send().await.unwrap_err();
        let authapi::kleister::Error::UnexpectedResponse(r) = err else {
            panic!("expected UnexpectedResponse, got {err:?}")
        };
        let response = r.into_response();
        assert!(
            !response.url().as_str().contains(TOKEN),
            "{}",
            response.url()
        );
        // Positive control: the token did travel in the request path.
        assert!(server.request_lines()[0].contains(TOKEN));
    }
}
