//! The error of building a client or setting a credential: below both the
//! configuration and the runtime, which each report it.

use std::fmt;

/// An error building a client or setting a credential. It never contains
/// the secret itself, nor the userinfo of a base URL.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The service has no fixed host and no base URL was given.
    MissingBaseUrl,
    /// The base URL does not parse or is not `http`/`https`. `url` has any
    /// `user:password@` part replaced by `<redacted>@`.
    InvalidBaseUrl {
        /// The base URL, without its userinfo.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A value cannot be sent in the named header (control characters such
    /// as CR or LF, or non-visible bytes).
    InvalidHeaderValue {
        /// The header's name.
        header: &'static str,
    },
    /// A secret (token, refresh token, application id) is longer than
    /// [`MAX_SECRET_BYTES`](crate::MAX_SECRET_BYTES): it is neither kept nor
    /// sent.
    SecretTooLong {
        /// The header that would have carried it.
        header: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// A sealing key that is not 32 bytes of base64. The text is not
    /// repeated.
    InvalidSealingKey,
    /// A session name that is empty or holds a `/`.
    InvalidSessionName,
    /// The HTTP client could not be built.
    Http(reqwest::Error),
    /// A credential was set for a security scheme the spec does not have.
    UnknownScheme {
        /// The scheme's name.
        scheme: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingBaseUrl => f.write_str(
                "this service has no fixed host: give the API's base URL with Config::base_url",
            ),
            ConfigError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL `{url}`: {reason}")
            }
            ConfigError::InvalidHeaderValue { header } => write!(
                f,
                "the value for header `{header}` contains characters HTTP headers cannot carry \
                 (CR, LF or other control bytes)"
            ),
            ConfigError::SecretTooLong { header, len } => write!(
                f,
                "the value for header `{header}` is {len} bytes, over the {} byte limit of a \
                 secret; it was neither kept nor sent",
                crate::MAX_SECRET_BYTES
            ),
            ConfigError::InvalidSealingKey => {
                f.write_str("a sealing key must be 32 bytes, written as base64")
            }
            ConfigError::InvalidSessionName => {
                f.write_str("a session name must not be empty or hold a `/`")
            }
            ConfigError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
            ConfigError::UnknownScheme { scheme } => {
                write!(f, "the spec has no security scheme `{scheme}`")
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Http(e) => Some(e),
            _ => None,
        }
    }
}
