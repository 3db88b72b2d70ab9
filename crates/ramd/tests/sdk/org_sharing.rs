//! RAM inside an AWS Organization, through the Rust SDK (`aws-sdk-ram`), with the organization
//! built through Organizations' own JSON 1.1 API and read back through IAM's query API, all on
//! ramd's one endpoint.
//!
//! The world (`Org::build`): management account A; OU `eng` under the root with member B; OU
//! `platform` nested under `eng` with member D; member E under the root; C outside. Sharing with
//! RAM is enabled unless a test says otherwise.

use aws_sdk_ram::Client;
use aws_sdk_ram::types::{
    ResourceOwner, ResourceShareAssociation, ResourceShareAssociationType,
    ResourceShareConfiguration,
};
use serde_json::{Value, json};

use crate::common::*;

const D: &str = "444444444444";
const E: &str = "555555555555";
const RAM_SLR: &str = "AWSServiceRoleForResourceAccessManager";
const ORG_ONLY: &str = "The resource you are attempting to share can only be shared within your AWS Organization. This error may also occur if you have not enabled sharing with your AWS organization, or that onboarding process is still in progress.";
const ATTACH: &str = "ec2:CreateTransitGatewayVpcAttachment";
const RUN: &str = "ec2:RunInstances";

fn outside(account: &str) -> String {
    format!(
        "Principal {account} is not in your AWS organization. You do not have permission to add external AWS accounts to a resource share."
    )
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("a string: {v}"))
        .to_owned()
}

/// One Organizations call that must succeed; its answer.
async fn org_call(h: &Harness, account: &str, operation: &str, body: &Value) -> Value {
    let reply = h.organizations(account, operation, body).await;
    assert_eq!(reply.status, 200, "{operation} as {account}: {reply:?}");
    reply.body
}

/// A's organization, as `Org::build` made it.
struct Org {
    id: String,
    arn: String,
    root: String,
    eng: String,
    eng_arn: String,
    platform: String,
    platform_arn: String,
}

impl Org {
    async fn build(h: &Harness, sharing: bool) -> Org {
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
        let o = Org {
            id: text(&org["Organization"]["Id"]),
            arn: text(&org["Organization"]["Arn"]),
            root,
            eng: text(&eng["Id"]),
            eng_arn: text(&eng["Arn"]),
            platform: text(&platform["Id"]),
            platform_arn: text(&platform["Arn"]),
        };
        o.join(h, B).await;
        o.move_account(h, B, &o.root, &o.eng).await;
        o.join(h, D).await;
        o.move_account(h, D, &o.root, &o.platform).await;
        o.join(h, E).await;
        if sharing {
            enable_sharing(h).await;
        }
        o
    }

    /// `account` joins by invitation and AcceptHandshake (under the root).
    async fn join(&self, h: &Harness, account: &str) {
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
    }

    async fn move_account(&self, h: &Harness, account: &str, from: &str, to: &str) {
        org_call(
            h,
            A,
            "MoveAccount",
            &json!({"AccountId": account, "SourceParentId": from, "DestinationParentId": to}),
        )
        .await;
    }
}

async fn enable_sharing(h: &Harness) {
    let out = h
        .client(A, US)
        .enable_sharing_with_aws_organization()
        .send()
        .await
        .expect("EnableSharingWithAwsOrganization");
    assert_eq!(out.return_value(), Some(true));
}

async fn disable_sharing(h: &Harness) {
    org_call(
        h,
        A,
        "DisableAWSServiceAccess",
        &json!({"ServicePrincipal": "ram.amazonaws.com"}),
    )
    .await;
}

/// A share of `resources` with `principals` by `owner`; its ARN.
async fn share_of(
    owner: &Client,
    name: &str,
    resources: &[String],
    principals: &[&str],
    allow_external: Option<bool>,
    retain: Option<bool>,
) -> String {
    let mut call = owner
        .create_resource_share()
        .name(name)
        .set_allow_external_principals(allow_external);
    for r in resources {
        call = call.resource_arns(r);
    }
    for p in principals {
        call = call.principals(*p);
    }
    if let Some(retain) = retain {
        call = call.resource_share_configuration(
            ResourceShareConfiguration::builder()
                .retain_sharing_on_account_leave_organization(retain)
                .build(),
        );
    }
    call.send()
        .await
        .unwrap_or_else(|e| panic!("CreateResourceShare {name}: {e:?}"))
        .resource_share
        .and_then(|s| s.resource_share_arn)
        .expect("share ARN")
}

