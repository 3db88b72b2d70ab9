//! The organization the account is in: for the management account the whole tree (root, OUs,
//! accounts), and beside each account the shares between it and the signed-in account.

use std::collections::HashMap;

use maud::{Markup, html};
use ram_model::organizations::Operation as OrgOp;
use ram_model::{ErrorCode, Operation};
use serde_json::{Value, json};

use super::layout::{self, Nav, text};
use super::{Answer, View};
use crate::in_process::Op;

/// The tree as read: each parent's OUs and accounts.
#[derive(Default)]
struct Tree {
    units: HashMap<String, Vec<Value>>,
    accounts: HashMap<String, Vec<Value>>,
}

/// The signed-in account's shares, to place beside the accounts of the tree.
struct Sharing {
    org_arn: String,
    owned: Vec<Value>,
    /// Owned share ARN → its principals.
    principals: HashMap<String, Vec<String>>,
    received: Vec<Value>,
}

impl Sharing {
    /// Owned shares reaching `account` (directly, through an OU above it, or the organization).
    fn to(&self, account: &str, units_above: &[String]) -> Vec<&Value> {
        self.owned
            .iter()
            .filter(|s| {
                self.principals
                    .get(text(&s["resourceShareArn"]))
                    .is_some_and(|ps| {
                        ps.iter()
                            .any(|p| p == account || *p == self.org_arn || units_above.contains(p))
                    })
            })
            .collect()
    }

    fn from(&self, account: &str) -> Vec<&Value> {
        self.received
            .iter()
            .filter(|s| text(&s["owningAccountId"]) == account)
            .collect()
    }
}

pub async fn tree(view: &View<'_>) -> Answer {
    // What could not be read ends the page early, with what could.
    let body = organization(view).await.unwrap_or_else(|partial| partial);
    Answer::Page {
        title: "Organization".into(),
        nav: Nav::Organization,
        body,
    }
}

async fn organization(view: &View<'_>) -> Result<Markup, Markup> {
    let caller = &view.caller;
    let org = match view
        .calls
        .org(caller, OrgOp::DescribeOrganization, &json!({}))
        .await
    {
        Ok(v) => v["Organization"].clone(),
        Err(e) if e.code == ErrorCode::AWSOrganizationsNotInUseException => {
            return Err(html! { p.muted { "This account is not in an organization." } });
        }
        Err(e) => return Err(layout::error(&e)),
    };
    let summary = html! {
        section #summary {
            table {
                tr { th { "Organization" } td { (text(&org["Id"])) } }
                tr { th { "ARN" } td.arn { (text(&org["Arn"])) } }
                tr { th { "Management account" } td { (text(&org["MasterAccountId"])) } }
                tr { th { "Feature set" } td { (text(&org["FeatureSet"])) } }
            }
        }
    };
    let roots = match view
        .calls
        .all(caller, Op::Org(OrgOp::ListRoots), json!({}), "Roots")
        .await
    {
        Ok(roots) => roots,
        Err(e) => {
            return Err(html! {
                (summary)
                p.muted { "The tree is shown to the management account." }
                (layout::error(&e))
            });
        }
    };
    let tree = read_tree(view, &roots)
        .await
        .map_err(|e| html! { (summary) (layout::error(&e)) })?;
    let sharing = sharing(view, text(&org["Arn"]))
        .await
        .map_err(|e| html! { (summary) (layout::error(&e)) })?;
    Ok(html! {
        (summary)
        section #tree {
            p.muted { "Beside each account: the shares of yours that reach it (in " (view.region) "), and those it shares with you." }
            ul.tree {
                @for root in &roots {
                    (node(view, &tree, &sharing, root, "Root", &[]))
                }
            }
        }
    })
}

/// Every OU and account under the roots, a level at a time.
async fn read_tree(view: &View<'_>, roots: &[Value]) -> Result<Tree, ram_model::ApiError> {
    let mut tree = Tree::default();
    let mut parents: Vec<String> = roots.iter().map(|r| text(&r["Id"]).to_owned()).collect();
    while let Some(parent) = parents.pop() {
        let units = view
            .calls
            .all(
                &view.caller,
                Op::Org(OrgOp::ListOrganizationalUnitsForParent),
                json!({ "ParentId": parent }),
                "OrganizationalUnits",
            )
            .await?;
        let accounts = view
            .calls
            .all(
                &view.caller,
                Op::Org(OrgOp::ListAccountsForParent),
                json!({ "ParentId": parent }),
                "Accounts",
            )
            .await?;
        parents.extend(units.iter().map(|u| text(&u["Id"]).to_owned()));
        tree.units.insert(parent.clone(), units);
        tree.accounts.insert(parent, accounts);
    }
    Ok(tree)
}

async fn sharing(view: &View<'_>, org_arn: &str) -> Result<Sharing, ram_model::ApiError> {
    let all = |op: Operation, body: Value, items: &'static str| {
        view.calls.all(&view.caller, Op::Ram(op), body, items)
    };
    let owned = all(
        Operation::GetResourceShares,
        json!({ "resourceOwner": "SELF", "resourceShareStatus": "ACTIVE" }),
        "resourceShares",
    )
    .await?;
    let received = all(
        Operation::GetResourceShares,
        json!({ "resourceOwner": "OTHER-ACCOUNTS", "resourceShareStatus": "ACTIVE" }),
        "resourceShares",
    )
    .await?;
    let mut principals: HashMap<String, Vec<String>> = HashMap::new();
    for p in all(
        Operation::ListPrincipals,
        json!({ "resourceOwner": "SELF" }),
        "principals",
    )
    .await?
    {
        principals
            .entry(text(&p["resourceShareArn"]).to_owned())
            .or_default()
            .push(text(&p["id"]).to_owned());
    }
    Ok(Sharing {
        org_arn: org_arn.to_owned(),
        owned,
        principals,
        received,
    })
}

fn node(
    view: &View<'_>,
    tree: &Tree,
    sharing: &Sharing,
    entity: &Value,
    kind: &str,
    above: &[String],
) -> Markup {
    let id = text(&entity["Id"]);
    let mut units_above = above.to_vec();
    if kind == "OU" {
        units_above.push(text(&entity["Arn"]).to_owned());
    }
    let share_link =
        |s: &Value| view.link("/console/share", &[("arn", text(&s["resourceShareArn"]))]);
    html! {
        li.node data-id=(id) {
            strong { (kind) @if text(&entity["Name"]) != kind { " " (text(&entity["Name"])) } } " " span.muted { (id) }
            ul.tree {
                @for unit in tree.units.get(id).into_iter().flatten() {
                    (node(view, tree, sharing, unit, "OU", &units_above))
                }
                @for account in tree.accounts.get(id).into_iter().flatten() {
                    @let account_id = text(&account["Id"]);
                    li.account data-account=(account_id) {
                        "Account " strong { (account_id) } " " (text(&account["Name"]))
                        @if account_id == view.caller.account_id { " (you)" }
                        " " span.muted { (text(&account["Status"])) }
                        @let to = if account_id == view.caller.account_id { Vec::new() } else { sharing.to(account_id, &units_above) };
                        @let from = sharing.from(account_id);
                        @if !to.is_empty() {
                            div.shares-to { "Gets from you: "
                                @for s in to { a.tag href=(share_link(s)) { (text(&s["name"])) } }
                            }
                        }
                        @if !from.is_empty() {
                            div.shares-from { "Shares with you: "
                                @for s in from { a.tag href=(share_link(s)) { (text(&s["name"])) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
