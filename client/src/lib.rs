//! The Rust client library: a [`Producer`], a [`Consumer`] (a consumer-group member) and a
//! [`Client`] for administration, over the wire protocol in [`regroup_protocol`].
//!
//! - `admin.rs`: [`Client`]: one server, reconnecting with backoff; topic, offset, group and
//!   plugin administration.
//! - `connection.rs`: one multiplexed connection (request ids, a reader task, a writer task).
//! - `producer/`: [`Producer`], batching per partition with linger and size limits.
//! - `consumer/`: [`Consumer`], its config, rebalance callbacks, heartbeats and commits.
//! - `error.rs`: [`ClientError`].
//!
//! Everything is async on tokio; the caller's runtime runs the client's tasks. Record keys and
//! values are [`Bytes`]; a consumed record's share the fetch answer they came in (no copy).
//!
//! The crate depends on `regroup-protocol` (the wire and Kafka's record batch codec), tokio and
//! tracing, never on the host. A producer and a consumer (the same lines run against a real host
//! in the tests crate, `client_crate_quickstart_produces_and_consumes_against_a_real_host`):
//!
//! ```no_run
//! # async fn quickstart() -> Result<(), regroup_client::ClientError> {
//! use std::time::Duration;
//! use regroup_client::protocol::messages::topics::CreateTopic;
//! use regroup_client::{Client, Consumer, ConsumerConfig, OffsetReset, Producer, ProducerConfig, Record};
//!
//! let addr = "127.0.0.1:9292";
//! Client::connect(addr).await?.create_topic(CreateTopic::new("orders", 3)).await?;
//!
//! let producer = Producer::connect(addr, ProducerConfig::default()).await?;
//! producer.send("orders", Record::new("paid").with_key("order-17")).await?;
//! producer.close().await?;
//!
//! let mut config = ConsumerConfig::new("billing");
//! config.auto_offset_reset = OffsetReset::Earliest;
//! let mut consumer = Consumer::connect(addr, config).await?;
//! consumer.subscribe(&["orders"]);
//! // The first polls join the group; records follow once it has its partitions.
//! let records = loop {
//!     let records = consumer.poll(Duration::from_millis(500)).await?;
//!     if !records.is_empty() {
//!         break records;
//!     }
//! };
//! for record in &records {
//!     println!("{}-{}@{}: {:?}", record.topic, record.partition, record.offset, record.value);
//! }
//! consumer.close().await?;
//! # Ok(()) }
//! ```

mod admin;
mod connection;
pub mod consumer;
mod error;
pub mod producer;

pub(crate) use admin::expect_answer;
pub use admin::{Client, ClientOptions};
pub use bytes::Bytes;
pub use consumer::{
    Consumer, ConsumerConfig, ConsumerRecord, GroupAssignment, OffsetReset, RebalanceEvent,
    RebalanceListener, StrategyChoice, UserData,
};
pub use error::ClientError;
pub use producer::{Delivery, Producer, ProducerConfig, RecordMetadata};
/// The wire's messages (for [`Client::call`] and the administrative calls' arguments and answers).
pub use regroup_protocol as protocol;
pub use regroup_protocol::Backoff;
pub use regroup_protocol::PartitionName;
pub use regroup_protocol::compression::Compression;
pub use regroup_protocol::record::{Header, Record};
