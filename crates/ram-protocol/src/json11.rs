//! The AWS JSON 1.1 protocol (AWS Organizations): every request is `POST /` naming its operation
//! in `X-Amz-Target: <prefix>.<Operation>` with a JSON body; answers are JSON, errors carry their
//! code in `__type` and `x-amzn-ErrorType`, their text in `Message` (and a `Reason` where the
//! service qualifies the code).

use ram_model::validate::{Rules, validate_with};
use ram_model::{ApiError, ErrorCode, Json, api_error};
use serde_json::Value;

use crate::Reply;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The operation name of a request whose `X-Amz-Target` is `<prefix>.<Operation>`; `None` when the
/// target names another service (or there is none).
pub fn operation<'a>(target: Option<&'a str>, prefix: &str) -> Option<&'a str> {
    target?.strip_prefix(prefix)?.strip_prefix('.')
}

/// The input document of a request body (an empty body is an empty structure), checked against
/// every constraint of the model: type mismatches are `SerializationException`, constraint
/// violations the code `rules` names for them.
pub fn decode(rules: &Rules, input_shape: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    let input = crate::json_body(body)?;
    match input_shape {
        Some(shape) => validate_with(rules, shape, &input)?,
        None if !input.is_object() => {
            return Err(api_error!(
                SerializationException,
                "Start of structure or map found where not expected."
            ));
        }
        None => {}
    }
    Ok(input)
}

/// A successful answer: HTTP 200 with the output document (`{}` for operations without output).
pub fn ok(output: Json, request_id: &str) -> Reply {
    let body = output.0;
    Reply {
        status: 200,
        headers: vec![
            ("content-type", CONTENT_TYPE.into()),
            ("x-amzn-requestid", request_id.to_owned()),
        ],
        body,
    }
}

/// An error as the SDKs of a JSON 1.1 service read it, with the HTTP status the service gives the
/// code (see `ram_model::organizations::error_status`).
pub fn error(e: &ApiError, status: u16, request_id: &str) -> Reply {
    let mut body = serde_json::json!({"__type": e.code.as_str(), "Message": e.message});
    if let Some(reason) = e.reason {
        body["Reason"] = Value::from(reason);
    }
    Reply {
        status,
        headers: vec![
            ("content-type", CONTENT_TYPE.into()),
            ("x-amzn-errortype", e.code.as_str().to_owned()),
            ("x-amzn-requestid", request_id.to_owned()),
        ],
        body: body.to_string().into_bytes(),
    }
}

/// The error for a target naming no operation the service serves.
pub fn unknown_operation(target: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UnknownOperationException,
        format!("The operation {target} is not recognized by the service."),
    )
}

#[cfg(test)]
mod tests {
    use ram_model::organizations::{self, SHAPES};

    use super::*;

    const PREFIX: &str = "AWSOrganizationsV20161128";

    fn rules() -> Rules {
        Rules::uniform(SHAPES, ErrorCode::InvalidInputException)
    }

    #[test]
    fn reads_the_target() {
        assert_eq!(
            operation(Some("AWSOrganizationsV20161128.ListRoots"), PREFIX),
            Some("ListRoots")
        );
        assert_eq!(operation(Some("AmazonSSM.GetParameter"), PREFIX), None);
        assert_eq!(operation(Some(PREFIX), PREFIX), None);
        assert_eq!(operation(None, PREFIX), None);
        assert!(organizations::Operation::parse("ListRoots").is_some());
        assert!(organizations::Operation::parse("ListDelegatedAdministrators").is_none());
    }

    #[test]
    fn decodes_and_validates() {
        let op = organizations::Operation::CreateOrganizationalUnit;
        let v = decode(
            &rules(),
            op.input(),
            br#"{"ParentId": "r-ab12", "Name": "dev"}"#,
        )
        .unwrap();
        assert_eq!(v["Name"], "dev");
        let e = decode(&rules(), op.input(), br#"{"Name": "dev"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInputException);
        assert_eq!(e.reason, Some("INPUT_REQUIRED"));
        let e = decode(&rules(), op.input(), b"{nope").unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
        let e = decode(&rules(), op.input(), br#"{"ParentId": 3, "Name": "x"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
        // Operations without input take an empty body or an empty object.
        let none = organizations::Operation::DescribeOrganization.input();
        assert_eq!(decode(&rules(), none, b"").unwrap(), serde_json::json!({}));
        assert_eq!(
            decode(&rules(), none, b"{}").unwrap(),
            serde_json::json!({})
        );
        assert!(decode(&rules(), none, b"[]").is_err());
    }

    #[test]
    fn encodes_answers_and_errors() {
        let r = ok(<Json as ram_model::Output>::none(), "rid");
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"{}");
        assert!(r.headers.contains(&("content-type", CONTENT_TYPE.into())));

        let e = api_error!(ConstraintViolationException, "too deep")
            .with_reason("OU_DEPTH_LIMIT_EXCEEDED");
        let r = error(&e, organizations::error_status(e.code), "rid");
        assert_eq!(r.status, 400);
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["__type"], "ConstraintViolationException");
        assert_eq!(body["Message"], "too deep");
        assert_eq!(body["Reason"], "OU_DEPTH_LIMIT_EXCEEDED");
        assert!(
            r.headers
                .contains(&("x-amzn-errortype", "ConstraintViolationException".into()))
        );
        // Organizations answers AccessDeniedException with 400 (RAM's restJson1 with 403).
        let denied = organizations::error_status(ErrorCode::AccessDeniedException);
        assert_eq!(denied, 400);
        assert_eq!(ErrorCode::AccessDeniedException.status(), 403);
        assert_eq!(
            organizations::error_status(unknown_operation("X").code),
            400
        );
        let body: Value =
            serde_json::from_slice(&error(&unknown_operation("X"), 400, "r").body).unwrap();
        assert!(body.get("Reason").is_none());
    }
}
