//! The mock module's docs: which httpmock it is built for (re-exported, so
//! a user needs no httpmock dependency of their own), and for every helper
//! exactly what it matches or what the mock answers.
//!
//! Left to the generic docs pass, a `then` helper read "Sets `ok`." and
//! `new` read "Starts the request", which a mock does not do. Here each
//! `then` helper's docs are read off its body (status, `content-type`,
//! body) and each `when` helper's off the matcher it adds.

use std::fmt::Write as _;

use quote::quote;

use super::super::spec::{pascal_case, Op};
use super::docs::Descriptions;
use super::examples::{module, value_expr};
use super::mock_errors::{answer_of, error_statuses, Answer, BodyKind, Documented, Status};

/// The workspace manifest, whose `httpmock` requirement is the release the
/// helpers are built for.
const WORKSPACE_MANIFEST: &str = include_str!("../../../../Cargo.toml");

/// The release after `version`, semver-incompatible with it: `0.8` ->
/// `0.9`, `1.2` -> `2`.
fn next_release(version: &str) -> String {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    match (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) {
        (0, minor) => format!("0.{}", minor + 1),
        (major, _) => format!("{}", major + 1),
    }
}

/// The version requirement of `httpmock` in `[workspace.dependencies]`
/// (`0.8`): the release the helpers are built for and re-export.
pub(crate) fn httpmock_version(manifest: &str) -> Option<&str> {
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("httpmock ="))?;
    let rest = line.split_once('=')?.1.trim();
    let rest = match rest.find("version") {
        Some(at) => rest[at + "version".len()..]
            .trim_start()
            .strip_prefix('=')?,
        None => rest,
    };
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn set_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    attrs.retain(|a| !a.path().is_ident("doc"));
    attrs.insert(0, syn::parse_quote!(#[doc = #text]));
}

fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// What the client makes of an answer in class `class` (2 for 2xx).
fn outcome(class: u16) -> &'static str {
    match class {
        2 => "`send()` returns it as `Ok`",
        3 => "`send()` fails with `Error::Redirect` (the client never follows a redirect)",
        4 | 5 => "`send()` fails with `Error::ErrorResponse`",
        _ => "`send()` fails with `Error::UnexpectedResponse`",
    }
}

/// The docs of a `then` helper: exactly what the mock answers.
pub(crate) fn then_doc(answer: &Answer) -> String {
    let status = match answer.status {
        Status::Code(c) => match reason(c) {
            Some(r) => format!("`{c} {r}`"),
            None => format!("`{c}`"),
        },
        Status::Class(c) => format!("`status`, which must be a {c}xx (another one panics),"),
        Status::Any => "`status`".to_string(),
    };
    let header = answer
        .content_type
        .as_deref()
        .map(|ct| format!("`content-type: {ct}` and "))
        .unwrap_or_default();
    let body = match answer.body {
        BodyKind::None => "with no body (and no `content-type`)".to_string(),
        BodyKind::JsonObj => format!("with {header}`value`, serialized with serde, as the body"),
        BodyKind::Json => format!("with {header}`value` as the JSON body"),
        BodyKind::Raw => format!("with {header}`value` as the body"),
    };
    let class = match answer.status {
        Status::Code(c) => Some(c / 100),
        Status::Class(c) => Some(c),
        Status::Any => None,
    };
    match class {
        Some(c) => format!("Answers {status} {body}: {}.", outcome(c)),
        None => format!("Answers {status} {body}."),
    }
}

