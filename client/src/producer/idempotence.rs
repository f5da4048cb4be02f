//! Idempotent producing, the client's half (Kafka's `enable.idempotence`): the producer id the
//! host handed out, and each partition's next sequence number, given to batches in the order
//! they are sent.
//!
//! A batch that finally fails leaves a gap in its partition's sequence (the host may or may not
//! have stored it), after which the host would refuse every later batch of that producer as out
//! of order. So, as Kafka's producer does, the first failure of a batch of the current id makes
//! the next batch ask the host for a new producer id, and every partition starts again at
//! sequence 0 under it.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::Shared;
use super::accumulator::ReadyBatch;
use crate::ClientError;
use crate::admin::Client;
use crate::connection::EncodedRequest;
use regroup_protocol::batch::{ProducerFields, sequence_after};
use regroup_protocol::{Backoff, ErrorCode, Response};

/// First pause before trying again a batch the host found out of order; it doubles (jittered)
/// up to `reconnect.backoff.max.ms` while the batch ahead of it is still missing.
const OUT_OF_ORDER_BACKOFF: Duration = Duration::from_millis(20);

/// The producer id and the sequence numbers given out under it.
#[derive(Debug, Default)]
pub(super) struct Sequencer {
    /// `None` without idempotence.
    producer: Option<(i64, i16)>,
    next: HashMap<(String, u32), i32>,
    /// A batch of the current id failed: get a new id before the next batch.
    broken: bool,
}

impl Sequencer {
    /// Batches from now on carry `producer_id` and `epoch`, each partition from sequence 0.
    pub(super) fn start(&mut self, producer_id: i64, epoch: i16) {
        self.producer = Some((producer_id, epoch));
        self.next.clear();
        self.broken = false;
    }

    /// True when the next batch needs a new producer id first.
    pub(super) fn needs_new_id(&self) -> bool {
        self.producer.is_some() && self.broken
    }

    /// The producer fields of the next batch of `records` records to `topic`/`partition`.
    pub(super) fn next_batch(&mut self, topic: &str, partition: u32, records: u32) -> ProducerFields {
        let Some((producer_id, producer_epoch)) = self.producer else {
            return ProducerFields::NONE;
        };
        let next = self.next.entry((topic.to_owned(), partition)).or_insert(0);
        let base_sequence = *next;
        *next = sequence_after(base_sequence, records as i32);
        ProducerFields {
            producer_id,
            producer_epoch,
            base_sequence,
        }
    }

    /// A batch with `fields` failed for good.
    pub(super) fn failed(&mut self, fields: ProducerFields) {
        if self.producer.is_some_and(|(id, _)| id == fields.producer_id) {
            self.broken = true;
        }
    }
}

/// The producer fields of `batch`, the next in send order; first a new producer id when a batch
/// of the current one failed.
pub(super) async fn next_batch(shared: &Shared, batch: &ReadyBatch) -> Result<ProducerFields, ClientError> {
    if shared.sequencer().needs_new_id() {
        let (producer_id, epoch) = shared.client.init_producer_id().await?;
        tracing::info!(
            producer_id,
            "a batch failed: producing on under a new producer id"
        );
        shared.sequencer().start(producer_id, epoch);
    }
    Ok(shared
        .sequencer()
        .next_batch(&batch.topic, batch.partition, batch.record_count()))
}

/// Sends `request` again while the host answers that it is out of order, until `deadline`.
/// Batches sent again after a lost connection are sent each on its own, so one may reach the
/// host before the batch ahead of it does; it then fits once that one is in.
pub(super) async fn resend_while_out_of_order(
    client: &Client,
    request: &EncodedRequest,
    mut result: Result<Response, ClientError>,
    deadline: Instant,
) -> Result<Response, ClientError> {
    let out_of_order = |result: &Result<Response, ClientError>| match result {
        Err(error) => error.is(ErrorCode::OutOfOrderSequence),
        Ok(Response::Error(error)) => error.is(ErrorCode::OutOfOrderSequence),
        Ok(_) => false,
    };
    let mut backoff = Backoff::new(OUT_OF_ORDER_BACKOFF, client.options().max_backoff);
    loop {
        let pause = backoff.next_pause();
        if !out_of_order(&result) || Instant::now() + pause >= deadline {
            break;
        }
        tokio::time::sleep(pause).await;
        result = client.call_encoded(request).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_are_consecutive_per_partition_and_start_again_under_a_new_id() {
        let mut sequencer = Sequencer::default();
        assert_eq!(sequencer.next_batch("t", 0, 3), ProducerFields::NONE);
        sequencer.start(9, 0);
        let sequences: Vec<i32> = [(0, 2), (0, 2), (1, 5), (0, 1)]
            .into_iter()
            .map(|(partition, records)| sequencer.next_batch("t", partition, records).base_sequence)
            .collect();
        assert_eq!(sequences, [0, 2, 0, 4]);
        assert_eq!(sequencer.next_batch("u", 0, 1).base_sequence, 0, "per topic too");
        // A failure of an older id's batch changes nothing; one of the current id's asks for a
        // new id, under which every partition starts at 0.
        sequencer.failed(ProducerFields {
            producer_id: 8,
            producer_epoch: 0,
            base_sequence: 0,
        });
        assert!(!sequencer.needs_new_id());
        let failed = sequencer.next_batch("t", 0, 1);
        sequencer.failed(failed);
        assert!(sequencer.needs_new_id());
        sequencer.start(10, 0);
        assert!(!sequencer.needs_new_id());
        let fresh = sequencer.next_batch("t", 0, 1);
        assert_eq!((fresh.producer_id, fresh.base_sequence), (10, 0));
    }
}
