//! The plugin author's test kit: is an assignment valid, how balanced is it, how much did it move,
//! which partitions did a member get, how many sit off their member's rack; and Kafka's rack-aware
//! test layout ([`kafka_rack_layout`]) to port Kafka's rack tests.
//!
//! ```
//! use regroup_assignor_api::kit;
//! use regroup_assignor_api::model::{Assignment, GroupSpec};
//! let spec = GroupSpec::builder().topic("t", 2).member("a", &["t"]).member("b", &["t"]).build();
//! let mut out = Assignment::empty_for(&spec);
//! out.members[0].partitions = spec.partitions_of(spec.topic_id("t").unwrap()).collect();
//! kit::validate(&spec, &out).unwrap();
//! assert_eq!(kit::balance(&spec, &out).spread(), 2);
//! ```

use std::collections::HashMap;
use std::fmt;

use crate::model::{Assignment, GroupSpec, Member, Protocol, Subscription, Topic, TopicId, TopicPartition};

/// The first thing wrong with an assignment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("member {member:?} is not in the group")]
    UnknownMember { member: String },
    #[error("member {member:?} appears more than once in the assignment")]
    DuplicateMember { member: String },
    #[error("member {member:?} was given {partition}, which does not exist")]
    UnknownPartition { member: String, partition: String },
    #[error("member {member:?} was given {partition} but does not subscribe to its topic")]
    NotSubscribed { member: String, partition: String },
    #[error("{partition} was given to both {first:?} and {second:?}")]
    AssignedTwice {
        partition: String,
        first: String,
        second: String,
    },
    #[error("{partition} is subscribed but was given to no member ({count} unassigned in all)")]
    Unassigned { partition: String, count: usize },
}

