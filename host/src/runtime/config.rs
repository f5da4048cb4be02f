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
    /// Address the Kafka listener serves Kafka clients on (Kafka's `listeners`, port 9092);
    /// `None` (`"off"` in a file or flag) turns it off. Port 0 picks a free port.
    #[serde(deserialize_with = "kafka_listen")]
    pub kafka_listen: Option<SocketAddr>,
    /// `host:port` that Kafka clients are told to connect to (Kafka's `advertised.listeners`);
    /// `None` is the Kafka listener's own address.
    pub advertised: Option<String>,
    /// Whether a Metadata or Produce request of a Kafka client naming a topic that does not
    /// exist creates it, with `num_partitions` partitions and the default settings (Kafka's
    /// `auto.create.topics.enable`; off by default here, unlike Kafka, so a typo makes no topic).
    pub auto_create_topics_enable: bool,
    /// Partitions of a topic created by a Kafka client without a count: auto-created, or by
    /// CreateTopics with -1 (Kafka's `num.partitions`, 1); at least 1.
    pub num_partitions: u32,
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
    /// The shortest session timeout a member may ask for; a join outside the bounds is refused
    /// (Kafka's `group.min.session.timeout.ms`, 6 s).
    pub group_min_session_timeout_ms: u64,
    /// The longest session timeout a member may ask for (Kafka's
    /// `group.max.session.timeout.ms`, 30 min).
    pub group_max_session_timeout_ms: u64,
    /// The longest rebalance timeout a member may ask for, so no rebalance waits longer for
    /// laggards (Kafka's broker has no such bound; this takes `group.max.session.timeout.ms`'s
    /// 30 min).
    pub group_max_rebalance_timeout_ms: u64,
    /// How long a Kafka classic group that was empty waits for more members before its first
    /// rebalance completes, extended by as much for each member that joins meanwhile, up to the
    /// rebalance timeout (Kafka's `group.initial.rebalance.delay.ms`, 3 s; 0 turns it off).
    pub group_initial_rebalance_delay_ms: u64,
    /// How often a consumer-protocol member heartbeats: the host tells it (Kafka's
    /// `group.consumer.heartbeat.interval.ms`, 5 s).
    pub group_consumer_heartbeat_interval_ms: u64,
    /// A consumer-protocol member not heard from for this long is removed (Kafka's
    /// `group.consumer.session.timeout.ms`, 45 s).
    pub group_consumer_session_timeout_ms: u64,
    /// Assignor names consumer-protocol groups may name besides the strategies' own; the first is
    /// the default of a group that names none (Kafka's `group.consumer.assignors`, `uniform` then
    /// `range`).
    pub group_consumer_assignors: Vec<String>,
    /// How long one run of an assignment strategy may take.
    pub plugin_deadline_ms: u64,
    /// How long a strategy whose in-process run missed the deadline is set aside (groups fall
    /// back at once) after that run ends; while it still runs, the strategy is never started
    /// again.
    pub plugin_overrun_cooldown_ms: u64,
    /// How many groups' strategies may run at once; more runs queue.
    pub strategy_threads: usize,
    /// The most heap an isolated plugin worker may take (4 GiB); 0 means no limit.
    pub plugin_worker_max_memory_bytes: u64,
    /// Where plugin strategies run: `"in-process"` (fastest) or `"isolated"` (a worker process
    /// per plugin, killed at the deadline).
    pub isolation: Isolation,
    /// Per-strategy exceptions to `isolation`, by strategy name.
    pub isolate: BTreeMap<String, Isolation>,
    /// Connections served at once (Kafka's `max.connections`); one more is refused with a
    /// logged warning. 0: half the file descriptors the process may open (its limit is raised
    /// to the hard limit at start); a larger value is lowered to that.
    pub max_connections: usize,
    /// Largest request payload the server reads.
    pub max_frame_bytes: usize,
    /// Bytes the requests being read may take together (Kafka's `queued.max.request.bytes`);
    /// never less than one largest request.
    pub queued_max_request_bytes: usize,
    /// A connection that sends no hello within this long is closed.
    pub handshake_timeout_ms: u64,
    /// A connection that sends no request for this long, with no join or fetch of its own
    /// waiting, is closed (Kafka's `connections.max.idle.ms`).
    pub connections_max_idle_ms: u64,
    /// Partitions the host may hold in all, checked before a topic is created or grown. 0: as
    /// many as the file descriptors left beside `max_connections` allow (three per partition).
    pub max_partitions: u32,
    /// How often the coordinator's clock runs: session expiry, rebalance timeouts, retries and
    /// plugin events are noticed at this granularity.
    pub tick_interval_ms: u64,
    /// Threads serving connections; 0 is one per CPU.
    pub worker_threads: usize,
    /// Where `GET /metrics` is served (Prometheus' text format); `"off"` in a file (`None`)
    /// serves none. Loopback by default, next to the native port; port 0 picks a free one.
    #[serde(deserialize_with = "metrics_listen")]
    pub metrics_listen: Option<SocketAddr>,
}

