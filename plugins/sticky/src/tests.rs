//! Behaviours pinned by Kafka's `AbstractStickyAssignorTest` / `StickyAssignorTest`, ported.

use std::collections::{BTreeMap, BTreeSet};

use regroup_assignor_api::kit;

use super::*;

/// Runs the assignor, checks validity and Kafka's balance rule, returns the result.
fn run(g: &GroupSpec) -> Assignment {
    let out = StickyAssignor.assign(g).unwrap();
    kit::validate(g, &out).unwrap();
    assert_balanced_as_kafka(g, &out);
    out
}

/// Kafka's `verifyValidityAndBalance`: two members whose counts differ by two or more must not
/// be able to pass a partition from the larger to the smaller.
fn assert_balanced_as_kafka(g: &GroupSpec, out: &Assignment) {
    for (i, a) in out.members.iter().enumerate() {
        for (j, b) in out.members.iter().enumerate() {
            if a.partitions.len() >= b.partitions.len() + 2 {
                let movable = a
                    .partitions
                    .iter()
                    .any(|tp| g.members[j].topics.contains(&tp.topic));
                assert!(
                    !movable,
                    "{} could pass a partition to {}: {out:?}",
                    g.members[i].id, g.members[j].id
                );
            }
        }
    }
}

/// The member's partitions as a set of names, for comparisons where order is not the point.
fn set(g: &GroupSpec, out: &Assignment, member: &str) -> BTreeSet<String> {
    kit::partition_names(g, out, member).into_iter().collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The spec of the next rebalance: every member of `next` that was in `prev` reports what it got,
/// resolved by topic name (topics may have been added or removed).
fn carry(prev_g: &GroupSpec, prev: &Assignment, mut next: GroupSpec, generation: i32) -> GroupSpec {
    let owned: Vec<Option<Vec<TopicPartition>>> = next
        .members
        .iter()
        .map(|m| {
            prev.partitions_of(&m.id).map(|parts| {
                parts
                    .iter()
                    .filter_map(|tp| {
                        next.topic_id(&prev_g.topic(tp.topic).name)
                            .map(|t| TopicPartition::new(t, tp.partition))
                    })
                    .collect()
            })
        })
        .collect();
    for (m, owned) in next.members.iter_mut().zip(owned) {
        if let Some(owned) = owned {
            m.owned = owned;
            m.owned_generation = Some(generation);
        }
    }
    next
}

fn counts_per_topic(g: &GroupSpec, out: &Assignment, member: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for tp in out.partitions_of(member).unwrap() {
        *counts.entry(g.topic(tp.topic).name.clone()).or_default() += 1;
    }
    counts
}

/// Kafka's `isSticky`: no two members swapped partitions of one topic in opposite directions.
fn assert_no_two_way_moves(g: &GroupSpec, out: &Assignment) {
    let mut moves = BTreeSet::new();
    for (to, m) in out.members.iter().enumerate() {
        for tp in &m.partitions {
            if let Some(from) = g.members.iter().position(|o| o.owned.contains(tp))
                && from != to
            {
                moves.insert((tp.topic, from, to));
            }
        }
    }
    for &(t, a, b) in &moves {
        assert!(
            !moves.contains(&(t, b, a)),
            "partitions of topic {t:?} moved both ways between members {a} and {b}"
        );
    }
}

#[test]
fn one_consumer_with_no_topics_gets_nothing() {
    let g = GroupSpec::builder().member("consumer", &[]).build();
    assert!(set(&g, &run(&g), "consumer").is_empty());
}

#[test]
fn one_consumer_of_a_topic_with_zero_partitions_gets_nothing() {
    let g = GroupSpec::builder()
        .topic("topic", 0)
        .member("consumer", &["topic"])
        .build();
    assert!(set(&g, &run(&g), "consumer").is_empty());
}

#[test]
fn one_consumer_one_topic_gets_every_partition() {
    let g = GroupSpec::builder()
        .topic("topic", 3)
        .member("consumer", &["topic"])
        .build();
    assert_eq!(
        set(&g, &run(&g), "consumer"),
        names(&["topic-0", "topic-1", "topic-2"])
    );
}

#[test]
fn only_partitions_of_subscribed_topics_are_assigned_even_if_owned() {
    let g = GroupSpec::builder()
        .topic("topic", 2)
        .topic("other", 2)
        .member("consumer", &["topic"])
        .owned(&[("topic", 0), ("topic", 1), ("other", 0), ("other", 1)], Some(1))
        .build();
    assert_eq!(set(&g, &run(&g), "consumer"), names(&["topic-0", "topic-1"]));
}

#[test]
fn one_consumer_multiple_topics_gets_everything() {
    let g = GroupSpec::builder()
        .topic("topic1", 1)
        .topic("topic2", 2)
        .member("consumer", &["topic1", "topic2"])
        .build();
    assert_eq!(
        set(&g, &run(&g), "consumer"),
        names(&["topic1-0", "topic2-0", "topic2-1"])
    );
}

#[test]
fn two_consumers_one_partition_is_balanced() {
    let g = GroupSpec::builder()
        .topic("topic", 1)
        .member("consumer1", &["topic"])
        .member("consumer2", &["topic"])
        .build();
    assert_eq!(kit::balance(&g, &run(&g)).spread(), 1);
}

#[test]
fn two_consumers_two_partitions_one_each_in_member_order() {
    let g = GroupSpec::builder()
        .topic("topic", 2)
        .member("consumer1", &["topic"])
        .member("consumer2", &["topic"])
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "consumer1"), names(&["topic-0"]));
    assert_eq!(set(&g, &out, "consumer2"), names(&["topic-1"]));
}

#[test]
fn mixed_subscriptions_fill_least_subscribed_topics_first_to_least_loaded() {
    let g = GroupSpec::builder()
        .topic("topic1", 3)
        .topic("topic2", 2)
        .member("consumer1", &["topic1"])
        .member("consumer2", &["topic1", "topic2"])
        .member("consumer3", &["topic1"])
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "consumer1"), names(&["topic1-0", "topic1-2"]));
    assert_eq!(set(&g, &out, "consumer2"), names(&["topic2-0", "topic2-1"]));
    assert_eq!(set(&g, &out, "consumer3"), names(&["topic1-1"]));
}

