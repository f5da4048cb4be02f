//! The cooperative withholding rule, as one pure function shared by the coordinator and the
//! `regroup assign` simulator.
//!
//! A partition that stays with its owner is never paused. A partition that moves is first revoked
//! by its owner; its new owner receives it only once the owner confirms (or its session expires),
//! so no partition ever has two owners. [`first_step`] computes what each member may hold at once.
//!
//! Who owns a partition is decided as Kafka's sticky assignors decide it: among the members that
//! claim it, the one of the highest generation (a member that reports none has Kafka's default,
//! -1). A claim of an older generation is stale: that member was fenced since, so the partition
//! is not withheld for it (it is still told to revoke it). Two members claiming it at the same
//! highest generation make it contested: it is withheld from everyone until both give it up.

use std::collections::HashMap;

use regroup_assignor_api::model::{Assignment, GroupSpec, TopicPartition};

/// The generation of a member that reported none, as in Kafka.
const DEFAULT_GENERATION: i32 = -1;
/// "Nobody" in the per-partition tables.
const NOBODY: u32 = u32::MAX;
/// Claimed by two members at the same highest generation.
const CONTESTED: u32 = u32::MAX - 1;

/// A cooperative rebalance's first step.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CooperativeStep {
    /// One entry per member, in the order of `group.members`.
    pub members: Vec<MemberStep>,
    /// What each owner must give up before the partitions can move, owners in `group.members`
    /// order, only owners with something to give up.
    pub revocations: Vec<Revocation>,
}

/// What one member may consume now, and what it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberStep {
    pub member_id: String,
    /// Its target minus any partition another member validly owns now; sorted.
    pub granted: Vec<TopicPartition>,
    /// Its target partitions that another member validly owns now (or that are contested),
    /// withheld until revoked; sorted.
    pub pending: Vec<TopicPartition>,
}

/// Partitions a member claims now that its target does not include; sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revocation {
    pub member_id: String,
    pub partitions: Vec<TopicPartition>,
}

/// Partitions laid out topic by topic, so per-partition facts live in flat tables.
struct Layout {
    offsets: Vec<usize>,
}

impl Layout {
    fn new(group: &GroupSpec) -> Layout {
        let mut offsets = Vec::with_capacity(group.topics.len() + 1);
        let mut total = 0usize;
        for t in &group.topics {
            offsets.push(total);
            total += t.partitions as usize;
        }
        offsets.push(total);
        Layout { offsets }
    }

    fn total(&self) -> usize {
        *self.offsets.last().unwrap_or(&0)
    }

    /// The partition's slot, if it exists.
    fn slot(&self, tp: TopicPartition) -> Option<usize> {
        let t = tp.topic.index();
        let (&base, &end) = (self.offsets.get(t)?, self.offsets.get(t + 1)?);
        let g = base + tp.partition as usize;
        (g < end).then_some(g)
    }
}

