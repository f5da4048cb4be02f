//! Consumer-protocol groups through the coordinator, with simulated members that hold what their
//! answers give them and list it in every heartbeat, so "never two owners" is checked from the
//! members' side.

use std::collections::BTreeSet;
use std::time::Instant;

use proptest::prelude::*;

use super::*;
use crate::group::consumer::*;

/// A simulated consumer-protocol member.
pub struct Member {
    pub req: ConsumerHeartbeat,
    pub epoch: i32,
    pub held: BTreeSet<PartitionName>,
    pub error: Option<ConsumerError>,
}

impl Member {
    pub fn new(group: &str, topics: &[&str], assignor: Option<&str>) -> Member {
        Member {
            req: ConsumerHeartbeat {
                group: group.to_owned(),
                subscribed_topics: Some(topics.iter().map(|t| t.to_string()).collect()),
                assignor: assignor.map(str::to_owned),
                ..Default::default()
            },
            epoch: 0,
            held: BTreeSet::new(),
            error: None,
        }
    }

    pub fn id(&self) -> &str {
        &self.req.member_id
    }

    /// One heartbeat: lists what it holds, takes its answer (it gives up at once whatever its
    /// assignment no longer lists).
    pub fn beat(&mut self, c: &Coordinator, now: Instant) -> Result<ConsumerAnswer, ConsumerError> {
        let mut req = self.req.clone();
        req.member_epoch = self.epoch;
        req.owned = Some(self.held.iter().cloned().collect());
        let answer = c.consumer_heartbeat(&req, now);
        match &answer {
            Ok(a) => {
                self.req.member_id = a.member_id.clone();
                self.epoch = a.member_epoch;
                if let Some(assignment) = &a.assignment {
                    self.held = assignment.iter().cloned().collect();
                }
            }
            Err(e) => self.error = Some(e.clone()),
        }
        answer
    }

    pub fn leave(
        &mut self,
        c: &Coordinator,
        epoch: i32,
        now: Instant,
    ) -> Result<ConsumerAnswer, ConsumerError> {
        let mut req = self.req.clone();
        req.member_epoch = epoch;
        self.held.clear();
        c.consumer_heartbeat(&req, now)
    }
}

fn settle(h: &Harness) {
    assert!(h.coordinator.wait_for_strategy_runs(Duration::from_secs(30)));
}

/// Heartbeats every member in turn until an idle round; checks no partition is held twice after
/// every heartbeat.
fn converge(h: &Harness, members: &mut [Member], now: Instant) {
    for _ in 0..20 {
        settle(h);
        let before: Vec<BTreeSet<PartitionName>> = members.iter().map(|m| m.held.clone()).collect();
        for i in 0..members.len() {
            members[i].beat(&h.coordinator, now).unwrap();
            assert_single_owners(members);
        }
        settle(h);
        let after: Vec<BTreeSet<PartitionName>> = members.iter().map(|m| m.held.clone()).collect();
        let d = h.coordinator.describe_consumer(&members[0].req.group).unwrap();
        if before == after && d.state == ConsumerGroupState::Stable {
            return;
        }
    }
    panic!(
        "the group did not converge: {:?}",
        h.coordinator.describe_consumer(&members[0].req.group)
    );
}

fn assert_single_owners(members: &[Member]) {
    let mut seen = BTreeSet::new();
    for m in members {
        for p in &m.held {
            assert!(seen.insert(p.clone()), "{p} is held by two members");
        }
    }
}

fn held(members: &[Member]) -> usize {
    members.iter().map(|m| m.held.len()).sum()
}

#[test]
fn a_joining_member_gets_an_epoch_at_once_and_its_target_once_the_assignor_has_run() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut a = Member::new("g", &["t"], Some("coop"));
    let answer = a.beat(&h.coordinator, h.at(0.0)).unwrap();
    assert_eq!(answer.member_epoch, 1);
    assert_eq!(answer.heartbeat_interval, Duration::from_secs(5));
    assert!(!a.id().is_empty());
    settle(&h);
    let answer = a.beat(&h.coordinator, h.at(1.0)).unwrap();
    assert_eq!(answer.assignment.map(|a| a.len()), Some(4));
    let d = h.coordinator.describe_consumer("g").unwrap();
    assert_eq!(
        (d.group_epoch, d.assignment_epoch, d.state),
        (1, 1, ConsumerGroupState::Stable)
    );
    assert_eq!(d.strategy.unwrap().0, "coop");
    // Nothing changed: the next answer carries no assignment.
    assert_eq!(a.beat(&h.coordinator, h.at(2.0)).unwrap().assignment, None);
}

