//! Sparse indexes beside each segment: offset → byte position, and timestamp → offset.
//!
//! Both files open with the common [file header](super::file_header) and then hold fixed-size
//! entries, little-endian, in increasing order. An entry is added at most every
//! `index_interval_bytes` of log, so the indexes stay small enough to keep in memory; the file is
//! only their durable copy and is rebuilt from the log whenever it is missing or doubtful.
//!
//! Offset index entry (8 bytes):
//!
//! | offset | size | field           | meaning                                           |
//! |-------:|-----:|-----------------|---------------------------------------------------|
//! | 0      | 4    | relative_offset | u32, batch base offset minus the segment's base   |
//! | 4      | 4    | position        | u32, byte position of that batch in the .log file |
//!
//! Time index entry (12 bytes):
//!
//! | offset | size | field           | meaning                                                          |
//! |-------:|-----:|-----------------|------------------------------------------------------------------|
//! | 0      | 8    | timestamp       | i64, largest timestamp in the segment up to and including the batch |
//! | 8      | 4    | relative_offset | u32, that batch's base offset minus the segment's base           |

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::error::LogError;
use super::file_header::{self, FileKind, HEADER_LEN};

/// A fixed-size entry of an index file.
pub trait IndexEntry: Copy + std::fmt::Debug {
    const SIZE: usize;
    const KIND: FileKind;
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(bytes: &[u8]) -> Self;
    fn relative_offset(&self) -> u32;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetEntry {
    pub relative_offset: u32,
    pub position: u32,
}

impl IndexEntry for OffsetEntry {
    const SIZE: usize = 8;
    const KIND: FileKind = FileKind::OffsetIndex;

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.relative_offset.to_le_bytes());
        out.extend_from_slice(&self.position.to_le_bytes());
    }

    fn decode(bytes: &[u8]) -> Self {
        OffsetEntry {
            relative_offset: u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")),
            position: u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")),
        }
    }

    fn relative_offset(&self) -> u32 {
        self.relative_offset
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeEntry {
    pub timestamp: i64,
    pub relative_offset: u32,
}

impl IndexEntry for TimeEntry {
    const SIZE: usize = 12;
    const KIND: FileKind = FileKind::TimeIndex;

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp.to_le_bytes());
        out.extend_from_slice(&self.relative_offset.to_le_bytes());
    }

    fn decode(bytes: &[u8]) -> Self {
        TimeEntry {
            timestamp: i64::from_le_bytes(bytes[0..8].try_into().expect("8 bytes")),
            relative_offset: u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")),
        }
    }

    fn relative_offset(&self) -> u32 {
        self.relative_offset
    }
}

/// What was found on disk when loading an index.
#[derive(Debug)]
pub enum StoredIndex<E> {
    Intact(Vec<E>),
    Missing,
    /// Present but unusable; the reason goes into the recovery report.
    Damaged(String),
}

/// Reads an index file without trusting it: shape problems come back as `Damaged`, not errors.
pub fn read_stored<E: IndexEntry>(path: &Path, base_offset: u64) -> Result<StoredIndex<E>, LogError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(StoredIndex::Missing),
        Err(error) => return Err(LogError::io("read index", path)(error)),
    };
    if let Err(error) = file_header::verify(&bytes, E::KIND, base_offset, path) {
        return Ok(StoredIndex::Damaged(format!("bad header: {error}")));
    }
    let body = &bytes[HEADER_LEN..];
    if body.len() % E::SIZE != 0 {
        return Ok(StoredIndex::Damaged(format!(
            "{} bytes is not a whole number of entries",
            body.len()
        )));
    }
    let entries: Vec<E> = body.chunks_exact(E::SIZE).map(E::decode).collect();
    if entries
        .windows(2)
        .any(|pair| pair[0].relative_offset() >= pair[1].relative_offset())
    {
        return Ok(StoredIndex::Damaged(
            "entries are not in increasing offset order".into(),
        ));
    }
    Ok(StoredIndex::Intact(entries))
}

/// An index held in memory with its file kept in step. The file is open only from its first
/// append on: the indexes of closed segments and idle partitions, read from memory, hold no
/// file descriptor.
#[derive(Debug)]
pub struct IndexFile<E> {
    path: PathBuf,
    file: Option<File>,
    /// Written through a descriptor since closed, and not synced yet.
    unsynced: AtomicBool,
    entries: Vec<E>,
}

impl<E: IndexEntry> IndexFile<E> {
    /// Writes the file afresh (header plus `entries`), replacing whatever was there.
    pub fn write_new(path: &Path, base_offset: u64, entries: Vec<E>) -> Result<Self, LogError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(LogError::io("create index", path))?;
        let mut bytes = Vec::with_capacity(HEADER_LEN + entries.len() * E::SIZE);
        bytes.extend_from_slice(&file_header::encode(E::KIND, base_offset));
        for entry in &entries {
            entry.encode(&mut bytes);
        }
        file.write_all_at(&bytes, 0)
            .map_err(LogError::io("write index", path))?;
        Ok(IndexFile {
            path: path.to_path_buf(),
            file: None,
            unsynced: AtomicBool::new(true),
            entries,
        })
    }

    /// Opens an index whose file already holds exactly `entries`.
    pub fn open_existing(path: &Path, entries: Vec<E>) -> Result<Self, LogError> {
        // Checked now, opened at the first append.
        std::fs::metadata(path).map_err(LogError::io("open index", path))?;
        Ok(IndexFile {
            path: path.to_path_buf(),
            file: None,
            unsynced: AtomicBool::new(false),
            entries,
        })
    }

    fn open(path: &Path) -> Result<File, LogError> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(LogError::io("open index", path))
    }

    pub fn append(&mut self, entry: E) -> Result<(), LogError> {
        let mut bytes = Vec::with_capacity(E::SIZE);
        entry.encode(&mut bytes);
        let position = (HEADER_LEN + self.entries.len() * E::SIZE) as u64;
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(Self::open(&self.path)?),
        };
        file.write_all_at(&bytes, position)
            .map_err(LogError::io("append to index", &self.path))?;
        self.entries.push(entry);
        Ok(())
    }

    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    pub fn last(&self) -> Option<E> {
        self.entries.last().copied()
    }

    pub fn sync(&self) -> Result<(), LogError> {
        let synced = match &self.file {
            Some(file) => file.sync_data(),
            // Written when created, through a descriptor since closed: the inode's pages are
            // synced through a new one.
            None if self.unsynced.load(Ordering::Acquire) => Self::open(&self.path)?.sync_data(),
            None => Ok(()),
        };
        synced.map_err(LogError::io("sync index", &self.path))?;
        self.unsynced.store(false, Ordering::Release);
        Ok(())
    }
}

