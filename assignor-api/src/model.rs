//! What an assignor sees ([`GroupSpec`]) and what it returns ([`Assignment`]), in plain std types.
//!
//! Topics are interned: a [`TopicId`] is an index into [`GroupSpec::topics`], which is kept sorted by
//! name, so sorting [`TopicPartition`]s sorts them by topic name then partition, as Kafka does, and a
//! million partitions encode as a few bytes each.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use serde::{Deserialize, Serialize};

/// The rebalance protocols a group can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Protocol {
    /// Every member gives up all its partitions, then receives its new set.
    Eager,
    /// Partitions that stay with their owner are never paused; a moving partition is revoked first.
    Cooperative,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Eager => "eager",
            Protocol::Cooperative => "cooperative",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Index of a topic in [`GroupSpec::topics`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Pod, Zeroable)]
#[repr(transparent)]
pub struct TopicId(pub u32);

impl TopicId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One partition of one topic. Orders by topic name (topics are sorted), then partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Pod, Zeroable)]
#[repr(C)]
pub struct TopicPartition {
    pub topic: TopicId,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: TopicId, partition: u32) -> Self {
        TopicPartition { topic, partition }
    }
}

/// A topic the group may consume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Topic {
    pub name: String,
    pub partitions: u32,
    /// For each partition, the racks holding a replica of it; `None` when unknown.
    pub replica_racks: Option<Vec<Vec<String>>>,
}

impl Topic {
    /// A topic of `partitions` partitions, replica racks unknown.
    pub fn new(name: &str, partitions: u32) -> Self {
        Topic {
            name: name.to_owned(),
            partitions,
            replica_racks: None,
        }
    }
}

/// One member of the group as the assignor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The id the host gave this member.
    pub id: String,
    /// The static instance id (`group.instance.id`), if the member is static.
    pub instance_id: Option<String>,
    /// Topics the member subscribes to, sorted and without duplicates. Members with the same
    /// subscription share one list (a group of 2,000 members on 500 topics holds one, not 2,000).
    pub topics: Subscription,
    /// The member's opaque user data for the strategy being run.
    #[serde(with = "packed")]
    pub user_data: Vec<u8>,
    /// Partitions the member owns now.
    #[serde(with = "packed")]
    pub owned: Vec<TopicPartition>,
    /// The generation in which it owned them, if it reported one.
    pub owned_generation: Option<i32>,
    /// The rack the member runs on, if it stated one.
    pub rack: Option<String>,
}

impl Member {
    /// A member subscribing to `topics`, owning nothing, with no user data, instance id or rack.
    pub fn new(id: &str, topics: Subscription) -> Self {
        Member {
            id: id.to_owned(),
            instance_id: None,
            topics,
            user_data: Vec::new(),
            owned: Vec::new(),
            owned_generation: None,
            rack: None,
        }
    }
}

/// A member's subscription: topic ids, sorted and without duplicates. It reads as a slice, clones
/// in O(1), and members with the same subscription share one list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Subscription(Arc<[TopicId]>);

impl Subscription {
    pub fn as_slice(&self) -> &[TopicId] {
        &self.0
    }