#[test]
fn a_moved_partition_reaches_its_new_owner_only_after_the_old_owner_stops_listing_it() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    assert_eq!(a.held.len(), 4);
    let mut b = Member::new("g", &["t"], Some("coop"));
    b.beat(&h.coordinator, h.at(1.0)).unwrap();
    settle(&h);
    // b's target is half of t, but a still holds it all: b gets nothing yet.
    assert!(
        b.beat(&h.coordinator, h.at(1.1))
            .unwrap()
            .assignment
            .is_none_or(|x| x.is_empty())
    );
    let d = h.coordinator.describe_consumer("g").unwrap();
    let target_b = d
        .members
        .iter()
        .find(|m| m.member_id == b.id())
        .unwrap()
        .target
        .clone();
    assert_eq!(target_b.len(), 2);
    // a hears it must give up b's half; its epoch stays until it has.
    let epoch_before = a.epoch;
    let answer = a.beat(&h.coordinator, h.at(1.2)).unwrap();
    assert_eq!(answer.assignment.unwrap().len(), 2);
    assert_eq!(answer.member_epoch, epoch_before, "no new epoch while revoking");
    // b still gets nothing: a has not yet listed its smaller set.
    assert!(
        b.beat(&h.coordinator, h.at(1.3))
            .unwrap()
            .assignment
            .is_none_or(|x| x.is_empty())
    );
    // a lists its smaller set: the partitions are free, a takes the new epoch.
    let answer = a.beat(&h.coordinator, h.at(1.4)).unwrap();
    assert!(answer.member_epoch > epoch_before);
    let answer = b.beat(&h.coordinator, h.at(1.5)).unwrap();
    assert_eq!(answer.assignment.unwrap(), target_b);
    assert_eq!(
        answer.heartbeat_interval,
        Duration::from_secs(5),
        "nothing left to wait for"
    );
    let members = [a, b];
    assert_single_owners(&members);
    assert_eq!(held(&members), 4);
}

#[test]
fn a_partition_that_stays_with_its_member_is_never_revoked() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut members = vec![Member::new("g", &["t"], Some("coop"))];
    members[0].beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, &mut members, h.at(0.1));
    members.push(Member::new("g", &["t"], Some("coop")));
    members[1].beat(&h.coordinator, h.at(1.0)).unwrap();
    let d = {
        settle(&h);
        h.coordinator.describe_consumer("g").unwrap()
    };
    let target_a: BTreeSet<PartitionName> = d
        .members
        .iter()
        .find(|m| m.member_id == members[0].id())
        .unwrap()
        .target
        .iter()
        .cloned()
        .collect();
    let kept: BTreeSet<PartitionName> = members[0].held.intersection(&target_a).cloned().collect();
    let answer = members[0].beat(&h.coordinator, h.at(1.1)).unwrap();
    let now_held: BTreeSet<PartitionName> = answer.assignment.unwrap().into_iter().collect();
    assert!(
        kept.is_subset(&now_held),
        "kept {kept:?} but was told {now_held:?}"
    );
    let d = h.coordinator.describe_consumer("g").unwrap();
    let a = d.members.iter().find(|m| m.member_id == members[0].id()).unwrap();
    assert!(a.revoking.iter().all(|p| !kept.contains(p)));
}

