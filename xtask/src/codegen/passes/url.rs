//! Request URLs from the base URL parsed once, not from a string parsed on
//! every call.
//!
//! progenitor formats `"{base}{path}"` and reqwest parses the result again
//! on every call: scheme, host (through IDNA), path and query, about 30% of
//! a call's instructions. The runtime keeps the base as a parsed `Url`, and
//! `Runtime::url` only sets the path on a copy of it.

use quote::quote;
use syn::visit_mut::VisitMut;

pub struct ParsedBase;

impl VisitMut for ParsedBase {
    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        syn::visit_mut::visit_local_mut(self, local);
        let syn::Pat::Ident(id) = &local.pat else {
            return;
        };
        if id.ident != "url" {
            return;
        }
        let Some(init) = &mut local.init else { return };
        let syn::Expr::Macro(m) = &*init.expr else {
            return;
        };
        if !m.mac.path.is_ident("format") {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        let Ok(args) = m.mac.parse_body_with(parser) else {
            return;
        };
        let mut args = args.into_iter();
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(template),
            ..
        })) = args.next()
        else {
            return;
        };
        let Some(base) = args.next() else { return };
        if quote!(#base).to_string() != "client . baseurl" {
            return;
        }
        let Some(path) = template.value().strip_prefix("{}").map(str::to_string) else {
            return;
        };
        let rest: Vec<syn::Expr> = args.collect();
        *init.expr = if rest.is_empty() {
            syn::parse_quote!(client.inner.url(#path)?)
        } else {
            syn::parse_quote!(client.inner.url(&format!(#path, #(#rest),*))?)
        };
    }
}

/// The builder `name` has a secret path parameter (`x-secret`): its URLs
/// are not kept in the runtime's URL cache, where the secret would outlive
/// the call.
pub fn uncached(file: &mut syn::File, name: &str) {
    struct Pass<'a>(&'a str);
    impl VisitMut for Pass<'_> {
        fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
            let ty = &imp.self_ty;
            let ty = quote!(#ty).to_string();
            if imp.trait_.is_none() && ty.split_whitespace().next() == Some(self.0) {
                Uncached.visit_item_impl_mut(imp);
            }
        }
    }
    struct Uncached;
    impl VisitMut for Uncached {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, call);
            let receiver = &call.receiver;
            if call.method == "url" && quote!(#receiver).to_string() == "client . inner" {
                call.method = syn::Ident::new("url_uncached", call.method.span());
            }
        }
    }
    Pass(name).visit_file_mut(file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_not_formatted_in() {
        let mut file: syn::File = syn::parse_quote! {
            fn build() {
                let url = format!("{}/auth/login", client.baseurl,);
                let url = format!("{}/x/{}/", client.baseurl, authapi_core::encode_path(&id)?,);
            }
        };
        ParsedBase.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(
            out.contains("let url = client.inner.url(\"/auth/login\")?;"),
            "{out}"
        );
        assert!(
            out.contains(
                "client.inner.url(&format!(\"/x/{}/\", authapi_core::encode_path(& id) ?))?"
            ),
            "{out}"
        );
    }

    #[test]
    fn secret_paths_are_not_cached() {
        let mut file: syn::File = syn::parse_quote! {
            mod builder {
                impl<'a> Verify<'a> {
                    fn send() { let url = client.inner.url(&format!("/v/{}", t))?; }
                }
                impl<'a> Other<'a> {
                    fn send() { let url = client.inner.url("/o")?; }
                }
            }
        };
        uncached(&mut file, "Verify");
        let out = prettyplease::unparse(&file);
        assert_eq!(
            out.matches("client.inner.url_uncached(").count(),
            1,
            "{out}"
        );
        assert!(out.contains("client.inner.url(\"/o\")"), "{out}");
    }
}
