//! Sharing with another account: invitations, accepting, rejecting, expiry and leaving.

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use aws_sdk_ram::types::{
    ResourceOwner, ResourceShareAssociationStatus, ResourceShareAssociationType,
    ResourceShareInvitationStatus, ResourceShareStatus,
};
use ram_domain::Config;

use crate::common::*;

const PRINCIPAL: ResourceShareAssociationType = ResourceShareAssociationType::Principal;

async fn other_accounts_resources(client: &aws_sdk_ram::Client) -> Vec<String> {
    let out = client
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .send()
        .await
        .expect("ListResources");
    out.resources()
        .iter()
        .map(|r| r.arn().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_account_principal_is_invited_and_sees_the_share_only_after_accepting() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let resource = tgw(A, US, "1");
    let out = a
        .create_resource_share()
        .name("network")
        .resource_arns(&resource)
        .principals(B)
        .send()
        .await
        .unwrap();
    let share_arn = out
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap()
        .to_owned();
    assert_eq!(
        out.resource_share().unwrap().status(),
        Some(&ResourceShareStatus::Active)
    );

    // The owner sees the principal ASSOCIATING, external, until the invitation is answered.
    let associations = a
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    let principal = &associations.resource_share_associations()[0];
    assert_eq!(principal.associated_entity(), Some(B));
    assert_eq!(
        principal.status(),
        Some(&ResourceShareAssociationStatus::Associating)
    );
    assert_eq!(principal.external(), Some(true));
    assert_eq!(principal.resource_share_name(), Some("network"));

    // The receiver has a PENDING invitation, with the sender's account in its ARN.
    let received = invitations(&b).await;
    assert_eq!(received.len(), 1);
    let invitation = &received[0];
    let invitation_arn = invitation
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();
    assert_invitation_arn(&invitation_arn, A, US);
    assert_eq!(
        invitation.status(),
        Some(&ResourceShareInvitationStatus::Pending)
    );
    assert_eq!(invitation.sender_account_id(), Some(A));
    assert_eq!(invitation.receiver_account_id(), Some(B));
    assert_eq!(invitation.resource_share_arn(), Some(share_arn.as_str()));
    assert_eq!(invitation.resource_share_name(), Some("network"));
    assert!(invitation.invitation_timestamp().is_some());
    assert_eq!(
        invitation.receiver_arn(),
        None,
        "no receiverArn for an account"
    );
    // The sender has no invitation of its own.
    assert!(invitations(&a).await.is_empty());

    // Before accepting, the share is invisible to the receiver, even asked for by ARN or PENDING.
    assert!(shares(&b, ResourceOwner::OtherAccounts).await.is_empty());
    let pending_filter = b
        .get_resource_shares()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_share_status(ResourceShareStatus::Pending)
        .send()
        .await
        .unwrap();
    assert!(pending_filter.resource_shares().is_empty());
    let e = b
        .get_resource_shares()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    assert!(other_accounts_resources(&b).await.is_empty());

    // Accept.
    let out = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(&invitation_arn)
        .send()
        .await
        .unwrap();
    let accepted = out.resource_share_invitation().unwrap();
    assert_eq!(
        accepted.status(),
        Some(&ResourceShareInvitationStatus::Accepted)
    );
    assert_eq!(
        accepted.resource_share_invitation_arn(),
        Some(invitation_arn.as_str())
    );
    assert_eq!(accepted.resource_share_arn(), Some(share_arn.as_str()));
    assert_eq!(out.client_token(), None, "none sent, none answered");

    // Now the receiver sees the share, its resource, and the invitation as ACCEPTED.
    let visible = shares(&b, ResourceOwner::OtherAccounts).await;
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0].resource_share_arn(), Some(share_arn.as_str()));
    assert_eq!(visible[0].owning_account_id(), Some(A));
    assert_eq!(visible[0].status(), Some(&ResourceShareStatus::Active));
    let by_arn = share(&b, ResourceOwner::OtherAccounts, &share_arn).await;
    assert_eq!(by_arn.name(), Some("network"));
    let listed = b
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_share_arns(&share_arn)
        .max_results(500)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.resources().len(), 1);
    let r = &listed.resources()[0];
    assert_eq!(r.arn(), Some(resource.as_str()));
    assert_eq!(r.r#type(), Some("ec2:TransitGateway"));
    assert_eq!(r.resource_share_arn(), Some(share_arn.as_str()));
    let polled = b
        .get_resource_share_invitations()
        .resource_share_invitation_arns(&invitation_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        polled.resource_share_invitations()[0].status(),
        Some(&ResourceShareInvitationStatus::Accepted)
    );

    // The owner sees the principal ASSOCIATED, and the receiver does not own the share.
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATED")
    );
    assert!(shares(&b, ResourceOwner::SelfValue).await.is_empty());
    assert!(shares(&a, ResourceOwner::OtherAccounts).await.is_empty());
}

