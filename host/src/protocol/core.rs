//! Conversions between the wire's messages (`regroup-protocol`, which knows nothing of the host)
//! and the core's types. A conversion that is a method on a message type is an extension trait
//! here (the message types live in another crate), under the method's old name.

use std::time::Duration;

use regroup_assignor_api::model;

use crate::group::{
    CommittedOffset, Committer, GroupDescription, GroupError, GroupListing, HeartbeatState, JoinOutcome,
    JoinRequest, PartitionName, ResetScope, ResetTo,
};
use crate::log::{FlushPolicy, LogError, OffsetSpec, TopicDescription, TopicSettings};
use crate::registry::Registry;
use regroup_protocol::messages::groups::{
    GroupInfo, GroupSummary, HeartbeatReply, JoinGroup, Joined, MemberInfo, Protocol, RebalanceInfo,
};
use regroup_protocol::messages::offsets::{CommitOffsets, OffsetCommit, WireResetScope, WireResetTo};
use regroup_protocol::messages::plugins::{PluginInfo, PluginList, RejectedPlugin};
use regroup_protocol::messages::records::WireOffsetSpec;
use regroup_protocol::messages::topics::{ConfigChange, CreateTopic, PartitionInfo, TopicInfo, WireFlush};
use regroup_protocol::{ErrorCode, WireError};

/// The contract's rebalance protocol as the wire carries it.
pub fn wire_protocol(protocol: model::Protocol) -> Protocol {
    match protocol {
        model::Protocol::Eager => Protocol::Eager,
        model::Protocol::Cooperative => Protocol::Cooperative,
    }
}

/// [`JoinGroup`] into the coordinator's [`JoinRequest`].
pub trait JoinGroupExt {
    /// The coordinator's request; zero timeouts become `default_session` / `default_rebalance`.
    fn into_request(self, default_session: Duration, default_rebalance: Duration) -> JoinRequest;
}

impl JoinGroupExt for JoinGroup {
    fn into_request(self, default_session: Duration, default_rebalance: Duration) -> JoinRequest {
        let or_default = |ms: u32, default| match ms {
            0 => default,
            ms => Duration::from_millis(u64::from(ms)),
        };
        JoinRequest {
            group: self.group,
            member_id: self.member_id,
            instance_id: self.instance_id,
            rack: self.rack,
            topics: self.topics,
            strategies: self
                .strategies
                .into_iter()
                .map(|s| (s.name, s.user_data))
                .collect(),
            session_timeout: or_default(self.session_timeout_ms, default_session),
            rebalance_timeout: or_default(self.rebalance_timeout_ms, default_rebalance),
            owned: self.owned,
            generation: self.generation,
        }
    }
}

impl From<JoinOutcome> for Joined {
    fn from(outcome: JoinOutcome) -> Self {
        Joined {
            member_id: outcome.member_id,
            generation: outcome.generation,
            strategy: outcome.strategy,
            protocol: wire_protocol(outcome.protocol),
            leader: outcome.leader,
            partitions: outcome.partitions,
            pending: outcome.pending,
            revoke: outcome.revoke,
            user_data: outcome.user_data,
            degraded: outcome.degraded,
        }
    }
}

impl From<HeartbeatState> for HeartbeatReply {
    fn from(state: HeartbeatState) -> Self {
        match state {
            HeartbeatState::Stable => HeartbeatReply::Stable,
            HeartbeatState::RebalanceInProgress => HeartbeatReply::RebalanceInProgress,
            HeartbeatState::Joining => HeartbeatReply::Joining,
            HeartbeatState::Granted(partitions) => HeartbeatReply::Granted(partitions),
        }
    }
}

