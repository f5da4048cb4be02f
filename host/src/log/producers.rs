//! Idempotent producing, as Kafka does it: what a partition remembers of each producer so a
//! batch sent again (its answer lost, the host restarted) is stored once.
//!
//! Every batch of an idempotent producer carries its producer id, epoch and the sequence number
//! of its first record (`batch.rs`). Per producer, the partition keeps the epoch and the last
//! [`REMEMBERED_BATCHES`] batches (first and last sequence, first and last offset), Kafka's
//! `ProducerStateEntry`. A batch is then:
//!
//! - a duplicate when it has the epoch and the first and last sequence of a remembered batch: it
//!   is answered with the offsets it was first given and not stored again;
//! - refused (Kafka's INVALID_PRODUCER_EPOCH) when its epoch is older than the producer's;
//! - refused (Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER) when it does not follow the producer's last
//!   sequence (a gap, or an old batch no longer remembered), or when a newer epoch does not start
//!   at sequence 0;
//! - appended otherwise, including the first batch of a producer this partition has not seen
//!   (its earlier batches may have been removed by retention, as Kafka accepts).
//!
//! Nothing here is stored on its own: the producer fields are in every batch header, so a
//! partition that opens reads the headers of its segments (61 bytes per batch, not the
//! records), hands each to [`ProducerStates::record`], and the state is back as it was.

use std::collections::{HashMap, VecDeque};

use super::batch::{BatchHeader, sequence_after};

/// Batches remembered per producer and partition (Kafka's `NUM_BATCHES_TO_RETAIN`, which is also
/// the most a Kafka producer keeps in flight with idempotence on).
pub const REMEMBERED_BATCHES: usize = 5;
/// A producer that stored nothing in a partition for this long is forgotten there (Kafka's
/// `producer.id.expiration.ms`, default one day): the state stays bounded by the producers of a
/// day, not of all time. A batch it sends later is taken as a new producer's.
pub const PRODUCER_ID_EXPIRATION_MS: i64 = 24 * 60 * 60 * 1000;
/// How often a partition looks for expired producers, at an append (Kafka's
/// `producer.id.expiration.check.interval.ms`, default ten minutes).
pub const EXPIRATION_CHECK_INTERVAL_MS: i64 = 10 * 60 * 1000;

/// A batch as the partition remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RememberedBatch {
    pub first_sequence: i32,
    pub last_sequence: i32,
    pub base_offset: u64,
    pub last_offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ProducerEntry {
    epoch: i16,
    /// When its last batch was appended (at recovery: that batch's max timestamp).
    last_append_ms: i64,
    /// Oldest first.
    batches: VecDeque<RememberedBatch>,
}

/// What to do with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Store it (no producer id, or the next batch of its producer).
    Append,
    /// Already stored: answer with these offsets.
    Duplicate(RememberedBatch),
}

/// Why a batch of an idempotent producer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceError {
    StaleEpoch {
        producer_id: i64,
        current: i16,
        found: i16,
    },
    OutOfOrder {
        producer_id: i64,
        epoch: i16,
        expected: i32,
        found: i32,
    },
}

/// The producers one partition has stored batches of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerStates {
    by_id: HashMap<i64, ProducerEntry>,
    last_expiration_check_ms: i64,
}

impl ProducerStates {
    /// Decides what to do with `header`'s batch before it is appended.
    pub fn check(&self, header: &BatchHeader) -> Result<SequenceCheck, SequenceError> {
        if !header.has_producer_id() {
            return Ok(SequenceCheck::Append);
        }
        let Some(entry) = self.by_id.get(&header.producer_id) else {
            return Ok(SequenceCheck::Append);
        };
        if header.producer_epoch < entry.epoch {
            return Err(SequenceError::StaleEpoch {
                producer_id: header.producer_id,
                current: entry.epoch,
                found: header.producer_epoch,
            });
        }
        let out_of_order = |expected| SequenceError::OutOfOrder {
            producer_id: header.producer_id,
            epoch: header.producer_epoch,
            expected,
            found: header.base_sequence,
        };
        if header.producer_epoch > entry.epoch {
            return match header.base_sequence {
                0 => Ok(SequenceCheck::Append),
                _ => Err(out_of_order(0)),
            };
        }
        let last_sequence = header.last_sequence();
        if let Some(stored) = entry
            .batches
            .iter()
            .find(|b| b.first_sequence == header.base_sequence && b.last_sequence == last_sequence)
        {
            return Ok(SequenceCheck::Duplicate(*stored));
        }
        match entry.batches.back() {
            Some(last) if sequence_after(last.last_sequence, 1) != header.base_sequence => {
                Err(out_of_order(sequence_after(last.last_sequence, 1)))
            }
            _ => Ok(SequenceCheck::Append),
        }
    }

