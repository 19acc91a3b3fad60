//! The facts `upstream-check` compares, per operation: method, path,
//! parameters (name, location, required; the body is not a parameter), the
//! request body's required top-level fields, the response statuses and the
//! security scheme names.
//!
//! Three readers produce them:
//! - [`from_openapi`]: a Swagger 2.0 or OpenAPI 3.x document read as plain
//!   JSON/YAML (not through `openapiv3`, which reads 3.0 only), with its
//!   `$ref`s to parameters, request bodies, responses and schemas resolved;
//! - [`from_docs_page`]: an openapi-generator Python docs page, with the
//!   model page of each request body;
//! - [`from_spec`]: one of the repository's specs, keyed by Rust
//!   operationId and carrying each operation's `x-upstream-name`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::docs::check::norm;
use crate::docs::parse::{parse, Flavour};
use crate::docs::reconstruct::{location, path_name};

/// The security entry of an empty alternative (`- {}`): the credentials
/// are optional.
pub const OPTIONAL: &str = "{}";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One parameter (never the request body).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Param {
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    pub required: bool,
}

/// What one operation is, as one source states it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpFacts {
    /// Upper case: `POST`.
    pub method: String,
    pub path: String,
    /// Sorted by location, then name.
    pub parameters: Vec<Param>,
    /// The request body's required top-level fields; empty without a body.
    pub required_fields: BTreeSet<String>,
    /// Status codes as written (`200`, `4XX`, `default`).
    pub statuses: BTreeSet<String>,
    /// Security scheme names; [`OPTIONAL`] when an alternative is empty;
    /// empty when the operation needs no credentials.
    pub security: BTreeSet<String>,
}

/// Every operation of a source, by its name there.
pub type Facts = BTreeMap<String, OpFacts>;

/// One operation of a repository spec.
#[derive(Clone, Debug)]
pub struct SpecOp {
    /// The Rust method name (`operationId`).
    pub id: String,
    /// `x-upstream-name`; `None` for a seed-only operation.
    pub upstream: Option<String>,
    pub facts: OpFacts,
}

/// Follows `$ref`s inside `doc` (`#/components/...`, `#/definitions/...`,
/// `#/parameters/...`, any local JSON pointer).
pub fn resolve<'a>(doc: &'a Value, v: &'a Value) -> Result<&'a Value, String> {
    let mut v = v;
    for _ in 0..32 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return Ok(v);
        };
        let pointer = r
            .strip_prefix('#')
            .ok_or_else(|| format!("`$ref: {r}` points outside the document"))?;
        v = doc
            .pointer(pointer)
            .ok_or_else(|| format!("dangling `$ref: {r}`"))?;
    }
    Err("a `$ref` chain loops".into())
}

/// The fields a body of `schema` must carry: its `required` (less the
/// `readOnly` properties, which a request never sends), those of every
/// `allOf` part, and those every `oneOf`/`anyOf` alternative shares.
pub fn required_fields(doc: &Value, schema: &Value) -> Result<BTreeSet<String>, String> {
    fn walk(doc: &Value, schema: &Value, depth: usize) -> Result<BTreeSet<String>, String> {
        if depth > 16 {
            return Err("schemas nest (through allOf/oneOf/anyOf) too deeply".into());
        }
        let s = resolve(doc, schema)?;
        let read_only = |name: &str| -> bool {
            s.get("properties")
                .and_then(|p| p.get(name))
                .and_then(|p| resolve(doc, p).ok())
                .and_then(|p| p.get("readOnly"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let mut out: BTreeSet<String> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|n| !read_only(n))
            .map(str::to_string)
            .collect();
        for part in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(walk(doc, part, depth + 1)?);
        }
        for key in ["oneOf", "anyOf"] {
            let Some(alts) = s.get(key).and_then(Value::as_array) else {
                continue;
            };
            let mut shared: Option<BTreeSet<String>> = None;
            for alt in alts {
                let fields = walk(doc, alt, depth + 1)?;
                shared = Some(match shared {
                    None => fields,
                    Some(s) => s.intersection(&fields).cloned().collect(),
                });
            }
            out.extend(shared.unwrap_or_default());
        }
        Ok(out)
    }
    walk(doc, schema, 0)
}

/// The schema of a 3.x request body: the JSON media type's, else the first.
fn body_schema<'a>(doc: &'a Value, body: &'a Value) -> Result<Option<&'a Value>, String> {
    let body = resolve(doc, body)?;
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        return Ok(None);
    };
    let media = content
        .get("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(k, _)| k.contains("json"))
                .map(|(_, v)| v)
        })
        .or_else(|| content.values().next());
    Ok(media.and_then(|m| m.get("schema")))
}

