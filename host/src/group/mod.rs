//! The group coordinator: membership, strategy negotiation, rebalances (eager and
//! cooperative), committed offsets with fencing, and hot strategy swaps. It knows nothing of
//! sockets: a server turns frames into calls on [`Coordinator`]. Time is passed in (`now`), and
//! [`Coordinator::tick`] drives session expiry, rebalance timeouts, retries and registry events,
//! so every timeout is testable without sleeping.
//!
//! - `mod.rs` (this file): [`Coordinator`], the handle: groups, offsets, ticks.
//! - `state.rs`: one group's state and transitions (under the group's lock).
//! - `classic/`: Kafka's classic groups, whose leader assigns: their own state machine beside
//!   the native groups (a group name is one kind at a time), the same offsets.
//! - `negotiate.rs`: the negotiation rule ([`negotiate::rank`]).
//! - `cooperative.rs`: the withholding rule ([`cooperative::first_step`]).
//! - `offset_calls.rs`: the coordinator's offsets calls: commits fenced as each kind of group
//!   fences them, fetches, resets and deletions.
//! - `offsets.rs`: the durable offsets file.
//! - `strategies.rs`: [`Strategies`], over the plugin registry or in memory.
//! - `topics.rs`: [`TopicCatalog`] and [`OffsetResolver`], which the log implements.
//! - `ticket.rs`: [`JoinTicket`], a join's answer.
//! - `limits.rs`: group id length, committed offsets and metadata within bounds.
//! - `jobs.rs`: the bounded pool of threads that run strategies.
//! - `types.rs`, `error.rs`: requests, answers, [`GroupError`].
//! - `consumer/`: groups of Kafka's consumer protocol (KIP-848), where members reconcile towards
//!   a target the host computes, through heartbeats ([`Coordinator::consumer_heartbeat`]).
//!
//! A group has one [`GroupType`]: a name taken by a group of one kind is refused to members of
//! another ([`GroupError::InconsistentGroupProtocol`]). Every kind shares the offsets store, the
//! strategies, the job pool, `list`, `describe` and `delete_group`.
//!
//! # Group states (as in Kafka)
//!
//! | from                 | to                   | when                                                              |
//! |----------------------|----------------------|-------------------------------------------------------------------|
//! | Empty                | PreparingRebalance   | a member joins                                                    |
//! | Stable               | PreparingRebalance   | a member joins, leaves, expires or rejoins with new metadata; a topic's partitions change; a strategy event calls for it; a retry is due |
//! | CompletingRebalance  | PreparingRebalance   | the same, while revocations are outstanding                       |
//! | PreparingRebalance   | CompletingRebalance  | every member has rejoined, or the rebalance timeout removed the rest: the strategy runs |
//! | CompletingRebalance  | PreparingRebalance   | a change while the strategy runs: its result is dropped, it runs again |
//! | CompletingRebalance  | Stable               | the assignment is delivered and no moved partition awaits a revocation |
//! | CompletingRebalance  | CompletingRebalance  | delivered, but moved partitions wait for their owners (cooperative) |
//! | any                  | Empty                | the last member leaves or expires                                 |
//! | Empty                | Dead                 | [`Coordinator::delete_group`]                                     |
//!
//! A static member (one with an instance id) that restarts and rejoins with the same metadata
//! while no rebalance runs gets its assignment back at once, under a new member id; the old id is
//! fenced. The generation increases with every completed rebalance. The leader is the
//! longest-standing member.
//!
//! # Rebalances
//!
//! Members learn of a rebalance from their heartbeat ([`HeartbeatState::RebalanceInProgress`])
//! and rejoin; their [`JoinTicket`]s are answered when every member has rejoined, or at the
//! rebalance timeout (the largest of the members') with the laggards removed. Then the
//! candidates are ranked by the rule in [`negotiate`], the chosen strategy runs outside any lock
//! with only its user data, and each member receives its partitions, the assignor's data for it,
//! the generation, the strategy and the protocol.
//!
//! **Strategy runs** happen on the coordinator's job threads (`jobs.rs`, at most
//! [`CoordinatorConfig::strategy_threads`] at once), never in the call that made the rebalance
//! ready: a join or a tick returns at once, so one slow strategy never delays session expiry,
//! rebalance timeouts or retries in other groups. A run's result is applied when it ends, at the
//! coordinator's clock then (the latest `now` any call brought; the host ticks every few ms), and
//! members count as heard from at that moment. Tools and tests that drive the coordinator by
//! hand wait with [`Coordinator::wait_for_strategy_runs`].
//!
//! **Timeouts** a member asks for are bounded: the session timeout by
//! [`CoordinatorConfig::min_session_timeout`] and [`CoordinatorConfig::max_session_timeout`]
//! (Kafka's `group.min.session.timeout.ms` and `group.max.session.timeout.ms`), the rebalance
//! timeout by [`CoordinatorConfig::max_rebalance_timeout`]; a join outside them is refused. A failing strategy is logged, shown in
//! [`GroupDescription::last_rebalance`], and the next candidate runs; if none works, members
//! keep their assignment, the group is marked degraded and a rebalance is retried with a
//! doubling backoff.
//!
//! **Protocol.** A group runs cooperatively when every strategy any member lists, among those
//! the host serves, supports the cooperative protocol (Kafka's rule: a member still listing an
//! eager-only strategy may be an eager client mid-upgrade); otherwise eagerly. Eager: a member
//! gives up everything when it rejoins (the coordinator records that), so the new assignment
//! meets no owner. Cooperative: members keep their partitions while rejoining; the new target
//! goes through [`cooperative::first_step`]: unmoved partitions stay, a moved one is revoked
//! from its owner ([`JoinOutcome::revoke`]) and given to its new owner only when the owner
//! confirms ([`Coordinator::revoked`]) or leaves (the new owner's heartbeat says
//! [`HeartbeatState::Granted`]). The same withholding applies to any transition, so no partition
//! ever has two owners.
//!
//! **Hot swap.** On a registry event, groups that run the strategy rebalance onto the new code
//! (updated) or onto their next candidate (removed; with none left the group keeps its
//! assignment, degraded, until a candidate returns); a group whose top-ranked candidate is no
//! longer what it runs (a strategy it prefers was added, or its preferred one had failed)
//! rebalances onto it. Members never restart for any of this.
//!
//! # Offsets
//!
//! Commits are fenced (the committing member must own every partition in the current
//! generation; a standalone committer only writes to a group without members) and stored in
//! `<data dir>/offsets.log`: append-only, one record per commit (length, CRC32C, codec
//! envelope), synced before the commit returns by one writer thread that groups concurrent
//! commits into one sync, a torn tail cut on open (damage with valid records after it refused),
//! compacted on open and whenever the file doubles. Deleting a topic forgets its offsets in every
//! group ([`Coordinator::topic_deleted`]); an empty group's offsets of one topic can be deleted. An empty group's offsets can be reset to the earliest or latest
//! offset, a timestamp or a given offset, as the log resolves them ([`OffsetResolver`]).
//!
//! # Locks
//!
//! Each group is behind its own std `Mutex`, held only for short synchronous updates (never
//! across a strategy run, an `.await` or a disk sync); the offsets store has its own, taken after
//! a group's when both are needed: a commit is checked and queued under both, so fencing and
//! ordering are atomic, and waits for its sync with neither held.

