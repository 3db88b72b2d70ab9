//! Managed permissions through the SDK: the catalogue views (ListResourceTypes, ListPermissions,
//! GetPermission, ListPermissionVersions), the life of a customer managed permission
//! (CreatePermission, CreatePermissionVersion, SetDefaultPermissionVersion,
//! DeletePermissionVersion, DeletePermission) and tags on permissions (TagResource and
//! UntagResource with `resourceArn`).

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ram::Client;
use aws_sdk_ram::types::{
    PermissionFeatureSet, PermissionStatus, PermissionType, PermissionTypeFilter,
    ResourceRegionScope, ResourceRegionScopeFilter, ResourceSharePermissionSummary, Tag,
};
use serde_json::{Value, json};

use crate::common::*;

const PROJECT: &str = "codebuild:Project";
const COMPONENT: &str = "imagebuilder:Component";

/// A policy template granting `actions`.
fn template(actions: &[&str]) -> String {
    json!({"Effect": "Allow", "Action": actions}).to_string()
}

fn reader() -> String {
    template(&["codebuild:BatchGetProjects"])
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Creates a customer managed permission; returns its summary.
async fn create(
    client: &Client,
    name: &str,
    resource_type: &str,
    policy: &str,
) -> ResourceSharePermissionSummary {
    client
        .create_permission()
        .name(name)
        .resource_type(resource_type)
        .policy_template(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePermission {name}: {e:?}"))
        .permission
        .expect("permission in the answer")
}

/// Every permission ListPermissions shows, following pages of `page` items.
async fn list_all(
    client: &Client,
    kind: Option<PermissionTypeFilter>,
    resource_type: Option<&str>,
    page: i32,
) -> Vec<ResourceSharePermissionSummary> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_permissions()
            .set_permission_type(kind.clone())
            .set_resource_type(resource_type.map(str::to_owned))
            .max_results(page)
            .set_next_token(token.take())
            .send()
            .await
            .expect("ListPermissions");
        let items = out.permissions.unwrap_or_default();
        assert!(items.len() <= usize::try_from(page).unwrap());
        all.extend(items);
        match out.next_token {
            Some(t) => token = Some(t),
            None => return all,
        }
    }
}

fn names(list: &[ResourceSharePermissionSummary]) -> Vec<String> {
    list.iter()
        .map(|p| p.name().unwrap_or_default().to_owned())
        .collect()
}

/// (version, status, default) of every version ListPermissionVersions shows.
async fn versions(client: &Client, arn: &str) -> Vec<(String, String, bool)> {
    let out = client
        .list_permission_versions()
        .permission_arn(arn)
        .send()
        .await
        .expect("ListPermissionVersions");
    out.permissions
        .unwrap_or_default()
        .iter()
        .map(|p| {
            (
                p.version().unwrap_or_default().to_owned(),
                p.status().unwrap_or_default().to_owned(),
                p.default_version().unwrap_or_default(),
            )
        })
        .collect()
}

fn v(version: &str, status: &str, default: bool) -> (String, String, bool) {
    (version.to_owned(), status.to_owned(), default)
}

/// The actions of a policy template, as a set.
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

// ---------------------------------------------------------------------------------------------
// ListResourceTypes

#[tokio::test]
async fn list_resource_types_shows_the_catalogue_with_one_global_type() {
    let h = trust().await;
    let a = h.client(A, US);

    let all = a
        .list_resource_types()
        .send()
        .await
        .unwrap()
        .resource_types
        .unwrap_or_default();
    assert_eq!(all.len(), 54);
    let types: Vec<&str> = all.iter().map(|t| t.resource_type().unwrap()).collect();
    let unique: BTreeSet<&str> = types.iter().copied().collect();
    assert_eq!(unique.len(), 54, "no type listed twice");
    for wanted in [
        PROJECT,
        COMPONENT,
        "ec2:Subnet",
        "ec2:TransitGateway",
        "ec2:IpamPool",
        "license-manager:LicenseConfiguration",
        "networkmanager:CoreNetwork",
    ] {
        assert!(unique.contains(wanted), "{wanted} is listed");
    }
    let project = all
        .iter()
        .find(|t| t.resource_type() == Some(PROJECT))
        .unwrap();
    assert_eq!(project.service_name(), Some("codebuild"));
    assert_eq!(
        project.resource_region_scope(),
        Some(&ResourceRegionScope::Regional)
    );

    let global = a
        .list_resource_types()
        .resource_region_scope(ResourceRegionScopeFilter::Global)
        .send()
        .await
        .unwrap()
        .resource_types
        .unwrap_or_default();
    assert_eq!(global.len(), 1, "{global:?}");
    assert_eq!(
        global[0].resource_type(),
        Some("networkmanager:CoreNetwork")
    );
    assert_eq!(global[0].service_name(), Some("networkmanager"));
    assert_eq!(
        global[0].resource_region_scope(),
        Some(&ResourceRegionScope::Global)
    );

    let regional = a
        .list_resource_types()
        .resource_region_scope(ResourceRegionScopeFilter::Regional)
        .send()
        .await
        .unwrap()
        .resource_types
        .unwrap_or_default();
    assert_eq!(regional.len(), 53);
    assert!(
        regional
            .iter()
            .all(|t| t.resource_region_scope() == Some(&ResourceRegionScope::Regional))
    );

    // Pages of 10: 6 pages, the same 54 types, each once.
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    let mut page_count = 0;
    loop {
        let out = a
            .list_resource_types()
            .max_results(10)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        page_count += 1;
        let items = out.resource_types.unwrap_or_default();
        assert!(items.len() <= 10);
        listed.extend(items.into_iter().map(|t| t.resource_type.unwrap()));
        match out.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(page_count, 6);
    assert_eq!(listed.len(), 54);
    assert_eq!(listed.iter().collect::<BTreeSet<_>>().len(), 54);

    // The SDK's paginator agrees.
    let pages: Vec<_> = a
        .list_resource_types()
        .max_results(20)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages
            .iter()
            .map(|p| p.resource_types().len())
            .sum::<usize>(),
        54
    );

    // A token of another operation is refused.
    let other = a
        .list_permissions()
        .max_results(1)
        .send()
        .await
        .unwrap()
        .next_token
        .expect("more than one permission");
    expect_code(
        a.list_resource_types().next_token(other).send().await,
        "InvalidNextTokenException",
    );
}

