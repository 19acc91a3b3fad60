//! `cargo xtask codegen`: every `specs/<service>.yaml` becomes
//! `crates/<service>/src/generated.rs` (client, types, auth glue) and
//! `crates/<service>/src/mock.rs` (typed httpmock helpers), and the README's
//! operation table is rewritten from the specs.
//!
//! Everything is generated in memory first; files are written only when every
//! spec succeeded, so a bad spec never leaves half-written output behind.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use progenitor::{CrateVers, GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;
use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Write,
    Check,
}

const README_BEGIN: &str = "<!-- operations:begin (cargo xtask codegen) -->";
const README_END: &str = "<!-- operations:end -->";
const MAX_DIFF_LINES: usize = 60;
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One file the generator owns: where it goes and what it must contain.
#[derive(Debug)]
pub struct Output {
    pub path: PathBuf,
    pub contents: String,
}

/// A spec that cannot be generated: which file, which operation, why.
#[derive(Debug)]
pub struct SpecError {
    pub spec: String,
    pub operation: Option<String>,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "{}: operation {}: {}", self.spec, op, self.message),
            None => write!(f, "{}: {}", self.spec, self.message),
        }
    }
}

/// Runs codegen over the workspace at `root`. In `Check` mode nothing is
/// written; the result lists stale files and carries a printable report.
pub fn run(root: &Path, mode: Mode) -> Result<Vec<PathBuf>, String> {
    let outputs = generate_all(root).map_err(|errors| {
        let mut report = String::new();
        for e in &errors {
            let _ = writeln!(report, "error: {e}");
        }
        let _ = write!(
            report,
            "codegen failed for {} spec problem(s); no file was changed",
            errors.len()
        );
        report
    })?;

    let mut stale = Vec::new();
    let mut report = String::new();
    for out in &outputs {
        let current = fs::read_to_string(&out.path).unwrap_or_default();
        if current == out.contents {
            continue;
        }
        let rel = out
            .path
            .strip_prefix(root)
            .unwrap_or(&out.path)
            .to_path_buf();
        match mode {
            Mode::Write => {
                if let Some(dir) = out.path.parent() {
                    fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                fs::write(&out.path, &out.contents)
                    .map_err(|e| format!("cannot write {}: {e}", rel.display()))?;
            }
            Mode::Check => {
                let diff = similar::TextDiff::from_lines(&current, &out.contents);
                let text = diff
                    .unified_diff()
                    .context_radius(2)
                    .header(
                        &format!("a/{}", rel.display()),
                        &format!("b/{}", rel.display()),
                    )
                    .to_string();
                let _ = writeln!(report, "stale: {}", rel.display());
                // A long diff would bury the verdict; the command below
                // regenerates everything anyway.
                let diff_lines: Vec<&str> = text.lines().collect();
                for line in diff_lines.iter().take(MAX_DIFF_LINES) {
                    let _ = writeln!(report, "{line}");
                }
                if diff_lines.len() > MAX_DIFF_LINES {
                    let more = diff_lines.len() - MAX_DIFF_LINES;
                    let _ = writeln!(report, "... ({more} more diff lines)");
                }
            }
        }
        stale.push(rel);
    }
    if mode == Mode::Check && !stale.is_empty() {
        let _ = write!(
            report,
            "{} generated file(s) differ from the specs: run `cargo xtask codegen` and commit the result",
            stale.len()
        );
        return Err(report);
    }
    Ok(stale)
}

/// Generates every output in memory; collects the errors of all specs.
pub fn generate_all(root: &Path) -> Result<Vec<Output>, Vec<SpecError>> {
    let specs_dir = root.join("specs");
    let mut specs: Vec<PathBuf> = match fs::read_dir(&specs_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(e) => {
            return Err(vec![SpecError {
                spec: "specs/".into(),
                operation: None,
                message: format!("cannot read the specs directory: {e}"),
            }])
        }
    };
    specs.sort();

    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    let mut tables = Vec::new();
    for spec_path in &specs {
        let service = spec_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let rel = format!("specs/{service}.yaml");
        match generate_service(root, &rel, &service) {
            Ok((files, table)) => {
                outputs.extend(files);
                tables.push(table);
            }
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let readme_path = root.join("README.md");
    let readme = fs::read_to_string(&readme_path).unwrap_or_default();
    match splice_readme(&readme, &tables.concat()) {
        Some(contents) => outputs.push(Output {
            path: readme_path,
            contents,
        }),
        None => {
            return Err(vec![SpecError {
                spec: "README.md".into(),
                operation: None,
                message: format!("the markers `{README_BEGIN}` and `{README_END}` are missing"),
            }])
        }
    }
    Ok(outputs)
}

fn spec_error(spec: &str, operation: Option<String>, message: impl Into<String>) -> SpecError {
    SpecError {
        spec: spec.to_string(),
        operation,
        message: message.into(),
    }
}

/// Everything generated from one spec, plus its README table rows.
fn generate_service(
    root: &Path,
    rel: &str,
    service: &str,
) -> Result<(Vec<Output>, String), Vec<SpecError>> {
    let text = fs::read_to_string(root.join(rel))
        .map_err(|e| vec![spec_error(rel, None, format!("cannot read: {e}"))])?;
    let value: Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| vec![spec_error(rel, None, format!("invalid YAML: {e}"))])?;
    let ops = validate(rel, &value)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(value.clone()).map_err(|e| {
        vec![spec_error(
            rel,
            None,
            format!("not a valid OpenAPI 3.0 document: {e}"),
        )]
    })?;

    let (client, mock) = match catch(|| generate_tokens(&spec)) {
        Ok(Ok(pair)) => pair,
        Ok(Err(message)) | Err(message) => return Err(vec![localize(rel, &spec, &ops, message)]),
    };

    let client =
        finish_client(rel, &value, &ops, client).map_err(|m| vec![spec_error(rel, None, m)])?;
    let descriptions = descriptions(&value);
    let mock = render(rel, mock, &descriptions).map_err(|m| vec![spec_error(rel, None, m)])?;
    let dir = root.join("crates").join(service).join("src");
    Ok((
        vec![
            Output {
                path: dir.join("generated.rs"),
                contents: client,
            },
            Output {
                path: dir.join("mock.rs"),
                contents: mock,
            },
        ],
        readme_rows(service, &ops),
    ))
}

/// One operation as the spec states it.
struct Op {
    id: String,
    method: String,
    path: String,
    docs_name: String,
    deprecated: bool,
    security: Vec<String>,
    text_plain: bool,
    redact_url: bool,
    /// Path parameters marked `x-secret`, as Rust field names.
    secret_params: Vec<String>,
    /// The idempotency-key header parameter, lower case, if any.
    idempotency_key: Option<String>,
}

impl Op {
    fn label(&self) -> String {
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
fn validate(rel: &str, doc: &Value) -> Result<Vec<Op>, Vec<SpecError>> {
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
            let secret_params: Vec<String> = op
                .get("parameters")
                .into_iter()
                .chain(item.get("parameters"))
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|p| match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => resolve(doc, r),
                    None => Some(p),
                })
                .filter(|p| {
                    p.get("in").and_then(Value::as_str) == Some("path")
                        && p.get("x-secret").and_then(Value::as_bool) == Some(true)
                })
                .filter_map(|p| p.get("name").and_then(Value::as_str))
                .map(snake_case)
                .collect();
            let redact_url = !secret_params.is_empty();
            let idempotency_key = op
                .get("parameters")
                .into_iter()
                .chain(item.get("parameters"))
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|p| match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => resolve(doc, r),
                    None => Some(p),
                })
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
                deprecated: op
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                security,
                text_plain: op
                    .get("x-text-plain")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                redact_url,
                secret_params,
                idempotency_key,
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

/// A schema renamed from the docs' name (`x-docs-name`) stays findable
/// under it: `#[doc(alias = "InlineResponse2008")]` on the type.
fn docs_aliases(doc: &Value, file: &mut syn::File) {
    let empty = serde_json::Map::new();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, schema) in schemas {
        let Some(alias) = schema.get("x-docs-name").and_then(Value::as_str) else {
            continue;
        };
        for item in &mut file.items {
            let syn::Item::Mod(m) = item else { continue };
            if m.ident != "types" {
                continue;
            }
            for item in m.content.iter_mut().flat_map(|(_, items)| items.iter_mut()) {
                if let syn::Item::Struct(st) = item {
                    if st.ident == name {
                        st.attrs.push(syn::parse_quote!(#[doc(alias = #alias)]));
                    }
                }
            }
        }
    }
}

/// Descriptions of the spec's parameters and schema properties, by Rust
/// field name; a `$ref` property takes its schema's description.
fn descriptions(doc: &Value) -> crate::docs_pass::Descriptions {
    let mut out = crate::docs_pass::Descriptions::new();
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
            if let (Some(name), Some(d)) = (p.get("name").and_then(Value::as_str), text(p)) {
                out.entry(snake_case(name)).or_insert(d);
            }
        }
    }
    let mut props = Vec::new();
    collect_key(doc, "properties", &mut props);
    for map in props {
        for (name, schema) in map.as_object().into_iter().flatten() {
            if let Some(d) = text(schema) {
                out.entry(snake_case(name)).or_insert(d);
            }
        }
    }
    out
}

