//! [`HostError`]: why a host could not start or stop cleanly.

use std::net::SocketAddr;

use crate::group::GroupError;
use crate::log::LogError;
use crate::registry::RegistryError;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot open the log: {0}")]
    Log(#[source] LogError),
    #[error("cannot start the plugin registry: {0}")]
    Registry(#[from] RegistryError),
    #[error("cannot open the group coordinator: {0}")]
    Coordinator(#[from] GroupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot find the regroup executable for plugin probes: {0}")]
    HelperExe(std::io::Error),
    #[error("cannot start the host's {what}: {source}")]
    Start {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("the server thread panicked")]
    ServerPanicked,
    #[error("flushing the log at shutdown failed: {0}")]
    Flush(#[source] LogError),
}
