//! The fuzz targets' kept inputs (`fuzz/corpus`, `fuzz/regressions`) and mutations of them sent
//! to the server as HTTP requests: bad input gets an answer in the API's shape, never a 5xx (a
//! panic in a handler would be a 500). Protocol inputs go to a trust-mode server, the signature
//! target's requests to one verifying SigV4.

use std::collections::BTreeMap;

use axum::Router;
use ramd_fuzz::mutate::Mutator;
use ramd_fuzz::{TARGETS, corpus, requests};

use ram_domain::Config;

use crate::common::{answer, sigv4_mode, start, trust};

/// Mutations per target sent over HTTP after the kept inputs (`RAMD_FUZZ_HTTP_MUTATIONS`).
const MUTATIONS: usize = 300;

/// Sends every request `data` makes for `target`, counting answers by status; fails on a 5xx
/// or an error a client could not read as an AWS error.
async fn send(
    router: &Router,
    target: &str,
    data: &[u8],
    what: &str,
    statuses: &mut BTreeMap<u16, usize>,
) {
    for request in requests::requests(target, data) {
        let (status, headers, body) = answer(router, request.map(axum::body::Body::from)).await;
        assert!(
            status < 500,
            "{target} {what} got {status}: {}\ninput: {:?}",
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(data)
        );
        if status >= 400 && status != 431 {
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(
                content_type.contains("json") || content_type.contains("xml"),
                "{target} {what}: error {status} as {content_type:?}"
            );
        }
        *statuses.entry(status).or_default() += 1;
    }
}

#[tokio::test]
async fn kept_and_mutated_inputs_get_no_5xx_over_http() {
    let trust = trust().await;
    let signed = start(Config::default(), sigv4_mode()).await;
    let mutations = std::env::var("RAMD_FUZZ_HTTP_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTATIONS);
    let mut mutator = Mutator::new(0x5eed);
    for (target, _) in TARGETS {
        let mut statuses = BTreeMap::new();
        let router = if *target == "sigv4" {
            &signed.router
        } else {
            &trust.router
        };
        let inputs: Vec<Vec<u8>> = corpus::inputs(target).into_iter().map(|(_, b)| b).collect();
        for (i, input) in inputs.iter().enumerate() {
            send(
                router,
                target,
                input,
                &format!("kept input {i}"),
                &mut statuses,
            )
            .await;
        }
        for i in 0..mutations {
            let base = &inputs[i % inputs.len()];
            let other = &inputs[(i * 7 + 1) % inputs.len()];
            let input = mutator.mutate(base, other);
            send(
                router,
                target,
                &input,
                &format!("mutation {i}"),
                &mut statuses,
            )
            .await;
        }
        eprintln!("{target}: answers by HTTP status {statuses:?}");
        // The inputs must reach the operations, not stop at the door: some succeed (or, for
        // signatures of keys the server never issued, are refused as such) and some are refused.
        let ok = if *target == "sigv4" { 403 } else { 200 };
        if requests::requests(target, &inputs[0]).is_empty() {
            continue;
        }
        assert!(
            statuses.contains_key(&ok)
                && statuses.keys().any(|s| (400..500).contains(s) && *s != ok),
            "{target}: {statuses:?}"
        );
    }
}
