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
//! **Writing.** One writer thread owns the file. Callers queue their batches
//! ([`OffsetStore::submit`]) and wait on the [`PendingWrite`] without holding any lock: the
//! coordinator queues under the group's lock (so fencing and order are decided together) and
//! waits after releasing it, so heartbeats, describes and offset fetches never wait on a disk
//! sync. The writer takes every batch queued meanwhile, appends them in one write, syncs once
//! (`fdatasync`; a group commit), and only then applies them to the in-memory offsets and
//! answers; a fetch never sees an offset that is not durable.
//!
//! **Recovery** (on open) follows the log's rule: the file is read front to back; the first
//! record that is short, fails its CRC or does not decode ends the valid part. If nothing valid
//! follows it, it is a torn tail from a crash mid-write and is cut, so later appends are never
//! hidden behind junk. If a valid record follows, the damage is in the middle: opening is refused
//! with an error naming both positions, rather than silently dropping commits after it.
//!
//! **Compaction.** On open, and when the file has grown to twice its size after the last
//! compaction (and past [`COMPACT_MIN_BYTES`]), it is rewritten with one record per group
//! holding only the live offsets: written to `offsets.log.tmp`, synced, renamed over the file,
//! and the directory synced. It runs after the commits that triggered it were answered: a failed
//! compaction is logged and the writer keeps appending to whichever file is current; it never
//! turns a durable commit into a failed one.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread::JoinHandle;

use regroup_assignor_api::codec::{self, Envelope};
use serde::{Deserialize, Serialize};

use super::types::{CommittedOffset, PartitionName};
use crate::log::durable_fs::{Durability, ReplaceFailed, replace_file, sync_dir_io as sync_dir};

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

/// New variants go at the end: bincode numbers them by position, and older files must still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetOp {
    Commit {
        partition: PartitionName,
        offset: CommittedOffset,
    },
    /// Forget every offset of the group.
    DeleteGroup,
    /// Forget one partition's offset (its topic was deleted, or `groups delete-offsets`).
    Delete { partition: PartitionName },
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

type Offsets = HashMap<String, BTreeMap<PartitionName, CommittedOffset>>;

/// The offsets of every group, in memory, backed by the file its writer thread appends to.
pub struct OffsetStore {
    #[cfg(test)]
    dir: PathBuf,
    /// Test builds: how many writes were queued.
    #[cfg(test)]
    pub submitted: std::sync::atomic::AtomicUsize,
    offsets: Arc<Mutex<Offsets>>,
    queue: Option<mpsc::Sender<Queued>>,
    writer: Option<JoinHandle<()>>,
}

/// Batches waiting for the writer, and where to say how their write went.
struct Queued {
    batches: Vec<OffsetBatch>,
    done: mpsc::Sender<Result<(), String>>,
    /// Test builds: the writer waits on this before writing its round (a disk that stalls).
    #[cfg(test)]
    gate: Option<mpsc::Receiver<()>>,
}

/// A queued write; [`PendingWrite::wait`] returns once it is durable (or failed).
#[must_use = "a write is only known durable once waited for"]
pub struct PendingWrite(Result<mpsc::Receiver<Result<(), String>>, String>);

impl PendingWrite {
    /// Blocks until the batches are synced to disk and applied. Call it with no lock held.
    pub fn wait(self) -> io::Result<()> {
        let done = self.0.map_err(io::Error::other)?;
        match done.recv() {
            Ok(result) => result.map_err(io::Error::other),
            Err(_) => Err(io::Error::other("the offsets writer stopped before answering")),
        }
    }

    fn done() -> PendingWrite {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Ok(()));
        PendingWrite(Ok(rx))
    }
}

/// The file and its bookkeeping; only the writer thread touches it after open.
struct Writer {
    dir: PathBuf,
    /// `None` after a compaction renamed a new file in but could not open it: reopened before
    /// the next append.
    file: Option<File>,
    len: u64,
    compacted_len: u64,
    /// Below this size the file is not compacted while running.
    compact_min: u64,
    /// The directory's entry for a compacted file is not yet known durable: synced before the
    /// next append is acknowledged, or that append could vanish with the rename.
    dir_unsynced: bool,
    /// Set when a failed write could not be undone: later commits are refused rather than hidden.
    broken: Option<String>,
}

fn lock(offsets: &Mutex<Offsets>) -> MutexGuard<'_, Offsets> {
    offsets.lock().unwrap_or_else(|p| p.into_inner())
}

