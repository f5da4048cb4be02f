//! The cooperative withholding rule, as one pure function shared by the coordinator and the
//! `regroup assign` simulator.
//!
//! A partition that stays with its owner is never paused. A partition that moves is first revoked
//! by its owner; its new owner receives it only once the owner confirms (or its session expires),
//! so no partition ever has two owners. [`first_step`] computes what each member may hold at once.

use std::collections::HashMap;

use regroup_assignor_api::model::{Assignment, GroupSpec, TopicPartition};

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
    /// Its target minus any partition another member owns now; sorted.
    pub granted: Vec<TopicPartition>,
    /// Its target partitions that another member owns now, withheld until revoked; sorted.
    pub pending: Vec<TopicPartition>,
}

/// Partitions an owner holds now that its target does not include; sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revocation {
    pub member_id: String,
    pub partitions: Vec<TopicPartition>,
}

/// Splits `target` into what can be granted at once and what must wait for a revocation, given
/// what each member of `group` owns now (`Member::owned`). A member missing from `target` is given
/// nothing (and revokes all it owns). A partition claimed by several members (which a sound group
/// never has) is withheld from everyone until all but its target owner give it up.
pub fn first_step(group: &GroupSpec, target: &Assignment) -> CooperativeStep {
    // Owner per partition: the first claimant, and whether others claim it too.
    let mut owners: HashMap<TopicPartition, (usize, bool)> = HashMap::new();
    for (m, member) in group.members.iter().enumerate() {
        for &tp in &member.owned {
            owners
                .entry(tp)
                .and_modify(|(_, shared)| *shared |= true)
                .or_insert((m, false));
        }
    }
    let by_id: HashMap<&str, usize> = target
        .members
        .iter()
        .enumerate()
        .map(|(i, a)| (a.member_id.as_str(), i))
        .collect();
    let mut members = Vec::with_capacity(group.members.len());
    let mut revocations = Vec::new();
    for (m, member) in group.members.iter().enumerate() {
        let wanted: &[TopicPartition] = by_id
            .get(member.id.as_str())
            .map_or(&[], |&i| &target.members[i].partitions);
        let mut step = MemberStep {
            member_id: member.id.clone(),
            ..Default::default()
        };
        for &tp in wanted {
            let held_by_another = owners
                .get(&tp)
                .is_some_and(|&(owner, shared)| shared || owner != m);
            if held_by_another {
                step.pending.push(tp)
            } else {
                step.granted.push(tp)
            }
        }
        step.granted.sort_unstable();
        step.pending.sort_unstable();
        let mut keep: Vec<TopicPartition> = wanted.to_vec();
        keep.sort_unstable();
        let mut give_up: Vec<TopicPartition> = member
            .owned
            .iter()
            .copied()
            .filter(|tp| keep.binary_search(tp).is_err())
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
        Assignment {
            members: parts
                .iter()
                .map(|(m, ps)| MemberAssignment {
                    member_id: m.to_string(),
                    partitions: ps.iter().map(|&p| TopicPartition::new(t, p)).collect(),
                    user_data: vec![],
                })
                .collect(),
        }
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
