//! `#[deprecated]` on the methods of operations the spec marks deprecated.

use super::super::spec::Op;

/// Marks the client method of every deprecated operation.
pub fn mark(file: &mut syn::File, ops: &[Op]) {
    for op in ops.iter().filter(|o| o.deprecated) {
        let note = op
            .deprecated_note
            .as_deref()
            .unwrap_or("deprecated by the service; see the operation's docs for its replacement");
        mark_method(file, &op.id, note);
    }
}

fn mark_method(file: &mut syn::File, ident: &str, note: &str) {
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        for it in &mut imp.items {
            if let syn::ImplItem::Fn(f) = it {
                if f.sig.ident == ident {
                    f.attrs.push(syn::parse_quote!(
                        #[deprecated(note = #note)]
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_named_method_is_marked() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                pub fn old(&self) {}
                pub fn new_one(&self) {}
            }
        };
        super::mark_method(&mut file, "old", "use `new_one`");
        let out = prettyplease::unparse(&file);
        assert_eq!(out.matches("#[deprecated").count(), 1, "{out}");
        assert!(out.find("#[deprecated").unwrap() < out.find("fn old").unwrap());
        assert!(out.contains("use `new_one`"), "{out}");
    }
}