mod classic;
pub mod consumer;
pub mod cooperative;
mod error;
mod jobs;
mod limits;
pub mod negotiate;
mod offset_calls;
mod offsets;
mod state;
mod strategies;
mod ticket;
mod topics;
mod types;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

pub use classic::{
    ClassicJoin, ClassicJoinAnswer, ClassicJoinReply, ClassicJoined, ClassicMemberMetadata,
    ClassicMemberState, ClassicSync, ClassicSyncAnswer, ClassicSynced, ConsumerAssignment,
    ConsumerSubscription,
};
pub use cooperative::{CooperativeStep, MemberStep, Revocation, first_step};
pub use error::GroupError;
#[cfg(test)]
pub(crate) use error::one_of_each as one_group_error_of_each;
pub use limits::{DEFAULT_OFFSET_METADATA_MAX_BYTES, MAX_GROUP_ID_BYTES};
pub use offsets::OffsetsRecovery;
pub use strategies::{MemoryStrategies, Strategies, StrategyInfo};
pub use ticket::{JoinResult, JoinTicket};
pub use topics::{MemoryTopics, OffsetResolver, TopicCatalog};
pub use types::*;

use crate::registry::{Change, RegistryEvent};
use consumer::{
    ConsumerAnswer, ConsumerError, ConsumerGroup, ConsumerGroupDescription, ConsumerHeartbeat,
    ConsumerSettings,
};
use offsets::{OffsetBatch, OffsetOp, OffsetStore};
use state::{Backoff, Group, JobResult};

