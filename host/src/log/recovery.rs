//! Opening a partition directory after a clean stop or a crash.
//!
//! For every segment the tail is checked from its last trusted index entry: each batch must be
//! whole, pass its CRC and carry the next offset. The first bad batch ends the segment and the
//! bytes from there on are truncated, unless a batch that passes its CRC follows it (then the
//! damage is in the middle of the log and recovery refuses with [`LogError::Corrupt`] rather than
//! drop good records). An index that is missing, misshapen, or whose last entry does not point at
//! a valid batch is rebuilt from the log; index entries past the end of the log are trimmed.
//! Unknown files are left alone and reported; index files without a log are removed.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::batch::{self, BATCH_HEADER_LEN, BatchDefect, BatchHeader};
use super::error::LogError;
use super::file_header::{FORMAT_VERSION, FileKind};
use super::index::{self, IndexFile, OffsetEntry, StoredIndex, TimeEntry};
use super::segment::{NO_TIMESTAMP, RecoveredSegment, SegmentPaths, parse_file_name};

/// What recovery did to one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRecovery {
    pub topic: String,
    pub partition: u32,
    pub actions: Vec<RecoveryAction>,
    pub log_start_offset: u64,
    pub next_offset: u64,
}

/// One repair, or one thing noticed and left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryAction {
    /// Bytes after the last valid batch were cut off.
    TruncatedTail {
        segment: PathBuf,
        kept_bytes: u64,
        dropped_bytes: u64,
        reason: String,
    },
    /// An index was rewritten from the log.
    RebuiltIndex { index: PathBuf, reason: String },
    /// Index entries that pointed past the end of the log were dropped.
    TrimmedIndex { index: PathBuf, dropped_entries: usize },
    /// An index file with no segment beside it was deleted.
    RemovedOrphanIndex { index: PathBuf },
    /// A file that is not part of the log was left where it is.
    IgnoredStrayFile { path: PathBuf },
}

impl fmt::Display for RecoveryAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecoveryAction::TruncatedTail {
                segment,
                kept_bytes,
                dropped_bytes,
                reason,
            } => write!(
                f,
                "truncated {dropped_bytes} bytes from {} (kept {kept_bytes}): {reason}",
                segment.display()
            ),
            RecoveryAction::RebuiltIndex { index, reason } => {
                write!(f, "rebuilt {} from the log: {reason}", index.display())
            }
            RecoveryAction::TrimmedIndex {
                index,
                dropped_entries,
            } => {
                write!(
                    f,
                    "dropped {dropped_entries} entries past the end of the log from {}",
                    index.display()
                )
            }
            RecoveryAction::RemovedOrphanIndex { index } => {
                write!(f, "removed {} which has no segment", index.display())
            }
            RecoveryAction::IgnoredStrayFile { path } => write!(f, "ignored stray file {}", path.display()),
        }
    }
}

/// Recovers every segment in `dir`, oldest first.
pub fn recover_partition(
    dir: &Path,
    index_interval_bytes: u32,
) -> Result<(Vec<RecoveredSegment>, Vec<RecoveryAction>), LogError> {
    let mut actions = Vec::new();
    let mut found: BTreeMap<u64, Vec<FileKind>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(LogError::io("list partition directory", dir))? {
        let entry = entry.map_err(LogError::io("list partition directory", dir))?;
        let name = entry.file_name();
        match name.to_str().and_then(parse_file_name) {
            Some((base_offset, kind)) if entry.path().is_file() => {
                found.entry(base_offset).or_default().push(kind)
            }
            _ => actions.push(RecoveryAction::IgnoredStrayFile { path: entry.path() }),
        }
    }
    let mut segments: Vec<RecoveredSegment> = Vec::new();
    for (base_offset, kinds) in found {
        let paths = SegmentPaths::new(dir, base_offset);
        if !kinds.contains(&FileKind::Log) {
            for orphan in [&paths.offset_index, &paths.time_index] {
                if orphan.exists() {
                    std::fs::remove_file(orphan).map_err(LogError::io("remove orphan index", orphan))?;
                    actions.push(RecoveryAction::RemovedOrphanIndex {
                        index: orphan.clone(),
                    });
                }
            }
            continue;
        }
        let segment = recover_segment(paths, base_offset, index_interval_bytes, &mut actions)?;
        if let Some(previous) = segments.last()
            && previous.next_offset > base_offset
        {
            return Err(LogError::Corrupt {
                path: segment.paths.log.clone(),
                position: 0,
                reason: format!(
                    "segment starts at offset {base_offset} but the previous one runs to {}",
                    previous.next_offset
                ),
            });
        }
        segments.push(segment);
    }
    Ok((segments, actions))
}

