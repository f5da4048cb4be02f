//! Consumer groups over the wire: members sharing partitions, a member that stops heartbeating.
//! Each consumer runs in its own task, as an application would run it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regroup_client::PartitionName;
use regroup_client::Record;
use regroup_client::{Client, Consumer, ConsumerConfig, Producer, ProducerConfig};
use regroup_protocol::messages::topics::CreateTopic;
use regroup_tests::host::{addr, admin, eventually, manual_consumer, start_host};

const LIMIT: Duration = Duration::from_secs(60);

/// What every consumer task reports: the records it read (`(partition, offset)`, consumer id)
/// and its current assignment.
#[derive(Default)]
struct Seen {
    records: Vec<(PartitionName, u64, usize)>,
    assignments: BTreeMap<usize, Vec<PartitionName>>,
}

const RUN: u8 = 0;
const VANISH: u8 = 1;
const CLOSE: u8 = 2;

/// Polls, records what it read, commits by hand after each poll; then vanishes (dropped without
/// close: no leave, no more heartbeats) or closes, as `mode` says.
fn spawn_member(
    id: usize,
    address: String,
    config: ConsumerConfig,
    seen: Arc<Mutex<Seen>>,
    mode: Arc<AtomicU8>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut consumer = Consumer::connect(&address, config).await.unwrap();
        consumer.subscribe(&["events"]);
        loop {
            match mode.load(Ordering::SeqCst) {
                VANISH => return drop(consumer),
                CLOSE => return consumer.close().await.unwrap(),
                _ => {}
            }
            let records = consumer.poll(Duration::from_millis(50)).await.unwrap();
            if !records.is_empty() {
                consumer.commit_sync().await.unwrap();
            }
            let mut seen = seen.lock().unwrap();
            seen.records.extend(
                records
                    .iter()
                    .map(|r| (PartitionName::new(&r.topic, r.partition), r.offset, id)),
            );
            seen.assignments.insert(id, consumer.assignment());
        }
    })
}

/// Waits until the group is stable with `members` members, each owning `per_member` partitions.
async fn wait_for_stable_group(client: &Client, members: usize, per_member: usize) {
    eventually("a stable group", LIMIT, || async {
        let group = client.describe_group("workers").await.ok()?;
        let settled = group.state == "stable"
            && group.members.len() == members
            && group
                .members
                .iter()
                .all(|m| m.partitions.len() == per_member && m.pending.is_empty());
        settled.then_some(())
    })
    .await;
}

