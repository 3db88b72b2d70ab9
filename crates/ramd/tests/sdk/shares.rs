//! Resource shares seen from their owner: CreateResourceShare, GetResourceShares,
//! UpdateResourceShare, DeleteResourceShare, and the errors around them.

use aws_sdk_ram::types::{ResourceOwner, ResourceShareFeatureSet, ResourceShareStatus, TagFilter};
use ram_domain::Config;

use crate::common::*;

fn millis(t: Option<&aws_sdk_ram::primitives::DateTime>) -> i64 {
    t.expect("timestamp").to_millis().expect("millis")
}

#[track_caller]
fn assert_close(actual: i64, expected: i64) {
    assert!(
        (actual - expected).abs() <= 1,
        "timestamp {actual} is not {expected}"
    );
}

#[tokio::test]
async fn create_answers_an_active_share_of_the_callers_account_and_region() {
    let h = trust().await;
    let a = h.client(A, US);
    let out = a
        .create_resource_share()
        .name("first")
        .resource_arns(tgw(A, US, "1"))
        .send()
        .await
        .unwrap();
    let share = out.resource_share().unwrap();
    assert_share_arn(share.resource_share_arn().unwrap(), A, US);
    assert_eq!(share.name(), Some("first"));
    assert_eq!(share.owning_account_id(), Some(A));
    assert_eq!(share.status(), Some(&ResourceShareStatus::Active));
    assert_eq!(
        share.allow_external_principals(),
        Some(true),
        "allowExternalPrincipals defaults to true"
    );
    // AWS's CreateResourceShare answer has no featureSet (GetResourceShares has it).
    assert_eq!(share.feature_set(), None);
    assert!(share.tags().is_empty());
    let created = millis(share.creation_time());
    assert_close(created, h.clock.get());
    assert_eq!(created, millis(share.last_updated_time()));
    assert_eq!(out.client_token(), None, "none sent, none answered");

    // The same share, read back, with its feature set.
    let listed = shares(&a, ResourceOwner::SelfValue).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].feature_set(),
        Some(&ResourceShareFeatureSet::Standard)
    );
    let mut expected = share.clone();
    expected.feature_set = Some(ResourceShareFeatureSet::Standard);
    assert_eq!(listed[0], expected);
}

#[tokio::test]
async fn each_share_gets_its_own_arn_and_names_need_not_be_unique() {
    let h = trust().await;
    let a = h.client(A, US);
    let first = create_share(&a, "same", &[], &[]).await;
    let second = create_share(&a, "same", &[], &[]).await;
    assert_ne!(first, second);
    let named = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .name("same")
        .send()
        .await
        .unwrap();
    assert_eq!(named.resource_shares().len(), 2);
}

#[tokio::test]
async fn get_resource_shares_honours_every_filter() {
    let h = trust().await;
    let a = h.client(A, US);
    let alpha = create_share(&a, "alpha", &[], &[]).await;
    let beta = create_share(&a, "beta", &[], &[]).await;
    let gamma = create_share(&a, "gamma", &[], &[]).await;
    a.delete_resource_share()
        .resource_share_arn(&gamma)
        .send()
        .await
        .unwrap();

    let arns = |out: aws_sdk_ram::operation::get_resource_shares::GetResourceSharesOutput| {
        let mut v: Vec<String> = out
            .resource_shares()
            .iter()
            .map(|s| s.resource_share_arn().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    let by_name = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .name("beta")
        .send()
        .await
        .unwrap();
    assert_eq!(arns(by_name), vec![beta.clone()]);

    let by_arns = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&alpha)
        .resource_share_arns(&gamma)
        .send()
        .await
        .unwrap();
    assert_eq!(arns(by_arns), sorted(vec![alpha.clone(), gamma.clone()]));

    let active = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_status(ResourceShareStatus::Active)
        .send()
        .await
        .unwrap();
    assert_eq!(arns(active), sorted(vec![alpha.clone(), beta.clone()]));

    let deleted = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_status(ResourceShareStatus::Deleted)
        .send()
        .await
        .unwrap();
    assert_eq!(arns(deleted), vec![gamma.clone()]);

    // Filters combine: a name that matches with a status that does not gives nothing.
    let none = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .name("alpha")
        .resource_share_status(ResourceShareStatus::Deleted)
        .send()
        .await
        .unwrap();
    assert!(none.resource_shares().is_empty());

    // Nothing is shared with A, so OTHER-ACCOUNTS is empty.
    assert!(shares(&a, ResourceOwner::OtherAccounts).await.is_empty());
}

#[tokio::test]
async fn update_renames_and_changes_the_external_flag() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = create_share(&a, "before", &[], &[]).await;
    let created = share(&a, ResourceOwner::SelfValue, &arn).await;
    h.advance(5 * SECOND_MS);

    let out = a
        .update_resource_share()
        .resource_share_arn(&arn)
        .name("after")
        .allow_external_principals(false)
        .send()
        .await
        .unwrap();
    let updated = out.resource_share().unwrap();
    assert_eq!(updated.name(), Some("after"));
    assert_eq!(updated.allow_external_principals(), Some(false));
    assert_eq!(updated.status(), Some(&ResourceShareStatus::Active));
    assert_eq!(
        millis(updated.creation_time()),
        millis(created.creation_time())
    );
    assert_close(millis(updated.last_updated_time()), h.clock.get());

    // Only what was given changes.
    let out = a
        .update_resource_share()
        .resource_share_arn(&arn)
        .allow_external_principals(true)
        .send()
        .await
        .unwrap();
    assert_eq!(out.resource_share().unwrap().name(), Some("after"));

    let read = share(&a, ResourceOwner::SelfValue, &arn).await;
    assert_eq!(read.name(), Some("after"));
    assert_eq!(read.allow_external_principals(), Some(true));
}

