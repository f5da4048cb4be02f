//! Errors on the wire: a stable numeric [`ErrorCode`] and a message naming what was wrong.
//!
//! | codes   | family                                                            |
//! |---------|-------------------------------------------------------------------|
//! | 1–99    | the connection and the protocol                                   |
//! | 100–199 | the log (topics, partitions, offsets, storage)                    |
//! | 200–299 | groups: `200 +` [`GroupError::code`], the coordinator's own code  |
//!
//! Never renumber a code: clients match on the numbers. A code this build does not know (from a
//! newer server) still arrives, as [`WireError::code`] with [`WireError::kind`] `None`.

use serde::{Deserialize, Serialize};

/// Every error code the server sends. The discriminant is the wire number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ErrorCode {
    /// A frame whose payload did not decode as the message it claims to be.
    MalformedFrame = 1,
    /// A frame longer than the receiver's limit.
    FrameTooLarge = 2,
    /// A payload of a kind or version the receiver does not know.
    UnknownMessage = 3,
    /// Client and server share no protocol version.
    UnsupportedVersion = 4,
    /// A request sent before the handshake.
    HandshakeRequired = 5,
    /// The server is shutting down and did not start the request.
    ShuttingDown = 6,
    /// The server failed in a way no other code describes (a bug); the message says how.
    Internal = 7,
    /// A well-formed request that makes no sense (for example a fetch of no partitions).
    InvalidRequest = 8,
    /// The server is at its connection limit and closed this new connection; try again later.
    TooManyConnections = 9,

    InvalidTopicName = 100,
    TopicExists = 101,
    UnknownTopic = 102,
    UnknownPartition = 103,
    InvalidTopicSettings = 104,
    PartitionCountNotIncreased = 105,
    ReplicationFactorUnsupported = 106,
    EmptyBatch = 107,
    BatchTooLarge = 108,
    OffsetOutOfRange = 109,
    CorruptLog = 110,
    UnsupportedLogFormat = 111,
    LogStorage = 112,
    /// A produced batch that is not a valid Kafka record batch v2 (the message says why).
    InvalidBatch = 113,
    /// A batch of an idempotent producer that does not follow its last (Kafka's
    /// OUT_OF_ORDER_SEQUENCE_NUMBER).
    OutOfOrderSequence = 114,
    /// A batch of an idempotent producer whose epoch is older than its current one (Kafka's
    /// INVALID_PRODUCER_EPOCH).
    InvalidProducerEpoch = 115,

    UnknownGroup = 201,
    UnknownMember = 202,
    IllegalGeneration = 203,
    NoCommonStrategy = 204,
    NotOwner = 205,
    FencedInstance = 206,
    GroupNotEmpty = 207,
    InvalidGroupRequest = 208,
    JoinSuperseded = 209,
    MemberRemoved = 210,
    UnknownGroupPartition = 211,
    NotRevoking = 212,
    OffsetUnavailable = 213,
    OffsetStorage = 214,
    CoordinatorClosed = 215,
    /// The group speaks another protocol (a Kafka classic or consumer group).
    InconsistentGroupProtocol = 216,
    /// A Kafka classic group is rebalancing: its members rejoin.
    RebalanceInProgress = 217,
    /// A commit with a member epoch other than the member's (Kafka's STALE_MEMBER_EPOCH).
    StaleMemberEpoch = 218,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 43] = [
        ErrorCode::MalformedFrame,
        ErrorCode::FrameTooLarge,
        ErrorCode::UnknownMessage,
        ErrorCode::UnsupportedVersion,
        ErrorCode::HandshakeRequired,
        ErrorCode::ShuttingDown,
        ErrorCode::Internal,
        ErrorCode::InvalidRequest,
        ErrorCode::TooManyConnections,
        ErrorCode::InvalidTopicName,
        ErrorCode::TopicExists,
        ErrorCode::UnknownTopic,
        ErrorCode::UnknownPartition,
        ErrorCode::InvalidTopicSettings,
        ErrorCode::PartitionCountNotIncreased,
        ErrorCode::ReplicationFactorUnsupported,
        ErrorCode::EmptyBatch,
        ErrorCode::BatchTooLarge,
        ErrorCode::OffsetOutOfRange,
        ErrorCode::CorruptLog,
        ErrorCode::UnsupportedLogFormat,
        ErrorCode::LogStorage,
        ErrorCode::InvalidBatch,
        ErrorCode::OutOfOrderSequence,
        ErrorCode::InvalidProducerEpoch,
        ErrorCode::UnknownGroup,
        ErrorCode::UnknownMember,
        ErrorCode::IllegalGeneration,
        ErrorCode::NoCommonStrategy,
        ErrorCode::NotOwner,
        ErrorCode::FencedInstance,
        ErrorCode::GroupNotEmpty,
        ErrorCode::InvalidGroupRequest,
        ErrorCode::JoinSuperseded,
        ErrorCode::MemberRemoved,
        ErrorCode::UnknownGroupPartition,
        ErrorCode::NotRevoking,
        ErrorCode::OffsetUnavailable,
        ErrorCode::OffsetStorage,
        ErrorCode::CoordinatorClosed,
        ErrorCode::InconsistentGroupProtocol,
        ErrorCode::RebalanceInProgress,
        ErrorCode::StaleMemberEpoch,
    ];

    pub fn number(self) -> u16 {
        self as u16
    }

    pub fn from_number(number: u16) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|code| code.number() == number)
    }
}

