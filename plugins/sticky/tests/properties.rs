//! Invariants of `sticky` over random groups.

use proptest::prelude::*;
use regroup_assignor_api::model::*;
use regroup_assignor_api::{Assignor, kit};
use regroup_sticky::StickyAssignor;

/// Random groups: up to 6 topics, up to 9 members, random subscriptions (or all topics when
/// `uniform`), random claims (some invalid, some conflicting, random generations), random racks.
#[derive(Debug, Clone)]
struct Shape {
    partitions: Vec<u32>,
    subs: Vec<Vec<bool>>,
    /// Per partition (flattened over topics): claimant member index (>= members means none).
    owner: Vec<usize>,
    /// A second claimant per partition, for conflicts.
    second: Vec<usize>,
    generations: Vec<Option<i32>>,
    member_racks: Vec<Option<u8>>,
    partition_racks: Option<Vec<u8>>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (prop::collection::vec(0u32..9, 1..6), 1usize..9).prop_flat_map(|(partitions, members)| {
        let total: usize = partitions.iter().map(|&p| p as usize).sum();
        let topics = partitions.len();
        (
            Just(partitions),
            prop::collection::vec(prop::collection::vec(any::<bool>(), topics), members),
            prop::collection::vec(0..members * 2, total),
            prop::collection::vec(0..members * 4, total),
            prop::collection::vec(prop::option::of(0i32..3), members),
            prop::collection::vec(prop::option::of(0u8..3), members),
            prop::option::of(prop::collection::vec(0u8..8, total)),
        )
            .prop_map(
                |(partitions, subs, owner, second, generations, member_racks, partition_racks)| Shape {
                    partitions,
                    subs,
                    owner,
                    second,
                    generations,
                    member_racks,
                    partition_racks,
                },
            )
    })
}

/// Builds the group. `uniform`: everyone subscribes to everything. `conflicts`: add second
/// claims. `racks`: use the rack columns.
fn build(s: &Shape, uniform: bool, conflicts: bool, racks: bool) -> GroupSpec {
    let members = s.subs.len();
    let rack_names = ["a", "b", "c"];
    let mut topics = Vec::new();
    let mut flat = 0usize;
    for (t, &p) in s.partitions.iter().enumerate() {
        let replica_racks = s.partition_racks.as_ref().filter(|_| racks).map(|bits| {
            (0..p as usize)
                .map(|i| {
                    let b = bits[flat + i];
                    (0..3)
                        .filter(|r| b & (1 << r) != 0)
                        .map(|r| rack_names[r].to_string())
                        .collect()
                })
                .collect()
        });
        flat += p as usize;
        let mut topic = Topic::new(&format!("t{t}"), p);
        topic.replica_racks = replica_racks;
        topics.push(topic);
    }
    let mut group = GroupSpec::new(5, Protocol::Eager, topics);
    group.members = (0..members)
        .map(|m| {
            let topics = (0..s.partitions.len())
                .filter(|&t| uniform || s.subs[m][t])
                .map(|t| TopicId(t as u32))
                .collect();
            let mut member = Member::new(&format!("m{m}"), topics);
            member.owned_generation = s.generations[m];
            member.rack = s.member_racks[m]
                .filter(|_| racks)
                .map(|r| rack_names[r as usize].to_string());
            member
        })
        .collect();
    let mut flat = 0usize;
    for (t, &p) in s.partitions.iter().enumerate() {
        for i in 0..p {
            let tp = TopicPartition::new(TopicId(t as u32), i);
            if let Some(m) = group.members.get_mut(s.owner[flat]) {
                m.owned.push(tp);
            }
            if conflicts && let Some(m) = group.members.get_mut(s.second[flat]) {
                m.owned.push(tp);
            }
            flat += 1;
        }
    }
    group
}

/// Kafka's balance rule: no partition can move to a subscriber holding two fewer.
fn kafka_balanced(g: &GroupSpec, out: &Assignment) -> bool {
    out.members.iter().all(|a| {
        out.members.iter().zip(&g.members).all(|(b, bm)| {
            a.partitions.len() < b.partitions.len() + 2
                || a.partitions.iter().all(|tp| !bm.topics.contains(&tp.topic))
        })
    })
}

