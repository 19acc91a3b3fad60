#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::time::Duration;

use authapi_core::{SessionStore, StoreError, StoreErrorKind, StoreFuture, Stored};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, RedisError, Script};

/// Swaps the record only from the generation the writer read: the fence.
/// Generations are compared as the decimal strings they are stored as
/// (Lua numbers are doubles, inexact above 2^53).
const SWAP: &str = r"
local current = redis.call('HGET', KEYS[1], 'gen') or '0'
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'gen', ARGV[2], 'data', ARGV[3])
return 1
";

/// Extends the lease only for its holder.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";

/// Deletes the lease only for its holder.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Sessions kept in Redis or Valkey, for a fleet (see the crate docs).
pub struct RedisStore {
    client: redis::Client,
    config: AsyncConnectionConfig,
    /// One multiplexed connection, made at first use and again after a
    /// failure: a store that was down comes back without a restart.
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    describe: String,
    prefix: String,
    swap: Script,
    renew: Script,
    release: Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.describe)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl RedisStore {
    /// A store at `url` (`redis://[:password@]host[:port][/db]`, or
    /// `rediss://` for TLS). Nothing is sent until the store is first used.
    /// The error never repeats the URL's password.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| {
            // Not even the host: an unparsable URL may hold its password
            // anywhere (a query, a malformed userinfo).
            StoreError::new(
                "redis (URL not shown)",
                StoreErrorKind::Unavailable,
                format!("not a usable Redis URL ({})", e.category()),
            )
        })?;
        let describe = match client.get_connection_info().addr() {
            ConnectionAddr::Tcp(host, port) => format!("redis {host}:{port}"),
            ConnectionAddr::TcpTls { host, port, .. } => format!("rediss {host}:{port}"),
            _ => "redis (unix socket)".to_string(),
        };
        authapi_core::install_tls_provider();
        Ok(RedisStore {
            client,
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(5)))
                .set_response_timeout(Some(Duration::from_secs(5))),
            conn: tokio::sync::Mutex::new(None),
            describe,
            prefix: "authapi:".to_string(),
            swap: Script::new(SWAP),
            renew: Script::new(RENEW),
            release: Script::new(RELEASE),
        })
    }

    /// Prefixes every key with `prefix` instead of `authapi:`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long to wait to connect and for each answer (default 5 s): an
    /// unreachable store fails the call after this, with a typed error.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        self
    }

    fn error(&self, e: &RedisError) -> StoreError {
        // The kind and code only: a server's message could quote a command.
        let why = if e.is_timeout() {
            "no answer in time".to_string()
        } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
            "cannot reach the server".to_string()
        } else {
            format!("the server refused the command ({})", e.category())
        };
        StoreError::new(&self.describe, StoreErrorKind::Unavailable, why)
    }

    /// The connection, and whether it was made just now.
    async fn conn(&self) -> Result<(MultiplexedConnection, bool), StoreError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = &*slot {
            return Ok((c.clone(), false));
        }
        let c = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await
            .map_err(|e| self.error(&e))?;
        *slot = Some(c.clone());
        Ok((c, true))
    }

    /// Runs `f` on the connection. A connection that broke since its last
    /// use (the server restarted) is replaced and `f` tried once more on
    /// the new one; a failure on a new connection is the caller's error.
    async fn run<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: Fn(MultiplexedConnection) -> Fut,
        Fut: std::future::Future<Output = Result<T, RedisError>>,
    {
        let (conn, fresh) = self.conn().await?;
        match f(conn).await {
            Ok(v) => Ok(v),
            Err(e) if broken(&e) => {
                *self.conn.lock().await = None;
                if fresh {
                    return Err(self.error(&e));
                }
                let (conn, _) = self.conn().await?;
                f(conn).await.map_err(|e| {
                    if broken(&e) {
                        // A clone of this future may run into it again.
                        if let Ok(mut slot) = self.conn.try_lock() {
                            *slot = None;
                        }
                    }
                    self.error(&e)
                })
            }
            Err(e) => Err(self.error(&e)),
        }
    }

    fn record_key(&self, key: &str) -> String {
        format!("{}session:{key}", self.prefix)
    }

    fn lease_key(&self, key: &str) -> String {
        format!("{}lease:{key}", self.prefix)
    }
}

impl SessionStore for RedisStore {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Stored>> {
        Box::pin(async move {
            let k = self.record_key(key);
            let k = &k;
            let (generation, data): (Option<String>, Option<String>) = self
                .run(|mut c| async move {
                    redis::cmd("HMGET")
                        .arg(k)
                        .arg("gen")
                        .arg("data")
                        .query_async(&mut c)
                        .await
                })
                .await?;
            match (generation, data) {
                (None, None) => Ok(None),
                (Some(g), Some(data)) => match g.parse() {
                    Ok(generation) => Ok(Some(Stored { generation, data })),
                    Err(_) => Err(corrupt(&self.describe)),
                },
                _ => Err(corrupt(&self.describe)),
            }
        })
    }

    fn swap<'a>(&'a self, key: &'a str, expected: u64, next: Stored) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let k = self.record_key(key);
            let k = &k;
            let next = &next;
            let done: i64 = self
                .run(|mut c| async move {
                    self.swap
                        .key(k)
                        .arg(expected)
                        .arg(next.generation)
                        .arg(&next.data)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(done == 1)
        })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let k = self.lease_key(key);
            let k = &k;
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let set: Option<String> = self
                .run(|mut c| async move {
                    redis::cmd("SET")
                        .arg(k)
                        .arg(holder)
                        .arg("NX")
                        .arg("PX")
                        .arg(ms)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            Ok(set.is_some())
        })
    }

    fn renew<'a>(&'a self, key: &'a str, holder: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let k = self.lease_key(key);
            let k = &k;
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let renewed: i64 = self
                .run(|mut c| async move {
                    self.renew
                        .key(k)
                        .arg(holder)
                        .arg(ms)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(renewed == 1)
        })
    }

    fn release<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let k = self.lease_key(key);
            let k = &k;
            let _: i64 =
                self.run(|mut c| async move {
                    self.release.key(k).arg(holder).invoke_async(&mut c).await
                })
                .await?;
            Ok(())
        })
    }
}

/// An error after which the connection cannot be used again.
fn broken(e: &RedisError) -> bool {
    e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_unrecoverable_error()
}

fn corrupt(store: &str) -> StoreError {
    StoreError::new(
        store,
        StoreErrorKind::Corrupt,
        "the session key does not hold an authapi session record; it was left as it is",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's name is host and port: never the URL's password, in
    /// `describe`, `Debug` or an error.
    #[test]
    fn the_password_never_shows() {
        let s = RedisStore::open("redis://:hunter2@cache.internal:6380/2").unwrap();
        assert_eq!(s.describe(), "redis cache.internal:6380");
        assert!(!format!("{s:?}").contains("hunter2"));
        let e = RedisStore::open("redis://:hunter2@").expect_err("no host");
        assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
        let e = RedisStore::open("http://u:hunter2@x").expect_err("not redis");
        assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
    }
}
