//! OffsetFetch (versions 1 to 9; several groups in one request from version 8): a group's
//! committed offsets, of the partitions asked or, when none are named, all of them. A partition
//! with no committed offset (or a group with none at all) answers offset -1 with no error, as
//! Kafka does; the consumer then starts from its `auto.offset.reset`. From version 9 a member of
//! a consumer-protocol group fetches with its member id and epoch, checked as Kafka checks them:
//! an unknown member gets UNKNOWN_MEMBER_ID and an epoch other than its current one
//! STALE_MEMBER_EPOCH, as that group's error; no member id with epoch -1 (an admin tool) may
//! always read.

use std::collections::HashMap;

use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequest;
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponse, OffsetFetchResponseGroup, OffsetFetchResponsePartition,
    OffsetFetchResponsePartitions, OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{GroupId, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::connection::Context;
use super::error::group_code;
use crate::group::{CommittedOffset, Coordinator, PartitionName};

/// One topic's answer: each partition asked with its committed offset, if any.
type TopicOffsets = (TopicName, Vec<(i32, Option<CommittedOffset>)>);

pub(super) fn serve(context: &Context, request: OffsetFetchRequest, version: i16) -> OffsetFetchResponse {
    let coordinator = &context.services.coordinator;
    if version < 8 {
        let asked = request.topics.map(|topics| {
            topics
                .into_iter()
                .map(|topic| (topic.name, topic.partition_indexes))
                .collect()
        });
        let topics = committed(coordinator, &request.group_id, asked)
            .into_iter()
            .map(|(name, partitions)| {
                let partitions = partitions
                    .into_iter()
                    .map(|(index, offset)| {
                        let (offset, metadata) = split(offset);
                        let partition = OffsetFetchResponsePartition::default()
                            .with_partition_index(index)
                            .with_committed_offset(offset)
                            .with_metadata(Some(metadata));
                        if version >= 5 {
                            partition.with_committed_leader_epoch(-1)
                        } else {
                            partition
                        }
                    })
                    .collect();
                OffsetFetchResponseTopic::default()
                    .with_name(name)
                    .with_partitions(partitions)
            })
            .collect();
        return OffsetFetchResponse::default().with_topics(topics);
    }
    let groups = request
        .groups
        .into_iter()
        .map(|group| {
            if version >= 9
                && let Err(refused) = coordinator.check_offset_fetcher(
                    group.group_id.0.as_str(),
                    group.member_id.as_ref().map(|id| id.as_str()),
                    group.member_epoch,
                )
            {
                return OffsetFetchResponseGroup::default()
                    .with_group_id(group.group_id)
                    .with_error_code(group_code(&refused));
            }
            let asked = group.topics.map(|topics| {
                topics
                    .into_iter()
                    .map(|topic| (topic.name, topic.partition_indexes))
                    .collect()
            });
            let topics = committed(coordinator, &group.group_id, asked)
                .into_iter()
                .map(|(name, partitions)| {
                    let partitions = partitions
                        .into_iter()
                        .map(|(index, offset)| {
                            let (offset, metadata) = split(offset);
                            OffsetFetchResponsePartitions::default()
                                .with_partition_index(index)
                                .with_committed_offset(offset)
                                .with_committed_leader_epoch(-1)
                                .with_metadata(Some(metadata))
                        })
                        .collect();
                    OffsetFetchResponseTopics::default()
                        .with_name(name)
                        .with_partitions(partitions)
                })
                .collect();
            OffsetFetchResponseGroup::default()
                .with_group_id(group.group_id)
                .with_topics(topics)
        })
        .collect();
    OffsetFetchResponse::default().with_groups(groups)
}

/// The group's committed offsets of the partitions asked (`None`: every partition it has one
/// for), by topic in the order asked.
fn committed(
    coordinator: &Coordinator,
    group: &GroupId,
    asked: Option<Vec<(TopicName, Vec<i32>)>>,
) -> Vec<TopicOffsets> {
    let group = group.0.as_str();
    let Some(asked) = asked else {
        let mut topics: Vec<TopicOffsets> = Vec::new();
        for (partition, offset) in coordinator.fetch_offsets(group, None) {
            let index = partition.partition as i32;
            match topics.last_mut() {
                Some((name, partitions)) if name.0.as_str() == partition.topic => {
                    partitions.push((index, Some(offset)));
                }
                _ => topics.push((
                    TopicName(StrBytes::from_string(partition.topic)),
                    vec![(index, Some(offset))],
                )),
            }
        }
        return topics;
    };
    let names: Vec<PartitionName> = asked
        .iter()
        .flat_map(|(topic, indexes)| {
            indexes
                .iter()
                .filter_map(|&index| u32::try_from(index).ok())
                .map(|index| PartitionName::new(topic.0.as_str(), index))
        })
        .collect();
    let found: HashMap<PartitionName, CommittedOffset> = coordinator
        .fetch_offsets(group, Some(&names))
        .into_iter()
        .collect();
    asked
        .into_iter()
        .map(|(topic, indexes)| {
            let partitions = indexes
                .into_iter()
                .map(|index| {
                    let offset = u32::try_from(index)
                        .ok()
                        .and_then(|i| found.get(&PartitionName::new(topic.0.as_str(), i)).cloned());
                    (index, offset)
                })
                .collect();
            (topic, partitions)
        })
        .collect()
}

/// An offset and its metadata as Kafka answers them: -1 and "" when none is committed.
fn split(offset: Option<CommittedOffset>) -> (i64, StrBytes) {
    match offset {
        Some(CommittedOffset { offset, metadata }) => {
            (offset, StrBytes::from_string(metadata.unwrap_or_default()))
        }
        None => (-1, StrBytes::default()),
    }
}
