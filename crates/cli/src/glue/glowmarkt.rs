//! Glowmarkt: username and password; the application id (a credential) from
//! `AUTHAPI_GLOWMARKT_APPLICATION_ID`; logout revokes with `delete_token`.

use authapi::{glowmarkt, Config, ConfigError};
use clap::{ArgMatches, Command};

use crate::auth::{call, password, user_and_password, Service};
use crate::output::{Out, UsageError};

pub struct Glue;

/// Where the application id comes from: never argv.
const APPLICATION_ID: &str = "AUTHAPI_GLOWMARKT_APPLICATION_ID";

impl Service for Glue {
    type Client = glowmarkt::Client;
    const NAME: &'static str = "glowmarkt";

    fn build(config: Config) -> Result<Self::Client, ConfigError> {
        let c = glowmarkt::Client::from_config(config)?;
        if let Ok(id) = std::env::var(APPLICATION_ID) {
            c.set_application_id(&id)?;
        }
        Ok(c)
    }

    fn login_args(cmd: Command) -> Command {
        user_and_password(cmd, "username")
            .after_help(format!("The application id comes from {APPLICATION_ID}."))
    }

    async fn login(c: &Self::Client, m: &ArgMatches, out: &Out) -> anyhow::Result<()> {
        if std::env::var_os(APPLICATION_ID).is_none() {
            return Err(UsageError(format!("set {APPLICATION_ID} to your application id")).into());
        }
        let user = m.get_one::<String>("username").expect("required");
        call(out, c.login(user, &password(m)?).await)?;
        Ok(())
    }

    async fn revoke(c: &Self::Client, out: &Out) -> anyhow::Result<()> {
        call(out, c.delete_token().send().await)?;
        Ok(())
    }

    crate::auth::session_methods!();
    crate::auth::refresh_methods!();
}