/// The owner's principal association of `entity` with the share.
async fn principal(owner: &Client, share: &str, entity: &str) -> Option<ResourceShareAssociation> {
    owner
        .get_resource_share_associations()
        .association_type(ResourceShareAssociationType::Principal)
        .resource_share_arns(share)
        .send()
        .await
        .expect("GetResourceShareAssociations")
        .resource_share_associations
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.associated_entity() == Some(entity))
}

/// (status, external) of the owner's principal association of `entity`.
async fn principal_state(owner: &Client, share: &str, entity: &str) -> (String, bool) {
    let a = principal(owner, share, entity)
        .await
        .unwrap_or_else(|| panic!("{entity} is a principal of {share}"));
    (
        a.status().expect("status").as_str().to_owned(),
        a.external().expect("external"),
    )
}

/// The ARNs of the shares `account` receives (GetResourceShares OTHER-ACCOUNTS), sorted.
async fn received(h: &Harness, account: &str) -> Vec<String> {
    let mut arns: Vec<String> = shares(&h.client(account, US), ResourceOwner::OtherAccounts)
        .await
        .into_iter()
        .filter_map(|s| s.resource_share_arn)
        .collect();
    arns.sort();
    arns
}

fn sorted(items: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

/// The resources `account` receives (ListResources OTHER-ACCOUNTS).
async fn received_resources(h: &Harness, account: &str) -> Vec<String> {
    h.client(account, US)
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .expect("ListResources")
        .resources
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.arn)
        .collect()
}

async fn invitation_count(h: &Harness, account: &str) -> usize {
    invitations(&h.client(account, US)).await.len()
}

/// The access decision for `principal`, asked by `asker` (the resource's owner).
async fn decision(
    h: &Harness,
    asker: &str,
    principal: &str,
    action: &str,
    resource: &str,
) -> Value {
    h.post_json(
        asker,
        US,
        "/checkaccess",
        &json!({"principal": principal, "action": action, "resourceArn": resource}),
    )
    .await
    .ok()
    .clone()
}

async fn allowed(h: &Harness, principal: &str, action: &str, resource: &str) -> bool {
    decision(h, A, principal, action, resource).await["decision"] == "ALLOW"
}

// ---------------------------------------------------------------------------------------------

/// Terraform's `aws_ram_sharing_with_organization`: create is EnableSharingWithAwsOrganization,
/// read is IAM GetRole of the service-linked role plus ram.amazonaws.com among the organization's
/// trusted services, delete is Organizations DisableAWSServiceAccess.
async fn terraform_reads_enabled(h: &Harness) -> bool {
    let role = h.iam(A, "GetRole", &[("RoleName", RAM_SLR)]).await;
    if role.status == 404 {
        assert!(role.text.contains("<Code>NoSuchEntity</Code>"), "{role:?}");
        return false;
    }
    assert_eq!(role.status, 200, "{role:?}");
    let listed = org_call(h, A, "ListAWSServiceAccessForOrganization", &json!({})).await;
    listed["EnabledServicePrincipals"]
        .as_array()
        .expect("EnabledServicePrincipals")
        .iter()
        .any(|p| p["ServicePrincipal"] == "ram.amazonaws.com")
}

