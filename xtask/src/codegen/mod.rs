//! `cargo xtask codegen`: every `specs/<service>.yaml` becomes
//! `crates/<service>/src/generated.rs` (client, types, auth glue),
//! `crates/<service>/src/mock.rs` (typed httpmock helpers) and
//! `crates/cli/src/generated/<service>.rs` (the command line's commands,
//! [`cli`]), and the README's operation table is rewritten from the specs.
//!
//! The stages, one module each, the data flowing one way:
//!
//! 1. [`spec`]: read and check a spec (errors name file and operation) ->
//!    the operations as the spec states them;
//! 2. [`generate`]: progenitor turns the spec into tokens (panics caught
//!    and traced to the operation that caused them);
//! 3. [`passes`]: syn passes rewrite the tokens, one file per pass, and
//!    [`auth`] adds the glue progenitor leaves out;
//! 4. [`readme`]: the operation table of README.md;
//! 5. [`output`]: write the files, or check them.
//!
//! Everything is generated in memory first; files are written only when every
//! spec succeeded, so a bad spec never leaves half-written output behind.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

pub mod auth;
pub mod cli;
pub mod generate;
pub mod output;
pub mod passes;
pub mod readme;
pub mod spec;

use serde_json::Value;

use readme::{readme_rows, splice_readme, README_BEGIN, README_END};
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Write,
    Check,
}

/// One file the generator owns: where it goes and what it must contain.
#[derive(Debug)]
pub struct Output {
    pub path: PathBuf,
    pub contents: String,
}

/// A spec that cannot be generated: which file, which operation, why.
#[derive(Debug)]
pub struct SpecError {
    pub spec: String,
    pub operation: Option<String>,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "{}: operation {}: {}", self.spec, op, self.message),
            None => write!(f, "{}: {}", self.spec, self.message),
        }
    }
}

/// Runs codegen over the workspace at `root`. In `Check` mode nothing is
/// written; the result lists stale files and carries a printable report.
pub fn run(root: &Path, mode: Mode) -> Result<Vec<PathBuf>, String> {
    let outputs = generate_all(root).map_err(|errors| {
        let mut report = String::new();
        for e in &errors {
            let _ = writeln!(report, "error: {e}");
        }
        let _ = write!(
            report,
            "codegen failed for {} spec problem(s); no file was changed",
            errors.len()
        );
        report
    })?;

    output::apply(root, &outputs, mode)
}

/// Generates every output in memory; collects the errors of all specs.
pub fn generate_all(root: &Path) -> Result<Vec<Output>, Vec<SpecError>> {
    let specs_dir = root.join("specs");
    let mut specs: Vec<PathBuf> = match fs::read_dir(&specs_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(e) => {
            return Err(vec![SpecError {
                spec: "specs/".into(),
                operation: None,
                message: format!("cannot read the specs directory: {e}"),
            }])
        }
    };
    specs.sort();

    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    let mut tables = Vec::new();
    for spec_path in &specs {
        let service = spec_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let rel = format!("specs/{service}.yaml");
        match generate_service(root, &rel, &service) {
            Ok((files, table)) => {
                outputs.extend(files);
                tables.push(table);
            }
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let services: Vec<String> = specs
        .iter()
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(String::from))
        .collect();
    outputs.push(Output {
        path: root.join("crates/cli/src/generated/mod.rs"),
        contents: cli::registry(&services),
    });

    let readme_path = root.join("README.md");
    let readme = fs::read_to_string(&readme_path).unwrap_or_default();
    match splice_readme(&readme, &tables.concat()) {
        Some(contents) => outputs.push(Output {
            path: readme_path,
            contents,
        }),
        None => {
            return Err(vec![SpecError {
                spec: "README.md".into(),
                operation: None,
                message: format!("the markers `{README_BEGIN}` and `{README_END}` are missing"),
            }])
        }
    }
    Ok(outputs)
}

pub(crate) fn spec_error(
    spec: &str,
    operation: Option<String>,
    message: impl Into<String>,
) -> SpecError {
    SpecError {
        spec: spec.to_string(),
        operation,
        message: message.into(),
    }
}

/// Everything generated from one spec, plus its README table rows.
fn generate_service(
    root: &Path,
    rel: &str,
    service: &str,
) -> Result<(Vec<Output>, String), Vec<SpecError>> {
    let text = fs::read_to_string(root.join(rel))
        .map_err(|e| vec![spec_error(rel, None, format!("cannot read: {e}"))])?;
    let value: Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| vec![spec_error(rel, None, format!("invalid YAML: {e}"))])?;
    let ops = spec::validate(rel, &value)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(value.clone()).map_err(|e| {
        vec![spec_error(
            rel,
            None,
            format!("not a valid OpenAPI 3.0 document: {e}"),
        )]
    })?;

    let (client, mock) = match generate::catch(|| generate::generate_tokens(&spec)) {
        Ok(Ok(pair)) => pair,
        Ok(Err(message)) | Err(message) => {
            return Err(vec![generate::localize(rel, &spec, &ops, message)])
        }
    };

    let (client, client_file) =
        passes::client(rel, &value, &ops, client).map_err(|m| vec![spec_error(rel, None, m)])?;
    let descriptions = spec::descriptions(&value);
    let mock = passes::mock(rel, &ops, mock, &descriptions, &client_file)
        .map_err(|m| vec![spec_error(rel, None, m)])?;
    let commands =
        cli::commands(rel, service, &spec).map_err(|m| vec![spec_error(rel, None, m)])?;
    let dir = root.join("crates").join(service).join("src");
    Ok((
        vec![
            Output {
                path: dir.join("generated.rs"),
                contents: client,
            },
            Output {
                path: dir.join("mock.rs"),
                contents: mock,
            },
            Output {
                path: root
                    .join("crates/cli/src/generated")
                    .join(format!("{service}.rs")),
                contents: commands,
            },
        ],
        readme_rows(
            service,
            &ops,
            value.pointer("/info/x-upstream").and_then(Value::as_str) == Some("none"),
        ),
    ))
}
