//! Sessions that stay logged in: a token refreshed shortly before it
//! expires, and once after a 401, with exactly one refresh in flight.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use tracing::Instrument;

use crate::runtime::Runtime;

/// What a refresh returns: `Ok` once the new token is stored.
pub type RefreshFuture = Pin<Box<dyn Future<Output = Result<(), SessionError>> + Send>>;

/// Refreshes the session's token. It receives the client's runtime and HTTP
/// client at call time rather than holding them, so that a session never
/// keeps its own client alive.
pub type Refresher = Arc<dyn Fn(Runtime, reqwest::Client) -> RefreshFuture + Send + Sync>;

/// A [`Refresher`] for a service client: at refresh time it rebuilds the
/// client from `base` and the runtime's parts with `rebuild`, and runs
/// `refresh` on it. Each service's `enable_auto_refresh` is this plus the
/// names of its credential and refresh operation.
pub fn refresher<C, F, Fut, T, E>(
    base: &str,
    rebuild: fn(&str, reqwest::Client, Runtime) -> C,
    refresh: F,
) -> Refresher
where
    C: 'static,
    F: Fn(C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, crate::Error<E>>> + Send + 'static,
    E: std::fmt::Debug,
{
    let base = base.to_string();
    Arc::new(move |runtime, http| {
        let done = refresh(rebuild(&base, http, runtime));
        Box::pin(async move { done.await.map(drop).map_err(crate::session_error) })
    })
}

/// Why a session could not refresh its token. Every call that waited for
/// that refresh fails with it.
#[derive(Clone, Debug)]
pub struct SessionError {
    status: Option<StatusCode>,
    message: String,
}

impl SessionError {
    /// From the refresh call's error (its `Display`, which never holds a
    /// secret, and its status).
    pub fn from_error<E: std::fmt::Debug>(e: &crate::Error<E>) -> Self {
        SessionError {
            status: e.status(),
            message: e.to_string(),
        }
    }

    /// A failure with no HTTP status (no refresh token stored, say).
    pub fn new(message: impl Into<String>) -> Self {
        SessionError {
            status: None,
            message: message.into(),
        }
    }

    /// The status the refresh call got, if it got an answer (401: log in
    /// again).
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the session token could not be refreshed: {}",
            self.message
        )
    }
}

pub(crate) struct Session {
    /// The credential the session keeps fresh.
    pub(crate) scheme: &'static str,
    /// The operation that refreshes it; it never triggers a refresh itself.
    pub(crate) refresh_op: &'static str,
    margin: Duration,
    refresher: Refresher,
    /// Held while a refresh is in flight; remembers the last failure and
    /// when it happened.
    flight: Arc<tokio::sync::Mutex<Option<(Instant, SessionError)>>>,
}

impl Session {
    pub(crate) fn new(
        scheme: &'static str,
        refresh_op: &'static str,
        margin: Duration,
        refresher: Refresher,
    ) -> Self {
        Session {
            scheme,
            refresh_op,
            margin,
            refresher,
            flight: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Whether a token that expires at `expiry` is due for a refresh.
    pub(crate) fn due(&self, expiry: Option<SystemTime>) -> bool {
        // A margin too large to add is "always due", never a panic.
        let horizon = SystemTime::now().checked_add(self.margin);
        expiry.is_some_and(|at| horizon.is_none_or(|h| at <= h))
    }

    /// The refresh lock, held by a caller's manual refresh.
    pub(crate) async fn hold(&self) -> impl Drop {
        self.flight.clone().lock_owned().await
    }

    /// Makes sure the token is newer than generation `seen`, refreshing it
    /// unless another call already did. Calls that were waiting while a
    /// refresh failed get that failure instead of starting another.
    /// `span` is the span of the call that needs the refresh.
    pub(crate) async fn refresh(
        self: &Arc<Self>,
        rt: &Runtime,
        http: &reqwest::Client,
        seen: u64,
        waiting_since: Instant,
        span: &tracing::Span,
    ) -> Result<(), SessionError> {
        // Its own task: a caller that gives up (a deadline, a dropped
        // future) must not cut a refresh short after the server spent the
        // old refresh token and before the new one is kept. The task runs
        // in the caller's span, which a spawned task does not inherit: the
        // refresh's own call and events stay inside the call that needed it.
        let (session, rt, http) = (Arc::clone(self), rt.clone(), http.clone());
        let refresh = async move { session.refresh_now(&rt, &http, seen, waiting_since).await };
        tokio::spawn(refresh.instrument(span.clone()))
            .await
            .unwrap_or_else(|_| Err(SessionError::new("the refresh task ended abnormally")))
    }

    async fn refresh_now(
        &self,
        rt: &Runtime,
        http: &reqwest::Client,
        seen: u64,
        waiting_since: Instant,
    ) -> Result<(), SessionError> {
        let mut last_failure = self.flight.lock().await;
        if rt.credential_generation() != seen {
            return Ok(());
        }
        if let Some((at, e)) = &*last_failure {
            if *at >= waiting_since {
                return Err(e.clone());
            }
        }
        tracing::debug!(scheme = self.scheme, "refreshing the session token");
        // The refresher's runtime knows where the refresh started: what it
        // keeps is dropped if the credentials changed meanwhile.
        match (self.refresher)(rt.for_refresh(seen), http.clone()).await {
            Ok(()) => {
                *last_failure = None;
                tracing::debug!(scheme = self.scheme, "session token refreshed");
                Ok(())
            }
            Err(e) => {
                tracing::debug!(
                    scheme = self.scheme,
                    status = e.status.map(|s| s.as_u16()),
                    "session refresh failed"
                );
                *last_failure = Some((Instant::now(), e.clone()));
                Err(e)
            }
        }
    }
}
