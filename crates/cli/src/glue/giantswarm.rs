//! Giant Swarm: e-mail and password against an installation's API (give
//! it with `--base-url`); logout revokes with `delete_auth_token`.

use authapi::{giantswarm, Config, ConfigError};
use clap::{ArgMatches, Command};

use crate::auth::{call, password, user_and_password, Service};
use crate::output::Out;

pub struct Glue;

impl Service for Glue {
    type Client = giantswarm::Client;
    const NAME: &'static str = "giantswarm";

    fn build(config: Config) -> Result<Self::Client, ConfigError> {
        giantswarm::Client::from_config(config)
    }

    fn login_args(cmd: Command) -> Command {
        user_and_password(cmd, "email")
    }

    async fn login(c: &Self::Client, m: &ArgMatches, out: &Out) -> anyhow::Result<()> {
        let email = m.get_one::<String>("username").expect("required");
        call(out, c.login(email, &password(m)?).await)?;
        Ok(())
    }

    async fn revoke(c: &Self::Client, out: &Out) -> anyhow::Result<()> {
        call(out, c.delete_auth_token().send().await)?;
        Ok(())
    }

    crate::auth::session_methods!();
}
