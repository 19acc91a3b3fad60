//! The error every `send()` and helper returns.
//!
//! progenitor's own `Error` prints the raw bytes of a body that failed to
//! decode (a token, when the body was a login answer), keeps the request URL
//! (a token, when it travels in the path) and loses the HTTP status of a body
//! that could not be read. This type keeps what a caller needs to decide
//! (status, kind, attempts) and nothing that could leak: every payload has a
//! hand-written `Debug` and `Display`, and the bytes of a bad body are
//! reachable only through [`InvalidPayload::body_may_contain_secrets`].

use std::fmt;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

pub use progenitor_client::ResponseValue;

/// Why a call failed. `E` is the service's documented error body.
///
/// Match on the variant for what happened, or ask [`Error::status`],
/// [`Error::is_timeout`], [`Error::is_connect`] and [`Error::is_not_sent`].
/// No variant's `Display` or `Debug` holds a credential, a request URL or
/// the bytes of a response body.
#[non_exhaustive]
pub enum Error<E = ()> {
    /// Refused before anything was sent: a missing or invalid parameter, a
    /// header value with CR/LF, a missing credential.
    InvalidRequest(String),
    /// The request could not be sent or its answer not received: connection
    /// refused or reset, timeout, TLS failure. Derefs to the
    /// `reqwest::Error`, whose URL has been removed.
    CommunicationError(Transport),
    /// The service answered with a redirect, which authapi never follows:
    /// credentials must not reach another origin (see the `authapi` crate's
    /// `manual::security`).
    Redirect(Redirect),
    /// A documented error status with its typed body. Derefs to `E`.
    ErrorResponse(ServiceError<E>),
    /// A status the spec does not list. The body is not read.
    UnexpectedResponse(UnexpectedResponse),
    /// A listed status whose body does not decode as the documented type.
    InvalidResponsePayload(InvalidPayload),
    /// The body of a response could not be read (cut off, too large).
    ResponseBodyError(BodyError),
    /// The session's token could not be refreshed (the refresh call's
    /// status and reason); every call that waited for that refresh gets it.
    Session(crate::SessionError),
    /// A helper's own failure, such as a login answer without a token.
    Custom(String),
    /// The call's [`Retry::deadline`](crate::Retry::deadline) passed, its
    /// attempts and waits included.
    Deadline(Deadline),
}

/// The deadline that passed, and how many attempts had started by then.
#[derive(Clone, Debug)]
pub struct Deadline {
    /// The configured deadline.
    pub deadline: std::time::Duration,
    pub(crate) attempts: u32,
}

