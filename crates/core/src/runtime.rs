//! The inner value of every generated `Client`: its credentials, policies
//! and the one function every generated `send()` calls to put a request on
//! the wire.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderValue, ACCEPT, LOCATION};
use reqwest::StatusCode;
use tracing::Instrument;

use crate::config_error::ConfigError;
use crate::credentials::{credential_value, AuthTable, Credentials, Operation};
use crate::error::{Attempts, Error, Redirect, Transport};
use crate::retry::{self, Retry};
use crate::session::{Cause, SessionError, SessionOptions, SessionState, Turn, TurnGuard};
use crate::{trace, Secret};

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
    Fut: Future<Output = Result<T, Error<E>>> + Send + 'static,
    E: std::fmt::Debug,
{
    let base = base.to_string();
    Arc::new(move |runtime, http| {
        let done = refresh(rebuild(&base, http, runtime));
        Box::pin(async move { done.await.map(drop).map_err(session_error) })
    })
}

fn no_token<E>() -> Error<E> {
    Error::Custom("the service answered success without a usable token; none was stored".into())
}

/// The runtime's own failures, before a service's error body type is known.
type Untyped = Error<std::convert::Infallible>;

/// The `tracing` target of session events.
const SESSION: &str = "authapi_core::session";

const ACCEPT_JSON_OR_TEXT: HeaderValue = HeaderValue::from_static("application/json, text/plain");

/// State shared by the clones of one client.
struct Shared {
    credentials: Arc<Credentials>,
    /// The session's record, its local copy and its refresh lock.
    session: Arc<SessionState>,
    /// Automatic refreshing, when turned on.
    auto: RwLock<Option<Arc<AutoRefresh>>>,
    /// Request URLs built lately, by path: most calls repeat a path (an
    /// operation without path parameters always does), and cloning a parsed
    /// URL costs a fraction of setting a path, which parses it.
    urls: RwLock<Urls>,
}

/// What `enable_session` turned on.
struct AutoRefresh {
    /// The credential the session keeps fresh.
    scheme: &'static str,
    /// The operation that refreshes it; it never triggers a refresh itself.
    refresh_op: &'static str,
    margin: Duration,
    refresher: Refresher,
}

impl AutoRefresh {
    /// Whether a token that expires at `expiry` is due for a refresh.
    fn due(&self, expiry: Option<SystemTime>) -> bool {
        // A margin too large to add is "always due", never a panic.
        let horizon = SystemTime::now().checked_add(self.margin);
        expiry.is_some_and(|at| horizon.is_none_or(|h| at <= h))
    }
}

/// A refresh's turn, from [`Runtime::begin_refresh`].
#[doc(hidden)]
pub enum RefreshTurn {
    /// Refresh now, keeping what comes back with
    /// [`Runtime::keep_session`] and `since`; hold `guard` until then.
    Refresh {
        /// The process's refresh lock and the store's lease.
        guard: Option<TurnGuard>,
        /// The credential generation the refresh starts from.
        since: u64,
    },
    /// Another call or process refreshed while this one waited: its token
    /// is the client's now ([`Runtime::session_snapshot`]).
    Done,
}

/// The base URL a client follows when the caller did not set one (Svix's
/// region, chosen by the token), and the URLs built from it; one lock, so a
/// base change and the cache it empties change together.
#[derive(Default)]
struct Urls {
    base: Option<reqwest::Url>,
    built: Vec<(String, reqwest::Url)>,
}

/// How many URLs [`Shared::urls`] keeps.
const URL_CACHE: usize = 16;

