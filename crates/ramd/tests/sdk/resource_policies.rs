//! Shares RAM makes from resource-based policies (featureSet CREATED_FROM_POLICY), through ramd's
//! own `POST /putresourcepolicy`, and their promotion to standard ones:
//! PromotePermissionCreatedFromPolicy and PromoteResourceShareCreatedFromPolicy.

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use std::collections::BTreeSet;

use aws_sdk_ram::Client;
use aws_sdk_ram::types::{
    PermissionFeatureSet, PermissionStatus, PermissionType, PermissionTypeFilter, ResourceOwner,
    ResourceShareAssociationType, ResourceShareFeatureSet, ResourceShareStatus,
};
use serde_json::{Value, json};

use crate::common::*;

const PROJECT: &str = "codebuild:Project";
const READ: [&str; 2] = ["codebuild:BatchGetProjects", "codebuild:BatchGetBuilds"];

fn policy(resource: &str, principals: &[&str], actions: &[&str]) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": principals},
            "Action": actions,
            "Resource": resource,
        }]
    })
    .to_string()
}

/// `POST /putresourcepolicy` as `account` in us-east-1.
async fn put(h: &Harness, account: &str, resource: &str, policy: &str) -> JsonReply {
    h.post_json(
        account,
        US,
        "/putresourcepolicy",
        &json!({"resourceArn": resource, "policy": policy}),
    )
    .await
}

/// Puts a policy that must be accepted; returns (share ARN, permission ARN).
async fn put_ok(
    h: &Harness,
    resource: &str,
    principals: &[&str],
    actions: &[&str],
) -> (String, String) {
    let reply = put(h, A, resource, &policy(resource, principals, actions)).await;
    let body = reply.ok();
    let share = body["resourceShareArn"]
        .as_str()
        .expect("resourceShareArn")
        .to_owned();
    let permission = body["permissionArn"]
        .as_str()
        .expect("permissionArn")
        .to_owned();
    (share, permission)
}

async fn check(h: &Harness, caller: &str, principal: &str, action: &str, resource: &str) -> Value {
    h.post_json(
        caller,
        US,
        "/checkaccess",
        &json!({"principal": principal, "action": action, "resourceArn": resource}),
    )
    .await
    .ok()
    .clone()
}

