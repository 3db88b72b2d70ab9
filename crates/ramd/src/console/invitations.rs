//! The account's invitations to shares, and accepting or rejecting a pending one.

use maud::{Markup, html};
use ram_model::Operation;
use serde_json::json;

use super::layout::{self, Nav, status, text, time};
use super::shares::listing;
use super::{Answer, View};
use crate::in_process::Op;

pub async fn list(view: &View<'_>) -> Answer {
    render(view, None).await
}

async fn render(view: &View<'_>, failed: Option<Markup>) -> Answer {
    let invitations = view
        .calls
        .all(
            &view.caller,
            Op::Ram(Operation::GetResourceShareInvitations),
            json!({}),
            "resourceShareInvitations",
        )
        .await;
    let notice = match view.param("done") {
        Some("accepted") => {
            Some("Invitation accepted: the share's resources are now shared with this account.")
        }
        Some("rejected") => Some("Invitation rejected."),
        _ => None,
    };
    let body = html! {
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        @if let Some(failed) = failed { (failed) }
        section #invitations {
            (listing(&invitations, "No invitations in this Region.", |items| html! {
                table {
                    thead { tr { th { "Share" } th { "From" } th { "Status" } th { "Sent" } th {} } }
                    tbody {
                        @for i in items {
                            tr {
                                td {
                                    (text(&i["resourceShareName"]))
                                    br; span.muted.arn { (text(&i["resourceShareArn"])) }
                                }
                                td { (text(&i["senderAccountId"])) }
                                td { (status(&i["status"])) }
                                td { (time(&i["invitationTimestamp"])) }
                                td.actions {
                                    @if text(&i["status"]) == "PENDING" {
                                        @for (action, label, class) in [("accept", "Accept", ""), ("reject", "Reject", "secondary")] {
                                            form.inline method="post" action="/console/invitations" {
                                                (layout::form_fields(view))
                                                input type="hidden" name="invitation" value=(text(&i["resourceShareInvitationArn"]));
                                                input type="hidden" name="action" value=(action);
                                                button type="submit" class=(class) { (label) }
                                            }
                                            " "
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
    };
    Answer::Page {
        title: "Invitations".into(),
        nav: Nav::Invitations,
        body,
    }
}

/// Accept or Reject, then back to the list, which says how it went.
pub async fn answer(view: &View<'_>, form: &[(String, String)]) -> Answer {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let (operation, done) = match field("action") {
        "accept" => (Operation::AcceptResourceShareInvitation, "accepted"),
        "reject" => (Operation::RejectResourceShareInvitation, "rejected"),
        _ => return Answer::Redirect(view.link("/console/invitations", &[])),
    };
    let result = view
        .calls
        .ram(
            &view.caller,
            operation,
            &json!({ "resourceShareInvitationArn": field("invitation") }),
        )
        .await;
    match result {
        Ok(_) => Answer::Redirect(view.link("/console/invitations", &[("done", done)])),
        Err(e) => render(view, Some(layout::error(&e))).await,
    }
}