/// Checks that every partition of every subscribed topic goes to exactly one member, only to
/// members subscribed to its topic, and that no unknown member or partition appears.
/// Members missing from the assignment receive nothing.
pub fn validate(spec: &GroupSpec, assignment: &Assignment) -> Result<(), Violation> {
    // Entries usually come in the spec's member order (`Assignment::empty_for`): the index by id
    // is built only for one that does not.
    let mut by_id: Option<HashMap<&str, usize>> = None;
    // One bit set over every partition, topic by topic: a million partitions take 125 KiB, which
    // stays in cache however the partitions are spread. Per topic, its first bit and its
    // partition count (16 bytes a topic, where `Topic`s take 56 and would crowd the bits out).
    let mut spans: Vec<(usize, u32)> = Vec::with_capacity(spec.topics.len());
    let mut total = 0usize;
    for t in &spec.topics {
        spans.push((total, t.partitions));
        total += t.partitions as usize;
    }
    let mut taken = vec![0u64; total.div_ceil(64)];
    let mut assigned = 0usize;
    let mut seen = vec![false; spec.members.len()];
    let mut subscribed_bits = vec![0u64; spec.topics.len().div_ceil(64)];
    let mut last_subscription: Option<&Subscription> = None;
    for (e, entry) in assignment.members.iter().enumerate() {
        let index = match spec.members.get(e) {
            Some(m) if m.id == entry.member_id => e,
            _ => {
                let by_id = by_id.get_or_insert_with(|| {
                    spec.members
                        .iter()
                        .enumerate()
                        .map(|(i, m)| (m.id.as_str(), i))
                        .collect()
                });
                let Some(&index) = by_id.get(entry.member_id.as_str()) else {
                    return Err(Violation::UnknownMember {
                        member: entry.member_id.clone(),
                    });
                };
                index
            }
        };
        if std::mem::replace(&mut seen[index], true) {
            return Err(Violation::DuplicateMember {
                member: entry.member_id.clone(),
            });
        }
        // The member's topics as bits, rebuilt only when its subscription is not the previous
        // member's (members with the same subscription share one list).
        let subscription = &spec.members[index].topics;
        if !last_subscription.is_some_and(|last| last.shares(subscription)) {
            subscribed_bits.iter_mut().for_each(|w| *w = 0);
            for t in subscription {
                if let Some(w) = subscribed_bits.get_mut(t.index() / 64) {
                    *w |= 1u64 << (t.index() % 64);
                }
            }
            last_subscription = Some(subscription);
        }
        let partitions = &entry.partitions;
        for &tp in partitions {
            let t = tp.topic.index();
            let Some(&(base, count)) = spans.get(t) else {
                return Err(Violation::UnknownPartition {
                    member: entry.member_id.clone(),
                    partition: spec.display(tp),
                });
            };
            if subscribed_bits[t / 64] & (1u64 << (t % 64)) == 0 {
                return Err(Violation::NotSubscribed {
                    member: entry.member_id.clone(),
                    partition: spec.display(tp),
                });
            }
            if tp.partition >= count {
                return Err(Violation::UnknownPartition {
                    member: entry.member_id.clone(),
                    partition: spec.display(tp),
                });
            }
            let bit = base + tp.partition as usize;
            let (word, mask) = (&mut taken[bit / 64], 1u64 << (bit % 64));
            if *word & mask != 0 {
                return Err(Violation::AssignedTwice {
                    partition: spec.display(tp),
                    first: first_holder(assignment, e, tp).to_owned(),
                    second: entry.member_id.clone(),
                });
            }
            *word |= mask;
        }
        assigned += partitions.len();
    }
    // Every partition counted in `assigned` is distinct, exists, and belongs to a topic its
    // member subscribes to: all subscribed partitions are assigned exactly when the counts agree.
    let mut subscribed = vec![false; spec.topics.len()];
    let mut last: Option<&Subscription> = None;
    for m in &spec.members {
        if last.is_some_and(|last| last.shares(&m.topics)) {
            continue; // the same list as the member before: already marked
        }
        for t in &m.topics {
            if let Some(s) = subscribed.get_mut(t.index()) {
                *s = true;
            }
        }
        last = Some(&m.topics);
    }
    let wanted: usize = spec
        .topics
        .iter()
        .zip(&subscribed)
        .filter(|(_, s)| **s)
        .map(|(t, _)| t.partitions as usize)
        .sum();
    if assigned == wanted {
        return Ok(());
    }
    let first = spec
        .topics
        .iter()
        .enumerate()
        .filter(|(t, _)| subscribed[*t])
        .flat_map(|(t, topic)| (0..topic.partitions).map(move |p| (t, p)))
        .find(|&(t, p)| {
            let bit = spans[t].0 + p as usize;
            taken[bit / 64] & (1u64 << (bit % 64)) == 0
        })
        .map(|(t, p)| TopicPartition::new(crate::model::TopicId(t as u32), p))
        .expect("fewer partitions assigned than subscribed, so one is free");
    Err(Violation::Unassigned {
        partition: spec.display(first),
        count: wanted - assigned,
    })
}

/// Who was given `tp` before entry `e` was: an earlier entry, or entry `e` itself, earlier in its
/// list. Only called when `tp` was taken, so one of them holds it.
fn first_holder(assignment: &Assignment, e: usize, tp: TopicPartition) -> &str {
    assignment.members[..e]
        .iter()
        .find(|m| m.partitions.contains(&tp))
        .unwrap_or(&assignment.members[e])
        .member_id
        .as_str()
}

/// Partitions per member: the fewest and the most any member of the group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub min: usize,
    pub max: usize,
}

impl Balance {
    /// Max minus min: 0 or 1 is as balanced as uniform subscriptions allow.
    pub fn spread(&self) -> usize {
        self.max - self.min
    }
}

impl fmt::Display for Balance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "min {} max {} partitions per member", self.min, self.max)
    }
}

/// Counts over every member of the group; a member left out of the assignment holds zero.
pub fn balance(spec: &GroupSpec, assignment: &Assignment) -> Balance {
    let counts: HashMap<&str, usize> = assignment
        .members
        .iter()
        .map(|m| (m.member_id.as_str(), m.partitions.len()))
        .collect();
    let mut all = spec
        .members
        .iter()
        .map(|m| counts.get(m.id.as_str()).copied().unwrap_or(0));
    let Some(first) = all.next() else {
        return Balance { min: 0, max: 0 };
    };
    all.fold(
        Balance {
            min: first,
            max: first,
        },
        |b, n| Balance {
            min: b.min.min(n),
            max: b.max.max(n),
        },
    )
}