#[test]
fn uniform_fresh_assignment_deals_partitions_round_robin() {
    let g = GroupSpec::builder()
        .topic("topic1", 3)
        .topic("topic2", 3)
        .member("consumer1", &["topic1", "topic2"])
        .member("consumer2", &["topic1", "topic2"])
        .build();
    let out = run(&g);
    assert_eq!(
        set(&g, &out, "consumer1"),
        names(&["topic1-0", "topic1-2", "topic2-1"])
    );
    assert_eq!(
        set(&g, &out, "consumer2"),
        names(&["topic1-1", "topic2-0", "topic2-2"])
    );
}

#[test]
fn non_uniform_fresh_assignment_matches_kafka() {
    // Kafka's testRackAwareAssignmentWithNonEqualSubscription, rack-less expectation.
    let g = GroupSpec::builder()
        .topic("t1", 6)
        .topic("t2", 7)
        .topic("t3", 2)
        .member("c1", &["t1", "t2", "t3"])
        .member("c2", &["t1", "t2", "t3"])
        .member("c3", &["t1", "t3"])
        .build();
    let out = run(&g);
    assert_eq!(
        set(&g, &out, "c1"),
        names(&["t1-5", "t2-0", "t2-2", "t2-4", "t2-6"])
    );
    assert_eq!(
        set(&g, &out, "c2"),
        names(&["t1-3", "t2-1", "t2-3", "t2-5", "t3-0"])
    );
    assert_eq!(
        set(&g, &out, "c3"),
        names(&["t1-0", "t1-1", "t1-2", "t1-4", "t3-1"])
    );
}

#[test]
fn consumer_owning_min_quota_takes_the_extra_partition() {
    let g = GroupSpec::builder()
        .topic("topic1", 2)
        .topic("topic2", 3)
        .member("consumer1", &["topic1", "topic2"])
        .owned(&[("topic1", 0), ("topic2", 1)], Some(1))
        .member("consumer2", &["topic1", "topic2"])
        .owned(&[("topic1", 1), ("topic2", 2)], Some(1))
        .build();
    let out = run(&g);
    assert_eq!(
        set(&g, &out, "consumer1"),
        names(&["topic1-0", "topic2-1", "topic2-0"])
    );
    assert_eq!(set(&g, &out, "consumer2"), names(&["topic1-1", "topic2-2"]));
    assert_eq!(kit::movement(&g, &out), 0);
}

#[test]
fn only_as_many_members_keep_max_quota_as_the_total_allows() {
    // Kafka's testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers. Kafka lets the member
    // its HashMap visits first keep maxQuota (there consumer2); Regroup visits by member id, so
    // consumer1 keeps both and consumer2 gives up its higher partition number.
    let g = GroupSpec::builder()
        .topic("topic1", 2)
        .topic("topic2", 2)
        .member("consumer1", &["topic1", "topic2"])
        .owned(&[("topic1", 0), ("topic2", 0)], Some(1))
        .member("consumer2", &["topic1", "topic2"])
        .owned(&[("topic1", 1), ("topic2", 1)], Some(1))
        .member("consumer3", &["topic1", "topic2"])
        .owned(&[], Some(1))
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "consumer1"), names(&["topic1-0", "topic2-0"]));
    assert_eq!(set(&g, &out, "consumer2"), names(&["topic1-1"]));
    assert_eq!(set(&g, &out, "consumer3"), names(&["topic2-1"]));
    assert_eq!(kit::movement(&g, &out), 1);
}

#[test]
fn all_consumers_under_min_quota_keep_theirs_and_are_filled() {
    let g = GroupSpec::builder()
        .topic("topic1", 2)
        .topic("topic2", 3)
        .member("consumer1", &["topic1", "topic2"])
        .owned(&[("topic1", 0)], Some(1))
        .member("consumer2", &["topic1", "topic2"])
        .owned(&[("topic1", 1)], Some(1))
        .member("consumer3", &["topic1", "topic2"])
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "consumer1"), names(&["topic1-0", "topic2-1"]));
    assert_eq!(set(&g, &out, "consumer2"), names(&["topic1-1", "topic2-2"]));
    assert_eq!(set(&g, &out, "consumer3"), names(&["topic2-0"]));
}

#[test]
fn a_consumer_joins_then_the_first_one_leaves() {
    let g1 = GroupSpec::builder()
        .topic("topic", 3)
        .member("consumer1", &["topic"])
        .build();
    let a1 = run(&g1);
    assert_eq!(
        set(&g1, &a1, "consumer1"),
        names(&["topic-0", "topic-1", "topic-2"])
    );

    let g2 = carry(
        &g1,
        &a1,
        GroupSpec::builder()
            .topic("topic", 3)
            .member("consumer1", &["topic"])
            .member("consumer2", &["topic"])
            .build(),
        1,
    );
    let a2 = run(&g2);
    assert_eq!(set(&g2, &a2, "consumer1"), names(&["topic-0", "topic-1"]));
    assert_eq!(set(&g2, &a2, "consumer2"), names(&["topic-2"]));

    let g3 = carry(
        &g2,
        &a2,
        GroupSpec::builder()
            .topic("topic", 3)
            .member("consumer2", &["topic"])
            .build(),
        2,
    );
    let a3 = run(&g3);
    assert_eq!(
        set(&g3, &a3, "consumer2"),
        names(&["topic-0", "topic-1", "topic-2"])
    );
}

