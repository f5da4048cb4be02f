//! OffsetCommit (versions 2 to 9): a group's consumed positions, stored by the coordinator. The
//! committer is checked for the whole request first (a member by its id and generation, or
//! member epoch from version 9; generation -1 with no member id for a commit from outside the
//! group, allowed only while the group has no members), then each partition on its own: an
//! unknown partition gets UNKNOWN_TOPIC_OR_PARTITION, metadata past `offset.metadata.max.bytes`
//! OFFSET_METADATA_TOO_LARGE, and the others are committed. Kafka's retention time (versions 2
//! to 4) is ignored, as Kafka 4 ignores it: offsets stay until their group or topic is deleted.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::offset_commit_request::OffsetCommitRequest;
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponse, OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};

use super::connection::Context;
use super::error::{blocking_group, group_code};
use crate::group::{CommittedOffset, Committer, GroupError, PartitionName};

pub(super) async fn serve(
    context: &Context,
    request: OffsetCommitRequest,
    version: i16,
) -> OffsetCommitResponse {
    let group = request.group_id.0.to_string();
    let member_id = request.member_id.to_string();
    let committer = if request.generation_id_or_member_epoch < 0 && member_id.is_empty() {
        Committer::Standalone
    } else {
        Committer::Member {
            member_id,
            generation: request.generation_id_or_member_epoch,
        }
    };
    let max_metadata = context.services.coordinator.offset_metadata_max_bytes();
    // Each asked partition's code, 0 until refused; those still 0 go to the coordinator.
    let mut codes: Vec<Vec<i16>> = Vec::with_capacity(request.topics.len());
    let mut offsets = Vec::new();
    for topic in &request.topics {
        let mut topic_codes = Vec::with_capacity(topic.partitions.len());
        for asked in &topic.partitions {
            let metadata = asked.committed_metadata.as_ref().map(|m| m.to_string());
            let code = match u32::try_from(asked.partition_index) {
                Err(_) => ResponseError::UnknownTopicOrPartition.code(),
                Ok(_) if metadata.as_ref().map_or(0, String::len) > max_metadata => {
                    ResponseError::OffsetMetadataTooLarge.code()
                }
                Ok(partition) => {
                    offsets.push((
                        PartitionName::new(topic.name.0.as_str(), partition),
                        CommittedOffset {
                            offset: asked.committed_offset,
                            metadata,
                        },
                    ));
                    0
                }
            };
            topic_codes.push(code);
        }
        codes.push(topic_codes);
    }
    let coordinator = context.services.coordinator.clone();
    let (name, asked) = (group.clone(), offsets);
    let outcome = blocking_group(move || coordinator.commit_offsets_each(&name, &committer, &asked)).await;
    let verdicts: Vec<i16> = match outcome {
        Ok(verdicts) => verdicts
            .iter()
            .map(|verdict| verdict.as_ref().map_or_else(group_code, |()| 0))
            .collect(),
        Err(refused) => {
            let code = commit_refusal_code(&refused, version);
            tracing::debug!(group, code, %refused, "offset commit refused");
            vec![code; codes.iter().flatten().filter(|&&c| c == 0).count()]
        }
    };
    let mut verdicts = verdicts.into_iter();
    let topics = request
        .topics
        .into_iter()
        .zip(codes)
        .map(|(topic, topic_codes)| {
            let partitions = topic
                .partitions
                .iter()
                .zip(topic_codes)
                .map(|(asked, code)| {
                    let code = if code == 0 {
                        verdicts.next().unwrap_or(0)
                    } else {
                        code
                    };
                    OffsetCommitResponsePartition::default()
                        .with_partition_index(asked.partition_index)
                        .with_error_code(code)
                })
                .collect();
            OffsetCommitResponseTopic::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    OffsetCommitResponse::default().with_topics(topics)
}

/// The code for a commit refused as a whole, as Kafka answers it: a member's commit to a group
/// that does not exist is ILLEGAL_GENERATION before version 9 and GROUP_ID_NOT_FOUND from it; a
/// commit from outside a group that has members is UNKNOWN_MEMBER_ID (its empty member id is
/// not one of them).
fn commit_refusal_code(refused: &GroupError, version: i16) -> i16 {
    match refused {
        GroupError::UnknownGroup { .. } if version < 9 => ResponseError::IllegalGeneration.code(),
        GroupError::GroupNotEmpty { .. } => ResponseError::UnknownMemberId.code(),
        other => group_code(other),
    }
}
