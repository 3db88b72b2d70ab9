//! The Rust SDK suite: `aws-sdk-ram` (and raw signed requests for Organizations, IAM, STS and
//! ramd's own operations) against ramd's router, in-process through `common`'s connector and, in
//! `tcp_smoke`, over a real socket. One test binary, one module per area; select an area with
//! `cargo test -p ramd --test sdk <module>::`. With `RAMD_TEST_BACKEND=postgres` every harness
//! gets a database of its own on `RAMD_TEST_DATABASE_URL`'s server.
//!
//! Every test builds its own server over its own temporary directory, and nothing here sets
//! environment variables or binds a fixed port, so the tests share a process (and run in parallel)
//! safely. Add new files as modules here, not as new `tests/*.rs` (each would be a binary of its
//! own to link).

mod common;

mod access_decisions;
mod associations;
mod auth;
mod client_flows;
mod connection_limits;
mod fuzz_corpora;
mod idempotency;
mod invitations;
mod isolation;
mod listings_more;
mod org_sharing;
mod pagination;
mod permissions;
mod resource_policies;
mod restart;
mod share_permissions;
mod shares;
mod tags_policies;
mod tcp_smoke;
mod throttling;
