//! Slow strategies: runs happen off the caller's thread (a tick over every group never waits for
//! one), and a run's result is applied at the coordinator's time when it ends.

use std::sync::{Condvar, Mutex as StdMutex};

use super::*;

/// `deal`'s assignment, but each run waits until the test opens the gate.
struct Gated {
    open: StdMutex<bool>,
    opened: Condvar,
}

impl Gated {
    fn new() -> Arc<Gated> {
        Arc::new(Gated {
            open: StdMutex::new(false),
            opened: Condvar::new(),
        })
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl Assignor for Gated {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new("gated", "1.0.0", "test: waits for the test", &[Protocol::Eager])
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        let open = self.open.lock().unwrap();
        drop(self.opened.wait_while(open, |open| !*open).unwrap());
        Deal::eager("gated").assign(group)
    }
}

/// A harness serving `deal` and `gated`, and the gate.
fn harness() -> (Harness, Arc<Gated>) {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 4)]);
    let gate = Gated::new();
    h.strategies
        .insert(Arc::clone(&gate) as Arc<dyn Assignor>, "hash-gated");
    (h, gate)
}

#[test]
fn a_strategy_still_running_for_one_group_never_holds_up_session_expiry_in_another() {
    let (h, gate) = harness();
    // Driven without waiting for runs: the gated run stays in progress.
    let raw = &h.coordinator.0;
    let mut fast = Client::new("fast", &["t"], &[("deal", b"")]);
    fast.join(&h, h.at(0.0)).unwrap();
    let mut slow = raw
        .join(JoinRequest::new("slow", &["t"], &[("gated", b"")]), h.at(0.0))
        .unwrap();
    assert_eq!(h.describe("slow").state, GroupState::CompletingRebalance);

    raw.tick(h.at(10.0));
    assert_eq!(
        h.describe("fast").members.len(),
        0,
        "the silent member of the other group expired while the strategy ran"
    );
    assert!(slow.try_take().is_none(), "the slow group's run is still going");

    gate.open();
    assert!(raw.wait_for_strategy_runs(Duration::from_secs(30)));
    let outcome = slow.try_take().unwrap().unwrap();
    assert_eq!(outcome.partitions.len(), 4);
    assert_eq!(h.describe("slow").state, GroupState::Stable);
}

#[test]
fn members_are_last_seen_when_a_slow_run_ends_not_when_it_started() {
    let (h, gate) = harness();
    let raw = &h.coordinator.0;
    let mut tickets: Vec<JoinTicket> = (0..3)
        .map(|_| {
            raw.join(JoinRequest::new("g", &["t"], &[("gated", b"")]), h.at(0.0))
                .unwrap()
        })
        .collect();
    // The run takes 9.5 of the members' 10 s sessions; the coordinator's clock moves on by its
    // ticks meanwhile.
    raw.tick(h.at(9.5));
    gate.open();
    assert!(raw.wait_for_strategy_runs(Duration::from_secs(30)));
    let ids: Vec<String> = tickets
        .iter_mut()
        .map(|t| t.try_take().unwrap().unwrap().member_id)
        .collect();
    assert_eq!(
        h.describe("g").last_rebalance.unwrap().duration,
        Duration::from_secs_f64(9.5)
    );

    raw.tick(h.at(12.0));
    let d = h.describe("g");
    assert_eq!(
        (d.state, d.members.len()),
        (GroupState::Stable, 3),
        "2.5 s after their answers no session has expired"
    );
    for id in &ids {
        raw.heartbeat("g", id, d.generation, h.at(12.0)).unwrap();
    }
}

#[test]
fn a_join_with_timeouts_outside_the_hosts_bounds_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let strategies = Arc::new(MemoryStrategies::new());
    strategies.insert(Deal::eager("deal"), "hash-1");
    let topics = Arc::new(MemoryTopics::new());
    topics.set_partitions("t", 1);
    let (coordinator, _) = Coordinator::open(
        CoordinatorConfig::new(dir.path().to_owned()),
        strategies,
        Arc::clone(&topics) as Arc<dyn TopicCatalog>,
        topics,
    )
    .unwrap();
    let now = Instant::now();
    let with = |session_ms: u64, rebalance_ms: u64| {
        let mut req = JoinRequest::new("g", &["t"], &[("deal", b"")]);
        req.session_timeout = Duration::from_millis(session_ms);
        req.rebalance_timeout = Duration::from_millis(rebalance_ms);
        coordinator.join(req, now)
    };
    for (session, rebalance, names) in [
        (5_999, 60_000, "session timeout 5999 ms"),
        (u64::from(u32::MAX), 60_000, "group.max.session.timeout.ms"),
        (10_000, u64::from(u32::MAX), "rebalance timeout 4294967295 ms"),
        (10_000, 0, "rebalance timeout 0 ms"),
    ] {
        let error = with(session, rebalance).unwrap_err();
        assert_eq!(error.code(), 8, "{error}");
        assert!(error.to_string().contains(names), "{error}");
        assert!(
            coordinator.list().is_empty(),
            "a refused first member leaves no group"
        );
    }
    assert!(
        with(6_000, 1_800_000).is_ok(),
        "the bounds themselves are allowed"
    );
}
