//! Tests of the coordinator as a whole, through [`super::Coordinator`], with simulated clients
//! that hold what they are given and give it up as told, so "no partition has two owners" is
//! checked from the clients' side too.

mod classic;
mod consumer;
mod cooperative;
mod describe;
mod failures;
mod hot_swap;
mod membership;
mod negotiation;
mod offsets;
mod ownership_proptest;
mod slow;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use regroup_assignor_api::model::*;
use regroup_assignor_api::{AssignError, Assignor};

use super::*;

/// How a test assignor behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Works,
    Errs,
    Panics,
    Invalid,
}

/// Deals each topic's partitions in turn to its subscribers (in the spec's order) and returns to
/// each member `"<name> <version>:"` followed by the user data it was given.
pub struct Deal {
    pub name: &'static str,
    pub version: &'static str,
    pub protocols: &'static [Protocol],
    pub behaviour: Behaviour,
}

impl Deal {
    pub fn eager(name: &'static str) -> Arc<Deal> {
        Arc::new(Deal {
            name,
            version: "1.0.0",
            protocols: &[Protocol::Eager],
            behaviour: Behaviour::Works,
        })
    }

    pub fn cooperative(name: &'static str) -> Arc<Deal> {
        Arc::new(Deal {
            name,
            version: "1.0.0",
            protocols: &[Protocol::Eager, Protocol::Cooperative],
            behaviour: Behaviour::Works,
        })
    }

    pub fn failing(name: &'static str, behaviour: Behaviour) -> Arc<Deal> {
        Arc::new(Deal {
            name,
            version: "1.0.0",
            protocols: &[Protocol::Eager],
            behaviour,
        })
    }
}

impl Assignor for Deal {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            self.name,
            self.version,
            "test: deals partitions in turn",
            self.protocols,
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        match self.behaviour {
            Behaviour::Works => {}
            Behaviour::Errs => return Err(format!("{} cannot assign today", self.name).into()),
            Behaviour::Panics => panic!("{} panicked on purpose", self.name),
            Behaviour::Invalid => return Ok(Assignment::empty_for(group)),
        }
        let mut out = Assignment::empty_for(group);
        for (t, topic) in group.topics.iter().enumerate() {
            let subscribers: Vec<usize> = (0..group.members.len())
                .filter(|&m| group.members[m].topics.contains(&TopicId(t as u32)))
                .collect();
            for p in 0..topic.partitions {
                if !subscribers.is_empty() {
                    let m = subscribers[p as usize % subscribers.len()];
                    out.members[m]
                        .partitions
                        .push(TopicPartition::new(TopicId(t as u32), p));
                }
            }
        }
        for (m, member) in group.members.iter().enumerate() {
            let mut data = format!("{} {}:", self.name, self.version).into_bytes();
            data.extend_from_slice(&member.user_data);
            out.members[m].user_data = data;
        }
        Ok(out)
    }
}

/// The coordinator as these tests drive it: each call that may start a rebalance waits for the
/// strategy runs it started (they run on the coordinator's job threads), so a test reads the
/// outcome right after the call, as a client would once its answer arrived.
pub struct Settling(pub Coordinator);

impl std::ops::Deref for Settling {
    type Target = Coordinator;
    fn deref(&self) -> &Coordinator {
        &self.0
    }
}

impl Settling {
    fn settled<T>(&self, out: T) -> T {
        assert!(
            self.0.wait_for_strategy_runs(Duration::from_secs(30)),
            "strategy runs did not finish"
        );
        out
    }

    pub fn join(&self, req: JoinRequest, now: Instant) -> Result<JoinTicket, GroupError> {
        self.settled(self.0.join(req, now))
    }

    pub fn leave(&self, group: &str, member_id: &str, now: Instant) -> Result<(), GroupError> {
        self.settled(self.0.leave(group, member_id, now))
    }

    pub fn tick(&self, now: Instant) {
        self.0.tick(now);
        self.settled(())
    }

    pub fn topics_changed(&self, topics: &[&str], now: Instant) {
        self.0.topics_changed(topics, now);
        self.settled(())
    }
}

pub struct Harness {
    pub coordinator: Settling,
    pub strategies: Arc<MemoryStrategies>,
    pub topics: Arc<MemoryTopics>,
    pub dir: tempfile::TempDir,
    pub t0: Instant,
}

