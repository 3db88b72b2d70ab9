//! The HTTP side of the load generator: one call to ramd, authenticated either the trust-mode way
//! (a SigV4-shaped Authorization header naming the account, no signature) or signed for real with
//! SigV4 (`--sigv4 ACCESS_KEY:SECRET`, for a server in `--auth sigv4` mode), and the AWS error
//! code of a failed call.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;

pub type Http = Client<HttpConnector, Full<Bytes>>;

/// How requests prove who they come from.
pub enum Auth {
    /// ramd's `--auth trust`: the account is read from the Authorization header.
    Trust,
    /// Real signatures: the keys of each account.
    Sigv4(HashMap<String, Identity>),
}

/// A failed call: the AWS error code (or `transport`, `HTTP <status>`), and what was said.
#[derive(Debug)]
pub struct Failure {
    pub code: String,
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

fn transport(e: impl std::fmt::Display) -> Failure {
    Failure {
        code: "transport".to_owned(),
        detail: e.to_string(),
    }
}

pub struct Caller {
    pub http: Http,
    pub region: String,
    pub auth: Auth,
}

/// One request: method, path with its query, body (empty for none), and the service it is
/// signed for.
pub struct Request<'a> {
    pub method: Method,
    pub path: &'a str,
    pub content_type: &'a str,
    pub body: String,
    pub service: &'a str,
}

impl<'a> Request<'a> {
    pub fn post(path: &'a str, body: &serde_json::Value) -> Request<'a> {
        Request {
            method: Method::POST,
            path,
            content_type: "application/json",
            body: body.to_string(),
            service: "ram",
        }
    }
}

/// The AWS error code of an error answer: the `x-amzn-ErrorType` header (before any `:`), or
/// the body's `__type` (after any `#`) or `code`.
pub fn error_code(header: Option<&str>, body: &[u8]) -> Option<String> {
    if let Some(h) = header {
        let code = h.split(':').next().unwrap_or(h).trim();
        if !code.is_empty() {
            return Some(code.to_owned());
        }
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = v
        .get("__type")
        .or_else(|| v.get("code"))
        .or_else(|| v.get("Code"))?
        .as_str()?;
    Some(code.rsplit('#').next().unwrap_or(code).to_owned())
}

impl Caller {
    /// Sends `request` to `endpoint` as `account`; answers the response body (JSON) or the failure.
    pub async fn call_raw(
        &self,
        endpoint: &str,
        account: &str,
        request: Request<'_>,
    ) -> Result<Bytes, Failure> {
        let uri = format!("{endpoint}{}", request.path);
        let mut builder = hyper::Request::builder()
            .method(request.method.clone())
            .uri(&uri);
        if !request.body.is_empty() {
            builder = builder.header("content-type", request.content_type);
        }
        let http_request = match &self.auth {
            Auth::Trust => builder
                .header("x-amz-date", "20260101T000000Z")
                .header("authorization", trust_authorization(account, &self.region))
                .body(Full::new(Bytes::from(request.body)))
                .map_err(transport)?,
            Auth::Sigv4(keys) => {
                let identity = keys.get(account).ok_or_else(|| Failure {
                    code: "NoKey".to_owned(),
                    detail: format!("no --sigv4 key for account {account}"),
                })?;
                let host = endpoint
                    .split_once("://")
                    .map_or(endpoint, |(_, rest)| rest)
                    .trim_end_matches('/');
                let mut r = builder
                    .header("host", host)
                    .body(Full::new(Bytes::from(request.body.clone())))
                    .map_err(transport)?;
                sign_request(
                    &mut r,
                    identity,
                    &self.region,
                    request.service,
                    &request.body,
                )?;
                r
            }
        };
        let response = self.http.request(http_request).await.map_err(transport)?;
        let status = response.status();
        let header = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(transport)?
            .to_bytes();
        if !status.is_success() {
            return Err(Failure {
                code: error_code(header.as_deref(), &bytes)
                    .unwrap_or_else(|| format!("HTTP {}", status.as_u16())),
                detail: format!("{status}: {}", String::from_utf8_lossy(&bytes)),
            });
        }
        Ok(bytes)
    }

    /// `call_raw` with the answer parsed as JSON (an empty answer is `null`).
    pub async fn call(
        &self,
        endpoint: &str,
        account: &str,
        request: Request<'_>,
    ) -> Result<serde_json::Value, Failure> {
        let bytes = self.call_raw(endpoint, account, request).await?;
        if bytes.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| Failure {
            code: "BadJson".to_owned(),
            detail: e.to_string(),
        })
    }
}

/// A SigV4-shaped Authorization header: trust mode reads the account and Region from it.
pub fn trust_authorization(account: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/ram/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00"
    )
}

fn sign_request(
    request: &mut hyper::Request<Full<Bytes>>,
    identity: &Identity,
    region: &str,
    service: &str,
    body: &str,
) -> Result<(), Failure> {
    let fail = |e: &dyn std::fmt::Display| Failure {
        code: "SigningFailed".to_owned(),
        detail: e.to_string(),
    };
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| fail(&e))?
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| fail(&e))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| fail(&e))?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// An identity for SigV4 from `ACCESS_KEY:SECRET`.
pub fn identity(access_key: &str, secret: &str) -> Identity {
    Credentials::new(access_key, secret, None, None, "ramd-bench").into()
}

/// Asks STS GetCallerIdentity (which ramd answers) for the account of a key.
pub async fn caller_account(
    caller: &Caller,
    endpoint: &str,
    identity: &Identity,
) -> Result<String, Failure> {
    const PROBE: &str = "\u{0}probe";
    let keys = HashMap::from([(PROBE.to_owned(), identity.clone())]);
    let probe = Caller {
        http: caller.http.clone(),
        region: caller.region.clone(),
        auth: Auth::Sigv4(keys),
    };
    let body = probe
        .call_raw(
            endpoint,
            PROBE,
            Request {
                method: Method::POST,
                path: "/",
                content_type: "application/x-www-form-urlencoded",
                body: "Action=GetCallerIdentity&Version=2011-06-15".to_owned(),
                service: "sts",
            },
        )
        .await?;
    let text = String::from_utf8_lossy(&body);
    text.split_once("<Account>")
        .and_then(|(_, rest)| rest.split_once("</Account>"))
        .map(|(account, _)| account.trim().to_owned())
        .ok_or_else(|| Failure {
            code: "BadSts".to_owned(),
            detail: format!("GetCallerIdentity answered no account: {text}"),
        })
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
pub fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0xF)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_come_from_the_header_or_the_body() {
        assert_eq!(
            error_code(
                Some("UnknownResourceException:http://internal.amazon.com/"),
                b""
            )
            .as_deref(),
            Some("UnknownResourceException")
        );
        assert_eq!(
            error_code(
                None,
                br#"{"__type":"com.amazonaws.ram#ThrottlingException","message":"x"}"#
            )
            .as_deref(),
            Some("ThrottlingException")
        );
        assert_eq!(
            error_code(None, br#"{"code":"X","message":"y"}"#).as_deref(),
            Some("X")
        );
        assert_eq!(error_code(None, b"not json"), None);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            query_value("arn:aws:ram:us-east-1:1:resource-share/a b"),
            "arn%3Aaws%3Aram%3Aus-east-1%3A1%3Aresource-share%2Fa%20b"
        );
    }
}