/// Where the coordinator keeps its files, how it retries, and the timeouts it accepts.
#[derive(Debug, Clone)]
pub struct CoordinatorConfig {
    /// Holds `offsets.log`.
    pub data_dir: PathBuf,
    /// First wait before retrying a group whose strategies all failed; doubles up to the max.
    pub retry_backoff: Duration,
    pub max_retry_backoff: Duration,
    /// Longest metadata one committed offset may carry (Kafka's `offset.metadata.max.bytes`).
    pub offset_metadata_max_bytes: usize,
    /// The shortest session timeout a member may ask for (Kafka's
    /// `group.min.session.timeout.ms`, 6 s).
    pub min_session_timeout: Duration,
    /// The longest session timeout a member may ask for (Kafka's `group.max.session.timeout.ms`,
    /// 30 min).
    pub max_session_timeout: Duration,
    /// The longest rebalance timeout a member may ask for: a rebalance waits this long at most
    /// for laggards. Kafka's broker has no such bound; this takes `group.max.session.timeout.ms`'s
    /// 30 min.
    pub max_rebalance_timeout: Duration,
    /// How many groups' strategies may run at once; further runs queue.
    pub strategy_threads: usize,
    /// How long a classic group that was empty waits for more members before its first
    /// rebalance completes, extended by as much for each member joining meanwhile, up to the
    /// rebalance timeout (Kafka's `group.initial.rebalance.delay.ms`, 3 s).
    pub initial_rebalance_delay: Duration,
    /// What the host decides for consumer-protocol groups.
    pub consumer: ConsumerSettings,
}

impl CoordinatorConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        CoordinatorConfig {
            data_dir,
            retry_backoff: Duration::from_secs(1),
            max_retry_backoff: Duration::from_secs(60),
            offset_metadata_max_bytes: limits::DEFAULT_OFFSET_METADATA_MAX_BYTES,
            min_session_timeout: Duration::from_millis(6_000),
            max_session_timeout: Duration::from_millis(1_800_000),
            max_rebalance_timeout: Duration::from_millis(1_800_000),
            strategy_threads: 4,
            initial_rebalance_delay: Duration::from_millis(3_000),
            consumer: ConsumerSettings::default(),
        }
    }
}

/// The coordinator handle; clones share one coordinator.
#[derive(Clone)]
pub struct Coordinator {
    inner: Arc<Inner>,
}

