//! The JSON that `regroup assign` reads: a group (`--input`) or a replayed sequence (`--steps`).
//! Every error names where it is, e.g. `members[1].owned[0]: invalid length 1, expected [topic,
//! partition]` or `members[0] (c1): owns orders-9, but "orders" has 6 partitions`.
//!
//! The documents are derived serde types read straight from the text, names borrowed from it
//! where they have no escapes. A document is first read without tracking positions (the common,
//! valid case costs nothing extra); only when that fails is it read again with
//! `serde_path_to_error` to say where.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use base64::Engine;
use regroup_assignor_api::model::{GroupSpec, Member, Subscription, Topic, TopicId, TopicPartition};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// A name read from the document: borrowed from the text unless it had escapes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name<'a>(pub Cow<'a, str>);

impl Name<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn owned(text: &str) -> Name<'static> {
        Name(Cow::Owned(text.to_owned()))
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Text<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Text<'a> {
            type Value = Name<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Name<'a>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Name<'a>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Name<'a>, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Text(std::marker::PhantomData))
    }
}

/// A group as the input describes it, by names; becomes a [`GroupSpec`] once checked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInput<'a> {
    /// The group's id, for strategies that read it.
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub generation: i32,
    /// Partition count and optional replica racks per partition, by topic name.
    #[serde(borrow)]
    pub topics: BTreeMap<Name<'a>, TopicInput>,
    #[serde(borrow)]
    pub members: Vec<MemberInput<'a>>,
}

/// A topic's partition count and, optionally, each partition's replica racks: a number, or
/// `{"partitions": N, "racks": [[rack, ...] per partition]}` (either may be left out).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicInput {
    pub partitions: u32,
    pub racks: Option<Vec<Vec<String>>>,
}

impl<'de> Deserialize<'de> for TopicInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Spec;
        impl<'de> Visitor<'de> for Spec {
            type Value = TopicInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a partition count (a whole number from 0 to 4294967295) or {\"partitions\": N, \"racks\": [[rack, ...] per partition]}",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<TopicInput, E> {
                let partitions =
                    u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))?;
                Ok(TopicInput {
                    partitions,
                    racks: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<TopicInput, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Detailed {
                    #[serde(default)]
                    partitions: Option<u32>,
                    #[serde(default)]
                    racks: Option<Vec<Vec<String>>>,
                }
                let d = Detailed::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let partitions = match (d.partitions, &d.racks) {
                    (Some(p), _) => p,
                    (None, Some(racks)) => racks.len() as u32,
                    (None, None) => {
                        return Err(de::Error::custom(
                            "needs \"partitions\" (or \"racks\", one list per partition)",
                        ));
                    }
                };
                Ok(TopicInput {
                    partitions,
                    racks: d.racks,
                })
            }
        }
        deserializer.deserialize_any(Spec)
    }
}

/// One member of the input.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberInput<'a> {
    #[serde(borrow)]
    pub id: Name<'a>,
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default, borrow, deserialize_with = "or_default")]
    pub topics: Vec<Name<'a>>,
    /// `user_data` (text) or `user_data_base64`, as given; see [`MemberInput::user_data`].
    #[serde(default)]
    user_data: Option<String>,
    #[serde(default)]
    user_data_base64: Option<String>,
    #[serde(default, borrow, deserialize_with = "or_default")]
    pub owned: Vec<Owned<'a>>,
    /// The generation in which it owned them.
    #[serde(default)]
    pub generation: Option<i32>,
    #[serde(default)]
    pub rack: Option<String>,
}

/// An owned partition: `[topic, partition]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned<'a>(pub Name<'a>, pub u32);

impl<'de: 'a, 'a> Deserialize<'de> for Owned<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Pair<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Pair<'a> {
            type Value = Owned<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[topic, partition]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Owned<'a>, A::Error> {
                let topic: Name = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let partition: u32 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Owned(topic, partition))
            }
        }
        deserializer.deserialize_seq(Pair(std::marker::PhantomData))
    }
}

