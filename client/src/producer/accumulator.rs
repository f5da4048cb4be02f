//! The open batches, one per partition, and the choice of partition for each record. Records
//! are encoded into their partition's batch (Kafka's record batch v2, the log's format) as they
//! come; the sender gives a batch its producer fields and sequence number (`idempotence.rs`),
//! header and CRC when it sends it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::RecordMetadata;
use crate::ClientError;
use regroup_protocol::Request;
use regroup_protocol::batch::{BatchBuilder, ProducerFields};
use regroup_protocol::compression::Compression;
use regroup_protocol::messages::records::Produce;
use regroup_protocol::partitioner::{StickyRotation, partition_for_key};
use regroup_protocol::record::{Record, now_ms};

pub(super) type Ack = oneshot::Sender<Result<RecordMetadata, ClientError>>;

/// A closed batch on its way to the sender.
pub(crate) struct ReadyBatch {
    pub(super) topic: String,
    pub(super) partition: u32,
    records: BatchBuilder,
    pub(super) acks: Vec<Ack>,
    /// When its first record was added: its delivery timeout runs from here.
    pub(super) opened: Instant,
}

impl ReadyBatch {
    pub(super) fn record_count(&self) -> u32 {
        self.records.record_count()
    }

    /// The produce request for this batch with `producer`'s fields, its records compressed with
    /// `compression`; `Err` when the compressor fails. Sent again as it is after a lost answer,
    /// so a resend carries the same sequence number and the host can tell it from a new batch.
    pub(super) fn into_request(
        self,
        producer: ProducerFields,
        compression: Compression,
    ) -> (String, u32, Result<Request, ClientError>, Vec<Ack>) {
        let ReadyBatch {
            topic,
            partition,
            records,
            acks,
            opened: _,
        } = self;
        let request = records
            .finish(producer, compression, now_ms())
            .map(|batch| {
                Request::Produce(Produce {
                    topic: topic.clone(),
                    partition,
                    batch,
                })
            })
            .map_err(|defect| ClientError::Encode(defect.to_string()));
        (topic, partition, request, acks)
    }

    #[cfg(test)]
    pub(super) fn records(&self) -> Vec<regroup_protocol::record::StoredRecord> {
        let bytes = self
            .records
            .clone()
            .finish(ProducerFields::NONE, Compression::None, 0)
            .unwrap();
        regroup_protocol::batch::decode_batches(&bytes).unwrap()
    }
}

struct OpenBatch {
    records: BatchBuilder,
    acks: Vec<Ack>,
    opened: Instant,
}

struct TopicBatches {
    partition_count: u32,
    counted_at: Instant,
    /// The partition keyless records go to until its batch is sent.
    sticky: Option<u32>,
    rotation: StickyRotation,
    open: HashMap<u32, OpenBatch>,
}

#[derive(Default)]
pub(super) struct Accumulator {
    topics: HashMap<String, TopicBatches>,
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
                rotation: StickyRotation::default(),
                open: HashMap::new(),
            });
        entry.partition_count = count;
        entry.counted_at = now;
    }

    /// Adds `record` to its partition's batch (chosen as the log would); returns the batch if
    /// that made it full. A record without a timestamp gets the time now (Kafka's create time).
    pub(super) fn add(
        &mut self,
        topic: &str,
        partition_count: u32,
        record: Record,
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
            (None, None) => *state
                .sticky
                .get_or_insert_with(|| state.rotation.next_partition(count)),
        };
        let batch = state.open.entry(partition).or_insert_with(|| OpenBatch {
            records: BatchBuilder::with_capacity(batch_bytes.min(1 << 20)),
            acks: Vec::new(),
            opened: Instant::now(),
        });
        batch
            .records
            .push(&record, record.timestamp.unwrap_or_else(now_ms));
        batch.acks.push(ack);
        if batch.records.len() < batch_bytes {
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

    /// Takes every batch whose opening time `due` accepts.
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
                .flat_map(|b| {
                    b.records()
                        .into_iter()
                        .filter(|r| r.value == value)
                        .map(|_| b.partition)
                })
                .collect();
            found.dedup();
            found
        };
        assert_eq!(partitions_of(b"keyed"), vec![partition_for_key(b"abc", 4)]);
        assert_eq!(partitions_of(b"explicit"), vec![2]);
        let sticky = partitions_of(b"keyless");
        assert_eq!(sticky.len(), 1, "both keyless records share one partition");
        // The sticky partition moved on with its batch.
        add(&mut acc, Record::new("keyless"));
        let next = acc.drain(|_| true);
        assert_ne!(next[0].partition, sticky[0]);
    }

    #[test]
    fn a_batch_is_ready_once_it_holds_batch_bytes() {
        let mut acc = Accumulator::default();
        // 61 bytes of batch header, then 108 bytes per record: three pass 300 bytes.
        let record = || Record::new(vec![0u8; 100]).to_partition(0);
        assert!(acc.add("t", 1, record(), oneshot::channel().0, 300).is_none());
        assert!(acc.add("t", 1, record(), oneshot::channel().0, 300).is_none());
        let full = acc.add("t", 1, record(), oneshot::channel().0, 300).unwrap();
        assert_eq!(full.records().len(), 3);
        assert!(acc.oldest().is_none());
    }
}
