//! CreateTopics (versions 2 to 7): each topic created with the log's `create_topic`, its configs
//! by Kafka's names (`retention.ms`, `segment.bytes`, ..., see [`crate::log::TOPIC_CONFIG_KEYS`])
//! over the host's defaults, as `regroup topics create --config` takes them. A partition count
//! of -1 takes the host's `num_partitions`; a replication factor other than 1 (or -1, the
//! default) is refused, as is an assignment naming another broker. With `validate_only` every
//! check is made and nothing is created.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreateTopicsRequest};
use kafka_protocol::messages::create_topics_response::{
    CreatableTopicConfigs, CreatableTopicResult, CreateTopicsResponse,
};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use super::NODE_ID;
use super::connection::Context;
use super::describe_configs::{CONFIG_SOURCE_DEFAULT, CONFIG_SOURCE_TOPIC};
use super::error::{Failure, blocking};
use crate::log::{TopicDescription, TopicSettings, validate_topic_name};

pub(super) async fn serve(
    context: &Context,
    request: CreateTopicsRequest,
    version: i16,
) -> CreateTopicsResponse {
    let mut results = Vec::with_capacity(request.topics.len());
    for topic in request.topics {
        let name = topic.name.clone();
        let answer = CreatableTopicResult::default().with_name(name.clone());
        let created = create(context, topic, request.validate_only).await;
        let answer = match created {
            Ok(created) => {
                let mut answer = answer;
                if version >= 5 {
                    answer.num_partitions = created.partitions as i32;
                    answer.replication_factor = 1;
                    answer.configs = Some(configs(context, &created));
                }
                if version >= 7 {
                    answer.topic_id = created.id;
                }
                answer
            }
            Err((code, message)) => {
                tracing::debug!(topic = name.0.as_str(), code, message, "create topic refused");
                answer
                    .with_error_code(code)
                    .with_error_message(Some(StrBytes::from_string(message)))
            }
        };
        results.push(answer);
    }
    CreateTopicsResponse::default().with_topics(results)
}

/// What was created (or would be, with `validate_only`).
struct Created {
    partitions: u32,
    settings: TopicSettings,
    flush: crate::log::FlushPolicy,
    id: Uuid,
}

async fn create(context: &Context, topic: CreatableTopic, validate_only: bool) -> Result<Created, Failure> {
    let name = topic.name.0.to_string();
    let partitions = partition_count(context, &topic)?;
    let defaults = &context.services.topic_defaults;
    let settings = settings_of(&name, &topic, defaults)?;
    let log = context.services.log.clone();
    if validate_only {
        return blocking(move || {
            validate_topic_name(&name)?;
            if log.describe_topic(&name).is_ok() {
                return Err(crate::log::LogError::TopicExists { topic: name });
            }
            settings.validate(&name)?;
            Ok(Created {
                partitions,
                flush: settings.flush.unwrap_or(log.default_flush()),
                settings,
                id: Uuid::nil(),
            })
        })
        .await;
    }
    let created: (TopicDescription, [u8; 16]) = blocking(move || {
        let created = log.create_topic(&name, partitions, settings)?;
        let id = log.topic_id(&name)?;
        Ok((created, id))
    })
    .await?;
    let (description, id) = created;
    Ok(Created {
        partitions: description.partitions.len() as u32,
        settings: description.settings,
        flush: description.flush,
        id: Uuid::from_bytes(id),
    })
}

/// The count asked, the host's `num_partitions` for -1, or the partitions of a manual
/// assignment (each on this broker alone).
fn partition_count(context: &Context, topic: &CreatableTopic) -> Result<u32, Failure> {
    let invalid = |error: ResponseError, message: String| Err((error.code(), message));
    if !topic.assignments.is_empty() {
        if topic.num_partitions != -1 || topic.replication_factor != -1 {
            return invalid(
                ResponseError::InvalidRequest,
                "with a replica assignment, num_partitions and replication_factor must be -1".into(),
            );
        }
        if let Some(other) = topic
            .assignments
            .iter()
            .find(|assignment| assignment.broker_ids.iter().map(|id| id.0).ne([NODE_ID]))
        {
            return invalid(
                ResponseError::InvalidReplicaAssignment,
                format!(
                    "partition {} is assigned to brokers {:?}: this host is the one broker (id {NODE_ID}) and keeps one replica",
                    other.partition_index,
                    other.broker_ids.iter().map(|id| id.0).collect::<Vec<_>>()
                ),
            );
        }
        return Ok(topic.assignments.len() as u32);
    }
    if !matches!(topic.replication_factor, 1 | -1) {
        return invalid(
            ResponseError::InvalidReplicationFactor,
            format!(
                "replication factor {} is not served: this host keeps one replica of each partition (1, or -1 for the default)",
                topic.replication_factor
            ),
        );
    }
    match topic.num_partitions {
        -1 => Ok(context.kafka.num_partitions),
        count if count >= 1 => Ok(count as u32),
        count => invalid(
            ResponseError::InvalidPartitions,
            format!("{count} partitions: a topic needs at least 1 (or -1 for the host's num_partitions)"),
        ),
    }
}

/// The host's defaults with the request's configs set over them; an error names the config.
fn settings_of(
    name: &str,
    topic: &CreatableTopic,
    defaults: &TopicSettings,
) -> Result<TopicSettings, Failure> {
    let mut settings = defaults.clone();
    for config in &topic.configs {
        settings
            .set_config(config.name.as_str(), config.value.as_deref(), defaults)
            .map_err(|reason| {
                (
                    ResponseError::InvalidConfig.code(),
                    format!("topic {name:?}: {reason}"),
                )
            })?;
    }
    Ok(settings)
}

/// The new topic's configs, as CreateTopics answers them from version 5.
fn configs(context: &Context, created: &Created) -> Vec<CreatableTopicConfigs> {
    let defaults = context
        .services
        .topic_defaults
        .config_values(context.services.log.default_flush());
    created
        .settings
        .config_values(created.flush)
        .into_iter()
        .zip(defaults)
        .map(|((key, value), (_, default))| {
            let source = if value == default {
                CONFIG_SOURCE_DEFAULT
            } else {
                CONFIG_SOURCE_TOPIC
            };
            CreatableTopicConfigs::default()
                .with_name(StrBytes::from_static_str(key))
                .with_value(Some(StrBytes::from_string(value)))
                .with_config_source(source)
        })
        .collect()
}
