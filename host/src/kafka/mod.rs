//! The Kafka listener: a second front end beside [`crate::server`], speaking Kafka's own
//! protocol so Kafka clients (librdkafka and its bindings, the Java client, kafka-python, ...)
//! produce to and fetch from the host unchanged. It translates requests into the same core calls
//! the native server makes; the core learns nothing of Kafka's protocol. Schemas come from the
//! `kafka-protocol` crate.
//!
//! - `mod.rs` (this file): [`run`] (the accept loop and graceful shutdown), [`KafkaConfig`].
//! - `frame.rs`: Kafka's size-prefixed requests, read within the host's limits.
//! - `versions.rs`: the APIs and versions served, negotiated in one place; ApiVersions.
//! - `connection.rs`: one connection: requests in, decoded, handled, answered in order.
//! - `response.rs`: answers encoded and written; a Fetch's records referenced, not copied.
//! - `request.rs`: a request's header and body decoded, in one function the fuzz tests drive.
//! - one module per API: `metadata.rs`, `produce.rs`, `fetch.rs`, `list_offsets.rs`,
//!   `init_producer_id.rs`; topics: `create_topics.rs`, `delete_topics.rs`,
//!   `create_partitions.rs`, `describe_configs.rs`, `incremental_alter_configs.rs`,
//!   `describe_cluster.rs`; groups: `find_coordinator.rs`, `join_group.rs`, `sync_group.rs`,
//!   `heartbeat.rs`, `leave_group.rs`, `list_groups.rs`, `describe_groups.rs`,
//!   `delete_groups.rs`, `consumer_group_heartbeat.rs`, `consumer_group_describe.rs`;
//!   offsets: `offset_commit.rs`, `offset_fetch.rs`, `offset_delete.rs`.
//! - `error.rs`: the log's and the coordinator's errors as Kafka's error codes.
//! - `cluster_id.rs`: the cluster id kept in the data directory.
//! - `auto_create.rs`: topics created when a client names one that does not exist, if the host
//!   allows it (Kafka's `auto.create.topics.enable`).
//!
//! The limits are the native server's, shared with it ([`crate::server::ConnectionLimits`]):
//! connections of both listeners together are bounded by `max_connections`, requests being read
//! by `queued_max_request_bytes`; one request by `max_frame_bytes`; an idle connection is closed
//! after `connections_max_idle_ms`. Past `max_connections` a new connection is accepted and
//! closed at once, as Kafka's broker does past `max.connections`, with a warning (at most one
//! a second, counting the rest) and counted in `regroup_connections_refused_total`.
//!
//! Requests are counted per API in the same metrics as the native listener's, under the
//! listener name `kafka` and Kafka's API names (`Produce`, `Fetch`, ...).

mod auto_create;
mod cluster_id;
mod connection;
mod consumer_group_describe;
mod consumer_group_heartbeat;
mod create_partitions;
mod create_topics;
mod delete_groups;
mod delete_topics;
mod describe_cluster;
mod describe_configs;
mod describe_groups;
mod error;
mod fetch;
mod find_coordinator;
mod frame;
mod heartbeat;
mod incremental_alter_configs;
mod init_producer_id;
mod join_group;
mod leave_group;
mod list_groups;
mod list_offsets;
mod metadata;
mod offset_commit;
mod offset_delete;
mod offset_fetch;
mod produce;
mod request;
mod response;
mod sync_group;
mod versions;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

pub use cluster_id::load_or_create_cluster_id;

use crate::server::shutdown::Shutdown;
use crate::server::{ConnectionLimits, RefusalLog, ServerConfig, Services};
use connection::{Connection, Context};

/// What Kafka clients are told about this host.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// The host and port Metadata names for the one broker (Kafka's `advertised.listeners`):
    /// clients connect there for everything after their first request.
    pub advertised_host: String,
    pub advertised_port: u16,
    /// Kept in the data directory (see [`load_or_create_cluster_id`]).
    pub cluster_id: String,
    /// Metadata and Produce naming a topic that does not exist create it (Kafka's
    /// `auto.create.topics.enable`).
    pub auto_create_topics: bool,
    /// Partitions of a topic auto-created or created with a count of -1 (Kafka's
    /// `num.partitions`).
    pub num_partitions: u32,
}

/// This listener's name in the request and connection metrics.
pub const LISTENER_NAME: &str = "kafka";

/// The node id of this host, the one broker and leader of every partition.
pub(crate) const NODE_ID: i32 = 1;

/// Serves Kafka clients on `listener` until `shutdown` completes; then stops accepting, lets
/// every connection finish the request it serves, and returns once all are closed.
pub async fn run(
    listener: TcpListener,
    services: Arc<Services>,
    config: Arc<ServerConfig>,
    limits: ConnectionLimits,
    kafka: KafkaConfig,
    shutdown: impl Future,
) {
    let (notify_shutdown, _) = watch::channel(false);
    let (shutdown_complete_tx, mut shutdown_complete_rx) = mpsc::channel::<()>(1);
    let kafka = Arc::new(kafka);
    let refusals = RefusalLog::default();
    let accept = async {
        loop {
            let (socket, peer) = crate::server::accept(&listener, LISTENER_NAME).await;
            // Taken after accept, never held while waiting for one: the permits are the native
            // listener's too. Past the limit the connection is closed, as Kafka's broker does.
            let Ok(permit) = Arc::clone(&limits.connections).try_acquire_owned() else {
                services.requests.connection_refused(LISTENER_NAME);
                refusals.refused(LISTENER_NAME, peer, config.max_connections);
                drop(socket);
                continue;
            };
            let open = services.requests.connection_opened(LISTENER_NAME);
            let _ = socket.set_nodelay(true);
            let connection = Connection {
                context: Context {
                    services: Arc::clone(&services),
                    config: Arc::clone(&config),
                    kafka: Arc::clone(&kafka),
                    shutdown: Shutdown::new(notify_shutdown.subscribe()),
                },
                memory: limits.memory.clone(),
                peer,
                _shutdown_complete: shutdown_complete_tx.clone(),
            };
            tokio::spawn(async move {
                connection.run(socket).await;
                drop(open);
                drop(permit);
            });
        }
    };
    tokio::select! {
        () = accept => {}
        _ = shutdown => tracing::info!("Kafka listener shutting down"),
    }
    let _ = notify_shutdown.send(true);
    drop(notify_shutdown);
    drop(shutdown_complete_tx);
    let _ = shutdown_complete_rx.recv().await;
}
