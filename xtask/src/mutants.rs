//! `cargo xtask mutants [--in-diff <base>] [--list]`: mutation testing with
//! cargo-mutants (crates.io), as a habit rather than a CI step: each mutant
//! rebuilds the workspace crates and the wire tests, too slow for `.ci/run`
//! on two cores.
//!
//! Two modes:
//! - the sweep (no argument): the functions that guard secrets and retries
//!   ([`SWEEP_FILES`], [`SWEEP_FUNCTIONS`]);
//! - `--in-diff <base>`: the mutants on the lines changed since `<base>`
//!   (a commit), for a change before it lands.
//!
//! Every missed mutant is killed by a test or listed, with a reason, in
//! `xtask/mutants-exclusions.txt`, which this passes to cargo-mutants as
//! `--exclude-re`.

use std::path::Path;
use std::process::Command;

/// The files the sweep mutates.
pub const SWEEP_FILES: &[&str] = &[
    "crates/core/src/runtime.rs",
    "crates/core/src/credentials.rs",
    "crates/core/src/retry.rs",
    "crates/core/src/body.rs",
    "crates/core/src/secret.rs",
    "crates/core/src/error.rs",
    "crates/core/src/config.rs",
    "crates/core/src/base_url.rs",
    "crates/core/src/session.rs",
    "crates/core/src/store/file.rs",
    "crates/core/src/store/memory.rs",
    "crates/core/src/store/record.rs",
    "crates/core/src/store/seal.rs",
];

/// The functions the sweep mutates, as cargo-mutants names them (a mutant's
/// name holds its function's path).
pub const SWEEP_FUNCTIONS: &[&str] = &[
    // Which credential goes on which request, and its header value.
    r"\bauthorize\b",
    r"\bcredential_value\b",
    r"\bheader_value\b",
    // What may be sent again, and when.
    r"\bsafe_to_repeat\b",
    r"\bretryable_status\b",
    r"\bretry_after\b",
    r"\bbackoff\b",
    // The redirect refusal and the body cap.
    r"\bRuntime::finish\b",
    r"\bprepare\b",
    r"\bread\b",
    // Every redacting Debug and Display.
    r"<impl (fmt::)?(Debug|Display) for ",
    r"\bredact_userinfo\b",
    r"\bredacted_serde_message\b",
    // The session: when a token is due, whose turn a refresh is, what is
    // kept and written, and the back-off.
    r"\bAutoRefresh::due\b",
    r"\bSessionState::turn\b",
    r"\bSessionState::keep\b",
    r"\bSessionState::flush\b",
    r"\bSessionState::adopt_newer\b",
    r"\bSessionState::backing_off\b",
    r"\bmerge\b",
    // The stores: the fence, the lease, the file checks, sealing.
    r"\bswap\b",
    r"\bswap_now\b",
    r"\btry_lease\b",
    r"\btry_lease_now\b",
    r"\brenew\b",
    r"\bcheck_dir\b",
    r"\bcheck_file\b",
    r"\bopen_to_others\b",
    r"\bRecord::decode\b",
    r"\bSealingKey::open\b",
];

/// Where the checked-in exclusions live, relative to the workspace root.
pub const EXCLUSIONS: &str = "xtask/mutants-exclusions.txt";

/// One exclusion: a regex over mutant names and why it is excluded.
#[derive(Debug, PartialEq)]
pub struct Exclusion {
    pub pattern: String,
    pub reason: String,
}

/// Parses the exclusions file: one `<regex>  # <reason>` per line; blank
/// lines and lines starting with `#` are comments. A line without a reason
/// is an error: every exclusion says why.
pub fn exclusions(text: &str) -> Result<Vec<Exclusion>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((pattern, reason)) = line.split_once("  # ") else {
            return Err(format!(
                "{EXCLUSIONS}:{}: `{line}` has no reason (write `<regex>  # <reason>`)",
                n + 1
            ));
        };
        let (pattern, reason) = (pattern.trim(), reason.trim());
        if pattern.is_empty() || reason.is_empty() {
            return Err(format!(
                "{EXCLUSIONS}:{}: needs both a regex and a reason",
                n + 1
            ));
        }
        out.push(Exclusion {
            pattern: pattern.to_string(),
            reason: reason.to_string(),
        });
    }
    Ok(out)
}

/// What to run.
#[derive(Debug, PartialEq)]
pub enum Mode {
    Sweep,
    InDiff(String),
}

