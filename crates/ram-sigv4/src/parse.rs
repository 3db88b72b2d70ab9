//! Reading what a request claims about its signature, from the
//! `Authorization` header or from a presigned URL's query, without checking
//! any of it cryptographically.

use crate::encoding::parse_query;
use crate::error::SigV4Error;
use crate::time::{parse_amz_date, parse_http_date};
use crate::{ALGORITHM, ParsedAuth, Request};
use http::header::{AUTHORIZATION, DATE};

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

/// Presigned URLs may not outlive a week (AWS's limit).
const MAX_EXPIRES_SECS: u64 = 604_800;

/// Error messages echo the client's header; cap it so a huge header does not
/// become a huge response.
const MAX_ECHO_CHARS: usize = 512;

/// Parses the signature information of `req`.
///
/// An `Authorization` header wins; without one, a query carrying
/// `X-Amz-Algorithm`, `X-Amz-Credential` or `X-Amz-Signature` is taken as a
/// presigned URL. (With a header present, such query parameters are ordinary
/// parameters, covered by the header's signature like any other.)
pub fn parse(req: &Request<'_>) -> Result<ParsedAuth, SigV4Error> {
    let mut values = req.headers.get_all(AUTHORIZATION).iter();
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(incomplete(
            "Only one Authorization header may be present.".to_owned(),
        )),
        (Some(value), None) if !value.as_bytes().iter().all(u8::is_ascii_whitespace) => {
            let Ok(value) = value.to_str() else {
                return Err(incomplete(format!(
                    "Authorization header contains invalid characters. Authorization={}",
                    echo(&String::from_utf8_lossy(value.as_bytes()))
                )));
            };
            parse_header(req, value)
        }
        _ => match req.query {
            Some(query) => parse_presigned(query),
            None => Err(SigV4Error::MissingAuthenticationToken),
        },
    }
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20261121/us-east-1/ram/aws4_request,
/// SignedHeaders=content-type;host;x-amz-date, Signature=<64 hex>`
fn parse_header(req: &Request<'_>, auth: &str) -> Result<ParsedAuth, SigV4Error> {
    let auth = auth.trim();
    let (algorithm, params) = auth
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((auth, ""));
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{}'. Authorization={}",
            echo(algorithm),
            echo(auth)
        )));
    }

    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for piece in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = piece.split_once('=') else {
            return Err(incomplete(format!(
                "'{}' not a valid key=value pair (missing equal-sign) in Authorization header: \
                 '{}'.",
                echo(piece),
                echo(auth)
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            // Unknown parameters are ignored, as AWS does.
            _ => continue,
        };
        if slot.replace(value.trim()).is_some() {
            return Err(incomplete(format!(
                "Authorization header has a repeated '{}' parameter. Authorization={}",
                key.trim(),
                echo(auth)
            )));
        }
    }

    let timestamp = header_timestamp(req)?;

    // AWS reports everything that is missing in one message.
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if timestamp.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature), Some(timestamp)) =
        (credential, signed_headers, signature, timestamp)
    else {
        return Err(incomplete(format!(
            "{} Authorization={}",
            missing.join(" "),
            echo(auth)
        )));
    };

    let scope = parse_credential(credential)?;
    let session_token = single_header(req, X_AMZ_SECURITY_TOKEN)?;
    Ok(ParsedAuth {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: signature.to_owned(),
        timestamp: timestamp?,
        session_token,
        expires: None,
    })
}

/// The request time from `X-Amz-Date`, or from `Date` when `X-Amz-Date` is
/// absent. `None` when neither is present; `Some(Err)` when the one used is
/// unreadable (reported only once nothing is missing, as AWS does).
fn header_timestamp(req: &Request<'_>) -> Result<Option<Result<u64, SigV4Error>>, SigV4Error> {
    if let Some(value) = single_header(req, X_AMZ_DATE)? {
        return Ok(Some(parse_amz_date(&value).ok_or_else(|| {
            incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See \
                 http://en.wikipedia.org/wiki/ISO_8601",
                echo(&value)
            ))
        })));
    }
    if let Some(value) = single_header(req, DATE.as_str())? {
        return Ok(Some(parse_http_date(&value).ok_or_else(|| {
            incomplete(format!(
                "Date header must be an RFC 1123 date (e.g. 'Sat, 21 Nov 2026 00:30:00 GMT') or \
                 in ISO-8601 'basic format'. Got '{}'.",
                echo(&value)
            ))
        })));
    }
    Ok(None)
}