// ---------------------------------------------------------------------------------------------
// ListPermissions, GetPermission, ListPermissionVersions

#[tokio::test]
async fn list_permissions_filters_by_type_and_kind_and_pages() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);

    let aws = list_all(&a, None, None, 500).await;
    assert_eq!(
        aws.len(),
        88,
        "every AWS managed permission of the catalogue"
    );
    assert!(aws.iter().all(|p| {
        p.permission_type() == Some(&PermissionType::AwsManaged)
            && p.arn().unwrap().starts_with("arn:aws:ram::aws:permission/")
            && p.status() == Some("ATTACHABLE")
            && p.default_version() == Some(true)
    }));
    // Exactly one default permission per resource type.
    let defaults: Vec<&str> = aws
        .iter()
        .filter(|p| p.is_resource_type_default() == Some(true))
        .map(|p| p.resource_type().unwrap())
        .collect();
    assert!(defaults.len() <= 54);
    assert_eq!(
        defaults.iter().collect::<BTreeSet<_>>().len(),
        defaults.len()
    );

    // resourceType is case-insensitive.
    for spelling in ["ec2:Subnet", "ec2:subnet", "EC2:SUBNET"] {
        let subnet = list_all(&a, None, Some(spelling), 500).await;
        assert_eq!(
            names(&subnet),
            ["AWSRAMDefaultPermissionSubnet"],
            "{spelling}"
        );
        assert_eq!(subnet[0].resource_type(), Some("ec2:Subnet"));
        assert_eq!(subnet[0].is_resource_type_default(), Some(true));
    }
    let ipam = list_all(&a, None, Some("ec2:IpamPool"), 500).await;
    assert_eq!(
        names(&ipam).into_iter().collect::<BTreeSet<_>>(),
        set(&[
            "AWSRAMDefaultPermissionsIpamPool",
            "AWSRAMPermissionIpamPoolByoipCidrImport"
        ])
    );
    expect_code(
        a.list_permissions()
            .resource_type("ec2:Nothing")
            .send()
            .await,
        "InvalidParameterException",
    );

    // Customer managed permissions appear beside them, for their owner only.
    let reader = create(&a, "ProjectReader", PROJECT, &reader()).await;
    create(
        &a,
        "ComponentReader",
        COMPONENT,
        &template(&["imagebuilder:GetComponent"]),
    )
    .await;
    let mine = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(
        names(&mine).into_iter().collect::<BTreeSet<_>>(),
        set(&["ComponentReader", "ProjectReader"])
    );
    assert!(
        mine.iter()
            .all(|p| p.permission_type() == Some(&PermissionType::CustomerManaged))
    );
    let projects = list_all(&a, None, Some("codebuild:project"), 500).await;
    assert_eq!(
        names(&projects).into_iter().collect::<BTreeSet<_>>(),
        set(&["AWSRAMDefaultPermissionCodeBuildProject", "ProjectReader"])
    );
    let aws_projects = list_all(
        &a,
        Some(PermissionTypeFilter::AwsManaged),
        Some(PROJECT),
        500,
    )
    .await;
    assert_eq!(
        names(&aws_projects),
        ["AWSRAMDefaultPermissionCodeBuildProject"]
    );
    let cm_projects = list_all(
        &a,
        Some(PermissionTypeFilter::CustomerManaged),
        Some(PROJECT),
        500,
    )
    .await;
    assert_eq!(names(&cm_projects), ["ProjectReader"]);
    assert_eq!(cm_projects[0].arn(), reader.arn());
    assert_eq!(
        list_all(&a, Some(PermissionTypeFilter::All), None, 500)
            .await
            .len(),
        90
    );

    // Pages of 7 give the same 90, each once.
    let paged = list_all(&a, None, None, 7).await;
    assert_eq!(paged.len(), 90);
    assert_eq!(
        paged
            .iter()
            .map(|p| p.arn().unwrap())
            .collect::<BTreeSet<_>>()
            .len(),
        90
    );

    // Another account, or another Region, sees none of them.
    assert!(
        list_all(&b, Some(PermissionTypeFilter::CustomerManaged), None, 500)
            .await
            .is_empty()
    );
    assert!(
        list_all(
            &h.client(A, EU),
            Some(PermissionTypeFilter::CustomerManaged),
            None,
            500
        )
        .await
        .is_empty()
    );
    assert_eq!(list_all(&b, None, None, 500).await.len(), 88);
}

