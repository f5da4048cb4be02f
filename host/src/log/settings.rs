//! Per-topic settings, host options, and the `topic.conf` file that stores a topic's settings.
//!
//! `topic.conf` is a TOML table, read and written with serde (written atomically):
//!
//! | key                    | value                                                        |
//! |------------------------|--------------------------------------------------------------|
//! | `format_version`       | the log's format ([`FORMAT_VERSION`]); any other is refused  |
//! | `partitions`           | partition count                                              |
//! | `replication_factor`   | always 1 today                                               |
//! | `flush`                | `"host"` (host default), `"every_batch"`, `"os"` or `"interval_ms:N"` |
//! | `retention_bytes`      | bytes per partition, `-1` for no limit (Kafka's convention)  |
//! | `retention_ms`         | age in milliseconds, `-1` for no limit                       |
//! | `segment_bytes`        | size at which a new segment is started                       |
//! | `index_interval_bytes` | bytes of log between index entries                           |
//! | `segment_ms`           | age at which a new segment is started (Kafka's `segment.ms`); absent in files written before it, which read as the default |
//!
//! Every key is checked when the file is read: a missing, unknown or repeated key, or a value
//! out of its range (`partitions=0`, `segment_bytes` past what the index can address, ...),
//! refuses the topic with [`LogError::Corrupt`] naming the key, its value and the rule. Builds
//! before TOML wrote `key=value` lines with bare words and `none`: such a file is read as the
//! TOML it stands for, through the same checks.
//!
//! [`TopicSettings::set_config`] changes a topic's settings by Kafka's config names
//! (`retention.ms`, `segment.bytes`, ...), as `topics create --config` and `topics alter` do.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::LogError;
use super::file_header::FORMAT_VERSION;

/// When appended batches are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushPolicy {
    /// fsync before every append is acknowledged: acknowledged records survive a crash.
    EveryBatch,
    /// A background thread fsyncs partitions written to since the last flush, at this period.
    Interval(Duration),
    /// Never fsync explicitly (except on close); the OS writes pages back when it likes.
    Os,
}

impl std::fmt::Display for FlushPolicy {
    /// As `topic.conf`, the host's configuration and `flush.policy` write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlushPolicy::EveryBatch => f.write_str("every_batch"),
            FlushPolicy::Os => f.write_str("os"),
            FlushPolicy::Interval(period) => write!(f, "interval_ms:{}", period.as_millis()),
        }
    }
}

/// The one reader of a flush policy, wherever it is written (`topic.conf`, the host's
/// configuration, `flush.policy`): `every_batch`, `os` or `interval_ms:N` with N at least 1.
impl std::str::FromStr for FlushPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "every_batch" => Ok(FlushPolicy::EveryBatch),
            "os" => Ok(FlushPolicy::Os),
            other => match other.strip_prefix("interval_ms:").map(str::parse::<u64>) {
                Some(Ok(0)) => Err("a flush interval must be at least 1 ms".into()),
                Some(Ok(ms)) => Ok(FlushPolicy::Interval(Duration::from_millis(ms))),
                _ => Err("expected every_batch, os or interval_ms:N".into()),
            },
        }
    }
}

/// How a topic is stored. `Default` gives Kafka's defaults where Kafka has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSettings {
    /// Copies of each partition; this single host serves only 1.
    pub replication_factor: u16,
    /// `None` follows the host's [`LogOptions::default_flush`].
    pub flush: Option<FlushPolicy>,
    /// Per partition: the oldest segments go once the rest still hold this many bytes.
    pub retention_bytes: Option<u64>,
    /// Segments whose newest record is older than this go.
    pub retention_age: Option<Duration>,
    pub segment_bytes: u32,
    pub index_interval_bytes: u32,
    /// A segment whose first record was appended this long ago is closed at the next append
    /// (Kafka's `segment.ms`, default 7 days), so age retention can delete it whole.
    pub segment_age: Duration,
}

impl Default for TopicSettings {
    fn default() -> Self {
        TopicSettings {
            replication_factor: 1,
            flush: None,
            retention_bytes: None,
            retention_age: Some(Duration::from_secs(7 * 24 * 3600)),
            segment_bytes: 1 << 30,
            index_interval_bytes: 4096,
            segment_age: DEFAULT_SEGMENT_AGE,
        }
    }
}

