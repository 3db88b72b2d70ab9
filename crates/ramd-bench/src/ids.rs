//! Fast, deterministic values for the seeder: a small PRNG (SplitMix64) and builders of the
//! identifiers RAM and Organizations use, written straight into strings (no `format!` per row).

/// SplitMix64: tiny, fast and good enough for choosing benchmark data; the same seed gives the
/// same store.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for data generation, and no division.
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// An index into a slice of `len` items (`len > 0`).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Appends a random version-4 UUID, lower-case and hyphenated, as ramd's ids are.
    pub fn push_uuid(&mut self, out: &mut String) {
        let hi = (self.next_u64() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let lo = (self.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        let v = (u128::from(hi) << 64) | u128::from(lo);
        for (i, shift) in (0..32).rev().enumerate() {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            out.push(hex_digit(v >> (shift * 4)));
        }
    }

    /// `len` characters of `[0-9a-z]` (Organizations' ids).
    pub fn alnum(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        (0..len)
            .map(|_| char::from(ALPHABET[self.index(ALPHABET.len())]))
            .collect()
    }
}

fn hex_digit(v: u128) -> char {
    char::from(b"0123456789abcdef"[usize::try_from(v & 0xF).unwrap_or(0)])
}

/// Appends `n` as `width` lower-case hex digits.
pub fn push_hex(out: &mut String, n: u64, width: u32) {
    for shift in (0..width).rev() {
        out.push(hex_digit(u128::from(n) >> (shift * 4)));
    }
}

/// Appends `n` in decimal.
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
}

/// Concatenates `parts` into one string of exactly the needed capacity.
pub fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_hyphenated() {
        let mut rng = Rng::new(7);
        let uuid = |rng: &mut Rng| {
            let mut s = String::new();
            rng.push_uuid(&mut s);
            s
        };
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        assert_eq!(u.matches('-').count(), 4);
        assert_ne!(u, uuid(&mut rng));
    }

    #[test]
    fn numbers_are_written_as_format_would() {
        let mut s = String::new();
        push_decimal(&mut s, 111_111_111_111);
        s.push(' ');
        push_decimal(&mut s, 0);
        s.push(' ');
        push_hex(&mut s, 0xabc, 17);
        assert_eq!(s, format!("111111111111 0 {:017x}", 0xabc));
    }

    #[test]
    fn the_same_seed_gives_the_same_values() {
        let (mut a, mut b) = (Rng::new(3), Rng::new(3));
        assert_eq!(a.alnum(10), b.alnum(10));
        assert!((0..1000).all(|_| a.below(7) < 7));
    }
}
