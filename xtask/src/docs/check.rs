//! `cargo xtask docs-check [<docs-dir> [--write]]`: every spec against its
//! docs page.
//!
//! A spec names the public page in `info.x-docs-page`. What `docs-check`
//! reads from that page (its operations, methods, paths, parameters,
//! return types, authorization, media types and statuses) is checked in as
//! `specs/docs/<service>.json` (see [`super::snapshot`]), so the check needs
//! nothing beside the repository. Every difference between a spec and its
//! snapshot must be declared in the spec's `x-departures` with a reason;
//! an undeclared difference, or a declared one that no longer exists,
//! fails with the spec, operation and field.
//!
//! With `<docs-dir>`, each snapshot is also compared with what its page in
//! that folder parses to (the page that documents the spec's operations,
//! matched by the operations' docs names, so no file name is baked into a
//! spec), and any place where they differ fails naming the snapshot file,
//! operation and field; `--write` rewrites the snapshots from the pages
//! instead, which is how a snapshot is made the first time.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::parse::{parse, DocsOp, DocsPage, Param};
use super::snapshot::{drift, Snapshot};

/// One way the spec differs from its docs page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The docs' operation name (`*` for the whole spec).
    pub operation: String,
    /// `operation`, `method`, `path`, `parameter <name>`, `body`, `return`,
    /// `auth`, `content-type`, `accept`, `status`, `base-url`.
    pub field: String,
    pub docs: String,
    pub spec: String,
}

/// Lower case letters and digits only: `X-Request-ID`, `xRequestID` and
/// `x_request_id` are one name.
pub fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A docs type in JSON Schema words.
fn docs_type(p: &Param) -> String {
    if p.model {
        return p.ty.clone();
    }
    match p.ty.as_str() {
        "str" | "String" => "string".into(),
        "int" | "Integer" => "integer".into(),
        "float" | "Number" => "number".into(),
        "bool" | "Boolean" => "boolean".into(),
        other => other.into(),
    }
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or(v),
        None => v,
    }
}

/// A schema in the docs' words: a model's name, or a primitive type (a
/// `$ref` to a primitive, such as `Secret`, counts as the primitive).
fn schema_type(doc: &Value, schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = resolve(doc, schema);
        return match target.get("type").and_then(Value::as_str) {
            Some(t) if t != "object" && t != "array" => t.to_string(),
            _ => r.rsplit('/').next().unwrap_or(r).to_string(),
        };
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "list[{}]",
            schema
                .get("items")
                .map_or("?".into(), |i| schema_type(doc, i))
        ),
        Some(t) => t.to_string(),
        None => "object".into(),
    }
}

/// `list[Pet]`, `[Pet]` (JavaScript) and `str` in the spec's words.
fn docs_return(r: &str) -> String {
    let r = r.trim();
    let lower = r.get(..5).map(str::to_ascii_lowercase);
    if let Some(inner) = (lower.as_deref() == Some("list["))
        .then(|| r[5..].strip_suffix(']'))
        .flatten()
    {
        return format!("list[{}]", docs_return(inner));
    }
    if let Some(inner) = r.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        return format!("list[{}]", docs_return(inner));
    }
    match r {
        "str" | "String" => "string".into(),
        "int" | "Integer" => "integer".into(),
        "bool" | "Boolean" => "boolean".into(),
        other => other.into(),
    }
}

fn joined(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// The spec's operation documented as `name` (by `x-docs-name`).
fn find_op<'a>(doc: &'a Value, name: &str) -> Option<(String, String, &'a Value, &'a Value)> {
    let paths = doc.get("paths")?.as_object()?;
    for (path, item) in paths {
        for (method, op) in item.as_object()? {
            let known = |k: &str| op.get(k).and_then(Value::as_str) == Some(name);
            if known("x-docs-name") || known("operationId") {
                return Some((method.clone(), path.clone(), item, op));
            }
        }
    }
    None
}

