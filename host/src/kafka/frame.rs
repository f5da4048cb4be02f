//! Kafka's framing: a big-endian i32 size, then that many bytes of request (header and body).
//!
//! As for the native listener, a peer makes the host hold only what it has sent: the size is
//! checked against the host's `max_frame_bytes` (Kafka's `socket.request.max.bytes`) before
//! anything is allocated, a request larger than the first read buffer reserves its size from the
//! host's shared [`MemoryPool`] (Kafka's `queued.max.request.bytes`), and its buffer grows only as
//! its bytes arrive.

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::OwnedSemaphorePermit;

use crate::protocol::MemoryPool;

/// Requests up to this size are read without asking the memory pool.
const SMALL_REQUEST: usize = 64 * 1024;

/// Why a request could not be read; each closes the connection.
#[derive(Debug, thiserror::Error)]
pub(super) enum FrameError {
    #[error("request of {size} bytes exceeds the limit of {limit} (max_frame_bytes)")]
    TooLarge { size: i64, limit: usize },
    #[error("request size {size} is negative or shorter than a request header")]
    Malformed { size: i32 },
    #[error("the peer closed the connection in the middle of a request")]
    Truncated,
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
}

/// One request's bytes, and its share of the memory pool (released when dropped).
pub(super) struct RequestFrame {
    pub(super) bytes: Bytes,
    _reserved: Option<OwnedSemaphorePermit>,
}

/// The smallest request header: api key, api version, correlation id, client id length.
pub(super) const MIN_REQUEST_LEN: usize = 10;

/// Reads the next request; `Ok(None)` when the peer closed the connection between requests.
pub(super) async fn read_request<R: AsyncRead + Unpin>(
    stream: &mut R,
    max_bytes: usize,
    pool: &MemoryPool,
) -> Result<Option<RequestFrame>, FrameError> {
    let mut size = [0u8; 4];
    let first = stream.read(&mut size).await?;
    if first == 0 {
        return Ok(None);
    }
    read_fully(stream, &mut size[first..]).await?;
    let size = i32::from_be_bytes(size);
    if size < MIN_REQUEST_LEN as i32 {
        return Err(FrameError::Malformed { size });
    }
    let size = size as usize;
    if size > max_bytes {
        return Err(FrameError::TooLarge {
            size: size as i64,
            limit: max_bytes,
        });
    }
    let reserved = match size > SMALL_REQUEST {
        true => Some(pool.reserve(size).await),
        false => None,
    };
    let mut bytes = BytesMut::with_capacity(size.min(SMALL_REQUEST));
    while bytes.len() < size {
        if bytes.len() == bytes.capacity() {
            // Doubling: the copies add up to less than the request.
            bytes.reserve((size - bytes.len()).min(bytes.len()));
        }
        let remaining = (size - bytes.len()) as u64;
        if (&mut *stream).take(remaining).read_buf(&mut bytes).await? == 0 {
            return Err(FrameError::Truncated);
        }
    }
    Ok(Some(RequestFrame {
        bytes: bytes.freeze(),
        _reserved: reserved,
    }))
}

async fn read_fully<R: AsyncRead + Unpin>(stream: &mut R, buf: &mut [u8]) -> Result<(), FrameError> {
    match stream.read_exact(buf).await {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => Err(FrameError::Truncated),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> MemoryPool {
        MemoryPool::new(1 << 20)
    }

    #[tokio::test]
    async fn a_request_is_read_whole_and_the_next_one_after_it() {
        let mut wire = Vec::new();
        for body in [&b"0123456789ab"[..], &b"abcdefghijklmnop"[..]] {
            wire.extend_from_slice(&(body.len() as i32).to_be_bytes());
            wire.extend_from_slice(body);
        }
        let mut stream = &wire[..];
        let first = read_request(&mut stream, 100, &pool()).await.unwrap().unwrap();
        assert_eq!(&first.bytes[..], b"0123456789ab");
        let second = read_request(&mut stream, 100, &pool()).await.unwrap().unwrap();
        assert_eq!(&second.bytes[..], b"abcdefghijklmnop");
        assert!(read_request(&mut stream, 100, &pool()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_oversized_or_negative_size_is_refused_before_reading_the_body() {
        let mut stream = &i32::MAX.to_be_bytes()[..];
        let error = read_request(&mut stream, 1000, &pool()).await.err().unwrap();
        assert!(
            matches!(error, FrameError::TooLarge { limit: 1000, .. }),
            "{error}"
        );
        let mut stream = &(-5i32).to_be_bytes()[..];
        let error = read_request(&mut stream, 1000, &pool()).await.err().unwrap();
        assert!(matches!(error, FrameError::Malformed { size: -5 }), "{error}");
    }

    #[tokio::test]
    async fn a_request_cut_short_is_truncated_not_a_clean_close() {
        let mut wire = 20i32.to_be_bytes().to_vec();
        wire.extend_from_slice(b"only ten b");
        let mut stream = &wire[..];
        let error = read_request(&mut stream, 1000, &pool()).await.err().unwrap();
        assert!(matches!(error, FrameError::Truncated), "{error}");
    }
}
