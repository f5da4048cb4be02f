//! Metadata: this host as the one broker and the leader of every partition; topics with their
//! ids (kept on disk by the log) from version 10.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::metadata_request::MetadataRequest;
use kafka_protocol::messages::metadata_response::{
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, TopicName};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use super::connection::Context;
use super::{NODE_ID, auto_create, error};
use crate::log::Log;

pub(super) async fn serve(context: &Context, request: MetadataRequest, version: i16) -> MetadataResponse {
    let log = &context.services.log;
    // Version 0 asks for every topic with an empty list, later ones with a null list.
    let wanted: Vec<Wanted> = match request.topics {
        Some(topics) if !(version == 0 && topics.is_empty()) => topics
            .into_iter()
            .map(|topic| match topic.name {
                Some(name) => Wanted::Name(name.0.to_string()),
                None => Wanted::Id(topic.topic_id),
            })
            .collect(),
        _ => log.list_topics().into_iter().map(Wanted::Name).collect(),
    };
    // Version 4 added allow_auto_topic_creation; before it a broker's setting alone decides.
    if version < 4 || request.allow_auto_topic_creation {
        for wanted in &wanted {
            if let Wanted::Name(name) = wanted {
                auto_create::ensure(context, name).await;
            }
        }
    }
    let topics = wanted
        .into_iter()
        .map(|wanted| describe(log, wanted, version))
        .collect();
    let kafka = &context.kafka;
    let broker = MetadataResponseBroker::default()
        .with_node_id(BrokerId(NODE_ID))
        .with_host(StrBytes::from_string(kafka.advertised_host.clone()))
        .with_port(i32::from(kafka.advertised_port));
    let mut response = MetadataResponse::default()
        .with_brokers(vec![broker])
        .with_topics(topics);
    if version >= 1 {
        response.controller_id = BrokerId(NODE_ID);
    }
    if version >= 2 {
        response.cluster_id = Some(StrBytes::from_string(kafka.cluster_id.clone()));
    }
    response
}

enum Wanted {
    Name(String),
    Id(Uuid),
}

fn describe(log: &Log, wanted: Wanted, version: i16) -> MetadataResponseTopic {
    let name = match wanted {
        Wanted::Name(name) => name,
        Wanted::Id(id) => match topic_with_id(log, id) {
            Some(name) => name,
            None => {
                return MetadataResponseTopic::default()
                    .with_error_code(ResponseError::UnknownTopicId.code())
                    .with_topic_id(id);
            }
        },
    };
    let topic =
        MetadataResponseTopic::default().with_name(Some(TopicName(StrBytes::from_string(name.clone()))));
    let described = log
        .describe_topic(&name)
        .and_then(|description| Ok((description, log.topic_id(&name)?)));
    let (description, id) = match described {
        Ok(found) => found,
        Err(failure) => return topic.with_error_code(error::code(&failure)),
    };
    let partitions = description
        .partitions
        .iter()
        .map(|partition| {
            let mut answer = MetadataResponsePartition::default()
                .with_partition_index(partition.partition as i32)
                .with_leader_id(BrokerId(NODE_ID))
                .with_replica_nodes(vec![BrokerId(NODE_ID)])
                .with_isr_nodes(vec![BrokerId(NODE_ID)]);
            if version >= 7 {
                answer.leader_epoch = 0;
            }
            answer
        })
        .collect();
    let mut topic = topic.with_partitions(partitions);
    if version >= 10 {
        topic.topic_id = Uuid::from_bytes(id);
    }
    topic
}

/// The name of the topic whose id is `id`, if there is one.
pub(super) fn topic_with_id(log: &Log, id: Uuid) -> Option<String> {
    log.list_topics()
        .into_iter()
        .find(|name| log.topic_id(name).is_ok_and(|known| known == *id.as_bytes()))
}
