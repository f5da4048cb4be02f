//! The host assembly: one [`Host`] opens the log, starts the plugin registry, builds the group
//! coordinator over both, and serves them on TCP; [`RunningHost`] stops it.
//!
//! - `mod.rs` (this file): [`Host::start`], [`RunningHost`].
//! - `config.rs`: [`HostConfig`], every setting with its default.
//! - `catalog.rs`: [`LogTopics`], the log seen through the coordinator's traits.
//! - `driver.rs`: the thread that forwards topic events and ticks the coordinator.
//! - `signals.rs`: Ctrl-C and SIGTERM.
//! - `memory.rs`: [`keep_freed_memory`], the allocator settings the binary runs with.
//! - `limits.rs`: [`DescriptorBudget`], file descriptors shared by connections and partitions.
//! - `error.rs`: [`HostError`].
//!
//! Data directory layout: `<data_dir>/topics/` is the log's root, `<data_dir>/groups/` holds
//! `offsets.log`, `<data_dir>/plugin-runs/` a marker per in-process plugin run in progress.
//!
//! ```no_run
//! use regroup::runtime::{Host, HostConfig};
//!
//! let host = Host::start(HostConfig::for_tests("/tmp/regroup-example")).unwrap();
//! println!("serving on {}", host.local_addr());
//! host.shutdown().unwrap(); // or host.wait_for_signal() to stop on Ctrl-C / SIGTERM
//! ```

mod catalog;
mod config;
mod driver;
mod error;
mod limits;
mod memory;
mod signals;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use catalog::LogTopics;
pub use config::{DEFAULT_METRICS_LISTEN, HostConfig, parse_kafka_listen, parse_metrics_listen};
pub use error::HostError;
pub use limits::{DESCRIPTORS_PER_PARTITION, DescriptorBudget, raise_open_files_limit};
pub use memory::keep_freed_memory;

use crate::group::{Coordinator, CoordinatorConfig, OffsetsRecovery};
use crate::kafka::KafkaConfig;
use crate::log::{Log, LogOptions, RecoveryReport, TopicSettings};
use crate::metrics::Metrics;
use crate::registry::{Registry, RegistryConfig};
use crate::server::{ConnectionLimits, ServerConfig, Services};
use driver::Driver;

/// Starts hosts.
pub struct Host;

/// What opening the data directory found and repaired.
#[derive(Debug, Clone, Default)]
pub struct StartReport {
    pub log: RecoveryReport,
    pub offsets: OffsetsRecovery,
}

/// A host that is serving. Dropping it shuts it down as [`RunningHost::shutdown`] does.
pub struct RunningHost {
    local_addr: SocketAddr,
    kafka_addr: Option<SocketAddr>,
    advertised: Option<String>,
    metrics_addr: Option<SocketAddr>,
    metrics: Arc<Metrics>,
    data_dir: PathBuf,
    report: StartReport,
    log: Arc<Log>,
    coordinator: Coordinator,
    registry: Registry,
    stop_server: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    driver: Option<Driver>,
}

