//! ramd's access decisions, `POST /checkaccess`: may a principal perform an action on a resource,
//! and why. A table of cases, each over a small world built through the SDK (shares, invitations,
//! customer managed permissions and their versions), asserting the decision and its explanation:
//! the grant (share, permission and version, associated principal, statement) or the reasons for
//! a DENY.

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use aws_sdk_ram::Client;
use ram_domain::Config;
use serde_json::{Value, json};

use crate::common::*;

// ---------------------------------------------------------------------------------------------
// Worlds

/// The state a case is decided in; each is built once, in its own server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Setup {
    /// A shares project p-1 (AWS default permission) and transit gateway tgw-1 with B; B accepts.
    Accepted,
    /// A shares tgw-1 with B; the invitation is pending.
    Pending,
    /// B rejected the invitation.
    Rejected,
    /// B let the 7-day transit gateway invitation expire.
    Expired,
    /// B accepted, then A removed B from the share.
    PrincipalRemoved,
    /// B accepted, then A deleted the share.
    ShareDeleted,
    /// B accepted, then A removed the transit gateway from the share.
    ResourceRemoved,
    /// A shares p-1 with B's role Builder only; B accepts.
    RoleNamed,
    /// A shares p-1 with its own role Local (no invitation).
    OwnRole,
    /// A shares p-1 with codebuild.amazonaws.com, limited to sources C and one project ARN of C.
    Service,
    /// A shares p-1 with codebuild.amazonaws.com, without sources.
    ServiceNoSources,
    /// A shares p-1 with B (accepted) using a customer managed permission with wildcards.
    Wildcards,
    /// One project per condition, each shared with B (accepted) using a customer managed
    /// permission whose template has that condition.
    Conditions,
    /// A shares p-1 with B (accepted) using CMP Evolving v1; then creates v2.
    BeforeReplace,
    /// As `BeforeReplace`, then ReplacePermissionAssociations moves the share to v2.
    AfterReplace,
    /// As `AfterReplace`, then A makes v1 the default again (shares keep v2).
    DefaultRolledBack,
    /// A shares p-1 with B (accepted), then swaps the permission with
    /// AssociateResourceSharePermission(replace=true).
    Reassociated,
    /// p-1 is in two shares: X with B (default permission), Y with C (CMP Builder).
    TwoShares,
    /// A shares a private CA with B (accepted): an AWS managed permission with a condition.
    CertificateAuthority,
    /// A shares a Cloud WAN core network (a global resource, shared from us-east-1) with B.
    Global,
    /// A's organization shares with RAM: B in OU `eng`, D in OU `platform` nested under `eng`,
    /// E under the root, C outside. A shares p-1 with the OU `eng` (`$eng`).
    OrgUnit,
    /// As `OrgUnit`, then D is moved from `platform` to the root.
    OrgMovedOut,
    /// As `OrgUnit`, then A disables trusted access for ram.amazonaws.com.
    OrgSharingDisabled,
    /// The same organization; A shares p-1 with the whole organization (`$org`).
    OrgWhole,
    /// The same organization; A shares p-1 with the organization asking to retain sharing when an
    /// account leaves (`$retained`), and p-2 with it without (`$plain`); then E leaves.
    OrgLeft,
}

/// Named values of a world (`$name` in a case).
#[derive(Debug, Default)]
struct World {
    values: HashMap<String, String>,
}

impl World {
    fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_owned(), value.into());
    }

    /// Replaces every `$name` in `text` by its value (longest names first).
    fn sub(&self, text: &str) -> String {
        let mut keys: Vec<&String> = self.values.keys().collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        let mut out = text.to_owned();
        for k in keys {
            out = out.replace(&format!("${k}"), &self.values[k]);
        }
        assert!(!out.contains('$'), "unresolved name in {text}: {out}");
        out
    }
}

fn template(actions: &[&str]) -> String {
    json!({"Effect": "Allow", "Action": actions}).to_string()
}

fn conditional(actions: &[&str], condition: &Value) -> String {
    json!({"Effect": "Allow", "Action": actions, "Condition": condition}).to_string()
}

