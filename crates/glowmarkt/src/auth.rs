//! Credentials for Glowmarkt: the application id and the JWT from login.

use std::time::Duration;

use authapi_core::RefreshTurn;

use crate::{generated::AUTH, types, Client, Config, ConfigError, Error};

const APPLICATION_ID: &str = "applicationId";
const TOKEN: &str = "token";

impl Client {
    /// A client for the default host, with the default timeouts and
    /// retries. Set the application id next; then log in (or
    /// [`Client::set_token`]) before the calls that need a token.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the `applicationId` header sent with every call.
    pub fn set_application_id(&self, application_id: &str) -> Result<(), ConfigError> {
        self.inner
            .set_credential(&AUTH, APPLICATION_ID, application_id)
    }

    /// Sets the token sent in the `token` header by this client and its
    /// clones (all operations but login), and writes it to the session
    /// store.
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_session_token(&AUTH, TOKEN, token)
    }

    /// Forgets the token (after revoking it, say), here and in the session
    /// store: every process sharing the session stops using it at its next
    /// store read.
    pub fn clear_token(&self) {
        self.inner.clear_session(&AUTH, TOKEN);
    }

    /// Logs in with `username_login` and, when the service accepts the
    /// credentials (`valid: true` and a token), keeps the token and its
    /// expiry for later calls. A 200 with `valid: false` is a refusal: it
    /// comes back as `Error::ErrorResponse` with status 200, a
    /// [`types::GlowmarktError`] saying `valid: false`, and the attempt
    /// count, and nothing is kept.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<types::LoginResponse, Error<types::GlowmarktError>> {
        let answer = self
            .username_login()
            .body_map(|b| b.username(username).password(password))
            .send()
            .await?;
        if answer.valid == Some(false) {
            return Err(authapi_core::refusal(&answer, refused()));
        }
        let session = answer.into_inner();
        self.keep(session.valid, session.token.as_ref(), session.exp, None)
            .await?;
        Ok(session)
    }

    /// Calls `new_token` with the current token and keeps the new one. A
    /// 200 with `valid: false` is a refusal (`Error::ErrorResponse`, status
    /// 200), and nothing is kept. One refresh at a time per session, across
    /// every process sharing its store; a call that waited while another
    /// refreshed sends nothing and returns the token that refresh kept.
    pub async fn refresh(&self) -> Result<types::NewTokenResponse, Error<types::GlowmarktError>> {
        // Its own task: a caller that gives up must not cut the refresh
        // short once the service may have spent the old token.
        let client = self.clone();
        self.inner
            .detached(async move { client.refresh_now().await })
            .await
    }

    async fn refresh_now(&self) -> Result<types::NewTokenResponse, Error<types::GlowmarktError>> {
        let (_guard, since) = match self.inner.begin_refresh(&AUTH).await? {
            RefreshTurn::Refresh { guard, since } => (guard, since),
            RefreshTurn::Done => {
                let (token, expiry, _) = self.inner.session_snapshot();
                let exp = expiry
                    .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
                    .and_then(|d| i64::try_from(d.as_secs()).ok());
                return Ok(types::NewTokenResponse {
                    exp,
                    valid: Some(token.is_some()),
                    token,
                });
            }
        };
        let renewed = self.new_token().send().await?;
        if renewed.valid == Some(false) {
            return Err(authapi_core::refusal(&renewed, refused()));
        }
        self.keep(
            renewed.valid,
            renewed.token.as_ref(),
            renewed.exp,
            Some(since),
        )
        .await?;
        Ok(renewed.into_inner())
    }

    /// Makes sure a `set_token` or `clear_token` (which are synchronous)
    /// has reached the session store, and reports a store failure. The
    /// memory and file stores take them at once; a Redis store gets them
    /// from a task, so call this before a process exits after a logout.
    pub async fn save_session(&self) -> Result<(), Error<types::GlowmarktError>> {
        self.inner.save_session(&AUTH).await
    }

    /// Whether the session has a token: this client's, else one in the
    /// session store (another process's login), which it then uses. For a
    /// process that logs in only when no one has.
    pub async fn has_token(&self) -> Result<bool, Error<types::GlowmarktError>> {
        self.inner.has_session_token(&AUTH, TOKEN).await
    }

    /// Refreshes the token now if the session is on and the token is
    /// within its margin of expiry: for code that uses the token outside
    /// this client. Concurrent callers share one refresh.
    pub async fn ensure_fresh(&self) -> Result<(), Error<types::GlowmarktError>> {
        self.inner.ensure_fresh(&AUTH, &self.client).await
    }

    /// Keeps the token fresh from now on (opt-in): a call that sends it
    /// within `margin` of its `exp` first calls [`Client::refresh`], and a
    /// 401 triggers one refresh and one retry. Concurrent calls share a
    /// single refresh; if it fails, they all fail with its error
    /// (`Error::Session`).
    pub fn enable_auto_refresh(&self, margin: Duration) {
        let refresher = authapi_core::refresher(
            &self.baseurl,
            Client::new_with_client,
            |c: Client| async move { c.refresh().await },
        );
        self.inner
            .enable_session(TOKEN, "new_token", margin, refresher);
    }

    /// Turns automatic refreshing off again: from now on the token is
    /// refreshed only by an explicit [`Client::refresh`]. The token, its
    /// expiry and any refresh token are kept.
    pub fn disable_auto_refresh(&self) {
        self.inner.disable_session();
    }

    /// A token counts only when the service did not say `valid: false`.
    async fn keep(
        &self,
        valid: Option<bool>,
        token: Option<&authapi_core::Secret>,
        exp: Option<i64>,
        since: Option<u64>,
    ) -> Result<(), Error<types::GlowmarktError>> {
        let token = token.filter(|_| valid != Some(false));
        let expiry = exp.and_then(authapi_core::unix_time);
        self.inner
            .keep_session(&AUTH, TOKEN, token, expiry, None, since)
            .await
    }
}

/// The error body of a 200 that says `valid: false`.
fn refused() -> types::GlowmarktError {
    types::GlowmarktError {
        error: None,
        missing_elements: Vec::new(),
        valid: Some(false),
    }
}
