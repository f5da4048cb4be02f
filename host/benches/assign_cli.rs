//! `regroup assign` as a user runs it, process start to exit, at Kafka's large-group size:
//! 2,000 members x 500 topics x 2,000 partitions (1M partitions), every member subscribed to
//! every topic.
//!
//! Needs the release binary: `cargo build --release -p regroup && cargo bench -p regroup --bench assign_cli`.
//! With `REGROUP_ASSIGN_BASELINE=/path/to/old/regroup`, every run of the release binary is paired
//! with the same run of that binary, alternating which goes first, so both are measured under the
//! same load.
//!
//! Cases: `fresh` (nobody owns anything) with `range` and `cooperative-sticky`, and `join` (every
//! member owns its round-robin share at generation 1 and one more member joins owning nothing,
//! Kafka's incremental case) with `cooperative-sticky`; each with and without `--json`. Each run's
//! wall time, CPU time and peak resident memory (the child's own `ru_utime + ru_stime` and
//! `ru_maxrss`, from `wait4`) are recorded; the medians of `RUNS` runs are printed, with the range
//! of wall times and of peaks.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

const MEMBERS: usize = 2_000;
const TOPICS: usize = 500;
const PARTITIONS: u32 = 2_000;
const RUNS: usize = 5;

fn topic(t: usize) -> String {
    format!("topic-{t:04}")
}

/// Writes the fresh and the join group, as JSON, into `dir`.
fn inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let names: Vec<String> = (0..TOPICS).map(|t| format!("\"{}\"", topic(t))).collect();
    let subscription = format!("[{}]", names.join(","));
    let topics = format!(
        "{{{}}}",
        (0..TOPICS)
            .map(|t| format!("\"{}\":{PARTITIONS}", topic(t)))
            .collect::<Vec<_>>()
            .join(",")
    );
    let write = |name: &str, generation: u32, owned: Option<&[Vec<(usize, u32)>]>, extra: usize| {
        let path = dir.join(name);
        let mut out = BufWriter::new(File::create(&path).unwrap());
        write!(
            out,
            "{{\"generation\":{generation},\"topics\":{topics},\"members\":["
        )
        .unwrap();
        for m in 0..MEMBERS + extra {
            if m > 0 {
                out.write_all(b",").unwrap();
            }
            write!(out, "{{\"id\":\"member-{m:05}\",\"topics\":{subscription}").unwrap();
            if let Some(list) = owned.and_then(|o| o.get(m)) {
                out.write_all(b",\"generation\":1,\"owned\":[").unwrap();
                for (i, (t, p)) in list.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",").unwrap();
                    }
                    write!(out, "[\"{}\",{p}]", topic(*t)).unwrap();
                }
                out.write_all(b"]").unwrap();
            }
            out.write_all(b"}").unwrap();
        }
        out.write_all(b"]}").unwrap();
        out.flush().unwrap();
        path
    };
    let fresh = write("fresh.json", 1, None, 0);
    let mut owned = vec![Vec::new(); MEMBERS];
    let mut i = 0;
    for t in 0..TOPICS {
        for p in 0..PARTITIONS {
            owned[i % MEMBERS].push((t, p));
            i += 1;
        }
    }
    let join = write("join.json", 2, Some(&owned), 1);
    (fresh, join)
}

/// One run: wall time, CPU time (user + system) and peak resident memory in KiB.
type Sample = (Duration, Duration, u64);

/// One run of `exe assign`: its wall time, its own CPU time and peak resident memory (on a
/// machine shared with other work, the wall time includes waiting for a core; the CPU time not).
fn run(exe: &Path, strategy: &str, input: &Path, json: bool) -> Sample {
    let mut command = Command::new(exe);
    command
        .args(["assign", "--strategy", strategy, "--input"])
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if json {
        command.arg("--json");
    }
    let started = Instant::now();
    // Reaped below by `wait4`, which also reports the child's own peak memory.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().unwrap();
    let mut status = 0;
    // SAFETY: `rusage` is plain data filled in by the kernel; `wait4` reaps our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let status = std::process::ExitStatus::from_raw(status);
    assert!(
        status.success(),
        "{} assign --strategy {strategy} failed: {status}",
        exe.display()
    );
    let cpu = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (
        took,
        cpu(usage.ru_utime) + cpu(usage.ru_stime),
        usage.ru_maxrss as u64,
    )
}

fn summary(samples: &[Sample]) -> String {
    let times: Vec<Duration> = samples.iter().map(|s| s.0).collect();
    let cpu: Vec<Duration> = samples.iter().map(|s| s.1).collect();
    let mut peaks: Vec<u64> = samples.iter().map(|s| s.2).collect();
    peaks.sort_unstable();
    let (lo, hi) = (
        times.iter().min().copied().unwrap_or_default(),
        times.iter().max().copied().unwrap_or_default(),
    );
    format!(
        "{} ({}-{}), CPU {}, peak {:.1} MiB ({:.1}-{:.1})",
        support::ms(support::median(times)),
        support::ms(lo),
        support::ms(hi),
        support::ms(support::median(cpu)),
        peaks[peaks.len() / 2] as f64 / 1024.0,
        peaks[0] as f64 / 1024.0,
        peaks[peaks.len() - 1] as f64 / 1024.0
    )
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (a test run) only checks that this builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let exe = support::release_artifact("regroup");
    let baseline = std::env::var_os("REGROUP_ASSIGN_BASELINE").map(PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let (fresh, join) = inputs(dir.path());
    println!(
        "regroup assign, {MEMBERS} members x {TOPICS} topics x {PARTITIONS} partitions; input {:.1} MB (fresh), {:.1} MB (join); load {}",
        std::fs::metadata(&fresh).unwrap().len() as f64 / 1e6,
        std::fs::metadata(&join).unwrap().len() as f64 / 1e6,
        support::loadavg()
    );
    let cases = [
        ("fresh", "range", &fresh),
        ("fresh", "cooperative-sticky", &fresh),
        ("join", "cooperative-sticky", &join),
    ];
    for (case, strategy, input) in cases {
        for json in [true, false] {
            let (mut now, mut before) = (Vec::new(), Vec::new());
            for i in 0..RUNS {
                let mut pair = |first_new: bool| {
                    if first_new {
                        now.push(run(&exe, strategy, input, json));
                    }
                    if let Some(old) = &baseline {
                        before.push(run(old, strategy, input, json));
                    }
                    if !first_new {
                        now.push(run(&exe, strategy, input, json));
                    }
                };
                pair(i % 2 == 0);
            }
            let label = format!("{case} {strategy}{}", if json { " --json" } else { "" });
            println!("  {label:<36} this build: {}", summary(&now));
            if !before.is_empty() {
                println!("  {:<36} baseline:   {}", "", summary(&before));
            }
        }
    }
}
