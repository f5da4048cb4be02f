//! Per-topic settings, host options, and the `topic.conf` file that stores a topic's settings.
//!
//! `topic.conf` is UTF-8 text, one `key=value` per line, in this order (written atomically):
//!
//! | key                    | value                                                        |
//! |------------------------|--------------------------------------------------------------|
//! | `format_version`       | `1`; any other version is refused                            |
//! | `partitions`           | partition count                                              |
//! | `replication_factor`   | always 1 today                                               |
//! | `flush`                | `host` (host default), `every_batch`, `os` or `interval_ms:N` |
//! | `retention_bytes`      | `none` or bytes per partition                                |
//! | `retention_ms`         | `none` or age in milliseconds                                |
//! | `segment_bytes`        | size at which a new segment is started                       |
//! | `index_interval_bytes` | bytes of log between index entries                           |
//! | `segment_ms`           | age at which a new segment is started (Kafka's `segment.ms`); absent in files written before it, which read as the default |
//!
//! Every key is checked when the file is read: a missing, unknown or repeated key, or a value
//! out of its range (`partitions=0`, `segment_bytes` past what the index can address, ...),
//! refuses the topic with [`LogError::Corrupt`] naming the key, its value and the rule.

use std::path::Path;
use std::time::Duration;

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

pub fn encode_conf(topic: &StoredTopic) -> String {
    let s = &topic.settings;
    let flush = match s.flush {
        None => "host".to_owned(),
        Some(FlushPolicy::EveryBatch) => "every_batch".to_owned(),
        Some(FlushPolicy::Os) => "os".to_owned(),
        Some(FlushPolicy::Interval(period)) => format!("interval_ms:{}", period.as_millis()),
    };
    let optional = |value: Option<u64>| value.map_or("none".to_owned(), |v| v.to_string());
    format!(
        "format_version={FORMAT_VERSION}\npartitions={}\nreplication_factor={}\nflush={flush}\n\
         retention_bytes={}\nretention_ms={}\nsegment_bytes={}\nindex_interval_bytes={}\nsegment_ms={}\n",
        topic.partitions,
        s.replication_factor,
        optional(s.retention_bytes),
        optional(s.retention_age.map(|age| age.as_millis() as u64)),
        s.segment_bytes,
        s.index_interval_bytes,
        s.segment_age.as_millis(),
    )
}

/// The keys of `topic.conf`, in the order they are written.
const KEYS: [&str; 9] = [
    "format_version",
    "partitions",
    "replication_factor",
    "flush",
    "retention_bytes",
    "retention_ms",
    "segment_bytes",
    "index_interval_bytes",
    "segment_ms",
];

