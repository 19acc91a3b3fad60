//! The published documents in a folder (`upstream-check <dir>`): finding
//! the one a snapshot was taken from, its facts, and where the snapshot no
//! longer says what the document says.
//!
//! No file name is baked in: every JSON/YAML file with `paths` under the
//! folder is a candidate OpenAPI/Swagger document, every parseable
//! Markdown docs page a candidate docs page, and the one whose operation
//! names overlap the snapshot's (or, before there is a snapshot, the
//! spec's `x-upstream-name`s) most is the service's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::check::compare;
use super::facts::{docs_page_names, from_docs_page, from_openapi, openapi_names, Facts};
use super::snapshot::{Format, Snapshot};

/// One candidate document.
pub struct Document {
    pub path: PathBuf,
    pub format: Format,
    /// Its operation names (operationIds, or the docs page's names).
    pub names: BTreeSet<String>,
    text: String,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Reads a JSON or YAML document (JSON by its own parser).
fn read_value(path: &Path, text: &str) -> Option<Value> {
    if path.extension().is_some_and(|x| x == "json") {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml_ng::from_str(text).ok()
    }
}

fn is_openapi(v: &Value) -> bool {
    v.get("paths").is_some_and(Value::is_object)
        && (v.get("swagger").is_some() || v.get("openapi").is_some())
}

/// Every candidate document under `dir`, in path order.
pub fn collect(dir: &Path) -> Result<Vec<Document>, String> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let ext = path
            .extension()
            .map(|x| x.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let found = match ext.as_str() {
            "json" | "yaml" | "yml" => read_value(&path, &text)
                .filter(is_openapi)
                .map(|v| (Format::OpenApi, openapi_names(&v))),
            "md" => Some((Format::DocsPage, docs_page_names(&text))),
            _ => None,
        };
        if let Some((format, names)) = found.filter(|(_, n)| !n.is_empty()) {
            out.push(Document {
                path,
                format,
                names,
                text,
            });
        }
    }
    Ok(out)
}

/// The document of `format` (any, when `None`) whose operation names
/// overlap `names` most; the first in path order on a tie, an OpenAPI
/// document before a docs page.
pub fn pick<'a>(
    docs: &'a [Document],
    format: Option<Format>,
    names: &BTreeSet<String>,
) -> Option<&'a Document> {
    let mut best: Option<(usize, &Document)> = None;
    for d in docs.iter().filter(|d| format.is_none_or(|f| f == d.format)) {
        let n = d.names.intersection(names).count();
        let better = match best {
            None => n > 0,
            Some((m, b)) => {
                n > m || (n == m && b.format == Format::DocsPage && d.format == Format::OpenApi)
            }
        };
        if better {
            best = Some((n, d));
        }
    }
    best.map(|(_, d)| d)
}

impl Document {
    /// The document's facts; a docs page reads its model pages from its
    /// own folder.
    pub fn facts(&self) -> Result<Facts, String> {
        let at = |e: String| format!("{}: {e}", self.path.display());
        match self.format {
            Format::OpenApi => {
                let v = read_value(&self.path, &self.text)
                    .ok_or_else(|| at("not JSON or YAML".into()))?;
                from_openapi(&v).map_err(at)
            }
            Format::DocsPage => {
                let folder = self.path.parent().unwrap_or(Path::new("."));
                let model = |name: &str| -> Option<String> {
                    // A model name, never a path.
                    if name.contains(['/', '\\']) || name.starts_with('.') {
                        return None;
                    }
                    std::fs::read_to_string(folder.join(format!("{name}.md"))).ok()
                };
                from_docs_page(&self.text, &model).map_err(at)
            }
        }
    }
}