async fn cmp(client: &Client, name: &str, policy: &str) -> String {
    client
        .create_permission()
        .name(name)
        .resource_type("codebuild:Project")
        .policy_template(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePermission {name}: {e:?}"))
        .permission
        .and_then(|p| p.arn)
        .expect("permission ARN")
}

/// Creates a share and returns its ARN; records `$<key>` (ARN) and `$<key>_name` in the world.
async fn make_share(
    w: &mut World,
    key: &str,
    client: &Client,
    resources: &[&str],
    principals: &[&str],
    permissions: &[&str],
    sources: &[&str],
) -> String {
    let name = format!("share-{key}");
    let mut call = client.create_resource_share().name(&name);
    for r in resources {
        call = call.resource_arns(w.sub(r));
    }
    for p in principals {
        call = call.principals(w.sub(p));
    }
    for p in permissions {
        call = call.permission_arns(w.sub(p));
    }
    for s in sources {
        call = call.sources(w.sub(s));
    }
    let arn = call
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateResourceShare {name}: {e:?}"))
        .resource_share
        .and_then(|s| s.resource_share_arn)
        .expect("share ARN");
    w.set(key, arn.clone());
    w.set(&format!("{key}_name"), name);
    arn
}

/// The share of `resource` with B using `permission`, accepted by B.
async fn share_with_b(h: &Harness, w: &mut World, key: &str, resource: &str, permission: &str) {
    let a = h.client(A, US);
    let permissions: Vec<&str> = if permission.is_empty() {
        Vec::new()
    } else {
        vec![permission]
    };
    let arn = make_share(w, key, &a, &[resource], &[B], &permissions, &[]).await;
    accept(&h.client(B, US), &arn).await;
}

async fn build(setup: Setup, h: &Harness) -> World {
    let a = h.client(A, US);
    let b = h.client(B, US);
    let mut w = World::default();
    w.set("project", codebuild(A, US, "1"));
    w.set("tgw", tgw(A, US, "1"));
    w.set(
        "default",
        aws_permission("AWSRAMDefaultPermissionCodeBuildProject"),
    );
    w.set(
        "tgw_default",
        aws_permission("AWSRAMDefaultPermissionTransitGateway"),
    );
    match setup {
        Setup::Accepted => {
            share_with_b(h, &mut w, "share", "$project", "").await;
            share_with_b(h, &mut w, "tgw_share", "$tgw", "").await;
        }
        Setup::Pending
        | Setup::Rejected
        | Setup::Expired
        | Setup::PrincipalRemoved
        | Setup::ShareDeleted
        | Setup::ResourceRemoved => {
            let share = make_share(&mut w, "share", &a, &["$tgw"], &[B], &[], &[]).await;
            match setup {
                Setup::Rejected => {
                    let invitation = invitation_for(&b, &share).await;
                    b.reject_resource_share_invitation()
                        .resource_share_invitation_arn(
                            invitation.resource_share_invitation_arn().unwrap(),
                        )
                        .send()
                        .await
                        .expect("RejectResourceShareInvitation");
                }
                Setup::Expired => h.advance(7 * DAY_MS + HOUR_MS),
                Setup::PrincipalRemoved => {
                    accept(&b, &share).await;
                    a.disassociate_resource_share()
                        .resource_share_arn(&share)
                        .principals(B)
                        .send()
                        .await
                        .expect("DisassociateResourceShare");
                }
                Setup::ShareDeleted => {
                    accept(&b, &share).await;
                    a.delete_resource_share()
                        .resource_share_arn(&share)
                        .send()
                        .await
                        .expect("DeleteResourceShare");
                }
                Setup::ResourceRemoved => {
                    accept(&b, &share).await;
                    a.disassociate_resource_share()
                        .resource_share_arn(&share)
                        .resource_arns(w.sub("$tgw"))
                        .send()
                        .await
                        .expect("DisassociateResourceShare");
                }
                _ => {}
            }
        }
        Setup::RoleNamed => {
            w.set("builder", format!("arn:aws:iam::{B}:role/Builder"));
            let share =
                make_share(&mut w, "share", &a, &["$project"], &["$builder"], &[], &[]).await;
            accept(&b, &share).await;
        }
        Setup::OwnRole => {
            w.set("local", format!("arn:aws:iam::{A}:role/Local"));
            make_share(&mut w, "share", &a, &["$project"], &["$local"], &[], &[]).await;
        }
        Setup::Service | Setup::ServiceNoSources => {
            w.set(
                "source_arn",
                format!("arn:aws:codebuild:{US}:{C}:project/src"),
            );
            let sources: &[&str] = if setup == Setup::Service {
                &[C, "$source_arn"]
            } else {
                &[]
            };
            make_share(
                &mut w,
                "share",
                &a,
                &["$project"],
                &["codebuild.amazonaws.com"],
                &[],
                sources,
            )
            .await;
        }
        Setup::Wildcards => {
            let wild = cmp(
                &a,
                "Wild",
                &template(&["codebuild:BatchGet*", "codebuild:List?uildsForProject"]),
            )
            .await;
            w.set("wild", wild);
            share_with_b(h, &mut w, "share", "$project", "$wild").await;
        }
        Setup::Conditions => build_conditions(h, &mut w).await,
        Setup::BeforeReplace | Setup::AfterReplace | Setup::DefaultRolledBack => {
            let evolving = cmp(&a, "Evolving", &template(&["codebuild:BatchGetProjects"])).await;
            w.set("evolving", evolving.clone());
            share_with_b(h, &mut w, "share", "$project", "$evolving").await;
            a.create_permission_version()
                .permission_arn(&evolving)
                .policy_template(template(&[
                    "codebuild:StartBuild",
                    "codebuild:BatchGetBuilds",
                ]))
                .send()
                .await
                .expect("CreatePermissionVersion");
            if setup != Setup::BeforeReplace {
                a.replace_permission_associations()
                    .from_permission_arn(&evolving)
                    .to_permission_arn(&evolving)
                    .send()
                    .await
                    .expect("ReplacePermissionAssociations");
                h.advance(SECOND_MS);
            }
            if setup == Setup::DefaultRolledBack {
                a.set_default_permission_version()
                    .permission_arn(&evolving)
                    .permission_version(1)
                    .send()
                    .await
                    .expect("SetDefaultPermissionVersion");
            }
        }
        Setup::Reassociated => {
            share_with_b(h, &mut w, "share", "$project", "").await;
            let builder = cmp(&a, "Builder", &template(&["codebuild:StartBuild"])).await;
            w.set("builder_perm", builder.clone());
            a.associate_resource_share_permission()
                .resource_share_arn(w.sub("$share"))
                .permission_arn(&builder)
                .replace(true)
                .send()
                .await
                .expect("AssociateResourceSharePermission");
        }
        Setup::TwoShares => {
            share_with_b(h, &mut w, "x", "$project", "").await;
            let builder = cmp(&a, "Builder", &template(&["codebuild:StartBuild"])).await;
            w.set("builder_perm", builder);
            let y = make_share(
                &mut w,
                "y",
                &a,
                &["$project"],
                &[C],
                &["$builder_perm"],
                &[],
            )
            .await;
            accept(&h.client(C, US), &y).await;
        }
        Setup::CertificateAuthority => {
            w.set(
                "ca",
                format!("arn:aws:acm-pca:{US}:{A}:certificate-authority/ca-1"),
            );
            w.set(
                "ca_default",
                aws_permission("AWSRAMDefaultPermissionCertificateAuthority"),
            );
            share_with_b(h, &mut w, "share", "$ca", "").await;
        }
        Setup::Global => {
            w.set(
                "core",
                format!("arn:aws:networkmanager::{A}:core-network/core-network-1"),
            );
            w.set(
                "core_default",
                aws_permission("AWSRAMDefaultPermissionsNetworkManagerCoreNetwork"),
            );
            share_with_b(h, &mut w, "share", "$core", "").await;
        }
        Setup::OrgUnit
        | Setup::OrgMovedOut
        | Setup::OrgSharingDisabled
        | Setup::OrgWhole
        | Setup::OrgLeft => build_organization(setup, h, &mut w).await,
    }
    w
}

/// Accounts of the organization worlds besides A, B and C.
const D: &str = "444444444444";
const E: &str = "555555555555";

/// One Organizations call that must succeed; its answer.
async fn org_call(h: &Harness, account: &str, operation: &str, body: &Value) -> Value {
    let reply = h.organizations(account, operation, body).await;
    assert_eq!(reply.status, 200, "{operation} as {account}: {reply:?}");
    reply.body
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("a string: {v}"))
        .to_owned()
}

