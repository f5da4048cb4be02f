//! The log's errors as Kafka's error codes, each for the case Kafka uses it for.

use kafka_protocol::ResponseError;

use crate::log::LogError;

/// Kafka's error code for a failure of the log.
pub(super) fn code(error: &LogError) -> i16 {
    let kafka = match error {
        LogError::UnknownTopic { .. } | LogError::UnknownPartition { .. } => {
            ResponseError::UnknownTopicOrPartition
        }
        LogError::InvalidTopicName { .. } => ResponseError::InvalidTopicException,
        LogError::TopicExists { .. } => ResponseError::TopicAlreadyExists,
        LogError::InvalidSettings { .. } => ResponseError::InvalidConfig,
        LogError::PartitionCountNotIncreased { .. } => ResponseError::InvalidPartitions,
        LogError::ReplicationFactorUnsupported { .. } => ResponseError::InvalidReplicationFactor,
        LogError::EmptyBatch { .. } => ResponseError::InvalidRecord,
        LogError::InvalidBatch { .. } => ResponseError::CorruptMessage,
        LogError::OutOfOrderSequence { .. } => ResponseError::OutOfOrderSequenceNumber,
        LogError::InvalidProducerEpoch { .. } => ResponseError::InvalidProducerEpoch,
        LogError::BatchTooLarge { .. } => ResponseError::MessageTooLarge,
        LogError::OffsetOutOfRange { .. } => ResponseError::OffsetOutOfRange,
        LogError::Corrupt { .. } | LogError::UnsupportedFormat { .. } | LogError::Io { .. } => {
            ResponseError::KafkaStorageError
        }
    };
    kafka.code()
}

/// Kafka's error code for a failure, and the message saying what failed.
pub(super) type Failure = (i16, String);

/// Runs a core call on tokio's blocking pool (it may fsync); its error becomes Kafka's code and
/// the log's message, a panic in it UNKNOWN_SERVER_ERROR.
pub(super) async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, LogError> + Send + 'static,
) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(failure)) => Err((code(&failure), failure.to_string())),
        Err(panicked) => {
            tracing::error!(error = %panicked, "a Kafka request failed inside the host");
            Err((ResponseError::UnknownServerError.code(), panicked.to_string()))
        }
    }
}
