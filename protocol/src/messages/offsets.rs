//! Committed offsets: commit, fetch, reset.

use serde::{Deserialize, Serialize};

use crate::PartitionName;

/// One partition's committed offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommit {
    pub partition: PartitionName,
    /// The next offset to read.
    pub offset: i64,
    pub metadata: Option<String>,
}

/// Commits offsets, as a member (fenced by generation and ownership) or, with `member: None`,
/// from outside a group that has no members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitOffsets {
    pub group: String,
    /// Member id and generation.
    pub member: Option<(String, i32)>,
    pub offsets: Vec<OffsetCommit>,
}

/// Reads a group's committed offsets: of these partitions, or all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchOffsets {
    pub group: String,
    pub partitions: Option<Vec<PartitionName>>,
}

/// Which partitions a reset touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireResetScope {
    Topics(Vec<String>),
    Partitions(Vec<PartitionName>),
}

/// Where a reset moves the offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireResetTo {
    Earliest,
    Latest,
    Timestamp(i64),
    Offset(i64),
}

/// Resets an empty group's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetOffsets {
    pub group: String,
    pub scope: WireResetScope,
    pub to: WireResetTo,
}
