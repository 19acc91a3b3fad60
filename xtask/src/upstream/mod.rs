//! `cargo xtask upstream-check [<dir> [--write]]`: every spec against the
//! newest published description of its API.
//!
//! A spec names that description in `info.x-upstream` (its public URL at a
//! commit). Its facts per operation (method, path, parameters, required
//! body fields, statuses, security) are checked in as
//! `specs/upstream/<service>.json`, so the check needs nothing beside the
//! repository: every difference between a spec and its snapshot must be
//! declared in the spec's `x-upstream` with a reason (see [`check`]).
//!
//! With `<dir>`, the snapshots are also re-derived from the documents in
//! that folder, and any place where one no longer says what its document
//! says fails (see [`sources`]); `--write` rewrites them instead, which is
//! how a snapshot is made the first time.
//!
//! A spec whose API has no maintained description says
//! `info.x-upstream: none` and why in a top-level `x-upstream-none`; it is
//! reported as frozen.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

pub mod check;
pub mod facts;
pub mod snapshot;
pub mod sources;

use snapshot::Snapshot;

/// The first sentence of a reason, for the one-line report.
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    match text.find(". ") {
        Some(i) => &text[..=i],
        None => text,
    }
}

/// One spec, with a snapshot: `Ok(report line)` or its errors.
fn follow(
    root: &Path,
    rel: &str,
    service: &str,
    doc: &Value,
    url: &str,
    docs: Option<(&Path, &[sources::Document])>,
    write: bool,
) -> Result<String, Vec<String>> {
    let snap_rel = format!("specs/upstream/{service}.json");
    let snap_path = root.join(&snap_rel);
    let existing = match std::fs::read_to_string(&snap_path) {
        Ok(text) => Some(Snapshot::parse(&text).map_err(|e| vec![format!("{snap_rel}: {e}")])?),
        Err(_) => None,
    };
    let mut note = String::new();
    let snapshot = match docs {
        None => existing,
        Some((dir, docs)) => {
            // The operations to look for: the snapshot's, or before there
            // is one, the spec's upstream names.
            let (format, names): (_, BTreeSet<String>) = match &existing {
                Some(s) => (Some(s.format), s.operations.keys().cloned().collect()),
                None => (
                    None,
                    facts::from_spec(doc)
                        .map_err(|e| vec![format!("{rel}: {e}")])?
                        .into_iter()
                        .filter_map(|o| o.upstream)
                        .collect(),
                ),
            };
            let Some(found) = sources::pick(docs, format, &names) else {
                return Err(vec![format!(
                    "{snap_rel}: no {}document in {} describes the operations of {service}",
                    format.map_or(String::new(), |f| format!("{} ", f.as_str())),
                    dir.display()
                )]);
            };
            let label = found.path.display().to_string();
            let facts = found.facts().map_err(|e| vec![e])?;
            if write {
                let fresh = Snapshot {
                    source: url.to_string(),
                    format: found.format,
                    operations: facts,
                };
                let text = fresh.to_json();
                if std::fs::read_to_string(&snap_path).ok().as_deref() == Some(text.as_str()) {
                    note = format!("; {snap_rel} unchanged from {label}");
                } else {
                    std::fs::create_dir_all(root.join("specs/upstream"))
                        .and_then(|()| std::fs::write(&snap_path, text))
                        .map_err(|e| vec![format!("{snap_rel}: {e}")])?;
                    note = format!("; {snap_rel} written from {label}");
                }
                Some(fresh)
            } else {
                let Some(s) = existing else {
                    return Err(vec![format!(
                        "{snap_rel}: missing: make it with `cargo xtask upstream-check {} --write`",
                        dir.display()
                    )]);
                };
                let errors = sources::drift(&snap_rel, &s, &label, &facts);
                if !errors.is_empty() {
                    return Err(errors);
                }
                note = format!("; the snapshot matches {label}");
                Some(s)
            }
        }
    };
    let Some(snapshot) = snapshot else {
        return Err(vec![format!(
            "{rel}: no snapshot {snap_rel} of {url}: make it with `cargo xtask upstream-check <dir> --write`"
        )]);
    };
    if snapshot.source != url {
        return Err(vec![format!(
            "{rel}: info.x-upstream is {url}, but {snap_rel} was taken from {} (rewrite it with `cargo xtask upstream-check <dir> --write`)",
            snapshot.source
        )]);
    }
    let n = check::check(rel, doc, &snapshot)?;
    Ok(format!(
        "{rel}: matches {snap_rel} ({}, {} operations), {n} declared upstream difference(s){note}",
        snapshot.format.as_str(),
        snapshot.operations.len()
    ))
}

