//! The log's errors as Kafka's error codes, each for the case Kafka uses it for.

use kafka_protocol::ResponseError;

use crate::group::GroupError;
use crate::log::LogError;
use crate::server::on_blocking_pool;

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
    let call = move || call().map_err(|failure| (code(&failure), failure.to_string()));
    on_blocking_pool(call, |panicked| {
        (ResponseError::UnknownServerError.code(), panicked.to_string())
    })
    .await
}

/// Kafka's error code for a refusal of the coordinator. Callers override the few whose code
/// depends on the API (an unknown group, a non-empty group).
pub(super) fn group_code(error: &GroupError) -> i16 {
    let kafka = match error {
        GroupError::UnknownGroup { .. } => ResponseError::GroupIdNotFound,
        GroupError::UnknownMember { .. }
        | GroupError::Superseded { .. }
        | GroupError::MemberRemoved { .. } => ResponseError::UnknownMemberId,
        GroupError::IllegalGeneration { .. } | GroupError::NotOwner { .. } => {
            ResponseError::IllegalGeneration
        }
        GroupError::NoCommonStrategy { .. } | GroupError::InconsistentGroupProtocol { .. } => {
            ResponseError::InconsistentGroupProtocol
        }
        GroupError::FencedInstance { .. } => ResponseError::FencedInstanceId,
        GroupError::RebalanceInProgress { .. } => ResponseError::RebalanceInProgress,
        GroupError::StaleMemberEpoch { .. } => ResponseError::StaleMemberEpoch,
        GroupError::GroupNotEmpty { .. } => ResponseError::NonEmptyGroup,
        GroupError::InvalidRequest { .. } | GroupError::NotRevoking { .. } => ResponseError::InvalidRequest,
        GroupError::UnknownPartition { .. } | GroupError::OffsetUnavailable { .. } => {
            ResponseError::UnknownTopicOrPartition
        }
        // Retriable: the client tries again, as after a coordinator move.
        GroupError::Storage(_) | GroupError::CoordinatorClosed => ResponseError::CoordinatorNotAvailable,
    };
    kafka.code()
}

/// Runs a coordinator call on tokio's blocking pool (a commit waits for its sync); a panic in it
/// becomes [`GroupError::Storage`] with the panic's message, answered as retriable.
pub(super) async fn blocking_group<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, GroupError> + Send + 'static,
) -> Result<T, GroupError> {
    on_blocking_pool(call, |panicked| GroupError::Storage(panicked.to_string())).await
}

/// Kafka's error code for a refusal of a group member's request (join, sync, heartbeat,
/// leave): a group that does not exist does not know the member either.
pub(super) fn member_code(error: &GroupError) -> i16 {
    match error {
        GroupError::UnknownGroup { .. } => ResponseError::UnknownMemberId.code(),
        other => group_code(other),
    }
}