/// How many previously owned partitions now belong to a member that did not claim them.
/// A partition claimed by several members (a conflict) counts once, and not at all if it stays
/// with one of its claimants.
pub fn movement(spec: &GroupSpec, assignment: &Assignment) -> usize {
    // Flat arrays over every partition, laid out topic by topic: a million partitions cost a few
    // megabytes, not a map entry each.
    let mut offsets = Vec::with_capacity(spec.topics.len());
    let mut total = 0usize;
    for t in &spec.topics {
        offsets.push(total);
        total += t.partitions as usize;
    }
    let slot = |tp: &TopicPartition| {
        let topic = spec.topics.get(tp.topic.index())?;
        (tp.partition < topic.partitions).then(|| offsets[tp.topic.index()] + tp.partition as usize)
    };
    let index: HashMap<&str, u32> = spec
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i as u32 + 1))
        .collect();
    // New owner per partition, as member index + 1 (0: nobody).
    let mut new_owner = vec![0u32; total];
    for m in &assignment.members {
        let Some(&owner) = index.get(m.member_id.as_str()) else {
            continue;
        };
        for tp in &m.partitions {
            if let Some(s) = slot(tp) {
                new_owner[s] = owner;
            }
        }
    }
    const UNCLAIMED: u8 = 0;
    const STAYED: u8 = 1;
    const LEFT: u8 = 2;
    let mut state = vec![UNCLAIMED; total];
    // Claims of partitions that do not exist (any more) have left their claimants.
    let mut vanished = std::collections::HashSet::new();
    for (i, m) in spec.members.iter().enumerate() {
        for tp in &m.owned {
            match slot(tp) {
                Some(s) if new_owner[s] == i as u32 + 1 => state[s] = STAYED,
                Some(s) if state[s] == UNCLAIMED => state[s] = LEFT,
                Some(_) => {}
                None => {
                    vanished.insert(*tp);
                }
            }
        }
    }
    state.iter().filter(|&&s| s == LEFT).count() + vanished.len()
}

/// The partitions `member_id` was given, as `"topic-partition"` strings ([`GroupSpec::display`]),
/// sorted by topic name then partition number (so `t-2` comes before `t-10`).
///
/// # Panics
/// If `member_id` is not in the assignment: a test helper, it fails the test loudly.
///
/// ```
/// use regroup_assignor_api::kit;
/// use regroup_assignor_api::model::{Assignment, GroupSpec, TopicPartition};
/// let spec = GroupSpec::builder().topic("t", 12).member("a", &["t"]).build();
/// let t = spec.topic_id("t").unwrap();
/// let mut out = Assignment::empty_for(&spec);
/// out.members[0].partitions = vec![TopicPartition::new(t, 10), TopicPartition::new(t, 2)];
/// assert_eq!(kit::partition_names(&spec, &out, "a"), ["t-2", "t-10"]);
/// ```
pub fn partition_names(spec: &GroupSpec, assignment: &Assignment, member_id: &str) -> Vec<String> {
    let mut partitions = assignment
        .partitions_of(member_id)
        .unwrap_or_else(|| panic!("member {member_id:?} is not in the assignment"))
        .to_vec();
    partitions.sort_unstable();
    partitions.into_iter().map(|tp| spec.display(tp)).collect()
}