    /// Whether both are the one shared list (not merely equal lists).
    pub fn shares(&self, other: &Subscription) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Subscription {
    type Target = [TopicId];
    fn deref(&self) -> &[TopicId] {
        &self.0
    }
}

impl From<Vec<TopicId>> for Subscription {
    fn from(topics: Vec<TopicId>) -> Self {
        Subscription(topics.into())
    }
}

impl FromIterator<TopicId> for Subscription {
    fn from_iter<I: IntoIterator<Item = TopicId>>(iter: I) -> Self {
        Subscription(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Subscription {
    type Item = &'a TopicId;
    type IntoIter = std::slice::Iter<'a, TopicId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Subscription {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        packed::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Subscription {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        packed::deserialize(deserializer).map(Subscription::from)
    }
}

/// Kafka's member order (its `MemberInfo.compareTo`): static members first, by instance id, then
/// dynamic members by member id. Strategies that must match Kafka's results sort by it.
pub fn kafka_member_order(a: &Member, b: &Member) -> std::cmp::Ordering {
    match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    }
}

/// Everything an assignor is given for one rebalance. On the wire, members with the same
/// subscription share one copy of it (see `wire`).
///
/// The contract grows by adding fields here (and to the other structs of this module), each
/// optional or with a default, in a new version of the envelope: that is why none of them can be
/// built by struct literal outside this crate (use the constructors, then set fields).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupSpec {
    /// The generation this assignment will start.
    pub generation: i32,
    pub protocol: Protocol,
    /// Sorted by name, names unique; [`TopicId`] indexes this list.
    pub topics: Vec<Topic>,
    pub members: Vec<Member>,
    /// The group's id (Kafka's `group.id`), when the host knows it. Since version 2 of the
    /// envelope: a plugin built against an older contract is sent version 1, without it.
    pub group_id: Option<String>,
}

impl GroupSpec {
    /// A spec of `topics` (sorted by name, names unique) and no members yet.
    pub fn new(generation: i32, protocol: Protocol, topics: Vec<Topic>) -> Self {
        GroupSpec {
            generation,
            protocol,
            topics,
            members: Vec::new(),
            group_id: None,
        }
    }

    /// Starts a spec; see [`GroupSpecBuilder`].
    pub fn builder() -> GroupSpecBuilder {
        GroupSpecBuilder::default()
    }

    pub fn topic(&self, id: TopicId) -> &Topic {
        &self.topics[id.index()]
    }

    pub fn topic_id(&self, name: &str) -> Option<TopicId> {
        self.topics
            .binary_search_by(|t| t.name.as_str().cmp(name))
            .ok()
            .map(|i| TopicId(i as u32))
    }

    /// Every partition of `topic`, in order.
    pub fn partitions_of(&self, topic: TopicId) -> impl Iterator<Item = TopicPartition> + '_ {
        (0..self.topic(topic).partitions).map(move |p| TopicPartition::new(topic, p))
    }

    /// How many members subscribe to each topic, indexed by [`TopicId`]; an error names the first
    /// member that subscribes to a topic the spec does not have. A member whose subscription is
    /// the same as the one before it is counted with it, so like members cost one comparison each.
    pub fn subscriber_counts(&self) -> Result<Vec<u32>, String> {
        let mut counts = vec![0u32; self.topics.len()];
        let mut add = |member: &Member, like: u32| {
            for t in &member.topics {
                *counts.get_mut(t.index()).ok_or_else(|| {
                    format!("member {:?} subscribes to unknown topic #{}", member.id, t.0)
                })? += like;
            }
            Ok::<_, String>(())
        };
        let mut run: Option<(&Member, u32)> = None;
        for member in &self.members {
            match &mut run {
                Some((first, like)) if same_topics(&first.topics, &member.topics) => *like += 1,
                _ => {
                    if let Some((first, like)) = run.replace((member, 1)) {
                        add(first, like)?;
                    }
                }
            }
        }
        if let Some((first, like)) = run {
            add(first, like)?;
        }
        Ok(counts)
    }

    /// `topic-partition` for messages.
    pub fn display(&self, tp: TopicPartition) -> String {
        match self.topics.get(tp.topic.index()) {
            Some(t) => format!("{}-{}", t.name, tp.partition),
            None => format!("<topic #{}>-{}", tp.topic.0, tp.partition),
        }
    }
}

/// Whether two subscriptions are the same list, compared as memory (a member's list can hold
/// thousands of topics, and a group thousands of members with the same list).
pub(crate) fn same_topics(a: &[TopicId], b: &[TopicId]) -> bool {
    packed::bytes_of(a) == packed::bytes_of(b)
}

/// What one member receives.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberAssignment {
    pub member_id: String,
    #[serde(with = "packed")]
    pub partitions: Vec<TopicPartition>,
    /// The assignor's opaque data for this member.
    #[serde(with = "packed")]
    pub user_data: Vec<u8>,
}

impl MemberAssignment {
    /// `partitions` for `member_id`, with no user data.
    pub fn new(member_id: &str, partitions: Vec<TopicPartition>) -> Self {
        MemberAssignment {
            member_id: member_id.to_owned(),
            partitions,
            user_data: Vec::new(),
        }
    }
}