#[tokio::test]
async fn enabling_sharing_creates_the_role_and_trusted_access() {
    let h = trust().await;
    Org::build(&h, false).await;
    assert!(!terraform_reads_enabled(&h).await);

    // Members and outsiders are refused, and change nothing.
    for account in [B, D, C] {
        expect_code(
            h.client(account, US)
                .enable_sharing_with_aws_organization()
                .send()
                .await,
            "OperationNotPermittedException",
        );
    }
    assert!(!terraform_reads_enabled(&h).await);

    enable_sharing(&h).await;
    assert!(terraform_reads_enabled(&h).await);
    let role = h.iam(A, "GetRole", &[("RoleName", RAM_SLR)]).await;
    assert!(
        role.text
            .contains("<Path>/aws-service-role/ram.amazonaws.com/</Path>"),
        "{role:?}"
    );
    assert!(
        role.text.contains(&format!(
            "<Arn>arn:aws:iam::{A}:role/aws-service-role/ram.amazonaws.com/{RAM_SLR}</Arn>"
        )),
        "{role:?}"
    );
    // Only in the management account.
    assert_eq!(
        h.iam(B, "GetRole", &[("RoleName", RAM_SLR)]).await.status,
        404
    );
    // Enabling again is fine.
    enable_sharing(&h).await;
    let listed = org_call(&h, A, "ListAWSServiceAccessForOrganization", &json!({})).await;
    assert_eq!(
        listed["EnabledServicePrincipals"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );

    // Terraform's delete; the role stays, the read says disabled.
    disable_sharing(&h).await;
    assert!(!terraform_reads_enabled(&h).await);
    assert_eq!(
        h.iam(A, "GetRole", &[("RoleName", RAM_SLR)]).await.status,
        200
    );
}

#[tokio::test]
async fn enabling_sharing_needs_an_organization_with_all_features() {
    let h = trust().await;
    org_call(
        &h,
        C,
        "CreateOrganization",
        &json!({"FeatureSet": "CONSOLIDATED_BILLING"}),
    )
    .await;
    expect_code(
        h.client(C, US)
            .enable_sharing_with_aws_organization()
            .send()
            .await,
        "OperationNotPermittedException",
    );
    assert_eq!(
        h.iam(C, "GetRole", &[("RoleName", RAM_SLR)]).await.status,
        404
    );
}

#[tokio::test]
async fn organization_and_ou_principals_are_the_owners_own_while_it_shares_with_ram() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, false).await;
    let create = |principal: String| {
        let a = a.clone();
        async move {
            a.create_resource_share()
                .name("x")
                .resource_arns(tgw(A, US, "x"))
                .principals(principal)
                .send()
                .await
        }
    };
    let org_missing = format!("Organization {} could not be found.", org.id);
    let ou_missing = format!(
        "OrganizationalUnit {} in unknown organization could not be found.",
        org.eng
    );
    // Sharing with RAM not enabled yet.
    assert_eq!(
        expect_code(create(org.arn.clone()).await, "UnknownResourceException"),
        org_missing
    );
    assert_eq!(
        expect_code(
            create(org.eng_arn.clone()).await,
            "UnknownResourceException"
        ),
        ou_missing
    );

    enable_sharing(&h).await;
    let share = share_of(
        &a,
        "org",
        &[tgw(A, US, "1")],
        &[&org.arn, &org.eng_arn],
        None,
        None,
    )
    .await;
    for entity in [&org.arn, &org.eng_arn] {
        assert_eq!(
            principal_state(&a, &share, entity).await,
            ("ASSOCIATED".to_owned(), false)
        );
    }

    // Another organization (C's, also sharing with RAM) and its OU are unknown to A.
    let theirs = org_call(&h, C, "CreateOrganization", &json!({})).await;
    let their_root = text(&org_call(&h, C, "ListRoots", &json!({})).await["Roots"][0]["Id"]);
    let their_ou = org_call(
        &h,
        C,
        "CreateOrganizationalUnit",
        &json!({"ParentId": their_root, "Name": "theirs"}),
    )
    .await["OrganizationalUnit"]
        .clone();
    h.client(C, US)
        .enable_sharing_with_aws_organization()
        .send()
        .await
        .expect("C enables sharing for its own organization");
    let their_id = text(&theirs["Organization"]["Id"]);
    let cases = [
        (
            text(&theirs["Organization"]["Arn"]),
            format!("Organization {their_id} could not be found."),
        ),
        (
            text(&their_ou["Arn"]),
            format!(
                "OrganizationalUnit {} in unknown organization could not be found.",
                text(&their_ou["Id"])
            ),
        ),
        // A's own OU spelled under C's organization.
        (
            format!("arn:aws:organizations::{A}:ou/{their_id}/{}", org.eng),
            ou_missing.clone(),
        ),
    ];
    for (principal, message) in cases {
        assert_eq!(
            expect_code(create(principal.clone()).await, "UnknownResourceException"),
            message,
            "{principal}"
        );
        let added = a
            .associate_resource_share()
            .resource_share_arn(&share)
            .principals(&principal)
            .send()
            .await;
        assert_eq!(expect_code(added, "UnknownResourceException"), message);
    }
    // Nor may C name A's organization.
    let by_c = h
        .client(C, US)
        .create_resource_share()
        .name("x")
        .resource_arns(tgw(C, US, "c"))
        .principals(&org.arn)
        .send()
        .await;
    assert_eq!(expect_code(by_c, "UnknownResourceException"), org_missing);
}