/// The default metrics address: beside the native protocol's 9292.
pub const DEFAULT_METRICS_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9293);

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9292)),
            kafka_listen: Some(SocketAddr::from(([127, 0, 0, 1], 9092))),
            advertised: None,
            auto_create_topics_enable: false,
            num_partitions: 1,
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
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            group_max_rebalance_timeout_ms: 1_800_000,
            group_initial_rebalance_delay_ms: 3_000,
            group_consumer_heartbeat_interval_ms: 5_000,
            group_consumer_session_timeout_ms: 45_000,
            group_consumer_assignors: vec!["uniform".to_owned(), "range".to_owned()],
            plugin_deadline_ms: 10_000,
            plugin_overrun_cooldown_ms: 300_000,
            strategy_threads: 4,
            plugin_worker_max_memory_bytes: 4 << 30,
            isolation: Isolation::InProcess,
            isolate: BTreeMap::new(),
            max_connections: 0,
            max_frame_bytes: crate::protocol::DEFAULT_MAX_FRAME_BYTES,
            queued_max_request_bytes: crate::server::DEFAULT_QUEUED_MAX_REQUEST_BYTES,
            handshake_timeout_ms: crate::server::DEFAULT_HANDSHAKE_TIMEOUT.as_millis() as u64,
            connections_max_idle_ms: crate::server::DEFAULT_CONNECTIONS_MAX_IDLE.as_millis() as u64,
            max_partitions: 0,
            tick_interval_ms: 25,
            worker_threads: 0,
            metrics_listen: Some(DEFAULT_METRICS_LISTEN),
        }
    }
}

impl HostConfig {
    /// The defaults, with the data in `data_dir` and a free loopback port, and sessions as
    /// short as 100 ms allowed: what tests want.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        HostConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kafka_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            data_dir: data_dir.into(),
            group_min_session_timeout_ms: 100,
            ..HostConfig::default()
        }
    }

    /// The settings that must agree with each other.
    pub(crate) fn check(&self) -> Result<(), String> {
        let (min, max) = (
            self.group_min_session_timeout_ms,
            self.group_max_session_timeout_ms,
        );
        if min == 0 || min > max {
            return Err(format!(
                "group_min_session_timeout_ms ({min}) must be at least 1 and at most group_max_session_timeout_ms ({max})"
            ));
        }
        if !(min..=max).contains(&self.session_timeout_ms) {
            return Err(format!(
                "session_timeout_ms ({}) must lie within group_min_session_timeout_ms ({min}) and group_max_session_timeout_ms ({max})",
                self.session_timeout_ms
            ));
        }
        let (interval, session) = (
            self.group_consumer_heartbeat_interval_ms,
            self.group_consumer_session_timeout_ms,
        );
        if interval == 0 || interval >= session {
            return Err(format!(
                "group_consumer_heartbeat_interval_ms ({interval}) must be at least 1 and below group_consumer_session_timeout_ms ({session})"
            ));
        }
        let max_rebalance = self.group_max_rebalance_timeout_ms;
        if !(1..=max_rebalance).contains(&self.rebalance_timeout_ms) {
            return Err(format!(
                "rebalance_timeout_ms ({}) must lie within 1 and group_max_rebalance_timeout_ms ({max_rebalance})",
                self.rebalance_timeout_ms
            ));
        }
        if self.num_partitions == 0 {
            return Err("num_partitions must be at least 1".into());
        }
        Ok(())
    }

    pub(crate) fn millis(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    /// A timeout in ms where 0 means none: then about a century.
    pub(crate) fn millis_or_never(ms: u64) -> Duration {
        match ms {
            0 => Duration::from_secs(u64::from(u32::MAX)),
            ms => Duration::from_millis(ms),
        }
    }

    pub(crate) fn limit(value: u64) -> Option<u64> {
        (value > 0).then_some(value)
    }
}

