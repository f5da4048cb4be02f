//! The JSON that `regroup assign` reads: a group (`--input`) or a replayed sequence (`--steps`).
//! Every error names where it is, e.g. `members[1].owned[0]: partition 9 of "orders" does not exist`.

use std::collections::BTreeMap;

use base64::Engine;
use regroup_assignor_api::model::{GroupSpec, Member, Topic, TopicId, TopicPartition};
use serde_json::Value;

/// A group as the input describes it, by names; becomes a [`GroupSpec`] once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInput {
    pub generation: i32,
    /// Partition count and optional replica racks per partition, by topic name.
    pub topics: BTreeMap<String, TopicInput>,
    pub members: Vec<MemberInput>,
}

/// A topic's partition count and, optionally, each partition's replica racks.
pub type TopicInput = (u32, Option<Vec<Vec<String>>>);

#[derive(Debug, Clone, PartialEq)]
pub struct MemberInput {
    pub id: String,
    pub instance_id: Option<String>,
    pub topics: Vec<String>,
    pub user_data: Vec<u8>,
    pub owned: Vec<(String, u32)>,
    pub generation: Option<i32>,
    pub rack: Option<String>,
}

/// A group ready for an assignor, and what was ignored to get there (one line each).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub spec: GroupSpec,
    pub warnings: Vec<String>,
}

/// One change in a `--steps` replay.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Join(MemberInput),
    Leave(String),
    /// Creates the topic, or changes its partition count.
    SetTopic {
        name: String,
        partitions: u32,
    },
    RemoveTopic(String),
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::Join(m) => format!("{} joins", m.id),
            Step::Leave(id) => format!("{id} leaves"),
            Step::SetTopic { name, partitions } => format!("{name} has {partitions} partitions"),
            Step::RemoveTopic(name) => format!("{name} removed"),
        }
    }
}

type Result<T> = std::result::Result<T, String>;

fn at(path: &str, what: impl std::fmt::Display) -> String {
    format!("{path}: {what}")
}

fn object<'a>(value: &'a Value, path: &str, allowed: &[&str]) -> Result<&'a serde_json::Map<String, Value>> {
    let map = value.as_object().ok_or_else(|| at(path, "expected an object"))?;
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(at(
            path,
            format!("unknown field {key:?} (expected one of: {})", allowed.join(", ")),
        ));
    }
    Ok(map)
}

fn string(value: &Value, path: &str) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| at(path, "expected a string"))
}

fn count(value: &Value, path: &str) -> Result<u32> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| at(path, "expected a whole number from 0 to 4294967295"))
}

fn generation(value: &Value, path: &str) -> Result<i32> {
    value
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| at(path, "expected a 32-bit whole number"))
}

fn array<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    value.as_array().ok_or_else(|| at(path, "expected an array"))
}

fn optional<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// Parses a group document.
pub fn parse_group(text: &str) -> Result<GroupInput> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    group(&value, "")
}

fn group(value: &Value, path: &str) -> Result<GroupInput> {
    let map = object(
        value,
        if path.is_empty() { "the group" } else { path },
        &["generation", "topics", "members"],
    )?;
    let field = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    let generation = optional(map, "generation")
        .map(|v| generation(v, &field("generation")))
        .transpose()?
        .unwrap_or(0);
    let topics_path = field("topics");
    let topics_map = map.get("topics").ok_or_else(|| at(&topics_path, "missing"))?;
    let topics_map = topics_map
        .as_object()
        .ok_or_else(|| at(&topics_path, "expected an object of topic name to partitions"))?;
    let mut topics = BTreeMap::new();
    for (name, spec) in topics_map {
        let path = format!("{topics_path}.{name}");
        topics.insert(name.clone(), topic(spec, &path)?);
    }
    let members_path = field("members");
    let members_value = map.get("members").ok_or_else(|| at(&members_path, "missing"))?;
    let mut members = Vec::new();
    for (i, m) in array(members_value, &members_path)?.iter().enumerate() {
        let member = member(m, &format!("{members_path}[{i}]"))?;
        if members.iter().any(|other: &MemberInput| other.id == member.id) {
            return Err(at(
                &format!("{members_path}[{i}].id"),
                format!("member {:?} appears twice", member.id),
            ));
        }
        members.push(member);
    }
    Ok(GroupInput {
        generation,
        topics,
        members,
    })
}