async fn build_organization(setup: Setup, h: &Harness, w: &mut World) {
    let a = h.client(A, US);
    let org = org_call(h, A, "CreateOrganization", &json!({"FeatureSet": "ALL"})).await;
    let root = text(&org_call(h, A, "ListRoots", &json!({})).await["Roots"][0]["Id"]);
    let eng = org_call(
        h,
        A,
        "CreateOrganizationalUnit",
        &json!({"ParentId": root, "Name": "eng"}),
    )
    .await["OrganizationalUnit"]
        .clone();
    let platform = org_call(
        h,
        A,
        "CreateOrganizationalUnit",
        &json!({"ParentId": eng["Id"], "Name": "platform"}),
    )
    .await["OrganizationalUnit"]
        .clone();
    for (account, parent) in [(B, &eng["Id"]), (D, &platform["Id"]), (E, &json!(root))] {
        let invited = org_call(
            h,
            A,
            "InviteAccountToOrganization",
            &json!({"Target": {"Type": "ACCOUNT", "Id": account}}),
        )
        .await;
        org_call(
            h,
            account,
            "AcceptHandshake",
            &json!({"HandshakeId": invited["Handshake"]["Id"]}),
        )
        .await;
        if parent.as_str() != Some(root.as_str()) {
            org_call(
                h,
                A,
                "MoveAccount",
                &json!({"AccountId": account, "SourceParentId": root, "DestinationParentId": parent}),
            )
            .await;
        }
    }
    a.enable_sharing_with_aws_organization()
        .send()
        .await
        .expect("EnableSharingWithAwsOrganization");
    w.set("org", text(&org["Organization"]["Arn"]));
    w.set("eng", text(&eng["Arn"]));
    w.set("project2", codebuild(A, US, "2"));
    match setup {
        Setup::OrgWhole => {
            make_share(w, "share", &a, &["$project"], &["$org"], &[], &[]).await;
        }
        Setup::OrgLeft => {
            let retained = a
                .create_resource_share()
                .name("share-retained")
                .resource_arns(w.sub("$project"))
                .principals(w.sub("$org"))
                .resource_share_configuration(
                    aws_sdk_ram::types::ResourceShareConfiguration::builder()
                        .retain_sharing_on_account_leave_organization(true)
                        .build(),
                )
                .send()
                .await
                .expect("CreateResourceShare retained")
                .resource_share
                .and_then(|s| s.resource_share_arn)
                .expect("share ARN");
            w.set("retained", retained);
            w.set("retained_name", "share-retained");
            make_share(w, "plain", &a, &["$project2"], &["$org"], &[], &[]).await;
            org_call(h, E, "LeaveOrganization", &json!({})).await;
        }
        _ => {
            make_share(w, "share", &a, &["$project"], &["$eng"], &[], &[]).await;
        }
    }
    match setup {
        Setup::OrgMovedOut => {
            org_call(
                h,
                A,
                "MoveAccount",
                &json!({"AccountId": D, "SourceParentId": platform["Id"], "DestinationParentId": root}),
            )
            .await;
        }
        Setup::OrgSharingDisabled => {
            org_call(
                h,
                A,
                "DisableAWSServiceAccess",
                &json!({"ServicePrincipal": "ram.amazonaws.com"}),
            )
            .await;
        }
        _ => {}
    }
}

/// One project per condition (`$p_<k>`), with its permission (`$perm_<k>`) and share
/// (`$share_<k>`).
async fn build_conditions(h: &Harness, w: &mut World) {
    let a = h.client(A, US);
    let start = ["codebuild:StartBuild"];
    let conditions = [
        (
            "eq",
            json!({"StringEquals": {"aws:RequestTag/env": "prod"}}),
        ),
        (
            "like",
            json!({"StringLike": {"aws:RequestTag/team": "data-*"}}),
        ),
        ("bool", json!({"Bool": {"aws:SecureTransport": "true"}})),
        (
            "num",
            json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
        ),
        (
            "date",
            json!({"DateGreaterThan": {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}}),
        ),
        (
            "ifexists",
            json!({"StringEqualsIfExists": {"aws:RequestTag/stage": "beta"}}),
        ),
        ("null", json!({"Null": {"aws:RequestTag/owner": "false"}})),
        (
            "both",
            json!({"StringEquals": {"aws:RequestTag/env": "prod"},
                   "Bool": {"aws:SecureTransport": "true"}}),
        ),
    ];
    for (i, (k, condition)) in conditions.iter().enumerate() {
        let project = codebuild(A, US, &format!("cond-{i}"));
        w.set(&format!("p_{k}"), project);
        let perm = cmp(&a, &format!("Cond-{k}"), &conditional(&start, condition)).await;
        w.set(&format!("perm_{k}"), perm);
        share_with_b(
            h,
            w,
            &format!("share_{k}"),
            &format!("$p_{k}"),
            &format!("$perm_{k}"),
        )
        .await;
    }
}

// ---------------------------------------------------------------------------------------------
// Cases

#[derive(Debug, Clone)]
enum Expect {
    /// ALLOW through this share (`$key`), permission, version, by this associated principal.
    Allow {
        share: &'static str,
        permission: &'static str,
        version: &'static str,
        associated: &'static str,
    },
    /// DENY; every fragment appears in some reason.
    Deny(Vec<&'static str>),
    /// The request is refused: HTTP status and error code.
    Error(u16, &'static str),
}

#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    setup: Setup,
    /// The account asking, and the Region it asks in.
    caller: &'static str,
    region: &'static str,
    principal: &'static str,
    action: &'static str,
    resource: &'static str,
    context: Option<Value>,
    expect: Expect,
}

/// A case asked by the resource owner A in us-east-1 with no context; expects a DENY with no
/// particular reason until told otherwise.
fn ask(
    name: &'static str,
    setup: Setup,
    principal: &'static str,
    action: &'static str,
    resource: &'static str,
) -> Case {
    Case {
        name,
        setup,
        caller: A,
        region: US,
        principal,
        action,
        resource,
        context: None,
        expect: Expect::Deny(Vec::new()),
    }
}

impl Case {
    fn by(mut self, caller: &'static str) -> Case {
        self.caller = caller;
        self
    }

    fn in_region(mut self, region: &'static str) -> Case {
        self.region = region;
        self
    }

    fn ctx(mut self, context: Value) -> Case {
        self.context = Some(context);
        self
    }

    fn allow(
        mut self,
        share: &'static str,
        permission: &'static str,
        version: &'static str,
        associated: &'static str,
    ) -> Case {
        self.expect = Expect::Allow {
            share,
            permission,
            version,
            associated,
        };
        self
    }

