//! Produce: each partition's record batch appended as the client built it, byte for byte, with
//! the log's `append_batch` (which checks it and assigns its offsets). acks 0 gets no answer at
//! all; 1 and all are answered once the batch is stored, flushed per the topic's flush policy
//! (with one copy of the data, all means exactly that).

use kafka_protocol::ResponseError;
use kafka_protocol::messages::produce_request::ProduceRequest;
use kafka_protocol::messages::produce_response::{
    PartitionProduceResponse, ProduceResponse, TopicProduceResponse,
};
use kafka_protocol::protocol::StrBytes;

use super::auto_create;
use super::connection::Context;
use super::error::{Failure, blocking};
use crate::log::OffsetSpec;

/// The answer, or `None` for acks 0.
pub(super) async fn serve(
    context: &Context,
    request: ProduceRequest,
    version: i16,
) -> Option<ProduceResponse> {
    let refusal = if request
        .transactional_id
        .as_ref()
        .is_some_and(|id| !id.0.is_empty())
    {
        Some((
            ResponseError::TransactionalIdAuthorizationFailed,
            "transactions are not supported by this host; produce without a transactional.id",
        ))
    } else if !matches!(request.acks, -1..=1) {
        Some((
            ResponseError::InvalidRequiredAcks,
            "acks must be -1 (all), 0 or 1",
        ))
    } else {
        None
    };
    let mut responses = Vec::with_capacity(request.topic_data.len());
    for topic in request.topic_data {
        let name = topic.name.0.to_string();
        if refusal.is_none() {
            auto_create::ensure(context, &name).await;
        }
        let mut partitions = Vec::with_capacity(topic.partition_data.len());
        for data in topic.partition_data {
            let answer = PartitionProduceResponse::default().with_index(data.index);
            let outcome = match (refusal, data.records) {
                (Some((code, message)), _) => Err((code.code(), message.to_owned())),
                (None, None) => Err((
                    ResponseError::InvalidRecord.code(),
                    "a produce request must carry a record batch".to_owned(),
                )),
                (None, Some(records)) => append(context, &name, data.index, records.into()).await,
            };
            let answer = match outcome {
                Ok((base_offset, log_start_offset)) => {
                    let answer = answer.with_base_offset(base_offset);
                    if version >= 5 {
                        answer.with_log_start_offset(log_start_offset)
                    } else {
                        answer
                    }
                }
                Err((code, message)) => {
                    tracing::debug!(
                        topic = name,
                        partition = data.index,
                        code,
                        message,
                        "produce refused"
                    );
                    let answer = answer.with_error_code(code);
                    if version >= 8 {
                        answer.with_error_message(Some(StrBytes::from_string(message)))
                    } else {
                        answer
                    }
                }
            };
            partitions.push(answer);
        }
        responses.push(
            TopicProduceResponse::default()
                .with_name(topic.name)
                .with_partition_responses(partitions),
        );
    }
    (request.acks != 0).then(|| ProduceResponse::default().with_responses(responses))
}

/// Appends one batch; its base offset and the partition's log start offset, or Kafka's error
/// code and the log's message.
async fn append(
    context: &Context,
    topic: &str,
    partition: i32,
    batch: Vec<u8>,
) -> Result<(i64, i64), Failure> {
    let Ok(partition) = u32::try_from(partition) else {
        return Err((
            ResponseError::UnknownTopicOrPartition.code(),
            format!("partition {partition} does not exist"),
        ));
    };
    let log = context.services.log.clone();
    let topic = topic.to_owned();
    let stored = blocking(move || {
        let appended = log.append_batch(&topic, partition, batch)?;
        let start = log.list_offset(&topic, partition, OffsetSpec::Earliest)?;
        Ok((appended.base_offset as i64, start.unwrap_or(0) as i64))
    })
    .await?;
    context.services.appended.notify_waiters();
    Ok(stored)
}
