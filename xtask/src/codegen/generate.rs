//! progenitor as a library: settings, generation with panics caught, and
//! finding the operation that makes generation fail.

use std::panic::{self, AssertUnwindSafe};

use proc_macro2::TokenStream;
use progenitor::{CrateVers, GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use super::spec::{Op, METHODS};
use super::{spec_error, SpecError};

/// Runs `f`, turning a panic into its message; the default hook is silenced
/// so that no backtrace reaches the user.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("the generator panicked: {msg}")
    })
}

pub(crate) fn settings() -> GenerationSettings {
    let mut s = GenerationSettings::new();
    s.with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(authapi_core::Runtime))
        .with_hooks(HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        // Schemas marked `x-rust-type` (the `Secret` type) use authapi-core's.
        .with_crate("authapi-core", CrateVers::Any, None);
    s
}

pub(crate) fn generate_tokens(
    spec: &openapiv3::OpenAPI,
) -> Result<(TokenStream, TokenStream), String> {
    let client = Generator::new(&settings())
        .generate_tokens(spec)
        .map_err(|e| e.to_string())?;
    let mock = Generator::new(&settings())
        .httpmock(spec, "crate")
        .map_err(|e| e.to_string())?;
    Ok((client, mock))
}

/// Finds the operation that makes generation fail by generating each
/// operation alone; falls back to the whole-spec message.
pub(crate) fn localize(
    rel: &str,
    spec: &openapiv3::OpenAPI,
    ops: &[Op],
    message: String,
) -> SpecError {
    for op in ops {
        let mut single = spec.clone();
        single.paths.paths.retain(|p, _| *p == op.path);
        if let Some(openapiv3::ReferenceOr::Item(item)) = single.paths.paths.get_mut(&op.path) {
            for m in METHODS {
                if m != op.method {
                    clear_method(item, m);
                }
            }
        }
        match catch(|| generate_tokens(&single)) {
            Ok(Ok(_)) => {}
            Ok(Err(m)) | Err(m) => return spec_error(rel, Some(op.label()), m),
        }
    }
    spec_error(rel, None, message)
}

pub(crate) fn clear_method(item: &mut openapiv3::PathItem, method: &str) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        _ => &mut item.trace,
    };
    *slot = None;
}
