//! The log's and the coordinator's errors as the wire carries them ([`ErrorCode`], [`WireError`]
//! live in `regroup-protocol`, which knows nothing of the host).

use crate::group::GroupError;
use crate::log::LogError;
use regroup_protocol::{ErrorCode, WireError};

impl From<&LogError> for ErrorCode {
    fn from(error: &LogError) -> Self {
        match error {
            LogError::InvalidTopicName { .. } => ErrorCode::InvalidTopicName,
            LogError::TopicExists { .. } => ErrorCode::TopicExists,
            LogError::UnknownTopic { .. } => ErrorCode::UnknownTopic,
            LogError::UnknownPartition { .. } => ErrorCode::UnknownPartition,
            LogError::InvalidSettings { .. } => ErrorCode::InvalidTopicSettings,
            LogError::PartitionCountNotIncreased { .. } => ErrorCode::PartitionCountNotIncreased,
            LogError::ReplicationFactorUnsupported { .. } => ErrorCode::ReplicationFactorUnsupported,
            LogError::EmptyBatch { .. } => ErrorCode::EmptyBatch,
            LogError::InvalidBatch { .. } => ErrorCode::InvalidBatch,
            LogError::OutOfOrderSequence { .. } => ErrorCode::OutOfOrderSequence,
            LogError::InvalidProducerEpoch { .. } => ErrorCode::InvalidProducerEpoch,
            LogError::BatchTooLarge { .. } => ErrorCode::BatchTooLarge,
            LogError::OffsetOutOfRange { .. } => ErrorCode::OffsetOutOfRange,
            LogError::Corrupt { .. } => ErrorCode::CorruptLog,
            LogError::UnsupportedFormat { .. } => ErrorCode::UnsupportedLogFormat,
            LogError::Io { .. } => ErrorCode::LogStorage,
        }
    }
}

impl From<&GroupError> for ErrorCode {
    fn from(error: &GroupError) -> Self {
        match error {
            GroupError::UnknownGroup { .. } => ErrorCode::UnknownGroup,
            GroupError::UnknownMember { .. } => ErrorCode::UnknownMember,
            GroupError::IllegalGeneration { .. } => ErrorCode::IllegalGeneration,
            GroupError::NoCommonStrategy { .. } => ErrorCode::NoCommonStrategy,
            GroupError::NotOwner { .. } => ErrorCode::NotOwner,
            GroupError::FencedInstance { .. } => ErrorCode::FencedInstance,
            GroupError::GroupNotEmpty { .. } => ErrorCode::GroupNotEmpty,
            GroupError::InvalidRequest { .. } => ErrorCode::InvalidGroupRequest,
            GroupError::Superseded { .. } => ErrorCode::JoinSuperseded,
            GroupError::MemberRemoved { .. } => ErrorCode::MemberRemoved,
            GroupError::UnknownPartition { .. } => ErrorCode::UnknownGroupPartition,
            GroupError::NotRevoking { .. } => ErrorCode::NotRevoking,
            GroupError::OffsetUnavailable { .. } => ErrorCode::OffsetUnavailable,
            GroupError::Storage(_) => ErrorCode::OffsetStorage,
            GroupError::CoordinatorClosed => ErrorCode::CoordinatorClosed,
            GroupError::InconsistentGroupProtocol { .. } => ErrorCode::InconsistentGroupProtocol,
            GroupError::RebalanceInProgress { .. } => ErrorCode::RebalanceInProgress,
            GroupError::StaleMemberEpoch { .. } => ErrorCode::StaleMemberEpoch,
        }
    }
}

impl From<LogError> for WireError {
    fn from(error: LogError) -> Self {
        WireError::new(ErrorCode::from(&error), error.to_string())
    }
}

impl From<GroupError> for WireError {
    fn from(error: GroupError) -> Self {
        WireError::new(ErrorCode::from(&error), error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::groups::wire_protocol;
    use regroup_assignor_api::model;

    #[test]
    fn the_wire_protocol_enum_is_the_contracts_variant_for_variant() {
        let contract = [model::Protocol::Eager, model::Protocol::Cooperative];
        for p in contract {
            let wire = wire_protocol(p);
            assert_eq!(wire.as_str(), p.as_str());
            // Same name (self-describing formats) and same order (bincode's variant index).
            assert_eq!(
                serde_json::to_string(&wire).unwrap(),
                serde_json::to_string(&p).unwrap()
            );
        }
        assert!(wire_protocol(contract[0]) < wire_protocol(contract[1]) && contract[0] < contract[1]);
    }

    #[test]
    fn group_errors_travel_as_200_plus_the_coordinators_code() {
        let errors = crate::group::one_group_error_of_each()
            .into_iter()
            .map(|(error, _)| error);
        for error in errors {
            let wire = WireError::from(error.clone());
            assert_eq!(wire.code, 200 + error.code(), "{error:?}");
            assert_eq!(wire.message, error.to_string());
        }
    }

    #[test]
    fn log_errors_keep_their_message() {
        let wire = WireError::from(LogError::UnknownTopic {
            topic: "orders".into(),
        });
        assert!(wire.is(ErrorCode::UnknownTopic));
        assert_eq!(wire.message, "unknown topic \"orders\"");
        assert_eq!(wire.to_string(), "unknown topic \"orders\" (error 102)");
    }
}
