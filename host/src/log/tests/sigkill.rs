//! A real crash: a child process appends with flush-every-batch and prints each acknowledged
//! offset; the parent SIGKILLs it mid-stream, reopens the log and looks for every one of them.
//!
//! The child is this same test binary, re-run with `--exact <this test>` and an environment
//! variable naming the log directory, which makes the test body act as the appender.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::log::{FlushPolicy, Log, LogOptions, Record, TopicSettings};

const CHILD_DIR_VAR: &str = "REGROUP_LOG_SIGKILL_CHILD_DIR";
const TOPIC: &str = "crash";
const PARTITIONS: u32 = 2;
const RECORDS_PER_BATCH: u64 = 3;
/// Acknowledgements the parent waits for before killing the child.
const ACKS_BEFORE_KILL: usize = 200;

fn value(batch: u64, record: u64) -> Vec<u8> {
    format!(
        "batch-{batch}-record-{record}-{}",
        "x".repeat((batch % 50) as usize)
    )
    .into_bytes()
}

#[test]
fn acknowledged_records_survive_sigkill_of_an_every_batch_appender() {
    if let Some(dir) = std::env::var_os(CHILD_DIR_VAR) {
        append_until_killed(dir.into());
    }
    let dir = tempfile::tempdir().unwrap();
    let test_name = format!(
        "{}::acknowledged_records_survive_sigkill_of_an_every_batch_appender",
        module_path!().split_once("::").expect("crate::path").1
    );
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &test_name, "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = Vec::new();
    while acknowledged.len() < ACKS_BEFORE_KILL {
        let line = lines.next().expect("child exited before being killed").unwrap();
        acknowledged.extend(parse_ack(&line));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    // Lines already in the pipe were acknowledged before the kill too.
    acknowledged.extend(lines.map_while(Result::ok).filter_map(|line| parse_ack(&line)));

    let (log, report) = Log::open(dir.path(), LogOptions::default()).unwrap();
    for (topic, partition, action) in report.actions() {
        eprintln!("recovery of {topic}/{partition}: {action}");
    }
    for (batch, partition, base_offset) in &acknowledged {
        let fetch = log.fetch(TOPIC, *partition, *base_offset, 1).unwrap();
        let records = &fetch.batches[0].records;
        assert_eq!(records.len() as u64, RECORDS_PER_BATCH);
        for (index, record) in records.iter().enumerate() {
            assert_eq!(record.offset, base_offset + index as u64);
            assert_eq!(
                record.value,
                value(*batch, index as u64),
                "batch {batch} record {index}"
            );
        }
    }
    assert!(acknowledged.len() >= ACKS_BEFORE_KILL);
}

/// `acked <batch> <partition> <base offset>`
fn parse_ack(line: &str) -> Option<(u64, u32, u64)> {
    let mut fields = line.strip_prefix("acked ")?.split(' ');
    Some((
        fields.next()?.parse().ok()?,
        fields.next()?.parse().ok()?,
        fields.next()?.parse().ok()?,
    ))
}

fn append_until_killed(dir: std::path::PathBuf) -> ! {
    use std::io::Write;
    let options = LogOptions {
        default_flush: FlushPolicy::EveryBatch,
        ..LogOptions::default()
    };
    let (log, _) = Log::open(dir, options).unwrap();
    // Small segments so the kill can also land around a roll.
    let settings = TopicSettings {
        segment_bytes: 16 * 1024,
        index_interval_bytes: 512,
        ..TopicSettings::default()
    };
    log.create_topic(TOPIC, PARTITIONS, settings).unwrap();
    let mut stdout = std::io::stdout().lock();
    for batch in 0u64.. {
        let partition = (batch % u64::from(PARTITIONS)) as u32;
        let records: Vec<Record> = (0..RECORDS_PER_BATCH)
            .map(|r| Record::new(value(batch, r)))
            .collect();
        let appended = log.append_to(TOPIC, partition, &records).unwrap();
        writeln!(stdout, "acked {batch} {partition} {}", appended.base_offset).unwrap();
        stdout.flush().unwrap();
    }
    unreachable!("the parent kills this process")
}
