//! Routes generated code through `authapi-core`'s runtime
//! and keep secrets out of `Debug`.
//!
//! progenitor's calling pattern (`pre` hook, `exec` hook, `post` hook, then
//! `ResponseValue::from_response`) returns progenitor's `Error`, which
//! prints undecodable bodies and request URLs. These passes make every
//! `send()` call `Runtime::send` and decode through `authapi_core`, so the
//! one error type a caller sees is `authapi_core::Error`.

use quote::quote;
use syn::visit_mut::VisitMut;

/// Rewrites each `send()` to call the runtime, and its decoding to use
/// `authapi_core`'s error type.
pub struct RuntimeSend;

impl RuntimeSend {
    pub fn apply(file: &mut syn::File) {
        // `Error` comes from authapi-core, not progenitor-client.
        for item in &mut file.items {
            if let syn::Item::Use(u) = item {
                let tree = &u.tree;
                let text = quote!(#tree).to_string();
                if text.starts_with("progenitor_client ::") && text.contains("Error") {
                    u.tree = syn::parse_quote!(progenitor_client::{ByteStream, ClientInfo, ResponseValue});
                }
            }
        }
        file.items.insert(
            0,
            syn::parse_quote!(
                pub use authapi_core::Error;
            ),
        );
        RuntimeSend.visit_file_mut(file);
    }
}

fn stmt_text(stmt: &syn::Stmt) -> String {
    quote!(#stmt).to_string()
}

impl VisitMut for RuntimeSend {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
        if f.sig.ident == "send" {
            if let Some(error) = error_type(&f.sig.output) {
                rebuildable_request(&mut f.block, &error);
            }
        }
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // `let info = OperationInfo { operation_id: "x" };` then the hooks.
        let info_at = block.stmts.iter().position(|s| {
            let t = stmt_text(s);
            t.starts_with("let info = OperationInfo")
        });
        if let Some(at) = info_at {
            let id = match &block.stmts[at] {
                syn::Stmt::Local(syn::Local {
                    init: Some(init), ..
                }) => match &*init.expr {
                    syn::Expr::Struct(s) => s.fields.first().map(|f| f.expr.clone()),
                    _ => None,
                },
                _ => None,
            };
            let hooks = [
                "client . pre (& mut request , & info) . await ? ;",
                "let result = client . exec (request , & info) . await ;",
                "client . post (& result , & info) . await ? ;",
                "let response = result ? ;",
            ];
            let matches = block.stmts.len() >= at + 5
                && hooks
                    .iter()
                    .zip(&block.stmts[at + 1..at + 5])
                    .all(|(h, s)| stmt_text(s) == *h);
            if let (Some(id), true) = (id, matches) {
                let send: syn::Stmt = syn::parse_quote!(
                    let response = client
                        .inner
                        .send(&super::AUTH, &client.client, request, #id)
                        .await?;
                );
                block.stmts.splice(at..at + 5, [send]);
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        let text = quote!(#expr).to_string();
        match text.as_str() {
            "Error :: ErrorResponse (ResponseValue :: from_response (response) . await ?)" => {
                *expr = syn::parse_quote!(authapi_core::service_error(response).await);
                return;
            }
            // A documented error status without a body type (Kleister's
            // HTML 404s): the status is the answer, the body is left unread.
            "Error :: ErrorResponse (ResponseValue :: empty (response))" => {
                *expr = syn::parse_quote!(authapi_core::empty_error(response));
                return;
            }
            "ResponseValue :: from_response (response) . await" => {
                *expr = syn::parse_quote!(authapi_core::decode(response).await);
                return;
            }
            "Error :: UnexpectedResponse (response)" => {
                *expr = syn::parse_quote!(authapi_core::unexpected(response));
                return;
            }
            _ => {}
        }
        // progenitor's form body returns its own error type; the runtime's
        // twin returns `authapi_core::Error`.
        if let syn::Expr::MethodCall(call) = expr {
            if call.method == "form_urlencoded" && call.args.len() == 1 {
                let receiver = &call.receiver;
                let body = &call.args[0];
                *expr = syn::parse_quote!(authapi_core::form_urlencoded(#receiver, #body));
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// `Error<T>` from `-> Result<ResponseValue<_>, Error<T>>`.
fn error_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(p) = &**ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().nth(1)? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

/// Moves the statements that build the request (`let url = ...` up to
/// `let mut request = ....build()?;`) into a closure the runtime calls once
/// per attempt. A retry rebuilds the request instead of every call cloning
/// it up front: the no-failure path pays nothing for retries.
fn rebuildable_request(block: &mut syn::Block, error: &syn::Type) {
    let start = block
        .stmts
        .iter()
        .position(|s| stmt_text(s).starts_with("let url ="));
    let send = block
        .stmts
        .iter()
        .position(|s| stmt_text(s).starts_with("let response = client . inner . send"));
    let (Some(start), Some(send)) = (start, send) else {
        return;
    };
    let mut body: Vec<syn::Stmt> = block.stmts.drain(start..send).collect();
    // Optional header values are borrowed, so the closure can run again.
    for stmt in &mut body {
        if let syn::Stmt::Expr(syn::Expr::If(i), _) = stmt {
            if let syn::Expr::Let(l) = &mut *i.cond {
                if let syn::Expr::Path(p) = &*l.expr {
                    let p = p.clone();
                    *l.expr = syn::parse_quote!(&#p);
                }
            }
        }
    }
    let closure: syn::Stmt = syn::parse_quote!(
        let build = || -> Result<reqwest::Request, #error> {
            #(#body)*
            Ok(request)
        };
    );
    block.stmts.insert(start, closure);
    if let Some(syn::Stmt::Local(local)) = block.stmts.get_mut(start + 1) {
        if let Some(init) = &mut local.init {
            RequestArg.visit_expr_mut(&mut init.expr);
        }
    }
}

/// `send(.., request, ..)` becomes `send(.., &build, ..)`.
struct RequestArg;

impl VisitMut for RequestArg {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        if call.method == "send" {
            for arg in call.args.iter_mut() {
                if quote!(#arg).to_string() == "request" {
                    *arg = syn::parse_quote!(&build);
                }
            }
        }
    }
}

/// The generated `Client::new` builds a `reqwest::Client` with `unwrap()`
/// (a panic in a process with no TLS provider) and skips `Config`'s
/// redirect policy; `new_with_client` skips it too. Only `from_config`
/// stays public.
pub fn private_constructors(file: &mut syn::File) {
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let ty = &imp.self_ty;
        if imp.trait_.is_some() || quote!(#ty).to_string() != "Client" {
            continue;
        }
        imp.items
            .retain(|it| !matches!(it, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
        for it in &mut imp.items {
            if let syn::ImplItem::Fn(f) = it {
                if f.sig.ident == "new_with_client" {
                    f.vis = syn::parse_quote!(pub(crate));
                    f.attrs.retain(|a| !a.path().is_ident("doc"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(file: &syn::File) -> String {
        prettyplease::unparse(file)
    }

    #[test]
    fn send_goes_through_the_runtime() {
        let file: syn::File = syn::parse_quote! {
            pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
            async fn send(self) -> Result<ResponseValue<T>, Error<types::E>> {
                let url = format!("{}/x", client.baseurl);
                if let Some(value) = key {
                    header_map.append("k", value.to_string().try_into()?);
                }
                let mut request = client.client.get(url).build()?;
                let info = OperationInfo { operation_id: "op" };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
                let response = result?;
                match response.status().as_u16() {
                    200u16 => ResponseValue::from_response(response).await,
                    400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        };
        // The pass works on `send` methods of impls, as progenitor emits them.
        let mut file: syn::File = {
            let f = &file;
            let items = &f.items[1..];
            let first = &f.items[0];
            syn::parse_quote! { #first impl B { #(#items)* } }
        };
        RuntimeSend::apply(&mut file);
        let out = render(&file);
        assert!(
            out.contains("let build = || -> Result<reqwest::Request, Error<types::E>> {"),
            "{out}"
        );
        assert!(out.contains("if let Some(value) = &key {"), "{out}");
        assert!(out.contains("pub use authapi_core::Error;"), "{out}");
        assert!(!out.contains("ClientInfo, Error"), "{out}");
        assert!(
            out.contains(".send(&super::AUTH, &client.client, &build, \"op\")"),
            "{out}"
        );
        assert!(!out.contains("client.pre"), "{out}");
        assert!(!out.contains("OperationInfo"), "{out}");
        assert!(
            out.contains("authapi_core::decode(response).await"),
            "{out}"
        );
        assert!(
            out.contains("Err(authapi_core::service_error(response).await)"),
            "{out}"
        );
        assert!(
            out.contains("Err(authapi_core::unexpected(response))"),
            "{out}"
        );
    }

    #[test]
    fn constructors_become_private() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                /// doc
                pub fn new(baseurl: &str) -> Self { todo!() }
                /// doc
                pub fn new_with_client(baseurl: &str) -> Self { todo!() }
            }
        };
        private_constructors(&mut file);
        let out = render(&file);
        assert!(!out.contains("fn new("), "{out}");
        assert!(out.contains("pub(crate) fn new_with_client"), "{out}");
    }
}
