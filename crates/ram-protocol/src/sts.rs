//! The one STS call every client makes first: GetCallerIdentity, in the query protocol (form
//! body in, XML out). Terraform and `aws sts get-caller-identity` call it on the same endpoint.

use crate::Reply;

/// The `Action` of a query-protocol form body, if the body is one.
pub fn action(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    if !content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        return None;
    }
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.into_owned())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn get_caller_identity(account: &str, arn: &str, user_id: &str, request_id: &str) -> Reply {
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(arn),
        escape(user_id),
        escape(account),
        escape(request_id)
    );
    xml(200, body, request_id)
}

/// A query-protocol error (`<ErrorResponse>`), as STS, IAM and the other query services answer.
pub fn error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        escape(code),
        escape(message),
        escape(request_id)
    );
    xml(status, body, request_id)
}

fn xml(status: u16, body: String, request_id: &str) -> Reply {
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
    use super::*;

    #[test]
    fn reads_the_action() {
        assert_eq!(
            action(
                Some("application/x-www-form-urlencoded; charset=utf-8"),
                b"Action=GetCallerIdentity&Version=2011-06-15"
            )
            .as_deref(),
            Some("GetCallerIdentity")
        );
        assert_eq!(
            action(Some("application/json"), b"Action=GetCallerIdentity"),
            None
        );
        let r = get_caller_identity(
            "111111111111",
            "arn:aws:iam::111111111111:root",
            "111111111111",
            "r",
        );
        assert!(
            String::from_utf8(r.body)
                .unwrap()
                .contains("<Account>111111111111</Account>")
        );
    }
}
