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
    SessionErrorKind, MAX_SECRET_BYTES,
};

/// Where sessions live, for processes that share a login (see
/// [`manual::sessions`]).
pub mod store {
    pub use authapi_core::{
        FileStore, MemoryStore, SealingKey, SessionStore, StoreError, StoreErrorKind, StoreFuture,
        Stored,
    };
    /// The Redis or Valkey store (feature `redis`).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub use authapi_redis_store::RedisStore;
}

// Inlined, so that the facade's docs hold every service item and a search
// of them finds every operation.
#[cfg(feature = "giantswarm")]
#[doc(inline)]
pub use authapi_giantswarm as giantswarm;
#[cfg(feature = "glowmarkt")]
#[doc(inline)]
pub use authapi_glowmarkt as glowmarkt;
#[cfg(feature = "kleister")]
#[doc(inline)]
pub use authapi_kleister as kleister;
#[cfg(feature = "nuextract")]
#[doc(inline)]
pub use authapi_nuextract as nuextract;
#[cfg(feature = "svix")]
#[doc(inline)]
pub use authapi_svix as svix;

/// The manual: what every client does when things go wrong, what it
/// retries, how sessions stay fresh, what it traces and what it keeps
/// secret. The same for all five services.
#[cfg(all(
    feature = "glowmarkt",
    feature = "kleister",
    feature = "svix",
    feature = "giantswarm",
    feature = "nuextract"
))]
pub mod manual {
    #[doc = include_str!("../doc/errors.md")]
    pub mod errors {}
    #[doc = include_str!("../doc/retries.md")]
    pub mod retries {}
    #[doc = include_str!("../doc/sessions.md")]
    pub mod sessions {}
    #[doc = include_str!("../doc/tracing.md")]
    pub mod tracing {}
    #[doc = include_str!("../doc/security.md")]
    pub mod security {}
    #[doc = include_str!("../doc/regions.md")]
    pub mod regions {}
}

// The README's Rust examples compile as doc tests of this crate.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
