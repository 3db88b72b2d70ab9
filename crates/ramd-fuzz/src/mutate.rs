//! A small, seeded mutator for the stable test command's short randomized run over the kept
//! corpora (libFuzzer does the real search on nightly; this only keeps stable runs from
//! replaying exactly the same bytes every time while staying reproducible from a seed).

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

/// SplitMix64: tiny, seeded, good enough for picking mutations.
pub struct Mutator(u64);

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap_or(u64::MAX)).unwrap_or(0)
    }

    /// `input` with one to four random edits, some taking bytes of `other`.
    pub fn mutate(&mut self, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(6) {
                0 if at < out.len() => out[at] ^= 1 << self.below(8),
                1 if at < out.len() => out[at] = self.next().to_le_bytes()[0],
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
