//! One classic group's state and transitions (under the group's lock): members joining with
//! the protocols they list, the join barrier, the leader's assignments relayed to every member,
//! heartbeats, leaves, static members and session expiry. Answers to joins and syncs go through
//! one-shot channels, sent when the group gets there.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use regroup_assignor_api::model::Protocol;

use super::{
    ClassicJoined, ClassicMemberMetadata, ClassicMemberState, ClassicSynced, ConsumerAssignment,
    ConsumerSubscription, select_protocol,
};
use crate::group::error::GroupError;
use crate::group::types::{
    GroupDescription, GroupListing, GroupState, GroupType, MemberDescription, StrategyDescription,
};

pub(in crate::group) type JoinSender = oneshot::Sender<Result<ClassicJoined, GroupError>>;
pub(in crate::group) type SyncSender = oneshot::Sender<Result<ClassicSynced, GroupError>>;

pub(in crate::group) struct ClassicMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub protocol_type: String,
    /// Protocol names with their metadata, most preferred first, as the member sent them.
    pub protocols: Vec<(String, Vec<u8>)>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub last_heard: Instant,
    /// Its join, waiting for the rebalance to complete.
    pub join: Option<JoinSender>,
    /// Its sync, waiting for the leader's assignments.
    pub sync: Option<SyncSender>,
    /// What the leader assigned it, untouched.
    pub assignment: Vec<u8>,
}

impl ClassicMember {
    /// Its vote (Kafka's `ClassicGroupMember.vote`): the first protocol it lists among the
    /// candidates.
    pub(super) fn vote<'a>(&'a self, candidates: &[&str]) -> Option<&'a str> {
        self.protocols
            .iter()
            .map(|(name, _)| name.as_str())
            .find(|name| candidates.contains(name))
    }

    fn metadata_of(&self, protocol: &str) -> Vec<u8> {
        self.protocols
            .iter()
            .find(|(name, _)| name == protocol)
            .map(|(_, metadata)| metadata.clone())
            .unwrap_or_default()
    }
}

/// The join barrier in progress.
pub(in crate::group) struct ClassicRebalance {
    pub cause: String,
    /// Members that have not rejoined by then are removed.
    pub deadline: Instant,
    /// The initial delay of a group that was empty: the join completes no earlier.
    pub not_before: Instant,
}

pub(in crate::group) struct ClassicGroup {
    pub name: String,
    pub dead: bool,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// In the order they joined: the first is leader when the leader must be chosen anew.
    pub members: Vec<ClassicMember>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, each until its session would expire.
    pub pending: BTreeMap<String, Instant>,
    pub rebalance: Option<ClassicRebalance>,
    /// Kafka's `group.initial.rebalance.delay.ms`.
    pub initial_delay: Duration,
    /// The generation whose assignments the leader has sent.
    pub synced_generation: i32,
}

impl ClassicGroup {
    pub fn new(name: &str, initial_delay: Duration) -> Self {
        ClassicGroup {
            name: name.to_owned(),
            dead: false,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: Vec::new(),
            pending: BTreeMap::new(),
            rebalance: None,
            initial_delay,
            synced_generation: 0,
        }
    }

    pub fn state(&self) -> GroupState {
        if self.dead {
            GroupState::Dead
        } else if self.rebalance.is_some() {
            GroupState::PreparingRebalance
        } else if self.members.is_empty() {
            GroupState::Empty
        } else if self.synced_generation != self.generation {
            GroupState::CompletingRebalance
        } else {
            GroupState::Stable
        }
    }

    pub fn refuse_if_members(&self, action: &'static str) -> Result<(), GroupError> {
        GroupError::refuse_if_members(&self.name, self.members.len(), action)
    }

    pub fn member(&self, member_id: &str) -> Option<&ClassicMember> {
        self.members.iter().find(|m| m.member_id == member_id)
    }

    fn member_mut(&mut self, member_id: &str) -> Option<&mut ClassicMember> {
        self.members.iter_mut().find(|m| m.member_id == member_id)
    }

    /// Finds a member by id; an id replaced by a newer instance of a static member is fenced.
    pub fn check_member(&self, member_id: &str, instance_id: Option<&str>) -> Result<(), GroupError> {
        if let Some(instance) = instance_id
            && let Some(holder) = self
                .members
                .iter()
                .find(|m| m.instance_id.as_deref() == Some(instance))
            && holder.member_id != member_id
        {
            return Err(GroupError::FencedInstance {
                group: self.name.clone(),
                member: member_id.to_owned(),
                instance: instance.to_owned(),
            });
        }
        if self.member(member_id).is_none() {
            return Err(GroupError::UnknownMember {
                group: self.name.clone(),
                member: member_id.to_owned(),
            });
        }
        Ok(())
    }

