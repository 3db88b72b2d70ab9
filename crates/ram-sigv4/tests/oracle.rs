//! Requests signed by the official `aws-sigv4` crate, the way real clients
//! sign them, must verify; any change to what was signed must not.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderName, HeaderValue};
use ram_sigv4::{ParsedAuth, Request, SigV4Error, check_scope, parse, verify};
use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

/// 2026-11-21T00:30:00Z, the fixed "now" of these tests.
const NOW: u64 = 1_795_221_000;
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOST: &str = "ram.us-east-1.amazonaws.com";
const SHARE_ARN_QUERY: &str = "resourceShareArn=arn%3Aaws%3Aram%3Aus-east-1%3A123456789012%3A\
    resource-share%2F7ab63972-b505-7e2a-420d-6f5d3EXAMPLE&clientToken=abc";

/// How a client signs: what it hands the signer, and what it adds unsigned.
#[derive(Clone)]
struct Spec {
    method: String,
    /// Full URI, already percent-encoded, e.g. `https://host/path?a=b`.
    uri: String,
    /// Headers handed to the signer (and so signed, bar the signer's
    /// exclusions), in addition to those the signer adds itself.
    signed: Vec<(String, String)>,
    /// Headers added after signing, as proxies and HTTP stacks do.
    unsigned: Vec<(String, String)>,
    body: Vec<u8>,
    region: String,
    service: String,
    session_token: Option<String>,
    /// `Some` signs a presigned URL valid for that long.
    presign: Option<Duration>,
    /// Also send (and sign) `x-amz-content-sha256`, as S3 clients do.
    content_sha256_header: bool,
    time: u64,
}

impl Spec {
    fn new(method: &str, uri: &str, body: &[u8]) -> Self {
        Self {
            method: method.to_owned(),
            uri: uri.to_owned(),
            signed: vec![],
            unsigned: vec![],
            body: body.to_vec(),
            region: "us-east-1".to_owned(),
            service: "ram".to_owned(),
            session_token: None,
            presign: None,
            content_sha256_header: false,
            time: NOW,
        }
    }

    fn signed(mut self, name: &str, value: &str) -> Self {
        self.signed.push((name.to_owned(), value.to_owned()));
        self
    }

