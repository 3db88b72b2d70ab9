//! Where the kept inputs live: `fuzz/seeds/<target>/` (hand-made by `tools/fuzz_seeds.py`),
//! `fuzz/corpus/<target>/` (what the fuzzer found worth keeping, minimised) and
//! `fuzz/regressions/<target>/` (every input that once broke a target, kept after the fix).

use std::path::{Path, PathBuf};

/// The repository's `fuzz/` directory.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every kept input of `target`, with its file, in file-name order (seeds, corpus, regressions).
///
/// # Panics
/// When a directory or file exists but cannot be read.
pub fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = Vec::new();
    for kind in ["seeds", "corpus", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("corpus entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).expect("corpus file reads");
            all.push((file, bytes));
        }
    }
    all
}