impl Host {
    /// Opens (recovering) the data directory, loads the plugins, and starts serving on
    /// `config.listen`. Returns once the server accepts connections. Usable from synchronous
    /// and asynchronous code alike: the server runs on its own runtime and threads.
    pub fn start(config: HostConfig) -> Result<RunningHost, HostError> {
        config.check().map_err(HostError::Config)?;
        let budget = descriptor_budget(&config);
        let log_options = LogOptions {
            default_flush: config.flush,
            retention_check_interval: HostConfig::millis(config.retention_check_interval_ms),
            max_partitions: Some(budget.max_partitions),
        };
        let opening = std::time::Instant::now();
        let (log, log_report) =
            Log::open(config.data_dir.join("topics"), log_options).map_err(HostError::Log)?;
        let recovery_time = opening.elapsed();
        let log = Arc::new(log);
        let registry = Registry::start(registry_config(&config)?)?;
        registry.watch();
        // Subscribed before the coordinator exists, so no topic change falls between the two.
        let topic_events = log.subscribe();
        let topics = Arc::new(LogTopics::new(&log));
        let (coordinator, offsets_report) = Coordinator::open(
            coordinator_config(&config),
            Arc::new(registry.clone()),
            topics.clone(),
            topics,
        )?;
        let driver = Driver::spawn(
            coordinator.clone(),
            topic_events,
            HostConfig::millis(config.tick_interval_ms.max(1)),
        )
        .map_err(|source| HostError::Start {
            what: "coordinator driver thread",
            source,
        })?;

        let bind_error = |source| HostError::Bind {
            addr: config.listen,
            source,
        };
        let listener = bind(config.listen).map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let metrics = Arc::new(Metrics::new(
            Arc::clone(&log),
            coordinator.clone(),
            registry.clone(),
            recovery_time,
        ));
        let metrics_listener = match config.metrics_listen {
            Some(addr) => {
                let bind_error = |source| HostError::Bind { addr, source };
                let listener = bind(addr).map_err(bind_error)?;
                let local = listener.local_addr().map_err(bind_error)?;
                Some((listener, local))
            }
            None => None,
        };
        let metrics_addr = metrics_listener.as_ref().map(|(_, addr)| *addr);
        let mut services = Services::new(Arc::clone(&log), coordinator.clone(), registry.clone());
        services.requests = metrics.requests().clone();
        services.topic_defaults = TopicSettings {
            retention_bytes: HostConfig::limit(config.retention_bytes),
            retention_age: HostConfig::limit(config.retention_ms).map(HostConfig::millis),
            segment_age: HostConfig::millis(config.segment_ms),
            ..TopicSettings::default()
        };
        services.default_session_timeout = HostConfig::millis(config.session_timeout_ms);
        services.default_rebalance_timeout = HostConfig::millis(config.rebalance_timeout_ms);
        let server_config = ServerConfig {
            max_connections: budget.max_connections,
            max_frame_bytes: config.max_frame_bytes,
            // 0 is no limit, as for every limit of the host's configuration.
            queued_max_request_bytes: match config.queued_max_request_bytes {
                0 => usize::MAX,
                bytes => bytes,
            },
            handshake_timeout: HostConfig::millis_or_never(config.handshake_timeout_ms),
            connections_max_idle: HostConfig::millis_or_never(config.connections_max_idle_ms),
            ..ServerConfig::default()
        };
        let kafka = match config.kafka_listen {
            Some(addr) => Some(kafka_listener(addr, &config)?),
            None => None,
        };
        let kafka_addr = kafka.as_ref().map(|(_, addr, _)| *addr);
        let advertised = kafka
            .as_ref()
            .map(|(_, _, kafka)| format!("{}:{}", kafka.advertised_host, kafka.advertised_port));
        let (stop_server, server_stopped) = oneshot::channel::<()>();
        let server = spawn_server(
            Listeners {
                native: listener,
                kafka: kafka.map(|(listener, _, kafka)| (listener, kafka)),
            },
            Arc::new(services),
            server_config,
            server_stopped,
            config.worker_threads,
            metrics_listener.map(|(listener, _)| (listener, Arc::clone(&metrics))),
        )?;
        tracing::info!(%local_addr, data_dir = %config.data_dir.display(), "host serving");
        Ok(RunningHost {
            local_addr,
            kafka_addr,
            advertised,
            metrics_addr,
            metrics,
            data_dir: config.data_dir,
            report: StartReport {
                log: log_report,
                offsets: offsets_report,
            },
            log,
            coordinator,
            registry,
            stop_server: Some(stop_server),
            server: Some(server),
            driver: Some(driver),
        })
    }
}

/// Raises the descriptor limit and splits it between connections and partitions.
fn descriptor_budget(config: &HostConfig) -> DescriptorBudget {
    let open_files = raise_open_files_limit().unwrap_or_else(|| {
        tracing::warn!("cannot read the open files limit (RLIMIT_NOFILE); assuming 1024");
        1024
    });
    let (budget, notes) = DescriptorBudget::split(open_files, config.max_connections, config.max_partitions);
    for note in notes {
        tracing::warn!("{note}");
    }
    tracing::info!(
        open_files,
        max_connections = budget.max_connections,
        max_partitions = budget.max_partitions,
        "file descriptor budget"
    );
    budget
}

