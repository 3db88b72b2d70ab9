//! The AWS query protocol (IAM, STS): a form body `Action=<Operation>&Version=<date>&<members>`
//! in, XML out. Inputs are read and answers written from the service's shape table, so one
//! encoder serves every operation: `<{Action}Response xmlns=..><{Action}Result>..</{Action}Result>
//! <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></{Action}Response>`; errors are
//! `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>..</Code><Message>..</Message></Error>
//! <RequestId>..</RequestId></ErrorResponse>`.

use std::fmt::Write as _;

use ram_model::spec::{Kind, ShapeSpec, shape_in};
use ram_model::validate::{Rules, validate_with};
use ram_model::{ApiError, Timestamp};
use serde_json::{Map, Value};

use crate::Reply;

/// The string shape IAM gives policy documents; its values are URL-encoded inside the XML (and
/// botocore decodes them back).
const POLICY_DOCUMENT_SHAPE: &str = "PolicyDocumentType";

/// The parameters of a query-protocol request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    params: Vec<(String, String)>,
}

impl Form {
    /// The form of a request if its body is a query-protocol request: form-encoded, with an `Action`.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Option<Form> {
        if !content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
            return None;
        }
        let params: Vec<(String, String)> = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let form = Form { params };
        form.action().is_some().then_some(form)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        self.params.iter().any(|(k, _)| {
            k.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }
}

/// The input document of the structure `input_shape` from the form's members (`Name`,
/// `List.member.N`, `Struct.Field`), checked against every constraint of the model.
pub fn decode(rules: &Rules, input_shape: Option<&str>, form: &Form) -> Result<Value, ApiError> {
    let Some(shape) = input_shape else {
        return Ok(Value::Object(Map::new()));
    };
    let input = read(rules, shape, "", form)?.unwrap_or_else(|| Value::Object(Map::new()));
    validate_with(rules, shape, &input)?;
    Ok(input)
}

fn read(rules: &Rules, shape: &str, key: &str, form: &Form) -> Result<Option<Value>, ApiError> {
    let join = |member: &str| {
        if key.is_empty() {
            member.to_owned()
        } else {
            format!("{key}.{member}")
        }
    };
    let malformed = |expected: &str, value: &str| {
        ApiError::new(
            rules.constraint,
            format!("Invalid value '{value}' for parameter {key}: expected {expected}."),
        )
    };
    Ok(match &shape_in(rules.shapes, shape).kind {
        Kind::Structure(members) => {
            let mut object = Map::new();
            for member in *members {
                if let Some(v) = read(rules, member.shape, &join(member.name), form)? {
                    object.insert(member.name.to_owned(), v);
                }
            }
            (!object.is_empty() || key.is_empty()).then_some(Value::Object(object))
        }
        Kind::List(member_shape) => {
            let prefix = join("member");
            if !form.has_prefix(&prefix) {
                // `List=` with no members is an empty list.
                return Ok(form.get(key).map(|_| Value::Array(Vec::new())));
            }
            let mut items = Vec::new();
            let mut n = 1;
            loop {
                let item_key = format!("{prefix}.{n}");
                if !form.has_prefix(&item_key) {
                    break;
                }
                items.extend(read(rules, member_shape, &item_key, form)?);
                n += 1;
            }
            Some(Value::Array(items))
        }
        Kind::String { .. } => form.get(key).map(Value::from),
        Kind::Integer { .. } => match form.get(key) {
            None => None,
            Some(v) => Some(Value::from(
                v.parse::<i64>().map_err(|_| malformed("an integer", v))?,
            )),
        },
        Kind::Boolean => match form.get(key) {
            None => None,
            Some("true") => Some(Value::Bool(true)),
            Some("false") => Some(Value::Bool(false)),
            Some(v) => return Err(malformed("true or false", v)),
        },
        Kind::Timestamp => match form.get(key) {
            None => None,
            Some(v) => Some(Value::from(
                v.parse::<f64>()
                    .map_err(|_| malformed("a timestamp in epoch seconds", v))?,
            )),
        },
    })
}

