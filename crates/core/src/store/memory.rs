//! The default store: records in this process's memory. Clients built
//! from one `Config` (and their clones) share it; nothing else can see it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{ready, SessionStore, StoreFuture, Stored};

/// Sessions kept in memory, for one process: the default (each client
/// without a store gets a private one). Cloning it shares it, so clients
/// whose `Config`s hold clones of one store share their sessions (and
/// their refreshes).
#[derive(Clone, Default)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

#[derive(Default)]
struct Entry {
    record: Option<Stored>,
    lease: Option<(String, Instant)>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, key: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        // A panic elsewhere while holding the lock leaves consistent data:
        // every change below is one assignment.
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(key.to_string()).or_default())
    }
}

impl SessionStore for MemoryStore {
    fn describe(&self) -> String {
        "in memory".to_string()
    }

    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Stored>> {
        ready(Ok(self.with(key, |e| e.record.clone())))
    }

    fn swap<'a>(&'a self, key: &'a str, expected: u64, next: Stored) -> StoreFuture<'a, bool> {
        ready(Ok(self.with(key, |e| {
            let current = e.record.as_ref().map_or(0, |r| r.generation);
            if current != expected || next.generation <= current {
                return false;
            }
            e.record = Some(next);
            true
        })))
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        ready(Ok(self.with(key, |e| match &e.lease {
            Some((_, until)) if *until > now => false,
            _ => {
                e.lease = Some((holder.to_string(), now + ttl));
                true
            }
        })))
    }

    fn renew<'a>(&'a self, key: &'a str, holder: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        ready(Ok(self.with(key, |e| match &mut e.lease {
            Some((h, until)) if h == holder => {
                *until = now + ttl;
                true
            }
            _ => false,
        })))
    }

    fn release<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        self.with(key, |e| {
            if e.lease.as_ref().is_some_and(|(h, _)| h == holder) {
                e.lease = None;
            }
        });
        ready(Ok(()))
    }
}
