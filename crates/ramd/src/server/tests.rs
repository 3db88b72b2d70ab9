//! The driver with handlers that fail as only a bug can: a panic, a reply that cannot be sent,
//! an error renderer that panics. Each is the real API's handler with one method replaced, so
//! the answer is checked in that API's own protocol.

use std::time::Instant;

use ram_domain::{Config, RandomIds, SystemClock};
use ram_store::Store;
use serde_json::Value;

use super::*;
use crate::global_services::IAM_XMLNS;

const REQUEST_ID: &str = "5b3f0d8e-6f1a-4c1e-9d43-6a2f3c1b2e10";

/// What a test handler does wrong.
#[derive(Clone, Copy)]
enum Bug {
    /// `handle` panics.
    PanicInHandle,
    /// `parse_endpoint` panics (the request is taken to be the handler's).
    PanicInParse,
    /// `handle` answers with a header value HTTP cannot carry.
    UnsendableReply,
    /// `handle` answers with a status HTTP does not have.
    NoSuchStatus,
    /// `handle` panics, and so does `render_error`.
    PanicEverywhere,
}

struct Buggy<H>(H, Bug);

impl<H: ApiHandler> ApiHandler for Buggy<H> {
    const NAME: &'static str = H::NAME;
    type Endpoint = H::Endpoint;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        assert!(!matches!(self.1, Bug::PanicInParse), "a bug while parsing");
        self.0.parse_endpoint(req)
    }

    fn operation(&self, endpoint: &Self::Endpoint) -> &'static str {
        self.0.operation(endpoint)
    }

    fn signing_service(&self, endpoint: &Self::Endpoint) -> Option<&'static str> {
        self.0.signing_service(endpoint)
    }

    async fn handle(
        &self,
        _: &ApiRequest<'_>,
        _: Self::Endpoint,
        _: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        tokio::task::yield_now().await;
        match self.1 {
            Bug::UnsendableReply => Ok(Reply {
                status: 200,
                headers: vec![("x-amzn-requestid", "two\nlines".to_owned())],
                body: b"{}".to_vec(),
            }),
            Bug::NoSuchStatus => Ok(Reply {
                status: 42,
                headers: Vec::new(),
                body: b"{}".to_vec(),
            }),
            Bug::PanicInHandle | Bug::PanicInParse | Bug::PanicEverywhere => {
                panic!("a bug in a handler")
            }
        }
    }

    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        assert!(
            !matches!(self.1, Bug::PanicEverywhere),
            "a bug while rendering"
        );
        self.0.render_error(e, request_id)
    }
}

async fn state(dir: &tempfile::TempDir) -> AppState {
    let store = Store::open_dir(dir.path()).await.expect("store opens");
    let ram = Ram::new(
        store,
        Config::default(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await
    .expect("ram starts");
    AppState {
        ram,
        auth: Arc::new(AuthMode::Trust {
            default_account: "111111111111".to_owned(),
        }),
        throttle: None,
        body_timeout: std::time::Duration::from_secs(30),
        admin: std::sync::Arc::default(),
        console: None,
        audit: None,
    }
}

/// A request as an SDK of the API would send it (unsigned: trust mode).
struct Sent {
    path: &'static str,
    content_type: &'static str,
    target: Option<&'static str>,
    body: &'static str,
}

const RAM: Sent = Sent {
    path: "/getresourceshares",
    content_type: "application/json",
    target: None,
    body: r#"{"resourceOwner":"SELF"}"#,
};
const CHECK_ACCESS: Sent = Sent {
    path: "/checkaccess",
    content_type: "application/json",
    target: None,
    body: "{}",
};
const RESET: Sent = Sent {
    path: "/_ramd/reset",
    content_type: "application/json",
    target: None,
    body: "",
};
const ORGANIZATIONS: Sent = Sent {
    path: "/",
    content_type: "application/x-amz-json-1.1",
    target: Some("AWSOrganizationsV20161128.DescribeOrganization"),
    body: "{}",
};
const IAM: Sent = Sent {
    path: "/",
    content_type: "application/x-www-form-urlencoded; charset=utf-8",
    target: None,
    body: "Action=GetRole&Version=2010-05-08&RoleName=r",
};
const STS: Sent = Sent {
    path: "/",
    content_type: "application/x-www-form-urlencoded; charset=utf-8",
    target: None,
    body: "Action=GetCallerIdentity&Version=2011-06-15",
};

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn answer<H: ApiHandler>(handler: &H, sent: &Sent) -> Answer {
    let dir = tempfile::tempdir().expect("temporary directory");
    let state = state(&dir).await;
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(sent.content_type),
    );
    if let Some(target) = sent.target {
        headers.insert("x-amz-target", HeaderValue::from_static(target));
    }
    let req = ApiRequest {
        state: &state,
        request_id: REQUEST_ID,
        received: Instant::now(),
        method: "POST",
        path: sent.path,
        query: None,
        headers: &headers,
        body: sent.body.as_bytes(),
        peer: None,
        notes: std::sync::Mutex::default(),
    };
    let response = drive(handler, &req)
        .await
        .expect("the handler takes the request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body is readable");
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).expect("UTF-8"),
    }
}

