//! One group's state and its transitions; the coordinator calls these under the group's lock.
//!
//! Ownership is kept two ways that always agree: `Group::owner` (partition to member) and each
//! member's `owned` set. Every change goes through `grant` and `release`, so a partition can
//! never have two owners; a partition that must move is recorded in `withheld` (partition to its
//! target member) until its owner releases it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use regroup_assignor_api::model::{self, Assignment, GroupSpec, Protocol, TopicPartition};

use super::cooperative;
use super::error::GroupError;
use super::negotiate;
use super::strategies::{Strategies, StrategyInfo};
use super::ticket::{JoinTicket, TicketSender, ticket};
use super::topics::{TopicCatalog, topic_index};
use super::types::*;

/// A member's place in the group: join order, so the smallest key is the longest-standing member.
pub(super) type MemberKey = u64;

/// Backoff for retrying a group whose strategies all failed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

pub(super) struct Member {
    pub id: String,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    /// Sorted, without duplicates.
    pub topics: Vec<String>,
    /// Strategy names, most preferred first, and the member's user data for each.
    pub strategy_names: Vec<String>,
    pub strategy_data: Vec<Vec<u8>>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub last_seen: Instant,
    /// Everything it holds, including what it must revoke.
    pub owned: BTreeSet<PartitionName>,
    /// Held but to be given up (cooperative).
    pub revoking: BTreeSet<PartitionName>,
    /// Withheld for it until their owners revoke them.
    pub pending: BTreeSet<PartitionName>,
    /// Eager: what it gave up when it rejoined, restored if no strategy can run.
    pub previous: Option<BTreeSet<PartitionName>>,
    /// Its join waiting for the rebalance to complete.
    pub ticket: Option<TicketSender>,
    /// Granted since its last assignment, not yet told by a heartbeat.
    pub unannounced: Vec<PartitionName>,
    /// The assignor's data for it.
    pub user_data: Vec<u8>,
}

impl Member {
    fn new(id: String, req: &JoinRequest, now: Instant) -> Member {
        let mut member = Member {
            id,
            instance_id: req.instance_id.clone(),
            rack: None,
            topics: Vec::new(),
            strategy_names: Vec::new(),
            strategy_data: Vec::new(),
            session_timeout: req.session_timeout,
            rebalance_timeout: req.rebalance_timeout,
            last_seen: now,
            owned: BTreeSet::new(),
            revoking: BTreeSet::new(),
            pending: BTreeSet::new(),
            previous: None,
            ticket: None,
            unannounced: Vec::new(),
            user_data: Vec::new(),
        };
        member.set_metadata(req);
        member
    }

    fn set_metadata(&mut self, req: &JoinRequest) {
        self.rack = req.rack.clone();
        self.topics = sorted_topics(req);
        self.strategy_names = req.strategies.iter().map(|(n, _)| n.clone()).collect();
        self.strategy_data = req.strategies.iter().map(|(_, d)| d.clone()).collect();
        self.session_timeout = req.session_timeout;
        self.rebalance_timeout = req.rebalance_timeout;
    }

    /// Whether a rejoin with `req` changes what the assignor would see.
    fn differs(&self, req: &JoinRequest) -> bool {
        self.rack != req.rack
            || self.topics != sorted_topics(req)
            || self.strategy_names.len() != req.strategies.len()
            || self
                .strategy_names
                .iter()
                .zip(&self.strategy_data)
                .zip(&req.strategies)
                .any(|((n, d), (rn, rd))| n != rn || d != rd)
    }
}

fn sorted_topics(req: &JoinRequest) -> Vec<String> {
    let mut topics = req.topics.clone();
    topics.sort();
    topics.dedup();
    topics
}

pub(super) struct Rebalance {
    pub started: Instant,
    pub deadline: Instant,
    pub cause: String,
}

pub(super) struct Retry {
    pub at: Instant,
    /// Doubles (jittered) at each failed retry; a success starts it again.
    pub pauses: regroup_protocol::Backoff,
}