fn registry_config(config: &HostConfig) -> Result<RegistryConfig, HostError> {
    let helper_exe = match &config.helper_exe {
        Some(exe) => exe.clone(),
        None => std::env::current_exe().map_err(HostError::HelperExe)?,
    };
    let mut registry = RegistryConfig::new(config.plugin_dir.clone(), helper_exe);
    registry.rescan_interval = HostConfig::millis(config.rescan_interval_ms);
    registry.deadline = HostConfig::millis(config.plugin_deadline_ms);
    registry.default_isolation = config.isolation;
    registry.isolation = config.isolate.clone();
    registry.overrun_cooldown = HostConfig::millis(config.plugin_overrun_cooldown_ms);
    registry.worker_max_memory = HostConfig::limit(config.plugin_worker_max_memory_bytes);
    registry.run_markers = Some(config.data_dir.join(RUN_MARKERS_DIR));
    Ok(registry)
}

/// Under the data directory: markers of in-process plugin runs (crash-loop protection).
pub const RUN_MARKERS_DIR: &str = "plugin-runs";

fn coordinator_config(config: &HostConfig) -> CoordinatorConfig {
    let mut coordinator = CoordinatorConfig::new(config.data_dir.join("groups"));
    coordinator.min_session_timeout = HostConfig::millis(config.group_min_session_timeout_ms);
    coordinator.max_session_timeout = HostConfig::millis(config.group_max_session_timeout_ms);
    coordinator.max_rebalance_timeout = HostConfig::millis(config.group_max_rebalance_timeout_ms);
    coordinator.strategy_threads = config.strategy_threads;
    coordinator.initial_rebalance_delay = HostConfig::millis(config.group_initial_rebalance_delay_ms);
    coordinator.consumer.heartbeat_interval = HostConfig::millis(config.group_consumer_heartbeat_interval_ms);
    coordinator.consumer.session_timeout = HostConfig::millis(config.group_consumer_session_timeout_ms);
    if !config.group_consumer_assignors.is_empty() {
        coordinator.consumer.assignors = config.group_consumer_assignors.clone();
    }
    coordinator
}

/// The bound sockets the host serves: the native protocol's, and Kafka's unless turned off.
struct Listeners {
    native: std::net::TcpListener,
    kafka: Option<(std::net::TcpListener, KafkaConfig)>,
}

/// Binds the Kafka listener and works out what Metadata tells clients: the advertised
/// `host:port`, else the bound address, and the cluster id kept in the data directory.
fn kafka_listener(
    addr: SocketAddr,
    config: &HostConfig,
) -> Result<(std::net::TcpListener, SocketAddr, KafkaConfig), HostError> {
    let bind_error = |source| HostError::Bind { addr, source };
    let listener = bind(addr).map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    let (advertised_host, advertised_port) = match &config.advertised {
        Some(advertised) => parse_advertised(advertised).map_err(HostError::Config)?,
        None => (bound.ip().to_string(), bound.port()),
    };
    let cluster_id =
        crate::kafka::load_or_create_cluster_id(&config.data_dir).map_err(|source| HostError::Start {
            what: "Kafka cluster id (cluster.id in the data directory)",
            source,
        })?;
    let kafka = KafkaConfig {
        advertised_host,
        advertised_port,
        cluster_id,
        auto_create_topics: config.auto_create_topics_enable,
        num_partitions: config.num_partitions,
    };
    Ok((listener, bound, kafka))
}

/// `host:port`, as Kafka's `advertised.listeners` names a broker.
fn parse_advertised(text: &str) -> Result<(String, u16), String> {
    text.rsplit_once(':')
        .and_then(|(host, port)| Some((host.trim_matches(['[', ']']), port.parse::<u16>().ok()?)))
        .filter(|(host, port)| !host.is_empty() && *port > 0)
        .map(|(host, port)| (host.to_owned(), port))
        .ok_or_else(|| format!("advertised {text:?} is not host:port"))
}

/// The server's own runtime on its own thread; the runtime is built, run and dropped there, so
/// the host can be started and stopped from inside another runtime. Both listeners run on it and
/// share the connection limits; both stop when `stopped` fires.
fn spawn_server(
    listeners: Listeners,
    services: Arc<Services>,
    config: ServerConfig,
    stopped: oneshot::Receiver<()>,
    worker_threads: usize,
    metrics: Option<(std::net::TcpListener, Arc<Metrics>)>,
) -> Result<JoinHandle<()>, HostError> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all().thread_name("regroup-server");
    if worker_threads > 0 {
        builder.worker_threads(worker_threads);
    }
    let runtime = builder.build().map_err(|source| HostError::Start {
        what: "async runtime",
        source,
    })?;
    std::thread::Builder::new()
        .name("regroup-host".into())
        .spawn(move || {
            runtime.block_on(async move {
                // Ends with the runtime, once the server has stopped.
                if let Some((listener, metrics)) = metrics {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => drop(tokio::spawn(crate::metrics::serve(listener, metrics))),
                        Err(error) => tracing::error!(%error, "cannot serve the bound metrics socket"),
                    }
                }
                serve_listeners(listeners, services, config, stopped).await;
            });
        })
        .map_err(|source| HostError::Start {
            what: "server thread",
            source,
        })
}

