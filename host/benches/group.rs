//! Coordinator figures: rebalance latency in-process, cooperative pauses, hot swap.
//! A bench binary, not criterion: each figure is an end-to-end episode of many calls, and the
//! hot-swap one waits on the file system and a probe process.
//!
//! Needs release builds of the binary (it probes plugins) and of the capacity-weighted plugin:
//!   cargo build --release -p regroup -p regroup-capacity-weighted && cargo bench -p regroup --bench group
//!
//! The coordinator is opened on a temp dir with the real `Registry` as its strategies and
//! `MemoryTopics` as catalog and resolver. Members are simulated in this thread, all driven in one
//! loop: each polls its join ticket, confirms revocations at once, heartbeats, and rejoins as soon
//! as its heartbeat says so; `Coordinator::tick` runs every 2 ms as a server's would. Every
//! partition a member takes or gives up is recorded, so "no partition has two owners" is checked
//! on every change and the pause of each partition is known. Timings never fail the run; wrong
//! results do.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime};

use regroup::group::{
    Coordinator, CoordinatorConfig, GroupState, HeartbeatState, JoinOutcome, JoinRequest, JoinTicket,
    MemoryTopics, OffsetResolver, PartitionName, Strategies, TopicCatalog,
};
mod support;

use regroup::registry::{Registry, RegistryConfig, RegistryEvent};
use regroup_assignor_api::model::Protocol;

const TICK_EVERY: Duration = Duration::from_millis(2);
/// A run that takes this long is stuck, not slow.
const STUCK: Duration = Duration::from_secs(60);

/// min / median / max.
fn spread(mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!(
        "median {} (min {}, max {}, n={})",
        support::ms(samples[samples.len() / 2]),
        support::ms(samples[0]),
        support::ms(samples[samples.len() - 1]),
        samples.len()
    )
}

struct Setup {
    coordinator: Coordinator,
    _dir: tempfile::TempDir,
}

fn coordinator(registry: &Registry, topics: &[(String, u32)]) -> Setup {
    let memory = Arc::new(MemoryTopics::new());
    for (name, partitions) in topics {
        memory.set_partitions(name, *partitions);
    }
    let dir = tempfile::tempdir().unwrap();
    let (coordinator, _) = Coordinator::open(
        CoordinatorConfig::new(dir.path().to_owned()),
        Arc::new(registry.clone()) as Arc<dyn Strategies>,
        Arc::clone(&memory) as Arc<dyn TopicCatalog>,
        memory as Arc<dyn OffsetResolver>,
    )
    .unwrap();
    Setup {
        coordinator,
        _dir: dir,
    }
}

fn topics(prefix: &str, count: usize, partitions: u32) -> Vec<(String, u32)> {
    (0..count)
        .map(|t| (format!("{prefix}{t:02}"), partitions))
        .collect()
}

/// A simulated consumer.
struct Client {
    req: JoinRequest,
    ticket: Option<JoinTicket>,
    outcome: Option<JoinOutcome>,
    held: BTreeSet<PartitionName>,
    left: bool,
}

impl Client {
    fn new(group: &str, topics: &[(String, u32)], strategies: &[(&str, &[u8])]) -> Client {
        let names: Vec<&str> = topics.iter().map(|(t, _)| t.as_str()).collect();
        Client {
            req: JoinRequest::new(group, &names, strategies),
            ticket: None,
            outcome: None,
            held: BTreeSet::new(),
            left: false,
        }
    }

    fn strategy(&self) -> Option<&str> {
        self.outcome.as_ref().and_then(|o| o.strategy.as_deref())
    }
}

/// One partition changing hands, as a member sees it.
struct Event {
    at: Instant,
    client: usize,
    partition: PartitionName,
    gained: bool,
}

/// The members, driven in one loop against one coordinator.
struct Sim<'a> {
    coordinator: &'a Coordinator,
    clients: Vec<Client>,
    /// Who holds each partition now, from the members' side.
    holders: HashMap<PartitionName, usize>,
    events: Vec<Event>,
    /// The last time a member's assignment changed.
    last_change: Instant,
    /// Time spent inside coordinator calls (the rest is the simulated members' own work).
    busy: Duration,
    /// `busy` as of `last_change`.
    busy_at_change: Duration,
    last_tick: Instant,
}

