//! `authapi`: the command line of the authapi clients. Log in once, then
//! print a valid token anywhere, and call every auth operation of
//! Glowmarkt, Kleister, Svix, Giant Swarm and NuExtract.
//!
//! - `auth`: `login`, `logout`, `token`, `status`, written by hand over
//!   each service's glue (`glue`), on sessions in a file store;
//! - `generated`: every operation as a command, generated from the specs
//!   by `cargo xtask codegen` (progenitor's CLI generator plus passes);
//! - `output`: JSON answers, one-line errors, exit codes.
#![forbid(unsafe_code)]

mod auth;
#[rustfmt::skip]
mod generated;
mod glue;
mod output;

use std::process::ExitCode;

use clap::{Arg, ArgAction, Command};
use output::{exit, SessionProblem, UsageError};

fn cli() -> Command {
    let mut root = Command::new("authapi")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Log in once to Glowmarkt, Kleister, Svix, Giant Swarm or NuExtract; print a fresh token anywhere; call every auth operation")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("profile")
                .long("profile")
                .global(true)
                .default_value("default")
                .help("The session to use: one per account (sessions are kept per service, profile and base URL)"),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .global(true)
                .help("The API's base URL, instead of the service's default"),
        )
        .arg(
            Arg::new("verbose")
                .long("verbose")
                .short('v')
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Trace each call on stderr (method, path, status, timing; never a secret)"),
        )
        .after_help(
            "Exit codes: 0 success; 1 the service refused (4xx/5xx); 2 usage; 3 network or timeout; \
             4 no session or a session-store problem.\n\
             AUTHAPI_<SERVICE>_TOKEN overrides the stored token for one run.",
        );
    for &service in generated::SERVICES {
        let mut cmd = Command::new(service)
            .about(format!(
                "{service}: log in, print tokens, and call its operations"
            ))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for sub in generated::auth_commands(service) {
            cmd = cmd.subcommand(sub);
        }
        for sub in generated::operations(service) {
            cmd = cmd.subcommand(sub);
        }
        root = root.subcommand(cmd);
    }
    root.subcommand(
        Command::new("completions")
            .about("Print a shell completion script")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

fn main() -> ExitCode {
    let matches = match cli().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    if matches.get_flag("verbose") {
        // authapi's spans and events never hold a secret; reqwest's and
        // hyper's would not either (authapi turns their verbose mode off),
        // but they are noise: authapi's own only.
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        let only_authapi = tracing_subscriber::filter::Targets::new().with_target(
            "authapi_core",
            tracing_subscriber::filter::LevelFilter::DEBUG,
        );
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    // One line per call when it ends: its span's fields
                    // (operation, method, path template, status, timing).
                    .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                    .compact(),
            )
            .with(only_authapi)
            .init();
    }
    let (service, sub) = matches.subcommand().expect("a subcommand is required");
    if service == "completions" {
        let shell = *sub
            .get_one::<clap_complete::Shell>("shell")
            .expect("required");
        clap_complete::generate(shell, &mut cli(), "authapi", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let (name, op_matches) = sub.subcommand().expect("a subcommand is required");
    let dir = match auth::sessions_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("authapi: {e}");
            return ExitCode::from(exit::SESSION);
        }
    };
    let ctx = auth::Context {
        profile: matches
            .get_one::<String>("profile")
            .cloned()
            .unwrap_or_default(),
        base_url: matches.get_one::<String>("base-url").cloned(),
        out: output::Out::default(),
        dir,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("authapi: cannot start: {e}");
            return ExitCode::from(exit::NETWORK);
        }
    };
    let result = runtime.block_on(async {
        if auth::RESERVED.contains(&name) {
            generated::run_auth(service, name, op_matches, &ctx).await
        } else {
            generated::execute(service, name, op_matches, &ctx).await
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.chain().any(|c| c.is::<UsageError>()) {
                exit::USAGE
            } else if e.chain().any(|c| c.is::<SessionProblem>()) {
                exit::SESSION
            } else {
                match ctx.out.code() {
                    exit::OK => exit::REFUSED,
                    code => code,
                }
            };
            // One line: the service's own message and its status, or why
            // nothing was sent. Never a secret (authapi's errors hold none).
            let text = format!("{e:#}").replace('\n', " ");
            eprintln!("authapi {service} {name}: {text}");
            ExitCode::from(code)
        }
    }
}
