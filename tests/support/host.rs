//! A real host for wire tests: its own data directory, a free loopback port, fast ticks.

use std::path::Path;
use std::time::Duration;

use regroup::runtime::{Host, HostConfig, RunningHost};
use regroup_assignor_api::codec;
use regroup_client::{Client, ConsumerConfig};
use regroup_protocol::{Hello, Welcome, encode_frame, parse_frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts a host on `data_dir` (created if missing) on 127.0.0.1, port 0.
pub fn start_host(data_dir: &Path) -> RunningHost {
    start_host_with(data_dir, |_| {})
}

/// As [`start_host`], with `configure` applied to the configuration last.
pub fn start_host_with(data_dir: &Path, configure: impl FnOnce(&mut HostConfig)) -> RunningHost {
    let mut config = HostConfig::for_tests(data_dir);
    config.tick_interval_ms = 10;
    // The tests' records need not survive a power cut; the files still do, so restart tests hold.
    config.flush = regroup::log::FlushPolicy::Os;
    configure(&mut config);
    Host::start(config).expect("host starts")
}

/// Sends a hello and reads the welcome on a raw socket.
pub async fn raw_connection(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(&encode_frame(1, &Hello::current("raw")))
        .await
        .unwrap();
    let (_, payload) = read_frame(&mut stream).await.expect("a welcome");
    assert!(matches!(
        codec::decode::<Welcome>(&payload).unwrap(),
        Welcome::Accepted { .. }
    ));
    stream
}

/// One frame, or `None` once the server has closed the connection.
pub async fn read_frame(stream: &mut TcpStream) -> Option<(u64, Vec<u8>)> {
    let mut buffer = Vec::new();
    loop {
        if let Some(bounds) = parse_frame(&buffer, 1 << 20).unwrap() {
            return Some((bounds.request_id, buffer[bounds.payload].to_vec()));
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.unwrap_or(0);
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

pub fn addr(host: &RunningHost) -> String {
    host.local_addr().to_string()
}

pub async fn admin(host: &RunningHost) -> Client {
    Client::connect(&addr(host)).await.expect("admin client connects")
}

/// A consumer config that reads from the start, commits by hand and notices failures quickly.
pub fn manual_consumer(group: &str, session: Duration) -> ConsumerConfig {
    let mut config = ConsumerConfig::new(group);
    config.enable_auto_commit = false;
    config.auto_offset_reset = regroup_client::OffsetReset::Earliest;
    config.session_timeout = session;
    config.heartbeat_interval = session / 5;
    config.rebalance_timeout = Duration::from_secs(20);
    config
}

/// Polls `check` every 20 ms until it returns `Some`; panics after `limit` naming `what`
/// (a guard against hanging, not a timing assertion).
pub async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let start = tokio::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "gave up after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
