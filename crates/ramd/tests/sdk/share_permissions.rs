//! Which permission each share grants: CreateResourceShare's `permissionArns`,
//! AssociateResourceSharePermission, DisassociateResourceSharePermission,
//! ListResourceSharePermissions, ListPermissionAssociations, ReplacePermissionAssociations and
//! ListReplacePermissionAssociationsWork.

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use std::collections::BTreeSet;

use aws_sdk_ram::Client;
use aws_sdk_ram::operation::list_permission_associations::builders::ListPermissionAssociationsFluentBuilder;
use aws_sdk_ram::types::{
    PermissionFeatureSet, PermissionType, ReplacePermissionAssociationsWork,
    ReplacePermissionAssociationsWorkStatus, ResourceShareAssociationStatus,
    ResourceSharePermissionSummary,
};
use serde_json::json;

use crate::common::*;

const PROJECT: &str = "codebuild:Project";
const COMPONENT: &str = "imagebuilder:Component";

fn template(actions: &[&str]) -> String {
    json!({"Effect": "Allow", "Action": actions}).to_string()
}

fn project_default() -> String {
    aws_permission("AWSRAMDefaultPermissionCodeBuildProject")
}

fn tgw_default() -> String {
    aws_permission("AWSRAMDefaultPermissionTransitGateway")
}

fn component(account: &str, id: &str) -> String {
    format!("arn:aws:imagebuilder:{US}:{account}:component/c-{id}/1.0.0/1")
}

/// Creates a customer managed permission; returns its ARN.
async fn cmp(client: &Client, name: &str, resource_type: &str, actions: &[&str]) -> String {
    client
        .create_permission()
        .name(name)
        .resource_type(resource_type)
        .policy_template(template(actions))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePermission {name}: {e:?}"))
        .permission
        .and_then(|p| p.arn)
        .expect("permission ARN")
}

async fn new_version(client: &Client, arn: &str, actions: &[&str]) -> String {
    client
        .create_permission_version()
        .permission_arn(arn)
        .policy_template(template(actions))
        .send()
        .await
        .expect("CreatePermissionVersion")
        .permission
        .and_then(|p| p.version)
        .expect("version")
}

/// Creates a share of `resources` with `principals` using `permissions`; returns its ARN.
async fn share_with(
    client: &Client,
    name: &str,
    resources: &[String],
    principals: &[&str],
    permissions: &[&str],
) -> String {
    let mut call = client.create_resource_share().name(name);
    for r in resources {
        call = call.resource_arns(r);
    }
    for p in principals {
        call = call.principals(*p);
    }
    for p in permissions {
        call = call.permission_arns(*p);
    }
    call.send()
        .await
        .unwrap_or_else(|e| panic!("CreateResourceShare {name}: {e:?}"))
        .resource_share
        .and_then(|s| s.resource_share_arn)
        .expect("share ARN")
}

async fn share_permissions(client: &Client, share: &str) -> Vec<ResourceSharePermissionSummary> {
    client
        .list_resource_share_permissions()
        .resource_share_arn(share)
        .send()
        .await
        .expect("ListResourceSharePermissions")
        .permissions
        .unwrap_or_default()
}

/// (permission ARN, version) of each permission of a share, sorted.
async fn attached(client: &Client, share: &str) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = share_permissions(client, share)
        .await
        .iter()
        .map(|p| (p.arn().unwrap().to_owned(), p.version().unwrap().to_owned()))
        .collect();
    list.sort();
    list
}

fn pair(arn: &str, version: &str) -> (String, String) {
    (arn.to_owned(), version.to_owned())
}

// ---------------------------------------------------------------------------------------------
// CreateResourceShare with permissionArns

