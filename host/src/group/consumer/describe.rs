//! What describe tells of a consumer-protocol group: its state, epochs, members with their
//! assignment and target, in Kafka's terms ([`ConsumerGroupDescription`]) and in the shape every
//! group shares ([`GroupDescription`], what `regroup groups describe` shows).

use std::collections::BTreeMap;

use regroup_assignor_api::model::Protocol;

use super::super::{GroupDescription, GroupState, GroupType, MemberDescription};
use super::{ConsumerGroup, ConsumerGroupDescription, ConsumerGroupState, ConsumerMemberDescription};

impl ConsumerGroup {
    pub fn state(&self) -> ConsumerGroupState {
        if self.members.is_empty() {
            ConsumerGroupState::Empty
        } else if self.assignment_epoch < self.group_epoch {
            ConsumerGroupState::Assigning
        } else if self.members.values().any(|m| {
            m.epoch < self.assignment_epoch
                || !m.revoking.is_empty()
                || self.target.get(&m.id).is_some_and(|t| *t != m.assigned)
        }) {
            ConsumerGroupState::Reconciling
        } else {
            ConsumerGroupState::Stable
        }
    }

    pub fn describe(&self) -> ConsumerGroupDescription {
        let members = self
            .members
            .values()
            .map(|m| ConsumerMemberDescription {
                member_id: m.id.clone(),
                instance_id: m.instance_id.clone(),
                rack: m.rack.clone(),
                member_epoch: m.epoch,
                subscribed_topics: m.topics.clone(),
                subscribed_regex: m.pattern.as_ref().map(|p| p.source.clone()),
                assignment: m.assigned.union(&m.revoking).cloned().collect(),
                revoking: m.revoking.iter().cloned().collect(),
                target: self
                    .target
                    .get(&m.id)
                    .map(|t| t.iter().cloned().collect())
                    .unwrap_or_default(),
                left: m.left,
            })
            .collect();
        ConsumerGroupDescription {
            group: self.name.clone(),
            state: self.state(),
            group_epoch: self.group_epoch,
            assignment_epoch: self.assignment_epoch,
            assignor: self.assignor.clone(),
            strategy: self
                .strategy
                .as_ref()
                .map(|s| (s.name.clone(), s.version.clone(), s.hash.clone())),
            members,
            degraded: self.degraded.clone(),
        }
    }

    /// The description in the coordinator's common shape (what `regroup groups describe` shows):
    /// the generation is the group epoch; pending partitions are those of the target still held
    /// elsewhere.
    pub fn describe_common(&self) -> GroupDescription {
        let state = match self.state() {
            ConsumerGroupState::Empty => GroupState::Empty,
            ConsumerGroupState::Assigning => GroupState::PreparingRebalance,
            ConsumerGroupState::Reconciling => GroupState::CompletingRebalance,
            ConsumerGroupState::Stable => GroupState::Stable,
        };
        let members = self
            .members
            .values()
            .map(|m| {
                let target = self.target.get(&m.id).cloned().unwrap_or_default();
                MemberDescription {
                    member_id: m.id.clone(),
                    client_id: None,
                    client_host: None,
                    instance_id: m.instance_id.clone(),
                    rack: m.rack.clone(),
                    topics: m.topics.clone(),
                    partitions: m.assigned.iter().cloned().collect(),
                    pending: target.difference(&m.assigned).cloned().collect(),
                    revoking: m.revoking.iter().cloned().collect(),
                    strategies: vec![(self.assignor.clone(), 0)],
                    assignment_user_data: 0,
                }
            })
            .collect();
        GroupDescription {
            group: self.name.clone(),
            group_type: GroupType::Consumer,
            protocol_type: Some("consumer".to_owned()),
            state,
            generation: self.group_epoch,
            protocol: Protocol::Cooperative,
            strategy: self.strategy.clone(),
            leader: None,
            members,
            degraded: self.degraded.clone(),
            rebalancing: (self.assignment_epoch < self.group_epoch).then(|| {
                format!(
                    "target assignment at epoch {}, group epoch {}",
                    self.assignment_epoch, self.group_epoch
                )
            }),
            last_rebalance: None,
            rebalances: BTreeMap::new(),
        }
    }
}
