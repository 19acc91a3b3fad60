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

#[cfg(test)]
mod tests {
    use super::*;

    fn now_ready<T>(f: StoreFuture<'_, T>) -> T {
        let mut f = f;
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v.unwrap(),
            std::task::Poll::Pending => panic!("the memory store never waits"),
        }
    }

    /// One holder at a time; only the holder renews or releases; a lease
    /// nobody renews ends at its TTL, and then another may take it.
    #[test]
    fn leases_have_one_holder_and_end_at_their_ttl() {
        let s = MemoryStore::new();
        let ttl = Duration::from_millis(50);
        assert!(now_ready(s.try_lease("k", "a", ttl)));
        assert!(!now_ready(s.try_lease("k", "b", ttl)));
        assert!(!now_ready(s.renew("k", "b", ttl)), "b renewed a's lease");
        assert!(now_ready(s.renew("k", "a", ttl)));
        now_ready(s.release("k", "b"));
        assert!(
            !now_ready(s.try_lease("k", "b", ttl)),
            "b released a's lease"
        );
        std::thread::sleep(Duration::from_millis(80));
        assert!(
            now_ready(s.try_lease("k", "b", ttl)),
            "an expired lease was kept"
        );
        assert!(
            !now_ready(s.renew("k", "a", ttl)),
            "a renewed a lease it lost"
        );
        // Another key has a lease of its own.
        assert!(now_ready(s.try_lease("k2", "a", ttl)));
    }

    /// The fence: a swap lands only from the generation the writer read,
    /// and only forward.
    #[test]
    fn swaps_land_only_from_the_generation_read_and_forward() {
        let s = MemoryStore::new();
        let rec = |generation| Stored {
            generation,
            data: format!("r{generation}"),
        };
        assert!(
            !now_ready(s.swap("k", 5, rec(6))),
            "from a generation never stored"
        );
        assert!(now_ready(s.swap("k", 0, rec(1))));
        assert!(!now_ready(s.swap("k", 0, rec(1))), "a stale writer");
        assert!(!now_ready(s.swap("k", 1, rec(1))), "not forward");
        assert!(now_ready(s.swap("k", 1, rec(2))));
        assert_eq!(now_ready(s.load("k")), Some(rec(2)));
    }
}