    /// A member's id and generation for a heartbeat, sync or commit.
    pub fn check_generation(
        &self,
        member_id: &str,
        instance_id: Option<&str>,
        generation: i32,
    ) -> Result<(), GroupError> {
        self.check_member(member_id, instance_id)?;
        if generation != self.generation {
            return Err(GroupError::IllegalGeneration {
                group: self.name.clone(),
                member: member_id.to_owned(),
                generation,
                current: self.generation,
            });
        }
        Ok(())
    }

    /// Whether a member listing `protocols` of `protocol_type` can be in this group: the type
    /// is the group's, and one protocol is listed by every other member.
    pub fn supports(
        &self,
        except: Option<&str>,
        protocol_type: &str,
        protocols: &[(String, Vec<u8>)],
    ) -> bool {
        let others: Vec<&ClassicMember> = self
            .members
            .iter()
            .filter(|m| Some(m.member_id.as_str()) != except)
            .collect();
        if others.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        others.iter().all(|m| m.protocol_type == protocol_type)
            && protocols
                .iter()
                .any(|(name, _)| others.iter().all(|m| m.protocols.iter().any(|(n, _)| n == name)))
    }

    /// Starts a rebalance (or, for one in progress, lets a new member extend the initial
    /// delay); answers every waiting sync with REBALANCE_IN_PROGRESS.
    /// `initial`: the group was empty before this join, so the first rebalance waits the
    /// initial delay for more members.
    pub fn prepare_rebalance(&mut self, cause: String, initial: bool, now: Instant) {
        let longest = self
            .members
            .iter()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or_default();
        if let Some(rebalance) = &mut self.rebalance {
            // The initial delay grows with every member joining, within the rebalance timeout.
            if rebalance.not_before > now {
                rebalance.not_before = (now + self.initial_delay).min(rebalance.deadline);
            }
            return;
        }
        let deadline = now + longest;
        let not_before = if initial {
            (now + self.initial_delay).min(deadline)
        } else {
            now
        };
        tracing::info!(group = self.name, cause, "classic group rebalancing");
        for member in &mut self.members {
            member.assignment.clear();
            if let Some(sync) = member.sync.take() {
                let _ = sync.send(Err(GroupError::RebalanceInProgress {
                    group: self.name.clone(),
                }));
            }
        }
        self.rebalance = Some(ClassicRebalance {
            cause,
            deadline,
            not_before,
        });
    }

    /// Completes the join barrier when every member has rejoined (and no member id handed out
    /// is still to come), or at the deadline without those that did not.
    pub fn try_complete_join(&mut self, now: Instant) {
        let Some(rebalance) = &self.rebalance else { return };
        let cause = rebalance.cause.clone();
        if now < rebalance.not_before {
            return;
        }
        let all_joined = self.members.iter().all(|m| m.join.is_some()) && self.pending.is_empty();
        if !all_joined && now < rebalance.deadline {
            return;
        }
        if !all_joined {
            let laggards: Vec<String> = self
                .members
                .iter()
                .filter(|m| m.join.is_none())
                .map(|m| m.member_id.clone())
                .collect();
            for member in laggards {
                self.remove(&member, "it did not rejoin within the rebalance timeout");
            }
            self.pending.clear();
        }
        self.rebalance = None;
        self.generation += 1;
        if self.members.is_empty() {
            self.protocol = None;
            self.leader = None;
            return;
        }
        self.protocol = select_protocol(&self.members);
        self.protocol_type = self.members.first().map(|m| m.protocol_type.clone());
        if self.leader.as_deref().is_none_or(|l| self.member(l).is_none()) {
            self.leader = self.members.first().map(|m| m.member_id.clone());
        }
        let protocol = self.protocol.clone().unwrap_or_default();
        let all: Vec<ClassicMemberMetadata> = self
            .members
            .iter()
            .map(|m| ClassicMemberMetadata {
                member_id: m.member_id.clone(),
                instance_id: m.instance_id.clone(),
                metadata: m.metadata_of(&protocol),
            })
            .collect();
        let leader = self.leader.clone().unwrap_or_default();
        tracing::info!(
            group = self.name,
            generation = self.generation,
            protocol,
            leader,
            members = self.members.len(),
            cause,
            "classic group joined"
        );
        for member in &mut self.members {
            member.last_heard = now;
            if let Some(join) = member.join.take() {
                let members = if member.member_id == leader {
                    all.clone()
                } else {
                    Vec::new()
                };
                let _ = join.send(Ok(ClassicJoined {
                    member_id: member.member_id.clone(),
                    generation: self.generation,
                    protocol_type: self.protocol_type.clone(),
                    protocol: self.protocol.clone(),
                    leader: leader.clone(),
                    members,
                }));
            }
        }
    }

