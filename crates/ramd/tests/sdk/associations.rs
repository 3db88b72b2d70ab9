//! Associations of resources and principals, including RAM's asynchronous states (made
//! deterministic with an association delay and a clock the test moves).

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use aws_sdk_ram::Client;
use aws_sdk_ram::types::{
    ResourceOwner, ResourceShareAssociationStatus, ResourceShareAssociationType,
    ResourceShareInvitationStatus, ResourceShareStatus,
};
use ram_domain::Config;

use crate::common::*;

const PRINCIPAL: ResourceShareAssociationType = ResourceShareAssociationType::Principal;
const RESOURCE: ResourceShareAssociationType = ResourceShareAssociationType::Resource;
const DELAY_MS: i64 = 60 * SECOND_MS;

async fn delayed() -> Harness {
    start(
        Config {
            association_delay_ms: DELAY_MS,
            ..Config::default()
        },
        trust_mode(),
    )
    .await
}

async fn own_resources(client: &Client, share_arn: &str) -> Vec<String> {
    let mut v: Vec<String> = client
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(share_arn)
        .send()
        .await
        .unwrap()
        .resources()
        .iter()
        .map(|r| r.arn().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn associations_settle_after_the_delay() {
    let h = delayed().await;
    let a = h.client(A, US);
    let share_arn = create_share(&a, "s", &[], &[]).await;
    let resource = tgw(A, US, "1");

    let out = a
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    let answered = out.resource_share_associations();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].associated_entity(), Some(resource.as_str()));
    assert_eq!(answered[0].association_type(), Some(&RESOURCE));
    assert_eq!(
        answered[0].status(),
        Some(&ResourceShareAssociationStatus::Associating)
    );
    assert_eq!(answered[0].resource_share_arn(), Some(share_arn.as_str()));
    assert_eq!(answered[0].external(), Some(false));
    assert_eq!(out.client_token(), None, "none sent, none answered");

    assert_eq!(
        association_status(&a, &share_arn, RESOURCE, &resource)
            .await
            .as_deref(),
        Some("ASSOCIATING")
    );
    h.advance(DELAY_MS - SECOND_MS);
    assert_eq!(
        association_status(&a, &share_arn, RESOURCE, &resource)
            .await
            .as_deref(),
        Some("ASSOCIATING")
    );
    h.advance(2 * SECOND_MS);
    assert_eq!(
        association_status(&a, &share_arn, RESOURCE, &resource)
            .await
            .as_deref(),
        Some("ASSOCIATED")
    );
    assert_eq!(own_resources(&a, &share_arn).await, vec![resource.clone()]);

    let out = a
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.resource_share_associations()[0].status(),
        Some(&ResourceShareAssociationStatus::Disassociating)
    );
    assert_eq!(
        association_status(&a, &share_arn, RESOURCE, &resource)
            .await
            .as_deref(),
        Some("DISASSOCIATING")
    );
    h.advance(DELAY_MS + SECOND_MS);
    assert_eq!(
        association_status(&a, &share_arn, RESOURCE, &resource)
            .await
            .as_deref(),
        Some("DISASSOCIATED")
    );
    assert!(own_resources(&a, &share_arn).await.is_empty());
}

#[tokio::test]
async fn an_association_still_associating_cannot_be_disassociated() {
    let h = delayed().await;
    let a = h.client(A, US);
    let resource = tgw(A, US, "1");
    let share_arn = create_share(&a, "s", std::slice::from_ref(&resource), &[]).await;
    let e = a
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("At least one of the associations in the resource share is in ASSOCIATING status.")
    );
    assert!(
        e.into_service_error()
            .is_invalid_state_transition_exception()
    );
    h.advance(DELAY_MS);
    a.disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_invited_principal_waits_for_acceptance_not_for_the_delay() {
    let h = delayed().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B, C]).await;
    h.advance(10 * DELAY_MS);
    // Long past the delay: still ASSOCIATING, as the invitation is unanswered.
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATING")
    );
    // It can be removed even so: it is waiting for the invitation, not settling.
    a.disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(C)
        .send()
        .await
        .unwrap();
    let withdrawn = invitation_for(&c, &share_arn).await;
    assert_eq!(
        withdrawn.status(),
        Some(&ResourceShareInvitationStatus::Expired)
    );
    // C was removed before it answered.
    expect_code(
        c.accept_resource_share_invitation()
            .resource_share_invitation_arn(withdrawn.resource_share_invitation_arn().unwrap())
            .send()
            .await,
        "ResourceShareInvitationExpiredException",
    );

    // Accepted, B's association settles after the delay, like any other.
    accept(&b, &share_arn).await;
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATING")
    );
    h.advance(DELAY_MS + SECOND_MS);
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATED")
    );
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);
}

