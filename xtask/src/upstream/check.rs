//! Every spec against its upstream snapshot. Spec operations are mapped to
//! upstream ones by `x-upstream-name`; one without it is seed-only (kept
//! from the docs page, gone upstream). Every difference in operations,
//! methods, paths, parameters, required body fields, statuses and
//! security must be declared in the spec's top-level `x-upstream` with a
//! reason, as `x-departures` works for `docs-check`; an undeclared
//! difference, or a declared one that no longer exists, fails with the
//! spec, operation and field.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::facts::{from_spec, OpFacts, Param, OPTIONAL};
use super::snapshot::Snapshot;
use crate::docs::check::norm;

/// One way two descriptions of an operation differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The spec's operationId; the upstream name for an upstream-only
    /// operation.
    pub operation: String,
    /// `operation`, `method`, `path`, `parameter <name>`,
    /// `required field <name>`, `status`, `auth`.
    pub field: String,
    /// What upstream (the snapshot, or the document) says.
    pub upstream: String,
    /// What the spec (or the snapshot) says.
    pub ours: String,
}

fn describe(p: &Param) -> String {
    format!(
        "{}, {}",
        p.location,
        if p.required { "required" } else { "optional" }
    )
}

fn joined(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// Security in words: `none`, `token`, `token (optional)`.
fn auth(items: &BTreeSet<String>) -> String {
    let named: BTreeSet<String> = items.iter().filter(|s| *s != OPTIONAL).cloned().collect();
    match (named.is_empty(), items.contains(OPTIONAL)) {
        (true, _) => "none".into(),
        (false, true) => format!("{} (optional)", joined(&named)),
        (false, false) => joined(&named),
    }
}

/// Every difference between two descriptions of one operation, pushed as
/// `(field, upstream, ours)`. Parameter and field names are compared
/// normalised (`redirect_uri` is `redirectUri`), as `docs-check` does.
pub fn compare(up: &OpFacts, ours: &OpFacts, mut diff: impl FnMut(String, String, String)) {
    if up.method != ours.method {
        diff("method".into(), up.method.clone(), ours.method.clone());
    }
    if up.path != ours.path {
        diff("path".into(), up.path.clone(), ours.path.clone());
    }
    // Parameters, by normalised name (the same location first).
    let mut unmatched: Vec<&Param> = ours.parameters.iter().collect();
    for p in &up.parameters {
        let i = unmatched
            .iter()
            .position(|q| norm(&q.name) == norm(&p.name) && q.location == p.location)
            .or_else(|| {
                unmatched
                    .iter()
                    .position(|q| norm(&q.name) == norm(&p.name))
            });
        match i.map(|i| unmatched.remove(i)) {
            None => diff(
                format!("parameter {}", p.name),
                describe(p),
                "absent".into(),
            ),
            Some(q) => {
                if describe(p) != describe(q) {
                    diff(format!("parameter {}", p.name), describe(p), describe(q));
                }
            }
        }
    }
    for q in unmatched {
        diff(
            format!("parameter {}", q.name),
            "absent".into(),
            describe(q),
        );
    }
    let normed = |s: &BTreeSet<String>| -> BTreeSet<String> { s.iter().map(|f| norm(f)).collect() };
    let (up_fields, our_fields) = (normed(&up.required_fields), normed(&ours.required_fields));
    for f in &up.required_fields {
        if !our_fields.contains(&norm(f)) {
            diff(
                format!("required field {f}"),
                "required".into(),
                "not required".into(),
            );
        }
    }
    for f in &ours.required_fields {
        if !up_fields.contains(&norm(f)) {
            diff(
                format!("required field {f}"),
                "not required".into(),
                "required".into(),
            );
        }
    }
    if up.statuses != ours.statuses {
        diff(
            "status".into(),
            joined(&up.statuses),
            joined(&ours.statuses),
        );
    }
    if up.security != ours.security {
        diff("auth".into(), auth(&up.security), auth(&ours.security));
    }
}

/// Every difference between the spec `doc` and its upstream snapshot.
pub fn differences(doc: &Value, snapshot: &Snapshot) -> Result<Vec<Difference>, String> {
    let ops = from_spec(doc)?;
    let mut out = Vec::new();
    let mut mapped: BTreeMap<&str, &str> = BTreeMap::new();
    for op in &ops {
        let mut diff = |field: String, upstream: String, ours: String| {
            out.push(Difference {
                operation: op.id.clone(),
                field,
                upstream,
                ours,
            });
        };
        let Some(name) = op.upstream.as_deref() else {
            diff("operation".into(), "absent".into(), "present".into());
            continue;
        };
        if let Some(other) = mapped.insert(name, &op.id) {
            return Err(format!(
                "operations {other} and {} both say `x-upstream-name: {name}`",
                op.id
            ));
        }
        match snapshot.operations.get(name) {
            None => diff(
                "operation".into(),
                format!("absent (no `{name}` upstream)"),
                "present".into(),
            ),
            Some(up) => compare(up, &op.facts, diff),
        }
    }
    for name in snapshot.operations.keys() {
        if !mapped.contains_key(name.as_str()) {
            out.push(Difference {
                operation: name.clone(),
                field: "operation".into(),
                upstream: "present".into(),
                ours: "absent".into(),
            });
        }
    }
    Ok(out)
}

/// The spec's declared upstream differences: (operation, field) pairs with
/// a reason. `*` as the operation covers that field on every operation.
pub fn declarations(doc: &Value) -> Result<Vec<(String, String)>, String> {
    let list = match doc.get("x-upstream") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err("x-upstream is not a list".into()),
    };
    let mut out = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let get = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").trim();
        if get("operation").is_empty() || get("field").is_empty() || get("reason").is_empty() {
            return Err(format!(
                "x-upstream[{i}] needs `operation`, `field` and a non-empty `reason`"
            ));
        }
        let entry = (get("operation").to_string(), get("field").to_string());
        if out.contains(&entry) {
            return Err(format!(
                "x-upstream[{i}]: operation {}: {}: declared twice",
                entry.0, entry.1
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

/// Checks one spec against its snapshot; the errors name spec, operation
/// and field. Returns how many differences are declared.
pub fn check(rel: &str, doc: &Value, snapshot: &Snapshot) -> Result<usize, Vec<String>> {
    let declared = declarations(doc).map_err(|e| vec![format!("{rel}: {e}")])?;
    let diffs = differences(doc, snapshot).map_err(|e| vec![format!("{rel}: {e}")])?;
    let covers = |(o, f): &(String, String), d: &Difference| {
        (*o == d.operation || o == "*") && *f == d.field
    };
    let mut errors = Vec::new();
    for d in &diffs {
        if !declared.iter().any(|decl| covers(decl, d)) {
            errors.push(format!(
                "{rel}: operation {}: {}: upstream says `{}`, the spec says `{}` (an undeclared upstream difference: fix the spec or add it to x-upstream with a reason)",
                d.operation, d.field, d.upstream, d.ours
            ));
        }
    }
    for decl in &declared {
        if !diffs.iter().any(|d| covers(decl, d)) {
            errors.push(format!(
                "{rel}: operation {}: {}: declared in x-upstream, but the spec and upstream agree (remove it)",
                decl.0, decl.1
            ));
        }
    }
    if errors.is_empty() {
        Ok(declared.len())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn repo(rel: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn spec(service: &str) -> Value {
        serde_yaml_ng::from_str(&repo(&format!("specs/{service}.yaml"))).unwrap()
    }

    fn snapshot(service: &str) -> Snapshot {
        Snapshot::parse(&repo(&format!("specs/upstream/{service}.json"))).unwrap()
    }

    fn fails(rel: &str, doc: &Value, snap: &Snapshot) -> String {
        check(rel, doc, snap).unwrap_err().join("\n")
    }

    #[test]
    fn every_spec_matches_its_snapshot() {
        for service in ["glowmarkt", "kleister", "nuextract", "svix"] {
            let rel = format!("specs/{service}.yaml");
            check(&rel, &spec(service), &snapshot(service))
                .unwrap_or_else(|e| panic!("{}", e.join("\n")));
        }
    }

    /// A required field upstream dropped from the snapshot.
    #[test]
    fn a_removed_required_field_names_spec_operation_and_field() {
        let (doc, snap) = (spec("kleister"), snapshot("kleister"));
        check("specs/kleister.yaml", &doc, &snap).unwrap();
        let mut broken = snap.clone();
        assert!(broken
            .operations
            .get_mut("LoginAuth")
            .unwrap()
            .required_fields
            .remove("password"));
        let e = fails("specs/kleister.yaml", &doc, &broken);
        assert!(
            e.contains("specs/kleister.yaml: operation login_user: required field password: upstream says `not required`, the spec says `required`"),
            "{e}"
        );
    }

    #[test]
    fn a_changed_path_names_spec_operation_and_field() {
        let (doc, snap) = (spec("kleister"), snapshot("kleister"));
        check("specs/kleister.yaml", &doc, &snap).unwrap();
        let mut broken = snap.clone();
        broken.operations.get_mut("RefreshAuth").unwrap().path = "/auth/renew".into();
        let e = fails("specs/kleister.yaml", &doc, &broken);
        assert!(
            e.contains("specs/kleister.yaml: operation refresh_auth: path: upstream says `/auth/renew`, the spec says `/auth/refresh`"),
            "{e}"
        );
    }

    #[test]
    fn a_dropped_status_names_spec_operation_and_field() {
        let (doc, snap) = (spec("svix"), snapshot("svix"));
        check("specs/svix.yaml", &doc, &snap).unwrap();
        let mut broken = snap.clone();
        assert!(broken
            .operations
            .get_mut("v1.authentication.logout")
            .unwrap()
            .statuses
            .remove("429"));
        let e = fails("specs/svix.yaml", &doc, &broken);
        assert!(
            e.contains("specs/svix.yaml: operation logout: status: upstream says `204, 400, 401, 403, 404, 409, 422`, the spec says `204, 400, 401, 403, 404, 409, 422, 429`"),
            "{e}"
        );
    }

    #[test]
    fn a_new_upstream_operation_and_a_dropped_one_are_named() {
        let (doc, snap) = (spec("svix"), snapshot("svix"));
        let mut broken = snap.clone();
        let op = broken
            .operations
            .remove("v1.authentication.stream-logout")
            .unwrap();
        broken.operations.insert("v1.authentication.sso".into(), op);
        let e = fails("specs/svix.yaml", &doc, &broken);
        assert!(
            e.contains("operation v1.authentication.sso: operation: upstream says `present`, the spec says `absent`"),
            "{e}"
        );
        assert!(
            e.contains("operation stream_logout: operation: upstream says `absent (no `v1.authentication.stream-logout` upstream)`"),
            "{e}"
        );
    }

    #[test]
    fn a_stale_declaration_fails() {
        let (doc, snap) = (spec("kleister"), snapshot("kleister"));
        check("specs/kleister.yaml", &doc, &snap).unwrap();
        let mut stale = doc.clone();
        stale["x-upstream"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "operation": "verify", "field": "method", "reason": "none"
            }));
        let e = fails("specs/kleister.yaml", &stale, &snap);
        assert!(
            e.contains("specs/kleister.yaml: operation verify: method: declared in x-upstream, but the spec and upstream agree (remove it)"),
            "{e}"
        );
        // So does a declaration the spec has fixed.
        let mut fixed = snap.clone();
        fixed.operations.get_mut("VerifyAuth").unwrap().security =
            ["HeaderAuth".to_string()].into();
        let e = fails("specs/kleister.yaml", &doc, &fixed);
        assert!(
            e.contains("operation verify: auth: declared in x-upstream"),
            "{e}"
        );
    }

    #[test]
    fn an_undeclared_spec_change_fails() {
        let (doc, snap) = (spec("glowmarkt"), snapshot("glowmarkt"));
        let mut broken = doc.clone();
        broken["paths"]["/auth/token/{tokenId}"]["delete"]
            .as_object_mut()
            .unwrap()
            .remove("parameters");
        let e = fails("specs/glowmarkt.yaml", &broken, &snap);
        assert!(
            e.contains("specs/glowmarkt.yaml: operation delete_token_by_id: parameter tokenId: upstream says `path, required`, the spec says `absent`"),
            "{e}"
        );
    }

    #[test]
    fn declarations_need_a_reason_and_star_covers_every_operation() {
        let up = |path: &str| OpFacts {
            method: "GET".into(),
            path: path.into(),
            statuses: ["200".to_string()].into(),
            ..OpFacts::default()
        };
        let snap = Snapshot {
            source: "s".into(),
            format: super::super::snapshot::Format::OpenApi,
            operations: [("a".to_string(), up("/a")), ("b".to_string(), up("/b"))].into(),
        };
        let doc = |decl: Value| {
            serde_json::json!({
                "openapi": "3.0.3",
                "paths": {
                    "/a": {"get": {"operationId": "a", "x-upstream-name": "a", "responses": {"200": {}, "4XX": {}}}},
                    "/b": {"get": {"operationId": "b", "x-upstream-name": "b", "responses": {"200": {}, "4XX": {}}}}
                },
                "x-upstream": decl
            })
        };
        let star =
            doc(serde_json::json!([{"operation": "*", "field": "status", "reason": "ranges"}]));
        assert_eq!(check("t.yaml", &star, &snap), Ok(1));
        let one =
            doc(serde_json::json!([{"operation": "a", "field": "status", "reason": "ranges"}]));
        let e = check("t.yaml", &one, &snap).unwrap_err().join("\n");
        assert!(
            e.contains(
                "t.yaml: operation b: status: upstream says `200`, the spec says `200, 4XX`"
            ),
            "{e}"
        );
        let bare = doc(serde_json::json!([{"operation": "*", "field": "status"}]));
        let e = check("t.yaml", &bare, &snap).unwrap_err().join("\n");
        assert!(e.contains("x-upstream[0] needs"), "{e}");
    }
}
