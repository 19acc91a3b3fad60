//! Path matchers of the httpmock helpers match the value given, exactly.
//!
//! progenitor's `when.<path parameter>(value)` puts `value` into a regex
//! unescaped, so `when.app_id("app.1")` also matches `appx1` and a `(`
//! makes the regex fail to compile; the other parameters of the path become
//! `.*`, which also matches `/`. Here each value goes through
//! `regex::escape`, after the percent-encoding the client applies (so
//! `when.app_id("a b")` matches the `a%20b` the client sends), and the other
//! parameters become `[^/]*`, one segment, as in the helper's `new`.

use quote::quote;
use syn::visit_mut::VisitMut;

/// Rewrites the `format!` of each path matcher and adds the private
/// `path_segment` it calls to the `operations` module.
pub fn apply(file: &mut syn::File) {
    let mut pass = ExactPaths { rewritten: 0 };
    pass.visit_file_mut(file);
    if pass.rewritten == 0 {
        return;
    }
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "operations" {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        // After the `use`s, so that the helpers come first in the source.
        let at = items
            .iter()
            .position(|i| !matches!(i, syn::Item::Use(_)))
            .unwrap_or(items.len());
        items.insert(
            at,
            syn::parse_quote! {
                /// A path parameter as the client sends it: percent-encoded
                /// by `authapi_core::encode_path`. The values the client
                /// refuses to send (an empty one, `.` and `..`) are kept.
                fn path_segment(value: impl ::std::fmt::Display) -> String {
                    let value = value.to_string();
                    authapi_core::encode_path::<()>(&value).unwrap_or(value)
                }
            },
        );
    }
}

struct ExactPaths {
    rewritten: usize,
}

impl VisitMut for ExactPaths {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        let Ok(mut args) = mac.parse_body_with(parser) else {
            return;
        };
        let mut iter = args.iter_mut();
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(pattern),
            ..
        })) = iter.next()
        else {
            return;
        };
        let text = pattern.value();
        // Only the path regexes: `^/...{}...$`.
        if !(text.starts_with("^/") && text.ends_with('$') && text.contains("{}")) {
            return;
        }
        *pattern = syn::LitStr::new(&text.replace(".*", "[^/]*"), pattern.span());
        for arg in iter {
            let value = match &*arg {
                // progenitor writes `value.to_string()`.
                syn::Expr::MethodCall(call)
                    if call.method == "to_string" && call.args.is_empty() =>
                {
                    let receiver = &call.receiver;
                    quote!(#receiver)
                }
                other => quote!(&(#other)),
            };
            *arg = syn::parse_quote!(regex::escape(&path_segment(#value)));
            self.rewritten += 1;
        }
        mac.tokens = quote!(#args);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_values_are_escaped_and_other_parameters_are_one_segment() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod operations {
                use crate::*;
                pub struct GetWhen(::httpmock::When);
                impl GetWhen {
                    pub fn stream_id(self, value: &str) -> Self {
                        let re = regex::Regex::new(
                            &format!("^/stream/{}/sink/.*/token$", value.to_string()),
                        )
                        .unwrap();
                        Self(self.0.path_matches(re))
                    }
                    pub fn other(self) -> String {
                        format!("{} and .*", 1)
                    }
                }
            }
        };
        super::apply(&mut file);
        let out = prettyplease::unparse(&file);
        let flat: String = out.split_whitespace().collect();
        assert!(
            flat.contains(r#""^/stream/{}/sink/[^/]*/token$",regex::escape(&path_segment(value))"#),
            "{out}"
        );
        assert!(!flat.contains(",value.to_string()"), "{out}");
        // Not a path regex: left alone.
        assert!(out.contains(r#"format!("{} and .*", 1)"#), "{out}");
        assert!(
            out.contains("fn path_segment(value: impl ::std::fmt::Display)"),
            "{out}"
        );
        assert!(
            out.contains("authapi_core::encode_path::<()>(&value)"),
            "{out}"
        );
        // The helper comes after the `use`.
        assert!(out.find("use crate::*").unwrap() < out.find("fn path_segment").unwrap());
    }

    #[test]
    fn a_file_without_path_matchers_gets_no_helper() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod operations {
                pub struct GetWhen(::httpmock::When);
            }
        };
        super::apply(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(!out.contains("path_segment"), "{out}");
    }
}
