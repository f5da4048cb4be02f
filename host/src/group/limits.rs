//! What a request may carry into the coordinator: group ids of bounded length, and commits
//! whose offsets lie within the partition and whose metadata is small. Checked before any
//! state changes or anything is written.

use super::error::GroupError;
use super::topics::OffsetResolver;
use super::types::{CommittedOffset, PartitionName};

/// Longest group id, in bytes: as long as a topic name may be (Kafka's topics allow 249; 255
/// is the common file-name limit both fit). Kafka itself leaves group ids unbounded.
pub const MAX_GROUP_ID_BYTES: usize = 255;
/// Kafka's `offset.metadata.max.bytes` default: the largest metadata string of one commit.
pub const DEFAULT_OFFSET_METADATA_MAX_BYTES: usize = 4096;

/// Characters of an over-long group id shown in its refusal.
const SHOWN: usize = 40;

pub(super) fn check_group_id(group: &str) -> Result<(), GroupError> {
    let reason = if group.is_empty() {
        "a group id cannot be empty".to_owned()
    } else if group.len() > MAX_GROUP_ID_BYTES {
        format!(
            "a group id is at most {MAX_GROUP_ID_BYTES} bytes; this one has {}",
            group.len()
        )
    } else {
        return Ok(());
    };
    let shown: String = group.chars().take(SHOWN).collect();
    Err(GroupError::InvalidRequest {
        group: if shown.len() < group.len() {
            format!("{shown}...")
        } else {
            shown
        },
        reason,
    })
}

/// Refuses a commit of a negative offset, of one past the partition's end (the offset of the
/// next record is the highest a consumer can have read up to), or of metadata longer than
/// `max_metadata` bytes.
pub(super) fn check_commit(
    group: &str,
    offsets: &[(PartitionName, CommittedOffset)],
    resolver: &dyn OffsetResolver,
    max_metadata: usize,
) -> Result<(), GroupError> {
    let invalid = |reason: String| GroupError::InvalidRequest {
        group: group.to_owned(),
        reason,
    };
    for (partition, committed) in offsets {
        let metadata = committed.metadata.as_deref().map_or(0, str::len);
        if metadata > max_metadata {
            return Err(invalid(format!(
                "the metadata committed for {partition} has {metadata} bytes; at most {max_metadata} \
                 are kept (offset.metadata.max.bytes)"
            )));
        }
        if committed.offset < 0 {
            return Err(invalid(format!(
                "offset {} committed for {partition} is negative",
                committed.offset
            )));
        }
        if let Some(end) = resolver.latest(&partition.topic, partition.partition)
            && committed.offset > end
        {
            return Err(invalid(format!(
                "offset {} committed for {partition} is past the partition's end ({end})",
                committed.offset
            )));
        }
    }
    Ok(())
}
