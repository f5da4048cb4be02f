//! `range`: Kafka's RangeAssignor.
//!
//! Per topic, the members subscribed to it are sorted (static members first, by instance id, then
//! the rest by member id, as Kafka's `MemberInfo` orders them) and the partitions are cut into
//! contiguous ranges; the first `partitions % members` members get one more.
//!
//! Rack awareness (KIP-881), as in Kafka: when members state racks and partitions list replica
//! racks, and for some topic the racks make a difference (a member's rack holds replicas, and not
//! every partition has replicas on every rack), partitions are first matched to members on a
//! replica's rack, within each member's per-topic quota, and the rest are then cut into ranges as
//! usual. Each member still gets `floor` or `ceil` of its share of each topic, and as many members
//! get `ceil` as without racks, so balance is never given up (which members get the extra one may
//! differ). Topics with the same subscribers and the same partition count stay co-partitioned:
//! partition `p` of all of them goes to one member whose rack holds every one of their replicas
//! of `p`, if there is one. A member without a rack matches any partition. Without rack
//! information the result is exactly the rack-less result.

use regroup_assignor_api::model::*;
use regroup_assignor_api::racks::{RackIds, use_rack_aware_assignment};
use regroup_assignor_api::{AssignError, Assignor};

#[derive(Debug, Default, Clone, Copy)]
pub struct RangeAssignor;

impl Assignor for RangeAssignor {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            "range",
            env!("CARGO_PKG_VERSION"),
            "Kafka's RangeAssignor: contiguous ranges of each topic to its sorted subscribers",
            &[Protocol::Eager],
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        let mut order: Vec<usize> = (0..group.members.len()).collect();
        order.sort_by(|&a, &b| kafka_member_order(&group.members[a], &group.members[b]));
        if group
            .members
            .iter()
            .all(|m| m.rack.as_deref().is_none_or(str::is_empty) && m.topics.is_sorted())
        {
            return assign_rack_less(group, &order);
        }
        // Subscribers per topic, already in Kafka's member order.
        let mut subscribers: Vec<Vec<usize>> = vec![Vec::new(); group.topics.len()];
        for &m in &order {
            for t in &group.members[m].topics {
                subscribers
                    .get_mut(t.index())
                    .ok_or_else(|| {
                        format!(
                            "member {:?} subscribes to unknown topic #{}",
                            group.members[m].id, t.0
                        )
                    })?
                    .push(m);
            }
        }
        let mut states: Vec<TopicState> = subscribers
            .into_iter()
            .enumerate()
            .filter(|(t, members)| !members.is_empty() && group.topics[*t].partitions > 0)
            .map(|(t, members)| {
                TopicState::new(
                    TopicId(t as u32),
                    group.topic(TopicId(t as u32)).partitions,
                    members,
                )
            })
            .collect();

        let mut out = Assignment::empty_for(group);
        if let Some(racks) = RackView::new(group, &mut states) {
            assign_with_rack_matching(&racks, &mut states, &mut out);
            for state in &mut states {
                state.assign_ranges(&mut out);
            }
            for m in &mut out.members {
                m.partitions.sort_unstable();
            }
        } else {
            for state in &mut states {
                state.assign_ranges(&mut out);
            }
        }
        Ok(out)
    }
}