/// Every value under `key`, at any depth.
fn collect_key<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
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
fn snake_case(name: &str) -> String {
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
fn pascal_case(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
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

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Runs `f`, turning a panic into its message; the default hook is silenced
/// so that no backtrace reaches the user.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("the generator panicked: {msg}")
    })
}

fn settings() -> GenerationSettings {
    let mut s = GenerationSettings::new();
    s.with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(authapi_core::Runtime))
        .with_hooks(HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        // Schemas marked `x-rust-type` (the `Secret` type) use authapi-core's.
        .with_crate("authapi-core", CrateVers::Any, None);
    s
}

fn generate_tokens(spec: &openapiv3::OpenAPI) -> Result<(TokenStream, TokenStream), String> {
    let client = Generator::new(&settings())
        .generate_tokens(spec)
        .map_err(|e| e.to_string())?;
    let mock = Generator::new(&settings())
        .httpmock(spec, "crate")
        .map_err(|e| e.to_string())?;
    Ok((client, mock))
}

/// Finds the operation that makes generation fail by generating each
/// operation alone; falls back to the whole-spec message.
fn localize(rel: &str, spec: &openapiv3::OpenAPI, ops: &[Op], message: String) -> SpecError {
    for op in ops {
        let mut single = spec.clone();
        single.paths.paths.retain(|p, _| *p == op.path);
        if let Some(openapiv3::ReferenceOr::Item(item)) = single.paths.paths.get_mut(&op.path) {
            for m in METHODS {
                if m != op.method {
                    clear_method(item, m);
                }
            }
        }
        match catch(|| generate_tokens(&single)) {
            Ok(Ok(_)) => {}
            Ok(Err(m)) | Err(m) => return spec_error(rel, Some(op.label()), m),
        }
    }
    spec_error(rel, None, message)
}

