//! Svix: an API key (or portal token), read from stdin or a prompt; calls
//! go to the region the key names. Logout forgets the key here: an API key
//! is revoked in the Svix dashboard, not by a logout.

use authapi::svix::ClientInfo as _;
use authapi::{svix, Config, ConfigError};
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::auth::{stdin_line, Service};
use crate::output::{Out, UsageError};

pub struct Glue;

impl Service for Glue {
    type Client = svix::Client;
    const NAME: &'static str = "svix";

    fn build(config: Config) -> Result<Self::Client, ConfigError> {
        svix::Client::from_config(config)
    }

    fn login_args(cmd: Command) -> Command {
        cmd.arg(
            Arg::new("token-stdin")
                .long("token-stdin")
                .action(ArgAction::SetTrue)
                .help("Read the API key from the first line of stdin instead of prompting"),
        )
    }

    async fn login(c: &Self::Client, m: &ArgMatches, _out: &Out) -> anyhow::Result<()> {
        let token = if m.get_flag("token-stdin") {
            stdin_line("the API key")?
        } else {
            rpassword::prompt_password("Svix API key: ").map_err(|e| {
                UsageError(format!(
                    "cannot prompt for the key ({e}); pipe it with --token-stdin"
                ))
            })?
        };
        c.set_token(&token).map_err(crate::auth::usage)
    }

    crate::auth::session_methods!();

    fn prepare(c: &Self::Client) {
        if let (Some(token), _, _) = c.inner().session_snapshot() {
            let _ = c.inner().follow_base(svix::region_base_url(token.expose()));
        }
    }
}
