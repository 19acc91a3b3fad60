//! Building a client: base URL, timeouts, TLS provider, redirect policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::base_url::{normalize_base_url, redact_userinfo};
use crate::config_error::ConfigError;
use crate::retry::Retry;
use crate::runtime::Runtime;
use crate::session::{SessionOptions, DEFAULT_LEASE_TTL, DEFAULT_REFRESH_BACKOFF};
use crate::store::{MemoryStore, SealingKey, SessionStore};

/// Default total timeout of one request (connect, send, receive the body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default timeout for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body. Auth responses are a few hundred bytes;
/// the cap keeps a broken or hostile server from making the client buffer
/// an unbounded body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A caller's change to the `reqwest::ClientBuilder` (see [`Config::http`]).
type Customise = Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// Client configuration shared by every service crate.
#[derive(Clone)]
pub struct Config {
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    http: Option<Customise>,
    max_response_bytes: usize,
    retry: Retry,
    tracing: bool,
    store: Option<Arc<dyn SessionStore>>,
    session_name: String,
    sealing_key: Option<SealingKey>,
    lease_ttl: Duration,
    refresh_backoff: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("authapi/", env!("CARGO_PKG_VERSION")).to_string(),
            http: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: Retry::default(),
            tracing: true,
            store: None,
            session_name: "default".to_string(),
            sealing_key: None,
            lease_ttl: DEFAULT_LEASE_TTL,
            refresh_backoff: DEFAULT_REFRESH_BACKOFF,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url.as_deref().map(redact_userinfo))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("http", &self.http.as_ref().map(|_| "customised"))
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("tracing", &self.tracing)
            .field(
                "session_store",
                &self
                    .store
                    .as_ref()
                    .map_or("private, in memory".into(), |s| s.describe()),
            )
            .field("session_name", &self.session_name)
            .field("sealing_key", &self.sealing_key)
            .field("lease_ttl", &self.lease_ttl)
            .field("refresh_backoff", &self.refresh_backoff)
            .finish()
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

    /// Customises the `reqwest::ClientBuilder` the client is built from:
    /// proxies, extra root certificates, a local address, pool settings.
    /// `f` receives authapi's builder, with this `Config`'s timeouts and
    /// user agent already set, and may change them too. After it returns,
    /// redirects are turned off and `Referer` with them, whatever `f` did:
    /// a followed redirect could carry a credential to another origin, and
    /// no customisation may allow that.
    ///
    /// There is no way to hand authapi a ready-made `reqwest::Client`: its
    /// redirect policy could not be checked. The builder's types (such as
    /// `reqwest::Proxy`) are re-exported as `authapi_core::reqwest` (and
    /// `authapi::reqwest`, `authapi_<service>::reqwest`), so no reqwest
    /// dependency of your own is needed, and none of another version can
    /// clash.
    ///
    /// ```
    /// use authapi_core::{reqwest, Config};
    ///
    /// let config = Config::new().http(|b| {
    ///     b.pool_max_idle_per_host(4)
    ///         .proxy(reqwest::Proxy::https("http://proxy.internal:3128").unwrap())
    /// });
    /// ```
    pub fn http(
        mut self,
        f: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(Arc::new(f));
        self
    }

    /// Largest response body the client reads (default 1 MiB); a longer
    /// body fails the call with `Error::ResponseBodyError`.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The retry policy (default [`Retry::new`]: 3 attempts, backoff from
    /// 50 ms to 5 s). [`Retry::disabled`] sends every call once.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Whether each call opens a `tracing` span (default on; it costs next
    /// to nothing when no subscriber listens).
    pub fn tracing(mut self, on: bool) -> Self {
        self.tracing = on;
        self
    }

    /// Where the client keeps its session (token, expiry, refresh token):
    /// by default a private [`MemoryStore`](crate::MemoryStore) of its own.
    /// Give clients one store to share a login: a `MemoryStore` for the
    /// clients of one process, a [`FileStore`](crate::FileStore) for the
    /// processes of one machine, `authapi_redis_store::RedisStore` for a
    /// fleet. Clients share a session when they share the store, the
    /// service, the base URL and the [`Config::session_name`].
    ///
    /// ```no_run
    /// use authapi_core::{Config, FileStore};
    ///
    /// let store = FileStore::new("/var/lib/my-app/sessions")?;
    /// let config = Config::new().session_store(store).session_name("worker-pool");
    /// # Ok::<(), authapi_core::StoreError>(())
    /// ```
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// [`Config::session_store`] for a store already behind an `Arc`.
    pub fn session_store_arc(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The session's name in its store (default `"default"`): one name per
    /// account, when one store holds several logins to one service. It may
    /// not be empty or hold a `/` (`ConfigError::InvalidSessionName`).
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = name.into();
        self
    }

    /// Seals session records at rest (ChaCha20-Poly1305): the store then
    /// holds no token or refresh token anyone can read without the key, and
    /// a record changed or written without it is refused. Every process
    /// sharing the session needs the same key.
    pub fn sealing_key(mut self, key: SealingKey) -> Self {
        self.sealing_key = Some(key);
        self
    }

    /// How long a refresh lease lasts (default 30 s): longer than a
    /// refresh takes, short enough that a process dying mid-refresh does
    /// not stall the others for long. (The file store's lease ends with
    /// its process, whatever this says.)
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// After the service refuses a token refreshed less than this long ago
    /// (default 30 s), the session does not refresh again until this much
    /// time has passed since that refresh: calls fail at once with
    /// `SessionErrorKind::RefusedAfterRefresh` instead of spending refresh
    /// tokens on a service that refuses them all.
    pub fn refresh_backoff(mut self, backoff: Duration) -> Self {
        self.refresh_backoff = backoff;
        self
    }

    /// Checks the base URL (or falls back to `default_base_url`) and builds
    /// the HTTP client and runtime. Used by the generated
    /// `Client::from_config`; not part of the API.
    #[doc(hidden)]
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
        let parsed = reqwest::Url::parse(&base).map_err(|e| ConfigError::InvalidBaseUrl {
            url: redact_userinfo(&base),
            reason: e.to_string(),
        })?;
        let mut builder = http_client_builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.as_str());
        if let Some(f) = &self.http {
            builder = f(builder);
        }
        let http = no_redirects(builder)
            .build()
            .map_err(|e| ConfigError::Http(e.without_url()))?;
        if self.session_name.is_empty() || self.session_name.contains('/') {
            return Err(ConfigError::InvalidSessionName);
        }
        // The store's key names the base URL without its userinfo: a
        // password in a base URL must not become a Redis key name.
        let mut key_base = parsed.clone();
        let _ = key_base.set_username("");
        let _ = key_base.set_password(None);
        let session = SessionOptions {
            store: self
                .store
                .clone()
                .unwrap_or_else(|| Arc::new(MemoryStore::new())),
            name: self.session_name.clone(),
            base_url: key_base.as_str().trim_end_matches('/').to_string(),
            sealing: self.sealing_key.clone(),
            lease_ttl: self.lease_ttl,
            backoff: self.refresh_backoff,
        };
        let runtime = Runtime::new(
            self.max_response_bytes,
            self.retry.clone(),
            self.tracing,
            session,
        )
        .with_base(parsed, self.base_url.is_some());
        Ok((base, http, runtime))
    }
}