impl Harness {
    /// A coordinator over in-memory strategies `served` and the topics `(name, partitions)`.
    pub fn new(served: Vec<Arc<Deal>>, topics: &[(&str, u32)]) -> Harness {
        let strategies = Arc::new(MemoryStrategies::new());
        for s in served {
            strategies.insert(s, "hash-1");
        }
        Harness::over(Arc::clone(&strategies) as Arc<dyn Strategies>, strategies, topics)
    }

    /// A coordinator over the real plugin registry's built-in strategies.
    pub fn with_builtins(topics: &[(&str, u32)]) -> Harness {
        let exe = std::env::current_exe().unwrap();
        let registry =
            crate::registry::Registry::start(crate::registry::RegistryConfig::new(None, exe)).unwrap();
        Harness::over(Arc::new(registry), Arc::new(MemoryStrategies::new()), topics)
    }

    fn over(
        served: Arc<dyn Strategies>,
        strategies: Arc<MemoryStrategies>,
        topics: &[(&str, u32)],
    ) -> Harness {
        let memory_topics = Arc::new(MemoryTopics::new());
        for (name, partitions) in topics {
            memory_topics.set_partitions(name, *partitions);
        }
        let dir = tempfile::tempdir().unwrap();
        let mut config = CoordinatorConfig::new(dir.path().to_owned());
        // Some tests use sessions shorter than Kafka's 6 s minimum.
        config.min_session_timeout = Duration::from_millis(1);
        let (coordinator, _) = Coordinator::open(
            config,
            served,
            Arc::clone(&memory_topics) as Arc<dyn TopicCatalog>,
            Arc::clone(&memory_topics) as Arc<dyn OffsetResolver>,
        )
        .unwrap();
        Harness {
            coordinator: Settling(coordinator),
            strategies,
            topics: memory_topics,
            dir,
            t0: Instant::now(),
        }
    }

    pub fn at(&self, secs: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(secs)
    }

    pub fn describe(&self, group: &str) -> GroupDescription {
        self.coordinator.describe(group).unwrap()
    }
}

pub fn tp(topic: &str, partition: u32) -> PartitionName {
    PartitionName::new(topic, partition)
}

/// A simulated consumer.
pub struct Client {
    pub req: JoinRequest,
    pub ticket: Option<JoinTicket>,
    pub outcome: Option<JoinOutcome>,
    /// What it consumes: given partitions, kept until revoked, given up when it rejoins eagerly.
    pub held: BTreeSet<PartitionName>,
    /// It confirms revocations as soon as it sees them.
    pub confirms: bool,
    /// Its last error; it stops once it has one.
    pub error: Option<GroupError>,
    /// When the coordinator last heard from it.
    pub last_contact: Option<Instant>,
}

impl Client {
    pub fn new(group: &str, topics: &[&str], strategies: &[(&str, &[u8])]) -> Client {
        Client {
            req: JoinRequest::new(group, topics, strategies),
            ticket: None,
            outcome: None,
            held: BTreeSet::new(),
            confirms: true,
            error: None,
            last_contact: None,
        }
    }

    pub fn static_member(mut self, instance: &str) -> Client {
        self.req.instance_id = Some(instance.to_owned());
        self
    }

    pub fn id(&self) -> String {
        self.req.member_id.clone().expect("the client has joined")
    }

    pub fn generation(&self) -> i32 {
        self.outcome.as_ref().map_or(-1, |o| o.generation)
    }

    pub fn outcome(&self) -> &JoinOutcome {
        self.outcome.as_ref().expect("the client has an assignment")
    }

    pub fn active(&self) -> bool {
        self.error.is_none()
    }