/// A successful answer: the output document written as XML from its shape (`None`: an
/// operation without output).
pub fn response(
    shapes: &'static [ShapeSpec],
    action: &str,
    output_shape: Option<&str>,
    output: &Value,
    xmlns: &str,
    request_id: &str,
) -> Reply {
    let mut body = format!("<{action}Response xmlns=\"{}\">\n", escape(xmlns));
    if let Some(shape) = output_shape {
        let _ = write!(body, "  <{action}Result>");
        write_value(&mut body, shapes, shape, output);
        let _ = writeln!(body, "</{action}Result>");
    }
    let _ = write!(
        body,
        "  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n",
        escape(request_id)
    );
    xml(200, body, request_id)
}

fn write_value(out: &mut String, shapes: &'static [ShapeSpec], shape: &str, value: &Value) {
    match (&shape_in(shapes, shape).kind, value) {
        (_, Value::Null) => {}
        (Kind::Structure(members), Value::Object(object)) => {
            for member in *members {
                if let Some(v) = object.get(member.name).filter(|v| !v.is_null()) {
                    let _ = write!(out, "<{}>", member.name);
                    write_value(out, shapes, member.shape, v);
                    let _ = write!(out, "</{}>", member.name);
                }
            }
        }
        (Kind::List(member_shape), Value::Array(items)) => {
            for item in items {
                out.push_str("<member>");
                write_value(out, shapes, member_shape, item);
                out.push_str("</member>");
            }
        }
        (Kind::Timestamp, Value::Number(secs)) => {
            #[allow(clippy::cast_possible_truncation)]
            let millis = (secs.as_f64().unwrap_or_default() * 1000.0).round() as i64;
            out.push_str(&Timestamp(millis).to_iso8601());
        }
        (_, Value::String(s)) if shape == POLICY_DOCUMENT_SHAPE => {
            out.push_str(&escape(&percent_encode(s)));
        }
        (_, Value::String(s)) => out.push_str(&escape(s)),
        (_, other) => out.push_str(&escape(&other.to_string())),
    }
}

/// An error as the query protocol's SDKs read it. `Type` is `Sender` for client errors and
/// `Receiver` for the service's own failures.
pub fn error(e: &ApiError, status: u16, xmlns: &str, request_id: &str) -> Reply {
    error_reply(xmlns, status, e.code.as_str(), &e.message, request_id)
}

