//! What `regroup assign` prints: the text report and the `--json` object, written straight to a
//! buffered stream. A million partitions print in milliseconds: each topic name is escaped once,
//! numbers are written with `itoa`, and no JSON value is built in between.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use regroup_assignor_api::kit;
use regroup_assignor_api::model::{Assignment, AssignorInfo, GroupSpec, Protocol, TopicPartition};

use crate::group::cooperative::CooperativeStep;

/// One assignment run and what it means for the members.
pub struct Outcome {
    pub spec: Arc<GroupSpec>,
    pub assignment: Assignment,
    /// Under the cooperative protocol, the first step of the rebalance.
    pub step: Option<CooperativeStep>,
    pub elapsed: Duration,
}

/// What one member is shown: partitions it gets now (sorted), partitions withheld until revoked
/// (sorted) and the assignor's data for it.
struct MemberView<'a> {
    id: &'a str,
    granted: Cow<'a, [TopicPartition]>,
    pending: &'a [TopicPartition],
    user_data: &'a [u8],
}

fn sorted(partitions: &[TopicPartition]) -> Cow<'_, [TopicPartition]> {
    if partitions.is_sorted() {
        Cow::Borrowed(partitions)
    } else {
        let mut copy = partitions.to_vec();
        copy.sort_unstable();
        Cow::Owned(copy)
    }
}

impl Outcome {
    /// Every member of the group, in the group's order, with what it is shown.
    fn views(&self) -> Vec<MemberView<'_>> {
        let by_id: HashMap<&str, usize> = self
            .assignment
            .members
            .iter()
            .enumerate()
            .map(|(i, a)| (a.member_id.as_str(), i))
            .collect();
        self.spec
            .members
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let assigned = by_id
                    .get(member.id.as_str())
                    .map(|&a| &self.assignment.members[a]);
                let (granted, pending) = match &self.step {
                    Some(step) => (
                        Cow::Borrowed(step.members[i].granted.as_slice()),
                        step.members[i].pending.as_slice(),
                    ),
                    None => (sorted(assigned.map_or(&[][..], |a| &a.partitions)), &[][..]),
                };
                MemberView {
                    id: &member.id,
                    granted,
                    pending,
                    user_data: assigned.map_or(&[][..], |a| &a.user_data),
                }
            })
            .collect()
    }

    fn summary(&self) -> (kit::Balance, usize) {
        (
            kit::balance(&self.spec, &self.assignment),
            kit::movement(&self.spec, &self.assignment),
        )
    }
}

/// A JSON string, quotes included.
fn json_string(text: &str) -> Vec<u8> {
    serde_json::to_vec(text).expect("a string always serializes")
}

/// Writes the parts of the `--json` objects: members and summary. Keys come in sorted order, as
/// they always have.
struct JsonWriter {
    /// Each topic's name as a JSON string, by topic id.
    names: Vec<Vec<u8>>,
    number: itoa::Buffer,
}

impl JsonWriter {
    fn new(spec: &GroupSpec) -> Self {
        JsonWriter {
            names: spec.topics.iter().map(|t| json_string(&t.name)).collect(),
            number: itoa::Buffer::new(),
        }
    }

    fn int(&mut self, out: &mut impl Write, n: impl itoa::Integer) -> io::Result<()> {
        out.write_all(self.number.format(n).as_bytes())
    }

    /// `[["topic",0],["topic",1],...]`
    fn partitions(&mut self, out: &mut impl Write, partitions: &[TopicPartition]) -> io::Result<()> {
        out.write_all(b"[")?;
        for (i, tp) in partitions.iter().enumerate() {
            out.write_all(if i == 0 { b"[" } else { b",[" })?;
            out.write_all(&self.names[tp.topic.index()])?;
            out.write_all(b",")?;
            self.int(out, tp.partition)?;
            out.write_all(b"]")?;
        }
        out.write_all(b"]")
    }

    /// `{"<id>":{"partitions":[...],"pending":[...],"user_data_base64":null},...}`, members by id.
    fn members(&mut self, out: &mut impl Write, outcome: &Outcome) -> io::Result<()> {
        let mut views = outcome.views();
        views.sort_unstable_by(|a, b| a.id.cmp(b.id));
        out.write_all(b"{")?;
        for (i, view) in views.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(&json_string(view.id))?;
            out.write_all(b":{\"partitions\":")?;
            self.partitions(out, &view.granted)?;
            if outcome.step.is_some() {
                out.write_all(b",\"pending\":")?;
                self.partitions(out, view.pending)?;
            }
            out.write_all(b",\"user_data_base64\":")?;
            if view.user_data.is_empty() {
                out.write_all(b"null")?;
            } else {
                let encoded = base64::engine::general_purpose::STANDARD.encode(view.user_data);
                out.write_all(&json_string(&encoded))?;
            }
            out.write_all(b"}")?;
        }
        out.write_all(b"}")
    }

    /// `{"elapsed_us":N,"max":N,"min":N,"moved":N}`
    fn summary(&mut self, out: &mut impl Write, outcome: &Outcome) -> io::Result<()> {
        let (balance, moved) = outcome.summary();
        out.write_all(b"{\"elapsed_us\":")?;
        self.int(out, outcome.elapsed.as_micros() as u64)?;
        out.write_all(b",\"max\":")?;
        self.int(out, balance.max)?;
        out.write_all(b",\"min\":")?;
        self.int(out, balance.min)?;
        out.write_all(b",\"moved\":")?;
        self.int(out, moved)?;
        out.write_all(b"}")
    }
}

