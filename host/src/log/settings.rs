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
        }
    }
}

/// Largest segment: positions in the offset index are 32-bit.
pub const MAX_SEGMENT_BYTES: u32 = i32::MAX as u32;
const MIN_SEGMENT_BYTES: u32 = 64;

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
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            default_flush: FlushPolicy::EveryBatch,
            retention_check_interval: Duration::from_secs(300),
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
         retention_bytes={}\nretention_ms={}\nsegment_bytes={}\nindex_interval_bytes={}\n",
        topic.partitions,
        s.replication_factor,
        optional(s.retention_bytes),
        optional(s.retention_age.map(|age| age.as_millis() as u64)),
        s.segment_bytes,
        s.index_interval_bytes,
    )
}

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
        fields.insert(key.trim(), value.trim());
    }
    let field = |key: &str| {
        fields
            .get(key)
            .copied()
            .ok_or_else(|| corrupt(format!("missing {key}")))
    };
    let number = |key: &str| -> Result<u64, LogError> {
        field(key)?
            .parse()
            .map_err(|_| corrupt(format!("{key} is not a number")))
    };
    let optional = |key: &str| -> Result<Option<u64>, LogError> {
        match field(key)? {
            "none" => Ok(None),
            _ => number(key).map(Some),
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
            let millis = other
                .strip_prefix("interval_ms:")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| corrupt(format!("unknown flush policy {other:?}")))?;
            Some(FlushPolicy::Interval(Duration::from_millis(millis)))
        }
    };
    let narrow = |key: &str| -> Result<u32, LogError> {
        u32::try_from(number(key)?).map_err(|_| corrupt(format!("{key} is out of range")))
    };
    Ok(StoredTopic {
        partitions: narrow("partitions")?,
        settings: TopicSettings {
            replication_factor: u16::try_from(number("replication_factor")?)
                .map_err(|_| corrupt("replication_factor is out of range".into()))?,
            flush,
            retention_bytes: optional("retention_bytes")?,
            retention_age: optional("retention_ms")?.map(Duration::from_millis),
            segment_bytes: narrow("segment_bytes")?,
            index_interval_bytes: narrow("index_interval_bytes")?,
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
}
