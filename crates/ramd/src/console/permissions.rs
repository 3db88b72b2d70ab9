//! Permissions: the account's customer managed ones and AWS's, and one permission's versions and
//! policy.

use maud::{Markup, html};
use ram_model::Operation;
use serde_json::{Value, json};

use super::layout::{self, Nav, status, text, time};
use super::shares::listing;
use super::{Answer, View};
use crate::in_process::Op;

fn table(view: &View<'_>, items: &[Value]) -> Markup {
    html! {
        table {
            thead { tr { th { "Name" } th { "Resource type" } th { "Default version" } th { "Status" } th { "Updated" } } }
            tbody {
                @for p in items {
                    tr {
                        td { a href=(view.link("/console/permission", &[("arn", text(&p["arn"]))])) { (text(&p["name"])) } }
                        td { (text(&p["resourceType"])) }
                        td { (text(&p["version"])) }
                        td { (status(&p["status"])) }
                        td { (time(&p["lastUpdatedTime"])) }
                    }
                }
            }
        }
    }
}

pub async fn list(view: &View<'_>) -> Answer {
    let list = |kind: &str| {
        view.calls.all(
            &view.caller,
            Op::Ram(Operation::ListPermissions),
            json!({ "permissionType": kind }),
            "permissions",
        )
    };
    let customer = list("CUSTOMER_MANAGED").await;
    let aws = list("AWS_MANAGED").await;
    let body = html! {
        section #customer-managed {
            h2 { "Customer managed" }
            (listing(&customer, "This account has made no permissions in this Region.", |items| table(view, items)))
        }
        section #aws-managed {
            details {
                summary { "AWS managed (" (aws.as_ref().map_or(0, Vec::len)) ")" }
                (listing(&aws, "None.", |items| table(view, items)))
            }
        }
    };
    Answer::Page {
        title: "Permissions".into(),
        nav: Nav::Permissions,
        body,
    }
}

pub async fn detail(view: &View<'_>) -> Answer {
    let arn = view.param("arn").unwrap_or_default();
    let mut body = json!({ "permissionArn": arn });
    if let Some(version) = view.param("version").and_then(|v| v.parse::<i64>().ok()) {
        body["permissionVersion"] = json!(version);
    }
    let permission = view
        .calls
        .ram(&view.caller, Operation::GetPermission, &body)
        .await
        .map(|v| v["permission"].clone());
    let versions = view
        .calls
        .all(
            &view.caller,
            Op::Ram(Operation::ListPermissionVersions),
            json!({ "permissionArn": arn }),
            "permissions",
        )
        .await;
    let title = match &permission {
        Ok(p) => format!("Permission {}", text(&p["name"])),
        Err(_) => "Permission".to_owned(),
    };
    let body = html! {
        @match &permission {
            Err(e) => (layout::error(e)),
            Ok(p) => {
                section #summary {
                    table {
                        tr { th { "ARN" } td.arn { (text(&p["arn"])) } }
                        tr { th { "Type" } td { (text(&p["permissionType"])) } }
                        tr { th { "Resource type" } td { (text(&p["resourceType"])) } }
                        tr { th { "Version shown" } td { (text(&p["version"])) @if p["defaultVersion"].as_bool() == Some(true) { " (default)" } } }
                        tr { th { "Status" } td { (status(&p["status"])) } }
                    }
                    h2 { "Policy" }
                    pre #policy { (layout::pretty(text(&p["permission"]))) }
                }
            }
        }
        section #versions {
            h2 { "Versions" }
            (listing(&versions, "No versions.", |items| html! {
                table {
                    thead { tr { th { "Version" } th { "Status" } th { "Created" } } }
                    tbody {
                        @for v in items {
                            tr {
                                td {
                                    a href=(view.link("/console/permission", &[("arn", arn), ("version", text(&v["version"]))])) { "Version " (text(&v["version"])) }
                                    @if v["defaultVersion"].as_bool() == Some(true) { " (default)" }
                                }
                                td { (status(&v["status"])) }
                                td { (time(&v["creationTime"])) }
                            }
                        }
                    }
                }
            }))
        }
    };
    Answer::Page {
        title,
        nav: Nav::Permissions,
        body,
    }
}
