//! Registry events: strategies added, updated and removed while groups run.

use super::*;

fn running(h: &Harness, lists: &[(&str, &[u8])], n: usize) -> Vec<Client> {
    let mut clients: Vec<Client> = (0..n).map(|_| Client::new("g", &["t"], lists)).collect();
    join_all(h, &mut clients, h.at(0.0));
    settle(h, &mut clients, h.at(0.0));
    clients
}

#[test]
fn an_added_strategy_the_group_prefers_takes_over() {
    let h = Harness::new(vec![Deal::eager("plain")], &[("t", 4)]);
    let mut clients = running(&h, &[("better", b"B"), ("plain", b"P")], 2);
    assert_eq!(clients[0].outcome().strategy.as_deref(), Some("plain"));
    // A strategy the group does not list changes nothing.
    h.strategies.insert(Deal::eager("unrelated"), "h");
    h.coordinator.tick(h.at(1.0));
    assert_eq!(h.describe("g").rebalancing, None);
    h.strategies.insert(Deal::eager("better"), "h");
    h.coordinator.tick(h.at(1.0));
    assert!(h.describe("g").rebalancing.unwrap().contains("prefers better"));
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(clients[0].outcome().strategy.as_deref(), Some("better"));
    assert_eq!(clients[0].outcome().user_data, b"better 1.0.0:B");
    assert_complete(&h, &clients, &["t"]);
}

#[test]
fn an_updated_strategy_rebalances_its_groups_onto_the_new_code() {
    let h = Harness::new(vec![Deal::eager("deal"), Deal::eager("other")], &[("t", 4)]);
    let mut clients = running(&h, &[("deal", b"")], 2);
    let mut bystanders: Vec<Client> = (0..1)
        .map(|_| Client::new("h", &["t"], &[("other", b"")]))
        .collect();
    join_all(&h, &mut bystanders, h.at(0.0));
    let v2 = Arc::new(Deal {
        name: "deal",
        version: "2.0.0",
        protocols: &[Protocol::Eager],
        behaviour: Behaviour::Works,
    });
    h.strategies.insert(v2, "hash-2");
    h.coordinator.tick(h.at(1.0));
    assert!(
        h.describe("g")
            .rebalancing
            .unwrap()
            .contains("strategy deal updated")
    );
    assert_eq!(
        h.describe("h").rebalancing,
        None,
        "a group running another strategy is left alone"
    );
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(clients[0].outcome().user_data, b"deal 2.0.0:");
    let s = h.describe("g").strategy.unwrap();
    assert_eq!((s.version.as_str(), s.hash.as_str()), ("2.0.0", "hash-2"));
}

#[test]
fn a_removed_strategy_moves_groups_to_their_next_candidate_or_leaves_them_degraded() {
    let h = Harness::new(vec![Deal::eager("first"), Deal::eager("second")], &[("t", 4)]);
    let mut clients = running(&h, &[("first", b""), ("second", b"")], 2);
    assert_eq!(clients[0].outcome().strategy.as_deref(), Some("first"));
    h.strategies.remove("first");
    h.coordinator.tick(h.at(1.0));
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(clients[0].outcome().strategy.as_deref(), Some("second"));
    let generation = clients[0].generation();
    let held: Vec<BTreeSet<PartitionName>> = clients.iter().map(|c| c.held.clone()).collect();

    // Nothing left: the group keeps its assignment, degraded, without a rebalance.
    h.strategies.remove("second");
    h.coordinator.tick(h.at(2.0));
    settle(&h, &mut clients, h.at(2.0));
    let d = h.describe("g");
    assert_eq!(
        (d.state, d.generation, d.rebalancing),
        (GroupState::Stable, generation, None)
    );
    assert!(d.degraded.unwrap().contains("second was removed"));
    assert_eq!(clients.iter().map(|c| c.held.clone()).collect::<Vec<_>>(), held);
    h.coordinator
        .check_fetch(
            "g",
            &clients[0].id(),
            generation,
            clients[0].held.first().unwrap(),
        )
        .unwrap();

    // One returns: the group runs it.
    h.strategies.insert(Deal::eager("second"), "h2");
    h.coordinator.tick(h.at(3.0));
    settle(&h, &mut clients, h.at(3.0));
    let d = h.describe("g");
    assert_eq!(
        (d.degraded, d.strategy.unwrap().name),
        (None, "second".to_owned())
    );
    assert_complete(&h, &clients, &["t"]);
}
