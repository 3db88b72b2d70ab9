//! Comparing one context value with one policy value, per operator family.

use std::cmp::Ordering;
use std::net::IpAddr;

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::Context;
use super::operator::{Cmp, Test};
use super::variables::{Piece, substitute};
use crate::action::{Tok, glob_match};

/// Whether context value `actual` matches policy value `policy` under `test` (before any
/// negation). `None` when either side can't be read as the operator's type (a number, a date, a
/// boolean, an IP address or CIDR, an ARN) or a policy variable has no value: such a pair never
/// counts as a match, and makes a negated operator false too.
pub(crate) fn compare(test: Test, actual: &str, policy: &str, ctx: &Context) -> Option<bool> {
    match test {
        Test::StringEquals => Some(
            substitute(policy, ctx)?
                .iter()
                .map(|p| p.ch)
                .eq(actual.chars()),
        ),
        Test::StringEqualsIgnoreCase => {
            let policy: String = substitute(policy, ctx)?.iter().map(|p| p.ch).collect();
            Some(policy.to_lowercase() == actual.to_lowercase())
        }
        Test::StringLike => {
            let chars: Vec<char> = actual.chars().collect();
            Some(glob_match(&tokens(&substitute(policy, ctx)?), &chars))
        }
        Test::Arn => arn_matches(&substitute(policy, ctx)?, actual),
        Test::Numeric(cmp) => Some(holds(cmp, number(actual)?.partial_cmp(&number(policy)?)?)),
        Test::Date(cmp) => Some(holds(cmp, date(actual)?.cmp(&date(policy)?))),
        Test::Bool => Some(boolean(actual)? == boolean(policy)?),
        Test::Binary => Some(actual == policy),
        Test::Ip => ip_in_cidr(actual, policy),
        Test::Null => None,
    }
}

fn holds(cmp: Cmp, ord: Ordering) -> bool {
    match cmp {
        Cmp::Eq => ord == Ordering::Equal,
        Cmp::Lt => ord == Ordering::Less,
        Cmp::Le => ord != Ordering::Greater,
        Cmp::Gt => ord == Ordering::Greater,
        Cmp::Ge => ord != Ordering::Less,
    }
}

