//! No public doc names an API that does not exist. Each entry is a name or
//! phrase the docs once used for something that is gone (or never was);
//! every README, manual page and hand-written crate doc is searched.

use std::path::{Path, PathBuf};

/// (what the docs must not say, what exists instead)
const REMOVED: &[(&str, &str)] = &[
    (
        "your own `reqwest::Client`",
        "`Config::http(|b| ..)` customises the builder; a ready-made client is refused",
    ),
    ("new_with_client(", "`Client::from_config`"),
    ("nuextract::types::Error", "`nuextract::types::ErrorBody`"),
    ("types::Error {", "`types::ErrorBody`"),
    ("# async fn demo", "whole programs with `#[tokio::main]`"),
    (
        "rv.message)",
        "`rv.message` is an `Option`; `rv.message()` is the text",
    ),
    ("/expire-all/", "Svix paths have no trailing `/`"),
    (
        "\"featureFlags\": []",
        "an empty `featureFlags` is not sent",
    ),
    ("with_attempts", "internal"),
    ("Config::build", "internal"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every public doc: the READMEs, the manual, and the hand-written crate
/// sources whose doc comments reach docs.rs.
fn docs() -> Vec<PathBuf> {
    let root = root();
    let mut out = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        for rel in [
            "README.md",
            "src/lib.rs",
            "src/auth.rs",
            "src/error_body.rs",
        ] {
            let p = dir.join(rel);
            if p.is_file() {
                out.push(p);
            }
        }
        if let Ok(pages) = std::fs::read_dir(dir.join("doc")) {
            out.extend(pages.map(|e| e.unwrap().path()));
        }
    }
    out
}

fn offenders(text: &str) -> Vec<&'static str> {
    REMOVED
        .iter()
        .filter(|(name, _)| text.contains(name))
        .map(|(name, _)| *name)
        .collect()
}

#[test]
fn no_doc_mentions_an_api_that_does_not_exist() {
    let files = docs();
    // The search covers the READMEs of all six crates, the manual and the
    // workspace README.
    assert!(files.len() >= 20, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for name in offenders(&text) {
            let instead = REMOVED.iter().find(|(n, _)| *n == name).unwrap().1;
            found.push(format!("{}: `{name}` (instead: {instead})", file.display()));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Positive control: the search finds each name where it is.
#[test]
fn the_search_finds_every_removed_name() {
    for (name, _) in REMOVED {
        let text = format!("some docs that say {name} here");
        assert_eq!(offenders(&text), vec![*name]);
    }
    assert!(offenders("nothing stale").is_empty());
}
