//! Frames over an async byte stream: [`FrameReader`] owns its read buffer, [`FrameWriter`]
//! buffers writes until [`FrameWriter::flush`].
//!
//! Memory a peer can make the reader hold is what it has sent, never what it announced: a
//! frame too large for the reader's fixed buffer gets a buffer of its own that grows (doubling)
//! only as its bytes arrive, and is dropped once the frame has been read past. A server's
//! readers also share a [`MemoryPool`]: such a frame first reserves its whole size from the
//! pool, and waits (reading nothing more from that peer) while the pool is short.

use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::frame::{FRAME_HEADER_LEN, FrameBounds, FrameError, parse_frame};

/// The reader's fixed buffer: frames up to this size (most requests and answers) are read in
/// place, larger ones into a buffer of their own.
const INITIAL_BUFFER: usize = 64 * 1024;

/// Reads whole frames. An incomplete frame means "read more", never an error.
pub struct FrameReader<R> {
    stream: R,
    /// Fixed size: headers and frames of up to [`INITIAL_BUFFER`] bytes.
    buffer: Vec<u8>,
    /// Valid bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    /// Bytes of the frame handed out last, dropped at the next read.
    consumed: usize,
    max_payload: usize,
    /// The frame handed out last when it was too large for `buffer`; dropped at the next read.
    large: Vec<u8>,
    /// Shared with the other readers of a server: bounds the large frames being read at once.
    pool: Option<MemoryPool>,
    /// `large`'s share of the pool.
    reserved: Option<OwnedSemaphorePermit>,
    /// `large` holds the frame handed out last (not one still being read).
    large_handed_out: bool,
    /// Buffers large frames were read into by [`FrameReader::next_shared_frame`].
    shared: SharedBuffers,
}

/// Bytes that the frames being read by every reader sharing it may take together (Kafka's
/// `queued.max.request.bytes`). Frames that fit a reader's fixed buffer do not count: those
/// buffers are bounded by the number of connections.
#[derive(Debug, Clone)]
pub struct MemoryPool {
    bytes: Arc<Semaphore>,
    capacity: usize,
}

impl MemoryPool {
    /// A pool of `capacity` bytes (at least one largest frame must fit, or such a frame would
    /// wait forever: see [`MemoryPool::reserve`]).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        MemoryPool {
            bytes: Arc::new(Semaphore::new(capacity)),
            capacity,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes not reserved right now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    /// Waits until `bytes` (at most the whole pool) are free and takes them, all at once: a
    /// reader never holds part of a frame's reservation while waiting for the rest, so readers
    /// cannot starve each other.
    pub async fn reserve(&self, bytes: usize) -> OwnedSemaphorePermit {
        let bytes = bytes.min(self.capacity).min(u32::MAX as usize) as u32;
        Arc::clone(&self.bytes)
            .acquire_many_owned(bytes)
            .await
            .expect("the pool's semaphore is never closed")
    }
}

/// A frame in memory of its own, which whatever is decoded from it may share (a fetch answer's
/// records are [`Bytes`] slices of it instead of copies of their values).
#[derive(Debug, Clone)]
pub struct SharedFrame {
    pub request_id: u64,
    /// A slice of the buffer the frame was read into; [`Bytes::slice_ref`] of any part of it
    /// shares that buffer.
    pub payload: Bytes,
}

/// Frames from this size on are read by [`FrameReader::next_shared_frame`] straight into a
/// buffer of their own; smaller ones are copied out of the reader's buffer.
const SHARE_FROM: usize = INITIAL_BUFFER;
/// Large-frame buffers kept for reuse: one whose records the caller still holds, one being
/// decoded, one being read.
const SHARED_KEPT: usize = 3;

/// Buffers for large frames, reused once nothing points into them any more: no allocation,
/// page faults or zeroing per frame while the caller drops what it decoded from earlier ones.
#[derive(Debug, Default)]
struct SharedBuffers {
    kept: Vec<Arc<Vec<u8>>>,
}

