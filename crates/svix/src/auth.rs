//! Credentials for Svix: an API or portal token sent as a bearer token.

use crate::{generated::AUTH, types, Client, Config, ConfigError, Error};

const SCHEME: &str = "HTTPBearer";

/// The API host for a token, as the official SDKs choose it: the text after
/// the last `.` of the token names the region (`us`, `eu`, `in`, `ca`,
/// `au`); any other token uses `https://api.svix.com`. Pass it to
/// [`Config::base_url`].
pub fn region_base_url(token: &str) -> &'static str {
    match token.rsplit_once('.').map(|(_, region)| region) {
        Some("us") => "https://api.us.svix.com",
        Some("eu") => "https://api.eu.svix.com",
        Some("in") => "https://api.in.svix.com",
        Some("ca") => "https://api.ca.svix.com",
        Some("au") => "https://api.au.svix.com",
        _ => "https://api.svix.com",
    }
}

impl Client {
    /// A client for the default host, `https://api.svix.com`, with the
    /// default timeouts and retries. A regional token given to
    /// [`Client::set_token`] then moves it to its region's host.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the bearer token sent from now on by this client and its clones.
    /// Fails, sending nothing, if the token holds CR, LF or other bytes a
    /// header cannot carry.
    ///
    /// Unless a base URL was set in [`Config`], the token also picks the
    /// host, as the official SDKs do: a token ending in `.us`, `.eu`,
    /// `.in`, `.ca` or `.au` goes to that region's host
    /// ([`region_base_url`]), any other to `https://api.svix.com`. A base
    /// URL set in `Config` always wins.
    ///
    /// ```
    /// let client = authapi_svix::Client::new_default()?;
    /// client.set_token("sk_live_example.eu")?;
    /// assert_eq!(client.base_url(), "https://api.eu.svix.com");
    /// # Ok::<(), authapi_svix::ConfigError>(())
    /// ```
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_session_token(&AUTH, SCHEME, token)?;
        self.inner.follow_base(region_base_url(token))?;
        Ok(())
    }

    /// Forgets the token.
    pub fn clear_token(&self) {
        self.inner.clear_session(&AUTH, SCHEME);
    }

    /// Makes sure a `set_token` or `clear_token` (which are synchronous)
    /// has reached the session store, and reports a store failure.
    pub async fn save_session(&self) -> Result<(), Error<types::SvixError>> {
        self.inner.save_session(&AUTH).await
    }

    /// Whether the client has a token: its own, else one in the session
    /// store (another process's), which it then uses.
    pub async fn has_token(&self) -> Result<bool, Error<types::SvixError>> {
        self.inner.has_session_token(&AUTH, SCHEME).await
    }
}