#[test]
fn two_consumers_join_then_the_first_two_leave() {
    let spec = |members: &[&str]| {
        let mut b = GroupSpec::builder().topic("topic1", 3).topic("topic2", 4);
        for m in members {
            b = b.member(m, &["topic1", "topic2"]);
        }
        b.build()
    };
    let g1 = spec(&["consumer1", "consumer2"]);
    let a1 = run(&g1);
    assert_eq!(
        set(&g1, &a1, "consumer1"),
        names(&["topic1-0", "topic1-2", "topic2-1", "topic2-3"])
    );
    assert_eq!(
        set(&g1, &a1, "consumer2"),
        names(&["topic1-1", "topic2-0", "topic2-2"])
    );

    let g2 = carry(
        &g1,
        &a1,
        spec(&["consumer1", "consumer2", "consumer3", "consumer4"]),
        1,
    );
    let a2 = run(&g2);
    // Owned partitions are kept by partition number first, as in current Kafka.
    assert_eq!(set(&g2, &a2, "consumer1"), names(&["topic1-0", "topic2-1"]));
    assert_eq!(set(&g2, &a2, "consumer2"), names(&["topic2-0", "topic1-1"]));
    assert_eq!(set(&g2, &a2, "consumer3"), names(&["topic1-2", "topic2-3"]));
    assert_eq!(set(&g2, &a2, "consumer4"), names(&["topic2-2"]));

    let g3 = carry(&g2, &a2, spec(&["consumer3", "consumer4"]), 2);
    let a3 = run(&g3);
    assert_eq!(
        set(&g3, &a3, "consumer3"),
        names(&["topic1-2", "topic2-3", "topic1-0", "topic2-1"])
    );
    assert_eq!(
        set(&g3, &a3, "consumer4"),
        names(&["topic2-2", "topic1-1", "topic2-0"])
    );
}

#[test]
fn each_topic_stays_evenly_spread_as_members_join_and_leave() {
    let spec = |members: &[&str]| {
        let mut b = GroupSpec::builder().topic("topic1", 12).topic("topic2", 12);
        for m in members {
            b = b.member(m, &["topic1", "topic2"]);
        }
        b.build()
    };
    let steps: [&[&str]; 4] = [
        &["consumer1"],
        &["consumer1", "consumer2"],
        &["consumer1", "consumer2", "consumer3", "consumer4"],
        &["consumer3", "consumer4"],
    ];
    let mut prev: Option<(GroupSpec, Assignment)> = None;
    for (generation, members) in steps.iter().enumerate() {
        let g = match &prev {
            Some((pg, pa)) => carry(pg, pa, spec(members), generation as i32),
            None => spec(members),
        };
        let out = run(&g);
        let each = 12 / members.len();
        for m in members.iter() {
            let counts = counts_per_topic(&g, &out, m);
            assert_eq!(counts.get("topic1"), Some(&each), "{m} after {members:?}");
            assert_eq!(counts.get("topic2"), Some(&each), "{m} after {members:?}");
        }
        prev = Some((g, out));
    }
}

#[test]
fn poor_round_robin_scenario_is_balanced() {
    let g = GroupSpec::builder()
        .topic("topic1", 2)
        .topic("topic2", 1)
        .topic("topic3", 2)
        .topic("topic4", 1)
        .topic("topic5", 2)
        .member("consumer1", &["topic1", "topic2", "topic3", "topic4", "topic5"])
        .member("consumer2", &["topic1", "topic3", "topic5"])
        .member("consumer3", &["topic1", "topic3", "topic5"])
        .member("consumer4", &["topic1", "topic2", "topic3", "topic4", "topic5"])
        .build();
    assert_eq!(kit::balance(&g, &run(&g)).spread(), 0);
}

#[test]
fn adding_then_removing_a_topic_keeps_what_members_had() {
    let g1 = GroupSpec::builder()
        .topic("topic", 3)
        .member("consumer1", &["topic"])
        .member("consumer2", &["topic"])
        .build();
    let a1 = run(&g1);
    let g2 = carry(
        &g1,
        &a1,
        GroupSpec::builder()
            .topic("topic", 3)
            .topic("topic2", 3)
            .member("consumer1", &["topic", "topic2"])
            .member("consumer2", &["topic", "topic2"])
            .build(),
        1,
    );
    let a2 = run(&g2);
    assert_eq!(kit::balance(&g2, &a2).spread(), 0);
    assert_eq!(kit::movement(&g2, &a2), 0);
    for m in ["consumer1", "consumer2"] {
        assert!(set(&g2, &a2, m).is_superset(&set(&g1, &a1, m)));
    }
    let g3 = carry(
        &g2,
        &a2,
        GroupSpec::builder()
            .topic("topic2", 3)
            .member("consumer1", &["topic2"])
            .member("consumer2", &["topic2"])
            .build(),
        2,
    );
    let a3 = run(&g3);
    assert_eq!(kit::balance(&g3, &a3).spread(), 1);
    assert_eq!(kit::movement(&g3, &a3), 0);
}

/// Kafka's shape: topic tN has N partitions; consumer cN subscribes to t1..tN.
fn staircase(consumers: impl Iterator<Item = usize>) -> GroupSpec {
    let mut b = GroupSpec::builder();
    for i in 1..20 {
        b = b.topic(&format!("t{i:02}"), i as u32);
    }
    for i in consumers {
        let topics: Vec<String> = (1..=i).map(|j| format!("t{j:02}")).collect();
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        b = b.member(&format!("c{i:02}"), &topics);
    }
    b.build()
}

#[test]
fn reassignment_after_one_consumer_leaves_is_balanced_and_sticky() {
    let g1 = staircase(1..20);
    let a1 = run(&g1);
    let g2 = carry(&g1, &a1, staircase((1..20).filter(|&i| i != 10)), 1);
    let a2 = run(&g2);
    assert_no_two_way_moves(&g2, &a2);
    // Only what c10 held, plus what balance requires, moves.
    let lost = a1.partitions_of("c10").unwrap().len();
    assert!(
        kit::movement(&g2, &a2) <= lost,
        "{} moves for {lost} orphaned",
        kit::movement(&g2, &a2)
    );
}