fn frame(batch: &OffsetBatch, out: &mut Vec<u8>) {
    let payload = codec::encode(batch);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

/// The record at the start of `bytes`: its batch and length, or why it is not one.
fn record_at(bytes: &[u8]) -> Result<(OffsetBatch, usize), String> {
    if bytes.len() < RECORD_HEADER {
        return Err(format!("a record header cut short ({} bytes)", bytes.len()));
    }
    let len = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    if len > MAX_RECORD || bytes.len() - RECORD_HEADER < len {
        return Err(format!("a record of {len} bytes cut short"));
    }
    let payload = &bytes[RECORD_HEADER..RECORD_HEADER + len];
    if crc32c::crc32c(payload) != crc {
        return Err("a record failing its CRC32C".to_owned());
    }
    let batch = codec::decode::<OffsetBatch>(payload).map_err(|e| format!("an undecodable record: {e}"))?;
    Ok((batch, RECORD_HEADER + len))
}

/// How the records of a file end.
#[derive(Debug)]
enum Stop {
    /// Every byte is a valid record.
    Clean,
    /// The valid part ends with junk and nothing valid after it: a torn tail.
    TornTail(String),
    /// Damage at the end of the valid part, and a valid record at this position after it.
    Corrupt { why: String, next_valid: usize },
}

/// Reads records from `bytes`: the batches, where the valid part ends, and how it ends.
fn parse(bytes: &[u8]) -> (Vec<OffsetBatch>, usize, Stop) {
    let mut batches = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match record_at(&bytes[at..]) {
            Ok((batch, len)) => {
                batches.push(batch);
                at += len;
            }
            Err(why) => {
                let stop = match (at + 1..bytes.len()).find(|&next| record_at(&bytes[next..]).is_ok()) {
                    Some(next_valid) => Stop::Corrupt { why, next_valid },
                    None => Stop::TornTail(why),
                };
                return (batches, at, stop);
            }
        }
    }
    (batches, at, Stop::Clean)
}

fn apply(offsets: &mut Offsets, batch: OffsetBatch) {
    for op in batch.ops {
        match op {
            OffsetOp::Commit { partition, offset } => {
                offsets
                    .entry(batch.group.clone())
                    .or_default()
                    .insert(partition, offset);
            }
            OffsetOp::DeleteGroup => {
                offsets.remove(&batch.group);
            }
            OffsetOp::Delete { partition } => {
                if let Some(group) = offsets.get_mut(&batch.group) {
                    group.remove(&partition);
                    if group.is_empty() {
                        offsets.remove(&batch.group);
                    }
                }
            }
        }
    }
}

impl OffsetStore {
    /// Opens (or creates) the store in `dir`, recovering a torn tail and compacting. Refuses a
    /// file damaged in the middle (a valid record after the damage).
    pub fn open(dir: &Path) -> io::Result<(OffsetStore, OffsetsRecovery)> {
        Self::open_with(dir, COMPACT_MIN_BYTES)
    }

