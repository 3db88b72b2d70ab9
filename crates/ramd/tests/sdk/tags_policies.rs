//! Tags on shares (TagResource, UntagResource, tag filters) and the resource policies RAM
//! attaches to shared resources (GetResourcePolicies).

// Accounts A, B and C are the clients a, b and c.
#![allow(clippy::many_single_char_names)]

use std::collections::BTreeMap;

use aws_sdk_ram::Client;
use aws_sdk_ram::types::{ResourceOwner, Tag, TagFilter};

use crate::common::*;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

async fn tags_of(client: &Client, arn: &str) -> BTreeMap<String, String> {
    share(client, ResourceOwner::SelfValue, arn)
        .await
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn tags_are_set_on_create_and_changed_by_tag_and_untag() {
    let h = trust().await;
    let a = h.client(A, US);
    let out = a
        .create_resource_share()
        .name("tagged")
        .tags(tag("team", "network"))
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let arn = out
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap()
        .to_owned();
    assert_eq!(out.resource_share().unwrap().tags().len(), 2);
    assert_eq!(
        tags_of(&a, &arn).await,
        map(&[("team", "network"), ("env", "prod")])
    );

    a.tag_resource()
        .resource_share_arn(&arn)
        .tags(tag("env", "staging"))
        .tags(tag("owner", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&a, &arn).await,
        map(&[("team", "network"), ("env", "staging"), ("owner", "")])
    );

    a.untag_resource()
        .resource_share_arn(&arn)
        .tag_keys("team")
        .tag_keys("not-there")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&a, &arn).await,
        map(&[("env", "staging"), ("owner", "")])
    );
}

#[tokio::test]
async fn tag_filters_match_any_filter_and_any_value_when_none_given() {
    let h = trust().await;
    let a = h.client(A, US);
    let prod = a
        .create_resource_share()
        .name("prod")
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap()
        .resource_share
        .unwrap()
        .resource_share_arn
        .unwrap();
    let dev = a
        .create_resource_share()
        .name("dev")
        .tags(tag("env", "dev"))
        .tags(tag("team", "blue"))
        .send()
        .await
        .unwrap()
        .resource_share
        .unwrap()
        .resource_share_arn
        .unwrap();
    let untagged = create_share(&a, "untagged", &[], &[]).await;

    let find = |filters: Vec<TagFilter>| {
        let a = &a;
        async move {
            let out = a
                .get_resource_shares()
                .resource_owner(ResourceOwner::SelfValue)
                .set_tag_filters(Some(filters))
                .send()
                .await
                .unwrap();
            let mut v: Vec<String> = out
                .resource_shares()
                .iter()
                .map(|s| s.resource_share_arn().unwrap().to_owned())
                .collect();
            v.sort();
            v
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let filter = |key: &str, values: &[&str]| {
        let mut f = TagFilter::builder().tag_key(key);
        for v in values {
            f = f.tag_values(*v);
        }
        f.build()
    };

    assert_eq!(
        find(vec![filter("env", &["prod"])]).await,
        vec![prod.clone()]
    );
    assert_eq!(
        find(vec![filter("env", &["prod", "dev"])]).await,
        sorted(vec![prod.clone(), dev.clone()])
    );
    assert_eq!(
        find(vec![filter("env", &[])]).await,
        sorted(vec![prod.clone(), dev.clone()]),
        "no values: any value of the key"
    );
    assert_eq!(
        find(vec![filter("env", &["prod"]), filter("team", &["blue"])]).await,
        sorted(vec![prod.clone(), dev.clone()]),
        "filters are OR'ed"
    );
    assert_eq!(
        find(vec![filter("team", &["red"])]).await,
        Vec::<String>::new()
    );
    assert!(!find(vec![filter("env", &[])]).await.contains(&untagged));
}

#[tokio::test]
async fn reserved_keys_are_a_tag_policy_violation() {
    let h = trust().await;
    let a = h.client(A, US);
    let e = a
        .create_resource_share()
        .name("x")
        .tags(tag("aws:createdBy", "me"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_tag_policy_violation_exception());
    assert!(shares(&a, ResourceOwner::SelfValue).await.is_empty());

    let arn = create_share(&a, "x", &[], &[]).await;
    let e = a
        .tag_resource()
        .resource_share_arn(&arn)
        .tags(tag("aws:createdBy", "me"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_tag_policy_violation_exception());
    assert!(tags_of(&a, &arn).await.is_empty());
}

#[tokio::test]
async fn more_than_fifty_tags_exceed_the_limit() {
    let h = trust().await;
    let a = h.client(A, US);
    let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let e = a
        .create_resource_share()
        .name("x")
        .set_tags(Some(many.clone()))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_tag_limit_exceeded_exception());

    let out = a
        .create_resource_share()
        .name("x")
        .set_tags(Some(many[..50].to_vec()))
        .send()
        .await
        .unwrap();
    let arn = out
        .resource_share()
        .unwrap()
        .resource_share_arn()
        .unwrap()
        .to_owned();
    assert_eq!(tags_of(&a, &arn).await.len(), 50);

    // Replacing the value of an existing key is not a new tag...
    a.tag_resource()
        .resource_share_arn(&arn)
        .tags(tag("k0", "changed"))
        .send()
        .await
        .unwrap();
    // ...a 51st key is.
    let e = a
        .tag_resource()
        .resource_share_arn(&arn)
        .tags(tag("k50", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_tag_limit_exceeded_exception());
    let tags = tags_of(&a, &arn).await;
    assert_eq!(tags.len(), 50);
    assert_eq!(tags["k0"], "changed");
}

#[tokio::test]
async fn tagging_checks_the_target() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let arn = create_share(&a, "x", &[], &[]).await;

    let e = b
        .tag_resource()
        .resource_share_arn(&arn)
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());
    let e = b
        .untag_resource()
        .resource_share_arn(&arn)
        .tag_keys("k")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_unknown_resource_exception());

    let e = a
        .tag_resource()
        .resource_share_arn("share-1")
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());

    // Exactly one of resourceShareArn and resourceArn.
    let e = a
        .tag_resource()
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    let e = a
        .tag_resource()
        .resource_share_arn(&arn)
        .resource_arn(&arn)
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());

    // A key must not be empty.
    let e = a
        .tag_resource()
        .resource_share_arn(&arn)
        .tags(tag("", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
    assert!(tags_of(&a, &arn).await.is_empty());
}

#[tokio::test]
async fn the_resource_policy_names_the_accepted_principals_and_the_permissions_actions() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let resource = tgw(A, US, "1");
    let share_arn = create_share(&a, "s", std::slice::from_ref(&resource), &[B, C]).await;
    accept(&b, &share_arn).await;
    accept(&c, &share_arn).await;

    let out = a
        .get_resource_policies()
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    assert_eq!(out.policies().len(), 1);
    assert!(out.next_token().is_none());
    let policy: serde_json::Value = serde_json::from_str(&out.policies()[0]).unwrap();
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Resource"], resource.as_str());
    assert_eq!(
        statement["Principal"],
        serde_json::json!({"AWS": [format!("arn:aws:iam::{B}:root"), format!("arn:aws:iam::{C}:root")]})
    );
    let actions = statement["Action"].as_array().expect("Action is a list");
    assert!(!actions.is_empty());
    assert!(
        actions
            .iter()
            .all(|x| x.as_str().is_some_and(|x| x.starts_with("ec2:"))),
        "{actions:?}"
    );

    // Filtered by principal.
    let for_b = a
        .get_resource_policies()
        .resource_arns(&resource)
        .principal(B)
        .send()
        .await
        .unwrap();
    assert_eq!(for_b.policies().len(), 1);
    assert!(for_b.policies()[0].contains(&format!("arn:aws:iam::{B}:root")));
    assert!(!for_b.policies()[0].contains(C));
    let for_stranger = a
        .get_resource_policies()
        .resource_arns(&resource)
        .principal("444444444444")
        .send()
        .await
        .unwrap();
    assert!(for_stranger.policies().is_empty());
}

