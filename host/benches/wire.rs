//! Wire benchmarks over loopback against a real host in a temp dir: produce throughput with
//! 1 KiB records, produce latency at a moderate rate, consume throughput, and a 500-member
//! group's rebalance over real connections.
//!
//! Run with `cargo bench -p regroup --bench wire` (release). Host, producers and consumers share
//! this machine's cores, so every figure includes the client's cost too. Topics flush per the
//! `os` policy (page cache; fsync on close) unless a line says otherwise. `WIRE_BENCH=throughput`
//! runs only the produce and consume lines.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use regroup::client::{
    Client, Consumer, ConsumerConfig, GroupAssignment, OffsetReset, Producer, ProducerConfig,
    RebalanceListener,
};
use regroup::group::PartitionName;
use regroup::log::{FlushPolicy, Record};
use regroup::protocol::messages::topics::CreateTopic;
use regroup::runtime::{Host, HostConfig, RunningHost};

const RECORD_BYTES: usize = 1024;
const THROUGHPUT_RECORDS: usize = 256 * 1024; // 256 MiB
const PARTITIONS: u32 = 8;

fn start_host(dir: &std::path::Path) -> RunningHost {
    let mut config = HostConfig::for_tests(dir);
    config.flush = FlushPolicy::Os;
    config.tick_interval_ms = 10;
    Host::start(config).expect("host starts")
}

fn mib_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64()
}