#[test]
fn reassignment_after_one_consumer_joins_is_balanced() {
    let spec = |n: usize| {
        let mut b = GroupSpec::builder().topic("topic", 20);
        for i in 1..=n {
            b = b.member(&format!("c{i:02}"), &["topic"]);
        }
        b.build()
    };
    let g1 = spec(9);
    let a1 = run(&g1);
    let g2 = carry(&g1, &a1, spec(10), 1);
    let a2 = run(&g2);
    assert_eq!(kit::balance(&g2, &a2).spread(), 0);
    // 9 members held 20 (two with 3); the newcomer needs 2, taken from the two with 3.
    assert_eq!(kit::movement(&g2, &a2), 2);
}

#[test]
fn same_subscriptions_member_leaves() {
    let spec = |skip: Option<usize>| {
        let mut b = GroupSpec::builder();
        let topics: Vec<String> = (1..15).map(|i| format!("t{i:02}")).collect();
        for (i, t) in topics.iter().enumerate() {
            b = b.topic(t, i as u32 + 1);
        }
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        for i in (1..9).filter(|&i| Some(i) != skip) {
            b = b.member(&format!("c{i}"), &topics);
        }
        b.build()
    };
    let g1 = spec(None);
    let a1 = run(&g1);
    let g2 = carry(&g1, &a1, spec(Some(5)), 1);
    let a2 = run(&g2);
    assert!(kit::balance(&g2, &a2).spread() <= 1);
    assert_eq!(
        kit::movement(&g2, &a2),
        0,
        "only the leaver's partitions move, and it reports none"
    );
}

#[test]
fn stickiness_when_the_first_member_leaves() {
    let spec = |members: &[&str]| {
        let mut b = GroupSpec::builder().topic("topic1", 3);
        for m in members {
            b = b.member(m, &["topic1"]);
        }
        b.build()
    };
    let g1 = spec(&["consumer1", "consumer2", "consumer3", "consumer4"]);
    let a1 = run(&g1);
    assert!(a1.members.iter().all(|m| m.partitions.len() <= 1));
    let g2 = carry(&g1, &a1, spec(&["consumer2", "consumer3", "consumer4"]), 1);
    let a2 = run(&g2);
    for m in ["consumer2", "consumer3", "consumer4"] {
        assert_eq!(a2.partitions_of(m).unwrap().len(), 1);
        assert!(
            set(&g2, &a2, m).is_superset(&set(&g1, &a1, m)),
            "{m} lost its partition"
        );
    }
}

#[test]
fn a_subscribed_topic_that_does_not_exist_is_ignored() {
    let g = GroupSpec::builder()
        .topic("topic1", 1)
        .topic("topic3", 100)
        .member("consumer", &["topic1", "topic2", "topic3"])
        .build();
    assert_eq!(run(&g).members[0].partitions.len(), 101);
}

#[test]
fn the_only_subscribed_topic_deleted_leaves_nothing_and_no_error() {
    let mut g = GroupSpec::builder()
        .topic("topic", 3)
        .member("consumer", &["topic"])
        .build();
    g.members[0].owned = g.partitions_of(TopicId(0)).collect();
    g.members[0].owned_generation = Some(1);
    g.topics[0].partitions = 0;
    assert!(run(&g).members[0].partitions.is_empty());
}

#[test]
fn owned_partitions_of_a_stale_generation_lose_to_the_current_one() {
    for stale in [Some(9), None] {
        let mut g = GroupSpec::builder()
            .topic("topic", 3)
            .topic("topic2", 3)
            .member("consumer1", &["topic", "topic2"])
            .owned(&[("topic", 0), ("topic", 2), ("topic2", 1)], Some(10))
            .member("consumer2", &["topic", "topic2"])
            .owned(&[("topic", 0), ("topic", 2), ("topic2", 1)], stale)
            .build();
        g.members[1].owned_generation = stale;
        let out = run(&g);
        assert_eq!(
            set(&g, &out, "consumer1"),
            names(&["topic-0", "topic-2", "topic2-1"])
        );
        assert_eq!(
            set(&g, &out, "consumer2"),
            names(&["topic-1", "topic2-0", "topic2-2"])
        );
    }
}

#[test]
fn a_partition_claimed_twice_in_the_same_generation_goes_to_neither_claimant() {
    let g = GroupSpec::builder()
        .topic("topic", 3)
        .member("consumer1", &["topic"])
        .owned(&[("topic", 0), ("topic", 1)], Some(1))
        .member("consumer2", &["topic"])
        .owned(&[("topic", 0), ("topic", 2)], Some(1))
        .member("consumer3", &["topic"])
        .owned(&[], Some(1))
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "consumer1"), names(&["topic-1"]));
    assert_eq!(set(&g, &out, "consumer2"), names(&["topic-2"]));
    assert_eq!(set(&g, &out, "consumer3"), names(&["topic-0"]));
}

#[test]
fn partitions_go_to_the_claimant_of_the_highest_generation() {
    let all = ["topic", "topic2", "topic3"];
    let g = GroupSpec::builder()
        .topic("topic", 3)
        .topic("topic2", 3)
        .topic("topic3", 3)
        .member("consumer1", &all)
        .owned(&[("topic", 0), ("topic2", 0), ("topic3", 0)], Some(10))
        .member("consumer2", &all)
        .owned(&[("topic", 1), ("topic2", 1), ("topic3", 1)], Some(9))
        .member("consumer3", &all)
        .owned(&[("topic2", 1), ("topic3", 0), ("topic3", 2)], Some(8))
        .build();
    let out = run(&g);
    assert_eq!(
        set(&g, &out, "consumer1"),
        names(&["topic-0", "topic2-0", "topic3-0"])
    );
    assert_eq!(
        set(&g, &out, "consumer2"),
        names(&["topic-1", "topic2-1", "topic3-1"])
    );
    assert_eq!(
        set(&g, &out, "consumer3"),
        names(&["topic-2", "topic2-2", "topic3-2"])
    );
}

