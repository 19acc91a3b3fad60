//! No empty header map is built and merged into each request.
//!
//! progenitor builds a `HeaderMap` for the header parameters and merges it
//! into the request with `.headers(header_map)`, even for an operation with
//! none (once `api-version` is gone, that is most of them): an allocation
//! and a merge per call for nothing.

use quote::quote;
use syn::visit_mut::VisitMut;

pub struct NoEmptyHeaderMerge;

fn is_empty_map(stmt: &syn::Stmt) -> bool {
    let text = quote!(#stmt).to_string();
    text.starts_with("let header_map =") && text.contains("with_capacity (0usize)")
}

impl VisitMut for NoEmptyHeaderMerge {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let appends = block
            .stmts
            .iter()
            .any(|s| quote!(#s).to_string().contains("header_map . append"));
        if !appends && block.stmts.iter().any(is_empty_map) {
            block.stmts.retain(|s| !is_empty_map(s));
            StripMerge.visit_block_mut(block);
        }
        syn::visit_mut::visit_block_mut(self, block);
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
                let request = client.client.get(url).header(ACCEPT, v).headers(header_map).build()?;
            }
            fn b() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append("k", v);
                let request = client.client.get(url).headers(header_map).build()?;
            }
        };
        NoEmptyHeaderMerge.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert_eq!(out.matches("header_map").count(), 3, "{out}");
        assert!(
            out.contains("client.client.get(url).header(ACCEPT, v).build()?"),
            "{out}"
        );
    }
}