pub(super) struct Group {
    pub name: String,
    pub dead: bool,
    pub generation: i32,
    /// The protocol of the current generation: it decides whether a rejoin gives up everything.
    pub protocol: Protocol,
    /// The strategy that produced the current assignment.
    pub strategy: Option<StrategyInfo>,
    pub members: BTreeMap<MemberKey, Member>,
    next_key: MemberKey,
    by_id: HashMap<String, MemberKey>,
    by_instance: HashMap<String, MemberKey>,
    /// Member ids replaced by a restart of their static instance, to tell them they are fenced.
    fenced: HashMap<String, String>,
    /// How many members list each strategy, and subscribe to each topic.
    listed: HashMap<String, usize>,
    subscribed: HashMap<String, usize>,
    pub owner: HashMap<PartitionName, MemberKey>,
    /// Partitions waiting for their owner to revoke them, with the member they go to.
    pub withheld: HashMap<PartitionName, MemberKey>,
    /// Members with a join waiting.
    joined: usize,
    /// Bumped whenever a rebalance starts or its inputs change, so a stale result is dropped.
    round: u64,
    pub rebalance: Option<Rebalance>,
    /// A strategy is running for this group (outside the lock).
    running: bool,
    pub degraded: Option<String>,
    pub retry: Option<Retry>,
    pub last: Option<RebalanceSummary>,
    /// Rebalances started, by [`RebalanceCause`].
    pub rebalances: BTreeMap<&'static str, u64>,
    /// Partition counts the current assignment was made with.
    assigned_partitions: HashMap<String, u32>,
}

/// A strategy run to do outside the lock.
pub(super) struct Job {
    round: u64,
    keys: Vec<MemberKey>,
    spec: GroupSpec,
    /// In the order to try them, each with the protocol and the members' user data for it.
    candidates: Vec<(String, Protocol, Vec<Vec<u8>>)>,
    group: String,
}

pub(super) struct Success {
    info: StrategyInfo,
    protocol: Protocol,
    spec: Arc<GroupSpec>,
    assignment: Assignment,
}

pub(super) struct JobResult {
    success: Option<Success>,
    failures: Vec<String>,
}

impl Job {
    /// Runs the candidates in order until one produces a valid assignment.
    pub fn run(&mut self, strategies: &dyn Strategies) -> JobResult {
        // Whatever the strategies log (a plugin named just before an in-process run that may
        // take the host down with it) says for which group.
        let _span = tracing::info_span!("rebalance", group = %self.group).entered();
        let mut failures = Vec::new();
        for (name, protocol, data) in std::mem::take(&mut self.candidates) {
            let mut spec = self.spec.clone();
            spec.protocol = protocol;
            for (member, data) in spec.members.iter_mut().zip(data) {
                member.user_data = data;
            }
            let spec = Arc::new(spec);
            match strategies.assign(&name, Arc::clone(&spec)) {
                Ok((info, assignment)) => {
                    return JobResult {
                        success: Some(Success {
                            info,
                            protocol,
                            spec,
                            assignment,
                        }),
                        failures,
                    };
                }
                Err(e) => {
                    tracing::warn!(group = %self.group, "{e}; trying the next candidate");
                    failures.push(e.to_string());
                }
            }
        }
        JobResult {
            success: None,
            failures,
        }
    }
}

impl JobResult {
    /// The run itself failed (a panic in the strategies implementation, not in a strategy).
    pub fn runner_failed(why: String) -> JobResult {
        JobResult {
            success: None,
            failures: vec![why],
        }
    }
}

impl Group {
    /// Refuses `action` (e.g. "delete") while the group has members, as Kafka refuses offset and
    /// group changes to a non-empty group.
    pub fn refuse_if_members(&self, action: &'static str) -> Result<(), GroupError> {
        GroupError::refuse_if_members(&self.name, self.members.len(), action)
    }

    pub fn new(name: &str) -> Group {
        Group {
            name: name.to_owned(),
            dead: false,
            generation: 0,
            protocol: Protocol::Eager,
            strategy: None,
            members: BTreeMap::new(),
            next_key: 0,
            by_id: HashMap::new(),
            by_instance: HashMap::new(),
            fenced: HashMap::new(),
            listed: HashMap::new(),
            subscribed: HashMap::new(),
            owner: HashMap::new(),
            withheld: HashMap::new(),
            joined: 0,
            round: 0,
            rebalance: None,
            running: false,
            degraded: None,
            retry: None,
            last: None,
            rebalances: BTreeMap::new(),
            assigned_partitions: HashMap::new(),
        }
    }

    pub fn state(&self) -> GroupState {
        if self.dead {
            GroupState::Dead
        } else if self.members.is_empty() {
            GroupState::Empty
        } else if self.rebalance.is_some() {
            if self.running {
                GroupState::CompletingRebalance
            } else {
                GroupState::PreparingRebalance
            }
        } else if !self.withheld.is_empty() {
            GroupState::CompletingRebalance
        } else {
            GroupState::Stable
        }
    }

    pub fn leader(&self) -> Option<&Member> {
        self.members.values().next()
    }

