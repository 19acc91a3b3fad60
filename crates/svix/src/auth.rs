//! Credentials for Svix: an API or portal token sent as a bearer token.

use crate::{generated::AUTH, Client, Config, ConfigError};

const SCHEME: &str = "HTTPBearer";

/// The API host for a token, as the official SDKs choose it: the text after
/// the last `.` of the token names the region (`eu`, `us`, `in`); any other
/// token uses `https://api.svix.com`.
pub fn region_base_url(token: &str) -> &'static str {
    match token.rsplit_once('.').map(|(_, region)| region) {
        Some("eu") => "https://api.eu.svix.com",
        Some("us") => "https://api.us.svix.com",
        Some("in") => "https://api.in.svix.com",
        _ => "https://api.svix.com",
    }
}

impl Client {
    /// A client for `token`, talking to the token's regional host (see
    /// [`region_base_url`]) with the default timeouts.
    pub fn with_token(token: &str) -> Result<Self, ConfigError> {
        let client = Self::from_config(Config::new().base_url(region_base_url(token)))?;
        client.set_token(token)?;
        Ok(client)
    }

    /// Sets the bearer token sent from now on by this client and its clones.
    /// Fails, sending nothing, if the token holds CR, LF or other bytes a
    /// header cannot carry.
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_credential(&AUTH, SCHEME, token)
    }
}