    /// Remembers `header`'s batch, stored with its final base offset at `append_ms`.
    pub fn record(&mut self, header: &BatchHeader, append_ms: i64) {
        if !header.has_producer_id() {
            return;
        }
        let entry = self
            .by_id
            .entry(header.producer_id)
            .or_insert_with(|| ProducerEntry {
                epoch: header.producer_epoch,
                last_append_ms: append_ms,
                batches: VecDeque::with_capacity(REMEMBERED_BATCHES),
            });
        entry.last_append_ms = entry.last_append_ms.max(append_ms);
        if header.producer_epoch != entry.epoch {
            entry.epoch = header.producer_epoch;
            entry.batches.clear();
        }
        if entry.batches.len() == REMEMBERED_BATCHES {
            entry.batches.pop_front();
        }
        entry.batches.push_back(RememberedBatch {
            first_sequence: header.base_sequence,
            last_sequence: header.last_sequence(),
            base_offset: header.base_offset,
            last_offset: header.last_offset(),
        });
    }
}

impl ProducerStates {
    /// Producers remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Forgets the producers that appended nothing for [`PRODUCER_ID_EXPIRATION_MS`], at most
    /// once per [`EXPIRATION_CHECK_INTERVAL_MS`]; returns how many went.
    pub fn expire(&mut self, now_ms: i64) -> usize {
        if now_ms.saturating_sub(self.last_expiration_check_ms) < EXPIRATION_CHECK_INTERVAL_MS {
            return 0;
        }
        self.last_expiration_check_ms = now_ms;
        let before = self.by_id.len();
        self.by_id
            .retain(|_, entry| now_ms.saturating_sub(entry.last_append_ms) < PRODUCER_ID_EXPIRATION_MS);
        before - self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::batch::{self, ProducerFields};
    use crate::log::compression::Compression;
    use crate::log::record::Record;
    use proptest::prelude::*;

    /// The header of a batch of `records` records from producer 7 at `epoch`, from `sequence`,
    /// stored at `base_offset`.
    fn header(epoch: i16, sequence: i32, records: usize, base_offset: u64) -> BatchHeader {
        let records = vec![Record::new("v"); records];
        let producer = ProducerFields {
            producer_id: 7,
            producer_epoch: epoch,
            base_sequence: sequence,
        };
        let bytes = batch::encode_batch(base_offset, &records, 0, producer, Compression::None).unwrap();
        batch::validate_for_append(&bytes).unwrap()
    }

    #[test]
    fn a_resent_batch_is_a_duplicate_answered_with_its_first_offsets() {
        let mut states = ProducerStates::default();
        for (sequence, offset) in [(0, 0), (3, 10), (6, 20)] {
            let batch = header(0, sequence, 3, offset);
            assert_eq!(states.check(&batch), Ok(SequenceCheck::Append));
            states.record(&batch, 0);
        }
        assert_eq!(
            states.check(&header(0, 3, 3, 99)),
            Ok(SequenceCheck::Duplicate(RememberedBatch {
                first_sequence: 3,
                last_sequence: 5,
                base_offset: 10,
                last_offset: 12,
            }))
        );
        assert_eq!(states.check(&header(0, 9, 3, 99)), Ok(SequenceCheck::Append));
    }

    #[test]
    fn a_gap_an_old_epoch_and_a_new_epoch_not_at_zero_are_refused() {
        let mut states = ProducerStates::default();
        states.record(&header(2, 0, 3, 0), 0);
        assert_eq!(
            states.check(&header(2, 4, 1, 9)),
            Err(SequenceError::OutOfOrder {
                producer_id: 7,
                epoch: 2,
                expected: 3,
                found: 4
            })
        );
        assert_eq!(
            states.check(&header(1, 3, 1, 9)),
            Err(SequenceError::StaleEpoch {
                producer_id: 7,
                current: 2,
                found: 1
            })
        );
        assert!(matches!(
            states.check(&header(3, 5, 1, 9)),
            Err(SequenceError::OutOfOrder { expected: 0, .. })
        ));
        assert_eq!(states.check(&header(3, 0, 1, 9)), Ok(SequenceCheck::Append));
    }

    #[test]
    fn only_the_last_five_batches_are_remembered() {
        let mut states = ProducerStates::default();
        for i in 0..7 {
            states.record(&header(0, i, 1, u64::from(i as u32)), 0);
        }
        assert!(matches!(
            states.check(&header(0, 2, 1, 99)),
            Ok(SequenceCheck::Duplicate(RememberedBatch { base_offset: 2, .. }))
        ));
        assert!(
            matches!(
                states.check(&header(0, 1, 1, 99)),
                Err(SequenceError::OutOfOrder { expected: 7, .. })
            ),
            "a batch older than the last five is no longer known: refused, never stored again"
        );
    }

    #[test]
    fn producers_idle_for_a_day_are_forgotten_checked_every_ten_minutes() {
        let mut states = ProducerStates::default();
        let day = PRODUCER_ID_EXPIRATION_MS;
        states.record(&header(0, 0, 1, 0), 0);
        let mut other = header(0, 0, 1, 1);
        other.producer_id = 8;
        states.record(&other, day / 2);
        assert_eq!(states.expire(day - 1), 0, "nobody idle for a day yet");
        assert_eq!(states.expire(day), 0, "checked less than ten minutes ago");
        assert_eq!(states.expire(day - 1 + EXPIRATION_CHECK_INTERVAL_MS), 1);
        assert_eq!(states.len(), 1);
        // Forgotten: its next batch is a new producer's, whatever its sequence.
        assert_eq!(states.check(&header(0, 9, 1, 2)), Ok(SequenceCheck::Append));
        assert!(
            states
                .check(&{
                    let mut late = header(0, 9, 1, 2);
                    late.producer_id = 8;
                    late
                })
                .is_err()
        );
    }

    proptest! {
        /// Whatever mix of new batches and resends of the last five arrives, the stored
        /// sequences are exactly 0, 1, 2, ... once each.
        #[test]
        fn resends_of_remembered_batches_are_never_stored_twice(
            steps in proptest::collection::vec((any::<bool>(), 0usize..5, 1usize..4), 1..60)
        ) {
            let mut states = ProducerStates::default();
            let mut sent: Vec<(i32, usize)> = Vec::new();
            let mut stored_sequences: Vec<i32> = Vec::new();
            let mut next_sequence = 0;
            let mut next_offset = 0u64;
            for (resend, back, records) in steps {
                let (sequence, records) = match (resend, sent.len()) {
                    (true, n) if n > 0 => sent[n - 1 - back.min(n - 1)],
                    _ => (next_sequence, records),
                };
                let batch = header(0, sequence, records, next_offset);
                match states.check(&batch).unwrap() {
                    SequenceCheck::Append => {
                        prop_assert_eq!(sequence, next_sequence);
                        states.record(&batch, 0);
                        stored_sequences.extend(sequence..sequence + records as i32);
                        sent.push((sequence, records));
                        next_sequence += records as i32;
                        next_offset += records as u64;
                    }
                    SequenceCheck::Duplicate(first) => {
                        prop_assert_eq!(first.first_sequence, sequence);
                    }
                }
            }
            prop_assert_eq!(stored_sequences, (0..next_sequence).collect::<Vec<_>>());
        }
    }
}