#[tokio::test]
async fn the_organization_and_a_parent_ou_reach_their_members_as_membership_changes() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let tgw_org = tgw(A, US, "org");
    let tgw_ou = tgw(A, US, "ou");
    let whole = share_of(
        &a,
        "org",
        std::slice::from_ref(&tgw_org),
        &[&org.arn],
        None,
        None,
    )
    .await;
    let eng = share_of(
        &a,
        "eng",
        std::slice::from_ref(&tgw_ou),
        &[&org.eng_arn],
        None,
        None,
    )
    .await;

    assert_eq!(received(&h, B).await, sorted(&[&whole, &eng]));
    assert_eq!(received(&h, D).await, sorted(&[&whole, &eng]), "nested OU");
    assert_eq!(received(&h, E).await, vec![whole.clone()]);
    assert!(received(&h, C).await.is_empty());
    for account in [B, D, E] {
        assert_eq!(invitation_count(&h, account).await, 0, "{account}");
    }
    assert!(allowed(&h, D, ATTACH, &tgw_ou).await);
    assert!(!allowed(&h, E, ATTACH, &tgw_ou).await);
    assert!(!allowed(&h, C, ATTACH, &tgw_org).await);
    let mut resources = received_resources(&h, D).await;
    resources.sort();
    assert_eq!(resources, sorted(&[&tgw_ou, &tgw_org]));

    // ListPrincipals(OTHER-ACCOUNTS): the owning account, once per share.
    let principals = h
        .client(E, US)
        .list_principals()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .expect("ListPrincipals")
        .principals
        .unwrap_or_default();
    let seen: Vec<(Option<&str>, Option<&str>)> = principals
        .iter()
        .map(|p| (p.id(), p.resource_share_arn()))
        .collect();
    assert_eq!(seen, [(Some(A), Some(whole.as_str()))]);

    // MoveAccount: D out of the eng subtree, E into it.
    org.move_account(&h, D, &org.platform, &org.root).await;
    assert_eq!(received(&h, D).await, vec![whole.clone()]);
    assert!(!allowed(&h, D, ATTACH, &tgw_ou).await);
    org.move_account(&h, E, &org.root, &org.platform).await;
    assert_eq!(received(&h, E).await, sorted(&[&whole, &eng]));
    assert!(allowed(&h, E, ATTACH, &tgw_ou).await);

    // RemoveAccountFromOrganization: B loses everything.
    org_call(
        &h,
        A,
        "RemoveAccountFromOrganization",
        &json!({"AccountId": B}),
    )
    .await;
    assert!(received(&h, B).await.is_empty());
    assert!(received_resources(&h, B).await.is_empty());
    assert!(!allowed(&h, B, ATTACH, &tgw_org).await);

    // Joining later: the outsider C by invitation, then an account CreateAccount makes.
    org.join(&h, C).await;
    assert_eq!(received(&h, C).await, vec![whole.clone()]);
    assert!(allowed(&h, C, ATTACH, &tgw_org).await);
    assert_eq!(invitation_count(&h, C).await, 0);
    let status = org_call(
        &h,
        A,
        "CreateAccount",
        &json!({"AccountName": "newcomer", "Email": "newcomer@example.com"}),
    )
    .await;
    let done = org_call(
        &h,
        A,
        "DescribeCreateAccountStatus",
        &json!({"CreateAccountRequestId": status["CreateAccountStatus"]["Id"]}),
    )
    .await;
    assert_eq!(done["CreateAccountStatus"]["State"], "SUCCEEDED", "{done}");
    let newcomer = text(&done["CreateAccountStatus"]["AccountId"]);
    assert_eq!(received(&h, &newcomer).await, vec![whole.clone()]);
    org.move_account(&h, &newcomer, &org.root, &org.eng).await;
    assert_eq!(received(&h, &newcomer).await, sorted(&[&whole, &eng]));

    // The owner's view never changed: the organization and the OU, nothing else.
    assert!(principal(&a, &whole, B).await.is_none());
    assert!(principal(&a, &eng, D).await.is_none());
}