impl<E> Error<E> {
    /// The HTTP status, wherever a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Redirect(r) => Some(r.status),
            Error::ErrorResponse(e) => Some(e.status),
            Error::UnexpectedResponse(r) => Some(r.status()),
            Error::InvalidResponsePayload(p) => Some(p.status),
            Error::ResponseBodyError(b) => Some(b.status),
            Error::Session(s) => s.status(),
            _ => None,
        }
    }

    /// Whether a timeout (connect, or the whole request) ended the call.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Deadline(_) => true,
            Error::CommunicationError(t) => t.error.is_timeout(),
            Error::ResponseBodyError(b) => b.error.is_timeout(),
            _ => false,
        }
    }

    /// Whether the connection could not be established.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::CommunicationError(t) if t.error.is_connect())
    }

    /// `true` only when the request certainly never reached the server:
    /// refused before sending, or a failure to connect. A call for which
    /// this is `false` may have had its effect.
    pub fn is_not_sent(&self) -> bool {
        match self {
            Error::InvalidRequest(_) => true,
            Error::CommunicationError(t) => t.error.is_connect() || t.error.is_builder(),
            _ => false,
        }
    }

    /// How many times the request was sent before this error (0 when it
    /// was refused before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::InvalidRequest(_) | Error::Custom(_) | Error::Session(_) => 0,
            Error::CommunicationError(t) => t.attempts,
            Error::Redirect(r) => r.attempts,
            Error::ErrorResponse(e) => e.attempts,
            Error::UnexpectedResponse(r) => r.attempts,
            Error::InvalidResponsePayload(p) => p.attempts,
            Error::ResponseBodyError(b) => b.attempts,
            Error::Deadline(d) => d.attempts,
        }
    }

    /// Sets the attempt count (the runtime's retry loop does).
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::InvalidRequest(_) | Error::Custom(_) | Error::Session(_) => {}
            Error::CommunicationError(t) => t.attempts = n,
            Error::Redirect(r) => r.attempts = n,
            Error::ErrorResponse(e) => e.attempts = n,
            Error::UnexpectedResponse(r) => r.attempts = n,
            Error::InvalidResponsePayload(p) => p.attempts = n,
            Error::ResponseBodyError(b) => b.attempts = n,
            Error::Deadline(d) => d.attempts = n,
        }
        self
    }

    /// The same failure with another error body type; a documented error
    /// body becomes [`Error::Custom`] with its status.
    pub fn map_body<F>(self) -> Error<F> {
        match self {
            Error::InvalidRequest(m) => Error::InvalidRequest(m),
            Error::CommunicationError(t) => Error::CommunicationError(t),
            Error::Redirect(r) => Error::Redirect(r),
            Error::ErrorResponse(e) => Error::Custom(format!("the service answered {}", e.status)),
            Error::UnexpectedResponse(r) => Error::UnexpectedResponse(r),
            Error::InvalidResponsePayload(p) => Error::InvalidResponsePayload(p),
            Error::ResponseBodyError(b) => Error::ResponseBodyError(b),
            Error::Session(s) => Error::Session(s),
            Error::Custom(m) => Error::Custom(m),
            Error::Deadline(d) => Error::Deadline(d),
        }
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(m) => write!(f, "invalid request, nothing was sent: {m}"),
            Error::CommunicationError(t) => fmt::Display::fmt(t, f),
            Error::Redirect(r) => fmt::Display::fmt(r, f),
            Error::ErrorResponse(e) => fmt::Display::fmt(e, f),
            Error::UnexpectedResponse(r) => fmt::Display::fmt(r, f),
            Error::InvalidResponsePayload(p) => fmt::Display::fmt(p, f),
            Error::ResponseBodyError(b) => fmt::Display::fmt(b, f),
            Error::Session(s) => fmt::Display::fmt(s, f),
            Error::Custom(m) => f.write_str(m),
            Error::Deadline(d) => write!(
                f,
                "the call's deadline of {:?} passed after {} attempt(s), retries and waits included",
                d.deadline, d.attempts
            ),
        }
    }
}

impl<E> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(m) => f.debug_tuple("InvalidRequest").field(m).finish(),
            Error::CommunicationError(t) => f.debug_tuple("CommunicationError").field(t).finish(),
            Error::Redirect(r) => f.debug_tuple("Redirect").field(r).finish(),
            Error::ErrorResponse(e) => f.debug_tuple("ErrorResponse").field(e).finish(),
            Error::UnexpectedResponse(r) => f.debug_tuple("UnexpectedResponse").field(r).finish(),
            Error::InvalidResponsePayload(p) => {
                f.debug_tuple("InvalidResponsePayload").field(p).finish()
            }
            Error::ResponseBodyError(b) => f.debug_tuple("ResponseBodyError").field(b).finish(),
            Error::Session(s) => f.debug_tuple("Session").field(s).finish(),
            Error::Custom(m) => f.debug_tuple("Custom").field(m).finish(),
            Error::Deadline(d) => f.debug_tuple("Deadline").field(d).finish(),
        }
    }
}

impl<E: 'static> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::CommunicationError(t) => Some(&t.error),
            Error::ResponseBodyError(b) => Some(&b.error),
            // The decode error is left out on purpose: serde quotes body
            // values in its messages, and error reporters print the chain.
            _ => None,
        }
    }
}

impl<E> From<reqwest::Error> for Error<E> {
    fn from(e: reqwest::Error) -> Self {
        Error::CommunicationError(Transport::new(e))
    }
}

impl<E> From<reqwest::header::InvalidHeaderValue> for Error<E> {
    fn from(_: reqwest::header::InvalidHeaderValue) -> Self {
        // The value itself may be a secret; only say what was wrong.
        Error::InvalidRequest(
            "a header parameter contains characters HTTP headers cannot carry".into(),
        )
    }
}