/// Glob tokens of a substituted value: only non-literal `*` and `?` are wildcards.
fn tokens(pieces: &[Piece]) -> Vec<Tok> {
    pieces
        .iter()
        .map(|p| match p.ch {
            '*' if !p.literal => Tok::Any,
            '?' if !p.literal => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// ArnEquals/ArnLike: both sides split into the six colon-separated fields (the sixth, the
/// resource, keeps any further colons); each field is matched on its own, case-sensitively, with
/// `*` and `?` wildcards. `None` when either side has fewer than six fields.
fn arn_matches(pattern: &[Piece], actual: &str) -> Option<bool> {
    let fields: Vec<&str> = actual.splitn(6, ':').collect();
    if fields.len() < 6 {
        return None;
    }
    let mut patterns: Vec<&[Piece]> = Vec::with_capacity(6);
    let mut rest = pattern;
    while patterns.len() < 5 {
        let colon = rest.iter().position(|p| p.ch == ':')?;
        patterns.push(&rest[..colon]);
        rest = &rest[colon + 1..];
    }
    patterns.push(rest);
    Some(patterns.iter().zip(&fields).all(|(pattern, field)| {
        let text: Vec<char> = field.chars().collect();
        glob_match(&tokens(pattern), &text)
    }))
}

/// A finite decimal number (`3`, `-2.5`, `1e3`).
fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `true`/`false`, case-insensitively.
fn boolean(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Reads a policy `Null` value: `true`/`false` as for Bool.
pub(crate) fn null_value(s: &str) -> Option<bool> {
    boolean(s)
}

/// An instant in nanoseconds since the epoch, from epoch seconds (`1767225600`, `-5`,
/// `1767225600.25`), RFC 3339 / ISO 8601 date-times (`2026-01-01T00:00:00Z`, with an offset, or
/// without one meaning UTC) or a date alone (`2026-01-01`, midnight UTC). An all-digit value is
/// always epoch seconds.
fn date(s: &str) -> Option<i128> {
    if let Some(nanos) = epoch(s) {
        return Some(nanos);
    }
    let instant = OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .or_else(|_| {
            PrimitiveDateTime::parse(s, &Iso8601::DEFAULT).map(PrimitiveDateTime::assume_utc)
        })
        .or_else(|_| Date::parse(s, &Iso8601::DEFAULT).map(|d| d.midnight().assume_utc()))
        .ok()?;
    Some(instant.unix_timestamp_nanos())
}

fn epoch(s: &str) -> Option<i128> {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    // Stay within what the date formats can express, so the two forms compare sensibly.
    OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    let nanos: i128 = format!("{fraction:0<9}").parse().ok()?;
    let total = i128::from(seconds) * 1_000_000_000 + nanos;
    Some(if negative { -total } else { total })
}

/// `IpAddress`: `actual` is an address, `cidr` an address with an optional prefix length (a bare
/// address means /32 or /128; host bits in the network are ignored). An IPv4 address never lies
/// in an IPv6 range or the other way round.
fn ip_in_cidr(actual: &str, cidr: &str) -> Option<bool> {
    let addr: IpAddr = actual.parse().ok()?;
    let (network, prefix) = match cidr.split_once('/') {
        Some((network, prefix)) => (network.parse::<IpAddr>().ok()?, Some(prefix)),
        None => (cidr.parse::<IpAddr>().ok()?, None),
    };
    let prefix_len = |max: u32| -> Option<u32> {
        let Some(p) = prefix else { return Some(max) };
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse::<u32>().ok().filter(|len| *len <= max)
    };
    match (addr, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let len = prefix_len(32)?;
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            Some(u32::from(a) & mask == u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let len = prefix_len(128)?;
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            Some(u128::from(a) & mask == u128::from(n) & mask)
        }
        (IpAddr::V4(_), IpAddr::V6(_)) => prefix_len(128).map(|_| false),
        (IpAddr::V6(_), IpAddr::V4(_)) => prefix_len(32).map(|_| false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_forms() {
        let midnight = 1_767_225_600_i128 * 1_000_000_000; // 2026-01-01T00:00:00Z
        let cases: &[(&str, Option<i128>)] = &[
            ("1767225600", Some(midnight)),
            ("1767225600.5", Some(midnight + 500_000_000)),
            ("-1", Some(-1_000_000_000)),
            ("2026-01-01", Some(midnight)),
            ("2026-01-01T00:00:00Z", Some(midnight)),
            ("2026-01-01T00:00:00.250Z", Some(midnight + 250_000_000)),
            ("2026-01-01T01:00:00+01:00", Some(midnight)),
            ("2026-01-01T00:00:00", Some(midnight)),
            ("2026-13-01", None),
            ("yesterday", None),
            ("", None),
            ("1767225600.", Some(midnight)),
            (".5", None),
        ];
        for (s, want) in cases {
            assert_eq!(date(s), *want, "{s}");
        }
    }

    #[test]
    fn cidr_edges() {
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("10.1.2.3", "0.0.0.0/0", Some(true)),
            ("10.1.2.3", "10.1.2.3", Some(true)),
            ("10.1.2.4", "10.1.2.3", Some(false)),
            ("10.1.2.3", "10.9.9.9/8", Some(true)),
            ("10.1.2.3", "10.0.0.0/33", None),
            ("10.1.2.3", "10.0.0.0/+8", None),
            ("10.1.2.3", "10.0.0.0/", None),
            ("::1", "::/0", Some(true)),
            ("::1", "10.0.0.0/8", Some(false)),
            ("10.1.2.3", "::/0", Some(false)),
            ("not-an-ip", "10.0.0.0/8", None),
            ("10.1.2.3/32", "10.0.0.0/8", None),
        ];
        for (addr, cidr, want) in cases {
            assert_eq!(ip_in_cidr(addr, cidr), *want, "{addr} in {cidr}");
        }
    }
}
