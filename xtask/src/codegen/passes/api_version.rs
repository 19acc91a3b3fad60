//! Drops progenitor's `api-version` header.

use quote::quote;

/// Drops the `api-version` header progenitor adds to every request: it
/// carries the spec's document version, which none of these APIs defines,
/// and removing it in a hook would cost a header insert and remove per call.
pub struct DropApiVersion;

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

#[cfg(test)]
mod tests {
    use syn::visit_mut::VisitMut;

    #[test]
    fn the_header_and_its_slot_go() {
        let mut file: syn::File = syn::parse_quote! {
            fn send() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append("api-version", Client::api_version().try_into()?);
            }
        };
        super::DropApiVersion.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(!out.contains("api-version"), "{out}");
        assert!(
            out.contains("let header_map = ::reqwest::header::HeaderMap::with_capacity(0usize);"),
            "{out}"
        );
    }
}
