//! Shared runtime of the authapi service clients.
//!
//! Each `authapi-<service>` crate is a progenitor client whose generated
//! `Client` carries a [`Runtime`] as its inner value. The runtime does what
//! progenitor leaves to the caller:
//!
//! * credentials: progenitor ignores `securitySchemes`, so the code generator
//!   emits an [`AuthTable`] from the spec (which header each scheme uses and
//!   which schemes each operation needs) and [`Runtime::pre`] attaches the
//!   stored secrets, marked sensitive, to exactly those operations;
//! * transport: [`Config`] builds the `reqwest::Client` (timeouts, TLS
//!   provider, user agent) and checks the base URL;
//! * wire quirks: `text/plain` bodies of operations the spec flags are handed
//!   to the typed decoder as JSON strings.
//!
//! Callers rarely use this crate directly: each service crate re-exports
//! [`Config`] and [`ConfigError`].

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};

mod secret;
pub use secret::Secret;

/// Default total timeout of one request (connect, send, receive the body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default timeout for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body. Auth responses are a few hundred bytes;
/// the cap keeps a broken or hostile server from making the client buffer
/// an unbounded body (progenitor reads whole bodies into memory).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// How one security scheme of a spec travels on the wire.
#[derive(Debug)]
pub struct Scheme {
    /// The scheme's name in the spec's `components.securitySchemes`.
    pub name: &'static str,
    /// The request header that carries it.
    pub header: HeaderName,
    /// Text put before the secret: `"Bearer "`, `"giantswarm "` or `""`.
    pub prefix: &'static str,
}

/// What one operation needs from the runtime.
#[derive(Debug)]
pub struct Operation {
    /// The operationId (also the Rust method name).
    pub id: &'static str,
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
    pub schemes: &'static [Scheme],
    pub operations: &'static [Operation],
}

impl AuthTable {
    fn scheme(&self, name: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// An error building a client or setting a credential. It never contains
/// the secret itself.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The service has no fixed host and no base URL was given.
    MissingBaseUrl,
    /// The base URL does not parse or is not `http`/`https`.
    InvalidBaseUrl { url: String, reason: String },
    /// A value cannot be sent in the named header (control characters such
    /// as CR or LF, or non-visible bytes).
    InvalidHeaderValue { header: &'static str },
    /// The HTTP client could not be built.
    Http(reqwest::Error),
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
            ConfigError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
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

/// Builds a header value from caller input, refusing CR, LF and other bytes
/// a header cannot carry before anything is sent.
pub fn header_value(
    header: &'static str,
    value: &str,
    sensitive: bool,
) -> Result<HeaderValue, ConfigError> {
    let mut v =
        HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeaderValue { header })?;
    v.set_sensitive(sensitive);
    Ok(v)
}

/// Percent-encodes one path parameter (as progenitor does: `/`, `%`, `?`,
/// `#`, spaces, controls, non-ASCII) and refuses `.` and `..`, which the URL
/// parser would resolve, sending the request to another path. Generated
/// code calls this for every path parameter.
#[allow(clippy::result_large_err)] // progenitor's Error is what `send()` returns
pub fn encode_path<E>(value: &str) -> Result<String, progenitor_client::Error<E>> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(progenitor_client::Error::InvalidRequest(format!(
            "path parameter `{value}` would change the request path; it cannot be sent"
        )));
    }
    Ok(progenitor_client::encode_path(value))
}

