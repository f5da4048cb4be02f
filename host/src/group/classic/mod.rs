//! Kafka's classic group protocol in the coordinator: the group leader computes the assignment
//! and the host relays it. Members join listing a protocol type (`consumer`, or any other) and
//! the protocols they accept, each with opaque metadata; the join barrier waits for every member
//! (or the rebalance timeout, or, for a group that was empty, the initial rebalance delay); the
//! protocol is chosen as Kafka chooses it ([`select_protocol`]); the leader receives every
//! member's metadata, sends back every member's assignment in its sync, and each member receives
//! its own, untouched. Heartbeats say whether a rebalance runs; a member heard from for no
//! longer than its session timeout is removed. A static member (`group.instance.id`) that joins
//! again with no member id takes its place under a new id, and the old id is fenced.
//!
//! The group states are Kafka's: Empty, PreparingRebalance (the join barrier),
//! CompletingRebalance (joined, waiting for the leader's assignments), Stable, Dead.
//!
//! This kind of group lives beside the native groups, by name in its own map; a name is one
//! kind at a time: a member of another protocol joining a group that has members is refused
//! with [`GroupError::InconsistentGroupProtocol`]; an empty group of the other kind gives way.
//! Offsets are the coordinator's one store: commits are fenced by member id and generation.
//!
//! The core sees no Kafka types: the Kafka listener translates its requests into
//! [`ClassicJoin`] and [`ClassicSync`] and back.

mod consumer_protocol;
pub(super) mod state;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

pub use consumer_protocol::{ConsumerAssignment, ConsumerSubscription};
use state::{ClassicGroup, ClassicMember};

use super::error::GroupError;
use super::types::{GroupState, GroupType};
use super::{Coordinator, limits, lock};

/// A member asking to join, or rejoin, a classic group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicJoin {
    pub group: String,
    /// Empty for a member that has none yet.
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub protocol_type: String,
    /// Protocol names with their metadata, most preferred first.
    pub protocols: Vec<(String, Vec<u8>)>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    /// A new member without an instance id first gets its id and joins with it (Kafka's
    /// MEMBER_ID_REQUIRED, from JoinGroup version 4).
    pub require_known_member_id: bool,
}

/// One member's metadata for the protocol chosen, as the leader receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicMemberMetadata {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub metadata: Vec<u8>,
}

/// A classic member as Kafka's DescribeGroups shows it: its bytes untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicMemberState {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    /// Its metadata for the protocol chosen.
    pub metadata: Vec<u8>,
    pub assignment: Vec<u8>,
}

/// A completed join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicJoined {
    pub member_id: String,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub leader: String,
    /// Every member's metadata for the leader; empty for the others.
    pub members: Vec<ClassicMemberMetadata>,
}

pub type ClassicJoinAnswer = oneshot::Receiver<Result<ClassicJoined, GroupError>>;
pub type ClassicSyncAnswer = oneshot::Receiver<Result<ClassicSynced, GroupError>>;

/// What a join comes to at once.
#[derive(Debug)]
pub enum ClassicJoinReply {
    /// The member must join again with this id (Kafka's MEMBER_ID_REQUIRED).
    MemberIdRequired(String),
    /// Answered when the join barrier completes (at the latest at the rebalance timeout).
    Waiting(ClassicJoinAnswer),
}

/// A member's sync: the leader's carries every member's assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicSync {
    pub group: String,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub generation: i32,
    /// Checked against the group's when given (SyncGroup from version 5).
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub assignments: Vec<(String, Vec<u8>)>,
}

/// A completed sync: the member's assignment as the leader sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicSynced {
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub assignment: Vec<u8>,
}

/// Kafka's protocol choice (`ClassicGroup.selectProtocol`): the candidates are the protocols
/// every member lists; each member votes for the first candidate in its own list; the most
/// votes win. Kafka breaks a tie by hash order; here the tie goes to the candidate the
/// longest-standing member prefers, so the choice is deterministic.
pub(super) fn select_protocol(members: &[ClassicMember]) -> Option<String> {
    let first = members.first()?;
    let candidates: Vec<&str> = first
        .protocols
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| members.iter().all(|m| m.protocols.iter().any(|(n, _)| n == name)))
        .collect();
    let votes = |candidate: &str| {
        members
            .iter()
            .filter(|m| m.vote(&candidates) == Some(candidate))
            .count()
    };
    let most = candidates.iter().map(|c| votes(c)).max()?;
    candidates
        .iter()
        .find(|c| votes(c) == most)
        .map(|c| (*c).to_owned())
}