impl From<GroupDescription> for GroupInfo {
    fn from(group: GroupDescription) -> Self {
        GroupInfo {
            group: group.group,
            state: group.state.as_str().to_owned(),
            generation: group.generation,
            protocol: wire_protocol(group.protocol),
            strategy: group.strategy.map(|s| (s.name, s.version, s.hash)),
            leader: group.leader,
            members: group
                .members
                .into_iter()
                .map(|m| MemberInfo {
                    member_id: m.member_id,
                    instance_id: m.instance_id,
                    rack: m.rack,
                    topics: m.topics,
                    partitions: m.partitions,
                    pending: m.pending,
                    revoking: m.revoking,
                    strategies: m
                        .strategies
                        .into_iter()
                        .map(|(name, size)| (name, size as u64))
                        .collect(),
                    assignment_user_data: m.assignment_user_data as u64,
                })
                .collect(),
            degraded: group.degraded,
            rebalancing: group.rebalancing,
            last_rebalance: group.last_rebalance.map(|r| RebalanceInfo {
                cause: r.cause,
                duration_ms: r.duration.as_millis() as u64,
                generation: r.generation,
                failures: r.failures,
            }),
        }
    }
}

impl From<GroupListing> for GroupSummary {
    fn from(group: GroupListing) -> Self {
        GroupSummary {
            group: group.group,
            state: group.state.as_str().to_owned(),
            members: group.members as u32,
            strategy: group.strategy,
        }
    }
}

/// [`OffsetCommit`] to and from the coordinator's [`CommittedOffset`].
pub trait OffsetCommitExt {
    fn into_core(self) -> (PartitionName, CommittedOffset);
    fn from_core(committed: (PartitionName, CommittedOffset)) -> Self;
}

impl OffsetCommitExt for OffsetCommit {
    fn into_core(self) -> (PartitionName, CommittedOffset) {
        (
            self.partition,
            CommittedOffset {
                offset: self.offset,
                metadata: self.metadata,
            },
        )
    }

    fn from_core((partition, committed): (PartitionName, CommittedOffset)) -> Self {
        OffsetCommit {
            partition,
            offset: committed.offset,
            metadata: committed.metadata,
        }
    }
}

/// Who commits, as the coordinator fences it.
pub trait CommitOffsetsExt {
    fn committer(&self) -> Committer;
}

impl CommitOffsetsExt for CommitOffsets {
    fn committer(&self) -> Committer {
        match &self.member {
            Some((member_id, generation)) => Committer::Member {
                member_id: member_id.clone(),
                generation: *generation,
            },
            None => Committer::Standalone,
        }
    }
}

impl From<WireResetScope> for ResetScope {
    fn from(scope: WireResetScope) -> Self {
        match scope {
            WireResetScope::Topics(topics) => ResetScope::Topics(topics),
            WireResetScope::Partitions(partitions) => ResetScope::Partitions(partitions),
        }
    }
}

impl From<WireResetTo> for ResetTo {
    fn from(to: WireResetTo) -> Self {
        match to {
            WireResetTo::Earliest => ResetTo::Earliest,
            WireResetTo::Latest => ResetTo::Latest,
            WireResetTo::Timestamp(ts) => ResetTo::Timestamp(ts),
            WireResetTo::Offset(offset) => ResetTo::Offset(offset),
        }
    }
}

/// The registry's strategies and rejected files, as the wire lists them.
pub trait PluginListExt {
    fn of(registry: &Registry) -> PluginList;
}

impl PluginListExt for PluginList {
    fn of(registry: &Registry) -> PluginList {
        PluginList {
            strategies: registry
                .strategies()
                .iter()
                .map(|s| PluginInfo {
                    name: s.info.name.clone(),
                    version: s.info.version.clone(),
                    description: s.info.description.clone(),
                    protocols: s.info.protocols.iter().map(|&p| wire_protocol(p)).collect(),
                    isolation: s.isolation.to_string(),
                    hash: s.hash.clone(),
                    source: s.source.to_string(),
                })
                .collect(),
            rejected: registry
                .rejected()
                .into_iter()
                .map(|r| RejectedPlugin {
                    path: r.path.display().to_string(),
                    reason: r.error.to_string(),
                })
                .collect(),
        }
    }
}

