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

const LOOPBACK: AddressPolicy = AddressPolicy::Loopback;

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

#[tokio::test]
async fn decompression_bombs_are_cut_by_the_cap_on_decoded_bytes() {
    let cap = 1 << 20;
    // 100 MiB of zeros each (`head -c 104857600 /dev/zero | gzip -9`; brotli quality 9, window 24).
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let gz = std::fs::read(data.join("zeros-100MiB.gz")).expect("gzip bomb");
    let br = std::fs::read(data.join("zeros-100MiB.br")).expect("brotli bomb");
    // Both are far smaller than the cap on the wire: only the decoded size can trip it.
    assert!(
        gz.len() < cap / 2 && br.len() < cap / 2,
        "{} {}",
        gz.len(),
        br.len()
    );
    let s = ScriptServer::start().await;
    s.set(
        "/bomb.gz",
        Reply::ok("application/rss+xml", gz).header("content-encoding", "gzip"),
    );
    s.set(
        "/bomb.br",
        Reply::ok("text/html", br).header("content-encoding", "br"),
    );
    let mut o = common::http();
    o.max_body_bytes = cap;
    let c = HttpClient::new(&o).expect("client");
    for path in ["/bomb.gz", "/bomb.br"] {
        let started = std::time::Instant::now();
        let err = c.get(&s.url(path)).await.expect_err("cut by the cap");
        let took = started.elapsed();
        assert!(
            matches!(err, HttpError::Permanent { .. })
                && err.to_string().contains("larger than 1048576 bytes"),
            "{path}: {err}"
        );
        assert!(took < Duration::from_secs(3), "{path} took {took:?}");
        eprintln!("{path}: 100 MiB bomb cut after {took:?}: {err}");
    }
    // Memory stayed bounded: the process never came near holding the decoded 100 MiB.
    if let Some(peak) = peak_rss_bytes() {
        eprintln!("peak rss {} MiB", peak >> 20);
        assert!(peak < 64 << 20, "peak rss {peak} bytes");
    }
}

/// The process's peak resident memory (Linux `VmHWM`), if known.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A raw HTTP/1.1 server answering every connection with a chunked body that never ends:
/// `chunk` every `every` (or as fast as the socket takes it when zero).
async fn endless_server(chunk: &'static [u8], every: Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
                // Ends only when the client hangs up.
                while sock.write_all(&framed).await.is_ok() {
                    if !every.is_zero() {
                        tokio::time::sleep(every).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}/feed.xml")
}

#[tokio::test]
async fn endless_responses_are_cut_by_the_total_timeout_or_the_cap() {
    let mut o = common::http();
    o.timeout = Duration::from_secs(2);
    o.read_timeout = Duration::from_secs(1);
    let c = HttpClient::new(&o).expect("client");

    // A few bytes every 100 ms: the read timeout never fires, the total timeout does.
    let trickle = endless_server(b"<p>x</p>", Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let err = c.get(&trickle).await.expect_err("cut by the timeout");
    let took = started.elapsed();
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );

    // As fast as possible: the body cap (64 KiB here) cuts it long before the timeout.
    static BLOCK: [u8; 16 * 1024] = [b'a'; 16 * 1024];
    let flood = endless_server(&BLOCK, Duration::ZERO).await;
    let started = std::time::Instant::now();
    let err = c.get(&flood).await.expect_err("cut by the cap");
    assert!(err.to_string().contains("larger than 65536 bytes"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn redirects_to_private_link_local_and_unspecified_addresses_are_refused() {
    let s = ScriptServer::start().await;
    let port = s.base().rsplit(':').next().unwrap_or("80").to_string();
    s.set("/secret", Reply::ok("text/plain", "internal"));
    let targets = [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_string(),
        "http://2852039166/latest/meta-data/".to_string(), // 169.254.169.254 in decimal
        "http://[fd00:ec2::254]/latest/meta-data/".to_string(),
        "http://[fe80::1]/".to_string(),
        "http://[::ffff:10.0.0.1]/".to_string(),
        "http://192.168.1.1/admin".to_string(),
        "http://100.64.0.1/".to_string(),
        // These two reach this very machine on Linux: refused before any connection.
        format!("http://0.0.0.0:{port}/secret"),
        format!("http://[::]:{port}/secret"),
    ];
    let c = client(LOOPBACK);
    for (i, t) in targets.iter().enumerate() {
        let path = format!("/hop{i}");
        s.set(&path, Reply::redirect(t));
        let err = c.get(&s.url(&path)).await.expect_err("refused");
        assert!(matches!(err, HttpError::Refused { .. }), "{t}: {err}");
        assert!(!err.is_transient(), "{t}");
    }
    assert!(
        s.requests_to("/secret").is_empty(),
        "a refused address was contacted"
    );
}
