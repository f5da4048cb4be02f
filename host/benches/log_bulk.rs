//! One gigabyte through the log, once, beside `dd` writing the same amount in the same run: append
//! throughput (1 KiB records in batches of 100, flush left to the OS) to one partition and to 16,
//! sequential read of the 1 GiB partition, and recovery of it after its tail is torn.
//!
//! The criterion benches in `log.rs` repeat small appends for seconds, which pushes several
//! gigabytes through the page cache until the kernel throttles writers to the disk's speed; a
//! single gigabyte is what the targets describe.
//!
//!   cargo bench -p regroup --bench log_bulk

mod support;

use std::fs::OpenOptions;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use regroup::log::{FlushPolicy, Log, LogOptions, Record, TopicSettings};

const RECORD_BYTES: usize = 1024;
const RECORDS_PER_BATCH: usize = 100;
const TOTAL_BYTES: usize = 1 << 30;
const BATCHES: usize = TOTAL_BYTES / (RECORD_BYTES * RECORDS_PER_BATCH);

fn gb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / elapsed.as_secs_f64() / 1e9
}

fn open(dir: &Path) -> (Log, Duration) {
    let options = LogOptions {
        default_flush: FlushPolicy::Os,
        ..LogOptions::default()
    };
    let started = Instant::now();
    let (log, _) = Log::open(dir, options).expect("open log");
    (log, started.elapsed())
}

/// `dd` writing 1 GiB to a file beside the log, flushing at the end as the log's close does.
fn dd(dir: &Path) -> f64 {
    let out = Command::new("dd")
        .args(["if=/dev/zero", "bs=1M", "count=1024", "conv=fsync"])
        .arg(format!("of={}", dir.join("dd.bin").display()))
        .output()
        .expect("dd");
    let _ = std::fs::remove_file(dir.join("dd.bin"));
    let text = String::from_utf8_lossy(&out.stderr);
    // "... copied, 0.39 s, 2.8 GB/s"
    let seconds: f64 = text
        .split(", ")
        .find_map(|part| part.strip_suffix(" s").and_then(|s| s.parse().ok()))
        .unwrap_or(f64::NAN);
    TOTAL_BYTES as f64 / seconds / 1e9
}

/// Times the appends alone (into the page cache, the "left to the OS" policy), then with the
/// final flush that puts everything on the disk.
fn append(dir: &Path, partitions: u32) -> (Duration, Duration) {
    let (log, _) = open(dir);
    let settings = TopicSettings {
        segment_bytes: 256 << 20,
        retention_age: None,
        ..TopicSettings::default()
    };
    log.create_topic("bulk", partitions, settings).unwrap();
    let batch: Vec<Record> = (0..RECORDS_PER_BATCH)
        .map(|i| Record::new(vec![(i % 251) as u8; RECORD_BYTES]))
        .collect();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for half in 0..2u32 {
            let (log, batch) = (&log, &batch);
            scope.spawn(move || {
                for n in 0..BATCHES / 2 {
                    let partition = (n as u32 * 2 + half) % partitions;
                    log.append_to("bulk", partition, batch).unwrap();
                }
            });
        }
    });
    let appended = started.elapsed();
    log.flush().unwrap(); // everything reaches the disk, as dd's conv=fsync
    let flushed = started.elapsed();
    drop(log);
    (appended, flushed)
}

fn main() {
    println!("load average: {}", support::loadavg());
    let dir = tempfile::tempdir().unwrap();
    println!("dd, 1 GiB with fsync at the end: {:.2} GB/s", dd(dir.path()));

    for partitions in [1, 16] {
        // Each run starts with no dirty pages left by the one before, as dd's did.
        let _ = Command::new("sync").status();
        let dir = tempfile::tempdir().unwrap();
        let (appended, flushed) = append(dir.path(), partitions);
        println!(
            "append 1 GiB (1 KiB records, batches of 100, 2 threads) to {partitions} partition(s): {:.2} GB/s appended, {:.2} GB/s including the final flush to disk",
            gb_per_s(TOTAL_BYTES, appended),
            gb_per_s(TOTAL_BYTES, flushed)
        );
        if partitions != 1 {
            continue;
        }
        let (log, _) = open(dir.path());
        let started = Instant::now();
        let (mut offset, mut bytes) = (0u64, 0usize);
        loop {
            let fetch = log.fetch("bulk", 0, offset, 4 << 20).unwrap();
            let Some(last) = fetch.batches.last() else { break };
            bytes += fetch
                .batches
                .iter()
                .flat_map(|b| &b.records)
                .map(|r| r.value.len())
                .sum::<usize>();
            offset = last.records.last().map_or(offset, |r| r.offset + 1);
            if offset >= fetch.high_watermark {
                break;
            }
        }
        let elapsed = started.elapsed();
        println!(
            "sequential read of the 1 GiB partition from the start: {:.2} s, {:.2} GB/s",
            elapsed.as_secs_f64(),
            gb_per_s(bytes, elapsed)
        );
        drop(log);

        // Tear the tail: cut the last segment mid-batch, as a crash during a write would.
        let partition_dir = std::fs::read_dir(dir.path().join("bulk"))
            .unwrap()
            .flatten()
            .find(|e| e.path().is_dir())
            .unwrap()
            .path();
        let mut segments: Vec<_> = std::fs::read_dir(&partition_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "log"))
            .collect();
        segments.sort();
        let last = segments.last().unwrap();
        let file = OpenOptions::new().write(true).open(last).unwrap();
        let len = file.metadata().unwrap().len();
        file.set_len(len - 700).unwrap();
        let (_, recovery) = open(dir.path());
        println!(
            "recovery of the 1 GiB partition with a torn tail (open): {:.1} ms",
            recovery.as_secs_f64() * 1e3
        );
    }
}