#[tokio::test]
async fn a_share_of_another_account_is_unknown_to_every_operation() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let arn = create_share(&a, "mine", &[tgw(A, US, "1")], &[]).await;
    let not_found = format!("ResourceShare {arn} could not be found.");

    let e = b
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(not_found.as_str()));
    assert!(e.into_service_error().is_unknown_resource_exception());

    let e = b
        .update_resource_share()
        .resource_share_arn(&arn)
        .name("stolen")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(not_found.as_str()));
    assert!(e.into_service_error().is_unknown_resource_exception());

    let e = b
        .delete_resource_share()
        .resource_share_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(not_found.as_str()));
    assert!(e.into_service_error().is_unknown_resource_exception());

    let e = b
        .associate_resource_share()
        .resource_share_arn(&arn)
        .principals(C)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());

    let e = b
        .get_resource_share_associations()
        .association_type(aws_sdk_ram::types::ResourceShareAssociationType::Resource)
        .resource_share_arns(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());

    // The owner's share is untouched.
    let read = share(&a, ResourceOwner::SelfValue, &arn).await;
    assert_eq!(read.name(), Some("mine"));
    assert_eq!(read.status(), Some(&ResourceShareStatus::Active));
}

#[tokio::test]
async fn an_unknown_share_is_unknown_resource_with_awss_message() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = format!("arn:aws:ram:{US}:{A}:resource-share/8f1c7a56-3f35-4a57-9d0e-2a8a6d8a0b11");
    let e = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnknownResourceException"));
    assert_eq!(
        e.message(),
        Some(format!("ResourceShare {arn} could not be found.").as_str())
    );
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(400));
    let e = a
        .delete_resource_share()
        .resource_share_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = a
        .update_resource_share()
        .resource_share_arn(&arn)
        .name("x")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
}

#[tokio::test]
async fn a_deleted_share_is_listed_as_deleted_until_the_retention_passes() {
    let retention_seconds = 2 * 3600;
    let h = start(
        Config {
            deleted_share_retention_seconds: retention_seconds,
            ..Config::default()
        },
        trust_mode(),
    )
    .await;
    let a = h.client(A, US);
    let arn = create_share(&a, "doomed", &[tgw(A, US, "1")], &[]).await;
    h.advance(SECOND_MS);

    let out = a
        .delete_resource_share()
        .resource_share_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_value(), Some(true));
    assert_eq!(out.client_token(), None, "none sent, none answered");

    let deleted = share(&a, ResourceOwner::SelfValue, &arn).await;
    assert_eq!(deleted.status(), Some(&ResourceShareStatus::Deleted));
    assert_close(millis(deleted.last_updated_time()), h.clock.get());
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 1);

    // A deleted share cannot be deleted again, renamed or tagged.
    let e = a
        .delete_resource_share()
        .resource_share_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = a
        .update_resource_share()
        .resource_share_arn(&arn)
        .name("zombie")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    // Nor can anything be added to it.
    expect_code(
        a.associate_resource_share()
            .resource_share_arn(&arn)
            .resource_arns(tgw(A, US, "2"))
            .send()
            .await,
        "InvalidStateTransitionException",
    );

    // Its resource is no longer shared.
    let resources = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap();
    assert!(resources.resources().is_empty(), "{resources:?}");

    // Still listed just before the retention ends, gone after.
    h.advance(retention_seconds * SECOND_MS - SECOND_MS);
    let still = share(&a, ResourceOwner::SelfValue, &arn).await;
    assert_eq!(still.status(), Some(&ResourceShareStatus::Deleted));
    h.advance(2 * SECOND_MS);
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
    let e = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
}

#[tokio::test]
async fn malformed_arns_are_malformed_arn_exception() {
    let h = trust().await;
    let a = h.client(A, US);
    for bad in [
        "not-an-arn",
        "arn:aws:ram:us-east-1:111111111111:permission/AWSRAMDefaultPermissionSubnet",
        "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-1",
    ] {
        let e = a
            .get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .resource_share_arns(bad)
            .send()
            .await
            .unwrap_err();
        assert!(e.into_service_error().is_malformed_arn_exception(), "{bad}");
        let e = a
            .delete_resource_share()
            .resource_share_arn(bad)
            .send()
            .await
            .unwrap_err();
        assert!(e.into_service_error().is_malformed_arn_exception(), "{bad}");
        let e = a
            .update_resource_share()
            .resource_share_arn(bad)
            .name("x")
            .send()
            .await
            .unwrap_err();
        assert!(e.into_service_error().is_malformed_arn_exception(), "{bad}");
    }
    // A resource ARN that is not an ARN.
    let e = a
        .create_resource_share()
        .name("x")
        .resource_arns("tgw-1234")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());
    // A failed create creates nothing.
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
}

