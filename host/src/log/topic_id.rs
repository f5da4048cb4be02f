//! A topic's id: a random UUID (version 4) given at creation and kept in `<topic>/topic.id` as
//! its 36-character text, so a topic deleted and created again under its name is told apart
//! (Kafka's topic ids). A topic created before ids existed gets one at its next open.

use std::io::Read;
use std::path::Path;

use super::durable_fs::write_atomically;
use super::error::LogError;

pub const ID_FILE: &str = "topic.id";

/// A new random id.
pub fn generate() -> Result<[u8; 16], LogError> {
    let path = Path::new("/dev/urandom");
    let mut id = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut random| random.read_exact(&mut id))
        .map_err(LogError::io("read random bytes for a topic id", path))?;
    // RFC 4122 version 4 (random), variant 1.
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    Ok(id)
}

/// Writes `id` into the topic directory `dir`.
pub fn store(dir: &Path, id: [u8; 16]) -> Result<(), LogError> {
    write_atomically(&dir.join(ID_FILE), format_id(id).as_bytes())
}

/// The id kept in `dir`, or a new one stored there when it has none.
pub fn load_or_create(dir: &Path, topic: &str) -> Result<[u8; 16], LogError> {
    let path = dir.join(ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_id(text.trim()).ok_or_else(|| LogError::InvalidSettings {
            topic: topic.to_owned(),
            reason: format!("{} does not hold a topic id (a UUID): {text:?}", path.display()),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let id = generate()?;
            store(dir, id)?;
            Ok(id)
        }
        Err(error) => Err(LogError::io("read topic id", &path)(error)),
    }
}

fn format_id(id: [u8; 16]) -> String {
    let hex: String = id.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn parse_id(text: &str) -> Option<[u8; 16]> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || text.len() != 36 {
        return None;
    }
    let mut id = [0u8; 16];
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_kept_across_loads_and_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let id = load_or_create(dir.path(), "t").unwrap();
        assert_eq!(load_or_create(dir.path(), "t").unwrap(), id);
        assert_eq!(parse_id(&format_id(id)), Some(id));
        assert_eq!(id[6] >> 4, 4, "version 4");
    }

    #[test]
    fn a_garbled_id_file_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(ID_FILE), "not a uuid").unwrap();
        let error = load_or_create(dir.path(), "t").unwrap_err().to_string();
        assert!(error.contains("topic.id"), "{error}");
    }
}
