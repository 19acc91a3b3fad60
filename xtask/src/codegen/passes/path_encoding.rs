//! Every path parameter through `authapi_core::encode_path`.

use quote::quote;

/// Routes every path parameter through `authapi_core::encode_path`, which
/// also refuses `.` and `..`: the URL parser would resolve those segments
/// and send the request to another path.
pub struct CheckedPathEncoding;

impl syn::visit_mut::VisitMut for CheckedPathEncoding {
    // The URL is built inside `format!`, whose arguments syn keeps as tokens.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(mut args) = mac.parse_body_with(parser) {
            for arg in args.iter_mut() {
                self.visit_expr_mut(arg);
            }
            mac.tokens = quote!(#args);
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::Call(call) = expr {
            if let syn::Expr::Path(p) = &*call.func {
                if p.path.is_ident("encode_path") {
                    let args = &call.args;
                    *expr = syn::parse_quote!(authapi_core::encode_path(#args)?);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use syn::visit_mut::VisitMut;

    #[test]
    fn encode_path_calls_go_through_the_checked_one() {
        let mut file: syn::File = syn::parse_quote! {
            fn send() {
                let url = format!("{}/x/{}", client.baseurl, encode_path(&id.to_string()),);
            }
        };
        super::CheckedPathEncoding.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(
            out.contains("authapi_core::encode_path(& id.to_string()) ?"),
            "{out}"
        );
    }
}
