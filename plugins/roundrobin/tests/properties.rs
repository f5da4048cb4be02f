//! Invariants of `roundrobin` over random groups.

use proptest::prelude::*;
use regroup_assignor_api::model::*;
use regroup_assignor_api::{Assignor, kit};
use regroup_roundrobin::RoundRobinAssignor;

/// A group of up to 8 members over up to 5 topics; `uniform` gives every member every topic.
fn group(uniform: bool) -> impl Strategy<Value = GroupSpec> {
    (prop::collection::vec(0u32..12, 1..5), 1usize..8).prop_flat_map(move |(partitions, members)| {
        let topics = partitions.len();
        let subs = prop::collection::vec(prop::collection::vec(any::<bool>(), topics), members);
        let statics = prop::collection::vec(any::<bool>(), members);
        (Just(partitions), subs, statics).prop_map(move |(partitions, subs, statics)| {
            let names: Vec<String> = (0..partitions.len()).map(|t| format!("t{t}")).collect();
            let mut b = GroupSpec::builder();
            for (name, &p) in names.iter().zip(&partitions) {
                b = b.topic(name, p);
            }
            for (m, (sub, is_static)) in subs.iter().zip(&statics).enumerate() {
                let topics: Vec<&str> = names
                    .iter()
                    .zip(sub)
                    .filter(|(_, s)| uniform || **s)
                    .map(|(n, _)| n.as_str())
                    .collect();
                b = b.member(&format!("m{m}"), &topics);
                if *is_static {
                    b = b.instance_id(&format!("i{}", 7 - m));
                }
            }
            b.build()
        })
    })
}

proptest! {
    #[test]
    fn always_valid(g in group(false)) {
        let out = RoundRobinAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok(), "{:?}", kit::validate(&g, &out));
    }

    #[test]
    fn balanced_when_subscriptions_are_uniform(g in group(true)) {
        let out = RoundRobinAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok());
        prop_assert!(kit::balance(&g, &out).spread() <= 1);
    }

    #[test]
    fn each_partition_goes_to_the_next_subscriber_in_the_circle(g in group(false)) {
        prop_assert_eq!(RoundRobinAssignor.assign(&g).unwrap(), kafkas_loop(&g));
    }

    #[test]
    fn uniform_subscriptions_give_kafkas_loop_too(g in group(true)) {
        prop_assert_eq!(RoundRobinAssignor.assign(&g).unwrap(), kafkas_loop(&g));
    }
}

/// The reference: Kafka's loop, stepping through members one by one.
fn kafkas_loop(g: &GroupSpec) -> Assignment {
    let mut order: Vec<usize> = (0..g.members.len()).collect();
    order.sort_by(|&a, &b| regroup_assignor_api::model::kafka_member_order(&g.members[a], &g.members[b]));
    let mut want = Assignment::empty_for(g);
    let mut at = 0;
    for t in 0..g.topics.len() {
        let topic = TopicId(t as u32);
        if !g.members.iter().any(|m| m.topics.contains(&topic)) {
            continue;
        }
        for p in 0..g.topics[t].partitions {
            while !g.members[order[at]].topics.contains(&topic) {
                at = (at + 1) % order.len();
            }
            want.members[order[at]]
                .partitions
                .push(TopicPartition::new(topic, p));
            at = (at + 1) % order.len();
        }
    }
    want
}