    fn unsigned(mut self, name: &str, value: &str) -> Self {
        self.unsigned.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A request as the server would receive it.
#[derive(Clone, Debug)]
struct Received {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn request(&self) -> Request<'_> {
        Request {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn check(&self, secret: &str, now: u64) -> Result<ParsedAuth, SigV4Error> {
        let req = self.request();
        let parsed = parse(&req)?;
        verify(&req, &parsed, secret, now)?;
        Ok(parsed)
    }

    fn header_str(&self, name: &str) -> String {
        self.headers[name].to_str().unwrap().to_owned()
    }

    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
}

/// Signs `spec` with `aws-sigv4` and returns what goes over the wire.
fn sign_with_oracle(spec: &Spec) -> Received {
    let identity: Identity =
        Credentials::new(AKID, SECRET, spec.session_token.clone(), None, "oracle").into();
    let mut settings = SigningSettings::default();
    if let Some(expires) = spec.presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires);
    }
    if spec.content_sha256_header {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&spec.region)
        .name(&spec.service)
        .time(UNIX_EPOCH + Duration::from_secs(spec.time))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        &spec.method,
        spec.uri.as_str(),
        spec.signed.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&spec.body),
    )
    .unwrap();
    let (instructions, _signature) = sign(signable, &params).unwrap().into_parts();

    let mut request = http::Request::builder()
        .method(spec.method.as_str())
        .uri(spec.uri.as_str())
        .body(())
        .unwrap();
    for (name, value) in &spec.signed {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    instructions.apply_to_request_http1x(&mut request);
    for (name, value) in &spec.unsigned {
        request.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    Received {
        method: spec.method.clone(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        headers: request.headers().clone(),
        body: spec.body.clone(),
    }
}

// ---------------------------------------------------------------- clients --

/// (a) botocore: `content-type;host;x-amz-date`, JSON body.
fn botocore() -> Spec {
    Spec::new(
        "POST",
        &format!("https://{HOST}/getresourceshares"),
        br#"{"resourceOwner": "SELF"}"#,
    )
    .signed("Content-Type", "application/json")
    .signed("Host", HOST)
    .unsigned(
        "User-Agent",
        "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux",
    )
    .unsigned("Content-Length", "25")
}

/// (b) the Rust SDK: `content-length;content-type;host;x-amz-date;x-amz-user-agent`.
fn rust_sdk() -> Spec {
    let body = br#"{"resourceOwner":"OTHER-ACCOUNTS","maxResults":10}"#;
    Spec::new("POST", &format!("https://{HOST}/getresourceshares"), body)
        .signed("content-length", &body.len().to_string())
        .signed("content-type", "application/json")
        .signed("host", HOST)
        .signed(
            "x-amz-user-agent",
            "aws-sdk-rust/1.3.9 api/ram/1.60.0 os/linux lang/rust/1.95.0",
        )
        // Excluded by the signer, as in the real SDK.
        .signed("user-agent", "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0")
}

/// (c) a DELETE whose query carries an encoded ARN.
fn delete_with_query() -> Spec {
    Spec::new(
        "DELETE",
        &format!("https://{HOST}/deleteresourceshare?{SHARE_ARN_QUERY}"),
        b"",
    )
    .signed("host", HOST)
    .signed("x-amz-user-agent", "aws-sdk-rust/1.3.9 api/ram/1.60.0")
}

/// (d) an STS form body.
fn sts_form() -> Spec {
    let mut spec = Spec::new(
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    .signed(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )
    .signed("host", "sts.us-east-1.amazonaws.com");
    "sts".clone_into(&mut spec.service);
    spec
}

/// (e) a presigned URL, the way EKS tokens presign STS `GetCallerIdentity`.
fn presigned() -> Spec {
    let mut spec = Spec::new(
        "GET",
        "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        b"",
    )
    .signed("host", "sts.us-east-1.amazonaws.com")
    .signed("x-k8s-aws-id", "my-cluster");
    "sts".clone_into(&mut spec.service);
    spec.presign = Some(Duration::from_mins(5));
    spec
}

/// (f) temporary credentials: `x-amz-security-token` is signed.
fn session_token() -> Spec {
    let mut spec = botocore();
    spec.session_token = Some("IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJH+/=".to_owned());
    spec
}

fn all_clients() -> Vec<(&'static str, Spec)> {
    vec![
        ("botocore", botocore()),
        ("rust sdk", rust_sdk()),
        ("delete with query", delete_with_query()),
        ("sts form", sts_form()),
        ("presigned", presigned()),
        ("session token", session_token()),
    ]
}

// ------------------------------------------------------------------ tests --

#[test]
fn real_client_shapes_verify() {
    for (name, spec) in all_clients() {
        let received = sign_with_oracle(&spec);
        let parsed = received
            .check(SECRET, NOW)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{received:?}"));
        assert_eq!(parsed.access_key_id, AKID, "{name}");
        assert_eq!(parsed.region, spec.region, "{name}");
        assert_eq!(parsed.service, spec.service, "{name}");
        assert_eq!(parsed.date, "20261121", "{name}");
        assert_eq!(parsed.timestamp, NOW, "{name}");
        assert_eq!(parsed.session_token, spec.session_token, "{name}");
        assert_eq!(parsed.is_presigned(), spec.presign.is_some(), "{name}");
        check_scope(&parsed, &spec.region, &spec.service).unwrap();
    }
}

#[test]
fn signed_header_lists_match_the_clients() {
    let signed_headers = |spec: Spec| {
        parse(&sign_with_oracle(&spec).request())
            .unwrap()
            .signed_headers
    };
    assert_eq!(
        signed_headers(botocore()),
        ["content-type", "host", "x-amz-date"]
    );
    assert_eq!(
        signed_headers(rust_sdk()),
        [
            "content-length",
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-user-agent"
        ]
    );
    assert_eq!(
        signed_headers(session_token()),
        ["content-type", "host", "x-amz-date", "x-amz-security-token"]
    );
    assert_eq!(signed_headers(presigned()), ["host", "x-k8s-aws-id"]);
}

/// One byte of the body, a signed header, the path, the query, the secret,
/// the region or the service changed: the signature no longer matches.
#[test]
fn any_change_to_what_was_signed_is_rejected() {
    for (name, spec) in all_clients() {
        let good = sign_with_oracle(&spec);
        let parsed = parse(&good.request()).unwrap();
        let mut tampered: Vec<(&str, Received)> = vec![];

        let mut r = good.clone();
        if r.body.is_empty() {
            r.body.push(b'x');
        } else {
            r.body[0] ^= 1;
        }
        tampered.push(("body", r));

        let mut r = good.clone();
        let last = r.body.len().saturating_sub(1);
        if let Some(b) = r.body.get_mut(last) {
            *b = b.wrapping_add(1);
            tampered.push(("last body byte", r));
        }

        for header in &parsed.signed_headers {
            let mut r = good.clone();
            let value = r.header_str(header);
            if header == "x-amz-date" {
                // Still a valid date, one second later.
                r.set_header(header, &value.replace("003000Z", "003001Z"));
            } else {
                r.set_header(header, &format!("{value}x"));
            }
            tampered.push(("signed header", r));
        }

        let mut r = good.clone();
        r.path.push('x');
        tampered.push(("path", r));

        let mut r = good.clone();
        r.path = r.path.to_uppercase();
        if r.path != good.path {
            tampered.push(("path case", r));
        }

        let mut r = good.clone();
        r.query = Some(match r.query {
            Some(q) => format!("{q}&extra=1"),
            None => "extra=1".to_owned(),
        });
        tampered.push(("query added", r));

        if let Some(q) = &good.query
            && q.contains("clientToken=abc")
        {
            let mut r = good.clone();
            r.query = Some(q.replace("clientToken=abc", "clientToken=abd"));
            tampered.push(("query value", r));
        }

        let mut r = good.clone();
        r.method = if r.method == "GET" { "HEAD" } else { "PUT" }.to_owned();
        tampered.push(("method", r));

        for (from, to) in [
            ("/us-east-1/", "/us-west-2/"),
            ("/ram/", "/sts/"),
            ("/sts/", "/ram/"),
        ] {
            if let Some(r) = rescope(&good, from, to) {
                tampered.push(("scope", r));
            }
        }

        for (what, r) in tampered {
            assert_eq!(
                r.check(SECRET, NOW).map(|_| ()),
                Err(SigV4Error::SignatureMismatch),
                "{name}: {what}"
            );
        }

        let wrong_secret = SECRET.replace('K', "k");
        let err = good.check(&wrong_secret, NOW).unwrap_err();
        assert_eq!(err, SigV4Error::SignatureMismatch, "{name}: secret");
        assert_eq!(err.code(), "InvalidSignatureException");
        assert_eq!(err.status(), 403);

        // Changing the parsed scope has the same effect as changing the header.
        let req = good.request();
        for change in [
            |p: &mut ParsedAuth| p.region = "eu-west-1".into(),
            |p: &mut ParsedAuth| p.service = "iam".into(),
            |p: &mut ParsedAuth| p.signed_headers.reverse(),
            |p: &mut ParsedAuth| p.signature = p.signature.to_uppercase(),
            |p: &mut ParsedAuth| p.signature.truncate(63),
        ] {
            let mut p = parsed.clone();
            change(&mut p);
            if p.signed_headers != parsed.signed_headers {
                // Order does not matter: the canonical form sorts them.
                assert_eq!(verify(&req, &p, SECRET, NOW), Ok(()), "{name}");
            } else if p != parsed {
                assert_eq!(
                    verify(&req, &p, SECRET, NOW),
                    Err(SigV4Error::SignatureMismatch),
                    "{name}"
                );
            }
        }
    }
}

/// Replaces `from` by `to` in the credential scope, wherever it is sent.
fn rescope(good: &Received, from: &str, to: &str) -> Option<Received> {
    let mut r = good.clone();
    if let Some(auth) = r.headers.get("authorization") {
        let auth = auth.to_str().unwrap();
        if !auth.contains(from) {
            return None;
        }
        let auth = auth.replace(from, to);
        r.set_header("authorization", &auth);
    } else {
        let encoded = |s: &str| s.replace('/', "%2F");
        let query = r.query.as_deref()?;
        if !query.contains(&encoded(from)) {
            return None;
        }
        r.query = Some(query.replace(&encoded(from), &encoded(to)));
    }
    Some(r)
}

#[test]
fn unsigned_headers_may_change() {
    let mut received = sign_with_oracle(&botocore());
    received.set_header("user-agent", "something else");
    received.set_header("x-forwarded-for", "10.0.0.1");
    received.set_header("x-amzn-trace-id", "Root=1-abc");
    received.check(SECRET, NOW).unwrap();
}

#[test]
fn content_sha256_header_is_checked_not_trusted() {
    // Signed, as S3-style clients send it.
    let mut spec = botocore();
    spec.content_sha256_header = true;
    let received = sign_with_oracle(&spec);
    let parsed = received.check(SECRET, NOW).unwrap();
    assert!(
        parsed
            .signed_headers
            .contains(&"x-amz-content-sha256".to_owned())
    );

    // Body changed, header left alone: caught before the signature.
    let mut r = received.clone();
    r.body.push(b' ');
    assert_eq!(
        r.check(SECRET, NOW).unwrap_err(),
        SigV4Error::ContentSha256Mismatch
    );

    // Unsigned, as a proxy might add it.
    let received = sign_with_oracle(&botocore());
    let other_hash = "bc5fb15d3ceb4d3ab8f5f2ab1f2b9b3fc1bd8ba0b4d8e4f5bb31ad39e2a6f8e6";
    for (value, expected) in [
        ("UNSIGNED-PAYLOAD", Ok(())),
        (other_hash, Err(SigV4Error::ContentSha256Mismatch)),
        ("garbage", Err(SigV4Error::ContentSha256Mismatch)),
    ] {
        let mut r = received.clone();
        r.set_header("x-amz-content-sha256", value);
        assert_eq!(r.check(SECRET, NOW).map(|_| ()), expected, "{value}");
    }
    let real = hex_sha256(&received.body);
    let mut r = received.clone();
    r.set_header("x-amz-content-sha256", &real.to_uppercase());
    r.check(SECRET, NOW).unwrap();
    let err = {
        let mut r = received;
        r.set_header("x-amz-content-sha256", "garbage");
        r.check(SECRET, NOW).unwrap_err()
    };
    assert_eq!(err.code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    );
}

/// An `UNSIGNED-PAYLOAD` signature is refused: the server signs for the body.
#[test]
fn unsigned_payload_signatures_do_not_verify() {
    let spec = botocore();
    let identity: Identity = Credentials::new(AKID, SECRET, None, None, "oracle").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("ram")
        .time(UNIX_EPOCH + Duration::from_secs(NOW))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        spec.uri.as_str(),
        spec.signed.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::UnsignedPayload,
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(spec.uri.as_str())
        .header("content-type", "application/json")
        .header("host", HOST)
        .body(())
        .unwrap();
    instructions.apply_to_request_http1x(&mut request);
    assert_eq!(
        request.headers()["x-amz-content-sha256"],
        "UNSIGNED-PAYLOAD"
    );
    let received = Received {
        method: "POST".into(),
        path: request.uri().path().into(),
        query: None,
        headers: request.headers().clone(),
        body: spec.body,
    };
    assert_eq!(
        received.check(SECRET, NOW).unwrap_err(),
        SigV4Error::SignatureMismatch
    );
}

#[test]
fn request_time_window() {
    for (name, spec) in all_clients() {
        if spec.presign.is_some() {
            continue;
        }
        let received = sign_with_oracle(&spec);
        // Exactly 15 minutes either way is still fine.
        received.check(SECRET, NOW + 900).unwrap();
        received.check(SECRET, NOW - 900).unwrap();

        let err = received.check(SECRET, NOW + 901).unwrap_err();
        assert_eq!(err.code(), "InvalidSignatureException", "{name}");
        assert_eq!(err.status(), 403);
        assert_eq!(
            err.message(),
            "Signature expired: 20261121T003000Z is now earlier than 20261121T003001Z \
             (20261121T004501Z - 15 min.)"
        );
        let err = received.check(SECRET, NOW - 901).unwrap_err();
        assert_eq!(err.code(), "InvalidSignatureException", "{name}");
        assert_eq!(
            err.message(),
            "Signature not yet current: 20261121T003000Z is still later than 20261121T002959Z \
             (20261121T001459Z + 15 min.)"
        );
        // Absurd clocks do not panic.
        assert!(received.check(SECRET, 0).is_err());
        assert!(received.check(SECRET, u64::MAX).is_err());
    }
}

#[test]
fn presigned_expiry() {
    let received = sign_with_oracle(&presigned());
    // Valid for X-Amz-Expires (300 s) after its date, well past 15 minutes
    // when X-Amz-Expires says so.
    received.check(SECRET, NOW).unwrap();
    received.check(SECRET, NOW + 300).unwrap();
    let err = received.check(SECRET, NOW + 301).unwrap_err();
    assert_eq!(err.code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Request has expired: 20261121T003500Z (20261121T003000Z + 300 sec.) is now earlier \
         than 20261121T003501Z."
    );
    // Dated in the future: same rule as for headers.
    received.check(SECRET, NOW - 900).unwrap();
    assert!(matches!(
        received.check(SECRET, NOW - 901),
        Err(SigV4Error::SignatureNotYetCurrent { .. })
    ));

    let mut week = presigned();
    week.presign = Some(Duration::from_hours(7 * 24));
    let received = sign_with_oracle(&week);
    received.check(SECRET, NOW + 604_800).unwrap();
    assert!(matches!(
        received.check(SECRET, NOW + 604_801),
        Err(SigV4Error::PresignedUrlExpired { .. })
    ));

    // Stretching X-Amz-Expires breaks the signature: it is signed.
    let mut r = sign_with_oracle(&presigned());
    r.query = r
        .query
        .map(|q| q.replace("X-Amz-Expires=300", "X-Amz-Expires=3000"));
    assert_eq!(
        r.check(SECRET, NOW + 1000).unwrap_err(),
        SigV4Error::SignatureMismatch
    );
}

#[test]
fn credential_date_must_match_request_date() {
    let received = sign_with_oracle(&botocore());
    let auth = received.header_str("authorization");
    let mut r = received.clone();
    r.set_header("authorization", &auth.replace("/20261121/", "/20261120/"));
    let err = r.check(SECRET, NOW).unwrap_err();
    assert_eq!(err.code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
         HTTP: '20261120' != '20261121', from '20261121T003000Z'."
    );

    // Another time on the same day: the scope is fine, the signature is not.
    let mut r = received;
    r.set_header("x-amz-date", "20261121T003100Z");
    assert_eq!(
        r.check(SECRET, NOW).unwrap_err(),
        SigV4Error::SignatureMismatch
    );
}

#[test]
fn wrong_region_or_service_for_this_server() {
    let received = sign_with_oracle(&botocore());
    let parsed = received.check(SECRET, NOW).unwrap();
    let err = check_scope(&parsed, "eu-west-1", "ram").unwrap_err();
    assert_eq!(err.code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Credential should be scoped to a valid region, not 'us-east-1'. "
    );
    let err = check_scope(&parsed, "us-east-1", "sts").unwrap_err();
    assert_eq!(
        err.message(),
        "Credential should be scoped to correct service: 'sts'. "
    );
}

#[test]
fn malformed_authentication() {
    let received = sign_with_oracle(&botocore());
    let auth = received.header_str("authorization");

    let mut r = received.clone();
    r.headers.remove("authorization");
    let err = r.check(SECRET, NOW).unwrap_err();
    assert_eq!(err, SigV4Error::MissingAuthenticationToken);
    assert_eq!(err.code(), "MissingAuthenticationTokenException");
    assert_eq!(err.status(), 403);
    assert_eq!(err.message(), "Missing Authentication Token");

    let mut r = received.clone();
    r.headers.remove("x-amz-date");
    let err = r.check(SECRET, NOW).unwrap_err();
    assert_eq!(err.code(), "IncompleteSignatureException");
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.message(),
        format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. Authorization={auth}"
        )
    );

    let (credential, rest) = auth.split_once(", SignedHeaders=").unwrap();
    let (signed_headers, signature) = rest.split_once(", Signature=").unwrap();
    for bad in [
        credential.to_owned(),
        format!("{credential}, Signature={signature}"),
        format!("AWS4-HMAC-SHA256 SignedHeaders={signed_headers}, Signature={signature}"),
        auth.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
        auth.replace("AWS4-HMAC-SHA256 ", ""),
        auth.replace("/aws4_request", ""),
        auth.replace("/aws4_request", "/aws5_request"),
        auth.replace("host;", ""),
        auth.replace("Credential=", "Credential"),
        auth.replace(", ", " "),
        format!("{auth}, Signature={signature}"),
    ] {
        let mut r = received.clone();
        r.set_header("authorization", &bad);
        let err = r.check(SECRET, NOW).unwrap_err();
        assert_eq!(err.code(), "IncompleteSignatureException", "{bad}: {err}");
        assert_eq!(err.status(), 400);
    }

    let mut r = received.clone();
    r.set_header("x-amz-date", "2026-11-21T00:30:00Z");
    let err = r.check(SECRET, NOW).unwrap_err();
    assert_eq!(err.code(), "IncompleteSignatureException");
    assert_eq!(
        err.message(),
        "Date must be in ISO-8601 'basic format'. Got '2026-11-21T00:30:00Z'. See \
         http://en.wikipedia.org/wiki/ISO_8601"
    );

    // A presigned URL missing a piece.
    let presigned = sign_with_oracle(&presigned());
    let query = presigned.query.clone().unwrap();
    for param in [
        "X-Amz-Date",
        "X-Amz-Credential",
        "X-Amz-SignedHeaders",
        "X-Amz-Expires",
    ] {
        let mut r = presigned.clone();
        r.query = Some(
            query
                .split('&')
                .filter(|p| !p.starts_with(param))
                .collect::<Vec<_>>()
                .join("&"),
        );
        let err = r.check(SECRET, NOW).unwrap_err();
        assert_eq!(err.code(), "IncompleteSignatureException", "{param}");
    }
    let mut r = presigned;
    r.query = Some(
        query
            .split('&')
            .filter(|p| !p.starts_with("X-Amz-"))
            .collect::<Vec<_>>()
            .join("&"),
    );
    assert_eq!(
        r.check(SECRET, NOW).unwrap_err(),
        SigV4Error::MissingAuthenticationToken
    );
}

/// The `Date` header stands in for `X-Amz-Date`. `aws-sigv4` always sends
/// `X-Amz-Date`, so this canonical request is written out by hand and only
/// the key derivation and HMAC come from the oracle.
#[test]
fn date_header_instead_of_x_amz_date() {
    let date = "Sat, 21 Nov 2026 00:30:00 GMT";
    let body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\ndate:{date}\n\
         host:sts.amazonaws.com\n\ncontent-type;date;host\n{}",
        hex_sha256(body)
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n20261121T003000Z\n20261121/us-east-1/sts/aws4_request\n{}",
        hex_sha256(canonical_request.as_bytes())
    );
    let key = v4::generate_signing_key(
        SECRET,
        UNIX_EPOCH + Duration::from_secs(NOW),
        "us-east-1",
        "sts",
    );
    let signature = v4::calculate_signature(key, string_to_sign.as_bytes());

    let mut received = Received {
        method: "POST".into(),
        path: "/".into(),
        query: None,
        headers: HeaderMap::new(),
        body: body.to_vec(),
    };
    received.set_header("content-type", "application/x-www-form-urlencoded");
    received.set_header("date", date);
    received.set_header("host", "sts.amazonaws.com");
    received.set_header(
        "authorization",
        &format!(
            "AWS4-HMAC-SHA256 Credential={AKID}/20261121/us-east-1/sts/aws4_request, \
             SignedHeaders=content-type;date;host, Signature={signature}"
        ),
    );
    let parsed = received.check(SECRET, NOW).unwrap();
    assert_eq!(parsed.timestamp, NOW);

    let mut r = received.clone();
    r.set_header("date", "Sat, 21 Nov 2026 00:30:01 GMT");
    assert_eq!(
        r.check(SECRET, NOW).unwrap_err(),
        SigV4Error::SignatureMismatch
    );
    assert!(matches!(
        received.check(SECRET, NOW + 3600),
        Err(SigV4Error::SignatureExpired { .. })
    ));
}

fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

// --------------------------------------------------------- property tests --

/// `SplitMix64`: small, deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next().to_le_bytes()[0]).collect()
    }

    /// Text that is legal, unescaped or escaped, in a URI path or query.
    fn uri_text(&mut self, extra_raw: &[u8], max_len: usize) -> String {
        const UNRESERVED: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let mut out = String::new();
        for _ in 0..self.below(max_len + 1) {
            match self.below(10) {
                0..=5 => out.push(char::from(*self.pick(UNRESERVED))),
                6 if !extra_raw.is_empty() => out.push(char::from(*self.pick(extra_raw))),
                7 => {
                    // Any byte escaped, upper- or lower-case hex.
                    let byte = self.next().to_le_bytes()[0];
                    if self.chance(50) {
                        write!(out, "%{byte:02X}").unwrap();
                    } else {
                        write!(out, "%{byte:02x}").unwrap();
                    }
                }
                8 => {
                    out.push_str(self.pick::<&str>(&[
                        "%C3%A9",
                        "%E2%82%AC",
                        "%F0%9F%A6%80",
                        "%20",
                    ]));
                }
                _ => out.push_str(self.pick::<&str>(&["%", "%z", "%2", "+", ".", ".."])),
            }
        }
        out
    }

    fn path(&mut self) -> String {
        let mut path = String::new();
        for _ in 0..self.below(5) {
            path.push('/');
            match self.below(8) {
                0 => path.push('.'),
                1 => path.push_str(".."),
                2 => {}
                _ => path.push_str(&self.uri_text(b"!$&'()*+,;=:@", 12)),
            }
        }
        if self.chance(20) {
            path.push('/');
        }
        if path.is_empty() {
            "/".to_owned()
        } else {
            path
        }
    }

    fn query(&mut self) -> Option<String> {
        if self.chance(30) {
            return None;
        }
        let mut params = vec![];
        for _ in 0..self.below(6) {
            let name = self.uri_text(b"!$'()*,;:@/?", 8);
            match self.below(5) {
                0 => params.push(name),
                1 => params.push(format!("{name}=")),
                _ => params.push(format!("{name}={}", self.uri_text(b"!$'()*,;:@/?=", 16))),
            }
        }
        if self.chance(10) {
            params.push(String::new()); // a stray '&'
        }
        Some(params.join("&"))
    }

    fn header_value(&mut self) -> String {
        let mut value: String = (0..self.below(20))
            .map(|_| char::from(b' ' + u8::try_from(self.below(95)).unwrap()))
            .collect();
        if self.chance(20) {
            value = format!("  {value}   x  \t y ");
        }
        value
    }
}