/// An assignor's result: one entry per member (a member left out receives nothing).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assignment {
    pub members: Vec<MemberAssignment>,
}

impl Assignment {
    pub fn new(members: Vec<MemberAssignment>) -> Self {
        Assignment { members }
    }

    /// One empty entry per member of `spec`, in the spec's order, so `members[i]` is `spec.members[i]`.
    pub fn empty_for(spec: &GroupSpec) -> Self {
        Assignment {
            members: spec
                .members
                .iter()
                .map(|m| MemberAssignment {
                    member_id: m.id.clone(),
                    ..Default::default()
                })
                .collect(),
        }
    }

    /// The partitions of `member_id`, if it has an entry.
    pub fn partitions_of(&self, member_id: &str) -> Option<&[TopicPartition]> {
        self.members
            .iter()
            .find(|m| m.member_id == member_id)
            .map(|m| m.partitions.as_slice())
    }

    /// Sorts every member's partitions, so results compare and print canonically.
    pub fn sorted(mut self) -> Self {
        for m in &mut self.members {
            m.partitions.sort_unstable();
        }
        self
    }
}

/// Large arrays cross the plugin boundary as one byte string of little-endian `u32`s instead of
/// element by element, and on little-endian machines that byte string is the array's own memory:
/// a million partitions encode and decode at memory-copy speed, which keeps a dynamic plugin's
/// cost close to a linked-in one's.
mod packed {
    use std::marker::PhantomData;

    use bytemuck::Pod;
    use serde::{Deserializer, Serializer, de};

    use super::{TopicId, TopicPartition};

    /// Plain data (bytemuck's [`Pod`]: fixed-size, no padding, every bit pattern valid, checked
    /// by its derive) laid out in memory as its wire form (little-endian `u32`s, or bytes) on
    /// little-endian machines.
    pub trait Plain: Pod {
        /// Builds a value from its wire bytes (exactly `size_of::<Self>()` of them), on any endianness.
        fn from_wire(bytes: &[u8]) -> Self;
        /// Appends the value's wire bytes, on any endianness.
        fn to_wire(&self, out: &mut Vec<u8>);
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    impl Plain for u8 {
        fn from_wire(bytes: &[u8]) -> Self {
            bytes[0]
        }
        fn to_wire(&self, out: &mut Vec<u8>) {
            out.push(*self);
        }
    }

    impl Plain for TopicId {
        fn from_wire(bytes: &[u8]) -> Self {
            TopicId(u32_at(bytes, 0))
        }
        fn to_wire(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.0.to_le_bytes());
        }
    }

    impl Plain for TopicPartition {
        fn from_wire(bytes: &[u8]) -> Self {
            TopicPartition {
                topic: TopicId(u32_at(bytes, 0)),
                partition: u32_at(bytes, 4),
            }
        }
        fn to_wire(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.topic.0.to_le_bytes());
            out.extend_from_slice(&self.partition.to_le_bytes());
        }
    }

    /// Serializes a borrowed slice packed.
    pub struct Slice<'a, T>(pub &'a [T]);

    impl<T: Plain> serde::Serialize for Slice<'_, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, serializer)
        }
    }

    /// Deserializes a packed vector.
    pub struct Owned<T>(pub Vec<T>);

    impl<'de, T: Plain> serde::Deserialize<'de> for Owned<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer).map(Owned)
        }
    }

    /// The values' memory as bytes: equal values have equal bytes (no padding), and on
    /// little-endian machines these bytes are the wire form.
    pub fn bytes_of<T: Plain>(values: &[T]) -> &[u8] {
        bytemuck::cast_slice(values)
    }

    pub fn serialize<T: Plain, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
        if cfg!(target_endian = "little") {
            return serializer.serialize_bytes(bytes_of(values));
        }
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        values.iter().for_each(|v| v.to_wire(&mut bytes));
        serializer.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, T: Plain, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
        struct Entries<T>(PhantomData<T>);
        impl<T: Plain> de::Visitor<'_> for Entries<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a byte string of {}-byte entries", std::mem::size_of::<T>())
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
                let size = std::mem::size_of::<T>();
                if !bytes.len().is_multiple_of(size) {
                    return Err(E::invalid_length(bytes.len(), &self));
                }
                let count = bytes.len() / size;
                if !cfg!(target_endian = "little") {
                    return Ok(bytes.chunks_exact(size).map(T::from_wire).collect());
                }
                // Every bit pattern is a valid `T: Plain`, laid out as its wire form here; the
                // byte string need not be aligned for `T`, so it is copied, not cast in place.
                let mut values = vec![T::zeroed(); count];
                bytemuck::cast_slice_mut::<T, u8>(&mut values).copy_from_slice(bytes);
                Ok(values)
            }
        }
        deserializer.deserialize_bytes(Entries(PhantomData))
    }
}

