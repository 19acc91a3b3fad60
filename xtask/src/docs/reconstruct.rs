//! `cargo xtask reconstruct <docs-page>`: a draft OpenAPI 3.0.3 spec from
//! one docs page, the first step of adding a service. It has every
//! operation (method, path, docs name), every parameter in its location,
//! the media types, the statuses, the security schemes, and every model the
//! page names as an object schema whose properties a person fills in. The
//! draft passes `docs-check` against its page and progenitor generates it.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::check::norm;
use super::parse::{parse, DocsOp, DocsPage, Param};

/// `createAuthToken`, `Delete-Token` -> `create_auth_token`, `delete_token`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

fn primitive(ty: &str) -> Option<&'static str> {
    match ty {
        "str" | "String" => Some("string"),
        "int" | "Integer" => Some("integer"),
        "float" | "Number" => Some("number"),
        "bool" | "Boolean" => Some("boolean"),
        _ => None,
    }
}

/// A schema for a docs type: a primitive, a list, or a model `$ref`.
fn schema(ty: &str, models: &mut BTreeSet<String>) -> Value {
    let ty = ty.trim();
    let lower = ty.get(..5).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("list[") && ty.ends_with(']') {
        return json!({"type": "array", "items": schema(&ty[5..ty.len() - 1], models)});
    }
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return json!({"type": "array", "items": schema(inner, models)});
    }
    match primitive(ty) {
        Some(p) => json!({"type": p}),
        None => {
            models.insert(ty.to_string());
            json!({"$ref": format!("#/components/schemas/{ty}")})
        }
    }
}

/// Where a parameter the docs do not place goes: the path when the path
/// names it; a header when its name says so; the query otherwise.
pub(crate) fn location(op: &DocsOp, p: &Param) -> &'static str {
    let in_path = op
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .any(|s| norm(s) == norm(&p.name));
    let n = norm(&p.name);
    if in_path {
        "path"
    } else if n.starts_with('x')
        && p.name
            .chars()
            .nth(1)
            .is_some_and(|c| c == '_' || c.is_ascii_uppercase())
        || n == "authorization"
        || n == "idempotencykey"
    {
        "header"
    } else {
        "query"
    }
}

/// The path parameter's name as the path spells it.
pub(crate) fn path_name(op: &DocsOp, p: &Param) -> Option<String> {
    op.path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .find(|s| norm(s) == norm(&p.name))
        .map(str::to_string)
}

/// The draft spec of a page.
pub fn draft(page: &DocsPage, title: &str) -> Value {
    let mut models = BTreeSet::new();
    let mut schemes = BTreeSet::new();
    let mut paths = Map::new();
    let mut departures = Vec::new();
    for op in &page.ops {
        let mut params = Vec::new();
        let mut body = None;
        for p in &op.params {
            if p.model {
                body = Some(schema(&p.ty, &mut models));
                continue;
            }
            let at = location(op, p);
            let name = path_name(op, p).unwrap_or_else(|| p.name.clone());
            let ty = primitive(&p.ty).unwrap_or("string");
            params.push(json!({
                "name": name,
                "in": at,
                "required": p.required || at == "path",
                "schema": {"type": ty},
            }));
        }
        let mut o = Map::new();
        o.insert("operationId".into(), json!(snake(&op.name)));
        o.insert("x-docs-name".into(), json!(op.name));
        if !params.is_empty() {
            o.insert("parameters".into(), Value::Array(params));
        }
        if body.is_none() && !op.content_type.is_empty() {
            departures.push(json!({
                "operation": op.name,
                "field": "content-type",
                "reason": "The docs list a Content-Type but no body parameter; no body is declared.",
            }));
        }
        if let Some(schema) = body {
            let ct = op
                .content_type
                .first()
                .cloned()
                .unwrap_or("application/json".into());
            o.insert(
                "requestBody".into(),
                json!({"required": true, "content": {ct: {"schema": schema}}}),
            );
        }
        let accept = op
            .accept
            .iter()
            .find(|a| a.contains("json"))
            .or(op.accept.first())
            .cloned()
            .unwrap_or("application/json".into());
        let mut responses = Map::new();
        let success = op.returns.as_ref().map(|r| schema(r, &mut models));
        let codes = op.statuses.clone().unwrap_or_else(|| {
            vec![if success.is_some() {
                "200".into()
            } else {
                "204".into()
            }]
        });
        let mut default = false;
        for code in &codes {
            if code == "0" {
                default = true;
                continue;
            }
            let mut r = json!({"description": format!("Status {code} (fill in from the docs)")});
            if code.starts_with('2') {
                if let Some(s) = &success {
                    r["content"] = json!({accept.clone(): {"schema": s}});
                }
            }
            responses.insert(code.clone(), r);
        }
        if default {
            // progenitor panics on a success beside `default`.
            for range in ["4XX", "5XX"] {
                responses.insert(range.into(), json!({"description": "Any other error"}));
            }
            departures.push(json!({
                "operation": op.name,
                "field": "status",
                "reason": "progenitor 0.15 panics on a success status beside `default`; it is written as `4XX` and `5XX`.",
            }));
        }
        // progenitor types one media type per answer; the others, and error
        // bodies, are for a person to fill in.
        let emitted: BTreeSet<&str> = responses
            .values()
            .filter_map(|r| r.get("content").and_then(Value::as_object))
            .flat_map(|c| c.keys().map(String::as_str))
            .collect();
        let documented: BTreeSet<&str> = op.accept.iter().map(String::as_str).collect();
        if emitted != documented {
            departures.push(json!({
                "operation": op.name,
                "field": "accept",
                "reason": "The draft types one JSON answer; the other media types and the error bodies are for a person to fill in.",
            }));
        }
        o.insert("responses".into(), Value::Object(responses));
        let security: Vec<Value> = if op.auth.is_empty() {
            Vec::new()
        } else {
            let mut req = Map::new();
            for a in &op.auth {
                schemes.insert(a.clone());
                req.insert(a.clone(), json!([]));
            }
            vec![Value::Object(req)]
        };
        o.insert("security".into(), Value::Array(security));
        let item = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        item[op.method.as_str()] = Value::Object(o);
    }
    let mut security_schemes = Map::new();
    for s in &schemes {
        security_schemes.insert(
            s.clone(),
            json!({
                "type": "apiKey",
                "in": "header",
                "name": s,
                "description": "TODO: how this credential travels (header name, prefix), from the docs' README",
            }),
        );
    }
    let mut schemas = Map::new();
    for m in &models {
        schemas.insert(
            m.clone(),
            json!({"type": "object", "description": "TODO: the properties, from the docs' model page", "properties": {}}),
        );
    }
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": title, "version": "0.0.0", "x-docs-page": "TODO: the public URL of this docs page"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": security_schemes},
    });
    if let Some(url) = &page.base_url {
        doc["servers"] = json!([{"url": url}]);
    }
    if !departures.is_empty() {
        doc["x-departures"] = Value::Array(departures);
    }
    doc
}