/// Splits `target` into what can be granted at once and what must wait for a revocation, given
/// what each member of `group` claims now (`Member::owned`, at `Member::owned_generation`). A
/// member missing from `target` is given nothing (and revokes all it claims).
pub fn first_step(group: &GroupSpec, target: &Assignment) -> CooperativeStep {
    let layout = Layout::new(group);
    let anyone_owns = group.members.iter().any(|m| !m.owned.is_empty());
    // The valid owner of each partition (member index, `CONTESTED` or `NOBODY`) and its generation.
    let mut owner: Vec<(u32, i32)> = Vec::new();
    if anyone_owns {
        owner = vec![(NOBODY, i32::MIN); layout.total()];
        for (m, member) in group.members.iter().enumerate() {
            let generation = member.owned_generation.unwrap_or(DEFAULT_GENERATION);
            for g in member.owned.iter().filter_map(|&tp| layout.slot(tp)) {
                let (holder, held_at) = &mut owner[g];
                if *holder == NOBODY || generation > *held_at {
                    (*holder, *held_at) = (m as u32, generation);
                } else if generation == *held_at && *holder != m as u32 {
                    *holder = CONTESTED;
                }
            }
        }
    }
    let index_of: HashMap<&str, usize> = target
        .members
        .iter()
        .enumerate()
        .map(|(i, a)| (a.member_id.as_str(), i))
        .collect();
    // Which member each partition's target names (only needed to tell what owners keep).
    let mut target_of: Vec<u32> = Vec::new();
    if anyone_owns {
        target_of = vec![NOBODY; layout.total()];
        for (m, member) in group.members.iter().enumerate() {
            if let Some(&i) = index_of.get(member.id.as_str()) {
                for g in target.members[i]
                    .partitions
                    .iter()
                    .filter_map(|&tp| layout.slot(tp))
                {
                    target_of[g] = m as u32;
                }
            }
        }
    }
    let mut members = Vec::with_capacity(group.members.len());
    let mut revocations = Vec::new();
    for (m, member) in group.members.iter().enumerate() {
        let wanted: &[TopicPartition] = index_of
            .get(member.id.as_str())
            .map_or(&[], |&i| &target.members[i].partitions);
        let mut step = MemberStep {
            member_id: member.id.clone(),
            ..Default::default()
        };
        if anyone_owns {
            for &tp in wanted {
                let withheld = layout
                    .slot(tp)
                    .is_some_and(|g| !matches!(owner[g].0, NOBODY) && owner[g].0 != m as u32);
                if withheld {
                    step.pending.push(tp)
                } else {
                    step.granted.push(tp)
                }
            }
        } else {
            step.granted.extend_from_slice(wanted);
        }
        step.granted.sort_unstable();
        step.pending.sort_unstable();
        let mut give_up: Vec<TopicPartition> = member
            .owned
            .iter()
            .copied()
            .filter(|&tp| layout.slot(tp).is_none_or(|g| target_of[g] != m as u32))
            .collect();
        if !give_up.is_empty() {
            give_up.sort_unstable();
            give_up.dedup();
            revocations.push(Revocation {
                member_id: member.id.clone(),
                partitions: give_up,
            });
        }
        members.push(step);
    }
    CooperativeStep { members, revocations }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::model::MemberAssignment;

    fn target(spec: &GroupSpec, parts: &[(&str, &[u32])]) -> Assignment {
        let t = spec.topic_id("t").unwrap();
        Assignment::new(
            parts
                .iter()
                .map(|(m, ps)| {
                    MemberAssignment::new(m, ps.iter().map(|&p| TopicPartition::new(t, p)).collect())
                })
                .collect(),
        )
    }

    fn tps(spec: &GroupSpec, ps: &[u32]) -> Vec<TopicPartition> {
        let t = spec.topic_id("t").unwrap();
        ps.iter().map(|&p| TopicPartition::new(t, p)).collect()
    }

    #[test]
    fn a_new_member_waits_for_moved_partitions_while_unmoved_ones_stay_granted() {
        // a owned 0..4, b owned 4..6; c joins; target moves 3 from a and 5 from b to c.
        let spec = GroupSpec::builder()
            .topic("t", 6)
            .member("a", &["t"])
            .owned(&[("t", 0), ("t", 1), ("t", 2), ("t", 3)], Some(1))
            .member("b", &["t"])
            .owned(&[("t", 4), ("t", 5)], Some(1))
            .member("c", &["t"])
            .build();
        let step = first_step(
            &spec,
            &target(&spec, &[("a", &[0, 1, 2]), ("b", &[4]), ("c", &[3, 5])]),
        );
        assert_eq!(step.members[0].granted, tps(&spec, &[0, 1, 2]));
        assert!(step.members[0].pending.is_empty());
        assert_eq!(step.members[1].granted, tps(&spec, &[4]));
        assert!(step.members[2].granted.is_empty());
        assert_eq!(step.members[2].pending, tps(&spec, &[3, 5]));
        assert_eq!(
            step.revocations,
            vec![
                Revocation {
                    member_id: "a".into(),
                    partitions: tps(&spec, &[3])
                },
                Revocation {
                    member_id: "b".into(),
                    partitions: tps(&spec, &[5])
                },
            ]
        );
    }

    #[test]
    fn unowned_partitions_are_granted_at_once_and_members_keep_the_group_order() {
        let spec = GroupSpec::builder()
            .topic("t", 3)
            .member("z", &["t"])
            .member("a", &["t"])
            .build();
        let step = first_step(&spec, &target(&spec, &[("a", &[1]), ("z", &[0, 2])]));
        assert_eq!(
            step.members
                .iter()
                .map(|m| m.member_id.as_str())
                .collect::<Vec<_>>(),
            ["z", "a"]
        );
        assert_eq!(step.members[0].granted, tps(&spec, &[0, 2]));
        assert_eq!(step.members[1].granted, tps(&spec, &[1]));
        assert!(step.revocations.is_empty());
    }

    #[test]
    fn a_member_left_out_of_the_target_revokes_everything_it_owns() {
        let spec = GroupSpec::builder()
            .topic("t", 2)
            .member("a", &["t"])
            .owned(&[("t", 0), ("t", 1)], Some(3))
            .member("b", &["t"])
            .build();
        let step = first_step(&spec, &target(&spec, &[("b", &[0, 1])]));
        assert!(step.members[0].granted.is_empty() && step.members[0].pending.is_empty());
        assert_eq!(step.members[1].pending, tps(&spec, &[0, 1]));
        assert_eq!(
            step.revocations,
            vec![Revocation {
                member_id: "a".into(),
                partitions: tps(&spec, &[0, 1])
            }]
        );
    }

    #[test]
    fn a_partition_claimed_twice_is_withheld_even_from_a_claimant() {
        let spec = GroupSpec::builder()
            .topic("t", 1)
            .member("a", &["t"])
            .owned(&[("t", 0)], Some(1))
            .member("b", &["t"])
            .owned(&[("t", 0)], Some(1))
            .build();
        let step = first_step(&spec, &target(&spec, &[("a", &[0]), ("b", &[])]));
        assert_eq!(step.members[0].pending, tps(&spec, &[0]));
        assert_eq!(
            step.revocations,
            vec![Revocation {
                member_id: "b".into(),
                partitions: tps(&spec, &[0])
            }]
        );
    }

    #[test]
    fn a_stale_claim_withholds_nothing_from_the_owner_of_the_newer_generation() {
        // Kafka's example: consumer1 owns topic-0, topic-2 and topic2-1 at generation 10;
        // consumer2 claims the same three at generation 9. Kafka's first step withholds nothing.
        let owned = [("topic", 0), ("topic", 2), ("topic2", 1)];
        let spec = GroupSpec::builder()
            .protocol(regroup_assignor_api::Protocol::Cooperative)
            .topic("topic", 3)
            .topic("topic2", 3)
            .member("consumer1", &["topic", "topic2"])
            .owned(&owned, Some(10))
            .member("consumer2", &["topic", "topic2"])
            .owned(&owned, Some(9))
            .build();
        let at = |list: &[(&str, u32)]| -> Vec<TopicPartition> {
            let mut v: Vec<_> = list
                .iter()
                .map(|(t, p)| TopicPartition::new(spec.topic_id(t).unwrap(), *p))
                .collect();
            v.sort_unstable();
            v
        };
        let target = Assignment::new(vec![
            MemberAssignment::new("consumer1", at(&owned)),
            MemberAssignment::new("consumer2", at(&[("topic", 1), ("topic2", 0), ("topic2", 2)])),
        ]);
        let step = first_step(&spec, &target);
        assert_eq!(step.members[0].granted, at(&owned));
        assert!(step.members[0].pending.is_empty());
        assert_eq!(
            step.members[1].granted,
            at(&[("topic", 1), ("topic2", 0), ("topic2", 2)])
        );
        assert!(step.members[1].pending.is_empty());
        // The stale claimant is still told to stop reading what it claims.
        assert_eq!(
            step.revocations,
            vec![Revocation {
                member_id: "consumer2".into(),
                partitions: at(&owned)
            }]
        );
    }

    #[test]
    fn a_partition_of_the_newer_generation_is_withheld_from_the_stale_claimant() {
        let spec = GroupSpec::builder()
            .topic("t", 2)
            .member("a", &["t"])
            .owned(&[("t", 0)], Some(5))
            .member("b", &["t"])
            .owned(&[("t", 0), ("t", 1)], Some(4))
            .build();
        let step = first_step(&spec, &target(&spec, &[("a", &[1]), ("b", &[0])]));
        // t-0 is a's (generation 5): b waits for it. t-1 is b's only claim, so b is its owner.
        assert_eq!(step.members[1].pending, tps(&spec, &[0]));
        assert_eq!(step.members[0].pending, tps(&spec, &[1]));
        assert!(step.members[0].granted.is_empty() && step.members[1].granted.is_empty());
    }

    #[test]
    fn granted_never_overlaps_what_others_own_or_are_granted() {
        // Exhaustive over small cases: 3 members, 4 partitions, every ownership and target map.
        for owned_code in 0..4u32.pow(4) {
            for target_code in (0..3u32.pow(4)).step_by(7) {
                let owner_of = |p: u32| (owned_code / 4u32.pow(p)) % 4; // 3 = nobody
                let target_of = |p: u32| (target_code / 3u32.pow(p)) % 3;
                let mut b = GroupSpec::builder().topic("t", 4);
                for (m, name) in ["a", "b", "c"].iter().enumerate() {
                    let owned: Vec<(&str, u32)> = (0..4)
                        .filter(|&p| owner_of(p) == m as u32)
                        .map(|p| ("t", p))
                        .collect();
                    b = b.member(name, &["t"]).owned(&owned, Some(1));
                }
                let spec = b.build();
                let parts: Vec<(&str, Vec<u32>)> = ["a", "b", "c"]
                    .iter()
                    .enumerate()
                    .map(|(m, n)| (*n, (0..4).filter(|&p| target_of(p) == m as u32).collect()))
                    .collect();
                let parts: Vec<(&str, &[u32])> = parts.iter().map(|(n, v)| (*n, v.as_slice())).collect();
                let step = first_step(&spec, &target(&spec, &parts));
                // After the first step a member holds granted + whatever it still must revoke.
                let mut holder: HashMap<TopicPartition, String> = HashMap::new();
                for (m, s) in step.members.iter().enumerate() {
                    let revoking = step.revocations.iter().find(|r| r.member_id == s.member_id);
                    for tp in s
                        .granted
                        .iter()
                        .chain(revoking.into_iter().flat_map(|r| &r.partitions))
                    {
                        if let Some(other) = holder.insert(*tp, s.member_id.clone()) {
                            panic!(
                                "{tp:?} held by {other} and {} (owned {owned_code}, target {target_code})",
                                s.member_id
                            );
                        }
                    }
                    // Unmoved partitions are granted, never revoked.
                    for tp in &spec.members[m].owned {
                        if target_of(tp.partition) == m as u32 {
                            assert!(s.granted.contains(tp));
                        }
                    }
                }
            }
        }
    }
}
