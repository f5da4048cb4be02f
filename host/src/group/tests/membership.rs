//! Joining, leaving, heartbeats, static members, session and rebalance timeouts, topic changes.

use super::*;

#[test]
fn groups_split_partitions_with_no_overlap_and_no_gap() {
    // The real registry with its built-in range strategy.
    let h = Harness::with_builtins(&[("orders", 7), ("payments", 3)]);
    let mut clients: Vec<Client> = (0..3)
        .map(|i| {
            Client::new(
                "g",
                if i == 2 {
                    &["orders"]
                } else {
                    &["orders", "payments"]
                },
                &[("range", b"")],
            )
        })
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    assert_complete(&h, &clients, &["orders", "payments"]);
    let generation = clients[0].generation();
    for c in &clients {
        let o = c.outcome();
        assert_eq!(
            (o.generation, o.strategy.as_deref(), o.protocol),
            (generation, Some("range"), Protocol::Eager)
        );
        assert!(!o.partitions.is_empty());
    }
    let d = h.describe("g");
    assert_eq!(d.state, GroupState::Stable);
    assert_eq!(d.strategy.unwrap().hash, "built-in");
    // payments goes to the two members that read it, orders to all three.
    assert!(clients[2].held.iter().all(|p| p.topic == "orders"));
}

#[test]
fn the_first_member_is_assigned_at_once_and_each_join_is_a_new_generation() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 4)]);
    let mut a = Client::new("g", &["t"], &[("deal", b"")]);
    a.join(&h, h.at(0.0)).unwrap();
    assert_eq!(a.outcome().generation, 1);
    assert_eq!(a.held.len(), 4);
    let mut clients = vec![a, Client::new("g", &["t"], &[("deal", b"")])];
    clients[1].join(&h, h.at(1.0)).unwrap();
    assert!(
        clients[1].outcome.is_none(),
        "waits for the first member to rejoin"
    );
    assert_eq!(h.describe("g").state, GroupState::PreparingRebalance);
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!((clients[0].generation(), clients[1].generation()), (2, 2));
    assert_eq!((clients[0].held.len(), clients[1].held.len()), (2, 2));
}

#[test]
fn the_leader_is_the_longest_standing_member() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 4)]);
    let mut clients: Vec<Client> = (0..3)
        .map(|_| Client::new("g", &["t"], &[("deal", b"")]))
        .collect();
    for c in clients.iter_mut() {
        c.join(&h, h.at(0.0)).unwrap();
        settle(&h, std::slice::from_mut(c), h.at(0.0));
    }
    let mut clients = clients;
    settle(&h, &mut clients, h.at(0.0));
    let first = clients[0].id();
    assert_eq!(h.describe("g").leader.as_deref(), Some(first.as_str()));
    assert!(clients.iter().all(|c| c.outcome().leader == first));
    h.coordinator.leave("g", &first, h.at(1.0)).unwrap();
    clients.remove(0);
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(h.describe("g").leader, Some(clients[0].id()));
    assert_eq!(clients[1].outcome().leader, clients[0].id());
}

#[test]
fn a_static_member_restart_keeps_its_assignment_without_a_rebalance() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 6)]);
    let mut clients = vec![
        Client::new("g", &["t"], &[("deal", b"x")]).static_member("s1"),
        Client::new("g", &["t"], &[("deal", b"y")]).static_member("s2"),
    ];
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let before = clients[0].outcome().clone();
    let last = h.describe("g").last_rebalance;

    // The process restarts: a fresh client with the same instance id and no member id.
    let mut restarted = Client::new("g", &["t"], &[("deal", b"x")]).static_member("s1");
    restarted.join(&h, h.at(3.0)).unwrap();
    let after = restarted.outcome().clone();
    assert_ne!(after.member_id, before.member_id);
    assert_eq!(
        (after.generation, &after.partitions, &after.user_data),
        (before.generation, &before.partitions, &before.user_data)
    );
    let d = h.describe("g");
    assert_eq!(
        (d.state, d.generation, d.last_rebalance),
        (GroupState::Stable, before.generation, last)
    );
    // The other member is not disturbed; the old process is fenced.
    assert_eq!(
        h.coordinator
            .heartbeat("g", &clients[1].id(), before.generation, h.at(3.0)),
        Ok(HeartbeatState::Stable)
    );
    let fenced = h
        .coordinator
        .heartbeat("g", &before.member_id, before.generation, h.at(3.0))
        .unwrap_err();
    assert!(
        matches!(fenced, GroupError::FencedInstance { .. }) && fenced.code() == 6,
        "{fenced}"
    );
}

