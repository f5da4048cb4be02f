//! Offsets through the coordinator: durability, fencing, resets, exclusive fetches.

use super::*;

fn committed(offset: i64, metadata: &str) -> CommittedOffset {
    CommittedOffset {
        offset,
        metadata: Some(metadata.to_owned()),
    }
}

fn two_members(h: &Harness) -> Vec<Client> {
    let mut clients: Vec<Client> = (0..2)
        .map(|_| Client::new("g", &["t"], &[("deal", b"")]))
        .collect();
    join_all(h, &mut clients, h.at(0.0));
    settle(h, &mut clients, h.at(0.0));
    clients
}

/// Gives every partition of `topic` `count` records, so commits up to `count` lie inside it.
fn with_records(h: &Harness, topic: &str, count: i64) {
    for partition in 0..h.topics.partitions(topic).unwrap() {
        for timestamp in 0..count {
            h.topics.append(topic, partition, timestamp);
        }
    }
}

#[test]
fn commits_outside_the_partition_or_with_oversized_metadata_are_refused_before_writing() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    with_records(&h, "t", 100);
    let clients = two_members(&h);
    let p = clients[0].outcome().partitions[0].clone();
    let commit = |offset: i64, metadata: &str| {
        h.coordinator.commit_offsets(
            "g",
            &member(&clients[0]),
            &[(p.clone(), committed(offset, metadata))],
        )
    };
    let refusal = |result: Result<(), GroupError>| match result {
        Err(GroupError::InvalidRequest { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert!(refusal(commit(-1, "")).contains("negative"));
    assert!(refusal(commit(101, "")).contains("past the partition's end (100)"));
    let metadata = "m".repeat(DEFAULT_OFFSET_METADATA_MAX_BYTES + 1);
    assert!(refusal(commit(5, &metadata)).contains("offset.metadata.max.bytes"));
    assert!(
        h.coordinator.fetch_offsets("g", None).is_empty(),
        "nothing was written"
    );
    commit(100, &"m".repeat(DEFAULT_OFFSET_METADATA_MAX_BYTES)).unwrap();
    assert_eq!(h.coordinator.fetch_offsets("g", None).len(), 1);
}

#[test]
fn group_ids_past_the_limit_are_refused_without_being_repeated_whole() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    let long = "g".repeat(100_000);
    let error = h
        .coordinator
        .commit_offsets(&long, &Committer::Standalone, &[])
        .unwrap_err();
    assert!(error.to_string().contains("at most 255 bytes"), "{error}");
    assert!(error.to_string().len() < 300, "{error}");
    let error = h
        .coordinator
        .commit_offsets("", &Committer::Standalone, &[])
        .unwrap_err();
    assert!(error.to_string().contains("empty"), "{error}");
}

fn member(c: &Client) -> Committer {
    Committer::Member {
        member_id: c.id(),
        generation: c.generation(),
    }
}

#[test]
fn offsets_survive_a_coordinator_restart_including_a_torn_tail() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    with_records(&h, "t", 100);
    let clients = two_members(&h);
    let p0 = clients[0].outcome().partitions[0].clone();
    h.coordinator
        .commit_offsets("g", &member(&clients[0]), &[(p0.clone(), committed(10, "first"))])
        .unwrap();
    h.coordinator
        .commit_offsets(
            "g",
            &member(&clients[0]),
            &[(p0.clone(), committed(20, "second"))],
        )
        .unwrap();
    let Harness {
        coordinator,
        topics,
        dir,
        ..
    } = h;
    drop(coordinator);
    // A crash tore the last record.
    let path = dir.path().join("offsets.log");
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 2)
        .unwrap();

    let (coordinator, recovery) = Coordinator::open(
        CoordinatorConfig::new(dir.path().to_owned()),
        Arc::new(MemoryStrategies::new()),
        Arc::clone(&topics) as Arc<dyn TopicCatalog>,
        Arc::clone(&topics) as Arc<dyn OffsetResolver>,
    )
    .unwrap();
    assert!(recovery.truncated.is_some());
    assert_eq!(
        coordinator.fetch_offsets("g", None),
        vec![(p0.clone(), committed(10, "first"))]
    );
    // Commits after the recovery survive the next restart.
    coordinator
        .commit_offsets(
            "g",
            &Committer::Standalone,
            &[(p0.clone(), committed(30, "after"))],
        )
        .unwrap();
    drop(coordinator);
    let (coordinator, recovery) = Coordinator::open(
        CoordinatorConfig::new(dir.path().to_owned()),
        Arc::new(MemoryStrategies::new()),
        Arc::clone(&topics) as Arc<dyn TopicCatalog>,
        Arc::clone(&topics) as Arc<dyn OffsetResolver>,
    )
    .unwrap();
    assert_eq!(recovery.truncated, None);
    assert_eq!(
        coordinator.fetch_offsets("g", Some(&[p0.clone(), tp("t", 1)])),
        vec![(p0, committed(30, "after"))]
    );
    // The group is known by its offsets alone.
    assert_eq!(coordinator.describe("g").unwrap().state, GroupState::Empty);
    let listed: Vec<(String, GroupState)> = coordinator
        .list()
        .into_iter()
        .map(|l| (l.group, l.state))
        .collect();
    assert_eq!(listed, [("g".to_owned(), GroupState::Empty)]);
}