impl From<WireOffsetSpec> for OffsetSpec {
    fn from(spec: WireOffsetSpec) -> Self {
        match spec {
            WireOffsetSpec::Earliest => OffsetSpec::Earliest,
            WireOffsetSpec::Latest => OffsetSpec::Latest,
            WireOffsetSpec::Timestamp(ts) => OffsetSpec::Timestamp(ts),
        }
    }
}

/// A new topic's settings.
pub trait CreateTopicExt {
    /// The log's settings for this topic, over `defaults`; an error names the bad config.
    fn settings(&self, defaults: &TopicSettings) -> Result<TopicSettings, String>;
}

impl CreateTopicExt for CreateTopic {
    fn settings(&self, defaults: &TopicSettings) -> Result<TopicSettings, String> {
        let changes: Vec<ConfigChange> = self
            .configs
            .iter()
            .map(|(key, value)| ConfigChange::set(key, value))
            .collect();
        apply_configs(defaults.clone(), &changes, defaults)
    }
}

/// `settings` with every change made in order; `defaults` are the host's, which a deleted
/// config returns to.
pub fn apply_configs(
    mut settings: TopicSettings,
    changes: &[ConfigChange],
    defaults: &TopicSettings,
) -> Result<TopicSettings, String> {
    for change in changes {
        settings.set_config(&change.key, change.value.as_deref(), defaults)?;
    }
    Ok(settings)
}

impl From<FlushPolicy> for WireFlush {
    fn from(policy: FlushPolicy) -> Self {
        match policy {
            FlushPolicy::EveryBatch => WireFlush::EveryBatch,
            FlushPolicy::Interval(period) => WireFlush::IntervalMs(period.as_millis() as u64),
            FlushPolicy::Os => WireFlush::Os,
        }
    }
}

impl From<WireFlush> for FlushPolicy {
    fn from(flush: WireFlush) -> Self {
        match flush {
            WireFlush::EveryBatch => FlushPolicy::EveryBatch,
            WireFlush::IntervalMs(ms) => FlushPolicy::Interval(Duration::from_millis(ms)),
            WireFlush::Os => FlushPolicy::Os,
        }
    }
}

impl From<TopicDescription> for TopicInfo {
    fn from(topic: TopicDescription) -> Self {
        TopicInfo {
            topic: topic.name,
            flush: topic.flush.into(),
            retention_bytes: topic.settings.retention_bytes,
            retention_ms: topic.settings.retention_age.map(|age| age.as_millis() as u64),
            segment_bytes: topic.settings.segment_bytes,
            segment_ms: topic.settings.segment_age.as_millis() as u64,
            partitions: topic
                .partitions
                .into_iter()
                .map(|p| PartitionInfo {
                    partition: p.partition,
                    log_start_offset: p.log_start_offset,
                    high_watermark: p.high_watermark,
                    size_bytes: p.size_bytes,
                    segment_count: p.segment_count as u64,
                })
                .collect(),
        }
    }
}

