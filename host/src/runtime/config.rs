//! [`HostConfig`]: everything a host is started with. Plain data with `Default` and serde
//! `Deserialize` (snake_case keys, unknown keys refused), so a TOML file, flags and environment
//! overrides can all fill it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::log::FlushPolicy;
use crate::registry::Isolation;

/// A host's configuration. Durations are in milliseconds; a limit of 0 means "none".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    /// Address the server listens on; loopback by default so nothing is exposed by accident.
    /// Port 0 picks a free port (see [`super::RunningHost::local_addr`]).
    pub listen: SocketAddr,
    /// Holds the log (`topics/`) and the committed offsets (`groups/offsets.log`).
    pub data_dir: PathBuf,
    /// Where assignor plugins are dropped; `None` serves the built-in strategies only.
    pub plugin_dir: Option<PathBuf>,
    /// The `regroup` binary that runs plugin probes and isolated workers; `None` is this
    /// executable (right for the `regroup` command, not for a test binary).
    pub helper_exe: Option<PathBuf>,
    /// How often the plugin directory is compared with what is served (file events only make
    /// the next rescan come sooner).
    pub rescan_interval_ms: u64,
    /// Default flush policy of topics that set none: `"every_batch"` (fsync before each
    /// acknowledgement), `"os"` (never fsync explicitly) or `"interval_ms:N"`.
    #[serde(deserialize_with = "flush_policy")]
    pub flush: FlushPolicy,
    /// Default age after which a topic's old segments are deleted; 0 keeps them forever.
    pub retention_ms: u64,
    /// Default bytes each partition keeps before its oldest segments go; 0 means no limit.
    pub retention_bytes: u64,
    /// How often retention runs.
    pub retention_check_interval_ms: u64,
    /// Default age at which a topic's active segment is closed at its next append (Kafka's
    /// `segment.ms` / `log.roll.ms`); at least 1.
    pub segment_ms: u64,
    /// Session timeout of members that do not set one: without a heartbeat for this long a
    /// member is removed and its partitions reassigned.
    pub session_timeout_ms: u64,
    /// Rebalance timeout of members that do not set one: how long a rebalance waits for them
    /// to rejoin.
    pub rebalance_timeout_ms: u64,
    /// How long one run of an assignment strategy may take.
    pub plugin_deadline_ms: u64,
    /// Where plugin strategies run: `"in-process"` (fastest) or `"isolated"` (a worker process
    /// per plugin, killed at the deadline).
    pub isolation: Isolation,
    /// Per-strategy exceptions to `isolation`, by strategy name.
    pub isolate: BTreeMap<String, Isolation>,
    /// Open connections beyond this wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Largest request payload the server reads.
    pub max_frame_bytes: usize,
    /// How often the coordinator's clock runs: session expiry, rebalance timeouts, retries and
    /// plugin events are noticed at this granularity.
    pub tick_interval_ms: u64,
    /// Threads serving connections; 0 is one per CPU.
    pub worker_threads: usize,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9292)),
            data_dir: PathBuf::from("regroup-data"),
            plugin_dir: None,
            helper_exe: None,
            rescan_interval_ms: 1000,
            flush: FlushPolicy::EveryBatch,
            retention_ms: 7 * 24 * 3600 * 1000,
            retention_bytes: 0,
            retention_check_interval_ms: 300_000,
            segment_ms: 604_800_000,
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 60_000,
            plugin_deadline_ms: 10_000,
            isolation: Isolation::InProcess,
            isolate: BTreeMap::new(),
            max_connections: 1024,
            max_frame_bytes: crate::protocol::DEFAULT_MAX_FRAME_BYTES,
            tick_interval_ms: 25,
            worker_threads: 0,
        }
    }
}

impl HostConfig {
    /// The defaults, with the data in `data_dir` and a free loopback port: what tests want.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        HostConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            ..HostConfig::default()
        }
    }

    pub(crate) fn millis(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    pub(crate) fn limit(value: u64) -> Option<u64> {
        (value > 0).then_some(value)
    }
}

fn flush_policy<'de, D: Deserializer<'de>>(deserializer: D) -> Result<FlushPolicy, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse::<FlushPolicy>()
        .map_err(|why| serde::de::Error::custom(format!("flush {text:?}: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_take_the_defaults_and_unknown_keys_are_refused() {
        let config: HostConfig =
            serde_json::from_str(r#"{"flush": "interval_ms:200", "isolate": {"sticky": "isolated"}}"#)
                .unwrap();
        assert_eq!(config.flush, FlushPolicy::Interval(Duration::from_millis(200)));
        assert_eq!(config.isolate["sticky"], Isolation::Isolated);
        assert_eq!(config.listen, HostConfig::default().listen);
        let error = serde_json::from_str::<HostConfig>(r#"{"listen_address": "x"}"#).unwrap_err();
        assert!(error.to_string().contains("listen_address"), "{error}");
    }

    #[test]
    fn a_zero_flush_interval_is_refused_by_the_host_configuration_as_by_topic_conf() {
        let error = serde_json::from_str::<HostConfig>(r#"{"flush": "interval_ms:0"}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a flush interval must be at least 1 ms"),
            "{error}"
        );
        let error = serde_json::from_str::<HostConfig>(r#"{"flush": "sometimes"}"#).unwrap_err();
        assert!(error.to_string().contains("\"sometimes\""), "{error}");
    }

    #[test]
    fn the_default_listens_on_loopback_only() {
        assert!(HostConfig::default().listen.ip().is_loopback());
    }
}
