//! Sessions: the token of one security scheme, its expiry and refresh
//! token, kept in a [`SessionStore`] that any number of processes may
//! share, with one refresh per expiry across all of them.
//!
//! Each client keeps a local copy of its session's record and sends from
//! it: a call costs no store round trip until the token is due, or until a
//! 401. Then the client takes its process's refresh lock, re-reads the
//! store, and either adopts a newer record another process wrote or takes
//! the store's lease, re-reads once more, and refreshes. The new record is
//! written only from the generation the refresher read (the fence).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Context;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;

use crate::credentials::{credential_value, AuthTable, Credentials, MAX_SECRET_BYTES};
use crate::secret::Secret;
use crate::store::record::Record;
use crate::store::{session_key, SealingKey, SessionStore, StoreError, StoreErrorKind, Stored};

/// How long a refresh lease lasts by default: a process that dies holding
/// it blocks the others' refresh this long at most.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);
/// How long a session waits, by default, before refreshing again after the
/// service refused a token it had just refreshed.
pub const DEFAULT_REFRESH_BACKOFF: Duration = Duration::from_secs(30);

/// Why a session could not give a call a usable token. Every call that
/// waited for the same refresh fails with it.
#[derive(Clone, Debug)]
pub struct SessionError {
    kind: SessionErrorKind,
    status: Option<StatusCode>,
    message: String,
    store: Option<StoreError>,
}

/// The kinds of [`SessionError`], for callers that match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionErrorKind {
    /// The refresh call failed ([`SessionError::status`] says how; 401:
    /// log in again).
    RefreshFailed,
    /// The session store failed ([`SessionError::store_error`]).
    Store,
    /// The service refused a token refreshed moments ago: the session backs
    /// off instead of spending refresh tokens (see `Config::refresh_backoff`).
    RefusedAfterRefresh,
    /// The service answered with a token or refresh token over
    /// [`MAX_SECRET_BYTES`]; nothing was kept and nothing will be sent.
    SecretTooLong,
}

impl SessionError {
    /// A failed refresh call: its status and its `Display` (which never
    /// holds a secret).
    pub(crate) fn refresh_failed(status: Option<StatusCode>, message: String) -> Self {
        SessionError {
            kind: SessionErrorKind::RefreshFailed,
            status,
            message,
            store: None,
        }
    }

    /// A failed refresh with no HTTP status (no refresh token kept, say).
    pub fn new(message: impl Into<String>) -> Self {
        SessionError {
            kind: SessionErrorKind::RefreshFailed,
            status: None,
            message: message.into(),
            store: None,
        }
    }

    pub(crate) fn of_kind(kind: SessionErrorKind, message: impl Into<String>) -> Self {
        SessionError {
            kind,
            status: None,
            message: message.into(),
            store: None,
        }
    }

    /// The status the refresh call got, if it got an answer (401: log in
    /// again).
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> SessionErrorKind {
        self.kind
    }

    /// The store's error, for [`SessionErrorKind::Store`].
    pub fn store_error(&self) -> Option<&StoreError> {
        self.store.as_ref()
    }
}

impl From<StoreError> for SessionError {
    fn from(e: StoreError) -> Self {
        SessionError {
            kind: SessionErrorKind::Store,
            status: None,
            message: e.to_string(),
            store: Some(e),
        }
    }
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            SessionErrorKind::RefreshFailed => write!(
                f,
                "the session token could not be refreshed: {}",
                self.message
            ),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.store.as_ref().map(|e| e as _)
    }
}

/// Why a refresh is wanted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cause {
    /// The token is within its margin of expiry.
    Due,
    /// The service answered 401 to the current token.
    Unauthorized,
    /// The caller's own `refresh()`.
    Manual,
}

/// The local copy of the session's record.
#[derive(Default)]
struct Local {
    /// The store generation the copy is of (0: none read or written yet).
    generation: u64,
    scheme: Option<&'static str>,
    token: Option<Secret>,
    expiry: Option<SystemTime>,
    refresh_token: Option<Secret>,
    refreshed_at: Option<SystemTime>,
}

/// How a session is configured (from `Config`).
pub(crate) struct SessionOptions {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) name: String,
    pub(crate) base_url: String,
    pub(crate) sealing: Option<SealingKey>,
    pub(crate) lease_ttl: Duration,
    pub(crate) backoff: Duration,
}

impl SessionOptions {
    /// A private memory store, as a client gets by default.
    pub(crate) fn private(base_url: &str) -> Self {
        SessionOptions {
            store: Arc::new(crate::store::MemoryStore::new()),
            name: "default".into(),
            base_url: base_url.into(),
            sealing: None,
            lease_ttl: DEFAULT_LEASE_TTL,
            backoff: DEFAULT_REFRESH_BACKOFF,
        }
    }
}

