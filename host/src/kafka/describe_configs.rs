//! DescribeConfigs (versions 1 to 4): a topic's configs by Kafka's names (those the log has,
//! see [`crate::log::TOPIC_CONFIG_KEYS`]), each marked as the topic's own or the host's default;
//! and for the broker resource (this host, id 1) the host's settings under Kafka's broker
//! names, as `regroup serve` was started with them. Other resource types get INVALID_REQUEST.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::describe_configs_request::{DescribeConfigsRequest, DescribeConfigsResource};
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResponse, DescribeConfigsResult,
};
use kafka_protocol::protocol::StrBytes;

use super::NODE_ID;
use super::connection::Context;
use super::error::code;

/// Kafka's resource types.
pub(super) const RESOURCE_TOPIC: i8 = 2;
pub(super) const RESOURCE_BROKER: i8 = 4;

/// Kafka's config sources.
pub(super) const CONFIG_SOURCE_TOPIC: i8 = 1;
const CONFIG_SOURCE_STATIC_BROKER: i8 = 4;
pub(super) const CONFIG_SOURCE_DEFAULT: i8 = 5;

/// Kafka's config types (from version 3).
const TYPE_BOOLEAN: i8 = 1;
const TYPE_STRING: i8 = 2;
const TYPE_INT: i8 = 3;
const TYPE_LONG: i8 = 5;

pub(super) fn serve(
    context: &Context,
    request: DescribeConfigsRequest,
    version: i16,
) -> DescribeConfigsResponse {
    let results = request
        .resources
        .into_iter()
        .map(|resource| describe(context, resource, version))
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}

fn describe(context: &Context, resource: DescribeConfigsResource, version: i16) -> DescribeConfigsResult {
    let answer = DescribeConfigsResult::default()
        .with_resource_type(resource.resource_type)
        .with_resource_name(resource.resource_name.clone());
    let configs = match resource.resource_type {
        RESOURCE_TOPIC => topic_configs(context, resource.resource_name.as_str()),
        RESOURCE_BROKER => broker_configs(context, resource.resource_name.as_str()),
        other => Err((
            ResponseError::InvalidRequest.code(),
            format!(
                "resource type {other} is not served: topics ({RESOURCE_TOPIC}) and this broker ({RESOURCE_BROKER}) are"
            ),
        )),
    };
    let configs = match configs {
        Ok(configs) => configs,
        Err((code, message)) => {
            return answer
                .with_error_code(code)
                .with_error_message(Some(StrBytes::from_string(message)));
        }
    };
    let wanted = |key: &str| {
        resource
            .configuration_keys
            .as_ref()
            .is_none_or(|keys| keys.iter().any(|wanted| wanted.as_str() == key))
    };
    let configs = configs
        .into_iter()
        .filter(|config| wanted(config.key))
        .map(|config| {
            let mut result = DescribeConfigsResourceResult::default()
                .with_name(StrBytes::from_static_str(config.key))
                .with_value(Some(StrBytes::from_string(config.value)))
                .with_read_only(config.read_only)
                .with_config_source(config.source)
                .with_documentation(None);
            if version >= 3 {
                result.config_type = config.kind;
            }
            result
        })
        .collect();
    answer.with_configs(configs)
}

struct Config {
    key: &'static str,
    value: String,
    source: i8,
    kind: i8,
    read_only: bool,
}

type Failure = (i16, String);

fn topic_configs(context: &Context, topic: &str) -> Result<Vec<Config>, Failure> {
    let log = &context.services.log;
    let described = log
        .describe_topic(topic)
        .map_err(|failure| (code(&failure), failure.to_string()))?;
    let defaults = context.services.topic_defaults.config_values(log.default_flush());
    Ok(described
        .settings
        .config_values(described.flush)
        .into_iter()
        .zip(defaults)
        .map(|((key, value), (_, default))| Config {
            key,
            source: if value == default {
                CONFIG_SOURCE_DEFAULT
            } else {
                CONFIG_SOURCE_TOPIC
            },
            kind: if key == "flush.policy" {
                TYPE_STRING
            } else {
                TYPE_LONG
            },
            value,
            read_only: false,
        })
        .collect())
}

/// The host's settings under Kafka's broker names. They are set at start (config file and
/// flags), so they are read-only here.
fn broker_configs(context: &Context, name: &str) -> Result<Vec<Config>, Failure> {
    if !(name.is_empty() || name == NODE_ID.to_string()) {
        return Err((
            ResponseError::InvalidRequest.code(),
            format!("broker {name:?} is not this host: its broker id is {NODE_ID}"),
        ));
    }
    let server = &context.config;
    let kafka = &context.kafka;
    let defaults = context
        .services
        .topic_defaults
        .config_values(context.services.log.default_flush());
    let topic_default = |key: &str| {
        defaults
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let config = |key: &'static str, value: String, kind: i8| Config {
        key,
        value,
        source: CONFIG_SOURCE_STATIC_BROKER,
        kind,
        read_only: true,
    };
    Ok(vec![
        config("broker.id", NODE_ID.to_string(), TYPE_INT),
        config("num.partitions", kafka.num_partitions.to_string(), TYPE_INT),
        config("default.replication.factor", "1".into(), TYPE_INT),
        config(
            "auto.create.topics.enable",
            kafka.auto_create_topics.to_string(),
            TYPE_BOOLEAN,
        ),
        config("max.connections", server.max_connections.to_string(), TYPE_INT),
        config(
            "socket.request.max.bytes",
            server.max_frame_bytes.to_string(),
            TYPE_INT,
        ),
        config(
            "queued.max.request.bytes",
            server.queued_max_request_bytes.to_string(),
            TYPE_LONG,
        ),
        config(
            "connections.max.idle.ms",
            server.connections_max_idle.as_millis().to_string(),
            TYPE_LONG,
        ),
        config("log.retention.ms", topic_default("retention.ms"), TYPE_LONG),
        config("log.retention.bytes", topic_default("retention.bytes"), TYPE_LONG),
        config("log.segment.bytes", topic_default("segment.bytes"), TYPE_INT),
        config("log.roll.ms", topic_default("segment.ms"), TYPE_LONG),
    ])
}
