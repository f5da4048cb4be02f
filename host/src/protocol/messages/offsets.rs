//! Committed offsets: commit, fetch, reset: the messages (`regroup-protocol`) and their
//! conversions to and from the coordinator's types.

use crate::group::{CommittedOffset, Committer, PartitionName, ResetScope, ResetTo};
pub use regroup_protocol::messages::offsets::*;

/// [`OffsetCommit`] to and from the coordinator's [`CommittedOffset`].
pub trait OffsetCommitExt {
    fn into_core(self) -> (PartitionName, CommittedOffset);
    fn from_core(committed: (PartitionName, CommittedOffset)) -> Self;
}

impl OffsetCommitExt for OffsetCommit {
    fn into_core(self) -> (PartitionName, CommittedOffset) {
        (
            self.partition,
            CommittedOffset {
                offset: self.offset,
                metadata: self.metadata,
            },
        )
    }

    fn from_core((partition, committed): (PartitionName, CommittedOffset)) -> Self {
        OffsetCommit {
            partition,
            offset: committed.offset,
            metadata: committed.metadata,
        }
    }
}

/// Who commits, as the coordinator fences it.
pub trait CommitOffsetsExt {
    fn committer(&self) -> Committer;
}

impl CommitOffsetsExt for CommitOffsets {
    fn committer(&self) -> Committer {
        match &self.member {
            Some((member_id, generation)) => Committer::Member {
                member_id: member_id.clone(),
                generation: *generation,
            },
            None => Committer::Standalone,
        }
    }
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