/// A presigned URL: `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...
/// &X-Amz-Date=...&X-Amz-Expires=...&X-Amz-SignedHeaders=host&X-Amz-Signature=...`
fn parse_presigned(query: &str) -> Result<ParsedAuth, SigV4Error> {
    let params = parse_query(query);
    let get = |name: &str| single_param(&params, name);
    let algorithm = get("X-Amz-Algorithm")?;
    let credential = get("X-Amz-Credential")?;
    let signature = get("X-Amz-Signature")?;
    if algorithm.is_none() && credential.is_none() && signature.is_none() {
        return Err(SigV4Error::MissingAuthenticationToken);
    }
    let (
        Some(algorithm),
        Some(credential),
        Some(signature),
        Some(date),
        Some(signed_headers),
        Some(expires),
    ) = (
        algorithm,
        credential,
        signature,
        get("X-Amz-Date")?,
        get("X-Amz-SignedHeaders")?,
        get("X-Amz-Expires")?,
    )
    else {
        return Err(incomplete(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, \
             X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and \
             X-Amz-Expires parameters."
                .to_owned(),
        ));
    };
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\", not '{}'.",
            echo(algorithm)
        )));
    }
    let scope = parse_credential(credential)?;
    let timestamp = parse_amz_date(date).ok_or_else(|| {
        incomplete(format!(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '{}'.",
            echo(date)
        ))
    })?;
    Ok(ParsedAuth {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: signature.to_owned(),
        timestamp,
        session_token: get("X-Amz-Security-Token")?.map(str::to_owned),
        expires: Some(parse_expires(expires)?),
    })
}

/// The decoded value of a query parameter that may appear at most once.
fn single_param<'p>(
    params: &'p [(String, String)],
    name: &str,
) -> Result<Option<&'p str>, SigV4Error> {
    let mut found = params.iter().filter(|(n, _)| n == name);
    match (found.next(), found.next()) {
        (Some(_), Some(_)) => Err(incomplete(format!(
            "Query-string parameter '{name}' may appear only once."
        ))),
        (first, _) => Ok(first.map(|(_, v)| v.as_str())),
    }
}

fn parse_expires(value: &str) -> Result<u64, SigV4Error> {
    if let Some(rest) = value.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(incomplete("X-Amz-Expires must be non-negative".to_owned()));
    }
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete("X-Amz-Expires should be a number".to_owned()));
    }
    match value.parse::<u64>() {
        Ok(secs) if secs <= MAX_EXPIRES_SECS => Ok(secs),
        _ => Err(incomplete(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is; {MAX_EXPIRES_SECS}"
        ))),
    }
}

/// The parts of a `Credential`: `AKID/20261121/us-east-1/ram/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// The credential a request names (access key id and scope), read on its own: from the
/// `Authorization` header's `Credential` parameter or a presigned URL's `X-Amz-Credential`, even
/// when the rest of the signature information is missing or malformed. `None` when no credential
/// can be read. For callers that do not verify signatures (ramd's trust mode): it must never
/// stand in for [`parse`] where a signature is checked.
pub fn credential(req: &Request<'_>) -> Option<CredentialScope> {
    let header = req.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let value = match header {
        Some(auth) if !auth.trim().is_empty() => auth
            .trim()
            .split(|c: char| c.is_ascii_whitespace() || c == ',')
            .find_map(|piece| piece.strip_prefix("Credential="))
            .map(str::to_owned),
        _ => parse_query(req.query?)
            .into_iter()
            .find(|(name, _)| name == "X-Amz-Credential")
            .map(|(_, v)| v),
    }?;
    // Untrimmed, as `parse` reads it: both must name the same key (a fuzzed presigned query
    // whose credential began with an encoded space once made them differ).
    parse_credential(&value).ok()
}

/// `AKID/20261121/us-east-1/ram/aws4_request`
fn parse_credential(credential: &str) -> Result<CredentialScope, SigV4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{}'",
            echo(credential)
        )));
    };
    if terminator != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            echo(terminator)
        )));
    }
    Ok(CredentialScope {
        access_key_id: access_key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    })
}

