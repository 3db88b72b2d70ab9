//! Every paginated operation walked in small pages, with the SDK's paginators and by hand: each
//! item exactly once, the last page without a token, forged tokens refused.

use std::collections::BTreeSet;

use aws_sdk_ram::Client;
use aws_sdk_ram::operation::get_resource_policies::GetResourcePoliciesOutput;
use aws_sdk_ram::operation::get_resource_share_associations::GetResourceShareAssociationsOutput;
use aws_sdk_ram::operation::get_resource_share_invitations::GetResourceShareInvitationsOutput;
use aws_sdk_ram::operation::get_resource_shares::GetResourceSharesOutput;
use aws_sdk_ram::operation::list_principals::ListPrincipalsOutput;
use aws_sdk_ram::operation::list_resources::ListResourcesOutput;
use aws_sdk_ram::types::{ResourceOwner, ResourceShareAssociationType};

use crate::common::*;

/// Asserts that `items` has no duplicates and returns them as a set.
#[track_caller]
fn unique(items: Vec<String>) -> BTreeSet<String> {
    let n = items.len();
    let set: BTreeSet<String> = items.into_iter().collect();
    assert_eq!(set.len(), n, "an item was returned twice");
    set
}

async fn own_share_arns_by_hand(client: &Client, page_size: i32) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = client
            .get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .max_results(page_size)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.resource_shares().len() <= usize::try_from(page_size).unwrap());
        seen.extend(
            out.resource_shares()
                .iter()
                .map(|s| s.resource_share_arn().unwrap().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return (seen, pages);
        }
        assert!(pages < 100, "pagination does not end");
    }
}

#[tokio::test]
async fn get_resource_shares_pages() {
    let h = trust().await;
    let a = h.client(A, US);
    let mut created = BTreeSet::new();
    for i in 0..7 {
        created.insert(create_share(&a, &format!("s{i}"), &[], &[]).await);
    }
    // Other accounts' shares never appear.
    create_share(&h.client(B, US), "theirs", &[], &[]).await;

    let (by_hand, pages) = own_share_arns_by_hand(&a, 2).await;
    assert_eq!(unique(by_hand), created);
    assert_eq!(pages, 4, "7 items in pages of 2, the last one not empty");

    let pages = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .into_paginator()
        .page_size(3)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert!(pages.last().unwrap().next_token().is_none());
    let items: Vec<String> = pages
        .iter()
        .flat_map(GetResourceSharesOutput::resource_shares)
        .map(|s| s.resource_share_arn().unwrap().to_owned())
        .collect();
    assert_eq!(unique(items), created);

    // One page when everything fits: no token.
    let all = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(7)
        .send()
        .await
        .unwrap();
    assert_eq!(all.resource_shares().len(), 7);
    assert!(
        all.next_token().is_none(),
        "7 shares in a page of 7: {all:?}"
    );
    let all = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap();
    assert_eq!(all.resource_shares().len(), 7);
    assert!(all.next_token().is_none());
}