/// The result without racks (no member states one), computed directly: the `i`-th of a topic's
/// `n` subscribers in Kafka's order gets the `each + 1` partitions from `i * (each + 1)` when
/// `i < extra`, else the `each` from `i * each + extra` (`each`, `extra`: the quotient and
/// remainder of the partition count by `n`), which is what [`TopicState::assign_ranges`] gives
/// on a fresh topic. Each member's list is filled topic by topic in its (sorted) subscription
/// order, that is in the order the general path pushes.
fn assign_rack_less(group: &GroupSpec, order: &[usize]) -> Result<Assignment, AssignError> {
    let subscribers = group.subscriber_counts()?;
    // Per topic: each subscriber's share, how many get one more, and how many subscribers have
    // been given their range so far (together, so one cache line serves the three).
    let mut quotas: Vec<Quota> = group
        .topics
        .iter()
        .zip(&subscribers)
        .map(|(t, &n)| match n {
            0 => Quota::default(),
            n => Quota {
                each: t.partitions / n,
                extra: t.partitions % n,
                done: 0,
            },
        })
        .collect();
    let mut out = Assignment::empty_for(group);
    // Member by member: a list is written into one scratch vector, then copied out at its exact
    // size (while still in cache), so each member's list is allocated once. This loop runs
    // members x topics times, so it stays free of per-range calls.
    let mut scratch: Vec<TopicPartition> = Vec::new();
    for &m in order {
        scratch.clear();
        for &t in &group.members[m].topics {
            let quota = &mut quotas[t.index()];
            let i = quota.done;
            quota.done += 1;
            let start = i * quota.each + i.min(quota.extra);
            for p in start..start + quota.len_for(i) {
                scratch.push(TopicPartition::new(t, p));
            }
        }
        out.members[m].partitions = scratch.as_slice().to_vec();
    }
    Ok(out)
}

/// A topic's split among its subscribers without racks, and how far it has got.
#[derive(Default, Clone, Copy)]
struct Quota {
    each: u32,
    extra: u32,
    done: u32,
}

impl Quota {
    /// How many partitions the `i`-th subscriber gets.
    fn len_for(&self, i: u32) -> u32 {
        self.each + u32::from(i < self.extra)
    }
}

/// One topic's assignment in progress (Kafka's `TopicAssignmentState`).
struct TopicState {
    topic: TopicId,
    /// Subscribers in Kafka's member order.
    members: Vec<usize>,
    /// Partitions assigned so far, per subscriber (same order as `members`).
    counts: Vec<u32>,
    taken: Vec<bool>,
    /// Partitions before this one are all taken.
    first_free: usize,
    each: u32,
    extra_left: u32,
    /// Kafka's `needsRackAwareAssignment` for this topic.
    needs_racks: bool,
}

impl TopicState {
    fn new(topic: TopicId, partitions: u32, members: Vec<usize>) -> Self {
        let n = members.len() as u32;
        TopicState {
            topic,
            counts: vec![0; members.len()],
            members,
            taken: vec![false; partitions as usize],
            first_free: 0,
            each: partitions / n,
            extra_left: partitions % n,
            needs_racks: false,
        }
    }

    /// How many more partitions of this topic the `i`-th subscriber may take.
    fn max_assignable(&self, i: usize) -> u32 {
        (self.each + u32::from(self.extra_left > 0)).saturating_sub(self.counts[i])
    }

    fn give(&mut self, i: usize, p: usize, out: &mut Assignment) {
        self.taken[p] = true;
        self.counts[i] += 1;
        if self.counts[i] == self.each + 1 {
            self.extra_left -= 1;
        }
        out.members[self.members[i]]
            .partitions
            .push(TopicPartition::new(self.topic, p as u32));
    }

    /// Kafka's `assignRanges` with no rack condition: each subscriber in order takes the next free
    /// partitions up to its quota. Without racks these are plain contiguous ranges.
    fn assign_ranges(&mut self, out: &mut Assignment) {
        for i in 0..self.members.len() {
            let mut want = self.max_assignable(i);
            while want > 0 && self.first_free < self.taken.len() {
                if !self.taken[self.first_free] {
                    self.give(i, self.first_free, out);
                    want -= 1;
                }
                self.first_free += 1;
            }
        }
    }
}

/// Racks, interned, for the topics that have them.
struct RackView {
    /// Each member's rack, if it stated a non-empty one.
    member: Vec<Option<u32>>,
    /// Per topic (by `TopicId`), per partition, the distinct replica racks.
    partition: Vec<Vec<Vec<u32>>>,
}