#[test]
fn conflict_resolution_does_not_depend_on_member_order() {
    let build = |order: [usize; 3]| {
        let claims: [(&str, i32); 3] = [("a", 7), ("b", 7), ("c", 9)];
        let mut b = GroupSpec::builder().topic("t", 2);
        for i in order {
            b = b
                .member(claims[i].0, &["t"])
                .owned(&[("t", 0)], Some(claims[i].1));
        }
        b.build()
    };
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
        let g = build(order);
        let out = run(&g);
        assert_eq!(set(&g, &out, "c"), names(&["t-0"]), "order {order:?}");
    }
}

#[test]
fn members_of_older_generations_keep_what_nobody_newer_claims() {
    let all = ["topic", "topic1", "topic2", "topic3"];
    let g = GroupSpec::builder()
        .topic("topic", 3)
        .topic("topic1", 3)
        .topic("topic2", 3)
        .topic("topic3", 3)
        .member("consumer1", &all)
        .member("consumer2", &all)
        .owned(&[("topic", 0), ("topic2", 0), ("topic1", 0)], Some(9))
        .member("consumer3", &all)
        .owned(&[("topic3", 2), ("topic2", 2), ("topic1", 1)], Some(8))
        .member("consumer4", &all)
        .owned(&[("topic3", 1), ("topic", 1), ("topic", 2)], Some(7))
        .build();
    let out = run(&g);
    assert_eq!(
        set(&g, &out, "consumer1"),
        names(&["topic1-2", "topic2-1", "topic3-0"])
    );
    assert_eq!(kit::movement(&g, &out), 0);
}

#[test]
fn a_member_keeps_its_newest_claims_when_another_claims_them_from_older_generations() {
    let g = GroupSpec::builder()
        .topic("topic", 3)
        .topic("topic2", 3)
        .member("consumer1", &["topic", "topic2"])
        .owned(&[("topic", 0), ("topic2", 1), ("topic", 1)], Some(10))
        .member("consumer2", &["topic", "topic2"])
        .owned(&[("topic", 0), ("topic2", 1), ("topic2", 2)], Some(8))
        .build();
    let out = run(&g);
    assert_eq!(
        set(&g, &out, "consumer1"),
        names(&["topic-0", "topic2-1", "topic-1"])
    );
    assert_eq!(
        set(&g, &out, "consumer2"),
        names(&["topic-2", "topic2-2", "topic2-0"])
    );
}

#[test]
fn uneven_subscriptions_with_three_generations_of_claims_stay_valid() {
    for gens in [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]] {
        let g = GroupSpec::builder()
            .topic("topic", 6)
            .topic("topic1", 1)
            .member("consumer1", &["topic"])
            .owned(&[("topic", 0), ("topic", 2)], Some(gens[0]))
            .member("consumer2", &["topic"])
            .owned(&[("topic", 1), ("topic", 2), ("topic", 3)], Some(gens[1]))
            .member("consumer3", &["topic"])
            .owned(&[("topic", 2), ("topic", 4), ("topic", 5)], Some(gens[2]))
            .member("consumer4", &["topic1"])
            .owned(&[("topic1", 0)], Some(2))
            .build();
        let out = run(&g);
        assert!(
            out.members.iter().all(|m| (1..=2).contains(&m.partitions.len())),
            "{gens:?}: {out:?}"
        );
    }
}

#[test]
fn general_case_moves_existing_assignments_only_as_needed() {
    let g = GroupSpec::builder()
        .topic("topic1", 1)
        .topic("topic2", 1)
        .topic("topic3", 1)
        .topic("topic4", 1)
        .topic("topic5", 1)
        .topic("topic6", 1)
        .member("consumer1", &["topic1", "topic2"])
        .owned(&[("topic1", 0)], Some(1))
        .member("consumer2", &["topic1", "topic2", "topic3", "topic4"])
        .owned(&[("topic2", 0), ("topic3", 0)], Some(1))
        .member("consumer3", &["topic2", "topic3", "topic4", "topic5", "topic6"])
        .owned(&[("topic4", 0), ("topic5", 0), ("topic6", 0)], Some(1))
        .build();
    let out = run(&g);
    assert_eq!(kit::movement(&g, &out), 0);
}

#[test]
fn a_static_member_restarting_with_a_new_id_keeps_its_partitions() {
    let g = GroupSpec::builder()
        .topic("t", 4)
        .member("b-new-id", &["t"])
        .instance_id("i-b")
        .owned(&[("t", 2), ("t", 3)], Some(4))
        .member("a", &["t"])
        .instance_id("i-a")
        .owned(&[("t", 0), ("t", 1)], Some(4))
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "b-new-id"), names(&["t-2", "t-3"]));
    assert_eq!(kit::movement(&g, &out), 0);
}

#[test]
fn a_returning_member_gets_its_older_generation_partitions_back_in_the_general_case() {
    // c2 (generation 5) fell out; c1 picked up t-1 in generation 6. Now c2 is back: balancing
    // moves t-1 back to c2, its owner in the older generation.
    let g = GroupSpec::builder()
        .topic("t", 4)
        .topic("u", 1)
        .member("c1", &["t", "u"])
        .owned(&[("t", 0), ("t", 1), ("t", 2), ("t", 3)], Some(6))
        .member("c2", &["t"])
        .owned(&[("t", 3)], Some(5))
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "c2"), names(&["t-3", "t-0"]));
    assert_eq!(kit::balance(&g, &out).spread(), 1);
}

fn racked(topics: &[(&str, &[&[&str]])], members: &[(&str, &[&str], Option<&str>)]) -> GroupSpec {
    let mut b = GroupSpec::builder();
    for (name, racks) in topics {
        b = b.topic_with_racks(
            name,
            racks
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        );
    }
    for (id, subs, rack) in members {
        b = b.member(id, subs);
        if let Some(r) = rack {
            b = b.rack(r);
        }
    }
    b.build()
}

