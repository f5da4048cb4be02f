//! Where each newly owned partition starts: its committed offset, else `auto.offset.reset`.
//!
//! A position the log no longer holds (retention deleted it, or the topic was deleted and
//! created again) is moved by `auto.offset.reset` at once, without looking at the committed
//! offset again (that is where the position came from), logged once, and committed when
//! auto-commit is on, so the group does not meet the same stale offset after its next rebalance.

use super::{Consumer, OffsetReset};
use crate::{Client, ClientError};
use regroup_protocol::PartitionName;
use regroup_protocol::messages::records::WireOffsetSpec;

impl Consumer {
    /// Looks up the position of every owned partition that has none.
    pub(super) async fn fill_positions(&mut self) -> Result<(), ClientError> {
        let mut missing = Vec::new();
        let mut out_of_range = Vec::new();
        for (partition, owned) in &self.owned {
            match (owned.position, owned.out_of_range) {
                (Some(_), _) => {}
                (None, Some(stale)) => out_of_range.push((partition.clone(), stale)),
                (None, None) => missing.push(partition.clone()),
            }
        }
        if missing.is_empty() && out_of_range.is_empty() {
            return Ok(());
        }
        let committed = if missing.is_empty() {
            Vec::new()
        } else {
            self.client
                .committed_offsets(&self.config.group_id, Some(missing.clone()))
                .await?
        };
        for partition in missing {
            let position = match committed.iter().find(|c| c.partition == partition) {
                Some(commit) => u64::try_from(commit.offset).unwrap_or(0),
                None => reset_position(&self.client, self.config.auto_offset_reset, &partition).await?,
            };
            if let Some(owned) = self.owned.get_mut(&partition) {
                owned.position = Some(position);
            }
        }
        let reset = !out_of_range.is_empty();
        for (partition, stale) in out_of_range {
            let position = reset_position(&self.client, self.config.auto_offset_reset, &partition).await?;
            tracing::info!(
                "{partition}: offset {stale} is out of range (no longer in the log); auto.offset.reset={} moves the position to {position}",
                reset_name(self.config.auto_offset_reset)
            );
            if let Some(owned) = self.owned.get_mut(&partition) {
                owned.position = Some(position);
                owned.out_of_range = None;
            }
        }
        if reset && self.config.enable_auto_commit {
            self.commit_quietly().await;
        }
        Ok(())
    }
}

/// Where `auto.offset.reset` starts a partition. (A free function: the consumer is not `Sync`,
/// so no `&Consumer` may live across an await.)
async fn reset_position(
    client: &Client,
    reset: OffsetReset,
    partition: &PartitionName,
) -> Result<u64, ClientError> {
    let spec = match reset {
        OffsetReset::Earliest => WireOffsetSpec::Earliest,
        OffsetReset::Latest => WireOffsetSpec::Latest,
        OffsetReset::None => {
            return Err(ClientError::NoOffset {
                partition: partition.clone(),
            });
        }
    };
    let offset = client
        .list_offset(&partition.topic, partition.partition, spec)
        .await?;
    Ok(offset.unwrap_or(0))
}

fn reset_name(reset: OffsetReset) -> &'static str {
    match reset {
        OffsetReset::Earliest => "earliest",
        OffsetReset::Latest => "latest",
        OffsetReset::None => "none",
    }
}
