//! The accept loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};

use super::connection::Handler;
use super::shutdown::Shutdown;
use super::{ServerConfig, Services};

pub(super) struct Listener {
    pub(super) listener: TcpListener,
    pub(super) services: Arc<Services>,
    pub(super) config: Arc<ServerConfig>,
    pub(super) limit_connections: Arc<Semaphore>,
    pub(super) notify_shutdown: watch::Sender<bool>,
    pub(super) shutdown_complete_tx: mpsc::Sender<()>,
}

/// Longest pause after failing accepts (e.g. out of file descriptors) before trying again.
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

impl Listener {
    /// Accepts connections until the task is dropped; never returns on its own.
    pub(super) async fn run(&mut self) {
        loop {
            // Taken before accept: with every permit out, new connections wait in the backlog.
            let permit = Arc::clone(&self.limit_connections)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let (socket, peer) = self.accept().await;
            // Small answers (acks, heartbeats) must not wait for Nagle's algorithm.
            let _ = socket.set_nodelay(true);
            let handler = Handler {
                services: Arc::clone(&self.services),
                config: Arc::clone(&self.config),
                shutdown: Shutdown::new(self.notify_shutdown.subscribe()),
                _shutdown_complete: self.shutdown_complete_tx.clone(),
                peer,
            };
            tokio::spawn(async move {
                handler.run(socket).await;
                drop(permit);
            });
        }
    }

    async fn accept(&mut self) -> (TcpStream, std::net::SocketAddr) {
        let mut backoff = Duration::from_millis(5);
        loop {
            match self.listener.accept().await {
                Ok(accepted) => return accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                }
            }
        }
    }
}
