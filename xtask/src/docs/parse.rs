//! Reads an API docs page written by an OpenAPI docs generator: the
//! operation table, then one section per operation (parameters, return
//! type, authorization, media types and, where the flavour has one, the
//! status table).
//!
//! Three flavours are in use; they share the section layout and differ in
//! the details this parser takes care of:
//! - swagger-codegen Python: Python names, `**str**` types, no status table;
//! - openapi-generator Python: the same, plus "HTTP response details";
//! - swagger-codegen JavaScript: camelCase names, `**String**` types, an
//!   `<a name>` anchor before each section, optional parameters in `opts`.
//!
//! A parsed page is what `specs/docs/<service>.json` holds (see
//! [`super::snapshot`]), so its types read and write with serde, in field
//! order.

use serde::{Deserialize, Serialize};

/// The generator that wrote a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavour {
    SwaggerPython,
    OpenApiGeneratorPython,
    SwaggerJavaScript,
}

/// One documented parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    /// As written: `str`, `String`, `int`, a model name.
    pub ty: String,
    /// The type links to a model page: the request body.
    pub model: bool,
    pub required: bool,
}

/// One documented operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsOp {
    pub name: String,
    pub method: String,
    pub path: String,
    pub params: Vec<Param>,
    /// `None` for an empty body (`void`, `null`).
    pub returns: Option<String>,
    pub auth: Vec<String>,
    pub content_type: Vec<String>,
    pub accept: Vec<String>,
    /// Status codes, when the flavour has a status table.
    pub statuses: Option<Vec<String>>,
}

/// A whole page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocsPage {
    pub flavour: Flavour,
    pub base_url: Option<String>,
    pub ops: Vec<DocsOp>,
}

