//! `specs/docs/<service>.json`: what `docs-check` reads from a spec's API
//! docs page (the parsed [`DocsPage`]), written by
//! `cargo xtask docs-check <docs-dir> --write` and checked in, so that the
//! specs are checked against their docs pages without the pages at hand.
//!
//! ```json
//! {
//!   "source": "https://github.com/<owner>/<repo>/blob/<ref>/docs/AuthApi.md",
//!   "flavour": "SwaggerPython",
//!   "base_url": "https://api.example.com/v1",
//!   "ops": [
//!     {
//!       "name": "login_user",
//!       "method": "post",
//!       "path": "/auth/login",
//!       "params": [
//!         {"name": "auth_login", "ty": "AuthLogin", "model": true, "required": true}
//!       ],
//!       "returns": "AuthToken",
//!       "auth": [],
//!       "content_type": ["application/json"],
//!       "accept": ["application/json"],
//!       "statuses": null
//!     }
//!   ]
//! }
//! ```
//!
//! `source` is the spec's `info.x-docs-page`; the rest is the page as
//! [`parse`](super::parse::parse) reads it, in the page's order (`statuses`
//! is `null` for a flavour without a status table, `returns` for an empty
//! body). Keys come in the order above, two-space indented, one trailing
//! newline: the same page always gives the same bytes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::parse::{DocsOp, DocsPage, Flavour, Param};

/// One spec's snapshot of its docs page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The public page: the spec's `info.x-docs-page`.
    pub source: String,
    pub page: DocsPage,
}

/// The file's layout: `source`, then the page's fields.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    source: String,
    flavour: Flavour,
    base_url: Option<String>,
    ops: Vec<DocsOp>,
}

