//! Records in and out: produce, fetch, list offsets. Records travel both ways as Kafka's record
//! batches (v2), the log's one batch format: a producer sends one encoded batch per partition,
//! stored as it is; fetched batches travel as the log stores them, back to back in one byte
//! string (read by the server straight into the answer's frame, see
//! the host's `FetchedFrame`, without checking them), decoded by the client with the
//! log's own decoder ([`crate::batch::visit_batches`]), which checks every batch's CRC.

use serde::{Deserialize, Serialize};

use super::groups::MemberRef;
use crate::WireError;

/// Appends one batch to one partition: Kafka's record batch v2 as the producer encoded it
/// (layout in `log/batch.rs`; with its producer id, epoch and sequence when idempotent,
/// compressed or not). The log checks it and stores it as it is, only its base offset set;
/// answered with [`super::Response::Produced`] once appended (and flushed, per the topic's
/// policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Produce {
    pub topic: String,
    pub partition: u32,
    #[serde(with = "serde_bytes")]
    pub batch: Vec<u8>,
}

/// Where one batch of a produce landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducedBatch {
    pub partition: u32,
    pub base_offset: u64,
    pub last_offset: u64,
}

/// Reads records from one or more partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fetch {
    /// Set when fetching as a group member: only partitions it owns in this generation are
    /// served; the others answer with an ownership error.
    pub member: Option<MemberRef>,
    pub partitions: Vec<FetchPartition>,
    /// When no partition has records, wait up to this long for some (capped by the server).
    pub max_wait_ms: u32,
    /// Budget for the whole answer; each partition also has its own.
    pub max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchPartition {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
    pub max_bytes: u64,
}

/// One partition's part of a fetch answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedPartition {
    pub topic: String,
    pub partition: u32,
    pub result: Result<PartitionRecords, WireError>,
}

/// Records are whole batches as the log stores them (Kafka's record batch v2, layout in
/// `log/batch.rs`), back to back; the first batch may begin before the asked offset, so the
/// reader skips records below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionRecords {
    #[serde(with = "serde_bytes")]
    pub batches: Vec<u8>,
    pub high_watermark: u64,
    pub log_start_offset: u64,
}

/// [`FetchedPartition`] read without copying: its batches borrowed from the received frame.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FetchedPartitionView<'a> {
    pub topic: String,
    pub partition: u32,
    #[serde(borrow)]
    pub result: Result<PartitionRecordsView<'a>, WireError>,
}

/// [`PartitionRecords`] with its batches borrowed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PartitionRecordsView<'a> {
    #[serde(borrow)]
    pub batches: &'a [u8],
    pub high_watermark: u64,
    pub log_start_offset: u64,
}

/// Which offset to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireOffsetSpec {
    Earliest,
    Latest,
    /// The first record at or after this time (ms since the epoch).
    Timestamp(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOffset {
    pub topic: String,
    pub partition: u32,
    pub spec: WireOffsetSpec,
}