/// The inner value of every generated `Client`: its credentials and the
/// per-request behaviour the generator cannot express.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
    /// The base URL, parsed once; every request URL is a copy with its path
    /// set (see [`Runtime::url`]).
    base: Option<reqwest::Url>,
    /// The caller set the base URL in `Config`: nothing may change it.
    explicit_base: bool,
    max_response_bytes: usize,
    retry: Retry,
    tracing: bool,
    /// Set on the runtime a session's refresher gets: the credential
    /// generation the refresh started from.
    pub(crate) refresh_from: Option<u64>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new(
            crate::DEFAULT_MAX_RESPONSE_BYTES,
            Retry::default(),
            true,
            SessionOptions::private(""),
        )
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auto = self.auto();
        f.debug_struct("Runtime")
            .field("credentials_set", &self.shared.credentials.names())
            .field("refresh_token_set", &self.refresh_token().is_some())
            .field("session", &auto.map(|s| s.scheme))
            .field("session_store", &self.shared.session.store_name())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Runtime {
    pub(crate) fn new(
        max_response_bytes: usize,
        retry: Retry,
        tracing: bool,
        session: SessionOptions,
    ) -> Self {
        let credentials = Arc::new(Credentials::default());
        Runtime {
            shared: Arc::new(Shared {
                session: Arc::new(SessionState::new(session, Arc::clone(&credentials))),
                credentials,
                auto: RwLock::new(None),
                urls: RwLock::default(),
            }),
            base: None,
            explicit_base: false,
            max_response_bytes,
            retry,
            tracing,
            refresh_from: None,
        }
    }

    /// The runtime a session's refresher runs on: it knows the credential
    /// generation the refresh started from (see [`Runtime::keep_session`]),
    /// and it has no call deadline. The refresh runs in its own task so
    /// that no caller's deadline cuts it short once the service may have
    /// spent the old refresh token; its own deadline must not either. The
    /// request timeout and the retries still bound it, and every caller
    /// waiting for it still gives up at its own deadline.
    pub(crate) fn for_refresh(&self, seen: u64) -> Runtime {
        let mut rt = self.clone();
        rt.refresh_from = Some(seen);
        rt.retry = rt.retry.without_deadline();
        rt
    }

    pub(crate) fn with_base(mut self, base: reqwest::Url, explicit: bool) -> Self {
        self.base = Some(base);
        self.explicit_base = explicit;
        self
    }

    /// Sends this client's (and its clones') calls to `base` from now on,
    /// unless the caller set a base URL in `Config`, which always wins:
    /// for a service that picks its host from the token (Svix regions).
    /// Returns whether the base was changed.
    #[doc(hidden)]
    pub fn follow_base(&self, base: &str) -> Result<bool, ConfigError> {
        if self.explicit_base {
            return Ok(false);
        }
        let parsed =
            reqwest::Url::parse(&crate::base_url::normalize_base_url(base)?).map_err(|e| {
                ConfigError::InvalidBaseUrl {
                    url: crate::base_url::redact_userinfo(base),
                    reason: e.to_string(),
                }
            })?;
        let mut urls = self.shared.urls.write().unwrap_or_else(|e| e.into_inner());
        let current = urls.base.as_ref().or(self.base.as_ref());
        if current != Some(&parsed) {
            urls.base = Some(parsed);
            urls.built.clear();
        }
        Ok(true)
    }

    /// Every secret the client holds, as a service could echo it: each
    /// credential's header value, its part after the scheme's prefix
    /// (`Bearer `, `giantswarm `), and the refresh token.
    fn held_secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for value in self.shared.credentials.values() {
            if let Ok(text) = value.to_str() {
                if let Some((_, bare)) = text.rsplit_once(' ') {
                    out.push(bare.to_string());
                }
                out.push(text.to_string());
            }
        }
        if let Some(r) = self.refresh_token() {
            out.push(r.expose().to_string());
        }
        out
    }

    /// The base URL calls go to now (see [`Runtime::follow_base`]).
    #[doc(hidden)]
    pub fn base_url(&self) -> Option<String> {
        let urls = self.shared.urls.read().unwrap_or_else(|e| e.into_inner());
        urls.base
            .as_ref()
            .or(self.base.as_ref())
            .map(|u| u.as_str().trim_end_matches('/').to_string())
    }

    /// The URL of `path` (already percent-encoded, starting with `/`) under
    /// the base URL: a copy of the parsed base with its path set, so no
    /// call parses a whole URL string (scheme, host, IDNA) again.
    #[doc(hidden)]
    pub fn url<E>(&self, path: &str) -> Result<reqwest::Url, Error<E>> {
        {
            let cache = self.shared.urls.read().unwrap_or_else(|e| e.into_inner());
            if let Some((_, url)) = cache.built.iter().find(|(p, _)| p == path) {
                return Ok(url.clone());
            }
        }
        let mut cache = self.shared.urls.write().unwrap_or_else(|e| e.into_inner());
        let url = self.join(cache.base.as_ref(), path)?;
        if cache.built.len() >= URL_CACHE {
            cache.built.remove(0);
        }
        cache.built.push((path.to_string(), url.clone()));
        Ok(url)
    }

    /// [`Runtime::url`] without the cache, for a path that holds a secret
    /// (Kleister's verify token), which must not outlive its call.
    #[doc(hidden)]
    pub fn url_uncached<E>(&self, path: &str) -> Result<reqwest::Url, Error<E>> {
        let urls = self.shared.urls.read().unwrap_or_else(|e| e.into_inner());
        self.join(urls.base.as_ref(), path)
    }

    /// `path` under `followed` (a base the client follows), else under the
    /// configured base.
    fn join<E>(
        &self,
        followed: Option<&reqwest::Url>,
        path: &str,
    ) -> Result<reqwest::Url, Error<E>> {
        let Some(base) = followed.or(self.base.as_ref()) else {
            return Err(Error::InvalidRequest(
                "the client has no base URL: build it with `Client::from_config`".into(),
            ));
        };
        let mut url = base.clone();
        let prefix = base.path().trim_end_matches('/');
        if prefix.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&format!("{prefix}{path}"));
        }
        Ok(url)
    }

    /// Stores the secret for `scheme`, with the scheme's prefix, as a
    /// sensitive header value (hidden from `Debug` and HTTP/2 indexing), in
    /// this client only: an API key, an application id.
    pub fn set_credential(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        secret: &str,
    ) -> Result<(), ConfigError> {
        let value = credential_value(table, scheme, secret)?;
        self.shared.credentials.set(scheme, Some(value));
        Ok(())
    }

    /// Sets the session's token by hand: this client uses it at once, and
    /// it is written to the session store (at once for the memory and file
    /// stores, else in a task and in any case before the store is next
    /// used), so the processes sharing the session use it from their next
    /// store read. The expiry and refresh token kept stay as they were.
    pub fn set_session_token(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        token: &str,
    ) -> Result<(), ConfigError> {
        let value = credential_value(table, scheme, token)?;
        self.shared
            .session
            .set_token(table, scheme, Secret::new(token), value);
        Ok(())
    }

    /// Keeps a refresh token for the session (one saved from an earlier
    /// login), in this client and in the store, like
    /// [`Runtime::set_session_token`].
    pub fn set_session_refresh_token(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Secret,
    ) -> Result<(), ConfigError> {
        if token.expose().len() > crate::MAX_SECRET_BYTES {
            return Err(ConfigError::SecretTooLong {
                header: "refresh token",
                len: token.expose().len(),
            });
        }
        self.shared.session.set_refresh_token(table, scheme, token);
        Ok(())
    }

    /// Forgets the session's token, with its expiry and refresh token (a
    /// logout), here at once and in the store as for
    /// [`Runtime::set_session_token`]: a newer record with no token, which
    /// every process sharing the session adopts at its next store read.
    pub fn clear_session(&self, table: &'static AuthTable, scheme: &'static str) {
        self.shared.session.logout(table, scheme);
    }

    /// Keeps what a login or refresh answered: the token, its expiry and
    /// the refresh token that came with it (if any) change together, here
    /// and in the session store, so no call sees the new token with the
    /// old expiry. With `since` (a refresh's [`Runtime::begin_refresh`]),
    /// nothing is kept if the client's credentials changed while the
    /// refresh ran: a `clear_token` (a logout) or `set_token` made
    /// meanwhile wins. A token or refresh token over
    /// [`MAX_SECRET_BYTES`](crate::MAX_SECRET_BYTES) is refused
    /// (`Error::Session`, `SecretTooLong`), and nothing is kept.
    #[allow(clippy::too_many_arguments)]
    pub async fn keep_session<E>(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Option<&Secret>,
        expiry: Option<SystemTime>,
        refresh_token: Option<&Secret>,
        since: Option<u64>,
    ) -> Result<(), Error<E>> {
        let token = token.ok_or_else(no_token)?;
        self.shared
            .session
            .keep(table, scheme, token, expiry, refresh_token, since)
            .await
            .map_err(Error::Session)
    }

    /// Starts a refresh by hand. It waits for the session's refresh lock
    /// (in this process) and the store's lease (across processes), so that
    /// no two refreshes run at once anywhere (each would spend the same
    /// refresh token), and re-reads the store under them: if another call
    /// or process refreshed meanwhile, it says so ([`RefreshTurn::Done`])
    /// instead. Inside the automatic refresh, which already holds both, it
    /// just says where the refresh started.
    pub async fn begin_refresh<E>(
        &self,
        table: &'static AuthTable,
    ) -> Result<RefreshTurn, Error<E>> {
        if let Some(since) = self.refresh_from {
            return Ok(RefreshTurn::Refresh { guard: None, since });
        }
        let seen = self.credential_generation();
        match self
            .shared
            .session
            .turn(table, seen, Cause::Manual, None)
            .await
            .map_err(Error::Session)?
        {
            Turn::Done => Ok(RefreshTurn::Done),
            Turn::Refresh(guard) => Ok(RefreshTurn::Refresh {
                guard: Some(guard),
                since: self.credential_generation(),
            }),
        }
    }

    /// Runs `fut` (a refresh) in its own task and waits for it: a caller
    /// that gives up (a timeout, a dropped future) cannot cut it short once
    /// the service may have spent the old refresh token. In the caller's
    /// span and subscriber. Inside the automatic refresh, which already
    /// runs in a task of its own, it runs `fut` in place.
    pub async fn detached<T, E>(
        &self,
        fut: impl Future<Output = Result<T, Error<E>>> + Send + 'static,
    ) -> Result<T, Error<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        if self.refresh_from.is_some() {
            return fut.await;
        }
        use tracing::instrument::WithSubscriber;
        let fut = fut
            .instrument(tracing::Span::current())
            .with_current_subscriber();
        tokio::spawn(fut)
            .await
            .unwrap_or_else(|_| Err(Error::Custom("the refresh task ended abnormally".into())))
    }

    /// The session's token, its expiry and its refresh token, as this
    /// client holds them now: what a `refresh()` that found another
    /// caller's refresh done returns.
    pub fn session_snapshot(&self) -> (Option<Secret>, Option<SystemTime>, Option<Secret>) {
        self.shared.session.snapshot()
    }

    /// Writes a `set_session_token`, `set_session_refresh_token` or
    /// `clear_session` to the store now, if it is not there yet, and says
    /// whether the store took it: those are synchronous, and a store that
    /// answers over the network (Redis) gets them from a task.
    pub async fn save_session<E>(&self, table: &'static AuthTable) -> Result<(), Error<E>> {
        self.shared
            .session
            .flush(table)
            .await
            .map_err(|e| Error::Session(e.into()))
    }

    /// Whether the session holds a token for `scheme`: this client's copy,
    /// else the store's record (another process's login), which is then
    /// adopted.
    pub async fn has_session_token<E>(
        &self,
        table: &'static AuthTable,
        scheme: &'static str,
    ) -> Result<bool, Error<E>> {
        if !self.has_credential(scheme) {
            self.shared
                .session
                .adopt_newer(table)
                .await
                .map_err(|e| Error::Session(e.into()))?;
        }
        Ok(self.has_credential(scheme))
    }

    /// Whether a secret is stored for `scheme`.
    pub fn has_credential(&self, scheme: &str) -> bool {
        self.shared.credentials.get(scheme).is_some()
    }

    pub(crate) fn credential_generation(&self) -> u64 {
        self.shared.credentials.generation()
    }

    /// Records when the session's token expires, in this client only.
    pub fn set_expiry(&self, at: Option<SystemTime>) {
        self.shared.session.set_expiry(at);
    }

    /// When the session's token expires, if known.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.shared.session.expiry()
    }

    /// The refresh token kept for the session.
    pub fn refresh_token(&self) -> Option<Secret> {
        self.shared.session.refresh_token()
    }

    /// Turns on a session for the credential `scheme`: calls that send it
    /// refresh it with `refresher` when it is within `margin` of its expiry,
    /// and once after a 401. `refresh_op` is the refreshing operation,
    /// which never triggers a refresh itself.
    pub fn enable_session(
        &self,
        scheme: &'static str,
        refresh_op: &'static str,
        margin: Duration,
        refresher: Refresher,
    ) {
        let auto = AutoRefresh {
            scheme,
            refresh_op,
            margin,
            refresher,
        };
        *self.shared.auto.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(auto));
    }

    /// Turns the session off; tokens are then refreshed only by hand.
    pub fn disable_session(&self) {
        *self.shared.auto.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Refreshes the session's token now if it is within the margin of its
    /// expiry (one refresh for any number of concurrent callers, across
    /// the processes sharing the store). For a caller that uses the token
    /// outside this client. A no-op without a session.
    pub async fn ensure_fresh<E>(
        &self,
        table: &'static AuthTable,
        http: &reqwest::Client,
    ) -> Result<(), Error<E>> {
        let Some(s) = self.auto() else {
            return Ok(());
        };
        if !self.has_credential(s.scheme) {
            // Another process may have logged in.
            self.shared
                .session
                .adopt_newer(table)
                .await
                .map_err(|e| Error::Session(e.into()))?;
        }
        let seen = self.credential_generation();
        if !s.due(self.expiry()) {
            return Ok(());
        }
        let span = tracing::Span::current();
        self.refresh_session(&s, table, http, seen, Instant::now(), Cause::Due, &span)
            .await
            .map_err(Error::Session)
    }

    fn auto(&self) -> Option<Arc<AutoRefresh>> {
        self.shared
            .auto
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Makes sure the token is newer than generation `seen`, refreshing it
    /// unless another call or process already did. Calls that were waiting
    /// while a refresh failed get that failure instead of starting another.
    /// `span` is the span of the call that needs the refresh.
    #[allow(clippy::too_many_arguments)]
    async fn refresh_session(
        &self,
        auto: &Arc<AutoRefresh>,
        table: &'static AuthTable,
        http: &reqwest::Client,
        seen: u64,
        waiting_since: Instant,
        cause: Cause,
        span: &tracing::Span,
    ) -> Result<(), SessionError> {
        // Its own task: a caller that gives up (a deadline, a dropped
        // future) must not cut a refresh short after the server spent the
        // old refresh token and before the new one is kept. The task runs
        // in the caller's span, which a spawned task does not inherit: the
        // refresh's own call and events stay inside the call that needed it.
        let (rt, http, auto) = (self.clone(), http.clone(), Arc::clone(auto));
        let refresh = async move {
            let session = &rt.shared.session;
            let turn = session
                .turn(table, seen, cause, Some(waiting_since))
                .await?;
            let Turn::Refresh(mut guard) = turn else {
                return Ok(());
            };
            // Under the session's target, which subscribers filter on.
            tracing::debug!(target: SESSION, scheme = auto.scheme, "refreshing the session token");
            // The refresher's runtime knows where the refresh started: what
            // it keeps is dropped if the credentials changed meanwhile.
            let result = (auto.refresher)(rt.for_refresh(seen), http).await;
            match &result {
                Ok(()) => {
                    tracing::debug!(target: SESSION, scheme = auto.scheme, "session token refreshed")
                }
                Err(e) => tracing::debug!(
                    target: SESSION,
                    scheme = auto.scheme,
                    status = e.status().map(|s| s.as_u16()),
                    "session refresh failed"
                ),
            }
            guard.outcome(&result);
            result
        };
        tokio::spawn(refresh.instrument(span.clone()))
            .await
            .unwrap_or_else(|_| Err(SessionError::new("the refresh task ended abnormally")))
    }

    /// Attaches the credentials `op` needs (marked sensitive).
    fn authorize(
        &self,
        table: &'static AuthTable,
        op: &Operation,
        request: &mut reqwest::Request,
    ) -> Result<(), Untyped> {
        let headers = request.headers_mut();
        for &scheme_name in op.schemes {
            let Some(scheme) = table.scheme(scheme_name) else {
                continue;
            };
            match self.shared.credentials.get(scheme_name) {
                Some(value) => {
                    headers.insert(scheme.header.clone(), value);
                }
                None => {
                    return Err(Error::InvalidRequest(format!(
                        "`{}` needs a credential the client does not have (sent in header `{}`): \
                         call {} first",
                        op.id, scheme.header, scheme.set_with
                    )))
                }
            }
        }
        if op.text_plain {
            headers.insert(ACCEPT, ACCEPT_JSON_OR_TEXT);
        }
        Ok(())
    }

    /// Sends one call of `operation_id`, as every generated `send()` does:
    /// refreshes a session token that is about to expire, builds the
    /// request with `build` (again for each attempt, so the no-failure path
    /// copies nothing), attaches the credentials, gives a keyless POST an
    /// idempotency key where the operation has one, sends, retries what is
    /// safe to retry, refreshes once after a 401, refuses a redirect, caps
    /// the body and re-encodes `text/plain` answers, all inside one
    /// `tracing` span. Errors never carry the request URL.
    #[doc(hidden)]
    pub async fn send<E>(
        &self,
        table: &'static AuthTable,
        http: &reqwest::Client,
        build: &(dyn Fn() -> Result<reqwest::Request, Error<E>> + Send + Sync),
        operation_id: &str,
    ) -> Result<reqwest::Response, Error<E>> {
        // The loop itself is not generic over the service's error type, and
        // polled through a `dyn` pointer so that it is not inlined into each
        // generic caller: one copy of it in a program, however many services
        // and operations, and no allocation for it.
        let build = || build().map_err(Error::map_body);
        let call = std::pin::pin!(self.send_any(table, http, &build, operation_id));
        let call: Pin<&mut (dyn Future<Output = _> + Send)> = call;
        call.await.map_err(Error::map_body)
    }

    async fn send_any(
        &self,
        table: &'static AuthTable,
        http: &reqwest::Client,
        build: &(dyn Fn() -> Result<reqwest::Request, Untyped> + Send + Sync),
        operation_id: &str,
    ) -> Result<reqwest::Response, Untyped> {
        let Some(op) = table.operation(operation_id) else {
            return Err(Error::InvalidRequest(format!(
                "operation `{operation_id}` is not in the spec"
            )));
        };
        let span = trace::call_span(self.tracing, table, Some(op), operation_id);
        if span.is_disabled() {
            return self.bounded(table, op, http, build, &span).await;
        }
        let started = Instant::now();
        let result = self
            .bounded(table, op, http, build, &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(r) => span.record("status", r.status().as_u16()),
            Err(e) => span.record("status", e.status().map_or(0, |s| s.as_u16())),
        };
        result
    }

    /// The call, cut off at the retry policy's deadline if it has one.
    async fn bounded(
        &self,
        table: &'static AuthTable,
        op: &Operation,
        http: &reqwest::Client,
        build: &(dyn Fn() -> Result<reqwest::Request, Untyped> + Send + Sync),
        span: &tracing::Span,
    ) -> Result<reqwest::Response, Untyped> {
        let attempts = AtomicU32::new(0);
        let mut call = std::pin::pin!(self.send_op(table, op, http, build, span, &attempts));
        // One path with or without a deadline (`tokio::time::timeout` would
        // be a second copy of the whole call's state machine).
        let deadline = self.retry.deadline_of_call();
        let mut timer = deadline.map(|d| Box::pin(tokio::time::sleep(d)));
        std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = call.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
            let (Some(t), Some(deadline)) = (&mut timer, deadline) else {
                return Poll::Pending;
            };
            if t.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            Poll::Ready(Err(Error::Deadline(crate::error::Deadline {
                deadline,
                attempts: attempts.load(Ordering::Relaxed),
            })))
        })
        .await
    }

    async fn send_op(
        &self,
        table: &'static AuthTable,
        op: &Operation,
        http: &reqwest::Client,
        build: &(dyn Fn() -> Result<reqwest::Request, Untyped> + Send + Sync),
        span: &tracing::Span,
        attempts: &AtomicU32,
    ) -> Result<reqwest::Response, Untyped> {
        // With a deadline, the call's time counts from its start; otherwise
        // it is taken lazily: only a session or a retry needs it.
        let mut started: Option<Instant> = self.retry.deadline_of_call().map(|_| Instant::now());
        let session = self
            .auto()
            .filter(|s| s.refresh_op != op.id && op.schemes.contains(&s.scheme));
        if let Some(s) = &session {
            // Read before the expiry: a refresh that lands in between then
            // shows as a newer generation, not as a second refresh.
            let seen = self.credential_generation();
            if s.due(self.expiry()) {
                let since = *started.get_or_insert_with(Instant::now);
                self.refresh_session(s, table, http, seen, since, Cause::Due, span)
                    .await
                    .map_err(Error::Session)?;
            }
        }
        let mut auto_key: Option<HeaderValue> = None;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let mut loaded = false;
        loop {
            attempt += 1;
            attempts.store(attempt, Ordering::Relaxed);
            if !span.is_disabled() {
                span.record("attempt", attempt);
            }
            let mut request = build()?;
            if let Some(key) = &op.idempotency_key {
                if request.method() == reqwest::Method::POST && !request.headers().contains_key(key)
                {
                    let value = auto_key.get_or_insert_with(retry::auto_idempotency_key);
                    request.headers_mut().insert(key.clone(), value.clone());
                }
            }
            let seen = self.credential_generation();
            if let Err(missing) = self.authorize(table, op, &mut request) {
                // Another process may have logged in: read the store once
                // (only ever on this path, never in the steady state).
                if loaded {
                    return Err(missing);
                }
                loaded = true;
                // Whether this call or a concurrent one adopted the record,
                // the next attempt finds the credential if there is one.
                self.shared
                    .session
                    .adopt_newer(table)
                    .await
                    .map_err(|e| Error::Session(e.into()))?;
                attempt -= 1;
                continue;
            }
            let safe = retry::safe_to_repeat(
                request.method(),
                request.headers(),
                op.idempotency_key.as_ref(),
            );
            let response = match http.execute(request).await {
                Ok(r) => r,
                Err(e) => {
                    // A connect failure sent nothing; anything later may have
                    // reached the server.
                    let repeatable = e.is_connect() || (safe && (e.is_timeout() || e.is_request()));
                    if repeatable && self.retry.attempts_left(attempt) {
                        let delay = self.retry.backoff(attempt);
                        let since = *started.get_or_insert_with(Instant::now);
                        if self.retry.fits(delay, since.elapsed()) {
                            tracing::debug!(
                                attempt,
                                delay_ms = delay.as_millis() as u64,
                                reason = if e.is_connect() {
                                    "connect"
                                } else {
                                    "transport"
                                },
                                "retrying"
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(Error::CommunicationError(Transport::new(e)).with_attempts(attempt));
                }
            };
            let status = response.status();

            if status == StatusCode::UNAUTHORIZED && !refreshed {
                if let Some(s) = &session {
                    refreshed = true;
                    drop(response);
                    tracing::debug!(attempt, "401: refreshing the session once");
                    let since = *started.get_or_insert_with(Instant::now);
                    self.refresh_session(s, table, http, seen, since, Cause::Unauthorized, span)
                        .await
                        .map_err(|e| Error::Session(e).with_attempts(attempt))?;
                    continue;
                }
                // Without automatic refreshing, a 401 still re-reads the
                // store: another process may have refreshed or logged in.
                let shared = &self.shared;
                if shared.session.is_session_scheme(op.schemes)
                    && shared
                        .session
                        .adopt_newer(table)
                        .await
                        .map_err(|e| Error::Session(e.into()).with_attempts(attempt))?
                {
                    refreshed = true;
                    drop(response);
                    tracing::debug!(attempt, "401: a newer session record; retrying with it");
                    continue;
                }
            }

            if retry::retryable_status(status) && safe && self.retry.attempts_left(attempt) {
                let delay = retry::retry_after(status, response.headers())
                    .unwrap_or_else(|| self.retry.backoff(attempt));
                let since = *started.get_or_insert_with(Instant::now);
                if self.retry.fits(delay, since.elapsed()) {
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    drop(response);
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return self.finish(op, response, attempt).await;
        }
    }

    /// The checks and rewrites of a final answer.
    async fn finish(
        &self,
        op: &Operation,
        mut response: reqwest::Response,
        attempt: u32,
    ) -> Result<reqwest::Response, Untyped> {
        let status = response.status();
        if status.is_redirection() {
            // Only the origin is kept: the target's path or query may echo
            // a secret.
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| response.url().join(l).ok());
            let target = location
                .as_ref()
                .map(|u| u.origin().ascii_serialization())
                .filter(|o| o != "null");
            let location = location.map(|u| crate::SecretUrl::new(String::from(u)));
            return Err(
                Error::Redirect(Redirect::new(status, target, location)).with_attempts(attempt)
            );
        }
        response.extensions_mut().insert(Attempts(attempt));
        if status.is_client_error() || status.is_server_error() {
            // An error's message is shown by `Display`; a careless or
            // hostile service may echo the credential it was sent there.
            response
                .extensions_mut()
                .insert(crate::error::HeldSecrets(self.held_secrets()));
        }
        crate::body::prepare(
            response,
            self.max_response_bytes,
            op.text_plain,
            op.redact_url,
        )
        .await
        .map_err(|e| {
            Error::ResponseBodyError(crate::error::BodyError::new(status, e)).with_attempts(attempt)
        })
    }
}

/// A time `secs` seconds after the Unix epoch (negative: before), or `None`
/// where the platform's `SystemTime` cannot hold it: a server's date never
/// panics the client.
pub fn unix_time(secs: i64) -> Option<SystemTime> {
    let offset = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    }
}

/// For a refresher: turns a call's error into the error every waiting call
/// gets.
pub fn session_error<E: fmt::Debug>(e: Error<E>) -> SessionError {
    match e {
        Error::Session(s) => s,
        other => SessionError::refresh_failed(other.status(), other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;
    use std::time::{Duration, SystemTime};

    #[test]
    fn server_dates_never_panic() {
        assert_eq!(super::unix_time(0), Some(SystemTime::UNIX_EPOCH));
        assert_eq!(
            super::unix_time(-1),
            SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(1))
        );
        // Whatever the platform can hold, extremes are an answer, not a panic.
        let _ = super::unix_time(i64::MAX);
        let _ = super::unix_time(i64::MIN);
    }

    /// The cache keeps what it built and serves a repeat from it: a cached
    /// entry, replaced behind the cache's back by a marker, is what the next
    /// call of that path returns (so it was not built again). It holds at
    /// most `URL_CACHE` entries, the latest ones, and never a path given to
    /// `url_uncached`, while the same path through `url` is cached (the
    /// positive control of that absence).
    ///
    /// Catches: a cache that is never read (every call re-parses), one keyed
    /// wrongly, one that grows without bound or evicts the newest entry, and
    /// a secret path (Kleister's verify token) kept after its call.
    #[test]
    fn urls_keep_the_base_path_and_repeat_from_the_cache() {
        let (_, _, rt) = Config::new()
            .base_url("https://h.example/api/v0-1/")
            .build(None)
            .unwrap();
        let cached = |rt: &super::Runtime| -> Vec<String> {
            let urls = rt.shared.urls.read().unwrap();
            urls.built.iter().map(|(p, _)| p.clone()).collect()
        };
        let a = rt.url::<()>("/auth/token/a%20b").unwrap();
        assert_eq!(a.as_str(), "https://h.example/api/v0-1/auth/token/a%20b");
        assert_eq!(cached(&rt), ["/auth/token/a%20b"]);

        // A repeat is served from the cache: plant a marker in the entry.
        let marker = reqwest::Url::parse("https://marker.example/served-from-cache").unwrap();
        rt.shared.urls.write().unwrap().built[0].1 = marker.clone();
        assert_eq!(rt.url::<()>("/auth/token/a%20b").unwrap(), marker);
        assert_eq!(cached(&rt).len(), 1, "a repeat added an entry");
        // Another path is built, not mistaken for the cached one.
        let other = rt.url::<()>("/auth").unwrap();
        assert_eq!(other.as_str(), "https://h.example/api/v0-1/auth");
        assert_eq!(cached(&rt), ["/auth/token/a%20b", "/auth"]);

        // Bounded: 40 more paths leave the latest `URL_CACHE` of them.
        for i in 0..40 {
            let u = rt.url::<()>(&format!("/x/{i}")).unwrap();
            assert_eq!(u.path(), format!("/api/v0-1/x/{i}"));
        }
        let kept = cached(&rt);
        let latest: Vec<String> = (40 - super::URL_CACHE..40)
            .map(|i| format!("/x/{i}"))
            .collect();
        assert_eq!(kept, latest);
        // An evicted path is built again, correctly.
        assert_eq!(
            rt.url::<()>("/auth/token/a%20b").unwrap().as_str(),
            "https://h.example/api/v0-1/auth/token/a%20b"
        );

        // A secret path is never cached; the same path through `url` is.
        let secret = rt.url_uncached::<()>("/auth/verify/s3cret").unwrap();
        assert_eq!(secret.path(), "/api/v0-1/auth/verify/s3cret");
        assert!(!cached(&rt).iter().any(|p| p.contains("s3cret")));
        let (_, _, control) = Config::new()
            .base_url("https://h.example/api/v0-1/")
            .build(None)
            .unwrap();
        control.url::<()>("/auth/verify/s3cret").unwrap();
        assert_eq!(cached(&control), ["/auth/verify/s3cret"]);

        let (_, _, root) = Config::new().base_url("http://h").build(None).unwrap();
        assert_eq!(root.url::<()>("/a/").unwrap().as_str(), "http://h/a/");
    }

    /// A followed base replaces the default one, cached URLs included; a
    /// base URL the caller set never changes.
    #[test]
    fn a_followed_base_moves_every_url_unless_the_caller_set_one() {
        let (_, _, rt) = Config::new().build(Some("https://api.example")).unwrap();
        assert_eq!(
            rt.url::<()>("/a").unwrap().as_str(),
            "https://api.example/a"
        );
        assert!(rt.follow_base("https://eu.example").unwrap());
        assert_eq!(rt.url::<()>("/a").unwrap().as_str(), "https://eu.example/a");
        assert_eq!(
            rt.url_uncached::<()>("/b").unwrap().as_str(),
            "https://eu.example/b"
        );
        assert_eq!(rt.base_url().as_deref(), Some("https://eu.example"));
        assert!(rt.follow_base("https://api.example").unwrap());
        assert_eq!(
            rt.url::<()>("/a").unwrap().as_str(),
            "https://api.example/a"
        );

        let (_, _, fixed) = Config::new()
            .base_url("http://127.0.0.1:9")
            .build(Some("https://api.example"))
            .unwrap();
        assert!(!fixed.follow_base("https://eu.example").unwrap());
        assert_eq!(
            fixed.url::<()>("/a").unwrap().as_str(),
            "http://127.0.0.1:9/a"
        );
    }
}
