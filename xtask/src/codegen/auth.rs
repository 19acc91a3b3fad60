//! The glue progenitor leaves out, from the spec's `servers` and
//! `securitySchemes` (which progenitor ignores): the default base URL, the
//! auth table the runtime applies, `Client::from_config`, and a `Debug`
//! that redacts the base URL's userinfo.

use std::collections::BTreeSet;

use quote::quote;
use serde_json::Value;

use super::spec::Op;

/// The items to append to the generated client of `service`.
pub fn glue(service: &str, doc: &Value, ops: &[Op]) -> Result<syn::File, String> {
    let base_url = match doc.pointer("/servers/0/url").and_then(Value::as_str) {
        Some(url) => quote!(Some(#url)),
        None => quote!(None),
    };

    let mut schemes = Vec::new();
    // The schemes the runtime can send; an operation may use no other.
    let mut known: BTreeSet<&str> = BTreeSet::new();
    let empty = serde_json::Map::new();
    let declared = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (name, s) in declared {
        let kind = s.get("type").and_then(Value::as_str).unwrap_or("");
        let (header, prefix) = match kind {
            "http" if s.get("scheme").and_then(Value::as_str) == Some("bearer") => {
                ("authorization".to_string(), "Bearer ".to_string())
            }
            "apiKey" if s.get("in").and_then(Value::as_str) == Some("header") => (
                s.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                s.get("x-prefix")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ),
            // Declared but unsupported schemes are fine as long as no
            // operation uses them (checked below).
            _ => continue,
        };
        known.insert(name.as_str());
        // What the caller calls to give the client this credential, for the
        // error of a call made without it.
        let set_with = s
            .get("x-set-with")
            .and_then(Value::as_str)
            .unwrap_or("`set_token`");
        schemes.push(quote!(authapi_core::Scheme {
            name: #name,
            header: reqwest::header::HeaderName::from_static(#header),
            prefix: #prefix,
            set_with: #set_with,
        }));
    }
    let mut operations = Vec::new();
    for op in ops {
        for s in &op.security {
            if !known.contains(s.as_str()) {
                return Err(format!(
                    "operation {}: security scheme `{s}` is not declared in components.securitySchemes \
                     as http bearer or an apiKey header",
                    op.label()
                ));
            }
        }
        let id = &op.id;
        let sec = &op.security;
        let text_plain = op.text_plain;
        let redact_url = op.redact_url;
        let method = op.method.to_uppercase();
        let path = &op.path;
        let idempotency_key = match &op.idempotency_key {
            // Lower case (spec.rs): `from_static` is checked at compile time.
            Some(k) => quote!(Some(reqwest::header::HeaderName::from_static(#k))),
            None => quote!(None),
        };
        operations.push(quote!(authapi_core::Operation {
            id: #id,
            method: #method,
            path: #path,
            idempotency_key: #idempotency_key,
            schemes: &[#(#sec),*],
            text_plain: #text_plain,
            redact_url: #redact_url,
        }));
    }

    let n_schemes = schemes.len();
    let n_operations = operations.len();
    let glue: syn::File = syn::parse_quote! {
        /// The service's documented base URL; `None` when it has no fixed host.
        pub const DEFAULT_BASE_URL: Option<&str> = #base_url;

        /// The spec's security facts, which progenitor itself ignores: how
        /// each scheme travels and which schemes each operation sends.
        static SCHEMES: [authapi_core::Scheme; #n_schemes] = [#(#schemes),*];

        // A named static: an operation's header name cannot live in a
        // promoted `&[...]` constant.
        static OPERATIONS: [authapi_core::Operation; #n_operations] = [#(#operations),*];

        pub(crate) static AUTH: authapi_core::AuthTable = authapi_core::AuthTable {
            service: #service,
            schemes: &SCHEMES,
            operations: &OPERATIONS,
        };

        // Every `send()` calls `authapi_core::Runtime::send` directly; the
        // hooks progenitor would call are not used, so they are no API.
        #[doc(hidden)]
        impl ClientHooks<authapi_core::Runtime> for Client {}

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                // A base URL may carry `user:password@`.
                f.debug_struct("Client")
                    .field("baseurl", &authapi_core::redact_userinfo(&self.baseurl))
                    .field("inner", &self.inner)
                    .finish()
            }
        }

        impl Client {
            /// Builds a client from a [`Config`](authapi_core::Config): base
            /// URL (default [`DEFAULT_BASE_URL`]), timeouts, HTTP client. No
            /// credential is set yet.
            pub fn from_config(config: authapi_core::Config) -> Result<Self, authapi_core::ConfigError> {
                let (baseurl, http, runtime) = config.build(DEFAULT_BASE_URL)?;
                Ok(Self::new_with_client(&baseurl, http, runtime))
            }

            /// The base URL requests go to now: the one set in `Config`,
            /// else the service's default (for Svix, the region the token
            /// names).
            pub fn base_url(&self) -> String {
                self.inner.base_url().unwrap_or_else(|| self.baseurl.clone())
            }
        }
    };
    Ok(glue)
}
