//! Resource shares: those the account owns and those shared with it, and one share's resources,
//! principals (with their association statuses) and permissions.

use maud::{Markup, html};
use ram_model::{ApiError, Operation};
use serde_json::{Value, json};

use super::layout::{self, Nav, status, tags, text, time};
use super::{Answer, View};
use crate::in_process::Op;

/// A listing's table, or the operation's error, or a line saying there is nothing.
pub(super) fn listing(
    result: &Result<Vec<Value>, ApiError>,
    empty: &str,
    table: impl Fn(&[Value]) -> Markup,
) -> Markup {
    match result {
        Err(e) => layout::error(e),
        Ok(items) if items.is_empty() => html! { p.muted { (empty) } },
        Ok(items) => table(items),
    }
}

async fn shares(view: &View<'_>, owner: &str, arn: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let mut body = json!({ "resourceOwner": owner });
    if let Some(arn) = arn {
        body["resourceShareArns"] = json!([arn]);
    }
    view.calls
        .all(
            &view.caller,
            Op::Ram(Operation::GetResourceShares),
            body,
            "resourceShares",
        )
        .await
}

pub async fn list(view: &View<'_>) -> Answer {
    let owned = shares(view, "SELF", None).await;
    let received = shares(view, "OTHER-ACCOUNTS", None).await;
    let share_link =
        |s: &Value| view.link("/console/share", &[("arn", text(&s["resourceShareArn"]))]);
    let body = html! {
        section #owned {
            h2 { "Shared by you" }
            (listing(&owned, "This account shares nothing in this Region.", |items| html! {
                table {
                    thead { tr { th { "Name" } th { "Status" } th { "External principals" } th { "Created" } th { "Tags" } } }
                    tbody {
                        @for s in items {
                            tr {
                                td { a href=(share_link(s)) { (text(&s["name"])) } }
                                td { (status(&s["status"])) }
                                td { @if s["allowExternalPrincipals"].as_bool() == Some(true) { "allowed" } @else { "not allowed" } }
                                td { (time(&s["creationTime"])) }
                                td { (tags(&s["tags"])) }
                            }
                        }
                    }
                }
            }))
        }
        section #received {
            h2 { "Shared with you" }
            (listing(&received, "Nothing is shared with this account in this Region.", |items| html! {
                table {
                    thead { tr { th { "Name" } th { "Owner" } th { "Status" } th { "Created" } } }
                    tbody {
                        @for s in items {
                            tr {
                                td { a href=(share_link(s)) { (text(&s["name"])) } }
                                td { (text(&s["owningAccountId"])) }
                                td { (status(&s["status"])) }
                                td { (time(&s["creationTime"])) }
                            }
                        }
                    }
                }
            }))
        }
    };
    Answer::Page {
        title: "Resource shares".into(),
        nav: Nav::Shares,
        body,
    }
}

pub async fn detail(view: &View<'_>) -> Answer {
    let arn = view.param("arn").unwrap_or_default().to_owned();
    // The ARN names its owner (`arn:aws:ram:REGION:OWNER:resource-share/ID`): ask as the API
    // would be asked, SELF for one's own, OTHER-ACCOUNTS for a received one.
    let owner = arn.split(':').nth(4) == Some(view.caller.account_id.as_str());
    let found = shares(
        view,
        if owner { "SELF" } else { "OTHER-ACCOUNTS" },
        Some(&arn),
    )
    .await
    .map(|r| r.first().cloned());
    let share = match found {
        Ok(Some(share)) => share,
        Ok(None) => {
            let body = html! { p.error { "No share " code { (arn) } " is owned by or shared with this account in " (view.region) "." } };
            return Answer::Page {
                title: "Resource share".into(),
                nav: Nav::Shares,
                body,
            };
        }
        Err(e) => {
            return Answer::Page {
                title: "Resource share".into(),
                nav: Nav::Shares,
                body: layout::error(&e),
            };
        }
    };
    let all = |op: Operation, body: Value, items: &'static str| {
        view.calls.all(&view.caller, Op::Ram(op), body, items)
    };
    let associations = |kind: &str| {
        all(
            Operation::GetResourceShareAssociations,
            json!({ "associationType": kind, "resourceShareArns": [arn] }),
            "resourceShareAssociations",
        )
    };
    let resources = if owner {
        associations("RESOURCE").await
    } else {
        all(
            Operation::ListResources,
            json!({ "resourceOwner": "OTHER-ACCOUNTS", "resourceShareArns": [arn] }),
            "resources",
        )
        .await
    };
    // RAM shows a share's principals to its owner only.
    let principals = if owner {
        Some(associations("PRINCIPAL").await)
    } else {
        None
    };
    let permissions = all(
        Operation::ListResourceSharePermissions,
        json!({ "resourceShareArn": arn }),
        "permissions",
    )
    .await;
    let body = html! {
        section #summary {
            table {
                tr { th { "ARN" } td.arn { (arn) } }
                tr { th { "Owner" } td { (text(&share["owningAccountId"])) @if owner { " (you)" } } }
                tr { th { "Status" } td { (status(&share["status"])) } }
                tr { th { "External principals" } td { @if share["allowExternalPrincipals"].as_bool() == Some(true) { "allowed" } @else { "not allowed" } } }
                tr { th { "Created" } td { (time(&share["creationTime"])) } }
                tr { th { "Last updated" } td { (time(&share["lastUpdatedTime"])) } }
                tr { th { "Tags" } td { (tags(&share["tags"])) } }
            }
        }
        section #resources {
            h2 { "Resources" }
            (listing(&resources, "No resources.", |items| html! {
                table {
                    thead { tr { th { "Resource" } @if !owner { th { "Type" } } th { "Status" } th { "Updated" } } }
                    tbody {
                        @for r in items {
                            tr {
                                td.arn { (text(if owner { &r["associatedEntity"] } else { &r["arn"] })) }
                                @if !owner { td { (text(&r["type"])) } }
                                td { (status(&r["status"])) " " span.muted { (text(&r["statusMessage"])) } }
                                td { (time(&r["lastUpdatedTime"])) }
                            }
                        }
                    }
                }
            }))
        }
        @if let Some(principals) = &principals {
        section #principals {
            h2 { "Principals" }
            (listing(principals, "No principals.", |items| html! {
                table {
                    thead { tr { th { "Principal" } th { "Status" } th { "External" } th { "Updated" } } }
                    tbody {
                        @for p in items {
                            tr {
                                td.arn { (text(&p["associatedEntity"])) }
                                td { (status(&p["status"])) " " span.muted { (text(&p["statusMessage"])) } }
                                td { @if p["external"].as_bool() == Some(true) { "yes" } @else { "no" } }
                                td { (time(&p["lastUpdatedTime"])) }
                            }
                        }
                    }
                }
            }))
        }
        }
        section #permissions {
            h2 { "Permissions" }
            (listing(&permissions, "No permissions.", |items| html! {
                table {
                    thead { tr { th { "Permission" } th { "Resource type" } th { "Version" } th { "Status" } } }
                    tbody {
                        @for p in items {
                            tr {
                                td { a href=(view.link("/console/permission", &[("arn", text(&p["arn"])), ("version", text(&p["version"]))])) { (text(&p["name"])) } }
                                td { (text(&p["resourceType"])) }
                                td { (text(&p["version"])) @if p["defaultVersion"].as_bool() == Some(true) { " (default)" } }
                                td { (status(&p["status"])) }
                            }
                        }
                    }
                }
            }))
        }
    };
    Answer::Page {
        title: format!("Resource share {}", text(&share["name"])),
        nav: Nav::Shares,
        body,
    }
}
