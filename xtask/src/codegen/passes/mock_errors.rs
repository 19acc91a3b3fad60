//! The same error helper on every operation's `then` type, in every service.
//!
//! progenitor names a `then` helper after the statuses the spec lists:
//! `unauthorized(..)` where a spec lists `401`, `client_error(status, ..)`
//! where it lists `4XX`, `not_found()` where the error has no body. Code
//! that mocks two services, or an operation whose spec changes, cannot
//! rely on any one name. Here every `then` type also gets
//! `error(status, body)`, for any error status (4xx or 5xx) the spec
//! documents for the operation, with the body type its `Error::ErrorResponse`
//! carries (`()` when the documented errors have no body).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use super::super::spec::{pascal_case, Op};

/// How a `then` helper answers, read from its body.
#[derive(Clone)]
pub(crate) struct Answer {
    pub(crate) status: Status,
    /// The `content-type` header it sets, if any.
    pub(crate) content_type: Option<String>,
    pub(crate) body: BodyKind,
    /// The type of its `value` parameter, if it takes one.
    pub(crate) value_type: Option<syn::Type>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Status {
    /// A fixed status.
    Code(u16),
    /// The caller's `status`, which must be in this class (4 for 4xx).
    Class(u16),
    /// The caller's `status`, unchecked.
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BodyKind {
    None,
    /// `value` serialized with serde.
    JsonObj,
    /// `value`, a `serde_json::Value`.
    Json,
    /// `value` as it is.
    Raw,
}

#[derive(Default)]
struct Calls {
    status: Option<syn::Expr>,
    class: Option<u16>,
    content_type: Option<String>,
    body: Option<BodyKind>,
}

// A `VisitMut` that changes nothing, on a copy: the crate builds syn
// without its `visit` feature.
impl VisitMut for Calls {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        let method = call.method.to_string();
        let first = call.args.first();
        match method.as_str() {
            "status" => self.status = first.cloned(),
            "header" => {
                let args: Vec<String> = call
                    .args
                    .iter()
                    .filter_map(|a| match a {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => Some(s.value()),
                        _ => None,
                    })
                    .collect();
                if let [name, value] = args.as_slice() {
                    if name.eq_ignore_ascii_case("content-type") {
                        self.content_type = Some(value.clone());
                    }
                }
            }
            "json_body_obj" => self.body = Some(BodyKind::JsonObj),
            "json_body" => self.body = Some(BodyKind::Json),
            "body" => self.body = Some(BodyKind::Raw),
            _ => {}
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        // `assert_eq!(status / 100u16, 4u16);`
        if mac.path.is_ident("assert_eq") {
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            if let Ok(args) = mac.parse_body_with(parser) {
                if let Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(class),
                    ..
                })) = args.iter().nth(1)
                {
                    self.class = class.base10_parse().ok();
                }
            }
        }
    }
}

/// How the `then` helper `f` answers; `None` for `new`, `into_inner` and
/// anything that sets no status.
pub(crate) fn answer_of(f: &syn::ImplItemFn) -> Option<Answer> {
    let mut calls = Calls::default();
    calls.visit_block_mut(&mut f.block.clone());
    let status = match calls.status? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(code),
            ..
        }) => Status::Code(code.base10_parse().ok()?),
        _ => match calls.class {
            Some(class) => Status::Class(class),
            None => Status::Any,
        },
    };
    let value_type = f.sig.inputs.iter().find_map(|arg| match arg {
        syn::FnArg::Typed(t) => match &*t.pat {
            syn::Pat::Ident(id) if id.ident == "value" || id.ident == "body" => {
                Some((*t.ty).clone())
            }
            _ => None,
        },
        _ => None,
    });
    Some(Answer {
        status,
        content_type: calls.content_type,
        body: calls.body.unwrap_or(BodyKind::None),
        value_type,
    })
}

