//! The commands every service has, written by hand over its glue
//! (`crate::glue`): `login`, `logout`, `token` and `status`, on a session
//! kept in a file store under the platform's config folder.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authapi::store::FileStore;
use authapi::svix::ClientInfo as _;
use authapi::{Config, ConfigError};
use authapi_core::Runtime;
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::output::{Out, SessionProblem, UsageError};

/// The hand-written commands; a generated operation of the same name is
/// left out (the hand-written one calls it where it revokes).
pub const RESERVED: &[&str] = &["login", "logout", "token", "status"];

/// What every command runs with.
pub struct Context {
    pub profile: String,
    pub base_url: Option<String>,
    pub out: Out,
    /// Where sessions are kept.
    pub dir: PathBuf,
}

/// The sessions folder: `<config dir>/authapi/sessions` (on Linux
/// `$XDG_CONFIG_HOME/authapi/sessions`, else `~/.config/authapi/sessions`).
pub fn sessions_dir() -> Result<PathBuf, SessionProblem> {
    dirs::config_dir()
        .map(|d| d.join("authapi").join("sessions"))
        .ok_or_else(|| SessionProblem("no config folder for this user (is HOME set?)".into()))
}

impl Context {
    /// The client configuration of `service`: the profile's session in the
    /// file store, or, with `AUTHAPI_<SERVICE>_TOKEN` set, that token for
    /// this run only (in memory; the stored session is left alone).
    fn config(&self, service: &str, overridable: bool) -> anyhow::Result<(Config, Option<String>)> {
        let var = format!("AUTHAPI_{}_TOKEN", service.to_uppercase());
        let token = std::env::var(&var)
            .ok()
            .filter(|t| overridable && !t.is_empty());
        let mut config = Config::new().session_name(&self.profile);
        if let Some(base) = &self.base_url {
            config = config.base_url(base);
        }
        if token.is_none() {
            let store = FileStore::new(&self.dir).map_err(|e| SessionProblem(e.to_string()))?;
            config = config.session_store(store);
        }
        Ok((config, token))
    }
}

/// A `ConfigError` as the usage error it is.
pub fn usage(e: ConfigError) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

/// A call's result: its error becomes one line, and its exit code is kept.
pub fn call<T, E>(out: &Out, result: Result<T, authapi::Error<E>>) -> anyhow::Result<T>
where
    E: std::fmt::Debug,
{
    result.map_err(|e| {
        out.record(&e);
        anyhow::Error::msg(e.to_string().replace('\n', " "))
    })
}

/// One service's glue: how to build its client and log in, out and
/// refresh. Adding a service means writing one of these.
pub trait Service {
    type Client: authapi::svix::ClientInfo<Runtime> + Clone;
    const NAME: &'static str;
    fn build(config: Config) -> Result<Self::Client, ConfigError>;
    /// The arguments of `login` (never a secret: those come from stdin or
    /// a prompt).
    fn login_args(cmd: Command) -> Command {
        cmd
    }
    fn login(
        c: &Self::Client,
        m: &ArgMatches,
        out: &Out,
    ) -> impl std::future::Future<Output = anyhow::Result<()>>;
    /// Revokes the session at the service, where it can.
    fn revoke(
        _c: &Self::Client,
        _out: &Out,
    ) -> impl std::future::Future<Output = anyhow::Result<()>> {
        async { Ok(()) }
    }
    fn set_token(c: &Self::Client, token: &str) -> Result<(), ConfigError>;
    fn clear(c: &Self::Client);
    fn save(c: &Self::Client, out: &Out) -> impl std::future::Future<Output = anyhow::Result<()>>;
    fn has_token(
        c: &Self::Client,
        out: &Out,
    ) -> impl std::future::Future<Output = anyhow::Result<bool>>;
    /// Turns automatic refreshing on, where the service has it.
    fn auto_refresh(_c: &Self::Client) {}
    /// Refreshes the token if it is due, where the service can.
    fn ensure_fresh(
        _c: &Self::Client,
        _out: &Out,
    ) -> impl std::future::Future<Output = anyhow::Result<()>> {
        async { Ok(()) }
    }
    /// Anything a stored token implies (Svix: its region's host).
    fn prepare(_c: &Self::Client) {}
}

/// The methods every service's client has under the same names:
/// `set_token`, `clear_token`, `save_session`, `has_token`.
macro_rules! session_methods {
    () => {
        fn set_token(c: &Self::Client, token: &str) -> Result<(), authapi::ConfigError> {
            c.set_token(token)
        }

        fn clear(c: &Self::Client) {
            c.clear_token();
        }

        async fn save(c: &Self::Client, out: &crate::output::Out) -> anyhow::Result<()> {
            crate::auth::call(out, c.save_session().await)
        }

        async fn has_token(c: &Self::Client, out: &crate::output::Out) -> anyhow::Result<bool> {
            crate::auth::call(out, c.has_token().await)
        }
    };
}
pub(crate) use session_methods;