impl Snapshot {
    /// The file's text.
    pub fn to_json(&self) -> String {
        let file = File {
            source: self.source.clone(),
            flavour: self.page.flavour,
            base_url: self.page.base_url.clone(),
            ops: self.page.ops.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a snapshot; an unknown or missing key is an error that names
    /// it, with its line.
    pub fn parse(text: &str) -> Result<Snapshot, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Snapshot {
            source: file.source,
            page: DocsPage {
                flavour: file.flavour,
                base_url: file.base_url,
                ops: file.ops,
            },
        })
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn param(p: &Param) -> String {
    format!(
        "{}{}, {}",
        p.ty,
        if p.model { " (model)" } else { "" },
        if p.required { "required" } else { "optional" }
    )
}

fn names<'a, T>(items: &'a [T], name: impl Fn(&'a T) -> &'a str) -> Vec<&'a str> {
    items.iter().map(name).collect()
}

/// Every way `page` (what a docs page parses to) and `snapshot` differ, as
/// `(operation, field, page, snapshot)`; `*` for the whole page. Empty
/// only when the two are equal.
fn page_differences(snapshot: &DocsPage, page: &DocsPage) -> Vec<[String; 4]> {
    let mut out = Vec::new();
    let mut push = |op: &str, field: &str, docs: String, snap: String| {
        if docs != snap {
            out.push([op.to_string(), field.to_string(), docs, snap]);
        }
    };
    push(
        "*",
        "flavour",
        format!("{:?}", page.flavour),
        format!("{:?}", snapshot.flavour),
    );
    let url = |u: &Option<String>| u.clone().unwrap_or_else(|| "none".into());
    push(
        "*",
        "base-url",
        url(&page.base_url),
        url(&snapshot.base_url),
    );
    let page_names = names(&page.ops, |o| o.name.as_str());
    let snap_names = names(&snapshot.ops, |o| o.name.as_str());
    let mut seen = BTreeSet::new();
    for name in page_names.iter().chain(&snap_names) {
        if !seen.insert(*name) {
            continue;
        }
        let d = page.ops.iter().find(|o| o.name == *name);
        let s = snapshot.ops.iter().find(|o| o.name == *name);
        let (Some(d), Some(s)) = (d, s) else {
            let at = |o: Option<&DocsOp>| if o.is_some() { "present" } else { "absent" };
            push(name, "operation", at(d).into(), at(s).into());
            continue;
        };
        push(
            name,
            "method",
            d.method.to_uppercase(),
            s.method.to_uppercase(),
        );
        push(name, "path", d.path.clone(), s.path.clone());
        let mut seen_params = BTreeSet::new();
        for p in d.params.iter().chain(&s.params) {
            if !seen_params.insert(p.name.as_str()) {
                continue;
            }
            let find = |ps: &[Param]| {
                ps.iter()
                    .find(|q| q.name == p.name)
                    .map_or("absent".into(), param)
            };
            push(
                name,
                &format!("parameter {}", p.name),
                find(&d.params),
                find(&s.params),
            );
        }
        let (dp, sp) = (param_names(&d.params), param_names(&s.params));
        if same_set(&dp, &sp) {
            push(name, "parameter order", dp.join(", "), sp.join(", "));
        }
        let ret = |r: &Option<String>| r.clone().unwrap_or_else(|| "none".into());
        push(name, "return", ret(&d.returns), ret(&s.returns));
        push(name, "auth", list(&d.auth), list(&s.auth));
        push(
            name,
            "content-type",
            list(&d.content_type),
            list(&s.content_type),
        );
        push(name, "accept", list(&d.accept), list(&s.accept));
        let statuses =
            |s: &Option<Vec<String>>| s.as_deref().map_or("no status table".into(), list);
        push(name, "status", statuses(&d.statuses), statuses(&s.statuses));
    }
    if same_set(&page_names, &snap_names) {
        push(
            "*",
            "operation order",
            page_names.join(", "),
            snap_names.join(", "),
        );
    }
    // Whatever the fields above cannot name (an operation or a parameter
    // twice) still fails.
    if out.is_empty() && page != snapshot {
        out.push([
            "*".into(),
            "page".into(),
            format!("{page:?}"),
            format!("{snapshot:?}"),
        ]);
    }
    out
}

fn param_names(params: &[Param]) -> Vec<&str> {
    names(params, |p| p.name.as_str())
}

/// The same names, in any order, each once.
fn same_set(a: &[&str], b: &[&str]) -> bool {
    fn set<'a>(x: &[&'a str]) -> BTreeSet<&'a str> {
        x.iter().copied().collect()
    }
    a.len() == b.len() && set(a).len() == a.len() && set(a) == set(b)
}

/// Where the snapshot `snap_rel` no longer says what the page `page_label`
/// parses to: one error per operation and field (`*` for the whole page).
/// Empty only when the two are equal.
pub fn drift(
    snap_rel: &str,
    snapshot: &DocsPage,
    page_label: &str,
    page: &DocsPage,
) -> Vec<String> {
    page_differences(snapshot, page)
        .into_iter()
        .map(|[op, field, docs, snap]| {
            format!(
                "{snap_rel}: operation {op}: {field}: {page_label} says `{docs}`, the snapshot says `{snap}` (the docs page changed: rewrite the snapshot with `cargo xtask docs-check <docs-dir> --write`, then follow the change in the spec or declare it in x-departures)"
            )
        })
        .collect()
}