#[tokio::test]
async fn members_are_associated_at_once_and_outsiders_invited() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let tgw_b = tgw(A, US, "b");
    let to_b = share_of(&a, "b", std::slice::from_ref(&tgw_b), &[B], None, None).await;
    assert_eq!(
        principal_state(&a, &to_b, B).await,
        ("ASSOCIATED".to_owned(), false)
    );
    assert_eq!(invitation_count(&h, B).await, 0);
    assert_eq!(received(&h, B).await, vec![to_b.clone()]);
    assert!(allowed(&h, B, ATTACH, &tgw_b).await);
    // An IAM role of a member, on a type shareable with roles.
    let role = format!("arn:aws:iam::{D}:role/Builder");
    let project = codebuild(A, US, "1");
    let to_role = share_of(
        &a,
        "role",
        std::slice::from_ref(&project),
        &[&role],
        None,
        None,
    )
    .await;
    assert_eq!(
        principal_state(&a, &to_role, &role).await,
        ("ASSOCIATED".to_owned(), false)
    );
    assert!(allowed(&h, &role, "codebuild:BatchGetProjects", &project).await);

    // allowExternalPrincipals=false: members and the organization yes, the outsider no.
    let internal = share_of(
        &a,
        "internal",
        &[tgw(A, US, "i")],
        &[E, &org.arn],
        Some(false),
        None,
    )
    .await;
    assert_eq!(
        principal_state(&a, &internal, E).await,
        ("ASSOCIATED".to_owned(), false)
    );
    let refused = a
        .associate_resource_share()
        .resource_share_arn(&internal)
        .principals(C)
        .send()
        .await;
    assert_eq!(
        expect_code(refused, "InvalidParameterException"),
        outside(C)
    );
    let refused = a
        .create_resource_share()
        .name("x")
        .resource_arns(tgw(A, US, "x"))
        .principals(C)
        .allow_external_principals(false)
        .send()
        .await;
    assert_eq!(
        expect_code(refused, "InvalidParameterException"),
        outside(C)
    );

    // allowExternalPrincipals=true (the default): the outsider is invited, external.
    let tgw_c = tgw(A, US, "c");
    let to_c = share_of(&a, "c", std::slice::from_ref(&tgw_c), &[C, D], None, None).await;
    assert_eq!(
        principal_state(&a, &to_c, C).await,
        ("ASSOCIATING".to_owned(), true)
    );
    assert_eq!(
        principal_state(&a, &to_c, D).await,
        ("ASSOCIATED".to_owned(), false)
    );
    assert!(received(&h, C).await.is_empty());
    assert!(!allowed(&h, C, ATTACH, &tgw_c).await);
    let c = h.client(C, US);
    let invitation = accept(&c, &to_c).await;
    assert_eq!(invitation.sender_account_id(), Some(A));
    assert_eq!(
        principal_state(&a, &to_c, C).await,
        ("ASSOCIATED".to_owned(), true)
    );
    assert!(allowed(&h, C, ATTACH, &tgw_c).await);
}

#[tokio::test]
async fn organization_only_types_never_reach_an_outsider() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let coip = |id: &str| format!("arn:aws:ec2:{US}:{A}:coip-pool/ipv4pool-coip-{id}");
    let outpost = |id: &str| format!("arn:aws:outposts:{US}:{A}:outpost/op-{id}");
    let subnet_ = subnet(A, US, "1");
    let inside = share_of(
        &a,
        "inside",
        &[subnet_.clone(), coip("1"), outpost("1")],
        &[&org.arn, &org.platform_arn, B],
        None,
        None,
    )
    .await;
    assert_eq!(
        principal_state(&a, &inside, B).await,
        ("ASSOCIATED".to_owned(), false)
    );
    assert!(allowed(&h, E, RUN, &subnet_).await);
    assert!(allowed(&h, B, RUN, &subnet_).await);
    for resource in [subnet(A, US, "2"), coip("2"), outpost("2")] {
        let refused = a
            .create_resource_share()
            .name("outside")
            .resource_arns(&resource)
            .principals(C)
            .allow_external_principals(true)
            .send()
            .await;
        assert_eq!(
            expect_code(refused, "InvalidParameterException"),
            ORG_ONLY,
            "{resource}"
        );
    }
    let refused = a
        .associate_resource_share()
        .resource_share_arn(&inside)
        .principals(C)
        .send()
        .await;
    assert_eq!(expect_code(refused, "InvalidParameterException"), ORG_ONLY);
    let with_outsider = share_of(&a, "outsider", &[tgw(A, US, "o")], &[C], None, None).await;
    let refused = a
        .associate_resource_share()
        .resource_share_arn(&with_outsider)
        .resource_arns(subnet(A, US, "3"))
        .send()
        .await;
    assert_eq!(expect_code(refused, "InvalidParameterException"), ORG_ONLY);
}

