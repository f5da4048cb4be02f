//! ListOffsets (versions 1 to 7): the earliest offset (timestamp -2), the latest (-1), the
//! offset and timestamp of the first record whose timestamp is at least the one asked, or of the
//! record with the largest timestamp (-3, MAX_TIMESTAMP, from version 7), found from the time
//! index.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::list_offsets_request::ListOffsetsRequest;
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsResponse, ListOffsetsTopicResponse,
};

use super::connection::Context;
use super::error::blocking;
use crate::log::{OffsetSpec, TimeQuery};

/// Kafka's special timestamps.
const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const MAX_TIMESTAMP: i64 = -3;

/// What a partition is asked.
#[derive(Clone, Copy)]
enum Asked {
    Offset(OffsetSpec),
    Time(TimeQuery),
}

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
                EARLIEST => Some(Asked::Offset(OffsetSpec::Earliest)),
                LATEST => Some(Asked::Offset(OffsetSpec::Latest)),
                MAX_TIMESTAMP if version >= 7 => Some(Asked::Time(TimeQuery::MaxTimestamp)),
                at if at >= 0 => Some(Asked::Time(TimeQuery::AtOrAfter(at))),
                // -4 (local log start), -5 (tiered storage): not served.
                _ => None,
            };
            let (Some(spec), Ok(partition)) = (spec, u32::try_from(asked.partition_index)) else {
                partitions.push(answer.with_error_code(ResponseError::InvalidRequest.code()));
                continue;
            };
            let log = context.services.log.clone();
            let name = topic.name.0.to_string();
            let found = blocking(move || match spec {
                Asked::Offset(spec) => Ok(log
                    .list_offset(&name, partition, spec)?
                    .map(|offset| (offset, -1))),
                Asked::Time(query) => log.find_by_time(&name, partition, query),
            })
            .await;
            let answer = match found {
                // No record at or after the timestamp: Kafka answers offset and timestamp -1.
                Ok(found) => {
                    let (offset, timestamp) =
                        found.map_or((-1, -1), |(offset, timestamp)| (offset as i64, timestamp));
                    answer.with_offset(offset).with_timestamp(timestamp)
                }
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