/// An error as it travels: the code's number and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (error {code})")]
pub struct WireError {
    pub code: u16,
    pub message: String,
}

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WireError {
            code: code.number(),
            message: message.into(),
        }
    }

    /// The code, if this build knows it.
    pub fn kind(&self) -> Option<ErrorCode> {
        ErrorCode::from_number(self.code)
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.number()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table clients rely on. Adding a code adds a line; changing a line breaks clients.
    const PINNED: [(ErrorCode, u16); 43] = [
        (ErrorCode::MalformedFrame, 1),
        (ErrorCode::FrameTooLarge, 2),
        (ErrorCode::UnknownMessage, 3),
        (ErrorCode::UnsupportedVersion, 4),
        (ErrorCode::HandshakeRequired, 5),
        (ErrorCode::ShuttingDown, 6),
        (ErrorCode::Internal, 7),
        (ErrorCode::InvalidRequest, 8),
        (ErrorCode::TooManyConnections, 9),
        (ErrorCode::InvalidTopicName, 100),
        (ErrorCode::TopicExists, 101),
        (ErrorCode::UnknownTopic, 102),
        (ErrorCode::UnknownPartition, 103),
        (ErrorCode::InvalidTopicSettings, 104),
        (ErrorCode::PartitionCountNotIncreased, 105),
        (ErrorCode::ReplicationFactorUnsupported, 106),
        (ErrorCode::EmptyBatch, 107),
        (ErrorCode::BatchTooLarge, 108),
        (ErrorCode::OffsetOutOfRange, 109),
        (ErrorCode::CorruptLog, 110),
        (ErrorCode::UnsupportedLogFormat, 111),
        (ErrorCode::LogStorage, 112),
        (ErrorCode::InvalidBatch, 113),
        (ErrorCode::OutOfOrderSequence, 114),
        (ErrorCode::InvalidProducerEpoch, 115),
        (ErrorCode::UnknownGroup, 201),
        (ErrorCode::UnknownMember, 202),
        (ErrorCode::IllegalGeneration, 203),
        (ErrorCode::NoCommonStrategy, 204),
        (ErrorCode::NotOwner, 205),
        (ErrorCode::FencedInstance, 206),
        (ErrorCode::GroupNotEmpty, 207),
        (ErrorCode::InvalidGroupRequest, 208),
        (ErrorCode::JoinSuperseded, 209),
        (ErrorCode::MemberRemoved, 210),
        (ErrorCode::UnknownGroupPartition, 211),
        (ErrorCode::NotRevoking, 212),
        (ErrorCode::OffsetUnavailable, 213),
        (ErrorCode::OffsetStorage, 214),
        (ErrorCode::CoordinatorClosed, 215),
        (ErrorCode::InconsistentGroupProtocol, 216),
        (ErrorCode::RebalanceInProgress, 217),
        (ErrorCode::StaleMemberEpoch, 218),
    ];

    #[test]
    fn wire_codes_never_change() {
        for (code, number) in PINNED {
            assert_eq!(code.number(), number, "{code:?}");
            assert_eq!(ErrorCode::from_number(number), Some(code));
        }
        assert_eq!(ErrorCode::ALL.len(), PINNED.len());
        assert_eq!(ErrorCode::from_number(0), None);
        assert_eq!(ErrorCode::from_number(9999), None);
    }
}