async fn produce(address: &str, count: u32, from: u32) {
    let producer = Producer::connect(address, ProducerConfig::default())
        .await
        .unwrap();
    for i in from..from + count {
        producer
            .enqueue(
                "events",
                Record::new(i.to_le_bytes().to_vec()).with_key(format!("k{i}")),
            )
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
}

fn assert_each_read_once(seen: &Seen, expected: usize) {
    let unique: BTreeSet<(PartitionName, u64)> =
        seen.records.iter().map(|(p, o, _)| (p.clone(), *o)).collect();
    assert_eq!(unique.len(), expected, "distinct records read");
    assert_eq!(seen.records.len(), expected, "no record was read twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_read_disjoint_partitions_and_everything_once_with_manual_commits() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let client = admin(&host).await;
    client.create_topic(CreateTopic::new("events", 6)).await.unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mode = Arc::new(AtomicU8::new(RUN));
    let members: Vec<_> = (0..3)
        .map(|id| {
            let config = manual_consumer("workers", Duration::from_secs(10));
            spawn_member(id, addr(&host), config, Arc::clone(&seen), Arc::clone(&mode))
        })
        .collect();
    wait_for_stable_group(&client, 3, 2).await;

    produce(&addr(&host), 600, 0).await;
    eventually("every record read", LIMIT, || async {
        (seen.lock().unwrap().records.len() >= 600).then_some(())
    })
    .await;
    mode.store(CLOSE, Ordering::SeqCst);
    for member in members {
        member.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert_each_read_once(&seen, 600);
    // Each partition was read by one member only, and the assignments were disjoint.
    let mut reader_of: BTreeMap<&PartitionName, BTreeSet<usize>> = BTreeMap::new();
    for (partition, _, id) in &seen.records {
        reader_of.entry(partition).or_default().insert(*id);
    }
    assert_eq!(reader_of.len(), 6);
    assert!(
        reader_of.values().all(|readers| readers.len() == 1),
        "{reader_of:?}"
    );
    let owned: Vec<&PartitionName> = seen.assignments.values().flatten().collect();
    assert_eq!(owned.iter().collect::<BTreeSet<_>>().len(), 6);
    assert_eq!(owned.len(), 6, "no partition owned twice: {:?}", seen.assignments);
    // The commits cover everything.
    let committed = client.committed_offsets("workers", None).await.unwrap();
    assert_eq!(committed.iter().map(|c| c.offset).sum::<i64>(), 600);
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_stops_heartbeating_loses_its_partitions_and_the_other_resumes_from_its_commits() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let client = admin(&host).await;
    client.create_topic(CreateTopic::new("events", 4)).await.unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let modes = [Arc::new(AtomicU8::new(RUN)), Arc::new(AtomicU8::new(RUN))];
    let session = Duration::from_millis(1500);
    let members: Vec<_> = (0..2)
        .map(|id| {
            let config = manual_consumer("workers", session);
            spawn_member(id, addr(&host), config, Arc::clone(&seen), Arc::clone(&modes[id]))
        })
        .collect();
    wait_for_stable_group(&client, 2, 2).await;
    produce(&addr(&host), 400, 0).await;
    eventually("the first records read and committed", LIMIT, || async {
        let read = seen.lock().unwrap().records.len();
        let committed = client.committed_offsets("workers", None).await.ok()?;
        (read >= 400 && committed.iter().map(|c| c.offset).sum::<i64>() == 400).then_some(())
    })
    .await;
    let vanished: Vec<PartitionName> = seen.lock().unwrap().assignments[&0].clone();
    let committed_at_vanish: BTreeMap<PartitionName, u64> = client
        .committed_offsets("workers", Some(vanished.clone()))
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.partition, c.offset as u64))
        .collect();
    modes[0].store(VANISH, Ordering::SeqCst);
    let mut members = members.into_iter();
    members.next().unwrap().await.unwrap();

    produce(&addr(&host), 400, 400).await;
    eventually("the survivor reads everything", LIMIT, || async {
        (seen.lock().unwrap().records.len() >= 800).then_some(())
    })
    .await;
    wait_for_stable_group(&client, 1, 4).await;
    modes[1].store(CLOSE, Ordering::SeqCst);
    members.next().unwrap().await.unwrap();

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert_each_read_once(&seen, 800);
    for partition in &vanished {
        let first_by_survivor = seen
            .records
            .iter()
            .filter(|(p, _, id)| p == partition && *id == 1)
            .map(|(_, offset, _)| *offset)
            .min()
            .expect("the survivor took over the partition");
        assert_eq!(first_by_survivor, committed_at_vanish[partition], "{partition}");
    }
    host.shutdown().unwrap();
}

/// What each consumer of a group reports: the generation of its last join and what it owns.
type Views = Arc<Mutex<BTreeMap<usize, (i32, Vec<PartitionName>)>>>;

/// Waits until the group is stable with `members` members, none waiting for a partition, and
/// every consumer holds its assignment of that generation; returns the generation.
/// `most_members` keeps the largest membership seen meanwhile.
async fn wait_until_settled(client: &Client, views: &Views, members: usize, most_members: &mut usize) -> i32 {
    let most = std::cell::Cell::new(*most_members);
    let generation = eventually(
        "every consumer holding its part of a stable group",
        LIMIT,
        || async {
            let group = client.describe_group("workers").await.ok()?;
            most.set(most.get().max(group.members.len()));
            let settled = group.state == "stable"
                && group.members.len() == members
                && group.members.iter().all(|m| m.pending.is_empty());
            let views = views.lock().unwrap();
            let caught_up = views.len() == members
                && views
                    .values()
                    .all(|(generation, _)| *generation == group.generation);
            (settled && caught_up).then_some(group.generation)
        },
    )
    .await;
    *most_members = most.get();
    generation
}

/// Every partition of `events` is owned by exactly one consumer.
fn assert_each_partition_owned_once(views: &Views, partitions: u32) {
    let mut owners: BTreeMap<PartitionName, Vec<usize>> = BTreeMap::new();
    for (id, (_, owned)) in views.lock().unwrap().iter() {
        for partition in owned {
            owners.entry(partition.clone()).or_default().push(*id);
        }
    }
    let all: BTreeSet<PartitionName> = (0..partitions).map(|p| PartitionName::new("events", p)).collect();
    assert_eq!(
        owners.keys().cloned().collect::<BTreeSet<_>>(),
        all,
        "every partition assigned"
    );
    assert!(
        owners.values().all(|ids| ids.len() == 1),
        "each partition owned once: {owners:?}"
    );
}

/// Thirty consumers start at once, each polling in its own task, then ten more at once (so
/// the thirty rejoin together). Each wave settles in a few generations. A heartbeat answered
/// while its member's join completes (the coordinator, already at the new generation, says
/// `IllegalGeneration`) must not make the member drop its id and join as a new member: that
/// left the old id in the group, every following rebalance waited for its session to expire,
/// and the same race recurred in each (500 members took 20 generations).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_members_starting_at_once_settle_in_a_few_generations() {
    const FIRST: usize = 30;
    const SECOND: usize = 10;
    const PARTITIONS: u32 = 80;
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let client = admin(&host).await;
    client
        .create_topic(CreateTopic::new("events", PARTITIONS))
        .await
        .unwrap();
    let views: Views = Arc::default();
    let mode = Arc::new(AtomicU8::new(RUN));
    let spawn_consumer = |id: usize| {
        let address = addr(&host);
        let views = Arc::clone(&views);
        let mode = Arc::clone(&mode);
        let mut config = manual_consumer("workers", Duration::from_secs(10));
        // Frequent heartbeats: one crossing a completing join is likely.
        config.heartbeat_interval = Duration::from_millis(5);
        tokio::spawn(async move {
            let mut consumer = Consumer::connect(&address, config).await.unwrap();
            consumer.subscribe(&["events"]);
            while mode.load(Ordering::SeqCst) == RUN {
                consumer.poll(Duration::from_millis(50)).await.unwrap();
                if let Some(assignment) = consumer.group_assignment() {
                    let view = (assignment.generation, assignment.partitions);
                    views.lock().unwrap().insert(id, view);
                }
            }
            consumer.close().await.unwrap();
        })
    };
    let mut most_members = 0;

    let mut members: Vec<_> = (0..FIRST).map(spawn_consumer).collect();
    let first = wait_until_settled(&client, &views, FIRST, &mut most_members).await;
    assert_each_partition_owned_once(&views, PARTITIONS);
    // The first member alone, then the others; one more for stragglers at most.
    assert!(first <= 3, "{FIRST} members settled only at generation {first}");

    members.extend((FIRST..FIRST + SECOND).map(spawn_consumer));
    let second = wait_until_settled(&client, &views, FIRST + SECOND, &mut most_members).await;
    assert_each_partition_owned_once(&views, PARTITIONS);
    assert!(
        second - first <= 2,
        "{SECOND} more members took the group from generation {first} to {second}"
    );
    assert!(
        most_members <= FIRST + SECOND,
        "{most_members} members seen in a group of {} consumers: a member id was abandoned",
        FIRST + SECOND
    );

    mode.store(CLOSE, Ordering::SeqCst);
    for member in members {
        member.await.unwrap();
    }
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_with_a_session_timeout_beyond_the_hosts_bound_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let client = admin(&host).await;
    client.create_topic(CreateTopic::new("events", 2)).await.unwrap();
    let mut config = manual_consumer("frozen", Duration::from_secs(10));
    // The longest a member can ask for on the wire: it once froze a group for 49 days.
    config.session_timeout = Duration::from_millis(u64::from(u32::MAX));
    let mut consumer = Consumer::connect(&addr(&host), config).await.unwrap();
    consumer.subscribe(&["events"]);
    let error = consumer.poll(Duration::from_millis(200)).await.unwrap_err();
    assert!(
        error.to_string().contains(
            "session timeout 4294967295 ms is outside the host's bounds of 100 to 1800000 ms (group.min.session.timeout.ms, group.max.session.timeout.ms)"
        ),
        "{error}"
    );
    assert!(
        client.describe_group("frozen").await.is_err(),
        "no group was made"
    );
}