/// Reads `topic.conf`, checking every key (see the module documentation).
pub fn decode_conf(text: &str, path: &Path) -> Result<StoredTopic, LogError> {
    let corrupt = |reason: String| LogError::Corrupt {
        path: path.to_path_buf(),
        position: 0,
        reason,
    };
    let mut fields = std::collections::HashMap::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| corrupt(format!("line {line:?} is not key=value")))?;
        let key = key.trim();
        if !KEYS.contains(&key) {
            return Err(corrupt(format!(
                "unknown key {key:?} (known: {})",
                KEYS.join(", ")
            )));
        }
        if fields.insert(key, value.trim()).is_some() {
            return Err(corrupt(format!("{key} is set twice")));
        }
    }
    let field = |key: &str| {
        fields
            .get(key)
            .copied()
            .ok_or_else(|| corrupt(format!("missing {key}")))
    };
    // `key=value: why`, for a value that parses but breaks a rule.
    let out_of_range = |key: &str, why: String| corrupt(format!("{key}={}: {why}", fields[key]));
    let number = |key: &str| -> Result<u64, LogError> {
        let value = field(key)?;
        value
            .parse()
            .map_err(|_| corrupt(format!("{key}={value}: not a whole number")))
    };
    let optional = |key: &str| -> Result<Option<u64>, LogError> {
        match field(key)? {
            "none" => Ok(None),
            _ => number(key).map(Some),
        }
    };
    let within = |key: &str, min: u64, max: u64| -> Result<u64, LogError> {
        let value = number(key)?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(out_of_range(key, format!("must be within {min}..={max}")))
        }
    };
    let version = number("format_version")?;
    if version != u64::from(FORMAT_VERSION) {
        return Err(LogError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: version.min(u64::from(u16::MAX)) as u16,
            supported: FORMAT_VERSION,
        });
    }
    let flush = match field("flush")? {
        "host" => None,
        "every_batch" => Some(FlushPolicy::EveryBatch),
        "os" => Some(FlushPolicy::Os),
        other => {
            let millis: u64 = other
                .strip_prefix("interval_ms:")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    corrupt(format!(
                        "flush={other}: expected host, every_batch, os or interval_ms:N"
                    ))
                })?;
            if millis == 0 {
                return Err(out_of_range(
                    "flush",
                    "a flush interval must be at least 1 ms".into(),
                ));
            }
            Some(FlushPolicy::Interval(Duration::from_millis(millis)))
        }
    };
    let partitions = within("partitions", 1, u64::from(u32::MAX))? as u32;
    let replication_factor = within("replication_factor", 1, 1)? as u16;
    let segment_bytes = within(
        "segment_bytes",
        u64::from(MIN_SEGMENT_BYTES),
        u64::from(MAX_SEGMENT_BYTES),
    )? as u32;
    let index_interval_bytes = within("index_interval_bytes", 1, u64::from(u32::MAX))? as u32;
    let segment_age = match fields.contains_key("segment_ms") {
        true => Duration::from_millis(within("segment_ms", 1, i64::MAX as u64)?),
        false => DEFAULT_SEGMENT_AGE,
    };
    let retention_age = match optional("retention_ms")? {
        Some(ms) if ms > i64::MAX as u64 => {
            return Err(out_of_range(
                "retention_ms",
                format!("must be none or within 0..={}", i64::MAX),
            ));
        }
        ms => ms.map(Duration::from_millis),
    };
    Ok(StoredTopic {
        partitions,
        settings: TopicSettings {
            replication_factor,
            flush,
            retention_bytes: optional("retention_bytes")?,
            retention_age,
            segment_bytes,
            index_interval_bytes,
            segment_age,
        },
    })
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
        .replace(&format!("format_version={FORMAT_VERSION}"), "format_version=9");
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
                Some((k, _)) if k == key => format!("{key}={value}"),
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
            ("partitions", "-1", "partitions=-1: not a whole number"),
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
                "interval_ms:0",
                "flush=interval_ms:0: a flush interval must be at least 1 ms",
            ),
            ("flush", "sometimes", "flush=sometimes: expected host"),
            ("retention_ms", "soon", "retention_ms=soon: not a whole number"),
            (
                "retention_ms",
                "18446744073709551615",
                "retention_ms=18446744073709551615: must be none or within",
            ),
            (
                "retention_bytes",
                "lots",
                "retention_bytes=lots: not a whole number",
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
        assert!(refusal(&format!("{good}\nsegmnet_ms=5")).contains("unknown key \"segmnet_ms\""));
        assert!(refusal(&format!("{good}\npartitions=4")).contains("partitions is set twice"));
        let without: String = good
            .lines()
            .filter(|l| !l.starts_with("segment_bytes="))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(refusal(&without).contains("missing segment_bytes"));
    }

    #[test]
    fn a_topic_conf_written_before_segment_ms_reads_with_kafkas_default() {
        let old: String = conf_with("partitions", "3")
            .lines()
            .filter(|l| !l.starts_with("segment_ms="))
            .map(|l| format!("{l}\n"))
            .collect();
        let stored = decode_conf(&old, Path::new("c")).unwrap();
        assert_eq!(stored.settings.segment_age, Duration::from_millis(604_800_000));
        assert_eq!(stored.partitions, 3);
    }
}