#[tokio::test]
async fn get_permission_shows_templates_and_versions() {
    let h = trust().await;
    let a = h.client(A, US);
    let subnet_arn = aws_permission("AWSRAMDefaultPermissionSubnet");

    let p = a
        .get_permission()
        .permission_arn(&subnet_arn)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(p.arn(), Some(subnet_arn.as_str()));
    assert_eq!(p.name(), Some("AWSRAMDefaultPermissionSubnet"));
    assert_eq!(p.resource_type(), Some("ec2:Subnet"));
    assert_eq!(p.version(), Some("1"));
    assert_eq!(p.default_version(), Some(true));
    assert_eq!(p.is_resource_type_default(), Some(true));
    assert_eq!(p.permission_type(), Some(&PermissionType::AwsManaged));
    assert_eq!(p.status(), Some(&PermissionStatus::Attachable));
    assert!(p.creation_time().is_some());
    let doc: Value = serde_json::from_str(p.permission().unwrap()).unwrap();
    assert_eq!(doc["Effect"], "Allow");
    assert!(doc.get("Resource").is_none() && doc.get("Principal").is_none());
    assert_eq!(
        actions_of(p.permission().unwrap()),
        set(&[
            "ec2:RunInstances",
            "ec2:CreateNetworkInterface",
            "ec2:DescribeSubnets"
        ])
    );

    // An AWS managed permission with a condition keeps it in the template.
    let ca = a
        .get_permission()
        .permission_arn(aws_permission(
            "AWSRAMDefaultPermissionCertificateAuthority",
        ))
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    let doc: Value = serde_json::from_str(ca.permission().unwrap()).unwrap();
    assert_eq!(
        doc["Condition"]["StringEqualsIfExists"]["acm-pca:TemplateArn"],
        "arn:aws:acm-pca:::template/EndEntityCertificate/V1"
    );

    // Version selection.
    let v1 = a
        .get_permission()
        .permission_arn(&subnet_arn)
        .permission_version(1)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(v1.version(), Some("1"));
    expect_code(
        a.get_permission()
            .permission_arn(&subnet_arn)
            .permission_version(2)
            .send()
            .await,
        "InvalidParameterException",
    );
    assert_eq!(
        versions(&a, &subnet_arn).await,
        [v("1", "ATTACHABLE", true)]
    );

    // Unknown, malformed, and not the caller's.
    for unknown in [
        aws_permission("AWSRAMDefaultPermissionNothing"),
        permission_arn(A, US, "NeverCreated"),
    ] {
        expect_code(
            a.get_permission().permission_arn(&unknown).send().await,
            "UnknownResourceException",
        );
        expect_code(
            a.list_permission_versions()
                .permission_arn(&unknown)
                .send()
                .await,
            "UnknownResourceException",
        );
    }
    for malformed in [
        "not-an-arn",
        "arn:aws:ec2:us-east-1:111111111111:subnet/subnet-1",
        "arn:aws:ram:us-east-1:111111111111:resource-share/abc",
    ] {
        expect_code(
            a.get_permission().permission_arn(malformed).send().await,
            "MalformedArnException",
        );
        expect_code(
            a.list_permission_versions()
                .permission_arn(malformed)
                .send()
                .await,
            "MalformedArnException",
        );
    }
    let mine = create(&a, "Mine", PROJECT, &reader()).await;
    let mine_arn = mine.arn().unwrap();
    for (stranger, region) in [(B, US), (A, EU)] {
        let other = h.client(stranger, region);
        expect_code(
            other.get_permission().permission_arn(mine_arn).send().await,
            "UnknownResourceException",
        );
        expect_code(
            other
                .list_permission_versions()
                .permission_arn(mine_arn)
                .send()
                .await,
            "UnknownResourceException",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// CreatePermission

#[tokio::test]
async fn create_permission_answers_the_documented_shape() {
    let h = trust().await;
    let a = h.client(A, US);
    // Whitespace in the template is kept: GetPermission returns it verbatim.
    let policy = "{\n\t\"Effect\": \"Allow\",\n\t\"Action\": [\n\t\t\"codebuild:BatchGetProjects\",\n\t\t\"codebuild:BatchGetBuilds\"\n\t]\n}";
    let out = a
        .create_permission()
        .name("TestCMP")
        .resource_type(PROJECT)
        .policy_template(policy)
        .tags(tag("team", "ci"))
        .client_token("create-testcmp")
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some("create-testcmp"));
    let p = out.permission().unwrap();
    let arn = permission_arn(A, US, "TestCMP");
    assert_eq!(p.arn(), Some(arn.as_str()));
    assert_eq!(p.name(), Some("TestCMP"));
    assert_eq!(p.version(), Some("1"));
    assert_eq!(p.default_version(), Some(true));
    assert_eq!(p.is_resource_type_default(), Some(false));
    assert_eq!(p.resource_type(), Some(PROJECT));
    assert_eq!(p.status(), Some("ATTACHABLE"));
    assert_eq!(p.permission_type(), Some(&PermissionType::CustomerManaged));
    assert_eq!(p.feature_set(), Some(&PermissionFeatureSet::Standard));
    assert!(p.creation_time().is_some());
    assert_eq!(p.creation_time(), p.last_updated_time());
    assert_eq!(
        tag_map(p.tags()),
        BTreeMap::from([("team".into(), "ci".into())])
    );

    let got = a
        .get_permission()
        .permission_arn(&arn)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(got.permission(), Some(policy));
    assert_eq!(got.status(), Some(&PermissionStatus::Attachable));
    assert_eq!(
        got.permission_type(),
        Some(&PermissionType::CustomerManaged)
    );
    assert_eq!(tag_map(got.tags()), tag_map(p.tags()));
    assert_eq!(versions(&a, &arn).await, [v("1", "ATTACHABLE", true)]);

    // The ARN carries the caller's Region; names are unique per account and Region only.
    let eu = create(&h.client(A, EU), "TestCMP", PROJECT, &reader()).await;
    assert_eq!(eu.arn(), Some(permission_arn(A, EU, "TestCMP").as_str()));
    let b = create(&h.client(B, US), "TestCMP", PROJECT, &reader()).await;
    assert_eq!(b.arn(), Some(permission_arn(B, US, "TestCMP").as_str()));

    // The largest name allowed: 36 characters of [\w.-].
    let longest = "a-b_c.d".repeat(5) + "e";
    assert_eq!(longest.len(), 36);
    create(
        &a,
        &longest,
        COMPONENT,
        &template(&["imagebuilder:GetComponent"]),
    )
    .await;
}

#[tokio::test]
async fn create_permission_refuses_bad_names_duplicates_and_types() {
    let h = trust().await;
    let a = h.client(A, US);
    let create_named = |name: String, rt: &'static str| {
        a.create_permission()
            .name(name)
            .resource_type(rt)
            .policy_template(reader())
            .send()
    };
    for bad in [
        "x".repeat(37),
        "has space".to_owned(),
        "slash/name".to_owned(),
        "colon:name".to_owned(),
        String::new(),
    ] {
        expect_code(
            create_named(bad, PROJECT).await,
            "InvalidParameterException",
        );
    }

    create(&a, "Dup", PROJECT, &reader()).await;
    let again = create_named("Dup".into(), PROJECT).await;
    assert_eq!(http_status(&again), 409);
    expect_code(again, "PermissionAlreadyExistsException");
    // Unique per Region, whatever the resource type.
    expect_code(
        a.create_permission()
            .name("Dup")
            .resource_type(COMPONENT)
            .policy_template(template(&["imagebuilder:GetComponent"]))
            .send()
            .await,
        "PermissionAlreadyExistsException",
    );

    // Only resource types that support customer managed permissions.
    for (rt, action) in [
        ("ec2:Subnet", "ec2:RunInstances"),
        ("ec2:TransitGateway", "ec2:DescribeTransitGateways"),
        (
            "license-manager:LicenseConfiguration",
            "license-manager:GetLicenseConfiguration",
        ),
    ] {
        expect_code(
            a.create_permission()
                .name("NotSupported")
                .resource_type(rt)
                .policy_template(template(&[action]))
                .send()
                .await,
            "InvalidParameterException",
        );
    }
    expect_code(
        a.create_permission()
            .name("UnknownType")
            .resource_type("codebuild:Nothing")
            .policy_template(reader())
            .send()
            .await,
        "InvalidParameterException",
    );
    // ec2:IpamPool does support them.
    let ipam = create(
        &a,
        "Ipam",
        "ec2:IpamPool",
        &template(&["ec2:GetIpamPoolCidrs"]),
    )
    .await;
    assert_eq!(ipam.resource_type(), Some("ec2:IpamPool"));

    let mine = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(
        names(&mine).into_iter().collect::<BTreeSet<_>>(),
        set(&["Dup", "Ipam"])
    );
}

/// Templates and the error RAM answers for each: malformed (structure) or invalid (rules).
fn bad_templates() -> Vec<(&'static str, String, &'static str)> {
    const MALFORMED: &str = "MalformedPolicyTemplateException";
    const INVALID: &str = "InvalidPolicyException";
    let with = |extra: Value| {
        let mut t = json!({"Effect": "Allow", "Action": ["codebuild:BatchGetProjects"]});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        t.to_string()
    };
    let cond = |c: Value| with(json!({"Condition": c}));
    vec![
        ("not JSON", "{\"Effect\": \"Allow\",".to_owned(), MALFORMED),
        ("a JSON list", "[]".to_owned(), MALFORMED),
        (
            "a policy document",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "codebuild:BatchGetProjects"}]}).to_string(),
            MALFORMED,
        ),
        (
            "a Statement list",
            json!({"Statement": [{"Effect": "Allow", "Action": "codebuild:BatchGetProjects"}]})
                .to_string(),
            MALFORMED,
        ),
        (
            "no Effect",
            json!({"Action": ["codebuild:BatchGetProjects"]}).to_string(),
            MALFORMED,
        ),
        ("no Action", json!({"Effect": "Allow"}).to_string(), MALFORMED),
        (
            "an empty Action list",
            json!({"Effect": "Allow", "Action": []}).to_string(),
            MALFORMED,
        ),
        (
            "an unknown condition operator",
            cond(json!({"StringEqualz": {"aws:RequestTag/env": "prod"}})),
            MALFORMED,
        ),
        (
            "Resource",
            with(json!({"Resource": "*"})),
            INVALID,
        ),
        (
            "Principal",
            with(json!({"Principal": {"AWS": "222222222222"}})),
            INVALID,
        ),
        (
            "Deny",
            json!({"Effect": "Deny", "Action": ["codebuild:BatchGetProjects"]}).to_string(),
            INVALID,
        ),
        (
            "an action of another service",
            template(&["codebuild:BatchGetProjects", "ec2:RunInstances"]),
            INVALID,
        ),
        (
            "aws:PrincipalOrgId",
            cond(json!({"StringEquals": {"aws:PrincipalOrgId": "o-abcdefghij"}})),
            INVALID,
        ),
        (
            "aws:SourceAccount",
            cond(json!({"StringEquals": {"aws:SourceAccount": "222222222222"}})),
            INVALID,
        ),
        (
            "aws:PrincipalAccount",
            cond(json!({"StringEquals": {"aws:PrincipalAccount": "222222222222"}})),
            INVALID,
        ),
        (
            "an aws: request tag",
            cond(json!({"StringEquals": {"aws:RequestTag/aws:cloudformation": "x"}})),
            INVALID,
        ),
        (
            "StringNotEquals",
            cond(json!({"StringNotEquals": {"aws:RequestTag/env": "dev"}})),
            INVALID,
        ),
        (
            "ForAnyValue:StringEquals",
            cond(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "env"}})),
            INVALID,
        ),
    ]
}