    fn open_with(dir: &Path, compact_min: u64) -> io::Result<(OffsetStore, OffsetsRecovery)> {
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
        match stop {
            Stop::Clean => {}
            Stop::TornTail(why) => {
                let cut = (bytes.len() - valid) as u64;
                tracing::warn!("{}: cutting {cut} bytes at offset {valid}: {why}", path.display());
                file.set_len(valid as u64)?;
                file.sync_all()?;
                recovery.truncated = Some((cut, why));
            }
            Stop::Corrupt { why, next_valid } => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} is corrupt: {why} at byte {valid}, but a valid record follows at byte {next_valid}; \
                         refusing to drop the commits after the damage (keep a copy of the file, then cut or \
                         repair it by hand to start)",
                        path.display()
                    ),
                ));
            }
        }
        let mut offsets = Offsets::new();
        for batch in batches {
            apply(&mut offsets, batch);
        }
        let mut writer = Writer {
            dir: dir.to_owned(),
            file: Some(file),
            len: valid as u64,
            compacted_len: 0,
            compact_min,
            dir_unsynced: false,
            broken: None,
        };
        if let Err(e) = writer.compact(&offsets) {
            tracing::warn!(
                "compacting {} on open failed (its commits are safe): {e}",
                path.display()
            );
        }
        let offsets = Arc::new(Mutex::new(offsets));
        let (queue, queued) = mpsc::channel();
        let shared = Arc::clone(&offsets);
        let writer = std::thread::Builder::new()
            .name("offsets-writer".into())
            .spawn(move || writer.run(&queued, &shared))?;
        Ok((
            OffsetStore {
                #[cfg(test)]
                dir: dir.to_owned(),
                #[cfg(test)]
                submitted: Default::default(),
                offsets,
                queue: Some(queue),
                writer: Some(writer),
            },
            recovery,
        ))
    }

    /// Queues `batches` for the writer (kept in this order, after everything queued before).
    /// They take effect, and fetches see them, once they are durable.
    pub fn submit(&self, batches: Vec<OffsetBatch>) -> PendingWrite {
        if batches.is_empty() {
            return PendingWrite::done();
        }
        let (done, answer) = mpsc::channel();
        #[cfg(test)]
        self.submitted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let queued = self.queue.as_ref().map(|queue| {
            queue.send(Queued {
                batches,
                done,
                #[cfg(test)]
                gate: None,
            })
        });
        match queued {
            Some(Ok(())) => PendingWrite(Ok(answer)),
            _ => PendingWrite(Err("the offsets writer has stopped".to_owned())),
        }
    }

    /// Stores `batch` durably, then applies it (waits for the writer).
    #[cfg(test)]
    pub fn write(&self, batch: OffsetBatch) -> io::Result<()> {
        self.submit(vec![batch]).wait()
    }

    /// The offsets of `group`: of `partitions` (sorted, once each), or all of them.
    pub fn offsets_of(
        &self,
        group: &str,
        partitions: Option<&[PartitionName]>,
    ) -> Vec<(PartitionName, CommittedOffset)> {
        let offsets = lock(&self.offsets);
        let Some(committed) = offsets.get(group) else {
            return Vec::new();
        };
        match partitions {
            None => committed.iter().map(|(p, o)| (p.clone(), o.clone())).collect(),
            Some(wanted) => {
                let mut out: Vec<_> = wanted
                    .iter()
                    .filter_map(|p| committed.get(p).map(|o| (p.clone(), o.clone())))
                    .collect();
                out.sort_by(|a, b| a.0.cmp(&b.0));
                out.dedup_by(|a, b| a.0 == b.0);
                out
            }
        }
    }

    /// Whether `group` has any committed offset.
    pub fn has_group(&self, group: &str) -> bool {
        lock(&self.offsets).contains_key(group)
    }

    /// Every group with committed offsets.
    pub fn group_names(&self) -> Vec<String> {
        lock(&self.offsets).keys().cloned().collect()
    }

    /// The batches that forget `topic`'s offsets in `group` (all groups when `None`), one per
    /// group that has any.
    pub fn deletions_of_topic(&self, topic: &str, group: Option<&str>) -> Vec<OffsetBatch> {
        let offsets = lock(&self.offsets);
        let mut batches: Vec<OffsetBatch> = offsets
            .iter()
            .filter(|(name, _)| group.is_none_or(|g| g == name.as_str()))
            .filter_map(|(name, committed)| {
                let ops: Vec<OffsetOp> = committed
                    .keys()
                    .filter(|p| p.topic == topic)
                    .map(|partition| OffsetOp::Delete {
                        partition: partition.clone(),
                    })
                    .collect();
                (!ops.is_empty()).then(|| OffsetBatch {
                    group: name.clone(),
                    ops,
                })
            })
            .collect();
        batches.sort_by(|a, b| a.group.cmp(&b.group));
        batches
    }

    /// Size of the file once everything queued is written.
    #[cfg(test)]
    pub fn file_len(&self) -> u64 {
        let (done, answer) = mpsc::channel();
        if let Some(queue) = &self.queue {
            let _ = queue.send(Queued {
                batches: Vec::new(),
                done,
                gate: None,
            });
            let _ = answer.recv();
        }
        fs::metadata(self.dir.join(FILE_NAME)).map_or(0, |m| m.len())
    }

    /// Stalls the writer, as a slow disk would, until the returned sender sends or is dropped.
    #[cfg(test)]
    pub fn stall_writer(&self) -> mpsc::Sender<()> {
        let (release, gate) = mpsc::channel();
        let (done, _) = mpsc::channel();
        if let Some(queue) = &self.queue {
            let _ = queue.send(Queued {
                batches: Vec::new(),
                done,
                gate: Some(gate),
            });
        }
        release
    }
}