/// Whatever a client signs with `aws-sigv4`, the server verifies.
#[test]
fn oracle_signed_requests_always_verify() {
    let mut rng = Rng(0x5EED_5167);
    let (mut presigned, mut with_query, mut dotted, mut tokens) = (0, 0, 0, 0);
    for i in 0..400 {
        let path = rng.path();
        let query = rng.query();
        let uri = match &query {
            Some(q) => format!("https://{HOST}{path}?{q}"),
            None => format!("https://{HOST}{path}"),
        };
        let method = *rng.pick(&["GET", "POST", "PUT", "DELETE", "PATCH"]);
        let body = if method == "GET" {
            vec![]
        } else {
            rng.bytes(300)
        };
        let mut spec = Spec::new(method, &uri, &body).signed("host", HOST);
        for _ in 0..rng.below(4) {
            let name = *rng.pick(&[
                "content-type",
                "x-amz-target",
                "x-amz-meta-Mixed-Case",
                "X-Custom",
                "x-amz-user-agent",
            ]);
            let value = rng.header_value();
            spec = spec.signed(name, &value);
        }
        if rng.chance(30) {
            spec = spec.unsigned("user-agent", &rng.header_value());
        }
        spec.region = rng
            .pick(&["us-east-1", "eu-west-3", "ap-southeast-2"])
            .to_string();
        spec.service = rng.pick(&["ram", "sts", "execute-api"]).to_string();
        if rng.chance(25) {
            spec.session_token = Some(format!("token{}/+=", rng.next()));
        }
        if rng.chance(20) {
            spec.presign = Some(Duration::from_secs(1 + rng.next() % 604_800));
        }
        spec.content_sha256_header = spec.presign.is_none() && rng.chance(15);
        spec.time = NOW - 86_400 * 30 + rng.next() % (86_400 * 60);
        let skew = rng.next() % 1801;
        let mut now = (spec.time + skew).saturating_sub(900);
        if let Some(expires) = spec.presign {
            now = now.min(spec.time + expires.as_secs());
            presigned += 1;
        }
        with_query += usize::from(query.as_deref().is_some_and(|q| !q.is_empty()));
        dotted += usize::from(path.contains("/."));
        tokens += usize::from(spec.session_token.is_some());

        let received = sign_with_oracle(&spec);
        let parsed = received
            .check(SECRET, now)
            .unwrap_or_else(|e| panic!("case {i}: {e}\nuri: {uri}\nreceived: {received:?}"));
        assert_eq!(parsed.timestamp, spec.time);
        assert_eq!(parsed.session_token, spec.session_token);

        // And one changed byte anywhere in the body breaks it.
        if !received.body.is_empty() {
            let mut r = received.clone();
            let at = rng.below(r.body.len());
            r.body[at] ^= 1 << rng.below(8);
            let expected = if spec.content_sha256_header {
                SigV4Error::ContentSha256Mismatch
            } else {
                SigV4Error::SignatureMismatch
            };
            assert_eq!(r.check(SECRET, now).unwrap_err(), expected, "case {i}");
        }
    }
    // The generator did reach the interesting shapes.
    assert!(presigned > 50 && with_query > 200 && dotted > 100 && tokens > 50);
}

