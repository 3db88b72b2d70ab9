//! `clientToken`: a retry with the same token and parameters replays the first answer; the same
//! token with other parameters is refused.

use aws_sdk_ram::types::{
    ResourceOwner, ResourceShareAssociationType, ResourceShareInvitationStatus,
};

use crate::common::*;

#[tokio::test]
async fn a_retried_create_returns_the_same_share_and_creates_one() {
    let h = trust().await;
    let a = h.client(A, US);
    let create = || {
        a.create_resource_share()
            .name("once")
            .resource_arns(tgw(A, US, "1"))
            .principals(B)
            .client_token("create-once-1")
    };
    let first = create().send().await.unwrap();
    assert_eq!(first.client_token(), Some("create-once-1"));
    h.advance(SECOND_MS);
    let second = create().send().await.unwrap();
    assert_eq!(second.client_token(), Some("create-once-1"));
    let arn = first
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap();
    assert_eq!(
        second.resource_share().unwrap().resource_share_arn(),
        Some(arn)
    );
    assert_eq!(first.resource_share(), second.resource_share());

    let all = shares(&a, ResourceOwner::SelfValue).await;
    assert_eq!(all.len(), 1, "{all:?}");
    // Only one invitation went out.
    assert_eq!(invitations(&h.client(B, US)).await.len(), 1);
    let resources = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.resources().len(), 1);
}

#[tokio::test]
async fn the_same_token_with_other_parameters_is_a_mismatch() {
    let h = trust().await;
    let a = h.client(A, US);
    a.create_resource_share()
        .name("first")
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    let e = a
        .create_resource_share()
        .name("second")
        .client_token("token-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_idempotent_parameter_mismatch_exception()
    );
    let e = a
        .create_resource_share()
        .name("first")
        .resource_arns(tgw(A, US, "1"))
        .client_token("token-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_idempotent_parameter_mismatch_exception()
    );
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 1);
}

#[tokio::test]
async fn without_a_token_every_call_acts() {
    let h = trust().await;
    let a = h.client(A, US);
    let first = a.create_resource_share().name("x").send().await.unwrap();
    let second = a.create_resource_share().name("x").send().await.unwrap();
    assert_eq!(first.client_token(), None);
    assert_eq!(second.client_token(), None);
    assert_ne!(
        first.resource_share().unwrap().resource_share_arn(),
        second.resource_share().unwrap().resource_share_arn()
    );
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 2);
}

#[tokio::test]
async fn tokens_belong_to_one_account_and_region() {
    let h = trust().await;
    let a = h.client(A, US);
    let a_eu = h.client(A, EU);
    let b = h.client(B, US);
    let mine = a
        .create_resource_share()
        .name("mine")
        .client_token("shared-token")
        .send()
        .await
        .unwrap();
    // The same token in another account or another Region is another request.
    let theirs = b
        .create_resource_share()
        .name("theirs")
        .client_token("shared-token")
        .send()
        .await
        .unwrap();
    let european = a_eu
        .create_resource_share()
        .name("european")
        .client_token("shared-token")
        .send()
        .await
        .unwrap();
    assert_share_arn(
        theirs
            .resource_share()
            .unwrap()
            .resource_share_arn()
            .unwrap(),
        B,
        US,
    );
    assert_share_arn(
        european
            .resource_share()
            .unwrap()
            .resource_share_arn()
            .unwrap(),
        A,
        EU,
    );
    assert_ne!(
        mine.resource_share().unwrap().resource_share_arn(),
        theirs.resource_share().unwrap().resource_share_arn()
    );
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 1);
    assert_eq!(shares(&b, ResourceOwner::SelfValue).await.len(), 1);
    assert_eq!(shares(&a_eu, ResourceOwner::SelfValue).await.len(), 1);
}

#[tokio::test]
async fn invalid_tokens_are_invalid_client_token() {
    let h = trust().await;
    let a = h.client(A, US);
    for bad in ["x".repeat(65), "has space".to_owned()] {
        let e = a
            .create_resource_share()
            .name("x")
            .client_token(&bad)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error().is_invalid_client_token_exception(),
            "token {bad:?}"
        );
    }
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());
    let longest = "y".repeat(64);
    let out = a
        .create_resource_share()
        .name("x")
        .client_token(&longest)
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some(longest.as_str()));
}