impl From<&LogError> for ErrorCode {
    fn from(error: &LogError) -> Self {
        match error {
            LogError::InvalidTopicName { .. } => ErrorCode::InvalidTopicName,
            LogError::TopicExists { .. } => ErrorCode::TopicExists,
            LogError::UnknownTopic { .. } => ErrorCode::UnknownTopic,
            LogError::UnknownPartition { .. } => ErrorCode::UnknownPartition,
            LogError::InvalidSettings { .. } => ErrorCode::InvalidTopicSettings,
            LogError::PartitionCountNotIncreased { .. } => ErrorCode::PartitionCountNotIncreased,
            LogError::ReplicationFactorUnsupported { .. } => ErrorCode::ReplicationFactorUnsupported,
            LogError::EmptyBatch { .. } => ErrorCode::EmptyBatch,
            LogError::InvalidBatch { .. } => ErrorCode::InvalidBatch,
            LogError::OutOfOrderSequence { .. } => ErrorCode::OutOfOrderSequence,
            LogError::InvalidProducerEpoch { .. } => ErrorCode::InvalidProducerEpoch,
            LogError::BatchTooLarge { .. } => ErrorCode::BatchTooLarge,
            LogError::OffsetOutOfRange { .. } => ErrorCode::OffsetOutOfRange,
            LogError::Corrupt { .. } => ErrorCode::CorruptLog,
            LogError::UnsupportedFormat { .. } => ErrorCode::UnsupportedLogFormat,
            LogError::Io { .. } => ErrorCode::LogStorage,
        }
    }
}

impl From<&GroupError> for ErrorCode {
    fn from(error: &GroupError) -> Self {
        match error {
            GroupError::UnknownGroup { .. } => ErrorCode::UnknownGroup,
            GroupError::UnknownMember { .. } => ErrorCode::UnknownMember,
            GroupError::IllegalGeneration { .. } => ErrorCode::IllegalGeneration,
            GroupError::NoCommonStrategy { .. } => ErrorCode::NoCommonStrategy,
            GroupError::NotOwner { .. } => ErrorCode::NotOwner,
            GroupError::FencedInstance { .. } => ErrorCode::FencedInstance,
            GroupError::GroupNotEmpty { .. } => ErrorCode::GroupNotEmpty,
            GroupError::InvalidRequest { .. } => ErrorCode::InvalidGroupRequest,
            GroupError::Superseded { .. } => ErrorCode::JoinSuperseded,
            GroupError::MemberRemoved { .. } => ErrorCode::MemberRemoved,
            GroupError::UnknownPartition { .. } => ErrorCode::UnknownGroupPartition,
            GroupError::NotRevoking { .. } => ErrorCode::NotRevoking,
            GroupError::OffsetUnavailable { .. } => ErrorCode::OffsetUnavailable,
            GroupError::Storage(_) => ErrorCode::OffsetStorage,
            GroupError::CoordinatorClosed => ErrorCode::CoordinatorClosed,
        }
    }
}

impl From<LogError> for WireError {
    fn from(error: LogError) -> Self {
        WireError::new(ErrorCode::from(&error), error.to_string())
    }
}

impl From<GroupError> for WireError {
    fn from(error: GroupError) -> Self {
        WireError::new(ErrorCode::from(&error), error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_protocol_enum_is_the_contracts_variant_for_variant() {
        let contract = [model::Protocol::Eager, model::Protocol::Cooperative];
        for p in contract {
            let wire = wire_protocol(p);
            assert_eq!(wire.as_str(), p.as_str());
            // Same name (self-describing formats) and same order (bincode's variant index).
            assert_eq!(
                serde_json::to_string(&wire).unwrap(),
                serde_json::to_string(&p).unwrap()
            );
        }
        assert!(wire_protocol(contract[0]) < wire_protocol(contract[1]) && contract[0] < contract[1]);
    }

    #[test]
    fn group_errors_travel_as_200_plus_the_coordinators_code() {
        let errors = crate::group::one_group_error_of_each()
            .into_iter()
            .map(|(error, _)| error);
        for error in errors {
            let wire = WireError::from(error.clone());
            assert_eq!(wire.code, 200 + error.code(), "{error:?}");
            assert_eq!(wire.message, error.to_string());
        }
    }

    #[test]
    fn log_errors_keep_their_message() {
        let wire = WireError::from(LogError::UnknownTopic {
            topic: "orders".into(),
        });
        assert!(wire.is(ErrorCode::UnknownTopic));
        assert_eq!(wire.message, "unknown topic \"orders\"");
        assert_eq!(wire.to_string(), "unknown topic \"orders\" (error 102)");
    }
}
