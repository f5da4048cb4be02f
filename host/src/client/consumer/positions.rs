//! Where each newly owned partition starts: its committed offset, else `auto.offset.reset`.

use super::{Consumer, OffsetReset};
use crate::client::{Client, ClientError};
use crate::group::PartitionName;
use crate::protocol::messages::records::WireOffsetSpec;

impl Consumer {
    /// Looks up the position of every owned partition that has none.
    pub(super) async fn fill_positions(&mut self) -> Result<(), ClientError> {
        let missing: Vec<PartitionName> = self
            .owned
            .iter()
            .filter(|(_, owned)| owned.position.is_none())
            .map(|(partition, _)| partition.clone())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let committed = self
            .client
            .committed_offsets(&self.config.group_id, Some(missing.clone()))
            .await?;
        for partition in missing {
            let position = match committed.iter().find(|c| c.partition == partition) {
                Some(commit) => u64::try_from(commit.offset).unwrap_or(0),
                None => reset_position(&self.client, self.config.auto_offset_reset, &partition).await?,
            };
            if let Some(owned) = self.owned.get_mut(&partition) {
                owned.position = Some(position);
            }
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
