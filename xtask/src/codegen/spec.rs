//! Reads and checks one spec: what progenitor would reject with an
//! unhelpful message or a panic, and the facts the later stages need about
//! each operation.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{spec_error, SpecError};

pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation as the spec states it.
pub(crate) struct Op {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) docs_name: String,
    /// The operation's name in today's published API (`x-upstream-name`);
    /// `None` for an operation only the older docs page has.
    pub(crate) upstream_name: Option<String>,
    pub(crate) deprecated: bool,
    /// `x-deprecated-note`: since when, and what replaces it, for the
    /// `#[deprecated]` note.
    pub(crate) deprecated_note: Option<String>,
    pub(crate) security: Vec<String>,
    pub(crate) text_plain: bool,
    pub(crate) redact_url: bool,
    /// Path parameters marked `x-secret`, as Rust field names.
    pub(crate) secret_params: Vec<String>,
    /// The idempotency-key header parameter, lower case, if any.
    pub(crate) idempotency_key: Option<String>,
    /// Its parameters, `$ref`s resolved, an operation-level one replacing
    /// the path item's of the same name and place.
    pub(crate) params: Vec<Param>,
    /// Its request body, if it has one.
    pub(crate) body: Option<Body>,
    /// The keys of its `responses`, as written (`200`, `4XX`, `default`).
    pub(crate) responses: Vec<String>,
}

/// One parameter of an operation.
pub(crate) struct Param {
    /// The name on the wire.
    pub(crate) name: String,
    /// The builder method that sets it (progenitor's snake case).
    pub(crate) rust: String,
    /// `path`, `query`, `header` or `cookie`.
    pub(crate) location: String,
    /// Its schema, `$ref` resolved.
    pub(crate) schema: Value,
    /// `example` of the parameter, else of its schema.
    pub(crate) example: Option<Value>,
}

/// An operation's request body.
pub(crate) struct Body {
    pub(crate) required: bool,
    /// The schema of its first media type, `$ref` resolved.
    pub(crate) schema: Value,
}

impl Op {
    pub(crate) fn label(&self) -> String {
        format!(
            "`{}` ({} {})",
            self.id,
            self.method.to_uppercase(),
            self.path
        )
    }
}

/// Checks what progenitor would reject with an unhelpful message or a
/// panic: version, operation ids, dangling references.
pub(crate) fn validate(rel: &str, doc: &Value) -> Result<Vec<Op>, Vec<SpecError>> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(vec![spec_error(
            rel,
            None,
            format!(
                "OpenAPI version `{version}` is not supported: progenitor reads 3.0.x only (write `openapi: 3.0.3`)"
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut ops = Vec::new();
    let mut seen = BTreeSet::new();
    let global_security = doc.get("security");
    let empty = serde_json::Map::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let where_ = format!("{} {}", method.to_uppercase(), path);
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                errors.push(spec_error(rel, Some(where_), "missing operationId"));
                continue;
            };
            if !seen.insert(id.to_string()) {
                errors.push(spec_error(
                    rel,
                    Some(format!("`{id}` ({where_})")),
                    "duplicate operationId",
                ));
            }
            let mut refs = Vec::new();
            collect_refs(op, &mut refs);
            if let Some(params) = item.get("parameters") {
                collect_refs(params, &mut refs);
            }
            for r in refs {
                if resolve(doc, &r).is_none() {
                    errors.push(spec_error(
                        rel,
                        Some(format!("`{id}` ({where_})")),
                        format!("dangling $ref `{r}`"),
                    ));
                }
            }
            let security = op
                .get("security")
                .or(global_security)
                .and_then(Value::as_array)
                .and_then(|alts| alts.first())
                .and_then(Value::as_object)
                .map(|req| req.keys().cloned().collect())
                .unwrap_or_default();
            // A path parameter marked `x-secret` keeps the URL out of errors
            // and its builder's value out of `Debug`.
            let secret_params: Vec<String> = parameters(doc, item, op)
                .filter(|p| {
                    p.get("in").and_then(Value::as_str) == Some("path")
                        && p.get("x-secret").and_then(Value::as_bool) == Some(true)
                })
                .filter_map(|p| p.get("name").and_then(Value::as_str))
                .map(snake_case)
                .collect();
            let redact_url = !secret_params.is_empty();
            let idempotency_key = parameters(doc, item, op)
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("header"))
                .filter_map(|p| p.get("name").and_then(Value::as_str))
                .find(|n| n.eq_ignore_ascii_case("idempotency-key"))
                .map(str::to_ascii_lowercase);
            ops.push(Op {
                id: id.to_string(),
                method: method.to_string(),
                path: path.clone(),
                docs_name: op
                    .get("x-docs-name")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_string(),
                upstream_name: op
                    .get("x-upstream-name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                deprecated: op
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                deprecated_note: op
                    .get("x-deprecated-note")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                security,
                text_plain: op
                    .get("x-text-plain")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                redact_url,
                secret_params,
                idempotency_key,
                params: op_params(doc, item, op),
                body: op_body(doc, op),
                responses: op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default(),
            });
        }
    }
    if let Some(components) = doc.get("components") {
        let mut refs = Vec::new();
        collect_refs(components, &mut refs);
        for r in refs {
            if resolve(doc, &r).is_none() {
                errors.push(spec_error(
                    rel,
                    None,
                    format!("dangling $ref `{r}` in components"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(ops)
    } else {
        Err(errors)
    }
}

/// Descriptions of the spec's parameters and schema properties, by Rust
/// field name; a `$ref` property takes its schema's description.
pub(crate) fn descriptions(doc: &Value) -> super::passes::docs::Descriptions {
    // Every occurrence of a name, with its description if it has one. A
    // name is documented only where all its occurrences say the same: a
    // `code` that is a secret in one schema must not lend its text to a
    // `code` that is not in another.
    let mut seen: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    let text = |v: &Value| -> Option<String> {
        let v = match v.get("$ref").and_then(Value::as_str) {
            Some(r) => resolve(doc, r)?,
            None => v,
        };
        v.get("description")
            .and_then(Value::as_str)
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let mut params = Vec::new();
    collect_key(doc, "parameters", &mut params);
    for list in params {
        for p in list.as_array().into_iter().flatten() {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => resolve(doc, r).unwrap_or(p),
                None => p,
            };
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                seen.entry(snake_case(name)).or_default().push(text(p));
            }
        }
    }
    let mut props = Vec::new();
    collect_key(doc, "properties", &mut props);
    for map in props {
        for (name, schema) in map.as_object().into_iter().flatten() {
            seen.entry(snake_case(name)).or_default().push(text(schema));
        }
    }
    let mut out: super::passes::docs::Descriptions = seen
        .into_iter()
        .filter_map(|(name, texts)| {
            let first = texts.first()?.clone()?;
            texts
                .iter()
                .all(|t| t.as_deref() == Some(first.as_str()))
                .then_some((name, first))
        })
        .collect();
    // `Type.field`: a schema's own properties, and an operation's builder's
    // parameters, documented whatever other types say.
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (schema, body) in schemas.into_iter().flatten() {
        let props = body.get("properties").and_then(Value::as_object);
        for (name, prop) in props.into_iter().flatten() {
            if let Some(d) = text(prop) {
                // Lower case: typify spells `HTTPValidationError` as
                // `HttpValidationError`.
                let ty = pascal_case(schema).to_ascii_lowercase();
                out.insert(format!("{ty}.{}", snake_case(name)), d);
            }
        }
    }
    let paths = doc.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flatten().map(|(_, item)| item) {
        for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            // Path-level first: operation-level parameters override them.
            for p in parameters(doc, item, op).rev() {
                if let (Some(name), Some(d)) = (p.get("name").and_then(Value::as_str), text(p)) {
                    let ty = pascal_case(id).to_ascii_lowercase();
                    out.insert(format!("{ty}.{}", snake_case(name)), d);
                }
            }
        }
    }
    out
}

/// Every value under `key`, at any depth.
pub(crate) fn collect_key<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    out.push(v);
                }
                collect_key(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_key(v, key, out)),
        _ => {}
    }
}

