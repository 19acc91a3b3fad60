//! One dependency for every authapi client: each service is a module behind
//! a cargo feature of the same name (all on by default).

pub use authapi_core::{Config, ConfigError};

#[cfg(feature = "svix")]
pub use authapi_svix as svix;