/// The envelope shape of a [`GroupSpec`]: subscriptions are stored once per distinct list and
/// members refer to them by index, so 2,000 members subscribed to the same 500 topics cost one list.
pub(crate) mod wire {
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

    use super::{GroupSpec, Member, Protocol, Subscription, Topic, TopicId, TopicPartition, packed};

    #[derive(Serialize)]
    struct SpecOut<'a> {
        generation: i32,
        protocol: Protocol,
        topics: &'a [Topic],
        subscriptions: Vec<packed::Slice<'a, TopicId>>,
        members: Vec<MemberOut<'a>>,
    }

    #[derive(Serialize)]
    struct MemberOut<'a> {
        id: &'a str,
        instance_id: &'a Option<String>,
        subscription: u32,
        user_data: packed::Slice<'a, u8>,
        owned: packed::Slice<'a, TopicPartition>,
        owned_generation: Option<i32>,
        rack: &'a Option<String>,
    }

    #[derive(Deserialize)]
    struct SpecIn {
        generation: i32,
        protocol: Protocol,
        topics: Vec<Topic>,
        subscriptions: Vec<packed::Owned<TopicId>>,
        members: Vec<MemberIn>,
    }

    #[derive(Deserialize)]
    struct MemberIn {
        id: String,
        instance_id: Option<String>,
        subscription: u32,
        user_data: packed::Owned<u8>,
        owned: packed::Owned<TopicPartition>,
        owned_generation: Option<i32>,
        rack: Option<String>,
    }

    /// How many recent distinct subscriptions a member's is compared with before it is stored
    /// as a new one: groups have few distinct subscriptions, and this bounds the cost when not.
    const RECENT: usize = 8;

    /// The newest shape of the [`GroupSpec`] envelope (its `Envelope::VERSION`).
    pub(crate) const NEWEST: u16 = 2;
    /// The first shape with [`GroupSpec::group_id`], appended after version 1's fields.
    const WITH_GROUP_ID: u16 = 2;

    impl Serialize for GroupSpec {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            write(self, NEWEST, serializer)
        }
    }

    impl<'de> Deserialize<'de> for GroupSpec {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            read(NEWEST, deserializer)
        }
    }

    /// Writes the shape of envelope `version`: version 1's fields, then each later version's.
    pub(crate) fn write<S: Serializer>(
        spec: &GroupSpec,
        version: u16,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut subscriptions: Vec<&[TopicId]> = Vec::new();
        let members = spec
            .members
            .iter()
            .map(|m| {
                let recent = subscriptions.len().saturating_sub(RECENT);
                let index = match subscriptions[recent..]
                    .iter()
                    .rposition(|s| super::same_topics(s, &m.topics))
                {
                    Some(i) => recent + i,
                    None => {
                        subscriptions.push(&m.topics);
                        subscriptions.len() - 1
                    }
                };
                MemberOut {
                    id: &m.id,
                    instance_id: &m.instance_id,
                    subscription: index as u32,
                    user_data: packed::Slice(&m.user_data),
                    owned: packed::Slice(&m.owned),
                    owned_generation: m.owned_generation,
                    rack: &m.rack,
                }
            })
            .collect();
        let v1 = SpecOut {
            generation: spec.generation,
            protocol: spec.protocol,
            topics: &spec.topics,
            subscriptions: subscriptions.into_iter().map(packed::Slice).collect(),
            members,
        };
        // bincode writes a tuple as its elements one after the other: version 1's fields, then
        // the appended ones.
        if version >= WITH_GROUP_ID {
            (v1, &spec.group_id).serialize(serializer)
        } else {
            v1.serialize(serializer)
        }
    }

    /// Reads the shape of envelope `version`; fields it does not have take their defaults.
    pub(crate) fn read<'de, D: Deserializer<'de>>(
        version: u16,
        deserializer: D,
    ) -> Result<GroupSpec, D::Error> {
        let (spec, group_id) = if version >= WITH_GROUP_ID {
            <(SpecIn, Option<String>)>::deserialize(deserializer)?
        } else {
            (SpecIn::deserialize(deserializer)?, None)
        };
        let subscriptions: Vec<Subscription> = spec
            .subscriptions
            .into_iter()
            .map(|s| Subscription::from(s.0))
            .collect();
        let members = spec
            .members
            .into_iter()
            .map(|m| {
                let topics = subscriptions.get(m.subscription as usize).ok_or_else(|| {
                    de::Error::custom(format!(
                        "member {:?} refers to subscription {} of {}",
                        m.id,
                        m.subscription,
                        subscriptions.len()
                    ))
                })?;
                Ok(Member {
                    id: m.id,
                    instance_id: m.instance_id,
                    topics: topics.clone(),
                    user_data: m.user_data.0,
                    owned: m.owned.0,
                    owned_generation: m.owned_generation,
                    rack: m.rack,
                })
            })
            .collect::<Result<_, D::Error>>()?;
        Ok(GroupSpec {
            generation: spec.generation,
            protocol: spec.protocol,
            topics: spec.topics,
            members,
            group_id,
        })
    }
}