/// The session state shared by the clones of one client.
pub(crate) struct SessionState {
    opts: SessionOptions,
    describe: String,
    /// Who this client is, in leases: process id and a random part.
    holder: String,
    key: std::sync::OnceLock<String>,
    local: Mutex<Local>,
    /// This process's refresh lock; remembers the last failed refresh and
    /// when it happened.
    flight: Arc<tokio::sync::Mutex<Option<(Instant, SessionError)>>>,
    /// A `set_token` or `clear_token` not yet written to the store (those
    /// are synchronous); written before any other store use.
    pending: Mutex<Option<Record>>,
}

/// What a refresh turn found.
pub(crate) enum Turn {
    /// This caller refreshes; the guard holds the process's refresh lock
    /// and the store's lease until dropped.
    Refresh(TurnGuard),
    /// Another caller or process already replaced the token: use it.
    Done,
}

/// The refresh lock and lease of the caller whose turn it is.
pub struct TurnGuard {
    flight: tokio::sync::OwnedMutexGuard<Option<(Instant, SessionError)>>,
    lease: Option<(Arc<dyn SessionStore>, String, String)>,
}

impl TurnGuard {
    /// Records how the refresh went, for the calls that waited on it.
    pub(crate) fn outcome(&mut self, result: &Result<(), SessionError>) {
        *self.flight = match result {
            Ok(()) => None,
            Err(e) => Some((Instant::now(), e.clone())),
        };
    }
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        if let Some((store, key, holder)) = self.lease.take() {
            // A lease nobody releases still ends at its TTL; releasing it
            // now lets a waiting process go on at once.
            run_soon(async move { store.release(&key, &holder).await });
        }
    }
}

/// Runs `fut` to completion now if it completes without waiting (the
/// memory and file stores), else on the current tokio runtime.
fn run_soon<F>(fut: F)
where
    F: Future<Output = Result<(), StoreError>> + Send + 'static,
{
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    if fut.as_mut().poll(&mut cx).is_ready() {
        return;
    }
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(fut);
    }
}

fn too_long(what: &str) -> SessionError {
    SessionError::of_kind(
        SessionErrorKind::SecretTooLong,
        format!(
            "the service answered with a {what} over the {MAX_SECRET_BYTES} byte limit; \
             it was neither kept nor will it be sent"
        ),
    )
}

