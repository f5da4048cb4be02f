//! The cluster id Kafka clients are told: 16 random bytes in URL-safe base64 without padding
//! (22 characters, Kafka's own form), made once and kept in `<data_dir>/cluster.id`.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::log::durable_fs::{Durability, replace_file};

pub const CLUSTER_ID_FILE: &str = "cluster.id";

/// The id kept in `data_dir`, or a new one written there (and synced) when it has none.
pub fn load_or_create_cluster_id(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join(CLUSTER_ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() == 22 => return Ok(text.trim().to_owned()),
        Ok(text) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} does not hold a cluster id (22 characters): {text:?}",
                    path.display()
                ),
            ));
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let mut random = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut random)?;
    let id = URL_SAFE_NO_PAD.encode(random);
    std::fs::create_dir_all(data_dir)?;
    replace_file(&path, id.as_bytes(), Durability::Synced).map_err(|failed| failed.error)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let id = load_or_create_cluster_id(dir.path()).unwrap();
        assert_eq!(id.len(), 22);
        assert_eq!(load_or_create_cluster_id(dir.path()).unwrap(), id);
    }
}