/// Client configuration shared by every service crate.
#[derive(Clone, Debug)]
pub struct Config {
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    http_client: Option<reqwest::Client>,
    max_response_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("authapi/", env!("CARGO_PKG_VERSION")).to_string(),
            http_client: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl Config {
    /// The defaults: the service's documented base URL, a 30 s request
    /// timeout and a 10 s connect timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Talk to this base URL instead of the service's default (a regional
    /// host, a self-hosted installation, a local mock). A trailing `/` is
    /// dropped, since operation paths start with one.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Total time allowed for one request, body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to establish a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header sent with every request.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Use this `reqwest::Client` (proxies, custom roots, connection pool
    /// shared with the rest of the program). The timeouts and user agent of
    /// this `Config` are then not applied: the given client's own are.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Largest response body the client reads (default 1 MiB); a longer
    /// body fails the call with `Error::ResponseBodyError`.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Checks the base URL (or falls back to `default_base_url`) and builds
    /// the HTTP client and runtime. Used by the generated
    /// `Client::from_config`.
    pub fn build(
        &self,
        default_base_url: Option<&str>,
    ) -> Result<(String, reqwest::Client, Runtime), ConfigError> {
        let base = match (&self.base_url, default_base_url) {
            (Some(url), _) => url.as_str(),
            (None, Some(url)) => url,
            (None, None) => return Err(ConfigError::MissingBaseUrl),
        };
        let base = normalize_base_url(base)?;
        let http = match &self.http_client {
            Some(client) => client.clone(),
            None => {
                install_crypto_provider();
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .user_agent(self.user_agent.as_str())
                    .build()
                    .map_err(ConfigError::Http)?
            }
        };
        let runtime = Runtime {
            credentials: Credentials::default(),
            max_response_bytes: self.max_response_bytes,
        };
        Ok((base, http, runtime))
    }
}

/// Checks a base URL and removes trailing slashes: progenitor joins the base
/// and the path by concatenation, and paths start with `/`.
pub fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: url.to_string(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "scheme `{}` is not http or https",
            parsed.scheme()
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            "a base URL cannot carry a query or fragment".into(),
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(feature = "rustls")]
fn install_crypto_provider() {
    // reqwest is built without a provider (its default, aws-lc, costs over a
    // minute of cold build); ring is installed process-wide unless the
    // program installed one of its own first, which then wins.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(not(feature = "rustls"))]
fn install_crypto_provider() {}

/// Secrets stored per security scheme, shared by the clones of one client.
#[derive(Clone, Default)]
struct Credentials(Arc<RwLock<Vec<(&'static str, HeaderValue)>>>);

impl Credentials {
    fn get(&self, scheme: &str) -> Option<HeaderValue> {
        let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
        guard
            .iter()
            .find(|(name, _)| *name == scheme)
            .map(|(_, v)| v.clone())
    }

    fn set(&self, scheme: &'static str, value: Option<HeaderValue>) {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        guard.retain(|(name, _)| *name != scheme);
        if let Some(value) = value {
            guard.push((scheme, value));
        }
    }
}

/// The inner value of every generated `Client`: its credentials and the
/// per-request behaviour the generator cannot express.
#[derive(Clone)]
pub struct Runtime {
    credentials: Credentials,
    max_response_bytes: usize,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            credentials: Credentials::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names of the schemes that hold a secret, never the secrets.
        let guard = self.credentials.0.read().unwrap_or_else(|e| e.into_inner());
        let names: Vec<&str> = guard.iter().map(|(n, _)| *n).collect();
        f.debug_struct("Runtime")
            .field("credentials_set", &names)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

const ACCEPT_JSON_OR_TEXT: HeaderValue = HeaderValue::from_static("application/json, text/plain");

impl Runtime {
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
    #[allow(clippy::result_large_err)] // progenitor's Error is what `send()` returns
    pub fn keep_credential<E>(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Option<&Secret>,
    ) -> Result<(), progenitor_client::Error<E>> {
        let token = token.ok_or_else(|| {
            progenitor_client::Error::Custom(
                "the service answered success without a usable token; none was stored".into(),
            )
        })?;
        self.set_credential(table, scheme, token.expose())
            .map_err(|e| progenitor_client::Error::Custom(e.to_string()))
    }

    /// Forgets the secret for `scheme`.
    pub fn clear_credential(&self, scheme: &'static str) {
        self.credentials.set(scheme, None);
    }

    /// Whether a secret is stored for `scheme`.
    pub fn has_credential(&self, scheme: &str) -> bool {
        self.credentials.get(scheme).is_some()
    }

    /// Runs before each request: attaches the credentials the operation
    /// needs. (progenitor's `api-version` header, which carries the spec's
    /// document version and is part of none of these APIs, is already
    /// dropped from the generated code by `cargo xtask codegen`.)
    pub fn pre(
        &self,
        table: &AuthTable,
        request: &mut reqwest::Request,
        operation_id: &str,
    ) -> Result<(), String> {
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
                    return Err(format!(
                        "operation `{operation_id}` needs the `{scheme_name}` credential \
                         (header `{}`), and the client has none set",
                        scheme.header
                    ))
                }
            }
        }
        if op.text_plain {
            headers.insert(ACCEPT, ACCEPT_JSON_OR_TEXT);
        }
        Ok(())
    }

    /// Sends the request, then: caps the body at `max_response_bytes`;
    /// for operations flagged `text_plain`, re-encodes a `text/plain`
    /// answer as a JSON string so the typed decoder hands it over as a
    /// `String`; for `redact_url` operations, keeps the URL (which holds a
    /// secret) out of errors and of the response.
    pub async fn exec(
        &self,
        table: &AuthTable,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let op = table.operation(operation_id);
        let redact = op.is_some_and(|op| op.redact_url);
        let response = match client.execute(request).await {
            Ok(r) => r,
            Err(e) if redact => return Err(e.without_url()),
            Err(e) => return Err(e),
        };
        let text_plain = op.is_some_and(|op| op.text_plain)
            && response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().starts_with("text/plain"));
        let within_limit = response
            .content_length()
            .is_some_and(|n| n <= self.max_response_bytes as u64);
        if within_limit && !text_plain && !redact {
            // The common case: a declared, small body passes untouched.
            return Ok(response);
        }

        let status = response.status();
        let version = response.version();
        let mut headers = response.headers().clone();
        let body = if text_plain {
            match limited::read(response, self.max_response_bytes).await? {
                Some(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    headers.remove(reqwest::header::CONTENT_LENGTH);
                    reqwest::Body::from(serde_json::Value::String(text).to_string())
                }
                None => limited::too_large(self.max_response_bytes),
            }
        } else if within_limit {
            reqwest::Body::wrap_stream(response.bytes_stream())
        } else {
            limited::body(response, self.max_response_bytes)
        };
        // Rebuilt from parts, the response no longer carries the URL.
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok(reqwest::Response::from(rebuilt))
    }
}

mod limited {
    //! Response bodies with a size cap.

    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_core::Stream;