/// Automatic refreshing (60 s before expiry) and `ensure_fresh`, for the
/// services whose tokens expire.
macro_rules! refresh_methods {
    () => {
        fn auto_refresh(c: &Self::Client) {
            c.enable_auto_refresh(std::time::Duration::from_secs(60));
        }

        async fn ensure_fresh(c: &Self::Client, out: &crate::output::Out) -> anyhow::Result<()> {
            crate::auth::call(out, c.ensure_fresh().await)
        }
    };
}
pub(crate) use refresh_methods;

/// The client of `S` for this run, with its session loaded.
pub async fn client<S: Service>(ctx: &Context) -> anyhow::Result<S::Client> {
    client_for::<S>(ctx, true).await
}

/// [`client`]; `overridable: false` ignores `AUTHAPI_<SERVICE>_TOKEN`
/// (`login` and `logout` act on the stored session).
async fn client_for<S: Service>(ctx: &Context, overridable: bool) -> anyhow::Result<S::Client> {
    let (config, token) = ctx.config(S::NAME, overridable)?;
    let c = S::build(config).map_err(usage)?;
    if let Some(t) = token {
        S::set_token(&c, &t).map_err(usage)?;
    }
    S::auto_refresh(&c);
    if S::has_token(&c, &ctx.out).await? {
        S::prepare(&c);
    }
    Ok(c)
}

/// `login`, `logout`, `token` and `status` of `S`.
pub fn commands<S: Service>() -> Vec<Command> {
    vec![
        S::login_args(Command::new("login").about(format!(
            "Log in to {} and keep the session (secrets from stdin or a prompt, never argv)",
            S::NAME
        ))),
        Command::new("logout")
            .about("Revoke the session where the service can, and forget it here"),
        Command::new("token").about(
            "Print a valid token on stdout and nothing else, refreshing it first if it is due",
        ),
        Command::new("status")
            .about("Whether logged in, the base URL and when the token expires (never a secret)"),
    ]
}

/// The password: the first line of stdin with `--password-stdin`, else a
/// prompt that does not echo.
pub fn password(m: &ArgMatches) -> anyhow::Result<String> {
    if m.get_flag("password-stdin") {
        return stdin_line("the password");
    }
    rpassword::prompt_password("Password: ").map_err(|e| {
        UsageError(format!(
            "cannot prompt for the password ({e}); pipe it with --password-stdin"
        ))
        .into()
    })
}

/// The first line of stdin, without its line ending.
pub fn stdin_line(what: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| UsageError(format!("cannot read {what} from stdin: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        return Err(UsageError(format!("{what} is empty: give it on stdin")).into());
    }
    Ok(line)
}

/// `--username` and `--password-stdin`.
pub fn user_and_password(cmd: Command, user: &'static str) -> Command {
    cmd.arg(
        Arg::new("username")
            .long(user)
            .required(true)
            .help("Who logs in"),
    )
    .arg(
        Arg::new("password-stdin")
            .long("password-stdin")
            .action(ArgAction::SetTrue)
            .help("Read the password from the first line of stdin instead of prompting"),
    )
}

/// Runs the hand-written command `name` of `S`.
pub async fn run<S: Service>(name: &str, m: &ArgMatches, ctx: &Context) -> anyhow::Result<()> {
    let out = &ctx.out;
    // `login` and `logout` act on the stored session, whatever the
    // one-run override says.
    let c = client_for::<S>(ctx, !matches!(name, "login" | "logout")).await?;
    let not_logged_in = || {
        SessionProblem(format!(
            "not logged in to {} (profile {}): run `authapi {} login`",
            S::NAME,
            ctx.profile,
            S::NAME
        ))
    };
    match name {
        "login" => {
            S::login(&c, m, out).await?;
            S::save(&c, out).await?;
            eprintln!("logged in to {} (profile {})", S::NAME, ctx.profile);
        }
        "logout" => {
            if !S::has_token(&c, out).await? {
                return Err(not_logged_in().into());
            }
            // Forgotten here even if the service cannot be told.
            let revoked = S::revoke(&c, out).await;
            S::clear(&c);
            S::save(&c, out).await?;
            revoked?;
            eprintln!("logged out of {} (profile {})", S::NAME, ctx.profile);
        }
        "token" => {
            if !S::has_token(&c, out).await? {
                return Err(not_logged_in().into());
            }
            S::ensure_fresh(&c, out).await?;
            let (token, _, _) = c.inner().session_snapshot();
            let token = token.ok_or_else(not_logged_in)?;
            println!("{}", token.expose());
        }
        "status" => {
            let logged_in = S::has_token(&c, out).await?;
            let expiry = c.inner().expiry();
            let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).ok();
            let left = expiry.map(|t| {
                t.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO)
                    .as_secs()
            });
            out.json(&serde_json::json!({
                "service": S::NAME,
                "profile": ctx.profile,
                "logged_in": logged_in,
                "base_url": c.inner().base_url().map(|u| authapi_core::redact_userinfo(&u)),
                "expires_at_unix": expiry.and_then(secs),
                "expires_in_secs": left,
                "sessions": ctx.dir,
            }));
        }
        other => return Err(UsageError(format!("unknown command `{other}`")).into()),
    }
    Ok(())
}
