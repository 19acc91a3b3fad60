#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! One dependency for every authapi client: each service is a module behind
//! a cargo feature of the same name, all on by default.
//!
//! | module | crate | service |
//! | --- | --- | --- |
//! | `authapi::glowmarkt` | `authapi-glowmarkt` | Glowmarkt (Hildebrand Bright) |
//! | `authapi::kleister` | `authapi-kleister` | Kleister API v1 |
//! | `authapi::svix` | `authapi-svix` | Svix |
//! | `authapi::giantswarm` | `authapi-giantswarm` | Giant Swarm API v4 |
//! | `authapi::nuextract` | `authapi-nuextract` | NuMind NuExtract |
//!
//! Feature `mock` adds each enabled service's typed httpmock helpers as
//! `authapi::<service>::mock`. TLS is rustls (with the `ring` provider) by
//! default; `default-features = false, features = ["native-tls", ...]`
//! switches to the platform's TLS.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use authapi_core::{
    jwt_expiry, reqwest, Config, ConfigError, Error, Retry, Secret, SecretUrl, SessionError,
};

#[cfg(feature = "giantswarm")]
pub use authapi_giantswarm as giantswarm;
#[cfg(feature = "glowmarkt")]
pub use authapi_glowmarkt as glowmarkt;
#[cfg(feature = "kleister")]
pub use authapi_kleister as kleister;
#[cfg(feature = "nuextract")]
pub use authapi_nuextract as nuextract;
#[cfg(feature = "svix")]
pub use authapi_svix as svix;

// The README's Rust examples compile as doc tests of this crate.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
