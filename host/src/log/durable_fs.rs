//! File-system steps that must survive a crash: directory syncs and atomic replacement. The one
//! place files are replaced whole, for the log (`topic.conf`), the committed offsets (compaction
//! of `offsets.log`) and the plugin registry (shadow copies of plugin files).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::error::LogError;

/// Makes a directory's entries (created, renamed or removed files) durable.
pub fn sync_dir(dir: &Path) -> Result<(), LogError> {
    sync_dir_io(dir).map_err(LogError::io("sync directory", dir))
}

/// [`sync_dir`] with the plain I/O error, for callers outside the log.
pub fn sync_dir_io(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// What [`replace_file`] promises once it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Readers never see a half-written file, and after a crash the path holds the old or the
    /// new content whole: the file and its directory are fsynced.
    Synced,
    /// Readers never see a half-written file; a crash may lose it (a copy remade on demand).
    Visible,
}

/// Why [`replace_file`] failed, and whether the new content had already taken the path's place
/// (only its directory's sync failed).
#[derive(Debug)]
pub struct ReplaceFailed {
    pub renamed: bool,
    pub error: io::Error,
}

/// Replaces `path` with `bytes` through a temporary file beside it (`<path>.tmp`) renamed over
/// it; a failure before the rename removes the temporary.
pub fn replace_file(path: &Path, bytes: &[u8], durability: Durability) -> Result<(), ReplaceFailed> {
    let failed = |renamed| move |error| ReplaceFailed { renamed, error };
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    let temporary = Path::new(&name);
    let written = File::create(temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        match durability {
            Durability::Synced => file.sync_all(),
            Durability::Visible => Ok(()),
        }
    });
    if let Err(error) = written.and_then(|()| fs::rename(temporary, path)) {
        let _ = fs::remove_file(temporary);
        return Err(failed(false)(error));
    }
    match durability {
        Durability::Synced => sync_dir_io(path.parent().unwrap_or(Path::new("."))).map_err(failed(true)),
        Durability::Visible => Ok(()),
    }
}

/// [`replace_file`], synced, for the log's files.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), LogError> {
    replace_file(path, bytes, Durability::Synced)
        .map_err(|failed| LogError::io("replace", path)(failed.error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("topic.conf");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_replacement_that_cannot_be_written_keeps_the_old_content_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets.log");
        replace_file(&path, b"old", Durability::Visible).unwrap();
        // A directory where the temporary goes makes its creation fail.
        fs::create_dir(dir.path().join("offsets.log.tmp")).unwrap();
        let failed = replace_file(&path, b"new", Durability::Synced).unwrap_err();
        assert!(!failed.renamed);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        fs::remove_dir(dir.path().join("offsets.log.tmp")).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