async fn serve_listeners(
    listeners: Listeners,
    services: Arc<Services>,
    config: ServerConfig,
    stopped: oneshot::Receiver<()>,
) {
    let limits = ConnectionLimits::new(&config);
    // One stop signal seen by both listeners.
    let (stop, _) = tokio::sync::watch::channel(false);
    let stop_when = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let native = match tokio::net::TcpListener::from_std(listeners.native) {
        Ok(listener) => listener,
        Err(error) => return tracing::error!(%error, "cannot serve the bound socket"),
    };
    let kafka = match listeners.kafka {
        Some((listener, kafka)) => match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => Some((listener, kafka)),
            Err(error) => return tracing::error!(%error, "cannot serve the bound Kafka socket"),
        },
        None => None,
    };
    let kafka_config = Arc::new(config.clone());
    let native = crate::server::run(
        native,
        Arc::clone(&services),
        config,
        limits.clone(),
        stop_when(stop.subscribe()),
    );
    let kafka = async {
        if let Some((listener, kafka)) = kafka {
            crate::kafka::run(
                listener,
                services,
                kafka_config,
                limits,
                kafka,
                stop_when(stop.subscribe()),
            )
            .await;
        }
    };
    let signal = async {
        let _ = stopped.await;
        let _ = stop.send(true);
    };
    tokio::join!(native, kafka, signal);
}

impl RunningHost {
    /// Where the server listens (the real port when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the Kafka listener serves (the real port when the config asked for port 0), unless
    /// it is off.
    pub fn kafka_addr(&self) -> Option<SocketAddr> {
        self.kafka_addr
    }

    /// The `host:port` Kafka clients are told to connect to, unless the Kafka listener is off.
    pub fn advertised(&self) -> Option<&str> {
        self.advertised.as_deref()
    }

    /// Where `GET /metrics` is served (the real port when the config asked for port 0);
    /// `None` when the config turned it off.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The host's metrics, for in-process use ([`Metrics::render`] is what a scrape gets).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// What opening the data directory found and repaired.
    pub fn start_report(&self) -> &StartReport {
        &self.report
    }

    /// The log, for in-process use (tools, demos, tests).
    pub fn log(&self) -> &Arc<Log> {
        &self.log
    }

    pub fn coordinator(&self) -> &Coordinator {
        &self.coordinator
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Blocks until Ctrl-C or SIGTERM, then shuts down gracefully. For `regroup serve`.
    pub fn wait_for_signal(self) -> Result<(), HostError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| HostError::Start {
                what: "signal runtime",
                source,
            })?;
        runtime.block_on(signals::terminate());
        drop(runtime);
        self.shutdown()
    }

    /// Stops gracefully and blocks until done: no new connections; requests in flight finish
    /// and are answered; waiting joins and fetches are answered; then the coordinator stops and
    /// the log is flushed and closed.
    pub fn shutdown(mut self) -> Result<(), HostError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), HostError> {
        let Some(stop_server) = self.stop_server.take() else {
            return Ok(());
        };
        let _ = stop_server.send(());
        let server = self.server.take().map(JoinHandle::join);
        if let Some(driver) = self.driver.take() {
            driver.stop();
        }
        let flushed = self.log.flush().map_err(HostError::Flush);
        tracing::info!(local_addr = %self.local_addr, "host stopped");
        match server {
            Some(Err(_)) => Err(HostError::ServerPanicked),
            _ => flushed,
        }
    }
}

/// How many connections may wait for `accept`: std's fixed 128 overflowed when 500 consumers
/// started at once, and each dropped connect cost its client a one-second TCP retry. The kernel
/// caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: i32 = 4096;

/// A non-blocking listener on `addr` with [`LISTEN_BACKLOG`].
fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            tracing::error!(%error, "host shutdown failed");
        }
    }
}