impl Coordinator {
    pub(super) fn classic_group(&self, name: &str) -> Result<Arc<Mutex<ClassicGroup>>, GroupError> {
        lock(&self.inner.classic)
            .get(name)
            .cloned()
            .ok_or_else(|| GroupError::UnknownGroup {
                group: name.to_owned(),
            })
    }

    /// The classic group `name` for a join, created if need be; refused while a native group of
    /// the name has members (an empty one gives way).
    fn classic_group_for_join(&self, name: &str) -> Result<Arc<Mutex<ClassicGroup>>, GroupError> {
        self.refuse_if_consumer(name)?;
        let native = lock(&self.inner.groups).get(name).cloned();
        if let Some(native) = native {
            let mut g = lock(&native);
            if !g.members.is_empty() {
                return Err(GroupError::InconsistentGroupProtocol {
                    group: name.to_owned(),
                    group_type: GroupType::Native,
                });
            }
            g.dead = true;
            lock(&self.inner.groups).remove(name);
        }
        let delay = self.inner.config.initial_rebalance_delay;
        Ok(Arc::clone(
            lock(&self.inner.classic)
                .entry(name.to_owned())
                .or_insert_with(|| Arc::new(Mutex::new(ClassicGroup::new(name, delay)))),
        ))
    }

    /// For a native join: refused while a classic group of the name has members; an empty one
    /// gives way.
    pub(super) fn refuse_if_classic(&self, name: &str) -> Result<(), GroupError> {
        let classic = lock(&self.inner.classic).get(name).cloned();
        if let Some(classic) = classic {
            let mut g = lock(&classic);
            if !g.members.is_empty() {
                return Err(g.inconsistent());
            }
            g.dead = true;
            lock(&self.inner.classic).remove(name);
        }
        Ok(())
    }

    fn new_classic_member_id(&self, client_id: &str) -> String {
        // Kafka's form, the client id and a unique suffix; the client id is cut short.
        let client: String = client_id.chars().take(64).collect();
        format!(
            "{client}-{}-{:08x}",
            self.inner
                .next_member
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            self.inner.nonce as u32
        )
    }

    /// Joins (or rejoins) a classic group: at once [`ClassicJoinReply::MemberIdRequired`], or a
    /// channel answered when the join barrier completes.
    pub fn join_classic(&self, req: ClassicJoin, now: Instant) -> Result<ClassicJoinReply, GroupError> {
        limits::check_group_id(&req.group)?;
        self.observe(now);
        self.check_timeout_bounds(req.session_timeout, req.rebalance_timeout)
            .map_err(|reason| GroupError::InvalidRequest {
                group: req.group.clone(),
                reason,
            })?;
        loop {
            let handle = self.classic_group_for_join(&req.group)?;
            let mut g = lock(&handle);
            if g.dead {
                continue;
            }
            let result = self.join_locked(&mut g, &req, now);
            if result.is_err() && g.members.is_empty() && g.generation == 0 && g.pending.is_empty() {
                // A refused first member leaves no trace.
                g.dead = true;
                lock(&self.inner.classic).remove(&req.group);
            }
            return result;
        }
    }

