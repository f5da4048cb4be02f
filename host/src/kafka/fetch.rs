//! Fetch (by topic name, versions 4 to 12): the stored batches go out as they are, never
//! decoded. When fewer than `min_bytes` are there, the fetch waits for an append (the same
//! wake-up the native server's long polls use), up to `max_wait_ms` and never past the host's
//! `max_fetch_wait`, and reads again. The answer holds at most `max_bytes` (and never more than
//! a request may: `max_frame_bytes`), each partition at most its `partition_max_bytes`, except
//! that the first batch of the first partition with records is sent whole, as Kafka does, so a
//! large batch never blocks a consumer.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::TopicName;
use kafka_protocol::messages::fetch_request::FetchRequest;
use kafka_protocol::messages::fetch_response::{FetchResponse, FetchableTopicResponse, PartitionData};

use super::connection::Context;
use super::error::{self, Failure};
use crate::log::{Log, ReadBuffer};
use crate::server::Services;
use crate::server::long_poll::{FetchPass, long_poll};

/// The answer, and the buffer its records are slices of (see [`super::response`]).
pub(super) async fn serve(context: &Context, request: FetchRequest, version: i16) -> (FetchResponse, Bytes) {
    let wait = Duration::from_millis(request.max_wait_ms.max(0) as u64).min(context.config.max_fetch_wait);
    let min_bytes = request.min_bytes.max(0) as usize;
    let services = Arc::clone(&context.services);
    let limit = context.config.max_frame_bytes as u64;
    let read = move |buffer| read_all(&services, &request, limit, min_bytes, buffer);
    let services = &context.services;
    match long_poll(
        &services.appended,
        &context.shutdown,
        wait,
        ReadBuffer::new(),
        read,
    )
    .await
    {
        Ok(read) => read.into_response(version),
        Err(panicked) => {
            tracing::error!(error = %panicked, "a Kafka fetch failed inside the host");
            let failed = FetchResponse::default()
                .with_error_code(kafka_protocol::ResponseError::UnknownServerError.code());
            (failed, Bytes::new())
        }
    }
}

/// What one pass over the asked partitions read.
struct Read {
    /// Every partition's batches back to back.
    buffer: ReadBuffer,
    /// Per topic, per partition: where its batches lie in `buffer`, or why it has none.
    topics: Vec<(TopicName, Vec<PartitionRead>)>,
    bytes: usize,
    min_bytes: usize,
    failed: bool,
}

impl FetchPass for Read {
    fn worth_answering(&self) -> bool {
        self.bytes >= self.min_bytes || self.failed
    }

    fn into_buffer(self) -> ReadBuffer {
        self.buffer
    }
}

/// A partition's index and what reading it came to.
type PartitionRead = (i32, Result<Bounds, Failure>);

struct Bounds {
    records: Range<usize>,
    high_watermark: i64,
    log_start_offset: i64,
}

fn read_all(
    services: &Services,
    request: &FetchRequest,
    limit: u64,
    min_bytes: usize,
    mut buffer: ReadBuffer,
) -> Read {
    buffer.clear();
    let log: &Log = &services.log;
    let mut budget = (request.max_bytes.max(0) as u64).min(limit);
    let mut failed = false;
    let mut topics = Vec::with_capacity(request.topics.len());
    for topic in &request.topics {
        let name = topic.topic.0.as_str();
        let mut partitions = Vec::with_capacity(topic.partitions.len());
        for wanted in &topic.partitions {
            let start = buffer.len();
            let bounds = read_partition(log, name, wanted, &mut budget, &mut buffer).map(|(hw, ls)| Bounds {
                records: start..buffer.len(),
                high_watermark: hw,
                log_start_offset: ls,
            });
            failed |= bounds.is_err();
            partitions.push((wanted.partition, bounds));
        }
        topics.push((topic.topic.clone(), partitions));
    }
    let bytes = buffer.len();
    Read {
        buffer,
        topics,
        bytes,
        min_bytes,
        failed,
    }
}

/// Appends the partition's batches to `out`; its high watermark and log start offset.
fn read_partition(
    log: &Log,
    topic: &str,
    wanted: &kafka_protocol::messages::fetch_request::FetchPartition,
    budget: &mut u64,
    out: &mut ReadBuffer,
) -> Result<(i64, i64), Failure> {
    let failure = |e: crate::log::LogError| (error::code(&e), e.to_string());
    let (Ok(partition), Ok(offset)) = (
        u32::try_from(wanted.partition),
        u64::try_from(wanted.fetch_offset),
    ) else {
        return Err((
            kafka_protocol::ResponseError::OffsetOutOfRange.code(),
            format!("partition {} offset {}", wanted.partition, wanted.fetch_offset),
        ));
    };
    let max_bytes = (wanted.partition_max_bytes.max(0) as u64).min(*budget);
    if max_bytes == 0 {
        // The answer is full: say where the partition ends, without records.
        let offset = |spec| log.list_offset(topic, partition, spec).map_err(failure);
        let high_watermark = offset(crate::log::OffsetSpec::Latest)?.unwrap_or(0);
        let log_start_offset = offset(crate::log::OffsetSpec::Earliest)?.unwrap_or(0);
        return Ok((high_watermark as i64, log_start_offset as i64));
    }
    let read = log
        .fetch_raw_into(topic, partition, offset, max_bytes, out)
        .map_err(failure)?;
    *budget = budget.saturating_sub(read.len as u64);
    Ok((read.high_watermark as i64, read.log_start_offset as i64))
}

impl Read {
    fn into_response(self, version: i16) -> (FetchResponse, Bytes) {
        let records = Bytes::from(self.buffer.into_vec());
        let responses = self
            .topics
            .into_iter()
            .map(|(topic, partitions)| {
                let partitions = partitions
                    .into_iter()
                    .map(|(index, read)| {
                        // Never a null records field, even when empty: librdkafka needs one.
                        let answer = PartitionData::default()
                            .with_partition_index(index)
                            .with_records(Some(Bytes::new()));
                        match read {
                            Ok(bounds) => {
                                let answer = answer
                                    .with_high_watermark(bounds.high_watermark)
                                    .with_last_stable_offset(bounds.high_watermark)
                                    .with_records(Some(records.slice(bounds.records)));
                                if version >= 5 {
                                    answer.with_log_start_offset(bounds.log_start_offset)
                                } else {
                                    answer
                                }
                            }
                            Err((code, message)) => {
                                tracing::debug!(
                                    topic = topic.0.as_str(),
                                    partition = index,
                                    code,
                                    message,
                                    "fetch refused"
                                );
                                answer.with_error_code(code)
                            }
                        }
                    })
                    .collect();
                FetchableTopicResponse::default()
                    .with_topic(topic)
                    .with_partitions(partitions)
            })
            .collect();
        (FetchResponse::default().with_responses(responses), records)
    }
}