fn topic(value: &Value, path: &str) -> Result<TopicInput> {
    if value.is_number() {
        return Ok((count(value, path)?, None));
    }
    let map = object(value, path, &["partitions", "racks"])?;
    let racks = optional(map, "racks")
        .map(|racks| {
            array(racks, &format!("{path}.racks"))?
                .iter()
                .enumerate()
                .map(|(p, replicas)| {
                    let rpath = format!("{path}.racks[{p}]");
                    array(replicas, &rpath)?
                        .iter()
                        .enumerate()
                        .map(|(r, rack)| string(rack, &format!("{rpath}[{r}]")))
                        .collect()
                })
                .collect::<Result<Vec<Vec<String>>>>()
        })
        .transpose()?;
    let partitions = match (optional(map, "partitions"), &racks) {
        (Some(p), _) => count(p, &format!("{path}.partitions"))?,
        (None, Some(racks)) => racks.len() as u32,
        (None, None) => {
            return Err(at(
                path,
                "needs \"partitions\" (or \"racks\", one list per partition)",
            ));
        }
    };
    if let Some(racks) = &racks
        && racks.len() != partitions as usize
    {
        return Err(at(
            &format!("{path}.racks"),
            format!(
                "has {} entries but the topic has {partitions} partitions",
                racks.len()
            ),
        ));
    }
    Ok((partitions, racks))
}

fn member(value: &Value, path: &str) -> Result<MemberInput> {
    let map = object(
        value,
        path,
        &[
            "id",
            "instance_id",
            "topics",
            "user_data",
            "user_data_base64",
            "owned",
            "generation",
            "rack",
        ],
    )?;
    let id = string(
        map.get("id").ok_or_else(|| at(path, "missing \"id\""))?,
        &format!("{path}.id"),
    )?;
    let topics = match optional(map, "topics") {
        Some(t) => {
            let tpath = format!("{path}.topics");
            array(t, &tpath)?
                .iter()
                .enumerate()
                .map(|(i, t)| string(t, &format!("{tpath}[{i}]")))
                .collect::<Result<_>>()?
        }
        None => Vec::new(),
    };
    let user_data = match (optional(map, "user_data"), optional(map, "user_data_base64")) {
        (Some(_), Some(_)) => return Err(at(path, "give \"user_data\" or \"user_data_base64\", not both")),
        (Some(text), None) => string(text, &format!("{path}.user_data"))?.into_bytes(),
        (None, Some(b64)) => {
            let bpath = format!("{path}.user_data_base64");
            base64::engine::general_purpose::STANDARD
                .decode(string(b64, &bpath)?)
                .map_err(|e| at(&bpath, format!("not valid base64: {e}")))?
        }
        (None, None) => Vec::new(),
    };
    let owned = match optional(map, "owned") {
        Some(o) => {
            let opath = format!("{path}.owned");
            array(o, &opath)?
                .iter()
                .enumerate()
                .map(|(i, pair)| {
                    let ppath = format!("{opath}[{i}]");
                    match pair.as_array().map(Vec::as_slice) {
                        Some([topic, partition]) => Ok((string(topic, &ppath)?, count(partition, &ppath)?)),
                        _ => Err(at(&ppath, "expected [topic, partition]")),
                    }
                })
                .collect::<Result<_>>()?
        }
        None => Vec::new(),
    };
    Ok(MemberInput {
        id,
        instance_id: optional(map, "instance_id")
            .map(|v| string(v, &format!("{path}.instance_id")))
            .transpose()?,
        topics,
        user_data,
        owned,
        generation: optional(map, "generation")
            .map(|v| generation(v, &format!("{path}.generation")))
            .transpose()?,
        rack: optional(map, "rack")
            .map(|v| string(v, &format!("{path}.rack")))
            .transpose()?,
    })
}