#[test]
fn commits_from_a_stale_generation_or_a_non_owner_are_fenced() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    with_records(&h, "t", 100);
    let mut clients = two_members(&h);
    let (mine, theirs) = (
        clients[0].outcome().partitions[0].clone(),
        clients[1].outcome().partitions[0].clone(),
    );
    let not_owner = h
        .coordinator
        .commit_offsets("g", &member(&clients[0]), &[(theirs.clone(), committed(1, ""))])
        .unwrap_err();
    assert_eq!(
        not_owner,
        GroupError::NotOwner {
            group: "g".into(),
            member: clients[0].id(),
            generation: clients[0].generation(),
            partition: theirs.to_string()
        }
    );
    let stale = Committer::Member {
        member_id: clients[0].id(),
        generation: clients[0].generation() - 1,
    };
    assert_eq!(
        h.coordinator
            .commit_offsets("g", &stale, &[(mine.clone(), committed(1, ""))])
            .unwrap_err()
            .code(),
        3
    );
    assert_eq!(
        h.coordinator
            .commit_offsets("g", &Committer::Standalone, &[(mine.clone(), committed(1, ""))])
            .unwrap_err()
            .code(),
        7
    );
    // A batch with one bad partition writes nothing.
    let mixed = [(mine.clone(), committed(5, "")), (theirs, committed(5, ""))];
    assert!(
        h.coordinator
            .commit_offsets("g", &member(&clients[0]), &mixed)
            .is_err()
    );
    assert!(h.coordinator.fetch_offsets("g", None).is_empty());
    // After a rebalance the old generation is refused, the new one accepted.
    let old = member(&clients[0]);
    clients.push(Client::new("g", &["t"], &[("deal", b"")]));
    clients[2].join(&h, h.at(1.0)).unwrap();
    settle(&h, &mut clients, h.at(1.0));
    assert!(
        h.coordinator
            .commit_offsets("g", &old, &[(mine, committed(7, ""))])
            .is_err()
    );
    let now_mine = clients[0].outcome().partitions[0].clone();
    h.coordinator
        .commit_offsets(
            "g",
            &member(&clients[0]),
            &[(now_mine.clone(), committed(7, "ok"))],
        )
        .unwrap();
    assert_eq!(
        h.coordinator.fetch_offsets("g", None),
        vec![(now_mine, committed(7, "ok"))]
    );
}

#[test]
fn fetches_as_a_member_are_served_only_for_partitions_it_owns_now() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    let clients = two_members(&h);
    let (id, generation) = (clients[0].id(), clients[0].generation());
    let mine = clients[0].outcome().partitions[0].clone();
    let theirs = clients[1].outcome().partitions[0].clone();
    h.coordinator.check_fetch("g", &id, generation, &mine).unwrap();
    assert_eq!(
        h.coordinator
            .check_fetch("g", &id, generation, &theirs)
            .unwrap_err()
            .code(),
        5
    );
    assert_eq!(
        h.coordinator
            .check_fetch("g", &id, generation - 1, &mine)
            .unwrap_err()
            .code(),
        3
    );
    // A rebalance: an eager member that has rejoined gave everything up; one that has not yet
    // still owns its partitions.
    let mut newcomer = Client::new("g", &["t"], &[("deal", b"")]);
    newcomer.join(&h, h.at(1.0)).unwrap();
    h.coordinator.join(clients[0].req.clone(), h.at(1.0)).unwrap();
    let state = h
        .coordinator
        .heartbeat("g", &clients[1].id(), generation, h.at(1.0))
        .unwrap();
    assert_eq!(state, HeartbeatState::RebalanceInProgress);
    assert_eq!(
        h.coordinator
            .check_fetch("g", &id, generation, &mine)
            .unwrap_err()
            .code(),
        5
    );
    h.coordinator
        .check_fetch("g", &clients[1].id(), generation, &theirs)
        .unwrap();
}