    /// Joins or rejoins; an eager client gives up everything first.
    pub fn join(&mut self, h: &Harness, now: Instant) -> Result<(), GroupError> {
        if self
            .outcome
            .as_ref()
            .is_some_and(|o| o.protocol == Protocol::Eager)
        {
            self.held.clear();
        }
        self.req.owned = self.held.iter().cloned().collect();
        self.req.generation = self.outcome.as_ref().map(|o| o.generation);
        match h.coordinator.join(self.req.clone(), now) {
            Ok(ticket) => {
                self.last_contact = Some(now);
                self.ticket = Some(ticket);
                self.poll();
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Takes the join's answer if it has come; returns whether it did.
    pub fn poll(&mut self) -> bool {
        let Some(result) = self.ticket.as_mut().and_then(JoinTicket::try_take) else {
            return false;
        };
        self.ticket = None;
        match result {
            Ok(outcome) => {
                self.req.member_id = Some(outcome.member_id.clone());
                self.held = outcome
                    .partitions
                    .iter()
                    .chain(&outcome.revoke)
                    .cloned()
                    .collect();
                self.outcome = Some(outcome);
            }
            Err(e) => self.fail(e),
        }
        true
    }

    /// A client that has not reached the coordinator for a session stops consuming, as the
    /// coordinator may have handed its partitions to others, and gives up (a real one would
    /// rejoin as a new member).
    pub fn self_fence(&mut self, now: Instant) {
        if self.active()
            && self.ticket.is_none()
            && self
                .last_contact
                .is_some_and(|t| now >= t + self.req.session_timeout)
        {
            let (group, member) = (
                self.req.group.clone(),
                self.req.member_id.clone().unwrap_or_default(),
            );
            self.fail(GroupError::MemberRemoved {
                group,
                member,
                reason: "its session lapsed".into(),
            });
        }
    }

    fn fail(&mut self, e: GroupError) {
        self.held.clear();
        self.error = Some(e);
    }

    /// One heartbeat and whatever it calls for; returns whether anything happened.
    pub fn step(&mut self, h: &Harness, now: Instant) -> bool {
        if !self.active() {
            return false;
        }
        let mut acted = self.poll();
        if acted {
            self.last_contact = Some(now);
        }
        if self.ticket.is_some() || self.outcome.is_none() {
            return acted;
        }
        let group = self.req.group.clone();
        let (id, generation) = (self.id(), self.generation());
        if self.confirms {
            let outcome = self.outcome.as_mut().expect("checked");
            let revoke = std::mem::take(&mut outcome.revoke);
            if !revoke.is_empty() {
                for p in &revoke {
                    self.held.remove(p);
                }
                if let Err(e) = h.coordinator.revoked(&group, &id, generation, &revoke, now) {
                    self.fail(e);
                    return true;
                }
                acted = true;
            }
        }
        let beat = h.coordinator.heartbeat(&group, &id, generation, now);
        if beat.is_ok() {
            self.last_contact = Some(now);
        }
        match beat {
            Ok(HeartbeatState::RebalanceInProgress) => {
                if let Err(e) = self.join(h, now) {
                    self.fail(e);
                }
                true
            }
            Ok(HeartbeatState::Granted(partitions)) => {
                self.held.extend(partitions);
                true
            }
            Ok(HeartbeatState::Stable | HeartbeatState::Joining) => acted,
            Err(e) => {
                self.fail(e);
                true
            }
        }
    }
}

/// Steps every client until nothing happens, checking exclusivity after every step.
pub fn settle(h: &Harness, clients: &mut [Client], now: Instant) {
    for _ in 0..100 {
        // Joins made on other threads straight on the coordinator may still have runs going.
        assert!(
            h.coordinator.wait_for_strategy_runs(Duration::from_secs(30)),
            "strategy runs did not finish"
        );
        let mut acted = false;
        for i in 0..clients.len() {
            acted |= clients[i].step(h, now);
            assert_exclusive(clients);
        }
        if !acted {
            return;
        }
    }
    panic!("the clients did not settle");
}

/// No partition is held by two clients.
pub fn assert_exclusive(clients: &[Client]) {
    let mut holder: BTreeMap<&PartitionName, &str> = BTreeMap::new();
    for c in clients {
        for p in &c.held {
            let me = c.req.member_id.as_deref().unwrap_or("?");
            if let Some(other) = holder.insert(p, me) {
                panic!("{p} is held by {other} and {me}");
            }
        }
    }
}

/// Every partition of `topics` is held by exactly one client.
pub fn assert_complete(h: &Harness, clients: &[Client], topics: &[&str]) {
    assert_exclusive(clients);
    let held: BTreeSet<&PartitionName> = clients.iter().flat_map(|c| &c.held).collect();
    for topic in topics {
        for p in 0..h.topics.partitions(topic).unwrap() {
            assert!(held.contains(&tp(topic, p)), "{topic}-{p} is held by nobody");
        }
    }
}

/// Joins every client at `now`.
pub fn join_all(h: &Harness, clients: &mut [Client], now: Instant) {
    for c in clients.iter_mut() {
        c.join(h, now).unwrap();
    }
}