#[tokio::test]
async fn a_share_created_with_a_customer_managed_permission_uses_it() {
    let h = trust().await;
    let a = h.client(A, US);
    let reader = cmp(
        &a,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;

    let share = share_with(&a, "custom", &[codebuild(A, US, "1")], &[B], &[&reader]).await;
    let perms = share_permissions(&a, &share).await;
    assert_eq!(perms.len(), 1, "{perms:?}");
    let p = &perms[0];
    assert_eq!(p.arn(), Some(reader.as_str()));
    assert_eq!(p.name(), Some("ProjectReader"));
    assert_eq!(p.version(), Some("1"));
    assert_eq!(p.default_version(), Some(true));
    assert_eq!(p.resource_type(), Some(PROJECT));
    assert_eq!(p.status(), Some("ASSOCIATED"));
    assert_eq!(p.permission_type(), Some(&PermissionType::CustomerManaged));
    assert_eq!(p.is_resource_type_default(), Some(false));

    // Without permissionArns a share gets the type's default AWS managed permission.
    let plain = share_with(&a, "plain", &[codebuild(A, US, "2")], &[], &[]).await;
    let perms = share_permissions(&a, &plain).await;
    assert_eq!(perms.len(), 1);
    assert_eq!(perms[0].arn(), Some(project_default().as_str()));
    assert_eq!(perms[0].status(), Some("ASSOCIATED"));
    assert_eq!(
        perms[0].permission_type(),
        Some(&PermissionType::AwsManaged)
    );
    assert_eq!(perms[0].is_resource_type_default(), Some(true));

    // A permission given for a type the share holds no resource of yet is kept for it.
    let component_reader = cmp(
        &a,
        "ComponentReader",
        COMPONENT,
        &["imagebuilder:GetComponent"],
    )
    .await;
    let ahead = share_with(&a, "ahead", &[], &[], &[&component_reader]).await;
    assert_eq!(attached(&a, &ahead).await, [pair(&component_reader, "1")]);
    a.associate_resource_share()
        .resource_share_arn(&ahead)
        .resource_arns(component(A, "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(attached(&a, &ahead).await, [pair(&component_reader, "1")]);

    // GetResourceShares filters on the permission.
    let using = a
        .get_resource_shares()
        .resource_owner(aws_sdk_ram::types::ResourceOwner::SelfValue)
        .permission_arn(&reader)
        .send()
        .await
        .unwrap()
        .resource_shares
        .unwrap_or_default();
    assert_eq!(
        using
            .iter()
            .map(|s| s.resource_share_arn().unwrap())
            .collect::<Vec<_>>(),
        [share.as_str()]
    );
}

#[tokio::test]
async fn create_resource_share_refuses_two_permissions_of_one_type() {
    let h = trust().await;
    let a = h.client(A, US);
    let reader = cmp(
        &a,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;
    let builder = cmp(&a, "ProjectBuilder", PROJECT, &["codebuild:StartBuild"]).await;
    for pair in [
        [reader.as_str(), builder.as_str()],
        [reader.as_str(), project_default().as_str()],
    ] {
        expect_code(
            a.create_resource_share()
                .name("two")
                .resource_arns(codebuild(A, US, "1"))
                .permission_arns(pair[0])
                .permission_arns(pair[1])
                .send()
                .await,
            "InvalidParameterException",
        );
    }
    // Permissions of two types are fine.
    let component_reader = cmp(
        &a,
        "ComponentReader",
        COMPONENT,
        &["imagebuilder:GetComponent"],
    )
    .await;
    let both = share_with(
        &a,
        "both",
        &[codebuild(A, US, "1"), component(A, "1")],
        &[],
        &[&reader, &component_reader],
    )
    .await;
    assert_eq!(
        attached(&a, &both).await,
        [pair(&component_reader, "1"), pair(&reader, "1")]
    );
    // Unknown and other accounts' permissions are unknown; malformed ARNs are malformed.
    for unknown in [
        permission_arn(A, US, "Nothing"),
        permission_arn(B, US, "ProjectReader"),
        aws_permission("AWSRAMNothing"),
    ] {
        expect_code(
            a.create_resource_share()
                .name("x")
                .permission_arns(&unknown)
                .send()
                .await,
            "UnknownResourceException",
        );
    }
    expect_code(
        a.create_resource_share()
            .name("x")
            .permission_arns("arn:aws:ram:us-east-1:111111111111:thing/x")
            .send()
            .await,
        "MalformedArnException",
    );
    // Only the refused calls' shares are missing: just "both" exists.
    assert_eq!(
        shares(&a, aws_sdk_ram::types::ResourceOwner::SelfValue)
            .await
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// AssociateResourceSharePermission

#[tokio::test]
async fn associate_resource_share_permission_replaces_only_when_asked() {
    let h = trust().await;
    let a = h.client(A, US);
    let reader = cmp(
        &a,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;
    let share = share_with(&a, "s", &[codebuild(A, US, "1")], &[B], &[]).await;
    assert_eq!(attached(&a, &share).await, [pair(&project_default(), "1")]);

    let associate = |permission: &str, replace: Option<bool>, version: Option<i32>| {
        a.associate_resource_share_permission()
            .resource_share_arn(&share)
            .permission_arn(permission)
            .set_replace(replace)
            .set_permission_version(version)
            .send()
    };
    expect_code(
        associate(&reader, None, None).await,
        "InvalidParameterException",
    );
    expect_code(
        associate(&reader, Some(false), None).await,
        "InvalidParameterException",
    );
    assert_eq!(attached(&a, &share).await, [pair(&project_default(), "1")]);

    let out = a
        .associate_resource_share_permission()
        .resource_share_arn(&share)
        .permission_arn(&reader)
        .replace(true)
        .client_token("swap")
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    assert_eq!(out.client_token(), Some("swap"));
    assert_eq!(attached(&a, &share).await, [pair(&reader, "1")]);
    // Associating what is already there is a no-op, replace or not.
    associate(&reader, None, None).await.unwrap();
    associate(&reader, None, Some(1)).await.unwrap();

    // Only the default version can be attached.
    assert_eq!(
        new_version(&a, &reader, &["codebuild:BatchGet*"]).await,
        "2"
    );
    assert_eq!(
        attached(&a, &share).await,
        [pair(&reader, "1")],
        "not upgraded by itself"
    );
    expect_code(
        associate(&reader, Some(true), Some(1)).await,
        "InvalidParameterException",
    );
    expect_code(
        associate(&reader, Some(true), Some(7)).await,
        "InvalidParameterException",
    );
    // replace=true with the same permission upgrades the share to the default version.
    associate(&reader, Some(true), Some(2)).await.unwrap();
    assert_eq!(attached(&a, &share).await, [pair(&reader, "2")]);

    // Back to the AWS managed one.
    associate(&project_default(), Some(true), None)
        .await
        .unwrap();
    assert_eq!(attached(&a, &share).await, [pair(&project_default(), "1")]);

    // A permission of another type is added beside it.
    let component_reader = cmp(
        &a,
        "ComponentReader",
        COMPONENT,
        &["imagebuilder:GetComponent"],
    )
    .await;
    associate(&component_reader, None, None).await.unwrap();
    assert_eq!(
        attached(&a, &share).await,
        [pair(&project_default(), "1"), pair(&component_reader, "1")]
    );
}

#[tokio::test]
async fn associate_resource_share_permission_errors() {
    let h = trust().await;
    let a = h.client(A, US);
    let reader = cmp(
        &a,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;
    let share = share_with(&a, "s", &[codebuild(A, US, "1")], &[], &[]).await;

    // A permission being deleted can't be attached.
    let doomed = cmp(&a, "Doomed", PROJECT, &["codebuild:StartBuild"]).await;
    a.delete_permission()
        .permission_arn(&doomed)
        .send()
        .await
        .unwrap();
    expect_code(
        a.associate_resource_share_permission()
            .resource_share_arn(&share)
            .permission_arn(&doomed)
            .replace(true)
            .send()
            .await,
        "OperationNotPermittedException",
    );
    // Unknown share, malformed share, another account's share.
    let missing =
        format!("arn:aws:ram:{US}:{A}:resource-share/00000000-0000-4000-8000-000000000000");
    expect_code(
        a.associate_resource_share_permission()
            .resource_share_arn(&missing)
            .permission_arn(&reader)
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.associate_resource_share_permission()
            .resource_share_arn("not-an-arn")
            .permission_arn(&reader)
            .send()
            .await,
        "MalformedArnException",
    );
    let b = h.client(B, US);
    let b_reader = cmp(
        &b,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;
    expect_code(
        b.associate_resource_share_permission()
            .resource_share_arn(&share)
            .permission_arn(&b_reader)
            .replace(true)
            .send()
            .await,
        "UnknownResourceException",
    );
    // Unknown permission, another account's permission.
    for unknown in [permission_arn(A, US, "Nothing"), b_reader.clone()] {
        expect_code(
            a.associate_resource_share_permission()
                .resource_share_arn(&share)
                .permission_arn(&unknown)
                .replace(true)
                .send()
                .await,
            "UnknownResourceException",
        );
    }
    // Nor on a deleted share.
    a.delete_resource_share()
        .resource_share_arn(&share)
        .send()
        .await
        .unwrap();
    expect_code(
        a.associate_resource_share_permission()
            .resource_share_arn(&share)
            .permission_arn(&reader)
            .replace(true)
            .send()
            .await,
        "UnknownResourceException",
    );
}

// ---------------------------------------------------------------------------------------------
// DisassociateResourceSharePermission

#[tokio::test]
async fn disassociate_resource_share_permission_needs_the_type_to_be_empty() {
    let h = trust().await;
    let a = h.client(A, US);
    let reader = cmp(
        &a,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;
    let project = codebuild(A, US, "1");
    let share = share_with(&a, "s", std::slice::from_ref(&project), &[B], &[&reader]).await;
    let disassociate = |permission: &str| {
        a.disassociate_resource_share_permission()
            .resource_share_arn(&share)
            .permission_arn(permission)
            .send()
    };

    expect_code(
        disassociate(&reader).await,
        "InvalidStateTransitionException",
    );
    expect_code(
        disassociate(&project_default()).await,
        "UnknownResourceException",
    );
    expect_code(
        disassociate(&permission_arn(A, US, "Nothing")).await,
        "UnknownResourceException",
    );
    expect_code(disassociate("not-an-arn").await, "MalformedArnException");
    expect_code(
        h.client(B, US)
            .disassociate_resource_share_permission()
            .resource_share_arn(&share)
            .permission_arn(&reader)
            .send()
            .await,
        "UnknownResourceException",
    );

    a.disassociate_resource_share()
        .resource_share_arn(&share)
        .resource_arns(&project)
        .send()
        .await
        .unwrap();
    let out = a
        .disassociate_resource_share_permission()
        .resource_share_arn(&share)
        .permission_arn(&reader)
        .client_token("drop")
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    assert_eq!(out.client_token(), Some("drop"));
    assert!(share_permissions(&a, &share).await.is_empty());
    // Now it is not associated any more.
    expect_code(disassociate(&reader).await, "UnknownResourceException");
    // And the permission is free to be deleted.
    a.delete_permission()
        .permission_arn(&reader)
        .send()
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// ListResourceSharePermissions: who may look

#[tokio::test]
async fn receivers_see_a_shares_permissions_and_strangers_do_not() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let reader = cmp(
        &a,
        "ProjectReader",
        PROJECT,
        &["codebuild:BatchGetProjects"],
    )
    .await;
    let share = share_with(&a, "s", &[codebuild(A, US, "1")], &[B], &[&reader]).await;

    // Before accepting, B does not have the share.
    expect_code(
        b.list_resource_share_permissions()
            .resource_share_arn(&share)
            .send()
            .await,
        "UnknownResourceException",
    );
    accept(&b, &share).await;
    let seen = share_permissions(&b, &share).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].arn(), Some(reader.as_str()));
    assert_eq!(seen[0].version(), Some("1"));
    assert_eq!(seen[0].status(), Some("ASSOCIATED"));
    assert_eq!(
        seen[0].permission_type(),
        Some(&PermissionType::CustomerManaged)
    );

    // A stranger, and the receiver in another Region, do not.
    for client in [&c, &h.client(B, EU)] {
        expect_code(
            client
                .list_resource_share_permissions()
                .resource_share_arn(&share)
                .send()
                .await,
            "UnknownResourceException",
        );
    }
    expect_code(
        a.list_resource_share_permissions()
            .resource_share_arn("arn:aws:ram:us-east-1:111111111111:permission/x")
            .send()
            .await,
        "MalformedArnException",
    );
    let missing =
        format!("arn:aws:ram:{US}:{A}:resource-share/00000000-0000-4000-8000-000000000000");
    expect_code(
        a.list_resource_share_permissions()
            .resource_share_arn(&missing)
            .send()
            .await,
        "UnknownResourceException",
    );

    // Once the owner removes B, B no longer sees them.
    a.disassociate_resource_share()
        .resource_share_arn(&share)
        .principals(B)
        .send()
        .await
        .unwrap();
    expect_code(
        b.list_resource_share_permissions()
            .resource_share_arn(&share)
            .send()
            .await,
        "UnknownResourceException",
    );
}

// ---------------------------------------------------------------------------------------------
// ListPermissionAssociations

async fn associations(
    call: ListPermissionAssociationsFluentBuilder,
) -> Vec<(String, String, String)> {
    let pages: Vec<_> = call
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("ListPermissionAssociations");
    let mut list: Vec<(String, String, String)> = pages
        .into_iter()
        .flat_map(|p| p.permissions.unwrap_or_default())
        .map(|p| {
            (
                p.resource_share_arn().unwrap().to_owned(),
                p.arn().unwrap().to_owned(),
                p.permission_version().unwrap().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

fn row(share: &str, arn: &str, version: &str) -> (String, String, String) {
    (share.to_owned(), arn.to_owned(), version.to_owned())
}

#[tokio::test]
async fn list_permission_associations_filters() {
    let h = trust().await;
    let a = h.client(A, US);
    let p = cmp(&a, "Tracked", PROJECT, &["codebuild:BatchGetProjects"]).await;
    let s1 = share_with(&a, "s1", &[codebuild(A, US, "1")], &[], &[&p]).await;
    new_version(&a, &p, &["codebuild:BatchGet*"]).await;
    let s2 = share_with(&a, "s2", &[codebuild(A, US, "2")], &[], &[&p]).await;
    let s3 = share_with(&a, "s3", &[codebuild(A, US, "3")], &[], &[]).await;
    let s4 = share_with(&a, "s4", &[tgw(A, US, "4")], &[], &[]).await;
    // Another account's shares never show.
    let b = h.client(B, US);
    share_with(&b, "b", &[codebuild(B, US, "1")], &[], &[]).await;

    let mut all = vec![
        row(&s1, &p, "1"),
        row(&s2, &p, "2"),
        row(&s3, &project_default(), "1"),
        row(&s4, &tgw_default(), "1"),
    ];
    all.sort();
    assert_eq!(associations(a.list_permission_associations()).await, all);

    let out = a
        .list_permission_associations()
        .permission_arn(&p)
        .permission_version(1)
        .send()
        .await
        .unwrap();
    let item = &out.permissions()[0];
    assert_eq!(item.resource_share_arn(), Some(s1.as_str()));
    assert_eq!(item.default_version(), Some(false));
    assert_eq!(item.resource_type(), Some(PROJECT));
    assert_eq!(item.status(), Some("ASSOCIATED"));
    assert_eq!(item.feature_set(), Some(&PermissionFeatureSet::Standard));
    assert!(item.last_updated_time().is_some());

    let mut on_p = vec![row(&s1, &p, "1"), row(&s2, &p, "2")];
    on_p.sort();
    assert_eq!(
        associations(a.list_permission_associations().permission_arn(&p)).await,
        on_p
    );
    assert_eq!(
        associations(
            a.list_permission_associations()
                .permission_arn(&p)
                .permission_version(2)
        )
        .await,
        [row(&s2, &p, "2")]
    );
    assert_eq!(
        associations(
            a.list_permission_associations()
                .permission_arn(&p)
                .default_version(true)
        )
        .await,
        [row(&s2, &p, "2")]
    );
    // `defaultVersion=false` is the default ("associations that use any version"), not
    // "associations on a non-default version".
    assert_eq!(
        associations(a.list_permission_associations().default_version(false)).await,
        all
    );
    assert_eq!(
        associations(
            a.list_permission_associations()
                .permission_arn(&p)
                .default_version(false)
        )
        .await,
        on_p
    );
    assert_eq!(
        associations(
            a.list_permission_associations()
                .resource_type("ec2:TransitGateway")
        )
        .await,
        [row(&s4, &tgw_default(), "1")]
    );
    let mut projects = vec![
        row(&s1, &p, "1"),
        row(&s2, &p, "2"),
        row(&s3, &project_default(), "1"),
    ];
    projects.sort();
    assert_eq!(
        associations(a.list_permission_associations().resource_type(PROJECT)).await,
        projects
    );
    assert_eq!(
        associations(
            a.list_permission_associations()
                .feature_set(PermissionFeatureSet::Standard)
        )
        .await,
        all
    );
    assert!(
        associations(
            a.list_permission_associations()
                .feature_set(PermissionFeatureSet::CreatedFromPolicy)
        )
        .await
        .is_empty()
    );
    assert_eq!(
        associations(
            a.list_permission_associations()
                .association_status(ResourceShareAssociationStatus::Associated)
        )
        .await,
        all
    );
    assert!(
        associations(
            a.list_permission_associations()
                .association_status(ResourceShareAssociationStatus::Disassociated)
        )
        .await
        .is_empty()
    );

    // Pages of one hold everything once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = a
            .list_permission_associations()
            .max_results(1)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        assert!(out.permissions().len() <= 1);
        seen.extend(
            out.permissions()
                .iter()
                .map(|p| p.resource_share_arn().unwrap().to_owned()),
        );
        match out.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>(),
        [&s1, &s2, &s3, &s4].into_iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(seen.len(), 4);

    // A deleted share no longer counts.
    a.delete_resource_share()
        .resource_share_arn(&s1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        associations(a.list_permission_associations().permission_arn(&p)).await,
        [row(&s2, &p, "2")]
    );

    expect_code(
        a.list_permission_associations()
            .resource_type("ec2:Nothing")
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.list_permission_associations()
            .permission_arn("not-an-arn")
            .send()
            .await,
        "MalformedArnException",
    );
}

// ---------------------------------------------------------------------------------------------
// ReplacePermissionAssociations

async fn works(
    client: &Client,
    ids: &[&str],
    status: Option<ReplacePermissionAssociationsWorkStatus>,
) -> Vec<ReplacePermissionAssociationsWork> {
    let mut call = client
        .list_replace_permission_associations_work()
        .set_status(status);
    for id in ids {
        call = call.work_ids(*id);
    }
    call.send()
        .await
        .expect("ListReplacePermissionAssociationsWork")
        .replace_permission_associations_works
        .unwrap_or_default()
}

fn work_ids(list: &[ReplacePermissionAssociationsWork]) -> Vec<String> {
    list.iter().map(|w| w.id().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn replace_permission_associations_moves_shares_to_the_default_version() {
    let h = trust().await;
    let a = h.client(A, US);
    let p = cmp(&a, "Moving", PROJECT, &["codebuild:BatchGetProjects"]).await;
    let s1 = share_with(&a, "s1", &[codebuild(A, US, "1")], &[B], &[&p]).await;
    let s2 = share_with(&a, "s2", &[codebuild(A, US, "2")], &[], &[&p]).await;
    assert_eq!(new_version(&a, &p, &["codebuild:BatchGet*"]).await, "2");
    // Existing shares keep version 1 until they are moved.
    assert_eq!(attached(&a, &s1).await, [pair(&p, "1")]);
    assert_eq!(attached(&a, &s2).await, [pair(&p, "1")]);

    let out = a
        .replace_permission_associations()
        .from_permission_arn(&p)
        .to_permission_arn(&p)
        .client_token("upgrade")
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some("upgrade"));
    let work = out.replace_permission_associations_work().unwrap();
    let id = work.id().unwrap().to_owned();
    assert!(is_uuid(&id), "{id}");
    assert_eq!(work.from_permission_arn(), Some(p.as_str()));
    assert_eq!(work.from_permission_version(), None);
    assert_eq!(work.to_permission_arn(), Some(p.as_str()));
    assert_eq!(work.to_permission_version(), Some("2"));
    assert_eq!(
        work.status(),
        Some(&ReplacePermissionAssociationsWorkStatus::InProgress)
    );
    assert!(work.status_message().is_none());
    assert!(work.creation_time().is_some());

    let listed = works(&a, &[], None).await;
    assert_eq!(work_ids(&listed), [id.as_str()]);
    assert_eq!(
        listed[0].status(),
        Some(&ReplacePermissionAssociationsWorkStatus::InProgress)
    );
    assert_eq!(
        work_ids(
            &works(
                &a,
                &[],
                Some(ReplacePermissionAssociationsWorkStatus::InProgress)
            )
            .await
        ),
        [id.as_str()]
    );
    h.advance(SECOND_MS);
    let listed = works(&a, &[&id], None).await;
    assert_eq!(
        listed[0].status(),
        Some(&ReplacePermissionAssociationsWorkStatus::Completed)
    );
    assert!(
        works(
            &a,
            &[],
            Some(ReplacePermissionAssociationsWorkStatus::InProgress)
        )
        .await
        .is_empty()
    );
    assert_eq!(
        work_ids(
            &works(
                &a,
                &[],
                Some(ReplacePermissionAssociationsWorkStatus::Completed)
            )
            .await
        ),
        [id.as_str()]
    );
    assert_eq!(attached(&a, &s1).await, [pair(&p, "2")]);
    assert_eq!(attached(&a, &s2).await, [pair(&p, "2")]);
    // Version 1 is free now.
    a.delete_permission_version()
        .permission_arn(&p)
        .permission_version(1)
        .send()
        .await
        .unwrap();

    // From the AWS managed default to a customer managed permission, only on version 1.
    let s3 = share_with(&a, "s3", &[codebuild(A, US, "3")], &[], &[]).await;
    let q = cmp(&a, "Target", PROJECT, &["codebuild:StartBuild"]).await;
    let second = a
        .replace_permission_associations()
        .from_permission_arn(project_default())
        .from_permission_version(1)
        .to_permission_arn(&q)
        .send()
        .await
        .unwrap()
        .replace_permission_associations_work
        .unwrap();
    assert_eq!(second.from_permission_version(), Some("1"));
    assert_eq!(second.to_permission_version(), Some("1"));
    assert_eq!(attached(&a, &s3).await, [pair(&q, "1")]);
    assert_eq!(
        attached(&a, &s1).await,
        [pair(&p, "2")],
        "other shares are untouched"
    );
    let second_id = second.id().unwrap().to_owned();

    // Filters on work ids; an unknown id matches nothing; other accounts see none.
    let both = works(&a, &[], None).await;
    assert_eq!(work_ids(&both), [id.as_str(), second_id.as_str()]);
    assert_eq!(
        work_ids(&works(&a, &[&second_id], None).await),
        [second_id.as_str()]
    );
    assert!(
        works(&a, &["00000000-0000-4000-8000-000000000000"], None)
            .await
            .is_empty()
    );
    assert!(works(&h.client(B, US), &[], None).await.is_empty());
    // Pages of one.
    let first_page = a
        .list_replace_permission_associations_work()
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        work_ids(first_page.replace_permission_associations_works()),
        [id.as_str()]
    );
    let next = a
        .list_replace_permission_associations_work()
        .max_results(1)
        .next_token(first_page.next_token().expect("a second page"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        work_ids(next.replace_permission_associations_works()),
        [second_id]
    );
}

#[tokio::test]
async fn replace_permission_associations_errors() {
    let h = trust().await;
    let a = h.client(A, US);
    let p = cmp(&a, "FromP", PROJECT, &["codebuild:BatchGetProjects"]).await;
    share_with(&a, "s1", &[codebuild(A, US, "1")], &[], &[&p]).await;
    let replace = |from: &str, to: &str, version: Option<i32>| {
        a.replace_permission_associations()
            .from_permission_arn(from)
            .to_permission_arn(to)
            .set_from_permission_version(version)
            .send()
    };
    // Different resource types.
    expect_code(
        replace(&p, &tgw_default(), None).await,
        "InvalidParameterException",
    );
    let component_reader = cmp(
        &a,
        "ComponentReader",
        COMPONENT,
        &["imagebuilder:GetComponent"],
    )
    .await;
    expect_code(
        replace(&p, &component_reader, None).await,
        "InvalidParameterException",
    );
    // A version the permission does not have.
    expect_code(replace(&p, &p, Some(4)).await, "InvalidParameterException");
    // Unknown or malformed permissions.
    expect_code(
        replace(&p, &permission_arn(A, US, "Nothing"), None).await,
        "UnknownResourceException",
    );
    expect_code(
        replace(&permission_arn(A, US, "Nothing"), &p, None).await,
        "UnknownResourceException",
    );
    expect_code(replace(&p, "nope", None).await, "MalformedArnException");
    // A permission being deleted can't be the target.
    let doomed = cmp(&a, "Doomed", PROJECT, &["codebuild:StartBuild"]).await;
    a.delete_permission()
        .permission_arn(&doomed)
        .send()
        .await
        .unwrap();
    expect_code(
        replace(&p, &doomed, None).await,
        "OperationNotPermittedException",
    );
    // No work was recorded for the refused calls.
    assert!(works(&a, &[], None).await.is_empty());

    // Idempotency: same token replays the work; other parameters are a mismatch.
    let to = cmp(&a, "ToP", PROJECT, &["codebuild:StartBuild"]).await;
    let send = |target: &str| {
        a.replace_permission_associations()
            .from_permission_arn(&p)
            .to_permission_arn(target)
            .client_token("replace-once")
            .send()
    };
    let first = send(&to).await.unwrap();
    let again = send(&to).await.unwrap();
    assert_eq!(
        first.replace_permission_associations_work().unwrap().id(),
        again.replace_permission_associations_work().unwrap().id()
    );
    assert_eq!(works(&a, &[], None).await.len(), 1);
    expect_code(send(&p).await, "IdempotentParameterMismatchException");
}

/// The statements GetResourcePolicies generates for one resource.
async fn policy_statements(client: &Client, resource: &str) -> Vec<serde_json::Value> {
    let out = client
        .get_resource_policies()
        .resource_arns(resource)
        .send()
        .await
        .expect("GetResourcePolicies");
    out.policies()
        .iter()
        .flat_map(|p| {
            let policy: serde_json::Value = serde_json::from_str(p).expect("a JSON policy");
            policy["Statement"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn resource_policies_carry_a_customer_managed_permissions_actions_and_condition() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    // One action as a string, with a condition.
    let condition = json!({"StringEquals": {"aws:RequestTag/team": "blue"}});
    let p = a
        .create_permission()
        .name("Conditional")
        .resource_type(PROJECT)
        .policy_template(
            json!({"Effect": "Allow", "Action": "codebuild:BatchGetProjects", "Condition": condition})
                .to_string(),
        )
        .send()
        .await
        .unwrap()
        .permission
        .and_then(|p| p.arn)
        .unwrap();
    let project = codebuild(A, US, "1");
    let share = share_with(&a, "custom", std::slice::from_ref(&project), &[B], &[&p]).await;
    accept(&b, &share).await;

    let [statement] = &policy_statements(&a, &project).await[..] else {
        panic!("one statement expected");
    };
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], json!(["codebuild:BatchGetProjects"]));
    assert_eq!(statement["Condition"], condition);
    assert_eq!(statement["Resource"], json!(project));
    assert_eq!(
        statement["Principal"],
        json!({"AWS": [format!("arn:aws:iam::{B}:root")]})
    );

    // A new default version applied to the share changes the policy; before that it does not.
    new_version(
        &a,
        &p,
        &[
            "codebuild:BatchGetProjects",
            "codebuild:ListBuildsForProject",
        ],
    )
    .await;
    assert_eq!(
        policy_statements(&a, &project).await[0]["Action"],
        json!(["codebuild:BatchGetProjects"])
    );
    a.replace_permission_associations()
        .from_permission_arn(&p)
        .to_permission_arn(&p)
        .send()
        .await
        .unwrap();
    let statements = policy_statements(&a, &project).await;
    assert_eq!(
        statements[0]["Action"],
        json!([
            "codebuild:BatchGetProjects",
            "codebuild:ListBuildsForProject"
        ])
    );
    assert!(statements[0].get("Condition").is_none(), "{statements:?}");

    // Replaced by another customer managed permission: its content, with its condition.
    let q = a
        .create_permission()
        .name("Other")
        .resource_type(PROJECT)
        .policy_template(
            json!({"Effect": "Allow", "Action": ["codebuild:Batch*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .permission
        .and_then(|p| p.arn)
        .unwrap();
    a.replace_permission_associations()
        .from_permission_arn(&p)
        .to_permission_arn(&q)
        .send()
        .await
        .unwrap();
    let statements = policy_statements(&a, &project).await;
    assert_eq!(statements[0]["Action"], json!(["codebuild:Batch*"]));
    assert_eq!(
        statements[0]["Condition"],
        json!({"Bool": {"aws:SecureTransport": "true"}})
    );
}
