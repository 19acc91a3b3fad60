use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// `cargo test` alone catches generated code that no longer matches the specs.
#[test]
fn generated_code_is_up_to_date() {
    if let Err(report) = codegen::run(&workspace_root(), codegen::Mode::Check) {
        panic!("{report}");
    }
}

#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    let first = codegen::generate_all(&root).expect("specs generate");
    let second = codegen::generate_all(&root).expect("specs generate");
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.path, b.path);
        assert!(
            a.contents == b.contents,
            "{} differs between runs",
            a.path.display()
        );
    }
}

/// A copy of the workspace's specs, README and generated files in a scratch
/// directory, so a test can break a spec without touching the real one.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "authapi-xtask-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        let root = workspace_root();
        for out in codegen::generate_all(&root).expect("specs generate") {
            let rel = out.path.strip_prefix(&root).unwrap();
            let dst = dir.join(rel);
            fs::create_dir_all(dst.parent().unwrap()).unwrap();
            fs::copy(&out.path, &dst).unwrap();
        }
        fs::create_dir_all(dir.join("specs")).unwrap();
        for entry in fs::read_dir(root.join("specs")).unwrap() {
            let path = entry.unwrap().path();
            // The specs only: `specs/upstream/` and `specs/docs/` hold
            // upstream-check's and docs-check's snapshots, which codegen
            // does not read.
            if !path.is_file() {
                continue;
            }
            fs::copy(&path, dir.join("specs").join(path.file_name().unwrap())).unwrap();
        }
        Scratch(dir)
    }

    fn edit(&self, spec: &str, from: &str, to: &str) {
        let path = self.0.join("specs").join(spec);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{spec} has no `{from}`");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.insert(path.clone(), fs::read(&path).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.0, &mut out);
        out
    }

    /// Runs codegen in write mode; returns its error report and checks that
    /// not one file changed.
    fn fail(&self) -> String {
        let before = self.snapshot();
        let report = match codegen::run(&self.0, codegen::Mode::Write) {
            Ok(written) => panic!("codegen accepted a broken spec and wrote {written:?}"),
            Err(report) => report,
        };
        assert!(before == self.snapshot(), "a failed codegen changed files");
        assert!(report.contains("no file was changed"), "{report}");
        report
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn scratch_copy_is_clean() {
    let scratch = Scratch::new();
    assert_eq!(codegen::run(&scratch.0, codegen::Mode::Check), Ok(vec![]));
}

#[test]
fn yaml_syntax_error_names_the_file_and_line() {
    let scratch = Scratch::new();
    scratch.edit("svix.yaml", "paths:\n", "paths:\n  - [unclosed\n");
    let report = scratch.fail();
    assert!(report.contains("specs/svix.yaml: invalid YAML"), "{report}");
    assert!(report.contains("line "), "{report}");
}

#[test]
fn openapi_3_1_is_refused() {
    let scratch = Scratch::new();
    scratch.edit("svix.yaml", "openapi: 3.0.3", "openapi: 3.1.0");
    let report = scratch.fail();
    assert!(report.contains("specs/svix.yaml"), "{report}");
    assert!(report.contains("`3.1.0` is not supported"), "{report}");
}

#[test]
fn missing_operation_id_names_the_operation() {
    let scratch = Scratch::new();
    scratch.edit("svix.yaml", "      operationId: logout\n", "");
    let report = scratch.fail();
    assert!(
        report.contains("specs/svix.yaml: operation POST /api/v1/auth/logout: missing operationId"),
        "{report}"
    );
}

#[test]
fn duplicate_operation_id_names_the_operation() {
    let scratch = Scratch::new();
    scratch.edit(
        "svix.yaml",
        "operationId: logout",
        "operationId: expire_all",
    );
    let report = scratch.fail();
    assert!(report.contains("`expire_all`"), "{report}");
    assert!(report.contains("duplicate operationId"), "{report}");
}

#[test]
fn dangling_ref_names_the_operation_and_the_ref() {
    let scratch = Scratch::new();
    scratch.edit(
        "svix.yaml",
        "$ref: \"#/components/schemas/AppPortalAccessOut\"",
        "$ref: \"#/components/schemas/NoSuchSchema\"",
    );
    let report = scratch.fail();
    assert!(
        report.contains("specs/svix.yaml: operation `app_portal_access`"),
        "{report}"
    );
    assert!(
        report.contains("dangling $ref `#/components/schemas/NoSuchSchema`"),
        "{report}"
    );
}

#[test]
fn generator_panic_is_caught_and_names_the_operation() {
    // Two distinct success types (a 200 string beside the 204) make
    // progenitor 0.15 panic; the first 204 in the spec is expire_all's.
    let scratch = Scratch::new();
    scratch.edit(
        "svix.yaml",
        "        \"204\":\n          description: Successful Response\n",
        "        \"204\":\n          description: Successful Response\n        \"200\":\n          description: x\n          content:\n            application/json:\n              schema: { type: string }\n",
    );
    let report = scratch.fail();
    assert!(
        report.contains(
            "specs/svix.yaml: operation `expire_all` (POST /api/v1/auth/app/{app_id}/expire-all)"
        ),
        "{report}"
    );
    assert!(report.contains("panicked"), "{report}");
}

#[test]
fn undeclared_security_scheme_is_refused() {
    let scratch = Scratch::new();
    scratch.edit("svix.yaml", "  - HTTPBearer: []", "  - NoSuchScheme: []");
    let report = scratch.fail();
    assert!(report.contains("specs/svix.yaml"), "{report}");
    assert!(report.contains("`NoSuchScheme`"), "{report}");
}

#[test]
fn check_mode_names_stale_files_and_the_command() {
    let scratch = Scratch::new();
    scratch.edit("svix.yaml", "summary: Logout", "summary: Log out");
    let before = scratch.snapshot();
    let report = codegen::run(&scratch.0, codegen::Mode::Check).unwrap_err();
    assert!(before == scratch.snapshot(), "--check wrote files");
    assert!(
        report.contains("stale: crates/svix/src/generated.rs"),
        "{report}"
    );
    assert!(report.contains("+    /**Log out"), "{report}");
    assert!(report.contains("run `cargo xtask codegen`"), "{report}");
}