/// Where the snapshot `snap_rel` no longer says what the document
/// `doc_label` says: one error per operation and field.
pub fn drift(snap_rel: &str, snapshot: &Snapshot, doc_label: &str, facts: &Facts) -> Vec<String> {
    let mut errors = Vec::new();
    let mut push = |op: &str, field: &str, doc: &str, snap: &str| {
        errors.push(format!(
            "{snap_rel}: operation {op}: {field}: {doc_label} says `{doc}`, the snapshot says `{snap}` (upstream changed: rewrite the snapshot with `cargo xtask upstream-check <dir> --write`, then follow the change in the spec or declare it in x-upstream)"
        ));
    };
    let names: BTreeSet<&String> = facts.keys().chain(snapshot.operations.keys()).collect();
    for name in names {
        match (facts.get(name), snapshot.operations.get(name)) {
            (Some(d), Some(s)) => compare(d, s, |field, doc, snap| push(name, &field, &doc, &snap)),
            (Some(_), None) => push(name, "operation", "present", "absent"),
            (None, Some(_)) => push(name, "operation", "absent", "present"),
            (None, None) => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, format: Format, names: &[&str], text: &str) -> Document {
        Document {
            path: path.into(),
            format,
            names: names.iter().map(|s| s.to_string()).collect(),
            text: text.into(),
        }
    }

    fn names(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_document_with_the_most_shared_operations_is_picked() {
        let docs = [
            doc("a/old.yaml", Format::OpenApi, &["getApiAuth", "login"], ""),
            doc(
                "a/Api.md",
                Format::DocsPage,
                &["get_api_auth", "get_api_auth_me"],
                "",
            ),
            doc("b/other.json", Format::OpenApi, &["LoginAuth"], ""),
        ];
        let want = names(&["get_api_auth", "get_api_auth_me", "login"]);
        assert_eq!(
            pick(&docs, None, &want).unwrap().path,
            Path::new("a/Api.md")
        );
        assert_eq!(
            pick(&docs, Some(Format::OpenApi), &want).unwrap().path,
            Path::new("a/old.yaml")
        );
        assert!(pick(&docs, None, &names(&["nothing"])).is_none());
    }

    const DOC: &str = r#"{
      "openapi": "3.1.0",
      "paths": {
        "/login": {"post": {"operationId": "login",
          "requestBody": {"content": {"application/json": {"schema": {"required": ["user"]}}}},
          "responses": {"200": {}}}},
        "/me": {"get": {"operationId": "me", "responses": {"200": {}}}}
      }
    }"#;

    /// The snapshot against a changed document names the service's
    /// snapshot, the operation and the field.
    #[test]
    fn a_changed_document_names_the_snapshot_operation_and_field() {
        let d = doc("up/api.json", Format::OpenApi, &["login", "me"], DOC);
        let facts = d.facts().unwrap();
        let snap = Snapshot {
            source: "https://example.com".into(),
            format: Format::OpenApi,
            operations: facts.clone(),
        };
        assert!(drift("specs/upstream/x.json", &snap, "up/api.json", &facts).is_empty());

        let changed: Value = serde_json::from_str(
            &DOC.replace("[\"user\"]", "[\"user\", \"otp\"]")
                .replace("\"/me\"", "\"/users/me\"")
                .replace("\"operationId\": \"me\"", "\"operationId\": \"whoami\""),
        )
        .unwrap();
        let e = drift(
            "specs/upstream/x.json",
            &snap,
            "up/api.json",
            &from_openapi(&changed).unwrap(),
        )
        .join("\n");
        assert!(
            e.contains("specs/upstream/x.json: operation login: required field otp: up/api.json says `required`, the snapshot says `not required`"),
            "{e}"
        );
        assert!(
            e.contains("operation whoami: operation: up/api.json says `present`"),
            "{e}"
        );
        assert!(
            e.contains("operation me: operation: up/api.json says `absent`"),
            "{e}"
        );
    }
    /// Walks a folder of the repository (the docs-page fixtures): every
    /// docs page is a candidate, and a page's facts need its model pages.
    #[test]
    fn a_folder_is_searched_and_model_pages_are_read_beside_the_page() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/docs/fixtures");
        let docs = collect(&dir).unwrap();
        assert!(docs.len() >= 3 && docs.iter().all(|d| d.format == Format::DocsPage));
        let found = pick(&docs, Some(Format::DocsPage), &names(&["adopt_pet"])).unwrap();
        assert!(found.path.ends_with("openapi_generator_python.md"));
        let e = found.facts().unwrap_err();
        assert!(
            e.contains("operation adopt_pet: no model page `AdoptRequest.md`"),
            "{e}"
        );
        assert!(pick(&docs, Some(Format::OpenApi), &names(&["adopt_pet"])).is_none());
    }

    #[test]
    fn yaml_status_keys_need_not_be_quoted() {
        let v: Value = serde_yaml_ng::from_str(
            "swagger: '2.0'\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        200: {description: ok}\n",
        )
        .unwrap();
        assert!(from_openapi(&v).unwrap()["a"].statuses.contains("200"));
    }
}
