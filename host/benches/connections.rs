//! Connections against a real `regroup serve` process (this build's binary, in a temp dir):
//!
//! - the host's resident memory with 1,000 connections that each announce the largest frame
//!   (65 MiB) and send 4 KiB of it, then 1 MiB more of it each;
//! - how long a normal client takes to be served (connect, hello, list topics) while 1,040 idle
//!   connections that never say hello are open, with the default limits and with
//!   `max_connections = 1024` (the old default), where it waits for the handshake timeout to
//!   close idle ones.
//!
//! Run with `cargo bench -p regroup --bench connections`. The bench raises its own descriptor
//! limit (to the hard limit) for the ~2,000 sockets it opens; so does the host.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use regroup::client::{Client, ClientOptions};
use regroup::protocol::{DEFAULT_MAX_FRAME_BYTES, Hello, encode_frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ANNOUNCING: usize = 1000;
const IDLE: usize = 1040;

/// `regroup serve` on 127.0.0.1:0; killed on drop.
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(data_dir: &Path, config: Option<&str>) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_regroup"));
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--kafka-listen",
                "127.0.0.1:0",
                "--metrics-listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(data_dir.join("data"));
        if let Some(text) = config {
            let file = data_dir.join("regroup.toml");
            std::fs::write(&file, text).expect("write config");
            command.arg("--config").arg(file);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start regroup serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("first line");
        let addr = line.split_whitespace().nth(3).expect("an address").to_owned();
        Serve { child, addr }
    }

    fn resident_mib(&self) -> f64 {
        support::process_status_kib(&self.child.id().to_string(), "VmRSS") as f64 / 1024.0
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects and completes the handshake on a raw socket.
async fn handshaken(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(&encode_frame(0, &Hello::current("bench")))
        .await
        .expect("hello");
    let mut welcome = [0u8; 256];
    let read = stream.read(&mut welcome).await.expect("welcome");
    assert!(read > 0, "closed during the handshake");
    stream
}

async fn announcing_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let serve = Serve::start(dir.path(), None);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = serve.resident_mib();
    let mut peers = Vec::new();
    for _ in 0..ANNOUNCING {
        let mut peer = handshaken(&serve.addr).await;
        let mut start = ((DEFAULT_MAX_FRAME_BYTES + 8) as u32).to_le_bytes().to_vec();
        start.extend_from_slice(&1u64.to_le_bytes());
        start.extend_from_slice(&[0u8; 4096]);
        peer.write_all(&start).await.expect("header");
        peers.push(peer);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let announced = serve.resident_mib();
    println!(
        "{ANNOUNCING} connections, each announcing a {} MiB frame and sending 4 KiB of it: host resident {announced:.0} MiB ({before:.0} MiB before them)",
        DEFAULT_MAX_FRAME_BYTES >> 20
    );
    // 1 MiB more each: the host reads on only as far as its request budget allows.
    let mut writers = Vec::new();
    for mut peer in peers {
        writers.push(tokio::spawn(async move {
            let _ = peer.write_all(&vec![0u8; 1 << 20]).await;
            peer
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent = serve.resident_mib();
    println!("  ... after sending 1 MiB more each ({ANNOUNCING} MiB in all): host resident {sent:.0} MiB");
    for writer in writers {
        writer.abort();
    }
}

async fn served_among_idle(label: &str, config: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let serve = Serve::start(dir.path(), config);
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(&serve.addr).await.expect("connect"));
    }
    let started = Instant::now();
    let options = ClientOptions {
        request_timeout: Duration::from_secs(120),
        ..ClientOptions::default()
    };
    let client = Client::connect_with(&serve.addr, options).await.expect("served");
    client.list_topics().await.expect("list topics");
    println!(
        "{label}: a client served (connect, hello, list topics) in {} with {IDLE} idle connections open",
        support::ms(started.elapsed())
    );
    drop(idle);
}

fn main() {
    let open_files = regroup::runtime::raise_open_files_limit();
    println!("open files limit {open_files:?}; load {}", support::loadavg());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        announcing_memory().await;
        served_among_idle("default limits", None).await;
        served_among_idle(
            "max_connections = 1024, handshake timeout 10 s",
            Some("max_connections = 1024\n"),
        )
        .await;
    });
}
