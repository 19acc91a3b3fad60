//! A short example, compiled as a doc test, on every operation method of
//! the generated `Client` and on `Client` itself: docs.rs as the manual.
//!
//! Each example calls the builder with every required input (parameters
//! from the spec, the body's required fields), a plausible literal per
//! type, then `send().await?`. The examples are `no_run`: they compile
//! against the real client but need no server. They are short because, on
//! edition 2021, every doc test is its own binary.

use std::fmt::Write as _;

use quote::quote;
use serde_json::Value;

use super::super::spec::{snake_case, Op, Param};

/// The facts about one request builder that an example or its docs need,
/// read from the generated code.
pub(crate) struct Builder {
    /// Fields `new` starts as `Err("... was not initialized")`: `send()`
    /// fails unless they are set. In field order.
    pub(crate) unset: Vec<String>,
    /// Its setter methods (parameters, `body`, `body_map`).
    pub(crate) setters: Vec<String>,
    /// `T` of `send()`'s `ResponseValue<T>`.
    pub(crate) ok_type: Option<syn::Type>,
    /// `E` of `send()`'s `Error<E>`.
    pub(crate) error_type: Option<syn::Type>,
    /// The `V: TryInto<T>` of the `body` setter.
    pub(crate) body_type: Option<syn::Type>,
}

/// The module `name` at the top of the generated file.
pub(crate) fn module<'a>(file: &'a syn::File, name: &str) -> Option<&'a [syn::Item]> {
    file.items.iter().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| &items[..]),
        _ => None,
    })
}

fn self_ty_name(imp: &syn::ItemImpl) -> Option<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The builder `name` (`AppPortalAccess`) of `mod builder`.
pub(crate) fn builder(file: &syn::File, name: &str) -> Option<Builder> {
    let items = module(file, "builder")?;
    let imp = items.iter().find_map(|i| match i {
        syn::Item::Impl(imp)
            if imp.trait_.is_none() && self_ty_name(imp).as_deref() == Some(name) =>
        {
            Some(imp)
        }
        _ => None,
    })?;
    let mut out = Builder {
        unset: Vec::new(),
        setters: Vec::new(),
        ok_type: None,
        error_type: None,
        body_type: None,
    };
    for item in &imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        let fname = f.sig.ident.to_string();
        match fname.as_str() {
            "new" => {
                for stmt in &f.block.stmts {
                    let syn::Stmt::Expr(syn::Expr::Struct(s), _) = stmt else {
                        continue;
                    };
                    for field in &s.fields {
                        let syn::Member::Named(id) = &field.member else {
                            continue;
                        };
                        let text = {
                            let e = &field.expr;
                            quote!(#e).to_string()
                        };
                        if text.starts_with("Err (") && text.contains("was not initialized") {
                            out.unset.push(id.to_string());
                        }
                    }
                }
            }
            "send" => {
                if let syn::ReturnType::Type(_, ty) = &f.sig.output {
                    let args = generic_args(ty);
                    // Result<ResponseValue<T>, Error<E>>
                    if let [ok, err] = args.as_slice() {
                        out.ok_type = generic_args(ok).into_iter().next();
                        out.error_type = generic_args(err).into_iter().next();
                    }
                }
            }
            _ => {
                out.setters.push(fname.clone());
                if fname == "body" {
                    out.body_type = f.sig.generics.where_clause.as_ref().and_then(|w| {
                        w.predicates.iter().find_map(|p| match p {
                            syn::WherePredicate::Type(t) => t.bounds.iter().find_map(|b| match b {
                                syn::TypeParamBound::Trait(tb) => {
                                    let last = tb.path.segments.last()?;
                                    if last.ident != "TryInto" {
                                        return None;
                                    }
                                    match &last.arguments {
                                        syn::PathArguments::AngleBracketed(a) => {
                                            a.args.iter().find_map(|g| match g {
                                                syn::GenericArgument::Type(t) => Some(t.clone()),
                                                _ => None,
                                            })
                                        }
                                        _ => None,
                                    }
                                }
                                _ => None,
                            }),
                            _ => None,
                        })
                    });
                }
            }
        }
    }
    Some(out)
}