#[test]
fn an_unknown_assignor_is_refused_with_what_the_host_serves_and_leaves_no_group() {
    let h = Harness::with_builtins(&[("t", 2)]);
    let mut a = Member::new("g", &["t"], Some("nope"));
    let error = a.beat(&h.coordinator, h.at(0.0)).unwrap_err();
    assert!(
        matches!(error, ConsumerError::UnsupportedAssignor { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    for served in ["uniform", "range", "cooperative-sticky", "sticky", "roundrobin"] {
        assert!(message.contains(served), "{message}");
    }
    assert!(message.contains("\"nope\""), "{message}");
    assert!(h.coordinator.list().is_empty());
}

#[test]
fn a_group_naming_no_assignor_runs_the_default_and_uniform_runs_cooperative_sticky() {
    let h = Harness::with_builtins(&[("t", 3)]);
    let mut a = Member::new("g", &["t"], None);
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    let d = h.coordinator.describe_consumer("g").unwrap();
    assert_eq!(d.assignor, "uniform");
    assert_eq!(d.strategy.unwrap().0, "cooperative-sticky");
    assert_eq!(a.held.len(), 3);
    let mut b = Member::new("g2", &["t"], Some("range"));
    b.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut b), h.at(0.1));
    assert_eq!(
        h.coordinator.describe_consumer("g2").unwrap().strategy.unwrap().0,
        "range"
    );
}

#[test]
fn a_stale_epoch_is_fenced_and_an_unknown_member_refused() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 2)]);
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    let mut wrong = a.req.clone();
    wrong.member_epoch = a.epoch + 5;
    let error = h.coordinator.consumer_heartbeat(&wrong, h.at(0.2)).unwrap_err();
    assert!(
        matches!(error, ConsumerError::FencedMemberEpoch { epoch, current, .. } if epoch == a.epoch + 5 && current == a.epoch),
        "{error:?}"
    );
    let mut stranger = a.req.clone();
    stranger.member_id = "who".into();
    stranger.member_epoch = 3;
    let error = h
        .coordinator
        .consumer_heartbeat(&stranger, h.at(0.2))
        .unwrap_err();
    assert!(matches!(error, ConsumerError::UnknownMember { .. }), "{error:?}");
    // The fenced member rejoins with epoch 0 under its id and gets its partitions again.
    a.held.clear();
    a.epoch = 0;
    a.beat(&h.coordinator, h.at(0.3)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.4));
    assert_eq!(a.held.len(), 2);
}

#[test]
fn an_expired_member_frees_its_partitions_for_the_others() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut members = vec![
        Member::new("g", &["t"], Some("coop")),
        Member::new("g", &["t"], Some("coop")),
    ];
    for m in members.iter_mut() {
        m.beat(&h.coordinator, h.at(0.0)).unwrap();
    }
    converge(&h, &mut members, h.at(0.1));
    assert_eq!(members[1].held.len(), 2);
    // Only the first keeps heartbeating; the second's 45 s session runs out.
    members[0].beat(&h.coordinator, h.at(40.0)).unwrap();
    h.coordinator.tick(h.at(46.0));
    let mut survivor = vec![members.remove(0)];
    converge(&h, &mut survivor, h.at(46.1));
    assert_eq!(survivor[0].held.len(), 4);
    assert_eq!(h.coordinator.describe_consumer("g").unwrap().members.len(), 1);
}

#[test]
fn a_static_member_back_within_its_session_keeps_its_partitions_and_a_live_one_is_not_replaced() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.req.instance_id = Some("a".into());
    let mut b = Member::new("g", &["t"], Some("coop"));
    b.req.instance_id = Some("b".into());
    let mut members = vec![a, b];
    for m in members.iter_mut() {
        m.beat(&h.coordinator, h.at(0.0)).unwrap();
    }
    converge(&h, &mut members, h.at(0.1));
    let before = members[0].held.clone();
    let epoch = h.coordinator.describe_consumer("g").unwrap().group_epoch;
    // A second process with the live instance id is refused.
    let mut twin = Member::new("g", &["t"], Some("coop"));
    twin.req.instance_id = Some("a".into());
    let error = twin.beat(&h.coordinator, h.at(0.2)).unwrap_err();
    assert!(
        matches!(error, ConsumerError::UnreleasedInstanceId { .. }),
        "{error:?}"
    );
    // It leaves for a while (epoch -2) and comes back as a new process, with a new id.
    let old_id = members[0].id().to_owned();
    members[0].leave(&h.coordinator, -2, h.at(1.0)).unwrap();
    let mut back = Member::new("g", &["t"], Some("coop"));
    back.req.instance_id = Some("a".into());
    let answer = back.beat(&h.coordinator, h.at(10.0)).unwrap();
    assert_ne!(answer.member_id, old_id);
    assert_eq!(
        answer.assignment.unwrap().into_iter().collect::<BTreeSet<_>>(),
        before
    );
    members[0] = back;
    converge(&h, &mut members, h.at(10.1));
    assert_eq!(members[0].held, before);
    assert_eq!(
        h.coordinator.describe_consumer("g").unwrap().group_epoch,
        epoch,
        "no new target"
    );
}

