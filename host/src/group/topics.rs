//! What the coordinator needs from the log, as traits the log implements: partition counts
//! ([`TopicCatalog`]) and offsets for resets ([`OffsetResolver`]); [`MemoryTopics`] implements
//! both in memory for tests and tools.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use regroup_assignor_api::model::{self, TopicId};

/// Each topic of a group's spec by name: its id (its place in `topics`) and partition count.
pub(super) fn topic_index(topics: &[model::Topic]) -> HashMap<&str, (TopicId, u32)> {
    topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), (TopicId(i as u32), t.partitions)))
        .collect()
}

/// Topics as the coordinator sees them. After partitions are added, or a topic appears, the log
/// calls [`super::Coordinator::topics_changed`] so the groups that read it rebalance.
pub trait TopicCatalog: Send + Sync {
    /// The topic's partition count, or `None` if it does not exist.
    fn partitions(&self, topic: &str) -> Option<u32>;
    /// For each partition, the racks holding a replica of it, when known.
    fn replica_racks(&self, topic: &str) -> Option<Vec<Vec<String>>> {
        let _ = topic;
        None
    }
    /// Every topic's name (for subscriptions by regular expression).
    fn topics(&self) -> Vec<String> {
        Vec::new()
    }
    /// The topic as a strategy sees it: its partitions, and their racks when every partition's
    /// are known. A topic that does not exist has no partitions.
    fn spec_topic(&self, name: &str) -> model::Topic {
        let partitions = self.partitions(name).unwrap_or(0);
        let mut topic = model::Topic::new(name, partitions);
        topic.replica_racks = self
            .replica_racks(name)
            .filter(|racks| racks.len() == partitions as usize);
        topic
    }
}

/// Resolves the offsets a group's committed offsets can be reset to.
pub trait OffsetResolver: Send + Sync {
    /// The first offset still in the partition.
    fn earliest(&self, topic: &str, partition: u32) -> Option<i64>;
    /// The offset the next record will get.
    fn latest(&self, topic: &str, partition: u32) -> Option<i64>;
    /// The first offset whose record's timestamp is at or after `timestamp_ms` (the latest
    /// offset if there is none).
    fn at_timestamp(&self, topic: &str, partition: u32, timestamp_ms: i64) -> Option<i64>;
}

#[derive(Debug, Clone, Default)]
struct MemoryTopic {
    partitions: u32,
    racks: Option<Vec<Vec<String>>>,
    /// Per partition: the earliest offset and `(timestamp, offset)` of every record, in order.
    logs: Vec<(i64, Vec<(i64, i64)>)>,
}

/// Topics in memory: partition counts, racks and per-partition record timestamps.
#[derive(Debug, Default)]
pub struct MemoryTopics {
    topics: Mutex<BTreeMap<String, MemoryTopic>>,
}

impl MemoryTopics {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, MemoryTopic>> {
        self.topics.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates the topic or sets its partition count (existing partitions keep their records).
    pub fn set_partitions(&self, topic: &str, partitions: u32) {
        let mut topics = self.lock();
        let entry = topics.entry(topic.to_owned()).or_default();
        entry.partitions = partitions;
        entry.logs.resize(partitions as usize, (0, Vec::new()));
    }

    /// Deletes the topic and its records.
    pub fn remove(&self, topic: &str) {
        self.lock().remove(topic);
    }

    pub fn set_replica_racks(&self, topic: &str, racks: Vec<Vec<String>>) {
        self.set_partitions(topic, racks.len() as u32);
        self.lock().get_mut(topic).expect("just created").racks = Some(racks);
    }

    /// Appends a record with `timestamp_ms` to a partition; returns its offset.
    pub fn append(&self, topic: &str, partition: u32, timestamp_ms: i64) -> Option<i64> {
        let mut topics = self.lock();
        let (earliest, log) = topics.get_mut(topic)?.logs.get_mut(partition as usize)?;
        let offset = log.last().map_or(*earliest, |(_, o)| o + 1);
        log.push((timestamp_ms, offset));
        Some(offset)
    }

    /// Drops records before `offset`, as retention would.
    pub fn truncate_before(&self, topic: &str, partition: u32, offset: i64) {
        if let Some((earliest, log)) = self
            .lock()
            .get_mut(topic)
            .and_then(|t| t.logs.get_mut(partition as usize))
        {
            log.retain(|(_, o)| *o >= offset);
            *earliest = (*earliest).max(offset);
        }
    }

    fn with_log<R>(&self, topic: &str, partition: u32, f: impl FnOnce(i64, &[(i64, i64)]) -> R) -> Option<R> {
        let topics = self.lock();
        let (earliest, log) = topics.get(topic)?.logs.get(partition as usize)?;
        Some(f(*earliest, log))
    }
}

impl TopicCatalog for MemoryTopics {
    fn partitions(&self, topic: &str) -> Option<u32> {
        self.lock().get(topic).map(|t| t.partitions)
    }

    fn replica_racks(&self, topic: &str) -> Option<Vec<Vec<String>>> {
        self.lock().get(topic).and_then(|t| t.racks.clone())
    }

    fn topics(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }
}

impl OffsetResolver for MemoryTopics {
    fn earliest(&self, topic: &str, partition: u32) -> Option<i64> {
        self.with_log(topic, partition, |earliest, _| earliest)
    }

    fn latest(&self, topic: &str, partition: u32) -> Option<i64> {
        self.with_log(topic, partition, |earliest, log| {
            log.last().map_or(earliest, |(_, o)| o + 1)
        })
    }

    fn at_timestamp(&self, topic: &str, partition: u32, timestamp_ms: i64) -> Option<i64> {
        self.with_log(topic, partition, |earliest, log| {
            log.iter()
                .find(|(ts, _)| *ts >= timestamp_ms)
                .map_or(log.last().map_or(earliest, |(_, o)| o + 1), |(_, o)| *o)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_topics_resolve_earliest_latest_and_timestamps() {
        let topics = MemoryTopics::new();
        topics.set_partitions("t", 2);
        for ts in [10, 20, 30] {
            topics.append("t", 0, ts);
        }
        assert_eq!(topics.partitions("t"), Some(2));
        assert_eq!(
            (topics.earliest("t", 0), topics.latest("t", 0)),
            (Some(0), Some(3))
        );
        assert_eq!(topics.at_timestamp("t", 0, 15), Some(1));
        assert_eq!(topics.at_timestamp("t", 0, 99), Some(3));
        topics.truncate_before("t", 0, 2);
        assert_eq!(topics.earliest("t", 0), Some(2));
        assert_eq!(topics.latest("t", 1), Some(0));
        assert_eq!(topics.latest("t", 2), None);
        assert_eq!(topics.partitions("nope"), None);
    }
}
