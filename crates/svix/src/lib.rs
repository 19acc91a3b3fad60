#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! * [`Client`]: one method per operation, each returning a request builder
//!   whose `send()` performs the call. Build it with [`Client::new_default`]
//!   or [`Client::from_config`], then [`Client::set_token`].
//! * [`types`]: request and response bodies, with serde derives (and
//!   `schemars::JsonSchema` with the `schemars` feature, off by default).
//! * [`Error`]: what `send()` returns on failure. Documented error statuses
//!   arrive as `Error::ErrorResponse` holding a [`types::SvixError`];
//!   transport failures, undecodable bodies and unlisted statuses have their
//!   own variants.
//! * [`Config`]: base URL, timeouts, retries, and [`Config::http`] to
//!   customise the HTTP client (proxies, root certificates).
//! * `mock` (feature `mock`): typed [httpmock](https://docs.rs/httpmock)
//!   helpers to test your own code against a fake Svix.
//!
//! # Retries, idempotency, and why there is no session
//!
//! Calls are retried as [the manual](https://docs.rs/authapi/latest/authapi/manual/retries/)
//! describes. Every POST without
//! a caller's `idempotency_key` gets `auto_<uuid v4>`, the same on each
//! attempt, as the official Svix SDKs do; that is what makes a retried POST
//! safe. There is no `enable_auto_refresh`: Svix API keys and portal
//! tokens do not expire on a clock the client could track (they live until
//! revoked, or until `expire_all`), and the API has no refresh operation.
//!
//! # Wire notes
//!
//! Every call sends `Authorization: Bearer <token>`; the value is marked
//! sensitive and never shows in `Debug`. progenitor's generated code sends
//! an `api-version` header carrying the spec's document version with every
//! request; Svix does not define that header, so
//! `cargo xtask codegen` drops it from the generated code rather than send
//! a version the service never asked for.
//!
//! This crate is generated from `specs/svix.yaml` by `cargo xtask codegen`;
//! only `lib.rs` and `auth.rs` are written by hand.
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

pub use auth::region_base_url;
pub use authapi_core::{
    reqwest, Config, ConfigError, Retry, Secret, SecretUrl, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
};
/// The parts of an [`Error`]: what each variant carries.
pub mod error {
    /// The service's error bodies, which `Error::ErrorResponse` holds.
    pub use crate::types::{HttpErrorOut, HttpValidationError, SvixError, ValidationError};
    pub use authapi_core::{
        BodyError, Deadline, InvalidPayload, Redirect, ServiceError, SessionError, Transport,
        UnexpectedResponse,
    };
}
pub use generated::*;