/// `null` reads as the field's default, as leaving the field out does.
fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> std::result::Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl<'a> MemberInput<'a> {
    /// The member's user data: the text of `user_data`, or the bytes `user_data_base64` encodes.
    fn user_data(&self, path: &str) -> Result<Vec<u8>> {
        match (&self.user_data, &self.user_data_base64) {
            (Some(_), Some(_)) => Err(at(path, "give \"user_data\" or \"user_data_base64\", not both")),
            (Some(text), None) => Ok(text.as_bytes().to_vec()),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| {
                    at(
                        &format!("{path}.user_data_base64"),
                        format!("not valid base64: {e}"),
                    )
                }),
            (None, None) => Ok(Vec::new()),
        }
    }
}

/// One change in a `--steps` replay.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step<'a> {
    #[serde(borrow)]
    Join(MemberInput<'a>),
    #[serde(borrow)]
    Leave(Name<'a>),
    /// Creates the topic, or changes its partition count.
    SetTopic {
        #[serde(borrow)]
        name: Name<'a>,
        partitions: u32,
    },
    #[serde(borrow)]
    RemoveTopic(Name<'a>),
}

impl Step<'_> {
    pub fn describe(&self) -> String {
        match self {
            Step::Join(m) => format!("{} joins", m.id),
            Step::Leave(id) => format!("{id} leaves"),
            Step::SetTopic { name, partitions } => format!("{name} has {partitions} partitions"),
            Step::RemoveTopic(name) => format!("{name} removed"),
        }
    }
}

/// A `--steps` document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsInput<'a> {
    #[serde(borrow)]
    group: GroupInput<'a>,
    #[serde(borrow)]
    steps: Vec<Step<'a>>,
}

type Result<T> = std::result::Result<T, String>;

fn at(path: &str, what: impl fmt::Display) -> String {
    format!("{path}: {what}")
}

/// Reads `text` as a `T`. Errors say where: `members[1].owned[0]: invalid type: ...`.
fn read<'a, T: Deserialize<'a>>(text: &'a str, whole: &str) -> Result<T> {
    let first = match serde_json::from_str::<T>(text) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if first.is_syntax() || first.is_eof() || first.is_io() {
        return Err(format!("not valid JSON: {first}"));
    }
    // Read again, tracking the path, only to say where the first reading failed.
    let mut json = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut json) {
        Ok(_) => Err(at(whole, first)),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { whole.to_owned() } else { path };
            Err(at(&path, e.into_inner()))
        }
    }
}

/// Parses a group document.
pub fn parse_group(text: &str) -> Result<GroupInput<'_>> {
    let group: GroupInput = read(text, "the group")?;
    group.check("")?;
    Ok(group)
}

/// Parses a `--steps` document: `{"group": {...}, "steps": [{"join": {...}}, {"leave": "c1"},
/// {"set_topic": {"name": "t", "partitions": 8}}, {"remove_topic": "t"}]}`.
pub fn parse_steps(text: &str) -> Result<(GroupInput<'_>, Vec<Step<'_>>)> {
    let doc: StepsInput = read(text, "the steps file")?;
    doc.group.check("group")?;
    Ok((doc.group, doc.steps))
}

/// Partitions claimed more than once are named up to this many per member, and same-generation
/// conflicts up to this many lines: a broken input can hold a million of them.
const WARNING_LINES: usize = 10;

/// A group ready for an assignor, and what was ignored or odd on the way (one line each).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub spec: GroupSpec,
    pub warnings: Vec<String>,
}