/// Every difference between `page` and the spec `doc`.
pub fn differences(page: &DocsPage, doc: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut diff = |operation: &str, field: &str, docs: String, spec: String| {
        out.push(Difference {
            operation: operation.to_string(),
            field: field.to_string(),
            docs,
            spec,
        });
    };
    let spec_base = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .map(|u| u.trim_end_matches('/').to_string());
    if page.base_url != spec_base {
        diff(
            "*",
            "base-url",
            page.base_url.clone().unwrap_or_else(|| "none".into()),
            spec_base.unwrap_or_else(|| "none".into()),
        );
    }
    let documented: BTreeSet<&str> = page.ops.iter().map(|o| o.name.as_str()).collect();
    for (_, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (_, op) in item.as_object().into_iter().flatten() {
            let name = op
                .get("x-docs-name")
                .or_else(|| op.get("operationId"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or("?");
            if !documented.contains(name) && !documented.contains(id) {
                diff(name, "operation", "absent".into(), "present".into());
            }
        }
    }
    for d in &page.ops {
        compare_op(d, doc, &mut diff);
    }
    out
}

fn compare_op(d: &DocsOp, doc: &Value, diff: &mut impl FnMut(&str, &str, String, String)) {
    let name = d.name.as_str();
    let Some((method, path, item, op)) = find_op(doc, name) else {
        diff(name, "operation", "present".into(), "absent".into());
        return;
    };
    if method != d.method {
        diff(
            name,
            "method",
            d.method.to_uppercase(),
            method.to_uppercase(),
        );
    }
    if path != d.path {
        diff(name, "path", d.path.clone(), path.clone());
    }

    // Parameters, by normalised name; the body separately.
    let spec_params: Vec<&Value> = op
        .get("parameters")
        .into_iter()
        .chain(item.get("parameters"))
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(doc, p))
        .collect();
    let describe = |ty: &str, required: bool| {
        format!("{ty}, {}", if required { "required" } else { "optional" })
    };
    let docs_body = d.params.iter().find(|p| p.model).map(|p| p.ty.clone());
    let spec_body = op.get("requestBody").map(|b| {
        let b = resolve(doc, b);
        b.get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().next())
            .and_then(|m| m.get("schema"))
            .map_or("?".into(), |s| schema_type(doc, s))
    });
    // A string body is documented as a plain parameter (`body: str`).
    let primitive_body = spec_body
        .clone()
        .filter(|t| matches!(t.as_str(), "string" | "integer" | "number" | "boolean"));
    for p in d.params.iter().filter(|p| !p.model) {
        let field = format!("parameter {}", p.name);
        let found = spec_params.iter().find(|s| {
            s.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| norm(n) == norm(&p.name))
        });
        let docs = describe(&docs_type(p), p.required);
        match found {
            None if primitive_body.as_deref() == Some(docs_type(p).as_str()) => {}
            None => diff(name, &field, docs, "absent".into()),
            Some(s) => {
                let required = s.get("required").and_then(Value::as_bool).unwrap_or(false);
                let ty = s.get("schema").map_or("?".into(), |x| schema_type(doc, x));
                let spec = describe(&ty, required);
                if spec != docs {
                    diff(name, &field, docs, spec);
                }
            }
        }
    }
    for s in &spec_params {
        let n = s.get("name").and_then(Value::as_str).unwrap_or("?");
        if !d
            .params
            .iter()
            .any(|p| !p.model && norm(&p.name) == norm(n))
        {
            diff(
                name,
                &format!("parameter {n}"),
                "absent".into(),
                "present".into(),
            );
        }
    }
    // A body documented as a plain parameter (a string body) is compared
    // with the parameters above; only model bodies are compared here.
    let spec_body_model = spec_body
        .clone()
        .filter(|t| !matches!(t.as_str(), "string" | "integer" | "number" | "boolean"));
    // Model names are compared as the generators spell them apart
    // (`auth_login` in the spec, `AuthLogin` in the docs).
    if docs_body.as_deref().map(norm) != spec_body_model.as_deref().map(norm) {
        diff(
            name,
            "body",
            docs_body.unwrap_or_else(|| "none".into()),
            spec_body.unwrap_or_else(|| "none".into()),
        );
    }

    // The return type: the first 2xx answer with a body.
    let responses = op.get("responses").and_then(Value::as_object);
    let spec_return = responses.and_then(|r| {
        r.iter()
            .filter(|(code, _)| code.starts_with('2'))
            .find_map(|(_, resp)| {
                resolve(doc, resp)
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().next())
                    .and_then(|m| m.get("schema"))
                    .map(|s| schema_type(doc, s))
            })
    });
    let docs_return = d.returns.as_deref().map(docs_return);
    if docs_return.as_deref().map(norm) != spec_return.as_deref().map(norm) {
        diff(
            name,
            "return",
            docs_return.unwrap_or_else(|| "none".into()),
            spec_return.unwrap_or_else(|| "none".into()),
        );
    }

    let spec_auth: BTreeSet<String> = op
        .get("security")
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array)
        .map(|alts| {
            alts.iter()
                .filter_map(Value::as_object)
                .flat_map(|m| m.keys().cloned())
                .collect()
        })
        .unwrap_or_default();
    let docs_auth: BTreeSet<String> = d.auth.iter().cloned().collect();
    if docs_auth != spec_auth {
        diff(name, "auth", joined(&docs_auth), joined(&spec_auth));
    }

    let spec_ct: BTreeSet<String> = op
        .get("requestBody")
        .map(|b| resolve(doc, b))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let docs_ct: BTreeSet<String> = d.content_type.iter().cloned().collect();
    if docs_ct != spec_ct {
        diff(name, "content-type", joined(&docs_ct), joined(&spec_ct));
    }
    let spec_accept: BTreeSet<String> = responses
        .into_iter()
        .flatten()
        .filter_map(|(_, r)| resolve(doc, r).get("content").and_then(Value::as_object))
        .flat_map(|c| c.keys().cloned())
        .collect();
    let docs_accept: BTreeSet<String> = d.accept.iter().cloned().collect();
    if docs_accept != spec_accept {
        diff(name, "accept", joined(&docs_accept), joined(&spec_accept));
    }

    if let Some(statuses) = &d.statuses {
        let docs_codes: BTreeSet<String> = statuses
            .iter()
            .map(|c| {
                if c == "0" {
                    "default".into()
                } else {
                    c.clone()
                }
            })
            .collect();
        let spec_codes: BTreeSet<String> = responses
            .into_iter()
            .flatten()
            .map(|(c, _)| c.clone())
            .collect();
        if docs_codes != spec_codes {
            diff(name, "status", joined(&docs_codes), joined(&spec_codes));
        }
    }
}

