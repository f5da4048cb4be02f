//! What the end-to-end tests share: where the built binary and plugin libraries are, publishing
//! a plugin file the way a careful user would, and waiting for the host to notice.

pub mod cli;
pub mod host;
pub mod kafka;

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

/// `regroup serve` on `data_dir` with all three listeners (native, Kafka, metrics) on free loopback
/// ports, so tests running side by side never contend for the default ones.
pub fn serve_command(data_dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(regroup_exe());
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--kafka-listen",
            "127.0.0.1:0",
        ])
        .args(["--metrics-listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir);
    command
}

/// The cdylib built from workspace package `package` (e.g. `regroup-range`, `fixture-misbehaving`).
///
/// `cargo test` builds it as a dependency of this crate into `deps/`; `cargo build` puts it beside
/// the binaries. The newer one is the current one.
pub fn plugin_lib(package: &str) -> PathBuf {
    let name = format!(
        "lib{}.{}",
        package.replace('-', "_"),
        std::env::consts::DLL_EXTENSION
    );
    let candidates = [build_dir().join("deps").join(&name), build_dir().join(&name)];
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    candidates
        .iter()
        .filter(|p| modified(p).is_some())
        .max_by_key(|p| modified(p))
        .unwrap_or_else(|| {
            panic!("{name} is missing: run `cargo test --workspace` or `cargo build --workspace`")
        })
        .clone()
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