impl RackView {
    /// `None` when no topic needs rack-aware assignment; marks the topics that do.
    fn new(group: &GroupSpec, states: &mut [TopicState]) -> Option<RackView> {
        let (mut ids, member) = RackIds::members(group)?;
        let mut partition = vec![Vec::new(); group.topics.len()];
        let mut any = false;
        for state in states.iter_mut() {
            let member_racks: Vec<u32> = state.members.iter().filter_map(|&m| member[m]).collect();
            if member_racks.is_empty() {
                continue;
            }
            let topic = group.topic(state.topic);
            let racks: Vec<Vec<u32>> = (0..topic.partitions as usize)
                .map(|p| {
                    let mut r = Vec::new();
                    ids.push_replicas(topic, p, &mut r);
                    r
                })
                .collect();
            state.needs_racks = use_rack_aware_assignment(member_racks, racks.iter().map(Vec::as_slice));
            any |= state.needs_racks;
            partition[state.topic.index()] = racks;
        }
        any.then_some(RackView { member, partition })
    }

    /// Kafka's `racksMatch`: a member without a rack matches anything.
    fn matches(&self, member: usize, topic: TopicId, p: usize) -> bool {
        match self.member[member] {
            None => true,
            Some(r) => self.partition[topic.index()]
                .get(p)
                .is_some_and(|racks| racks.contains(&r)),
        }
    }

    /// Kafka's `partitionRacks.size()`: the partition count if the topic has rack data, else 0.
    fn racked_partitions(&self, topic: TopicId) -> usize {
        self.partition[topic.index()].len()
    }
}

/// Kafka's `assignWithRackMatching`: topics with the same subscribers and the same number of
/// racked partitions are matched together (co-partitioned); any other topic that needs it is
/// matched on its own.
fn assign_with_rack_matching(racks: &RackView, states: &mut [TopicState], out: &mut Assignment) {
    let mut groups: Vec<(Vec<usize>, usize, Vec<usize>)> = Vec::new();
    for (s, state) in states.iter().enumerate() {
        let key = (state.members.clone(), racks.racked_partitions(state.topic));
        match groups.iter_mut().find(|(m, n, _)| *m == key.0 && *n == key.1) {
            Some((_, _, list)) => list.push(s),
            None => groups.push((key.0, key.1, vec![s])),
        }
    }
    for (members, partitions, list) in groups {
        if list.len() > 1 {
            assign_co_partitioned(racks, &members, partitions, &list, states, out);
        } else if states[list[0]].needs_racks {
            let state = &mut states[list[0]];
            for i in 0..state.members.len() {
                let m = state.members[i];
                let mut want = state.max_assignable(i);
                for p in 0..state.taken.len() {
                    if want == 0 {
                        break;
                    }
                    if !state.taken[p] && racks.matches(m, state.topic, p) {
                        state.give(i, p, out);
                        want -= 1;
                    }
                }
            }
        }
    }
}

/// Kafka's `assignCoPartitionedWithRackMatching`: partition `p` of every topic in `list` goes to
/// the first remaining subscriber that matches all their racks and can take one more of each.
fn assign_co_partitioned(
    racks: &RackView,
    members: &[usize],
    partitions: usize,
    list: &[usize],
    states: &mut [TopicState],
    out: &mut Assignment,
) {
    let mut remaining: Vec<usize> = (0..members.len()).collect();
    for p in 0..partitions {
        let found = remaining.iter().position(|&i| {
            list.iter()
                .all(|&s| racks.matches(members[i], states[s].topic, p) && states[s].max_assignable(i) > 0)
        });
        let Some(at) = found else { continue };
        let i = remaining[at];
        for &s in list {
            states[s].give(i, p, out);
        }
        if list.iter().all(|&s| states[s].max_assignable(i) == 0) {
            remaining.remove(at);
            if remaining.is_empty() {
                break;
            }
        }
    }
}

