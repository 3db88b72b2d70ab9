//! Server-side verification of AWS Signature Version 4.
//!
//! A request is checked in two steps so that the caller can look up the
//! secret in between:
//!
//! ```text
//! let parsed = ram_sigv4::parse(&req)?;                  // syntax only
//! let secret = lookup(&parsed.access_key_id)?;           // caller: UnrecognizedClientException
//! ram_sigv4::check_scope(&parsed, "us-east-1", "ram")?;  // optional
//! ram_sigv4::verify(&req, &parsed, &secret, now)?;       // time window, body hash, signature
//! ```
//!
//! Both header-signed requests and presigned URLs are supported, for the
//! canonicalisation rules of every service but S3 (double-encoded, normalised
//! path; signed payload). Not supported: `SigV4a`, chunked (streaming)
//! payload signing, `UNSIGNED-PAYLOAD` (the body is always hashed by the
//! server and must be what was signed).
//!
//! The request's `host` header must be present: with HTTP/2 the caller
//! should insert it from the `:authority` before calling.

mod canonical;
mod encoding;
mod error;
mod parse;
mod time;
mod verify;

use std::fmt;

pub use error::SigV4Error;
pub use parse::{CredentialScope, credential, parse};
pub use verify::verify;

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// A request as the server received it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method as sent, e.g. `"POST"`.
    pub method: &'a str,
    /// The raw path, still percent-encoded, e.g. `"/getresourceshares"`.
    pub path: &'a str,
    /// The raw query string without `?`, still percent-encoded.
    pub query: Option<&'a str>,
    /// The headers; names are case-insensitive.
    pub headers: &'a http::HeaderMap,
    /// The complete body.
    pub body: &'a [u8],
}

/// What the `Authorization` header (or a presigned URL's query) claims,
/// before verification.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub access_key_id: String,
    /// `YYYYMMDD` from the credential scope.
    pub date: String,
    pub region: String,
    pub service: String,
    /// Lowercase, in the order given.
    pub signed_headers: Vec<String>,
    /// Hex, as sent.
    pub signature: String,
    /// The request time in epoch seconds, from `X-Amz-Date` (header or
    /// query), or from `Date` when there is no `X-Amz-Date` header.
    pub timestamp: u64,
    /// `x-amz-security-token` header or `X-Amz-Security-Token` parameter.
    pub session_token: Option<String>,
    /// `X-Amz-Expires` in seconds: `Some` exactly for presigned URLs.
    pub expires: Option<u64>,
}

impl ParsedAuth {
    /// Whether the signature came in the query string rather than a header.
    pub fn is_presigned(&self) -> bool {
        self.expires.is_some()
    }
}

// Hand-written so that session tokens stay out of logs.
impl fmt::Debug for ParsedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedAuth")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("timestamp", &self.timestamp)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

/// Checks that the credential scope names this server's region and service.
///
/// Not part of [`verify`]: the signature covers the scope, so a mismatch
/// there is not a forgery, just a request meant for another endpoint.
pub fn check_scope(parsed: &ParsedAuth, region: &str, service: &str) -> Result<(), SigV4Error> {
    if parsed.region != region {
        return Err(SigV4Error::WrongRegion {
            found: parsed.region.clone(),
        });
    }
    if parsed.service != service {
        return Err(SigV4Error::WrongService {
            expected: service.to_owned(),
        });
    }
    Ok(())
}
