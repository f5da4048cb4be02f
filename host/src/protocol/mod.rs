//! The wire protocol between clients and the server: frames, the handshake, messages and error
//! codes. Everything here is plain data and byte layouts; the server and the client do the I/O.
//!
//! - `frame.rs`: the frame layout (length, request id, payload) and its size limit.
//! - `stream.rs`: [`FrameReader`] and [`FrameWriter`], frames over any async byte stream.
//! - `handshake.rs`: [`Hello`] and [`Welcome`], the version agreement on connect.
//! - `fetched.rs`: [`FetchedFrame`], a fetch answer's frame built with the batches read in place.
//! - `messages/`: [`Request`] and [`Response`], one module per family of requests.
//! - `error.rs`: [`ErrorCode`] (stable numbers) and [`WireError`].
//!
//! A connection starts with one `Hello` frame from the client, answered by a `Welcome` naming
//! the protocol version both sides speak; every later frame carries a `Request` (client to
//! server) or a `Response` (server to client) envelope of that version, made by the project's one
//! codec ([`regroup_assignor_api::codec`]). The client picks a request id per frame and the
//! answer echoes it, so a client may send many requests before reading any answer (pipelining)
//! and answers to long waits (a group join) may overtake earlier ones.
//!
//! A frame that is too large, cannot be decoded or is of an unknown kind or version is answered
//! with an error frame and the connection is closed: after such a frame the stream cannot be
//! trusted to be in step.

mod error;
mod fetched;
mod frame;
mod handshake;
pub mod messages;
mod stream;

#[cfg(test)]
mod fuzz;

pub use error::{ErrorCode, WireError};
pub use fetched::{FetchedFrame, ReadBounds};
pub use frame::{
    DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_LEN, FrameError, encode_frame, encode_frame_into, parse_frame,
};
pub use handshake::{Hello, PROTOCOL_VERSIONS, Welcome, negotiate_version};
pub use messages::{Request, Response};
pub use stream::{FrameReader, FrameWriter, MemoryPool, SharedFrame};
