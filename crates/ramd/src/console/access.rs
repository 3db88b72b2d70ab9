//! The access decision for a principal, action and resource: what `POST /checkaccess` answers
//! the signed-in account, with the share, association and permission statement that allowed it,
//! or why each share holding the resource did not.

use maud::html;
use ram_domain::{CheckAccessRequest, Decision};

use super::layout::{self, Nav};
use super::{Answer, View};

pub async fn check(view: &View<'_>) -> Answer {
    let field = |name: &str| view.param(name).unwrap_or_default().trim().to_owned();
    let (principal, action, resource, context) = (
        field("principal"),
        field("action"),
        field("resource"),
        field("context"),
    );
    let asked = !principal.is_empty() || !action.is_empty() || !resource.is_empty();
    let answer = if asked {
        let context = if context.is_empty() {
            Ok(None)
        } else {
            serde_json::from_str(&context)
                .map(Some)
                .map_err(|e| format!("The context is not a JSON object: {e}"))
        };
        Some(match context {
            Ok(context) => view
                .state
                .ram
                .check_access(
                    &view.caller,
                    CheckAccessRequest {
                        principal: principal.clone(),
                        action: action.clone(),
                        resource_arn: resource.clone(),
                        context,
                        include_identity: false,
                    },
                )
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        })
    } else {
        None
    };
    let body = html! {
        section {
            form.stack method="get" action="/console/access" {
                input type="hidden" name="region" value=(view.region);
                label { "Principal (account ID, IAM role or user ARN, service principal)" input name="principal" value=(principal) required; }
                label { "Action" input name="action" value=(action) placeholder="ec2:RunInstances" required; }
                label { "Resource ARN" input name="resource" value=(resource) required; }
                label { "Condition keys (JSON, optional)" textarea name="context" rows="2" placeholder=r#"{"aws:RequestTag/env": "prod"}"# { (context) } }
                button type="submit" { "Check" }
            }
        }
        @if let Some(answer) = &answer {
            section #decision {
                @match answer {
                    Err(message) => p.error role="alert" { (message) },
                    Ok(a) => {
                        @let allowed = a.decision == Decision::Allow;
                        p.decision { span class={ "status " @if allowed { "allow" } @else { "deny" } } { @if allowed { "ALLOW" } @else { "DENY" } } }
                        @if let Some(g) = &a.grant {
                            table {
                                tr { th { "Share" } td { a href=(view.link("/console/share", &[("arn", &g.resource_share_arn)])) { (g.resource_share_name) } } }
                                tr { th { "Through the principal" } td.arn { (g.associated_principal) " " (layout::status(&serde_json::json!(g.association_status.as_str()))) } }
                                tr { th { "Permission" } td { a href=(view.link("/console/permission", &[("arn", &g.permission_arn), ("version", &g.permission_version)])) { (g.permission_arn) } " version " (g.permission_version) } }
                            }
                            h2 { "Statement" }
                            pre { (serde_json::to_string_pretty(&g.statement).unwrap_or_default()) }
                        }
                        @if !a.reasons.is_empty() {
                            h2 { "Why not" }
                            ul { @for r in &a.reasons { li { (r) } } }
                        }
                    }
                }
            }
        }
    };
    Answer::Page {
        title: "Access check".into(),
        nav: Nav::Access,
        body,
    }
}