/// What an assignor says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssignorInfo {
    /// The strategy name members list, e.g. `range` or `cooperative-sticky`.
    pub name: String,
    pub version: String,
    /// One line for `regroup plugins list`.
    pub description: String,
    /// The protocols it supports; cooperative means it can be run in two steps.
    pub protocols: Vec<Protocol>,
    /// The message versions the plugin reads, declared by the contract it was built against (the
    /// export macro fills this in; authors never set it). Empty from a plugin built before the
    /// declaration existed: it reads version 1 of everything.
    pub reads: Vec<crate::codec::Reads>,
}

impl AssignorInfo {
    pub fn new(name: &str, version: &str, description: &str, protocols: &[Protocol]) -> Self {
        AssignorInfo {
            name: name.to_owned(),
            version: version.to_owned(),
            description: description.to_owned(),
            protocols: protocols.to_vec(),
            reads: vec![crate::codec::Reads::of::<GroupSpec>()],
        }
    }

    pub fn supports(&self, protocol: Protocol) -> bool {
        self.protocols.contains(&protocol)
    }
}

/// Builds a [`GroupSpec`] by names, interning topics; for tests, tools and examples.
///
/// ```
/// use regroup_assignor_api::model::GroupSpec;
/// let spec = GroupSpec::builder()
///     .topic("orders", 6)
///     .member("c1", &["orders"])
///     .member("c2", &["orders"])
///     .build();
/// assert_eq!(spec.members.len(), 2);
/// ```
type DraftTopic = (u32, Option<Vec<Vec<String>>>);

#[derive(Debug, Default, Clone)]
pub struct GroupSpecBuilder {
    group_id: Option<String>,
    generation: i32,
    protocol: Option<Protocol>,
    /// Partition count and replica racks per topic name.
    topics: BTreeMap<String, DraftTopic>,
    members: Vec<MemberDraft>,
}

#[derive(Debug, Clone, Default)]
struct MemberDraft {
    id: String,
    instance_id: Option<String>,
    topics: Vec<String>,
    user_data: Vec<u8>,
    owned: Vec<(String, u32)>,
    owned_generation: Option<i32>,
    rack: Option<String>,
}

impl GroupSpecBuilder {
    pub fn group_id(mut self, group_id: &str) -> Self {
        self.group_id = Some(group_id.to_owned());
        self
    }

