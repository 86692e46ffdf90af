//! HTTP safety against local servers: address policy (also after DNS and redirects), redirect
//! limit, body cap, read timeout, compressed transfer.

mod common;

use std::io::Write;
use std::time::Duration;

use fetcher::{AddressPolicy, HttpClient, HttpError};
use testkit::{Reply, ScriptServer};

fn client(policy: AddressPolicy) -> HttpClient {
    let mut o = common::http();
    o.addresses = policy;
    HttpClient::new(&o).unwrap_or_else(|e| panic!("client: {e}"))
}

const LOOPBACK: AddressPolicy = AddressPolicy {
    allow_loopback: true,
    allow_private: false,
};

#[tokio::test]
async fn loopback_is_refused_unless_allowed_also_after_dns() {
    let s = ScriptServer::start().await;
    s.set("/f", Reply::ok("text/plain", "x"));
    let strict = client(AddressPolicy::default());
    let err = strict.get(&s.url("/f")).await.expect_err("refused");
    assert!(matches!(err, HttpError::Refused { .. }), "{err}");
    let by_name = s.url("/f").replace("127.0.0.1", "localhost");
    let err = strict.get(&by_name).await.expect_err("refused after dns");
    assert!(matches!(err, HttpError::Refused { .. }), "{err}");
    assert!(s.requests().is_empty(), "a refused address was contacted");
    let page = client(LOOPBACK).get(&by_name).await.expect("allowed");
    assert_eq!(page.bytes, b"x");
}

#[tokio::test]
async fn redirects_are_checked_and_limited() {
    let s = ScriptServer::start().await;
    s.set("/to-private", Reply::redirect("http://10.255.255.1/feed"));
    for i in 1..=5 {
        s.set(&format!("/r{i}"), Reply::redirect(&format!("/r{}", i + 1)));
    }
    s.set("/r6", Reply::ok("text/plain", "end"));
    s.set("/r4ok", Reply::redirect("/r5"));
    let c = client(LOOPBACK);
    let err = c.get(&s.url("/to-private")).await.expect_err("refused");
    assert!(matches!(err, HttpError::Refused { .. }), "{err}");
    let err = c.get(&s.url("/r1")).await.expect_err("too many");
    assert!(err.to_string().contains("redirects"), "{err}");
    assert!(!err.is_transient());
    // Within the limit (3): r4ok -> r5 -> r6.
    let page = c.get(&s.url("/r4ok")).await.expect("followed");
    assert_eq!(page.final_url, s.url("/r6"));
}

#[tokio::test]
async fn bodies_over_the_cap_are_aborted_and_slow_servers_time_out() {
    let s = ScriptServer::start().await;
    s.set("/big", Reply::ok("text/html", vec![b'a'; 200 * 1024]));
    s.set(
        "/slow",
        Reply::ok("text/plain", "late").delay(Duration::from_secs(4)),
    );
    s.set(
        "/big-chunked",
        Reply::ok("text/html", vec![b'a'; 200 * 1024]).chunked(),
    );
    let c = client(LOOPBACK);
    let err = c.get(&s.url("/big")).await.expect_err("cap");
    assert!(err.to_string().contains("larger than"), "{err}");
    // Without a Content-Length the transfer is aborted once the cap is passed.
    let err = c.get(&s.url("/big-chunked")).await.expect_err("cap");
    assert!(err.to_string().contains("larger than"), "{err}");
    let started = std::time::Instant::now();
    let err = c.get(&s.url("/slow")).await.expect_err("timeout");
    assert!(err.is_transient(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn gzip_transfer_is_decoded() {
    let s = ScriptServer::start().await;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all("<p>compressed café</p>".as_bytes())
        .expect("gzip");
    let gz = enc.finish().expect("gzip");
    s.set(
        "/gz",
        Reply::ok("text/html; charset=utf-8", gz).header("content-encoding", "gzip"),
    );
    let page = client(LOOPBACK).get(&s.url("/gz")).await.expect("page");
    assert_eq!(page.text(), "<p>compressed café</p>");
    let ae = s.requests_to("/gz")[0]
        .headers
        .get("accept-encoding")
        .cloned()
        .unwrap_or_default();
    assert!(ae.contains("gzip") && ae.contains("br"), "{ae}");
}

#[tokio::test]
async fn brotli_transfer_is_decoded() {
    let s = ScriptServer::start().await;
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all("<p>brotli café</p>".as_bytes())
            .expect("brotli");
    }
    s.set(
        "/br",
        Reply::ok("text/html; charset=utf-8", br).header("content-encoding", "br"),
    );
    let page = client(LOOPBACK).get(&s.url("/br")).await.expect("page");
    assert_eq!(page.text(), "<p>brotli café</p>");
}