/// A docs page that [`parse`](super::parse::parse) reads back as `page`,
/// in `page`'s flavour: lets the tests check a snapshot against a page
/// without the real pages at hand.
#[cfg(test)]
pub fn page_text(page: &DocsPage) -> String {
    use std::fmt::Write as _;

    let js = page.flavour == Flavour::SwaggerJavaScript;
    let module = match page.flavour {
        Flavour::SwaggerPython => "swagger_client",
        Flavour::OpenApiGeneratorPython => "openapi_client",
        Flavour::SwaggerJavaScript => "Client",
    };
    let mut t = format!("# {module}.Api\n\n");
    if let Some(url) = &page.base_url {
        let _ = writeln!(t, "All URIs are relative to *{url}*\n");
    }
    t.push_str(
        "Method | HTTP request | Description\n------------- | ------------- | -------------\n",
    );
    for op in &page.ops {
        let _ = writeln!(
            t,
            "[**{0}**](Api.md#{0}) | **{1}** {2} | ",
            op.name,
            op.method.to_uppercase(),
            op.path
        );
    }
    for op in &page.ops {
        t.push('\n');
        if js {
            let _ = writeln!(t, "<a name=\"{}\"></a>", op.name);
        }
        let _ = writeln!(t, "# **{}**\n", op.name);
        t.push_str("### Parameters\n\n");
        if op.params.is_empty() {
            t.push_str("This endpoint does not need any parameter.\n");
        } else {
            t.push_str("Name | Type | Description  | Notes\n------------- | ------------- | ------------- | -------------\n");
        }
        for p in &op.params {
            let ty = if p.model {
                format!("[**{0}**]({0}.md)", p.ty)
            } else {
                format!("**{}**", p.ty)
            };
            let notes = if p.required { "" } else { "[optional]" };
            let _ = writeln!(t, " **{}** | {ty}|  | {notes}", p.name);
        }
        t.push_str("\n### Return type\n\n");
        match &op.returns {
            Some(r) => {
                let _ = writeln!(t, "**{r}**");
            }
            None => t.push_str("void (empty response body)\n"),
        }
        t.push_str("\n### Authorization\n\n");
        if op.auth.is_empty() {
            t.push_str("No authorization required\n");
        } else {
            let schemes: Vec<String> = op
                .auth
                .iter()
                .map(|a| format!("[{a}](../README.md#{a})"))
                .collect();
            let _ = writeln!(t, "{}", schemes.join(", "));
        }
        let media = |m: &[String]| {
            if m.is_empty() {
                "Not defined".to_string()
            } else {
                m.join(", ")
            }
        };
        let _ = writeln!(
            t,
            "\n### HTTP request headers\n\n - **Content-Type**: {}\n - **Accept**: {}",
            media(&op.content_type),
            media(&op.accept)
        );
        if let Some(codes) = &op.statuses {
            t.push_str("\n### HTTP response details\n\n| Status code | Description | Response headers |\n|-------------|-------------|------------------|\n");
            for c in codes {
                let _ = writeln!(t, "**{c}** |  |  -  |");
            }
        }
        t.push_str("\n[[Back to top]](#)\n");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::parse::parse;

    fn sample() -> Snapshot {
        Snapshot {
            source: "https://example.com/docs/PetsApi.md".into(),
            page: DocsPage {
                flavour: Flavour::OpenApiGeneratorPython,
                base_url: Some("https://pets.example.com/v1".into()),
                ops: vec![
                    DocsOp {
                        name: "adopt_pet".into(),
                        method: "post".into(),
                        path: "/pets/{pet_id}/adopt".into(),
                        params: vec![
                            Param {
                                name: "pet_id".into(),
                                ty: "str".into(),
                                model: false,
                                required: true,
                            },
                            Param {
                                name: "adopt_request".into(),
                                ty: "AdoptRequest".into(),
                                model: true,
                                required: true,
                            },
                        ],
                        returns: Some("Adoption".into()),
                        auth: vec!["petKey".into()],
                        content_type: vec!["application/json".into()],
                        accept: vec!["application/json".into()],
                        statuses: Some(vec!["200".into(), "0".into()]),
                    },
                    DocsOp {
                        name: "ping".into(),
                        method: "get".into(),
                        path: "/ping".into(),
                        statuses: Some(vec!["204".into()]),
                        ..DocsOp::default()
                    },
                ],
            },
        }
    }

    #[test]
    fn a_snapshot_reads_back_and_is_written_in_field_order() {
        let snap = sample();
        let text = snap.to_json();
        assert_eq!(Snapshot::parse(&text).unwrap(), snap);
        assert!(text.ends_with("}\n") && text.contains("\n  \"ops\": [\n    {\n      \"name\""));
        let keys = [
            "\"source\"",
            "\"flavour\"",
            "\"base_url\"",
            "\"ops\"",
            "\"name\"",
            "\"method\"",
            "\"path\"",
            "\"params\"",
            "\"ty\"",
            "\"model\"",
            "\"required\"",
            "\"returns\"",
            "\"auth\"",
            "\"content_type\"",
            "\"accept\"",
            "\"statuses\"",
        ];
        let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");

        let e = Snapshot::parse(&text.replacen("\"path\"", "\"route\"", 1)).unwrap_err();
        assert!(e.contains("unknown field `route`"), "{e}");
        let e = Snapshot::parse(&text.replacen("\"source\"", "\"url\"", 1)).unwrap_err();
        assert!(e.contains("unknown field `url`"), "{e}");
    }

    /// The page written from a snapshot parses back to it, in each flavour.
    #[test]
    fn a_page_written_from_a_snapshot_parses_back_to_it() {
        for flavour in [
            Flavour::OpenApiGeneratorPython,
            Flavour::SwaggerPython,
            Flavour::SwaggerJavaScript,
        ] {
            let mut page = sample().page;
            page.flavour = flavour;
            if flavour != Flavour::OpenApiGeneratorPython {
                for op in &mut page.ops {
                    op.statuses = None;
                }
            }
            page.ops[1].params.push(Param {
                name: "xRequestID".into(),
                ty: "String".into(),
                model: false,
                required: false,
            });
            let back = parse(&page_text(&page)).unwrap();
            assert_eq!(back, page, "{flavour:?}");
            assert!(drift("s.json", &page, "p.md", &back).is_empty());
        }
    }

    #[test]
    fn every_field_that_drifts_is_named() {
        let snap = sample().page;
        let mut page = snap.clone();
        page.base_url = None;
        page.ops[0].path = "/pets/{pet_id}/adoption".into();
        page.ops[0].params[0].required = false;
        page.ops[0].params.remove(1);
        page.ops[0].statuses = Some(vec!["200".into(), "404".into(), "0".into()]);
        page.ops[1].name = "health".into();
        let e = drift("specs/docs/pets.json", &snap, "pages/PetsApi.md", &page).join("\n");
        for want in [
            "specs/docs/pets.json: operation *: base-url: pages/PetsApi.md says `none`, the snapshot says `https://pets.example.com/v1`",
            "operation adopt_pet: path: pages/PetsApi.md says `/pets/{pet_id}/adoption`, the snapshot says `/pets/{pet_id}/adopt`",
            "operation adopt_pet: parameter pet_id: pages/PetsApi.md says `str, optional`, the snapshot says `str, required`",
            "operation adopt_pet: parameter adopt_request: pages/PetsApi.md says `absent`, the snapshot says `AdoptRequest (model), required`",
            "operation adopt_pet: status: pages/PetsApi.md says `200, 404, 0`, the snapshot says `200, 0`",
            "operation health: operation: pages/PetsApi.md says `present`, the snapshot says `absent`",
            "operation ping: operation: pages/PetsApi.md says `absent`, the snapshot says `present`",
        ] {
            assert!(e.contains(want), "{want}\nnot in\n{e}");
        }
        assert_eq!(e.lines().count(), 7, "{e}");

        // Order counts: the snapshot is the page as parsed.
        let mut page = snap.clone();
        page.ops.reverse();
        let e = drift("s.json", &snap, "p.md", &page).join("\n");
        assert!(
            e.contains("operation *: operation order: p.md says `ping, adopt_pet`"),
            "{e}"
        );
        let mut page = snap.clone();
        page.ops[0].params.reverse();
        let e = drift("s.json", &snap, "p.md", &page).join("\n");
        assert!(e.contains("operation adopt_pet: parameter order"), "{e}");
        let mut page = snap.clone();
        page.ops.push(page.ops[1].clone());
        assert!(!drift("s.json", &snap, "p.md", &page).is_empty());
    }
}