impl<E> From<crate::ConfigError> for Error<E> {
    fn from(e: crate::ConfigError) -> Self {
        Error::InvalidRequest(e.to_string())
    }
}

/// A transport failure. Derefs to the `reqwest::Error` (without its URL,
/// which may hold a secret path value).
pub struct Transport {
    error: reqwest::Error,
    attempts: u32,
}

impl Transport {
    pub(crate) fn new(error: reqwest::Error) -> Self {
        Transport {
            error: error.without_url(),
            attempts: 0,
        }
    }

    /// The underlying error.
    pub fn into_inner(self) -> reqwest::Error {
        self.error
    }
}

impl std::ops::Deref for Transport {
    type Target = reqwest::Error;
    fn deref(&self) -> &reqwest::Error {
        &self.error
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.error.is_timeout() {
            "timed out"
        } else if self.error.is_connect() {
            "could not connect"
        } else {
            "communication error"
        };
        write!(f, "{what}: {}", self.error)?;
        // reqwest's own text stops at "error sending request"; the cause
        // (refused, reset, certificate) is what the reader needs.
        let mut source = std::error::Error::source(&self.error);
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("error", &self.error)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A redirect the client refused to follow.
#[derive(Clone)]
pub struct Redirect {
    status: StatusCode,
    origin: Option<String>,
    location: Option<crate::SecretUrl>,
    attempts: u32,
}

impl Redirect {
    pub(crate) fn new(
        status: StatusCode,
        origin: Option<String>,
        location: Option<crate::SecretUrl>,
    ) -> Self {
        Redirect {
            status,
            origin,
            location,
            attempts: 0,
        }
    }

    /// The whole `Location` the service answered, resolved against the
    /// request URL, for operations whose documented answer *is* a redirect
    /// (Kleister `request_provider`, `callback_provider`: the provider's
    /// sign-in address, or the token to trade). It may carry a secret, so it
    /// is a [`SecretUrl`](crate::SecretUrl): `Debug` shows the origin only,
    /// and neither this error's `Display` nor its `Debug` prints it. Nothing
    /// was sent to it.
    pub fn location(&self) -> Option<&crate::SecretUrl> {
        self.location.as_ref()
    }

    /// The 3xx status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The origin (`scheme://host:port`) the `Location` header pointed to,
    /// never its path or query; `None` when there was no usable `Location`.
    pub fn target_origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }
}

impl fmt::Display for Redirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {} (a redirect", self.status)?;
        if let Some(o) = &self.origin {
            write!(f, " to {o}")?;
        }
        f.write_str(
            "); authapi does not follow redirects, so credentials never reach another origin",
        )
    }
}

impl fmt::Debug for Redirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redirect")
            .field("status", &self.status)
            .field("target_origin", &self.origin)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A documented error status and its decoded body. Derefs to `E`.
pub struct ServiceError<E> {
    body: E,
    /// The service's own message fields, rendered when the body decoded
    /// (see [`ErrorBody::message`](crate::ErrorBody::message)).
    // Boxed: every `Result` of the runtime carries this variant's size.
    message: Option<Box<str>>,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl<E> ServiceError<E> {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The decoded error body.
    pub fn into_inner(self) -> E {
        self.body
    }

    /// What the service said, from the fields it documents as its message
    /// (Svix `code` and `detail`, Kleister `message`, ...), on one line;
    /// `None` when the body carries none. `Display` shows it.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl<E> std::ops::Deref for ServiceError<E> {
    type Target = E;
    fn deref(&self) -> &E {
        &self.body
    }
}

// Only the service's documented message fields are shown, never the whole
// body: services echo rejected input (a field value) in other fields, and
// validation errors can carry a password. The body is there through `Deref`.
impl<E> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        match &self.message {
            Some(m) => write!(f, ": {m}"),
            None => f.write_str(" (a documented error, with no message)"),
        }
    }
}

impl<E> fmt::Debug for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("status", &self.status.as_u16())
            .field("message", &self.message)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A response with a status the spec does not list; its body is unread.
pub struct UnexpectedResponse {
    // Boxed: a `Response` would make every `Result` of this crate large.
    response: Box<reqwest::Response>,
    attempts: u32,
}

