use std::fmt;

use crate::ErrorCode;

/// The one error type of the API surface: an AWS error code (which knows its HTTP status) and
/// the message clients show. Everything a caller can see as an error goes through this.
/// Some services qualify a code with a `Reason` (Organizations' `ConstraintViolationException`,
/// `InvalidInputException`, ...); protocols whose errors have no such member leave it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub reason: Option<&'static str>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// The same error qualified by a reason (e.g. `OU_DEPTH_LIMIT_EXCEEDED`).
    #[must_use]
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The generic answer for failures that are ramd's fault; details go to the log, not the caller.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::ServerInternalException,
            "The service could not respond to the request due to an internal problem. Try again later.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::ServiceUnavailableException,
            "The service isn't available. Try again later.",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// `api_error!(InvalidParameterException, "text {}", x)` builds an [`ApiError`].
#[macro_export]
macro_rules! api_error {
    ($code:ident, $($arg:tt)+) => {
        $crate::ApiError::new($crate::ErrorCode::$code, format!($($arg)+))
    };
}