#[test]
fn an_empty_groups_offsets_reset_to_earliest_latest_a_timestamp_or_an_offset() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    for ts in [100, 200, 300, 400] {
        h.topics.append("t", 0, ts);
    }
    h.topics.truncate_before("t", 0, 1);
    let all = ResetScope::Topics(vec!["t".into()]);
    assert_eq!(
        h.coordinator.reset_offsets("g", &all, ResetTo::Earliest).unwrap(),
        vec![(tp("t", 0), 1), (tp("t", 1), 0)]
    );
    assert_eq!(
        h.coordinator.reset_offsets("g", &all, ResetTo::Latest).unwrap(),
        vec![(tp("t", 0), 4), (tp("t", 1), 0)]
    );
    let one = ResetScope::Partitions(vec![tp("t", 0)]);
    assert_eq!(
        h.coordinator
            .reset_offsets("g", &one, ResetTo::Timestamp(250))
            .unwrap(),
        vec![(tp("t", 0), 2)]
    );
    assert_eq!(
        h.coordinator
            .reset_offsets("g", &one, ResetTo::Offset(0))
            .unwrap(),
        vec![(tp("t", 0), 1)],
        "clamped"
    );
    assert_eq!(
        h.coordinator
            .reset_offsets("g", &one, ResetTo::Offset(3))
            .unwrap(),
        vec![(tp("t", 0), 3)]
    );
    assert_eq!(
        h.coordinator.fetch_offsets("g", None),
        vec![
            (
                tp("t", 0),
                CommittedOffset {
                    offset: 3,
                    metadata: None
                }
            ),
            (
                tp("t", 1),
                CommittedOffset {
                    offset: 0,
                    metadata: None
                }
            ),
        ]
    );
    let missing = ResetScope::Partitions(vec![tp("t", 9)]);
    assert_eq!(
        h.coordinator
            .reset_offsets("g", &missing, ResetTo::Earliest)
            .unwrap_err()
            .code(),
        11
    );
    // Not while it has members.
    let _clients = two_members(&h);
    let busy = h
        .coordinator
        .reset_offsets("g", &all, ResetTo::Earliest)
        .unwrap_err();
    assert!(
        matches!(busy, GroupError::GroupNotEmpty { members: 2, .. }),
        "{busy}"
    );
}

#[test]
fn an_empty_group_can_be_deleted_with_its_offsets() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    with_records(&h, "t", 100);
    let clients = two_members(&h);
    let p = clients[0].outcome().partitions[0].clone();
    h.coordinator
        .commit_offsets("g", &member(&clients[0]), &[(p, committed(1, ""))])
        .unwrap();
    assert_eq!(h.coordinator.delete_group("g").unwrap_err().code(), 7);
    for c in &clients {
        h.coordinator.leave("g", &c.id(), h.at(1.0)).unwrap();
    }
    h.coordinator.delete_group("g").unwrap();
    assert!(h.coordinator.fetch_offsets("g", None).is_empty());
    assert_eq!(h.coordinator.describe("g").unwrap_err().code(), 1);
}

#[test]
fn a_commit_waiting_on_the_disk_holds_up_no_heartbeat_describe_or_offset_fetch() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    with_records(&h, "t", 100);
    let clients = two_members(&h);
    let p0 = clients[0].outcome().partitions[0].clone();
    let store = |h: &Harness| {
        lock(&h.coordinator.inner.offsets)
            .submitted
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    let before = store(&h);
    let release = lock(&h.coordinator.inner.offsets).stall_writer();
    std::thread::scope(|scope| {
        let commit = scope.spawn(|| {
            h.coordinator
                .commit_offsets("g", &member(&clients[0]), &[(p0.clone(), committed(5, ""))])
        });
        // The commit is queued (fencing done, under the group's lock) and waits on the disk.
        while store(&h) == before {
            std::thread::yield_now();
        }
        let (answered, answers) = std::sync::mpsc::channel();
        let (h, clients) = (&h, &clients);
        scope.spawn(move || {
            let heartbeat =
                h.coordinator
                    .heartbeat("g", &clients[0].id(), clients[0].generation(), h.at(0.1));
            let described = h.coordinator.describe("g").map(|d| d.members.len());
            let fetched = h.coordinator.fetch_offsets("g", None);
            let _ = answered.send((heartbeat.is_ok(), described, fetched));
        });
        let (heartbeat, described, fetched) = answers
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("heartbeat, describe and fetch answered while the commit waits on the disk");
        assert!(heartbeat);
        assert_eq!(described, Ok(2));
        assert!(
            fetched.is_empty(),
            "a commit is not seen before it is durable: {fetched:?}"
        );
        assert!(!commit.is_finished(), "the commit waits for its sync");
        release.send(()).unwrap();
        commit.join().unwrap().unwrap();
    });
    assert_eq!(h.coordinator.fetch_offsets("g", None), [(p0, committed(5, ""))]);
}

#[test]
fn a_deleted_topics_offsets_are_forgotten_and_its_members_commits_refused() {
    let h = Harness::new(vec![Deal::eager("deal")], &[("t", 2)]);
    with_records(&h, "t", 100);
    let clients = two_members(&h);
    let p0 = clients[0].outcome().partitions[0].clone();
    h.coordinator
        .commit_offsets("g", &member(&clients[0]), &[(p0.clone(), committed(7, ""))])
        .unwrap();
    h.topics.set_partitions("t", 0); // the log deleted it
    h.coordinator.topic_deleted("t").unwrap();
    assert!(h.coordinator.fetch_offsets("g", None).is_empty());
    // The owner has not heard yet: its commit of the old position would bring the offset back.
    let refused = h
        .coordinator
        .commit_offsets("g", &member(&clients[0]), &[(p0, committed(8, ""))])
        .unwrap_err();
    assert!(
        matches!(refused, GroupError::UnknownPartition { .. }),
        "{refused}"
    );
    assert!(h.coordinator.fetch_offsets("g", None).is_empty());
}