impl UnexpectedResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The response, to read its body. It may hold anything the server
    /// sent, a token included: do not log it.
    pub fn into_response(self) -> reqwest::Response {
        *self.response
    }
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the service answered {}, a status its API does not document",
            self.status()
        )
    }
}

impl fmt::Debug for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnexpectedResponse")
            .field("status", &self.status())
            .field("content_type", &content_type(self.headers()))
            .field("content_length", &self.response.content_length())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A body that does not decode as the documented type. `Display` and
/// `Debug` show its status, content type, length and where decoding
/// failed, never its bytes.
pub struct InvalidPayload {
    status: StatusCode,
    content_type: Option<String>,
    body: Bytes,
    error: serde_json::Error,
    attempts: u32,
}

impl InvalidPayload {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `Content-Type` the server declared.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The length of the body in bytes.
    pub fn len(&self) -> usize {
        self.body.len()
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The raw body. **It may hold a live token or password** (a login
    /// answer with one field of the wrong type still carries its token):
    /// never log it.
    pub fn body_may_contain_secrets(&self) -> &Bytes {
        &self.body
    }

    /// serde's error. **Its message may quote values of the body**, a token
    /// among them; [`fmt::Display`] of this type shows a redacted form.
    pub fn decode_error_may_contain_secrets(&self) -> &serde_json::Error {
        &self.error
    }
}

impl fmt::Display for InvalidPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} response body ({}, {} bytes) does not decode as the documented type: {}",
            self.status,
            self.content_type.as_deref().unwrap_or("no content type"),
            self.body.len(),
            redacted_serde_message(&self.error),
        )
    }
}

impl fmt::Debug for InvalidPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidPayload")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("len", &self.body.len())
            .field("error", &redacted_serde_message(&self.error))
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Where and how decoding failed, without serde's message text: serde
/// quotes body values (escaped, so no quote-matching scrubber is safe), and
/// a value may be a token. "missing field `x`" names a field of our own
/// types and is kept.
fn redacted_serde_message(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if message.starts_with("missing field") {
        return message;
    }
    let kind = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "a value of the wrong type or shape",
        serde_json::error::Category::Eof => "the body ends too early",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

/// A body that could not be read: the connection dropped mid-body, or it
/// exceeded `Config::max_response_bytes`.
pub struct BodyError {
    status: StatusCode,
    error: reqwest::Error,
    message: String,
    attempts: u32,
}

impl BodyError {
    pub(crate) fn new(status: StatusCode, error: reqwest::Error) -> Self {
        let error = error.without_url();
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        BodyError {
            status,
            error,
            message,
            attempts: 0,
        }
    }

    /// The HTTP status of the response whose body failed.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether the body exceeded the client's size limit.
    pub fn is_too_large(&self) -> bool {
        self.message.contains(crate::body::TOO_LARGE)
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read the body of the {} response: {}",
            self.status, self.message
        )
    }
}

impl fmt::Debug for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyError")
            .field("status", &self.status)
            .field("error", &self.message)
            .field("attempts", &self.attempts)
            .finish()
    }
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The secrets the client held when an error answer arrived, stored in its
/// extensions so that [`service_error`] can keep them out of the message.
#[derive(Clone)]
pub(crate) struct HeldSecrets(pub Vec<String>);

/// `message` with every held secret (of 4 characters or more, so that no
/// ordinary word is hidden) replaced by `<redacted>`.
fn scrub(mut message: String, held: Option<&HeldSecrets>) -> String {
    for secret in held.map(|h| h.0.as_slice()).unwrap_or_default() {
        if secret.len() >= 4 && message.contains(secret.as_str()) {
            message = message.replace(secret.as_str(), "<redacted>");
        }
    }
    message
}

/// How many times the runtime sent the request behind a response; stored in
/// the response's extensions so the decoders can report it.
#[derive(Clone, Copy)]
pub(crate) struct Attempts(pub u32);

fn attempts_of(response: &reqwest::Response) -> u32 {
    response.extensions().get::<Attempts>().map_or(1, |a| a.0)
}

