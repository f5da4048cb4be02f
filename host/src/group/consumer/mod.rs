//! Consumer-protocol groups (Kafka's KIP-848, `group.protocol=consumer`): the host runs the
//! assignor and each member reconciles towards its target through its own heartbeats.
//!
//! - `mod.rs` (this file): [`ConsumerGroup`], one group's members, epochs and reconciliation.
//! - `assign.rs`: the assignor run: the spec the strategy sees, its result as a target.
//! - `describe.rs`: the group's state and description.
//! - `types.rs`: the heartbeat, its answer, the refusals, the description.
//!
//! # Epochs
//!
//! The **group epoch** rises with every change that calls for a new target: a member joins,
//! leaves or expires, a subscription, rack or assignor request changes, a subscribed topic
//! changes, or the strategy the group runs is added, replaced or removed. The **assignment
//! epoch** is the group epoch the current target was computed for; the group is `assigning`
//! while it lags. A member's **member epoch** says which target it has caught up with: it
//! reaches the assignment epoch once it has nothing left to give up.
//!
//! # Reconciliation (as Kafka's `CurrentAssignmentBuilder`)
//!
//! On each heartbeat, against the member's target: a partition it holds but is no longer its
//! own goes to its revoking set (the answer's assignment omits it); once its heartbeat stops
//! listing that partition, the partition is free. A member with nothing to revoke takes every
//! target partition that no other member holds; one still held elsewhere waits for that owner's
//! heartbeat (or its session to expire). So no partition ever has two owners ([`ConsumerGroup::owner`]
//! holds each partition's one owner), and a partition that stays with its member is never
//! revoked.
//!
//! # Fencing and leaving
//!
//! A heartbeat with an epoch other than the member's gets FENCED_MEMBER_EPOCH (the previous epoch
//! is accepted while what the member lists is still its own: its last answer may have been
//! lost); an unknown member id gets UNKNOWN_MEMBER_ID. Epoch -1 leaves: the member's partitions
//! are freed at once. Epoch -2 (a static member going away for a while) keeps its partitions
//! for its session: the same instance id joining again takes them back, with the member's epoch,
//! without a new target. A second live member with an instance id in use gets
//! UNRELEASED_INSTANCE_ID, as in Kafka. A member not heard from for the session timeout, or that
//! holds partitions it must revoke for longer than its rebalance timeout, is removed.

mod assign;
mod describe;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use regex::Regex;

pub(super) use assign::ConsumerJob;
pub use types::*;

use super::state::Retry;
use super::{Committer, GroupError, PartitionName, Strategies, StrategyDescription, TopicCatalog};

/// Kafka's default assignor names and the Regroup strategies they run when no strategy of that
/// name is served. Kafka's `uniform` spreads partitions evenly and keeps each where it is when it
/// can: Regroup's `cooperative-sticky` does that. Kafka's `range` is Regroup's `range`.
pub const ASSIGNOR_ALIASES: &[(&str, &str)] = &[("uniform", "cooperative-sticky")];

/// A member's rebalance timeout when it states none (Kafka's client default, `max.poll.interval.ms`).
const DEFAULT_REBALANCE_TIMEOUT: Duration = Duration::from_millis(300_000);

/// The heartbeat interval told to a member waiting for a partition another member still holds.
pub const WAITING_HEARTBEAT_INTERVAL: Duration = Duration::from_millis(200);

/// The longest regular expression a member may subscribe with (bytes).
const MAX_REGEX_BYTES: usize = 1024;

/// What the host decides for every consumer-protocol group.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// Kafka's `group.consumer.heartbeat.interval.ms` (5 s).
    pub heartbeat_interval: Duration,
    /// Kafka's `group.consumer.session.timeout.ms` (45 s).
    pub session_timeout: Duration,
    /// Kafka's `group.consumer.assignors`: the first is the default of groups that name none.
    pub assignors: Vec<String>,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        ConsumerSettings {
            heartbeat_interval: Duration::from_millis(5_000),
            session_timeout: Duration::from_millis(45_000),
            assignors: vec!["uniform".to_owned(), "range".to_owned()],
        }
    }
}

