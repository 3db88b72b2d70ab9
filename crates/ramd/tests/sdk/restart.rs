//! State is durable: after the server is stopped and started again over the same data
//! directory, everything is as it was.

use aws_sdk_ram::types::{ResourceOwner, ResourceShareInvitationStatus, ResourceShareStatus, Tag};
use ram_domain::Config;

use crate::common::*;

#[tokio::test]
async fn shares_invitations_and_tags_survive_a_restart() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let out = a
        .create_resource_share()
        .name("durable")
        .resource_arns(tgw(A, US, "1"))
        .principals(B)
        .principals(C)
        .tags(Tag::builder().key("team").value("network").build())
        .client_token("durable-1")
        .send()
        .await
        .unwrap();
    let share_arn = out
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap()
        .to_owned();
    accept(&b, &share_arn).await;
    let deleted = create_share(&a, "deleted", &[], &[]).await;
    a.delete_resource_share()
        .resource_share_arn(&deleted)
        .send()
        .await
        .unwrap();
    let before = shares(&a, ResourceOwner::SelfValue).await;
    drop((a, b));

    let h = h.restart().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);

    let after = shares(&a, ResourceOwner::SelfValue).await;
    let mut before_sorted = before.clone();
    before_sorted.sort_by(|x, y| x.resource_share_arn().cmp(&y.resource_share_arn()));
    let mut after_sorted = after.clone();
    after_sorted.sort_by(|x, y| x.resource_share_arn().cmp(&y.resource_share_arn()));
    assert_eq!(after_sorted, before_sorted);
    let durable = share(&a, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(durable.status(), Some(&ResourceShareStatus::Active));
    assert_eq!(durable.tags().len(), 1);
    assert_eq!(
        share(&a, ResourceOwner::SelfValue, &deleted).await.status(),
        Some(&ResourceShareStatus::Deleted)
    );

    // The receiver that accepted still has access; the other still has its invitation.
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);
    let pending = invitation_for(&c, &share_arn).await;
    assert_eq!(
        pending.status(),
        Some(&ResourceShareInvitationStatus::Pending)
    );
    accept(&c, &share_arn).await;
    assert_eq!(shares(&c, ResourceOwner::OtherAccounts).await.len(), 1);

    // A retry with the token used before the restart still replays.
    let replay = a
        .create_resource_share()
        .name("durable")
        .resource_arns(tgw(A, US, "1"))
        .principals(B)
        .principals(C)
        .tags(Tag::builder().key("team").value("network").build())
        .client_token("durable-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.resource_share().unwrap().resource_share_arn(),
        Some(share_arn.as_str())
    );
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 2);
}

#[tokio::test]
async fn pagination_tokens_and_access_keys_survive_a_restart() {
    let h = start(Config::default(), sigv4_mode()).await;
    let keys = ramd::accounts::create(h.ram.store(), &h.master(), Some(A), None, None, wall_ms())
        .await
        .unwrap();
    let a = h.client_with_keys(&keys.access_key_id, &keys.secret_access_key, US);
    for i in 0..3 {
        create_share(&a, &format!("s{i}"), &[], &[]).await;
    }
    let first = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(1)
        .send()
        .await
        .unwrap();
    let token = first.next_token().expect("more pages").to_owned();
    drop(a);

    let h = h.restart().await;
    let a = h.client_with_keys(&keys.access_key_id, &keys.secret_access_key, US);
    let rest = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(10)
        .next_token(&token)
        .send()
        .await
        .expect("a token issued before the restart is still good");
    assert_eq!(rest.resource_shares().len(), 2);
    assert!(
        !rest
            .resource_shares()
            .iter()
            .any(|s| s.resource_share_arn() == first.resource_shares()[0].resource_share_arn())
    );
}
