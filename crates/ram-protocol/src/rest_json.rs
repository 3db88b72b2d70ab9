//! RAM's restJson1: every operation is its own path; three are DELETE with query parameters,
//! one is a POST with its input in the query string; the others POST a JSON body.

use ram_model::spec::{Kind, Location, shape};
use ram_model::validate::validate_input;
use ram_model::{ApiError, ErrorCode, Json, OPERATIONS, Operation, api_error};
use serde_json::Value;

use crate::Reply;

/// The operation served at `method path` (the path without its query string).
pub fn route(method: &str, path: &str) -> Result<Operation, ApiError> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    OPERATIONS
        .iter()
        .find(|op| op.method.eq_ignore_ascii_case(method) && op.path.eq_ignore_ascii_case(path))
        .map(|op| op.operation)
        .ok_or_else(unknown_operation)
}

/// The error for a method and path that name no operation (404).
pub fn unknown_operation() -> ApiError {
    ApiError::new(
        ErrorCode::UnknownOperationException,
        "The requested operation is not recognized by the service.",
    )
}

/// Builds the operation's input document from the query string and the body, then checks it
/// against every constraint of the model.
pub fn decode(operation: Operation, query: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    let spec = operation.spec();
    let mut input = crate::json_body(body)?;
    let Kind::Structure(members) = &shape(spec.input).kind else {
        unreachable!("operation inputs are structures")
    };
    if let (Some(object), Some(query)) = (input.as_object_mut(), query) {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let Some(member) = members
                .iter()
                .find(|m| m.location == Location::Query && m.name == name)
            else {
                continue;
            };
            let typed = match shape(member.shape).kind {
                Kind::Integer { .. } => value.parse::<i64>().map(Value::from).map_err(|_| {
                    api_error!(
                        SerializationException,
                        "The query parameter {name} must be an integer, not '{value}'."
                    )
                })?,
                Kind::Boolean => Value::Bool(value == "true"),
                _ => Value::String(value.into_owned()),
            };
            object.insert(member.name.to_owned(), typed);
        }
    }
    let range_code = if operation == Operation::GetResourceShareInvitations {
        ErrorCode::InvalidMaxResultsException
    } else {
        ErrorCode::InvalidParameterException
    };
    validate_input(spec.input, &input, range_code)?;
    Ok(input)
}

/// A successful answer: HTTP 200 with the output document.
pub fn ok(output: Json, request_id: &str) -> Reply {
    Reply {
        status: 200,
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-amzn-requestid", request_id.to_owned()),
        ],
        body: output.0,
    }
}

/// An error as every SDK reads it: the code in `x-amzn-ErrorType` (and `__type`), the text in
/// `message`, the status the code is modelled with.
pub fn error(e: &ApiError, request_id: &str) -> Reply {
    let body = serde_json::json!({"__type": e.code.as_str(), "message": e.message});
    Reply {
        status: e.status(),
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-amzn-errortype", e.code.as_str().to_owned()),
            ("x-amzn-requestid", request_id.to_owned()),
        ],
        body: body.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_every_operation_and_rejects_others() {
        for op in OPERATIONS {
            assert_eq!(route(op.method, op.path).unwrap(), op.operation);
        }
        assert_eq!(
            route("GET", "/getresourceshares").unwrap_err().code,
            ErrorCode::UnknownOperationException
        );
        assert_eq!(
            route("POST", "/nope").unwrap_err().code,
            ErrorCode::UnknownOperationException
        );
        assert_eq!(ErrorCode::UnknownOperationException.status(), 404);
    }

    #[test]
    fn query_members_are_typed() {
        let v = decode(
            Operation::DeletePermissionVersion,
            Some("permissionArn=arn%3Aaws%3Aram%3A%3Aaws%3Apermission%2FX&permissionVersion=2&clientToken=t"),
            b"",
        )
        .unwrap();
        assert_eq!(v["permissionVersion"], 2);
        assert_eq!(v["permissionArn"], "arn:aws:ram::aws:permission/X");
        let e = decode(
            Operation::DeletePermissionVersion,
            Some("permissionArn=x&permissionVersion=two"),
            b"",
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
        let e = decode(Operation::DeleteResourceShare, None, b"").unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingRequiredParameterException);
    }

    #[test]
    fn bodies() {
        assert_eq!(
            decode(Operation::GetResourceShares, None, b"{not json")
                .unwrap_err()
                .code,
            ErrorCode::SerializationException
        );
        assert_eq!(
            decode(
                Operation::GetResourceShareInvitations,
                None,
                br#"{"maxResults": 501}"#
            )
            .unwrap_err()
            .code,
            ErrorCode::InvalidMaxResultsException
        );
        assert!(decode(Operation::EnableSharingWithAwsOrganization, None, b"").is_ok());
        let r = error(&api_error!(UnknownResourceException, "gone"), "rid");
        assert_eq!(r.status, 400);
        assert!(
            r.headers
                .contains(&("x-amzn-errortype", "UnknownResourceException".into()))
        );
    }
}
