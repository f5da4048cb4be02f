//! Topic administration: create, alter configs, describe: the messages (`regroup-protocol`) and
//! their conversions to and from the log's types.

use std::time::Duration;

use crate::log::{FlushPolicy, TopicDescription, TopicSettings};
pub use regroup_protocol::messages::topics::*;

/// A new topic's settings.
pub trait CreateTopicExt {
    /// The log's settings for this topic, over `defaults`; an error names the bad config.
    fn settings(&self, defaults: &TopicSettings) -> Result<TopicSettings, String>;
}

impl CreateTopicExt for CreateTopic {
    fn settings(&self, defaults: &TopicSettings) -> Result<TopicSettings, String> {
        let changes: Vec<ConfigChange> = self
            .configs
            .iter()
            .map(|(key, value)| ConfigChange::set(key, value))
            .collect();
        apply_configs(defaults.clone(), &changes, defaults)
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
