//! Crash-loop protection for in-process plugins. A marker file names each in-process run while it
//! lasts (written before the call, removed when it ends). A marker found at start means the last
//! process ended during such a run (most likely the plugin crashed it), so the registry runs that
//! strategy isolated in this process instead of letting it take the host down again.

use std::collections::BTreeMap;
use std::path::Path;

/// Marker files end with this.
pub(super) const SUFFIX: &str = ".running";

/// The strategies named by markers left in `dir` (with the file each came from), removing the
/// markers. A missing directory holds none.
pub(super) fn take(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(SUFFIX) {
            continue;
        }
        // Bounded: a marker is two short lines; anything longer is not one of ours.
        let text = std::fs::read(&path)
            .ok()
            .filter(|bytes| bytes.len() <= 64 * 1024)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        let mut lines = text.lines();
        if let Some(name) = lines.next().map(str::trim).filter(|n| !n.is_empty()) {
            found.insert(name.to_owned(), lines.next().unwrap_or("").to_owned());
        }
        let _ = std::fs::remove_file(&path);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_once_and_other_files_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("misbehaving.7.0.running"),
            "misbehaving\n/p/m.so\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "range\n").unwrap();
        let found = take(dir.path());
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            [("misbehaving".to_owned(), "/p/m.so".to_owned())]
        );
        assert!(take(dir.path()).is_empty());
        assert!(dir.path().join("notes.txt").exists());
        assert!(take(&dir.path().join("missing")).is_empty());
    }
}
