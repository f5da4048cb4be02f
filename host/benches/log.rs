//! Log benchmarks: append throughput, fsync-per-batch appends, sequential reads, recovery.
//!
//! Run with `cargo bench -p regroup --bench log`. Sizes are kept small so the whole run takes
//! a couple of minutes; the disk behind the temp directory decides most of these numbers.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use regroup::log::{FlushPolicy, Log, LogOptions, Record, TopicSettings};

const RECORD_BYTES: usize = 1024;
const RECORDS_PER_BATCH: usize = 100;
const BATCH_BYTES: u64 = (RECORD_BYTES * RECORDS_PER_BATCH) as u64;

fn batch() -> Vec<Record> {
    (0..RECORDS_PER_BATCH)
        .map(|i| Record::new(vec![(i % 251) as u8; RECORD_BYTES]))
        .collect()
}

fn open_log(dir: &Path, flush: FlushPolicy) -> Log {
    let options = LogOptions {
        default_flush: flush,
        ..LogOptions::default()
    };
    Log::open(dir, options).expect("open log").0
}

fn settings() -> TopicSettings {
    TopicSettings {
        segment_bytes: 64 << 20,
        retention_age: None,
        ..TopicSettings::default()
    }
}

fn append_os_flush(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_1KiB_x100_os_flush");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let records = batch();

    let dir = tempfile::tempdir().unwrap();
    let log = open_log(dir.path(), FlushPolicy::Os);
    log.create_topic("one", 1, settings()).unwrap();
    group.throughput(Throughput::Bytes(BATCH_BYTES));
    group.bench_function("one_partition", |b| {
        b.iter(|| log.append_to("one", 0, &records).unwrap())
    });

    log.create_topic("sixteen", 16, settings()).unwrap();
    group.throughput(Throughput::Bytes(16 * BATCH_BYTES));
    // One batch to each of 16 partitions per iteration, from two threads (this machine's cores),
    // so the per-partition locks let them write side by side.
    group.bench_function("sixteen_partitions_two_threads", |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                for half in 0..2u32 {
                    let (log, records) = (&log, &records);
                    scope.spawn(move || {
                        for partition in (half * 8)..(half * 8 + 8) {
                            log.append_to("sixteen", partition, records).unwrap();
                        }
                    });
                }
            })
        })
    });
    group.finish();
}

fn append_every_batch_flush(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_1KiB_x100_fsync_every_batch");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let records = batch();
    let dir = tempfile::tempdir().unwrap();
    let log = open_log(dir.path(), FlushPolicy::EveryBatch);
    log.create_topic("durable", 1, settings()).unwrap();
    group.throughput(Throughput::Elements(RECORDS_PER_BATCH as u64));
    group.bench_function("records", |b| {
        b.iter(|| log.append_to("durable", 0, &records).unwrap())
    });
    group.throughput(Throughput::Bytes(BATCH_BYTES));
    group.bench_function("bytes", |b| {
        b.iter(|| log.append_to("durable", 0, &records).unwrap())
    });
    group.finish();
}

fn sequential_read(c: &mut Criterion) {
    const BATCHES: u64 = 1280; // 125 MiB of values
    let dir = tempfile::tempdir().unwrap();
    let log = open_log(dir.path(), FlushPolicy::Os);
    log.create_topic("big", 1, settings()).unwrap();
    let records = batch();
    for _ in 0..BATCHES {
        log.append_to("big", 0, &records).unwrap();
    }
    let mut group = c.benchmark_group("sequential_read");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(BATCHES * BATCH_BYTES));
    group.bench_function("whole_partition_1MiB_fetches", |b| {
        b.iter(|| {
            let mut offset = 0;
            let mut records_read = 0usize;
            loop {
                let fetch = log.fetch("big", 0, offset, 1 << 20).unwrap();
                let Some(last) = fetch.batches.last() else { break };
                offset = last.records.last().unwrap().offset + 1;
                records_read += fetch.batches.iter().map(|b| b.records.len()).sum::<usize>();
            }
            assert_eq!(records_read as u64, BATCHES * RECORDS_PER_BATCH as u64);
        })
    });
    group.finish();
}

fn recovery_of_torn_tail(c: &mut Criterion) {
    const BATCHES: u64 = 640; // 62.5 MiB across four 16 MiB segments
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open_log(dir.path(), FlushPolicy::Os);
        let settings = TopicSettings {
            segment_bytes: 16 << 20,
            ..settings()
        };
        log.create_topic("torn", 1, settings).unwrap();
        let records = batch();
        for _ in 0..BATCHES {
            log.append_to("torn", 0, &records).unwrap();
        }
    }
    let last_segment = last_log_file(&dir.path().join("torn").join("0"));
    let mut group = c.benchmark_group("recovery");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("open_partition_with_torn_tail_62MiB", |b| {
        b.iter_batched(
            || tear_tail(&last_segment),
            |()| {
                let (log, report) = Log::open(dir.path(), LogOptions::default()).unwrap();
                assert!(!report.is_clean());
                log
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn last_log_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "log"))
        .max()
        .unwrap()
}

/// Appends the first half of a batch, as a crash in the middle of a write leaves it.
fn tear_tail(segment: &Path) {
    let mut file = OpenOptions::new().append(true).open(segment).unwrap();
    // Kafka's batch header starts with the base offset, then the big-endian length.
    file.write_all(&0i64.to_be_bytes()).unwrap();
    file.write_all(&(BATCH_BYTES as i32).to_be_bytes()).unwrap();
    file.write_all(&vec![7u8; BATCH_BYTES as usize / 2]).unwrap();
}

criterion_group!(
    benches,
    append_os_flush,
    append_every_batch_flush,
    sequential_read,
    recovery_of_torn_tail
);
criterion_main!(benches);