#[test]
fn a_member_leaving_frees_its_partitions_at_once() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut members = vec![
        Member::new("g", &["t"], Some("coop")),
        Member::new("g", &["t"], Some("coop")),
    ];
    for m in members.iter_mut() {
        m.beat(&h.coordinator, h.at(0.0)).unwrap();
    }
    converge(&h, &mut members, h.at(0.1));
    let mut gone = members.pop().unwrap();
    gone.leave(&h.coordinator, -1, h.at(1.0)).unwrap();
    converge(&h, &mut members, h.at(1.1));
    assert_eq!(members[0].held.len(), 4);
    let error = gone.beat(&h.coordinator, h.at(1.2)).unwrap_err();
    assert!(matches!(error, ConsumerError::UnknownMember { .. }));
}

#[test]
fn a_regular_expression_subscribes_to_every_topic_it_matches_whole() {
    let h = Harness::new(
        vec![Deal::cooperative("coop")],
        &[("orders-eu", 2), ("orders-us", 2), ("xorders-eu", 2)],
    );
    let mut a = Member::new("g", &[], Some("coop"));
    a.req.subscribed_topics = None;
    a.req.subscribed_regex = Some("orders-.*".into());
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    assert_eq!(
        a.held.iter().map(|p| p.topic.as_str()).collect::<BTreeSet<_>>(),
        BTreeSet::from(["orders-eu", "orders-us"])
    );
    // A topic created later that matches joins the subscription.
    h.topics.set_partitions("orders-ap", 1);
    h.coordinator.topics_changed(&["orders-ap"], h.at(1.0));
    converge(&h, std::slice::from_mut(&mut a), h.at(1.1));
    assert_eq!(a.held.len(), 5);
    let mut bad = Member::new("g2", &[], Some("coop"));
    bad.req.subscribed_regex = Some("(".into());
    let error = bad.beat(&h.coordinator, h.at(2.0)).unwrap_err();
    assert!(
        error.to_string().contains("regular expression \"(\" is invalid"),
        "{error}"
    );
}

#[test]
fn a_replaced_strategy_recomputes_the_target_and_a_failing_one_keeps_the_assignment_degraded() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 4)]);
    let mut members = vec![
        Member::new("g", &["t"], Some("coop")),
        Member::new("g", &["t"], Some("coop")),
    ];
    for m in members.iter_mut() {
        m.beat(&h.coordinator, h.at(0.0)).unwrap();
    }
    converge(&h, &mut members, h.at(0.1));
    let epoch = h.coordinator.describe_consumer("g").unwrap().group_epoch;
    h.strategies.insert(
        Arc::new(Deal {
            name: "coop",
            version: "2.0.0",
            protocols: &[Protocol::Eager, Protocol::Cooperative],
            behaviour: Behaviour::Works,
        }),
        "hash-2",
    );
    h.coordinator.tick(h.at(1.0));
    converge(&h, &mut members, h.at(1.1));
    let d = h.coordinator.describe_consumer("g").unwrap();
    assert_eq!(d.group_epoch, epoch + 1);
    assert_eq!(d.strategy.as_ref().unwrap().1, "2.0.0");
    // Now a version that fails: the assignment stays, the group says why, and retries.
    h.strategies
        .insert(Deal::failing("coop", Behaviour::Errs), "hash-3");
    h.coordinator.tick(h.at(2.0));
    settle(&h);
    let before: Vec<_> = members.iter().map(|m| m.held.clone()).collect();
    for m in members.iter_mut() {
        m.beat(&h.coordinator, h.at(2.1)).unwrap();
    }
    assert_eq!(members.iter().map(|m| m.held.clone()).collect::<Vec<_>>(), before);
    let d = h.coordinator.describe_consumer("g").unwrap();
    assert!(
        d.degraded.as_ref().unwrap().contains("cannot assign today"),
        "{:?}",
        d.degraded
    );
    assert_eq!(d.state, ConsumerGroupState::Assigning);
    // The working code returns: the group recovers at once.
    h.strategies.insert(Deal::cooperative("coop"), "hash-4");
    h.coordinator.tick(h.at(2.2));
    converge(&h, &mut members, h.at(2.3));
    let d = h.coordinator.describe_consumer("g").unwrap();
    assert_eq!(d.degraded, None);
    assert_eq!(held(&members), 4);
}

