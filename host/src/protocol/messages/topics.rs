//! Topic administration: create, alter configs, describe (and the answer of add partitions).

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

/// A new topic, with configs by Kafka's names (`retention.ms`, `segment.bytes`, see
/// [`crate::log::TOPIC_CONFIG_KEYS`]) over the host's defaults, as Kafka's CreateTopics carries them.
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

    /// The log's settings for this topic, over `defaults`; an error names the bad config.
    pub fn settings(&self, defaults: &TopicSettings) -> Result<TopicSettings, String> {
        let changes: Vec<ConfigChange> = self
            .configs
            .iter()
            .map(|(key, value)| ConfigChange::set(key, value))
            .collect();
        apply_configs(defaults.clone(), &changes, defaults)
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

/// `settings` with every change made in order; `defaults` are the host's, which a deleted
/// config returns to.
pub fn apply_configs(
    mut settings: TopicSettings,
    changes: &[ConfigChange],
    defaults: &TopicSettings,
) -> Result<TopicSettings, String> {
    for change in changes {
        settings.set_config(&change.key, change.value.as_deref(), defaults)?;
    }
    Ok(settings)
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

impl From<TopicDescription> for TopicInfo {
    fn from(topic: TopicDescription) -> Self {
        TopicInfo {
            topic: topic.name,
            flush: topic.flush.into(),
            retention_bytes: topic.settings.retention_bytes,
            retention_ms: topic.settings.retention_age.map(|age| age.as_millis() as u64),
            segment_bytes: topic.settings.segment_bytes,
            segment_ms: topic.settings.segment_age.as_millis() as u64,
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