#[tokio::test]
async fn an_invitation_can_be_answered_only_once() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[license(A, US, "1")], &[B]).await;
    let invitation = accept(&b, &share_arn).await;
    let arn = invitation.resource_share_invitation_arn().unwrap();

    let e = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_already_accepted_exception()
    );
    let e = b
        .reject_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_already_accepted_exception()
    );
    // Still accepted and still shared.
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);
}

#[tokio::test]
async fn rejecting_leaves_the_receiver_without_access() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    let invitation = invitation_for(&b, &share_arn).await;
    let arn = invitation.resource_share_invitation_arn().unwrap();

    let out = b
        .reject_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.resource_share_invitation().unwrap().status(),
        Some(&ResourceShareInvitationStatus::Rejected)
    );
    assert_eq!(
        invitation_for(&b, &share_arn).await.status(),
        Some(&ResourceShareInvitationStatus::Rejected)
    );
    assert!(shares(&b, ResourceOwner::OtherAccounts).await.is_empty());
    assert!(other_accounts_resources(&b).await.is_empty());
    // The owner's association of B has ended.
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("DISASSOCIATED")
    );

    let e = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_already_rejected_exception()
    );
    let e = b
        .reject_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_already_rejected_exception()
    );

    // The owner can invite B again; B gets a new invitation and can accept it.
    a.associate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await
        .unwrap();
    let pending: Vec<_> = invitations(&b)
        .await
        .into_iter()
        .filter(|i| i.status() == Some(&ResourceShareInvitationStatus::Pending))
        .collect();
    assert_eq!(pending.len(), 1);
    assert_ne!(pending[0].resource_share_invitation_arn(), Some(arn));
    b.accept_resource_share_invitation()
        .resource_share_invitation_arn(pending[0].resource_share_invitation_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);
}

#[tokio::test]
async fn nobody_else_can_see_or_answer_an_invitation() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    let invitation = invitation_for(&b, &share_arn).await;
    let arn = invitation.resource_share_invitation_arn().unwrap();

    for (who, client) in [("a third account", &c), ("the sender", &a)] {
        let e = client
            .accept_resource_share_invitation()
            .resource_share_invitation_arn(arn)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error()
                .is_resource_share_invitation_arn_not_found_exception(),
            "{who} accepting"
        );
        let e = client
            .reject_resource_share_invitation()
            .resource_share_invitation_arn(arn)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error()
                .is_resource_share_invitation_arn_not_found_exception(),
            "{who} rejecting"
        );
        let e = client
            .get_resource_share_invitations()
            .resource_share_invitation_arns(arn)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error()
                .is_resource_share_invitation_arn_not_found_exception(),
            "{who} reading"
        );
    }
    assert!(invitations(&c).await.is_empty());
    // B's invitation is still pending.
    assert_eq!(
        invitation_for(&b, &share_arn).await.status(),
        Some(&ResourceShareInvitationStatus::Pending)
    );
}

#[tokio::test]
async fn invitation_arns_are_checked() {
    let h = trust().await;
    let b = h.client(B, US);
    let e = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn("invitation-1")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());
    let e = b
        .get_resource_share_invitations()
        .resource_share_invitation_arns(format!("arn:aws:ram:{US}:{A}:resource-share/x"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());
    let unknown = format!(
        "arn:aws:ram:{US}:{A}:resource-share-invitation/0b5d6b1e-8f53-4c54-9a11-6f1d2e3c4b5a"
    );
    let e = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(&unknown)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
    let e = b
        .reject_resource_share_invitation()
        .resource_share_invitation_arn(&unknown)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
}