    /// The answer to a member that rejoins with nothing changed while no rebalance runs.
    pub fn current_join(&self, member_id: &str) -> ClassicJoined {
        let leader = self.leader.clone().unwrap_or_default();
        let protocol = self.protocol.clone().unwrap_or_default();
        let members = if member_id == leader {
            self.members
                .iter()
                .map(|m| ClassicMemberMetadata {
                    member_id: m.member_id.clone(),
                    instance_id: m.instance_id.clone(),
                    metadata: m.metadata_of(&protocol),
                })
                .collect()
        } else {
            Vec::new()
        };
        ClassicJoined {
            member_id: member_id.to_owned(),
            generation: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol: self.protocol.clone(),
            leader,
            members,
        }
    }

    /// Removes a member, answering whatever it waits for.
    pub fn remove(&mut self, member_id: &str, reason: &str) {
        let Some(index) = self.members.iter().position(|m| m.member_id == member_id) else {
            return;
        };
        let member = self.members.remove(index);
        tracing::info!(
            group = self.name,
            member = member_id,
            reason,
            "classic member removed"
        );
        let removed = || GroupError::MemberRemoved {
            group: self.name.clone(),
            member: member_id.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(join) = member.join {
            let _ = join.send(Err(removed()));
        }
        if let Some(sync) = member.sync {
            let _ = sync.send(Err(removed()));
        }
    }

    /// A member leaves or is removed: the others rebalance (or the barrier completes without it).
    pub fn member_gone(&mut self, member_id: &str, reason: &str, now: Instant) {
        self.remove(member_id, reason);
        if self.rebalance.is_none() {
            self.prepare_rebalance(format!("member {member_id} left: {reason}"), false, now);
        }
        self.try_complete_join(now);
    }

    pub fn heard_from(&mut self, member_id: &str, now: Instant) {
        if let Some(member) = self.member_mut(member_id) {
            member.last_heard = now;
        }
    }

    pub fn add_member(&mut self, member: ClassicMember) {
        self.members.push(member);
    }

    /// Registers a member's join to be answered when the barrier completes.
    pub fn await_join(&mut self, member_id: &str, join: JoinSender) {
        if let Some(member) = self.member_mut(member_id)
            && let Some(earlier) = member.join.replace(join)
        {
            let _ = earlier.send(Err(GroupError::Superseded {
                group: self.name.clone(),
                member: member_id.to_owned(),
            }));
        }
    }

    /// Updates what a known member lists; returns whether anything changed.
    pub fn update_member(
        &mut self,
        member_id: &str,
        protocols: Vec<(String, Vec<u8>)>,
        session_timeout: Duration,
        rebalance_timeout: Duration,
        now: Instant,
    ) -> bool {
        let Some(member) = self.member_mut(member_id) else {
            return false;
        };
        let changed = member.protocols != protocols;
        member.protocols = protocols;
        member.session_timeout = session_timeout;
        member.rebalance_timeout = rebalance_timeout;
        member.last_heard = now;
        changed
    }

    /// A member's sync: the leader's carries every member's assignment; each is answered with
    /// its own once the leader's has come.
    pub fn sync(
        &mut self,
        member_id: &str,
        assignments: Vec<(String, Vec<u8>)>,
        answer: SyncSender,
        now: Instant,
    ) {
        if self.rebalance.is_some() {
            let _ = answer.send(Err(GroupError::RebalanceInProgress {
                group: self.name.clone(),
            }));
            return;
        }
        let is_leader = self.leader.as_deref() == Some(member_id);
        if let Some(member) = self.member_mut(member_id) {
            member.last_heard = now;
            member.sync = Some(answer);
        }
        if is_leader && self.synced_generation != self.generation {
            let mut given: BTreeMap<String, Vec<u8>> = assignments.into_iter().collect();
            for member in &mut self.members {
                member.assignment = given.remove(&member.member_id).unwrap_or_default();
            }
            self.synced_generation = self.generation;
            tracing::info!(
                group = self.name,
                generation = self.generation,
                "classic group stable"
            );
        }
        if self.synced_generation == self.generation {
            let (protocol_type, protocol) = (self.protocol_type.clone(), self.protocol.clone());
            for member in &mut self.members {
                if let Some(sync) = member.sync.take() {
                    let _ = sync.send(Ok(ClassicSynced {
                        protocol_type: protocol_type.clone(),
                        protocol: protocol.clone(),
                        assignment: member.assignment.clone(),
                    }));
                }
            }
        }
    }

    /// Session expiry, expired member ids handed out, and the join barrier's deadline.
    pub fn tick(&mut self, now: Instant) {
        self.pending.retain(|_, until| *until > now);
        let expired: Vec<String> = self
            .members
            .iter()
            .filter(|m| {
                m.join.is_none() && m.sync.is_none() && now.duration_since(m.last_heard) > m.session_timeout
            })
            .map(|m| m.member_id.clone())
            .collect();
        for member in expired {
            self.member_gone(&member, "its session expired", now);
        }
        self.try_complete_join(now);
    }

    pub fn inconsistent(&self) -> GroupError {
        GroupError::InconsistentGroupProtocol {
            group: self.name.clone(),
            group_type: GroupType::Classic,
        }
    }
}

impl ClassicGroup {
    pub fn listing(&self) -> GroupListing {
        GroupListing {
            group: self.name.clone(),
            group_type: GroupType::Classic,
            protocol_type: self.protocol_type.clone(),
            state: self.state(),
            members: self.members.len(),
            strategy: self.protocol.clone(),
        }
    }