impl SharedBuffers {
    /// The index of a kept buffer nothing else points into, of at least `len` bytes.
    fn free(&mut self, len: usize) -> usize {
        let free = self.kept.iter_mut().position(|b| Arc::get_mut(b).is_some());
        let index = match free {
            Some(index) => index,
            None => {
                if self.kept.len() == SHARED_KEPT {
                    // All still in use: the caller keeps that one alive as long as it needs.
                    self.kept.remove(0);
                }
                self.kept.push(Arc::new(Vec::new()));
                self.kept.len() - 1
            }
        };
        let buffer = Arc::get_mut(&mut self.kept[index]).expect("not shared");
        if buffer.is_empty() {
            // Zeroed by the allocator (fresh pages from the kernel), not written over.
            *buffer = vec![0; len];
        } else if buffer.len() < len {
            // Only memory never used before is zeroed.
            buffer.resize(len, 0);
        }
        index
    }
}

/// A kept buffer as the owner of [`Bytes`] sliced from it: it is free for reuse once the last
/// of them is dropped.
struct KeptBuffer(Arc<Vec<u8>>);

impl AsRef<[u8]> for KeptBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A frame borrowed from the reader's buffer until the next read.
#[derive(Debug)]
pub struct FrameRef<'a> {
    pub request_id: u64,
    pub payload: &'a [u8],
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(stream: R, max_payload: usize) -> Self {
        FrameReader {
            stream,
            buffer: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
            consumed: 0,
            max_payload,
            large: Vec::new(),
            pool: None,
            reserved: None,
            large_handed_out: false,
            shared: SharedBuffers::default(),
        }
    }

    /// As [`FrameReader::new`], large frames reserving their size from `pool` first.
    pub fn with_memory_pool(stream: R, max_payload: usize, pool: MemoryPool) -> Self {
        FrameReader {
            pool: Some(pool),
            ..FrameReader::new(stream, max_payload)
        }
    }

    /// Changes the largest payload accepted from the next frame on.
    pub fn set_max_payload(&mut self, max_payload: usize) {
        self.max_payload = max_payload;
    }

    /// Bytes received and not yet handed out as a frame: what a peer that does not speak this
    /// protocol sent, for an error message.
    pub fn buffered(&self) -> &[u8] {
        &self.buffer[self.start..self.end]
    }

    /// Memory this reader holds for frames beyond its fixed buffer (for tests and benches).
    pub fn large_frame_capacity(&self) -> usize {
        self.large.capacity()
    }

    /// The next frame; `Ok(None)` when the peer closed the connection between frames.
    ///
    /// Cancel safe: a call dropped while a frame is being read (or waiting for the pool)
    /// leaves what was read in place for the next call.
    pub async fn next_frame(&mut self) -> Result<Option<FrameRef<'_>>, FrameError> {
        self.start += std::mem::take(&mut self.consumed);
        if std::mem::take(&mut self.large_handed_out) {
            // The large frame handed out last is done with: its memory goes back.
            self.large = Vec::new();
            self.reserved = None;
        }
        loop {
            if !self.large.is_empty() {
                // A large frame whose reading an earlier call left unfinished.
                return self.finish_large().await.map(Some);
            }
            if let Some(bounds) = parse_frame(&self.buffer[self.start..self.end], self.max_payload)? {
                return Ok(Some(self.take(bounds)));
            }
            if let Some(total) = self.announced_len()
                && total > self.buffer.len()
            {
                if let Some(pool) = &self.pool {
                    self.reserved = Some(pool.reserve(total).await);
                }
                // Everything buffered belongs to this frame: it does not fit the buffer.
                self.large = Vec::with_capacity(total.min(2 * INITIAL_BUFFER));
                self.large.extend_from_slice(&self.buffer[self.start..self.end]);
                (self.start, self.end) = (0, 0);
                return self.finish_large().await.map(Some);
            }
            self.make_room();
            if !self.fill().await? {
                return if self.start == self.end {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        }
    }

    /// The whole length of the frame whose header is buffered (checked against the limit by
    /// `parse_frame` already), if its header is in.
    fn announced_len(&self) -> Option<usize> {
        let pending = &self.buffer[self.start..self.end];
        (pending.len() >= FRAME_HEADER_LEN)
            .then(|| 4 + u32::from_le_bytes(pending[..4].try_into().expect("4 bytes")) as usize)
    }

    /// Reads once into the free part of the buffer; false at the end of the stream.
    async fn fill(&mut self) -> Result<bool, FrameError> {
        let read = self.stream.read(&mut self.buffer[self.end..]).await?;
        self.end += read;
        Ok(read > 0)
    }

    /// Reads the rest of the frame begun in `large`, which grows (doubling) as bytes arrive.
    async fn finish_large(&mut self) -> Result<FrameRef<'_>, FrameError> {
        let total = 4 + u32::from_le_bytes(self.large[..4].try_into().expect("4 bytes")) as usize;
        while self.large.len() < total {
            if self.large.len() == self.large.capacity() {
                // Doubling: the copies add up to less than the frame.
                let more = (total - self.large.len()).min(self.large.len());
                self.large.reserve_exact(more);
            }
            // Reads at most the free capacity, which ends at the frame's end unless the
            // allocator rounded it up: bytes past the frame go back to the buffer below.
            if self.stream.read_buf(&mut self.large).await? == 0 {
                return Err(FrameError::Truncated);
            }
        }
        if self.large.len() > total {
            let excess = &self.large[total..];
            self.buffer[..excess.len()].copy_from_slice(excess);
            (self.start, self.end) = (0, excess.len());
            self.large.truncate(total);
        }
        self.large_handed_out = true;
        let request_id = u64::from_le_bytes(self.large[4..FRAME_HEADER_LEN].try_into().expect("8 bytes"));
        Ok(FrameRef {
            request_id,
            payload: &self.large[FRAME_HEADER_LEN..],
        })
    }

    /// As [`FrameReader::next_frame`], the frame in memory of its own: a large frame is read
    /// from the stream straight into a reused buffer (never past its end), a small one copied.
    /// Not cancel safe: a call dropped in the middle of a large frame loses the bytes read.
    pub async fn next_shared_frame(&mut self) -> Result<Option<SharedFrame>, FrameError> {
        self.start += std::mem::take(&mut self.consumed);
        loop {
            let pending = &self.buffer[self.start..self.end];
            if let Some(bounds) = parse_frame(pending, self.max_payload)? {
                let payload = pending[bounds.payload.clone()].to_vec();
                self.start += bounds.len();
                return Ok(Some(SharedFrame {
                    request_id: bounds.request_id,
                    payload: Bytes::from(payload),
                }));
            }
            if let Some(total) = self.announced_len()
                && total >= SHARE_FROM
            {
                return self.read_large(total).await.map(Some);
            }
            self.make_room();
            if !self.fill().await? {
                return if self.start == self.end {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        }
    }

    /// Reads the frame of `total` bytes whose beginning is buffered into a shared buffer.
    async fn read_large(&mut self, total: usize) -> Result<SharedFrame, FrameError> {
        let index = self.shared.free(total);
        let buffer = Arc::get_mut(&mut self.shared.kept[index]).expect("not shared");
        // Everything buffered belongs to this frame: it is not complete yet.
        let mut filled = self.end - self.start;
        buffer[..filled].copy_from_slice(&self.buffer[self.start..self.end]);
        (self.start, self.end) = (0, 0);
        let request_id = u64::from_le_bytes(buffer[4..FRAME_HEADER_LEN].try_into().expect("8 bytes"));
        while filled < total {
            let read = self.stream.read(&mut buffer[filled..total]).await?;
            if read == 0 {
                return Err(FrameError::Truncated);
            }
            filled += read;
        }
        Ok(SharedFrame {
            request_id,
            payload: Bytes::from_owner(KeptBuffer(Arc::clone(&self.shared.kept[index])))
                .slice(FRAME_HEADER_LEN..total),
        })
    }

    fn take(&mut self, bounds: FrameBounds) -> FrameRef<'_> {
        self.consumed = bounds.len();
        let base = self.start;
        FrameRef {
            request_id: bounds.request_id,
            payload: &self.buffer[base + bounds.payload.start..base + bounds.payload.end],
        }
    }

    /// Ensures free space after `end`, moving the unread bytes to the front when the buffer is
    /// full. The frame being read fits the buffer (larger ones are read elsewhere), so moving
    /// always frees some.
    fn make_room(&mut self) {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.end == self.buffer.len() {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        debug_assert!(self.end < self.buffer.len(), "a frame that fits left no room");
    }

    /// Gives the stream back (bytes already buffered are dropped).
    pub fn into_inner(self) -> R {
        self.stream
    }
}

/// Writes frames through a buffer; nothing reaches the peer before [`FrameWriter::flush`].
pub struct FrameWriter<W: AsyncWrite> {
    stream: BufWriter<W>,
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    pub fn new(stream: W) -> Self {
        FrameWriter {
            stream: BufWriter::with_capacity(INITIAL_BUFFER, stream),
        }
    }

    /// Queues one encoded frame (see [`super::encode_frame`]).
    pub async fn write(&mut self, frame: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(frame).await
    }

    pub async fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush().await
    }

    /// Flushes and closes the write side.
    pub async fn shutdown(&mut self) -> std::io::Result<()> {
        self.stream.shutdown().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;
    use crate::{Hello, encode_frame};
    use std::time::Duration;
    use tokio::time::timeout;

    /// A hello whose client name is `n` copies of `fill`: a frame of about `n` bytes.
    fn hello(n: usize, fill: &str) -> Hello {
        Hello {
            min_version: 1,
            max_version: 1,
            client: fill.repeat(n),
        }
    }

    /// Writes `frames` into `client` on a task of its own, then closes it.
    fn write_all_then_close(
        client: tokio::io::DuplexStream,
        frames: Vec<Vec<u8>>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut writer = FrameWriter::new(client);
            for frame in &frames {
                writer.write(frame).await.unwrap();
            }
            writer.shutdown().await.unwrap();
        })
    }

    /// Sends `frames` through a pipe of `pipe_bytes` and reads them back with `next_frame`:
    /// each frame's request id and client name length.
    async fn through_pipe(pipe_bytes: usize, max_payload: usize, frames: Vec<Vec<u8>>) -> Vec<(u64, usize)> {
        let (client, server) = tokio::io::duplex(pipe_bytes);
        let writer = write_all_then_close(client, frames);
        let mut reader = FrameReader::new(server, max_payload);
        let mut seen = Vec::new();
        while let Some(frame) = reader.next_frame().await.unwrap() {
            let hello: Hello = codec::decode(frame.payload).unwrap();
            seen.push((frame.request_id, hello.client.len()));
        }
        writer.await.unwrap();
        seen
    }

    #[tokio::test]
    async fn frames_split_across_reads_and_larger_than_the_buffer_come_out_whole() {
        let frames = vec![
            encode_frame(1, &Hello::current("a")),
            encode_frame(2, &hello(200_000, "x")),
            encode_frame(3, &Hello::current("c")),
        ];
        let seen = through_pipe(7, 1 << 20, frames).await;
        assert_eq!(seen, vec![(1, 1), (2, 200_000), (3, 1)]);
    }

    #[tokio::test]
    async fn large_frames_then_small_ones_come_out_whole() {
        let big = hello(5 << 20, "x");
        let frames = vec![
            encode_frame(1, &big),
            encode_frame(2, &Hello::current("b")),
            encode_frame(3, &big),
        ];
        let seen = through_pipe(4096, 8 << 20, frames).await;
        assert_eq!(seen, vec![(1, 5 << 20), (2, 1), (3, 5 << 20)]);
    }

    #[tokio::test]
    async fn shared_frames_come_out_whole_and_their_buffers_are_reused_once_free() {
        let (client, server) = tokio::io::duplex(4096);
        let big = |n: usize| hello(n, "y");
        let frames = vec![
            encode_frame(1, &Hello::current("a")),
            encode_frame(2, &big(300_000)),
            encode_frame(3, &Hello::current("c")),
            encode_frame(4, &big(200_000)),
            encode_frame(5, &big(400_000)),
            encode_frame(6, &big(100_000)),
        ];
        let writer = write_all_then_close(client, frames);
        let mut reader = FrameReader::new(server, 1 << 20);
        let mut seen = Vec::new();
        let mut held = Vec::new();
        while let Some(frame) = reader.next_shared_frame().await.unwrap() {
            let hello: Hello = codec::decode(&frame.payload).unwrap();
            seen.push((frame.request_id, hello.client.len()));
            // Hold frames 2 and 4 (as records would): 5 cannot reuse their buffers.
            if matches!(frame.request_id, 2 | 4) {
                held.push(frame);
            }
        }
        writer.await.unwrap();
        assert_eq!(
            seen,
            vec![
                (1, 1),
                (2, 300_000),
                (3, 1),
                (4, 200_000),
                (5, 400_000),
                (6, 100_000)
            ]
        );
        for frame in &held {
            let hello: Hello = codec::decode(&frame.payload).unwrap();
            assert!(
                hello.client.bytes().all(|b| b == b'y'),
                "a held frame was overwritten"
            );
        }
        assert_ne!(held[0].payload.as_ptr(), held[1].payload.as_ptr());
    }

    /// The 12-byte header of a frame of `payload` bytes with request id `request_id`.
    fn header(request_id: u64, payload: usize) -> Vec<u8> {
        let mut header = ((payload + 8) as u32).to_le_bytes().to_vec();
        header.extend_from_slice(&request_id.to_le_bytes());
        header
    }

    #[tokio::test]
    async fn a_header_announcing_the_largest_frame_holds_only_memory_for_the_bytes_that_came() {
        let max = 64 << 20;
        let (mut client, server) = tokio::io::duplex(1 << 20);
        client.write_all(&header(7, max)).await.unwrap();
        let mut reader = FrameReader::new(server, max);
        let wait = Duration::from_millis(100);
        assert!(
            timeout(wait, reader.next_frame()).await.is_err(),
            "the frame is incomplete"
        );
        assert!(
            reader.large_frame_capacity() <= 2 * INITIAL_BUFFER,
            "{}",
            reader.large_frame_capacity()
        );

        client.write_all(&vec![5; 300_000]).await.unwrap();
        assert!(
            timeout(wait, reader.next_frame()).await.is_err(),
            "the frame is incomplete"
        );
        let held = reader.large_frame_capacity();
        assert!(
            (300_000..1 << 20).contains(&held),
            "{held} bytes held for 300,012 received"
        );
    }

    #[tokio::test]
    async fn a_large_frame_interrupted_by_a_cancelled_read_comes_out_whole_at_the_next() {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let frame = encode_frame(3, &hello(500_000, "q"));
        let mut reader = FrameReader::new(server, 1 << 20);
        client.write_all(&frame[..200_000]).await.unwrap();
        assert!(
            timeout(Duration::from_millis(50), reader.next_frame())
                .await
                .is_err()
        );
        client.write_all(&frame[200_000..]).await.unwrap();
        client
            .write_all(&encode_frame(4, &Hello::current("next")))
            .await
            .unwrap();
        let first = reader.next_frame().await.unwrap().unwrap();
        assert_eq!(first.request_id, 3);
        assert_eq!(
            codec::decode::<Hello>(first.payload).unwrap().client.len(),
            500_000
        );
        let second = reader.next_frame().await.unwrap().unwrap();
        assert_eq!(second.request_id, 4);
        assert_eq!(
            reader.large_frame_capacity(),
            0,
            "the large frame's memory went back"
        );
    }

    #[tokio::test]
    async fn large_frames_beyond_the_shared_memory_pool_wait_until_earlier_ones_are_read_past() {
        let pool = MemoryPool::new(400_000);
        let frame = encode_frame(1, &hello(300_000, "z"));
        let (mut first_client, first_server) = tokio::io::duplex(1 << 20);
        let (mut second_client, second_server) = tokio::io::duplex(1 << 20);
        first_client.write_all(&frame).await.unwrap();
        second_client.write_all(&frame).await.unwrap();
        let mut first = FrameReader::with_memory_pool(first_server, 1 << 20, pool.clone());
        let mut second = FrameReader::with_memory_pool(second_server, 1 << 20, pool.clone());
        assert_eq!(first.next_frame().await.unwrap().unwrap().request_id, 1);
        assert!(pool.available() < 300_000, "the first frame holds its share");
        let wait = Duration::from_millis(100);
        assert!(
            timeout(wait, second.next_frame()).await.is_err(),
            "the second frame waits for the pool"
        );
        assert!(
            second.buffered().len() >= FRAME_HEADER_LEN,
            "only its header was read"
        );

        drop(first_client);
        assert!(first.next_frame().await.unwrap().is_none());
        assert_eq!(pool.available(), 400_000, "read past: its share went back");
        let frame = second.next_frame().await.unwrap().unwrap();
        assert_eq!(frame.request_id, 1);
        assert_eq!(
            codec::decode::<Hello>(frame.payload).unwrap().client.len(),
            300_000
        );
    }

    #[tokio::test]
    async fn a_connection_closed_mid_frame_is_reported_as_truncated() {
        let (mut client, server) = tokio::io::duplex(64);
        let frame = encode_frame(1, &Hello::current("a"));
        client.write_all(&frame[..frame.len() - 1]).await.unwrap();
        drop(client);
        let mut reader = FrameReader::new(server, 1024);
        assert!(matches!(reader.next_frame().await, Err(FrameError::Truncated)));
    }
}