impl<'a> GroupInput<'a> {
    /// What serde cannot check: unique member ids and rack lists that fit their topic.
    fn check(&self, path: &str) -> Result<()> {
        let field = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        for (name, topic) in &self.topics {
            if let Some(racks) = &topic.racks
                && racks.len() != topic.partitions as usize
            {
                return Err(at(
                    &field(&format!("topics.{name}.racks")),
                    format!(
                        "has {} entries but the topic has {} partitions",
                        racks.len(),
                        topic.partitions
                    ),
                ));
            }
        }
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(self.members.len());
        for (i, m) in self.members.iter().enumerate() {
            if seen.insert(m.id.as_str(), i).is_some() {
                return Err(at(
                    &field(&format!("members[{i}].id")),
                    format!("member {:?} appears twice", m.id.as_str()),
                ));
            }
            m.user_data(&field(&format!("members[{i}]")))?;
        }
        Ok(())
    }

    /// Applies one replay step; errors name the step.
    pub fn apply(&mut self, step: &Step<'a>, path: &str) -> Result<()> {
        match step {
            Step::Join(m) if self.members.iter().any(|o| o.id == m.id) => {
                return Err(at(
                    path,
                    format!("member {:?} is already in the group", m.id.as_str()),
                ));
            }
            Step::Join(m) => {
                m.user_data(&format!("{path}.join"))?;
                self.members.push(m.clone())
            }
            Step::Leave(id) => {
                let before = self.members.len();
                self.members.retain(|m| &m.id != id);
                if self.members.len() == before {
                    return Err(at(path, format!("member {:?} is not in the group", id.as_str())));
                }
            }
            Step::SetTopic { name, partitions } => {
                self.topics.insert(
                    name.clone(),
                    TopicInput {
                        partitions: *partitions,
                        racks: None,
                    },
                );
            }
            Step::RemoveTopic(name) => {
                if self.topics.remove(name).is_none() {
                    return Err(at(path, format!("topic {:?} does not exist", name.as_str())));
                }
            }
        }
        // What members owned of a topic that shrank or went away is simply gone.
        let topics = &self.topics;
        for m in &mut self.members {
            m.owned
                .retain(|Owned(t, p)| topics.get(t).is_some_and(|topic| *p < topic.partitions));
            m.topics
                .retain(|t| topics.contains_key(t) || !matches!(step, Step::RemoveTopic(r) if r == t));
        }
        Ok(())
    }