/// The decision for `principal` doing `action` on `resource` in `context`, asked by A.
async fn decide_with(
    h: &Harness,
    principal: &str,
    action: &str,
    resource: &str,
    context: Value,
) -> String {
    let question = json!({"principal": principal, "action": action, "resourceArn": resource,
                          "context": context});
    let reply = h.post_json(A, US, "/checkaccess", &question).await;
    reply.ok()["decision"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn actions_of(template: &str) -> BTreeSet<String> {
    let doc: Value = serde_json::from_str(template).expect("the template is JSON");
    match &doc["Action"] {
        Value::String(s) => BTreeSet::from([s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("Action is {other}"),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn share_permission_arns(client: &Client, share: &str) -> Vec<String> {
    client
        .list_resource_share_permissions()
        .resource_share_arn(share)
        .send()
        .await
        .expect("ListResourceSharePermissions")
        .permissions
        .unwrap_or_default()
        .iter()
        .map(|p| p.arn().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_resource_policy_becomes_a_created_from_policy_share() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let project = codebuild(A, US, "1");
    let role_c = format!("arn:aws:iam::{C}:role/Reader");
    let (share_arn, permission) = put_ok(
        &h,
        &project,
        &[&format!("arn:aws:iam::{B}:root"), &role_c],
        &READ,
    )
    .await;
    assert_share_arn(&share_arn, A, US);
    assert!(
        permission.starts_with(&format!("arn:aws:ram:{US}:{A}:permission/")),
        "{permission}"
    );

    let s = share(&a, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(
        s.feature_set(),
        Some(&ResourceShareFeatureSet::CreatedFromPolicy)
    );
    assert_eq!(s.status(), Some(&ResourceShareStatus::Active));
    assert_eq!(s.owning_account_id(), Some(A));

    // The permission: customer managed, created from the policy, granting its actions.
    let perms = a
        .list_resource_share_permissions()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap()
        .permissions
        .unwrap_or_default();
    assert_eq!(perms.len(), 1);
    assert_eq!(perms[0].arn(), Some(permission.as_str()));
    assert_eq!(perms[0].status(), Some("ASSOCIATED"));
    assert_eq!(perms[0].resource_type(), Some(PROJECT));
    assert_eq!(
        perms[0].feature_set(),
        Some(&PermissionFeatureSet::CreatedFromPolicy)
    );
    assert_eq!(
        perms[0].permission_type(),
        Some(&PermissionType::CustomerManaged)
    );
    let detail = a
        .get_permission()
        .permission_arn(&permission)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(actions_of(detail.permission().unwrap()), set(&READ));
    assert_eq!(
        detail.feature_set(),
        Some(&PermissionFeatureSet::CreatedFromPolicy)
    );
    let listed = a
        .list_permissions()
        .permission_type(PermissionTypeFilter::CustomerManaged)
        .send()
        .await
        .unwrap()
        .permissions
        .unwrap_or_default();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].feature_set(),
        Some(&PermissionFeatureSet::CreatedFromPolicy)
    );
    let by_feature = a
        .list_permission_associations()
        .feature_set(PermissionFeatureSet::CreatedFromPolicy)
        .send()
        .await
        .unwrap()
        .permissions
        .unwrap_or_default();
    assert_eq!(by_feature.len(), 1);
    assert_eq!(by_feature[0].resource_share_arn(), Some(share_arn.as_str()));
    assert_eq!(
        by_feature[0].feature_set(),
        Some(&PermissionFeatureSet::CreatedFromPolicy)
    );

    // What it holds, and whom it names: no invitations, the principals are associated at once.
    let resources = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap()
        .resources
        .unwrap_or_default();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].arn(), Some(project.as_str()));
    assert_eq!(resources[0].r#type(), Some(PROJECT));
    let principals: BTreeSet<String> = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap()
        .principals
        .unwrap_or_default()
        .iter()
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    assert_eq!(principals, set(&[B, &role_c]));
    assert_eq!(
        association_status(&a, &share_arn, ResourceShareAssociationType::Principal, B).await,
        Some("ASSOCIATED".to_owned())
    );
    assert!(invitations(&b).await.is_empty());

    // The principals it names have access through it.
    let allowed = check(&h, A, B, "codebuild:BatchGetProjects", &project).await;
    assert_eq!(allowed["decision"], "ALLOW", "{allowed}");
    assert_eq!(allowed["grant"]["resourceShareArn"], share_arn.as_str());
    assert_eq!(allowed["grant"]["permissionArn"], permission.as_str());
    assert_eq!(allowed["grant"]["associatedPrincipal"], B);
    let role = check(&h, A, &role_c, "codebuild:BatchGetBuilds", &project).await;
    assert_eq!(role["decision"], "ALLOW", "{role}");
    assert_eq!(role["grant"]["associatedPrincipal"], role_c.as_str());
    let not_granted = check(&h, A, B, "codebuild:StartBuild", &project).await;
    assert_eq!(not_granted["decision"], "DENY", "{not_granted}");
    // C's account is not named, only one of its roles.
    let account_c = check(&h, A, C, "codebuild:BatchGetProjects", &project).await;
    assert_eq!(account_c["decision"], "DENY", "{account_c}");
}

#[tokio::test]
async fn created_from_policy_shares_change_only_through_the_policy() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    let (share_arn, permission) = put_ok(&h, &project, &[B], &READ).await;
    let custom = a
        .create_permission()
        .name("Custom")
        .resource_type(PROJECT)
        .policy_template(json!({"Effect": "Allow", "Action": "codebuild:StartBuild"}).to_string())
        .send()
        .await
        .unwrap()
        .permission
        .unwrap()
        .arn
        .unwrap();

    let refused = "OperationNotPermittedException";
    expect_code(
        a.associate_resource_share()
            .resource_share_arn(&share_arn)
            .principals(C)
            .send()
            .await,
        refused,
    );
    expect_code(
        a.associate_resource_share()
            .resource_share_arn(&share_arn)
            .resource_arns(codebuild(A, US, "2"))
            .send()
            .await,
        refused,
    );
    expect_code(
        a.disassociate_resource_share()
            .resource_share_arn(&share_arn)
            .principals(B)
            .send()
            .await,
        refused,
    );
    expect_code(
        a.disassociate_resource_share()
            .resource_share_arn(&share_arn)
            .resource_arns(&project)
            .send()
            .await,
        refused,
    );
    expect_code(
        a.update_resource_share()
            .resource_share_arn(&share_arn)
            .name("renamed")
            .send()
            .await,
        refused,
    );
    expect_code(
        a.delete_resource_share()
            .resource_share_arn(&share_arn)
            .send()
            .await,
        refused,
    );
    expect_code(
        a.associate_resource_share_permission()
            .resource_share_arn(&share_arn)
            .permission_arn(&custom)
            .replace(true)
            .send()
            .await,
        refused,
    );
    expect_code(
        a.disassociate_resource_share_permission()
            .resource_share_arn(&share_arn)
            .permission_arn(&permission)
            .send()
            .await,
        refused,
    );
    // Nothing changed.
    let s = share(&a, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(s.status(), Some(&ResourceShareStatus::Active));
    assert_ne!(s.name(), Some("renamed"));
    assert_eq!(
        share_permission_arns(&a, &share_arn).await,
        [permission.as_str()]
    );

    // A new policy on the resource replaces the share it made.
    let (second, second_permission) =
        put_ok(&h, &project, &[C], &["codebuild:BatchGetProjects"]).await;
    assert_ne!(second, share_arn);
    assert_ne!(second_permission, permission);
    let old = share(&a, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(old.status(), Some(&ResourceShareStatus::Deleted));
    let new = share(&a, ResourceOwner::SelfValue, &second).await;
    assert_eq!(new.status(), Some(&ResourceShareStatus::Active));
    assert_eq!(
        check(&h, A, B, "codebuild:BatchGetProjects", &project).await["decision"],
        "DENY"
    );
    assert_eq!(
        check(&h, A, C, "codebuild:BatchGetProjects", &project).await["decision"],
        "ALLOW"
    );
}

#[tokio::test]
async fn promoting_a_policy_share_needs_a_matching_permission_first() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    let (share_arn, policy_permission) = put_ok(&h, &project, &[B], &READ).await;

    // No managed permission grants exactly these actions yet.
    let msg = expect_code(
        a.promote_resource_share_created_from_policy()
            .resource_share_arn(&share_arn)
            .send()
            .await,
        "UnmatchedPolicyPermissionException",
    );
    assert!(msg.contains("PromotePermissionCreatedFromPolicy"), "{msg}");
    assert_eq!(
        share(&a, ResourceOwner::SelfValue, &share_arn)
            .await
            .feature_set(),
        Some(&ResourceShareFeatureSet::CreatedFromPolicy)
    );

    // Bad names, and permissions that are not from a policy.
    for bad in ["has space", &"x".repeat(37), "a/b"] {
        expect_code(
            a.promote_permission_created_from_policy()
                .permission_arn(&policy_permission)
                .name(bad)
                .send()
                .await,
            "InvalidParameterException",
        );
    }
    let standard = a
        .create_permission()
        .name("Taken")
        .resource_type(PROJECT)
        .policy_template(json!({"Effect": "Allow", "Action": "codebuild:StartBuild"}).to_string())
        .send()
        .await
        .unwrap()
        .permission
        .unwrap()
        .arn
        .unwrap();
    expect_code(
        a.promote_permission_created_from_policy()
            .permission_arn(&policy_permission)
            .name("Taken")
            .send()
            .await,
        "InvalidParameterException",
    );
    for not_from_policy in [
        standard.clone(),
        aws_permission("AWSRAMDefaultPermissionCodeBuildProject"),
    ] {
        expect_code(
            a.promote_permission_created_from_policy()
                .permission_arn(&not_from_policy)
                .name("Promoted")
                .send()
                .await,
            "OperationNotPermittedException",
        );
    }
    expect_code(
        a.promote_permission_created_from_policy()
            .permission_arn(permission_arn(A, US, "Nothing"))
            .name("Promoted")
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        h.client(B, US)
            .promote_permission_created_from_policy()
            .permission_arn(&policy_permission)
            .name("Promoted")
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.promote_permission_created_from_policy()
            .permission_arn("not-an-arn")
            .name("Promoted")
            .send()
            .await,
        "MalformedArnException",
    );

    // Promote the permission: a standard customer managed copy; the share is untouched.
    let out = a
        .promote_permission_created_from_policy()
        .permission_arn(&policy_permission)
        .name("ProjectReader")
        .client_token("promote-permission")
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some("promote-permission"));
    let promoted = out.permission().unwrap();
    let promoted_arn = permission_arn(A, US, "ProjectReader");
    assert_eq!(promoted.arn(), Some(promoted_arn.as_str()));
    assert_eq!(promoted.name(), Some("ProjectReader"));
    assert_eq!(promoted.version(), Some("1"));
    assert_eq!(promoted.status(), Some("ATTACHABLE"));
    assert_eq!(promoted.resource_type(), Some(PROJECT));
    assert_eq!(
        promoted.permission_type(),
        Some(&PermissionType::CustomerManaged)
    );
    assert_eq!(
        promoted.feature_set(),
        Some(&PermissionFeatureSet::Standard)
    );
    let template = a
        .get_permission()
        .permission_arn(&promoted_arn)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(actions_of(&template), set(&READ));
    assert_eq!(
        share_permission_arns(&a, &share_arn).await,
        [policy_permission.as_str()]
    );
    let original = a
        .get_permission()
        .permission_arn(&policy_permission)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(
        original.feature_set(),
        Some(&PermissionFeatureSet::CreatedFromPolicy)
    );
    assert_eq!(original.status(), Some(&PermissionStatus::Attachable));

    // Now the share can be promoted: it becomes STANDARD and uses the promoted permission.
    let out = a
        .promote_resource_share_created_from_policy()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    let s = share(&a, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(s.feature_set(), Some(&ResourceShareFeatureSet::Standard));
    assert_eq!(s.status(), Some(&ResourceShareStatus::Active));
    assert_eq!(
        share_permission_arns(&a, &share_arn).await,
        [promoted_arn.as_str()]
    );
    let using_promoted = a
        .list_permission_associations()
        .permission_arn(&promoted_arn)
        .send()
        .await
        .unwrap()
        .permissions
        .unwrap_or_default();
    assert_eq!(using_promoted.len(), 1);
    assert_eq!(
        using_promoted[0].feature_set(),
        Some(&PermissionFeatureSet::Standard)
    );

    // The policy permission is out of use and goes away.
    assert!(
        a.list_permission_associations()
            .permission_arn(&policy_permission)
            .send()
            .await
            .unwrap()
            .permissions()
            .is_empty()
    );
    let gone = a
        .get_permission()
        .permission_arn(&policy_permission)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(gone.status(), Some(&PermissionStatus::Deleted));
    expect_code(
        a.associate_resource_share_permission()
            .resource_share_arn(&share_arn)
            .permission_arn(&policy_permission)
            .replace(true)
            .send()
            .await,
        "OperationNotPermittedException",
    );

    // Access continues, through the promoted permission.
    let allowed = check(&h, A, B, "codebuild:BatchGetProjects", &project).await;
    assert_eq!(allowed["decision"], "ALLOW", "{allowed}");
    assert_eq!(allowed["grant"]["permissionArn"], promoted_arn.as_str());

    // The share is a normal one now: it can change, and can't be promoted again.
    a.update_resource_share()
        .resource_share_arn(&share_arn)
        .name("promoted")
        .send()
        .await
        .unwrap();
    expect_code(
        a.promote_resource_share_created_from_policy()
            .resource_share_arn(&share_arn)
            .send()
            .await,
        "OperationNotPermittedException",
    );

    h.advance(2 * HOUR_MS + SECOND_MS);
    expect_code(
        a.get_permission()
            .permission_arn(&policy_permission)
            .send()
            .await,
        "UnknownResourceException",
    );
    assert_eq!(share_permission_arns(&a, &share_arn).await, [promoted_arn]);
}

#[tokio::test]
async fn a_policy_matching_an_aws_managed_permission_promotes_directly() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    // The default permission's actions, in another order and case.
    let (share_arn, policy_permission) = put_ok(
        &h,
        &project,
        &[B],
        &[
            "codebuild:ListBuildsForProject",
            "CodeBuild:BatchGetBuilds",
            "codebuild:BatchGetProjects",
        ],
    )
    .await;
    a.promote_resource_share_created_from_policy()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap();
    let default = aws_permission("AWSRAMDefaultPermissionCodeBuildProject");
    assert_eq!(
        share_permission_arns(&a, &share_arn).await,
        [default.as_str()]
    );
    assert_eq!(
        share(&a, ResourceOwner::SelfValue, &share_arn)
            .await
            .feature_set(),
        Some(&ResourceShareFeatureSet::Standard)
    );
    let allowed = check(&h, A, B, "codebuild:ListBuildsForProject", &project).await;
    assert_eq!(
        allowed["grant"]["permissionArn"],
        default.as_str(),
        "{allowed}"
    );
    let gone = a
        .get_permission()
        .permission_arn(&policy_permission)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(gone.status(), Some(&PermissionStatus::Deleted));
}

#[tokio::test]
async fn only_policy_shares_of_the_caller_can_be_promoted() {
    let h = trust().await;
    let a = h.client(A, US);
    let standard = create_share(&a, "standard", &[codebuild(A, US, "1")], &[B]).await;
    expect_code(
        a.promote_resource_share_created_from_policy()
            .resource_share_arn(&standard)
            .send()
            .await,
        "OperationNotPermittedException",
    );
    let (policy_share, _) = put_ok(&h, &codebuild(A, US, "2"), &[B], &READ).await;
    expect_code(
        h.client(B, US)
            .promote_resource_share_created_from_policy()
            .resource_share_arn(&policy_share)
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        h.client(A, EU)
            .promote_resource_share_created_from_policy()
            .resource_share_arn(&policy_share)
            .send()
            .await,
        "UnknownResourceException",
    );
    let missing =
        format!("arn:aws:ram:{US}:{A}:resource-share/00000000-0000-4000-8000-000000000000");
    expect_code(
        a.promote_resource_share_created_from_policy()
            .resource_share_arn(&missing)
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.promote_resource_share_created_from_policy()
            .resource_share_arn("arn:aws:ram:us-east-1:111111111111:permission/x")
            .send()
            .await,
        "MalformedArnException",
    );
}

#[tokio::test]
async fn put_resource_policy_errors() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    let b_root = format!("arn:aws:iam::{B}:root");
    let statement = |extra: Value| {
        let mut s = json!({
            "Effect": "Allow",
            "Principal": {"AWS": [b_root.clone()]},
            "Action": ["codebuild:BatchGetProjects"],
            "Resource": project.clone(),
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                s.as_object_mut().unwrap().remove(k);
            } else {
                s[k] = v.clone();
            }
        }
        json!({"Version": "2012-10-17", "Statement": [s]}).to_string()
    };
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        (
            "not JSON",
            project.clone(),
            "{\"Statement\":".into(),
            400,
            "MalformedPolicyTemplateException",
        ),
        (
            "no Statement",
            project.clone(),
            json!({"Version": "2012-10-17"}).to_string(),
            400,
            "MalformedPolicyTemplateException",
        ),
        (
            "empty Statement",
            project.clone(),
            json!({"Statement": []}).to_string(),
            400,
            "MalformedPolicyTemplateException",
        ),
        (
            "Deny",
            project.clone(),
            statement(json!({"Effect": "Deny"})),
            400,
            "InvalidPolicyException",
        ),
        (
            "another Resource",
            project.clone(),
            statement(json!({"Resource": codebuild(A, US, "2")})),
            400,
            "InvalidPolicyException",
        ),
        (
            "no principals",
            project.clone(),
            statement(json!({"Principal": null})),
            400,
            "InvalidPolicyException",
        ),
        (
            "a service principal",
            project.clone(),
            statement(json!({"Principal": {"AWS": "codebuild.amazonaws.com"}})),
            400,
            "InvalidPolicyException",
        ),
        (
            "another service's action",
            project.clone(),
            statement(json!({"Action": ["ec2:RunInstances"]})),
            400,
            "InvalidPolicyException",
        ),
        (
            "no Action",
            project.clone(),
            statement(json!({"Action": null})),
            400,
            "InvalidPolicyException",
        ),
        (
            "another account's resource",
            codebuild(B, US, "1"),
            policy(&codebuild(B, US, "1"), &[&b_root], &READ),
            400,
            "UnknownResourceException",
        ),
        (
            "another Region's resource",
            codebuild(A, EU, "1"),
            policy(&codebuild(A, EU, "1"), &[&b_root], &READ),
            400,
            "UnknownResourceException",
        ),
        (
            "an unshareable resource",
            "arn:aws:s3:::bucket".into(),
            policy("arn:aws:s3:::bucket", &[&b_root], &["s3:GetObject"]),
            400,
            "MalformedArnException",
        ),
        (
            "a malformed resource ARN",
            "bucket".into(),
            policy("bucket", &[&b_root], &READ),
            400,
            "MalformedArnException",
        ),
    ];
    for (what, resource, text, status, code) in cases {
        let reply = put(&h, A, &resource, &text).await;
        let msg = reply.expect_error(status, code);
        assert!(!msg.is_empty(), "{what}: a message");
    }
    // Bodies that are not the request.
    h.post_text(A, US, "/putresourcepolicy", "{not json")
        .await
        .expect_error(400, "SerializationException");
    h.post_json(
        A,
        US,
        "/putresourcepolicy",
        &json!({"resourceArn": project}),
    )
    .await
    .expect_error(400, "SerializationException");
    // None of them made a share.
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
}

/// A policy grants its actions only under its condition. Promoting the share must keep that:
/// a managed permission with the same actions but no condition is not a match (it would grant
/// more than the policy did), so the share can be promoted only to the permission promoted
/// from the policy, which keeps the condition.
#[tokio::test]
async fn promotion_keeps_the_policys_condition() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    // The default permission's actions, but only for requests tagged env=prod.
    let actions = [
        "codebuild:BatchGetProjects",
        "codebuild:BatchGetBuilds",
        "codebuild:ListBuildsForProject",
    ];
    let condition = json!({"StringEquals": {"aws:RequestTag/env": "prod"}});
    let text = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": [B]},
            "Action": actions,
            "Resource": project,
            "Condition": condition,
        }]
    })
    .to_string();
    let body = put(&h, A, &project, &text).await.ok().clone();
    let share_arn = body["resourceShareArn"].as_str().unwrap().to_owned();
    let policy_permission = body["permissionArn"].as_str().unwrap().to_owned();
    let ask = |context: Value| decide_with(&h, B, actions[0], &project, context);
    assert_eq!(ask(json!({})).await, "DENY");
    assert_eq!(ask(json!({"aws:RequestTag/env": "prod"})).await, "ALLOW");

    // AWSRAMDefaultPermissionCodeBuildProject has the same actions and no condition.
    expect_code(
        a.promote_resource_share_created_from_policy()
            .resource_share_arn(&share_arn)
            .send()
            .await,
        "UnmatchedPolicyPermissionException",
    );

    let promoted = a
        .promote_permission_created_from_policy()
        .permission_arn(&policy_permission)
        .name("ProdReader")
        .send()
        .await
        .unwrap()
        .permission
        .unwrap()
        .arn
        .unwrap();
    let template: Value = serde_json::from_str(
        &a.get_permission()
            .permission_arn(&promoted)
            .send()
            .await
            .unwrap()
            .permission
            .unwrap()
            .permission
            .unwrap(),
    )
    .unwrap();
    assert_eq!(template["Condition"], condition);
    a.promote_resource_share_created_from_policy()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(share_permission_arns(&a, &share_arn).await, [promoted]);
    // Access is exactly what the policy gave.
    assert_eq!(ask(json!({})).await, "DENY");
    assert_eq!(ask(json!({"aws:RequestTag/env": "prod"})).await, "ALLOW");
}

