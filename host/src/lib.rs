//! The Regroup host.
//!
//! - [`registry`]: assignor strategies, built in or loaded from a plugin directory: discovery,
//!   probing in a child process, loading, hot swap, isolation, deadlines and validation.
//! - [`group`]: the group coordinator: membership, strategy negotiation, eager and cooperative
//!   rebalances, fenced durable offsets, hot strategy swaps.
//! - [`log`]: the partitioned log: topics, partitions, segments, recovery, retention.
//! - [`protocol`]: the wire protocol: frames, handshake, messages, stable error codes (shared with
//!   the client in `regroup-protocol`; the host adds conversions to its core types).
//! - [`server`]: the TCP server: a listener, one handler per connection, graceful shutdown.
//! - [`kafka`]: the Kafka listener: Kafka clients produce and fetch through it.
//! - [`runtime`]: the host assembly: log, registry and coordinator behind the server; start, stop.
//! - [`client`]: the Rust client library (`regroup-client`): producer, consumer, administration.
//! - [`stats`]: counters and latency histograms the core keeps for reporting.
//! - [`metrics`]: the Prometheus endpoint: reads the core's state and [`stats`] at scrape time.
//! - [`cli`]: the `regroup` command; `main.rs` only calls it.
//!
//! The core (log, registry and, later, the group coordinator) never touches sockets.

/// Unit tests count each thread's allocations, so the parsers' fuzz tests can bound their memory.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: regroup_fuzz_support::CountingAllocator = regroup_fuzz_support::CountingAllocator;

pub mod cli;
/// The client library, `regroup-client`: the CLI uses it as any user would.
pub use regroup_client as client;
pub mod group;
pub mod kafka;
pub mod log;
pub mod metrics;
pub mod protocol;
pub mod registry;
pub mod runtime;
pub mod server;
pub mod stats;
