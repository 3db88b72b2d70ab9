//! Checks an input document against the model before it is turned into a typed request, so that
//! every constraint of `service-2.json` answers with an AWS error instead of a serde message.
//! botocore checks only required members and numeric minimums; everything else is ours to check.
//! Every violation carries the reason Organizations names it with (`INPUT_REQUIRED`,
//! `INVALID_PATTERN`, ...); services whose errors have no reason ignore it.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::spec::{Kind, ShapeSpec, shape_in};
use crate::{ApiError, ErrorCode, api_error};

/// Which error each kind of violation is, in the service being validated for.
#[derive(Clone, Copy)]
pub struct Rules {
    /// The model's shapes (`crate::SHAPES`, `crate::organizations::SHAPES`, ...).
    pub shapes: &'static [ShapeSpec],
    /// A required member is missing.
    pub missing: ErrorCode,
    /// A string or list breaks a constraint (enum, length, pattern), or an integer its range.
    pub constraint: ErrorCode,
    /// An out-of-range `MaxResults` (RAM models `InvalidMaxResultsException` on one operation
    /// and `InvalidParameterException` elsewhere).
    pub max_results: ErrorCode,
    /// The service's own text for a value outside an enum, by member name and value; `None`
    /// keeps the framework's "1 validation error detected" text.
    pub enum_message: fn(&str, &str) -> Option<String>,
}

impl Rules {
    /// One error code for every violation (Organizations: `InvalidInputException`; IAM:
    /// `ValidationError`).
    pub fn uniform(shapes: &'static [ShapeSpec], code: ErrorCode) -> Rules {
        Rules {
            shapes,
            missing: code,
            constraint: code,
            max_results: code,
            enum_message: |_, _| None,
        }
    }
}

/// Validates `value` as an instance of RAM's structure `input_shape`.
/// `range_code` is the error for an out-of-range `maxResults`.
pub fn validate_input(
    input_shape: &str,
    value: &Value,
    range_code: ErrorCode,
) -> Result<(), ApiError> {
    validate_with(
        &Rules {
            shapes: crate::SHAPES,
            missing: ErrorCode::MissingRequiredParameterException,
            constraint: ErrorCode::InvalidParameterException,
            max_results: range_code,
            enum_message: ram_enum_message,
        },
        input_shape,
        value,
    )
}

/// RAM writes its own message for a value outside an enum instead of the framework's. The texts
/// of `resourceOwner`, `associationType`, `associationStatus`, `resourceRegionScope` and
/// `permissionType` are AWS's as captured (docs/compatibility.md); the others follow their style.
fn ram_enum_message(member: &str, value: &str) -> Option<String> {
    Some(match member {
        "resourceOwner" => format!(
            "{value} is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."
        ),
        "associationType" => format!(
            "{value} is not a valid association type. Specify either PRINCIPAL or RESOURCE and try again."
        ),
        "associationStatus" => format!("{value} is not a valid association status."),
        "resourceRegionScope" => format!(
            "{value} is not a valid resource region scope value. Specify a valid value and try again."
        ),
        "permissionType" => {
            format!("{value} is not a valid scope. Must be one of: ALL, AWS, LOCAL.")
        }
        "resourceShareStatus" => format!(
            "{value} is not a valid resource share status. Specify a valid value and try again."
        ),
        "featureSet" => {
            format!("{value} is not a valid feature set. Specify a valid value and try again.")
        }
        "status" => format!("{value} is not a valid status. Specify a valid value and try again."),
        _ => return None,
    })
}

/// Validates `value` as an instance of the structure `input_shape` of `rules.shapes`.
pub fn validate_with(rules: &Rules, input_shape: &str, value: &Value) -> Result<(), ApiError> {
    if !value.is_object() {
        return Err(api_error!(
            SerializationException,
            "Start of structure or map found where not expected."
        ));
    }
    check(rules, input_shape, value, "")
}

