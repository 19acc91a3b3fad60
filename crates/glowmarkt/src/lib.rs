#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! * [`Client`]: one method per operation, each returning a request builder
//!   whose `send()` performs the call; [`Client::login`] and
//!   [`Client::refresh`] also store the token they get.
//! * [`types`]: request and response bodies (serde; `schemars::JsonSchema`
//!   too with the `schemars` feature, off by default).
//!   Passwords and tokens are [`Secret`]s, redacted in `Debug`.
//! * [`Error`]: what `send()` returns on failure. Every documented error
//!   status (400, 401, 500) arrives as `Error::ErrorResponse` holding a
//!   [`types::GlowmarktError`], which accepts all the loosely typed bodies
//!   the service sends (`{"error": ...}`, `{"valid": false}`).
//! * [`Config`]: base URL (default `https://api.glowmarkt.com/api/v0-1`),
//!   timeouts, retries, and
//!   [`Config::http`] to customise the HTTP client (proxies, root
//!   certificates).
//! * `mock` (feature `mock`): typed httpmock helpers.
//!
//! # Wire notes
//!
//! Credentials are two plain headers, `applicationId` on every call and
//! `token` on every call but login; never `Authorization: Bearer`. Both are
//! marked sensitive. The `api-version` header progenitor would add is
//! dropped by `cargo xtask codegen`:
//! Glowmarkt does not define it.
//!
//! Generated from `specs/glowmarkt.yaml` by `cargo xtask codegen`; only
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
    pub use crate::types::GlowmarktError;
    pub use authapi_core::{
        BodyError, Deadline, InvalidPayload, Redirect, ServiceError, SessionError, Transport,
        UnexpectedResponse,
    };
}
pub use generated::*;
