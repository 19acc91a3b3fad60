//! `cargo xtask msrv`: the declared `rust-version` must be at least the
//! `rust-version` of every normal and build dependency of the published
//! crates, with all their features, as the lockfile resolves them. Run by
//! `.ci/run`, so the minimum cannot drift silently when a dependency moves.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn version(v: &str) -> (u64, u64, u64) {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

pub fn run(root: &Path) -> Result<(), String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--all-features",
        ])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let meta: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    check(&meta).map(|report| print!("{report}"))
}

/// The report, or the list of dependencies that need a newer Rust.
pub fn check(meta: &Value) -> Result<String, String> {
    let empty = Vec::new();
    let packages = meta["packages"].as_array().unwrap_or(&empty);
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // Published members: `publish` is not `false` (an empty list).
    let published: Vec<&str> = members
        .iter()
        .copied()
        .filter(|id| {
            by_id
                .get(id)
                .is_some_and(|p| p["publish"] != serde_json::json!([]))
        })
        .collect();
    let declared = published
        .iter()
        .filter_map(|id| by_id.get(id)?["rust_version"].as_str())
        .map(version)
        .min()
        .ok_or("no published crate declares a rust-version")?;
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut queue: VecDeque<&str> = published.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().unwrap_or(&empty) {
            // Dev-dependencies never reach a user's build.
            let used = dep["dep_kinds"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if let (true, Some(pkg)) = (used, dep["pkg"].as_str()) {
                queue.push_back(pkg);
            }
        }
    }
    let mut too_new = Vec::new();
    let mut highest = ((0, 0, 0), String::new());
    for id in seen.iter().filter(|id| !members.contains(*id)) {
        let Some(p) = by_id.get(id) else { continue };
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        let name = format!(
            "{} {}",
            p["name"].as_str().unwrap_or("?"),
            p["version"].as_str().unwrap_or("?")
        );
        if version(rv) > highest.0 {
            highest = (version(rv), format!("{name} (rust-version {rv})"));
        }
        if version(rv) > declared {
            too_new.push(format!("{name} needs Rust {rv}"));
        }
    }
    let d = format!("{}.{}", declared.0, declared.1);
    if too_new.is_empty() {
        Ok(format!(
            "msrv: rust-version {d} covers all {} dependencies of the published crates; the highest need is {}\n",
            seen.len() - published.len(),
            highest.1
        ))
    } else {
        Err(format!(
            "the declared rust-version {d} is below what these dependencies need:\n  {}\nraise `rust-version` in the workspace Cargo.toml (and the README's Install section)",
            too_new.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(dep_rv: &str, kind: Value) -> Value {
        json!({
            "packages": [
                {"id": "a", "name": "a", "version": "0.1.0", "rust_version": "1.88", "publish": null},
                {"id": "b", "name": "b", "version": "1.0.0", "rust_version": dep_rv, "publish": null},
            ],
            "workspace_members": ["a"],
            "resolve": {"nodes": [
                {"id": "a", "deps": [{"pkg": "b", "dep_kinds": [{"kind": kind}]}]},
                {"id": "b", "deps": []},
            ]}
        })
    }

    #[test]
    fn a_dependency_needing_newer_rust_fails() {
        assert!(check(&meta("1.70", Value::Null)).is_ok());
        let e = check(&meta("1.90", Value::Null)).unwrap_err();
        assert!(e.contains("b 1.0.0 needs Rust 1.90"), "{e}");
        // A dev-dependency does not count.
        assert!(check(&meta("1.90", json!("dev"))).is_ok());
    }
}