/// The error statuses the spec documents for `op`: `404`, `4XX`,
/// `default` (as 4xx and 5xx).
pub(crate) fn error_statuses(op: &Op) -> Vec<Documented> {
    let mut out = Vec::new();
    for key in &op.responses {
        let upper = key.to_ascii_uppercase();
        if upper == "DEFAULT" {
            out.push(Documented::Class(4));
            out.push(Documented::Class(5));
        } else if let Ok(code) = key.parse::<u16>() {
            if (400..600).contains(&code) {
                out.push(Documented::Code(code));
            }
        } else if let [c @ (b'4' | b'5'), b'X', b'X'] = upper.as_bytes() {
            out.push(Documented::Class(u16::from(c - b'0')));
        }
    }
    out.dedup();
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Documented {
    Code(u16),
    Class(u16),
}

impl Documented {
    pub(crate) fn text(self) -> String {
        match self {
            Documented::Code(c) => format!("`{c}`"),
            Documented::Class(c) => format!("any {c}xx"),
        }
    }

    fn pattern(self) -> TokenStream {
        match self {
            Documented::Code(c) => quote!(#c),
            Documented::Class(c) => {
                let (lo, hi) = (c * 100, c * 100 + 99);
                quote!(#lo..=#hi)
            }
        }
    }
}

/// The error helpers' statuses written out: "`400`, `401` or any 5xx".
pub(crate) fn list(statuses: &[Documented]) -> String {
    let texts: Vec<String> = statuses.iter().map(|s| s.text()).collect();
    match texts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The body type of `op`'s error answers, read from the helpers progenitor
/// wrote for its error statuses: `None` when they have no body.
fn error_body(
    rel: &str,
    op: &Op,
    helpers: &[(String, Answer)],
) -> Result<Option<syn::Type>, String> {
    let mut found: Option<syn::Type> = None;
    let mut bodiless = false;
    for (name, answer) in helpers {
        let is_error = match answer.status {
            Status::Code(c) => c >= 400,
            Status::Class(c) => c >= 4,
            Status::Any => name == "default_response",
        };
        if !is_error {
            continue;
        }
        match (&answer.value_type, &found) {
            (None, _) => bodiless = true,
            (Some(t), None) => found = Some(t.clone()),
            (Some(t), Some(f)) if quote!(#t).to_string() == quote!(#f).to_string() => {}
            (Some(t), Some(f)) => {
                return Err(format!(
                    "operation {}: its error answers have different body types (`{}` and `{}`), \
                     so no one `error(status, body)` mock helper fits them ({rel})",
                    op.label(),
                    quote!(#f),
                    quote!(#t)
                ))
            }
        }
    }
    if bodiless && found.is_some() {
        return Err(format!(
            "operation {}: some error answers have a body and some do not, so no one \
             `error(status, body)` mock helper fits them ({rel})",
            op.label()
        ));
    }
    // The helpers take `&T`; `error` takes the same.
    Ok(found.map(|t| match t {
        syn::Type::Reference(r) => *r.elem,
        other => other,
    }))
}

/// Adds `error(status, body)` to the `then` type of every operation.
pub fn apply(rel: &str, file: &mut syn::File, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        let then = format!("{}Then", pascal_case(&op.id));
        let Some(imp) = then_impl(file, &then) else {
            return Err(format!(
                "operation {}: progenitor wrote no `{then}` mock type",
                op.label()
            ));
        };
        let helpers: Vec<(String, Answer)> = imp
            .items
            .iter()
            .filter_map(|i| match i {
                syn::ImplItem::Fn(f) => Some((f.sig.ident.to_string(), answer_of(f)?)),
                _ => None,
            })
            .collect();
        if helpers.iter().any(|(n, _)| n == "error") {
            return Err(format!(
                "operation {}: `{then}` already has an `error` helper",
                op.label()
            ));
        }
        let body = error_body(rel, op, &helpers)?;
        let statuses = error_statuses(op);
        imp.items.push(error_helper(op, &statuses, body.as_ref()));
    }
    Ok(())
}

fn then_impl<'a>(file: &'a mut syn::File, then: &str) -> Option<&'a mut syn::ItemImpl> {
    let ops = file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "operations" => m.content.as_mut(),
        _ => None,
    })?;
    ops.1.iter_mut().find_map(|i| match i {
        syn::Item::Impl(imp) if imp.trait_.is_none() => {
            let ty = &imp.self_ty;
            (quote!(#ty).to_string() == then).then_some(imp)
        }
        _ => None,
    })
}

fn error_helper(op: &Op, statuses: &[Documented], body: Option<&syn::Type>) -> syn::ImplItem {
    let id = &op.id;
    let name = format_ident!("error");
    let (body_ty, answer, what) = match body {
        Some(t) => (
            quote!(#t),
            quote!(self
                .0
                .status(status)
                .header("content-type", "application/json")
                .json_body_obj(body)),
            "with `content-type: application/json` and `body`, serialized with serde, as \
             the body"
                .to_string(),
        ),
        None => (
            quote!(()),
            quote! {{
                let _ = body;
                self.0.status(status)
            }},
            "with no body (the spec documents none for these errors)".to_string(),
        ),
    };
    if statuses.is_empty() {
        let doc = format!(
            "Panics: the spec documents no error status for `{id}`, so the client would \
             return any 4xx or 5xx as `Error::UnexpectedResponse`. Answer one with \
             [`into_inner()`](Self::into_inner) if you need it."
        );
        let message = format!(
            "`error({{status}}, ..)` for `{id}`: the spec documents no error status for it; \
             the client would return `Error::UnexpectedResponse`. Answer it with `into_inner()` instead."
        );
        return syn::parse_quote! {
            #[doc = #doc]
            pub fn #name(self, status: u16, body: &#body_ty) -> Self {
                let _ = (self, body);
                panic!(#message)
            }
        };
    }
    let listed = list(statuses);
    // Whole classes next to each other (`4XX` and `5XX`) are one range:
    // `400..=499 | 500..=599` is what clippy's `manual_range_patterns` flags.
    let patterns: Vec<TokenStream> = if statuses == [Documented::Class(4), Documented::Class(5)] {
        vec![quote!(400u16..=599u16)]
    } else {
        statuses.iter().map(|s| s.pattern()).collect()
    };
    let doc = format!(
        "Answers `status` {what}: `send()` fails with `Error::ErrorResponse`. `status` \
         must be one the spec documents as an error of `{id}`: {listed}. Another one \
         panics, since the client would return it as `Error::UnexpectedResponse` (answer \
         that with [`into_inner()`](Self::into_inner)). Every `then` type of every authapi \
         service has this helper."
    );
    let message = format!(
        "`error({{status}}, ..)` for `{id}`: {{status}} is not an error status the spec \
         documents for it ({listed}); the client would return it as \
         `Error::UnexpectedResponse`. Answer it with `into_inner()` instead."
    );
    syn::parse_quote! {
        #[doc = #doc]
        pub fn #name(self, status: u16, body: &#body_ty) -> Self {
            assert!(matches!(status, #(#patterns)|*), #message);
            Self(#answer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str, responses: &[&str]) -> Op {
        Op {
            id: id.into(),
            method: "post".into(),
            path: "/x".into(),
            docs_name: id.into(),
            upstream_name: None,
            deprecated: false,
            deprecated_note: None,
            security: vec![],
            text_plain: false,
            redact_url: false,
            secret_params: vec![],
            idempotency_key: None,
            params: vec![],
            body: None,
            responses: responses.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn file() -> syn::File {
        syn::parse_quote! {
            pub mod operations {
                pub struct LoginThen(::httpmock::Then);
                impl LoginThen {
                    pub fn new(inner: ::httpmock::Then) -> Self { Self(inner) }
                    pub fn ok(self, value: &types::Token) -> Self {
                        Self(self.0.status(200u16).header("content-type", "application/json").json_body_obj(value))
                    }
                    pub fn unauthorized(self, value: &types::Problem) -> Self {
                        Self(self.0.status(401u16).header("content-type", "application/json").json_body_obj(value))
                    }
                    pub fn server_error(self, status: u16, value: &types::Problem) -> Self {
                        assert_eq!(status / 100u16, 5u16);
                        Self(self.0.status(status).header("content-type", "application/json").json_body_obj(value))
                    }
                }
                pub struct RedirectThen(::httpmock::Then);
                impl RedirectThen {
                    pub fn permanent_redirect(self) -> Self { Self(self.0.status(308u16)) }
                    pub fn not_found(self) -> Self { Self(self.0.status(404u16)) }
                }
            }
        }
    }

    #[test]
    fn every_then_type_gets_error_with_the_documented_statuses() {
        let mut file = file();
        let ops = [
            op("login", &["200", "401", "5XX"]),
            op("redirect", &["308", "404"]),
        ];
        apply("specs/x.yaml", &mut file, &ops).unwrap();
        let out = prettyplease::unparse(&file);
        let flat: String = out.split_whitespace().collect();
        assert!(
            out.contains("pub fn error(self, status: u16, body: &types::Problem) -> Self"),
            "{out}"
        );
        assert!(
            flat.contains("matches!(status,401u16|500u16..=599u16)"),
            "{out}"
        );
        assert!(out.contains("`401` or any 5xx"), "{out}");
        assert!(out.contains(".json_body_obj(body)"), "{out}");
        // No body: `()`, and the mock answers the status alone.
        assert!(
            out.contains("pub fn error(self, status: u16, body: &()) -> Self"),
            "{out}"
        );
        assert!(flat.contains("matches!(status,404u16)"), "{out}");
        // The existing helpers stay.
        assert!(out.contains("pub fn unauthorized("), "{out}");
        assert!(out.contains("pub fn not_found("), "{out}");
    }

    #[test]
    fn answers_are_read_from_the_helpers() {
        let f: syn::ImplItemFn = syn::parse_quote! {
            pub fn client_error(self, status: u16, value: &types::E) -> Self {
                assert_eq!(status / 100u16, 4u16);
                Self(self.0.status(status).header("content-type", "application/json").json_body_obj(value))
            }
        };
        let a = answer_of(&f).unwrap();
        assert_eq!(a.status, Status::Class(4));
        assert_eq!(a.content_type.as_deref(), Some("application/json"));
        assert_eq!(a.body, BodyKind::JsonObj);
        let f: syn::ImplItemFn = syn::parse_quote! {
            pub fn no_content(self) -> Self { Self(self.0.status(204u16)) }
        };
        let a = answer_of(&f).unwrap();
        assert_eq!(a.status, Status::Code(204));
        assert_eq!(a.body, BodyKind::None);
        let f: syn::ImplItemFn = syn::parse_quote! {
            pub fn into_inner(self) -> ::httpmock::Then { self.0 }
        };
        assert!(answer_of(&f).is_none());
    }

    #[test]
    fn error_bodies_of_different_types_are_refused() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod operations {
                pub struct LoginThen(::httpmock::Then);
                impl LoginThen {
                    pub fn bad_request(self, value: &types::A) -> Self {
                        Self(self.0.status(400u16).json_body_obj(value))
                    }
                    pub fn unauthorized(self, value: &types::B) -> Self {
                        Self(self.0.status(401u16).json_body_obj(value))
                    }
                }
            }
        };
        let err = apply("specs/x.yaml", &mut file, &[op("login", &["400", "401"])]).unwrap_err();
        assert!(err.contains("different body types"), "{err}");
    }
}