/// The type arguments of the last segment of a path type.
pub(crate) fn generic_args(ty: &syn::Type) -> Vec<syn::Type> {
    let syn::Type::Path(p) = ty else {
        return Vec::new();
    };
    let Some(last) = p.path.segments.last() else {
        return Vec::new();
    };
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A type as a reader writes it: `types::X`, `Vec<types::X>`, `String`.
pub(crate) fn short_type(ty: &syn::Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(' ', "")
        .replace("::std::vec::", "")
        .replace("::std::string::", "")
        .replace("::std::option::", "")
        .replace("::authapi_core::", "")
        .replace(",", ", ")
}

/// A string for the parameter or field `name`: the spec's example, else a
/// plausible value by name.
pub(crate) fn string_for(name: &str, example: Option<&Value>) -> String {
    if let Some(Value::String(s)) = example {
        return s.clone();
    }
    let name = snake_case(name);
    if name.ends_with("uri") || name.ends_with("url") {
        "https://example.com/callback".into()
    } else if name.contains("email") || name == "username" {
        "user@example.com".into()
    } else if name.contains("password") {
        "correct-horse-battery-staple".into()
    } else if name == "name" {
        "example".into()
    } else if let Some(stem) = name.strip_suffix("_id") {
        format!("{}-123", stem.replace('_', "-"))
    } else {
        format!("{}-123", name.replace('_', "-"))
    }
}

/// The literal an example passes to a parameter's setter.
fn param_literal(p: &Param) -> Option<String> {
    let ty = p
        .schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    if let Some(values) = p.schema.get("enum").and_then(Value::as_array) {
        return values.first().map(|v| match v {
            Value::String(s) => format!("{s:?}"),
            other => other.to_string(),
        });
    }
    Some(match (ty, &p.example) {
        ("integer" | "number", Some(v @ Value::Number(_))) => v.to_string(),
        ("integer", _) => "1".into(),
        ("number", _) => "1.0".into(),
        ("boolean", _) => "true".into(),
        ("string", ex) => format!("{:?}", string_for(&p.name, ex.as_ref())),
        _ => return None,
    })
}

fn last_ident(ty: &syn::Type) -> Option<(String, String)> {
    let syn::Type::Path(p) = ty else { return None };
    let first = p.path.segments.first()?.ident.to_string();
    let last = p.path.segments.last()?.ident.to_string();
    Some((first, last))
}

const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// An argument for a builder setter (`V: TryInto<T>`) of type `ty`: a
/// `&str` where `T` is a `String` or a `Secret`.
pub(crate) fn setter_arg(types: &[syn::Item], ty: &syn::Type, hint: &str) -> Option<String> {
    let (_, last) = last_ident(ty)?;
    match last.as_str() {
        "String" | "Secret" => Some(format!("{:?}", string_for(hint, None))),
        _ => value_expr(types, ty, hint, 0),
    }
}

fn derives_default(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive") && {
            let meta = &a.meta;
            quote!(#meta)
                .to_string()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "Default")
        }
    })
}