pub(crate) fn error_reply(
    xmlns: &str,
    status: u16,
    code: &str,
    message: &str,
    request_id: &str,
) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        escape(xmlns),
        escape(code),
        escape(message),
        escape(request_id)
    );
    xml(status, body, request_id)
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// RFC 3986 percent-encoding of everything but the unreserved characters (a space is `%20`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub(crate) fn xml(status: u16, body: String, request_id: &str) -> Reply {
    Reply {
        status,
        headers: vec![
            ("content-type", "text/xml".into()),
            ("x-amzn-requestid", request_id.to_owned()),
        ],
        body: body.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use ram_model::iam::{self, SHAPES};
    use ram_model::{ErrorCode, api_error};
    use serde_json::json;

    use super::*;

    const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
    const FORM: Option<&str> = Some("application/x-www-form-urlencoded; charset=utf-8");

    fn rules() -> Rules {
        Rules::uniform(SHAPES, ErrorCode::ValidationError)
    }

    #[test]
    fn reads_forms() {
        let f = Form::parse(
            FORM,
            b"Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=ram.amazonaws.com",
        )
        .unwrap();
        assert_eq!(f.action(), Some("CreateServiceLinkedRole"));
        assert_eq!(f.version(), Some("2010-05-08"));
        assert!(Form::parse(Some("application/json"), b"Action=GetRole").is_none());
        assert!(Form::parse(FORM, b"RoleName=x").is_none());

        let op = iam::Operation::CreateServiceLinkedRole;
        let v = decode(&rules(), op.input(), &f).unwrap();
        assert_eq!(v, json!({"AWSServiceName": "ram.amazonaws.com"}));

        let missing = Form::parse(FORM, b"Action=GetRole&Version=2010-05-08").unwrap();
        let e = decode(&rules(), iam::Operation::GetRole.input(), &missing).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        let bad = Form::parse(FORM, b"Action=GetRole&RoleName=a%20b").unwrap();
        let e = decode(&rules(), iam::Operation::GetRole.input(), &bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert!(e.message.contains("pattern"), "{}", e.message);
    }

    #[test]
    fn reads_lists_and_nested_structures() {
        // Only the shapes of the served IAM operations are generated; Tags of Role are the one
        // list of structures among them.
        let f = Form::parse(
            FORM,
            b"Action=X&Path=%2F&RoleName=r&RoleId=AROAEXAMPLEEXAMPLE1&Arn=arn&CreateDate=0&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=k2&Tags.member.2.Value=",
        )
        .unwrap();
        let v = read(&rules(), "Role", "", &f).unwrap().unwrap();
        assert_eq!(
            v["Tags"],
            json!([{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": ""}])
        );
        assert_eq!(v["CreateDate"], json!(0.0));
    }

    #[test]
    fn writes_answers_from_shapes() {
        let output = json!({"Role": {
            "RoleName": "AWSServiceRoleForResourceAccessManager",
            "Path": "/aws-service-role/ram.amazonaws.com/",
            "Arn": "arn:aws:iam::111111111111:role/aws-service-role/ram.amazonaws.com/AWSServiceRoleForResourceAccessManager",
            "RoleId": "AROAEXAMPLEEXAMPLE1",
            "CreateDate": 1_709_251_199.123,
            "AssumeRolePolicyDocument": "{\"Version\": \"2012-10-17\"}",
            "MaxSessionDuration": 3600,
            "Tags": [{"Key": "a<b", "Value": "c"}]
        }});
        let r = response(
            SHAPES,
            "GetRole",
            iam::Operation::GetRole.output(),
            &output,
            XMLNS,
            "rid",
        );
        let body = String::from_utf8(r.body).unwrap();
        assert!(
            body.starts_with(&format!("<GetRoleResponse xmlns=\"{XMLNS}\">")),
            "{body}"
        );
        assert!(body.contains("<GetRoleResult><Role><Path>/aws-service-role/ram.amazonaws.com/</Path><RoleName>AWSServiceRoleForResourceAccessManager</RoleName>"), "{body}");
        assert!(
            body.contains("<CreateDate>2024-02-29T23:59:59.123Z</CreateDate>"),
            "{body}"
        );
        assert!(body.contains("<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%7D</AssumeRolePolicyDocument>"), "{body}");
        assert!(body.contains("<MaxSessionDuration>3600</MaxSessionDuration>"));
        assert!(body.contains("<Tags><member><Key>a&lt;b</Key><Value>c</Value></member></Tags>"));
        assert!(body.contains("<RequestId>rid</RequestId>"));

        let r = response(SHAPES, "Nothing", None, &Value::Null, XMLNS, "rid");
        let body = String::from_utf8(r.body).unwrap();
        assert!(!body.contains("NothingResult"), "{body}");
    }

    #[test]
    fn writes_errors() {
        let e = api_error!(NoSuchEntity, "The role with name x cannot be found.");
        let r = error(&e, iam::error_status(e.code), XMLNS, "rid");
        assert_eq!(r.status, 404);
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("<Type>Sender</Type>"));
        assert!(body.contains("<Code>NoSuchEntity</Code>"));
        assert!(body.contains(XMLNS));
        let e = api_error!(ServiceFailure, "boom");
        let body =
            String::from_utf8(error(&e, iam::error_status(e.code), XMLNS, "r").body).unwrap();
        assert!(body.contains("<Type>Receiver</Type>"));
    }
}
