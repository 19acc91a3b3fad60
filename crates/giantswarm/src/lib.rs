#![doc = include_str!("../README.md")]
//!
//! # Deprecated upstream
//!
//! Giant Swarm's REST API is deprecated: the `giantswarm/api-spec`
//! repository says "The REST API is deprecated. This repository exists for
//! documentation purposes only." (README at commit `ae0d2901`), its docs
//! were withdrawn from docs.giantswarm.io on 2025-01-17, and `gsctl` was
//! archived on 2024-05-07. This crate still serves installations that run
//! the v4 REST API (`api.g8s.<installation domain>`); current Giant Swarm
//! installations are managed through the Kubernetes API instead, which this
//! crate does not cover. The spec is frozen at the last published v4
//! document.
//!
//! # How the crate is organised
//!
//! * [`Client`]: `create_auth_token` and `delete_auth_token`, each a request
//!   builder (the optional `X-Request-ID`, `X-Giant-Swarm-Activity` and
//!   `X-Giant-Swarm-CmdLine` headers are builder methods);
//!   [`Client::login`] logs in with a plain password and keeps the token.
//! * [`types`]: bodies; the password and token are [`Secret`]s.
//! * [`Error`]: a 401 arrives as `Error::ErrorResponse` holding a
//!   [`types::V4GenericResponse`] (`code`, `message`).
//! * [`Config`]: the base URL is required ([`ConfigError::MissingBaseUrl`]
//!   otherwise; there is no localhost fallback), timeouts, retries,
//!   and [`Config::http`] to customise the HTTP client (proxies, root
//!   certificates).
//! * `mock` (feature `mock`): typed httpmock helpers.
//!
//! # Retries, and why there is no session
//!
//! Calls are retried as [the manual](https://docs.rs/authapi/latest/authapi/manual/retries/)
//! describes; `login` (a POST
//! without an idempotency key) is never sent twice once it may have reached
//! the server. There is no `enable_auto_refresh`: Giant Swarm auth tokens
//! carry no expiry and live until `delete_auth_token`, and the API has no
//! refresh operation.
//!
//! # Wire notes
//!
//! The token travels as `Authorization: giantswarm <token>` (marked
//! sensitive); login sends no `Authorization`, as the official CLI does. The
//! `api-version` header progenitor would add is
//! dropped by `cargo xtask codegen`.
//!
//! Generated from `specs/giantswarm.yaml` by `cargo xtask codegen`; only
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
    pub use crate::types::V4GenericResponse;
    pub use authapi_core::{
        BodyError, Deadline, InvalidPayload, Redirect, ServiceError, SessionError, Transport,
        UnexpectedResponse,
    };
}
pub use generated::*;
