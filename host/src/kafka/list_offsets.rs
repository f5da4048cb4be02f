//! ListOffsets (versions 1 to 7): the earliest offset (timestamp -2), the latest (-1), or the
//! first offset whose record's timestamp is at least the one asked.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::list_offsets_request::ListOffsetsRequest;
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsResponse, ListOffsetsTopicResponse,
};

use super::connection::Context;
use super::error::blocking;
use crate::log::OffsetSpec;

/// Kafka's special timestamps.
const LATEST: i64 = -1;
const EARLIEST: i64 = -2;

pub(super) async fn serve(
    context: &Context,
    request: ListOffsetsRequest,
    version: i16,
) -> ListOffsetsResponse {
    let mut topics = Vec::with_capacity(request.topics.len());
    for topic in request.topics {
        let mut partitions = Vec::with_capacity(topic.partitions.len());
        for asked in topic.partitions {
            let answer = ListOffsetsPartitionResponse::default().with_partition_index(asked.partition_index);
            let spec = match asked.timestamp {
                EARLIEST => Some(OffsetSpec::Earliest),
                LATEST => Some(OffsetSpec::Latest),
                at if at >= 0 => Some(OffsetSpec::Timestamp(at)),
                // -3 (the largest timestamp), -4 (local log start), -5 (tiered storage): not served.
                _ => None,
            };
            let (Some(spec), Ok(partition)) = (spec, u32::try_from(asked.partition_index)) else {
                partitions.push(answer.with_error_code(ResponseError::InvalidRequest.code()));
                continue;
            };
            let log = context.services.log.clone();
            let name = topic.name.0.to_string();
            let answer = match blocking(move || log.list_offset(&name, partition, spec)).await {
                // No record at or after the timestamp: Kafka answers offset -1.
                Ok(offset) => answer.with_offset(offset.map_or(-1, |offset| offset as i64)),
                Err((code, message)) => {
                    tracing::debug!(
                        topic = topic.name.0.as_str(),
                        partition,
                        code,
                        message,
                        "list offsets refused"
                    );
                    answer.with_error_code(code)
                }
            };
            let answer = if version >= 4 {
                answer.with_leader_epoch(0)
            } else {
                answer
            };
            partitions.push(answer);
        }
        topics.push(
            ListOffsetsTopicResponse::default()
                .with_name(topic.name)
                .with_partitions(partitions),
        );
    }
    ListOffsetsResponse::default().with_topics(topics)
}
