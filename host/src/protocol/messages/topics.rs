//! Topic administration: create, describe (and the answer of add partitions).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::log::{FlushPolicy, TopicDescription, TopicSettings};

/// When a topic's appends reach stable storage (see [`FlushPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireFlush {
    EveryBatch,
    IntervalMs(u64),
    Os,
}

impl From<FlushPolicy> for WireFlush {
    fn from(policy: FlushPolicy) -> Self {
        match policy {
            FlushPolicy::EveryBatch => WireFlush::EveryBatch,
            FlushPolicy::Interval(period) => WireFlush::IntervalMs(period.as_millis() as u64),
            FlushPolicy::Os => WireFlush::Os,
        }
    }
}

impl From<WireFlush> for FlushPolicy {
    fn from(flush: WireFlush) -> Self {
        match flush {
            WireFlush::EveryBatch => FlushPolicy::EveryBatch,
            WireFlush::IntervalMs(ms) => FlushPolicy::Interval(Duration::from_millis(ms)),
            WireFlush::Os => FlushPolicy::Os,
        }
    }
}

/// A new topic. Every `None` takes the host's default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreateTopic {
    pub topic: String,
    pub partitions: u32,
    pub flush: Option<WireFlush>,
    /// Per partition; `Some(None)` keeps everything.
    pub retention_bytes: Option<Option<u64>>,
    /// `Some(None)` keeps records forever.
    pub retention_ms: Option<Option<u64>>,
    pub segment_bytes: Option<u32>,
}

impl CreateTopic {
    pub fn new(topic: &str, partitions: u32) -> Self {
        CreateTopic {
            topic: topic.to_owned(),
            partitions,
            ..CreateTopic::default()
        }
    }

    /// The log's settings for this topic, over `defaults`.
    pub fn settings(&self, defaults: &TopicSettings) -> TopicSettings {
        let mut settings = defaults.clone();
        if let Some(flush) = self.flush {
            settings.flush = Some(flush.into());
        }
        if let Some(bytes) = self.retention_bytes {
            settings.retention_bytes = bytes;
        }
        if let Some(ms) = self.retention_ms {
            settings.retention_age = ms.map(Duration::from_millis);
        }
        if let Some(bytes) = self.segment_bytes {
            settings.segment_bytes = bytes;
        }
        settings
    }
}

/// One partition of [`TopicInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionInfo {
    pub partition: u32,
    pub log_start_offset: u64,
    /// The offset the next record will get.
    pub high_watermark: u64,
    pub size_bytes: u64,
    pub segment_count: u64,
}

/// A topic as the log describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicInfo {
    pub topic: String,
    /// The policy in force (the topic's own or the host's).
    pub flush: WireFlush,
    pub retention_bytes: Option<u64>,
    pub retention_ms: Option<u64>,
    pub segment_bytes: u32,
    pub partitions: Vec<PartitionInfo>,
}

impl TopicInfo {
    pub fn partition_count(&self) -> u32 {
        self.partitions.len() as u32
    }
}

impl From<TopicDescription> for TopicInfo {
    fn from(topic: TopicDescription) -> Self {
        TopicInfo {
            topic: topic.name,
            flush: topic.flush.into(),
            retention_bytes: topic.settings.retention_bytes,
            retention_ms: topic.settings.retention_age.map(|age| age.as_millis() as u64),
            segment_bytes: topic.settings.segment_bytes,
            partitions: topic
                .partitions
                .into_iter()
                .map(|p| PartitionInfo {
                    partition: p.partition,
                    log_start_offset: p.log_start_offset,
                    high_watermark: p.high_watermark,
                    size_bytes: p.size_bytes,
                    segment_count: p.segment_count as u64,
                })
                .collect(),
        }
    }
}