/// The scheme names of a `security` list: every alternative's, or only
/// the first's.
fn security(list: Option<&Value>, first_only: bool) -> BTreeSet<String> {
    let alts: Vec<&Value> = list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let alts = if first_only {
        &alts[..alts.len().min(1)]
    } else {
        &alts[..]
    };
    let mut out = BTreeSet::new();
    for alt in alts {
        match alt.as_object() {
            // A spec's empty first alternative sends nothing.
            Some(m) if m.is_empty() && !first_only => {
                out.insert(OPTIONAL.to_string());
            }
            Some(m) => out.extend(m.keys().cloned()),
            None => {}
        }
    }
    out
}

/// One operation of a 2.0/3.x document or spec.
struct RawOp {
    name: String,
    upstream: Option<String>,
    facts: OpFacts,
}

fn operations(doc: &Value, first_only: bool) -> Result<Vec<RawOp>, String> {
    let swagger = match (
        doc.get("swagger").and_then(Value::as_str),
        doc.get("openapi").and_then(Value::as_str),
    ) {
        (Some(v), _) if v.starts_with("2.") => true,
        (_, Some(v)) if v.starts_with("3.") => false,
        _ => return Err("neither `swagger: \"2.0\"` nor `openapi: 3.x`".into()),
    };
    let mut out = Vec::new();
    let empty = serde_json::Map::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (path, item) in paths {
        let item = resolve(doc, item).map_err(|e| format!("path {path}: {e}"))?;
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let name = op.get("operationId").and_then(Value::as_str).map_or_else(
                || format!("{} {path}", method.to_uppercase()),
                str::to_string,
            );
            let at = |e: String| format!("operation {name}: {e}");
            // Path-level parameters, overridden by the operation's own of
            // the same name and location.
            let mut params: Vec<&Value> = Vec::new();
            for p in item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                )
            {
                let p = resolve(doc, p).map_err(at)?;
                let key = |v: &Value| (v.get("name").cloned(), v.get("in").cloned());
                params.retain(|q| key(q) != key(p));
                params.push(p);
            }
            let mut facts = OpFacts {
                method: method.to_uppercase(),
                path: path.clone(),
                ..OpFacts::default()
            };
            for p in params {
                let pname = p.get("name").and_then(Value::as_str).unwrap_or("?");
                let loc = p.get("in").and_then(Value::as_str).unwrap_or("?");
                let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                match loc {
                    // Swagger 2.0: the body parameter is the request body,
                    // and form fields are its fields.
                    "body" if swagger => {
                        if let Some(s) = p.get("schema") {
                            facts.required_fields = required_fields(doc, s).map_err(at)?;
                        }
                    }
                    "formData" if swagger => {
                        if required {
                            facts.required_fields.insert(pname.to_string());
                        }
                    }
                    _ => facts.parameters.push(Param {
                        name: pname.to_string(),
                        location: loc.to_string(),
                        required: required || loc == "path",
                    }),
                }
            }
            facts.parameters.sort_by(|a, b| {
                (&a.location, &a.name, a.required).cmp(&(&b.location, &b.name, b.required))
            });
            if let Some(body) = op.get("requestBody") {
                if let Some(s) = body_schema(doc, body).map_err(at)? {
                    facts.required_fields = required_fields(doc, s).map_err(at)?;
                }
            }
            facts.statuses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
            facts.security = security(op.get("security").or(doc.get("security")), first_only);
            out.push(RawOp {
                name,
                upstream: op
                    .get("x-upstream-name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                facts,
            });
        }
    }
    Ok(out)
}

