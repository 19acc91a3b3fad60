//! Response bodies: the size cap, and `text/plain` answers re-encoded as
//! JSON strings for the typed decoder.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use reqwest::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};

/// Words of the too-large error, which [`crate::BodyError::is_too_large`]
/// looks for.
pub(crate) const TOO_LARGE: &str = "exceeds the client's limit";

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// The error a too-long body fails with.
#[derive(Debug)]
pub struct BodyTooLarge {
    /// The limit in bytes (`Config::max_response_bytes`).
    pub limit: usize,
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "response body {TOO_LARGE} of {} bytes (Config::max_response_bytes)",
            self.limit
        )
    }
}

impl std::error::Error for BodyTooLarge {}

struct Limited {
    /// `None` once the limit is hit: the rest of the body is never read.
    inner: Option<Chunks>,
    remaining: usize,
    limit: usize,
}

impl Stream for Limited {
    type Item = Result<bytes::Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if chunk.len() > self.remaining {
                    self.inner = None;
                    let limit = self.limit;
                    return Poll::Ready(Some(Err(Box::new(BodyTooLarge { limit }))));
                }
                self.remaining -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Reads the body if it is at most `limit` bytes; `None` if longer.
async fn read(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Option<bytes::Bytes>> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if out.len() + chunk.len() > limit {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(bytes::Bytes::from(out)))
}

/// A body whose first read fails with [`BodyTooLarge`].
fn too_large(limit: usize) -> reqwest::Body {
    struct Fail(Option<usize>);
    impl Stream for Fail {
        type Item = Result<bytes::Bytes, BodyTooLarge>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.take().map(|limit| Err(BodyTooLarge { limit })))
        }
    }
    reqwest::Body::wrap_stream(Fail(Some(limit)))
}

/// Applies the size cap and, for `text_plain` operations, turns a
/// `text/plain` answer into a JSON string; with `drop_url`, the response no
/// longer carries the request URL (which holds a secret path value).
pub(crate) async fn prepare(
    response: reqwest::Response,
    limit: usize,
    text_plain: bool,
    drop_url: bool,
) -> reqwest::Result<reqwest::Response> {
    let text_plain = text_plain
        && response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("text/plain"));
    let within_limit = response.content_length().is_some_and(|n| n <= limit as u64);
    if within_limit && !text_plain && !drop_url {
        // The common case: a declared, small body passes untouched.
        return Ok(response);
    }

    let response = http::Response::from(response);
    let (mut parts, body) = response.into_parts();
    let body = if text_plain {
        let response = reqwest::Response::from(http::Response::new(body));
        match read(response, limit).await? {
            Some(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                parts
                    .headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                parts.headers.remove(CONTENT_LENGTH);
                // A JSON string; `serde_json::Value` would pull its whole
                // printer into every program for this one line.
                reqwest::Body::from(serde_json::to_string(&*text).unwrap_or_default())
            }
            None => too_large(limit),
        }
    } else if within_limit {
        body
    } else {
        let response = reqwest::Response::from(http::Response::new(body));
        reqwest::Body::wrap_stream(Limited {
            inner: Some(Box::pin(response.bytes_stream())),
            remaining: limit,
            limit,
        })
    };
    // Rebuilt from parts, the response no longer carries the URL.
    Ok(reqwest::Response::from(http::Response::from_parts(
        parts, body,
    )))
}

/// Sets `body` as an `application/x-www-form-urlencoded` request body
/// (Glowmarkt's OAuth token exchange). Generated code calls this in place of
/// progenitor's `form_urlencoded`, whose error type is progenitor's.
#[doc(hidden)]
pub fn form_urlencoded<T: serde::Serialize + ?Sized, E>(
    builder: reqwest::RequestBuilder,
    body: &T,
) -> Result<reqwest::RequestBuilder, crate::Error<E>> {
    let encoded = serde_urlencoded::to_string(body)
        .map_err(|e| crate::Error::InvalidRequest(format!("cannot encode the form body: {e}")))?;
    Ok(builder
        .header(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .body(encoded))
}
