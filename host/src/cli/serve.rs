//! `regroup serve`: the host. Settings come from, lowest first: the defaults, a TOML file
//! (`--config`, every key documented in `docs/regroup.example.toml`), `REGROUP_*` environment
//! variables, then flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::registry::Isolation;
use crate::runtime::{Host, HostConfig, parse_kafka_listen, parse_metrics_listen};

/// Where plugins are looked for when nothing names a directory.
const DEFAULT_PLUGIN_DIR: &str = "./plugins";

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// A TOML configuration file; environment variables and flags override its keys [default:
    /// none, the defaults].
    #[arg(long, env = "REGROUP_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:9292].
    #[arg(long, env = "REGROUP_LISTEN")]
    listen: Option<SocketAddr>,
    /// Address Kafka clients are served on, or off [default: 127.0.0.1:9092].
    #[arg(long, env = "REGROUP_KAFKA_LISTEN", value_name = "ADDR|off")]
    kafka_listen: Option<String>,
    /// host:port Kafka clients are told to connect to (Kafka's advertised.listeners)
    /// [default: the Kafka listener's address].
    #[arg(long, env = "REGROUP_ADVERTISED", value_name = "HOST:PORT")]
    advertised: Option<String>,
    /// Create a topic a Kafka client's Metadata or Produce names when it does not exist
    /// (Kafka's auto.create.topics.enable) [default: false].
    #[arg(long, env = "REGROUP_AUTO_CREATE_TOPICS_ENABLE", value_name = "BOOL")]
    auto_create_topics_enable: Option<bool>,
    /// Partitions of a topic a Kafka client creates without a count (Kafka's num.partitions)
    /// [default: 1].
    #[arg(long, env = "REGROUP_NUM_PARTITIONS")]
    num_partitions: Option<u32>,
    /// Address of the Prometheus endpoint (GET /metrics), or off [default: 127.0.0.1:9293].
    #[arg(long, env = "REGROUP_METRICS_LISTEN", value_name = "ADDR|off")]
    metrics_listen: Option<String>,
    /// Directory holding topics and committed offsets [default: ./regroup-data].
    #[arg(long, env = "REGROUP_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Directory of assignor plugins, watched even before it exists [default: ./plugins;
    /// built-ins are always served].
    #[arg(long, env = "REGROUP_PLUGIN_DIR")]
    plugin_dir: Option<PathBuf>,
    /// How often the plugin directory is rescanned, in ms [default: 1000].
    #[arg(long, env = "REGROUP_RESCAN_INTERVAL_MS")]
    rescan_interval_ms: Option<u64>,
    /// Default flush policy of topics: every_batch, os or interval_ms:N (every N ms) [default:
    /// every_batch].
    #[arg(long, env = "REGROUP_FLUSH")]
    flush: Option<String>,
    /// Default retention by age, in ms (Kafka's log.retention.ms; 0 keeps everything) [default:
    /// 604800000, 7 days].
    #[arg(long, env = "REGROUP_RETENTION_MS")]
    retention_ms: Option<u64>,
    /// Default retention by size per partition, in bytes (Kafka's log.retention.bytes; 0: no
    /// limit) [default: 0].
    #[arg(long, env = "REGROUP_RETENTION_BYTES")]
    retention_bytes: Option<u64>,
    /// Session timeout for members that set none, in ms [default: 10000].
    #[arg(long, env = "REGROUP_SESSION_TIMEOUT_MS")]
    session_timeout_ms: Option<u64>,
    /// Rebalance timeout for members that set none, in ms [default: 60000].
    #[arg(long, env = "REGROUP_REBALANCE_TIMEOUT_MS")]
    rebalance_timeout_ms: Option<u64>,
    /// Shortest session timeout a member may ask for, in ms (Kafka's group.min.session.timeout.ms)
    /// [default: 6000].
    #[arg(long, env = "REGROUP_GROUP_MIN_SESSION_TIMEOUT_MS")]
    group_min_session_timeout_ms: Option<u64>,
    /// Longest session timeout a member may ask for, in ms (Kafka's group.max.session.timeout.ms)
    /// [default: 1800000].
    #[arg(long, env = "REGROUP_GROUP_MAX_SESSION_TIMEOUT_MS")]
    group_max_session_timeout_ms: Option<u64>,
    /// Longest rebalance timeout a member may ask for, in ms [default: 1800000].
    #[arg(long, env = "REGROUP_GROUP_MAX_REBALANCE_TIMEOUT_MS")]
    group_max_rebalance_timeout_ms: Option<u64>,
    /// How long a Kafka classic group that was empty waits for more members before its first
    /// rebalance completes, in ms (Kafka's group.initial.rebalance.delay.ms) [default: 3000].
    #[arg(long, env = "REGROUP_GROUP_INITIAL_REBALANCE_DELAY_MS")]
    group_initial_rebalance_delay_ms: Option<u64>,
    /// How often consumer-protocol members heartbeat, in ms (Kafka's
    /// group.consumer.heartbeat.interval.ms) [default: 5000].
    #[arg(long, env = "REGROUP_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS")]
    group_consumer_heartbeat_interval_ms: Option<u64>,
    /// Consumer-protocol members not heard from for this long are removed, in ms (Kafka's
    /// group.consumer.session.timeout.ms) [default: 45000].
    #[arg(long, env = "REGROUP_GROUP_CONSUMER_SESSION_TIMEOUT_MS")]
    group_consumer_session_timeout_ms: Option<u64>,
    /// How long one run of a strategy may take, in ms [default: 10000].
    #[arg(long, env = "REGROUP_PLUGIN_DEADLINE_MS")]
    plugin_deadline_ms: Option<u64>,
    /// Where plugin strategies run [default: in-process].
    #[arg(long, value_enum, env = "REGROUP_ISOLATION")]
    isolation: Option<Isolation>,
    /// Run this strategy isolated in a worker process (repeatable) [default: none].
    #[arg(long = "isolate", value_name = "STRATEGY")]
    isolate: Vec<String>,
}