#[test]
fn a_failing_strategy_is_retried_after_the_backoff() {
    let h = Harness::new(vec![Deal::failing("coop", Behaviour::Panics)], &[("t", 2)]);
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    settle(&h);
    assert!(h.coordinator.describe_consumer("g").unwrap().degraded.is_some());
    // The panicking code is replaced without an event reaching the group yet (no tick):
    // a tick before the 1 s backoff does not run it, one after does.
    h.strategies.insert(Deal::cooperative("coop"), "hash-2");
    let _ = h.coordinator.consumer_heartbeat(&a.req.clone(), h.at(0.5));
    h.coordinator.0.tick(h.at(0.5));
    settle(&h);
    converge(&h, std::slice::from_mut(&mut a), h.at(1.5));
    assert_eq!(a.held.len(), 2);
}

#[test]
fn a_name_taken_by_one_kind_of_group_is_refused_to_the_other() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 2)]);
    let mut a = Member::new("kafka", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    let error = h
        .coordinator
        .join(JoinRequest::new("kafka", &["t"], &[("coop", b"")]), h.at(0.1))
        .unwrap_err();
    assert!(
        matches!(
            error,
            GroupError::InconsistentGroupProtocol {
                group_type: GroupType::Consumer,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("is a consumer group"), "{error}");
    h.coordinator
        .join(JoinRequest::new("native", &["t"], &[("coop", b"")]), h.at(0.2))
        .unwrap();
    let mut b = Member::new("native", &["t"], Some("coop"));
    let error = b.beat(&h.coordinator, h.at(0.3)).unwrap_err();
    assert!(
        matches!(
            error,
            ConsumerError::Group(GroupError::InconsistentGroupProtocol { .. })
        ),
        "{error:?}"
    );
    let listed: Vec<(String, GroupType)> = h
        .coordinator
        .list()
        .into_iter()
        .map(|g| (g.group, g.group_type))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("kafka".into(), GroupType::Consumer),
            ("native".into(), GroupType::Native)
        ]
    );
    assert_eq!(h.describe("kafka").group_type, GroupType::Consumer);
}