#[tokio::test]
async fn an_unshared_resource_has_no_policy_and_others_resources_are_not_found() {
    let h = trust().await;
    let a = h.client(A, US);
    let out = a
        .get_resource_policies()
        .resource_arns(tgw(A, US, "unshared"))
        .send()
        .await
        .unwrap();
    assert!(out.policies().is_empty());

    // B's resource, even one B shares, is not A's to read.
    let b = h.client(B, US);
    let share_arn = create_share(&b, "b", &[tgw(B, US, "1")], &[A]).await;
    accept(&a, &share_arn).await;
    let e = a
        .get_resource_policies()
        .resource_arns(tgw(B, US, "1"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_resource_arn_not_found_exception());

    let e = a
        .get_resource_policies()
        .resource_arns("tgw-1")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_malformed_arn_exception());
}

#[tokio::test]
async fn the_policy_follows_the_shares_principals_and_resources() {
    let h = trust().await;
    let a = h.client(A, US);
    let b = h.client(B, US);
    let c = h.client(C, US);
    let resource = tgw(A, US, "1");
    let share_arn = create_share(&a, "s", std::slice::from_ref(&resource), &[B, C]).await;

    // A principal gets into the policy when it accepts.
    accept(&b, &share_arn).await;
    let policy = a
        .get_resource_policies()
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policies().len(), 1);
    assert!(policy.policies()[0].contains(&format!("arn:aws:iam::{B}:root")));
    assert!(!policy.policies()[0].contains(C), "C has not accepted");

    // Out when it is removed.
    accept(&c, &share_arn).await;
    a.disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .principals(B)
        .send()
        .await
        .unwrap();
    let policy = a
        .get_resource_policies()
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policies().len(), 1);
    assert!(!policy.policies()[0].contains(B));
    assert!(policy.policies()[0].contains(&format!("arn:aws:iam::{C}:root")));

    // No policy once the resource leaves the share.
    a.disassociate_resource_share()
        .resource_share_arn(&share_arn)
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    let policy = a
        .get_resource_policies()
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    assert!(policy.policies().is_empty(), "{policy:?}");
}
