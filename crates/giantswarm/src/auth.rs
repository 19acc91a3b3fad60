//! Credentials for Giant Swarm: `Authorization: giantswarm <token>`.

use base64::Engine as _;

use crate::{generated::AUTH, types, Client, Config, ConfigError, Error, Secret};

const TOKEN: &str = "AuthorizationHeaderToken";

impl types::V4CreateAuthTokenRequest {
    /// A login body from a plain password: the API wants the standard
    /// base64 of its UTF-8 bytes in `password_base64`.
    pub fn with_password(email: &str, password: &str) -> Self {
        Self {
            email: Some(email.to_string()),
            password_base64: Some(Secret::new(
                base64::engine::general_purpose::STANDARD.encode(password.as_bytes()),
            )),
        }
    }
}

impl Client {
    /// Fails with [`ConfigError::MissingBaseUrl`]: every Giant Swarm
    /// installation has its own API host, so there is no default. Use
    /// [`Client::from_config`] with [`Config::base_url`]. Here so that the
    /// five clients are built alike.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the token sent as `Authorization: giantswarm <token>`.
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_session_token(&AUTH, TOKEN, token)
    }

    /// Forgets the token (after `delete_auth_token`, say).
    pub fn clear_token(&self) {
        self.inner.clear_session(&AUTH, TOKEN);
    }

    /// Makes sure a `set_token` or `clear_token` (which are synchronous)
    /// has reached the session store, and reports a store failure.
    pub async fn save_session(&self) -> Result<(), Error<types::V4GenericResponse>> {
        self.inner.save_session(&AUTH).await
    }

    /// Whether the client has a token: its own, else one in the session
    /// store (another process's), which it then uses.
    pub async fn has_token(&self) -> Result<bool, Error<types::V4GenericResponse>> {
        self.inner.has_session_token(&AUTH, TOKEN).await
    }

    /// Logs in with `create_auth_token` and keeps the token for logout.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<types::V4CreateAuthTokenResponse, Error<types::V4GenericResponse>> {
        let created = self
            .create_auth_token()
            .body(types::V4CreateAuthTokenRequest::with_password(
                email, password,
            ))
            .send()
            .await?
            .into_inner();
        self.inner
            .keep_session(&AUTH, TOKEN, created.auth_token.as_ref(), None, None, None)
            .await?;
        Ok(created)
    }
}
