//! The accept loop. A permit is taken before each accept (as in mini-redis): a connection
//! permit while fewer than [`ServerConfig::max_connections`] are served, else a refusal permit,
//! so the server never holds more sockets than its limits say, even while refusing.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::connection::Handler;
use super::shutdown::Shutdown;
use super::{LISTENER_NAME, ServerConfig, Services};
use crate::protocol::{Backoff, ErrorCode, MemoryPool, Welcome, WireError, encode_frame};

pub(super) struct Listener {
    pub(super) listener: TcpListener,
    pub(super) services: Arc<Services>,
    pub(super) config: Arc<ServerConfig>,
    pub(super) limit_connections: Arc<Semaphore>,
    /// Connections being refused at once; accepting waits when all are out.
    pub(super) limit_refusals: Arc<Semaphore>,
    pub(super) refusals: RefusalLog,
    /// Shared by every connection's reader: the bytes of requests being read.
    pub(super) memory: MemoryPool,
    pub(super) notify_shutdown: watch::Sender<bool>,
    pub(super) shutdown_complete_tx: mpsc::Sender<()>,
}

/// Longest pause after failing accepts (e.g. out of file descriptors) before trying again.
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);
/// Connections past the limit being told so at once.
pub(super) const REFUSALS_AT_ONCE: usize = 64;
/// How long a refused peer gets to read its refusal before the socket closes.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);
/// At most one warning about refused connections per this long.
const REFUSAL_WARNING_EVERY: Duration = Duration::from_secs(1);

/// What a permit taken before accept lets the accepted connection have.
enum Slot {
    Serve(OwnedSemaphorePermit),
    Refuse(OwnedSemaphorePermit),
}

impl Listener {
    /// Accepts connections until the task is dropped; never returns on its own.
    pub(super) async fn run(&mut self) {
        loop {
            let slot = self.slot().await;
            let (socket, peer) = accept(&self.listener, LISTENER_NAME).await;
            // A connection may have closed while accept waited.
            let slot = match slot {
                Slot::Refuse(refusal) => match Arc::clone(&self.limit_connections).try_acquire_owned() {
                    Ok(permit) => Slot::Serve(permit),
                    Err(_) => Slot::Refuse(refusal),
                },
                serve => serve,
            };
            match slot {
                Slot::Serve(permit) => self.serve(socket, peer, permit),
                Slot::Refuse(permit) => {
                    self.services.requests.connection_refused(LISTENER_NAME);
                    self.refusals
                        .refused(LISTENER_NAME, peer, self.config.max_connections);
                    // The permit travels with the refusal: held until the socket is closed.
                    tokio::spawn(refuse(socket, permit));
                }
            }
        }
    }

    fn serve(&self, socket: TcpStream, peer: SocketAddr, permit: OwnedSemaphorePermit) {
        // Small answers (acks, heartbeats) must not wait for Nagle's algorithm.
        let _ = socket.set_nodelay(true);
        let handler = Handler {
            services: Arc::clone(&self.services),
            config: Arc::clone(&self.config),
            memory: self.memory.clone(),
            shutdown: Shutdown::new(self.notify_shutdown.subscribe()),
            _shutdown_complete: self.shutdown_complete_tx.clone(),
            peer,
        };
        let open = self.services.requests.connection_opened(LISTENER_NAME);
        tokio::spawn(async move {
            handler.run(socket).await;
            drop(open);
            drop(permit);
        });
    }

    /// A connection permit if one is free or frees up first, else a refusal permit.
    async fn slot(&self) -> Slot {
        if let Ok(permit) = Arc::clone(&self.limit_connections).try_acquire_owned() {
            return Slot::Serve(permit);
        }
        tokio::select! {
            biased;
            permit = Arc::clone(&self.limit_connections).acquire_owned() => {
                Slot::Serve(permit.expect("the semaphore is never closed"))
            }
            permit = Arc::clone(&self.limit_refusals).acquire_owned() => {
                Slot::Refuse(permit.expect("the semaphore is never closed"))
            }
        }
    }
}

/// The next connection on `listener`; a failed accept (out of descriptors, say) is retried after
/// a backoff, so the loop neither spins nor gives up. Both listeners accept this way.
pub(crate) async fn accept(listener: &TcpListener, name: &str) -> (TcpStream, SocketAddr) {
    let mut backoff = Backoff::new(Duration::from_millis(5), MAX_ACCEPT_BACKOFF);
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(error) => {
                tracing::warn!(listener = name, %error, "accepting a connection failed; retrying");
                tokio::time::sleep(backoff.next_pause()).await;
            }
        }
    }
}

/// Tells a peer past the limit why it is closed: a refused welcome, the answer to the hello it
/// is about to send. Its hello is read and dropped until it closes (or briefly), so that closing
/// does not reset the connection before the refusal is read.
async fn refuse(mut socket: TcpStream, permit: OwnedSemaphorePermit) {
    let refusal = WireError::new(
        ErrorCode::TooManyConnections,
        "the server is at its connection limit (max_connections); try again later",
    );
    let frame = encode_frame(0, &Welcome::Refused(refusal));
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        socket.write_all(&frame).await?;
        socket.shutdown().await?;
        let mut sink = [0u8; 1024];
        while socket.read(&mut sink).await? > 0 {}
        std::io::Result::Ok(())
    })
    .await;
    drop(permit);
}

/// Warns about refused connections at most once per [`REFUSAL_WARNING_EVERY`], counting the
/// ones in between.
#[derive(Default)]
pub(crate) struct RefusalLog(Mutex<(Option<Instant>, u64)>);

impl RefusalLog {
    pub(crate) fn refused(&self, listener: &str, peer: SocketAddr, limit: usize) {
        let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (last, unreported) = &mut *state;
        *unreported += 1;
        if last.is_none_or(|at| at.elapsed() >= REFUSAL_WARNING_EVERY) {
            tracing::warn!(
                %peer,
                listener,
                max_connections = limit,
                "connection refused: the server is at its connection limit (refused since the last warning: {unreported})"
            );
            *last = Some(Instant::now());
            *unreported = 0;
        }
    }
}
