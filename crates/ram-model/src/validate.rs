//! Checks an input document against the model before it is turned into a typed request, so that
//! every constraint of `service-2.json` answers with an AWS error instead of a serde message.
//! botocore checks only required members and numeric minimums; everything else is ours to check.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::spec::{Kind, shape};
use crate::{ApiError, ErrorCode, api_error};

/// Validates `value` as an instance of the structure `input_shape`.
/// `range_code` is the error for an out-of-range `maxResults` (RAM models
/// `InvalidMaxResultsException` on one operation and `InvalidParameterException` elsewhere).
pub fn validate_input(
    input_shape: &str,
    value: &Value,
    range_code: ErrorCode,
) -> Result<(), ApiError> {
    if !value.is_object() {
        return Err(api_error!(
            SerializationException,
            "Start of structure or map found where not expected."
        ));
    }
    check(input_shape, value, "", range_code)
}

fn check(
    shape_name: &str,
    value: &Value,
    path: &str,
    range_code: ErrorCode,
) -> Result<(), ApiError> {
    if value.is_null() {
        return Ok(());
    }
    match &shape(shape_name).kind {
        Kind::Structure(members) => {
            let Some(object) = value.as_object() else {
                return Err(type_error(path, "structure"));
            };
            for member in *members {
                let member_path = join(path, member.name);
                match object.get(member.name) {
                    None | Some(Value::Null) if member.required => {
                        return Err(ApiError::new(
                            ErrorCode::MissingRequiredParameterException,
                            format!("The request is missing the required parameter {member_path}."),
                        ));
                    }
                    None => {}
                    Some(v) => check(member.shape, v, &member_path, range_code)?,
                }
            }
            Ok(())
        }
        Kind::List(member_shape) => {
            let Some(items) = value.as_array() else {
                return Err(type_error(path, "list"));
            };
            for (i, item) in items.iter().enumerate() {
                if item.is_null() {
                    return Err(api_error!(
                        InvalidParameterException,
                        "The list {path} must not contain null values."
                    ));
                }
                check(member_shape, item, &format!("{path}.{}", i + 1), range_code)?;
            }
            Ok(())
        }
        Kind::String {
            min,
            max,
            pattern,
            values,
        } => {
            let Some(s) = value.as_str() else {
                return Err(type_error(path, "string"));
            };
            let len = s.chars().count();
            if let Some(values) = values
                && !values.contains(&s)
            {
                return Err(constraint(
                    path,
                    s,
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ),
                ));
            }
            if let Some(min) = min
                && len < *min
            {
                return Err(constraint(
                    path,
                    s,
                    &format!("Member must have length greater than or equal to {min}"),
                ));
            }
            if let Some(max) = max
                && len > *max
            {
                return Err(constraint(
                    path,
                    s,
                    &format!("Member must have length less than or equal to {max}"),
                ));
            }
            if let Some(pattern) = pattern
                && !anchored(pattern).is_match(s)
            {
                return Err(constraint(
                    path,
                    s,
                    &format!("Member must satisfy regular expression pattern: {pattern}"),
                ));
            }
            Ok(())
        }
        Kind::Integer { min, max } => {
            let Some(n) = value.as_i64().filter(|n| i32::try_from(*n).is_ok()) else {
                return Err(type_error(path, "integer"));
            };
            let out_of_range = min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m);
            if out_of_range {
                let code = if shape_name == "MaxResults" {
                    range_code
                } else {
                    ErrorCode::InvalidParameterException
                };
                let bound = match (min, max) {
                    (Some(lo), Some(hi)) => format!("Member must have value between {lo} and {hi}"),
                    (Some(lo), None) => {
                        format!("Member must have value greater than or equal to {lo}")
                    }
                    (None, Some(hi)) => {
                        format!("Member must have value less than or equal to {hi}")
                    }
                    (None, None) => unreachable!("out of range needs a bound"),
                };
                return Err(ApiError::new(
                    code,
                    constraint_text(path, &n.to_string(), &bound),
                ));
            }
            Ok(())
        }
        Kind::Boolean => value
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| type_error(path, "boolean")),
        Kind::Timestamp => value
            .as_f64()
            .map(|_| ())
            .ok_or_else(|| type_error(path, "timestamp")),
    }
}

fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_owned()
    } else {
        format!("{path}.{member}")
    }
}

fn type_error(path: &str, expected: &str) -> ApiError {
    api_error!(
        SerializationException,
        "Unexpected value type for '{path}': expected {expected}."
    )
}

fn constraint(path: &str, value: &str, rule: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameterException,
        constraint_text(path, value, rule),
    )
}

/// The text AWS's request validation uses for a constraint violation.
fn constraint_text(path: &str, value: &str, rule: &str) -> String {
    format!(
        "1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {rule}"
    )
}

fn anchored(pattern: &'static str) -> &'static Regex {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(&'static str, &'static Regex)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("regex cache lock");
    if let Some((_, re)) = cache.iter().find(|(p, _)| *p == pattern) {
        return re;
    }
    let re: &'static Regex = Box::leak(Box::new(
        Regex::new(&format!("^(?:{pattern})$")).expect("model pattern is a valid regex"),
    ));
    cache.push((pattern, re));
    re
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn err(shape: &str, v: &Value) -> ApiError {
        validate_input(shape, v, ErrorCode::InvalidParameterException).unwrap_err()
    }

    #[test]
    fn required_member_missing() {
        let e = err("GetResourceSharesRequest", &json!({}));
        assert_eq!(e.code, ErrorCode::MissingRequiredParameterException);
        assert!(e.message.contains("resourceOwner"));
    }

    #[test]
    fn enum_and_range_and_pattern() {
        assert_eq!(
            err("GetResourceSharesRequest", &json!({"resourceOwner": "ME"})).code,
            ErrorCode::InvalidParameterException
        );
        let e = err(
            "GetResourceSharesRequest",
            &json!({"resourceOwner": "SELF", "maxResults": 501}),
        );
        assert_eq!(e.code, ErrorCode::InvalidParameterException);
        assert!(e.message.contains("between 1 and 500"), "{}", e.message);
        let e = validate_input(
            "GetResourceShareInvitationsRequest",
            &json!({"maxResults": 0}),
            ErrorCode::InvalidMaxResultsException,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidMaxResultsException);
        let e = err(
            "CreatePermissionRequest",
            &json!({"name": "a b", "resourceType": "x", "policyTemplate": "{}"}),
        );
        assert!(e.message.contains("pattern"), "{}", e.message);
        let e = err(
            "CreatePermissionRequest",
            &json!({"name": "a".repeat(37), "resourceType": "x", "policyTemplate": "{}"}),
        );
        assert!(
            e.message.contains("less than or equal to 36"),
            "{}",
            e.message
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        assert_eq!(
            err("GetResourceSharesRequest", &json!({"resourceOwner": 3})).code,
            ErrorCode::SerializationException
        );
        assert_eq!(
            err(
                "CreateResourceShareRequest",
                &json!({"name": "n", "principals": "x"})
            )
            .code,
            ErrorCode::SerializationException
        );
        assert_eq!(
            err(
                "CreateResourceShareRequest",
                &json!({"name": "n", "tags": [{"key": 1}]})
            )
            .code,
            ErrorCode::SerializationException
        );
        assert!(
            validate_input(
                "CreateResourceShareRequest",
                &json!([]),
                ErrorCode::InvalidParameterException
            )
            .is_err()
        );
    }

    #[test]
    fn valid_input_passes() {
        validate_input(
            "CreateResourceShareRequest",
            &json!({"name": "n", "principals": ["111111111111"], "tags": [{"key": "k", "value": ""}], "allowExternalPrincipals": true}),
            ErrorCode::InvalidParameterException,
        )
        .unwrap();
    }
}
