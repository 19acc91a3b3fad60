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
}
