//! The errors a `SigV4` check can end in, with the codes, HTTP statuses and
//! messages AWS returns for them.

use std::fmt;

/// Why a request failed authentication.
///
/// Every variant maps onto one of the three error codes AWS uses for `SigV4`
/// failures (see [`SigV4Error::code`]); the variants are finer-grained so that
/// callers and tests can tell the reasons apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor presigned query parameters.
    MissingAuthenticationToken,
    /// The `Authorization` header or the presigned query parameters are
    /// malformed or incomplete. Carries the full AWS-style message.
    IncompleteSignature(String),
    /// The signature does not match the one computed from the request.
    SignatureMismatch,
    /// `x-amz-content-sha256` is present and is neither `UNSIGNED-PAYLOAD` nor
    /// the SHA-256 of the body.
    ContentSha256Mismatch,
    /// The request time is more than 15 minutes before `now`.
    /// All three fields are ISO-8601 basic timestamps (`20261121T000000Z`).
    SignatureExpired {
        request_time: String,
        earliest: String,
        now: String,
    },
    /// The request time is more than 15 minutes after `now`.
    SignatureNotYetCurrent {
        request_time: String,
        latest: String,
        now: String,
    },
    /// A presigned URL used after `X-Amz-Date + X-Amz-Expires`.
    PresignedUrlExpired {
        request_time: String,
        expires_secs: u64,
        expired_at: String,
        now: String,
    },
    /// The date in the credential scope differs from the date of the request
    /// time (`X-Amz-Date` or `Date`).
    CredentialDateMismatch {
        scope_date: String,
        request_time: String,
    },
    /// The credential scope names a region other than the server's
    /// (only returned by [`crate::check_scope`]).
    WrongRegion { found: String },
    /// The credential scope names a service other than the server's
    /// (only returned by [`crate::check_scope`]).
    WrongService { expected: String },
}

impl SigV4Error {
    /// The AWS error code, as sent in `x-amzn-ErrorType` / `__type` / `<Code>`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature(_) => "IncompleteSignatureException",
            Self::SignatureMismatch
            | Self::ContentSha256Mismatch
            | Self::SignatureExpired { .. }
            | Self::SignatureNotYetCurrent { .. }
            | Self::PresignedUrlExpired { .. }
            | Self::CredentialDateMismatch { .. }
            | Self::WrongRegion { .. }
            | Self::WrongService { .. } => "InvalidSignatureException",
        }
    }

    /// The HTTP status AWS answers with: 400 for a malformed signature, 403
    /// for everything else.
    pub fn status(&self) -> u16 {
        match self {
            Self::IncompleteSignature(_) => 400,
            _ => 403,
        }
    }

    /// The human-readable message, worded as AWS words it.
    pub fn message(&self) -> String {
        match self {
            Self::MissingAuthenticationToken => "Missing Authentication Token".to_owned(),
            Self::IncompleteSignature(message) => message.clone(),
            Self::SignatureMismatch => "The request signature we calculated does not match the \
                 signature you provided. Check your AWS Secret Access Key and signing method. \
                 Consult the service documentation for details."
                .to_owned(),
            Self::ContentSha256Mismatch => {
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .to_owned()
            }
            Self::SignatureExpired {
                request_time,
                earliest,
                now,
            } => format!(
                "Signature expired: {request_time} is now earlier than {earliest} \
                 ({now} - 15 min.)"
            ),
            Self::SignatureNotYetCurrent {
                request_time,
                latest,
                now,
            } => format!(
                "Signature not yet current: {request_time} is still later than {latest} \
                 ({now} + 15 min.)"
            ),
            Self::PresignedUrlExpired {
                request_time,
                expires_secs,
                expired_at,
                now,
            } => format!(
                "Request has expired: {expired_at} ({request_time} + {expires_secs} sec.) \
                 is now earlier than {now}."
            ),
            Self::CredentialDateMismatch {
                scope_date,
                request_time,
            } => {
                let http_date = request_time.get(..8).unwrap_or(request_time);
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of \
                     date from HTTP: '{scope_date}' != '{http_date}', from '{request_time}'."
                )
            }
            Self::WrongRegion { found } => {
                format!("Credential should be scoped to a valid region, not '{found}'. ")
            }
            Self::WrongService { expected } => {
                format!("Credential should be scoped to correct service: '{expected}'. ")
            }
        }
    }
}

impl fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for SigV4Error {}

#[cfg(test)]
mod tests {
    use super::SigV4Error;

    #[test]
    fn codes_and_statuses() {
        let missing = SigV4Error::MissingAuthenticationToken;
        assert_eq!(missing.code(), "MissingAuthenticationTokenException");
        assert_eq!(missing.status(), 403);
        assert_eq!(missing.message(), "Missing Authentication Token");

        let incomplete = SigV4Error::IncompleteSignature("x".into());
        assert_eq!(incomplete.code(), "IncompleteSignatureException");
        assert_eq!(incomplete.status(), 400);

        let mismatch = SigV4Error::SignatureMismatch;
        assert_eq!(mismatch.code(), "InvalidSignatureException");
        assert_eq!(mismatch.status(), 403);
        assert!(
            mismatch
                .message()
                .starts_with("The request signature we calculated")
        );
    }

    #[test]
    fn expiry_messages_read_like_aws() {
        let expired = SigV4Error::SignatureExpired {
            request_time: "20261121T000000Z".into(),
            earliest: "20261121T001500Z".into(),
            now: "20261121T003000Z".into(),
        };
        assert_eq!(
            expired.message(),
            "Signature expired: 20261121T000000Z is now earlier than 20261121T001500Z \
             (20261121T003000Z - 15 min.)"
        );
        let future = SigV4Error::SignatureNotYetCurrent {
            request_time: "20261121T010000Z".into(),
            latest: "20261121T004500Z".into(),
            now: "20261121T003000Z".into(),
        };
        assert_eq!(
            future.message(),
            "Signature not yet current: 20261121T010000Z is still later than 20261121T004500Z \
             (20261121T003000Z + 15 min.)"
        );
        let scope = SigV4Error::CredentialDateMismatch {
            scope_date: "20261120".into(),
            request_time: "20261121T003000Z".into(),
        };
        assert_eq!(
            scope.message(),
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '20261120' != '20261121', from '20261121T003000Z'."
        );
    }
}