#[test]
fn rack_aware_uniform_puts_every_partition_on_a_replica_rack() {
    let abc: &[&[&str]] = &[&["a"], &["b"], &["c"], &["a"], &["b"], &["c"]];
    let g = racked(
        &[("t", abc)],
        &[
            ("x", &["t"], Some("a")),
            ("y", &["t"], Some("b")),
            ("z", &["t"], Some("c")),
        ],
    );
    let out = run(&g);
    assert_eq!(kit::rack_mismatches(&g, &out), 0);
    assert_eq!(set(&g, &out, "x"), names(&["t-0", "t-3"]));
    assert_eq!(kit::balance(&g, &out).spread(), 0);
}

#[test]
fn rack_aware_gives_up_locality_before_balance() {
    let racks: &[&[&str]] = &[&["a"], &["a"], &["a"], &["a"], &["b"], &["b"]];
    let g = racked(
        &[("t", racks)],
        &[
            ("x", &["t"], Some("a")),
            ("y", &["t"], Some("b")),
            ("z", &["t"], Some("b")),
        ],
    );
    let out = run(&g);
    assert_eq!(kit::balance(&g, &out).spread(), 0);
    // x takes two rack-a partitions, y and z the rack-b ones plus the two rack-a left over.
    assert_eq!(kit::rack_mismatches(&g, &out), 2);
}

#[test]
fn rack_aware_moves_owned_partitions_off_the_wrong_rack() {
    let abc: &[&[&str]] = &[&["a"], &["b"], &["a"], &["b"]];
    let mut g = racked(
        &[("t", abc)],
        &[("x", &["t"], Some("a")), ("y", &["t"], Some("b"))],
    );
    g.members[0].owned = vec![
        TopicPartition::new(TopicId(0), 1),
        TopicPartition::new(TopicId(0), 3),
    ];
    g.members[1].owned = vec![
        TopicPartition::new(TopicId(0), 0),
        TopicPartition::new(TopicId(0), 2),
    ];
    let out = run(&g);
    assert_eq!(kit::rack_mismatches(&g, &out), 0);
    assert_eq!(set(&g, &out, "x"), names(&["t-0", "t-2"]));
}

#[test]
fn rack_aware_general_case_prefers_replica_racks_within_balance() {
    let r: &[&[&str]] = &[&["a"], &["b"], &["a"], &["b"], &["a"], &["b"]];
    let g = racked(
        &[("t", r), ("u", r)],
        &[
            ("x", &["t", "u"], Some("a")),
            ("y", &["t", "u"], Some("b")),
            ("z", &["t"], Some("b")),
        ],
    );
    let out = run(&g);
    assert_eq!(kit::balance(&g, &out).spread(), 0);
    assert_eq!(kit::rack_mismatches(&g, &out), 2, "{out:?}");
}

#[test]
fn without_rack_information_the_result_is_the_rack_less_result() {
    let plain = GroupSpec::builder()
        .topic("t1", 6)
        .topic("t2", 7)
        .member("c1", &["t1", "t2"])
        .member("c2", &["t1", "t2"])
        .member("c3", &["t1"])
        .build();
    // Members state racks but partitions list none.
    let mut members_only = plain.clone();
    for (m, r) in members_only.members.iter_mut().zip(["a", "b", "c"]) {
        m.rack = Some(r.into());
    }
    // Every partition has replicas on every rack: racks make no difference.
    let mut everywhere = members_only.clone();
    for t in &mut everywhere.topics {
        t.replica_racks = Some(vec![
            vec!["a".into(), "b".into(), "c".into()];
            t.partitions as usize
        ]);
    }
    let want = run(&plain);
    assert_eq!(
        run(&members_only)
            .members
            .iter()
            .map(|m| &m.partitions)
            .collect::<Vec<_>>(),
        want.members.iter().map(|m| &m.partitions).collect::<Vec<_>>()
    );
    assert_eq!(
        run(&everywhere)
            .members
            .iter()
            .map(|m| &m.partitions)
            .collect::<Vec<_>>(),
        want.members.iter().map(|m| &m.partitions).collect::<Vec<_>>()
    );
}

#[test]
fn an_unknown_topic_id_is_an_error() {
    let mut g = GroupSpec::builder().topic("t", 1).member("a", &["t"]).build();
    g.members[0].topics = g.members[0].topics.iter().copied().chain([TopicId(5)]).collect();
    assert!(
        StickyAssignor
            .assign(&g)
            .unwrap_err()
            .to_string()
            .contains("unknown topic #5")
    );
}

#[test]
fn claims_on_partitions_that_no_longer_exist_are_dropped() {
    let mut g = GroupSpec::builder()
        .topic("t", 2)
        .member("a", &["t"])
        .member("b", &["t"])
        .build();
    g.members[0].owned = vec![
        TopicPartition::new(TopicId(0), 7),
        TopicPartition::new(TopicId(3), 0),
    ];
    run(&g);
}

/// [`kit::kafka_rack_layout`], each member `consumer{i}` owning the partitions listed in
/// `owned[i]` (Kafka's test strings), with no generation.
fn kafka_layout(
    topics: &[(&str, u32)],
    rf: usize,
    brokers: &[Option<&str>],
    racks: &[Option<&str>],
    subscriptions: &[&[&str]],
    owned: &[&str],
) -> GroupSpec {
    let mut g = kit::kafka_rack_layout(topics, rf, brokers, racks, subscriptions);
    for (i, list) in owned.iter().enumerate() {
        let parts: Vec<TopicPartition> = list
            .split(", ")
            .map(|s| {
                let (t, p) = s.rsplit_once('-').unwrap();
                TopicPartition::new(g.topic_id(t).unwrap(), p.parse().unwrap())
            })
            .collect();
        g.members[i].owned = parts;
    }
    g
}

/// Runs sticky on Kafka's layout and checks Kafka's expected strings and, when given, the
/// number of partitions not on their member's rack.
#[track_caller]
fn verify_racks(g: &GroupSpec, want: &[&str], mismatched: Option<usize>) {
    let out = run(g);
    kit::assert_kafka_rack_assignment(g, &out, want, mismatched);
}

