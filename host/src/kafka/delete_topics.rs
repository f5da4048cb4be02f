//! DeleteTopics (versions 1 to 6): by name, and from version 6 by id too. Each topic goes with
//! the same core calls `regroup topics delete` makes: the log deletes it, then groups forget its
//! committed offsets, so a topic created again under the name starts afresh.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::TopicName;
use kafka_protocol::messages::delete_topics_request::DeleteTopicsRequest;
use kafka_protocol::messages::delete_topics_response::{DeletableTopicResult, DeleteTopicsResponse};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use super::connection::Context;
use super::error::{Failure, blocking, blocking_group};
use super::metadata::topic_with_id;

pub(super) async fn serve(
    context: &Context,
    request: DeleteTopicsRequest,
    version: i16,
) -> DeleteTopicsResponse {
    // Up to version 5 the topics come as names; from 6 as name-or-id pairs.
    let asked: Vec<(Option<TopicName>, Uuid)> = if version >= 6 {
        request
            .topics
            .into_iter()
            .map(|topic| (topic.name, topic.topic_id))
            .collect()
    } else {
        request
            .topic_names
            .into_iter()
            .map(|name| (Some(name), Uuid::nil()))
            .collect()
    };
    let mut responses = Vec::with_capacity(asked.len());
    for (name, id) in asked {
        let mut answer = DeletableTopicResult::default();
        let outcome = match &name {
            Some(name) => delete(context, name.0.to_string())
                .await
                .map(|id| (name.clone(), id)),
            None => match topic_with_id(&context.services.log, id) {
                Some(found) => {
                    let found = TopicName(StrBytes::from_string(found));
                    delete(context, found.0.to_string()).await.map(|_| (found, id))
                }
                None => Err((
                    ResponseError::UnknownTopicId.code(),
                    format!("no topic has the id {id}"),
                )),
            },
        };
        match outcome {
            Ok((name, id)) => {
                answer.name = Some(name);
                if version >= 6 {
                    answer.topic_id = id;
                }
            }
            Err((code, message)) => {
                tracing::debug!(?name, %id, code, message, "delete topic refused");
                answer.name = name;
                answer.error_code = code;
                if version >= 5 {
                    answer.error_message = Some(StrBytes::from_string(message));
                }
                if version >= 6 {
                    answer.topic_id = id;
                }
            }
        }
        responses.push(answer);
    }
    DeleteTopicsResponse::default().with_responses(responses)
}

/// Deletes `topic`; its id as it was.
async fn delete(context: &Context, topic: String) -> Result<Uuid, Failure> {
    let log = context.services.log.clone();
    let name = topic.clone();
    let id = blocking(move || {
        let id = log.topic_id(&name)?;
        log.delete_topic(&name)?;
        Ok(id)
    })
    .await?;
    let coordinator = context.services.coordinator.clone();
    match blocking_group(move || coordinator.topic_deleted(&topic)).await {
        Ok(()) => Ok(Uuid::from_bytes(id)),
        Err(error) => Err((
            ResponseError::KafkaStorageError.code(),
            format!("the topic is deleted, but groups' committed offsets of it are not: {error}"),
        )),
    }
}
