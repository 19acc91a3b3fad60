//! What each request builder needs, and what its `send()` can return, in
//! the docs.
//!
//! progenitor's builders find a missing required input only at `send()`
//! (`Error::InvalidRequest("app_id was not initialized")`), and `send()`
//! says only which request it sends. Here each builder's docs list the
//! parameters and body fields it must be given, each required setter says
//! so, and each `send()` lists, from the spec's responses, the statuses
//! that return `Ok`, those that become `Error::ErrorResponse` (a range
//! `4XX` as "any 4xx") and what happens to every other one.

use super::super::spec::{pascal_case, Op};
use super::examples::{builder, module, push_doc, required_body_fields, short_type, Builder};
use super::mock_errors::{error_statuses, list, Documented};

fn code_list(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A type for the docs: a link for a `types::` type.
fn type_text(ty: &syn::Type) -> String {
    let short = short_type(ty);
    if short.starts_with("types::") && !short.contains('<') {
        format!("[`{short}`]")
    } else {
        format!("`{short}`")
    }
}

fn place(op: &Op, field: &str) -> &'static str {
    match op
        .params
        .iter()
        .find(|p| p.rust == field)
        .map(|p| p.location.as_str())
    {
        Some("path") => "path parameter",
        Some("query") => "query parameter",
        Some("header") => "header",
        Some("cookie") => "cookie",
        _ => "parameter",
    }
}

/// The builder's own docs: what must be set before `send()`.
fn builder_doc(types: &[syn::Item], op: &Op, b: &Builder) -> String {
    let mut required = Vec::new();
    for field in b.unset.iter().filter(|f| *f != "body") {
        required.push(format!("`{field}` ({})", place(op, field)));
    }
    let body_type = b.body_type.as_ref();
    if b.unset.iter().any(|f| f == "body") {
        if let Some(t) = body_type {
            required.push(format!("the body, a {}, with `body(..)`", type_text(t)));
        }
    } else if let (Some(t), Some(_)) = (body_type, &op.body) {
        let fields: Vec<String> = required_body_fields(types, op, t)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        if !fields.is_empty() {
            let setters: Vec<String> = fields.iter().map(|f| format!(".{f}(..)")).collect();
            required.push(format!(
                "the body's {} ({}): `body_map(|b| b{})`, or a whole value with `body(..)`",
                code_list(&fields),
                type_text(t),
                setters.join(""),
            ));
        }
    }
    let mut optional: Vec<String> = b
        .setters
        .iter()
        .filter(|s| !b.unset.contains(s) && *s != "body" && *s != "body_map")
        .map(|s| format!("`{s}` ({})", place(op, s)))
        .collect();
    let body_fields_required = required.iter().any(|r| r.starts_with("the body"));
    if let Some(t) = body_type.filter(|_| !body_fields_required) {
        optional.push(format!(
            "the body, a {} that starts from its default, with `body(..)` or `body_map(..)`",
            type_text(t)
        ));
    }
    let mut text = String::from("# Required\n\n");
    if required.is_empty() {
        text.push_str("Nothing: every input is optional or starts from a complete default.");
    } else {
        text.push_str(
            "Set these before `send()`, which otherwise fails with `Error::InvalidRequest` \
             and sends nothing:\n",
        );
        for r in &required {
            text.push_str(&format!("\n* {r}"));
        }
    }
    if !optional.is_empty() {
        text.push_str(&format!("\n\nOptional: {}.", optional.join(", ")));
    }
    text
}

