//! NuExtract: the authorization code of the sign-in redirect (with
//! `--redirect-uri`), or a refresh token, from stdin; refresh tokens
//! rotate, refreshed once however many `authapi` processes run; logout
//! revokes with `logout`.

use authapi::nuextract::{self, types::TokenRequest, ClientInfo as _};
use authapi::{Config, ConfigError};
use clap::{Arg, ArgMatches, Command};

use crate::auth::{call, stdin_line, Service};
use crate::output::Out;

pub struct Glue;

impl Service for Glue {
    type Client = nuextract::Client;
    const NAME: &'static str = "nuextract";

    fn build(config: Config) -> Result<Self::Client, ConfigError> {
        nuextract::Client::from_config(config)
    }

    fn login_args(cmd: Command) -> Command {
        cmd.arg(Arg::new("redirect-uri").long("redirect-uri").help(
            "Trade the authorization code read from stdin (the sign-in redirect's `code`); \
             without it, stdin holds a refresh token",
        ))
    }

    async fn login(c: &Self::Client, m: &ArgMatches, out: &Out) -> anyhow::Result<()> {
        match m.get_one::<String>("redirect-uri") {
            Some(uri) => {
                let code = stdin_line("the authorization code")?;
                call(out, c.login(TokenRequest::code(code, uri.as_str())).await)?;
            }
            None => {
                let refresh = stdin_line("the refresh token")?;
                call(out, c.login(TokenRequest::refresh(refresh)).await)?;
            }
        }
        Ok(())
    }

    async fn revoke(c: &Self::Client, out: &Out) -> anyhow::Result<()> {
        let (token, _, refresh) = c.inner().session_snapshot();
        if let Some(t) = refresh.or(token) {
            call(out, c.logout().body(t).send().await)?;
        }
        Ok(())
    }

    crate::auth::session_methods!();
    crate::auth::refresh_methods!();
}
