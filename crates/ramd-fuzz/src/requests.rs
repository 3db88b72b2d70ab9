//! The same inputs as HTTP requests to ramd: what each target decodes, sent the way a client
//! would send it, so the test command can check that no bad input gets a 5xx from the server.

use crate::input::{OrganizationsCall, RamCall, RawRequest};

/// A trust-mode caller (ramd reads the account from the credential and checks no signature).
const TRUST_ACCOUNT: &str = "111111111111";

fn trust_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={TRUST_ACCOUNT}/20261201/us-east-1/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature={}",
        "0".repeat(64)
    )
}

fn post(path: &str, content_type: &str, service: &str) -> http::request::Builder {
    http::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "ramd.local")
        .header("content-type", content_type)
        .header("x-amz-date", "20261201T000000Z")
        .header("authorization", trust_authorization(service))
}

/// The requests that carry `data` as `target` reads it: for the signature target the request
/// itself (for a server verifying signatures); for the protocol targets the call as a trust-mode
/// client sends it (RAM's bodies also to ramd's own `/checkaccess` and `/putresourcepolicy`,
/// form bodies as IAM's and as STS's). Inputs no HTTP client could send are skipped.
pub fn requests(target: &str, data: &[u8]) -> Vec<http::Request<Vec<u8>>> {
    let mut out = Vec::new();
    match target {
        "sigv4" => {
            if let Some(raw) = RawRequest::read(data) {
                let uri = match raw.query {
                    Some(q) => format!("{}?{q}", raw.path),
                    None => raw.path.to_owned(),
                };
                let mut builder = http::Request::builder().method(raw.method).uri(uri);
                if !raw.headers.contains_key(http::header::HOST) {
                    builder = builder.header("host", "ramd.local");
                }
                if let Ok(mut request) = builder.body(raw.body.to_vec()) {
                    request.headers_mut().extend(raw.headers.clone());
                    out.push(request);
                }
            }
        }
        "rest_json" => {
            if let Some(call) = RamCall::read(data) {
                let spec = call.operation.spec();
                let uri = match call.query {
                    Some(q) => format!("{}?{q}", spec.path),
                    None => spec.path.to_owned(),
                };
                let builder = post(&uri, "application/json", "ram").method(spec.method);
                out.extend(builder.body(call.body.to_vec()));
                for path in ["/checkaccess", "/putresourcepolicy"] {
                    out.extend(post(path, "application/json", "ram").body(call.body.to_vec()));
                }
            }
        }
        "organizations" => {
            if let Some(call) = OrganizationsCall::read(data) {
                let target = format!("AWSOrganizationsV20161128.{}", call.operation.name());
                let builder = post("/", "application/x-amz-json-1.1", "organizations")
                    .header("x-amz-target", target);
                out.extend(builder.body(call.body.to_vec()));
            }
        }
        "query" => {
            for service in ["iam", "sts"] {
                let form = "application/x-www-form-urlencoded; charset=utf-8";
                out.extend(post("/", form, service).body(data.to_vec()));
            }
        }
        _ => {}
    }
    out
}