/// `tokenId` -> `token_id`, `X-Request-ID` -> `x_request_id`, as
/// progenitor names builder fields.
pub(crate) fn snake_case(name: &str) -> String {
    if name.contains('-') {
        return name.to_ascii_lowercase().replace('-', "_");
    }
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// `verify_auth` -> `VerifyAuth`, as progenitor names builders.
pub(crate) fn pascal_case(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

pub(crate) fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(s)) => out.push(s.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// An operation's parameters, `$ref`s resolved: its own, then those of
/// its path item. A dangling `$ref` is left out (`load` reports it).
fn parameters<'a>(
    doc: &'a Value,
    item: &'a Value,
    op: &'a Value,
) -> impl DoubleEndedIterator<Item = &'a Value> {
    [op.get("parameters"), item.get("parameters")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(move |p| match p.get("$ref").and_then(Value::as_str) {
            Some(r) => resolve(doc, r),
            None => Some(p),
        })
}

/// An operation's parameters as [`Param`]s: an operation-level parameter
/// replaces the path item's of the same name and place.
fn op_params(doc: &Value, item: &Value, op: &Value) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    for p in parameters(doc, item, op) {
        let (Some(name), Some(location)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        if out.iter().any(|q| q.name == name && q.location == location) {
            continue;
        }
        let schema = p
            .get("schema")
            .map(|s| resolved(doc, s))
            .unwrap_or_default();
        let example = p.get("example").or_else(|| schema.get("example")).cloned();
        out.push(Param {
            name: name.to_string(),
            rust: snake_case(name),
            location: location.to_string(),
            schema,
            example,
        });
    }
    out
}

fn op_body(doc: &Value, op: &Value) -> Option<Body> {
    let body = resolved(doc, op.get("requestBody")?);
    let schema = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|m| m.get("schema"))
        .map(|s| resolved(doc, s))
        .unwrap_or_default();
    Some(Body {
        required: body.get("required").and_then(Value::as_bool) == Some(true),
        schema,
    })
}

/// `v` with its `$ref`s followed (a dangling one leaves `v` as it is).
pub(crate) fn resolved(doc: &Value, v: &Value) -> Value {
    let mut v = v;
    for _ in 0..16 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve(doc, r))
        {
            Some(target) => v = target,
            None => break,
        }
    }
    v.clone()
}

pub(crate) fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}
