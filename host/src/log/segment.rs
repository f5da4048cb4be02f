//! One segment: a `.log` file of batches plus its offset and time indexes.
//!
//! Files are named by the segment's base offset, zero-padded to 20 digits
//! (`00000000000000001000.log`, `.index`, `.timeindex`), so a directory listing sorts by offset.
//! The `.log` file is nothing but [batches](super::batch), back to back from byte 0, as in
//! Kafka's own segment files; the indexes keep Regroup's [file header](super::file_header).
//!
//! Writes happen only under the partition's append lock; reads take no lock on the file and
//! stop at `size`, which is advanced only after a whole batch is written (and synced, when the
//! flush policy asks), so a reader never sees part of a batch.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::batch::{self, BATCH_HEADER_LEN, BatchHeader};
use super::buffer::ReadBuffer;
use super::compression::Compression;
use super::durable_fs::sync_dir;
use super::error::LogError;
use super::file_header::FileKind;
use super::index::{IndexFile, OffsetEntry, TimeEntry};
use super::record::StoredRecord;

/// Timestamp of a segment that holds no record yet.
pub const NO_TIMESTAMP: i64 = i64::MIN;

/// The three files of the segment starting at `base_offset`.
#[derive(Debug, Clone)]
pub struct SegmentPaths {
    pub log: PathBuf,
    pub offset_index: PathBuf,
    pub time_index: PathBuf,
}

impl SegmentPaths {
    pub fn new(dir: &Path, base_offset: u64) -> Self {
        SegmentPaths {
            log: dir.join(format!("{base_offset:020}.log")),
            offset_index: dir.join(format!("{base_offset:020}.index")),
            time_index: dir.join(format!("{base_offset:020}.timeindex")),
        }
    }
}

/// Recognises a segment file name: 20 digits and one of the three extensions.
pub fn parse_file_name(name: &str) -> Option<(u64, FileKind)> {
    let (stem, extension) = name.split_once('.')?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kind = match extension {
        "log" => FileKind::Log,
        "index" => FileKind::OffsetIndex,
        "timeindex" => FileKind::TimeIndex,
        _ => return None,
    };
    Some((stem.parse().ok()?, kind))
}

/// Everything recovery establishes about a segment before it goes live.
pub struct RecoveredSegment {
    pub base_offset: u64,
    pub paths: SegmentPaths,
    pub log: File,
    pub size: u64,
    pub next_offset: u64,
    pub max_timestamp: i64,
    pub offset_index: IndexFile<OffsetEntry>,
    pub time_index: IndexFile<TimeEntry>,
    pub bytes_since_index_entry: u64,
}

#[derive(Debug)]
struct Indexes {
    offsets: IndexFile<OffsetEntry>,
    times: IndexFile<TimeEntry>,
    bytes_since_entry: u64,
}

#[derive(Debug)]
pub struct Segment {
    base_offset: u64,
    paths: SegmentPaths,
    log: File,
    /// Bytes of complete, published batches.
    size: AtomicU64,
    next_offset: AtomicU64,
    max_timestamp: AtomicI64,
    indexes: RwLock<Indexes>,
    index_interval_bytes: u64,
}

