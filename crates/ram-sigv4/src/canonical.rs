//! The canonical request: the server's rebuild of exactly the bytes the client
//! hashed, following the rules AWS uses for every service but S3.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>

use crate::Request;
use crate::encoding::{encode_path, encode_query_component, parse_query};
use http::HeaderMap;
use http::header::HeaderName;

/// The query parameter that carries a presigned URL's signature; it cannot be
/// part of what it signs.
pub(crate) const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";

/// Builds the canonical request.
///
/// `signed_headers` are lowercase names; `presigned` drops `X-Amz-Signature`
/// from the query; `payload_hash` is the hex SHA-256 the server computed.
/// Bytes rather than a `String` because header values need not be UTF-8.
pub(crate) fn canonical_request(
    req: &Request<'_>,
    signed_headers: &[String],
    presigned: bool,
    payload_hash: &str,
) -> Vec<u8> {
    let mut names: Vec<&str> = signed_headers.iter().map(String::as_str).collect();
    names.sort_unstable();

    let mut out = Vec::with_capacity(256 + req.path.len() + req.query.map_or(0, str::len));
    out.extend_from_slice(req.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(req.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(req.query.unwrap_or(""), presigned).as_bytes());
    out.push(b'\n');
    for name in &names {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        append_header_values(&mut out, req.headers, name);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(names.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// The canonical URI: the received (already percent-encoded) path with dot
/// segments and empty segments removed, then percent-encoded once more.
///
/// The SDKs sign for non-S3 services with "double" encoding: they encode the
/// already-encoded path again, so `%2F` in the request is `%252F` here.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    encode_path(&normalize_path(raw_path))
}

/// RFC 3986 §5.2.4 dot-segment removal, plus dropping empty segments, as the
/// SDKs do before signing. Operates on the still-encoded path, so `%2E` is not
/// a dot.
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let absolute = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    if !absolute.contains('.') && !absolute.contains("//") {
        return absolute;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in absolute.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(absolute.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    // A path ending in a slash (or in a dot segment, which stands for one)
    // keeps its trailing slash.
    let trailing = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|end| absolute.ends_with(end));
    if out.is_empty() || (trailing && !out.ends_with('/')) {
        out.push('/');
    }
    out
}

/// The canonical query string: every parameter decoded, re-encoded with the
/// `SigV4` rules, sorted by encoded name and then encoded value.
fn canonical_query(raw_query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = parse_query(raw_query)
        .into_iter()
        .filter(|(name, _)| !(presigned && name == X_AMZ_SIGNATURE))
        .map(|(name, value)| {
            (
                encode_query_component(&name),
                encode_query_component(&value),
            )
        })
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(raw_query.len() + 16);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Appends `name`'s values: each trimmed of surrounding spaces with runs of
/// spaces collapsed to one, joined by commas. A signed header that is absent
/// contributes an empty value (and so, in practice, a signature mismatch).
fn append_header_values(out: &mut Vec<u8>, headers: &HeaderMap, name: &str) {
    let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
        return;
    };
    for (i, value) in headers.get_all(&name).iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        append_trimmed(out, value.as_bytes());
    }
}

/// Only spaces count, not tabs or other whitespace, matching the SDK signers.
fn append_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let start = value.iter().position(|&b| b != b' ');
    let Some(start) = start else { return };
    let end = value
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |e| e + 1);
    let mut previous_space = false;
    for &b in &value[start..end] {
        if b == b' ' && previous_space {
            continue;
        }
        previous_space = b == b' ';
        out.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn path_normalization() {
        for (raw, expected) in [
            ("", "/"),
            ("/", "/"),
            ("foo", "/foo"),
            ("/getresourceshares", "/getresourceshares"),
            ("/foo/bar/", "/foo/bar/"),
            ("//foo//bar", "/foo/bar"),
            ("/foo/./bar", "/foo/bar"),
            ("/foo/../bar", "/bar"),
            ("/../foo", "/foo"),
            ("/foo/bar/.", "/foo/bar/"),
            ("/foo/bar/..", "/foo/"),
            ("/..", "/"),
            ("/.well-known/x", "/.well-known/x"),
            ("/a/%2E%2E/b", "/a/%2E%2E/b"),
        ] {
            assert_eq!(normalize_path(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn uri_is_encoded_again() {
        assert_eq!(canonical_uri("/a%20b/c%2Fd"), "/a%2520b/c%252Fd");
        assert_eq!(canonical_uri("/tags/arn:aws:ram"), "/tags/arn%3Aaws%3Aram");
        assert_eq!(canonical_uri(""), "/");
    }

    #[test]
    fn query_is_sorted_and_reencoded() {
        assert_eq!(
            canonical_query("b=2&a=z&a=y&c=a+b&d=%41%2f", false),
            "a=y&a=z&b=2&c=a%20b&d=A%2F"
        );
        assert_eq!(canonical_query("flag&x=", false), "flag=&x=");
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&a=1", true),
            "a=1",
            "a presigned URL's signature is not signed"
        );
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&a=1", false),
            "X-Amz-Signature=abc&a=1"
        );
        assert_eq!(canonical_query("", false), "");
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("  a   b  c "));
        headers.append("x-a", HeaderValue::from_static("d"));
        headers.append("x-b", HeaderValue::from_static("   "));
        headers.append("x-c", HeaderValue::from_bytes(b"\xff\tz").unwrap());
        let mut out = Vec::new();
        append_header_values(&mut out, &headers, "x-a");
        assert_eq!(out, b"a b c,d");
        out.clear();
        append_header_values(&mut out, &headers, "x-b");
        assert_eq!(out, b"");
        out.clear();
        append_header_values(&mut out, &headers, "x-c");
        assert_eq!(out, b"\xff\tz");
        out.clear();
        append_header_values(&mut out, &headers, "not a header");
        append_header_values(&mut out, &headers, "x-missing");
        assert_eq!(out, b"");
    }

    #[test]
    fn whole_request() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "host",
            HeaderValue::from_static("ram.us-east-1.amazonaws.com"),
        );
        headers.insert("x-amz-date", HeaderValue::from_static("20261121T003000Z"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let req = Request {
            method: "POST",
            path: "/getresourceshares",
            query: None,
            headers: &headers,
            body: b"{}",
        };
        let signed = ["x-amz-date".to_owned(), "host".to_owned()];
        let creq = canonical_request(&req, &signed, false, "HASH");
        assert_eq!(
            String::from_utf8(creq).unwrap(),
            "POST\n/getresourceshares\n\nhost:ram.us-east-1.amazonaws.com\n\
             x-amz-date:20261121T003000Z\n\nhost;x-amz-date\nHASH"
        );
    }
}