/// The spec's declared departures: (operation, field) pairs with a reason.
fn departures(doc: &Value) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, d) in doc
        .get("x-departures")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let get = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").trim();
        if get("operation").is_empty() || get("field").is_empty() || get("reason").is_empty() {
            return Err(format!(
                "x-departures[{i}] needs `operation`, `field` and a non-empty `reason`"
            ));
        }
        out.push((get("operation").to_string(), get("field").to_string()));
    }
    Ok(out)
}

/// Checks one spec against one page (as parsed, or as its snapshot holds
/// it); the errors name spec, operation and field.
pub fn check(rel: &str, doc: &Value, page: &DocsPage) -> Result<usize, Vec<String>> {
    let declared = departures(doc).map_err(|e| vec![format!("{rel}: {e}")])?;
    let diffs = differences(page, doc);
    let mut errors = Vec::new();
    for d in &diffs {
        if !declared
            .iter()
            .any(|(o, f)| *o == d.operation && *f == d.field)
        {
            errors.push(format!(
                "{rel}: operation {}: {}: the docs say `{}`, the spec says `{}` (an undeclared departure: fix the spec or add it to x-departures with a reason)",
                d.operation, d.field, d.docs, d.spec
            ));
        }
    }
    for (o, f) in &declared {
        // What the docs cannot show (they name models without defining them).
        let note = f.starts_with("schema ") || f == "operationId" || f == "openapi";
        if !note && !diffs.iter().any(|d| d.operation == *o && d.field == *f) {
            errors.push(format!(
                "{rel}: operation {o}: {f}: declared in x-departures, but the spec and the docs agree (remove it)"
            ));
        }
    }
    if errors.is_empty() {
        Ok(declared.len())
    } else {
        Err(errors)
    }
}

/// The docs names of a spec's operations.
fn docs_names(doc: &Value) -> BTreeSet<String> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .flat_map(|(_, op)| {
            ["x-docs-name", "operationId"]
                .into_iter()
                .filter_map(|k| op.get(k).and_then(Value::as_str).map(str::to_string))
        })
        .collect()
}

/// One docs page of `<docs-dir>`.
struct Page {
    /// `<docs-dir>/<file>`.
    label: String,
    names: BTreeSet<String>,
    page: DocsPage,
}