    /// The group as `describe` shows it: the `consumer` protocol's subscriptions and
    /// assignments decoded; other protocols' bytes only counted.
    pub fn describe(&self) -> GroupDescription {
        let protocol = self.protocol.clone().unwrap_or_default();
        let consumer = self.protocol_type.as_deref() == Some("consumer");
        let members = self
            .members
            .iter()
            .map(|m| {
                let subscription = consumer
                    .then(|| ConsumerSubscription::decode(&m.metadata_of(&protocol)))
                    .flatten();
                let assignment = consumer
                    .then(|| ConsumerAssignment::decode(&m.assignment))
                    .flatten();
                MemberDescription {
                    member_id: m.member_id.clone(),
                    client_id: Some(m.client_id.clone()),
                    client_host: Some(m.client_host.clone()),
                    instance_id: m.instance_id.clone(),
                    rack: subscription.as_ref().and_then(|s| s.rack.clone()),
                    topics: subscription.map(|s| s.topics).unwrap_or_default(),
                    partitions: assignment
                        .as_ref()
                        .map(|a| a.partitions.clone())
                        .unwrap_or_default(),
                    pending: Vec::new(),
                    revoking: Vec::new(),
                    strategies: m
                        .protocols
                        .iter()
                        .map(|(n, data)| (n.clone(), data.len()))
                        .collect(),
                    assignment_user_data: assignment.map_or(m.assignment.len(), |a| a.user_data),
                }
            })
            .collect();
        GroupDescription {
            group: self.name.clone(),
            group_type: GroupType::Classic,
            protocol_type: self.protocol_type.clone(),
            state: self.state(),
            generation: self.generation,
            // The leader's assignor decides; Kafka's one cooperative built-in says so by name.
            protocol: if protocol == "cooperative-sticky" {
                Protocol::Cooperative
            } else {
                Protocol::Eager
            },
            strategy: self.protocol.as_ref().map(|name| StrategyDescription {
                name: name.clone(),
                version: String::new(),
                hash: String::new(),
            }),
            leader: self.leader.clone(),
            members,
            degraded: None,
            rebalancing: self.rebalance.as_ref().map(|r| r.cause.clone()),
            last_rebalance: None,
            rebalances: BTreeMap::new(),
        }
    }

    /// Each member's metadata for the chosen protocol and its assignment, untouched (Kafka's
    /// DescribeGroups).
    pub fn raw_members(&self) -> Vec<ClassicMemberState> {
        let protocol = self.protocol.clone().unwrap_or_default();
        self.members
            .iter()
            .map(|m| ClassicMemberState {
                member_id: m.member_id.clone(),
                instance_id: m.instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                metadata: m.metadata_of(&protocol),
                assignment: m.assignment.clone(),
            })
            .collect()
    }
}