/// The configuration `args` describe, layered over the file it names, over the defaults.
pub fn resolve(args: &ServeArgs) -> Result<HostConfig, String> {
    let mut config = match &args.config {
        Some(path) => read_config(path)?,
        None => HostConfig::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(kafka_listen) = &args.kafka_listen {
        config.kafka_listen = parse_kafka_listen(kafka_listen).map_err(|e| format!("--kafka-listen: {e}"))?;
    }
    if let Some(advertised) = &args.advertised {
        config.advertised = Some(advertised.clone());
    }
    if let Some(enable) = args.auto_create_topics_enable {
        config.auto_create_topics_enable = enable;
    }
    if let Some(partitions) = args.num_partitions {
        config.num_partitions = partitions;
    }
    if let Some(metrics) = &args.metrics_listen {
        config.metrics_listen =
            parse_metrics_listen(metrics).map_err(|e| format!("--metrics-listen: {e}"))?;
    }
    if let Some(dir) = &args.data_dir {
        config.data_dir = dir.clone();
    }
    match &args.plugin_dir {
        Some(dir) => config.plugin_dir = Some(dir.clone()),
        // Watched even before it exists: plugins dropped into it once it appears are served.
        None if config.plugin_dir.is_none() => {
            config.plugin_dir = Some(PathBuf::from(DEFAULT_PLUGIN_DIR));
        }
        None => {}
    }
    let numbers = [
        (args.rescan_interval_ms, &mut config.rescan_interval_ms),
        (args.retention_ms, &mut config.retention_ms),
        (args.retention_bytes, &mut config.retention_bytes),
        (args.session_timeout_ms, &mut config.session_timeout_ms),
        (args.rebalance_timeout_ms, &mut config.rebalance_timeout_ms),
        (args.plugin_deadline_ms, &mut config.plugin_deadline_ms),
        (
            args.group_consumer_heartbeat_interval_ms,
            &mut config.group_consumer_heartbeat_interval_ms,
        ),
        (
            args.group_consumer_session_timeout_ms,
            &mut config.group_consumer_session_timeout_ms,
        ),
        (
            args.group_min_session_timeout_ms,
            &mut config.group_min_session_timeout_ms,
        ),
        (
            args.group_max_session_timeout_ms,
            &mut config.group_max_session_timeout_ms,
        ),
        (
            args.group_max_rebalance_timeout_ms,
            &mut config.group_max_rebalance_timeout_ms,
        ),
        (
            args.group_initial_rebalance_delay_ms,
            &mut config.group_initial_rebalance_delay_ms,
        ),
    ];
    for (given, field) in numbers {
        if let Some(value) = given {
            *field = value;
        }
    }
    if let Some(flush) = &args.flush {
        config.flush = flush.parse().map_err(|e| format!("--flush {flush}: {e}"))?;
    }
    if let Some(isolation) = args.isolation {
        config.isolation = isolation;
    }
    for name in &args.isolate {
        config.isolate.insert(name.clone(), Isolation::Isolated);
    }
    Ok(config)
}

/// Reads a configuration file; errors name the file and, for TOML, the line.
pub fn read_config(path: &Path) -> Result<HostConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let config = resolve(&args)?;
    let plugins = match &config.plugin_dir {
        Some(dir) => dir.display().to_string(),
        None => "none (built-ins only)".to_owned(),
    };
    let data_dir = config.data_dir.clone();
    let host = Host::start(config).map_err(|e| e.to_string())?;
    // One line, the native address fourth, as scripts read it.
    let kafka = match (host.kafka_addr(), host.advertised()) {
        (Some(addr), Some(advertised)) => {
            format!(" and for Kafka clients on {addr} (advertised as {advertised})")
        }
        _ => " (Kafka listener off)".to_owned(),
    };
    let metrics = match host.metrics_addr() {
        Some(addr) => format!("metrics on http://{addr}/metrics"),
        None => "metrics off".to_owned(),
    };
    out!(
        "regroup listening on {}{kafka} (data {}, plugins {}); {metrics}; Ctrl-C stops it",
        host.local_addr(),
        data_dir.display(),
        plugins
    )?;
    host.wait_for_signal().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_file_parses_to_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/regroup.example.toml");
        let config = read_config(&example).unwrap();
        let expected = HostConfig {
            plugin_dir: Some(PathBuf::from("./plugins")),
            ..HostConfig::default()
        };
        assert_eq!(config, expected);
    }

    #[test]
    fn flags_override_the_file_and_the_file_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regroup.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:7000\"\nsession_timeout_ms = 3000\nflush = \"os\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file),
            listen: Some("127.0.0.1:7001".parse().unwrap()),
            plugin_dir: Some(dir.path().to_owned()),
            isolate: vec!["sticky".into()],
            ..ServeArgs::default()
        };
        let config = resolve(&args).unwrap();
        assert_eq!(config.listen.port(), 7001);
        assert_eq!(config.session_timeout_ms, 3000);
        assert_eq!(config.flush, crate::log::FlushPolicy::Os);
        assert_eq!(config.isolate["sticky"], Isolation::Isolated);
        assert_eq!(
            config.metrics_listen,
            Some(crate::runtime::DEFAULT_METRICS_LISTEN)
        );
        let off = ServeArgs {
            metrics_listen: Some("off".into()),
            ..ServeArgs::default()
        };
        assert_eq!(resolve(&off).unwrap().metrics_listen, None);
        assert_eq!(
            config.rebalance_timeout_ms,
            HostConfig::default().rebalance_timeout_ms
        );
    }

    #[test]
    fn a_bad_configuration_names_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "listne = \"127.0.0.1:7000\"\n").unwrap();
        let err = read_config(&file).unwrap_err();
        assert!(err.contains("bad.toml") && err.contains("listne"), "{err}");
    }
}