/// The `reqwest::ClientBuilder` every client is built from, with the TLS
/// provider installed, so `build()` cannot panic.
fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    no_redirects(reqwest::Client::builder())
}

/// No redirect is ever followed and no `Referer` sent.
fn no_redirects(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        // Raw request bytes in TRACE logs would carry the credentials.
        .connection_verbose(false)
}

#[cfg(feature = "rustls")]
pub(crate) fn install_crypto_provider() {
    // reqwest is built without a provider (its default, aws-lc, costs over a
    // minute of cold build); ring is installed process-wide unless the
    // program installed one of its own first, which then wins.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(not(feature = "rustls"))]
pub(crate) fn install_crypto_provider() {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Referer` header of the second hop of a redirect that `builder`'s
    /// client follows (two servers on 127.0.0.1: the first answers 307 to
    /// the second, which records what it receives).
    fn referer_on_second_hop(builder: reqwest::ClientBuilder) -> Option<String> {
        use std::io::{Read, Write};
        use std::net::TcpListener;

        fn head(socket: &mut std::net::TcpStream) -> String {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut chunk).unwrap();
                assert!(n > 0, "the request ended early");
                buf.extend_from_slice(&chunk[..n]);
            }
            String::from_utf8_lossy(&buf).into_owned()
        }
        let second = TcpListener::bind("127.0.0.1:0").unwrap();
        let second_url = format!("http://{}/next", second.local_addr().unwrap());
        let first = TcpListener::bind("127.0.0.1:0").unwrap();
        let first_url = format!("http://{}/start", first.local_addr().unwrap());
        let redirecting = std::thread::spawn(move || {
            let (mut s, _) = first.accept().unwrap();
            head(&mut s);
            let answer = format!(
                "HTTP/1.1 307 Moved\r\nlocation: {second_url}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            s.write_all(answer.as_bytes()).unwrap();
        });
        let recording = std::thread::spawn(move || {
            let (mut s, _) = second.accept().unwrap();
            let request = head(&mut s);
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .unwrap();
            request
        });
        let client = builder.build().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let status = rt.block_on(client.get(&first_url).send()).unwrap().status();
        assert_eq!(status, 200, "the redirect was not followed");
        redirecting.join().unwrap();
        let request = recording.join().unwrap();
        request.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("referer")
                .then(|| v.trim().to_string())
        })
    }

    /// "No `Referer` is ever sent" holds even on a second hop: a `Referer`
    /// is only ever added to the request that follows a redirect, and
    /// authapi follows none, so the only place a second hop can be made is
    /// here, with a redirect policy put back on top of the builder every
    /// client starts from. Its second hop carries no `Referer`; the same
    /// hop made by a default reqwest client does (the positive control).
    ///
    /// Catches: `.referer(false)` dropped from `no_redirects`, which the
    /// redirect refusal alone would hide until a customisation or a reqwest
    /// change let one redirect through.
    #[test]
    fn no_referer_even_on_a_followed_second_hop() {
        install_crypto_provider();
        let follow = || reqwest::redirect::Policy::limited(3);
        let control = referer_on_second_hop(reqwest::Client::builder().redirect(follow()));
        assert!(
            control.as_deref().is_some_and(|r| r.ends_with("/start")),
            "control: a default client's second hop has no Referer ({control:?})"
        );
        let ours = referer_on_second_hop(http_client_builder().redirect(follow()));
        assert_eq!(ours, None);
    }
}