/// A policy that replaces an earlier one replaces its share; the earlier share's permission is
/// then used by nothing and goes away (as a policy permission does once a promotion leaves it
/// unused), rather than lingering as an attachable customer managed permission.
#[tokio::test]
async fn a_replaced_policys_permission_goes_away() {
    let h = trust().await;
    let a = h.client(A, US);
    let project = codebuild(A, US, "1");
    let (_, first) = put_ok(&h, &project, &[B], &READ).await;
    let (_, second) = put_ok(&h, &project, &[B, C], &READ).await;
    let (_, third) = put_ok(&h, &project, &[C], &["codebuild:BatchGetProjects"]).await;

    let listed = a
        .list_permissions()
        .permission_type(PermissionTypeFilter::CustomerManaged)
        .send()
        .await
        .unwrap()
        .permissions
        .unwrap_or_default();
    let attachable: Vec<&str> = listed
        .iter()
        .filter(|p| p.status() == Some("ATTACHABLE"))
        .map(|p| p.arn().unwrap())
        .collect();
    assert_eq!(attachable, [third.as_str()], "{listed:?}");
    for old in [&first, &second] {
        let status = a
            .get_permission()
            .permission_arn(old)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetPermission {old}: {e:?}"))
            .permission
            .and_then(|p| p.status);
        assert_eq!(status, Some(PermissionStatus::Deleted), "{old}");
    }
    // So they do not use up the resource type's quota of ten customer managed permissions: with
    // the one live policy permission, nine more fit.
    for i in 1..=9 {
        a.create_permission()
            .name(format!("Mine{i}"))
            .resource_type(PROJECT)
            .policy_template(
                json!({"Effect": "Allow", "Action": "codebuild:StartBuild"}).to_string(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreatePermission Mine{i}: {e:?}"));
    }
}