fn success_statuses(op: &Op) -> String {
    let mut out: Vec<String> = Vec::new();
    for key in &op.responses {
        if let Ok(code) = key.parse::<u16>() {
            if (200..300).contains(&code) {
                out.push(format!("`{code}`"));
            }
        } else if key.eq_ignore_ascii_case("2XX") {
            out.push("any 2xx".into());
        }
    }
    match out.split_last() {
        // progenitor then accepts any 2xx.
        None => "any 2xx".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// `send()`'s docs: which statuses return what.
fn send_doc(op: &Op, b: &Builder) -> String {
    let errors = error_statuses(op);
    let unit = |t: &syn::Type| matches!(t, syn::Type::Tuple(tu) if tu.elems.is_empty());
    let holding = match b.error_type.as_ref() {
        Some(t) if !unit(t) => format!(", holding the body as a {}", type_text(t)),
        _ => " (no body: the spec documents none for these)".into(),
    };
    let redirects = op.responses.iter().any(|k| k.starts_with('3'));
    let mut text = format!("# Statuses\n\n* {}: `Ok`.", success_statuses(op));
    if !errors.is_empty() {
        text.push_str(&format!(
            "\n* {}: `Error::ErrorResponse`{holding}.",
            list(&errors)
        ));
    }
    text.push_str(&format!(
        "\n* Any 3xx{}: `Error::Redirect`, never followed; its `location()` holds the target.",
        if redirects {
            " (the spec's redirect included)"
        } else {
            ""
        }
    ));
    let other = if errors.iter().any(|e| matches!(e, Documented::Class(_))) {
        "Any other status"
    } else {
        "Any other status, including an undocumented 4xx or 5xx"
    };
    text.push_str(&format!("\n* {other}: `Error::UnexpectedResponse`."));
    text.push_str(
        "\n\nA required input left unset fails with `Error::InvalidRequest` before anything \
         is sent; transport failures and undecodable bodies have their own `Error` variants.",
    );
    text
}

/// Adds the builders' and `send()`'s docs.
pub fn apply(file: &mut syn::File, ops: &[Op]) -> Result<(), String> {
    let types: Vec<syn::Item> = module(file, "types").map(<[_]>::to_vec).unwrap_or_default();
    let mut docs = Vec::new();
    for op in ops {
        let name = pascal_case(&op.id);
        let b = builder(file, &name).ok_or_else(|| {
            format!(
                "operation {}: no builder `{name}` was generated",
                op.label()
            )
        })?;
        docs.push((
            name,
            builder_doc(&types, op, &b),
            send_doc(op, &b),
            b.unset.clone(),
        ));
    }
    let Some((_, items)) = file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    }) else {
        return Ok(());
    };
    for item in items.iter_mut() {
        match item {
            syn::Item::Struct(s) => {
                if let Some((_, doc, _, _)) = docs.iter().find(|(n, ..)| s.ident == n) {
                    push_doc(&mut s.attrs, doc);
                }
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let syn::Type::Path(p) = &*imp.self_ty else {
                    continue;
                };
                let Some(last) = p.path.segments.last() else {
                    continue;
                };
                let Some((_, _, send, unset)) = docs.iter().find(|(n, ..)| last.ident == n) else {
                    continue;
                };
                for it in &mut imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    let fname = f.sig.ident.to_string();
                    if fname == "send" {
                        push_doc(&mut f.attrs, send);
                    } else if unset.contains(&fname) {
                        push_doc(
                            &mut f.attrs,
                            "Required: `send()` fails with `Error::InvalidRequest` without it.",
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn op(responses: &[&str], body: Option<Value>) -> Op {
        Op {
            id: "login".into(),
            method: "post".into(),
            path: "/x/{app_id}".into(),
            docs_name: "login".into(),
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
                schema: json!({"type": "string"}),
                example: None,
            }],
            body: body.map(|schema| super::super::super::spec::Body {
                required: true,
                schema,
            }),
            responses: responses.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn builders_list_required_inputs_and_send_lists_statuses() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct LoginIn { pub username: String, pub note: Option<String> }
            }
            pub mod builder {
                ///Builder for login
                pub struct Login<'a> { client: &'a super::Client }
                impl<'a> Login<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self {
                            client: client,
                            app_id: Err("app_id was not initialized".to_string()),
                            key: Ok(None),
                            body: Ok(::std::default::Default::default()),
                        }
                    }
                    ///Sets `app_id`.
                    pub fn app_id<V>(mut self, value: V) -> Self { self }
                    ///Sets `key`.
                    pub fn key<V>(mut self, value: V) -> Self { self }
                    pub fn body<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::LoginIn> { self }
                    pub fn body_map<F>(mut self, f: F) -> Self { self }
                    ///Sends a `POST` request to `/x/{app_id}`
                    pub async fn send(self) -> Result<ResponseValue<types::Token>, Error<types::Problem>> { todo!() }
                }
            }
        };
        let ops = [op(
            &["200", "401", "5XX"],
            Some(json!({"type": "object", "required": ["username"]})),
        )];
        apply(&mut file, &ops).unwrap();
        let out = prettyplease::unparse(&file);
        assert!(out.contains("* `app_id` (path parameter)"), "{out}");
        assert!(
            out.contains(
                "* the body's `username` ([`types::LoginIn`]): `body_map(|b| b.username(..))`"
            ),
            "{out}"
        );
        assert!(out.contains("Optional: `key` (parameter).*/"), "{out}");
        assert!(out.contains("* `200`: `Ok`."), "{out}");
        assert!(
            out.contains("* `401` or any 5xx: `Error::ErrorResponse`, holding the body as a [`types::Problem`]."),
            "{out}"
        );
        assert!(out.contains("`Error::UnexpectedResponse`"), "{out}");
        assert!(out.contains("Required: `send()` fails"), "{out}");
        // The setter of an optional input says nothing of the kind.
        let key = out.find("pub fn key").unwrap();
        let before = &out[..key];
        assert!(
            !before[before.rfind("Sets `key`").unwrap()..].contains("Required"),
            "{out}"
        );
    }
}