/// Every operation of a Swagger 2.0 or OpenAPI 3.x document, by
/// operationId (`METHOD /path` without one). The security of an operation
/// is every alternative's schemes, [`OPTIONAL`] for an empty one.
pub fn from_openapi(doc: &Value) -> Result<Facts, String> {
    let mut out = Facts::new();
    for op in operations(doc, false)? {
        if out.insert(op.name.clone(), op.facts).is_some() {
            return Err(format!(
                "operation {}: the operationId is used twice",
                op.name
            ));
        }
    }
    Ok(out)
}

/// The operation names of a 2.0/3.x document, without resolving anything:
/// to find the document of a snapshot among many files.
pub fn openapi_names(doc: &Value) -> BTreeSet<String> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |m| {
                let op = item.get(*m)?;
                Some(
                    op.get("operationId")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("{} {path}", m.to_uppercase()), str::to_string),
                )
            })
        })
        .collect()
}

/// Every operation of a repository spec. Its security is the first (and
/// only) alternative's schemes: the one the generated client sends.
pub fn from_spec(doc: &Value) -> Result<Vec<SpecOp>, String> {
    Ok(operations(doc, true)?
        .into_iter()
        .map(|op| SpecOp {
            id: op.name,
            upstream: op.upstream,
            facts: op.facts,
        })
        .collect())
}

/// The required properties of a docs model page: every row of its
/// `Properties` table whose notes say neither `[optional]` nor
/// `[readonly]`.
pub fn model_required(text: &str) -> Result<BTreeSet<String>, String> {
    let mut in_table = false;
    let mut seen = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') {
            in_table = t.trim_start_matches('#').trim() == "Properties";
            continue;
        }
        if !in_table {
            continue;
        }
        let cells: Vec<&str> = t.trim_matches('|').split('|').map(str::trim).collect();
        let Some(name) = cells
            .first()
            .and_then(|c| c.strip_prefix("**"))
            .and_then(|c| c.split("**").next())
        else {
            continue;
        };
        seen = true;
        let notes = cells.get(3).copied().unwrap_or("").to_ascii_lowercase();
        if !notes.contains("[optional]") && !notes.contains("[readonly]") {
            out.insert(name.to_string());
        }
    }
    if seen {
        Ok(out)
    } else {
        Err("no `Properties` table (`**name** | **type** | ... | notes`)".into())
    }
}

/// Every operation of an openapi-generator Python docs page, by its name
/// there. `model` gives the text of a model page by model name (the page
/// `<Model>.md` beside the docs page).
///
/// A docs page does not say where a parameter travels: one the path
/// names is in the path, `X-...`, `Authorization` and `Idempotency-Key`
/// are headers, the rest the query (as `reconstruct` places them). A
/// primitive parameter named `body` beside a Content-Type is the request
/// body (how the generator writes a string body). A `0` status row is
/// `default`.
pub fn from_docs_page(text: &str, model: &dyn Fn(&str) -> Option<String>) -> Result<Facts, String> {
    let page = parse(text)?;
    if page.flavour != Flavour::OpenApiGeneratorPython {
        return Err(format!(
            "a {:?} page has no status table; upstream-check reads openapi-generator Python pages",
            page.flavour
        ));
    }
    let mut out = Facts::new();
    for op in &page.ops {
        let at = |e: String| format!("operation {}: {e}", op.name);
        let mut facts = OpFacts {
            method: op.method.to_uppercase(),
            path: op.path.clone(),
            ..OpFacts::default()
        };
        let has_model_body = op.params.iter().any(|p| p.model);
        for p in &op.params {
            if p.model {
                let ty = p.ty.trim();
                if ty.to_ascii_lowercase().starts_with("list[") || ty.starts_with('[') {
                    continue;
                }
                let page = model(ty).ok_or_else(|| at(format!("no model page `{ty}.md`")))?;
                facts.required_fields =
                    model_required(&page).map_err(|e| at(format!("model page `{ty}.md`: {e}")))?;
                continue;
            }
            if !has_model_body && norm(&p.name) == "body" && !op.content_type.is_empty() {
                continue;
            }
            let loc = location(op, p);
            facts.parameters.push(Param {
                name: path_name(op, p).unwrap_or_else(|| p.name.clone()),
                location: loc.to_string(),
                required: p.required || loc == "path",
            });
        }
        facts.parameters.sort_by(|a, b| {
            (&a.location, &a.name, a.required).cmp(&(&b.location, &b.name, b.required))
        });
        facts.statuses = op
            .statuses
            .iter()
            .flatten()
            .map(|c| {
                if c == "0" {
                    "default".to_string()
                } else {
                    c.clone()
                }
            })
            .collect();
        facts.security = op.auth.iter().cloned().collect();
        if out.insert(op.name.clone(), facts).is_some() {
            return Err(at("documented twice".into()));
        }
    }
    Ok(out)
}