/// The cargo-mutants arguments of `mode`, with `exclusions`, the diff file
/// for `--in-diff`, and `list` to list the mutants without testing them.
pub fn arguments(
    mode: &Mode,
    exclusions: &[Exclusion],
    diff_file: Option<&Path>,
    list: bool,
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "mutants".into(),
        "--no-shuffle".into(),
        // Mutants live in the runtime: its unit tests are in authapi-core,
        // the wire tests that pin its promises in authapi-tests. The unit
        // tests first: they take seconds and catch most mutants before any
        // wire test runs. Unit and integration tests only (`--lib --tests`):
        // doc tests and examples would add a link per mutant and pin nothing
        // the others do not.
        "--test-package".into(),
        "authapi-core,authapi-tests".into(),
        "--cargo-test-arg=--lib".into(),
        "--cargo-test-arg=--tests".into(),
        // The wire tests spend most of their time waiting on loopback
        // timers, so two mutants at once nearly halve the sweep on two
        // cores.
        "--jobs=2".into(),
        // The baseline cargo-mutants times is the mutated package's own
        // tests, seconds long; the wire tests take under a minute, twice
        // that with two jobs on two cores.
        "--minimum-test-timeout=240".into(),
        "--output".into(),
        "target/mutants".into(),
        // Generated code is checked against its spec by `codegen --check`;
        // mutating it tests progenitor, not authapi.
        "--exclude=crates/*/src/generated.rs".into(),
        "--exclude=crates/*/src/mock.rs".into(),
    ];
    match mode {
        Mode::Sweep => {
            args.extend(["--package".into(), "authapi-core".into()]);
            for f in SWEEP_FILES {
                args.extend(["--file".into(), (*f).into()]);
            }
            for re in SWEEP_FUNCTIONS {
                args.extend(["--re".into(), (*re).into()]);
            }
        }
        Mode::InDiff(_) => {
            args.push("--in-diff".into());
            args.push(
                diff_file
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
        }
    }
    for e in exclusions {
        args.extend(["--exclude-re".into(), e.pattern.clone()]);
    }
    if list {
        args.push("--list".into());
    }
    args
}

/// `cargo xtask mutants ...`.
pub fn run(root: &Path, rest: &[&str]) -> Result<(), String> {
    let (mode, list) = match rest {
        [] => (Mode::Sweep, false),
        ["--list"] => (Mode::Sweep, true),
        ["--in-diff", base] => (Mode::InDiff((*base).into()), false),
        ["--in-diff", base, "--list"] => (Mode::InDiff((*base).into()), true),
        _ => return Err("usage: cargo xtask mutants [--in-diff <base>] [--list]".into()),
    };
    let text =
        std::fs::read_to_string(root.join(EXCLUSIONS)).map_err(|e| format!("{EXCLUSIONS}: {e}"))?;
    let exclusions = exclusions(&text)?;
    let have = Command::new("cargo")
        .args(["mutants", "--version"])
        .current_dir(root)
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        return Err(
            "cargo-mutants is not installed: `cargo install cargo-mutants --locked`".into(),
        );
    }
    let diff_file = match &mode {
        Mode::Sweep => None,
        Mode::InDiff(base) => {
            let out = Command::new("git")
                .args(["diff", base.as_str(), "--", "crates"])
                .current_dir(root)
                .output()
                .map_err(|e| format!("git diff: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "git diff {base}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let dir = root.join("target").join("mutants");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let file = dir.join("in-diff.patch");
            std::fs::write(&file, &out.stdout).map_err(|e| format!("{}: {e}", file.display()))?;
            Some(file)
        }
    };
    let args = arguments(&mode, &exclusions, diff_file.as_deref(), list);
    eprintln!("cargo {}", args.join(" "));
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo mutants: {e}"))?;
    // cargo-mutants exits 2 when a mutant was missed, 3 on a timeout.
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo mutants ended with {status}: see target/mutants/mutants.out/missed.txt; kill each \
             missed mutant with a test, or list it in {EXCLUSIONS} with its reason"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exclusion_needs_a_reason() {
        let ok = exclusions("# comment\n\nfoo::bar  # logging text only\n").unwrap();
        assert_eq!(
            ok,
            vec![Exclusion {
                pattern: "foo::bar".into(),
                reason: "logging text only".into()
            }]
        );
        let e = exclusions("foo::bar\n").unwrap_err();
        assert!(e.contains(":1:") && e.contains("no reason"), "{e}");
        assert!(exclusions("foo  # \n").is_err());
    }

    #[test]
    fn the_checked_in_exclusions_parse() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join(EXCLUSIONS)).unwrap();
        exclusions(&text).unwrap();
    }

    #[test]
    fn the_sweep_is_scoped_and_passes_the_exclusions() {
        let ex = [Exclusion {
            pattern: "x".into(),
            reason: "y".into(),
        }];
        let args = arguments(&Mode::Sweep, &ex, None, false).join(" ");
        for want in [
            "--package authapi-core",
            "--file crates/core/src/retry.rs",
            r"--re \bsafe_to_repeat\b",
            "--test-package authapi-core,authapi-tests",
            "--exclude-re x",
            "--test-package authapi-core,authapi-tests",
            "--cargo-test-arg=--tests",
        ] {
            assert!(args.contains(want), "{want}: {args}");
        }
        assert!(!args.contains("--list"));
        let diff = arguments(
            &Mode::InDiff("main".into()),
            &[],
            Some(Path::new("d.patch")),
            true,
        )
        .join(" ");
        assert!(
            diff.contains("--in-diff d.patch") && diff.ends_with("--list"),
            "{diff}"
        );
        assert!(!diff.contains("--file"), "{diff}");
    }
}