#[tokio::test]
async fn template_errors_have_the_documented_codes() {
    let h = trust().await;
    let a = h.client(A, US);
    let existing = create(&a, "Existing", PROJECT, &reader()).await;
    for (what, policy, code) in bad_templates() {
        let (got, message) = err(a
            .create_permission()
            .name("Bad")
            .resource_type(PROJECT)
            .policy_template(&policy)
            .send()
            .await);
        assert_eq!(got, code, "CreatePermission with {what}: {message}");
        let (got, message) = err(a
            .create_permission_version()
            .permission_arn(existing.arn().unwrap())
            .policy_template(&policy)
            .send()
            .await);
        assert_eq!(got, code, "CreatePermissionVersion with {what}: {message}");
    }
    // Nothing was created by the refused calls.
    let mine = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(names(&mine), ["Existing"]);
    assert_eq!(
        versions(&a, existing.arn().unwrap()).await,
        [v("1", "ATTACHABLE", true)]
    );

    // Allowed: wildcards, single positive operators, a string Action, the service in any case.
    for (name, good) in [
        (
            "Wildcards",
            template(&["codebuild:BatchGet*", "codebuild:List?uildsForProject"]),
        ),
        (
            "StringAction",
            json!({"Effect": "Allow", "Action": "CODEBUILD:StartBuild"}).to_string(),
        ),
        (
            "Conditions",
            json!({"Effect": "Allow", "Action": ["codebuild:StartBuild"],
                "Condition": {"StringEquals": {"aws:RequestTag/env": "prod"},
                              "StringLikeIfExists": {"aws:ResourceTag/team": "data-*"},
                              "Bool": {"aws:SecureTransport": "true"},
                              "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                              "DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"},
                              "Null": {"aws:RequestTag/owner": "false"}}})
            .to_string(),
        ),
    ] {
        let p = create(&a, name, PROJECT, &good).await;
        let got = a
            .get_permission()
            .permission_arn(p.arn().unwrap())
            .send()
            .await
            .unwrap()
            .permission
            .unwrap();
        assert_eq!(got.permission(), Some(good.as_str()), "{name}");
    }
}

