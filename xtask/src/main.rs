//! Project automation, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod codegen;
mod docs_pass;
mod msrv;
mod passes;

const USAGE: &str = "usage: cargo xtask codegen [--check]\n       cargo xtask msrv\n       cargo xtask bench [--instructions] [--build] [--calls N] [--rounds R]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    match args.as_slice() {
        ["codegen"] => report(codegen::run(&root, codegen::Mode::Write), "written"),
        ["codegen", "--check"] => report(codegen::run(&root, codegen::Mode::Check), "stale"),
        ["msrv"] => match msrv::run(&root) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msrv: {e}");
                ExitCode::FAILURE
            }
        },
        ["bench", rest @ ..] => match bench::run(&root, rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn report(result: Result<Vec<PathBuf>, String>, verb: &str) -> ExitCode {
    match result {
        Ok(changed) if changed.is_empty() => {
            println!("codegen: every generated file is up to date");
            ExitCode::SUCCESS
        }
        Ok(changed) => {
            for path in changed {
                println!("{verb}: {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report}");
            ExitCode::FAILURE
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

#[cfg(test)]
mod tests;
