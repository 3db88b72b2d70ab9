//! Checking a parsed signature against the request and the caller's secret.

use crate::canonical::canonical_request;
use crate::error::SigV4Error;
use crate::time::format_amz_date;
use crate::{ALGORITHM, ParsedAuth, Request};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How far the request time may be from the server's clock, either way.
const MAX_SKEW_SECS: u64 = 15 * 60;

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Verifies `parsed` (from [`crate::parse`] on the same `req`) with the secret
/// key the caller found for `parsed.access_key_id`, at `now_epoch_secs`.
///
/// Checks, in order: the credential-scope date against the request time; the
/// request time against `now` (±15 minutes, or for a presigned URL up to
/// `X-Amz-Expires` after it); `x-amz-content-sha256` against the body; the
/// signature itself, compared in constant time.
pub fn verify(
    req: &Request<'_>,
    parsed: &ParsedAuth,
    secret_access_key: &str,
    now_epoch_secs: u64,
) -> Result<(), SigV4Error> {
    let amz_date = format_amz_date(parsed.timestamp);
    if amz_date.get(..8) != Some(parsed.date.as_str()) {
        return Err(SigV4Error::CredentialDateMismatch {
            scope_date: parsed.date.clone(),
            request_time: amz_date,
        });
    }
    check_time(parsed, &amz_date, now_epoch_secs)?;

    // The body is always hashed here: a client-supplied hash is only checked,
    // never trusted, so the signature always covers the bytes received.
    let payload_hash = hex::encode(Sha256::digest(req.body));
    check_content_sha256(req, &payload_hash)?;

    let creq = canonical_request(
        req,
        &parsed.signed_headers,
        parsed.expires.is_some(),
        &payload_hash,
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        parsed.date, parsed.region, parsed.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(&creq))
    );
    let key = signing_key(secret_access_key, parsed);
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));

    if bool::from(expected.as_bytes().ct_eq(parsed.signature.as_bytes())) {
        Ok(())
    } else {
        Err(SigV4Error::SignatureMismatch)
    }
}

fn check_time(parsed: &ParsedAuth, amz_date: &str, now: u64) -> Result<(), SigV4Error> {
    let t = parsed.timestamp;
    let latest = now.saturating_add(MAX_SKEW_SECS);
    if t > latest {
        return Err(SigV4Error::SignatureNotYetCurrent {
            request_time: amz_date.to_owned(),
            latest: format_amz_date(latest),
            now: format_amz_date(now),
        });
    }
    if let Some(expires_secs) = parsed.expires {
        // A presigned URL is good from its date until date + X-Amz-Expires.
        let expired_at = t.saturating_add(expires_secs);
        if now > expired_at {
            return Err(SigV4Error::PresignedUrlExpired {
                request_time: amz_date.to_owned(),
                expires_secs,
                expired_at: format_amz_date(expired_at),
                now: format_amz_date(now),
            });
        }
    } else {
        let earliest = now.saturating_sub(MAX_SKEW_SECS);
        if t < earliest {
            return Err(SigV4Error::SignatureExpired {
                request_time: amz_date.to_owned(),
                earliest: format_amz_date(earliest),
                now: format_amz_date(now),
            });
        }
    }
    Ok(())
}

/// A client-supplied `x-amz-content-sha256` must be the body's hash, or
/// `UNSIGNED-PAYLOAD` (which is tolerated but changes nothing: the canonical
/// request still uses the real hash, so an unsigned payload cannot pass).
fn check_content_sha256(req: &Request<'_>, payload_hash: &str) -> Result<(), SigV4Error> {
    for value in req.headers.get_all(X_AMZ_CONTENT_SHA256) {
        let value = value.as_bytes().trim_ascii();
        if value != UNSIGNED_PAYLOAD.as_bytes()
            && !value.eq_ignore_ascii_case(payload_hash.as_bytes())
        {
            return Err(SigV4Error::ContentSha256Mismatch);
        }
    }
    Ok(())
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`
fn signing_key(secret: &str, parsed: &ParsedAuth) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), parsed.date.as_bytes());
    let k_region = hmac(&k_date, parsed.region.as_bytes());
    let k_service = hmac(&k_region, parsed.service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "get-vanilla" case from the AWS `SigV4` test suite: it pins the key
    /// derivation and string-to-sign independently of the oracle tests.
    #[test]
    fn aws_test_suite_get_vanilla() {
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                .parse()
                .unwrap(),
        );
        let req = Request {
            method: "GET",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
        };
        let parsed = crate::parse(&req).unwrap();
        let now = parsed.timestamp;
        verify(
            &req,
            &parsed,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            now,
        )
        .unwrap();
        assert_eq!(
            verify(&req, &parsed, "wrong", now),
            Err(SigV4Error::SignatureMismatch)
        );
    }

    #[test]
    fn signing_key_matches_aws_docs_example() {
        // From "Examples of how to derive a signing key for Signature Version 4".
        let parsed = ParsedAuth {
            access_key_id: String::new(),
            date: "20120215".into(),
            region: "us-east-1".into(),
            service: "iam".into(),
            signed_headers: vec![],
            signature: String::new(),
            timestamp: 0,
            session_token: None,
            expires: None,
        };
        assert_eq!(
            hex::encode(signing_key(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                &parsed
            )),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }
}