/// One spec: its report line, or its errors.
fn one(
    root: &Path,
    service: &str,
    doc: &Value,
    docs: Option<(&Path, &[sources::Document])>,
    write: bool,
) -> Result<String, Vec<String>> {
    let rel = format!("specs/{service}.yaml");
    let snap_rel = format!("specs/upstream/{service}.json");
    let reason = doc
        .get("x-upstream-none")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match doc.pointer("/info/x-upstream").and_then(Value::as_str) {
        Some("none") => match reason {
            None => Err(vec![format!(
                "{rel}: info.x-upstream is `none`, but no `x-upstream-none` says why"
            )]),
            Some(_) if root.join(&snap_rel).exists() => Err(vec![format!(
                "{rel}: info.x-upstream is `none`, but {snap_rel} exists (remove one)"
            )]),
            Some(_) if doc.get("x-upstream").is_some() => Err(vec![format!(
                "{rel}: info.x-upstream is `none`, but the spec declares x-upstream differences"
            )]),
            Some(r) => Ok(format!(
                "{rel}: frozen, no upstream to follow: {}",
                first_sentence(r)
            )),
        },
        Some(url) if url.starts_with("https://") => {
            follow(root, &rel, service, doc, url, docs, write)
        }
        _ => Err(vec![format!(
            "{rel}: info.x-upstream names no public upstream description (an https URL at a commit), and no `info.x-upstream: none` with an `x-upstream-none` reason says why there is none"
        )]),
    }
}

/// `cargo xtask upstream-check [<dir> [--write]]` over every spec of the
/// workspace at `root`.
pub fn run(root: &Path, dir: Option<&Path>, write: bool) -> Result<String, String> {
    let collected = match dir {
        Some(d) => Some((d, sources::collect(d)?)),
        None => None,
    };
    let docs = collected.as_ref().map(|(d, docs)| (*d, docs.as_slice()));
    let mut specs: Vec<_> = std::fs::read_dir(root.join("specs"))
        .map_err(|e| format!("specs/: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    let mut report = String::new();
    let mut errors = Vec::new();
    let mut services = BTreeSet::new();
    for path in specs {
        let service = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let rel = format!("specs/{service}.yaml");
        services.insert(service.clone());
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
        let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| format!("{rel}: {e}"))?;
        match one(root, &service, &doc, docs, write) {
            Ok(line) => {
                report.push_str(&line);
                report.push('\n');
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    // A snapshot without its spec.
    if let Ok(entries) = std::fs::read_dir(root.join("specs/upstream")) {
        let mut orphans: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.strip_suffix(".json")
                    .is_none_or(|s| !services.contains(s))
            })
            .collect();
        orphans.sort();
        for n in orphans {
            errors.push(format!(
                "specs/upstream/{n}: no spec specs/{}.yaml follows it (remove it)",
                n.trim_end_matches(".json")
            ));
        }
    }
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(errors.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// Reads only the repository: nothing beside the checkout is needed.
    #[test]
    fn every_spec_passes_against_its_snapshot_or_is_frozen() {
        let out = run(&root(), None, false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.lines().count(), 5, "{out}");
        assert!(
            out.contains("specs/giantswarm.yaml: frozen, no upstream to follow"),
            "{out}"
        );
        for service in ["glowmarkt", "kleister", "nuextract", "svix"] {
            assert!(
                out.contains(&format!(
                    "specs/{service}.yaml: matches specs/upstream/{service}.json"
                )),
                "{out}"
            );
        }
    }

    #[test]
    fn the_frozen_spec_says_why() {
        let text = std::fs::read_to_string(root().join("specs/giantswarm.yaml")).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(doc["info"]["x-upstream"], "none");
        assert!(doc["x-upstream-none"]
            .as_str()
            .is_some_and(|r| r.contains("deprecated")));
    }

    #[test]
    fn a_spec_without_upstream_or_reason_fails() {
        let doc = serde_json::json!({"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}});
        let e = one(&root(), "nosuch", &doc, None, false)
            .unwrap_err()
            .join("\n");
        assert!(
            e.contains("specs/nosuch.yaml: info.x-upstream names no public upstream description"),
            "{e}"
        );
        let mut none = doc.clone();
        none["info"]["x-upstream"] = "none".into();
        let e = one(&root(), "nosuch", &none, None, false)
            .unwrap_err()
            .join("\n");
        assert!(e.contains("no `x-upstream-none` says why"), "{e}");
        none["x-upstream-none"] = "Deprecated upstream. Frozen.".into();
        assert_eq!(
            one(&root(), "nosuch", &none, None, false),
            Ok("specs/nosuch.yaml: frozen, no upstream to follow: Deprecated upstream.".into())
        );
        let mut url = doc.clone();
        url["info"]["x-upstream"] = "https://example.com/api.yaml".into();
        let e = one(&root(), "nosuch", &url, None, false)
            .unwrap_err()
            .join("\n");
        assert!(
            e.contains("specs/nosuch.yaml: no snapshot specs/upstream/nosuch.json"),
            "{e}"
        );
    }

    #[test]
    fn the_reason_is_cut_at_its_first_sentence() {
        assert_eq!(first_sentence(" A. B. "), "A.");
        assert_eq!(first_sentence("A"), "A");
    }
}
