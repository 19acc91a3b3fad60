//! Building a client: base URL, timeouts, TLS provider, redirect policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::retry::Retry;
use crate::runtime::Runtime;

/// Default total timeout of one request (connect, send, receive the body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default timeout for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body. Auth responses are a few hundred bytes;
/// the cap keeps a broken or hostile server from making the client buffer
/// an unbounded body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// An error building a client or setting a credential. It never contains
/// the secret itself, nor the userinfo of a base URL.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The service has no fixed host and no base URL was given.
    MissingBaseUrl,
    /// The base URL does not parse or is not `http`/`https`. `url` has any
    /// `user:password@` part replaced by `<redacted>@`.
    InvalidBaseUrl {
        /// The base URL, without its userinfo.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A value cannot be sent in the named header (control characters such
    /// as CR or LF, or non-visible bytes).
    InvalidHeaderValue {
        /// The header's name.
        header: &'static str,
    },
    /// The HTTP client could not be built.
    Http(reqwest::Error),
    /// A credential was set for a security scheme the spec does not have.
    UnknownScheme {
        /// The scheme's name.
        scheme: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingBaseUrl => f.write_str(
                "this service has no fixed host: give the API's base URL with Config::base_url",
            ),
            ConfigError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL `{url}`: {reason}")
            }
            ConfigError::InvalidHeaderValue { header } => write!(
                f,
                "the value for header `{header}` contains characters HTTP headers cannot carry \
                 (CR, LF or other control bytes)"
            ),
            ConfigError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
            ConfigError::UnknownScheme { scheme } => {
                write!(f, "the spec has no security scheme `{scheme}`")
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Http(e) => Some(e),
            _ => None,
        }
    }
}

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
        let runtime = Runtime::new(self.max_response_bytes, self.retry.clone(), self.tracing)
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

/// Checks a base URL and removes trailing slashes: operation paths are
/// appended to it, and they start with `/`.
pub fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: redact_userinfo(url),
        reason,
    };
    if !url.contains("://") {
        // `localhost:8080` parses with `localhost` as its scheme; say what
        // is missing instead.
        return Err(invalid(format!(
            "it has no scheme: write `https://{}` (or `http://` for a local server)",
            redact_userinfo(url)
        )));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        // Not echoed: without `://`, the "scheme" may be a user name.
        return Err(invalid("the scheme is not http or https".into()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            "a base URL cannot carry a query or fragment".into(),
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// `scheme://user:pass@host/...` becomes `scheme://<redacted>@host/...`.
/// Text that does not parse as a URL loses everything between `://` and
/// its last `@`, since a password may hold `/`, `?` or `#`. Without an `@`
/// there is no userinfo, and nothing is hidden: `localhost:8080` is the
/// caller's own typo, shown so they can fix it.
pub fn redact_userinfo(url: &str) -> String {
    if let Ok(parsed) = reqwest::Url::parse(url) {
        // Only an http(s) URL says for sure where its userinfo is:
        // `user:pass@host` without a scheme parses with `user` as the scheme.
        let web = matches!(parsed.scheme(), "http" | "https");
        if web && parsed.username().is_empty() && parsed.password().is_none() {
            return url.to_string();
        }
    }
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}<redacted>{}", &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(feature = "rustls")]
fn install_crypto_provider() {
    // reqwest is built without a provider (its default, aws-lc, costs over a
    // minute of cold build); ring is installed process-wide unless the
    // program installed one of its own first, which then wins.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(not(feature = "rustls"))]
fn install_crypto_provider() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_userinfo("https://u:p4ss@h.example/api"),
            "https://<redacted>@h.example/api"
        );
        assert_eq!(
            redact_userinfo("https://h.example/a@b"),
            "https://h.example/a@b"
        );
        assert_eq!(redact_userinfo("ftp://tok@x"), "ftp://<redacted>@x");
        // A password with `/` that makes the URL unparseable.
        let r = redact_userinfo("https://u:ab/cd@host:x");
        assert!(!r.contains("ab/cd"), "{r}");
        let e = normalize_base_url("ftp://user:hunter2@x").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("hunter2"));
        // The scheme forgotten: `admin` would parse as the scheme.
        assert_eq!(
            redact_userinfo("admin:hunter2@api.example.com"),
            "<redacted>@api.example.com"
        );
        let e = normalize_base_url("admin:hunter2@api.example.com").unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
        let c = Config::new().base_url("admin:hunter2@api.example.com");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(redact_userinfo("https://h.example"), "https://h.example");
        // A one-letter scheme, and an `@` only before the `://`: the
        // userinfo is what follows `://`, nothing before it.
        assert_eq!(redact_userinfo("x://u:p4ss@h"), "x://<redacted>@h");
        assert_eq!(redact_userinfo("a@b://host"), "a@b://host");
    }

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

    /// `host:port` without a scheme is a typo to show, not userinfo to hide.
    #[test]
    fn a_base_url_without_a_scheme_shows_the_input_and_the_fix() {
        for input in ["localhost:8080", "127.0.0.1:8080", "api.example.com"] {
            let e = normalize_base_url(input).unwrap_err().to_string();
            assert!(e.contains(&format!("`{input}`")), "{e}");
            assert!(e.contains(&format!("`https://{input}`")), "{e}");
            assert!(!e.contains("redacted"), "{e}");
        }
        // Where there is an `@`, what is before it stays hidden.
        let e = normalize_base_url("me:hunter2@localhost:8080")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("`https://<redacted>@localhost:8080`"), "{e}");
    }
}
