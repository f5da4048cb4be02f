//! The Rust client library: a [`Producer`], a [`Consumer`] (a consumer-group member) and a
//! [`Client`] for administration, over the wire protocol in [`regroup_protocol`].
//!
//! - `admin.rs`: [`Client`]: one server, reconnecting with backoff; topic, offset, group and
//!   plugin administration.
//! - `backoff.rs`: [`Backoff`], exponential and jittered, the pause of every retry loop.
//! - `connection.rs`: one multiplexed connection (request ids, a reader task, a writer task).
//! - `producer/`: [`Producer`], batching per partition with linger and size limits.
//! - `consumer/`: [`Consumer`], its config, rebalance callbacks, heartbeats and commits.
//! - `error.rs`: [`ClientError`].
//!
//! Everything is async on tokio; the caller's runtime runs the client's tasks.

mod admin;
mod backoff;
mod connection;
pub mod consumer;
mod error;
pub mod producer;

pub(crate) use admin::expect_answer;
pub use admin::{Client, ClientOptions};
pub use backoff::Backoff;
pub use bytes::Bytes;
pub use consumer::{
    Consumer, ConsumerConfig, ConsumerRecord, GroupAssignment, OffsetReset, RebalanceEvent,
    RebalanceListener, StrategyChoice, UserData,
};
pub use error::ClientError;
pub use producer::{Delivery, Producer, ProducerConfig, RecordMetadata};
/// The wire's messages (for [`Client::call`] and the administrative calls' arguments and answers).
pub use regroup_protocol as protocol;
pub use regroup_protocol::PartitionName;
pub use regroup_protocol::compression::Compression;
pub use regroup_protocol::record::{Header, Record};