#[tokio::test]
async fn the_eleventh_permission_of_a_type_exceeds_the_limit() {
    let h = trust().await;
    let a = h.client(A, US);
    for i in 1..=10 {
        create(&a, &format!("Project{i}"), PROJECT, &reader()).await;
    }
    expect_code(
        a.create_permission()
            .name("Project11")
            .resource_type(PROJECT)
            .policy_template(reader())
            .send()
            .await,
        "PermissionLimitExceededException",
    );
    // The limit is per resource type, account and Region.
    create(
        &a,
        "Component1",
        COMPONENT,
        &template(&["imagebuilder:GetComponent"]),
    )
    .await;
    create(&h.client(B, US), "Project11", PROJECT, &reader()).await;
    create(&h.client(A, EU), "Project11", PROJECT, &reader()).await;

    // A deleted permission no longer counts.
    let deleted = a
        .delete_permission()
        .permission_arn(permission_arn(A, US, "Project3"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.permission_status(),
        Some(&PermissionStatus::Deleting)
    );
    create(&a, "Project11", PROJECT, &reader()).await;
    expect_code(
        a.create_permission()
            .name("Project12")
            .resource_type(PROJECT)
            .policy_template(reader())
            .send()
            .await,
        "PermissionLimitExceededException",
    );
}

#[tokio::test]
async fn create_permission_replays_a_client_token() {
    let h = trust().await;
    let a = h.client(A, US);
    let send = |name: &'static str, policy: String| {
        a.create_permission()
            .name(name)
            .resource_type(PROJECT)
            .policy_template(policy)
            .client_token("token-1")
            .send()
    };
    let first = send("Replayed", reader()).await.unwrap();
    h.advance(5 * SECOND_MS);
    let second = send("Replayed", reader()).await.unwrap();
    assert_eq!(second.client_token(), Some("token-1"));
    let (p1, p2) = (first.permission().unwrap(), second.permission().unwrap());
    assert_eq!(p1.arn(), p2.arn());
    assert_eq!(p1.creation_time(), p2.creation_time());
    let mine = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(names(&mine), ["Replayed"]);

    // The same token with other parameters.
    expect_code(
        send("Replayed", template(&["codebuild:StartBuild"])).await,
        "IdempotentParameterMismatchException",
    );
    expect_code(
        send("Other", reader()).await,
        "IdempotentParameterMismatchException",
    );
    // A token is the caller's own: another account may use the same one.
    h.client(B, US)
        .create_permission()
        .name("Replayed")
        .resource_type(PROJECT)
        .policy_template(reader())
        .client_token("token-1")
        .send()
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Versions

#[tokio::test]
async fn versions_become_default_and_older_ones_unattachable() {
    let h = trust().await;
    let a = h.client(A, US);
    let p = create(&a, "Versioned", PROJECT, &reader()).await;
    let arn = p.arn().unwrap().to_owned();

    h.advance(SECOND_MS);
    let v2_template = template(&["codebuild:BatchGetProjects", "codebuild:StartBuild"]);
    let out = a
        .create_permission_version()
        .permission_arn(&arn)
        .policy_template(&v2_template)
        .client_token("v2")
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some("v2"));
    // The same token replays the version; with another template it is a mismatch.
    let replayed = a
        .create_permission_version()
        .permission_arn(&arn)
        .policy_template(&v2_template)
        .client_token("v2")
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.permission().unwrap().version(), Some("2"));
    expect_code(
        a.create_permission_version()
            .permission_arn(&arn)
            .policy_template(reader())
            .client_token("v2")
            .send()
            .await,
        "IdempotentParameterMismatchException",
    );
    let d = out.permission().unwrap();
    assert_eq!(d.arn(), Some(arn.as_str()));
    assert_eq!(d.version(), Some("2"));
    assert_eq!(d.default_version(), Some(true));
    assert_eq!(d.status(), Some(&PermissionStatus::Attachable));
    assert_eq!(d.permission(), Some(v2_template.as_str()));
    assert_eq!(
        versions(&a, &arn).await,
        [v("1", "UNATTACHABLE", false), v("2", "ATTACHABLE", true)]
    );

    // GetPermission: the default version, or the one asked for.
    let get = |version: Option<i32>| {
        a.get_permission()
            .permission_arn(&arn)
            .set_permission_version(version)
            .send()
    };
    let default = get(None).await.unwrap().permission.unwrap();
    assert_eq!(default.version(), Some("2"));
    assert_eq!(default.permission(), Some(v2_template.as_str()));
    let first = get(Some(1)).await.unwrap().permission.unwrap();
    assert_eq!(first.version(), Some("1"));
    assert_eq!(first.default_version(), Some(false));
    assert_eq!(first.status(), Some(&PermissionStatus::Unattachable));
    assert_eq!(first.permission(), Some(reader().as_str()));
    expect_code(get(Some(3)).await, "InvalidParameterException");
    // ListPermissions shows the default version.
    let listed = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(listed[0].version(), Some("2"));

    // At most five versions.
    for _ in 3..=5 {
        a.create_permission_version()
            .permission_arn(&arn)
            .policy_template(reader())
            .send()
            .await
            .unwrap();
    }
    expect_code(
        a.create_permission_version()
            .permission_arn(&arn)
            .policy_template(reader())
            .send()
            .await,
        "PermissionVersionsLimitExceededException",
    );
    assert_eq!(versions(&a, &arn).await.len(), 5);
    // Pages of two over the five versions.
    let mut paged = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = a
            .list_permission_versions()
            .permission_arn(&arn)
            .max_results(2)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        assert!(out.permissions().len() <= 2);
        paged.extend(
            out.permissions()
                .iter()
                .map(|p| p.version().unwrap().to_owned()),
        );
        match out.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(paged, ["1", "2", "3", "4", "5"]);

    // Not on AWS managed permissions, nor on another account's.
    expect_code(
        a.create_permission_version()
            .permission_arn(aws_permission("AWSRAMDefaultPermissionCodeBuildProject"))
            .policy_template(reader())
            .send()
            .await,
        "OperationNotPermittedException",
    );
    expect_code(
        h.client(B, US)
            .create_permission_version()
            .permission_arn(&arn)
            .policy_template(reader())
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.create_permission_version()
            .permission_arn(permission_arn(A, US, "Nothing"))
            .policy_template(reader())
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.create_permission_version()
            .permission_arn("arn:aws:ram:us-east-1:111111111111:resource-share/x")
            .policy_template(reader())
            .send()
            .await,
        "MalformedArnException",
    );
}

