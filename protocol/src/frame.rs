//! Frames: how messages are cut out of a byte stream.
//!
//! | bytes | field      | meaning                                                           |
//! |------:|------------|-------------------------------------------------------------------|
//! | 4     | length     | u32 little endian: the bytes after this field (8 + payload)       |
//! | 8     | request id | u64 little endian: chosen by the client, echoed by the answer     |
//! | n     | payload    | one codec envelope (`Hello`, `Welcome`, `Request` or `Response`)  |
//!
//! The length is checked against the reader's limit before any buffer grows for the frame, and
//! a buffer then grows only as the frame's bytes arrive (see [`super::FrameReader`]), so a
//! hostile length prefix costs nothing.

use crate::codec::{self, Envelope};

/// Bytes before the payload: length and request id.
pub const FRAME_HEADER_LEN: usize = 12;
const LENGTH_LEN: usize = 4;
const REQUEST_ID_LEN: usize = 8;

/// Largest payload either side accepts unless configured otherwise. The log's largest batch is
/// 64 MiB; a produce request carries one batch plus a little framing.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 65 << 20;

/// Why bytes could not be cut into a frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {size} bytes (request id {request_id}) exceeds the limit of {limit}")]
    TooLarge {
        request_id: u64,
        size: usize,
        limit: usize,
    },
    #[error("frame length {length} is shorter than its {REQUEST_ID_LEN}-byte request id")]
    TooShort { length: usize },
    #[error("the peer closed the connection in the middle of a frame")]
    Truncated,
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A complete frame found at the front of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameBounds {
    pub request_id: u64,
    /// Where the payload lies in the buffer.
    pub payload: std::ops::Range<usize>,
}

impl FrameBounds {
    /// Bytes the whole frame takes.
    pub fn len(&self) -> usize {
        self.payload.end
    }

    pub fn is_empty(&self) -> bool {
        self.payload.end == 0
    }
}

/// Finds the frame at the front of `buf`. `Ok(None)` means more bytes are needed; a frame whose
/// payload exceeds `max_payload` is refused as soon as its header is in.
pub fn parse_frame(buf: &[u8], max_payload: usize) -> Result<Option<FrameBounds>, FrameError> {
    if buf.len() < FRAME_HEADER_LEN {
        return Ok(None);
    }
    let length = u32::from_le_bytes(buf[..LENGTH_LEN].try_into().expect("4 bytes")) as usize;
    let request_id = u64::from_le_bytes(buf[LENGTH_LEN..FRAME_HEADER_LEN].try_into().expect("8 bytes"));
    let Some(payload_len) = length.checked_sub(REQUEST_ID_LEN) else {
        return Err(FrameError::TooShort { length });
    };
    if payload_len > max_payload {
        return Err(FrameError::TooLarge {
            request_id,
            size: payload_len,
            limit: max_payload,
        });
    }
    let end = FRAME_HEADER_LEN + payload_len;
    if buf.len() < end {
        return Ok(None);
    }
    Ok(Some(FrameBounds {
        request_id,
        payload: FRAME_HEADER_LEN..end,
    }))
}

/// One whole frame carrying `message` as its payload.
pub fn encode_frame<T: Envelope>(request_id: u64, message: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame_into(request_id, message, &mut out);
    out
}

/// As [`encode_frame`], into `out` (cleared first), so a buffer can serve frame after frame.
pub fn encode_frame_into<T: Envelope>(request_id: u64, message: &T, out: &mut Vec<u8>) {
    out.clear();
    // Reserved once: a fetch answer of many megabytes would otherwise grow through copies.
    out.reserve(64 + message.size_hint());
    out.extend_from_slice(&[0; LENGTH_LEN]);
    out.extend_from_slice(&request_id.to_le_bytes());
    codec::encode_into(message, out);
    // Lengths beyond u32 cannot be framed; such a message is refused by every reader anyway,
    // since no limit exceeds u32.
    let length = u32::try_from(out.len() - LENGTH_LEN).unwrap_or(u32::MAX);
    out[..LENGTH_LEN].copy_from_slice(&length.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hello;

    #[test]
    fn a_frame_round_trips_and_partial_bytes_ask_for_more() {
        let hello = Hello::current("test");
        let bytes = encode_frame(7, &hello);
        for cut in 0..bytes.len() {
            assert!(
                parse_frame(&bytes[..cut], 1024).unwrap().is_none(),
                "cut at {cut}"
            );
        }
        let bounds = parse_frame(&bytes, 1024).unwrap().unwrap();
        assert_eq!(bounds.request_id, 7);
        assert_eq!(bounds.len(), bytes.len());
        let decoded: Hello = codec::decode(&bytes[bounds.payload]).unwrap();
        assert_eq!(decoded, hello);
    }

    #[test]
    fn a_reused_buffer_holds_exactly_the_new_frame() {
        let mut out = encode_frame(1, &Hello::current(&"x".repeat(1000)));
        let hello = Hello::current("short");
        encode_frame_into(9, &hello, &mut out);
        assert_eq!(out, encode_frame(9, &hello));
    }

    #[test]
    fn an_oversized_length_is_refused_from_the_header_alone() {
        let mut header = Vec::new();
        header.extend_from_slice(&u32::MAX.to_le_bytes());
        header.extend_from_slice(&9u64.to_le_bytes());
        match parse_frame(&header, 1 << 20) {
            Err(FrameError::TooLarge { request_id: 9, .. }) => {}
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn a_length_shorter_than_the_request_id_is_refused() {
        let mut header = Vec::new();
        header.extend_from_slice(&3u32.to_le_bytes());
        header.extend_from_slice(&[0; 8]);
        assert!(matches!(
            parse_frame(&header, 1024),
            Err(FrameError::TooShort { length: 3 })
        ));
    }
}
