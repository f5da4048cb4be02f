//! CreatePartitions (versions 0 to 3): a topic grown to the count asked with the log's
//! `add_partitions` (as `regroup topics alter --partitions` does; groups rebalance onto the new
//! partitions). An assignment must put each new partition on this broker alone. With
//! `validate_only` the checks are made and nothing grows.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::create_partitions_request::{CreatePartitionsRequest, CreatePartitionsTopic};
use kafka_protocol::messages::create_partitions_response::{
    CreatePartitionsResponse, CreatePartitionsTopicResult,
};
use kafka_protocol::protocol::StrBytes;

use super::NODE_ID;
use super::connection::Context;
use super::error::{Failure, blocking};
use crate::log::LogError;

pub(super) async fn serve(context: &Context, request: CreatePartitionsRequest) -> CreatePartitionsResponse {
    let mut results = Vec::with_capacity(request.topics.len());
    for topic in request.topics {
        let answer = CreatePartitionsTopicResult::default().with_name(topic.name.clone());
        let answer = match grow(context, &topic, request.validate_only).await {
            Ok(()) => answer,
            Err((code, message)) => {
                tracing::debug!(
                    topic = topic.name.0.as_str(),
                    code,
                    message,
                    "create partitions refused"
                );
                answer
                    .with_error_code(code)
                    .with_error_message(Some(StrBytes::from_string(message)))
            }
        };
        results.push(answer);
    }
    CreatePartitionsResponse::default().with_results(results)
}

async fn grow(context: &Context, topic: &CreatePartitionsTopic, validate_only: bool) -> Result<(), Failure> {
    let Ok(total) = u32::try_from(topic.count) else {
        return Err((
            ResponseError::InvalidPartitions.code(),
            format!("{} partitions: the count must be positive", topic.count),
        ));
    };
    if let Some(elsewhere) = topic
        .assignments
        .iter()
        .flatten()
        .find(|assignment| assignment.broker_ids.iter().map(|id| id.0).ne([NODE_ID]))
    {
        return Err((
            ResponseError::InvalidReplicaAssignment.code(),
            format!(
                "new partitions assigned to brokers {:?}: this host is the one broker (id {NODE_ID}) and keeps one replica",
                elsewhere.broker_ids.iter().map(|id| id.0).collect::<Vec<_>>()
            ),
        ));
    }
    let log = context.services.log.clone();
    let name = topic.name.0.to_string();
    blocking(move || {
        if validate_only {
            let current = log.describe_topic(&name)?.partitions.len() as u32;
            if total <= current {
                return Err(LogError::PartitionCountNotIncreased {
                    topic: name,
                    current,
                    requested: total,
                });
            }
            return Ok(());
        }
        log.add_partitions(&name, total).map(drop)
    })
    .await
}