/// The strategy an assignor name runs now: the strategy of that name, else its alias's.
pub fn resolve_assignor(name: &str, strategies: &dyn Strategies) -> Option<String> {
    let served = strategies.names();
    if served.contains(name) {
        return Some(name.to_owned());
    }
    ASSIGNOR_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, target)| (*target).to_owned())
        .filter(|target| served.contains(target))
}

/// Every assignor name the host answers to now: its strategies and the aliases they back.
pub fn served_assignors(strategies: &dyn Strategies) -> Vec<String> {
    let mut names: BTreeSet<String> = strategies.names();
    for (alias, target) in ASSIGNOR_ALIASES {
        if names.contains(*target) {
            names.insert((*alias).to_owned());
        }
    }
    names.into_iter().collect()
}

/// A subscription by regular expression, compiled once.
#[derive(Debug, Clone)]
pub(super) struct TopicPattern {
    pub source: String,
    regex: Regex,
}

impl TopicPattern {
    /// Kafka matches a topic name whole against an RE2/J pattern; the `regex` crate's syntax is
    /// RE2's, so the pattern is anchored at both ends and compiled within a size bound.
    fn compile(source: &str) -> Result<TopicPattern, String> {
        if source.len() > MAX_REGEX_BYTES {
            return Err(format!(
                "the subscribed regular expression is {} bytes; at most {MAX_REGEX_BYTES} are accepted",
                source.len()
            ));
        }
        let regex = regex::RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("the subscribed regular expression {source:?} is invalid: {e}"))?;
        Ok(TopicPattern {
            source: source.to_owned(),
            regex,
        })
    }

    pub fn matches(&self, topic: &str) -> bool {
        self.regex.is_match(topic)
    }
}

#[derive(Debug, Clone)]
pub(super) struct ConsumerMember {
    pub id: String,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    /// Sorted, without duplicates.
    pub topics: Vec<String>,
    pub pattern: Option<TopicPattern>,
    pub assignor: Option<String>,
    pub epoch: i32,
    pub previous_epoch: i32,
    /// Partitions it may consume (told in its last answer), sorted.
    pub assigned: BTreeSet<PartitionName>,
    /// Partitions it still holds but must give up.
    pub revoking: BTreeSet<PartitionName>,
    /// Since when `revoking` has been non-empty.
    pub revoking_since: Option<Instant>,
    /// The assignment last sent to it.
    pub sent: Option<BTreeSet<PartitionName>>,
    pub last_heard: Instant,
    pub rebalance_timeout: Duration,
    /// A static member that left with epoch -2, keeping its partitions for its session.
    pub left: bool,
}

impl ConsumerMember {
    fn holds(&self, partition: &PartitionName) -> bool {
        self.assigned.contains(partition) || self.revoking.contains(partition)
    }
}

/// One consumer-protocol group, under its lock in the coordinator.
pub(in crate::group) struct ConsumerGroup {
    pub name: String,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    /// Each member's target, of `assignment_epoch`.
    pub target: BTreeMap<String, BTreeSet<PartitionName>>,
    pub members: BTreeMap<String, ConsumerMember>,
    /// Each held partition's one owner.
    pub owner: BTreeMap<PartitionName, String>,
    /// The name the group's assignor answers to, and the strategy that ran last.
    pub assignor: String,
    pub strategy: Option<StrategyDescription>,
    /// A strategy run is in flight.
    pub running: bool,
    pub degraded: Option<String>,
    /// After a failed run: no run before its time, and the jittered pauses that follow.
    pub retry: Option<Retry>,
    /// Deleted: every call on it fails.
    pub dead: bool,
}

impl ConsumerGroup {
    pub fn new(name: &str, default_assignor: &str) -> Self {
        ConsumerGroup {
            name: name.to_owned(),
            group_epoch: 0,
            assignment_epoch: 0,
            target: BTreeMap::new(),
            members: BTreeMap::new(),
            owner: BTreeMap::new(),
            assignor: default_assignor.to_owned(),
            strategy: None,
            running: false,
            degraded: None,
            retry: None,
            dead: false,
        }
    }

    fn bump(&mut self, why: &str) {
        self.group_epoch += 1;
        tracing::debug!(group = %self.name, epoch = self.group_epoch, "consumer group epoch bumped: {why}");
    }

    fn invalid(&self, reason: String) -> ConsumerError {
        ConsumerError::InvalidRequest {
            group: self.name.clone(),
            reason,
        }
    }

