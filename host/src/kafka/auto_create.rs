//! Topics created when a Kafka client names one that does not exist, in Metadata (when the
//! request allows it) or Produce: Kafka's `auto.create.topics.enable`, off unless the host
//! turns it on; the topic gets `num_partitions` partitions and the host's default settings.

use super::connection::Context;
use super::error::blocking;
use crate::log::LogError;

/// Creates `topic` if auto-creation is on and it does not exist yet (made by another request
/// meanwhile counts as made). An invalid name is left for the caller's lookup to refuse.
pub(super) async fn ensure(context: &Context, topic: &str) {
    let kafka = &context.kafka;
    let log = &context.services.log;
    if !kafka.auto_create_topics || log.topic_id(topic).is_ok() {
        return;
    }
    let log = log.clone();
    let name = topic.to_owned();
    let partitions = kafka.num_partitions;
    let settings = context.services.topic_defaults.clone();
    let created = blocking(move || match log.create_topic(&name, partitions, settings) {
        Ok(_) | Err(LogError::TopicExists { .. }) => Ok(true),
        Err(LogError::InvalidTopicName { .. }) => Ok(false),
        Err(error) => Err(error),
    })
    .await;
    match created {
        Ok(true) => tracing::info!(
            topic,
            partitions,
            "topic auto-created for a Kafka client (auto_create_topics_enable)"
        ),
        Ok(false) => {}
        Err((code, message)) => tracing::warn!(topic, code, message, "auto-creating a topic failed"),
    }
}
