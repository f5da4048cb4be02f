//! One partition: an ordered run of segments, appended to under a lock, read without one.
//!
//! Appends are serialised by `appender`; different partitions have different locks, so they
//! proceed in parallel. Readers take a snapshot of the segment map (a brief read lock) and read
//! the files with positioned reads, bounded by the high watermark, which moves only after a
//! whole batch is written (and synced under [`FlushPolicy::EveryBatch`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use super::batch::{self, BatchHeader, MAX_BATCH_BYTES};
use super::buffer::ReadBuffer;
use super::error::LogError;
use super::producers::{ProducerStates, SequenceCheck, SequenceError};
use super::record::{Record, now_ms};
use super::recovery::{self, PartitionRecovery};
use super::segment::{FetchedBatch, NO_TIMESTAMP, RawRead, Segment};
use super::settings::FlushPolicy;
use crate::stats::LatencyHistogram;

/// Where a batch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendedBatch {
    pub partition: u32,
    pub base_offset: u64,
    pub last_offset: u64,
    /// True when the batch was an idempotent producer's resend of a batch stored already: these
    /// are the offsets it got then, and nothing was written now.
    pub duplicate: bool,
    /// Bytes written now (0 for a duplicate).
    pub stored_bytes: u64,
}

impl AppendedBatch {
    /// Records written now (0 for a duplicate).
    pub fn stored_records(&self) -> u64 {
        if self.duplicate {
            0
        } else {
            self.last_offset - self.base_offset + 1
        }
    }
}

/// The answer to a fetch: whole batches plus where the log begins and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub batches: Vec<FetchedBatch>,
    /// The offset the next appended record will get; everything below it is readable.
    pub high_watermark: u64,
    pub log_start_offset: u64,
}

/// The answer to a raw fetch: whole batches exactly as stored, back to back, each laid out as
/// `batch.rs` tabulates (decode them with [`super::decode_batches`]); their CRCs were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFetch {
    pub batches: Vec<u8>,
    /// The offset the next appended record will get; everything below it is readable.
    pub high_watermark: u64,
    pub log_start_offset: u64,
}

/// Where a raw fetch's batches went in the caller's buffer (the last `len` bytes) and where the
/// log begins and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFetchBounds {
    pub len: usize,
    /// Records in the batches read (whole batches: a first one may begin before the offset asked).
    pub records: u64,
    /// The offset the next appended record will get; everything below it is readable.
    pub high_watermark: u64,
    pub log_start_offset: u64,
}

/// What a fetch read: each segment's batches, and the bounds the reads were made within.
struct Span {
    reads: Vec<(Arc<Segment>, RawRead)>,
    high_watermark: u64,
    log_start_offset: u64,
}

/// Which record [`Log::find_by_time`](super::Log::find_by_time) looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeQuery {
    /// The first record whose timestamp (ms) is at least this.
    AtOrAfter(i64),
    /// The record with the largest timestamp (the first of equals): Kafka's MAX_TIMESTAMP.
    MaxTimestamp,
}