struct Inner {
    config: CoordinatorConfig,
    strategies: Arc<dyn Strategies>,
    catalog: Arc<dyn TopicCatalog>,
    resolver: Arc<dyn OffsetResolver>,
    groups: Mutex<BTreeMap<String, Arc<Mutex<Group>>>>,
    /// Kafka classic groups, by name; a name is in one map at a time (`classic`).
    classic: Mutex<BTreeMap<String, Arc<Mutex<classic::state::ClassicGroup>>>>,
    /// Consumer-protocol groups; a name is in at most one of the two maps, and `groups` is always
    /// locked first when both are.
    consumer_groups: Mutex<BTreeMap<String, Arc<Mutex<ConsumerGroup>>>>,
    offsets: Mutex<OffsetStore>,
    events: Mutex<mpsc::Receiver<RegistryEvent>>,
    next_member: AtomicU64,
    jobs: Arc<jobs::JobPool>,
    /// See [`Coordinator::observe`].
    clock: Mutex<Option<Instant>>,
    /// Distinguishes this process's member ids from an earlier one's.
    nonce: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update leaves the state consistent before anything that can panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn storage(e: std::io::Error) -> GroupError {
    GroupError::Storage(e.to_string())
}

impl Coordinator {
    /// Opens the offsets in `config.data_dir` (recovering a torn tail) and subscribes to
    /// `strategies`' events.
    pub fn open(
        config: CoordinatorConfig,
        strategies: Arc<dyn Strategies>,
        catalog: Arc<dyn TopicCatalog>,
        resolver: Arc<dyn OffsetResolver>,
    ) -> Result<(Coordinator, OffsetsRecovery), GroupError> {
        let (offsets, recovery) = OffsetStore::open(&config.data_dir).map_err(storage)?;
        let events = strategies.subscribe();
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id()) << 32;
        let jobs = jobs::JobPool::new(config.strategy_threads);
        let inner = Inner {
            config,
            strategies,
            catalog,
            resolver,
            groups: Mutex::new(BTreeMap::new()),
            classic: Mutex::new(BTreeMap::new()),
            consumer_groups: Mutex::new(BTreeMap::new()),
            offsets: Mutex::new(offsets),
            events: Mutex::new(events),
            next_member: AtomicU64::new(1),
            jobs,
            clock: Mutex::new(None),
            nonce,
        };
        Ok((
            Coordinator {
                inner: Arc::new(inner),
            },
            recovery,
        ))
    }

    fn backoff(&self) -> Backoff {
        Backoff {
            initial: self.inner.config.retry_backoff,
            max: self.inner.config.max_retry_backoff,
        }
    }

    fn group(&self, name: &str) -> Result<Arc<Mutex<Group>>, GroupError> {
        lock(&self.inner.groups)
            .get(name)
            .cloned()
            .ok_or_else(|| GroupError::UnknownGroup {
                group: name.to_owned(),
            })
    }

    /// If the group's rebalance is ready, starts its strategy run on the job pool and returns:
    /// no caller (a join, a tick over every group) waits for a strategy.
    fn drive(&self, group: &Arc<Mutex<Group>>, now: Instant) {
        let job = lock(group).prepare(&*self.inner.strategies, &*self.inner.catalog, now);
        let Some(job) = job else { return };
        let (coordinator, group) = (self.clone(), Arc::clone(group));
        self.inner
            .jobs
            .submit(Box::new(move || coordinator.run_jobs(&group, job, now)));
    }

    /// The coordinator's clock: the latest `now` any call has brought (ticks bring one every
    /// tick interval), for work that finishes with no caller, such as a strategy run.
    fn observe(&self, now: Instant) -> Instant {
        let mut clock = lock(&self.inner.clock);
        let latest = clock.map_or(now, |c| c.max(now));
        *clock = Some(latest);
        latest
    }

    /// Runs `job` outside the group's lock and applies its result; repeats while changes made
    /// meanwhile call for another run. The result is applied at the coordinator's time when the
    /// run ends (not `prepared`, when it started: a member's last contact is when its answer goes
    /// out, or a run that took most of a session would have every member expire right after).
    fn run_jobs(&self, group: &Mutex<Group>, mut job: state::Job, prepared: Instant) {
        loop {
            // A panic here would leave the group waiting forever for a run that never ends.
            let result = catch_unwind(AssertUnwindSafe(|| job.run(&*self.inner.strategies)))
                .unwrap_or_else(|_| JobResult::runner_failed("running the strategies panicked".to_owned()));
            let now = self.observe(prepared);
            let mut g = lock(group);
            g.apply(job, result, self.backoff(), now);
            match g.prepare(&*self.inner.strategies, &*self.inner.catalog, now) {
                Some(next) => job = next,
                None => return,
            }
        }
    }

