#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! * [`Client`]: one method per operation, each a request builder.
//! * [`types`]: bodies; [`types::TokenRequest`] is an enum tagged by `type`
//!   with the service's dotted class names; codes and tokens are
//!   [`Secret`]s, redacted in `Debug`.
//! * [`Error`]: every error status arrives as `Error::ErrorResponse` holding
//!   a [`types::NuExtractError`]: `ErrorBody { code, message }` for JSON
//!   bodies, `String` for the plain-text 400s.
//! * [`Config`]: base URL (default `https://nuextract.ai`), timeouts,
//!   retries, and [`Config::http`] to customise the HTTP client (proxies,
//!   root certificates).
//! * `mock` (feature `mock`): typed httpmock helpers.
//!
//! # Wire notes
//!
//! Protected calls send `Authorization: Bearer <token>` (sensitive); the
//! sign-in URL and the token exchange send none. `GET /api/auth` and the
//! 400s answer `text/plain`: those operations send
//! `Accept: application/json, text/plain`, and `login_url` hands back a
//! `String`. The `api-version` header progenitor would add is
//! dropped by `cargo xtask codegen`.
//!
//! Generated from `specs/nuextract.yaml` by `cargo xtask codegen`; only
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
    pub use crate::types::{ErrorBody, NuExtractError};
    pub use authapi_core::{
        BodyError, Deadline, InvalidPayload, Redirect, ServiceError, SessionError, Transport,
        UnexpectedResponse,
    };
}
pub use generated::*;