#[tokio::test]
async fn an_unanswered_invitation_expires_after_the_configured_lifetime() {
    let h = start(
        Config {
            invitation_ttl_seconds: Some(3600),
            ..Config::default()
        },
        trust_mode(),
    )
    .await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    let arn = invitation_for(&b, &share_arn)
        .await
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();

    h.advance(3599 * SECOND_MS);
    assert_eq!(
        invitation_for(&b, &share_arn).await.status(),
        Some(&ResourceShareInvitationStatus::Pending)
    );
    h.advance(2 * SECOND_MS);
    assert_eq!(
        invitation_for(&b, &share_arn).await.status(),
        Some(&ResourceShareInvitationStatus::Expired)
    );
    let e = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_expired_exception()
    );
    let e = b
        .reject_resource_share_invitation()
        .resource_share_invitation_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_expired_exception()
    );
    assert!(shares(&b, ResourceOwner::OtherAccounts).await.is_empty());
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("DISASSOCIATED")
    );
}

#[tokio::test]
async fn invitations_last_seven_days_for_transit_gateways_and_twelve_hours_by_default() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let tgw_share = create_share(&a, "tgw", &[tgw(A, US, "1")], &[B]).await;
    let codebuild_share = create_share(&a, "cb", &[codebuild(A, US, "1")], &[B]).await;
    let status = |list: &[aws_sdk_ram::types::ResourceShareInvitation], share: &str| {
        list.iter()
            .find(|i| i.resource_share_arn() == Some(share))
            .and_then(|i| i.status().cloned())
    };

    h.advance(11 * HOUR_MS);
    let list = invitations(&b).await;
    assert_eq!(
        status(&list, &tgw_share),
        Some(ResourceShareInvitationStatus::Pending)
    );
    assert_eq!(
        status(&list, &codebuild_share),
        Some(ResourceShareInvitationStatus::Pending)
    );

    h.advance(2 * HOUR_MS);
    let list = invitations(&b).await;
    assert_eq!(
        status(&list, &tgw_share),
        Some(ResourceShareInvitationStatus::Pending)
    );
    assert_eq!(
        status(&list, &codebuild_share),
        Some(ResourceShareInvitationStatus::Expired),
        "a CodeBuild project's invitation lasts 12 hours"
    );

    h.advance(6 * DAY_MS);
    assert_eq!(
        status(&invitations(&b).await, &tgw_share),
        Some(ResourceShareInvitationStatus::Pending),
        "a transit gateway's invitation lasts 7 days"
    );
    // Still acceptable on day 6...
    accept(&b, &tgw_share).await;
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);

    // ...but a second one sent now is expired 7 days later.
    let late = create_share(&a, "late", &[tgw(A, US, "2")], &[B]).await;
    h.advance(7 * DAY_MS + SECOND_MS);
    let invitation = invitation_for(&b, &late).await;
    assert_eq!(
        invitation.status(),
        Some(&ResourceShareInvitationStatus::Expired)
    );
    let e = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(invitation.resource_share_invitation_arn().unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_expired_exception()
    );
}

#[tokio::test]
async fn an_iam_role_is_invited_through_its_account_with_a_receiver_arn() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let role = format!("arn:aws:iam::{B}:role/Builder");
    let share_arn = create_share(&a, "builds", &[codebuild(A, US, "1")], &[role.as_str()]).await;
    let invitation = invitation_for(&b, &share_arn).await;
    assert_eq!(invitation.receiver_account_id(), Some(B));
    assert_eq!(invitation.receiver_arn(), Some(role.as_str()));
    assert_eq!(
        invitation.status(),
        Some(&ResourceShareInvitationStatus::Pending)
    );
    accept(&b, &share_arn).await;
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, &role)
            .await
            .as_deref(),
        Some("ASSOCIATED")
    );

    // Transit gateways cannot be shared with IAM principals.
    let e = a
        .create_resource_share()
        .name("tgw")
        .resource_arns(tgw(A, US, "1"))
        .principals(&role)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
}