    /// The group as the assignor sees it, with every reference checked, and a warning line for
    /// each thing ignored or odd on the way. As Kafka's assignors do, a subscription to a topic
    /// that does not exist is ignored and owned partitions of such a topic are dropped. A
    /// partition a member lists twice counts once; two members claiming one partition at the same
    /// generation are reported (the sticky strategies then let neither keep it).
    pub fn to_spec(&self, protocol: regroup_assignor_api::Protocol) -> Result<Checked> {
        let topics: Vec<Topic> = self
            .topics
            .iter()
            .map(|(name, t)| {
                let mut topic = Topic::new(name.as_str(), t.partitions);
                topic.replica_racks = t.racks.clone();
                topic
            })
            .collect();
        let ids: HashMap<&str, TopicId> = self
            .topics
            .keys()
            .enumerate()
            .map(|(i, name)| (name.as_str(), TopicId(i as u32)))
            .collect();
        let mut warnings = Vec::new();
        // Partitions listed so far, by anyone, one bit each: usually none is listed twice, and
        // then the full table of claims (below) is never built.
        let mut offsets = Vec::with_capacity(topics.len());
        let mut total = 0usize;
        for t in &topics {
            offsets.push(total);
            total += t.partitions as usize;
        }
        let mut listed = vec![0u64; total.div_ceil(64)];
        let mut listed_twice = false;
        // The previous member's subscription as given and as resolved: members listing the same
        // topics (the usual case) share one list without a lookup per name.
        let mut previous: Option<(&[Name], Subscription, Vec<&str>)> = None;
        let mut members = Vec::with_capacity(self.members.len());
        for (i, m) in self.members.iter().enumerate() {
            let path = format!("members[{i}] ({})", m.id);
            let (subscription, missing) = match &previous {
                Some((names, subscription, missing)) if *names == m.topics.as_slice() => {
                    (subscription.clone(), missing.clone())
                }
                _ => {
                    let mut missing: Vec<&str> = Vec::new();
                    let mut subscribed = Vec::with_capacity(m.topics.len());
                    for t in &m.topics {
                        match ids.get(t.as_str()) {
                            Some(&id) => subscribed.push(id),
                            None if missing.contains(&t.as_str()) => {}
                            None => missing.push(t.as_str()),
                        }
                    }
                    subscribed.sort_unstable();
                    subscribed.dedup();
                    (Subscription::from(subscribed), missing)
                }
            };
            for t in &missing {
                warnings.push(at(
                    &path,
                    format!("subscribes to {t:?}, which is not in \"topics\"; ignored"),
                ));
            }
            previous = Some((m.topics.as_slice(), subscription.clone(), missing));

            let mut gone: Vec<&str> = Vec::new();
            let mut owned = Vec::with_capacity(m.owned.len());
            // Owned lists come in runs of one topic: look a name up once per run.
            let mut last: Option<(&str, Option<TopicId>)> = None;
            for Owned(t, p) in &m.owned {
                let t = t.as_str();
                let id = match last {
                    Some((name, id)) if name == t => id,
                    _ => {
                        // Or in topic order: the topic after the last one saves a lookup.
                        let next = last
                            .and_then(|(_, id)| id)
                            .map(|id| id.index() + 1)
                            .filter(|&n| topics.get(n).is_some_and(|topic| topic.name == t));
                        let id = match next {
                            Some(n) => Some(TopicId(n as u32)),
                            None => ids.get(t).copied(),
                        };
                        last = Some((t, id));
                        id
                    }
                };
                let Some(id) = id else {
                    if !gone.contains(&t) {
                        gone.push(t);
                        warnings.push(at(
                            &path,
                            format!("owns partitions of {t:?}, which is not in \"topics\"; dropped"),
                        ));
                    }
                    continue;
                };
                let partitions = topics[id.index()].partitions;
                if *p >= partitions {
                    return Err(at(
                        &path,
                        format!("owns {t}-{p}, but {t:?} has {partitions} partitions"),
                    ));
                }
                let g = offsets[id.index()] + *p as usize;
                let bit = 1u64 << (g % 64);
                listed_twice |= listed[g / 64] & bit != 0;
                listed[g / 64] |= bit;
                owned.push(TopicPartition::new(id, *p));
            }
            let mut member = Member::new(m.id.as_str(), subscription);
            member.instance_id = m.instance_id.clone();
            member.user_data = m.user_data(&path)?;
            member.owned = owned;
            member.owned_generation = m.generation;
            member.rack = m.rack.clone();
            members.push(member);
        }
        let mut spec = GroupSpec::new(self.generation, protocol, topics);
        spec.members = members;
        spec.group_id = self.group_id.clone();
        if listed_twice {
            let mut claims = Claims::new(offsets, total);
            for (i, member) in spec.members.iter_mut().enumerate() {
                let generation = member.owned_generation;
                member.owned.retain(|&tp| claims.claim(tp, i, generation));
            }
            claims.report(&spec, &mut warnings);
        }
        Ok(Checked { spec, warnings })
    }

    /// Records an assignment as what each member owns, in the next generation.
    pub fn take_ownership(&mut self, spec: &GroupSpec, assignment: &regroup_assignor_api::Assignment) {
        for m in &mut self.members {
            let owned = assignment.partitions_of(m.id.as_str()).unwrap_or(&[]);
            m.owned = owned
                .iter()
                .map(|tp| Owned(Name::owned(&spec.topic(tp.topic).name), tp.partition))
                .collect();
            m.generation = Some(spec.generation);
        }
        self.generation = spec.generation + 1;
    }
}

