//! ConsumerGroupDescribe: a consumer-protocol group's epochs, assignor and members, each with its
//! assignment (what it holds) and its target. A group of another kind gets GROUP_ID_NOT_FOUND, as
//! Kafka answers for a classic group, with a message naming the protocol the group speaks.

use std::collections::BTreeMap;

use kafka_protocol::ResponseError;
use kafka_protocol::messages::TopicName;
use kafka_protocol::messages::consumer_group_describe_request::ConsumerGroupDescribeRequest;
use kafka_protocol::messages::consumer_group_describe_response::{
    Assignment, ConsumerGroupDescribeResponse, DescribedGroup, Member, TopicPartitions,
};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use super::connection::Context;
use super::error::group_code;
use crate::group::consumer::{ConsumerGroupDescription, ConsumerGroupState};
use crate::group::{GroupError, PartitionName};
use crate::log::Log;

/// Kafka's member type of a consumer-protocol member (version 1).
const CONSUMER_MEMBER: i8 = 1;

pub(super) fn serve(
    context: &Context,
    request: ConsumerGroupDescribeRequest,
    version: i16,
) -> ConsumerGroupDescribeResponse {
    let log = &context.services.log;
    let groups = request
        .group_ids
        .into_iter()
        .map(|id| {
            let name = id.0.to_string();
            match context.services.coordinator.describe_consumer(&name) {
                Ok(description) => described(log, description, version).with_group_id(id),
                Err(error) => {
                    let code = match &error {
                        GroupError::InconsistentGroupProtocol { .. } => ResponseError::GroupIdNotFound.code(),
                        other => group_code(other),
                    };
                    DescribedGroup::default()
                        .with_group_id(id)
                        .with_error_code(code)
                        .with_error_message(Some(StrBytes::from_string(error.to_string())))
                }
            }
        })
        .collect();
    ConsumerGroupDescribeResponse::default().with_groups(groups)
}

/// Kafka's names of the states.
fn kafka_state(state: ConsumerGroupState) -> &'static str {
    match state {
        ConsumerGroupState::Empty => "Empty",
        ConsumerGroupState::Assigning => "Assigning",
        ConsumerGroupState::Reconciling => "Reconciling",
        ConsumerGroupState::Stable => "Stable",
    }
}

fn described(log: &Log, group: ConsumerGroupDescription, version: i16) -> DescribedGroup {
    let assignment = |partitions: &[PartitionName]| {
        let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for p in partitions {
            by_topic.entry(&p.topic).or_default().push(p.partition as i32);
        }
        let topic_partitions = by_topic
            .into_iter()
            .map(|(topic, partitions)| {
                let id = log.topic_id(topic).map(Uuid::from_bytes).unwrap_or_default();
                TopicPartitions::default()
                    .with_topic_id(id)
                    .with_topic_name(TopicName(StrBytes::from_string(topic.to_owned())))
                    .with_partitions(partitions)
            })
            .collect();
        Assignment::default().with_topic_partitions(topic_partitions)
    };
    let members = group
        .members
        .iter()
        .map(|m| {
            let member = Member::default()
                .with_member_id(StrBytes::from_string(m.member_id.clone()))
                .with_instance_id(m.instance_id.clone().map(StrBytes::from_string))
                .with_rack_id(m.rack.clone().map(StrBytes::from_string))
                .with_member_epoch(m.member_epoch)
                .with_subscribed_topic_names(
                    m.subscribed_topics
                        .iter()
                        .map(|t| TopicName(StrBytes::from_string(t.clone())))
                        .collect(),
                )
                .with_subscribed_topic_regex(m.subscribed_regex.clone().map(StrBytes::from_string))
                .with_assignment(assignment(&m.assignment))
                .with_target_assignment(assignment(&m.target));
            if version >= 1 {
                member.with_member_type(CONSUMER_MEMBER)
            } else {
                member
            }
        })
        .collect();
    // Kafka's describe has no field for it: a degraded group says why in the error message,
    // with error code 0.
    DescribedGroup::default()
        .with_group_state(StrBytes::from_static_str(kafka_state(group.state)))
        .with_group_epoch(group.group_epoch)
        .with_assignment_epoch(group.assignment_epoch)
        .with_assignor_name(StrBytes::from_string(group.assignor))
        .with_members(members)
        .with_error_message(group.degraded.map(StrBytes::from_string))
        .with_authorized_operations(i32::MIN)
}