impl SessionState {
    pub(crate) fn new(opts: SessionOptions) -> Self {
        let mut random = [0u8; 6];
        // Without randomness two clients of one process could share a
        // holder name; the process id still tells processes apart.
        let _ = getrandom::getrandom(&mut random);
        let holder = format!(
            "{}-{}",
            std::process::id(),
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        SessionState {
            describe: opts.store.describe(),
            opts,
            holder,
            key: std::sync::OnceLock::new(),
            local: Mutex::new(Local::default()),
            flight: Arc::new(tokio::sync::Mutex::new(None)),
            pending: Mutex::new(None),
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(&self, table: &AuthTable) -> &str {
        self.key
            .get_or_init(|| session_key(table.service, &self.opts.base_url, &self.opts.name))
    }

    pub(crate) fn store_name(&self) -> &str {
        &self.describe
    }

    pub(crate) fn expiry(&self) -> Option<SystemTime> {
        self.local().expiry
    }

    pub(crate) fn set_expiry(&self, at: Option<SystemTime>) {
        self.local().expiry = at;
    }

    pub(crate) fn refresh_token(&self) -> Option<Secret> {
        self.local().refresh_token.clone()
    }

    /// The token, its expiry and refresh token, as the local copy has them.
    pub(crate) fn snapshot(&self) -> (Option<Secret>, Option<SystemTime>, Option<Secret>) {
        let l = self.local();
        (l.token.clone(), l.expiry, l.refresh_token.clone())
    }

    /// Whether `scheme` is the session's.
    pub(crate) fn is_session_scheme(&self, schemes: &[&str]) -> bool {
        self.local().scheme.is_some_and(|s| schemes.contains(&s))
    }

    /// Sets the local copy at once and writes it to the store as soon as
    /// possible (at once for the memory and file stores; else in a task,
    /// and in any case before the store is next used): for the synchronous
    /// `set_token`, `clear_token` and `set_refresh_token`.
    pub(crate) fn set_now(
        self: &Arc<Self>,
        creds: &Credentials,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Option<(&Secret, reqwest::header::HeaderValue)>,
        refresh_token: Option<Option<Secret>>,
    ) {
        let record = {
            let mut local = self.local();
            let value = token.as_ref().map(|(_, v)| v.clone());
            creds.update(scheme, value, None, || {});
            local.scheme = Some(scheme);
            match token {
                Some((t, _)) => {
                    // The expiry and refresh token kept stay as they were:
                    // the caller may set them too (`set_expiry`).
                    local.token = Some(t.clone());
                    local.refreshed_at = None;
                }
                None if refresh_token.is_none() => {
                    // A logout: nothing is left to refresh with.
                    local.token = None;
                    local.expiry = None;
                    local.refresh_token = None;
                    local.refreshed_at = None;
                }
                None => {}
            }
            if let Some(r) = refresh_token {
                local.refresh_token = r;
            }
            Record {
                scheme: scheme.to_string(),
                token: local.token.clone(),
                expires_at: local.expiry,
                refresh_token: local.refresh_token.clone(),
                refreshed_at: local.refreshed_at,
            }
        };
        *self.pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(record);
        let this = Arc::clone(self);
        run_soon(async move { this.flush(table).await });
    }

    /// Writes a pending `set_now` record, whatever generation the store
    /// holds: a logout or a token set by hand wins over what is there.
    pub(crate) async fn flush(&self, table: &AuthTable) -> Result<(), StoreError> {
        let Some(record) = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return Ok(());
        };
        let key = self.key(table).to_string();
        let result = async {
            for _ in 0..8 {
                let current = self
                    .opts
                    .store
                    .load(&key)
                    .await?
                    .map_or(0, |s| s.generation);
                let next = record.encode(&key, current + 1, self.opts.sealing.as_ref());
                if self.opts.store.swap(&key, current, next).await? {
                    let mut local = self.local();
                    local.generation = local.generation.max(current + 1);
                    return Ok(());
                }
            }
            Err(StoreError::new(
                &self.describe,
                StoreErrorKind::Unavailable,
                "the session record kept changing while it was written",
            ))
        }
        .await;
        if result.is_err() {
            // Kept for the next try, unless a newer one was set meanwhile.
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.is_none() {
                *pending = Some(record);
            }
        }
        result
    }

    /// Keeps what a login or refresh returned: checks its size, writes it
    /// to the store from the generation the local copy is of, then updates
    /// the local copy. `since` (a refresh) is the credential generation the
    /// refresh started from: if the client's credentials changed meanwhile
    /// (a `clear_token`), nothing is kept. If the store moved on (another
    /// process wrote a newer record), its record is adopted instead: a
    /// stale refresher never overwrites a newer record.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn keep(
        &self,
        creds: &Credentials,
        table: &'static AuthTable,
        scheme: &'static str,
        token: &Secret,
        expiry: Option<SystemTime>,
        refresh_token: Option<&Secret>,
        since: Option<u64>,
    ) -> Result<(), SessionError> {
        if token.expose().len() > MAX_SECRET_BYTES {
            return Err(too_long("token"));
        }
        if refresh_token.is_some_and(|r| r.expose().len() > MAX_SECRET_BYTES) {
            return Err(too_long("refresh token"));
        }
        // Checked before anything is written: a token that cannot be sent
        // is not kept.
        credential_value(table, scheme, token.expose())
            .map_err(|e| SessionError::new(e.to_string()))?;
        self.flush(table).await?;
        let key = self.key(table).to_string();
        let (mut expected, kept_refresh) = {
            let l = self.local();
            (l.generation, l.refresh_token.clone())
        };
        let record = Record {
            scheme: scheme.to_string(),
            token: Some(token.clone()),
            expires_at: expiry,
            refresh_token: refresh_token.cloned().or(kept_refresh),
            refreshed_at: since.map(|_| SystemTime::now()),
        };
        for _ in 0..8 {
            if since.is_some_and(|g| g != creds.generation()) {
                tracing::debug!(
                    scheme,
                    "the credentials changed while a refresh ran; its token was not kept"
                );
                return Ok(());
            }
            let next = record.encode(&key, expected + 1, self.opts.sealing.as_ref());
            if self.opts.store.swap(&key, expected, next).await? {
                self.apply(creds, table, expected + 1, &record, since);
                return Ok(());
            }
            let stored = self.opts.store.load(&key).await?;
            if since.is_some() {
                // Fenced: another process refreshed first. Its record wins.
                tracing::debug!(
                    scheme,
                    "the store moved on during the refresh; adopting its record"
                );
                if let Some(stored) = stored {
                    self.adopt(creds, table, &key, &stored)?;
                }
                return Ok(());
            }
            // A login wins: write over whatever is there now.
            expected = stored.map_or(0, |s| s.generation);
        }
        Err(StoreError::new(
            &self.describe,
            StoreErrorKind::Unavailable,
            "the session record kept changing while it was written",
        )
        .into())
    }

    /// Makes `record` (generation `generation`) the local copy and the
    /// client's credential. With `since`, only if the credentials are still
    /// at that generation.
    fn apply(
        &self,
        creds: &Credentials,
        table: &'static AuthTable,
        generation: u64,
        record: &Record,
        since: Option<u64>,
    ) {
        let Some(scheme) = table.scheme(&record.scheme).map(|s| s.name) else {
            return;
        };
        let value = record
            .token
            .as_ref()
            .and_then(|t| credential_value(table, scheme, t.expose()).ok());
        let mut local = self.local();
        creds.update(scheme, value, since, || {
            local.generation = generation;
            local.scheme = Some(scheme);
            local.token = record.token.clone();
            local.expiry = record.expires_at;
            local.refresh_token = record.refresh_token.clone();
            local.refreshed_at = record.refreshed_at;
        });
    }

    fn adopt(
        &self,
        creds: &Credentials,
        table: &'static AuthTable,
        key: &str,
        stored: &Stored,
    ) -> Result<(), StoreError> {
        let record = Record::decode(stored, key, self.opts.sealing.as_ref(), &self.describe)?;
        if table.scheme(&record.scheme).is_none() {
            return Err(StoreError::new(
                &self.describe,
                StoreErrorKind::Corrupt,
                "the session record is for a security scheme this service does not have",
            ));
        }
        self.apply(creds, table, stored.generation, &record, None);
        Ok(())
    }

    /// Reads the store and adopts its record if it is newer than the local
    /// copy. Whether it was.
    pub(crate) async fn adopt_newer(
        &self,
        creds: &Credentials,
        table: &'static AuthTable,
    ) -> Result<bool, StoreError> {
        self.flush(table).await?;
        let key = self.key(table).to_string();
        let Some(stored) = self.opts.store.load(&key).await? else {
            return Ok(false);
        };
        if stored.generation <= self.local().generation {
            return Ok(false);
        }
        self.adopt(creds, table, &key, &stored)?;
        Ok(true)
    }

    /// Whether the current token came from a refresh within the back-off
    /// period: refused again, it is not refreshed again until that ends.
    fn backing_off(&self) -> bool {
        let at = self.local().refreshed_at;
        at.is_some_and(|at| {
            at.checked_add(self.opts.backoff)
                .is_none_or(|end| SystemTime::now() < end)
        })
    }

    fn refused() -> SessionError {
        SessionError::of_kind(
            SessionErrorKind::RefusedAfterRefresh,
            "the service refuses the session's token, refreshed moments ago; \
             not refreshing again until the back-off period ends (log in again if the \
             session was revoked)",
        )
    }

    /// Waits for this process's refresh lock, then decides whether the
    /// caller refreshes: not if the credentials moved past `seen` (another
    /// caller refreshed), not if the store has a newer record (another
    /// process did; it is adopted), not during a back-off after a 401.
    /// Otherwise it takes the store's lease (waiting, with backoff, while
    /// another process holds it, and adopting its record when it lands),
    /// re-reads the record under the lease, and hands the caller the turn.
    pub(crate) async fn turn(
        &self,
        creds: &Credentials,
        table: &'static AuthTable,
        seen: u64,
        cause: Cause,
        waiting_since: Option<Instant>,
    ) -> Result<Turn, SessionError> {
        let flight = Arc::clone(&self.flight).lock_owned().await;
        if creds.generation() != seen {
            return Ok(Turn::Done);
        }
        if let (Some((at, e)), Some(since)) = (&*flight, waiting_since) {
            if *at >= since {
                return Err(e.clone());
            }
        }
        if cause == Cause::Unauthorized {
            if self.adopt_newer(creds, table).await? {
                return Ok(Turn::Done);
            }
            if self.backing_off() {
                return Err(Self::refused());
            }
        }
        self.flush(table).await?;
        let key = self.key(table).to_string();
        let store = &self.opts.store;
        let ttl = self.opts.lease_ttl;
        // Long enough for a holder that dies to lose its lease, and one
        // more try.
        let give_up = Instant::now() + ttl + Duration::from_secs(1);
        let mut delay = Duration::from_millis(5);
        while !store.try_lease(&key, &self.holder, ttl).await? {
            tokio::time::sleep(crate::retry::jittered(delay)).await;
            delay = (delay * 2).min(Duration::from_millis(200));
            if self.adopt_newer(creds, table).await? {
                return Ok(Turn::Done);
            }
            if Instant::now() > give_up {
                return Err(StoreError::new(
                    &self.describe,
                    StoreErrorKind::LeaseTimeout,
                    format!(
                        "another process has held the refresh lease for over {} ms without \
                         writing a new record",
                        ttl.as_millis()
                    ),
                )
                .into());
            }
        }
        let guard = TurnGuard {
            flight,
            lease: Some((Arc::clone(store), key, self.holder.clone())),
        };
        // Under the lease: a record written just before it was taken is
        // used, so no refresh token is presented twice.
        if self.adopt_newer(creds, table).await? {
            return Ok(Turn::Done);
        }
        if cause == Cause::Unauthorized && self.backing_off() {
            return Err(Self::refused());
        }
        Ok(Turn::Refresh(guard))
    }
}