#[tokio::test]
async fn changes_between_pages_neither_repeat_nor_skip_earlier_items() {
    let h = trust().await;
    let a = h.client(A, US);
    let mut before = BTreeSet::new();
    for i in 0..6 {
        before.insert(create_share(&a, &format!("s{i}"), &[], &[]).await);
        h.advance(SECOND_MS);
    }

    let first = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(2)
        .send()
        .await
        .unwrap();
    let mut seen: Vec<String> = first
        .resource_shares()
        .iter()
        .map(|s| s.resource_share_arn().unwrap().to_owned())
        .collect();
    let mut token = first.next_token().map(str::to_owned);

    // Between pages: new shares, a renamed (so more recently updated) share, a deleted share.
    let mut added = BTreeSet::new();
    for i in 0..3 {
        added.insert(create_share(&a, &format!("new{i}"), &[], &[]).await);
    }
    for arn in &before {
        if seen.contains(arn) {
            a.update_resource_share()
                .resource_share_arn(arn)
                .name("renamed")
                .send()
                .await
                .unwrap();
        } else {
            a.delete_resource_share()
                .resource_share_arn(arn)
                .send()
                .await
                .unwrap();
            break;
        }
    }

    while let Some(t) = token {
        let out = a
            .get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .max_results(2)
            .next_token(t)
            .send()
            .await
            .unwrap();
        seen.extend(
            out.resource_shares()
                .iter()
                .map(|s| s.resource_share_arn().unwrap().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
    }
    let seen = unique(seen);
    assert!(
        before.is_subset(&seen),
        "every share that existed before the walk is seen: missing {:?}",
        before.difference(&seen).collect::<Vec<_>>()
    );
    assert!(seen.is_subset(&before.union(&added).cloned().collect()));
}

#[tokio::test]
async fn get_resource_share_associations_pages() {
    let h = trust().await;
    let a = h.client(A, US);
    let resources: Vec<String> = (0..9).map(|i| tgw(A, US, &i.to_string())).collect();
    let share_arn = create_share(&a, "many", &resources, &[]).await;
    let principals = ["444444444444", "555555555555", "666666666666", B, C];
    a.associate_resource_share()
        .resource_share_arn(&share_arn)
        .set_principals(Some(principals.iter().map(|p| (*p).to_owned()).collect()))
        .send()
        .await
        .unwrap();

    let pages = a
        .get_resource_share_associations()
        .association_type(ResourceShareAssociationType::Resource)
        .into_paginator()
        .page_size(2)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 5);
    let items: Vec<String> = pages
        .iter()
        .flat_map(GetResourceShareAssociationsOutput::resource_share_associations)
        .map(|x| x.associated_entity().unwrap().to_owned())
        .collect();
    assert_eq!(unique(items), resources.iter().cloned().collect());

    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let out = a
            .get_resource_share_associations()
            .association_type(ResourceShareAssociationType::Principal)
            .resource_share_arns(&share_arn)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        seen.extend(
            out.resource_share_associations()
                .iter()
                .map(|x| x.associated_entity().unwrap().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        unique(seen),
        principals.iter().map(|p| (*p).to_owned()).collect()
    );
}

#[tokio::test]
async fn get_resource_share_invitations_pages() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let mut shares = BTreeSet::new();
    for i in 0..5 {
        shares.insert(create_share(&a, &format!("s{i}"), &[tgw(A, US, "1")], &[B]).await);
    }
    let pages = b
        .get_resource_share_invitations()
        .into_paginator()
        .page_size(2)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let items: Vec<String> = pages
        .iter()
        .flat_map(GetResourceShareInvitationsOutput::resource_share_invitations)
        .map(|i| i.resource_share_arn().unwrap().to_owned())
        .collect();
    assert_eq!(unique(items), shares);

    // Accepting between pages changes statuses, not membership.
    let first = b
        .get_resource_share_invitations()
        .max_results(2)
        .send()
        .await
        .unwrap();
    let mut seen: Vec<String> = first
        .resource_share_invitations()
        .iter()
        .map(|i| i.resource_share_invitation_arn().unwrap().to_owned())
        .collect();
    for arn in &shares {
        accept(&b, arn).await;
    }
    let mut token = first.next_token().map(str::to_owned);
    while let Some(t) = token {
        let out = b
            .get_resource_share_invitations()
            .max_results(2)
            .next_token(t)
            .send()
            .await
            .unwrap();
        seen.extend(
            out.resource_share_invitations()
                .iter()
                .map(|i| i.resource_share_invitation_arn().unwrap().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
    }
    assert_eq!(unique(seen).len(), 5);
}

#[tokio::test]
async fn list_resources_and_list_principals_page() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let resources: Vec<String> = (0..5)
        .map(|i| tgw(A, US, &i.to_string()))
        .chain((0..3).map(|i| license(A, US, &i.to_string())))
        .collect();
    let first = create_share(&a, "first", &resources[..4], &[B]).await;
    let second = create_share(&a, "second", &resources[4..], &[B, C, "444444444444"]).await;
    accept(&b, &first).await;
    accept(&b, &second).await;

    for (who, client, owner) in [
        ("owner", &a, ResourceOwner::SelfValue),
        ("receiver", &b, ResourceOwner::OtherAccounts),
    ] {
        let pages = client
            .list_resources()
            .resource_owner(owner.clone())
            .into_paginator()
            .page_size(3)
            .send()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 3, "{who}");
        let items: Vec<String> = pages
            .iter()
            .flat_map(ListResourcesOutput::resources)
            .map(|r| r.arn().unwrap().to_owned())
            .collect();
        assert_eq!(unique(items), resources.iter().cloned().collect(), "{who}");
    }

    let pages = a
        .list_principals()
        .resource_owner(ResourceOwner::SelfValue)
        .into_paginator()
        .page_size(1)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 4);
    let items: Vec<(String, String)> = pages
        .iter()
        .flat_map(ListPrincipalsOutput::principals)
        .map(|p| {
            (
                p.resource_share_arn().unwrap().to_owned(),
                p.id().unwrap().to_owned(),
            )
        })
        .collect();
    let n = items.len();
    let set: BTreeSet<_> = items.into_iter().collect();
    assert_eq!(set.len(), n, "a principal was returned twice");
    let expected: BTreeSet<(String, String)> = [
        (first.clone(), B),
        (second.clone(), B),
        (second.clone(), C),
        (second.clone(), "444444444444"),
    ]
    .into_iter()
    .map(|(s, p)| (s, p.to_owned()))
    .collect();
    assert_eq!(set, expected);
}

