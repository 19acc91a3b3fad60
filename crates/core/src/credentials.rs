//! Security schemes, the per-spec auth table and the stored secrets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use reqwest::header::{HeaderName, HeaderValue};

use crate::config_error::ConfigError;

/// How one security scheme of a spec travels on the wire.
#[derive(Debug)]
pub struct Scheme {
    /// The scheme's name in the spec's `components.securitySchemes`.
    pub name: &'static str,
    /// The request header that carries it.
    pub header: HeaderName,
    /// Text put before the secret: `"Bearer "`, `"giantswarm "` or `""`.
    pub prefix: &'static str,
    /// The client methods that set it (`` `set_token` or `login` ``), named
    /// by the error of a call made without it (the spec's `x-set-with`).
    pub set_with: &'static str,
}

/// What one operation needs from the runtime.
#[derive(Debug)]
pub struct Operation {
    /// The operationId (also the Rust method name).
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template (`/auth/verify/{token}`): never a path value.
    pub path: &'static str,
    /// The header of the operation's idempotency-key parameter, if it has
    /// one: a POST without a caller's key gets `auto_<uuid v4>`.
    pub idempotency_key: Option<HeaderName>,
    /// Security schemes whose credentials are sent with this operation.
    pub schemes: &'static [&'static str],
    /// The server answers some statuses with `text/plain`; decode those
    /// bodies as JSON strings.
    pub text_plain: bool,
    /// A path parameter is a secret (`x-secret`): keep the URL out of
    /// errors and responses.
    pub redact_url: bool,
}

/// The security facts of one spec, emitted by `cargo xtask codegen`.
#[derive(Debug)]
pub struct AuthTable {
    /// The service's name (`svix`), for traces.
    pub service: &'static str,
    /// Every scheme an operation may use.
    pub schemes: &'static [Scheme],
    /// Every operation of the spec.
    pub operations: &'static [Operation],
}

impl AuthTable {
    pub(crate) fn scheme(&self, name: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    pub(crate) fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// The longest secret (token, refresh token, application id, API key) a
/// client keeps or sends: 16 KiB, far above any JWT these services issue.
/// A longer one, from a caller or from a hostile server's answer, is
/// refused with a typed error, never stored and never sent.
pub const MAX_SECRET_BYTES: usize = 16 * 1024;

/// Builds a header value from caller input, refusing CR, LF and other bytes
/// a header cannot carry before anything is sent, and a sensitive value
/// (a secret) longer than [`MAX_SECRET_BYTES`].
pub fn header_value(
    header: &'static str,
    value: &str,
    sensitive: bool,
) -> Result<HeaderValue, ConfigError> {
    if sensitive && value.len() > MAX_SECRET_BYTES {
        return Err(ConfigError::SecretTooLong {
            header,
            len: value.len(),
        });
    }
    let mut v =
        HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeaderValue { header })?;
    v.set_sensitive(sensitive);
    Ok(v)
}

/// The header value of `secret` for `scheme`, with the scheme's prefix,
/// marked sensitive (hidden from `Debug` and HTTP/2 indexing).
pub(crate) fn credential_value(
    table: &'static AuthTable,
    scheme: &'static str,
    secret: &str,
) -> Result<HeaderValue, ConfigError> {
    let spec = table
        .scheme(scheme)
        .ok_or(ConfigError::UnknownScheme { scheme })?;
    // The limit is on the secret, not on the prefix beside it.
    if secret.len() > MAX_SECRET_BYTES {
        return Err(ConfigError::SecretTooLong {
            header: spec.header.as_str(),
            len: secret.len(),
        });
    }
    if spec.prefix.is_empty() {
        header_value(spec.header.as_str(), secret, true)
    } else {
        let mut v = HeaderValue::from_str(&format!("{}{}", spec.prefix, secret)).map_err(|_| {
            ConfigError::InvalidHeaderValue {
                header: spec.header.as_str(),
            }
        })?;
        v.set_sensitive(true);
        Ok(v)
    }
}

/// Secrets stored per security scheme. `generation` counts every change,
/// so a session can tell whether the token it saw fail was replaced since.
#[derive(Default)]
pub(crate) struct Credentials {
    values: RwLock<Vec<(&'static str, HeaderValue)>>,
    generation: AtomicU64,
}

impl Credentials {
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn get(&self, scheme: &str) -> Option<HeaderValue> {
        let guard = self.values.read().unwrap_or_else(|e| e.into_inner());
        guard
            .iter()
            .find(|(name, _)| *name == scheme)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn set(&self, scheme: &'static str, value: Option<HeaderValue>) {
        self.update(scheme, value, None, || {});
    }

    /// Stores `value` for `scheme` (`None` forgets it), running `with` (the
    /// expiry, the refresh token) under the same lock first, unless
    /// `expected` is a generation the credentials have moved past: a
    /// refresh that started before a `clear_token` or `set_token` must not
    /// undo it. Whether the change was made.
    pub(crate) fn update(
        &self,
        scheme: &'static str,
        value: Option<HeaderValue>,
        expected: Option<u64>,
        with: impl FnOnce(),
    ) -> bool {
        let mut guard = self.values.write().unwrap_or_else(|e| e.into_inner());
        if expected.is_some_and(|g| g != self.generation()) {
            return false;
        }
        with();
        guard.retain(|(name, _)| *name != scheme);
        if let Some(value) = value {
            guard.push((scheme, value));
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Names of the schemes that hold a secret, never the secrets.
    /// Every stored header value, for scrubbing echoed secrets.
    pub(crate) fn values(&self) -> Vec<HeaderValue> {
        let guard = self.values.read().unwrap_or_else(|e| e.into_inner());
        guard.iter().map(|(_, v)| v.clone()).collect()
    }

    pub(crate) fn names(&self) -> Vec<&'static str> {
        let guard = self.values.read().unwrap_or_else(|e| e.into_inner());
        guard.iter().map(|(n, _)| *n).collect()
    }
}