#[test]
fn a_static_member_restarting_with_new_metadata_rebalances() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2), ("u", 2)]);
    let mut clients = vec![Client::new("g", &["t"], &[("deal", b"")]).static_member("s1")];
    join_all(&h, &mut clients, h.at(0.0));
    let mut restarted = Client::new("g", &["t", "u"], &[("deal", b"")]).static_member("s1");
    restarted.join(&h, h.at(1.0)).unwrap();
    assert_eq!(restarted.outcome().generation, 2);
    assert_eq!(restarted.held.len(), 4);
}

#[test]
fn session_expiry_removes_a_silent_member_and_rebalances() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 4)]);
    let mut clients = vec![
        Client::new("g", &["t"], &[("deal", b"")]),
        Client::new("g", &["t"], &[("deal", b"")]),
    ];
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let silent = clients.pop().unwrap();
    for s in [4.0, 8.0] {
        settle(&h, &mut clients, h.at(s));
        h.coordinator.tick(h.at(s));
    }
    assert_eq!(
        h.describe("g").members.len(),
        2,
        "9.9 s of silence is within the 10 s session"
    );
    h.coordinator.tick(h.at(10.0));
    let d = h.describe("g");
    assert_eq!(d.members.len(), 1);
    assert!(d.rebalancing.unwrap().contains("session expired"));
    settle(&h, &mut clients, h.at(10.0));
    assert_eq!(clients[0].held.len(), 4);
    let gone = h
        .coordinator
        .heartbeat("g", &silent.id(), silent.generation(), h.at(10.0))
        .unwrap_err();
    assert_eq!(gone.code(), 2, "{gone}");
}

#[test]
fn the_rebalance_timeout_removes_members_that_do_not_rejoin() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 6)]);
    let mut clients = vec![
        Client::new("g", &["t"], &[("deal", b"")]),
        Client::new("g", &["t"], &[("deal", b"")]),
    ];
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let laggard = clients[1].id();
    let mut newcomer = Client::new("g", &["t"], &[("deal", b"")]);
    newcomer.join(&h, h.at(1.0)).unwrap();
    // The first member rejoins; the laggard keeps heartbeating but never rejoins.
    clients[0].step(&h, h.at(1.0));
    for s in (5..=60).step_by(5) {
        let state = h.coordinator.heartbeat("g", &laggard, 2, h.at(s as f64)).unwrap();
        assert_eq!(state, HeartbeatState::RebalanceInProgress);
        h.coordinator.tick(h.at(s as f64));
    }
    assert_eq!(
        h.describe("g").state,
        GroupState::PreparingRebalance,
        "the timeout is 60 s from 1 s"
    );
    h.coordinator.tick(h.at(61.0));
    assert!(newcomer.poll() && clients[0].poll());
    assert_eq!(newcomer.held.len() + clients[0].held.len(), 6);
    let d = h.describe("g");
    assert_eq!(d.state, GroupState::Stable);
    assert_eq!(d.members.len(), 2);
    assert!(d.members.iter().all(|m| m.member_id != laggard));
}

#[test]
fn a_leaving_member_frees_its_partitions_for_the_others() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 5)]);
    let mut clients: Vec<Client> = (0..3)
        .map(|_| Client::new("g", &["t"], &[("deal", b"")]))
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let leaving = clients.remove(1);
    h.coordinator.leave("g", &leaving.id(), h.at(1.0)).unwrap();
    settle(&h, &mut clients, h.at(1.0));
    assert_complete(&h, &clients, &["t"]);
    assert_eq!(h.describe("g").members.len(), 2);
    // The last one out leaves the group empty.
    for c in &clients {
        h.coordinator.leave("g", &c.id(), h.at(2.0)).unwrap();
    }
    assert_eq!(h.describe("g").state, GroupState::Empty);
}

#[test]
fn stale_generations_and_unknown_members_are_refused() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    let mut clients = vec![Client::new("g", &["t"], &[("deal", b"")])];
    join_all(&h, &mut clients, h.at(0.0));
    let id = clients[0].id();
    let stale = h.coordinator.heartbeat("g", &id, 0, h.at(0.0)).unwrap_err();
    assert_eq!(
        stale,
        GroupError::IllegalGeneration {
            group: "g".into(),
            member: id,
            generation: 0,
            current: 1
        }
    );
    assert_eq!(
        h.coordinator
            .heartbeat("g", "nobody", 1, h.at(0.0))
            .unwrap_err()
            .code(),
        2
    );
    assert_eq!(
        h.coordinator
            .heartbeat("nogroup", "nobody", 1, h.at(0.0))
            .unwrap_err()
            .code(),
        1
    );
    let mut bad = JoinRequest::new("g", &["t"], &[("deal", b""), ("deal", b"")]);
    assert!(
        h.coordinator
            .join(bad.clone(), h.at(0.0))
            .unwrap_err()
            .to_string()
            .contains("listed twice")
    );
    bad.strategies.clear();
    assert_eq!(h.coordinator.join(bad, h.at(0.0)).unwrap_err().code(), 8);
}

