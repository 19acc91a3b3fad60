//! Credentials for Kleister: the session token, sent as `X-API-Key` on refresh.

use crate::{generated::AUTH, types, Client, Config, ConfigError, Error};

const TOKEN: &str = "HeaderAuth";

impl Client {
    /// A client for the default base URL with the default timeouts.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the token [`Client::refresh`] sends (in `X-API-Key`).
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_credential(&AUTH, TOKEN, token)
    }

    /// Logs in with `login_user` and keeps the token for `refresh`.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<types::AuthToken, Error<types::GeneralError>> {
        let token = self
            .login_user()
            .body_map(|b| b.username(username).password(password))
            .send()
            .await?
            .into_inner();
        self.inner
            .keep_credential(&AUTH, TOKEN, Some(&token.token))?;
        Ok(token)
    }

    /// Calls `refresh_auth` with the stored token and keeps the new one.
    pub async fn refresh(&self) -> Result<types::AuthToken, Error<types::GeneralError>> {
        let token = self.refresh_auth().send().await?.into_inner();
        self.inner
            .keep_credential(&AUTH, TOKEN, Some(&token.token))?;
        Ok(token)
    }
}
