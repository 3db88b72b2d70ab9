//! The limits on connections, over a real socket (`ramd::connections::serve`): idle and slow
//! clients are cut off and cannot stop ramd from serving others, a connection over the cap is
//! answered 503 in RAM's shape, oversized request heads 431, a body that does not arrive 408.

use std::sync::Arc;
use std::time::Duration;

use ramd::connections::{self, Limits};
use ramd::{AppState, router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

const LIMITS: Limits = Limits {
    max_connections: 4,
    idle_timeout: Duration::from_millis(800),
    max_headers: 20,
    max_head_bytes: 16 * 1024,
};

/// A server with `LIMITS` and a body timeout of half a second; its address.
async fn serve(h: &Harness) -> std::net::SocketAddr {
    let app = router(AppState {
        ram: h.ram.clone(),
        auth: Arc::new(h.auth.clone()),
        throttle: None,
        body_timeout: Duration::from_millis(500),
        admin: std::sync::Arc::default(),
        console: None,
        audit: None,
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(connections::serve(
        listener,
        app,
        LIMITS,
        std::future::pending(),
    ));
    addr
}

/// Everything the server sends until it closes the connection (at most 10 s).
async fn answer(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server did not close the connection");
    String::from_utf8_lossy(&out).into_owned()
}

const LIST_TYPES: &str = "POST /listresourcetypes HTTP/1.1\r\nhost: ramd\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

async fn list_types(addr: std::net::SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(LIST_TYPES.as_bytes()).await.unwrap();
    answer(&mut s).await
}

#[tokio::test]
async fn idle_and_slow_clients_are_cut_off_and_the_cap_answers_503() {
    let h = trust().await;
    let addr = serve(&h).await;
    assert!(list_types(addr).await.starts_with("HTTP/1.1 200"));

    // Fill every slot: three idle connections and one sending its head a byte at a time.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut slow = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let over = list_types(addr).await;
    assert!(over.starts_with("HTTP/1.1 503"), "{over}");
    assert!(
        over.contains("\"__type\":\"ServiceUnavailableException\""),
        "{over}"
    );

    // The slow client never finishes its head in time; the idle ones are closed too.
    let dribble = tokio::spawn(async move {
        for b in LIST_TYPES.bytes() {
            if slow.write_all(&[b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        answer(&mut slow).await
    });
    for s in &mut idle {
        assert_eq!(
            answer(s).await,
            "",
            "an idle connection is closed without an answer"
        );
    }
    let slow_answer = dribble.await.unwrap();
    assert!(!slow_answer.starts_with("HTTP/1.1 200"), "{slow_answer}");
    // Their slots are free again.
    assert!(list_types(addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn oversized_heads_are_431_and_a_late_body_is_408() {
    let h = trust().await;
    let addr = serve(&h).await;

    let many = "x-h: v\r\n".repeat(50);
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "POST /listresourcetypes HTTP/1.1\r\nhost: ramd\r\n{many}content-length: 2\r\n\r\n{{}}"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let a = answer(&mut s).await;
    assert!(a.starts_with("HTTP/1.1 431"), "{a}");

    let mut s = TcpStream::connect(addr).await.unwrap();
    let long = "a".repeat(20 * 1024);
    s.write_all(
        format!("POST /listresourcetypes?{long} HTTP/1.1\r\nhost: ramd\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let a = answer(&mut s).await;
    assert!(a.starts_with("HTTP/1.1 431"), "{a}");

    // A head promising 100 bytes of body, then 2.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /listresourcetypes HTTP/1.1\r\nhost: ramd\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{}")
        .await
        .unwrap();
    let mut head = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut head))
        .await
        .expect("an answer comes")
        .unwrap();
    let a = String::from_utf8_lossy(&head[..n]);
    assert!(a.starts_with("HTTP/1.1 408"), "{a}");
    assert!(a.contains("RequestTimeoutException"), "{a}");
    // Nothing else was held up meanwhile.
    assert!(list_types(addr).await.starts_with("HTTP/1.1 200"));
}
