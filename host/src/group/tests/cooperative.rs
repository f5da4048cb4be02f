//! Cooperative rebalances through the coordinator: revoke first, grant after.

use super::*;

fn coop(name: &'static str) -> Vec<Arc<Deal>> {
    vec![Deal::cooperative(name)]
}

#[test]
fn a_moved_partition_is_revoked_before_its_new_owner_gets_it_and_unmoved_ones_never_pause() {
    let h = Harness::new(coop("coop"), &[("t", 6)]);
    let mut clients: Vec<Client> = (0..2)
        .map(|_| Client::new("g", &["t"], &[("coop", b"")]))
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    assert_eq!(clients[0].outcome().protocol, Protocol::Cooperative);
    let before: Vec<BTreeSet<PartitionName>> = clients.iter().map(|c| c.held.clone()).collect();
    for c in &mut clients {
        c.confirms = false;
    }
    clients.push(Client::new("g", &["t"], &[("coop", b"")]));
    clients[2].join(&h, h.at(1.0)).unwrap();
    settle(&h, &mut clients, h.at(1.0));

    // Deal gives t-0,3 / t-1,4 / t-2,5: the old owners keep what stays, revoke what moves.
    let newcomer = clients[2].outcome().clone();
    assert!(newcomer.partitions.is_empty());
    assert_eq!(newcomer.pending, vec![tp("t", 2), tp("t", 5)]);
    let (mut revoked, mut pending) = (BTreeSet::new(), BTreeSet::new());
    for (c, before) in clients.iter().zip(&before) {
        let o = c.outcome();
        for p in &o.partitions {
            assert!(before.contains(p), "{p} was already its own");
        }
        for p in before {
            assert!(
                o.partitions.contains(p) || o.revoke.contains(p),
                "{p} neither kept nor revoked"
            );
        }
        revoked.extend(o.revoke.iter().cloned());
        pending.extend(o.pending.iter().cloned());
    }
    pending.extend(newcomer.pending.iter().cloned());
    assert_eq!(
        revoked, pending,
        "every withheld partition is being revoked by its owner"
    );
    assert_eq!(h.describe("g").state, GroupState::CompletingRebalance);
    let id = clients[2].id();
    let pending_fetch = h
        .coordinator
        .check_fetch("g", &id, newcomer.generation, &tp("t", 2))
        .unwrap_err();
    assert_eq!(pending_fetch.code(), 5);

    // The owners confirm: the newcomer is told by its heartbeat.
    for c in &mut clients[..2] {
        c.confirms = true;
    }
    settle(&h, &mut clients, h.at(2.0));
    assert_eq!(clients[2].held, [tp("t", 2), tp("t", 5)].into_iter().collect());
    h.coordinator
        .check_fetch("g", &id, newcomer.generation, &tp("t", 2))
        .unwrap();
    assert_eq!(h.describe("g").state, GroupState::Stable);
    assert_complete(&h, &clients, &["t"]);
}

#[test]
fn a_revoking_owner_whose_session_expires_hands_its_partitions_over() {
    let h = Harness::new(coop("coop"), &[("t", 4)]);
    let mut clients: Vec<Client> = (0..2)
        .map(|_| Client::new("g", &["t"], &[("coop", b"")]))
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    clients[1].confirms = false;
    clients.push(Client::new("g", &["t"], &[("coop", b"")]));
    clients[2].join(&h, h.at(1.0)).unwrap();
    settle(&h, &mut clients, h.at(1.0));
    assert!(!clients[1].outcome().revoke.is_empty());
    assert!(!clients[2].outcome().pending.is_empty());
    // The stubborn owner goes silent: at expiry its partitions go to whoever awaits them.
    let silent = clients.remove(1);
    settle(&h, &mut clients, h.at(6.0));
    h.coordinator.tick(h.at(11.0));
    let d = h.describe("g");
    assert!(d.members.iter().all(|m| m.member_id != silent.id()));
    assert!(d.members.iter().all(|m| m.pending.is_empty()));
    settle(&h, &mut clients, h.at(11.0));
    assert_complete(&h, &clients, &["t"]);
}

#[test]
fn a_member_listing_an_eager_only_strategy_keeps_the_group_eager() {
    let h = Harness::new(vec![Deal::cooperative("coop"), Deal::eager("eager")], &[("t", 4)]);
    let mut clients = vec![
        Client::new("g", &["t"], &[("coop", b"")]),
        Client::new("g", &["t"], &[("coop", b""), ("eager", b"")]),
    ];
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    assert_eq!(clients[0].outcome().strategy.as_deref(), Some("coop"));
    assert_eq!(clients[0].outcome().protocol, Protocol::Eager);
    // Once it drops the eager-only strategy, the group turns cooperative.
    clients[1].req.strategies = vec![("coop".into(), vec![])];
    clients[1].join(&h, h.at(1.0)).unwrap();
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(clients[0].outcome().protocol, Protocol::Cooperative);
    assert_complete(&h, &clients, &["t"]);
}