/// restJson1's ServerInternalException with the request id.
#[track_caller]
fn assert_rest_json_internal(a: &Answer) {
    assert_eq!(a.status, 500, "{}", a.body);
    assert_eq!(a.header("x-amzn-requestid"), Some(REQUEST_ID));
    assert_eq!(
        a.header("x-amzn-errortype"),
        Some("ServerInternalException")
    );
    assert_eq!(a.header("content-type"), Some("application/json"));
    let body = a.json();
    assert_eq!(body["__type"], "ServerInternalException", "{}", a.body);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// The JSON 1.1 error of Organizations' internal failure (`ServiceException`), with the request id.
#[track_caller]
fn assert_organizations_internal(a: &Answer) {
    assert_eq!(a.status, 500, "{}", a.body);
    assert_eq!(a.header("x-amzn-requestid"), Some(REQUEST_ID));
    assert_eq!(a.header("x-amzn-errortype"), Some("ServiceException"));
    assert_eq!(a.header("content-type"), Some("application/x-amz-json-1.1"));
    let body = a.json();
    assert_eq!(body["__type"], "ServiceException", "{}", a.body);
    assert!(body["Message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// A query-protocol `<ErrorResponse>` of the service's own failure, with the request id.
#[track_caller]
fn assert_query_internal(a: &Answer, xmlns: &str, code: &str) {
    assert_eq!(a.status, 500, "{}", a.body);
    assert_eq!(a.header("x-amzn-requestid"), Some(REQUEST_ID));
    assert_eq!(a.header("content-type"), Some("text/xml"));
    assert!(
        a.body
            .starts_with(&format!("<ErrorResponse xmlns=\"{xmlns}\">")),
        "{}",
        a.body
    );
    assert!(a.body.contains("<Type>Receiver</Type>"), "{}", a.body);
    assert!(
        a.body.contains(&format!("<Code>{code}</Code>")),
        "{}",
        a.body
    );
    assert!(
        a.body
            .contains(&format!("<RequestId>{REQUEST_ID}</RequestId>")),
        "{}",
        a.body
    );
}

#[tokio::test]
async fn a_panic_is_an_internal_error_in_the_protocol_of_the_request() {
    let bug = Bug::PanicInHandle;
    assert_rest_json_internal(&answer(&Buggy(RamApi, bug), &RAM).await);
    assert_rest_json_internal(&answer(&Buggy(Extensions, bug), &CHECK_ACCESS).await);
    assert_rest_json_internal(&answer(&Buggy(Reset, bug), &RESET).await);
    assert_organizations_internal(&answer(&Buggy(Organizations, bug), &ORGANIZATIONS).await);
    assert_query_internal(
        &answer(&Buggy(Iam, bug), &IAM).await,
        IAM_XMLNS,
        "ServiceFailure",
    );
    assert_query_internal(
        &answer(&Buggy(Sts, bug), &STS).await,
        ram_protocol::sts::XMLNS,
        "ServerInternalException",
    );
}

#[tokio::test]
async fn a_panic_while_parsing_is_answered_by_that_api() {
    let bug = Bug::PanicInParse;
    assert_rest_json_internal(&answer(&Buggy(RamApi, bug), &RAM).await);
    assert_organizations_internal(&answer(&Buggy(Organizations, bug), &ORGANIZATIONS).await);
    assert_query_internal(
        &answer(&Buggy(Iam, bug), &IAM).await,
        IAM_XMLNS,
        "ServiceFailure",
    );
}

#[tokio::test]
async fn a_reply_that_cannot_be_sent_is_a_500_not_an_empty_200() {
    for bug in [Bug::UnsendableReply, Bug::NoSuchStatus] {
        assert_rest_json_internal(&answer(&Buggy(RamApi, bug), &RAM).await);
        assert_organizations_internal(&answer(&Buggy(Organizations, bug), &ORGANIZATIONS).await);
        assert_query_internal(
            &answer(&Buggy(Sts, bug), &STS).await,
            ram_protocol::sts::XMLNS,
            "ServerInternalException",
        );
    }
}

#[tokio::test]
async fn when_rendering_the_error_panics_too_the_answer_is_rest_json() {
    let a = answer(&Buggy(Organizations, Bug::PanicEverywhere), &ORGANIZATIONS).await;
    assert_rest_json_internal(&a);
}

#[tokio::test]
async fn requests_of_other_apis_are_left_to_them() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let state = state(&dir).await;
    let headers = HeaderMap::new();
    let req = ApiRequest {
        state: &state,
        request_id: REQUEST_ID,
        received: Instant::now(),
        method: "POST",
        path: "/getresourceshares",
        query: None,
        headers: &headers,
        body: b"{}",
        peer: None,
        notes: std::sync::Mutex::default(),
    };
    // Not panicking: the buggy handle is never reached when the request is not the API's.
    assert!(
        drive(&Buggy(Organizations, Bug::PanicInHandle), &req)
            .await
            .is_none()
    );
    assert!(drive(&Buggy(Sts, Bug::PanicInHandle), &req).await.is_none());
    assert!(
        drive(&Buggy(Reset, Bug::PanicInHandle), &req)
            .await
            .is_none()
    );
}

#[test]
fn the_last_resort_is_a_rest_json_500() {
    let response = last_resort(REQUEST_ID);
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response
            .headers()
            .get("x-amzn-errortype")
            .map(HeaderValue::as_bytes),
        Some(&b"ServerInternalException"[..])
    );
    assert_eq!(
        response
            .headers()
            .get("x-amzn-requestid")
            .map(HeaderValue::as_bytes),
        Some(REQUEST_ID.as_bytes())
    );
}