impl IndexFile<OffsetEntry> {
    /// Byte position of the last indexed batch starting at or before `relative_offset`.
    pub fn position_at_or_before(&self, relative_offset: u32) -> Option<u32> {
        let count = self
            .entries
            .partition_point(|entry| entry.relative_offset <= relative_offset);
        count.checked_sub(1).map(|i| self.entries[i].position)
    }
}

impl IndexFile<TimeEntry> {
    /// Relative offset from which a scan for the first record at or after `timestamp` may start:
    /// every record before the returned entry's batch is older than `timestamp`.
    pub fn scan_start_for(&self, timestamp: i64) -> Option<u32> {
        let count = self.entries.partition_point(|entry| entry.timestamp < timestamp);
        count.checked_sub(1).map(|i| self.entries[i].relative_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether this process holds a descriptor on `path`.
    fn held_open(path: &Path) -> bool {
        let path = path.canonicalize().unwrap();
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(Result::ok)
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
    }

    #[test]
    fn an_index_holds_a_file_descriptor_only_from_its_first_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        let written = IndexFile::<OffsetEntry>::write_new(&path, 0, Vec::new()).unwrap();
        assert!(!held_open(&path), "a new index is written, then closed");
        written.sync().unwrap();
        drop(written);
        let mut index = IndexFile::<OffsetEntry>::open_existing(&path, Vec::new()).unwrap();
        assert!(!held_open(&path), "an index only read holds no descriptor");
        let entry = OffsetEntry {
            relative_offset: 0,
            position: 16,
        };
        index.append(entry).unwrap();
        assert!(held_open(&path), "appending opens it");
        index.sync().unwrap();
        drop(index);
        let reread = std::fs::read(&path).unwrap();
        assert_eq!(reread.len(), HEADER_LEN + OffsetEntry::SIZE);
        assert!(IndexFile::<OffsetEntry>::open_existing(&dir.path().join("missing"), Vec::new()).is_err());
    }

    #[test]
    fn entries_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000100.index");
        let mut index = IndexFile::write_new(&path, 100, Vec::new()).unwrap();
        index
            .append(OffsetEntry {
                relative_offset: 0,
                position: 16,
            })
            .unwrap();
        index
            .append(OffsetEntry {
                relative_offset: 10,
                position: 4096,
            })
            .unwrap();
        match read_stored::<OffsetEntry>(&path, 100).unwrap() {
            StoredIndex::Intact(entries) => assert_eq!(entries, index.entries()),
            other => panic!("expected intact index, got {other:?}"),
        }
    }

    #[test]
    fn offset_lookup_takes_the_floor_entry() {
        let dir = tempfile::tempdir().unwrap();
        let entries = vec![
            OffsetEntry {
                relative_offset: 5,
                position: 100,
            },
            OffsetEntry {
                relative_offset: 9,
                position: 900,
            },
        ];
        let index = IndexFile::write_new(&dir.path().join("i"), 0, entries).unwrap();
        assert_eq!(index.position_at_or_before(4), None);
        assert_eq!(index.position_at_or_before(5), Some(100));
        assert_eq!(index.position_at_or_before(8), Some(100));
        assert_eq!(index.position_at_or_before(1000), Some(900));
    }

    #[test]
    fn time_lookup_starts_before_the_first_possible_match() {
        let dir = tempfile::tempdir().unwrap();
        let entries = vec![
            TimeEntry {
                timestamp: 10,
                relative_offset: 0,
            },
            TimeEntry {
                timestamp: 20,
                relative_offset: 7,
            },
        ];
        let index = IndexFile::write_new(&dir.path().join("t"), 0, entries).unwrap();
        assert_eq!(index.scan_start_for(10), None);
        assert_eq!(index.scan_start_for(11), Some(0));
        assert_eq!(index.scan_start_for(21), Some(7));
    }

    #[test]
    fn misshapen_index_files_are_damaged_not_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i");
        IndexFile::<OffsetEntry>::write_new(&path, 0, Vec::new()).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[1, 2, 3]);
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            read_stored::<OffsetEntry>(&path, 0).unwrap(),
            StoredIndex::Damaged(_)
        ));
        assert!(matches!(
            read_stored::<OffsetEntry>(&dir.path().join("none"), 0).unwrap(),
            StoredIndex::Missing
        ));
        std::fs::write(&path, [0u8; 40]).unwrap();
        assert!(matches!(
            read_stored::<OffsetEntry>(&path, 0).unwrap(),
            StoredIndex::Damaged(_)
        ));
    }
}
