//! Header parameters go straight onto the built request: no header map is
//! built and merged into each request.
//!
//! progenitor collects header parameters in a `HeaderMap` and merges it into
//! the request with `.headers(header_map)`: an allocation and a merge per
//! call, even when the map is empty (once `api-version` is gone, most
//! operations have no header parameter), and a header name parsed from a
//! string on every append. Here the map is gone; each parameter is appended
//! to the built request under a name made at compile time.

use quote::quote;
use syn::visit_mut::VisitMut;

pub struct HeaderParams;

fn text(stmt: &syn::Stmt) -> String {
    quote!(#stmt).to_string()
}

fn is_map(stmt: &syn::Stmt) -> bool {
    let t = text(stmt);
    (t.starts_with("let header_map =") || t.starts_with("let mut header_map ="))
        && t.contains("HeaderMap :: with_capacity")
}

fn is_request(stmt: &syn::Stmt) -> bool {
    let t = text(stmt);
    t.contains("let mut request =") && t.contains(". build () ?")
}

/// A header name as HTTP/1.1 and `http` take it: a lower-case token.
fn token(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let ok = !lower.is_empty()
        && lower.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        });
    ok.then_some(lower)
}

impl VisitMut for HeaderParams {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, block);
        let (Some(map), Some(request)) = (
            block.stmts.iter().position(is_map),
            block.stmts.iter().position(is_request),
        ) else {
            return;
        };
        if map > request {
            return;
        }
        // Every statement between the map and the request appends to it.
        let mut appends: Vec<syn::Stmt> = block.stmts[map + 1..request]
            .iter()
            .filter(|s| text(s).contains("header_map . append"))
            .cloned()
            .collect();
        let mut names = ToRequest { ok: true };
        for s in &mut appends {
            names.visit_stmt_mut(s);
        }
        if !names.ok {
            // A name that is not a token: leave progenitor's code, which
            // refuses it at run time with an error.
            return;
        }
        block
            .stmts
            .retain(|s| !is_map(s) && !text(s).contains("header_map . append"));
        let at = block.stmts.iter().position(is_request).map_or(0, |i| i + 1);
        StripMerge.visit_stmt_mut(&mut block.stmts[at - 1]);
        block.stmts.splice(at..at, appends);
    }
}

/// `header_map.append("Name", v)` becomes
/// `request.headers_mut().insert(const { HeaderName::from_static("name") }, v)`.
struct ToRequest {
    ok: bool,
}

impl VisitMut for ToRequest {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        let receiver = &call.receiver;
        if call.method != "append" || quote!(#receiver).to_string() != "header_map" {
            return;
        }
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) = call.args.first()
        else {
            self.ok = false;
            return;
        };
        let Some(name) = token(&name.value()) else {
            self.ok = false;
            return;
        };
        // `insert`: the parameter replaces any value of that name, as
        // progenitor's `.headers(map)` merge did.
        call.method = syn::Ident::new("insert", call.method.span());
        call.receiver = syn::parse_quote!(request.headers_mut());
        call.args[0] =
            syn::parse_quote!(const { ::reqwest::header::HeaderName::from_static(#name) });
    }
}

/// `x.headers(header_map)` becomes `x`.
struct StripMerge;

impl VisitMut for StripMerge {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::MethodCall(call) = expr {
            let args = &call.args;
            if call.method == "headers" && quote!(#args).to_string() == "header_map" {
                *expr = (*call.receiver).clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_map_is_neither_built_nor_merged() {
        let mut file: syn::File = syn::parse_quote! {
            fn a() {
                let header_map = ::reqwest::header::HeaderMap::with_capacity(0usize);
                #[allow(unused_mut)]
                let mut request = client.client.get(url).header(ACCEPT, v).headers(header_map).build()?;
            }
        };
        HeaderParams.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(!out.contains("header_map"), "{out}");
        assert!(
            out.contains("client.client.get(url).header(ACCEPT, v).build()?"),
            "{out}"
        );
    }

    #[test]
    fn parameters_go_onto_the_built_request_under_const_names() {
        let mut file: syn::File = syn::parse_quote! {
            fn b() {
                let url = x;
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                if let Some(value) = k {
                    header_map.append("X-Request-ID", value.to_string().try_into()?);
                }
                header_map.append("k2", v2.to_string().try_into()?);
                #[allow(unused_mut)]
                let mut request = client.client.get(url).headers(header_map).build()?;
            }
        };
        HeaderParams.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(!out.contains("header_map"), "{out}");
        let request = out.find("let mut request = client.client.get(url).build()?;");
        let first =
            out.find("const { ::reqwest::header::HeaderName::from_static(\"x-request-id\") }");
        assert_eq!(out.matches(".headers_mut()").count(), 2, "{out}");
        assert_eq!(out.matches(".insert(").count(), 2, "{out}");
        let second = out.find("from_static(\"k2\")");
        assert!(
            request.is_some() && first > request && second > first,
            "{out}"
        );
    }

    #[test]
    fn a_name_that_is_no_token_is_left_to_the_runtime_check() {
        let mut file: syn::File = syn::parse_quote! {
            fn c() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append("bad name", v.to_string().try_into()?);
                #[allow(unused_mut)]
                let mut request = client.client.get(url).headers(header_map).build()?;
            }
        };
        let before = prettyplease::unparse(&file);
        HeaderParams.visit_file_mut(&mut file);
        assert_eq!(prettyplease::unparse(&file), before);
    }
}
