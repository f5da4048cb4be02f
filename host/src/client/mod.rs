//! The Rust client library: a [`Producer`], a [`Consumer`] (a consumer-group member) and a
//! [`Client`] for administration, over the wire protocol in [`crate::protocol`].
//!
//! - `admin.rs`: [`Client`]: one server, reconnecting with backoff; topic, offset, group and
//!   plugin administration.
//! - `connection.rs`: one multiplexed connection (request ids, a reader task, a writer task).
//! - `producer/`: [`Producer`], batching per partition with linger and size limits.
//! - `consumer/`: [`Consumer`], its config, rebalance callbacks, heartbeats and commits.
//! - `record_bytes.rs`: [`RecordBytes`], a consumed record's value shared with its fetch answer.
//! - `error.rs`: [`ClientError`].
//!
//! Everything is async on tokio; the caller's runtime runs the client's tasks.

mod admin;
mod connection;
pub mod consumer;
mod error;
pub mod producer;
mod record_bytes;

pub(crate) use admin::expect_answer;
pub use admin::{Client, ClientOptions};
pub use consumer::{
    Consumer, ConsumerConfig, ConsumerRecord, GroupAssignment, OffsetReset, RebalanceEvent,
    RebalanceListener, StrategyChoice, UserData,
};
pub use error::ClientError;
pub use producer::{Delivery, Producer, ProducerConfig, RecordMetadata};
pub use record_bytes::RecordBytes;