/// Largest segment: positions in the offset index are 32-bit.
pub const MAX_SEGMENT_BYTES: u32 = i32::MAX as u32;
const MIN_SEGMENT_BYTES: u32 = 64;
/// Kafka's `segment.ms` default: 604800000 (7 days).
pub const DEFAULT_SEGMENT_AGE: Duration = Duration::from_millis(604_800_000);

impl TopicSettings {
    pub fn validate(&self, topic: &str) -> Result<(), LogError> {
        let invalid = |reason: String| LogError::InvalidSettings {
            topic: topic.to_owned(),
            reason,
        };
        if self.replication_factor != 1 {
            return Err(LogError::ReplicationFactorUnsupported {
                topic: topic.to_owned(),
                requested: self.replication_factor,
            });
        }
        if !(MIN_SEGMENT_BYTES..=MAX_SEGMENT_BYTES).contains(&self.segment_bytes) {
            return Err(invalid(format!(
                "segment_bytes {} is outside {MIN_SEGMENT_BYTES}..={MAX_SEGMENT_BYTES}",
                self.segment_bytes
            )));
        }
        if self.index_interval_bytes == 0 {
            return Err(invalid("index_interval_bytes must be at least 1".into()));
        }
        if self.segment_age.as_millis() == 0 {
            return Err(invalid("segment_ms must be at least 1".into()));
        }
        if let Some(FlushPolicy::Interval(period)) = self.flush
            && period.is_zero()
        {
            return Err(invalid("a flush interval must be longer than zero".into()));
        }
        Ok(())
    }
}

/// The keys [`TopicSettings::set_config`] takes: Kafka's names for the settings this log has, and
/// `flush.policy` for its flush policy (Kafka spreads that over `flush.messages` and `flush.ms`).
pub const TOPIC_CONFIG_KEYS: [&str; 5] = [
    "retention.ms",
    "retention.bytes",
    "segment.bytes",
    "segment.ms",
    "flush.policy",
];

impl TopicSettings {
    /// Sets `key` (one of [`TOPIC_CONFIG_KEYS`]) to `value`, or with `None` back to `defaults`'
    /// value. Retention takes Kafka's `-1` for no limit. The error names the key, the value
    /// and the rule.
    pub fn set_config(
        &mut self,
        key: &str,
        value: Option<&str>,
        defaults: &TopicSettings,
    ) -> Result<(), String> {
        if !TOPIC_CONFIG_KEYS.contains(&key) {
            return Err(format!(
                "unknown topic config {key:?} (known: {})",
                TOPIC_CONFIG_KEYS.join(", ")
            ));
        }
        let Some(value) = value else {
            match key {
                "retention.ms" => self.retention_age = defaults.retention_age,
                "retention.bytes" => self.retention_bytes = defaults.retention_bytes,
                "segment.bytes" => self.segment_bytes = defaults.segment_bytes,
                "segment.ms" => self.segment_age = defaults.segment_age,
                _ => self.flush = defaults.flush,
            }
            return Ok(());
        };
        let number = |min: i64, max: i64| {
            value
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| format!("{key}={value}: must be a whole number within {min}..={max}"))
        };
        let limit = || number(-1, i64::MAX).map(|n| (n >= 0).then_some(n as u64));
        match key {
            "retention.ms" => self.retention_age = limit()?.map(Duration::from_millis),
            "retention.bytes" => self.retention_bytes = limit()?,
            "segment.bytes" => {
                self.segment_bytes = number(MIN_SEGMENT_BYTES.into(), MAX_SEGMENT_BYTES.into())? as u32
            }
            "segment.ms" => self.segment_age = Duration::from_millis(number(1, i64::MAX)? as u64),
            _ => {
                self.flush = Some(
                    value
                        .parse::<FlushPolicy>()
                        .map_err(|why| format!("{key}={value}: {why}"))?,
                )
            }
        }
        Ok(())
    }

    /// Each of [`TOPIC_CONFIG_KEYS`] with its value as [`TopicSettings::set_config`] takes it
    /// (`-1` for no limit), `flush` being the policy in force: what Kafka's DescribeConfigs
    /// answers.
    pub fn config_values(&self, flush: FlushPolicy) -> [(&'static str, String); 5] {
        let limit = |value: Option<u64>| value.map_or("-1".to_owned(), |n| n.to_string());
        [
            (
                "retention.ms",
                limit(self.retention_age.map(|age| age.as_millis() as u64)),
            ),
            ("retention.bytes", limit(self.retention_bytes)),
            ("segment.bytes", self.segment_bytes.to_string()),
            ("segment.ms", self.segment_age.as_millis().to_string()),
            ("flush.policy", flush.to_string()),
        ]
    }
}

