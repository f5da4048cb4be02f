//! OffsetDelete (version 0): an empty group forgets its committed offsets of the partitions
//! named. Kafka also allows it on a group with members for topics none of them subscribes to;
//! here a group with members refuses it as a whole with NON_EMPTY_GROUP.

use kafka_protocol::messages::offset_delete_request::OffsetDeleteRequest;
use kafka_protocol::messages::offset_delete_response::{
    OffsetDeleteResponse, OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};

use super::connection::Context;
use super::error::{blocking_group, group_code};
use crate::group::PartitionName;

pub(super) async fn serve(context: &Context, request: OffsetDeleteRequest) -> OffsetDeleteResponse {
    let partitions: Vec<PartitionName> = request
        .topics
        .iter()
        .flat_map(|topic| {
            topic
                .partitions
                .iter()
                .filter_map(|p| u32::try_from(p.partition_index).ok())
                .map(|p| PartitionName::new(topic.name.0.as_str(), p))
        })
        .collect();
    let coordinator = context.services.coordinator.clone();
    let group = request.group_id.0.to_string();
    let outcome = blocking_group(move || coordinator.delete_partition_offsets(&group, &partitions)).await;
    if let Err(refused) = outcome {
        return OffsetDeleteResponse::default().with_error_code(group_code(&refused));
    }
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| OffsetDeleteResponsePartition::default().with_partition_index(p.partition_index))
                .collect();
            OffsetDeleteResponseTopic::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    OffsetDeleteResponse::default().with_topics(topics)
}
