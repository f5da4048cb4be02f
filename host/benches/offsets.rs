//! Offset commits through the coordinator (a bench binary: each figure is a timed episode of many
//! calls from several threads).
//!
//!   cargo bench -p regroup --bench offsets
//!
//! - Commits per second with 1, 8 and 64 threads committing at once (each thread its own group of
//!   one partition, standalone commits: the same store path a member's commit takes), beside the
//!   baseline measured in the same run on the same disk: one write and one `fdatasync` per commit,
//!   one after another, which is what every commit cost when each synced alone under the store's
//!   lock. The offsets writer syncs everything queued meanwhile at once, so commits per second
//!   grow with the committers instead of staying at the disk's sync rate.
//! - The longest offset fetch (another group's) while 64 threads commit: fetches take the
//!   store's lock, which no commit holds while its sync runs.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use regroup::group::{
    CommittedOffset, Committer, Coordinator, CoordinatorConfig, MemoryStrategies, MemoryTopics,
    OffsetResolver, PartitionName, Strategies, TopicCatalog,
};

mod support;

const EPISODE: Duration = Duration::from_secs(3);

fn open(dir: &std::path::Path) -> Coordinator {
    let topics = Arc::new(MemoryTopics::new());
    topics.set_partitions("t", 1);
    let (coordinator, _) = Coordinator::open(
        CoordinatorConfig::new(dir.to_owned()),
        Arc::new(MemoryStrategies::new()) as Arc<dyn Strategies>,
        Arc::clone(&topics) as Arc<dyn TopicCatalog>,
        topics as Arc<dyn OffsetResolver>,
    )
    .unwrap();
    coordinator
}

fn commit(coordinator: &Coordinator, group: &str, offset: i64) {
    let partition = PartitionName::new("t", 0);
    let committed = CommittedOffset {
        offset,
        metadata: None,
    };
    coordinator
        .commit_offsets(group, &Committer::Standalone, &[(partition, committed)])
        .unwrap();
}

/// Commits per second with `threads` committing for [`EPISODE`], and the longest offset fetch
/// made meanwhile by one more thread.
fn episode(threads: usize) -> (f64, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let coordinator = open(dir.path());
    commit(&coordinator, "watched", 1);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let (commits, longest_fetch) = std::thread::scope(|scope| {
        let committers: Vec<_> = (0..threads)
            .map(|t| {
                let (coordinator, stop) = (&coordinator, &stop);
                scope.spawn(move || {
                    let group = format!("g{t}");
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        commit(coordinator, &group, n);
                        n += 1;
                    }
                    n as u64
                })
            })
            .collect();
        let fetcher = scope.spawn(|| {
            let mut longest = Duration::ZERO;
            while !stop.load(Ordering::Relaxed) {
                longest = longest.max(support::time_call(|| coordinator.fetch_offsets("watched", None)));
                std::thread::sleep(Duration::from_micros(200));
            }
            longest
        });
        std::thread::sleep(EPISODE);
        stop.store(true, Ordering::Relaxed);
        let commits: u64 = committers.into_iter().map(|c| c.join().unwrap()).sum();
        (commits, fetcher.join().unwrap())
    });
    (commits as f64 / started.elapsed().as_secs_f64(), longest_fetch)
}

/// One record-sized write and one `fdatasync` after another, in the same kind of temp dir.
fn synced_writes_per_second() -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let mut file = std::fs::File::create(dir.path().join("baseline")).unwrap();
    let record = [7u8; 64];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < EPISODE {
        file.write_all(&record).unwrap();
        file.sync_data().unwrap();
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    println!(
        "offset commits, {EPISODE:?} per episode; load {}",
        support::loadavg()
    );
    // The disk is shared: each episode is preceded by its own baseline, and the pair repeated.
    for threads in [1, 8, 64, 1, 8, 64] {
        let baseline = synced_writes_per_second();
        let (rate, longest_fetch) = episode(threads);
        println!(
            "{threads:>2} committing threads: {rate:.0} commits/s, {:.1}x the baseline just before ({baseline:.0} commits/s, one write + fdatasync each, in turn); longest offset fetch meanwhile {}",
            rate / baseline,
            support::ms(longest_fetch)
        );
    }
}