    type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

    /// The error a too-long body fails with (the source of the caller's
    /// `Error::ResponseBodyError`).
    #[derive(Debug)]
    pub struct BodyTooLarge {
        pub limit: usize,
    }

    impl std::fmt::Display for BodyTooLarge {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "response body exceeds the client's limit of {} bytes (Config::max_response_bytes)",
                self.limit
            )
        }
    }

    impl std::error::Error for BodyTooLarge {}

    struct Limited {
        /// `None` once the limit is hit: the rest of the body is never read.
        inner: Option<Chunks>,
        remaining: usize,
        limit: usize,
    }

    impl Stream for Limited {
        type Item = Result<bytes::Bytes, Box<dyn std::error::Error + Send + Sync>>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let Some(inner) = self.inner.as_mut() else {
                return Poll::Ready(None);
            };
            match inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    if chunk.len() > self.remaining {
                        self.inner = None;
                        let limit = self.limit;
                        return Poll::Ready(Some(Err(Box::new(BodyTooLarge { limit }))));
                    }
                    self.remaining -= chunk.len();
                    Poll::Ready(Some(Ok(chunk)))
                }
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    /// The response's body, failing once more than `limit` bytes arrive.
    pub fn body(response: reqwest::Response, limit: usize) -> reqwest::Body {
        reqwest::Body::wrap_stream(Limited {
            inner: Some(Box::pin(response.bytes_stream())),
            remaining: limit,
            limit,
        })
    }

    /// Reads the body if it is at most `limit` bytes; `None` if longer.
    pub async fn read(
        mut response: reqwest::Response,
        limit: usize,
    ) -> reqwest::Result<Option<bytes::Bytes>> {
        let mut out = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if out.len() + chunk.len() > limit {
                return Ok(None);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(Some(bytes::Bytes::from(out)))
    }

    /// A body whose first read fails with [`BodyTooLarge`].
    pub fn too_large(limit: usize) -> reqwest::Body {
        struct Fail(Option<usize>);
        impl Stream for Fail {
            type Item = Result<bytes::Bytes, BodyTooLarge>;
            fn poll_next(
                mut self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Self::Item>> {
                Poll::Ready(self.0.take().map(|limit| Err(BodyTooLarge { limit })))
            }
        }
        reqwest::Body::wrap_stream(Fail(Some(limit)))
    }
}