/// Parses `text` and renders the draft as YAML.
pub fn run(text: &str, title: &str) -> Result<String, String> {
    let page = parse(text)?;
    let doc = draft(&page, title);
    let yaml = serde_yaml_ng::to_string(&doc).map_err(|e| e.to_string())?;
    Ok(format!(
        "# Draft written by `cargo xtask reconstruct` from a docs page ({} operations).\n\
         # TODO before use: model properties, security scheme headers, x-docs-page,\n\
         # then `cargo xtask docs-check`.\n{yaml}",
        page.ops.len()
    ))
}

/// How much of `spec` the draft already has: operations, parameters and
/// statuses (each counted by docs name, name and code).
pub fn coverage(draft: &Value, spec: &Value) -> [(usize, usize); 3] {
    fn ops(doc: &Value) -> Vec<(String, &Value, &Value)> {
        let mut out = Vec::new();
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
                    .unwrap_or("?")
                    .to_string();
                out.push((name, item, op));
            }
        }
        out
    }
    let resolve = |doc: &Value, p: &Value| -> Value {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => doc.pointer(&r[1..]).cloned().unwrap_or(Value::Null),
            None => p.clone(),
        }
    };
    let params = |doc: &Value, item: &Value, op: &Value| -> BTreeSet<String> {
        op.get("parameters")
            .into_iter()
            .chain(item.get("parameters"))
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| resolve(doc, p))
            .filter_map(|p| p.get("name").and_then(Value::as_str).map(norm))
            .chain(op.get("requestBody").map(|_| "body".to_string()))
            .collect()
    };
    let statuses = |op: &Value| -> BTreeSet<String> {
        op.get("responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    };
    let d = ops(draft);
    let mut counts = [(0, 0); 3];
    for (name, item, op) in ops(spec) {
        counts[0].1 += 1;
        let sp = params(spec, item, op);
        let ss = statuses(op);
        counts[1].1 += sp.len();
        counts[2].1 += ss.len();
        let spec_id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
        let Some((_, ditem, dop)) = d.iter().find(|(n, _, _)| *n == name || n == spec_id) else {
            continue;
        };
        counts[0].0 += 1;
        counts[1].0 += params(draft, ditem, dop).intersection(&sp).count();
        counts[2].0 += statuses(dop).intersection(&ss).count();
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page none of the five services uses (a pet shop), in the
    /// openapi-generator Python flavour.
    const PAGE: &str = include_str!("fixtures/openapi_generator_python.md");

    #[test]
    fn the_draft_of_a_new_page_passes_docs_check_and_generates() {
        let text = run(PAGE, "Pets").unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
        let op = &doc["paths"]["/pets/{pet_id}/adopt"]["post"];
        assert_eq!(op["operationId"], "adopt_pet");
        assert_eq!(op["parameters"][0]["in"], "path");
        assert_eq!(op["parameters"][1]["in"], "query");
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/AdoptRequest"
        );
        assert!(op["responses"].get("404").is_some() && op["responses"].get("4XX").is_some());
        assert_eq!(
            doc["components"]["securitySchemes"]["petKey"]["type"],
            "apiKey"
        );
        assert!(doc["components"]["schemas"]["Adoption"].is_object());
        // docs-check passes on the draft.
        let page = super::super::parse::parse(PAGE).unwrap();
        super::super::check::check("draft.yaml", &doc, &page).unwrap();
        // progenitor generates it.
        let spec: openapiv3::OpenAPI = serde_json::from_value(doc).unwrap();
        crate::codegen::generate::generate_tokens(&spec).unwrap();
    }

    #[test]
    fn names_become_rust_names() {
        assert_eq!(snake("createAuthToken"), "create_auth_token");
        assert_eq!(
            snake("delete_api_auth_user_tokens_usertokenid"),
            "delete_api_auth_user_tokens_usertokenid"
        );
    }
}
