//! Producer ids for idempotent producers (Kafka's InitProducerId): never the same id twice, across
//! restarts and crashes.
//!
//! Ids are reserved in blocks of [`BLOCK_SIZE`] (Kafka's `ProducerIdManager` hands out blocks of
//! 1000 too): before the first id of a block is handed out, the end of the block is written to
//! `<root>/@producer-ids` (a name no topic can have) and synced. After a restart the next id is
//! that end, so ids handed out before a crash are never handed out again; at most one block is
//! skipped. Every id comes with epoch 0 (a producer without a transactional id gets a new id each
//! time it starts, as in Kafka).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::durable_fs::write_atomically;
use super::error::LogError;

/// The file of the reserved blocks' end, in the log's root.
pub const FILE_NAME: &str = "@producer-ids";
/// Ids reserved per write of the file.
pub const BLOCK_SIZE: i64 = 1000;

#[derive(Debug)]
pub struct ProducerIds {
    path: PathBuf,
    /// The next id to hand out, and the end (exclusive) of the block reserved on disk.
    next: Mutex<(i64, i64)>,
}

impl ProducerIds {
    /// Reads the reserved end from `root` (0 when the file does not exist yet).
    pub fn open(root: &Path) -> Result<ProducerIds, LogError> {
        let path = root.join(FILE_NAME);
        let reserved_end = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .strip_prefix("next_block=")
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| LogError::Corrupt {
                    path: path.clone(),
                    position: 0,
                    reason: format!("expected next_block=<id>, found {:?}", text.trim()),
                })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => 0,
            Err(error) => return Err(LogError::io("read producer ids", &path)(error)),
        };
        Ok(ProducerIds {
            path,
            next: Mutex::new((reserved_end, reserved_end)),
        })
    }

    /// A producer id no one has had, and its epoch (0).
    pub fn allocate(&self) -> Result<(i64, i16), LogError> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let (id, reserved_end) = *next;
        if id == reserved_end {
            let end = reserved_end + BLOCK_SIZE;
            write_atomically(&self.path, format!("next_block={end}\n").as_bytes())?;
            next.1 = end;
        }
        next.0 = id + 1;
        Ok((id, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_handed_out_twice_across_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..3 {
            let ids = ProducerIds::open(dir.path()).unwrap();
            for _ in 0..1500 {
                let (id, epoch) = ids.allocate().unwrap();
                assert_eq!(epoch, 0);
                assert!(seen.insert(id), "id {id} handed out twice");
            }
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "next_block=6000\n",
            "each reopen starts at a fresh block"
        );
    }

    #[test]
    fn a_damaged_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "garbage").unwrap();
        let error = ProducerIds::open(dir.path()).unwrap_err().to_string();
        assert!(error.contains(FILE_NAME) && error.contains("garbage"), "{error}");
    }
}
