//! Per-account throttling: a call over its account's rate is refused with `ThrottlingException`
//! (HTTP 429) before it runs, and the SDK's own retries carry a caller through.

use std::sync::Arc;

use aws_sdk_ram::types::ResourceOwner;
use ram_domain::Config;
use ramd::throttle::{Rate, Throttle};

use crate::common::*;

const OWNER: &str = "111111111111";
const OTHER: &str = "222222222222";
const REGION: &str = "us-east-1";

async fn throttled(reads: Rate, writes: Rate) -> Harness {
    start_throttled(
        Config::default(),
        trust_mode(),
        Some(Arc::new(Throttle::new(reads, writes))),
    )
    .await
}

#[tokio::test]
async fn a_call_over_the_rate_is_refused_with_429_and_changes_nothing() {
    let h = throttled(Rate::new(1, 1), Rate::new(1, 1)).await;
    let owner = h.client(OWNER, REGION);
    owner
        .create_resource_share()
        .name("first")
        .send()
        .await
        .expect("the first call has a token");
    let refused = owner.create_resource_share().name("second").send().await;
    let e = refused.expect_err("the second write in the same second is over the rate");
    assert_eq!(
        e.raw_response().map(|r| r.status().as_u16()),
        Some(429),
        "{e:?}"
    );
    expect_code(Err::<(), _>(e), "ThrottlingException");
    // Reads have their own bucket, other accounts and Regions their own.
    let listed = shares(&owner, ResourceOwner::SelfValue).await;
    assert_eq!(
        listed.iter().map(|s| s.name()).collect::<Vec<_>>(),
        vec![Some("first")],
        "the refused call created nothing"
    );
    h.client(OTHER, REGION)
        .create_resource_share()
        .name("other")
        .send()
        .await
        .expect("another account has its own bucket");
    h.client(OWNER, "eu-west-1")
        .create_resource_share()
        .name("elsewhere")
        .send()
        .await
        .expect("another Region has its own bucket");
    assert_eq!(h.throttle.as_ref().unwrap().refused(), 1);
}

#[tokio::test]
async fn the_sdks_retries_carry_a_throttled_caller_through() {
    // One write every 100 ms, no burst: back-to-back calls are refused until a token comes.
    let h = throttled(Rate::READS, Rate::new(10, 1)).await;
    let owner = h.retrying_client(OWNER, REGION, 10);
    for n in 0..5 {
        owner
            .create_resource_share()
            .name(format!("share-{n}"))
            .send()
            .await
            .expect("the SDK retries ThrottlingException until the call gets through");
    }
    assert_eq!(shares(&owner, ResourceOwner::SelfValue).await.len(), 5);
    assert!(
        h.throttle.as_ref().unwrap().refused() > 0,
        "some calls were refused and retried"
    );
}
