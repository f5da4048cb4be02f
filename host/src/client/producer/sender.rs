//! The producer's two tasks: `linger` moves batches that waited long enough to the queue;
//! `send_batches` sends the queue in order, at most `max_in_flight` requests unanswered, and
//! answers every record when its batch's answer comes.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};

use super::{RecordMetadata, Shared, idempotence};
use crate::client::ClientError;
use crate::client::connection::EncodedRequest;
use crate::protocol::Response;
use crate::protocol::messages::records::ProducedBatch;

pub(crate) enum Outbound {
    Batch(super::accumulator::ReadyBatch),
    /// Answered once every batch queued before it has its answer.
    Flush(oneshot::Sender<()>),
}

pub(super) async fn linger(shared: Arc<Shared>) {
    let linger = shared.config.linger;
    loop {
        let oldest = shared.lock().oldest();
        match oldest {
            None => shared.batch_opened.notified().await,
            Some(opened) => {
                tokio::time::sleep_until((opened + linger).into()).await;
                let now = std::time::Instant::now();
                // Queued under the lock, so batches are sent in the order they closed (their
                // sequence numbers' order).
                let mut accumulator = shared.lock();
                for batch in accumulator.drain(|opened| opened + linger <= now) {
                    let _ = shared.ready.send(Outbound::Batch(batch));
                }
            }
        }
    }
}

pub(super) async fn send_batches(shared: Arc<Shared>, mut queue: mpsc::UnboundedReceiver<Outbound>) {
    let max_in_flight = shared.config.max_in_flight.max(1);
    let in_flight = Arc::new(Semaphore::new(max_in_flight));
    while let Some(outbound) = queue.recv().await {
        match outbound {
            Outbound::Batch(batch) => {
                let permit = Arc::clone(&in_flight)
                    .acquire_owned()
                    .await
                    .expect("never closed");
                let producer = match idempotence::next_batch(&shared, &batch).await {
                    Ok(producer) => producer,
                    Err(error) => {
                        answer_records(&batch.topic, batch.partition, Err(error), batch.acks);
                        continue;
                    }
                };
                let (topic, partition, request, acks) =
                    batch.into_request(producer, shared.config.compression);
                let request = match request {
                    Ok(request) => EncodedRequest::new(&request),
                    Err(error) => {
                        shared.sequencer().failed(producer);
                        answer_records(&topic, partition, Err(error), acks);
                        continue;
                    }
                };
                let deadline = tokio::time::Instant::now() + shared.config.client.reconnect_timeout;
                // Queued on the connection here, in order; answered in the spawned task.
                let answer = match shared.client.connection().await {
                    Ok(connection) => Ok(connection.send(&request)),
                    Err(error) => Err(error),
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let client = &shared.client;
                    let result = match answer {
                        Ok(answer) => match answer.await {
                            Ok(Err(error)) if error.is_connection() => client.call_encoded(&request).await,
                            Ok(result) => result,
                            Err(_) => client.call_encoded(&request).await,
                        },
                        Err(_) => client.call_encoded(&request).await,
                    };
                    let result =
                        idempotence::resend_while_out_of_order(client, &request, result, deadline).await;
                    if !matches!(result, Ok(Response::Produced(_))) {
                        shared.sequencer().failed(producer);
                    }
                    answer_records(&topic, partition, result, acks);
                    drop(permit);
                });
            }
            Outbound::Flush(done) => {
                // Every permit back means every earlier request has its answer.
                let all = in_flight
                    .acquire_many(max_in_flight as u32)
                    .await
                    .expect("never closed");
                drop(all);
                let _ = done.send(());
            }
        }
    }
}

fn answer_records(
    topic: &str,
    partition: u32,
    result: Result<Response, ClientError>,
    acks: Vec<super::accumulator::Ack>,
) {
    let landed = match result {
        Ok(Response::Produced(batches)) => match batches.as_slice() {
            [ProducedBatch { base_offset, .. }] => Ok(*base_offset),
            _ => Err(ClientError::UnexpectedAnswer {
                request: "produce",
                answer: "produced (not one batch)",
            }),
        },
        Ok(Response::Error(error)) => Err(ClientError::Server(error)),
        Ok(other) => Err(ClientError::UnexpectedAnswer {
            request: "produce",
            answer: other.kind(),
        }),
        Err(error) => Err(error),
    };
    for (index, ack) in acks.into_iter().enumerate() {
        let _ = ack.send(match &landed {
            Ok(base_offset) => Ok(RecordMetadata {
                topic: topic.to_owned(),
                partition,
                offset: base_offset + index as u64,
            }),
            Err(error) => Err(error.clone()),
        });
    }
}
