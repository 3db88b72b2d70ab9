//! A small, seeded mutator for the stable test command's short randomized run over the kept
//! corpora (libFuzzer does the real search on nightly; this only keeps stable runs from
//! replaying exactly the same bytes every time while staying reproducible from a seed).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Tokens that break parsers in interesting places.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\n",
    b"\\",
    b"\0",
    b"\xff",
    b"null",
    b"-1",
    b"1e999",
    b"\"\"",
    b"[]",
    b"{}",
    b"%",
    b"%zz",
    b"%00",
    b"&",
    b"=",
    b"arn:",
    b"/",
    b"*",
    b"\\u0000",
    b"\xf0\x9f\x92\xa9",
    b"99999999999999999999",
];

/// A seeded mutator: the same seed gives the same mutations.
pub struct Mutator(StdRng);

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator(StdRng::seed_from_u64(seed))
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    /// `input` with one to four random edits, some taking bytes of `other`.
    pub fn mutate(&mut self, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(6) {
                0 if at < out.len() => out[at] ^= 1 << self.below(8),
                1 if at < out.len() => out[at] = self.0.random(),
                2 => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    out.splice(at..at, token.iter().copied());
                }
                3 if at < out.len() => {
                    let end = (at + 1 + self.below(16)).min(out.len());
                    out.drain(at..end);
                }
                4 if !other.is_empty() => {
                    let from = self.below(other.len());
                    let end = (from + 1 + self.below(64)).min(other.len());
                    out.splice(at..at, other[from..end].iter().copied());
                }
                _ => {
                    let end = (at + 1 + self.below(8)).min(out.len());
                    let copy = out[at.min(end)..end].to_vec();
                    out.splice(at..at, copy);
                }
            }
        }
        out
    }
}