#[tokio::test]
async fn a_receiver_leaves_by_disassociating_its_own_account_and_nothing_else() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B, C]).await;
    accept(&b, &share_arn).await;
    accept(&c, &share_arn).await;

    // A receiver may not change the owner's share.
    let e = b
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(tgw(A, US, "1"))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_operation_not_permitted_exception()
    );
    let e = b
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(C)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_operation_not_permitted_exception()
    );
    let e = b
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .principals(C)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_operation_not_permitted_exception()
    );
    let e = b
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(C)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = b
        .delete_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = b
        .update_resource_share()
        .resource_share_arn(&share_arn)
        .name("mine now")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());

    // Leaving.
    let out = b
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await
        .unwrap();
    let answered = out.resource_share_associations();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].associated_entity(), Some(B));
    assert_eq!(
        answered[0].status(),
        Some(&ResourceShareAssociationStatus::Disassociating)
    );
    assert!(shares(&b, ResourceOwner::OtherAccounts).await.is_empty());
    assert!(other_accounts_resources(&b).await.is_empty());
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("DISASSOCIATED")
    );
    // C is unaffected.
    assert_eq!(shares(&c, ResourceOwner::OtherAccounts).await.len(), 1);
    assert_eq!(other_accounts_resources(&c).await.len(), 1);
    // Leaving again: B is no longer in the share.
    expect_code(
        b.disassociate_resource_share()
            .resource_share_arn(&share_arn)
            .principals(B)
            .send()
            .await,
        "UnknownResourceException",
    );
}

#[tokio::test]
async fn a_receiver_cannot_leave_a_share_of_a_type_that_does_not_allow_it() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "cb", &[codebuild(A, US, "1")], &[B]).await;
    accept(&b, &share_arn).await;
    let e = b
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_operation_not_permitted_exception()
    );
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);
}

#[tokio::test]
async fn removing_or_deleting_ends_the_receivers_access() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let removed = create_share(&a, "removed", &[tgw(A, US, "1")], &[B]).await;
    let deleted = create_share(&a, "deleted", &[tgw(A, US, "2")], &[C]).await;
    accept(&b, &removed).await;
    accept(&c, &deleted).await;
    assert_eq!(other_accounts_resources(&b).await, vec![tgw(A, US, "1")]);
    assert_eq!(other_accounts_resources(&c).await, vec![tgw(A, US, "2")]);

    a.disassociate_resource_share()
        .resource_share_arn(&removed)
        .principals(B)
        .send()
        .await
        .unwrap();
    assert!(shares(&b, ResourceOwner::OtherAccounts).await.is_empty());
    assert!(other_accounts_resources(&b).await.is_empty());

    a.delete_resource_share()
        .resource_share_arn(&deleted)
        .send()
        .await
        .unwrap();
    assert!(other_accounts_resources(&c).await.is_empty());
    let visible = shares(&c, ResourceOwner::OtherAccounts).await;
    assert!(visible.is_empty(), "{visible:?}");
}

#[tokio::test]
async fn withdrawing_a_pending_invitation_makes_it_unanswerable() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    let arn = invitation_for(&b, &share_arn)
        .await
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();
    // The owner may remove a principal whose invitation is still pending.
    a.disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await
        .unwrap();
    let invitation = invitation_for(&b, &share_arn).await;
    assert_eq!(
        invitation.status(),
        Some(&ResourceShareInvitationStatus::Expired)
    );
    expect_code(
        b.accept_resource_share_invitation()
            .resource_share_invitation_arn(&arn)
            .send()
            .await,
        "ResourceShareInvitationExpiredException",
    );
    assert!(shares(&b, ResourceOwner::OtherAccounts).await.is_empty());
}

#[tokio::test]
async fn a_receiver_sees_only_what_is_shared_with_it() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let to_b = create_share(&a, "to-b", &[tgw(A, US, "1")], &[B]).await;
    let to_c = create_share(&a, "to-c", &[license(A, US, "1")], &[C]).await;
    let to_both = create_share(&a, "to-both", &[tgw(A, US, "2")], &[B, C]).await;
    for s in [&to_b, &to_both] {
        accept(&b, s).await;
    }
    for s in [&to_c, &to_both] {
        accept(&c, s).await;
    }
    let names = |list: Vec<aws_sdk_ram::types::ResourceShare>| {
        let mut v: Vec<String> = list.iter().map(|s| s.name().unwrap().to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(
        names(shares(&b, ResourceOwner::OtherAccounts).await),
        ["to-b", "to-both"]
    );
    assert_eq!(
        names(shares(&c, ResourceOwner::OtherAccounts).await),
        ["to-both", "to-c"]
    );
    let mut b_resources = other_accounts_resources(&b).await;
    b_resources.sort();
    assert_eq!(b_resources, vec![tgw(A, US, "1"), tgw(A, US, "2")]);
    let mut c_resources = other_accounts_resources(&c).await;
    c_resources.sort();
    assert_eq!(c_resources, vec![tgw(A, US, "2"), license(A, US, "1")]);
    // B cannot look up the share sent only to C.
    let e = b
        .get_resource_shares()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_share_arns(&to_c)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    // Invitations are per receiver.
    assert_eq!(invitations(&b).await.len(), 2);
    assert_eq!(invitations(&c).await.len(), 2);
    let e = b
        .get_resource_share_invitations()
        .resource_share_invitation_arns(
            invitation_for(&c, &to_c)
                .await
                .resource_share_invitation_arn()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
}

#[tokio::test]
async fn an_accepted_receiver_gets_added_resources_without_a_new_invitation() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    accept(&b, &share_arn).await;
    a.associate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(license(A, US, "1"))
        .send()
        .await
        .unwrap();
    let mut received = other_accounts_resources(&b).await;
    received.sort();
    assert_eq!(received, vec![tgw(A, US, "1"), license(A, US, "1")]);
    // Associating B again changes nothing.
    a.associate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await
        .unwrap();
    let list = invitations(&b).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0].status(),
        Some(&ResourceShareInvitationStatus::Accepted)
    );
    assert_eq!(
        association_status(&a, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATED")
    );
}

