//! Project automation, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod codegen;
mod docs;
mod msrv;
mod mutants;
mod upstream;

const USAGE: &str = "usage: cargo xtask codegen [--check]\n       cargo xtask msrv\n       cargo xtask docs-check [<docs-dir> [--write]]\n       cargo xtask upstream-check [<dir> [--write]]\n       cargo xtask reconstruct <docs-page> [--compare <spec>]\n       cargo xtask bench [--instructions] [--build] [--calls N] [--rounds R]\n       cargo xtask mutants [--in-diff <base>] [--list]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    match args.as_slice() {
        ["codegen"] => report(codegen::run(&root, codegen::Mode::Write), "written"),
        ["codegen", "--check"] => report(codegen::run(&root, codegen::Mode::Check), "stale"),
        ["docs-check"] => docs_check(&root, None, false),
        ["docs-check", dir] => docs_check(&root, Some(dir), false),
        ["docs-check", dir, "--write"] => docs_check(&root, Some(dir), true),
        ["upstream-check"] => upstream_check(&root, None, false),
        ["upstream-check", dir] => upstream_check(&root, Some(dir), false),
        ["upstream-check", dir, "--write"] => upstream_check(&root, Some(dir), true),
        ["reconstruct", page, rest @ ..] => match reconstruct(&root, page, rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("reconstruct: {e}");
                ExitCode::FAILURE
            }
        },
        ["msrv"] => match msrv::run(&root) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msrv: {e}");
                ExitCode::FAILURE
            }
        },
        ["mutants", rest @ ..] => match mutants::run(&root, rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mutants: {e}");
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

/// Every spec against its docs-page snapshot; with `dir`, every snapshot
/// against its page there (or, with `write`, rewritten from it).
fn docs_check(root: &Path, dir: Option<&str>, write: bool) -> ExitCode {
    match docs::check::run(root, dir.map(Path::new), write) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Every spec against its upstream snapshot; with `dir`, every snapshot
/// against its document there (or, with `write`, rewritten from it).
fn upstream_check(root: &Path, dir: Option<&str>, write: bool) -> ExitCode {
    match upstream::run(root, dir.map(Path::new), write) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the draft of `page`; with `--compare <spec>`, how much of that
/// spec the draft already has.
fn reconstruct(root: &Path, page: &str, rest: &[&str]) -> Result<(), String> {
    let text = std::fs::read_to_string(page).map_err(|e| format!("{page}: {e}"))?;
    let title = Path::new(page)
        .file_stem()
        .map_or("API".into(), |s| s.to_string_lossy().into_owned());
    let draft = docs::reconstruct::run(&text, &title)?;
    match rest {
        [] => print!("{draft}"),
        ["--compare", rel] => {
            let path = root.join(rel);
            let spec_text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let spec: serde_json::Value =
                serde_yaml_ng::from_str(&spec_text).map_err(|e| e.to_string())?;
            let draft: serde_json::Value =
                serde_yaml_ng::from_str(&draft).map_err(|e| e.to_string())?;
            let [o, p, s] = docs::reconstruct::coverage(&draft, &spec);
            println!(
                "{rel}: the draft has {}/{} operations, {}/{} parameters, {}/{} statuses",
                o.0, o.1, p.0, p.1, s.0, s.1
            );
        }
        _ => return Err("usage: cargo xtask reconstruct <docs-page> [--compare <spec>]".into()),
    }
    Ok(())
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

/// The checkout the xtask was run in, found at run time, never baked in at
/// compile time: cargo reuses a compiled xtask across clones that share a
/// target directory, and a generator must never write outside the tree it
/// was run in. `cargo run` and `cargo test` set `CARGO_MANIFEST_DIR` to this
/// checkout's `xtask/`; without it, the nearest ancestor of the current
/// directory that holds the workspace's `Cargo.toml` and `specs/`.
pub fn workspace_root() -> PathBuf {
    find_root(
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        std::env::current_dir().ok(),
    )
    .unwrap_or_else(|| {
        eprintln!("cannot find the authapi workspace: run `cargo xtask` inside a checkout");
        std::process::exit(2)
    })
}

fn is_root(dir: &Path) -> bool {
    dir.join("specs").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
}

fn find_root(manifest_dir: Option<PathBuf>, cwd: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(root) = manifest_dir.as_deref().and_then(Path::parent) {
        if is_root(root) {
            return Some(root.to_path_buf());
        }
    }
    cwd?.ancestors().find(|d| is_root(d)).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests;