/// Who claims each partition, to find members listing a partition twice and two members
/// claiming one at the same generation.
struct Claims {
    /// Per topic, where its partitions start in the tables.
    offsets: Vec<usize>,
    /// Per partition: the last member that listed it, the claimant of the highest generation so
    /// far (both as member index + 1, 0 for none) and that generation.
    slots: Vec<(u32, u32, i32)>,
    /// Per member: the first partitions it listed more than once, and how many there were.
    twice: Vec<(usize, Vec<TopicPartition>, usize)>,
    /// Partitions two members claim at the same generation: (partition, members, generation).
    contested: Vec<(TopicPartition, usize, usize, Option<i32>)>,
    contested_count: usize,
}

impl Claims {
    /// `offsets`: where each topic's partitions start among all `total`.
    fn new(offsets: Vec<usize>, total: usize) -> Claims {
        Claims {
            offsets,
            slots: vec![(0, 0, i32::MIN); total],
            twice: Vec::new(),
            contested: Vec::new(),
            contested_count: 0,
        }
    }

    /// Records member `m`'s claim of `tp`; false if `m` listed it already.
    fn claim(&mut self, tp: TopicPartition, m: usize, generation: Option<i32>) -> bool {
        let g = self.offsets[tp.topic.index()] + tp.partition as usize;
        let at = generation.unwrap_or(-1);
        let me = m as u32 + 1;
        let (lister, holder, held_at) = &mut self.slots[g];
        if *lister == me {
            match self.twice.last_mut() {
                Some((member, list, count)) if *member == m => {
                    *count += 1;
                    if list.len() < WARNING_LINES {
                        list.push(tp);
                    }
                }
                _ => self.twice.push((m, vec![tp], 1)),
            }
            return false;
        }
        *lister = me;
        if *holder == 0 || at > *held_at {
            (*holder, *held_at) = (me, at);
        } else if at == *held_at {
            self.contested_count += 1;
            if self.contested.len() < WARNING_LINES {
                self.contested.push((tp, *holder as usize - 1, m, generation));
            }
        }
        true
    }

