//! ramd's fuzz targets, as plain functions of a byte string so that one definition serves both
//! the coverage-guided fuzzer (`fuzz/`, `cargo +nightly fuzz run <target>`) and the stable test
//! command, which replays the kept corpora and a short run of mutations of them
//! (`tests/corpora.rs`). A target panics only on a broken invariant; a decoding failure is an
//! answer, not a bug.
//!
//! Each target reads its input in a small format of its own (see [`input`]) so that seeds are
//! readable files and the same bytes can be sent to the HTTP server ([`requests`]), where no
//! bad input may get a 5xx.

pub mod corpus;
pub mod input;
pub mod mutate;
pub mod requests;
pub mod targets;

/// A fuzz target: any bytes in, a panic only for a broken invariant.
pub type Target = fn(&[u8]);

/// Every target by name: the name is its corpus directory (`fuzz/corpus/<name>`) and its
/// cargo-fuzz binary (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: &[(&str, Target)] = &[
    ("sigv4", targets::sigv4),
    ("rest_json", targets::rest_json),
    ("organizations", targets::organizations),
    ("query", targets::query),
    ("arn", targets::arn),
    ("page_token", targets::page_token),
    ("policy", targets::policy),
];
