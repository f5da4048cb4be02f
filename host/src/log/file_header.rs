//! The 16-byte header that opens every index file (`.index`, `.timeindex`). Segment `.log` files
//! have none: they hold Kafka's record batches from byte 0, as Kafka's own segment files do.
//!
//! | offset | size | field          | value                                             |
//! |-------:|-----:|----------------|---------------------------------------------------|
//! | 0      | 4    | magic          | `b"RGLG"`                                         |
//! | 4      | 2    | format_version | u16 LE, [`FORMAT_VERSION`]                        |
//! | 6      | 1    | kind           | 2 = offset index, 3 = time index (1 was the `.log` file of format 1) |
//! | 7      | 1    | reserved       | 0                                                 |
//! | 8      | 8    | base_offset    | u64 LE, the segment's first offset                |
//!
//! The version is checked on open so a newer layout is refused instead of misread.

use std::path::Path;

use super::error::LogError;

pub const HEADER_LEN: usize = 16;
pub const MAGIC: [u8; 4] = *b"RGLG";
/// The only layout this build reads and writes (see `docs/log-format.md`): 2 stores Kafka's
/// record batch v2 in header-less `.log` files; 1 stored Regroup's own batches after a header.
pub const FORMAT_VERSION: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Log = 1,
    OffsetIndex = 2,
    TimeIndex = 3,
}

pub fn encode(kind: FileKind, base_offset: u64) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[0..4].copy_from_slice(&MAGIC);
    header[4..6].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header[6] = kind as u8;
    header[8..16].copy_from_slice(&base_offset.to_le_bytes());
    header
}

/// Checks a header read from `path`: magic, version, kind and base offset must all match.
pub fn verify(bytes: &[u8], kind: FileKind, base_offset: u64, path: &Path) -> Result<(), LogError> {
    let corrupt = |reason: String| LogError::Corrupt {
        path: path.to_path_buf(),
        position: 0,
        reason,
    };
    if bytes.len() < HEADER_LEN {
        return Err(corrupt(format!(
            "file header is {} bytes, expected {HEADER_LEN}",
            bytes.len()
        )));
    }
    if bytes[0..4] != MAGIC {
        return Err(corrupt(format!("bad magic {:?}", &bytes[0..4])));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(LogError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if bytes[6] != kind as u8 {
        return Err(corrupt(format!(
            "file kind {} where {:?} was expected",
            bytes[6], kind
        )));
    }
    let stored_base = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    if stored_base != base_offset {
        return Err(corrupt(format!(
            "header says base offset {stored_base}, file name says {base_offset}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let header = encode(FileKind::TimeIndex, 42);
        verify(&header, FileKind::TimeIndex, 42, Path::new("t")).unwrap();
    }

    #[test]
    fn wrong_kind_base_or_magic_is_refused() {
        let header = encode(FileKind::TimeIndex, 7);
        assert!(verify(&header, FileKind::OffsetIndex, 7, Path::new("t")).is_err());
        assert!(verify(&header, FileKind::TimeIndex, 8, Path::new("t")).is_err());
        let mut zeroed = header;
        zeroed[0..4].fill(0);
        assert!(verify(&zeroed, FileKind::TimeIndex, 7, Path::new("t")).is_err());
        assert!(verify(&header[..10], FileKind::TimeIndex, 7, Path::new("t")).is_err());
    }

    #[test]
    fn newer_version_is_reported_as_unsupported() {
        let mut header = encode(FileKind::OffsetIndex, 0);
        header[4..6].copy_from_slice(&3u16.to_le_bytes());
        let error = verify(&header, FileKind::OffsetIndex, 0, Path::new("t")).unwrap_err();
        assert!(matches!(
            error,
            LogError::UnsupportedFormat {
                found: 3,
                supported: 2,
                ..
            }
        ));
    }
}
