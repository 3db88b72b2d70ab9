//! The console's frame (header, navigation, Region), its sign-in page, its style sheet, and the
//! small pieces pages are made of.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, header};
use maud::{DOCTYPE, Markup, html};
use ram_model::ApiError;
use serde_json::Value;

use super::View;
use super::session::SignIn;

const DEFAULT_REGION: &str = "us-east-1";
/// Offered in the Region menu (any other can be typed into the URL).
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// The Region a request names, when it is one; the default otherwise.
pub fn region(given: Option<&str>) -> String {
    let valid = given.filter(|r| {
        let parts: Vec<&str> = r.split('-').collect();
        parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
    });
    valid.unwrap_or(DEFAULT_REGION).to_owned()
}

/// `path?region=..&k=v`, each value encoded.
pub fn link(path: &str, region: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("region", region);
    for (k, v) in params {
        query.append_pair(k, v);
    }
    format!("{path}?{}", query.finish())
}

/// The section of the console a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Shares,
    Invitations,
    Permissions,
    Organization,
    Access,
    None,
}

const SECTIONS: &[(Nav, &str, &str)] = &[
    (Nav::Shares, "/console/shares", "Resource shares"),
    (Nav::Invitations, "/console/invitations", "Invitations"),
    (Nav::Permissions, "/console/permissions", "Permissions"),
    (Nav::Organization, "/console/organization", "Organization"),
    (Nav::Access, "/console/access", "Access check"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · ramd console" }
            link rel="stylesheet" href="/console/style.css";
        }
    }
}

pub fn page(view: &View<'_>, title: &str, nav: Nav, body: &Markup) -> Markup {
    let here = SECTIONS
        .iter()
        .find(|(n, _, _)| *n == nav)
        .map_or("/console/shares", |(_, path, _)| *path);
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header {
                    a.brand href=(view.link("/console/shares", &[])) { "ramd" }
                    span.who {
                        "Account " strong #account { (view.caller.account_id) }
                        " · " span.principal { (view.caller.principal_arn) }
                    }
                    form.region method="get" action=(here) {
                        label { "Region "
                            select name="region" {
                                @if !REGIONS.contains(&view.region.as_str()) {
                                    option selected value=(view.region) { (view.region) }
                                }
                                @for r in REGIONS {
                                    option value=(r) selected[*r == view.region] { (r) }
                                }
                            }
                        }
                        button type="submit" { "Switch" }
                    }
                    form.sign-out method="post" action="/console/sign-out" {
                        button type="submit" { "Sign out" }
                    }
                }
                nav {
                    @for (n, path, label) in SECTIONS {
                        a href=(view.link(path, &[])) class=[(*n == nav).then_some("active")] { (label) }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

pub fn sign_in(kind: SignIn, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("Sign in"))
            body.sign-in {
                main {
                    h1 { "ramd console" }
                    @if let Some(error) = error {
                        p.error role="alert" { (error) }
                    }
                    form method="post" action="/console/sign-in" {
                        @match kind {
                            SignIn::KeyPair => {
                                p { "Sign in with an access key of the account, as the API is signed." }
                                label { "Access key ID" input name="access_key_id" autocomplete="username" required; }
                                label { "Secret access key" input name="secret_access_key" type="password" autocomplete="current-password" required; }
                            }
                            SignIn::AccountId => {
                                p { "Trust mode: requests are not signed, so the account is all it takes." }
                                label { "Account ID" input name="account_id" inputmode="numeric" pattern="[0-9]{12}" required; }
                            }
                        }
                        button type="submit" { "Sign in" }
                    }
                }
            }
        }
    }
}

pub fn not_found() -> Markup {
    html! { p { "No page of the console is here." } }
}

/// An operation's error, as the API would have answered it.
pub fn error(e: &ApiError) -> Markup {
    html! { p.error role="alert" { strong { (e.code.as_str()) } ": " (e.message) } }
}

