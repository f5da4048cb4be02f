//! The producer's two tasks: `linger` moves batches that waited long enough to the queue;
//! `send_batches` sends the queue in order, at most `max_in_flight` requests unanswered, and
//! answers every record when its batch's answer comes.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};

use super::{RecordMetadata, Shared, idempotence};
use crate::ClientError;
use crate::connection::EncodedRequest;
use regroup_protocol::PartitionName;
use regroup_protocol::Response;
use regroup_protocol::messages::records::ProducedBatch;

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
                let deadline = tokio::time::Instant::from_std(batch.opened + shared.config.delivery_timeout);
                let delivery_timeout = shared.config.delivery_timeout;
                let timed_out = move |topic: &str, partition: u32, last_error: Option<ClientError>| {
                    ClientError::DeliveryTimeout {
                        partition: PartitionName::new(topic, partition),
                        after: delivery_timeout,
                        last_error: last_error.map(Box::new),
                    }
                };
                // A producer id is asked for at most until the batch's time is up.
                let producer =
                    match tokio::time::timeout_at(deadline, idempotence::next_batch(&shared, &batch)).await {
                        Ok(Ok(producer)) => producer,
                        Ok(Err(error)) => {
                            answer_records(&batch.topic, batch.partition, Err(error), batch.acks);
                            continue;
                        }
                        Err(_) => {
                            let error = timed_out(&batch.topic, batch.partition, None);
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
                // Queued on the connection here, in order; answered in the spawned task. A
                // batch whose time is up fails at once instead of waiting for a connection.
                let answer = match tokio::time::timeout_at(deadline, shared.client.connection()).await {
                    Ok(Ok(connection)) => Ok(connection.send(&request)),
                    Ok(Err(error)) => Err(Some(error)),
                    Err(_) => Err(None),
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let client = &shared.client;
                    let last_error = std::sync::Mutex::new(None);
                    let retry = async |error: Option<ClientError>| {
                        *last_error.lock().unwrap_or_else(|p| p.into_inner()) = error;
                        client.call_encoded(&request).await
                    };
                    let delivered = tokio::time::timeout_at(deadline, async {
                        let result = match answer {
                            Ok(answer) => match answer.await {
                                Ok(Err(error)) if error.is_connection() => retry(Some(error)).await,
                                Ok(result) => result,
                                Err(_) => retry(None).await,
                            },
                            Err(error) => retry(error).await,
                        };
                        idempotence::resend_while_out_of_order(client, &request, result, deadline).await
                    })
                    .await;
                    let result = delivered.unwrap_or_else(|_| {
                        let last_error = last_error.into_inner().unwrap_or_else(|p| p.into_inner());
                        Err(timed_out(&topic, partition, last_error))
                    });
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