impl Segment {
    /// Creates the files of a new, empty segment and makes them durable.
    pub fn create(dir: &Path, base_offset: u64, index_interval_bytes: u32) -> Result<Segment, LogError> {
        let paths = SegmentPaths::new(dir, base_offset);
        let log = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&paths.log)
            .map_err(LogError::io("create segment", &paths.log))?;
        log.sync_all()
            .map_err(LogError::io("sync new segment", &paths.log))?;
        let offset_index = IndexFile::write_new(&paths.offset_index, base_offset, Vec::new())?;
        let time_index = IndexFile::write_new(&paths.time_index, base_offset, Vec::new())?;
        sync_dir(dir)?;
        Ok(Segment::from_recovered(
            RecoveredSegment {
                base_offset,
                paths,
                log,
                size: 0,
                next_offset: base_offset,
                max_timestamp: NO_TIMESTAMP,
                offset_index,
                time_index,
                bytes_since_index_entry: 0,
            },
            index_interval_bytes,
        ))
    }

    pub fn from_recovered(parts: RecoveredSegment, index_interval_bytes: u32) -> Segment {
        Segment {
            base_offset: parts.base_offset,
            paths: parts.paths,
            log: parts.log,
            size: AtomicU64::new(parts.size),
            next_offset: AtomicU64::new(parts.next_offset),
            max_timestamp: AtomicI64::new(parts.max_timestamp),
            indexes: RwLock::new(Indexes {
                offsets: parts.offset_index,
                times: parts.time_index,
                bytes_since_entry: parts.bytes_since_index_entry,
            }),
            index_interval_bytes: u64::from(index_interval_bytes.max(1)),
        }
    }

    pub fn base_offset(&self) -> u64 {
        self.base_offset
    }

    pub fn next_offset(&self) -> u64 {
        self.next_offset.load(Ordering::Acquire)
    }

    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.next_offset() == self.base_offset
    }

    /// Writes an encoded batch after the last one and indexes it, without publishing it.
    /// Caller holds the partition's append lock and calls [`Segment::publish`] afterwards.
    pub fn write(&self, bytes: &[u8], header: &BatchHeader) -> Result<(), LogError> {
        let position = self.size();
        if let Err(error) = self.log.write_all_at(bytes, position) {
            // Drop whatever part landed, so the file never ends in a torn batch we could avoid.
            let _ = self.log.set_len(position);
            return Err(LogError::io("append to segment", &self.paths.log)(error));
        }
        let mut indexes = self
            .indexes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if indexes.offsets.entries().is_empty() || indexes.bytes_since_entry >= self.index_interval_bytes {
            let relative_offset = (header.base_offset - self.base_offset) as u32;
            indexes.offsets.append(OffsetEntry {
                relative_offset,
                position: position as u32,
            })?;
            let running_max = self.max_timestamp().max(header.max_timestamp);
            if indexes
                .times
                .last()
                .is_none_or(|last| running_max > last.timestamp)
            {
                indexes.times.append(TimeEntry {
                    timestamp: running_max,
                    relative_offset,
                })?;
            }
            indexes.bytes_since_entry = 0;
        }
        indexes.bytes_since_entry += bytes.len() as u64;
        Ok(())
    }

    /// Makes a written batch visible to readers.
    pub fn publish(&self, header: &BatchHeader) {
        self.max_timestamp
            .fetch_max(header.max_timestamp, Ordering::AcqRel);
        self.next_offset.store(header.next_offset(), Ordering::Release);
        self.size.fetch_add(header.size as u64, Ordering::AcqRel);
    }

    /// Forces written batches to stable storage.
    pub fn sync(&self) -> Result<(), LogError> {
        self.log
            .sync_data()
            .map_err(LogError::io("sync segment", &self.paths.log))
    }

    /// Forces the log and both indexes to stable storage (on roll and on close).
    pub fn sync_all(&self) -> Result<(), LogError> {
        self.sync()?;
        let indexes = self
            .indexes
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        indexes.offsets.sync()?;
        indexes.times.sync()
    }

    /// Reads whole batches holding `from_offset` and after, below `end_offset`, within `max_bytes`.
    /// With `at_least_one`, the first batch is returned even if it alone exceeds the budget.
    #[cfg(test)]
    pub fn read(
        &self,
        from_offset: u64,
        max_bytes: u64,
        end_offset: u64,
        at_least_one: bool,
    ) -> Result<Vec<FetchedBatch>, LogError> {
        let mut buffer = ReadBuffer::new();
        let raw = self.read_raw_into(from_offset, max_bytes, end_offset, at_least_one, &mut buffer)?;
        let mut batches = Vec::with_capacity(raw.headers.len());
        let mut cursor = raw.start;
        for header in &raw.headers {
            let bytes = &buffer.as_slice()[cursor..cursor + header.size];
            let records = batch::decode_records(bytes)
                .map_err(|defect| self.corrupt(raw.position + (cursor - raw.start) as u64, defect))?;
            batches.push(FetchedBatch {
                base_offset: header.base_offset,
                size: header.size,
                records,
            });
            cursor += header.size;
        }
        Ok(batches)
    }

    /// As [`Segment::read`], but the batches stay as stored, appended to `out` back to back
    /// (`out` is not touched when there are none). Only their headers are parsed; the CRCs are
    /// not checked. Reading into a reused buffer costs no allocation, no page fault, no zeroing.
    pub fn read_raw_into(
        &self,
        from_offset: u64,
        max_bytes: u64,
        end_offset: u64,
        at_least_one: bool,
        out: &mut ReadBuffer,
    ) -> Result<RawRead, LogError> {
        let start = out.len();
        let nothing = RawRead {
            position: 0,
            start,
            len: 0,
            headers: Vec::new(),
        };
        let size = self.size();
        let Some(position) = self.first_batch_ending_after(from_offset, size)? else {
            return Ok(nothing);
        };
        let first = self.read_header(position, size)?;
        if !at_least_one && first.size as u64 > max_bytes {
            return Ok(nothing);
        }
        let budget = max_bytes.max(first.size as u64).min(size - position) as usize;
        self.log
            .read_exact_at(out.spare(budget), position)
            .map_err(LogError::io("read segment", &self.paths.log))?;
        let bytes = &out.spare(budget)[..];
        let mut headers = Vec::new();
        let mut cursor = 0usize;
        while bytes.len() - cursor >= BATCH_HEADER_LEN {
            let header = batch::parse_header(&bytes[cursor..])
                .map_err(|defect| self.corrupt(position + cursor as u64, defect))?;
            if header.base_offset >= end_offset || header.size > bytes.len() - cursor {
                break;
            }
            headers.push(header);
            cursor += header.size;
        }
        out.commit(cursor);
        Ok(RawRead {
            position,
            start,
            len: cursor,
            headers,
        })
    }

    /// Hands every published batch's header to `each`, oldest first, reading only the headers
    /// (a window of small batches at once; one header per read when batches are large).
    pub fn for_each_header(&self, mut each: impl FnMut(&BatchHeader)) -> Result<(), LogError> {
        const WINDOW: usize = 64 * 1024;
        let size = self.size();
        let mut window = vec![0u8; WINDOW];
        let (mut window_start, mut window_len) = (0u64, 0usize);
        let mut position = 0u64;
        let mut last_size = 0usize;
        while position < size {
            let in_window = position >= window_start
                && position + BATCH_HEADER_LEN as u64 <= window_start + window_len as u64;
            if !in_window {
                // Large batches: read just the next header; small ones: a window of them.
                let want = if last_size > WINDOW / 8 {
                    BATCH_HEADER_LEN
                } else {
                    WINDOW
                };
                window_len = want.min((size - position) as usize);
                self.log
                    .read_exact_at(&mut window[..window_len], position)
                    .map_err(LogError::io("read segment", &self.paths.log))?;
                window_start = position;
            }
            let at = (position - window_start) as usize;
            let header = batch::parse_header(&window[at..window_len])
                .map_err(|defect| self.corrupt(position, defect))?;
            each(&header);
            last_size = header.size;
            position += header.size as u64;
        }
        Ok(())
    }

    /// The offset and timestamp of the first record whose timestamp is at least `timestamp`;
    /// for a compressed batch, the batch's first offset and max timestamp (its records are not
    /// decompressed here).
    pub fn find_by_timestamp(&self, timestamp: i64) -> Result<Option<(u64, i64)>, LogError> {
        if self.max_timestamp() < timestamp {
            return Ok(None);
        }
        let size = self.size();
        let start_position = {
            let indexes = self
                .indexes
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            indexes
                .times
                .scan_start_for(timestamp)
                .and_then(|relative| indexes.offsets.position_at_or_before(relative))
                .map_or(0, u64::from)
        };
        let mut position = start_position;
        while position < size {
            let header = self.read_header(position, size)?;
            if header.max_timestamp >= timestamp && header.compression() != Ok(Compression::None) {
                // The log does not decompress what it stores: the batch's first offset, whose
                // records a reader filters by timestamp itself.
                return Ok(Some((header.base_offset, header.max_timestamp)));
            }
            if header.max_timestamp >= timestamp {
                let mut bytes = vec![0u8; header.size];
                self.log
                    .read_exact_at(&mut bytes, position)
                    .map_err(LogError::io("read segment", &self.paths.log))?;
                let records =
                    batch::decode_records(&bytes).map_err(|defect| self.corrupt(position, defect))?;
                if let Some(record) = records.iter().find(|record| record.timestamp >= timestamp) {
                    return Ok(Some((record.offset, record.timestamp)));
                }
            }
            position += header.size as u64;
        }
        Ok(None)
    }

    /// Removes the segment's files (readers holding it keep their open handle).
    pub fn delete_files(&self) -> Result<(), LogError> {
        for path in [&self.paths.log, &self.paths.offset_index, &self.paths.time_index] {
            match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(LogError::io("delete segment file", path)(error));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Position of the first batch that holds `offset` or comes after it, if any below `size`.
    fn first_batch_ending_after(&self, offset: u64, size: u64) -> Result<Option<u64>, LogError> {
        let relative = offset.saturating_sub(self.base_offset).min(u64::from(u32::MAX)) as u32;
        let mut position = {
            let indexes = self
                .indexes
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            indexes
                .offsets
                .position_at_or_before(relative)
                .map_or(0, u64::from)
        };
        while position < size {
            let header = self.read_header(position, size)?;
            if header.next_offset() > offset {
                return Ok(Some(position));
            }
            position += header.size as u64;
        }
        Ok(None)
    }

    fn read_header(&self, position: u64, size: u64) -> Result<BatchHeader, LogError> {
        let mut bytes = [0u8; BATCH_HEADER_LEN];
        self.log
            .read_exact_at(&mut bytes, position)
            .map_err(LogError::io("read segment", &self.paths.log))?;
        let header = batch::parse_header(&bytes).map_err(|defect| self.corrupt(position, defect))?;
        if position + header.size as u64 > size {
            return Err(LogError::Corrupt {
                path: self.paths.log.clone(),
                position,
                reason: format!("batch of {} bytes runs past the segment end {size}", header.size),
            });
        }
        Ok(header)
    }

    pub fn corrupt(&self, position: u64, defect: batch::BatchDefect) -> LogError {
        LogError::Corrupt {
            path: self.paths.log.clone(),
            position,
            reason: defect.to_string(),
        }
    }
}

/// Whole batches as stored, read from one segment by [`Segment::read_raw_into`] into a buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRead {
    /// Where the bytes begin in the segment file.
    pub position: u64,
    /// Where they begin in the buffer, and how many there are.
    pub start: usize,
    pub len: usize,
    pub headers: Vec<BatchHeader>,
}

