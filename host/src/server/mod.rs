//! The server: a TCP listener plus one handler per connection, turning frames into calls on the
//! core (log, coordinator, registry). It holds no state of its own beyond connections.
//!
//! - `mod.rs` (this file): [`run`], [`ServerConfig`], [`Services`].
//! - `listener.rs`: the accept loop; a semaphore permit is taken before each accept, so at most
//!   [`ServerConfig::max_connections`] connections are served; past the limit a new connection
//!   is answered with [`crate::protocol::ErrorCode::TooManyConnections`] and closed.
//! - `shutdown.rs`: the shutdown signal every handler listens to.
//! - `connection.rs`: one connection: handshake, reading frames, the writer task.
//! - `dispatch.rs`: one request to its handler; core calls that may touch the disk or run a
//!   strategy go to tokio's blocking pool, so the runtime's threads never wait on them.
//! - `handlers/`: one module per family of requests (topics, records, groups, offsets, plugins).
//!
//! Graceful shutdown (as in mini-redis): the shutdown future given to [`run`] stops the accept
//! loop; every handler is told, finishes the request it is serving, answers its long polls
//! with [`crate::protocol::ErrorCode::ShuttingDown`] or what it has, flushes its answers and
//! drops its completion sender; [`run`] returns once all of them have.

mod connection;
mod dispatch;
mod handlers;
mod listener;
pub(crate) mod long_poll;
pub(crate) use dispatch::on_blocking_pool;
pub(crate) use listener::{RefusalLog, accept};
pub(crate) mod shutdown;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, mpsc, watch};

use crate::group::Coordinator;
use crate::log::{Log, TopicSettings};
use crate::metrics::RequestMetrics;
use crate::protocol::{DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_LEN, MemoryPool};
use crate::registry::Registry;

/// How the server treats connections. Every limit bounds what one peer, or all of them
/// together, can make the server hold; each follows the Kafka broker setting named.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Connections served at once (Kafka's `max.connections`); one more is refused with
    /// [`crate::protocol::ErrorCode::TooManyConnections`] and a logged warning.
    pub max_connections: usize,
    /// Largest request payload read; a larger frame is refused from its header alone.
    pub max_frame_bytes: usize,
    /// Bytes the requests being read may take together, on all connections (Kafka's
    /// `queued.max.request.bytes`). A request larger than a connection's fixed 64 KiB buffer
    /// reserves its size first, and its connection reads nothing more until it can.
    pub queued_max_request_bytes: usize,
    /// A connection that has not sent its hello within this long is closed.
    pub handshake_timeout: Duration,
    /// A connection that sent no request for this long, with no answer owed to it, is closed
    /// (Kafka's `connections.max.idle.ms`).
    pub connections_max_idle: Duration,
    /// Longest wait a fetch may ask for when no records are there.
    pub max_fetch_wait: Duration,
    /// Names the server in the handshake.
    pub server_name: String,
}

/// Kafka leaves `queued.max.request.bytes` unbounded; 512 MiB holds seven largest requests at
/// once, or thousands of ordinary ones.
pub const DEFAULT_QUEUED_MAX_REQUEST_BYTES: usize = 512 << 20;
/// A few seconds, as Kafka's clients give a connection to be set up
/// (`socket.connection.setup.timeout.ms`, 10 s).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Kafka's `connections.max.idle.ms`: 10 minutes.
pub const DEFAULT_CONNECTIONS_MAX_IDLE: Duration = Duration::from_secs(600);

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 1024,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            queued_max_request_bytes: DEFAULT_QUEUED_MAX_REQUEST_BYTES,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            connections_max_idle: DEFAULT_CONNECTIONS_MAX_IDLE,
            max_fetch_wait: Duration::from_secs(30),
            server_name: format!("regroup {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The core the server serves, and the host defaults requests fall back on.
pub struct Services {
    pub log: Arc<Log>,
    pub coordinator: Coordinator,
    pub registry: Registry,
    /// Settings of topics created without their own.
    pub topic_defaults: TopicSettings,
    /// For joins that leave their session timeout at 0.
    pub default_session_timeout: Duration,
    /// For joins that leave their rebalance timeout at 0.
    pub default_rebalance_timeout: Duration,
    /// Requests and connections are counted here (under [`LISTENER_NAME`]).
    pub requests: RequestMetrics,
    /// Woken after every append a listener makes, so waiting fetches (of either listener) look
    /// again.
    pub(crate) appended: Notify,
}

/// This server's name in the request and connection metrics.
pub const LISTENER_NAME: &str = "regroup";

impl Services {
    pub fn new(log: Arc<Log>, coordinator: Coordinator, registry: Registry) -> Services {
        Services {
            log,
            coordinator,
            registry,
            topic_defaults: TopicSettings::default(),
            default_session_timeout: Duration::from_secs(10),
            default_rebalance_timeout: Duration::from_secs(60),
            requests: RequestMetrics::default(),
            appended: Notify::new(),
        }
    }
}

/// What every listener of a host shares, so the limits hold for all of them together: the
/// connection permits ([`ServerConfig::max_connections`]) and the memory of requests being
/// read ([`ServerConfig::queued_max_request_bytes`]).
#[derive(Clone)]
pub struct ConnectionLimits {
    pub(crate) connections: Arc<Semaphore>,
    pub(crate) memory: MemoryPool,
}

impl ConnectionLimits {
    pub fn new(config: &ServerConfig) -> Self {
        // A request of the largest size must fit, or it would wait forever.
        let pool_bytes = config
            .queued_max_request_bytes
            .max(config.max_frame_bytes + FRAME_HEADER_LEN);
        ConnectionLimits {
            connections: Arc::new(Semaphore::new(config.max_connections.max(1))),
            memory: MemoryPool::new(pool_bytes),
        }
    }
}

/// Serves `listener` until `shutdown` completes, then shuts down gracefully (see the module
/// documentation) and returns.
pub async fn run(
    listener: TcpListener,
    services: Arc<Services>,
    config: ServerConfig,
    limits: ConnectionLimits,
    shutdown: impl Future,
) {
    let (notify_shutdown, _) = watch::channel(false);
    let (shutdown_complete_tx, mut shutdown_complete_rx) = mpsc::channel::<()>(1);
    let mut server = listener::Listener {
        listener,
        services,
        limit_connections: limits.connections,
        limit_refusals: Arc::new(Semaphore::new(listener::REFUSALS_AT_ONCE)),
        refusals: listener::RefusalLog::default(),
        memory: limits.memory,
        config: Arc::new(config),
        notify_shutdown,
        shutdown_complete_tx,
    };
    tokio::select! {
        () = server.run() => {}
        _ = shutdown => tracing::info!("server shutting down"),
    }
    let listener::Listener {
        notify_shutdown,
        shutdown_complete_tx,
        ..
    } = server;
    // Every handler holds a receiver; they all see the change, then the senders go.
    let _ = notify_shutdown.send(true);
    drop(notify_shutdown);
    drop(shutdown_complete_tx);
    // Ends when the last handler drops its completion sender.
    let _ = shutdown_complete_rx.recv().await;
    tracing::info!("server stopped: every connection finished");
}
