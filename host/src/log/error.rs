//! The log's error boundary: every failure names the topic, partition, offset or file it concerns.

use std::io;
use std::path::PathBuf;

/// Everything the log can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("invalid topic name {name:?}: {reason}")]
    InvalidTopicName { name: String, reason: String },

    #[error("topic {topic:?} already exists")]
    TopicExists { topic: String },

    #[error("unknown topic {topic:?}")]
    UnknownTopic { topic: String },

    #[error("topic {topic:?} has no partition {partition} (it has {partition_count})")]
    UnknownPartition {
        topic: String,
        partition: u32,
        partition_count: u32,
    },

    #[error("invalid settings for topic {topic:?}: {reason}")]
    InvalidSettings { topic: String, reason: String },

    #[error("topic {topic:?}: partition count can only grow, from {current} (asked for {requested})")]
    PartitionCountNotIncreased {
        topic: String,
        current: u32,
        requested: u32,
    },

    #[error(
        "topic {topic:?}: replication factor {requested} is not supported; this host holds a single \
         copy, so only factor 1 is served"
    )]
    ReplicationFactorUnsupported { topic: String, requested: u16 },

    #[error("topic {topic:?} partition {partition}: an append needs at least one record")]
    EmptyBatch { topic: String, partition: u32 },

    #[error("topic {topic:?} partition {partition}: batch refused: {reason}")]
    InvalidBatch {
        topic: String,
        partition: u32,
        reason: String,
    },

    #[error(
        "topic {topic:?} partition {partition}: producer {producer_id} epoch {epoch} sent sequence \
         {found} where {expected} was expected (out of order sequence: a batch is missing or was \
         sent long ago)"
    )]
    OutOfOrderSequence {
        topic: String,
        partition: u32,
        producer_id: i64,
        epoch: i16,
        expected: i32,
        found: i32,
    },

    #[error(
        "topic {topic:?} partition {partition}: producer {producer_id} sent epoch {found}, older \
         than its current epoch {current} (invalid producer epoch: a newer producer took over)"
    )]
    InvalidProducerEpoch {
        topic: String,
        partition: u32,
        producer_id: i64,
        current: i16,
        found: i16,
    },

    #[error("topic {topic:?} partition {partition}: batch of {size} bytes exceeds the limit of {limit}")]
    BatchTooLarge {
        topic: String,
        partition: u32,
        size: usize,
        limit: usize,
    },

    #[error(
        "topic {topic:?} partition {partition}: offset {offset} is out of range \
         (log start {log_start_offset}, high watermark {high_watermark})"
    )]
    OffsetOutOfRange {
        topic: String,
        partition: u32,
        offset: u64,
        log_start_offset: u64,
        high_watermark: u64,
    },

    #[error("corrupt log data in {path} at byte {position}: {reason}")]
    Corrupt {
        path: PathBuf,
        position: u64,
        reason: String,
    },

    #[error(
        "{path}: stored log format version {found} is not supported; this build reads version \
         {supported} (Kafka's record batch v2, see docs/log-format.md). Read the data out with the \
         Regroup build that wrote it, or move the data directory aside to start empty"
    )]
    UnsupportedFormat {
        path: PathBuf,
        found: u16,
        supported: u16,
    },

    #[error("{operation} {path}: {source}")]
    Io {
        operation: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl LogError {
    /// Wraps an I/O error with the operation and the file it concerned.
    pub(crate) fn io(
        operation: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> LogError {
        let path = path.into();
        move |source| LogError::Io {
            operation,
            path,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_error_names_topic_partition_and_bounds() {
        let message = LogError::OffsetOutOfRange {
            topic: "orders".into(),
            partition: 3,
            offset: 99,
            log_start_offset: 10,
            high_watermark: 42,
        }
        .to_string();
        for part in [
            "\"orders\"",
            "partition 3",
            "offset 99",
            "log start 10",
            "high watermark 42",
        ] {
            assert!(message.contains(part), "{message} lacks {part}");
        }
    }

    #[test]
    fn io_error_names_operation_and_path() {
        let error = LogError::io("open", "/x/0.log")(io::Error::from(io::ErrorKind::NotFound));
        assert!(error.to_string().starts_with("open /x/0.log: "), "{error}");
    }
}
