//! Credentials for Kleister: the session token, sent as `X-API-Key` on refresh.

use std::time::{Duration, SystemTime};

use authapi_core::RefreshTurn;

use crate::{generated::AUTH, types, Client, Config, ConfigError, Error};

const TOKEN: &str = "HeaderAuth";

impl Client {
    /// A client for the default base URL with the default timeouts.
    pub fn new_default() -> Result<Self, ConfigError> {
        Self::from_config(Config::new())
    }

    /// Sets the token [`Client::refresh`] sends (in `X-API-Key`), in this
    /// client and in its session store.
    pub fn set_token(&self, token: &str) -> Result<(), ConfigError> {
        self.inner.set_session_token(&AUTH, TOKEN, token)
    }

    /// Forgets the token, here and in the session store: every process
    /// sharing the session stops using it at its next store read.
    pub fn clear_token(&self) {
        self.inner.clear_session(&AUTH, TOKEN);
    }

    /// Logs in with `login_user` and keeps the token, and its expiry, for
    /// `refresh`.
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
        self.keep(&token, None).await?;
        Ok(token)
    }

    /// Calls `refresh_auth` with the stored token and keeps the new one.
    /// One refresh at a time per session, across every process sharing
    /// its store; a call that waited while another refreshed sends nothing
    /// and returns the token that refresh kept.
    pub async fn refresh(&self) -> Result<types::AuthToken, Error<types::GeneralError>> {
        // Its own task: a caller that gives up must not cut the refresh
        // short once the service may have spent the old token.
        let client = self.clone();
        self.inner
            .detached(async move { client.refresh_now().await })
            .await
    }

    async fn refresh_now(&self) -> Result<types::AuthToken, Error<types::GeneralError>> {
        let (_guard, since) = match self.inner.begin_refresh(&AUTH).await? {
            RefreshTurn::Refresh { guard, since } => (guard, since),
            RefreshTurn::Done => {
                let (token, expiry, _) = self.inner.session_snapshot();
                let token = token.ok_or_else(|| {
                    Error::InvalidRequest(
                        "the session was logged out while this refresh waited".into(),
                    )
                })?;
                let expires_at = expiry.map(chrono::DateTime::<chrono::Utc>::from);
                return Ok(types::AuthToken { expires_at, token });
            }
        };
        let token = self.refresh_auth().send().await?.into_inner();
        self.keep(&token, Some(since)).await?;
        Ok(token)
    }

    /// Makes sure a `set_token` or `clear_token` (which are synchronous)
    /// has reached the session store, and reports a store failure. The
    /// memory and file stores take them at once; a Redis store gets them
    /// from a task, so call this before a process exits after a logout.
    pub async fn save_session(&self) -> Result<(), Error<types::GeneralError>> {
        self.inner.save_session(&AUTH).await
    }

    /// Whether the session has a token: this client's, else one in the
    /// session store (another process's login), which it then uses. For a
    /// process that logs in only when no one has.
    pub async fn has_token(&self) -> Result<bool, Error<types::GeneralError>> {
        self.inner.has_session_token(&AUTH, TOKEN).await
    }

    /// Refreshes the token now if the session is on and the token is
    /// within its margin of expiry: for code that uses the token outside
    /// this client. Concurrent callers share one refresh.
    pub async fn ensure_fresh(&self) -> Result<(), Error<types::GeneralError>> {
        self.inner.ensure_fresh(&AUTH, &self.client).await
    }

    /// Keeps the token fresh from now on (opt-in): a call that sends it
    /// within `margin` of its `expires_at` first calls [`Client::refresh`],
    /// and a 401 triggers one refresh and one retry. Concurrent calls share
    /// a single refresh; if it fails, they all fail with its error
    /// (`Error::Session`).
    pub fn enable_auto_refresh(&self, margin: Duration) {
        let refresher = authapi_core::refresher(
            &self.baseurl,
            Client::new_with_client,
            |c: Client| async move { c.refresh().await },
        );
        self.inner
            .enable_session(TOKEN, "refresh_auth", margin, refresher);
    }

    /// Turns automatic refreshing off again: from now on the token is
    /// refreshed only by an explicit [`Client::refresh`]. The token, its
    /// expiry and any refresh token are kept.
    pub fn disable_auto_refresh(&self) {
        self.inner.disable_session();
    }

    async fn keep(
        &self,
        token: &types::AuthToken,
        since: Option<u64>,
    ) -> Result<(), Error<types::GeneralError>> {
        let expiry = token.expiry();
        self.inner
            .keep_session(&AUTH, TOKEN, Some(&token.token), expiry, None, since)
            .await
    }
}

impl types::AuthToken {
    /// When the token expires: `expires_at` where the server sent it (older
    /// servers), else the JWT's `exp` claim (today's servers send only the
    /// token). `None` when neither is usable. The claim is read, never
    /// verified: it decides when the session refreshes, nothing else.
    ///
    /// ```
    /// # use authapi_kleister::types::AuthToken;
    /// // {"exp":1700000000}
    /// let token: AuthToken = serde_json::from_str(
    ///     r#"{"token": "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln"}"#,
    /// ).unwrap();
    /// let at = token.expiry().unwrap();
    /// assert_eq!(at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_700_000_000);
    /// ```
    pub fn expiry(&self) -> Option<SystemTime> {
        match self.expires_at {
            Some(at) => authapi_core::unix_time(at.timestamp()),
            None => authapi_core::jwt_expiry(self.token.expose()),
        }
    }
}
