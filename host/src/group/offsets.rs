//! Committed offsets, stored durably in one append-only file.
//!
//! `<data dir>/offsets.log` is a sequence of records, one per commit call (so a commit of several
//! partitions is all-or-nothing):
//!
//! | bytes | field                                                        |
//! |-------|--------------------------------------------------------------|
//! | 4     | payload length, u32 little endian                            |
//! | 4     | CRC32C of the payload, u32 little endian                     |
//! | n     | payload: an [`OffsetBatch`] codec envelope (tag `GOFS`, v1)  |
//!
//! Each record is written then synced (`fdatasync`) before the commit is acknowledged. On open the
//! file is read front to back; the first record that is short, fails its CRC or does not decode
//! ends it (a torn tail from a crash mid-write) and the file is truncated there, so later appends
//! are never hidden behind junk. When the file has grown to twice its size after the last
//! compaction (and past [`COMPACT_MIN_BYTES`]), and on open after recovery, it is rewritten with
//! one record per group holding only the live offsets: written to `offsets.log.tmp`, synced,
//! renamed over the file, and the directory synced.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use regroup_assignor_api::codec::{self, Envelope};
use serde::{Deserialize, Serialize};

use super::types::{CommittedOffset, PartitionName};

pub const FILE_NAME: &str = "offsets.log";
const RECORD_HEADER: usize = 8;
/// A length above this is junk, not a record.
const MAX_RECORD: usize = 256 << 20;
/// Below this size the file is not compacted while running (by default).
pub const COMPACT_MIN_BYTES: u64 = 1 << 20;

/// One stored record: changes to one group's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetBatch {
    pub group: String,
    pub ops: Vec<OffsetOp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetOp {
    Commit {
        partition: PartitionName,
        offset: CommittedOffset,
    },
    /// Forget every offset of the group.
    DeleteGroup,
}

impl Envelope for OffsetBatch {
    const TAG: [u8; 4] = *b"GOFS";
    const VERSION: u16 = 1;
}

/// What recovery found when the store was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetsRecovery {
    pub records: usize,
    /// Bytes cut from the end (a torn or corrupt tail), and why.
    pub truncated: Option<(u64, String)>,
}

/// The offsets of every group, in memory, backed by the file.
pub struct OffsetStore {
    dir: PathBuf,
    file: File,
    len: u64,
    compacted_len: u64,
    /// Below this size the file is not compacted while running.
    compact_min: u64,
    /// Set when a failed write could not be undone: later commits are refused rather than hidden.
    broken: Option<String>,
    groups: HashMap<String, BTreeMap<PartitionName, CommittedOffset>>,
}

