//! Kleister: username and password; the token refreshes with
//! `refresh_auth`; the service has no revocation, so logout forgets it.

use authapi::{kleister, Config, ConfigError};
use clap::{ArgMatches, Command};

use crate::auth::{call, password, user_and_password, Service};
use crate::output::Out;

pub struct Glue;

impl Service for Glue {
    type Client = kleister::Client;
    const NAME: &'static str = "kleister";

    fn build(config: Config) -> Result<Self::Client, ConfigError> {
        kleister::Client::from_config(config)
    }

    fn login_args(cmd: Command) -> Command {
        user_and_password(cmd, "username")
    }

    async fn login(c: &Self::Client, m: &ArgMatches, out: &Out) -> anyhow::Result<()> {
        let user = m.get_one::<String>("username").expect("required");
        call(out, c.login(user, &password(m)?).await)?;
        Ok(())
    }

    crate::auth::session_methods!();
    crate::auth::refresh_methods!();
}