    fn join_locked(
        &self,
        g: &mut ClassicGroup,
        req: &ClassicJoin,
        now: Instant,
    ) -> Result<ClassicJoinReply, GroupError> {
        let no_common = || GroupError::NoCommonStrategy {
            group: req.group.clone(),
            member: if req.member_id.is_empty() {
                req.client_id.clone()
            } else {
                req.member_id.clone()
            },
            requested: req
                .protocols
                .iter()
                .map(|(n, _)| format!("{}/{n}", req.protocol_type))
                .collect(),
            group_offers: g
                .members
                .first()
                .map(|m| {
                    m.protocols
                        .iter()
                        .map(|(n, _)| format!("{}/{n}", m.protocol_type))
                        .collect()
                })
                .unwrap_or_default(),
            host_offers: Vec::new(),
        };
        let except = (!req.member_id.is_empty()).then_some(req.member_id.as_str());
        if !g.supports(except, &req.protocol_type, &req.protocols) {
            return Err(no_common());
        }
        let (answer, waiting) = oneshot::channel();
        let was_empty = g.members.is_empty();
        let new_member = |member_id: String| ClassicMember {
            member_id,
            instance_id: req.instance_id.clone(),
            client_id: req.client_id.clone(),
            client_host: req.client_host.clone(),
            protocol_type: req.protocol_type.clone(),
            protocols: req.protocols.clone(),
            session_timeout: req.session_timeout,
            rebalance_timeout: req.rebalance_timeout,
            last_heard: now,
            join: None,
            sync: None,
            assignment: Vec::new(),
        };
        let join_new = |g: &mut ClassicGroup, member_id: String, answer| {
            g.add_member(new_member(member_id.clone()));
            g.await_join(&member_id, answer);
            g.prepare_rebalance(format!("member {member_id} joined"), was_empty, now);
            g.try_complete_join(now);
        };
        if req.member_id.is_empty() {
            let replaced = req.instance_id.as_deref().and_then(|instance| {
                g.members
                    .iter()
                    .find(|m| m.instance_id.as_deref() == Some(instance))
                    .map(|m| m.member_id.clone())
            });
            if let Some(old_id) = replaced {
                self.replace_static(g, &old_id, req, answer, now);
                return Ok(ClassicJoinReply::Waiting(waiting));
            }
            if req.instance_id.is_none() && req.require_known_member_id {
                let member_id = self.new_classic_member_id(&req.client_id);
                g.pending.insert(member_id.clone(), now + req.session_timeout);
                return Ok(ClassicJoinReply::MemberIdRequired(member_id));
            }
            join_new(g, self.new_classic_member_id(&req.client_id), answer);
            return Ok(ClassicJoinReply::Waiting(waiting));
        }
        if g.pending.remove(&req.member_id).is_some() {
            join_new(g, req.member_id.clone(), answer);
            return Ok(ClassicJoinReply::Waiting(waiting));
        }
        g.check_member(&req.member_id, req.instance_id.as_deref())?;
        let changed = g.update_member(
            &req.member_id,
            req.protocols.clone(),
            req.session_timeout,
            req.rebalance_timeout,
            now,
        );
        let is_leader = g.leader.as_deref() == Some(req.member_id.as_str());
        match g.state() {
            GroupState::PreparingRebalance => {
                g.await_join(&req.member_id, answer);
                g.try_complete_join(now);
            }
            // Nothing changed: it missed the answer, or rejoins for no reason the group shares.
            GroupState::CompletingRebalance if !changed => {
                let _ = answer.send(Ok(g.current_join(&req.member_id)));
            }
            GroupState::Stable if !changed && !is_leader => {
                let _ = answer.send(Ok(g.current_join(&req.member_id)));
            }
            _ => {
                g.await_join(&req.member_id, answer);
                let why = if changed { "with new metadata" } else { "as leader" };
                g.prepare_rebalance(format!("member {} rejoined {why}", req.member_id), false, now);
                g.try_complete_join(now);
            }
        }
        Ok(ClassicJoinReply::Waiting(waiting))
    }

    /// A static member joins again with no member id: it takes the place of the member with its
    /// instance id under a new id, and whatever the old id waits for is answered
    /// FENCED_INSTANCE_ID. With nothing changed and no rebalance running it gets the current
    /// generation at once; otherwise the group rebalances.
    fn replace_static(
        &self,
        g: &mut ClassicGroup,
        old_id: &str,
        req: &ClassicJoin,
        answer: state::JoinSender,
        now: Instant,
    ) {
        let new_id = self.new_classic_member_id(&req.client_id);
        let instance = req.instance_id.clone().unwrap_or_default();
        let group = g.name.clone();
        let fenced = || GroupError::FencedInstance {
            group: group.clone(),
            member: old_id.to_owned(),
            instance: instance.clone(),
        };
        let state = g.state();
        let member = g
            .members
            .iter_mut()
            .find(|m| m.member_id == old_id)
            .expect("the static member was found under the lock");
        if let Some(join) = member.join.take() {
            let _ = join.send(Err(fenced()));
        }
        if let Some(sync) = member.sync.take() {
            let _ = sync.send(Err(fenced()));
        }
        let changed = member.protocols != req.protocols;
        member.member_id = new_id.clone();
        member.client_id = req.client_id.clone();
        member.client_host = req.client_host.clone();
        member.protocols = req.protocols.clone();
        member.session_timeout = req.session_timeout;
        member.rebalance_timeout = req.rebalance_timeout;
        member.last_heard = now;
        if g.leader.as_deref() == Some(old_id) {
            g.leader = Some(new_id.clone());
        }
        tracing::info!(
            group = g.name,
            old = old_id,
            new = new_id,
            instance,
            "static member replaced"
        );
        match state {
            GroupState::PreparingRebalance => {
                g.await_join(&new_id, answer);
                g.try_complete_join(now);
            }
            GroupState::Stable if !changed => {
                let _ = answer.send(Ok(g.current_join(&new_id)));
            }
            _ => {
                g.await_join(&new_id, answer);
                g.prepare_rebalance(format!("static member {instance} rejoined"), false, now);
                g.try_complete_join(now);
            }
        }
    }

