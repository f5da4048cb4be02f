//! Committed offsets: commit, fetch, reset.

use serde::{Deserialize, Serialize};

use crate::group::{CommittedOffset, Committer, PartitionName, ResetScope, ResetTo};

/// One partition's committed offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommit {
    pub partition: PartitionName,
    /// The next offset to read.
    pub offset: i64,
    pub metadata: Option<String>,
}

impl OffsetCommit {
    pub fn into_core(self) -> (PartitionName, CommittedOffset) {
        (
            self.partition,
            CommittedOffset {
                offset: self.offset,
                metadata: self.metadata,
            },
        )
    }

    pub fn from_core((partition, committed): (PartitionName, CommittedOffset)) -> Self {
        OffsetCommit {
            partition,
            offset: committed.offset,
            metadata: committed.metadata,
        }
    }
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

impl CommitOffsets {
    pub fn committer(&self) -> Committer {
        match &self.member {
            Some((member_id, generation)) => Committer::Member {
                member_id: member_id.clone(),
                generation: *generation,
            },
            None => Committer::Standalone,
        }
    }
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

impl From<WireResetScope> for ResetScope {
    fn from(scope: WireResetScope) -> Self {
        match scope {
            WireResetScope::Topics(topics) => ResetScope::Topics(topics),
            WireResetScope::Partitions(partitions) => ResetScope::Partitions(partitions),
        }
    }
}

impl From<WireResetTo> for ResetTo {
    fn from(to: WireResetTo) -> Self {
        match to {
            WireResetTo::Earliest => ResetTo::Earliest,
            WireResetTo::Latest => ResetTo::Latest,
            WireResetTo::Timestamp(ts) => ResetTo::Timestamp(ts),
            WireResetTo::Offset(offset) => ResetTo::Offset(offset),
        }
    }
}