fn check(rules: &Rules, shape_name: &str, value: &Value, path: &str) -> Result<(), ApiError> {
    if value.is_null() {
        return Ok(());
    }
    match &shape_in(rules.shapes, shape_name).kind {
        Kind::Structure(members) => {
            let Some(object) = value.as_object() else {
                return Err(type_error(path, "structure"));
            };
            for member in *members {
                let member_path = join(path, member.name);
                match object.get(member.name) {
                    None | Some(Value::Null) if member.required => {
                        return Err(ApiError::new(
                            rules.missing,
                            format!("The request is missing the required parameter {member_path}."),
                        )
                        .with_reason("INPUT_REQUIRED"));
                    }
                    None => {}
                    Some(v) => check(rules, member.shape, v, &member_path)?,
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
                    return Err(ApiError::new(
                        rules.constraint,
                        format!("The list {path} must not contain null values."),
                    )
                    .with_reason("INVALID_LIST_MEMBER"));
                }
                check(rules, member_shape, item, &format!("{path}.{}", i + 1))?;
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
            let violation = |rule: &str, reason: &'static str| {
                ApiError::new(rules.constraint, constraint_text(path, s, rule)).with_reason(reason)
            };
            if let Some(values) = values
                && !values.contains(&s)
            {
                let member = path.rsplit('.').next().unwrap_or(path);
                if let Some(text) = (rules.enum_message)(member, s) {
                    return Err(ApiError::new(rules.constraint, text).with_reason("INVALID_ENUM"));
                }
                return Err(violation(
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ),
                    "INVALID_ENUM",
                ));
            }
            if let Some(min) = min
                && len < *min
            {
                return Err(violation(
                    &format!("Member must have length greater than or equal to {min}"),
                    "MIN_LENGTH_EXCEEDED",
                ));
            }
            if let Some(max) = max
                && len > *max
            {
                return Err(violation(
                    &format!("Member must have length less than or equal to {max}"),
                    "MAX_LENGTH_EXCEEDED",
                ));
            }
            if let Some(pattern) = pattern
                && !anchored(pattern).is_match(s)
            {
                return Err(violation(
                    &format!("Member must satisfy regular expression pattern: {pattern}"),
                    "INVALID_PATTERN",
                ));
            }
            Ok(())
        }
        Kind::Integer { min, max } => {
            let Some(n) = value.as_i64().filter(|n| i32::try_from(*n).is_ok()) else {
                return Err(type_error(path, "integer"));
            };
            let below = min.is_some_and(|m| n < m);
            if below || max.is_some_and(|m| n > m) {
                let code = if shape_name == "MaxResults" {
                    rules.max_results
                } else {
                    rules.constraint
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
                let reason = if below {
                    "MIN_VALUE_EXCEEDED"
                } else {
                    "MAX_VALUE_EXCEEDED"
                };
                return Err(
                    ApiError::new(code, constraint_text(path, &n.to_string(), &bound))
                        .with_reason(reason),
                );
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
        let e = err("GetResourceSharesRequest", &json!({"resourceOwner": "ME"}));
        assert_eq!(e.code, ErrorCode::InvalidParameterException);
        assert_eq!(
            e.message,
            "ME is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."
        );
        // The documented spellings of permissionType are accepted beside the enum's.
        for accepted in ["AWS", "LOCAL", "ALL", "AWS_MANAGED", "CUSTOMER_MANAGED"] {
            validate_input(
                "ListPermissionsRequest",
                &json!({"permissionType": accepted}),
                ErrorCode::InvalidParameterException,
            )
            .unwrap();
        }
        assert_eq!(
            err(
                "ListPermissionsRequest",
                &json!({"permissionType": "INVALID"})
            )
            .message,
            "INVALID is not a valid scope. Must be one of: ALL, AWS, LOCAL."
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

    #[test]
    fn every_model_pattern_compiles() {
        for shapes in [
            crate::SHAPES,
            crate::organizations::SHAPES,
            crate::iam::SHAPES,
        ] {
            for spec in shapes {
                if let Kind::String {
                    pattern: Some(p), ..
                } = spec.kind
                {
                    let _ = anchored(p);
                }
            }
        }
    }

    #[test]
    fn other_services_get_their_codes_and_reasons() {
        let rules = Rules::uniform(
            crate::organizations::SHAPES,
            ErrorCode::InvalidInputException,
        );
        let reason = |shape: &str, v: Value| {
            let e = validate_with(&rules, shape, &v).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInputException, "{e}");
            e.reason
        };
        assert_eq!(
            reason("CreateOrganizationalUnitRequest", json!({"Name": "x"})),
            Some("INPUT_REQUIRED")
        );
        assert_eq!(
            reason(
                "CreateOrganizationalUnitRequest",
                json!({"Name": "x", "ParentId": "o-abcdefghij"})
            ),
            Some("INVALID_PATTERN")
        );
        assert_eq!(
            reason("ListAccountsRequest", json!({"MaxResults": 21})),
            Some("MAX_VALUE_EXCEEDED")
        );
        assert_eq!(
            reason("ListAccountsRequest", json!({"MaxResults": 0})),
            Some("MIN_VALUE_EXCEEDED")
        );
        assert_eq!(
            reason(
                "ListChildrenRequest",
                json!({"ParentId": "r-ab12", "ChildType": "ROOT"})
            ),
            Some("INVALID_ENUM")
        );
        for parent in ["r-ab12", "ou-ab12-abcdefgh"] {
            validate_with(
                &rules,
                "CreateOrganizationalUnitRequest",
                &json!({"Name": "x", "ParentId": parent}),
            )
            .unwrap();
        }
        let iam = Rules::uniform(crate::iam::SHAPES, ErrorCode::ValidationError);
        validate_with(
            &iam,
            "CreateServiceLinkedRoleRequest",
            &json!({"AWSServiceName": "ram.amazonaws.com"}),
        )
        .unwrap();
        assert_eq!(
            validate_with(&iam, "GetRoleRequest", &json!({"RoleName": "a b"}))
                .unwrap_err()
                .code,
            ErrorCode::ValidationError
        );
    }
}
