use super::*;

/// `cargo test` alone catches generated code that no longer matches the specs.
#[test]
fn generated_code_is_up_to_date() {
    if let Err(report) = codegen::run(&workspace_root(), codegen::Mode::Check) {
        panic!("{report}");
    }
}
