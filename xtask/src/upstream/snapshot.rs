//! `specs/upstream/<service>.json`: the facts of the newest published
//! description of a service's API, written by
//! `cargo xtask upstream-check <dir> --write` and checked in, so that the
//! specs are checked against upstream without the documents at hand.
//!
//! ```json
//! {
//!   "format": "openapi",
//!   "operations": {
//!     "LoginAuth": {
//!       "method": "POST",
//!       "parameters": [{"in": "header", "name": "X-Trace", "required": false}],
//!       "path": "/auth/login",
//!       "required_fields": ["password", "username"],
//!       "security": [],
//!       "statuses": ["200", "400"]
//!     }
//!   },
//!   "source": "https://github.com/<owner>/<repo>/blob/<commit>/<path>"
//! }
//! ```
//!
//! Keys are sorted, lists sorted, two-space indented, one trailing newline:
//! the same facts always give the same bytes.

use serde_json::{json, Map, Value};

use super::facts::{Facts, OpFacts, Param};

/// What kind of document a snapshot was taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Swagger 2.0 or OpenAPI 3.x document.
    OpenApi,
    /// An openapi-generator Python docs page and its model pages.
    DocsPage,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OpenApi => "openapi",
            Format::DocsPage => "docs-page",
        }
    }
}

/// One service's snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The public URL at a commit: the spec's `info.x-upstream`.
    pub source: String,
    pub format: Format,
    /// By upstream operation name.
    pub operations: Facts,
}

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> Value {
    Value::Array(items.into_iter().map(|s| json!(s)).collect())
}

fn op_json(op: &OpFacts) -> Value {
    // Inserted in key order, so the output is sorted whether or not
    // serde_json keeps insertion order.
    let mut m = Map::new();
    m.insert("method".into(), json!(op.method));
    m.insert(
        "parameters".into(),
        Value::Array(
            op.parameters
                .iter()
                .map(|p| {
                    let mut pm = Map::new();
                    pm.insert("in".into(), json!(p.location));
                    pm.insert("name".into(), json!(p.name));
                    pm.insert("required".into(), json!(p.required));
                    Value::Object(pm)
                })
                .collect(),
        ),
    );
    m.insert("path".into(), json!(op.path));
    m.insert("required_fields".into(), strings(&op.required_fields));
    m.insert("security".into(), strings(&op.security));
    m.insert("statuses".into(), strings(&op.statuses));
    Value::Object(m)
}

impl Snapshot {
    /// The file's text.
    pub fn to_json(&self) -> String {
        let mut ops = Map::new();
        for (name, op) in &self.operations {
            ops.insert(name.clone(), op_json(op));
        }
        let mut top = Map::new();
        top.insert("format".into(), json!(self.format.as_str()));
        top.insert("operations".into(), Value::Object(ops));
        top.insert("source".into(), json!(self.source));
        let mut text = serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a snapshot; errors name the operation and the key.
    pub fn parse(text: &str) -> Result<Snapshot, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let s = |v: &Value, k: &str, at: &str| -> Result<String, String> {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("{at}`{k}` is not a string"))
        };
        let list = |v: &Value, k: &str, at: &str| -> Result<Vec<String>, String> {
            v.get(k)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{at}`{k}` is not a list"))?
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("{at}`{k}` holds a non-string"))
                })
                .collect()
        };
        let format = match s(&v, "format", "")?.as_str() {
            "openapi" => Format::OpenApi,
            "docs-page" => Format::DocsPage,
            other => {
                return Err(format!(
                    "`format` is `{other}`, not `openapi` or `docs-page`"
                ))
            }
        };
        let mut operations = Facts::new();
        for (name, op) in v
            .get("operations")
            .and_then(Value::as_object)
            .ok_or("`operations` is not an object")?
        {
            let at = format!("operation {name}: ");
            let mut parameters = Vec::new();
            for p in op
                .get("parameters")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{at}`parameters` is not a list"))?
            {
                parameters.push(Param {
                    name: s(p, "name", &at)?,
                    location: s(p, "in", &at)?,
                    required: p
                        .get("required")
                        .and_then(Value::as_bool)
                        .ok_or_else(|| format!("{at}a parameter's `required` is not a boolean"))?,
                });
            }
            parameters.sort_by(|a, b| {
                (&a.location, &a.name, a.required).cmp(&(&b.location, &b.name, b.required))
            });
            operations.insert(
                name.clone(),
                OpFacts {
                    method: s(op, "method", &at)?,
                    path: s(op, "path", &at)?,
                    parameters,
                    required_fields: list(op, "required_fields", &at)?.into_iter().collect(),
                    statuses: list(op, "statuses", &at)?.into_iter().collect(),
                    security: list(op, "security", &at)?.into_iter().collect(),
                },
            );
        }
        Ok(Snapshot {
            source: s(&v, "source", "")?,
            format,
            operations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_reads_back_and_is_written_in_key_order() {
        let mut operations = Facts::new();
        operations.insert(
            "login".into(),
            OpFacts {
                method: "POST".into(),
                path: "/login".into(),
                parameters: vec![Param {
                    name: "X-Trace".into(),
                    location: "header".into(),
                    required: false,
                }],
                required_fields: ["username".to_string(), "password".into()].into(),
                statuses: ["200".to_string(), "default".into()].into(),
                security: Default::default(),
            },
        );
        let snap = Snapshot {
            source: "https://example.com/a.yaml".into(),
            format: Format::DocsPage,
            operations,
        };
        let text = snap.to_json();
        assert_eq!(Snapshot::parse(&text).unwrap(), snap);
        assert!(text.ends_with("}\n"));
        let keys = [
            "\"format\"",
            "\"operations\"",
            "\"method\"",
            "\"parameters\"",
            "\"in\"",
            "\"name\"",
            "\"required\"",
            "\"path\"",
            "\"required_fields\"",
            "\"security\"",
            "\"statuses\"",
            "\"source\"",
        ];
        let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(
            text.contains("\"password\",\n        \"username\""),
            "{text}"
        );

        let e = Snapshot::parse(&text.replace("\"path\"", "\"route\"")).unwrap_err();
        assert!(e.contains("operation login: `path` is not a string"), "{e}");
    }
}
