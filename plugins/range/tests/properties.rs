//! Invariants of `range` over random groups, with and without racks.

use proptest::prelude::*;
use regroup_assignor_api::model::*;
use regroup_assignor_api::{Assignor, kit};
use regroup_range::RangeAssignor;

fn group() -> impl Strategy<Value = (GroupSpec, bool)> {
    (
        prop::collection::vec((0u32..10, prop::collection::vec(0u8..8, 10)), 1..5),
        prop::collection::vec(
            (
                prop::collection::vec(any::<bool>(), 5),
                prop::option::of(0u8..3),
                any::<bool>(),
            ),
            1..7,
        ),
        any::<bool>(),
    )
        .prop_map(|(topics, members, uniform)| {
            let racks = ["a", "b", "c"];
            let mut b = GroupSpec::builder();
            let names: Vec<String> = (0..topics.len()).map(|t| format!("t{t}")).collect();
            for (n, (p, bits)) in names.iter().zip(&topics) {
                let replicas = (0..*p as usize)
                    .map(|i| {
                        (0..3)
                            .filter(|r| bits[i] & (1 << r) != 0)
                            .map(|r| racks[r].to_string())
                            .collect()
                    })
                    .collect();
                b = b.topic_with_racks(n, replicas);
            }
            for (i, (subs, rack, is_static)) in members.iter().enumerate() {
                let topics: Vec<&str> = names
                    .iter()
                    .enumerate()
                    .filter(|(t, _)| uniform || subs[*t])
                    .map(|(_, n)| n.as_str())
                    .collect();
                b = b.member(&format!("m{i}"), &topics);
                if let Some(r) = rack {
                    b = b.rack(racks[*r as usize]);
                }
                if *is_static {
                    b = b.instance_id(&format!("i{}", 9 - i));
                }
            }
            (b.build(), uniform)
        })
}

/// Per member, per topic, how many partitions: what range guarantees whatever the racks.
fn counts(out: &Assignment, topics: usize) -> Vec<Vec<usize>> {
    out.members
        .iter()
        .map(|m| {
            let mut c = vec![0; topics];
            for tp in &m.partitions {
                c[tp.topic.index()] += 1;
            }
            c
        })
        .collect()
}

proptest! {
    /// Without member racks range computes the ranges directly; with member racks but no replica
    /// racks it runs Kafka's general loop, which must give the very same result.
    #[test]
    fn the_direct_rack_less_ranges_are_kafkas_loop((g, _) in group()) {
        let mut plain = g.clone();
        plain.members.iter_mut().for_each(|m| m.rack = None);
        plain.topics.iter_mut().for_each(|t| t.replica_racks = None);
        let mut general = plain.clone();
        general.members.iter_mut().for_each(|m| m.rack = Some("a".into()));
        let direct = RangeAssignor.assign(&plain).unwrap();
        prop_assert!(kit::validate(&plain, &direct).is_ok());
        prop_assert_eq!(direct, RangeAssignor.assign(&general).unwrap());
    }

    #[test]
    fn always_valid((g, _) in group()) {
        let out = RangeAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok(), "{:?}", kit::validate(&g, &out));
    }

    #[test]
    fn racks_never_change_how_many_members_get_each_count((g, _) in group()) {
        let mut plain = g.clone();
        for m in &mut plain.members {
            m.rack = None;
        }
        let (a, b) = (counts(&RangeAssignor.assign(&g).unwrap(), g.topics.len()), counts(&RangeAssignor.assign(&plain).unwrap(), g.topics.len()));
        for t in 0..g.topics.len() {
            let mut x: Vec<usize> = a.iter().map(|c| c[t]).collect();
            let mut y: Vec<usize> = b.iter().map(|c| c[t]).collect();
            x.sort_unstable();
            y.sort_unstable();
            prop_assert_eq!(x, y, "topic {}", t);
        }
    }

    #[test]
    fn without_racks_ranges_are_contiguous_and_in_member_order((g, _) in group()) {
        let mut plain = g.clone();
        for m in &mut plain.members {
            m.rack = None;
        }
        let out = RangeAssignor.assign(&plain).unwrap();
        let mut order: Vec<usize> = (0..g.members.len()).collect();
        order.sort_by(|&a, &b| regroup_assignor_api::model::kafka_member_order(&g.members[a], &g.members[b]));
        for t in 0..g.topics.len() {
            let topic = TopicId(t as u32);
            let mut next = 0;
            for &m in order.iter().filter(|&&m| g.members[m].topics.contains(&topic)) {
                for tp in out.members[m].partitions.iter().filter(|tp| tp.topic == topic) {
                    prop_assert_eq!(tp.partition, next);
                    next += 1;
                }
            }
        }
    }

    #[test]
    fn per_topic_counts_differ_by_at_most_one((g, _) in group()) {
        let out = RangeAssignor.assign(&g).unwrap();
        let c = counts(&out, g.topics.len());
        for t in 0..g.topics.len() {
            let subs: Vec<usize> = g
                .members
                .iter()
                .zip(&c)
                .filter(|(m, _)| m.topics.contains(&TopicId(t as u32)))
                .map(|(_, counts)| counts[t])
                .collect();
            if let (Some(lo), Some(hi)) = (subs.iter().min(), subs.iter().max()) {
                prop_assert!(hi - lo <= 1);
            }
        }
    }

    #[test]
    fn balanced_when_subscriptions_are_uniform_over_one_topic(partitions in 0u32..40, members in 1usize..9) {
        // Range balances per topic; with one topic that is the whole group's balance.
        let mut b = GroupSpec::builder().topic("t", partitions);
        for m in 0..members {
            b = b.member(&format!("m{m}"), &["t"]);
        }
        let g = b.build();
        let out = RangeAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok());
        prop_assert!(kit::balance(&g, &out).spread() <= 1);
    }
}