/// The text between `**` and `**`, or inside `[**...**](...)`.
fn bold(cell: &str) -> Option<&str> {
    let start = cell.find("**")? + 2;
    let end = cell[start..].find("**")? + start;
    Some(&cell[start..end])
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

fn detect(text: &str) -> Flavour {
    if text.contains("```javascript") || text.contains("<a name=") {
        Flavour::SwaggerJavaScript
    } else if text.contains("### HTTP response details") || text.contains("openapi_client") {
        Flavour::OpenApiGeneratorPython
    } else {
        Flavour::SwaggerPython
    }
}

/// Parses a page; errors name the operation and what is missing.
pub fn parse(text: &str) -> Result<DocsPage, String> {
    let flavour = detect(text);
    let base_url = text
        .lines()
        .find_map(|l| l.strip_prefix("All URIs are relative to *"))
        .map(|l| l.trim_end_matches('*').trim_end_matches('/').to_string());
    // The operation table: `[**name**](...) | **METHOD** /path | summary`.
    let mut ops: Vec<DocsOp> = Vec::new();
    for line in text.lines() {
        let c = cells(line);
        if c.len() < 2 || !c[0].starts_with("[**") {
            continue;
        }
        let (Some(name), Some(method)) = (bold(&c[0]), bold(&c[1])) else {
            continue;
        };
        let path = c[1].rsplit("** ").next().unwrap_or("").trim().to_string();
        ops.push(DocsOp {
            name: name.to_string(),
            method: method.to_ascii_lowercase(),
            path,
            ..DocsOp::default()
        });
    }
    if ops.is_empty() {
        return Err("no operation table (`[**name**](...) | **METHOD** /path`) found".into());
    }
    // The sections: `# **name**` up to the next one.
    let lines: Vec<&str> = text.lines().collect();
    for op in &mut ops {
        let heading = format!("# **{}**", op.name);
        let Some(start) = lines.iter().position(|l| l.trim() == heading) else {
            return Err(format!("operation {}: no `{heading}` section", op.name));
        };
        let end = lines[start + 1..]
            .iter()
            .position(|l| l.starts_with("# **"))
            .map_or(lines.len(), |e| start + 1 + e);
        section(op, &lines[start..end], flavour)?;
    }
    Ok(DocsPage {
        flavour,
        base_url,
        ops,
    })
}

fn section(op: &mut DocsOp, lines: &[&str], flavour: Flavour) -> Result<(), String> {
    let mut part = "";
    for line in lines {
        if let Some(h) = line.strip_prefix("### ") {
            part = h.trim();
            continue;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with("[[Back") || t.starts_with("<a name") {
            continue;
        }
        match part {
            "Parameters" => {
                let c = cells(t);
                if c.len() >= 2 && c[0].starts_with("**") {
                    let name = bold(&c[0]).unwrap_or_default().to_string();
                    let model = c[1].starts_with("[**");
                    let ty = bold(&c[1]).unwrap_or_default().to_string();
                    let required = !c.get(3).is_some_and(|n| n.contains("[optional]"));
                    op.params.push(Param {
                        name,
                        ty,
                        model,
                        required,
                    });
                }
            }
            "Return type"
                if op.returns.is_none() && !t.starts_with("void") && !t.starts_with("null") =>
            {
                op.returns = Some(bold(t).unwrap_or(t).to_string());
            }
            "Authorization" if !t.starts_with("No authorization") => {
                op.auth = t
                    .split(", ")
                    .filter_map(|a| a.strip_prefix('['))
                    .filter_map(|a| a.split(']').next())
                    .map(str::to_string)
                    .collect();
            }
            "HTTP request headers" => {
                let list = |v: &str| -> Vec<String> {
                    if v.trim() == "Not defined" {
                        Vec::new()
                    } else {
                        v.split(',').map(|s| s.trim().to_string()).collect()
                    }
                };
                if let Some(v) = t.strip_prefix("- **Content-Type**:") {
                    op.content_type = list(v);
                } else if let Some(v) = t.strip_prefix("- **Accept**:") {
                    op.accept = list(v);
                }
            }
            "HTTP response details" => {
                let c = cells(t);
                if let Some(code) = c.first().and_then(|c| bold(c)) {
                    op.statuses
                        .get_or_insert_with(Vec::new)
                        .push(code.to_string());
                }
            }
            _ => {}
        }
    }
    if flavour == Flavour::OpenApiGeneratorPython && op.statuses.is_none() {
        return Err(format!("operation {}: no status table", op.name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const OPENAPI_GENERATOR_PYTHON: &str =
        include_str!("fixtures/openapi_generator_python.md");
    pub(crate) const SWAGGER_PYTHON: &str = include_str!("fixtures/swagger_python.md");
    pub(crate) const SWAGGER_JAVASCRIPT: &str = include_str!("fixtures/swagger_javascript.md");

    #[test]
    fn openapi_generator_python() {
        let page = parse(OPENAPI_GENERATOR_PYTHON).unwrap();
        assert_eq!(page.flavour, Flavour::OpenApiGeneratorPython);
        assert_eq!(
            page.base_url.as_deref(),
            Some("https://pets.example.com/v1")
        );
        let op = &page.ops[0];
        assert_eq!(
            (op.name.as_str(), op.method.as_str(), op.path.as_str()),
            ("adopt_pet", "post", "/pets/{pet_id}/adopt")
        );
        assert_eq!(op.params.len(), 3);
        assert!(op.params[0].required && !op.params[0].model);
        assert!(op.params[1].model && op.params[1].ty == "AdoptRequest");
        assert!(!op.params[2].required);
        assert_eq!(op.returns.as_deref(), Some("Adoption"));
        assert_eq!(op.auth, ["petKey"]);
        assert_eq!(op.content_type, ["application/json"]);
        assert_eq!(
            op.statuses.as_deref(),
            Some(&["200".to_string(), "404".into(), "0".into()][..])
        );
        let op = &page.ops[1];
        assert_eq!(op.returns, None);
        assert!(op.auth.is_empty() && op.params.is_empty());
    }

    #[test]
    fn swagger_python() {
        let page = parse(SWAGGER_PYTHON).unwrap();
        assert_eq!(page.flavour, Flavour::SwaggerPython);
        let op = &page.ops[0];
        assert_eq!(op.name, "list_pets");
        assert_eq!(op.returns.as_deref(), Some("list[Pet]"));
        assert_eq!(op.auth, ["appKey", "userToken"]);
        assert_eq!(op.statuses, None);
        assert_eq!(op.params[0].ty, "int");
    }

    #[test]
    fn swagger_javascript() {
        let page = parse(SWAGGER_JAVASCRIPT).unwrap();
        assert_eq!(page.flavour, Flavour::SwaggerJavaScript);
        let op = &page.ops[0];
        assert_eq!(op.name, "feedPet");
        assert_eq!(op.params[1].name, "xRequestID");
        assert_eq!(op.params[1].ty, "String");
        assert!(!op.params[1].required);
        assert!(op.content_type.is_empty());
    }

    #[test]
    fn a_page_without_an_operation_table_is_an_error() {
        assert!(parse("# nothing here")
            .unwrap_err()
            .contains("no operation table"));
    }
}