async fn produce_throughput(addr: &str) {
    let producer = Producer::connect(
        addr,
        ProducerConfig {
            batch_bytes: 1 << 20,
            max_in_flight: 8,
            ..ProducerConfig::default()
        },
    )
    .await
    .unwrap();
    let value = vec![7u8; RECORD_BYTES];
    let started = Instant::now();
    let mut deliveries = Vec::with_capacity(THROUGHPUT_RECORDS);
    for _ in 0..THROUGHPUT_RECORDS {
        deliveries.push(
            producer
                .enqueue("bench", Record::new(value.clone()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await.unwrap();
    let elapsed = started.elapsed();
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    println!(
        "produce: {THROUGHPUT_RECORDS} x 1 KiB records, one producer, {PARTITIONS} partitions: {:.0} MiB/s ({:.0} records/s)",
        mib_per_s(THROUGHPUT_RECORDS * RECORD_BYTES, elapsed),
        THROUGHPUT_RECORDS as f64 / elapsed.as_secs_f64()
    );
}

async fn consume_throughput(addr: &str) {
    let mut config = ConsumerConfig::new("bench-readers");
    config.auto_offset_reset = OffsetReset::Earliest;
    config.enable_auto_commit = false;
    // Fetch sizes stay at their (Kafka's) defaults, 1 MiB per partition: answers of 8 MiB keep
    // the server's read, the transfer and the decoding overlapping, and warm up (fault in) far
    // less memory than 64 MiB answers, which measured slower here.
    let mut consumer = Consumer::connect(addr, config).await.unwrap();
    consumer.subscribe(&["bench"]);
    // The join is not part of the throughput: join, then read everything from the start.
    while consumer.assignment().is_empty() {
        consumer.poll(Duration::from_millis(1)).await.unwrap();
    }
    for partition in consumer.assignment() {
        consumer.seek(&partition, 0).unwrap();
    }
    let mut bytes = 0;
    let mut records = 0;
    let started = Instant::now();
    while records < THROUGHPUT_RECORDS {
        for record in consumer.poll(Duration::from_millis(100)).await.unwrap() {
            bytes += record.value.len();
            records += 1;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "consume: {records} x 1 KiB records, one consumer: {:.0} MiB/s",
        mib_per_s(bytes, elapsed)
    );
    consumer.close().await.unwrap();
}

async fn produce_latency(addr: &str, topic: &str, label: &str) {
    let producer = Producer::connect(
        addr,
        ProducerConfig {
            linger: Duration::ZERO,
            ..ProducerConfig::default()
        },
    )
    .await
    .unwrap();
    const RATE: u64 = 2000;
    const SENDS: usize = 10_000;
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(SENDS)));
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    let mut tasks = Vec::with_capacity(SENDS);
    for _ in 0..SENDS {
        ticker.tick().await;
        let producer = producer.clone();
        let latencies = Arc::clone(&latencies);
        let topic = topic.to_owned();
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            producer
                .send(&topic, Record::new(vec![1u8; RECORD_BYTES]))
                .await
                .unwrap();
            latencies.lock().unwrap().push(started.elapsed());
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "produce latency, {RATE} records/s of 1 KiB, linger 0, {label}: p50 {:?}  p99 {:?}  p99.9 {:?}",
        at(0.50),
        at(0.99),
        at(0.999)
    );
}

/// Records the generation of every assignment a member takes, as it takes it.
struct HoldsGeneration {
    generations: Arc<Vec<AtomicI32>>,
    id: usize,
}

impl RebalanceListener for HoldsGeneration {
    fn on_partitions_assigned(&mut self, _: &[PartitionName], assignment: &GroupAssignment) {
        self.generations[self.id].fetch_max(assignment.generation, Ordering::SeqCst);
    }
}

/// 500 members hold a 1000-partition topic; one more joins; measured from its join to every
/// member holding its assignment of the new generation.
async fn rebalance_500(addr: &str, admin: &Client) {
    const MEMBERS: usize = 500;
    admin.create_topic(CreateTopic::new("wide", 1000)).await.unwrap();
    let generations: Arc<Vec<AtomicI32>> = Arc::new((0..=MEMBERS).map(|_| AtomicI32::new(-1)).collect());
    let spawn_member = |id: usize| {
        let generations = Arc::clone(&generations);
        let addr = addr.to_owned();
        tokio::spawn(async move {
            let mut config = ConsumerConfig::new("wide-group");
            config.session_timeout = Duration::from_secs(30);
            config.heartbeat_interval = Duration::from_millis(50);
            config.enable_auto_commit = false;
            let mut consumer = Consumer::connect(&addr, config).await.unwrap();
            // A member holds its assignment when its poll takes it and calls the listener, not
            // when the poll returns: with no records to read, that is at the poll's timeout.
            consumer.subscribe_with(
                &["wide"],
                HoldsGeneration {
                    generations: Arc::clone(&generations),
                    id,
                },
            );
            loop {
                consumer.poll(Duration::from_millis(200)).await.unwrap();
                if let Some(assignment) = consumer.group_assignment() {
                    generations[id].fetch_max(assignment.generation, Ordering::SeqCst);
                }
            }
        })
    };
    let mut members: Vec<_> = (0..MEMBERS).map(spawn_member).collect();
    let settle_started = Instant::now();
    loop {
        // Refused (unknown group) until the first member has joined.
        let group = admin.describe_group("wide-group").await;
        if let Ok(group) = group
            && group.state == "stable"
            && group.members.len() == MEMBERS
        {
            let generation = group.generation;
            if generations[..MEMBERS]
                .iter()
                .all(|g| g.load(Ordering::SeqCst) == generation)
            {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = admin.describe_group("wide-group").await.unwrap().generation;
    println!(
        "rebalance: {MEMBERS} members stable after {:?} (generation {before})",
        settle_started.elapsed()
    );
    let started = Instant::now();
    members.push(spawn_member(MEMBERS));
    loop {
        let all_new = generations.iter().all(|g| g.load(Ordering::SeqCst) > before);
        if all_new {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    println!(
        "rebalance: member {} joins a {MEMBERS}-member group over real connections (range, eager, heartbeat 50 ms): every member holds its new assignment after {elapsed:?}",
        MEMBERS + 1
    );
    for member in members {
        member.abort();
    }
}

fn main() {
    regroup::runtime::keep_freed_memory(); // as the `regroup` binary runs
    // `WIRE_BENCH=throughput` stops after produce and consume (for profiling those two).
    let only_throughput = std::env::var("WIRE_BENCH").is_ok_and(|v| v == "throughput");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let addr = host.local_addr().to_string();
    runtime.block_on(async {
        let admin = Client::connect(&addr).await.unwrap();
        admin
            .create_topic(CreateTopic::new("bench", PARTITIONS))
            .await
            .unwrap();
        produce_throughput(&addr).await;
        consume_throughput(&addr).await;
        if only_throughput {
            return;
        }
        admin.create_topic(CreateTopic::new("latency", 4)).await.unwrap();
        produce_latency(&addr, "latency", "os flush").await;
        let synced = CreateTopic::new("latency-synced", 4).with_config("flush.policy", "every_batch");
        admin.create_topic(synced).await.unwrap();
        produce_latency(&addr, "latency-synced", "fsync before each ack").await;
        rebalance_500(&addr, &admin).await;
    });
    drop(runtime);
    host.shutdown().unwrap();
}
