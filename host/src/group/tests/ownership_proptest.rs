//! Random join, leave, heartbeat, silence, restart, expiry and topic-growth sequences never give
//! a partition two owners, on the coordinator's side or the clients'.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Op {
    Join {
        slot: usize,
        lists: usize,
        instance: bool,
    },
    Step(usize),
    Leave(usize),
    /// The client stops talking (crash without leaving).
    Silence(usize),
    /// Its static instance restarts as a fresh process.
    Restart(usize),
    SetConfirms(usize, bool),
    Advance(u8),
    GrowTopic,
}

const SLOTS: usize = 5;
const LISTS: [&[(&str, &[u8])]; 3] = [
    &[("coop", b"c")],
    &[("coop", b"c"), ("eager", b"e")],
    &[("eager", b"e"), ("coop", b"c")],
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..SLOTS, 0..LISTS.len(), any::<bool>()).prop_map(|(slot, lists, instance)| Op::Join { slot, lists, instance }),
        6 => (0..SLOTS).prop_map(Op::Step),
        1 => (0..SLOTS).prop_map(Op::Leave),
        1 => (0..SLOTS).prop_map(Op::Silence),
        1 => (0..SLOTS).prop_map(Op::Restart),
        2 => (0..SLOTS, any::<bool>()).prop_map(|(s, c)| Op::SetConfirms(s, c)),
        2 => (1..12u8).prop_map(Op::Advance),
        1 => Just(Op::GrowTopic),
    ]
}

/// The coordinator's own view: no partition in two members' holdings, none both held and
/// withheld for its holder, and every holding belongs to a member.
fn assert_coordinator_exclusive(h: &Harness) {
    let Ok(d) = h.coordinator.describe("g") else {
        return;
    };
    let mut holder: BTreeMap<&PartitionName, &str> = BTreeMap::new();
    for m in &d.members {
        for p in m.partitions.iter().chain(&m.revoking) {
            if let Some(other) = holder.insert(p, &m.member_id) {
                panic!("coordinator: {p} owned by {other} and {}", m.member_id);
            }
        }
        for p in &m.pending {
            assert!(
                !m.partitions.contains(p) && !m.revoking.contains(p),
                "{p} both pending and owned"
            );
        }
    }
}

fn run(ops: Vec<Op>) {
    let h = Harness::new(vec![Deal::cooperative("coop"), Deal::eager("eager")], &[("t", 6)]);
    let mut slots: Vec<Option<Client>> = (0..SLOTS).map(|_| None).collect();
    // Clients that went silent: still members until they expire, holding nothing client-side.
    let mut now = 0.0;
    for op in ops {
        let at = h.at(now);
        match op {
            Op::Join {
                slot,
                lists,
                instance,
            } => {
                if slots[slot].as_ref().is_none_or(|c| !c.active()) {
                    let mut c = Client::new("g", &["t"], LISTS[lists]);
                    if instance {
                        c = c.static_member(&format!("instance-{slot}"));
                    }
                    if c.join(&h, at).is_ok() {
                        slots[slot] = Some(c);
                    }
                }
            }
            Op::Step(slot) => {
                if let Some(c) = &mut slots[slot] {
                    c.step(&h, at);
                }
            }
            Op::Leave(slot) => {
                if let Some(c) = slots[slot].take()
                    && c.req.member_id.is_some()
                {
                    let _ = h.coordinator.leave("g", &c.id(), at);
                }
            }
            Op::Silence(slot) => {
                slots[slot] = None;
            }
            Op::Restart(slot) => {
                if let Some(c) = &slots[slot]
                    && let Some(instance) = c.req.instance_id.clone()
                {
                    let lists = c.req.strategies.clone();
                    let mut fresh = Client::new("g", &["t"], &[]).static_member(&instance);
                    fresh.req.strategies = lists;
                    slots[slot] = None;
                    if fresh.join(&h, at).is_ok() {
                        slots[slot] = Some(fresh);
                    }
                }
            }
            Op::SetConfirms(slot, confirms) => {
                if let Some(c) = &mut slots[slot] {
                    c.confirms = confirms;
                }
            }
            Op::Advance(secs) => {
                now += f64::from(secs);
                for c in slots.iter_mut().flatten() {
                    c.self_fence(h.at(now));
                }
                h.coordinator.tick(h.at(now));
            }
            Op::GrowTopic => {
                let n = h.topics.partitions("t").unwrap();
                h.topics.set_partitions("t", n + 1);
                h.coordinator.topics_changed(&["t"], at);
            }
        }
        for c in slots.iter_mut().flatten() {
            if c.poll() {
                c.last_contact = Some(h.at(now));
            }
        }
        let clients: Vec<&Client> = slots.iter().flatten().collect();
        let mut holder: BTreeMap<&PartitionName, usize> = BTreeMap::new();
        for (i, c) in clients.iter().enumerate() {
            for p in &c.held {
                if let Some(other) = holder.insert(p, i) {
                    panic!(
                        "clients: {p} held by {:?} and {:?}",
                        clients[other].req.member_id, c.req.member_id
                    );
                }
            }
        }
        assert_coordinator_exclusive(&h);
    }
    // Let it settle: silent members expire, everyone left confirms, and the topic is covered.
    let mut clients: Vec<Client> = slots
        .into_iter()
        .flatten()
        .filter(|c| c.active() && c.req.member_id.is_some())
        .collect();
    for c in &mut clients {
        c.confirms = true;
    }
    for _ in 0..4 {
        now += 5.0;
        settle(&h, &mut clients, h.at(now));
        h.coordinator.tick(h.at(now));
        settle(&h, &mut clients, h.at(now));
        assert_coordinator_exclusive(&h);
    }
    clients.retain(|c| c.active());
    if !clients.is_empty() {
        assert_complete(&h, &clients, &["t"]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_membership_sequences_never_give_a_partition_two_owners(ops in prop::collection::vec(op(), 1..60)) {
        run(ops);
    }
}
