//! Committing positions: manually (sync or async) or automatically from `poll`.

use tokio::task::JoinHandle;

use super::Consumer;
use crate::{ClientError, expect_answer};
use regroup_protocol::PartitionName;
use regroup_protocol::messages::offsets::{CommitOffsets, OffsetCommit};
use regroup_protocol::{ErrorCode, Request, Response};

impl Consumer {
    /// The positions of owned partitions, as a commit.
    fn position_commit(&self) -> Option<CommitOffsets> {
        let member = self.member()?;
        let offsets: Vec<OffsetCommit> = self
            .owned
            .iter()
            .filter_map(|(partition, owned)| {
                Some(OffsetCommit {
                    partition: partition.clone(),
                    offset: i64::try_from(owned.position?).ok()?,
                    metadata: None,
                })
            })
            .collect();
        if offsets.is_empty() {
            return None;
        }
        Some(CommitOffsets {
            group: member.group,
            member: Some((member.member_id, member.generation)),
            offsets,
        })
    }

    /// Commits the position of every owned partition (the offset after the last record
    /// `poll` returned) and waits until it is durable. Refused when the group has moved on
    /// (a rebalance); the next poll then rejoins.
    pub async fn commit_sync(&mut self) -> Result<(), ClientError> {
        let Some(commit) = self.position_commit() else {
            return Ok(());
        };
        self.send_commit(commit).await
    }

    /// Commits the given next-offsets to read.
    pub async fn commit_offsets_sync(&mut self, offsets: &[(PartitionName, u64)]) -> Result<(), ClientError> {
        let Some(member) = self.member() else {
            return Err(ClientError::NotSubscribed);
        };
        let commit = CommitOffsets {
            group: member.group,
            member: Some((member.member_id, member.generation)),
            offsets: offsets
                .iter()
                .map(|(partition, offset)| OffsetCommit {
                    partition: partition.clone(),
                    offset: *offset as i64,
                    metadata: None,
                })
                .collect(),
        };
        self.send_commit(commit).await
    }

    /// Commits the positions in the background; the handle says how it went.
    pub fn commit_async(&mut self) -> JoinHandle<Result<(), ClientError>> {
        let commit = self.position_commit();
        let client = self.client.clone();
        tokio::spawn(async move {
            let Some(commit) = commit else { return Ok(()) };
            let answer = client.call(&Request::CommitOffsets(commit)).await?;
            expect_answer!(answer, "commit-offsets", Response::Done => ())
        })
    }

    async fn send_commit(&mut self, commit: CommitOffsets) -> Result<(), ClientError> {
        let result = match self.client.call(&Request::CommitOffsets(commit)).await {
            Ok(answer) => expect_answer!(answer, "commit-offsets", Response::Done => ()),
            Err(error) => Err(error),
        };
        if let Err(error) = &result
            && (error.is(ErrorCode::NotOwner) || error.is(ErrorCode::IllegalGeneration))
        {
            self.needs_join = true;
        }
        result
    }

    /// Auto-commit: commits positions when the interval has passed.
    pub(super) async fn maybe_auto_commit(&mut self) {
        if self.config.enable_auto_commit
            && self.last_auto_commit.elapsed() >= self.config.auto_commit_interval
        {
            self.commit_quietly().await;
        }
    }

    /// Commits positions, logging a failure instead of returning it (auto-commit's way).
    pub(super) async fn commit_quietly(&mut self) {
        self.last_auto_commit = std::time::Instant::now();
        if let Err(error) = self.commit_sync().await {
            tracing::warn!(group = self.config.group_id, %error, "automatic commit failed");
        }
    }
}
