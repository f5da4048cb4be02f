//! Topic administration: create, alter configs, describe (and the answer of add partitions).

use serde::{Deserialize, Serialize};

/// When a topic's appends reach stable storage (the log's `FlushPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireFlush {
    EveryBatch,
    IntervalMs(u64),
    Os,
}

/// A new topic, with configs by Kafka's names (`retention.ms`, `segment.bytes`, see
/// the log's `TOPIC_CONFIG_KEYS`) over the host's defaults, as Kafka's CreateTopics carries them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreateTopic {
    pub topic: String,
    pub partitions: u32,
    pub configs: Vec<(String, String)>,
}

impl CreateTopic {
    pub fn new(topic: &str, partitions: u32) -> Self {
        CreateTopic {
            topic: topic.to_owned(),
            partitions,
            configs: Vec::new(),
        }
    }

    /// One config by its Kafka name, e.g. `("retention.ms", "60000")`.
    pub fn with_config(mut self, key: &str, value: impl ToString) -> Self {
        self.configs.push((key.to_owned(), value.to_string()));
        self
    }
}

/// One change of a topic's config by its Kafka name: a new value, or back to the host's default
/// (Kafka's `--delete-config`) with `value: None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChange {
    pub key: String,
    pub value: Option<String>,
}

impl ConfigChange {
    pub fn set(key: &str, value: &str) -> Self {
        ConfigChange {
            key: key.to_owned(),
            value: Some(value.to_owned()),
        }
    }

    pub fn delete(key: &str) -> Self {
        ConfigChange {
            key: key.to_owned(),
            value: None,
        }
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
    pub segment_ms: u64,
    pub partitions: Vec<PartitionInfo>,
}

impl TopicInfo {
    pub fn partition_count(&self) -> u32 {
        self.partitions.len() as u32
    }
}
