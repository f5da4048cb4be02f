//! Produce, fetch and list offsets.

use std::sync::Arc;
use std::time::Duration;

use super::super::Services;
use super::super::dispatch::{Context, blocking, failed_inside};
use super::super::long_poll::{FetchPass, long_poll};
use crate::group::PartitionName;
use crate::log::{OffsetSpec, ReadBuffer};
use crate::protocol::messages::groups::MemberRef;
use crate::protocol::messages::records::{Fetch, FetchPartition, ListOffset, Produce, ProducedBatch};
use crate::protocol::{ErrorCode, FetchedFrame, ReadBounds, Response, WireError};

/// Appends the producer's batch as it is, then acknowledges: the log has flushed per the
/// topic's policy when `append_batch` returns.
pub(in crate::server) async fn produce(context: &Context, produce: Produce) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let Produce {
        topic,
        partition,
        batch,
    } = produce;
    let appended = blocking(move || Ok(log.append_batch(&topic, partition, batch)?)).await?;
    if !appended.duplicate {
        crash_after_append_if_asked();
    }
    context.services.appended.notify_waiters();
    Ok(Response::Produced(vec![ProducedBatch {
        partition: appended.partition,
        base_offset: appended.base_offset,
        last_offset: appended.last_offset,
    }]))
}

/// A producer id and epoch no producer has had (the log keeps the allocation durable).
pub(in crate::server) async fn init_producer_id(context: &Context) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let (producer_id, producer_epoch) = blocking(move || Ok(log.init_producer_id()?)).await?;
    Ok(Response::ProducerId {
        producer_id,
        producer_epoch,
    })
}

/// Fault injection for crash tests, in debug builds only: with `REGROUP_TEST_SIGKILL_AFTER_APPEND`
/// set, the host SIGKILLs itself after an append has stored a batch (flushed per the topic's
/// policy) and before the producer is answered, the moment a lost answer makes a producer resend.
#[cfg(debug_assertions)]
fn crash_after_append_if_asked() {
    if std::env::var_os("REGROUP_TEST_SIGKILL_AFTER_APPEND").is_some() {
        tracing::warn!("REGROUP_TEST_SIGKILL_AFTER_APPEND is set: killing the host after an append");
        // SAFETY: kill(2) on our own pid with a valid signal has no memory effects.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

#[cfg(not(debug_assertions))]
fn crash_after_append_if_asked() {}

/// Reads every asked partition; when none has records (and none failed), waits for an append,
/// up to the asked wait, and reads again. The answer is laid out as a frame while reading: the
/// log's batches are read straight into one of the connection's reused frame buffers.
pub(in crate::server) async fn fetch(context: Context, fetch: Fetch) -> Result<FetchedFrame, WireError> {
    if fetch.partitions.is_empty() {
        return Err(WireError::new(
            ErrorCode::InvalidRequest,
            "a fetch must name at least one partition",
        ));
    }
    let wait = Duration::from_millis(u64::from(fetch.max_wait_ms)).min(context.config.max_fetch_wait);
    let services = Arc::clone(&context.services);
    let limit = context.config.max_frame_bytes as u64;
    let read = move |buffer| read_partitions(&services, &fetch, limit, buffer);
    long_poll(
        &context.services.appended,
        &context.shutdown,
        wait,
        context.buffers.take(),
        read,
    )
    .await
    .map_err(failed_inside)
}

impl FetchPass for FetchedFrame {
    fn worth_answering(&self) -> bool {
        FetchedFrame::worth_answering(self)
    }

    fn into_buffer(self) -> ReadBuffer {
        FetchedFrame::into_buffer(self)
    }
}

/// Reads the asked partitions into a frame; the answer's budget is the fetch's, but never more
/// than a frame may carry (`limit`), as a client could not read a larger one anyway.
fn read_partitions(services: &Services, fetch: &Fetch, limit: u64, buffer: ReadBuffer) -> FetchedFrame {
    let mut budget = fetch.max_bytes.min(limit);
    let mut frame = FetchedFrame::new(buffer, fetch.partitions.len());
    for wanted in &fetch.partitions {
        frame.partition(&wanted.topic, wanted.partition, |out| {
            read_partition(services, fetch.member.as_ref(), wanted, &mut budget, out)
        });
    }
    frame
}

/// Appends the partition's batches to `out` (nothing on an error).
fn read_partition(
    services: &Services,
    member: Option<&MemberRef>,
    wanted: &FetchPartition,
    budget: &mut u64,
    out: &mut ReadBuffer,
) -> Result<ReadBounds, WireError> {
    if let Some(member) = member {
        let partition = PartitionName::new(&wanted.topic, wanted.partition);
        services
            .coordinator
            .check_fetch(&member.group, &member.member_id, member.generation, &partition)?;
    }
    let log = &services.log;
    if *budget == 0 {
        // The answer is full: say where the partition ends, without records.
        let offset = |spec| log.list_offset(&wanted.topic, wanted.partition, spec);
        return Ok(ReadBounds {
            high_watermark: offset(OffsetSpec::Latest)?.unwrap_or(0),
            log_start_offset: offset(OffsetSpec::Earliest)?.unwrap_or(0),
        });
    }
    // The stored batches as they are: no decoding or CRC check here, the client decodes and
    // checks every batch (end to end, the transport included).
    let read = log.fetch_raw_into(
        &wanted.topic,
        wanted.partition,
        wanted.offset,
        wanted.max_bytes.min(*budget),
        out,
    )?;
    *budget = budget.saturating_sub(read.len as u64);
    Ok(ReadBounds {
        high_watermark: read.high_watermark,
        log_start_offset: read.log_start_offset,
    })
}

pub(in crate::server) async fn list_offset(
    context: &Context,
    list: ListOffset,
) -> Result<Response, WireError> {
    let log = context.services.log.clone();
    let offset =
        blocking(move || Ok(log.list_offset(&list.topic, list.partition, list.spec.into())?)).await?;
    Ok(Response::Offset(offset))
}
