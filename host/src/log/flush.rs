//! The background flusher for partitions whose policy is [`FlushPolicy::Interval`].

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::background::Shutdown;
use super::partition::Partition;
use super::settings::FlushPolicy;
use super::topic::Topic;

/// Longest sleep between passes, so a topic created with a short interval is picked up soon.
const MAX_IDLE: Duration = Duration::from_millis(100);

/// Runs until `shutdown`: each pass syncs every interval-flushed partition whose period elapsed.
pub fn spawn_flusher(
    topics: impl Fn() -> Vec<Arc<Topic>> + Send + 'static,
    shutdown: Arc<Shutdown>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("log-flusher".into())
        .spawn(move || {
            let mut last_flush: HashMap<(String, u32), Instant> = HashMap::new();
            loop {
                let mut sleep = MAX_IDLE;
                let now = Instant::now();
                for topic in topics() {
                    for partition in topic.partitions() {
                        if let FlushPolicy::Interval(period) = partition.flush_policy() {
                            sleep = sleep.min(period);
                            flush_when_due(topic.name(), &partition, period, now, &mut last_flush);
                        }
                    }
                }
                if shutdown.wait(sleep) {
                    return;
                }
            }
        })
}

fn flush_when_due(
    topic: &str,
    partition: &Partition,
    period: Duration,
    now: Instant,
    last_flush: &mut HashMap<(String, u32), Instant>,
) {
    let last = last_flush
        .entry((topic.to_owned(), partition.id()))
        .or_insert(now);
    if now.duration_since(*last) >= period {
        *last = now;
        if let Err(error) = partition.flush_if_dirty() {
            tracing::error!(topic, partition = partition.id(), %error, "interval flush failed");
        }
    }
}