fn recover_segment(
    paths: SegmentPaths,
    base_offset: u64,
    index_interval_bytes: u32,
    actions: &mut Vec<RecoveryAction>,
) -> Result<RecoveredSegment, LogError> {
    let log = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&paths.log)
        .map_err(LogError::io("open segment", &paths.log))?;
    let mut length = log
        .metadata()
        .map_err(LogError::io("stat segment", &paths.log))?
        .len();
    refuse_format_1(&log, &paths.log, length)?;

    let mut rebuild_reason = None;
    let mut offsets = match index::read_stored::<OffsetEntry>(&paths.offset_index, base_offset)? {
        StoredIndex::Intact(entries) => entries,
        StoredIndex::Missing => {
            rebuild_reason = Some("index file is missing".to_owned());
            Vec::new()
        }
        StoredIndex::Damaged(reason) => {
            rebuild_reason = Some(reason);
            Vec::new()
        }
    };
    let mut times = match index::read_stored::<TimeEntry>(&paths.time_index, base_offset)? {
        StoredIndex::Intact(entries)
            if entries
                .windows(2)
                .all(|pair| pair[0].timestamp < pair[1].timestamp) =>
        {
            entries
        }
        StoredIndex::Intact(_) => {
            rebuild_reason.get_or_insert("time index timestamps are not increasing".to_owned());
            Vec::new()
        }
        StoredIndex::Missing => {
            rebuild_reason.get_or_insert("time index file is missing".to_owned());
            Vec::new()
        }
        StoredIndex::Damaged(reason) => {
            rebuild_reason.get_or_insert(format!("time index: {reason}"));
            Vec::new()
        }
    };
    let stored_offset_entries = offsets.len();
    let stored_time_entries = times.len();
    let mut trimmed_offset_entries = 0;

    if rebuild_reason.is_none() {
        let in_bounds = offsets
            .iter()
            .take_while(|e| (e.position as u64) < length)
            .count();
        trimmed_offset_entries = offsets.len() - in_bounds;
        offsets.truncate(in_bounds);
        if offsets
            .windows(2)
            .any(|pair| pair[0].position >= pair[1].position)
        {
            rebuild_reason = Some("index positions are not increasing".to_owned());
        } else if let Some(last) = offsets.last() {
            let expected = base_offset + u64::from(last.relative_offset);
            match read_batch(&log, u64::from(last.position), length) {
                Ok(header) if header.base_offset == expected => {}
                _ => {
                    rebuild_reason = Some(format!("last entry (offset {expected}) points at no valid batch"))
                }
            }
        }
    }
    if rebuild_reason.is_some() {
        offsets.clear();
        times.clear();
        trimmed_offset_entries = 0;
    }

    // Resume from the earliest point either index vouches for, so the running max timestamp
    // and the index cadence pick up exactly where they were.
    let resume_from_time = times.last().map(|t| {
        let count = offsets.partition_point(|e| e.relative_offset <= t.relative_offset);
        count.checked_sub(1).map_or(0, |i| u64::from(offsets[i].position))
    });
    let resume_from_offsets = offsets.last().map(|e| u64::from(e.position));
    let mut position = match (resume_from_offsets, resume_from_time) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        _ => 0,
    };
    let last_indexed_position = resume_from_offsets;
    let mut running_max = times.last().map_or(NO_TIMESTAMP, |t| t.timestamp);
    let mut next_offset = None;
    let mut bytes_since_entry = 0u64;

    while position < length {
        let header = match read_batch(&log, position, length) {
            Ok(header) => header,
            Err(defect) => {
                truncate_tail(&log, &paths.log, position, length, &defect, actions)?;
                length = position;
                break;
            }
        };
        let expected = next_offset.unwrap_or(base_offset);
        if (next_offset.is_some() || last_indexed_position.is_none()) && header.base_offset != expected {
            return Err(LogError::Corrupt {
                path: paths.log.clone(),
                position,
                reason: format!(
                    "batch has offset {} where {expected} was expected",
                    header.base_offset
                ),
            });
        }
        running_max = running_max.max(header.max_timestamp);
        let relative_offset = (header.base_offset - base_offset) as u32;
        match last_indexed_position {
            Some(last) if position < last => {}
            Some(last) if position == last => bytes_since_entry = 0,
            _ => {
                if offsets.is_empty() || bytes_since_entry >= u64::from(index_interval_bytes.max(1)) {
                    offsets.push(OffsetEntry {
                        relative_offset,
                        position: position as u32,
                    });
                    if times.last().is_none_or(|t| running_max > t.timestamp) {
                        times.push(TimeEntry {
                            timestamp: running_max,
                            relative_offset,
                        });
                    }
                    bytes_since_entry = 0;
                }
            }
        }
        bytes_since_entry += header.size as u64;
        next_offset = Some(header.next_offset());
        position += header.size as u64;
    }
    let next_offset = next_offset.unwrap_or(base_offset);

    // Entries for batches cut off above cannot stay.
    let offsets_before = offsets.len();
    offsets.retain(|e| u64::from(e.position) < length);
    trimmed_offset_entries += offsets_before - offsets.len();
    let times_before = times.len();
    times.retain(|t| base_offset + u64::from(t.relative_offset) < next_offset);
    let trimmed_time_entries = times_before - times.len();

    let offset_index_changed = rebuild_reason.is_some() || offsets.len() != stored_offset_entries;
    let time_index_changed = rebuild_reason.is_some() || times.len() != stored_time_entries;
    if let Some(reason) = &rebuild_reason {
        actions.push(RecoveryAction::RebuiltIndex {
            index: paths.offset_index.clone(),
            reason: reason.clone(),
        });
        actions.push(RecoveryAction::RebuiltIndex {
            index: paths.time_index.clone(),
            reason: reason.clone(),
        });
    } else {
        if trimmed_offset_entries > 0 {
            actions.push(RecoveryAction::TrimmedIndex {
                index: paths.offset_index.clone(),
                dropped_entries: trimmed_offset_entries,
            });
        }
        if trimmed_time_entries > 0 {
            actions.push(RecoveryAction::TrimmedIndex {
                index: paths.time_index.clone(),
                dropped_entries: trimmed_time_entries,
            });
        }
    }
    let offset_index = if offset_index_changed {
        IndexFile::write_new(&paths.offset_index, base_offset, offsets)?
    } else {
        IndexFile::open_existing(&paths.offset_index, offsets)?
    };
    let time_index = if time_index_changed {
        IndexFile::write_new(&paths.time_index, base_offset, times)?
    } else {
        IndexFile::open_existing(&paths.time_index, times)?
    };
    Ok(RecoveredSegment {
        base_offset,
        paths,
        log,
        size: length,
        next_offset,
        max_timestamp: running_max,
        offset_index,
        time_index,
        bytes_since_index_entry: bytes_since_entry,
    })
}

