//! What the command line prints and how it exits: answers as JSON (pretty
//! on a terminal), one-line errors, the exit codes, and the request body
//! of `--body <file|->`.

use std::io::{IsTerminal, Read, Write};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// The exit codes, as the README documents them.
pub mod exit {
    /// The command did what it was asked.
    pub const OK: u8 = 0;
    /// The service refused (a 4xx or 5xx answer, or an answer that is not
    /// what its spec documents).
    pub const REFUSED: u8 = 1;
    /// A usage error: unknown command or flag, a missing parameter, a body
    /// that cannot be read or is not JSON. Nothing was sent.
    pub const USAGE: u8 = 2;
    /// The network: no connection, a timeout, a TLS failure.
    pub const NETWORK: u8 = 3;
    /// No session (log in first), or the session store failed.
    pub const SESSION: u8 = 4;
}

/// A usage error found before anything was sent (exit 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// No session, or a store failure (exit 4).
#[derive(Debug)]
pub struct SessionProblem(pub String);

impl std::fmt::Display for SessionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SessionProblem {}

/// The body of `--body`: the file's text, or stdin's for `-`.
pub fn read_body(path: &std::path::Path) -> Result<String, UsageError> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| UsageError(format!("cannot read the body from stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read the body file {}: {e}", path.display())))
}

/// The body parsed as the operation's JSON type. The error names the line
/// and column, never the text (a body may hold a password).
pub fn parse_body<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, UsageError> {
    serde_json::from_str(text).map_err(|e| {
        UsageError(format!(
            "the body is not a valid JSON request for this operation (line {}, column {}: {:?} error)",
            e.line(),
            e.column(),
            e.classify()
        ))
    })
}

/// The exit code of a call's error.
pub fn code_of<E>(e: &authapi::Error<E>) -> u8 {
    use authapi::Error;
    match e {
        Error::CommunicationError(_) | Error::Deadline(_) => exit::NETWORK,
        Error::Session(s) => match s.kind() {
            authapi::SessionErrorKind::Store => exit::SESSION,
            _ if s.status().is_some() => exit::REFUSED,
            _ => exit::SESSION,
        },
        Error::InvalidRequest(m) if m.contains("needs a credential") => exit::SESSION,
        Error::InvalidRequest(_) => exit::USAGE,
        _ => exit::REFUSED,
    }
}

/// Prints answers (the generated commands' `CliConfig`) and remembers the
/// exit code of a failed call for `main`.
#[derive(Clone, Default)]
pub struct Out {
    code: Arc<AtomicU8>,
}

impl Out {
    /// The exit code a failed call recorded (0 if none did).
    pub fn code(&self) -> u8 {
        self.code.load(Ordering::Relaxed)
    }

    pub fn record<E>(&self, e: &authapi::Error<E>) {
        self.code.store(code_of(e), Ordering::Relaxed);
    }

    /// `value` as JSON on stdout: pretty on a terminal, one line in a pipe.
    pub fn json<T: serde::Serialize>(&self, value: &T) {
        let mut stdout = std::io::stdout().lock();
        let text = if stdout.is_terminal() {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        };
        if let Ok(text) = text {
            let _ = writeln!(stdout, "{text}");
        }
    }
}

/// `impl <service>::CliConfig for Out`, for each service's generated
/// commands (the registry in `generated/mod.rs` invokes it).
macro_rules! cli_config {
    ($service:ident) => {
        impl crate::generated::$service::CliConfig for crate::output::Out {
            fn success_item<T>(&self, value: &authapi_core::ResponseValue<T>)
            where
                T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
            {
                self.json(&**value);
            }

            fn success_no_item(&self, _: &authapi_core::ResponseValue<()>) {}

            fn error<T>(&self, value: &authapi_core::Error<T>)
            where
                T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
            {
                self.record(value);
            }

            fn list_start<T>(&self)
            where
                T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
            {
            }

            fn list_item<T>(&self, value: &T)
            where
                T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
            {
                self.json(value);
            }

            fn list_end_success<T>(&self)
            where
                T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
            {
            }

            fn list_end_error<T>(&self, value: &authapi_core::Error<T>)
            where
                T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
            {
                self.record(value);
            }
        }
    };
}
pub(crate) use cli_config;

/// The command name of an operation: its id in kebab case.
pub fn command_name(operation_id: &str) -> String {
    operation_id.replace('_', "-")
}
