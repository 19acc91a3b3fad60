//! Types renamed from the docs' names stay findable under them.

use serde_json::Value;

/// A schema renamed from the docs' name (`x-docs-name`) stays findable
/// under it: `#[doc(alias = "InlineResponse2008")]` on the type.
pub fn docs_aliases(doc: &Value, file: &mut syn::File) {
    let empty = serde_json::Map::new();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, schema) in schemas {
        let Some(alias) = schema.get("x-docs-name").and_then(Value::as_str) else {
            continue;
        };
        for item in &mut file.items {
            let syn::Item::Mod(m) = item else { continue };
            if m.ident != "types" {
                continue;
            }
            for item in m.content.iter_mut().flat_map(|(_, items)| items.iter_mut()) {
                if let syn::Item::Struct(st) = item {
                    if st.ident == name {
                        st.attrs.push(syn::parse_quote!(#[doc(alias = #alias)]));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_docs_name_becomes_an_alias() {
        let doc = serde_json::json!({"components": {"schemas": {
            "LoginResponse": {"type": "object", "x-docs-name": "InlineResponse2008"}
        }}});
        let mut file: syn::File = syn::parse_quote! {
            pub mod types { pub struct LoginResponse; pub struct Other; }
        };
        super::docs_aliases(&doc, &mut file);
        let out = prettyplease::unparse(&file);
        assert_eq!(
            out.matches("#[doc(alias = \"InlineResponse2008\")]")
                .count(),
            1,
            "{out}"
        );
    }
}
