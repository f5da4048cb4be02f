//! `capacity-weighted`: a custom strategy, written as the example to copy.
//!
//! Each member says how much work it can take, and partitions are split in proportion:
//! a member with capacity 2 gets about twice the partitions of a member with capacity 1.
//! Partitions stay with their current owner whenever that does not break the proportions.
//!
//! # Member user data (what each member sends)
//!
//! UTF-8 text `capacity=N`, where `N` is a whole number from 1 to 1,000,000, for example
//! `capacity=4`. Surrounding whitespace is ignored.
//!
//! - Empty user data means capacity 1, so plain members without configuration still work.
//! - Anything else (not UTF-8, another key, `N` zero, negative, too large or not a number) is an
//!   error naming the member: a typo should not quietly shift load across the group.
//!
//! # Assignor user data (what each member gets back)
//!
//! UTF-8 text `share=S partitions=P capacity=C`: the member's share of the group's capacity (three
//! decimals), how many partitions it received, and the capacity it was counted with, for example
//! `share=0.333 partitions=4 capacity=2`.
//!
//! # The algorithm
//!
//! 1. Quotas: the `T` partitions of all subscribed topics are divided by largest remainder. Each
//!    member first gets `floor(T * capacity / total capacity)`; the partitions left over go one
//!    each to the members with the largest remainders (ties: member id).
//! 2. Stickiness: each member keeps the partitions it owned (of topics it still subscribes to) up
//!    to its quota. A partition claimed by several members goes to the claim of the newest
//!    generation (ties: member id).
//! 3. Filling: every other partition, in topic then partition order, goes to the subscriber
//!    furthest below its quota (ties: member id).
//!
//! With identical subscriptions every member ends exactly at its quota. With different
//! subscriptions a member may be unable to reach its quota (it does not subscribe to enough
//! partitions), and then the subscribers of the remaining partitions go over theirs: the split is
//! proportional as far as the subscriptions allow.
//!
//! Step 3 keeps one max-heap per *subscription class* (members with the same topics), so the
//! cost is `O(T log M)` per rebalance, not `O(T * M)`.
//!
//! Supports eager and cooperative rebalancing: the assignor returns the target; under the
//! cooperative protocol the coordinator first revokes partitions that change owner.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use regroup_assignor_api::model::*;
use regroup_assignor_api::{AssignError, Assignor};

/// The largest capacity accepted; keeps `partitions * capacity` far from overflow.
pub const MAX_CAPACITY: u64 = 1_000_000;

#[derive(Debug, Default, Clone, Copy)]
pub struct CapacityWeightedAssignor;

/// Reads a member's capacity from its user data (see the crate docs for the format).
pub fn parse_capacity(member: &Member) -> Result<u64, AssignError> {
    let text = std::str::from_utf8(&member.user_data)
        .map_err(|_| {
            format!(
                "member {:?}: user data is not UTF-8 (expected `capacity=N`)",
                member.id
            )
        })?
        .trim();
    if text.is_empty() {
        return Ok(1);
    }
    let value = text
        .strip_prefix("capacity=")
        .ok_or_else(|| format!("member {:?}: user data {text:?} is not `capacity=N`", member.id))?;
    match value.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_CAPACITY).contains(&n) => Ok(n),
        _ => Err(format!(
            "member {:?}: capacity {value:?} is not a whole number from 1 to {MAX_CAPACITY}",
            member.id
        )
        .into()),
    }
}

impl Assignor for CapacityWeightedAssignor {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            "capacity-weighted",
            env!("CARGO_PKG_VERSION"),
            "Partitions in proportion to each member's stated capacity (user data `capacity=N`), sticky",
            &[Protocol::Eager, Protocol::Cooperative],
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        let members = &group.members;
        let capacity: Vec<u64> = members.iter().map(parse_capacity).collect::<Result<_, _>>()?;
        for m in members {
            if let Some(t) = m.topics.iter().find(|t| t.index() >= group.topics.len()) {
                return Err(format!("member {:?} subscribes to unknown topic #{}", m.id, t.0).into());
            }
        }
        // Ties are broken by member id everywhere, so the result never depends on input order.
        let mut by_id: Vec<usize> = (0..members.len()).collect();
        by_id.sort_by(|&a, &b| members[a].id.cmp(&members[b].id));
        let mut rank = vec![0usize; members.len()];
        for (r, &m) in by_id.iter().enumerate() {
            rank[m] = r;
        }