#[tokio::test]
async fn set_default_and_delete_versions() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = create(&a, "Rollback", PROJECT, &reader())
        .await
        .arn
        .unwrap();
    for actions in [["codebuild:StartBuild"], ["codebuild:StopBuild"]] {
        a.create_permission_version()
            .permission_arn(&arn)
            .policy_template(template(&actions))
            .send()
            .await
            .unwrap();
    }

    // Roll back to version 1.
    let out = a
        .set_default_permission_version()
        .permission_arn(&arn)
        .permission_version(1)
        .client_token("rollback")
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    assert_eq!(out.client_token(), Some("rollback"));
    assert_eq!(
        versions(&a, &arn).await,
        [
            v("1", "ATTACHABLE", true),
            v("2", "UNATTACHABLE", false),
            v("3", "UNATTACHABLE", false)
        ]
    );
    expect_code(
        a.set_default_permission_version()
            .permission_arn(&arn)
            .permission_version(9)
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.set_default_permission_version()
            .permission_arn(aws_permission("AWSRAMDefaultPermissionCodeBuildProject"))
            .permission_version(1)
            .send()
            .await,
        "OperationNotPermittedException",
    );
    expect_code(
        h.client(B, US)
            .set_default_permission_version()
            .permission_arn(&arn)
            .permission_version(2)
            .send()
            .await,
        "UnknownResourceException",
    );

    // The default version can't be deleted; another one can.
    expect_code(
        a.delete_permission_version()
            .permission_arn(&arn)
            .permission_version(1)
            .send()
            .await,
        "OperationNotPermittedException",
    );
    let out = a
        .delete_permission_version()
        .permission_arn(&arn)
        .permission_version(2)
        .client_token("drop-2")
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    assert_eq!(out.client_token(), Some("drop-2"));
    assert_eq!(out.permission_status(), Some(&PermissionStatus::Deleted));
    assert_eq!(
        versions(&a, &arn).await,
        [
            v("1", "ATTACHABLE", true),
            v("2", "DELETED", false),
            v("3", "UNATTACHABLE", false)
        ]
    );
    // A deleted version can't be deleted again or become the default.
    expect_code(
        a.delete_permission_version()
            .permission_arn(&arn)
            .permission_version(2)
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.set_default_permission_version()
            .permission_arn(&arn)
            .permission_version(2)
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.delete_permission_version()
            .permission_arn(&arn)
            .permission_version(7)
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.delete_permission_version()
            .permission_arn(aws_permission("AWSRAMDefaultPermissionCodeBuildProject"))
            .permission_version(1)
            .send()
            .await,
        "OperationNotPermittedException",
    );

    // Version numbers are never reused.
    let next = a
        .create_permission_version()
        .permission_arn(&arn)
        .policy_template(reader())
        .send()
        .await
        .unwrap();
    assert_eq!(next.permission().unwrap().version(), Some("4"));

    // A deleted version stays listed for two hours.
    h.advance(2 * HOUR_MS + SECOND_MS);
    assert_eq!(
        versions(&a, &arn).await,
        [
            v("1", "UNATTACHABLE", false),
            v("3", "UNATTACHABLE", false),
            v("4", "ATTACHABLE", true)
        ]
    );
}