#[test]
fn added_partitions_and_subscription_changes_trigger_a_rebalance() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2), ("u", 2)]);
    let mut clients = vec![
        Client::new("g", &["t"], &[("deal", b"")]),
        Client::new("g", &["t"], &[("deal", b"")]),
    ];
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let generation = clients[0].generation();
    // A topic nobody reads changing does nothing.
    h.topics.set_partitions("u", 3);
    h.coordinator.topics_changed(&["u"], h.at(1.0));
    assert_eq!(h.describe("g").state, GroupState::Stable);
    h.topics.set_partitions("t", 4);
    h.coordinator.topics_changed(&["t"], h.at(1.0));
    assert!(
        h.describe("g")
            .rebalancing
            .unwrap()
            .contains("from 2 to 4 partitions")
    );
    settle(&h, &mut clients, h.at(1.0));
    assert_complete(&h, &clients, &["t"]);
    assert_eq!(clients[0].generation(), generation + 1);
    // Subscribing to u as well.
    clients[1].req.topics.push("u".into());
    clients[1].join(&h, h.at(2.0)).unwrap();
    settle(&h, &mut clients, h.at(2.0));
    assert_complete(&h, &clients, &["t", "u"]);
    assert_eq!(clients[0].generation(), generation + 2);
}

#[test]
fn a_group_keeps_working_while_a_subscribed_topic_is_deleted_and_created_again() {
    // The real cooperative-sticky strategy: members keep subscribing to u while it is gone.
    let h = Harness::with_builtins(&[("t", 4), ("u", 2)]);
    let mut clients: Vec<Client> = (0..2)
        .map(|_| Client::new("g", &["t", "u"], &[("cooperative-sticky", b"")]))
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    assert_complete(&h, &clients, &["t", "u"]);
    let t_before: Vec<BTreeSet<PartitionName>> = clients
        .iter()
        .map(|c| c.held.iter().filter(|p| p.topic == "t").cloned().collect())
        .collect();

    h.topics.remove("u");
    h.coordinator.topics_changed(&["u"], h.at(1.0));
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(h.describe("g").state, GroupState::Stable);
    assert_complete(&h, &clients, &["t"]);
    for (c, before) in clients.iter().zip(&t_before) {
        assert!(c.held.iter().all(|p| p.topic == "t"), "{:?}", c.held);
        assert_eq!(&c.held, before, "t does not move while u is gone");
    }

    h.topics.set_partitions("u", 3);
    h.coordinator.topics_changed(&["u"], h.at(2.0));
    settle(&h, &mut clients, h.at(2.0));
    assert_eq!(h.describe("g").state, GroupState::Stable);
    assert_complete(&h, &clients, &["t", "u"]);
    assert!(clients.iter().all(|c| c.active()));
}

#[test]
fn members_join_from_many_threads_at_once() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 16)]);
    let now = h.at(0.0);
    let joins: Vec<_> = (0..8)
        .map(|_| {
            let coordinator = h.coordinator.clone();
            std::thread::spawn(move || {
                coordinator
                    .join(JoinRequest::new("g", &["t"], &[("deal", b"")]), now)
                    .unwrap()
            })
        })
        .collect();
    let mut clients: Vec<Client> = joins
        .into_iter()
        .map(|join| {
            let mut c = Client::new("g", &["t"], &[("deal", b"")]);
            c.ticket = Some(join.join().unwrap());
            c
        })
        .collect();
    settle(&h, &mut clients, now);
    assert_complete(&h, &clients, &["t"]);
    assert!(clients.iter().all(|c| c.held.len() == 2));
    assert_eq!(h.describe("g").members.len(), 8);
}

#[test]
fn an_eager_sticky_group_keeps_what_members_held_when_one_joins() {
    // The real registry's built-in sticky strategy, which is eager only.
    let h = Harness::with_builtins(&[("orders", 12)]);
    let mut clients: Vec<Client> = (0..2)
        .map(|_| Client::new("g", &["orders"], &[("sticky", b"")]))
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let before: Vec<BTreeSet<PartitionName>> =
        clients.iter().map(|c| c.held.iter().cloned().collect()).collect();
    assert_eq!(before.iter().map(BTreeSet::len).sum::<usize>(), 12);

    clients.push(Client::new("g", &["orders"], &[("sticky", b"")]));
    join_all(&h, &mut clients[2..], h.at(1.0));
    settle(&h, &mut clients, h.at(1.0));
    assert_complete(&h, &clients, &["orders"]);
    assert_eq!(clients[0].outcome().protocol, Protocol::Eager);
    // Balance needs 4 each: the two first members give up 2 each and keep the other 4.
    for (client, held) in clients.iter().zip(&before) {
        let kept = client.held.iter().filter(|p| held.contains(*p)).count();
        assert_eq!((client.held.len(), kept), (4, 4), "{}", client.id());
    }
}
