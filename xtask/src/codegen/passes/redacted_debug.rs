//! Secret-bearing builders and the `Client` print `<redacted>` in `Debug`.

use quote::quote;
use syn::visit_mut::VisitMut;

/// Replaces `derive(Debug)` on `name` (at any depth) with a hand-written
/// impl that prints `<redacted>` for the `secret` fields.
pub fn redacted_debug(file: &mut syn::File, name: &str, secret: &[String]) {
    struct Pass<'a> {
        name: &'a str,
        secret: &'a [String],
    }
    impl VisitMut for Pass<'_> {
        fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
            if let Some((_, items)) = &mut m.content {
                let mut extra = Vec::new();
                for item in items.iter_mut() {
                    if let syn::Item::Struct(s) = item {
                        if s.ident == self.name {
                            extra.push(redact(s, self.secret));
                        }
                    }
                }
                items.extend(extra);
            }
            syn::visit_mut::visit_item_mod_mut(self, m);
        }

        fn visit_file_mut(&mut self, f: &mut syn::File) {
            let mut extra = Vec::new();
            for item in f.items.iter_mut() {
                if let syn::Item::Struct(s) = item {
                    if s.ident == self.name {
                        extra.push(redact(s, self.secret));
                    }
                }
            }
            f.items.extend(extra);
            syn::visit_mut::visit_file_mut(self, f);
        }
    }
    Pass { name, secret }.visit_file_mut(file);
}

/// Drops `Debug` from the `derive` attributes of a struct.
pub fn remove_debug_derive(s: &mut syn::ItemStruct) {
    for attr in &mut s.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let parser = syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
        if let Ok(paths) = attr.parse_args_with(parser) {
            let kept: Vec<&syn::Path> = paths.iter().filter(|p| !p.is_ident("Debug")).collect();
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
}

fn redact(s: &mut syn::ItemStruct, secret: &[String]) -> syn::Item {
    remove_debug_derive(s);
    let ident = &s.ident;
    let label = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = s.generics.split_for_impl();
    let fields = s.fields.iter().filter_map(|f| {
        let name = f.ident.as_ref()?;
        let label = name.to_string();
        Some(if secret.contains(&label) {
            quote!(.field(#label, &"<redacted>"))
        } else {
            quote!(.field(#label, &self.#name))
        })
    });
    syn::parse_quote! {
        impl #impl_generics ::std::fmt::Debug for #ident #ty_generics #where_clause {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#fields)* .finish()
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
    fn secret_fields_are_redacted_in_debug() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                #[derive(Debug, Clone)]
                pub struct VerifyAuth<'a> {
                    client: &'a super::Client,
                    token: Result<String, String>,
                }
            }
        };
        redacted_debug(&mut file, "VerifyAuth", &["token".to_string()]);
        let out = render(&file);
        assert!(out.contains("#[derive(Clone)]"), "{out}");
        assert!(out.contains(".field(\"token\", &\"<redacted>\")"), "{out}");
        assert!(out.contains(".field(\"client\", &self.client)"), "{out}");
    }
}
