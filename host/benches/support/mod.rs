//! What the bench binaries share: finding release artifacts, reading this process's memory and
//! the machine's load, formatting durations. Each bench uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `target/release`, where the bench binary's own build put the plugin cdylibs and `regroup`.
pub fn release_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/release/deps layout")
        .to_owned()
}

/// A release artifact by file name (`regroup`, `libregroup_sticky.so`), which must exist.
pub fn release_artifact(name: &str) -> PathBuf {
    let path = release_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release --workspace` first",
        path.display()
    );
    path
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// A `/proc/self/status` memory field in KiB: `VmRSS` (resident now) or `VmHWM` (peak).
pub fn status_kib(field: &str) -> u64 {
    process_status_kib("self", field)
}

/// As [`status_kib`], of the process `pid` (`"self"` or a number).
pub fn process_status_kib(pid: &str, field: &str) -> u64 {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {path}"))
}

/// The 1, 5 and 15 minute load averages, to print beside figures from a shared machine.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// How long one call of `f` takes; its result is dropped outside the timing.
pub fn time_call<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    drop(out);
    took
}

/// The ratios `a` / `b` of `pairs` pairs of calls made back to back, which of the two goes first
/// alternating (so neither always runs on the other's freed memory): load that comes and goes
/// on a shared machine hits both halves of a pair alike.
pub fn alternating_ratios(
    pairs: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> Vec<f64> {
    (0..pairs)
        .map(|n| {
            let (ta, tb) = if n % 2 == 0 {
                let ta = a();
                (ta, b())
            } else {
                let tb = b();
                (a(), tb)
            };
            ta.as_secs_f64() / tb.as_secs_f64()
        })
        .collect()
}

pub fn median_ratio(ratios: &[f64]) -> f64 {
    let mut ratios = ratios.to_vec();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}