#[derive(Debug, Clone)]
enum Op {
    /// Member i (joining if it is out) heartbeats.
    Beat(usize),
    /// Member i leaves.
    Leave(usize),
    /// Member i goes silent; time passes past its session.
    Expire(usize),
    /// The strategy is replaced (new target).
    Swap,
    /// A member changes its subscription.
    Resubscribe(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..4usize).prop_map(Op::Beat),
        1 => (0..4usize).prop_map(Op::Leave),
        1 => (0..4usize).prop_map(Op::Expire),
        1 => Just(Op::Swap),
        1 => (0..4usize, any::<bool>()).prop_map(|(i, b)| Op::Resubscribe(i, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_partition_ever_has_two_owners(ops in proptest::collection::vec(op(), 1..60)) {
        let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 5), ("u", 3)]);
        let mut members: Vec<Option<Member>> = (0..4).map(|_| None).collect();
        let mut silent: Vec<bool> = vec![false; 4];
        let mut now = h.at(0.0);
        let mut version = 0;
        for op in ops {
            now += Duration::from_millis(100);
            match op {
                Op::Beat(i) => {
                    if silent[i] {
                        continue;
                    }
                    let m = members[i].get_or_insert_with(|| Member::new("g", &["t", "u"], Some("coop")));
                    if m.beat(&h.coordinator, now).is_err() {
                        // Fenced or removed: it drops everything and rejoins later.
                        members[i] = None;
                    }
                }
                Op::Leave(i) => {
                    if let Some(mut m) = members[i].take() {
                        // A member removed meanwhile is told it is unknown; either way it is out.
                        let _ = m.leave(&h.coordinator, -1, now);
                    }
                }
                Op::Expire(i) => {
                    silent[i] = true;
                    // The others keep heartbeating while time passes; the silent one's session
                    // runs out, and only then does it drop what it holds.
                    now += Duration::from_secs(46);
                    for (j, m) in members.iter_mut().enumerate() {
                        if let Some(m) = m.as_mut() && !silent[j] && m.beat(&h.coordinator, now).is_err() {
                            m.held.clear();
                        }
                    }
                    h.coordinator.tick(now);
                    members[i] = None;
                    silent[i] = false;
                }
                Op::Swap => {
                    version += 1;
                    h.strategies.insert(Deal::cooperative("coop"), &format!("hash-{version}"));
                    h.coordinator.tick(now);
                }
                Op::Resubscribe(i, both) => {
                    if let Some(m) = members[i].as_mut() {
                        let topics: &[&str] = if both { &["t", "u"] } else { &["t"] };
                        m.req.subscribed_topics = Some(topics.iter().map(|t| t.to_string()).collect());
                    }
                }
            }
            settle(&h);
            let mut seen = BTreeSet::new();
            for m in members.iter().flatten() {
                for p in &m.held {
                    prop_assert!(seen.insert(p.clone()), "{} held twice", p);
                }
            }
            // The coordinator's own view agrees: each partition in at most one member's holdings.
            let d = h.coordinator.describe_consumer("g");
            if let Ok(d) = d {
                let mut owned = BTreeSet::new();
                for m in &d.members {
                    for p in &m.assignment {
                        prop_assert!(owned.insert(p.clone()), "{} assigned twice in describe", p);
                    }
                }
            }
        }
    }
}

#[test]
fn a_commit_to_a_consumer_group_is_checked_by_member_epoch() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 2)]);
    for ts in 0..10 {
        h.topics.append("t", 0, ts);
    }
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    let offset = |o| {
        vec![(
            tp("t", 0),
            CommittedOffset {
                offset: o,
                metadata: None,
            },
        )]
    };
    let member = |epoch| Committer::Member {
        member_id: a.id().to_owned(),
        generation: epoch,
    };
    h.coordinator
        .commit_offsets("g", &member(a.epoch), &offset(3))
        .unwrap();
    let error = h
        .coordinator
        .commit_offsets("g", &member(a.epoch - 1), &offset(4))
        .unwrap_err();
    assert!(
        matches!(error, GroupError::StaleMemberEpoch { epoch, current, .. } if epoch == a.epoch - 1 && current == a.epoch),
        "{error:?}"
    );
    let stranger = Committer::Member {
        member_id: "who".into(),
        generation: a.epoch,
    };
    let error = h
        .coordinator
        .commit_offsets("g", &stranger, &offset(5))
        .unwrap_err();
    assert!(matches!(error, GroupError::UnknownMember { .. }), "{error:?}");
    let error = h
        .coordinator
        .commit_offsets("g", &Committer::Standalone, &offset(6))
        .unwrap_err();
    assert!(matches!(error, GroupError::GroupNotEmpty { .. }), "{error:?}");
    assert_eq!(h.coordinator.fetch_offsets("g", None)[0].1.offset, 3);
}

#[test]
fn an_offset_fetch_naming_a_consumer_group_member_is_checked_by_member_epoch() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 2)]);
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    let c = &h.coordinator;
    c.check_offset_fetcher("g", Some(a.id()), a.epoch).unwrap();
    let error = c
        .check_offset_fetcher("g", Some(a.id()), a.epoch - 1)
        .unwrap_err();
    assert!(
        matches!(error, GroupError::StaleMemberEpoch { epoch, current, .. } if epoch == a.epoch - 1 && current == a.epoch),
        "{error:?}"
    );
    let error = c
        .check_offset_fetcher("g", Some(a.id()), a.epoch + 1)
        .unwrap_err();
    assert!(matches!(error, GroupError::StaleMemberEpoch { .. }), "{error:?}");
    let error = c.check_offset_fetcher("g", Some("who"), a.epoch).unwrap_err();
    assert!(matches!(error, GroupError::UnknownMember { .. }), "{error:?}");
    // An admin tool names no member: it reads while the group has members.
    c.check_offset_fetcher("g", None, -1).unwrap();
    c.check_offset_fetcher("g", Some(""), -1).unwrap();
    // Naming no member but an epoch is no outsider's request.
    let error = c.check_offset_fetcher("g", None, a.epoch).unwrap_err();
    assert!(matches!(error, GroupError::UnknownMember { .. }), "{error:?}");
    // A member that left is unknown; other kinds of group, and unknown ones, are not checked.
    let id = a.id().to_owned();
    a.leave(c, -1, h.at(0.2)).unwrap();
    let error = c.check_offset_fetcher("g", Some(&id), a.epoch).unwrap_err();
    assert!(matches!(error, GroupError::UnknownMember { .. }), "{error:?}");
    c.check_offset_fetcher("nobody", Some("who"), 7).unwrap();
}

