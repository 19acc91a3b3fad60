//! Credentials for NuExtract: a bearer access token or user token.

use crate::{generated::AUTH, types::TokenRequest, Client, Config, ConfigError, Secret};

const BEARER: &str = "oauth2Auth";

impl Client {
    /// A client for `https://nuextract.ai` with the default timeouts.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the bearer token (an access token or a user token) sent by the
    /// protected operations.
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_credential(&AUTH, BEARER, token)
    }
}

impl TokenRequest {
    /// Trade the authorization code from the sign-in redirect.
    pub fn code(code: impl Into<Secret>, redirect_uri: impl Into<String>) -> Self {
        TokenRequest::AiNumindExtractSharedTokenCodeRequest {
            code: code.into(),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// Trade a refresh token for a new access token.
    pub fn refresh(token: impl Into<Secret>) -> Self {
        TokenRequest::AiNumindExtractSharedTokenRefreshRequest {
            token: token.into(),
        }
    }
}