    fn report(self, spec: &GroupSpec, warnings: &mut Vec<String>) {
        let who = |m: usize| format!("members[{m}] ({})", spec.members[m].id);
        for (m, list, count) in &self.twice {
            let mut shown: Vec<String> = list.iter().map(|&tp| spec.display(tp)).collect();
            if *count > list.len() {
                shown.push(format!("and {} more", count - list.len()));
            }
            warnings.push(at(
                &who(*m),
                format!("owns {} more than once; counted once", shown.join(", ")),
            ));
        }
        for (tp, a, b, generation) in &self.contested {
            let generation = generation.map_or("no generation".to_owned(), |g| format!("generation {g}"));
            warnings.push(format!(
                "{} is claimed by {} and {}, both at {generation}: neither counts as its owner",
                spec.display(*tp),
                who(*a),
                who(*b)
            ));
        }
        if self.contested_count > self.contested.len() {
            warnings.push(format!(
                "{} more partitions are claimed by two members at the same generation",
                self.contested_count - self.contested.len()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::Protocol;

    const EXAMPLE: &str = r#"{"generation": 5,
        "topics": {"orders": 6, "clicks": {"partitions": 4, "racks": [["r1","r2"],["r2","r3"],["r3","r1"],["r1","r2"]]}},
        "members": [
          {"id": "c1", "topics": ["orders", "clicks"], "user_data": "capacity=2",
           "owned": [["orders", 0], ["clicks", 3]], "generation": 4, "rack": "r1"},
          {"id": "c2", "instance_id": "host-b", "topics": ["orders"], "user_data_base64": "AAEC"}]}"#;

    #[test]
    fn reads_the_documented_example() {
        let group = parse_group(EXAMPLE).unwrap();
        let spec = group.to_spec(Protocol::Eager).unwrap().spec;
        assert_eq!(spec.generation, 5);
        assert_eq!(spec.topics[0].name, "clicks");
        assert_eq!(spec.topics[0].replica_racks.as_ref().unwrap()[2], ["r3", "r1"]);
        assert_eq!(
            spec.members[0].owned,
            [
                TopicPartition::new(TopicId(1), 0),
                TopicPartition::new(TopicId(0), 3)
            ]
        );
        assert_eq!(spec.members[0].owned_generation, Some(4));
        assert_eq!(spec.members[0].user_data, b"capacity=2");
        assert_eq!(spec.members[1].user_data, [0, 1, 2]);
        assert_eq!(spec.members[1].instance_id.as_deref(), Some("host-b"));
    }

    #[test]
    fn names_without_escapes_are_borrowed_from_the_text() {
        let group =
            parse_group(r#"{"topics": {"t": 1, "a\"b": 1}, "members": [{"id": "m", "topics": ["t"]}]}"#)
                .unwrap();
        assert!(matches!(group.members[0].id.0, Cow::Borrowed("m")));
        assert!(matches!(group.members[0].topics[0].0, Cow::Borrowed("t")));
        assert!(group.topics.contains_key(&Name::owned("a\"b")));
    }

    #[test]
    fn errors_name_what_and_where() {
        let cases = [
            (
                r#"{"topics": {}, "members": [{"id": "a", "owned": [["t"]]}]}"#,
                "members[0].owned[0]: invalid length 1, expected [topic, partition]",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a"}, {"id": "b", "owned": [["t", 1], ["t", "x"]]}]}"#,
                "members[1].owned[1][1]: invalid type: string \"x\", expected u32",
            ),
            (
                r#"{"topics": {"t": -1}, "members": []}"#,
                "topics.t: invalid type: integer `-1`, expected a partition count",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a", "colour": 1}]}"#,
                "unknown field `colour`",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a"}, {"id": "a"}]}"#,
                "members[1].id: member \"a\" appears twice",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a", "user_data_base64": "!!"}]}"#,
                "members[0].user_data_base64: not valid base64",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a", "user_data": "x", "user_data_base64": ""}]}"#,
                "members[0]: give \"user_data\" or \"user_data_base64\", not both",
            ),
            (r#"{"members": []}"#, "the group: missing field `topics`"),
            (
                r#"{"topics": {"t": {"racks": [["a"]], "partitions": 2}}, "members": []}"#,
                "topics.t.racks: has 1 entries",
            ),
            (
                r#"{"topics": {"t": {}}, "members": []}"#,
                "topics.t: needs \"partitions\"",
            ),
            ("{", "not valid JSON"),
        ];
        for (text, want) in cases {
            let err = parse_group(text).unwrap_err();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn missing_topics_are_ignored_with_a_warning_and_partitions_beyond_a_topic_are_errors() {
        let missing = parse_group(
            r#"{"topics": {"t": 2}, "members": [{"id": "a", "topics": ["x", "t", "x"], "owned": [["t", 1], ["gone", 0], ["gone", 1]]},
                {"id": "b", "topics": ["x", "t", "x"]}]}"#,
        )
        .unwrap();
        let checked = missing.to_spec(Protocol::Eager).unwrap();
        let t = checked.spec.topic_id("t").unwrap();
        assert_eq!(checked.spec.members[0].topics.as_slice(), [t]);
        assert!(
            checked.spec.members[1]
                .topics
                .shares(&checked.spec.members[0].topics)
        );
        assert_eq!(checked.spec.members[0].owned, [TopicPartition::new(t, 1)]);
        assert_eq!(
            checked.warnings,
            [
                "members[0] (a): subscribes to \"x\", which is not in \"topics\"; ignored",
                "members[0] (a): owns partitions of \"gone\", which is not in \"topics\"; dropped",
                "members[1] (b): subscribes to \"x\", which is not in \"topics\"; ignored",
            ]
        );
        let beyond = parse_group(
            r#"{"topics": {"t": 2}, "members": [{"id": "a", "topics": ["t"], "owned": [["t", 2]]}]}"#,
        )
        .unwrap();
        assert!(
            beyond
                .to_spec(Protocol::Eager)
                .unwrap_err()
                .contains("owns t-2, but \"t\" has 2 partitions")
        );
    }

    #[test]
    fn a_partition_listed_twice_counts_once_and_same_generation_claims_are_reported() {
        let group = parse_group(
            r#"{"topics": {"t": 3}, "members": [
                {"id": "a", "topics": ["t"], "owned": [["t", 0], ["t", 1], ["t", 0]], "generation": 4},
                {"id": "b", "topics": ["t"], "owned": [["t", 1]], "generation": 4},
                {"id": "c", "topics": ["t"], "owned": [["t", 2]], "generation": 3},
                {"id": "d", "topics": ["t"], "owned": [["t", 2]], "generation": 2}]}"#,
        )
        .unwrap();
        let checked = group.to_spec(Protocol::Eager).unwrap();
        assert_eq!(checked.spec.members[0].owned.len(), 2);
        assert_eq!(
            checked.warnings,
            [
                "members[0] (a): owns t-0 more than once; counted once",
                "t-1 is claimed by members[0] (a) and members[1] (b), both at generation 4: neither counts as its owner",
            ],
            "claims at different generations are no news"
        );
    }

    #[test]
    fn owned_partitions_resolve_to_their_topics_in_any_order() {
        // In topic order (a, b), skipping one (b, d), backwards (d, c), repeating (c, c).
        let group = parse_group(
            r#"{"topics": {"a": 3, "b": 3, "c": 3, "d": 3}, "members": [
                {"id": "m", "topics": ["a"], "owned": [["a", 0], ["b", 0], ["d", 1], ["c", 2], ["c", 1]]},
                {"id": "n", "topics": ["a"], "owned": [["b", 2], ["a", 2]]}]}"#,
        )
        .unwrap();
        let checked = group.to_spec(Protocol::Eager).unwrap();
        let tp = |t: u32, p: u32| TopicPartition::new(TopicId(t), p);
        assert_eq!(
            checked.spec.members[0].owned,
            [tp(0, 0), tp(1, 0), tp(3, 1), tp(2, 2), tp(2, 1)]
        );
        assert_eq!(checked.spec.members[1].owned, [tp(1, 2), tp(0, 2)]);
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
    }

    #[test]
    fn steps_apply_in_order_and_drop_ownership_of_what_disappears() {
        let (mut group, steps) = parse_steps(
            r#"{"group": {"topics": {"t": 4}, "members": [{"id": "a", "topics": ["t"], "owned": [["t", 3]]}]},
                "steps": [{"join": {"id": "b", "topics": ["t"]}}, {"set_topic": {"name": "t", "partitions": 2}},
                          {"leave": "a"}, {"remove_topic": "t"}]}"#,
        )
        .unwrap();
        assert_eq!(steps.len(), 4);
        group.apply(&steps[0], "steps[0]").unwrap();
        assert_eq!(group.members.len(), 2);
        group.apply(&steps[1], "steps[1]").unwrap();
        assert!(group.members[0].owned.is_empty(), "t-3 no longer exists");
        group.apply(&steps[2], "steps[2]").unwrap();
        assert_eq!(group.members[0].id.as_str(), "b");
        group.apply(&steps[3], "steps[3]").unwrap();
        assert!(group.members[0].topics.is_empty());
        assert!(
            group
                .apply(&steps[2], "steps[2]")
                .unwrap_err()
                .contains("\"a\" is not in the group")
        );
        let err =
            parse_steps(r#"{"group": {"topics": {}, "members": []}, "steps": [{"jump": {}}]}"#).unwrap_err();
        assert!(err.contains("steps[0]: unknown variant `jump`"), "{err}");
    }
}
