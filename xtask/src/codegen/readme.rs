//! The README's operation table, rewritten between two markers.

use std::fmt::Write as _;

use super::spec::Op;

pub(crate) const README_BEGIN: &str = "<!-- operations:begin (cargo xtask codegen) -->";
pub(crate) const README_END: &str = "<!-- operations:end -->";

pub(crate) fn readme_rows(service: &str, ops: &[Op]) -> String {
    let mut rows = String::new();
    for op in ops {
        let _ = writeln!(
            rows,
            "| {service} | `{}` | `authapi::{service}::Client::{}`{} | `{} {}` |",
            op.docs_name,
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
        "\n| service | operation in the docs | Rust method | HTTP |\n| --- | --- | --- | --- |\n{rows}"
    );
    Some(format!("{}{}{}", &readme[..start], table, &readme[end..]))
}
