//! The `authapi` command line's per-operation commands: progenitor's CLI
//! generator (`Generator::cli`) over each spec, plus the passes below, into
//! `crates/cli/src/generated/<service>.rs`; and
//! `crates/cli/src/generated/mod.rs`, which lists the services, so adding a
//! spec adds its commands with no hand edit beyond its auth glue.

use proc_macro2::TokenStream;
use progenitor::Generator;
use quote::quote;
use syn::visit_mut::VisitMut;

use super::generate::settings;

/// The commands of one spec, as the text of its file.
pub(crate) fn commands(
    rel: &str,
    service: &str,
    spec: &openapiv3::OpenAPI,
) -> Result<String, String> {
    let tokens = super::generate::catch(|| {
        Generator::new(&settings()).cli(spec, &format!("authapi::{service}"))
    })?
    .map_err(|e| e.to_string())?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated CLI code does not parse: {e}"))?;
    BodyFlag.visit_file_mut(&mut file);
    let allow: syn::File = syn::parse_quote! {
        // progenitor's CLI output leaves unused variables and calls the
        // deprecated operations, which are commands too.
        #![allow(unused, deprecated, clippy::all)]
    };
    file.attrs.extend(allow.attrs);
    Ok(format!(
        "{}{}",
        super::passes::header(rel),
        prettyplease::unparse(&file)
    ))
}

/// `crates/cli/src/generated/mod.rs`: one module per service, the list
/// `main.rs` builds its subcommands from, each service's operation
/// commands, and their dispatch to the service's client, built by its
/// hand-written glue (`crate::glue::<service>::Glue`).
pub(crate) fn registry(services: &[String]) -> String {
    let idents: Vec<syn::Ident> = services
        .iter()
        .map(|s| syn::Ident::new(s, proc_macro2::Span::call_site()))
        .collect();
    let names = services.iter();
    let names2 = services.iter();
    let names3 = services.iter();
    let names4 = services.iter();
    let names5 = services.iter();
    let ids = &idents;
    let tokens = quote! {
        #(pub mod #ids;)*

        /// Every service, as its subcommand is named.
        pub const SERVICES: &[&str] = &[#(#names),*];

        #(crate::output::cli_config!(#ids);)*

        /// The operation commands of `service`, named by operation id in
        /// kebab case, less those a hand-written command of the same name
        /// replaces (`crate::auth::RESERVED`).
        pub fn operations(service: &str) -> Vec<::clap::Command> {
            match service {
                #(
                    #names2 => #ids::CliCommand::iter()
                        .map(|c| {
                            #ids::Cli::<crate::output::Out>::get_command(c)
                                .name(crate::output::command_name(c.operation_id()))
                        })
                        .filter(|c| !crate::auth::RESERVED.contains(&c.get_name()))
                        .collect(),
                )*
                _ => Vec::new(),
            }
        }

        /// The hand-written commands of `service` (`login`, `logout`,
        /// `token`, `status`), with the arguments its glue takes.
        pub fn auth_commands(service: &str) -> Vec<::clap::Command> {
            match service {
                #(#names4 => crate::auth::commands::<crate::glue::#ids::Glue>(),)*
                _ => Vec::new(),
            }
        }

        /// Runs the hand-written command `name` of `service`.
        pub async fn run_auth(
            service: &str,
            name: &str,
            matches: &::clap::ArgMatches,
            ctx: &crate::auth::Context,
        ) -> anyhow::Result<()> {
            match service {
                #(#names5 => crate::auth::run::<crate::glue::#ids::Glue>(name, matches, ctx).await,)*
                _ => Err(crate::output::UsageError(format!("unknown service `{service}`")).into()),
            }
        }

        /// Runs the operation command `name` of `service`.
        pub async fn execute(
            service: &str,
            name: &str,
            matches: &::clap::ArgMatches,
            ctx: &crate::auth::Context,
        ) -> anyhow::Result<()> {
            match service {
                #(
                    #names3 => {
                        let client = crate::auth::client::<crate::glue::#ids::Glue>(ctx).await?;
                        let cli = #ids::Cli::new(client, ctx.out.clone());
                        match #ids::CliCommand::iter()
                            .find(|c| crate::output::command_name(c.operation_id()) == name)
                        {
                            Some(command) => cli.execute(command, matches).await,
                            None => Err(crate::output::UsageError(format!(
                                "`{name}` is not an operation of {service}"
                            ))
                            .into()),
                        }
                    }
                )*
                _ => Err(crate::output::UsageError(format!("unknown service `{service}`")).into()),
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).expect("the registry parses");
    format!(
        "// @generated by `cargo xtask codegen` from specs/*.yaml. Do not edit: add a spec (and its glue in crates/cli/src/glue/) and rerun the command.\n\n{}",
        prettyplease::unparse(&file)
    )
}

