//! Writes the generated files, or checks them against what is on disk and
//! reports each stale one with a bounded diff and the command to run.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use super::{Mode, Output};

const MAX_DIFF_LINES: usize = 60;

/// Writes (`Mode::Write`) or checks (`Mode::Check`) every output; returns
/// the files that changed or are stale.
pub fn apply(root: &Path, outputs: &[Output], mode: Mode) -> Result<Vec<PathBuf>, String> {
    let mut stale = Vec::new();
    let mut report = String::new();
    for out in outputs {
        let current = fs::read_to_string(&out.path).unwrap_or_default();
        if current == out.contents {
            continue;
        }
        let rel = out
            .path
            .strip_prefix(root)
            .unwrap_or(&out.path)
            .to_path_buf();
        match mode {
            Mode::Write => {
                if let Some(dir) = out.path.parent() {
                    fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                fs::write(&out.path, &out.contents)
                    .map_err(|e| format!("cannot write {}: {e}", rel.display()))?;
            }
            Mode::Check => {
                let diff = similar::TextDiff::from_lines(&current, &out.contents);
                let text = diff
                    .unified_diff()
                    .context_radius(2)
                    .header(
                        &format!("a/{}", rel.display()),
                        &format!("b/{}", rel.display()),
                    )
                    .to_string();
                let _ = writeln!(report, "stale: {}", rel.display());
                // A long diff would bury the verdict; the command below
                // regenerates everything anyway.
                let diff_lines: Vec<&str> = text.lines().collect();
                for line in diff_lines.iter().take(MAX_DIFF_LINES) {
                    let _ = writeln!(report, "{line}");
                }
                if diff_lines.len() > MAX_DIFF_LINES {
                    let more = diff_lines.len() - MAX_DIFF_LINES;
                    let _ = writeln!(report, "... ({more} more diff lines)");
                }
            }
        }
        stale.push(rel);
    }
    if mode == Mode::Check && !stale.is_empty() {
        let _ = write!(
            report,
            "{} generated file(s) differ from the specs: run `cargo xtask codegen` and commit the result",
            stale.len()
        );
        return Err(report);
    }
    Ok(stale)
}
