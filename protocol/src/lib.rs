//! What the Regroup host and its clients share: the native wire protocol (frames, the handshake,
//! messages and error codes), the one retry backoff, Kafka's record batch codec with its compression codecs and key
//! partitioner, and the one envelope codec ([`codec`]). Everything here is plain data and byte
//! layouts; the server and the client do the I/O.
//!
//! - `frame.rs`: the frame layout (length, request id, payload) and its size limit.
//! - `stream.rs`: [`FrameReader`] and [`FrameWriter`], frames over any async byte stream.
//! - `handshake.rs`: [`Hello`] and [`Welcome`], the version agreement on connect.
//! - `messages/`: [`Request`] and [`Response`], one module per family of requests.
//! - `error.rs`: [`ErrorCode`] (stable numbers) and [`WireError`].
//! - `backoff.rs`: [`Backoff`], exponential with Kafka's jitter, the pause of every retry loop.
//! - `partition_name.rs`: [`PartitionName`], one partition of one topic by name.
//! - `batch.rs`: Kafka's record batch v2: layout, CRC-32C, checks on append, the one codec.
//! - `varint.rs`: Kafka's zigzag varints, as records use them.
//! - `compression.rs`: the batch compression codecs (gzip, snappy, lz4, zstd).
//! - `record.rs`: [`record::Record`] in, [`record::StoredRecord`] out.
//! - `partitioner.rs`: Kafka's murmur2 key partitioning and sticky keyless batches.
//!
//! A connection starts with one `Hello` frame from the client, answered by a `Welcome` naming
//! the protocol version both sides speak; every later frame carries a `Request` (client to
//! server) or a `Response` (server to client) envelope of that version, made by the project's one
//! codec ([`crate::codec`]). The client picks a request id per frame and the
//! answer echoes it, so a client may send many requests before reading any answer (pipelining)
//! and answers to long waits (a group join) may overtake earlier ones.
//!
//! A frame that is too large, cannot be decoded or is of an unknown kind or version is answered
//! with an error frame and the connection is closed: after such a frame the stream cannot be
//! trusted to be in step.

/// Unit tests count each thread's allocations, so the batch decoder's fuzz tests can bound its
/// memory.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: regroup_fuzz_support::CountingAllocator = regroup_fuzz_support::CountingAllocator;

mod backoff;
pub mod batch;
pub mod compression;
mod error;
mod frame;
mod handshake;
pub mod messages;
mod partition_name;
pub mod partitioner;
pub mod record;
mod stream;
pub mod varint;

pub use backoff::Backoff;
pub use partition_name::PartitionName;
pub use regroup_codec as codec;

pub use error::{ErrorCode, WireError};
pub use frame::{
    DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_LEN, FrameBounds, FrameError, encode_frame, encode_frame_into,
    parse_frame,
};
pub use handshake::{Hello, PROTOCOL_VERSIONS, Welcome, negotiate_version};
pub use messages::{Request, Response};
pub use stream::{FrameReader, FrameWriter, MemoryPool, SharedFrame};