/// Cuts the segment at `position` unless a valid batch follows the damage.
fn truncate_tail(
    log: &File,
    path: &Path,
    position: u64,
    length: u64,
    defect: &BatchDefect,
    actions: &mut Vec<RecoveryAction>,
) -> Result<(), LogError> {
    if let Some(next_position) = position_after_damaged_batch(log, position, length)
        && read_batch(log, next_position, length).is_ok()
    {
        return Err(LogError::Corrupt {
            path: path.to_path_buf(),
            position,
            reason: format!(
                "{defect}, yet a valid batch follows at byte {next_position}; refusing to drop it"
            ),
        });
    }
    log.set_len(position)
        .and_then(|()| log.sync_all())
        .map_err(LogError::io("truncate segment", path))?;
    actions.push(RecoveryAction::TruncatedTail {
        segment: path.to_path_buf(),
        kept_bytes: position,
        dropped_bytes: length - position,
        reason: defect.to_string(),
    });
    Ok(())
}

/// Refuses a segment written by Regroup's log format 1, whose `.log` files opened with a
/// 16-byte `RGLG` header: this build stores Kafka's record batches from byte 0.
fn refuse_format_1(log: &File, path: &Path, length: u64) -> Result<(), LogError> {
    let mut magic = [0u8; 4];
    if length >= 4 && log.read_exact_at(&mut magic, 0).is_ok() && magic == *b"RGLG" {
        return Err(LogError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: 1,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

/// Where the next batch would start if the damaged one's length field is to be believed.
fn position_after_damaged_batch(log: &File, position: u64, length: u64) -> Option<u64> {
    let mut bytes = [0u8; 12];
    log.read_exact_at(&mut bytes, position).ok()?;
    let next = position.checked_add(batch::claimed_size(&bytes)? as u64)?;
    (next + (BATCH_HEADER_LEN as u64) <= length).then_some(next)
}

/// Reads and checks the whole batch at `position` of a file `length` bytes long.
fn read_batch(log: &File, position: u64, length: u64) -> Result<BatchHeader, BatchDefect> {
    let available = (length - position) as usize;
    let mut header_bytes = [0u8; BATCH_HEADER_LEN];
    let header_len = available.min(BATCH_HEADER_LEN);
    log.read_exact_at(&mut header_bytes[..header_len], position)
        .map_err(|_| BatchDefect::Truncated {
            needed: BATCH_HEADER_LEN,
            available,
        })?;
    let header = batch::parse_header(&header_bytes[..header_len])?;
    if header.size > available {
        return Err(BatchDefect::Truncated {
            needed: header.size,
            available,
        });
    }
    let mut bytes = vec![0u8; header.size];
    log.read_exact_at(&mut bytes, position)
        .map_err(|_| BatchDefect::Truncated {
            needed: header.size,
            available,
        })?;
    batch::verify(&bytes)
}
