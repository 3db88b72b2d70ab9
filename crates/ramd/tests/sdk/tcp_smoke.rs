//! One round trip over a real socket: ramd's router served by `ramd::connections::serve` (as `ramd serve` serves it) on 127.0.0.1, the SDK
//! talking HTTP/1.1 to it through a minimal hyper client connector (one connection per request;
//! `aws-sdk-ram` is built without its default HTTPS client, and a plain-HTTP hyper connection is
//! the lightest client that reaches a local port).

use std::fmt;
use std::net::SocketAddr;

use aws_sdk_ram::types::{ResourceOwner, ResourceShareStatus};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::common::*;

#[derive(Clone)]
struct Tcp {
    addr: SocketAddr,
}

impl fmt::Debug for Tcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tcp({})", self.addr)
    }
}

fn io_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ConnectorError {
    ConnectorError::io(e.into())
}

impl HttpConnector for Tcp {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let addr = self.addr;
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(io_error)?;
            let (mut parts, body) = request.into_parts();
            let body = body.collect().await.map_err(io_error)?.to_bytes();
            if !parts.headers.contains_key(http::header::HOST)
                && let Some(authority) = parts.uri.authority()
            {
                let value = http::HeaderValue::from_str(authority.as_str()).map_err(io_error)?;
                parts.headers.insert(http::header::HOST, value);
            }
            // HTTP/1.1 on the wire wants the origin form of the target.
            parts.uri = parts
                .uri
                .path_and_query()
                .map_or("/", http::uri::PathAndQuery::as_str)
                .parse()
                .map_err(io_error)?;
            let stream = tokio::net::TcpStream::connect(addr)
                .await
                .map_err(io_error)?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(io_error)?;
            tokio::spawn(connection);
            let response = sender
                .send_request(http::Request::from_parts(parts, Full::new(body)))
                .await
                .map_err(io_error)?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(io_error)?.to_bytes();
            HttpResponse::try_from(http::Response::from_parts(parts, SdkBody::from(body)))
                .map_err(io_error)
        })
    }
}

impl HttpClient for Tcp {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

#[tokio::test]
async fn the_sdk_talks_to_ramd_over_tcp() {
    let h = trust().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(ramd::connections::serve(
        listener,
        h.router.clone(),
        ramd::connections::Limits::default(),
        std::future::pending(),
    ));
    let endpoint = format!("http://{addr}");

    let a = client_over(Tcp { addr }, &endpoint, A, "secret", US);
    let b = client_over(Tcp { addr }, &endpoint, B, "secret", US);
    let share_arn = create_share(&a, "over-tcp", &[tgw(A, US, "1")], &[B]).await;
    assert_share_arn(&share_arn, A, US);
    accept(&b, &share_arn).await;
    let received = shares(&b, ResourceOwner::OtherAccounts).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].status(), Some(&ResourceShareStatus::Active));

    // DELETE with query parameters, and an error answer, over the wire too.
    a.delete_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap();
    let e = a
        .delete_resource_share()
        .resource_share_arn(&share_arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnknownResourceException"));
    assert!(
        e.meta()
            .extra("aws_request_id")
            .is_some_and(|id| !id.is_empty()),
        "the request id is read from x-amzn-RequestId"
    );

    server.abort();
}
