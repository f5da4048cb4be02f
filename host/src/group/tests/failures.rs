//! Strategies that fail: fallback, degraded groups, retries with backoff.

use super::*;

#[test]
fn a_failing_strategy_falls_back_to_the_next_candidate_and_shows_in_describe() {
    for behaviour in [Behaviour::Errs, Behaviour::Panics, Behaviour::Invalid] {
        let h = Harness::new(
            vec![Deal::failing("broken", behaviour), Deal::eager("deal")],
            &[("t", 3)],
        );
        let mut clients: Vec<Client> = (0..2)
            .map(|_| Client::new("g", &["t"], &[("broken", b""), ("deal", b"")]))
            .collect();
        join_all(&h, &mut clients, h.at(0.0));
        settle(&h, &mut clients, h.at(0.0));
        assert_complete(&h, &clients, &["t"]);
        assert_eq!(clients[0].outcome().strategy.as_deref(), Some("deal"));
        let d = h.describe("g");
        assert_eq!(d.strategy.unwrap().name, "deal");
        assert_eq!(d.degraded, None);
        let failures = d.last_rebalance.unwrap().failures;
        assert_eq!(failures.len(), 1);
        let expected = match behaviour {
            Behaviour::Errs => "returned an error",
            Behaviour::Panics => "panicked",
            _ => "invalid assignment",
        };
        assert!(
            failures[0].contains("\"broken\"") && failures[0].contains(expected),
            "{failures:?}"
        );
    }
}

#[test]
fn when_every_candidate_fails_members_keep_their_assignment_and_the_host_retries_with_backoff() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 4)]);
    let mut clients: Vec<Client> = (0..2)
        .map(|_| Client::new("g", &["t"], &[("deal", b"")]))
        .collect();
    join_all(&h, &mut clients, h.at(0.0));
    settle(&h, &mut clients, h.at(0.0));
    let assigned: Vec<Vec<PartitionName>> = clients.iter().map(|c| c.outcome().partitions.clone()).collect();

    // A new version that fails replaces it: the group rebalances onto it and it fails.
    h.strategies
        .insert(Deal::failing("deal", Behaviour::Errs), "hash-broken");
    h.coordinator.tick(h.at(1.0));
    settle(&h, &mut clients, h.at(1.0));
    let d = h.describe("g");
    assert!(
        d.degraded.as_deref().unwrap().contains("cannot assign today"),
        "{:?}",
        d.degraded
    );
    assert_eq!(d.state, GroupState::Stable);
    for (c, before) in clients.iter().zip(&assigned) {
        assert_eq!(
            &c.outcome().partitions,
            before,
            "eager members get back what they gave up"
        );
        assert!(c.outcome().degraded.is_some());
    }
    assert_complete(&h, &clients, &["t"]);
    let generation = clients[0].generation();

    // Retries after 1 s, then 2 s, each varied by up to 20% either way (Kafka's jitter).
    h.coordinator.tick(h.at(1.0 + 0.79));
    assert_eq!(h.describe("g").rebalancing, None);
    h.coordinator.tick(h.at(1.0 + 1.21));
    assert!(h.describe("g").rebalancing.unwrap().contains("retrying"));
    settle(&h, &mut clients, h.at(2.21));
    assert_eq!(clients[0].generation(), generation + 1);
    h.coordinator.tick(h.at(2.21 + 1.59));
    assert_eq!(
        h.describe("g").rebalancing,
        None,
        "the second wait is 2 s, less 20% at most"
    );
    h.coordinator.tick(h.at(2.21 + 2.41));
    assert!(h.describe("g").rebalancing.is_some());
    settle(&h, &mut clients, h.at(4.62));

    // A working version returns: the group runs it and is no longer degraded.
    h.strategies.insert(Deal::eager("deal"), "hash-fixed");
    h.coordinator.tick(h.at(5.0));
    settle(&h, &mut clients, h.at(5.0));
    let d = h.describe("g");
    assert_eq!(
        (d.degraded, d.strategy.unwrap().hash),
        (None, "hash-fixed".to_owned())
    );
    h.coordinator.tick(h.at(8.0));
    assert_eq!(h.describe("g").rebalancing, None, "no more retries once it works");
}