#[tokio::test]
async fn get_resource_policies_pages() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let resources: Vec<String> = (0..5).map(|i| tgw(A, US, &i.to_string())).collect();
    let share_arn = create_share(&a, "s", &resources, &[B]).await;
    accept(&b, &share_arn).await;

    let pages = a
        .get_resource_policies()
        .set_resource_arns(Some(resources.clone()))
        .into_paginator()
        .page_size(2)
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let policies: Vec<String> = pages
        .iter()
        .flat_map(GetResourcePoliciesOutput::policies)
        .cloned()
        .collect();
    assert_eq!(policies.len(), 5);
    let mut named = BTreeSet::new();
    for p in &policies {
        let doc: serde_json::Value = serde_json::from_str(p).expect("a policy is JSON");
        for statement in doc["Statement"].as_array().unwrap() {
            named.insert(statement["Resource"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(named, resources.iter().cloned().collect());
}

#[tokio::test]
async fn forged_or_misused_tokens_are_invalid_next_token() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    for i in 0..3 {
        create_share(&a, &format!("s{i}"), &[tgw(A, US, &i.to_string())], &[]).await;
        create_share(&b, &format!("s{i}"), &[], &[]).await;
    }
    let first = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(1)
        .send()
        .await
        .unwrap();
    let token = first.next_token().expect("more pages").to_owned();

    // Made up.
    for forged in ["garbage", "eyJhIjoxfQ.AAAA"] {
        let e = a
            .get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .next_token(forged)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error().is_invalid_next_token_exception(),
            "token {forged:?}"
        );
    }
    // Altered.
    let mut altered = token.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let e = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .next_token(&altered)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_next_token_exception());
    // Another account's token.
    let e = b
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_next_token_exception());
    // Another operation's token.
    let e = a
        .list_resources()
        .resource_owner(ResourceOwner::SelfValue)
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_next_token_exception());
    // The genuine token still works.
    let second = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(1)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.resource_shares().len(), 1);
    assert_ne!(
        second.resource_shares()[0].resource_share_arn(),
        first.resource_shares()[0].resource_share_arn()
    );
    // ...also with another page size.
    let rest = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(10)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.resource_shares().len(), 2);
    assert!(rest.next_token().is_none());

    // Every paginated operation refuses a forged token.
    let forged = "forged-token";
    expect_code(
        a.get_resource_share_associations()
            .association_type(ResourceShareAssociationType::Resource)
            .next_token(forged)
            .send()
            .await,
        "InvalidNextTokenException",
    );
    expect_code(
        a.get_resource_share_invitations()
            .next_token(forged)
            .send()
            .await,
        "InvalidNextTokenException",
    );
    expect_code(
        a.list_principals()
            .resource_owner(ResourceOwner::SelfValue)
            .next_token(forged)
            .send()
            .await,
        "InvalidNextTokenException",
    );
    expect_code(
        a.list_resources()
            .resource_owner(ResourceOwner::SelfValue)
            .next_token(forged)
            .send()
            .await,
        "InvalidNextTokenException",
    );
    expect_code(
        a.get_resource_policies()
            .resource_arns(tgw(A, US, "0"))
            .next_token(forged)
            .send()
            .await,
        "InvalidNextTokenException",
    );
}

