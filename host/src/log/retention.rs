//! Retention: whole old segments deleted by size and age, from a background thread.
//!
//! A pass touches each partition's segment map only briefly (see
//! [`Partition::apply_retention`]) and never waits for the append lock, so appends are not
//! blocked: it takes that lock only when free, to close an active segment whose every record is
//! past the age limit (Kafka rolls before deleting the last segment), so a partition that no
//! longer receives records still loses its old data.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::background::Shutdown;
use super::partition::Partition;
use super::record::now_ms;
use super::topic::Topic;

/// Segments one retention pass deleted from one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionDeletion {
    pub topic: String,
    pub partition: u32,
    pub deleted_base_offsets: Vec<u64>,
    pub log_start_offset: u64,
}

/// Applies every topic's retention settings once.
pub fn enforce(topics: &[Arc<Topic>], now_ms: i64) -> Vec<RetentionDeletion> {
    let mut deletions = Vec::new();
    for topic in topics {
        let settings = topic.settings();
        if settings.retention_bytes.is_none() && settings.retention_age.is_none() {
            continue;
        }
        for partition in topic.partitions() {
            if let Some(deletion) = enforce_partition(topic, &partition, now_ms) {
                deletions.push(deletion);
            }
        }
    }
    deletions
}

fn enforce_partition(topic: &Topic, partition: &Partition, now_ms: i64) -> Option<RetentionDeletion> {
    let settings = topic.settings();
    match partition.apply_retention(settings.retention_bytes, settings.retention_age, now_ms) {
        Ok(deleted) if deleted.is_empty() => None,
        Ok(deleted_base_offsets) => Some(RetentionDeletion {
            topic: topic.name().to_owned(),
            partition: partition.id(),
            deleted_base_offsets,
            log_start_offset: partition.log_start_offset(),
        }),
        Err(error) => {
            // The segment is already out of the log; a file left behind is only wasted space.
            tracing::error!(topic = topic.name(), partition = partition.id(), %error, "retention failed");
            None
        }
    }
}

/// Runs a retention pass every `period` until `shutdown`.
pub fn spawn_retention(
    topics: impl Fn() -> Vec<Arc<Topic>> + Send + 'static,
    period: Duration,
    shutdown: Arc<Shutdown>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("log-retention".into())
        .spawn(move || {
            while !shutdown.wait(period) {
                enforce(&topics(), now_ms());
            }
        })
}