const ABC: [Option<&str>; 3] = [Some("a"), Some("b"), Some("c")];
const NONE3: [Option<&str>; 3] = [None, None, None];

/// Kafka's `verifyUniformSubscription` / `verifyNonEqualSubscription`: fresh, then again with
/// every member owning what it should get.
#[track_caller]
fn verify_fresh_and_owned(
    topics: &[(&str, u32)],
    rf: usize,
    brokers: &[Option<&str>],
    racks: &[Option<&str>],
    subs: &[&[&str]],
    want: &[&str],
    mismatched: Option<usize>,
) {
    verify_racks(
        &kafka_layout(topics, rf, brokers, racks, subs, &[]),
        want,
        mismatched,
    );
    verify_racks(
        &kafka_layout(topics, rf, brokers, racks, subs, want),
        want,
        mismatched,
    );
}

#[track_caller]
fn verify_rack_less(topics: &[(&str, u32)], subs: &[&[&str]], want: &[&str]) {
    verify_fresh_and_owned(topics, 3, &NONE3, &ABC, subs, want, None);
    verify_fresh_and_owned(topics, 3, &ABC, &NONE3, subs, want, None);
    verify_fresh_and_owned(topics, 3, &ABC, &ABC, subs, want, Some(0));
    verify_fresh_and_owned(
        topics,
        3,
        &ABC,
        &[Some("d"), Some("e"), Some("f")],
        subs,
        want,
        None,
    );
    verify_fresh_and_owned(topics, 3, &ABC, &[None, Some("e"), Some("f")], subs, want, None);
}

#[test]
fn kafka_rack_aware_assignment_with_uniform_subscription() {
    let topics = [("t1", 6), ("t2", 7), ("t3", 2)];
    let all: &[&str] = &["t1", "t2", "t3"];
    let subs = [all, all, all];
    let want = [
        "t1-0, t1-3, t2-0, t2-3, t2-6",
        "t1-1, t1-4, t2-1, t2-4, t3-0",
        "t1-2, t1-5, t2-2, t2-5, t3-1",
    ];
    verify_rack_less(&topics, &subs, &want);
    // Rack-aligned with lower replication factors.
    verify_fresh_and_owned(&topics, 1, &ABC, &ABC, &subs, &want, Some(0));
    verify_fresh_and_owned(&topics, 2, &ABC, &ABC, &subs, &want, Some(0));
    // One member on a rack with no replicas: balance first.
    verify_fresh_and_owned(&topics, 3, &ABC[..2], &ABC, &subs, &want, Some(5));
    // Misaligned owned partitions move to improve locality.
    let owned = [
        "t1-0, t1-1, t1-2, t1-3, t1-4",
        "t1-5, t2-0, t2-1, t2-2, t2-3",
        "t2-4, t2-5, t2-6, t3-0, t3-1",
    ];
    verify_racks(
        &kafka_layout(&topics, 1, &ABC, &ABC, &subs, &owned),
        &want,
        Some(0),
    );
}

#[test]
fn kafka_rack_aware_assignment_with_non_equal_subscription() {
    let topics = [("t1", 6), ("t2", 7), ("t3", 2)];
    let all: &[&str] = &["t1", "t2", "t3"];
    let subs = [all, all, &["t1", "t3"][..]];
    let rack_less = [
        "t1-5, t2-0, t2-2, t2-4, t2-6",
        "t1-3, t2-1, t2-3, t2-5, t3-0",
        "t1-0, t1-1, t1-2, t1-4, t3-1",
    ];
    verify_rack_less(&topics, &subs, &rack_less);
    let rf1 = [
        "t1-3, t2-0, t2-2, t2-3, t2-6",
        "t1-4, t2-1, t2-4, t2-5, t3-0",
        "t1-0, t1-1, t1-2, t1-5, t3-1",
    ];
    verify_fresh_and_owned(&topics, 1, &ABC, &ABC, &subs, &rf1, Some(4));
    verify_fresh_and_owned(
        &topics,
        2,
        &ABC,
        &ABC,
        &subs,
        &[
            "t1-3, t2-0, t2-2, t2-5, t2-6",
            "t1-0, t2-1, t2-3, t2-4, t3-0",
            "t1-1, t1-2, t1-4, t1-5, t3-1",
        ],
        Some(0),
    );
    verify_fresh_and_owned(&topics, 3, &ABC[..2], &ABC, &subs, &rack_less, Some(5));
    // With owned partitions. Kafka's StickyAssignor ignores `ownedPartitions` (it reads them from
    // its user data only), so Kafka's sticky tests expect the fresh result here; Regroup's owned
    // partitions are what that user data carries. The applicable expectations are Kafka's
    // CooperativeStickyAssignor ones: its first step keeps what stays put (the "intermediate"),
    // and the second step, from the intermediate, gives the final assignment.
    let owned = [
        "t1-0, t1-1, t1-2, t1-3, t1-4",
        "t1-5, t2-0, t2-1, t2-2, t2-3",
        "t2-4, t2-5, t2-6, t3-0, t3-1",
    ];
    verify_racks(
        &kafka_layout(&topics, 1, &ABC, &ABC, &subs, &["t1-3", "t2-1", "t3-1"]),
        &rf1,
        Some(4),
    );
    let intermediate = ["t1-2, t1-3, t1-4", "t2-0, t2-1, t2-2, t2-3", "t3-0, t3-1"];
    verify_racks(
        &kafka_layout(&topics, 3, &ABC, &ABC, &subs, &intermediate),
        &[
            "t1-2, t1-3, t1-4, t2-4, t2-5",
            "t2-0, t2-1, t2-2, t2-3, t2-6",
            "t1-0, t1-1, t1-5, t3-0, t3-1",
        ],
        Some(0),
    );
    // In one step from the original owned partitions (replication factor 1), the target is
    // Kafka's, so what stays put (Kafka's cooperative first step) is Kafka's "intermediate"
    // exactly: every off-rack owned partition is given up, t2-2 included.
    let g = kafka_layout(&topics, 1, &ABC, &ABC, &subs, &owned);
    let out = run(&g);
    kit::assert_kafka_rack_assignment(&g, &out, &rf1, Some(4));
    for (i, kept) in ["t1-3", "t2-1", "t3-1"].iter().enumerate() {
        let member = format!("consumer{i}");
        let stays: BTreeSet<String> = set(&g, &out, &member)
            .intersection(&names(&owned[i].split(", ").collect::<Vec<_>>()))
            .cloned()
            .collect();
        assert_eq!(stays, names(&[kept]), "{member}");
    }
    // Replication factor 3 (every rack holds every partition): rack-less, and Regroup keeps at
    // least what Kafka keeps.
    let g = kafka_layout(&topics, 3, &ABC, &ABC, &subs, &owned);
    let out = run(&g);
    for (i, kept) in intermediate.iter().enumerate() {
        let member = format!("consumer{i}");
        assert!(
            set(&g, &out, &member).is_superset(&kept.split(", ").map(String::from).collect()),
            "{member}: {out:?}"
        );
    }
}