/// Parses a `--steps` document: `{"group": {...}, "steps": [{"join": {...}}, {"leave": "c1"},
/// {"set_topic": {"name": "t", "partitions": 8}}, {"remove_topic": "t"}]}`.
pub fn parse_steps(text: &str) -> Result<(GroupInput, Vec<Step>)> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let map = object(&value, "the steps file", &["group", "steps"])?;
    let group = group(
        map.get("group")
            .ok_or_else(|| at("the steps file", "missing \"group\""))?,
        "group",
    )?;
    let steps = array(
        map.get("steps")
            .ok_or_else(|| at("the steps file", "missing \"steps\""))?,
        "steps",
    )?
    .iter()
    .enumerate()
    .map(|(i, step)| {
        let path = format!("steps[{i}]");
        let map = object(step, &path, &["join", "leave", "set_topic", "remove_topic"])?;
        let [(kind, body)] = map.iter().collect::<Vec<_>>()[..] else {
            return Err(at(
                &path,
                "expected exactly one of join, leave, set_topic, remove_topic",
            ));
        };
        let path = format!("{path}.{kind}");
        Ok(match kind.as_str() {
            "join" => Step::Join(member(body, &path)?),
            "leave" => Step::Leave(string(body, &path)?),
            "remove_topic" => Step::RemoveTopic(string(body, &path)?),
            _ => {
                let m = object(body, &path, &["name", "partitions"])?;
                Step::SetTopic {
                    name: string(
                        m.get("name").ok_or_else(|| at(&path, "missing \"name\""))?,
                        &format!("{path}.name"),
                    )?,
                    partitions: count(
                        m.get("partitions")
                            .ok_or_else(|| at(&path, "missing \"partitions\""))?,
                        &format!("{path}.partitions"),
                    )?,
                }
            }
        })
    })
    .collect::<Result<_>>()?;
    Ok((group, steps))
}

impl GroupInput {
    /// Applies one replay step; errors name the step.
    pub fn apply(&mut self, step: &Step, path: &str) -> Result<()> {
        match step {
            Step::Join(m) if self.members.iter().any(|o| o.id == m.id) => {
                return Err(at(path, format!("member {:?} is already in the group", m.id)));
            }
            Step::Join(m) => self.members.push(m.clone()),
            Step::Leave(id) => {
                let before = self.members.len();
                self.members.retain(|m| &m.id != id);
                if self.members.len() == before {
                    return Err(at(path, format!("member {id:?} is not in the group")));
                }
            }
            Step::SetTopic { name, partitions } => {
                self.topics.insert(name.clone(), (*partitions, None));
            }
            Step::RemoveTopic(name) => {
                if self.topics.remove(name).is_none() {
                    return Err(at(path, format!("topic {name:?} does not exist")));
                }
            }
        }
        // What members owned of a topic that shrank or went away is simply gone.
        let topics = &self.topics;
        for m in &mut self.members {
            m.owned.retain(|(t, p)| topics.get(t).is_some_and(|(n, _)| p < n));
            m.topics
                .retain(|t| topics.contains_key(t) || !matches!(step, Step::RemoveTopic(r) if r == t));
        }
        Ok(())
    }