/// Garbage in, an error out, never a panic.
#[test]
fn garbage_never_panics() {
    let good = sign_with_oracle(&botocore());
    let auth = good.header_str("authorization");
    let mut rng = Rng(42);
    let pieces = [
        "AWS4-HMAC-SHA256",
        " ",
        ",",
        "=",
        ";",
        "/",
        "Credential",
        "SignedHeaders",
        "Signature",
        "aws4_request",
        "host",
        "\t",
        "é",
        "\u{0}",
        "%",
        "X-Amz-Signature",
        "&",
    ];
    for _ in 0..2000 {
        let mut r = good.clone();
        // Mutate the valid header: insert, delete or replace a few characters.
        let mut text: Vec<char> = auth.chars().collect();
        for _ in 0..=rng.below(4) {
            let at = rng.below(text.len() + 1);
            match rng.below(3) {
                0 => text
                    .splice(at..at, rng.pick(&pieces).chars())
                    .for_each(drop),
                1 if at < text.len() => drop(text.remove(at)),
                _ if at < text.len() => text[at] = char::from(rng.next().to_le_bytes()[0]),
                _ => {}
            }
        }
        let text: String = text.into_iter().collect();
        if let Ok(value) = HeaderValue::from_bytes(text.as_bytes()) {
            r.headers.insert("authorization", value);
        }
        // Random bytes in other headers, path and query.
        for name in [
            "x-amz-date",
            "date",
            "x-amz-security-token",
            "x-amz-content-sha256",
            "host",
        ] {
            if rng.chance(20) {
                if let Ok(value) = HeaderValue::from_bytes(&rng.bytes(40)) {
                    r.headers.insert(name, value);
                }
            } else if rng.chance(5) {
                r.headers.remove(name);
            }
        }
        if rng.chance(30) {
            r.path = String::from_utf8_lossy(&rng.bytes(30)).into_owned();
        }
        if rng.chance(30) {
            let garbage: String = (0..rng.below(60))
                .map(|_| rng.pick(&pieces).to_string())
                .collect();
            r.query = Some(garbage);
        }
        if rng.chance(10) {
            r.headers.remove("authorization");
        }
        let random = rng.next();
        let now = *rng.pick(&[0, NOW, u64::MAX, random]);
        let req = r.request();
        if let Ok(parsed) = parse(&req) {
            let _ = verify(&req, &parsed, SECRET, now);
        }
    }

    // The same for a presigned URL's query.
    let good = sign_with_oracle(&presigned());
    let query = good.query.clone().unwrap();
    for _ in 0..2000 {
        let mut text: Vec<char> = query.chars().collect();
        for _ in 0..=rng.below(4) {
            let at = rng.below(text.len() + 1);
            match rng.below(3) {
                0 => text
                    .splice(at..at, rng.pick(&pieces).chars())
                    .for_each(drop),
                1 if at < text.len() => drop(text.remove(at)),
                _ if at < text.len() => text[at] = char::from(rng.next().to_le_bytes()[0]),
                _ => {}
            }
        }
        let mut r = good.clone();
        r.query = Some(text.into_iter().collect());
        let random = rng.next();
        let now = *rng.pick(&[0, NOW, u64::MAX, random]);
        let req = r.request();
        if let Ok(parsed) = parse(&req) {
            let _ = verify(&req, &parsed, SECRET, now);
        }
    }

    // Hand-made nonsense in the public struct is fine too.
    let req = good.request();
    for timestamp in [0, 1, NOW, u64::MAX] {
        let parsed = ParsedAuth {
            access_key_id: String::new(),
            date: "é".repeat(3),
            region: String::new(),
            service: String::new(),
            signed_headers: vec![String::new(), "Not A Header".into(), "é".into()],
            signature: "zz".into(),
            timestamp,
            session_token: None,
            expires: Some(u64::MAX),
        };
        assert!(verify(&req, &parsed, "", u64::MAX).is_err());
    }
}