    /// One heartbeat, as of `now`. `new_id` names a member that did not name itself.
    ///
    /// A member whose target holds partitions another member still has is told to heartbeat
    /// again within [`WAITING_HEARTBEAT_INTERVAL`] rather than the host's interval: it learns of
    /// their release that much sooner (a handover otherwise costs up to two intervals, one for the
    /// owner to hear of it and one for the new owner).
    pub fn heartbeat(
        &mut self,
        req: &ConsumerHeartbeat,
        settings: &ConsumerSettings,
        strategies: &dyn Strategies,
        now: Instant,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<ConsumerAnswer, ConsumerError> {
        let mut answer = self.heartbeat_answer(req, settings, strategies, now, new_id)?;
        let waiting = self.members.get(&answer.member_id).is_some_and(|m| {
            self.target
                .get(&m.id)
                .is_some_and(|target| target.iter().any(|p| !m.assigned.contains(p)))
        });
        if waiting {
            answer.heartbeat_interval = answer.heartbeat_interval.min(WAITING_HEARTBEAT_INTERVAL);
        }
        Ok(answer)
    }

    fn heartbeat_answer(
        &mut self,
        req: &ConsumerHeartbeat,
        settings: &ConsumerSettings,
        strategies: &dyn Strategies,
        now: Instant,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<ConsumerAnswer, ConsumerError> {
        let answer = |id: &str, epoch: i32, assignment: Option<Vec<PartitionName>>| ConsumerAnswer {
            member_id: id.to_owned(),
            member_epoch: epoch,
            heartbeat_interval: settings.heartbeat_interval,
            assignment,
        };
        if let Some(name) = &req.assignor
            && resolve_assignor(name, strategies).is_none()
        {
            return Err(ConsumerError::UnsupportedAssignor {
                group: self.name.clone(),
                assignor: name.clone(),
                served: served_assignors(strategies),
            });
        }
        let pattern = match &req.subscribed_regex {
            Some(source) if !source.is_empty() => {
                // Members repeat their pattern in every full heartbeat: compile it only when new.
                let known = self
                    .members
                    .get(&req.member_id)
                    .and_then(|m| m.pattern.as_ref())
                    .filter(|p| &p.source == source)
                    .cloned();
                Some(Some(match known {
                    Some(pattern) => pattern,
                    None => TopicPattern::compile(source).map_err(|r| self.invalid(r))?,
                }))
            }
            Some(_) => Some(None),
            None => None,
        };
        match req.member_epoch {
            -1 | -2 => {
                let Some(member) = self.members.get_mut(&req.member_id) else {
                    return Err(self.unknown(&req.member_id));
                };
                if req.member_epoch == -2 && member.instance_id.is_some() {
                    member.left = true;
                    member.last_heard = now;
                } else {
                    self.remove(&req.member_id, "it left");
                }
                return Ok(answer(&req.member_id, req.member_epoch, None));
            }
            0 => {
                let (id, new) = self.join(req, now, new_id)?;
                let changed = self.update_member(&id, req, pattern, settings, now);
                if new {
                    self.bump("a member joined");
                    // A new member starts at the group epoch, with nothing.
                    self.members.get_mut(&id).expect("joined").epoch = self.group_epoch;
                } else if let Some(why) = changed {
                    self.bump(&why);
                }
                let epoch = self.reconcile(&id, now);
                let member = self.members.get_mut(&id).expect("joined");
                member.sent = Some(member.assigned.clone());
                return Ok(answer(
                    &id,
                    epoch,
                    Some(member.assigned.iter().cloned().collect()),
                ));
            }
            epoch if epoch < 0 => {
                return Err(self.invalid(format!("member epoch {epoch} is not a valid epoch")));
            }
            epoch => {
                let Some(member) = self.members.get(&req.member_id) else {
                    return Err(self.unknown(&req.member_id));
                };
                if member.left {
                    return Err(self.unknown(&req.member_id));
                }
                let lost_answer = epoch == member.previous_epoch
                    && req
                        .owned
                        .as_ref()
                        .is_some_and(|owned| owned.iter().all(|p| member.holds(p)));
                if epoch != member.epoch && !lost_answer {
                    return Err(ConsumerError::FencedMemberEpoch {
                        group: self.name.clone(),
                        member: req.member_id.clone(),
                        epoch,
                        current: member.epoch,
                    });
                }
                if lost_answer {
                    // Its last answer did not arrive: send the assignment again.
                    self.members.get_mut(&req.member_id).expect("known").sent = None;
                }
            }
        }
        let id = req.member_id.clone();
        if let Some(owned) = &req.owned {
            self.released(&id, owned);
        }
        if let Some(why) = self.update_member(&id, req, pattern, settings, now) {
            self.bump(&why);
        }
        let epoch = self.reconcile(&id, now);
        let member = self.members.get_mut(&id).expect("known");
        let changed = member.sent.as_ref() != Some(&member.assigned)
            || req
                .owned
                .as_ref()
                .is_some_and(|owned| owned.iter().any(|p| !member.holds(p)));
        let assignment = changed.then(|| {
            member.sent = Some(member.assigned.clone());
            member.assigned.iter().cloned().collect()
        });
        Ok(answer(&id, epoch, assignment))
    }

    fn unknown(&self, member: &str) -> ConsumerError {
        ConsumerError::UnknownMember {
            group: self.name.clone(),
            member: member.to_owned(),
        }
    }

    /// Epoch 0: a new member, a static member coming back, or a member rejoining after it was
    /// fenced (it holds nothing now). Returns its id, and whether it is new to the group.
    fn join(
        &mut self,
        req: &ConsumerHeartbeat,
        now: Instant,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<(String, bool), ConsumerError> {
        let id = if req.member_id.is_empty() {
            new_id()
        } else {
            req.member_id.clone()
        };
        if let Some(instance) = &req.instance_id {
            let previous = self
                .members
                .values()
                .find(|m| m.instance_id.as_ref() == Some(instance) && m.id != id)
                .map(|m| (m.id.clone(), m.left));
            match previous {
                Some((old, true)) => {
                    // The static member is back: it takes its partitions and epoch back.
                    let mut member = self.members.remove(&old).expect("found");
                    member.id = id.clone();
                    member.left = false;
                    member.last_heard = now;
                    for owner in self.owner.values_mut() {
                        if *owner == old {
                            *owner = id.clone();
                        }
                    }
                    if let Some(target) = self.target.remove(&old) {
                        self.target.insert(id.clone(), target);
                    }
                    self.members.insert(id.clone(), member);
                    return Ok((id, false));
                }
                Some((old, false)) => {
                    return Err(ConsumerError::UnreleasedInstanceId {
                        group: self.name.clone(),
                        instance: instance.clone(),
                        member: old,
                    });
                }
                None => {}
            }
        }
        if req.subscribed_topics.is_none() && req.subscribed_regex.is_none() {
            return Err(self.invalid(
                "a joining member must subscribe to topic names or a regular expression".to_owned(),
            ));
        }
        match self.members.get(&id) {
            Some(_) => {
                // Rejoining after being fenced: it gave everything up.
                self.release_all(&id);
                let member = self.members.get_mut(&id).expect("known");
                member.previous_epoch = member.epoch;
                member.last_heard = now;
                self.bump("a member rejoined");
                Ok((id, false))
            }
            None => {
                let member = ConsumerMember {
                    id: id.clone(),
                    instance_id: req.instance_id.clone(),
                    rack: None,
                    topics: Vec::new(),
                    pattern: None,
                    assignor: None,
                    epoch: 0,
                    previous_epoch: 0,
                    assigned: BTreeSet::new(),
                    revoking: BTreeSet::new(),
                    revoking_since: None,
                    sent: None,
                    last_heard: now,
                    rebalance_timeout: req.rebalance_timeout.unwrap_or(DEFAULT_REBALANCE_TIMEOUT),
                    left: false,
                };
                self.members.insert(id.clone(), member);
                Ok((id, true))
            }
        }
    }

    /// Takes the fields the heartbeat carries; says why the target must change, if it must.
    fn update_member(
        &mut self,
        id: &str,
        req: &ConsumerHeartbeat,
        pattern: Option<Option<TopicPattern>>,
        settings: &ConsumerSettings,
        now: Instant,
    ) -> Option<String> {
        let member = self.members.get_mut(id).expect("known");
        member.last_heard = now;
        let mut changed = Vec::new();
        if let Some(timeout) = req.rebalance_timeout {
            member.rebalance_timeout = timeout;
        }
        if let Some(rack) = &req.rack
            && member.rack.as_ref() != Some(rack)
        {
            member.rack = (!rack.is_empty()).then(|| rack.clone());
            changed.push("rack");
        }
        if let Some(topics) = &req.subscribed_topics {
            let mut topics = topics.clone();
            topics.sort_unstable();
            topics.dedup();
            if member.topics != topics {
                member.topics = topics;
                changed.push("subscription");
            }
        }
        if let Some(pattern) = pattern
            && member.pattern.as_ref().map(|p| &p.source) != pattern.as_ref().map(|p| &p.source)
        {
            member.pattern = pattern;
            changed.push("subscribed regular expression");
        }
        if let Some(assignor) = &req.assignor
            && member.assignor.as_ref() != Some(assignor)
        {
            member.assignor = Some(assignor.clone());
        }
        let assignor = self.chosen_assignor(&settings.assignors);
        if assignor != self.assignor {
            self.assignor = assignor;
            changed.push("assignor");
        }
        (!changed.is_empty()).then(|| format!("changed: {}", changed.join(", ")))
    }

    /// Kafka's rule: the assignor most members name (ties to the first by name); with none named,
    /// the host's default.
    fn chosen_assignor(&self, defaults: &[String]) -> String {
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for member in self.members.values() {
            if let Some(name) = &member.assignor {
                *votes.entry(name).or_default() += 1;
            }
        }
        let best = votes.values().copied().max();
        votes
            .iter()
            .find(|(_, n)| Some(**n) == best)
            .map(|(name, _)| (*name).to_owned())
            .or_else(|| defaults.first().cloned())
            .unwrap_or_else(|| "uniform".to_owned())
    }

    /// Moves the member towards its target; returns its epoch.
    fn reconcile(&mut self, id: &str, now: Instant) -> i32 {
        let target = self.target.get(id).cloned().unwrap_or_default();
        let assignment_epoch = self.assignment_epoch;
        let member = self.members.get_mut(id).expect("known");
        let leaving: Vec<PartitionName> = member.assigned.difference(&target).cloned().collect();
        for partition in leaving {
            member.assigned.remove(&partition);
            member.revoking.insert(partition);
        }
        if member.revoking.is_empty() {
            member.revoking_since = None;
            if assignment_epoch > member.epoch {
                member.previous_epoch = member.epoch;
                member.epoch = assignment_epoch;
            }
            for partition in target {
                if member.assigned.contains(&partition) {
                    continue;
                }
                let held = self.owner.get(&partition);
                if held.is_none() || held.is_some_and(|o| o == id) {
                    self.owner.insert(partition.clone(), id.to_owned());
                    member.assigned.insert(partition);
                }
            }
        } else if member.revoking_since.is_none() {
            member.revoking_since = Some(now);
        }
        member.epoch
    }

    /// The member's heartbeat listed what it holds: what it was giving up and no longer lists is
    /// free.
    pub fn released(&mut self, id: &str, owned: &[PartitionName]) {
        let Some(member) = self.members.get_mut(id) else {
            return;
        };
        let owned: BTreeSet<&PartitionName> = owned.iter().collect();
        let freed: Vec<PartitionName> = member
            .revoking
            .iter()
            .filter(|p| !owned.contains(p))
            .cloned()
            .collect();
        for partition in freed {
            member.revoking.remove(&partition);
            if self.owner.get(&partition).is_some_and(|o| o == id) {
                self.owner.remove(&partition);
            }
        }
    }

    fn release_all(&mut self, id: &str) {
        if let Some(member) = self.members.get_mut(id) {
            member.assigned.clear();
            member.revoking.clear();
            member.revoking_since = None;
            member.sent = None;
        }
        self.owner.retain(|_, owner| owner != id);
    }

    fn remove(&mut self, id: &str, why: &str) {
        self.release_all(id);
        self.members.remove(id);
        self.target.remove(id);
        tracing::info!(group = %self.name, member = id, "consumer group member removed: {why}");
        self.bump(why);
        if self.members.is_empty() {
            self.target.clear();
            self.assignment_epoch = self.group_epoch;
        }
    }

    /// Session expiry and revocations past the rebalance timeout, as of `now`.
    pub fn tick(&mut self, settings: &ConsumerSettings, now: Instant) {
        let expired: Vec<(String, &'static str)> = self
            .members
            .values()
            .filter_map(|m| {
                if now.saturating_duration_since(m.last_heard) > settings.session_timeout {
                    Some((m.id.clone(), "its session expired"))
                } else if m
                    .revoking_since
                    .is_some_and(|since| now.saturating_duration_since(since) > m.rebalance_timeout)
                {
                    Some((m.id.clone(), "it did not revoke within its rebalance timeout"))
                } else {
                    None
                }
            })
            .collect();
        for (id, why) in expired {
            self.remove(&id, why);
        }
    }

    /// A strategy was added, replaced or removed: a group running it, or whose assignor name now
    /// resolves to it, computes its target again; a failed group retries at once.
    pub fn strategy_changed(&mut self, name: &str, strategies: &dyn Strategies) {
        if self.members.is_empty() {
            return;
        }
        let runs = self.strategy.as_ref().is_some_and(|s| s.name == name);
        let resolves =
            resolve_assignor(&self.assignor, strategies).is_some_and(|s| s == name) || self.assignor == name;
        if runs || resolves {
            self.retry = None;
            self.bump(&format!("strategy {name} changed"));
        }
    }

    /// Topics were created, grew or were deleted: a group reading them (by name or pattern)
    /// computes its target again; a deleted topic's partitions leave it.
    pub fn topics_changed(&mut self, topics: &[&str]) {
        let reads = self.members.values().any(|m| {
            topics
                .iter()
                .any(|t| m.topics.iter().any(|s| s == t) || m.pattern.as_ref().is_some_and(|p| p.matches(t)))
        });
        if reads {
            self.bump("a subscribed topic changed");
        }
    }

    /// Kafka's rule for commits to a consumer-protocol group (OffsetCommit from version 9): a
    /// member commits with its current member epoch, whatever partitions it names; a committer
    /// from outside only while the group has no members.
    pub fn check_committer(&self, committer: &Committer) -> Result<(), GroupError> {
        match committer {
            Committer::Member {
                member_id,
                generation: epoch,
            } => self.check_member_epoch(member_id, *epoch),
            Committer::Standalone => self.refuse_if_members("commit offsets outside of"),
        }
    }

    pub fn refuse_if_members(&self, action: &'static str) -> Result<(), GroupError> {
        GroupError::refuse_if_members(&self.name, self.members.len(), action)
    }

    /// Kafka's rule for OffsetFetch from version 9: a fetcher naming a member must be that
    /// member at its current epoch; one naming none (no member id and a negative epoch: an admin
    /// tool, or a client outside the group) may always read.
    pub fn check_fetcher(&self, member_id: Option<&str>, epoch: i32) -> Result<(), GroupError> {
        match member_id {
            None | Some("") if epoch < 0 => Ok(()),
            member_id => self.check_member_epoch(member_id.unwrap_or_default(), epoch),
        }
    }

    /// A live member of the group, at `epoch` exactly.
    fn check_member_epoch(&self, member_id: &str, epoch: i32) -> Result<(), GroupError> {
        let member =
            self.members
                .get(member_id)
                .filter(|m| !m.left)
                .ok_or_else(|| GroupError::UnknownMember {
                    group: self.name.clone(),
                    member: member_id.to_owned(),
                })?;
        if epoch != member.epoch {
            return Err(GroupError::StaleMemberEpoch {
                group: self.name.clone(),
                member: member_id.to_owned(),
                epoch,
                current: member.epoch,
            });
        }
        Ok(())
    }

    /// Whether a strategy run should start now; `catalog` resolves subscriptions.
    pub fn prepare(
        &mut self,
        strategies: &dyn Strategies,
        catalog: &dyn TopicCatalog,
        now: Instant,
    ) -> Option<ConsumerJob> {
        if self.dead || self.running || self.assignment_epoch >= self.group_epoch {
            return None;
        }
        if self.retry.as_ref().is_some_and(|retry| now < retry.at) {
            return None;
        }
        if self.members.is_empty() {
            self.target.clear();
            self.assignment_epoch = self.group_epoch;
            return None;
        }
        self.running = true;
        Some(ConsumerJob::new(self, strategies, catalog))
    }
}