impl<'a> Sim<'a> {
    fn new(coordinator: &'a Coordinator) -> Self {
        Sim {
            coordinator,
            clients: Vec::new(),
            holders: HashMap::new(),
            events: Vec::new(),
            last_change: Instant::now(),
            last_tick: Instant::now(),
            busy: Duration::ZERO,
            busy_at_change: Duration::ZERO,
        }
    }

    fn changed(&mut self, now: Instant) {
        self.last_change = now;
        self.busy_at_change = self.busy;
    }

    /// A call on the coordinator, timed into `busy`.
    fn call<T>(&mut self, f: impl FnOnce(&Coordinator) -> T) -> T {
        let start = Instant::now();
        let out = f(self.coordinator);
        self.busy += start.elapsed();
        out
    }

    fn add(&mut self, client: Client) -> usize {
        self.clients.push(client);
        self.clients.len() - 1
    }

    fn gain(&mut self, i: usize, partition: PartitionName, now: Instant) {
        if let Some(other) = self.holders.insert(partition.clone(), i) {
            panic!("{partition} given to member {i} while member {other} holds it");
        }
        self.events.push(Event {
            at: now,
            client: i,
            partition: partition.clone(),
            gained: true,
        });
        self.clients[i].held.insert(partition);
        self.changed(now);
    }

    fn lose(&mut self, i: usize, partition: &PartitionName, now: Instant) {
        if self.clients[i].held.remove(partition) {
            assert_eq!(self.holders.remove(partition), Some(i));
            self.events.push(Event {
                at: now,
                client: i,
                partition: partition.clone(),
                gained: false,
            });
        }
    }

    /// Joins or rejoins; a member of an eager group gives up everything first.
    fn join(&mut self, i: usize, now: Instant) {
        let eager = self.clients[i]
            .outcome
            .as_ref()
            .is_some_and(|o| o.protocol == Protocol::Eager);
        if eager {
            for p in self.clients[i].held.clone() {
                self.lose(i, &p, now);
            }
        }
        let c = &mut self.clients[i];
        c.req.owned = c.held.iter().cloned().collect();
        c.req.generation = c.outcome.as_ref().map(|o| o.generation);
        let req = c.req.clone();
        let ticket = self
            .call(|co| co.join(req, now))
            .unwrap_or_else(|e| panic!("join refused: {e}"));
        self.clients[i].ticket = Some(ticket);
        self.poll(i, now);
    }

    fn leave(&mut self, i: usize, now: Instant) {
        for p in self.clients[i].held.clone() {
            self.lose(i, &p, now);
        }
        let c = &mut self.clients[i];
        c.left = true;
        let (group, id) = (c.req.group.clone(), c.req.member_id.clone().unwrap());
        self.call(|co| co.leave(&group, &id, now)).unwrap();
    }

    /// Takes the join's answer if it has come.
    fn poll(&mut self, i: usize, now: Instant) -> bool {
        let c = &mut self.clients[i];
        let Some(result) = c.ticket.as_mut().and_then(JoinTicket::try_take) else {
            return false;
        };
        c.ticket = None;
        let outcome = result.unwrap_or_else(|e| panic!("join failed: {e}"));
        c.req.member_id = Some(outcome.member_id.clone());
        let now_held: BTreeSet<PartitionName> = outcome
            .partitions
            .iter()
            .chain(&outcome.revoke)
            .cloned()
            .collect();
        let lost: Vec<PartitionName> = c.held.difference(&now_held).cloned().collect();
        let gained: Vec<PartitionName> = now_held.difference(&c.held).cloned().collect();
        c.outcome = Some(outcome);
        for p in &lost {
            self.lose(i, p, now);
        }
        for p in gained {
            self.gain(i, p, now);
        }
        self.changed(now);
        true
    }