#[tokio::test]
async fn with_sharing_off_members_are_invited_and_organization_only_types_refused() {
    let h = trust().await;
    let a = h.client(A, US);
    Org::build(&h, false).await;
    let tgw_b = tgw(A, US, "b");
    let to_b = share_of(
        &a,
        "b",
        std::slice::from_ref(&tgw_b),
        &[B],
        Some(false),
        None,
    )
    .await;
    assert_eq!(
        principal_state(&a, &to_b, B).await,
        ("ASSOCIATING".to_owned(), false)
    );
    assert!(received(&h, B).await.is_empty());
    assert!(!allowed(&h, B, ATTACH, &tgw_b).await);
    accept(&h.client(B, US), &to_b).await;
    assert_eq!(
        principal_state(&a, &to_b, B).await,
        ("ASSOCIATED".to_owned(), false)
    );
    assert!(allowed(&h, B, ATTACH, &tgw_b).await);

    let refused = a
        .create_resource_share()
        .name("subnet")
        .resource_arns(subnet(A, US, "1"))
        .principals(D)
        .send()
        .await;
    assert_eq!(expect_code(refused, "InvalidParameterException"), ORG_ONLY);
    assert_eq!(invitation_count(&h, D).await, 0);

    // Once the organization shares with RAM, the subnet reaches D at once.
    enable_sharing(&h).await;
    let subnet_ = subnet(A, US, "2");
    let inside = share_of(
        &a,
        "inside",
        std::slice::from_ref(&subnet_),
        &[D],
        None,
        None,
    )
    .await;
    assert_eq!(
        principal_state(&a, &inside, D).await,
        ("ASSOCIATED".to_owned(), false)
    );
    assert!(allowed(&h, D, RUN, &subnet_).await);
}

/// A share whose member principal is still invited (sharing off) reaches it by invitation, so an
/// organization-only resource cannot be added to it.
#[tokio::test]
async fn an_organization_only_resource_cannot_join_a_share_with_an_invited_member() {
    let h = trust().await;
    let a = h.client(A, US);
    Org::build(&h, false).await;
    let invited = share_of(&a, "invited", &[tgw(A, US, "b")], &[B], None, None).await;
    assert_eq!(
        principal_state(&a, &invited, B).await,
        ("ASSOCIATING".to_owned(), false)
    );
    let added = a
        .associate_resource_share()
        .resource_share_arn(&invited)
        .resource_arns(subnet(A, US, "1"))
        .send()
        .await;
    assert_eq!(expect_code(added, "InvalidParameterException"), ORG_ONLY);
}

#[tokio::test]
async fn retaining_sharing_when_accounts_leave() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let tgw_r = tgw(A, US, "r");
    let retained = share_of(
        &a,
        "retained",
        std::slice::from_ref(&tgw_r),
        &[&org.arn],
        None,
        Some(true),
    )
    .await;
    let through_ou = share_of(
        &a,
        "ou",
        &[tgw(A, US, "ou")],
        &[&org.eng_arn],
        None,
        Some(true),
    )
    .await;
    let plain = share_of(&a, "plain", &[tgw(A, US, "p")], &[&org.arn], None, None).await;
    let seen = share(&a, ResourceOwner::SelfValue, &retained).await;
    assert_eq!(
        seen.resource_share_configuration()
            .and_then(ResourceShareConfiguration::retain_sharing_on_account_leave_organization),
        Some(true)
    );

    // B leaves by itself; D is removed by the management account.
    org_call(&h, B, "LeaveOrganization", &json!({})).await;
    org_call(
        &h,
        A,
        "RemoveAccountFromOrganization",
        &json!({"AccountId": D}),
    )
    .await;
    for account in [B, D] {
        assert_eq!(
            received(&h, account).await,
            sorted(&[&retained, &through_ou]),
            "{account}"
        );
        assert_eq!(invitation_count(&h, account).await, 0);
        let allowed = decision(&h, A, account, ATTACH, &tgw_r).await;
        assert_eq!(allowed["decision"], "ALLOW", "{allowed}");
        assert_eq!(allowed["grant"]["associatedPrincipal"], account);
        for s in [&retained, &through_ou] {
            assert_eq!(
                principal_state(&a, s, account).await,
                ("ASSOCIATED".to_owned(), true)
            );
        }
        assert!(principal(&a, &plain, account).await.is_none());
    }
    // E stayed: reached through the organization only.
    assert!(principal(&a, &retained, E).await.is_none());
    assert_eq!(received(&h, E).await, sorted(&[&retained, &plain]));

    // A principal of its own now, B may leave the retained share.
    let left = h
        .client(B, US)
        .disassociate_resource_share()
        .resource_share_arn(&retained)
        .principals(B)
        .send()
        .await
        .expect("B leaves the retained share");
    assert_eq!(left.resource_share_associations().len(), 1);
    assert_eq!(received(&h, B).await, vec![through_ou.clone()]);
}