/// `content-type;host;x-amz-date`. `host` must be signed, or a request could
/// be replayed against another endpoint; AWS insists on it too.
fn parse_signed_headers(value: &str) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = value.split(';').map(str::to_ascii_lowercase).collect();
    if !names.iter().any(|name| name == "host") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    Ok(names)
}

/// The value of a header that may appear at most once, as text.
fn single_header(req: &Request<'_>, name: &str) -> Result<Option<String>, SigV4Error> {
    let mut values = req.headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => match value.to_str() {
            Ok(value) => Ok(Some(value.trim().to_owned())),
            Err(_) => Err(incomplete(format!(
                "The '{name}' header contains invalid characters."
            ))),
        },
        (Some(_), Some(_)) => Err(incomplete(format!(
            "The '{name}' header may appear only once."
        ))),
    }
}

fn incomplete(message: String) -> SigV4Error {
    SigV4Error::IncompleteSignature(message)
}

/// At most [`MAX_ECHO_CHARS`] characters of client input, for messages.
fn echo(s: &str) -> &str {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};

    const CREDENTIAL: &str = "AKIDEXAMPLE/20261121/us-east-1/ram/aws4_request";
    const SIG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn parse_with(headers: &HeaderMap, query: Option<&str>) -> Result<ParsedAuth, SigV4Error> {
        parse(&Request {
            method: "POST",
            path: "/",
            query,
            headers,
            body: b"",
        })
    }

    fn good_auth() -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders=Content-Type;host;x-amz-date, Signature={SIG}"
        )
    }

    fn incomplete_message(result: Result<ParsedAuth, SigV4Error>) -> String {
        match result {
            Err(SigV4Error::IncompleteSignature(message)) => message,
            other => panic!("expected IncompleteSignature, got {other:?}"),
        }
    }

    #[test]
    fn header_auth() {
        let map = headers(&[
            ("authorization", &good_auth()),
            ("x-amz-date", "20261121T003000Z"),
            ("x-amz-security-token", "token"),
        ]);
        let parsed = parse_with(&map, None).unwrap();
        assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
        assert_eq!(parsed.date, "20261121");
        assert_eq!(parsed.region, "us-east-1");
        assert_eq!(parsed.service, "ram");
        assert_eq!(
            parsed.signed_headers,
            ["content-type", "host", "x-amz-date"]
        );
        assert_eq!(parsed.signature, SIG);
        assert_eq!(parsed.timestamp, 1_795_221_000);
        assert_eq!(parsed.session_token.as_deref(), Some("token"));
        assert_eq!(parsed.expires, None);
        assert!(!parsed.is_presigned());
        assert!(
            !format!("{parsed:?}").contains("token\""),
            "token is redacted"
        );
    }

    #[test]
    fn header_auth_without_spaces_and_with_unknown_params() {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={CREDENTIAL},SignedHeaders=host,Foo=bar,Signature={SIG}"
        );
        let map = headers(&[("authorization", &auth), ("x-amz-date", "20261121T003000Z")]);
        assert_eq!(parse_with(&map, None).unwrap().signed_headers, ["host"]);
    }

    #[test]
    fn date_header_is_a_fallback() {
        let map = headers(&[
            ("authorization", &good_auth()),
            ("date", "Sat, 21 Nov 2026 00:30:00 GMT"),
        ]);
        assert_eq!(parse_with(&map, None).unwrap().timestamp, 1_795_221_000);
        let map = headers(&[
            ("authorization", &good_auth()),
            ("date", "Sat, 21 Nov 2026 00:30:00 GMT"),
            ("x-amz-date", "20261121T010000Z"),
        ]);
        assert_eq!(
            parse_with(&map, None).unwrap().timestamp,
            1_795_221_000 + 1800,
            "X-Amz-Date wins over Date"
        );
        let map = headers(&[("authorization", &good_auth()), ("date", "yesterday")]);
        assert!(incomplete_message(parse_with(&map, None)).contains("Got 'yesterday'"));
    }

    #[test]
    fn no_authentication_at_all() {
        for map in [
            HeaderMap::new(),
            headers(&[("authorization", "")]),
            headers(&[("authorization", "   ")]),
            headers(&[("x-amz-date", "20261121T003000Z")]),
        ] {
            for query in [None, Some(""), Some("a=b&X-Amz-Date=20261121T003000Z")] {
                assert_eq!(
                    parse_with(&map, query),
                    Err(SigV4Error::MissingAuthenticationToken)
                );
            }
        }
    }

    #[test]
    fn everything_missing_is_reported_at_once() {
        let map = headers(&[("authorization", "AWS4-HMAC-SHA256")]);
        assert_eq!(
            incomplete_message(parse_with(&map, None)),
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
             parameter. Authorization header requires existence of either a 'X-Amz-Date' or \
             a 'Date' header. Authorization=AWS4-HMAC-SHA256"
        );
        let auth = format!("AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders=host");
        let map = headers(&[("authorization", &auth), ("x-amz-date", "20261121T003000Z")]);
        assert_eq!(
            incomplete_message(parse_with(&map, None)),
            format!("Authorization header requires 'Signature' parameter. Authorization={auth}")
        );
    }

    #[test]
    fn malformed_headers() {
        let date = ("x-amz-date", "20261121T003000Z");
        let cases: [(String, &str); 9] = [
            ("Bearer abc".into(), "Unsupported AWS 'algorithm': 'Bearer'"),
            (
                good_auth().replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
                "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'",
            ),
            (
                "AWS4-HMAC-SHA256 Credential".into(),
                "'Credential' not a valid key=value pair (missing equal-sign)",
            ),
            (
                good_auth().replace(CREDENTIAL, "AKID/20261121/us-east-1/ram"),
                "Credential must have exactly 5 slash-delimited elements, e.g. \
                 keyid/date/region/service/term, got 'AKID/20261121/us-east-1/ram'",
            ),
            (
                good_auth().replace("aws4_request", "aws4_reqest"),
                "Credential should be scoped with a valid terminator: 'aws4_request', \
                 not 'aws4_reqest'. ",
            ),
            (
                good_auth().replace(";host", ""),
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ),
            (
                good_auth().replace("Content-Type;host;x-amz-date", ""),
                "'Host' or ':authority' must be a 'SignedHeader'",
            ),
            (
                format!("{}, Signature={SIG}", good_auth()),
                "Authorization header has a repeated 'Signature' parameter.",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=".into(),
                "Credential must have exactly 5 slash-delimited elements",
            ),
        ];
        for (auth, expected) in cases {
            let map = headers(&[("authorization", &auth), date]);
            let message = incomplete_message(parse_with(&map, None));
            assert!(message.starts_with(expected), "{auth}: {message}");
        }
    }

    #[test]
    fn bad_dates_and_repeated_headers() {
        let map = headers(&[
            ("authorization", &good_auth()),
            ("x-amz-date", "2026-11-21"),
        ]);
        assert_eq!(
            incomplete_message(parse_with(&map, None)),
            "Date must be in ISO-8601 'basic format'. Got '2026-11-21'. See \
             http://en.wikipedia.org/wiki/ISO_8601"
        );
        let map = headers(&[
            ("authorization", &good_auth()),
            ("x-amz-date", "20261121T003000Z"),
            ("x-amz-date", "20261121T003000Z"),
        ]);
        assert!(incomplete_message(parse_with(&map, None)).contains("only once"));
        let map = headers(&[
            ("authorization", &good_auth()),
            ("authorization", &good_auth()),
            ("x-amz-date", "20261121T003000Z"),
        ]);
        assert!(incomplete_message(parse_with(&map, None)).contains("Only one Authorization"));
        let mut map = headers(&[("x-amz-date", "20261121T003000Z")]);
        map.insert(
            "authorization",
            HeaderValue::from_bytes("AWS4-HMAC-SHA256 Credential=é".as_bytes()).unwrap(),
        );
        assert!(incomplete_message(parse_with(&map, None)).contains("invalid characters"));
    }

    #[test]
    fn long_inputs_are_not_echoed_in_full() {
        let auth = format!("AWS4-HMAC-SHA256 {}", "x".repeat(10_000));
        let map = headers(&[("authorization", &auth)]);
        assert!(incomplete_message(parse_with(&map, None)).len() < 3 * MAX_ECHO_CHARS);
    }

    const PRESIGNED: &str = "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIDEXAMPLE%2F20261121%2Fus-east-1%2Fsts%2Faws4_request\
        &X-Amz-Date=20261121T003000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\
        &X-Amz-Security-Token=tok%2Ben&X-Amz-Signature=abc";

    #[test]
    fn presigned() {
        let parsed = parse_with(&HeaderMap::new(), Some(PRESIGNED)).unwrap();
        assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
        assert_eq!(parsed.service, "sts");
        assert_eq!(parsed.signed_headers, ["host"]);
        assert_eq!(parsed.signature, "abc");
        assert_eq!(parsed.timestamp, 1_795_221_000);
        assert_eq!(parsed.session_token.as_deref(), Some("tok+en"));
        assert_eq!(parsed.expires, Some(60));
        assert!(parsed.is_presigned());
    }

    #[test]
    fn presigned_errors() {
        let cases = [
            (
                PRESIGNED.replace("&X-Amz-Expires=60", ""),
                "Query-string authentication version 4 requires",
            ),
            (
                PRESIGNED.replace("&X-Amz-Signature=abc", ""),
                "Query-string authentication version 4 requires",
            ),
            (
                format!("{PRESIGNED}&X-Amz-Signature=abc"),
                "Query-string parameter 'X-Amz-Signature' may appear only once.",
            ),
            (
                PRESIGNED.replace("X-Amz-Expires=60", "X-Amz-Expires=604801"),
                "X-Amz-Expires must be less than a week (in seconds) that is; 604800",
            ),
            (
                PRESIGNED.replace("X-Amz-Expires=60", "X-Amz-Expires=99999999999999999999999"),
                "X-Amz-Expires must be less than a week",
            ),
            (
                PRESIGNED.replace("X-Amz-Expires=60", "X-Amz-Expires=-5"),
                "X-Amz-Expires must be non-negative",
            ),
            (
                PRESIGNED.replace("X-Amz-Expires=60", "X-Amz-Expires=%2B5"),
                "X-Amz-Expires should be a number",
            ),
            (
                PRESIGNED.replace("X-Amz-Date=20261121T003000Z", "X-Amz-Date=20261121"),
                "X-Amz-Date must be in the ISO8601 Long Format",
            ),
            (
                PRESIGNED.replace("HMAC-SHA256", "HMAC-SHA1"),
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
            ),
            (
                PRESIGNED.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date"),
                "'Host' or ':authority' must be a 'SignedHeader'",
            ),
            (
                PRESIGNED.replace("%2Faws4_request", ""),
                "Credential must have exactly 5 slash-delimited elements",
            ),
        ];
        for (query, expected) in cases {
            let message = incomplete_message(parse_with(&HeaderMap::new(), Some(&query)));
            assert!(message.starts_with(expected), "{query}: {message}");
        }
    }

    #[test]
    fn credential_is_read_from_incomplete_headers() {
        let cred = |pairs: &[(&'static str, &str)], query: Option<&str>| {
            let headers = headers(pairs);
            credential(&Request {
                method: "POST",
                path: "/",
                query,
                headers: &headers,
                body: b"",
            })
        };
        // No X-Amz-Date, no SignedHeaders: parse refuses it, the credential is still readable.
        let found = cred(
            &[(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=111111111111/20261121/eu-west-1/ram/aws4_request",
            )],
            None,
        )
        .expect("a credential");
        assert_eq!(found.access_key_id, "111111111111");
        assert_eq!(found.region, "eu-west-1");
        assert_eq!(found.service, "ram");
        assert_eq!(
            cred(&[("authorization", "AWS4-HMAC-SHA256 Signature=abc")], None),
            None
        );
        assert_eq!(
            cred(
                &[("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261121")],
                None
            ),
            None
        );
        assert_eq!(cred(&[], None), None);
        let presigned = cred(
            &[],
            Some("X-Amz-Credential=222222222222%2F20261121%2Fus-east-1%2Fram%2Faws4_request"),
        )
        .expect("a presigned credential");
        assert_eq!(presigned.access_key_id, "222222222222");
    }

    #[test]
    fn header_wins_over_query() {
        let map = headers(&[
            ("authorization", &good_auth()),
            ("x-amz-date", "20261121T003000Z"),
        ]);
        let parsed = parse_with(&map, Some(PRESIGNED)).unwrap();
        assert_eq!(parsed.service, "ram");
        assert!(!parsed.is_presigned());
    }
}