/// The `--json` object of one run.
pub fn write_json(
    out: &mut impl Write,
    info: &AssignorInfo,
    protocol: Protocol,
    outcome: &Outcome,
) -> io::Result<()> {
    let mut json = JsonWriter::new(&outcome.spec);
    out.write_all(b"{\"members\":")?;
    json.members(out, outcome)?;
    out.write_all(b",\"protocol\":")?;
    out.write_all(&json_string(protocol.as_str()))?;
    out.write_all(b",\"strategy\":")?;
    out.write_all(&json_string(&info.name))?;
    out.write_all(b",\"summary\":")?;
    json.summary(out, outcome)?;
    out.write_all(b",\"version\":")?;
    out.write_all(&json_string(&info.version))?;
    out.write_all(b"}\n")
}

/// The `--json` object of a replay: `{"protocol":..,"steps":[{"change":..,"members":{..},
/// "step":N,"summary":{..}},...],"strategy":..,"version":..}`.
pub struct StepsJson {
    started: bool,
}

impl StepsJson {
    pub fn start(out: &mut impl Write, protocol: Protocol) -> io::Result<StepsJson> {
        out.write_all(b"{\"protocol\":")?;
        out.write_all(&json_string(protocol.as_str()))?;
        out.write_all(b",\"steps\":[")?;
        Ok(StepsJson { started: false })
    }

    pub fn step(
        &mut self,
        out: &mut impl Write,
        step: usize,
        change: &str,
        outcome: &Outcome,
    ) -> io::Result<()> {
        if std::mem::replace(&mut self.started, true) {
            out.write_all(b",")?;
        }
        let mut json = JsonWriter::new(&outcome.spec);
        out.write_all(b"{\"change\":")?;
        out.write_all(&json_string(change))?;
        out.write_all(b",\"members\":")?;
        json.members(out, outcome)?;
        out.write_all(b",\"step\":")?;
        json.int(out, step)?;
        out.write_all(b",\"summary\":")?;
        json.summary(out, outcome)?;
        out.write_all(b"}")
    }

    pub fn finish(self, out: &mut impl Write, info: &AssignorInfo) -> io::Result<()> {
        out.write_all(b"],\"strategy\":")?;
        out.write_all(&json_string(&info.name))?;
        out.write_all(b",\"version\":")?;
        out.write_all(&json_string(&info.version))?;
        out.write_all(b"}\n")
    }
}

/// The text report of one run: a line per member (`  c1: [orders-0 orders-1]`), pending and
/// user data lines where there are any, and the summary.
pub fn write_text(out: &mut impl Write, outcome: &Outcome) -> io::Result<()> {
    let spec = &outcome.spec;
    let names: Vec<&[u8]> = spec.topics.iter().map(|t| t.name.as_bytes()).collect();
    let mut number = itoa::Buffer::new();
    let mut list = |out: &mut dyn Write, partitions: &[TopicPartition]| -> io::Result<()> {
        out.write_all(b"[")?;
        for (i, tp) in partitions.iter().enumerate() {
            if i > 0 {
                out.write_all(b" ")?;
            }
            out.write_all(names[tp.topic.index()])?;
            out.write_all(b"-")?;
            out.write_all(number.format(tp.partition).as_bytes())?;
        }
        out.write_all(b"]\n")
    };
    for view in outcome.views() {
        let pad = " ".repeat(view.id.len());
        write!(out, "  {}: ", view.id)?;
        list(out, &view.granted)?;
        if !view.pending.is_empty() {
            write!(out, "  {pad}  pending revocation: ")?;
            list(out, view.pending)?;
        }
        if !view.user_data.is_empty() {
            match std::str::from_utf8(view.user_data) {
                Ok(text) => writeln!(out, "  {pad}  user data: {text}")?,
                Err(_) => writeln!(out, "  {pad}  user data: {} bytes", view.user_data.len())?,
            }
        }
    }
    let (balance, moved) = outcome.summary();
    writeln!(
        out,
        "  {balance}; {} moved; {} µs",
        super::plural(moved as u64, "owned partition"),
        outcome.elapsed.as_micros()
    )
}