/// An expression of type `ty` (as the generated code spells it) for an
/// example: literals, `None`, empty collections, and `types::` values
/// built from their definitions. `None` for what it cannot write.
pub(crate) fn value_expr(
    types: &[syn::Item],
    ty: &syn::Type,
    hint: &str,
    depth: u8,
) -> Option<String> {
    if depth > 4 {
        return None;
    }
    if let syn::Type::Tuple(t) = ty {
        return t.elems.is_empty().then(|| "()".to_string());
    }
    let (first, last) = last_ident(ty)?;
    let last = last.as_str();
    if INTEGERS.contains(&last) {
        return Some("1".into());
    }
    match last {
        "String" => return Some(format!("{:?}.to_string()", string_for(hint, None))),
        "Secret" => return Some(format!("{:?}.into()", string_for(hint, None))),
        "f32" | "f64" => return Some("1.0".into()),
        "bool" => return Some("true".into()),
        "Option" => return Some("None".into()),
        "Vec" => return Some("Vec::new()".into()),
        "Value" | "Map" | "HashMap" | "BTreeMap" => return Some("Default::default()".into()),
        _ => {}
    }
    // `types::X` outside the module, `X` or `super::X` inside it.
    if first != "types" && first != "super" && first != last {
        return None;
    }
    let path = format!("types::{last}");
    for item in types {
        match item {
            syn::Item::Struct(s) if s.ident == last => {
                if derives_default(&s.attrs) {
                    return Some(format!("{path}::default()"));
                }
                return match &s.fields {
                    syn::Fields::Named(named) => {
                        let mut parts = Vec::new();
                        for f in &named.named {
                            let name = f.ident.as_ref()?.to_string();
                            if !matches!(f.vis, syn::Visibility::Public(_)) {
                                return None;
                            }
                            parts.push(format!(
                                "{name}: {}",
                                value_expr(types, &f.ty, &name, depth + 1)?
                            ));
                        }
                        Some(format!("{path} {{ {} }}", parts.join(", ")))
                    }
                    _ => None,
                };
            }
            syn::Item::Enum(e) if e.ident == last => {
                for v in &e.variants {
                    let vpath = format!("{path}::{}", v.ident);
                    let candidate = match &v.fields {
                        syn::Fields::Unit => Some(vpath),
                        syn::Fields::Unnamed(u) => u
                            .unnamed
                            .iter()
                            .map(|f| value_expr(types, &f.ty, hint, depth + 1))
                            .collect::<Option<Vec<_>>>()
                            .map(|a| format!("{vpath}({})", a.join(", "))),
                        syn::Fields::Named(n) => n
                            .named
                            .iter()
                            .map(|f| {
                                let name = f.ident.as_ref()?.to_string();
                                Some(format!(
                                    "{name}: {}",
                                    value_expr(types, &f.ty, &name, depth + 1)?
                                ))
                            })
                            .collect::<Option<Vec<_>>>()
                            .map(|a| format!("{vpath} {{ {} }}", a.join(", "))),
                    };
                    // The first variant that can be written.
                    if candidate.is_some() {
                        return candidate;
                    }
                }
                return None;
            }
            _ => {}
        }
    }
    None
}

/// The Rust field name of the property `prop` of the struct `ty` in
/// `types`: its `#[serde(rename)]`, else its snake case.
fn field_of(types: &[syn::Item], ty: &str, prop: &str) -> Option<(String, syn::Type)> {
    let s = types.iter().find_map(|i| match i {
        syn::Item::Struct(s) if s.ident == ty => Some(s),
        _ => None,
    })?;
    for f in &s.fields {
        let ident = f.ident.as_ref()?.to_string();
        let renamed = f.attrs.iter().any(|a| {
            let meta = &a.meta;
            a.path().is_ident("serde")
                && quote!(#meta)
                    .to_string()
                    .contains(&format!("rename = \"{prop}\""))
        });
        if renamed || ident == snake_case(prop) || ident == prop {
            return Some((ident, f.ty.clone()));
        }
    }
    None
}

/// The required properties of the operation's body that the body's own
/// builder must be given, as (Rust field, type), or `None` when the body
/// is not a struct of `types`.
pub(crate) fn required_body_fields(
    types: &[syn::Item],
    op: &Op,
    body_type: &syn::Type,
) -> Option<Vec<(String, syn::Type)>> {
    let (first, last) = last_ident(body_type)?;
    if first != "types" {
        return None;
    }
    let schema = &op.body.as_ref()?.schema;
    let required = schema.get("required").and_then(Value::as_array);
    required
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|prop| field_of(types, &last, prop))
        .collect()
}

