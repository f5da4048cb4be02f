//! IncrementalAlterConfigs (versions 0 and 1) for topics: SET and DELETE (back to the host's
//! default) of Kafka's config names, made with the log's `alter_topic` as `regroup topics alter`
//! does; every change of a resource is checked before any is stored. APPEND and SUBTRACT are
//! for list configs, which no topic config here is. The broker's settings are fixed at start.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, IncrementalAlterConfigsRequest,
};
use kafka_protocol::messages::incremental_alter_configs_response::{
    AlterConfigsResourceResponse, IncrementalAlterConfigsResponse,
};
use kafka_protocol::protocol::StrBytes;

use super::connection::Context;
use super::describe_configs::{RESOURCE_BROKER, RESOURCE_TOPIC};
use super::error::{Failure, blocking};
use crate::log::{LogError, TopicSettings};

/// Kafka's config operations.
const SET: i8 = 0;
const DELETE: i8 = 1;

pub(super) async fn serve(
    context: &Context,
    request: IncrementalAlterConfigsRequest,
) -> IncrementalAlterConfigsResponse {
    let mut responses = Vec::with_capacity(request.resources.len());
    for resource in request.resources {
        let answer = AlterConfigsResourceResponse::default()
            .with_resource_type(resource.resource_type)
            .with_resource_name(resource.resource_name.clone());
        let answer = match alter(context, resource, request.validate_only).await {
            Ok(()) => answer,
            Err((code, message)) => {
                tracing::debug!(code, message, "alter configs refused");
                answer
                    .with_error_code(code)
                    .with_error_message(Some(StrBytes::from_string(message)))
            }
        };
        responses.push(answer);
    }
    IncrementalAlterConfigsResponse::default().with_responses(responses)
}

async fn alter(
    context: &Context,
    resource: AlterConfigsResource,
    validate_only: bool,
) -> Result<(), Failure> {
    match resource.resource_type {
        RESOURCE_TOPIC => {}
        RESOURCE_BROKER => {
            return Err((
                ResponseError::InvalidRequest.code(),
                "this host's broker settings are fixed at start (regroup serve's config file and flags)"
                    .into(),
            ));
        }
        other => {
            return Err((
                ResponseError::InvalidRequest.code(),
                format!("resource type {other} is not served: topics ({RESOURCE_TOPIC}) are"),
            ));
        }
    }
    let topic = resource.resource_name.to_string();
    let mut changes = Vec::with_capacity(resource.configs.len());
    for config in resource.configs {
        let key = config.name.to_string();
        let value = match config.config_operation {
            SET => match config.value {
                Some(value) => Some(value.to_string()),
                None => {
                    return Err((
                        ResponseError::InvalidConfig.code(),
                        format!("{key}: SET needs a value (DELETE returns a config to the host's default)"),
                    ));
                }
            },
            DELETE => None,
            operation => {
                return Err((
                    ResponseError::InvalidConfig.code(),
                    format!(
                        "{key}: operation {operation} (APPEND or SUBTRACT) is for list configs; topics here have none (SET is 0, DELETE 1)"
                    ),
                ));
            }
        };
        changes.push((key, value));
    }
    let defaults = context.services.topic_defaults.clone();
    let log = context.services.log.clone();
    blocking(move || {
        let change = |current: &TopicSettings| {
            let mut settings = current.clone();
            for (key, value) in &changes {
                settings
                    .set_config(key, value.as_deref(), &defaults)
                    .map_err(|reason| LogError::InvalidSettings {
                        topic: topic.clone(),
                        reason,
                    })?;
            }
            settings.validate(&topic)?;
            Ok(settings)
        };
        if validate_only {
            change(&log.describe_topic(&topic)?.settings).map(drop)
        } else {
            log.alter_topic(&topic, change).map(drop)
        }
    })
    .await
}
