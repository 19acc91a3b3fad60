//! Where a session lives: one record per client key (service, base URL and
//! a name the caller picks), and a lease saying who refreshes it now.
//!
//! A store is deliberately dumb: it keeps opaque records under a generation
//! number that only grows, swaps a record only from the generation the
//! writer saw (compare-and-set), and hands out one lease at a time. What a
//! record means, and whether it is sealed, is the session's business
//! (`record`, `seal`); how many processes share it is the store's. Three
//! stores come with authapi: [`MemoryStore`] (the default: one process),
//! [`FileStore`] (processes on one machine) and, in the
//! `authapi-redis-store` crate, a Redis or Valkey store (a fleet).

mod file;
mod memory;
pub(crate) mod record;
mod seal;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use file::FileStore;
pub use memory::MemoryStore;
pub use seal::SealingKey;

/// What a store's operations return: boxed, so that [`SessionStore`] can
/// be used as `dyn SessionStore` (a store is chosen at run time, in
/// `Config`), and `Send`, so that a call using it can move between threads.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One stored record: its generation and its opaque, possibly sealed,
/// content. A store never looks inside `data`.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored {
    /// Grows by one with every write; 0 means "no record yet".
    pub generation: u64,
    /// The encoded record (it holds the session's secrets unless sealed).
    pub data: String,
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stored")
            .field("generation", &self.generation)
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .finish()
    }
}

/// A place that keeps session records for one or many processes.
///
/// Implement it to keep sessions somewhere authapi does not cover (a
/// database, a secrets manager). Every method may be called from many
/// tasks and processes at once; the guarantees each must give are what
/// makes one refresh per expiry possible across a fleet.
pub trait SessionStore: Send + Sync + 'static {
    /// Where the store is, for error messages: a host and port, a folder.
    /// Never a password.
    fn describe(&self) -> String;

    /// The record under `key`, if there is one.
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Stored>>;

    /// Writes `next` under `key` if, and only if, the stored generation is
    /// still `expected` (0: no record). `next.generation` is greater than
    /// `expected`. Whether it was written. This is the fence: a writer that
    /// read an older record (a refresher whose lease ran out, say) can
    /// never overwrite a newer one.
    fn swap<'a>(&'a self, key: &'a str, expected: u64, next: Stored) -> StoreFuture<'a, bool>;

    /// Takes the refresh lease of `key` for `holder` for `ttl`, unless
    /// someone else holds it. Whether it was taken. A lease whose holder
    /// died must come free by itself (after `ttl` at the latest).
    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Extends `holder`'s lease to `ttl` from now, if it still holds it;
    /// whether it does. Called every third of the TTL while a refresh runs,
    /// so a slow refresh never outlives its lease.
    fn renew<'a>(&'a self, key: &'a str, holder: &'a str, ttl: Duration) -> StoreFuture<'a, bool>;

    /// Gives the lease back, if `holder` still holds it.
    fn release<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()>;
}

/// What went wrong with a session store. It names the store (host and port,
/// or folder), never a password or a token.
#[derive(Clone, Debug)]
pub struct StoreError {
    store: String,
    kind: StoreErrorKind,
    detail: String,
}

/// The kinds of [`StoreError`], for callers that match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The store cannot be reached or did not answer (Redis down, a full
    /// disk, an I/O error). Nothing was changed by the failed call.
    Unavailable,
    /// A record file or its folder can be read by others: refused, as ssh
    /// refuses a private key anyone can read.
    Insecure,
    /// A record that is not authapi's, or is damaged. It is left as it is.
    Corrupt,
    /// A sealed record and no key, the wrong key, or a plain record where a
    /// sealing key is set. It is left as it is.
    Sealing,
    /// Another process held the refresh lease longer than this client
    /// waits, and no new record came.
    LeaseTimeout,
}

impl StoreError {
    /// A store's error: `store` as [`SessionStore::describe`] gives it.
    pub fn new(store: impl Into<String>, kind: StoreErrorKind, detail: impl Into<String>) -> Self {
        StoreError {
            store: store.into(),
            kind,
            detail: detail.into(),
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// The store, as [`SessionStore::describe`] gives it.
    pub fn store(&self) -> &str {
        &self.store
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store {}: {}", self.store, self.detail)
    }
}

impl std::error::Error for StoreError {}

/// A future that is already done: the local stores answer at once.
pub(crate) fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// The key of a client's session record: the service, the base URL and
/// the caller's name for the session, so that two accounts (two names) or
/// two installations (two base URLs) never share a record. Neither the
/// service nor the name holds a `/` (`Config` refuses such a name), so the
/// key reads back one way; the base URL has no userinfo.
pub(crate) fn session_key(service: &str, base_url: &str, name: &str) -> String {
    format!("{service}/{name}/{base_url}")
}
