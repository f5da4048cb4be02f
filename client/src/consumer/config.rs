//! [`ConsumerConfig`], in Kafka's vocabulary: typed fields, or Kafka-style properties.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::{ClientError, ClientOptions};

/// Where a partition without a committed offset starts (Kafka's `auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    Latest,
    /// Fail the poll with [`ClientError::NoOffset`].
    None,
}

/// A member's opaque data for one strategy: fixed bytes, or computed at every join (so a member
/// can report its lag or capacity as of the rebalance).
#[derive(Clone, Default)]
pub enum UserData {
    #[default]
    Empty,
    Bytes(Vec<u8>),
    Callback(Arc<dyn Fn() -> Vec<u8> + Send + Sync>),
}

impl UserData {
    pub fn evaluate(&self) -> Vec<u8> {
        match self {
            UserData::Empty => Vec::new(),
            UserData::Bytes(bytes) => bytes.clone(),
            UserData::Callback(compute) => compute(),
        }
    }
}

impl fmt::Debug for UserData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserData::Empty => f.write_str("Empty"),
            UserData::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            UserData::Callback(_) => f.write_str("Callback"),
        }
    }
}

/// One entry of `partition.assignment.strategy`.
#[derive(Debug, Clone)]
pub struct StrategyChoice {
    pub name: String,
    pub user_data: UserData,
}