/// Host-wide options of a [`super::Log`].
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// Flush policy of topics that do not set their own. Every batch by default: with a single
    /// copy of each partition, the disk is the only thing that keeps an acknowledged record.
    pub default_flush: FlushPolicy,
    /// How often the background thread applies retention.
    pub retention_check_interval: Duration,
    /// Partitions the log may hold in all, checked before a topic is created or grown; `None`
    /// is no limit. The host derives it from the file descriptors it may open.
    pub max_partitions: Option<u32>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            default_flush: FlushPolicy::EveryBatch,
            retention_check_interval: Duration::from_secs(300),
            max_partitions: None,
        }
    }
}

/// What `topic.conf` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTopic {
    pub partitions: u32,
    pub settings: TopicSettings,
}

/// `topic.conf` as it is stored: a TOML table (see the module documentation). Every field is
/// read as a TOML integer or string and then checked, so a refusal names the key, its value and
/// the rule; serde refuses unknown keys, toml repeated ones.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfFile {
    format_version: i64,
    partitions: i64,
    replication_factor: i64,
    flush: String,
    retention_bytes: i64,
    retention_ms: i64,
    segment_bytes: i64,
    index_interval_bytes: i64,
    /// Absent in files written before segment.ms existed: Kafka's default.
    segment_ms: Option<i64>,
}

/// The one key every format of `topic.conf` has.
#[derive(Deserialize)]
struct VersionOnly {
    format_version: i64,
}

/// The `flush` value of a topic that follows the host's policy.
const HOST_FLUSH: &str = "host";
/// A retention value that keeps everything (Kafka's convention).
const NO_LIMIT: i64 = -1;

pub fn encode_conf(topic: &StoredTopic) -> String {
    let s = &topic.settings;
    let limit = |value: Option<u64>| value.map_or(NO_LIMIT, |v| v.min(i64::MAX as u64) as i64);
    let conf = ConfFile {
        format_version: i64::from(FORMAT_VERSION),
        partitions: i64::from(topic.partitions),
        replication_factor: i64::from(s.replication_factor),
        flush: s.flush.map_or(HOST_FLUSH.to_owned(), |flush| flush.to_string()),
        retention_bytes: limit(s.retention_bytes),
        retention_ms: limit(s.retention_age.map(|age| age.as_millis() as u64)),
        segment_bytes: i64::from(s.segment_bytes),
        index_interval_bytes: i64::from(s.index_interval_bytes),
        segment_ms: Some(s.segment_age.as_millis().min(i64::MAX as u128) as i64),
    };
    toml::to_string(&conf).expect("a table of integers and strings serializes")
}

