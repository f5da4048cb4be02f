//! The open batches, one per partition, and the choice of partition for each record.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::RecordMetadata;
use crate::client::ClientError;
use crate::log::{Record, partition_for_key};
use crate::protocol::messages::records::WireRecord;

pub(super) type Ack = oneshot::Sender<Result<RecordMetadata, ClientError>>;

/// A batch on its way: every record has its partition set.
pub(crate) struct ReadyBatch {
    pub(super) topic: String,
    pub(super) partition: u32,
    pub(super) records: Vec<WireRecord>,
    pub(super) acks: Vec<Ack>,
    /// When its first record was added: its delivery timeout runs from here.
    pub(super) opened: Instant,
}

struct OpenBatch {
    records: Vec<WireRecord>,
    acks: Vec<Ack>,
    bytes: usize,
    opened: Instant,
}

struct TopicBatches {
    partition_count: u32,
    counted_at: Instant,
    /// The partition keyless records go to until its batch is sent.
    sticky: Option<u32>,
    rotation: u32,
    open: HashMap<u32, OpenBatch>,
}

#[derive(Default)]
pub(super) struct Accumulator {
    topics: HashMap<String, TopicBatches>,
}

/// Bytes a record adds to a batch, roughly as the log stores it.
fn record_bytes(record: &Record) -> usize {
    let headers: usize = record
        .headers
        .iter()
        .map(|h| 6 + h.name.len() + h.value.len())
        .sum();
    22 + record.key.as_ref().map_or(0, Vec::len) + record.value.len() + headers
}

impl Accumulator {
    /// The known partition count of `topic`, unless older than `max_age`.
    pub(super) fn partition_count(&self, topic: &str, max_age: Duration) -> Option<u32> {
        self.topics
            .get(topic)
            .filter(|t| t.counted_at.elapsed() < max_age)
            .map(|t| t.partition_count)
    }

    pub(super) fn set_partition_count(&mut self, topic: &str, count: u32, now: Instant) {
        let entry = self
            .topics
            .entry(topic.to_owned())
            .or_insert_with(|| TopicBatches {
                partition_count: count,
                counted_at: now,
                sticky: None,
                rotation: 0,
                open: HashMap::new(),
            });
        entry.partition_count = count;
        entry.counted_at = now;
    }

    /// Adds `record` to its partition's batch (chosen as the log would); returns the batch if
    /// that made it full.
    pub(super) fn add(
        &mut self,
        topic: &str,
        partition_count: u32,
        mut record: Record,
        ack: Ack,
        batch_bytes: usize,
    ) -> Option<ReadyBatch> {
        if !self.topics.contains_key(topic) {
            self.set_partition_count(topic, partition_count, Instant::now());
        }
        let state = self.topics.get_mut(topic).expect("just ensured");
        let count = state.partition_count.max(1);
        let partition = match (record.partition, &record.key) {
            (Some(partition), _) => partition,
            (None, Some(key)) => partition_for_key(key, count),
            (None, None) => *state.sticky.get_or_insert_with(|| {
                state.rotation = state.rotation.wrapping_add(1);
                state.rotation % count
            }),
        };
        record.partition = Some(partition);
        let bytes = record_bytes(&record);
        let batch = state.open.entry(partition).or_insert_with(|| OpenBatch {
            records: Vec::new(),
            acks: Vec::new(),
            bytes: 0,
            opened: Instant::now(),
        });
        batch.records.push(WireRecord::from(record));
        batch.acks.push(ack);
        batch.bytes += bytes;
        if batch.bytes < batch_bytes {
            return None;
        }
        Self::close(topic, state, partition)
    }

    fn close(topic: &str, state: &mut TopicBatches, partition: u32) -> Option<ReadyBatch> {
        let batch = state.open.remove(&partition)?;
        if state.sticky == Some(partition) {
            // Kafka's sticky partitioner moves on once the sticky batch is sent.
            state.sticky = None;
        }
        Some(ReadyBatch {
            topic: topic.to_owned(),
            partition,
            records: batch.records,
            acks: batch.acks,
            opened: batch.opened,
        })
    }

    /// Takes every batch opened at or before `lingered_since` says so.
    pub(super) fn drain(&mut self, due: impl Fn(Instant) -> bool) -> Vec<ReadyBatch> {
        let mut ready = Vec::new();
        for (topic, state) in &mut self.topics {
            let partitions: Vec<u32> = state
                .open
                .iter()
                .filter(|(_, batch)| due(batch.opened))
                .map(|(partition, _)| *partition)
                .collect();
            for partition in partitions {
                ready.extend(Self::close(topic, state, partition));
            }
        }
        ready
    }

    /// When the oldest open batch was opened.
    pub(super) fn oldest(&self) -> Option<Instant> {
        self.topics
            .values()
            .flat_map(|t| t.open.values().map(|b| b.opened))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(acc: &mut Accumulator, record: Record) -> Option<ReadyBatch> {
        acc.add("t", 4, record, oneshot::channel().0, 1 << 20)
    }

    #[test]
    fn keyed_records_go_where_the_log_puts_them_and_keyless_ones_stick_until_their_batch_goes() {
        let mut acc = Accumulator::default();
        add(&mut acc, Record::new("keyed").with_key("abc"));
        add(&mut acc, Record::new("keyless"));
        add(&mut acc, Record::new("keyless"));
        add(&mut acc, Record::new("explicit").to_partition(2));
        let batches = acc.drain(|_| true);
        let partitions_of = |value: &[u8]| -> Vec<u32> {
            let mut found: Vec<u32> = batches
                .iter()
                .flat_map(|b| b.records.iter().filter(|r| r.value == value).map(|_| b.partition))
                .collect();
            found.dedup();
            found
        };
        assert_eq!(partitions_of(b"keyed"), vec![partition_for_key(b"abc", 4)]);
        assert_eq!(partitions_of(b"explicit"), vec![2]);
        let sticky = partitions_of(b"keyless");
        assert_eq!(sticky.len(), 1, "both keyless records share one partition");
        assert!(
            batches
                .iter()
                .all(|b| b.records.iter().all(|r| r.partition == Some(b.partition)))
        );
        // The sticky partition moved on with its batch.
        add(&mut acc, Record::new("keyless"));
        let next = acc.drain(|_| true);
        assert_ne!(next[0].partition, sticky[0]);
    }

    #[test]
    fn a_batch_is_ready_once_it_holds_batch_bytes() {
        let mut acc = Accumulator::default();
        let record = || Record::new(vec![0u8; 100]).to_partition(0);
        assert!(acc.add("t", 1, record(), oneshot::channel().0, 250).is_none());
        assert!(acc.add("t", 1, record(), oneshot::channel().0, 250).is_none());
        let full = acc.add("t", 1, record(), oneshot::channel().0, 250).unwrap();
        assert_eq!(full.records.len(), 3);
        assert!(acc.oldest().is_none());
    }
}
