//! Kafka's classic groups in the coordinator: member ids, the join barrier and its initial
//! delay, the protocol vote, the leader's assignments relayed, heartbeats, fencing of commits and
//! of replaced static members, and one kind of group per name.

use super::*;

fn join(member_id: &str, instance: Option<&str>, protocols: &[(&str, &[u8])]) -> ClassicJoin {
    ClassicJoin {
        group: "g".into(),
        member_id: member_id.into(),
        instance_id: instance.map(str::to_owned),
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        protocol_type: "consumer".into(),
        protocols: protocols
            .iter()
            .map(|(n, m)| (n.to_string(), m.to_vec()))
            .collect(),
        session_timeout: Duration::from_secs(10),
        rebalance_timeout: Duration::from_secs(30),
        require_known_member_id: true,
    }
}

fn waiting(reply: Result<ClassicJoinReply, GroupError>) -> ClassicJoinAnswer {
    match reply.unwrap() {
        ClassicJoinReply::Waiting(answer) => answer,
        other => panic!("expected to wait, got {other:?}"),
    }
}

fn answered(answer: &mut ClassicJoinAnswer) -> Option<Result<ClassicJoined, GroupError>> {
    answer.try_recv().ok()
}

/// A member that joins with the id the coordinator hands it first.
fn join_known(h: &Harness, protocols: &[(&str, &[u8])], now: Instant) -> (String, ClassicJoinAnswer) {
    let ClassicJoinReply::MemberIdRequired(id) = h
        .coordinator
        .join_classic(join("", None, protocols), now)
        .unwrap()
    else {
        panic!("a new member's first join gets its id");
    };
    let answer = waiting(h.coordinator.join_classic(join(&id, None, protocols), now));
    (id, answer)
}

#[test]
fn a_new_member_gets_its_id_first_and_the_first_rebalance_waits_the_initial_delay_extended_by_each_join() {
    let h = Harness::new(vec![], &[("t", 3)]);
    let (m1, mut a1) = join_known(&h, &[("range", b"m1"), ("roundrobin", b"")], h.at(0.0));
    h.coordinator.tick(h.at(2.9));
    assert!(
        answered(&mut a1).is_none(),
        "the 3 s initial delay has not passed"
    );
    let (_, mut a2) = join_known(&h, &[("roundrobin", b"m2"), ("range", b"")], h.at(1.0));
    let (_, mut a3) = join_known(&h, &[("roundrobin", b"m3"), ("range", b"")], h.at(1.5));
    h.coordinator.tick(h.at(4.4));
    assert!(answered(&mut a1).is_none(), "each join extends the delay by 3 s");
    h.coordinator.tick(h.at(4.6));
    let leader = answered(&mut a1).unwrap().unwrap();
    // Two of three vote roundrobin first.
    assert_eq!(
        (
            leader.generation,
            leader.protocol.as_deref(),
            leader.leader.as_str()
        ),
        (1, Some("roundrobin"), m1.as_str())
    );
    let metadata: Vec<&[u8]> = leader.members.iter().map(|m| m.metadata.as_slice()).collect();
    assert_eq!(
        metadata,
        [&b""[..], b"m2", b"m3"],
        "each member's metadata for the chosen protocol"
    );
    for answer in [&mut a2, &mut a3] {
        let follower = answered(answer).unwrap().unwrap();
        assert!(follower.members.is_empty(), "only the leader gets the members");
        assert_eq!(follower.leader, m1);
    }
}

#[test]
fn a_tied_vote_goes_to_the_longest_standing_members_preference() {
    let h = Harness::new(vec![], &[("t", 3)]);
    let (_, mut a1) = join_known(&h, &[("b", b""), ("a", b"")], h.at(0.0));
    let (_, mut a2) = join_known(&h, &[("a", b""), ("b", b"")], h.at(0.0));
    h.coordinator.tick(h.at(3.1));
    assert_eq!(answered(&mut a1).unwrap().unwrap().protocol.as_deref(), Some("b"));
    assert_eq!(answered(&mut a2).unwrap().unwrap().protocol.as_deref(), Some("b"));
}