    /// Finds a member by id, telling a replaced static instance it is fenced.
    pub fn key_of(&self, member_id: &str) -> Result<MemberKey, GroupError> {
        if let Some(&key) = self.by_id.get(member_id) {
            return Ok(key);
        }
        Err(match self.fenced.get(member_id) {
            Some(instance) => GroupError::FencedInstance {
                group: self.name.clone(),
                member: member_id.to_owned(),
                instance: instance.clone(),
            },
            None => GroupError::UnknownMember {
                group: self.name.clone(),
                member: member_id.to_owned(),
            },
        })
    }

    fn member(&mut self, key: MemberKey) -> &mut Member {
        self.members
            .get_mut(&key)
            .expect("member keys come from the member map")
    }

    fn check_generation(&self, member_id: &str, generation: i32) -> Result<(), GroupError> {
        if generation == self.generation {
            Ok(())
        } else {
            Err(GroupError::IllegalGeneration {
                group: self.name.clone(),
                member: member_id.to_owned(),
                generation,
                current: self.generation,
            })
        }
    }

    // ----- ownership -----

    fn grant(&mut self, partition: PartitionName, key: MemberKey, announce: bool) {
        debug_assert!(self.owner.get(&partition).is_none_or(|&k| k == key));
        if self.withheld.get(&partition) == Some(&key) {
            self.withheld.remove(&partition);
        }
        self.owner.insert(partition.clone(), key);
        let member = self.member(key);
        member.pending.remove(&partition);
        if announce {
            member.unannounced.push(partition.clone());
        }
        member.owned.insert(partition);
    }

    /// `key` gives `partition` up; a member waiting for it receives it.
    fn release(&mut self, partition: &PartitionName, key: MemberKey) {
        if self.owner.get(partition) != Some(&key) {
            return;
        }
        self.owner.remove(partition);
        let member = self.member(key);
        member.owned.remove(partition);
        member.revoking.remove(partition);
        if let Some(&target) = self.withheld.get(partition)
            && target != key
            && self.members.contains_key(&target)
        {
            self.grant(partition.clone(), target, true);
        }
    }

    fn release_all(&mut self, key: MemberKey) -> BTreeSet<PartitionName> {
        let owned = self.member(key).owned.clone();
        for partition in &owned {
            self.release(partition, key);
        }
        owned
    }

    // ----- membership -----

    fn set_ticket(&mut self, key: MemberKey, tx: TicketSender) {
        let name = self.name.clone();
        let member = self.member(key);
        match member.ticket.replace(tx) {
            Some(old) => old.send(Err(GroupError::Superseded {
                group: name,
                member: member.id.clone(),
            })),
            None => self.joined += 1,
        }
    }

    fn take_ticket(&mut self, key: MemberKey) -> Option<TicketSender> {
        let ticket = self.member(key).ticket.take();
        if ticket.is_some() {
            self.joined -= 1;
        }
        ticket
    }

    fn count(&mut self, key: MemberKey, delta: isize) {
        let member = &self.members[&key];
        for name in &member.strategy_names {
            let count = self.listed.entry(name.clone()).or_default();
            *count = count.saturating_add_signed(delta);
            if *count == 0 {
                self.listed.remove(name);
            }
        }
        for topic in &member.topics {
            let count = self.subscribed.entry(topic.clone()).or_default();
            *count = count.saturating_add_signed(delta);
            if *count == 0 {
                self.subscribed.remove(topic);
            }
        }
    }

    /// Removes a member: its partitions are freed (and handed to members waiting for them), a
    /// waiting join is answered with `reason`.
    pub fn remove_member(&mut self, key: MemberKey, reason: &str) {
        if let Some(tx) = self.take_ticket(key) {
            let member = &self.members[&key];
            tx.send(Err(GroupError::MemberRemoved {
                group: self.name.clone(),
                member: member.id.clone(),
                reason: reason.to_owned(),
            }));
        }
        self.release_all(key);
        self.count(key, -1);
        let member = self
            .members
            .remove(&key)
            .expect("member keys come from the member map");
        for partition in &member.pending {
            self.withheld.remove(partition);
        }
        self.by_id.remove(&member.id);
        if let Some(instance) = &member.instance_id {
            self.by_instance.remove(instance);
            self.fenced.retain(|_, i| i != instance);
        }
        tracing::info!(group = %self.name, member = %member.id, "member removed: {reason}");
        if self.members.is_empty() {
            self.become_empty();
        }
    }

    fn become_empty(&mut self) {
        if self.running {
            self.round += 1;
        }
        self.rebalance = None;
        self.withheld.clear();
        self.retry = None;
        self.degraded = None;
    }

