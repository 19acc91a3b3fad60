//! Credentials for NuExtract: a bearer access token or user token, and the
//! refresh token that renews an access token.

use std::time::{Duration, SystemTime};

use authapi_core::RefreshTurn;

use crate::{
    generated::AUTH,
    types::{self, TokenRequest},
    Client, Config, ConfigError, Error, Secret,
};

const BEARER: &str = "oauth2Auth";

impl Client {
    /// A client for `https://nuextract.ai` with the default timeouts.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the bearer token (an access token or a user token) sent by the
    /// protected operations, in this client and in its session store.
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_session_token(&AUTH, BEARER, token)
    }

    /// Forgets the token and the refresh token (a logout), here and in the
    /// session store: every process sharing the session stops using the
    /// token at its next store read.
    pub fn clear_token(&self) {
        self.inner.clear_session(&AUTH, BEARER);
    }

    /// Keeps a refresh token for [`Client::refresh`] (one saved from an
    /// earlier [`Client::login`], say), here and in the session store.
    /// Fails, keeping nothing, for one over
    /// [`MAX_SECRET_BYTES`](authapi_core::MAX_SECRET_BYTES).
    pub fn set_refresh_token(&self, token: impl Into<Secret>) -> Result<(), ConfigError> {
        self.inner
            .set_session_refresh_token(&AUTH, BEARER, token.into())
    }

    /// Trades `request` (an authorization code, or a refresh token) with
    /// `exchange_token` and keeps what it returns: the access token, its
    /// expiry, and the refresh token when one comes back.
    pub async fn login(
        &self,
        request: TokenRequest,
    ) -> Result<types::TokenResponse, Error<types::NuExtractError>> {
        self.exchange(request, None).await
    }

    /// `exchange_token`, keeping what it returns; with `since`, only if the
    /// credentials did not change meanwhile (a refresh).
    async fn exchange(
        &self,
        request: TokenRequest,
        since: Option<u64>,
    ) -> Result<types::TokenResponse, Error<types::NuExtractError>> {
        let tokens = self
            .exchange_token()
            .body(request)
            .send()
            .await?
            .into_inner();
        let lifetime = u64::try_from(tokens.expires_in).unwrap_or(0);
        let expiry = SystemTime::now().checked_add(Duration::from_secs(lifetime));
        self.inner
            .keep_session(
                &AUTH,
                BEARER,
                Some(&tokens.token),
                expiry,
                tokens.refresh_token.as_ref(),
                since,
            )
            .await?;
        Ok(tokens)
    }

    /// Trades the kept refresh token for a new access token (see
    /// [`Client::login`]). Fails, sending nothing, when none is kept.
    ///
    /// One refresh at a time per session, across every process sharing
    /// its store: each would spend the same single-use refresh token. A
    /// call that waited while another call or process refreshed sends
    /// nothing and returns the tokens that refresh kept.
    pub async fn refresh(&self) -> Result<types::TokenResponse, Error<types::NuExtractError>> {
        // Its own task: a caller that gives up must not cut the refresh
        // short once the service may have spent the old token.
        let client = self.clone();
        self.inner
            .detached(async move { client.refresh_now().await })
            .await
    }

    async fn refresh_now(&self) -> Result<types::TokenResponse, Error<types::NuExtractError>> {
        let (_guard, since) = match self.inner.begin_refresh(&AUTH).await? {
            RefreshTurn::Refresh { guard, since } => (guard, since),
            RefreshTurn::Done => return self.kept(),
        };
        let token = self.inner.refresh_token().ok_or_else(|| {
            Error::InvalidRequest(
                "no refresh token is kept: log in first, or set_refresh_token".into(),
            )
        })?;
        self.exchange(TokenRequest::refresh(token), Some(since))
            .await
    }

    /// The tokens the session holds now, as a refresh would return them.
    fn kept(&self) -> Result<types::TokenResponse, Error<types::NuExtractError>> {
        let (token, expiry, refresh_token) = self.inner.session_snapshot();
        let token = token.ok_or_else(|| {
            Error::InvalidRequest("the session was logged out while this refresh waited".into())
        })?;
        let left = expiry
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
            .map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX));
        Ok(types::TokenResponse {
            expires_in: left,
            refresh_expires_in: None,
            refresh_token,
            token,
        })
    }

    /// Makes sure a `set_token` or `clear_token` (which are synchronous)
    /// has reached the session store, and reports a store failure. The
    /// memory and file stores take them at once; a Redis store gets them
    /// from a task, so call this before a process exits after a logout.
    pub async fn save_session(&self) -> Result<(), Error<types::NuExtractError>> {
        self.inner.save_session(&AUTH).await
    }

    /// Whether the session has a token: this client's, else one in the
    /// session store (another process's login), which it then uses. For a
    /// process that logs in only when no one has.
    pub async fn has_token(&self) -> Result<bool, Error<types::NuExtractError>> {
        self.inner.has_session_token(&AUTH, BEARER).await
    }

    /// Refreshes the token now if the session is on and the token is
    /// within its margin of expiry: for code that uses the token outside
    /// this client. Concurrent callers share one refresh.
    pub async fn ensure_fresh(&self) -> Result<(), Error<types::NuExtractError>> {
        self.inner.ensure_fresh(&AUTH, &self.client).await
    }

    /// Keeps the access token fresh from now on (opt-in): a call that sends
    /// it within `margin` of its expiry first calls [`Client::refresh`], and
    /// a 401 triggers one refresh and one retry. Concurrent calls share a
    /// single refresh; if it fails, they all fail with its error
    /// (`Error::Session`).
    pub fn enable_auto_refresh(&self, margin: Duration) {
        let refresher = authapi_core::refresher(
            &self.baseurl,
            Client::new_with_client,
            |c: Client| async move { c.refresh().await },
        );
        self.inner
            .enable_session(BEARER, "exchange_token", margin, refresher);
    }

    /// Turns automatic refreshing off again: from now on the token is
    /// refreshed only by an explicit [`Client::refresh`]. The token, its
    /// expiry and any refresh token are kept.
    pub fn disable_auto_refresh(&self) {
        self.inner.disable_session();
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