    /// One heartbeat and whatever it calls for; returns whether anything happened.
    fn step(&mut self, i: usize, now: Instant) -> bool {
        if self.clients[i].left {
            return false;
        }
        let mut acted = self.poll(i, now);
        let c = &mut self.clients[i];
        if c.ticket.is_some() || c.outcome.is_none() {
            return acted;
        }
        let (group, id) = (c.req.group.clone(), c.req.member_id.clone().unwrap());
        let outcome = c.outcome.as_mut().unwrap();
        let generation = outcome.generation;
        let revoke = std::mem::take(&mut outcome.revoke);
        if !revoke.is_empty() {
            for p in &revoke {
                self.lose(i, p, now);
            }
            self.call(|co| co.revoked(&group, &id, generation, &revoke, now))
                .unwrap();
            acted = true;
        }
        match self
            .call(|co| co.heartbeat(&group, &id, generation, now))
            .unwrap()
        {
            HeartbeatState::RebalanceInProgress => {
                self.join(i, now);
                true
            }
            HeartbeatState::Granted(partitions) => {
                for p in partitions {
                    self.gain(i, p, now);
                }
                true
            }
            HeartbeatState::Stable | HeartbeatState::Joining => acted,
        }
    }

    /// Steps every member, ticking the coordinator every [`TICK_EVERY`], until `done` says so
    /// after a pass in which nothing happened and no join is waiting; `pause` between passes.
    fn drive(&mut self, pause: Duration, mut done: impl FnMut(&Sim) -> bool) {
        let started = Instant::now();
        loop {
            let mut acted = false;
            for i in 0..self.clients.len() {
                let now = Instant::now();
                if now - self.last_tick >= TICK_EVERY {
                    self.call(|co| co.tick(now));
                    self.last_tick = now;
                }
                acted |= self.step(i, now);
            }
            let quiet = !acted
                && self
                    .clients
                    .iter()
                    .all(|c| c.left || (c.ticket.is_none() && c.outcome.is_some()));
            if quiet && done(self) {
                return;
            }
            assert!(started.elapsed() < STUCK, "the members did not settle");
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
        }
    }

    fn settle(&mut self) {
        self.drive(Duration::ZERO, |_| true);
    }

    /// Every partition of every topic is held by exactly one member (holders are exclusive by
    /// construction), and the coordinator says each group is stable.
    fn assert_complete(&self, groups: &[(&str, &[(String, u32)])]) {
        for (group, topics) in groups {
            for (topic, partitions) in topics.iter() {
                for p in 0..*partitions {
                    let tp = PartitionName::new(topic, p);
                    assert!(self.holders.contains_key(&tp), "{tp} is held by nobody");
                }
            }
            let d = self.coordinator.describe(group).unwrap();
            assert_eq!(d.state, GroupState::Stable, "{group}");
        }
    }

    fn owners(&self) -> HashMap<PartitionName, usize> {
        self.holders.clone()
    }
}

