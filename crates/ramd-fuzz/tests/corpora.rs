//! The fuzz targets on the stable toolchain: every kept input (`fuzz/seeds`, `fuzz/corpus`,
//! `fuzz/regressions`) replayed, then a short seeded run of mutations of them. `RAMD_FUZZ_MUTATIONS` sets how many
//! per target (default 20000), `RAMD_FUZZ_SEED` the seed (default: the time; printed, so a
//! failure can be rerun).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{SystemTime, UNIX_EPOCH};

use ramd_fuzz::mutate::Mutator;
use ramd_fuzz::{TARGETS, corpus};

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Runs `target` on `input`; on a panic, fails naming what broke it.
fn run(name: &str, target: fn(&[u8]), input: &[u8], what: &str) {
    assert!(
        catch_unwind(AssertUnwindSafe(|| target(input))).is_ok(),
        "fuzz target {name} panicked on {what}: {:?} (keep it in fuzz/regressions/{name}/)",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn kept_inputs_replay_without_a_failure() {
    for (name, target) in TARGETS {
        let inputs = corpus::inputs(name);
        assert!(
            inputs.len() >= 5,
            "fuzz/corpus/{name} holds {} inputs: seed it",
            inputs.len()
        );
        for (file, bytes) in &inputs {
            run(name, *target, bytes, &file.display().to_string());
        }
    }
}

#[test]
fn mutations_of_kept_inputs_do_not_break_a_target() {
    let seed = env_number("RAMD_FUZZ_SEED").unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(now.as_nanos() % u128::from(u64::MAX)).unwrap_or(1)
    });
    let per_target = env_number("RAMD_FUZZ_MUTATIONS").unwrap_or(20_000);
    eprintln!("mutating kept inputs with RAMD_FUZZ_SEED={seed}, {per_target} per target");
    let mut mutator = Mutator::new(seed);
    for (name, target) in TARGETS {
        let inputs: Vec<Vec<u8>> = corpus::inputs(name).into_iter().map(|(_, b)| b).collect();
        let mut current = Vec::new();
        for i in 0..per_target {
            // Mostly build on the previous mutant (deeper changes), sometimes start afresh.
            let index = usize::try_from(i).unwrap_or(0);
            if i % 8 == 0 || current.is_empty() {
                current.clone_from(&inputs[index % inputs.len()]);
            }
            let other = &inputs[(index * 7 + 3) % inputs.len()];
            current = mutator.mutate(&current, other);
            run(
                name,
                *target,
                &current,
                &format!("mutation {i} (seed {seed})"),
            );
        }
    }
}

/// The signed seeds verify with the target's secret: the target reaches the whole verification,
/// not only its refusals.
#[test]
fn signed_seeds_verify() {
    for seed in [
        "header-signed",
        "query-and-session-token",
        "presigned",
        "sts-form",
    ] {
        let bytes = std::fs::read(
            corpus::fuzz_dir()
                .join("seeds/sigv4")
                .join(format!("seed-{seed}")),
        )
        .expect("seed file");
        let raw = ramd_fuzz::input::RawRequest::read(&bytes).expect("seed reads");
        let req = raw.sigv4();
        let parsed = ram_sigv4::parse(&req).expect("seed parses");
        let verified = ram_sigv4::verify(
            &req,
            &parsed,
            ramd_fuzz::targets::SIGV4_SECRET,
            parsed.timestamp,
        );
        assert!(verified.is_ok(), "{seed}: {verified:?}");
    }
}
