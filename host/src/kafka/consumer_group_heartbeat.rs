//! ConsumerGroupHeartbeat (Kafka's consumer protocol, KIP-848): a member joins, heartbeats,
//! reconciles and leaves through this one call. Topics travel by id and are turned into names
//! here: the coordinator knows topics by name only. The host decides the heartbeat interval.
//!
//! A joining member's first answer would otherwise carry an empty assignment (the assignor runs
//! off the request, on the coordinator's job pool): the join waits a short while for that run and
//! answers with the member's partitions, so a new member starts consuming one heartbeat sooner.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use kafka_protocol::ResponseError;
use kafka_protocol::messages::consumer_group_heartbeat_request::ConsumerGroupHeartbeatRequest;
use kafka_protocol::messages::consumer_group_heartbeat_response::{
    Assignment, ConsumerGroupHeartbeatResponse, TopicPartitions,
};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use super::connection::Context;
use super::error::group_code;
use crate::group::PartitionName;
use crate::group::consumer::{ConsumerAnswer, ConsumerError, ConsumerHeartbeat};
use crate::log::Log;

/// How long a join waits for its group's assignor run before answering without it.
const JOIN_WAIT: Duration = Duration::from_millis(500);

pub(super) async fn serve(
    context: &Context,
    request: ConsumerGroupHeartbeatRequest,
) -> ConsumerGroupHeartbeatResponse {
    let log = &context.services.log;
    let coordinator = context.services.coordinator.clone();
    let owned = request.topic_partitions.map(|topics| {
        let names = topic_names(log);
        topics
            .into_iter()
            .filter_map(|topic| {
                let name = names.get(&topic.topic_id)?.clone();
                Some(
                    topic
                        .partitions
                        .into_iter()
                        .filter_map(move |p| u32::try_from(p).ok().map(|p| PartitionName::new(&name, p))),
                )
            })
            .flatten()
            .collect()
    });
    let heartbeat = ConsumerHeartbeat {
        group: request.group_id.0.to_string(),
        member_id: request.member_id.to_string(),
        member_epoch: request.member_epoch,
        instance_id: request.instance_id.map(|s| s.to_string()),
        rack: request.rack_id.map(|s| s.to_string()),
        rebalance_timeout: u64::try_from(request.rebalance_timeout_ms)
            .ok()
            .map(Duration::from_millis),
        subscribed_topics: request
            .subscribed_topic_names
            .map(|names| names.into_iter().map(|n| n.0.to_string()).collect()),
        subscribed_regex: request.subscribed_topic_regex.map(|s| s.to_string()),
        assignor: request
            .server_assignor
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty()),
        owned,
    };
    let mut answer = coordinator.consumer_heartbeat(&heartbeat, Instant::now());
    if heartbeat.member_epoch == 0
        && let Ok(first) = &answer
        && first.assignment.as_ref().is_none_or(|a| a.is_empty())
    {
        let waiting = coordinator.clone();
        let _ = tokio::task::spawn_blocking(move || waiting.wait_for_strategy_runs(JOIN_WAIT)).await;
        let again = ConsumerHeartbeat {
            group: heartbeat.group.clone(),
            member_id: first.member_id.clone(),
            member_epoch: first.member_epoch,
            ..ConsumerHeartbeat::default()
        };
        if let Ok(second) = coordinator.consumer_heartbeat(&again, Instant::now()) {
            let assignment = second.assignment.or_else(|| first.assignment.clone());
            answer = Ok(ConsumerAnswer { assignment, ..second });
        }
    }
    match answer {
        Ok(answer) => respond(log, answer),
        Err(error) => {
            tracing::debug!(group = %heartbeat.group, %error, "consumer group heartbeat refused");
            ConsumerGroupHeartbeatResponse::default()
                .with_error_code(code(&error))
                .with_error_message(Some(StrBytes::from_string(error.to_string())))
                .with_member_epoch(-1)
        }
    }
}

fn respond(log: &Log, answer: ConsumerAnswer) -> ConsumerGroupHeartbeatResponse {
    let assignment = answer.assignment.map(|partitions| {
        let mut by_topic: BTreeMap<String, Vec<i32>> = BTreeMap::new();
        for p in partitions {
            by_topic.entry(p.topic).or_default().push(p.partition as i32);
        }
        let topic_partitions = by_topic
            .into_iter()
            .filter_map(|(topic, partitions)| {
                let id = log.topic_id(&topic).ok()?;
                Some(
                    TopicPartitions::default()
                        .with_topic_id(Uuid::from_bytes(id))
                        .with_partitions(partitions),
                )
            })
            .collect();
        Assignment::default().with_topic_partitions(topic_partitions)
    });
    ConsumerGroupHeartbeatResponse::default()
        .with_member_id(Some(StrBytes::from_string(answer.member_id)))
        .with_member_epoch(answer.member_epoch)
        .with_heartbeat_interval_ms(answer.heartbeat_interval.as_millis().min(i32::MAX as u128) as i32)
        .with_assignment(assignment)
}

/// Every topic's id and name, from the log (ids are kept on disk with each topic).
pub(super) fn topic_names(log: &Log) -> HashMap<Uuid, String> {
    log.list_topics()
        .into_iter()
        .filter_map(|name| Some((Uuid::from_bytes(log.topic_id(&name).ok()?), name)))
        .collect()
}

/// Kafka's error code for a refusal.
fn code(error: &ConsumerError) -> i16 {
    let kafka = match error {
        ConsumerError::FencedMemberEpoch { .. } => ResponseError::FencedMemberEpoch,
        ConsumerError::UnknownMember { .. } => ResponseError::UnknownMemberId,
        ConsumerError::UnsupportedAssignor { .. } => ResponseError::UnsupportedAssignor,
        ConsumerError::UnreleasedInstanceId { .. } => ResponseError::UnreleasedInstanceId,
        ConsumerError::InvalidRequest { .. } => ResponseError::InvalidRequest,
        ConsumerError::Group(error) => return group_code(error),
    };
    kafka.code()
}
