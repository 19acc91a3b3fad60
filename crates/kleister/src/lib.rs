#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! * [`Client`]: one method per operation, each returning a request builder
//!   whose `send()` performs the call; [`Client::login`] and
//!   [`Client::refresh`] also store the token they get.
//! * [`types`]: bodies; date-times are `chrono::DateTime<Utc>`, the password
//!   and token are [`Secret`]s, redacted in `Debug`.
//! * [`Error`]: every 4xx and 5xx status arrives as `Error::ErrorResponse`
//!   holding a [`types::GeneralError`] (`status`, `message`, `errors`, all
//!   optional: today's `Notification` and the older shape both decode).
//!   The provider flow's `308`s arrive as `Error::Redirect`, whose
//!   `location()` holds the address (never followed).
//! * [`Config`]: base URL (default `https://try.kleister.eu/api/v1`, the
//!   host in kleister-api's published `openapi/v1.yaml`; it was
//!   `try.kleister.tech` on the old docs page), timeouts, retries.
//!
//! # Today's API and the docs page
//!
//! The spec covers both. Today's login and refresh answer `{"token": <JWT>}`
//! with no `expires_at`: [`types::AuthToken::expiry`] (and the session) read
//! the JWT's `exp` claim instead, for timing only. Today's verify is
//! [`Client::verify`] (token in `X-API-Key`); the docs page's
//! `verify_auth` (token in the path) is kept, deprecated, for deployments
//! that still route it.
//! * `mock` (feature `mock`): typed httpmock helpers.
//!
//! # Which token does refresh use?
//!
//! The v1 contract opts refresh out of security and so names no way to say
//! which token to refresh. This client sends it in the `X-API-Key` header,
//! the API's declared key scheme: [`Client::refresh`] uses the token stored
//! by [`Client::login`] or [`Client::set_token`]. Login and verify send no
//! credential (verify carries the token in its path).
//!
//! Generated from `specs/kleister.yaml` by `cargo xtask codegen`; only
//! `lib.rs` and `auth.rs` are written by hand.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Helpers return the `Error` of every generated call, which carries a
// response's status and headers.
#![allow(clippy::result_large_err)]

mod auth;
mod error_body;
// Written by `cargo xtask codegen` and compared byte for byte by its
// `--check`, so rustfmt must leave it alone.
#[rustfmt::skip]
mod generated;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
#[rustfmt::skip]
#[allow(clippy::to_string_in_format_args)] // progenitor's httpmock output
                                           /// Typed [httpmock](https://docs.rs/httpmock) helpers (feature `mock`):
                                           /// `server.<operation>(|when, then| ...)` for each operation, to test code
                                           /// that uses this client against a fake service.
pub mod mock;

pub use authapi_core::{
    reqwest, Config, ConfigError, Retry, Secret, SecretUrl, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
};
/// The parts of an [`Error`]: what each variant carries.
pub mod error {
    /// The service's error bodies, which `Error::ErrorResponse` holds.
    pub use crate::types::{GeneralError, Validation};
    pub use authapi_core::{
        BodyError, Deadline, InvalidPayload, Redirect, ServiceError, SessionError, Transport,
        UnexpectedResponse,
    };
}
pub use generated::*;