/// Reads `topic.conf`, checking every key (see the module documentation).
pub fn decode_conf(text: &str, path: &Path) -> Result<StoredTopic, LogError> {
    let corrupt = |reason: String| LogError::Corrupt {
        path: path.to_path_buf(),
        position: 0,
        reason,
    };
    let unsupported = |found: i64| LogError::UnsupportedFormat {
        path: path.to_path_buf(),
        found: found.clamp(0, i64::from(u16::MAX)) as u16,
        supported: FORMAT_VERSION,
    };
    // Earlier builds wrote `key=value` lines with bare words, which are not TOML: read as the
    // TOML they stand for, through the same checks.
    let legacy = key_value_lines_as_toml(text);
    let table = legacy.as_deref().unwrap_or(text);
    let conf: ConfFile = match toml::from_str(table) {
        Ok(conf) => conf,
        // A file another format wrote may hold other keys: its version is the error then.
        Err(error) => match toml::from_str::<VersionOnly>(table) {
            Ok(other) if other.format_version != i64::from(FORMAT_VERSION) => {
                return Err(unsupported(other.format_version));
            }
            _ => return Err(corrupt(toml_reason(table, &error))),
        },
    };
    if conf.format_version != i64::from(FORMAT_VERSION) {
        return Err(unsupported(conf.format_version));
    }
    let within = |key: &str, value: i64, min: i64, max: i64| -> Result<i64, LogError> {
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(corrupt(format!("{key}={value}: must be within {min}..={max}")))
        }
    };
    let limit = |key: &str, value: i64| -> Result<Option<u64>, LogError> {
        match value {
            NO_LIMIT => Ok(None),
            v if v >= 0 => Ok(Some(v as u64)),
            v => Err(corrupt(format!(
                "{key}={v}: must be {NO_LIMIT} (no limit) or within 0..={}",
                i64::MAX
            ))),
        }
    };
    let flush = match conf.flush.as_str() {
        HOST_FLUSH => None,
        text => Some(
            text.parse::<FlushPolicy>()
                .map_err(|why| corrupt(format!("flush={text}: {why}, or host for the host's policy")))?,
        ),
    };
    let segment_age = match conf.segment_ms {
        Some(ms) => Duration::from_millis(within("segment_ms", ms, 1, i64::MAX)? as u64),
        None => DEFAULT_SEGMENT_AGE,
    };
    Ok(StoredTopic {
        partitions: within("partitions", conf.partitions, 1, i64::from(u32::MAX))? as u32,
        settings: TopicSettings {
            replication_factor: within("replication_factor", conf.replication_factor, 1, 1)? as u16,
            flush,
            retention_bytes: limit("retention_bytes", conf.retention_bytes)?,
            retention_age: limit("retention_ms", conf.retention_ms)?.map(Duration::from_millis),
            segment_bytes: within(
                "segment_bytes",
                conf.segment_bytes,
                i64::from(MIN_SEGMENT_BYTES),
                i64::from(MAX_SEGMENT_BYTES),
            )? as u32,
            index_interval_bytes: within(
                "index_interval_bytes",
                conf.index_interval_bytes,
                1,
                i64::from(u32::MAX),
            )? as u32,
            segment_age,
        },
    })
}

