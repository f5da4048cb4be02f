//! Frames over an async byte stream: [`FrameReader`] owns its read buffer, [`FrameWriter`]
//! buffers writes until [`FrameWriter::flush`].

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};

use super::frame::{FrameBounds, FrameError, parse_frame};

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
    /// Keep a buffer grown for a huge frame instead of giving its memory back (see
    /// [`FrameReader::keep_buffer`]).
    keep: bool,
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
            keep: false,
        }
    }

    /// Keeps the buffer once grown for a large frame (at most the frame limit), so a peer that
    /// receives large frame after large frame (a consumer's fetch answers) does not allocate,
    /// fault in and zero a fresh buffer for each.
    pub fn keep_buffer(mut self) -> Self {
        self.keep = true;
        self
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
        if pending == 0 && !self.keep && self.buffer.len() > SHRINK_ABOVE {
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

    #[tokio::test]
    async fn frames_split_across_reads_and_larger_than_the_buffer_come_out_whole() {
        let (client, server) = tokio::io::duplex(7);
        let big = Hello {
            min_version: 1,
            max_version: 1,
            client: "x".repeat(200_000),
        };
        let frames = vec![
            encode_frame(1, &Hello::current("a")),
            encode_frame(2, &big),
            encode_frame(3, &Hello::current("c")),
        ];
        let writer = tokio::spawn({
            let frames = frames.clone();
            async move {
                let mut writer = FrameWriter::new(client);
                for frame in &frames {
                    writer.write(frame).await.unwrap();
                }
                writer.shutdown().await.unwrap();
            }
        });
        let mut reader = FrameReader::new(server, 1 << 20);
        let mut seen = Vec::new();
        while let Some(frame) = reader.next_frame().await.unwrap() {
            let hello: Hello = codec::decode(frame.payload).unwrap();
            seen.push((frame.request_id, hello.client.len()));
        }
        writer.await.unwrap();
        assert_eq!(seen, vec![(1, 1), (2, 200_000), (3, 1)]);
    }

    #[tokio::test]
    async fn a_kept_buffer_serves_large_frames_then_small_ones() {
        let (client, server) = tokio::io::duplex(4096);
        let big = Hello {
            min_version: 1,
            max_version: 1,
            client: "x".repeat(5 << 20),
        };
        let frames = vec![
            encode_frame(1, &big),
            encode_frame(2, &Hello::current("b")),
            encode_frame(3, &big),
        ];
        let writer = tokio::spawn(async move {
            let mut writer = FrameWriter::new(client);
            for frame in &frames {
                writer.write(frame).await.unwrap();
            }
            writer.shutdown().await.unwrap();
        });
        let mut reader = FrameReader::new(server, 8 << 20).keep_buffer();
        let mut seen = Vec::new();
        while let Some(frame) = reader.next_frame().await.unwrap() {
            let hello: Hello = codec::decode(frame.payload).unwrap();
            seen.push((frame.request_id, hello.client.len()));
        }
        writer.await.unwrap();
        assert_eq!(seen, vec![(1, 5 << 20), (2, 1), (3, 5 << 20)]);
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
