//! The log as the coordinator sees it: [`LogTopics`] implements [`TopicCatalog`] and
//! [`OffsetResolver`] over a [`Log`].

use std::sync::Arc;

use crate::group::{OffsetResolver, TopicCatalog};
use crate::log::{Log, OffsetSpec};

/// The adapter. It holds the log weakly: the coordinator must not keep the log open after the
/// host has let it go (dropping the log flushes and closes its files).
pub struct LogTopics {
    log: std::sync::Weak<Log>,
}

impl LogTopics {
    pub fn new(log: &Arc<Log>) -> Self {
        LogTopics {
            log: Arc::downgrade(log),
        }
    }

    fn offset(&self, topic: &str, partition: u32, spec: OffsetSpec) -> Option<i64> {
        let log = self.log.upgrade()?;
        let offset = log.list_offset(topic, partition, spec).ok()??;
        i64::try_from(offset).ok()
    }
}

impl TopicCatalog for LogTopics {
    fn partitions(&self, topic: &str) -> Option<u32> {
        let log = self.log.upgrade()?;
        let description = log.describe_topic(topic).ok()?;
        Some(description.partitions.len() as u32)
    }

    fn topics(&self) -> Vec<String> {
        self.log
            .upgrade()
            .map(|log| log.list_topics())
            .unwrap_or_default()
    }
}

impl OffsetResolver for LogTopics {
    fn earliest(&self, topic: &str, partition: u32) -> Option<i64> {
        self.offset(topic, partition, OffsetSpec::Earliest)
    }

    fn latest(&self, topic: &str, partition: u32) -> Option<i64> {
        self.offset(topic, partition, OffsetSpec::Latest)
    }

    fn at_timestamp(&self, topic: &str, partition: u32, timestamp_ms: i64) -> Option<i64> {
        match self.offset(topic, partition, OffsetSpec::Timestamp(timestamp_ms)) {
            Some(offset) => Some(offset),
            // No record that late: the latest offset, as the trait asks.
            None => self.latest(topic, partition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{LogOptions, Record, TopicSettings};

    #[test]
    fn the_adapter_answers_from_the_log_and_nothing_once_it_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let log = Arc::new(Log::open(dir.path(), LogOptions::default()).unwrap().0);
        log.create_topic("t", 2, TopicSettings::default()).unwrap();
        let records = vec![
            Record::new("a").with_timestamp(100).to_partition(1),
            Record::new("b").with_timestamp(200).to_partition(1),
        ];
        log.append("t", records).unwrap();
        let topics = LogTopics::new(&log);
        assert_eq!(topics.partitions("t"), Some(2));
        assert_eq!(topics.partitions("missing"), None);
        assert_eq!(
            (topics.earliest("t", 1), topics.latest("t", 1)),
            (Some(0), Some(2))
        );
        assert_eq!(topics.at_timestamp("t", 1, 150), Some(1));
        assert_eq!(topics.at_timestamp("t", 1, 999), Some(2));
        assert_eq!(topics.latest("t", 5), None);
        drop(log);
        assert_eq!(topics.partitions("t"), None);
    }
}