regroup_assignor_api::export_assignor!(RangeAssignor);

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::kit;

    #[test]
    fn splits_each_topic_into_contiguous_ranges_first_members_get_the_extra() {
        let g = GroupSpec::builder()
            .topic("t1", 3)
            .topic("t2", 3)
            .member("c0", &["t1", "t2"])
            .member("c1", &["t1", "t2"])
            .build();
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(
            kit::partition_names(&g, &out, "c0"),
            ["t1-0", "t1-1", "t2-0", "t2-1"]
        );
        assert_eq!(kit::partition_names(&g, &out, "c1"), ["t1-2", "t2-2"]);
    }

    #[test]
    fn static_members_sort_by_instance_id_before_dynamic_members() {
        let g = GroupSpec::builder()
            .topic("t", 3)
            .member("a-dynamic", &["t"])
            .member("z-static", &["t"])
            .instance_id("i1")
            .member("b-static", &["t"])
            .instance_id("i2")
            .build();
        let out = RangeAssignor.assign(&g).unwrap();
        assert_eq!(kit::partition_names(&g, &out, "z-static"), ["t-0"]);
        assert_eq!(kit::partition_names(&g, &out, "b-static"), ["t-1"]);
        assert_eq!(kit::partition_names(&g, &out, "a-dynamic"), ["t-2"]);
    }

    #[test]
    fn a_member_with_no_topics_gets_nothing_and_empty_topics_are_fine() {
        let g = GroupSpec::builder()
            .topic("t", 0)
            .member("c0", &["t"])
            .member("c1", &[])
            .build();
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert!(out.members.iter().all(|m| m.partitions.is_empty()));
    }

    fn racked(topics: &[(&str, &[&str])], members: &[(&str, Option<&str>)]) -> GroupSpec {
        let mut b = GroupSpec::builder();
        for (name, racks) in topics {
            b = b.topic_with_racks(name, racks.iter().map(|r| vec![r.to_string()]).collect());
        }
        let names: Vec<&str> = topics.iter().map(|t| t.0).collect();
        for (id, rack) in members {
            b = b.member(id, &names);
            if let Some(r) = rack {
                b = b.rack(r);
            }
        }
        b.build()
    }

    fn counts_per_topic(out: &Assignment) -> Vec<Vec<(TopicId, usize)>> {
        out.members
            .iter()
            .map(|m| {
                let mut c: Vec<(TopicId, usize)> = Vec::new();
                for tp in &m.partitions {
                    match c.iter_mut().find(|(t, _)| *t == tp.topic) {
                        Some((_, n)) => *n += 1,
                        None => c.push((tp.topic, 1)),
                    }
                }
                c.sort();
                c
            })
            .collect()
    }

    #[test]
    fn rack_aware_matches_partitions_to_member_racks_with_the_rack_less_counts() {
        let g = racked(
            &[("t1", &["a", "b", "c", "a", "b", "c"])],
            &[("c0", Some("a")), ("c1", Some("b")), ("c2", Some("c"))],
        );
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(kit::partition_names(&g, &out, "c0"), ["t1-0", "t1-3"]);
        assert_eq!(kit::partition_names(&g, &out, "c1"), ["t1-1", "t1-4"]);
        assert_eq!(kit::partition_names(&g, &out, "c2"), ["t1-2", "t1-5"]);
        let mut plain = g.clone();
        plain.members.iter_mut().for_each(|m| m.rack = None);
        // Here the counts match member for member, since 6 partitions divide evenly.
        assert_eq!(
            counts_per_topic(&out),
            counts_per_topic(&RangeAssignor.assign(&plain).unwrap())
        );
    }

    #[test]
    fn rack_aware_keeps_co_partitioned_topics_together() {
        let g = racked(
            &[("t1", &["a", "b", "c"]), ("t2", &["a", "b", "c"])],
            &[("c0", Some("c")), ("c1", Some("b")), ("c2", Some("a"))],
        );
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(kit::partition_names(&g, &out, "c2"), ["t1-0", "t2-0"]);
        assert_eq!(kit::partition_names(&g, &out, "c1"), ["t1-1", "t2-1"]);
        assert_eq!(kit::partition_names(&g, &out, "c0"), ["t1-2", "t2-2"]);
    }

    #[test]
    fn rack_aware_never_gives_up_the_range_counts_for_locality() {
        let g = racked(
            &[("t", &["a", "a", "a", "b"])],
            &[("x", Some("a")), ("y", Some("b"))],
        );
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(kit::partition_names(&g, &out, "x"), ["t-0", "t-1"]);
        assert_eq!(kit::partition_names(&g, &out, "y"), ["t-2", "t-3"]);
    }

    #[test]
    fn a_member_without_a_rack_matches_any_partition_in_rack_aware_mode() {
        // As in Kafka, m0 (no rack, first in order) matches everything and takes its quota first;
        // m1 then gets t-3 on its rack, and t-2 in the final range pass.
        let g = racked(
            &[("t", &["b", "a", "b", "a"])],
            &[("m0", None), ("m1", Some("a"))],
        );
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(kit::partition_names(&g, &out, "m0"), ["t-0", "t-1"]);
        assert_eq!(kit::partition_names(&g, &out, "m1"), ["t-2", "t-3"]);
    }

    #[test]
    fn without_partition_racks_or_with_replicas_everywhere_the_result_is_rack_less() {
        let plain = GroupSpec::builder()
            .topic("t1", 5)
            .topic("t2", 3)
            .member("c0", &["t1", "t2"])
            .member("c1", &["t1"])
            .build();
        let want = RangeAssignor.assign(&plain).unwrap();
        let mut members_only = plain.clone();
        members_only.members[0].rack = Some("a".into());
        members_only.members[1].rack = Some("b".into());
        assert_eq!(RangeAssignor.assign(&members_only).unwrap(), want);
        let mut everywhere = members_only.clone();
        for t in &mut everywhere.topics {
            t.replica_racks = Some(vec![vec!["a".into(), "b".into()]; t.partitions as usize]);
        }
        assert_eq!(RangeAssignor.assign(&everywhere).unwrap(), want);
    }

    #[test]
    fn an_unknown_topic_id_is_an_error() {
        let mut g = GroupSpec::builder().topic("t", 1).member("a", &["t"]).build();
        g.members[0].topics = g.members[0].topics.iter().copied().chain([TopicId(4)]).collect();
        assert!(
            RangeAssignor
                .assign(&g)
                .unwrap_err()
                .to_string()
                .contains("unknown topic #4")
        );
    }

    /// Runs range and checks Kafka's expected strings and, when given, the number of partitions
    /// not on their member's rack.
    fn verify(g: &GroupSpec, want: &[&str], mismatched: Option<usize>) {
        let out = RangeAssignor.assign(g).unwrap();
        kit::validate(g, &out).unwrap();
        kit::assert_kafka_rack_assignment(g, &out, want, mismatched);
    }

    const ABC: [Option<&str>; 3] = [Some("a"), Some("b"), Some("c")];
    const AB: [Option<&str>; 2] = [Some("a"), Some("b")];
    const NONE3: [Option<&str>; 3] = [None, None, None];

    /// Kafka's `verifyNonRackAwareAssignment`: every combination where racks make no difference.
    fn verify_rack_less(topics: &[(&str, u32)], subs: &[&[&str]], want: &[&str]) {
        let abcd = [Some("a"), Some("b"), Some("c"), Some("d")];
        verify(&kit::kafka_rack_layout(topics, 3, &NONE3, &ABC, subs), want, None);
        verify(&kit::kafka_rack_layout(topics, 3, &ABC, &NONE3, subs), want, None);
        verify(
            &kit::kafka_rack_layout(topics, 3, &ABC, &ABC, subs),
            want,
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(topics, 4, &abcd, &ABC, subs),
            want,
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(topics, 3, &ABC, &[Some("d"), Some("e"), Some("f")], subs),
            want,
            None,
        );
        verify(
            &kit::kafka_rack_layout(topics, 3, &ABC, &[None, Some("e"), Some("f")], subs),
            want,
            None,
        );
    }

    #[test]
    fn kafka_rack_aware_uniform_subscription() {
        let topics = [("t1", 6), ("t2", 7), ("t3", 2)];
        let all: &[&str] = &["t1", "t2", "t3"];
        let subs = [all, all, all];
        let rack_less = [
            "t1-0, t1-1, t2-0, t2-1, t2-2, t3-0",
            "t1-2, t1-3, t2-3, t2-4, t3-1",
            "t1-4, t1-5, t2-5, t2-6",
        ];
        verify_rack_less(&topics, &subs, &rack_less);
        verify(
            &kit::kafka_rack_layout(&topics, 1, &ABC, &ABC, &subs),
            &[
                "t1-0, t1-3, t2-0, t2-3, t2-6",
                "t1-1, t1-4, t2-1, t2-4, t3-0",
                "t1-2, t1-5, t2-2, t2-5, t3-1",
            ],
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &ABC, &ABC, &subs),
            &[
                "t1-0, t1-2, t2-0, t2-2, t2-3, t3-1",
                "t1-1, t1-3, t2-1, t2-4, t3-0",
                "t1-4, t1-5, t2-5, t2-6",
            ],
            Some(1),
        );
        // One member on a rack with no replicas.
        verify(
            &kit::kafka_rack_layout(&topics, 3, &AB, &ABC, &subs),
            &rack_less,
            Some(4),
        );
    }

    #[test]
    fn kafka_rack_aware_non_equal_subscription() {
        let topics = [("t1", 6), ("t2", 7), ("t3", 2)];
        let all: &[&str] = &["t1", "t2", "t3"];
        let subs = [all, all, &["t1", "t3"][..]];
        let rack_less = [
            "t1-0, t1-1, t2-0, t2-1, t2-2, t2-3, t3-0",
            "t1-2, t1-3, t2-4, t2-5, t2-6, t3-1",
            "t1-4, t1-5",
        ];
        verify_rack_less(&topics, &subs, &rack_less);
        verify(
            &kit::kafka_rack_layout(&topics, 1, &ABC, &ABC, &subs),
            &[
                "t1-0, t1-3, t2-0, t2-2, t2-3, t2-6",
                "t1-1, t1-4, t2-1, t2-4, t2-5, t3-0",
                "t1-2, t1-5, t3-1",
            ],
            Some(2),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &ABC, &ABC, &subs),
            &[
                "t1-0, t1-2, t2-0, t2-2, t2-3, t2-5, t3-1",
                "t1-1, t1-3, t2-1, t2-4, t2-6, t3-0",
                "t1-4, t1-5",
            ],
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 3, &AB, &ABC, &subs),
            &rack_less,
            Some(2),
        );
    }

    #[test]
    fn kafka_rack_aware_prefers_co_partitioning_over_racks() {
        let topics = [("t1", 5), ("t2", 5), ("t3", 5)];
        let all: &[&str] = &["t1", "t2", "t3"];
        let subs = [all, all, all];
        let rack_less = [
            "t1-0, t1-1, t2-0, t2-1, t3-0, t3-1",
            "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3",
            "t1-4, t2-4, t3-4",
        ];
        verify_rack_less(&topics, &subs, &rack_less);
        verify(
            &kit::kafka_rack_layout(&topics, 1, &ABC, &ABC, &subs),
            &rack_less,
            Some(10),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &ABC, &ABC, &subs),
            &rack_less,
            Some(5),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 3, &AB, &ABC, &subs),
            &rack_less,
            Some(3),
        );

        let subs = [all, all, &["t1", "t3"][..]];
        let rack_less = [
            "t1-0, t1-1, t2-0, t2-1, t2-2, t3-0, t3-1",
            "t1-2, t1-3, t2-3, t2-4, t3-2, t3-3",
            "t1-4, t3-4",
        ];
        verify_rack_less(&topics, &subs, &rack_less);
        verify(
            &kit::kafka_rack_layout(&topics, 1, &ABC, &ABC, &subs),
            &[
                "t1-0, t1-1, t2-0, t2-1, t2-4, t3-0, t3-1",
                "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3",
                "t1-4, t3-4",
            ],
            Some(9),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &ABC, &ABC, &subs),
            &[
                "t1-2, t2-0, t2-1, t2-3, t3-2",
                "t1-0, t1-3, t2-2, t2-4, t3-0, t3-3",
                "t1-1, t1-4, t3-1, t3-4",
            ],
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 3, &AB, &ABC, &subs),
            &rack_less,
            Some(2),
        );
    }

    #[test]
    fn kafka_rack_aware_co_partitioning() {
        let topics = [("t1", 6), ("t2", 6), ("t3", 2), ("t4", 2)];
        let racks = [Some("a"), Some("b"), Some("b"), Some("a")];
        let (t12, t34): (&[&str], &[&str]) = (&["t1", "t2"], &["t3", "t4"]);
        let subs = [t12, t12, t34, t34];
        let rack_less = [
            "t1-0, t1-1, t1-2, t2-0, t2-1, t2-2",
            "t1-3, t1-4, t1-5, t2-3, t2-4, t2-5",
            "t3-0, t4-0",
            "t3-1, t4-1",
        ];
        verify(
            &kit::kafka_rack_layout(&topics, 3, &AB, &racks, &subs),
            &rack_less,
            None,
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &AB, &racks, &subs),
            &rack_less,
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 1, &AB, &racks, &subs),
            &[
                "t1-0, t1-2, t1-4, t2-0, t2-2, t2-4",
                "t1-1, t1-3, t1-5, t2-1, t2-3, t2-5",
                "t3-1, t4-1",
                "t3-0, t4-0",
            ],
            Some(0),
        );

        let all: &[&str] = &["t1", "t2", "t3", "t4"];
        let subs = [all, all, all, all];
        let rack_less = [
            "t1-0, t1-1, t2-0, t2-1, t3-0, t4-0",
            "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1",
            "t1-4, t2-4",
            "t1-5, t2-5",
        ];
        verify(
            &kit::kafka_rack_layout(&topics, 3, &AB, &racks, &subs),
            &rack_less,
            None,
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &AB, &racks, &subs),
            &rack_less,
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 1, &AB, &racks, &subs),
            &[
                "t1-0, t1-2, t2-0, t2-2, t3-0, t4-0",
                "t1-1, t1-3, t2-1, t2-3, t3-1, t4-1",
                "t1-5, t2-5",
                "t1-4, t2-4",
            ],
            Some(0),
        );
        verify(
            &kit::kafka_rack_layout(&topics, 1, &ABC, &racks, &subs),
            &[
                "t1-0, t1-3, t2-0, t2-3, t3-0, t4-0",
                "t1-1, t1-4, t2-1, t2-4, t3-1, t4-1",
                "t1-2, t2-2",
                "t1-5, t2-5",
            ],
            Some(6),
        );
    }

    #[test]
    fn kafka_co_partitioned_assignment_with_same_subscription() {
        let topics = [("t1", 6), ("t2", 6), ("t3", 2), ("t4", 2), ("t5", 4), ("t6", 4)];
        // t7..t9 are subscribed but do not exist.
        let all: &[&str] = &["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"];
        let subs = [all, all, all];
        verify(
            &kit::kafka_rack_layout(&topics, 3, &NONE3, &ABC, &subs),
            &[
                "t1-0, t1-1, t2-0, t2-1, t3-0, t4-0, t5-0, t5-1, t6-0, t6-1",
                "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1, t5-2, t6-2",
                "t1-4, t1-5, t2-4, t2-5, t5-3, t6-3",
            ],
            None,
        );
        verify(
            &kit::kafka_rack_layout(&topics, 2, &ABC, &ABC, &subs),
            &[
                "t1-0, t1-2, t2-0, t2-2, t3-0, t4-0, t5-1, t6-1",
                "t1-1, t1-3, t2-1, t2-3, t3-1, t4-1, t5-2, t6-2",
                "t1-4, t1-5, t2-4, t2-5, t5-0, t5-3, t6-0, t6-3",
            ],
            Some(0),
        );
    }
}
