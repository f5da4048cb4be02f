//! A real host for wire tests: its own data directory, a free loopback port, fast ticks.

use std::path::Path;
use std::time::Duration;

use regroup::client::{Client, ConsumerConfig};
use regroup::runtime::{Host, HostConfig, RunningHost};

/// Starts a host on `data_dir` (created if missing) on 127.0.0.1, port 0.
pub fn start_host(data_dir: &Path) -> RunningHost {
    let mut config = HostConfig::for_tests(data_dir);
    config.tick_interval_ms = 10;
    // The tests' records need not survive a power cut; the files still do, so restart tests hold.
    config.flush = regroup::log::FlushPolicy::Os;
    Host::start(config).expect("host starts")
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
    config.auto_offset_reset = regroup::client::OffsetReset::Earliest;
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
