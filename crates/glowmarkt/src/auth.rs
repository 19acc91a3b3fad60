//! Credentials for Glowmarkt: the application id and the JWT from login.

use crate::{generated::AUTH, types, Client, Config, ConfigError, Error, ResponseValue};

const APPLICATION_ID: &str = "applicationId";
const TOKEN: &str = "token";

impl Client {
    /// A client for `application_id` at the default base URL. The id is
    /// sent with every call; log in (or [`Client::set_token`]) before the
    /// calls that need a token.
    pub fn with_application_id(application_id: &str) -> Result<Self, ConfigError> {
        let client = Self::from_config(Config::new())?;
        client.set_application_id(application_id)?;
        Ok(client)
    }

    /// Sets the `applicationId` header sent with every call.
    pub fn set_application_id(&self, application_id: &str) -> Result<(), ConfigError> {
        self.inner
            .set_credential(&AUTH, APPLICATION_ID, application_id)
    }

    /// Sets the token sent in the `token` header by this client and its
    /// clones (all operations but login).
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_credential(&AUTH, TOKEN, token)
    }

    /// Forgets the token (after revoking it, say).
    pub fn clear_token(&self) {
        self.inner.clear_credential(TOKEN);
    }

    /// Logs in with `username_login` and, when the service accepts the
    /// credentials (`valid: true` and a token), keeps the token for later
    /// calls. A 200 with `valid: false` is returned as an error, since
    /// there is no token to keep.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<types::InlineResponse2008, Error<types::GlowmarktError>> {
        let session = self
            .username_login()
            .body_map(|b| b.username(username).password(password))
            .send()
            .await?
            .into_inner();
        self.keep(session.valid, session.token.as_ref())?;
        Ok(session)
    }

    /// Calls `new_token` with the current token and keeps the new one.
    pub async fn renew_token(
        &self,
    ) -> Result<ResponseValue<types::InlineResponse2009>, Error<types::GlowmarktError>> {
        let renewed = self.new_token().send().await?;
        self.keep(renewed.valid, renewed.token.as_ref())?;
        Ok(renewed)
    }

    /// A token counts only when the service did not say `valid: false`.
    fn keep(
        &self,
        valid: Option<bool>,
        token: Option<&authapi_core::Secret>,
    ) -> Result<(), Error<types::GlowmarktError>> {
        let token = token.filter(|_| valid != Some(false));
        self.inner.keep_credential(&AUTH, TOKEN, token)
    }
}
