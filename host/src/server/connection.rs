//! One connection: the handshake, then frames in, requests dispatched, answers out.
//!
//! A writer task owns the socket's write half and flushes whenever its queue runs dry, so
//! pipelined answers leave in few writes. Requests are served one after the other in arrival
//! order (produce requests to one partition stay in order), except long polls (group joins,
//! fetches that wait for records), which run as their own tasks so that heartbeats on the same
//! connection are not held up; their answers may overtake others, matched by request id.
//!
//! A connection that has not sent its hello within [`ServerConfig::handshake_timeout`] is
//! closed, and so is one that sent no request for [`ServerConfig::connections_max_idle`] while
//! no long poll of its own was waiting: a peer cannot keep a connection slot by saying nothing.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use regroup_assignor_api::codec::{self, CodecError};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use super::dispatch::{self, Answer};
use super::shutdown::Shutdown;
use super::{ServerConfig, Services};
use crate::log::ReadBuffer;
use crate::protocol::{
    ErrorCode, FrameError, FrameReader, FrameWriter, Hello, MemoryPool, Request, Response, Welcome,
    WireError, encode_frame, negotiate_version,
};

/// Largest hello read: a client name of a few KiB at most.
const MAX_HELLO_BYTES: usize = 16 * 1024;

/// Answers queued for the writer before the reader stops reading (backpressure on clients that
/// send without reading).
const OUTBOX_FRAMES: usize = 256;

pub(super) struct Handler {
    pub(super) services: Arc<Services>,
    pub(super) config: Arc<ServerConfig>,
    /// The server's budget for requests being read.
    pub(super) memory: MemoryPool,
    pub(super) shutdown: Shutdown,
    /// Dropped with the handler: the server's shutdown waits for every one.
    pub(super) _shutdown_complete: mpsc::Sender<()>,
    pub(super) peer: SocketAddr,
}

/// Frame buffers of this size or more go back to the connection's [`Spares`] once written.
const RECYCLE_FROM: usize = 1 << 20;
/// Large buffers kept per connection: one being written while the next answer is encoded.
const SPARES_KEPT: usize = 2;

/// Large frame buffers the writer has finished with, reused by the next fetch answers (which
/// read the log's batches straight into them), so a fetch answer of many megabytes is not a
/// fresh allocation (page faults, kernel zeroing) each time.
#[derive(Clone, Default)]
pub(super) struct Spares(Arc<Mutex<Vec<ReadBuffer>>>);

impl Spares {
    pub(super) fn take(&self) -> ReadBuffer {
        self.lock().pop().unwrap_or_default()
    }