        // Where each topic's partitions start in one flat numbering, and which topics matter.
        let mut offsets = Vec::with_capacity(group.topics.len());
        let mut flat = 0usize;
        for t in &group.topics {
            offsets.push(flat);
            flat += t.partitions as usize;
        }
        let mut subscribed = vec![false; group.topics.len()];
        for t in members.iter().flat_map(|m| &m.topics) {
            subscribed[t.index()] = true;
        }
        let total: u64 = (0..group.topics.len())
            .filter(|&t| subscribed[t])
            .map(|t| group.topics[t].partitions as u64)
            .sum();

        // 1. Quotas by largest remainder.
        let capacity_sum: u64 = capacity.iter().sum();
        let mut quota: Vec<u64> = capacity
            .iter()
            .map(|&c| total * c / capacity_sum.max(1))
            .collect();
        let left = total - quota.iter().sum::<u64>(); // fewer than the number of members
        let mut by_remainder = by_id.clone();
        by_remainder.sort_by_key(|&m| Reverse(total * capacity[m] % capacity_sum.max(1)));
        for &m in by_remainder.iter().take(left as usize) {
            quota[m] += 1;
        }

        // 2. Keep owned partitions up to the quota; the newest generation wins a contested claim.
        let mut owner = vec![u32::MAX; flat];
        let mut claims: Vec<usize> = by_id.clone();
        claims.sort_by_key(|&m| Reverse(members[m].owned_generation.unwrap_or(-1)));
        let mut out = Assignment::empty_for(group);
        for &m in &claims {
            for tp in &members[m].owned {
                let exists = group
                    .topics
                    .get(tp.topic.index())
                    .is_some_and(|t| tp.partition < t.partitions);
                let still_subscribed = members[m].topics.binary_search(&tp.topic).is_ok();
                if !exists || !still_subscribed || out.members[m].partitions.len() as u64 >= quota[m] {
                    continue;
                }
                let slot = &mut owner[offsets[tp.topic.index()] + tp.partition as usize];
                if *slot == u32::MAX {
                    *slot = m as u32;
                    out.members[m].partitions.push(*tp);
                }
            }
        }

        // 3. Fill. Members with the same topics form a class; each class keeps a max-heap of
        // (room below quota, earliest member id). Entries go stale when a member's count changes;
        // a stale entry is recognised by its room and dropped when it reaches the top.
        let room = |m: usize, count: usize| quota[m] as i64 - count as i64;
        let mut class_of_topics: HashMap<&[TopicId], usize> = HashMap::new();
        let mut class = vec![0usize; members.len()];
        let mut classes_of_topic: Vec<Vec<usize>> = vec![Vec::new(); group.topics.len()];
        for (m, member) in members.iter().enumerate() {
            let next = class_of_topics.len();
            class[m] = *class_of_topics
                .entry(member.topics.as_slice())
                .or_insert_with(|| {
                    for t in &member.topics {
                        classes_of_topic[t.index()].push(next);
                    }
                    next
                });
        }
        let mut heaps: Vec<BinaryHeap<(i64, Reverse<usize>, usize)>> =
            vec![BinaryHeap::new(); class_of_topics.len()];
        for m in 0..members.len() {
            heaps[class[m]].push((room(m, out.members[m].partitions.len()), Reverse(rank[m]), m));
        }
        for (t, topic) in group.topics.iter().enumerate().filter(|(t, _)| subscribed[*t]) {
            for p in (0..topic.partitions).filter(|&p| owner[offsets[t] + p as usize] == u32::MAX) {
                let mut best: Option<(i64, Reverse<usize>, usize)> = None;
                for &c in &classes_of_topic[t] {
                    while let Some(&top) = heaps[c].peek() {
                        if top.0 == room(top.2, out.members[top.2].partitions.len()) {
                            best = best.max(Some(top));
                            break;
                        }
                        heaps[c].pop();
                    }
                }
                let (_, _, m) = best.expect("a subscribed topic has a subscriber");
                out.members[m]
                    .partitions
                    .push(TopicPartition::new(TopicId(t as u32), p));
                heaps[class[m]].push((room(m, out.members[m].partitions.len()), Reverse(rank[m]), m));
            }
        }

        // What each member learns about its share.
        for (m, entry) in out.members.iter_mut().enumerate() {
            let share = capacity[m] as f64 / capacity_sum.max(1) as f64;
            entry.user_data = format!(
                "share={share:.3} partitions={} capacity={}",
                entry.partitions.len(),
                capacity[m]
            )
            .into_bytes();
        }
        Ok(out)
    }
}

