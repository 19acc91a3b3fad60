//! The generator acts on the checkout it is run in. Cargo reuses a compiled
//! xtask when another clone with the same sources shares the target
//! directory (a global `CARGO_TARGET_DIR`); a root baked in at compile time
//! then made `codegen --check` in clone B check clone A, and `codegen` in B
//! write into A. This runs the already-built xtask binary in a copy of the
//! repository, as cargo would run it there, and edits only the copy.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Copies the files git tracks (as they are on disk) into `to`.
fn copy_checkout(to: &Path) {
    let files = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(repo())
        .output()
        .expect("git runs");
    assert!(files.status.success());
    for rel in files.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = std::str::from_utf8(rel).unwrap();
        let from = repo().join(rel);
        if !from.is_file() {
            continue;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&from, &dest).unwrap();
    }
}

fn xtask(clone: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(clone)
        // What `cargo run -p xtask` sets when run in the clone.
        .env("CARGO_MANIFEST_DIR", clone.join("xtask"))
        .output()
        .expect("the xtask binary runs")
}

#[test]
fn codegen_acts_on_the_checkout_it_runs_in() {
    let clone = Path::new(env!("CARGO_TARGET_TMPDIR")).join("other-checkout");
    let _ = std::fs::remove_dir_all(&clone);
    copy_checkout(&clone);

    let spec = clone.join("specs/svix.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let edited = text.replacen("summary: Expire All", "summary: Expire Every Token", 1);
    assert_ne!(
        text, edited,
        "the spec changed shape; pick another line to edit"
    );
    std::fs::write(&spec, edited).unwrap();

    // --check sees the clone's edit, not this checkout's clean state.
    let out = xtask(&clone, &["codegen", "--check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the check passed: it looked elsewhere"
    );
    assert!(
        stderr.contains("stale: crates/svix/src/generated.rs"),
        "{stderr}"
    );

    // Writing changes the clone, and nothing here.
    let ours = std::fs::read_to_string(repo().join("crates/svix/src/generated.rs")).unwrap();
    let out = xtask(&clone, &["codegen"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = std::fs::read_to_string(clone.join("crates/svix/src/generated.rs")).unwrap();
    assert!(theirs.contains("Expire Every Token"));
    let after = std::fs::read_to_string(repo().join("crates/svix/src/generated.rs")).unwrap();
    assert_eq!(ours, after, "codegen in the clone wrote into this checkout");
    assert!(!after.contains("Expire Every Token"));
    let _ = std::fs::remove_dir_all(&clone);
}