    /// Waits until no strategy runs (none queued, none running) for at most `timeout`; returns
    /// whether that happened. For tools and tests that drive the coordinator by hand: a call that
    /// starts a rebalance returns before the strategy has run.
    pub fn wait_for_strategy_runs(&self, timeout: Duration) -> bool {
        self.inner.jobs.wait_idle(timeout)
    }

    /// Joins (or rejoins) a group; the ticket is answered when the rebalance completes (at once
    /// if nothing needs to change). Refused, without disturbing the group, when the member's
    /// strategies leave no candidate.
    pub fn join(&self, req: JoinRequest, now: Instant) -> Result<JoinTicket, GroupError> {
        limits::check_group_id(&req.group)?;
        self.observe(now);
        let invalid = |reason: String| GroupError::InvalidRequest {
            group: req.group.clone(),
            reason,
        };
        if req.strategies.is_empty() {
            return Err(invalid("a member must list at least one strategy".into()));
        }
        let mut names: Vec<&str> = req.strategies.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(format!("strategy {} is listed twice", w[0])));
        }
        self.check_timeout_bounds(req.session_timeout, req.rebalance_timeout)
            .map_err(invalid)?;
        let host = self.inner.strategies.names();
        let mut new_id = || {
            format!(
                "member-{}-{:08x}",
                self.inner.next_member.fetch_add(1, Ordering::Relaxed),
                self.inner.nonce as u32
            )
        };
        self.refuse_if_classic(&req.group)?;
        self.refuse_if_consumer(&req.group)?;
        let (group, ticket) = loop {
            let group = Arc::clone(
                lock(&self.inner.groups)
                    .entry(req.group.clone())
                    .or_insert_with(|| Arc::new(Mutex::new(Group::new(&req.group)))),
            );
            let mut g = lock(&group);
            if g.dead {
                // Deleted, or dropped after a refused first join, while this call waited: the
                // map no longer holds it, so the next look creates a fresh group.
                continue;
            }
            let result = g.join(&req, &host, now, &mut new_id);
            if result.is_err() && g.members.is_empty() && g.generation == 0 {
                // A refused first member leaves no trace.
                g.dead = true;
                lock(&self.inner.groups).remove(&req.group);
            }
            drop(g);
            break (group, result?);
        };
        self.drive(&group, now);
        Ok(ticket)
    }

    /// The host's bounds on a member's timeouts (Kafka refuses a join outside them with
    /// INVALID_SESSION_TIMEOUT).
    pub fn check_timeout_bounds(&self, session: Duration, rebalance: Duration) -> Result<(), String> {
        let config = &self.inner.config;
        let ms = |d: Duration| d.as_millis();
        let (session, min, max) = (session, config.min_session_timeout, config.max_session_timeout);
        if session < min || session > max {
            return Err(format!(
                "session timeout {} ms is outside the host's bounds of {} to {} ms (group.min.session.timeout.ms, group.max.session.timeout.ms)",
                ms(session),
                ms(min),
                ms(max)
            ));
        }
        let (rebalance, max) = (rebalance, config.max_rebalance_timeout);
        if rebalance.is_zero() || rebalance > max {
            return Err(format!(
                "rebalance timeout {} ms is outside the host's bounds of 1 to {} ms (group_max_rebalance_timeout_ms)",
                ms(rebalance),
                ms(max)
            ));
        }
        Ok(())
    }

    fn consumer_groups(&self) -> Vec<Arc<Mutex<ConsumerGroup>>> {
        lock(&self.inner.consumer_groups).values().cloned().collect()
    }

    /// Starts the consumer group's assignor run on the job pool when its target is behind.
    fn drive_consumer(&self, group: &Arc<Mutex<ConsumerGroup>>, now: Instant) {
        let job = lock(group).prepare(&*self.inner.strategies, &*self.inner.catalog, now);
        let Some(job) = job else { return };
        let (coordinator, group) = (self.clone(), Arc::clone(group));
        self.inner.jobs.submit(Box::new(move || {
            let mut job = job;
            loop {
                let result = catch_unwind(AssertUnwindSafe(|| job.run(&*coordinator.inner.strategies)));
                let now = coordinator.observe(now);
                let mut g = lock(&group);
                match result {
                    Ok(result) => {
                        let config = &coordinator.inner.config;
                        g.apply(result, config.retry_backoff, config.max_retry_backoff, now);
                    }
                    Err(_) => {
                        // The run's own panics are caught by the strategies; this is a bug here.
                        let config = &coordinator.inner.config;
                        let reason = "running the assignor panicked".to_owned();
                        g.failed(reason, config.retry_backoff, config.max_retry_backoff, now);
                    }
                }
                match g.prepare(&*coordinator.inner.strategies, &*coordinator.inner.catalog, now) {
                    Some(next) => job = next,
                    None => return,
                }
            }
        }));
    }

    /// A consumer-protocol member's heartbeat (Kafka's ConsumerGroupHeartbeat): joins, leaves,
    /// reconciles towards the member's target, and answers with its epoch and, when it changed,
    /// its assignment. The group is created by its first member.
    pub fn consumer_heartbeat(
        &self,
        req: &ConsumerHeartbeat,
        now: Instant,
    ) -> Result<ConsumerAnswer, ConsumerError> {
        limits::check_group_id(&req.group)?;
        self.observe(now);
        let settings = &self.inner.config.consumer;
        if req.member_epoch == 0 {
            // A group of another kind with members refuses a joining member; an empty one gives
            // way.
            self.refuse_if_classic(&req.group)?;
            let native = lock(&self.inner.groups).get(&req.group).cloned();
            if let Some(native) = native {
                let mut g = lock(&native);
                if !g.members.is_empty() {
                    return Err(GroupError::InconsistentGroupProtocol {
                        group: req.group.clone(),
                        group_type: GroupType::Native,
                    }
                    .into());
                }
                g.dead = true;
                lock(&self.inner.groups).remove(&req.group);
            }
        }
        let mut new_id = || {
            format!(
                "member-{}-{:08x}",
                self.inner.next_member.fetch_add(1, Ordering::Relaxed),
                self.inner.nonce as u32
            )
        };
        let (group, answer) = loop {
            let group = {
                let mut consumer = lock(&self.inner.consumer_groups);
                match consumer.get(&req.group) {
                    Some(g) => Arc::clone(g),
                    None if req.member_epoch != 0 => {
                        return Err(ConsumerError::UnknownMember {
                            group: req.group.clone(),
                            member: req.member_id.clone(),
                        });
                    }
                    None => {
                        let default = settings.assignors.first().map_or("uniform", String::as_str);
                        let g = Arc::new(Mutex::new(ConsumerGroup::new(&req.group, default)));
                        consumer.insert(req.group.clone(), Arc::clone(&g));
                        g
                    }
                }
            };
            let mut g = lock(&group);
            if g.dead {
                // Deleted, or given way to another kind, while this call waited.
                continue;
            }
            let answer = g.heartbeat(req, settings, &*self.inner.strategies, now, &mut new_id);
            if answer.is_err() && g.members.is_empty() && g.group_epoch == 0 {
                // A refused first member leaves no trace.
                g.dead = true;
                lock(&self.inner.consumer_groups).remove(&req.group);
            }
            drop(g);
            break (group, answer);
        };
        self.drive_consumer(&group, now);
        answer
    }

    /// For a join of another kind: refused while a consumer-protocol group of the name has
    /// members; an empty one gives way.
    pub(super) fn refuse_if_consumer(&self, name: &str) -> Result<(), GroupError> {
        let consumer = lock(&self.inner.consumer_groups).get(name).cloned();
        if let Some(consumer) = consumer {
            let mut g = lock(&consumer);
            if !g.members.is_empty() {
                return Err(GroupError::InconsistentGroupProtocol {
                    group: name.to_owned(),
                    group_type: GroupType::Consumer,
                });
            }
            g.dead = true;
            lock(&self.inner.consumer_groups).remove(name);
        }
        Ok(())
    }

    /// Everything about a consumer-protocol group, as Kafka's ConsumerGroupDescribe tells it.
    pub fn describe_consumer(&self, group: &str) -> Result<ConsumerGroupDescription, GroupError> {
        let found = lock(&self.inner.consumer_groups).get(group).cloned();
        match found {
            Some(g) => Ok(lock(&g).describe()),
            None if lock(&self.inner.groups).contains_key(group) => {
                Err(GroupError::InconsistentGroupProtocol {
                    group: group.to_owned(),
                    group_type: GroupType::Native,
                })
            }
            None => Err(GroupError::UnknownGroup {
                group: group.to_owned(),
            }),
        }
    }

    /// A member's heartbeat: says whether to rejoin, wait, or take newly granted partitions.
    pub fn heartbeat(
        &self,
        group: &str,
        member_id: &str,
        generation: i32,
        now: Instant,
    ) -> Result<HeartbeatState, GroupError> {
        self.observe(now);
        lock(&*self.group(group)?).heartbeat(member_id, generation, now)
    }

    /// A member leaves: its partitions are freed and the others rebalance.
    pub fn leave(&self, group: &str, member_id: &str, now: Instant) -> Result<(), GroupError> {
        self.observe(now);
        let g = self.group(group)?;
        lock(&g).leave(member_id, now)?;
        self.drive(&g, now);
        Ok(())
    }

    /// Cooperative: `member_id` has given up `partitions` (from its `revoke` list).
    pub fn revoked(
        &self,
        group: &str,
        member_id: &str,
        generation: i32,
        partitions: &[PartitionName],
        now: Instant,
    ) -> Result<(), GroupError> {
        self.observe(now);
        lock(&*self.group(group)?).revoked(member_id, generation, partitions, now)
    }

    /// For the server before serving a fetch made as a group member: only the partition's owner in
    /// the current generation is served.
    pub fn check_fetch(
        &self,
        group: &str,
        member_id: &str,
        generation: i32,
        partition: &PartitionName,
    ) -> Result<(), GroupError> {
        lock(&*self.group(group)?).check_owner(member_id, generation, partition)
    }

    /// Session expiry, rebalance timeouts, retries and registry events, as of `now`. The server
    /// calls it periodically (say every 100 ms).
    pub fn tick(&self, now: Instant) {
        self.observe(now);
        let events: Vec<RegistryEvent> = lock(&self.inner.events).try_iter().collect();
        for event in &events {
            self.strategy_changed(event, now);
        }
        let groups: Vec<Arc<Mutex<Group>>> = lock(&self.inner.groups).values().cloned().collect();
        for group in groups {
            lock(&group).tick(now);
            self.drive(&group, now);
        }
        self.tick_classic(now);
        let settings = &self.inner.config.consumer;
        for group in self.consumer_groups() {
            lock(&group).tick(settings, now);
            self.drive_consumer(&group, now);
        }
    }

    /// Applies one registry event to every group (also done by [`Coordinator::tick`] for the
    /// events of the subscription made at open).
    pub fn strategy_changed(&self, event: &RegistryEvent, now: Instant) {
        self.observe(now);
        let host = self.inner.strategies.names();
        let removed = event.change == Change::Removed;
        let groups: Vec<Arc<Mutex<Group>>> = lock(&self.inner.groups).values().cloned().collect();
        for group in groups {
            lock(&group).strategy_changed(&event.name, removed, &host, now);
            self.drive(&group, now);
        }
        for group in self.consumer_groups() {
            lock(&group).strategy_changed(&event.name, &*self.inner.strategies);
            self.drive_consumer(&group, now);
        }
    }

    /// The log says these topics changed (created, partitions added, deleted): native groups
    /// reading them rebalance if their partition counts differ from the current assignment's;
    /// consumer-protocol groups reading them compute a new target.
    pub fn topics_changed(&self, topics: &[&str], now: Instant) {
        self.observe(now);
        let groups: Vec<Arc<Mutex<Group>>> = lock(&self.inner.groups).values().cloned().collect();
        for group in groups {
            lock(&group).topics_changed(topics, &*self.inner.catalog, now);
            self.drive(&group, now);
        }
        for group in self.consumer_groups() {
            lock(&group).topics_changed(topics);
            self.drive_consumer(&group, now);
        }
    }

    /// Deletes an empty group and its offsets (the group is Dead to anyone still holding it).
    pub fn delete_group(&self, group: &str) -> Result<(), GroupError> {
        let classic = lock(&self.inner.classic).get(group).cloned();
        if let Some(classic) = &classic {
            let mut g = lock(classic);
            g.refuse_if_members("delete")?;
            g.dead = true;
            lock(&self.inner.classic).remove(group);
        }
        let consumer = lock(&self.inner.consumer_groups).get(group).cloned();
        if let Some(consumer) = &consumer {
            let mut g = lock(consumer);
            g.refuse_if_members("delete")?;
            g.dead = true;
            lock(&self.inner.consumer_groups).remove(group);
        }
        let handle = lock(&self.inner.groups).get(group).cloned();
        if let Some(handle) = &handle {
            let mut g = lock(handle);
            g.refuse_if_members("delete")?;
            g.dead = true;
            lock(&self.inner.groups).remove(group);
        }
        let offsets = lock(&self.inner.offsets);
        if handle.is_none() && classic.is_none() && consumer.is_none() && !offsets.has_group(group) {
            return Err(GroupError::UnknownGroup {
                group: group.to_owned(),
            });
        }
        let pending = offsets.submit(vec![OffsetBatch {
            group: group.to_owned(),
            ops: vec![OffsetOp::DeleteGroup],
        }]);
        drop(offsets);
        pending.wait().map_err(storage)
    }

    /// Everything about one group. A group known only by its committed offsets (after a
    /// restart, or once deleted state is gone) is described as empty.
    pub fn describe(&self, group: &str) -> Result<GroupDescription, GroupError> {
        if let Ok(classic) = self.classic_group(group) {
            return Ok(lock(&classic).describe());
        }
        if let Some(g) = lock(&self.inner.consumer_groups).get(group).cloned() {
            return Ok(lock(&g).describe_common());
        }
        match self.group(group) {
            Ok(g) => Ok(lock(&*g).describe()),
            Err(_) if lock(&self.inner.offsets).has_group(group) => Ok(Group::new(group).describe()),
            Err(e) => Err(e),
        }
    }

    /// Every group, by name: those with state, and those known only by committed offsets.
    pub fn list(&self) -> Vec<GroupListing> {
        let groups: Vec<Arc<Mutex<Group>>> = lock(&self.inner.groups).values().cloned().collect();
        let mut listing: BTreeMap<String, GroupListing> = groups
            .iter()
            .map(|g| {
                let g = lock(g);
                let entry = GroupListing {
                    group: g.name.clone(),
                    group_type: GroupType::Native,
                    protocol_type: None,
                    state: g.state(),
                    members: g.members.len(),
                    strategy: g.strategy.as_ref().map(|s| s.name.clone()),
                };
                (g.name.clone(), entry)
            })
            .collect();
        let classic: Vec<_> = lock(&self.inner.classic).values().cloned().collect();
        for g in classic {
            let entry = lock(&g).listing();
            listing.insert(entry.group.clone(), entry);
        }
        for g in self.consumer_groups() {
            let g = lock(&g);
            let entry = GroupListing {
                group_type: GroupType::Consumer,
                group: g.name.clone(),
                protocol_type: Some("consumer".to_owned()),
                state: g.describe_common().state,
                members: g.members.len(),
                strategy: Some(g.assignor.clone()),
            };
            listing.insert(g.name.clone(), entry);
        }
        for name in lock(&self.inner.offsets).group_names() {
            listing.entry(name.clone()).or_insert(GroupListing {
                group: name,
                group_type: GroupType::Native,
                protocol_type: None,
                state: GroupState::Empty,
                members: 0,
                strategy: None,
            });
        }
        listing.into_values().collect()
    }
}
