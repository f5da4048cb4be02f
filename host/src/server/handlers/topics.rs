//! Topic administration.

use super::super::dispatch::{Context, blocking};
use crate::log::LogError;
use crate::protocol::messages::topics::{ConfigChange, CreateTopic, TopicInfo, apply_configs};
use crate::protocol::{CreateTopicExt, Response, WireError};

pub(in crate::server) async fn create(context: &Context, create: CreateTopic) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let settings = create
        .settings(&context.services.topic_defaults)
        .map_err(|reason| LogError::InvalidSettings {
            topic: create.topic.clone(),
            reason,
        })?;
    let topic = blocking(move || Ok(log.create_topic(&create.topic, create.partitions, settings)?)).await?;
    Ok(Response::Topic(TopicInfo::from(topic)))
}

pub(in crate::server) fn describe(context: &Context, topic: String) -> Result<Response, WireError> {
    Ok(Response::Topic(
        context.services.log.describe_topic(&topic)?.into(),
    ))
}

pub(in crate::server) async fn delete(context: &Context, topic: String) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let coordinator = context.services.coordinator.clone();
    // Groups forget the topic's offsets once it is gone, so one created again under the name
    // starts afresh rather than at offsets of records that no longer exist.
    blocking(move || {
        log.delete_topic(&topic)?;
        Ok(coordinator.topic_deleted(&topic)?)
    })
    .await?;
    Ok(Response::Done)
}

pub(in crate::server) async fn add_partitions(
    context: &Context,
    topic: String,
    total: u32,
) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let topic = blocking(move || Ok(log.add_partitions(&topic, total)?)).await?;
    Ok(Response::Topic(topic.into()))
}

pub(in crate::server) async fn alter_configs(
    context: &Context,
    topic: String,
    changes: Vec<ConfigChange>,
) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let defaults = context.services.topic_defaults.clone();
    let altered = blocking(move || {
        Ok(log.alter_topic(&topic, |current| {
            apply_configs(current.clone(), &changes, &defaults).map_err(|reason| LogError::InvalidSettings {
                topic: topic.clone(),
                reason,
            })
        })?)
    })
    .await?;
    Ok(Response::Topic(altered.into()))
}
