//! The one STS call every client makes first: GetCallerIdentity, in the query protocol (form
//! body in, XML out; see `query`). Terraform and `aws sts get-caller-identity` call it on the same
//! endpoint.

use crate::Reply;
use crate::query::{Form, error_reply, escape, xml};

pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const VERSION: &str = "2011-06-15";

/// The `Action` of a query-protocol form body, if the body is one.
pub fn action(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    Form::parse(content_type, body).and_then(|f| f.action().map(str::to_owned))
}

pub fn get_caller_identity(account: &str, arn: &str, user_id: &str, request_id: &str) -> Reply {
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(arn),
        escape(user_id),
        escape(account),
        escape(request_id)
    );
    xml(200, body, request_id)
}

/// An STS error (`<ErrorResponse>` in STS's namespace).
pub fn error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    error_reply(XMLNS, status, code, message, request_id)
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