/// `--json-body <file>` becomes `--body <file|->`, read (a file, or stdin
/// for `-`) and parsed by `crate::output`, whose errors are usage errors
/// (exit 2, nothing sent); the `--json-body-template` flag progenitor
/// declares but never reads ("XXX") is dropped.
struct BodyFlag;

fn mentions(tokens: &impl quote::ToTokens, text: &str) -> bool {
    tokens.to_token_stream().to_string().contains(text)
}

impl VisitMut for BodyFlag {
    fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
        match lit.value().as_str() {
            "json-body" => *lit = syn::LitStr::new("body", lit.span()),
            "Path to a file that contains the full json body." => {
                *lit = syn::LitStr::new(
                    "The request body as JSON: a file, or `-` for stdin (replaces any body flags)",
                    lit.span(),
                )
            }
            _ => {}
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        match expr {
            syn::Expr::MethodCall(call)
                if call.method == "arg"
                    && call
                        .args
                        .first()
                        .is_some_and(|a| mentions(a, "\"json-body-template\"")) =>
            {
                *expr = (*call.receiver).clone();
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(func) = &mut *call.func else {
                    return;
                };
                let path = quote!(#func).to_string().replace(' ', "");
                if path == "std::fs::read_to_string" {
                    *func = syn::parse_quote!(crate::output::read_body);
                } else if let Some(turbofish) = path.strip_prefix("serde_json::from_str") {
                    let turbofish: TokenStream = turbofish.parse().unwrap_or_default();
                    *func = syn::parse_quote!(crate::output::parse_body #turbofish);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body flag is renamed, read and parsed through `crate::output`,
    /// and the unread template flag is gone; other args stay.
    #[test]
    fn the_body_flag_is_renamed_and_checked() {
        let mut file: syn::File = syn::parse_quote! {
            fn cli() -> ::clap::Command {
                ::clap::Command::new("")
                    .arg(::clap::Arg::new("username").long("username"))
                    .arg(::clap::Arg::new("json-body").long("json-body"))
                    .arg(::clap::Arg::new("json-body-template").long("json-body-template").help("XXX"))
            }
            fn run(value: &std::path::Path) {
                let body_txt = std::fs::read_to_string(value).with_context(|| "x")?;
                let body_value = serde_json::from_str::<types::AuthLogin>(&body_txt).with_context(|| "y")?;
            }
        };
        BodyFlag.visit_file_mut(&mut file);
        let text = quote!(#file).to_string();
        assert!(
            text.contains("\"body\"") && !text.contains("json-body"),
            "{text}"
        );
        assert!(text.contains("\"username\""), "{text}");
        assert!(
            text.contains("crate :: output :: read_body (value)"),
            "{text}"
        );
        assert!(
            text.contains("crate :: output :: parse_body :: < types :: AuthLogin > (& body_txt)"),
            "{text}"
        );
        assert!(
            !text.contains("std :: fs :: read_to_string") && !text.contains("XXX"),
            "{text}"
        );
    }
}