    fn deny(mut self, reasons: &[&'static str]) -> Case {
        self.expect = Expect::Deny(reasons.to_vec());
        self
    }

    fn error(mut self, status: u16, code: &'static str) -> Case {
        self.expect = Expect::Error(status, code);
        self
    }
}

const ROLE_B: &str = "arn:aws:iam::222222222222:role/Dev";
const USER_B: &str = "arn:aws:iam::222222222222:user/dev";
const ROLE_C: &str = "arn:aws:iam::333333333333:role/Dev";
const GET: &str = "codebuild:BatchGetProjects";
const START: &str = "codebuild:StartBuild";
const ATTACH: &str = "ec2:CreateTransitGatewayVpcAttachment";
const NOT_NAMED_B: &str = "does not name 222222222222 in status ASSOCIATED";
const NO_HOLDER: &str = "No resource share in us-east-1 holds";

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    use Setup::*;
    let p = "$project";
    vec![
        // --- Accounts, their IAM principals, and who may ask.
        ask("account principal after acceptance", Accepted, B, GET, p)
            .allow("share", "$default", "1", B),
        ask("the principal's own account may ask", Accepted, B, GET, p)
            .by(B)
            .allow("share", "$default", "1", B),
        ask("an IAM role of a named account", Accepted, ROLE_B, GET, p)
            .allow("share", "$default", "1", B),
        ask("an IAM user of a named account", Accepted, USER_B, "codebuild:ListBuildsForProject", p)
            .allow("share", "$default", "1", B),
        ask("the role's account asks about its role", Accepted, ROLE_B, GET, p)
            .by(B)
            .allow("share", "$default", "1", B),
        ask("actions are case-insensitive", Accepted, B, "CODEBUILD:batchgetprojects", p)
            .allow("share", "$default", "1", B),
        ask("another resource type's share", Accepted, B, ATTACH, "$tgw")
            .allow("tgw_share", "$tgw_default", "1", B),
        ask("an action the permission does not list", Accepted, B, "codebuild:DeleteProject", p)
            .deny(&["$share: ", "version 1 of $default does not allow codebuild:DeleteProject"]),
        ask("an action of another service", Accepted, B, "ec2:DescribeSubnets", p)
            .deny(&["version 1 of $default does not allow ec2:DescribeSubnets"]),
        ask("a prefix of a listed action", Accepted, B, "codebuild:BatchGet", p)
            .deny(&["does not allow codebuild:BatchGet"]),
        ask("an account the share does not name", Accepted, C, GET, p)
            .deny(&["$share: ", "does not name 333333333333 in status ASSOCIATED"]),
        ask("a role of an account the share does not name", Accepted, ROLE_C, GET, p)
            .deny(&["does not name arn:aws:iam::333333333333:role/Dev"]),
        ask("a stranger may ask about its own principals", Accepted, C, GET, p)
            .by(C)
            // The owner's shares are not the stranger's to see: none is named.
            .deny(&["No resource share in us-east-1 shared with 333333333333 grants"]),
        ask("a stranger asking about someone else's principal", Accepted, B, GET, p)
            .by(C)
            .error(403, "AccessDeniedException"),
        ask("the principal's account asking about a third account", Accepted, ROLE_C, GET, p)
            .by(B)
            .error(403, "AccessDeniedException"),
        ask("a service principal on a resource the caller does not own", Accepted, "codebuild.amazonaws.com", GET, p)
            .by(B)
            .error(403, "AccessDeniedException"),
        ask("a service principal the share does not name", Accepted, "codebuild.amazonaws.com", GET, p)
            .deny(&["does not name codebuild.amazonaws.com"]),
        ask("asked in the wrong Region", Accepted, B, GET, p)
            .in_region(EU)
            .deny(&["No resource share in eu-west-1 holds $project"]),
        ask("the same resource id in another Region", Accepted, B, GET,
            "arn:aws:codebuild:eu-west-1:111111111111:project/p-1")
            .deny(&[NO_HOLDER]),
        ask("an unknown resource", Accepted, B, GET,
            "arn:aws:codebuild:us-east-1:111111111111:project/p-404")
            .deny(&["No resource share in us-east-1 holds arn:aws:codebuild:us-east-1:111111111111:project/p-404"]),
        // --- Malformed questions.
        ask("a principal that is no principal", Accepted, "not-a-principal", GET, p)
            .error(400, "InvalidParameterException"),
        ask("an IAM ARN that is neither role nor user", Accepted, "arn:aws:iam::222222222222:group/devs", GET, p)
            .error(400, "InvalidParameterException"),
        ask("an action without a service", Accepted, B, "BatchGetProjects", p)
            .error(400, "InvalidParameterException"),
        ask("an action with a space", Accepted, B, "codebuild: BatchGetProjects", p)
            .error(400, "InvalidParameterException"),
        ask("an action with two colons", Accepted, B, "codebuild:Batch:Get", p)
            .error(400, "InvalidParameterException"),
        ask("an empty action name", Accepted, B, "codebuild:", p)
            .error(400, "InvalidParameterException"),
        ask("a resource that is no ARN", Accepted, B, GET, "project/p-1")
            .error(400, "MalformedArnException"),
        ask("a context that is not an object", Accepted, B, GET, p)
            .ctx(json!("aws:RequestTag/env=prod"))
            .error(400, "InvalidParameterException"),
        ask("a context value that is an object", Accepted, B, GET, p)
            .ctx(json!({"aws:RequestTag/env": {"value": "prod"}}))
            .error(400, "InvalidParameterException"),
        ask("a context value that is null", Accepted, B, GET, p)
            .ctx(json!({"aws:RequestTag/env": null}))
            .error(400, "InvalidParameterException"),
        // --- The principal association's life.
        ask("before acceptance", Pending, B, ATTACH, "$tgw")
            .deny(&["$share: ", NOT_NAMED_B]),
        ask("a role of the account before acceptance", Pending, ROLE_B, ATTACH, "$tgw")
            .deny(&["does not name arn:aws:iam::222222222222:role/Dev"]),
        ask("after rejection", Rejected, B, ATTACH, "$tgw").deny(&["$share: ", NOT_NAMED_B]),
        ask("after the invitation expired", Expired, B, ATTACH, "$tgw")
            .deny(&["$share: ", NOT_NAMED_B]),
        ask("after the principal was disassociated", PrincipalRemoved, B, ATTACH, "$tgw")
            .deny(&["$share: ", NOT_NAMED_B]),
        ask("after the share was deleted", ShareDeleted, B, ATTACH, "$tgw")
            .deny(&["No resource share in us-east-1 holds $tgw in status ASSOCIATED"]),
        ask("after the resource was disassociated", ResourceRemoved, B, ATTACH, "$tgw")
            .deny(&["No resource share in us-east-1 holds $tgw"]),
        // --- IAM principals named directly.
        ask("the named role", RoleNamed, "$builder", GET, p)
            .allow("share", "$default", "1", "$builder"),
        ask("the named role's account asks", RoleNamed, "$builder", GET, p)
            .by(B)
            .allow("share", "$default", "1", "$builder"),
        ask("another role of the same account", RoleNamed, "arn:aws:iam::222222222222:role/Other", GET, p)
            .deny(&["does not name arn:aws:iam::222222222222:role/Other"]),
        ask("the account of the named role", RoleNamed, B, GET, p).deny(&[NOT_NAMED_B]),
        ask("a user of the named role's account", RoleNamed, USER_B, GET, p)
            .deny(&["does not name arn:aws:iam::222222222222:user/dev"]),
        ask("a role of the owner's own account", OwnRole, "$local", GET, p)
            .allow("share", "$default", "1", "$local"),
        ask("another role of the owner's account", OwnRole, "arn:aws:iam::111111111111:role/Other", GET, p)
            .deny(&["does not name arn:aws:iam::111111111111:role/Other"]),
        // --- Service principals and sources.
        ask("a service principal from a source account", Service, "codebuild.amazonaws.com", GET, p)
            .ctx(json!({"aws:SourceAccount": C}))
            .allow("share", "$default", "1", "codebuild.amazonaws.com"),
        ask("a service principal from a source ARN", Service, "codebuild.amazonaws.com", GET, p)
            .ctx(json!({"aws:SourceArn": "arn:aws:codebuild:us-east-1:333333333333:project/src"}))
            .allow("share", "$default", "1", "codebuild.amazonaws.com"),
        ask("a service principal from another account", Service, "codebuild.amazonaws.com", GET, p)
            .ctx(json!({"aws:SourceAccount": B}))
            .deny(&["$share: ", "match none of the share's sources"]),
        ask("a service principal from another ARN", Service, "codebuild.amazonaws.com", GET, p)
            .ctx(json!({"aws:SourceArn": "arn:aws:codebuild:us-east-1:333333333333:project/other"}))
            .deny(&["match none of the share's sources"]),
        ask("a service principal with no source in the context", Service, "codebuild.amazonaws.com", GET, p)
            .deny(&["match none of the share's sources"]),
        ask("a service principal from a source, action not listed", Service, "codebuild.amazonaws.com", START, p)
            .ctx(json!({"aws:SourceAccount": C}))
            .deny(&["version 1 of $default does not allow codebuild:StartBuild"]),
        ask("another service principal", Service, "ec2.amazonaws.com", GET, p)
            .ctx(json!({"aws:SourceAccount": C}))
            .deny(&["does not name ec2.amazonaws.com"]),
        ask("a service principal of a share without sources", ServiceNoSources, "codebuild.amazonaws.com", GET, p)
            .allow("share", "$default", "1", "codebuild.amazonaws.com"),
        // --- Action wildcards in a customer managed permission.
        ask("a * wildcard", Wildcards, B, GET, p).allow("share", "$wild", "1", B),
        ask("a * wildcard, another action", Wildcards, B, "codebuild:BatchGetBuilds", p)
            .allow("share", "$wild", "1", B),
        ask("a * wildcard, any case", Wildcards, B, "codebuild:batchgetreports", p)
            .allow("share", "$wild", "1", B),
        ask("a ? wildcard", Wildcards, B, "codebuild:ListBuildsForProject", p)
            .allow("share", "$wild", "1", B),
        ask("a ? wildcard matches any one character", Wildcards, B, "codebuild:ListXuildsForProject", p)
            .allow("share", "$wild", "1", B),
        ask("a ? wildcard needs one character", Wildcards, B, "codebuild:ListuildsForProject", p)
            .deny(&["version 1 of $wild does not allow codebuild:ListuildsForProject"]),
        ask("an action no pattern matches", Wildcards, B, START, p)
            .deny(&["$share: version 1 of $wild does not allow codebuild:StartBuild"]),
        // --- Conditions in a customer managed permission.
        ask("StringEquals holds", Conditions, B, START, "$p_eq")
            .ctx(json!({"aws:RequestTag/env": "prod"}))
            .allow("share_eq", "$perm_eq", "1", B),
        ask("StringEquals fails", Conditions, B, START, "$p_eq")
            .ctx(json!({"aws:RequestTag/env": "dev"}))
            .deny(&["$share_eq: version 1 of $perm_eq allows codebuild:StartBuild only when its condition StringEquals on aws:RequestTag/env holds"]),
        ask("StringEquals with the key absent", Conditions, B, START, "$p_eq")
            .deny(&["condition StringEquals on aws:RequestTag/env"]),
        ask("condition keys are case-insensitive", Conditions, B, START, "$p_eq")
            .ctx(json!({"AWS:REQUESTTAG/ENV": "prod"}))
            .allow("share_eq", "$perm_eq", "1", B),
        ask("StringEquals values are case-sensitive", Conditions, B, START, "$p_eq")
            .ctx(json!({"aws:RequestTag/env": "Prod"}))
            .deny(&["condition StringEquals on aws:RequestTag/env"]),
        ask("StringEquals with one of several values", Conditions, B, START, "$p_eq")
            .ctx(json!({"aws:RequestTag/env": ["dev", "prod"]}))
            .allow("share_eq", "$perm_eq", "1", B),
        ask("the action is checked before the condition", Conditions, B, GET, "$p_eq")
            .ctx(json!({"aws:RequestTag/env": "prod"}))
            .deny(&["version 1 of $perm_eq does not allow codebuild:BatchGetProjects"]),
        ask("StringLike holds", Conditions, B, START, "$p_like")
            .ctx(json!({"aws:RequestTag/team": "data-eng"}))
            .allow("share_like", "$perm_like", "1", B),
        ask("StringLike fails", Conditions, B, START, "$p_like")
            .ctx(json!({"aws:RequestTag/team": "ml-eng"}))
            .deny(&["condition StringLike on aws:RequestTag/team"]),
        ask("Bool holds", Conditions, B, START, "$p_bool")
            .ctx(json!({"aws:SecureTransport": true}))
            .allow("share_bool", "$perm_bool", "1", B),
        ask("Bool holds with a string value", Conditions, B, START, "$p_bool")
            .ctx(json!({"aws:SecureTransport": "true"}))
            .allow("share_bool", "$perm_bool", "1", B),
        ask("Bool fails", Conditions, B, START, "$p_bool")
            .ctx(json!({"aws:SecureTransport": false}))
            .deny(&["condition Bool on aws:SecureTransport"]),
        ask("NumericLessThan holds", Conditions, B, START, "$p_num")
            .ctx(json!({"aws:MultiFactorAuthAge": 60}))
            .allow("share_num", "$perm_num", "1", B),
        ask("NumericLessThan fails", Conditions, B, START, "$p_num")
            .ctx(json!({"aws:MultiFactorAuthAge": 7200}))
            .deny(&["condition NumericLessThan on aws:MultiFactorAuthAge"]),
        ask("NumericLessThan is strict", Conditions, B, START, "$p_num")
            .ctx(json!({"aws:MultiFactorAuthAge": "3600"}))
            .deny(&["condition NumericLessThan on aws:MultiFactorAuthAge"]),
        ask("NumericLessThan with a value that is no number", Conditions, B, START, "$p_num")
            .ctx(json!({"aws:MultiFactorAuthAge": "soon"}))
            .deny(&["condition NumericLessThan on aws:MultiFactorAuthAge"]),
        ask("DateGreaterThan holds", Conditions, B, START, "$p_date")
            .ctx(json!({"aws:TokenIssueTime": "2025-06-01T00:00:00Z"}))
            .allow("share_date", "$perm_date", "1", B),
        ask("DateGreaterThan fails", Conditions, B, START, "$p_date")
            .ctx(json!({"aws:TokenIssueTime": "2023-06-01T00:00:00Z"}))
            .deny(&["condition DateGreaterThan on aws:TokenIssueTime"]),
        ask("IfExists with the key absent", Conditions, B, START, "$p_ifexists")
            .allow("share_ifexists", "$perm_ifexists", "1", B),
        ask("IfExists with a matching value", Conditions, B, START, "$p_ifexists")
            .ctx(json!({"aws:RequestTag/stage": "beta"}))
            .allow("share_ifexists", "$perm_ifexists", "1", B),
        ask("IfExists with another value", Conditions, B, START, "$p_ifexists")
            .ctx(json!({"aws:RequestTag/stage": "prod"}))
            .deny(&["condition StringEqualsIfExists on aws:RequestTag/stage"]),
        ask("Null false with the key present", Conditions, B, START, "$p_null")
            .ctx(json!({"aws:RequestTag/owner": "alice"}))
            .allow("share_null", "$perm_null", "1", B),
        ask("Null false with the key absent", Conditions, B, START, "$p_null")
            .deny(&["condition Null on aws:RequestTag/owner"]),
        ask("two conditions, both hold", Conditions, B, START, "$p_both")
            .ctx(json!({"aws:RequestTag/env": "prod", "aws:SecureTransport": true}))
            .allow("share_both", "$perm_both", "1", B),
        ask("two conditions, the second fails", Conditions, B, START, "$p_both")
            .ctx(json!({"aws:RequestTag/env": "prod", "aws:SecureTransport": false}))
            .deny(&["condition Bool on aws:SecureTransport"]),
        ask("a role of the named account meets the condition", Conditions, ROLE_B, START, "$p_eq")
            .ctx(json!({"aws:RequestTag/env": "prod"}))
            .allow("share_eq", "$perm_eq", "1", B),
        // --- Permission versions.
        ask("before replacing, the share keeps version 1", BeforeReplace, B, GET, p)
            .allow("share", "$evolving", "1", B),
        ask("before replacing, version 2's action is not granted", BeforeReplace, B, START, p)
            .deny(&["version 1 of $evolving does not allow codebuild:StartBuild"]),
        ask("after replacing, version 2's action is granted", AfterReplace, B, START, p)
            .allow("share", "$evolving", "2", B),
        ask("after replacing, version 1's action is gone", AfterReplace, B, GET, p)
            .deny(&["version 2 of $evolving does not allow codebuild:BatchGetProjects"]),
        ask("a new default version does not move shares", DefaultRolledBack, B, START, p)
            .allow("share", "$evolving", "2", B),
        ask("a new default version does not move shares back", DefaultRolledBack, B, GET, p)
            .deny(&["version 2 of $evolving does not allow"]),
        ask("after AssociateResourceSharePermission(replace)", Reassociated, B, START, p)
            .allow("share", "$builder_perm", "1", B),
        ask("the replaced permission no longer applies", Reassociated, B, GET, p)
            .deny(&["version 1 of $builder_perm does not allow codebuild:BatchGetProjects"]),
        // --- A resource in two shares.
        ask("the second share grants", TwoShares, C, START, p)
            .allow("y", "$builder_perm", "1", C),
        ask("the first share grants", TwoShares, B, GET, p).allow("x", "$default", "1", B),
        ask("neither share grants: a reason for each", TwoShares, B, START, p).deny(&[
            "$x: version 1 of $default does not allow codebuild:StartBuild",
            "$y: the resource share does not name 222222222222",
        ]),
        ask("neither share grants, the other way round", TwoShares, C, GET, p).deny(&[
            "$x: the resource share does not name 333333333333",
            "$y: version 1 of $builder_perm does not allow codebuild:BatchGetProjects",
        ]),
        // --- An AWS managed permission with a condition.
        ask("a CA with the template its permission allows", CertificateAuthority, B, "acm-pca:IssueCertificate", "$ca")
            .ctx(json!({"acm-pca:TemplateArn": "arn:aws:acm-pca:::template/EndEntityCertificate/V1"}))
            .allow("share", "$ca_default", "1", B),
        ask("a CA with the template key absent", CertificateAuthority, B, "acm-pca:IssueCertificate", "$ca")
            .allow("share", "$ca_default", "1", B),
        ask("a CA with another template", CertificateAuthority, B, "acm-pca:IssueCertificate", "$ca")
            .ctx(json!({"acm-pca:TemplateArn": "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"}))
            .deny(&["condition StringEqualsIfExists on acm-pca:TemplateArn"]),
        // --- A global resource.
        ask("a global resource from us-east-1", Global, B, "networkmanager:GetCoreNetwork", "$core")
            .allow("share", "$core_default", "1", B),
        ask("a global resource, action not listed", Global, B, "networkmanager:DeleteCoreNetwork", "$core")
            .deny(&["version 1 of $core_default does not allow networkmanager:DeleteCoreNetwork"]),
        // --- Organizations: OU and organization principals, membership read at request time.
        ask("a member of the shared OU", OrgUnit, B, GET, p)
            .allow("share", "$default", "1", "$eng"),
        ask("an IAM role of a member of the shared OU", OrgUnit, ROLE_B, GET, p)
            .allow("share", "$default", "1", "$eng"),
        ask("an IAM user of a member of the shared OU", OrgUnit, USER_B, GET, p)
            .allow("share", "$default", "1", "$eng"),
        ask("a member of an OU nested in the shared OU", OrgUnit, D, GET, p)
            .allow("share", "$default", "1", "$eng"),
        ask("the OU member asks about itself", OrgUnit, D, GET, p)
            .by(D)
            .allow("share", "$default", "1", "$eng"),
        ask("a member of the organization outside the shared OU", OrgUnit, E, GET, p)
            .deny(&["$share: ", "does not name 555555555555 in status ASSOCIATED"]),
        ask("an account outside the organization and the OU", OrgUnit, C, GET, p)
            .deny(&["$share: ", "does not name 333333333333 in status ASSOCIATED"]),
        ask("a role of an account outside the organization", OrgUnit, ROLE_C, GET, p)
            .deny(&["does not name arn:aws:iam::333333333333:role/Dev"]),
        ask("an OU member, an action the permission does not list", OrgUnit, B, START, p)
            .deny(&["version 1 of $default does not allow codebuild:StartBuild"]),
        ask("an OU principal is not a principal to ask about", OrgUnit, "$eng", GET, p)
            .error(400, "InvalidParameterException"),
        ask("after MoveAccount out of the shared OU", OrgMovedOut, D, GET, p)
            .deny(&["$share: ", "does not name 444444444444 in status ASSOCIATED"]),
        ask("the moved account asks about itself", OrgMovedOut, D, GET, p)
            .by(D)
            .deny(&["No resource share in us-east-1 shared with 444444444444 grants"]),
        ask("a member that stayed in the OU after another moved", OrgMovedOut, B, GET, p)
            .allow("share", "$default", "1", "$eng"),
        ask("an OU member after sharing with RAM is disabled", OrgSharingDisabled, B, GET, p)
            .deny(&["$share: ", NOT_NAMED_B]),
        ask("a nested OU member after sharing with RAM is disabled", OrgSharingDisabled, D, GET, p)
            .deny(&["does not name 444444444444"]),
        ask("an OU member's role after sharing with RAM is disabled", OrgSharingDisabled, ROLE_B, GET, p)
            .deny(&["does not name arn:aws:iam::222222222222:role/Dev"]),
        ask("a member under the root, the whole organization shared", OrgWhole, E, GET, p)
            .allow("share", "$default", "1", "$org"),
        ask("a member deep in the OUs, the whole organization shared", OrgWhole, D, GET, p)
            .allow("share", "$default", "1", "$org"),
        ask("the owner's own role, the whole organization shared", OrgWhole,
            "arn:aws:iam::111111111111:role/Local", GET, p)
            .allow("share", "$default", "1", "$org"),
        ask("an outsider, the whole organization shared", OrgWhole, C, GET, p)
            .deny(&["$share: ", "does not name 333333333333 in status ASSOCIATED"]),
        ask("a member that left, sharing retained", OrgLeft, E, GET, p)
            .allow("retained", "$default", "1", E),
        ask("a member that left, sharing not retained", OrgLeft, E, GET, "$project2")
            .deny(&["$plain: ", "does not name 555555555555 in status ASSOCIATED"]),
        ask("a member that stayed, through the organization", OrgLeft, B, GET, "$project2")
            .allow("plain", "$default", "1", "$org"),
    ]
}

// ---------------------------------------------------------------------------------------------
// The runner

/// The template of one version of a permission, as GetPermission shows it to the owner A.
async fn template_of(h: &Harness, permission: &str, version: &str) -> Value {
    let text = h
        .client(A, US)
        .get_permission()
        .permission_arn(permission)
        .permission_version(version.parse().expect("a version number"))
        .send()
        .await
        .expect("GetPermission")
        .permission
        .and_then(|p| p.permission)
        .expect("a template");
    serde_json::from_str(&text).expect("the template is JSON")
}

/// Checks one answer against its case; the error says what differs.
async fn verify(case: &Case, h: &Harness, w: &World, reply: &JsonReply) -> Result<(), String> {
    let body = &reply.body;
    match &case.expect {
        Expect::Error(status, code) => {
            if reply.status != *status || reply.error_type.as_deref() != Some(code) {
                return Err(format!("expected {status} {code}"));
            }
            if body["message"].as_str().unwrap_or_default().is_empty() {
                return Err("an error without a message".into());
            }
        }
        Expect::Allow {
            share,
            permission,
            version,
            associated,
        } => {
            if reply.status != 200 || body["decision"] != "ALLOW" {
                return Err("expected ALLOW".into());
            }
            if body.get("reasons").is_some() {
                return Err("an ALLOW with reasons".into());
            }
            let grant = &body["grant"];
            let permission = w.sub(permission);
            let want = [
                ("resourceShareArn", w.sub(&format!("${share}"))),
                ("resourceShareName", w.sub(&format!("${share}_name"))),
                ("associatedPrincipal", w.sub(associated)),
                ("associationStatus", "ASSOCIATED".to_owned()),
                ("permissionArn", permission.clone()),
                ("permissionVersion", (*version).to_owned()),
            ];
            for (field, value) in want {
                if grant[field] != value.as_str() {
                    return Err(format!("grant.{field} should be {value}"));
                }
            }
            let statement = template_of(h, &permission, version).await;
            if grant["statement"] != statement {
                return Err(format!("grant.statement should be {statement}"));
            }
        }
        Expect::Deny(fragments) => {
            if reply.status != 200 || body["decision"] != "DENY" {
                return Err("expected DENY".into());
            }
            if body.get("grant").is_some() {
                return Err("a DENY with a grant".into());
            }
            let reasons: Vec<&str> = body["reasons"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if reasons.is_empty() {
                return Err("a DENY without reasons".into());
            }
            for fragment in fragments {
                let fragment = w.sub(fragment);
                if !reasons.iter().any(|r| r.contains(&fragment)) {
                    return Err(format!("no reason contains {fragment:?}"));
                }
            }
        }
    }
    Ok(())
}

async fn run(cases: &[Case]) {
    let mut worlds: HashMap<Setup, (Harness, World)> = HashMap::new();
    let mut failures = Vec::new();
    for case in cases {
        if let Entry::Vacant(slot) = worlds.entry(case.setup) {
            let h = trust().await;
            let w = build(case.setup, &h).await;
            slot.insert((h, w));
        }
        let (h, w) = &worlds[&case.setup];
        let mut question = json!({
            "principal": w.sub(case.principal),
            "action": case.action,
            "resourceArn": w.sub(case.resource),
        });
        if let Some(context) = &case.context {
            question["context"] = context.clone();
        }
        let reply = h
            .post_json(case.caller, case.region, "/checkaccess", &question)
            .await;
        if let Err(why) = verify(case, h, w, &reply).await {
            failures.push(format!(
                "- {} ({:?}): {why}\n    asked {question} as {} in {}\n    answer {} {:?} {}",
                case.name,
                case.setup,
                case.caller,
                case.region,
                reply.status,
                reply.error_type,
                reply.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn access_decisions_table() {
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    run(&cases).await;
}

// ---------------------------------------------------------------------------------------------
// Beyond the table

#[tokio::test]
async fn a_question_that_is_not_json_is_a_serialization_error() {
    let h = trust().await;
    h.post_text(A, US, "/checkaccess", "{\"principal\":")
        .await
        .expect_error(400, "SerializationException");
    // Missing members.
    h.post_json(
        A,
        US,
        "/checkaccess",
        &json!({"principal": B, "resourceArn": codebuild(A, US, "1")}),
    )
    .await
    .expect_error(400, "SerializationException");
}

/// The decision for `principal` doing `action` on `resource`, asked by A in us-east-1.
async fn decision(h: &Harness, principal: &str, action: &str, resource: &str) -> String {
    let reply = h
        .post_json(
            A,
            US,
            "/checkaccess",
            &json!({"principal": principal, "action": action, "resourceArn": resource}),
        )
        .await;
    reply.ok()["decision"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn decisions_follow_a_share_as_it_changes() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let project = codebuild(A, US, "1");

    assert_eq!(decision(&h, B, GET, &project).await, "DENY", "no share yet");
    let share = create_share(&a, "evolving", std::slice::from_ref(&project), &[B]).await;
    assert_eq!(decision(&h, B, GET, &project).await, "DENY", "pending");
    accept(&b, &share).await;
    assert_eq!(decision(&h, B, GET, &project).await, "ALLOW");
    assert_eq!(decision(&h, B, START, &project).await, "DENY");

    // A customer managed permission granting StartBuild replaces the default one.
    let builder = cmp(&a, "Builder", &template(&["codebuild:StartBuild"])).await;
    a.associate_resource_share_permission()
        .resource_share_arn(&share)
        .permission_arn(&builder)
        .replace(true)
        .send()
        .await
        .unwrap();
    assert_eq!(decision(&h, B, START, &project).await, "ALLOW");
    assert_eq!(decision(&h, B, GET, &project).await, "DENY");

    // Adding C later: C's invitation is pending, then accepted.
    a.associate_resource_share()
        .resource_share_arn(&share)
        .principals(C)
        .send()
        .await
        .unwrap();
    assert_eq!(decision(&h, C, START, &project).await, "DENY");
    accept(&h.client(C, US), &share).await;
    assert_eq!(decision(&h, C, START, &project).await, "ALLOW");

    // Removing the project ends it for everyone.
    a.disassociate_resource_share()
        .resource_share_arn(&share)
        .resource_arns(&project)
        .send()
        .await
        .unwrap();
    assert_eq!(decision(&h, B, START, &project).await, "DENY");
    assert_eq!(decision(&h, C, START, &project).await, "DENY");
}

/// A principal's account asking about a resource of another account learns the decision, not
/// the owner's shares: a DENY names none of the shares that did not grant (here a private one
/// and one shared with C), while the owner asking the same is told about each.
#[tokio::test]
async fn a_deny_names_no_share_the_asking_principal_cannot_see() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "private");
    let private = create_share(&a, "private", std::slice::from_ref(&project), &[]).await;
    let with_c = create_share(&a, "with-c", std::slice::from_ref(&project), &[C]).await;
    let question = json!({"principal": B, "action": GET, "resourceArn": project});

    let as_b = h.post_json(B, US, "/checkaccess", &question).await;
    assert_eq!(as_b.ok()["decision"], "DENY");
    let told = as_b.body["reasons"].to_string();
    assert!(
        !told.contains(&private) && !told.contains(&with_c) && !told.contains(C),
        "{told}"
    );
    assert!(
        told.contains("No resource share in us-east-1 shared with 222222222222"),
        "{told}"
    );

    let as_a = h.post_json(A, US, "/checkaccess", &question).await;
    let told = as_a.ok()["reasons"].to_string();
    assert!(told.contains(&private) && told.contains(&with_c), "{told}");
}

/// ramd with the associations delay on: a new association is ASSOCIATING for a while, and
/// grants nothing until it settles.
#[tokio::test]
async fn associations_grant_only_once_associated() {
    let config = Config {
        association_delay_ms: 30 * SECOND_MS,
        ..Config::default()
    };
    let h = start(config, trust_mode()).await;
    let a = h.client(A, US);
    let role = format!("arn:aws:iam::{A}:role/Local");
    let project = codebuild(A, US, "1");
    create_share(&a, "slow", std::slice::from_ref(&project), &[&role]).await;
    assert_eq!(
        decision(&h, &role, GET, &project).await,
        "DENY",
        "associating"
    );
    h.advance(31 * SECOND_MS);
    assert_eq!(
        decision(&h, &role, GET, &project).await,
        "ALLOW",
        "associated"
    );
}

/// IAM includes aws:CurrentTime (and aws:EpochTime) in every request context, so a permission
/// that allows an action only after a date in the past allows it with no context given.
#[tokio::test]
async fn aws_current_time_is_always_in_the_context() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    let since_2024 = cmp(
        &a,
        "Since2024",
        &conditional(
            &[START],
            &json!({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}),
        ),
    )
    .await;
    let mut w = World::default();
    w.set("project", project.clone());
    w.set("perm", since_2024);
    share_with_b(&h, &mut w, "share", "$project", "$perm").await;

    // A context that gives the time: decided on it.
    let given = h
        .post_json(
            A,
            US,
            "/checkaccess",
            &json!({"principal": B, "action": START, "resourceArn": project,
                    "context": {"aws:CurrentTime": "2023-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(given.ok()["decision"], "DENY", "{given:?}");
    // No context: IAM's own aws:CurrentTime (now, after 2024) applies.
    let implicit = h
        .post_json(
            A,
            US,
            "/checkaccess",
            &json!({"principal": B, "action": START, "resourceArn": project}),
        )
        .await;
    assert_eq!(implicit.ok()["decision"], "ALLOW", "{implicit:?}");
}

/// In sigv4 mode the question is authenticated like any RAM call, and the caller's account is
/// the signing key's.
#[tokio::test]
async fn check_access_is_signed_in_sigv4_mode() {
    let h = start(Config::default(), sigv4_mode()).await;
    let key = |account: &'static str| {
        let store = h.ram.store().clone();
        let master = h.master();
        async move {
            ramd::accounts::create(&store, &master, Some(account), None, None, wall_ms())
                .await
                .expect("accounts::create")
        }
    };
    let (ka, kb, kc) = (key(A).await, key(B).await, key(C).await);
    let a = h.client_with_keys(&ka.access_key_id, &ka.secret_access_key, US);
    let b = h.client_with_keys(&kb.access_key_id, &kb.secret_access_key, US);
    let project = codebuild(A, US, "1");
    let share = create_share(&a, "signed", std::slice::from_ref(&project), &[B]).await;
    accept(&b, &share).await;

    let question = json!({"principal": B, "action": GET, "resourceArn": project}).to_string();
    let as_b = signed_post(
        &h.router,
        &kb.access_key_id,
        &kb.secret_access_key,
        US,
        "/checkaccess",
        &question,
    )
    .await;
    assert_eq!(as_b.ok()["decision"], "ALLOW", "{as_b:?}");
    assert_eq!(as_b.body["grant"]["resourceShareArn"], share.as_str());
    let as_c = signed_post(
        &h.router,
        &kc.access_key_id,
        &kc.secret_access_key,
        US,
        "/checkaccess",
        &question,
    )
    .await;
    as_c.expect_error(403, "AccessDeniedException");
    let forged = signed_post(
        &h.router,
        &kb.access_key_id,
        "wrong-secret-wrong-secret-wrong-secret0",
        US,
        "/checkaccess",
        &question,
    )
    .await;
    forged.expect_error(403, "InvalidSignatureException");
    let unknown = signed_post(
        &h.router,
        "AKIDUNKNOWN000000000",
        "secret",
        US,
        "/checkaccess",
        &question,
    )
    .await;
    unknown.expect_error(403, "UnrecognizedClientException");
    // The same goes for /putresourcepolicy.
    let policy = json!({"resourceArn": project, "policy": "{}"}).to_string();
    signed_post(
        &h.router,
        &kb.access_key_id,
        "wrong-secret-wrong-secret-wrong-secret0",
        US,
        "/putresourcepolicy",
        &policy,
    )
    .await
    .expect_error(403, "InvalidSignatureException");
}