#[test]
fn the_leaders_assignments_reach_each_member_untouched_and_commits_are_fenced_by_generation() {
    let h = Harness::new(vec![], &[("t", 3)]);
    let (m1, mut a1) = join_known(&h, &[("range", b"")], h.at(0.0));
    let (m2, mut a2) = join_known(&h, &[("range", b"")], h.at(0.0));
    h.coordinator.tick(h.at(3.1));
    let generation = answered(&mut a1).unwrap().unwrap().generation;
    answered(&mut a2).unwrap().unwrap();
    let sync = |member: &str, assignments: Vec<(String, Vec<u8>)>| {
        h.coordinator
            .sync_classic(
                ClassicSync {
                    group: "g".into(),
                    member_id: member.into(),
                    instance_id: None,
                    generation,
                    protocol_type: Some("consumer".into()),
                    protocol: Some("range".into()),
                    assignments,
                },
                h.at(3.2),
            )
            .unwrap()
    };
    let mut s2 = sync(&m2, vec![]);
    assert!(s2.try_recv().is_err(), "a follower waits for the leader's sync");
    let commit = |member: &str, generation: i32| {
        h.coordinator.commit_offsets(
            "g",
            &Committer::Member {
                member_id: member.into(),
                generation,
            },
            &[(
                tp("t", 0),
                CommittedOffset {
                    offset: 0,
                    metadata: None,
                },
            )],
        )
    };
    assert!(matches!(
        commit(&m2, generation),
        Err(GroupError::RebalanceInProgress { .. })
    ));
    let mut s1 = sync(
        &m1,
        vec![
            (m1.clone(), b"\x00one".to_vec()),
            (m2.clone(), b"\x00two".to_vec()),
        ],
    );
    assert_eq!(s1.try_recv().unwrap().unwrap().assignment, b"\x00one");
    assert_eq!(s2.try_recv().unwrap().unwrap().assignment, b"\x00two");
    assert_eq!(h.describe("g").state, GroupState::Stable);
    commit(&m2, generation).unwrap();
    assert!(matches!(
        commit(&m2, generation - 1),
        Err(GroupError::IllegalGeneration { .. })
    ));
    assert!(matches!(
        h.coordinator.commit_offsets("g", &Committer::Standalone, &[]),
        Err(GroupError::GroupNotEmpty { .. })
    ));
    // A third member: the others learn of the rebalance from their heartbeat.
    let (_, _a3) = join_known(&h, &[("range", b"")], h.at(4.0));
    assert!(matches!(
        h.coordinator
            .heartbeat_classic("g", &m1, None, generation, h.at(4.1)),
        Err(GroupError::RebalanceInProgress { .. })
    ));
}

#[test]
fn a_static_member_joining_again_takes_the_place_of_its_old_id_which_is_fenced() {
    let h = Harness::new(vec![], &[("t", 3)]);
    let mut first = waiting(
        h.coordinator
            .join_classic(join("", Some("i1"), &[("range", b"")]), h.at(0.0)),
    );
    h.coordinator.tick(h.at(3.1));
    let old = answered(&mut first).unwrap().unwrap();
    let sync = ClassicSync {
        group: "g".into(),
        member_id: old.member_id.clone(),
        instance_id: Some("i1".into()),
        generation: old.generation,
        protocol_type: None,
        protocol: None,
        assignments: vec![(old.member_id.clone(), b"mine".to_vec())],
    };
    let mut synced = h.coordinator.sync_classic(sync, h.at(3.2)).unwrap();
    assert_eq!(synced.try_recv().unwrap().unwrap().assignment, b"mine");
    let mut second = waiting(
        h.coordinator
            .join_classic(join("", Some("i1"), &[("range", b"")]), h.at(4.0)),
    );
    let new = answered(&mut second).unwrap().unwrap();
    assert_ne!(new.member_id, old.member_id);
    assert_eq!(
        new.generation, old.generation,
        "stable and nothing changed: no rebalance"
    );
    assert!(matches!(
        h.coordinator
            .heartbeat_classic("g", &old.member_id, Some("i1"), old.generation, h.at(4.1)),
        Err(GroupError::FencedInstance { .. })
    ));
    h.coordinator
        .heartbeat_classic("g", &new.member_id, Some("i1"), new.generation, h.at(4.1))
        .unwrap();
}

#[test]
fn a_group_name_is_one_kind_while_it_has_members() {
    let h = Harness::new(vec![Deal::eager("range")], &[("t", 3)]);
    let (_, _answer) = join_known(&h, &[("range", b"")], h.at(0.0));
    let native = h
        .coordinator
        .join(JoinRequest::new("g", &["t"], &[("range", b"")]), h.at(0.1));
    assert!(matches!(
        native,
        Err(GroupError::InconsistentGroupProtocol {
            group_type: GroupType::Classic,
            ..
        })
    ));
    let _ticket = h
        .coordinator
        .join(JoinRequest::new("n", &["t"], &[("range", b"")]), h.at(0.2))
        .unwrap();
    let mut kafka = join("", None, &[("range", b"")]);
    kafka.group = "n".into();
    assert!(matches!(
        h.coordinator.join_classic(kafka, h.at(0.3)),
        Err(GroupError::InconsistentGroupProtocol {
            group_type: GroupType::Native,
            ..
        })
    ));
}