#[tokio::test]
async fn a_version_in_use_by_a_share_can_not_be_deleted() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = create(&a, "InUse", PROJECT, &reader()).await.arn.unwrap();
    let share = a
        .create_resource_share()
        .name("uses-v1")
        .resource_arns(codebuild(A, US, "1"))
        .permission_arns(&arn)
        .send()
        .await
        .unwrap()
        .resource_share
        .unwrap()
        .resource_share_arn
        .unwrap();
    a.create_permission_version()
        .permission_arn(&arn)
        .policy_template(template(&["codebuild:StartBuild"]))
        .send()
        .await
        .unwrap();
    let msg = expect_code(
        a.delete_permission_version()
            .permission_arn(&arn)
            .permission_version(1)
            .send()
            .await,
        "OperationNotPermittedException",
    );
    assert!(!msg.is_empty());

    // Once the share is deleted the version is free.
    a.delete_resource_share()
        .resource_share_arn(&share)
        .send()
        .await
        .unwrap();
    let out = a
        .delete_permission_version()
        .permission_arn(&arn)
        .permission_version(1)
        .send()
        .await
        .unwrap();
    assert_eq!(out.permission_status(), Some(&PermissionStatus::Deleted));
}

// ---------------------------------------------------------------------------------------------
// DeletePermission

