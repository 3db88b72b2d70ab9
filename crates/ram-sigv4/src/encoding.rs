//! Percent-decoding of what the client sent and `SigV4`'s percent-encoding of
//! what goes into the canonical request.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use std::borrow::Cow;

/// Everything except RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`)
/// is escaped, as `SigV4` requires. Non-ASCII is always escaped (as UTF-8).
const SIGV4_QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The same, but keeping `/` so that a path stays a path.
const SIGV4_PATH: &AsciiSet = &SIGV4_QUERY.remove(b'/');

/// Encodes a decoded query name or value for the canonical query string.
pub(crate) fn encode_query_component(s: &str) -> String {
    utf8_percent_encode(s, SIGV4_QUERY).to_string()
}

/// Encodes a path once more, leaving `/` alone.
pub(crate) fn encode_path(s: &str) -> String {
    utf8_percent_encode(s, SIGV4_PATH).to_string()
}

/// Splits a raw query string into decoded `(name, value)` pairs, in order.
///
/// Decoding follows `application/x-www-form-urlencoded` as the AWS SDKs'
/// signers do: `+` is a space, `%XX` is a byte, a malformed `%` escape stays
/// as it is, bytes that are not UTF-8 become U+FFFD, empty `&&` pieces are
/// skipped and a piece without `=` is a name with an empty value.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode_form(name), decode_form(value))
        })
        .collect()
}

fn decode_form(s: &str) -> String {
    let plus_as_space: Cow<'_, [u8]> = if s.contains('+') {
        Cow::Owned(
            s.bytes()
                .map(|b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(s.as_bytes())
    };
    let decoded: Cow<'_, [u8]> = percent_decode(&plus_as_space).into();
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding_keeps_only_unreserved() {
        assert_eq!(
            encode_query_component("AZaz09-_.~ /:+=&%é"),
            "AZaz09-_.~%20%2F%3A%2B%3D%26%25%C3%A9"
        );
        assert_eq!(encode_path("/a b/c:d/%2F"), "/a%20b/c%3Ad/%252F");
    }

    #[test]
    fn query_parsing() {
        let pairs = parse_query("b=2&&a&c=x%3Dy+z&d=%zz&e=%FF&=v");
        let expected: Vec<(String, String)> = [
            ("b", "2"),
            ("a", ""),
            ("c", "x=y z"),
            ("d", "%zz"),
            ("e", "\u{FFFD}"),
            ("", "v"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(pairs, expected);
        assert!(parse_query("").is_empty());
    }
}