/// The builder calls an example makes: every required parameter, then the
/// body. `Err` names what it could not write.
fn calls(types: &[syn::Item], op: &Op, b: &Builder) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for field in b.unset.iter().filter(|f| *f != "body") {
        let param = op.params.iter().find(|p| p.rust == *field);
        let literal = match param {
            Some(p) => param_literal(p),
            None => Some(format!("{:?}", string_for(field, None))),
        }
        .ok_or_else(|| format!("no example value for the parameter `{field}`"))?;
        out.push(format!(".{field}({literal})"));
    }
    let Some(body_type) = &b.body_type else {
        return Ok(out);
    };
    if b.unset.iter().any(|f| f == "body") {
        let arg = setter_arg(types, body_type, "token")
            .ok_or_else(|| format!("no example value for the body `{}`", short_type(body_type)))?;
        out.push(format!(".body({arg})"));
    } else if op.body.as_ref().is_some_and(|body| body.required)
        && b.setters.iter().any(|s| s == "body_map")
    {
        let fields = required_body_fields(types, op, body_type).unwrap_or_default();
        let mut chain = String::new();
        for (name, ty) in &fields {
            match setter_arg(types, ty, name) {
                Some(arg) => {
                    let _ = write!(chain, ".{name}({arg})");
                }
                // Set what can be written; `send()` names the rest.
                None => continue,
            }
        }
        out.push(format!(".body_map(|b| b{chain})"));
    }
    Ok(out)
}

/// `let value: T = ` for a result worth naming, with the `use` it needs.
fn binding(ok: Option<&syn::Type>) -> (String, bool) {
    let Some(ty) = ok else {
        return (String::new(), false);
    };
    if matches!(ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
        return (String::new(), false);
    }
    let short = short_type(ty);
    let plain = short
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
        .all(|w| {
            w.starts_with("types::")
                || ["Vec", "String", "Option", "bool"].contains(&w)
                || INTEGERS.contains(&w)
        });
    if plain {
        (format!("let value: {short} = "), short.contains("types::"))
    } else {
        ("let value = ".to_string(), false)
    }
}

/// The example of one operation's method, in a doc comment's Markdown.
pub(crate) fn method_example(
    krate: &str,
    types: &[syn::Item],
    op: &Op,
    b: &Builder,
) -> Result<String, String> {
    let calls = calls(types, op, b)?;
    let (bind, use_types) = binding(b.ok_type.as_ref());
    let mut code = String::new();
    if use_types {
        let _ = writeln!(code, "# use {krate}::types;");
    }
    if op.deprecated {
        let _ = writeln!(code, "# #[allow(deprecated)]");
    }
    let _ = writeln!(
        code,
        "# async fn demo(client: {krate}::Client) -> Result<(), Box<dyn std::error::Error>> {{"
    );
    let _ = writeln!(code, "{bind}client");
    let _ = writeln!(code, "    .{}()", op.id);
    for c in &calls {
        let _ = writeln!(code, "    {c}");
    }
    let _ = writeln!(code, "    .send()");
    if bind.is_empty() {
        let _ = writeln!(code, "    .await?;");
    } else {
        let _ = writeln!(code, "    .await?");
        let _ = writeln!(code, "    .into_inner();");
    }
    let _ = writeln!(code, "# Ok(()) }}");
    Ok(format!("# Example\n\n```no_run\n{code}```"))
}

/// The operation `Client`'s own example calls: not deprecated, a `GET` if
/// there is one, then the fewest required inputs; spec order breaks ties.
fn showcase<'a>(file: &syn::File, ops: &'a [Op]) -> Option<(&'a Op, Builder)> {
    ops.iter()
        .filter_map(|op| Some((op, builder(file, &super::super::spec::pascal_case(&op.id))?)))
        .min_by_key(|(op, b)| (op.deprecated, op.method != "get", b.unset.len()))
}

/// Adds the examples to the operation methods and to `Client`.
pub fn apply(file: &mut syn::File, service: &str, doc: &Value, ops: &[Op]) -> Result<(), String> {
    let krate = format!("authapi_{}", service.replace('-', "_"));
    let types: Vec<syn::Item> = module(file, "types").map(<[_]>::to_vec).unwrap_or_default();
    let mut docs = Vec::new();
    for op in ops {
        let name = super::super::spec::pascal_case(&op.id);
        let b = builder(file, &name).ok_or_else(|| {
            format!(
                "operation {}: no builder `{name}` was generated",
                op.label()
            )
        })?;
        let example = method_example(&krate, &types, op, &b)
            .map_err(|m| format!("operation {}: {m}", op.label()))?;
        docs.push((op.id.clone(), example));
    }
    let client_doc = client_example(&krate, file, &types, doc, ops)?;
    for item in &mut file.items {
        match item {
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && self_ty_name(imp).as_deref() == Some("Client") =>
            {
                for it in &mut imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    if let Some((_, text)) = docs.iter().find(|(id, _)| f.sig.ident == id) {
                        push_doc(&mut f.attrs, text);
                    }
                }
            }
            syn::Item::Struct(s) if s.ident == "Client" => push_doc(&mut s.attrs, &client_doc),
            _ => {}
        }
    }
    Ok(())
}

