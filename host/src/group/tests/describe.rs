//! What `describe` and `list` report.

use super::*;

#[test]
fn describe_reports_state_generation_protocol_strategy_leader_members_and_the_last_rebalance() {
    let h = Harness::new(vec![Deal::cooperative("coop")], &[("t", 3)]);
    let mut clients = vec![
        Client::new("g", &["t"], &[("coop", b"12345")]).static_member("i1"),
        Client::new("g", &["t"], &[("coop", b"")]),
    ];
    clients[0].req.rack = Some("rack-a".into());
    clients[0].join(&h, h.at(0.0)).unwrap();
    clients[1].join(&h, h.at(2.0)).unwrap();
    settle(&h, &mut clients, h.at(2.5));
    let d = h.describe("g");
    assert_eq!(
        (d.group.as_str(), d.state, d.generation, d.protocol),
        ("g", GroupState::Stable, 2, Protocol::Cooperative)
    );
    assert_eq!(
        d.strategy,
        Some(StrategyDescription {
            name: "coop".into(),
            version: "1.0.0".into(),
            hash: "hash-1".into()
        })
    );
    assert_eq!(d.leader, Some(clients[0].id()));
    let first = &d.members[0];
    assert_eq!(
        (first.instance_id.as_deref(), first.rack.as_deref()),
        (Some("i1"), Some("rack-a"))
    );
    assert_eq!(first.topics, ["t"]);
    assert_eq!(
        first.partitions,
        clients[0].held.iter().cloned().collect::<Vec<_>>()
    );
    assert_eq!(first.strategies, vec![("coop".to_owned(), 5)]);
    assert_eq!(first.assignment_user_data, "coop 1.0.0:12345".len());
    assert_eq!(d.members[1].assignment_user_data, "coop 1.0.0:".len());
    let last = d.last_rebalance.unwrap();
    assert!(
        last.cause.contains(&format!("member {} joined", clients[1].id())),
        "{}",
        last.cause
    );
    assert_eq!(
        (last.duration, last.generation, last.failures.len()),
        (Duration::from_millis(500), 2, 0)
    );
    assert_eq!(
        h.coordinator.list(),
        vec![GroupListing {
            group_type: GroupType::Native,
            group: "g".into(),
            state: GroupState::Stable,
            members: 2,
            strategy: Some("coop".into())
        }]
    );
}
