//! The reference server: hyper alone, answering every request (after reading its body) with one
//! fixed RAM-shaped JSON document of about 300 bytes and the headers ramd sends. What
//! it serves is the most this client and machine can do over HTTP; ramd's results are ratios to it.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One resource share, as ramd renders it, as a listing and as a created share (so every workload,
/// seeding included, reads what it expects).
const BODY: &str = r#"{"resourceShares":[{"resourceShareArn":"arn:aws:ram:us-east-1:111111111111:resource-share/0b4c8c4e-6f0e-4d53-9a57-2b1f3f3f0c01","name":"bench-1","owningAccountId":"111111111111","allowExternalPrincipals":true,"status":"ACTIVE"}],"resourceShare":{"resourceShareArn":"arn:aws:ram:us-east-1:111111111111:resource-share/0b4c8c4e"}}"#;

async fn answer(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the request as ramd does, so the comparison includes receiving it.
    let _ = request.into_body().collect().await;
    Ok(Response::builder()
        .header("content-type", "application/json")
        .header("x-amzn-requestid", "00000000-0000-4000-8000-000000000000")
        .body(Full::new(Bytes::from_static(BODY.as_bytes())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}

pub async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    eprintln!("ramd-bench: reference server on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
