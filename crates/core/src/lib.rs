#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! Each `authapi-<service>` crate is a progenitor client whose generated
//! `Client` carries a [`Runtime`] as its inner value, and whose every
//! `send()` goes through [`Runtime::send`]. The runtime does what progenitor
//! leaves to the caller, one concern per module:
//!
//! * `config`: [`Config`] builds the `reqwest::Client` (timeouts, TLS
//!   provider, no redirects, no `Referer`) and the session's store;
//! * `base_url` and `config_error`: base-URL checks and [`ConfigError`],
//!   below both the configuration and the runtime;
//! * `credentials`: progenitor ignores `securitySchemes`, so the code
//!   generator emits an [`AuthTable`] from the spec (which header each
//!   scheme uses and which schemes each operation needs) and the runtime
//!   attaches the stored secrets, marked sensitive and at most
//!   [`MAX_SECRET_BYTES`] long, to exactly those operations;
//! * `error`: the [`Error`] every call returns, which never prints a secret;
//! * `error_body`: [`ErrorBody`], what each service's error type says of
//!   itself: how it decodes by status, and its message for `Display`;
//! * `jwt`: [`jwt_expiry`], a token's `exp` claim, read for timing only;
//! * `body`: the response size cap, and `text/plain` bodies of operations
//!   the spec flags handed to the typed decoder as JSON strings;
//! * `retry`: [`Retry`], the policy: backoff, `Retry-After`, what is safe
//!   to send again;
//! * `store`: the [`SessionStore`] trait and its records (generation,
//!   compare-and-set, lease), with [`MemoryStore`], [`FileStore`] and
//!   [`SealingKey`] (records sealed at rest); the Redis store is the
//!   `authapi-redis-store` crate;
//! * `session`: a session on top of a store: its local copy, due checks,
//!   one refresh at a time across processes, the refresh back-off;
//! * `trace`: one `tracing` span per call, never a secret in a field;
//! * `runtime`: [`Runtime::send`], wiring the above together;
//! * `secret`: [`Secret`] and [`SecretUrl`], values whose `Debug` redacts.
//!
//! Modules import one way: `runtime` uses `session`, which uses `store`
//! and `credentials`; `config` builds a `Runtime`; nothing imports back up.
//!
//! Callers rarely use this crate directly: each service crate re-exports
//! what they need.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Without a TLS backend every https call would fail at run time; refuse to
// build instead, naming the features.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!(
    "authapi needs a TLS backend: enable the `rustls` feature (the default) or `native-tls`"
);

mod base_url;
mod body;
mod config;
mod config_error;
mod credentials;
mod error;
mod error_body;
mod jwt;
mod retry;
mod runtime;
mod secret;
mod session;
mod store;
mod trace;

pub use base_url::{normalize_base_url, redact_userinfo};
pub use body::{form_urlencoded, BodyTooLarge};
pub use config::{Config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT};
pub use config_error::ConfigError;
pub use credentials::{header_value, AuthTable, Operation, Scheme, MAX_SECRET_BYTES};
pub use error::{
    decode, empty_error, refusal, service_error, unexpected, BodyError, Deadline, Error,
    InvalidPayload, Redirect, ResponseValue, ServiceError, Transport, UnexpectedResponse,
};
pub use error_body::ErrorBody;
pub use jwt::jwt_expiry;
/// The HTTP client authapi is built on, for [`Config::http`]'s builder
/// (`reqwest::Proxy`, `reqwest::Certificate`): no dependency of your own.
pub use reqwest;
pub use retry::Retry;
pub use runtime::{
    refresher, session_error, unix_time, RefreshFuture, RefreshTurn, Refresher, Runtime,
};
pub use secret::{Secret, SecretUrl};
pub use session::{
    SessionError, SessionErrorKind, TurnGuard, DEFAULT_LEASE_TTL, DEFAULT_REFRESH_BACKOFF,
};
pub use store::{
    FileStore, MemoryStore, SealingKey, SessionStore, StoreError, StoreErrorKind, StoreFuture,
    Stored,
};

/// Installs the TLS provider authapi uses (rustls with `ring`) as the
/// process default, unless the program installed one first: for crates
/// that open TLS connections of their own (the Redis store).
#[doc(hidden)]
pub fn install_tls_provider() {
    config::install_crypto_provider();
}

/// Percent-encodes one path parameter (as progenitor does: `/`, `%`, `?`,
/// `#`, spaces, controls, non-ASCII) and refuses `.` and `..`, which the URL
/// parser would resolve, sending the request to another path. Generated
/// code calls this for every path parameter. The error does not repeat the
/// value, which may be a secret.
pub fn encode_path<E>(value: &str) -> Result<String, Error<E>> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::InvalidRequest(
            "a path parameter is empty, `.` or `..`, which would change the request path; \
             it cannot be sent"
                .into(),
        ));
    }
    let encoded = progenitor_client::encode_path(value);
    // The URL parser reads `\` as `/` in http(s) paths: `..\..\x` would
    // climb out of the segment.
    Ok(if encoded.contains('\\') {
        encoded.replace('\\', "%5C")
    } else {
        encoded
    })
}
