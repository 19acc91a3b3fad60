//! The `schemars::JsonSchema` derive, behind the crates' `schemars` feature.

use quote::quote;

/// Puts the `schemars::JsonSchema` derive behind the crates' `schemars`
/// feature (on by default), so a build that needs no schemas can drop
/// schemars and its derive macro.
pub struct OptionalSchemars;

impl OptionalSchemars {
    fn fix(attrs: &mut Vec<syn::Attribute>) {
        let mut found = false;
        for attr in attrs.iter_mut() {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let parser = syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
            let Ok(paths) = attr.parse_args_with(parser) else {
                continue;
            };
            let before = paths.len();
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|p| quote!(#p).to_string() != "schemars :: JsonSchema")
                .collect();
            if kept.len() != before {
                found = true;
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        if found {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
        }
    }
}

impl syn::visit_mut::VisitMut for OptionalSchemars {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        Self::fix(&mut item.attrs);
        syn::visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        Self::fix(&mut item.attrs);
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
}

#[cfg(test)]
mod tests {
    use syn::visit_mut::VisitMut;

    #[test]
    fn the_derive_moves_behind_the_feature() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(Clone, schemars::JsonSchema, Debug)]
            pub struct T;
        };
        super::OptionalSchemars.visit_file_mut(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(out.contains("#[derive(Clone, Debug)]"), "{out}");
        assert!(
            out.contains("#[cfg_attr(feature = \"schemars\", derive(schemars::JsonSchema))]"),
            "{out}"
        );
    }
}
