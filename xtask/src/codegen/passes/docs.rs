//! Documents every public item progenitor and typify leave bare, so that
//! `missing_docs` can be denied in the service crates: setters take the
//! spec's descriptions, the rest a generated sentence. Also drops
//! progenitor's `ignore` examples, which never compile.

use std::collections::BTreeMap;

use quote::quote;
use syn::visit_mut::VisitMut;

/// Spec descriptions by Rust type and field (`LoginResponse.token`), and by
/// field alone (`token_id`) where every use of the name says the same:
/// parameters and schema properties, a `$ref` property falling back to its
/// schema's text.
pub type Descriptions = BTreeMap<String, String>;

pub fn fill(file: &mut syn::File, descriptions: &Descriptions) {
    let mut pass = Pass {
        descriptions,
        modules: Vec::new(),
        self_ty: None,
    };
    pass.visit_file_mut(file);
}

struct Pass<'a> {
    descriptions: &'a Descriptions,
    modules: Vec<String>,
    self_ty: Option<String>,
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn add_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    attrs.insert(0, syn::parse_quote!(#[doc = #text]));
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Removes the ```` ```ignore ```` blocks progenitor puts in operation docs.
fn drop_ignored_examples(attrs: &mut [syn::Attribute]) {
    for attr in attrs.iter_mut() {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            continue;
        };
        let text = s.value();
        let Some(start) = text.find("```ignore") else {
            continue;
        };
        let end = text[start + 3..]
            .find("```")
            .map_or(text.len(), |e| start + 3 + e + 3);
        let kept = format!("{}{}", &text[..start], &text[end..]);
        let kept = kept.trim_end();
        *attr = syn::parse_quote!(#[doc = #kept]);
    }
}

impl Pass<'_> {
    fn in_module(&self, name: &str) -> bool {
        self.modules.iter().any(|m| m == name)
    }

    fn described(&self, ty: &str, field: &str) -> Option<&str> {
        self.descriptions
            .get(&format!("{}.{field}", ty.to_ascii_lowercase()))
            .or_else(|| self.descriptions.get(field))
            .map(String::as_str)
    }
}

impl VisitMut for Pass<'_> {
    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        if is_pub(&m.vis) && !has_doc(&m.attrs) {
            let text = match m.ident.to_string().as_str() {
                "error" => "Errors of the conversions into the generated types.".to_string(),
                other => format!("The `{other}` items of the generated client."),
            };
            add_doc(&mut m.attrs, &text);
        }
        self.modules.push(m.ident.to_string());
        syn::visit_mut::visit_item_mod_mut(self, m);
        self.modules.pop();
    }

    fn visit_item_struct_mut(&mut self, s: &mut syn::ItemStruct) {
        if is_pub(&s.vis) && !has_doc(&s.attrs) {
            let name = s.ident.to_string();
            let text = if self.in_module("builder") && self.in_module("types") {
                format!("A builder for [`super::{name}`], checking each field as it is set.")
            } else {
                format!("`{name}`.")
            };
            add_doc(&mut s.attrs, &text);
        }
        for field in s.fields.iter_mut() {
            if !is_pub(&field.vis) || has_doc(&field.attrs) {
                continue;
            }
            let Some(ident) = &field.ident else { continue };
            let name = ident.to_string();
            let text = match self.described(&s.ident.to_string(), &name) {
                Some(d) => d.to_string(),
                None => format!("The `{name}` field."),
            };
            add_doc(&mut field.attrs, &text);
        }
        syn::visit_mut::visit_item_struct_mut(self, s);
    }

    fn visit_item_enum_mut(&mut self, e: &mut syn::ItemEnum) {
        if is_pub(&e.vis) && !has_doc(&e.attrs) {
            let text = format!("`{}`.", e.ident);
            add_doc(&mut e.attrs, &text);
        }
        for v in e.variants.iter_mut() {
            if !has_doc(&v.attrs) {
                let text = format!("The `{}` variant.", v.ident);
                add_doc(&mut v.attrs, &text);
            }
            for field in v.fields.iter_mut() {
                let Some(ident) = &field.ident else { continue };
                if has_doc(&field.attrs) {
                    continue;
                }
                let name = ident.to_string();
                let text = match self.described(&e.ident.to_string(), &name) {
                    Some(d) => d.to_string(),
                    None => format!("The `{name}` field."),
                };
                add_doc(&mut field.attrs, &text);
            }
        }
        syn::visit_mut::visit_item_enum_mut(self, e);
    }

    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        if is_pub(&f.vis) && !has_doc(&f.attrs) {
            let text = format!("The default value of `{}`.", f.sig.ident);
            add_doc(&mut f.attrs, &text);
        }
        syn::visit_mut::visit_item_fn_mut(self, f);
    }

    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        let ty = &imp.self_ty;
        let outer = self.self_ty.replace(
            quote!(#ty)
                .to_string()
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string(),
        );
        syn::visit_mut::visit_item_impl_mut(self, imp);
        self.self_ty = outer;
    }

    fn visit_trait_item_fn_mut(&mut self, f: &mut syn::TraitItemFn) {
        if !has_doc(&f.attrs) {
            let text = format!(
                "Mocks `{}`: the first closure argument matches the request, the second \
                 shapes the answer.",
                f.sig.ident
            );
            add_doc(&mut f.attrs, &text);
        }
        syn::visit_mut::visit_trait_item_fn_mut(self, f);
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        drop_ignored_examples(&mut f.attrs);
        if is_pub(&f.vis) && !has_doc(&f.attrs) {
            let name = f.sig.ident.to_string();
            let ty = self.self_ty.clone().unwrap_or_default();
            let text = match name.as_str() {
                "builder" => format!("A builder for a [`{ty}`], field by field."),
                "new" => "Starts the request; nothing is sent until `send()`.".to_string(),
                "body" => "Sets the request body.".to_string(),
                "body_map" => "Changes the request body through its builder (starting from the \
                     default)."
                    .to_string(),
                field => match self.described(&ty, field) {
                    Some(d) => format!("Sets `{field}`: {d}"),
                    None => format!("Sets `{field}`."),
                },
            };
            add_doc(&mut f.attrs, &text);
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_items_get_docs_and_ignored_examples_go() {
        let mut file: syn::File = syn::parse_quote! {
                    pub mod builder {
                        pub struct Op<'a> { client: &'a Client }
                        impl<'a> Op<'a> {
                            pub fn new(client: &'a Client) -> Self { todo!() }
                            pub fn token_id(self, v: String) -> Self { todo!() }
                            pub fn other(self) -> Self { todo!() }
                        }
                    }
                    pub struct Out { pub token: String }
                    impl Client {
                        /**Does it

        ```ignore
        let x = 1;
        ```*/
                        pub fn op(&self) {}
                    }
                };
        let mut d = Descriptions::new();
        d.insert("token_id".into(), "GUID of the token.".into());
        fill(&mut file, &d);
        let out = prettyplease::unparse(&file);
        assert!(out.contains("Sets `token_id`: GUID of the token."), "{out}");
        assert!(out.contains("Sets `other`."), "{out}");
        assert!(out.contains("nothing is sent until `send()`"), "{out}");
        assert!(out.contains("The `token` field."), "{out}");
        assert!(out.contains("`Op`."), "{out}");
        assert!(!out.contains("ignore"), "{out}");
        assert!(out.contains("Does it"), "{out}");
    }
}