fn frame(batch: &OffsetBatch, out: &mut Vec<u8>) {
    let payload = codec::encode(batch);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

/// Reads records from `bytes`: the batches and where the valid part ends, or why it stops.
fn parse(bytes: &[u8]) -> (Vec<OffsetBatch>, usize, Option<String>) {
    let mut batches = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < RECORD_HEADER {
            return (
                batches,
                at,
                Some(format!("a record header cut short ({} bytes)", rest.len())),
            );
        }
        let len = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
        if len > MAX_RECORD || rest.len() - RECORD_HEADER < len {
            return (batches, at, Some(format!("a record of {len} bytes cut short")));
        }
        let payload = &rest[RECORD_HEADER..RECORD_HEADER + len];
        if crc32c::crc32c(payload) != crc {
            return (batches, at, Some("a record failing its CRC32C".to_owned()));
        }
        match codec::decode::<OffsetBatch>(payload) {
            Ok(batch) => batches.push(batch),
            Err(e) => return (batches, at, Some(format!("an undecodable record: {e}"))),
        }
        at += RECORD_HEADER + len;
    }
    (batches, at, None)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl OffsetStore {
    /// Opens (or creates) the store in `dir`, recovering a torn tail and compacting.
    pub fn open(dir: &Path) -> io::Result<(OffsetStore, OffsetsRecovery)> {
        fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (batches, valid, stop) = parse(&bytes);
        let mut recovery = OffsetsRecovery {
            records: batches.len(),
            truncated: None,
        };
        if let Some(why) = stop {
            let cut = (bytes.len() - valid) as u64;
            tracing::warn!("{}: cutting {cut} bytes at offset {valid}: {why}", path.display());
            file.set_len(valid as u64)?;
            file.sync_all()?;
            recovery.truncated = Some((cut, why));
        }
        let mut store = OffsetStore {
            dir: dir.to_owned(),
            file,
            len: valid as u64,
            compacted_len: 0,
            compact_min: COMPACT_MIN_BYTES,
            broken: None,
            groups: HashMap::new(),
        };
        for batch in batches {
            store.apply(batch);
        }
        store.compact()?;
        Ok((store, recovery))
    }

    fn apply(&mut self, batch: OffsetBatch) {
        for op in batch.ops {
            match op {
                OffsetOp::Commit { partition, offset } => {
                    self.groups
                        .entry(batch.group.clone())
                        .or_default()
                        .insert(partition, offset);
                }
                OffsetOp::DeleteGroup => {
                    self.groups.remove(&batch.group);
                }
            }
        }
    }

    /// Stores `batch` durably, then applies it.
    pub fn write(&mut self, batch: OffsetBatch) -> io::Result<()> {
        if let Some(why) = &self.broken {
            return Err(io::Error::other(format!("the offsets file is unusable: {why}")));
        }
        let mut bytes = Vec::new();
        frame(&batch, &mut bytes);
        if let Err(e) = self.file.write_all(&bytes).and_then(|()| self.file.sync_data()) {
            // Undo a partial record, or later records would be lost behind it at recovery.
            if let Err(undo) = self.file.set_len(self.len) {
                self.broken = Some(format!("{e}; undoing the partial write failed too: {undo}"));
            }
            return Err(e);
        }
        self.len += bytes.len() as u64;
        self.apply(batch);
        if self.len > self.compact_min && self.len > 2 * self.compacted_len {
            self.compact()?;
        }
        Ok(())
    }

    /// The offsets of `group`.
    pub fn group(&self, group: &str) -> Option<&BTreeMap<PartitionName, CommittedOffset>> {
        self.groups.get(group)
    }

    /// Every group with committed offsets.
    pub fn group_names(&self) -> Vec<String> {
        self.groups.keys().cloned().collect()
    }

    /// Size of the file now.
    #[cfg(test)]
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// Rewrites the file with only the live offsets.
    pub fn compact(&mut self) -> io::Result<()> {
        let mut bytes = Vec::new();
        let mut names: Vec<&String> = self.groups.keys().collect();
        names.sort();
        for group in names {
            let ops = self.groups[group]
                .iter()
                .map(|(partition, offset)| OffsetOp::Commit {
                    partition: partition.clone(),
                    offset: offset.clone(),
                })
                .collect();
            frame(
                &OffsetBatch {
                    group: group.clone(),
                    ops,
                },
                &mut bytes,
            );
        }
        if bytes.len() as u64 == self.len && self.compacted_len == self.len {
            return Ok(());
        }
        let path = self.dir.join(FILE_NAME);
        let tmp = self.dir.join(format!("{FILE_NAME}.tmp"));
        {
            let mut out = File::create(&tmp)?;
            out.write_all(&bytes)?;
            out.sync_all()?;
        }
        fs::rename(&tmp, &path)?;
        sync_dir(&self.dir)?;
        self.file = OpenOptions::new().append(true).open(&path)?;
        self.len = bytes.len() as u64;
        self.compacted_len = self.len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(store: &mut OffsetStore, group: &str, topic: &str, partition: u32, offset: i64) {
        let op = OffsetOp::Commit {
            partition: PartitionName::new(topic, partition),
            offset: CommittedOffset {
                offset,
                metadata: Some(format!("at {offset}")),
            },
        };
        store
            .write(OffsetBatch {
                group: group.into(),
                ops: vec![op],
            })
            .unwrap();
    }

    fn offset(store: &OffsetStore, group: &str, topic: &str, partition: u32) -> Option<i64> {
        store
            .group(group)?
            .get(&PartitionName::new(topic, partition))
            .map(|c| c.offset)
    }

    #[test]
    fn offsets_survive_reopen_with_metadata() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&mut store, "g", "t", 0, 5);
            commit(&mut store, "g", "t", 0, 9);
            commit(&mut store, "h", "u", 3, 1);
        }
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.truncated, None);
        assert_eq!(offset(&store, "g", "t", 0), Some(9));
        assert_eq!(offset(&store, "h", "u", 3), Some(1));
        let meta = &store.group("g").unwrap()[&PartitionName::new("t", 0)].metadata;
        assert_eq!(meta.as_deref(), Some("at 9"));
    }

    #[test]
    fn recover_a_torn_tail_and_keep_appending_after_it() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&mut store, "g", "t", 0, 1);
            commit(&mut store, "g", "t", 1, 2);
        }
        // A crash mid-write: the last record loses its last 3 bytes.
        let path = dir.path().join(FILE_NAME);
        let len = fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        {
            let (mut store, recovery) = OffsetStore::open(dir.path()).unwrap();
            assert!(recovery.truncated.is_some());
            assert_eq!(offset(&store, "g", "t", 0), Some(1));
            assert_eq!(offset(&store, "g", "t", 1), None);
            commit(&mut store, "g", "t", 2, 3);
        }
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.truncated, None);
        assert_eq!(offset(&store, "g", "t", 0), Some(1));
        assert_eq!(offset(&store, "g", "t", 2), Some(3));
    }

    #[test]
    fn recover_from_junk_and_a_flipped_bit_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&mut store, "g", "t", 0, 1);
            commit(&mut store, "g", "t", 0, 2);
        }
        let path = dir.path().join(FILE_NAME);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        bytes.extend_from_slice(&[0xFF; 5]);
        fs::write(&path, &bytes).unwrap();
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert!(recovery.truncated.unwrap().1.contains("CRC32C"));
        // The flipped bit spoils the second commit only; the first stands.
        assert_eq!(offset(&store, "g", "t", 0), Some(1));
    }

    #[test]
    fn compaction_keeps_only_live_offsets_and_deleted_groups_stay_deleted() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut store, _) = OffsetStore::open(dir.path()).unwrap();
            for i in 0..2000 {
                commit(&mut store, "g", "t", 0, i);
            }
            commit(&mut store, "gone", "t", 0, 1);
            store
                .write(OffsetBatch {
                    group: "gone".into(),
                    ops: vec![OffsetOp::DeleteGroup],
                })
                .unwrap();
            let before = store.file_len();
            store.compact().unwrap();
            assert!(
                store.file_len() < before / 100,
                "{} -> {}",
                before,
                store.file_len()
            );
        }
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.records, 1);
        assert_eq!(offset(&store, "g", "t", 0), Some(1999));
        assert!(store.group("gone").is_none());
    }

    #[test]
    fn the_file_compacts_itself_when_large() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = OffsetStore::open(dir.path()).unwrap();
        store.compact_min = 4096;
        let mut max_len = 0;
        for i in 0..400 {
            commit(&mut store, "g", "a-topic-with-a-long-name", (i % 4) as u32, i);
            max_len = max_len.max(store.file_len());
        }
        assert!(max_len <= 4096 + 200, "{max_len}");
        drop(store);
        let (store, _) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(offset(&store, "g", "a-topic-with-a-long-name", 3), Some(399));
    }
}