/// toml's message after the line it is about (which names the key), on one line.
fn toml_reason(text: &str, error: &toml::de::Error) -> String {
    let line = error.span().and_then(|span| {
        let start = text[..span.start.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        text[start..].lines().next()
    });
    match line {
        Some(line) if !line.trim().is_empty() => format!("{}: {}", line.trim(), error.message()),
        _ => error.message().to_owned(),
    }
}

/// A `topic.conf` written as `key=value` lines (`format_version=1` first, `none` for no limit,
/// bare words) as the TOML table it stands for; `None` for anything else.
fn key_value_lines_as_toml(text: &str) -> Option<String> {
    if !text.starts_with("format_version=") {
        return None;
    }
    let mut table = String::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let (key, value) = line.split_once('=')?;
        let value = match value.trim() {
            "none" => NO_LIMIT.to_string(),
            number if number.parse::<i64>().is_ok() => number.to_owned(),
            word => toml::Value::String(word.to_owned()).to_string(),
        };
        table.push_str(&format!("{} = {value}\n", key.trim()));
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_round_trips_every_flush_policy() {
        for flush in [
            None,
            Some(FlushPolicy::EveryBatch),
            Some(FlushPolicy::Os),
            Some(FlushPolicy::Interval(Duration::from_millis(250))),
        ] {
            let topic = StoredTopic {
                partitions: 12,
                settings: TopicSettings {
                    flush,
                    retention_bytes: Some(1 << 20),
                    ..TopicSettings::default()
                },
            };
            assert_eq!(decode_conf(&encode_conf(&topic), Path::new("c")).unwrap(), topic);
        }
    }

    #[test]
    fn conf_of_another_version_is_refused() {
        let text = encode_conf(&StoredTopic {
            partitions: 1,
            settings: TopicSettings::default(),
        })
        .replace(
            &format!("format_version = {FORMAT_VERSION}"),
            "format_version = 9",
        );
        assert!(matches!(
            decode_conf(&text, Path::new("c")),
            Err(LogError::UnsupportedFormat { found: 9, .. })
        ));
    }

    #[test]
    fn replication_factor_above_one_is_refused_by_name() {
        let settings = TopicSettings {
            replication_factor: 3,
            ..TopicSettings::default()
        };
        let error = settings.validate("orders").unwrap_err();
        assert!(matches!(
            error,
            LogError::ReplicationFactorUnsupported { requested: 3, .. }
        ));
        assert!(error.to_string().contains("\"orders\""));
    }

    #[test]
    fn tiny_segments_and_zero_intervals_are_refused() {
        let tiny = TopicSettings {
            segment_bytes: 10,
            ..TopicSettings::default()
        };
        assert!(matches!(
            tiny.validate("t"),
            Err(LogError::InvalidSettings { .. })
        ));
        let zero = TopicSettings {
            flush: Some(FlushPolicy::Interval(Duration::ZERO)),
            ..TopicSettings::default()
        };
        assert!(matches!(
            zero.validate("t"),
            Err(LogError::InvalidSettings { .. })
        ));
    }

    fn conf_with(key: &str, value: &str) -> String {
        let text = encode_conf(&StoredTopic {
            partitions: 3,
            settings: TopicSettings::default(),
        });
        text.lines()
            .map(|line| match line.split_once('=') {
                Some((k, _)) if k.trim() == key => format!("{key} = {value}"),
                _ => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn refusal(text: &str) -> String {
        match decode_conf(text, Path::new("orders/topic.conf")) {
            Err(LogError::Corrupt { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn every_bad_value_in_topic_conf_is_refused_naming_its_key() {
        let cases = [
            ("partitions", "0", "partitions=0: must be within 1..="),
            ("partitions", "-1", "partitions=-1: must be within 1..="),
            ("partitions", "\"3\"", "partitions = \"3\": invalid type: string"),
            (
                "replication_factor",
                "3",
                "replication_factor=3: must be within 1..=1",
            ),
            (
                "segment_bytes",
                "4294967295",
                "segment_bytes=4294967295: must be within 64..=2147483647",
            ),
            ("segment_bytes", "10", "segment_bytes=10: must be within 64..="),
            (
                "index_interval_bytes",
                "0",
                "index_interval_bytes=0: must be within 1..=",
            ),
            ("segment_ms", "0", "segment_ms=0: must be within 1..="),
            (
                "flush",
                "\"interval_ms:0\"",
                "flush=interval_ms:0: a flush interval must be at least 1 ms",
            ),
            (
                "flush",
                "\"sometimes\"",
                "flush=sometimes: expected every_batch, os or interval_ms:N, or host",
            ),
            (
                "retention_ms",
                "\"soon\"",
                "retention_ms = \"soon\": invalid type: string",
            ),
            (
                "retention_ms",
                "-2",
                "retention_ms=-2: must be -1 (no limit) or within 0..=",
            ),
            (
                "retention_bytes",
                "\"lots\"",
                "retention_bytes = \"lots\": invalid type: string",
            ),
        ];
        for (key, value, expected) in cases {
            let reason = refusal(&conf_with(key, value));
            assert!(reason.starts_with(expected), "{key}={value}: {reason}");
        }
    }

    #[test]
    fn unknown_repeated_and_missing_keys_in_topic_conf_are_refused() {
        let good = conf_with("partitions", "3");
        let unknown = refusal(&format!("{good}\nsegmnet_ms = 5"));
        assert!(unknown.contains("unknown field `segmnet_ms`"), "{unknown}");
        let repeated = refusal(&format!("{good}\npartitions = 4"));
        assert!(
            repeated.starts_with("partitions = 4: duplicate key"),
            "{repeated}"
        );
        let without: String = good
            .lines()
            .filter(|l| !l.starts_with("segment_bytes "))
            .map(|l| format!("{l}\n"))
            .collect();
        let missing = refusal(&without);
        assert!(missing.contains("missing field `segment_bytes`"), "{missing}");
    }

    #[test]
    fn a_topic_conf_written_before_segment_ms_reads_with_kafkas_default() {
        let old: String = conf_with("partitions", "3")
            .lines()
            .filter(|l| !l.starts_with("segment_ms "))
            .map(|l| format!("{l}\n"))
            .collect();
        let stored = decode_conf(&old, Path::new("c")).unwrap();
        assert_eq!(stored.settings.segment_age, Duration::from_millis(604_800_000));
        assert_eq!(stored.partitions, 3);
    }

    #[test]
    fn a_topic_conf_of_key_value_lines_from_an_earlier_build_reads_as_its_toml_does() {
        let lines = format!(
            "format_version={FORMAT_VERSION}\npartitions=3\nreplication_factor=1\nflush=interval_ms:250\n\
             retention_bytes=none\nretention_ms=60000\nsegment_bytes=4096\nindex_interval_bytes=4096\n"
        );
        let stored = decode_conf(&lines, Path::new("c")).unwrap();
        assert_eq!(stored.partitions, 3);
        assert_eq!(
            stored.settings.flush,
            Some(FlushPolicy::Interval(Duration::from_millis(250)))
        );
        assert_eq!(stored.settings.retention_bytes, None);
        assert_eq!(stored.settings.retention_age, Some(Duration::from_secs(60)));
        assert_eq!(stored.settings.segment_age, DEFAULT_SEGMENT_AGE);
        assert_eq!(
            decode_conf(&encode_conf(&stored), Path::new("c")).unwrap(),
            stored
        );
        let bad = lines.replace("partitions=3", "partitions=0");
        assert!(refusal(&bad).starts_with("partitions=0: must be within 1..="));
        let repeated = format!("{lines}partitions=4\n");
        assert!(
            refusal(&repeated).contains("duplicate key"),
            "{}",
            refusal(&repeated)
        );
        let older = "format_version=9\npartitions=1\nflush=host\nretention_ms=none\n";
        assert!(matches!(
            decode_conf(older, Path::new("c")),
            Err(LogError::UnsupportedFormat { found: 9, .. })
        ));
    }

    #[test]
    fn one_flush_policy_reader_refuses_a_zero_interval_and_reads_what_it_writes() {
        assert_eq!(
            "interval_ms:0".parse::<FlushPolicy>(),
            Err("a flush interval must be at least 1 ms".into())
        );
        assert!("interval_ms:".parse::<FlushPolicy>().is_err());
        for policy in [
            FlushPolicy::EveryBatch,
            FlushPolicy::Os,
            FlushPolicy::Interval(Duration::from_millis(1)),
        ] {
            assert_eq!(policy.to_string().parse::<FlushPolicy>(), Ok(policy));
        }
    }

    #[test]
    fn kafka_config_names_set_and_reset_a_topics_settings() {
        let defaults = TopicSettings::default();
        let mut settings = defaults.clone();
        for (key, value) in [
            ("retention.ms", "-1"),
            ("retention.bytes", "1048576"),
            ("segment.bytes", "4096"),
            ("segment.ms", "60000"),
            ("flush.policy", "interval_ms:250"),
        ] {
            settings.set_config(key, Some(value), &defaults).unwrap();
        }
        assert_eq!(settings.retention_age, None);
        assert_eq!(settings.retention_bytes, Some(1 << 20));
        assert_eq!(settings.segment_bytes, 4096);
        assert_eq!(settings.segment_age, Duration::from_secs(60));
        assert_eq!(
            settings.flush,
            Some(FlushPolicy::Interval(Duration::from_millis(250)))
        );
        for key in TOPIC_CONFIG_KEYS {
            settings.set_config(key, None, &defaults).unwrap();
        }
        assert_eq!(settings, defaults);
    }

    #[test]
    fn config_values_read_back_as_the_same_settings_through_set_config() {
        let defaults = TopicSettings::default();
        let mut settings = defaults.clone();
        settings
            .set_config("retention.ms", Some("-1"), &defaults)
            .unwrap();
        settings
            .set_config("retention.bytes", Some("4096"), &defaults)
            .unwrap();
        settings
            .set_config("segment.ms", Some("60000"), &defaults)
            .unwrap();
        settings
            .set_config("flush.policy", Some("interval_ms:50"), &defaults)
            .unwrap();
        let values = settings.config_values(FlushPolicy::Interval(Duration::from_millis(50)));
        assert_eq!(
            values.iter().map(|(key, _)| *key).collect::<Vec<_>>(),
            TOPIC_CONFIG_KEYS
        );
        let mut read_back = defaults.clone();
        for (key, value) in &values {
            read_back.set_config(key, Some(value), &defaults).unwrap();
        }
        assert_eq!(read_back, settings);
        assert!(values.contains(&("retention.ms", "-1".to_owned())));
    }

    #[test]
    fn a_bad_kafka_config_is_refused_naming_key_value_and_rule() {
        let defaults = TopicSettings::default();
        let mut settings = defaults.clone();
        let mut refuse =
            |key: &str, value: &str| settings.set_config(key, Some(value), &defaults).unwrap_err();
        assert_eq!(
            refuse("segment.bytes", "10"),
            "segment.bytes=10: must be a whole number within 64..=2147483647"
        );
        assert_eq!(
            refuse("retention.ms", "-2"),
            format!("retention.ms=-2: must be a whole number within -1..={}", i64::MAX)
        );
        assert_eq!(
            refuse("segment.ms", "0"),
            format!("segment.ms=0: must be a whole number within 1..={}", i64::MAX)
        );
        assert_eq!(
            refuse("flush.policy", "interval_ms:0"),
            "flush.policy=interval_ms:0: a flush interval must be at least 1 ms"
        );
        assert!(
            refuse("retention.hours", "1")
                .starts_with("unknown topic config \"retention.hours\" (known: retention.ms,")
        );
    }

    /// Real `topic.conf` files (every setting at its default, at its extremes, each flush policy,
    /// and one as an earlier build wrote it), then mutated as the fuzz tests mutate their inputs.
    /// They decode to what was encoded; mutated, they never panic, and every refusal names the file.
    #[test]
    fn mutated_topic_conf_never_panics_and_refusals_name_the_file() {
        use proptest::prelude::*;
        use regroup_fuzz_support::{config, mutated};
        let topics = [
            StoredTopic {
                partitions: 1,
                settings: TopicSettings::default(),
            },
            StoredTopic {
                partitions: 12,
                settings: TopicSettings {
                    flush: Some(FlushPolicy::Interval(Duration::from_millis(250))),
                    retention_bytes: Some(1 << 20),
                    ..TopicSettings::default()
                },
            },
            StoredTopic {
                partitions: u32::MAX,
                settings: TopicSettings {
                    flush: Some(FlushPolicy::EveryBatch),
                    retention_bytes: Some(u64::MAX >> 1),
                    retention_age: Some(Duration::from_millis(i64::MAX as u64)),
                    segment_bytes: u32::MAX >> 1,
                    index_interval_bytes: 1,
                    ..TopicSettings::default()
                },
            },
            StoredTopic {
                partitions: 3,
                settings: TopicSettings {
                    flush: Some(FlushPolicy::Os),
                    retention_age: Some(Duration::ZERO),
                    ..TopicSettings::default()
                },
            },
        ];
        let path = Path::new("fuzzed/topic.conf");
        let mut valid = Vec::new();
        for topic in &topics {
            let text = encode_conf(topic);
            let decoded = decode_conf(&text, path).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(
                decode_conf(&encode_conf(&decoded), path).unwrap(),
                decoded,
                "{text}"
            );
            valid.push(text.into_bytes());
        }
        valid.push(b"format_version=1\npartitions=4\nflush=interval_ms:100\nretention.bytes=-1\n".to_vec());
        proptest!(config(), |(bytes in mutated(valid))| {
            let text = String::from_utf8_lossy(&bytes);
            if let Err(error) = decode_conf(&text, path) {
                let message = error.to_string();
                prop_assert!(message.contains("topic.conf"), "refusal names the file: {message}");
            }
        });
    }
}
