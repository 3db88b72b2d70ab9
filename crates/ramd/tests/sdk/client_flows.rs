//! The call sequences real clients make (shared/spec/clients.md), replayed with the Rust SDK:
//! Terraform's resource share, association and accepter resources and its data source, and the
//! reset call emulator users make between tests.

use aws_sdk_ram::types::{
    ResourceOwner, ResourceShareAssociationStatus, ResourceShareAssociationType,
    ResourceShareInvitationStatus, ResourceShareStatus, Tag, TagFilter,
};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::*;

const PRINCIPAL: ResourceShareAssociationType = ResourceShareAssociationType::Principal;
const RESOURCE: ResourceShareAssociationType = ResourceShareAssociationType::Resource;

#[tokio::test]
async fn terraform_share_associations_accepter_and_destroy() {
    let h = trust().await;
    let owner = h.client(A, US);
    let receiver = h.client(B, US);
    let resource = tgw(A, US, "0a1b2c");

    // aws_ram_resource_share: create, then read back by ARN until ACTIVE.
    let out = owner
        .create_resource_share()
        .name("tf-share")
        .allow_external_principals(true)
        .tags(Tag::builder().key("Name").value("tf-share").build())
        .send()
        .await
        .unwrap();
    let share_arn = out
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap()
        .to_owned();
    assert_share_arn(&share_arn, A, US);
    let read = share(&owner, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(read.status(), Some(&ResourceShareStatus::Active));

    // aws_ram_resource_association: nothing there yet, associate with a token, wait.
    let existing = owner
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .resource_arn(&resource)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert!(existing.resource_share_associations().is_empty());
    owner
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .client_token("tf-resource-assoc-1")
        .send()
        .await
        .unwrap();
    let found = owner
        .get_resource_share_associations()
        .association_type(RESOURCE)
        .resource_arn(&resource)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(found.resource_share_associations().len(), 1);
    assert_eq!(
        found.resource_share_associations()[0].status(),
        Some(&ResourceShareAssociationStatus::Associated)
    );

    // aws_ram_principal_association with an account: ASSOCIATING until accepted.
    let existing = owner
        .get_resource_share_associations()
        .association_type(PRINCIPAL)
        .principal(B)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert!(existing.resource_share_associations().is_empty());
    owner
        .associate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .client_token("tf-principal-assoc-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        association_status(&owner, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATING")
    );

    // aws_ram_resource_share_accepter, with the receiver's credentials.
    let pending = receiver
        .get_resource_share_invitations()
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    let invitation = pending
        .resource_share_invitations()
        .iter()
        .find(|i| i.status() == Some(&ResourceShareInvitationStatus::Pending))
        .expect("a PENDING invitation");
    let invitation_arn = invitation
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();
    assert_invitation_arn(&invitation_arn, A, US);
    receiver
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(&invitation_arn)
        .client_token("tf-accept-1")
        .send()
        .await
        .unwrap();
    let polled = receiver
        .get_resource_share_invitations()
        .resource_share_invitation_arns(&invitation_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        polled.resource_share_invitations()[0].status(),
        Some(&ResourceShareInvitationStatus::Accepted)
    );
    let seen_by_receiver = share(&receiver, ResourceOwner::OtherAccounts, &share_arn).await;
    assert_eq!(seen_by_receiver.name(), Some("tf-share"));
    let resources = receiver
        .list_resources()
        .resource_owner(ResourceOwner::OtherAccounts)
        .resource_share_arns(&share_arn)
        .max_results(500)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.resources().len(), 1);
    assert_eq!(resources.resources()[0].arn(), Some(resource.as_str()));
    assert_eq!(
        association_status(&owner, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("ASSOCIATED")
    );

    // Destroy, in Terraform's order: the accepter leaves...
    receiver
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .client_token("tf-leave-1")
        .send()
        .await
        .unwrap();
    // ...the principal association is already gone (UnknownResourceException means that)...
    let principal_gone = owner
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await;
    expect_code(principal_gone, "UnknownResourceException");
    assert_eq!(
        association_status(&owner, &share_arn, PRINCIPAL, B)
            .await
            .as_deref(),
        Some("DISASSOCIATED")
    );
    // ...the resource association is removed and waited for...
    owner
        .disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    assert_eq!(
        association_status(&owner, &share_arn, RESOURCE, &resource)
            .await
            .as_deref(),
        Some("DISASSOCIATED")
    );
    // ...and the share is deleted; deleting again is "already gone".
    owner
        .delete_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap();
    // Still listed, as DELETED, for the retention period.
    let after = share(&owner, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(after.status(), Some(&ResourceShareStatus::Deleted));
    let e = owner
        .delete_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnknownResourceException"));
}

#[tokio::test]
async fn terraform_data_source_finds_exactly_one_share() {
    let h = trust().await;
    let a = h.client(A, US);
    // An older share of the same name, deleted: still listed as DELETED.
    let old = a
        .create_resource_share()
        .name("shared-network")
        .tags(Tag::builder().key("env").value("prod").build())
        .send()
        .await
        .unwrap()
        .resource_share
        .unwrap()
        .resource_share_arn
        .unwrap();
    a.delete_resource_share()
        .resource_share_arn(&old)
        .send()
        .await
        .unwrap();
    let current = a
        .create_resource_share()
        .name("shared-network")
        .resource_arns(tgw(A, US, "1"))
        .tags(Tag::builder().key("env").value("prod").build())
        .send()
        .await
        .unwrap()
        .resource_share
        .unwrap()
        .resource_share_arn
        .unwrap();
    create_share(&a, "something-else", &[], &[]).await;

    let by_name = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .name("shared-network")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_name.resource_shares().len(),
        2,
        "the deleted one is listed too"
    );

    let one = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .name("shared-network")
        .resource_share_status(ResourceShareStatus::Active)
        .tag_filters(
            TagFilter::builder()
                .tag_key("env")
                .tag_values("prod")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(one.resource_shares().len(), 1);
    assert_eq!(
        one.resource_shares()[0].resource_share_arn(),
        Some(current.as_str())
    );
    let resources = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .resource_share_arns(&current)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.resources().len(), 1);
    assert_eq!(
        resources.resources()[0].r#type(),
        Some("ec2:TransitGateway")
    );
}

#[tokio::test]
async fn the_reset_call_of_emulators_forgets_everything_in_trust_mode() {
    let h = trust().await;
    let a = h.client(A, US);
    create_share(&a, "before-reset", &[], &[]).await;
    for path in ["/moto-api/reset", "/_ramd/reset"] {
        let request = http::Request::builder()
            .method("POST")
            .uri(format!("{ENDPOINT}{path}"))
            .header("host", "ramd.local")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = h.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(!body.is_empty());
        assert!(
            shares(&a, ResourceOwner::SelfValue).await.is_empty(),
            "{path}"
        );
        create_share(&a, "after-reset", &[], &[]).await;
    }
}