/// The operation names of a docs page (empty when it is not one).
pub fn docs_page_names(text: &str) -> BTreeSet<String> {
    parse(text)
        .map(|p| p.ops.into_iter().map(|o| o.name).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn param(name: &str, location: &str, required: bool) -> Param {
        Param {
            name: name.into(),
            location: location.into(),
            required,
        }
    }

    /// Body parameter, `#/parameters` and `#/definitions` refs,
    /// `securityDefinitions`, top-level `security`, `security: []` and an
    /// optional (`{}`) alternative.
    const SWAGGER: &str = r##"{
      "swagger": "2.0",
      "info": {"title": "t", "version": "1"},
      "securityDefinitions": {
        "appKey": {"type": "apiKey", "in": "header", "name": "app"},
        "userToken": {"type": "apiKey", "in": "header", "name": "token"}
      },
      "security": [{"appKey": [], "userToken": []}],
      "parameters": {
        "Trace": {"name": "X-Trace", "in": "header", "type": "string"}
      },
      "definitions": {
        "Base": {"type": "object", "required": ["username"]},
        "Login": {
          "allOf": [{"$ref": "#/definitions/Base"}],
          "required": ["password", "id"],
          "properties": {"id": {"type": "string", "readOnly": true}}
        }
      },
      "paths": {
        "/login": {
          "parameters": [{"$ref": "#/parameters/Trace"}],
          "post": {
            "operationId": "login",
            "security": [],
            "parameters": [
              {"in": "header", "name": "applicationId", "type": "string", "required": true},
              {"in": "body", "name": "Details", "required": true,
               "schema": {"$ref": "#/definitions/Login"}}
            ],
            "responses": {"200": {"description": "OK"}, "401": {"description": "no"}}
          }
        },
        "/token/{id}": {
          "delete": {
            "operationId": "deleteToken",
            "parameters": [{"name": "id", "in": "path", "type": "string"}],
            "responses": {"200": {"description": "OK"}}
          },
          "get": {
            "operationId": "peek",
            "security": [{"userToken": []}, {}],
            "responses": {"default": {"description": "any"}}
          }
        }
      }
    }"##;

    #[test]
    fn a_swagger_2_document() {
        let doc: Value = serde_json::from_str(SWAGGER).unwrap();
        let facts = from_openapi(&doc).unwrap();
        assert_eq!(
            facts.keys().cloned().collect::<Vec<_>>(),
            ["deleteToken", "login", "peek"]
        );
        let login = &facts["login"];
        assert_eq!(
            (login.method.as_str(), login.path.as_str()),
            ("POST", "/login")
        );
        // The body is not a parameter; the path-level one is inherited.
        assert_eq!(
            login.parameters,
            [
                param("X-Trace", "header", false),
                param("applicationId", "header", true)
            ]
        );
        // `allOf` adds `username`; the read-only `id` is never sent.
        assert_eq!(login.required_fields, set(&["password", "username"]));
        assert_eq!(login.statuses, set(&["200", "401"]));
        assert!(login.security.is_empty());
        let delete = &facts["deleteToken"];
        assert_eq!(delete.parameters, [param("id", "path", true)]);
        assert_eq!(delete.security, set(&["appKey", "userToken"]));
        assert!(delete.required_fields.is_empty());
        let peek = &facts["peek"];
        assert_eq!(peek.security, set(&["userToken", OPTIONAL]));
        assert_eq!(peek.statuses, set(&["default"]));
    }

    /// Refs to `components` parameters, requestBodies, responses and
    /// schemas; 3.1 type lists; a oneOf body.
    const OPENAPI_3_1: &str = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
security:
  - Bearer: []
paths:
  /apps/{app_id}/keys:
    parameters:
      - $ref: "#/components/parameters/AppId"
    post:
      operationId: v1.keys.create
      parameters:
        - in: header
          name: idempotency-key
          schema: {type: [string, "null"]}
      requestBody:
        $ref: "#/components/requestBodies/KeyIn"
      responses:
        "201": {$ref: "#/components/responses/Key"}
        "4XX": {$ref: "#/components/responses/Key"}
    get:
      operationId: v1.keys.list
      security: [{}]
      responses:
        "200": {description: ok}
  /token:
    post:
      operationId: v1.token
      requestBody:
        content:
          text/plain: {schema: {type: string}}
          application/json:
            schema:
              oneOf:
                - {type: object, required: [type, code]}
                - {$ref: "#/components/schemas/Refresh"}
      responses:
        default: {description: any}
components:
  parameters:
    AppId: {name: app_id, in: path, required: true, schema: {type: string}}
  requestBodies:
    KeyIn:
      required: true
      content:
        application/json:
          schema: {$ref: "#/components/schemas/KeyIn"}
  responses:
    Key: {description: a key}
  schemas:
    KeyIn:
      type: object
      required: [name]
      properties:
        name: {type: [string, "null"]}
    Refresh: {type: object, required: [type, token]}
"##;

    #[test]
    fn an_openapi_3_1_document() {
        let doc: Value = serde_yaml_ng::from_str(OPENAPI_3_1).unwrap();
        let facts = from_openapi(&doc).unwrap();
        let create = &facts["v1.keys.create"];
        assert_eq!(
            (create.method.as_str(), create.path.as_str()),
            ("POST", "/apps/{app_id}/keys")
        );
        assert_eq!(
            create.parameters,
            [
                param("idempotency-key", "header", false),
                param("app_id", "path", true)
            ]
        );
        assert_eq!(create.required_fields, set(&["name"]));
        assert_eq!(create.statuses, set(&["201", "4XX"]));
        assert_eq!(create.security, set(&["Bearer"]));
        let list = &facts["v1.keys.list"];
        assert_eq!(list.security, set(&[OPTIONAL]));
        assert!(list.required_fields.is_empty());
        // The JSON media type's schema; what every oneOf variant requires.
        assert_eq!(facts["v1.token"].required_fields, set(&["type"]));
        assert_eq!(facts["v1.token"].statuses, set(&["default"]));
    }

    #[test]
    fn a_spec_sends_its_first_alternative_and_keeps_upstream_names() {
        let mut doc: Value = serde_yaml_ng::from_str(OPENAPI_3_1).unwrap();
        doc["openapi"] = "3.0.3".into();
        doc["paths"]["/token"]["post"]["x-upstream-name"] = "token".into();
        doc["paths"]["/token"]["post"]["security"] = serde_json::json!([{"Bearer": []}, {}]);
        let ops = from_spec(&doc).unwrap();
        let token = ops.iter().find(|o| o.id == "v1.token").unwrap();
        assert_eq!(token.upstream.as_deref(), Some("token"));
        assert_eq!(token.facts.security, set(&["Bearer"]));
        let list = ops.iter().find(|o| o.id == "v1.keys.list").unwrap();
        assert!(list.upstream.is_none() && list.facts.security.is_empty());
    }

    #[test]
    fn dangling_refs_and_unknown_versions_are_errors() {
        let mut doc: Value = serde_yaml_ng::from_str(OPENAPI_3_1).unwrap();
        doc["components"]["requestBodies"] = serde_json::json!({});
        let e = from_openapi(&doc).unwrap_err();
        assert!(
            e.contains(
                "operation v1.keys.create: dangling `$ref: #/components/requestBodies/KeyIn`"
            ),
            "{e}"
        );
        assert!(from_openapi(&serde_json::json!({"paths": {}})).is_err());
    }

    const PAGE: &str = "# client.AuthApi

All URIs are relative to *https://example.com*

Method | HTTP request | Description
------------- | ------------- | -------------
[**create_key**](AuthApi.md#create_key) | **POST** /keys/{orgId} | 
[**logout**](AuthApi.md#logout) | **POST** /logout | 

# **create_key**
> Key create_key(org_id, create_key, x_trace=x_trace, verbose=verbose)

### Parameters

Name | Type | Description  | Notes
------------- | ------------- | ------------- | -------------
 **org_id** | **str**|  | 
 **create_key** | [**CreateKey**](CreateKey.md)|  | 
 **x_trace** | **str**|  | [optional] 
 **verbose** | **bool**|  | [optional] 

### Return type

[**Key**](Key.md)

### Authorization

[oauth2Auth](../README.md#oauth2Auth)

### HTTP request headers

 - **Content-Type**: application/json
 - **Accept**: application/json

### HTTP response details

| Status code | Description | Response headers |
|-------------|-------------|------------------|
**200** |  |  -  |
**400** | Invalid value for: body |  -  |
**0** |  |  -  |

# **logout**
> object logout(body)

### Parameters

Name | Type | Description  | Notes
------------- | ------------- | ------------- | -------------
 **body** | **str**|  | 

### Return type

**object**

### Authorization

No authorization required

### HTTP request headers

 - **Content-Type**: application/json
 - **Accept**: application/json

### HTTP response details

| Status code | Description | Response headers |
|-------------|-------------|------------------|
**200** |  |  -  |
";

    const MODEL: &str = "# CreateKey

## Properties

Name | Type | Description | Notes
------------ | ------------- | ------------- | -------------
**maybe_orga** | **str** |  | [optional] 
**name** | **str** |  | 
**id** | **str** |  | [readonly] 

## Example
";

    #[test]
    fn a_docs_page_with_its_model_pages() {
        let model = |name: &str| (name == "CreateKey").then(|| MODEL.to_string());
        let facts = from_docs_page(PAGE, &model).unwrap();
        let create = &facts["create_key"];
        assert_eq!(
            (create.method.as_str(), create.path.as_str()),
            ("POST", "/keys/{orgId}")
        );
        // In the path as the path spells it; `x_` names are headers.
        assert_eq!(
            create.parameters,
            [
                param("x_trace", "header", false),
                param("orgId", "path", true),
                param("verbose", "query", false)
            ]
        );
        assert_eq!(create.required_fields, set(&["name"]));
        assert_eq!(create.statuses, set(&["200", "400", "default"]));
        assert_eq!(create.security, set(&["oauth2Auth"]));
        // A string body is the body, not a parameter.
        let logout = &facts["logout"];
        assert!(logout.parameters.is_empty() && logout.required_fields.is_empty());
        assert!(logout.security.is_empty());

        let e = from_docs_page(PAGE, &|_| None).unwrap_err();
        assert!(
            e.contains("operation create_key: no model page `CreateKey.md`"),
            "{e}"
        );
        assert_eq!(docs_page_names(PAGE), set(&["create_key", "logout"]));
    }
}