    pub(super) fn give_back(&self, frame: ReadBuffer) {
        if frame.capacity() >= RECYCLE_FROM {
            let mut spares = self.lock();
            if spares.len() < SPARES_KEPT {
                spares.push(frame);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ReadBuffer>> {
        // Each update is a single push or pop: never half done.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where answers go: the writer task's queue.
#[derive(Clone)]
pub(super) struct Outbox {
    queue: mpsc::Sender<ReadBuffer>,
    spares: Spares,
}

impl Outbox {
    pub(super) async fn send(&self, request_id: u64, response: &Response) {
        // The writer only stops when the connection is gone; the answer has no one to go to.
        let _ = self.queue.send(encode_frame(request_id, response).into()).await;
    }

    async fn answer(&self, request_id: u64, answer: Answer) {
        match answer {
            Answer::Response(response) => self.send(request_id, &response).await,
            Answer::Fetched(frame) => {
                let _ = self.queue.send(frame.finish(request_id)).await;
            }
        }
    }
}

impl Handler {
    pub(super) async fn run(mut self, socket: TcpStream) {
        let (read, write) = socket.into_split();
        let mut reader =
            FrameReader::with_memory_pool(read, self.config.max_frame_bytes, self.memory.clone());
        let (sender, queue) = mpsc::channel(OUTBOX_FRAMES);
        let spares = Spares::default();
        let writer = tokio::spawn(write_frames(FrameWriter::new(write), queue, spares.clone()));
        let outbox = Outbox {
            queue: sender,
            spares,
        };
        match self.handshake(&mut reader, &outbox).await {
            Ok(true) => self.serve(&mut reader, &outbox).await,
            Ok(false) => {}
            Err(error) => tracing::debug!(peer = %self.peer, %error, "connection ended during the handshake"),
        }
        // The writer ends once every long poll has answered and dropped its clone.
        drop(outbox);
        let _ = writer.await;
        tracing::debug!(peer = %self.peer, "connection closed");
    }

    /// Reads the client's `Hello` and answers it; false when the connection must close.
    async fn handshake(
        &mut self,
        reader: &mut FrameReader<OwnedReadHalf>,
        outbox: &Outbox,
    ) -> Result<bool, FrameError> {
        // A hello is small: a large first frame is refused before the pool is asked for memory.
        reader.set_max_payload(MAX_HELLO_BYTES.min(self.config.max_frame_bytes));
        let frame = tokio::select! {
            frame = reader.next_frame() => frame,
            () = self.shutdown.recv() => return Ok(false),
            () = tokio::time::sleep(self.config.handshake_timeout) => {
                tracing::debug!(
                    peer = %self.peer,
                    timeout = ?self.config.handshake_timeout,
                    "closing a connection that sent no hello in time"
                );
                return Ok(false);
            }
        };
        let frame = match frame {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(false),
            Err(error) => {
                self.refuse_frame(&error, outbox).await;
                return Err(error);
            }
        };
        let request_id = frame.request_id;
        let welcome = match codec::decode::<Hello>(frame.payload) {
            Ok(hello) => match negotiate_version(&hello) {
                Ok(version) => {
                    tracing::debug!(peer = %self.peer, client = hello.client, version, "client connected");
                    Welcome::Accepted {
                        version,
                        server: self.config.server_name.clone(),
                        max_frame_bytes: self.config.max_frame_bytes as u64,
                    }
                }
                Err(refusal) => Welcome::Refused(refusal),
            },
            Err(error) => Welcome::Refused(WireError::new(
                ErrorCode::HandshakeRequired,
                format!("the first frame must be a hello: {error}"),
            )),
        };
        let accepted = matches!(welcome, Welcome::Accepted { .. });
        reader.set_max_payload(self.config.max_frame_bytes);
        if let Welcome::Refused(refusal) = &welcome {
            tracing::warn!(peer = %self.peer, %refusal, "handshake refused");
        }
        let _ = outbox.queue.send(encode_frame(request_id, &welcome).into()).await;
        Ok(accepted)
    }

    async fn serve(&mut self, reader: &mut FrameReader<OwnedReadHalf>, outbox: &Outbox) {
        let idle = self.config.connections_max_idle;
        let long_polls = Arc::new(AtomicUsize::new(0));
        loop {
            let mut idle_since = tokio::time::Instant::now();
            // One read per frame, kept across the idle checks (a frame is never read twice).
            let next = reader.next_frame();
            tokio::pin!(next);
            let frame = loop {
                tokio::select! {
                    // A request being read is abandoned at shutdown; one being served finishes.
                    biased;
                    () = self.shutdown.recv() => return,
                    frame = &mut next => break frame,
                    () = tokio::time::sleep_until(idle_since + idle) => {
                        if long_polls.load(Ordering::Acquire) == 0 {
                            tracing::debug!(peer = %self.peer, ?idle, "closing an idle connection");
                            return;
                        }
                        // Waiting for its own join or fetch is not idleness.
                        idle_since = tokio::time::Instant::now();
                    }
                }
            };
            let frame = match frame {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(error) => {
                    self.refuse_frame(&error, outbox).await;
                    return;
                }
            };
            let request_id = frame.request_id;
            let request = match codec::decode::<Request>(frame.payload) {
                Ok(request) => request,
                Err(error) => {
                    let refusal = undecodable(&error);
                    tracing::warn!(peer = %self.peer, request_id, %refusal, "closing the connection");
                    outbox.send(request_id, &Response::Error(refusal)).await;
                    return;
                }
            };
            let context = dispatch::Context {
                services: Arc::clone(&self.services),
                config: Arc::clone(&self.config),
                shutdown: self.shutdown.clone(),
                buffers: outbox.spares.clone(),
            };
            if dispatch::is_long_poll(&request) {
                let outbox = outbox.clone();
                long_polls.fetch_add(1, Ordering::AcqRel);
                let long_polls = Arc::clone(&long_polls);
                tokio::spawn(async move {
                    let answer = dispatch::serve(context, request).await;
                    outbox.answer(request_id, answer).await;
                    long_polls.fetch_sub(1, Ordering::AcqRel);
                });
            } else {
                let answer = dispatch::serve(context, request).await;
                outbox.answer(request_id, answer).await;
            }
        }
    }

    /// Answers a frame that could not be read with an error frame, when the frame was readable
    /// enough to answer.
    async fn refuse_frame(&self, error: &FrameError, outbox: &Outbox) {
        let (request_id, refusal) = match error {
            FrameError::TooLarge { request_id, .. } => (
                *request_id,
                WireError::new(ErrorCode::FrameTooLarge, error.to_string()),
            ),
            FrameError::TooShort { .. } => (0, WireError::new(ErrorCode::MalformedFrame, error.to_string())),
            FrameError::Truncated | FrameError::Io(_) => {
                tracing::debug!(peer = %self.peer, %error, "connection lost");
                return;
            }
        };
        tracing::warn!(peer = %self.peer, %refusal, "closing the connection");
        outbox.send(request_id, &Response::Error(refusal)).await;
    }
}

/// The error frame for a payload that is not a request of this version.
fn undecodable(error: &CodecError) -> WireError {
    let code = match error {
        CodecError::WrongKind { .. } | CodecError::UnsupportedVersion { .. } => ErrorCode::UnknownMessage,
        CodecError::TooShort { .. } | CodecError::Malformed { .. } | CodecError::TrailingBytes { .. } => {
            ErrorCode::MalformedFrame
        }
    };
    WireError::new(code, error.to_string())
}

/// Writes queued frames, flushing whenever the queue is empty; closes the write side at the end.
async fn write_frames(
    mut writer: FrameWriter<OwnedWriteHalf>,
    mut queue: mpsc::Receiver<ReadBuffer>,
    spares: Spares,
) {
    while let Some(frame) = queue.recv().await {
        if writer.write(frame.as_slice()).await.is_err() {
            return;
        }
        spares.give_back(frame);
        while let Ok(frame) = queue.try_recv() {
            if writer.write(frame.as_slice()).await.is_err() {
                return;
            }
            spares.give_back(frame);
        }
        if writer.flush().await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}