impl Drop for OffsetStore {
    fn drop(&mut self) {
        // The writer finishes what is queued, then stops.
        self.queue.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl Writer {
    /// Serves the queue until the store is dropped: each round takes everything queued, writes
    /// it with one sync, applies it, answers, then compacts if the file has doubled.
    fn run(mut self, queued: &mpsc::Receiver<Queued>, offsets: &Mutex<Offsets>) {
        while let Ok(first) = queued.recv() {
            let mut round = vec![first];
            round.extend(queued.try_iter());
            #[cfg(test)]
            for gate in round.iter().filter_map(|q| q.gate.as_ref()) {
                let _ = gate.recv();
            }
            let mut bytes = Vec::new();
            for batch in round.iter().flat_map(|q| &q.batches) {
                frame(batch, &mut bytes);
            }
            let result = self.append(&bytes).map_err(|e| e.to_string());
            if result.is_ok() {
                let mut offsets = lock(offsets);
                for batch in round.iter_mut().flat_map(|q| q.batches.drain(..)) {
                    apply(&mut offsets, batch);
                }
            }
            for waiting in round {
                let _ = waiting.done.send(result.clone());
            }
            if result.is_ok() && self.len > self.compact_min && self.len > 2 * self.compacted_len {
                let snapshot = lock(offsets).clone();
                if let Err(e) = self.compact(&snapshot) {
                    // The commits are durable in the file as it is; try again once it doubles.
                    self.compacted_len = self.len;
                    tracing::warn!(
                        "compacting {} failed (the commits in it are safe; retried when it doubles): {e}",
                        self.dir.join(FILE_NAME).display()
                    );
                }
            }
        }
    }

    /// Appends `bytes` and syncs them; a failed write is undone so no junk hides later records.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(why) = &self.broken {
            return Err(io::Error::other(format!("the offsets file is unusable: {why}")));
        }
        if bytes.is_empty() {
            return Ok(());
        }
        if self.dir_unsynced {
            sync_dir(&self.dir)?;
            self.dir_unsynced = false;
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self
                .file
                .insert(OpenOptions::new().append(true).open(self.dir.join(FILE_NAME))?),
        };
        if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_data()) {
            if let Err(undo) = file.set_len(self.len) {
                self.broken = Some(format!("{e}; undoing the partial write failed too: {undo}"));
            }
            return Err(e);
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Rewrites the file with only the live `offsets`.
    fn compact(&mut self, offsets: &Offsets) -> io::Result<()> {
        let mut bytes = Vec::new();
        let mut names: Vec<&String> = offsets.keys().collect();
        names.sort();
        for group in names {
            let ops = offsets[group]
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
        match replace_file(&path, &bytes, Durability::Synced) {
            Err(ReplaceFailed {
                renamed: false,
                error,
            }) => return Err(error),
            replaced => {
                // The old handle now points at the replaced file: never append to it again.
                self.file = None;
                self.len = bytes.len() as u64;
                self.compacted_len = self.len;
                if let Err(ReplaceFailed { error, .. }) = replaced {
                    // The next append syncs the directory first.
                    self.dir_unsynced = true;
                    return Err(error);
                }
            }
        }
        self.file = Some(OpenOptions::new().append(true).open(&path)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(store: &OffsetStore, group: &str, topic: &str, partition: u32, offset: i64) {
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
        let wanted = [PartitionName::new(topic, partition)];
        store
            .offsets_of(group, Some(&wanted))
            .first()
            .map(|(_, c)| c.offset)
    }

    #[test]
    fn offsets_survive_reopen_with_metadata() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&store, "g", "t", 0, 5);
            commit(&store, "g", "t", 0, 9);
            commit(&store, "h", "u", 3, 1);
        }
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.truncated, None);
        assert_eq!(offset(&store, "g", "t", 0), Some(9));
        assert_eq!(offset(&store, "h", "u", 3), Some(1));
        let meta = &store.offsets_of("g", None)[0].1.metadata;
        assert_eq!(meta.as_deref(), Some("at 9"));
    }