#[tokio::test]
async fn members_cannot_leave_what_the_organization_gives_them() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let whole = share_of(&a, "org", &[tgw(A, US, "1")], &[&org.arn], None, None).await;
    let eng = share_of(&a, "eng", &[tgw(A, US, "2")], &[&org.eng_arn], None, None).await;
    for (account, share_arn) in [(B, &whole), (D, &eng)] {
        let leave = h
            .client(account, US)
            .disassociate_resource_share()
            .resource_share_arn(share_arn)
            .principals(account)
            .send()
            .await;
        expect_code(leave, "OperationNotPermittedException");
        assert!(received(&h, account).await.contains(share_arn));
    }
    // Added as an account of its own, a member may leave (subnets allow it).
    let individual = share_of(&a, "e", &[subnet(A, US, "1")], &[E], None, None).await;
    h.client(E, US)
        .disassociate_resource_share()
        .resource_share_arn(&individual)
        .principals(E)
        .send()
        .await
        .expect("E leaves its own share");
    assert!(!received(&h, E).await.contains(&individual));
    assert!(received(&h, E).await.contains(&whole));
}

#[tokio::test]
async fn disabling_sharing_ends_organization_and_ou_access() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let tgw_org = tgw(A, US, "org");
    share_of(
        &a,
        "org",
        std::slice::from_ref(&tgw_org),
        &[&org.arn],
        None,
        None,
    )
    .await;
    share_of(&a, "eng", &[tgw(A, US, "eng")], &[&org.eng_arn], None, None).await;
    let individual = share_of(&a, "e", &[tgw(A, US, "e")], &[E], None, None).await;
    assert!(allowed(&h, D, ATTACH, &tgw_org).await);

    disable_sharing(&h).await;
    for account in [B, D] {
        assert!(received(&h, account).await.is_empty(), "{account}");
        assert!(received_resources(&h, account).await.is_empty());
        assert!(!allowed(&h, account, ATTACH, &tgw_org).await);
    }
    assert_eq!(received(&h, E).await, vec![individual.clone()]);
    let added = a
        .associate_resource_share()
        .resource_share_arn(&individual)
        .principals(&org.platform_arn)
        .send()
        .await;
    assert_eq!(
        expect_code(added, "UnknownResourceException"),
        format!(
            "OrganizationalUnit {} in unknown organization could not be found.",
            org.platform
        )
    );
    // A member added now is invited.
    a.associate_resource_share()
        .resource_share_arn(&individual)
        .principals(B)
        .send()
        .await
        .expect("AssociateResourceShare B");
    assert_eq!(
        principal_state(&a, &individual, B).await,
        ("ASSOCIATING".to_owned(), false)
    );
    assert_eq!(invitation_count(&h, B).await, 1);
}