/// An output timestamp (epoch seconds) as a UTC time.
pub fn time(v: &Value) -> String {
    let Some(secs) = v.as_f64() else {
        return String::new();
    };
    #[allow(clippy::cast_possible_truncation)]
    time::OffsetDateTime::from_unix_timestamp(secs.floor() as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A status (ACTIVE, ASSOCIATED, PENDING, ...) as a badge.
pub fn status(v: &Value) -> Markup {
    let s = v.as_str().unwrap_or("");
    html! { span class={ "status " (s.to_ascii_lowercase()) } { (s) } }
}

pub use crate::in_process::text;

/// A policy document, indented.
pub fn pretty(json_text: &str) -> String {
    serde_json::from_str::<Value>(json_text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json_text.to_owned())
}

/// Tags as `key=value` chips.
pub fn tags(v: &Value) -> Markup {
    html! {
        @for t in v.as_array().into_iter().flatten() {
            span.tag { (text(&t["key"])) "=" (text(&t["value"])) }
        }
    }
}

/// The form fields that come with every form that changes something.
pub fn form_fields(view: &View<'_>) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(view.csrf);
        input type="hidden" name="region" value=(view.region);
    }
}

pub fn style_sheet() -> Response {
    let mut r = Response::new(Body::from(CSS));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    r
}

const CSS: &str = r#"
:root { --ink: #16191f; --muted: #5f6b7a; --line: #d5dbdb; --accent: #0972d3; --bg: #f2f3f3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 16px; padding: 10px 20px; background: #232f3e; color: #fff; }
header a.brand { color: #fff; font-weight: 700; font-size: 18px; text-decoration: none; }
header .who { flex: 1; }
header .principal { color: #c6cdd5; font-family: ui-monospace, monospace; font-size: 12px; }
header form { margin: 0; display: flex; gap: 6px; align-items: center; }
nav { display: flex; gap: 4px; padding: 0 20px; background: #fff; border-bottom: 1px solid var(--line); }
nav a { padding: 10px 12px; color: var(--ink); text-decoration: none; border-bottom: 3px solid transparent; }
nav a.active { border-color: var(--accent); font-weight: 600; }
main { padding: 16px 20px 40px; max-width: 1200px; }
h1 { font-size: 22px; margin: 8px 0 16px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; }
td.arn, code, pre { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
pre { background: #f8f8f8; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; }
a { color: var(--accent); }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; background: #e9ebed; }
.status.active, .status.associated, .status.accepted, .status.allow { background: #d7f2dd; color: #0a5a1e; }
.status.pending, .status.associating { background: #fff3cd; color: #6b4e00; }
.status.rejected, .status.failed, .status.deny, .status.deleted, .status.disassociated, .status.expired { background: #fde0e0; color: #8a1414; }
.tag { display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; }
.error { background: #fde0e0; border: 1px solid #e8a0a0; padding: 8px 12px; border-radius: 6px; }
.notice { background: #d7f2dd; border: 1px solid #9fd8ab; padding: 8px 12px; border-radius: 6px; }
.muted { color: var(--muted); }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 16px; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
form.inline { display: inline; }
td.actions { white-space: nowrap; }
label { display: block; margin: 8px 0; }
input, select, textarea { font: inherit; padding: 4px 6px; border: 1px solid #8d99a8; border-radius: 4px; }
form.stack input, form.stack textarea { display: block; width: 100%; margin-top: 2px; }
ul.tree { list-style: none; padding-left: 18px; border-left: 1px dashed var(--line); }
ul.tree li { margin: 6px 0; }
.decision { font-size: 20px; font-weight: 700; }
body.sign-in main { max-width: 420px; margin: 60px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px; }
body.sign-in input { display: block; width: 100%; margin-top: 2px; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_taken_only_when_it_looks_like_one() {
        assert_eq!(region(Some("eu-west-1")), "eu-west-1");
        assert_eq!(region(Some("us-gov-west-1")), "us-gov-west-1");
        for bad in [
            "",
            "eu",
            "eu-west",
            "EU-WEST-1",
            "eu-west-x",
            "eu--1",
            "<b>-a-1",
        ] {
            assert_eq!(region(Some(bad)), DEFAULT_REGION, "{bad}");
        }
        assert_eq!(region(None), DEFAULT_REGION);
    }

    #[test]
    fn a_link_encodes_its_values() {
        assert_eq!(
            link(
                "/console/share",
                "us-east-1",
                &[("arn", "arn:aws:ram:x/y&z")]
            ),
            "/console/share?region=us-east-1&arn=arn%3Aaws%3Aram%3Ax%2Fy%26z"
        );
    }
}
