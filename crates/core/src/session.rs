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

/// A change made by a synchronous call (`set_token`, `clear_token`,
/// `set_refresh_token`), or a refresh whose write failed, waiting to be
/// written to the store. Changes are merged into whatever record the store
/// holds when they are written, so none undoes another process's newer
/// refresh token.
#[derive(Clone)]
enum Change {
    Token(&'static str, Secret),
    RefreshToken(&'static str, Secret),
    Logout(&'static str),
    /// A refresh's record, written only over the generation it refreshed.
    Refreshed(Record, u64),
}

/// The session state shared by the clones of one client.
pub(crate) struct SessionState {
    opts: SessionOptions,
    /// The client's credentials, the session's token among them.
    creds: Arc<Credentials>,
    describe: String,
    /// Who this client is, in leases: process id and a random part.
    holder: String,
    key: std::sync::OnceLock<String>,
    local: Mutex<Local>,
    /// This process's refresh lock; remembers the last failed refresh and
    /// when it happened.
    flight: Arc<tokio::sync::Mutex<Option<(Instant, SessionError)>>>,
    /// Changes not yet in the store, oldest first; removed only once
    /// written, so a cancelled write loses none.
    pending: Mutex<Vec<Change>>,
    /// One writer of `pending` at a time, so changes land in order.
    flushing: tokio::sync::Mutex<()>,
}

/// What a refresh turn found.
pub(crate) enum Turn {
    /// This caller refreshes; the guard holds the process's refresh lock
    /// and the store's lease until dropped.
    Refresh(TurnGuard),
    /// Another caller or process already replaced the token: use it.
    Done,
}

/// The refresh lock and lease of the caller whose turn it is. While it is
/// held, the lease is renewed every third of its TTL, so a slow refresh
/// never outlives it.
pub struct TurnGuard {
    flight: tokio::sync::OwnedMutexGuard<Option<(Instant, SessionError)>>,
    lease: Option<(Arc<dyn SessionStore>, String, String)>,
    renew: Option<tokio::task::JoinHandle<()>>,
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
        if let Some(renew) = self.renew.take() {
            renew.abort();
        }
        if let Some((store, key, holder)) = self.lease.take() {
            // A lease nobody releases still ends at its TTL; releasing it
            // now lets a waiting process go on at once.
            run_soon(async move { store.release(&key, &holder).await });
        }
    }
}

/// Inside a tokio runtime: runs `fut` now if it completes without waiting
/// (the memory and file stores), else in a task. Outside one it does
/// nothing: a network store's futures need the runtime, and whatever `fut`
/// would have written stays pending until the store is next used.
fn run_soon<F>(fut: F)
where
    F: Future<Output = Result<(), StoreError>> + Send + 'static,
{
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    if fut.as_mut().poll(&mut cx).is_ready() {
        return;
    }
    handle.spawn(fut);
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

/// A unique lease holder name: process id, time and randomness (and a
/// counter, should the OS refuse randomness).
fn holder_name() -> String {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut random = [0u8; 8];
    let _ = getrandom::getrandom(&mut random);
    let nanos = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{random}{nanos:x}{n:x}", std::process::id())
}

impl SessionState {
    pub(crate) fn new(opts: SessionOptions, creds: Arc<Credentials>) -> Self {
        SessionState {
            describe: opts.store.describe(),
            opts,
            creds,
            holder: holder_name(),
            key: std::sync::OnceLock::new(),
            local: Mutex::new(Local::default()),
            flight: Arc::new(tokio::sync::Mutex::new(None)),
            pending: Mutex::new(Vec::new()),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<Change>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(&self, table: &AuthTable) -> &str {
        self.key
            .get_or_init(|| session_key(table.service, &self.opts.base_url, &self.opts.name))
    }

    fn error(&self, kind: StoreErrorKind, detail: &str) -> StoreError {
        StoreError::new(&self.describe, kind, detail)
    }

    fn next(&self, generation: u64) -> Result<u64, StoreError> {
        generation.checked_add(1).ok_or_else(|| {
            self.error(
                StoreErrorKind::Corrupt,
                "the session record's generation is at its maximum; it was left as it is",
            )
        })
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

    /// Whether one of `schemes` is the session's.
    pub(crate) fn is_session_scheme(&self, schemes: &[&str]) -> bool {
        self.local().scheme.is_some_and(|s| schemes.contains(&s))
    }

    /// Sets the session's token by hand: here at once, in the store as
    /// soon as possible (see [`SessionState::set_now`]).
    pub(crate) fn set_token(
        self: &Arc<Self>,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Secret,
        value: reqwest::header::HeaderValue,
    ) {
        {
            let mut local = self.local();
            self.creds.update(scheme, Some(value), None, || {});
            // The expiry and refresh token kept stay as they were: the
            // caller may set them too (`set_expiry`).
            local.scheme = Some(scheme);
            local.token = Some(token.clone());
            local.refreshed_at = None;
        }
        self.set_now(table, Change::Token(scheme, token));
    }

    /// Keeps a refresh token by hand, here and in the store.
    pub(crate) fn set_refresh_token(
        self: &Arc<Self>,
        table: &'static AuthTable,
        scheme: &'static str,
        token: Secret,
    ) {
        {
            let mut local = self.local();
            local.scheme = Some(scheme);
            local.refresh_token = Some(token.clone());
        }
        self.set_now(table, Change::RefreshToken(scheme, token));
    }

    /// Forgets the token, its expiry and refresh token (a logout), here and
    /// in the store.
    pub(crate) fn logout(self: &Arc<Self>, table: &'static AuthTable, scheme: &'static str) {
        {
            let mut local = self.local();
            self.creds.update(scheme, None, None, || {});
            local.scheme = Some(scheme);
            local.token = None;
            local.expiry = None;
            local.refresh_token = None;
            local.refreshed_at = None;
        }
        self.set_now(table, Change::Logout(scheme));
    }

    /// Queues `change` and writes it to the store as soon as possible: at
    /// once for the memory and file stores, else in a task, and in any case
    /// before the store is next used.
    fn set_now(self: &Arc<Self>, table: &'static AuthTable, change: Change) {
        self.pending().push(change);
        let this = Arc::clone(self);
        run_soon(async move { this.flush(table).await });
    }

    /// Writes the pending changes, in order, merged into the record the
    /// store holds now. A change stays pending until it is written.
    pub(crate) async fn flush(&self, table: &'static AuthTable) -> Result<(), StoreError> {
        let _one_writer = self.flushing.lock().await;
        let changes: Vec<Change> = self.pending().clone();
        if changes.is_empty() {
            return Ok(());
        }
        let key = self.key(table).to_string();
        for _ in 0..8 {
            let stored = self.opts.store.load(&key).await?;
            let current = stored.as_ref().map_or(0, |s| s.generation);
            let mut record = match &stored {
                Some(s) => Some(Record::decode(
                    s,
                    &key,
                    self.opts.sealing.as_ref(),
                    &self.describe,
                )?),
                None => None,
            };
            for change in &changes {
                record = merge(record, change, current);
            }
            let next = self.next(current)?;
            let written = match &record {
                Some(r) => {
                    let data = r.encode(&key, next, self.opts.sealing.as_ref());
                    self.opts.store.swap(&key, current, data).await?
                }
                // Nothing to write (a refresh the store has moved past).
                None => true,
            };
            if written {
                self.pending().drain(..changes.len());
                if let Some(r) = &record {
                    self.apply(table, next, r, None);
                }
                return Ok(());
            }
        }
        Err(self.error(
            StoreErrorKind::Unavailable,
            "the session record kept changing while it was written",
        ))
    }

    /// Keeps what a login or refresh returned: checks its size, makes it
    /// the client's token at once (the service may have spent the old
    /// refresh token: the new one must not be lost), then writes it to the
    /// store from the generation the local copy is of. `since` (a refresh)
    /// is the credential generation the refresh started from: if a
    /// `clear_token` happened meanwhile, nothing is kept; after a
    /// `set_token`, only the new refresh token. If the store moved on
    /// (another process wrote a newer record), its record is adopted
    /// instead: a stale refresher never overwrites a newer record. If the
    /// store cannot be written, a refresh's record stays pending (written
    /// over the generation it refreshed, when the store is back) and the
    /// call goes on; a login reports the store's error.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn keep(
        &self,
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
        // Checked before anything is kept: a token that cannot be sent is
        // not kept.
        credential_value(table, scheme, token.expose())
            .map_err(|e| SessionError::new(e.to_string()))?;
        let key = self.key(table).to_string();
        // Earlier changes first, so the record below starts from them. A
        // store that fails here fails the write below too, and is handled
        // there.
        let _ = self.flush(table).await;
        let record = {
            let local = self.local();
            Record {
                scheme: scheme.to_string(),
                token: Some(token.clone()),
                expires_at: expiry,
                refresh_token: refresh_token.cloned().or(local.refresh_token.clone()),
                refreshed_at: since.map(|_| SystemTime::now()),
            }
        };
        let base = self.local().generation;
        // At once, and only if no `clear_token` or `set_token` came since
        // the refresh started (checked under the credentials' lock).
        if !self.apply(table, base, &record, since) {
            tracing::debug!(
                scheme,
                "the credentials changed while a refresh ran; its token was not kept"
            );
            // After a `set_token` the old refresh token is still kept, and
            // it is spent: keep the new one. After a logout, none.
            let logged_out = self.local().token.is_none();
            if let (false, Some(r)) = (logged_out, refresh_token) {
                self.local().refresh_token = Some(r.clone());
                self.pending().push(Change::RefreshToken(scheme, r.clone()));
                if let Err(e) = self.flush(table).await {
                    tracing::debug!(error = %e, "the new refresh token waits for the store");
                }
            }
            return Ok(());
        }
        let written = async {
            let mut expected = base;
            for _ in 0..8 {
                let next = self.next(expected)?;
                let data = record.encode(&key, next, self.opts.sealing.as_ref());
                if self.opts.store.swap(&key, expected, data).await? {
                    let mut local = self.local();
                    local.generation = local.generation.max(next);
                    return Ok(());
                }
                let stored = self.opts.store.load(&key).await?;
                if since.is_some() {
                    // Fenced: another process refreshed first. Its record
                    // wins.
                    tracing::debug!(
                        scheme,
                        "the store moved on during the refresh; adopting its record"
                    );
                    if let Some(stored) = stored {
                        self.adopt(table, &key, &stored)?;
                    }
                    return Ok(());
                }
                // A login wins: write over whatever is there now.
                expected = stored.map_or(0, |s| s.generation);
            }
            Err(self.error(
                StoreErrorKind::Unavailable,
                "the session record kept changing while it was written",
            ))
        }
        .await;
        match written {
            Ok(()) => Ok(()),
            Err(e) if since.is_some() => {
                tracing::debug!(error = %e, "the refreshed session waits for the store");
                self.pending().push(Change::Refreshed(record, base));
                Ok(())
            }
            Err(e) => {
                self.pending().push(Change::Token(scheme, token.clone()));
                if let Some(r) = refresh_token {
                    self.pending().push(Change::RefreshToken(scheme, r.clone()));
                }
                Err(e.into())
            }
        }
    }

    /// Makes `record` (generation `generation`) the local copy and the
    /// client's credential. With `since`, only if the credentials are still
    /// at that generation.
    fn apply(
        &self,
        table: &'static AuthTable,
        generation: u64,
        record: &Record,
        since: Option<u64>,
    ) -> bool {
        let Some(scheme) = table.scheme(&record.scheme).map(|s| s.name) else {
            return false;
        };
        let value = record
            .token
            .as_ref()
            .and_then(|t| credential_value(table, scheme, t.expose()).ok());
        let mut local = self.local();
        self.creds.update(scheme, value, since, || {
            local.generation = generation;
            local.scheme = Some(scheme);
            local.token = record.token.clone();
            local.expiry = record.expires_at;
            local.refresh_token = record.refresh_token.clone();
            local.refreshed_at = record.refreshed_at;
        })
    }

    fn adopt(
        &self,
        table: &'static AuthTable,
        key: &str,
        stored: &Stored,
    ) -> Result<(), StoreError> {
        let record = Record::decode(stored, key, self.opts.sealing.as_ref(), &self.describe)?;
        if table.scheme(&record.scheme).is_none() {
            return Err(self.error(
                StoreErrorKind::Corrupt,
                "the session record is for a security scheme this service does not have",
            ));
        }
        self.apply(table, stored.generation, &record, None);
        Ok(())
    }

    /// Reads the store and adopts its record if it is newer than the local
    /// copy. Whether it was.
    pub(crate) async fn adopt_newer(&self, table: &'static AuthTable) -> Result<bool, StoreError> {
        self.flush(table).await?;
        let key = self.key(table).to_string();
        let Some(stored) = self.opts.store.load(&key).await? else {
            return Ok(false);
        };
        if stored.generation <= self.local().generation {
            return Ok(false);
        }
        self.adopt(table, &key, &stored)?;
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
        table: &'static AuthTable,
        seen: u64,
        cause: Cause,
        waiting_since: Option<Instant>,
    ) -> Result<Turn, SessionError> {
        let flight = Arc::clone(&self.flight).lock_owned().await;
        if self.creds.generation() != seen {
            return Ok(Turn::Done);
        }
        if let (Some((at, e)), Some(since)) = (&*flight, waiting_since) {
            if *at >= since {
                return Err(e.clone());
            }
        }
        if cause == Cause::Unauthorized {
            if self.adopt_newer(table).await? {
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
            if self.adopt_newer(table).await? {
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
        let renew = {
            let (store, key, holder) = (Arc::clone(store), key.clone(), self.holder.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ttl / 3).await;
                    if !matches!(store.renew(&key, &holder, ttl).await, Ok(true)) {
                        return;
                    }
                }
            })
        };
        let guard = TurnGuard {
            flight,
            lease: Some((Arc::clone(store), key, self.holder.clone())),
            renew: Some(renew),
        };
        // Under the lease: a record written just before it was taken is
        // used, so no refresh token is presented twice.
        if self.adopt_newer(table).await? {
            return Ok(Turn::Done);
        }
        if cause == Cause::Unauthorized && self.backing_off() {
            return Err(Self::refused());
        }
        Ok(Turn::Refresh(guard))
    }
}

/// `change` applied to the record the store holds (`current` its
/// generation; `None`: no record).
fn merge(record: Option<Record>, change: &Change, current: u64) -> Option<Record> {
    let for_scheme = |record: Option<Record>, scheme: &str| match record {
        Some(r) if r.scheme == scheme => r,
        _ => Record {
            scheme: scheme.to_string(),
            ..Record::default()
        },
    };
    match change {
        Change::Token(scheme, token) => {
            let mut r = for_scheme(record, scheme);
            r.token = Some(token.clone());
            r.refreshed_at = None;
            Some(r)
        }
        Change::RefreshToken(scheme, token) => {
            let mut r = for_scheme(record, scheme);
            r.refresh_token = Some(token.clone());
            Some(r)
        }
        Change::Logout(scheme) => Some(Record {
            scheme: scheme.to_string(),
            ..Record::default()
        }),
        Change::Refreshed(refreshed, base) if *base == current => Some(refreshed.clone()),
        // The store moved past the generation this refresh refreshed.
        Change::Refreshed(..) => record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(scheme: &str, token: &str, refresh: Option<&str>) -> Record {
        Record {
            scheme: scheme.into(),
            token: Some(token.into()),
            refresh_token: refresh.map(Secret::from),
            ..Record::default()
        }
    }

    /// A change for the stored record's scheme keeps what it does not
    /// change (a newer refresh token); one for another scheme starts a
    /// record of its own.
    #[test]
    fn changes_merge_into_the_record_of_their_scheme_only() {
        let stored = record("a", "old", Some("r-newer"));
        let merged = merge(Some(stored.clone()), &Change::Token("a", "mine".into()), 3).unwrap();
        assert!(merged.token.as_ref().is_some_and(|t| t == "mine"));
        assert!(merged
            .refresh_token
            .as_ref()
            .is_some_and(|r| r == "r-newer"));
        let other = merge(Some(stored), &Change::Token("b", "mine".into()), 3).unwrap();
        assert_eq!(other.scheme, "b");
        assert!(
            other.refresh_token.is_none(),
            "another scheme's refresh token leaked"
        );
        let logout = merge(Some(record("a", "t", Some("r"))), &Change::Logout("a"), 3).unwrap();
        assert_eq!(logout.scheme, "a");
        assert!(logout.token.is_none() && logout.refresh_token.is_none());
    }

    /// A refresh whose write failed is written later only over the very
    /// generation it refreshed; over a newer one, the stored record stays.
    #[test]
    fn a_pending_refresh_lands_only_on_the_generation_it_refreshed() {
        let refreshed = record("a", "t2", Some("r2"));
        let stored = record("a", "t9", Some("r9"));
        let change = Change::Refreshed(refreshed.clone(), 3);
        let onto_its_own = merge(Some(record("a", "t1", Some("r1"))), &change, 3).unwrap();
        assert!(onto_its_own == refreshed);
        let onto_newer = merge(Some(stored.clone()), &change, 4).unwrap();
        assert!(onto_newer == stored);
        assert!(merge(None, &change, 0).is_none());
    }
}