    /// Checks that the joiner's strategies leave the group a candidate.
    fn check_strategies(
        &self,
        req: &JoinRequest,
        member_id: &str,
        existing: Option<MemberKey>,
        host: &BTreeSet<String>,
    ) -> Result<(), GroupError> {
        let others = self.members.len() - usize::from(existing.is_some());
        let own: &[String] = existing.map_or(&[], |k| &self.members[&k].strategy_names);
        let mut group_offers: Vec<String> = if others == 0 {
            Vec::new()
        } else {
            self.listed
                .iter()
                .filter(|(name, count)| **count - usize::from(own.contains(name)) == others)
                .map(|(name, _)| name.clone())
                .collect()
        };
        group_offers.sort();
        let usable =
            |name: &String| host.contains(name) && (others == 0 || group_offers.binary_search(name).is_ok());
        if req.strategies.iter().any(|(name, _)| usable(name)) {
            return Ok(());
        }
        Err(GroupError::NoCommonStrategy {
            group: self.name.clone(),
            member: member_id.to_owned(),
            requested: req.strategies.iter().map(|(n, _)| n.clone()).collect(),
            group_offers,
            host_offers: host.iter().cloned().collect(),
        })
    }

    /// A join or rejoin; see the module documentation for what each case does.
    pub fn join(
        &mut self,
        req: &JoinRequest,
        host: &BTreeSet<String>,
        now: Instant,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<JoinTicket, GroupError> {
        enum Who {
            New,
            Rejoin(MemberKey),
            Restart(MemberKey),
        }
        let who = match (&req.member_id, &req.instance_id) {
            (Some(id), _) => Who::Rejoin(self.key_of(id)?),
            (None, Some(instance)) => self
                .by_instance
                .get(instance)
                .map_or(Who::New, |&k| Who::Restart(k)),
            (None, None) => Who::New,
        };
        match who {
            Who::New => {
                let id = new_id();
                self.check_strategies(req, &id, None, host)?;
                let key = self.next_key;
                self.next_key += 1;
                self.members.insert(key, Member::new(id.clone(), req, now));
                self.count(key, 1);
                self.by_id.insert(id.clone(), key);
                if let Some(instance) = &req.instance_id {
                    self.by_instance.insert(instance.clone(), key);
                }
                // What it says it held in some generation (the coordinator has no record of it,
                // e.g. after a host restart) stays its own if nobody else holds or awaits it.
                let claims = if req.generation.is_some() {
                    req.owned.as_slice()
                } else {
                    &[]
                };
                for partition in claims {
                    if !self.owner.contains_key(partition) && !self.withheld.contains_key(partition) {
                        self.grant(partition.clone(), key, false);
                    }
                }
                let (tx, rx) = ticket();
                self.set_ticket(key, tx);
                self.start_rebalance(RebalanceCause::MemberJoined, format!("member {id} joined"), now);
                Ok(rx)
            }
            Who::Rejoin(key) | Who::Restart(key) => {
                let restart = matches!(who, Who::Restart(_));
                let member = &self.members[&key];
                if !restart && req.instance_id.is_some() && req.instance_id != member.instance_id {
                    return Err(GroupError::InvalidRequest {
                        group: self.name.clone(),
                        reason: format!("member {} cannot change its static instance id", member.id),
                    });
                }
                let old_id = member.id.clone();
                self.check_strategies(req, &old_id, Some(key), host)?;
                let changed = self.members[&key].differs(req);
                if restart {
                    let id = new_id();
                    let instance = req.instance_id.clone().expect("a restart names its instance");
                    if let Some(old) = self.take_ticket(key) {
                        old.send(Err(GroupError::FencedInstance {
                            group: self.name.clone(),
                            member: old_id.clone(),
                            instance: instance.clone(),
                        }));
                    }
                    self.by_id.remove(&old_id);
                    self.by_id.insert(id.clone(), key);
                    self.fenced.insert(old_id, instance);
                    self.member(key).id = id;
                }
                self.count(key, -1);
                let member = self.member(key);
                member.set_metadata(req);
                member.last_seen = now;
                self.count(key, 1);
                let (tx, rx) = ticket();
                if !changed && self.rebalance.is_none() && self.members[&key].ticket.is_none() {
                    // Nothing changed and no rebalance runs: its assignment stands (a static
                    // member's restart, or a member that lost its answer).
                    tx.send(Ok(self.outcome(key)));
                    return Ok(rx);
                }
                if self.protocol == Protocol::Eager && self.members[&key].previous.is_none() {
                    let gave_up = self.release_all(key);
                    self.member(key).previous = Some(gave_up);
                }
                self.set_ticket(key, tx);
                if changed {
                    let id = self.members[&key].id.clone();
                    self.start_rebalance(
                        RebalanceCause::MemberRejoined,
                        format!("member {id} rejoined with new metadata"),
                        now,
                    );
                } else if self.rebalance.is_none() {
                    let id = self.members[&key].id.clone();
                    self.start_rebalance(
                        RebalanceCause::MemberRejoined,
                        format!("member {id} rejoined"),
                        now,
                    );
                }
                Ok(rx)
            }
        }
    }

    pub fn heartbeat(
        &mut self,
        member_id: &str,
        generation: i32,
        now: Instant,
    ) -> Result<HeartbeatState, GroupError> {
        let key = self.key_of(member_id)?;
        self.member(key).last_seen = now;
        if self.members[&key].ticket.is_some() {
            return Ok(HeartbeatState::Joining);
        }
        self.check_generation(member_id, generation)?;
        if self.rebalance.is_some() {
            return Ok(HeartbeatState::RebalanceInProgress);
        }
        let member = self.member(key);
        if !member.unannounced.is_empty() {
            let mut granted = std::mem::take(&mut member.unannounced);
            granted.sort();
            return Ok(HeartbeatState::Granted(granted));
        }
        Ok(HeartbeatState::Stable)
    }

    pub fn leave(&mut self, member_id: &str, now: Instant) -> Result<(), GroupError> {
        let key = self.key_of(member_id)?;
        self.remove_member(key, "left the group");
        self.start_rebalance(
            RebalanceCause::MemberLeft,
            format!("member {member_id} left"),
            now,
        );
        Ok(())
    }

    /// A member confirms it gave up `partitions`; members waiting for them receive them.
    pub fn revoked(
        &mut self,
        member_id: &str,
        generation: i32,
        partitions: &[PartitionName],
        now: Instant,
    ) -> Result<(), GroupError> {
        let key = self.key_of(member_id)?;
        self.check_generation(member_id, generation)?;
        let member = self.member(key);
        member.last_seen = now;
        // Already released ones are ignored, so a retried confirmation is harmless.
        if let Some(p) = partitions
            .iter()
            .find(|p| member.owned.contains(*p) && !member.revoking.contains(*p))
        {
            return Err(GroupError::NotRevoking {
                group: self.name.clone(),
                member: member_id.to_owned(),
                partition: p.to_string(),
            });
        }
        for partition in partitions {
            self.release(partition, key);
        }
        Ok(())
    }

    /// Whether `member_id` owns `partition` in `generation`, which is now.
    pub fn check_owner(
        &self,
        member_id: &str,
        generation: i32,
        partition: &PartitionName,
    ) -> Result<(), GroupError> {
        let key = self.key_of(member_id)?;
        self.check_generation(member_id, generation)?;
        if self.owner.get(partition) == Some(&key) {
            Ok(())
        } else {
            Err(GroupError::NotOwner {
                group: self.name.clone(),
                member: member_id.to_owned(),
                generation,
                partition: partition.to_string(),
            })
        }
    }

    // ----- rebalancing -----

    /// Starts a rebalance (members are told by their heartbeats to rejoin), or folds `cause`
    /// into the one in progress; `kind` is counted only for a rebalance started.
    pub fn start_rebalance(&mut self, kind: RebalanceCause, cause: String, now: Instant) {
        if self.members.is_empty() || self.dead {
            return;
        }
        if let Some(rebalance) = &mut self.rebalance {
            if self.running {
                // The strategy is running on inputs this change makes stale.
                self.round += 1;
            }
            if rebalance.cause.len() < 200 {
                rebalance.cause.push_str("; ");
                rebalance.cause.push_str(&cause);
            }
            return;
        }
        self.round += 1;
        *self.rebalances.entry(kind.as_str()).or_default() += 1;
        let wait = self
            .members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or_default();
        tracing::info!(group = %self.name, generation = self.generation, "rebalance: {cause}");
        self.rebalance = Some(Rebalance {
            started: now,
            deadline: now + wait,
            cause,
        });
    }

    /// Session expiry, the rebalance timeout and retries, as of `now`.
    pub fn tick(&mut self, now: Instant) {
        let expired: Vec<MemberKey> = self
            .members
            .iter()
            .filter(|(_, m)| m.ticket.is_none() && now >= m.last_seen + m.session_timeout)
            .map(|(&k, _)| k)
            .collect();
        for key in expired {
            let id = self.members[&key].id.clone();
            self.remove_member(key, "its session expired");
            self.start_rebalance(
                RebalanceCause::SessionExpired,
                format!("member {id}'s session expired"),
                now,
            );
        }
        if let Some(rebalance) = &self.rebalance
            && !self.running
            && now >= rebalance.deadline
        {
            let laggards: Vec<MemberKey> = self
                .members
                .iter()
                .filter(|(_, m)| m.ticket.is_none())
                .map(|(&k, _)| k)
                .collect();
            for key in laggards {
                self.remove_member(key, "it did not rejoin within the rebalance timeout");
            }
        }
        if let Some(retry) = &self.retry
            && self.rebalance.is_none()
            && now >= retry.at
        {
            self.start_rebalance(
                RebalanceCause::Retry,
                "retrying after every strategy failed".to_owned(),
                now,
            );
        }
    }

    /// Rebalances if a topic the group reads changed its partition count.
    pub fn topics_changed(&mut self, topics: &[&str], catalog: &dyn TopicCatalog, now: Instant) {
        for &topic in topics {
            if !self.subscribed.contains_key(topic) {
                continue;
            }
            let was = self.assigned_partitions.get(topic).copied().unwrap_or(0);
            let now_has = catalog.partitions(topic).unwrap_or(0);
            if was != now_has {
                self.start_rebalance(
                    RebalanceCause::TopicChanged,
                    format!("topic {topic} went from {was} to {now_has} partitions"),
                    now,
                );
            }
        }
    }

    fn ranked(&self, host: &BTreeSet<String>) -> Vec<String> {
        let lists: Vec<&[String]> = self
            .members
            .values()
            .map(|m| m.strategy_names.as_slice())
            .collect();
        negotiate::rank(&lists, &|name| host.contains(name))
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Reacts to a change in the served strategies (see the module documentation).
    pub fn strategy_changed(&mut self, name: &str, removed: bool, host: &BTreeSet<String>, now: Instant) {
        if self.members.is_empty() {
            return;
        }
        if self.rebalance.is_some() {
            // A rebalance in progress negotiates afresh when it completes; one already running
            // starts over so the new set (or new code) is used.
            self.start_rebalance(
                RebalanceCause::StrategyChanged,
                format!("strategy {name} changed"),
                now,
            );
            return;
        }
        let current = self.strategy.as_ref().map(|s| s.name.as_str());
        let ranked = self.ranked(host);
        if current == Some(name) {
            if removed && ranked.is_empty() {
                self.degraded = Some(format!(
                    "strategy {name} was removed and no other strategy every member lists is served; keeping the current assignment"
                ));
                tracing::warn!(group = %self.name, "{}", self.degraded.as_deref().unwrap_or_default());
            } else {
                let what = if removed { "removed" } else { "updated" };
                self.start_rebalance(
                    RebalanceCause::StrategyChanged,
                    format!("strategy {name} {what}"),
                    now,
                );
            }
        } else if let Some(top) = ranked.first()
            && (current != Some(top.as_str()) || self.degraded.is_some())
        {
            self.start_rebalance(
                RebalanceCause::StrategyChanged,
                format!("strategy {name} changed; the group prefers {top}"),
                now,
            );
        }
    }

    fn ready(&self) -> bool {
        self.rebalance.is_some()
            && !self.running
            && !self.members.is_empty()
            && self.joined == self.members.len()
    }

    /// When every member has rejoined: negotiates and builds the strategy run, or, with no
    /// candidate, completes the rebalance keeping everyone's assignment.
    pub fn prepare(
        &mut self,
        strategies: &dyn Strategies,
        catalog: &dyn TopicCatalog,
        now: Instant,
    ) -> Option<Job> {
        if !self.ready() {
            return None;
        }
        let host = strategies.names();
        let ranked = self.ranked(&host);
        if ranked.is_empty() {
            let reason =
                "no strategy every member lists is served by the host; keeping the current assignment";
            self.finish_without_assignment(reason.to_owned(), Vec::new(), None, now);
            return None;
        }
        // Cooperative only if every served strategy any member lists supports it: a member
        // listing an eager-only strategy may still be an eager client (Kafka's rule).
        let cooperative = self
            .listed
            .keys()
            .filter(|name| host.contains(*name))
            .all(|name| {
                strategies
                    .info(name)
                    .is_some_and(|i| i.supports(Protocol::Cooperative))
            });
        let protocol = if cooperative {
            Protocol::Cooperative
        } else {
            Protocol::Eager
        };
        let candidates = ranked
            .into_iter()
            .map(|name| {
                let data = self
                    .members
                    .values()
                    .map(|m| {
                        m.strategy_names
                            .iter()
                            .position(|n| *n == name)
                            .map(|i| m.strategy_data[i].clone())
                            .unwrap_or_default()
                    })
                    .collect();
                (name, protocol, data)
            })
            .collect();
        let spec = self.spec(catalog);
        self.running = true;
        Some(Job {
            round: self.round,
            keys: self.members.keys().copied().collect(),
            spec,
            candidates,
            group: self.name.clone(),
        })
    }

    /// The assignor's view: topics the members read or hold, members longest-standing first.
    fn spec(&self, catalog: &dyn TopicCatalog) -> GroupSpec {
        let mut names: BTreeSet<&str> = self.subscribed.keys().map(String::as_str).collect();
        names.extend(self.owner.keys().map(|p| p.topic.as_str()));
        let topics: Vec<model::Topic> = names.iter().map(|&name| catalog.spec_topic(name)).collect();
        let index = topic_index(&topics);
        // Members with the same subscription share one list of ids (sorted, as names are).
        let mut shared: HashMap<&[String], model::Subscription> = HashMap::new();
        let members = self
            .members
            .values()
            .map(|m| {
                // Eager members gave everything up when they rejoined; what they held is still
                // what a sticky strategy must see, as Kafka's eager sticky assignor does.
                let owned: Vec<TopicPartition> = m
                    .owned
                    .iter()
                    .chain(m.previous.iter().flatten())
                    .filter_map(|p| {
                        let &(id, count) = index.get(p.topic.as_str())?;
                        (p.partition < count).then_some(TopicPartition::new(id, p.partition))
                    })
                    .collect();
                let topics = shared
                    .entry(&m.topics)
                    .or_insert_with(|| m.topics.iter().map(|t| index[t.as_str()].0).collect())
                    .clone();
                let mut member = model::Member::new(&m.id, topics);
                member.instance_id = m.instance_id.clone();
                member.owned_generation = (!owned.is_empty()).then_some(self.generation);
                member.owned = owned;
                member.rack = m.rack.clone();
                member
            })
            .collect();
        let mut spec = GroupSpec::new(self.generation + 1, Protocol::Eager, topics);
        spec.members = members;
        spec.group_id = Some(self.name.clone());
        spec
    }

    /// Applies a strategy run; a result made stale by a later change is dropped.
    pub fn apply(&mut self, job: Job, result: JobResult, backoff: Backoff, now: Instant) {
        self.running = false;
        if self.dead || job.round != self.round || self.rebalance.is_none() {
            return;
        }
        match result.success {
            Some(success) => self.apply_assignment(&job.keys, success, result.failures, now),
            None => {
                let tried = result.failures.len();
                let reason = format!(
                    "all {tried} candidate strategies failed; keeping the current assignment and retrying: {}",
                    result.failures.join("; ")
                );
                self.finish_without_assignment(reason, result.failures, Some(backoff), now);
            }
        }
    }

    fn apply_assignment(
        &mut self,
        keys: &[MemberKey],
        success: Success,
        failures: Vec<String>,
        now: Instant,
    ) {
        let Success {
            info,
            protocol,
            spec,
            mut assignment,
        } = success;
        let step = cooperative::first_step(&spec, &assignment);
        let name = |tp: TopicPartition| PartitionName {
            topic: spec.topics[tp.topic.index()].name.clone(),
            partition: tp.partition,
        };
        // Earlier withheld moves are superseded by this target.
        self.withheld.clear();
        let by_id: HashMap<String, usize> = assignment
            .members
            .iter()
            .enumerate()
            .map(|(i, a)| (a.member_id.clone(), i))
            .collect();
        for (i, &key) in keys.iter().enumerate() {
            let target_index = by_id.get(&self.members[&key].id).copied();
            let member = self.member(key);
            member.previous = None;
            member.pending.clear();
            member.unannounced.clear();
            member.revoking.clear();
            member.user_data = target_index
                .map(|t| std::mem::take(&mut assignment.members[t].user_data))
                .unwrap_or_default();
            let target: BTreeSet<PartitionName> = step.members[i]
                .granted
                .iter()
                .chain(&step.members[i].pending)
                .map(|&tp| name(tp))
                .collect();
            for partition in &target {
                match self.owner.get(partition) {
                    None => self.grant(partition.clone(), key, false),
                    Some(&owner) if owner == key => {}
                    Some(_) => {
                        self.withheld.insert(partition.clone(), key);
                        self.member(key).pending.insert(partition.clone());
                    }
                }
            }
            // What it holds beyond its target: gone partitions are dropped, the rest revoked.
            let extra: Vec<PartitionName> = self.members[&key]
                .owned
                .iter()
                .filter(|p| !target.contains(*p))
                .cloned()
                .collect();
            for partition in extra {
                let exists = spec
                    .topic_id(&partition.topic)
                    .is_some_and(|t| partition.partition < spec.topic(t).partitions);
                if exists {
                    self.member(key).revoking.insert(partition);
                } else {
                    self.release(&partition, key);
                }
            }
        }
        self.generation += 1;
        self.protocol = protocol;
        self.degraded = None;
        self.retry = None;
        self.assigned_partitions = spec
            .topics
            .iter()
            .map(|t| (t.name.clone(), t.partitions))
            .collect();
        tracing::info!(
            group = %self.name,
            generation = self.generation,
            strategy = %info.name,
            version = %info.version,
            %protocol,
            members = keys.len(),
            "assignment complete"
        );
        self.strategy = Some(info);
        self.complete(failures, now);
    }

    /// Completes the rebalance with everyone keeping what it had (eager members get back what they
    /// gave up); with `retry`, tries again after a backoff.
    fn finish_without_assignment(
        &mut self,
        reason: String,
        failures: Vec<String>,
        retry: Option<Backoff>,
        now: Instant,
    ) {
        let keys: Vec<MemberKey> = self.members.keys().copied().collect();
        for key in keys {
            if let Some(previous) = self.member(key).previous.take() {
                for partition in previous {
                    if !self.owner.contains_key(&partition) && !self.withheld.contains_key(&partition) {
                        self.grant(partition, key, false);
                    }
                }
            }
        }
        self.generation += 1;
        tracing::warn!(group = %self.name, generation = self.generation, "degraded: {reason}");
        self.degraded = Some(reason);
        self.retry = retry.map(|b| {
            let mut pauses = self
                .retry
                .take()
                .map_or_else(|| regroup_protocol::Backoff::new(b.initial, b.max), |r| r.pauses);
            Retry {
                at: now + pauses.next_pause(),
                pauses,
            }
        });
        self.complete(failures, now);
    }

    /// Answers every waiting join and closes the rebalance.
    fn complete(&mut self, failures: Vec<String>, now: Instant) {
        let keys: Vec<MemberKey> = self.members.keys().copied().collect();
        for key in keys {
            self.member(key).last_seen = now;
            if let Some(tx) = self.take_ticket(key) {
                tx.send(Ok(self.outcome(key)));
            }
        }
        let rebalance = self.rebalance.take().expect("completing a rebalance in progress");
        self.last = Some(RebalanceSummary {
            cause: rebalance.cause,
            duration: now.saturating_duration_since(rebalance.started),
            generation: self.generation,
            failures,
        });
    }

    /// The member's assignment as it stands, for its join answer.
    fn outcome(&mut self, key: MemberKey) -> JoinOutcome {
        let leader = self.leader().map(|m| m.id.clone()).unwrap_or_default();
        let (generation, protocol) = (self.generation, self.protocol);
        let strategy = self.strategy.as_ref().map(|s| s.name.clone());
        let degraded = self.degraded.clone();
        let member = self.member(key);
        member.unannounced.clear();
        JoinOutcome {
            member_id: member.id.clone(),
            generation,
            strategy,
            protocol,
            leader,
            partitions: member.owned.difference(&member.revoking).cloned().collect(),
            pending: member.pending.iter().cloned().collect(),
            revoke: member.revoking.iter().cloned().collect(),
            user_data: member.user_data.clone(),
            degraded,
        }
    }

    pub fn describe(&self) -> GroupDescription {
        GroupDescription {
            group: self.name.clone(),
            group_type: GroupType::Native,
            protocol_type: None,
            state: self.state(),
            generation: self.generation,
            protocol: self.protocol,
            strategy: self.strategy.as_ref().map(|s| StrategyDescription {
                name: s.name.clone(),
                version: s.version.clone(),
                hash: s.hash.clone(),
            }),
            leader: self.leader().map(|m| m.id.clone()),
            members: self
                .members
                .values()
                .map(|m| MemberDescription {
                    member_id: m.id.clone(),
                    client_id: None,
                    client_host: None,
                    instance_id: m.instance_id.clone(),
                    rack: m.rack.clone(),
                    topics: m.topics.clone(),
                    partitions: m.owned.difference(&m.revoking).cloned().collect(),
                    pending: m.pending.iter().cloned().collect(),
                    revoking: m.revoking.iter().cloned().collect(),
                    strategies: m
                        .strategy_names
                        .iter()
                        .cloned()
                        .zip(m.strategy_data.iter().map(Vec::len))
                        .collect(),
                    assignment_user_data: m.user_data.len(),
                })
                .collect(),
            degraded: self.degraded.clone(),
            rebalancing: self.rebalance.as_ref().map(|r| r.cause.clone()),
            last_rebalance: self.last.clone(),
            rebalances: self.rebalances.clone(),
        }
    }
}
