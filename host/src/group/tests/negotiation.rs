//! The negotiation rule through the coordinator, and refusals.

use super::*;

fn outcome_strategy(h: &Harness, lists: &[&[(&str, &[u8])]]) -> (Vec<Client>, String) {
    let mut clients: Vec<Client> = lists.iter().map(|l| Client::new("g", &["t"], l)).collect();
    join_all(h, &mut clients, h.at(0.0));
    settle(h, &mut clients, h.at(0.0));
    let strategy = clients[0].outcome().strategy.clone().unwrap();
    assert!(
        clients
            .iter()
            .all(|c| c.outcome().strategy.as_deref() == Some(strategy.as_str()))
    );
    (clients, strategy)
}

#[test]
fn members_listing_the_same_order_run_the_first_common_strategy() {
    let h = Harness::new(
        vec![Deal::eager("a"), Deal::eager("b"), Deal::eager("c")],
        &[("t", 4)],
    );
    let list: &[(&str, &[u8])] = &[("x", b""), ("b", b""), ("a", b"")];
    let (_, chosen) = outcome_strategy(&h, &[list, list, list]);
    assert_eq!(chosen, "b");
}

#[test]
fn plurality_wins_and_only_the_chosen_strategys_user_data_reaches_the_assignor() {
    let h = Harness::new(vec![Deal::eager("a"), Deal::eager("b")], &[("t", 3)]);
    let (clients, chosen) = outcome_strategy(
        &h,
        &[
            &[("a", b"a0"), ("b", b"b0")],
            &[("b", b"b1"), ("a", b"a1")],
            &[("b", b"b2"), ("a", b"a2")],
        ],
    );
    assert_eq!(chosen, "b");
    for (i, c) in clients.iter().enumerate() {
        assert_eq!(c.outcome().user_data, format!("b 1.0.0:b{i}").into_bytes());
    }
}

#[test]
fn a_tie_goes_to_the_summed_rank_then_the_leaders_order() {
    let h = Harness::new(
        vec![Deal::eager("a"), Deal::eager("b"), Deal::eager("c")],
        &[("t", 2)],
    );
    // Votes a 1, b 1; summed ranks a = 0 + 2, b = 1 + 0: b.
    let (_, chosen) = outcome_strategy(
        &h,
        &[
            &[("a", b""), ("b", b""), ("c", b"")],
            &[("b", b""), ("c", b""), ("a", b"")],
        ],
    );
    assert_eq!(chosen, "b");
    let h = Harness::new(vec![Deal::eager("a"), Deal::eager("b")], &[("t", 2)]);
    // Votes 1 each, ranks 1 each: the leader's (first joiner's) order.
    let (_, chosen) = outcome_strategy(&h, &[&[("b", b""), ("a", b"")], &[("a", b""), ("b", b"")]]);
    assert_eq!(chosen, "b");
}

#[test]
fn a_member_sharing_nothing_with_the_group_is_refused_and_the_group_is_undisturbed() {
    let h = Harness::new(
        vec![Deal::eager("a"), Deal::eager("b"), Deal::eager("c")],
        &[("t", 2)],
    );
    let (mut clients, _) = outcome_strategy(&h, &[&[("a", b""), ("b", b"")], &[("b", b""), ("a", b"")]]);
    let before = h.describe("g");
    let refused = h
        .coordinator
        .join(
            JoinRequest::new("g", &["t"], &[("c", b""), ("zzz", b"")]),
            h.at(1.0),
        )
        .unwrap_err();
    assert_eq!(refused.code(), 4);
    match &refused {
        GroupError::NoCommonStrategy {
            group_offers,
            host_offers,
            requested,
            ..
        } => {
            assert_eq!(group_offers, &["a", "b"]);
            assert_eq!(host_offers, &["a", "b", "c"]);
            assert_eq!(requested, &["c", "zzz"]);
        }
        other => panic!("{other}"),
    }
    assert!(refused.to_string().contains("[a, b]"), "{refused}");
    assert_eq!(h.describe("g"), before);
    settle(&h, &mut clients, h.at(1.0));
    assert_eq!(h.describe("g"), before);
}

#[test]
fn a_member_naming_only_strategies_the_host_lacks_is_refused_even_by_an_empty_group() {
    let h = Harness::new(vec![Deal::eager("a")], &[("t", 2)]);
    let refused = h
        .coordinator
        .join(JoinRequest::new("fresh", &["t"], &[("nope", b"")]), h.at(0.0))
        .unwrap_err();
    assert!(
        matches!(&refused, GroupError::NoCommonStrategy { host_offers, .. } if host_offers == &["a"]),
        "{refused}"
    );
    assert_eq!(
        h.coordinator.describe("fresh").unwrap_err().code(),
        1,
        "a refused first member leaves no group"
    );
    assert!(h.coordinator.list().is_empty());
}

#[test]
fn a_rejoin_that_would_leave_no_candidate_is_refused_and_the_member_stays_as_it_was() {
    let h = Harness::new(vec![Deal::eager("a"), Deal::eager("b")], &[("t", 2)]);
    let (mut clients, _) = outcome_strategy(&h, &[&[("a", b"")], &[("a", b"")]]);
    clients[1].req.strategies = vec![("b".into(), vec![])];
    let refused = clients[1].join(&h, h.at(1.0)).unwrap_err();
    assert_eq!(refused.code(), 4);
    let d = h.describe("g");
    assert_eq!(d.state, GroupState::Stable);
    assert_eq!(d.members[1].strategies, vec![("a".to_owned(), 0)]);
}