impl RawRead {
    /// Checks every batch's CRC in `buffer` (the one read into), as [`batch::decode_records`]
    /// would.
    pub fn verify(&self, segment: &Segment, buffer: &[u8]) -> Result<(), LogError> {
        let mut cursor = self.start;
        for header in &self.headers {
            batch::verify(&buffer[cursor..cursor + header.size])
                .map_err(|defect| segment.corrupt(self.position + (cursor - self.start) as u64, defect))?;
            cursor += header.size;
        }
        Ok(())
    }
}

/// One whole batch as returned by a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBatch {
    pub base_offset: u64,
    /// Encoded size in bytes, what counts against a fetch's byte budget.
    pub size: usize,
    pub records: Vec<StoredRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::record::Record;

    fn append(segment: &Segment, base_offset: u64, values: &[&str], timestamp: i64) {
        let records: Vec<Record> = values
            .iter()
            .map(|v| Record::new(v.to_string()).with_timestamp(timestamp))
            .collect();
        let bytes = batch::encode(base_offset, &records, 0);
        let header = batch::verify(&bytes).unwrap();
        segment.write(&bytes, &header).unwrap();
        segment.publish(&header);
    }

    #[test]
    fn file_names_are_twenty_digit_base_offsets() {
        let paths = SegmentPaths::new(Path::new("/d"), 1000);
        assert_eq!(paths.log, Path::new("/d/00000000000000001000.log"));
        assert_eq!(
            parse_file_name("00000000000000001000.timeindex"),
            Some((1000, FileKind::TimeIndex))
        );
        assert_eq!(parse_file_name("1000.log"), None);
        assert_eq!(parse_file_name("00000000000000001000.log.tmp"), None);
    }

    #[test]
    fn reads_return_whole_batches_within_budget_but_at_least_one() {
        let dir = tempfile::tempdir().unwrap();
        let segment = Segment::create(dir.path(), 10, 1).unwrap();
        append(&segment, 10, &["a", "b"], 1);
        append(&segment, 12, &["c"], 2);
        append(&segment, 13, &["d", "e", "f"], 3);
        let everything = segment.read(10, u64::MAX, 16, true).unwrap();
        assert_eq!(
            everything.iter().map(|b| b.base_offset).collect::<Vec<_>>(),
            [10, 12, 13]
        );
        assert!(
            segment.read(11, 1, 16, false).unwrap().is_empty(),
            "without at_least_one the budget rules"
        );
        let one = segment.read(11, 1, 16, true).unwrap();
        assert_eq!(
            one.len(),
            1,
            "a tiny budget still returns the batch holding the offset"
        );
        assert_eq!(one[0].base_offset, 10);
        let bounded = segment.read(12, u64::MAX, 13, true).unwrap();
        assert_eq!(bounded.iter().map(|b| b.base_offset).collect::<Vec<_>>(), [12]);
        assert!(segment.read(16, u64::MAX, 16, true).unwrap().is_empty());
    }

    #[test]
    fn timestamp_search_finds_the_first_record_at_or_after() {
        let dir = tempfile::tempdir().unwrap();
        let segment = Segment::create(dir.path(), 0, 1).unwrap();
        append(&segment, 0, &["a"], 100);
        append(&segment, 1, &["b"], 300);
        append(&segment, 2, &["c"], 200);
        assert_eq!(segment.find_by_timestamp(50).unwrap(), Some((0, 100)));
        assert_eq!(segment.find_by_timestamp(150).unwrap(), Some((1, 300)));
        assert_eq!(segment.find_by_timestamp(300).unwrap(), Some((1, 300)));
        assert_eq!(segment.find_by_timestamp(301).unwrap(), None);
    }
}
