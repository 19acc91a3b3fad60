//! `cargo xtask docs-check <docs-dir>`: every spec against its docs page.
//! A spec names the public page in `info.x-docs-page`; the local copy is
//! the page in `<docs-dir>` that documents the spec's operations (matched
//! by the operations' docs names, so no file name is baked into a spec).
//! Every difference in
//! operations, methods, paths, parameters, return types, authorization,
//! media types and statuses must be declared in the spec's `x-departures`
//! with a reason; an undeclared difference, or a declared one that no
//! longer exists, fails with the spec, operation and field.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::parse::{parse, DocsOp, DocsPage, Param};

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

/// Checks one spec against one page; the errors name spec, operation and
/// field.
pub fn check(rel: &str, doc: &Value, page_text: &str) -> Result<usize, Vec<String>> {
    let page = parse(page_text).map_err(|e| vec![format!("{rel}: its docs page: {e}")])?;
    let declared = departures(doc).map_err(|e| vec![format!("{rel}: {e}")])?;
    let diffs = differences(&page, doc);
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

/// `cargo xtask docs-check <docs-dir>` over every spec of the workspace.
pub fn run(root: &Path, docs_dir: &Path) -> Result<String, String> {
    let mut pages = Vec::new();
    let entries =
        std::fs::read_dir(docs_dir).map_err(|e| format!("{}: {e}", docs_dir.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if let Ok(page) = parse(&text) {
            let names: BTreeSet<String> = page.ops.iter().map(|o| o.name.clone()).collect();
            pages.push((
                entry.file_name().to_string_lossy().into_owned(),
                names,
                text,
            ));
        }
    }
    let mut specs: Vec<_> = std::fs::read_dir(root.join("specs"))
        .map_err(|e| format!("specs/: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    let mut report = String::new();
    let mut errors = Vec::new();
    for path in specs {
        let rel = format!(
            "specs/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
        let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| format!("{rel}: {e}"))?;
        if doc
            .pointer("/info/x-docs-page")
            .and_then(Value::as_str)
            .is_none()
        {
            errors.push(format!("{rel}: info.x-docs-page names no public docs page"));
        }
        let ours = docs_names(&doc);
        let best = pages
            .iter()
            .map(|(file, names, text)| (names.intersection(&ours).count(), file, text))
            .max_by_key(|(n, _, _)| *n);
        let Some((_, file, page)) = best.filter(|(n, _, _)| *n > 0) else {
            errors.push(format!(
                "{rel}: no page in {} documents its operations",
                docs_dir.display()
            ));
            continue;
        };
        let flavour = parse(page).map(|p| p.flavour);
        match check(&rel, &doc, page) {
            Ok(n) => report.push_str(&format!(
                "{rel}: matches {file} ({}), {n} declared departure(s)\n",
                flavour
                    .map_err(drop)
                    .map_or(String::new(), |f| format!("{f:?}"))
            )),
            Err(mut e) => errors.append(&mut e),
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

    fn seeds() -> std::path::PathBuf {
        // CI has the docs pages beside the repository; a missing folder
        // fails the test rather than skipping it.
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds")
    }

    fn spec(service: &str) -> Value {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{service}.yaml")),
        )
        .unwrap();
        serde_yaml_ng::from_str(&text).unwrap()
    }

    fn page_for(doc: &Value) -> String {
        let ours = docs_names(doc);
        std::fs::read_dir(seeds())
            .expect("../shared/seeds is beside the repository")
            .filter_map(Result::ok)
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .find(|t| parse(t).is_ok_and(|p| p.ops.iter().any(|o| ours.contains(&o.name))))
            .unwrap()
    }

    #[test]
    fn every_spec_matches_its_docs_page() {
        let out = run(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."), &seeds()).unwrap();
        assert_eq!(out.lines().count(), 5, "{out}");
    }

    /// Breaking a spec names the spec, the operation and the field.
    #[test]
    fn a_broken_spec_fails_naming_spec_operation_and_field() {
        let doc = spec("kleister");
        let page = page_for(&doc);
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
        for entry in std::fs::read_dir(seeds()).unwrap().filter_map(Result::ok) {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let page = parse(&text).unwrap();
            let draft = super::super::reconstruct::draft(&page, "draft");
            check("draft.yaml", &draft, &text)
                .unwrap_or_else(|e| panic!("{:?}: {}", entry.path(), e.join("\n")));
            let spec: openapiv3::OpenAPI = serde_json::from_value(draft).unwrap();
            crate::codegen::generate::generate_tokens(&spec)
                .unwrap_or_else(|e| panic!("{:?}: {e}", entry.path()));
        }
    }
}