/// How the `when` helper `f` matches, from the httpmock call in its body.
fn when_doc(f: &syn::ImplItemFn, optional: bool, description: Option<&str>) -> Option<String> {
    let body = &f.block;
    let text = quote!(#body).to_string();
    let name = f.sig.ident.to_string();
    let wire = |call: &str| -> Option<String> {
        let at = text.find(&format!("{call} (\""))?;
        let rest = &text[at + call.len() + 3..];
        Some(rest[..rest.find('"')?].to_string())
    };
    let mut doc = if text.contains("path_matches") {
        format!(
            "Matches only requests whose `{name}` path segment is exactly `value`, \
             percent-encoded as the client sends it (never read as a regex: `a.b` does not \
             match `axb`)."
        )
    } else if let Some(param) = wire("query_param") {
        format!("Matches only requests whose query has `{param}` equal to `value`")
    } else if let Some(header) = wire("header") {
        format!("Matches only requests whose `{header}` header is `value`")
    } else if text.contains("json_body_obj") {
        "Matches only requests whose JSON body equals `value` serialized with serde: the \
         whole body, every field. For part of a body, use \
         `into_inner().json_body_includes(..)`."
            .to_string()
    } else if text.contains("json_body") {
        "Matches only requests whose JSON body equals `value`, the whole body.".to_string()
    } else if text.contains(". body (") {
        "Matches only requests whose body is exactly `value`.".to_string()
    } else {
        return None;
    };
    if !doc.ends_with('.') {
        doc.push_str(if optional {
            "; `None` matches only requests without it."
        } else {
            "."
        });
    }
    if let Some(d) = description {
        let _ = write!(doc, "\n\n{d}");
    }
    Some(doc)
}

fn type_name(imp: &syn::ItemImpl) -> String {
    let ty = &imp.self_ty;
    quote!(#ty).to_string()
}

/// Documents every helper of the `operations` module and the
/// `MockServerExt` methods, re-exports httpmock, and writes the module
/// docs.
pub fn apply(
    file: &mut syn::File,
    service: &str,
    ops: &[Op],
    descriptions: &Descriptions,
    client: &syn::File,
) {
    let krate = format!("authapi_{}", service.replace('-', "_"));
    let version = httpmock_version(WORKSPACE_MANIFEST).unwrap_or("0.8");
    for item in &mut file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "operations" => {
                let Some((_, items)) = &mut m.content else {
                    continue;
                };
                for item in items.iter_mut() {
                    let syn::Item::Impl(imp) = item else { continue };
                    let name = type_name(imp);
                    let (base, when) = match (name.strip_suffix("When"), name.strip_suffix("Then"))
                    {
                        (Some(b), _) => (b.to_string(), true),
                        (_, Some(b)) => (b.to_string(), false),
                        _ => continue,
                    };
                    let op = ops.iter().find(|o| pascal_case(&o.id) == base);
                    for it in &mut imp.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        if has_doc(&f.attrs) {
                            continue;
                        }
                        let fname = f.sig.ident.to_string();
                        let doc = match (fname.as_str(), when) {
                            ("new", true) => op.map(|op| {
                                let any = if op.path.contains('{') {
                                    ", any value of each path parameter"
                                } else {
                                    ""
                                };
                                format!(
                                    "Matches `{}` requests to `{}`{any}. \
                                     [`MockServerExt::{}`](super::MockServerExt::{}) calls it \
                                     for you.",
                                    op.method.to_uppercase(),
                                    op.path,
                                    op.id,
                                    op.id
                                )
                            }),
                            ("new", false) => op.map(|op| {
                                format!(
                                    "Wraps httpmock's `Then`, which answers nothing until a \
                                     helper sets it. [`MockServerExt::{}`](super::MockServerExt::{}) \
                                     calls it for you.",
                                    op.id, op.id
                                )
                            }),
                            ("into_inner", true) => Some(
                                "httpmock's own [`When`](::httpmock::When), to match what these \
                                 helpers do not cover (another header, part of a body). The \
                                 matchers already set stay."
                                    .to_string(),
                            ),
                            ("into_inner", false) => Some(
                                "httpmock's own [`Then`](::httpmock::Then), to answer what these \
                                 helpers do not cover: an undocumented status, another header, \
                                 a delay."
                                    .to_string(),
                            ),
                            (_, true) => {
                                let optional = !f.sig.generics.params.is_empty();
                                let description = op.and_then(|op| {
                                    descriptions
                                        .get(&format!(
                                            "{}.{fname}",
                                            pascal_case(&op.id).to_ascii_lowercase()
                                        ))
                                        .or_else(|| descriptions.get(&fname))
                                        .map(String::as_str)
                                });
                                when_doc(f, optional, description)
                            }
                            (_, false) => answer_of(f).map(|a| then_doc(&a)),
                        };
                        if let Some(doc) = doc {
                            set_doc(&mut f.attrs, &doc);
                        }
                    }
                }
            }
            syn::Item::Trait(t) if t.ident == "MockServerExt" => {
                for it in &mut t.items {
                    let syn::TraitItem::Fn(f) = it else { continue };
                    let id = f.sig.ident.to_string();
                    let Some(op) = ops.iter().find(|o| o.id == id) else {
                        continue;
                    };
                    let base = pascal_case(&op.id);
                    let doc = format!(
                        "Mocks `{id}` (`{} {}`): `config_fn` gets the request matcher, \
                         [`operations::{base}When`], and the answer, \
                         [`operations::{base}Then`]. Returns httpmock's `Mock`, to check its \
                         calls (`assert`, `calls`).",
                        op.method.to_uppercase(),
                        op.path
                    );
                    set_doc(&mut f.attrs, &doc);
                }
            }
            _ => {}
        }
    }
    let reexport_doc = format!(
        "httpmock {version}, the release these helpers are built for: its `MockServer` is the \
         one [`MockServerExt`] extends."
    );
    file.items.insert(
        0,
        syn::parse_quote! {
            #[doc = #reexport_doc]
            pub use httpmock;
        },
    );
    let text = module_doc(&krate, version, file, ops, client);
    file.attrs.push(syn::parse_quote!(#![doc = #text]));
}

fn module_doc(
    krate: &str,
    version: &str,
    mock: &syn::File,
    ops: &[Op],
    client: &syn::File,
) -> String {
    let other = next_release(version);
    let mut text = format!(
        "# Which httpmock\n\n\
         The helpers are built for httpmock {version}, re-exported here as [`httpmock`](https://docs.rs/httpmock/{version}): \
         `{krate}::mock::httpmock::MockServer` needs no httpmock dependency of your own. If you \
         add one, make it `httpmock = \"{version}\"`, and Cargo builds one copy for both; \
         another release (`httpmock = \"{other}\"`) is another crate, whose `MockServer` has none \
         of these helpers.\n\n\
         # Matching and answering\n\n\
         Each `when` helper adds one exact requirement: a path parameter matches only the \
         value given (percent-encoded as the client sends it, never read as a regex), a body \
         only the whole value. Each `then` helper answers one documented status, and \
         `error(status, body)`, the same on every operation of every authapi service, answers \
         any error status the spec documents for the operation. `into_inner()`, on either \
         side, gives httpmock's own `When` or `Then` for anything else."
    );
    if let Some(example) = example(krate, mock, ops, client) {
        let _ = write!(text, "\n\n```no_run\n{example}```");
    }
    text
}

/// The `body` type of the `error` helper of `op`'s `then` type.
fn error_body_type(operations: &[syn::Item], op: &Op) -> Option<syn::Type> {
    let then = format!("{}Then", pascal_case(&op.id));
    operations.iter().find_map(|i| match i {
        syn::Item::Impl(imp) if type_name(imp) == then => {
            imp.items.iter().find_map(|it| match it {
                syn::ImplItem::Fn(f) if f.sig.ident == "error" => {
                    f.sig.inputs.iter().find_map(|a| match a {
                        syn::FnArg::Typed(t) => match (&*t.pat, &*t.ty) {
                            (syn::Pat::Ident(id), syn::Type::Reference(r))
                                if id.ident == "body" =>
                            {
                                Some((*r.elem).clone())
                            }
                            _ => None,
                        },
                        _ => None,
                    })
                }
                _ => None,
            })
        }
        _ => None,
    })
}

/// A short example on one operation: a path parameter matched, an error
/// answered.
fn example(krate: &str, mock: &syn::File, ops: &[Op], client: &syn::File) -> Option<String> {
    let types = module(client, "types").unwrap_or(&[]);
    let operations = module(mock, "operations")?;
    // An operation with a path parameter (to show an exact match) and an
    // error body (to show one), if there is one; the spec's order breaks ties.
    let (op, body_ty) = ops
        .iter()
        .filter(|o| !o.deprecated && !error_statuses(o).is_empty())
        .filter_map(|o| Some((o, error_body_type(operations, o)?)))
        .min_by_key(|(o, t)| {
            let unit = matches!(t, syn::Type::Tuple(tu) if tu.elems.is_empty());
            (unit, !o.params.iter().any(|p| p.location == "path"))
        })?;
    let status = match error_statuses(op).first()? {
        Documented::Code(c) => *c,
        Documented::Class(c) => c * 100,
    };
    let value = value_expr(types, &body_ty, "message", 0)?;
    let mut code = String::new();
    let uses_types = value.contains("types::");
    let _ = writeln!(
        code,
        "use {krate}::mock::{{httpmock::MockServer, MockServerExt}};"
    );
    if uses_types {
        let _ = writeln!(code, "use {krate}::{{types, Client, Config}};");
    } else {
        let _ = writeln!(code, "use {krate}::{{Client, Config}};");
    }
    let _ = writeln!(code);
    let _ = writeln!(
        code,
        "# async fn demo() -> Result<(), Box<dyn std::error::Error>> {{"
    );
    let _ = writeln!(code, "let server = MockServer::start_async().await;");
    let _ = writeln!(code, "let mock = server.{}(|when, then| {{", op.id);
    if let Some(p) = op.params.iter().find(|p| p.location == "path") {
        let value = super::examples::string_for(&p.name, p.example.as_ref());
        let _ = writeln!(code, "    when.{}({value:?});", p.rust);
    }
    let _ = writeln!(code, "    then.error({status}, &{value});");
    let _ = writeln!(code, "}});");
    let _ = writeln!(
        code,
        "let client = Client::from_config(Config::new().base_url(server.base_url()))?;"
    );
    let _ = writeln!(
        code,
        "// Set the client's credentials, run the code under test with it, then:"
    );
    let _ = writeln!(code, "mock.assert_async().await;");
    let _ = writeln!(code, "# Ok(()) }}");
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_httpmock_version_is_the_workspace_requirement() {
        assert_eq!(
            httpmock_version("[x]\nhttpmock = { version = \"0.8\", default-features = false }\n"),
            Some("0.8")
        );
        assert_eq!(httpmock_version("httpmock = \"0.9.1\""), Some("0.9.1"));
        assert_eq!(httpmock_version("reqwest = \"1\""), None);
        assert_eq!(next_release("0.8"), "0.9");
        assert_eq!(next_release("1.2"), "2");
        // The real manifest names one.
        assert!(httpmock_version(WORKSPACE_MANIFEST).is_some());
    }

    #[test]
    fn then_docs_say_status_content_type_and_body() {
        let a = Answer {
            status: Status::Code(200),
            content_type: Some("application/json".into()),
            body: BodyKind::JsonObj,
            value_type: None,
        };
        assert_eq!(
            then_doc(&a),
            "Answers `200 OK` with `content-type: application/json` and `value`, serialized \
             with serde, as the body: `send()` returns it as `Ok`."
        );
        let a = Answer {
            status: Status::Code(204),
            content_type: None,
            body: BodyKind::None,
            value_type: None,
        };
        assert!(then_doc(&a).starts_with("Answers `204 No Content` with no body"));
        let a = Answer {
            status: Status::Class(4),
            content_type: Some("application/json".into()),
            body: BodyKind::JsonObj,
            value_type: None,
        };
        assert!(then_doc(&a).contains("which must be a 4xx"));
        assert!(then_doc(&a).contains("`Error::ErrorResponse`"));
    }

    #[test]
    fn helpers_module_and_reexport_are_documented() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod operations {
                pub struct GetWhen(::httpmock::When);
                impl GetWhen {
                    pub fn new(inner: ::httpmock::When) -> Self { Self(inner) }
                    pub fn into_inner(self) -> ::httpmock::When { self.0 }
                    pub fn app_id(self, value: &str) -> Self {
                        let re = regex::Regex::new(&format!("^/a/{}$", value)).unwrap();
                        Self(self.0.path_matches(re))
                    }
                    pub fn key<'a, T>(self, value: T) -> Self where T: Into<Option<&'a str>> {
                        if let Some(value) = value.into() {
                            Self(self.0.header("idempotency-key", value.to_string()))
                        } else {
                            Self(self.0.header_missing("idempotency-key"))
                        }
                    }
                }
                pub struct GetThen(::httpmock::Then);
                impl GetThen {
                    pub fn ok(self, value: &types::Out) -> Self {
                        Self(self.0.status(200u16).header("content-type", "application/json").json_body_obj(value))
                    }
                    pub fn error(self, status: u16, body: &types::Problem) -> Self {
                        Self(self.0.status(status))
                    }
                }
            }
            pub trait MockServerExt {
                fn get<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>;
            }
        };
        let client: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Default)]
                pub struct Problem { pub message: Option<String> }
            }
        };
        let op = Op {
            id: "get".into(),
            method: "get".into(),
            path: "/a/{app_id}".into(),
            docs_name: "get".into(),
            upstream_name: None,
            deprecated: false,
            deprecated_note: None,
            security: vec![],
            text_plain: false,
            redact_url: false,
            secret_params: vec![],
            idempotency_key: None,
            params: vec![super::super::super::spec::Param {
                name: "app_id".into(),
                rust: "app_id".into(),
                location: "path".into(),
                schema: serde_json::json!({"type": "string"}),
                example: None,
            }],
            body: None,
            responses: vec!["200".into(), "404".into()],
        };
        let mut d = Descriptions::new();
        d.insert("get.app_id".into(), "The app.".into());
        apply(&mut file, "demo", &[op], &d, &client);
        let out = prettyplease::unparse(&file);
        assert!(out.contains("pub use httpmock;"), "{out}");
        assert!(out.contains("httpmock 0.8"), "{out}");
        assert!(
            out.contains("`httpmock = \\\"0.9\\\"`") || out.contains("`httpmock = \"0.9\"`"),
            "{out}"
        );
        assert!(
            out.contains("Matches `GET` requests to `/a/{app_id}`"),
            "{out}"
        );
        assert!(out.contains("path segment is exactly `value`"), "{out}");
        assert!(out.contains("The app."), "{out}");
        assert!(
            out.contains(
                "`idempotency-key` header is `value`; `None` matches only requests without it."
            ),
            "{out}"
        );
        assert!(
            out.contains("Answers `200 OK` with `content-type: application/json`"),
            "{out}"
        );
        assert!(!out.contains("Sets `"), "{out}");
        assert!(out.contains("Mocks `get` (`GET /a/{app_id}`)"), "{out}");
        // The example: the exact path value, the uniform error helper.
        assert!(
            out.contains("when.app_id(\\\"app-123\\\");")
                || out.contains("when.app_id(\"app-123\");"),
            "{out}"
        );
        assert!(
            out.contains("then.error(404, &types::Problem::default());"),
            "{out}"
        );
    }
}