#[tokio::test]
async fn invalid_parameters_are_invalid_parameter_exception() {
    let h = trust().await;
    let a = h.client(A, US);

    let e = a.create_resource_share().name("").send().await.unwrap_err();
    assert!(
        e.into_service_error().is_invalid_parameter_exception(),
        "an empty name"
    );

    let e = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::OtherAccounts)
        .tag_filters(TagFilter::builder().tag_key("team").build())
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error().is_invalid_parameter_exception(),
        "OTHER-ACCOUNTS with tagFilters"
    );

    for bad in [0, 501] {
        let e = a
            .get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .max_results(bad)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error().is_invalid_parameter_exception(),
            "maxResults {bad}"
        );
    }

    let e = a
        .create_resource_share()
        .name("x")
        .principals("not a principal")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error().is_invalid_parameter_exception(),
        "a malformed principal"
    );
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
}

#[tokio::test]
async fn organization_only_resources_cannot_reach_other_accounts() {
    let h = trust().await;
    let a = h.client(A, US);
    let message = "The resource you are attempting to share can only be shared within your AWS Organization. This error may also occur if you have not enabled sharing with your AWS organization, or that onboarding process is still in progress.";

    // A subnet with another account in one call.
    let e = a
        .create_resource_share()
        .name("subnets")
        .resource_arns(subnet(A, US, "1"))
        .principals(B)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(message));
    assert!(e.into_service_error().is_invalid_parameter_exception());
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());

    // A subnet alone is fine; adding another account to it is not.
    let arn = create_share(&a, "subnets", &[subnet(A, US, "1")], &[]).await;
    let e = a
        .associate_resource_share()
        .resource_share_arn(&arn)
        .principals(B)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(message));
    assert!(e.into_service_error().is_invalid_parameter_exception());

    // Nor can a subnet join a share that already reaches another account.
    let tgw_share = create_share(&a, "tgw", &[tgw(A, US, "1")], &[B]).await;
    let e = a
        .associate_resource_share()
        .resource_share_arn(&tgw_share)
        .resource_arns(subnet(A, US, "2"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    let resources = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&tgw_share)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.resources().len(), 1);
}

#[tokio::test]
async fn a_share_that_disallows_external_principals_refuses_other_accounts() {
    let h = trust().await;
    let a = h.client(A, US);
    let out = a
        .create_resource_share()
        .name("internal")
        .allow_external_principals(false)
        .resource_arns(tgw(A, US, "1"))
        .send()
        .await
        .unwrap();
    let arn = out
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap()
        .to_owned();
    assert_eq!(
        out.resource_share().unwrap().allow_external_principals(),
        Some(false)
    );
    let e = a
        .associate_resource_share()
        .resource_share_arn(&arn)
        .principals(B)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    let e = a
        .create_resource_share()
        .name("internal-2")
        .allow_external_principals(false)
        .principals(B)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    // No invitation went out.
    assert!(invitations(&h.client(B, US)).await.is_empty());
}

#[tokio::test]
async fn only_own_resources_of_a_shareable_type_in_the_callers_region_can_be_shared() {
    let h = trust().await;
    let a = h.client(A, US);
    let vpc = format!("arn:aws:ec2:{US}:{A}:vpc/vpc-1");
    let not_found = |arn: &str| format!("Resource {arn} could not be found.");
    for (what, arn, code, message) in [
        (
            "another account's resource",
            tgw(B, US, "1"),
            "UnknownResourceException",
            not_found(&tgw(B, US, "1")),
        ),
        (
            "a resource of another Region",
            tgw(A, EU, "1"),
            "UnknownResourceException",
            not_found(&tgw(A, EU, "1")),
        ),
        (
            "a resource type RAM cannot share",
            vpc,
            "MalformedArnException",
            "You cannot share the selected resource type.".to_owned(),
        ),
    ] {
        let result = a
            .create_resource_share()
            .name("x")
            .resource_arns(&arn)
            .send()
            .await;
        assert_eq!(err(result), (code.to_owned(), message), "{what}");
    }
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
}

#[tokio::test]
async fn an_organization_principal_of_no_known_organization_is_unknown() {
    let h = trust().await;
    let a = h.client(A, US);
    let e = a
        .create_resource_share()
        .name("org")
        .resource_arns(tgw(A, US, "1"))
        .principals(format!(
            "arn:aws:organizations::{A}:organization/o-abcdefghij"
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("Organization o-abcdefghij could not be found.")
    );
    assert!(e.into_service_error().is_unknown_resource_exception());
}

#[tokio::test]
async fn enabling_organization_sharing_is_not_permitted_without_an_organization() {
    let h = trust().await;
    let a = h.client(A, US);
    let e = a
        .enable_sharing_with_aws_organization()
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_operation_not_permitted_exception(),
        "EnableSharingWithAwsOrganization"
    );
}
