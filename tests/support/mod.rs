//! What the end-to-end tests share: where the built binary and plugin libraries are, publishing
//! a plugin file the way a careful user would, and waiting for the host to notice.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `target/debug` (or whichever profile built the running test).
pub fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps layout")
        .to_owned()
}

/// The `regroup` binary, which runs plugin probes and isolated workers.
pub fn regroup_exe() -> PathBuf {
    let exe = build_dir().join("regroup");
    assert!(
        exe.exists(),
        "{} is missing: run `cargo build --workspace` (or `cargo test --workspace`) first",
        exe.display()
    );
    exe
}

/// The cdylib built from workspace package `package` (e.g. `regroup-range`, `fixture-misbehaving`).
pub fn plugin_lib(package: &str) -> PathBuf {
    let path = build_dir().join(format!(
        "lib{}.{}",
        package.replace('-', "_"),
        std::env::consts::DLL_EXTENSION
    ));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace` first",
        path.display()
    );
    path
}

/// Publishes `lib` into `dir` as `name` by write-then-rename, as plugins should be deployed.
pub fn publish(lib: &Path, dir: &Path, name: &str) -> PathBuf {
    let staging = dir.join(format!(".{name}.staging"));
    std::fs::copy(lib, &staging).expect("copy plugin");
    let target = dir.join(name);
    std::fs::rename(&staging, &target).expect("rename plugin into place");
    target
}

/// Polls `check` every 10 ms until it returns `Some`, or panics after `limit` naming `what`.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "gave up after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