#[tokio::test]
async fn answered_and_expired_invitations_are_purged_after_seven_days() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    // A transit gateway's invitation lives 7 days; a private CA's 12 hours.
    let accepted_share = create_share(&a, "accepted", &[tgw(A, US, "1")], &[B]).await;
    let accepted = accept(&b, &accepted_share)
        .await
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();
    let ca = format!("arn:aws:acm-pca:{US}:{A}:certificate-authority/ca-1");
    let expiring_share = create_share(&a, "expiring", &[ca], &[C]).await;
    let expiring = invitation_for(&c, &expiring_share)
        .await
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();

    // Just before the purge the accepted invitation is still there.
    h.advance(7 * DAY_MS - 1);
    assert_eq!(
        invitation_for(&b, &accepted_share).await.status(),
        Some(&ResourceShareInvitationStatus::Accepted)
    );
    h.advance(1);
    assert!(invitations(&b).await.is_empty(), "purged from listings");
    let by_arn = b
        .get_resource_share_invitations()
        .resource_share_invitation_arns(&accepted)
        .send()
        .await
        .unwrap_err();
    assert!(
        by_arn
            .into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
    let again = b
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(&accepted)
        .send()
        .await
        .unwrap_err();
    assert!(
        again
            .into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
    let resources = b
        .list_pending_invitation_resources()
        .resource_share_invitation_arn(&accepted)
        .send()
        .await
        .unwrap_err();
    assert!(
        resources
            .into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
    // The share it gave stays shared.
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);

    // The 12-hour invitation expired 12 h in; it is purged 7 days after that.
    assert_eq!(
        invitation_for(&c, &expiring_share).await.status(),
        Some(&ResourceShareInvitationStatus::Expired)
    );
    h.advance(12 * 3600 * SECOND_MS);
    assert!(invitations(&c).await.is_empty());
    let e = c
        .reject_resource_share_invitation()
        .resource_share_invitation_arn(&expiring)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_arn_not_found_exception()
    );
}

#[tokio::test]
async fn a_pending_invitation_is_never_purged_and_the_period_is_configurable() {
    let h = start(
        Config {
            invitation_ttl_seconds: Some(30 * 24 * 3600),
            ended_invitation_retention_seconds: 60,
            ..Config::default()
        },
        trust_mode(),
    )
    .await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let pending_share = create_share(&a, "pending", &[tgw(A, US, "1")], &[B]).await;
    let rejected_share = create_share(&a, "rejected", &[tgw(A, US, "2")], &[C]).await;
    let rejected = invitation_for(&c, &rejected_share).await;
    c.reject_resource_share_invitation()
        .resource_share_invitation_arn(rejected.resource_share_invitation_arn().unwrap())
        .send()
        .await
        .unwrap();
    h.advance(59 * SECOND_MS);
    assert_eq!(invitations(&c).await.len(), 1);
    h.advance(SECOND_MS);
    assert!(invitations(&c).await.is_empty());
    h.advance(20 * DAY_MS);
    assert_eq!(
        invitation_for(&b, &pending_share).await.status(),
        Some(&ResourceShareInvitationStatus::Pending)
    );
}