/// Decodes a success body as `T`. Generated code calls this in place of
/// progenitor's `ResponseValue::from_response`.
pub async fn decode<T: serde::de::DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let (status, headers, body, attempts) = read(response).await?;
    match serde_json::from_slice(&body) {
        Ok(value) => {
            LAST_ATTEMPTS.with(|a| a.set(attempts));
            Ok(ResponseValue::new(value, status, headers))
        }
        Err(error) => Err(Error::InvalidResponsePayload(InvalidPayload {
            status,
            content_type: content_type(&headers),
            body,
            error,
            attempts,
        })),
    }
}

thread_local! {
    // progenitor's `ResponseValue` has no room for the attempt count, and a
    // helper that finds a 200 answer to be a refusal (Glowmarkt's
    // `valid: false`) must report it. `decode` is the last step of a call's
    // poll, so the helper reads it on the same thread before any `.await`.
    static LAST_ATTEMPTS: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// A success answer the service documents as a refusal (Glowmarkt's login
/// answered `200 {"valid": false}`), as the `ErrorResponse` a refusal
/// status would give: its status, headers, `body` and attempt count. Call it
/// right after the call's `.await`, with nothing awaited in between.
pub fn refusal<T, E: crate::ErrorBody>(answer: &ResponseValue<T>, body: E) -> Error<E> {
    Error::ErrorResponse(ServiceError {
        message: body
            .message()
            .map(|m| crate::error_body::one_line(&m).into()),
        body,
        status: answer.status(),
        headers: answer.headers().clone(),
        attempts: LAST_ATTEMPTS.with(std::cell::Cell::get),
    })
}

/// Decodes a documented error body as `E`, by status: the error the call
/// returns.
pub async fn service_error<E: crate::ErrorBody>(response: reqwest::Response) -> Error<E> {
    let held = response.extensions().get::<HeldSecrets>().cloned();
    let (status, headers, body, attempts) = match read(response).await {
        Ok(parts) => parts,
        Err(e) => return e,
    };
    match E::decode(status, &body) {
        Ok(value) => Error::ErrorResponse(ServiceError {
            // Scrubbed before it is cut to one line, so that no cut can
            // split a secret and leave its prefix unmatched.
            message: value
                .message()
                .map(|m| crate::error_body::one_line(&scrub(m, held.as_ref())).into()),
            body: value,
            status,
            headers,
            attempts,
        }),
        Err(error) => Error::InvalidResponsePayload(InvalidPayload {
            status,
            content_type: content_type(&headers),
            body,
            error,
            attempts,
        }),
    }
}

/// A documented error status whose body the spec leaves untyped (an HTML
/// page): the status and headers, the body unread. Generated code calls
/// this in place of progenitor's `ResponseValue::empty` for errors.
#[doc(hidden)]
pub fn empty_error(response: reqwest::Response) -> Error<()> {
    Error::ErrorResponse(ServiceError {
        body: (),
        message: None,
        status: response.status(),
        headers: response.headers().clone(),
        attempts: attempts_of(&response),
    })
}

/// A status the spec does not list.
pub fn unexpected<E>(response: reqwest::Response) -> Error<E> {
    let attempts = attempts_of(&response);
    Error::UnexpectedResponse(UnexpectedResponse {
        response: Box::new(response),
        attempts,
    })
}

async fn read<E>(
    response: reqwest::Response,
) -> Result<(StatusCode, HeaderMap, Bytes, u32), Error<E>> {
    let attempts = attempts_of(&response);
    let status = response.status();
    // The response is taken apart rather than its headers copied.
    let response = http::Response::from(response);
    let (parts, body) = response.into_parts();
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| {
            let mut b = BodyError::new(status, e);
            b.attempts = attempts;
            Error::ResponseBodyError(b)
        })?;
    Ok((status, parts.headers, bytes, attempts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_body_values() {
        let e = serde_json::from_str::<u64>("\"eyJsecret\"").unwrap_err();
        let m = redacted_serde_message(&e);
        assert!(!m.contains("eyJsecret"), "{m}");
        assert!(m.contains("wrong type"), "{m}");
        // Escaped quotes inside a string value.
        let e = serde_json::from_str::<u64>(r#""{\"token\":\"eyJsecret\"}""#).unwrap_err();
        assert!(!redacted_serde_message(&e).contains("eyJsecret"));
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            token: String,
        }
        let e = serde_json::from_str::<T>("{}").unwrap_err();
        assert!(redacted_serde_message(&e).contains("`token`"));
    }
}