#[test]
fn an_owned_partition_off_its_owners_rack_is_given_up_even_with_no_subscriber_near() {
    // t2-2 lives on rack c, where no subscriber of t2 runs. As Kafka does, consumer1 (rack b)
    // gives it up; it is then placed within the balance like any unassigned partition.
    let topics = [("t1", 6), ("t2", 7), ("t3", 2)];
    let all: &[&str] = &["t1", "t2", "t3"];
    let subs = [all, all, &["t1", "t3"][..]];
    let g = kafka_layout(&topics, 1, &ABC, &ABC, &subs, &["t1-3", "t2-1, t2-2", "t3-1"]);
    let out = run(&g);
    assert!(!set(&g, &out, "consumer1").contains("t2-2"), "{out:?}");
    kit::validate(&g, &out).unwrap();
}

#[test]
fn a_partition_listed_twice_by_its_owner_is_kept_once() {
    let g = GroupSpec::builder()
        .topic("t", 4)
        .member("a", &["t"])
        .owned(&[("t", 0), ("t", 1), ("t", 0)], Some(1))
        .member("b", &["t"])
        .owned(&[("t", 2), ("t", 3)], Some(1))
        .build();
    let out = run(&g);
    assert_eq!(set(&g, &out, "a"), names(&["t-0", "t-1"]));
    assert_eq!(set(&g, &out, "b"), names(&["t-2", "t-3"]));
}

#[test]
fn a_member_keeping_all_it_owns_lists_it_in_the_order_it_reported() {
    let g = GroupSpec::builder()
        .topic("t", 4)
        .topic("u", 2)
        .member("a", &["t", "u"])
        .owned(&[("u", 1), ("t", 3), ("t", 0)], Some(1))
        .member("b", &["t", "u"])
        .owned(&[("t", 2), ("u", 0), ("t", 1)], Some(1))
        .build();
    let out = run(&g);
    let t = |topic: u32, p: u32| TopicPartition::new(TopicId(topic), p);
    assert_eq!(out.partitions_of("a").unwrap(), [t(1, 1), t(0, 3), t(0, 0)]);
    assert_eq!(out.partitions_of("b").unwrap(), [t(0, 2), t(1, 0), t(0, 1)]);
}

/// Kafka's incremental case at a small size: every member owns its fresh assignment, one joins.
#[test]
fn a_joiner_takes_one_partition_from_each_member_over_the_new_quota_and_nothing_else_moves() {
    let fresh = kit::large_group(7, 3, 10, false, Protocol::Eager);
    let first = run(&fresh);
    let mut join = fresh.clone();
    for (member, got) in join.members.iter_mut().zip(&first.members) {
        member.owned = got.partitions.clone();
        member.owned_generation = Some(1);
    }
    join.members
        .push(Member::new("member-99999", join.members[0].topics.clone()));
    let out = run(&join);
    assert!(kit::balance(&join, &out).spread() <= 1);
    // 30 partitions over 8 members: quotas 3 and 4, six members at 4. Of the seven owners (two
    // at 5, five at 4), the first six by id keep 4 and the seventh keeps 3: three free partitions.
    let joiner = out.partitions_of("member-99999").unwrap();
    assert_eq!(joiner.len(), 3);
    assert_eq!(kit::movement(&join, &out), 3);
    for (member, got) in join.members.iter().zip(&out.members).take(7) {
        assert!(
            got.partitions.iter().all(|tp| member.owned.contains(tp)),
            "{} received a partition it did not own",
            member.id
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// With nothing kept, the member-by-member fill gives exactly what Kafka's deal gives.
    #[test]
    fn the_fresh_fill_matches_the_partition_by_partition_deal(
        partitions in proptest::collection::vec(0u32..12, 1..6),
        subscribed in proptest::collection::vec(proptest::prelude::any::<bool>(), 6),
        ids in proptest::collection::vec(0u32..1000, 1..24),
        stale_claims in proptest::prelude::any::<bool>(),
    ) {
        let mut builder = GroupSpec::builder();
        for (t, &n) in partitions.iter().enumerate() {
            builder = builder.topic(&format!("t{t}"), n);
        }
        let topics: Vec<String> = (0..partitions.len())
            .filter(|&t| subscribed[t] || t == 0)
            .map(|t| format!("t{t}"))
            .collect();
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        // Ids in random order (some shared prefixes), so the deal's order by id is not list order.
        for (i, id) in ids.iter().enumerate() {
            builder = builder.member(&format!("m{id}-{i}"), &topics);
            if stale_claims {
                // A claim of a partition that does not exist is dropped: still nothing kept.
                builder = builder.owned(&[("t0", 500)], Some(1));
            }
        }
        let g = builder.build();
        let shortcut = algorithm::assign_with(&g, true).unwrap();
        let dealt = algorithm::assign_with(&g, false).unwrap();
        kit::validate(&g, &shortcut).unwrap();
        proptest::prop_assert_eq!(shortcut, dealt);
    }
}