/// 1. Rebalance latency: a cold start of 1,000 members, then the last of 1,000 joining.
fn join_latency(registry: &Registry) {
    let topics = topics("t", 10, 1_000);
    println!(
        "\n== 1,000 members, 10 topics x 1,000 partitions, members rejoin as soon as their heartbeat says so (target: < 50 ms)"
    );
    for strategy in ["sticky", "cooperative-sticky"] {
        let lists: &[(&str, &[u8])] = &[(strategy, b"")];
        // Cold start: 1,000 joins at once.
        let (mut cold, mut cold_busy) = (Vec::new(), Vec::new());
        let mut generations = 0;
        for _ in 0..3 {
            let setup = coordinator(registry, &topics);
            let mut sim = Sim::new(&setup.coordinator);
            let start = Instant::now();
            for _ in 0..1_000 {
                let i = sim.add(Client::new("g", &topics, lists));
                sim.join(i, Instant::now());
            }
            sim.settle();
            cold.push(sim.last_change - start);
            cold_busy.push(sim.busy_at_change);
            sim.assert_complete(&[("g", &topics)]);
            generations = setup.coordinator.describe("g").unwrap().generation;
        }
        println!(
            "{strategy:<19} cold start, 1,000 joining at once -> all assigned: {} ({generations} generations)",
            spread(cold)
        );
        println!(
            "{:<19}   of which inside coordinator calls: {}",
            "",
            spread(cold_busy)
        );

        // 999 stable, then the 1,000th joins: until every member has its new assignment.
        let setup = coordinator(registry, &topics);
        let mut sim = Sim::new(&setup.coordinator);
        for _ in 0..999 {
            let i = sim.add(Client::new("g", &topics, lists));
            sim.join(i, Instant::now());
        }
        sim.settle();
        let (mut joins, mut leaves, mut runs) = (Vec::new(), Vec::new(), Vec::new());
        let (mut join_busy, mut leave_busy) = (Vec::new(), Vec::new());
        let mut moved = 0;
        for _ in 0..5 {
            let before = sim.events.len();
            let busy = sim.busy;
            let start = Instant::now();
            let i = sim.add(Client::new("g", &topics, lists));
            sim.join(i, start);
            sim.settle();
            joins.push(sim.last_change - start);
            join_busy.push(sim.busy_at_change - busy);
            sim.assert_complete(&[("g", &topics)]);
            assert_eq!(sim.clients.iter().filter(|c| !c.left).count(), 1_000);
            moved = sim.events[before..].iter().filter(|e| e.gained).count();
            if let Some(last) = setup.coordinator.describe("g").unwrap().last_rebalance {
                runs.push(last.duration);
            }
            // The newcomer leaves again (also timed), so each round starts from 999 stable.
            let busy = sim.busy;
            let start = Instant::now();
            sim.leave(i, start);
            sim.settle();
            leaves.push(sim.last_change - start);
            leave_busy.push(sim.busy_at_change - busy);
            sim.assert_complete(&[("g", &topics)]);
        }
        println!(
            "{strategy:<19} 999 stable, the 1,000th joins -> every member has its new assignment: {}",
            spread(joins)
        );
        println!(
            "{:<19}   of which inside coordinator calls: {}",
            "",
            spread(join_busy)
        );
        println!(
            "{:<19}   the rebalance by the coordinator's clock (start to assignment): {}; {moved} partitions taken by members",
            "",
            spread(runs)
        );
        println!(
            "{:<19} then it leaves -> every member has its new assignment: {} (inside coordinator calls: {})",
            "",
            spread(leaves),
            spread(leave_busy)
        );
    }
}

/// Pauses of one episode: every partition whose owner did not change must never have left it;
/// a moved partition pauses from its old owner giving it up to its new owner holding it.
struct Pauses {
    unmoved: usize,
    moved: Vec<Duration>,
    /// From the action to the last moved partition held by its new owner.
    until_last: Duration,
}

fn pauses(sim: &Sim, from: usize, before: &HashMap<PartitionName, usize>, start: Instant) -> Pauses {
    let after = sim.owners();
    let mut lost_at: HashMap<&PartitionName, Instant> = HashMap::new();
    let mut gained_at: HashMap<&PartitionName, Instant> = HashMap::new();
    for e in &sim.events[from..] {
        if e.gained {
            // When its final owner took it (an intermediate owner would not count).
            if after.get(&e.partition) == Some(&e.client) {
                gained_at.insert(&e.partition, e.at);
            }
        } else {
            lost_at.entry(&e.partition).or_insert(e.at);
        }
    }
    let (mut unmoved, mut moved, mut until_last) = (0, Vec::new(), Duration::ZERO);
    for (p, owner) in &after {
        if before.get(p) == Some(owner) {
            assert!(
                !lost_at.contains_key(p) && !gained_at.contains_key(p),
                "{p} paused although it stays with its owner"
            );
            unmoved += 1;
        } else {
            let got = gained_at[p];
            moved.push(got - lost_at.get(p).copied().unwrap_or(start));
            until_last = until_last.max(got - start);
        }
    }
    Pauses {
        unmoved,
        moved,
        until_last,
    }
}