fn clear_method(item: &mut openapiv3::PathItem, method: &str) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        _ => &mut item.trace,
    };
    *slot = None;
}

fn header(rel: &str) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from {rel}. Do not edit: change the spec and rerun the command.\n\n"
    )
}

fn render(
    rel: &str,
    tokens: TokenStream,
    descriptions: &crate::docs_pass::Descriptions,
) -> Result<String, String> {
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    crate::docs_pass::fill(&mut file, descriptions);
    Ok(format!("{}{}", header(rel), prettyplease::unparse(&file)))
}

/// Adds what progenitor leaves out: `#[deprecated]` on deprecated
/// operations, the default base URL, the auth table from `security`, the
/// hooks that apply it, and `Client::from_config`.
fn finish_client(
    rel: &str,
    doc: &Value,
    ops: &[Op],
    client: TokenStream,
) -> Result<String, String> {
    let service = Path::new(rel)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let mut file: syn::File =
        syn::parse2(client).map_err(|e| format!("generated code does not parse: {e}"))?;
    for op in ops.iter().filter(|o| o.deprecated) {
        let ident = op.id.as_str();
        for item in &mut file.items {
            let syn::Item::Impl(imp) = item else { continue };
            for it in &mut imp.items {
                if let syn::ImplItem::Fn(f) = it {
                    if f.sig.ident == ident {
                        f.attrs.push(syn::parse_quote!(
                            #[deprecated(note = "deprecated by the service; see the operation's docs for its replacement")]
                        ));
                    }
                }
            }
        }
    }

    syn::visit_mut::VisitMut::visit_file_mut(&mut CheckedPathEncoding, &mut file);
    syn::visit_mut::VisitMut::visit_file_mut(&mut DropApiVersion, &mut file);
    syn::visit_mut::VisitMut::visit_file_mut(&mut OptionalSchemars, &mut file);
    crate::passes::RuntimeSend::apply(&mut file);
    crate::passes::private_constructors(&mut file);
    for op in ops.iter().filter(|o| !o.secret_params.is_empty()) {
        crate::passes::redacted_debug(&mut file, &pascal_case(&op.id), &op.secret_params);
    }
    for item in &mut file.items {
        if let syn::Item::Struct(s) = item {
            if s.ident == "Client" {
                crate::passes::remove_debug_derive(s);
            }
        }
    }

    let base_url = match doc.pointer("/servers/0/url").and_then(Value::as_str) {
        Some(url) => quote!(Some(#url)),
        None => quote!(None),
    };

    let mut schemes = Vec::new();
    // The schemes the runtime can send; an operation may use no other.
    let mut known: BTreeSet<&str> = BTreeSet::new();
    let empty = serde_json::Map::new();
    let declared = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, s) in declared {
        let kind = s.get("type").and_then(Value::as_str).unwrap_or("");
        let (header, prefix) = match kind {
            "http" if s.get("scheme").and_then(Value::as_str) == Some("bearer") => {
                ("authorization".to_string(), "Bearer ".to_string())
            }
            "apiKey" if s.get("in").and_then(Value::as_str) == Some("header") => (
                s.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                s.get("x-prefix")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ),
            // Declared but unsupported schemes are fine as long as no
            // operation uses them (checked below).
            _ => continue,
        };
        known.insert(name.as_str());
        schemes.push(quote!(authapi_core::Scheme {
            name: #name,
            header: reqwest::header::HeaderName::from_static(#header),
            prefix: #prefix,
        }));
    }
    let mut operations = Vec::new();
    for op in ops {
        for s in &op.security {
            if !known.contains(s.as_str()) {
                return Err(format!(
                    "operation {}: security scheme `{s}` is not declared in components.securitySchemes \
                     as http bearer or an apiKey header",
                    op.label()
                ));
            }
        }
        let id = &op.id;
        let sec = &op.security;
        let text_plain = op.text_plain;
        let redact_url = op.redact_url;
        let method = op.method.to_uppercase();
        let path = &op.path;
        let idempotency_key = match &op.idempotency_key {
            Some(k) => quote!(Some(#k)),
            None => quote!(None),
        };
        operations.push(quote!(authapi_core::Operation {
            id: #id,
            method: #method,
            path: #path,
            idempotency_key: #idempotency_key,
            schemes: &[#(#sec),*],
            text_plain: #text_plain,
            redact_url: #redact_url,
        }));
    }

    let n_schemes = schemes.len();
    let glue: syn::File = syn::parse_quote! {
        /// The service's documented base URL; `None` when it has no fixed host.
        pub const DEFAULT_BASE_URL: Option<&str> = #base_url;

        /// The spec's security facts, which progenitor itself ignores: how
        /// each scheme travels and which schemes each operation sends.
        static SCHEMES: [authapi_core::Scheme; #n_schemes] = [#(#schemes),*];

        pub(crate) static AUTH: authapi_core::AuthTable = authapi_core::AuthTable {
            service: #service,
            schemes: &SCHEMES,
            operations: &[#(#operations),*],
        };

        // Every `send()` calls `authapi_core::Runtime::send` directly; the
        // hooks progenitor would call are not used.
        impl ClientHooks<authapi_core::Runtime> for Client {}

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                // A base URL may carry `user:password@`.
                f.debug_struct("Client")
                    .field("baseurl", &authapi_core::redact_userinfo(&self.baseurl))
                    .field("inner", &self.inner)
                    .finish()
            }
        }

        impl Client {
            /// Builds a client from a [`Config`](authapi_core::Config): base
            /// URL (default [`DEFAULT_BASE_URL`]), timeouts, HTTP client. No
            /// credential is set yet.
            pub fn from_config(config: authapi_core::Config) -> Result<Self, authapi_core::ConfigError> {
                let (baseurl, http, runtime) = config.build(DEFAULT_BASE_URL)?;
                Ok(Self::new_with_client(&baseurl, http, runtime))
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                &self.baseurl
            }
        }
    };
    file.items.extend(glue.items);
    crate::docs_pass::fill(&mut file, &descriptions(doc));
    docs_aliases(doc, &mut file);
    Ok(format!("{}{}", header(rel), prettyplease::unparse(&file)))
}

/// Puts the `schemars::JsonSchema` derive behind the crates' `schemars`
/// feature (on by default), so a build that needs no schemas can drop
/// schemars and its derive macro.
struct OptionalSchemars;

impl OptionalSchemars {
    fn fix(attrs: &mut Vec<syn::Attribute>) {
        let mut found = false;
        for attr in attrs.iter_mut() {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let parser = syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
            let Ok(paths) = attr.parse_args_with(parser) else {
                continue;
            };
            let before = paths.len();
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|p| quote!(#p).to_string() != "schemars :: JsonSchema")
                .collect();
            if kept.len() != before {
                found = true;
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        if found {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
        }
    }
}

impl syn::visit_mut::VisitMut for OptionalSchemars {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        Self::fix(&mut item.attrs);
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        Self::fix(&mut item.attrs);
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
}

/// Drops the `api-version` header progenitor adds to every request: it
/// carries the spec's document version, which none of these APIs defines,
/// and removing it in a hook would cost a header insert and remove per call.
struct DropApiVersion;

impl syn::visit_mut::VisitMut for DropApiVersion {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| {
            let text = quote!(#stmt).to_string();
            !(text.starts_with("header_map . append") && text.contains("\"api-version\""))
        });
        let appends = block
            .stmts
            .iter()
            .any(|stmt| quote!(#stmt).to_string().contains("header_map . append"));
        if !appends {
            for stmt in &mut block.stmts {
                if let syn::Stmt::Local(local) = stmt {
                    if let syn::Pat::Ident(id) = &mut local.pat {
                        if id.ident == "header_map" {
                            id.mutability = None;
                        }
                    }
                }
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    // The map was sized for api-version too; without it, an operation with
    // no header parameters allocates nothing.
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let func = &call.func;
        if quote!(#func)
            .to_string()
            .ends_with("HeaderMap :: with_capacity")
        {
            if let Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            })) = call.args.first_mut()
            {
                let size = n.base10_parse::<usize>().unwrap_or(1).saturating_sub(1);
                *n = syn::LitInt::new(&format!("{size}usize"), n.span());
            }
        }
    }
}

/// Routes every path parameter through `authapi_core::encode_path`, which
/// also refuses `.` and `..`: the URL parser would resolve those segments
/// and send the request to another path.
struct CheckedPathEncoding;

impl syn::visit_mut::VisitMut for CheckedPathEncoding {
    // The URL is built inside `format!`, whose arguments syn keeps as tokens.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(mut args) = mac.parse_body_with(parser) {
            for arg in args.iter_mut() {
                self.visit_expr_mut(arg);
            }
            mac.tokens = quote!(#args);
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::Call(call) = expr {
            if let syn::Expr::Path(p) = &*call.func {
                if p.path.is_ident("encode_path") {
                    let args = &call.args;
                    *expr = syn::parse_quote!(authapi_core::encode_path(#args)?);
                }
            }
        }
    }
}

fn readme_rows(service: &str, ops: &[Op]) -> String {
    let mut rows = String::new();
    for op in ops {
        let _ = writeln!(
            rows,
            "| {service} | `{}` | `authapi::{service}::Client::{}`{} | `{} {}` |",
            op.docs_name,
            op.id,
            if op.deprecated { " (deprecated)" } else { "" },
            op.method.to_uppercase(),
            op.path
        );
    }
    rows
}

fn splice_readme(readme: &str, rows: &str) -> Option<String> {
    let start = readme.find(README_BEGIN)? + README_BEGIN.len();
    let end = readme[start..].find(README_END)? + start;
    let table = format!(
        "\n| service | operation in the docs | Rust method | HTTP |\n| --- | --- | --- | --- |\n{rows}"
    );
    Some(format!("{}{}{}", &readme[..start], table, &readme[end..]))
}
