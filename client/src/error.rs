//! [`ClientError`]: everything the client library can fail at.

use regroup_protocol::codec::CodecError;

use regroup_protocol::PartitionName;
use regroup_protocol::{ErrorCode, WireError};

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("connection to {addr} lost: {reason}")]
    Disconnected { addr: String, reason: String },
    #[error("the server at {addr} refused the handshake: {error}")]
    Refused { addr: String, error: WireError },
    /// The peer answered the handshake with something that is not Regroup's protocol.
    #[error("{addr} is not a Regroup server: it answered the handshake with {saw}")]
    NotRegroup { addr: String, saw: String },
    #[error("no answer from {addr} to {what} within {} ms", after.as_millis())]
    Timeout {
        addr: String,
        what: String,
        after: std::time::Duration,
    },
    /// A produced batch was not acknowledged within the producer's delivery timeout.
    #[error(
        "records for {partition} not acknowledged within the delivery timeout of {} ms \
         (delivery.timeout.ms){}",
        after.as_millis(),
        last_error.as_ref().map(|e| format!("; last error: {e}")).unwrap_or_default()
    )]
    DeliveryTimeout {
        partition: PartitionName,
        after: std::time::Duration,
        last_error: Option<Box<ClientError>>,
    },
    /// The server refused the request; [`WireError::code`] says why.
    #[error("{0}")]
    Server(#[from] WireError),
    #[error("the server answered a {request} request with {answer}")]
    UnexpectedAnswer {
        request: &'static str,
        answer: &'static str,
    },
    #[error("unreadable answer from the server: {0}")]
    Codec(#[from] CodecError),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("no committed offset for {partition} and auto.offset.reset is none")]
    NoOffset { partition: PartitionName },
    #[error("the {0} is closed")]
    Closed(&'static str),
    #[error("not subscribed to any topic: call subscribe first")]
    NotSubscribed,
    /// Fetched records failed the log's checks (a CRC mismatch, a torn or malformed batch).
    #[error("corrupt records from {partition}: {reason}")]
    CorruptRecords {
        partition: PartitionName,
        reason: String,
    },
    /// A batch could not be encoded (its compressor failed).
    #[error("cannot encode a batch: {0}")]
    Encode(String),
    #[error("{partition} is not assigned to this consumer")]
    NotAssigned { partition: PartitionName },
}

impl ClientError {
    /// The server's error code, when the server refused the request.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Server(error) | ClientError::Refused { error, .. } => error.kind(),
            _ => None,
        }
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.code() == Some(code)
    }

    /// A failure of the connection, which a new connection may not have.
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            ClientError::Connect { .. } | ClientError::Disconnected { .. }
        ) || self.is(ErrorCode::ShuttingDown)
            || self.is(ErrorCode::TooManyConnections)
    }
}