regroup_assignor_api::export_assignor!(CapacityWeightedAssignor);

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::kit;

    fn counts(out: &Assignment) -> Vec<usize> {
        out.members.iter().map(|m| m.partitions.len()).collect()
    }

    #[test]
    fn partitions_follow_capacity() {
        let g = GroupSpec::builder()
            .topic("t", 12)
            .member("a", &["t"])
            .user_data(b"capacity=1")
            .member("b", &["t"])
            .user_data(b"capacity=2")
            .member("c", &["t"])
            .user_data(b"capacity=3")
            .build();
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(counts(&out), [2, 4, 6]);
        assert_eq!(out.members[1].user_data, b"share=0.333 partitions=4 capacity=2");
    }

    #[test]
    fn missing_capacity_counts_as_one() {
        let g = GroupSpec::builder()
            .topic("t", 3)
            .member("a", &["t"])
            .member("b", &["t"])
            .user_data(b" capacity=2 \n")
            .build();
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        assert_eq!(counts(&out), [1, 2]);
        assert_eq!(out.members[0].user_data, b"share=0.333 partitions=1 capacity=1");
    }

    #[test]
    fn invalid_capacity_is_an_error_naming_the_member() {
        for bad in [
            &b"capacity=0"[..],
            b"capacity=-1",
            b"capacity=x",
            b"cap=2",
            b"\xff",
            b"capacity=1000001",
        ] {
            let g = GroupSpec::builder()
                .topic("t", 3)
                .member("ok", &["t"])
                .member("broken", &["t"])
                .user_data(bad)
                .build();
            let err = CapacityWeightedAssignor.assign(&g).unwrap_err().to_string();
            assert!(err.contains("\"broken\""), "{err}");
        }
    }

    #[test]
    fn remainders_go_to_the_largest_fractions_then_member_id() {
        // 10 partitions over capacities 1,1,1: 3.33 each; the one left over goes to "a".
        let g = GroupSpec::builder()
            .topic("t", 10)
            .member("c", &["t"])
            .member("a", &["t"])
            .member("b", &["t"])
            .build();
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        assert_eq!(out.partitions_of("a").unwrap().len(), 4);
        assert_eq!(out.partitions_of("b").unwrap().len(), 3);
        assert_eq!(out.partitions_of("c").unwrap().len(), 3);
    }

    #[test]
    fn owned_partitions_stay_while_within_quota() {
        // a owned everything; b joins with capacity 3: a keeps 2 of its own, b gets the rest.
        let g = GroupSpec::builder()
            .topic("t", 8)
            .member("a", &["t"])
            .owned(
                &[
                    ("t", 0),
                    ("t", 1),
                    ("t", 2),
                    ("t", 3),
                    ("t", 4),
                    ("t", 5),
                    ("t", 6),
                    ("t", 7),
                ],
                Some(3),
            )
            .member("b", &["t"])
            .user_data(b"capacity=3")
            .build();
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(counts(&out), [2, 6]);
        assert_eq!(kit::movement(&g, &out), 6);
        assert!(out.members[0].partitions.iter().all(|tp| tp.partition < 2));
    }

    #[test]
    fn the_newest_generation_wins_a_contested_partition() {
        let g = GroupSpec::builder()
            .topic("t", 2)
            .member("a", &["t"])
            .owned(&[("t", 0)], Some(1))
            .member("b", &["t"])
            .owned(&[("t", 0)], Some(2))
            .build();
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        assert_eq!(
            out.partitions_of("b").unwrap(),
            [TopicPartition::new(TopicId(0), 0)]
        );
    }

    #[test]
    fn uneven_subscriptions_are_proportional_as_far_as_they_allow() {
        // b can only take topic u (1 partition); a and c share the rest 1:2 as far as possible.
        let g = GroupSpec::builder()
            .topic("t", 9)
            .topic("u", 1)
            .member("a", &["t", "u"])
            .member("b", &["u"])
            .user_data(b"capacity=5")
            .member("c", &["t", "u"])
            .user_data(b"capacity=2")
            .build();
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(out.partitions_of("b").unwrap().len(), 1);
        assert_eq!(
            out.partitions_of("a").unwrap().len() + out.partitions_of("c").unwrap().len(),
            9
        );
        assert!(out.partitions_of("c").unwrap().len() > out.partitions_of("a").unwrap().len());
    }

    #[test]
    fn no_members_and_no_topics_are_fine() {
        let g = GroupSpec::builder().topic("t", 3).build();
        assert!(CapacityWeightedAssignor.assign(&g).unwrap().members.is_empty());
        let g = GroupSpec::builder().member("a", &[]).build();
        assert_eq!(
            CapacityWeightedAssignor.assign(&g).unwrap().members[0].user_data,
            b"share=1.000 partitions=0 capacity=1"
        );
    }

    #[test]
    fn supports_eager_and_cooperative() {
        let info = CapacityWeightedAssignor.info();
        assert!(info.supports(Protocol::Eager) && info.supports(Protocol::Cooperative));
    }
}