/// How many assigned partitions sit off their member's rack: the member states a rack and the
/// partition lists replica racks, none of them the member's. Members without a rack and
/// partitions whose replica racks are unknown count for nothing.
///
/// ```
/// use regroup_assignor_api::kit;
/// use regroup_assignor_api::model::{Assignment, GroupSpec};
/// let spec = GroupSpec::builder()
///     .topic_with_racks("t", vec![vec!["a".into()], vec!["b".into()]])
///     .member("m", &["t"])
///     .rack("a")
///     .build();
/// let mut out = Assignment::empty_for(&spec);
/// out.members[0].partitions = spec.partitions_of(spec.topic_id("t").unwrap()).collect();
/// assert_eq!(kit::rack_mismatches(&spec, &out), 1); // t-1 is only on rack b
/// ```
pub fn rack_mismatches(spec: &GroupSpec, assignment: &Assignment) -> usize {
    let racks: HashMap<&str, &str> = spec
        .members
        .iter()
        .filter_map(|m| m.rack.as_deref().map(|r| (m.id.as_str(), r)))
        .collect();
    assignment
        .members
        .iter()
        .filter_map(|a| racks.get(a.member_id.as_str()).map(|r| (a, *r)))
        .map(|(a, rack)| {
            a.partitions
                .iter()
                .filter(|tp| {
                    spec.topics
                        .get(tp.topic.index())
                        .and_then(|t| t.replica_racks.as_ref())
                        .and_then(|all| all.get(tp.partition as usize))
                        .is_some_and(|replicas| !replicas.iter().any(|r| r == rack))
                })
                .count()
        })
        .sum()
}

