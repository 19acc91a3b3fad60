//! The README's operation table, rewritten between two markers.

use std::fmt::Write as _;

use super::spec::Op;

pub(crate) const README_BEGIN: &str = "<!-- operations:begin (cargo xtask codegen) -->";
pub(crate) const README_END: &str = "<!-- operations:end -->";

/// One row per operation. `frozen`: the whole API is deprecated upstream
/// (the spec's `info.x-upstream` is `none`).
pub(crate) fn readme_rows(service: &str, ops: &[Op], frozen: bool) -> String {
    let mut rows = String::new();
    for op in ops {
        let status = match (&op.upstream_name, frozen) {
            (_, true) => "deprecated upstream",
            (Some(_), false) => "current",
            (None, false) => "seed-only (removed upstream)",
        };
        let _ = writeln!(
            rows,
            "| {service} | `{}` | `authapi::{service}::Client::{}`{} | `{} {}` | {status} |",
            op.upstream_name.as_deref().unwrap_or(&op.docs_name),
            op.id,
            if op.deprecated { " (deprecated)" } else { "" },
            op.method.to_uppercase(),
            op.path
        );
    }
    rows
}

pub(crate) fn splice_readme(readme: &str, rows: &str) -> Option<String> {
    let start = readme.find(README_BEGIN)? + README_BEGIN.len();
    let end = readme[start..].find(README_END)? + start;
    let table = format!(
        "\n| service | operation (upstream name) | Rust method | HTTP | status |\n| --- | --- | --- | --- | --- |\n{rows}"
    );
    Some(format!("{}{}{}", &readme[..start], table, &readme[end..]))
}
