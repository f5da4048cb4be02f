//! One assignor run for a consumer-protocol group: the spec the strategy sees (members'
//! subscriptions resolved against the log's topics, racks, and each member's current target as
//! what it owns, so sticky strategies stay sticky), run off the group's lock on the
//! coordinator's job pool, and its result applied as the new target.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use regroup_assignor_api::model::{self, GroupSpec, Protocol, TopicPartition};

use regroup_protocol::Backoff;

use super::super::state::Retry;
use super::super::topics::topic_index;
use super::super::{PartitionName, Strategies, StrategyDescription, TopicCatalog};
use super::{ConsumerGroup, resolve_assignor};

pub(in crate::group) struct ConsumerJob {
    /// The group epoch the target is computed for.
    epoch: i32,
    assignor: String,
    spec: GroupSpec,
}

pub(in crate::group) struct ConsumerJobResult {
    epoch: i32,
    outcome: Result<(StrategyDescription, BTreeMap<String, BTreeSet<PartitionName>>), String>,
}

impl ConsumerJob {
    pub(super) fn new(
        group: &ConsumerGroup,
        strategies: &dyn Strategies,
        catalog: &dyn TopicCatalog,
    ) -> Self {
        let all_topics = if group.members.values().any(|m| m.pattern.is_some()) {
            catalog.topics()
        } else {
            Vec::new()
        };
        let subscriptions: Vec<Vec<String>> = group
            .members
            .values()
            .map(|m| {
                let mut topics: BTreeSet<String> = m.topics.iter().cloned().collect();
                if let Some(pattern) = &m.pattern {
                    topics.extend(all_topics.iter().filter(|t| pattern.matches(t)).cloned());
                }
                topics
                    .into_iter()
                    .filter(|t| catalog.partitions(t).is_some())
                    .collect()
            })
            .collect();
        let names: BTreeSet<&str> = subscriptions.iter().flatten().map(String::as_str).collect();
        let topics: Vec<model::Topic> = names.iter().map(|&name| catalog.spec_topic(name)).collect();
        let index = topic_index(&topics);
        let mut shared: HashMap<&[String], model::Subscription> = HashMap::new();
        let members = group
            .members
            .values()
            .zip(&subscriptions)
            .map(|(m, subscription)| {
                let ids = shared
                    .entry(subscription.as_slice())
                    .or_insert_with(|| subscription.iter().map(|t| index[t.as_str()].0).collect())
                    .clone();
                let owned: Vec<TopicPartition> = group
                    .target
                    .get(&m.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| {
                        let &(id, count) = index.get(p.topic.as_str())?;
                        (p.partition < count).then_some(TopicPartition::new(id, p.partition))
                    })
                    .collect();
                let mut member = model::Member::new(&m.id, ids);
                member.instance_id = m.instance_id.clone();
                member.owned_generation = (!owned.is_empty()).then_some(group.assignment_epoch);
                member.owned = owned;
                member.rack = m.rack.clone();
                member
            })
            .collect();
        let strategy = resolve_assignor(&group.assignor, strategies);
        // Reconciliation is incremental whatever the strategy: it is told so when it can hear it.
        let protocol = match strategy.as_deref().and_then(|s| strategies.info(s)) {
            Some(info) if info.supports(Protocol::Cooperative) => Protocol::Cooperative,
            _ => Protocol::Eager,
        };
        let mut spec = GroupSpec::new(group.group_epoch, protocol, topics);
        spec.members = members;
        spec.group_id = Some(group.name.clone());
        ConsumerJob {
            epoch: group.group_epoch,
            assignor: group.assignor.clone(),
            spec,
        }
    }

    /// Runs the strategy (with the registry's deadline and isolation); no lock is held.
    pub(in crate::group) fn run(self, strategies: &dyn Strategies) -> ConsumerJobResult {
        let epoch = self.epoch;
        let Some(name) = resolve_assignor(&self.assignor, strategies) else {
            return ConsumerJobResult {
                epoch,
                outcome: Err(format!(
                    "assignor {:?} is no longer served by this host; keeping the current assignment",
                    self.assignor
                )),
            };
        };
        let spec = Arc::new(self.spec);
        let outcome = match strategies.assign(&name, Arc::clone(&spec)) {
            Ok((info, assignment)) => {
                let mut target: BTreeMap<String, BTreeSet<PartitionName>> = BTreeMap::new();
                for member in assignment.members {
                    let partitions = member
                        .partitions
                        .iter()
                        .map(|tp| PartitionName {
                            topic: spec.topics[tp.topic.index()].name.clone(),
                            partition: tp.partition,
                        })
                        .collect();
                    target.insert(member.member_id, partitions);
                }
                let description = StrategyDescription {
                    name: info.name,
                    version: info.version,
                    hash: info.hash,
                };
                Ok((description, target))
            }
            Err(error) => Err(format!(
                "strategy {name} failed: {error}; keeping the current assignment and retrying"
            )),
        };
        ConsumerJobResult { epoch, outcome }
    }
}

impl ConsumerGroup {
    /// Applies a run: the new target, or (failed) the group degraded and a retry after the
    /// backoff, doubling up to `max`.
    pub(in crate::group) fn apply(
        &mut self,
        result: ConsumerJobResult,
        initial: Duration,
        max: Duration,
        now: Instant,
    ) {
        self.running = false;
        if self.dead {
            return;
        }
        match result.outcome {
            Ok((strategy, target)) => {
                // Members that left while it ran get nothing.
                self.target = target
                    .into_iter()
                    .filter(|(id, _)| self.members.contains_key(id))
                    .collect();
                self.assignment_epoch = result.epoch;
                self.strategy = Some(strategy);
                self.degraded = None;
                self.retry = None;
            }
            Err(reason) => self.failed(reason, initial, max, now),
        }
    }

    /// A run failed: the current assignment stays, the group is degraded for `reason`, and the
    /// next run waits for the retry backoff (as a native group's does).
    pub(in crate::group) fn failed(
        &mut self,
        reason: String,
        initial: Duration,
        max: Duration,
        now: Instant,
    ) {
        tracing::warn!(group = %self.name, "{reason}");
        self.running = false;
        let mut pauses = self
            .retry
            .take()
            .map_or_else(|| Backoff::new(initial, max), |retry| retry.pauses);
        self.retry = Some(Retry {
            at: now + pauses.next_pause(),
            pauses,
        });
        self.degraded = Some(reason);
    }
}