/// The broker layout of Kafka's rack-aware assignor tests (`verifyRackAssignment` in
/// `RangeAssignorTest`, `AbstractStickyAssignorTest`), to port them as they are.
///
/// Broker `i` sits on rack `brokers[i]` (`None`: no rack). Partition `p` of a topic has `rf`
/// replicas, on brokers `(p + j + offset) % brokers.len()` for `j < rf`, `offset` being the total
/// partition count of the topics listed before it; replicas on rack-less brokers list no rack.
/// Member `i` is `consumer{i}`, on rack `racks[i]`, subscribed to `subscriptions[i]` (one member
/// per pair of the two). Owned partitions, user data and so on are left for the caller to set.
///
/// ```
/// use regroup_assignor_api::kit;
/// let g = kit::kafka_rack_layout(&[("t1", 2)], 2, &[Some("a"), Some("b"), None], &[Some("a")], &[&["t1"]]);
/// assert_eq!(g.topics[0].replica_racks, Some(vec![vec!["a".to_string(), "b".to_string()], vec!["b".to_string()]]));
/// assert_eq!((g.members[0].id.as_str(), g.members[0].rack.as_deref()), ("consumer0", Some("a")));
/// ```
pub fn kafka_rack_layout(
    topics: &[(&str, u32)],
    rf: usize,
    brokers: &[Option<&str>],
    racks: &[Option<&str>],
    subscriptions: &[&[&str]],
) -> GroupSpec {
    let mut b = GroupSpec::builder();
    let mut offset = 0;
    for &(name, n) in topics {
        let replicas = (0..n as usize)
            .map(|p| {
                (0..rf)
                    .filter_map(|j| brokers[(p + j + offset) % brokers.len()])
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        b = b.topic_with_racks(name, replicas);
        offset += n as usize;
    }
    for (i, (rack, topics)) in racks.iter().zip(subscriptions).enumerate() {
        b = b.member(&format!("consumer{i}"), topics);
        if let Some(r) = rack {
            b = b.rack(r);
        }
    }
    b.build()
}

/// The check of Kafka's rack-aware assignor tests (`verifyRackAssignment`), for ported tests:
/// member `i` of the assignment holds exactly the partitions `want[i]` lists (Kafka's expected
/// strings: [`partition_names`] joined by `", "`) and, when `mismatched` is given, that many
/// partitions sit off their member's rack ([`rack_mismatches`]).
///
/// # Panics
/// On any difference, naming it: it is an assertion.
#[track_caller]
pub fn assert_kafka_rack_assignment(
    spec: &GroupSpec,
    assignment: &Assignment,
    want: &[&str],
    mismatched: Option<usize>,
) {
    let got: Vec<String> = assignment
        .members
        .iter()
        .map(|m| partition_names(spec, assignment, &m.member_id).join(", "))
        .collect();
    assert_eq!(got, want);
    if let Some(n) = mismatched {
        assert_eq!(
            rack_mismatches(spec, assignment),
            n,
            "partitions off their member's rack"
        );
    }
}

/// Kafka's large-group benchmark shape (`testLargeAssignmentAndGroupWith*`): `members` members over
/// `topics` topics of `partitions` partitions each, all subscribed to every topic, except that with
/// `narrow_last` the last member subscribes to the first topic only.
pub fn large_group(
    members: usize,
    topics: usize,
    partitions: u32,
    narrow_last: bool,
    protocol: Protocol,
) -> GroupSpec {
    let all: Subscription = (0..topics as u32).map(TopicId).collect();
    GroupSpec {
        generation: 1,
        protocol,
        topics: (0..topics)
            .map(|t| Topic {
                name: format!("topic-{t:04}"),
                partitions,
                replica_racks: None,
            })
            .collect(),
        members: (0..members)
            .map(|m| Member {
                id: format!("member-{m:05}"),
                instance_id: None,
                topics: if narrow_last && m + 1 == members {
                    vec![TopicId(0)].into()
                } else {
                    all.clone()
                },
                user_data: Vec::new(),
                owned: Vec::new(),
                owned_generation: None,
                rack: None,
            })
            .collect(),
        group_id: None,
    }
}

/// The rebalance after `out`: the next generation, in which every member but the first reports
/// what it got in `fresh`'s generation (the first reports nothing, as in Kafka's tests).
pub fn next_round(fresh: &GroupSpec, out: &Assignment) -> GroupSpec {
    let mut next = fresh.clone();
    next.generation = fresh.generation + 1;
    for (member, got) in next.members.iter_mut().zip(&out.members).skip(1) {
        assert_eq!(
            member.id, got.member_id,
            "the assignment lists members in the group's order"
        );
        member.owned = got.partitions.clone();
        member.owned_generation = Some(fresh.generation);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemberAssignment, TopicId};

    /// The definition of `movement`, written plainly, to check the fast one against.
    fn movement_by_definition(spec: &GroupSpec, assignment: &Assignment) -> usize {
        let new_owner: HashMap<TopicPartition, &str> = assignment
            .members
            .iter()
            .flat_map(|m| m.partitions.iter().map(move |tp| (*tp, m.member_id.as_str())))
            .collect();
        let mut claimants: HashMap<TopicPartition, Vec<&str>> = HashMap::new();
        for m in &spec.members {
            for tp in &m.owned {
                claimants.entry(*tp).or_default().push(m.id.as_str());
            }
        }
        claimants
            .iter()
            .filter(|(tp, owners)| new_owner.get(tp).is_none_or(|now| !owners.contains(now)))
            .count()
    }

    /// `validate` as it was, one owner slot per partition and a lookup per topic: the fast one
    /// must give the same verdict and the same violation.
    fn validate_with_owner_array(spec: &GroupSpec, assignment: &Assignment) -> Result<(), Violation> {
        let members: HashMap<&str, usize> = spec
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        // Owner per partition, as member index + 1 (0 = free), laid out topic by topic.
        let mut offsets = Vec::with_capacity(spec.topics.len() + 1);
        let mut total = 0usize;
        for t in &spec.topics {
            offsets.push(total);
            total += t.partitions as usize;
        }
        let mut owner = vec![0u32; total];
        let mut seen = std::collections::HashSet::with_capacity(assignment.members.len());
        for entry in &assignment.members {
            let Some(&index) = members.get(entry.member_id.as_str()) else {
                return Err(Violation::UnknownMember {
                    member: entry.member_id.clone(),
                });
            };
            if !seen.insert(index) {
                return Err(Violation::DuplicateMember {
                    member: entry.member_id.clone(),
                });
            }
            let subscribed = &spec.members[index].topics;
            // Partitions come grouped by topic: check a topic once per run, not once per partition.
            let mut checked: Option<(TopicId, u32)> = None;
            for &tp in &entry.partitions {
                let partitions = match checked {
                    Some((topic, partitions)) if topic == tp.topic => partitions,
                    _ => {
                        let Some(topic) = spec.topics.get(tp.topic.index()) else {
                            return Err(Violation::UnknownPartition {
                                member: entry.member_id.clone(),
                                partition: spec.display(tp),
                            });
                        };
                        if subscribed.binary_search(&tp.topic).is_err() {
                            return Err(Violation::NotSubscribed {
                                member: entry.member_id.clone(),
                                partition: spec.display(tp),
                            });
                        }
                        checked = Some((tp.topic, topic.partitions));
                        topic.partitions
                    }
                };
                if tp.partition >= partitions {
                    return Err(Violation::UnknownPartition {
                        member: entry.member_id.clone(),
                        partition: spec.display(tp),
                    });
                }
                let slot = &mut owner[offsets[tp.topic.index()] + tp.partition as usize];
                if *slot != 0 {
                    return Err(Violation::AssignedTwice {
                        partition: spec.display(tp),
                        first: spec.members[*slot as usize - 1].id.clone(),
                        second: entry.member_id.clone(),
                    });
                }
                *slot = index as u32 + 1;
            }
        }
        let mut subscribed = vec![false; spec.topics.len()];
        for m in &spec.members {
            for t in &m.topics {
                if let Some(s) = subscribed.get_mut(t.index()) {
                    *s = true;
                }
            }
        }
        let mut first = None;
        let mut count = 0;
        for (t, topic) in spec.topics.iter().enumerate().filter(|(t, _)| subscribed[*t]) {
            for p in 0..topic.partitions {
                if owner[offsets[t] + p as usize] == 0 {
                    first.get_or_insert(TopicPartition::new(TopicId(t as u32), p));
                    count += 1;
                }
            }
        }
        match first {
            Some(tp) => Err(Violation::Unassigned {
                partition: spec.display(tp),
                count,
            }),
            None => Ok(()),
        }
    }

    proptest::proptest! {
        #[test]
        fn validate_matches_the_owner_array_version(
            subs in proptest::collection::vec(proptest::collection::vec(0u32..4, 0..4), 1..5),
            given in proptest::collection::vec(
                (0usize..6, proptest::collection::vec((0u32..4, 0u32..4), 0..8)),
                0..6,
            ),
        ) {
            // Topic 3 is never declared: `topic #3` is unknown; `m5` is not in the group.
            let names = ["a", "b", "c"];
            let mut builder = GroupSpec::builder().topic("a", 3).topic("b", 2).topic("c", 1);
            for (i, topics) in subs.iter().enumerate() {
                let topics: Vec<&str> = topics.iter().filter(|&&t| t < 3).map(|&t| names[t as usize]).collect();
                builder = builder.member(&format!("m{i}"), &topics);
            }
            let spec = builder.build();
            let out = Assignment {
                members: given
                    .iter()
                    .map(|(m, parts)| MemberAssignment {
                        member_id: format!("m{m}"),
                        partitions: parts.iter().map(|&(t, p)| TopicPartition::new(TopicId(t), p)).collect(),
                        user_data: vec![],
                    })
                    .collect(),
            };
            proptest::prop_assert_eq!(validate(&spec, &out), validate_with_owner_array(&spec, &out));
            // And on a complete assignment: each topic to its first subscriber.
            let mut full = Assignment::empty_for(&spec);
            for t in 0..spec.topics.len() {
                let topic = TopicId(t as u32);
                let Some(m) = spec.members.iter().position(|m| m.topics.contains(&topic)) else {
                    continue;
                };
                full.members[m].partitions.extend(spec.partitions_of(topic));
            }
            proptest::prop_assert_eq!(validate(&spec, &full), Ok(()));
            proptest::prop_assert_eq!(validate_with_owner_array(&spec, &full), Ok(()));
        }
    }

    proptest::proptest! {
        #[test]
        fn movement_matches_its_definition(
            claims in proptest::collection::vec(proptest::collection::vec((0u32..2, 0u32..5), 0..6), 1..6),
            given in proptest::collection::vec(proptest::collection::vec((0u32..2, 0u32..4), 0..6), 1..6),
        ) {
            // Claims may name partitions that no longer exist (p = 4); assignments never do.
            let mut builder = GroupSpec::builder().topic("a", 4).topic("b", 4);
            for (i, owned) in claims.iter().enumerate() {
                let owned: Vec<(&str, u32)> = owned.iter().map(|(t, p)| (["a", "b"][*t as usize], *p)).collect();
                builder = builder.member(&format!("m{i}"), &["a", "b"]).owned(&owned, Some(1));
            }
            let spec = builder.build();
            let mut out = Assignment::empty_for(&spec);
            for (m, parts) in out.members.iter_mut().zip(&given) {
                m.partitions = parts.iter().map(|(t, p)| TopicPartition::new(TopicId(*t), *p)).collect();
            }
            proptest::prop_assert_eq!(movement(&spec, &out), movement_by_definition(&spec, &out));
        }
    }

    fn spec() -> GroupSpec {
        GroupSpec::builder()
            .topic("a", 2)
            .topic("b", 1)
            .member("m1", &["a", "b"])
            .owned(&[("a", 0), ("b", 0)], Some(1))
            .member("m2", &["a"])
            .owned(&[("a", 1)], Some(1))
            .build()
    }

    fn give(spec: &GroupSpec, parts: &[(&str, &[(&str, u32)])]) -> Assignment {
        Assignment {
            members: parts
                .iter()
                .map(|(m, tps)| MemberAssignment {
                    member_id: m.to_string(),
                    partitions: tps
                        .iter()
                        .map(|(t, p)| TopicPartition::new(spec.topic_id(t).unwrap(), *p))
                        .collect(),
                    user_data: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn accepts_a_complete_exclusive_subscribed_assignment() {
        let s = spec();
        let a = give(&s, &[("m1", &[("a", 0), ("b", 0)]), ("m2", &[("a", 1)])]);
        validate(&s, &a).unwrap();
        assert_eq!(balance(&s, &a), Balance { min: 1, max: 2 });
        assert_eq!(movement(&s, &a), 0);
    }

    #[test]
    fn names_each_kind_of_violation() {
        let s = spec();
        let cases: Vec<(Assignment, &str)> = vec![
            (give(&s, &[("zz", &[])]), "\"zz\" is not in the group"),
            (give(&s, &[("m1", &[]), ("m1", &[])]), "more than once"),
            (give(&s, &[("m1", &[("a", 7)])]), "a-7, which does not exist"),
            (give(&s, &[("m2", &[("b", 0)])]), "b-0 but does not subscribe"),
            (
                give(&s, &[("m1", &[("a", 0)]), ("m2", &[("a", 0)])]),
                "a-0 was given to both",
            ),
            (
                give(&s, &[("m1", &[("a", 0), ("b", 0)])]),
                "a-1 is subscribed but was given to no member",
            ),
        ];
        for (a, want) in cases {
            let err = validate(&s, &a).unwrap_err().to_string();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn unsubscribed_topics_need_no_owner_and_a_missing_member_holds_nothing() {
        let s = GroupSpec::builder()
            .topic("x", 3)
            .topic("y", 1)
            .member("m", &["y"])
            .member("n", &[])
            .build();
        let a = give(&s, &[("m", &[("y", 0)])]);
        validate(&s, &a).unwrap();
        assert_eq!(balance(&s, &a), Balance { min: 0, max: 1 });
    }

    #[test]
    fn movement_counts_partitions_that_left_all_their_claimants() {
        let mut s = spec();
        // m2 also claims a-0 (a conflict): a-0 staying with m2 is not a move.
        s.members[1].owned.push(TopicPartition::new(TopicId(0), 0));
        let a = give(&s, &[("m1", &[("b", 0), ("a", 1)]), ("m2", &[("a", 0)])]);
        assert_eq!(movement(&s, &a), 1); // a-1 left m2
    }
}