#[tokio::test]
async fn a_deleted_share_goes_through_deleting() {
    let h = start(
        Config {
            association_delay_ms: DELAY_MS,
            deleted_share_retention_seconds: 3600,
            ..Config::default()
        },
        trust_mode(),
    )
    .await;
    let a = h.client(A, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[]).await;
    h.advance(DELAY_MS);
    a.delete_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        share(&a, ResourceOwner::SelfValue, &share_arn)
            .await
            .status(),
        Some(&ResourceShareStatus::Deleting)
    );
    h.advance(DELAY_MS + SECOND_MS);
    assert_eq!(
        share(&a, ResourceOwner::SelfValue, &share_arn)
            .await
            .status(),
        Some(&ResourceShareStatus::Deleted)
    );
    h.advance(3600 * SECOND_MS);
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
}

#[tokio::test]
async fn get_resource_share_associations_honours_every_filter() {
    let h = trust().await;
    let a = h.client(A, US);
    let first = create_share(&a, "first", &[tgw(A, US, "1"), tgw(A, US, "2")], &[B]).await;
    let second = create_share(&a, "second", &[tgw(A, US, "1")], &[B, C]).await;
    accept(&h.client(C, US), &second).await;

    let entities = |out: aws_sdk_ram::operation::get_resource_share_associations::GetResourceShareAssociationsOutput| {
        let mut v: Vec<(String, String)> = out
            .resource_share_associations()
            .iter()
            .map(|x| {
                (
                    x.resource_share_name().unwrap().to_owned(),
                    x.associated_entity().unwrap().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let pair = |share: &str, entity: &str| (share.to_owned(), entity.to_owned());

    let all_resources = a
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        entities(all_resources),
        vec![
            pair("first", &tgw(A, US, "1")),
            pair("first", &tgw(A, US, "2")),
            pair("second", &tgw(A, US, "1")),
        ]
    );

    let one_resource = a
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .resource_arn(tgw(A, US, "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        entities(one_resource),
        vec![
            pair("first", &tgw(A, US, "1")),
            pair("second", &tgw(A, US, "1"))
        ]
    );

    let one_share = a
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .resource_share_arns(&second)
        .resource_arn(tgw(A, US, "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(entities(one_share), vec![pair("second", &tgw(A, US, "1"))]);

    let principal_b = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .principal(B)
        .send()
        .await
        .unwrap();
    assert_eq!(
        entities(principal_b),
        vec![pair("first", B), pair("second", B)]
    );

    let associated = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .association_status(ResourceShareAssociationStatus::Associated)
        .send()
        .await
        .unwrap();
    assert_eq!(entities(associated), vec![pair("second", C)]);

    let associating = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .association_status(ResourceShareAssociationStatus::Associating)
        .send()
        .await
        .unwrap();
    assert_eq!(
        entities(associating),
        vec![pair("first", B), pair("second", B)]
    );

    // Every item says what it is.
    let listed = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .resource_share_arns(&first)
        .send()
        .await
        .unwrap();
    let item = &listed.resource_share_associations()[0];
    assert_eq!(item.association_type(), Some(&PRINCIPAL));
    assert_eq!(item.resource_share_arn(), Some(first.as_str()));
    assert!(item.creation_time().is_some());
    assert!(item.last_updated_time().is_some());
}

#[tokio::test]
async fn get_resource_share_associations_rejects_contradictory_filters() {
    let h = trust().await;
    let a = h.client(A, US);
    let e = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .resource_arn(tgw(A, US, "1"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    let e = a
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .principal(B)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    let e = a
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .resource_share_arns("arn:aws:ram:us-east-1:111111111111:nonsense")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());
}

#[tokio::test]
async fn associating_adds_and_disassociating_removes_entities() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[]).await;

    let out = a
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(tgw(A, US, "2"))
        .resource_arns(license(A, US, "1"))
        .principals(B)
        .send()
        .await
        .unwrap();
    let mut answered: Vec<(String, String)> = out
        .resource_share_associations()
        .iter()
        .map(|x| {
            (
                x.association_type().unwrap().as_str().to_owned(),
                x.associated_entity().unwrap().to_owned(),
            )
        })
        .collect();
    answered.sort();
    assert_eq!(
        answered,
        vec![
            ("PRINCIPAL".to_owned(), B.to_owned()),
            ("RESOURCE".to_owned(), tgw(A, US, "2")),
            ("RESOURCE".to_owned(), license(A, US, "1")),
        ]
    );
    assert_eq!(
        own_resources(&a, &share_arn).await,
        vec![tgw(A, US, "1"), tgw(A, US, "2"), license(A, US, "1")]
    );
    let principals = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(principals.principals().len(), 1);
    assert_eq!(principals.principals()[0].id(), Some(B));
    assert_eq!(principals.principals()[0].external(), Some(true));

    accept(&b, &share_arn).await;
    a.disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(tgw(A, US, "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        own_resources(&a, &share_arn).await,
        vec![tgw(A, US, "2"), license(A, US, "1")]
    );
    // The receiver's view follows.
    let mut received: Vec<String> = b
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap()
        .resources()
        .iter()
        .map(|r| r.arn().unwrap().to_owned())
        .collect();
    received.sort();
    assert_eq!(received, vec![tgw(A, US, "2"), license(A, US, "1")]);

    // Associating requires something to associate.
    let e = a
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    let e = a
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
}

#[tokio::test]
async fn list_resources_and_list_principals_honour_their_filters() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let tgws = create_share(&a, "tgws", &[tgw(A, US, "1"), tgw(A, US, "2")], &[B]).await;
    let licenses = create_share(&a, "licenses", &[license(A, US, "1")], &[C]).await;
    accept(&b, &tgws).await;
    accept(&c, &licenses).await;

    let arns = |out: aws_sdk_ram::operation::list_resources::ListResourcesOutput| {
        let mut v: Vec<String> = out
            .resources()
            .iter()
            .map(|r| r.arn().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let by_type = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_type("license-manager:LicenseConfiguration")
        .send()
        .await
        .unwrap();
    assert_eq!(arns(by_type), vec![license(A, US, "1")]);
    let by_principal = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .principal(B)
        .send()
        .await
        .unwrap();
    assert_eq!(arns(by_principal), vec![tgw(A, US, "1"), tgw(A, US, "2")]);
    let by_arn = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_arns(tgw(A, US, "2"))
        .send()
        .await
        .unwrap();
    assert_eq!(arns(by_arn), vec![tgw(A, US, "2")]);
    let e = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_type("ec2:Nonsense")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_resource_type_exception());
    let e = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_arns("tgw-1")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());

    let ids = |out: aws_sdk_ram::operation::list_principals::ListPrincipalsOutput| {
        let mut v: Vec<String> = out
            .principals()
            .iter()
            .map(|p| p.id().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let all = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(all), vec![B.to_owned(), C.to_owned()]);
    let of_resource = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_arn(license(A, US, "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(of_resource), vec![C.to_owned()]);
    let of_type = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_type("ec2:TransitGateway")
        .send()
        .await
        .unwrap();
    assert_eq!(ids(of_type), vec![B.to_owned()]);
    let named = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .principals(C)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(named), vec![C.to_owned()]);

    // B owns nothing, so its SELF views are empty.
    assert!(
        b.list_principals()
            .resource_owner(ResourceOwner::SelfValue)
            .send()
            .await
            .unwrap()
            .principals()
            .is_empty()
    );
    assert!(
        b.list_resources()
            .resource_owner(ResourceOwner::SelfValue)
            .send()
            .await
            .unwrap()
            .resources()
            .is_empty()
    );
    // B's OTHER-ACCOUNTS view filtered by type.
    let b_tgws = b
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_type("ec2:TransitGateway")
        .send()
        .await
        .unwrap();
    assert_eq!(arns(b_tgws), vec![tgw(A, US, "1"), tgw(A, US, "2")]);
    let b_licenses = b
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_type("license-manager:LicenseConfiguration")
        .send()
        .await
        .unwrap();
    assert!(b_licenses.resources().is_empty());
}

#[tokio::test]
async fn the_same_resource_can_be_in_several_shares() {
    let h = trust().await;
    let a = h.client(A, US);
    let first = create_share(&a, "first", &[tgw(A, US, "1")], &[]).await;
    let second = create_share(&a, "second", &[tgw(A, US, "1")], &[]).await;
    assert_eq!(own_resources(&a, &first).await, vec![tgw(A, US, "1")]);
    assert_eq!(own_resources(&a, &second).await, vec![tgw(A, US, "1")]);
    a.disassociate_resource_share()
        .resource_share_arn(&first)
        .resource_arns(tgw(A, US, "1"))
        .send()
        .await
        .unwrap();
    assert!(own_resources(&a, &first).await.is_empty());
    assert_eq!(own_resources(&a, &second).await, vec![tgw(A, US, "1")]);
}

#[tokio::test]
async fn associating_an_entity_twice_keeps_one_association() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    a.associate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(tgw(A, US, "1"))
        .principals(B)
        .send()
        .await
        .unwrap();
    let resources = a
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.resource_share_associations().len(), 1);
    let principals = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(principals.resource_share_associations().len(), 1);
    assert_eq!(invitations(&b).await.len(), 1, "no second invitation");
}

#[tokio::test]
async fn at_most_one_hundred_resources_per_call() {
    let h = trust().await;
    let a = h.client(A, US);
    let share_arn = create_share(&a, "s", &[], &[]).await;
    let many: Vec<String> = (0..101).map(|i| tgw(A, US, &i.to_string())).collect();
    let e = a
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .set_resource_arns(Some(many.clone()))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_limit_exceeded_exception()
    );
    let e = a
        .create_resource_share()
        .name("too-many")
        .set_resource_arns(Some(many.clone()))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_limit_exceeded_exception()
    );
    assert!(own_resources(&a, &share_arn).await.is_empty());
    a.associate_resource_share()
        .resource_share_arn(&share_arn)
        .set_resource_arns(Some(many[..100].to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(own_resources(&a, &share_arn).await.len(), 100);
}

#[tokio::test]
async fn global_resources_are_shared_from_us_east_1_only() {
    let h = trust().await;
    let a_us = h.client(A, US);
    let a_eu = h.client(A, EU);
    let core_network = format!("arn:aws:networkmanager::{A}:core-network/core-network-0abc");
    let e = a_eu
        .create_resource_share()
        .name("global")
        .resource_arns(&core_network)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.code().is_some(),
        "a global resource cannot be shared from eu-west-1"
    );
    assert!(shares(&a_eu, ResourceOwner::SelfValue).await.is_empty());

    let share_arn = create_share(
        &a_us,
        "global",
        &[core_network.clone(), tgw(A, US, "1")],
        &[],
    )
    .await;
    let scoped = |scope: aws_sdk_ram::types::ResourceRegionScopeFilter| {
        a_us.list_resources()
            .resource_owner(ResourceOwner::SelfValue)
            .resource_share_arns(&share_arn)
            .resource_region_scope(scope)
            .send()
    };
    let global = scoped(aws_sdk_ram::types::ResourceRegionScopeFilter::Global)
        .await
        .unwrap();
    assert_eq!(global.resources().len(), 1);
    assert_eq!(global.resources()[0].arn(), Some(core_network.as_str()));
    assert_eq!(
        global.resources()[0].resource_region_scope(),
        Some(&aws_sdk_ram::types::ResourceRegionScope::Global)
    );
    let regional = scoped(aws_sdk_ram::types::ResourceRegionScopeFilter::Regional)
        .await
        .unwrap();
    assert_eq!(regional.resources().len(), 1);
    assert_eq!(
        regional.resources()[0].arn(),
        Some(tgw(A, US, "1").as_str())
    );
    let all = scoped(aws_sdk_ram::types::ResourceRegionScopeFilter::All)
        .await
        .unwrap();
    assert_eq!(all.resources().len(), 2);
}