    /// A member's sync; the channel is answered once the leader's assignments have come.
    pub fn sync_classic(&self, req: ClassicSync, now: Instant) -> Result<ClassicSyncAnswer, GroupError> {
        self.observe(now);
        let handle = self.classic_group(&req.group)?;
        let mut g = lock(&handle);
        g.check_generation(&req.member_id, req.instance_id.as_deref(), req.generation)?;
        let mismatch = |asked: &Option<String>, current: &Option<String>| {
            asked
                .as_ref()
                .is_some_and(|asked| Some(asked) != current.as_ref())
        };
        if mismatch(&req.protocol_type, &g.protocol_type) || mismatch(&req.protocol, &g.protocol) {
            let show = |t: &Option<String>, p: &Option<String>| {
                format!("{}/{}", t.as_deref().unwrap_or("?"), p.as_deref().unwrap_or("?"))
            };
            return Err(GroupError::NoCommonStrategy {
                group: req.group.clone(),
                member: req.member_id.clone(),
                requested: vec![show(&req.protocol_type, &req.protocol)],
                group_offers: vec![show(&g.protocol_type, &g.protocol)],
                host_offers: Vec::new(),
            });
        }
        let (answer, waiting) = oneshot::channel();
        g.sync(&req.member_id, req.assignments, answer, now);
        Ok(waiting)
    }

    /// A classic member's heartbeat: [`GroupError::RebalanceInProgress`] tells it to rejoin.
    pub fn heartbeat_classic(
        &self,
        group: &str,
        member_id: &str,
        instance_id: Option<&str>,
        generation: i32,
        now: Instant,
    ) -> Result<(), GroupError> {
        self.observe(now);
        let handle = self.classic_group(group)?;
        let mut g = lock(&handle);
        g.check_generation(member_id, instance_id, generation)?;
        g.heard_from(member_id, now);
        if g.rebalance.is_some() {
            return Err(GroupError::RebalanceInProgress {
                group: group.to_owned(),
            });
        }
        Ok(())
    }

    /// Members leave, each given by member id, or by instance id (whose member id, when given,
    /// must be the instance's current one). One verdict per member, in order.
    pub fn leave_classic(
        &self,
        group: &str,
        leaving: &[(String, Option<String>)],
        now: Instant,
    ) -> Result<Vec<Result<(), GroupError>>, GroupError> {
        self.observe(now);
        let handle = self.classic_group(group)?;
        let mut g = lock(&handle);
        let verdicts = leaving
            .iter()
            .map(|(member_id, instance_id)| {
                let member_id = match instance_id {
                    Some(instance) => {
                        let holder = g
                            .members
                            .iter()
                            .find(|m| m.instance_id.as_deref() == Some(instance.as_str()))
                            .map(|m| m.member_id.clone());
                        match holder {
                            None => {
                                return Err(GroupError::UnknownMember {
                                    group: group.to_owned(),
                                    member: instance.clone(),
                                });
                            }
                            Some(holder) if !member_id.is_empty() && holder != *member_id => {
                                return Err(GroupError::FencedInstance {
                                    group: group.to_owned(),
                                    member: member_id.clone(),
                                    instance: instance.clone(),
                                });
                            }
                            Some(holder) => holder,
                        }
                    }
                    None => member_id.clone(),
                };
                if g.pending.remove(&member_id).is_some() {
                    g.try_complete_join(now);
                    return Ok(());
                }
                g.check_member(&member_id, None)?;
                g.member_gone(&member_id, "it left the group", now);
                Ok(())
            })
            .collect();
        Ok(verdicts)
    }

    /// A classic group's members with their metadata and assignments untouched, or `None` for
    /// a group that is not a classic one.
    pub fn classic_members(&self, group: &str) -> Option<Vec<ClassicMemberState>> {
        let handle = self.classic_group(group).ok()?;
        let members = lock(&handle).raw_members();
        Some(members)
    }

    /// Session expiry and join deadlines of every classic group.
    pub(super) fn tick_classic(&self, now: Instant) {
        let groups: Vec<Arc<Mutex<ClassicGroup>>> = lock(&self.inner.classic).values().cloned().collect();
        for group in groups {
            lock(&group).tick(now);
        }
    }
}