#[tokio::test]
async fn a_retried_associate_and_disassociate_replay() {
    let h = trust().await;
    let a = h.client(A, US);
    let share_arn = create_share(&a, "s", &[], &[]).await;
    let associate = |token: &str, id: &str| {
        a.associate_resource_share()
            .resource_share_arn(&share_arn)
            .resource_arns(tgw(A, US, id))
            .client_token(token)
    };
    let first = associate("assoc-1", "1").send().await.unwrap();
    let again = associate("assoc-1", "1").send().await.unwrap();
    assert_eq!(
        first.resource_share_associations(),
        again.resource_share_associations()
    );
    assert_eq!(again.client_token(), Some("assoc-1"));
    let e = associate("assoc-1", "2").send().await.unwrap_err();
    assert!(
        e.into_service_error()
            .is_idempotent_parameter_mismatch_exception()
    );
    let listed = a
        .get_resource_share_associations()
        .association_type(ResourceShareAssociationType::Resource)
        .resource_share_arns(&share_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.resource_share_associations().len(), 1);

    let disassociate = || {
        a.disassociate_resource_share()
            .resource_share_arn(&share_arn)
            .resource_arns(tgw(A, US, "1"))
            .client_token("disassoc-1")
    };
    let first = disassociate().send().await.unwrap();
    let again = disassociate().send().await.unwrap();
    assert_eq!(
        first.resource_share_associations(),
        again.resource_share_associations()
    );
}

#[tokio::test]
async fn a_retried_delete_or_update_replays() {
    let h = trust().await;
    let a = h.client(A, US);
    let arn = create_share(&a, "s", &[], &[]).await;

    let update = || {
        a.update_resource_share()
            .resource_share_arn(&arn)
            .name("renamed")
            .client_token("update-1")
    };
    let first = update().send().await.unwrap();
    h.advance(SECOND_MS);
    let again = update().send().await.unwrap();
    assert_eq!(first.resource_share(), again.resource_share());
    let e = a
        .update_resource_share()
        .resource_share_arn(&arn)
        .name("other")
        .client_token("update-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error()
            .is_idempotent_parameter_mismatch_exception()
    );

    let delete = || {
        a.delete_resource_share()
            .resource_share_arn(&arn)
            .client_token("delete-1")
    };
    let first = delete().send().await.unwrap();
    let again = delete().send().await.unwrap();
    assert_eq!(first.return_value(), Some(true));
    assert_eq!(again.return_value(), Some(true));
    assert_eq!(again.client_token(), Some("delete-1"));
    // Without the token, a second delete finds nothing to delete.
    let e = a
        .delete_resource_share()
        .resource_share_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
}

#[tokio::test]
async fn a_retried_accept_replays_and_a_new_one_is_already_accepted() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    let arn = invitation_for(&b, &share_arn)
        .await
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();
    let accept = |token: &str| {
        b.accept_resource_share_invitation()
            .resource_share_invitation_arn(&arn)
            .client_token(token)
    };
    let first = accept("accept-1").send().await.unwrap();
    let again = accept("accept-1").send().await.unwrap();
    assert_eq!(
        again.resource_share_invitation().unwrap().status(),
        Some(&ResourceShareInvitationStatus::Accepted)
    );
    assert_eq!(
        first.resource_share_invitation(),
        again.resource_share_invitation()
    );
    let e = accept("accept-2").send().await.unwrap_err();
    assert!(
        e.into_service_error()
            .is_resource_share_invitation_already_accepted_exception()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_token_create_one_share() {
    let h = trust().await;
    let a = h.client(A, US);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let a = a.clone();
        tasks.spawn(async move {
            a.create_resource_share()
                .name("raced")
                .resource_arns(tgw(A, US, "1"))
                .client_token("raced-token")
                .send()
                .await
        });
    }
    let mut arns = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let out = done.unwrap().expect("every retry succeeds");
        arns.push(
            out.resource_share()
                .unwrap()
                .resource_share_arn()
                .unwrap()
                .to_owned(),
        );
    }
    arns.sort();
    arns.dedup();
    assert_eq!(arns.len(), 1, "{arns:?}");
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_accepts_of_one_invitation_accept_it_once() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let share_arn = create_share(&a, "s", &[tgw(A, US, "1")], &[B]).await;
    let arn = invitation_for(&b, &share_arn)
        .await
        .resource_share_invitation_arn()
        .unwrap()
        .to_owned();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let b = b.clone();
        let arn = arn.clone();
        tasks.spawn(async move {
            b.accept_resource_share_invitation()
                .resource_share_invitation_arn(arn)
                .send()
                .await
        });
    }
    let mut accepted = 0;
    while let Some(done) = tasks.join_next().await {
        match done.unwrap() {
            Ok(_) => accepted += 1,
            Err(e) => assert!(
                e.into_service_error()
                    .is_resource_share_invitation_already_accepted_exception()
            ),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);
}