/// Appends a paragraph after the item's last doc attribute.
pub(crate) fn push_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    let text = format!("\n\n{text}");
    let at = attrs
        .iter()
        .rposition(|a| a.path().is_ident("doc"))
        .map_or(0, |i| i + 1);
    attrs.insert(at, syn::parse_quote!(#[doc = #text]));
}

fn client_example(
    krate: &str,
    file: &syn::File,
    types: &[syn::Item],
    doc: &Value,
    ops: &[Op],
) -> Result<String, String> {
    let mut code = String::new();
    let server = doc.pointer("/servers/0/url").and_then(Value::as_str);
    match server {
        Some(_) => {
            let _ = writeln!(code, "use {krate}::Client;\n");
        }
        None => {
            let _ = writeln!(code, "use {krate}::{{Client, Config}};\n");
        }
    }
    let _ = writeln!(
        code,
        "# async fn demo() -> Result<(), Box<dyn std::error::Error>> {{"
    );
    match server {
        Some(url) => {
            let _ = writeln!(code, "let client = Client::new_default()?; // {url}");
        }
        None => {
            let _ = writeln!(
                code,
                "// The spec names no host: give the base URL.\n\
                 let client = Client::from_config(Config::new().base_url(\"https://api.example.com\"))?;"
            );
        }
    }
    if let Some((op, b)) = showcase(file, ops) {
        if !op.security.is_empty() {
            let _ = writeln!(
                code,
                "// Set the credentials first (see the crate docs), then:"
            );
        }
        let calls = calls(types, op, &b).map_err(|m| format!("operation {}: {m}", op.label()))?;
        let _ = writeln!(code, "let response = client");
        let _ = writeln!(code, "    .{}()", op.id);
        for c in &calls {
            let _ = writeln!(code, "    {c}");
        }
        let _ = writeln!(code, "    .send()\n    .await?;");
        let _ = writeln!(code, "println!(\"{{}}\", response.status());");
    }
    let _ = writeln!(code, "# Ok(()) }}");
    let text = format!(
        "# Example\n\n\
         Each method returns a request builder; set the parameters (a required one left \
         unset fails at `send()`), then `send().await`.\n\n```no_run\n{code}```"
    );
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(id: &str, params: Vec<Param>, body: Option<Value>, deprecated: bool) -> Op {
        Op {
            id: id.into(),
            method: "post".into(),
            path: "/x".into(),
            docs_name: id.into(),
            upstream_name: None,
            deprecated,
            deprecated_note: None,
            security: vec![],
            text_plain: false,
            redact_url: false,
            secret_params: vec![],
            idempotency_key: None,
            params,
            body: body.map(|schema| super::super::super::spec::Body {
                required: true,
                schema,
            }),
            responses: vec!["200".into()],
        }
    }

    fn file() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(Clone, Debug)]
                pub struct LoginIn {
                    pub username: ::std::string::String,
                    #[serde(rename = "passWord")]
                    pub password: ::authapi_core::Secret,
                    pub remember: ::std::option::Option<bool>,
                }
                #[derive(Clone, Debug)]
                pub struct Token { pub token: ::authapi_core::Secret }
                #[serde(tag = "type")]
                pub enum Grant {
                    Code { code: ::authapi_core::Secret, redirect_uri: ::std::string::String },
                    Refresh { token: ::authapi_core::Secret },
                }
            }
            #[derive(Clone)]
            /**Client for X*/
            pub struct Client { baseurl: String }
            impl Client {
                ///Log in.
                pub fn login(&self) -> builder::Login<'_> { builder::Login::new(self) }
                ///Exchange.
                #[deprecated(note = "x")]
                pub fn exchange(&self) -> builder::Exchange<'_> { builder::Exchange::new(self) }
            }
            pub mod builder {
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
                    pub fn app_id<V>(mut self, value: V) -> Self where V: std::convert::TryInto<::std::string::String> { self }
                    pub fn body<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::LoginIn> { self }
                    pub fn body_map<F>(mut self, f: F) -> Self { self }
                    pub async fn send(self) -> Result<ResponseValue<types::Token>, Error<types::Problem>> { todo!() }
                }
                pub struct Exchange<'a> { client: &'a super::Client }
                impl<'a> Exchange<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, body: Err("body was not initialized".to_string()) }
                    }
                    pub fn body<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::Grant> { self }
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> { todo!() }
                }
            }
        }
    }

    #[test]
    fn every_method_gets_an_example_with_its_required_inputs() {
        let mut file = file();
        let param = Param {
            name: "app_id".into(),
            rust: "app_id".into(),
            location: "path".into(),
            schema: json!({"type": "string"}),
            example: None,
        };
        let ops = [
            op(
                "login",
                vec![param],
                Some(json!({"type": "object", "required": ["username", "passWord"]})),
                false,
            ),
            op("exchange", vec![], Some(json!({"oneOf": []})), true),
        ];
        apply(
            &mut file,
            "demo",
            &json!({"servers": [{"url": "https://demo.example"}]}),
            &ops,
        )
        .unwrap();
        let out = prettyplease::unparse(&file);
        assert!(out.contains("```no_run"), "{out}");
        assert!(
            out.contains("# async fn demo(client: authapi_demo::Client) -> Result<(), Box<dyn std::error::Error>> {"),
            "{out}"
        );
        assert!(out.contains("let value: types::Token = client"), "{out}");
        assert!(out.contains("# use authapi_demo::types;"), "{out}");
        assert!(out.contains(".app_id(\"app-123\")"), "{out}");
        assert!(
            out.contains(".body_map(|b| b.username(\"user@example.com\").password(\"correct-horse-battery-staple\"))"),
            "{out}"
        );
        // No builder for an enum body: its first variant, built.
        assert!(
            out.contains(".body(types::Grant::Code { code: \"code-123\".into(), redirect_uri: \"https://example.com/callback\".to_string() })"),
            "{out}"
        );
        assert!(out.contains("# #[allow(deprecated)]"), "{out}");
        // `()`: nothing to bind.
        assert!(out.contains("client\n    .exchange()"), "{out}");
        // Client: the default host, then the call with the fewest inputs
        // that is not deprecated.
        assert!(
            out.contains("let client = Client::new_default()?; // https://demo.example"),
            "{out}"
        );
        assert!(
            out.contains("let response = client\n    .login()\n    .app_id(\"app-123\")"),
            "{out}"
        );
    }

    #[test]
    fn without_a_server_the_client_example_gives_a_base_url() {
        let mut file = file();
        apply(&mut file, "demo", &json!({}), &[]).unwrap();
        let out = prettyplease::unparse(&file);
        assert!(
            out.contains("Config::new().base_url(\"https://api.example.com\")"),
            "{out}"
        );
    }

    #[test]
    fn values_are_built_from_the_types() {
        let file = file();
        let types = module(&file, "types").unwrap();
        let ty: syn::Type = syn::parse_quote!(types::LoginIn);
        assert_eq!(
            value_expr(types, &ty, "x", 0).unwrap(),
            "types::LoginIn { username: \"user@example.com\".to_string(), password: \"correct-horse-battery-staple\".into(), remember: None }"
        );
        let ty: syn::Type = syn::parse_quote!(::std::vec::Vec<types::Token>);
        assert_eq!(short_type(&ty), "Vec<types::Token>");
        let ty: syn::Type = syn::parse_quote!(chrono::DateTime<chrono::Utc>);
        assert!(value_expr(types, &ty, "x", 0).is_none());
    }
}