/// Reads the Kafka listener's address: `host:port`, or `off`.
pub fn parse_kafka_listen(text: &str) -> Result<Option<SocketAddr>, String> {
    match text {
        "off" => Ok(None),
        addr => addr
            .parse()
            .map(Some)
            .map_err(|_| format!("{addr:?} is neither an address (host:port) nor off")),
    }
}

fn kafka_listen<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_kafka_listen(&text).map_err(serde::de::Error::custom)
}

/// Reads a metrics address: `host:port`, or `off` for no metrics endpoint.
pub fn parse_metrics_listen(text: &str) -> Result<Option<SocketAddr>, String> {
    if text == "off" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("metrics address {text:?} is neither host:port (e.g. 127.0.0.1:9293) nor off"))
}

fn metrics_listen<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_metrics_listen(&text).map_err(serde::de::Error::custom)
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
    fn a_consumer_heartbeat_interval_not_below_the_consumer_session_timeout_is_refused() {
        let mut config = HostConfig::default();
        assert!(config.check().is_ok());
        config.group_consumer_heartbeat_interval_ms = 45_000;
        let error = config.check().unwrap_err();
        assert!(
            error.contains(
                "group_consumer_heartbeat_interval_ms (45000) must be at least 1 and below group_consumer_session_timeout_ms (45000)"
            ),
            "{error}"
        );
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
    fn a_default_session_outside_the_group_bounds_is_refused_naming_both() {
        assert_eq!(HostConfig::default().check(), Ok(()));
        let config = HostConfig {
            session_timeout_ms: 3000,
            ..HostConfig::default()
        };
        let error = config.check().unwrap_err();
        assert!(
            error.contains("session_timeout_ms (3000)")
                && error.contains("group_min_session_timeout_ms (6000)"),
            "{error}"
        );
        let config = HostConfig {
            rebalance_timeout_ms: 0,
            ..HostConfig::default()
        };
        assert!(config.check().unwrap_err().contains("rebalance_timeout_ms (0)"));
    }

    #[test]
    fn topics_are_not_auto_created_by_default_and_num_partitions_must_be_at_least_1() {
        let default = HostConfig::default();
        assert!(!default.auto_create_topics_enable);
        assert_eq!(default.num_partitions, 1);
        let on: HostConfig =
            serde_json::from_str(r#"{"auto_create_topics_enable": true, "num_partitions": 3}"#).unwrap();
        assert!(on.auto_create_topics_enable);
        assert_eq!(on.check(), Ok(()));
        let zero = HostConfig {
            num_partitions: 0,
            ..HostConfig::default()
        };
        assert!(zero.check().unwrap_err().contains("num_partitions"));
    }

    #[test]
    fn the_kafka_listener_is_on_at_9092_by_default_and_off_when_asked() {
        let default = HostConfig::default().kafka_listen.unwrap();
        assert_eq!((default.ip().is_loopback(), default.port()), (true, 9092));
        let off: HostConfig = serde_json::from_str(r#"{"kafka_listen": "off"}"#).unwrap();
        assert_eq!(off.kafka_listen, None);
        let error = serde_json::from_str::<HostConfig>(r#"{"kafka_listen": "nowhere"}"#).unwrap_err();
        assert!(error.to_string().contains("neither an address"), "{error}");
    }

    #[test]
    fn the_default_listens_on_loopback_only() {
        assert!(HostConfig::default().listen.ip().is_loopback());
        assert!(HostConfig::default().metrics_listen.unwrap().ip().is_loopback());
    }

    #[test]
    fn the_metrics_endpoint_is_an_address_or_off() {
        let config: HostConfig = serde_json::from_str(r#"{"metrics_listen": "off"}"#).unwrap();
        assert_eq!(config.metrics_listen, None);
        let config: HostConfig = serde_json::from_str(r#"{"metrics_listen": "127.0.0.1:9400"}"#).unwrap();
        assert_eq!(config.metrics_listen.unwrap().port(), 9400);
        let error = serde_json::from_str::<HostConfig>(r#"{"metrics_listen": "9400"}"#).unwrap_err();
        assert!(
            error.to_string().contains("\"9400\" is neither host:port"),
            "{error}"
        );
    }
}