    pub fn generation(mut self, generation: i32) -> Self {
        self.generation = generation;
        self
    }

    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    pub fn topic(mut self, name: &str, partitions: u32) -> Self {
        self.topics.insert(name.to_owned(), (partitions, None));
        self
    }

    /// A topic whose partitions list their replica racks (one list per partition).
    pub fn topic_with_racks(mut self, name: &str, racks: Vec<Vec<String>>) -> Self {
        self.topics
            .insert(name.to_owned(), (racks.len() as u32, Some(racks)));
        self
    }

    pub fn member(mut self, id: &str, topics: &[&str]) -> Self {
        self.members.push(MemberDraft {
            id: id.to_owned(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        });
        self
    }

    fn last(&mut self) -> &mut MemberDraft {
        self.members
            .last_mut()
            .expect("call member() before setting member fields")
    }

    /// Sets the static instance id of the last member added.
    pub fn instance_id(mut self, instance_id: &str) -> Self {
        self.last().instance_id = Some(instance_id.to_owned());
        self
    }

    /// Sets the user data of the last member added.
    pub fn user_data(mut self, data: &[u8]) -> Self {
        self.last().user_data = data.to_vec();
        self
    }

    /// Sets what the last member added owns now, and in which generation.
    pub fn owned(mut self, owned: &[(&str, u32)], generation: Option<i32>) -> Self {
        let last = self.last();
        last.owned = owned.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        last.owned_generation = generation;
        self
    }

    /// Sets the rack of the last member added.
    pub fn rack(mut self, rack: &str) -> Self {
        self.last().rack = Some(rack.to_owned());
        self
    }

    /// Builds the spec. Topics named by members or ownership but never declared are added with
    /// zero partitions, so the spec is always self-consistent.
    pub fn build(mut self) -> GroupSpec {
        for m in &self.members {
            for t in m.topics.iter().chain(m.owned.iter().map(|(t, _)| t)) {
                self.topics.entry(t.clone()).or_insert((0, None));
            }
        }
        let index: BTreeMap<&str, TopicId> = self
            .topics
            .keys()
            .enumerate()
            .map(|(i, n)| (n.as_str(), TopicId(i as u32)))
            .collect();
        let members = self
            .members
            .iter()
            .map(|m| {
                let mut topics: Vec<TopicId> = m.topics.iter().map(|t| index[t.as_str()]).collect();
                topics.sort_unstable();
                topics.dedup();
                Member {
                    id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    topics: topics.into(),
                    user_data: m.user_data.clone(),
                    owned: m
                        .owned
                        .iter()
                        .map(|(t, p)| TopicPartition::new(index[t.as_str()], *p))
                        .collect(),
                    owned_generation: m.owned_generation,
                    rack: m.rack.clone(),
                }
            })
            .collect();
        GroupSpec {
            generation: self.generation,
            protocol: self.protocol.unwrap_or(Protocol::Eager),
            topics: self
                .topics
                .into_iter()
                .map(|(name, (partitions, replica_racks))| Topic {
                    name,
                    partitions,
                    replica_racks,
                })
                .collect(),
            members,
            group_id: self.group_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriber_counts_count_each_topics_members_like_members_together() {
        let spec = GroupSpec::builder()
            .topic("a", 1)
            .topic("b", 1)
            .topic("c", 1)
            .member("m1", &["a", "b"])
            .member("m2", &["a", "b"])
            .member("m3", &["b"])
            .member("m4", &["a", "b"])
            .build();
        assert_eq!(spec.subscriber_counts().unwrap(), vec![3, 4, 0]);
    }

    #[test]
    fn subscriber_counts_name_the_member_with_an_unknown_topic() {
        let mut spec = GroupSpec::builder()
            .topic("a", 1)
            .member("m1", &["a"])
            .member("m2", &["a"])
            .build();
        spec.members[1].topics = vec![TopicId(0), TopicId(7)].into();
        let err = spec.subscriber_counts().unwrap_err();
        assert!(err.contains("\"m2\"") && err.contains("#7"), "{err}");
    }
}
