//! ListPendingInvitationResources (what an invitation would give, before answering it) and
//! ListSourceAssociations (the sources that limit a share's service principals).

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use std::collections::BTreeSet;

use aws_sdk_ram::Client;
use aws_sdk_ram::operation::list_source_associations::builders::ListSourceAssociationsFluentBuilder;
use aws_sdk_ram::types::{
    ResourceRegionScope, ResourceRegionScopeFilter, ResourceShareAssociationStatus, ResourceStatus,
};

use crate::common::*;

fn core_network(account: &str) -> String {
    format!("arn:aws:networkmanager::{account}:core-network/core-network-1")
}

/// The resources B's invitation to `share_arn` lists (following every page).
async fn pending_resources(
    client: &Client,
    invitation: &str,
    scope: Option<ResourceRegionScopeFilter>,
) -> Vec<aws_sdk_ram::types::Resource> {
    let pages: Vec<_> = client
        .list_pending_invitation_resources()
        .resource_share_invitation_arn(invitation)
        .set_resource_region_scope(scope)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("ListPendingInvitationResources");
    pages
        .into_iter()
        .flat_map(|p| p.resources.unwrap_or_default())
        .collect()
}

fn arns(resources: &[aws_sdk_ram::types::Resource]) -> BTreeSet<String> {
    resources
        .iter()
        .map(|r| r.arn().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn invitation_arn(client: &Client, share: &str) -> String {
    invitation_for(client, share)
        .await
        .resource_share_invitation_arn
        .expect("invitation ARN")
}

// ---------------------------------------------------------------------------------------------
// ListPendingInvitationResources

#[tokio::test]
async fn a_pending_invitation_lists_the_shares_resources() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let (t1, t2, lic, core) = (
        tgw(A, US, "1"),
        tgw(A, US, "2"),
        license(A, US, "1"),
        core_network(A),
    );
    let share = create_share(
        &a,
        "offered",
        &[t1.clone(), t2.clone(), lic.clone(), core.clone()],
        &[B],
    )
    .await;
    // Another share's resources never show.
    create_share(&a, "other", &[tgw(A, US, "9")], &[B]).await;
    let invitation = invitation_arn(&b, &share).await;

    let all = pending_resources(&b, &invitation, None).await;
    assert_eq!(arns(&all), set(&[&t1, &t2, &lic, &core]));
    for r in &all {
        assert_eq!(r.resource_share_arn(), Some(share.as_str()));
        assert_eq!(r.status(), Some(&ResourceStatus::Available));
        assert!(r.creation_time().is_some() && r.last_updated_time().is_some());
    }
    let by_arn = |arn: &str| all.iter().find(|r| r.arn() == Some(arn)).unwrap();
    assert_eq!(by_arn(&t1).r#type(), Some("ec2:TransitGateway"));
    assert_eq!(
        by_arn(&lic).r#type(),
        Some("license-manager:LicenseConfiguration")
    );
    assert_eq!(by_arn(&core).r#type(), Some("networkmanager:CoreNetwork"));
    assert_eq!(
        by_arn(&core).resource_region_scope(),
        Some(&ResourceRegionScope::Global)
    );
    assert_eq!(
        by_arn(&t1).resource_region_scope(),
        Some(&ResourceRegionScope::Regional)
    );

    // Region scope.
    let global = pending_resources(&b, &invitation, Some(ResourceRegionScopeFilter::Global)).await;
    assert_eq!(arns(&global), set(&[&core]));
    let regional =
        pending_resources(&b, &invitation, Some(ResourceRegionScopeFilter::Regional)).await;
    assert_eq!(arns(&regional), set(&[&t1, &t2, &lic]));
    let explicit_all =
        pending_resources(&b, &invitation, Some(ResourceRegionScopeFilter::All)).await;
    assert_eq!(explicit_all.len(), 4);

    // Pages of three.
    let first = b
        .list_pending_invitation_resources()
        .resource_share_invitation_arn(&invitation)
        .max_results(3)
        .send()
        .await
        .unwrap();
    assert_eq!(first.resources().len(), 3);
    let second = b
        .list_pending_invitation_resources()
        .resource_share_invitation_arn(&invitation)
        .max_results(3)
        .next_token(first.next_token().expect("a second page"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.resources().len(), 1);
    assert!(second.next_token().is_none());
    let paged: BTreeSet<String> = first
        .resources()
        .iter()
        .chain(second.resources())
        .map(|r| r.arn().unwrap().to_owned())
        .collect();
    assert_eq!(paged.len(), 4);
    // A token is bound to its query.
    expect_code(
        b.list_pending_invitation_resources()
            .resource_share_invitation_arn(&invitation)
            .resource_region_scope(ResourceRegionScopeFilter::Global)
            .next_token(first.next_token().unwrap())
            .send()
            .await,
        "InvalidNextTokenException",
    );

    // The owner changes the share meanwhile: the list follows.
    a.disassociate_resource_share()
        .resource_share_arn(&share)
        .resource_arns(&t2)
        .send()
        .await
        .unwrap();
    a.associate_resource_share()
        .resource_share_arn(&share)
        .resource_arns(tgw(A, US, "3"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        arns(&pending_resources(&b, &invitation, None).await),
        set(&[&t1, &tgw(A, US, "3"), &lic, &core])
    );

    // An empty share lists nothing.
    let empty = create_share(&a, "empty", &[], &[B]).await;
    let empty_invitation = invitation_arn(&b, &empty).await;
    assert!(
        pending_resources(&b, &empty_invitation, None)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn answered_and_expired_invitations_list_nothing() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);

    // Expired: a transit gateway invitation lives seven days.
    let expiring_share = create_share(&a, "expiring", &[tgw(A, US, "2")], &[B]).await;
    let expiring = invitation_arn(&b, &expiring_share).await;
    h.advance(7 * DAY_MS - 60 * SECOND_MS);
    assert_eq!(
        pending_resources(&b, &expiring, None).await.len(),
        1,
        "not yet"
    );

    // Rejected (late enough that it is not yet purged when the other one expires).
    let rejected_share = create_share(&a, "rejected", &[tgw(A, US, "1")], &[B]).await;
    let rejected = invitation_arn(&b, &rejected_share).await;
    b.reject_resource_share_invitation()
        .resource_share_invitation_arn(&rejected)
        .send()
        .await
        .unwrap();
    expect_code(
        b.list_pending_invitation_resources()
            .resource_share_invitation_arn(&rejected)
            .send()
            .await,
        "ResourceShareInvitationAlreadyRejectedException",
    );

    h.advance(2 * 60 * SECOND_MS);
    expect_code(
        b.list_pending_invitation_resources()
            .resource_share_invitation_arn(&expiring)
            .send()
            .await,
        "ResourceShareInvitationExpiredException",
    );
    // It is still the rejected one that answers "rejected", not "expired".
    expect_code(
        b.list_pending_invitation_resources()
            .resource_share_invitation_arn(&rejected)
            .send()
            .await,
        "ResourceShareInvitationAlreadyRejectedException",
    );
}

#[tokio::test]
async fn only_the_invited_account_may_list_an_invitations_resources() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share = create_share(&a, "for-b", &[tgw(A, US, "1")], &[B]).await;
    let invitation = invitation_arn(&b, &share).await;

    for (who, region) in [(C, US), (A, US), (B, EU)] {
        expect_code(
            h.client(who, region)
                .list_pending_invitation_resources()
                .resource_share_invitation_arn(&invitation)
                .send()
                .await,
            "ResourceShareInvitationArnNotFoundException",
        );
    }
    let unknown = format!(
        "arn:aws:ram:{US}:{A}:resource-share-invitation/00000000-0000-4000-8000-000000000000"
    );
    expect_code(
        b.list_pending_invitation_resources()
            .resource_share_invitation_arn(&unknown)
            .send()
            .await,
        "ResourceShareInvitationArnNotFoundException",
    );
    for malformed in ["not-an-arn", share.as_str()] {
        expect_code(
            b.list_pending_invitation_resources()
                .resource_share_invitation_arn(malformed)
                .send()
                .await,
            "MalformedArnException",
        );
    }
    expect_code(
        b.list_pending_invitation_resources()
            .resource_share_invitation_arn(&invitation)
            .max_results(0)
            .send()
            .await,
        "InvalidParameterException",
    );
}

// ---------------------------------------------------------------------------------------------
// ListSourceAssociations

/// (share, source id, source type, status) of every source association listed, sorted.
async fn sources(
    call: ListSourceAssociationsFluentBuilder,
) -> Vec<(String, String, String, String)> {
    let pages: Vec<_> = call
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("ListSourceAssociations");
    let mut list: Vec<(String, String, String, String)> = pages
        .into_iter()
        .flat_map(|p| p.source_associations.unwrap_or_default())
        .map(|s| {
            assert!(s.creation_time().is_some() && s.last_updated_time().is_some());
            (
                s.resource_share_arn().unwrap().to_owned(),
                s.source_id().unwrap().to_owned(),
                s.source_type().unwrap().to_owned(),
                s.status().unwrap().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

fn source(share: &str, id: &str, kind: &str, status: &str) -> (String, String, String, String) {
    (
        share.to_owned(),
        id.to_owned(),
        kind.to_owned(),
        status.to_owned(),
    )
}

async fn service_share(client: &Client, name: &str, resource: &str, sources: &[&str]) -> String {
    let mut call = client
        .create_resource_share()
        .name(name)
        .resource_arns(resource)
        .principals("codebuild.amazonaws.com");
    for s in sources {
        call = call.sources(*s);
    }
    call.send()
        .await
        .unwrap_or_else(|e| panic!("CreateResourceShare {name}: {e:?}"))
        .resource_share
        .and_then(|s| s.resource_share_arn)
        .expect("share ARN")
}

#[tokio::test]
async fn list_source_associations_filters() {
    let h = trust().await;
    let a = h.client(A, US);
    let source_arn = format!("arn:aws:codebuild:{US}:{C}:project/src");
    let s1 = service_share(&a, "s1", &codebuild(A, US, "1"), &[C, &source_arn]).await;
    let s2 = service_share(&a, "s2", &codebuild(A, US, "2"), &[B]).await;
    // Another account's sources never show.
    service_share(&h.client(B, US), "theirs", &codebuild(B, US, "1"), &[C]).await;

    let mut all = vec![
        source(&s1, C, "ACCOUNT", "ASSOCIATED"),
        source(&s1, &source_arn, "ARN", "ASSOCIATED"),
        source(&s2, B, "ACCOUNT", "ASSOCIATED"),
    ];
    all.sort();
    assert_eq!(sources(a.list_source_associations()).await, all);

    let mut of_s1 = vec![
        source(&s1, C, "ACCOUNT", "ASSOCIATED"),
        source(&s1, &source_arn, "ARN", "ASSOCIATED"),
    ];
    of_s1.sort();
    assert_eq!(
        sources(a.list_source_associations().resource_share_arns(&s1)).await,
        of_s1
    );
    assert_eq!(
        sources(
            a.list_source_associations()
                .resource_share_arns(&s1)
                .resource_share_arns(&s2)
        )
        .await,
        all
    );
    assert_eq!(
        sources(a.list_source_associations().source_id(C)).await,
        [source(&s1, C, "ACCOUNT", "ASSOCIATED")]
    );
    assert_eq!(
        sources(a.list_source_associations().source_id(&source_arn)).await,
        [source(&s1, &source_arn, "ARN", "ASSOCIATED")]
    );
    let mut accounts = vec![
        source(&s1, C, "ACCOUNT", "ASSOCIATED"),
        source(&s2, B, "ACCOUNT", "ASSOCIATED"),
    ];
    accounts.sort();
    assert_eq!(
        sources(a.list_source_associations().source_type("ACCOUNT")).await,
        accounts
    );
    assert_eq!(
        sources(a.list_source_associations().source_type("ARN")).await,
        [source(&s1, &source_arn, "ARN", "ASSOCIATED")]
    );
    assert_eq!(
        sources(
            a.list_source_associations()
                .resource_share_arns(&s2)
                .source_type("ARN")
        )
        .await,
        []
    );
    assert_eq!(
        sources(
            a.list_source_associations()
                .association_status(ResourceShareAssociationStatus::Associated)
        )
        .await,
        all
    );
    assert!(
        sources(
            a.list_source_associations()
                .association_status(ResourceShareAssociationStatus::Disassociated)
        )
        .await
        .is_empty()
    );

    // Pages of one hold every source once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = a
            .list_source_associations()
            .max_results(1)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        assert!(out.source_associations().len() <= 1);
        seen.extend(
            out.source_associations()
                .iter()
                .map(|s| s.source_id().unwrap().to_owned()),
        );
        match out.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 3);

    // A source removed from a share is listed DISASSOCIATED.
    a.disassociate_resource_share()
        .resource_share_arn(&s1)
        .sources(C)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sources(
            a.list_source_associations()
                .association_status(ResourceShareAssociationStatus::Disassociated)
        )
        .await,
        [source(&s1, C, "ACCOUNT", "DISASSOCIATED")]
    );
    assert_eq!(
        sources(
            a.list_source_associations()
                .resource_share_arns(&s1)
                .association_status(ResourceShareAssociationStatus::Associated)
        )
        .await,
        [source(&s1, &source_arn, "ARN", "ASSOCIATED")]
    );
    // The last source of a share with a service principal must stay.
    expect_code(
        a.disassociate_resource_share()
            .resource_share_arn(&s2)
            .sources(B)
            .send()
            .await,
        "InvalidParameterException",
    );
    // Sources added later appear.
    a.associate_resource_share()
        .resource_share_arn(&s2)
        .sources(C)
        .send()
        .await
        .unwrap();
    let mut of_s2 = vec![
        source(&s2, B, "ACCOUNT", "ASSOCIATED"),
        source(&s2, C, "ACCOUNT", "ASSOCIATED"),
    ];
    of_s2.sort();
    assert_eq!(
        sources(a.list_source_associations().resource_share_arns(&s2)).await,
        of_s2
    );
}

#[tokio::test]
async fn list_source_associations_is_for_the_owner_only() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share = service_share(&a, "s", &codebuild(A, US, "1"), &[C]).await;

    // Another account (or the owner in another Region) naming the share: unknown.
    for client in [&b, &h.client(A, EU)] {
        expect_code(
            client
                .list_source_associations()
                .resource_share_arns(&share)
                .send()
                .await,
            "UnknownResourceException",
        );
        assert!(sources(client.list_source_associations()).await.is_empty());
    }
    let missing =
        format!("arn:aws:ram:{US}:{A}:resource-share/00000000-0000-4000-8000-000000000000");
    expect_code(
        a.list_source_associations()
            .resource_share_arns(&missing)
            .send()
            .await,
        "UnknownResourceException",
    );
    expect_code(
        a.list_source_associations()
            .resource_share_arns("arn:aws:ram:us-east-1:111111111111:permission/x")
            .send()
            .await,
        "MalformedArnException",
    );

    // Sources need a service principal; and must be accounts, ARNs or organization ids.
    expect_code(
        a.create_resource_share()
            .name("no-service")
            .resource_arns(codebuild(A, US, "2"))
            .principals(B)
            .sources(C)
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        a.create_resource_share()
            .name("bad-source")
            .resource_arns(codebuild(A, US, "2"))
            .principals("codebuild.amazonaws.com")
            .sources("not a source")
            .send()
            .await,
        "InvalidParameterException",
    );
    // A share without sources lists none.
    let plain = service_share(&a, "plain", &codebuild(A, US, "3"), &[]).await;
    assert!(
        sources(a.list_source_associations().resource_share_arns(&plain))
            .await
            .is_empty()
    );
}