#[tokio::test]
async fn delete_permission_lifecycle() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = a
        .create_permission()
        .name("Doomed")
        .resource_type(PROJECT)
        .policy_template(reader())
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap()
        .permission
        .unwrap()
        .arn
        .unwrap();

    // Not while a share uses it.
    let share = a
        .create_resource_share()
        .name("holder")
        .resource_arns(codebuild(A, US, "1"))
        .permission_arns(&arn)
        .send()
        .await
        .unwrap()
        .resource_share
        .unwrap()
        .resource_share_arn
        .unwrap();
    expect_code(
        a.delete_permission().permission_arn(&arn).send().await,
        "OperationNotPermittedException",
    );
    a.delete_resource_share()
        .resource_share_arn(&share)
        .send()
        .await
        .unwrap();

    // Not AWS managed ones, nor another account's, nor unknown ones.
    expect_code(
        a.delete_permission()
            .permission_arn(aws_permission("AWSRAMDefaultPermissionCodeBuildProject"))
            .send()
            .await,
        "OperationNotPermittedException",
    );
    expect_code(
        h.client(B, US)
            .delete_permission()
            .permission_arn(&arn)
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.delete_permission()
            .permission_arn(permission_arn(A, US, "Nothing"))
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.delete_permission()
            .permission_arn("permission/Doomed")
            .send()
            .await,
        "MalformedArnException",
    );

    let out = a
        .delete_permission()
        .permission_arn(&arn)
        .client_token("delete-doomed")
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    assert_eq!(out.client_token(), Some("delete-doomed"));
    assert_eq!(out.permission_status(), Some(&PermissionStatus::Deleting));

    // It stays listed, DELETED, for two hours; its name is still taken meanwhile.
    let listed = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(names(&listed), ["Doomed"]);
    assert_eq!(listed[0].status(), Some("DELETED"));
    let got = a
        .get_permission()
        .permission_arn(&arn)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(got.status(), Some(&PermissionStatus::Deleted));
    assert_eq!(versions(&a, &arn).await, [v("1", "DELETED", true)]);
    expect_code(
        a.create_permission()
            .name("Doomed")
            .resource_type(PROJECT)
            .policy_template(reader())
            .send()
            .await,
        "PermissionAlreadyExistsException",
    );
    // A deleted permission can't change or be attached.
    expect_code(
        a.create_permission_version()
            .permission_arn(&arn)
            .policy_template(reader())
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.delete_permission().permission_arn(&arn).send().await,
        "UnknownResourceException",
    );
    expect_code(
        a.create_resource_share()
            .name("late")
            .resource_arns(codebuild(A, US, "2"))
            .permission_arns(&arn)
            .send()
            .await,
        "OperationNotPermittedException",
    );

    // After two hours it is gone and its name is free again.
    h.advance(2 * HOUR_MS + SECOND_MS);
    assert!(
        list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500)
            .await
            .is_empty()
    );
    expect_code(
        a.get_permission().permission_arn(&arn).send().await,
        "UnknownResourceException",
    );
    let reborn = a
        .create_permission()
        .name("Doomed")
        .resource_type(COMPONENT)
        .policy_template(template(&["imagebuilder:GetComponent"]))
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(reborn.arn(), Some(arn.as_str()));
    assert_eq!(reborn.version(), Some("1"));
    assert_eq!(reborn.resource_type(), Some(COMPONENT));
    assert!(
        reborn.tags().is_empty(),
        "the old permission's tags are gone"
    );
    assert_eq!(versions(&a, &arn).await, [v("1", "ATTACHABLE", true)]);
}

// ---------------------------------------------------------------------------------------------
// Tags on permissions

#[tokio::test]
async fn customer_managed_permissions_can_be_tagged() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = a
        .create_permission()
        .name("Tagged")
        .resource_type(PROJECT)
        .policy_template(reader())
        .tags(tag("team", "ci"))
        .send()
        .await
        .unwrap()
        .permission
        .unwrap()
        .arn
        .unwrap();

    a.tag_resource()
        .resource_arn(&arn)
        .tags(tag("env", "prod"))
        .tags(tag("team", "build"))
        .send()
        .await
        .unwrap();
    let want = BTreeMap::from([
        ("env".to_owned(), "prod".to_owned()),
        ("team".to_owned(), "build".to_owned()),
    ]);
    let listed = list_all(&a, Some(PermissionTypeFilter::CustomerManaged), None, 500).await;
    assert_eq!(tag_map(listed[0].tags()), want);
    let got = a
        .get_permission()
        .permission_arn(&arn)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(tag_map(got.tags()), want);

    // Tags belong to the permission, so every version shows them.
    a.create_permission_version()
        .permission_arn(&arn)
        .policy_template(template(&["codebuild:StartBuild"]))
        .send()
        .await
        .unwrap();
    let v1 = a
        .get_permission()
        .permission_arn(&arn)
        .permission_version(1)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(tag_map(v1.tags()), want);

    a.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let got = a
        .get_permission()
        .permission_arn(&arn)
        .send()
        .await
        .unwrap()
        .permission
        .unwrap();
    assert_eq!(
        tag_map(got.tags()),
        BTreeMap::from([("env".to_owned(), "prod".to_owned())])
    );

    // Reserved keys.
    expect_code(
        a.tag_resource()
            .resource_arn(&arn)
            .tags(tag("aws:team", "x"))
            .send()
            .await,
        "TagPolicyViolationException",
    );
    // AWS managed permissions can't be tagged.
    let managed = aws_permission("AWSRAMDefaultPermissionCodeBuildProject");
    expect_code(
        a.tag_resource()
            .resource_arn(&managed)
            .tags(tag("k", "v"))
            .send()
            .await,
        "OperationNotPermittedException",
    );
    expect_code(
        a.untag_resource()
            .resource_arn(&managed)
            .tag_keys("k")
            .send()
            .await,
        "OperationNotPermittedException",
    );
    // Unknown permissions, and other accounts' ones.
    for (client, target) in [
        (&a, permission_arn(A, US, "Nothing")),
        (&h.client(B, US), arn.clone()),
    ] {
        expect_code(
            client
                .tag_resource()
                .resource_arn(&target)
                .tags(tag("k", "v"))
                .send()
                .await,
            "ResourceArnNotFoundException",
        );
        expect_code(
            client
                .untag_resource()
                .resource_arn(&target)
                .tag_keys("k")
                .send()
                .await,
            "UnknownResourceException",
        );
    }
    // Both ARNs at once, or neither.
    expect_code(
        a.tag_resource()
            .resource_arn(&arn)
            .resource_share_arn("arn:aws:ram:us-east-1:111111111111:resource-share/x")
            .tags(tag("k", "v"))
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.tag_resource().tags(tag("k", "v")).send().await,
        "InvalidParameterException",
    );
}
