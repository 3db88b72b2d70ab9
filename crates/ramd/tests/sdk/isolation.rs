//! Accounts and Regions are isolated: nothing of one is visible to or changeable by another,
//! except what is explicitly shared (and then only in the share's Region).

use aws_sdk_ram::types::{ResourceOwner, ResourceShareAssociationType};

use crate::common::*;

#[tokio::test]
async fn a_share_lives_in_one_region() {
    let h = trust().await;
    let a_us = h.client(A, US);
    let a_eu = h.client(A, EU);
    let us_share = create_share(&a_us, "us", &[tgw(A, US, "1")], &[]).await;
    let eu_share = create_share(&a_eu, "eu", &[tgw(A, EU, "1")], &[]).await;
    assert_share_arn(&us_share, A, US);
    assert_share_arn(&eu_share, A, EU);

    let us_list = shares(&a_us, ResourceOwner::SelfValue).await;
    assert_eq!(us_list.len(), 1);
    assert_eq!(us_list[0].resource_share_arn(), Some(us_share.as_str()));
    let eu_list = shares(&a_eu, ResourceOwner::SelfValue).await;
    assert_eq!(eu_list.len(), 1);
    assert_eq!(eu_list[0].resource_share_arn(), Some(eu_share.as_str()));

    // The other Region's share is unknown by ARN, for reading and for every change.
    let e = a_eu
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&us_share)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = a_eu
        .delete_resource_share()
        .resource_share_arn(&us_share)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = a_eu
        .update_resource_share()
        .resource_share_arn(&us_share)
        .name("moved")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = a_eu
        .associate_resource_share()
        .resource_share_arn(&us_share)
        .resource_arns(tgw(A, EU, "2"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());

    // Listings stay in their Region.
    let eu_resources = a_eu
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = eu_resources
        .resources()
        .iter()
        .map(|r| r.arn().unwrap())
        .collect();
    assert_eq!(arns, vec![tgw(A, EU, "1").as_str()]);
    let eu_associations = a_eu
        .get_resource_share_associations()
        .association_type(ResourceShareAssociationType::Resource)
        .send()
        .await
        .unwrap();
    assert_eq!(eu_associations.resource_share_associations().len(), 1);
    assert_eq!(
        eu_associations.resource_share_associations()[0].resource_share_arn(),
        Some(eu_share.as_str())
    );
}

#[tokio::test]
async fn invitations_and_received_shares_stay_in_the_shares_region() {
    let h = trust().await;
    let a = h.client(A, US);
    let b_us = h.client(B, US);
    let b_eu = h.client(B, EU);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;

    assert!(invitations(&b_eu).await.is_empty());
    let invitation = invitation_for(&b_us, &share_arn).await;
    let arn = invitation.resource_share_invitation_arn().unwrap();
    assert_invitation_arn(arn, A, US);
    let e = b_eu
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );

    accept(&b_us, &share_arn).await;
    assert_eq!(shares(&b_us, ResourceOwner::OtherAccounts).await.len(), 1);
    assert!(shares(&b_eu, ResourceOwner::OtherAccounts).await.is_empty());
    let eu_resources = b_eu
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap();
    assert!(eu_resources.resources().is_empty());
}

#[tokio::test]
async fn three_accounts_see_only_their_own() {
    let h = trust().await;
    let clients = [
        (A, h.client(A, US)),
        (B, h.client(B, US)),
        (C, h.client(C, US)),
    ];
    let mut owned = Vec::new();
    for (account, client) in &clients {
        let arn = create_share(
            client,
            &format!("{account}-share"),
            &[tgw(account, US, "1"), license(account, US, "1")],
            &[],
        )
        .await;
        owned.push(arn);
    }
    for (i, (account, client)) in clients.iter().enumerate() {
        let mine = shares(client, ResourceOwner::SelfValue).await;
        assert_eq!(mine.len(), 1, "{account}");
        assert_eq!(mine[0].resource_share_arn(), Some(owned[i].as_str()));
        assert_eq!(mine[0].owning_account_id(), Some(*account));
        assert!(
            shares(client, ResourceOwner::OtherAccounts)
                .await
                .is_empty()
        );
        let resources = client
            .list_resources()
            .resource_owner(ResourceOwner::SelfValue)
            .send()
            .await
            .unwrap();
        assert_eq!(resources.resources().len(), 2, "{account}");
        assert!(
            resources
                .resources()
                .iter()
                .all(|r| r.arn().unwrap().contains(account)),
            "{account}"
        );
        for (j, arn) in owned.iter().enumerate() {
            if i == j {
                continue;
            }
            let e = client
                .get_resource_shares()
                .resource_owner(ResourceOwner::SelfValue)
                .resource_share_arns(arn)
                .send()
                .await
                .unwrap_err();
            assert!(e.into_service_error().is_unknown_resource_exception());
        }
    }

    // A shares with B only: C's view does not change.
    let (_, a) = &clients[0];
    let (_, b) = &clients[1];
    let (_, c) = &clients[2];
    a.associate_resource_share()
        .resource_share_arn(&owned[0])
        .principals(B)
        .send()
        .await
        .unwrap();
    accept(b, &owned[0]).await;
    assert_eq!(shares(b, ResourceOwner::OtherAccounts).await.len(), 1);
    assert!(shares(c, ResourceOwner::OtherAccounts).await.is_empty());
    assert!(invitations(c).await.is_empty());
    let c_resources = c
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .unwrap();
    assert!(c_resources.resources().is_empty());
    // And B, a receiver, still owns only its own share.
    assert_eq!(shares(b, ResourceOwner::SelfValue).await.len(), 1);
}

#[tokio::test]
async fn two_accounts_can_share_with_each_other() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let a_to_b = create_share(&a, "a-to-b", &[tgw(A, US, "1")], &[B]).await;
    let b_to_a = create_share(&b, "b-to-a", &[license(B, US, "1")], &[A]).await;
    accept(&b, &a_to_b).await;
    accept(&a, &b_to_a).await;

    let a_received = shares(&a, ResourceOwner::OtherAccounts).await;
    assert_eq!(a_received.len(), 1);
    assert_eq!(a_received[0].resource_share_arn(), Some(b_to_a.as_str()));
    assert_eq!(a_received[0].owning_account_id(), Some(B));
    let b_received = shares(&b, ResourceOwner::OtherAccounts).await;
    assert_eq!(b_received.len(), 1);
    assert_eq!(b_received[0].resource_share_arn(), Some(a_to_b.as_str()));

    let a_own = shares(&a, ResourceOwner::SelfValue).await;
    assert_eq!(a_own.len(), 1);
    assert_eq!(a_own[0].resource_share_arn(), Some(a_to_b.as_str()));

    // Each side's associations are its own shares'.
    let a_assoc = a
        .get_resource_share_associations()
        .association_type(ResourceShareAssociationType::Principal)
        .send()
        .await
        .unwrap();
    assert_eq!(a_assoc.resource_share_associations().len(), 1);
    assert_eq!(
        a_assoc.resource_share_associations()[0].associated_entity(),
        Some(B)
    );
}