/// A consumer's configuration. Field names follow Kafka's properties (`group.id` is
/// `group_id`, and so on); [`ConsumerConfig::from_properties`] reads the properties themselves.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// `group.id`.
    pub group_id: String,
    /// `partition.assignment.strategy`: accepted strategies, most preferred first.
    pub strategies: Vec<StrategyChoice>,
    /// `group.instance.id`: a static member keeps its assignment across a quick restart.
    pub instance_id: Option<String>,
    /// `session.timeout.ms`: without a heartbeat for this long the member is removed.
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms`.
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`: sent as the rebalance timeout, how long a rebalance waits for
    /// this member to rejoin.
    pub rebalance_timeout: Duration,
    /// `enable.auto.commit`: commit positions from `poll` every `auto_commit_interval`, before
    /// partitions are revoked, and on close.
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`.
    pub auto_commit_interval: Duration,
    /// `auto.offset.reset`.
    pub auto_offset_reset: OffsetReset,
    /// `fetch.max.bytes`: budget of one fetch across partitions.
    pub fetch_max_bytes: u64,
    /// `max.partition.fetch.bytes`.
    pub max_partition_fetch_bytes: u64,
    /// `client.rack`.
    pub rack: Option<String>,
    /// `client.id` and reconnection settings.
    pub client: ClientOptions,
}

impl ConsumerConfig {
    /// Kafka's defaults where they suit a single host (a 10 s session, 3 s heartbeats), with
    /// `range` as the only strategy.
    pub fn new(group_id: &str) -> Self {
        ConsumerConfig {
            group_id: group_id.to_owned(),
            strategies: vec![StrategyChoice {
                name: "range".to_owned(),
                user_data: UserData::Empty,
            }],
            instance_id: None,
            session_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(3),
            rebalance_timeout: Duration::from_secs(60),
            enable_auto_commit: true,
            auto_commit_interval: Duration::from_secs(5),
            auto_offset_reset: OffsetReset::Latest,
            fetch_max_bytes: 50 << 20,
            max_partition_fetch_bytes: 1 << 20,
            rack: None,
            client: ClientOptions {
                client_id: "regroup-consumer".to_owned(),
                ..ClientOptions::default()
            },
        }
    }

    /// Reads Kafka-style properties over [`ConsumerConfig::new`]'s defaults; `group.id` is
    /// required.
    pub fn from_properties(properties: &[(&str, &str)]) -> Result<Self, ClientError> {
        let group = properties
            .iter()
            .find(|(key, _)| *key == "group.id")
            .map(|(_, value)| *value)
            .ok_or_else(|| ClientError::Config("group.id is required".into()))?;
        let mut config = ConsumerConfig::new(group);
        for (key, value) in properties {
            config.set(key, value)?;
        }
        Ok(config)
    }

    /// Sets one Kafka property.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ClientError> {
        let invalid = |what: &str| ClientError::Config(format!("{key}={value:?}: {what}"));
        let millis = || {
            value
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| invalid("expected milliseconds"))
        };
        let bytes = || value.parse::<u64>().map_err(|_| invalid("expected a byte count"));
        match key {
            "group.id" => self.group_id = value.to_owned(),
            "partition.assignment.strategy" => {
                let names: Vec<&str> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .collect();
                if names.is_empty() {
                    return Err(invalid("name at least one strategy"));
                }
                self.set_strategies(&names);
            }
            "group.instance.id" => self.instance_id = Some(value.to_owned()),
            "session.timeout.ms" => self.session_timeout = millis()?,
            "heartbeat.interval.ms" => self.heartbeat_interval = millis()?,
            "max.poll.interval.ms" => self.rebalance_timeout = millis()?,
            "enable.auto.commit" => {
                self.enable_auto_commit = value.parse().map_err(|_| invalid("expected true or false"))?
            }
            "auto.commit.interval.ms" => self.auto_commit_interval = millis()?,
            "auto.offset.reset" => {
                self.auto_offset_reset = match value {
                    "earliest" => OffsetReset::Earliest,
                    "latest" => OffsetReset::Latest,
                    "none" => OffsetReset::None,
                    _ => return Err(invalid("expected earliest, latest or none")),
                }
            }
            "fetch.max.bytes" => self.fetch_max_bytes = bytes()?,
            "max.partition.fetch.bytes" => self.max_partition_fetch_bytes = bytes()?,
            "client.rack" => self.rack = Some(value.to_owned()),
            "client.id" => self.client.client_id = value.to_owned(),
            "request.timeout.ms" => self.client.request_timeout = millis()?,
            "socket.connection.setup.timeout.ms" => self.client.connection_setup_timeout = millis()?,
            "reconnect.backoff.ms" => self.client.backoff = millis()?,
            "reconnect.backoff.max.ms" => self.client.max_backoff = millis()?,
            _ => return Err(ClientError::Config(format!("unknown consumer property {key:?}"))),
        }
        Ok(())
    }

    fn user_data_of(&self, name: &str) -> UserData {
        self.strategies
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.user_data.clone())
            .unwrap_or_default()
    }

    /// Sets the user data sent with strategy `name` (added at the end of the list if absent).
    pub fn with_user_data(mut self, name: &str, user_data: UserData) -> Self {
        match self.strategies.iter_mut().find(|s| s.name == name) {
            Some(choice) => choice.user_data = user_data,
            None => self.strategies.push(StrategyChoice {
                name: name.to_owned(),
                user_data,
            }),
        }
        self
    }

    /// Replaces the strategy list by `names`, most preferred first, keeping user data already
    /// set for any of them.
    pub fn with_strategies(mut self, names: &[&str]) -> Self {
        self.set_strategies(names);
        self
    }

    fn set_strategies(&mut self, names: &[&str]) {
        self.strategies = names
            .iter()
            .map(|name| StrategyChoice {
                name: (*name).to_owned(),
                user_data: self.user_data_of(name),
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_properties_fill_the_typed_fields() {
        let config = ConsumerConfig::from_properties(&[
            ("group.id", "billing"),
            ("partition.assignment.strategy", "cooperative-sticky, range"),
            ("group.instance.id", "billing-1"),
            ("session.timeout.ms", "6000"),
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
        ])
        .unwrap();
        assert_eq!(config.group_id, "billing");
        let names: Vec<&str> = config.strategies.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["cooperative-sticky", "range"]);
        assert_eq!(config.instance_id.as_deref(), Some("billing-1"));
        assert_eq!(config.session_timeout, Duration::from_millis(6000));
        assert!(!config.enable_auto_commit);
        assert_eq!(config.auto_offset_reset, OffsetReset::Earliest);
    }

    #[test]
    fn connection_timeouts_and_backoff_take_kafkas_names() {
        let config = ConsumerConfig::from_properties(&[
            ("group.id", "g"),
            ("request.timeout.ms", "5000"),
            ("socket.connection.setup.timeout.ms", "700"),
            ("reconnect.backoff.ms", "20"),
            ("reconnect.backoff.max.ms", "900"),
        ])
        .unwrap();
        assert_eq!(config.client.request_timeout, Duration::from_millis(5000));
        assert_eq!(config.client.connection_setup_timeout, Duration::from_millis(700));
        assert_eq!(config.client.backoff, Duration::from_millis(20));
        assert_eq!(config.client.max_backoff, Duration::from_millis(900));
    }

    #[test]
    fn bad_and_unknown_properties_are_refused_by_name() {
        let error = ConsumerConfig::from_properties(&[("group.id", "g"), ("session.timeout.ms", "soon")])
            .unwrap_err();
        assert!(error.to_string().contains("session.timeout.ms"), "{error}");
        let error =
            ConsumerConfig::from_properties(&[("group.id", "g"), ("fetch.min.wait", "1")]).unwrap_err();
        assert!(error.to_string().contains("fetch.min.wait"), "{error}");
        assert!(ConsumerConfig::from_properties(&[("auto.offset.reset", "earliest")]).is_err());
    }

    #[test]
    fn user_data_callbacks_are_evaluated_each_time() {
        let calls = Arc::new(std::sync::atomic::AtomicU8::new(0));
        let counter = Arc::clone(&calls);
        let config = ConsumerConfig::new("g").with_user_data(
            "range",
            UserData::Callback(Arc::new(move || {
                vec![counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)]
            })),
        );
        assert_eq!(config.strategies[0].user_data.evaluate(), vec![0]);
        assert_eq!(config.strategies[0].user_data.evaluate(), vec![1]);
    }
}