    /// The group as the assignor sees it, with every reference checked, and a warning line for
    /// each thing ignored on the way. As Kafka's assignors do, a subscription to a topic that does
    /// not exist is ignored and owned partitions of such a topic are dropped.
    pub fn to_spec(&self, protocol: regroup_assignor_api::Protocol) -> Result<Checked> {
        let topics: Vec<Topic> = self
            .topics
            .iter()
            .map(|(name, (partitions, racks))| Topic {
                name: name.clone(),
                partitions: *partitions,
                replica_racks: racks.clone(),
            })
            .collect();
        let id_of = |name: &str| {
            self.topics
                .keys()
                .position(|t| t == name)
                .map(|i| TopicId(i as u32))
        };
        let mut warnings = Vec::new();
        let members = self
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let path = format!("members[{i}] ({})", m.id);
                let mut missing: Vec<&str> = Vec::new();
                let mut subscribed: Vec<TopicId> = Vec::with_capacity(m.topics.len());
                for t in &m.topics {
                    match id_of(t) {
                        Some(id) => subscribed.push(id),
                        None if missing.contains(&t.as_str()) => {}
                        None => {
                            missing.push(t);
                            warnings.push(at(
                                &path,
                                format!("subscribes to {t:?}, which is not in \"topics\"; ignored"),
                            ));
                        }
                    }
                }
                subscribed.sort_unstable();
                subscribed.dedup();
                let mut gone: Vec<&str> = Vec::new();
                let mut owned = Vec::with_capacity(m.owned.len());
                for (t, p) in &m.owned {
                    let Some(id) = id_of(t) else {
                        if !gone.contains(&t.as_str()) {
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
                    owned.push(TopicPartition::new(id, *p));
                }
                Ok(Member {
                    id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    topics: subscribed.into(),
                    user_data: m.user_data.clone(),
                    owned,
                    owned_generation: m.generation,
                    rack: m.rack.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let spec = GroupSpec {
            generation: self.generation,
            protocol,
            topics,
            members,
        };
        Ok(Checked { spec, warnings })
    }

    /// Records an assignment as what each member owns, in the next generation.
    pub fn take_ownership(&mut self, spec: &GroupSpec, assignment: &regroup_assignor_api::Assignment) {
        for m in &mut self.members {
            let owned = assignment.partitions_of(&m.id).unwrap_or(&[]);
            m.owned = owned
                .iter()
                .map(|tp| (spec.topic(tp.topic).name.clone(), tp.partition))
                .collect();
            m.generation = Some(spec.generation);
        }
        self.generation = spec.generation + 1;
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
    fn errors_name_what_and_where() {
        let cases = [
            (
                r#"{"topics": {}, "members": [{"id": "a", "owned": [["t"]]}]}"#,
                "members[0].owned[0]: expected [topic, partition]",
            ),
            (
                r#"{"topics": {"t": -1}, "members": []}"#,
                "topics.t: expected a whole number",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a", "colour": 1}]}"#,
                "members[0]: unknown field \"colour\"",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a"}, {"id": "a"}]}"#,
                "members[1].id: member \"a\" appears twice",
            ),
            (
                r#"{"topics": {}, "members": [{"id": "a", "user_data_base64": "!!"}]}"#,
                "members[0].user_data_base64: not valid base64",
            ),
            (r#"{"members": []}"#, "topics: missing"),
            (
                r#"{"topics": {"t": {"racks": [["a"]], "partitions": 2}}, "members": []}"#,
                "topics.t.racks: has 1 entries",
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
            r#"{"topics": {"t": 2}, "members": [{"id": "a", "topics": ["x", "t", "x"], "owned": [["t", 1], ["gone", 0], ["gone", 1]]}]}"#,
        )
        .unwrap();
        let checked = missing.to_spec(Protocol::Eager).unwrap();
        let t = checked.spec.topic_id("t").unwrap();
        assert_eq!(checked.spec.members[0].topics.as_slice(), [t]);
        assert_eq!(checked.spec.members[0].owned, [TopicPartition::new(t, 1)]);
        assert_eq!(
            checked.warnings,
            [
                "members[0] (a): subscribes to \"x\", which is not in \"topics\"; ignored",
                "members[0] (a): owns partitions of \"gone\", which is not in \"topics\"; dropped",
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
        assert_eq!(group.members[0].id, "b");
        group.apply(&steps[3], "steps[3]").unwrap();
        assert!(group.members[0].topics.is_empty());
        assert!(
            group
                .apply(&steps[2], "steps[2]")
                .unwrap_err()
                .contains("\"a\" is not in the group")
        );
    }
}