#[tokio::test]
async fn max_results_outside_one_to_five_hundred_is_refused() {
    let h = trust().await;
    let a = h.client(A, US);
    for n in [0, 501] {
        expect_code(
            a.get_resource_shares()
                .resource_owner(ResourceOwner::SelfValue)
                .max_results(n)
                .send()
                .await,
            "InvalidParameterException",
        );
        expect_code(
            a.get_resource_share_associations()
                .association_type(ResourceShareAssociationType::Principal)
                .max_results(n)
                .send()
                .await,
            "InvalidParameterException",
        );
        expect_code(
            a.list_principals()
                .resource_owner(ResourceOwner::SelfValue)
                .max_results(n)
                .send()
                .await,
            "InvalidParameterException",
        );
        expect_code(
            a.list_resources()
                .resource_owner(ResourceOwner::SelfValue)
                .max_results(n)
                .send()
                .await,
            "InvalidParameterException",
        );
        expect_code(
            a.get_resource_policies()
                .resource_arns(tgw(A, US, "0"))
                .max_results(n)
                .send()
                .await,
            "InvalidParameterException",
        );
        let e = a
            .get_resource_share_invitations()
            .max_results(n)
            .send()
            .await
            .unwrap_err();
        assert!(
            e.into_service_error().is_invalid_max_results_exception(),
            "GetResourceShareInvitations maxResults {n}"
        );
    }
    // The bounds themselves are fine.
    for n in [1, 500] {
        a.get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .max_results(n)
            .send()
            .await
            .unwrap();
        a.get_resource_share_invitations()
            .max_results(n)
            .send()
            .await
            .unwrap();
    }
}

/// base64url's alphabet, to spell a forged tag.
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[tokio::test]
async fn a_token_whose_tag_is_cut_short_is_refused() {
    let h = trust().await;
    let a = h.client(A, US);
    for i in 0..2 {
        create_share(&a, &format!("s{i}"), &[], &[]).await;
    }
    let token = a
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .max_results(1)
        .send()
        .await
        .unwrap()
        .next_token
        .expect("a second page");
    let (payload, _) = token.split_once('.').unwrap();
    // Every 1-byte tag: one of them equals the first byte of the real tag, so a verifier that
    // accepted a prefix of the tag would let it through.
    for byte in 0..=255u8 {
        let tag = [
            URL_SAFE[usize::from(byte >> 2)] as char,
            URL_SAFE[usize::from((byte & 3) << 4)] as char,
        ];
        let forged = format!("{payload}.{}{}", tag[0], tag[1]);
        expect_code(
            a.get_resource_shares()
                .resource_owner(ResourceOwner::SelfValue)
                .max_results(1)
                .next_token(&forged)
                .send()
                .await,
            "InvalidNextTokenException",
        );
    }
}
