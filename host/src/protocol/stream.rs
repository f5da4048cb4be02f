//! Frames over an async byte stream: [`FrameReader`] owns its read buffer, [`FrameWriter`]
//! buffers writes until [`FrameWriter::flush`].

use std::ops::Range;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};

use super::frame::{FRAME_HEADER_LEN, FrameBounds, FrameError, parse_frame};

/// What the buffer starts with before it has grown for a large frame.
const INITIAL_BUFFER: usize = 64 * 1024;
/// An empty buffer larger than this is replaced by a fresh small one.
const SHRINK_ABOVE: usize = 4 << 20;

/// Reads whole frames. An incomplete frame means "read more", never an error.
pub struct FrameReader<R> {
    stream: R,
    buffer: Vec<u8>,
    /// Valid bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    /// Bytes of the frame handed out last, dropped at the next read.
    consumed: usize,
    max_payload: usize,
    /// Buffers large frames were read into by [`FrameReader::next_shared_frame`].
    shared: SharedBuffers,
}

/// A frame in memory of its own, which whatever is decoded from it may share (a fetch answer's
/// records point into it instead of copying their values out).
#[derive(Debug, Clone)]
pub struct SharedFrame {
    pub request_id: u64,
    /// Holds the frame; other bytes may follow it.
    pub buffer: Arc<Vec<u8>>,
    /// Where the payload lies in `buffer`.
    pub payload: Range<usize>,
}

impl SharedFrame {
    pub fn payload(&self) -> &[u8] {
        &self.buffer[self.payload.clone()]
    }
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
            shared: SharedBuffers::default(),
        }
    }

    /// The next frame; `Ok(None)` when the peer closed the connection between frames.
    pub async fn next_frame(&mut self) -> Result<Option<FrameRef<'_>>, FrameError> {
        self.start += std::mem::take(&mut self.consumed);
        loop {
            if let Some(bounds) = parse_frame(&self.buffer[self.start..self.end], self.max_payload)? {
                return Ok(Some(self.take(bounds)));
            }
            self.make_room();
            let read = self.stream.read(&mut self.buffer[self.end..]).await?;
            if read == 0 {
                return if self.start == self.end {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
            self.end += read;
        }
    }

    /// As [`FrameReader::next_frame`], the frame in memory of its own: a large frame is read
    /// from the stream straight into a reused buffer (never past its end), a small one copied.
    /// Not cancel safe: a call dropped in the middle of a large frame loses the bytes read.
    pub async fn next_shared_frame(&mut self) -> Result<Option<SharedFrame>, FrameError> {
        self.start += std::mem::take(&mut self.consumed);
        loop {
            let pending = &self.buffer[self.start..self.end];
            if let Some(bounds) = parse_frame(pending, self.max_payload)? {
                let frame = pending[..bounds.len()].to_vec();
                self.start += bounds.len();
                return Ok(Some(SharedFrame {
                    request_id: bounds.request_id,
                    buffer: Arc::new(frame),
                    payload: bounds.payload,
                }));
            }
            if pending.len() >= FRAME_HEADER_LEN {
                // The header passed the limit check in parse_frame.
                let total = 4 + u32::from_le_bytes(pending[..4].try_into().expect("4 bytes")) as usize;
                if total >= SHARE_FROM {
                    return self.read_large(total).await.map(Some);
                }
            }
            self.make_room();
            let read = self.stream.read(&mut self.buffer[self.end..]).await?;
            if read == 0 {
                return if self.start == self.end {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
            self.end += read;
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
            buffer: Arc::clone(&self.shared.kept[index]),
            payload: FRAME_HEADER_LEN..total,
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

    /// Ensures free space after `end` for the frame being read, moving the unread bytes to the
    /// front first. The buffer only grows to a frame size that passed the limit check.
    fn make_room(&mut self) {
        let pending = self.end - self.start;
        if pending == 0 && self.buffer.len() > SHRINK_ABOVE {
            // A huge frame has passed: give its memory back.
            self.buffer = vec![0; INITIAL_BUFFER];
            (self.start, self.end) = (0, 0);
        }
        let needed = match parse_frame(&self.buffer[self.start..self.end], self.max_payload) {
            // The header is in and within the limit (else parse_frame failed): room for all of it.
            Ok(None) if pending >= super::FRAME_HEADER_LEN => {
                let length = u32::from_le_bytes(
                    self.buffer[self.start..self.start + 4]
                        .try_into()
                        .expect("4 bytes"),
                ) as usize;
                4 + length
            }
            _ => super::FRAME_HEADER_LEN,
        };
        if self.start > 0 && (self.start == self.end || self.buffer.len() - self.start < needed) {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end = pending;
            self.start = 0;
        }
        if self.buffer.len() - self.start < needed {
            self.buffer.resize(self.start + needed, 0);
        }
        if self.end == self.buffer.len() {
            // Only reached with a whole frame in the buffer, which parse_frame would have taken.
            self.buffer.resize(self.buffer.len() + INITIAL_BUFFER, 0);
        }
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
    use crate::protocol::{Hello, encode_frame};
    use regroup_assignor_api::codec;

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
            let hello: Hello = codec::decode(frame.payload()).unwrap();
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
            let hello: Hello = codec::decode(frame.payload()).unwrap();
            assert!(
                hello.client.bytes().all(|b| b == b'y'),
                "a held frame was overwritten"
            );
        }
        assert!(!Arc::ptr_eq(&held[0].buffer, &held[1].buffer));
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