/// Fewest moves any balanced assignment needs, for uniform subscriptions and a valid previous
/// assignment: members beyond their quota give up the excess; the `P % M` members that owned
/// the most get `ceil`, the rest `floor`.
fn minimum_moves(g: &GroupSpec) -> usize {
    let total: usize = g.topics.iter().map(|t| t.partitions as usize).sum();
    let m = g.members.len();
    let (min, extra) = (total / m, total % m);
    let mut owned: Vec<usize> = g.members.iter().map(|x| x.owned.len()).collect();
    owned.sort_unstable_by(|a, b| b.cmp(a));
    owned
        .iter()
        .enumerate()
        .map(|(i, &o)| o.saturating_sub(if i < extra { min + 1 } else { min }))
        .sum()
}

fn sorted(out: &Assignment) -> Vec<(String, Vec<TopicPartition>)> {
    let mut v: Vec<_> = out
        .clone()
        .sorted()
        .members
        .into_iter()
        .map(|m| (m.member_id, m.partitions))
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn always_valid(s in shape(), uniform in any::<bool>(), conflicts in any::<bool>(), racks in any::<bool>()) {
        let g = build(&s, uniform, conflicts, racks);
        let out = StickyAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok(), "{:?}", kit::validate(&g, &out));
        prop_assert!(kafka_balanced(&g, &out), "not balanced: {out:?}");
    }

    #[test]
    fn uniform_subscriptions_are_balanced_within_one(s in shape(), conflicts in any::<bool>(), racks in any::<bool>()) {
        let g = build(&s, true, conflicts, racks);
        let out = StickyAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok());
        prop_assert!(kit::balance(&g, &out).spread() <= 1);
    }

    #[test]
    fn uniform_moves_only_what_balance_requires(s in shape()) {
        // A valid previous assignment: one claimant per partition, one generation.
        let mut g = build(&s, true, false, false);
        for m in &mut g.members {
            m.owned_generation = Some(4);
        }
        let out = StickyAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok());
        prop_assert_eq!(kit::movement(&g, &out), minimum_moves(&g));
    }

    #[test]
    fn nothing_moves_when_nothing_changed(s in shape(), uniform in any::<bool>(), racks in any::<bool>()) {
        // Not claimed when rack-aware: as in Kafka, an owned partition off its owner's rack is
        // given up at every rebalance, even one that balance put there, and placed again.
        prop_assume!(!racks);
        let mut g = build(&s, uniform, false, racks);
        for m in &mut g.members {
            m.owned.clear();
        }
        let first = StickyAssignor.assign(&g).unwrap();
        for (m, got) in g.members.iter_mut().zip(&first.members) {
            m.owned = got.partitions.clone();
            m.owned_generation = Some(5);
        }
        let again = StickyAssignor.assign(&g).unwrap();
        prop_assert_eq!(kit::movement(&g, &again), 0);
        prop_assert_eq!(sorted(&first), sorted(&again));
    }

    #[test]
    fn member_order_in_the_spec_does_not_matter(s in shape(), uniform in any::<bool>(), conflicts in any::<bool>(), racks in any::<bool>()) {
        let g = build(&s, uniform, conflicts, racks);
        let mut reversed = g.clone();
        reversed.members.reverse();
        let a = StickyAssignor.assign(&g).unwrap();
        let b = StickyAssignor.assign(&reversed).unwrap();
        prop_assert_eq!(sorted(&a), sorted(&b));
    }

    #[test]
    fn rack_awareness_never_costs_balance(s in shape(), uniform in any::<bool>(), conflicts in any::<bool>()) {
        let plain = build(&s, uniform, conflicts, false);
        let racked = build(&s, uniform, conflicts, true);
        let a = StickyAssignor.assign(&plain).unwrap();
        let b = StickyAssignor.assign(&racked).unwrap();
        prop_assert!(kit::validate(&racked, &b).is_ok());
        if uniform {
            prop_assert!(kit::balance(&racked, &b).spread() <= 1);
        }
        prop_assert!(kafka_balanced(&racked, &b));
        let _ = a;
    }

    #[test]
    fn without_partition_racks_member_racks_change_nothing(s in shape(), uniform in any::<bool>(), conflicts in any::<bool>()) {
        let plain = build(&s, uniform, conflicts, false);
        let mut racked = plain.clone();
        for (m, r) in racked.members.iter_mut().zip(&s.member_racks) {
            m.rack = r.map(|r| format!("rack{r}"));
        }
        prop_assert_eq!(StickyAssignor.assign(&plain).unwrap(), StickyAssignor.assign(&racked).unwrap());
    }
}