/// Every page in `dir` that parses; other files are skipped.
fn pages(dir: &Path) -> Result<Vec<Page>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .filter_map(|path| {
            let page = parse(&std::fs::read_to_string(&path).ok()?).ok()?;
            Some(Page {
                label: path.display().to_string(),
                names: page.ops.iter().map(|o| o.name.clone()).collect(),
                page,
            })
        })
        .collect())
}

/// One spec: its report line, or its errors.
fn one(
    root: &Path,
    service: &str,
    doc: &Value,
    docs: Option<(&Path, &[Page])>,
    write: bool,
) -> Result<String, Vec<String>> {
    let rel = format!("specs/{service}.yaml");
    let snap_rel = format!("specs/docs/{service}.json");
    let snap_path = root.join(&snap_rel);
    let Some(url) = doc
        .pointer("/info/x-docs-page")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("https://"))
    else {
        return Err(vec![format!(
            "{rel}: info.x-docs-page names no public docs page (an https URL)"
        )]);
    };
    let existing = match std::fs::read_to_string(&snap_path) {
        Ok(text) => Some(Snapshot::parse(&text).map_err(|e| vec![format!("{snap_rel}: {e}")])?),
        Err(_) => None,
    };
    let mut note = String::new();
    let snapshot = match docs {
        None => existing,
        Some((dir, pages)) => {
            // The operations to look for: the snapshot's, or before there
            // is one, the spec's docs names.
            let ours: BTreeSet<String> = match &existing {
                Some(s) => s.page.ops.iter().map(|o| o.name.clone()).collect(),
                None => docs_names(doc),
            };
            let best = pages
                .iter()
                .map(|p| (p.names.intersection(&ours).count(), p))
                .filter(|(n, _)| *n > 0)
                .max_by_key(|(n, _)| *n);
            let Some((_, found)) = best else {
                return Err(vec![format!(
                    "{rel}: no page in {} documents its operations",
                    dir.display()
                )]);
            };
            if write {
                let fresh = Snapshot {
                    source: url.to_string(),
                    page: found.page.clone(),
                };
                let text = fresh.to_json();
                if std::fs::read_to_string(&snap_path).ok().as_deref() == Some(text.as_str()) {
                    note = format!("; {snap_rel} unchanged from {}", found.label);
                } else {
                    std::fs::create_dir_all(root.join("specs/docs"))
                        .and_then(|()| std::fs::write(&snap_path, text))
                        .map_err(|e| vec![format!("{snap_rel}: {e}")])?;
                    note = format!("; {snap_rel} written from {}", found.label);
                }
                Some(fresh)
            } else {
                let Some(s) = existing else {
                    return Err(vec![format!(
                        "{snap_rel}: missing: make it with `cargo xtask docs-check {} --write`",
                        dir.display()
                    )]);
                };
                let errors = drift(&snap_rel, &s.page, &found.label, &found.page);
                if !errors.is_empty() {
                    return Err(errors);
                }
                note = format!("; the snapshot matches {}", found.label);
                Some(s)
            }
        }
    };
    let Some(snapshot) = snapshot else {
        return Err(vec![format!(
            "{rel}: no snapshot {snap_rel} of {url}: make it with `cargo xtask docs-check <docs-dir> --write`"
        )]);
    };
    if snapshot.source != url {
        return Err(vec![format!(
            "{rel}: info.x-docs-page is {url}, but {snap_rel} was taken from {} (rewrite it with `cargo xtask docs-check <docs-dir> --write`)",
            snapshot.source
        )]);
    }
    let n = check(&rel, doc, &snapshot.page)?;
    Ok(format!(
        "{rel}: matches {snap_rel} ({:?}), {n} declared departure(s){note}",
        snapshot.page.flavour
    ))
}

