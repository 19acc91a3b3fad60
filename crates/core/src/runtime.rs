//! The inner value of every generated `Client`: its credentials and the one
//! function every generated `send()` calls to put a request on the wire.

use std::fmt;

use reqwest::header::{HeaderValue, ACCEPT, LOCATION};

use crate::config::{ConfigError, DEFAULT_MAX_RESPONSE_BYTES};
use crate::credentials::{header_value, AuthTable, Credentials};
use crate::error::{Attempts, Error, Redirect, Transport};
use crate::Secret;

const ACCEPT_JSON_OR_TEXT: HeaderValue = HeaderValue::from_static("application/json, text/plain");

/// The inner value of every generated `Client`: its credentials and the
/// per-request behaviour the generator cannot express.
#[derive(Clone)]
pub struct Runtime {
    credentials: Credentials,
    max_response_bytes: usize,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new(DEFAULT_MAX_RESPONSE_BYTES)
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("credentials_set", &self.credentials.names())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl Runtime {
    pub(crate) fn new(max_response_bytes: usize) -> Self {
        Runtime {
            credentials: Credentials::default(),
            max_response_bytes,
        }
    }

    /// Stores the secret for `scheme`, with the scheme's prefix, as a
    /// sensitive header value (hidden from `Debug` and HTTP/2 indexing).
    pub fn set_credential(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        secret: &str,
    ) -> Result<(), ConfigError> {
        let spec = table
            .scheme(scheme)
            .unwrap_or_else(|| unreachable!("scheme {scheme} is not in the spec"));
        let value = if spec.prefix.is_empty() {
            header_value(spec.header.as_str(), secret, true)?
        } else {
            header_value(
                spec.header.as_str(),
                &format!("{}{}", spec.prefix, secret),
                true,
            )?
        };
        self.credentials.set(scheme, Some(value));
        Ok(())
    }

    /// Stores a token a response handed back (login, refresh), or fails
    /// with `Error::Custom` when there is none to keep; the caller's call
    /// then reports why instead of leaving the client without a token.
    pub fn keep_credential<E>(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Option<&Secret>,
    ) -> Result<(), Error<E>> {
        let token = token.ok_or_else(|| {
            Error::Custom(
                "the service answered success without a usable token; none was stored".into(),
            )
        })?;
        self.set_credential(table, scheme, token.expose())
            .map_err(|e| Error::Custom(e.to_string()))
    }

    /// Forgets the secret for `scheme`.
    pub fn clear_credential(&self, scheme: &'static str) {
        self.credentials.set(scheme, None);
    }

    /// Whether a secret is stored for `scheme`.
    pub fn has_credential(&self, scheme: &str) -> bool {
        self.credentials.get(scheme).is_some()
    }

    /// Attaches the credentials `operation_id` needs (marked sensitive).
    fn authorize<E>(
        &self,
        table: &AuthTable,
        request: &mut reqwest::Request,
        operation_id: &str,
    ) -> Result<(), Error<E>> {
        let Some(op) = table.operation(operation_id) else {
            return Ok(());
        };
        let headers = request.headers_mut();
        for &scheme_name in op.schemes {
            let Some(scheme) = table.scheme(scheme_name) else {
                continue;
            };
            match self.credentials.get(scheme_name) {
                Some(value) => {
                    headers.insert(scheme.header.clone(), value);
                }
                None => {
                    return Err(Error::InvalidRequest(format!(
                        "operation `{operation_id}` needs the `{scheme_name}` credential \
                         (header `{}`), and the client has none set",
                        scheme.header
                    )))
                }
            }
        }
        if op.text_plain {
            headers.insert(ACCEPT, ACCEPT_JSON_OR_TEXT);
        }
        Ok(())
    }

    /// Sends one request of `operation_id`, as every generated `send()`
    /// does: attaches its credentials, sends it, refuses a redirect (the
    /// client never follows one, see [`crate::http_client_builder`]), caps
    /// the body and re-encodes `text/plain` answers. Errors never carry the
    /// request URL.
    pub async fn send<E>(
        &self,
        table: &AuthTable,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        operation_id: &str,
    ) -> Result<reqwest::Response, Error<E>> {
        self.authorize(table, &mut request, operation_id)?;
        let op = table.operation(operation_id);
        let attempts = 1;
        let mut response = http
            .execute(request)
            .await
            .map_err(|e| Error::CommunicationError(Transport::new(e)).with_attempts(attempts))?;
        let status = response.status();
        if status.is_redirection() {
            // Only the origin is kept: the target's path or query may echo
            // a secret.
            let origin = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| response.url().join(l).ok())
                .map(|u| u.origin().ascii_serialization())
                .filter(|o| o != "null");
            return Err(Error::Redirect(Redirect::new(status, origin)).with_attempts(attempts));
        }
        response.extensions_mut().insert(Attempts(attempts));
        crate::body::prepare(
            response,
            self.max_response_bytes,
            op.is_some_and(|op| op.text_plain),
            op.is_some_and(|op| op.redact_url),
        )
        .await
        .map_err(|e| {
            Error::ResponseBodyError(crate::error::BodyError::new(status, e))
                .with_attempts(attempts)
        })
    }
}