/// 2. A cooperative rebalance after one of 100 members leaves (and, to restore 100, one joins).
fn cooperative_pauses(registry: &Registry) {
    let topics = topics("c", 10, 1_000);
    println!(
        "\n== cooperative-sticky, 100 members, 10 topics x 1,000 partitions: pauses when one member leaves, then one joins"
    );
    let setup = coordinator(registry, &topics);
    let mut sim = Sim::new(&setup.coordinator);
    let lists: &[(&str, &[u8])] = &[("cooperative-sticky", b"")];
    for _ in 0..100 {
        let i = sim.add(Client::new("g", &topics, lists));
        sim.join(i, Instant::now());
    }
    sim.settle();
    assert_eq!(
        sim.clients[0].outcome.as_ref().unwrap().protocol,
        Protocol::Cooperative
    );
    let (mut leave_moved, mut leave_last, mut leave_unmoved) = (Vec::new(), Vec::new(), 0);
    let (mut join_moved, mut join_last, mut join_unmoved) = (Vec::new(), Vec::new(), 0);
    for round in 0..5 {
        // The member that leaves: a different one each round.
        let leaver = (0..sim.clients.len())
            .filter(|&i| !sim.clients[i].left)
            .nth(round * 17 % 100)
            .unwrap();
        let before = sim.owners();
        let from = sim.events.len();
        let start = Instant::now();
        sim.leave(leaver, start);
        sim.settle();
        sim.assert_complete(&[("g", &topics)]);
        let p = pauses(&sim, from, &before, start);
        leave_unmoved = p.unmoved;
        leave_moved.extend(p.moved);
        leave_last.push(p.until_last);

        let before = sim.owners();
        let from = sim.events.len();
        let start = Instant::now();
        let i = sim.add(Client::new("g", &topics, lists));
        sim.join(i, start);
        sim.settle();
        sim.assert_complete(&[("g", &topics)]);
        let p = pauses(&sim, from, &before, start);
        join_unmoved = p.unmoved;
        join_moved.extend(p.moved);
        join_last.push(p.until_last);
    }
    println!(
        "leave: {leave_unmoved} partitions stay with their owner: pause 0 (verified: never given up, every round)"
    );
    println!(
        "       {} moved over 5 rounds, pause from the leave to the new owner holding it: {}",
        leave_moved.len(),
        spread(leave_moved)
    );
    println!(
        "       from the leave to the last one held: {}",
        spread(leave_last)
    );
    println!("join:  {join_unmoved} partitions stay with their owner: pause 0 (verified, every round)");
    println!(
        "       {} moved over 5 rounds, pause from the old owner's revocation to the new owner holding it: {}",
        join_moved.len(),
        spread(join_moved)
    );
    println!("       from the join to the last one held: {}", spread(join_last));
}