#[tokio::test]
async fn resource_policies_name_the_organization_and_its_ous() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let tgw_ = tgw(A, US, "1");
    share_of(
        &a,
        "policy",
        std::slice::from_ref(&tgw_),
        &[&org.arn, &org.platform_arn, B],
        None,
        None,
    )
    .await;
    let policies = a
        .get_resource_policies()
        .resource_arns(&tgw_)
        .send()
        .await
        .expect("GetResourcePolicies")
        .policies
        .unwrap_or_default();
    assert_eq!(policies.len(), 1, "{policies:?}");
    let policy: Value = serde_json::from_str(&policies[0]).expect("a JSON policy");
    let statements = policy["Statement"].as_array().expect("statements");
    let conditions: Vec<&Value> = statements
        .iter()
        .filter(|s| s["Principal"] == "*")
        .map(|s| &s["Condition"])
        .collect();
    assert_eq!(conditions.len(), 2, "{policy}");
    assert!(
        conditions.contains(&&json!({"StringEquals": {"aws:PrincipalOrgID": org.id}})),
        "{policy}"
    );
    assert!(
        conditions.contains(&&json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": format!("{}/*/{}/*", org.id, org.platform)}})),
        "{policy}"
    );
    let named: Vec<&Value> = statements
        .iter()
        .filter(|s| s["Principal"] != "*")
        .collect();
    assert_eq!(named.len(), 1, "{policy}");
    assert_eq!(
        named[0]["Principal"],
        json!({"AWS": [format!("arn:aws:iam::{B}:root")]}),
        "{policy}"
    );
    for s in statements {
        assert_eq!(s["Resource"], tgw_.as_str());
        assert!(
            s["Action"]
                .as_array()
                .is_some_and(|a| a.contains(&json!(ATTACH)))
        );
    }
}

/// Disabling trusted access takes organization and OU principals out of RAM's sharing: the
/// resource policies RAM generates must stop granting them (access decisions already deny).
#[tokio::test]
async fn resource_policies_drop_organization_statements_once_sharing_is_disabled() {
    let h = trust().await;
    let a = h.client(A, US);
    let org = Org::build(&h, true).await;
    let tgw_ = tgw(A, US, "1");
    share_of(
        &a,
        "policy",
        std::slice::from_ref(&tgw_),
        &[&org.arn, &org.eng_arn, E],
        None,
        None,
    )
    .await;
    disable_sharing(&h).await;
    assert_eq!(decision(&h, A, B, ATTACH, &tgw_).await["decision"], "DENY");
    let policies = a
        .get_resource_policies()
        .resource_arns(&tgw_)
        .send()
        .await
        .expect("GetResourcePolicies")
        .policies
        .unwrap_or_default();
    assert_eq!(policies.len(), 1, "{policies:?}");
    let policy: Value = serde_json::from_str(&policies[0]).expect("a JSON policy");
    let statements = policy["Statement"].as_array().expect("statements");
    // Only E, shared with as an account, is still granted.
    let principals: Vec<&Value> = statements.iter().map(|s| &s["Principal"]).collect();
    assert_eq!(
        principals,
        [&json!({"AWS": [format!("arn:aws:iam::{E}:root")]})],
        "organization statements remain: {policy}"
    );
}

/// Organization and OU principals reach only the owner's own organization: once a member that
/// shared with them has left, the organization is not its own, and its members (all outside the
/// owner's organization now) stop receiving - an organization-only subnet above all.
#[tokio::test]
async fn an_owner_that_left_no_longer_reaches_its_former_organization() {
    let h = trust().await;
    let b = h.client(B, US);
    let org = Org::build(&h, true).await;
    let tgw_b = tgw(B, US, "1");
    let subnet_b = subnet(B, US, "1");
    let whole = share_of(
        &b,
        "org",
        std::slice::from_ref(&tgw_b),
        &[&org.arn],
        None,
        None,
    )
    .await;
    let nested = share_of(
        &b,
        "platform",
        std::slice::from_ref(&subnet_b),
        &[&org.platform_arn],
        None,
        None,
    )
    .await;
    assert_eq!(received(&h, A).await, vec![whole.clone()]);
    assert_eq!(received(&h, D).await, sorted(&[&whole, &nested]));

    org_call(&h, B, "LeaveOrganization", &json!({})).await;
    let added = b
        .associate_resource_share()
        .resource_share_arn(&whole)
        .principals(&org.eng_arn)
        .send()
        .await;
    expect_code(added, "UnknownResourceException");
    for account in [A, D, E] {
        assert!(received(&h, account).await.is_empty(), "{account}");
    }
    assert_eq!(decision(&h, B, D, RUN, &subnet_b).await["decision"], "DENY");
    assert_eq!(decision(&h, B, A, ATTACH, &tgw_b).await["decision"], "DENY");
}
