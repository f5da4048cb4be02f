//! Idempotent producing end to end, with the real `regroup` binary: the host is SIGKILLed after a
//! batch was appended and fsynced but before its producer was answered (the debug build's fault
//! hook, `REGROUP_TEST_SIGKILL_AFTER_APPEND`, kills it at exactly that point), then started again
//! on the same port and data; the producer's resend must be stored once.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use regroup::log::{Log, LogOptions, Record, StoredRecord};
use regroup_client::{Client, Producer, ProducerConfig};
use regroup_protocol::messages::topics::CreateTopic;
use regroup_tests::regroup_exe;

const KILL_HOOK: &str = "REGROUP_TEST_SIGKILL_AFTER_APPEND";
const TOPIC: &str = "once";

/// A loopback address with a port free right now (the host is restarted on it).
fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// A `regroup serve` process, killed on drop so a failing test leaves none behind.
struct Host(Child);

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `regroup serve` on `addr`, flushing every batch; with `kill_hook`, it kills itself after the
/// first append it makes. Returns once it listens.
fn serve(data_dir: &Path, addr: &str, kill_hook: bool) -> Host {
    let mut command = Command::new(regroup_exe());
    command
        .args([
            "serve",
            "--listen",
            addr,
            "--kafka-listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--flush",
            "every_batch",
            "--data-dir",
        ])
        .arg(data_dir);
    if kill_hook {
        command.env(KILL_HOOK, "1");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let host = Host(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(
        line.starts_with("regroup listening on"),
        "unexpected first line {line:?}"
    );
    host
}

/// Waits for the host to die of the hook's SIGKILL, then starts it again on the same port.
fn restart_after_its_sigkill(mut host: Host, data_dir: &Path, addr: &str, kill_hook: bool) -> Host {
    use std::os::unix::process::ExitStatusExt;
    let status = host.0.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "the host ended with {status}, not SIGKILL"
    );
    serve(data_dir, addr, kill_hook)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Produces `count` records one at a time in a thread of its own (each waits for its answer);
/// returns the offsets the producer was told.
fn produce_in_background(
    addr: &str,
    count: usize,
    enable_idempotence: bool,
) -> std::thread::JoinHandle<Vec<u64>> {
    let addr = addr.to_owned();
    std::thread::spawn(move || {
        runtime().block_on(async {
            let config = ProducerConfig {
                linger: Duration::ZERO,
                enable_idempotence,
                ..ProducerConfig::default()
            };
            let producer = Producer::connect(&addr, config).await.unwrap();
            let mut offsets = Vec::new();
            for i in 0..count {
                let landed = producer
                    .send(TOPIC, Record::new(format!("record-{i}")))
                    .await
                    .unwrap();
                offsets.push(landed.offset);
            }
            offsets
        })
    })
}

fn create_topic(addr: &str) {
    runtime().block_on(async {
        let admin = Client::connect(addr).await.unwrap();
        admin.create_topic(CreateTopic::new(TOPIC, 1)).await.unwrap();
    });
}

/// Every record stored, read from the data directory's files once the host is gone.
fn stored_records(data_dir: &Path) -> Vec<StoredRecord> {
    let (log, _) = Log::open(data_dir.join("topics"), LogOptions::default()).unwrap();
    log.fetch(TOPIC, 0, 0, u64::MAX)
        .unwrap()
        .batches
        .into_iter()
        .flat_map(|batch| batch.records)
        .collect()
}

/// Records whose value was stored more than once.
fn duplicates(records: &[StoredRecord]) -> usize {
    let mut values: Vec<&[u8]> = records.iter().map(|r| r.value.as_slice()).collect();
    values.sort();
    values.windows(2).filter(|pair| pair[0] == pair[1]).count()
}

#[test]
fn twenty_sigkills_between_fsync_and_answer_leave_every_record_stored_once() {
    const KILLS: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let mut host = serve(dir.path(), &addr, true);
    create_topic(&addr);
    let producer = produce_in_background(&addr, KILLS, true);
    // Each record's first append kills the host; its resend reaches the next host, which finds
    // it stored, answers with its offset and appends nothing (so it lives on to the next record).
    for _ in 0..KILLS {
        host = restart_after_its_sigkill(host, dir.path(), &addr, true);
    }
    let offsets = producer.join().unwrap();
    drop(host);
    let records = stored_records(dir.path());
    let duplicated = duplicates(&records);
    eprintln!("duplicates after {KILLS} SIGKILLs between fsync and answer: {duplicated}");
    assert_eq!(duplicated, 0);
    assert_eq!(
        offsets,
        (0..KILLS as u64).collect::<Vec<_>>(),
        "each record answered with its one offset"
    );
    let values: Vec<String> = records
        .iter()
        .map(|r| String::from_utf8(r.value.clone()).unwrap())
        .collect();
    assert_eq!(
        values,
        (0..KILLS).map(|i| format!("record-{i}")).collect::<Vec<_>>()
    );
}

#[test]
fn without_idempotence_the_same_crash_stores_the_batch_twice() {
    // The control: the hook does reproduce a lost answer, and only idempotence makes it harmless.
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let host = serve(dir.path(), &addr, true);
    create_topic(&addr);
    let producer = produce_in_background(&addr, 1, false);
    let host = restart_after_its_sigkill(host, dir.path(), &addr, false);
    let offsets = producer.join().unwrap();
    drop(host);
    assert_eq!(offsets, [1], "the resend was appended after the first copy");
    let records = stored_records(dir.path());
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(duplicates(&records), 1);
}

#[test]
fn a_sigkill_with_many_batches_in_flight_stores_each_record_once() {
    // Small batches, sixteen in flight: after the crash each is sent again on its own, and a
    // later one may reach the new host before the one ahead of it (it is tried again).
    const RECORDS: usize = 400;
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let host = serve(dir.path(), &addr, true);
    create_topic(&addr);
    let producer_addr = addr.clone();
    let producer = std::thread::spawn(move || {
        runtime().block_on(async {
            let config = ProducerConfig {
                linger: Duration::ZERO,
                batch_bytes: 300,
                max_in_flight: 16,
                ..ProducerConfig::default()
            };
            let producer = Producer::connect(&producer_addr, config).await.unwrap();
            let mut deliveries = Vec::new();
            for i in 0..RECORDS {
                let record = Record::new(format!("record-{i}"));
                deliveries.push(producer.enqueue(TOPIC, record).await.unwrap());
            }
            let mut offsets = Vec::new();
            for delivery in deliveries {
                offsets.push(delivery.await.unwrap().offset);
            }
            offsets
        })
    });
    let host = restart_after_its_sigkill(host, dir.path(), &addr, false);
    let mut offsets = producer.join().unwrap();
    drop(host);
    offsets.sort();
    offsets.dedup();
    assert_eq!(
        offsets.len(),
        RECORDS,
        "every record answered with an offset of its own"
    );
    let records = stored_records(dir.path());
    assert_eq!(duplicates(&records), 0);
    assert_eq!(records.len(), RECORDS);
}

#[test]
fn after_a_batch_fails_for_good_the_producer_goes_on_under_a_new_producer_id() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let host = serve(dir.path(), &addr, false);
    create_topic(&addr);
    let host_slot = std::sync::Mutex::new(Some(host));
    runtime().block_on(async {
        let mut config = ProducerConfig {
            linger: Duration::ZERO,
            ..ProducerConfig::default()
        };
        config.delivery_timeout = Duration::from_millis(500);
        let producer = Producer::connect(&addr, config).await.unwrap();
        producer.send(TOPIC, Record::new("first")).await.unwrap();
        drop(host_slot.lock().unwrap().take());
        // The host is gone for longer than a request may wait: this batch fails for good, and
        // its sequence number is never stored.
        producer
            .send(TOPIC, Record::new("lost"))
            .await
            .expect_err("no host to store it");
        *host_slot.lock().unwrap() = Some(serve(dir.path(), &addr, false));
        let landed = producer.send(TOPIC, Record::new("after")).await.unwrap();
        assert_eq!(
            landed.offset, 1,
            "stored after the first, not refused as out of order"
        );
    });
    drop(host_slot);
    let values: Vec<Vec<u8>> = stored_records(dir.path()).into_iter().map(|r| r.value).collect();
    assert_eq!(values, [b"first".to_vec(), b"after".to_vec()]);
}