#[test]
fn a_deleted_topic_leaves_the_target_of_a_consumer_group_subscribed_to_it() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 2), ("u", 2)]);
    let mut members = vec![
        Member::new("g", &["t", "u"], Some("coop")),
        Member::new("g", &["t", "u"], Some("coop")),
    ];
    // A group on `t` alone, untouched by the deletion.
    let mut other = Member::new("other", &["t"], Some("coop"));
    for m in members.iter_mut() {
        m.beat(&h.coordinator, h.at(0.0)).unwrap();
    }
    other.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, &mut members, h.at(0.1));
    converge(&h, std::slice::from_mut(&mut other), h.at(0.1));
    assert_eq!(held(&members), 4);
    let epoch = h.coordinator.describe_consumer("g").unwrap().group_epoch;
    let other_epoch = h.coordinator.describe_consumer("other").unwrap().group_epoch;

    // The log deletes `u` and says so, as the server's driver does.
    h.topics.remove("u");
    h.coordinator.topic_deleted("u").unwrap();
    h.coordinator.topics_changed(&["u"], h.at(1.0));
    settle(&h);
    let d = h.coordinator.describe_consumer("g").unwrap();
    assert!(d.group_epoch > epoch, "a new target for the group reading u");
    assert_eq!(
        h.coordinator.describe_consumer("other").unwrap().group_epoch,
        other_epoch,
        "the group not reading u keeps its epoch"
    );
    let targets: BTreeSet<PartitionName> = d.members.iter().flat_map(|m| m.target.clone()).collect();
    assert_eq!(targets, [tp("t", 0), tp("t", 1)].into_iter().collect());

    // The members drop u's partitions through ordinary heartbeats and keep t's.
    converge(&h, &mut members, h.at(1.1));
    let holdings: BTreeSet<PartitionName> = members.iter().flat_map(|m| m.held.clone()).collect();
    assert_eq!(holdings, [tp("t", 0), tp("t", 1)].into_iter().collect());
    assert_eq!(
        h.coordinator.describe_consumer("g").unwrap().state,
        ConsumerGroupState::Stable
    );
}

#[test]
fn a_consumer_group_with_members_keeps_its_offsets_from_resets_and_deletions() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 2)]);
    h.topics.append("t", 0, 1);
    let mut a = Member::new("g", &["t"], Some("coop"));
    a.beat(&h.coordinator, h.at(0.0)).unwrap();
    converge(&h, std::slice::from_mut(&mut a), h.at(0.1));
    let committed = vec![(
        tp("t", 0),
        CommittedOffset {
            offset: 1,
            metadata: None,
        },
    )];
    let member = Committer::Member {
        member_id: a.id().to_owned(),
        generation: a.epoch,
    };
    h.coordinator.commit_offsets("g", &member, &committed).unwrap();
    let reset = h
        .coordinator
        .reset_offsets("g", &ResetScope::Topics(vec!["t".into()]), ResetTo::Earliest)
        .unwrap_err();
    assert!(
        matches!(reset, GroupError::GroupNotEmpty { members: 1, .. }),
        "{reset:?}"
    );
    let deleted = h.coordinator.delete_offsets("g", "t").unwrap_err();
    assert!(
        matches!(deleted, GroupError::GroupNotEmpty { members: 1, .. }),
        "{deleted:?}"
    );
    assert_eq!(h.coordinator.fetch_offsets("g", None), committed);
}