    #[test]
    fn recover_a_torn_tail_and_keep_appending_after_it() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&store, "g", "t", 0, 1);
            commit(&store, "g", "t", 1, 2);
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
            let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
            assert!(recovery.truncated.is_some());
            assert_eq!(offset(&store, "g", "t", 0), Some(1));
            assert_eq!(offset(&store, "g", "t", 1), None);
            commit(&store, "g", "t", 2, 3);
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
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&store, "g", "t", 0, 1);
            commit(&store, "g", "t", 0, 2);
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
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            for i in 0..2000 {
                commit(&store, "g", "t", 0, i);
            }
            commit(&store, "gone", "t", 0, 1);
            store
                .write(OffsetBatch {
                    group: "gone".into(),
                    ops: vec![OffsetOp::DeleteGroup],
                })
                .unwrap();
            assert!(store.file_len() > 2000 * 20);
        }
        {
            let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
            assert_eq!(recovery.records, 2002);
            // Compacted on open: one record per live group.
            assert!(store.file_len() < 200, "{}", store.file_len());
        }
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.records, 1);
        assert_eq!(offset(&store, "g", "t", 0), Some(1999));
        assert!(!store.has_group("gone"));
    }

    #[test]
    fn the_file_compacts_itself_when_large() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = OffsetStore::open_with(dir.path(), 4096).unwrap();
        let mut max_len = 0;
        for i in 0..400 {
            commit(&store, "g", "a-topic-with-a-long-name", (i % 4) as u32, i);
            max_len = max_len.max(store.file_len());
        }
        assert!(max_len <= 4096 + 200, "{max_len}");
        drop(store);
        let (store, _) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(offset(&store, "g", "a-topic-with-a-long-name", 3), Some(399));
    }

    #[test]
    fn damage_followed_by_a_valid_record_is_refused_not_cut() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&store, "g", "t", 0, 1);
            commit(&store, "g", "t", 1, 2);
            commit(&store, "g", "t", 2, 3);
        }
        let path = dir.path().join(FILE_NAME);
        let mut bytes = fs::read(&path).unwrap();
        // A flipped bit in the first record's payload: the two after it are intact.
        bytes[RECORD_HEADER + 2] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        let error = OffsetStore::open(dir.path())
            .err()
            .expect("a corrupt file is refused");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        let message = error.to_string();
        assert!(message.contains("CRC32C at byte 0"), "{message}");
        assert!(message.contains("a valid record follows at byte"), "{message}");
        // Nothing was cut: the file is as it was found.
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn a_tail_of_zeros_after_a_crash_is_cut_as_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&store, "g", "t", 0, 1);
        }
        let path = dir.path().join(FILE_NAME);
        let mut bytes = fs::read(&path).unwrap();
        bytes.extend_from_slice(&[0; 4096]);
        fs::write(&path, &bytes).unwrap();
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.truncated.unwrap().0, 4096);
        assert_eq!(offset(&store, "g", "t", 0), Some(1));
    }

    #[test]
    fn a_failed_compaction_does_not_fail_the_commit_that_triggered_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = OffsetStore::open_with(dir.path(), 1024).unwrap();
        // The temporary file's name is taken by a directory: every compaction fails.
        fs::create_dir(dir.path().join(format!("{FILE_NAME}.tmp"))).unwrap();
        for i in 0..300 {
            commit(&store, "g", "t", (i % 3) as u32, i);
        }
        assert!(store.file_len() > 4 * 1024, "no compaction happened");
        drop(store);
        fs::remove_dir(dir.path().join(format!("{FILE_NAME}.tmp"))).unwrap();
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.records, 300);
        assert_eq!(offset(&store, "g", "t", 2), Some(299));
        assert_eq!(offset(&store, "g", "t", 1), Some(298));
    }

    #[test]
    fn concurrent_commits_are_all_durable_and_the_last_of_each_partition_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = OffsetStore::open(dir.path()).unwrap();
        std::thread::scope(|scope| {
            for thread in 0..8u32 {
                let store = &store;
                scope.spawn(move || {
                    for i in 0..50 {
                        commit(store, "g", "t", thread, i);
                    }
                });
            }
        });
        drop(store);
        let (store, recovery) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(recovery.records, 8 * 50);
        for thread in 0..8 {
            assert_eq!(offset(&store, "g", "t", thread), Some(49));
        }
    }

    #[test]
    fn deleting_a_topics_offsets_touches_only_that_topic_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = OffsetStore::open(dir.path()).unwrap();
            commit(&store, "g", "gone", 0, 1);
            commit(&store, "g", "gone", 1, 1);
            commit(&store, "g", "kept", 0, 2);
            commit(&store, "h", "gone", 0, 3);
            commit(&store, "i", "kept", 0, 4);
            let deletions = store.deletions_of_topic("gone", None);
            assert_eq!(
                deletions.iter().map(|b| b.group.as_str()).collect::<Vec<_>>(),
                ["g", "h"]
            );
            store.submit(deletions).wait().unwrap();
        }
        let (store, _) = OffsetStore::open(dir.path()).unwrap();
        assert_eq!(offset(&store, "g", "gone", 0), None);
        assert_eq!(offset(&store, "g", "gone", 1), None);
        assert_eq!(offset(&store, "g", "kept", 0), Some(2));
        // A group left with no offset at all is gone.
        assert!(!store.has_group("h"));
        assert_eq!(offset(&store, "i", "kept", 0), Some(4));
    }
}