/// `cargo xtask docs-check [<docs-dir> [--write]]` over every spec of the
/// workspace at `root`.
pub fn run(root: &Path, docs_dir: Option<&Path>, write: bool) -> Result<String, String> {
    let collected = match docs_dir {
        Some(d) => Some((d, pages(d)?)),
        None => None,
    };
    let docs = collected.as_ref().map(|(d, p)| (*d, p.as_slice()));
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
    if let Ok(entries) = std::fs::read_dir(root.join("specs/docs")) {
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
                "specs/docs/{n}: no spec specs/{}.yaml follows it (remove it)",
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
    use crate::docs::snapshot::page_text;

    /// Every test reads the repository only: nothing beside the checkout.
    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// The workspace's services: one per `specs/<service>.yaml`.
    fn services() -> BTreeSet<String> {
        std::fs::read_dir(root().join("specs"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn spec(service: &str) -> Value {
        let text = std::fs::read_to_string(root().join(format!("specs/{service}.yaml"))).unwrap();
        serde_yaml_ng::from_str(&text).unwrap()
    }

    fn snapshot(service: &str) -> Snapshot {
        let path = root().join(format!("specs/docs/{service}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        Snapshot::parse(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
    }

    #[test]
    fn every_spec_matches_its_docs_page() {
        let out = run(&root(), None, false).unwrap_or_else(|e| panic!("{e}"));
        let services = services();
        assert_eq!(services.len(), 5, "{services:?}");
        assert_eq!(out.lines().count(), services.len(), "{out}");
        for service in &services {
            assert!(
                out.contains(&format!(
                    "specs/{service}.yaml: matches specs/docs/{service}.json ("
                )),
                "{out}"
            );
        }
    }

    /// Breaking a spec names the spec, the operation and the field.
    #[test]
    fn a_broken_spec_fails_naming_spec_operation_and_field() {
        let doc = spec("kleister");
        let page = snapshot("kleister").page;
        check("specs/kleister.yaml", &doc, &page).unwrap();

        // A removed parameter.
        let mut broken = doc.clone();
        broken["paths"]["/auth/verify/{token}"]["get"]["parameters"] = json_empty();
        let e = check("specs/kleister.yaml", &broken, &page)
            .unwrap_err()
            .join("\n");
        assert!(
            e.contains("specs/kleister.yaml: operation verify_auth: parameter token"),
            "{e}"
        );

        // A changed path.
        let mut broken = doc.clone();
        let paths = broken["paths"].as_object_mut().unwrap();
        let item = paths.remove("/auth/refresh").unwrap();
        paths.insert("/auth/renew".into(), item);
        let e = check("specs/kleister.yaml", &broken, &page)
            .unwrap_err()
            .join("\n");
        assert!(
            e.contains("operation refresh_auth: path: the docs say `/auth/refresh`"),
            "{e}"
        );

        // A dropped status.
        let mut broken = doc.clone();
        broken["paths"]["/auth/login"]["post"]["responses"]
            .as_object_mut()
            .unwrap()
            .remove("5XX");
        // Declared departures cover the field, so the status now has to be
        // checked against the declared value: a different set is still a
        // departure, but an undeclared change of it must show. Remove the
        // declaration to see the difference named.
        broken["x-departures"]
            .as_array_mut()
            .unwrap()
            .retain(|d| !(d["operation"] == "login_user" && d["field"] == "status"));
        let e = check("specs/kleister.yaml", &broken, &page)
            .unwrap_err()
            .join("\n");
        assert!(e.contains("operation login_user: status"), "{e}");

        // A departure that no longer departs.
        let mut stale = doc.clone();
        stale["x-departures"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "operation": "verify_auth", "field": "method", "reason": "none"
            }));
        let e = check("specs/kleister.yaml", &stale, &page)
            .unwrap_err()
            .join("\n");
        assert!(
            e.contains("verify_auth: method: declared in x-departures"),
            "{e}"
        );
    }

    fn json_empty() -> Value {
        serde_json::json!([])
    }

    #[test]
    fn drafts_of_the_five_pages_pass_docs_check_and_generate() {
        let mut seen = BTreeSet::new();
        for entry in std::fs::read_dir(root().join("specs/docs"))
            .unwrap()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            let service = path.file_stem().unwrap().to_string_lossy().into_owned();
            let page = snapshot(&service).page;
            assert!(!page.ops.is_empty(), "{path:?} has no operations");
            let draft = super::super::reconstruct::draft(&page, "draft");
            check("draft.yaml", &draft, &page)
                .unwrap_or_else(|e| panic!("{path:?}: {}", e.join("\n")));
            let spec: openapiv3::OpenAPI = serde_json::from_value(draft).unwrap();
            crate::codegen::generate::generate_tokens(&spec)
                .unwrap_or_else(|e| panic!("{path:?}: {e}"));
            seen.insert(service);
        }
        assert_eq!(seen.len(), 5, "{seen:?}");
        assert_eq!(seen, services());
    }

    /// A scratch workspace holding the specs and their snapshots, and a
    /// folder of docs pages written from those snapshots.
    fn scratch(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("authapi-docs-check-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (ws, pages) = (dir.join("ws"), dir.join("pages"));
        std::fs::create_dir_all(ws.join("specs/docs")).unwrap();
        std::fs::create_dir_all(&pages).unwrap();
        for service in services() {
            for rel in [
                format!("specs/{service}.yaml"),
                format!("specs/docs/{service}.json"),
            ] {
                std::fs::copy(root().join(&rel), ws.join(&rel)).unwrap();
            }
            let page = page_text(&snapshot(&service).page);
            std::fs::write(pages.join(format!("{service}Api.md")), page).unwrap();
        }
        (ws, pages)
    }

    /// The `<docs-dir>` comparison: each snapshot against what its page
    /// parses to. A snapshot that no longer says what its page says fails
    /// naming the snapshot file, the operation and the field; `--write`
    /// rewrites it, byte for byte as checked in.
    #[test]
    fn a_snapshot_that_differs_from_its_page_fails_naming_snapshot_operation_and_field() {
        let (ws, pages) = scratch("drift");
        let out = run(&ws, Some(&pages), false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.lines().count(), 5, "{out}");
        assert_eq!(out.matches("; the snapshot matches ").count(), 5, "{out}");

        let snap_path = ws.join("specs/docs/kleister.json");
        let original = std::fs::read_to_string(&snap_path).unwrap();
        let mut mutated = snapshot("kleister");
        let op = mutated
            .page
            .ops
            .iter_mut()
            .find(|o| o.name == "verify_auth")
            .unwrap();
        op.path = "/auth/check/{token}".into();
        op.params[0].required = false;
        std::fs::write(&snap_path, mutated.to_json()).unwrap();
        // Without the pages, the spec is checked against the (wrong)
        // snapshot, and departs from it.
        let e = run(&ws, None, false).unwrap_err();
        assert!(
            e.contains("specs/kleister.yaml: operation verify_auth: path"),
            "{e}"
        );
        // With them, the snapshot itself is named.
        let e = run(&ws, Some(&pages), false).unwrap_err();
        let page = pages.join("kleisterApi.md").display().to_string();
        assert!(
            e.contains(&format!(
                "specs/docs/kleister.json: operation verify_auth: path: {page} says `/auth/verify/{{token}}`, the snapshot says `/auth/check/{{token}}`"
            )),
            "{e}"
        );
        assert!(
            e.contains("specs/docs/kleister.json: operation verify_auth: parameter token: "),
            "{e}"
        );
        assert!(!e.contains("specs/docs/svix.json"), "{e}");

        // --write restores the snapshot exactly as checked in.
        let out = run(&ws, Some(&pages), true).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.contains(&format!("; specs/docs/kleister.json written from {page}")),
            "{out}"
        );
        assert_eq!(out.matches(" unchanged from ").count(), 4, "{out}");
        assert_eq!(std::fs::read_to_string(&snap_path).unwrap(), original);
        let _ = std::fs::remove_dir_all(ws.parent().unwrap());
    }

    /// A snapshot must cite the spec's public page, exist, and belong to a
    /// spec.
    #[test]
    fn a_missing_foreign_or_orphaned_snapshot_fails() {
        let (ws, _pages) = scratch("source");
        let svix = ws.join("specs/svix.yaml");
        let text = std::fs::read_to_string(&svix).unwrap();
        let url = spec("svix")["info"]["x-docs-page"]
            .as_str()
            .unwrap()
            .to_string();
        std::fs::write(&svix, text.replacen(&url, "https://example.com/other", 1)).unwrap();
        std::fs::remove_file(ws.join("specs/docs/glowmarkt.json")).unwrap();
        std::fs::write(ws.join("specs/docs/gone.json"), "{}").unwrap();
        let e = run(&ws, None, false).unwrap_err();
        for want in [
            format!("specs/svix.yaml: info.x-docs-page is https://example.com/other, but specs/docs/svix.json was taken from {url}"),
            "specs/glowmarkt.yaml: no snapshot specs/docs/glowmarkt.json".into(),
            "specs/docs/gone.json: no spec specs/gone.yaml follows it".into(),
        ] {
            assert!(e.contains(&want), "{want}\nnot in\n{e}");
        }
        let _ = std::fs::remove_dir_all(ws.parent().unwrap());
    }
}