/// 3. A plugin file renamed into the directory, to every group that prefers it running it.
fn hot_swap() {
    let lib = std::fs::read(support::release_artifact("libregroup_capacity_weighted.so")).unwrap();
    let plugin_dir = tempfile::tempdir().unwrap();
    let config = RegistryConfig::new(
        Some(plugin_dir.path().to_owned()),
        support::release_artifact("regroup"),
    );
    let (rescan, settle) = (config.rescan_interval, config.settle_time);
    let registry = Registry::start(config).unwrap();
    registry.watch();
    assert!(registry.get("capacity-weighted").is_none());
    // Registry events, time-stamped as they are sent (the coordinator has its own subscription).
    let events: mpsc::Receiver<RegistryEvent> = registry.subscribe();
    let heard: Arc<Mutex<Vec<(Instant, RegistryEvent)>>> = Arc::default();
    let log = Arc::clone(&heard);
    std::thread::spawn(move || {
        while let Ok(event) = events.recv() {
            log.lock().unwrap().push((Instant::now(), event));
        }
    });

    let groups: Vec<(String, Vec<(String, u32)>)> = (0..10)
        .map(|g| (format!("g{g:02}"), vec![(format!("h{g:02}"), 100)]))
        .collect();
    let all_topics: Vec<(String, u32)> = groups.iter().flat_map(|(_, t)| t.clone()).collect();
    let setup = coordinator(&registry, &all_topics);
    let mut sim = Sim::new(&setup.coordinator);
    let capacities: [&[u8]; 3] = [b"capacity=1", b"capacity=2", b"capacity=3"];
    for (group, topics) in &groups {
        for m in 0..10 {
            let lists: &[(&str, &[u8])] = &[("capacity-weighted", capacities[m % 3]), ("range", b"")];
            let i = sim.add(Client::new(group, topics, lists));
            sim.join(i, Instant::now());
        }
    }
    sim.settle();
    let described: Vec<(&str, &[(String, u32)])> =
        groups.iter().map(|(g, t)| (g.as_str(), t.as_slice())).collect();
    sim.assert_complete(&described);
    assert!(sim.clients.iter().all(|c| c.strategy() == Some("range")));

    println!(
        "\n== hot swap: 10 groups x 10 members list capacity-weighted then range, running range; default scan settings (rescan every {} ms, settle {} ms), file events on, tick every {} ms, members heartbeat every pass (~2 ms)",
        rescan.as_millis(),
        settle.as_millis(),
        TICK_EVERY.as_millis()
    );
    let target = plugin_dir.path().join("capacity-weighted.so");
    let staging = plugin_dir.path().join(".capacity-weighted.so.tmp");
    // Waits until every group runs `name` by describe and every member holds its assignment.
    let wait_for = |sim: &mut Sim, name: &str, start: Instant| -> (Duration, Duration) {
        sim.drive(TICK_EVERY, |sim| {
            sim.clients.iter().all(|c| c.strategy() == Some(name))
                && described.iter().all(|(g, _)| {
                    let d = sim.coordinator.describe(g).unwrap();
                    d.state == GroupState::Stable && d.strategy.is_some_and(|s| s.name == name)
                })
        });
        sim.assert_complete(&described);
        let event_at = heard
            .lock()
            .unwrap()
            .iter()
            .find(|(at, e)| *at >= start && e.name == "capacity-weighted")
            .map(|(at, _)| *at)
            .expect("the registry announced the change");
        (event_at - start, sim.last_change - start)
    };
    let (mut added, mut removed, mut fresh) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..5u64 {
        // A distinct content each round, so every round loads a new library (none is reused).
        let mut bytes = lib.clone();
        bytes.extend_from_slice(&round.to_le_bytes());
        std::fs::write(&staging, &bytes).unwrap();
        let written_fresh = round >= 3;
        if !written_fresh {
            // A file built a while ago and now renamed into place: read at once.
            std::fs::File::options()
                .write(true)
                .open(&staging)
                .unwrap()
                .set_modified(SystemTime::now() - Duration::from_secs(60))
                .unwrap();
        }
        let start = Instant::now();
        std::fs::rename(&staging, &target).unwrap();
        let (event, all) = wait_for(&mut sim, "capacity-weighted", start);
        for (group, _) in &groups {
            let d = setup.coordinator.describe(group).unwrap();
            assert!(d.members.iter().all(|m| m.assignment_user_data > 0));
        }
        assert!(sim.clients.iter().all(|c| {
            c.outcome
                .as_ref()
                .is_some_and(|o| o.user_data.starts_with(b"share="))
        }));
        if written_fresh {
            fresh.push((event, all));
        } else {
            added.push((event, all));
        }
        let start = Instant::now();
        std::fs::remove_file(&target).unwrap();
        removed.push(wait_for(&mut sim, "range", start));
    }
    let report = |what: &str, event_label: &str, samples: Vec<(Duration, Duration)>| {
        let (event, all): (Vec<_>, Vec<_>) = samples.into_iter().unzip();
        println!("{what}");
        println!("    -> registry event ({event_label}): {}", spread(event));
        println!(
            "    -> every group running it, every member assigned: {}",
            spread(all)
        );
    };
    let loaded = "file seen, settled, hashed, checked, probed, loaded";
    report(
        "renamed into place, written earlier (target < 1 s):",
        loaded,
        added,
    );
    report(
        "written and renamed at once (the registry waits for it to settle first):",
        loaded,
        fresh,
    );
    report("removed, every group back on range:", "file seen gone", removed);
}

fn main() {
    regroup::runtime::keep_freed_memory(); // as the `regroup` binary runs
    println!("load average at start: {}", support::loadavg());
    let registry = Registry::start(RegistryConfig::new(None, support::release_artifact("regroup"))).unwrap();
    join_latency(&registry);
    cooperative_pauses(&registry);
    hot_swap();
    println!("\nload average at end: {}", support::loadavg());
}