/// Which offset [`Log::list_offset`](super::Log::list_offset) looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    /// The first record whose timestamp (ms) is at least this.
    Timestamp(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionDescription {
    pub partition: u32,
    pub log_start_offset: u64,
    pub high_watermark: u64,
    pub size_bytes: u64,
    pub segment_count: usize,
}

/// How a partition stores its data; a topic's altered settings replace it (see
/// [`Partition::set_config`]).
#[derive(Debug, Clone, Copy)]
pub struct PartitionConfig {
    pub segment_bytes: u32,
    /// Kafka's `segment.ms`: the active segment is closed at the first append this long after
    /// its first one.
    pub segment_age: Duration,
    pub index_interval_bytes: u32,
    pub flush: FlushPolicy,
}

#[derive(Debug)]
pub struct Partition {
    topic: String,
    id: u32,
    dir: PathBuf,
    config: Mutex<PartitionConfig>,
    /// Held for the whole of an append: one writer per partition. Holds the active segment.
    appender: Mutex<Arc<Segment>>,
    segments: RwLock<BTreeMap<u64, Arc<Segment>>>,
    high_watermark: AtomicU64,
    log_start_offset: AtomicU64,
    /// Set by appends, cleared by the interval flusher before it syncs.
    unflushed: AtomicBool,
    /// When the active segment's first batch was appended (ms), [`NO_TIMESTAMP`] while it is
    /// empty. After a restart, its newest record's timestamp stands in (a later roll, never an
    /// earlier one).
    active_since_ms: AtomicI64,
    /// What idempotent producers have stored here; taken after `appender`, only by appends.
    /// How long each sync of appended batches took (every-batch and interval flushes).
    flush_latency: LatencyHistogram,
    producers: Mutex<ProducerStates>,
}

impl Partition {
    /// Opens (recovering) or creates the partition stored in `dir`.
    pub fn open(
        dir: &Path,
        topic: &str,
        id: u32,
        config: PartitionConfig,
    ) -> Result<(Partition, PartitionRecovery), LogError> {
        std::fs::create_dir_all(dir).map_err(LogError::io("create partition directory", dir))?;
        let (recovered, actions) = recovery::recover_partition(dir, config.index_interval_bytes)?;
        for action in &actions {
            tracing::warn!(topic, partition = id, "recovery: {action}");
        }
        let mut segments: BTreeMap<u64, Arc<Segment>> = recovered
            .into_iter()
            .map(|parts| {
                (
                    parts.base_offset,
                    Arc::new(Segment::from_recovered(parts, config.index_interval_bytes)),
                )
            })
            .collect();
        if segments.is_empty() {
            segments.insert(0, Arc::new(Segment::create(dir, 0, config.index_interval_bytes)?));
        }
        let producers = rebuild_producer_states(segments.values())?;
        let active = Arc::clone(segments.values().next_back().expect("at least one segment"));
        let log_start_offset = *segments.keys().next().expect("at least one segment");
        let high_watermark = active.next_offset();
        let active_since_ms = if active.is_empty() {
            NO_TIMESTAMP
        } else {
            active.max_timestamp()
        };
        tracing::debug!(
            topic,
            partition = id,
            log_start_offset,
            high_watermark,
            "partition open"
        );
        let report = PartitionRecovery {
            topic: topic.to_owned(),
            partition: id,
            actions,
            log_start_offset,
            next_offset: high_watermark,
        };
        let partition = Partition {
            topic: topic.to_owned(),
            id,
            dir: dir.to_path_buf(),
            config: Mutex::new(config),
            appender: Mutex::new(active),
            segments: RwLock::new(segments),
            high_watermark: AtomicU64::new(high_watermark),
            log_start_offset: AtomicU64::new(log_start_offset),
            unflushed: AtomicBool::new(false),
            active_since_ms: AtomicI64::new(active_since_ms),
            producers: Mutex::new(producers),
            flush_latency: LatencyHistogram::default(),
        };
        Ok((partition, report))
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn high_watermark(&self) -> u64 {
        self.high_watermark.load(Ordering::Acquire)
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset.load(Ordering::Acquire)
    }

    pub fn flush_policy(&self) -> FlushPolicy {
        self.config().flush
    }

    fn config(&self) -> PartitionConfig {
        *self
            .config
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// In force from the next append (a segment already open keeps its index interval).
    pub fn set_config(&self, config: PartitionConfig) {
        *self
            .config
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
    }

    /// Appends `records` as one batch (encoded here, records without a timestamp getting
    /// `append_time_ms`); their offsets are consecutive from the returned base.
    pub fn append(&self, records: &[Record], append_time_ms: i64) -> Result<AppendedBatch, LogError> {
        if records.is_empty() {
            return Err(LogError::EmptyBatch {
                topic: self.topic.clone(),
                partition: self.id,
            });
        }
        let mut bytes = batch::encode(0, records, append_time_ms);
        self.check_size(&bytes)?;
        // `encode` has just computed the CRC: reading the header back is enough (and a second
        // CRC pass over every produced byte is not free).
        let header = batch::parse_header(&bytes).expect("a freshly encoded, size-checked batch parses");
        self.append_checked(&mut bytes, header, append_time_ms)
    }

    /// Appends a producer's encoded batch (Kafka's record batch v2) as it is, once it passes
    /// [`batch::validate_for_append`]; only its base offset is rewritten.
    pub fn append_batch(&self, mut bytes: Vec<u8>) -> Result<AppendedBatch, LogError> {
        self.check_size(&bytes)?;
        let header = batch::validate_for_append(&bytes).map_err(|defect| LogError::InvalidBatch {
            topic: self.topic.clone(),
            partition: self.id,
            reason: defect.to_string(),
        })?;
        self.append_checked(&mut bytes, header, now_ms())
    }

    fn check_size(&self, bytes: &[u8]) -> Result<(), LogError> {
        if bytes.len() > MAX_BATCH_BYTES {
            return Err(LogError::BatchTooLarge {
                topic: self.topic.clone(),
                partition: self.id,
                size: bytes.len(),
                limit: MAX_BATCH_BYTES,
            });
        }
        Ok(())
    }

    /// Gives a checked batch its base offset and stores it, unless it is a batch of an
    /// idempotent producer stored already (answered with the offsets it got then) or out of its
    /// producer's order (refused); see `producers.rs`.
    fn append_checked(
        &self,
        bytes: &mut [u8],
        mut header: BatchHeader,
        append_time_ms: i64,
    ) -> Result<AppendedBatch, LogError> {
        let mut active = self.lock_appender();
        let mut producers = self.producers.lock().unwrap_or_else(|p| p.into_inner());
        match producers.check(&header) {
            Ok(SequenceCheck::Append) => {}
            Ok(SequenceCheck::Duplicate(stored)) => {
                tracing::debug!(
                    topic = self.topic,
                    partition = self.id,
                    producer_id = header.producer_id,
                    sequence = header.base_sequence,
                    base_offset = stored.base_offset,
                    "duplicate batch answered with its first offsets"
                );
                return Ok(AppendedBatch {
                    partition: self.id,
                    base_offset: stored.base_offset,
                    last_offset: stored.last_offset,
                    duplicate: true,
                    stored_bytes: 0,
                });
            }
            Err(refusal) => return Err(self.sequence_error(refusal)),
        }
        let base_offset = self.high_watermark();
        batch::set_base_offset(bytes, base_offset);
        header.base_offset = base_offset;
        let bytes = &*bytes;
        let since = self.active_since_ms.load(Ordering::Acquire);
        let config = self.config();
        let full = active.size() + bytes.len() as u64 > u64::from(config.segment_bytes);
        let aged = since != NO_TIMESTAMP
            && append_time_ms.saturating_sub(since) >= config.segment_age.as_millis() as i64;
        if !active.is_empty() && (full || aged) {
            *active = self.roll(&active, base_offset)?;
        }
        let first_in_segment = active.is_empty();
        active.write(bytes, &header)?;
        if first_in_segment || since == NO_TIMESTAMP {
            self.active_since_ms.store(append_time_ms, Ordering::Release);
        }
        if config.flush == FlushPolicy::EveryBatch {
            self.timed_sync(&active)?;
        } else {
            self.unflushed.store(true, Ordering::Release);
        }
        active.publish(&header);
        let now = now_ms();
        producers.record(&header, now);
        let forgotten = producers.expire(now);
        if forgotten > 0 {
            tracing::debug!(
                topic = self.topic,
                partition = self.id,
                forgotten,
                "forgot producers idle for a day"
            );
        }
        self.high_watermark.store(header.next_offset(), Ordering::Release);
        Ok(AppendedBatch {
            partition: self.id,
            base_offset,
            last_offset: header.last_offset(),
            duplicate: false,
            stored_bytes: bytes.len() as u64,
        })
    }

    fn sequence_error(&self, refusal: SequenceError) -> LogError {
        let (topic, partition) = (self.topic.clone(), self.id);
        match refusal {
            SequenceError::StaleEpoch {
                producer_id,
                current,
                found,
            } => LogError::InvalidProducerEpoch {
                topic,
                partition,
                producer_id,
                current,
                found,
            },
            SequenceError::OutOfOrder {
                producer_id,
                epoch,
                expected,
                found,
            } => LogError::OutOfOrderSequence {
                topic,
                partition,
                producer_id,
                epoch,
                expected,
                found,
            },
        }
    }

    /// Starts a new segment at `base_offset`, making the old one durable first unless the OS
    /// is trusted with flushing.
    fn roll(&self, old: &Segment, base_offset: u64) -> Result<Arc<Segment>, LogError> {
        let config = self.config();
        if config.flush != FlushPolicy::Os {
            old.sync_all()?;
        }
        let segment = Arc::new(Segment::create(
            &self.dir,
            base_offset,
            config.index_interval_bytes,
        )?);
        self.write_segments().insert(base_offset, Arc::clone(&segment));
        self.active_since_ms.store(NO_TIMESTAMP, Ordering::Release);
        tracing::debug!(
            topic = self.topic,
            partition = self.id,
            base_offset,
            "rolled to a new segment"
        );
        Ok(segment)
    }

    /// Reads whole batches from `offset` within about `max_bytes` (at least one batch if any).
    pub fn fetch(&self, offset: u64, max_bytes: u64) -> Result<Fetch, LogError> {
        let mut buffer = ReadBuffer::new();
        let Span {
            reads,
            high_watermark,
            log_start_offset,
        } = self.read_span(offset, max_bytes, &mut buffer)?;
        let mut batches: Vec<FetchedBatch> = Vec::new();
        for (segment, read) in reads {
            let mut cursor = read.start;
            for header in &read.headers {
                let bytes = &buffer.as_slice()[cursor..cursor + header.size];
                let records = batch::decode_records(bytes).map_err(|defect| {
                    segment.corrupt(read.position + (cursor - read.start) as u64, defect)
                })?;
                batches.push(FetchedBatch {
                    base_offset: header.base_offset,
                    size: header.size,
                    records,
                });
                cursor += header.size;
            }
        }
        Ok(Fetch {
            batches,
            high_watermark,
            log_start_offset,
        })
    }

    /// As [`Partition::fetch`], but the batches stay as stored (CRC-checked, not decoded).
    pub fn fetch_raw(&self, offset: u64, max_bytes: u64) -> Result<RawFetch, LogError> {
        let mut buffer = ReadBuffer::new();
        let span = self.read_span(offset, max_bytes, &mut buffer)?;
        for (segment, read) in &span.reads {
            read.verify(segment, buffer.as_slice())?;
        }
        Ok(RawFetch {
            batches: buffer.into_vec(),
            high_watermark: span.high_watermark,
            log_start_offset: span.log_start_offset,
        })
    }

    /// As [`Partition::fetch_raw`], the batches appended to `out` (which keeps its content
    /// before them; on an error nothing is appended), and their CRCs are NOT checked: this is
    /// for readers that check every batch themselves (a consumer does, end to end), so the bytes
    /// are not read twice on the way out. Batches were checked when appended and at recovery.
    pub fn fetch_raw_into(
        &self,
        offset: u64,
        max_bytes: u64,
        out: &mut ReadBuffer,
    ) -> Result<RawFetchBounds, LogError> {
        let mark = out.len();
        match self.read_span(offset, max_bytes, out) {
            Ok(span) => Ok(RawFetchBounds {
                len: out.len() - mark,
                records: span
                    .reads
                    .iter()
                    .flat_map(|(_, read)| &read.headers)
                    .map(|header| u64::from(header.record_count))
                    .sum(),
                high_watermark: span.high_watermark,
                log_start_offset: span.log_start_offset,
            }),
            Err(error) => {
                out.truncate(mark);
                Err(error)
            }
        }
    }

    /// The segment reads of a fetch, appended to `out`, with the high watermark and log start
    /// they were made at.
    fn read_span(&self, offset: u64, max_bytes: u64, out: &mut ReadBuffer) -> Result<Span, LogError> {
        let log_start_offset = self.log_start_offset();
        let high_watermark = self.high_watermark();
        if offset < log_start_offset || offset > high_watermark {
            return Err(self.out_of_range(offset, log_start_offset, high_watermark));
        }
        // Fill the budget across segments; only the very first batch may exceed it.
        let mut reads = Vec::new();
        let mut remaining = max_bytes;
        let mut next_offset = offset;
        for segment in self.segments_from(offset) {
            let read =
                segment.read_raw_into(next_offset, remaining, high_watermark, reads.is_empty(), out)?;
            if let Some(last) = read.headers.last() {
                next_offset = last.next_offset();
            }
            remaining = remaining.saturating_sub(read.len as u64);
            let segment_exhausted = segment.next_offset() <= next_offset;
            let got_any = !read.headers.is_empty();
            if got_any {
                reads.push((Arc::clone(&segment), read));
            }
            if remaining == 0 || next_offset >= high_watermark || (!reads.is_empty() && !segment_exhausted) {
                break;
            }
        }
        Ok(Span {
            reads,
            high_watermark,
            log_start_offset,
        })
    }

    /// Earliest, latest, or the first offset at or after a timestamp (`None` if there is none).
    pub fn list_offset(&self, spec: OffsetSpec) -> Result<Option<u64>, LogError> {
        match spec {
            OffsetSpec::Earliest => Ok(Some(self.log_start_offset())),
            OffsetSpec::Latest => Ok(Some(self.high_watermark())),
            OffsetSpec::Timestamp(timestamp) => Ok(self
                .find_by_time(TimeQuery::AtOrAfter(timestamp))?
                .map(|(offset, _)| offset)),
        }
    }

    /// The offset and timestamp of the record `query` looks for, from the time index (a
    /// compressed batch answers with its first offset and its max timestamp).
    pub fn find_by_time(&self, query: TimeQuery) -> Result<Option<(u64, i64)>, LogError> {
        let high_watermark = self.high_watermark();
        let segments = self.segments_from(self.log_start_offset());
        let found = match query {
            TimeQuery::AtOrAfter(timestamp) => {
                let mut found = None;
                for segment in segments {
                    found = segment.find_by_timestamp(timestamp)?;
                    if found.is_some() {
                        break;
                    }
                }
                found
            }
            TimeQuery::MaxTimestamp => {
                // Each segment knows its largest timestamp: only the first segment holding the
                // largest of all is searched, from its time index.
                let newest = segments
                    .into_iter()
                    .fold(None::<Arc<Segment>>, |best, segment| match best {
                        Some(best) if best.max_timestamp() >= segment.max_timestamp() => Some(best),
                        _ => Some(segment),
                    });
                match newest {
                    Some(segment) if segment.max_timestamp() != NO_TIMESTAMP => {
                        segment.find_by_timestamp(segment.max_timestamp())?
                    }
                    _ => None,
                }
            }
        };
        Ok(found.filter(|(offset, _)| *offset < high_watermark))
    }

    /// Deletes whole segments, oldest first, while they are older than `max_age` or the rest
    /// still holds `max_bytes`. An active segment whose every record is older than `max_age` is
    /// first closed (a new empty one takes its place, as Kafka rolls before deleting the last
    /// segment), so a partition that no longer receives records still loses its old data.
    /// Returns the deleted base offsets.
    pub fn apply_retention(
        &self,
        max_bytes: Option<u64>,
        max_age: Option<Duration>,
        now_ms: i64,
    ) -> Result<Vec<u64>, LogError> {
        // An append in progress means the partition is not quiet: no wait for its lock.
        if let (Some(age), Ok(mut active)) = (max_age, self.appender.try_lock()) {
            let expired = !active.is_empty()
                && active.max_timestamp() != NO_TIMESTAMP
                && now_ms.saturating_sub(active.max_timestamp()) > age.as_millis() as i64;
            if expired {
                let next = self.high_watermark();
                *active = self.roll(&active, next)?;
            }
        }
        let removed: Vec<Arc<Segment>> = {
            let mut segments = self.write_segments();
            let mut remaining_bytes: u64 = segments.values().map(|s| s.size()).sum();
            let mut doomed = Vec::new();
            for segment in segments.values().take(segments.len().saturating_sub(1)) {
                let too_old = max_age.is_some_and(|age| {
                    segment.max_timestamp() != NO_TIMESTAMP
                        && now_ms.saturating_sub(segment.max_timestamp()) > age.as_millis() as i64
                });
                let over_size = max_bytes.is_some_and(|limit| remaining_bytes - segment.size() >= limit);
                if !(too_old || over_size) {
                    break;
                }
                remaining_bytes -= segment.size();
                doomed.push(segment.base_offset());
            }
            let removed: Vec<_> = doomed.iter().filter_map(|base| segments.remove(base)).collect();
            if let Some(first) = segments.keys().next() {
                self.log_start_offset.store(*first, Ordering::Release);
            }
            removed
        };
        // Files go after the lock is released; readers still holding a segment keep reading it.
        for segment in &removed {
            segment.delete_files()?;
            tracing::info!(
                topic = self.topic,
                partition = self.id,
                base_offset = segment.base_offset(),
                "retention deleted segment"
            );
        }
        Ok(removed.iter().map(|s| s.base_offset()).collect())
    }

    /// Syncs the active segment if anything was appended since the last flush.
    pub fn flush_if_dirty(&self) -> Result<(), LogError> {
        if self.unflushed.swap(false, Ordering::AcqRel) {
            let active = Arc::clone(&self.lock_appender());
            if let Err(error) = self.timed_sync(&active) {
                self.unflushed.store(true, Ordering::Release);
                return Err(error);
            }
        }
        Ok(())
    }

    /// True while an append waits for an interval or OS flush.
    #[cfg(test)]
    pub fn has_unflushed_appends(&self) -> bool {
        self.unflushed.load(Ordering::Acquire)
    }

    /// Syncs the active segment's appended batches, timing it.
    fn timed_sync(&self, active: &Segment) -> Result<(), LogError> {
        let started = std::time::Instant::now();
        let synced = active.sync();
        self.flush_latency.observe(started.elapsed());
        synced
    }

    /// How long syncs of appended batches have taken.
    pub fn flush_latency(&self) -> &LatencyHistogram {
        &self.flush_latency
    }

    /// Syncs every segment and index (on close).
    pub fn flush_all(&self) -> Result<(), LogError> {
        let _appends_paused = self.lock_appender();
        self.unflushed.store(false, Ordering::Release);
        for segment in self.read_segments().values() {
            segment.sync_all()?;
        }
        Ok(())
    }

    pub fn describe(&self) -> PartitionDescription {
        let segments = self.read_segments();
        PartitionDescription {
            partition: self.id,
            log_start_offset: self.log_start_offset(),
            high_watermark: self.high_watermark(),
            size_bytes: segments.values().map(|s| s.size()).sum(),
            segment_count: segments.len(),
        }
    }

    /// The segment holding `offset` (if still present) and every later one.
    fn segments_from(&self, offset: u64) -> Vec<Arc<Segment>> {
        let segments = self.read_segments();
        let first = segments
            .range(..=offset)
            .next_back()
            .map_or(offset, |(base, _)| *base);
        segments
            .range(first..)
            .map(|(_, segment)| Arc::clone(segment))
            .collect()
    }

    fn out_of_range(&self, offset: u64, log_start_offset: u64, high_watermark: u64) -> LogError {
        LogError::OffsetOutOfRange {
            topic: self.topic.clone(),
            partition: self.id,
            offset,
            log_start_offset,
            high_watermark,
        }
    }

    // A panic while holding these locks leaves the data itself consistent (nothing is published
    // until complete), so a poisoned lock is taken over rather than propagated.
    fn lock_appender(&self) -> MutexGuard<'_, Arc<Segment>> {
        self.appender
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read_segments(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u64, Arc<Segment>>> {
        self.segments
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_segments(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<u64, Arc<Segment>>> {
        self.segments
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The producer state of a partition's batches, rebuilt from their headers (see `producers.rs`).
fn rebuild_producer_states<'a>(
    segments: impl Iterator<Item = &'a Arc<Segment>>,
) -> Result<ProducerStates, LogError> {
    let mut states = ProducerStates::default();
    for segment in segments {
        segment.for_each_header(|header| states.record(header, header.max_timestamp))?;
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(segment_bytes: u32) -> PartitionConfig {
        PartitionConfig {
            segment_bytes,
            segment_age: Duration::from_secs(3600),
            index_interval_bytes: 64,
            flush: FlushPolicy::Os,
        }
    }

    fn values(fetch: &Fetch) -> Vec<(u64, Vec<u8>)> {
        fetch
            .batches
            .iter()
            .flat_map(|b| b.records.iter().map(|r| (r.offset, r.value.clone())))
            .collect()
    }

    #[test]
    fn appends_get_consecutive_offsets_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(1 << 20)).unwrap();
        let first = partition
            .append(&[Record::new("a"), Record::new("b")], 1)
            .unwrap();
        let second = partition.append(&[Record::new("c")], 1).unwrap();
        assert_eq!(
            (first.base_offset, first.last_offset, second.base_offset),
            (0, 1, 2)
        );
        let fetch = partition.fetch(0, u64::MAX).unwrap();
        assert_eq!(
            values(&fetch),
            [(0, b"a".to_vec()), (1, b"b".to_vec()), (2, b"c".to_vec())]
        );
        assert_eq!((fetch.high_watermark, fetch.log_start_offset), (3, 0));
    }

    #[test]
    fn out_of_range_offsets_are_errors_and_the_end_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(1 << 20)).unwrap();
        partition.append(&[Record::new("a")], 1).unwrap();
        assert!(partition.fetch(1, 100).unwrap().batches.is_empty());
        let error = partition.fetch(2, 100).unwrap_err();
        assert!(
            matches!(
                error,
                LogError::OffsetOutOfRange {
                    offset: 2,
                    high_watermark: 1,
                    ..
                }
            ),
            "{error}"
        );
        assert!(matches!(
            partition.append(&[], 1),
            Err(LogError::EmptyBatch { .. })
        ));
    }

    #[test]
    fn a_batch_that_fails_its_checks_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(1 << 20)).unwrap();
        let good = batch::encode(0, &[Record::new("ok")], 1);
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut two = good.clone();
        two.extend_from_slice(&good);
        for (bad, want) in [
            (flipped, "checksum"),
            (two, "exactly one batch"),
            (vec![0; 10], "needs 61 bytes"),
        ] {
            let error = partition.append_batch(bad).unwrap_err();
            assert!(matches!(error, LogError::InvalidBatch { .. }), "{error}");
            assert!(error.to_string().contains(want), "{error}");
        }
        assert_eq!(
            partition.high_watermark(),
            0,
            "no part of a refused batch is stored"
        );
        // Kafka's layout has no 16-bit limits: 70,000 headers or a 70,000-byte name are stored.
        let mut many = Record::new("v").with_header("n".repeat(70_000), "x");
        for i in 0..70_000 {
            many = many.with_header(format!("h{i}"), "");
        }
        partition.append(&[Record::new("ok"), many], 1).unwrap();
        partition.append_batch(good).unwrap();
        let fetched = partition.fetch(0, 1 << 20).unwrap();
        assert_eq!(fetched.batches[0].records[1].headers.len(), 70_001);
        assert_eq!(fetched.batches[1].records[0].offset, 2);
        assert_eq!(fetched.batches[1].records[0].value, b"ok");
    }

    #[test]
    fn segments_roll_and_reads_cross_them() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(200)).unwrap();
        for i in 0..20u64 {
            partition
                .append(&[Record::new(format!("value-{i:04}"))], 1)
                .unwrap();
        }
        assert!(partition.describe().segment_count > 3);
        let mut offset = 0;
        let mut seen = Vec::new();
        while offset < partition.high_watermark() {
            let fetch = partition.fetch(offset, 1).unwrap();
            let batch_values = values(&fetch);
            offset = batch_values.last().unwrap().0 + 1;
            seen.extend(batch_values);
        }
        assert_eq!(seen.len(), 20);
        assert!(seen.iter().enumerate().all(
            |(i, (offset, value))| *offset == i as u64 && *value == format!("value-{i:04}").into_bytes()
        ));
    }

    #[test]
    fn list_offsets_by_earliest_latest_and_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(150)).unwrap();
        for (i, timestamp) in [100, 200, 300, 400].into_iter().enumerate() {
            partition
                .append(&[Record::new(format!("v{i}")).with_timestamp(timestamp)], 0)
                .unwrap();
        }
        assert_eq!(partition.list_offset(OffsetSpec::Earliest).unwrap(), Some(0));
        assert_eq!(partition.list_offset(OffsetSpec::Latest).unwrap(), Some(4));
        assert_eq!(
            partition.list_offset(OffsetSpec::Timestamp(250)).unwrap(),
            Some(2)
        );
        assert_eq!(
            partition.list_offset(OffsetSpec::Timestamp(100)).unwrap(),
            Some(0)
        );
        assert_eq!(partition.list_offset(OffsetSpec::Timestamp(401)).unwrap(), None);
    }

    #[test]
    fn time_lookups_give_the_offset_and_timestamp_of_the_record_found() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(150)).unwrap();
        assert_eq!(partition.find_by_time(TimeQuery::MaxTimestamp).unwrap(), None);
        // Out of order, across segments of 150 bytes: the largest is at offset 1.
        for (i, timestamp) in [100, 500, 300, 400, 500].into_iter().enumerate() {
            partition
                .append(&[Record::new(format!("v{i}")).with_timestamp(timestamp)], 0)
                .unwrap();
        }
        assert!(partition.segments_from(0).len() > 1, "the records span segments");
        assert_eq!(
            partition.find_by_time(TimeQuery::AtOrAfter(250)).unwrap(),
            Some((1, 500))
        );
        assert_eq!(
            partition.find_by_time(TimeQuery::AtOrAfter(301)).unwrap(),
            Some((1, 500))
        );
        assert_eq!(
            partition.find_by_time(TimeQuery::MaxTimestamp).unwrap(),
            Some((1, 500))
        );
        assert_eq!(partition.find_by_time(TimeQuery::AtOrAfter(501)).unwrap(), None);
    }

    #[test]
    fn retention_by_size_and_age_deletes_whole_old_segments() {
        let dir = tempfile::tempdir().unwrap();
        // 100 bytes hold one of these batches but not two, so each record gets a segment.
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(100)).unwrap();
        for i in 0..10i64 {
            partition
                .append(&[Record::new(format!("value-{i}")).with_timestamp(i * 1000)], 0)
                .unwrap();
        }
        let before = partition.describe();
        assert!(before.segment_count >= 5, "{before:?}");
        // Age: segments whose newest record is more than 5.5 s older than "now" = 10 s.
        let deleted = partition
            .apply_retention(None, Some(Duration::from_millis(5500)), 10_000)
            .unwrap();
        assert!(!deleted.is_empty());
        let start = partition.log_start_offset();
        assert_eq!(start, *deleted.last().unwrap() + 1);
        assert!(matches!(
            partition.fetch(0, 10),
            Err(LogError::OffsetOutOfRange { .. })
        ));
        assert_eq!(values(&partition.fetch(start, u64::MAX).unwrap())[0].0, start);
        // Size: keep at least one segment's worth.
        partition.apply_retention(Some(1), None, 10_000).unwrap();
        assert_eq!(
            partition.describe().segment_count,
            1,
            "only the active segment is left"
        );
        assert_eq!(partition.high_watermark(), 10);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "one segment's three files remain"
        );
    }

    #[test]
    fn reopening_keeps_offsets_and_timestamps() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (partition, _) = Partition::open(dir.path(), "t", 0, config(150)).unwrap();
            for i in 0..6 {
                partition
                    .append(&[Record::new(format!("v{i}")).with_timestamp(i * 10)], 0)
                    .unwrap();
            }
            partition.flush_all().unwrap();
        }
        let (partition, report) = Partition::open(dir.path(), "t", 0, config(150)).unwrap();
        assert!(
            report.actions.is_empty(),
            "clean reopen needs no repair: {:?}",
            report.actions
        );
        assert_eq!(report.next_offset, 6);
        assert_eq!(partition.append(&[Record::new("v6")], 0).unwrap().base_offset, 6);
        assert_eq!(partition.list_offset(OffsetSpec::Timestamp(25)).unwrap(), Some(3));
    }

    #[test]
    fn a_held_append_lock_blocks_neither_other_partitions_nor_readers() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = Partition::open(&dir.path().join("0"), "t", 0, config(1 << 20)).unwrap();
        let (second, _) = Partition::open(&dir.path().join("1"), "t", 1, config(1 << 20)).unwrap();
        first.append(&[Record::new("a")], 0).unwrap();
        let _first_appending = first.lock_appender();
        // Same thread: if either call needed the held lock, this test would deadlock, not pass.
        second.append(&[Record::new("b")], 0).unwrap();
        assert_eq!(values(&first.fetch(0, 100).unwrap()), [(0, b"a".to_vec())]);
        assert_eq!(first.list_offset(OffsetSpec::Latest).unwrap(), Some(1));
    }

    #[test]
    fn age_retention_rolls_and_deletes_a_quiet_partitions_expired_active_segment() {
        let dir = tempfile::tempdir().unwrap();
        let (partition, _) = Partition::open(dir.path(), "t", 0, config(1 << 20)).unwrap();
        for i in 0..3i64 {
            partition
                .append(&[Record::new(format!("old-{i}")).with_timestamp(1000 + i)], 1000)
                .unwrap();
        }
        // Younger than the age: kept.
        assert!(
            partition
                .apply_retention(None, Some(Duration::from_secs(5)), 5000)
                .unwrap()
                .is_empty()
        );
        let deleted = partition
            .apply_retention(None, Some(Duration::from_secs(5)), 100_000)
            .unwrap();
        assert_eq!(deleted, [0]);
        assert_eq!(partition.log_start_offset(), 3);
        assert_eq!(partition.high_watermark(), 3);
        assert_eq!(partition.describe().segment_count, 1);
        assert!(matches!(
            partition.fetch(0, 100),
            Err(LogError::OffsetOutOfRange { .. })
        ));
        assert_eq!(
            partition
                .append(&[Record::new("new")], 100_000)
                .unwrap()
                .base_offset,
            3
        );
        assert_eq!(values(&partition.fetch(3, 100).unwrap()), [(3, b"new".to_vec())]);
    }

    #[test]
    fn segment_ms_closes_the_active_segment_at_the_first_append_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = PartitionConfig {
            segment_age: Duration::from_millis(1000),
            ..config(1 << 20)
        };
        let (partition, _) = Partition::open(dir.path(), "t", 0, config).unwrap();
        partition.append(&[Record::new("a")], 10_000).unwrap();
        partition.append(&[Record::new("b")], 10_999).unwrap();
        assert_eq!(partition.describe().segment_count, 1);
        partition.append(&[Record::new("c")], 11_000).unwrap();
        assert_eq!(partition.describe().segment_count, 2);
        // The new segment's clock starts at its own first append.
        partition.append(&[Record::new("d")], 11_999).unwrap();
        assert_eq!(partition.describe().segment_count, 2);
        partition.append(&[Record::new("e")], 12_000).unwrap();
        assert_eq!(partition.describe().segment_count, 3);
        let all = values(&partition.fetch(0, u64::MAX).unwrap());
        assert_eq!(all.len(), 5);
    }
}
